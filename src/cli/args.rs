//! The command line as clap sees it: the global flags, the commands and their flags, and the
//! help texts. Nothing here acts on a flag: [`super::settings`] resolves them.
//!
//! The fetch flags ([`FetchFlags`]) are also the `fetch:` block of a job file, so they derive
//! serde's `Deserialize` too, and the value parsers here serve both.
//!
//! Not here: defaults that depend on a job file or the environment (settings), running a
//! command (`cmd/`).

use std::path::PathBuf;
use std::time::Duration;

use chrono::FixedOffset;
use clap::{Args, Parser, Subcommand, ValueEnum};

use newsdesk::parse::date;
use serde::Deserialize;

pub(crate) const AFTER_HELP: &str = "\
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
pub struct Cli {
    /// Index folder [env: NEWSDESK_INDEX] [default: ./index]
    #[arg(long, global = true, value_name = "DIR", env = "NEWSDESK_INDEX", hide_env = true)]
    pub index: Option<PathBuf>,

    /// More log output on stderr: -v info, -vv debug (a line per article), -vvv debug from the libraries too; RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Topic taxonomy (YAML) replacing or extending the built-in one [env: NEWSDESK_TAXONOMY]
    #[arg(long, global = true, value_name = "FILE", env = "NEWSDESK_TAXONOMY", hide_env = true)]
    pub taxonomy: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
pub enum Command {
    /// Read articles from files, folders, web pages and feeds into the index
    #[command(after_help = INGEST_AFTER_HELP)]
    Ingest(IngestArgs),
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

Through a search engine that `newsdesk push` filled, add the engine flags. The answer is the one
--words-only gives here: engines hold newsdesk's words, not the Han-character fallback.
Typesense cannot say OR, title:/text:, boosts or sloppy phrases; such a query is refused.

Examples:
  newsdesk search 互联互通
  newsdesk search '支付 AND category:36kr' --sort newest --limit 5
  newsdesk search antitrust --since 2021-01-01 --until 2021-12-31 --json
  newsdesk search 互联互通 --engine typesense --url http://127.0.0.1:8108 --collection news \\
      --api-key-env TYPESENSE_API_KEY")]
    Search(SearchArgs),
    /// Show one article by id
    Show(ShowArgs),
    /// Count articles per source, category and month
    Stats(StatsArgs),
    /// Write articles as JSON (all, or those matching a query)
    #[command(after_help = "\
Each article is the record described in schema/article.schema.json.

Examples:
  newsdesk export > articles.jsonl
  newsdesk export --query 'category:ZAKER' --format json --out zaker.json")]
    Export(ExportArgs),
    /// Topics with their article counts and a per-month series
    #[command(after_help = "\
Topic ids come from the taxonomy (the built-in one, or --taxonomy FILE). Months are UTC.

Examples:
  newsdesk topics
  newsdesk topics --since 2021-07-01 --until 2021-12-31 --json
  newsdesk topics --topic platform-interconnection --topic antitrust")]
    Topics(TopicsArgs),
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
    Remove(RemoveArgs),
    /// Delete articles whose source file no longer exists
    #[command(after_help = "\
Only articles read from local files are checked; articles from URLs and feeds stay. Prints
`ID<TAB>PATH` of each article it removes (or, with --dry-run, would remove) on stdout.

Examples:
  newsdesk prune --missing --dry-run
  newsdesk prune --missing")]
    Prune(PruneArgs),
    /// Serve the index over HTTP: a JSON API and a search page with topic charts
    #[command(after_help = "\
Endpoints (JSON bodies are those of the matching command's --json; docs/http-api.md lists all):
  /                       the search page (also /?q=互联互通&topic=antitrust, /?view=topics)
  /api/search?q=…         search: limit, offset, sort, topic, entity, category, since, until, dedupe
  /api/articles/ID        one article
  /api/topics             counts per topic and month (topic=ID adds its keywords and entities)
  /api/stats              counts per source, category and month
  /api/openapi.json       the OpenAPI description
  /healthz                article count and last commit time

Only 127.0.0.1 by default. Another address is refused without a token unless --insecure. With a
token every /api request needs `Authorization: Bearer TOKEN`; prefer NEWSDESK_TOKEN to --token,
which other users of the machine can see in the process list. Articles that a concurrent
`newsdesk ingest` commits show up within a second. Ctrl-C (or SIGTERM) stops it, letting
requests in flight finish.

Examples:
  newsdesk serve
  NEWSDESK_TOKEN=$(openssl rand -hex 16) newsdesk serve --addr 0.0.0.0:7700
  curl 'http://127.0.0.1:7700/api/search?q=互联互通&limit=3'")]
    Serve(ServeArgs),
    /// Write a self-contained HTML report: topic trends, top keywords and entities, sources, duplicates
    #[command(after_help = "\
The file needs nothing else to open: charts are inline SVG, styles are inline, and it loads
nothing from the network. It records the period, topics, index and time it was made.

Examples:
  newsdesk report --out report.html
  newsdesk report --out h2.html --since 2021-07-01 --until 2021-12-31 --topic platform-interconnection")]
    Report(ReportArgs),
    /// Send articles to a search engine: OpenSearch, Elasticsearch or Typesense
    #[command(after_help = "\
Documents carry newsdesk's ids, so pushing again overwrites instead of duplicating. Each one
holds the text and title as newsdesk cut them into words (title_seg, text_seg), which the
engine indexes on spaces: no Chinese plugin is needed. `search --engine` then queries it with
the same words. --print-schema shows the mapping or collection schema; docs/engines.md explains
every field. Progress is kept under the index folder: after a crash or a kill, the same command
with --resume goes on after the last batch the engine acknowledged.

Credentials come from environment variables named by --api-key-env (Typesense's API key, or an
OpenSearch/Elasticsearch API key) or --basic-auth-env (USER:PASSWORD), never from the command line.

Exit codes: 0 every document acknowledged, 2 some refused (see --report) or an error.

Examples:
  newsdesk push --engine typesense --url http://127.0.0.1:8108 --collection news \\
      --api-key-env TYPESENSE_API_KEY --create-schema
  newsdesk push --engine opensearch --url http://127.0.0.1:9200 --collection news \\
      --query 互联互通 --since 2021-01-01 --dedupe --report push.json
  newsdesk push --engine elasticsearch --collection news --print-schema > mapping.json
  newsdesk push --engine typesense --url http://a:8108,http://b:8108 --collection news --resume")]
    Push(PushArgs),
    /// Parse, clean and analyse articles into JSON Lines records, without an index (for Spark and other batch engines)
    #[command(after_help = "\
Writes one record per article (the export record: schema/article.schema.json) to stdout, or to
--out FILE (gzipped when it ends in .gz). Needs no index and keeps no state, so any number of
machines can run it on parts of a source list; `newsdesk ingest FILE.jsonl` (or a folder of
such files) loads the records, keeping their ids and analysis. What needs the whole corpus is
left to that load: duplicate_of is empty here and decided there, and keywords are scored with
jieba's IDF table (the load scores them again when the index already holds 1,000 articles).

Sources are those of `ingest`: files, folders, http(s) URLs and feeds, and WARC files
(.warc, .warc.gz): every response record holding an HTML page is an article.

stderr carries one JSON object per failed source ({\"source\", \"stage\", \"reason\"}) and a
last one with the counts. Exit codes: 0 every source prepared, 2 some failed (the rest were
written) or an error.

Examples:
  newsdesk prepare data/ > records.jsonl
  newsdesk prepare --from-file sources.txt --out part-0001.jsonl.gz
  newsdesk prepare crawl/CC-NEWS-20211001.warc.gz --out cc.jsonl.gz
  newsdesk ingest records.jsonl")]
    Prepare(PrepareArgs),
}

#[derive(Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Write the records to FILE instead of stdout (gzipped when it ends in .gz; replaced only once complete)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Threads that parse, clean and analyse [default: one per core, at most 8]; the Spark job passes the cores of a task
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
}

/// What to read and how: the sources and reading flags `ingest` and `prepare` share.
#[derive(Args)]
pub struct SourceArgs {
    /// Files, folders, http(s) URLs (pages, feeds, front-matter files), WARC files and record files
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Also read sources from FILE, one per line (`#` comments and blank lines skipped; `-` is stdin)
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// Time zone of dates that name none, as an offset (+08:00, -05:00, UTC) [default: +08:00]
    #[arg(long, value_name = "OFFSET", value_parser = parse_zone)]
    pub default_tz: Option<FixedOffset>,
    /// Refuse files (and WARC records) larger than this many bytes [default: 10485760]
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Extra words for segmentation, jieba format (`word [freq] [tag]` per line); `ingest` keeps
    /// it in the index folder and every later command on it uses it
    #[arg(long, value_name = "FILE")]
    pub user_dict: Option<PathBuf>,
    /// Fetch each feed item's page and take the article from it (for feeds of teasers)
    #[arg(long, help_heading = "Fetching", overrides_with = "no_follow_links")]
    pub follow_links: bool,
    /// Take feed items as the feed gives them (overrides `follow_links: true` in a job file)
    #[arg(long, help_heading = "Fetching", overrides_with = "follow_links")]
    pub no_follow_links: bool,
    #[command(flatten)]
    pub fetch: FetchFlags,
}

/// Which search engine, where, and with what credentials: `push` and `search --engine`.
#[derive(Args, Debug, Clone)]
pub struct EngineFlags {
    /// The search engine
    #[arg(long, value_enum, help_heading = "Search engine")]
    pub engine: Option<EngineArg>,
    /// The engine's URL; for a cluster, several nodes separated by commas (any of them may answer)
    #[arg(long, value_name = "URL", help_heading = "Search engine")]
    pub url: Option<String>,
    /// The index (OpenSearch/Elasticsearch) or collection (Typesense)
    #[arg(long, value_name = "NAME", help_heading = "Search engine")]
    pub collection: Option<String>,
    /// Name of the environment variable that holds the API key (Typesense; OpenSearch/Elasticsearch `ApiKey`)
    #[arg(long, value_name = "VAR", help_heading = "Search engine")]
    pub api_key_env: Option<String>,
    /// Name of the environment variable that holds USER:PASSWORD (OpenSearch/Elasticsearch basic auth)
    #[arg(long, value_name = "VAR", help_heading = "Search engine", conflicts_with = "api_key_env")]
    pub basic_auth_env: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum EngineArg {
    Opensearch,
    Elasticsearch,
    Typesense,
}

#[derive(Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub engine: EngineFlags,
    /// Only articles matching this query (the `search` language) [default: all]
    #[arg(long, short = 'q', value_name = "Q")]
    pub query: Option<String>,
    /// Only articles with this topic id (repeat for any of several)
    #[arg(long = "topic", value_name = "ID")]
    pub topics: Vec<String>,
    /// Only articles published on or after DATE
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published before DATE; a bare day includes that day
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Zone of --since/--until without one
    #[arg(long, value_name = "OFFSET", default_value = "+08:00", value_parser = parse_zone)]
    pub default_tz: FixedOffset,
    /// Leave out articles that repeat an earlier one
    #[arg(long)]
    pub dedupe: bool,
    /// Most documents in one request
    #[arg(long, value_name = "N", default_value_t = newsdesk::push::BATCH_DOCS as u32, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_docs: u32,
    /// Most bytes in one request (5MB, 500kB, or a number of bytes); a larger single document goes alone
    #[arg(long, value_name = "BYTES", default_value = "5MB", value_parser = parse_bytes)]
    pub batch_bytes: usize,
    /// Create the index or collection with newsdesk's explicit schema first (kept if it exists)
    #[arg(long)]
    pub create_schema: bool,
    /// Print the mapping (OpenSearch/Elasticsearch) or collection schema (Typesense) and exit
    #[arg(long)]
    pub print_schema: bool,
    /// Write the request bodies to stdout instead of sending them
    #[arg(long)]
    pub dry_run: bool,
    /// Continue an interrupted push of the same selection to the same engine
    #[arg(long)]
    pub resume: bool,
    /// Write what was pushed, refused (with reasons) and retried to FILE as JSON
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one; the address is printed on stderr)
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:7700")]
    pub addr: std::net::SocketAddr,
    /// Require `Authorization: Bearer TOKEN` on /api [env: NEWSDESK_TOKEN]
    #[arg(long, value_name = "TOKEN", env = "NEWSDESK_TOKEN", hide_env_values = true, hide_env = true)]
    pub token: Option<String>,
    /// Allow a non-loopback address without a token (anyone who can reach it can read the archive)
    #[arg(long)]
    pub insecure: bool,
    /// How often to look for articles committed by another process
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub reload_every: Duration,
    /// Answers kept for repeated requests, reused until the index changes (0 turns it off)
    #[arg(long, value_name = "ENTRIES", default_value_t = 1024)]
    pub cache: usize,
    /// Answer /api/search from a search engine that `newsdesk push` filled (the rest from the index)
    #[command(flatten)]
    pub engine: EngineFlags,
}

#[derive(Args)]
pub struct ReportArgs {
    /// The HTML file to write
    #[arg(long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Only articles published on or after DATE
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published before DATE; a bare day includes that day
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Topics to chart and describe (repeatable; default: the five with most articles)
    #[arg(long = "topic", value_name = "ID")]
    pub topics: Vec<String>,
}

#[derive(Args)]
pub struct ShowArgs {
    /// Article id, as printed by search
    pub id: String,
    /// Print the stored JSON record
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct StatsArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// jsonl: one article per line; json: one array
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Only articles matching this query (search syntax)
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    /// Write to FILE instead of stdout (replaced only once complete)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Leave out articles that repeat an earlier one
    #[arg(long)]
    pub dedupe: bool,
}

#[derive(Args)]
pub struct TopicsArgs {
    /// Only articles published on or after DATE
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published before DATE; a bare day includes that day
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Also list this topic's top keywords and entities over the period (repeatable)
    #[arg(long = "topic", value_name = "ID")]
    pub topics: Vec<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RemoveArgs {
    /// Ids of the articles to delete (as `search` and `show` print them)
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PruneArgs {
    /// Delete the articles whose source file is gone (required: the only kind of pruning)
    #[arg(long, required = true)]
    pub missing: bool,
    /// Only list what would be deleted
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    /// What to look for (see the syntax below)
    pub query: String,
    /// Hits to show (0: only count them)
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip (for paging)
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Order of hits
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    pub sort: SortArg,
    /// Only articles in this category (case-insensitive)
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// Only articles by this author (case-insensitive)
    #[arg(long, value_name = "A")]
    pub author: Option<String>,
    /// Only articles published on or after DATE (2021-08-01, or a full timestamp)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published before DATE; a bare day includes that day
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Zone of --since/--until without one
    #[arg(long, value_name = "OFFSET", default_value = "+08:00", value_parser = parse_zone)]
    pub default_tz: FixedOffset,
    /// Only articles with this topic id (repeat for any of several; see `newsdesk topics`)
    #[arg(long = "topic", value_name = "ID")]
    pub topics: Vec<String>,
    /// Only articles naming this entity (any of its names: 阿里, Alibaba, 阿里巴巴 …)
    #[arg(long, value_name = "NAME")]
    pub entity: Option<String>,
    /// Hide articles that repeat an earlier one (near or exact copies)
    #[arg(long)]
    pub dedupe: bool,
    /// Match dictionary words only, without the Han-character fallback: what a search engine answers
    #[arg(long)]
    pub words_only: bool,
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
    /// Search a search engine that `newsdesk push` filled, instead of the index
    #[command(flatten)]
    pub engine: EngineFlags,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SortArg {
    /// Best match first
    Relevance,
    /// Most recently published first
    Newest,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Json,
}

#[derive(Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Run the batch declared in a YAML job file (sources, index, taxonomy, fetch settings)
    #[arg(long, value_name = "FILE.yaml")]
    pub job: Option<PathBuf>,
    /// Write every source's outcome (ok / unchanged / failed + reason) to FILE as JSON
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Print the run's summary as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Read, parse and analyse everything again, even files and URLs that have not changed
    #[arg(long)]
    pub force: bool,
    /// Commit after this many changed articles [default: 5000]
    #[arg(long, value_name = "N")]
    pub commit_every: Option<usize>,
    /// Commit at least this often while articles are waiting, e.g. 30s [default: 60s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub commit_interval: Option<Duration>,
    /// Seconds between progress lines when stderr is not a terminal
    #[arg(long, value_name = "SECS", default_value_t = 5, hide = true)]
    pub progress_interval: u64,
}

pub(crate) const INGEST_AFTER_HELP: &str = "\
Sources:
  Files ending in .md, .markdown, .html or .htm are read; folders are walked recursively.
  http(s) URLs are fetched; what they are is told from the content, not the URL: a front-matter
  file is parsed like a local one, a web page gives its JSON-LD/OpenGraph/<meta> metadata and
  its main text, a feed (RSS, Atom, JSON Feed) gives one article per item. Other schemes
  (file://, ftp://) are refused.
  WARC files (.warc, .warc.gz) give one article per HTML response record. Files of newsdesk
  records (JSON Lines from `export` or `prepare`, gzipped or not; told by their content) go in
  as they are, keeping ids and analysis; duplicates are decided here.

Re-ingesting is safe: unchanged articles are skipped, changed ones replaced (an article's id
comes from its canonical URL, else its path). URLs fetched before are asked for with their
ETag/Last-Modified, so an unchanged page costs a 304. robots.txt is obeyed.

Examples:
  newsdesk ingest data
  newsdesk --index /tmp/news ingest ~/mirror/posts one-more.md
  newsdesk ingest https://rsshub.example/36kr/newsflashes --follow-links
  newsdesk ingest --from-file urls.txt --per-host-delay 1s --report run.json
  newsdesk ingest --job data/job.yaml
  newsdesk ingest crawl.warc.gz prepared/part-00000.jsonl.gz";

/// `+08:00`, `-05:00`, `UTC`: the zone of dates that name none.
pub fn parse_zone(s: &str) -> Result<FixedOffset, String> {
    date::parse_zone(s).ok_or_else(|| format!("{s:?} is not a zone offset; use e.g. +08:00, -05:00 or UTC"))
}

/// `250ms`, `1.5s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().map_err(|_| format!("{s:?} is not a duration (use e.g. 500ms, 2s, 1m)"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is out of range"))
}

/// `5MB`, `500kB`, `1MiB`, or a bare number of bytes.
pub fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number.parse().map_err(|_| format!("{s:?} is not a size (use e.g. 5MB, 500kB, 1048576)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use B, kB, MB, KiB or MiB)")),
    };
    let bytes = n * factor;
    if !(1024.0..=1e9).contains(&bytes) {
        return Err(format!("{s:?} is out of range (1kB to 1GB)"));
    }
    Ok(bytes as usize)
}

/// How URLs are fetched: the `Fetching` flags of `ingest`, and the `fetch:` block of a job
/// file, in one definition. Every value is optional; [`FetchFlags::or`] layers two of them and
/// [`FetchFlags::options`] puts the defaults under what is left unset.
#[derive(Args, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FetchFlags {
    /// Requests in flight at once [default: 8]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    pub jobs: Option<usize>,
    /// Requests in flight at once to one host [default: 2]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    pub per_host: Option<usize>,
    /// Least time between two requests to one host, e.g. 500ms or 1s [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    #[serde(default, deserialize_with = "duration")]
    pub per_host_delay: Option<Duration>,
    /// Give up on a request after this long, body included [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Give up connecting after this long [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    #[serde(default, deserialize_with = "duration")]
    pub connect_timeout: Option<Duration>,
    /// Attempts per URL for 429, 5xx and timeouts, the first included [default: 3]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    pub tries: Option<u32>,
    /// Cut off and report bodies larger than this many bytes [default: 10485760]
    #[arg(long, value_name = "BYTES", help_heading = "Fetching")]
    pub max_body_size: Option<u64>,
    /// User-Agent header [default: newsdesk/VERSION (news archiver; +URL)]
    #[arg(long, value_name = "UA", help_heading = "Fetching")]
    pub user_agent: Option<String>,
    /// Fetch URLs that robots.txt disallows
    #[arg(long, help_heading = "Fetching", overrides_with = "obey_robots")]
    #[serde(default, deserialize_with = "flag")]
    pub ignore_robots: bool,
    /// Obey robots.txt (the default; overrides `ignore_robots: true` in a job file)
    #[arg(long, help_heading = "Fetching", overrides_with = "ignore_robots")]
    #[serde(skip)]
    pub obey_robots: bool,
}

/// A duration in a job file: `500ms`, `2s`, `1m`, or a bare number of seconds; an empty value
/// leaves it unset.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    struct Written;
    impl<'de> serde::de::Visitor<'de> for Written {
        type Value = Option<Duration>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a duration such as 500ms, 2s or 1m")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            parse_duration(s).map(Some).map_err(E::custom)
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(Duration::from_secs(n)))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Self::Value, E> {
            self.visit_str(&n.to_string())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(Written)
}

/// A yes/no in a job file; an empty value is no.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}
