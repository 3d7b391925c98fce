//! What happens to a case after registration: its append-only timeline, the SAMAD number, print
//! jobs, the outbox depth; and the small tables (staff, settings).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{case, count, open, raw, t0};
use kiosk_store::{
    CaseRef, CaseStatus, EventKind, NewEvent, NewStaff, ReceiptState, ReceiptVariant, StoreError,
};

fn event(minutes: i64, kind: EventKind, note: &str) -> NewEvent {
    NewEvent {
        at: t0() + Duration::minutes(minutes),
        actor: "E-1001".into(),
        unit: "دفتر بازرسی".into(),
        kind,
        note: Some(note.into()),
    }
}

#[test]
fn events_cannot_be_updated_or_deleted_by_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let code = store.register_case(case(1)).unwrap().tracking_code;
    store
        .append_event(code, event(60, EventKind::Note, "called the visitor"))
        .unwrap();

    let conn = raw(store.path());
    let update = conn
        .execute("UPDATE case_events SET note = 'rewritten'", [])
        .unwrap_err();
    assert!(
        update.to_string().contains("append-only: UPDATE"),
        "{update}"
    );
    let delete = conn.execute("DELETE FROM case_events", []).unwrap_err();
    assert!(
        delete.to_string().contains("append-only: DELETE"),
        "{delete}"
    );
    let orphaning = conn.execute("DELETE FROM cases", []).unwrap_err();
    assert!(orphaning.to_string().contains("FOREIGN KEY"), "{orphaning}");

    assert_eq!(count(&conn, "case_events"), 2);
    let timeline = store.timeline(code).unwrap();
    assert_eq!(timeline[1].note.as_deref(), Some("called the visitor"));
}

#[test]
fn the_timeline_is_ordered_by_time_then_by_append_order_and_drives_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let registered = store.register_case(case(0)).unwrap();
    let code = registered.tracking_code;

    // Appended out of time order (a referral pulled from SAMAD late), and two at one instant.
    let answered = store
        .append_event(code, event(300, EventKind::Answered, "answer"))
        .unwrap();
    let referred = store
        .append_event(code, event(120, EventKind::Referred, "to unit"))
        .unwrap();
    let note_a = store
        .append_event(registered.case_id, event(200, EventKind::Note, "a"))
        .unwrap();
    let note_b = store
        .append_event(
            CaseRef::Id(registered.case_id),
            event(200, EventKind::Note, "b"),
        )
        .unwrap();

    let ids: Vec<i64> = store.timeline(code).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids[1..], [referred, note_a, note_b, answered]);
    assert!(note_a < note_b);
    // The status is that of the latest status-changing event in time, not the last appended.
    assert_eq!(
        store.case_by_tracking_code(&code).unwrap().unwrap().status,
        CaseStatus::Answered
    );
    store
        .append_event(code, event(400, EventKind::Closed, "done"))
        .unwrap();
    store
        .append_event(code, event(401, EventKind::Note, "after closing"))
        .unwrap();
    assert_eq!(
        store.case_by_tracking_code(&code).unwrap().unwrap().status,
        CaseStatus::Closed
    );
}

#[test]
fn append_event_refuses_kinds_with_their_own_operation_and_bad_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let code = store.register_case(case(1)).unwrap().tracking_code;
    for kind in [EventKind::Registered, EventKind::SamadNumberBound] {
        let err = store.append_event(code, event(1, kind, "x")).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "event kind",
                    ..
                }
            ),
            "{err}"
        );
    }
    let mut blank_actor = event(1, EventKind::Note, "x");
    blank_actor.actor = " ".into();
    assert!(matches!(
        store.append_event(code, blank_actor),
        Err(StoreError::Invalid {
            field: "event actor",
            ..
        })
    ));
    let err = store
        .append_event(999_i64, event(1, EventKind::Note, "x"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::CaseNotFound {
                case: CaseRef::Id(999),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(store.timeline(code).unwrap().len(), 1);
}

#[test]
fn binding_a_samad_number_appends_an_event_once_and_guards_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let first = store.register_case(case(1)).unwrap().tracking_code;
    let second = store.register_case(case(2)).unwrap().tracking_code;
    let at = t0() + Duration::hours(2);

    assert!(
        store
            .bind_samad_number(&first, "SAMAD-1404-000123", at)
            .unwrap()
    );
    let stored = store.case_by_tracking_code(&first).unwrap().unwrap();
    assert_eq!(stored.samad_number.as_deref(), Some("SAMAD-1404-000123"));
    assert_eq!(stored.status, CaseStatus::Submitted);
    let timeline = store.timeline(first).unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[1].kind, EventKind::SamadNumberBound);
    assert_eq!(timeline[1].at, at);
    assert_eq!(timeline[1].note.as_deref(), Some("SAMAD-1404-000123"));

    // The relay retries after a lost acknowledgement: nothing new.
    assert!(
        !store
            .bind_samad_number(&first, "SAMAD-1404-000123", at)
            .unwrap()
    );
    assert_eq!(store.timeline(first).unwrap().len(), 2);

    assert!(matches!(
        store.bind_samad_number(&first, "SAMAD-1404-999999", at),
        Err(StoreError::SamadNumberConflict { .. })
    ));
    let err = store
        .bind_samad_number(&second, "SAMAD-1404-000123", at)
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::SamadNumberTaken { other, .. } if *other == first),
        "{err}"
    );
    assert_eq!(
        store
            .case_by_tracking_code(&second)
            .unwrap()
            .unwrap()
            .samad_number,
        None
    );
    assert_eq!(store.timeline(second).unwrap().len(), 1);
}

