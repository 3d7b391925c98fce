//! The rows the periodic reports are computed from (kiosk-reports), read here so that the
//! store's tables are read by the store alone. Only what the reports need leaves the database:
//! no national code, phone, name or description.

use std::str::FromStr as _;

use chrono::{DateTime, NaiveDate, Utc};
use kiosk_core::CaseKind;

use crate::Store;
use crate::error::{SqlContext as _, StoreError};
use crate::meetings::{MeetingResult, Occupation};
use crate::time::{from_millis, parse_day};

/// A case as the quarterly report sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    /// Kind.
    pub kind: CaseKind,
    /// Subject.
    pub subject_id: String,
    /// When registered.
    pub registered_at: DateTime<Utc>,
    /// The announced response day (None: the kind owes no answer).
    pub due_date: Option<NaiveDate>,
    /// When it was first answered or closed, if it was.
    pub answered_at: Option<DateTime<Utc>>,
}

/// A rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    /// The service rated.
    pub service_id: String,
    /// The employee it counts for.
    pub employee_code: Option<String>,
    /// 1..=5.
    pub score: u8,
    /// When.
    pub rated_at: DateTime<Utc>,
}

/// A meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRow {
    /// The day (Tehran).
    pub day: NaiveDate,
    /// Topic (None: not classified).
    pub topic: Option<String>,
    /// Occupation.
    pub occupation: Occupation,
    /// Results ticked, in order.
    pub results: Vec<MeetingResult>,
}

/// Everything a report reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportRows {
    /// Cases, in registration order.
    pub cases: Vec<CaseRow>,
    /// Ratings, in the order recorded.
    pub ratings: Vec<RatingRow>,
    /// Meetings, in the order recorded.
    pub meetings: Vec<MeetingRow>,
}

impl Store {
    /// Every case, rating and meeting as the reports read them.
    pub fn report_rows(&self) -> Result<ReportRows, StoreError> {
        Ok(ReportRows {
            cases: self.case_rows()?,
            ratings: self.rating_rows()?,
            meetings: self.meeting_rows()?,
        })
    }

    fn case_rows(&self) -> Result<Vec<CaseRow>, StoreError> {
        let path = &self.path;
        let action = "read cases for a report";
        let mut st = self
            .conn
            .prepare(
                "SELECT c.kind, c.subject_id, c.registered_at, c.due_date,
                        (SELECT min(e.at) FROM case_events e
                         WHERE e.case_id = c.id AND e.kind IN ('answered', 'closed'))
                 FROM cases c ORDER BY c.id",
            )
            .ctx(path, action)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })
            .ctx(path, action)?;
        let mut cases = Vec::new();
        for row in rows {
            let (kind, subject_id, at, due, answered) = row.ctx(path, action)?;
            cases.push(CaseRow {
                kind: CaseKind::from_str(&kind).map_err(|_| StoreError::BadValue {
                    path: path.clone(),
                    column: "cases.kind",
                    value: kind.clone(),
                })?,
                subject_id,
                registered_at: from_millis(path, "cases.registered_at", at)?,
                due_date: due
                    .as_deref()
                    .map(|d| parse_day(path, "cases.due_date", d))
                    .transpose()?,
                answered_at: answered
                    .map(|ms| from_millis(path, "case_events.at", ms))
                    .transpose()?,
            });
        }
        Ok(cases)
    }

    fn rating_rows(&self) -> Result<Vec<RatingRow>, StoreError> {
        let path = &self.path;
        let action = "read ratings for a report";
        let mut st = self
            .conn
            .prepare("SELECT service_id, employee_code, score, rated_at FROM ratings ORDER BY id")
            .ctx(path, action)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, u8>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .ctx(path, action)?;
        let mut ratings = Vec::new();
        for row in rows {
            let (service_id, employee_code, score, at) = row.ctx(path, action)?;
            ratings.push(RatingRow {
                service_id,
                employee_code,
                score,
                rated_at: from_millis(path, "ratings.rated_at", at)?,
            });
        }
        Ok(ratings)
    }

    fn meeting_rows(&self) -> Result<Vec<MeetingRow>, StoreError> {
        let path = &self.path;
        let action = "read meetings for a report";
        let bad = |column, value: &str| StoreError::BadValue {
            path: path.clone(),
            column,
            value: value.to_owned(),
        };
        let mut st = self
            .conn
            .prepare(
                "SELECT m.meeting_day, m.topic, m.occupation,
                        (SELECT group_concat(r.result, ',') FROM meeting_results r
                         WHERE r.meeting_id = m.id)
                 FROM meetings m ORDER BY m.id",
            )
            .ctx(path, action)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .ctx(path, action)?;
        let mut meetings = Vec::new();
        for row in rows {
            let (day, topic, occupation, results) = row.ctx(path, action)?;
            let mut parsed = Vec::new();
            for result in results.as_deref().unwrap_or("").split(',') {
                if !result.is_empty() {
                    parsed.push(
                        MeetingResult::parse(result)
                            .ok_or_else(|| bad("meeting_results.result", result))?,
                    );
                }
            }
            parsed.sort();
            meetings.push(MeetingRow {
                day: parse_day(path, "meetings.meeting_day", &day)?,
                topic,
                occupation: Occupation::parse(&occupation)
                    .ok_or_else(|| bad("meetings.occupation", &occupation))?,
                results: parsed,
            });
        }
        Ok(meetings)
    }
}
