//! Batch ingestion: sources in (files, folders, URLs, feeds), articles upserted into the store,
//! a report out.
//!
//! This is the I/O edge around the pure stages. Files are discovered and read here, prepared
//! (parse, clean, analyse) on all cores and handed to the single index writer in input order;
//! URLs go through [`web`], which fetches them concurrently and feeds the same writer. One bad
//! source never stops the batch: its failure is recorded with the location, the stage and the
//! reason, and the rest goes in. Per-source outcomes go to a callback (for the CLI's failure
//! lines and `--report`); running counts to [`Counters`], which the CLI polls for its progress
//! display.
//!
//! Commits happen every [`IngestOptions::commit_every`] articles and at the end, never per
//! article. Not here: how progress is shown, or HTTP itself (see [`crate::fetch`]).

mod prepare;
mod records;
mod remove;
mod state;
mod web;

pub use prepare::{prepare, PrepareReport};
pub use records::is_records;
pub use remove::{prune_missing, remove, Missing, PruneReport, RemoveReport};
pub use state::FileState;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use crate::analyze::Analyzer;
use crate::article::{Article, ArticleId};
use crate::dedupe::{Probe, Register};
use crate::fetch::{FetchError, FetchOptions, Remedy};
use crate::index::{IndexError, Store, StoreWriter, Upsert};
use crate::parse::ParseOptions;
use crate::pipeline::build_article;
use crate::source::{self, DEFAULT_MAX_FILE_BYTES};

/// Settings of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub parse: ParseOptions,
    /// Files over this size are refused unread.
    pub max_file_bytes: u64,
    /// Changed articles between two commits.
    pub commit_every: usize,
    /// Longest time between two commits while articles are waiting.
    pub commit_interval: Duration,
    /// Read, parse and analyse every source again: skip nothing by file stamp, HTTP
    /// validators or body hash.
    pub force: bool,
    /// How URLs are fetched.
    pub fetch: FetchOptions,
    /// Fetch each feed item's page and take the article from it (feeds that carry teasers).
    pub follow_links: bool,
    /// Running counts, for a progress display.
    pub counters: Arc<Counters>,
    /// Threads that parse, clean and analyse (0: one per core, at most 8).
    pub threads: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            parse: ParseOptions::default(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            commit_every: 5_000,
            commit_interval: Duration::from_secs(60),
            force: false,
            fetch: FetchOptions::default(),
            follow_links: false,
            counters: Arc::default(),
            threads: 0,
        }
    }
}

/// One source named by the user: a path (file or folder) or a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Path(PathBuf),
    Url(String),
}

impl SourceSpec {
    /// A string with a URL scheme (`scheme://…`) is a URL, anything else a path. Schemes other
    /// than http(s) are kept as URLs so that they are refused with a clear message rather than
    /// looked up as odd file names.
    pub fn parse(s: &str) -> SourceSpec {
        let scheme_len = s.find("://").filter(|&i| {
            i > 0
                && s[..i].chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s[..i].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        match scheme_len {
            Some(_) => SourceSpec::Url(s.trim().to_string()),
            None => SourceSpec::Path(PathBuf::from(s)),
        }
    }
}

/// Running counts of an ingest, updated as it goes.
#[derive(Debug, Default)]
pub struct Counters {
    /// Sources known so far (files found, URLs listed, feed items read).
    pub found: AtomicUsize,
    /// Responses received (including 304s).
    pub fetched: AtomicUsize,
    /// Sources turned into articles (parsed, cleaned, analysed).
    pub parsed: AtomicUsize,
    /// Sources written, or found unchanged.
    pub indexed: AtomicUsize,
    pub failed: AtomicUsize,
}

impl Counters {
    fn add(counter: &AtomicUsize, n: usize) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::Relaxed)
    }
}

/// The stage at which a source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Read,
    Fetch,
    Parse,
    Index,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Read => "read",
            Stage::Fetch => "fetch",
            Stage::Parse => "parse",
            Stage::Index => "index",
        })
    }
}

/// One source that did not go in, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub location: String,
    pub stage: Stage,
    pub message: String,
    /// What the user can do about it, when there is something.
    #[serde(skip)]
    pub remedy: Option<Remedy>,
}

impl Failure {
    pub fn new(location: impl Into<String>, stage: Stage, message: impl Into<String>) -> Failure {
        Failure { location: location.into(), stage, message: message.into(), remedy: None }
    }