#[test]
fn print_jobs_move_only_along_allowed_transitions() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let registered = store.register_case(case(1)).unwrap();
    let job = registered.receipt_id;

    let err = store
        .set_receipt_state(job, ReceiptState::Printed, None)
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::ReceiptTransition {
            from: ReceiptState::Queued,
            to: ReceiptState::Printed,
            ..
        }
    ));
    store
        .set_receipt_state(job, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(job, ReceiptState::Failed, Some("paper out"))
        .unwrap();
    assert!(
        store.pending_receipts().unwrap().is_empty(),
        "a failed job waits for a decision"
    );
    store
        .set_receipt_state(job, ReceiptState::Queued, None)
        .unwrap();
    store
        .set_receipt_state(job, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(job, ReceiptState::Printed, None)
        .unwrap();

    let printed = store.receipt(job).unwrap().unwrap();
    assert_eq!(printed.state, ReceiptState::Printed);
    assert_eq!(
        printed.last_status.as_deref(),
        Some("paper out"),
        "kept until replaced"
    );
    assert!(printed.updated_at >= printed.created_at);
    for to in ReceiptState::ALL {
        assert!(
            store.set_receipt_state(job, *to, None).is_err(),
            "printed -> {to}"
        );
    }
    assert!(matches!(
        store.set_receipt_state(12345, ReceiptState::Printing, None),
        Err(StoreError::ReceiptNotFound { id: 12345, .. })
    ));

    let reprint = store
        .queue_receipt(
            Some(registered.tracking_code.into()),
            ReceiptVariant::Reprint,
        )
        .unwrap();
    let guidance = store.queue_receipt(None, ReceiptVariant::Guidance).unwrap();
    assert!(matches!(
        store.queue_receipt(None, ReceiptVariant::Reprint),
        Err(StoreError::Invalid { .. })
    ));
    let pending = store.pending_receipts().unwrap();
    let ids: Vec<i64> = pending.iter().map(|j| j.id).collect();
    assert_eq!(ids, [reprint, guidance]);
    assert_eq!(pending[0].tracking_code, Some(registered.tracking_code));
    assert_eq!(pending[1].tracking_code, None);
}

#[test]
fn outbox_depth_counts_pending_and_parked_and_dates_the_oldest_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let empty = store.outbox_depth().unwrap();
    assert_eq!(
        (empty.pending, empty.parked, empty.oldest_pending_at),
        (0, 0, None)
    );

    let cases: Vec<_> = (0..3).map(case).collect();
    for c in &cases {
        store.register_case(c.clone()).unwrap();
    }
    let depth = store.outbox_depth().unwrap();
    assert_eq!((depth.pending, depth.parked), (3, 0));
    assert_eq!(depth.oldest_pending_at, Some(cases[0].registered_at));

    raw(store.path())
        .execute(
            "UPDATE outbox SET state = 'parked', last_error = 'HTTP 422' WHERE item_uuid = ?1",
            [cases[0].client_uuid.to_string()],
        )
        .unwrap();
    let depth = store.outbox_depth().unwrap();
    assert_eq!((depth.pending, depth.parked), (2, 1));
    assert_eq!(depth.oldest_pending_at, Some(cases[1].registered_at));
    let parked = store.outbox_item(cases[0].client_uuid).unwrap().unwrap();
    assert_eq!(parked.last_error.as_deref(), Some("HTTP 422"));
    assert!(!format!("{parked:?}").contains(&cases[0].visitor.value()));
}

#[test]
fn staff_are_found_by_employee_code_and_codes_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let member = NewStaff {
        employee_code: "E-1001".into(),
        display_name: "مریم رضایی".into(),
        pin_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        active: true,
    };
    let id = store.insert_staff(member.clone()).unwrap();
    let found = store.staff_by_employee_code("E-1001").unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.display_name, member.display_name);
    assert_eq!(found.pin_hash, member.pin_hash);
    assert_eq!(
        (found.failed_attempts, found.locked_until, found.active),
        (0, None, true)
    );
    assert!(
        !format!("{found:?}").contains("argon2"),
        "Debug hides the PIN hash"
    );
    assert!(store.staff_by_employee_code("E-1002").unwrap().is_none());

    let err = store.insert_staff(member).unwrap_err();
    assert!(
        matches!(&err, StoreError::DuplicateEmployeeCode { employee_code, .. } if employee_code == "E-1001")
    );
}

#[test]
fn settings_are_replaced_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    assert_eq!(store.setting("samad.event_cursor").unwrap(), None);
    store.set_setting("samad.event_cursor", "17").unwrap();
    store.set_setting("samad.event_cursor", "18").unwrap();
    assert!(matches!(
        store.set_setting("", "x"),
        Err(StoreError::Invalid { .. })
    ));
    store.close().unwrap();
    let store = open(dir.path());
    assert_eq!(
        store.setting("samad.event_cursor").unwrap().as_deref(),
        Some("18")
    );
}
