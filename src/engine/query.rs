//! newsdesk's query language, read for a search engine: the same grammar as the embedded
//! index (tantivy's, parsed by its own `query_grammar`), with every word cut by newsdesk
//! exactly as the embedded query parser cuts it, into a small tree the engine modules turn
//! into their own query.
//!
//! Words are cut in query mode (whole words only, never widened into the words inside them);
//! a literal that is more than one word (`"支付宝 账户"`, or `支付宝账户` written together) is a
//! phrase, cut in index mode so that it lines up with the documents' pre-segmented text (see
//! [`super::document`]). A query word matches the title or the text, as in the embedded index.
//!
//! What is not in the tree is refused with a clear error rather than answered differently:
//! ranges (use `--since`/`--until`), sets, regular expressions, `field:*`, prefix phrases, and
//! fields no engine document holds. Engines refuse more (see `typesense`).
//!
//! Not here: the Han-character fallback of the embedded index (an engine holds words only:
//! `search --words-only` gives the embedded answer to compare with); the engines' syntax.

use tantivy::query_grammar::{self, Occur, UserInputAst, UserInputLeaf, UserInputLiteral};

use super::document;
use crate::segment::Mode;

/// Where words are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// The title or the text (a bare word).
    Any,
    Title,
    Text,
}

/// A query, ready for an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Everything (`*` or an empty query).
    All,
    /// One word.
    Word {
        field: TextField,
        word: String,
    },
    /// Words in this order (up to `slop` words apart).
    Phrase {
        field: TextField,
        words: Vec<String>,
        slop: u32,
    },
    /// An exact value of a keyword field of the engine document.
    Keyword {
        field: &'static str,
        value: String,
    },
    /// Boolean clauses: all of `must`, none of `must_not`, and at least one of `should` when
    /// there is no `must` (tantivy's and the engines' rule alike).
    Bool {
        must: Vec<Node>,
        should: Vec<Node>,
        must_not: Vec<Node>,
    },
    Boost {
        node: Box<Node>,
        boost: f32,
    },
}

/// A query that cannot go to an engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("cannot understand the query {query:?}: it is not in newsdesk's query language")]
    Syntax { query: String },
    #[error("the query {query:?} uses {what}, which cannot be searched through a search engine; {hint}")]
    Unsupported { query: String, what: String, hint: &'static str },
}

/// The engine document field a `field:value` of the query language reads: text fields by
/// their role, keyword fields by their document name.
fn field_of(name: &str) -> Option<Result<TextField, &'static str>> {
    Some(match name {
        "title" => Ok(TextField::Title),
        "text" => Ok(TextField::Text),
        "category" => Err("category"),
        "author" => Err("author_key"),
        "tag" => Err("tags"),
        "topic" => Err("topics"),
        "entity" => Err("entities"),
        "keyword" => Err("keywords"),
        "lang" => Err("lang"),
        "id" => Err("id"),
        _ => return None,
    })
}

/// Parses `query` into a [`Node`].
pub fn parse(query: &str) -> Result<Node, QueryError> {
    let trimmed = query.trim();
    if trimmed.is_empty() || trimmed == "*" {
        return Ok(Node::All);
    }
    let ast =
        query_grammar::parse_query(trimmed).map_err(|_| QueryError::Syntax { query: query.to_string() })?;
    let unsupported = |what: &str, hint: &'static str| QueryError::Unsupported {
        query: query.to_string(),
        what: what.to_string(),
        hint,
    };
    convert(&ast, &unsupported).map(|n| n.unwrap_or(Node::All))
}

type Unsupported<'a> = dyn Fn(&str, &'static str) -> QueryError + 'a;

/// `None` for a part that holds no word (punctuation only), which the embedded parser drops too.
fn convert(ast: &UserInputAst, unsupported: &Unsupported) -> Result<Option<Node>, QueryError> {
    match ast {
        UserInputAst::Leaf(leaf) => leaf_node(leaf, unsupported),
        UserInputAst::Boost(inner, boost) => Ok(convert(inner, unsupported)?
            .map(|node| Node::Boost { node: Box::new(node), boost: boost.into_inner() as f32 })),
        UserInputAst::Clause(clauses) => {
            let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
            for (occur, sub) in clauses {
                let Some(node) = convert(sub, unsupported)? else { continue };
                match occur {
                    // Words are all required by default, as `set_conjunction_by_default` makes them.
                    None | Some(Occur::Must) => must.push(node),
                    Some(Occur::Should) => should.push(node),
                    Some(Occur::MustNot) => must_not.push(node),
                }
            }
            Ok(match (must.len(), should.len(), must_not.len()) {
                (0, 0, 0) => None,
                (1, 0, 0) => must.pop(),
                (0, 1, 0) => should.pop(),
                _ => Some(Node::Bool { must, should, must_not }),
            })
        }
    }
}

