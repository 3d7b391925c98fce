//! Every documented error case against the running simulator, over its real TLS (mutual TLS
//! with a kiosk certificate, the pinned run CA, the bearer token): each answer must have its
//! status, `content-type: application/problem+json`, and a Problem (RFC 9457) body whose
//! `detail` says what is wrong. The contract is read too: every error status it lists for an
//! operation must be provoked here at least once, and every case here must be listed for its
//! operation (or be one of the few undocumented routes). Besides, the rules behind the new
//! refusals are checked by their effect: idempotency keys per kiosk, one case per tracking code.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::io::Write;

use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_sync::{TlsMaterial, client_config};
use samad_sim::faults::Fault;
use samad_sim::problem::{PROBLEM_JSON, TYPE_PREFIX};
use samad_sim::{SimConfig, SimHandle};
use serde_json::{Value, json};
use uuid::Uuid;

/// The kiosk whose certificate the client presents.
const KIOSK: u32 = 12;
/// A token bound to kiosk 7 only.
const KIOSK_7_TOKEN: &str = "kiosk-7-token";
const ONE_MIB: usize = 1 << 20;

const SUBMISSIONS: &str = "/v1/kiosks/{kiosk_number}/submissions";
const ITEMS: &str = "/v1/kiosks/{kiosk_number}/items/{item_id}";
const EVENTS: &str = "/v1/kiosks/{kiosk_number}/events";
const CATALOGUE: &str = "/v1/kiosks/{kiosk_number}/catalogue";
const HEARTBEAT: &str = "/v1/kiosks/{kiosk_number}/heartbeat";

/// Which bearer token a request carries.
#[derive(Debug, Clone, Copy)]
enum Token {
    Shared,
    None,
    Wrong,
    Kiosk7,
}

/// One request and the problem it must get.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    /// The contract's operation (path template, method); `None` for an undocumented route.
    op: Option<(&'static str, &'static str)>,
    method: &'static str,
    path: String,
    token: Token,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<Vec<u8>>,
    /// A fault scripted just before the request.
    fault: Option<Fault>,
    status: u16,
    code: &'static str,
    /// Text the detail must hold.
    detail: &'static str,
    /// The parameter the problem must name.
    parameter: Option<&'static str>,
}

impl Case {
    fn new(
        name: &'static str,
        op: &'static str,
        method: &'static str,
        path: impl Into<String>,
    ) -> Self {
        Self {
            name,
            op: Some((op, method)),
            method,
            path: path.into(),
            token: Token::Shared,
            headers: Vec::new(),
            body: None,
            fault: None,
            status: 0,
            code: "",
            detail: "",
            parameter: None,
        }
    }

    fn undocumented(name: &'static str, method: &'static str, path: impl Into<String>) -> Self {
        Self {
            op: None,
            ..Self::new(name, "", method, path)
        }
    }

    fn json(mut self, body: &Value) -> Self {
        self.headers.push(("content-type", "application/json"));
        self.body = Some(serde_json::to_vec(body).unwrap());
        self
    }

    fn raw(mut self, content_type: Option<&'static str>, body: Vec<u8>) -> Self {
        if let Some(t) = content_type {
            self.headers.push(("content-type", t));
        }
        self.body = Some(body);
        self
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn token(mut self, token: Token) -> Self {
        self.token = token;
        self
    }

    fn fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    fn expect(mut self, status: u16, code: &'static str, detail: &'static str) -> Self {
        self.status = status;
        self.code = code;
        self.detail = detail;
        self
    }

    fn naming(mut self, parameter: &'static str) -> Self {
        self.parameter = Some(parameter);
        self
    }
}

/// What came back.
struct Answer {
    status: u16,
    content_type: String,
    retry_after: bool,
    allow: Option<String>,
    body: Value,
}

struct Rig {
    sim: SimHandle,
    http: reqwest::Client,
}

impl Rig {
    async fn start() -> Self {
        let sim = samad_sim::start(SimConfig {
            refused_subjects: vec!["SUBJ-REFUSED".into()],
            kiosk_tokens: vec![(7, KIOSK_7_TOKEN.into())],
            ..SimConfig::default()
        })
        .await
        .unwrap();
        assert!(sim.base_url().starts_with("https://"));
        let id = sim.kiosk_identity(KIOSK).unwrap();
        let tls = client_config(&TlsMaterial {
            ca_pem: sim.pki().ca_pem.clone(),
            client_cert_pem: id.cert_pem,
            client_key_pem: id.key_pem,
        })
        .unwrap();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap();
        Self { sim, http }
    }

