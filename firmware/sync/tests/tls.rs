//! Transport security against the real simulator: the server CA is pinned (a server whose
//! certificate comes from another CA is refused, whatever it says), the kiosk must present a
//! certificate from SAMAD's CA, and certificate material that cannot work is refused when the
//! client is built, not on the first send.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{KIOSK, client_settings, rig};
use kiosk_sync::{SamadClient, SyncError, TlsMaterial};
use samad_sim::pki::TestPki;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_certificate_from_another_ca_is_refused() {
    let genuine = rig().await;
    let impostor = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    // Pinned to the genuine CA, pointed at the impostor (which holds a valid-looking
    // certificate for 127.0.0.1 from its own CA).
    let mut settings =
        client_settings(&impostor, &genuine.sim.pki().ca_pem, Duration::from_secs(5));
    let id = genuine.sim.kiosk_identity(KIOSK).unwrap();
    settings.tls.client_cert_pem = id.cert_pem;
    settings.tls.client_key_pem = id.key_pem;
    let client = SamadClient::new(&settings).unwrap();
    let err = client.events(None, 10).await.unwrap_err();
    match &err {
        SyncError::Transport(text) => {
            assert!(
                text.contains("UnknownIssuer") || text.contains("certificate"),
                "{text}"
            );
        }
        other => panic!("expected a transport error, got {other}"),
    }
    assert_eq!(samad_sim::SimStats::get(&impostor.stats().requests), 0);
    // The same client material against the genuine server works.
    let ok = client_settings(
        &genuine.sim,
        &genuine.sim.pki().ca_pem,
        Duration::from_secs(5),
    );
    SamadClient::new(&ok)
        .unwrap()
        .events(None, 10)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_certificate_from_another_ca_is_refused_by_samad() {
    let rig = rig().await;
    let stranger = TestPki::generate(&["localhost"])
        .unwrap()
        .issue_kiosk(KIOSK)
        .unwrap();
    let mut settings = client_settings(&rig.sim, &rig.sim.pki().ca_pem, Duration::from_secs(5));
    settings.tls.client_cert_pem = stranger.cert_pem;
    settings.tls.client_key_pem = stranger.key_pem;
    let err = SamadClient::new(&settings)
        .unwrap()
        .events(None, 10)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Transport(_)), "{err}");
    assert_eq!(samad_sim::SimStats::get(&rig.sim.stats().requests), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_certificate_material_is_refused_when_the_client_is_built() {
    let rig = rig().await;
    let good = client_settings(&rig.sim, &rig.sim.pki().ca_pem, Duration::from_secs(5));
    let other_key = rig.sim.kiosk_identity(7).unwrap().key_pem;
    let cases: [(&str, TlsMaterial); 3] = [
        (
            "no CA",
            TlsMaterial {
                ca_pem: String::new(),
                ..good.tls.clone()
            },
        ),
        (
            "garbage certificate",
            TlsMaterial {
                client_cert_pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
                    .into(),
                ..good.tls.clone()
            },
        ),
        (
            "key of another certificate",
            TlsMaterial {
                client_key_pem: other_key,
                ..good.tls.clone()
            },
        ),
    ];
    for (what, tls) in cases {
        let mut settings = good.clone();
        settings.tls = tls;
        let err = SamadClient::new(&settings).unwrap_err();
        assert!(matches!(err, SyncError::Config(_)), "{what}: {err}");
    }
    // Debug output never shows the key or the token.
    let client = SamadClient::new(&good).unwrap();
    // A line of the key's base64 body, made at test time (above).
    let key_body = good.tls.client_key_pem.lines().nth(1).unwrap().to_owned();
    for text in [format!("{good:?}"), format!("{client:?}")] {
        assert!(
            !text.contains(&key_body) && !text.contains("sim-token"),
            "{text}"
        );
        assert!(text.contains("(hidden)"), "{text}");
    }
}
