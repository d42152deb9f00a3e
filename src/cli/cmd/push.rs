//! `newsdesk push`: the stored articles to a search engine, with a summary on stderr, a
//! progress bar on a terminal, and `--report`; exit 2 when some documents were refused.
//!
//! Not here: batching, retries and resuming (`newsdesk::push`), the engines' formats
//! (`newsdesk::engine`).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use newsdesk::engine::{Client, RetryPolicy};
use newsdesk::push::{self, PushRequest};
use newsdesk::search::SearchRequest;

use crate::cli::args::PushArgs;
use crate::cli::output::{finish_output, output_file};
use crate::cli::settings::{date_range, Globals};

pub fn run(globals: &Globals, args: PushArgs) -> Result<ExitCode> {
    let kind = args.engine.kind()?;
    if args.print_schema {
        let collection = args.engine.collection.as_deref().unwrap_or("news");
        let schema = serde_json::to_string_pretty(&kind.schema(collection))?;
        writeln!(std::io::stdout().lock(), "{schema}")?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run && args.resume {
        bail!("--dry-run sends nothing, so there is nothing to --resume");
    }
    let store = globals.open_store()?;
    let (since, until) = date_range(args.since.as_deref(), args.until.as_deref(), args.default_tz)?;
    let req = PushRequest {
        select: SearchRequest {
            query: args.query.clone().unwrap_or_else(|| "*".to_string()),
            since,
            until,
            topics: args.topics.clone(),
            dedupe: args.dedupe,
            ..SearchRequest::default()
        },
        batch_docs: args.batch_docs as usize,
        batch_bytes: args.batch_bytes,
        resume: args.resume,
    };
    if args.dry_run {
        let collection = args.engine.collection()?;
        let (docs, batches, bytes) = push::dry_run(
            &store,
            kind,
            collection,
            &req,
            &mut std::io::BufWriter::new(std::io::stdout().lock()),
        )?;
        eprintln!("dry run: {docs} documents in {batches} requests, {bytes} bytes; nothing was sent");
        return Ok(ExitCode::SUCCESS);
    }
    let target = args.engine.target()?;
    let client = Client::new(target, RetryPolicy::default())?;
    if args.create_schema {
        let what = client.collection_word();
        if client.create_collection()? {
            eprintln!("created the {what} {:?} with newsdesk's schema", client.target().collection);
        } else {
            eprintln!("the {what} {:?} exists; its mapping is kept as it is", client.target().collection);
        }
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} documents {per_sec}")
                .expect("valid template"),
        );
        bar
    });
    let report = push::push(&store, &client, &req, |done, matched| {
        if let Some(bar) = &bar {
            bar.set_length(matched);
            bar.set_position(done);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(path) = &args.report {
        let mut tmp = output_file(path)?;
        serde_json::to_writer_pretty(tmp.as_file_mut(), &report)
            .with_context(|| format!("cannot write {}", path.display()))?;
        finish_output(tmp, path)?;
    }
    let resumed = if report.resumed_after > 0 {
        format!(" (after {} done before)", report.resumed_after)
    } else {
        String::new()
    };
    eprintln!(
        "pushed {} of {} articles to {} {:?} at {}{resumed} in {} requests ({:.1} s); {} refused, {} retried",
        report.pushed,
        report.matched,
        report.engine,
        report.collection,
        report.url,
        report.batches,
        report.seconds,
        report.failed.len(),
        report.retried,
    );
    for f in report.failed.iter().take(10) {
        eprintln!("  refused {} ({}): {} {}", f.id, f.source, f.status, f.reason);
    }
    if report.failed.len() > 10 {
        eprintln!("  … and {} more (see --report)", report.failed.len() - 10);
    }
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
