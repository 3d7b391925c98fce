//! A visitor without an Iranian national code through the script runner (docs/identity.md): a
//! kiosk.toml that accepts the foreign nationals' identifier and passports (`[identity]`), the
//! scripts in tests/scripts/foreign-*.jsonl played by the `kiosk` binary. A passport holder
//! registers a suggestion after two refusals (a short number, an unknown country: Persian
//! messages, nothing written), the receipt prints the passport masked, the case is kept and
//! queued for SAMAD with the passport in full, and it is followed up with its tracking code and
//! the same passport (another passport finds nothing). A blind visitor reaches the foreign
//! identifier with the tactile keypad alone. The same kiosk.toml without `[identity]` offers none
//! of it.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// kiosk.toml: the shipped example with its data in `dir`, foreign identifiers and passports
/// accepted when `accept`.
fn config(dir: &Path, accept: bool) -> PathBuf {
    let mut text = kiosk_config::EXAMPLE.replace(
        "data_dir = \"/var/lib/kiosk\"",
        &format!("data_dir = \"{}\"", dir.join("data").display()),
    );
    if accept {
        text = text
            .replace("foreign_id = false", "foreign_id = true")
            .replace("passport = false", "passport = true");
    }
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn script(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scripts")
            .join(name),
    )
    .unwrap()
}

fn play(config: &Path, script: &str, out: &Path) -> Vec<Value> {
    let file = out.with_extension("jsonl");
    std::fs::write(&file, script).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("--config")
        .arg(config)
        .arg("--script")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let lines: Vec<Value> = std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        output.status.success(),
        "{}\n{lines:#?}",
        String::from_utf8_lossy(&output.stderr)
    );
    lines
}

fn screens(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["screen"].as_str()).collect()
}

fn said(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["say"].as_str()).collect()
}

fn store(dir: &Path) -> kiosk_store::Store {
    kiosk_store::Store::open(
        dir.join("data/kiosk.db"),
        &kiosk_store::OpenOptions::default(),
    )
    .unwrap()
}

#[test]
fn a_passport_holder_registers_a_case_gets_a_masked_receipt_and_follows_it_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), true);
    let lines = play(
        &config,
        &script("foreign-visitor-passport.jsonl"),
        &dir.path().join("out"),
    );
    let shown = screens(&lines);
    assert_eq!(shown.first(), Some(&"attract"));
    assert!(shown.contains(&"done"), "{shown:?}");

    // The two refusals were on the screen in Persian (the script waits for each message:
    // `wait_for` fails the run when the screen does not show it), and kept nothing.
    let store = store(dir.path());
    let code = lines
        .iter()
        .find_map(|l| l["tracking_code"].as_str())
        .expect("a receipt");
    let tracking = kiosk_core::TrackingCode::parse(code).unwrap();
    let case = store
        .case_by_tracking_code(&tracking)
        .unwrap()
        .expect("the case");
    let visitor = case.visitor.clone().expect("an identifier");
    assert_eq!(visitor.kind(), kiosk_core::IdentityKind::Passport);
    assert_eq!(visitor.value(), "P01234567");
    assert_eq!(visitor.country().map(|c| c.alpha3), Some("AFG"));
    assert_eq!(
        store.counts().unwrap().cases,
        1,
        "the refusals wrote nothing"
    );

    // SAMAD gets the passport in full, and no national code.
    let item = store.outbox_item(case.client_uuid).unwrap().unwrap();
    let payload: Value = serde_json::from_str(&item.payload).unwrap();
    assert!(payload["national_code"].is_null(), "{payload}");
    assert_eq!(
        payload["identity"],
        serde_json::json!({"kind": "passport", "value": "P01234567", "country": "AFG"})
    );

    // The receipt: the passport under its own name, masked; never in full.
    let slip = lines
        .iter()
        .find(|l| l["tracking_code"].is_string())
        .unwrap();
    let text: Vec<&str> = slip["text"]
        .as_array()
        .expect("the slip's words")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(text.contains(&"شماره گذرنامه: ******۵۶۷ AFG"), "{text:#?}");
    let all = text.join("\n");
    assert!(
        !all.contains("P01234567") && !all.contains("P۰۱۲۳۴۵۶۷") && !all.contains("کد ملی"),
        "{all}"
    );
    assert!(slip["slip"].is_string(), "the receipt as PNG");
    // Nor is it said in full through the loudspeaker, or shown on a screen's words.
    for line in &lines {
        let words = line.to_string();
        assert!(!words.contains("P01234567"), "{words}");
    }

    // Followed up with the tracking code and the same passport: the timeline; with another
    // passport, nothing.
    let follow = |number: &str| {
        let mut s = vec![r#"{"touch": "پیگیری درخواست"}"#.to_owned()];
        s.extend(
            code.chars()
                .map(|d| format!(r#"{{"touch": "{}"}}"#, persian(d))),
        );
        s.push(r#"{"touch": "ادامه"}"#.to_owned());
        s.push(r#"{"touch": "کد ملی ندارم"}"#.to_owned());
        s.push(r#"{"touch": "شماره گذرنامه"}"#.to_owned());
        s.extend(number.chars().map(|c| format!(r#"{{"touch": "{c}"}}"#)));
        s.push(r#"{"touch": "ادامه"}"#.to_owned());
        s.extend("afg".chars().map(|c| format!(r#"{{"touch": "{c}"}}"#)));
        s.push(r#"{"touch": "ادامه"}"#.to_owned());
        s.join("\n")
    };
    let found = play(&config, &follow("p01234567"), &dir.path().join("follow"));
    assert_eq!(screens(&found).last(), Some(&"follow-up"), "{found:#?}");
    let other = play(&config, &follow("p07654321"), &dir.path().join("other"));
    assert_ne!(screens(&other).last(), Some(&"follow-up"));
    assert!(
        said(&other).is_empty() || !screens(&other).contains(&"follow-up"),
        "another passport sees nothing"
    );
}

/// A Persian digit for an ASCII one (the on-screen keypad's labels in a Persian session).
fn persian(d: char) -> char {
    char::from_u32(0x06F0 + d.to_digit(10).unwrap()).unwrap()
}

#[test]
fn a_blind_visitor_reaches_the_foreign_identifier_with_the_keypad_alone() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), true);
    let lines = play(
        &config,
        &script("foreign-id-keys.jsonl"),
        &dir.path().join("out"),
    );
    assert_eq!(screens(&lines).last(), Some(&"kind"), "{lines:#?}");
    let said = said(&lines);
    assert!(said.iter().any(|t| t.contains("کد ملی ندارم")), "{said:?}");
    assert!(
        said.iter()
            .any(|t| t.contains("شناسه اتباع خارجی دوازده رقم دارد")),
        "the eleven digits refused aloud: {said:?}"
    );
    // Through the loudspeaker the digits are counted, never read.
    assert!(!said.iter().any(|t| t.contains("۱۲۳۴۵۶")), "{said:?}");
}

#[test]
fn without_identity_in_kiosk_toml_no_other_identifier_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), false);
    let out = dir.path().join("out");
    let file = out.with_extension("jsonl");
    std::fs::write(
        &file,
        "{\"touch\": \"ثبت درخواست\"}\n{\"touch\": \"کد ملی ندارم\"}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("--config")
        .arg(&config)
        .arg("--script")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success(), "the button is not there");
    let transcript = std::fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(transcript.contains("no «کد ملی ندارم»"), "{transcript}");
}
