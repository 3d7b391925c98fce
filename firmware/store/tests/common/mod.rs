//! Helpers shared by the integration tests: sample cases, raw SQLite access, and snapshots of a
//! directory (every file's name and bytes) to prove an operation changed nothing on disk.

// Each test binary uses only some helpers; a helper that panics is a test that fails there.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::working_days::{DueDatePolicy, due_date};
use kiosk_core::{CaseKind, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{NewCase, OpenOptions, Store};
use uuid::Uuid;

/// Saturday 1404-08-03 10:00 in Tehran.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-10-25T06:30:00Z")
        .unwrap()
        .to_utc()
}

/// A valid national code made from `n`.
pub fn national_code(n: u32) -> NationalCode {
    let mut first_nine = [0u8; 9];
    let digits = format!("{:09}", 123_456_789 + u64::from(n) * 7_919 % 800_000_000);
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default()).unwrap()
}

pub fn kiosk(n: u32) -> KioskNumber {
    KioskNumber::new(n).unwrap()
}

/// The `n`-th sample complaint of kiosk 42, with a response date.
pub fn case(n: u32) -> NewCase {
    let registered_at = t0() + Duration::minutes(i64::from(n));
    NewCase {
        kiosk: kiosk(42),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: format!("SUBJ-{}", n % 7),
        service_id: Some("SRV-12".to_owned()),
        visitor: national_code(n).into(),
        phone: Some(MobileNumber::parse("09121234567").unwrap()),
        notice_consent_at: None,
        description: format!("شکایت شماره {n}: پاسخ نامه‌ی من داده نشده است."),
        registered_at,
        due: due_date(
            registered_at,
            CaseKind::Complaint,
            None,
            &DueDatePolicy::default(),
        )
        .unwrap(),
        unit: "روابط عمومی".to_owned(),
        official_tier: None,
        next_visit: None,
    }
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("kiosk.db")
}

pub fn open(dir: &Path) -> Store {
    Store::open(db_path(dir), &OpenOptions::default()).unwrap()
}

/// A closed database holding `cases` registrations (WAL checkpointed into the main file).
pub fn closed_db_with(dir: &Path, cases: u32) -> PathBuf {
    let mut store = open(dir);
    for n in 0..cases {
        store.register_case(case(n)).unwrap();
    }
    store.close().unwrap();
    db_path(dir)
}

/// A plain connection to the file, as another tool would have.
pub fn raw(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn
}

pub fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Every file in `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().collect()
}

/// Deterministic noise.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A damaged plaintext database: SQLite's 16-byte magic, an impossible page size (3), then
/// noise. Unlike bare noise (which could be an encrypted database), it is certainly corrupt.
pub fn bad_header(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = noise(len, seed);
    bytes[..16].copy_from_slice(b"SQLite format 3\0");
    bytes[16..18].copy_from_slice(&3u16.to_be_bytes());
    bytes
}
