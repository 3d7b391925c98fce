//! The rows a report is computed from, and reading them from a kiosk database.
//!
//! The store reads them (`kiosk_store::Store::report_rows`) from a file it opened read-only, so
//! a report can be made beside a running firmware without taking its write lock or changing a
//! file; only what the reports need leaves the database: no national code, phone, name or
//! description.

use std::path::Path;

use crate::ReportError;

pub use kiosk_store::{CaseRow, MeetingRow, RatingRow};

/// Everything a report reads.
pub type ReportData = kiosk_store::ReportRows;

/// Reads every case, rating and meeting of a kiosk database (read-only).
pub fn load(path: &Path) -> Result<ReportData, ReportError> {
    load_with_key(path, None)
}

/// [`load`] of a database encrypted under `key` (SQLCipher; `None`: plaintext), opened with
/// [`kiosk_store::Store::open_read_only`]: nothing on disk changes, and a file of another schema
/// version is refused by the store, naming it.
pub fn load_with_key(
    path: &Path,
    key: Option<&kiosk_store::DatabaseKey>,
) -> Result<ReportData, ReportError> {
    let store = kiosk_store::Store::open_read_only(path, key)?;
    Ok(store.report_rows()?)
}
