//! The device contract as a device meets it: the kiosk's own sync client (`kiosk_sync`'s
//! `SamadClient`, the one its relay uses towards SAMAD) against the server on a real
//! PostgreSQL, over TLS. Batches (cases and other items, replays, reused keys, refusals),
//! events by cursor, the catalogue by ETag, heartbeats, look-ups of another kiosk's case, and
//! a device that tries to act as another.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use kiosk_sync::wire::{
    CaseLookup, Heartbeat, ItemType, OutboxHealth, PrinterHealth, SubmitBatch, SubmitItem,
};
use kiosk_sync::{CatalogueFetch, SyncError};
use serde_json::{Value, json};
use support::{Office, case_item, national_code};
use uuid::Uuid;

fn submit_item(id: Uuid, item_type: ItemType, payload: &Value) -> SubmitItem {
    SubmitItem {
        item_id: id,
        item_type,
        payload: serde_json::value::to_raw_value(payload).unwrap(),
    }
}

/// A case of `kiosk` as a batch item, with its payload.
fn case(kiosk: u32, sequence: u64, national: &str) -> (Uuid, Value) {
    let (id, item) = case_item(kiosk, sequence, national);
    (id, item["payload"].clone())
}

fn heartbeat() -> Heartbeat {
    Heartbeat {
        sent_at: chrono::Utc::now(),
        firmware_version: "0.1.0".into(),
        schema_version: 5,
        catalogue_version: None,
        printer: PrinterHealth {
            state: "ok".into(),
            paper: "low".into(),
        },
        outbox: OutboxHealth {
            depth: 3,
            parked: 1,
            oldest_unsent_age_s: Some(42),
        },
        last_sync_at: None,
        uptime_s: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_relays_to_the_server_as_to_samad_and_any_kiosk_follows_its_cases() {
    let office = Office::new().await;
    let server = office.server().await;
    let token_a = office.enrol(&server, 11).await;
    let token_b = office.enrol(&server, 12).await;
    let a = office.device(&server, 11, &token_a);
    let b = office.device(&server, 12, &token_b);
    let national = national_code("001234567");

    // A batch of a case and a rating: both stored, both owed upstream.
    let (case_id, case_payload) = case(11, 1, &national);
    let rating_id = Uuid::new_v4();
    let rating =
        json!({ "kiosk_number": 11, "score": 5, "tracking_code": case_payload["tracking_code"] });
    let batch = SubmitBatch {
        items: vec![
            submit_item(case_id, ItemType::Case, &case_payload),
            submit_item(rating_id, ItemType::Rating, &rating),
        ],
    };
    let first = a.submit_batch(&batch).await.unwrap();
    let statuses: Vec<u16> = first.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 201], "{first:?}");
    assert_eq!(office.count("cases").await, 1);
    assert_eq!(office.count("device_items").await, 1);
    assert_eq!(office.count("upstream_outbox").await, 2);

    // The same batch again (a reply lost on the way): 200 each, nothing added.
    let again = a.submit_batch(&batch).await.unwrap();
    let statuses: Vec<u16> = again.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200]);
    assert_eq!(office.count("upstream_outbox").await, 2);

    // A reused key with another body, an item of another kiosk and a bad case: refused one by
    // one with reasons, beside a good item that goes through.
    let mut changed = rating.clone();
    changed["score"] = json!(1);
    let (bad_id, mut bad_case) = case(11, 2, &national);
    bad_case["national_code"] = json!("0000000001");
    let meeting_id = Uuid::new_v4();
    let mixed = SubmitBatch {
        items: vec![
            submit_item(rating_id, ItemType::Rating, &changed),
            submit_item(
                Uuid::new_v4(),
                ItemType::Service,
                &json!({ "kiosk_number": 12 }),
            ),
            submit_item(bad_id, ItemType::Case, &bad_case),
            submit_item(
                meeting_id,
                ItemType::Meeting,
                &json!({ "kiosk_number": 11 }),
            ),
        ],
    };
    let judged = a.submit_batch(&mixed).await.unwrap();
    let statuses: Vec<u16> = judged.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [409, 422, 422, 201], "{judged:?}");
    assert!(judged.results.iter().take(3).all(|r| r.reason.is_some()));
    assert!(
        !judged.results[2]
            .reason
            .as_deref()
            .unwrap()
            .contains("0000000001"),
        "a reason never repeats a national code"
    );
    assert_eq!(office.count("upstream_outbox").await, 3);

    // Kiosk B follows up kiosk A's case: with the right national code only.
    let tracking = case_payload["tracking_code"].as_str().unwrap().to_owned();
    let asked = CaseLookup {
        tracking_code: tracking.clone(),
        national_code: national.clone(),
        identity: None,
    };
    let status = b.look_up_case(&asked).await.unwrap().unwrap();
    assert_eq!(status.kiosk_number, 11);
    assert_eq!(status.kind, "complaint");
    assert!(status.events.is_empty());
    let wrong = CaseLookup {
        tracking_code: tracking.clone(),
        national_code: national_code("009876543"),
        identity: None,
    };
    assert_eq!(b.look_up_case(&wrong).await.unwrap(), None);

    // An event learnt from SAMAD reaches the look-up and kiosk A's event feed, by cursor.
    office
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO case_events (event_id, tracking_code, event_type, happened_at, unit, person, notes) \
             VALUES ('ev-1', $1, 'answer', now(), 'امور مشترکین', 'خانم رضایی', 'پاسخ داده شد')",
            &[&tracking],
        )
        .await
        .unwrap();
    let status = b.look_up_case(&asked).await.unwrap().unwrap();
    assert_eq!(status.events.len(), 1);
    assert_eq!(status.events[0].person, "خانم رضایی");
    let page = a.events(None, 10).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].tracking_code, tracking);
    assert_eq!(page.events[0].item_id, case_id);
    assert!(!page.has_more);
    let next = a.events(Some(&page.next_cursor), 10).await.unwrap();
    assert!(next.events.is_empty());
    assert_eq!(next.next_cursor, page.next_cursor);
    // Kiosk B's feed holds only its own cases' events.
    assert!(b.events(None, 10).await.unwrap().events.is_empty());

    // The catalogue: none yet, then set, then unchanged by ETag.
    assert!(matches!(
        a.catalogue(None).await,
        Err(SyncError::Refused { status: 404, .. })
    ));
    let catalogue = json!({
        "version": "1405-09", "case_kinds": ["complaint", "request"],
        "subjects": [{ "service_code": "S1", "service_name": "آب", "keywords": [] }],
        "services": [], "agency": { "agency_code": "A1", "name": "اداره", "subject_scope": ["S1"] },
        "holiday_overrides": [{ "date": "2026-12-20", "closed": true, "reason": "تعطیل" }]
    });
    let etag = agency_server::contract::set_catalogue(&office.pool, &catalogue.to_string())
        .await
        .unwrap();
    let CatalogueFetch::Changed {
        catalogue: got,
        etag: sent,
    } = a.catalogue(None).await.unwrap()
    else {
        panic!("expected the catalogue");
    };
    assert_eq!(sent, etag);
    assert_eq!(got.version, "1405-09");
    assert_eq!(
        a.catalogue(Some(&etag)).await.unwrap(),
        CatalogueFetch::NotModified
    );
    assert!(
        agency_server::contract::set_catalogue(&office.pool, "{\"version\": 1}")
            .await
            .is_err()
    );

    // A heartbeat is kept as the device's latest health and answered with the catalogue's ETag.
    let ack = a.heartbeat(&heartbeat()).await.unwrap();
    assert_eq!(ack.catalogue_etag.as_deref(), Some(etag.as_str()));
    let row = office
        .pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT printer_state, paper, outbox_depth, oldest_unsent_age_s FROM device_health \
             WHERE kiosk_number = 11",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "ok");
    assert_eq!(row.get::<_, String>(1), "low");
    assert_eq!(row.get::<_, i64>(2), 3);
    assert_eq!(row.get::<_, Option<i64>>(3), Some(42));

    // Kiosk B's token cannot act as kiosk A.
    let posing = office.device(&server, 11, &token_b);
    assert!(matches!(
        posing.submit_batch(&batch).await,
        Err(SyncError::Unauthorized { status: 403, .. })
    ));
    assert!(matches!(
        posing.events(None, 10).await,
        Err(SyncError::Unauthorized { status: 403, .. })
    ));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_batch_travels_gzip_compressed() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, 21).await;
    let a = office.device(&server, 21, &token).with_gzip_min_bytes(1024);
    let national = national_code("001234567");
    let items: Vec<SubmitItem> = (1..=40)
        .map(|seq| {
            let (id, payload) = case(21, seq, &national);
            submit_item(id, ItemType::Case, &payload)
        })
        .collect();
    let result = a.submit_batch(&SubmitBatch { items }).await.unwrap();
    assert!(result.results.iter().all(|r| r.status == 201));
    assert_eq!(office.count("cases").await, 40);
    server.shutdown().await;
}

