//! The simulator's own SQLite: every item ever accepted (kept forever, keyed by its kiosk and
//! the kiosk's UUID, with its canonical body so a replay can be told from a conflict), the event
//! feed per kiosk, and the heartbeats received.
//!
//! Idempotency keys are scoped per kiosk: the same `item_id` from another kiosk is another item,
//! judged on its own, and never answers with the first kiosk's record. One tracking code is one
//! case: a second case with a tracking code already recorded is refused with 409, whatever its
//! key (a unique index keeps it so even if the check were skipped).

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use kiosk_sync::wire::{Event, EventType, ItemResult, ItemType};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;
use uuid::Uuid;

use crate::validate;

/// The schema's version (`PRAGMA user_version`). 0: item keys unique across kiosks, no
/// tracking-code index (files of earlier runs, migrated on open); 1: keys per kiosk, one case
/// per tracking code.
const SCHEMA_VERSION: i64 = 1;

const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    seq               INTEGER PRIMARY KEY,
    item_id           TEXT NOT NULL,
    kiosk_number      INTEGER NOT NULL,
    item_type         TEXT NOT NULL,
    body              TEXT NOT NULL,
    tracking_code     TEXT,
    service_request_id TEXT NOT NULL UNIQUE,
    received_at       TEXT NOT NULL,
    UNIQUE (kiosk_number, item_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_case_per_tracking_code
    ON items (tracking_code) WHERE item_type = 'case';
CREATE TABLE IF NOT EXISTS events (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id           TEXT NOT NULL UNIQUE,
    kiosk_number       INTEGER NOT NULL,
    service_request_id TEXT NOT NULL,
    item_id            TEXT NOT NULL,
    tracking_code      TEXT NOT NULL,
    event_type         TEXT NOT NULL,
    at                 TEXT NOT NULL,
    unit               TEXT NOT NULL,
    person             TEXT NOT NULL,
    notes              TEXT
);
CREATE INDEX IF NOT EXISTS events_by_kiosk ON events (kiosk_number, seq);
CREATE TABLE IF NOT EXISTS heartbeats (
    id           INTEGER PRIMARY KEY,
    kiosk_number INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    body         TEXT NOT NULL
);
";

/// Version 0 to 1: the items table again, its key now per kiosk.
const MIGRATE_V0: &str = "
ALTER TABLE items RENAME TO items_v0;
CREATE TABLE items (
    seq               INTEGER PRIMARY KEY,
    item_id           TEXT NOT NULL,
    kiosk_number      INTEGER NOT NULL,
    item_type         TEXT NOT NULL,
    body              TEXT NOT NULL,
    tracking_code     TEXT,
    service_request_id TEXT NOT NULL UNIQUE,
    received_at       TEXT NOT NULL,
    UNIQUE (kiosk_number, item_id)
);
INSERT INTO items SELECT seq, item_id, kiosk_number, item_type, body, tracking_code,
    service_request_id, received_at FROM items_v0;
DROP TABLE items_v0;
-- Version 0 accepted one tracking code as several cases: the first stays the case, the later
-- ones are kept aside for inspection (one tracking code is one case from version 1 on).
CREATE TABLE duplicate_cases_v0 AS
    SELECT * FROM items
    WHERE item_type = 'case' AND tracking_code IS NOT NULL
      AND seq NOT IN (SELECT min(seq) FROM items
                      WHERE item_type = 'case' AND tracking_code IS NOT NULL
                      GROUP BY tracking_code);
DELETE FROM items WHERE seq IN (SELECT seq FROM duplicate_cases_v0);
";

/// Why an item was refused, as a problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 409: this kiosk used the key before with another body.
    KeyReused,
    /// 409: the case's tracking code is already another item's case.
    DuplicateTrackingCode,
    /// 422: the payload is not acceptable.
    Invalid,
}

impl Refusal {
    /// The problem code.
    pub fn code(self) -> &'static str {
        match self {
            Self::KeyReused => "key_reused",
            Self::DuplicateTrackingCode => "duplicate_tracking_code",
            Self::Invalid => "invalid_item",
        }
    }
}

/// The judgement of one item: its result, and why when it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// What the kiosk is answered.
    pub result: ItemResult,
    /// Why it was refused (`None` for 200 and 201).
    pub refusal: Option<Refusal>,
}

