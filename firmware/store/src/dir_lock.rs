//! One kiosk process per data directory: `DATA_DIR/kiosk.lock`, held with `flock(2)`.
//!
//! Why: two kiosks started on one data directory share its database, its keys and its tracking
//! sequence; the second one used to fail deep inside SQLite ("disk I/O error", "database is
//! locked") or, worse, race the first one through a fresh database's creation. The lock is taken
//! before the database is opened, and a second taker is refused naming the directory and the PID
//! that holds it.
//!
//! How: the file is opened (created if missing, never truncated before the lock is ours) and
//! locked with `flock(LOCK_EX | LOCK_NB)` (what [`std::fs::File::try_lock`] does on Linux). The
//! holder writes its PID into it. An flock belongs to the open file description, so:
//! - it is released when the holder's descriptor is closed: on drop, on exit, and by the kernel
//!   when the process crashes or is killed — a stale file never blocks a restart;
//! - two separate opens conflict even inside one process;
//! - the descriptor is opened close-on-exec, so a child process started with `exec` never
//!   keeps the lock (between its fork and its exec it briefly holds a copy: a lock dropped in
//!   that instant is released only at the exec).
//!
//! The file itself is never removed: unlinking a lock file lets a third process lock a new file
//! under the same name while the second still holds the old one. On drop the PID is cleared.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file's name inside the data directory.
pub const LOCK_FILE_NAME: &str = "kiosk.lock";

/// The data directory's lock, held while this value lives.
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
    path: PathBuf,
}

/// Why the data directory's lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum DirLockError {
    /// Another process holds it.
    #[error(
        "{}: the data directory is in use by another kiosk process ({}, holding {}); refusing \
         to start a second kiosk on it: stop that process first",
        dir.display(),
        held_by(.pid),
        lock_file.display()
    )]
    Held {
        /// The data directory.
        dir: PathBuf,
        /// Its lock file.
        lock_file: PathBuf,
        /// The PID written in the lock file by its holder (`None` when it had not written it
        /// yet, or the file holds something else).
        pid: Option<u32>,
    },
    /// The lock file could not be opened, locked or written.
    #[error("{}: could not {action}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

fn held_by(pid: &Option<u32>) -> String {
    match pid {
        Some(pid) => format!("PID {pid}"),
        None => "PID unknown: it has not written it yet".to_owned(),
    }
}

impl DataDirLock {
    /// Takes the lock of the data directory `dir` (which must exist), writing this process's
    /// PID into it. Never waits: a lock held elsewhere is [`DirLockError::Held`].
    pub fn acquire(dir: &Path) -> Result<Self, DirLockError> {
        let path = dir.join(LOCK_FILE_NAME);
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| DirLockError::Io {
                path,
                action,
                source,
            }
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&path)
            .map_err(io("open the data directory's lock file"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(DirLockError::Held {
                    dir: dir.to_owned(),
                    pid: holder_pid(&file),
                    lock_file: path,
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(io("lock the data directory's lock file")(e));
            }
        }
        let pid = format!("{}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all_at(pid.as_bytes(), 0))
            .and_then(|()| file.sync_data())
            .map_err(io("write the PID into the data directory's lock file"))?;
        Ok(Self { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        // The PID goes while the lock is still ours; closing the file releases the lock.
        if let Err(e) = self.file.set_len(0) {
            tracing::warn!(file = %self.path.display(), error = %e, "could not clear the lock file");
        }
    }
}

/// The PID the holder wrote. It writes right after locking, so an empty file is read again a
/// few times before giving up.
fn holder_pid(file: &File) -> Option<u32> {
    for attempt in 0..5 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut buf = [0u8; 32];
        let n = file.read_at(&mut buf, 0).ok()?;
        let text = std::str::from_utf8(&buf[..n]).ok()?.trim();
        if !text.is_empty() {
            return text.parse().ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_directory_and_the_pid() {
        let e = DirLockError::Held {
            dir: "/var/lib/kiosk".into(),
            lock_file: "/var/lib/kiosk/kiosk.lock".into(),
            pid: Some(4242),
        };
        let text = e.to_string();
        assert!(
            text.starts_with("/var/lib/kiosk: ") && text.contains("PID 4242"),
            "{text}"
        );
        let e = DirLockError::Held {
            dir: "/d".into(),
            lock_file: "/d/kiosk.lock".into(),
            pid: None,
        };
        assert!(e.to_string().contains("PID unknown"), "{e}");
    }
}
