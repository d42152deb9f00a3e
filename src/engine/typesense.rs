//! Typesense: the collection schema, `documents/import` bodies and their answers, and the
//! search parameters and their answer.
//!
//! The schema lists every field the documents carry, with its type: nothing is left to
//! auto-detection. Pre-segmented fields are plain `string`s, which Typesense tokenizes on
//! spaces (and punctuation, which they no longer hold). Searches turn off what would widen the
//! answer beyond newsdesk's words: prefixes, typos, dropped or split tokens.
//!
//! Typesense's query string cannot say OR, a field-restricted word, a boost or a sloppy
//! phrase: such queries are refused with an error that says so.
//!
//! Not here: HTTP, failover between nodes and batching (`crate::push`, `super::client`).

use serde_json::{json, Value};

use super::document::Document;
use super::query::{Node, QueryError, TextField};
use super::{EngineError, Filters, ItemOutcome, Sort, StoredHit};
use crate::search::SearchRequest;

/// Typesense answers at most this many hits a page.
pub const MAX_PER_PAGE: usize = 250;

/// The collection schema `--create-schema` sends (`POST /collections`).
pub fn schema(collection: &str) -> Value {
    let field = |name: &str, kind: &str| json!({"name": name, "type": kind});
    let facet = |name: &str, kind: &str| json!({"name": name, "type": kind, "facet": true});
    let stored =
        |name: &str, kind: &str| json!({"name": name, "type": kind, "index": false, "optional": true});
    let optional =
        |name: &str, kind: &str| json!({"name": name, "type": kind, "facet": true, "optional": true});
    json!({
        "name": collection,
        "fields": [
            stored("title", "string"),
            field("title_seg", "string"),
            stored("text", "string"),
            field("text_seg", "string"),
            stored("summary", "string"),
            facet("source", "string"),
            stored("author", "string"),
            optional("author_key", "string"),
            stored("categories", "string[]"),
            facet("category", "string[]"),
            facet("tags", "string[]"),
            facet("topics", "string[]"),
            facet("entities", "string[]"),
            facet("keywords", "string[]"),
            facet("lang", "string"),
            stored("url", "string"),
            {"name": "published_at", "type": "int64", "optional": true, "sort": true},
            optional("duplicate_of", "string"),
            facet("is_duplicate", "bool"),
            stored("content_hash", "string"),
            stored("simhash", "string"),
        ]
    })
}

/// Appends `doc` as one JSON line to an import body.
pub fn import_line(doc: &Document, body: &mut Vec<u8>) {
    serde_json::to_writer(&mut *body, doc).expect("a document always serializes");
    body.push(b'\n');
}

/// Reads an import answer for `sent` documents: one JSON line per document, in order.
pub fn import_outcomes(body: &[u8], sent: usize) -> Result<Vec<ItemOutcome>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the import answer is not UTF-8: {e}"))?;
    let mut out = Vec::with_capacity(sent);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("an import answer line is not JSON: {e}"))?;
        if v.get("success").and_then(Value::as_bool) == Some(true) {
            out.push(ItemOutcome::Ok);
        } else {
            let code = v.get("code").and_then(Value::as_u64).unwrap_or(400) as u16;
            let reason = v.get("error").and_then(Value::as_str).unwrap_or("rejected").to_string();
            out.push(match code {
                429 | 500..=599 => ItemOutcome::Retry { status: code, reason },
                _ => ItemOutcome::Failed { status: code, reason },
            });
        }
    }
    if out.len() != sent {
        return Err(format!("the import answer has {} lines for {sent} documents", out.len()));
    }
    Ok(out)
}

