//! The script runner as a reviewer uses it: the `kiosk` binary itself, `--demo --script FILE
//! --out DIR --data-dir DIR`, on the scripts in tests/scripts/, its transcript read back line by
//! line and checked against the files it names and the store file the run left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod support;
use support::transcripts::{self, START, assert_no_silent_screen};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scripts")
        .join(name)
}

/// Runs the runner; returns its output and the transcript's lines.
fn run(script: &Path, dir: &Path) -> (Output, Vec<Value>) {
    let out = dir.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--demo", "--script"])
        .arg(script)
        .arg("--out")
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .expect("the kiosk binary runs");
    let transcript = std::fs::read_to_string(out.join("transcript.jsonl")).unwrap_or_default();
    let lines = transcript
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (output, lines)
}

/// Plays `script` and checks that the run succeeded and that the kiosk took every input; the
/// transcript's lines.
fn run_offered(script: &Path, dir: &Path) -> Vec<Value> {
    let (output, lines) = run(script, dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !lines.iter().any(|l| l["error"].is_string()),
        "every key was offered: {lines:?}"
    );
    lines
}

fn said(lines: &[Value]) -> Vec<(&str, bool)> {
    lines
        .iter()
        .filter_map(|l| Some((l["say"].as_str()?, l["interrupt"].as_bool()?)))
        .collect()
}

fn screens(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["screen"].as_str()).collect()
}

/// The Persian digits of a spoken tracking code, as ASCII.
fn spoken_digits(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '۰'..='۹' => char::from_digit(c as u32 - '۰' as u32, 10),
            _ => None,
        })
        .collect()
}

fn tracking(digits: &str) -> kiosk_core::TrackingCode {
    kiosk_core::TrackingCode::parse(digits).unwrap_or_else(|e| panic!("{digits}: {e}"))
}

fn store(dir: &Path) -> kiosk_store::Store {
    kiosk_store::Store::open(
        dir.join("data/kiosk.db"),
        &kiosk_store::OpenOptions::default(),
    )
    .expect("the run's store opens")
}

#[test]
fn paper_out_in_speech_mode_says_the_failure_then_the_tracking_code_neither_cut_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, lines) = run(&script("paper-out-speech.jsonl"), dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let screens = screens(&lines);
    let review = screens.iter().position(|s| *s == "review").expect("review");
    assert_eq!(
        &screens[review..review + 3],
        ["review", "printing", "printer-out"]
    );
    assert_eq!(screens.last(), Some(&"attract"), "the session ends idle");

    let said = said(&lines);
    let failure = said
        .iter()
        .position(|(text, _)| text.contains("رسید چاپ نشد"))
        .expect("the failure sentence is spoken");
    assert!(said[failure].1, "the failure cuts off «printing…»");
    let (code_sentence, interrupts) = said[failure + 1];
    assert!(code_sentence.contains("کد رهگیری"), "{code_sentence}");
    assert!(
        !interrupts,
        "the tracking code waits for the failure sentence to end"
    );
    // Nothing cuts the tracking code off until the visitor has been idle for the warning: in
    // speech mode twice the example's 90 s ([session] assisted_factor = 2). The warning itself
    // waits its turn and says the seconds left (60 s, twice the example's 30 s).
    let spoken: Vec<&Value> = lines.iter().filter(|l| l["say"].is_string()).collect();
    let next_interrupt = spoken[failure + 2..]
        .iter()
        .find(|l| l["interrupt"] == true)
        .expect("the session's end is spoken later");
    assert!(
        next_interrupt["t"].as_u64() >= Some(180_000),
        "{next_interrupt}"
    );
    let warning = spoken
        .iter()
        .find(|l| l["say"].as_str().is_some_and(|t| t.contains("ثانیه")))
        .expect("the idle warning");
    assert!(warning["t"].as_u64() >= Some(180_000), "{warning}");
    assert!(
        warning["say"]
            .as_str()
            .is_some_and(|t| t.contains("۶۰ ثانیه")),
        "{warning}"
    );

    // The spoken code is the case in the store, kept and queued for reprint; nothing printed.
    let digits = spoken_digits(code_sentence);
    assert!(
        digits.len() > 16,
        "16 digits, then the due date: {code_sentence}"
    );
    assert!(!lines.iter().any(|l| l["escpos"].is_string()), "no slip");
    let store = store(dir.path());
    let case = store
        .case_by_tracking_code(&tracking(&digits[..16]))
        .expect("look-up")
        .expect("the spoken code is a case in the store");
    assert_eq!(case.tracking_code.as_string(), digits[..16]);
    assert_eq!(store.counts().expect("counts").cases, 1);
}

