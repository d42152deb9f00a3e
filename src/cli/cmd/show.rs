//! `newsdesk show ID`: one article, as text or as its stored JSON record.
//!
//! Not here: the printer (`human::print_article`).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::args::ShowArgs;
use crate::cli::human::print_article;
use crate::cli::output::emit;
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: ShowArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    // Anything that is not an id is simply not in the index.
    let found = args.id.parse().ok().map(|id| store.get(id)).transpose()?.flatten();
    let Some(article) = found else {
        eprintln!("no article with id {} in {}", args.id, globals.index().display());
        return Ok(ExitCode::from(1));
    };
    emit(args.json, &article, |out| print_article(out, &article, globals.style))?;
    Ok(ExitCode::SUCCESS)
}
