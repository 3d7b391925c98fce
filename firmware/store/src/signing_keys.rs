//! The fleet's satisfaction-code keys on the data partition (`DATA_DIR/keys/`).
//!
//! Each kiosk signs the satisfaction codes it prints with its own Ed25519 key and verifies any
//! kiosk's codes offline with the fleet's published public keys (docs/rules.md R-004-qr).
//! Provisioning writes a kiosk's pair ([`write_new_signing_key`]); the kiosk loads its own key
//! ([`own_signing_key`]) and the published ones ([`FleetKeys::load`]); `kioskctl satisfaction`
//! uses the same three. File names and text are `kiosk_core::satisfaction::key_files`. Every
//! error names the file and never shows a key.

use std::collections::HashMap;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use kiosk_core::KioskNumber;
use kiosk_core::satisfaction::{ListedKey, key_files};
use rand::RngCore as _;
use zeroize::Zeroizing;

/// Mode of a new signing key file: owner read/write (the group of the data partition's
/// provisioning copies it with its own mode).
const SIGNING_KEY_MODE: u32 = 0o600;

/// Why a key file or the key directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyDirError {
    /// The directory could not be listed.
    #[error("cannot list the key directory {}: {source}", dir.display())]
    List {
        /// The key directory.
        dir: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A `kiosk-….pub` file that is not a kiosk's public key.
    #[error(
        "{} is not a kiosk public key (a file kiosk-NNNNN.pub holding the 64 hexadecimal digits \
         of an Ed25519 key)",
        path.display()
    )]
    BadPublicKey {
        /// The file.
        path: PathBuf,
    },
    /// A `kiosk-….pub` file holding a weak (small-order) Ed25519 point: with such a key a
    /// signature made without any private key verifies for any code, so it is never loaded.
    #[error(
        "{} holds a weak (small-order) Ed25519 public key, with which anyone could sign; \
         refused (publish the kiosk's real key)",
        path.display()
    )]
    WeakPublicKey {
        /// The file.
        path: PathBuf,
    },
    /// A signing key file that does not hold 64 hexadecimal digits.
    #[error("{} does not hold a 64-digit hex key", path.display())]
    BadSigningKey {
        /// The file.
        path: PathBuf,
    },
    /// A kiosk's key exists already.
    #[error("{} exists; refusing to overwrite a kiosk's key", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing a key file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file (or directory).
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// The fleet's public keys, by kiosk number: each kiosk's current key, and the keys it retired
/// lately (a rotation, or the device replaced), which still verify the codes signed before.
#[derive(Debug, Clone, Default)]
pub struct FleetKeys {
    keys: HashMap<KioskNumber, VerifyingKey>,
    retired: HashMap<KioskNumber, Vec<(VerifyingKey, DateTime<Utc>)>>,
}

impl FleetKeys {
    /// Adds (or replaces) a kiosk's public key, trusted as given (a kiosk's own key, derived
    /// from its signing key). Keys from files come through [`Self::load`], which refuses weak
    /// ones; verification refuses a weak key anyway (strict Ed25519).
    pub fn insert(&mut self, kiosk: KioskNumber, key: VerifyingKey) {
        self.keys.insert(kiosk, key);
    }

    /// Adds a key `kiosk` retired at `retired_at` (the codes it signed before then still
    /// verify; none signed after).
    pub fn insert_retired(
        &mut self,
        kiosk: KioskNumber,
        key: VerifyingKey,
        retired_at: DateTime<Utc>,
    ) {
        let retired = self.retired.entry(kiosk).or_default();
        match retired.iter_mut().find(|(k, _)| *k == key) {
            Some(known) => known.1 = known.1.max(retired_at),
            None => retired.push((key, retired_at)),
        }
    }

    /// The current public key of a kiosk.
    pub fn get(&self, kiosk: KioskNumber) -> Option<VerifyingKey> {
        self.keys.get(&kiosk).copied()
    }