#[test]
fn a_printed_receipt_is_written_as_png_and_escpos_with_its_tracking_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, lines) = run(&script("receipt-typed-code.jsonl"), dir.path());
    let out = dir.path().join("out");

    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a slip line");
    let code = slip["tracking_code"].as_str().expect("the receipt's code");
    assert_eq!(code.len(), 16);
    let escpos = std::fs::read(out.join(slip["escpos"].as_str().expect("name"))).expect("bytes");
    assert_eq!(
        &escpos[..2],
        b"\x1b@",
        "a job starts by resetting the printer"
    );
    let png = std::fs::read(out.join(slip["slip"].as_str().expect("name"))).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        store(dir.path())
            .case_by_tracking_code(&tracking(code))
            .expect("look-up")
            .is_some()
    );
    // Every screen line with a picture names a PNG that is there.
    for line in lines.iter().filter(|l| l["png"].is_string()) {
        let name = line["png"].as_str().expect("name");
        assert!(out.join(name).is_file(), "{name}");
    }
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "description",
            "mobile",
            "review",
            "printing",
            "done"
        ]
    );

    // The script's line 20 touches a button the description screen does not have: reported
    // with its line, the run goes on (the receipt above came after it), the exit is non-zero.
    let errors: Vec<&Value> = lines.iter().filter(|l| l["error"].is_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["line"], 20);
    let reason = errors[0]["error"].as_str().expect("reason");
    assert!(
        reason.contains("description") && reason.contains("ادامه"),
        "{reason}"
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not offered"));
}

#[test]
fn a_malformed_script_is_refused_whole_with_its_line_and_nothing_is_played() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.jsonl");
    std::fs::write(&file, "{\"touch\": \"ثبت درخواست\"}\n{\"key\": \"jump\"}\n").expect("write");
    let (output, lines) = run(&file, dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("script line 2") && stderr.contains("no keypad key \"jump\""),
        "{stderr}"
    );
    assert!(lines.is_empty(), "nothing played: {lines:?}");
}

#[test]
fn a_national_code_typed_on_the_tactile_keypad_goes_into_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = run_offered(&script("keypad-national-code.jsonl"), dir.path());
    // Enter on the attract screen starts; the mistyped code (…898) keeps the visitor on the
    // identify screen, the corrected one (…899, Clear then 9) goes on to the case kinds, and
    // Cancel goes back one step.
    assert_eq!(screens(&lines), ["attract", "identify", "kind", "identify"]);
}

/// A blind visitor with headphones, keys and an ID card only: every screen is followed by
/// speech before the next one (no silent screen), and nothing the kiosk says cuts off what it
/// was saying except right after a new screen or a key press.
#[test]
fn a_blind_visitor_registers_and_follows_up_by_keys_and_hears_every_screen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = run_offered(&script("blind-keys-only.jsonl"), dir.path());
    // Only keys and the card after the headphones.
    let inputs: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l.get("input"))
        .filter(|i| i.get("start").is_none())
        .collect();
    assert_eq!(inputs[0]["headphones"], true);
    for input in &inputs[1..] {
        let object = input.as_object().expect("an object");
        assert!(
            ["key", "hold", "card"]
                .iter()
                .any(|k| object.contains_key(*k)),
            "{input}"
        );
    }
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "description",
            "mobile",
            "review",
            "printing",
            "done",
            "attract",
            "follow-up-entry",
            "identify",
            "follow-up-entry",
            "follow-up",
            "attract"
        ]
    );
    // No silent screen (the first, before the headphones, was shown to nobody listening).
    assert_no_silent_screen(&lines);
    // No sentence cut off but by the visitor; the journey as the fixture has it.
    transcripts::assert_cut_in_only_after_the_visitor(&lines);
    transcripts::matches_fixture("register-and-follow-up-by-keys", &lines);
    let said = said(&lines);
    let has = |part: &str| said.iter().any(|(t, _)| t.contains(part));
    // The review, field by field; the digits echoed; the levels; help; clear-all.
    assert!(has("کد ملی: ۰ ۴ ۹، ۹ ۳ ۷، ۰ ۸ ۹ ۹."));
    assert!(has("شماره همراه: ۰ ۹ ۱ ۲، ۱ ۲ ۳، ۴ ۵ ۶ ۷."));
    // The consent to text messages, ticked by keys: said, read back on the review, and kept
    // with the case and in its outbox payload (docs/rules.md R-000-4.5).
    assert!(has(
        "انتخاب شد: پیامک‌های این درخواست به این شماره فرستاده می‌شود."
    ));
    assert!(has("پیامک: به این شماره فرستاده می‌شود."));
    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a slip");
    let code = slip["tracking_code"].as_str().expect("its code");
    let kept = store(dir.path());
    let case = kept
        .case_by_tracking_code(&tracking(code))
        .expect("look-up")
        .expect("the case is in the store");
    assert!(case.notice_consent_at.is_some(), "the consent is kept");
    let item = kept
        .outbox_item(case.client_uuid)
        .expect("the outbox answers")
        .expect("the case's item");
    let payload: Value = serde_json::from_str(&item.payload).expect("JSON");
    assert_eq!(payload["notice_consent"], Value::Bool(true), "{payload}");
    assert!(said.contains(&("۷", true)), "a typed digit is echoed alone");
    assert!(has("همه پاک شد"));
    assert!(has("بلندی صدا ۹ از ۱۰") && has("سرعت گفتار ۴ از ۱۰"));
    assert!(has("بازبینی:"), "help on the review screen");
    let levels: Vec<(u64, u64)> = lines
        .iter()
        .filter_map(|l| Some((l["volume"].as_u64()?, l["rate"].as_u64()?)))
        .collect();
    assert_eq!(
        levels,
        [(9, 5), (9, 4), (8, 5)],
        "the queue's levels set, then reset for the next visitor"
    );
    // The tracking code and the date, twice (the long Help repeats them), then the timeline.
    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a slip");
    let code = slip["tracking_code"].as_str().expect("its code");
    let code_said: Vec<&(&str, bool)> = said
        .iter()
        .filter(|(t, _)| t.starts_with("کد رهگیری شما") && t.contains("پاسخ تا"))
        .collect();
    assert_eq!(code_said.len(), 2, "{code_said:?}");
    assert_eq!(spoken_digits(code_said[0].0)[..16], *code);
    assert!(has("روی رسید"), "what the receipt says");
    assert!(has("۱ رویداد:"), "{said:?}");
    assert!(
        said.iter()
            .any(|(t, _)| t.contains("ثبت شد، واحد") && t.contains("۱۴۰")),
        "the registration event with its Jalali date and unit: {said:?}"
    );
}

