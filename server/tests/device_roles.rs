//! Device roles and revocation at the agency server, against a real PostgreSQL, through the
//! devices' own client and the operator's CLI: a kiosk is refused every desk route (403
//! `wrong_role`) that a desk of the same office is served; a device enrolled before roles
//! existed keeps every route; `agency-server revoke --kiosk N` makes the device's token
//! useless at once and drops its satisfaction key from the fleet's list, and refuses, in
//! English, a number with no active device; `--retired-keys-only` drops the keys of a number's
//! earlier devices and leaves its active one be.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use ed25519_dalek::SigningKey;
use kiosk_sync::wire::{Heartbeat, StaffLogin};
use kiosk_sync::{FleetKeysFetch, SamadClient, SyncError};
use support::Office;
use uuid::Uuid;

/// What each desk route answers `device`: `Ok` when served (whatever its answer), the
/// refusal's status and reason when refused by authentication or role.
async fn desk_routes(device: &SamadClient) -> Vec<(&'static str, Result<(), (u16, String)>)> {
    fn judged<T>(answer: Result<T, SyncError>) -> Result<(), (u16, String)> {
        match answer {
            Err(SyncError::Unauthorized { status, reason }) => Err((status, reason)),
            // Served: an answer, or a refusal about the request itself (an unknown case or
            // call), means the role was let through; a server or transport error is not.
            Ok(_) | Err(SyncError::Refused { .. }) => Ok(()),
            Err(other) => panic!("neither served nor refused: {other:?}"),
        }
    }
    let tracking = support::tracking_code(11, 1);
    vec![
        (
            "staff-logins",
            judged(
                device
                    .staff_login(&StaffLogin {
                        employee_code: "E-1".into(),
                        pin: "1234".into(),
                    })
                    .await,
            ),
        ),
        ("staff-calls", judged(device.staff_calls(true).await)),
        (
            "staff-calls/{call_id}/acknowledge",
            judged(device.acknowledge_staff_call(Uuid::new_v4(), "E-1").await),
        ),
        (
            "receipt-copies (POST)",
            judged(device.receipt_copy(&tracking).await),
        ),
        ("receipt-copies (GET)", judged(device.owed_receipts().await)),
        (
            "receipt-copies/{tracking_code}/printed",
            judged(device.receipt_copy_printed(&tracking).await),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_is_refused_every_desk_route_that_a_desk_and_a_legacy_device_are_served() {
    let office = Office::new().await;
    let server = office.server().await;
    let kiosk = office.device(&server, 11, &office.enrol(&server, 11).await);
    let desk = office.device(&server, 31, &office.enrol_desk(&server, 31).await);
    let legacy = office.device(&server, 32, &office.enrol_desk(&server, 32).await);
    agency_server::staff::add(&office.pool, "E-1", "نام نمونه", "1234")
        .await
        .unwrap();
    // As a device enrolled before migration 0013 is stored.
    office
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE devices SET role = NULL WHERE kiosk_number = 32",
            &[],
        )
        .await
        .unwrap();

    let refused = desk_routes(&kiosk).await;
    // Every desk route, and the office's open calls (judged by their handler).
    assert_eq!(refused.len(), agency_server::auth::DESK_ROUTES.len() + 1);
    for (route, answer) in refused {
        let (status, reason) = answer.expect_err(route);
        assert_eq!(status, 403, "{route}: {reason}");
        assert!(
            reason.contains("wrong_role") && reason.contains("--role desk"),
            "{route}: {reason}"
        );
    }
    for device in [&desk, &legacy] {
        for (route, answer) in desk_routes(device).await {
            assert_eq!(answer, Ok(()), "{route}");
        }
    }
    // A kiosk keeps its own routes: it raises a staff call, which the desk then sees.
    let call = kiosk
        .raise_staff_call(&kiosk_sync::wire::StaffCallRaise {
            call_id: Uuid::new_v4(),
            raised_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    // Who served a visit is the desk's to say: a kiosk's claim is refused, a desk's taken.
    let claim = |kiosk: u32| {
        let id = Uuid::new_v4();
        let payload = serde_json::json!({
            "payload_version": 1, "client_uuid": id, "kiosk_number": kiosk,
            "tracking_code": support::tracking_code(11, 1), "employee_code": "E-1",
            "claimed_at": "2026-11-23T03:05:00.000Z"
        });
        kiosk_sync::wire::SubmitBatch {
            items: vec![kiosk_sync::wire::SubmitItem {
                item_id: id,
                item_type: kiosk_sync::wire::ItemType::Claim,
                payload: serde_json::value::to_raw_value(&payload).unwrap(),
            }],
        }
    };
    let refused = kiosk.submit_batch(&claim(11)).await.unwrap();
    assert_eq!(refused.results[0].status, 422, "{refused:?}");
    assert!(
        refused.results[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("wrong_role")),
        "{refused:?}"
    );
    let taken = desk.submit_batch(&claim(31)).await.unwrap();
    assert_eq!(taken.results[0].status, 201, "{taken:?}");
    let open = desk.staff_calls(true).await.unwrap();
    assert!(open.calls.iter().any(|c| c.call_id == call.call_id));
    let own = kiosk.staff_calls(false).await.unwrap();
    assert_eq!(own.calls.len(), 1);
    server.shutdown().await;
}

fn heartbeat() -> Heartbeat {
    serde_json::from_value(serde_json::json!({
        "sent_at": "2026-12-07T08:00:00.000Z", "firmware_version": "0.1.0", "schema_version": 2,
        "printer": {"state": "ok", "paper": "ok"}, "outbox": {"depth": 0, "parked": 0}
    }))
    .unwrap()
}

fn hex(key: &SigningKey) -> String {
    key.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_refused_at_once_and_its_key_leaves_the_fleet() {
    let office = Office::new().await;
    let server = office.server().await;
    let stolen = office.device(&server, 12, &office.enrol(&server, 12).await);
    let desk = office.device(&server, 31, &office.enrol_desk(&server, 31).await);
    let key = SigningKey::from_bytes(&rand::random());
    stolen.publish_satisfaction_key(&hex(&key)).await.unwrap();
    stolen.heartbeat(&heartbeat()).await.unwrap();
    let listed = |fetch: FleetKeysFetch| match fetch {
        FleetKeysFetch::Changed { keys, .. } => keys
            .keys
            .into_iter()
            .map(|k| k.kiosk_number)
            .collect::<Vec<_>>(),
        FleetKeysFetch::NotModified => panic!("asked without an ETag"),
    };
    assert_eq!(listed(desk.fleet_keys(None).await.unwrap()), vec![12]);

    let bin = env!("CARGO_BIN_EXE_agency-server");
    let revoke = |kiosk: &str| {
        std::process::Command::new(bin)
            .args(["--database", &office.conninfo, "revoke", "--kiosk", kiosk])
            .output()
            .unwrap()
    };
    let done = revoke("12");
    assert!(done.status.success(), "{done:?}");
    let told = String::from_utf8_lossy(&done.stderr);
    assert!(told.contains("kiosk 12 revoked"), "{told}");

    // From its next request on, the device is a stranger; its key is gone from the list.
    match stolen.heartbeat(&heartbeat()).await {
        Err(SyncError::Unauthorized { status: 401, .. }) => {}
        other => panic!("a revoked device was answered {other:?}"),
    }
    assert!(listed(desk.fleet_keys(None).await.unwrap()).is_empty());
    // The desk is untouched.
    desk.heartbeat(&heartbeat()).await.unwrap();

    // Nothing active under 12 any more, nothing ever under 13, and a number out of range: a
    // clear English refusal, and nothing changes.
    for (kiosk, because) in [
        ("12", "kiosk 12 has no active device"),
        ("13", "kiosk 13 has no active device"),
        ("0", "1 to 99999"),
    ] {
        let refused = revoke(kiosk);
        assert!(!refused.status.success(), "{refused:?}");
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains(because), "{kiosk}: {said}");
    }
    // Enrolling the number again gives a working device.
    let again = office.device(&server, 12, &office.enrol(&server, 12).await);
    again.heartbeat(&heartbeat()).await.unwrap();
    let again_key = SigningKey::from_bytes(&rand::random());
    again
        .publish_satisfaction_key(&hex(&again_key))
        .await
        .unwrap();

    // A number enrolled again before its stolen device was revoked: the stolen device's key
    // is served as retired; `--retired-keys-only` drops it and leaves the new device be.
    let replacement = office.device(&server, 12, &office.enrol(&server, 12).await);
    let retired = |fetch: FleetKeysFetch| match fetch {
        FleetKeysFetch::Changed { keys, .. } => keys
            .keys
            .into_iter()
            .filter(|k| k.retired_at.is_some())
            .map(|k| k.public_key)
            .collect::<Vec<_>>(),
        FleetKeysFetch::NotModified => panic!("asked without an ETag"),
    };
    assert_eq!(
        retired(desk.fleet_keys(None).await.unwrap()),
        vec![hex(&again_key)]
    );
    let dropped = std::process::Command::new(bin)
        .args(["--database", &office.conninfo, "revoke", "--kiosk", "12"])
        .arg("--retired-keys-only")
        .output()
        .unwrap();
    assert!(dropped.status.success(), "{dropped:?}");
    assert!(
        String::from_utf8_lossy(&dropped.stderr).contains("1 retired satisfaction key(s) dropped"),
        "{dropped:?}"
    );
    assert!(retired(desk.fleet_keys(None).await.unwrap()).is_empty());
    replacement.heartbeat(&heartbeat()).await.unwrap();
    server.shutdown().await;
}
