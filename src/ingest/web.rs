//! URLs into the writer: fetching, preparing and writing overlap, with bounded queues between.
//!
//! ```text
//!  tokio runtime (fetch thread)      preparation workers (all cores)     writer (caller's thread)
//!  URL tasks ── bounded queue ──► decode, parse, clean, analyse ── bounded queue ──► Sink
//!  feed task → item tasks (--follow-links)
//! ```
//!
//! At most a few times `--jobs` fetch tasks exist at once (the global and per-host limits
//! live in [`Fetcher`]); both queues hold a fixed number of documents. So memory stays flat
//! however long the list of URLs, and a slow writer slows the fetching rather than piling up
//! bodies.
//!
//! A feed's validators are recorded only when every item of it went in, so a feed with a
//! failed item is fetched in full again next time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::mpsc;
use url::Url;

use super::{Counters, Failure, IngestOptions, Sink, Stage};
use crate::analyze::{Analyzer, DocFreq};
use crate::article::{Article, SourceKind, SourceRef};
use crate::fetch::{body_hash, Body, CacheEntry, Fetcher, HttpCache, Outcome};
use crate::index::IndexError;
use crate::parse::{self, ParsedDocument};
use crate::pipeline::build_from_parsed;
use crate::source::RawDocument;
use crate::web::{self, feed, Kind};

/// Documents waiting between two stages, per queue.
const QUEUE: usize = 64;

/// A document still to be prepared.
enum Doc {
    /// A front-matter file (or bare Markdown/HTML) served over HTTP.
    File {
        body: Body,
        html: bool,
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

/// What the fetch side hands on.
enum Work {
    Document {
        location: String,
        doc: Box<Doc>,
        cache: Option<(String, CacheEntry)>,
        feed: Option<Arc<str>>,
    },
    Unchanged {
        location: String,
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
        entry: (String, CacheEntry),
    },
}

/// What the writer receives.
enum Ready {
    Article {
        article: Box<Article>,
        location: String,
        cache: Option<(String, CacheEntry)>,
        feed: Option<Arc<str>>,
    },
    Other(Work),
}

struct Context {
    fetcher: Fetcher,
    cache: HttpCache,
    follow_links: bool,
    counters: Arc<Counters>,
}

/// Fetches `urls` and writes what they hold through `sink`. Returns the HTTP cache with the
/// entries of everything that went in, for the caller to save after the final commit.
pub(super) fn ingest_urls(
    sink: &mut Sink<'_, '_>,
    urls: &[String],
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn DocFreq + Sync),
) -> Result<HttpCache, IndexError> {
    let mut checked = Vec::with_capacity(urls.len());
    for u in urls {
        match Fetcher::check_url(u) {
            Ok(url) => checked.push((u.clone(), url)),
            Err(e) => sink.fail(Failure { location: u.clone(), stage: Stage::Fetch, message: e.to_string() }),
        }
    }
    let cache = HttpCache::load(sink.store.path());
    if checked.is_empty() {
        return Ok(cache);
    }
    let setup = Fetcher::new(opts.fetch.clone()).map_err(|e| e.to_string()).and_then(|fetcher| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the fetch runtime: {e}"))?;
        Ok((fetcher, runtime))
    });
    let (fetcher, runtime) = match setup {
        Ok(x) => x,
        Err(message) => {
            for (u, _) in checked {
                sink.fail(Failure { location: u, stage: Stage::Fetch, message: message.clone() });
            }
            return Ok(cache);
        }
    };
    let ctx = Arc::new(Context {
        fetcher,
        cache,
        follow_links: opts.follow_links,
        counters: opts.counters.clone(),
    });
    let mut updates: Vec<(String, CacheEntry)> = Vec::new();
    let mut feeds: HashMap<Arc<str>, Tally> = HashMap::new();
    let mut result = Ok(());

