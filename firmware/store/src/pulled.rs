//! Events pulled back from SAMAD (referrals, actions, answers, closings) and the feed cursor.
//!
//! Why one transaction for a page: the events of a page and the cursor after it are written
//! together, so a crash either keeps both or neither; the next pull asks again from the old
//! cursor. Each SAMAD event id is remembered (table `samad_events`), so a page fetched twice
//! — a lost answer, a cursor that SAMAD moved back — is appended once.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use kiosk_core::TrackingCode;

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::events::{self, NewEvent};
use crate::validate;

/// The settings key holding the cursor of SAMAD's event feed.
pub const EVENT_CURSOR_KEY: &str = "sync.samad.event_cursor";
/// Longest SAMAD event id.
pub const MAX_SAMAD_EVENT_ID_CHARS: usize = 100;

/// An event SAMAD reported for one of this kiosk's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledEvent {
    /// SAMAD's id of the event, unique forever.
    pub samad_event_id: String,
    /// The case, by the tracking code the kiosk sent.
    pub tracking_code: TrackingCode,
    /// The event as it goes on the timeline (actor = the responsible person).
    pub event: NewEvent,
}

/// What [`Store::append_pulled_events`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullReport {
    /// Events appended to timelines.
    pub appended: usize,
    /// Events appended before (same SAMAD event id).
    pub already_had: usize,
    /// Events for a case this kiosk does not have (skipped).
    pub unknown_case: usize,
}

impl Store {
    /// The cursor after the last page of events appended, if any.
    pub fn event_cursor(&self) -> Result<Option<String>, StoreError> {
        self.setting(EVENT_CURSOR_KEY)
    }

    /// Appends a page of pulled events to their cases' timelines (updating statuses) and moves
    /// the cursor to `next_cursor`, in one transaction. Events already appended and events for
    /// unknown cases are skipped and counted. Every event is checked before anything is
    /// written ([`StoreError::Invalid`]; kinds `registered` and `samad_number_bound` are not
    /// SAMAD's to report).
    pub fn append_pulled_events(
        &mut self,
        pulled: &[PulledEvent],
        next_cursor: &str,
    ) -> Result<PullReport, StoreError> {
        let path = &self.path;
        validate::single_line(path, "event cursor", next_cursor, 200)?;
        for p in pulled {
            validate::single_line(
                path,
                "samad_event_id",
                &p.samad_event_id,
                MAX_SAMAD_EVENT_ID_CHARS,
            )?;
            events::validate(path, &p.event)?;
            if !p.event.kind.appendable() {
                return Err(StoreError::Invalid {
                    path: path.clone(),
                    field: "event kind",
                    reason: format!("{} is not an event SAMAD reports", p.event.kind),
                });
            }
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin appending pulled events")?;
        let mut report = PullReport::default();
        for p in pulled {
            let seen: Option<i64> = tx
                .query_row(
                    "SELECT case_event_id FROM samad_events WHERE samad_event_id = ?1",
                    [&p.samad_event_id],
                    |r| r.get(0),
                )
                .optional()
                .ctx(path, "look up a SAMAD event")?;
            if seen.is_some() {
                report.already_had += 1;
                continue;
            }
            let case_id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM cases WHERE tracking_code = ?1",
                    [p.tracking_code.as_string()],
                    |r| r.get(0),
                )
                .optional()
                .ctx(path, "look up a case")?;
            let Some(case_id) = case_id else {
                report.unknown_case += 1;
                continue;
            };
            let event_id = events::insert(&tx, path, case_id, &p.event)?;
            tx.execute(
                "INSERT INTO samad_events (samad_event_id, case_event_id) VALUES (?1, ?2)",
                params![p.samad_event_id, event_id],
            )
            .ctx(path, "remember a SAMAD event")?;
            report.appended += 1;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![EVENT_CURSOR_KEY, next_cursor],
        )
        .ctx(path, "store the event cursor")?;
        tx.commit().ctx(path, "commit the pulled events")?;
        if report != PullReport::default() {
            tracing::info!(?report, "SAMAD events pulled back");
        }
        Ok(report)
    }
}