/// The search parameters for `req` whose query was parsed into `node`, or why Typesense cannot
/// answer it.
pub fn search_params(
    node: &Node,
    filters: &Filters,
    req: &SearchRequest,
) -> Result<Vec<(String, String)>, QueryError> {
    let unsupported = |what: &str| QueryError::Unsupported {
        query: req.query.clone(),
        what: what.to_string(),
        hint: "Typesense cannot express it: search the embedded index, or push to OpenSearch/Elasticsearch",
    };
    let mut q: Vec<String> = Vec::new();
    let mut filter: Vec<String> = Vec::new();
    flatten(node, &mut q, &mut filter, &unsupported)?;
    let exact = |field: &str, value: &str| exact_filter(field, value, &unsupported);
    if let Some(c) = &filters.category {
        filter.push(exact("category", c)?);
    }
    if let Some(a) = &filters.author {
        filter.push(exact("author_key", a)?);
    }
    if !filters.topics.is_empty() {
        let any: Vec<String> = filters.topics.iter().map(|t| format!("`{}`", t.replace('`', ""))).collect();
        filter.push(format!("topics:=[{}]", any.join(",")));
    }
    if let Some(e) = &filters.entity {
        filter.push(exact("entities", e)?);
    }
    if filters.dedupe {
        filter.push("is_duplicate:=false".into());
    }
    if let Some(t) = &req.since {
        filter.push(format!("published_at:>={}", t.timestamp()));
    }
    if let Some(t) = &req.until {
        filter.push(format!("published_at:<{}", t.timestamp()));
    }
    let (page, per_page) = page_of(req.offset, req.limit).ok_or_else(|| {
        unsupported(&format!("--offset {} with --limit {} (Typesense pages: the offset must be a multiple of the limit, or offset plus limit at most {MAX_PER_PAGE})", req.offset, req.limit))
    })?;
    let mut params = vec![
        ("q".to_string(), if q.is_empty() { "*".to_string() } else { q.join(" ") }),
        ("query_by".into(), "title_seg,text_seg".into()),
        ("query_by_weights".into(), format!("{},1", crate::index::TITLE_BOOST as u32)),
        ("prefix".into(), "false".into()),
        ("num_typos".into(), "0".into()),
        ("typo_tokens_threshold".into(), "0".into()),
        ("drop_tokens_threshold".into(), "0".into()),
        ("split_join_tokens".into(), "off".into()),
        ("page".into(), page.to_string()),
        ("per_page".into(), per_page.to_string()),
        ("include_fields".into(), StoredHit::FIELDS.join(",")),
        ("highlight_fields".into(), "none".into()),
        (
            "sort_by".into(),
            match req.sort {
                Sort::Relevance => "_text_match:desc".into(),
                Sort::Newest => "published_at:desc".into(),
            },
        ),
    ];
    if !filter.is_empty() {
        params.push(("filter_by".into(), filter.join(" && ")));
    }
    Ok(params)
}

/// The page and page size that hold hits `offset..offset + limit`.
fn page_of(offset: usize, limit: usize) -> Option<(usize, usize)> {
    if limit == 0 {
        return Some((1, 0));
    }
    if limit <= MAX_PER_PAGE && offset.is_multiple_of(limit) {
        return Some((offset / limit + 1, limit));
    }
    (offset + limit <= MAX_PER_PAGE).then_some((1, offset + limit))
}

/// How many hits of the page `search_params` asked for come before the requested ones.
pub fn skip_in_page(offset: usize, limit: usize) -> usize {
    match page_of(offset, limit) {
        Some((1, per_page)) if per_page == offset + limit && offset > 0 => offset,
        _ => 0,
    }
}

/// `field:=`value``: an exact match, the value quoted in backticks (so it may hold commas
/// and spaces), which it therefore cannot hold itself.
fn exact_filter(
    field: &str,
    value: &str,
    unsupported: &dyn Fn(&str) -> QueryError,
) -> Result<String, QueryError> {
    if value.contains('`') {
        return Err(unsupported("a filter value holding a backtick"));
    }
    Ok(format!("{field}:=`{value}`"))
}

/// Flattens `node` into Typesense's query words (`word`, `"a phrase"`, `-word`) and filters.
fn flatten(
    node: &Node,
    q: &mut Vec<String>,
    filter: &mut Vec<String>,
    unsupported: &dyn Fn(&str) -> QueryError,
) -> Result<(), QueryError> {
    match node {
        Node::All => Ok(()),
        Node::Word { field: TextField::Any, word } => {
            q.push(word.clone());
            Ok(())
        }
        Node::Phrase { field: TextField::Any, words, slop: 0 } => {
            q.push(format!("\"{}\"", words.join(" ")));
            Ok(())
        }
        Node::Phrase { field: TextField::Any, .. } => Err(unsupported("a phrase with slop (~N)")),
        Node::Word { .. } | Node::Phrase { .. } => Err(unsupported("a word restricted to title: or text:")),
        Node::Keyword { field, value } => {
            filter.push(exact_filter(field, value, unsupported)?);
            Ok(())
        }
        Node::Boost { .. } => Err(unsupported("a boost (^N)")),
        Node::Bool { should, .. } if !should.is_empty() => Err(unsupported("OR")),
        Node::Bool { must, must_not, .. } => {
            for n in must {
                flatten(n, q, filter, unsupported)?;
            }
            for n in must_not {
                match n {
                    Node::Word { field: TextField::Any, word } => q.push(format!("-{word}")),
                    Node::Phrase { field: TextField::Any, words, slop: 0 } => {
                        q.push(format!("-\"{}\"", words.join(" ")))
                    }
                    _ => return Err(unsupported("NOT of anything but a word or a phrase")),
                }
            }
            Ok(())
        }
    }
}

