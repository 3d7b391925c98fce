//! A complaint about an official through the script runner (seed 000 §10-3): a kiosk.toml
//! whose catalogue has a subject that may concern officials (`about_officials = true`); the
//! visitor, speech on, chooses the official's tier, hears where the complaint goes, sees it on
//! the review, and the case is kept and queued for SAMAD with the tier and its authority; the
//! receipt prints it. A complaint on another subject is not asked.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use kiosk_core::escalation::OfficialTier;
use serde_json::Value;

/// kiosk.toml: the shipped example with its data in `dir` and one more subject, about officials.
fn config(dir: &Path) -> std::path::PathBuf {
    let text = format!(
        "{}\n[[subject]]\nid = \"officials\"\nlabel_fa = \"رفتار یا تصمیم مسئولان\"\n\
         label_en = \"Conduct or decisions of officials\"\nkinds = [\"complaint\"]\n\
         about_officials = true\n",
        kiosk_config::EXAMPLE.replace(
            "data_dir = \"/var/lib/kiosk\"",
            &format!("data_dir = \"{}\"", dir.join("data").display()),
        )
    );
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
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
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn screens(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["screen"].as_str()).collect()
}

#[test]
fn a_complaint_about_a_provincial_official_is_routed_to_the_governor_general_and_kept_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    // In speech mode a first touch says a button, a second does it.
    let script = std::iter::once(r#"{"headphones": true}"#.to_owned())
        .chain(
            [
                "ثبت درخواست",
                "CARD",
                "شکایت",
                "رفتار یا تصمیم مسئولان",
                "مدیر کل استانی یا فرماندار",
                "درخواست رسیدگی فوری دارم.",
                "ادامه",
                "بدون شماره همراه",
                "تأیید و ثبت",
            ]
            .into_iter()
            .flat_map(|label| match label {
                "CARD" => vec![r#"{"card": "0499370899"}"#.to_owned()],
                _ => vec![format!(r#"{{"touch": "{label}"}}"#); 2],
            }),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let lines = play(&config, &script, &dir.path().join("out"));
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "official",
            "description",
            "mobile",
            "review",
            "printing",
            "done"
        ]
    );
    let said: Vec<&str> = lines.iter().filter_map(|l| l["say"].as_str()).collect();
    assert!(
        said.iter()
            .any(|t| t.contains("استاندار") && t.contains("ماده ۱۰-۳")),
        "where it goes is said when chosen: {said:?}"
    );
    assert!(
        said.iter()
            .any(|t| t.contains("رسیدگی به شکایت از مسئولان") && t.contains("استاندار")),
        "and read on the review: {said:?}"
    );

    // Kept with its tier, and queued for SAMAD with the authority.
    let store = kiosk_store::Store::open(
        dir.path().join("data/kiosk.db"),
        &kiosk_store::OpenOptions::default(),
    )
    .unwrap();
    let code = lines
        .iter()
        .find_map(|l| l["tracking_code"].as_str())
        .expect("a receipt");
    let case = store
        .case_by_tracking_code(&kiosk_core::TrackingCode::parse(code).unwrap())
        .unwrap()
        .expect("the case");
    assert_eq!(case.official_tier, Some(OfficialTier::Province));
    let item = store
        .outbox_item(case.client_uuid)
        .unwrap()
        .expect("its outbox item");
    let payload: Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(payload["official_tier"], "province");
    assert_eq!(payload["escalated_to"], "governor_general");

    // A complaint on another subject is not asked, and carries no tier.
    let other = [
        r#"{"touch": "ثبت درخواست"}"#,
        r#"{"card": "0499370899"}"#,
        r#"{"touch": "شکایت"}"#,
        r#"{"touch": "رفتار کارکنان"}"#,
        r#"{"touch": "درخواست رسیدگی فوری دارم."}"#,
        r#"{"touch": "ادامه"}"#,
        r#"{"touch": "بدون شماره همراه"}"#,
        r#"{"touch": "تأیید و ثبت"}"#,
    ]
    .join("\n");
    let lines = play(&config, &other, &dir.path().join("out-2"));
    assert!(
        !screens(&lines).contains(&"official"),
        "{:?}",
        screens(&lines)
    );
    let code = lines
        .iter()
        .find_map(|l| l["tracking_code"].as_str())
        .expect("a receipt");
    let case = store
        .case_by_tracking_code(&kiosk_core::TrackingCode::parse(code).unwrap())
        .unwrap()
        .expect("the case");
    assert_eq!(case.official_tier, None);
}
