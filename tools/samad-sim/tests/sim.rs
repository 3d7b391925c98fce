//! The simulator on its own: the binary prints the contract, plain-HTTP mode for local tools,
//! the bearer token, the admin endpoint, and items kept across restarts (idempotent forever,
//! not for a day).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use kiosk_sync::wire::ItemType;
use samad_sim::{SimConfig, SimStats};
use serde_json::json;
use uuid::Uuid;

fn http() -> reqwest::Client {
    // Plain HTTP still needs a TLS provider chosen for reqwest's builder.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn plain() -> SimConfig {
    SimConfig {
        plain_http: true,
        ..SimConfig::default()
    }
}

#[test]
fn the_binary_prints_the_contract() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_samad-sim"))
        .arg("--openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        kiosk_sync::OPENAPI_YAML
    );
}

#[tokio::test]
async fn plain_http_mode_serves_the_contract_and_still_wants_the_token() {
    let sim = samad_sim::start(plain()).await.unwrap();
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let client = http();
    let doc = client
        .get(format!("{}/openapi.yaml", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    assert_eq!(doc.text().await.unwrap(), kiosk_sync::OPENAPI_YAML);
    let events = format!("{}/v1/kiosks/42/events", sim.base_url());
    let anonymous = client.get(&events).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let ok = client
        .get(&events)
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad_kiosk = client
        .get(format!("{}/v1/kiosks/0/events", sim.base_url()))
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_kiosk.status(), 404);
    assert_eq!(SimStats::get(&sim.stats().unauthorized), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_admin_endpoint_scripts_faults_and_adds_events() {
    let sim = samad_sim::start(plain()).await.unwrap();
    let client = http();
    let base = sim.base_url();
    let set = client
        .post(format!("{base}/admin/faults"))
        .bearer_auth("sim-token")
        .json(&json!({"script": [{"kind": "status", "status": 503}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let events = format!("{base}/v1/kiosks/42/events");
    let first = client
        .get(&events)
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 503);
    let second = client
        .get(&events)
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    let unknown = client
        .post(format!("{base}/admin/events"))
        .bearer_auth("sim-token")
        .json(
            &json!({"service_request_id": "SMD-none", "event_type": "answer",
                      "unit": "u", "person": "p"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let stats: serde_json::Value = client
        .get(format!("{base}/admin/stats"))
        .bearer_auth("sim-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["faults"], 1);
    assert_eq!(stats["requests"], 2);
}

#[tokio::test]
async fn items_are_kept_across_restarts_and_a_replay_gets_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let config = SimConfig {
        db: Some(dir.path().join("sim.db")),
        ..plain()
    };
    let id = Uuid::new_v4();
    let item = [(id, ItemType::Rating, json!({"stars": 4}))];
    let sim = samad_sim::start(config.clone()).await.unwrap();
    let first = sim.db(|db| db.submit(42, &item, &[]).unwrap());
    assert_eq!(first[0].status, 201);
    sim.shutdown().await;

    let sim = samad_sim::start(config).await.unwrap();
    let again = sim.db(|db| db.submit(42, &item, &[]).unwrap());
    assert_eq!(again[0].status, 200);
    assert_eq!(again[0].service_request_id, first[0].service_request_id);
    let changed = [(id, ItemType::Rating, json!({"stars": 1}))];
    let conflict = sim.db(|db| db.submit(42, &changed, &[]).unwrap());
    assert_eq!(conflict[0].status, 409);
    assert!(
        conflict[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("first submission stands")
    );
    assert_eq!(sim.db(|db| db.item_count().unwrap()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_mutual_tls_with_the_certificates_it_writes() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_samad-sim"))
        .args(["--listen", "127.0.0.1:0", "--kiosk", "42", "--cert-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("samad-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let mode = std::fs::metadata(dir.path().join("kiosk.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
    let client = kiosk_sync::SamadClient::new(&kiosk_sync::ClientSettings {
        base_url: url,
        kiosk_number: 42,
        token: "sim-token".into(),
        tls: kiosk_sync::TlsMaterial {
            ca_pem: read("ca.pem"),
            client_cert_pem: read("kiosk.pem"),
            client_key_pem: read("kiosk.key"),
        },
        connect_timeout: std::time::Duration::from_secs(5),
        request_timeout: std::time::Duration::from_secs(5),
    })
    .unwrap();
    let page = client.events(None, 10).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let page = page.unwrap();
    assert!(page.events.is_empty() && !page.has_more);
}

#[tokio::test]
async fn a_case_whose_consent_to_notices_is_not_a_boolean_is_refused_with_a_reason() {
    let sim = samad_sim::start(plain()).await.unwrap();
    let code = kiosk_core::KioskNumber::new(42)
        .and_then(|k| kiosk_core::TrackingCode::new(k, 7))
        .unwrap()
        .as_string();
    let case = |id: Uuid, consent: serde_json::Value| {
        json!({
            "payload_version": 1, "client_uuid": id, "tracking_code": code,
            "kiosk_number": 42, "sequence": 7, "kind": "complaint", "subject_id": "SUBJ-1",
            "national_code": "0012345679", "phone": "09121234567", "description": "d",
            "registered_at": "2026-11-23T03:00:00.000Z", "unit": "u",
            "notice_consent": consent
        })
    };
    let id = Uuid::new_v4();
    let refused = sim.db(|db| {
        db.submit(42, &[(id, ItemType::Case, case(id, json!("yes")))], &[])
            .unwrap()
    });
    assert_eq!(refused[0].status, 422);
    let reason = refused[0].reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("notice_consent must be a boolean"),
        "{reason}"
    );
    // The same case with a boolean is taken.
    let id = Uuid::new_v4();
    let taken = sim.db(|db| {
        db.submit(42, &[(id, ItemType::Case, case(id, json!(true)))], &[])
            .unwrap()
    });
    assert_eq!(taken[0].status, 201, "{:?}", taken[0].reason);
    sim.shutdown().await;
}