/// The description without the touchscreen: a preset phrase by the focus ring, then a word typed
/// on the digit keys by multi-tap, each letter's name heard as it comes up, the pause (a
/// `wait`) committing the letter and saying it again without cutting in; the registered case's
/// description holds both.
#[test]
fn a_visitor_with_headphones_types_a_word_after_a_preset_phrase_on_the_keypad() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = run_offered(&script("description-by-keys.jsonl"), dir.path());
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "description",
            "mobile",
            "review",
            "printing",
            "done"
        ]
    );
    // The phrase is said when focused and when added, then each press says its letter,
    // cutting in; the two pauses say the committed letter again, queued.
    let said = said(&lines);
    let phrase = "پرونده‌ی من بدون پاسخ مانده است.";
    let added = said
        .iter()
        .position(|(t, _)| *t == format!("اضافه شد: {phrase}"))
        .expect("the phrase is added");
    assert!(said[..added].contains(&(phrase, true)), "focused: {said:?}");
    let letters: Vec<(&str, bool)> = said[added + 1..]
        .iter()
        .take_while(|(t, _)| *t != "ادامه")
        .copied()
        .collect();
    assert_eq!(
        letters,
        [
            ("فاصله", true),
            ("لام", true),
            ("میم", true),
            ("سین", true),
            ("واو", true),
            ("هِ دوچشم", true),
            ("یِ", true),
            ("یِ همزه", true),
            ("یِ همزه", false),
            ("واو", true),
            ("لام", true),
            ("لام", false),
        ]
    );
    assert!(
        said.iter()
            .any(|(t, _)| *t == format!("شرح: {phrase} مسئول.")),
        "the review reads it back: {said:?}"
    );
    // The registered case's description holds both.
    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a slip");
    let code = slip["tracking_code"].as_str().expect("its code");
    let case = store(dir.path())
        .case_by_tracking_code(&tracking(code))
        .expect("look-up")
        .expect("the case is in the store");
    assert_eq!(case.description, format!("{phrase} مسئول"));
}

/// Whether a screen's PNG is black all over (audio-only mode blanks the page).
fn png_is_black(path: &Path) -> bool {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .all(|px| px.iter().take(3).all(|&c| c == 0))
}

#[test]
fn in_audio_only_mode_the_screen_is_blank_and_a_complaint_is_registered_by_ear_and_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = run_offered(&script("audio-only-keys.jsonl"), dir.path());
    transcripts::matches_fixture("register-by-ear-audio-only", &lines);
    // Keys only after the headphones.
    let inputs: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l.get("input"))
        .filter(|i| i.get("start").is_none())
        .collect();
    for input in &inputs[1..] {
        let object = input.as_object().expect("an object");
        assert!(
            object.contains_key("key") || object.contains_key("hold"),
            "{input}"
        );
    }
    let said = said(&lines);
    assert!(
        said.iter().any(|(t, _)| t.contains("حالت فقط صدا روشن شد")),
        "turning it on is spoken: {said:?}"
    );
    // The toggle writes the attract page again, blank; every screen after it is blank until
    // the session ends, and the next visitor finds the screen lit.
    let screen_lines: Vec<&Value> = lines.iter().filter(|l| l["screen"].is_string()).collect();
    let toggled = screen_lines
        .iter()
        .position(|l| l["blank"] == true)
        .expect("a blank screen");
    assert_eq!(screen_lines[toggled]["screen"], "attract");
    let (last, during) = screen_lines[toggled..].split_last().expect("screens");
    assert_eq!(last["screen"], "attract");
    assert!(
        last.get("blank").is_none(),
        "reset for the next visitor: {last}"
    );
    let pages: Vec<&str> = during.iter().filter_map(|l| l["screen"].as_str()).collect();
    assert_eq!(
        pages,
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "description",
            "mobile",
            "review",
            "printing",
            "done",
        ]
    );
    let out = dir.path().join("out");
    for line in during {
        assert_eq!(line["blank"], true, "{line}");
        if let Some(png) = line["png"].as_str() {
            assert!(png_is_black(&out.join(png)), "{png} shows something");
        }
    }
    assert!(!png_is_black(
        &out.join(last["png"].as_str().expect("its picture"))
    ));
    // Every screen is spoken, before the next one comes.
    for (i, line) in lines.iter().enumerate().skip(1) {
        if line["screen"].is_string() && line["screen"] != "printing" {
            let next_say = lines[i + 1..].iter().position(|l| l["say"].is_string());
            let next_screen = lines[i + 1..].iter().position(|l| l["screen"].is_string());
            assert!(
                next_say.is_some() && (next_screen.is_none() || next_say < next_screen),
                "screen {} (line {i}) is silent",
                line["screen"]
            );
        }
    }
    assert!(said.iter().any(|(t, _)| t.starts_with("کد رهگیری شما")));
    assert_eq!(store(dir.path()).counts().expect("counts").cases, 1);
}

