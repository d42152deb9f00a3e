//! OpenSearch and Elasticsearch: the index mapping, `_bulk` bodies and their answers, and the
//! search request and its answer. Both engines share these wire formats for what newsdesk
//! uses (the `_bulk` API, `bool` queries, `match_phrase`, `track_total_hits`).
//!
//! The mapping is strict (`dynamic: strict`, no date or numeric detection): a field newsdesk
//! does not declare is an error, not a guess. `title_seg`/`text_seg` use a whitespace
//! analyzer, since newsdesk has already cut them; `title`/`text` keep the engine's standard
//! analyzer for users who query the index directly (docs/engines.md shows how to put smartcn
//! or IK there).
//!
//! Not here: HTTP, retries and batching (`crate::push`, `super::client`).

use serde_json::{json, Value};

use super::document::Document;
use super::query::{Node, TextField};
use super::{EngineError, Filters, ItemOutcome, Sort, StoredHit};
use crate::search::SearchRequest;

/// The index settings and mapping `--create-schema` sends (`PUT /{index}`).
pub fn mapping() -> Value {
    let keyword = || json!({"type": "keyword"});
    let stored = |kind: &str| json!({"type": kind, "index": false});
    let words = || json!({"type": "text", "analyzer": "newsdesk_words", "similarity": "BM25"});
    json!({
        "settings": {
            "analysis": {
                "analyzer": {
                    "newsdesk_words": {"type": "custom", "tokenizer": "whitespace"}
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "date_detection": false,
            "numeric_detection": false,
            "properties": {
                "id": keyword(),
                "title": {"type": "text"},
                "title_seg": words(),
                "text": {"type": "text"},
                "text_seg": words(),
                "summary": stored("text"),
                "source": keyword(),
                "author": stored("keyword"),
                "author_key": keyword(),
                "categories": stored("keyword"),
                "category": keyword(),
                "tags": keyword(),
                "topics": keyword(),
                "entities": keyword(),
                "keywords": keyword(),
                "lang": keyword(),
                "url": keyword(),
                "published_at": {"type": "date", "format": "strict_date_optional_time"},
                "duplicate_of": keyword(),
                "is_duplicate": {"type": "boolean"},
                "content_hash": keyword(),
                "simhash": keyword(),
            }
        }
    })
}

/// Appends the `_bulk` lines of `doc` (an `index` action with `_index` and `_id`, then the
/// document) to `body`. Each line ends with a newline, the last one included, as `_bulk` requires.
pub fn bulk_lines(index: &str, doc: &Document, body: &mut Vec<u8>) {
    let action = json!({"index": {"_index": index, "_id": doc.id}});
    serde_json::to_writer(&mut *body, &action).expect("JSON always serializes");
    body.push(b'\n');
    serde_json::to_writer(&mut *body, doc).expect("a document always serializes");
    body.push(b'\n');
}

/// Reads a `_bulk` answer for `sent` documents: one outcome per document, in order.
/// Items that got 429 (or a 5xx) are to be sent again; any other failure is final.
pub fn bulk_outcomes(body: &[u8], sent: usize) -> Result<Vec<ItemOutcome>, String> {
    let answer: Value =
        serde_json::from_slice(body).map_err(|e| format!("the _bulk answer is not JSON: {e}"))?;
    let items = answer.get("items").and_then(Value::as_array).ok_or("the _bulk answer has no items")?;
    if items.len() != sent {
        return Err(format!("the _bulk answer has {} items for {sent} documents", items.len()));
    }
    Ok(items
        .iter()
        .map(|item| {
            let result = item.as_object().and_then(|o| o.values().next()).cloned().unwrap_or(Value::Null);
            let status = result.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
            let reason = || match result.get("error") {
                Some(Value::Object(e)) => {
                    let kind = e.get("type").and_then(Value::as_str).unwrap_or("error");
                    let why = e.get("reason").and_then(Value::as_str).unwrap_or("");
                    format!("{kind}: {why}")
                }
                Some(other) => other.to_string(),
                None => format!("status {status}"),
            };
            match status {
                200..=299 => ItemOutcome::Ok,
                429 | 500..=599 => ItemOutcome::Retry { status, reason: reason() },
                _ => ItemOutcome::Failed { status, reason: reason() },
            }
        })
        .collect())
}

/// The `_search` body for `req` whose query was parsed into `node`.
pub fn search_body(node: &Node, filters: &Filters, req: &SearchRequest) -> Value {
    let mut filter: Vec<Value> = Vec::new();
    let mut must_not: Vec<Value> = Vec::new();
    if let Some(c) = &filters.category {
        filter.push(json!({"term": {"category": c}}));
    }
    if let Some(a) = &filters.author {
        filter.push(json!({"term": {"author_key": a}}));
    }
    if !filters.topics.is_empty() {
        filter.push(json!({"terms": {"topics": filters.topics}}));
    }
    if let Some(e) = &filters.entity {
        filter.push(json!({"term": {"entities": e}}));
    }
    if filters.dedupe {
        must_not.push(json!({"term": {"is_duplicate": true}}));
    }
    if req.since.is_some() || req.until.is_some() {
        let mut range = serde_json::Map::new();
        if let Some(t) = &req.since {
            range.insert("gte".into(), json!(crate::article::format_utc(t)));
        }
        if let Some(t) = &req.until {
            range.insert("lt".into(), json!(crate::article::format_utc(t)));
        }
        filter.push(json!({"range": {"published_at": range}}));
    }
    let mut body = json!({
        "query": {"bool": {"must": [query(node)], "filter": filter, "must_not": must_not}},
        "from": req.offset,
        "size": req.limit,
        "track_total_hits": true,
        "_source": StoredHit::FIELDS,
    });
    if req.sort == Sort::Newest {
        body["sort"] = json!([{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]);
    }
    body
}

/// The query DSL for `node`: a word or phrase is looked up in `title_seg` (boosted as the
/// embedded index boosts titles) or `text_seg`, summed as tantivy sums its fields.
fn query(node: &Node) -> Value {
    let fields = |field: TextField| -> Vec<(&'static str, f32)> {
        match field {
            TextField::Any => vec![("title_seg", crate::index::TITLE_BOOST), ("text_seg", 1.0)],
            TextField::Title => vec![("title_seg", 1.0)],
            TextField::Text => vec![("text_seg", 1.0)],
        }
    };
    let any_of = |parts: Vec<Value>| {
        if parts.len() == 1 {
            parts.into_iter().next().expect("one part")
        } else {
            json!({"bool": {"should": parts}})
        }
    };
    match node {
        Node::All => json!({"match_all": {}}),
        Node::Word { field, word } => any_of(
            fields(*field)
                .into_iter()
                .map(|(f, boost)| json!({"term": {f: {"value": word, "boost": boost}}}))
                .collect(),
        ),
        Node::Phrase { field, words, slop } => any_of(
            fields(*field)
                .into_iter()
                .map(|(f, boost)| json!({"match_phrase": {f: {"query": words.join(" "), "slop": slop, "boost": boost}}}))
                .collect(),
        ),
        Node::Keyword { field, value } => json!({"term": {*field: value}}),
        Node::Bool { must, should, must_not } => {
            let all = |nodes: &Vec<Node>| nodes.iter().map(query).collect::<Vec<_>>();
            let mut b = json!({"must": all(must), "should": all(should), "must_not": all(must_not)});
            if must.is_empty() && !should.is_empty() {
                b["minimum_should_match"] = json!(1);
            }
            json!({ "bool": b })
        }
        Node::Boost { node, boost } => json!({"bool": {"must": [query(node)], "boost": boost}}),
    }
}

/// Reads a `_search` answer: the total and the hits.
pub fn search_answer(body: &[u8]) -> Result<(usize, Vec<StoredHit>), EngineError> {
    let bad = |why: String| EngineError::Answer { what: "_search", reason: why };
    let answer: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let hits = answer.get("hits").ok_or_else(|| bad("no hits".into()))?;
    if let Some(ms) = answer.get("took").and_then(Value::as_u64) {
        tracing::debug!(engine_ms = ms, "the engine searched");
    }
    let total =
        hits.pointer("/total/value").or_else(|| hits.get("total")).and_then(Value::as_u64).unwrap_or(0);
    let mut out = Vec::new();
    for hit in hits.get("hits").and_then(Value::as_array).into_iter().flatten() {
        let source = hit.get("_source").cloned().ok_or_else(|| bad("a hit without _source".into()))?;
        let mut stored: StoredHit = serde_json::from_value(source).map_err(|e| bad(e.to_string()))?;
        stored.score = hit.get("_score").and_then(Value::as_f64).map(|s| s as f32);
        out.push(stored);
    }
    Ok((total as usize, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_lines_are_action_then_document_each_ending_in_a_newline() {
        let doc = super::super::tests::sample_doc();
        let mut body = Vec::new();
        bulk_lines("news", &doc, &mut body);
        let text = String::from_utf8(body).unwrap();
        assert!(text.ends_with('\n'));
        let lines: Vec<&str> = text.trim_end().split('\n').collect();
        assert_eq!(lines.len(), 2);
        let action: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(action, json!({"index": {"_index": "news", "_id": doc.id}}));
        let sent: Value = serde_json::from_str(lines[1]).unwrap();
        let declared = mapping()["mappings"]["properties"].as_object().unwrap().clone();
        for key in sent.as_object().unwrap().keys() {
            assert!(declared.contains_key(key), "{key} is not in the strict mapping");
        }
    }

    #[test]
    fn bulk_items_are_read_one_by_one() {
        let answer = json!({"took": 3, "errors": true, "items": [
            {"index": {"_id": "a", "status": 201}},
            {"index": {"_id": "b", "status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}},
            {"index": {"_id": "c", "status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad date"}}},
        ]});
        let out = bulk_outcomes(answer.to_string().as_bytes(), 3).unwrap();
        assert_eq!(out[0], ItemOutcome::Ok);
        assert!(matches!(&out[1], ItemOutcome::Retry { status: 429, .. }));
        assert!(
            matches!(&out[2], ItemOutcome::Failed { status: 400, reason } if reason.contains("bad date"))
        );
        assert!(bulk_outcomes(answer.to_string().as_bytes(), 2).is_err());
    }
}
