//! Case events: the append-only timeline of a case.
//!
//! Every change of a case is an appended row (time, actor, responsible unit, kind, note); the
//! timeline a visitor sees when following a case up is a query over these rows, not a copy.
//! Triggers in the schema abort any `UPDATE` or `DELETE` of an event, so history cannot be
//! rewritten even by a bug elsewhere. A case's `status` column is the status implied by its
//! latest status-changing event in timeline order, updated in the same transaction as any
//! status-changing event is appended.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

use crate::Store;
use crate::cases::{CaseStatus, case_id};
use crate::error::{CaseRef, SqlContext, StoreError};
use crate::text_enum::text_enum;
use crate::time::{from_millis, to_millis};
use crate::validate;

/// Longest actor name (a staff employee code, `kiosk`, `sync`).
pub const MAX_ACTOR_CHARS: usize = 100;
/// Longest unit name.
pub const MAX_UNIT_CHARS: usize = 200;
/// Longest note.
pub const MAX_NOTE_CHARS: usize = 4000;

text_enum! {
    /// What happened to a case.
    pub enum EventKind {
        /// The visitor registered it (written by [`Store::register_case`]).
        Registered = "registered",
        /// SAMAD acknowledged it and gave its own number (written by
        /// [`Store::bind_samad_number`]).
        SamadNumberBound = "samad_number_bound",
        /// It was referred to a unit.
        Referred = "referred",
        /// A unit took an action on it (reported by SAMAD).
        Action = "action",
        /// An answer was given.
        Answered = "answered",
        /// A remark that changes nothing.
        Note = "note",
        /// It was closed.
        Closed = "closed",
    }
}

impl EventKind {
    /// The status a case has after an event of this kind, if the kind changes it.
    pub fn status_after(self) -> Option<CaseStatus> {
        match self {
            Self::Registered => Some(CaseStatus::Registered),
            Self::SamadNumberBound => Some(CaseStatus::Submitted),
            Self::Referred | Self::Action => Some(CaseStatus::InProgress),
            Self::Answered => Some(CaseStatus::Answered),
            Self::Closed => Some(CaseStatus::Closed),
            Self::Note => None,
        }
    }

    /// Whether [`Store::append_event`] accepts it (the other kinds have their own operation).
    pub fn appendable(self) -> bool {
        !matches!(self, Self::Registered | Self::SamadNumberBound)
    }
}

/// An event to append.
#[derive(Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it: an employee code, `kiosk`, `sync`.
    pub actor: String,
    /// The responsible unit, as shown on the visitor's timeline.
    pub unit: String,
    /// What happened.
    pub kind: EventKind,
    /// Free text (an answer, a referral reason).
    pub note: Option<String>,
}

/// A stored event.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// Row id; among events at the same instant, the order they were appended.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// When it happened (millisecond precision).
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor: String,
    /// The responsible unit.
    pub unit: String,
    /// What happened.
    pub kind: EventKind,
    /// Free text.
    pub note: Option<String>,
}

/// Notes can hold a visitor's words: `Debug` shows only their length.
fn note_len(note: &Option<String>) -> Option<usize> {
    note.as_ref().map(|n| n.chars().count())
}

impl fmt::Debug for NewEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEvent")
            .field("at", &self.at)
            .field("actor", &self.actor)
            .field("unit", &self.unit)
            .field("kind", &self.kind)
            .field("note_chars", &note_len(&self.note))
            .finish()
    }
}

impl fmt::Debug for CaseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseEvent")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("at", &self.at)
            .field("actor", &self.actor)
            .field("unit", &self.unit)
            .field("kind", &self.kind)
            .field("note_chars", &note_len(&self.note))
            .finish()
    }
}

/// Checks an event's text fields.
pub(crate) fn validate(path: &Path, event: &NewEvent) -> Result<(), StoreError> {
    validate::single_line(path, "event actor", &event.actor, MAX_ACTOR_CHARS)?;
    validate::single_line(path, "event unit", &event.unit, MAX_UNIT_CHARS)?;
    if let Some(note) = &event.note {
        validate::at_most(path, "event note", note, MAX_NOTE_CHARS)?;
    }
    Ok(())
}

