//! A rating at one kiosk of a visit registered at another, counted for the employee who
//! claimed it at a desk: an office of separate processes (PostgreSQL, the agency server with
//! its device CA, SAMAD's simulator, kiosks 11 and 12 and desk terminal 31, each a `kiosk`
//! process on its own kiosk.toml and data directory, enrolled with `kioskctl enroll`).
//!
//! Kiosk 11 (its signing key provisioned with `kioskctl satisfaction keygen`) registers a
//! case; at its start it published its satisfaction key to the agency server. Desk 31 logs a
//! member of staff in with the office's account, claims the visit by scanning the receipt's
//! tracking code and registers the service given. Kiosk 12, which never held kiosk 11's key
//! file, fetches the fleet's keys from the server at its start; the visitor scans the
//! receipt's satisfaction code (read from the QR data the printer was sent) and rates. At SAMAD
//! the rating carries the employee code of the member who claimed the visit, and the case,
//! the service and the rating are each there exactly once (claims never go to SAMAD).
//!
//! The rig is tests/tests/support/mod.rs.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::*;

/// The staff card as the scanner reads it.
const STAFF_CARD: &str = "EMP-2041";
/// The employee code the card carries (the scanner drops the `EMP-` prefix): the office's
/// account at the agency server.
const EMPLOYEE: &str = "2041";

