//! Jalali (Solar Hijri) dates, Tehran local time, and their Persian forms.
//!
//! Conversion is delegated to `icu_calendar`'s Persian calendar, which agrees with the official
//! 33-year leap-year rule for every year 1304–1498 (a test checks it against a table generated
//! independently, `data/jalali_1304_1498.csv`). Days are counted in Asia/Tehran, which has been
//! a fixed +03:30 since daylight saving was abolished in 2022: a fixed offset needs no time-zone
//! database on the device.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use icu_calendar::{Date, Iso};

use crate::digits::{is_digit_separator, to_ascii_digits, to_persian_digits};

/// Asia/Tehran's offset from UTC in seconds (+03:30).
pub const TEHRAN_OFFSET_SECONDS: i32 = 3 * 3600 + 30 * 60;

/// The Asia/Tehran offset.
pub fn tehran() -> FixedOffset {
    FixedOffset::east_opt(TEHRAN_OFFSET_SECONDS).expect("+03:30 is a valid offset")
}

/// The civil date in Tehran at an instant. In the last 3 h 30 min chrono can represent, the
/// Tehran day is past chrono's last day: that last day is given instead (never a panic, so a
/// clock set absurdly far ahead is refused by the range checks, not a crash).
pub fn tehran_date(at: DateTime<Utc>) -> NaiveDate {
    at.naive_utc()
        .checked_add_signed(chrono::TimeDelta::seconds(i64::from(TEHRAN_OFFSET_SECONDS)))
        .map_or(NaiveDate::MAX, |local| local.date())
}

/// Persian month names, Farvardin first.
pub const MONTH_NAMES_FA: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

/// Transliterated month names, for English screens.
pub const MONTH_NAMES_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];

/// Persian weekday name.
pub fn weekday_fa(day: Weekday) -> &'static str {
    match day {
        Weekday::Sat => "شنبه",
        Weekday::Sun => "یکشنبه",
        Weekday::Mon => "دوشنبه",
        Weekday::Tue => "سه‌شنبه",
        Weekday::Wed => "چهارشنبه",
        Weekday::Thu => "پنجشنبه",
        Weekday::Fri => "جمعه",
    }
}

/// Years the calendar arithmetic is supported for (proved against the official rule).
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1304..=1498;

/// A day in the Jalali calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a Jalali date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JalaliDateError {
    /// Not in the form `YYYY-MM-DD` (or with `/`).
    #[error("date {0:?} is not in the form YYYY-MM-DD")]
    Format(String),
    /// The year is outside 1304..=1498.
    #[error("year {0} is outside the supported range 1304..=1498")]
    YearOutOfRange(i32),
    /// The month is not 1..=12.
    #[error("month {0} does not exist (1..=12)")]
    NoSuchMonth(u8),
    /// The day does not exist in that month of that year (e.g. 30 Esfand of a common year).
    #[error("day {day} does not exist in month {month} of {year} (it has {days_in_month} days)")]
    NoSuchDay {
        /// Year.
        year: i32,
        /// Month.
        month: u8,
        /// Day that was asked for.
        day: u8,
        /// Days in that month.
        days_in_month: u8,
    },
}

impl JalaliDateError {
    /// The message shown to a visitor or staff member, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Format(_) => "تاریخ باید به شکل سال/ماه/روز باشد.",
            Self::YearOutOfRange(_) => "سال خارج از محدوده‌ی پشتیبانی‌شده است.",
            Self::NoSuchMonth(_) => "ماه باید از ۱ تا ۱۲ باشد.",
            Self::NoSuchDay { .. } => "این روز در آن ماه وجود ندارد.",
        }
    }
}

/// Whether a Jalali year has 366 days, by the official 33-year rule.
pub fn is_leap_year(year: i32) -> bool {
    (25 * i64::from(year) + 11).rem_euclid(33) < 8
}

/// Days in a Jalali month.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1..=6 => 31,
        7..=11 => 30,
        _ if is_leap_year(year) => 30,
        _ => 29,
    }
}

