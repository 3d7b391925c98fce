//! The README's `kioskctl` examples (the fenced block under "## kioskctl"), run as printed.
//!
//! Every line of the block is run by the built binary against a kiosk made for it in a
//! temporary directory: absolute paths in the line (`/var/lib/kiosk/kiosk.db`,
//! `/etc/kiosk/kiosk.toml`, `/etc/kiosk/fleet-keys`, …) are rewritten under that directory, and
//! relative ones (`receipt.png`, `reports/`, `case.json`) land in its working directory. The
//! kiosk there is provisioned as on a device: keys made by `kioskctl db keygen` and
//! `kioskctl satisfaction keygen`, the fleet's published keys beside the configuration, the
//! example configuration pointed at the directory, and a real encrypted kiosk database with
//! cases in it (made with `kiosk_store::Store`).
//!
//! Each kind of line is listed in [`PLANS`]: most must exit 0; the scanner and the printer run
//! on pseudo-terminals; the few that need hardware or a network are named with the reason and
//! only checked to parse (exit 1 with a named reason, not clap's usage error). A line the test
//! does not know fails it, so the README's examples cannot drift out of the test.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_drivers::printer::responder::{READY_ANSWERS, Responder};
use kiosk_store::{DatabaseKey, NewCase, OpenOptions, Store};
use serialport::{SerialPort, TTYPort};
use uuid::Uuid;

/// The kiosk number of the example configuration (and of the README's examples).
const KIOSK: u32 = 12;
/// Longest any one example may take (`devices card` waits up to 30 s for a card).
const LIMIT: Duration = Duration::from_secs(90);
/// The PIN fed to `read -rs PIN; echo "$PIN" | kioskctl staff add …`.
const PIN: &str = "583920";

/// How the test runs one kind of example.
#[derive(Clone, Copy, Debug)]
enum How {
    /// Runs to the end and exits 0; `provisioned: false` for the provisioning commands
    /// themselves, which refuse to overwrite the keys of an already provisioned kiosk.
    Runs { provisioned: bool },
    /// `devices scan` on a pseudo-terminal: one scanned line printed as JSON, then interrupted.
    Scanner,
    /// `devices printer` with the configuration's printer on a pseudo-terminal that answers
    /// status queries as a ready printer.
    Printer,
    /// `speak`: runs fully where espeak-ng is installed, else only parses.
    Speech,
    /// Needs hardware or a network the test does not have: checked to parse, i.e. the
    /// subcommand and its flags are accepted and it exits `exit` with one of `says` in its output.
    ParseOnly {
        why: &'static str,
        exit: i32,
        says: &'static [&'static str],
    },
}

/// Every kind of example the README may show, by its subcommand words.
const PLANS: &[(&[&str], How)] = &[
    (&["national-code"], How::Runs { provisioned: true }),
    (&["due-date"], How::Runs { provisioned: true }),
    (&["tracking-code", "check"], How::Runs { provisioned: true }),
    (&["tracking-code", "make"], How::Runs { provisioned: true }),
    (&["config", "check"], How::Runs { provisioned: true }),
    (&["config", "example"], How::Runs { provisioned: true }),
    (&["db", "check"], How::Runs { provisioned: true }),
    (&["db", "keygen"], How::Runs { provisioned: false }),
    (&["outbox", "status"], How::Runs { provisioned: true }),
    (&["receipt", "preview"], How::Runs { provisioned: true }),
    (&["receipt", "escpos"], How::Runs { provisioned: true }),
    (
        &["satisfaction", "keygen"],
        How::Runs { provisioned: false },
    ),
    (&["satisfaction", "issue"], How::Runs { provisioned: true }),
    (&["satisfaction", "verify"], How::Runs { provisioned: true }),
    (&["staff", "add"], How::Runs { provisioned: true }),
    (&["staff", "list"], How::Runs { provisioned: true }),
    (&["report", "monthly"], How::Runs { provisioned: true }),
    (&["report", "quarterly"], How::Runs { provisioned: true }),
    (&["devices", "scan"], How::Scanner),
    (&["devices", "printer"], How::Printer),
    (&["speak"], How::Speech),
    (
        &["devices", "card"],
        How::ParseOnly {
            why: "needs pcscd and a smart-card reader with a card (tests/devices.rs plays one \
                  with vpcd, as root)",
            exit: 1,
            says: &["pcscd", "reader", "card"],
        },
    ),
    (
        &["sync", "now"],
        How::ParseOnly {
            why: "sends to SAMAD over mutual TLS (tests/outbox_sync.rs runs it against samad-sim); \
                  the example configuration has no [samad] section and the flags' values are \
                  placeholders",
            exit: 1,
            says: &["[samad]", "token file"],
        },
    ),
];