/// The satisfaction URL (`{portal}/s/{token}`) in a slip's ESC/POS bytes: the example's 80 mm
/// printer draws its QR codes itself, so their data travel in clear (`GS ( k`).
fn satisfaction_url(escpos: &[u8], portal: &str) -> String {
    let start = format!("{portal}/s/");
    let at = escpos
        .windows(start.len())
        .position(|w| w == start.as_bytes())
        .expect("a satisfaction code on the receipt");
    let token: String = escpos[at + start.len()..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_')
        .map(|b| char::from(*b))
        .collect();
    assert!(token.len() > 40, "a whole token: {token}");
    format!("{start}{token}")
}

/// The script's inputs, one JSON object a line.
fn script(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn touch(label: &str) -> Value {
    serde_json::json!({ "touch": label })
}

fn scan(text: &str) -> Value {
    serde_json::json!({ "scan": text })
}

/// Digits as the on-screen keys show them (Persian).
fn digits(text: &str) -> Vec<Value> {
    kiosk_core::digits::to_persian_digits(text)
        .chars()
        .map(|c| touch(&c.to_string()))
        .collect()
}

fn errors(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["error"].as_str()).collect()
}

/// Plays `script` on the device of `config` like [`play`], but a run with inputs the device
/// did not offer fails naming them, with the screens it went through.
fn play_all(config: &Path, script: &str, out: &Path) -> Vec<Value> {
    let file = out.with_extension("jsonl");
    std::fs::write(&file, script).unwrap();
    let status = Command::new(bin("kiosk"))
        .arg("--config")
        .arg(config)
        .arg("--script")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    assert!(
        status.success() && errors(&lines).is_empty(),
        "{}: {status}; errors {:?}; screens {:?}",
        config.display(),
        errors(&lines),
        screens(&lines)
    );
    lines
}

/// The items SAMAD's simulator holds, in the order received: (item type, payload).
fn samad_items(db: &Path) -> Vec<(String, Value)> {
    let samad = rusqlite::Connection::open(db).unwrap();
    let mut query = samad
        .prepare("SELECT item_type, body FROM items ORDER BY seq")
        .unwrap();
    query
        .query_map([], |r| {
            let kind: String = r.get(0)?;
            // The simulator keeps `{item_type}:{canonical JSON}`.
            let body: String = r.get(1)?;
            let json = body.strip_prefix(&format!("{kind}:")).unwrap();
            Ok((kind, serde_json::from_str(json).unwrap()))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_rating_at_another_kiosk_counts_for_the_employee_who_claimed_the_visit_at_samad() {
    let office = Office::start();
    let root = office.root();
    let kiosk_a = office.enrol(11);
    let kiosk_b = office.enrol(12);
    let desk = office.enrol_desk(31);
    let text = std::fs::read_to_string(&desk).unwrap();
    std::fs::write(
        &desk,
        text.replacen("mode = \"kiosk\"", "mode = \"desk\"", 1),
    )
    .unwrap();
    let portal = kiosk_config::load(&kiosk_a).unwrap().receipt.portal_url;

    // Kiosk 11's satisfaction key, provisioned into its data directory (never kiosk 12's).
    run(Command::new(bin("kioskctl"))
        .args(["satisfaction", "keygen", "--kiosk", "11", "--out"])
        .arg(root.join("kiosk-11/data/keys")));

    // The office's staff account.
    let mut add = office
        .agency(&[
            "staff-add",
            "--employee-code",
            EMPLOYEE,
            "--display-name",
            "مریم رضایی",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), b"5820\n").unwrap();
    assert!(add.wait().unwrap().success());

    // Kiosk 11: a suggestion registered by touch; the run ends once its outbox is empty.
    let register = script(&[
        touch("ثبت درخواست"),
        serde_json::json!({ "card": NATIONAL }),
        touch("پیشنهاد"),
        touch("کیفیت خدمات"),
        touch("درخواست رسیدگی فوری دارم."),
        touch("ادامه"),
        touch("بدون شماره همراه"),
        touch("تأیید و ثبت"),
    ]);
    let out_a = root.join("a-register");
    let lines = play(&kiosk_a, &register, &out_a);
    assert_eq!(
        screens(&lines).last(),
        Some(&"done"),
        "{:?}",
        screens(&lines)
    );
    let slip = lines
        .iter()
        .find(|l| l["tracking_code"].is_string())
        .expect("a receipt");
    let tracking = slip["tracking_code"].as_str().unwrap().to_owned();
    let escpos = std::fs::read(out_a.join(slip["escpos"].as_str().unwrap())).unwrap();
    let survey = satisfaction_url(&escpos, &portal);

    // Desk 31: the office's account logs in (staff card, PIN), claims the visit by the
    // receipt's tracking code, and registers the service given.
    let mut claim = vec![scan(STAFF_CARD)];
    claim.extend(digits("5820"));
    claim.extend([touch("تأیید"), touch("پذیرش مراجعه"), scan(&tracking)]);
    claim.push(touch("ثبت خدمت"));
    claim.extend(digits("11021"));
    claim.push(touch("تأیید"));
    let lines = play_all(&desk, &script(&claim), &root.join("desk-claim"));
    assert_eq!(
        screens(&lines).last(),
        Some(&"desk-menu"),
        "{:?}",
        screens(&lines)
    );

    // Kiosk 12 never held kiosk 11's key file: it fetched the fleet's keys from the server.
    let keys_b = root.join("kiosk-12/data/keys");
    assert!(!keys_b.join("kiosk-00011.pub").exists());
    let rate = script(&[scan(&survey), touch("خیلی راضی"), touch("ثبت نظر")]);
    let lines = play_all(&kiosk_b, &rate, &root.join("b-rate"));
    assert_eq!(
        screens(&lines).last(),
        Some(&"rate-thanks"),
        "{:?}",
        screens(&lines)
    );
    let cached: Value =
        serde_json::from_str(&std::fs::read_to_string(keys_b.join("fleet-keys.json")).unwrap())
            .unwrap();
    assert!(
        cached["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kiosk_number"] == 11),
        "kiosk 12 cached kiosk 11's key: {cached}"
    );

    // At SAMAD: the case, the service and the rating, each once; the rating counts for the
    // member of staff who claimed the visit.
    let db = root.join("samad.db");
    let mut items = Vec::new();
    eventually(
        "case, service and rating at SAMAD",
        Duration::from_secs(30),
        || {
            items = samad_items(&db);
            ["case", "service", "rating"]
                .iter()
                .all(|t| items.iter().any(|(kind, _)| kind == t))
        },
    );
    // A moment more: nothing arrives twice.
    std::thread::sleep(Duration::from_secs(2));
    items = samad_items(&db);
    let of = |kind: &str| -> Vec<&Value> {
        items
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, body)| body)
            .collect()
    };
    assert_eq!(items.len(), 3, "{items:?}");
    let case = of("case");
    assert_eq!(case.len(), 1);
    assert_eq!(case[0]["tracking_code"], tracking.as_str());
    let service = of("service");
    assert_eq!(service.len(), 1);
    assert_eq!(service[0]["tracking_code"], tracking.as_str());
    assert_eq!(service[0]["employee_code"], EMPLOYEE);
    let rating = of("rating");
    assert_eq!(rating.len(), 1, "{rating:?}");
    assert_eq!(rating[0]["tracking_code"], tracking.as_str());
    assert_eq!(rating[0]["kiosk_number"], 12);
    assert_eq!(rating[0]["issuing_kiosk"], 11);
    assert_eq!(rating[0]["score"], 5);
    assert_eq!(rating[0]["employee_code"], EMPLOYEE);
    assert_eq!(rating[0]["attribution"], "claim");
}
