#![allow(dead_code)] // each test file uses part of it
//! A strict stand-in for OpenSearch/Elasticsearch on 127.0.0.1, for what newsdesk uses of
//! them: `PUT`/`GET /{index}`, `POST /_bulk` and `POST /{index}/_search`.
//!
//! It checks what the engines document and refuses, as they do, what breaks it: the bulk
//! content type (`application/x-ndjson`), action/document line pairs with `_index` and `_id`,
//! the final newline, the body size (413 above `max_body`), documents against a strict mapping
//! (`strict_dynamic_mapping_exception`), dates in `strict_date_optional_time`. Every breach is
//! also recorded in `violations`, which tests expect empty. It answers like the engines: item
//! results in order with `errors: true` on partial failure, and it can be told to fail on
//! purpose (whole-request 503s, item 429s, mapping errors for chosen ids).
//!
//! Searches are evaluated over the stored documents for the query types newsdesk sends
//! (`bool`, `term`, `terms`, `match_phrase`, `range`, `match_all`), with whitespace tokens for
//! the text fields, so that answers can be compared with the embedded index's. Scores are
//! crude (sums of matches): compare sets, not orders.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

/// Failures to give on purpose.
#[derive(Default, Clone)]
pub struct Faults {
    /// The first this many `_bulk` requests get a whole-request 503.
    pub busy_first: usize,
    /// Every this-many-th document gets an item 429 the first time it is sent (0: never).
    pub item_429_every: usize,
    /// Documents with these ids get an item 400 `mapper_parsing_exception`.
    pub reject_ids: HashSet<String>,
    /// Larger `_bulk` bodies get 413 (`http.max_content_length`); 0: 100 MB, the default.
    pub max_body: usize,
    /// The `Authorization` header every request must carry, if any.
    pub authorization: Option<String>,
}

#[derive(Default)]
pub struct Log {
    /// (bytes, documents) of every `_bulk` request that was read.
    pub bulks: Vec<(usize, usize)>,
    pub violations: Vec<String>,
    pub searches: Vec<Value>,
    pub statuses: Vec<u16>,
}

#[derive(Default)]
struct Inner {
    faults: Faults,
    mappings: HashMap<String, Value>,
    docs: BTreeMap<(String, String), Value>,
    seen: HashSet<String>,
    bulk_count: usize,
    doc_count: usize,
    log: Log,
}

type Shared = Arc<Mutex<Inner>>;

pub struct EsServer {
    pub url: String,
    inner: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl EsServer {
    pub fn start(faults: Faults) -> EsServer {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let inner: Shared = Arc::new(Mutex::new(Inner { faults, ..Inner::default() }));
        let app = Router::new()
            .route("/_bulk", post(bulk))
            .route("/{index}", put(create).get(get_index).head(get_index))
            .route("/{index}/_search", post(search))
            .with_state(inner.clone());
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        EsServer { url, inner, _runtime: runtime }
    }

    /// What was logged so far.
    pub fn log<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        f(&self.inner.lock().unwrap().log)
    }

    /// The stored documents of `index`, by id.
    pub fn docs(&self, index: &str) -> BTreeMap<String, Value> {
        let inner = self.inner.lock().unwrap();
        inner
            .docs
            .iter()
            .filter(|((i, _), _)| i == index)
            .map(|((_, id), d)| (id.clone(), d.clone()))
            .collect()
    }

    pub fn mapping(&self, index: &str) -> Option<Value> {
        self.inner.lock().unwrap().mappings.get(index).cloned()
    }
}

fn error(status: StatusCode, kind: &str, reason: &str) -> Response {
    (status, Json(json!({"error": {"type": kind, "reason": reason}, "status": status.as_u16()})))
        .into_response()
}

/// Checks authorization and the content type; a breach is logged and answered.
fn gate(inner: &mut Inner, headers: &HeaderMap, content_type: &str) -> Option<Response> {
    if let Some(expected) = &inner.faults.authorization {
        let given = headers.get("authorization").and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            inner.log.statuses.push(401);
            return Some(error(
                StatusCode::UNAUTHORIZED,
                "security_exception",
                "missing authentication credentials",
            ));
        }
    }
    let given = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = given.split(';').next().unwrap_or("").trim();
    if essence != content_type {
        inner.log.violations.push(format!("content type {given:?}, expected {content_type}"));
        return Some(error(
            StatusCode::NOT_ACCEPTABLE,
            "content_type",
            &format!("Content-Type header [{given}] is not supported"),
        ));
    }
    None
}