    let (work_tx, work_rx) = mpsc::channel::<Work>(QUEUE);
    let work_rx = Mutex::new(work_rx);
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel::<Ready>(QUEUE);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    std::thread::scope(|scope| {
        let fetch_ctx = ctx.clone();
        let runtime = &runtime;
        scope.spawn(move || runtime.block_on(dispatch(fetch_ctx, checked, work_tx)));
        for _ in 0..workers {
            let ready_tx = ready_tx.clone();
            let (work_rx, counters) = (&work_rx, &ctx.counters);
            scope.spawn(move || loop {
                let next = work_rx.lock().unwrap_or_else(|e| e.into_inner()).blocking_recv();
                let Some(work) = next else { break };
                let ready = prepare(work, opts, analyzer, corpus, counters);
                if ready_tx.send(ready).is_err() {
                    // The writer stopped: make the fetch side stop too.
                    work_rx.lock().unwrap_or_else(|e| e.into_inner()).close();
                    break;
                }
            });
        }
        drop(ready_tx);
        for ready in &ready_rx {
            if let Err(e) = write(sink, ready, &mut updates, &mut feeds) {
                result = Err(e);
                break;
            }
        }
        drop(ready_rx);
    });
    result?;
    let mut cache = Arc::into_inner(ctx).map(|c| c.cache).unwrap_or_default();
    for (url, entry) in updates {
        cache.insert(url, entry);
    }
    Ok(cache)
}

/// How a feed's items fared so far.
#[derive(Default)]
struct Tally {
    expected: Option<usize>,
    seen: usize,
    failed: bool,
    entry: Option<(String, CacheEntry)>,
}

