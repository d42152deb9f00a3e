//! What was ingested from each file: its size, modification time and article id, so that a
//! re-run skips an unchanged file with one `stat` instead of reading, parsing and analysing it.
//!
//! Kept as `files.json` in the index folder and rewritten (atomically) after every commit with
//! the files that commit made durable, never before: after a crash the state never vouches for
//! an article the index does not have. `remove` and `prune` drop the entries of the articles
//! they delete for the same reason.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub stamp: Stamp,
    pub id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FileState {
    version: u32,
    /// By absolute path (as given, not resolved through symlinks: no extra syscall per file).
    files: HashMap<String, Entry>,
}

const VERSION: u32 = 1;

impl FileState {
    pub const FILE: &'static str = "files.json";

    /// The state of the index at `dir`; missing or unreadable means empty (it only saves work).
    pub fn load(dir: &Path) -> FileState {
        match std::fs::read(dir.join(Self::FILE)) {
            Ok(bytes) => match serde_json::from_slice::<FileState>(&bytes) {
                Ok(state) if state.version == VERSION => state,
                _ => {
                    tracing::warn!("ignoring unreadable {}; every file is read again", Self::FILE);
                    FileState::default()
                }
            },
            Err(_) => FileState::default(),
        }
    }

    pub fn save(&mut self, dir: &Path) -> std::io::Result<()> {
        self.version = VERSION;
        crate::index::write_json_atomically(&dir.join(Self::FILE), self)
    }

    /// The key of a path.
    pub fn key(path: &Path) -> String {
        std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path)).to_string_lossy().into_owned()
    }

    /// The id stored for `key` if its file still has `stamp`.
    pub fn unchanged(&self, key: &str, stamp: Stamp) -> Option<&str> {
        self.files.get(key).filter(|e| e.stamp == stamp).map(|e| e.id.as_str())
    }

    pub fn insert(&mut self, key: String, entry: Entry) {
        self.files.insert(key, entry);
    }

    /// Forgets every file whose article is one of `ids`.
    pub fn forget_ids(&mut self, ids: &HashSet<String>) {
        self.files.retain(|_, e| !ids.contains(&e.id));
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

    #[test]
    fn round_trip_and_stamps() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        std::fs::write(&file, "x").unwrap();
        let stamp = Stamp::of(&std::fs::metadata(&file).unwrap());
        let mut state = FileState::default();
        state.insert(FileState::key(&file), Entry { stamp, id: "id1".into() });
        state.save(dir.path()).unwrap();
        let mut state = FileState::load(dir.path());
        assert_eq!(state.unchanged(&FileState::key(&file), stamp), Some("id1"));
        assert_eq!(state.unchanged(&FileState::key(&file), Stamp { size: 2, ..stamp }), None);
        state.forget_ids(&HashSet::from(["id1".to_string()]));
        assert!(state.is_empty());
        std::fs::write(dir.path().join(FileState::FILE), "{broken").unwrap();
        assert!(FileState::load(dir.path()).is_empty());
    }
}
