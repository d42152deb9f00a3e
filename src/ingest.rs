//! Batch ingestion: paths in, articles upserted into the store, a report out.
//!
//! This is the I/O edge around the pure stages: it discovers and reads files, runs
//! [`crate::pipeline::build_article`] on each, and upserts the result. One bad file never
//! stops the batch: its failure is recorded with the path and the reason, and the rest goes in.
//! Progress is reported through a callback so the CLI can draw a bar or print lines.
//!
//! Commits happen every [`IngestOptions::commit_every`] articles and at the end, never per
//! article. Not here: fetching URLs, or deciding how progress is shown.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use crate::analyze::Analyzer;
use crate::article::Article;
use crate::dedupe::Probe;
use crate::index::{IndexError, Store, Upsert};
use crate::parse::ParseOptions;
use crate::pipeline::build_article;
use crate::source::{self, DEFAULT_MAX_FILE_BYTES};

/// Settings of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub parse: ParseOptions,
    /// Files over this size are refused unread.
    pub max_file_bytes: u64,
    /// Articles between two commits.
    pub commit_every: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            parse: ParseOptions::default(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            commit_every: 5_000,
        }
    }
}

/// The stage at which a source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Read,
    Parse,
    Index,
}

/// One source that did not go in, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub location: String,
    pub stage: Stage,
    pub message: String,
}

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Articles written in this run that repeat an earlier one (`duplicate_of` set).
    pub duplicates: usize,
    pub failures: Vec<Failure>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl IngestReport {
    pub fn processed(&self) -> usize {
        self.new + self.updated + self.unchanged + self.failed
    }
}

/// Progress events, in order: one `Found`, then one `Done` or `Failed` per file.
#[derive(Debug)]
pub enum Event<'a> {
    Found { files: usize },
    Done { location: &'a str, outcome: Upsert },
    Failed(&'a Failure),
}

/// Ingests every article file under `paths` into `store`.
///
/// Returns an error only when the index itself cannot be written; per-source problems are in
/// the report.
pub fn ingest_paths(
    store: &Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<IngestReport, IndexError> {
    let started = Instant::now();
    let mut report = IngestReport::default();
    let (files, discovery_errors) = source::discover(paths);
    tracing::info!(files = files.len(), problems = discovery_errors.len(), "discovered sources");
    progress(Event::Found { files: files.len() });
    for e in discovery_errors {
        let failure =
            Failure { location: e.path().display().to_string(), stage: Stage::Read, message: e.to_string() };
        report.record_failure(failure, progress);
    }

    let mut writer = store.writer()?;
    let mut since_commit = 0usize;
    let corpus = store.doc_freq();
    let mut register = store.duplicate_register()?;
    // Texts written since the last commit, which the index cannot return yet.
    let mut pending: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let prepare = |path: &PathBuf| -> Result<Article, Failure> {
        let raw = source::read_file(path, opts.max_file_bytes).map_err(|e| Failure {
            location: path.display().to_string(),
            stage: Stage::Read,
            message: e.to_string(),
        })?;
        let location = raw.source.location.clone();
        build_article(raw, &opts.parse, analyzer, &corpus, Utc::now()).map_err(|e| Failure {
            location,
            stage: Stage::Parse,
            message: e.to_string(),
        })
    };
    let mut result = Ok(());
    in_order_parallel(&files, prepare, |prepared| {
        let mut article = match prepared {
            Ok(a) => a,
            Err(failure) => {
                report.record_failure(failure, progress);
                return true;
            }
        };
        let hash = u64::from_str_radix(&article.simhash, 16).unwrap_or(0);
        let published = article.published_at.map(|t| t.timestamp());
        let probe = Probe { id: &article.id, simhash: hash, published, text: &article.text };
        article.duplicate_of = register.find(probe, |id| match pending.get(id) {
            Some(text) => Some(text.clone()),
            None => store.get(id).ok().flatten().map(|a| a.text),
        });
        register.insert(&article.id, hash, published, article.duplicate_of.clone());
        let location = article.source.location.clone();
        match writer.upsert(&article) {
            Ok(outcome) => {
                match outcome {
                    Upsert::New => report.new += 1,
                    Upsert::Updated => report.updated += 1,
                    Upsert::Unchanged => report.unchanged += 1,
                }
                if outcome != Upsert::Unchanged {
                    since_commit += 1;
                    report.duplicates += usize::from(article.duplicate_of.is_some());
                    pending.insert(article.id, article.text);
                }
                progress(Event::Done { location: &location, outcome });
            }
            Err(e) => {
                let failure = Failure { location, stage: Stage::Index, message: e.to_string() };
                report.record_failure(failure, progress);
            }
        }
        if since_commit >= opts.commit_every {
            tracing::info!(articles = since_commit, "committing");
            if let Err(e) = writer.commit().and_then(|()| store.reload()) {
                result = Err(e);
                return false;
            }
            pending.clear();
            since_commit = 0;
        }
        true
    });
    result?;
    writer.commit()?;
    store.reload()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// How far workers may run ahead of the consumer, in items: bounds the memory held by
/// finished-but-not-yet-consumed articles whatever the batch size.
const WINDOW: usize = 64;

/// Runs `prepare` over `items` on all cores and hands the results to `consume` one by one in
/// the items' order (so duplicate detection and ids see a deterministic sequence). `consume`
/// returns `false` to stop early.
fn in_order_parallel<T: Sync, R: Send>(
    items: &[T],
    prepare: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> bool,
) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};

    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let consumed = (Mutex::new(0usize), Condvar::new());
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, R)>(WINDOW);
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop, consumed, prepare) = (&next, &stop, &consumed, &prepare);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= items.len() {
                    break;
                }
                {
                    let mut done = consumed.0.lock().unwrap_or_else(|e| e.into_inner());
                    while i >= *done + WINDOW && !stop.load(Ordering::Relaxed) {
                        done = consumed.1.wait(done).unwrap_or_else(|e| e.into_inner());
                    }
                }
                if stop.load(Ordering::Relaxed) || tx.send((i, prepare(&items[i]))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut expected = 0;
        'receive: for (i, r) in &rx {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&expected) {
                expected += 1;
                let go_on = consume(r);
                *consumed.0.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                consumed.1.notify_all();
                if !go_on {
                    break 'receive;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        consumed.1.notify_all();
        drop(rx);
    });
}

