//! A case that owes no later answer keeps its next visit or final-service day (seed 000 §4-4,
//! store migration 10): read back as registered, sent in the outbox payload as the contract's
//! `next_visit`, and absent from the cases that announce a response date. A registration
//! retried with another next visit is a conflict, not a second case.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{NaiveDate, Weekday};
use common::{case, open};
use kiosk_core::next_visit::next_visit;
use kiosk_core::{CaseKind, NextVisit, NextVisitRule, WorkingCalendar};
use kiosk_store::StoreError;

fn consultation(n: u32, rule: NextVisitRule) -> kiosk_store::NewCase {
    let mut new = case(n);
    new.kind = CaseKind::Consultation;
    new.due = None;
    new.next_visit =
        Some(next_visit(new.registered_at, rule, &WorkingCalendar::default()).unwrap());
    new
}

#[test]
fn each_rule_is_kept_and_sent_with_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    // Registered on Saturday 1404-08-03 (common::t0).
    let table = [
        (
            NextVisitRule::Weekly(Weekday::Tue),
            Some(("2025-10-28", "1404-08-06")),
        ),
        (
            NextVisitRule::WorkingDays(3),
            Some(("2025-10-28", "1404-08-06")),
        ),
        (NextVisitRule::AtDeskNow, None),
    ];
    for (n, (rule, day)) in table.into_iter().enumerate() {
        let new = consultation(n as u32, rule);
        let registered = store.register_case(new.clone()).unwrap();
        let stored = store
            .case_by_tracking_code(&registered.tracking_code)
            .unwrap()
            .unwrap();
        assert_eq!(stored.next_visit, new.next_visit, "{rule}");
        assert_eq!(
            stored.next_visit.and_then(|v| v.day),
            day.map(|(d, _)| d.parse::<NaiveDate>().unwrap())
        );
        let item = store.outbox_item(new.client_uuid).unwrap().unwrap();
        let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
        let sent = &payload["next_visit"];
        assert_eq!(sent["rule"], rule.to_string(), "{payload}");
        match day {
            Some((date, jalali)) => {
                assert_eq!(sent["date"], date);
                assert_eq!(sent["jalali"], jalali);
            }
            None => assert!(sent["date"].is_null() && sent["jalali"].is_null(), "{sent}"),
        }
    }
    // A complaint announces its response date and carries no next visit.
    let complaint = case(10);
    store.register_case(complaint.clone()).unwrap();
    let item = store.outbox_item(complaint.client_uuid).unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert!(payload.get("next_visit").is_none(), "{payload}");
}

#[test]
fn a_retry_with_another_next_visit_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let first = consultation(1, NextVisitRule::Weekly(Weekday::Tue));
    store.register_case(first.clone()).unwrap();
    let mut retried = first.clone();
    retried.next_visit = Some(NextVisit {
        rule: NextVisitRule::AtDeskNow,
        day: None,
        holidays_known: true,
    });
    let err = store.register_case(retried).unwrap_err();
    assert!(
        matches!(&err, StoreError::ClientUuidConflict { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("next_visit"), "{err}");
    // The same registration again is the case already written.
    assert!(store.register_case(first).unwrap().already_registered);
}