/// One line of the block, as the shell would run it.
#[derive(Debug, PartialEq)]
enum Form {
    /// `kioskctl ARGS`
    Plain(Vec<String>),
    /// `read -rs PIN; echo "$PIN" | kioskctl ARGS`: a PIN on standard input.
    PinOnStdin(Vec<String>),
    /// `NAME=$(kioskctl ARGS); kioskctl ARGS2`: the first one's output as `$NAME` in the second.
    Capture {
        name: String,
        first: Vec<String>,
        then: Vec<String>,
    },
}

/// A parsed example line.
#[derive(Debug)]
struct Example {
    line: String,
    form: Form,
    /// The text after `#`, if any.
    comment: String,
}

impl Example {
    /// The arguments of the command the line is about (after `kioskctl`).
    fn args(&self) -> &[String] {
        match &self.form {
            Form::Plain(a) | Form::PinOnStdin(a) => &a[1..],
            Form::Capture { then, .. } => &then[1..],
        }
    }
}

/// The README's example lines: the fenced block right under "## kioskctl", blank lines skipped.
fn readme_lines() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let section = readme
        .split_once("\n## kioskctl\n")
        .expect("README has a \"## kioskctl\" section")
        .1;
    let block = section
        .split_once("```sh\n")
        .expect("a ```sh block under \"## kioskctl\"")
        .1
        .split_once("\n```")
        .expect("the block ends")
        .0;
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Shell words of `text` (double and single quotes; `#` at a word's start begins a comment),
/// and the comment.
fn words(text: &str) -> Result<(Vec<String>, String), String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => out.extend(word.take()),
            (None, '#') if word.is_none() => {
                return Ok((out, text[i + 1..].trim().to_owned()));
            }
            (None, ';' | '|' | '&' | '<' | '>' | '(' | ')' | '`') => {
                return Err(format!("shell syntax {c:?} the test does not know"));
            }
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err("an unclosed quote".into());
    }
    out.extend(word);
    Ok((out, String::new()))
}

/// Words that must start with `kioskctl`.
fn kioskctl_words(text: &str) -> Result<(Vec<String>, String), String> {
    let (w, comment) = words(text)?;
    if w.first().map(String::as_str) != Some("kioskctl") || w.len() < 2 {
        return Err("not a kioskctl command".into());
    }
    Ok((w, comment))
}

/// Parses one line of the block into one of the forms the test can run.
fn parse(line: &str) -> Result<Example, String> {
    const PIN_PREFIX: &str = "read -rs PIN; echo \"$PIN\" | ";
    let (form, comment) = if let Some(rest) = line.strip_prefix(PIN_PREFIX) {
        let (w, comment) = kioskctl_words(rest)?;
        (Form::PinOnStdin(w), comment)
    } else if let Some((name, rest)) = line.split_once("=$(")
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    {
        let (inner, then) = rest
            .split_once("); ")
            .ok_or("NAME=$(…) must be followed by \"; kioskctl …\"")?;
        let (first, _) = kioskctl_words(inner)?;
        let (then, comment) = kioskctl_words(then)?;
        let variable = format!("${name}");
        if !then.contains(&variable) {
            return Err(format!("{variable} is captured but not used"));
        }
        (
            Form::Capture {
                name: name.to_owned(),
                first,
                then,
            },
            comment,
        )
    } else {
        let (w, comment) = kioskctl_words(line)?;
        (Form::Plain(w), comment)
    };
    Ok(Example {
        line: line.to_owned(),
        form,
        comment,
    })
}

/// The plan for an example: the longest entry of [`PLANS`] its arguments start with.
fn plan_of(args: &[String]) -> Option<How> {
    PLANS
        .iter()
        .filter(|(path, _)| {
            path.len() <= args.len() && path.iter().zip(args).all(|(p, a)| *p == a.as_str())
        })
        .max_by_key(|(path, _)| path.len())
        .map(|(_, how)| *how)
}

/// A kiosk in a temporary directory: `root` stands for `/`, `work` is the working directory.
struct Kiosk {
    _temp: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
}

