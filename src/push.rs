//! `newsdesk push`: streams stored articles to a search engine in batches, reads the answer
//! document by document, and records its progress so that an interrupted push can resume.
//!
//! * **Constant memory.** Records come from the store one at a time
//!   ([`Store::for_each_matching_record`]) and leave in batches of at most `batch_docs`
//!   documents and `batch_bytes` bytes (one larger document goes alone).
//! * **Idempotent.** Documents carry newsdesk's stable ids and are indexed by id (`_bulk`
//!   `index`, Typesense `upsert`), so sending one again overwrites it: a re-push or a resend
//!   after a lost answer never duplicates.
//! * **Per document.** A batch answered with some items refused for now (429, 5xx) sends those
//!   again with backoff; items refused for good (a mapping error) are reported with the
//!   article's id, title and source and not retried. A batch the engine finds too large (413)
//!   is split in halves.
//! * **Resumable.** After each batch is answered, the count of records dealt with (in the
//!   store's order) is written to a progress file under the index folder, with the store's
//!   view; `resume` skips that many records, and refuses if the index changed since (the
//!   order would differ; a fresh push is then safe, as above).
//!
//! Not here: the wire formats (`crate::engine::{elastic, typesense}`), HTTP and failover
//! between nodes (`crate::engine::Client`), flags and the summary (the CLI's).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::article::Article;
use crate::engine::document::Document;
use crate::engine::{elastic, typesense, Client, EngineError, EngineKind, ItemOutcome, RetryPolicy};
use crate::index::{IndexError, Store};
use crate::search::{SearchError, SearchRequest};

/// Default `--batch-docs`.
pub const BATCH_DOCS: usize = 500;
/// Default `--batch-bytes`: 5 MB, the size OpenSearch and Elasticsearch suggest starting from.
pub const BATCH_BYTES: usize = 5_000_000;

/// Sends of one document an engine keeps refusing for now (item 429s) before it is reported.
const ITEM_TRIES: u32 = 10;

/// What to push and how.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// The query and filters choosing the articles (paging and sort do not apply).
    pub select: SearchRequest,
    pub batch_docs: usize,
    pub batch_bytes: usize,
    /// Continue an interrupted push of the same selection to the same target.
    pub resume: bool,
}

/// One article the engine refused for good.
#[derive(Debug, Clone, Serialize)]
pub struct PushFailure {
    pub id: String,
    pub title: String,
    pub source: String,
    /// The engine's status for the item (413: the document alone was too large).
    pub status: u16,
    pub reason: String,
}

/// What a push did.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    pub engine: &'static str,
    pub url: String,
    pub collection: String,
    /// Articles the selection matched.
    pub matched: u64,
    /// Records skipped because an earlier, interrupted push had them acknowledged.
    pub resumed_after: u64,
    /// Documents the engine acknowledged.
    pub pushed: u64,
    pub failed: Vec<PushFailure>,
    /// Requests and documents sent again (busy engine, unreachable node, item 429s).
    pub retried: u64,
    pub batches: u64,
    /// Batches split in two because the engine found them too large.
    pub split: u64,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot read stored article {id}: {cause}; run `newsdesk reanalyze` to rewrite the records")]
    Record { id: String, cause: String },
    #[error("cannot {action} the push progress file {path}: {cause}")]
    Progress { action: &'static str, path: PathBuf, cause: String },
    #[error("cannot resume: {reason}")]
    Resume { reason: String },
    #[error("cannot write: {0}")]
    Write(std::io::Error),
}

/// What the progress file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Progress {
    engine: String,
    nodes: Vec<String>,
    collection: String,
    selection: String,
    /// The store's view the order was taken under.
    view: u64,
    /// Records (in the store's order) whose batch was answered.
    acknowledged: u64,
    complete: bool,
}

