//! The quarterly performance report (docs/rules.md R-000-11), with the indicators of
//! R-004-response and R-004-staff-rating.
//!
//! Definitions (every figure is over cases *registered* in the quarter):
//! - **owing an answer**: the case has an announced response day;
//! - **answered**: its first `answered` or `closed` event is on or before the quarter's last day
//!   (Tehran); **response rate** = answered / owing an answer;
//! - **handling time**: working days from the registration day (exclusive) to the answer day
//!   (inclusive), on the kiosk's working calendar; **average** and **p90** (nearest rank: the
//!   ⌈0.9·n⌉-th smallest) over answered cases;
//! - **overdue**: owing an answer, its response day is before the quarter's last day, and it
//!   was not answered by its response day (answered late, or not at all);
//! - **satisfaction**: ratings recorded in the quarter, per service and per employee (ratings
//!   counted for nobody are shown under «نامشخص»): count and average score.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kiosk_core::jalali::tehran_date;
use kiosk_core::{CaseKind, WorkingCalendar};

use crate::data::ReportData;
use crate::period::JalaliQuarter;

/// Label of ratings counted for no employee.
pub const NO_EMPLOYEE: &str = "نامشخص";

/// Count and average score of a group of ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct Satisfaction {
    /// Ratings.
    pub count: u64,
    /// Mean score.
    pub average: f64,
}

/// The quarterly report.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarterlyReport {
    /// The quarter.
    pub quarter: JalaliQuarter,
    /// Cases registered.
    pub cases: u64,
    /// Cases per kind (every kind, zeros kept).
    pub by_kind: Vec<(CaseKind, u64)>,
    /// Cases per subject, most first.
    pub by_subject: Vec<(String, u64)>,
    /// Cases owing an answer.
    pub owing: u64,
    /// Of those, answered by the quarter's end.
    pub answered: u64,
    /// answered / owing.
    pub response_rate: Option<f64>,
    /// Mean handling time in working days.
    pub average_working_days: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90_working_days: Option<u32>,
    /// Overdue cases.
    pub overdue: u64,
    /// Per service identifier.
    pub by_service: Vec<(String, Satisfaction)>,
    /// Per employee code.
    pub by_employee: Vec<(String, Satisfaction)>,
}

/// Working days after `from` up to and including `to`.
pub fn working_days_between(calendar: &WorkingCalendar, from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| calendar.is_working_day(*d))
        .count() as u32
}

fn satisfaction(groups: BTreeMap<String, Vec<u8>>) -> Vec<(String, Satisfaction)> {
    groups
        .into_iter()
        .map(|(k, scores)| {
            let count = scores.len() as u64;
            let average = scores.iter().map(|&s| f64::from(s)).sum::<f64>() / count as f64;
            (k, Satisfaction { count, average })
        })
        .collect()
}

/// Computes the report of `quarter` from `data` on `calendar`.
pub fn compute(
    data: &ReportData,
    quarter: JalaliQuarter,
    calendar: &WorkingCalendar,
) -> QuarterlyReport {
    let (first, last) = quarter.days();
    let cases: Vec<_> = data
        .cases
        .iter()
        .filter(|c| (first..=last).contains(&tehran_date(c.registered_at)))
        .collect();
    let mut by_subject = BTreeMap::<String, u64>::new();
    let mut owing = 0;
    let mut answered = 0;
    let mut overdue = 0;
    let mut times = Vec::new();
    for c in &cases {
        *by_subject.entry(c.subject_id.clone()).or_default() += 1;
        let Some(due) = c.due_date else {
            continue;
        };
        owing += 1;
        let answer_day = c.answered_at.map(tehran_date).filter(|d| *d <= last);
        if let Some(day) = answer_day {
            answered += 1;
            times.push(working_days_between(
                calendar,
                tehran_date(c.registered_at),
                day,
            ));
        }
        if due < last && answer_day.is_none_or(|d| d > due) {
            overdue += 1;
        }
    }
    times.sort_unstable();
    let p90 = (!times.is_empty()).then(|| {
        let rank = (times.len() * 9).div_ceil(10);
        times[rank.max(1) - 1]
    });
    let mut by_subject: Vec<_> = by_subject.into_iter().collect();
    by_subject.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut services = BTreeMap::<String, Vec<u8>>::new();
    let mut employees = BTreeMap::<String, Vec<u8>>::new();
    for r in data
        .ratings
        .iter()
        .filter(|r| (first..=last).contains(&tehran_date(r.rated_at)))
    {
        services
            .entry(r.service_id.clone())
            .or_default()
            .push(r.score);
        employees
            .entry(
                r.employee_code
                    .clone()
                    .unwrap_or_else(|| NO_EMPLOYEE.to_owned()),
            )
            .or_default()
            .push(r.score);
    }
    QuarterlyReport {
        quarter,
        cases: cases.len() as u64,
        by_kind: CaseKind::ALL
            .iter()
            .map(|&k| (k, cases.iter().filter(|c| c.kind == k).count() as u64))
            .collect(),
        by_subject,
        owing,
        answered,
        response_rate: (owing > 0).then(|| answered as f64 / owing as f64),
        average_working_days: (!times.is_empty())
            .then(|| times.iter().map(|&t| f64::from(t)).sum::<f64>() / times.len() as f64),
        p90_working_days: p90,
        overdue,
        by_service: satisfaction(services),
        by_employee: satisfaction(employees),
    }
}
