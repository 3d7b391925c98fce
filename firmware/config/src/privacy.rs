//! The `[privacy]` section: how long a visitor's personal data stays on the kiosk.
//!
//! Once SAMAD has acknowledged a case, the kiosk no longer needs who registered it: after
//! `purge_after_days` days the national code, mobile number and description are erased from the
//! local database (the store's `purge_personal_data`), keeping the tracking code, kind, subject
//! and dates for reports. Optional: without the section the default applies.
//!
//! `database_key_file` names the root-only file holding the key the local database is encrypted
//! with (SQLCipher; made at provisioning by `kioskctl db keygen`). Default:
//! `<kiosk.data_dir>/keys/db.key`; a relative path is relative to the configuration file. The
//! file itself is checked when the kiosk starts (`kiosk_store::DatabaseKey::load`), not here:
//! the configuration is validated on machines that do not hold the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ConfigIssue;

/// Days after SAMAD's acknowledgement when personal data is purged, by default.
pub const DEFAULT_PURGE_AFTER_DAYS: u32 = 30;
/// Longest retention accepted (ten years): anything longer is a typo.
pub const MAX_PURGE_AFTER_DAYS: u32 = 3650;

/// The section as serde reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrivacy {
    #[serde(default = "default_purge_after_days")]
    pub purge_after_days: i64,
    #[serde(default)]
    pub database_key_file: Option<String>,
}

impl Default for RawPrivacy {
    fn default() -> Self {
        Self {
            purge_after_days: default_purge_after_days(),
            database_key_file: None,
        }
    }
}

/// Where the database key file is by default, under the data directory.
pub const DEFAULT_DATABASE_KEY_FILE: &str = "keys/db.key";

fn default_purge_after_days() -> i64 {
    i64::from(DEFAULT_PURGE_AFTER_DAYS)
}

/// The checked `[privacy]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacySettings {
    /// Whole days after SAMAD's acknowledgement before personal data is purged (0: at the next
    /// purge run after the acknowledgement).
    pub purge_after_days: u32,
    /// The file holding the database key (absolute).
    pub database_key_file: PathBuf,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            purge_after_days: DEFAULT_PURGE_AFTER_DAYS,
            database_key_file: Path::new("/var/lib/kiosk").join(DEFAULT_DATABASE_KEY_FILE),
        }
    }
}

/// Checks the section; an out-of-range value is reported under its key and replaced by the
/// default so the other sections are still checked. `base` is the configuration file's
/// directory, `data_dir` the kiosk's data directory.
pub(crate) fn check(
    raw: &RawPrivacy,
    base: &Path,
    data_dir: &Path,
    issues: &mut Vec<ConfigIssue>,
) -> PrivacySettings {
    let database_key_file = match raw.database_key_file.as_deref().map(str::trim) {
        None => data_dir.join(DEFAULT_DATABASE_KEY_FILE),
        Some("") => {
            issues.push(ConfigIssue {
                key: "privacy.database_key_file".to_owned(),
                reason: "must name a file".to_owned(),
            });
            data_dir.join(DEFAULT_DATABASE_KEY_FILE)
        }
        Some(file) => base.join(file),
    };
    match u32::try_from(raw.purge_after_days) {
        Ok(days) if days <= MAX_PURGE_AFTER_DAYS => PrivacySettings {
            purge_after_days: days,
            database_key_file,
        },
        _ => {
            issues.push(ConfigIssue {
                key: "privacy.purge_after_days".to_owned(),
                reason: format!(
                    "must be a whole number of days from 0 to {MAX_PURGE_AFTER_DAYS}, not {}",
                    raw.purge_after_days
                ),
            });
            PrivacySettings {
                purge_after_days: DEFAULT_PURGE_AFTER_DAYS,
                database_key_file,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    /// The example with its `[privacy]` section (and the key under it) taken out.
    fn example_without_privacy() -> String {
        crate::EXAMPLE
            .replace("[privacy]\n", "")
            .replace("purge_after_days = 30\n", "")
            .replace("database_key_file = \"/var/lib/kiosk/keys/db.key\"\n", "")
    }

    fn with(section: &str) -> String {
        format!("{}\n{section}\n", example_without_privacy())
    }

    #[test]
    fn the_example_documents_the_section() {
        assert!(crate::EXAMPLE.contains("\n[privacy]\n"));
        assert!(crate::EXAMPLE.contains("\npurge_after_days = 30\n"));
    }

    #[test]
    fn without_the_section_the_default_applies() {
        let config = crate::parse(&example_without_privacy(), Path::new(".")).unwrap();
        assert_eq!(
            config.privacy.purge_after_days,
            super::DEFAULT_PURGE_AFTER_DAYS
        );
    }

    #[test]
    fn the_key_file_defaults_under_the_data_dir_and_relative_paths_follow_the_config() {
        assert!(crate::EXAMPLE.contains("\ndatabase_key_file = \"/var/lib/kiosk/keys/db.key\"\n"));
        let config = crate::parse(&example_without_privacy(), Path::new("/etc/kiosk")).unwrap();
        assert_eq!(
            config.privacy.database_key_file,
            config.data_dir.join("keys/db.key")
        );
        let config = crate::parse(
            &with("[privacy]\ndatabase_key_file = \"secret/db.key\""),
            Path::new("/etc/kiosk"),
        )
        .unwrap();
        assert_eq!(
            config.privacy.database_key_file,
            Path::new("/etc/kiosk/secret/db.key")
        );
        let err = crate::parse(
            &with("[privacy]\ndatabase_key_file = \" \""),
            Path::new("."),
        )
        .unwrap_err();
        assert!(
            err.issues()
                .iter()
                .any(|i| i.key == "privacy.database_key_file"),
            "{err}"
        );
    }

    #[test]
    fn the_configured_days_are_kept() {
        let config =
            crate::parse(&with("[privacy]\npurge_after_days = 7"), Path::new(".")).unwrap();
        assert_eq!(config.privacy.purge_after_days, 7);
    }

    #[test]
    fn negative_or_huge_retention_is_refused_under_its_key() {
        for bad in ["-1", "3651", "99999999999"] {
            let err = crate::parse(
                &with(&format!("[privacy]\npurge_after_days = {bad}")),
                Path::new("."),
            )
            .unwrap_err();
            assert!(
                err.issues()
                    .iter()
                    .any(|i| i.key == "privacy.purge_after_days" && i.reason.contains(bad)),
                "{err}"
            );
        }
    }

    #[test]
    fn an_unknown_key_in_the_section_is_refused() {
        let err = crate::parse(&with("[privacy]\npurge_after = 7"), Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("purge_after"), "{err}");
    }
}
