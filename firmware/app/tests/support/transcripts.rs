//! What the journeys of blind and switch-using visitors sound like, kept as fixtures beside the
//! tests (firmware/app/tests/transcripts/*.jsonl): each line a screen shown, a sentence said
//! (with whether it cut in), an input played or a slip printed, at its injected time. The runs
//! start at a fixed time (`{"start": …}`), so the dates said are the same every time.
//!
//! A journey's test compares its run with its fixture ([`matches_fixture`]): a change in what a
//! visitor hears shows up as a failing test and then as a diff in review. After an intended
//! change, `UPDATE_TRANSCRIPTS=1 cargo test -p kiosk --test script_runner` writes them anew.
//! The fixtures themselves are read and checked by [`check_heard`]: every screen spoken, no
//! sentence cut off unless the visitor did something.

// Included by several test files, each using part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::{Value, json};

/// The time the fixture journeys start at: a Monday morning in Tehran.
pub const START: &str = r#"{"start": "2026-12-07T09:30:00+03:30"}"#;

/// The directory of the committed transcripts.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts")
}

/// A transcript line as kept in a fixture: what the visitor met, without the run's file names
/// and with the satisfaction code's random token (the kiosk's key is made per run) replaced.
fn heard(line: &Value) -> Option<Value> {
    let t = line["t"].clone();
    if let Some(screen) = line["screen"].as_str() {
        let mut kept = json!({ "t": t, "screen": screen });
        if line["blank"] == true {
            kept["blank"] = json!(true);
        }
        return Some(kept);
    }
    if line["say"].is_string() {
        return Some(json!({
            "t": t,
            "say": line["say"],
            "lang": line["lang"],
            "interrupt": line["interrupt"],
        }));
    }
    if let Some(input) = line.get("input") {
        let mut input = input.clone();
        if input["scan"].as_str().is_some_and(|s| s.contains("/s/")) {
            input["scan"] = json!("<the receipt's satisfaction code>");
        }
        return Some(json!({ "t": t, "input": input }));
    }
    if line["escpos"].is_string() {
        return Some(json!({ "t": t, "slip": true, "tracking_code": line["tracking_code"] }));
    }
    if line["volume"].is_u64() || line["error"].is_string() {
        let mut kept = line.clone();
        if let Some(object) = kept.as_object_mut() {
            object.remove("line");
        }
        return Some(kept);
    }
    None
}

/// The fixture text of a run's transcript lines.
fn fixture_text(lines: &[Value]) -> String {
    lines
        .iter()
        .filter_map(heard)
        .map(|l| l.to_string() + "\n")
        .collect()
}

/// Compares the run's `lines` with the fixture `name`.jsonl (or writes it, with
/// `UPDATE_TRANSCRIPTS=1`); panics at the first line that differs.
pub fn matches_fixture(name: &str, lines: &[Value]) {
    let path = dir().join(format!("{name}.jsonl"));
    let text = fixture_text(lines);
    if std::env::var_os("UPDATE_TRANSCRIPTS").is_some() {
        std::fs::create_dir_all(dir()).expect("the fixtures' directory");
        std::fs::write(&path, &text).expect("the fixture is written");
        return;
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with UPDATE_TRANSCRIPTS=1 and review it",
            path.display()
        )
    });
    for (i, (now, then)) in text.lines().zip(kept.lines()).enumerate() {
        assert_eq!(
            now,
            then,
            "{} line {}: the journey sounds different now (if intended, UPDATE_TRANSCRIPTS=1)",
            path.display(),
            i + 1
        );
    }
    assert_eq!(
        text.lines().count(),
        kept.lines().count(),
        "{}: the journey is longer or shorter now (if intended, UPDATE_TRANSCRIPTS=1)",
        path.display()
    );
}

/// Every screen after the first (shown before the headphones, to nobody listening) is spoken:
/// something is said in answer to the input that showed it (between that input and the next;
/// the rating pages say their words before the runner writes the page down).
pub fn assert_no_silent_screen(lines: &[Value]) {
    for (i, line) in lines.iter().enumerate().skip(1) {
        if line["screen"].is_string() {
            let from = lines[..i]
                .iter()
                .rposition(|l| l.get("input").is_some())
                .map_or(0, |p| p + 1);
            let to = lines[i..]
                .iter()
                .position(|l| l.get("input").is_some())
                .map_or(lines.len(), |p| i + p);
            assert!(
                lines[from..to].iter().any(|l| l["say"].is_string()),
                "screen {} (line {i}) is silent",
                line["screen"]
            );
        }
    }
}

/// How long a sentence takes to say at the kiosk's default rate (150 words a minute, as
/// tools/bench/keys_journey.sh measures it with espeak-ng), in milliseconds of injected time.
pub fn speaking_ms(text: &str) -> u64 {
    let words = u64::try_from(text.split_whitespace().count()).unwrap_or(u64::MAX);
    words.saturating_mul(400)
}

/// No sentence is cut off unless the visitor did something: a sentence that cuts in while
/// another is still being said (by [`speaking_ms`], queued sentences one after another) comes
/// right after a screen appeared or an input of the visitor's (a key, a switch, a card, a scan;
/// the levels a key set come between the key and what it says).
pub fn assert_cut_in_only_after_the_visitor(lines: &[Value]) {
    let mut speaking_until = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(text) = line["say"].as_str() else {
            continue;
        };
        let t = line["t"].as_u64().expect("a time");
        let interrupt = line["interrupt"] == true;
        if interrupt && t < speaking_until {
            let before = lines[..i]
                .iter()
                .rev()
                .find(|l| !l["volume"].is_u64())
                .expect("a line before");
            let by_visitor = before["input"].as_object().is_some_and(|o| {
                ["key", "hold", "switch", "card", "scan", "headphones"]
                    .iter()
                    .any(|k| o.contains_key(*k))
            });
            assert!(
                before["screen"].is_string() || by_visitor,
                "«{text}» (line {}, {t} ms) cuts off what was still being said until {speaking_until} ms, after {before}",
                i + 1
            );
        }
        let start = if interrupt { t } else { t.max(speaking_until) };
        speaking_until = start + speaking_ms(text);
    }
}

/// What a committed transcript must show: inputs without the touchscreen, something said,
/// nothing cut off unless the visitor did something, and, when the visitor listens (headphones
/// in), every screen spoken. (A switch user who reads the screen hears the switch check only.)
pub fn check_heard(name: &str, lines: &[Value]) {
    assert!(
        lines.iter().any(|l| l["say"].is_string()),
        "{name}: nothing said"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.get("input").is_some_and(|i| i.get("touch").is_some())),
        "{name}: a blind or switch visitor's journey has no touch"
    );
    let listening = lines
        .iter()
        .any(|l| l["input"].get("headphones") == Some(&Value::Bool(true)));
    if listening {
        assert_no_silent_screen(lines);
    }
    assert_cut_in_only_after_the_visitor(lines);
}