#[test]
fn in_speech_mode_the_first_touch_says_a_button_and_the_second_does_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, lines) = run(&script("explore-by-touch.jsonl"), dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!lines.iter().any(|l| l["error"].is_string()), "{lines:?}");
    // Each screen comes after the second touch only.
    assert_eq!(
        screens(&lines),
        ["attract", "accessibility", "attract", "identify"]
    );
    let touches: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["input"]["touch"].is_string())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(touches.len(), 8);
    for pair in touches.chunks(2) {
        let label = lines[pair[0]]["input"]["touch"].as_str().expect("a label");
        let after_first = &lines[pair[0] + 1..pair[1]];
        assert!(
            !after_first.iter().any(|l| l["screen"].is_string()),
            "the first touch on «{label}» did something: {after_first:?}"
        );
        let spoken = after_first
            .iter()
            .find_map(|l| l["say"].as_str())
            .expect("the first touch speaks");
        assert!(spoken.starts_with(label), "«{spoken}» for «{label}»");
    }
    let said = said(&lines);
    assert!(
        said.iter()
            .any(|(t, _)| t.starts_with("سفید روی سیاه، انتخاب نشده")),
        "{said:?}"
    );
}

/// A complaint registered with switches only (and the ID card, or the national code entered by
/// switch; headphones may be in): the switch check first, then the same screens as by keys, a
/// receipt printed with its tracking code; the transcript's lines and the case in the store.
fn registers_by_switches(
    name: &str,
    fixture: Option<&str>,
) -> (Vec<Value>, kiosk_store::CaseRecord) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, lines) = run(&script(name), dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !lines.iter().any(|l| l["error"].is_string()),
        "every switch press was taken: {lines:?}"
    );
    for input in lines.iter().filter_map(|l| l.get("input")) {
        let object = input.as_object().expect("an object");
        assert!(
            [
                "switch",
                "switch_mode",
                "card",
                "wait",
                "headphones",
                "start"
            ]
            .iter()
            .any(|k| object.contains_key(*k)),
            "not a switch: {input}"
        );
    }
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "identify",
            "kind",
            "subject",
            "description",
            "mobile",
            "review",
            "printing",
            "done",
            "attract"
        ]
    );
    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a slip was printed");
    let code = slip["tracking_code"]
        .as_str()
        .expect("with a tracking code");
    let case = store(dir.path())
        .case_by_tracking_code(&tracking(code))
        .expect("the store answers")
        .unwrap_or_else(|| panic!("the case {code} is registered"));
    if let Some(fixture) = fixture {
        transcripts::matches_fixture(fixture, &lines);
    }
    (lines, case)
}

#[test]
fn a_complaint_is_registered_with_two_switches_only_after_the_switch_check() {
    let (lines, _) = registers_by_switches("switches-two.jsonl", Some("register-by-two-switches"));
    let said = said(&lines);
    // The check names the switch received, and a wrong one, before the journey starts.
    assert!(said[0].0.starts_with("بررسی کلیدها"), "{said:?}");
    assert!(said[1].0.starts_with("این کلید ب بود"), "{said:?}");
    assert!(said[2].0.starts_with("کلید الف دریافت شد"), "{said:?}");
    assert!(said[3].0.starts_with("کلید ب دریافت شد"), "{said:?}");
}

