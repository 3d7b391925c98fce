//! The service desk in the store (migration step 3): staff login with argon2id PINs and lockout,
//! visit claims, services, ratings (one per satisfaction code, attributed to the claiming
//! employee) and meeting forms, each written in one transaction with its outbox item.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, NaiveDate};
use common::{case, count, kiosk, national_code, open, raw, t0};
use ed25519_dalek::{SigningKey, VerifyingKey};
use kiosk_core::satisfaction::{self, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_store::{
    Attribution, DeskError, MeetingResult, NewMeeting, NewRating, NewService, NewStaff, Occupation,
    OutboxItemKind, PinPolicy, RatingReason, Store, StoreError, hash_pin,
};
use uuid::Uuid;

/// Cheap argon2 parameters so tests stay fast in debug builds; the rules are the same.
fn policy() -> PinPolicy {
    PinPolicy {
        max_failures: 3,
        lockout: Duration::minutes(15),
        memory_kib: 256,
        iterations: 1,
    }
}

fn add_staff(store: &mut Store, code: &str, pin: &str) -> i64 {
    store
        .insert_staff(NewStaff {
            employee_code: code.into(),
            display_name: format!("کارمند {code}"),
            pin_hash: hash_pin(pin, &policy()).unwrap(),
            active: true,
        })
        .unwrap()
}

/// A key generated at test time (never a committed secret).
/// The desk terminal that claims visits.
fn desk() -> KioskNumber {
    kiosk(7)
}

fn signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    seed.copy_from_slice(Uuid::new_v4().as_bytes().repeat(2).as_slice());
    SigningKey::from_bytes(&seed)
}

fn code_for(key: &SigningKey, tracking_code: TrackingCode, employee: Option<&str>) -> String {
    let claim = SatisfactionClaim {
        kiosk: tracking_code.kiosk(),
        tracking_code,
        service_id: "11021".into(),
        employee_code: employee.map(str::to_owned),
        issued_at: t0(),
        valid_hours: 72,
    };
    satisfaction::url(
        "https://saamad.ir",
        &satisfaction::issue(&claim, key).unwrap(),
    )
}

fn rating(scanned: &str, score: u8) -> NewRating {
    NewRating {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        scanned: scanned.into(),
        score,
        reasons: vec![RatingReason::StaffBehaviour, RatingReason::Workflow],
        rated_at: t0() + Duration::hours(1),
    }
}

fn keys_of(key: &SigningKey) -> impl Fn(KioskNumber) -> Option<VerifyingKey> + '_ {
    move |k| (k.get() == 42).then(|| key.verifying_key())
}

fn payload(store: &Store, uuid: Uuid) -> serde_json::Value {
    let item = store.outbox_item(uuid).unwrap().unwrap();
    serde_json::from_str(&item.payload).unwrap()
}

#[test]
fn pin_login_counts_failures_locks_out_and_unlocks_after_the_lockout() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    add_staff(&mut store, "E-1001", "4831");
    let p = policy();
    let now = t0();

    let ok = store.staff_login("E-1001", "۴۸۳۱", now, &p).unwrap();
    assert_eq!(ok.employee_code, "E-1001");
    assert!(matches!(
        store.staff_login("E-9999", "4831", now, &p),
        Err(DeskError::UnknownStaff)
    ));
    for remaining in [2, 1] {
        match store.staff_login("E-1001", "0000", now, &p) {
            Err(DeskError::WrongPin { remaining: r, .. }) => assert_eq!(r, remaining),
            other => panic!("expected a wrong PIN, got {other:?}"),
        }
    }
    let locked = store.staff_login("E-1001", "0000", now, &p).unwrap_err();
    let DeskError::LockedOut { until, .. } = locked else {
        panic!("expected a lockout, got {locked:?}");
    };
    assert_eq!(until, now + Duration::minutes(15));
    assert!(
        locked.message_fa().contains("ورود تا ساعت"),
        "{}",
        locked.message_fa()
    );
    // While locked even the right PIN is refused, and it costs nothing.
    let during = now + Duration::minutes(14);
    assert!(matches!(
        store.staff_login("E-1001", "4831", during, &p),
        Err(DeskError::LockedOut { .. })
    ));
    // The lock is on disk: a reopened store still refuses.
    drop(store);
    let mut store = open(dir.path());
    assert!(matches!(
        store.staff_login("E-1001", "4831", during, &p),
        Err(DeskError::LockedOut { .. })
    ));
    // After the lockout the right PIN works and clears the count.
    let after = now + Duration::minutes(15);
    let member = store.staff_login("E-1001", "4831", after, &p).unwrap();
    assert_eq!(member.failed_attempts, 0);
    assert_eq!(member.locked_until, None);
    // After a success the count starts again; a lockout that ran out also starts it again.
    let wrong = |store: &mut Store, at| match store.staff_login("E-1001", "9999", at, &p) {
        Err(DeskError::WrongPin { remaining, .. }) => remaining,
        other => panic!("expected a wrong PIN, got {other:?}"),
    };
    assert_eq!(wrong(&mut store, after), 2);
    assert_eq!(wrong(&mut store, after), 1);
    assert!(matches!(
        store.staff_login("E-1001", "9999", after, &p),
        Err(DeskError::LockedOut { .. })
    ));
    assert_eq!(wrong(&mut store, after + Duration::minutes(15)), 2);
}

