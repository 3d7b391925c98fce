//! Guidance given at the kiosk: a visitor whose subject is outside the agency's scope is sent
//! to the office competent for it (docs/rules.md R-000-4.8) instead of registering a case.
//! That is a consultation, and every consultation is recorded in SAMAD (R-000-4.2, seed 000
//! 4-2 and 5-2).
//!
//! A record names the subject (identifier and label), where the visitor was sent, the case
//! kind they had chosen, their national code *masked* (a guidance record needs no more) and
//! the time. The row and its outbox item of kind `guidance` are written in one transaction;
//! the caller's client UUID is the idempotency key of both, so the same record written twice
//! is written once.

use chrono::{DateTime, Utc};
use kiosk_core::{CaseKind, KioskNumber, NationalCode};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::outbox::OutboxItemKind;
use crate::services::{insert_outbox, to_json, wire_time};
use crate::time::{from_millis, stored_precision, to_millis};
use crate::validate;

/// Version of the `guidance` outbox item's payload.
pub const GUIDANCE_PAYLOAD_VERSION: u32 = 1;
/// Longest subject label kept.
pub const MAX_GUIDANCE_LABEL_CHARS: usize = 400;
/// Longest destination kept (office, address, phone, hours, what to bring).
pub const MAX_DESTINATION_CHARS: usize = 4000;

/// Guidance to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGuidance {
    /// Idempotency key of the record and its outbox item.
    pub client_uuid: Uuid,
    /// The kiosk that gave it.
    pub kiosk: KioskNumber,
    /// The subject's catalogue identifier.
    pub subject_id: String,
    /// The subject's label, in Persian.
    pub subject_label: String,
    /// Where the visitor was sent, in Persian.
    pub destination: String,
    /// The case kind the visitor had chosen.
    pub kind: Option<CaseKind>,
    /// The visitor's national code (only its masked form is kept and sent).
    pub national_code: Option<NationalCode>,
    /// Whether the visitor used English (`false`: Persian).
    pub english: bool,
    /// When it was given.
    pub given_at: DateTime<Utc>,
}

/// Recorded guidance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidanceRecord {
    /// Row id.
    pub id: i64,
    /// The idempotency key.
    pub client_uuid: Uuid,
    /// The subject's identifier.
    pub subject_id: String,
    /// Where the visitor was sent.
    pub destination: String,
    /// The masked national code.
    pub national_code_masked: Option<String>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// True when the client UUID had been recorded before and nothing was written now.
    pub already_recorded: bool,
}

#[derive(Serialize)]
struct GuidancePayload<'a> {
    payload_version: u32,
    client_uuid: String,
    kiosk_number: u32,
    subject_id: &'a str,
    subject: &'a str,
    destination: &'a str,
    kind: Option<&'static str>,
    national_code_masked: Option<String>,
    lang: &'static str,
    given_at: String,
}

fn read(
    conn: &rusqlite::Connection,
    path: &std::path::Path,
    client_uuid: Uuid,
) -> Result<Option<GuidanceRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, subject_id, destination, national_code_masked, given_at
             FROM guidance_given WHERE client_uuid = ?1",
            [client_uuid.hyphenated().to_string()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()
        .ctx(path, "read a guidance record")?;
    row.map(|(id, subject_id, destination, masked, at)| {
        Ok(GuidanceRecord {
            id,
            client_uuid,
            subject_id,
            destination,
            national_code_masked: masked,
            given_at: from_millis(path, "guidance_given.given_at", at)?,
            already_recorded: true,
        })
    })
    .transpose()
}