async fn create(
    State(inner): State<Shared>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut inner = inner.lock().unwrap();
    if let Some(r) = gate(&mut inner, &headers, "application/json") {
        return r;
    }
    if inner.mappings.contains_key(&index) {
        return error(
            StatusCode::BAD_REQUEST,
            "resource_already_exists_exception",
            &format!("index [{index}] already exists"),
        );
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        inner.log.violations.push("index creation body is not JSON".into());
        return error(StatusCode::BAD_REQUEST, "parse_exception", "not JSON");
    };
    let m = &v["mappings"];
    let mut problems = Vec::new();
    if m["dynamic"] != json!("strict") {
        problems.push("mappings.dynamic is not \"strict\"".to_string());
    }
    if m["date_detection"] != json!(false) {
        problems.push("mappings.date_detection is not false".to_string());
    }
    let analyzers =
        v.pointer("/settings/analysis/analyzer").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, p) in m["properties"].as_object().into_iter().flatten() {
        if p.get("type").and_then(Value::as_str).is_none() {
            problems.push(format!("{name} has no type"));
        }
        if let Some(a) = p.get("analyzer").and_then(Value::as_str) {
            if !analyzers.contains_key(a) && a != "standard" && a != "whitespace" {
                problems.push(format!("{name} uses the undefined analyzer {a}"));
            }
        }
    }
    if !problems.is_empty() {
        inner.log.violations.extend(problems.iter().cloned());
        return error(StatusCode::BAD_REQUEST, "mapper_parsing_exception", &problems.join("; "));
    }
    inner.mappings.insert(index.clone(), m.clone());
    Json(json!({"acknowledged": true, "shards_acknowledged": true, "index": index})).into_response()
}

async fn get_index(State(inner): State<Shared>, Path(index): Path<String>, headers: HeaderMap) -> Response {
    let mut inner = inner.lock().unwrap();
    if let Some(expected) = inner.faults.authorization.clone() {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
            inner.log.statuses.push(401);
            return error(
                StatusCode::UNAUTHORIZED,
                "security_exception",
                "missing authentication credentials",
            );
        }
    }
    match inner.mappings.get(&index) {
        Some(m) => Json(json!({ index: {"mappings": m} })).into_response(),
        None => {
            error(StatusCode::NOT_FOUND, "index_not_found_exception", &format!("no such index [{index}]"))
        }
    }
}

/// Checks one document against the strict mapping: `Err(reason)` as the engine would give it.
fn check_doc(mapping: &Value, doc: &Value) -> Result<(), (String, String)> {
    let props = mapping["properties"].as_object().cloned().unwrap_or_default();
    let Some(fields) = doc.as_object() else {
        return Err(("mapper_parsing_exception".into(), "not an object".into()));
    };
    for (name, value) in fields {
        let Some(p) = props.get(name) else {
            return Err((
                "strict_dynamic_mapping_exception".into(),
                format!(
                    "mapping set to strict, dynamic introduction of [{name}] within [_doc] is not allowed"
                ),
            ));
        };
        let kind = p["type"].as_str().unwrap_or("");
        let scalars: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for v in scalars {
            let ok = match kind {
                "keyword" | "text" => v.is_string() || v.is_null(),
                "boolean" => v.is_boolean(),
                "date" => {
                    v.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()) || v.is_null()
                }
                _ => true,
            };
            if !ok {
                return Err((
                    "mapper_parsing_exception".into(),
                    format!("failed to parse field [{name}] of type [{kind}]"),
                ));
            }
        }
    }
    Ok(())
}