    /// A URL that could not be fetched.
    fn fetch(location: impl Into<String>, e: &FetchError) -> Failure {
        Failure { remedy: e.remedy(), ..Failure::new(location, Stage::Fetch, e.to_string()) }
    }
}

/// What an ingest run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Articles written in this run that repeat an earlier one (`duplicate_of` set), copies
    /// relinked to an original that arrived after them included.
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

/// Per-source outcomes, in the order the writer sees them: one `Done` or `Failed` per source
/// (per feed item for feeds; a feed that has not changed is one `Done`).
#[derive(Debug)]
pub enum Event<'a> {
    Done { location: &'a str, id: Option<ArticleId>, outcome: Upsert },
    Failed(&'a Failure),
}

/// Ingests every article file under `paths` into `store`.
pub fn ingest_paths(
    store: &Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<IngestReport, IndexError> {
    let sources: Vec<SourceSpec> = paths.iter().cloned().map(SourceSpec::Path).collect();
    ingest(store, &sources, opts, analyzer, progress)
}

/// Ingests `sources` into `store`: files and folders first, in order, then URLs, concurrently.
///
/// Returns an error only when the index itself cannot be written; per-source problems are in
/// the report.
pub fn ingest(
    store: &Store,
    sources: &[SourceSpec],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<IngestReport, IndexError> {
    let started = Instant::now();
    // The writer (and its lock) first: the file state is only read and written under it.
    let writer = store.writer()?;
    let state = std::sync::RwLock::new(FileState::load(store.path()));
    let mut sink = Sink::new(store, writer, opts, &state, progress)?;
    let corpus = store.doc_freq();
    let http_cache = read_sources(&mut sink, sources, opts, analyzer, &corpus, Some(&state))?;
    let mut report = sink.finish()?;
    // Only now are the articles the cache vouches for committed.
    if let Some(cache) = http_cache {
        if let Err(e) = cache.save(store.path()) {
            tracing::warn!(error = %e, "cannot save the HTTP cache; the next run re-fetches what this one fetched");
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Where the articles of a run go: the index ([`Sink`]), or a stream of records (`prepare`).
pub(crate) trait Destination {
    /// What ends a run: the index, or the output, failing.
    type Error;
    /// Takes one article; `Ok(false)` when this one article was refused (recorded as a
    /// failure), `Err` when the run must end. `file` is the state key and stamp of a local file.
    fn accept(
        &mut self,
        article: Article,
        location: String,
        file: Option<(String, state::Stamp)>,
    ) -> Result<bool, Self::Error>;
    /// A source found unchanged since the last run (only with an index).
    fn unchanged(&mut self, location: &str, id: Option<ArticleId>);
    fn fail(&mut self, failure: Failure);
    /// The index folder, whose HTTP cache makes re-fetches conditional; `None` for none.
    fn index_path(&self) -> Option<&Path>;
}

/// Reads `sources` into `dest`: files and folders first, in order (WARC files record by
/// record), then URLs, concurrently. With a file `state`, files whose stamp did not change are
/// skipped. Returns the HTTP cache to save once the articles are durable, when URLs were read.
fn read_sources<D: Destination>(
    dest: &mut D,
    sources: &[SourceSpec],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn crate::analyze::DocFreq + Sync),
    state: Option<&std::sync::RwLock<FileState>>,
) -> Result<Option<crate::fetch::HttpCache>, D::Error> {
    let (mut paths, mut urls) = (Vec::new(), Vec::new());
    for source in sources {
        match source {
            SourceSpec::Path(p) => paths.push(p.clone()),
            SourceSpec::Url(u) => urls.push(u.clone()),
        }
    }

    let (files, discovery_errors) = source::discover_kinds(&paths);
    tracing::info!(files = files.len(), urls = urls.len(), problems = discovery_errors.len(), "sources");
    Counters::add(&opts.counters.found, files.len() + urls.len());
    for e in discovery_errors {
        dest.fail(Failure::new(e.path().display().to_string(), Stage::Read, e.to_string()));
    }
    let (mut articles, mut archives, mut record_files) = (Vec::new(), Vec::new(), Vec::new());
    for (file, kind) in files {
        match kind {
            source::FileKind::Article => articles.push(file),
            source::FileKind::Warc => archives.push(file),
            source::FileKind::Records => record_files.push(file),
        }
    }
    let files = articles;

    let prepare = |path: &PathBuf| -> Result<Prepared, Failure> {
        // A read failure names the file by its absolute path, as the other outcomes do. The
        // file itself is read by the path it was found as: `key` is lossy for a name that is
        // not UTF-8.
        let key = FileState::key(path);
        let read_failure = |e: source::SourceError| {
            Failure::new(&key, Stage::Read, e.naming(PathBuf::from(&key)).to_string())
        };
        let meta = std::fs::metadata(path)
            .map_err(|error| read_failure(source::SourceError::Io { path: path.clone(), error }))?;
        let stamp = state::Stamp::of(&meta);
        if let (Some(state), false) = (state, opts.force) {
            let known = state.read().unwrap_or_else(|e| e.into_inner());
            if let Some(id) = known.unchanged(&key, stamp) {
                return Ok(Prepared::Skipped { location: key.clone(), id });
            }
        }
        let raw = source::read_file(path, opts.max_file_bytes).map_err(read_failure)?;
        let location = raw.source.location.clone();
        let article = catching(&location, Stage::Parse, || {
            build_article(raw, &opts.parse, analyzer, corpus, Utc::now())
                .map_err(|e| Failure::new(&location, Stage::Parse, e.to_string()))
        })?;
        Counters::add(&opts.counters.parsed, 1);
        Ok(Prepared::Article(Box::new(article), key, stamp))
    };
    let mut result = Ok(());
    in_order_parallel(&files, worker_count(opts.threads), prepare, |prepared| {
        let step = match prepared {
            Ok(Prepared::Article(article, key, stamp)) => {
                let location = article.source.location.clone();
                dest.accept(*article, location, state.map(|_| (key, stamp))).map(drop)
            }
            Ok(Prepared::Skipped { location, id }) => {
                dest.unchanged(&location, Some(id));
                Ok(())
            }
            Err(failure) => {
                dest.fail(failure);
                Ok(())
            }
        };
        result = step;
        result.is_ok()
    });
    result?;
    for archive in &archives {
        warc_pages(dest, archive, &archive.display().to_string(), opts, analyzer, corpus)?;
    }
    let (warc_urls, urls): (Vec<String>, Vec<String>) =
        urls.into_iter().partition(|u| crate::warc::is_warc_url(u));
    for url in &warc_urls {
        match download_warc(url, opts) {
            Ok(file) => warc_pages(dest, file.path(), url, opts, analyzer, corpus)?,
            Err(failure) => dest.fail(failure),
        }
    }
    for file in &record_files {
        records::load(dest, file, opts, analyzer, corpus)?;
    }

    match urls.is_empty() {
        true => Ok(None),
        false => Ok(Some(web::ingest_urls(dest, &urls, opts, analyzer, corpus)?)),
    }
}

/// The web pages of one WARC file, read record by record and prepared a chunk at a time on
/// all cores: memory holds one chunk of pages, however large the file.
fn warc_pages<D: Destination>(
    dest: &mut D,
    path: &Path,
    shown: &str,
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn crate::analyze::DocFreq + Sync),
) -> Result<(), D::Error> {
    const CHUNK: usize = 256;
    let mut chunk: Vec<Result<crate::warc::Page, Failure>> = Vec::with_capacity(CHUNK);
    let mut result = Ok(());
    let read = crate::warc::read(path, shown, opts.max_file_bytes, &mut |page| {
        chunk.push(page.map_err(|e| Failure::new(e.location(), Stage::Read, e.to_string())));
        if chunk.len() == CHUNK {
            result = warc_chunk(dest, std::mem::take(&mut chunk), opts, analyzer, corpus);
        }
        result.is_ok()
    });
    result?;
    if let Err(e) = read {
        chunk.push(Err(Failure::new(shown, Stage::Read, e.to_string())));
    }
    warc_chunk(dest, chunk, opts, analyzer, corpus)
}

/// Downloads the WARC file at `url` into a temporary file (removed when dropped).
fn download_warc(url: &str, opts: &IngestOptions) -> Result<tempfile::NamedTempFile, Failure> {
    let checked = crate::fetch::Fetcher::check_url(url).map_err(|e| Failure::fetch(url, &e))?;
    let failed = |message: String| Failure::new(url, Stage::Fetch, format!("{url}: {message}"));
    let mut file =
        tempfile::NamedTempFile::new().map_err(|e| failed(format!("cannot make a temporary file: {e}")))?;
    let fetcher = crate::fetch::Fetcher::new(opts.fetch.clone()).map_err(|e| Failure::fetch(url, &e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed(format!("cannot start the fetch runtime: {e}")))?;
    let bytes = runtime
        .block_on(fetcher.download(&checked, file.as_file_mut(), crate::warc::MAX_DOWNLOAD_BYTES))
        .map_err(|e| Failure::fetch(url, &e))?;
    Counters::add(&opts.counters.fetched, 1);
    tracing::info!(%url, bytes, "downloaded a WARC file");
    Ok(file)
}

/// Builds the articles of `pages` on all cores and hands them to `dest` in order.
fn warc_chunk<D: Destination>(
    dest: &mut D,
    pages: Vec<Result<crate::warc::Page, Failure>>,
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn crate::analyze::DocFreq + Sync),
) -> Result<(), D::Error> {
    Counters::add(&opts.counters.found, pages.len());
    let mut result = Ok(());
    in_order_parallel(
        &pages,
        worker_count(opts.threads),
        |page| -> Result<Article, Failure> {
            let page = page.as_ref().map_err(Clone::clone)?;
            catching(&page.location, Stage::Parse, || {
                page.article(&opts.parse, analyzer, corpus, Utc::now()).map_err(|e| {
                    Failure::new(&page.location, Stage::Parse, format!("{}: {}", page.location, e.kind))
                })
            })
        },
        |built| {
            let step = match built {
                Ok(article) => {
                    Counters::add(&opts.counters.parsed, 1);
                    let location = article.source.location.clone();
                    dest.accept(article, location, None).map(drop)
                }
                Err(failure) => {
                    dest.fail(failure);
                    Ok(())
                }
            };
            result = step;
            result.is_ok()
        },
    );
    result
}

/// A file after preparation.
enum Prepared {
    /// With the key and stamp to record once it is committed.
    Article(Box<Article>, String, state::Stamp),
    /// Same size and modification time as when it went in: not read.
    Skipped { location: String, id: ArticleId },
}

/// The single writer's side of a run: duplicate decisions, upserts, commits, counts.
struct Sink<'s, 'p> {
    store: &'s Store,
    /// File stamps, shared with the workers that read them; updated at commits.
    state: &'s std::sync::RwLock<FileState>,
    /// Stamps of files written since the last commit.
    pending_files: Vec<(String, state::Entry)>,
    last_commit: Instant,
    commit_interval: Duration,
    writer: StoreWriter<'s>,
    register: Register,
    /// Articles to write at the next commit, in the order they came, each with where it came
    /// from: written once in its final state, however often the batch relinks it.
    pending: indexmap::IndexMap<ArticleId, (Article, String)>,
    /// Articles written in this run whose latest version repeats an earlier one.
    duplicates: std::collections::HashSet<ArticleId>,
    since_commit: usize,
    commit_every: usize,
    counters: Arc<Counters>,
    report: IngestReport,
    progress: &'p mut dyn FnMut(Event<'_>),
}

impl Destination for Sink<'_, '_> {
    type Error = IndexError;

    fn accept(
        &mut self,
        article: Article,
        location: String,
        file: Option<(String, state::Stamp)>,
    ) -> Result<bool, IndexError> {
        Sink::accept(self, article, location, file)
    }

    fn unchanged(&mut self, location: &str, id: Option<ArticleId>) {
        Sink::unchanged(self, location, id)
    }

    fn fail(&mut self, failure: Failure) {
        Sink::fail(self, failure)
    }

    fn index_path(&self) -> Option<&Path> {
        Some(self.store.path())
    }
}

impl<'s, 'p> Sink<'s, 'p> {
    fn new(
        store: &'s Store,
        writer: StoreWriter<'s>,
        opts: &IngestOptions,
        state: &'s std::sync::RwLock<FileState>,
        progress: &'p mut dyn FnMut(Event<'_>),
    ) -> Result<Self, IndexError> {
        Ok(Sink {
            store,
            state,
            pending_files: Vec::new(),
            last_commit: Instant::now(),
            commit_interval: opts.commit_interval,
            writer,
            register: store.duplicate_register()?,
            pending: Default::default(),
            duplicates: Default::default(),
            since_commit: 0,
            commit_every: opts.commit_every.max(1),
            counters: opts.counters.clone(),
            report: IngestReport::default(),
            progress,
        })
    }

    fn fail(&mut self, failure: Failure) {
        self.report.failed += 1;
        Counters::add(&self.counters.failed, 1);
        (self.progress)(Event::Failed(&failure));
        self.report.failures.push(failure);
    }

    /// A source that was not even parsed because it has not changed (same file stamp, a 304,
    /// the same body).
    fn unchanged(&mut self, location: &str, id: Option<ArticleId>) {
        self.report.unchanged += 1;
        Counters::add(&self.counters.indexed, 1);
        tracing::debug!(source = location, "unchanged");
        (self.progress)(Event::Done { location, id, outcome: Upsert::Unchanged });
    }

    /// Decides the article's duplicate link and queues it for the next commit; `location` is
    /// the source as the user knows it (a path, a URL, a feed item's link). `Ok(false)` when
    /// the index refused this one article (recorded as a failure); `Err` when a commit failed
    /// and the run must end. `file` is the state key and stamp of a local file, recorded once
    /// the article is committed.
    ///
    /// Articles are written at commits, not as they come, so that one the batch relinks to an
    /// original that came after it is written once, in its final state.
    fn accept(
        &mut self,
        mut article: Article,
        location: String,
        file: Option<(String, state::Stamp)>,
    ) -> Result<bool, IndexError> {
        let published = article.published_at.map(|t| t.timestamp());
        let probe = Probe { id: article.id, simhash: article.simhash, published, text: Some(&article.text) };
        let (pending, store) = (&self.pending, self.store);
        // The texts of candidates: this article's own (it may be the original of a copy being
        // decided again), those of this batch, then the committed ones.
        let (original, relinked) = self.register.decide(probe, |id| match pending.get(&id) {
            _ if id == article.id => Some(article.text.clone()),
            Some((a, _)) => Some(a.text.clone()),
            None => store.get(id).ok().flatten().map(|a| a.text),
        });
        article.duplicate_of = original;
        // Judged against this batch's copy of the same id, else the committed one.
        let judged = match self.pending.get(&article.id) {
            Some((queued, _)) if queued.fingerprint() == article.fingerprint() => Ok(Upsert::Unchanged),
            Some(_) => Ok(Upsert::Updated),
            None => self.writer.judge(&article),
        };
        let accepted = match judged {
            Ok(outcome) => {
                match outcome {
                    Upsert::New => self.report.new += 1,
                    Upsert::Updated => self.report.updated += 1,
                    Upsert::Unchanged => self.report.unchanged += 1,
                }
                Counters::add(&self.counters.indexed, 1);
                tracing::debug!(
                    source = %location, id = %article.id, ?outcome,
                    duplicate_of = article.duplicate_of.map(tracing::field::display),
                    "ingested"
                );
                (self.progress)(Event::Done { location: &location, id: Some(article.id), outcome });
                if let Some((key, stamp)) = file {
                    self.pending_files.push((key, state::Entry { stamp, id: article.id }));
                }
                if outcome != Upsert::Unchanged {
                    self.since_commit += 1;
                    self.pending.insert(article.id, (article, location));
                }
                true
            }
            Err(e) => {
                let message = format!("{location}: {e}");
                self.fail(Failure::new(location, Stage::Index, message));
                false
            }
        };
        // Copies are relinked only to an original that goes in.
        if accepted {
            for (id, original) in relinked {
                self.relink(id, original);
            }
        }
        let overdue = self.since_commit > 0 && self.last_commit.elapsed() >= self.commit_interval;
        if self.since_commit >= self.commit_every || overdue {
            self.commit()?;
        }
        Ok(accepted)
    }

    /// Gives a queued or committed article the original the register now gives it (its
    /// original came after it); it is written at the next commit.
    fn relink(&mut self, id: ArticleId, original: Option<ArticleId>) {
        tracing::debug!(%id, duplicate_of = original.map(tracing::field::display), "relinked");
        if let Some((queued, _)) = self.pending.get_mut(&id) {
            queued.duplicate_of = original;
            return;
        }
        match self.store.get(id) {
            Ok(Some(mut article)) => {
                article.duplicate_of = original;
                let location = article.source.location.clone();
                self.since_commit += 1;
                self.pending.insert(id, (article, location));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, %id, "cannot read an article to relink it to its original"),
        }
    }

    /// Writes the queued articles and commits them.
    fn commit(&mut self) -> Result<(), IndexError> {
        tracing::info!(articles = self.since_commit, "committing");
        for (id, (article, location)) in std::mem::take(&mut self.pending) {
            match self.writer.upsert(&article) {
                Ok(_) => {
                    match article.duplicate_of {
                        Some(_) => self.duplicates.insert(id),
                        None => self.duplicates.remove(&id),
                    };
                }
                Err(e) => {
                    let message = format!("{location}: {e}");
                    self.fail(Failure::new(location, Stage::Index, message));
                }
            }
        }
        self.writer.commit()?;
        self.since_commit = 0;
        self.last_commit = Instant::now();
        // Only now do the stamps vouch for committed articles.
        if !self.pending_files.is_empty() {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            for (key, entry) in self.pending_files.drain(..) {
                state.insert(key, entry);
            }
            if let Err(e) = state.save(self.store.path()) {
                tracing::warn!(error = %e, "cannot save {}; the next run reads these files again", FileState::FILE);
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<IngestReport, IndexError> {
        self.commit()?;
        self.report.duplicates = self.duplicates.len();
        Ok(self.report)
    }
}

/// Threads that prepare articles: as many as asked for, else one per core, within reason.
fn worker_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8),
        n => n,
    }
}

/// A caught panic as the failure of the source at `location`: hostile input must fail that
/// one source, not the run.
fn panic_failure(location: &str, stage: Stage, panic: &(dyn std::any::Any + Send)) -> Failure {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    let message = format!("{location}: internal error: {what} (please report this)");
    Failure::new(location, stage, message)
}

/// Runs `work` for the source at `location`, a panic in it becoming its failure at `stage`.
fn catching<T>(
    location: &str,
    stage: Stage,
    work: impl FnOnce() -> Result<T, Failure>,
) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|panic| Err(panic_failure(location, stage, &*panic)))
}

