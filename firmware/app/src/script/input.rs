//! The inputs of a script: one JSON object per line, each naming one thing the visitor (or the
//! world) does. Parsed whole before the run starts, so a mistyped script is refused with its
//! line number and nothing is played.

use kiosk_drivers::keypad::Key;
use kiosk_drivers::printer::SimFault;

/// One input of a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A tap on the button (or on-screen key) with this accessible label, as shown.
    Touch(String),
    /// A press of a tactile key, by its name (`Key::from_name`): `"0"`…`"9"`, `enter`,
    /// `cancel`, `clear`, `help`, `up`, `down`, `volume_up`, `volume_down`, `speed_up`,
    /// `speed_down`, `call_staff` (and the old `select` and `back`, read as `enter` and
    /// `cancel`). A digit is a JSON string: `{"key": "5"}`.
    Key(Key),
    /// A tactile key held past the long-press time, by its name as for `key`: a long Clear
    /// erases the whole field, a long Help repeats the last thing said.
    Hold(Key),
    /// A national ID card inserted into the reader, holding this national code.
    Card(String),
    /// A card inserted whose certificate is this file (PEM or DER; a path as given, absolute
    /// or from the working directory): read and verified as a real card's, against
    /// `[card] trust_anchors` when kiosk.toml names any.
    CardCertificate(std::path::PathBuf),
    /// A code held under the scanner, as its text.
    Scan(String),
    /// Headphones plugged in (`true`) or pulled out.
    Headphones(bool),
    /// The printer's state from now on.
    Printer(SimFault),
    /// Time passes (injected, not slept).
    Wait(std::time::Duration),
    /// Real time passes (slept, at most [`MAX_SLEEP_SECONDS`]), the device at work meanwhile
    /// (its agency server's answers, a desk's polling of staff calls): for scripts played
    /// side by side by separate processes of one office. The injected clock moves with it.
    Sleep(std::time::Duration),
    /// Real time passes, as for `Sleep`, until the screen shows or the device says a text
    /// containing this one (at most [`WAIT_FOR_SECONDS`]; an `error` line when it never does).
    WaitFor(String),
    /// A press of an accessibility switch, `"a"` or `"b"`.
    Switch(kiosk_drivers::keypad::switch::Switch),
    /// The kiosk's switch mode from now on: `"two"` switches or one `"scan"`ning.
    SwitchMode(kiosk_config::devices::SwitchMode),
    /// Injected time passes, as for `Wait`, until the device says this very sentence (a choice
    /// read as a scanning switch's focus reaches it, say), at most [`WAIT_TO_HEAR_SECONDS`]: a
    /// one-switch visitor's way of waiting for their choice.
    WaitToHear(String),
    /// The wall-clock time the run starts at (RFC 3339), so that its dates (the response
    /// date, the timeline's) are the same on every run: the script's first input only.
    Start(chrono::DateTime<chrono::Utc>),
}

impl Input {
    /// The input as a script line writes it (for the transcript).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Self::Touch(label) => json!({ "touch": label }),
            Self::Key(key) => json!({ "key": key.name() }),
            Self::Hold(key) => json!({ "hold": key.name() }),
            Self::Card(code) => json!({ "card": code }),
            Self::CardCertificate(path) => {
                json!({ "card_certificate": path.display().to_string() })
            }
            Self::Scan(text) => json!({ "scan": text }),
            Self::Headphones(plugged) => json!({ "headphones": plugged }),
            Self::Printer(fault) => json!({
                "printer": match fault {
                    SimFault::PaperEnd => "paper_out",
                    SimFault::CoverOpen => "cover_open",
                    SimFault::Offline => "offline",
                    _ => "ok",
                }
            }),
            Self::Wait(duration) => json!({ "wait": duration.as_secs_f64() }),
            Self::Sleep(duration) => json!({ "sleep": duration.as_secs_f64() }),
            Self::WaitFor(text) => json!({ "wait_for": text }),
            Self::Switch(switch) => json!({ "switch": switch.name() }),
            Self::SwitchMode(mode) => json!({
                "switch_mode": match mode {
                    kiosk_config::devices::SwitchMode::Two => "two",
                    kiosk_config::devices::SwitchMode::Scan => "scan",
                }
            }),
            Self::Start(at) => json!({ "start": at.to_rfc3339() }),
            Self::WaitToHear(text) => json!({ "wait_to_hear": text }),
        }
    }
}

