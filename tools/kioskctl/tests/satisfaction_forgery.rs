//! `kioskctl satisfaction` against forged codes, as a script would run it: a weak published
//! key (and a signature made without any private key), a genuine code under another portal,
//! over http, with two `/s/` segments or a query string, a code signed by one kiosk's key for a
//! visit registered at another; and `issue --portal` refusing anything but a plain https
//! address.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use kiosk_core::satisfaction::{self, SatisfactionClaim, key_files};
use kiosk_core::{KioskNumber, TrackingCode};
use serde_json::Value;

/// Kiosk 12's visit 427.
const VISIT_12: &str = "1000120000004275";
const ISSUED: &str = "2026-11-23T06:30:00Z";
const NOW: &str = "2026-11-24T00:00:00Z";

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn keygen(dir: &Path, kiosk: &str) {
    let out = kioskctl(&[
        "satisfaction",
        "keygen",
        "--out",
        dir.to_str().unwrap(),
        "--kiosk",
        kiosk,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}

fn issue(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "satisfaction",
        "issue",
        "--key",
        dir.to_str().unwrap(),
        "--kiosk",
        "12",
        "--tracking-code",
        VISIT_12,
        "--issued-at",
        ISSUED,
    ];
    args.extend_from_slice(extra);
    kioskctl(&args)
}

fn issued_url(dir: &Path, extra: &[&str]) -> String {
    let out = issue(dir, extra);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn verify(dir: &Path, code: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "satisfaction",
        "verify",
        code,
        "--keys",
        dir.to_str().unwrap(),
        "--now",
        NOW,
        "--json",
    ];
    args.extend_from_slice(extra);
    kioskctl(&args)
}

/// The refusal reason `verify` gives (exit 1).
fn refused(dir: &Path, code: &str, extra: &[&str]) -> String {
    let out = verify(dir, code, extra);
    assert_eq!(out.status.code(), Some(1), "{code}: {}", stderr_of(&out));
    let json = json_of(&out);
    assert_eq!(json["valid"], false);
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    json["reason"].as_str().unwrap().to_owned()
}

/// base64url without padding (kioskctl's tests have no base64 crate).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

#[test]
fn issue_accepts_only_a_plain_https_portal_and_only_for_the_kiosks_own_visits() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "12");
    for bad in [
        "http://saamad.ir",
        "saamad.ir",
        "ftp://saamad.ir",
        "https://saamad.ir/?x=1",
        "https://saamad.ir#top",
        "https://",
        "https://user@saamad.ir",
        "https://saamad.ir/s/",
    ] {
        let out = issue(dir.path(), &["--portal", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr_of(&out).contains("--portal"),
            "{bad}: {}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty(), "{bad}: nothing issued");
    }
    let url = issued_url(
        dir.path(),
        &["--portal", "https://kiosk.example.ir/portal/"],
    );
    assert!(
        url.starts_with("https://kiosk.example.ir/portal/s/"),
        "{url}"
    );
    // Kiosk 12 asked to issue for a visit of kiosk 13.
    let made = kioskctl(&["tracking-code", "make", "--kiosk", "13", "--sequence", "1"]);
    let visit_13 = String::from_utf8(made.stdout).unwrap().replace(' ', "");
    let out = kioskctl(&[
        "satisfaction",
        "issue",
        "--key",
        dir.path().to_str().unwrap(),
        "--kiosk",
        "12",
        "--tracking-code",
        visit_13.trim(),
        "--issued-at",
        ISSUED,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("00013"), "{}", stderr_of(&out));
}

#[test]
fn a_genuine_code_off_the_portal_or_in_a_bent_url_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "12");
    let url = issued_url(dir.path(), &[]);
    let token = url.strip_prefix("https://saamad.ir/s/").unwrap();
    assert_eq!(json_of(&verify(dir.path(), &url, &[]))["valid"], true);
    assert_eq!(json_of(&verify(dir.path(), token, &[]))["valid"], true);
    for (code, reason) in [
        (format!("https://evil.example/s/{token}"), "wrong_portal"),
        (
            format!("https://saamad.ir.evil.example/s/{token}"),
            "wrong_portal",
        ),
        (format!("http://evil.example/s/{token}"), "not_https"),
        (format!("http://saamad.ir/s/{token}"), "not_https"),
        (format!("https://saamad.ir/s/x/s/{token}"), "bad_url_path"),
        (
            format!("https://saamad.ir/s/{token}/s/{token}"),
            "bad_url_path",
        ),
        (
            format!("https://saamad.ir/s/{token}?utm=qr"),
            "url_query_or_fragment",
        ),
        (
            format!("https://saamad.ir/s/{token}#frag"),
            "url_query_or_fragment",
        ),
    ] {
        assert_eq!(refused(dir.path(), &code, &[]), reason, "{code}");
    }
    // Judged against --portal: the configured portal's URL verifies, the default's does not.
    let other = issued_url(dir.path(), &["--portal", "https://kiosk.example.ir"]);
    assert_eq!(
        refused(dir.path(), &other, &[]),
        "wrong_portal",
        "against the default portal"
    );
    let ok = verify(
        dir.path(),
        &other,
        &["--portal", "https://kiosk.example.ir/"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    assert_eq!(
        refused(dir.path(), &url, &["--portal", "https://kiosk.example.ir"]),
        "wrong_portal"
    );
    let bad_portal = verify(dir.path(), &url, &["--portal", "http://saamad.ir"]);
    assert_eq!(bad_portal.status.code(), Some(2));
}

#[test]
fn a_code_signed_by_another_kiosks_key_for_this_visit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "12");
    keygen(dir.path(), "13");
    // Kiosk 13's genuine key, naming kiosk 13 as issuer, for kiosk 12's visit.
    let key_13 = kiosk_store::signing_keys::own_signing_key(dir.path(), kiosk(13))
        .unwrap()
        .unwrap();
    let claim = SatisfactionClaim {
        kiosk: kiosk(13),
        tracking_code: TrackingCode::parse(VISIT_12).unwrap(),
        service_id: "11021".into(),
        employee_code: None,
        issued_at: ISSUED.parse().unwrap(),
        valid_hours: 72,
    };
    let token = satisfaction::issue(&claim, &key_13).unwrap();
    assert_eq!(refused(dir.path(), &token, &[]), "not_visit_issuer");
    let url = satisfaction::url(satisfaction::DEFAULT_PORTAL, &token);
    let out = verify(dir.path(), &url, &[]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["reason"], "not_visit_issuer");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.contains("00013") && message.contains("00012"),
        "{message}"
    );
    // Without --json: one line on stderr.
    let plain = kioskctl(&[
        "satisfaction",
        "verify",
        &url,
        "--keys",
        dir.path().to_str().unwrap(),
        "--now",
        NOW,
    ]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(
        stderr_of(&plain).contains("may not issue"),
        "{}",
        stderr_of(&plain)
    );
}

#[test]
fn a_weak_published_key_is_refused_and_a_keyless_signature_never_verifies() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "12");
    let url = issued_url(dir.path(), &[]);
    let genuine = satisfaction::token_of(&url).to_owned();
    let (_, body, _) = satisfaction::decode(&genuine).unwrap();
    // Kiosk 12's published key replaced by the identity point (small order); the signature
    // R = identity, S = 0 satisfies the plain Ed25519 equation for any message under it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    std::fs::write(
        dir.path().join("kiosk-00012.pub"),
        key_files::to_hex_line(&identity),
    )
    .unwrap();
    let mut forged = body;
    forged.extend_from_slice(&identity);
    forged.extend_from_slice(&[0u8; 32]);
    let forged = base64url(&forged);
    assert_eq!(
        satisfaction::decode(&forged).unwrap().1,
        satisfaction::decode(&genuine).unwrap().1,
        "the test's base64url matches"
    );
    for code in [&forged, &genuine] {
        let out = verify(dir.path(), code, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        let err = stderr_of(&out);
        assert!(
            err.contains("kiosk-00012.pub") && err.contains("weak"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

fn kiosk(n: u32) -> KioskNumber {
    KioskNumber::new(n).unwrap()
}
