//! Receipt copies and owed receipts (migration 9), and guidance records, against a real
//! PostgreSQL cluster, the server over TLS and, upstream, the real SAMAD simulator:
//!
//! - a guidance record a kiosk sends is accepted (201, then 200 again), stored, and relayed to
//!   SAMAD like a service (before, the database's item-type checks made the server answer 503
//!   for each, and kiosks sent them again for ever);
//! - a desk asks for the copy of a case another kiosk registered: what the receipt prints, the
//!   national code and the mobile masked (never in full), no description, the copy recorded;
//!   unknown codes are 404 and count against the look-up limit (429 past it), malformed ones
//!   400, another device's path 403;
//! - a kiosk's heartbeat lists the receipts it could not print; the desks' list is every
//!   kiosk's latest, minus those a desk has given a copy of; a bad list is refused with 400.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use agency_server::upstream::Upstream;
use chrono::Utc;
use kiosk_sync::Backoff;
use kiosk_sync::wire::{
    Heartbeat, ItemType, OfficeHeartbeat, OutboxHealth, PrinterHealth, SubmitBatch, SubmitItem,
};
use serde_json::{Value, json};
use support::{Office, case_item, national_code, tracking_code};
use uuid::Uuid;

/// The first nine digits of the applicant's national code in these cases.
const APPLICANT: &str = "049937089";

/// A heartbeat of a kiosk whose printer is out of paper, owing `owed`.
fn beat(owed: Vec<String>) -> OfficeHeartbeat {
    OfficeHeartbeat {
        heartbeat: Heartbeat {
            sent_at: Utc::now(),
            firmware_version: "kiosk/0.1.0".into(),
            schema_version: 9,
            catalogue_version: None,
            printer: PrinterHealth {
                state: "error".into(),
                paper: "out".into(),
            },
            outbox: OutboxHealth {
                depth: 0,
                parked: 0,
                oldest_unsent_age_s: None,
            },
            last_sync_at: None,
            uptime_s: Some(60),
        },
        owed_receipts: owed,
    }
}