#[test]
fn a_complaint_is_registered_with_one_switch_scanning_at_the_dwell() {
    let (lines, _) = registers_by_switches("switches-scan.jsonl", Some("register-by-one-switch"));
    let said = said(&lines);
    assert!(said[0].0.starts_with("بررسی کلید."), "{said:?}");
    assert!(said[1].0.starts_with("کلید دریافت شد"), "{said:?}");
    // Only waiting moved the focus: the case kind was chosen 2 s after the kind screen.
    let t_of = |page: &str| {
        lines
            .iter()
            .find(|l| l["screen"] == page)
            .and_then(|l| l["t"].as_u64())
            .expect(page)
    };
    assert_eq!(t_of("subject") - t_of("kind"), 2000);
}

/// What was said on the identify screen (from its showing to the next screen), each with the
/// switch press it answered: `"a"`, `"b"`, or `""` for anything else (a scanning step, what
/// follows the first answer to a press).
fn said_on_identify(lines: &[Value]) -> Vec<(String, &str)> {
    let from = lines
        .iter()
        .position(|l| l["screen"] == "identify")
        .expect("the identify screen");
    let mut pressed = "";
    let mut out = Vec::new();
    for line in &lines[from + 1..] {
        if line["screen"].is_string() {
            break;
        }
        if let Some(input) = line.get("input") {
            pressed = input["switch"].as_str().unwrap_or("");
        }
        if let Some(text) = line["say"].as_str() {
            out.push((text.to_owned(), pressed));
            pressed = "";
        }
    }
    out
}

/// The national code the digit scripts enter by switch.
const NATIONAL_CODE: &str = "0499370899";

/// The case registered by switches alone holds the national code entered by switch, and no
/// card was read on the way.
fn entered_by_switch(lines: &[Value], case: &kiosk_store::CaseRecord) {
    assert!(
        !lines
            .iter()
            .filter_map(|l| l.get("input"))
            .any(|i| i.get("card").is_some()),
        "no card: the national code is entered by switch"
    );
    assert_eq!(
        case.visitor
            .as_ref()
            .map(kiosk_core::VisitorId::value)
            .as_deref(),
        Some(NATIONAL_CODE)
    );
}

#[test]
fn a_national_code_is_entered_digit_by_digit_with_two_switches_and_a_case_registered() {
    let (lines, case) = registers_by_switches("switches-digits.jsonl", None);
    entered_by_switch(&lines, &case);
    let said = said_on_identify(&lines);
    // How to enter it is said with the screen, and the ring starts on 0.
    assert!(
        said.iter().any(|(t, _)| t.contains("رقم به رقم")),
        "{said:?}"
    );
    assert!(said.iter().any(|(t, _)| t == "انتخاب فعلی: ۰."), "{said:?}");
    // Each move of switch A says the digit reached, one more each time from 0 (where the
    // ring starts again after each digit); each select of switch B echoes the digit typed.
    let mut reached = 0;
    let mut echoed = String::new();
    for (text, press) in &said {
        match *press {
            "a" => {
                reached += 1;
                assert_eq!(spoken_digits(text), reached.to_string(), "{said:?}");
            }
            "b" => {
                if echoed.len() < NATIONAL_CODE.len() {
                    echoed.push_str(&spoken_digits(text));
                }
                reached = 0;
            }
            _ => {}
        }
    }
    assert_eq!(echoed, NATIONAL_CODE, "{said:?}");
    // Once the ten digits are in, the focus is on «continue», and that is said.
    assert!(
        said.iter().any(|(t, _)| t == "انتخاب فعلی: ادامه."),
        "{said:?}"
    );
}

#[test]
fn a_national_code_is_entered_by_one_switch_scanning_at_the_dwell() {
    let (lines, case) = registers_by_switches(
        "switches-digits-scan.jsonl",
        Some("register-by-one-switch-listening"),
    );
    entered_by_switch(&lines, &case);
    // The screens tell a switch user the switches' ways, not the keypad's.
    let from = lines
        .iter()
        .position(|l| l["screen"] == "subject")
        .expect("the subject screen");
    let to = lines
        .iter()
        .position(|l| l["screen"] == "printing")
        .expect("printing");
    let told: Vec<&str> = lines[from..to]
        .iter()
        .filter_map(|l| l["say"].as_str())
        .collect();
    assert!(
        told.iter()
            .any(|t| t.contains("موضوع‌ها یکی‌یکی خوانده می‌شوند")),
        "{told:?}"
    );
    assert!(
        !told
            .iter()
            .any(|t| t.contains("کلید ورود") || t.contains("کلید پایین")),
        "{told:?}"
    );
    let said = said_on_identify(&lines);
    // Each scanning step says the digit it reached; each press echoes the digit typed.
    let steps: Vec<String> = said
        .iter()
        .filter(|(t, press)| {
            press.is_empty() && spoken_digits(t).len() == 1 && t.chars().count() == 1
        })
        .map(|(t, _)| spoken_digits(t))
        .collect();
    assert_eq!(
        steps.len(),
        NATIONAL_CODE
            .bytes()
            .map(|b| usize::from(b - b'0'))
            .sum::<usize>()
    );
    let echoed: String = said
        .iter()
        .filter(|(_, press)| *press == "a")
        .map(|(t, _)| spoken_digits(t))
        .collect();
    assert_eq!(echoed, NATIONAL_CODE, "{said:?}");
    // The steps come at the dwell (1.5 s) after each press, each digit pressed as it is heard.
    let t_of = |page: &str| {
        lines
            .iter()
            .find(|l| l["screen"] == page)
            .and_then(|l| l["t"].as_u64())
            .expect(page)
    };
    let seconds: u64 = NATIONAL_CODE
        .bytes()
        .map(|b| u64::from(b - b'0'))
        .filter(|d| *d > 0)
        .map(|d| 1500 * d)
        .sum();
    assert_eq!(t_of("kind") - t_of("identify"), seconds);
}

