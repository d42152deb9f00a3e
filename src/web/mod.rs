//! What a fetched body is, and how it becomes documents for the pipeline: the web's side of the
//! parse stage.
//!
//! [`classify`] decides from the content (and the `Content-Type`), never from the URL's
//! spelling, whether a body is a front-matter file, a feed, a web page or not an article at all.
//! [`page`] reads a web page's metadata and finds its main content; [`feed`] turns a feed into
//! one document per item. Everything here is pure: bytes or text in, documents out.
//!
//! Not here: HTTP (see [`crate::fetch`]), cleaning the content (see [`crate::clean`]).

pub mod content;
pub mod feed;
pub mod page;

/// What a body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Markdown/HTML file, with front matter or without, parsed like a local file.
    File { html: bool },
    /// RSS, Atom or JSON Feed.
    Feed,
    /// A web page: metadata from its head, content found by extraction.
    Page,
}

/// Why a body is not something newsdesk reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAnArticle {
    #[error("not an article: binary content ({0})")]
    Binary(String),
    #[error("not an article: JSON that is not a JSON Feed")]
    Json,
    #[error("not an article: empty body")]
    Empty,
}

/// The media type of a `Content-Type` value, lower-cased, without parameters.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type.and_then(|c| c.split(';').next()).unwrap_or("").trim().to_ascii_lowercase()
}

/// Decides what `bytes` are. The first kilobyte of the text decides, the media type breaks ties
/// and vetoes binary types.
pub fn classify(content_type: Option<&str>, bytes: &[u8]) -> Result<Kind, NotAnArticle> {
    let media = media_type(content_type);
    let head = &bytes[..bytes.len().min(1024)];
    let binary_type = ["image/", "audio/", "video/", "font/"].iter().any(|p| media.starts_with(p))
        || matches!(
            media.as_str(),
            "application/octet-stream" | "application/pdf" | "application/zip" | "application/gzip"
        );
    // Text in any encoding newsdesk decodes (UTF-8, GBK, Big5 …) has no NUL bytes; UTF-16 is
    // recognised by its BOM before this test.
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if binary_type || (!utf16 && head.contains(&0)) {
        let what = if media.is_empty() { "NUL bytes in the first kilobyte".to_string() } else { media };
        return Err(NotAnArticle::Binary(what));
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return Err(NotAnArticle::Empty);
    }
    if text.starts_with("---") || text.starts_with("+++") {
        let html = media.contains("html");
        return Ok(Kind::File { html });
    }
    let lower = text.to_ascii_lowercase();
    let feed_type = media.contains("rss") || media.contains("atom") || media == "application/feed+json";
    if lower.starts_with('{') || lower.starts_with('[') {
        return if feed_type || lower.contains("jsonfeed.org/version") {
            Ok(Kind::Feed)
        } else {
            Err(NotAnArticle::Json)
        };
    }
    let root = ["<rss", "<feed", "<rdf:rdf"].iter().filter_map(|t| lower.find(t)).min();
    let html_at = ["<html", "<!doctype html", "<head", "<body"].iter().filter_map(|t| lower.find(t)).min();
    match (root, html_at) {
        (Some(r), Some(h)) if r < h => return Ok(Kind::Feed),
        (Some(_), None) => return Ok(Kind::Feed),
        _ => {}
    }
    if html_at.is_some() || media == "text/html" || media == "application/xhtml+xml" {
        return Ok(Kind::Page);
    }
    if feed_type {
        return Ok(Kind::Feed);
    }
    // Plain text, Markdown or an HTML fragment without front matter: read like a file.
    Ok(Kind::File { html: lower.starts_with('<') })
}

/// Plain text as HTML paragraphs, one per piece between `separator`s, escaped.
fn paragraphs(text: &str, separator: &str) -> String {
    text.split(separator)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_url_or_a_generic_type() {
        let fm = b"---\ntitle: x\n---\nbody";
        assert_eq!(classify(Some("text/plain"), fm), Ok(Kind::File { html: false }));
        assert_eq!(classify(Some("text/html"), fm), Ok(Kind::File { html: true }));
        let rss = b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel></channel></rss>";
        assert_eq!(classify(Some("text/xml"), rss), Ok(Kind::Feed));
        assert_eq!(
            classify(Some("text/html"), b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            Ok(Kind::Feed)
        );
        let json = b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": []}";
        assert_eq!(classify(Some("application/json"), json), Ok(Kind::Feed));
        assert_eq!(classify(Some("application/json"), b"{\"a\": 1}"), Err(NotAnArticle::Json));
        assert_eq!(classify(None, b"<!DOCTYPE html><html><body>rss</body></html>"), Ok(Kind::Page));
        // A page that mentions <rss in its body is still a page.
        assert_eq!(classify(None, b"<html><body><code>&lt;rss</code> <rss"), Ok(Kind::Page));
    }

    #[test]
    fn binary_bodies_are_refused() {
        assert!(matches!(classify(Some("image/png"), b"\x89PNG\r\n"), Err(NotAnArticle::Binary(_))));
        assert!(matches!(classify(Some("text/html"), b"GIF89a\0\0\x01"), Err(NotAnArticle::Binary(_))));
        assert_eq!(classify(Some("text/html"), b"  \n "), Err(NotAnArticle::Empty));
    }
}
