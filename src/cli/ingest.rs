//! `newsdesk ingest`: sources from arguments, `--from-file` and `--job`, settings merged
//! (flags over job file over defaults), progress on stderr, the report on stdout or in a file.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::FixedOffset;
use clap::Args;
use newsdesk::fetch::FetchOptions;
use newsdesk::index::{Store, Upsert, DEFAULT_INDEX_DIR};
use newsdesk::ingest::{self, Counters, Event, IngestOptions, SourceSpec};
use newsdesk::job::{parse_duration, Job};
use newsdesk::parse::{date, ParseOptions};

#[derive(Args)]
pub struct IngestArgs {
    /// Files, folders and http(s) URLs (pages, feeds, front-matter files)
    #[arg(value_name = "SOURCE")]
    sources: Vec<String>,
    /// Also read sources from FILE, one per line (`#` comments and blank lines skipped; `-` is stdin)
    #[arg(long, value_name = "FILE")]
    from_file: Option<PathBuf>,
    /// Run the batch declared in a YAML job file (sources, index, taxonomy, fetch settings)
    #[arg(long, value_name = "FILE.yaml")]
    job: Option<PathBuf>,
    /// Write every source's outcome (ok / unchanged / failed + reason) to FILE as JSON
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Time zone of dates that name none, as an offset (+08:00, -05:00, UTC) [default: +08:00]
    #[arg(long, value_name = "OFFSET", value_parser = crate::parse_zone)]
    default_tz: Option<FixedOffset>,
    /// Refuse files larger than this many bytes [default: 10485760]
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Print the run's summary as JSON on stdout
    #[arg(long)]
    json: bool,
    /// Read, parse and analyse everything again, even files and URLs that have not changed
    #[arg(long)]
    force: bool,
    /// Commit after this many changed articles [default: 5000]
    #[arg(long, value_name = "N")]
    commit_every: Option<usize>,
    /// Commit at least this often while articles are waiting, e.g. 30s [default: 60s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    commit_interval: Option<Duration>,
    /// Extra words for segmentation, jieba format (`word [freq] [tag]` per line); kept in the
    /// index folder and used by every later command on it
    #[arg(long, value_name = "FILE")]
    user_dict: Option<PathBuf>,

    /// Fetch each feed item's page and take the article from it (for feeds of teasers)
    #[arg(long, help_heading = "Fetching", overrides_with = "no_follow_links")]
    follow_links: bool,
    /// Take feed items as the feed gives them (overrides `follow_links: true` in a job file)
    #[arg(long, help_heading = "Fetching", overrides_with = "follow_links")]
    no_follow_links: bool,
    /// Requests in flight at once [default: 8]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    jobs: Option<usize>,
    /// Requests in flight at once to one host [default: 2]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    per_host: Option<usize>,
    /// Least time between two requests to one host, e.g. 500ms or 1s [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    per_host_delay: Option<Duration>,
    /// Give up on a request after this long, body included [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    timeout: Option<Duration>,
    /// Give up connecting after this long [default: 10s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Fetching")]
    connect_timeout: Option<Duration>,
    /// Attempts per URL for 429, 5xx and timeouts, the first included [default: 3]
    #[arg(long, value_name = "N", help_heading = "Fetching")]
    tries: Option<u32>,
    /// Cut off and report bodies larger than this many bytes [default: 10485760]
    #[arg(long, value_name = "BYTES", help_heading = "Fetching")]
    max_body_size: Option<u64>,
    /// User-Agent header [default: newsdesk/VERSION (news archiver; +URL)]
    #[arg(long, value_name = "UA", help_heading = "Fetching")]
    user_agent: Option<String>,
    /// Fetch URLs that robots.txt disallows
    #[arg(long, help_heading = "Fetching", overrides_with = "obey_robots")]
    ignore_robots: bool,
    /// Obey robots.txt (the default; overrides `ignore_robots: true` in a job file)
    #[arg(long, help_heading = "Fetching", overrides_with = "ignore_robots")]
    obey_robots: bool,
    /// Seconds between progress lines when stderr is not a terminal
    #[arg(long, value_name = "SECS", default_value_t = 5, hide = true)]
    progress_interval: u64,
}