impl Kiosk {
    /// Directories and configuration; with `provisioned`, also the keys, the fleet's published
    /// keys, the database with cases and `case.json`.
    fn new(provisioned: bool) -> Kiosk {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().to_owned();
        let work = root.join("work");
        let data = root.join("var/lib/kiosk");
        for dir in [
            &work,
            &data.join("keys"),
            &root.join("etc/kiosk/fleet-keys"),
        ] {
            std::fs::create_dir_all(dir).unwrap();
        }
        let kiosk = Kiosk {
            _temp: temp,
            root,
            work,
        };
        kiosk.write_config(None);
        if provisioned {
            kiosk.provision();
        }
        kiosk
    }

    /// Rewrites an absolute path of an example into the temporary directory.
    fn path(&self, arg: &str) -> String {
        match arg.strip_prefix('/') {
            Some(rest) => self.root.join(rest).display().to_string(),
            None => arg.to_owned(),
        }
    }

    /// The example configuration pointed at the temporary directory (data directory, key file,
    /// device paths), at both places the README names it; the printer at `printer` if given.
    fn write_config(&self, printer: Option<&Path>) {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware/config/kiosk.example.toml");
        let mut text = std::fs::read_to_string(example).unwrap();
        for prefix in ["/var/lib/kiosk", "/dev/"] {
            text = text.replace(&format!("\"{prefix}"), &format!("\"{}", self.path(prefix)));
        }
        if let Some(printer) = printer {
            let configured = format!("path = \"{}\"", self.path("/dev/usb/lp0"));
            assert!(
                text.contains(&configured),
                "the example's printer path moved"
            );
            text = text.replace(&configured, &format!("path = \"{}\"", printer.display()));
        }
        for at in ["etc/kiosk/kiosk.toml", "var/lib/kiosk/config/kiosk.toml"] {
            let file = self.root.join(at);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, &text).unwrap();
        }
    }

    fn provision(&self) {
        let keys = self.root.join("var/lib/kiosk/keys");
        let db_key = keys.join("db.key");
        for args in [
            vec!["db", "keygen", "--out", db_key.to_str().unwrap()],
            vec![
                "satisfaction",
                "keygen",
                "--out",
                keys.to_str().unwrap(),
                "--kiosk",
                "12",
            ],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
                .args(&args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
        }
        std::fs::copy(
            keys.join("kiosk-00012.pub"),
            self.root.join("etc/kiosk/fleet-keys/kiosk-00012.pub"),
        )
        .unwrap();
        let key = DatabaseKey::load(&db_key).unwrap();
        let mut store = Store::open(
            self.root.join("var/lib/kiosk/kiosk.db"),
            &OpenOptions::encrypted(key),
        )
        .unwrap();
        for n in 0..3 {
            store.register_case(case(n)).unwrap();
        }
        store.close().unwrap();
        std::fs::write(self.work.join("case.json"), CASE_JSON).unwrap();
    }

    /// `kioskctl` with `args` (paths rewritten) in the working directory.
    fn command(&self, args: &[String]) -> Command {
        let rewritten: Vec<String> = args.iter().map(|a| self.path(a)).collect();
        self.command_as_is(&rewritten)
    }

    /// `kioskctl` with `args` as they are, in the working directory.
    fn command_as_is(&self, args: &[String]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kioskctl"));
        command
            .args(&args[1..])
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

/// The `--case-json` of `receipt escpos`, in the format its `--help` documents.
const CASE_JSON: &str = r#"{
  "agency": "اداره کل نمونه استان تهران", "desk": "میز ارتباطات مردمی",
  "kind": "complaint",
  "subject": "تأخیر در صدور سند",
  "tracking_code": "1000120000000426",
  "registered_at": "2026-11-23T06:30:00Z",
  "national_code": "0499370899",
  "mobile": "09121234567",
  "description": "سند پس از سه ماه هنوز صادر نشده است.", "description_lines": 2,
  "portal_url": "https://saamad.ir", "phone": "111",
  "footer": "با سپاس از مراجعه‌ی شما"
}"#;

/// The `n`-th case of the test database, registered by kiosk 12.
fn case(n: u32) -> NewCase {
    let mut first_nine = [0u8; 9];
    let digits = format!("{:09}", 123_456_789 + n * 7);
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    NewCase {
        kiosk: KioskNumber::new(KIOSK).unwrap(),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: "deed-delay".into(),
        service_id: Some("11021".into()),
        visitor: kiosk_core::VisitorId::from(
            NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default())
                .unwrap(),
        ),
        phone: None,
        notice_consent_at: None,
        description: "سند پس از سه ماه هنوز صادر نشده است.".into(),
        // 1405-07-03 (25 September 2026), inside the README's month and quarter.
        registered_at: DateTime::<Utc>::from_timestamp(1_790_312_400 + i64::from(n) * 3600, 0)
            .unwrap(),
        due: None,
        unit: "دفتر ارتباطات مردمی".into(),
        official_tier: None,
        next_visit: None,
    }
}

