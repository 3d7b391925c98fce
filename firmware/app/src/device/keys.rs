//! The fleet's satisfaction-code keys on a device: the published public keys of every kiosk
//! (to verify any kiosk's codes offline, for ratings and desk claims) and this kiosk's own
//! signing key (to sign the codes it prints), read from `DATA_DIR/keys/`.
//!
//! The files are those `kioskctl satisfaction keygen` writes: `kiosk-NNNNN.pub` (public key,
//! 64 hex digits) and `kiosk-NNNNN.key` (the 32-byte Ed25519 seed, hex, mode 0600). Keys are
//! made at provisioning and never live in the repository.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use kiosk_core::KioskNumber;

/// Public keys by kiosk number.
#[derive(Debug, Clone, Default)]
pub struct FleetKeys {
    keys: HashMap<KioskNumber, VerifyingKey>,
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl FleetKeys {
    /// Adds (or replaces) a kiosk's public key.
    pub fn insert(&mut self, kiosk: KioskNumber, key: VerifyingKey) {
        self.keys.insert(kiosk, key);
    }

    /// The public key of a kiosk.
    pub fn get(&self, kiosk: KioskNumber) -> Option<VerifyingKey> {
        self.keys.get(&kiosk).copied()
    }

    /// How many kiosks' keys are known.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No key known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every `kiosk-NNNNN.pub` in `dir` (a missing directory is an empty set); a malformed
    /// file is an error naming it.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut fleet = Self::default();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(fleet),
            Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("listing {}", dir.display()))?
                .path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(number) = name
                .strip_prefix("kiosk-")
                .and_then(|n| n.strip_suffix(".pub"))
            else {
                continue;
            };
            let bad = || anyhow::anyhow!("{} is not a kiosk public key", path.display());
            let kiosk = number
                .parse()
                .ok()
                .and_then(|n| KioskNumber::new(n).ok())
                .ok_or_else(bad)?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let key = hex32(&text)
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
                .ok_or_else(bad)?;
            fleet.insert(kiosk, key);
        }
        Ok(fleet)
    }
}

/// This kiosk's signing key from `dir/kiosk-NNNNN.key`, if provisioned.
pub fn own_signing_key(dir: &Path, kiosk: KioskNumber) -> anyhow::Result<Option<SigningKey>> {
    let path = dir.join(format!("kiosk-{kiosk}.key"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let seed = hex32(&text)
        .with_context(|| format!("{} does not hold a 64-digit hex key", path.display()))?;
    Ok(Some(SigningKey::from_bytes(&seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_keys_load_and_a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            FleetKeys::load(&dir.path().join("none"))
                .unwrap()
                .is_empty()
        );
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let hex: String = key
            .verifying_key()
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(dir.path().join("kiosk-00012.pub"), format!("{hex}\n")).unwrap();
        std::fs::write(dir.path().join("README"), "not a key").unwrap();
        let seed: String = [7u8; 32].iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(dir.path().join("kiosk-00012.key"), seed).unwrap();
        let fleet = FleetKeys::load(dir.path()).unwrap();
        let twelve = KioskNumber::new(12).unwrap();
        assert_eq!(fleet.get(twelve), Some(key.verifying_key()));
        assert_eq!(fleet.len(), 1);
        let own = own_signing_key(dir.path(), twelve).unwrap().unwrap();
        assert_eq!(own.verifying_key(), key.verifying_key());
        assert!(
            own_signing_key(dir.path(), KioskNumber::new(13).unwrap())
                .unwrap()
                .is_none()
        );
        std::fs::write(dir.path().join("kiosk-00014.pub"), "zz").unwrap();
        let e = FleetKeys::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("kiosk-00014.pub"), "{e}");
    }
}