async fn bulk(State(inner): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut guard = inner.lock().unwrap();
    let inner = &mut *guard;
    if let Some(r) = gate(inner, &headers, "application/x-ndjson") {
        return r;
    }
    let max = if inner.faults.max_body == 0 { 100 << 20 } else { inner.faults.max_body };
    if body.len() > max {
        inner.log.statuses.push(413);
        return (StatusCode::PAYLOAD_TOO_LARGE, "").into_response();
    }
    inner.bulk_count += 1;
    if inner.bulk_count <= inner.faults.busy_first {
        inner.log.statuses.push(503);
        return error(StatusCode::SERVICE_UNAVAILABLE, "cluster_block_exception", "busy, on purpose");
    }
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t,
        Err(_) => {
            inner.log.violations.push("bulk body is not UTF-8".into());
            return error(StatusCode::BAD_REQUEST, "parse_exception", "not UTF-8");
        }
    };
    if !text.ends_with('\n') {
        inner.log.violations.push("bulk body does not end with a newline".into());
        return error(
            StatusCode::BAD_REQUEST,
            "illegal_argument_exception",
            "The bulk request must be terminated by a newline [\\n]",
        );
    }
    let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
    if !lines.len().is_multiple_of(2) {
        inner.log.violations.push(format!("bulk body has {} lines, not action/document pairs", lines.len()));
        return error(
            StatusCode::BAD_REQUEST,
            "illegal_argument_exception",
            "Malformed action/metadata line",
        );
    }
    let mut items = Vec::new();
    let mut errors = false;
    for pair in lines.chunks(2) {
        let action: Value = match serde_json::from_str(pair[0]) {
            Ok(v) => v,
            Err(e) => {
                inner.log.violations.push(format!("action line is not JSON: {e}"));
                return error(
                    StatusCode::BAD_REQUEST,
                    "illegal_argument_exception",
                    "Malformed action/metadata line",
                );
            }
        };
        let meta = action.get("index").filter(|_| action.as_object().is_some_and(|o| o.len() == 1));
        let (Some(index), Some(id)) = (
            meta.and_then(|m| m["_index"].as_str()).map(str::to_string),
            meta.and_then(|m| m["_id"].as_str()).filter(|s| !s.is_empty()).map(str::to_string),
        ) else {
            inner
                .log
                .violations
                .push(format!("action line {:?} is not an index action with _index and _id", pair[0]));
            return error(
                StatusCode::BAD_REQUEST,
                "illegal_argument_exception",
                "Malformed action/metadata line",
            );
        };
        let doc: Value = match serde_json::from_str(pair[1]) {
            Ok(v) => v,
            Err(e) => {
                inner.log.violations.push(format!("document line is not JSON: {e}"));
                return error(
                    StatusCode::BAD_REQUEST,
                    "illegal_argument_exception",
                    "Malformed document line",
                );
            }
        };
        inner.doc_count += 1;
        let item = |status: u16, error: Option<(String, String)>| {
            let mut r = json!({"_index": index, "_id": id, "status": status});
            if let Some((kind, reason)) = error {
                r["error"] = json!({"type": kind, "reason": reason});
            }
            json!({ "index": r })
        };
        let Some(mapping) = inner.mappings.get(&index).cloned() else {
            errors = true;
            items.push(item(
                404,
                Some(("index_not_found_exception".into(), format!("no such index [{index}]"))),
            ));
            continue;
        };
        let every = inner.faults.item_429_every;
        if every > 0 && inner.doc_count.is_multiple_of(every) && inner.seen.insert(id.clone()) {
            errors = true;
            items.push(item(
                429,
                Some(("es_rejected_execution_exception".into(), "queue full, on purpose".into())),
            ));
            continue;
        }
        if inner.faults.reject_ids.contains(&id) {
            errors = true;
            items.push(item(
                400,
                Some(("mapper_parsing_exception".into(), "failed to parse, on purpose".into())),
            ));
            continue;
        }
        if let Err(e) = check_doc(&mapping, &doc) {
            inner.log.violations.push(format!("document {id}: {}", e.1));
            errors = true;
            items.push(item(400, Some(e)));
            continue;
        }
        let existed = inner.docs.insert((index.clone(), id.clone()), doc).is_some();
        items.push(item(if existed { 200 } else { 201 }, None));
    }
    inner.log.bulks.push((body.len(), lines.len() / 2));
    inner.log.statuses.push(200);
    Json(json!({"took": 1, "errors": errors, "items": items})).into_response()
}

