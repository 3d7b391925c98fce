//! The store's side of the SAMAD sync on real SQLite files: claiming under a lease (bounded,
//! ordered per case), a crash mid-send, settling (done with the SAMAD number bound, retry at a
//! later time, park with a reason), staff retrying one item, pulled-back events with their
//! cursor, and the step-2 migration of a step-1 file.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{case, count, db_path, open, raw, t0};
use kiosk_store::{
    CaseStatus, ClaimLimits, EventKind, MIGRATIONS, NewEvent, OutboxItemKind, OutboxState,
    PullReport, PulledEvent, RetryOne, SettleReport, Settlement, Store, StoreError,
};
use uuid::Uuid;

const WIDE: ClaimLimits = ClaimLimits {
    max_items: 100,
    max_bytes: 1 << 20,
};

fn lease() -> Duration {
    Duration::seconds(30)
}

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::days(1) + Duration::seconds(seconds)
}

#[test]
fn a_claim_leases_items_oldest_first_within_its_item_and_byte_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let uuids: Vec<Uuid> = (0..5)
        .map(|n| {
            let c = case(n);
            let id = c.client_uuid;
            store.register_case(c).unwrap();
            id
        })
        .collect();

    let three = ClaimLimits {
        max_items: 3,
        max_bytes: 1 << 20,
    };
    let first = store.claim_outbox(at(0), lease(), three).unwrap();
    let got: Vec<Uuid> = first.items.iter().map(|i| i.item_uuid).collect();
    assert_eq!(got, uuids[..3]);
    assert!(first.items.iter().all(|i| i.attempts == 1));
    assert!(first.items.iter().all(|i| i.tracking_code.is_some()));
    assert_eq!(first.lease_until, at(30));

    // Leased items are not claimed again while the lease runs; the rest are.
    let second = store.claim_outbox(at(1), lease(), WIDE).unwrap();
    let got: Vec<Uuid> = second.items.iter().map(|i| i.item_uuid).collect();
    assert_eq!(got, uuids[3..]);
    assert_ne!(first.token, second.token);
    assert!(
        store
            .claim_outbox(at(2), lease(), WIDE)
            .unwrap()
            .items
            .is_empty()
    );

    // Bytes: a bound smaller than two payloads takes one; a bound smaller than one still
    // takes one, so an oversized item is sent and judged rather than stuck.
    let one_payload = first.items[0].payload.len();
    let tight = ClaimLimits {
        max_items: 100,
        max_bytes: one_payload + 10,
    };
    let by_bytes = store.claim_outbox(at(31), lease(), tight).unwrap();
    assert_eq!(by_bytes.items.len(), 1);
    let tiny = ClaimLimits {
        max_items: 100,
        max_bytes: 1,
    };
    assert_eq!(
        store
            .claim_outbox(at(32), lease(), tiny)
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn a_relay_that_dies_mid_send_loses_nothing_the_item_comes_back_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let uuid;
    {
        let mut store = open(dir.path());
        let c = case(7);
        uuid = c.client_uuid;
        store.register_case(c).unwrap();
        let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
        assert_eq!(claim.items.len(), 1);
        // The process dies: the store is dropped without settling or closing.
        drop(store);
    }
    let mut store = open(dir.path());
    // While the dead relay's lease runs, nobody else takes the item...
    assert!(
        store
            .claim_outbox(at(10), lease(), WIDE)
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.outbox_next_due().unwrap(), Some(at(30)));
    // ...and after it ran out the item is claimed again, same idempotency key.
    let again = store.claim_outbox(at(30), lease(), WIDE).unwrap();
    assert_eq!(again.items.len(), 1);
    assert_eq!(again.items[0].item_uuid, uuid);
    assert_eq!(again.items[0].attempts, 2);
    let item = store.outbox_item(uuid).unwrap().unwrap();
    assert_eq!(item.state, OutboxState::Pending);
    assert_eq!(item.attempts, 2);
}

