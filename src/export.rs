//! Streams stored articles out as JSON Lines or one JSON array.
//!
//! Records are written as they were stored, one at a time, so memory stays flat however large
//! the index; order is the index's (not by date). A query narrows the set with the same
//! language as `search`.
//!
//! Not here: any conversion of the record (the stored JSON *is* the export schema).

use std::io::Write;

use crate::index::{IndexError, Store};
use crate::search::{SearchError, SearchRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// One JSON array.
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot write the export: {0}")]
    Write(std::io::Error),
}

// Not `#[from]`: that would also make the I/O error the `source`, and print it twice.
impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        ExportError::Write(e)
    }
}

/// Writes every article matching `query` (all of them for `None`; without repeats of earlier
/// articles if `dedupe`) to `out`; returns the count.
pub fn export(
    store: &Store,
    query: Option<&str>,
    dedupe: bool,
    format: Format,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let request =
        SearchRequest { query: query.unwrap_or("*").to_string(), dedupe, ..SearchRequest::default() };
    // The array opens with the first record (or at the end), so a query that cannot be parsed
    // writes nothing.
    let mut first = true;
    let count = store.for_each_matching_record(&request, |json| -> Result<(), ExportError> {
        match format {
            Format::Jsonl => {
                out.write_all(json.as_bytes())?;
                out.write_all(b"\n")?;
            }
            Format::Json => {
                out.write_all(if first { b"[\n" } else { b",\n" })?;
                out.write_all(json.as_bytes())?;
            }
        }
        first = false;
        Ok(())
    })?;
    if format == Format::Json {
        out.write_all(if first { b"[\n]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    Ok(count)
}
