//! How instants and days are stored.
//!
//! Instants are UTC Unix milliseconds in an `INTEGER` column: sortable, compact and free of
//! time-zone text. Civil days (the response date) are `YYYY-MM-DD` text, Gregorian for the Tehran
//! civil day and Jalali beside it for display, so neither needs a calendar library to be read by
//! an operator with the `sqlite3` shell.
//!
//! Times a visitor sees (registration, timeline events) are always passed in by the caller; only
//! bookkeeping times (a print job's last update) are read from the system clock here.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::StoreError;

/// The stored form of an instant.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The instant of a stored value; a value outside chrono's range is a [`StoreError::BadValue`].
pub fn from_millis(
    path: &Path,
    column: &'static str,
    millis: i64,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| StoreError::BadValue {
        path: path.to_owned(),
        column,
        value: millis.to_string(),
    })
}

/// An instant truncated to what the store keeps (whole milliseconds).
pub fn stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// The day of a stored `YYYY-MM-DD` text.
pub fn parse_day(path: &Path, column: &'static str, text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StoreError::BadValue {
        path: path.to_owned(),
        column,
        value: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_at_millisecond_precision() {
        let at = DateTime::parse_from_rfc3339("2025-10-25T06:30:00.123456Z")
            .unwrap()
            .to_utc();
        let millis = to_millis(at);
        assert_eq!(millis, 1_761_373_800_123);
        let back = from_millis(Path::new("x.db"), "t.c", millis).unwrap();
        assert_eq!(back, stored_precision(at));
        assert_ne!(back, at, "sub-millisecond digits are dropped");
    }

    #[test]
    fn unreadable_values_name_the_column() {
        let e = from_millis(Path::new("x.db"), "cases.registered_at", i64::MAX).unwrap_err();
        assert!(e.to_string().contains("cases.registered_at"), "{e}");
        let e = parse_day(Path::new("x.db"), "cases.due_date", "1404-13-40").unwrap_err();
        assert!(e.to_string().contains("1404-13-40"), "{e}");
        assert_eq!(
            parse_day(Path::new("x.db"), "c", "2025-11-05").unwrap(),
            NaiveDate::from_ymd_opt(2025, 11, 5).unwrap()
        );
    }
}
