//! The extra holiday files of `[calendar]`: each read once, with the configuration's bound
//! ([`crate::MAX_FILE_BYTES`], module `read`), and the holiday table built from the text read.
//!
//! A file that cannot be opened, is not a file (a directory or named pipe), is too large or
//! endless (`/dev/zero`), or is not UTF-8 is an issue under its key,
//! `calendar.extra_holiday_files[i]`, naming the file and the bound or the line; nothing reads
//! any file a second time, so what is checked is what is loaded. A holiday list that is wrong
//! in itself is an issue under `calendar.extra_holiday_files`, naming the file.

use std::path::Path;

use kiosk_core::holidays::HolidayTable;

use crate::ConfigIssue;
use crate::read::{self, ReadProblem};

/// The embedded holiday table with the extra files `files` (relative to `base`), or `None`
/// when the files that could be read do not make a table. Every problem is added to `issues`.
pub(crate) fn table(
    files: &[String],
    base: &Path,
    issues: &mut Vec<ConfigIssue>,
) -> Option<HolidayTable> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let path = base.join(file);
        match read::text_file(&path) {
            Ok(text) => texts.push((path.display().to_string(), text)),
            Err(problem) => issues.push(ConfigIssue {
                key: format!("calendar.extra_holiday_files[{i}]"),
                reason: match problem {
                    ReadProblem::Io(e) => format!("cannot read {}: {e}", path.display()),
                    problem => format!("{}: {problem}", path.display()),
                },
            }),
        }
    }
    HolidayTable::load(texts.iter().map(|(f, t)| (f.as_str(), t.as_str())))
        .map_err(|e| {
            issues.push(ConfigIssue {
                key: "calendar.extra_holiday_files".to_owned(),
                reason: e.to_string(),
            });
        })
        .ok()
}
