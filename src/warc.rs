//! WARC files (`.warc`, `.warc.gz`, as web archives and crawls such as CC-NEWS publish them) as
//! a source: every `response` record holding a successful HTML answer is a web page.
//!
//! Files are read as a stream with the `warc` crate (gzip members one after the other through
//! flate2): a record's headers first, its body only if it is a page, under a size cap; memory
//! holds one record at a time, however large the file. A page's URL is its
//! `WARC-Target-URI`, its charset comes from the HTTP `Content-Type` (then the page itself,
//! see [`crate::charset`]), and its date from the page, else from `WARC-Date`. A record that
//! cannot be read as a page is reported on its own; the rest of the file goes on. A file whose
//! framing breaks cannot be read past that point.
//!
//! A WARC file named by an http(s) URL is downloaded (streamed) to a temporary file first, under
//! the fetch options' robots.txt rules and a size cap of [`MAX_DOWNLOAD_BYTES`].
//!
//! Not here: what a page's article is ([`crate::web::page`]), where the articles go
//! ([`crate::ingest`]).

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use url::Url;

use crate::analyze::{Analyzer, DocFreq};
use crate::article::Article;
use crate::parse::{ParseError, ParseOptions};

/// Whether a URL names a WARC file (`.warc`, `.warc.gz`): such URLs are downloaded whole to a
/// temporary file and read as one, rather than fetched as a page.
pub fn is_warc_url(url: &str) -> bool {
    let path = url::Url::parse(url).map(|u| u.path().to_ascii_lowercase()).unwrap_or_default();
    path.ends_with(".warc") || path.ends_with(".warc.gz")
}

/// Whether `path` is a WARC file: its content (after gunzipping) starts with `WARC/`.
pub fn is_warc(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut head = [0u8; 5];
    let mut reader = crate::source::open_decompressed(file);
    reader.read_exact(&mut head).is_ok() && &head == b"WARC/"
}

/// The largest WARC file downloaded from a URL (crawl files are about 1 GB).
pub const MAX_DOWNLOAD_BYTES: u64 = 8 << 30;

/// One page found in a WARC file.
#[derive(Debug, Clone)]
pub struct Page {
    /// `WARC-Target-URI`, as reports name the page.
    pub location: String,
    pub url: Url,
    pub warc_date: DateTime<Utc>,
    /// The HTTP `Content-Type`.
    pub content_type: Option<String>,
    /// The HTTP payload, transfer and content encodings undone.
    pub body: Vec<u8>,
}

impl Page {
    /// The page's article, built as a fetched page's is; dated by the page, else `WARC-Date`.
    pub fn article(
        &self,
        opts: &ParseOptions,
        analyzer: &Analyzer,
        corpus: &dyn DocFreq,
        now: DateTime<Utc>,
    ) -> Result<Article, ParseError> {
        let charset = self.content_type.as_deref().and_then(crate::charset::charset_param);
        let text = crate::charset::decode(&self.body, charset).text;
        crate::pipeline::refuse_deep_nesting(&text, &self.location)?;
        let mut doc = crate::web::page::document(&text, &self.url, opts);
        doc.front.url.get_or_insert_with(|| self.url.to_string());
        doc.front.published_at = doc.front.published_at.or(Some(self.warc_date));
        crate::pipeline::build_from_parsed(doc, opts, analyzer, corpus, now)
    }
}

/// A WARC file, or one of its records, that cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WarcError {
    #[error("cannot read the WARC file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{path}, record {record}{uri}: {reason}", uri = uri.as_deref().map(|u| format!(" ({u})")).unwrap_or_default())]
    Record { path: String, record: u64, uri: Option<String>, reason: String },
}

impl WarcError {
    /// What a report names: the page's URL when known, else the file.
    pub fn location(&self) -> String {
        match self {
            WarcError::File { path, .. } => path.clone(),
            WarcError::Record { uri: Some(uri), .. } => uri.clone(),
            WarcError::Record { path, record, .. } => format!("{path}#record-{record}"),
        }
    }
}

