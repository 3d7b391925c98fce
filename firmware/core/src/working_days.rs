//! Working days and the response date announced on the receipt.
//!
//! A working day is a day in Tehran that is not a weekend day (Friday; Thursday too where a
//! decree or the office says so), not an official holiday and not inside an operator closure
//! (ad-hoc shutdowns ordered by the governorate, e.g. for pollution or energy saving). The
//! response date is the N-th working day *after* the registration day: the registration day
//! never counts, whatever the hour the case was registered.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};

use crate::case_kind::{CaseKind, ResponseRule};
use crate::holidays::{Holiday, HolidayTable};
use crate::jalali::{JalaliDate, SUPPORTED_YEARS, tehran_date};
use crate::next_visit::NextVisitRule;

/// An operator-declared closure: every day from `first` to `last` inclusive is not worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// First closed day.
    pub first: NaiveDate,
    /// Last closed day (inclusive).
    pub last: NaiveDate,
    /// Why, as the operator wrote it.
    pub reason: String,
}

/// Why a day is not a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedBecause {
    /// A weekend day.
    Weekend(Weekday),
    /// An official holiday.
    Holiday(Vec<Holiday>),
    /// An operator closure.
    Closure(String),
}

/// Longest stretch searched for the next working day before giving up: a year and a half of
/// closed days can only be a configuration error.
pub const MAX_SEARCH_DAYS: u32 = 550;

/// Which days are worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// Indexed by `Weekday::num_days_from_monday`.
    weekend: [bool; 7],
    holidays: HolidayTable,
    closures: Vec<Closure>,
    openings: Vec<NaiveDate>,
}

impl Default for WorkingCalendar {
    fn default() -> Self {
        Self::new(HolidayTable::embedded())
    }
}

impl WorkingCalendar {
    /// Friday weekend with the given holidays and no closures.
    pub fn new(holidays: HolidayTable) -> Self {
        let mut weekend = [false; 7];
        weekend[Weekday::Fri.num_days_from_monday() as usize] = true;
        Self {
            weekend,
            holidays,
            closures: Vec::new(),
            openings: Vec::new(),
        }
    }

    /// Replaces the weekend days.
    pub fn with_weekend(mut self, days: impl IntoIterator<Item = Weekday>) -> Self {
        self.weekend = [false; 7];
        for day in days {
            self.weekend[day.num_days_from_monday() as usize] = true;
        }
        self
    }

    /// Adds operator closures.
    pub fn with_closures(mut self, closures: impl IntoIterator<Item = Closure>) -> Self {
        self.closures.extend(closures);
        self
    }

    /// Adds days declared open although the holiday table says otherwise (SAMAD's holiday
    /// overrides: a predicted lunar holiday that fell on another day). The weekend stays closed
    /// and a closure still wins: an office closed locally stays closed.
    pub fn with_openings(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.openings.extend(days);
        self
    }

    /// The weekend days, Monday first.
    pub fn weekend(&self) -> Vec<Weekday> {
        (0..7u8)
            .filter(|&i| self.weekend[usize::from(i)])
            .filter_map(|i| Weekday::try_from(i).ok())
            .collect()
    }

    /// The holiday table.
    pub fn holidays(&self) -> &HolidayTable {
        &self.holidays
    }

    /// Why `day` is not worked, or `None` when it is a working day.
    pub fn closed_because(&self, day: NaiveDate) -> Option<ClosedBecause> {
        if let Some(c) = self
            .closures
            .iter()
            .find(|c| c.first <= day && day <= c.last)
        {
            return Some(ClosedBecause::Closure(c.reason.clone()));
        }
        let holidays = self.holidays.on(day);
        if !holidays.is_empty() && !self.openings.contains(&day) {
            return Some(ClosedBecause::Holiday(holidays));
        }
        let weekday = day.weekday();
        self.weekend[weekday.num_days_from_monday() as usize]
            .then_some(ClosedBecause::Weekend(weekday))
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.closed_because(day).is_none()
    }

