//! The rows a report is computed from, and reading them from a kiosk database.
//!
//! The reader opens the file read-only (`mode=ro`), so a report can be made beside a running
//! firmware without taking its write lock. It reads only what the reports need: no national
//! code, phone, name or description leaves the database.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use kiosk_core::CaseKind;
use kiosk_store::{MeetingResult, Occupation};
use rusqlite::{Connection, OpenFlags};

use crate::ReportError;

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
    /// Results ticked.
    pub results: Vec<MeetingResult>,
}

/// Everything a report reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportData {
    /// Cases.
    pub cases: Vec<CaseRow>,
    /// Ratings.
    pub ratings: Vec<RatingRow>,
    /// Meetings.
    pub meetings: Vec<MeetingRow>,
}

fn instant(ms: i64) -> Result<DateTime<Utc>, ReportError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| ReportError::BadValue(ms.to_string()))
}

fn day(text: &str) -> Result<NaiveDate, ReportError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ReportError::BadValue(text.into()))
}

/// Reads every case, rating and meeting of a kiosk database (read-only).
pub fn load(path: &Path) -> Result<ReportData, ReportError> {
    load_with_key(path, None)
}

/// [`load`] of a database encrypted under `key` (SQLCipher; `None`: plaintext).
pub fn load_with_key(
    path: &Path,
    key: Option<&kiosk_store::DatabaseKey>,
) -> Result<ReportData, ReportError> {
    let db = |source| ReportError::Database {
        path: path.display().to_string(),
        source,
    };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    if let Some(key) = key {
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
            .map_err(db)?;
    }
    let mut data = ReportData::default();

    let mut st = conn
        .prepare(
            "SELECT c.kind, c.subject_id, c.registered_at, c.due_date,
                    (SELECT min(e.at) FROM case_events e
                     WHERE e.case_id = c.id AND e.kind IN ('answered', 'closed'))
             FROM cases c ORDER BY c.id",
        )
        .map_err(db)?;
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
        .map_err(db)?;
    for row in rows {
        let (kind, subject_id, at, due, answered) = row.map_err(db)?;
        data.cases.push(CaseRow {
            kind: CaseKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind)
                .ok_or_else(|| ReportError::BadValue(kind.clone()))?,
            subject_id,
            registered_at: instant(at)?,
            due_date: due.as_deref().map(day).transpose()?,
            answered_at: answered.map(instant).transpose()?,
        });
    }

    let mut st = conn
        .prepare("SELECT service_id, employee_code, score, rated_at FROM ratings ORDER BY id")
        .map_err(db)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })
        .map_err(db)?;
    for row in rows {
        let (service_id, employee_code, score, at) = row.map_err(db)?;
        data.ratings.push(RatingRow {
            service_id,
            employee_code,
            score,
            rated_at: instant(at)?,
        });
    }

    let mut st = conn
        .prepare(
            "SELECT m.meeting_day, m.topic, m.occupation,
                    (SELECT group_concat(r.result, ',') FROM meeting_results r
                     WHERE r.meeting_id = m.id)
             FROM meetings m ORDER BY m.id",
        )
        .map_err(db)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .map_err(db)?;
    for row in rows {
        let (d, topic, occupation, results) = row.map_err(db)?;
        let mut parsed = Vec::new();
        for r in results
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|r| !r.is_empty())
        {
            parsed.push(MeetingResult::parse(r).ok_or_else(|| ReportError::BadValue(r.into()))?);
        }
        parsed.sort();
        data.meetings.push(MeetingRow {
            day: day(&d)?,
            topic,
            occupation: Occupation::parse(&occupation)
                .ok_or_else(|| ReportError::BadValue(occupation.clone()))?,
            results: parsed,
        });
    }
    Ok(data)
}