#[test]
fn pins_are_argon2id_hashes_and_bad_pins_are_refused() {
    let hash = hash_pin("123456", &policy()).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("123456"));
    assert_ne!(hash, hash_pin("123456", &policy()).unwrap(), "salted");
    assert!(kiosk_store::pin_matches("123456", &hash));
    assert!(!kiosk_store::pin_matches("123457", &hash));
    assert!(!kiosk_store::pin_matches("123456", "not a phc string"));
    for bad in ["123", "1234567890123", "12a4", ""] {
        assert!(
            matches!(hash_pin(bad, &policy()), Err(DeskError::BadPin(_))),
            "{bad:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    add_staff(&mut store, "E-7", "1111");
    let inactive = NewStaff {
        employee_code: "E-8".into(),
        display_name: "x".into(),
        pin_hash: hash_pin("2222", &policy()).unwrap(),
        active: false,
    };
    store.insert_staff(inactive).unwrap();
    assert!(matches!(
        store.staff_login("E-8", "2222", t0(), &policy()),
        Err(DeskError::StaffInactive { .. })
    ));
    store
        .set_staff_pin("E-7", &hash_pin("3333", &policy()).unwrap())
        .unwrap();
    assert!(store.staff_login("E-7", "3333", t0(), &policy()).is_ok());
    assert!(matches!(
        store.set_staff_pin("E-404", "x"),
        Err(DeskError::UnknownStaff)
    ));
}

#[test]
fn a_visit_is_claimed_by_one_employee_and_a_second_scan_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let a = add_staff(&mut store, "E-1", "1234");
    let b = add_staff(&mut store, "E-2", "1234");
    let code = store.register_case(case(1)).unwrap().tracking_code;
    let first = store.claim_visit(&code, a, desk(), t0()).unwrap();
    assert!(!first.already_claimed);
    let again = store
        .claim_visit(&code, a, desk(), t0() + Duration::minutes(5))
        .unwrap();
    assert!(again.already_claimed);
    assert_eq!(again.claimed_at, first.claimed_at);
    let refused = store.claim_visit(&code, b, desk(), t0()).unwrap_err();
    match &refused {
        DeskError::AlreadyClaimed { employee_code, .. } => assert_eq!(employee_code, "E-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(refused.reason_code(), "already_claimed");
    assert!(matches!(
        store.claim_visit(&code, 999, desk(), t0()),
        Err(DeskError::UnknownStaff)
    ));
    assert_eq!(store.visit_claim(&code).unwrap().unwrap().staff_id, a);
    // One claim item for the agency server (the repeat and the refusals queued nothing).
    let claims: Vec<String> = {
        let conn = raw(&common::db_path(dir.path()));
        let mut st = conn
            .prepare("SELECT payload FROM outbox WHERE item_kind = 'claim'")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(claims.len(), 1);
    let claim: serde_json::Value = serde_json::from_str(&claims[0]).unwrap();
    assert_eq!(claim["tracking_code"], code.as_string());
    assert_eq!(claim["employee_code"], "E-1");
    assert_eq!(claim["kiosk_number"], 7);
}

/// Service 11021 given by `staff` for the visit `tracking_code` (case 1's visitor).
fn service_for(staff: i64, tracking_code: kiosk_core::TrackingCode) -> NewService {
    NewService {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        service_id: "11021".into(),
        staff_id: staff,
        tracking_code: Some(tracking_code),
        national_code: Some(national_code(1)),
        note: Some("صدور گواهی".into()),
        given_at: t0(),
    }
}

#[test]
fn a_service_and_its_outbox_item_are_written_together_with_the_masked_national_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let staff = add_staff(&mut store, "E-1", "1234");
    let registered = store.register_case(case(1)).unwrap();
    let new = service_for(staff, registered.tracking_code);
    let service = store.register_service(new.clone()).unwrap();
    assert!(!service.already_registered);
    assert_eq!(service.employee_code, "E-1");
    let body = payload(&store, new.client_uuid);
    assert_eq!(body["service_id"], "11021");
    assert_eq!(body["employee_code"], "E-1");
    assert_eq!(body["tracking_code"], registered.tracking_code.as_string());
    assert_eq!(body["national_code_masked"], national_code(1).masked());
    assert!(
        !body.to_string().contains(&national_code(1).as_string()),
        "the full national code must not be in a service item"
    );
    let item = store.outbox_item(new.client_uuid).unwrap().unwrap();
    assert_eq!(item.item_kind, OutboxItemKind::Service);
    assert_eq!(
        item.case_id,
        Some(registered.case_id),
        "ordered after its case"
    );
    // A retry writes nothing.
    assert!(
        store
            .register_service(new.clone())
            .unwrap()
            .already_registered
    );
    assert_eq!(count(&raw(&common::db_path(dir.path())), "services"), 1);
    // An unknown employee or a blank service id writes nothing at all.
    let mut bad = new.clone();
    bad.client_uuid = Uuid::new_v4();
    bad.staff_id = 77;
    assert!(matches!(
        store.register_service(bad.clone()),
        Err(DeskError::UnknownStaff)
    ));
    bad.staff_id = staff;
    bad.service_id = "  ".into();
    assert!(matches!(
        store.register_service(bad.clone()),
        Err(DeskError::Store(StoreError::Invalid {
            field: "service_id",
            ..
        }))
    ));
    assert!(store.outbox_item(bad.client_uuid).unwrap().is_none());
    assert_eq!(
        store
            .services_between(t0(), t0() + Duration::days(1))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_rating_counts_for_the_claiming_employee_and_a_code_is_rated_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = signing_key();
    let staff = add_staff(&mut store, "E-CLAIM", "1234");
    let registered = store.register_case(case(1)).unwrap();
    let code = code_for(&key, registered.tracking_code, Some("E-ON-CODE"));
    store
        .claim_visit(&registered.tracking_code, staff, desk(), t0())
        .unwrap();

    let first = rating(&code, 4);
    let recorded = store.record_rating(first.clone(), keys_of(&key)).unwrap();
    assert_eq!(recorded.employee_code.as_deref(), Some("E-CLAIM"));
    assert_eq!(recorded.attribution, Attribution::Claim);
    assert_eq!(
        recorded.reasons,
        vec![RatingReason::Workflow, RatingReason::StaffBehaviour]
    );
    let body = payload(&store, first.client_uuid);
    assert_eq!(body["employee_code"], "E-CLAIM");
    assert_eq!(body["attribution"], "claim");
    assert_eq!(body["score"], 4);
    assert_eq!(
        body["reasons"],
        serde_json::json!(["workflow", "staff_behaviour"])
    );
    assert_eq!(body["tracking_code"], registered.tracking_code.as_string());
    let item = store.outbox_item(first.client_uuid).unwrap().unwrap();
    assert_eq!(item.item_kind, OutboxItemKind::Rating);
    assert_eq!(item.case_id, Some(registered.case_id));

    // The same rating sent again (a retry) is answered with the stored one.
    let retry = store.record_rating(first.clone(), keys_of(&key)).unwrap();
    assert!(retry.already_recorded);
    assert_eq!(retry.id, recorded.id);
    // A second rating with the same code, as URL or bare token, is refused.
    for scanned in [code.clone(), satisfaction::token_of(&code).to_owned()] {
        let again = store
            .record_rating(rating(&scanned, 1), keys_of(&key))
            .unwrap_err();
        assert!(matches!(again, DeskError::AlreadyRated { .. }), "{again:?}");
        assert_eq!(again.reason_code(), "already_rated");
        assert!(again.message_fa().contains("قبلاً"));
    }
    assert_eq!(count(&raw(&common::db_path(dir.path())), "ratings"), 1);
    assert!(store.rating_for_code(&code).unwrap().is_some());
}

#[test]
fn without_a_claim_the_code_names_the_employee_or_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = signing_key();
    let k = kiosk(42);
    let named = code_for(&key, TrackingCode::new(k, 900).unwrap(), Some("E-5"));
    let anonymous = code_for(&key, TrackingCode::new(k, 901).unwrap(), None);
    let r = store
        .record_rating(rating(&named, 5), keys_of(&key))
        .unwrap();
    assert_eq!(
        (r.employee_code.as_deref(), r.attribution),
        (Some("E-5"), Attribution::Code)
    );
    let r = store
        .record_rating(rating(&anonymous, 2), keys_of(&key))
        .unwrap();
    assert_eq!((r.employee_code, r.attribution), (None, Attribution::None));
    // A visit of another kiosk has no local case: the item stands alone.
    assert_eq!(
        store.outbox_item(r.client_uuid).unwrap().unwrap().case_id,
        None
    );
}

#[test]
fn refused_codes_and_scores_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = signing_key();
    let code = code_for(&key, TrackingCode::new(kiosk(42), 5).unwrap(), None);
    let before = store.outbox_depth().unwrap();
    for score in [0, 6, 255] {
        assert!(matches!(
            store.record_rating(rating(&code, score), keys_of(&key)),
            Err(DeskError::BadScore(s)) if s == score
        ));
    }
    // Expired: the code was valid for 72 hours.
    let mut late = rating(&code, 3);
    late.rated_at = t0() + Duration::hours(72);
    let e = store.record_rating(late, keys_of(&key)).unwrap_err();
    assert_eq!(e.reason_code(), "expired");
    assert!(e.message_fa().contains("مهلت"));
    // Unknown kiosk: no published key.
    let e = store
        .record_rating(rating(&code, 3), |_| None::<ed25519_dalek::VerifyingKey>)
        .unwrap_err();
    assert_eq!(e.reason_code(), "unknown_kiosk");
    // Signed by another key.
    let other = signing_key();
    let e = store
        .record_rating(rating(&code, 3), keys_of(&other))
        .unwrap_err();
    assert_eq!(e.reason_code(), "bad_signature");
    assert_eq!(store.outbox_depth().unwrap(), before);
    assert!(store.rating_for_code(&code).unwrap().is_none());
}

fn meeting(staff_id: i64) -> NewMeeting {
    NewMeeting {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        meeting_day: NaiveDate::from_ymd_opt(2025, 10, 28).unwrap(),
        full_name: "زهرا احمدی".into(),
        national_code: Some(national_code(3)),
        birth_date: NaiveDate::from_ymd_opt(1980, 3, 21),
        occupation: Occupation::Other,
        occupation_title: Some("کشاورز".into()),
        reason: "پیگیری پرداخت خسارت خشکسالی".into(),
        topic: Some("بودجه و اعتبارات".into()),
        results: vec![MeetingResult::Other, MeetingResult::ReferredToDeputy],
        result_other: Some("قرار ملاقات دوم".into()),
        actions_taken: Some("نامه به معاونت توسعه".into()),
        staff_id,
        recorded_at: t0(),
    }
}

#[test]
fn a_meeting_keeps_every_field_of_the_form_and_sends_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let staff = add_staff(&mut store, "E-1", "1234");
    let new = meeting(staff);
    let recorded = store.record_meeting(new.clone()).unwrap();
    assert_eq!(recorded.meeting_jalali.to_string(), "1404-08-06");
    let listed = store
        .meetings_between(new.meeting_day, new.meeting_day)
        .unwrap();
    assert_eq!(listed.len(), 1);
    let mut expected = new.clone();
    expected.results = vec![MeetingResult::ReferredToDeputy, MeetingResult::Other];
    assert_eq!(listed[0].form, expected, "every field reads back");
    assert_eq!(listed[0].employee_code, "E-1");
    let body = payload(&store, new.client_uuid);
    for field in [
        "meeting_date",
        "meeting_jalali",
        "full_name",
        "national_code",
        "birth_date",
        "occupation",
        "occupation_title",
        "reason",
        "topic",
        "results",
        "result_other",
        "actions_taken",
        "employee_code",
        "recorded_at",
    ] {
        assert!(!body[field].is_null(), "{field} missing from {body}");
    }
    assert_eq!(body["national_code"], national_code(3).as_string());
    assert_eq!(
        body["results"],
        serde_json::json!(["referred_to_deputy", "other"])
    );
    assert!(store.record_meeting(new).unwrap().already_recorded);
}

