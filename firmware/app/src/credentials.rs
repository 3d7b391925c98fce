//! Secrets handed over by systemd (`LoadCredential=`), before the configured files.
//!
//! On the device the database key file is owned by root and readable by root alone
//! (`/var/lib/kiosk/keys/db.key`, 0400, made at first boot). The kiosk runs as the unprivileged
//! `kiosk` user, so it cannot open that file; `kiosk.service` names it in
//! `LoadCredential=db.key:…`, and systemd places a copy readable only by this service in the
//! directory `$CREDENTIALS_DIRECTORY` (a private, non-swappable mount that vanishes when the
//! service stops). The kiosk takes a credential from there when it is present and falls back
//! to the configured path otherwise (a developer's machine, `kiosk --demo`, tests).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The credential's name for the database key in `kiosk.service`'s `LoadCredential=`.
pub const DATABASE_KEY: &str = "db.key";

/// The file to read `name` from: the systemd credential when the service has one, else
/// `configured`.
pub fn path_for(name: &str, configured: &Path) -> PathBuf {
    credential_in(std::env::var_os("CREDENTIALS_DIRECTORY").as_deref(), name)
        .unwrap_or_else(|| configured.to_owned())
}

/// The credential `name` in `directory` (the value of `$CREDENTIALS_DIRECTORY`), if it is
/// there. An unset or relative directory (systemd always gives an absolute one) is ignored.
pub fn credential_in(directory: Option<&OsStr>, name: &str) -> Option<PathBuf> {
    let dir = Path::new(directory?);
    if !dir.is_absolute() {
        tracing::warn!(?dir, "CREDENTIALS_DIRECTORY is not absolute; ignored");
        return None;
    }
    let path = dir.join(name);
    path.exists().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_present_wins_over_the_configured_file() {
        let dir = tempfile::tempdir().expect("tmp");
        assert_eq!(
            credential_in(Some(dir.path().as_os_str()), DATABASE_KEY),
            None
        );
        std::fs::write(dir.path().join(DATABASE_KEY), "00").expect("write");
        assert_eq!(
            credential_in(Some(dir.path().as_os_str()), DATABASE_KEY),
            Some(dir.path().join(DATABASE_KEY))
        );
        assert_eq!(credential_in(None, DATABASE_KEY), None);
        assert_eq!(
            credential_in(Some(OsStr::new("relative")), DATABASE_KEY),
            None
        );
    }
}