#[test]
fn done_binds_the_samad_number_to_the_tracking_code_and_is_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let code = store.register_case(case(1)).unwrap().tracking_code;
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let id = claim.items[0].id;
    let done = Settlement::Done {
        remote_id: Some("SAMAD-1404-000123".into()),
    };
    let report = store
        .settle_outbox(claim.token, &[(id, done.clone())], at(1))
        .unwrap();
    assert_eq!(
        report,
        SettleReport {
            done: 1,
            ..Default::default()
        }
    );
    let stored = store.case_by_tracking_code(&code).unwrap().unwrap();
    assert_eq!(stored.samad_number.as_deref(), Some("SAMAD-1404-000123"));
    assert_eq!(stored.status, CaseStatus::Submitted);
    let timeline = store.timeline(code).unwrap();
    assert_eq!(timeline.last().unwrap().kind, EventKind::SamadNumberBound);
    let item = store
        .outbox_item(claim.items[0].item_uuid)
        .unwrap()
        .unwrap();
    assert_eq!(item.state, OutboxState::Done);
    assert_eq!(item.done_at, Some(at(1)));
    assert_eq!(item.remote_id.as_deref(), Some("SAMAD-1404-000123"));
    assert_eq!(item.lease_until, None);
    assert_eq!(store.outbox_depth().unwrap().pending, 0);

    // A second answer for the same item (a duplicate delivery) changes nothing.
    let again = store
        .settle_outbox(claim.token, &[(id, done)], at(2))
        .unwrap();
    assert_eq!(again.skipped, 1);
    assert_eq!(store.timeline(code).unwrap().len(), timeline.len());
}

#[test]
fn retry_later_waits_until_its_time_and_a_stale_claim_cannot_put_an_item_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let uuid = {
        let c = case(2);
        let u = c.client_uuid;
        store.register_case(c).unwrap();
        u
    };
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let id = claim.items[0].id;
    let retry = Settlement::RetryAt {
        at: at(60),
        error: "HTTP 503 from SAMAD".into(),
    };
    let report = store
        .settle_outbox(claim.token, &[(id, retry.clone())], at(1))
        .unwrap();
    assert_eq!(report.retried, 1);
    let item = store.outbox_item(uuid).unwrap().unwrap();
    assert_eq!(item.next_attempt_at, Some(at(60)));
    assert_eq!(item.last_error.as_deref(), Some("HTTP 503 from SAMAD"));
    assert_eq!(store.outbox_next_due().unwrap(), Some(at(60)));
    assert!(
        store
            .claim_outbox(at(59), lease(), WIDE)
            .unwrap()
            .items
            .is_empty()
    );

    let second = store.claim_outbox(at(60), lease(), WIDE).unwrap();
    assert_eq!(second.items[0].attempts, 2);
    // The first claim no longer holds the item: its retry and park are ignored.
    let stale = store
        .settle_outbox(
            claim.token,
            &[
                (id, retry),
                (
                    id,
                    Settlement::Park {
                        reason: "stale".into(),
                    },
                ),
            ],
            at(61),
        )
        .unwrap();
    assert_eq!(stale.skipped, 2);
    let item = store.outbox_item(uuid).unwrap().unwrap();
    assert_eq!(item.state, OutboxState::Pending);
    assert_eq!(item.lease_until, Some(at(90)));
}