    async fn send(&self, case: &Case) -> Answer {
        if let Some(fault) = case.fault {
            self.sim.faults(|f| f.script([fault]));
        }
        let method = reqwest::Method::from_bytes(case.method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{}", self.sim.base_url(), case.path));
        req = match case.token {
            Token::Shared => req.bearer_auth("sim-token"),
            Token::None => req,
            Token::Wrong => req.bearer_auth("not-the-token"),
            Token::Kiosk7 => req.bearer_auth(KIOSK_7_TOKEN),
        };
        for (name, value) in &case.headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = &case.body {
            req = req.body(body.clone());
        }
        let r = req.send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap_or_default().to_owned())
        };
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after").is_some();
        let allow = header("allow");
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(
            |_| json!({ "not json": String::from_utf8_lossy(&bytes).into_owned() }),
        );
        Answer {
            status,
            content_type,
            retry_after,
            allow,
            body,
        }
    }

    async fn put(&self, kiosk: u32, item: &Value) -> Answer {
        let id = item["item_id"].as_str().unwrap();
        let case = Case::new(
            "setup",
            ITEMS,
            "PUT",
            format!("/v1/kiosks/{kiosk}/items/{id}"),
        )
        .json(item);
        self.send(&case).await
    }
}

fn tracking_code(kiosk: u32, sequence: u64) -> String {
    TrackingCode::new(KioskNumber::new(kiosk).unwrap(), sequence)
        .unwrap()
        .as_string()
}

/// A valid case item of `kiosk` with the tracking code of `sequence`.
fn case_item(kiosk: u32, sequence: u64) -> Value {
    let id = Uuid::new_v4();
    json!({
        "item_id": id,
        "item_type": "case",
        "payload": {
            "payload_version": 1, "client_uuid": id,
            "tracking_code": tracking_code(kiosk, sequence), "kiosk_number": kiosk,
            "sequence": sequence, "kind": "complaint", "subject_id": "SUBJ-1",
            "national_code": "0012345679", "description": "شکایت",
            "registered_at": "2026-11-23T03:00:00.000Z", "unit": "روابط عمومی"
        }
    })
}

/// `item` under a fresh key (payload's `client_uuid` too).
fn rekeyed(item: &Value) -> Value {
    let id = Uuid::new_v4();
    let mut item = item.clone();
    item["item_id"] = json!(id);
    item["payload"]["client_uuid"] = json!(id);
    item
}

