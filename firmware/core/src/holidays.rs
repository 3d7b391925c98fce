//! Official public holidays, from data files per Jalali year.
//!
//! The files `data/holidays/YYYY.toml` are embedded in the binary (the kiosk must know them
//! offline) and name their source. Lunar holidays move every year and are only known from the
//! official calendar, so a year without a file is a year whose holidays are unknown: the due
//! date is still computed (weekends and closures apply) but flagged as approximate. An operator
//! adds a year by shipping a new file in the same format (`extra` in [`HolidayTable::load`]).
//! 30 Esfand is a holiday in every leap year by rule, whether or not a file lists it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::jalali::{JalaliDate, days_in_month, is_leap_year};

/// The holiday files shipped with the firmware, `(file name, contents)`.
pub const EMBEDDED: [(&str, &str); 3] = [
    ("1404.toml", include_str!("../data/holidays/1404.toml")),
    ("1405.toml", include_str!("../data/holidays/1405.toml")),
    ("1406.toml", include_str!("../data/holidays/1406.toml")),
];

/// One holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// The day, in the Jalali calendar.
    pub date: JalaliDate,
    /// Persian name.
    pub name_fa: String,
    /// English name.
    pub name_en: String,
}

/// Why a holiday file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayDataError {
    /// Not valid TOML or missing fields.
    #[error("holiday file {file}: {reason}")]
    Syntax {
        /// File name.
        file: String,
        /// Parser message.
        reason: String,
    },
    /// A `date` that is not a Jalali date.
    #[error("holiday file {file}: holiday #{index}: {reason}")]
    BadDate {
        /// File name.
        file: String,
        /// 1-based index of the `[[holiday]]` entry.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A holiday outside the file's `year`.
    #[error("holiday file {file}: holiday #{index} ({date}) is not in year {year}")]
    WrongYear {
        /// File name.
        file: String,
        /// 1-based index.
        index: usize,
        /// The date given.
        date: String,
        /// The file's year.
        year: i32,
    },
    /// The `gregorian` cross-check disagrees with the Jalali date.
    #[error("holiday file {file}: holiday #{index}: {jalali} is {actual}, not {given}")]
    GregorianMismatch {
        /// File name.
        file: String,
        /// 1-based index.
        index: usize,
        /// Jalali date.
        jalali: String,
        /// The Gregorian date the file states.
        given: String,
        /// The Gregorian date it really is.
        actual: String,
    },
    /// Two files for the same year.
    #[error("holiday file {file}: year {year} is already defined")]
    DuplicateYear {
        /// File name.
        file: String,
        /// Year.
        year: i32,
    },
    /// No source named: every holiday list must say where it comes from.
    #[error("holiday file {file}: `source` is empty")]
    NoSource {
        /// File name.
        file: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    year: i32,
    source: String,
    #[serde(default)]
    holiday: Vec<EntryFormat>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFormat {
    date: String,
    #[serde(default)]
    gregorian: Option<String>,
    name_fa: String,
    name_en: String,
}

/// Every known holiday, by Gregorian day, and the years whose lists are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayTable {
    by_day: BTreeMap<NaiveDate, Vec<Holiday>>,
    known_years: BTreeSet<i32>,
    sources: BTreeMap<i32, String>,
}

impl HolidayTable {
    /// The embedded files plus `extra` ones `(file name, contents)` given by the operator.
    pub fn load<'a>(
        extra: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, HolidayDataError> {
        let mut table = Self::default();
        for (file, text) in EMBEDDED.into_iter().chain(extra) {
            table.add_file(file, text)?;
        }
        Ok(table)
    }

    /// Only the embedded files.
    pub fn embedded() -> Self {
        Self::load([]).expect("embedded holiday files are checked by the tests")
    }

    fn add_file(&mut self, file: &str, text: &str) -> Result<(), HolidayDataError> {
        let parsed: FileFormat = toml::from_str(text).map_err(|e| HolidayDataError::Syntax {
            file: file.to_owned(),
            reason: e.message().to_owned(),
        })?;
        if parsed.source.trim().is_empty() {
            return Err(HolidayDataError::NoSource {
                file: file.to_owned(),
            });
        }
        if !self.known_years.insert(parsed.year) {
            return Err(HolidayDataError::DuplicateYear {
                file: file.to_owned(),
                year: parsed.year,
            });
        }
        self.sources
            .insert(parsed.year, parsed.source.trim().to_owned());
        for (i, entry) in parsed.holiday.into_iter().enumerate() {
            let index = i + 1;
            let date: JalaliDate =
                entry
                    .date
                    .parse()
                    .map_err(
                        |e: crate::jalali::JalaliDateError| HolidayDataError::BadDate {
                            file: file.to_owned(),
                            index,
                            reason: e.to_string(),
                        },
                    )?;
            if date.year() != parsed.year {
                return Err(HolidayDataError::WrongYear {
                    file: file.to_owned(),
                    index,
                    date: entry.date,
                    year: parsed.year,
                });
            }
            let day = date.to_gregorian();
            if let Some(given) = entry.gregorian
                && given.trim() != day.to_string()
            {
                return Err(HolidayDataError::GregorianMismatch {
                    file: file.to_owned(),
                    index,
                    jalali: date.to_string(),
                    given,
                    actual: day.to_string(),
                });
            }
            self.by_day.entry(day).or_default().push(Holiday {
                date,
                name_fa: entry.name_fa,
                name_en: entry.name_en,
            });
        }
        Ok(())
    }

    /// The holidays on a day (30 Esfand of a leap year included by rule).
    pub fn on(&self, day: NaiveDate) -> Vec<Holiday> {
        let mut found = self.by_day.get(&day).cloned().unwrap_or_default();
        let jalali = JalaliDate::from_gregorian(day);
        if jalali.month() == 12
            && jalali.day() == 30
            && is_leap_year(jalali.year())
            && days_in_month(jalali.year(), 12) == 30
            && found.is_empty()
        {
            found.push(Holiday {
                date: jalali,
                name_fa: "تعطیل پایان سال (۳۰ اسفند سال کبیسه)".to_owned(),
                name_en: "End of year holiday (30 Esfand of a leap year)".to_owned(),
            });
        }
        found
    }

    /// Whether the official list of a Jalali year is known.
    pub fn knows_year(&self, year: i32) -> bool {
        self.known_years.contains(&year)
    }

    /// The years with a list.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.known_years.iter().copied()
    }

    /// Where a year's list comes from.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.sources.get(&year).map(String::as_str)
    }

    /// Every listed holiday of a year, in date order.
    pub fn of_year(&self, year: i32) -> Vec<Holiday> {
        self.by_day
            .values()
            .flatten()
            .filter(|h| h.date.year() == year)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_load_and_cover_1404_to_1406_with_sources() {
        let table = HolidayTable::load([]).unwrap();
        assert_eq!(
            table.known_years().collect::<Vec<_>>(),
            vec![1404, 1405, 1406]
        );
        for year in 1404..=1406 {
            assert!(table.source(year).unwrap().len() > 10);
            let list = table.of_year(year);
            // 10 fixed solar holidays and 16 lunar ones, some lunar ones may fall twice
            // or coincide with a solar one.
            assert!((20..=32).contains(&list.len()), "{year}: {}", list.len());
            for fixed in [
                (1, 1),
                (1, 2),
                (1, 3),
                (1, 4),
                (1, 12),
                (1, 13),
                (3, 14),
                (3, 15),
                (11, 22),
                (12, 29),
            ] {
                let day = JalaliDate::new(year, fixed.0, fixed.1)
                    .unwrap()
                    .to_gregorian();
                assert!(
                    !table.on(day).is_empty(),
                    "{year}-{:02}-{:02} is a holiday",
                    fixed.0,
                    fixed.1
                );
            }
        }
    }

    #[test]
    fn thirtieth_of_esfand_is_a_holiday_in_leap_years_by_rule() {
        let table = HolidayTable::embedded();
        let day = JalaliDate::new(1403, 12, 30).unwrap().to_gregorian();
        assert_eq!(table.on(day).len(), 1);
        let day = JalaliDate::new(1408, 12, 30).unwrap().to_gregorian();
        assert_eq!(table.on(day).len(), 1);
        let ordinary = JalaliDate::new(1404, 12, 28).unwrap().to_gregorian();
        assert!(table.on(ordinary).is_empty());
    }

    #[test]
    fn bad_files_are_refused_with_the_file_and_entry_named() {
        let good_head = "year = 1407\nsource = \"test\"\n";
        let cases: Vec<(String, &str)> = vec![
            ("year = ".to_owned(), "Syntax"),
            ("year = 1407\nsource = \"\"\n".to_owned(), "NoSource"),
            (
                format!(
                    "{good_head}[[holiday]]\ndate = \"1407-13-01\"\nname_fa = \"x\"\nname_en = \"x\"\n"
                ),
                "BadDate",
            ),
            (
                format!(
                    "{good_head}[[holiday]]\ndate = \"1408-01-01\"\nname_fa = \"x\"\nname_en = \"x\"\n"
                ),
                "WrongYear",
            ),
            (
                format!(
                    "{good_head}[[holiday]]\ndate = \"1407-01-01\"\ngregorian = \"2028-03-21\"\nname_fa = \"x\"\nname_en = \"x\"\n"
                ),
                "GregorianMismatch",
            ),
            (
                "year = 1404\nsource = \"again\"\n".to_owned(),
                "DuplicateYear",
            ),
            (format!("{good_head}surprise = 1\n"), "Syntax"),
        ];
        for (text, kind) in cases {
            let err = HolidayTable::load([("1407.toml", text.as_str())]).unwrap_err();
            assert!(format!("{err:?}").starts_with(kind), "{kind}: {err:?}");
            assert!(err.to_string().contains("1407.toml"), "{err}");
        }
    }

    #[test]
    fn an_operator_file_adds_a_year() {
        let text = "year = 1407\nsource = \"operator\"\n[[holiday]]\ndate = \"1407-01-01\"\ngregorian = \"2028-03-20\"\nname_fa = \"عید نوروز\"\nname_en = \"Nowruz\"\n";
        let table = HolidayTable::load([("1407.toml", text)]).unwrap();
        assert!(table.knows_year(1407));
        assert_eq!(
            table.on(NaiveDate::from_ymd_opt(2028, 3, 20).unwrap())[0].name_en,
            "Nowruz"
        );
    }
}
