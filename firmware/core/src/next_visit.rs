//! The next visit, or the time of final service, of a case that owes no later written answer
//! (docs/rules.md R-000-4.4: the desk performs the request or announces the next visit date
//! or the time of final service).
//!
//! Consultation, service registration and the kinds that need no reply have no response date
//! ([`crate::working_days::due_date`] gives `None`); each instead gets a [`NextVisitRule`]:
//! served at the desk now, final service N working days after the registration day, or the
//! office's next weekly meeting day (a weekday, e.g. the weekly public-meeting day) that is a
//! working day. The rule comes from the catalogue's service, else the configuration's default
//! for the kind, else «at the desk now». Rules are written as text in kiosk.toml and the
//! catalogue: `at_desk`, `working_days:N` (1..=60) or `weekly:WEEKDAY` (English name).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::digits::to_persian_digits;
use crate::jalali::{JalaliDate, tehran_date, weekday_fa};
use crate::working_days::{DueDateError, MAX_SEARCH_DAYS, WorkingCalendar};

/// Most working days a next-visit rule may name.
pub const MAX_NEXT_VISIT_WORKING_DAYS: u16 = 60;

/// How a case without a later written answer goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextVisitRule {
    /// Served at the desk during this visit: no other visit is needed.
    AtDeskNow,
    /// The service is final this many working days after the registration day.
    WorkingDays(u16),
    /// The visitor comes back on the office's next weekly meeting day (this weekday, the first
    /// one after the registration day that is a working day).
    Weekly(Weekday),
}

/// Why a written rule was refused (English, for the log and the CLI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "next-visit rule {given:?} is not valid: {reason}; write \"at_desk\", \"working_days:N\" \
     (N from 1 to {MAX_NEXT_VISIT_WORKING_DAYS}) or \"weekly:DAY\" (saturday, sunday, monday, \
     tuesday, wednesday, thursday or friday)"
)]
pub struct NextVisitRuleError {
    /// The text given (a catalogue's rule, never personal data), cut to 60 characters.
    pub given: String,
    /// What is wrong.
    pub reason: &'static str,
}

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Sat, "saturday"),
    (Weekday::Sun, "sunday"),
    (Weekday::Mon, "monday"),
    (Weekday::Tue, "tuesday"),
    (Weekday::Wed, "wednesday"),
    (Weekday::Thu, "thursday"),
    (Weekday::Fri, "friday"),
];

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, _)| *d == day)
        .map_or("saturday", |(_, name)| name)
}

impl FromStr for NextVisitRule {
    type Err = NextVisitRuleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason| NextVisitRuleError {
            given: text.chars().take(60).collect(),
            reason,
        };
        let t = text.trim().to_ascii_lowercase();
        if t == "at_desk" {
            return Ok(Self::AtDeskNow);
        }
        if let Some(n) = t.strip_prefix("working_days:") {
            let n: u16 = n
                .trim()
                .parse()
                .map_err(|_| err("the number of working days is not a whole number"))?;
            if !(1..=MAX_NEXT_VISIT_WORKING_DAYS).contains(&n) {
                return Err(err("the number of working days is out of range"));
            }
            return Ok(Self::WorkingDays(n));
        }
        if let Some(day) = t.strip_prefix("weekly:") {
            return WEEKDAYS
                .iter()
                .find(|(_, name)| *name == day.trim())
                .map(|(d, _)| Self::Weekly(*d))
                .ok_or_else(|| err("the weekday is not an English weekday name"));
        }
        Err(err("unknown form"))
    }
}

impl fmt::Display for NextVisitRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AtDeskNow => f.write_str("at_desk"),
            Self::WorkingDays(n) => write!(f, "working_days:{n}"),
            Self::Weekly(day) => write!(f, "weekly:{}", weekday_name(*day)),
        }
    }
}

// Written as its text (`weekly:tuesday`) wherever it is serialized.
impl serde::Serialize for NextVisitRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for NextVisitRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl NextVisitRule {
    /// Whether the rule can ever give a day on `calendar`: a weekly day that is a weekend day
    /// never can. English reason for the log and the CLI.
    pub fn check(&self, calendar: &WorkingCalendar) -> Result<(), String> {
        match self {
            Self::Weekly(day) if calendar.weekend().contains(day) => Err(format!(
                "next-visit rule {self} names a weekend day of this office's calendar"
            )),
            _ => Ok(()),
        }
    }
}

/// The announced next visit of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextVisit {
    /// The rule it came from.
    pub rule: NextVisitRule,
    /// The day (Tehran, Gregorian); `None` when served at the desk now.
    pub day: Option<NaiveDate>,
    /// False when the count crossed a year whose official holidays are not known.
    pub holidays_known: bool,
}

impl NextVisit {
    /// The day in the Jalali calendar, as shown.
    pub fn jalali(&self) -> Option<JalaliDate> {
        self.day.map(JalaliDate::from_gregorian)
    }

