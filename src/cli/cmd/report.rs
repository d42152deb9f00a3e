//! `newsdesk report --out FILE.html`: the offline report, written whole or not at all.
//!
//! Not here: what the report holds and how it is drawn (`newsdesk::report`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use newsdesk::parse::date;
use newsdesk::report::{self, ReportRequest};

use crate::cli::args::ReportArgs;
use crate::cli::output::{finish_output, output_file};
use crate::cli::settings::{date_range, Globals};

pub fn run(globals: &Globals, args: ReportArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let analyzer = globals.analyzer()?;
    let (since, until) = date_range(args.since.as_deref(), args.until.as_deref(), date::default_zone())?;
    let listed = newsdesk::stats::topic_stats(&store, analyzer.taxonomy(), since, until, &[])?;
    if let Some(unknown) = newsdesk::stats::unknown_topic(&listed, &args.topics) {
        bail!("--topic {unknown:?} is not a topic of the taxonomy or the index; `newsdesk topics` lists their ids");
    }
    let period_label = match (&args.since, &args.until) {
        (None, None) => "all articles".to_string(),
        (s, u) => {
            format!("{} to {}", s.as_deref().unwrap_or("the first"), u.as_deref().unwrap_or("the last"))
        }
    };
    let req = ReportRequest { since, until, topics: args.topics, period_label };
    let html = report::build(&store, analyzer.taxonomy(), &req, chrono::Utc::now())?;
    let mut tmp = output_file(&args.out)?;
    tmp.write_all(html.as_bytes()).with_context(|| format!("cannot write {}", args.out.display()))?;
    finish_output(tmp, &args.out)?;
    eprintln!("wrote {} ({} KiB)", args.out.display(), html.len().div_ceil(1024));
    Ok(ExitCode::SUCCESS)
}
