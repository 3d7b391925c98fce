//! The simulator over real HTTP on loopback: a message taken once however often it is asked
//! for, the reference's other uses refused, the limits and the faults as lib.rs promises.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::{Value, json};
use sms_sim::{Faults, SimConfig, SimHandle, Status};

async fn sim(config: SimConfig) -> SimHandle {
    // reqwest is built without a crypto provider of its own (plain HTTP here needs none).
    let _ = rustls::crypto::ring::default_provider().install_default();
    sms_sim::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap()
}

async fn send(sim: &SimHandle, key: &str, body: &Value) -> (u16, Value, Option<String>) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", sim.base_url()))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), retry)
}

fn message(client_ref: &str) -> Value {
    json!({ "to": "09121234567", "text": "درخواست شما ثبت شد.", "client_ref": client_ref })
}

#[tokio::test]
async fn a_replay_is_answered_with_the_first_message_and_sends_nothing_more() {
    let sim = sim(SimConfig::default()).await;
    let (status, first, _) = send(&sim, "sms-test-key", &message("n-1")).await;
    assert_eq!(status, 201);
    assert_eq!(first["status"], "queued");
    assert_eq!(first["parts"], 1);
    let (status, again, _) = send(&sim, "sms-test-key", &message("n-1")).await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], first["id"]);
    let mut other = message("n-1");
    other["text"] = json!("متنی دیگر");
    let (status, refused, _) = send(&sim, "sms-test-key", &other).await;
    assert_eq!(status, 409);
    assert_eq!(refused["error"], "client_ref_reused");
    let messages = sim.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].requests, 2);
    assert_eq!(messages[0].text, "درخواست شما ثبت شد.");
}

#[tokio::test]
async fn bad_keys_numbers_and_long_texts_are_refused_with_a_reason() {
    let sim = sim(SimConfig::default()).await;
    let (status, body, _) = send(&sim, "wrong", &message("a")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    let mut bad = message("b");
    bad["to"] = json!("0912123456");
    let (status, body, _) = send(&sim, "sms-test-key", &bad).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("invalid_number"))
    );
    let mut long = message("c");
    long["text"] = json!("پ".repeat(135));
    let (status, body, _) = send(&sim, "sms-test-key", &long).await;
    assert_eq!((status, body["error"].as_str()), (422, Some("too_long")));
    long["text"] = json!("پ".repeat(134));
    let (status, body, _) = send(&sim, "sms-test-key", &long).await;
    assert_eq!((status, body["parts"].as_u64()), (201, Some(2)));
    let (status, body, _) = send(&sim, "sms-test-key", &json!({"to": 1})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("malformed")));
    assert_eq!(
        sim.messages().len(),
        1,
        "only the 134-character text was taken"
    );
}

#[tokio::test]
async fn over_the_rate_the_answer_is_429_with_retry_after() {
    let sim = sim(SimConfig {
        rate_per_second: 2,
        burst: 2,
        ..SimConfig::default()
    })
    .await;
    for i in 0..2 {
        let (status, _, _) = send(&sim, "sms-test-key", &message(&format!("r{i}"))).await;
        assert_eq!(status, 201);
    }
    let (status, body, retry) = send(&sim, "sms-test-key", &message("r2")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(retry.as_deref(), Some("1"));
    assert_eq!(sim.rate_limited(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, _, _) = send(&sim, "sms-test-key", &message("r2")).await;
    assert_eq!(status, 201, "a token came back after half a second");
}

#[tokio::test]
async fn delivery_is_reported_after_the_delay_and_a_dead_phone_is_undeliverable() {
    let sim = sim(SimConfig {
        delivery_delay: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await;
    let (_, ok, _) = send(&sim, "sms-test-key", &message("d1")).await;
    let mut dead = message("d2");
    dead["to"] = json!("09120000000");
    let (_, off, _) = send(&sim, "sms-test-key", &dead).await;
    let report = |id: Value| {
        let url = format!("{}/v1/messages/{}", sim.base_url(), id.as_str().unwrap());
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .bearer_auth("sms-test-key")
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()["status"].clone()
        }
    };
    assert_eq!(report(ok["id"].clone()).await, "queued");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(report(ok["id"].clone()).await, "delivered");
    assert_eq!(report(off["id"].clone()).await, "undeliverable");
    assert_eq!(sim.messages()[1].status, Status::Undeliverable);
}

#[tokio::test]
async fn injected_faults_fail_before_taking_and_a_lost_answer_takes_the_message() {
    let sim = sim(SimConfig::default()).await;
    sim.set_faults(Faults {
        fail_next: 2,
        ..Faults::default()
    });
    for _ in 0..2 {
        let (status, _, _) = send(&sim, "sms-test-key", &message("f1")).await;
        assert_eq!(status, 500);
    }
    assert!(sim.messages().is_empty());
    sim.set_faults(Faults {
        lost_answer_rate: 1.0,
        ..Faults::default()
    });
    let lost = reqwest::Client::new()
        .post(format!("{}/v1/messages", sim.base_url()))
        .bearer_auth("sms-test-key")
        .json(&message("f1"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(lost.unwrap_err().is_timeout());
    assert_eq!(sim.messages().len(), 1, "taken though the answer was lost");
    sim.set_faults(Faults::default());
    let (status, _, _) = send(&sim, "sms-test-key", &message("f1")).await;
    assert_eq!(status, 200, "asking again finds the message taken");
    assert_eq!(sim.messages().len(), 1);
}
