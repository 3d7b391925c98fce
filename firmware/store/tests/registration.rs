//! Registering cases on a real database file: atomicity, the tracking sequence, idempotency
//! by client UUID, and failures in the middle of the transaction.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use chrono::Duration;
use common::{case, db_path, kiosk, open, raw};
use kiosk_core::{CaseKind, TrackingCode};
use kiosk_store::{
    CaseStatus, EventKind, MAX_DESCRIPTION_CHARS, OutboxItemKind, OutboxState, ReceiptState,
    ReceiptVariant, StoreError,
};
use uuid::Uuid;

#[test]
fn registration_writes_case_event_outbox_item_and_receipt_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let new = case(1);
    let registered = store.register_case(new.clone()).unwrap();

    assert!(!registered.already_registered);
    assert_eq!(
        registered.tracking_code,
        TrackingCode::new(kiosk(42), 1).unwrap()
    );
    assert_eq!(registered.due, new.due);
    assert!(registered.due.is_some(), "a complaint owes an answer");

    let stored = store
        .case_by_tracking_code(&registered.tracking_code)
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, registered.case_id);
    assert_eq!(stored.client_uuid, new.client_uuid);
    assert_eq!(stored.kind, CaseKind::Complaint);
    assert_eq!(stored.subject_id, new.subject_id);
    assert_eq!(stored.service_id, new.service_id);
    assert_eq!(
        stored.visitor.as_ref().unwrap().value(),
        new.visitor.value()
    );
    assert_eq!(stored.phone, new.phone);
    assert_eq!(stored.description, new.description);
    assert_eq!(stored.registered_at, new.registered_at);
    assert_eq!(stored.due, new.due);
    assert_eq!(stored.samad_number, None);
    assert_eq!(stored.status, CaseStatus::Registered);

    let timeline = store.timeline(registered.tracking_code).unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].kind, EventKind::Registered);
    assert_eq!(timeline[0].actor, "kiosk");
    assert_eq!(timeline[0].unit, new.unit);
    assert_eq!(timeline[0].at, new.registered_at);

    let item = store.outbox_item(new.client_uuid).unwrap().unwrap();
    assert_eq!(item.item_kind, OutboxItemKind::Case);
    assert_eq!(item.state, OutboxState::Pending);
    assert_eq!(item.case_id, Some(registered.case_id));
    assert_eq!(item.attempts, 0);
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(payload["client_uuid"], new.client_uuid.to_string());
    assert_eq!(
        payload["tracking_code"],
        registered.tracking_code.as_string()
    );
    assert_eq!(
        payload["national_code"],
        new.visitor.value(),
        "SAMAD needs it in full"
    );
    assert_eq!(payload["phone"], "09121234567");
    assert_eq!(payload["kind"], "complaint");
    assert_eq!(payload["description"], new.description);
    assert_eq!(payload["registered_at"], "2025-10-25T06:31:00.000Z");
    assert_eq!(payload["due_jalali"], new.due.unwrap().jalali.to_string());
    assert_eq!(payload["unit"], new.unit);

    let jobs = store.pending_receipts().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id, registered.receipt_id);
    assert_eq!(jobs[0].variant, ReceiptVariant::Receipt);
    assert_eq!(jobs[0].state, ReceiptState::Queued);
    assert_eq!(jobs[0].tracking_code, Some(registered.tracking_code));

    let counts = store.counts().unwrap();
    assert_eq!(
        (counts.cases, counts.events, counts.outbox_pending),
        (1, 1, 1)
    );
    store.close().unwrap();

    // What another reader of the file sees: masked copies beside the full values.
    let conn = raw(&db_path(dir.path()));
    let (masked, phone_masked): (String, String) = conn
        .query_row(
            "SELECT national_code_masked, phone_masked FROM cases",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(masked, new.visitor.masked());
    assert_eq!(phone_masked, "0912***4567");
}

