//! Where output goes: stdout (pretty JSON or the human printers), files replaced only once
//! complete, and the colours of a terminal.
//!
//! Not here: the human wording of each result (`human`), what to print (`cmd/`).

use std::io::Write;

use anyhow::{bail, Context, Result};

/// Writes `value` to stdout as pretty JSON when `json`, else as text by `human`.
pub fn emit<T: serde::Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        human(&mut out)
    };
    // Flushed here: an error left for the drop of the buffer would go unreported.
    written.and_then(|()| out.flush()).context("cannot write to standard output")
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind))
            .or_else(|| match cause.downcast_ref::<newsdesk::export::ExportError>() {
                Some(newsdesk::export::ExportError::Write(io)) => Some(io.kind()),
                _ => None,
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// A temporary file beside `path` that [`finish_output`] renames over it once it is whole, so
/// a failed run never leaves half a file. It gets the mode an ordinary new file would (0666
/// less the umask), or that of the file it replaces, not tempfile's private 0600.
pub fn output_file(path: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        bail!(
            "cannot write {}: it is a folder; name a file, e.g. {}",
            path.display(),
            path.join("out.json").display()
        );
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("cannot write {}: there is no folder {}; create it first", path.display(), dir.display())
        }
        Ok(m) if !m.is_dir() => bail!("cannot write {}: {} is not a folder", path.display(), dir.display()),
        _ => {}
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".newsdesk-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Masked by the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(|e| {
        // tempfile's error names the temporary file, which means nothing to the user; the
        // cause it wraps is kept.
        let cause = e.get_ref().and_then(|inner| std::error::Error::source(inner)).map(ToString::to_string);
        std::io::Error::new(e.kind(), cause.unwrap_or_else(|| e.kind().to_string()))
    });
    let tmp = tmp.with_context(|| format!("cannot write {}", path.display()))?;
    if let Some(replaced) = existing.filter(std::fs::Metadata::is_file) {
        // Exactly the replaced file's mode, which the umask must not narrow.
        tmp.as_file()
            .set_permissions(replaced.permissions())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(tmp)
}

/// Puts a complete [`output_file`] in place.
pub fn finish_output(tmp: tempfile::NamedTempFile, path: &std::path::Path) -> Result<()> {
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// ANSI styling, on or off.
#[derive(Clone, Copy)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    pub fn paint(&self, code: &str, s: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn highlight(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
}

/// What to do about a library error, in terms of this command line: appended to its message.
/// The library's errors say what failed and where; only the CLI knows its flags.
pub fn hint(e: &anyhow::Error) -> &'static str {
    use newsdesk::export::ExportError;
    use newsdesk::index::IndexError;
    use newsdesk::search::SearchError;

    fn of_index(e: &IndexError) -> &'static str {
        match e {
            IndexError::Missing { .. } => {
                "; create one with `newsdesk ingest PATH…` (or point --index / NEWSDESK_INDEX at an existing one)"
            }
            IndexError::NotAFolder { .. } => "; point --index (or NEWSDESK_INDEX) at a folder",
            IndexError::NotAnIndex { .. } => {
                "; point --index (or NEWSDESK_INDEX) at a new or empty folder, or at an existing index"
            }
            IndexError::Incompatible { .. } => "; ingest again into a new --index folder",
            _ => "",
        }
    }
    fn of_search(e: &SearchError) -> &'static str {
        match e {
            SearchError::Index(e) => of_index(e),
            SearchError::BadQuery { .. } => " (see `newsdesk search --help` for the syntax)",
        }
    }
    e.chain()
        .find_map(|cause| {
            let hint = if let Some(e) = cause.downcast_ref::<IndexError>() {
                of_index(e)
            } else if let Some(e) = cause.downcast_ref::<SearchError>() {
                of_search(e)
            } else {
                match cause.downcast_ref::<ExportError>()? {
                    ExportError::Search(e) => of_search(e),
                    ExportError::Index(e) => of_index(e),
                    ExportError::Write(_) => "",
                }
            };
            Some(hint)
        })
        .unwrap_or("")
}
