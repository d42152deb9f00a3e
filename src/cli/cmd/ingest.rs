//! `newsdesk ingest`: sources in, progress on stderr, the summary on stderr (and as JSON on
//! stdout with `--json`), every source's outcome in the `--report` file.
//!
//! Not here: merging flags with the job file (`settings`), the batch itself
//! (`newsdesk::ingest`).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use newsdesk::article::ArticleId;
use newsdesk::fetch::Remedy;
use newsdesk::index::{Store, Upsert};
use newsdesk::ingest::{self, Counters, Event, Failure};

use crate::cli::args::IngestArgs;
use crate::cli::output::{emit, finish_output, output_file};
use crate::cli::settings::{install_index_dict, load_analyzer, Globals, IngestSettings};

/// Runs the command (flags win over the job file).
pub fn run(globals: &Globals, args: IngestArgs) -> Result<ExitCode> {
    let settings = IngestSettings::resolve(globals, args)?;
    let index = &settings.index;
    let analyzer = load_analyzer(settings.taxonomy.as_deref())?;
    if let Some(dict) = &settings.user_dict {
        install_user_dict(index, dict)?;
    }
    let store = Store::open_or_create(index)?;
    install_index_dict(index)?;

    let mut report_file = settings.report.as_deref().map(ReportFile::create).transpose()?;
    let opts = &settings.options;
    let display = Progress::start(opts.counters.clone(), settings.progress_interval);
    let mut report_error = None;
    let report = ingest::ingest(&store, &settings.sources, opts, &analyzer, &mut |event| {
        if let Event::Failed(f) = &event {
            display.println(&format!("failed [{}]: {}", f.stage, explained(f)));
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
    if let (Some(file), Some(path)) = (report_file, &settings.report) {
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
    let code = if report.failed > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS };
    if settings.json {
        let mut report = report;
        for f in &mut report.failures {
            f.message = explained(f);
        }
        emit(true, &report, |_| Ok(()))?;
    }
    Ok(code)
}

/// The failure's message, with what to do about it in terms of this command's flags.
fn explained(f: &Failure) -> String {
    let remedy = match f.remedy {
        Some(Remedy::IgnoreRobots) => " (pass --ignore-robots to fetch it anyway)",
        Some(Remedy::RaiseBodyLimit) => " (raise --max-body-size to take it)",
        None => "",
    };
    format!("{}{remedy}", f.message)
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
    id: Option<ArticleId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl ReportFile {
    fn create(path: &Path) -> Result<ReportFile> {
        let mut out = std::io::BufWriter::new(output_file(path)?);
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
                reason: Some(explained(f)),
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
        finish_output(tmp, path)
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