#[test]
fn the_sequence_increases_per_kiosk_and_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let sequences: Vec<u64> = (0..3)
        .map(|n| {
            store
                .register_case(case(n))
                .unwrap()
                .tracking_code
                .sequence()
        })
        .collect();
    assert_eq!(sequences, [1, 2, 3]);

    let mut other = case(9);
    other.kiosk = kiosk(7);
    let other = store.register_case(other).unwrap().tracking_code;
    assert_eq!(
        (other.kiosk(), other.sequence()),
        (kiosk(7), 1),
        "each kiosk counts on its own"
    );
    store.close().unwrap();

    let mut store = open(dir.path());
    assert_eq!(store.last_sequence(kiosk(42)).unwrap(), Some(3));
    let next = store.register_case(case(3)).unwrap().tracking_code;
    assert_eq!(next.sequence(), 4);
    assert_eq!(next, TrackingCode::new(kiosk(42), 4).unwrap());
}

#[test]
fn tracking_codes_are_unique_and_read_back_through_their_check_digit() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut seen = HashSet::new();
    for n in 0..150 {
        let code = store.register_case(case(n)).unwrap().tracking_code;
        let typed = TrackingCode::parse(&code.grouped_fa()).unwrap();
        assert_eq!(typed, code);
        assert!(seen.insert(code), "{code} issued twice");
    }
    assert_eq!(store.counts().unwrap().cases, 150);
}

#[test]
fn registering_the_same_client_uuid_again_returns_the_stored_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let new = case(1);
    let first = store.register_case(new.clone()).unwrap();

    // A retry after a timeout: same draft, registration time computed again.
    let mut retry = new.clone();
    retry.registered_at = new.registered_at + Duration::seconds(30);
    let second = store.register_case(retry).unwrap();

    assert!(second.already_registered);
    assert_eq!(second.case_id, first.case_id);
    assert_eq!(second.tracking_code, first.tracking_code);
    assert_eq!(second.receipt_id, first.receipt_id);
    assert_eq!(
        second.registered_at, first.registered_at,
        "the first time stands"
    );
    let counts = store.counts().unwrap();
    assert_eq!(
        (counts.cases, counts.events, counts.outbox_pending),
        (1, 1, 1)
    );
    assert_eq!(counts.receipts[&ReceiptState::Queued], 1);
    assert_eq!(
        store.last_sequence(kiosk(42)).unwrap(),
        Some(1),
        "no number consumed"
    );
    assert_eq!(
        store
            .case_by_client_uuid(new.client_uuid)
            .unwrap()
            .unwrap()
            .id,
        first.case_id
    );
}

#[test]
fn reusing_a_client_uuid_for_different_content_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let new = case(1);
    let first = store.register_case(new.clone()).unwrap();
    let counts_before = store.counts().unwrap();

    let mut other = case(2);
    other.client_uuid = new.client_uuid;
    other.subject_id = new.subject_id.clone();
    other.visitor = new.visitor.clone();
    let err = store.register_case(other).unwrap_err();
    let StoreError::ClientUuidConflict {
        tracking_code,
        fields,
        ..
    } = &err
    else {
        panic!("expected ClientUuidConflict, got {err}");
    };
    assert_eq!(*tracking_code, first.tracking_code);
    assert_eq!(fields, &["description"]);
    let message = err.to_string();
    assert!(message.contains("description") && message.contains(&new.client_uuid.to_string()));
    assert!(
        !message.contains(&new.description),
        "the message must not quote the visitor"
    );

    assert_eq!(store.counts().unwrap(), counts_before);
    assert_eq!(store.last_sequence(kiosk(42)).unwrap(), Some(1));
    let stored = store
        .case_by_tracking_code(&first.tracking_code)
        .unwrap()
        .unwrap();
    assert_eq!(stored.description, new.description);
}

#[test]
fn a_failure_at_the_outbox_insert_leaves_no_partial_rows_and_gives_the_number_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let new = case(1);
    // Another item already holds the UUID as its idempotency key: the outbox insert, fourth
    // write of the transaction, violates UNIQUE after the sequence, case and event were written.
    raw(store.path())
        .execute(
            "INSERT INTO outbox (item_uuid, item_kind, payload, created_at)
             VALUES (?1, 'rating', '{}', 0)",
            [new.client_uuid.to_string()],
        )
        .unwrap();

    let err = store.register_case(new.clone()).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Sqlite {
                action: "insert the outbox item",
                ..
            }
        ),
        "{err}"
    );
    let counts = store.counts().unwrap();
    assert_eq!(
        (counts.cases, counts.events, counts.outbox_pending),
        (0, 0, 1)
    );
    assert_eq!(counts.receipts.values().sum::<u64>(), 0);
    assert_eq!(
        store.last_sequence(kiosk(42)).unwrap(),
        None,
        "the sequence bump rolled back"
    );
    assert!(
        store
            .case_by_client_uuid(new.client_uuid)
            .unwrap()
            .is_none()
    );

    let next = store.register_case(case(2)).unwrap();
    assert_eq!(
        next.tracking_code.sequence(),
        1,
        "the number was given back"
    );
}

