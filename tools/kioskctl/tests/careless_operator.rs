//! What a careless operator (or an attacker with the configuration in hand) can make `kioskctl`
//! do: a regular file named as a device is refused before a byte is written to it, endless or
//! huge input is refused at once, and the messages name the key and line without echoing a
//! whole oversized value.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const HEAD: &str =
    "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n[speech]\nbackend = \"none\"\n";

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn issue_keys(json: &Value) -> Vec<String> {
    json["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn write_config(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, format!("{HEAD}{body}")).expect("config written");
    path
}

#[test]
fn a_regular_file_or_directory_as_the_printer_fails_config_check_naming_printer_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("receipts.log");
    std::fs::write(&file, b"yesterday\n").unwrap();
    let folder = dir.path().join("spool");
    std::fs::create_dir(&folder).unwrap();
    for target in [&file, &folder] {
        let config = write_config(
            dir.path(),
            &format!("[printer]\npath = \"{}\"\n", target.display()),
        );
        let out = kioskctl(&["config", "check", config.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(1), "{}", target.display());
        let json = json_of(&out);
        assert_eq!(issue_keys(&json), ["printer.path"], "{json}");
        assert!(
            json["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("not a character device"),
            "{json}"
        );
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"yesterday\n");
}

#[test]
fn devices_printer_refuses_a_regular_file_and_leaves_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lp0");
    let before = b"an operator's notes, not a printer\n".to_vec();
    std::fs::write(&file, &before).unwrap();
    for transport in ["usb", "serial"] {
        let config = write_config(
            dir.path(),
            &format!(
                "[printer]\ntransport = \"{transport}\"\npath = \"{}\"\n",
                file.display()
            ),
        );
        for extra in [&[][..], &["--test-print"][..], &["--json"][..]] {
            let mut args = vec!["devices", "printer", "--config", config.to_str().unwrap()];
            args.extend_from_slice(extra);
            let out = kioskctl(&args);
            assert_ne!(out.status.code(), Some(0), "{transport} {extra:?}");
            let said = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(said.contains("printer.path"), "{said}");
            let after = std::fs::read(&file).unwrap();
            assert_eq!(
                after.len(),
                before.len(),
                "{transport} {extra:?}: size changed"
            );
            assert_eq!(after, before, "{transport} {extra:?}: bytes changed");
        }
    }
}

#[test]
fn devices_printer_refuses_a_missing_device_without_creating_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("lp9");
    let config = write_config(
        dir.path(),
        &format!("[printer]\npath = \"{}\"\n", missing.display()),
    );
    let check = kioskctl(&["config", "check", config.to_str().unwrap(), "--json"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "a missing device passes config check"
    );
    let out = kioskctl(&[
        "devices",
        "printer",
        "--config",
        config.to_str().unwrap(),
        "--test-print",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["error"], "no_device", "{json}");
    assert!(!missing.exists());
}

#[test]
fn devices_scan_refuses_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ttyACM0");
    std::fs::write(&file, b"unchanged").unwrap();
    let out = kioskctl(&[
        "devices",
        "scan",
        "--serial",
        file.to_str().unwrap(),
        "--max",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a character device"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"unchanged");
}

#[test]
fn endless_or_oversized_configuration_is_refused_at_once() {
    let started = Instant::now();
    let out = kioskctl(&["config", "check", "/dev/zero", "--json"]);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert!(
        json["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("1 MiB"),
        "{json}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.push(b'#');
    bytes.resize(kiosk_config::MAX_FILE_BYTES, b'x');
    std::fs::write(&path, &bytes).unwrap();
    let at_bound = kioskctl(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(at_bound.status.code(), Some(0), "exactly at the bound");
    bytes.push(b'x');
    std::fs::write(&path, &bytes).unwrap();
    let over = kioskctl(&["config", "check", path.to_str().unwrap(), "--json"]);
    assert_eq!(over.status.code(), Some(1), "one byte over the bound");
    assert!(
        json_of(&over)["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("larger than")
    );
}

#[test]
fn messages_name_the_duplicate_key_the_bad_byte_and_cut_long_values() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[kiosk]\n");
    std::fs::write(
        &config,
        format!("{HEAD}[printer]\ndots = 576\ndots = 512\n"),
    )
    .unwrap();
    let out = kioskctl(&["config", "check", config.to_str().unwrap(), "--json"]);
    let json = json_of(&out);
    assert_eq!(issue_keys(&json), ["printer.dots"], "{json}");
    assert!(
        json["issues"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("line 9")
    );

    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"[receipt]\nfooter = \"\xC3\x28\"\n");
    std::fs::write(&config, &bytes).unwrap();
    let out = kioskctl(&["config", "check", config.to_str().unwrap(), "--json"]);
    let reason = json_of(&out)["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let offset = HEAD.len() + "[receipt]\nfooter = \"".len();
    assert!(
        reason.contains(&format!("line 8, column 11 (byte offset {offset})")),
        "{reason}"
    );

    let huge = "Z".repeat(131 * 1024);
    for body in [
        format!("[receipt]\nportal_url = \"{huge}\"\n"),
        format!("[receipt]\nphone = {huge}\n"),
        format!("[printer]\n{huge} = 1\n"),
    ] {
        std::fs::write(&config, format!("{HEAD}{body}")).unwrap();
        let out = kioskctl(&["config", "check", config.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            out.stdout.len() < 2000,
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let plain = kioskctl(&["config", "check", config.to_str().unwrap()]);
        assert!(
            plain.stderr.len() < 1000,
            "{}",
            String::from_utf8_lossy(&plain.stderr)
        );
    }
}