fn heartbeat() -> Value {
    json!({
        "sent_at": "2026-11-23T03:00:00.000Z", "firmware_version": "0.1.0", "schema_version": 2,
        "printer": {"state": "ok", "paper": "ok"}, "outbox": {"depth": 0, "parked": 0}
    })
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Every error case; `first` is the case kiosk 12 already submitted.
fn cases(first: &Value) -> Vec<Case> {
    let k = |op: &str| format!("/v1/kiosks/{KIOSK}/{op}");
    let item_path = |item: &Value| k(&format!("items/{}", item["item_id"].as_str().unwrap()));
    let batch = |items: Vec<Value>| json!({ "items": items });
    let fresh = case_item(KIOSK, 900);
    let mut cases = Vec::new();

    // Authentication, on every operation.
    let ops: [(&str, &str, String); 5] = [
        (SUBMISSIONS, "POST", k("submissions")),
        (ITEMS, "PUT", item_path(&fresh)),
        (EVENTS, "GET", k("events")),
        (CATALOGUE, "GET", k("catalogue")),
        (HEARTBEAT, "POST", k("heartbeat")),
    ];
    for (op, method, path) in &ops {
        let body = match *op {
            SUBMISSIONS => Some(batch(vec![fresh.clone()])),
            ITEMS => Some(fresh.clone()),
            HEARTBEAT => Some(heartbeat()),
            _ => None,
        };
        let with_body = |c: Case| match &body {
            Some(b) => c.json(b),
            None => c,
        };
        cases.push(
            with_body(Case::new("no token", op, method, path))
                .token(Token::None)
                .expect(401, "unauthorized", "no bearer token"),
        );
        cases.push(
            with_body(Case::new("wrong token", op, method, path))
                .token(Token::Wrong)
                .expect(401, "unauthorized", "not one this server knows"),
        );
        cases.push(
            with_body(Case::new("another kiosk's token", op, method, path))
                .token(Token::Kiosk7)
                .expect(403, "forbidden", "belongs to kiosk 7"),
        );
        for bad in ["0", "012", "+12", "100000", "abc", "%31%32"] {
            let other = path.replacen(&format!("/kiosks/{KIOSK}/"), &format!("/kiosks/{bad}/"), 1);
            cases.push(
                with_body(Case::new("non-canonical kiosk number", op, method, other))
                    .expect(404, "unknown_kiosk", "names no kiosk")
                    .naming("kiosk_number"),
            );
        }
        cases.push(
            with_body(Case::new("rate limited", op, method, path))
                .fault(Fault::RateLimit { retry_after_s: 2 })
                .expect(429, "rate_limited", "too many requests"),
        );
        cases.push(
            with_body(Case::new("unavailable", op, method, path))
                .fault(Fault::Status { status: 503 })
                .expect(503, "injected", "HTTP 503"),
        );
        cases.push(
            with_body(Case::new("down for maintenance", op, method, path))
                .fault(Fault::UnavailableUntil { retry_after_s: 60 })
                .expect(503, "maintenance", "maintenance"),
        );
    }

    // Bodies, on every operation that takes one.
    for (op, method, path) in ops.iter().filter(|(_, m, _)| *m != "GET") {
        let json_body = match *op {
            SUBMISSIONS => batch(vec![fresh.clone()]),
            ITEMS => fresh.clone(),
            _ => heartbeat(),
        };
        let json_bytes = serde_json::to_vec(&json_body).unwrap();
        cases.push(
            Case::new("not JSON", op, method, path)
                .raw(Some("application/json"), b"{\"items\": [".to_vec())
                .expect(400, "bad_request", "the body is not a"),
        );
        cases.push(
            Case::new("text/plain", op, method, path)
                .raw(Some("text/plain"), json_bytes.clone())
                .expect(415, "unsupported_media_type", "got \"text/plain\""),
        );
        cases.push(
            Case::new("no content type", op, method, path)
                .raw(None, json_bytes.clone())
                .expect(415, "unsupported_media_type", "no Content-Type"),
        );
        cases.push(
            Case::new("brotli", op, method, path)
                .raw(Some("application/json"), json_bytes.clone())
                .header("content-encoding", "br")
                .expect(415, "unsupported_encoding", "\"br\" is not supported"),
        );
        cases.push(
            Case::new("corrupt gzip", op, method, path)
                .raw(
                    Some("application/json"),
                    b"\x1f\x8b\x08\x00not gzip".to_vec(),
                )
                .header("content-encoding", "gzip")
                .expect(400, "bad_gzip", "does not decompress"),
        );
        let mut truncated = gzip(&json_bytes);
        truncated.truncate(truncated.len() / 2);
        cases.push(
            Case::new("truncated gzip", op, method, path)
                .raw(Some("application/json"), truncated)
                .header("content-encoding", "gzip")
                .expect(400, "bad_gzip", "does not decompress"),
        );
        cases.push(
            Case::new("body over 1 MiB", op, method, path)
                .raw(Some("application/json"), vec![b' '; ONE_MIB + 1])
                .expect(413, "too_large", "at most 1048576 bytes"),
        );
        cases.push(
            Case::new("gzip over 1 MiB decompressed", op, method, path)
                .raw(Some("application/json"), gzip(&vec![b' '; 2 * ONE_MIB]))
                .header("content-encoding", "gzip")
                .expect(413, "too_large", "after decompression"),
        );
    }

    // Submissions.
    let post = |name| Case::new(name, SUBMISSIONS, "POST", k("submissions"));
    cases.push(post("empty batch").json(&batch(Vec::new())).expect(
        400,
        "empty_batch",
        "holds none",
    ));
    cases.push(
        post("101 items")
            .json(&batch(
                (0..101).map(|n| case_item(KIOSK, 1000 + n)).collect(),
            ))
            .expect(413, "too_many_items", "this one holds 101"),
    );
    cases.push(
        post("unknown item type")
            .json(&batch(vec![
                json!({"item_id": Uuid::new_v4(), "item_type": "x",
                                    "payload": {}}),
            ]))
            .expect(400, "bad_request", "unknown variant"),
    );

    // Single items.
    let put = |name, path: String| Case::new(name, ITEMS, "PUT", path);
    let id = fresh["item_id"].as_str().unwrap().to_owned();
    for (bad, detail) in [
        ("not-a-uuid", "is not a UUID"),
        ("1234", "is not a UUID"),
        ("{id_simple}", "is not a UUID"),
    ] {
        let bad = bad.replace("{id_simple}", &id.replace('-', ""));
        cases.push(
            put("malformed item_id", k(&format!("items/{bad}")))
                .json(&fresh)
                .expect(400, "bad_parameter", detail)
                .naming("item_id"),
        );
    }
    cases.push(
        put(
            "item_id of path and body differ",
            k(&format!("items/{}", Uuid::new_v4())),
        )
        .json(&fresh)
        .expect(400, "bad_parameter", "differ")
        .naming("item_id"),
    );
    let mut changed = first.clone();
    changed["payload"]["description"] = json!("another text");
    cases.push(
        put("key reused with another body", item_path(first))
            .json(&changed)
            .expect(409, "key_reused", "first submission stands"),
    );
    let dup = rekeyed(first);
    cases.push(
        put("tracking code already a case", item_path(&dup))
            .json(&dup)
            .expect(409, "duplicate_tracking_code", "is already case SMD-00012-"),
    );
    let mut foreign_code = case_item(KIOSK, 901);
    foreign_code["payload"]["tracking_code"] = json!(tracking_code(13, 901));
    cases.push(
        put("tracking code of another kiosk", item_path(&foreign_code))
            .json(&foreign_code)
            .expect(
                422,
                "invalid_item",
                "is kiosk 13's (digits 2-6), not kiosk_number 12's",
            ),
    );
    let mut typo = case_item(KIOSK, 902);
    let mut code = tracking_code(KIOSK, 902).into_bytes();
    code[15] = b'0' + (code[15] - b'0' + 1) % 10;
    typo["payload"]["tracking_code"] = json!(String::from_utf8(code).unwrap());
    cases.push(
        put("tracking code with a wrong check digit", item_path(&typo))
            .json(&typo)
            .expect(422, "invalid_item", "check digit"),
    );
    let mut other_sequence = case_item(KIOSK, 903);
    other_sequence["payload"]["sequence"] = json!(904);
    cases.push(
        put(
            "sequence not the tracking code's",
            item_path(&other_sequence),
        )
        .json(&other_sequence)
        .expect(422, "invalid_item", "differs from tracking_code"),
    );
    let mut refused = case_item(KIOSK, 905);
    refused["payload"]["subject_id"] = json!("SUBJ-REFUSED");
    cases.push(
        put("subject not in the catalogue", item_path(&refused))
            .json(&refused)
            .expect(422, "invalid_item", "not in this agency's catalogue"),
    );
    let first_id = first["item_id"].as_str().unwrap();
    cases.push(
        Case::new(
            "kiosk 12's item replayed on kiosk 13's path",
            ITEMS,
            "PUT",
            format!("/v1/kiosks/13/items/{first_id}"),
        )
        .json(first)
        .expect(422, "invalid_item", "differs from the kiosk in the path"),
    );
    let rating_id = Uuid::new_v4();
    cases.push(
        put("rating of another kiosk", k(&format!("items/{rating_id}")))
            .json(&json!({"item_id": rating_id, "item_type": "rating",
                          "payload": {"kiosk_number": 13, "score": 5}}))
            .expect(422, "invalid_item", "kiosk_number 13 differs"),
    );

    // Events' query parameters.
    let get = |name, query: &str| Case::new(name, EVENTS, "GET", k(&format!("events?{query}")));
    for (query, detail) in [
        ("limit=0", "not an integer in 1..=500"),
        ("limit=501", "not an integer in 1..=500"),
        ("limit=100000", "not an integer in 1..=500"),
        ("limit=99999999999999999999999", "not an integer in 1..=500"),
        ("limit=-1", "not an integer in 1..=500"),
        ("limit=%2B5", "not an integer in 1..=500"),
        ("limit=05", "not an integer in 1..=500"),
        ("limit=ten", "not an integer in 1..=500"),
        ("limit=", "not an integer in 1..=500"),
        ("limit=1&limit=2", "given more than once"),
    ] {
        cases.push(
            get("limit out of bounds", query)
                .expect(400, "bad_parameter", detail)
                .naming("limit"),
        );
    }
    let long = format!("after={}", "1".repeat(201));
    cases.push(
        get("after longer than 200", &long)
            .expect(400, "bad_parameter", "longer than 200 characters")
            .naming("after"),
    );
    for query in ["after=not-a-cursor", "after=-1", "after=007"] {
        cases.push(
            get("after not a cursor", query)
                .expect(400, "bad_cursor", "not a cursor this server issued")
                .naming("after"),
        );
    }
    cases.push(
        get("after twice", "after=1&after=2")
            .expect(400, "bad_parameter", "given more than once")
            .naming("after"),
    );

    // Routes outside the contract answer problems too.
    cases.push(
        Case::undocumented("unknown path", "GET", "/v1/nothing").expect(
            404,
            "not_found",
            "/v1/nothing is not a path",
        ),
    );
    cases.push(
        Case::undocumented("unknown operation of a kiosk", "GET", k("nothing")).expect(
            404,
            "not_found",
            "is not a path",
        ),
    );
    cases.push(
        Case::undocumented("GET on submissions", "GET", k("submissions")).expect(
            405,
            "method_not_allowed",
            "GET is not allowed on",
        ),
    );
    cases.push(
        Case::undocumented("admin faults, bad JSON", "POST", "/admin/faults")
            .raw(Some("application/json"), b"[".to_vec())
            .expect(400, "bad_request", "does not read as"),
    );
    cases.push(
        Case::undocumented("admin event of an unknown case", "POST", "/admin/events")
            .json(
                &json!({"service_request_id": "SMD-none", "event_type": "answer",
                          "unit": "u", "person": "p"}),
            )
            .expect(404, "unknown_case", "SMD-none"),
    );
    cases.push(
        Case::undocumented("admin without token", "GET", "/admin/stats")
            .token(Token::None)
            .expect(401, "unauthorized", "no bearer token"),
    );
    cases
}

/// Why `answer` is not what `case` expects (empty: it is).
fn judge(case: &Case, a: &Answer) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut want = |ok: bool, what: String| {
        if !ok {
            wrong.push(what);
        }
    };
    let b = &a.body;
    want(a.status == case.status, format!("status {}", a.status));
    want(
        a.content_type == PROBLEM_JSON,
        format!("content-type {:?}", a.content_type),
    );
    want(
        b["type"] == json!(format!("{TYPE_PREFIX}{}", case.code)),
        format!("type {}", b["type"]),
    );
    want(b["code"] == json!(case.code), format!("code {}", b["code"]));
    want(
        b["title"].as_str().is_some_and(|t| !t.is_empty()),
        "no title".into(),
    );
    want(
        b["status"] == json!(a.status),
        format!("body status {}", b["status"]),
    );
    let detail = b["detail"].as_str().unwrap_or_default();
    want(
        detail.contains(case.detail) && detail.len() >= 15,
        format!("detail {detail:?} lacks {:?}", case.detail),
    );
    want(b["reason"] == b["detail"], "reason is not detail".into());
    if let Some(p) = case.parameter {
        want(
            b["parameter"] == json!(p),
            format!("parameter {}", b["parameter"]),
        );
        want(
            detail.contains(p),
            format!("detail {detail:?} does not name {p}"),
        );
    }
    if a.status == 429 {
        want(a.retry_after, "429 without Retry-After".into());
    }
    if a.status == 405 {
        want(a.allow.is_some(), "405 without Allow".into());
    }
    if case.op == Some((ITEMS, "PUT")) && matches!(a.status, 409 | 422) {
        let id = case.path.rsplit('/').next().unwrap_or_default();
        want(
            b["item_id"] == json!(id),
            format!("item_id {}", b["item_id"]),
        );
    }
    wrong
}

