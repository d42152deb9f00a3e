//! `newsdesk topics`: article counts per topic, overall and per month.
//!
//! Not here: the counting (`newsdesk::stats::topic_stats`), the printer (`human::print_topics`).

use std::process::ExitCode;

use anyhow::Result;
use newsdesk::parse::date;

use crate::cli::args::TopicsArgs;
use crate::cli::human::print_topics;
use crate::cli::output::emit;
use crate::cli::settings::{date_range, Globals};

pub fn run(globals: &Globals, args: TopicsArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let analyzer = globals.analyzer()?;
    let (since, until) = date_range(args.since.as_deref(), args.until.as_deref(), date::default_zone())?;
    let topics = newsdesk::stats::topic_stats(&store, analyzer.taxonomy(), since, until, &args.topics)?;
    if let Some(unknown) = newsdesk::stats::unknown_topic(&topics, &args.topics) {
        anyhow::bail!("--topic {unknown:?} is not a topic of the taxonomy or the index; `newsdesk topics` lists their ids");
    }
    emit(args.json, &topics, |out| print_topics(out, &topics))?;
    Ok(ExitCode::SUCCESS)
}