#[test]
fn a_parked_item_shows_its_reason_and_staff_can_send_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let registered = store.register_case(case(3)).unwrap();
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let item = &claim.items[0];
    let reason = "SAMAD refused it (422): subject_id SUBJ-3 is not in the catalogue\nline two";
    store
        .settle_outbox(
            claim.token,
            &[(
                item.id,
                Settlement::Park {
                    reason: reason.into(),
                },
            )],
            at(1),
        )
        .unwrap();
    let parked = store.outbox_parked().unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].item_uuid, item.item_uuid);
    assert_eq!(parked[0].tracking_code, Some(registered.tracking_code));
    assert_eq!(parked[0].item_kind, OutboxItemKind::Case);
    // Kept on one line for the staff screen and logs.
    assert_eq!(parked[0].reason, reason.replace('\n', " "));
    let depth = store.outbox_depth().unwrap();
    assert_eq!((depth.pending, depth.parked), (0, 1));
    assert!(
        store
            .claim_outbox(at(100), lease(), WIDE)
            .unwrap()
            .items
            .is_empty()
    );

    assert_eq!(
        store.outbox_retry_one(item.item_uuid).unwrap(),
        Some(RetryOne::Unparked)
    );
    assert!(store.outbox_parked().unwrap().is_empty());
    let again = store.claim_outbox(at(101), lease(), WIDE).unwrap();
    assert_eq!(again.items[0].item_uuid, item.item_uuid);
    assert_eq!(again.items[0].attempts, 2);
    assert_eq!(
        store.outbox_retry_one(item.item_uuid).unwrap(),
        Some(RetryOne::Unchanged(OutboxState::Pending))
    );
    assert_eq!(store.outbox_retry_one(Uuid::new_v4()).unwrap(), None);
}

#[test]
fn retry_one_cuts_a_backoff_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.register_case(case(4)).unwrap();
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let item = &claim.items[0];
    let retry = Settlement::RetryAt {
        at: at(3600),
        error: "timeout".into(),
    };
    store
        .settle_outbox(claim.token, &[(item.id, retry)], at(1))
        .unwrap();
    assert_eq!(
        store.outbox_retry_one(item.item_uuid).unwrap(),
        Some(RetryOne::Rescheduled)
    );
    assert_eq!(
        store
            .claim_outbox(at(2), lease(), WIDE)
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn send_now_cuts_every_wait_but_not_a_lease() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let waiting = case(4);
    let waiting_uuid = waiting.client_uuid;
    store.register_case(waiting).unwrap();
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let retry = Settlement::RetryAt {
        at: at(3600),
        error: "timeout".into(),
    };
    store
        .settle_outbox(claim.token, &[(claim.items[0].id, retry)], at(1))
        .unwrap();
    store.register_case(case(5)).unwrap();
    let leased = store.claim_outbox(at(2), lease(), WIDE).unwrap();
    assert_eq!(leased.items.len(), 1);

    assert_eq!(store.outbox_send_now().unwrap(), 1);
    let now = store.claim_outbox(at(3), lease(), WIDE).unwrap();
    let got: Vec<Uuid> = now.items.iter().map(|i| i.item_uuid).collect();
    assert_eq!(got, [waiting_uuid]);
    assert_eq!(store.outbox_send_now().unwrap(), 0);
}

/// Adds a rating for case `case_id` to the outbox, as a later registration would.
fn add_rating(store: &Store, case_id: i64) -> Uuid {
    let uuid = Uuid::new_v4();
    raw(store.path())
        .execute(
            "INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at)
             VALUES (?1, 'rating', ?2, '{\"stars\":5}', 0)",
            rusqlite::params![uuid.hyphenated().to_string(), case_id],
        )
        .unwrap();
    uuid
}

