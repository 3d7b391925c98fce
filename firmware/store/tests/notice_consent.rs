//! The visitor's consent to SMS notices is kept with the case (docs/rules.md R-000-4.5, store
//! migration 11): when it was given survives closing and reopening the encrypted store, the
//! outbox payload carries the contract's `notice_consent` (always, `false` without one) and
//! `notice_consent_at`, a consent without a mobile number is refused before anything is
//! written, a retry with another answer is a conflict, and a purge keeps the consent while the
//! number goes.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{case, count, db_path, raw};
use kiosk_store::{DatabaseKey, OpenOptions, Store, StoreError};

fn payload(store: &Store, uuid: uuid::Uuid) -> serde_json::Value {
    let item = store.outbox_item(uuid).unwrap().unwrap();
    serde_json::from_str(&item.payload).unwrap()
}

#[test]
fn the_consent_survives_a_reopen_of_the_encrypted_store_and_lands_in_the_payload() {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let options = OpenOptions::encrypted(key.clone());
    let mut agreed = case(1);
    let at = agreed.registered_at - Duration::seconds(20);
    agreed.notice_consent_at = Some(at);
    let declined = case(2);
    let (code_agreed, code_declined) = {
        let mut store = Store::open(db_path(dir.path()), &options).unwrap();
        let a = store.register_case(agreed.clone()).unwrap();
        let d = store.register_case(declined.clone()).unwrap();
        store.close().unwrap();
        (a.tracking_code, d.tracking_code)
    };
    let store = Store::open(db_path(dir.path()), &OpenOptions::encrypted(key)).unwrap();
    let stored = store.case_by_tracking_code(&code_agreed).unwrap().unwrap();
    assert_eq!(stored.notice_consent_at, Some(at));
    assert!(stored.phone.is_some());
    let stored = store
        .case_by_tracking_code(&code_declined)
        .unwrap()
        .unwrap();
    assert_eq!(stored.notice_consent_at, None);
    assert!(
        stored.phone.is_some(),
        "a number alone is kept, without consent"
    );

    let sent = payload(&store, agreed.client_uuid);
    assert_eq!(sent["notice_consent"], serde_json::json!(true), "{sent}");
    assert_eq!(
        sent["notice_consent_at"],
        at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    let sent = payload(&store, declined.client_uuid);
    assert_eq!(sent["notice_consent"], serde_json::json!(false), "{sent}");
    assert!(sent.get("notice_consent_at").is_none(), "{sent}");
}

#[test]
fn a_consent_without_a_mobile_number_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::open(dir.path());
    let mut new = case(3);
    new.phone = None;
    new.notice_consent_at = Some(new.registered_at);
    let err = store.register_case(new).unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Invalid {
                field: "notice_consent_at",
                ..
            }
        ),
        "{err:?}"
    );
    store.close().unwrap();
    assert_eq!(count(&raw(&db_path(dir.path())), "cases"), 0);
}

#[test]
fn a_retry_with_another_answer_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = common::open(dir.path());
    let first = case(4);
    store.register_case(first.clone()).unwrap();
    let mut retried = first.clone();
    retried.notice_consent_at = Some(first.registered_at);
    let err = store.register_case(retried).unwrap_err();
    assert!(
        matches!(&err, StoreError::ClientUuidConflict { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("notice_consent"), "{err}");
}

#[test]
fn the_schema_refuses_a_consent_row_without_a_number_unless_purged() {
    let dir = tempfile::tempdir().unwrap();
    let mut new = case(5);
    new.notice_consent_at = Some(new.registered_at);
    let code = {
        let mut store = common::open(dir.path());
        let code = store.register_case(new).unwrap().tracking_code;
        store.close().unwrap();
        code
    };
    let conn = raw(&db_path(dir.path()));
    let cleared = conn.execute(
        "UPDATE cases SET phone = NULL, phone_masked = NULL WHERE tracking_code = ?1",
        [code.as_string()],
    );
    assert!(cleared.is_err(), "a consent names a number");
    // A purge erases the number and keeps the consent.
    conn.execute(
        "UPDATE cases SET national_code = NULL, national_code_masked = NULL, phone = NULL,
             phone_masked = NULL, description = '', purged_at = registered_at
         WHERE tracking_code = ?1",
        [code.as_string()],
    )
    .unwrap();
    let kept: Option<i64> = conn
        .query_row(
            "SELECT notice_consent_at FROM cases WHERE tracking_code = ?1",
            [code.as_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kept.is_some());
}