/// Appends `event` to case `case_id` and applies its status. Run inside a transaction.
pub(crate) fn insert(
    conn: &Connection,
    path: &Path,
    case_id: i64,
    event: &NewEvent,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO case_events (case_id, at, actor, unit, kind, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            case_id,
            to_millis(event.at),
            event.actor,
            event.unit,
            event.kind,
            event.note
        ],
    )
    .ctx(path, "append a case event")?;
    let id = conn.last_insert_rowid();
    if event.kind.status_after().is_some() {
        update_status(conn, path, case_id)?;
    }
    Ok(id)
}

/// Sets a case's status to that of its latest status-changing event in timeline order (an
/// event pulled from SAMAD late may be older than one already there).
fn update_status(conn: &Connection, path: &Path, case_id: i64) -> Result<(), StoreError> {
    let action = "update the case status";
    let mut stmt = conn
        .prepare_cached("SELECT kind FROM case_events WHERE case_id = ?1 ORDER BY at DESC, id DESC")
        .ctx(path, action)?;
    let kinds = stmt
        .query_map([case_id], |row| row.get::<_, EventKind>(0))
        .ctx(path, action)?;
    for kind in kinds {
        if let Some(status) = kind.ctx(path, action)?.status_after() {
            conn.execute(
                "UPDATE cases SET status = ?1 WHERE id = ?2",
                params![status, case_id],
            )
            .ctx(path, action)?;
            break;
        }
    }
    Ok(())
}

impl Store {
    /// Appends an event to a case's timeline (and updates the case's status if the kind
    /// implies one). Returns the event's id.
    pub fn append_event(
        &mut self,
        case: impl Into<CaseRef>,
        event: NewEvent,
    ) -> Result<i64, StoreError> {
        let case = case.into();
        validate(&self.path, &event)?;
        if !event.kind.appendable() {
            return Err(StoreError::Invalid {
                path: self.path.clone(),
                field: "event kind",
                reason: format!("{} events are written by their own operation", event.kind),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&self.path, "begin appending an event")?;
        let case_id = case_id(&tx, &self.path, case)?;
        let id = insert(&tx, &self.path, case_id, &event)?;
        tx.commit().ctx(&self.path, "commit the event")?;
        tracing::info!(%case, kind = %event.kind, event_id = id, "case event appended");
        Ok(id)
    }

    /// Every event of a case, oldest first (by time, then by the order they were appended).
    pub fn timeline(&self, case: impl Into<CaseRef>) -> Result<Vec<CaseEvent>, StoreError> {
        let path = &self.path;
        let case_id = case_id(&self.conn, path, case.into())?;
        let action = "read the case timeline";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, case_id, at, actor, unit, kind, note FROM case_events
                 WHERE case_id = ?1 ORDER BY at, id",
            )
            .ctx(path, action)?;
        let rows = stmt
            .query_map([case_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, EventKind>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })
            .ctx(path, action)?;
        let mut events = Vec::new();
        for row in rows {
            let (id, case_id, at, actor, unit, kind, note) = row.ctx(path, action)?;
            let at = from_millis(path, "case_events.at", at)?;
            events.push(CaseEvent {
                id,
                case_id,
                at,
                actor,
                unit,
                kind,
                note,
            });
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_kind() {
        assert_eq!(
            EventKind::Referred.status_after(),
            Some(CaseStatus::InProgress)
        );
        assert_eq!(EventKind::Note.status_after(), None);
        assert!(!EventKind::Registered.appendable());
        assert!(!EventKind::SamadNumberBound.appendable());
        assert!(EventKind::Answered.appendable());
        assert_eq!(
            EventKind::parse("samad_number_bound"),
            Some(EventKind::SamadNumberBound)
        );
        assert_eq!(EventKind::parse("Registered"), None);
    }

    #[test]
    fn debug_never_shows_a_note() {
        let e = NewEvent {
            at: DateTime::from_timestamp_millis(0).unwrap(),
            actor: "kiosk".into(),
            unit: "u".into(),
            kind: EventKind::Note,
            note: Some("private words".into()),
        };
        let text = format!("{e:?}");
        assert!(
            !text.contains("private") && text.contains("note_chars: Some(13)"),
            "{text}"
        );
    }
}
