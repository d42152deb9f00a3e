//! The `newsdesk` command: a thin layer that turns arguments into library calls and results
//! into text. Data goes to stdout, diagnostics to stderr.

mod cli;

/// mimalloc instead of the system allocator: ingest allocates and frees millions of small
/// strings (tokens, words, records) across threads, where glibc's malloc cost ~12 % of CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use newsdesk::analyze::{Analyzer, Taxonomy};
use newsdesk::article::{format_utc, Article};
use newsdesk::export::{self, Format};
use newsdesk::index::{Store, DEFAULT_INDEX_DIR};
use newsdesk::ingest;
use newsdesk::parse::date;
use newsdesk::search::{self, SearchRequest, SearchResults, Sort};
use newsdesk::stats;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  nothing found (search without hits, show or remove of an unknown id)
  2  error (including another process writing the index), or an ingest in which some
     sources failed (the rest went in)

Environment:
  NEWSDESK_INDEX     index folder (same as --index; default ./index)
  NEWSDESK_TAXONOMY  topic taxonomy file (same as --taxonomy)
  RUST_LOG           log filter, e.g. RUST_LOG=newsdesk=debug (same idea as -v)
  NO_COLOR           set to anything to turn colour off";

/// Ingest news articles (Markdown/HTML with front matter) into a Chinese-aware full-text index,
/// then search, show, count and export them.
#[derive(Parser)]
#[command(name = "newsdesk", version, after_help = AFTER_HELP)]
struct Cli {
    /// Index folder [env: NEWSDESK_INDEX] [default: ./index]
    #[arg(long, global = true, value_name = "DIR", env = "NEWSDESK_INDEX", hide_env = true)]
    index: Option<PathBuf>,