    /// The `n`-th working day after `day` (`day` itself never counts), and whether every
    /// year the count passed through has a known holiday list.
    pub fn nth_working_day_after(
        &self,
        day: NaiveDate,
        n: u16,
    ) -> Result<(NaiveDate, bool), DueDateError> {
        let mut current = day;
        let mut remaining = n;
        let mut closed_in_a_row = 0u32;
        let mut holidays_known = self.holidays.knows_year(supported_year(day)?);
        while remaining > 0 {
            current = current
                .succ_opt()
                .ok_or(DueDateError::OutOfRange { day: current })?;
            let jalali_year = supported_year(current)?;
            holidays_known &= self.holidays.knows_year(jalali_year);
            if self.is_working_day(current) {
                remaining -= 1;
                closed_in_a_row = 0;
            } else {
                closed_in_a_row += 1;
                if closed_in_a_row > MAX_SEARCH_DAYS {
                    return Err(DueDateError::NoWorkingDay {
                        after: current,
                        days: MAX_SEARCH_DAYS,
                    });
                }
            }
        }
        Ok((current, holidays_known))
    }
}

/// The response date of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDate {
    /// The civil day in Tehran (Gregorian), as stored.
    pub day: NaiveDate,
    /// The same day in the Jalali calendar, as shown.
    pub jalali: JalaliDate,
    /// The number of working days counted.
    pub working_days: u16,
    /// False when the count crossed a year whose official holidays are not known, so the real
    /// date may be later; the receipt still shows it, staff see the flag.
    pub holidays_known: bool,
}

/// Why no response date could be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DueDateError {
    /// More than [`MAX_SEARCH_DAYS`] closed days in a row: the closures are misconfigured.
    #[error(
        "no working day in the {days} days up to {after}: check the closures in the configuration"
    )]
    NoWorkingDay {
        /// Where the search stopped.
        after: NaiveDate,
        /// How many closed days were passed.
        days: u32,
    },
    /// A day of the count (the registration day included) is outside the calendar range the
    /// kiosk supports, Jalali years 1304–1498 ([`SUPPORTED_YEARS`]): the clock is far wrong,
    /// or (in 1498) the count runs past the range's end.
    #[error(
        "the day {day} is outside the calendar range the kiosk supports (Jalali years \
         1304..=1498, Gregorian {FIRST_SUPPORTED_DAY}..={LAST_SUPPORTED_DAY}): no response \
         date can be computed; check the system clock"
    )]
    OutOfRange {
        /// The first day of the count found outside the range (Gregorian, in Tehran).
        day: NaiveDate,
    },
}

impl DueDateError {
    /// The message shown to a visitor, in Persian (the English `Display` is for the log).
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::NoWorkingDay { .. } => {
                "ثبت درخواست ممکن نشد: در تقویم این دستگاه روز کاری برای پاسخ پیدا نشد. \
                 لطفاً به کارمند میز اطلاع دهید."
            }
            Self::OutOfRange { .. } => {
                "ثبت درخواست ممکن نشد: تاریخ این دستگاه خارج از بازه‌ی تقویم پشتیبانی‌شده است. \
                 لطفاً به کارمند میز اطلاع دهید."
            }
        }
    }
}

/// The first day of [`SUPPORTED_YEARS`] (1 Farvardin 1304), Gregorian.
const FIRST_SUPPORTED_DAY: &str = "1925-03-21";
/// The last day of [`SUPPORTED_YEARS`] (the last of Esfand 1498), Gregorian.
const LAST_SUPPORTED_DAY: &str = "2120-03-20";

/// The Jalali year of `day`, when it is one of [`SUPPORTED_YEARS`].
fn supported_year(day: NaiveDate) -> Result<i32, DueDateError> {
    // Days far outside the range (a clock at the epoch or at chrono's limits) are refused
    // before the calendar conversion is asked about them.
    if !(1900..=2200).contains(&day.year()) {
        return Err(DueDateError::OutOfRange { day });
    }
    let year = JalaliDate::from_gregorian(day).year();
    if SUPPORTED_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(DueDateError::OutOfRange { day })
    }
}

/// Response rules with the configuration's overrides, and the calendar to count on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueDatePolicy {
    /// Which days are worked.
    pub calendar: WorkingCalendar,
    /// Per-kind overrides of [`CaseKind::default_response_rule`].
    pub kind_rules: BTreeMap<CaseKind, ResponseRule>,
    /// Per-service overrides (by service identifier), which win over per-kind ones.
    pub service_rules: BTreeMap<String, ResponseRule>,
    /// For kinds that owe no later answer: the next visit or final-service rule when the
    /// catalogue names none for the service (`crate::next_visit`); absent kinds are served at
    /// the desk now.
    pub next_visit_rules: BTreeMap<CaseKind, NextVisitRule>,
}

