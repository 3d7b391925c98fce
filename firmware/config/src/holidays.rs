//! The extra holiday files of `[calendar]`, looked at before they are loaded.
//!
//! Each file is read with the configuration's bound ([`crate::MAX_FILE_BYTES`]): a file that is
//! too large, endless (`/dev/zero`) or not UTF-8 is refused under its key,
//! `calendar.extra_holiday_files[i]`, before anything reads it whole. A file that cannot be
//! opened is left to the check that loads the table, which names it the same way.

use std::path::Path;

use crate::ConfigIssue;
use crate::read::{self, ReadProblem};

/// The problems of the holiday files that must not be read whole.
pub(crate) fn refused(files: &[String], base: &Path) -> Vec<ConfigIssue> {
    let mut issues = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let path = base.join(file);
        match read::text_file(&path) {
            Ok(_) | Err(ReadProblem::Io(_)) => {}
            Err(problem) => issues.push(ConfigIssue {
                key: format!("calendar.extra_holiday_files[{i}]"),
                reason: format!("{}: {problem}", path.display()),
            }),
        }
    }
    issues
}
