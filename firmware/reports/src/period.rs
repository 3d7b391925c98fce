//! Report periods: a Jalali month (`1405-07`) or quarter (`1405-Q3`), as Tehran civil days and
//! as UTC instants (Tehran midnight to Tehran midnight).

use chrono::{DateTime, NaiveDate, Utc};
use kiosk_core::JalaliDate;
use kiosk_core::digits::to_ascii_digits;
use kiosk_core::jalali::{days_in_month, tehran};

/// Why a period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not `YYYY-MM`.
    #[error("month {0:?} is not in the form YYYY-MM (Jalali), e.g. 1405-07")]
    Month(String),
    /// Not `YYYY-Qn`.
    #[error("quarter {0:?} is not in the form YYYY-Qn (Jalali), e.g. 1405-Q3")]
    Quarter(String),
}

/// The first and last Gregorian days of Jalali months `first..=last` of `year`.
fn days(year: i32, first: u8, last: u8) -> Option<(NaiveDate, NaiveDate)> {
    let start = JalaliDate::new(year, first, 1).ok()?.to_gregorian();
    let end = JalaliDate::new(year, last, days_in_month(year, last))
        .ok()?
        .to_gregorian();
    Some((start, end))
}

/// Tehran midnight at the start of `day`, in UTC.
pub fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tehran()).single())
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// A Jalali month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JalaliMonth {
    /// Year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
}

impl JalaliMonth {
    /// Parses `1405-07` (Persian digits accepted).
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::Month(kiosk_core::text::quoted(text));
        let ascii = to_ascii_digits(text.trim()).replace('/', "-");
        let (y, m) = ascii.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        days(year, month, month).ok_or_else(bad)?;
        Ok(Self { year, month })
    }

    /// First and last Gregorian day.
    pub fn days(self) -> (NaiveDate, NaiveDate) {
        days(self.year, self.month, self.month).unwrap_or_default()
    }

    /// `1405-07`.
    pub fn label(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }
}

/// A Jalali quarter (Q1 = Farvardin–Khordad).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JalaliQuarter {
    /// Year.
    pub year: i32,
    /// Quarter 1..=4.
    pub quarter: u8,
}

impl JalaliQuarter {
    /// Parses `1405-Q3` (Persian digits accepted, `q` too).
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::Quarter(kiosk_core::text::quoted(text));
        let ascii = to_ascii_digits(text.trim()).to_ascii_uppercase();
        let (y, q) = ascii.split_once("-Q").ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let quarter: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        days(year, quarter * 3 - 2, quarter * 3).ok_or_else(bad)?;
        Ok(Self { year, quarter })
    }

    /// First and last Gregorian day.
    pub fn days(self) -> (NaiveDate, NaiveDate) {
        days(self.year, self.quarter * 3 - 2, self.quarter * 3).unwrap_or_default()
    }

    /// `1405-Q3`.
    pub fn label(self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_map_to_their_gregorian_days() {
        let m = JalaliMonth::parse("۱۴۰۵-۰۷").unwrap();
        // 1 Mehr 1405 = 23 September 2026; Mehr has 30 days.
        assert_eq!(
            m.days(),
            (
                NaiveDate::from_ymd_opt(2026, 9, 23).unwrap(),
                NaiveDate::from_ymd_opt(2026, 10, 22).unwrap()
            )
        );
        let q = JalaliQuarter::parse("1405-q3").unwrap();
        assert_eq!(q.days().0, NaiveDate::from_ymd_opt(2026, 9, 23).unwrap());
        // 30 Azar 1405 = 21 December 2026.
        assert_eq!(q.days().1, NaiveDate::from_ymd_opt(2026, 12, 21).unwrap());
        for bad in ["1405", "1405-13", "x-07", "1405-Q5", "1405-Q0", "1405Q3"] {
            assert!(
                JalaliMonth::parse(bad).is_err() || JalaliQuarter::parse(bad).is_err(),
                "{bad}"
            );
        }
        assert!(JalaliQuarter::parse("1405-Q5").is_err());
        assert!(JalaliMonth::parse("1405-13").is_err());
        // Tehran midnight is 20:30 UTC the day before.
        assert_eq!(
            start_of(NaiveDate::from_ymd_opt(2026, 9, 23).unwrap()).to_rfc3339(),
            "2026-09-22T20:30:00+00:00"
        );
    }
}