#[test]
fn a_cases_later_items_wait_for_its_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let first = store.register_case(case(5)).unwrap();
    let rating = add_rating(&store, first.case_id);
    let other = store.register_case(case(6)).unwrap();

    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let codes: Vec<_> = claim.items.iter().map(|i| i.tracking_code).collect();
    // One item per case: the first case's rating waits for its case item.
    assert_eq!(
        codes,
        [Some(first.tracking_code), Some(other.tracking_code)]
    );
    assert!(claim.items.iter().all(|i| i.item_uuid != rating));

    // While the case item is leased, the rating is due when the lease runs out, not now.
    assert_eq!(store.outbox_next_due().unwrap(), Some(at(30)));

    // Parked, the case item still holds its rating back.
    let case_item = claim.items[0].id;
    store
        .settle_outbox(
            claim.token,
            &[(
                case_item,
                Settlement::Park {
                    reason: "refused".into(),
                },
            )],
            at(1),
        )
        .unwrap();
    let meanwhile = store.claim_outbox(at(100), lease(), WIDE).unwrap();
    let codes: Vec<_> = meanwhile.items.iter().map(|i| i.tracking_code).collect();
    assert_eq!(codes, [Some(other.tracking_code)]);
    // Only the other case's lease is due: a rating behind a parked item waits for staff.
    assert_eq!(store.outbox_next_due().unwrap(), Some(at(130)));

    // Done, it lets the rating go.
    let case_uuid = claim.items[0].item_uuid;
    store.outbox_retry_one(case_uuid).unwrap();
    let again = store.claim_outbox(at(101), lease(), WIDE).unwrap();
    assert_eq!(again.items.len(), 1);
    assert_eq!(again.items[0].item_uuid, case_uuid);
    store
        .settle_outbox(
            again.token,
            &[(
                again.items[0].id,
                Settlement::Done {
                    remote_id: Some("S-5".into()),
                },
            )],
            at(102),
        )
        .unwrap();
    let last = store.claim_outbox(at(103), lease(), WIDE).unwrap();
    assert_eq!(last.items.len(), 1);
    assert_eq!(last.items[0].item_uuid, rating);
    assert_eq!(last.items[0].item_kind, OutboxItemKind::Rating);
}

#[test]
fn a_samad_number_the_store_refuses_parks_the_item_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let code = store.register_case(case(8)).unwrap().tracking_code;
    store.bind_samad_number(&code, "S-OLD", at(0)).unwrap();
    let claim = store.claim_outbox(at(0), lease(), WIDE).unwrap();
    let report = store
        .settle_outbox(
            claim.token,
            &[(
                claim.items[0].id,
                Settlement::Done {
                    remote_id: Some("S-NEW".into()),
                },
            )],
            at(1),
        )
        .unwrap();
    assert_eq!((report.done, report.parked), (0, 1));
    let parked = store.outbox_parked().unwrap();
    assert!(parked[0].reason.contains("already bound"), "{parked:?}");
    assert_eq!(
        store
            .case_by_tracking_code(&code)
            .unwrap()
            .unwrap()
            .samad_number
            .as_deref(),
        Some("S-OLD")
    );

    // A case accepted without a number is parked too: the kiosk cannot bind anything.
    store.register_case(case(9)).unwrap();
    let claim = store.claim_outbox(at(2), lease(), WIDE).unwrap();
    store
        .settle_outbox(
            claim.token,
            &[(claim.items[0].id, Settlement::Done { remote_id: None })],
            at(3),
        )
        .unwrap();
    assert_eq!(store.outbox_parked().unwrap().len(), 2);
}

fn pulled(id: &str, code: kiosk_core::TrackingCode, minutes: i64, kind: EventKind) -> PulledEvent {
    PulledEvent {
        samad_event_id: id.into(),
        tracking_code: code,
        event: NewEvent {
            at: t0() + Duration::minutes(minutes),
            actor: "کارشناس رسیدگی ۱۲".into(),
            unit: "اداره بازرسی".into(),
            kind,
            note: Some("ارجاع شد".into()),
        },
    }
}