    /// The receipt's label for the line, in Persian.
    pub fn label_fa(&self) -> &'static str {
        match self.rule {
            NextVisitRule::AtDeskNow => "زمان انجام خدمت",
            NextVisitRule::WorkingDays(_) => "زمان انجام نهایی خدمت",
            NextVisitRule::Weekly(_) => "زمان مراجعه‌ی بعدی",
        }
    }

    /// The receipt's value for the line, in Persian with Persian digits.
    pub fn value_fa(&self) -> String {
        match (self.rule, self.day) {
            (NextVisitRule::WorkingDays(n), Some(day)) => format!(
                "{} {} ({} روز کاری)",
                weekday_fa(day.weekday()),
                JalaliDate::from_gregorian(day).format_fa(),
                to_persian_digits(&n.to_string())
            ),
            (NextVisitRule::Weekly(_), Some(day)) => format!(
                "{} {} (روز ملاقات هفتگی)",
                weekday_fa(day.weekday()),
                JalaliDate::from_gregorian(day).format_fa()
            ),
            _ => "همین مراجعه، در میز ارتباطات مردمی".to_owned(),
        }
    }

    /// What the done screen says, in Persian.
    pub fn spoken_fa(&self) -> String {
        match self.rule {
            NextVisitRule::AtDeskNow => {
                "خدمت شما در همین مراجعه، در میز ارتباطات مردمی انجام می‌شود.".to_owned()
            }
            NextVisitRule::WorkingDays(_) => {
                format!("زمان انجام نهایی خدمت: {}.", self.value_fa())
            }
            NextVisitRule::Weekly(_) => format!("زمان مراجعه‌ی بعدی: {}.", self.value_fa()),
        }
    }

    /// What the done screen says, in English.
    pub fn spoken_en(&self) -> String {
        let day = |d: NaiveDate| {
            format!(
                "{} {}",
                d.weekday(),
                JalaliDate::from_gregorian(d).format_en()
            )
        };
        match (self.rule, self.day) {
            (NextVisitRule::WorkingDays(n), Some(d)) => {
                format!("Your service is final on {} ({n} working days).", day(d))
            }
            (NextVisitRule::Weekly(_), Some(d)) => {
                format!("Your next visit: {}, the weekly meeting day.", day(d))
            }
            _ => "You are served at the desk during this visit.".to_owned(),
        }
    }
}

