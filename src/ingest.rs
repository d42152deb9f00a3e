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
    for path in &files {
        let raw = match source::read_file(path, opts.max_file_bytes) {
            Ok(raw) => raw,
            Err(e) => {
                let location = path.display().to_string();
                report.record_failure(
                    Failure { location, stage: Stage::Read, message: e.to_string() },
                    progress,
                );
                continue;
            }
        };
        let location = raw.source.location.clone();
        let article = match build_article(raw, &opts.parse, Utc::now()) {
            Ok(a) => a,
            Err(e) => {
                report.record_failure(
                    Failure { location, stage: Stage::Parse, message: e.to_string() },
                    progress,
                );
                continue;
            }
        };
        match writer.upsert(&article) {
            Ok(outcome) => {
                match outcome {
                    Upsert::New => report.new += 1,
                    Upsert::Updated => report.updated += 1,
                    Upsert::Unchanged => report.unchanged += 1,
                }
                if outcome != Upsert::Unchanged {
                    since_commit += 1;
                }
                progress(Event::Done { location: &location, outcome });
            }
            Err(e) => {
                report.record_failure(
                    Failure { location, stage: Stage::Index, message: e.to_string() },
                    progress,
                );
            }
        }
        if since_commit >= opts.commit_every {
            tracing::info!(articles = since_commit, "committing");
            writer.commit()?;
            since_commit = 0;
        }
    }
    writer.commit()?;
    store.reload()?;
    report.elapsed = started.elapsed();
    Ok(report)
}

impl IngestReport {
    fn record_failure(&mut self, failure: Failure, progress: &mut dyn FnMut(Event<'_>)) {
        self.failed += 1;
        progress(Event::Failed(&failure));
        self.failures.push(failure);
    }
}
