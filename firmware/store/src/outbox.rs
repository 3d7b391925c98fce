//! The outbox: items waiting to be sent to SAMAD, and the operations of the relay that drains it.
//!
//! An item is written in the same transaction as the thing it reports (a case, and later a
//! service, a rating or a meeting), keyed by a UUID that SAMAD treats as an idempotency key, so
//! sending it twice never makes two records.
//!
//! How the relay (kiosk-sync) uses it, and why each step is safe across a crash:
//! - [`Store::claim_outbox`] takes a batch under a *lease*: the items get `lease_until` and a
//!   fresh `lease_token`, and their `attempts` go up. A relay that dies mid-send simply lets the
//!   lease run out; the items are claimed again later with the same UUID, never lost, and SAMAD
//!   answers the second send as it answered the first.
//! - A claim is bounded by items and payload bytes and keeps each case's items in order: an
//!   item is claimable only when every earlier item of its case is done (an earlier parked item
//!   holds the later ones back until staff retry it).
//! - [`Store::settle_outbox`] applies the answers of one batch in one transaction: done (binding
//!   SAMAD's number to a case's tracking code), retry at a later time (the backoff is stored, so
//!   a restart does not hammer SAMAD), or parked with a reason shown to staff. Done is applied
//!   whoever holds the lease (a definite answer is the truth); retry and park only by the
//!   claim that holds it.
//! - Staff see parked items with [`Store::outbox_parked`] and send one again with
//!   [`Store::outbox_retry_one`].

use std::path::Path;

use chrono::{DateTime, Utc};
use kiosk_core::TrackingCode;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use crate::Store;
use crate::cases::{MAX_SAMAD_NUMBER_CHARS, bind_samad_number_in};
use crate::error::{SqlContext, StoreError};
use crate::text_enum::text_enum;
use crate::time::{from_millis, to_millis};
use crate::validate;

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
        /// A visit claimed at the desk (for the agency server only: SAMAD has no such item).
        Claim = "claim",
        /// Guidance given to a visitor whose subject is outside the agency's scope (a
        /// consultation, recorded in SAMAD like everything else).
        Guidance = "guidance",
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
    /// Not to be sent before this instant (backoff).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why it was parked (shown to staff).
    pub park_reason: Option<String>,
    /// SAMAD's number for it, once acknowledged.
    pub remote_id: Option<String>,
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
            .field("next_attempt_at", &self.next_attempt_at)
            .field("park_reason", &self.park_reason)
            .field("remote_id", &self.remote_id)
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
                        lease_until, last_error, done_at, next_attempt_at, park_reason, remote_id
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
    next_attempt_at: Option<i64>,
    park_reason: Option<String>,
    remote_id: Option<String>,
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
            next_attempt_at: row.get(11)?,
            park_reason: row.get(12)?,
            remote_id: row.get(13)?,
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
            next_attempt_at: when("outbox.next_attempt_at", self.next_attempt_at)?,
            park_reason: self.park_reason,
            remote_id: self.remote_id,
        })
    }
}

/// Longest park reason or error text kept with an item, in characters (longer text is cut).
pub const MAX_OUTBOX_REASON_CHARS: usize = 1000;

/// How much one claim may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLimits {
    /// At most this many items (at least one is taken when any is claimable).
    pub max_items: usize,
    /// At most this many payload bytes in total; a single item larger than this is still taken
    /// alone, so it can be sent and judged instead of blocking the outbox.
    pub max_bytes: usize,
}

/// An item taken by a claim.
#[derive(Clone, PartialEq, Eq)]
pub struct ClaimedItem {
    /// Row id.
    pub id: i64,
    /// The idempotency key; the same on every claim of the item.
    pub item_uuid: Uuid,
    /// What it reports.
    pub item_kind: OutboxItemKind,
    /// The tracking code of its case, if it belongs to one.
    pub tracking_code: Option<TrackingCode>,
    /// The JSON to send (holds personal data: never log it).
    pub payload: String,
    /// Sends tried, this one included.
    pub attempts: u32,
}

