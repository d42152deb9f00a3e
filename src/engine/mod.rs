//! Search engines beyond one machine: OpenSearch, Elasticsearch and Typesense, which
//! `newsdesk push` fills and `newsdesk search --engine` reads.
//!
//! newsdesk does not run a cluster; it puts into one what it is good at (clean text, its own
//! Chinese segmentation, topics, entities, duplicates: [`document`]) and reads it back with
//! the same query language cut the same way ([`query`]), answering with the embedded index's
//! [`SearchResults`] shape. Each engine's wire format lives in its module ([`elastic`],
//! [`typesense`]) as pure functions; [`Client`] is the one place that talks HTTP: it retries
//! 429s and 5xx with exponential backoff and jitter, and moves to the next node of a cluster
//! when one cannot be reached.
//!
//! Not here: streaming the archive out in batches and resuming (`crate::push`); the embedded
//! index's own search (`crate::search`).

pub mod document;
pub mod elastic;
pub mod query;
pub mod typesense;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::article::ArticleId;
use crate::search::{Hit, SearchRequest, SearchResults, Sort};
use document::DateForm;
use query::QueryError;

/// Which engine a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    OpenSearch,
    Elasticsearch,
    Typesense,
}

impl EngineKind {
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::OpenSearch => "opensearch",
            EngineKind::Elasticsearch => "elasticsearch",
            EngineKind::Typesense => "typesense",
        }
    }

    /// How this engine wants publication dates.
    pub fn dates(self) -> DateForm {
        match self {
            EngineKind::Typesense => DateForm::Seconds,
            _ => DateForm::Rfc3339,
        }
    }

    /// The schema `--create-schema` sends and `--print-schema` prints.
    pub fn schema(self, collection: &str) -> serde_json::Value {
        match self {
            EngineKind::Typesense => typesense::schema(collection),
            _ => elastic::mapping(),
        }
    }
}

/// Credentials, read from the environment by the caller (never from the command line).
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    /// Typesense's `X-TYPESENSE-API-KEY`, or OpenSearch/Elasticsearch's `Authorization: ApiKey`.
    ApiKey(String),
    /// HTTP basic authentication (OpenSearch/Elasticsearch).
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::None => "none",
            Auth::ApiKey(_) => "api key (hidden)",
            Auth::Basic { .. } => "basic (hidden)",
        })
    }
}

/// An engine, its nodes and the index or collection newsdesk uses there.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: EngineKind,
    /// One URL per node; any of them may answer.
    pub nodes: Vec<Url>,
    /// The index (OpenSearch/Elasticsearch) or collection (Typesense).
    pub collection: String,
    pub auth: Auth,
}

impl Target {
    /// Checks the node URLs (`http(s)://host:port`, several separated by commas) and the name.
    pub fn new(kind: EngineKind, urls: &str, collection: &str, auth: Auth) -> Result<Target, EngineError> {
        let mut nodes = Vec::new();
        for part in urls.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let url = Url::parse(part).map_err(|e| EngineError::Config {
                message: format!("{part:?} is not a URL ({e}); give the engine as http://HOST:PORT"),
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(EngineError::Config {
                    message: format!("{part:?} is not an http(s) URL; give the engine as http://HOST:PORT"),
                });
            }
            // A path prefix (a proxy's `/search/`) is kept: request paths are joined below it.
            let mut url = url;
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            nodes.push(url);
        }
        if nodes.is_empty() {
            return Err(EngineError::Config {
                message: "no engine URL given (--url http://HOST:PORT)".into(),
            });
        }
        let name_ok = !collection.is_empty()
            && collection.len() <= 255
            && collection.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !collection.starts_with(['-', '_', '.']);
        if !name_ok || (kind != EngineKind::Typesense && collection.chars().any(|c| c.is_ascii_uppercase())) {
            return Err(EngineError::Config {
                message: format!(
                    "{collection:?} cannot name an index or collection: use letters, digits, - _ . \
                     (lower-case for OpenSearch/Elasticsearch), not starting with - _ ."
                ),
            });
        }
        Ok(Target { kind, nodes, collection: collection.to_string(), auth })
    }

