//! The index folder: which folders may hold an index, the layout version newsdesk records
//! beside tantivy's files, the user dictionary kept there, and side files written atomically.
//!
//! A file `newsdesk.json` beside tantivy's own records the layout version, so an index made by
//! an incompatible newsdesk is refused with a clear message instead of misread.
//!
//! Not here: tantivy's own files, the lock (`lock`).

use std::path::{Path, PathBuf};

use super::lock::LOCK_FILE;
use super::{io_error, IndexError};

/// Version of the index layout (fields, tokenizers). Bump it when old indexes cannot be read.
pub const LAYOUT_VERSION: u32 = 3;

pub(crate) const META_FILE: &str = "newsdesk.json";

/// The user dictionary the index was built with; searches must segment with it too.
pub const USER_DICT_FILE: &str = "user-dict.txt";

/// Whether `path` holds an index (tantivy's `meta.json` marks a finished one).
pub(crate) fn exists(path: &Path) -> bool {
    path.join("meta.json").exists()
}

/// Records the layout version in a folder about to become an index. It goes first: tantivy's
/// meta.json marks a finished index, so a crash in between leaves a folder that is simply
/// created again.
pub(crate) fn write_layout(path: &Path) -> Result<(), IndexError> {
    let meta = serde_json::json!({
        "layout": LAYOUT_VERSION,
        "created_by": concat!("newsdesk ", env!("CARGO_PKG_VERSION")),
    });
    std::fs::write(path.join(META_FILE), format!("{meta:#}\n")).map_err(|e| io_error(path, e))
}

pub(crate) fn check_layout(path: &Path) -> Result<(), IndexError> {
    let found = std::fs::read_to_string(path.join(META_FILE))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("layout").and_then(|l| l.as_u64()));
    match found {
        Some(v) if v == u64::from(LAYOUT_VERSION) => Ok(()),
        other => Err(IndexError::Incompatible {
            path: path.to_path_buf(),
            found: other.map_or_else(|| format!("unknown: no readable {META_FILE}"), |v| v.to_string()),
            expected: LAYOUT_VERSION,
        }),
    }
}

/// Refuses a path that holds no index and cannot become one: a file, or a folder holding
/// something other than the files newsdesk writes before the index (an index made in the
/// folder of articles given to `ingest` would scatter tantivy's files among them). Hidden
/// entries do not count: the default `index/` of a checkout holds a `.gitignore`. A folder
/// with newsdesk's layout file was being made into an index when a run ended, and is reused;
/// one with an index is one.
pub(crate) fn check_claimable(path: &Path) -> Result<(), IndexError> {
    if exists(path) || path.join(META_FILE).exists() {
        return Ok(());
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if path.exists() && !path.is_dir() => {
            return Err(IndexError::NotAFolder { path: path.to_path_buf() })
        }
        Err(e) => return Err(io_error(path, e)),
    };
    for entry in entries {
        let name = entry.map_err(|e| io_error(path, e))?.file_name();
        let hidden = name.as_encoded_bytes().starts_with(b".");
        if !hidden && name != LOCK_FILE && name != USER_DICT_FILE {
            let example = name.to_string_lossy().into_owned();
            return Err(IndexError::NotAnIndex { path: path.to_path_buf(), example });
        }
    }
    Ok(())
}

/// The user dictionary kept in the index folder `dir` and where it is, if it has one. The
/// caller installs it ([`crate::segment::install_user_dict`]) before the first segmentation of
/// the process: every search and analysis on the index must cut words as its articles were.
pub fn stored_user_dict(dir: &Path) -> Result<Option<(String, PathBuf)>, IndexError> {
    let path = dir.join(USER_DICT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((text, path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// Installs `text` as the user dictionary of the index at `dir` (creating the folder), before
/// the index is opened. Returns whether it differs from the one the index had.
pub fn install_user_dict(dir: &Path, text: &str, origin: &str) -> Result<bool, IndexError> {
    crate::segment::parse_user_dict(text, origin).map_err(|e| IndexError::UserDict(e.to_string()))?;
    check_claimable(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let target = dir.join(USER_DICT_FILE);
    let previous = std::fs::read_to_string(&target).ok();
    if previous.as_deref() == Some(text) {
        return Ok(false);
    }
    std::fs::write(&target, text).map_err(|e| io_error(&target, e))?;
    Ok(true)
}

/// Writes `value` as JSON to `path` atomically: a temporary file in the same folder, flushed,
/// then renamed over the old one, so a crash leaves the old file or the new one, never half.
/// The side files of the index folder (`files.json`, `http-cache.json`) are written this way.
pub(crate) fn write_json_atomically(path: &Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::new(tmp.as_file_mut());
    serde_json::to_writer(&mut out, value)?;
    out.flush()?;
    drop(out);
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