/// The simulator's database.
pub struct SimDb {
    conn: Connection,
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The case already recorded under `code`: its item id, kiosk and SAMAD number.
fn case_with_code(
    tx: &Transaction<'_>,
    code: &str,
) -> rusqlite::Result<Option<(String, u32, String)>> {
    tx.query_row(
        "SELECT item_id, kiosk_number, service_request_id FROM items
         WHERE item_type = 'case' AND tracking_code = ?1",
        [code],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

impl SimDb {
    /// Opens (or creates) the database; `None` keeps it in memory.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let mut conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(PRAGMAS)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "the database is of schema version {version}, newer than this simulator's \
                 {SCHEMA_VERSION}"
            )));
        }
        let tx = conn.transaction()?;
        let has_items: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'items'",
            [],
            |r| r.get(0),
        )?;
        if version == 0 && has_items {
            tx.execute_batch(MIGRATE_V0)?;
        }
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(Self { conn })
    }

    /// Judges and records a batch in one transaction; one result per item, in order.
    pub fn submit(
        &mut self,
        kiosk: u32,
        items: &[(Uuid, ItemType, Value)],
        refused_subjects: &[String],
    ) -> rusqlite::Result<Vec<ItemResult>> {
        let judged = self.judge(kiosk, items, refused_subjects)?;
        Ok(judged.into_iter().map(|j| j.result).collect())
    }

    /// Judges and records a batch in one transaction; one judgement per item, in order.
    ///
    /// In turn: a key this kiosk used before answers 200 (same body) or 409 `KeyReused`; an
    /// unacceptable payload 422 ([`validate::item_problem`]); a case whose tracking code is
    /// already recorded 409 `DuplicateTrackingCode`; anything else is recorded, 201.
    pub fn judge(
        &mut self,
        kiosk: u32,
        items: &[(Uuid, ItemType, Value)],
        refused_subjects: &[String],
    ) -> rusqlite::Result<Vec<Judged>> {
        let tx = self.conn.transaction()?;
        let mut judged = Vec::with_capacity(items.len());
        for (item_id, item_type, body) in items {
            let id_text = item_id.hyphenated().to_string();
            // serde_json's maps are ordered by key: this text is canonical.
            let canonical = format!("{}:{}", item_type.as_str(), body);
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT body, service_request_id FROM items
                     WHERE kiosk_number = ?1 AND item_id = ?2",
                    params![kiosk, id_text],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let verdict = |status, number: Option<String>, refusal: Option<(Refusal, String)>| {
                let (refusal, reason) = refusal.unzip();
                Judged {
                    result: ItemResult {
                        item_id: *item_id,
                        status,
                        service_request_id: number,
                        token: None,
                        reason,
                    },
                    refusal,
                }
            };
            if let Some((stored, number)) = existing {
                judged.push(if stored == canonical {
                    verdict(200, Some(number), None)
                } else {
                    let reason = format!(
                        "item_id {id_text} was first submitted by kiosk {kiosk} with a \
                         different body; the first submission stands"
                    );
                    verdict(409, None, Some((Refusal::KeyReused, reason)))
                });
                continue;
            }
            if let Some(reason) =
                validate::item_problem(*item_id, *item_type, kiosk, body, refused_subjects)
            {
                judged.push(verdict(422, None, Some((Refusal::Invalid, reason))));
                continue;
            }
            let tracking = body
                .get("tracking_code")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if *item_type == ItemType::Case
                && let Some(code) = tracking.as_deref()
                && let Some((first_id, first_kiosk, number)) = case_with_code(&tx, code)?
            {
                let reason = format!(
                    "tracking_code {code} is already case {number} (item_id {first_id} of \
                     kiosk {first_kiosk}); one tracking code is one case, the first stands"
                );
                judged.push(verdict(
                    409,
                    None,
                    Some((Refusal::DuplicateTrackingCode, reason)),
                ));
                continue;
            }
            tx.execute(
                "INSERT INTO items (item_id, kiosk_number, item_type, body, tracking_code,
                     service_request_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending-' || ?2 || '-' || ?1, ?6)",
                params![
                    id_text,
                    kiosk,
                    item_type.as_str(),
                    canonical,
                    tracking,
                    now_text()
                ],
            )?;
            let seq = tx.last_insert_rowid();
            let number = format!("SMD-{kiosk:05}-{seq:09}");
            tx.execute(
                "UPDATE items SET service_request_id = ?1 WHERE seq = ?2",
                params![number, seq],
            )?;
            judged.push(verdict(201, Some(number), None));
        }
        tx.commit()?;
        Ok(judged)
    }

    /// Items recorded (all kiosks).
    pub fn item_count(&self) -> rusqlite::Result<u64> {
        self.count("SELECT count(*) FROM items", &[])
    }

    fn count(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<u64> {
        let n: i64 = self.conn.query_row(sql, args, |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many times `item_id` is recorded: once per kiosk that used it (keys are per kiosk).
    pub fn copies_of(&self, item_id: Uuid) -> rusqlite::Result<u64> {
        self.count(
            "SELECT count(*) FROM items WHERE item_id = ?1",
            &[&item_id.hyphenated().to_string()],
        )
    }

    /// How many distinct tracking codes are recorded.
    pub fn distinct_tracking_codes(&self) -> rusqlite::Result<u64> {
        self.count(
            "SELECT count(DISTINCT tracking_code) FROM items WHERE tracking_code IS NOT NULL",
            &[],
        )
    }

    /// Adds an event to the feed of the kiosk that submitted case `service_request_id`.
    /// Returns the event id, or `None` when there is no such case.
    pub fn add_event(
        &mut self,
        service_request_id: &str,
        event_type: EventType,
        at: DateTime<Utc>,
        unit: &str,
        person: &str,
        notes: Option<&str>,
    ) -> rusqlite::Result<Option<String>> {
        let case: Option<(u32, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT kiosk_number, item_id, tracking_code FROM items
                 WHERE service_request_id = ?1",
                [service_request_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((kiosk, item_id, Some(code))) = case else {
            return Ok(None);
        };
        let event_id = format!("EV-{}", Uuid::new_v4().simple());
        let kind = serde_json::to_value(event_type)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.conn.execute(
            "INSERT INTO events (event_id, kiosk_number, service_request_id, item_id,
                 tracking_code, event_type, at, unit, person, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                event_id,
                kiosk,
                service_request_id,
                item_id,
                code,
                kind,
                at.to_rfc3339_opts(SecondsFormat::Millis, true),
                unit,
                person,
                notes
            ],
        )?;
        Ok(Some(event_id))
    }

    /// The events of `kiosk` after cursor `after`: at most `limit`, whether more wait, and the
    /// next cursor.
    pub fn events(
        &self,
        kiosk: u32,
        after: i64,
        limit: u32,
    ) -> rusqlite::Result<(Vec<Event>, bool, i64)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, event_id, service_request_id, item_id, tracking_code, event_type, at,
                    unit, person, notes
             FROM events WHERE kiosk_number = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![kiosk, after, i64::from(limit) + 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut events = Vec::new();
        let mut last = after;
        let mut more = false;
        for row in rows {
            let (seq, event_id, number, item_id, code, kind, at, unit, person, notes) = row?;
            if events.len() == limit as usize {
                more = true;
                break;
            }
            let bad = |e: String| {
                rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
            };
            events.push(Event {
                event_id,
                service_request_id: number,
                item_id: Uuid::parse_str(&item_id).map_err(|e| bad(e.to_string()))?,
                tracking_code: code,
                event_type: serde_json::from_value(Value::String(kind))
                    .map_err(|e| bad(e.to_string()))?,
                updated_datetime: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| bad(e.to_string()))?
                    .to_utc(),
                agency_responsible: unit,
                responsible_person: person,
                status_notes: notes,
            });
            last = seq;
        }
        Ok((events, more, last))
    }

    /// Records a heartbeat.
    pub fn heartbeat(&mut self, kiosk: u32, body: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO heartbeats (kiosk_number, received_at, body) VALUES (?1, ?2, ?3)",
            params![kiosk, now_text(), body],
        )?;
        Ok(())
    }

    /// Heartbeats received.
    pub fn heartbeat_count(&self) -> rusqlite::Result<u64> {
        self.count("SELECT count(*) FROM heartbeats", &[])
    }

    /// The last heartbeat a kiosk sent, as JSON (`Null` if its text was not JSON).
    pub fn last_heartbeat(&self, kiosk: u32) -> rusqlite::Result<Option<Value>> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM heartbeats WHERE kiosk_number = ?1 ORDER BY id DESC LIMIT 1",
                params![kiosk],
                |row| row.get(0),
            )
            .optional()?;
        Ok(body.map(|b| serde_json::from_str(&b).unwrap_or(Value::Null)))
    }
}