/// The progress file of pushes of `selection` to `client`'s target, under the index folder.
fn progress_path(store: &Store, kind: EngineKind, collection: &str, selection: &str) -> PathBuf {
    let key = xxhash_rust::xxh3::xxh3_64(selection.as_bytes());
    store.path().join("push").join(format!("{}-{}-{key:016x}.json", kind.name(), collection))
}

/// A stable description of the selection: the same one, the same progress file.
fn selection_key(req: &SearchRequest) -> String {
    format!(
        "q={:?} category={:?} author={:?} since={:?} until={:?} topics={:?} entity={:?} dedupe={}",
        req.query.trim(),
        req.category,
        req.author,
        req.since,
        req.until,
        req.topics,
        req.entity,
        req.dedupe
    )
}

fn read_progress(path: &Path) -> Result<Option<Progress>, PushError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| PushError::Progress {
            action: "read",
            path: path.to_path_buf(),
            cause: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PushError::Progress { action: "read", path: path.to_path_buf(), cause: e.to_string() }),
    }
}

/// Writes the progress file whole, then renames it into place: a kill leaves the old or the new.
fn write_progress(path: &Path, progress: &Progress) -> Result<(), PushError> {
    let err = |e: std::io::Error| PushError::Progress {
        action: "write",
        path: path.to_path_buf(),
        cause: e.to_string(),
    };
    std::fs::create_dir_all(path.parent().expect("under the index folder")).map_err(err)?;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    file.write_all(&serde_json::to_vec_pretty(progress).expect("serializes")).map_err(err)?;
    file.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// One document ready to send: its encoded lines and what a failure report names.
struct Encoded {
    id: String,
    title: String,
    source: String,
    lines: Vec<u8>,
}

fn encode(kind: EngineKind, collection: &str, json: &str) -> Result<Encoded, PushError> {
    let article: Article = serde_json::from_str(json).map_err(|e| PushError::Record {
        id: serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
            .unwrap_or_default(),
        cause: e.to_string(),
    })?;
    let doc = Document::of(&article, kind.dates());
    let mut lines = Vec::with_capacity(doc.text.len() * 3 + 1024);
    match kind {
        EngineKind::Typesense => typesense::import_line(&doc, &mut lines),
        _ => elastic::bulk_lines(collection, &doc, &mut lines),
    }
    Ok(Encoded { id: doc.id, title: article.title, source: article.source.location, lines })
}

/// Cuts the stream of encoded documents into batches.
struct Batcher {
    docs: Vec<Encoded>,
    bytes: usize,
    max_docs: usize,
    max_bytes: usize,
}

impl Batcher {
    /// Adds `doc`; returns the full batch to send first, if adding it would overflow.
    fn add(&mut self, doc: Encoded) -> Option<Vec<Encoded>> {
        let full = !self.docs.is_empty()
            && (self.docs.len() >= self.max_docs || self.bytes + doc.lines.len() > self.max_bytes);
        let out = full.then(|| self.take());
        self.bytes += doc.lines.len();
        self.docs.push(doc);
        out
    }

    fn take(&mut self) -> Vec<Encoded> {
        self.bytes = 0;
        std::mem::take(&mut self.docs)
    }
}

/// Writes the bodies a push of `req` would send to `out`, without contacting any engine;
/// returns (documents, batches, bytes).
pub fn dry_run(
    store: &Store,
    kind: EngineKind,
    collection: &str,
    req: &PushRequest,
    out: &mut dyn Write,
) -> Result<(u64, u64, u64), PushError> {
    let mut batcher =
        Batcher { docs: Vec::new(), bytes: 0, max_docs: req.batch_docs.max(1), max_bytes: req.batch_bytes };
    let (mut batches, mut bytes) = (0u64, 0u64);
    let mut write = |batch: Vec<Encoded>| -> Result<(), PushError> {
        batches += 1;
        for doc in batch {
            bytes += doc.lines.len() as u64;
            out.write_all(&doc.lines).map_err(PushError::Write)?;
        }
        Ok(())
    };
    let count = store.for_each_matching_record(&req.select, |json| -> Result<(), PushError> {
        if let Some(batch) = batcher.add(encode(kind, collection, json)?) {
            write(batch)?;
        }
        Ok(())
    })?;
    let last = batcher.take();
    if !last.is_empty() {
        write(last)?;
    }
    out.flush().map_err(PushError::Write)?;
    Ok((count, batches, bytes))
}

/// Pushes the articles `req` selects to `client`'s target; `on_progress(done, matched)` after
/// each batch. Documents refused for good are in the report, not an error.
pub fn push(
    store: &Store,
    client: &Client,
    req: &PushRequest,
    mut on_progress: impl FnMut(u64, u64),
) -> Result<PushReport, PushError> {
    let started = Instant::now();
    let target = client.target().clone();
    let kind = target.kind;
    let selection = selection_key(&req.select);
    let path = progress_path(store, kind, &target.collection, &selection);
    let view = store.view();
    let mut progress = Progress {
        engine: kind.name().to_string(),
        nodes: target.nodes.iter().map(|u| u.to_string()).collect(),
        collection: target.collection.clone(),
        selection: selection.clone(),
        view,
        acknowledged: 0,
        complete: false,
    };
    let mut skip = 0;
    if req.resume {
        let earlier = read_progress(&path)?.ok_or_else(|| PushError::Resume {
            reason: format!(
                "no earlier push of this selection to {} {:?} was recorded (looked for {}); push without --resume",
                kind.name(),
                target.collection,
                path.display()
            ),
        })?;
        if earlier.view != view {
            return Err(PushError::Resume {
                reason:
                    "the index changed since the interrupted push, so its order is not the same; push again \
                         without --resume (documents are sent by id: nothing will be duplicated)"
                        .into(),
            });
        }
        skip = if earlier.complete { u64::MAX } else { earlier.acknowledged };
        progress.acknowledged = earlier.acknowledged;
        progress.complete = earlier.complete;
    }
    if !client.collection_exists()? {
        return Err(EngineError::Missing {
            what: client.collection_word(),
            collection: target.collection.clone(),
            url: target.nodes.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", "),
        }
        .into());
    }
    let matched = store.search_page(&SearchRequest { limit: 0, ..req.select.clone() }, 0)?.total as u64;
    let mut report = PushReport {
        engine: kind.name(),
        url: target.url().to_string(),
        collection: target.collection.clone(),
        matched,
        resumed_after: skip.min(matched),
        pushed: 0,
        failed: Vec::new(),
        retried: 0,
        batches: 0,
        split: 0,
        seconds: 0.0,
    };
    let mut retried_items = 0u64;
    let mut batcher =
        Batcher { docs: Vec::new(), bytes: 0, max_docs: req.batch_docs.max(1), max_bytes: req.batch_bytes };
    let mut seen = 0u64;
    let retry = RetryPolicy::default();
    let mut deliver =
        |batch: Vec<Encoded>, report: &mut PushReport, progress: &mut Progress| -> Result<(), PushError> {
            let n = batch.len() as u64;
            report.batches += 1;
            deliver_batch(client, batch, &retry, report, &mut retried_items)?;
            progress.acknowledged += n;
            write_progress(&path, progress)?;
            on_progress(progress.acknowledged, matched);
            Ok(())
        };
    store.for_each_matching_record(&req.select, |json| -> Result<(), PushError> {
        seen += 1;
        if seen <= skip {
            return Ok(());
        }
        if let Some(batch) = batcher.add(encode(kind, &target.collection, json)?) {
            deliver(batch, &mut report, &mut progress)?;
        }
        Ok(())
    })?;
    let last = batcher.take();
    if !last.is_empty() {
        deliver(last, &mut report, &mut progress)?;
    }
    progress.complete = true;
    write_progress(&path, &progress)?;
    report.retried = client.retried() as u64 + retried_items;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Sends `batch` until every document is acknowledged or refused for good.
fn deliver_batch(
    client: &Client,
    batch: Vec<Encoded>,
    retry: &RetryPolicy,
    report: &mut PushReport,
    retried_items: &mut u64,
) -> Result<(), PushError> {
    let mut pending = batch;
    for attempt in 1..=ITEM_TRIES {
        let mut again = Vec::new();
        send_split(client, pending, report, &mut again)?;
        if again.is_empty() {
            return Ok(());
        }
        if attempt == ITEM_TRIES {
            for (doc, status, reason) in again {
                report.failed.push(failure(
                    doc,
                    status,
                    format!("still refused after {attempt} tries: {reason}"),
                ));
            }
            return Ok(());
        }
        *retried_items += again.len() as u64;
        tracing::info!(
            documents = again.len(),
            attempt,
            "engine refused some documents for now, sending them again"
        );
        std::thread::sleep(retry.wait(attempt));
        pending = again.into_iter().map(|(doc, _, _)| doc).collect();
    }
    Ok(())
}

fn failure(doc: Encoded, status: u16, reason: String) -> PushFailure {
    PushFailure { id: doc.id, title: doc.title, source: doc.source, status, reason }
}

/// Sends `docs` as one request, or in halves while the engine answers 413; acknowledged ones
/// are counted, refused ones reported, and those to send again left in `again`.
fn send_split(
    client: &Client,
    docs: Vec<Encoded>,
    report: &mut PushReport,
    again: &mut Vec<(Encoded, u16, String)>,
) -> Result<(), PushError> {
    let body: Vec<u8> = docs.iter().flat_map(|d| d.lines.iter().copied()).collect();
    match client.send_batch(&body, docs.len())? {
        Ok(outcomes) => {
            for (doc, outcome) in docs.into_iter().zip(outcomes) {
                match outcome {
                    ItemOutcome::Ok => report.pushed += 1,
                    ItemOutcome::Failed { status, reason } => {
                        report.failed.push(failure(doc, status, reason))
                    }
                    ItemOutcome::Retry { status, reason } => again.push((doc, status, reason)),
                }
            }
            Ok(())
        }
        Err(_too_large) if docs.len() == 1 => {
            let doc = docs.into_iter().next().expect("one document");
            let size = doc.lines.len();
            report.failed.push(failure(
                doc,
                413,
                format!("the document alone ({size} bytes) is larger than the engine accepts in a request"),
            ));
            Ok(())
        }
        Err(_too_large) => {
            report.split += 1;
            let mut first = docs;
            let second = first.split_off(first.len() / 2);
            tracing::info!(
                documents = first.len() + second.len(),
                "batch too large for the engine, splitting it"
            );
            send_split(client, first, report, again)?;
            send_split(client, second, report, again)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(bytes: usize) -> Encoded {
        Encoded { id: String::new(), title: String::new(), source: String::new(), lines: vec![b'x'; bytes] }
    }

    #[test]
    fn batches_hold_at_most_the_documents_and_bytes_asked_for() {
        let mut b = Batcher { docs: Vec::new(), bytes: 0, max_docs: 3, max_bytes: 100 };
        assert!(b.add(doc(40)).is_none());
        assert!(b.add(doc(40)).is_none());
        assert_eq!(b.add(doc(40)).map(|v| v.len()), Some(2), "80 + 40 bytes is over 100");
        assert!(b.add(doc(10)).is_none());
        assert!(b.add(doc(10)).is_none());
        assert_eq!(b.add(doc(10)).map(|v| v.len()), Some(3), "three documents at most");
        assert!(b.add(doc(500)).is_some(), "a large document goes alone");
        assert_eq!(b.take().len(), 1);
    }

    #[test]
    fn the_selection_decides_the_progress_file() {
        let a = SearchRequest { query: "微信".into(), ..SearchRequest::default() };
        let b = SearchRequest { query: "微信".into(), dedupe: true, ..SearchRequest::default() };
        assert_ne!(selection_key(&a), selection_key(&b));
        assert_eq!(selection_key(&a), selection_key(&SearchRequest { limit: 5, ..a.clone() }));
    }
}