/// The satisfaction URL (`{portal}/s/{token}`) in a slip's ESC/POS bytes (the example's 80 mm
/// printer draws its QR codes itself, so their data travel in clear).
fn satisfaction_url(escpos: &[u8]) -> String {
    let start = "https://saamad.ir/s/";
    let at = escpos
        .windows(start.len())
        .position(|w| w == start.as_bytes())
        .expect("a satisfaction code on the receipt");
    let token: String = escpos[at + start.len()..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_')
        .map(|b| char::from(*b))
        .collect();
    format!("{start}{token}")
}

/// A registration by keys (blind-keys-only.jsonl) on a kiosk whose signing key is provisioned,
/// as on a device, so that a later run verifies its satisfaction code: the run's directory and
/// the code's URL on the receipt.
fn registered_with_satisfaction_code() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let kiosk = kiosk_core::KioskNumber::new(12).expect("number");
    kiosk_store::signing_keys::write_new_signing_key(&dir.path().join("data/keys"), kiosk)
        .expect("a key");
    let lines = run_offered(&script("blind-keys-only.jsonl"), dir.path());
    let slip = lines
        .iter()
        .find(|l| l["escpos"].is_string())
        .expect("a receipt");
    let escpos = std::fs::read(
        dir.path()
            .join("out")
            .join(slip["escpos"].as_str().unwrap_or("")),
    )
    .expect("its bytes");
    std::fs::remove_dir_all(dir.path().join("out")).expect("the run's output");
    (dir, satisfaction_url(&escpos))
}

/// Script lines of one `kind` (`key` or `switch`), one per input.
fn lines_of(kind: &str, inputs: &[&str]) -> Vec<String> {
    inputs
        .iter()
        .map(|input| format!("{{\"{kind}\": \"{input}\"}}"))
        .collect()
}

/// Plays a rating of the visit of `url` at the kiosk of `dir`, headphones in, from the
/// fixtures' start time: the receipt under the scanner, then the script `lines`, whose inputs
/// are all of the `allowed` kinds. Checks that nothing else was played, that the rating screens
/// came in order and that none was silent; the transcript.
fn rates(dir: &Path, url: &str, lines: &[String], allowed: &[&str]) -> Vec<Value> {
    let rate = dir.join("rate.jsonl");
    let mut text = format!("{START}\n{{\"headphones\": true}}\n{{\"scan\": \"{url}\"}}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(&rate, text).expect("script");
    let lines = run_offered(&rate, dir);
    for input in lines.iter().filter_map(|l| l.get("input")) {
        let object = input.as_object().expect("an object");
        assert!(
            allowed
                .iter()
                .chain(&["scan", "headphones", "start"])
                .any(|k| object.contains_key(*k)),
            "{input}"
        );
    }
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "rate-faces",
            "rate-reasons",
            "rate-thanks",
            "attract"
        ]
    );
    assert_no_silent_screen(&lines);
    lines
}

/// What was said from the first switch press of a run until the attract screen came back.
fn said_since_a_switch(lines: &[Value]) -> Vec<&str> {
    let first = lines
        .iter()
        .position(|l| l["input"].get("switch").is_some())
        .expect("a switch pressed");
    lines[first..]
        .iter()
        .take_while(|l| l["screen"] != "attract")
        .filter_map(|l| l["say"].as_str())
        .collect()
}

/// The blind visitor of blind-keys-only.jsonl comes back and rates the visit by keys and ears:
/// the receipt held under the scanner, the faces walked with Up/Down and one chosen with Enter,
/// the reasons screen passed by keys. Every rating screen is spoken, and the rating is kept.
#[test]
fn a_blind_visitor_rates_the_visit_by_keys_hearing_every_rating_screen() {
    let (dir, url) = registered_with_satisfaction_code();
    let keys = [
        "down", "enter", "enter", "down", "down", "down", "down", "enter", "enter",
    ];
    let lines = rates(dir.path(), &url, &lines_of("key", &keys), &["key"]);
    transcripts::matches_fixture("rate-by-keys", &lines);
    let said = said(&lines);
    let has = |part: &str| said.iter().any(|(t, _)| t.contains(part));
    // The question and the five faces read, each face heard as the focus reaches it, the
    // reasons read with their state, each toggle said, the thanks.
    assert!(has("چقدر راضی هستید"), "{said:?}");
    assert!(has("۵: خیلی راضی، ۴: راضی، ۳: متوسط"), "{said:?}");
    assert!(said.contains(&("راضی", true)), "{said:?}");
    assert!(has("نحوه گردش کار: انتخاب نشده"), "{said:?}");
    assert!(
        said.contains(&("نحوه گردش کار: انتخاب شده", true)),
        "{said:?}"
    );
    assert!(has("از نظر شما سپاسگزاریم"), "{said:?}");
    // Kept: the face chosen by keys, with its reason.
    let rating = store(dir.path())
        .rating_for_code(&url)
        .expect("the store answers")
        .expect("the rating is kept");
    assert_eq!(rating.score, 4);
    assert_eq!(rating.reasons.len(), 1);
}

