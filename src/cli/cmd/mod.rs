//! One file per command: each turns its resolved settings into library calls and the results
//! into output, and returns the exit code.
//!
//! Not here: clap's definitions (`args`), merging flags with files and defaults (`settings`),
//! the printers (`human`, `output`).

mod export;
mod ingest;
mod prepare;
mod prune;
mod push;
mod reanalyze;
mod remove;
mod report;
mod search;
mod serve;
mod show;
mod stats;
mod topics;

use std::process::ExitCode;

use anyhow::Result;

use super::args::Command;
use super::settings::Globals;

/// Runs `command`.
pub fn run(globals: &Globals, command: Command) -> Result<ExitCode> {
    match command {
        Command::Ingest(args) => ingest::run(globals, args),
        Command::Search(args) => search::run(globals, args),
        Command::Show(args) => show::run(globals, args),
        Command::Stats(args) => stats::run(globals, args),
        Command::Export(args) => export::run(globals, args),
        Command::Topics(args) => topics::run(globals, args),
        Command::Reanalyze => reanalyze::run(globals),
        Command::Remove(args) => remove::run(globals, args),
        Command::Prune(args) => prune::run(globals, args),
        Command::Serve(args) => serve::run(globals, args),
        Command::Report(args) => report::run(globals, args),
        Command::Push(args) => push::run(globals, args),
        Command::Prepare(args) => prepare::run(globals, args),
    }
}
