//! A consultation through the script runner (seed 000 §4-4: the desk announces the next visit
//! date or the time of final service): tests/scripts/consultation-next-visit.jsonl, played on
//! the demo's configuration (the shipped kiosk.toml, `[next_visit] consultation =
//! "weekly:tuesday"`). The day is the office's next working Tuesday after the registration day,
//! computed here from the registration time the store kept; it is said on the done screen,
//! printed on the receipt (the line, rendered alone, is found row for row in the slip's
//! picture), kept with the case and queued for SAMAD with it.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Datelike, Weekday};
use kiosk_core::{NextVisitRule, TrackingCode};
use kiosk_receipt::text::Direction;
use kiosk_receipt::{Block, Profile, Raster, ReceiptContent, Variant};
use serde_json::Value;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(name)
}

fn play(script: &Path, dir: &Path) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--demo", "--script"])
        .arg(script)
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = std::fs::read_to_string(dir.join("out/transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !lines.iter().any(|l| l["error"].is_string()),
        "every input was offered: {lines:?}"
    );
    lines
}

/// The rows of `raster` from its first inked row to its last.
fn inked_rows(raster: &Raster) -> Vec<Vec<u8>> {
    let rows: Vec<u32> = (0..raster.height())
        .filter(|&y| !raster.row_is_blank(y))
        .collect();
    let (first, last) = (rows[0], rows[rows.len() - 1]);
    (first..=last).map(|y| raster.row(y).to_vec()).collect()
}

/// Whether the rows of `needle` appear, consecutive and identical, in `slip`.
fn printed_in(slip: &Raster, needle: &[Vec<u8>]) -> bool {
    let rows: Vec<&[u8]> = (0..slip.height()).map(|y| slip.row(y)).collect();
    rows.windows(needle.len())
        .any(|w| w.iter().zip(needle).all(|(a, b)| *a == b.as_slice()))
}

#[test]
fn a_consultation_gets_its_next_visit_said_printed_kept_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    let lines = play(&script("consultation-next-visit.jsonl"), dir.path());
    let screens: Vec<&str> = lines.iter().filter_map(|l| l["screen"].as_str()).collect();
    assert!(
        screens.ends_with(&["review", "printing", "done"]),
        "{screens:?}"
    );

    // The case as kept: a consultation, no response date, the next working Tuesday.
    let slip = lines
        .iter()
        .find(|l| l["tracking_code"].is_string())
        .expect("a receipt");
    let code = TrackingCode::parse(slip["tracking_code"].as_str().unwrap()).unwrap();
    let store = kiosk_store::Store::open(
        dir.path().join("data/kiosk.db"),
        &kiosk_store::OpenOptions::default(),
    )
    .unwrap();
    let case = store
        .case_by_tracking_code(&code)
        .unwrap()
        .expect("the case");
    assert_eq!(case.kind, kiosk_core::CaseKind::Consultation);
    assert_eq!(case.due, None);
    let config = kiosk_config::parse(kiosk_config::EXAMPLE, Path::new("/")).unwrap();
    let expected = kiosk_core::next_visit::next_visit(
        case.registered_at,
        NextVisitRule::Weekly(Weekday::Tue),
        &config.due_date_policy.calendar,
    )
    .unwrap();
    assert_eq!(case.next_visit, Some(expected));
    let day = expected.day.expect("a weekly rule gives a day");
    assert_eq!(day.weekday(), Weekday::Tue);
    assert!(day > kiosk_core::jalali::tehran_date(case.registered_at));
    let jalali = expected.jalali().unwrap();

    // Said on the done screen, after the tracking code, in Persian with the Jalali day.
    let said: Vec<&str> = lines.iter().filter_map(|l| l["say"].as_str()).collect();
    let value = expected.value_fa();
    assert!(value.contains(&jalali.format_fa()) && value.contains("سه‌شنبه"));
    assert!(
        said.iter()
            .any(|t| t.contains("کد رهگیری شما")
                && t.contains(&format!("زمان مراجعه‌ی بعدی: {value}"))),
        "{said:?}"
    );

    // Printed: the line, as the receipt lays it out, is in the slip's picture.
    let png = std::fs::read(dir.path().join("out").join(slip["slip"].as_str().unwrap())).unwrap();
    let printed = kiosk_receipt::png_out::from_png(&png).unwrap();
    let line = |label: &str, value: String| {
        let content = ReceiptContent {
            variant: Variant::Receipt,
            blocks: vec![Block::Field {
                label: label.to_owned(),
                value,
                direction: Direction::Rtl,
            }],
        };
        inked_rows(
            &kiosk_receipt::render(&content, &Profile::MM80)
                .unwrap()
                .raster,
        )
    };
    assert!(
        printed_in(&printed, &line("زمان مراجعه‌ی بعدی", value.clone())),
        "the next-visit line is on the receipt"
    );
    // Control: a line that is not on it is not found.
    let other = day + chrono::Duration::days(7);
    let wrong = kiosk_core::NextVisit {
        day: Some(other),
        ..expected
    };
    assert!(!printed_in(
        &printed,
        &line("زمان مراجعه‌ی بعدی", wrong.value_fa())
    ));

    // Queued for SAMAD with the case.
    let item = store.outbox_item(case.client_uuid).unwrap().unwrap();
    let payload: Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(payload["next_visit"]["rule"], "weekly:tuesday");
    assert_eq!(
        payload["next_visit"]["date"],
        day.format("%Y-%m-%d").to_string()
    );
    assert_eq!(payload["next_visit"]["jalali"], jalali.to_string());
    assert!(payload["due_date"].is_null());
}