fn write(
    sink: &mut Sink<'_, '_>,
    ready: Ready,
    updates: &mut Vec<(String, CacheEntry)>,
    feeds: &mut HashMap<Arc<str>, Tally>,
) -> Result<(), IndexError> {
    let (feed, ok) = match ready {
        Ready::Article { article, location, cache, feed } => {
            let ok = sink.accept(*article, location)?;
            if let (true, Some(entry)) = (ok, cache) {
                updates.push(entry);
            }
            (feed, ok)
        }
        Ready::Other(Work::Unchanged { location, feed }) => {
            sink.unchanged(&location);
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
fn settle(feeds: &mut HashMap<Arc<str>, Tally>, feed: &Arc<str>, updates: &mut Vec<(String, CacheEntry)>) {
    let Some(tally) = feeds.get(feed) else { return };
    if tally.expected != Some(tally.seen) {
        return;
    }
    if let Some(tally) = feeds.remove(feed) {
        if let (false, Some(entry)) = (tally.failed, tally.entry) {
            updates.push(entry);
        }
    }
}

/// Parse, clean and analyse one document (on a worker thread).
fn prepare(
    work: Work,
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &(dyn DocFreq + Sync),
    counters: &Counters,
) -> Ready {
    let Work::Document { location, doc, cache, feed } = work else { return Ready::Other(work) };
    let parsed = match *doc {
        Doc::File { body, html } => {
            let text = crate::charset::decode(&body.bytes, content_charset(&body)).text;
            let raw = RawDocument {
                source: SourceRef { kind: SourceKind::Url, location: body.url.to_string() },
                extension: if html { "html" } else { "md" }.to_string(),
                text,
            };
            parse::parse(raw, &opts.parse)
        }
        Doc::Page { body } => Ok(page(&body, opts)),
        Doc::Item(item) => Ok(item),
        Doc::ItemPage { body, item } => Ok(merge(page(&body, opts), item)),
    };
    let article = parsed.and_then(|doc| build_from_parsed(doc, &opts.parse, analyzer, corpus, Utc::now()));
    match article {
        Ok(article) => {
            Counters::add(&counters.parsed, 1);
            Ready::Article { article: Box::new(article), location, cache, feed }
        }
        Err(e) => {
            let failure = Failure { location, stage: Stage::Parse, message: e.to_string() };
            Ready::Other(Work::Failed { failure, feed })
        }
    }
}

fn content_charset(body: &Body) -> Option<&str> {
    body.content_type.as_deref().and_then(crate::charset::charset_param)
}

fn page(body: &Body, opts: &IngestOptions) -> ParsedDocument {
    let text = crate::charset::decode(&body.bytes, content_charset(body)).text;
    web::page::document(&text, &body.url, &opts.parse)
}

/// A feed item's page, with the item's metadata where the page has none, and the item's body
/// if the page yields no content.
fn merge(mut page: ParsedDocument, item: ParsedDocument) -> ParsedDocument {
    let (f, i) = (&mut page.front, item.front);
    f.title = f.title.take().or(i.title);
    f.author = f.author.take().or(i.author);
    f.published_at = f.published_at.or(i.published_at);
    if f.categories.is_empty() {
        f.categories = i.categories;
    }
    f.lead_image = f.lead_image.take().or(i.lead_image);
    f.lang = f.lang.take().or(i.lang);
    // The feed's link is what the user subscribed to: keep it as the id's URL when the page
    // names no canonical URL of its own.
    f.url = f.url.take().or(i.url);
    if page.body.trim().is_empty() {
        page.body = item.body;
    }
    page
}

/// Spawns fetch tasks for `urls`, never more than a few times the concurrency limit at once.
async fn dispatch(ctx: Arc<Context>, urls: Vec<(String, Url)>, tx: mpsc::Sender<Work>) {
    let mut tasks = tokio::task::JoinSet::new();
    let in_flight = ctx.fetcher.options().jobs.max(1) * 4;
    for (requested, url) in urls {
        if tx.is_closed() {
            break;
        }
        while tasks.len() >= in_flight {
            tasks.join_next().await;
        }
        tasks.spawn(fetch_source(ctx.clone(), requested, url, tx.clone()));
    }
    while tasks.join_next().await.is_some() {}
}

/// What a fetch came to, before the body is looked at.
enum Fetched {
    Body(Body, CacheEntry),
    Unchanged,
    Failed(Failure),
}

impl Context {
    /// The cache key of a URL. A feed read with `--follow-links` yields other articles than
    /// the same feed read without, so the two modes keep apart entries.
    fn cache_key(&self, location: &str) -> String {
        if self.follow_links {
            format!("{location} (follow-links)")
        } else {
            location.to_string()
        }
    }
}

async fn fetch(ctx: &Context, location: &str, url: &Url) -> Fetched {
    let key = ctx.cache_key(location);
    let cached = ctx.cache.get(&key);
    match ctx.fetcher.get(url, cached.map(|c| &c.validators)).await {
        Err(e) => Fetched::Failed(Failure {
            location: location.to_string(),
            stage: Stage::Fetch,
            message: e.to_string(),
        }),
        Ok(Outcome::NotModified) => {
            Counters::add(&ctx.counters.fetched, 1);
            Fetched::Unchanged
        }
        Ok(Outcome::Body(body)) => {
            Counters::add(&ctx.counters.fetched, 1);
            let entry = CacheEntry { validators: body.validators.clone(), body_hash: body_hash(&body.bytes) };
            if cached.is_some_and(|c| c.body_hash == entry.body_hash) {
                Fetched::Unchanged
            } else {
                Fetched::Body(body, entry)
            }
        }
    }
}

fn parse_failure(location: &str, message: impl std::fmt::Display) -> Failure {
    Failure { location: location.to_string(), stage: Stage::Parse, message: format!("{location}: {message}") }
}

/// One URL the user named: a file, a page or a feed.
async fn fetch_source(ctx: Arc<Context>, location: String, url: Url, tx: mpsc::Sender<Work>) {
    let (body, entry) = match fetch(&ctx, &location, &url).await {
        Fetched::Body(body, entry) => (body, entry),
        Fetched::Unchanged => {
            let _ = tx.send(Work::Unchanged { location, feed: None }).await;
            return;
        }
        Fetched::Failed(failure) => {
            let _ = tx.send(Work::Failed { failure, feed: None }).await;
            return;
        }
    };
    let doc = match web::classify(body.content_type.as_deref(), &body.bytes) {
        Err(e) => {
            let _ = tx.send(Work::Failed { failure: parse_failure(&location, e), feed: None }).await;
            return;
        }
        Ok(Kind::Feed) => return feed_items(ctx, location, body, entry, tx).await,
        Ok(Kind::Page) => Doc::Page { body },
        Ok(Kind::File { html }) => Doc::File { body, html },
    };
    let cache = Some((ctx.cache_key(&location), entry));
    let _ = tx.send(Work::Document { location, doc: Box::new(doc), cache, feed: None }).await;
}

/// A feed: its items are handed on (or their pages fetched), then a `FeedDone`.
async fn feed_items(
    ctx: Arc<Context>,
    location: String,
    body: Body,
    entry: CacheEntry,
    tx: mpsc::Sender<Work>,
) {
    let text = crate::charset::decode(&body.bytes, content_charset(&body)).text;
    let items = match feed::items(&text, &body.url) {
        Ok(items) => items,
        Err(e) => {
            let _ = tx.send(Work::Failed { failure: parse_failure(&location, e), feed: None }).await;
            return;
        }
    };
    Counters::add(&ctx.counters.found, items.len());
    let feed: Arc<str> = location.into();
    let count = items.len();
    let mut pages = tokio::task::JoinSet::new();
    let in_flight = ctx.fetcher.options().jobs.max(1) * 4;
    for item in items {
        if tx.is_closed() {
            return;
        }
        match item.link.filter(|_| ctx.follow_links) {
            Some(link) => {
                while pages.len() >= in_flight {
                    pages.join_next().await;
                }
                pages.spawn(item_page(ctx.clone(), link, item.doc, feed.clone(), tx.clone()));
            }
            None => {
                let location = item.doc.front.url.clone().unwrap_or_else(|| item.doc.source.location.clone());
                let work = Work::Document {
                    location,
                    doc: Box::new(Doc::Item(item.doc)),
                    cache: None,
                    feed: Some(feed.clone()),
                };
                if tx.send(work).await.is_err() {
                    return;
                }
            }
        }
    }
    while pages.join_next().await.is_some() {}
    let entry = (ctx.cache_key(&feed), entry);
    let _ = tx.send(Work::FeedDone { feed, items: count, entry }).await;
}

/// `--follow-links`: the page behind a feed item.
async fn item_page(
    ctx: Arc<Context>,
    link: Url,
    item: ParsedDocument,
    feed: Arc<str>,
    tx: mpsc::Sender<Work>,
) {
    let location = link.to_string();
    let feed = Some(feed);
    let work = match fetch(&ctx, &location, &link).await {
        Fetched::Unchanged => Work::Unchanged { location, feed },
        Fetched::Failed(failure) => Work::Failed { failure, feed },
        Fetched::Body(body, entry) => match web::classify(body.content_type.as_deref(), &body.bytes) {
            Ok(Kind::Page) => {
                let cache = Some((ctx.cache_key(&location), entry));
                Work::Document { location, doc: Box::new(Doc::ItemPage { body, item }), cache, feed }
            }
            Ok(Kind::File { html }) => {
                let cache = Some((ctx.cache_key(&location), entry));
                Work::Document { location, doc: Box::new(Doc::File { body, html }), cache, feed }
            }
            Ok(Kind::Feed) => Work::Failed {
                failure: parse_failure(&location, "the item's link is a feed, not a page"),
                feed,
            },
            Err(e) => Work::Failed { failure: parse_failure(&location, e), feed },
        },
    };
    let _ = tx.send(work).await;
}