#[test]
fn a_failure_at_the_last_write_rolls_back_everything_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.register_case(case(0)).unwrap();
    let conn = raw(store.path());
    conn.execute_batch(
        "CREATE TRIGGER fail_receipts BEFORE INSERT ON receipts
         BEGIN SELECT RAISE(ABORT, 'printer queue broken'); END;",
    )
    .unwrap();
    let before = store.counts().unwrap();

    let err = store.register_case(case(1)).unwrap_err();
    assert!(err.to_string().contains("printer queue broken"), "{err}");
    assert_eq!(store.counts().unwrap(), before);
    assert_eq!(store.last_sequence(kiosk(42)).unwrap(), Some(1));

    conn.execute_batch("DROP TRIGGER fail_receipts;").unwrap();
    assert_eq!(
        store
            .register_case(case(1))
            .unwrap()
            .tracking_code
            .sequence(),
        2
    );
}

#[test]
fn invalid_input_is_refused_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let refusals = [
        ("subject_id", {
            let mut c = case(1);
            c.subject_id = "   ".into();
            c
        }),
        ("description", {
            let mut c = case(1);
            c.description = "ش".repeat(MAX_DESCRIPTION_CHARS + 1);
            c
        }),
        ("service_id", {
            let mut c = case(1);
            c.service_id = Some("a\nb".into());
            c
        }),
        ("unit", {
            let mut c = case(1);
            c.unit = String::new();
            c
        }),
    ];
    for (field, bad) in refusals {
        match store.register_case(bad) {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(store.counts().unwrap().cases, 0);
    assert_eq!(store.last_sequence(kiosk(42)).unwrap(), None);

    // The limit counts characters, not bytes: 4000 Persian letters fit.
    let mut longest = case(2);
    longest.description = "ش".repeat(MAX_DESCRIPTION_CHARS);
    let code = store.register_case(longest).unwrap().tracking_code;
    let stored = store.case_by_tracking_code(&code).unwrap().unwrap();
    assert_eq!(stored.description.chars().count(), MAX_DESCRIPTION_CHARS);
}

#[test]
fn a_case_without_response_date_or_phone_reads_back_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut thanks = case(1);
    thanks.kind = CaseKind::Appreciation;
    thanks.due = None;
    thanks.phone = None;
    thanks.service_id = None;
    let code = store.register_case(thanks).unwrap().tracking_code;
    let stored = store.case_by_tracking_code(&code).unwrap().unwrap();
    assert_eq!(
        (stored.due, stored.phone, stored.service_id),
        (None, None, None)
    );
    assert_eq!(stored.kind, CaseKind::Appreciation);
    let item = store.outbox_item(stored.client_uuid).unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert!(payload["due_date"].is_null() && payload["phone"].is_null());
}

#[test]
fn an_unknown_tracking_code_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.register_case(case(1)).unwrap();
    let unknown = TrackingCode::new(kiosk(42), 999).unwrap();
    assert!(store.case_by_tracking_code(&unknown).unwrap().is_none());
    assert!(store.case_by_client_uuid(Uuid::new_v4()).unwrap().is_none());
    assert!(matches!(
        store.timeline(unknown),
        Err(StoreError::CaseNotFound { .. })
    ));
}

#[test]
fn a_seeded_sequence_is_never_lowered_and_registration_continues_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    assert_eq!(store.ensure_sequence_at_least(kiosk(42), 500).unwrap(), 500);
    assert_eq!(store.ensure_sequence_at_least(kiosk(42), 10).unwrap(), 500);
    assert_eq!(
        store
            .register_case(case(1))
            .unwrap()
            .tracking_code
            .sequence(),
        501
    );
    assert!(matches!(
        store.ensure_sequence_at_least(kiosk(42), 1_000_000_000),
        Err(StoreError::Invalid { .. })
    ));
}