fn leaf_node(leaf: &UserInputLeaf, unsupported: &Unsupported) -> Result<Option<Node>, QueryError> {
    match leaf {
        UserInputLeaf::All => Ok(Some(Node::All)),
        UserInputLeaf::Literal(literal) => literal_node(literal, unsupported),
        UserInputLeaf::Range { .. } => Err(unsupported("a range", "use --since and --until for dates")),
        UserInputLeaf::Set { .. } => Err(unsupported("a set (IN [...])", "write the values joined by OR")),
        UserInputLeaf::Exists { .. } => Err(unsupported("field:*", "search the embedded index for it")),
        UserInputLeaf::Regex { .. } => {
            Err(unsupported("a regular expression", "search the embedded index for it"))
        }
    }
}

fn literal_node(literal: &UserInputLiteral, unsupported: &Unsupported) -> Result<Option<Node>, QueryError> {
    if literal.prefix {
        return Err(unsupported("a prefix (word*)", "newsdesk already finds the words inside longer words"));
    }
    let field =
        match literal.field_name.as_deref() {
            None => TextField::Any,
            Some(name) => match field_of(name) {
                Some(Ok(text)) => text,
                Some(Err(keyword)) => {
                    let value = literal.phrase.trim();
                    let value = if keyword == "entities" {
                        crate::analyze::canonical_entity(value).to_lowercase()
                    } else if keyword == "id" {
                        value.to_string()
                    } else {
                        value.to_lowercase()
                    };
                    return Ok(Some(Node::Keyword { field: keyword, value }));
                }
                None => return Err(unsupported(
                    &format!("the field {name:?}"),
                    "engines hold title, text, category, author, tag, topic, entity, keyword, lang and id",
                )),
            },
        };
    let words = document::tokens(&literal.phrase, Mode::Query);
    Ok(match words.len() {
        0 => None,
        1 => Some(Node::Word { field, word: words.into_iter().next().expect("one word") }),
        _ => Some(Node::Phrase {
            field,
            words: document::tokens(&literal.phrase, Mode::Index),
            slop: literal.slop,
        }),
    })
}

/// The words of `node` that are looked up in the text (not under a NOT), for snippets.
pub fn text_words(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    collect(node, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Word { field, word } if *field != TextField::Title => out.push(word.clone()),
        Node::Phrase { field, words, .. } if *field != TextField::Title => out.extend(words.iter().cloned()),
        Node::Bool { must, should, .. } => must.iter().chain(should).for_each(|n| collect(n, out)),
        Node::Boost { node, .. } => collect(node, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Node {
        Node::Word { field: TextField::Any, word: w.to_string() }
    }

    #[test]
    fn words_are_all_required_and_cut_like_the_embedded_parser() {
        assert_eq!(
            parse("互联互通 Platforms").unwrap(),
            Node::Bool {
                must: vec![word("互联互通"), word("platform")], should: vec![], must_not: vec![]
            }
        );
        assert_eq!(parse("  ").unwrap(), Node::All);
        assert_eq!(parse("*").unwrap(), Node::All);
    }

    #[test]
    fn words_written_together_are_a_phrase_cut_like_the_documents() {
        let Node::Phrase { field, words, slop } = parse("支付宝账户").unwrap() else { panic!() };
        assert_eq!((field, slop), (TextField::Any, 0));
        assert_eq!(words, document::tokens("支付宝账户", Mode::Index));
        assert!(words.contains(&"支付".to_string()), "{words:?}");
    }

    #[test]
    fn or_not_fields_and_boosts_keep_their_meaning() {
        let Node::Bool { must, should, must_not } = parse("腾讯 OR 支付宝 -阿里巴巴").unwrap()
        else {
            panic!()
        };
        assert_eq!((must.len(), should.len(), must_not), (0, 2, vec![word("阿里巴巴")]));
        assert_eq!(parse("title:腾讯").unwrap(), Node::Word { field: TextField::Title, word: "腾讯".into() });
        assert_eq!(
            parse("topic:Interop").unwrap(),
            Node::Keyword { field: "topics", value: "interop".into() }
        );
        assert!(matches!(parse("腾讯^2").unwrap(), Node::Boost { boost, .. } if boost == 2.0));
    }

    #[test]
    fn what_an_engine_cannot_answer_is_refused_by_name() {
        for (q, what) in [
            ("published:[2020 TO 2021]", "a range"),
            ("title:*", "field:*"),
            ("\"支付\"*", "a prefix"),
            ("simhash:12", "the field \"simhash\""),
        ] {
            let err = parse(q).unwrap_err().to_string();
            assert!(err.contains(what), "{q}: {err}");
        }
        assert!(matches!(parse("\"unclosed").unwrap_err(), QueryError::Syntax { .. }));
    }

    #[test]
    fn snippet_words_leave_out_negated_and_title_only_words() {
        assert_eq!(text_words(&parse("腾讯 -微博 title:阿里").unwrap()), vec!["腾讯".to_string()]);
    }
}
