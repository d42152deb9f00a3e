//! The network edge: polite, bounded HTTP GETs with [`reqwest`] on a [`tokio`] runtime.
//!
//! * **Politeness.** A clear `User-Agent`; robots.txt fetched once per host per run and obeyed
//!   (its `Crawl-delay` too) unless the user opts out; at most [`FetchOptions::per_host`]
//!   requests in flight per host and, optionally, a pause between two request starts on a host.
//! * **Limits.** Connect and total timeouts (the total covers a body that stalls halfway), a
//!   body cap checked against `Content-Length` and again while streaming (a body over the cap is
//!   cut off and reported, never buffered whole), at most 10 redirects, gzip/brotli/deflate.
//! * **Retries.** 429, 5xx and timeouts are retried with exponential backoff and full jitter,
//!   or after the server's `Retry-After` (seconds or a date), never longer than
//!   [`FetchOptions::max_retry_wait`]; other 4xx are final.
//! * **Re-fetching.** Callers pass the `ETag`/`Last-Modified` they saw last time; an unchanged
//!   resource then costs a `304` ([`Outcome::NotModified`]). [`HttpCache`] keeps them in the
//!   index folder between runs.
//!
//! robots.txt answers: 2xx is parsed; 4xx means no rules; 5xx means "disallow everything"
//! (RFC 9309); when it cannot be reached at all the host is treated as having no rules, so the
//! page's own fetch reports the real cause (DNS, connect …).
//!
//! Not here: what a body is or how it becomes articles (see [`crate::web`], [`crate::ingest`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Redirects followed before giving up (a loop ends here too).
pub const MAX_REDIRECTS: usize = 10;

pub const DEFAULT_USER_AGENT: &str = concat!(
    "newsdesk/",
    env!("CARGO_PKG_VERSION"),
    " (news archiver; +https://github.com/newsdesk/newsdesk)"
);

/// The token robots.txt groups are matched against.
const ROBOTS_AGENT: &str = "newsdesk";
/// robots.txt files larger than this are read up to here (Google reads 500 KiB).
const MAX_ROBOTS_BYTES: u64 = 512 * 1024;

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Requests in flight at once, over all hosts.
    pub jobs: usize,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// Least time between the starts of two requests to one host.
    pub per_host_delay: Duration,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
    /// Bodies over this many bytes are cut off and reported.
    pub max_body_size: u64,
    /// Attempts per URL, the first included.
    pub tries: u32,
    /// First backoff step; doubled on every retry, with full jitter.
    pub backoff: Duration,
    /// Longest wait before a retry, `Retry-After` included.
    pub max_retry_wait: Duration,
    pub user_agent: String,
    /// Fetch what robots.txt disallows.
    pub ignore_robots: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            jobs: 8,
            per_host: 2,
            per_host_delay: Duration::ZERO,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_size: crate::source::DEFAULT_MAX_FILE_BYTES,
            tries: 3,
            backoff: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(60),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            ignore_robots: false,
        }
    }
}

/// What a server said last time about a resource, to ask "has it changed?" next time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A fetched body.
#[derive(Debug, Clone)]
pub struct Body {
    /// Where the body came from, after redirects.
    pub url: Url,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    pub validators: Validators,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Body(Body),
    /// 304: the resource has not changed since the validators were issued.
    NotModified,
}

/// Why a URL could not be fetched. Every variant names the URL; messages end with the cause.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "{url}: unsupported scheme `{scheme}:` (only http and https are fetched; give local files as paths)"
    )]
    Scheme { url: String, scheme: String },
    #[error("{url}: not a valid URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("{url}: disallowed by {robots}")]
    Robots { url: String, robots: String },
    #[error("{url}: DNS lookup failed: {cause}")]
    Dns { url: String, cause: String },
    #[error("{url}: cannot connect: {cause}")]
    Connect { url: String, cause: String },
    #[error("{url}: timed out after {tries} {}: {cause}", plural(*tries, "try", "tries"))]
    Timeout { url: String, tries: u32, cause: String },
    #[error("{url}: HTTP {status}{}", if *tries > 1 { format!(" after {tries} tries") } else { String::new() })]
    Status { url: String, status: u16, tries: u32 },
    #[error("{url}: body over the {limit}-byte limit, cut off after {read} bytes")]
    TooLarge { url: String, limit: u64, read: u64 },
    #[error("{url}: the server announces {declared} bytes, over the {limit}-byte limit; not downloaded")]
    DeclaredTooLarge { url: String, limit: u64, declared: u64 },
    #[error("{url}: more than {MAX_REDIRECTS} redirects (a redirect loop?)")]
    Redirects { url: String },
    #[error("{url}: {cause}")]
    Other { url: String, cause: String },
}

