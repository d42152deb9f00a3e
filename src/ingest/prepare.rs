//! `newsdesk prepare`: the ingest pipeline without an index. Sources in, one analysed record
//! per article out as JSON Lines (the export record, same schema), failures beside them.
//!
//! Stateless, so it can run on many machines at once (the Spark job in `spark/` runs it on
//! every partition of a source list): nothing is skipped as unchanged, no HTTP cache is read or
//! written, and what needs the whole corpus is left to whoever loads the records (`ingest
//! FILE.jsonl`): `duplicate_of` is always empty, and keywords are scored with jieba's IDF
//! table, as for any article ingested into a small index.
//!
//! Not here: loading records (`records`), the CLI's output files and stderr lines.

use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{read_sources, Destination, Failure, IngestOptions, SourceSpec};
use crate::analyze::{Analyzer, NoCorpus};
use crate::article::{Article, ArticleId};

/// What a `prepare` run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrepareReport {
    /// Records written.
    pub records: usize,
    pub failed: usize,
    #[serde(skip)]
    pub elapsed: Duration,
}

struct Records<'a> {
    out: &'a mut dyn Write,
    on_failure: &'a mut dyn FnMut(&Failure),
    report: PrepareReport,
}

impl Destination for Records<'_> {
    type Error = std::io::Error;

    fn accept(
        &mut self,
        mut article: Article,
        _location: String,
        _file: Option<(String, super::state::Stamp)>,
    ) -> Result<bool, std::io::Error> {
        // Duplicates are the loader's to decide, among everything it holds.
        article.duplicate_of = None;
        self.out.write_all(article.record_json().as_bytes())?;
        self.out.write_all(b"\n")?;
        self.report.records += 1;
        Ok(true)
    }

    fn unchanged(&mut self, _location: &str, _id: Option<ArticleId>) {}

    fn fail(&mut self, failure: Failure) {
        self.report.failed += 1;
        (self.on_failure)(&failure);
    }

    fn index_path(&self) -> Option<&std::path::Path> {
        None
    }
}

/// Prepares every article of `sources` and writes its record to `out`, one JSON line each,
/// in the order ingest would take them; each source that fails goes to `on_failure`. `Err`
/// only when `out` cannot be written.
pub fn prepare(
    sources: &[SourceSpec],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    out: &mut dyn Write,
    on_failure: &mut dyn FnMut(&Failure),
) -> Result<PrepareReport, std::io::Error> {
    let started = Instant::now();
    let opts = IngestOptions { force: true, ..opts.clone() };
    let mut records = Records { out, on_failure, report: PrepareReport::default() };
    read_sources(&mut records, sources, &opts, analyzer, &NoCorpus, None)?;
    records.out.flush()?;
    let mut report = records.report;
    report.elapsed = started.elapsed();
    Ok(report)
}