impl DueDatePolicy {
    /// The rule for a case of `kind` about `service` (if any).
    pub fn rule_for(&self, kind: CaseKind, service: Option<&str>) -> ResponseRule {
        service
            .and_then(|s| self.service_rules.get(s))
            .or_else(|| self.kind_rules.get(&kind))
            .copied()
            .unwrap_or_else(|| kind.default_response_rule())
    }

    /// The next-visit rule of a case of `kind` that owes no later answer, given the
    /// catalogue's rule for its service (which wins) or `None`.
    pub fn next_visit_rule_for(
        &self,
        kind: CaseKind,
        catalogue_rule: Option<NextVisitRule>,
    ) -> NextVisitRule {
        catalogue_rule
            .or_else(|| self.next_visit_rules.get(&kind).copied())
            .unwrap_or(NextVisitRule::AtDeskNow)
    }
}

/// The response date for a case registered at `registered_at`, or `None` when the kind owes no
/// later answer (handled at the desk, or no reply required).
pub fn due_date(
    registered_at: DateTime<Utc>,
    kind: CaseKind,
    service: Option<&str>,
    policy: &DueDatePolicy,
) -> Result<Option<DueDate>, DueDateError> {
    match policy.rule_for(kind, service) {
        ResponseRule::WorkingDays(n) => {
            let registered_day = tehran_date(registered_at);
            let (day, holidays_known) = policy.calendar.nth_working_day_after(registered_day, n)?;
            Ok(Some(DueDate {
                day,
                jalali: JalaliDate::from_gregorian(day),
                working_days: n,
                holidays_known,
            }))
        }
        ResponseRule::AtDesk | ResponseRule::NoReplyRequired => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supported_range_is_named_by_its_real_first_and_last_days() {
        let first = JalaliDate::new(*SUPPORTED_YEARS.start(), 1, 1).unwrap();
        let last_year = *SUPPORTED_YEARS.end();
        let last =
            JalaliDate::new(last_year, 12, crate::jalali::days_in_month(last_year, 12)).unwrap();
        assert_eq!(first.to_gregorian().to_string(), FIRST_SUPPORTED_DAY);
        assert_eq!(last.to_gregorian().to_string(), LAST_SUPPORTED_DAY);
        assert!(supported_year(first.to_gregorian()).is_ok());
        assert!(supported_year(last.to_gregorian()).is_ok());
        for outside in [
            first.to_gregorian().pred_opt().unwrap(),
            last.to_gregorian().succ_opt().unwrap(),
        ] {
            assert_eq!(
                supported_year(outside),
                Err(DueDateError::OutOfRange { day: outside })
            );
        }
    }

    #[test]
    fn a_date_outside_the_calendar_range_is_a_clear_error_in_english_and_persian() {
        let last_day: NaiveDate = LAST_SUPPORTED_DAY.parse().unwrap();
        let noon = |day: NaiveDate| day.and_hms_opt(9, 0, 0).unwrap().and_utc();
        let cases = [
            // A clock far ahead, far behind, and at chrono's limits.
            (
                noon(NaiveDate::from_ymd_opt(2200, 1, 1).unwrap()),
                "2200-01-01",
            ),
            (
                noon(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()),
                "1900-01-01",
            ),
            (
                DateTime::<Utc>::UNIX_EPOCH - chrono::Duration::days(20_000),
                "1915-",
            ),
            (DateTime::<Utc>::MAX_UTC, "+262"),
            (DateTime::<Utc>::MIN_UTC, "-262"),
            // Registered inside the range, the count runs past its last day.
            (
                noon(last_day - chrono::Duration::days(3)),
                LAST_SUPPORTED_DAY,
            ),
        ];
        for (registered, shown) in cases {
            let err = due_date(registered, CaseKind::Complaint, None, &policy())
                .expect_err("outside the range");
            assert!(
                matches!(err, DueDateError::OutOfRange { .. }),
                "{registered}: {err:?}"
            );
            let log = err.to_string();
            assert!(log.contains(shown), "{log}");
            assert!(log.contains("1304..=1498"), "{log}");
            assert!(log.contains("check the system clock"), "{log}");
            let fa = err.message_fa();
            assert!(fa.contains("تقویم") && fa.contains("کارمند"), "{fa}");
            assert!(!fa.chars().any(|c| c.is_ascii_alphanumeric()), "{fa}");
        }
        // A count that ends inside the range is fine.
        let mut one_day = policy();
        one_day
            .kind_rules
            .insert(CaseKind::Complaint, ResponseRule::WorkingDays(1));
        assert!(
            due_date(
                noon(last_day - chrono::Duration::days(3)),
                CaseKind::Complaint,
                None,
                &one_day
            )
            .is_ok()
        );
    }

    #[test]
    fn an_opening_beats_a_holiday_but_not_the_weekend_or_a_closure() {
        let nowruz = j("1405/01/01");
        let friday = j("1405/01/07");
        let base = WorkingCalendar::default();
        assert!(!base.is_working_day(nowruz) && !base.is_working_day(friday));
        let opened = base.clone().with_openings([nowruz, friday]);
        assert!(opened.is_working_day(nowruz));
        assert!(
            !opened.is_working_day(friday),
            "the weekend is not a holiday to cancel"
        );
        let closed = opened.with_closures([Closure {
            first: nowruz,
            last: nowruz,
            reason: "تعطیلی محلی".into(),
        }]);
        assert!(!closed.is_working_day(nowruz));
    }

    fn j(s: &str) -> NaiveDate {
        s.parse::<JalaliDate>().unwrap().to_gregorian()
    }

    fn at_tehran(jalali: &str, hh: u32, mm: u32) -> DateTime<Utc> {
        let day = j(jalali);
        let local = day.and_hms_opt(hh, mm, 0).unwrap();
        (local - chrono::Duration::seconds(i64::from(crate::jalali::TEHRAN_OFFSET_SECONDS)))
            .and_utc()
    }

    fn policy() -> DueDatePolicy {
        DueDatePolicy::default()
    }

    fn due(registered: DateTime<Utc>, kind: CaseKind, policy: &DueDatePolicy) -> String {
        due_date(registered, kind, None, policy)
            .unwrap()
            .unwrap()
            .jalali
            .to_string()
    }

    #[test]
    fn a_complaint_is_due_ten_working_days_after_the_registration_day() {
        // Saturday 1404-08-03 (2025-10-25). Ten working days after it, Fridays skipped, no
        // holidays in between in 1404's list: Sun 04 .. Thu 08 (5), Sat 10 .. Wed 14 (5).
        let registered = at_tehran("1404-08-03", 10, 0);
        assert_eq!(tehran_date(registered).weekday(), Weekday::Sat);
        assert_eq!(
            due(registered, CaseKind::Complaint, &policy()),
            "1404-08-14"
        );
    }

    #[test]
    fn the_hour_of_registration_never_matters() {
        for (hh, mm) in [(0, 0), (0, 1), (7, 59), (13, 30), (23, 59)] {
            let registered = at_tehran("1404-08-03", hh, mm);
            assert_eq!(
                due(registered, CaseKind::Complaint, &policy()),
                "1404-08-14",
                "{hh}:{mm}"
            );
        }
    }

    #[test]
    fn registering_on_a_closed_day_counts_from_the_next_working_day() {
        // Friday 1404-08-09: the first working day after it is Saturday 10.
        let friday = at_tehran("1404-08-09", 11, 0);
        assert_eq!(tehran_date(friday).weekday(), Weekday::Fri);
        let mut p = policy();
        p.kind_rules
            .insert(CaseKind::Complaint, ResponseRule::WorkingDays(1));
        assert_eq!(due(friday, CaseKind::Complaint, &p), "1404-08-10");
    }

    #[test]
    fn nowruz_holidays_are_skipped() {
        // Registered Wednesday 1404-12-27: 28 Thu (1), 29 holiday, then Nowruz 1405-01-01..04,
        // 12 and 13 Farvardin are holidays.
        let registered = at_tehran("1404-12-27", 9, 0);
        let mut p = policy();
        p.kind_rules
            .insert(CaseKind::Complaint, ResponseRule::WorkingDays(2));
        let result = due(registered, CaseKind::Complaint, &p);
        let cal = &p.calendar;
        for d in [
            "1404-12-29",
            "1405-01-01",
            "1405-01-02",
            "1405-01-03",
            "1405-01-04",
        ] {
            assert!(!cal.is_working_day(j(d)), "{d}");
        }
        assert!(result.as_str() >= "1405-01-05", "{result}");
        // Check by brute force: exactly 2 working days in (registered, result].
        let mut day = j("1404-12-27");
        let mut count = 0;
        while day < j(&result) {
            day = day.succ_opt().unwrap();
            if cal.is_working_day(day) {
                count += 1;
            }
        }
        assert_eq!(count, 2);
        assert!(cal.is_working_day(j(&result)));
    }

    #[test]
    fn thursday_off_and_closures_push_the_date() {
        let registered = at_tehran("1404-08-03", 10, 0);
        let thursday_off = DueDatePolicy {
            calendar: WorkingCalendar::default().with_weekend([Weekday::Thu, Weekday::Fri]),
            ..policy()
        };
        // Sun 04 .. Wed 07 (4), Sat 10 .. Wed 14 (5), Sat 17 (1).
        assert_eq!(
            due(registered, CaseKind::Complaint, &thursday_off),
            "1404-08-17"
        );
        let closed = DueDatePolicy {
            calendar: WorkingCalendar::default().with_closures([Closure {
                first: j("1404-08-04"),
                last: j("1404-08-08"),
                reason: "air pollution".into(),
            }]),
            ..policy()
        };
        // 04..08 closed, 09 Friday; Sat 10 .. Thu 15 (6), Sat 17 .. Tue 20 (4).
        assert_eq!(due(registered, CaseKind::Complaint, &closed), "1404-08-20");
        assert_eq!(
            closed.calendar.closed_because(j("1404-08-05")),
            Some(ClosedBecause::Closure("air pollution".into()))
        );
    }

    #[test]
    fn brute_force_property_over_a_whole_year() {
        // For every registration day of 1405 and every N in 1..=15: the result is a working day,
        // strictly after the registration day, with exactly N working days in between.
        let p = policy();
        let cal = &p.calendar;
        let mut day = j("1405-01-01");
        let last = j("1405-12-29");
        while day <= last {
            for n in [1u16, 5, 10, 15] {
                let (result, known) = cal.nth_working_day_after(day, n).unwrap();
                assert!(result > day);
                assert!(cal.is_working_day(result));
                let mut count = 0;
                let mut d = day;
                while d < result {
                    d = d.succ_opt().unwrap();
                    count += u16::from(cal.is_working_day(d));
                }
                assert_eq!(count, n, "{day} + {n}");
                let crosses_unknown = JalaliDate::from_gregorian(result).year() > 1406;
                assert_eq!(known, !crosses_unknown);
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn unknown_holiday_years_are_flagged() {
        let registered = at_tehran("1407-02-01", 10, 0);
        let result = due_date(registered, CaseKind::Complaint, None, &policy())
            .unwrap()
            .unwrap();
        assert!(!result.holidays_known);
        let registered = at_tehran("1405-02-01", 10, 0);
        assert!(
            due_date(registered, CaseKind::Complaint, None, &policy())
                .unwrap()
                .unwrap()
                .holidays_known
        );
    }

    #[test]
    fn desk_kinds_have_no_due_date_and_overrides_apply_in_order() {
        let registered = at_tehran("1404-08-03", 10, 0);
        let mut p = policy();
        assert_eq!(
            due_date(registered, CaseKind::Consultation, None, &p),
            Ok(None)
        );
        assert_eq!(
            due_date(registered, CaseKind::Appreciation, None, &p),
            Ok(None)
        );
        p.kind_rules
            .insert(CaseKind::Request, ResponseRule::WorkingDays(3));
        p.service_rules
            .insert("11021".into(), ResponseRule::WorkingDays(1));
        assert_eq!(
            p.rule_for(CaseKind::Request, None),
            ResponseRule::WorkingDays(3)
        );
        assert_eq!(
            p.rule_for(CaseKind::Request, Some("11021")),
            ResponseRule::WorkingDays(1)
        );
        assert_eq!(
            p.rule_for(CaseKind::Request, Some("other")),
            ResponseRule::WorkingDays(3)
        );
        assert_eq!(
            p.rule_for(CaseKind::Complaint, Some("other")),
            ResponseRule::WorkingDays(10)
        );
    }

    #[test]
    fn endless_closures_are_a_clear_error_not_a_hang() {
        let p = DueDatePolicy {
            calendar: WorkingCalendar::default().with_closures([Closure {
                first: j("1404-01-01"),
                last: j("1406-12-29"),
                reason: "misconfigured".into(),
            }]),
            ..policy()
        };
        let err = due_date(
            at_tehran("1404-08-03", 10, 0),
            CaseKind::Complaint,
            None,
            &p,
        )
        .unwrap_err();
        assert!(matches!(err, DueDateError::NoWorkingDay { .. }), "{err:?}");
    }
}
