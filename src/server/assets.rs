//! The web page's files, compiled into the binary: `/` and `/assets/…`.
//!
//! One HTML shell for every view (search, article, topics: the view and its state live in the
//! URL's query, read by the script), the script and styles written for it, and uPlot 1.6.32
//! vendored unchanged with its licence (`assets/vendor/`). No build step, no CDN: what is
//! served is what is in the repository.
//!
//! Not here: the data (the API), the security headers (`server`).

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

/// `(path, content type, body)` of every file served.
const FILES: &[(&str, &str, &str)] = &[
    ("/assets/app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
    ("/assets/app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    (
        "/assets/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/vendor/uPlot.iife.min.js"),
    ),
    ("/assets/uPlot.min.css", "text/css; charset=utf-8", include_str!("assets/vendor/uPlot.min.css")),
    ("/assets/uPlot.LICENSE", "text/plain; charset=utf-8", include_str!("assets/vendor/uPlot.LICENSE")),
];

const INDEX_HTML: &str = include_str!("assets/index.html");

pub(super) fn routes() -> Router<Arc<AppState>> {
    let mut router = Router::new().route("/", get(|| async { file("text/html; charset=utf-8", INDEX_HTML) }));
    for &(path, kind, body) in FILES {
        router = router.route(path, get(move || async move { file(kind, body) }));
    }
    router
}

fn file(kind: &'static str, body: &'static str) -> Response {
    // Revalidated every time, so that a new binary's page never meets an old script.
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