pub const AFTER_HELP: &str = "\
Sources:
  Files ending in .md, .markdown, .html or .htm are read; folders are walked recursively.
  http(s) URLs are fetched; what they are is told from the content, not the URL: a front-matter
  file is parsed like a local one, a web page gives its JSON-LD/OpenGraph/<meta> metadata and
  its main text, a feed (RSS, Atom, JSON Feed) gives one article per item. Other schemes
  (file://, ftp://) are refused.

Re-ingesting is safe: unchanged articles are skipped, changed ones replaced (an article's id
comes from its canonical URL, else its path). URLs fetched before are asked for with their
ETag/Last-Modified, so an unchanged page costs a 304. robots.txt is obeyed.

Examples:
  newsdesk ingest data
  newsdesk --index /tmp/news ingest ~/mirror/posts one-more.md
  newsdesk ingest https://rsshub.example/36kr/newsflashes --follow-links
  newsdesk ingest --from-file urls.txt --per-host-delay 1s --report run.json
  newsdesk ingest --job data/job.yaml";

/// Runs the command. `index` and `taxonomy` are the global flags (flags win over the job file).
pub fn run(index: Option<PathBuf>, taxonomy: Option<PathBuf>, args: IngestArgs) -> Result<ExitCode> {
    let job = match &args.job {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read job file {}", path.display()))?;
            Job::from_yaml(&text, path)?
        }
        None => Job::default(),
    };
    let mut sources: Vec<SourceSpec> = job.sources.iter().map(|s| SourceSpec::parse(s)).collect();
    sources.extend(args.sources.iter().map(|s| SourceSpec::parse(s)));
    if let Some(list) = &args.from_file {
        sources.extend(read_list(list)?.iter().map(|s| SourceSpec::parse(s)));
    }
    if sources.is_empty() {
        bail!("nothing to ingest: name files, folders or URLs, or use --from-file LIST or --job FILE.yaml");
    }
    let index = index.or(job.index.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR));
    let analyzer = crate::load_analyzer(taxonomy.as_deref().or(job.taxonomy.as_deref()))?;
    if let Some(dict) = args.user_dict.as_ref().or(job.user_dict.as_ref()) {
        install_user_dict(&index, dict)?;
    }
    let opts = options(&args, &job)?;
    let store = Store::open_or_create(&index)?;

    let mut report_file = args.report.as_deref().map(ReportFile::create).transpose()?;
    let display = Progress::start(opts.counters.clone(), Duration::from_secs(args.progress_interval.max(1)));
    let mut report_error = None;
    let report = ingest::ingest(&store, &sources, &opts, &analyzer, &mut |event| {
        if let Event::Failed(f) = &event {
            display.println(&format!("failed [{}]: {}", f.stage, f.message));
        }
        if let (Some(file), None) = (&mut report_file, &report_error) {
            if let Err(e) = file.write(&event) {
                report_error = Some(e);
            }
        }
    })?;
    display.finish();
    if let Some(e) = report_error {
        return Err(e.context("cannot write the --report file"));
    }
    if let (Some(file), Some(path)) = (report_file, &args.report) {
        file.finish(path)?;
    }
    eprintln!(
        "ingested {} new, {} updated, {} unchanged, {} failed in {:.1}s into {} ({} near-duplicates)",
        report.new,
        report.updated,
        report.unchanged,
        report.failed,
        report.elapsed.as_secs_f64(),
        index.display(),
        report.duplicates
    );
    if args.json {
        crate::emit(true, &report, |_| Ok(()))?;
    }
    Ok(if report.failed > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn install_user_dict(index: &Path, dict: &Path) -> Result<()> {
    let text = std::fs::read_to_string(dict).with_context(|| format!("cannot read {}", dict.display()))?;
    let had_index = Store::exists(index);
    if newsdesk::index::install_user_dict(index, &text, &dict.display().to_string())? && had_index {
        eprintln!(
            "note: the user dictionary changed; articles already in {} keep their old segmentation until `newsdesk reanalyze`",
            index.display()
        );
    }
    Ok(())
}

/// Flags over the job file over the defaults.
fn options(args: &IngestArgs, job: &Job) -> Result<IngestOptions> {
    let d = FetchOptions::default();
    let f = &job.fetch;
    let zone = match (args.default_tz, &job.default_tz) {
        (Some(z), _) => z,
        (None, Some(s)) => crate::parse_zone(s).map_err(|e| anyhow::anyhow!("job file: default_tz: {e}"))?,
        (None, None) => date::default_zone(),
    };
    let fetch = FetchOptions {
        jobs: args.jobs.or(f.jobs).unwrap_or(d.jobs).max(1),
        per_host: args.per_host.or(f.per_host).unwrap_or(d.per_host).max(1),
        per_host_delay: args.per_host_delay.or(f.per_host_delay).unwrap_or(d.per_host_delay),
        timeout: args.timeout.or(f.timeout).unwrap_or(d.timeout),
        connect_timeout: args.connect_timeout.or(f.connect_timeout).unwrap_or(d.connect_timeout),
        tries: args.tries.or(f.tries).unwrap_or(d.tries).max(1),
        max_body_bytes: args.max_body_size.or(f.max_body_size).unwrap_or(d.max_body_bytes),
        user_agent: args.user_agent.clone().or(f.user_agent.clone()).unwrap_or(d.user_agent),
        robots: !switch(args.ignore_robots, args.obey_robots).or(f.ignore_robots).unwrap_or(false),
        ..d
    };
    Ok(IngestOptions {
        parse: ParseOptions { default_zone: zone },
        max_file_bytes: args
            .max_file_size
            .or(job.max_file_size)
            .unwrap_or(newsdesk::source::DEFAULT_MAX_FILE_BYTES),
        fetch,
        follow_links: switch(args.follow_links, args.no_follow_links).or(job.follow_links).unwrap_or(false),
        force: args.force,
        commit_every: args.commit_every.unwrap_or(IngestOptions::default().commit_every).max(1),
        commit_interval: args.commit_interval.unwrap_or(IngestOptions::default().commit_interval),
        ..IngestOptions::default()
    })
}

/// A flag pair (`--x` / `--no-x`, the last one given wins): `Some` when either was given.
fn switch(on: bool, off: bool) -> Option<bool> {
    (on || off).then_some(on)
}

/// Sources listed one per line.
fn read_list(path: &Path) -> Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read the source list from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read source list {}", path.display()))?
    };
    let base = if path.as_os_str() == "-" { Path::new("") } else { path.parent().unwrap_or(Path::new("")) };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match SourceSpec::parse(l) {
            // Relative paths in a list are relative to the list, like in a job file.
            SourceSpec::Path(p) if p.is_relative() => base.join(p).display().to_string(),
            _ => l.to_string(),
        })
        .collect())
}

