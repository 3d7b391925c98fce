//! No national code, phone number or PIN in the agency server's logs (issue 18, Security).
//!
//! Everything the server's code and its libraries log at any level is captured by a
//! subscriber of this test binary, while devices do what they do in a day and worse: cases
//! with national codes and phones (new, retried, conflicting, malformed, with a bad check
//! digit), case look-ups that hit, miss and name a stranger's code, staff logins with right
//! and wrong PINs, and the server relays the cases to SAMAD (the simulator) and back. Then the
//! log is searched for each of those values, in ASCII and in Persian digits.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use agency_server::upstream::Upstream;
use kiosk_sync::wire::{CaseLookup, ItemType, StaffLogin, SubmitBatch, SubmitItem};
use serde_json::{Value, json};
use support::{Office, case_item, national_code, tracking_code};

/// The log, as every subscriber line writes it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Whether `secret` is in `log`. A short one (a PIN) counts only where it stands as a token of
/// its own ([`contains_token`]): the libraries' TRACE lines print random nonces and tickets in
/// hexadecimal, where any five digits turn up now and then (`…1d22468046e…`). Ten digits or
/// more (national codes, phones) turn up in random hexadecimal about once in 16¹⁰ places, so
/// they count anywhere, escaped (`\n0013456781`) or percent-encoded (`%200013456781`) too.
fn leaked(log: &str, secret: &str) -> bool {
    if secret.chars().count() >= 10 {
        log.contains(secret)
    } else {
        contains_token(log, secret)
    }
}

/// Whether `needle` stands in `log` as a token of its own: not inside a longer run of letters
/// and digits (`pin=24680` is found, `…1d22468046e…` is not).
fn contains_token(log: &str, needle: &str) -> bool {
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    log.match_indices(needle).any(|(at, _)| {
        !glued(log[..at].chars().next_back()) && !glued(log[at + needle.len()..].chars().next())
    })
}

/// `digits` in Persian digits.
fn persian(digits: &str) -> String {
    digits
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap(),
            None => c,
        })
        .collect()
}

