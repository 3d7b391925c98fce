//! Face-to-face meetings (ملاقات مردمی): the meeting form of docs/rules.md R-003-5.3, every
//! field of it.
//!
//! The form (تصویر ۵ of the source report): meeting date; full name; national code; date of birth;
//! occupation — government, private or other — with the exact job title; reason for the
//! meeting; result, as checkboxes — referred to the deputy/manager, follow-up ordered, request
//! checked against laws and regulations, legal framework explained to the visitor, unrelated to
//! the organisation, other (with text); actions taken; signature and date (here: the logged-in
//! employee and the recording time). A `topic` beside the reason classifies it for the monthly
//! report, which charts topics (R-003-5.3-report). The row, its results and its outbox item of
//! kind `meeting` are written in one transaction; the national code is sent in full, as for
//! cases.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use kiosk_core::{JalaliDate, KioskNumber, NationalCode, NationalCodePolicy};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::desk_error::DeskError;
use crate::error::{SqlContext, StoreError};
use crate::outbox::OutboxItemKind;
use crate::services::{DESK_PAYLOAD_VERSION, employee_of, insert_outbox, to_json, wire_time};
use crate::text_enum::Stored;
use crate::time::{from_millis, parse_day, stored_precision, to_millis};
use crate::validate;

/// Longest name, job title.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest reason.
pub const MAX_REASON_CHARS: usize = 2000;
/// Longest topic.
pub const MAX_TOPIC_CHARS: usize = 100;
/// Longest "other" result.
pub const MAX_RESULT_OTHER_CHARS: usize = 1000;
/// Longest text of actions taken.
pub const MAX_ACTIONS_CHARS: usize = 4000;

// The occupation and result sets are plain domain data, in kiosk-core (firmware/core/src/desk.rs).
pub use kiosk_core::{MeetingResult, Occupation};

/// A meeting to record (the filled-in form).
#[derive(Clone, PartialEq, Eq)]
pub struct NewMeeting {
    /// Idempotency key of the record and its outbox item.
    pub client_uuid: Uuid,
    /// The kiosk (terminal) recording it.
    pub kiosk: KioskNumber,
    /// The meeting's day (Tehran civil day).
    pub meeting_day: NaiveDate,
    /// Visitor's full name.
    pub full_name: String,
    /// Visitor's national code: required of a new meeting; `None` in a record once purged
    /// (see [`MeetingRecord::purged_at`]).
    pub national_code: Option<NationalCode>,
    /// Visitor's date of birth, if given.
    pub birth_date: Option<NaiveDate>,
    /// Occupation.
    pub occupation: Occupation,
    /// Exact job title (required for [`Occupation::Other`]).
    pub occupation_title: Option<String>,
    /// Why the visitor came.
    pub reason: String,
    /// Classification for the monthly report.
    pub topic: Option<String>,
    /// The result checkboxes (at least one).
    pub results: Vec<MeetingResult>,
    /// The text of "other" (required when `Other` is ticked).
    pub result_other: Option<String>,
    /// Actions taken.
    pub actions_taken: Option<String>,
    /// The logged-in staff member recording it.
    pub staff_id: i64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl std::fmt::Debug for NewMeeting {
    /// Personal fields are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMeeting")
            .field("client_uuid", &self.client_uuid)
            .field("meeting_day", &self.meeting_day)
            .field(
                "national_code",
                &self.national_code.as_ref().map(NationalCode::masked),
            )
            .field("occupation", &self.occupation)
            .field("results", &self.results)
            .field("staff_id", &self.staff_id)
            .finish_non_exhaustive()
    }
}

/// A stored meeting (the form as recorded).
#[derive(Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    /// Row id.
    pub id: i64,
    /// The form's fields, as recorded.
    pub form: NewMeeting,
    /// The Jalali meeting day.
    pub meeting_jalali: JalaliDate,
    /// The employee who recorded it.
    pub employee_code: String,
    /// True when this client UUID was recorded before and nothing was written now.
    pub already_recorded: bool,
    /// When the visitor's personal data was purged (national code, name, birth date,
    /// reason), if it was.
    pub purged_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for MeetingRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetingRecord")
            .field("id", &self.id)
            .field("form", &self.form)
            .field("employee_code", &self.employee_code)
            .field("already_recorded", &self.already_recorded)
            .field("purged_at", &self.purged_at)
            .finish()
    }
}

#[derive(Serialize)]
struct MeetingPayload<'a> {
    payload_version: u32,
    client_uuid: String,
    kiosk_number: u32,
    meeting_date: String,
    meeting_jalali: String,
    full_name: &'a str,
    national_code: Option<String>,
    birth_date: Option<String>,
    occupation: &'static str,
    occupation_title: Option<&'a str>,
    reason: &'a str,
    topic: Option<&'a str>,
    results: Vec<&'static str>,
    result_other: Option<&'a str>,
    actions_taken: Option<&'a str>,
    employee_code: &'a str,
    recorded_at: String,
}

