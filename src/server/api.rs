//! The JSON endpoints: their parameters, checked and bounded, and their errors.
//!
//! Each endpoint answers the question of one CLI command and returns the same value the
//! command prints with `--json` (`search`, `show`, `topics`, `stats`), compact rather than
//! pretty. Parameters are read by hand rather than by a typed extractor so that every mistake
//! (an unknown name, a limit out of range, a bad date) is a 400 with a message saying which
//! parameter and what to send; nothing a client sends is a 500. Errors are
//! `{"error": {"code", "message"}}`; a 500 says nothing of the internals (the log has them).
//!
//! Not here: the routes of the page (`assets`), authentication and body limits (`server`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::AppState;
use crate::index::{IndexError, SearchError, SearchRequest, Sort};
use crate::parse::date;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most hits per page.
pub const MAX_LIMIT: usize = 100;
/// Deepest page start.
pub const MAX_OFFSET: usize = 10_000;
/// Most `topic` parameters in one request.
const MAX_TOPICS: usize = 32;

const OPENAPI: &str = include_str!("openapi.json");

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/search", get(search))
        .route("/articles/{id}", get(article))
        .route("/topics", get(topics))
        .route("/stats", get(stats))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
}

/// An error as the API sends it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: String) -> ApiError {
        ApiError { status, code, message }
    }

    fn bad(code: &'static str, message: String) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A failure of the server's own: logged whole, sent without details.
    fn internal(e: &dyn std::fmt::Display) -> ApiError {
        tracing::error!("request failed: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not answer; its log says why".to_string(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
        }
        let body = Body { error: Inner { code: self.code, message: &self.message } };
        (self.status, json_body(&body)).into_response()
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> ApiError {
        match e {
            SearchError::BadQuery { .. } => ApiError::bad("bad_query", e.to_string()),
            SearchError::Index(e) => ApiError::from(e),
        }
    }
}

impl From<crate::engine::EngineError> for ApiError {
    fn from(e: crate::engine::EngineError) -> ApiError {
        use crate::engine::EngineError;
        match e {
            EngineError::Query(e) => ApiError::bad("bad_query", e.to_string()),
            other => {
                // The engine's address and answer are for the log, not for the client.
                tracing::error!("search engine failed: {other}");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "engine_unavailable",
                    "the search engine behind this server did not answer; its log says why".to_string(),
                )
            }
        }
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        ApiError::internal(&e)
    }
}

impl From<date::RangeError> for ApiError {
    fn from(e: date::RangeError) -> ApiError {
        ApiError::bad("bad_date", e.to_string())
    }
}

/// `value` as a compact JSON response.
fn json_body<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => json_bytes(Bytes::from(bytes), None),
        Err(e) => ApiError::internal(&e).into_response(),
    }
}

fn json_bytes(body: Bytes, cache: Option<&'static str>) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    if let Some(state) = cache {
        response.headers_mut().insert("x-cache", HeaderValue::from_static(state));
    }
    response
}

/// The answer to the request `uri`: from the cache when the store still sees the commits it
/// was computed under, else by `work` on the blocking pool (searching is CPU and disk work).
async fn answer<T, F>(state: Arc<AppState>, uri: &Uri, work: F) -> Result<Response, ApiError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
{
    answer_with(state, uri, true, work).await
}

/// [`answer`], with the cache left out when not `cacheable`.
async fn answer_with<T, F>(
    state: Arc<AppState>,
    uri: &Uri,
    cacheable: bool,
    work: F,
) -> Result<Response, ApiError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
{
    let key = uri.path_and_query().map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
    // Taken before the work: an answer never sits under a view older than the one it saw.
    let view = state.store.view();
    let cache = state.cache.as_ref().filter(|_| cacheable);
    if let Some(body) = cache.and_then(|c| c.get(&key, view)) {
        return Ok(json_bytes(body, Some("hit")));
    }
    let worker = Arc::clone(&state);
    let value =
        tokio::task::spawn_blocking(move || work(&worker)).await.map_err(|e| ApiError::internal(&e))??;
    let Some(cache) = cache else { return Ok(json_body(&value)) };
    let body = Bytes::from(serde_json::to_vec(&value).map_err(|e| ApiError::internal(&e))?);
    cache.put(key, view, body.clone());
    Ok(json_bytes(body, Some("miss")))
}