    /// Every key a code of `kiosk` may verify under: its current key first, then the ones it
    /// retired lately, each with when (what `kiosk_core::satisfaction::verify_at` takes).
    pub fn all_of(&self, kiosk: KioskNumber) -> Vec<ListedKey> {
        let current = self.get(kiosk);
        current
            .map(ListedKey::from)
            .into_iter()
            .chain(
                self.retired
                    .get(&kiosk)
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| Some(*k) != current)
                    .map(|(key, retired_at)| ListedKey {
                        key: *key,
                        retired_at: Some(*retired_at),
                    }),
            )
            .collect()
    }

    /// Every retired key with when it was retired, in no particular order.
    pub fn iter_retired(
        &self,
    ) -> impl Iterator<Item = (KioskNumber, VerifyingKey, DateTime<Utc>)> + '_ {
        self.retired.iter().flat_map(|(kiosk, keys)| {
            keys.iter()
                .map(|(key, retired_at)| (*kiosk, *key, *retired_at))
        })
    }

    /// How many kiosks' current keys are known.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No key known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every kiosk's current key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (KioskNumber, VerifyingKey)> + '_ {
        self.keys.iter().map(|(kiosk, key)| (*kiosk, *key))
    }

    /// Every `kiosk-NNNNN.pub` in `dir`; other files are ignored, a missing directory is an
    /// empty fleet (a kiosk provisioned without the fleet's list), a malformed key file or one
    /// holding a weak (small-order) key is an error naming it.
    pub fn load(dir: &Path) -> Result<Self, KeyDirError> {
        let mut fleet = Self::default();
        let list_error = |source| KeyDirError::List {
            dir: dir.to_owned(),
            source,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(fleet),
            Err(e) => return Err(list_error(e)),
        };
        for entry in entries {
            let path = entry.map_err(list_error)?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(owner) = key_files::public_key_owner(&name) else {
                continue;
            };
            let bad = || KeyDirError::BadPublicKey { path: path.clone() };
            let kiosk = owner.ok_or_else(bad)?;
            // A public key file is 64 hex digits and a line break; a page is plenty.
            let text =
                crate::small_file::read_text(&path, 4096).map_err(|source| KeyDirError::Read {
                    path: path.clone(),
                    source,
                })?;
            let key = key_files::from_hex(&text)
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                .ok_or_else(bad)?;
            if key.is_weak() {
                return Err(KeyDirError::WeakPublicKey { path });
            }
            fleet.insert(kiosk, key);
        }
        Ok(fleet)
    }
}

/// A kiosk's signing key from `dir/kiosk-NNNNN.key`; `None` when it was not provisioned.
pub fn own_signing_key(dir: &Path, kiosk: KioskNumber) -> Result<Option<SigningKey>, KeyDirError> {
    let path = dir.join(key_files::signing_key(kiosk));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(KeyDirError::Read { path, source }),
    };
    let seed = Zeroizing::new(
        key_files::from_hex(&text).ok_or(KeyDirError::BadSigningKey { path: path.clone() })?,
    );
    Ok(Some(SigningKey::from_bytes(&seed)))
}