fn invalid(path: &Path, field: &'static str, reason: &str) -> StoreError {
    StoreError::Invalid {
        path: path.to_owned(),
        field,
        reason: reason.to_owned(),
    }
}

fn validate_meeting(path: &Path, m: &NewMeeting) -> Result<(), StoreError> {
    validate::single_line(path, "full_name", &m.full_name, MAX_NAME_CHARS)?;
    if m.national_code.is_none() {
        return Err(invalid(path, "national_code", "required"));
    }
    if let Some(title) = &m.occupation_title {
        validate::single_line(path, "occupation_title", title, MAX_NAME_CHARS)?;
    } else if m.occupation == Occupation::Other {
        return Err(invalid(
            path,
            "occupation_title",
            "required when the occupation is other",
        ));
    }
    if m.reason.trim().is_empty() {
        return Err(invalid(path, "reason", "must not be empty"));
    }
    validate::at_most(path, "reason", &m.reason, MAX_REASON_CHARS)?;
    if let Some(topic) = &m.topic {
        validate::single_line(path, "topic", topic, MAX_TOPIC_CHARS)?;
    }
    if m.results.is_empty() {
        return Err(invalid(path, "results", "tick at least one result"));
    }
    let other_ticked = m.results.contains(&MeetingResult::Other);
    match &m.result_other {
        Some(text) if other_ticked => {
            validate::single_line(path, "result_other", text, MAX_RESULT_OTHER_CHARS)?
        }
        Some(_) => {
            return Err(invalid(
                path,
                "result_other",
                "given but the result other is not ticked",
            ));
        }
        None if other_ticked => {
            return Err(invalid(
                path,
                "result_other",
                "required when the result other is ticked",
            ));
        }
        None => {}
    }
    if let Some(actions) = &m.actions_taken {
        validate::at_most(path, "actions_taken", actions, MAX_ACTIONS_CHARS)?;
    }
    if let Some(birth) = m.birth_date
        && birth >= m.meeting_day
    {
        return Err(invalid(
            path,
            "birth_date",
            "must be before the meeting day",
        ));
    }
    Ok(())
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn read_meeting(
    conn: &Connection,
    path: &Path,
    client_uuid: Uuid,
) -> Result<Option<MeetingRecord>, StoreError> {
    type Row = (
        i64,
        u32,
        String,
        String,
        Option<String>,
        Option<String>,
        Stored<Occupation>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
        String,
        i64,
        Option<i64>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT id, kiosk_number, meeting_day, full_name, national_code, birth_date, occupation,
                    occupation_title, reason, topic, result_other, actions_taken, staff_id,
                    employee_code, recorded_at, purged_at
             FROM meetings WHERE client_uuid = ?1",
            [client_uuid.hyphenated().to_string()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                    r.get(13)?,
                    r.get(14)?,
                    r.get(15)?,
                ))
            },
        )
        .optional()
        .ctx(path, "read a meeting")?;
    let Some((
        id,
        kiosk,
        day,
        full_name,
        nc,
        birth,
        occupation,
        title,
        reason,
        topic,
        other,
        actions,
        staff_id,
        employee_code,
        at,
        purged_at,
    )) = row
    else {
        return Ok(None);
    };
    let mut results: Vec<MeetingResult> = conn
        .prepare_cached("SELECT result FROM meeting_results WHERE meeting_id = ?1")
        .and_then(|mut st| {
            st.query_map([id], |r| r.get::<_, Stored<MeetingResult>>(0).map(|s| s.0))?
                .collect()
        })
        .ctx(path, "read a meeting's results")?;
    results.sort();
    let meeting_day = parse_day(path, "meetings.meeting_day", &day)?;
    // Test codes were accepted when recorded: read back whatever the checksum allows.
    let policy = NationalCodePolicy {
        accept_test_code: true,
    };
    let national_code = nc
        .map(|nc: String| {
            NationalCode::parse(&nc, &policy).map_err(|_| StoreError::BadValue {
                path: path.to_owned(),
                column: "meetings.national_code",
                value: "(hidden)".into(),
            })
        })
        .transpose()?;
    let purged_at = purged_at
        .map(|ms| from_millis(path, "meetings.purged_at", ms))
        .transpose()?;
    Ok(Some(MeetingRecord {
        id,
        meeting_jalali: JalaliDate::from_gregorian(meeting_day),
        form: NewMeeting {
            client_uuid,
            kiosk: KioskNumber::new(kiosk).map_err(|_| StoreError::BadValue {
                path: path.to_owned(),
                column: "meetings.kiosk_number",
                value: kiosk.to_string(),
            })?,
            meeting_day,
            full_name,
            national_code,
            birth_date: birth
                .map(|b| parse_day(path, "meetings.birth_date", &b))
                .transpose()?,
            occupation: occupation.0,
            occupation_title: title,
            reason,
            topic,
            results,
            result_other: other,
            actions_taken: actions,
            staff_id,
            recorded_at: from_millis(path, "meetings.recorded_at", at)?,
        },
        employee_code,
        already_recorded: true,
        purged_at,
    }))
}