    /// More log output on stderr: -v info, -vv debug (a line per article), -vvv debug from the libraries too; RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Topic taxonomy (YAML) replacing or extending the built-in one [env: NEWSDESK_TAXONOMY]
    #[arg(long, global = true, value_name = "FILE", env = "NEWSDESK_TAXONOMY", hide_env = true)]
    taxonomy: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Read articles from files, folders, web pages and feeds into the index
    #[command(after_help = cli::ingest::AFTER_HELP)]
    Ingest(cli::ingest::IngestArgs),
    /// Search the index
    #[command(after_help = "\
Query syntax:
  互联互通 反垄断        both words (words inside longer words match too: 支付 finds 支付宝)
  微信 OR 支付宝         either word
  反垄断 NOT 美国        exclude a word (also: -美国)
  \"外链 屏蔽\"           an exact phrase
  title:微信             a field: title, text, author, source, category, tag, lang, id, url,
                         topic, entity, keyword, duplicate_of
  topic:antitrust        articles with a topic (ids: `newsdesk topics`)
  entity:alibaba         articles naming an entity, by any of its names
  category:\"IT 之家\"     a value with spaces, quoted
  published:[2021-01-01T00:00:00Z TO 2022-01-01T00:00:00Z]
                         a date range, full UTC timestamps (--since/--until are easier)

Examples:
  newsdesk search 互联互通
  newsdesk search '支付 AND category:36kr' --sort newest --limit 5
  newsdesk search antitrust --since 2021-01-01 --until 2021-12-31 --json")]
    Search(SearchArgs),
    /// Show one article by id
    Show {
        /// Article id, as printed by search
        id: String,
        /// Print the stored JSON record
        #[arg(long)]
        json: bool,
    },
    /// Count articles per source, category and month
    Stats {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Write articles as JSON (all, or those matching a query)
    #[command(after_help = "\
Each article is the record described in schema/article.schema.json.

Examples:
  newsdesk export > articles.jsonl
  newsdesk export --query 'category:ZAKER' --format json --out zaker.json")]
    Export {
        /// jsonl: one article per line; json: one array
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Only articles matching this query (search syntax)
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// Write to FILE instead of stdout (replaced only once complete)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Leave out articles that repeat an earlier one
        #[arg(long)]
        dedupe: bool,
    },
    /// Topics with their article counts and a per-month series
    #[command(after_help = "\
Topic ids come from the taxonomy (the built-in one, or --taxonomy FILE). Months are UTC.

Examples:
  newsdesk topics
  newsdesk topics --since 2021-07-01 --until 2021-12-31 --json")]
    Topics {
        /// Only articles published on or after DATE
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only articles published before DATE; a bare day includes that day
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Re-run analysis (topics, keywords, entities, summary, duplicates) over the stored articles
    #[command(after_help = "\
Reads nothing but the index: use it after changing the taxonomy, or once the index holds
enough articles (1,000) for keywords to use the corpus's own IDF.

Example:
  newsdesk --taxonomy my-topics.yaml reanalyze")]
    Reanalyze,
    /// Delete articles from the index by id
    #[command(after_help = "\
Prints the ids it removed on stdout. Exits with 1 when an id is not in the index (the others
are still removed). Articles that named a removed one as their original keep that link until
`newsdesk reanalyze`.

Example:
  newsdesk remove 6cebd891868b898d 0b5e4c21a9f3d7e2")]
    Remove {
        /// Ids of the articles to delete (as `search` and `show` print them)
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delete articles whose source file no longer exists
    #[command(after_help = "\
Only articles read from local files are checked; articles from URLs and feeds stay. Prints
`ID<TAB>PATH` of each article it removes (or, with --dry-run, would remove) on stdout.

Examples:
  newsdesk prune --missing --dry-run
  newsdesk prune --missing")]
    Prune {
        /// Delete the articles whose source file is gone (required: the only kind of pruning)
        #[arg(long, required = true)]
        missing: bool,
        /// Only list what would be deleted
        #[arg(long)]
        dry_run: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct SearchArgs {
    /// What to look for (see the syntax below)
    query: String,
    /// Hits to show (0: only count them)
    #[arg(long, short = 'n', default_value_t = 10)]
    limit: usize,
    /// Hits to skip (for paging)
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Order of hits
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    sort: SortArg,
    /// Only articles in this category (case-insensitive)
    #[arg(long, value_name = "C")]
    category: Option<String>,
    /// Only articles by this author (case-insensitive)
    #[arg(long, value_name = "A")]
    author: Option<String>,
    /// Only articles published on or after DATE (2021-08-01, or a full timestamp)
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Only articles published before DATE; a bare day includes that day
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Zone of --since/--until without one
    #[arg(long, value_name = "OFFSET", default_value = "+08:00", value_parser = parse_zone)]
    default_tz: FixedOffset,
    /// Only articles with this topic id (repeat for any of several; see `newsdesk topics`)
    #[arg(long = "topic", value_name = "ID")]
    topics: Vec<String>,
    /// Only articles naming this entity (any of its names: 阿里, Alibaba, 阿里巴巴 …)
    #[arg(long, value_name = "NAME")]
    entity: Option<String>,
    /// Hide articles that repeat an earlier one (near or exact copies)
    #[arg(long)]
    dedupe: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    /// Best match first
    Relevance,
    /// Most recently published first
    Newest,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Json,
}

pub(crate) fn parse_zone(s: &str) -> Result<FixedOffset, String> {
    date::parse_zone(s).ok_or_else(|| format!("{s:?} is not a zone offset; use e.g. +08:00, -05:00 or UTC"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        // A reader that stopped reading (`newsdesk export | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes `value` to stdout as pretty JSON when `json`, else as text by `human`.
pub(crate) fn emit<T: serde::Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        human(&mut out)
    };
    // Flushed here: an error left for the drop of the buffer would go unreported.
    written.and_then(|()| out.flush()).context("cannot write to standard output")
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind))
            .or_else(|| match cause.downcast_ref::<export::ExportError>() {
                Some(export::ExportError::Write(io)) => Some(io.kind()),
                _ => None,
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(verbose: u8) {
    // Up to -vv, only newsdesk's own messages get more verbose: html5ever and tantivy log every
    // tag and every file they touch at debug level. -vvv lets theirs through too.
    let default = match verbose {
        0 => "warn",
        1 => "warn,newsdesk=info",
        2 => "warn,newsdesk=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && !no_color_env())
        .init();
}

fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn run(cli: Cli) -> Result<ExitCode> {
    let index = cli.index.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR));
    let colour = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && !no_color_env(),
    };
    let style = Style { colour };
    match cli.command {
        Command::Ingest(args) => cli::ingest::run(cli.index.clone(), cli.taxonomy.clone(), args),
        Command::Topics { since, until, json } => {
            let store = Store::open(&index)?;
            let analyzer = load_analyzer(cli.taxonomy.as_deref())?;
            let zone = date::default_zone();
            let (since, until) = date_range(since.as_deref(), until.as_deref(), zone)?;
            let topics = stats::topic_stats(&store, analyzer.taxonomy(), since, until)?;
            emit(json, &topics, |out| print_topics(out, &topics))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reanalyze => {
            let store = Store::open(&index)?;
            let analyzer = load_analyzer(cli.taxonomy.as_deref())?;
            let report = ingest::reanalyze(&store, &analyzer)?;
            eprintln!(
                "reanalyzed {} articles: {} changed, {} duplicates, in {:.1}s",
                report.articles,
                report.changed,
                report.duplicates,
                report.elapsed.as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove { ids, json } => {
            let store = Store::open(&index)?;
            let report = ingest::remove(&store, &ids)?;
            emit(json, &report, |out| report.removed.iter().try_for_each(|id| writeln!(out, "{id}")))?;
            for id in &report.unknown {
                eprintln!("no article with id {id} in {}", index.display());
            }
            eprintln!("removed {} of {} articles from {}", report.removed.len(), ids.len(), index.display());
            Ok(if report.unknown.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Prune { missing: _, dry_run, json } => {
            let store = Store::open(&index)?;
            let report = ingest::prune_missing(&store, dry_run)?;
            emit(json, &report, |out| {
                report.missing.iter().try_for_each(|m| writeln!(out, "{}\t{}", m.id, m.path))
            })?;
            eprintln!(
                "{} {} of {} articles from local files (source gone)",
                if dry_run { "would prune" } else { "pruned" },
                report.missing.len(),
                report.checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Search(args) => run_search(&index, args, style),
        Command::Show { id, json } => {
            let store = Store::open(&index)?;
            let Some(article) = store.get(&id)? else {
                eprintln!("no article with id {id} in {}", index.display());
                return Ok(ExitCode::from(1));
            };
            emit(json, &article, |out| print_article(out, &article, style))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            let store = Store::open(&index)?;
            let s = stats::stats(&store)?;
            emit(json, &s, |out| print_stats(out, &s))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format, query, out, dedupe } => {
            let store = Store::open(&index)?;
            let format = match format {
                ExportFormat::Jsonl => Format::Jsonl,
                ExportFormat::Json => Format::Json,
            };
            let count = match out {
                None => {
                    export::export(&store, query.as_deref(), dedupe, format, &mut std::io::stdout().lock())?
                }
                Some(path) => export_to_file(&store, query.as_deref(), dedupe, format, &path)?,
            };
            tracing::info!(count, "exported");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A temporary file beside `path` that [`finish_output`] renames over it once it is whole, so
/// a failed run never leaves half a file. It gets the mode an ordinary new file would (0666
/// less the umask), or that of the file it replaces, not tempfile's private 0600.
fn output_file(path: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        bail!(
            "cannot write {}: it is a folder; name a file, e.g. {}",
            path.display(),
            path.join("out.json").display()
        );
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("cannot write {}: there is no folder {}; create it first", path.display(), dir.display())
        }
        Ok(m) if !m.is_dir() => bail!("cannot write {}: {} is not a folder", path.display(), dir.display()),
        _ => {}
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".newsdesk-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Masked by the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(|e| {
        // tempfile's error names the temporary file, which means nothing to the user; the
        // cause it wraps is kept.
        let cause = e.get_ref().and_then(|inner| std::error::Error::source(inner)).map(ToString::to_string);
        std::io::Error::new(e.kind(), cause.unwrap_or_else(|| e.kind().to_string()))
    });
    let tmp = tmp.with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(replaced) = existing.filter(std::fs::Metadata::is_file) {
        // Exactly the replaced file's mode, which the umask must not narrow.
        tmp.as_file()
            .set_permissions(replaced.permissions())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(tmp)
}

/// Puts a complete [`output_file`] in place.
fn finish_output(tmp: tempfile::NamedTempFile, path: &std::path::Path) -> Result<()> {
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn export_to_file(
    store: &Store,
    query: Option<&str>,
    dedupe: bool,
    format: Format,
    path: &std::path::Path,
) -> Result<u64> {
    let mut tmp = output_file(path)?;
    let count = {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        export::export(store, query, dedupe, format, &mut w)?
    };
    finish_output(tmp, path)?;
    eprintln!("exported {count} articles to {}", path.display());
    Ok(count)
}

pub(crate) fn load_analyzer(taxonomy: Option<&std::path::Path>) -> Result<Analyzer> {
    let Some(path) = taxonomy else { return Ok(Analyzer::default()) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read taxonomy {}", path.display()))?;
    Ok(Analyzer::new(Taxonomy::from_yaml(&text, &path.display().to_string())?))
}

type DateRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The `--since`/`--until` bounds: `[since, until)`, a bare day as `until` included. A range
/// that holds no instant is an error rather than a silent empty result.
fn date_range(since: Option<&str>, until: Option<&str>, zone: FixedOffset) -> Result<DateRange> {
    let from = since.map(|s| date_bound(s, zone, false, "since")).transpose()?;
    let to = until.map(|s| date_bound(s, zone, true, "until")).transpose()?;
    if let (Some(f), Some(t), Some(since), Some(until)) = (from, to, since, until) {
        if f >= t {
            bail!("--since {since} is not before --until {until}, so nothing can match; swap them?");
        }
    }
    Ok((from, to))
}

fn date_bound(s: &str, zone: FixedOffset, end_of_day: bool, flag: &str) -> Result<DateTime<Utc>> {
    let Some(t) = date::parse_date(s, zone) else {
        bail!("--{flag} {s:?} is not a date; use e.g. 2021-08-20 or 2021-08-20T15:00:00+08:00");
    };
    Ok(if end_of_day && date::is_day_only(s) { t + Duration::days(1) } else { t })
}

fn run_search(index: &std::path::Path, args: SearchArgs, style: Style) -> Result<ExitCode> {
    let store = Store::open(index)?;
    let (since, until) = date_range(args.since.as_deref(), args.until.as_deref(), args.default_tz)?;
    let req = SearchRequest {
        since,
        until,
        query: args.query,
        limit: args.limit,
        offset: args.offset,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
        },
        category: args.category,
        author: args.author,
        topics: args.topics,
        entity: args.entity,
        dedupe: args.dedupe,
    };
    let results = search::search(&store, &req)?;
    emit(args.json, &results, |out| print_results(out, &results, args.offset, style))?;
    if results.hits.is_empty() && results.total > 0 && args.limit > 0 && !args.json {
        eprintln!("note: --offset {} is past the last hit ({} in all)", args.offset, results.total);
    }
    if results.total == 0 {
        if !args.json {
            eprintln!("no articles match {:?}", results.query);
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// ANSI styling, on or off.
#[derive(Clone, Copy)]
struct Style {
    colour: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn highlight(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
}

fn day(ts: Option<&str>) -> &str {
    ts.map_or("undated", |t| t.get(..10).unwrap_or(t))
}

fn print_results(
    out: &mut impl Write,
    r: &SearchResults,
    offset: usize,
    style: Style,
) -> std::io::Result<()> {
    if r.hits.is_empty() {
        // A count only (`--limit 0`), or a page past the last hit; nothing at all matched is
        // said on stderr by the caller.
        if r.total > 0 {
            let line = format!("{} articles matching {:?} ({} ms)", r.total, r.query, r.took_ms);
            writeln!(out, "{}", style.dim(&line))?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{}–{} of {} articles matching {:?} ({} ms)",
            offset + 1,
            offset + r.hits.len(),
            r.total,
            r.query,
            r.took_ms
        ))
    )?;
    for (i, hit) in r.hits.iter().enumerate() {
        writeln!(out)?;
        writeln!(out, "{}. {}", offset + i + 1, style.bold(&hit.title))?;
        writeln!(
            out,
            "   {}",
            style.dim(&format!("{} · {} · {}", day(hit.published_at.as_deref()), hit.source, hit.id))
        )?;
        let mut snippet = String::new();
        let chars: Vec<char> = hit.snippet.chars().collect();
        let mut at = 0;
        for [from, to] in &hit.highlights {
            snippet.extend(&chars[at..*from]);
            snippet.push_str(&style.highlight(&chars[*from..*to].iter().collect::<String>()));
            at = *to;
        }
        snippet.extend(&chars[at..]);
        writeln!(out, "   {}", one_line(&snippet))?;
    }
    Ok(())
}

/// Paragraph breaks become single spaces, so a snippet stays on one line.
fn one_line(s: &str) -> String {
    s.split('\n').filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

fn print_article(out: &mut impl Write, a: &Article, style: Style) -> std::io::Result<()> {
    writeln!(out, "{}", style.bold(&a.title))?;
    let published = a.published_at.as_ref().map_or_else(|| "undated".to_string(), format_utc);
    writeln!(out, "{}", style.dim(&format!("{published} · {} · {} · {}", a.source_name(), a.lang, a.id)))?;
    if !a.categories.is_empty() {
        writeln!(out, "{}", style.dim(&format!("categories: {}", a.categories.join(", "))))?;
    }
    if !a.tags.is_empty() {
        writeln!(out, "{}", style.dim(&format!("tags: {}", a.tags.join(", "))))?;
    }
    if let Some(url) = &a.url {
        writeln!(out, "{}", style.dim(&format!("url: {url}")))?;
    }
    writeln!(out, "{}", style.dim(&format!("source: {}", a.source.location)))?;
    if let Some(original) = &a.duplicate_of {
        writeln!(out, "{}", style.dim(&format!("duplicate of: {original}")))?;
    }
    writeln!(out)?;
    if !a.summary.is_empty() {
        writeln!(out, "{} {}", style.bold("summary:"), a.summary)?;
    }
    for t in &a.topics {
        writeln!(
            out,
            "{} {} ({}) {:.2} ← {}",
            style.bold("topic:"),
            t.id,
            t.label,
            t.score,
            t.matched.join(", ")
        )?;
    }
    if !a.keywords.is_empty() {
        let k: Vec<String> = a.keywords.iter().map(|k| format!("{} {:.3}", k.term, k.score)).collect();
        writeln!(out, "{} {}", style.bold("keywords:"), k.join(" · "))?;
    }
    if !a.entities.is_empty() {
        let e: Vec<String> = a
            .entities
            .iter()
            .map(|e| format!("{} ({}, {}×)", e.text, format!("{:?}", e.kind).to_lowercase(), e.count))
            .collect();
        writeln!(out, "{} {}", style.bold("entities:"), e.join(" · "))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", a.text)?;
    if !a.images.is_empty() || a.lead_image.is_some() {
        writeln!(out)?;
        if let Some(lead) = &a.lead_image {
            writeln!(out, "{}", style.dim(&format!("lead image: {lead}")))?;
        }
        for img in &a.images {
            let size = match (img.width, img.height) {
                (Some(w), Some(h)) => format!(" {w}×{h}"),
                _ => String::new(),
            };
            let alt = img.alt.as_deref().map(|a| format!(" “{a}”")).unwrap_or_default();
            writeln!(out, "{}", style.dim(&format!("image: {}{size}{alt}", img.url)))?;
        }
    }
    Ok(())
}

/// A one-line bar chart of `values`, scaled to their maximum.
fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    // The busiest month gets the full bar; any other month with articles at least the lowest.
    values.iter().map(|&v| if v == 0 { ' ' } else { BARS[(v * 7 / max) as usize] }).collect()
}

fn print_topics(out: &mut impl Write, topics: &[stats::TopicStat]) -> std::io::Result<()> {
    let width = topics.iter().map(|t| t.id.len()).max().unwrap_or(0);
    let months =
        match (topics.iter().find_map(|t| t.by_month.first()), topics.iter().find_map(|t| t.by_month.last()))
        {
            (Some(first), Some(last)) => format!("{} … {}", first.name, last.name),
            _ => "(no dated articles in range)".to_string(),
        };
    writeln!(out, "{:width$}  {:>5}  {months}", "topic", "count")?;
    for t in topics {
        let series: Vec<u64> = t.by_month.iter().map(|c| c.articles).collect();
        writeln!(out, "{:width$}  {:>5}  {}  {}", t.id, t.articles, sparkline(&series), t.label)?;
    }
    Ok(())
}

fn print_stats(out: &mut impl Write, s: &stats::Stats) -> std::io::Result<()> {
    writeln!(out, "index     {} ({:.1} MiB)", s.index, s.index_bytes as f64 / 1_048_576.0)?;
    writeln!(out, "articles  {}", s.articles)?;
    if let (Some(first), Some(last)) = (&s.first_published, &s.last_published) {
        writeln!(out, "published {} … {} ({} undated)", day(Some(first)), day(Some(last)), s.undated)?;
    }
    for (title, counts) in
        [("by source", &s.by_source), ("by category", &s.by_category), ("by month", &s.by_month)]
    {
        writeln!(out, "\n{title}")?;
        let width = counts.iter().map(|c| c.articles.to_string().len()).max().unwrap_or(1);
        for c in counts {
            writeln!(out, "  {:>width$}  {}", c.articles, c.name)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    /// Regression: the busiest month was drawn as the lowest bar when it had one article.
    #[test]
    fn the_busiest_month_gets_the_full_bar() {
        assert_eq!(sparkline(&[0, 1]), " █");
        assert_eq!(sparkline(&[1, 0, 2, 8]), "▁ ▂█");
        assert_eq!(sparkline(&[4, 8]), "▄█");
        assert_eq!(sparkline(&[]), "");
    }
}