impl JalaliDate {
    /// A checked date.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, JalaliDateError> {
        if !SUPPORTED_YEARS.contains(&year) {
            return Err(JalaliDateError::YearOutOfRange(year));
        }
        if !(1..=12).contains(&month) {
            return Err(JalaliDateError::NoSuchMonth(month));
        }
        let dim = days_in_month(year, month);
        if day == 0 || day > dim {
            return Err(JalaliDateError::NoSuchDay {
                year,
                month,
                day,
                days_in_month: dim,
            });
        }
        Ok(Self { year, month, day })
    }

    /// The Jalali day of a Gregorian day.
    pub fn from_gregorian(date: NaiveDate) -> Self {
        let iso = Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8)
            .expect("a chrono date is a valid ISO date");
        let persian = iso.to_calendar(icu_calendar::cal::Persian);
        Self {
            year: persian.year().extended_year(),
            month: persian.month().ordinal,
            day: persian.day_of_month().0,
        }
    }

    /// The Gregorian day of this Jalali day.
    pub fn to_gregorian(self) -> NaiveDate {
        let persian = Date::try_new_persian(self.year, self.month, self.day)
            .expect("a checked Jalali date is a valid Persian date");
        let iso: Date<Iso> = persian.to_calendar(Iso);
        NaiveDate::from_ymd_opt(
            iso.year().extended_year(),
            u32::from(iso.month().ordinal),
            u32::from(iso.day_of_month().0),
        )
        .expect("an ISO date is a valid chrono date")
    }

    /// The Jalali date in Tehran at an instant.
    pub fn at(instant: DateTime<Utc>) -> Self {
        Self::from_gregorian(tehran_date(instant))
    }

    /// Year.
    pub fn year(self) -> i32 {
        self.year
    }
    /// Month, 1 = Farvardin.
    pub fn month(self) -> u8 {
        self.month
    }
    /// Day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// `۱۵ فروردین ۱۴۰۴`
    pub fn format_fa(self) -> String {
        to_persian_digits(&format!(
            "{} {} {}",
            self.day,
            MONTH_NAMES_FA[usize::from(self.month - 1)],
            self.year
        ))
    }

    /// `۱۴۰۴/۰۱/۱۵`, the numeric form Iranian forms use.
    pub fn format_numeric_fa(self) -> String {
        to_persian_digits(&format!(
            "{:04}/{:02}/{:02}",
            self.year, self.month, self.day
        ))
    }

    /// `15 Farvardin 1404`
    pub fn format_en(self) -> String {
        format!(
            "{} {} {}",
            self.day,
            MONTH_NAMES_EN[usize::from(self.month - 1)],
            self.year
        )
    }
}

impl fmt::Display for JalaliDate {
    /// `1404-01-15`, ASCII digits: the machine form (CLI, JSON, database).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for JalaliDate {
    type Err = JalaliDateError;