/// A script line that cannot be played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("script line {line}: {reason}")]
pub struct ScriptError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong, in English.
    pub reason: String,
}

/// The longest wait one line may ask for (a day): the runner ticks the kiosk once a second.
const MAX_WAIT_SECONDS: f64 = 86_400.0;

/// The longest real time one `sleep` line may take.
pub const MAX_SLEEP_SECONDS: f64 = 600.0;

/// The longest a `wait_to_hear` line waits, in injected time.
pub const WAIT_TO_HEAR_SECONDS: u64 = 120;

/// The longest a `wait_for` line waits, in real time.
pub const WAIT_FOR_SECONDS: u64 = 30;

/// Parses a whole script. Blank lines and lines starting with `#` are skipped.
pub fn parse(text: &str) -> Result<Vec<(usize, Input)>, ScriptError> {
    let mut inputs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let input = parse_line(trimmed).map_err(|reason| ScriptError {
            line: line_no,
            reason,
        })?;
        if matches!(input, Input::Start(_)) && !inputs.is_empty() {
            return Err(ScriptError {
                line: line_no,
                reason: "\"start\" sets the clock the run begins with: only the first input".into(),
            });
        }
        inputs.push((line_no, input));
    }
    Ok(inputs)
}

fn parse_line(line: &str) -> Result<Input, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let serde_json::Value::Object(map) = value else {
        return Err("expected an object such as {\"touch\": \"ثبت درخواست\"}".into());
    };
    let mut entries = map.into_iter();
    let (Some((name, value)), None) = (entries.next(), entries.next()) else {
        return Err(
            "expected exactly one key: touch, key, hold, card, card_certificate, scan, headphones, printer, switch, switch_mode, wait, sleep, wait_for, wait_to_hear or start"
                .into(),
        );
    };
    let text = |value: serde_json::Value| match value {
        serde_json::Value::String(s) => Ok(s),
        other => Err(format!("\"{name}\" takes a string, got {other}")),
    };
    Ok(match name.as_str() {
        "touch" => Input::Touch(text(value)?),
        "key" | "hold" => {
            let key = text(value)?;
            let key = Key::from_name(&key).ok_or_else(|| {
                let names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
                format!("no keypad key \"{key}\" (keys: {})", names.join(", "))
            })?;
            match name.as_str() {
                "hold" => Input::Hold(key),
                _ => Input::Key(key),
            }
        }
        "card" => Input::Card(text(value)?),
        "card_certificate" => Input::CardCertificate(text(value)?.into()),
        "switch" => {
            let name = text(value)?;
            Input::Switch(
                kiosk_drivers::keypad::switch::Switch::from_name(&name)
                    .ok_or_else(|| format!("no switch \"{name}\" (switches: a, b)"))?,
            )
        }
        "switch_mode" => Input::SwitchMode(match text(value)?.as_str() {
            "two" => kiosk_config::devices::SwitchMode::Two,
            "scan" => kiosk_config::devices::SwitchMode::Scan,
            other => return Err(format!("no switch mode \"{other}\" (modes: two, scan)")),
        }),
        "scan" => Input::Scan(text(value)?),
        "wait_to_hear" => Input::WaitToHear(text(value)?),
        "start" => {
            let at = text(value)?;
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .map_err(|e| format!("\"start\" {at:?} is not an RFC 3339 time ({e})"))?;
            Input::Start(at.with_timezone(&chrono::Utc))
        }
        "headphones" => match value {
            serde_json::Value::Bool(plugged) => Input::Headphones(plugged),
            other => return Err(format!("\"headphones\" takes true or false, got {other}")),
        },
        "printer" => Input::Printer(match text(value)?.as_str() {
            "ok" => SimFault::Healthy,
            "paper_out" => SimFault::PaperEnd,
            "cover_open" => SimFault::CoverOpen,
            "offline" => SimFault::Offline,
            other => {
                return Err(format!(
                    "no printer state \"{other}\" (states: ok, paper_out, cover_open, offline)"
                ));
            }
        }),
        "wait" => {
            let seconds = value
                .as_f64()
                .ok_or_else(|| format!("\"wait\" takes a number of seconds, got {value}"))?;
            if !(0.0..=MAX_WAIT_SECONDS).contains(&seconds) {
                return Err(format!(
                    "\"wait\" of {seconds} s: between 0 and {MAX_WAIT_SECONDS} s"
                ));
            }
            Input::Wait(std::time::Duration::from_secs_f64(seconds))
        }
        "sleep" => {
            let seconds = value
                .as_f64()
                .ok_or_else(|| format!("\"sleep\" takes a number of seconds, got {value}"))?;
            if !(0.0..=MAX_SLEEP_SECONDS).contains(&seconds) {
                return Err(format!(
                    "\"sleep\" of {seconds} s: between 0 and {MAX_SLEEP_SECONDS} s"
                ));
            }
            Input::Sleep(std::time::Duration::from_secs_f64(seconds))
        }
        "wait_for" => {
            let wanted = text(value)?;
            if wanted.trim().is_empty() {
                return Err("\"wait_for\" takes a text to wait for, not an empty one".into());
            }
            Input::WaitFor(wanted)
        }
        other => {
            return Err(format!(
                "unknown input \"{other}\" (inputs: touch, key, hold, card, scan, headphones, printer, switch, switch_mode, wait, sleep, wait_for)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_kind_parses_and_comments_are_skipped() {
        let script = "# a visitor\n\n{\"touch\": \"ثبت درخواست\"}\n{\"key\": \"call_staff\"}\n\
            {\"card\": \"0499370899\"}\n{\"scan\": \"1234\"}\n{\"headphones\": true}\n\
            {\"printer\": \"paper_out\"}\n{\"wait\": 1.5}\n";
        let inputs = parse(script).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inputs.len(), 7);
        assert_eq!(inputs[0], (3, Input::Touch("ثبت درخواست".into())));
        assert_eq!(inputs[1].1, Input::Key(Key::CallStaff));
        assert_eq!(inputs[5].1, Input::Printer(SimFault::PaperEnd));
        assert_eq!(
            inputs[6].1,
            Input::Wait(std::time::Duration::from_millis(1500))
        );
        let keys = parse(
            "{\"key\": \"0\"}\n{\"key\": \"9\"}\n{\"key\": \"enter\"}\n{\"key\": \"clear\"}\n\
             {\"key\": \"speed_down\"}\n{\"key\": \"select\"}\n{\"key\": \"back\"}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<Input> = keys.into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            keys,
            [
                Key::Digit0,
                Key::Digit9,
                Key::Enter,
                Key::Clear,
                Key::SpeedDown,
                Key::Enter,
                Key::Cancel
            ]
            .map(Input::Key)
        );
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number_and_reason() {
        for (line, expected) in [
            ("{\"touch\": 5}", "takes a string"),
            ("{\"key\": \"enter_now\"}", "no keypad key \"enter_now\""),
            ("{\"key\": \"10\"}", "no keypad key \"10\""),
            ("{\"printer\": \"jammed\"}", "no printer state"),
            ("{\"wait\": -1}", "between 0 and"),
            ("{\"wait\": \"soon\"}", "number of seconds"),
            ("{\"touch\": \"a\", \"key\": \"up\"}", "exactly one key"),
            ("[1, 2]", "expected an object"),
            ("{\"shout\": \"hi\"}", "unknown input \"shout\""),
            ("touch: yes", "not JSON"),
            ("{\"headphones\": \"yes\"}", "true or false"),
            ("{\"switch\": \"c\"}", "no switch \"c\""),
            ("{\"switch_mode\": \"three\"}", "no switch mode"),
        ] {
            let script = format!("{{\"wait\": 1}}\n{line}\n");
            let error = parse(&script).expect_err(line);
            assert_eq!(error.line, 2, "{line}");
            assert!(error.reason.contains(expected), "{line}: {}", error.reason);
        }
    }
}