#[test]
fn pulled_events_join_the_timeline_once_and_move_the_cursor_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let code = store.register_case(case(10)).unwrap().tracking_code;
    let unknown = store.register_case(case(11)).unwrap().tracking_code;
    assert_eq!(store.event_cursor().unwrap(), None);

    let page = [
        pulled("e1", code, 60, EventKind::Referred),
        pulled("e2", code, 120, EventKind::Action),
    ];
    let report = store.append_pulled_events(&page, "2").unwrap();
    assert_eq!(
        report,
        PullReport {
            appended: 2,
            ..Default::default()
        }
    );
    assert_eq!(store.event_cursor().unwrap().as_deref(), Some("2"));
    let kinds: Vec<EventKind> = store
        .timeline(code)
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Registered,
            EventKind::Referred,
            EventKind::Action
        ]
    );
    assert_eq!(
        store.case_by_tracking_code(&code).unwrap().unwrap().status,
        CaseStatus::InProgress
    );

    // The same page again (an answer lost on the way) appends nothing new.
    let again = store
        .append_pulled_events(
            &[
                page[1].clone(),
                pulled("e3", code, 180, EventKind::Answered),
            ],
            "3",
        )
        .unwrap();
    assert_eq!((again.appended, again.already_had), (1, 1));
    assert_eq!(store.timeline(code).unwrap().len(), 4);
    assert_eq!(
        store.case_by_tracking_code(&code).unwrap().unwrap().status,
        CaseStatus::Answered
    );

    // An event for a case this kiosk does not have is skipped; the cursor still moves.
    let mut stranger = pulled("e4", unknown, 1, EventKind::Closed);
    stranger.tracking_code = kiosk_core::TrackingCode::new(common::kiosk(77), 5).unwrap();
    let report = store.append_pulled_events(&[stranger], "4").unwrap();
    assert_eq!(report.unknown_case, 1);
    assert_eq!(store.event_cursor().unwrap().as_deref(), Some("4"));

    // A bad event refuses the whole page before anything is written.
    let mut bad = pulled("e5", code, 200, EventKind::Closed);
    bad.event.unit = " ".into();
    let err = store
        .append_pulled_events(&[pulled("e6", code, 190, EventKind::Note), bad], "6")
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                field: "event unit",
                ..
            }
        ),
        "{err}"
    );
    let forged = pulled("e7", code, 200, EventKind::SamadNumberBound);
    assert!(store.append_pulled_events(&[forged], "7").is_err());
    assert_eq!(store.event_cursor().unwrap().as_deref(), Some("4"));
    assert_eq!(store.timeline(code).unwrap().len(), 4);
}

#[test]
fn a_step_one_file_is_migrated_keeping_its_events_and_their_append_only_guard() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    {
        let conn = raw(&path);
        conn.execute_batch(MIGRATIONS[0].sql).unwrap();
        let code = kiosk_core::TrackingCode::new(common::kiosk(1), 1).unwrap();
        conn.execute_batch(
            &"INSERT INTO cases (id, client_uuid, tracking_code, kiosk_number, sequence, kind,
                 subject_id, national_code, national_code_masked, description, registered_at,
                 status)
             VALUES (1, '00000000-0000-0000-0000-000000000001', 'CODE', 1, 1,
                 'complaint', 's', '0499370899', '******0899', '', 0, 'in_progress');
             INSERT INTO case_events (id, case_id, at, actor, unit, kind, note)
             VALUES (5, 1, 0, 'kiosk', 'u', 'registered', NULL),
                    (9, 1, 10, 'E-1', 'u', 'referred', 'to x');
             INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at)
             VALUES ('00000000-0000-0000-0000-000000000001', 'case', 1, '{}', 0);
             PRAGMA user_version = 1;"
                .replace("CODE", &code.as_string()),
        )
        .unwrap();
    }
    let mut store = open(dir.path());
    assert_eq!(store.schema_version().unwrap(), kiosk_store::LATEST_VERSION);
    let ids: Vec<i64> = store
        .timeline(1_i64)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [5, 9]);
    store
        .append_event(
            1_i64,
            NewEvent {
                at: DateTime::from_timestamp_millis(20).unwrap(),
                actor: "E-1".into(),
                unit: "u".into(),
                kind: EventKind::Action,
                note: None,
            },
        )
        .unwrap();
    let conn = raw(&path);
    let err = conn.execute("DELETE FROM case_events", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(count(&conn, "case_events"), 3);
    // The old outbox row is claimable under the new columns.
    assert_eq!(
        store
            .claim_outbox(at(0), lease(), WIDE)
            .unwrap()
            .items
            .len(),
        1
    );
}
