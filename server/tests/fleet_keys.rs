//! The fleet's satisfaction keys at the agency server, against a real PostgreSQL, through the
//! devices' own client (`kiosk_sync::SamadClient`): a kiosk publishes the key it signs with,
//! every device fetches the fleet's (ETag, 304), a code signed at kiosk 11 verifies with the
//! list fetched at kiosk 12, a rotation replaces the key, a device publishes only as itself,
//! weak and malformed keys are refused; a rotated key, or the key of a device replaced by
//! enrolling its number again, is served as retired (and still verifies the codes signed with
//! it) until those codes have expired; a device revoked as lost takes its keys with it.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use kiosk_core::satisfaction::{self, Portal, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_sync::wire::FleetKeyList;
use kiosk_sync::{FleetKeysFetch, SyncError};
use serde_json::json;
use support::Office;

fn hex(key: &SigningKey) -> String {
    key.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn listed(keys: &FleetKeyList) -> Vec<(u32, String)> {
    keys.keys
        .iter()
        .map(|k| (k.kiosk_number, k.public_key.clone()))
        .collect()
}

/// The keys listed as retired.
fn retired(keys: &FleetKeyList) -> Vec<(u32, String)> {
    keys.keys
        .iter()
        .filter(|k| k.retired_at.is_some())
        .map(|k| (k.kiosk_number, k.public_key.clone()))
        .collect()
}

/// The list and its ETag, which must have changed.
async fn changed(client: &kiosk_sync::SamadClient, etag: Option<&str>) -> (FleetKeyList, String) {
    match client.fleet_keys(etag).await.unwrap() {
        FleetKeysFetch::Changed { keys, etag } => (keys, etag),
        FleetKeysFetch::NotModified => panic!("the list did not change"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_gets_the_fleets_keys_and_a_revoked_devices_key_is_dropped() {
    let office = Office::new().await;
    let server = office.server().await;
    let token_11 = office.enrol(&server, 11).await;
    let token_12 = office.enrol(&server, 12).await;
    let kiosk_11 = office.device(&server, 11, &token_11);
    let kiosk_12 = office.device(&server, 12, &token_12);

    // Nothing published yet: an empty list with an ETag.
    let (empty, empty_etag) = changed(&kiosk_12, None).await;
    assert!(empty.keys.is_empty());

    // Kiosk 11 publishes its key; the same key again changes nothing.
    let key_11 = SigningKey::from_bytes(&rand::random());
    let kept = kiosk_11
        .publish_satisfaction_key(&hex(&key_11))
        .await
        .unwrap();
    assert_eq!(
        (kept.kiosk_number, kept.public_key.as_str()),
        (11, hex(&key_11).as_str())
    );
    let again = kiosk_11
        .publish_satisfaction_key(&hex(&key_11).to_uppercase())
        .await
        .unwrap();
    assert_eq!(again, kept, "the same key again keeps its publication time");

    // Kiosk 12 fetches the fleet's keys: 11's is there, then nothing changed (304).
    let (keys, etag) = changed(&kiosk_12, Some(&empty_etag)).await;
    assert_eq!(listed(&keys), [(11, hex(&key_11))]);
    assert_eq!(
        kiosk_12.fleet_keys(Some(&etag)).await.unwrap(),
        FleetKeysFetch::NotModified
    );

    // A code kiosk 11 signed for its own visit verifies at kiosk 12 with the fetched list.
    let visit = TrackingCode::new(KioskNumber::new(11).unwrap(), 7).unwrap();
    let token = satisfaction::issue(
        &SatisfactionClaim {
            kiosk: KioskNumber::new(11).unwrap(),
            tracking_code: visit,
            service_id: String::new(),
            employee_code: None,
            issued_at: Utc::now() - chrono::Duration::minutes(1),
            valid_hours: 72,
        },
        &key_11,
    )
    .unwrap();
    let key_of = |keys: &FleetKeyList| {
        let keys = keys.clone();
        // Every key listed for the kiosk, current and retired.
        move |kiosk: KioskNumber| {
            keys.keys
                .iter()
                .filter(|k| k.kiosk_number == kiosk.get())
                .filter_map(|k| satisfaction::key_files::from_hex(&k.public_key))
                .filter_map(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
                .collect::<Vec<_>>()
        }
    };
    let verified = satisfaction::verify_at(
        &token,
        &Portal::default(),
        key_of(&keys),
        satisfaction::visit_kiosk_only,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(verified.tracking_code, visit);

    // A device publishes only as itself: kiosk 11's token on kiosk 12's path is refused and
    // changes nothing.
    let stranger = office
        .client()
        .put(format!(
            "{}/v1/kiosks/12/satisfaction-key",
            server.base_url()
        ))
        .bearer_auth(&token_11)
        .json(&json!({ "public_key": hex(&SigningKey::from_bytes(&rand::random())) }))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);
    assert_eq!(
        kiosk_12.fleet_keys(Some(&etag)).await.unwrap(),
        FleetKeysFetch::NotModified
    );

    // Weak and malformed keys are refused with a reason.
    let identity = format!("01{}", "00".repeat(31));
    for bad in [identity.as_str(), "not hex", &hex(&key_11)[..62]] {
        match kiosk_12.publish_satisfaction_key(bad).await {
            Err(SyncError::Refused { status, reason }) => {
                assert_eq!(status, 422, "{bad}");
                assert!(reason.starts_with("bad_public_key"), "{reason}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }

    // Kiosk 12 publishes too; kiosk 11 then rotates its key: the list holds the new one as
    // current and the old one as retired (before it), so the code signed before the rotation
    // still verifies.
    let key_12 = SigningKey::from_bytes(&rand::random());
    kiosk_12
        .publish_satisfaction_key(&hex(&key_12))
        .await
        .unwrap();
    let rotated = SigningKey::from_bytes(&rand::random());
    let replaced = kiosk_11
        .publish_satisfaction_key(&hex(&rotated))
        .await
        .unwrap();
    assert!(replaced.published_at >= kept.published_at);
    assert_eq!(replaced.retired_at, None);
    let (keys, etag) = changed(&kiosk_11, Some(&etag)).await;
    assert_eq!(
        listed(&keys),
        [(11, hex(&key_11)), (11, hex(&rotated)), (12, hex(&key_12))],
        "in kiosk order, a kiosk's retired key before its current one"
    );
    assert_eq!(retired(&keys), [(11, hex(&key_11))]);
    let verify = |keys: &FleetKeyList, token: &str| {
        satisfaction::verify_at(
            token,
            &Portal::default(),
            key_of(keys),
            satisfaction::visit_kiosk_only,
            Utc::now(),
        )
    };
    assert!(
        verify(&keys, &token).is_ok(),
        "a code signed before the rotation"
    );

    // Kiosk 12 is enrolled again (a replaced device): the old device is revoked and its key
    // is served as retired; the old token is refused; the new device publishes its own key.
    let token_12_new = office.enrol(&server, 12).await;
    let (keys, etag) = changed(&kiosk_11, Some(&etag)).await;
    assert_eq!(
        retired(&keys),
        [(11, hex(&key_11)), (12, hex(&key_12))],
        "the replaced device's key"
    );
    assert!(matches!(
        kiosk_12.fleet_keys(None).await,
        Err(SyncError::Unauthorized { status: 401, .. })
    ));
    let kiosk_12_new = office.device(&server, 12, &token_12_new);
    let key_12_new = SigningKey::from_bytes(&rand::random());
    kiosk_12_new
        .publish_satisfaction_key(&hex(&key_12_new))
        .await
        .unwrap();
    let (keys, etag) = changed(&kiosk_11, Some(&etag)).await;
    assert_eq!(
        listed(&keys),
        [
            (11, hex(&key_11)),
            (11, hex(&rotated)),
            (12, hex(&key_12)),
            (12, hex(&key_12_new))
        ]
    );
    assert_eq!(
        office.count("satisfaction_keys").await,
        3,
        "one row per device"
    );

    // Once the codes signed with a retired key have expired, it is no longer served, and a
    // code signed with it no longer verifies.
    office
        .pool
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE retired_satisfaction_keys SET retired_at = now() - make_interval(hours => $1) \
             WHERE kiosk_number = 11",
            &[&(agency_server::fleet_keys::RETIRED_KEPT_HOURS + 1)],
        )
        .await
        .unwrap();
    let (keys, etag) = changed(&kiosk_11, Some(&etag)).await;
    assert_eq!(retired(&keys), [(12, hex(&key_12))]);
    assert!(matches!(
        verify(&keys, &token),
        Err(satisfaction::SatisfactionError::BadSignature)
    ));

    // A device revoked as lost or compromised takes its retired keys with it.
    agency_server::auth::revoke(&office.pool, 12)
        .await
        .unwrap()
        .unwrap();
    let (keys, _) = changed(&kiosk_11, Some(&etag)).await;
    assert_eq!(listed(&keys), [(11, hex(&rotated))]);
    server.shutdown().await;
}