/// The error statuses (4xx, 5xx) the contract lists per (path, method).
fn documented_errors() -> BTreeSet<(String, String, u16)> {
    let doc: Value = serde_yaml_ng::from_str(kiosk_sync::OPENAPI_YAML).unwrap();
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                let status: u16 = status.parse().unwrap();
                if status >= 400 {
                    out.insert((path.clone(), method.to_uppercase(), status));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_error_is_problem_json_with_a_useful_detail() {
    let rig = Rig::start().await;
    let first = case_item(KIOSK, 1);
    let accepted = rig.put(KIOSK, &first).await;
    assert_eq!(accepted.status, 201, "{}", accepted.body);
    let cases = cases(&first);

    let mut failures = Vec::new();
    let mut provoked = BTreeSet::new();
    for case in &cases {
        let answer = rig.send(case).await;
        let wrong = judge(case, &answer);
        if !wrong.is_empty() {
            failures.push(format!(
                "{} {} ({}): {}\n    {}",
                case.method,
                case.path.chars().take(90).collect::<String>(),
                case.name,
                wrong.join("; "),
                answer.body
            ));
        }
        if let Some((path, method)) = case.op {
            provoked.insert((path.to_owned(), method.to_owned(), case.status));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let documented = documented_errors();
    let missed: Vec<_> = documented.difference(&provoked).collect();
    assert!(
        missed.is_empty(),
        "documented but never provoked: {missed:?}"
    );
    let undocumented: Vec<_> = provoked.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "answered but not in the contract: {undocumented:?}"
    );
    // Nothing refused was recorded: only the first case is held.
    assert_eq!(rig.sim.db(|db| db.item_count().unwrap()), 1);
    println!(
        "{} error cases, {} documented (operation, status) pairs",
        cases.len(),
        documented.len()
    );
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_per_kiosk_and_a_tracking_code_is_one_case() {
    let rig = Rig::start().await;
    // Kiosk 12's item, and kiosk 13's own case under the same key: two items.
    let first = case_item(KIOSK, 1);
    let a = rig.put(KIOSK, &first).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let mut same_key = case_item(13, 1);
    same_key["item_id"] = first["item_id"].clone();
    same_key["payload"]["client_uuid"] = first["item_id"].clone();
    let b = rig.put(13, &same_key).await;
    assert_eq!(b.status, 201, "{}", b.body);
    assert_ne!(b.body["service_request_id"], a.body["service_request_id"]);
    assert!(
        b.body["service_request_id"]
            .as_str()
            .unwrap()
            .starts_with("SMD-00013-")
    );
    // Each kiosk's replay answers its own record.
    let again = rig.put(KIOSK, &first).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["service_request_id"],
        a.body["service_request_id"]
    );
    let again = rig.put(13, &same_key).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["service_request_id"],
        b.body["service_request_id"]
    );
    let id = Uuid::parse_str(first["item_id"].as_str().unwrap()).unwrap();
    assert_eq!(rig.sim.db(|db| db.copies_of(id).unwrap()), 2);

    // In a batch: a second case of a held tracking code, and two cases of one new code.
    let twin_a = case_item(KIOSK, 2);
    let twin_b = rekeyed(&twin_a);
    let body = json!({ "items": [rekeyed(&first), twin_a, twin_b] });
    let case = Case::new(
        "batch",
        SUBMISSIONS,
        "POST",
        format!("/v1/kiosks/{KIOSK}/submissions"),
    )
    .json(&body);
    let answer = rig.send(&case).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/json");
    let results = answer.body["results"].as_array().unwrap();
    let statuses: Vec<_> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [409, 201, 409]);
    for r in [&results[0], &results[2]] {
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains("one tracking code is one case"), "{reason}");
        assert!(r["service_request_id"].is_null(), "{r}");
    }
    assert_eq!(rig.sim.db(|db| db.item_count().unwrap()), 3);
    assert_eq!(rig.sim.db(|db| db.distinct_tracking_codes().unwrap()), 3);
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn a_database_of_an_earlier_run_is_migrated_to_keys_per_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE items (
                 seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE,
                 kiosk_number INTEGER NOT NULL, item_type TEXT NOT NULL, body TEXT NOT NULL,
                 tracking_code TEXT, service_request_id TEXT NOT NULL UNIQUE,
                 received_at TEXT NOT NULL);
             INSERT INTO items VALUES (1, '6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', 12, 'rating',
                 'rating:{}', NULL, 'SMD-00012-000000001', '2026-01-01T00:00:00.000Z');",
        )
        .unwrap();
    }
    let mut db = samad_sim::db::SimDb::open(Some(&path)).unwrap();
    let id = Uuid::parse_str("6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e5f").unwrap();
    let item = [(id, kiosk_sync::wire::ItemType::Rating, json!({}))];
    assert_eq!(db.submit(12, &item, &[]).unwrap()[0].status, 200);
    assert_eq!(db.submit(13, &item, &[]).unwrap()[0].status, 201);
    assert_eq!(db.copies_of(id).unwrap(), 2);
}