fn item(payload: Value) -> SubmitItem {
    SubmitItem {
        item_id: payload["item_id"].as_str().unwrap().parse().unwrap(),
        item_type: ItemType::Case,
        payload: serde_json::value::to_raw_value(&payload["payload"]).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_national_code_phone_or_pin_reaches_the_servers_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    // As an operator chasing a problem might run it: everything, the driver's statements too
    // (the server holds the driver at info whatever is asked, by any of its targets).
    agency_server::logging::init(
        Some("trace,tokio_postgres=trace,tokio_postgres::query=trace"),
        move || writer.clone(),
        false,
    )
    .unwrap();

    let office = Office::new().await;
    let server = office.server().await;
    let kiosk = office.device(&server, 11, &office.enrol(&server, 11).await);
    let other = office.device(&server, 12, &office.enrol_desk(&server, 12).await);
    let mut secrets: Vec<String> = Vec::new();

    // Cases with national codes and phones: new, retried, a second item with the same
    // tracking code, a bad check digit, a bad phone.
    let mut items = Vec::new();
    for sequence in 1..=5 {
        let national = national_code(&format!("00{sequence}345678"));
        let (_, mut case) = case_item(11, sequence, &national);
        let phone = format!("0912{sequence:03}4567");
        case["payload"]["phone"] = json!(phone);
        secrets.push(national);
        secrets.push(phone);
        items.push(item(case));
    }
    let batch = SubmitBatch { items };
    let first = kiosk.submit_batch(&batch).await.unwrap();
    assert!(first.results.iter().all(|r| r.status == 201), "{first:?}");
    let again = kiosk.submit_batch(&batch).await.unwrap();
    assert!(again.results.iter().all(|r| r.status == 200), "{again:?}");
    let (_, mut same_code) = case_item(11, 1, &secrets[0]);
    same_code["payload"]["phone"] = json!(secrets[1]);
    let valid = national_code("006345678");
    let last = valid.as_bytes()[9] - b'0';
    let wrong_check = format!("{}{}", &valid[..9], (last + 1) % 10);
    let (_, mut bad_check) = case_item(11, 6, &valid);
    bad_check["payload"]["national_code"] = json!(wrong_check);
    secrets.push(wrong_check);
    let (_, mut bad_phone) = case_item(11, 7, &national_code("007345678"));
    bad_phone["payload"]["phone"] = json!("0999123456789");
    secrets.push(national_code("007345678"));
    secrets.push("0999123456789".into());
    let refused = kiosk
        .submit_batch(&SubmitBatch {
            items: vec![item(same_code), item(bad_check), item(bad_phone)],
        })
        .await
        .unwrap();
    assert!(
        refused.results.iter().all(|r| r.status >= 400),
        "{refused:?}"
    );

    // A malformed body carrying a national code.
    let malformed = office
        .client()
        .post(format!("{}/v1/kiosks/11/submissions", server.base_url()))
        .body(format!(
            "{{\"items\": [{{\"national_code\": \"{}\"",
            secrets[2]
        ))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert!(malformed.status().is_client_error());

    // Look-ups: a hit, the wrong national code, an unknown case, from another kiosk.
    let hit = other
        .look_up_case(&CaseLookup {
            tracking_code: tracking_code(11, 1),
            national_code: secrets[0].clone(),
            identity: None,
        })
        .await
        .unwrap();
    assert!(hit.is_some());
    let stranger = national_code("009876543");
    secrets.push(stranger.clone());
    for (tracking, national) in [
        (tracking_code(11, 2), stranger.clone()),
        (tracking_code(11, 99), secrets[4].clone()),
    ] {
        let miss = other
            .look_up_case(&CaseLookup {
                tracking_code: tracking,
                national_code: national,
                identity: None,
            })
            .await
            .unwrap();
        assert!(miss.is_none());
    }

    // Staff logins: a right PIN, a wrong one.
    agency_server::staff::add(&office.pool, "E-7", "مریم احمدی", "24680")
        .await
        .unwrap();
    other
        .staff_login(&StaffLogin {
            employee_code: "E-7".into(),
            pin: "24680".into(),
        })
        .await
        .unwrap();
    other
        .staff_login(&StaffLogin {
            employee_code: "E-7".into(),
            pin: "13579".into(),
        })
        .await
        .unwrap_err();
    secrets.push("24680".into());
    secrets.push("13579".into());

    // The server relays the cases to SAMAD and back.
    let sim = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    let upstream = Upstream::new(office.pool.clone(), support::samad_upstream(&sim));
    support::relay_everything(&upstream, &office.pool).await;
    upstream.pull_events().await.unwrap();
    server.shutdown().await;
    sim.shutdown().await;

    let log = captured.text();
    assert!(
        log.contains("device enrolled") && log.lines().count() > 20,
        "the server logged its day: {log}"
    );
    let found: Vec<&String> = secrets
        .iter()
        .filter(|s| leaked(&log, s) || leaked(&log, &persian(s)))
        .collect();
    assert!(found.is_empty(), "in the log: {found:?}\n{log}");
}

#[test]
fn a_secret_is_found_as_a_token_not_inside_a_hexadecimal_blob() {
    assert!(contains_token("login refused pin=24680", "24680"));
    assert!(contains_token(
        "{\"mobile\":\"09121234567\"}",
        "09121234567"
    ));
    assert!(contains_token("۲۴۶۸۰", "۲۴۶۸۰"));
    assert!(!contains_token(
        "nonce: c02679df29b9b41d22468046e1247f",
        "24680"
    ));
    assert!(!contains_token("code 1246801", "24680"));
    assert!(leaked("description: \\n0013456781", "0013456781"));
    assert!(leaked("GET /x?q=%200013456781", "0013456781"));
    assert!(!leaked("ticket: d04edaa8024680f25", "24680"));
}
