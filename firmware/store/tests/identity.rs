//! Visitors without a national code (migration 9, docs/identity.md): a case keeps a foreign
//! nationals' identifier or a passport and country, reads back as written, sends it to SAMAD
//! beside a null national code, loses it when purged, and the schema refuses a row whose
//! identifier does not match its kind. A version 8 file opens with its cases unchanged.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{case, count, db_path, open, raw, t0};
use kiosk_core::{IdentityKind, IdentityPolicy, VisitorId};
use kiosk_store::{LATEST_VERSION, MIGRATIONS};

const BOTH: IdentityPolicy = IdentityPolicy {
    national_code: kiosk_core::NationalCodePolicy {
        accept_test_code: false,
    },
    foreign_id: true,
    passport: true,
};

fn visitor(kind: IdentityKind, value: &str, country: Option<&str>) -> VisitorId {
    VisitorId::parse(kind, value, country, &BOTH).unwrap()
}

#[test]
fn every_kind_of_identifier_is_kept_read_back_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    // (identifier, national_code in the payload, identity in the payload)
    let table = [
        (
            visitor(IdentityKind::NationalCode, "0499370899", None),
            Some("0499370899"),
            None,
        ),
        (
            visitor(IdentityKind::ForeignId, "123456789012", None),
            None,
            Some(serde_json::json!({"kind": "foreign_id", "value": "123456789012"})),
        ),
        (
            visitor(IdentityKind::Passport, "p01234567", Some("af")),
            None,
            Some(serde_json::json!({"kind": "passport", "value": "P01234567", "country": "AFG"})),
        ),
    ];
    for (n, (id, national_code, identity)) in table.into_iter().enumerate() {
        let mut new = case(n as u32);
        new.visitor = id.clone();
        let registered = store.register_case(new.clone()).unwrap();
        let stored = store
            .case_by_tracking_code(&registered.tracking_code)
            .unwrap()
            .unwrap();
        assert_eq!(stored.visitor.as_ref(), Some(&id), "{id:?}");
        // The record's Debug shows the identifier masked only.
        let shown = format!("{stored:?}");
        assert!(!shown.contains(&id.value()), "{shown}");
        assert!(shown.contains(&id.masked()), "{shown}");

        let item = store.outbox_item(new.client_uuid).unwrap().unwrap();
        let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
        assert_eq!(
            payload["national_code"].as_str(),
            national_code,
            "{payload}"
        );
        assert_eq!(payload.get("identity").cloned(), identity, "{payload}");

        // The same draft again is the same case; with another identifier it is a conflict.
        assert!(store.register_case(new.clone()).unwrap().already_registered);
        let mut other = new.clone();
        other.visitor = visitor(IdentityKind::ForeignId, "999999999999", None);
        if other.visitor != id {
            let err = store.register_case(other).unwrap_err();
            assert!(err.to_string().contains("visitor"), "{err}");
        }
    }
}

