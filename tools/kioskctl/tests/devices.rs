//! `kioskctl devices scan` over a real pseudo-terminal standing in for a serial scanner,
//! `kioskctl devices printer` against a printer played on a real pty and on TCP loopback,
//! `kioskctl devices card` against a real pcscd with the vpcd reader driver and a virtual card
//! (the drivers' harness; needs root, one pcscd at a time), and `kioskctl speak` writing a real
//! WAV with espeak-ng.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use kiosk_drivers::printer::responder::{READY_ANSWERS, Responder};
use serialport::{SerialPort, TTYPort};

#[path = "../../../drivers/tests/support/pcsc.rs"]
mod pcsc;

#[test]
fn devices_scan_prints_one_classified_json_line_per_scan() {
    let (mut scanner, device) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = device.name().expect("the pty has a path");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args([
            "devices", "scan", "--serial", &path, "--baud", "115200", "--max", "3",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("kioskctl runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first event").expect("text");
    assert!(first.contains("\"connected\""), "{first}");
    scanner
        .write_all(b"0499370899\r\n1000120000004275\r\n")
        .expect("write");
    scanner
        .write_all(&[0xff, 0xfe, 0x00, 0x81, b'\r', b'\n'])
        .expect("write noise");
    scanner.flush().expect("flush");
    let rest: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(&l.expect("text")).expect("JSON line"))
        .collect();
    let status = child.wait().expect("exits");
    assert!(status.success());
    assert_eq!(rest.len(), 3, "{rest:?}");
    assert_eq!(rest[0]["kind"], "national_code");
    assert_eq!(
        rest[0]["value"], "******0899",
        "national codes are printed masked"
    );
    assert_eq!(rest[1]["kind"], "tracking_code");
    assert_eq!(rest[1]["value"], "1000120000004275");
    assert_eq!(rest[2]["kind"], "not_text");
    drop(device);
}

#[test]
fn speak_writes_a_persian_wav() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("hello.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args([
            "speak",
            "سلام، به میز ارتباطات مردمی خوش آمدید",
            "--out",
            wav.to_str().expect("utf-8"),
        ])
        .output()
        .expect("kioskctl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&wav).expect("the WAV exists");
    assert!(bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WAVE");
    assert!(
        bytes.len() > 20_000,
        "{} bytes is too short for a spoken sentence",
        bytes.len()
    );
}

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A kiosk.toml with this `[printer]` section body.
fn printer_config(dir: &Path, printer: &str) -> String {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nnumber = 7\nagency = \"اداره\"\ndesk = \"میز\"\n[printer]\n{printer}\nstall_timeout_ms = 2000\nstatus_timeout_ms = 300\n"
        ),
    )
    .expect("config written");
    path.display().to_string()
}

#[test]
fn devices_printer_reads_status_and_test_prints_on_a_serial_pty() {
    let (printer, slave) = Responder::pty(READY_ANSWERS).expect("pty");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = printer_config(
        dir.path(),
        &format!(
            "transport = \"serial\"\npath = \"{}\"\nbaud = 115200\nprofile = \"58mm\"",
            slave.display()
        ),
    );
    let out = kioskctl(&["devices", "printer", "--config", &config, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    assert_eq!(report["status"], "ready");
    assert_eq!(report["profile"], "58mm");
    assert_eq!(printer.queries(), 4, "DLE EOT 1-4 asked once");

    let out = kioskctl(&[
        "devices",
        "printer",
        "--config",
        &config,
        "--test-print",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let sample = kiosk_receipt::encode(&kiosk_receipt::sample(), &kiosk_receipt::Profile::MM58)
        .expect("sample encodes");
    assert_eq!(report["printed_bytes"], sample.len());
    let got = printer.received();
    assert!(
        got.windows(sample.len()).any(|w| w == sample.as_slice()),
        "the sample receipt arrived whole"
    );
}

#[test]
fn devices_printer_on_tcp_says_what_is_wrong_and_exits_1() {
    let (printer, address) = Responder::tcp(READY_ANSWERS).expect("listener");
    let dir = tempfile::tempdir().expect("temp dir");
    let config = printer_config(
        dir.path(),
        &format!("transport = \"tcp\"\nhost = \"{address}\""),
    );
    let out = kioskctl(&["devices", "printer", "--config", &config]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ready"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Paper end (DLE EOT 4 bits 5 and 6).
    printer.set_answers([0x12, 0x12, 0x12, 0x72]);
    let out = kioskctl(&[
        "devices",
        "printer",
        "--config",
        &config,
        "--test-print",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["status"], "paper_end");
    assert_eq!(report["ok"], false);
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|r| r.contains("out of paper")),
        "{report}"
    );
    drop(printer);
    let out = kioskctl(&["devices", "printer", "--config", &config]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a printer that is gone is not ready"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid:"));
}

#[test]
fn devices_printer_with_a_bad_config_names_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = printer_config(dir.path(), "drawer = true");
    let out = kioskctl(&["devices", "printer", "--config", &config]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("printer.drawer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn devices_card_reads_a_virtual_card_through_pcscd() {
    let _one = pcsc::ONE_PCSCD.blocking_lock();
    // Without pcscd: a clear error, exit 1.
    let out = kioskctl(&["devices", "card", "--json", "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"], "service_unavailable");

    let pcscd = pcsc::Pcscd::start();
    let filter = "Kiosk test VPCD 00 00";
    // A reader that is not there.
    let out = kioskctl(&[
        "devices",
        "card",
        "--json",
        "--reader",
        "ACR39",
        "--timeout",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["error"], "no_reader");
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Kiosk test VPCD"))
    );
    // No card in time.
    let out = kioskctl(&[
        "devices",
        "card",
        "--json",
        "--reader",
        filter,
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"], "timeout");

    // A card inserted while kioskctl waits: masked by default, in full with --show.
    let cert = pcsc::certificate("0499370899", "Ali Rezaei");
    for show in [false, true] {
        let mut args = vec![
            "devices",
            "card",
            "--json",
            "--reader",
            filter,
            "--timeout",
            "10",
        ];
        if show {
            args.push("--show");
        }
        let child = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kioskctl runs");
        std::thread::sleep(std::time::Duration::from_millis(700));
        let card = pcsc::VirtualCard::with_certificate(cert.clone()).insert(pcscd.port);
        let out = child.wait_with_output().expect("kioskctl exits");
        card.remove();
        pcscd.wait_for_card(filter, false);
        assert!(
            out.status.success(),
            "stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let report = json_of(&out);
        assert!(
            report["reader"]
                .as_str()
                .is_some_and(|r| r.contains(filter))
        );
        assert_eq!(report["atr"], "3B 88 80 01 4B 49 4F 53 4B 30 31");
        if show {
            assert_eq!(report["national_code"], "0499370899");
            assert_eq!(report["name"], "Ali Rezaei");
        } else {
            assert_eq!(report["national_code"], "******0899");
            assert_eq!(report["name"], "*** **zaei");
        }
    }

    // A card whose certificate holds a national code with a wrong check digit.
    let child = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args([
            "devices",
            "card",
            "--json",
            "--reader",
            filter,
            "--timeout",
            "10",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("kioskctl runs");
    std::thread::sleep(std::time::Duration::from_millis(700));
    let card = pcsc::VirtualCard::with_certificate(pcsc::certificate("0499370898", "A"))
        .insert(pcscd.port);
    let out = child.wait_with_output().expect("kioskctl exits");
    card.remove();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert_eq!(report["error"], "read_failed");
    assert!(
        report["reason"]
            .as_str()
            .is_some_and(|r| r.contains("national code is invalid")),
        "{report}"
    );
}
