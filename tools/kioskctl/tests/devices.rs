//! `kioskctl devices scan` over a real pseudo-terminal standing in for a serial scanner, and
//! `kioskctl speak` writing a real WAV with espeak-ng.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serialport::{SerialPort, TTYPort};

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