/// A claim as a desk terminal's outbox sends it (firmware/store/src/claims.rs).
fn claim(desk: u32, tracking: &str, employee: &str) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let payload = json!({
        "payload_version": 1, "client_uuid": id, "kiosk_number": desk,
        "tracking_code": tracking, "employee_code": employee,
        "claimed_at": "2026-12-07T06:00:00.000Z"
    });
    (id, payload)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_given_at_any_kiosk_counts_for_the_employee_who_claimed_the_visit_at_any_desk() {
    let office = Office::new().await;
    let server = office.server().await;
    let national = national_code("001234567");
    let kiosk_a = office.device(&server, 11, &office.enrol(&server, 11).await);
    let kiosk_b = office.device(&server, 12, &office.enrol(&server, 12).await);
    let desk_1 = office.device(&server, 31, &office.enrol_desk(&server, 31).await);
    let desk_2 = office.device(&server, 32, &office.enrol_desk(&server, 32).await);

    // A visitor registers at kiosk A and is served at desk 1 by employee E-7.
    let (case_id, case_payload) = case(11, 1, &national);
    let tracking = case_payload["tracking_code"].as_str().unwrap().to_owned();
    let one = |id, t, p: &Value| SubmitBatch {
        items: vec![submit_item(id, t, p)],
    };
    let status = |r: kiosk_sync::wire::SubmitBatchResult| r.results[0].status;
    assert_eq!(
        status(
            kiosk_a
                .submit_batch(&one(case_id, ItemType::Case, &case_payload))
                .await
                .unwrap()
        ),
        201
    );
    let (claim_id, claim_payload) = claim(31, &tracking, "E-7");
    let claimed = one(claim_id, ItemType::Claim, &claim_payload);
    assert_eq!(status(desk_1.submit_batch(&claimed).await.unwrap()), 201);
    assert_eq!(status(desk_1.submit_batch(&claimed).await.unwrap()), 200);
    // The same employee at another desk: harmless; another employee: refused, naming the first.
    let (id, same) = claim(32, &tracking, "E-7");
    assert_eq!(
        status(
            desk_2
                .submit_batch(&one(id, ItemType::Claim, &same))
                .await
                .unwrap()
        ),
        200
    );
    let (id, other) = claim(32, &tracking, "E-9");
    let refused = desk_2
        .submit_batch(&one(id, ItemType::Claim, &other))
        .await
        .unwrap();
    assert_eq!(refused.results[0].status, 409);
    assert!(
        refused.results[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("E-7")
    );
    // A claim naming another desk, or a malformed one, is refused.
    let (id, posing) = claim(31, &tracking, "E-9");
    assert_eq!(
        status(
            desk_2
                .submit_batch(&one(id, ItemType::Claim, &posing))
                .await
                .unwrap()
        ),
        422
    );
    let (id, mut bad) = claim(32, &tracking, "E-9");
    bad["tracking_code"] = json!("1234");
    assert_eq!(
        status(
            desk_2
                .submit_batch(&one(id, ItemType::Claim, &bad))
                .await
                .unwrap()
        ),
        422
    );
    // Claims stay in the office: nothing of them is owed to SAMAD.
    assert_eq!(office.count("visit_claims").await, 1);
    assert_eq!(office.count("upstream_outbox").await, 1);

    // The visitor rates at kiosk B, whose code names no employee; another visit's rating names
    // E-2 in its code and has no claim.
    let rating = |tracking: &str, score: u8, employee: Value| {
        json!({
            "payload_version": 1, "kiosk_number": 12, "issuing_kiosk": 11,
            "tracking_code": tracking, "service_id": "11021", "employee_code": employee,
            "attribution": "none", "score": score, "reasons": [],
            "rated_at": "2026-12-07T07:00:00.000Z", "satisfaction_token": "t"
        })
    };
    let other_visit = support::tracking_code(11, 2);
    let ratings = SubmitBatch {
        items: vec![
            submit_item(
                Uuid::new_v4(),
                ItemType::Rating,
                &rating(&tracking, 4, Value::Null),
            ),
            submit_item(
                Uuid::new_v4(),
                ItemType::Rating,
                &rating(&other_visit, 2, json!("E-2")),
            ),
        ],
    };
    let result = kiosk_b.submit_batch(&ratings).await.unwrap();
    assert!(result.results.iter().all(|r| r.status == 201), "{result:?}");
    let from = "2026-12-07T00:00:00Z".parse().unwrap();
    let to = "2026-12-08T00:00:00Z".parse().unwrap();
    let scores = agency_server::claims::scores(&office.pool, from, to)
        .await
        .unwrap();
    let summary: Vec<(String, i64, f64)> = scores
        .into_iter()
        .map(|s| (s.employee_code, s.ratings, s.mean))
        .collect();
    assert_eq!(
        summary,
        [("E-2".to_owned(), 1, 2.0), ("E-7".to_owned(), 1, 4.0)],
        "the claim at desk 1 counts kiosk B's rating for E-7"
    );

    // A third visit is rated before desk 2's claim of it reaches the server: the rating,
    // not yet sent to SAMAD, takes the employee when the claim arrives.
    let third_visit = support::tracking_code(11, 3);
    let early = SubmitBatch {
        items: vec![submit_item(
            Uuid::new_v4(),
            ItemType::Rating,
            &rating(&third_visit, 5, Value::Null),
        )],
    };
    assert_eq!(status(kiosk_b.submit_batch(&early).await.unwrap()), 201);
    let (id, late_claim) = claim(32, &third_visit, "E-9");
    assert_eq!(
        status(
            desk_2
                .submit_batch(&one(id, ItemType::Claim, &late_claim))
                .await
                .unwrap()
        ),
        201
    );

    // What SAMAD will be sent: each rating names its employee, by the claim where its code
    // named nobody, the code's own otherwise.
    let client = office.pool.get().await.unwrap();
    let mut owed: Vec<(String, Value, Value)> = client
        .query(
            "SELECT payload ->> 'tracking_code', payload -> 'employee_code', \
                    payload -> 'attribution' \
             FROM upstream_outbox WHERE item_type = 'rating'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    owed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        owed,
        [
            (tracking.clone(), json!("E-7"), json!("claim")),
            (other_visit.clone(), json!("E-2"), json!("none")),
            (third_visit.clone(), json!("E-9"), json!("claim")),
        ]
    );
    server.shutdown().await;
}
