//! `newsdesk prepare`: sources to JSON Lines records on stdout or in a (gzipped) file, one JSON
//! object per failed source on stderr, then one with the counts; exit 2 when some failed.
//!
//! Not here: the pipeline without an index (`newsdesk::ingest::prepare`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use newsdesk::ingest::{self, IngestOptions, SourceSpec};
use newsdesk::parse::{date, ParseOptions};

use crate::cli::args::PrepareArgs;
use crate::cli::output::{finish_output, output_file};
use crate::cli::settings::{read_list, Globals};

pub fn run(globals: &Globals, args: PrepareArgs) -> Result<ExitCode> {
    let mut sources: Vec<SourceSpec> = args.sources.iter().map(|s| SourceSpec::parse(s)).collect();
    if let Some(list) = &args.from_file {
        sources.extend(read_list(list)?.iter().map(|s| SourceSpec::parse(s)));
    }
    if sources.is_empty() {
        bail!("nothing to prepare: name files, folders, URLs or WARC files, or use --from-file LIST");
    }
    if let Some(dict) = &args.user_dict {
        let text =
            std::fs::read_to_string(dict).with_context(|| format!("cannot read {}", dict.display()))?;
        newsdesk::segment::install_user_dict(&text, &dict.display().to_string())?;
    }
    let analyzer = globals.analyzer()?;
    let defaults = IngestOptions::default();
    let opts = IngestOptions {
        parse: ParseOptions { default_zone: args.default_tz.unwrap_or_else(date::default_zone) },
        max_file_bytes: args.max_file_size.unwrap_or(defaults.max_file_bytes),
        follow_links: args.follow_links,
        fetch: args.fetch.options(),
        ..defaults
    };
    let stderr = std::io::stderr();
    let mut on_failure = |f: &ingest::Failure| {
        let line = serde_json::json!({"source": f.location, "stage": f.stage, "reason": f.message});
        let _ = writeln!(stderr.lock(), "{line}");
    };
    let report = match &args.out {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            ingest::prepare(&sources, &opts, &analyzer, &mut out, &mut on_failure)?
        }
        Some(path) => {
            let mut tmp = output_file(path)?;
            let report = {
                let file = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
                let gzip = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
                if gzip {
                    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::new(6));
                    let report = ingest::prepare(&sources, &opts, &analyzer, &mut gz, &mut on_failure)?;
                    gz.finish().with_context(|| format!("cannot write {}", path.display()))?;
                    report
                } else {
                    let mut file = file;
                    ingest::prepare(&sources, &opts, &analyzer, &mut file, &mut on_failure)?
                }
            };
            finish_output(tmp, path)?;
            report
        }
    };
    let summary = serde_json::json!({
        "prepared": report.records,
        "failed": report.failed,
        "seconds": (report.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
    });
    writeln!(std::io::stderr().lock(), "{summary}")?;
    Ok(if report.failed > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
