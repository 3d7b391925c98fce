//! The next visit or final-service day of a case that owes no later answer (seed 000 §4-4,
//! contract 1.5.0), against a real PostgreSQL cluster and the server over TLS: a consultation
//! carrying its `next_visit` is accepted and a desk's copy of its receipt gives it back; a
//! `next_visit` that does not follow from its rule, or on a kind that owes an answer, is
//! refused (422) and nothing is stored.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use support::{Office, case_item, national_code, tracking_code};

/// Kiosk 11's case `sequence`: a consultation registered on Monday 2 Azar 1405 (2026-11-23),
/// no response date, with `next_visit`.
fn consultation(sequence: u64, next_visit: Value) -> Value {
    let (_, mut item) = case_item(11, sequence, &national_code("049937089"));
    let payload = &mut item["payload"];
    payload["kind"] = json!("consultation");
    payload["due_date"] = Value::Null;
    payload["due_jalali"] = Value::Null;
    payload["next_visit"] = next_visit;
    item
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultations_next_visit_is_checked_kept_and_given_back_on_a_copy() {
    let office = Office::new().await;
    let server = office.server().await;
    let kiosk_token = office.enrol(&server, 11).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let post = |item: Value| {
        let (office, server, token) = (&office, &server, kiosk_token.clone());
        async move { office.post_case(server, 11, &token, &item).await.0 }
    };
    let tuesday = json!({"rule": "weekly:tuesday", "date": "2026-11-24", "jalali": "1405-09-03"});
    let refused = [
        json!({"rule": "weekly:tuesday", "date": "2026-11-25", "jalali": "1405-09-04"}),
        json!({"rule": "weekly:tuesday", "date": "2026-11-24", "jalali": "1405-09-04"}),
        json!({"rule": "weekly:sometimes", "date": "2026-11-24", "jalali": "1405-09-03"}),
        json!({"rule": "working_days:5", "date": "2026-11-24", "jalali": "1405-09-03"}),
        json!({"rule": "at_desk", "date": "2026-11-24", "jalali": "1405-09-03"}),
    ];
    for (n, visit) in refused.into_iter().enumerate() {
        let status = post(consultation(10 + n as u64, visit.clone())).await;
        assert_eq!(status, 422, "{visit}");
    }
    // A complaint with its response date carries none.
    let (_, mut complaint) = case_item(11, 20, &national_code("049937089"));
    complaint["payload"]["next_visit"] = tuesday.clone();
    assert_eq!(post(complaint).await, 422);
    assert_eq!(office.count("cases").await, 0, "nothing stored");

    assert_eq!(post(consultation(1, tuesday.clone())).await, 201);
    let desk = office.device(&server, 31, &desk_token);
    let copy = desk
        .receipt_copy(&tracking_code(11, 1))
        .await
        .unwrap()
        .expect("the case");
    assert_eq!(copy.kind, "consultation");
    assert_eq!(copy.due_date, None);
    let visit = copy.next_visit.expect("the next visit");
    assert_eq!(visit.rule, "weekly:tuesday");
    assert_eq!(visit.date.as_deref(), Some("2026-11-24"));
    assert_eq!(visit.jalali.as_deref(), Some("1405-09-03"));
    server.shutdown().await;
}