/// What the user can do about a failed fetch, for the caller to say in its own terms (the CLI
/// names its flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Fetch it despite robots.txt.
    IgnoreRobots,
    /// Allow larger bodies.
    RaiseBodyLimit,
}

impl FetchError {
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            FetchError::Robots { .. } => Some(Remedy::IgnoreRobots),
            FetchError::TooLarge { .. } | FetchError::DeclaredTooLarge { .. } => Some(Remedy::RaiseBodyLimit),
            _ => None,
        }
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

impl FetchError {
    fn retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } => true,
            _ => false,
        }
    }

    fn after_tries(mut self, n: u32) -> Self {
        if let FetchError::Status { tries, .. } | FetchError::Timeout { tries, .. } = &mut self {
            *tries = n;
        }
        self
    }
}

/// One host's share of the politeness budget.
struct Host {
    permits: Semaphore,
    /// When the next request to the host may start.
    next_start: tokio::sync::Mutex<Instant>,
    robots: OnceCell<Robots>,
}

enum Robots {
    Everything,
    Nothing { why: String },
    Rules(Box<texting_robots::Robot>),
}

/// A client shared by all fetches of one run.
pub struct Fetcher {
    client: reqwest::Client,
    opts: FetchOptions,
    global: Semaphore,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

impl Fetcher {
    pub fn new(opts: FetchOptions) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(opts.user_agent.clone())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .pool_max_idle_per_host(opts.per_host.max(1))
            .build()
            .map_err(|e| FetchError::Other { url: String::new(), cause: error_chain(&e) })?;
        let global = Semaphore::new(opts.jobs.max(1));
        Ok(Fetcher { client, opts, global, hosts: Mutex::new(HashMap::new()) })
    }

    pub fn options(&self) -> &FetchOptions {
        &self.opts
    }

    /// Checks that `s` is an http(s) URL newsdesk may fetch.
    pub fn check_url(s: &str) -> Result<Url, FetchError> {
        let url = Url::parse(s.trim())
            .map_err(|e| FetchError::BadUrl { url: s.to_string(), reason: e.to_string() })?;
        match url.scheme() {
            "http" | "https" if url.host_str().is_some() => Ok(url),
            "http" | "https" => Err(FetchError::BadUrl { url: s.to_string(), reason: "no host".into() }),
            other => Err(FetchError::Scheme { url: s.to_string(), scheme: other.to_string() }),
        }
    }

