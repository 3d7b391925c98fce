//! The kiosk's configuration: one TOML file, checked completely at start.
//!
//! [`load`] reads the file, [`parse`] checks text; both return a [`KioskConfig`] built from
//! domain types (kiosk number, national-code policy, due-date policy with its working calendar)
//! or a [`ConfigError`] listing *every* problem found, each naming its key (`kiosk.number`,
//! `calendar.closures[1].first`) and the reason. A kiosk that starts has a configuration that is
//! whole; an operator who runs `kioskctl config check` sees all mistakes at once.
//!
//! Files are read with a bound ([`MAX_FILE_BYTES`], module `read`); the text's shape (TOML
//! syntax, keys, value types) is checked first by module `shape`, which lists every such problem
//! with its key and line; then `validate` checks what the values mean. Input quoted back in a
//! message is cut to [`MAX_ECHO`] characters and a list to [`MAX_ISSUES`] problems (module
//! `clip`).

mod clip;
pub mod devices;
mod display;
mod holidays;
mod lines;
mod privacy;
mod read;
mod samad;
mod schema;
mod session;
mod shape;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use clip::{MAX_ECHO, MAX_ISSUES};
pub use devices::DeviceSettings;
pub use display::{DisplaySettings, Rotation};
pub use privacy::{
    DEFAULT_DATABASE_KEY_FILE, DEFAULT_PURGE_AFTER_DAYS, MAX_PURGE_AFTER_DAYS, PrivacySettings,
};
pub use read::MAX_FILE_BYTES;
pub use samad::{MAX_BATCH_BYTES, MAX_BATCH_ITEMS, SamadSettings};
pub use schema::Mode;
pub use session::{
    DEFAULT_ANSWER_SECONDS, DEFAULT_ASSISTED_FACTOR, DEFAULT_EXTENSIONS,
    DEFAULT_WARN_AFTER_SECONDS, SessionSettings,
};
pub use validate::{KioskConfig, ReceiptSettings};

/// One problem in a configuration: the key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Dotted path of the key, e.g. `calendar.closures[2].last`; empty for file-level problems.
    pub key: String,
    /// What is wrong, in English.
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.key, self.reason)
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but is wrong; every issue is listed.
    #[error("{}", render_issues(.origin, .issues))]
    Invalid {
        /// File name or `<text>`.
        origin: String,
        /// Every problem found.
        issues: Vec<ConfigIssue>,
    },
}

impl ConfigError {
    /// The problems, when the file was readable.
    pub fn issues(&self) -> &[ConfigIssue] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid { issues, .. } => issues,
        }
    }
}

fn render_issues(origin: &str, issues: &[ConfigIssue]) -> String {
    let mut text = format!(
        "configuration {origin} is invalid ({} problem(s))",
        issues.len()
    );
    for issue in issues {
        text.push_str("\n  - ");
        text.push_str(&issue.to_string());
    }
    text
}

/// Reads and checks a configuration file (at most [`MAX_FILE_BYTES`], UTF-8). Extra holiday
/// files named in it are read relative to the file's directory.
pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
    let origin = path.display().to_string();
    let text = match read::text_file(path) {
        Ok(text) => text,
        Err(read::ReadProblem::Io(source)) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
        Err(problem) => {
            return Err(invalid(
                &origin,
                vec![ConfigIssue {
                    key: String::new(),
                    reason: problem.to_string(),
                }],
            ));
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    check(&text, &origin, base)
}

/// Checks configuration text; relative holiday files are read from `base`.
pub fn parse(text: &str, base: &Path) -> Result<KioskConfig, ConfigError> {
    check(text, "<text>", base)
}

fn invalid(origin: &str, issues: Vec<ConfigIssue>) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.to_owned(),
        issues: clip::issues(issues),
    }
}

/// Shape first (every syntax, key and type problem at once), then what the values mean; the
/// holiday files are read there, once each and bounded (module `holidays`).
///
/// `validate` still parses the text itself; the shape check has made sure that parse succeeds,
/// so its messages are only ever about meaning. (Once `validate` takes the [`schema::RawConfig`]
/// from `shape::parse`, the text is parsed once.)
fn check(text: &str, origin: &str, base: &Path) -> Result<KioskConfig, ConfigError> {
    shape::parse(text).map_err(|issues| invalid(origin, issues))?;
    validate::check(text, origin, base).map_err(|e| match e {
        ConfigError::Invalid { origin, issues } => invalid(&origin, issues),
        read @ ConfigError::Read { .. } => read,
    })
}

/// The documented example configuration shipped in the repository.
pub const EXAMPLE: &str = include_str!("../kiosk.example.toml");
