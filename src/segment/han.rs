//! Han characters as tokens, for the words that jieba's cut hides: every single character and
//! every pair of neighbours of each run of Han characters (as Lucene's CJK analyzer does), so
//! any run of Han characters that occurs in an article can be found, whatever the dictionary
//! makes of its context. `粗钢` in 「全球粗钢产量」, which jieba cuts `粗 / 钢产量`, is the
//! pair `粗钢` here.
//!
//! Indexing emits, for each character of a run, the character itself and the pair it starts,
//! both at the character's position. A query emits the pairs of a run at consecutive
//! positions (so a longer run is a phrase of overlapping pairs), or the character alone for a
//! run of one. Runs are a position apart from each other, so nothing matches across the text
//! between them. A query word that also holds letters or digits (`5G手机`, `A股`) emits
//! nothing: the word fields serve it whole, and its Han part alone would widen it.
//!
//! Not here: the word field and its cut (the parent module), how the two fields are weighed
//! (the store's query).

use tantivy::tokenizer::{Token, Tokenizer};

use super::{is_han, Mode, PieceStream};

/// A tantivy tokenizer of Han characters and pairs; see the module doc.
#[derive(Clone)]
pub struct HanTokenizer {
    mode: Mode,
    tokens: Vec<Token>,
}

impl HanTokenizer {
    pub fn new(mode: Mode) -> Self {
        HanTokenizer { mode, tokens: Vec::new() }
    }
}

/// Calls `emit(from, to, position)` for each character and pair token of `text` (byte spans).
fn han_tokens(text: &str, mode: Mode, mut emit: impl FnMut(usize, usize, usize)) {
    if mode == Mode::Query && text.chars().any(|c| c.is_alphanumeric() && !is_han(c)) {
        return;
    }
    let mut position = 0usize;
    let mut run: Vec<(usize, usize)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, usize)>, position: &mut usize| {
        if run.is_empty() {
            return;
        }
        for (i, &(from, to)) in run.iter().enumerate() {
            let pair_end = run.get(i + 1).map(|&(_, end)| end);
            match mode {
                Mode::Index => {
                    emit(from, to, *position + i);
                    if let Some(end) = pair_end {
                        emit(from, end, *position + i);
                    }
                }
                Mode::Query => match pair_end {
                    Some(end) => emit(from, end, *position + i),
                    None if run.len() == 1 => emit(from, to, *position),
                    None => {}
                },
            }
        }
        // One position between runs, so no phrase spans the text between them.
        *position += run.len() + 1;
        run.clear();
    };
    for (at, c) in text.char_indices() {
        if is_han(c) {
            run.push((at, at + c.len_utf8()));
        } else {
            flush(&mut run, &mut position);
        }
    }
    flush(&mut run, &mut position);
}

impl Tokenizer for HanTokenizer {
    type TokenStream<'a> = PieceStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PieceStream<'a> {
        let HanTokenizer { mode, tokens } = self;
        let mut len = 0;
        han_tokens(text, *mode, |from, to, position| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[len];
            len += 1;
            token.offset_from = from;
            token.offset_to = to;
            token.position = position;
            token.position_length = 1;
            token.text.clear();
            token.text.push_str(&text[from..to]);
        });
        PieceStream { tokens: &mut tokens[..len], next: 0 }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenStream;

    use super::*;

    fn tokens(text: &str, mode: Mode) -> Vec<(String, usize)> {
        let mut t = HanTokenizer::new(mode);
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn indexing_emits_characters_and_pairs_at_the_characters_positions() {
        let got = tokens("粗钢产 10月", Mode::Index);
        let want = [("粗", 0), ("粗钢", 0), ("钢", 1), ("钢产", 1), ("产", 2), ("月", 4)];
        assert_eq!(got, want.map(|(t, p)| (t.to_string(), p)));
    }

    #[test]
    fn a_query_is_a_phrase_of_pairs_or_one_character() {
        assert_eq!(tokens("粗钢产", Mode::Query), [("粗钢".to_string(), 0), ("钢产".to_string(), 1)]);
        assert_eq!(tokens("钢", Mode::Query), [("钢".to_string(), 0)]);
        assert!(tokens("steel 2021", Mode::Query).is_empty());
        assert!(tokens("5G手机", Mode::Query).is_empty(), "mixed words are the word fields'");
        assert_eq!(tokens("5G手机", Mode::Index).len(), 3, "but indexed text keeps its Han runs");
    }
}