/// The same visitor rates with two switches only: A moves the focus over the faces and the
/// reasons, B chooses; every rating screen spoken, the rating kept.
#[test]
fn a_visitor_rates_the_visit_with_two_switches_only() {
    let (dir, url) = registered_with_satisfaction_code();
    // «راضی» (A, B); the second reason on (A, B); on to «ثبت نظر» (A ×3, B); finish (B).
    let presses = ["a", "b", "a", "b", "a", "a", "a", "b", "b"];
    let lines = rates(dir.path(), &url, &lines_of("switch", &presses), &["switch"]);
    transcripts::matches_fixture("rate-by-two-switches", &lines);
    let said = said(&lines);
    // Once a switch was pressed, told the switches' ways, never to press a key the visitor
    // does not have.
    let since_the_switch = said_since_a_switch(&lines);
    assert!(
        since_the_switch
            .iter()
            .any(|t| t.contains("با کلید الف به هر دلیل بروید")),
        "{since_the_switch:?}"
    );
    assert!(
        !since_the_switch.iter().any(|t| t.contains("کلید ورود")),
        "{since_the_switch:?}"
    );
    assert!(said.contains(&("راضی", true)), "{said:?}");
    assert!(
        said.contains(&("تطبیق با اطلاعات داده‌شده: انتخاب شده", true)),
        "{said:?}"
    );
    let rating = store(dir.path())
        .rating_for_code(&url)
        .expect("the store answers")
        .expect("the rating is kept");
    assert_eq!((rating.score, rating.reasons.len()), (4, 1));
}

/// The same visitor rates with one switch, scanning: the first press starts the scan (it
/// chooses nothing), each face and reason is read as the focus reaches it by itself, and a
/// press chooses the one read; the rating kept.
#[test]
fn a_visitor_rates_the_visit_with_one_switch_scanning() {
    let (dir, url) = registered_with_satisfaction_code();
    let script: Vec<String> = [
        r#"{"switch_mode": "scan"}"#,
        // The faces: the scan starts; «راضی» is read as the focus reaches it, and chosen.
        r#"{"switch": "a"}"#,
        r#"{"wait_to_hear": "راضی"}"#,
        r#"{"switch": "a"}"#,
        // The reasons: the second ticked as it is read; «ثبت نظر» when it is read.
        r#"{"wait_to_hear": "تطبیق با اطلاعات داده‌شده: انتخاب نشده"}"#,
        r#"{"switch": "a"}"#,
        r#"{"wait_to_hear": "ثبت نظر"}"#,
        r#"{"switch": "a"}"#,
        // The thanks: finish.
        r#"{"switch": "a"}"#,
    ]
    .map(str::to_owned)
    .to_vec();
    let lines = rates(
        dir.path(),
        &url,
        &script,
        &["switch", "switch_mode", "wait_to_hear"],
    );
    transcripts::matches_fixture("rate-by-one-switch", &lines);
    let said = said(&lines);
    let has = |part: &str| said.iter().any(|(t, _)| t.contains(part));
    assert!(
        has("گزینه‌ها یکی‌یکی خوانده می‌شوند"),
        "the scan starts: {said:?}"
    );
    assert!(has("دلیل‌ها یکی‌یکی خوانده می‌شوند"), "{said:?}");
    assert!(
        said.contains(&("راضی", true)),
        "read as the scan reached it"
    );
    assert!(
        said.contains(&("تطبیق با اطلاعات داده‌شده: انتخاب شده", true)),
        "{said:?}"
    );
    assert!(has("ثبت نظر"), "«send» read as the scan reached it");
    let since_the_switch = said_since_a_switch(&lines);
    assert!(
        !since_the_switch
            .iter()
            .any(|t| t.contains("کلید ورود") || t.contains("کلید الف")),
        "one switch has no Enter, no A: {since_the_switch:?}"
    );
    let rating = store(dir.path())
        .rating_for_code(&url)
        .expect("the store answers")
        .expect("the rating is kept");
    assert_eq!((rating.score, rating.reasons.len()), (4, 1));
}

/// Two switch presses that type `digits` on a digit screen's ring (0–9 first, back on 0 after
/// each digit): A `d` times, then B.
fn switch_digits(digits: &str) -> Vec<&'static str> {
    digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .flat_map(|d| std::iter::repeat_n("a", d as usize).chain(std::iter::once("b")))
        .collect()
}