    fn host(&self, url: &Url) -> Arc<Host> {
        let key = format!("{}://{}", url.scheme(), url.authority());
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Semaphore::new(self.opts.per_host.max(1)),
                    next_start: tokio::sync::Mutex::new(Instant::now()),
                    robots: OnceCell::new(),
                })
            })
            .clone()
    }

    /// GETs `url`, sending `known` validators as a conditional request; retries as documented.
    pub async fn get(&self, url: &Url, known: Option<&Validators>) -> Result<Outcome, FetchError> {
        let host = self.host(url);
        let crawl_delay = if !self.opts.ignore_robots { self.check_robots(url, &host).await? } else { None };
        let delay = self.opts.per_host_delay.max(crawl_delay.unwrap_or_default());
        let tries = self.opts.tries.max(1);
        for attempt in 1..=tries {
            match self.attempt(url, known, &host, delay).await {
                Ok(outcome) => return Ok(outcome),
                Err((e, retry_after)) if e.retryable() && attempt < tries => {
                    let backoff = self.opts.backoff.saturating_mul(1 << (attempt - 1).min(16));
                    let jittered = backoff.mul_f64(fastrand::f64());
                    let wait = retry_after.unwrap_or(jittered).min(self.opts.max_retry_wait);
                    tracing::info!(%url, attempt, wait_ms = wait.as_millis() as u64, error = %e, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err((e, _)) => return Err(e.after_tries(attempt)),
            }
        }
        unreachable!("the last attempt returns")
    }

    /// One request. On failure, also the wait the server asked for, if it did.
    async fn attempt(
        &self,
        url: &Url,
        known: Option<&Validators>,
        host: &Host,
        delay: Duration,
    ) -> Result<Outcome, (FetchError, Option<Duration>)> {
        // The host's permit and pause first, the global permit last: a task waiting on a busy
        // or slow host must not hold a place other hosts could use.
        let _host = host.permits.acquire().await.expect("never closed");
        if !delay.is_zero() {
            let mut next = host.next_start.lock().await;
            tokio::time::sleep_until(*next).await;
            *next = Instant::now() + delay;
        }
        let _global = self.global.acquire().await.expect("never closed");
        let mut request = self.client.get(url.clone());
        if let Some(v) = known {
            if let Some(etag) = &v.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let response = request.send().await.map_err(|e| (classify_error(url, &e), None))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && known.is_some() {
            return Ok(Outcome::NotModified);
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            return Err((
                FetchError::Status { url: url.to_string(), status: status.as_u16(), tries: 1 },
                retry_after,
            ));
        }
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let final_url = response.url().clone();
        let bytes = read_capped(url, response, self.opts.max_body_size).await.map_err(|e| (e, None))?;
        Ok(Outcome::Body(Body { url: final_url, content_type, bytes, validators }))
    }

    /// Streams the body at `url` into `dest` (a large file: a WARC archive), obeying robots.txt
    /// and the per-host limits, refusing it past `limit` bytes; returns the bytes written. Not
    /// retried: a download that broke halfway is this source's failure.
    pub async fn download(&self, url: &Url, dest: &mut std::fs::File, limit: u64) -> Result<u64, FetchError> {
        use std::io::Write;
        let host = self.host(url);
        if !self.opts.ignore_robots {
            self.check_robots(url, &host).await?;
        }
        let _host = host.permits.acquire().await.expect("never closed");
        let _global = self.global.acquire().await.expect("never closed");
        // The whole-request timeout is for pages; an archive gets an hour.
        let request = self.client.get(url.clone()).timeout(self.opts.timeout.max(Duration::from_secs(3600)));
        let mut response = request.send().await.map_err(|e| classify_error(url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status { url: url.to_string(), status: status.as_u16(), tries: 1 });
        }
        if let Some(declared) = response.content_length().filter(|&n| n > limit) {
            return Err(FetchError::DeclaredTooLarge { url: url.to_string(), limit, declared });
        }
        let mut written = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|e| classify_error(url, &e))? {
            written += chunk.len() as u64;
            if written > limit {
                return Err(FetchError::TooLarge { url: url.to_string(), limit, read: written });
            }
            dest.write_all(&chunk)
                .map_err(|e| FetchError::Other { url: url.to_string(), cause: e.to_string() })?;
        }
        Ok(written)
    }

    /// Fetches the host's robots.txt once and checks `url` against it; returns its crawl delay.
    async fn check_robots(&self, url: &Url, host: &Host) -> Result<Option<Duration>, FetchError> {
        let robots = host.robots.get_or_init(|| self.fetch_robots(url)).await;
        let robots_url = robots_url(url);
        match robots {
            Robots::Everything => Ok(None),
            Robots::Nothing { why } => {
                Err(FetchError::Robots { url: url.to_string(), robots: format!("{robots_url} ({why})") })
            }
            Robots::Rules(r) if r.allowed(url.as_str()) => Ok(r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(60.0)))),
            Robots::Rules(_) => Err(FetchError::Robots { url: url.to_string(), robots: robots_url }),
        }
    }

    async fn fetch_robots(&self, url: &Url) -> Robots {
        let robots_url = robots_url(url);
        let response = match self.client.get(&robots_url).send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(%robots_url, error = %error_chain(&e), "robots.txt unreachable; no rules assumed");
                return Robots::Everything;
            }
        };
        let status = response.status();
        if status.is_server_error() {
            return Robots::Nothing { why: format!("it answered HTTP {}", status.as_u16()) };
        }
        if !status.is_success() {
            return Robots::Everything;
        }
        let parsed = match Url::parse(&robots_url) {
            Ok(u) => read_capped(&u, response, MAX_ROBOTS_BYTES).await,
            Err(e) => Err(FetchError::BadUrl { url: robots_url.clone(), reason: e.to_string() }),
        };
        match parsed.map(|body| texting_robots::Robot::new(ROBOTS_AGENT, &body)) {
            Ok(Ok(robot)) => Robots::Rules(Box::new(robot)),
            // Unparseable or unreadable rules: no rules.
            Ok(Err(_)) | Err(_) => Robots::Everything,
        }
    }
}

fn robots_url(url: &Url) -> String {
    format!("{}://{}/robots.txt", url.scheme(), url.authority())
}