#[test]
fn a_purged_foreign_case_keeps_no_identifier_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let mut store = open(dir.path());
    let mut new = case(1);
    new.visitor = visitor(IdentityKind::Passport, "P01234567", Some("IRQ"));
    let registered = store.register_case(new.clone()).unwrap();
    {
        // SAMAD acknowledged it at t0.
        let conn = raw(&path);
        conn.execute(
            "UPDATE outbox SET state = 'done', done_at = ?1 WHERE item_uuid = ?2",
            rusqlite::params![t0().timestamp_millis(), new.client_uuid.to_string()],
        )
        .unwrap();
    }
    let report = store
        .purge_personal_data(t0() + Duration::days(10), 7)
        .unwrap();
    assert_eq!(report.cases, 1);
    let purged = store
        .case_by_tracking_code(&registered.tracking_code)
        .unwrap()
        .unwrap();
    assert_eq!(purged.visitor, None);
    let conn = raw(&path);
    let (foreign, number, country): (Option<String>, Option<String>, Option<String>) = conn
        .query_row(
            "SELECT foreign_id, passport_number, passport_country FROM cases",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((foreign, number, country), (None, None, None));
    let payload: String = conn
        .query_row("SELECT payload FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert!(!payload.contains("P01234567"), "{payload}");
    assert!(!payload.contains("identity"), "{payload}");
}

#[test]
fn the_schema_refuses_an_identifier_that_does_not_match_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let mut store = open(dir.path());
    let mut new = case(1);
    new.visitor = visitor(IdentityKind::ForeignId, "123456789012", None);
    store.register_case(new).unwrap();
    drop(store);
    let conn = raw(&path);
    let refused = [
        // A second identifier beside the first.
        "UPDATE cases SET national_code = '0499370899', national_code_masked = '******0899'",
        "UPDATE cases SET passport_number = 'P0123456', passport_country = 'AFG'",
        // None at all without a purge.
        "UPDATE cases SET foreign_id = NULL",
        // The kind changed under it.
        "UPDATE cases SET id_kind = 'passport'",
        "UPDATE cases SET id_kind = 'fida'",
        // Malformed values.
        "UPDATE cases SET foreign_id = '12345678901'",
        "UPDATE cases SET foreign_id = '12345678901A'",
        // A passport without its country, or with a lower-case one.
        "UPDATE cases SET id_kind = 'passport', foreign_id = NULL, passport_number = 'P0123456'",
        "UPDATE cases SET id_kind = 'passport', foreign_id = NULL, passport_number = 'P0123456',
             passport_country = 'afg'",
        "UPDATE cases SET id_kind = 'passport', foreign_id = NULL, passport_number = 'p0123456',
             passport_country = 'AFG'",
    ];
    for sql in refused {
        assert!(conn.execute(sql, []).is_err(), "accepted: {sql}");
    }
    // The same change made whole is accepted.
    conn.execute(
        "UPDATE cases SET id_kind = 'passport', foreign_id = NULL, passport_number = 'P0123456',
             passport_country = 'AFG'",
        [],
    )
    .unwrap();
}

#[test]
fn a_version_8_file_keeps_its_cases_as_national_code_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let code = |n| kiosk_core::TrackingCode::new(common::kiosk(1), n).unwrap();
    {
        let conn = raw(&path);
        for step in &MIGRATIONS[..8] {
            conn.execute_batch(step.sql).unwrap();
        }
        conn.execute_batch(&format!(
            "INSERT INTO cases (id, client_uuid, tracking_code, kiosk_number, sequence, kind,
                 subject_id, national_code, national_code_masked, description, registered_at,
                 status, official_tier, purged_at)
             VALUES (1, '00000000-0000-0000-0000-000000000001', '{}', 1, 1,
                 'complaint', 's', '0499370899', '******0899', 'words', 0, 'registered',
                 'county', NULL),
                    (2, '00000000-0000-0000-0000-000000000002', '{}', 1, 2,
                 'request', 's', NULL, NULL, '', 0, 'closed', NULL, 5);
             INSERT INTO case_events (id, case_id, at, actor, unit, kind, note)
             VALUES (5, 1, 0, 'kiosk', 'u', 'registered', NULL);
             PRAGMA user_version = 8;",
            code(1),
            code(2)
        ))
        .unwrap();
    }
    let store = open(dir.path());
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    let kept = store.case_by_tracking_code(&code(1)).unwrap().unwrap();
    assert_eq!(
        kept.visitor.as_ref().map(VisitorId::value).as_deref(),
        Some("0499370899")
    );
    assert_eq!(kept.official_tier.map(|t| t.as_str()), Some("county"));
    let purged = store.case_by_tracking_code(&code(2)).unwrap().unwrap();
    assert_eq!(purged.visitor, None);
    drop(store);
    let conn = raw(&path);
    assert_eq!(count(&conn, "case_events"), 1);
    let kinds: Vec<String> = conn
        .prepare("SELECT id_kind FROM cases ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kinds, ["national_code", "national_code"]);
    assert!(conn.execute("DELETE FROM case_events", []).is_err());
}
