//! `newsdesk prune --missing`: delete the articles whose source file is gone.
//!
//! Not here: the checking and deleting (`newsdesk::ingest::prune_missing`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::PruneArgs;
use crate::cli::output::emit;
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: PruneArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let report = newsdesk::ingest::prune_missing(&store, args.dry_run)?;
    emit(args.json, &report, |out| {
        report.missing.iter().try_for_each(|m| writeln!(out, "{}\t{}", m.id, m.path))
    })?;
    eprintln!(
        "{} {} of {} articles from local files (source gone)",
        if args.dry_run { "would prune" } else { "pruned" },
        report.missing.len(),
        report.checked
    );
    Ok(ExitCode::SUCCESS)
}