impl Store {
    /// Records a meeting form with its outbox item.
    ///
    /// Every rule of the form is checked first ([`StoreError::Invalid`] names the field); the
    /// same client UUID again returns the meeting already recorded.
    pub fn record_meeting(&mut self, new: NewMeeting) -> Result<MeetingRecord, DeskError> {
        let path = self.path.clone();
        validate_meeting(&path, &new)?;
        let mut new = new;
        new.results.sort();
        new.results.dedup();
        new.recorded_at = stored_precision(new.recorded_at);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a meeting record")?;
        if let Some(existing) = read_meeting(&tx, &path, new.client_uuid)? {
            return Ok(existing);
        }
        let employee_code = employee_of(&tx, &path, new.staff_id)?;
        let jalali = JalaliDate::from_gregorian(new.meeting_day);
        tx.execute(
            "INSERT INTO meetings (client_uuid, kiosk_number, meeting_day, meeting_jalali, full_name,
                 national_code, national_code_masked, birth_date, occupation, occupation_title,
                 reason, topic, result_other, actions_taken, staff_id, employee_code, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                new.client_uuid.hyphenated().to_string(),
                new.kiosk.get(),
                day_text(new.meeting_day),
                jalali.to_string(),
                new.full_name,
                new.national_code.as_ref().map(NationalCode::as_string),
                new.national_code.as_ref().map(NationalCode::masked),
                new.birth_date.map(day_text),
                Stored(new.occupation),
                new.occupation_title,
                new.reason,
                new.topic,
                new.result_other,
                new.actions_taken,
                new.staff_id,
                employee_code,
                to_millis(new.recorded_at)
            ],
        )
        .ctx(&path, "insert a meeting")?;
        let id = tx.last_insert_rowid();
        for result in &new.results {
            tx.execute(
                "INSERT INTO meeting_results (meeting_id, result) VALUES (?1, ?2)",
                params![id, Stored(*result)],
            )
            .ctx(&path, "insert a meeting result")?;
        }
        let payload = to_json(
            &path,
            &MeetingPayload {
                payload_version: DESK_PAYLOAD_VERSION,
                client_uuid: new.client_uuid.hyphenated().to_string(),
                kiosk_number: new.kiosk.get(),
                meeting_date: day_text(new.meeting_day),
                meeting_jalali: jalali.to_string(),
                full_name: &new.full_name,
                national_code: new.national_code.as_ref().map(NationalCode::as_string),
                birth_date: new.birth_date.map(day_text),
                occupation: new.occupation.as_str(),
                occupation_title: new.occupation_title.as_deref(),
                reason: &new.reason,
                topic: new.topic.as_deref(),
                results: new.results.iter().map(|r| r.as_str()).collect(),
                result_other: new.result_other.as_deref(),
                actions_taken: new.actions_taken.as_deref(),
                employee_code: &employee_code,
                recorded_at: wire_time(new.recorded_at),
            },
        )?;
        insert_outbox(
            &tx,
            &path,
            new.client_uuid,
            OutboxItemKind::Meeting,
            None,
            &payload,
            new.recorded_at,
        )?;
        tx.commit().ctx(&path, "commit a meeting record")?;
        tracing::info!(
            national_code = new
                .national_code
                .as_ref()
                .map(NationalCode::masked)
                .unwrap_or_default(),
            occupation = new.occupation.as_str(),
            employee_code,
            "meeting recorded"
        );
        Ok(MeetingRecord {
            id,
            form: new,
            meeting_jalali: jalali,
            employee_code,
            already_recorded: false,
            purged_at: None,
        })
    }

    /// Meetings held on days `from..=to` (Gregorian Tehran days), by day then id.
    pub fn meetings_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<MeetingRecord>, StoreError> {
        let uuids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT client_uuid FROM meetings WHERE meeting_day BETWEEN ?1 AND ?2
                 ORDER BY meeting_day, id",
            )
            .and_then(|mut st| {
                st.query_map(params![day_text(from), day_text(to)], |r| r.get(0))?
                    .collect()
            })
            .ctx(&self.path, "list meetings")?;
        let mut out = Vec::with_capacity(uuids.len());
        for text in uuids {
            let uuid = Uuid::parse_str(&text).map_err(|_| StoreError::BadValue {
                path: self.path.clone(),
                column: "meetings.client_uuid",
                value: text.clone(),
            })?;
            if let Some(mut m) = read_meeting(&self.conn, &self.path, uuid)? {
                m.already_recorded = false;
                out.push(m);
            }
        }
        Ok(out)
    }
}
