//! Migration 4: a database whose purged rows hold the old placeholder national code (all ones)
//! opens with those rows turned into NULL + `purged_at`, every other row untouched, the tables
//! that point at cases and meetings still pointing at them, and the schema refusing a half
//! purged row from then on.

#![allow(clippy::unwrap_used)]

mod common;

use common::{count, db_path, open, raw};
use kiosk_store::{LATEST_VERSION, MIGRATIONS};

const PLACEHOLDER: &str = "1111111111";

#[test]
fn rows_purged_under_the_placeholder_rule_become_null_with_a_purge_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    {
        let conn = raw(&path);
        for step in &MIGRATIONS[..3] {
            conn.execute_batch(step.sql).unwrap();
        }
        conn.execute_batch(&format!(
            "INSERT INTO cases (id, client_uuid, tracking_code, kiosk_number, sequence, kind,
                 subject_id, national_code, national_code_masked, phone, phone_masked,
                 description, registered_at, status)
             VALUES
             (1, '00000000-0000-0000-0000-000000000001', '1000010000000010', 1, 1, 'complaint',
                 's', '0499370899', '******0899', '09121234567', '0912***4567', 'words', 0,
                 'submitted'),
             (2, '00000000-0000-0000-0000-000000000002', '1000010000000027', 1, 2, 'complaint',
                 's', '{PLACEHOLDER}', '**********', NULL, NULL, '', 0, 'closed');
             INSERT INTO case_events (id, case_id, at, actor, unit, kind, note)
             VALUES (5, 1, 0, 'kiosk', 'u', 'registered', NULL),
                    (6, 2, 0, 'kiosk', 'u', 'registered', NULL);
             INSERT INTO outbox (item_uuid, item_kind, case_id, payload, created_at)
             VALUES ('00000000-0000-0000-0000-000000000001', 'case', 1,
                     '{{\"national_code\":\"0499370899\"}}', 0),
                    ('00000000-0000-0000-0000-000000000002', 'case', 2,
                     '{{\"national_code\":\"{PLACEHOLDER}\"}}', 0);
             INSERT INTO staff (id, employee_code, display_name, pin_hash)
             VALUES (1, 'E-1', 'name', 'hash');
             INSERT INTO meetings (id, client_uuid, kiosk_number, meeting_day, meeting_jalali,
                 full_name, national_code, national_code_masked, occupation, reason, staff_id,
                 employee_code, recorded_at)
             VALUES (3, '00000000-0000-0000-0000-000000000003', 1, '2026-11-01', '1405/08/10',
                 '-', '{PLACEHOLDER}', '**********', 'private', '-', 1, 'E-1', 0),
                    (4, '00000000-0000-0000-0000-000000000004', 1, '2026-11-02', '1405/08/11',
                 'Ali', '0499370899', '******0899', 'private', 'why', 1, 'E-1', 0);
             INSERT INTO meeting_results (meeting_id, result) VALUES (3, 'other'), (4, 'other');
             PRAGMA user_version = 3;"
        ))
        .unwrap();
    }

    let store = open(dir.path());
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    drop(store);
    let conn = raw(&path);
    let row = |sql: &str| -> (Option<String>, Option<String>, Option<i64>) {
        conn.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
    };
    let (code, masked, purged) =
        row("SELECT national_code, national_code_masked, purged_at FROM cases WHERE id = 1");
    assert_eq!(
        (code.as_deref(), masked.as_deref(), purged),
        (Some("0499370899"), Some("******0899"), None)
    );
    let (code, masked, purged) =
        row("SELECT national_code, national_code_masked, purged_at FROM cases WHERE id = 2");
    assert_eq!((code, masked), (None, None));
    assert!(
        purged.is_some_and(|ms| ms > 1_700_000_000_000),
        "{purged:?}"
    );
    let (code, _, purged) =
        row("SELECT national_code, national_code_masked, purged_at FROM meetings WHERE id = 3");
    assert!(code.is_none() && purged.is_some());
    let (code, _, purged) =
        row("SELECT national_code, national_code_masked, purged_at FROM meetings WHERE id = 4");
    assert_eq!((code.as_deref(), purged), (Some("0499370899"), None));
    // Nothing lost, nothing dangling, the append-only guard still there.
    assert_eq!(count(&conn, "cases"), 2);
    assert_eq!(count(&conn, "case_events"), 2);
    assert_eq!(count(&conn, "meeting_results"), 2);
    let dangling: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(dangling, 0);
    assert!(conn.execute("DELETE FROM case_events", []).is_err());
    // The converted row's stored payload lost the placeholder; the other kept its code.
    let payload = |id: i64| -> String {
        conn.query_row(
            "SELECT json_extract(payload, '$.national_code') FROM outbox WHERE case_id = ?1",
            [id],
            |r| r.get::<_, Option<String>>(0),
        )
        .unwrap()
        .unwrap_or_default()
    };
    assert_eq!(payload(1), "0499370899");
    assert_eq!(payload(2), "");
    // A row cannot be half purged: no code without a purge time, no purge time with a code.
    assert!(
        conn.execute("UPDATE cases SET national_code = NULL WHERE id = 1", [])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE cases SET purged_at = 1 WHERE id = 1", [])
            .is_err()
    );
    assert!(
        conn.execute(
            "UPDATE meetings SET national_code = NULL, national_code_masked = NULL WHERE id = 4",
            []
        )
        .is_err()
    );
}

#[test]
fn a_file_with_rows_pointing_at_nothing_is_refused_and_left_at_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    {
        let conn = raw(&path);
        for step in &MIGRATIONS[..3] {
            conn.execute_batch(step.sql).unwrap();
        }
        // Written with the checks off, as a damaged or hand-edited file could be.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(
            "INSERT INTO case_events (id, case_id, at, actor, unit, kind, note)
             VALUES (5, 99, 0, 'kiosk', 'u', 'registered', NULL);
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let err = kiosk_store::Store::open(&path, &kiosk_store::OpenOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("missing rows"), "{err}");
    let conn = raw(&path);
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3, "rolled back: the rebuild did not happen");
    let has_purged_at: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('cases') WHERE name = 'purged_at'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(has_purged_at, 0);
    assert_eq!(count(&conn, "case_events"), 1);
}
