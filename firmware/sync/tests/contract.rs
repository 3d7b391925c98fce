//! The OpenAPI document checked against both sides: every request the client really sent (as
//! the simulator recorded it) validates against the document's request schema, and every
//! answer the simulator gives — successes, replays, conflicts, refusals, rate limits — validates
//! against the schema of its status, which the document must list for that operation.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::{KIOSK, client_settings, rig_with};
use kiosk_sync::wire::{Heartbeat, OutboxHealth, PrinterHealth};
use kiosk_sync::{OPENAPI_YAML, client_config};
use samad_sim::SimConfig;
use samad_sim::faults::Fault;
use serde_json::{Value, json};

fn doc() -> Value {
    serde_yaml_ng::from_str(OPENAPI_YAML).unwrap()
}

/// Errors of `instance` against `#/components/schemas/{name}` of the document.
fn errors(name: &str, instance: &Value) -> Vec<String> {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc()["components"],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn check(name: &str, instance: &Value) {
    let found = errors(name, instance);
    assert!(found.is_empty(), "{name}: {found:?}\n{instance:#}");
}

/// The media type and schema name the document gives for `status` of `method path` (following
/// `$ref`s to shared responses), or `None` for a bodiless answer; panics when the status is not
/// listed.
fn response_schema(path: &str, method: &str, status: u16) -> Option<(String, String)> {
    let d = doc();
    let op = &d["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let mut response = op["responses"][status.to_string()].clone();
    assert!(
        response.is_object(),
        "{method} {path} answered {status}, which the document does not list"
    );
    if let Some(r) = response["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/responses/");
        response = d["components"]["responses"][name].clone();
    }
    let content = response["content"].as_object()?;
    assert_eq!(content.len(), 1, "{method} {path} {status}: one media type");
    let (media_type, body) = content.iter().next()?;
    body["schema"]["$ref"].as_str().map(|s| {
        (
            media_type.clone(),
            s.trim_start_matches("#/components/schemas/").to_owned(),
        )
    })
}

/// Every `$ref` in `value` points at something in the document.
fn refs_resolve(d: &Value, value: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let pointer = r.trim_start_matches('#');
                assert!(d.pointer(pointer).is_some(), "dangling $ref {r}");
            }
            map.values().for_each(|v| refs_resolve(d, v));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_resolve(d, v)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_1_with_versioned_paths_and_no_dangling_refs() {
    let d = doc();
    assert!(d["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = d["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 5);
    assert!(paths.keys().all(|p| p.starts_with("/v1/")), "{paths:?}");
    refs_resolve(&d, &d);
    // Open311 names where they fit.
    for name in [
        "service_request_id",
        "agency_responsible",
        "updated_datetime",
    ] {
        assert!(OPENAPI_YAML.contains(name), "{name}");
    }
    // The schemas reject what they must: a 15-digit tracking code, an unknown event type.
    let mut event = json!({
        "event_id": "EV-1", "service_request_id": "SMD-1", "tracking_code": "1000420000000017",
        "item_id": "6f1c7c9e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "event_type": "referral",
        "updated_datetime": "2026-11-23T03:00:00.000Z", "agency_responsible": "u",
        "responsible_person": "p"
    });
    check("Event", &event);
    event["tracking_code"] = json!("100042000000001");
    assert!(!errors("Event", &event).is_empty());
    event["tracking_code"] = json!("1000420000000017");
    event["event_type"] = json!("reopened");
    assert!(!errors("Event", &event).is_empty());
    event["event_type"] = json!("referral");
    event["updated_datetime"] = json!("yesterday");
    assert!(!errors("Event", &event).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_client_sends_follows_the_contract() {
    let rig = rig_with(SimConfig {
        record_requests: true,
        ..SimConfig::default()
    })
    .await;
    for n in 0..5 {
        rig.register(n);
    }
    let mut relay = kiosk_sync::Relay::new(
        Arc::clone(&rig.store),
        rig.client.clone(),
        common::relay_settings(),
    );
    relay.drain().await.unwrap();
    relay.pull_events().await.unwrap();
    rig.client
        .heartbeat(&Heartbeat {
            sent_at: Utc::now(),
            firmware_version: "0.1.0".into(),
            schema_version: 2,
            catalogue_version: None,
            printer: PrinterHealth {
                state: "offline".into(),
                paper: "unknown".into(),
            },
            outbox: OutboxHealth {
                depth: 0,
                parked: 0,
                oldest_unsent_age_s: None,
            },
            last_sync_at: Some(Utc::now()),
            uptime_s: Some(12),
        })
        .await
        .unwrap();
    let recorded = rig.sim.state().recorded.lock().unwrap().clone();
    let mut seen = Vec::new();
    for r in &recorded {
        let schema = match (r.method.as_str(), r.path.as_str()) {
            ("POST", p) if p.ends_with("/submissions") => Some("SubmitBatch"),
            ("POST", p) if p.ends_with("/heartbeat") => Some("Heartbeat"),
            ("GET", _) => None,
            other => panic!("unexpected request {other:?}"),
        };
        if let Some(schema) = schema {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            check(schema, &body);
            seen.push(schema);
        }
    }
    assert_eq!(seen, ["SubmitBatch", "Heartbeat"]);
    // The case payloads inside were checked against CasePayload through SubmitItem's
    // if/then; a case payload missing a field must fail that way too.
    let mut body: Value = serde_json::from_slice(&recorded[0].body).unwrap();
    check("CasePayload", &body["items"][0]["payload"]);
    body["items"][0]["payload"]
        .as_object_mut()
        .unwrap()
        .remove("tracking_code");
    assert!(!errors("SubmitBatch", &body).is_empty());
}

/// A raw HTTPS client with the kiosk's identity, to provoke every kind of answer.
fn raw_client(rig: &common::Rig) -> reqwest::Client {
    let settings = client_settings(&rig.sim, &rig.sim.pki().ca_pem, Duration::from_secs(5));
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(&settings.tls).unwrap())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_of_the_simulator_follows_the_contract() {
    let rig = rig_with(SimConfig {
        refused_subjects: vec!["SUBJ-3".into()],
        ..SimConfig::default()
    })
    .await;
    let http = raw_client(&rig);
    let base = format!("{}/v1/kiosks/{KIOSK}", rig.sim.base_url());
    let case_item = |n: u32| {
        let registered = rig.register(n);
        let store = rig.store.lock().unwrap();
        let c = store
            .case_by_tracking_code(&registered.tracking_code)
            .unwrap()
            .unwrap();
        let item = store.outbox_item(c.client_uuid).unwrap().unwrap();
        json!({
            "item_id": item.item_uuid,
            "item_type": "case",
            "payload": serde_json::from_str::<Value>(&item.payload).unwrap(),
        })
    };
    let good = case_item(1);
    let poison = case_item(3);
    let mut conflicting = good.clone();
    conflicting["payload"]["description"] = json!("another text");

    // (path, method, status, content type, body)
    let mut answers: Vec<(&str, &str, u16, String, Value)> = Vec::new();
    let submissions = "/v1/kiosks/{kiosk_number}/submissions";
    let items = "/v1/kiosks/{kiosk_number}/items/{item_id}";
    let events = "/v1/kiosks/{kiosk_number}/events";
    let catalogue = "/v1/kiosks/{kiosk_number}/catalogue";
    let heartbeat = "/v1/kiosks/{kiosk_number}/heartbeat";

    let send = |req: reqwest::RequestBuilder| async move {
        let r = req.bearer_auth("sim-token").send().await.unwrap();
        let status = r.status().as_u16();
        let retry_after = r.headers().get("retry-after").is_some();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = r.bytes().await.unwrap();
        let value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap()
        };
        (status, content_type, value, retry_after)
    };

    // Batch: created, replayed, conflict, refused in one answer.
    let batch = json!({ "items": [good, poison] });
    let (s, t, v, _) = send(http.post(format!("{base}/submissions")).json(&batch)).await;
    let statuses: Vec<u64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 422]);
    answers.push((submissions, "post", s, t, v));
    let again = json!({ "items": [good, conflicting] });
    let (s, t, v, _) = send(http.post(format!("{base}/submissions")).json(&again)).await;
    let statuses: Vec<u64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 409]);
    answers.push((submissions, "post", s, t, v));

    // Single item: the HTTP status is the item's.
    let fresh = case_item(2);
    let url = |item: &Value| format!("{base}/items/{}", item["item_id"].as_str().unwrap());
    for (item, expected) in [
        (&fresh, 201),
        (&fresh, 200),
        (&conflicting, 409),
        (&poison, 422),
    ] {
        let (s, t, v, _) = send(http.put(url(item)).json(item)).await;
        assert_eq!(s, expected);
        answers.push((items, "put", s, t, v));
    }

    // Events, with one event in the feed.
    let number = {
        let first = &answers[0].4["results"][0]["service_request_id"];
        first.as_str().unwrap().to_owned()
    };
    rig.sim.db(|db| {
        db.add_event(
            &number,
            kiosk_sync::wire::EventType::Referral,
            Utc::now(),
            "اداره",
            "کارشناس",
            Some("ارجاع"),
        )
        .unwrap()
    });
    let (s, t, v, _) = send(http.get(format!("{base}/events?limit=10"))).await;
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    answers.push((events, "get", s, t, v));
    let (s, t, v, _) = send(http.get(format!("{base}/events?after=not-a-cursor"))).await;
    assert_eq!(s, 400);
    answers.push((events, "get", s, t, v));

    // Catalogue and heartbeat.
    let (s, t, v, _) = send(http.get(format!("{base}/catalogue"))).await;
    answers.push((catalogue, "get", s, t, v));
    let (s, t, v, _) = send(
        http.get(format!("{base}/catalogue"))
            .header("if-none-match", samad_sim::CATALOGUE_ETAG),
    )
    .await;
    assert_eq!(s, 304);
    answers.push((catalogue, "get", s, t, v));
    let hb = json!({
        "sent_at": "2026-11-23T03:00:00.000Z", "firmware_version": "0.1.0", "schema_version": 2,
        "printer": {"state": "ok", "paper": "ok"}, "outbox": {"depth": 0, "parked": 0}
    });
    check("Heartbeat", &hb);
    let (s, t, v, _) = send(http.post(format!("{base}/heartbeat")).json(&hb)).await;
    answers.push((heartbeat, "post", s, t, v));

    // Refusals: wrong token, rate limit (with Retry-After), service unavailable.
    let r = http
        .get(format!("{base}/events"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let t = r.headers()["content-type"].to_str().unwrap().to_owned();
    answers.push((events, "get", s, t, r.json().await.unwrap()));
    rig.sim.faults(|f| {
        f.script([
            Fault::RateLimit { retry_after_s: 3 },
            Fault::Status { status: 503 },
        ])
    });
    let (s, t, v, retry_after) = send(http.post(format!("{base}/submissions")).json(&batch)).await;
    assert_eq!(s, 429);
    assert!(retry_after);
    answers.push((submissions, "post", s, t, v));
    let (s, t, v, _) = send(http.post(format!("{base}/heartbeat")).json(&hb)).await;
    assert_eq!(s, 503);
    answers.push((heartbeat, "post", s, t, v));

    for (path, method, status, content_type, body) in &answers {
        match response_schema(path, method, *status) {
            Some((media_type, schema)) => {
                assert_eq!(content_type, &media_type, "{method} {path} {status}");
                let found = errors(&schema, body);
                assert!(
                    found.is_empty(),
                    "{method} {path} {status} as {schema}: {found:?}"
                );
            }
            None => assert_eq!(*body, Value::Null, "{method} {path} {status}"),
        }
    }
    assert_eq!(answers.len(), 14);
}
