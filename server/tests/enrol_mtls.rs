//! Enrolment with a CSR and mutual TLS against a real PostgreSQL, over real TLS: the server
//! runs with a device CA made at test time, devices make their keys at test time, and every
//! request is checked against the bearer token and the client certificate together.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use agency_server::pki;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};
use support::{Office, case_item, device_ca, device_csr, national_code, tracking_code};

/// What a device keeps after enrolling.
struct Enrolled {
    token: String,
    cert_pem: String,
    key_pem: String,
}

/// POSTs `body` to `/v1/enrol` without a client certificate; (status, body).
async fn post_enrol(office: &Office, base: &str, body: &Value) -> (u16, Value) {
    let r = office
        .client()
        .post(format!("{base}/v1/enrol"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Enrols `kiosk` with a fresh key and CSR.
async fn enrol(office: &Office, base: &str, kiosk: u32) -> Enrolled {
    let code = office.enrol_code(kiosk).await;
    let (key_pem, csr_pem) = device_csr();
    let (status, v) = post_enrol(office, base, &json!({ "code": code, "csr_pem": csr_pem })).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["kiosk_number"], kiosk);
    assert_eq!(v["token_type"], "Bearer");
    assert!(
        v["client_ca_pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----"),
        "{v}"
    );
    Enrolled {
        token: v["token"].as_str().unwrap().to_owned(),
        cert_pem: v["client_cert_pem"].as_str().unwrap().to_owned(),
        key_pem,
    }
}

/// A look-up of a case that does not exist, as `identity` with `token`: 404 means the device
/// was accepted. (status, problem code).
async fn lookup(
    office: &Office,
    base: &str,
    identity: Option<&Enrolled>,
    token: &str,
) -> (u16, String) {
    let client = office.client_as(identity.map(|e| (e.cert_pem.as_str(), e.key_pem.as_str())));
    let r = client
        .get(format!("{base}/v1/cases/{}", tracking_code(77, 1)))
        .query(&[("national_code", national_code("123456789"))])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (status, v["code"].as_str().unwrap_or_default().to_owned())
}

async fn device_rows(office: &Office) -> (i64, i64, i64) {
    let client = office.pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM devices), \
                    (SELECT count(*) FROM device_certificates), \
                    (SELECT count(*) FROM enrol_codes WHERE used_at IS NOT NULL)",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn an_enrolled_device_is_accepted_only_with_its_own_certificate_and_token() {
    let office = Office::new().await;
    let ca = device_ca();
    let server = office.server_with_device_ca(ca.clone()).await;
    let base = server.base_url();
    let a = enrol(&office, &base, 21).await;
    let b = enrol(&office, &base, 22).await;

    // The certificate names the kiosk, chains to the device CA, and is recorded by fingerprint.
    let der = CertificateDer::from_pem_slice(a.cert_pem.as_bytes()).unwrap();
    let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
    assert_eq!(parsed.subject().to_string(), "CN=kiosk-21");
    assert_eq!(
        parsed.issuer().to_string(),
        format!("CN={}", pki::CA_COMMON_NAME)
    );
    let client = office.pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT c.serial, c.fingerprint, c.revoked_at IS NULL FROM device_certificates c \
             JOIN devices d USING (device_id) WHERE d.kiosk_number = 21",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), pki::hex(parsed.raw_serial()));
    assert_eq!(row.get::<_, Vec<u8>>(1), pki::fingerprint(&der).to_vec());
    assert!(row.get::<_, bool>(2));

    // Its certificate and its token: accepted (404: no such case), and it can submit a case.
    assert_eq!(
        lookup(&office, &base, Some(&a), &a.token).await,
        (404, "unknown_case".into())
    );
    let (_, item) = case_item(21, 1, &national_code("123456789"));
    let with_a = office.client_as(Some((&a.cert_pem, &a.key_pem)));
    let r = with_a
        .post(format!("{base}/v1/devices/21/cases"))
        .bearer_auth(&a.token)
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // As another kiosk in the path: still refused by the path check.
    let (_, item) = case_item(22, 1, &national_code("123456789"));
    let r = with_a
        .post(format!("{base}/v1/devices/22/cases"))
        .bearer_auth(&a.token)
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The token without a certificate, kiosk A's certificate with B's token, and the other
    // way round: 401, each with its code.
    assert_eq!(
        lookup(&office, &base, None, &a.token).await,
        (401, "no_client_certificate".into())
    );
    assert_eq!(
        lookup(&office, &base, Some(&a), &b.token).await,
        (401, "certificate_mismatch".into())
    );
    assert_eq!(
        lookup(&office, &base, Some(&b), &a.token).await,
        (401, "certificate_mismatch".into())
    );
    assert_eq!(
        lookup(&office, &base, Some(&b), &b.token).await,
        (404, "unknown_case".into())
    );
    // A certificate alone is not a device.
    assert_eq!(
        lookup(&office, &base, Some(&a), "").await,
        (401, "unauthorized".into())
    );

    // A certificate of another CA (for the same key) does not get through the handshake.
    let stranger = device_ca();
    let (key_pem, csr_pem) = device_csr();
    let forged = stranger
        .issue(&pki::DeviceCsr::parse(&csr_pem).unwrap(), 21)
        .unwrap();
    let forged_client = office.client_as(Some((&forged.pem, &key_pem)));
    let refused = forged_client
        .get(format!("{base}/v1/cases/{}", tracking_code(77, 1)))
        .bearer_auth(&a.token)
        .send()
        .await;
    assert!(refused.is_err(), "{refused:?}");

    // The same server without a device CA (another instance) takes the token alone, as before.
    let plain = office.server().await;
    assert_eq!(
        lookup(&office, &plain.base_url(), None, &a.token).await,
        (404, "unknown_case".into())
    );
    plain.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn re_enrolling_a_kiosk_revokes_its_old_certificate_and_token() {
    let office = Office::new().await;
    let server = office.server_with_device_ca(device_ca()).await;
    let base = server.base_url();
    let old = enrol(&office, &base, 31).await;
    assert_eq!(lookup(&office, &base, Some(&old), &old.token).await.0, 404);
    let new = enrol(&office, &base, 31).await;
    assert_ne!(new.cert_pem, old.cert_pem);

    assert_eq!(
        lookup(&office, &base, Some(&old), &old.token).await,
        (401, "unauthorized".into()),
        "the old token is revoked"
    );
    assert_eq!(
        lookup(&office, &base, Some(&old), &new.token).await,
        (401, "certificate_mismatch".into()),
        "the old certificate does not go with the new token"
    );
    assert_eq!(
        lookup(&office, &base, Some(&new), &old.token).await,
        (401, "unauthorized".into())
    );
    assert_eq!(
        lookup(&office, &base, Some(&new), &new.token).await,
        (404, "unknown_case".into())
    );
    let client = office.pool.get().await.unwrap();
    let rows = client
        .query(
            "SELECT d.revoked_at IS NOT NULL, c.revoked_at IS NOT NULL \
             FROM devices d JOIN device_certificates c USING (device_id) \
             WHERE d.kiosk_number = 31 ORDER BY d.device_id",
            &[],
        )
        .await
        .unwrap();
    let states: Vec<(bool, bool)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(states, vec![(true, true), (false, false)]);
    server.shutdown().await;
}

#[tokio::test]
async fn a_bad_csr_is_refused_with_a_reason_and_leaves_the_code_usable() {
    let office = Office::new().await;
    let server = office.server_with_device_ca(device_ca()).await;
    let base = server.base_url();
    let code = office.enrol_code(41).await;
    let (_, good_csr) = device_csr();
    // The CSR with one letter of its signed subject changed.
    let der = rustls::pki_types::CertificateSigningRequestDer::from_pem_slice(good_csr.as_bytes())
        .unwrap();
    let mut bytes = der.as_ref().to_vec();
    let at = bytes.windows(7).position(|w| w == b"a kiosk").unwrap();
    bytes[at] = b'A';
    let tampered = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes)
    );
    let before = device_rows(&office).await;
    for (name, body, says) in [
        ("no CSR", json!({ "code": code }), "csr_pem is required"),
        (
            "not PEM",
            json!({ "code": code, "csr_pem": "hello" }),
            "not a PEM PKCS#10",
        ),
        (
            "a certificate, not a request",
            json!({ "code": code, "csr_pem": office.server_ca_pem() }),
            "not a PEM PKCS#10",
        ),
        (
            "a forged signature",
            json!({ "code": code, "csr_pem": tampered }),
            "signature does not verify",
        ),
        (
            "too long",
            json!({ "code": code, "csr_pem": "A".repeat(pki::MAX_CSR_PEM_CHARS + 1) }),
            "at most",
        ),
    ] {
        let (status, v) = post_enrol(&office, &base, &body).await;
        assert_eq!(status, 400, "{name}: {v}");
        assert_eq!(v["code"], "bad_csr", "{name}: {v}");
        assert_eq!(v["parameter"], "csr_pem", "{name}: {v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{name}: {detail}");
        assert_eq!(
            device_rows(&office).await,
            before,
            "{name}: nothing written"
        );
    }
    // The code was not consumed: it enrols with a good CSR.
    let (status, v) = post_enrol(
        &office,
        &base,
        &json!({ "code": code, "csr_pem": good_csr }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["kiosk_number"], 41);
    assert_eq!(device_rows(&office).await, (1, 1, 1));

    // A server without a device CA refuses a CSR (it could not honour it), code kept.
    let plain = office.server().await;
    let code = office.enrol_code(42).await;
    let (status, v) = post_enrol(
        &office,
        &plain.base_url(),
        &json!({ "code": code, "csr_pem": good_csr }),
    )
    .await;
    assert_eq!((status, v["code"].as_str()), (400, Some("bad_csr")), "{v}");
    let (status, v) = post_enrol(&office, &plain.base_url(), &json!({ "code": code })).await;
    assert_eq!(status, 201, "{v}");
    assert!(v.get("client_cert_pem").is_none(), "{v}");
    plain.shutdown().await;
    server.shutdown().await;
}

#[test]
fn init_ca_writes_a_loadable_ca_with_a_private_key_and_never_overwrites_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ca");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_agency-server"))
            .args(["init-ca", "--out"])
            .arg(&out)
            .env_remove("AGENCY_DATABASE")
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{first:?}");
    let cert = std::fs::read_to_string(out.join("device-ca.pem")).unwrap();
    let key = std::fs::read_to_string(out.join("device-ca.key")).unwrap();
    let mode = |name: &str| {
        std::fs::metadata(out.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("device-ca.key"), 0o600);
    pki::DeviceCa::from_pem(&cert, &key).unwrap();
    let second = run();
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("exists"),
        "{second:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("device-ca.key")).unwrap(),
        key
    );
}
