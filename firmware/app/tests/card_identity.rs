//! A visitor's national card at a kiosk whose kiosk.toml names the card authority
//! (`[card] trust_anchors`), through the script runner with the screen's speech on: a card made
//! with a free tool (the right national code, the wrong issuer), an expired card and a card
//! revoked on the authority's list are each refused with what to do instead, spoken, and
//! nothing is registered; the genuine card then opens the journey. The authority, its CRL and
//! the cards are made at test time.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, DnValue, IsCa,
    Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams,
    SerialNumber, date_time_ymd,
};
use serde_json::Value;

const NATIONAL: &str = "0499370899";

/// A card certificate holding `NATIONAL`, with `serial`, valid from `from` to `to` (years).
fn card_params(serial: u64, from: i32, to: i32) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "علی رضایی");
    params.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(NATIONAL.try_into().unwrap()),
    );
    params.serial_number = Some(SerialNumber::from(serial));
    params.not_before = date_time_ymd(from, 1, 1);
    params.not_after = date_time_ymd(to, 1, 1);
    params
}

/// Writes the authority's certificate and CRL (serial 66 revoked) and four cards into `dir`.
fn make_cards(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(DnType::CommonName, "National card CA (made by the test)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let crl = CertificateRevocationListParams {
        this_update: date_time_ymd(2026, 1, 1),
        next_update: date_time_ymd(2030, 1, 1),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(66u64),
            revocation_time: date_time_ymd(2026, 6, 1),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .unwrap();
    std::fs::write(dir.join("cards.crl"), crl.pem().unwrap()).unwrap();

    let key = KeyPair::generate().unwrap();
    for (name, serial, from, to) in [
        ("genuine", 10, 2024, 2034),
        ("expired", 11, 2014, 2024),
        ("revoked", 66, 2024, 2034),
    ] {
        let cert = card_params(serial, from, to)
            .signed_by(&key, &issuer)
            .unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), cert.pem()).unwrap();
    }
    let forged = card_params(10, 2024, 2034).self_signed(&key).unwrap();
    std::fs::write(dir.join("forged.pem"), forged.pem()).unwrap();
}

#[test]
fn forged_expired_and_revoked_cards_are_refused_aloud_and_the_genuine_one_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    make_cards(root);
    let config = kiosk_config::EXAMPLE
        .replace(
            "data_dir = \"/var/lib/kiosk\"",
            &format!("data_dir = \"{}\"", root.join("data").display()),
        )
        .replace(
            "max_certificate_bytes = 8192\n",
            &format!(
                "max_certificate_bytes = 8192\ntrust_anchors = [\"{}\"]\ncrls = [\"{}\"]\n",
                root.join("ca.pem").display(),
                root.join("cards.crl").display()
            ),
        );
    assert!(
        config.contains("trust_anchors = ["),
        "the example's [card] moved"
    );
    std::fs::write(root.join("kiosk.toml"), config).unwrap();
    let card = |name: &str| {
        format!(
            "{{\"card_certificate\": \"{}\"}}\n",
            root.join(format!("{name}.pem")).display()
        )
    };
    let script = format!(
        "{{\"headphones\": true}}\n{}{}{}{}",
        card("forged"),
        card("expired"),
        card("revoked"),
        card("genuine")
    );
    std::fs::write(root.join("cards.jsonl"), script).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .arg("--config")
        .arg(root.join("kiosk.toml"))
        .arg("--script")
        .arg(root.join("cards.jsonl"))
        .arg("--out")
        .arg(root.join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<Value> = std::fs::read_to_string(root.join("out/transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    // What was said after each card, up to the next card.
    let mut after_card: Vec<Vec<&str>> = Vec::new();
    let mut screens_after: Vec<Vec<&str>> = Vec::new();
    for line in &lines {
        if line["input"]["card_certificate"].is_string() {
            after_card.push(Vec::new());
            screens_after.push(Vec::new());
        } else if let (Some(said), Some(last)) = (line["say"].as_str(), after_card.last_mut()) {
            last.push(said);
        } else if let (Some(screen), Some(last)) =
            (line["screen"].as_str(), screens_after.last_mut())
        {
            last.push(screen);
        }
    }
    assert_eq!(after_card.len(), 4, "{lines:?}");
    let heard = |i: usize, part: &str| after_card[i].iter().any(|t| t.contains(part));
    assert!(heard(0, "معتبر شناخته نشد"), "forged: {:?}", after_card[0]);
    assert!(heard(1, "به پایان رسیده"), "expired: {:?}", after_card[1]);
    assert!(heard(2, "باطل شده"), "revoked: {:?}", after_card[2]);
    for refused in &screens_after[..3] {
        assert!(
            refused.iter().all(|s| *s == "identify"),
            "a refused card leads nowhere but the identify screen: {refused:?}"
        );
    }
    assert_eq!(
        screens_after[3].first(),
        Some(&"kind"),
        "the genuine card opens the journey: {:?}",
        screens_after[3]
    );
    // The log says why in English; nothing was registered.
    assert!(stderr.contains("a card was not taken"), "{stderr}");
    assert!(stderr.contains("not trusted"), "{stderr}");
    let store = kiosk_store::Store::open(
        root.join("data/kiosk.db"),
        &kiosk_store::OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(store.counts().unwrap().cases, 0);
}