/// `--report`: a JSON array streamed to a temporary file beside the target, renamed into place
/// at the end, so memory does not grow with the batch and a half-written report never
/// replaces a whole one.
struct ReportFile {
    out: std::io::BufWriter<tempfile::NamedTempFile>,
    first: bool,
}

#[derive(serde::Serialize)]
struct ReportEntry<'a> {
    source: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl ReportFile {
    fn create(path: &Path) -> Result<ReportFile> {
        let mut out = std::io::BufWriter::new(crate::output_file(path)?);
        out.write_all(b"[")?;
        Ok(ReportFile { out, first: true })
    }

    fn write(&mut self, event: &Event<'_>) -> Result<()> {
        let entry = match event {
            Event::Done { location, id, outcome } => ReportEntry {
                source: location,
                status: if *outcome == Upsert::Unchanged { "unchanged" } else { "ok" },
                change: match outcome {
                    Upsert::New => Some("new"),
                    Upsert::Updated => Some("updated"),
                    Upsert::Unchanged => None,
                },
                id: *id,
                stage: None,
                reason: None,
            },
            Event::Failed(f) => ReportEntry {
                source: &f.location,
                status: "failed",
                change: None,
                id: None,
                stage: Some(f.stage.to_string()),
                reason: Some(&f.message),
            },
        };
        self.out.write_all(if self.first { b"\n  " } else { b",\n  " })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, &entry)?;
        Ok(())
    }

    fn finish(mut self, path: &Path) -> Result<()> {
        self.out.write_all(b"\n]\n")?;
        let tmp = self.out.into_inner().map_err(|e| e.into_error())?;
        crate::finish_output(tmp, path)
    }
}

/// Progress on stderr: a bar on a terminal, a line every few seconds otherwise (so logs of
/// cron jobs show a long run moving). Drawn by its own thread from the run's counters.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(counters: Arc<Counters>, interval: Duration) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                    .expect("valid template"),
            );
            bar
        });
        let thread = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut last_line = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let c = &counters;
                    let (found, fetched, parsed, indexed, failed) = (
                        Counters::get(&c.found),
                        Counters::get(&c.fetched),
                        Counters::get(&c.parsed),
                        Counters::get(&c.indexed),
                        Counters::get(&c.failed),
                    );
                    let done = indexed + failed;
                    let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
                    let summary = format!(
                        "fetched {fetched}, parsed {parsed}, indexed {indexed}, failed {failed}, {rate:.0}/s"
                    );
                    match &bar {
                        Some(bar) => {
                            bar.set_length(found as u64);
                            bar.set_position(done as u64);
                            bar.set_message(summary);
                        }
                        None if last_line.elapsed() >= interval => {
                            last_line = Instant::now();
                            eprintln!("progress: {done}/{found} sources, {summary}");
                        }
                        None => {}
                    }
                }
            })
        };
        Progress { bar, stop, thread: Some(thread) }
    }

    fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