impl std::fmt::Debug for ClaimedItem {
    /// The payload carries personal data: only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedItem")
            .field("id", &self.id)
            .field("item_uuid", &self.item_uuid)
            .field("item_kind", &self.item_kind)
            .field("tracking_code", &self.tracking_code)
            .field("payload_bytes", &self.payload.len())
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// A batch taken under one lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Names this claim; only it may put its items back or park them.
    pub token: Uuid,
    /// The lease runs out then; after that the items can be claimed again.
    pub lease_until: DateTime<Utc>,
    /// The items, oldest first, at most one per case.
    pub items: Vec<ClaimedItem>,
}

/// What became of one claimed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// SAMAD gave a definite yes (now or before): done, and SAMAD's number bound to the case.
    Done {
        /// SAMAD's number for it.
        remote_id: Option<String>,
    },
    /// The office's agency server gave a definite yes: done. The server now owes the item to
    /// SAMAD and relays it later, so SAMAD's number is not known yet and none is bound (a case
    /// settled [`Settlement::Done`] without a number is parked instead: SAMAD itself must give
    /// one).
    Relayed,
    /// No definite answer: send it again, not before `at`.
    RetryAt {
        /// The earliest next attempt.
        at: DateTime<Utc>,
        /// What went wrong (no personal data).
        error: String,
    },
    /// SAMAD will never accept it as it is: set aside for staff.
    Park {
        /// Why (shown to staff; no personal data).
        reason: String,
    },
}

/// What [`Store::settle_outbox`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SettleReport {
    /// Items marked done.
    pub done: usize,
    /// Items put back for a later attempt.
    pub retried: usize,
    /// Items parked (including done answers whose SAMAD number could not be bound).
    pub parked: usize,
    /// Settlements not applied: the item was no longer under this claim (lease lost) or was
    /// done already.
    pub skipped: usize,
}

/// A parked item, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedItem {
    /// The idempotency key (what `kioskctl outbox retry` takes).
    pub item_uuid: Uuid,
    /// What it reports.
    pub item_kind: OutboxItemKind,
    /// Its case's tracking code.
    pub tracking_code: Option<TrackingCode>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Sends tried.
    pub attempts: u32,
    /// Why it was parked.
    pub reason: String,
}

/// What [`Store::outbox_retry_one`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOne {
    /// It was parked; it is pending again and will be sent at once.
    Unparked,
    /// It was waiting for a later attempt; it will be sent at once.
    Rescheduled,
    /// Nothing to do: it is done, or pending with no wait.
    Unchanged(OutboxState),
}

/// Cuts `text` to [`MAX_OUTBOX_REASON_CHARS`] characters on one line.
fn reason_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_OUTBOX_REASON_CHARS)
        .collect()
}

/// The tracking code text of a case row, parsed.
fn tracking_code(path: &Path, text: Option<String>) -> Result<Option<TrackingCode>, StoreError> {
    text.map(|t| {
        TrackingCode::parse(&t).map_err(|_| StoreError::BadValue {
            path: path.to_owned(),
            column: "cases.tracking_code",
            value: t,
        })
    })
    .transpose()
}

fn parse_uuid(path: &Path, text: String) -> Result<Uuid, StoreError> {
    Uuid::parse_str(&text).map_err(|_| StoreError::BadValue {
        path: path.to_owned(),
        column: "outbox.item_uuid",
        value: text,
    })
}

/// Parks item `id` with `reason` inside a transaction, whoever holds it.
fn park(conn: &Connection, path: &Path, id: i64, reason: &str) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE outbox SET state = 'parked', park_reason = ?2, last_error = ?2,
             lease_until = NULL, lease_token = NULL, next_attempt_at = NULL
         WHERE id = ?1 AND state = 'pending'",
        params![id, reason_text(reason)],
    )
    .ctx(path, "park an outbox item")
}

