//! URLs into the writer: fetching, preparing and writing overlap, with bounded queues between.
//!
//! ```text
//!  tokio runtime (fetch thread)      preparation workers (all cores)     writer (caller's thread)
//!  URL tasks ── bounded queue ──► decode, parse, clean, analyse ── bounded queue ──► Sink
//!  feed task → item-page tasks (--follow-links)
//! ```
//!
//! Memory is bounded whatever the length of the list or the fan-out of feeds: a fetch task
//! holds one of [`slots`](Context::slots) (4 × `--jobs`) from before its request until its body
//! has been handed on, and both queues hold a fixed number of documents. A slow writer slows
//! the fetching rather than piling up bodies. A feed task gives its slot back once the feed is
//! parsed, before its item pages take theirs, so feeds cannot starve their own items.
//!
//! Panics on hostile input, in a preparation worker or a fetch task, become failures of that
//! one source. If the writer stops (a commit failed), the work queue is closed, fetch tasks
//! are aborted and the workers wind down.
//!
//! A feed's cache entry is recorded only when every item of it went in, so a feed with a
//! failed item is fetched in full again next time; it also remembers whether the feed was read
//! with `--follow-links`, and is not used when the mode changed.
//!
//! Not here: HTTP itself ([`crate::fetch`]), what a body is ([`crate::web`]), duplicate
//! decisions and commits (the sink in `ingest`).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use url::Url;

use super::{catching, panic_failure, worker_count, Counters, Destination, Failure, IngestOptions, Stage};
use crate::analyze::{Analyzer, DocFreq};
use crate::article::{Article, SourceKind, SourceRef};
use crate::fetch::{body_hash, Body, CacheEntry, Fetcher, HttpCache, Outcome};
use crate::parse::{self, BodyFormat, ParseError, ParsedDocument};
use crate::pipeline::{build_from_parsed, refuse_deep_nesting};
use crate::source::RawDocument;
use crate::web::{self, feed, Kind};

/// Documents waiting between two stages, per queue.
const QUEUE: usize = 64;

/// A document still to be prepared.
enum Doc {
    /// A front-matter file (or bare Markdown/HTML) served over HTTP, and the format its
    /// content type declares.
    File {
        body: Body,
        format: BodyFormat,
    },
    Page {
        body: Body,
    },
    Item(ParsedDocument),
    /// A feed item's page (`--follow-links`); the item fills in what the page does not say.
    ItemPage {
        body: Body,
        item: ParsedDocument,
    },
}

/// A cache entry to record once its source went in: (key, entry).
type CacheUpdate = (String, CacheEntry);

/// What the fetch side hands on.
enum Work {
    Document {
        location: String,
        doc: Box<Doc>,
        cache: Option<CacheUpdate>,
        feed: Option<Arc<str>>,
    },
    Unchanged {
        location: String,
        cache: Option<CacheUpdate>,
        feed: Option<Arc<str>>,
    },
    Failed {
        failure: Failure,
        feed: Option<Arc<str>>,
    },
    /// All of a feed's items have been handed on.
    FeedDone {
        feed: Arc<str>,
        items: usize,
        entry: CacheUpdate,
    },
}

/// What the writer receives.
enum Ready {
    Article { article: Box<Article>, location: String, cache: Option<CacheUpdate>, feed: Option<Arc<str>> },
    Other(Work),
}

struct Context {
    fetcher: Fetcher,
    /// What earlier runs recorded; read-only during the run.
    cache: Arc<HttpCache>,
    follow_links: bool,
    /// `--force`: no conditional requests, no skipping by body hash.
    force: bool,
    counters: Arc<Counters>,
    /// Bodies fetched and not yet handed on, or being fetched (see the module doc).
    slots: Arc<Semaphore>,
}

