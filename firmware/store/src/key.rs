//! The database key: 32 random bytes kept hex-encoded in a root-only file made at provisioning.
//!
//! Why a raw key and not a passphrase: SQLCipher derives a key from a passphrase with 256 000
//! PBKDF2 rounds on every open; a raw key (`PRAGMA key = "x'…'"`) skips that, and 32 bytes from
//! the OS random generator need no stretching. Why a file: the kiosk starts unattended, so the
//! key cannot be typed; the file is readable by its owner only (mode 0400/0600), and the store
//! refuses a file that group or others could read, so a too-open key is noticed at the next start
//! instead of silently weakening the encryption.
//!
//! The key never appears in `Debug` output, errors or logs, and its bytes are zeroed on drop.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use rand::RngCore as _;
use zeroize::{Zeroize as _, Zeroizing};

/// Bytes in a database key.
pub const KEY_BYTES: usize = 32;

/// Largest key file read: 64 hexadecimal digits and a line end are 65 bytes; the bound leaves
/// room for surrounding whitespace and refuses a wrong file (a log, `/dev/zero`) at once.
pub const MAX_KEY_FILE_BYTES: usize = 4096;

/// Mode of a key file written by [`DatabaseKey::write_new`]: read-only for its owner.
pub const KEY_FILE_MODE: u32 = 0o400;

/// A SQLCipher raw key.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; KEY_BYTES]);

impl Drop for DatabaseKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(<redacted>)")
    }
}

