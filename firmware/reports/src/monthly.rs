//! The monthly meeting report (گزارش ماهانه ملاقات‌های مردمی, docs/rules.md R-003-5.3-report):
//! how many visitors came on each meeting day, the topics they raised, their occupations, and
//! the results.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kiosk_store::{MeetingResult, Occupation};

use crate::data::ReportData;
use crate::period::JalaliMonth;

/// Label of meetings whose topic was not classified.
pub const UNCLASSIFIED_TOPIC: &str = "طبقه‌بندی‌نشده";

/// The monthly meeting report.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyReport {
    /// The month.
    pub month: JalaliMonth,
    /// Meetings in the month.
    pub total: u64,
    /// Visitors per meeting day, by day.
    pub per_day: Vec<(NaiveDate, u64)>,
    /// Meetings per topic, most frequent first (ties by name).
    pub topics: Vec<(String, u64)>,
    /// Meetings per occupation, in the form's order (zeros kept).
    pub occupations: Vec<(Occupation, u64)>,
    /// Meetings per result ticked, in the form's order (zeros kept; a meeting may tick several).
    pub results: Vec<(MeetingResult, u64)>,
}

impl MonthlyReport {
    /// Share of the month's meetings, in percent (0 when there were none).
    pub fn percent(&self, n: u64) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / self.total as f64
        }
    }
}

/// Computes the report of `month` from `data`.
pub fn compute(data: &ReportData, month: JalaliMonth) -> MonthlyReport {
    let (first, last) = month.days();
    let meetings: Vec<_> = data
        .meetings
        .iter()
        .filter(|m| (first..=last).contains(&m.day))
        .collect();
    let mut per_day = BTreeMap::<NaiveDate, u64>::new();
    let mut topics = BTreeMap::<String, u64>::new();
    for m in &meetings {
        *per_day.entry(m.day).or_default() += 1;
        let topic = m
            .topic
            .clone()
            .unwrap_or_else(|| UNCLASSIFIED_TOPIC.to_owned());
        *topics.entry(topic).or_default() += 1;
    }
    let mut topics: Vec<_> = topics.into_iter().collect();
    topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    MonthlyReport {
        month,
        total: meetings.len() as u64,
        per_day: per_day.into_iter().collect(),
        topics,
        occupations: Occupation::ALL
            .iter()
            .map(|&o| {
                (
                    o,
                    meetings.iter().filter(|m| m.occupation == o).count() as u64,
                )
            })
            .collect(),
        results: MeetingResult::ALL
            .iter()
            .map(|&r| {
                (
                    r,
                    meetings.iter().filter(|m| m.results.contains(&r)).count() as u64,
                )
            })
            .collect(),
    }
}