/// Registers kiosk `kiosk`'s case `sequence` through the deprecated single-case route (as a
/// device's relay would through a batch); returns its tracking code.
async fn register(
    office: &Office,
    base: &str,
    token: &str,
    kiosk: u32,
    sequence: u64,
    phone: Option<&str>,
) -> String {
    let (_, mut item) = case_item(kiosk, sequence, &national_code(APPLICANT));
    item["payload"]["phone"] = json!(phone);
    let r = office
        .client()
        .post(format!("{base}/v1/devices/{kiosk}/cases"))
        .bearer_auth(token)
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    tracking_code(kiosk, sequence)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guidance_record_is_accepted_stored_and_relayed_to_samad() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, 12).await;
    let kiosk = office.device(&server, 12, &token);
    let id = Uuid::new_v4();
    let payload = json!({
        "payload_version": 1, "client_uuid": id, "kiosk_number": 12,
        "subject_id": "SUBJ-WATER", "subject": "قبض آب",
        "destination": "شرکت آب و فاضلاب؛ تلفن: ۱۵۲۲", "kind": "complaint",
        "national_code_masked": "******4567", "lang": "fa",
        "given_at": "2026-11-23T03:10:00.000Z"
    });
    let batch = SubmitBatch {
        items: vec![SubmitItem {
            item_id: id,
            item_type: ItemType::Guidance,
            payload: serde_json::value::to_raw_value(&payload).unwrap(),
        }],
    };
    let first = kiosk.submit_batch(&batch).await.unwrap();
    assert_eq!(first.results[0].status, 201, "{first:?}");
    let again = kiosk.submit_batch(&batch).await.unwrap();
    assert_eq!(again.results[0].status, 200, "{again:?}");
    let db = office.pool.get().await.unwrap();
    let stored: i64 = db
        .query_one(
            "SELECT count(*) FROM device_items WHERE item_type = 'guidance' AND item_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 1);

    // Upstream: the server's relay sends it to SAMAD, once.
    let sim = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    let mut settings = support::samad_upstream(&sim);
    settings.connect_timeout = Duration::from_secs(2);
    settings.request_timeout = Duration::from_secs(5);
    settings.backoff = Backoff {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(400),
    };
    let report = Upstream::new(office.pool.clone(), settings)
        .round()
        .await
        .unwrap();
    assert_eq!((report.claimed, report.done), (1, 1), "{report:?}");
    assert_eq!(sim.db(|db| db.copies_of(id).unwrap()), 1);
    let state: String = db
        .query_one(
            "SELECT state FROM upstream_outbox WHERE item_type = 'guidance' AND item_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "done");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_gets_a_masked_copy_of_another_kiosks_receipt_and_the_copy_is_recorded() {
    let office = Office::new().await;
    let server = office.server().await;
    let base = server.base_url();
    let kiosk_token = office.enrol(&server, 11).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let code = register(&office, &base, &kiosk_token, 11, 5, Some("09121234567")).await;
    let desk = office.device(&server, 31, &desk_token);

    let copy = desk.receipt_copy(&code).await.unwrap().expect("the case");
    assert_eq!(copy.tracking_code, code);
    assert_eq!(copy.kiosk_number, 11);
    assert_eq!(copy.kind, "complaint");
    assert_eq!(copy.subject_id, "SUBJ-1");
    assert_eq!(copy.unit, "واحد پاسخگویی");
    assert_eq!(copy.due_date.as_deref(), Some("2026-12-07"));
    assert_eq!(copy.due_jalali.as_deref(), Some("۱۴۰۵/۰۹/۱۶"));
    let national = national_code(APPLICANT);
    assert_eq!(
        copy.national_code_masked,
        format!("******{}", &national[6..])
    );
    assert_eq!(copy.mobile_masked.as_deref(), Some("0912***4567"));
    // Nothing in the answer is a full number or the description.
    let raw = office
        .client()
        .post(format!("{base}/v1/kiosks/31/receipt-copies"))
        .bearer_auth(&desk_token)
        .json(&json!({ "tracking_code": code }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !raw.contains(&national) && !raw.contains("09121234567") && !raw.contains("شرح"),
        "{raw}"
    );
    // Read twice, printed once: only the print is recorded.
    assert_eq!(office.count("receipt_copies").await, 0, "not printed yet");
    desk.receipt_copy_printed(&code).await.unwrap();
    let recorded: Vec<(String, i32)> = office
        .pool
        .get()
        .await
        .unwrap()
        .query(
            "SELECT tracking_code, desk_kiosk FROM receipt_copies ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(recorded, [(code.clone(), 31)]);

    // A case without a mobile number: no mobile line.
    let quiet = register(&office, &base, &kiosk_token, 11, 6, None).await;
    let copy = desk.receipt_copy(&quiet).await.unwrap().unwrap();
    assert_eq!(copy.mobile_masked, None);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_receipt_copy_requests_are_refused_and_misses_are_rate_limited() {
    let office = Office::new().await;
    let server = office.server().await;
    let base = server.base_url();
    let kiosk_token = office.enrol(&server, 11).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let code = register(&office, &base, &kiosk_token, 11, 5, None).await;
    let http = office.client();
    let ask = |path_kiosk: u32, body: Value| {
        http.post(format!("{base}/v1/kiosks/{path_kiosk}/receipt-copies"))
            .bearer_auth(&desk_token)
            .json(&body)
    };
    let problem = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body["code"].as_str().unwrap_or_default().to_owned())
    };
    // Bad input: a malformed code, a wrong check digit, a missing member, an unknown member,
    // not JSON, another device's path.
    let mut wrong_check = code.clone().into_bytes();
    wrong_check[15] = if wrong_check[15] == b'9' {
        b'0'
    } else {
        wrong_check[15] + 1
    };
    let wrong_check = String::from_utf8(wrong_check).unwrap();
    for (kiosk, body, status, reason) in [
        (31, json!({ "tracking_code": "12ab" }), 400, "bad_parameter"),
        (
            31,
            json!({ "tracking_code": wrong_check }),
            400,
            "bad_parameter",
        ),
        (
            31,
            json!({ "tracking_code": 1_000_110_000_000_051_u64 }),
            400,
            "bad_request",
        ),
        (31, json!({}), 400, "bad_request"),
        (
            31,
            json!({ "tracking_code": code, "national_code": "1" }),
            400,
            "bad_request",
        ),
        (11, json!({ "tracking_code": code }), 403, "forbidden"),
    ] {
        let got = problem(ask(kiosk, body.clone()).send().await.unwrap()).await;
        assert_eq!(got, (status, reason.to_owned()), "{body}");
    }
    let not_json = http
        .post(format!("{base}/v1/kiosks/31/receipt-copies"))
        .bearer_auth(&desk_token)
        .header("content-type", "application/json")
        .body("{\"tracking_code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(office.count("receipt_copies").await, 0, "nothing recorded");

    // Unknown codes: 404, counted; past the limit 429, even for a code that exists.
    let mut statuses = Vec::new();
    for sequence in
        100..=(100 + u64::try_from(agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR).unwrap())
    {
        let r = ask(31, json!({ "tracking_code": tracking_code(11, sequence) }))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert!(
        statuses[..statuses.len() - 1].iter().all(|s| *s == 404),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
    let limited = ask(31, json!({ "tracking_code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(office.count("receipt_copies").await, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_list_owed_receipts_and_a_copy_given_takes_one_off_the_desks_list() {
    let office = Office::new().await;
    let server = office.server().await;
    let base = server.base_url();
    let token_11 = office.enrol(&server, 11).await;
    let token_12 = office.enrol(&server, 12).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let a = register(&office, &base, &token_11, 11, 1, None).await;
    let b = register(&office, &base, &token_11, 11, 2, None).await;
    let c = register(&office, &base, &token_12, 12, 1, None).await;
    let kiosk_11 = office.device(&server, 11, &token_11);
    let kiosk_12 = office.device(&server, 12, &token_12);
    let desk = office.device(&server, 31, &desk_token);
    let listed = || async {
        let mut codes: Vec<(u32, String)> = desk
            .owed_receipts()
            .await
            .unwrap()
            .receipts
            .into_iter()
            .map(|r| (r.kiosk_number, r.tracking_code))
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(listed().await, []);

    // Kiosk 11 owes two receipts and a code of a case the server does not hold yet (not
    // offered until its case arrives); kiosk 12 owes one.
    let later = tracking_code(11, 3);
    kiosk_11
        .office_heartbeat(&beat(vec![a.clone(), b.clone(), later.clone()]))
        .await
        .unwrap();
    kiosk_12
        .office_heartbeat(&beat(vec![c.clone()]))
        .await
        .unwrap();
    assert_eq!(
        listed().await,
        [(11, a.clone()), (11, b.clone()), (12, c.clone())]
    );
    let later_case = register(&office, &base, &token_11, 11, 3, None).await;
    assert_eq!(
        listed().await.len(),
        4,
        "{later_case} offered once it arrived"
    );

    // A desk reads a copy of `a` and its printer fails: still offered. Printed: off the list,
    // though kiosk 11 still reports it.
    desk.receipt_copy(&a).await.unwrap().unwrap();
    assert_eq!(listed().await.len(), 4, "a copy not printed leaves it owed");
    desk.receipt_copy_printed(&a).await.unwrap();
    kiosk_11
        .office_heartbeat(&beat(vec![a.clone(), b.clone()]))
        .await
        .unwrap();
    assert_eq!(listed().await, [(11, b.clone()), (12, c.clone())]);
    // A heartbeat without the member (nothing owed, or older firmware): kiosk 11 owes nothing.
    kiosk_11
        .heartbeat(&beat(Vec::new()).heartbeat)
        .await
        .unwrap();
    assert_eq!(listed().await, [(12, c.clone())]);
    // The health itself was kept with the list.
    assert_eq!(office.count("device_health").await, 2);

    // Bad lists are refused whole with 400 and change nothing: another kiosk's code, a
    // malformed code, more than 50; bad queries; another device's path.
    let http = office.client();
    let send = |body: Value| {
        http.post(format!("{base}/v1/kiosks/12/heartbeat"))
            .bearer_auth(&token_12)
            .json(&body)
    };
    let mut base_beat = serde_json::to_value(beat(Vec::new())).unwrap();
    for owed in [
        json!((1..=51).map(|n| tracking_code(12, n)).collect::<Vec<_>>()),
        json!("not a list"),
    ] {
        base_beat["owed_receipts"] = owed.clone();
        let r = send(base_beat.clone()).send().await.unwrap();
        assert_eq!(r.status(), 400, "{owed}");
    }
    assert_eq!(listed().await, [(12, c.clone())]);
    // Another kiosk's code, or no code at all, is left out; the heartbeat and the rest stand.
    base_beat["owed_receipts"] = json!([a.clone(), "123", c.clone()]);
    assert_eq!(send(base_beat.clone()).send().await.unwrap().status(), 200);
    assert_eq!(listed().await, [(12, c.clone())]);
    let list = |path_kiosk: u32, query: &str| {
        http.get(format!(
            "{base}/v1/kiosks/{path_kiosk}/receipt-copies{query}"
        ))
        .bearer_auth(&desk_token)
    };
    for (kiosk, query, status) in [
        (31, "", 400),
        (31, "?owed=false", 400),
        (31, "?owed=yes", 400),
        (12, "?owed=true", 403),
        (31, "?owed=true", 200),
    ] {
        let r = list(kiosk, query).send().await.unwrap();
        assert_eq!(r.status(), status, "{kiosk} {query}");
    }
    server.shutdown().await;
}

/// Copies need only the code and codes count up per kiosk: walking kiosk 11's sequence, every
/// copy uses a look-up slot whether the case exists or not, so a device is refused after the
/// hour's limit; a receipt the office owes is copied outside the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walking_a_kiosks_codes_for_copies_is_refused_after_the_limit_but_owed_receipts_are_not() {
    let office = Office::new().await;
    let server = office.server().await;
    let base = server.base_url();
    let kiosk_token = office.enrol(&server, 11).await;
    let desk_token = office.enrol_desk(&server, 31).await;
    let limit = u64::try_from(agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR).unwrap();
    for sequence in 1..=limit + 2 {
        register(&office, &base, &kiosk_token, 11, sequence, None).await;
    }
    // The last case's receipt is owed: kiosk 11 reports it.
    let owed = tracking_code(11, limit + 2);
    office
        .device(&server, 11, &kiosk_token)
        .office_heartbeat(&beat(vec![owed.clone()]))
        .await
        .unwrap();
    let http = office.client();
    let copy = |code: String| {
        http.post(format!("{base}/v1/kiosks/31/receipt-copies"))
            .bearer_auth(&desk_token)
            .json(&json!({ "tracking_code": code }))
            .send()
    };
    let mut statuses = Vec::new();
    for sequence in 1..=limit + 1 {
        statuses.push(
            copy(tracking_code(11, sequence))
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert!(
        statuses[..statuses.len() - 1].iter().all(|s| *s == 200),
        "{statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429), "found cases count too");
    assert_eq!(
        copy(owed).await.unwrap().status(),
        200,
        "an owed receipt is copied past the limit"
    );
    assert_eq!(
        office.count("receipt_copies").await,
        0,
        "read, not printed: nothing recorded"
    );
    server.shutdown().await;
}