/// Tokens of a text field (the pre-segmented ones are split on whitespace, like the mapping's analyzer).
fn tokens(doc: &Value, field: &str) -> Vec<String> {
    doc.get(field)
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn values(doc: &Value, field: &str) -> Vec<Value> {
    match doc.get(field) {
        Some(Value::Array(v)) => v.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(v) => vec![v.clone()],
    }
}

const TEXT_FIELDS: [&str; 4] = ["title_seg", "text_seg", "title", "text"];

/// The score of `doc` for `q`, `None` when it does not match; unknown queries are violations.
fn eval(q: &Value, doc: &Value, violations: &mut Vec<String>) -> Option<f64> {
    let Some((kind, body)) = q.as_object().and_then(|o| o.iter().next()) else {
        violations.push(format!("query {q} is not an object with one key"));
        return None;
    };
    let field_and = |body: &Value| -> (String, Value) {
        let (f, v) = body
            .as_object()
            .and_then(|o| o.iter().next())
            .map(|(f, v)| (f.clone(), v.clone()))
            .unwrap_or_default();
        (f, v)
    };
    let boost_of = |v: &Value| v.get("boost").and_then(Value::as_f64).unwrap_or(1.0);
    match kind.as_str() {
        "match_all" => Some(1.0),
        "term" => {
            let (f, v) = field_and(body);
            let value = if v.is_object() { v["value"].clone() } else { v.clone() };
            let boost = if v.is_object() { boost_of(&v) } else { 1.0 };
            if TEXT_FIELDS.contains(&f.as_str()) {
                let n = tokens(doc, &f).iter().filter(|t| Some(t.as_str()) == value.as_str()).count();
                (n > 0).then_some(boost * n as f64)
            } else {
                values(doc, &f).contains(&value).then_some(boost)
            }
        }
        "terms" => {
            let (f, v) = field_and(body);
            let wanted = v.as_array().cloned().unwrap_or_default();
            values(doc, &f).iter().any(|x| wanted.contains(x)).then_some(1.0)
        }
        "match_phrase" => {
            let (f, v) = field_and(body);
            let words: Vec<String> =
                v["query"].as_str().unwrap_or("").split_whitespace().map(str::to_string).collect();
            let slop = v["slop"].as_u64().unwrap_or(0) as usize;
            let have = tokens(doc, &f);
            let found = (0..have.len()).filter(|&start| {
                // Each next word within `slop` extra positions of the previous one.
                let mut at = start;
                let mut budget = slop;
                for (i, w) in words.iter().enumerate() {
                    if i == 0 {
                        if have.get(at) != Some(w) {
                            return false;
                        }
                        continue;
                    }
                    let mut next = at + 1;
                    while next < have.len() && &have[next] != w && next - at - 1 < budget {
                        next += 1;
                    }
                    if have.get(next) != Some(w) {
                        return false;
                    }
                    budget -= next - at - 1;
                    at = next;
                }
                true
            });
            let n = found.count();
            (n > 0 && !words.is_empty()).then_some(boost_of(&v) * n as f64)
        }
        "range" => {
            let (f, v) = field_and(body);
            let t = doc
                .get(&f)
                .and_then(Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())?;
            let bound = |k: &str| {
                v.get(k).and_then(Value::as_str).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            };
            let ok = bound("gte").is_none_or(|b| t >= b)
                && bound("gt").is_none_or(|b| t > b)
                && bound("lt").is_none_or(|b| t < b)
                && bound("lte").is_none_or(|b| t <= b);
            ok.then_some(0.0)
        }
        "bool" => {
            let list = |k: &str| body.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
            let (must, filter, should, must_not) =
                (list("must"), list("filter"), list("should"), list("must_not"));
            let mut score = 0.0;
            for q in &must {
                score += eval(q, doc, violations)?;
            }
            for q in &filter {
                eval(q, doc, violations)?;
            }
            if must_not.iter().any(|q| eval(q, doc, violations).is_some()) {
                return None;
            }
            let matched: Vec<f64> = should.iter().filter_map(|q| eval(q, doc, violations)).collect();
            let minimum =
                body.get("minimum_should_match").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(
                    if must.is_empty() && filter.is_empty() && !should.is_empty() { 1 } else { 0 },
                );
            if matched.len() < minimum {
                return None;
            }
            score += matched.iter().sum::<f64>();
            Some(score * boost_of(body))
        }
        other => {
            violations.push(format!("query type {other} is not one newsdesk should send"));
            None
        }
    }
}

async fn search(
    State(inner): State<Shared>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut guard = inner.lock().unwrap();
    let inner = &mut *guard;
    if let Some(r) = gate(inner, &headers, "application/json") {
        return r;
    }
    if !inner.mappings.contains_key(&index) {
        return error(
            StatusCode::NOT_FOUND,
            "index_not_found_exception",
            &format!("no such index [{index}]"),
        );
    }
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        inner.log.violations.push("search body is not JSON".into());
        return error(StatusCode::BAD_REQUEST, "parse_exception", "not JSON");
    };
    inner.log.searches.push(req.clone());
    let mut violations = Vec::new();
    let mut hits: Vec<(f64, String, Value)> = inner
        .docs
        .iter()
        .filter(|((i, _), _)| *i == index)
        .filter_map(|((_, id), d)| {
            eval(&req["query"], d, &mut violations).map(|s| (s, id.clone(), d.clone()))
        })
        .collect();
    inner.log.violations.extend(violations);
    if req.get("sort").is_some() {
        hits.sort_by(|a, b| {
            let date = |d: &Value| d.get("published_at").and_then(Value::as_str).map(str::to_string);
            // Newest first, undated last, then by id.
            match (date(&a.2), date(&b.2)) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then(a.1.cmp(&b.1))
        });
    } else {
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    let from = req["from"].as_u64().unwrap_or(0) as usize;
    let size = req["size"].as_u64().unwrap_or(10) as usize;
    let wanted: Option<Vec<String>> =
        req["_source"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect());
    let page: Vec<Value> = hits
        .iter()
        .skip(from)
        .take(size)
        .map(|(score, id, doc)| {
            let source: serde_json::Map<String, Value> = doc
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| wanted.as_ref().is_none_or(|w| w.contains(k)))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            json!({"_index": index, "_id": id, "_score": score, "_source": source})
        })
        .collect();
    Json(json!({"took": 1, "timed_out": false, "hits": {"total": {"value": hits.len(), "relation": "eq"}, "max_score": null, "hits": page}}))
        .into_response()
}