/// The next visit of a case registered at `registered_at` under `rule`, counted on `calendar`
/// (the registration day never counts).
pub fn next_visit(
    registered_at: DateTime<Utc>,
    rule: NextVisitRule,
    calendar: &WorkingCalendar,
) -> Result<NextVisit, DueDateError> {
    let registered = tehran_date(registered_at);
    match rule {
        NextVisitRule::AtDeskNow => Ok(NextVisit {
            rule,
            day: None,
            holidays_known: true,
        }),
        NextVisitRule::WorkingDays(n) => {
            let (day, holidays_known) = calendar.nth_working_day_after(registered, n)?;
            Ok(NextVisit {
                rule,
                day: Some(day),
                holidays_known,
            })
        }
        NextVisitRule::Weekly(weekday) => {
            let mut day = registered;
            let mut holidays_known = true;
            for _ in 0..MAX_SEARCH_DAYS {
                // One working day at a time, so the calendar range and holiday years are
                // checked as for a response date.
                let (next, known) = calendar.nth_working_day_after(day, 1)?;
                holidays_known &= known;
                if next.weekday() == weekday {
                    return Ok(NextVisit {
                        rule,
                        day: Some(next),
                        holidays_known,
                    });
                }
                day = next;
            }
            Err(DueDateError::NoWorkingDay {
                after: day,
                days: MAX_SEARCH_DAYS,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::working_days::Closure;

    fn j(s: &str) -> NaiveDate {
        s.parse::<JalaliDate>().unwrap().to_gregorian()
    }

    fn at_tehran(jalali: &str, hh: u32) -> DateTime<Utc> {
        let local = j(jalali).and_hms_opt(hh, 0, 0).unwrap();
        (local - chrono::Duration::seconds(i64::from(crate::jalali::TEHRAN_OFFSET_SECONDS)))
            .and_utc()
    }

    #[test]
    fn rules_read_and_write_their_text() {
        let table = [
            ("at_desk", NextVisitRule::AtDeskNow),
            (" AT_DESK ", NextVisitRule::AtDeskNow),
            ("working_days:3", NextVisitRule::WorkingDays(3)),
            ("working_days: 60", NextVisitRule::WorkingDays(60)),
            ("weekly:tuesday", NextVisitRule::Weekly(Weekday::Tue)),
            ("Weekly:Saturday", NextVisitRule::Weekly(Weekday::Sat)),
        ];
        for (text, rule) in table {
            assert_eq!(text.parse::<NextVisitRule>(), Ok(rule), "{text}");
            assert_eq!(rule.to_string().parse::<NextVisitRule>(), Ok(rule));
        }
    }

    #[test]
    fn bad_rules_are_refused_in_english_naming_the_text() {
        let table = [
            ("", "unknown form"),
            ("soon", "unknown form"),
            ("working_days:0", "out of range"),
            ("working_days:61", "out of range"),
            ("working_days:-1", "not a whole number"),
            ("working_days:۳", "not a whole number"),
            ("working_days:", "not a whole number"),
            ("weekly:سه‌شنبه", "not an English weekday"),
            ("weekly:tue", "not an English weekday"),
            ("weekly:", "not an English weekday"),
        ];
        for (text, why) in table {
            let err = text.parse::<NextVisitRule>().expect_err(text);
            let log = err.to_string();
            assert!(log.contains(why), "{text}: {log}");
            assert!(log.contains(&format!("{text:?}")), "{text}: {log}");
            assert!(log.contains("working_days:N"), "{log}");
        }
    }

    #[test]
    fn at_the_desk_now_has_no_day() {
        let v = next_visit(
            at_tehran("1404-08-03", 10),
            NextVisitRule::AtDeskNow,
            &WorkingCalendar::default(),
        )
        .unwrap();
        assert_eq!(v.day, None);
        assert!(v.value_fa().contains("همین مراجعه"));
        assert!(v.spoken_en().contains("during this visit"));
    }

    #[test]
    fn working_days_skip_fridays_and_holidays() {
        // Saturday 1404-08-03; three working days: Sun 04, Mon 05, Tue 06.
        let v = next_visit(
            at_tehran("1404-08-03", 10),
            NextVisitRule::WorkingDays(3),
            &WorkingCalendar::default(),
        )
        .unwrap();
        assert_eq!(v.day, Some(j("1404-08-06")));
        assert_eq!(v.value_fa(), "سه‌شنبه ۶ آبان ۱۴۰۴ (۳ روز کاری)");
        // Wednesday 1404-12-27: 28 Thu, then 29 Esfand and Nowruz are holidays.
        let v = next_visit(
            at_tehran("1404-12-27", 9),
            NextVisitRule::WorkingDays(2),
            &WorkingCalendar::default(),
        )
        .unwrap();
        assert!(v.day.unwrap() >= j("1405-01-05"), "{:?}", v.jalali());
    }

    #[test]
    fn the_weekly_day_is_the_next_one_after_the_registration_day_that_is_worked() {
        let cal = WorkingCalendar::default();
        let tuesday = NextVisitRule::Weekly(Weekday::Tue);
        // Registered Saturday 1404-08-03: Tuesday 06.
        let v = next_visit(at_tehran("1404-08-03", 10), tuesday, &cal).unwrap();
        assert_eq!(v.day, Some(j("1404-08-06")));
        assert_eq!(v.value_fa(), "سه‌شنبه ۶ آبان ۱۴۰۴ (روز ملاقات هفتگی)");
        // Registered on the Tuesday itself: the next week's.
        let v = next_visit(at_tehran("1404-08-06", 10), tuesday, &cal).unwrap();
        assert_eq!(v.day, Some(j("1404-08-13")));
        // That Tuesday closed: the one after.
        let closed = cal.clone().with_closures([Closure {
            first: j("1404-08-13"),
            last: j("1404-08-13"),
            reason: "closure".into(),
        }]);
        let v = next_visit(at_tehran("1404-08-06", 10), tuesday, &closed).unwrap();
        assert_eq!(v.day, Some(j("1404-08-20")));
        // Brute force over a year: a working Tuesday, strictly after, within the next working
        // Tuesdays.
        let mut day = j("1405-01-01");
        while day <= j("1405-12-29") {
            let at = (day.and_hms_opt(6, 0, 0).unwrap()).and_utc();
            let v = next_visit(at, tuesday, &cal).unwrap().day.unwrap();
            assert!(v > day && v.weekday() == Weekday::Tue && cal.is_working_day(v));
            let mut d = day.succ_opt().unwrap();
            while d < v {
                assert!(!(d.weekday() == Weekday::Tue && cal.is_working_day(d)));
                d = d.succ_opt().unwrap();
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn a_weekly_day_on_the_weekend_is_an_error_not_a_hang() {
        let friday = NextVisitRule::Weekly(Weekday::Fri);
        let cal = WorkingCalendar::default();
        assert!(friday.check(&cal).unwrap_err().contains("weekend"));
        assert!(NextVisitRule::Weekly(Weekday::Tue).check(&cal).is_ok());
        let err = next_visit(at_tehran("1404-08-03", 10), friday, &cal).unwrap_err();
        assert!(matches!(err, DueDateError::NoWorkingDay { .. }), "{err:?}");
    }
}
