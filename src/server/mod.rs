//! `newsdesk serve`: the read-only HTTP API over an open store, and the web page that uses it.
//!
//! ```text
//! /               the page (assets embedded in the binary, see `assets`)
//! /assets/…       its script, styles and the vendored chart library
//! /healthz        article count and last commit time
//! /api/…          JSON, the same bodies as the CLI's `--json` (see `api`)
//! ```
//!
//! Every response carries a strict Content-Security-Policy (no inline script, nothing from
//! another origin but images). With a token, every `/api` request needs `Authorization: Bearer
//! TOKEN` (compared in constant time). Requests with a body over [`MAX_BODY_BYTES`] get 413. The
//! store is reloaded every [`Options::reload_every`], so articles a concurrent `newsdesk ingest`
//! commits become searchable without a restart; the server never writes. Answers are kept in a
//! small LRU cache ([`Options::cache_entries`]) for as long as the store sees the same commits.
//!
//! Not here: what a query means (`search`, `stats`), binding and signals (the CLI's `serve`).

mod api;
mod assets;

use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use lru::LruCache;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::analyze::Analyzer;
use crate::index::Store;

pub use api::ApiError;

/// Largest request body accepted (the API takes none; this only bounds what a client may send).
pub const MAX_BODY_BYTES: u64 = 16 * 1024;

/// The Content-Security-Policy of every response: the page's own script and styles only, no
/// inline script, images from anywhere (articles keep their images at their real URLs).
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// When set, `/api` requests must carry `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
    /// How often to look for new commits of the index.
    pub reload_every: Duration,
    /// How many answers to keep for repeated requests (0: none).
    pub cache_entries: usize,
    /// When set, only requests whose `Host` names one of these (any port) are answered: a
    /// server on loopback without a token must not answer a page of another site that had its
    /// name pointed at 127.0.0.1 (DNS rebinding). [`loopback_hosts`] is the usual list.
    pub allowed_hosts: Option<Vec<String>>,
    /// When set, `/api/search` is answered by this search engine (filled by `newsdesk push`)
    /// instead of the index; its answers are not cached, since the engine changes on its own.
    pub engine: Option<Arc<crate::engine::Client>>,
}

/// The names a loopback server is reached by.
pub fn loopback_hosts() -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec()
}

impl Default for Options {
    fn default() -> Options {
        Options {
            token: None,
            reload_every: Duration::from_secs(1),
            cache_entries: 1024,
            allowed_hosts: None,
            engine: None,
        }
    }
}

/// What every handler shares.
pub(crate) struct AppState {
    store: Store,
    analyzer: Analyzer,
    /// SHA-256 of the token: comparing digests hides the token's length too.
    token: Option<[u8; 32]>,
    cache: Option<Cache>,
    /// Why the last reload failed, until one succeeds (`/healthz` answers 503 meanwhile).
    reload_error: Mutex<Option<String>>,
    allowed_hosts: Option<Vec<String>>,
    engine: Option<Arc<crate::engine::Client>>,
}

/// Answers already sent, by request path and query, each with the [`Store::view`] it was
/// computed under: an answer is only reused while the store sees the same commits, so a
/// commit of a concurrent ingest makes every older answer stale at once.
pub(crate) struct Cache(Mutex<LruCache<String, (u64, Bytes)>>);

impl Cache {
    fn new(entries: usize) -> Option<Cache> {
        NonZeroUsize::new(entries).map(|n| Cache(Mutex::new(LruCache::new(n))))
    }

    pub(crate) fn get(&self, key: &str, view: u64) -> Option<Bytes> {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match cache.get(key) {
            Some((at, body)) if *at == view => Some(body.clone()),
            _ => None,
        }
    }

    pub(crate) fn put(&self, key: String, view: u64, body: Bytes) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).put(key, (view, body));
    }
}

/// Serves `store` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    analyzer: Analyzer,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = options.token.as_deref().map(|t| Sha256::digest(t.as_bytes()).into());
    let state = Arc::new(AppState {
        store,
        analyzer,
        token,
        cache: Cache::new(options.cache_entries),
        reload_error: Mutex::new(None),
        allowed_hosts: options.allowed_hosts,
        engine: options.engine,
    });
    let reloader = tokio::spawn(reload_loop(Arc::clone(&state), options.reload_every));
    let served = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await;
    reloader.abort();
    served
}

/// The whole application: routes and the layers around them.
fn router(state: Arc<AppState>) -> Router {
    let api = api::routes().route_layer(middleware::from_fn_with_state(Arc::clone(&state), require_token));
    Router::new()
        .merge(assets::routes())
        .route("/healthz", axum::routing::get(api::healthz))
        .nest("/api", api)
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), known_host))
        .with_state(state)
        .layer(middleware::from_fn(bounded_and_logged))
}

/// Refuses oversized bodies, adds the security headers, and logs one line per request.
async fn bounded_and_logged(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut response = if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {MAX_BODY_BYTES} bytes; the API reads its parameters from the URL"),
        )
        .into_response()
    } else {
        next.run(req).await
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    tracing::info!(
        target: "newsdesk::server",
        "{method} {uri} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// 421 when the request's `Host` is not one the server answers for.
async fn known_host(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(allowed) = &state.allowed_hosts else { return next.run(req).await };
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    // The name without the port: `[::1]:7700` → `[::1]`, `localhost:7700` → `localhost`.
    let name = match host.rfind(':') {
        Some(at) if !host[at..].contains(']') => &host[..at],
        _ => host,
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        "host_not_allowed",
        format!(
            "this server answers only for {} (a request for {host:?} may come from another site's page); \
             give it a token to serve other names",
            allowed.join(", ")
        ),
    )
    .into_response()
}

/// 401 unless the request carries the server's token (when it has one).
async fn require_token(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(expected) = state.token else { return next.run(req).await };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| Sha256::digest(t.trim().as_bytes()));
    match given {
        Some(digest) if bool::from(digest.as_slice().ct_eq(&expected)) => next.run(req).await,
        _ => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this server needs a token: send `Authorization: Bearer TOKEN`".to_string(),
            )
            .into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

/// Reloads the store's reader every `every`, so that new commits become visible.
async fn reload_loop(state: Arc<AppState>, every: Duration) {
    let every = every.max(Duration::from_millis(10));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let state = Arc::clone(&state);
        let worker = Arc::clone(&state);
        let failed = match tokio::task::spawn_blocking(move || worker.store.reload()).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("cannot reload the index: {e}")),
            Err(e) => Some(format!("the index reload failed: {e}")),
        };
        if let Some(message) = &failed {
            tracing::warn!("{message}");
        }
        *state.reload_error.lock().unwrap_or_else(PoisonError::into_inner) = failed;
    }
}

/// When the index was last committed: the time its `meta.json` was written.
fn last_commit(store: &Store) -> Option<SystemTime> {
    std::fs::metadata(store.path().join("meta.json")).and_then(|m| m.modified()).ok()
}
