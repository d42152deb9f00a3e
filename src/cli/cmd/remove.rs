//! `newsdesk remove ID…`: delete articles by id; exit 1 when an id is unknown.
//!
//! Not here: the deleting (`newsdesk::ingest::remove`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::RemoveArgs;
use crate::cli::output::emit;
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: RemoveArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let index = globals.index();
    let report = newsdesk::ingest::remove(&store, &args.ids)?;
    emit(args.json, &report, |out| report.removed.iter().try_for_each(|id| writeln!(out, "{id}")))?;
    for id in &report.unknown {
        eprintln!("no article with id {id} in {}", index.display());
    }
    eprintln!("removed {} of {} articles from {}", report.removed.len(), args.ids.len(), index.display());
    Ok(if report.unknown.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
