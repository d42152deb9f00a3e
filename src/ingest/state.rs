//! What was ingested from each file: its size, modification time and article id, so that a
//! re-run skips an unchanged file with one `stat` instead of reading, parsing and analysing it.
//!
//! Kept as `files.json` in the index folder and rewritten (atomically) after every commit with
//! the files that commit made durable, never before: after a crash the state never vouches for
//! an article the index does not have. `remove` and `prune` drop the entries of the articles
//! they delete for the same reason.
//!
//! Not here: HTTP validators of URLs (`fetch`, the HTTP cache), the articles themselves (the
//! index).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::article::ArticleId;

/// A file's size and modification time: equal stamps mean "not touched since".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Stamp { size: meta.len(), mtime_ns }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub stamp: Stamp,
    pub id: ArticleId,
}

/// What is kept of a file: 24 bytes (~40 with its key in the map). An archive's state is held whole while it is ingested, so
/// a path (keyed by its 64-bit hash) and an id (the number its 16 hex digits spell) kept as
/// strings would cost ~200 bytes an article instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    stamp: Stamp,
    id: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FileState {
    version: u32,
    /// By xxh3 of the absolute path (as given, not resolved through symlinks: no extra syscall
    /// per file). Two paths with one hash *and* one size and mtime would be mistaken for each
    /// other: odds of 2⁻⁶⁴ for each pair.
    files: HashMap<u64, Kept>,
}

/// `files.json` as version 1 wrote it (paths and ids as strings), read to carry it over.
#[derive(Deserialize)]
struct Version1 {
    version: u32,
    files: HashMap<String, Version1Entry>,
}

#[derive(Deserialize)]
struct Version1Entry {
    stamp: Stamp,
    id: String,
}

const VERSION: u32 = 2;

fn path_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

impl FileState {
    pub const FILE: &'static str = "files.json";

    /// The state of the index at `dir`; missing or unreadable means empty (it only saves work).
    pub fn load(dir: &Path) -> FileState {
        let Ok(bytes) = std::fs::read(dir.join(Self::FILE)) else { return FileState::default() };
        // One parse in the usual case: the current version first, version 1 only if that fails.
        let state = serde_json::from_slice::<FileState>(&bytes)
            .ok()
            .filter(|state| state.version == VERSION)
            .or_else(|| {
                let old = serde_json::from_slice::<Version1>(&bytes).ok().filter(|old| old.version == 1)?;
                let mut state = FileState::default();
                for (key, e) in old.files {
                    // An id newsdesk did not make is not kept (and its file is read again).
                    if let Ok(id) = e.id.parse() {
                        state.insert(key, Entry { stamp: e.stamp, id });
                    }
                }
                Some(state)
            });
        state.unwrap_or_else(|| {
            tracing::warn!("ignoring unreadable {}; every file is read again", Self::FILE);
            FileState::default()
        })
    }

    pub fn save(&mut self, dir: &Path) -> std::io::Result<()> {
        self.version = VERSION;
        crate::index::write_json_atomically(&dir.join(Self::FILE), self)
    }

    /// The key of a path: its absolute form, also how the path is reported.
    pub fn key(path: &Path) -> String {
        std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path)).to_string_lossy().into_owned()
    }

    /// The id stored for `key` if its file still has `stamp`.
    pub fn unchanged(&self, key: &str, stamp: Stamp) -> Option<ArticleId> {
        self.files.get(&path_hash(key)).filter(|e| e.stamp == stamp).map(|e| ArticleId::from_u64(e.id))
    }

    /// Records a file.
    pub fn insert(&mut self, key: String, entry: Entry) {
        self.files.insert(path_hash(&key), Kept { stamp: entry.stamp, id: entry.id.as_u64() });
    }

    /// Forgets every file whose article is one of `ids`.
    pub fn forget_ids(&mut self, ids: &HashSet<ArticleId>) {
        self.files.retain(|_, e| !ids.contains(&ArticleId::from_u64(e.id)));
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "792d74f2453b6e27";

    fn id() -> ArticleId {
        ID.parse().unwrap()
    }

    #[test]
    fn round_trip_and_stamps() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        std::fs::write(&file, "x").unwrap();
        let stamp = Stamp::of(&std::fs::metadata(&file).unwrap());
        let mut state = FileState::default();
        state.insert(FileState::key(&file), Entry { stamp, id: id() });
        state.save(dir.path()).unwrap();
        let mut state = FileState::load(dir.path());
        assert_eq!(state.unchanged(&FileState::key(&file), stamp), Some(id()));
        assert_eq!(state.unchanged(&FileState::key(&file), Stamp { size: 2, ..stamp }), None);
        state.forget_ids(&HashSet::from([id()]));
        assert!(state.is_empty());
        std::fs::write(dir.path().join(FileState::FILE), "{broken").unwrap();
        assert!(FileState::load(dir.path()).is_empty());
    }

    #[test]
    fn a_version_1_file_is_carried_over() {
        let dir = tempfile::tempdir().unwrap();
        let v1 = format!(
            r#"{{"version":1,"files":{{"/archive/a.md":{{"stamp":{{"size":3,"mtime_ns":7}},"id":"{ID}"}}}}}}"#
        );
        std::fs::write(dir.path().join(FileState::FILE), v1).unwrap();
        let state = FileState::load(dir.path());
        assert_eq!(state.unchanged("/archive/a.md", Stamp { size: 3, mtime_ns: 7 }), Some(id()));
        assert_eq!(state.unchanged("/archive/b.md", Stamp { size: 3, mtime_ns: 7 }), None);
    }
}