impl Store {
    /// Claims the next batch of claimable items under a lease of `lease` from `now`.
    ///
    /// Claimable: pending, not leased (or the lease ran out), not waiting for a later attempt,
    /// and every earlier item of the same case done. Oldest first (by creation time, read
    /// through the partial index of pending items, so done items cost nothing), bounded by
    /// `limits`. The items' attempt counters go up. An empty claim means nothing is claimable
    /// now.
    pub fn claim_outbox(
        &mut self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limits: ClaimLimits,
    ) -> Result<Claim, StoreError> {
        let path = &self.path;
        let token = Uuid::new_v4();
        let lease_until = crate::time::stored_precision(now + lease);
        let now_ms = to_millis(now);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin claiming outbox items")?;
        let mut items = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT o.id, o.item_uuid, o.item_kind, c.tracking_code, o.payload, o.attempts
                     FROM outbox o LEFT JOIN cases c ON c.id = o.case_id
                     WHERE o.state = 'pending'
                       AND (o.lease_until IS NULL OR o.lease_until <= ?1)
                       AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?1)
                       AND (o.case_id IS NULL OR NOT EXISTS (
                             SELECT 1 FROM outbox p
                             WHERE p.case_id = o.case_id AND p.id < o.id AND p.state <> 'done'))
                     ORDER BY o.created_at, o.id
                     LIMIT ?2",
                )
                .ctx(path, "find claimable outbox items")?;
            let limit = i64::try_from(limits.max_items.max(1)).unwrap_or(i64::MAX);
            let mut rows = stmt
                .query(params![now_ms, limit])
                .ctx(path, "find claimable outbox items")?;
            let mut bytes = 0usize;
            while let Some(row) = rows.next().ctx(path, "read claimable outbox items")? {
                let payload: String = row.get(4).ctx(path, "read an outbox payload")?;
                if !items.is_empty() && bytes + payload.len() > limits.max_bytes {
                    break;
                }
                bytes += payload.len();
                let attempts: i64 = row.get(5).ctx(path, "read outbox attempts")?;
                items.push(ClaimedItem {
                    id: row.get(0).ctx(path, "read an outbox id")?,
                    item_uuid: parse_uuid(path, row.get(1).ctx(path, "read an outbox uuid")?)?,
                    item_kind: row.get(2).ctx(path, "read an outbox kind")?,
                    tracking_code: tracking_code(
                        path,
                        row.get(3).ctx(path, "read a tracking code")?,
                    )?,
                    payload,
                    attempts: u32::try_from(attempts.saturating_add(1)).unwrap_or(u32::MAX),
                });
            }
        }
        {
            let mut update = tx
                .prepare_cached(
                    "UPDATE outbox SET lease_until = ?2, lease_token = ?3, attempts = attempts + 1
                     WHERE id = ?1",
                )
                .ctx(path, "lease outbox items")?;
            let token_text = token.hyphenated().to_string();
            for item in &items {
                update
                    .execute(params![item.id, to_millis(lease_until), token_text])
                    .ctx(path, "lease outbox items")?;
            }
        }
        tx.commit().ctx(path, "commit the outbox claim")?;
        if !items.is_empty() {
            tracing::debug!(items = items.len(), %token, "outbox items claimed");
        }
        Ok(Claim {
            token,
            lease_until,
            items,
        })
    }

    /// Applies what became of the items of claim `token`, all in one transaction.
    ///
    /// `Done` binds SAMAD's number to the case's tracking code (via the same rules as
    /// [`Store::bind_samad_number`]); a number the store refuses (another number already bound,
    /// or one another case has) parks the item with that reason instead. `Done` is applied even
    /// when the lease was lost; `RetryAt` and `Park` only while `token` still holds the item.
    pub fn settle_outbox(
        &mut self,
        token: Uuid,
        settlements: &[(i64, Settlement)],
        at: DateTime<Utc>,
    ) -> Result<SettleReport, StoreError> {
        let path = &self.path;
        let token_text = token.hyphenated().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin settling outbox items")?;
        let mut report = SettleReport::default();
        for (id, settlement) in settlements {
            let id = *id;
            let applied = match settlement {
                Settlement::Done { .. } | Settlement::Relayed => {
                    let (remote_id, relayed) = match settlement {
                        Settlement::Done { remote_id } => (remote_id.clone(), false),
                        _ => (None, true),
                    };
                    let row: Option<(OutboxState, OutboxItemKind, Option<String>)> = tx
                        .query_row(
                            "SELECT o.state, o.item_kind, c.tracking_code
                             FROM outbox o LEFT JOIN cases c ON c.id = o.case_id
                             WHERE o.id = ?1",
                            [id],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )
                        .optional()
                        .ctx(path, "read an outbox item")?;
                    let Some((OutboxState::Pending, kind, code)) = row else {
                        report.skipped += 1;
                        continue;
                    };
                    let code = tracking_code(path, code)?;
                    let bind_error = match (kind, code, &remote_id) {
                        (OutboxItemKind::Case, Some(code), Some(number)) => {
                            match validate::single_line(
                                path,
                                "samad_number",
                                number,
                                MAX_SAMAD_NUMBER_CHARS,
                            )
                            .and_then(|()| bind_samad_number_in(&tx, path, &code, number, at))
                            {
                                Ok(_) => None,
                                Err(
                                    e @ (StoreError::Invalid { .. }
                                    | StoreError::SamadNumberConflict { .. }
                                    | StoreError::SamadNumberTaken { .. }),
                                ) => Some(e.to_string()),
                                Err(e) => return Err(e),
                            }
                        }
                        (OutboxItemKind::Case, _, None) if !relayed => {
                            Some("SAMAD accepted the case but gave no case number".to_owned())
                        }
                        _ => None,
                    };
                    if let Some(reason) = bind_error {
                        tracing::warn!(id, %reason, "outbox item accepted by SAMAD but parked");
                        report.parked += park(&tx, path, id, &reason)?;
                        continue;
                    }
                    let stored_id = remote_id
                        .as_deref()
                        .map(|r| r.chars().take(MAX_SAMAD_NUMBER_CHARS).collect::<String>());
                    tx.execute(
                        "UPDATE outbox SET state = 'done', done_at = ?2, remote_id = ?3,
                             lease_until = NULL, lease_token = NULL, next_attempt_at = NULL
                         WHERE id = ?1 AND state = 'pending'",
                        params![id, to_millis(at), stored_id],
                    )
                    .ctx(path, "mark an outbox item done")?;
                    report.done += 1;
                    continue;
                }
                Settlement::RetryAt { at: next, error } => {
                    let n = tx
                        .execute(
                            "UPDATE outbox SET lease_until = NULL, lease_token = NULL,
                                 next_attempt_at = ?3, last_error = ?4
                             WHERE id = ?1 AND state = 'pending' AND lease_token = ?2",
                            params![id, token_text, to_millis(*next), reason_text(error)],
                        )
                        .ctx(path, "put an outbox item back")?;
                    report.retried += n;
                    n
                }
                Settlement::Park { reason } => {
                    let n = tx
                        .execute(
                            "UPDATE outbox SET state = 'parked', park_reason = ?3,
                                 last_error = ?3, lease_until = NULL, lease_token = NULL,
                                 next_attempt_at = NULL
                             WHERE id = ?1 AND state = 'pending' AND lease_token = ?2",
                            params![id, token_text, reason_text(reason)],
                        )
                        .ctx(path, "park an outbox item")?;
                    if n > 0 {
                        tracing::warn!(id, reason = %reason_text(reason), "outbox item parked");
                    }
                    report.parked += n;
                    n
                }
            };
            if applied == 0 {
                report.skipped += 1;
            }
        }
        tx.commit().ctx(path, "commit the outbox settlement")?;
        Ok(report)
    }

    /// Parked items, oldest first, with their reasons.
    pub fn outbox_parked(&self) -> Result<Vec<ParkedItem>, StoreError> {
        let path = &self.path;
        let action = "list parked outbox items";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT o.item_uuid, o.item_kind, c.tracking_code, o.created_at, o.attempts,
                        coalesce(o.park_reason, o.last_error, '')
                 FROM outbox o LEFT JOIN cases c ON c.id = o.case_id
                 WHERE o.state = 'parked' ORDER BY o.id",
            )
            .ctx(path, action)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, OutboxItemKind>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .ctx(path, action)?;
        let mut parked = Vec::new();
        for row in rows {
            let (uuid, item_kind, code, created_at, attempts, reason) = row.ctx(path, action)?;
            parked.push(ParkedItem {
                item_uuid: parse_uuid(path, uuid)?,
                item_kind,
                tracking_code: tracking_code(path, code)?,
                created_at: from_millis(path, "outbox.created_at", created_at)?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                reason,
            });
        }
        Ok(parked)
    }

    /// Sends one item again as soon as possible: a parked item becomes pending (its reason is
    /// kept as `last_error`), a pending item waiting for a later attempt loses its wait.
    pub fn outbox_retry_one(&mut self, item_uuid: Uuid) -> Result<Option<RetryOne>, StoreError> {
        let path = &self.path;
        let uuid_text = item_uuid.hyphenated().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin retrying an outbox item")?;
        let row: Option<(OutboxState, Option<i64>)> = tx
            .query_row(
                "SELECT state, next_attempt_at FROM outbox WHERE item_uuid = ?1",
                [&uuid_text],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .ctx(path, "read an outbox item")?;
        let outcome = match row {
            None => return Ok(None),
            Some((OutboxState::Parked, _)) => {
                tx.execute(
                    "UPDATE outbox SET state = 'pending', park_reason = NULL,
                         next_attempt_at = NULL
                     WHERE item_uuid = ?1",
                    [&uuid_text],
                )
                .ctx(path, "unpark an outbox item")?;
                RetryOne::Unparked
            }
            Some((OutboxState::Pending, Some(_))) => {
                tx.execute(
                    "UPDATE outbox SET next_attempt_at = NULL WHERE item_uuid = ?1",
                    [&uuid_text],
                )
                .ctx(path, "reschedule an outbox item")?;
                RetryOne::Rescheduled
            }
            Some((state, _)) => RetryOne::Unchanged(state),
        };
        tx.commit().ctx(path, "commit the outbox retry")?;
        tracing::info!(%item_uuid, ?outcome, "outbox item retried by an operator");
        Ok(Some(outcome))
    }

    /// Cuts every pending item's backoff wait (an operator's "sync now"); leases are kept.
    /// Returns how many items were waiting.
    pub fn outbox_send_now(&mut self) -> Result<usize, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET next_attempt_at = NULL
                 WHERE state = 'pending' AND next_attempt_at IS NOT NULL",
                [],
            )
            .ctx(&self.path, "cut the outbox waits")?;
        if n > 0 {
            tracing::info!(items = n, "outbox waits cut by an operator");
        }
        Ok(n)
    }

    /// The earliest instant at which a pending item may become claimable (`None`: none will
    /// by itself). Only the first unfinished item of each case counts: the items behind it
    /// follow it, and items behind a parked one wait for staff, not for a time — so a relay
    /// sleeping until this instant never wakes up to find nothing to do again and again.
    pub fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let path = &self.path;
        let ms: Option<i64> = self
            .conn
            .query_row(
                "SELECT min(max(coalesce(o.lease_until, 0), coalesce(o.next_attempt_at, 0)))
                 FROM outbox o
                 WHERE o.state = 'pending'
                   AND (o.case_id IS NULL OR NOT EXISTS (
                         SELECT 1 FROM outbox p
                         WHERE p.case_id = o.case_id AND p.id < o.id AND p.state <> 'done'))",
                [],
                |r| r.get(0),
            )
            .ctx(path, "find the next outbox attempt")?;
        ms.map(|ms| from_millis(path, "outbox.next_attempt_at", ms))
            .transpose()
    }
}
