//! A case the office's agency server accepted ([`Settlement::Relayed`]) is done on the kiosk
//! without SAMAD's number, and lets the case's later items go; the same answer taken as SAMAD's
//! own ([`Settlement::Done`] without a number) still parks the case, as SAMAD must number it.
//!
//! Found by tests/tests/office_faults.rs: the agency server answers a device's case 201 with no
//! number (SAMAD's does not exist until the server relays it), and every case of every kiosk
//! of an office was parked on its kiosk, holding back its ratings, for staff to look at.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{case, open, raw, t0};
use kiosk_store::{ClaimLimits, OutboxItemKind, OutboxState, Settlement};
use uuid::Uuid;

const WIDE: ClaimLimits = ClaimLimits {
    max_items: 100,
    max_bytes: 1 << 20,
};

fn at(seconds: i64) -> DateTime<Utc> {
    t0() + Duration::days(1) + Duration::seconds(seconds)
}

#[test]
fn a_case_the_agency_server_took_is_done_without_a_number_and_its_rating_follows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let relayed = store.register_case(case(1)).unwrap();
    let numberless = store.register_case(case(2)).unwrap();
    // A rating of the first case, behind its case item.
    let rating = Uuid::new_v4();
    raw(store.path())
        .execute(
            "INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at)
             VALUES (?1, 'rating', ?2, '{\"stars\":5}', 0)",
            rusqlite::params![rating.hyphenated().to_string(), relayed.case_id],
        )
        .unwrap();

    let claim = store
        .claim_outbox(at(0), Duration::seconds(30), WIDE)
        .unwrap();
    assert_eq!(claim.items.len(), 2, "one item per case");
    let report = store
        .settle_outbox(
            claim.token,
            &[
                (claim.items[0].id, Settlement::Relayed),
                (claim.items[1].id, Settlement::Done { remote_id: None }),
            ],
            at(1),
        )
        .unwrap();
    assert_eq!((report.done, report.parked), (1, 1));

    let first = store
        .outbox_item(claim.items[0].item_uuid)
        .unwrap()
        .unwrap();
    assert_eq!(first.state, OutboxState::Done);
    assert_eq!(first.remote_id, None);
    let case = store
        .case_by_tracking_code(&relayed.tracking_code)
        .unwrap()
        .unwrap();
    assert_eq!(case.samad_number, None, "no number is made up");

    let second = store
        .outbox_item(claim.items[1].item_uuid)
        .unwrap()
        .unwrap();
    assert_eq!(second.state, OutboxState::Parked);
    assert!(
        second
            .park_reason
            .as_deref()
            .unwrap()
            .contains("no case number"),
        "{second:?}"
    );
    assert!(numberless.case_id != relayed.case_id);

    // The relayed case's rating is claimable now.
    let next = store
        .claim_outbox(at(2), Duration::seconds(30), WIDE)
        .unwrap();
    assert_eq!(next.items.len(), 1);
    assert_eq!(next.items[0].item_uuid, rating);
    assert_eq!(next.items[0].item_kind, OutboxItemKind::Rating);
    let depth = store.outbox_depth().unwrap();
    assert_eq!((depth.pending, depth.parked), (1, 1));
}
