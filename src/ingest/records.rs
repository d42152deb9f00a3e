//! newsdesk records (JSON Lines, plain or gzipped, as `export` and `prepare` write them) as a
//! source: each line an analysed article that goes in as it is, keeping its id and analysis.
//!
//! A file is records when its first line is a JSON object with `schema` and `id`, whatever its
//! name. What needs the whole corpus is decided where the records land, exactly as for
//! articles read from their sources: duplicates by the destination (an index decides them in
//! the same order-free way as `reanalyze`), and keywords again with the corpus's IDF when the
//! index already holds enough articles for it (a prepared record's keywords use jieba's IDF
//! table, like any article ingested before the index reached that size).
//!
//! Not here: writing records (`crate::export`, `prepare`).

use std::io::BufRead;
use std::path::Path;

use super::{Counters, Destination, Failure, IngestOptions, Stage};
use crate::analyze::{Analyzer, DocFreq, MIN_CORPUS_FOR_IDF};
use crate::article::{Article, SCHEMA_VERSION};

/// Whether `path` holds newsdesk records: its first non-blank line (after gunzipping) is a JSON
/// object with `schema` and `id`.
pub fn is_records(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut reader = crate::source::open_decompressed(file);
    // The first line, up to a generous size: one record can be long.
    let mut line = Vec::new();
    loop {
        line.clear();
        match std::io::Read::take(&mut reader, 64 << 20).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(_) => break,
        }
    }
    #[derive(serde::Deserialize)]
    struct Head {
        schema: u32,
        id: String,
    }
    serde_json::from_slice::<Head>(&line).is_ok_and(|h| h.schema > 0 && !h.id.is_empty())
}

/// Hands every record of the file at `path` to `dest`, line by line; a line that is not a
/// record of this schema version is that line's failure.
pub(super) fn load<D: Destination>(
    dest: &mut D,
    path: &Path,
    opts: &IngestOptions,
    analyzer: &Analyzer,
    corpus: &dyn DocFreq,
) -> Result<(), D::Error> {
    let shown = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            dest.fail(Failure::new(&shown, Stage::Read, format!("cannot read {shown}: {e}")));
            return Ok(());
        }
    };
    let reanalyze = corpus.num_docs() >= MIN_CORPUS_FOR_IDF;
    let reader = crate::source::open_decompressed(file);
    for (n, line) in reader.split(b'\n').enumerate() {
        let at = format!("{shown}:{}", n + 1);
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                dest.fail(Failure::new(
                    &at,
                    Stage::Read,
                    format!("cannot read {at}: {e}; the rest of the file is skipped"),
                ));
                break;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        Counters::add(&opts.counters.found, 1);
        let mut article: Article = match serde_json::from_slice::<serde_json::Value>(&line) {
            Ok(v) if v.get("schema").and_then(|s| s.as_u64()) != Some(u64::from(SCHEMA_VERSION)) => {
                let got = v.get("schema").map_or("none".to_string(), |s| s.to_string());
                let message =
                    format!("{at}: a record of schema {got}; this newsdesk reads schema {SCHEMA_VERSION}");
                dest.fail(Failure::new(&at, Stage::Parse, message));
                continue;
            }
            Ok(v) => match serde_json::from_value(v) {
                Ok(a) => a,
                Err(e) => {
                    dest.fail(Failure::new(&at, Stage::Parse, format!("{at}: not a newsdesk record: {e}")));
                    continue;
                }
            },
            Err(e) => {
                dest.fail(Failure::new(&at, Stage::Parse, format!("{at}: not JSON: {e}")));
                continue;
            }
        };
        if reanalyze {
            let analysis = analyzer.analyze(&article.title, &article.text, corpus);
            crate::pipeline::apply_analysis(&mut article, analysis);
        }
        Counters::add(&opts.counters.parsed, 1);
        let location = article.source.location.clone();
        if !dest.accept(article, location, None)? {
            continue;
        }
    }
    Ok(())
}