#[test]
fn meeting_forms_that_break_a_rule_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let staff = add_staff(&mut store, "E-1", "1234");
    type Breaker = fn(&mut NewMeeting);
    let cases: [(&str, Breaker); 7] = [
        ("full_name", |m| m.full_name = " ".into()),
        ("occupation_title", |m| m.occupation_title = None),
        ("reason", |m| m.reason = String::new()),
        ("results", |m| m.results.clear()),
        ("result_other", |m| m.result_other = None),
        ("result_other", |m| {
            m.results = vec![MeetingResult::FollowUpOrdered];
        }),
        ("birth_date", |m| m.birth_date = Some(m.meeting_day)),
    ];
    for (field, break_it) in cases {
        let mut m = meeting(staff);
        break_it(&mut m);
        match store.record_meeting(m) {
            Err(DeskError::Store(StoreError::Invalid { field: f, .. })) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // A government employee needs no title; an unknown staff row is refused.
    let mut ok = meeting(staff);
    ok.occupation = Occupation::Government;
    ok.occupation_title = None;
    store.record_meeting(ok).unwrap();
    let mut unknown = meeting(staff);
    unknown.staff_id = 4040;
    assert!(matches!(
        store.record_meeting(unknown),
        Err(DeskError::UnknownStaff)
    ));
    assert_eq!(count(&raw(&common::db_path(dir.path())), "meetings"), 1);
    assert_eq!(count(&raw(&common::db_path(dir.path())), "outbox"), 1);
}

#[test]
fn ratings_are_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = signing_key();
    let code = code_for(&key, TrackingCode::new(kiosk(42), 7).unwrap(), None);
    store
        .record_rating(rating(&code, 3), keys_of(&key))
        .unwrap();
    drop(store);
    let conn = raw(&common::db_path(dir.path()));
    let e = conn
        .execute("UPDATE ratings SET score = 5", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM rating_reasons", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

/// Errors of `payload` against `#/components/schemas/{schema}` of the SAMAD contract.
fn contract_errors(schema: &str, payload: &serde_json::Value) -> Vec<String> {
    let doc: serde_json::Value =
        serde_yaml_ng::from_str(include_str!("../../sync/openapi.yaml")).unwrap();
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    validator
        .iter_errors(payload)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn service_rating_and_meeting_items_follow_the_samad_contract() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = signing_key();
    let staff = add_staff(&mut store, "E-1", "1234");
    let registered = store.register_case(case(1)).unwrap();
    let service = service_for(staff, registered.tracking_code);
    store.register_service(service.clone()).unwrap();
    store
        .claim_visit(&registered.tracking_code, staff, desk(), t0())
        .unwrap();
    let rated = rating(&code_for(&key, registered.tracking_code, None), 5);
    store.record_rating(rated.clone(), keys_of(&key)).unwrap();
    let met = meeting(staff);
    store.record_meeting(met.clone()).unwrap();

    for (schema, item_type, uuid) in [
        ("ServicePayload", "service", service.client_uuid),
        ("RatingPayload", "rating", rated.client_uuid),
        ("MeetingPayload", "meeting", met.client_uuid),
    ] {
        let body = payload(&store, uuid);
        let found = contract_errors(schema, &body);
        assert!(found.is_empty(), "{schema}: {found:?}\n{body:#}");
        // As a submission item, the item type selects the same schema ...
        let item = serde_json::json!({
            "item_id": uuid.to_string(), "item_type": item_type, "payload": body,
        });
        assert!(
            contract_errors("SubmitItem", &item).is_empty(),
            "{item_type}"
        );
        // ... so a payload with a field missing or unknown is refused by the contract.
        let mut broken = body.clone();
        broken.as_object_mut().unwrap().remove("client_uuid");
        let item = serde_json::json!({
            "item_id": uuid.to_string(), "item_type": item_type, "payload": broken,
        });
        assert!(
            !contract_errors("SubmitItem", &item).is_empty(),
            "{item_type}"
        );
        let mut extra = body.clone();
        extra["unexpected"] = serde_json::json!(1);
        assert!(!contract_errors(schema, &extra).is_empty(), "{schema}");
    }
}