/// Waits for `child` at most [`LIMIT`], killing it after that.
fn finish(mut child: Child) -> Result<Output, String> {
    let started = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return child.wait_with_output().map_err(|e| e.to_string());
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {LIMIT:?}: killed"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `args` in `kiosk`, with `stdin` on its standard input.
fn run(kiosk: &Kiosk, args: &[String], stdin: Option<&str>) -> Result<Output, String> {
    let mut command = kiosk.command(args);
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().map_err(|e| e.to_string())?;
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().ok_or("no stdin")?;
        pipe.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    finish(child)
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// Exit 0, the `--out` target written, and the JSON the comment promises (`# {"key":value,…}`).
fn check_success(kiosk: &Kiosk, example: &Example, out: &Output) -> Result<(), String> {
    if out.status.code() != Some(0) {
        return Err(describe(out));
    }
    let args = example.args();
    if let Some(i) = args.iter().position(|a| a == "--out") {
        let target = kiosk.work.join(kiosk.path(&args[i + 1]));
        let written = if target.is_dir() {
            std::fs::read_dir(&target)
                .map_err(|e| e.to_string())?
                .count()
                > 0
        } else {
            std::fs::metadata(&target).is_ok_and(|m| m.len() > 0)
        };
        if !written {
            return Err(format!("--out {} was not written", target.display()));
        }
    }
    if let Some(promised) = example.comment.strip_prefix('{') {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("the comment promises JSON, stdout is not ({e})"))?;
        for pair in promised.split(',') {
            let Some((key, value)) = pair.split_once(':') else {
                continue;
            };
            let key: String = serde_json::from_str(key.trim()).map_err(|e| e.to_string())?;
            let value: serde_json::Value = serde_json::from_str(value.trim().trim_end_matches('}'))
                .map_err(|e| format!("{pair}: {e}"))?;
            if json[&key] != value {
                return Err(format!(
                    "the comment promises {key} = {value}, the output has {}",
                    json[&key]
                ));
            }
        }
    }
    Ok(())
}

/// Runs one example as its plan says.
fn run_example(example: &Example, how: How) -> Result<String, String> {
    let args = match &example.form {
        Form::Plain(a) | Form::PinOnStdin(a) => a.clone(),
        Form::Capture { then, .. } => then.clone(),
    };
    match how {
        How::Runs { provisioned } => {
            let kiosk = Kiosk::new(provisioned);
            let out = match &example.form {
                Form::Plain(a) => run(&kiosk, a, None)?,
                Form::PinOnStdin(a) => run(&kiosk, a, Some(&format!("{PIN}\n")))?,
                Form::Capture { name, first, then } => {
                    let captured = run(&kiosk, first, None)?;
                    check_success(
                        &kiosk,
                        &Example {
                            line: String::new(),
                            form: Form::Plain(first.clone()),
                            comment: String::new(),
                        },
                        &captured,
                    )
                    .map_err(|e| format!("$({}): {e}", first.join(" ")))?;
                    let value = String::from_utf8_lossy(&captured.stdout).trim().to_owned();
                    let then: Vec<String> = then
                        .iter()
                        .map(|w| w.replace(&format!("${name}"), &value))
                        .collect();
                    run(&kiosk, &then, None)?
                }
            };
            check_success(&kiosk, example, &out)?;
            Ok("ran".into())
        }
        How::Scanner => {
            let kiosk = Kiosk::new(true);
            let (mut scanner, device) = TTYPort::pair().map_err(|e| e.to_string())?;
            let pty = device.name().ok_or("the pty has no path")?;
            let mut args: Vec<String> = args.iter().map(|a| kiosk.path(a)).collect();
            let i = args
                .iter()
                .position(|a| a == "--serial")
                .ok_or("no --serial")?;
            args[i + 1] = pty;
            let mut child = kiosk
                .command_as_is(&args)
                .spawn()
                .map_err(|e| e.to_string())?;
            let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
            let (lines, printed) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in stdout.lines().map_while(Result::ok) {
                    if lines.send(line).is_err() {
                        break;
                    }
                }
            });
            let next = || {
                printed
                    .recv_timeout(Duration::from_secs(20))
                    .unwrap_or_default()
            };
            let connected = next();
            scanner
                .write_all(b"1000120000000426\r\n")
                .and_then(|()| scanner.flush())
                .map_err(|e| e.to_string())?;
            let scanned = next();
            // A scanner runs until interrupted.
            let _ = child.kill();
            let _ = child.wait();
            drop(device);
            if !connected.contains("\"connected\"") || !scanned.contains("\"tracking_code\"") {
                return Err(format!("printed {connected:?} then {scanned:?}"));
            }
            Ok("ran, a pseudo-terminal as the scanner, interrupted after one scan".into())
        }
        How::Printer => {
            let kiosk = Kiosk::new(true);
            let (printer, pty) = Responder::pty(READY_ANSWERS).map_err(|e| e.to_string())?;
            kiosk.write_config(Some(&pty));
            let out = run(&kiosk, &args, None)?;
            check_success(&kiosk, example, &out)?;
            if args.iter().any(|a| a == "--test-print") && printer.received().len() < 100 {
                return Err("--test-print sent no receipt to the printer".into());
            }
            Ok("ran, a pseudo-terminal answering as a ready printer".into())
        }
        How::Speech if has_espeak() => run_example(example, How::Runs { provisioned: true })
            .map(|_| "ran with espeak-ng".into()),
        How::Speech => run_example(
            example,
            How::ParseOnly {
                why: "espeak-ng is not installed",
                exit: 2,
                says: &["espeak"],
            },
        ),
        How::ParseOnly { why, exit, says } => {
            let kiosk = Kiosk::new(true);
            let out = run(&kiosk, &args, None)?;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if out.status.code() != Some(exit)
                || text.contains("Usage:")
                || !says.iter().any(|s| text.contains(s))
            {
                return Err(format!(
                    "expected exit {exit} naming one of {says:?} (not a usage error): {}",
                    describe(&out)
                ));
            }
            Ok(format!("parses only ({why})"))
        }
    }
}