/// How far workers may run ahead of the consumer, in items: bounds the memory held by
/// finished-but-not-yet-consumed articles whatever the batch size.
const WINDOW: usize = 64;

/// Runs `prepare` over `items` on all cores and hands the results to `consume` one by one in
/// the items' order (so duplicate detection and ids see a deterministic sequence). `consume`
/// returns `false` to stop early.
fn in_order_parallel<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    prepare: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> bool,
) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};

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
///
/// Duplicates come first, from the stored fingerprints alone (a SimHash depends only on the
/// text, which reanalysis does not change); a record is read there only when a far candidate's
/// text must confirm it. Then each record is read once, analysed and rewritten.
pub fn reanalyze(store: &Store, analyzer: &Analyzer) -> Result<ReanalyzeReport, IndexError> {
    let started = Instant::now();
    let corpus = store.doc_freq();
    let mut prints = Vec::new();
    store.for_each_fingerprint(|f| prints.push(f))?;
    // In the register's own order (publication, then id), nothing decided is ever revised.
    prints.sort_by_key(|f| (f.published.is_none(), f.published, f.id));
    let mut register = Register::default();
    let mut originals: HashMap<ArticleId, ArticleId> = HashMap::new();
    for f in &prints {
        let probe = Probe { id: f.id, simhash: f.simhash, published: f.published, text: None };
        let (original, revised) = register.decide(probe, |id| store.get(id).ok().flatten().map(|a| a.text));
        debug_assert!(revised.is_empty(), "decided in order");
        if let Some(original) = original {
            originals.insert(f.id, original);
        }
    }
    let mut report = ReanalyzeReport {
        articles: store.num_articles() as usize,
        duplicates: originals.len(),
        ..Default::default()
    };
    let mut writer = store.writer()?;
    store.for_each_article(|mut a| -> Result<(), IndexError> {
        let analysis = analyzer.analyze(&a.title, &a.text, &corpus);
        crate::pipeline::apply_analysis(&mut a, analysis);
        a.duplicate_of = originals.remove(&a.id);
        if writer.rewrite(&a)? != Upsert::Unchanged {
            report.changed += 1;
        }
        Ok(())
    })?;
    writer.commit()?;
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
            4,
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
            2,
            |&i| i,
            |_| {
                n += 1;
                n < 10
            },
        );
        assert_eq!(n, 10);
    }
}