/// Fetches `urls` and writes what they hold through `sink`. Returns the HTTP cache with the
/// entries of everything that went in, for the caller to save after the final commit.
pub(super) fn ingest_urls<D: Destination>(
    sink: &mut D,
    urls: &[String],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn DocFreq + Sync),
) -> Result<HttpCache, D::Error> {
    let mut checked = Vec::with_capacity(urls.len());
    for u in urls {
        match Fetcher::check_url(u) {
            Ok(url) => checked.push((u.clone(), url)),
            Err(e) => sink.fail(Failure::fetch(u, &e)),
        }
    }
    let cache = Arc::new(sink.index_path().map(HttpCache::load).unwrap_or_default());
    let setup = Fetcher::new(opts.fetch.clone()).map_err(|e| e.to_string()).and_then(|fetcher| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the fetch runtime: {e}"))?;
        Ok((fetcher, runtime))
    });
    let (fetcher, runtime) = match setup {
        _ if checked.is_empty() => return Ok(take(cache)),
        Ok(x) => x,
        Err(message) => {
            for (u, _) in checked {
                let message = format!("{u}: cannot set up the HTTP client: {message}");
                sink.fail(Failure::new(u, Stage::Fetch, message));
            }
            return Ok(take(cache));
        }
    };
    let ctx = Arc::new(Context {
        slots: Arc::new(Semaphore::new(fetcher.options().jobs.max(1) * 4)),
        fetcher,
        cache: cache.clone(),
        follow_links: opts.follow_links,
        force: opts.force,
        counters: opts.counters.clone(),
    });
    let mut updates: Vec<CacheUpdate> = Vec::new();
    let mut feeds: HashMap<Arc<str>, Tally> = HashMap::new();
    let mut result = Ok(());

    let (work_tx, work_rx) = async_channel::bounded::<Work>(QUEUE);
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Ready>(QUEUE);
    std::thread::scope(|scope| {
        let (fetch_ctx, runtime) = (ctx.clone(), &runtime);
        scope.spawn(move || runtime.block_on(dispatch(fetch_ctx, checked, work_tx)));
        for _ in 0..worker_count(opts.threads) {
            let (ready_tx, work_rx, counters) = (ready_tx.clone(), work_rx.clone(), &ctx.counters);
            scope.spawn(move || {
                while let Ok(work) = work_rx.recv_blocking() {
                    let ready = prepare(work, opts, analyzer, corpus, counters);
                    if ready_tx.send(ready).is_err() {
                        break;
                    }
                }
                // The writer stopped: make the fetch side stop too.
                work_rx.close();
            });
        }
        drop(ready_tx);
        for ready in &ready_rx {
            if let Err(e) = write(sink, ready, &mut updates, &mut feeds) {
                result = Err(e);
                break;
            }
        }
        work_rx.close();
        drop(ready_rx);
    });
    result?;
    drop(ctx);
    let mut cache = take(cache);
    for (url, entry) in updates {
        cache.insert(url, entry);
    }
    Ok(cache)
}

/// The cache back from its `Arc` once the run's tasks are gone (a copy if one were not).
fn take(cache: Arc<HttpCache>) -> HttpCache {
    Arc::try_unwrap(cache).unwrap_or_else(|shared| (*shared).clone())
}

/// How a feed's items fared so far.
#[derive(Default)]
struct Tally {
    expected: Option<usize>,
    seen: usize,
    failed: bool,
    entry: Option<CacheUpdate>,
}

fn write<D: Destination>(
    sink: &mut D,
    ready: Ready,
    updates: &mut Vec<CacheUpdate>,
    feeds: &mut HashMap<Arc<str>, Tally>,
) -> Result<(), D::Error> {
    let (feed, ok) = match ready {
        Ready::Article { article, location, cache, feed } => {
            let ok = sink.accept(*article, location, None)?;
            updates.extend(cache.filter(|_| ok));
            (feed, ok)
        }
        Ready::Other(Work::Unchanged { location, cache, feed }) => {
            sink.unchanged(&location, None);
            updates.extend(cache);
            (feed, true)
        }
        Ready::Other(Work::Failed { failure, feed }) => {
            sink.fail(failure);
            (feed, false)
        }
        Ready::Other(Work::FeedDone { feed, items, entry }) => {
            let tally = feeds.entry(feed.clone()).or_default();
            tally.expected = Some(items);
            tally.entry = Some(entry);
            settle(feeds, &feed, updates);
            return Ok(());
        }
        Ready::Other(Work::Document { .. }) => unreachable!("documents are prepared before the writer"),
    };
    if let Some(feed) = feed {
        let tally = feeds.entry(feed.clone()).or_default();
        tally.seen += 1;
        tally.failed |= !ok;
        settle(feeds, &feed, updates);
    }
    Ok(())
}