/// Why a key file cannot be used. Every message starts with the key file's path and never shows
/// its content.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// No file at the path.
    #[error(
        "{}: the database key file is missing; a provisioned kiosk has one (made by \
         `kioskctl db keygen --out FILE`); without it the encrypted database cannot be opened",
        path.display()
    )]
    Missing {
        /// The key file.
        path: PathBuf,
    },
    /// Something other than a regular file is at the path.
    #[error("{}: the database key file is not a regular file", path.display())]
    NotAFile {
        /// The key file.
        path: PathBuf,
    },
    /// Group or others may read or write the file.
    #[error(
        "{}: the database key file has mode {mode:04o}: group or others may access it; refusing \
         to use a key others can read (make it owner-only: chmod 0400)",
        path.display()
    )]
    TooOpen {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file could not be read.
    #[error("{}: the database key file cannot be read: {source}", path.display())]
    Unreadable {
        /// The key file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not 64 hexadecimal digits.
    #[error(
        "{}: the database key file is malformed ({reason}); it must hold 64 hexadecimal digits \
         (32 bytes) and nothing else",
        path.display()
    )]
    Malformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong, never the content itself.
        reason: String,
    },
    /// `write_new` found a file at the path already.
    #[error(
        "{}: a file exists at this path already; refusing to overwrite a database key (the \
         database encrypted with it could never be opened again)",
        path.display()
    )]
    Exists {
        /// The key file.
        path: PathBuf,
    },
    /// Writing a new key file failed.
    #[error("{}: could not write the database key file: {source}", path.display())]
    Write {
        /// The key file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl DatabaseKey {
    /// A new key from the operating system's random generator (through `rand`'s CSPRNG).
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads 64 hexadecimal digits (surrounding whitespace allowed). `Err` says what is wrong
    /// without repeating the text.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let digits = text.trim();
        if digits.len() != KEY_BYTES * 2 {
            return Err(format!(
                "{} characters, expected {}",
                digits.chars().count(),
                KEY_BYTES * 2
            ));
        }
        let mut bytes = [0u8; KEY_BYTES];
        for (i, pair) in digits.as_bytes().chunks_exact(2).enumerate() {
            let (Some(hi), Some(lo)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                bytes.zeroize();
                return Err(format!(
                    "a character that is not a hexadecimal digit near position {}",
                    i * 2 + 1
                ));
            };
            bytes[i] = (hi << 4) | lo;
        }
        Ok(Self(bytes))
    }

    /// The key as 64 lowercase hexadecimal digits (zeroed when dropped).
    pub fn to_hex(&self) -> Zeroizing<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = Zeroizing::new(String::with_capacity(KEY_BYTES * 2));
        for b in self.0 {
            text.push(char::from(DIGITS[usize::from(b >> 4)]));
            text.push(char::from(DIGITS[usize::from(b & 0x0f)]));
        }
        text
    }

    /// The statement that applies this key to a connection: `PRAGMA key = "x'…'"`, a raw key
    /// (no key derivation). Must be the first statement on a connection.
    pub(crate) fn pragma(&self, schema: Option<&str>) -> Zeroizing<String> {
        let hex = self.to_hex();
        Zeroizing::new(match schema {
            Some(s) => format!("PRAGMA {s}.key = \"x'{}'\";", hex.as_str()),
            None => format!("PRAGMA key = \"x'{}'\";", hex.as_str()),
        })
    }

    /// Loads the key from `path`, refusing a missing, non-regular, too-open, unreadable or
    /// malformed file; at most [`MAX_KEY_FILE_BYTES`] are read (`small_file::read_bytes`), so a
    /// file that is too large is refused as malformed without being read whole.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let owned = || path.to_owned();
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyFileError::Missing { path: owned() });
            }
            Err(source) => {
                return Err(KeyFileError::Unreadable {
                    path: owned(),
                    source,
                });
            }
        };
        if !meta.is_file() {
            return Err(KeyFileError::NotAFile { path: owned() });
        }
        if meta.len() > MAX_KEY_FILE_BYTES as u64 {
            return Err(KeyFileError::Malformed {
                path: owned(),
                reason: format!(
                    "{} bytes, more than the {MAX_KEY_FILE_BYTES} a key file may have",
                    meta.len()
                ),
            });
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyFileError::TooOpen {
                path: owned(),
                mode,
            });
        }
        let bytes = Zeroizing::new(
            crate::small_file::read_bytes(path, MAX_KEY_FILE_BYTES).map_err(|source| {
                match source.kind() {
                    // Grown past the bound, or replaced by something else since it was looked at.
                    std::io::ErrorKind::InvalidInput => KeyFileError::Malformed {
                        path: owned(),
                        reason: source.to_string(),
                    },
                    _ => KeyFileError::Unreadable {
                        path: owned(),
                        source,
                    },
                }
            })?,
        );
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyFileError::Malformed {
            path: owned(),
            reason: "not text".to_owned(),
        })?;
        Self::from_hex(text).map_err(|reason| KeyFileError::Malformed {
            path: owned(),
            reason,
        })
    }

    /// The key of the provisioned layout for the database at `db_path`:
    /// `<db directory>/keys/db.key` (`[privacy] database_key_file`'s default) when that file
    /// exists, `None` when it does not. For tools given only a database path; a key file that
    /// exists but is unusable is an error, never silently skipped.
    pub fn beside(db_path: &Path) -> Result<Option<Self>, KeyFileError> {
        let dir = match db_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let file = dir.join("keys").join("db.key");
        match fs::symlink_metadata(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => Self::load(&file).map(Some),
        }
    }

    /// Writes this key to a new file at `path` with mode 0400 and syncs it and its directory.
    /// Refuses to overwrite any existing file.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        let write_error = |source| KeyFileError::Write {
            path: path.to_owned(),
            source,
        };
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(KEY_FILE_MODE)
            .open(path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(KeyFileError::Exists {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(write_error(e)),
        };
        // The mode given to open() is reduced by the umask; 0400 has nothing a umask removes,
        // but a umask cannot add bits either, so set it explicitly in case of an odd one.
        let mut line = self.to_hex();
        line.push('\n');
        file.set_permissions(fs::Permissions::from_mode(KEY_FILE_MODE))
            .and_then(|()| file.write_all(line.as_bytes()))
            .and_then(|()| file.sync_all())
            .map_err(write_error)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(write_error)
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_two_keys_differ() {
        let key = DatabaseKey::generate();
        let again = DatabaseKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key, again);
        assert_ne!(key, DatabaseKey::generate());
        assert_eq!(
            DatabaseKey::from_hex(&key.to_hex().to_uppercase()).unwrap(),
            key
        );
    }

    #[test]
    fn malformed_hex_is_refused_without_echoing_it() {
        let short = DatabaseKey::from_hex("abcd").unwrap_err();
        assert!(short.contains("4 characters, expected 64"), "{short}");
        let bad = DatabaseKey::from_hex(&"g".repeat(64)).unwrap_err();
        assert!(bad.contains("not a hexadecimal digit"), "{bad}");
        assert!(!bad.contains("gg"), "{bad}");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = DatabaseKey::from_hex(&"ab".repeat(32)).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    /// `text` in a new owner-only file `name` of `dir`.
    fn owner_only(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        path
    }

    #[test]
    fn a_pipe_or_device_as_the_key_file_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("db.key");
        let made = std::process::Command::new("mkfifo")
            .args(["-m", "0600"])
            .arg(&fifo)
            .status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let started = std::time::Instant::now();
        // Nobody writes to the pipe: reading it would wait for ever.
        let err = DatabaseKey::load(&fifo).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(matches!(err, KeyFileError::NotAFile { .. }), "{err}");
        assert!(err.to_string().contains("db.key"), "{err}");
        let err = DatabaseKey::load(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, KeyFileError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn a_key_file_over_the_bound_is_refused_without_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let hex = DatabaseKey::generate().to_hex();
        // The key and whitespace up to the bound exactly: read.
        let mut at_bound = hex.as_bytes().to_vec();
        at_bound.resize(MAX_KEY_FILE_BYTES, b'\n');
        let path = owner_only(dir.path(), "at-bound.key", &at_bound);
        assert_eq!(
            DatabaseKey::load(&path).unwrap().to_hex().as_str(),
            hex.as_str()
        );
        // One byte more: refused, saying why, never showing the content.
        at_bound.push(b'\n');
        let path = owner_only(dir.path(), "over.key", &at_bound);
        let err = DatabaseKey::load(&path).unwrap_err();
        assert!(matches!(err, KeyFileError::Malformed { .. }), "{err}");
        let text = err.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(
            text.contains(&format!("more than the {MAX_KEY_FILE_BYTES}")),
            "{text}"
        );
        assert!(!text.contains(hex.as_str()), "{text}");
    }

    #[test]
    fn the_pragma_names_a_raw_key() {
        let key = DatabaseKey::from_hex(&"0f".repeat(32)).unwrap();
        assert_eq!(
            key.pragma(None).as_str(),
            format!("PRAGMA key = \"x'{}'\";", "0f".repeat(32))
        );
        assert!(key.pragma(Some("enc")).starts_with("PRAGMA enc.key = \"x'"));
    }
}