    /// The first node, for messages.
    pub fn url(&self) -> &Url {
        &self.nodes[0]
    }
}

/// What went wrong talking to an engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{message}")]
    Config { message: String },
    #[error("cannot reach the {engine} engine at {url}: {cause}; is it running there? (check --url)")]
    Unreachable { engine: &'static str, url: String, cause: String },
    #[error(
        "the engine at {url} refused the credentials ({status}): check the variable named by --api-key-env"
    )]
    Auth { url: String, status: u16 },
    #[error("there is no {what} {collection:?} at {url}: create it with --create-schema (review it first with --print-schema)")]
    Missing { what: &'static str, collection: String, url: String },
    #[error("the engine at {url} answered {status} to {request}: {body}")]
    Status { url: String, status: u16, request: String, body: String },
    #[error("cannot read the engine's {what} answer: {reason}")]
    Answer { what: &'static str, reason: String },
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// How one document of a batch fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    Ok,
    /// Refused for now (429 or 5xx): send it again.
    Retry {
        status: u16,
        reason: String,
    },
    /// Refused for good (a mapping error …): report it.
    Failed {
        status: u16,
        reason: String,
    },
}

/// A search's filters as the engine documents hold them (lower-cased, entities canonical).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub category: Option<String>,
    pub author: Option<String>,
    pub topics: Vec<String>,
    pub entity: Option<String>,
    pub dedupe: bool,
}

impl Filters {
    pub fn of(req: &SearchRequest) -> Filters {
        let lower = |s: &Option<String>| s.as_ref().map(|s| s.trim().to_lowercase());
        Filters {
            category: lower(&req.category),
            author: lower(&req.author),
            topics: req.topics.iter().map(|t| t.trim().to_lowercase()).collect(),
            entity: req.entity.as_ref().map(|e| crate::analyze::canonical_entity(e.trim()).to_lowercase()),
            dedupe: req.dedupe,
        }
    }
}

/// The stored fields of a document that a search hit needs.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredHit {
    pub id: ArticleId,
    #[serde(skip)]
    pub score: Option<f32>,
    pub title: String,
    #[serde(default, with = "crate::article::rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    pub source: String,
    pub text: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub duplicate_of: Option<ArticleId>,
}

impl StoredHit {
    /// The fields asked for.
    pub const FIELDS: [&'static str; 8] =
        ["id", "title", "published_at", "source", "text", "categories", "topics", "duplicate_of"];
}

/// An engine's answer to one request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The node that answered.
    pub node: String,
}