/// A visitor with two switches only follows a case up: after the switch check, A reaches
/// «follow up» on the attract screen and B chooses it; the tracking code and then the national
/// code are typed digit by digit on the ring; the timeline is read out.
#[test]
fn a_case_is_followed_up_with_two_switches_only() {
    let (dir, _) = registered_with_satisfaction_code();
    let tracking = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(12).expect("12"), 1)
        .expect("a code")
        .as_string();
    let mut presses = vec!["a", "a", "b", "a", "b"];
    presses.extend(switch_digits(&tracking));
    presses.push("b");
    presses.extend(switch_digits(NATIONAL_CODE));
    presses.push("b");
    let mut text = format!("{START}\n{{\"headphones\": true}}\n");
    for press in presses {
        text.push_str(&format!("{{\"switch\": \"{press}\"}}\n"));
    }
    let follow = dir.path().join("follow.jsonl");
    std::fs::write(&follow, text).expect("script");
    let lines = run_offered(&follow, dir.path());
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "follow-up-entry",
            "identify",
            "follow-up-entry",
            "follow-up"
        ]
    );
    assert_no_silent_screen(&lines);
    transcripts::matches_fixture("follow-up-by-two-switches", &lines);
    let said = said(&lines);
    let has = |part: &str| said.iter().any(|(t, _)| t.contains(part));
    assert!(has("پیگیری درخواست"), "«follow up» said as A reached it");
    assert!(has("۱ رویداد:"), "the timeline read: {said:?}");
    assert!(
        said.iter()
            .any(|(t, _)| t.contains("ثبت شد، واحد") && t.contains("۱۴۰")),
        "{said:?}"
    );
}

/// One scanning switch's inputs that type `digits` on a digit screen's ring, headphones in (0–9
/// first, back on 0 after each digit): wait until digit `d` is read as the focus reaches it,
/// then press, as the visitor does whatever the screen's announcement takes.
fn scanned_digits(digits: &str) -> Vec<String> {
    digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .flat_map(|d| {
            let wait = (d > 0).then(|| {
                let spoken = kiosk_core::digits::to_persian_digits(&d.to_string());
                format!("{{\"wait_to_hear\": \"{spoken}\"}}")
            });
            wait.into_iter()
                .chain(std::iter::once("{\"switch\": \"a\"}".to_owned()))
        })
        .collect()
}

/// A visitor with one switch, scanning, follows a case up: after the switch check «follow up»
/// is lit a dwell after «register» and picked; the tracking code and the national code are
/// typed by waiting for each digit; the timeline is read out.
#[test]
fn a_case_is_followed_up_with_one_switch_scanning() {
    let (dir, _) = registered_with_satisfaction_code();
    let tracking = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(12).expect("12"), 1)
        .expect("a code")
        .as_string();
    let mut lines: Vec<String> = [
        START,
        "{\"switch_mode\": \"scan\"}",
        "{\"headphones\": true}",
        "{\"switch\": \"a\"}",
        "{\"switch\": \"a\"}",
        "{\"wait_to_hear\": \"پیگیری درخواست\"}",
        "{\"switch\": \"a\"}",
    ]
    .map(str::to_owned)
    .to_vec();
    lines.extend(scanned_digits(&tracking));
    lines.push("{\"switch\": \"a\"}".to_owned());
    lines.extend(scanned_digits(NATIONAL_CODE));
    lines.push("{\"switch\": \"a\"}".to_owned());
    let follow = dir.path().join("follow.jsonl");
    std::fs::write(&follow, lines.join("\n") + "\n").expect("script");
    let lines = run_offered(&follow, dir.path());
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "follow-up-entry",
            "identify",
            "follow-up-entry",
            "follow-up"
        ]
    );
    assert_no_silent_screen(&lines);
    transcripts::matches_fixture("follow-up-by-one-switch", &lines);
    let said = said(&lines);
    let has = |part: &str| said.iter().any(|(t, _)| t.contains(part));
    assert!(has("۱ رویداد:"), "the timeline read: {said:?}");
}

/// The committed transcripts (firmware/app/tests/transcripts/), read as a reviewer reads them:
/// every blind or switch visitor's journey is there, without a touch, every screen spoken,
/// nothing cut off unless the visitor did something.
#[test]
fn the_committed_transcripts_speak_every_screen_and_cut_nothing_off() {
    let expected = [
        "register-and-follow-up-by-keys",
        "register-by-two-switches",
        "register-by-one-switch",
        "register-by-one-switch-listening",
        "follow-up-by-two-switches",
        "follow-up-by-one-switch",
        "rate-by-keys",
        "rate-by-two-switches",
        "rate-by-one-switch",
        "register-by-ear-audio-only",
    ];
    for name in expected {
        let path = transcripts::dir().join(format!("{name}.jsonl"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        transcripts::check_heard(name, &lines);
    }
}
