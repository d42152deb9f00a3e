//! `newsdesk export`: the stored records as JSON Lines or one array, to stdout or to a file
//! that is replaced only once complete.
//!
//! Not here: the streaming itself (`newsdesk::export`).

use std::process::ExitCode;

use anyhow::Result;
use newsdesk::export::{self, Format};

use crate::cli::args::{ExportArgs, ExportFormat};
use crate::cli::output::{finish_output, output_file};
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: ExportArgs) -> Result<ExitCode> {
    let store = globals.open_store()?;
    let format = match args.format {
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Json => Format::Json,
    };
    let query = args.query.as_deref();
    let count = match &args.out {
        None => export::export(&store, query, args.dedupe, format, &mut std::io::stdout().lock())?,
        Some(path) => {
            let mut tmp = output_file(path)?;
            let count = {
                let mut w = std::io::BufWriter::new(tmp.as_file_mut());
                export::export(&store, query, args.dedupe, format, &mut w)?
            };
            finish_output(tmp, path)?;
            eprintln!("exported {count} articles to {}", path.display());
            count
        }
    };
    tracing::info!(count, "exported");
    Ok(ExitCode::SUCCESS)
}