/// How requests are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Most attempts of one request, the first included.
    pub tries: u32,
    /// No new attempt starts after this long (a cluster electing a new leader takes seconds).
    pub give_up_after: Duration,
    /// First wait; doubled each round, with jitter.
    pub backoff: Duration,
    /// Longest wait.
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tries: 40,
            give_up_after: Duration::from_secs(120),
            backoff: Duration::from_millis(200),
            max_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after round `round` (1, 2 …) of failed attempts: exponential, with jitter
    /// (between half and all of the step), capped.
    pub fn wait(&self, round: u32) -> Duration {
        let step = self.backoff.saturating_mul(1 << (round.saturating_sub(1)).min(16)).min(self.max_wait);
        step.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

/// The HTTP side of a [`Target`]: a blocking facade over reqwest. Called from a thread of a
/// tokio runtime's blocking pool (`spawn_blocking`, as the server does), it runs on that
/// runtime; elsewhere on a small runtime of its own, made on first use. (Never call it from an
/// async task itself: it blocks.)
pub struct Client {
    target: Target,
    http: reqwest::Client,
    runtime: std::sync::OnceLock<tokio::runtime::Runtime>,
    retry: RetryPolicy,
    /// The node tried first: the last one that answered.
    node: AtomicUsize,
    /// Requests sent again (after a 429, a 5xx or an unreachable node).
    retried: AtomicUsize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("target", &self.target).finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(target: Target, retry: RetryPolicy) -> Result<Client, EngineError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(retry.timeout)
            .build()
            .map_err(|e| EngineError::Config { message: format!("cannot set up HTTP: {e}") })?;
        Ok(Client {
            target,
            http,
            runtime: std::sync::OnceLock::new(),
            retry,
            node: AtomicUsize::new(0),
            retried: AtomicUsize::new(0),
        })
    }

    /// Runs `work` to completion on the runtime of this thread, if it has one, else on the
    /// client's own.
    fn block_on<F: std::future::Future>(&self, work: F) -> F::Output {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.block_on(work),
            Err(_) => self
                .runtime
                .get_or_init(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a current-thread runtime can be built")
                })
                .block_on(work),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Requests sent again so far.
    pub fn retried(&self) -> usize {
        self.retried.load(Ordering::Relaxed)
    }

    /// Sends one request to a node of the cluster and returns its answer, whatever the status,
    /// except that 429, 502, 503 and 504 answers and unreachable nodes are retried (on the next
    /// node) with backoff, within the policy's tries and time. 401 and 403 are
    /// [`EngineError::Auth`].
    pub fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(String, String)],
        content_type: &str,
        body: Option<&[u8]>,
    ) -> Result<Reply, EngineError> {
        let nodes = &self.target.nodes;
        let mut last_error = None;
        let first_try = Instant::now();
        for attempt in 1..=self.retry.tries.max(1) {
            let at = self.node.load(Ordering::Relaxed) % nodes.len();
            let node = &nodes[at];
            let url = node.join(path.trim_start_matches('/')).map_err(|e| EngineError::Config {
                message: format!("cannot join {path:?} to {node}: {e}"),
            })?;
            let started = Instant::now();
            let result = self.block_on(self.attempt(method.clone(), url.clone(), query, content_type, body));
            let wait = match result {
                Ok((reply, _)) if matches!(reply.status, 401 | 403) => {
                    return Err(EngineError::Auth { url: node.to_string(), status: reply.status })
                }
                Ok((mut reply, _)) if !matches!(reply.status, 429 | 502 | 503 | 504) => {
                    tracing::debug!(%url, status = reply.status, ms = started.elapsed().as_millis() as u64, "engine answered");
                    self.node.store(at, Ordering::Relaxed);
                    reply.node = node.to_string();
                    return Ok(reply);
                }
                Ok((reply, retry_after)) => {
                    tracing::info!(%url, status = reply.status, attempt, "engine busy, retrying");
                    let body = String::from_utf8_lossy(&reply.body).chars().take(300).collect::<String>();
                    last_error = Some(EngineError::Status {
                        url: node.to_string(),
                        status: reply.status,
                        request: format!("{method} {path}"),
                        body,
                    });
                    // A node that is not ready (503) may be one of many: try the next.
                    if reply.status == 503 {
                        self.node.store(at + 1, Ordering::Relaxed);
                    }
                    retry_after.unwrap_or_else(|| self.retry.wait(attempt))
                }
                Err(cause) => {
                    tracing::warn!(%url, attempt, %cause, "engine node unreachable, trying the next");
                    last_error = Some(EngineError::Unreachable {
                        engine: self.target.kind.name(),
                        url: node.to_string(),
                        cause,
                    });
                    self.node.store(at + 1, Ordering::Relaxed);
                    // Straight to another node; after a round of all of them, back off.
                    if !(attempt as usize).is_multiple_of(nodes.len()) {
                        Duration::ZERO
                    } else {
                        self.retry.wait(attempt / nodes.len() as u32)
                    }
                }
            };
            if attempt == self.retry.tries || first_try.elapsed() + wait > self.retry.give_up_after {
                break;
            }
            self.retried.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(wait.min(self.retry.max_wait));
        }
        Err(last_error.expect("at least one attempt"))
    }

    async fn attempt(
        &self,
        method: reqwest::Method,
        url: Url,
        query: &[(String, String)],
        content_type: &str,
        body: Option<&[u8]>,
    ) -> Result<(Reply, Option<Duration>), String> {
        let mut request = self.http.request(method, url).query(query);
        if let Some(body) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(body.to_vec());
        }
        request = match (&self.target.auth, self.target.kind) {
            (Auth::None, _) => request,
            (Auth::ApiKey(key), EngineKind::Typesense) => request.header("X-TYPESENSE-API-KEY", key),
            (Auth::ApiKey(key), _) => request.header(reqwest::header::AUTHORIZATION, format!("ApiKey {key}")),
            (Auth::Basic { user, password }, _) => request.basic_auth(user, Some(password)),
        };
        let response = request.send().await.map_err(|e| crate::fetch::error_chain(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(|e| crate::fetch::error_chain(&e))?.to_vec();
        Ok((Reply { status, body, node: String::new() }, retry_after))
    }

    /// Whether the index or collection exists.
    pub fn collection_exists(&self) -> Result<bool, EngineError> {
        let path = self.collection_path();
        let reply = self.send(reqwest::Method::GET, &path, &[], "application/json", None)?;
        match reply.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(self.status_error(&reply, &format!("GET {path}"))),
        }
    }

    /// Creates the index or collection with newsdesk's schema; `Ok(false)` when it was there.
    pub fn create_collection(&self) -> Result<bool, EngineError> {
        let schema = self.target.kind.schema(&self.target.collection).to_string();
        let (method, path) = match self.target.kind {
            EngineKind::Typesense => (reqwest::Method::POST, "/collections".to_string()),
            _ => (reqwest::Method::PUT, self.collection_path()),
        };
        let reply = self.send(method.clone(), &path, &[], "application/json", Some(schema.as_bytes()))?;
        let body = String::from_utf8_lossy(&reply.body);
        let created = match reply.status {
            200..=299 => true,
            409 => false,
            400 if body.contains("resource_already_exists_exception") => false,
            _ => return Err(self.status_error(&reply, &format!("{method} {path}"))),
        };
        // In a cluster the other nodes learn of it a moment later: wait until the node asked
        // next knows it, so that the push that follows does not find it missing.
        let started = Instant::now();
        while !self.collection_exists()? {
            if started.elapsed() > Duration::from_secs(30) {
                return Err(self.missing(&Reply {
                    status: 404,
                    body: Vec::new(),
                    node: self.target.url().to_string(),
                }));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(created)
    }

    fn collection_path(&self) -> String {
        match self.target.kind {
            EngineKind::Typesense => format!("/collections/{}", self.target.collection),
            _ => format!("/{}", self.target.collection),
        }
    }

    pub fn status_error(&self, reply: &Reply, request: &str) -> EngineError {
        EngineError::Status {
            url: reply.node.clone(),
            status: reply.status,
            request: request.to_string(),
            body: String::from_utf8_lossy(&reply.body).chars().take(500).collect(),
        }
    }

    fn missing(&self, reply: &Reply) -> EngineError {
        EngineError::Missing {
            what: self.collection_word(),
            collection: self.target.collection.clone(),
            url: reply.node.clone(),
        }
    }

    /// Sends one batch body holding `count` documents; one outcome per document. A whole
    /// batch the engine finds too large comes back as `Err(Reply)` with status 413.
    pub fn send_batch(
        &self,
        body: &[u8],
        count: usize,
    ) -> Result<Result<Vec<ItemOutcome>, u16>, EngineError> {
        let (path, query, content_type) = match self.target.kind {
            EngineKind::Typesense => (
                format!("/collections/{}/documents/import", self.target.collection),
                vec![("action".to_string(), "upsert".to_string())],
                "text/plain",
            ),
            _ => ("/_bulk".to_string(), Vec::new(), "application/x-ndjson"),
        };
        let reply = self.send(reqwest::Method::POST, &path, &query, content_type, Some(body))?;
        let request = format!("POST {path}");
        match reply.status {
            413 => Ok(Err(413)),
            200..=299 => {
                let outcomes = match self.target.kind {
                    EngineKind::Typesense => typesense::import_outcomes(&reply.body, count),
                    _ => elastic::bulk_outcomes(&reply.body, count),
                };
                outcomes.map(Ok).map_err(|reason| EngineError::Answer { what: "batch", reason })
            }
            404 => Err(self.missing(&reply)),
            _ => Err(self.status_error(&reply, &request)),
        }
    }

    pub fn collection_word(&self) -> &'static str {
        match self.target.kind {
            EngineKind::Typesense => "collection",
            _ => "index",
        }
    }

    /// Runs `req` on the engine and answers as the embedded index does.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, EngineError> {
        let started = Instant::now();
        let node = query::parse(&req.query)?;
        let filters = Filters::of(req);
        let (total, stored) = match self.target.kind {
            EngineKind::Typesense => {
                let params = typesense::search_params(&node, &filters, req)?;
                let path = format!("/collections/{}/documents/search", self.target.collection);
                let reply = self.send(reqwest::Method::GET, &path, &params, "application/json", None)?;
                self.check_search(&reply, &path)?;
                typesense::search_answer(&reply.body, typesense::skip_in_page(req.offset, req.limit))?
            }
            _ => {
                let body = elastic::search_body(&node, &filters, req).to_string();
                let path = format!("/{}/_search", self.target.collection);
                let reply =
                    self.send(reqwest::Method::POST, &path, &[], "application/json", Some(body.as_bytes()))?;
                self.check_search(&reply, &path)?;
                elastic::search_answer(&reply.body)?
            }
        };
        let words = query::text_words(&node);
        let hits = stored
            .into_iter()
            .map(|h| {
                let (snippet, highlights) = crate::search::snippet_of(&h.text, &words);
                Hit {
                    id: h.id,
                    score: if req.sort == Sort::Newest { None } else { h.score },
                    title: h.title,
                    published_at: h.published_at,
                    source: h.source,
                    snippet,
                    highlights,
                    categories: h.categories,
                    topics: h.topics,
                    duplicate_of: h.duplicate_of,
                }
            })
            .collect();
        Ok(SearchResults {
            query: req.query.clone(),
            total,
            took_ms: started.elapsed().as_millis() as u64,
            hits,
        })
    }

    fn check_search(&self, reply: &Reply, path: &str) -> Result<(), EngineError> {
        match reply.status {
            200..=299 => Ok(()),
            404 => Err(self.missing(reply)),
            _ => Err(self.status_error(reply, &format!("search {path}"))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_doc() -> document::Document {
        use crate::article::{SourceKind, SourceRef};
        use crate::source::{BodyFormat, RawDocument};
        let raw = RawDocument {
            source: SourceRef { kind: SourceKind::File, location: "/archive/a.md".into() },
            format: BodyFormat::Markdown,
            text: "---\ntitle: 微信与支付宝互联互通\ndate: 2021-09-17\ncategories: [Tech]\n---\n平台互联互通迈出一步。\n".into(),
        };
        let article = crate::pipeline::build_article(
            raw,
            &crate::parse::ParseOptions::default(),
            &crate::analyze::Analyzer::default(),
            &crate::analyze::NoCorpus,
            Utc::now(),
        )
        .unwrap();
        document::Document::of(&article, DateForm::Rfc3339)
    }

    #[test]
    fn urls_and_names_are_checked_before_anything_is_sent() {
        assert!(Target::new(
            EngineKind::Typesense,
            "http://127.0.0.1:8108, http://127.0.0.1:9108",
            "news",
            Auth::None
        )
        .is_ok_and(|t| t.nodes.len() == 2));
        for (urls, name) in [
            ("", "news"),
            ("ftp://x", "news"),
            ("127.0.0.1:9200", "news"),
            ("http://h:9200", "News"),
            ("http://h:9200", "_x"),
        ] {
            assert!(Target::new(EngineKind::OpenSearch, urls, name, Auth::None).is_err(), "{urls} {name}");
        }
    }

    #[test]
    fn a_path_prefix_of_the_url_is_kept() {
        let t =
            Target::new(EngineKind::OpenSearch, "https://proxy.example/search", "news", Auth::None).unwrap();
        assert_eq!(t.nodes[0].join("_bulk").unwrap().as_str(), "https://proxy.example/search/_bulk");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            backoff: Duration::from_millis(100),
            max_wait: Duration::from_millis(300),
            ..RetryPolicy::default()
        };
        for attempt in 1..20 {
            assert!(p.wait(attempt) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn credentials_never_show_in_debug_output() {
        assert!(!format!("{:?}", Auth::ApiKey("s3cret".into())).contains("s3cret"));
    }
}