/// A file of a version-0 run may hold one tracking code as several cases (that version accepted
/// them): it still opens; the first case keeps the code, the later ones are set aside in
/// `duplicate_cases_v0`, and the code is refused as a new case from then on.
#[tokio::test]
async fn an_earlier_run_with_duplicate_tracking_codes_opens_keeping_the_first_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sim.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE items (
                 seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE,
                 kiosk_number INTEGER NOT NULL, item_type TEXT NOT NULL, body TEXT NOT NULL,
                 tracking_code TEXT, service_request_id TEXT NOT NULL UNIQUE,
                 received_at TEXT NOT NULL);
             INSERT INTO items VALUES
                 (1, '6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e51', 12, 'case', 'case:{}',
                  '1000120000000426', 'SMD-00012-000000001', '2026-01-01T00:00:00.000Z'),
                 (2, '6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e52', 12, 'case', 'case:{}',
                  '1000120000000426', 'SMD-00012-000000002', '2026-01-01T00:00:01.000Z'),
                 (3, '6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e53', 12, 'rating', 'rating:{}',
                  NULL, 'SMD-00012-000000003', '2026-01-01T00:00:02.000Z');",
        )
        .unwrap();
    }
    let db = samad_sim::db::SimDb::open(Some(&path)).expect("a file with duplicates still opens");
    assert_eq!(db.item_count().unwrap(), 2, "the first case and the rating");
    assert_eq!(db.distinct_tracking_codes().unwrap(), 1);
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (kept, aside): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT seq FROM items WHERE item_type = 'case'),
                    (SELECT seq FROM duplicate_cases_v0)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (kept, aside),
        (1, 2),
        "the first stays, the later one is set aside"
    );
}