/// Reads the body, refusing it once it passes `limit` bytes.
async fn read_capped(url: &Url, mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, FetchError> {
    let too_large = |read| FetchError::TooLarge { url: url.to_string(), limit, read };
    if let Some(declared) = response.content_length().filter(|&n| n > limit) {
        return Err(FetchError::DeclaredTooLarge { url: url.to_string(), limit, declared });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| classify_error(url, &e))? {
        if bytes.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large(bytes.len() as u64 + chunk.len() as u64));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The error and its causes, outermost first: reqwest's own message is often only
/// "error sending request".
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The innermost cause: for network errors the operating system's words ("Connection
/// refused", "Name or service not known") say it best.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut current = e;
    while let Some(s) = current.source() {
        current = s;
    }
    current.to_string()
}

fn classify_error(url: &Url, e: &reqwest::Error) -> FetchError {
    let url_s = url.to_string();
    let chain = error_chain(e);
    let cause = chain.replace(&format!(" for url ({url})"), "");
    if e.is_timeout() {
        FetchError::Timeout { url: url_s, tries: 1, cause: root_cause(e) }
    } else if e.is_redirect() {
        FetchError::Redirects { url: url_s }
    } else if e.is_connect() && chain.contains("dns error") {
        FetchError::Dns { url: url_s, cause: root_cause(e) }
    } else if e.is_connect() {
        FetchError::Connect { url: url_s, cause: root_cause(e) }
    } else {
        FetchError::Other { url: url_s, cause }
    }
}

/// What was last fetched from each URL: validators for conditional requests and a hash of the
/// body, so an unchanged body is skipped even when the server sends no validators. Kept as
/// `http-cache.json` in the index folder; written only after the articles it vouches for are
/// committed, so a crashed run re-fetches rather than skips.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HttpCache {
    #[serde(default)]
    entries: HashMap<String, CacheEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    #[serde(flatten)]
    pub validators: Validators,
    /// xxh3 of the body, hex.
    pub body_hash: String,
    /// For a feed: whether it was read with `--follow-links` (its articles differ by mode, so
    /// the entry only stands for the same mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_follow_links: Option<bool>,
}

impl HttpCache {
    pub const FILE: &'static str = "http-cache.json";

    fn path(index: &Path) -> PathBuf {
        index.join(Self::FILE)
    }

    /// Loads the cache of `index`; a missing or unreadable cache is an empty one (it only saves
    /// work, it never decides what is stored).
    pub fn load(index: &Path) -> HttpCache {
        match std::fs::read(Self::path(index)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "ignoring unreadable {}", Self::FILE);
                HttpCache::default()
            }),
            Err(_) => HttpCache::default(),
        }
    }

    /// Writes the cache atomically (a temporary file renamed over the old one).
    pub fn save(&self, index: &Path) -> std::io::Result<()> {
        crate::index::write_json_atomically(&Self::path(index), self)
    }

    pub fn get(&self, url: &str) -> Option<&CacheEntry> {
        self.entries.get(url)
    }

    pub fn insert(&mut self, url: String, entry: CacheEntry) {
        self.entries.insert(url, entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The hash [`CacheEntry::body_hash`] holds.
pub fn body_hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_fetched() {
        assert!(Fetcher::check_url("https://example.com/a").is_ok());
        let e = Fetcher::check_url("file:///etc/passwd").unwrap_err();
        assert!(e.to_string().contains("unsupported scheme `file:`"), "{e}");
        assert!(matches!(Fetcher::check_url("ftp://x/y"), Err(FetchError::Scheme { .. })));
        assert!(matches!(Fetcher::check_url("http://"), Err(FetchError::BadUrl { .. })));
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(100)).to_rfc2822();
        let wait = parse_retry_after(&later).unwrap();
        assert!(wait > Duration::from_secs(90) && wait <= Duration::from_secs(100), "{wait:?}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn which_failures_are_retried() {
        let status = |s| FetchError::Status { url: "u".into(), status: s, tries: 1 };
        assert!(status(429).retryable() && status(503).retryable() && status(500).retryable());
        assert!(!status(404).retryable() && !status(403).retryable());
        assert_eq!(status(503).after_tries(3).to_string(), "u: HTTP 503 after 3 tries");
    }

    #[test]
    fn cache_round_trips_through_the_index_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(HttpCache::load(dir.path()).is_empty());
        let mut c = HttpCache::default();
        let entry = CacheEntry {
            validators: Validators { etag: Some("\"v1\"".into()), last_modified: None },
            body_hash: body_hash(b"x"),
            feed_follow_links: None,
        };
        c.insert("http://a/".into(), entry.clone());
        c.save(dir.path()).unwrap();
        assert_eq!(HttpCache::load(dir.path()).get("http://a/"), Some(&entry));
        std::fs::write(dir.path().join(HttpCache::FILE), "{not json").unwrap();
        assert!(HttpCache::load(dir.path()).is_empty());
    }
}
