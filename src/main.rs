//! The `newsdesk` command: parse the arguments, set up logging, run, map the outcome to an
//! exit code (0 ok, 1 nothing found, 2 error). Everything else is in `cli/`.
//!
//! Not here: anything a command does (`cli/`).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: ingest allocates and frees millions of small
/// strings (tokens, words, records) across threads, where glibc's malloc cost ~12 % of CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        // A reader that stopped reading (`newsdesk export | head`) is not an error.
        Err(e) if cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}{}", cli::hint(&e));
            ExitCode::from(2)
        }
    }
}
