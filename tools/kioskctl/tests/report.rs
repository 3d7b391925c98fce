//! `kioskctl report monthly|quarterly` on a real kiosk database: files written, figures in the
//! JSON, bad periods and missing databases refused with exit status 1.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use chrono::{DateTime, NaiveDate, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{
    MeetingResult, NewCase, NewMeeting, NewStaff, Occupation, OpenOptions, PinPolicy, Store,
    hash_pin,
};
use uuid::Uuid;

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .unwrap()
}

fn national_code() -> NationalCode {
    let nine = [0, 4, 9, 9, 3, 7, 0, 8, 9];
    let check = expected_check_digit(&nine);
    let text: String = nine
        .iter()
        .chain([&check])
        .map(|d| char::from(b'0' + d))
        .collect();
    NationalCode::parse(&text, &NationalCodePolicy::default()).unwrap()
}

#[test]
fn monthly_and_quarterly_reports_are_written_from_a_kiosk_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let kiosk = KioskNumber::new(42).unwrap();
    // 1405-07-05 (27 September 2026), 10:00 Tehran.
    let at: DateTime<Utc> = "2026-09-27T06:30:00Z".parse().unwrap();
    {
        let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
        for n in 0..3 {
            store
                .register_case(NewCase {
                    kiosk,
                    client_uuid: Uuid::new_v4(),
                    kind: CaseKind::Complaint,
                    subject_id: "SUBJ-1".into(),
                    service_id: None,
                    visitor: national_code().into(),
                    phone: None,
                    notice_consent_at: None,
                    description: format!("مورد {n}"),
                    registered_at: at,
                    due: None,
                    unit: "میز".into(),
                    official_tier: None,
                    next_visit: None,
                })
                .unwrap();
        }
        let policy = PinPolicy {
            memory_kib: 256,
            iterations: 1,
            ..PinPolicy::default()
        };
        let staff = store
            .insert_staff(NewStaff {
                employee_code: "E-1".into(),
                display_name: "x".into(),
                pin_hash: hash_pin("1234", &policy).unwrap(),
                active: true,
            })
            .unwrap();
        store
            .record_meeting(NewMeeting {
                client_uuid: Uuid::new_v4(),
                kiosk,
                meeting_day: NaiveDate::from_ymd_opt(2026, 9, 29).unwrap(),
                full_name: "زهرا احمدی".into(),
                national_code: Some(national_code()),
                birth_date: None,
                occupation: Occupation::Government,
                occupation_title: None,
                reason: "بودجه".into(),
                topic: Some("بودجه و اعتبارات".into()),
                results: vec![MeetingResult::ReferredToDeputy],
                result_other: None,
                actions_taken: None,
                staff_id: staff,
                recorded_at: at,
            })
            .unwrap();
        store.close().unwrap();
    }
    let out = dir.path().join("reports");
    let db_arg = db.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    let monthly = kioskctl(&[
        "report",
        "monthly",
        "--month",
        "۱۴۰۵-۰۷",
        "--db",
        db_arg,
        "--out",
        out_arg,
        "--json",
    ]);
    assert!(monthly.status.success(), "{monthly:?}");
    let json: serde_json::Value = serde_json::from_slice(&monthly.stdout).unwrap();
    assert_eq!(json["meetings"], 1);
    let csv = std::fs::read_to_string(out.join("monthly-1405-07.csv")).unwrap();
    assert!(csv.contains("day,1405-07-07,1,100.0"), "{csv}");
    assert!(csv.contains("occupation,government,1,100.0"), "{csv}");
    let html = std::fs::read_to_string(out.join("monthly-1405-07.html")).unwrap();
    assert!(html.contains("<svg"));

    let quarterly = kioskctl(&[
        "report",
        "quarterly",
        "--quarter",
        "1405-Q3",
        "--db",
        db_arg,
        "--out",
        out_arg,
        "--json",
    ]);
    assert!(quarterly.status.success(), "{quarterly:?}");
    let json: serde_json::Value = serde_json::from_slice(&quarterly.stdout).unwrap();
    assert_eq!(json["cases"], 3);
    assert!(out.join("quarterly-1405-Q3.csv").exists());
    assert!(out.join("quarterly-1405-Q3.html").exists());

    let bad = kioskctl(&[
        "report",
        "quarterly",
        "--quarter",
        "1405-Q5",
        "--db",
        db_arg,
        "--out",
        out_arg,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("1405-Q5"));
    let missing = dir.path().join("none.db");
    let bad = kioskctl(&[
        "report",
        "monthly",
        "--month",
        "1405-07",
        "--db",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(!missing.exists(), "a report never creates a database");
}
