//! The outbox: items waiting to be sent to SAMAD.
//!
//! An item is written in the same transaction as the thing it reports (a case, and later a
//! service, a rating or a meeting), keyed by a UUID that SAMAD treats as an idempotency key, so
//! sending it twice never makes two records. The relay that drains the outbox (leases, backoff,
//! parking) comes with the sync layer; the columns it needs are here already:
//! `attempts`, `lease_until` (an item is leased before sending, so a crash mid-send leaves it
//! pending for the next try), `last_error`, `done_at`, and the `parked` state for items an
//! operator must look at. Only the accessors the kiosk needs now are implemented.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::text_enum::text_enum;
use crate::time::from_millis;

text_enum! {
    /// What an outbox item reports.
    pub enum OutboxItemKind {
        /// A registered case.
        Case = "case",
        /// A service given at the desk.
        Service = "service",
        /// A satisfaction rating.
        Rating = "rating",
        /// A face-to-face meeting.
        Meeting = "meeting",
    }
}

text_enum! {
    /// Where an outbox item stands.
    pub enum OutboxState {
        /// Waiting to be sent (or being sent under a lease).
        Pending = "pending",
        /// Acknowledged by SAMAD.
        Done = "done",
        /// Set aside after failures retrying cannot fix; needs an operator.
        Parked = "parked",
    }
}

/// How deep the outbox is, for the health screen and `kioskctl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Items waiting to be sent.
    pub pending: u64,
    /// Items parked for an operator.
    pub parked: u64,
    /// When the oldest pending item was created.
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

/// One outbox item.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// The idempotency key sent with the item.
    pub item_uuid: Uuid,
    /// What it reports.
    pub item_kind: OutboxItemKind,
    /// The case it belongs to, if any.
    pub case_id: Option<i64>,
    /// The JSON sent to SAMAD (holds a national code in clear: never log it).
    pub payload: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub state: OutboxState,
    /// How many sends were tried.
    pub attempts: u32,
    /// Until when a relay holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// The last send error.
    pub last_error: Option<String>,
    /// When SAMAD acknowledged it.
    pub done_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for OutboxItem {
    /// The payload carries personal data: only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxItem")
            .field("id", &self.id)
            .field("item_uuid", &self.item_uuid)
            .field("item_kind", &self.item_kind)
            .field("case_id", &self.case_id)
            .field("payload_bytes", &self.payload.len())
            .field("created_at", &self.created_at)
            .field("state", &self.state)
            .field("attempts", &self.attempts)
            .field("lease_until", &self.lease_until)
            .field("last_error", &self.last_error)
            .field("done_at", &self.done_at)
            .finish()
    }
}

impl Store {
    /// Pending and parked counts and the age of the oldest pending item.
    pub fn outbox_depth(&self) -> Result<OutboxStats, StoreError> {
        let (pending, parked, oldest): (i64, i64, Option<i64>) = self
            .conn
            .query_row(
                "SELECT
                     count(*) FILTER (WHERE state = 'pending'),
                     count(*) FILTER (WHERE state = 'parked'),
                     min(created_at) FILTER (WHERE state = 'pending')
                 FROM outbox",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .ctx(&self.path, "measure the outbox")?;
        Ok(OutboxStats {
            pending: u64::try_from(pending).unwrap_or(0),
            parked: u64::try_from(parked).unwrap_or(0),
            oldest_pending_at: oldest
                .map(|ms| from_millis(&self.path, "outbox.created_at", ms))
                .transpose()?,
        })
    }

    /// The outbox item with this idempotency key.
    pub fn outbox_item(&self, item_uuid: Uuid) -> Result<Option<OutboxItem>, StoreError> {
        let path = &self.path;
        let raw = self
            .conn
            .query_row(
                "SELECT id, item_uuid, item_kind, case_id, payload, created_at, state, attempts,
                        lease_until, last_error, done_at
                 FROM outbox WHERE item_uuid = ?1",
                [item_uuid.hyphenated().to_string()],
                RawItem::from_row,
            )
            .optional()
            .ctx(path, "read an outbox item")?;
        raw.map(|raw| raw.into_item(path)).transpose()
    }
}

/// An `outbox` row as SQLite gives it.
struct RawItem {
    id: i64,
    item_uuid: String,
    item_kind: OutboxItemKind,
    case_id: Option<i64>,
    payload: String,
    created_at: i64,
    state: OutboxState,
    attempts: i64,
    lease_until: Option<i64>,
    last_error: Option<String>,
    done_at: Option<i64>,
}

impl RawItem {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            item_uuid: row.get(1)?,
            item_kind: row.get(2)?,
            case_id: row.get(3)?,
            payload: row.get(4)?,
            created_at: row.get(5)?,
            state: row.get(6)?,
            attempts: row.get(7)?,
            lease_until: row.get(8)?,
            last_error: row.get(9)?,
            done_at: row.get(10)?,
        })
    }

    fn into_item(self, path: &Path) -> Result<OutboxItem, StoreError> {
        let when = |column, ms: Option<i64>| ms.map(|ms| from_millis(path, column, ms)).transpose();
        Ok(OutboxItem {
            id: self.id,
            item_uuid: Uuid::parse_str(&self.item_uuid).map_err(|_| StoreError::BadValue {
                path: path.to_owned(),
                column: "outbox.item_uuid",
                value: self.item_uuid.clone(),
            })?,
            item_kind: self.item_kind,
            case_id: self.case_id,
            payload: self.payload,
            created_at: from_millis(path, "outbox.created_at", self.created_at)?,
            state: self.state,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            lease_until: when("outbox.lease_until", self.lease_until)?,
            last_error: self.last_error,
            done_at: when("outbox.done_at", self.done_at)?,
        })
    }
}