/// The parameters of a query string, checked against the names an endpoint knows.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>, known: &[&str]) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
        if let Some((name, _)) = pairs.iter().find(|(name, _)| !known.contains(&name.as_str())) {
            return Err(ApiError::bad(
                "unknown_parameter",
                match known {
                    [] => format!("unknown parameter {name:?}; this endpoint takes none"),
                    _ => format!("unknown parameter {name:?}; this endpoint takes {}", known.join(", ")),
                },
            ));
        }
        Ok(Params(pairs))
    }

    /// The one value of `name`; an empty value counts as absent.
    fn one(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (first, None) => Ok(first.filter(|v| !v.is_empty())),
            _ => Err(ApiError::bad("bad_parameter", format!("{name} is given more than once; give it once"))),
        }
    }

    /// Every value of `name` (repeated, or comma-separated), empty ones left out.
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
            .collect()
    }

    fn number(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        let Some(v) = self.one(name)? else { return Ok(default) };
        match v.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err(ApiError::bad(
                "bad_parameter",
                format!("{name}={v:?} must be a whole number from 0 to {max}"),
            )),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.one(name)? {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(v) => Err(ApiError::bad("bad_parameter", format!("{name}={v:?} must be true or false"))),
        }
    }

    /// `since`/`until` as `[since, until)`, read as the CLI reads them (dates without a zone
    /// in UTC+08:00, a bare `until` day included).
    fn range(&self) -> Result<date::DateRange, ApiError> {
        Ok(date::range(self.one("since")?, self.one("until")?, date::default_zone(), ["since", "until"])?)
    }

    /// The `topic` values: any ids (an id no article has matches nothing, as on the command line).
    fn topics(&self) -> Result<Vec<String>, ApiError> {
        let topics = self.all("topic");
        if topics.len() > MAX_TOPICS {
            return Err(ApiError::bad("bad_parameter", format!("at most {MAX_TOPICS} topics at a time")));
        }
        Ok(topics)
    }
}

const SEARCH_PARAMS: &[&str] =
    &["q", "limit", "offset", "sort", "topic", "entity", "category", "author", "since", "until", "dedupe"];

/// `GET /api/search`: `newsdesk search --json`.
async fn search(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(raw, SEARCH_PARAMS)?;
    let query = p.one("q")?.unwrap_or("*").to_string();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad("query_too_long", format!("q is limited to {MAX_QUERY_CHARS} characters")));
    }
    let (since, until) = p.range()?;
    let req = SearchRequest {
        query,
        limit: p.number("limit", 10, MAX_LIMIT)?,
        offset: p.number("offset", 0, MAX_OFFSET)?,
        sort: match p.one("sort")? {
            None | Some("relevance") => Sort::Relevance,
            Some("newest") => Sort::Newest,
            Some(v) => {
                return Err(ApiError::bad("bad_parameter", format!("sort={v:?} must be relevance or newest")))
            }
        },
        category: p.one("category")?.map(String::from),
        author: p.one("author")?.map(String::from),
        since,
        until,
        topics: p.topics()?,
        entity: p.one("entity")?.map(String::from),
        dedupe: p.flag("dedupe")?,
        words_only: false,
    };
    let cacheable = state.engine.is_none();
    answer_with(state, &uri, cacheable, move |s| match &s.engine {
        Some(engine) => Ok(engine.search(&req)?),
        None => Ok(crate::search::search(&s.store, &req)?),
    })
    .await
}

/// `GET /api/articles/{id}`: `newsdesk show ID --json`.
async fn article(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    RawQuery(raw): RawQuery,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    Params::parse(raw, &[])?;
    // Anything that is not an id (not even text) is simply not in the index, as for `show`.
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let parsed = id.parse().ok();
    let not_found =
        move || ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no article with id {id:?}"));
    let Some(parsed) = parsed else { return Err(not_found()) };
    answer(state, &uri, move |s| s.store.get(parsed)?.ok_or_else(not_found)).await
}

/// `GET /api/topics`: `newsdesk topics --json` (with `topic=`, as `--topic`).
async fn topics(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(raw, &["since", "until", "topic"])?;
    let (since, until) = p.range()?;
    let detail = p.topics()?;
    answer(state, &uri, move |s| {
        let topics = crate::stats::topic_stats(&s.store, s.analyzer.taxonomy(), since, until, &detail)?;
        match crate::stats::unknown_topic(&topics, &detail) {
            Some(t) => Err(ApiError::bad(
                "unknown_topic",
                format!(
                    "topic {t:?} is in neither the taxonomy nor the index; GET /api/topics lists the ids"
                ),
            )),
            None => Ok(topics),
        }
    })
    .await
}

/// `GET /api/stats`: `newsdesk stats --json`.
async fn stats(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Params::parse(raw, &[])?;
    answer(state, &uri, |s| Ok(crate::stats::stats(&s.store)?)).await
}

/// `GET /healthz`: whether the server can read its index (503 when its last reload failed),
/// how many articles it sees, and when the index was last committed.
pub(super) async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    #[derive(Serialize)]
    struct Health {
        status: &'static str,
        articles: u64,
        #[serde(with = "crate::article::rfc3339_opt")]
        last_commit: Option<DateTime<Utc>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    }
    let error = state.reload_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let health = Health {
        status: if error.is_some() { "error" } else { "ok" },
        articles: state.store.num_articles(),
        last_commit: super::last_commit(&state.store).map(DateTime::<Utc>::from),
        error,
    };
    let mut response = json_body(&health);
    if health.error.is_some() {
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    response
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], OPENAPI).into_response()
}

pub(super) async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; GET /api/openapi.json lists them".to_string(),
    )
}

pub(super) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the API is read-only: use GET".to_string(),
    )
}