impl Store {
    /// Records guidance given at the kiosk together with its outbox item. The same client
    /// UUID again returns the record already written (`already_recorded: true`); invalid
    /// fields are [`StoreError::Invalid`].
    pub fn record_guidance(&mut self, new: NewGuidance) -> Result<GuidanceRecord, StoreError> {
        let path = self.path.clone();
        validate::single_line(
            &path,
            "subject_id",
            &new.subject_id,
            crate::MAX_CATALOGUE_ID_CHARS,
        )?;
        validate::at_most(
            &path,
            "subject_label",
            &new.subject_label,
            MAX_GUIDANCE_LABEL_CHARS,
        )?;
        validate::single_line(
            &path,
            "destination",
            &new.destination,
            MAX_DESTINATION_CHARS,
        )?;
        let given_at = stored_precision(new.given_at);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a guidance record")?;
        if let Some(existing) = read(&tx, &path, new.client_uuid)? {
            return Ok(existing);
        }
        let masked = new.national_code.as_ref().map(NationalCode::masked);
        let lang = if new.english { "en" } else { "fa" };
        let kind = new.kind.map(CaseKind::as_str);
        tx.execute(
            "INSERT INTO guidance_given (client_uuid, kiosk_number, subject_id, subject_label,
                 destination, kind, national_code_masked, lang, given_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                new.client_uuid.hyphenated().to_string(),
                new.kiosk.get(),
                new.subject_id,
                new.subject_label,
                new.destination,
                kind,
                masked,
                lang,
                to_millis(given_at)
            ],
        )
        .ctx(&path, "insert a guidance record")?;
        let id = tx.last_insert_rowid();
        let payload = to_json(
            &path,
            &GuidancePayload {
                payload_version: GUIDANCE_PAYLOAD_VERSION,
                client_uuid: new.client_uuid.hyphenated().to_string(),
                kiosk_number: new.kiosk.get(),
                subject_id: &new.subject_id,
                subject: &new.subject_label,
                destination: &new.destination,
                kind,
                national_code_masked: masked.clone(),
                lang,
                given_at: wire_time(given_at),
            },
        )?;
        insert_outbox(
            &tx,
            &path,
            new.client_uuid,
            OutboxItemKind::Guidance,
            None,
            &payload,
            given_at,
        )?;
        tx.commit().ctx(&path, "commit a guidance record")?;
        tracing::info!(subject_id = %new.subject_id, "guidance recorded");
        Ok(GuidanceRecord {
            id,
            client_uuid: new.client_uuid,
            subject_id: new.subject_id,
            destination: new.destination,
            national_code_masked: masked,
            given_at,
            already_recorded: false,
        })
    }

    /// How many times guidance was given between `from` (inclusive) and `to` (exclusive).
    pub fn guidance_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM guidance_given WHERE given_at >= ?1 AND given_at < ?2",
                params![to_millis(from), to_millis(to)],
                |r| r.get(0),
            )
            .ctx(&self.path, "count guidance records")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OpenOptions;

    fn new_guidance(uuid: Uuid) -> NewGuidance {
        NewGuidance {
            client_uuid: uuid,
            kiosk: KioskNumber::new(12).expect("kiosk"),
            subject_id: "SUBJ-WATER".into(),
            subject_label: "قبض آب".into(),
            destination: "شرکت آب و فاضلاب؛ تلفن: ۱۵۲۲".into(),
            kind: Some(CaseKind::Complaint),
            national_code: Some(
                NationalCode::parse("0499370899", &kiosk_core::NationalCodePolicy::default())
                    .expect("code"),
            ),
            english: false,
            given_at: DateTime::from_timestamp(1_780_000_000, 0).expect("time"),
        }
    }

    #[test]
    fn guidance_is_recorded_once_with_its_outbox_item_and_a_masked_code() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store =
            Store::open(dir.path().join("k.db"), &OpenOptions::default()).expect("open");
        let uuid = Uuid::new_v4();
        let first = store.record_guidance(new_guidance(uuid)).expect("record");
        assert!(!first.already_recorded);
        assert_eq!(first.national_code_masked.as_deref(), Some("******0899"));
        let again = store.record_guidance(new_guidance(uuid)).expect("again");
        assert!(again.already_recorded);
        assert_eq!(again.id, first.id);
        let depth = store.outbox_depth().expect("depth");
        assert_eq!(depth.pending, 1, "one outbox item for the two calls");
        let item = store.outbox_item(uuid).expect("read").expect("the item");
        assert_eq!(item.item_kind, OutboxItemKind::Guidance);
        let payload: serde_json::Value = serde_json::from_str(&item.payload).expect("json");
        assert_eq!(payload["subject_id"], "SUBJ-WATER");
        assert_eq!(payload["kind"], "complaint");
        assert_eq!(payload["national_code_masked"], "******0899");
        assert_eq!(payload["kiosk_number"], 12);
        assert!(!item.payload.contains("0499370899"), "never the whole code");
        let t = first.given_at;
        assert_eq!(
            store
                .guidance_between(t, t + chrono::Duration::seconds(1))
                .expect("count"),
            1
        );
    }

    #[test]
    fn bad_fields_are_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut store =
            Store::open(dir.path().join("k.db"), &OpenOptions::default()).expect("open");
        for bad in [
            NewGuidance {
                subject_id: " ".into(),
                ..new_guidance(Uuid::new_v4())
            },
            NewGuidance {
                destination: String::new(),
                ..new_guidance(Uuid::new_v4())
            },
            NewGuidance {
                subject_label: "\u{202E}".into(),
                ..new_guidance(Uuid::new_v4())
            },
        ] {
            assert!(matches!(
                store.record_guidance(bad),
                Err(StoreError::Invalid { .. })
            ));
        }
        assert_eq!(store.outbox_depth().expect("depth").pending, 0);
    }
}
