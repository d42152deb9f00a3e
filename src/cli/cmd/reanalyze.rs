//! `newsdesk reanalyze`: analysis and duplicates decided afresh over the stored articles.
//!
//! Not here: the work itself (`newsdesk::ingest::reanalyze`).

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::settings::Globals;

pub fn run(globals: &Globals) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let analyzer = globals.analyzer()?;
    let report = newsdesk::ingest::reanalyze(&store, &analyzer)?;
    eprintln!(
        "reanalyzed {} articles: {} changed, {} duplicates, in {:.1}s",
        report.articles,
        report.changed,
        report.duplicates,
        report.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
