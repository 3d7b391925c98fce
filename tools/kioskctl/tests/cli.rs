//! `kioskctl` as scripts use it: real process, real arguments, exit status and JSON checked.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn national_code_valid_in_persian_digits() {
    let out = kioskctl(&["national-code", "۰۴۹۹۳۷۰۸۹۹", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json = json_of(&out);
    assert_eq!(json["valid"], true);
    assert_eq!(json["normalized"], "0499370899");
    assert_eq!(json["masked"], "******0899");
}

#[test]
fn national_code_invalid_gives_reason_and_exit_1() {
    let out = kioskctl(&["national-code", "0499370898", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert_eq!(json["valid"], false);
    assert_eq!(json["reason"], "checksum_mismatch");
    let plain = kioskctl(&["national-code", "1111111111"]);
    assert_eq!(plain.status.code(), Some(1));
    let err = stderr_of(&plain);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("repeated"), "{err}");
    let accepted = kioskctl(&[
        "national-code",
        "1111111111",
        "--accept-test-code",
        "--json",
    ]);
    assert_eq!(accepted.status.code(), Some(0));
    assert_eq!(json_of(&accepted)["test_code"], true);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(kioskctl(&[]).status.code(), Some(2));
    assert_eq!(kioskctl(&["national-code"]).status.code(), Some(2));
    assert_eq!(
        kioskctl(&["due-date", "--from", "1404-08-03", "--kind", "grievance"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        kioskctl(&["tracking-code", "make", "--kiosk", "0", "--sequence", "1"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn due_date_of_a_complaint_in_ascii_and_persian_digits() {
    for from in ["1404-08-03", "۱۴۰۴/۰۸/۰۳"] {
        let out = kioskctl(&["due-date", "--from", from, "--kind", "complaint", "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let json = json_of(&out);
        assert_eq!(json["due_jalali"], "1404-08-14");
        assert_eq!(json["working_days"], 10);
        assert_eq!(json["holidays_known"], true);
    }
    let desk = kioskctl(&[
        "due-date",
        "--from",
        "1404-08-03",
        "--kind",
        "consultation",
        "--json",
    ]);
    assert_eq!(desk.status.code(), Some(0));
    assert_eq!(json_of(&desk)["due_jalali"], Value::Null);
}

#[test]
fn due_date_follows_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(
        &path,
        "[kiosk]\nnumber = 1\nagency = \"a\"\ndesk = \"b\"\n[calendar]\nweekend = [\"thursday\", \"friday\"]\n",
    )
    .unwrap();
    let out = kioskctl(&[
        "due-date",
        "--from",
        "1404-08-03",
        "--kind",
        "complaint",
        "--config",
        path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(json_of(&out)["due_jalali"], "1404-08-17");
}

#[test]
fn due_date_gives_the_next_visit_of_a_kind_that_owes_no_answer() {
    // Saturday 1404-08-03: the next Tuesday is 1404-08-06; three working days the same.
    let table = [
        (None, "at_desk", None),
        (Some("weekly:tuesday"), "weekly:tuesday", Some("1404-08-06")),
        (Some("working_days:3"), "working_days:3", Some("1404-08-06")),
    ];
    for (rule, shown, jalali) in table {
        let mut args = vec!["due-date", "--from", "1404-08-03", "--kind", "consultation"];
        if let Some(rule) = rule {
            args.extend(["--next-visit", rule]);
        }
        args.push("--json");
        let out = kioskctl(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let json = json_of(&out);
        assert_eq!(json["due_jalali"], Value::Null);
        assert_eq!(json["next_visit"]["rule"], shown, "{json}");
        assert_eq!(json["next_visit"]["jalali"].as_str(), jalali, "{json}");
    }
    // Bad rules: an English reason, exit 1.
    for (kind, rule, why) in [
        ("consultation", "weekly:someday", "not an English weekday"),
        ("consultation", "working_days:0", "out of range"),
        ("consultation", "weekly:friday", "weekend day"),
        ("complaint", "at_desk", "owes a written answer"),
    ] {
        let out = kioskctl(&[
            "due-date",
            "--from",
            "1404-08-03",
            "--kind",
            kind,
            "--next-visit",
            rule,
        ]);
        assert_eq!(out.status.code(), Some(1), "{rule}");
        assert!(stderr_of(&out).contains(why), "{rule}: {}", stderr_of(&out));
    }
}

#[test]
fn due_date_with_a_bad_date_is_invalid() {
    let out = kioskctl(&[
        "due-date",
        "--from",
        "1404-12-30",
        "--kind",
        "complaint",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    assert!(
        json["reason"].as_str().unwrap().contains("day 30"),
        "{json}"
    );
}

#[test]
fn tracking_codes_check_and_make() {
    let made = kioskctl(&[
        "tracking-code",
        "make",
        "--kiosk",
        "12",
        "--sequence",
        "427",
        "--json",
    ]);
    assert_eq!(made.status.code(), Some(0));
    let code = json_of(&made)["normalized"].as_str().unwrap().to_owned();
    let check = kioskctl(&["tracking-code", "check", &code, "--json"]);
    assert_eq!(check.status.code(), Some(0));
    assert_eq!(json_of(&check)["kiosk"], 12);
    assert_eq!(json_of(&check)["sequence"], 427);
    let mut swapped: Vec<char> = code.chars().collect();
    swapped.swap(13, 14);
    let swapped: String = swapped.into_iter().collect();
    let bad = kioskctl(&["tracking-code", "check", &swapped, "--json"]);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(json_of(&bad)["reason"], "check_digit_mismatch");
}

#[test]
fn config_check_lists_every_problem_and_accepts_the_example() {
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware/config/kiosk.example.toml");
    let ok = kioskctl(&["config", "check", example.to_str().unwrap(), "--json"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert_eq!(json_of(&ok)["kiosk_number"], 12);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[kiosk]\nnumber = 123456\nagency = \"a\"\ndesk = \"\"\n",
    )
    .unwrap();
    let out = kioskctl(&["config", "check", bad.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let keys: Vec<String> = json_of(&out)["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, vec!["kiosk.number", "kiosk.desk"]);
    let plain = kioskctl(&["config", "check", bad.to_str().unwrap()]);
    assert_eq!(stderr_of(&plain).lines().count(), 1);
}

#[test]
fn db_check_reports_a_good_database_and_refuses_a_bad_one_without_touching_either() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("kiosk.db");
    drop(kiosk_store::Store::open(&good, &kiosk_store::OpenOptions::default()).unwrap());
    let bad = dir.path().join("notes.db");
    std::fs::write(&bad, "not a database\n").unwrap();
    let listing = || {
        let mut names: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let before = listing();

    let ok = kioskctl(&["db", "check", good.to_str().unwrap(), "--json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    let json = json_of(&ok);
    assert_eq!(json["valid"], true);
    assert_eq!(json["counts"]["cases"], 0);
    assert_eq!(json["schema_version"], json["firmware_schema_version"]);

    let refused = kioskctl(&["db", "check", bad.to_str().unwrap(), "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json_of(&refused)["reason"], "not_a_database");
    let missing = kioskctl(&["db", "check", "/nonexistent/kiosk.db"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(stderr_of(&missing).lines().count(), 1);

    assert_eq!(listing(), before, "db check changed the directory");
}

#[test]
fn receipt_preview_and_escpos_write_files_and_bad_case_json_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("r.png");
    let out = kioskctl(&[
        "receipt",
        "preview",
        "--out",
        png.to_str().unwrap(),
        "--profile",
        "58mm",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let bin = dir.path().join("r.bin");
    let out = kioskctl(&["receipt", "escpos", "--out", bin.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let bytes = std::fs::read(&bin).unwrap();
    assert!(bytes.starts_with(b"\x1b@"), "starts with ESC @");
    assert!(bytes.len() <= 12 * 1024, "{} bytes", bytes.len());

    let case = dir.path().join("case.json");
    let good = serde_json::json!({
        "agency": "اداره", "desk": "میز", "kind": "complaint", "subject": "تأخیر",
        "tracking_code": "1000120000000015", "registered_at": "2026-11-23T06:30:00Z",
        "national_code": "0499370899", "portal_url": "https://saamad.ir", "phone": "111"
    });
    std::fs::write(&case, good.to_string()).unwrap();
    let out = kioskctl(&[
        "receipt",
        "escpos",
        "--out",
        bin.to_str().unwrap(),
        "--case-json",
        case.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));

    let mut bad = good.clone();
    bad["national_code"] = serde_json::json!("0499370898");
    std::fs::write(&case, bad.to_string()).unwrap();
    let before = std::fs::read(&bin).unwrap();
    let out = kioskctl(&[
        "receipt",
        "escpos",
        "--out",
        bin.to_str().unwrap(),
        "--case-json",
        case.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("national_code"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        before,
        "nothing written on bad input"
    );
    let out = kioskctl(&[
        "receipt",
        "preview",
        "--out",
        png.to_str().unwrap(),
        "--profile",
        "75mm",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn satisfaction_keygen_issue_verify_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let k = keys.to_str().unwrap();
    assert_eq!(
        kioskctl(&["satisfaction", "keygen", "--out", k, "--kiosk", "12"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        kioskctl(&["satisfaction", "keygen", "--out", k, "--kiosk", "13"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        kioskctl(&["satisfaction", "keygen", "--out", k, "--kiosk", "12"])
            .status
            .code(),
        Some(2),
        "an existing key is never overwritten"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("kiosk-00012.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let code = "1000120000004275";
    let made = kioskctl(&[
        "tracking-code",
        "make",
        "--kiosk",
        "12",
        "--sequence",
        "427",
    ]);
    let grouped = String::from_utf8(made.stdout).unwrap();
    assert_eq!(grouped.replace(' ', "").trim(), code);
    let issue = |kiosk: &str, at: &str| {
        let out = kioskctl(&[
            "satisfaction",
            "issue",
            "--key",
            k,
            "--kiosk",
            kiosk,
            "--tracking-code",
            code,
            "--service",
            "11021",
            "--employee",
            "EMP-77",
            "--valid-hours",
            "48",
            "--issued-at",
            at,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let url = issue("12", "2026-11-23T06:30:00Z");
    assert!(url.starts_with("https://saamad.ir/s/"), "{url}");
    let verify = |code: &str, now: &str| {
        kioskctl(&[
            "satisfaction",
            "verify",
            code,
            "--keys",
            k,
            "--now",
            now,
            "--json",
        ])
    };
    let ok = verify(&url, "2026-11-24T00:00:00Z");
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_of(&ok));
    let json = json_of(&ok);
    assert_eq!(json["tracking_code"], code);
    assert_eq!(json["employee_code"], "EMP-77");
    let expired = verify(&url, "2026-11-25T06:30:00Z");
    assert_eq!(expired.status.code(), Some(1));
    assert_eq!(json_of(&expired)["reason"], "expired");
    // Signed by kiosk 13's key but claiming kiosk 12: rewrite the key file name to forge.
    std::fs::copy(
        keys.join("kiosk-00013.key"),
        dir.path().join("kiosk-00012.key"),
    )
    .unwrap();
    let forged_out = kioskctl(&[
        "satisfaction",
        "issue",
        "--key",
        dir.path().to_str().unwrap(),
        "--kiosk",
        "12",
        "--tracking-code",
        code,
        "--issued-at",
        "2026-11-23T06:30:00Z",
    ]);
    let forged = String::from_utf8(forged_out.stdout)
        .unwrap()
        .trim()
        .to_owned();
    let refused = verify(&forged, "2026-11-24T00:00:00Z");
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json_of(&refused)["reason"], "bad_signature");
    let garbage = verify("https://saamad.ir/s/not-a-token", "2026-11-24T00:00:00Z");
    assert_eq!(garbage.status.code(), Some(1));
    assert_eq!(json_of(&garbage)["reason"], "malformed");
}
