//! The write lock: one process writes an index at a time.
//!
//! The lock file names the process that writes an index. It is held with an OS file lock
//! (`flock`), which the kernel releases when the process ends however it ends, so a lock left
//! by a crashed or killed process is never in force: the next writer takes it, sees the old
//! pid in the file, and says so.
//!
//! Not here: tantivy's own lock (taken after this one, by the writer).

use std::path::Path;

use super::{io_error, IndexError};

pub(crate) const LOCK_FILE: &str = "newsdesk.lock";

pub(crate) struct WriterLock {
    file: std::fs::File,
}

impl WriterLock {
    pub(crate) fn acquire(dir: &Path) -> Result<WriterLock, IndexError> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(LOCK_FILE);
        let io = |e: std::io::Error| io_error(&path, e);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut holder = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut holder);
                return Err(IndexError::Busy { path: dir.to_path_buf(), pid: holder.trim().parse().ok() });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.read_to_string(&mut holder).map_err(io)?;
        if let Ok(pid) = holder.trim().parse::<u32>() {
            // A clean exit empties the file: a pid in it is a writer that died mid-run.
            tracing::warn!(
                "{}: recovered the write lock of newsdesk process {pid}, which ended without releasing it \
                 (killed or crashed); what it had not committed is not in the index, so run its ingest again",
                dir.display()
            );
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(WriterLock { file })
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Emptied while still locked; the lock itself goes with the file handle.
        let _ = self.file.set_len(0);
    }
}