    /// Accepts `1404-01-15`, `1404/1/15`, with ASCII, Persian or Arabic-Indic digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let ascii = to_ascii_digits(trimmed);
        let parts: Vec<&str> = ascii.split(['-', '/']).collect();
        let well_formed = parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            && parts[0].len() == 4
            && parts[1].len() <= 2
            && parts[2].len() <= 2;
        if !well_formed || trimmed.chars().any(|c| is_digit_separator(c) && c != '-') {
            return Err(JalaliDateError::Format(crate::text::quoted(s)));
        }
        let number = |p: &str| {
            p.parse::<u32>()
                .map_err(|_| JalaliDateError::Format(crate::text::quoted(s)))
        };
        let year = number(parts[0])? as i32;
        let month = number(parts[1])? as u8;
        let day = number(parts[2])? as u8;
        Self::new(year, month, day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// One row of `data/jalali_1304_1498.csv`, generated by `tools/calendar/gen_jalali_table.py`
    /// from the 33-year rule alone, independently of the crate.
    struct Row {
        year: i32,
        leap: bool,
        nowruz: NaiveDate,
    }

    fn official_table() -> Vec<Row> {
        include_str!("../data/jalali_1304_1498.csv")
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                Row {
                    year: f[0].parse().unwrap(),
                    leap: f[1] == "1",
                    nowruz: f[2].parse().unwrap(),
                }
            })
            .collect()
    }

    #[test]
    fn calendar_agrees_with_the_official_33_year_table_1304_to_1498() {
        let table = official_table();
        assert_eq!(table.len(), 195);
        assert_eq!(table.first().unwrap().year, 1304);
        assert_eq!(table.last().unwrap().year, 1498);
        for row in &table {
            assert_eq!(is_leap_year(row.year), row.leap, "leap rule {}", row.year);
            let nowruz = JalaliDate::new(row.year, 1, 1).unwrap();
            assert_eq!(
                nowruz.to_gregorian(),
                row.nowruz,
                "1 Farvardin {}",
                row.year
            );
            assert_eq!(JalaliDate::from_gregorian(row.nowruz), nowruz);
            // The crate's own idea of the leap year must agree too.
            let esfand = Date::try_new_persian(row.year, 12, 1).unwrap();
            assert_eq!(
                esfand.days_in_month() == 30,
                row.leap,
                "crate leap {}",
                row.year
            );
        }
    }

    #[test]
    fn every_day_1304_to_1498_round_trips() {
        let table = official_table();
        let first = table.first().unwrap().nowruz;
        let end = JalaliDate::new(1498, 12, days_in_month(1498, 12))
            .unwrap()
            .to_gregorian();
        let mut day = first;
        let mut expected = JalaliDate::new(1304, 1, 1).unwrap();
        let mut count = 0;
        while day <= end {
            let j = JalaliDate::from_gregorian(day);
            assert_eq!(j, expected, "{day}");
            assert_eq!(j.to_gregorian(), day);
            // Next expected Jalali day by our own month lengths.
            expected = if expected.day < days_in_month(expected.year, expected.month) {
                JalaliDate {
                    day: expected.day + 1,
                    ..expected
                }
            } else if expected.month < 12 {
                JalaliDate {
                    month: expected.month + 1,
                    day: 1,
                    ..expected
                }
            } else {
                JalaliDate {
                    year: expected.year + 1,
                    month: 1,
                    day: 1,
                }
            };
            day = day.succ_opt().unwrap();
            count += 1;
        }
        assert!(count > 71_000);
    }

    #[test]
    fn known_dates() {
        assert_eq!(
            JalaliDate::new(1404, 1, 1).unwrap().to_gregorian(),
            d(2025, 3, 21)
        );
        assert_eq!(
            JalaliDate::new(1403, 12, 30).unwrap().to_gregorian(),
            d(2025, 3, 20)
        );
        assert_eq!(
            JalaliDate::from_gregorian(d(2026, 11, 23)).to_string(),
            "1405-09-02"
        );
        assert!(is_leap_year(1403) && !is_leap_year(1404) && is_leap_year(1408));
    }

    #[test]
    fn tehran_day_boundary_is_at_20_30_utc() {
        let before: DateTime<Utc> = "2025-03-20T20:29:59Z".parse().unwrap();
        let after: DateTime<Utc> = "2025-03-20T20:30:00Z".parse().unwrap();
        assert_eq!(JalaliDate::at(before).to_string(), "1403-12-30");
        assert_eq!(JalaliDate::at(after).to_string(), "1404-01-01");
    }

    #[test]
    fn parsing_accepts_every_digit_script_and_refuses_bad_dates() {
        let expected = JalaliDate::new(1404, 1, 15).unwrap();
        for s in [
            "1404-01-15",
            "1404/1/15",
            "۱۴۰۴/۰۱/۱۵",
            "١٤٠٤-٠١-١٥",
            " 1404-1-15 ",
        ] {
            assert_eq!(s.parse::<JalaliDate>(), Ok(expected), "{s}");
        }
        assert!(matches!(
            "1404-13-01".parse::<JalaliDate>(),
            Err(JalaliDateError::NoSuchMonth(13))
        ));
        assert!(matches!(
            "1404-12-30".parse::<JalaliDate>(),
            Err(JalaliDateError::NoSuchDay { .. })
        ));
        assert!("1403-12-30".parse::<JalaliDate>().is_ok());
        assert!(matches!(
            "1404-07-31".parse::<JalaliDate>(),
            Err(JalaliDateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            "1404-01-00".parse::<JalaliDate>(),
            Err(JalaliDateError::NoSuchDay { .. })
        ));
        assert!(matches!(
            "1200-01-01".parse::<JalaliDate>(),
            Err(JalaliDateError::YearOutOfRange(1200))
        ));
        for bad in [
            "",
            "1404",
            "1404-01",
            "14040115",
            "1404-01-15-1",
            "a404-01-15",
            "1404 - 01 - 15",
            "1404-001-15",
        ] {
            assert!(
                matches!(bad.parse::<JalaliDate>(), Err(JalaliDateError::Format(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn persian_forms() {
        let date = JalaliDate::new(1404, 1, 15).unwrap();
        assert_eq!(date.format_fa(), "۱۵ فروردین ۱۴۰۴");
        assert_eq!(date.format_numeric_fa(), "۱۴۰۴/۰۱/۱۵");
        assert_eq!(date.format_en(), "15 Farvardin 1404");
        assert_eq!(date.to_string(), "1404-01-15");
        assert_eq!(weekday_fa(Weekday::Fri), "جمعه");
    }
}
