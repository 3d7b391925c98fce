//! The device contract's first endpoints against a real PostgreSQL: enrolment, case ingestion
//! and the follow-up look-up, each refusal in a table, each checked to change nothing.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Office, case_item, case_with_id, national_code, tracking_code};
use uuid::Uuid;

/// One request of a table and what it must get.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn req(name: &'static str, method: Method, path: impl Into<String>) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        token: None,
        content_type: Some("application/json"),
        body: Vec::new(),
        status: 0,
        code: "",
    }
}

impl Case {
    fn token(mut self, t: &str) -> Self {
        self.token = Some(t.to_owned());
        self
    }
    fn json(mut self, v: &Value) -> Self {
        self.body = serde_json::to_vec(v).unwrap();
        self
    }
    fn raw(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
    fn content_type(mut self, c: Option<&'static str>) -> Self {
        self.content_type = c;
        self
    }
    fn expect(mut self, status: u16, code: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self
    }
}

/// Sends every case and checks its status and Problem JSON; returns the bodies.
async fn run(client: &reqwest::Client, base: &str, table: Vec<Case>) -> Vec<Value> {
    let mut bodies = Vec::new();
    for c in table {
        let mut r = client.request(c.method.clone(), format!("{base}{}", c.path));
        if let Some(t) = &c.token {
            r = r.bearer_auth(t);
        }
        if let Some(ct) = c.content_type {
            r = r.header("content-type", ct);
        }
        if c.method == Method::POST {
            r = r.body(c.body.clone());
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = resp.text().await.unwrap();
        assert_eq!(status, c.status, "{}: {text}", c.name);
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 400 {
            assert_eq!(content_type, "application/problem+json", "{}", c.name);
            assert_eq!(v["code"], c.code, "{}: {text}", c.name);
            assert_eq!(v["status"], status, "{}", c.name);
            assert!(!v["detail"].as_str().unwrap_or("").is_empty(), "{}", c.name);
        }
        bodies.push(v);
    }
    bodies
}

#[tokio::test]
async fn enrolment_gives_a_token_once_per_code_and_refuses_the_rest() {
    let office = Office::new().await;
    let server = office.server().await;
    let client = office.client();
    let base = server.base_url();
    let code = office.enrol_code(12).await;
    let expired = office.enrol_code(13).await;
    office
        .pool
        .get()
        .await
        .unwrap()
        .execute("UPDATE enrol_codes SET expires_at = now() - interval '1 second' WHERE kiosk_number = 13", &[])
        .await
        .unwrap();
    let enrol = |name, body: Value| req(name, Method::POST, "/v1/enrol").json(&body);
    let bodies = run(
        &client,
        &base,
        vec![
            enrol("the code", json!({ "code": code })).expect(201, ""),
            enrol("the same code again", json!({ "code": code })).expect(403, "bad_enrol_code"),
            enrol("an unknown code", json!({ "code": "ABCD-EFGH-JKMN-PQRS" }))
                .expect(403, "bad_enrol_code"),
            enrol("an expired code", json!({ "code": expired })).expect(403, "bad_enrol_code"),
            enrol("not a code", json!({ "code": "'; DROP TABLE devices; --" }))
                .expect(403, "bad_enrol_code"),
            enrol("a number", json!({ "code": 5 })).expect(400, "bad_request"),
            enrol("no code", json!({})).expect(400, "bad_request"),
            enrol(
                "an extra member",
                json!({ "code": code, "kiosk_number": 1 }),
            )
            .expect(400, "bad_request"),
            req("not JSON", Method::POST, "/v1/enrol")
                .raw("{code:")
                .expect(400, "bad_request"),
            req("not declared JSON", Method::POST, "/v1/enrol")
                .json(&json!({ "code": code }))
                .content_type(Some("text/plain"))
                .expect(415, "unsupported_media_type"),
            req("too large", Method::POST, "/v1/enrol")
                .raw(vec![b' '; agency_server::body::MAX_BODY_BYTES + 1])
                .expect(413, "too_large"),
            req("GET", Method::GET, "/v1/enrol").expect(405, "method_not_allowed"),
            req("no such path", Method::GET, "/v1/nothing").expect(404, "not_found"),
        ],
    )
    .await;
    assert_eq!(bodies[0]["kiosk_number"], 12);
    assert_eq!(bodies[0]["token_type"], "Bearer");
    let first = bodies[0]["token"].as_str().unwrap().to_owned();
    assert_eq!(office.count("devices").await, 1, "refusals changed nothing");

    // Enrolling kiosk 12 again (a replaced device) revokes the first token.
    let second = office.enrol(&server, 12).await;
    let events = |t: &str| {
        req(
            "look-up",
            Method::GET,
            format!(
                "/v1/cases/{}?national_code=0012345679",
                tracking_code(12, 1)
            ),
        )
        .token(t)
    };
    run(
        &client,
        &base,
        vec![
            events(&first).expect(401, "unauthorized"),
            events(&second).expect(404, "unknown_case"),
            events("agt_not-a-token").expect(401, "unauthorized"),
            req(
                "no token",
                Method::GET,
                format!(
                    "/v1/cases/{}?national_code=0012345679",
                    tracking_code(12, 1)
                ),
            )
            .expect(401, "unauthorized"),
        ],
    )
    .await;
    // The database holds digests only.
    let client_db = office.pool.get().await.unwrap();
    let stored: i64 = client_db
        .query_one(
            "SELECT count(*) FROM devices WHERE token_hash = convert_to($1, 'UTF8') \
             OR encode(token_hash, 'escape') LIKE '%' || $1 || '%'",
            &[&second],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
    server.shutdown().await;
}

#[tokio::test]
async fn cases_are_ingested_once_per_key_and_code_and_bad_ones_change_nothing() {
    let office = Office::new().await;
    let server = office.server().await;
    let client = office.client();
    let base = server.base_url();
    let a = office.enrol(&server, 12).await;
    let b = office.enrol(&server, 34).await;
    let nc = national_code("001234567");
    let post = |name, kiosk: u32, token: &str, body: &Value| {
        req(name, Method::POST, format!("/v1/devices/{kiosk}/cases"))
            .token(token)
            .json(body)
    };
    let (id, good) = case_item(12, 1, &nc);
    let with = |path: &str, value: Value| {
        let mut v = good.clone();
        v["payload"][path] = value;
        v
    };
    let mut typo = tracking_code(12, 1).into_bytes();
    typo[10] = if typo[10] == b'9' { b'0' } else { typo[10] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let mut big = good.clone();
    big["payload"]["description"] = json!("x".repeat(agency_server::body::MAX_BODY_BYTES + 1));
    let table = vec![
        post("no token", 12, "", &good)
            .token("")
            .expect(401, "unauthorized"),
        post("unknown token", 12, "agt_x", &good).expect(401, "unauthorized"),
        post("as another kiosk (path)", 12, &b, &good).expect(403, "forbidden"),
        post("kiosk 0", 0, &a, &good).expect(400, "bad_parameter"),
        post("kiosk 100000", 100_000, &a, &good).expect(400, "bad_parameter"),
        req(
            "kiosk not a number",
            Method::POST,
            "/v1/devices/1%27%20OR%201=1/cases",
        )
        .token(&a)
        .json(&good)
        .expect(400, "bad_parameter"),
        req("malformed JSON", Method::POST, "/v1/devices/12/cases")
            .token(&a)
            .raw("{\"item_id\": ")
            .expect(400, "bad_request"),
        post(
            "item_id of a wrong type",
            12,
            &a,
            &json!({ "item_id": 5, "payload": good["payload"] }),
        )
        .expect(400, "bad_request"),
        post("no payload", 12, &a, &json!({ "item_id": id })).expect(400, "bad_request"),
        req("no Content-Type", Method::POST, "/v1/devices/12/cases")
            .token(&a)
            .json(&good)
            .content_type(None)
            .expect(415, "unsupported_media_type"),
        post("oversized body", 12, &a, &big).expect(413, "too_large"),
        post(
            "payload not an object",
            12,
            &a,
            &json!({ "item_id": id, "payload": [1] }),
        )
        .expect(422, "invalid_item"),
        post(
            "payload_version 2",
            12,
            &a,
            &with("payload_version", json!(2)),
        )
        .expect(422, "invalid_item"),
        post(
            "client_uuid not item_id",
            12,
            &a,
            &with("client_uuid", json!(Uuid::new_v4())),
        )
        .expect(422, "invalid_item"),
        post(
            "kiosk_number another kiosk",
            12,
            &a,
            &with("kiosk_number", json!(34)),
        )
        .expect(422, "invalid_item"),
        post(
            "kiosk_number a string",
            12,
            &a,
            &with("kiosk_number", json!("12")),
        )
        .expect(422, "invalid_item"),
        post(
            "tracking code of another kiosk",
            12,
            &a,
            &with("tracking_code", json!(tracking_code(34, 1))),
        )
        .expect(422, "invalid_item"),
        post(
            "tracking code with a typo",
            12,
            &a,
            &with("tracking_code", json!(typo)),
        )
        .expect(422, "invalid_item"),
        post(
            "tracking code SQL",
            12,
            &a,
            &with("tracking_code", json!("1' OR '1'='1")),
        )
        .expect(422, "invalid_item"),
        post(
            "sequence not the code's",
            12,
            &a,
            &with("sequence", json!(2)),
        )
        .expect(422, "invalid_item"),
        post(
            "national code short",
            12,
            &a,
            &with("national_code", json!("12345")),
        )
        .expect(422, "invalid_item"),
        post(
            "national code checksum",
            12,
            &a,
            &with("national_code", json!("0012345678")),
        )
        .expect(422, "invalid_item"),
        post("phone", 12, &a, &with("phone", json!("+98912"))).expect(422, "invalid_item"),
        post("kind", 12, &a, &with("kind", json!("DROP TABLE cases"))).expect(422, "invalid_item"),
        post("no subject", 12, &a, &with("subject_id", json!(""))).expect(422, "invalid_item"),
        post(
            "official tier unknown",
            12,
            &a,
            &with("official_tier", json!("mayor")),
        )
        .expect(422, "invalid_item"),
        post("official tier without its authority", 12, &a, &{
            let mut v = with("official_tier", json!("county"));
            v["payload"]["escalated_to"] = json!("minister_or_head");
            v
        })
        .expect(422, "invalid_item"),
        post("official tier on a request", 12, &a, &{
            let mut v = with("official_tier", json!("county"));
            v["payload"]["escalated_to"] = json!("county_governor");
            v["payload"]["kind"] = json!("request");
            v
        })
        .expect(422, "invalid_item"),
        post(
            "description a number",
            12,
            &a,
            &with("description", json!(7)),
        )
        .expect(422, "invalid_item"),
        post(
            "registered_at",
            12,
            &a,
            &with("registered_at", json!("yesterday")),
        )
        .expect(422, "invalid_item"),
        post("no unit", 12, &a, &with("unit", Value::Null)).expect(422, "invalid_item"),
    ];
    let bodies = run(&client, &base, table).await;
    for b in &bodies {
        let text = b.to_string();
        assert!(
            !text.contains(&nc) && !text.contains("09121234567"),
            "{text}"
        );
    }
    assert_eq!(office.count("cases").await, 0, "refusals changed nothing");

    // Accepted once, replayed, and the conflicts.
    let mut reordered: serde_json::Map<String, Value> = serde_json::Map::new();
    let payload = good["payload"].as_object().unwrap();
    for (k, v) in payload.iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let reordered = json!({ "payload": reordered, "item_id": id });
    let same_key_other_body = with("description", json!("another text"));
    let other_key_same_code = case_with_id(Uuid::new_v4(), 12, 1, &nc);
    // Kiosk 34 replays kiosk 12's key with a case of its own: keys are per kiosk.
    let theirs = case_with_id(id, 34, 1, &nc);
    let bodies = run(
        &client,
        &base,
        vec![
            post("first", 12, &a, &good).expect(201, ""),
            post("again", 12, &a, &good).expect(200, ""),
            post("again, keys reordered", 12, &a, &reordered).expect(200, ""),
            post("same key, other body", 12, &a, &same_key_other_body).expect(409, "key_reused"),
            post(
                "other key, same tracking code",
                12,
                &a,
                &other_key_same_code,
            )
            .expect(409, "duplicate_tracking_code"),
            post("kiosk 34 with kiosk 12's key", 34, &b, &theirs).expect(201, ""),
            post("kiosk 34 sends kiosk 12's case", 34, &b, &good).expect(422, "invalid_item"),
            post("a complaint about a provincial official", 12, &a, &{
                let mut v = case_with_id(Uuid::new_v4(), 12, 2, &nc);
                v["payload"]["official_tier"] = json!("province");
                v["payload"]["escalated_to"] = json!("governor_general");
                v
            })
            .expect(201, ""),
        ],
    )
    .await;
    assert_eq!(bodies[0]["status"], 201);
    assert_eq!(bodies[1]["status"], 200);
    assert_eq!(bodies[0]["tracking_code"], tracking_code(12, 1));
    assert_eq!(bodies[5]["tracking_code"], tracking_code(34, 1));
    assert_eq!(bodies[5]["kiosk_number"], 34);
    assert_eq!(office.count("cases").await, 3);
    let row = office
        .pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT payload->>'description' FROM cases WHERE tracking_code = $1",
            &[&tracking_code(12, 1)],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        "شرح درخواست",
        "the first body stays"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn any_device_follows_up_a_case_with_both_codes_and_misses_are_limited() {
    let office = Office::new().await;
    let server = office.server().await;
    let client = office.client();
    let base = server.base_url();
    let a = office.enrol(&server, 12).await;
    let b = office.enrol(&server, 34).await;
    let c = office.enrol(&server, 56).await;
    let nc = national_code("001234567");
    let other_nc = national_code("987654321");
    let (_, item) = case_item(12, 1, &nc);
    let code = tracking_code(12, 1);
    run(
        &client,
        &base,
        vec![
            req("ingest", Method::POST, "/v1/devices/12/cases")
                .token(&a)
                .json(&item)
                .expect(201, ""),
        ],
    )
    .await;
    office
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "INSERT INTO case_events VALUES ('e1', $1, 'referral', '2026-11-24T08:00:00Z', \
             'واحد حقوقی', 'کارشناس ۱', 'ارجاع برای بررسی')",
            &[&code],
        )
        .await
        .unwrap();
    let look = |name, token: &str, tracking: &str, query: &str| {
        req(name, Method::GET, format!("/v1/cases/{tracking}{query}")).token(token)
    };
    let unknown = tracking_code(12, 2);
    let bodies = run(
        &client,
        &base,
        vec![
            look("from kiosk 34", &b, &code, &format!("?national_code={nc}")).expect(200, ""),
            look("from kiosk 12", &a, &code, &format!("?national_code={nc}")).expect(200, ""),
            look(
                "wrong national code",
                &b,
                &code,
                &format!("?national_code={other_nc}"),
            )
            .expect(404, "unknown_case"),
            look(
                "unknown tracking code",
                &b,
                &unknown,
                &format!("?national_code={nc}"),
            )
            .expect(404, "unknown_case"),
            look("no national code", &b, &code, "").expect(400, "bad_parameter"),
            look(
                "national code SQL",
                &b,
                &code,
                "?national_code=1%27%20OR%20%271%27=%271",
            )
            .expect(400, "bad_parameter"),
            look(
                "tracking code typo",
                &b,
                &code.replace(&code[15..], "x"),
                &format!("?national_code={nc}"),
            )
            .expect(400, "bad_parameter"),
            look("no token", "", &code, &format!("?national_code={nc}"))
                .token("")
                .expect(401, "unauthorized"),
        ],
    )
    .await;
    let view = &bodies[0];
    assert_eq!(view["tracking_code"], code);
    assert_eq!(view["kiosk_number"], 12);
    assert_eq!(view["kind"], "complaint");
    assert_eq!(view["unit"], "واحد پاسخگویی");
    assert_eq!(view["events"][0]["event_type"], "referral");
    assert_eq!(view["events"][0]["person"], "کارشناس ۱");
    assert_eq!(view["events"][0]["notes"], "ارجاع برای بررسی");
    let text = view.to_string();
    assert!(
        !text.contains(&nc) && !text.contains("09121234567"),
        "{text}"
    );
    // A miss does not say which value was wrong.
    assert_eq!(bodies[2]["detail"], bodies[3]["detail"]);

    // Enumeration: kiosk 34 has 2 misses; the limit is 30 an hour, then even a right pair is
    // refused for that device, while another device still looks up.
    let mut table = Vec::new();
    for seq in 0..28u64 {
        table.push(
            look(
                "enumerate",
                &b,
                &tracking_code(12, 100 + seq),
                &format!("?national_code={nc}"),
            )
            .expect(404, "unknown_case"),
        );
    }
    table.push(
        look(
            "the 31st miss",
            &b,
            &tracking_code(12, 999),
            &format!("?national_code={nc}"),
        )
        .expect(429, "rate_limited"),
    );
    table.push(
        look(
            "a right pair, limited",
            &b,
            &code,
            &format!("?national_code={nc}"),
        )
        .expect(429, "rate_limited"),
    );
    table.push(look("another device", &c, &code, &format!("?national_code={nc}")).expect(200, ""));
    run(&client, &base, table).await;
    let limited = client
        .get(format!("{base}/v1/cases/{code}?national_code={nc}"))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap();
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    server.shutdown().await;
}

#[tokio::test]
async fn two_instances_share_devices_cases_and_the_rate_limit() {
    let office = Office::new().await;
    let one = office.server().await;
    let two = office.server().await;
    let client = office.client();
    let token = office.enrol(&one, 12).await;
    let nc = national_code("001234567");
    let (_, item) = case_item(12, 1, &nc);
    let ingest = |server: &agency_server::ServerHandle| {
        client
            .post(format!("{}/v1/devices/12/cases", server.base_url()))
            .bearer_auth(&token)
            .json(&item)
            .send()
    };
    assert_eq!(ingest(&two).await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(ingest(&one).await.unwrap().status(), StatusCode::OK);
    // The same new case sent to both at once: one 201, one 200.
    let (_, fresh) = case_item(12, 2, &nc);
    let send = |server: &agency_server::ServerHandle| {
        client
            .post(format!("{}/v1/devices/12/cases", server.base_url()))
            .bearer_auth(&token)
            .json(&fresh)
            .send()
    };
    let (x, y) = tokio::join!(send(&one), send(&two));
    let mut statuses = [x.unwrap().status().as_u16(), y.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201]);
    // Misses spread over both instances reach the one limit.
    for i in 0..30u64 {
        let server = if i % 2 == 0 { &one } else { &two };
        let r = client
            .get(format!(
                "{}/v1/cases/{}?national_code={nc}",
                server.base_url(),
                tracking_code(12, 500 + i)
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    for server in [&one, &two] {
        let r = client
            .get(format!(
                "{}/v1/cases/{}?national_code={nc}",
                server.base_url(),
                tracking_code(12, 1)
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    one.shutdown().await;
    two.shutdown().await;
}
