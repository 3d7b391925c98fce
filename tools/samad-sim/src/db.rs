//! The simulator's own SQLite: every item ever accepted (kept forever, keyed by the kiosk's
//! UUID, with its canonical body so a replay can be told from a conflict), the event feed per
//! kiosk, and the heartbeats received.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use kiosk_sync::wire::{Event, EventType, ItemResult, ItemType};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS items (
    seq               INTEGER PRIMARY KEY,
    item_id           TEXT NOT NULL UNIQUE,
    kiosk_number      INTEGER NOT NULL,
    item_type         TEXT NOT NULL,
    body              TEXT NOT NULL,
    tracking_code     TEXT,
    service_request_id TEXT NOT NULL UNIQUE,
    received_at       TEXT NOT NULL
);
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

/// The case kinds the contract names.
const CASE_KINDS: &[&str] = &[
    "request",
    "complaint",
    "suggestion",
    "idea",
    "appreciation",
    "plan",
    "expression_of_feelings",
    "public_report",
    "transfer",
    "consultation",
    "service_registration",
];

/// The simulator's database.
pub struct SimDb {
    conn: Connection,
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn digits(v: Option<&Value>, n: usize) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Why a case body is not acceptable, if it is not.
fn case_problem(item_id: Uuid, kiosk: u32, body: &Value, refused: &[String]) -> Option<String> {
    let field = |name: &str| body.get(name);
    if field("payload_version").and_then(Value::as_u64) != Some(1) {
        return Some("payload_version must be 1".into());
    }
    if field("client_uuid").and_then(Value::as_str) != Some(&item_id.hyphenated().to_string()) {
        return Some("client_uuid must equal item_id".into());
    }
    if !digits(field("tracking_code"), 16) {
        return Some("tracking_code must be 16 digits".into());
    }
    if field("kiosk_number").and_then(Value::as_u64) != Some(u64::from(kiosk)) {
        return Some("kiosk_number differs from the kiosk in the path".into());
    }
    if !digits(field("national_code"), 10) {
        return Some("national_code must be 10 digits".into());
    }
    let kind = field("kind").and_then(Value::as_str).unwrap_or("");
    if !CASE_KINDS.contains(&kind) {
        return Some(format!("kind {kind:?} is not a case kind"));
    }
    let subject = field("subject_id").and_then(Value::as_str).unwrap_or("");
    if subject.is_empty() {
        return Some("subject_id is missing".into());
    }
    if refused.iter().any(|r| r == subject) {
        return Some(format!(
            "subject_id {subject:?} is not in this agency's catalogue"
        ));
    }
    None
}

impl SimDb {
    /// Opens (or creates) the database; `None` keeps it in memory.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// Judges and records a batch in one transaction; one result per item, in order.
    pub fn submit(
        &mut self,
        kiosk: u32,
        items: &[(Uuid, ItemType, Value)],
        refused_subjects: &[String],
    ) -> rusqlite::Result<Vec<ItemResult>> {
        let tx = self.conn.transaction()?;
        let mut results = Vec::with_capacity(items.len());
        for (item_id, item_type, body) in items {
            let id_text = item_id.hyphenated().to_string();
            // serde_json's maps are ordered by key: this text is canonical.
            let canonical = format!("{}:{}", item_type.as_str(), body);
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT body, service_request_id FROM items WHERE item_id = ?1",
                    [&id_text],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let result = |status, number: Option<String>, reason: Option<String>| ItemResult {
                item_id: *item_id,
                status,
                service_request_id: number,
                token: None,
                reason,
            };
            if let Some((stored, number)) = existing {
                results.push(if stored == canonical {
                    result(200, Some(number), None)
                } else {
                    result(
                        409,
                        None,
                        Some(format!(
                            "item_id {id_text} was first submitted with a different body; \
                             the first submission stands"
                        )),
                    )
                });
                continue;
            }
            let problem = match (item_type, body) {
                (ItemType::Case, body) => case_problem(*item_id, kiosk, body, refused_subjects),
                (_, Value::Object(_)) => None,
                _ => Some("payload must be a JSON object".into()),
            };
            if let Some(reason) = problem {
                results.push(result(422, None, Some(reason)));
                continue;
            }
            let tracking = body
                .get("tracking_code")
                .and_then(Value::as_str)
                .map(str::to_owned);
            tx.execute(
                "INSERT INTO items (item_id, kiosk_number, item_type, body, tracking_code,
                     service_request_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending-' || ?1, ?6)",
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
            results.push(result(201, Some(number), None));
        }
        tx.commit()?;
        Ok(results)
    }

    /// Items recorded (all kiosks).
    pub fn item_count(&self) -> rusqlite::Result<u64> {
        self.count("SELECT count(*) FROM items", &[])
    }

    fn count(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<u64> {
        let n: i64 = self.conn.query_row(sql, args, |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many times `item_id` is recorded (0 or 1: the key is unique).
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
