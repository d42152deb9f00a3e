//! `newsdesk prepare`: sources to JSON Lines records on stdout or in a (gzipped) file, one JSON
//! object per failed source on stderr, then one with the counts; exit 2 when some failed.
//!
//! Not here: the pipeline without an index (`newsdesk::ingest::prepare`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use newsdesk::ingest;

use crate::cli::args::PrepareArgs;
use crate::cli::job::Job;
use crate::cli::output::{finish_output, output_file};
use crate::cli::settings::Globals;

pub fn run(globals: &Globals, args: PrepareArgs) -> Result<ExitCode> {
    let no_sources = "nothing to prepare: name files, folders, URLs or WARC files, or use --from-file LIST";
    let (sources, mut opts) = args.source.resolve(&Job::default(), no_sources)?;
    opts.threads = args.threads.map_or(0, usize::from);
    if let Some(dict) = &args.source.user_dict {
        let text =
            std::fs::read_to_string(dict).with_context(|| format!("cannot read {}", dict.display()))?;
        newsdesk::segment::install_user_dict(&text, &dict.display().to_string())?;
    }
    let analyzer = globals.analyzer()?;
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
                    // Fast compression: part files are read once, by the load.
                    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
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
