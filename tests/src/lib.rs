//! Helpers shared by the cross-crate tests in `tests/tests/`.
//!
//! The main one is [`DirSnapshot`]: every file of a directory with its exact bytes, so a test
//! can prove that refusing bad input changed nothing on disk — no byte of the database, its WAL
//! or any file beside it, and no file created or removed.

use std::collections::BTreeMap;
use std::path::Path;

/// Every regular file directly inside a directory, by name, with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSnapshot(BTreeMap<String, Vec<u8>>);

impl DirSnapshot {
    /// Reads the directory now.
    pub fn take(dir: &Path) -> std::io::Result<Self> {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = if entry.file_type()?.is_file() {
                std::fs::read(entry.path())?
            } else {
                Vec::new()
            };
            files.insert(name, bytes);
        }
        Ok(Self(files))
    }

    /// The file names, for messages.
    pub fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}