/// Reads a search answer: the total and the hits.
pub fn search_answer(body: &[u8], skip: usize) -> Result<(usize, Vec<StoredHit>), EngineError> {
    let bad = |why: String| EngineError::Answer { what: "search", reason: why };
    let answer: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let total = answer.get("found").and_then(Value::as_u64).ok_or_else(|| bad("no `found`".into()))?;
    if let Some(ms) = answer.get("search_time_ms").and_then(Value::as_u64) {
        tracing::debug!(engine_ms = ms, total, "Typesense searched");
    }
    let mut out = Vec::new();
    for hit in answer.get("hits").and_then(Value::as_array).into_iter().flatten().skip(skip) {
        let mut doc = hit.get("document").cloned().ok_or_else(|| bad("a hit without its document".into()))?;
        // Typesense keeps dates as seconds; hits carry them as RFC 3339, like the embedded index's.
        if let Some(secs) = doc.get("published_at").and_then(Value::as_i64) {
            let t = chrono::DateTime::from_timestamp(secs, 0).ok_or_else(|| bad(format!("date {secs}")))?;
            doc["published_at"] = json!(crate::article::format_utc(&t));
        }
        let mut stored: StoredHit = serde_json::from_value(doc).map_err(|e| bad(e.to_string()))?;
        stored.score = hit.get("text_match").and_then(Value::as_f64).map(|s| s as f32);
        out.push(stored);
    }
    Ok((total as usize, out))
}

#[cfg(test)]
mod tests {
    use super::super::query::parse;
    use super::*;

    fn params(query: &str) -> Result<Vec<(String, String)>, QueryError> {
        let req = SearchRequest { query: query.into(), limit: 10, ..SearchRequest::default() };
        search_params(&parse(query).unwrap(), &Filters::of(&req), &req)
    }

    fn get<'a>(p: &'a [(String, String)], key: &str) -> &'a str {
        &p.iter().find(|(k, _)| k == key).unwrap().1
    }

    #[test]
    fn words_phrases_and_nots_become_typesense_query_words() {
        let p = params("互联互通 -腾讯 topic:interop").unwrap();
        assert_eq!(get(&p, "q"), "互联互通 -腾讯");
        assert_eq!(get(&p, "filter_by"), "topics:=`interop`");
        assert_eq!(get(&p, "prefix"), "false");
        assert_eq!(get(&p, "num_typos"), "0");
        assert_eq!(get(&p, "drop_tokens_threshold"), "0");
        let phrase = params("支付宝账户").unwrap();
        let q = get(&phrase, "q");
        assert!(
            q.starts_with('"') && q.ends_with('"') && q.contains("支付宝 ") && q.contains(" 账户"),
            "{q}"
        );
        assert_eq!(get(&params("*").unwrap(), "q"), "*");
    }

    #[test]
    fn or_and_the_rest_are_refused_not_answered_differently() {
        for (q, what) in [
            ("腾讯 OR 支付宝", "OR"),
            ("title:腾讯", "title:"),
            ("腾讯^2", "boost"),
            ("\"腾讯 支付\"~2", "slop"),
        ] {
            let err = params(q).unwrap_err().to_string();
            assert!(err.contains(what) && err.contains("Typesense"), "{q}: {err}");
        }
    }

    #[test]
    fn pages_hold_the_requested_hits() {
        assert_eq!(page_of(20, 10), Some((3, 10)));
        assert_eq!(page_of(5, 10), Some((1, 15)));
        assert_eq!(skip_in_page(5, 10), 5);
        assert_eq!(skip_in_page(20, 10), 0);
        assert_eq!(page_of(0, 0), Some((1, 0)));
        assert_eq!(page_of(1000, 7), None);
    }

    #[test]
    fn import_answers_are_read_line_by_line() {
        let body = b"{\"success\":true}\n{\"success\":false,\"error\":\"Field `lang` has been declared in the schema, but is not found in the document.\",\"document\":\"{}\"}\n";
        let out = import_outcomes(body, 2).unwrap();
        assert_eq!(out[0], ItemOutcome::Ok);
        assert!(matches!(&out[1], ItemOutcome::Failed { reason, .. } if reason.contains("lang")));
        assert!(import_outcomes(body, 3).is_err());
    }
}