/// Records a feed's cache entry once all its items are in, and none failed.
fn settle(feeds: &mut HashMap<Arc<str>, Tally>, feed: &Arc<str>, updates: &mut Vec<CacheUpdate>) {
    if feeds.get(feed).is_some_and(|t| t.expected == Some(t.seen)) {
        if let Some(Tally { failed: false, entry: Some(entry), .. }) = feeds.remove(feed) {
            updates.push(entry);
        }
    }
}

/// Parse, clean and analyse one document (on a worker thread). A panic on hostile input is
/// this document's failure, not the run's.
fn prepare(
    work: Work,
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn DocFreq + Sync),
    counters: &Counters,
) -> Ready {
    let Work::Document { location, doc, cache, feed } = work else { return Ready::Other(work) };
    let built = catching(&location, Stage::Parse, || {
        let parsed = match *doc {
            Doc::File { body, format } => {
                let raw = RawDocument {
                    source: SourceRef { kind: SourceKind::Url, location: body.url.to_string() },
                    format,
                    text: decode(&body),
                };
                parse::parse(raw, &opts.parse)
            }
            Doc::Page { body } => page(&body, opts).map(|mut page| {
                page.front.url.get_or_insert_with(|| body.url.to_string());
                page
            }),
            Doc::Item(item) => Ok(item),
            Doc::ItemPage { body, item } => page(&body, opts).map(|page| merge(page, item, &body.url)),
        };
        parsed
            .and_then(|doc| build_from_parsed(doc, &opts.parse, analyzer, corpus, Utc::now()))
            .map_err(|e| parse_failure(&location, e.kind))
    });
    match built {
        Ok(article) => {
            Counters::add(&counters.parsed, 1);
            Ready::Article { article: Box::new(article), location, cache, feed }
        }
        Err(failure) => Ready::Other(Work::Failed { failure, feed }),
    }
}

fn decode(body: &Body) -> String {
    crate::charset::decode(&body.bytes, body.content_type.as_deref().and_then(crate::charset::charset_param))
        .text
}

/// A page's document; `url` is only what the page itself declares. Pages nested beyond
/// [`clean::MAX_NESTING`](crate::clean::MAX_NESTING) are refused before they are parsed.
fn page(body: &Body, opts: &IngestOptions) -> Result<ParsedDocument, ParseError> {
    let text = decode(body);
    refuse_deep_nesting(&text, body.url.as_str())?;
    Ok(web::page::document(&text, &body.url, &opts.parse))
}

/// A feed item's page, with the item's metadata where the page has none, and the item's body
/// if the page yields no content. The URL (and so the id) is the page's canonical one, else the
/// feed's link, else where the page was fetched from: the feed's link is what the same story
/// has as an id when read without `--follow-links`.
fn merge(mut page: ParsedDocument, item: ParsedDocument, fetched_from: &Url) -> ParsedDocument {
    let (f, i) = (&mut page.front, item.front);
    f.title = f.title.take().or(i.title);
    f.author = f.author.take().or(i.author);
    f.published_at = f.published_at.or(i.published_at);
    if f.categories.is_empty() {
        f.categories = i.categories;
    }
    f.lead_image = f.lead_image.take().or(i.lead_image);
    f.lang = f.lang.take().or(i.lang);
    f.url = f.url.take().or(i.url).or_else(|| Some(fetched_from.to_string()));
    if page.body.trim().is_empty() {
        page.body = item.body;
    }
    page
}

