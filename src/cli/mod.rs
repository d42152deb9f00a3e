//! The command line: the only part of newsdesk that knows flag names, colours and human
//! wording.
//!
//! ```text
//! args (clap) ──► settings (flags ⊕ job file ⊕ environment ⊕ defaults, resolved once)
//!             ──► cmd/<command>.rs (library calls) ──► output / human (stdout, files, colour)
//! ```
//!
//! Library errors carry data; [`hint`] adds what to do about them in terms of this command
//! line.
//!
//! Not here: any pipeline work (the `newsdesk` library does it all).

mod args;
mod cmd;
mod human;
mod job;
mod output;
mod settings;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;

pub use args::Cli;
pub use output::{hint, is_broken_pipe};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let globals = settings::Globals::resolve(&cli);
    cmd::run(&globals, cli.command)
}

/// Logging on stderr: `-v` and `RUST_LOG`, coloured only on a terminal without `NO_COLOR`.
pub fn init_logging(verbose: u8) {
    // Up to -vv, only newsdesk's own messages get more verbose: html5ever and tantivy log every
    // tag and every file they touch at debug level. -vvv lets theirs through too.
    let default = match verbose {
        0 => "warn",
        1 => "warn,newsdesk=info",
        2 => "warn,newsdesk=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && !settings::no_color_env())
        .init();
}