impl IngestReport {
    fn record_failure(&mut self, failure: Failure, progress: &mut dyn FnMut(Event<'_>)) {
        self.failed += 1;
        progress(Event::Failed(&failure));
        self.failures.push(failure);
    }
}

/// What `reanalyze` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReanalyzeReport {
    pub articles: usize,
    /// Articles whose analysis (or duplicate link) changed and were rewritten.
    pub changed: usize,
    pub duplicates: usize,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// Re-runs analysis over every stored article, without reading the sources: after a taxonomy
/// or dictionary change, or once the corpus is large enough for its own IDF. Every article is
/// rewritten (so it is segmented again with the current dictionary); duplicates are decided
/// afresh, in order of publication.
pub fn reanalyze(store: &Store, analyzer: &Analyzer) -> Result<ReanalyzeReport, IndexError> {
    use crate::analyze::simhash;
    use crate::dedupe::Register;

    let started = Instant::now();
    let searcher = store.searcher();
    let corpus = store.doc_freq();
    let addresses: Vec<tantivy::DocAddress> = searcher
        .segment_readers()
        .iter()
        .enumerate()
        .flat_map(|(ord, seg)| seg.doc_ids_alive().map(move |d| tantivy::DocAddress::new(ord as u32, d)))
        .collect();
    // Pass 1: fingerprints, then duplicates in order of publication.
    let mut light = Vec::with_capacity(addresses.len());
    for &addr in &addresses {
        let a = store.article_at(&searcher, addr)?;
        let h = simhash::simhash(if a.text.trim().is_empty() { &a.title } else { &a.text });
        // Among equal dates the article not yet marked as a copy, then the one ingested
        // first, is taken for the original: the arrival order decided at ingest stands.
        let tie = (a.duplicate_of.is_some(), a.ingested_at);
        light.push((a.published_at.map(|t| t.timestamp()), tie, a.id, h, addr));
    }
    light.sort_by(|x, y| (x.0.is_none(), x.0, x.1, &x.2).cmp(&(y.0.is_none(), y.0, y.1, &y.2)));
    let mut register = Register::default();
    let by_id: std::collections::HashMap<&str, tantivy::DocAddress> =
        light.iter().map(|l| (l.2.as_str(), l.4)).collect();
    let mut originals: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (published, _, id, h, addr) in &light {
        let text = store.article_at(&searcher, *addr)?.text;
        let probe = Probe { id, simhash: *h, published: *published, text: &text };
        let original = register.find(probe, |other| {
            by_id.get(other).and_then(|a| store.article_at(&searcher, *a).ok()).map(|a| a.text)
        });
        register.insert(id, *h, *published, original.clone());
        if let Some(o) = original {
            originals.insert(id.clone(), o);
        }
    }
    // Pass 2: rewrite what changed.
    let mut report =
        ReanalyzeReport { articles: addresses.len(), duplicates: originals.len(), ..Default::default() };
    let mut writer = store.writer()?;
    for addr in addresses {
        let mut a = store.article_at(&searcher, addr)?;
        let analysis = analyzer.analyze(&a.title, &a.text, &corpus);
        crate::pipeline::apply_analysis(&mut a, analysis);
        a.duplicate_of = originals.remove(&a.id);
        if writer.rewrite(&a)? != Upsert::Unchanged {
            report.changed += 1;
        }
    }
    writer.commit()?;
    store.reload()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_results_arrive_in_input_order() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        in_order_parallel(
            &items,
            |&i| {
                // Uneven work, so workers finish out of order.
                std::thread::sleep(Duration::from_micros((i * 7919) % 300));
                i * 2
            },
            |r| {
                seen.push(r);
                true
            },
        );
        assert_eq!(seen, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_consumer_can_stop_early() {
        let items: Vec<u32> = (0..10_000).collect();
        let mut n = 0;
        in_order_parallel(
            &items,
            |&i| i,
            |_| {
                n += 1;
                n < 10
            },
        );
        assert_eq!(n, 10);
    }
}
