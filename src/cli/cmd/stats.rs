//! `newsdesk stats`: counts per source, category and month.
//!
//! Not here: the counting (`newsdesk::stats`), the printer (`human::print_stats`).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::StatsArgs;
use crate::cli::human::print_stats;
use crate::cli::output::emit;
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: StatsArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let s = newsdesk::stats::stats(&store)?;
    emit(args.json, &s, |out| print_stats(out, &s))?;
    Ok(ExitCode::SUCCESS)
}