/// Makes a new signing key for `kiosk` in `dir` (created if missing): `kiosk-NNNNN.key` (mode
/// 0600, never overwritten) and `kiosk-NNNNN.pub`. Returns both paths.
pub fn write_new_signing_key(
    dir: &Path,
    kiosk: KioskNumber,
) -> Result<(PathBuf, PathBuf), KeyDirError> {
    std::fs::create_dir_all(dir).map_err(|source| KeyDirError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let key_path = dir.join(key_files::signing_key(kiosk));
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(seed.as_mut());
    let key = SigningKey::from_bytes(&seed);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(SIGNING_KEY_MODE)
        .open(&key_path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                KeyDirError::Exists {
                    path: key_path.clone(),
                }
            } else {
                KeyDirError::Write {
                    path: key_path.clone(),
                    source,
                }
            }
        })?;
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| KeyDirError::Write { path, source }
    };
    file.write_all(key_files::to_hex_line(&seed).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(write_error(&key_path))?;
    let pub_path = dir.join(key_files::public_key(kiosk));
    std::fs::write(
        &pub_path,
        key_files::to_hex_line(key.verifying_key().as_bytes()),
    )
    .map_err(write_error(&pub_path))?;
    Ok((key_path, pub_path))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_written_pair_loads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let twelve = KioskNumber::new(12).unwrap();
        let (key_path, pub_path) = write_new_signing_key(&keys, twelve).unwrap();
        assert_eq!(
            std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let own = own_signing_key(&keys, twelve).unwrap().unwrap();
        let fleet = FleetKeys::load(&keys).unwrap();
        assert_eq!(fleet.len(), 1);
        assert_eq!(fleet.get(twelve), Some(own.verifying_key()));
        assert!(pub_path.ends_with("kiosk-00012.pub"));

        let again = write_new_signing_key(&keys, twelve).unwrap_err();
        assert!(matches!(again, KeyDirError::Exists { .. }), "{again}");
        assert_eq!(
            own_signing_key(&keys, twelve)
                .unwrap()
                .unwrap()
                .verifying_key(),
            own.verifying_key(),
            "the first key stays"
        );
    }

    #[test]
    fn missing_keys_are_empty_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            FleetKeys::load(&dir.path().join("none"))
                .unwrap()
                .is_empty()
        );
        let twelve = KioskNumber::new(12).unwrap();
        assert!(own_signing_key(dir.path(), twelve).unwrap().is_none());

        std::fs::write(dir.path().join("README"), "not a key").unwrap();
        // The file's content is secret material: the error names the file, never what it holds
        // (a marker no temporary directory's random name can contain).
        std::fs::write(dir.path().join("kiosk-00012.key"), "SECRET-MATERIAL").unwrap();
        let e = own_signing_key(dir.path(), twelve).unwrap_err().to_string();
        assert!(
            e.contains("kiosk-00012.key") && !e.contains("SECRET-MATERIAL"),
            "{e}"
        );

        std::fs::write(dir.path().join("kiosk-00014.pub"), "zz").unwrap();
        let e = FleetKeys::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("kiosk-00014.pub"), "{e}");
        std::fs::remove_file(dir.path().join("kiosk-00014.pub")).unwrap();
        std::fs::write(dir.path().join("kiosk-0.pub"), "00".repeat(32)).unwrap();
        let e = FleetKeys::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("kiosk-0.pub"), "{e}");
    }

    /// The eight points of small order, as 32-byte encodings (little-endian y, sign of x in the
    /// top bit): the identity, the point of order 2, the two of order 4 and the four of order 8.
    fn small_order_encodings() -> Vec<[u8; 32]> {
        let hex = [
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        ];
        hex.iter()
            .map(|h| key_files::from_hex(h).unwrap())
            .collect()
    }

    #[test]
    fn a_weak_public_key_is_refused_naming_its_file() {
        let twelve = KioskNumber::new(12).unwrap();
        for (i, bytes) in small_order_encodings().into_iter().enumerate() {
            let key = VerifyingKey::from_bytes(&bytes).unwrap();
            assert!(key.is_weak(), "encoding {i}");
            let dir = tempfile::tempdir().unwrap();
            write_new_signing_key(dir.path(), twelve).unwrap();
            std::fs::write(
                dir.path().join("kiosk-00013.pub"),
                key_files::to_hex_line(&bytes),
            )
            .unwrap();
            let e = FleetKeys::load(dir.path()).unwrap_err();
            assert!(matches!(e, KeyDirError::WeakPublicKey { .. }), "{e}");
            let text = e.to_string();
            assert!(
                text.contains("kiosk-00013.pub") && text.contains("weak"),
                "{text}"
            );
        }
    }
}