/// Spawns a fetch task per URL (each holding a slot), then waits for them all.
async fn dispatch(ctx: Arc<Context>, urls: Vec<(String, Url)>, tx: async_channel::Sender<Work>) {
    let mut tasks = JoinSet::new();
    for (location, url) in urls {
        let Ok(slot) = ctx.slots.clone().acquire_owned().await else { break };
        if tx.is_closed() {
            break;
        }
        let task = fetch_source(ctx.clone(), location.clone(), url, tx.clone(), slot);
        tasks.spawn(guarded(task, location, None, tx.clone()));
        while tasks.try_join_next().is_some() {}
    }
    drain(&mut tasks, &tx).await;
}

/// Waits for `tasks`, aborting them if the writer side has gone away.
async fn drain(tasks: &mut JoinSet<()>, tx: &async_channel::Sender<Work>) {
    while !tasks.is_empty() {
        if tx.is_closed() {
            tasks.abort_all();
        }
        tokio::select! {
            _ = tasks.join_next() => {}
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// Runs a fetch task so that a panic in it becomes a failure of its source.
async fn guarded(
    task: impl std::future::Future<Output = ()>,
    location: String,
    feed: Option<Arc<str>>,
    tx: async_channel::Sender<Work>,
) {
    if let Err(panic) = AssertUnwindSafe(task).catch_unwind().await {
        let failure = panic_failure(&location, Stage::Fetch, &*panic);
        let _ = tx.send(Work::Failed { failure, feed }).await;
    }
}

/// What a fetch came to, before the body is looked at.
enum Fetched {
    Body(Body, CacheEntry),
    /// A 304, or the same bytes as last time; with the entry to record if validators changed.
    Unchanged(Option<CacheEntry>),
    Failed(Failure),
}

async fn fetch(ctx: &Context, location: &str, url: &Url) -> Fetched {
    let cached = ctx
        .cache
        .get(location)
        .filter(|c| !ctx.force && c.feed_follow_links.is_none_or(|f| f == ctx.follow_links));
    match ctx.fetcher.get(url, cached.map(|c| &c.validators)).await {
        Err(e) => Fetched::Failed(Failure::fetch(location, &e)),
        Ok(Outcome::NotModified) => {
            Counters::add(&ctx.counters.fetched, 1);
            Fetched::Unchanged(None)
        }
        Ok(Outcome::Body(body)) => {
            Counters::add(&ctx.counters.fetched, 1);
            let mut entry = CacheEntry {
                validators: body.validators.clone(),
                body_hash: body_hash(&body.bytes),
                feed_follow_links: None,
            };
            match cached {
                Some(c) if c.body_hash == entry.body_hash => {
                    entry.feed_follow_links = c.feed_follow_links;
                    Fetched::Unchanged(Some(entry).filter(|e| e != c))
                }
                _ => Fetched::Body(body, entry),
            }
        }
    }
}

/// Fetches `url` and tells what its body is; `Err` is the work to hand on when there is no new
/// body to look at (unchanged, or failed, as part of `feed` if any).
async fn fetch_and_classify(
    ctx: &Context,
    location: &str,
    url: &Url,
    feed: &Option<Arc<str>>,
) -> Result<(Body, CacheEntry, Kind), Work> {
    match fetch(ctx, location, url).await {
        Fetched::Unchanged(entry) => {
            let cache = entry.map(|e| (location.to_string(), e));
            Err(Work::Unchanged { location: location.to_string(), cache, feed: feed.clone() })
        }
        Fetched::Failed(failure) => Err(Work::Failed { failure, feed: feed.clone() }),
        Fetched::Body(body, entry) => match web::classify(body.content_type.as_deref(), &body.bytes) {
            Ok(kind) => Ok((body, entry, kind)),
            Err(e) => Err(Work::Failed { failure: parse_failure(location, e), feed: feed.clone() }),
        },
    }
}

fn parse_failure(location: &str, message: impl std::fmt::Display) -> Failure {
    Failure::new(location, Stage::Parse, format!("{location}: {message}"))
}

/// One URL the user named: a file, a page or a feed.
async fn fetch_source(
    ctx: Arc<Context>,
    location: String,
    url: Url,
    tx: async_channel::Sender<Work>,
    slot: OwnedSemaphorePermit,
) {
    let work = match fetch_and_classify(&ctx, &location, &url, &None).await {
        Err(work) => work,
        Ok((body, entry, Kind::Feed)) => return feed_items(ctx, location, body, entry, tx, slot).await,
        Ok((body, entry, kind)) => document(location, body, kind, entry, None),
    };
    let _ = tx.send(work).await;
    drop(slot);
}

/// The work for a fetched file or page (`kind` is not a feed).
fn document(location: String, body: Body, kind: Kind, entry: CacheEntry, feed: Option<Arc<str>>) -> Work {
    let doc = match kind {
        Kind::File { html: true } => Doc::File { body, format: BodyFormat::Html },
        Kind::File { html: false } => Doc::File { body, format: BodyFormat::Markdown },
        _ => Doc::Page { body },
    };
    let cache = Some((location.clone(), entry));
    Work::Document { location, doc: Box::new(doc), cache, feed }
}

/// A feed: its items are handed on (or their pages fetched), then a `FeedDone`.
async fn feed_items(
    ctx: Arc<Context>,
    location: String,
    body: Body,
    mut entry: CacheEntry,
    tx: async_channel::Sender<Work>,
    slot: OwnedSemaphorePermit,
) {
    // Decoding and XML parsing are CPU work: off the runtime's two threads.
    let at = location.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        catching(&at, Stage::Parse, || {
            feed::items(&decode(&body), &body.url).map_err(|e| parse_failure(&at, e))
        })
    })
    .await
    .unwrap_or_else(|e| Err(parse_failure(&location, format!("internal error: {e}"))));
    drop(slot);
    let items = match parsed {
        Ok(items) => items,
        Err(failure) => {
            let _ = tx.send(Work::Failed { failure, feed: None }).await;
            return;
        }
    };
    // The feed's own place among the sources known is taken by its items.
    match items.len() {
        0 => {
            ctx.counters.found.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        n => Counters::add(&ctx.counters.found, n - 1),
    }
    let feed: Arc<str> = location.as_str().into();
    let count = items.len();
    let mut pages = JoinSet::new();
    for item in items {
        if tx.is_closed() {
            pages.abort_all();
            return;
        }
        match item.link.filter(|_| ctx.follow_links) {
            Some(link) => {
                let Ok(slot) = ctx.slots.clone().acquire_owned().await else { return };
                let task = item_page(ctx.clone(), link.clone(), item.doc, feed.clone(), tx.clone(), slot);
                pages.spawn(guarded(task, link.to_string(), Some(feed.clone()), tx.clone()));
                while pages.try_join_next().is_some() {}
            }
            None => {
                let location = item.doc.front.url.clone().unwrap_or_else(|| item.doc.source.location.clone());
                let doc = Box::new(Doc::Item(item.doc));
                if tx
                    .send(Work::Document { location, doc, cache: None, feed: Some(feed.clone()) })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    }
    drain(&mut pages, &tx).await;
    entry.feed_follow_links = Some(ctx.follow_links);
    let _ = tx.send(Work::FeedDone { feed, items: count, entry: (location, entry) }).await;
}

/// `--follow-links`: the page behind a feed item.
async fn item_page(
    ctx: Arc<Context>,
    link: Url,
    item: ParsedDocument,
    feed: Arc<str>,
    tx: async_channel::Sender<Work>,
    slot: OwnedSemaphorePermit,
) {
    let location = link.to_string();
    let feed = Some(feed);
    let work = match fetch_and_classify(&ctx, &location, &link, &feed).await {
        Err(work) => work,
        Ok((body, entry, Kind::Page)) => {
            let cache = Some((location.clone(), entry));
            Work::Document { location, doc: Box::new(Doc::ItemPage { body, item }), cache, feed }
        }
        Ok((_, _, Kind::Feed)) => {
            Work::Failed { failure: parse_failure(&location, "the item's link is a feed, not a page"), feed }
        }
        Ok((body, entry, kind)) => document(location, body, kind, entry, feed),
    };
    let _ = tx.send(work).await;
    drop(slot);
}