/// Calls `each` with every page of the WARC file at `path` (named `shown` in messages: the
/// path, or the URL it came from), or the failure of a record that should have been one, in
/// order, until it returns `false`. Records over `max_record_bytes`
/// are reported and skipped unread. `Err` when the file cannot be opened or its framing breaks.
pub fn read(
    path: &Path,
    shown: &str,
    max_record_bytes: u64,
    each: &mut dyn FnMut(Result<Page, WarcError>) -> bool,
) -> Result<(), WarcError> {
    let shown = shown.to_string();
    let file_error = |reason: String| WarcError::File { path: shown.clone(), reason };
    let file = std::fs::File::open(path).map_err(|e| file_error(e.to_string()))?;
    let mut reader = ::warc::WarcReader::new(crate::source::open_decompressed(file));
    let mut records = reader.stream_records();
    let mut n = 0u64;
    while let Some(record) = records.next_item() {
        n += 1;
        let mut record =
            record.map_err(|e| file_error(format!("record {n}: {e}; the rest of the file is skipped")))?;
        if *record.warc_type() != ::warc::RecordType::Response {
            continue;
        }
        let uri = record
            .header(::warc::WarcHeader::TargetURI)
            .map(|u| u.trim().trim_matches(['<', '>']).to_string());
        let failed =
            |reason: String| WarcError::Record { path: shown.clone(), record: n, uri: uri.clone(), reason };
        let page = (|| {
            let location = uri.clone().ok_or_else(|| failed("no WARC-Target-URI".into()))?;
            let url =
                Url::parse(&location).map_err(|e| failed(format!("WARC-Target-URI is not a URL: {e}")))?;
            if record.content_length() > max_record_bytes {
                return Err(failed(format!(
                    "the record is {} bytes, over the limit of {max_record_bytes}",
                    record.content_length()
                )));
            }
            let mut block = Vec::with_capacity(record.content_length() as usize);
            record.read_to_end(&mut block).map_err(|e| failed(e.to_string()))?;
            let response = http_response(&block).map_err(failed)?;
            Ok(response.map(|(content_type, body)| Page {
                location,
                url,
                warc_date: *record.date(),
                content_type,
                body,
            }))
        })();
        let go_on = match page {
            Ok(None) => true,
            Ok(Some(page)) => each(Ok(page)),
            Err(e) => each(Err(e)),
        };
        if !go_on {
            break;
        }
    }
    Ok(())
}

/// An HTTP answer's `Content-Type` and its payload.
type Payload = (Option<String>, Vec<u8>);

/// The HTML payload of an HTTP response block: `Ok(None)` for an answer that is not a
/// successful HTML page (a redirect, an image …), which is no article and no failure.
fn http_response(block: &[u8]) -> Result<Option<Payload>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(block) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("the HTTP header is cut off".into()),
        Err(e) => return Err(format!("the HTTP header cannot be read: {e}")),
    };
    if response.code != Some(200) {
        return Ok(None);
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
    };
    let content_type = header("content-type");
    let media = crate::web::media_type(content_type.as_deref());
    if !matches!(media.as_str(), "text/html" | "application/xhtml+xml" | "") {
        return Ok(None);
    }
    let mut body = block[head..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        body = dechunk(&body).ok_or("the chunked body is broken")?;
    }
    match header("content-encoding").map(|e| e.to_ascii_lowercase()).as_deref() {
        None | Some("identity") | Some("") => {}
        Some("gzip") | Some("x-gzip") => body = inflate(flate2::read::MultiGzDecoder::new(&body[..]))?,
        Some("deflate") => body = inflate(flate2::read::ZlibDecoder::new(&body[..]))?,
        Some(other) => return Err(format!("the body is encoded as {other}, which newsdesk cannot decode")),
    }
    Ok(Some((content_type, body)))
}

fn inflate(mut reader: impl Read) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out).map_err(|e| format!("the compressed body is broken: {e}"))?;
    Ok(out)
}

/// A chunked body joined; `None` when the chunk framing is broken.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_html_answer_is_a_page_and_others_are_not() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=gbk\r\n\r\n<html>hi</html>";
        let (ct, body) = http_response(ok).unwrap().unwrap();
        assert_eq!(
            (ct.as_deref(), body.as_slice()),
            (Some("text/html; charset=gbk"), &b"<html>hi</html>"[..])
        );
        assert!(http_response(b"HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n").unwrap().is_none());
        assert!(http_response(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG")
            .unwrap()
            .is_none());
        assert!(http_response(b"HTTP/1.1 200 OK\r\nContent-Type: te").is_err());
    }

    #[test]
    fn chunked_and_gzipped_bodies_are_undone() {
        let chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<html\r\n2;x=y\r\n>!\r\n0\r\n\r\n";
        assert_eq!(http_response(chunked).unwrap().unwrap().1, b"<html>!");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, "<p>互联互通</p>".as_bytes()).unwrap();
        let mut block =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        block.extend(gz.finish().unwrap());
        assert_eq!(http_response(&block).unwrap().unwrap().1, "<p>互联互通</p>".as_bytes());
        assert!(dechunk(b"zz\r\n").is_none());
    }
}