fn has_espeak() -> bool {
    Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_kioskctl_example_in_the_readme_runs_as_printed() {
    let lines = readme_lines();
    assert!(
        lines.len() >= 10,
        "the block has only {} lines",
        lines.len()
    );
    let mut failures = Vec::new();
    for line in &lines {
        let started = Instant::now();
        let outcome = parse(line).and_then(|example| {
            let how = plan_of(example.args()).ok_or_else(|| {
                format!(
                    "the test does not know how to run `kioskctl {}`: add it to PLANS",
                    example.args().first().map_or("", String::as_str)
                )
            })?;
            run_example(&example, how)
        });
        match outcome {
            Ok(how) => eprintln!(
                "ok ({how}, {:.1} s): {line}",
                started.elapsed().as_secs_f64()
            ),
            Err(e) => failures.push(format!("{line}\n  {}", e.replace('\n', "\n  "))),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} README examples fail:\n{}",
        failures.len(),
        lines.len(),
        failures.join("\n")
    );
}

#[test]
fn lines_the_test_cannot_run_are_refused_not_skipped() {
    for line in [
        "kioskctl frobnicate --now",
        "sudo kioskctl db check /var/lib/kiosk/kiosk.db",
        "kioskctl db check /var/lib/kiosk/kiosk.db > out.txt",
        "kioskctl staff list --db x | head",
        "X=$(kioskctl tracking-code make --kiosk 1 --sequence 1); kioskctl tracking-code check y",
        "kioskctl \"unclosed",
    ] {
        let known = parse(line).and_then(|e| plan_of(e.args()).ok_or_else(String::new));
        assert!(known.is_err(), "{line}: {known:?}");
    }
    let example =
        parse("read -rs PIN; echo \"$PIN\" | kioskctl staff add --db /d --name \"مریم رضایی\" # c")
            .unwrap();
    assert_eq!(
        example.form,
        Form::PinOnStdin(
            [
                "kioskctl",
                "staff",
                "add",
                "--db",
                "/d",
                "--name",
                "مریم رضایی"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert_eq!(example.comment, "c");
    assert!(example.line.starts_with("read"));
}
