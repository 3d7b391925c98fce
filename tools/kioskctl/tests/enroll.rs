//! `kioskctl enroll` end to end: the built binary (as an operator runs it) against a real agency
//! server with a device CA, over real TLS, on a real PostgreSQL cluster; then the files it
//! wrote, named by the `[samad]` lines it printed, are loaded by the firmware's own
//! `kiosk_sync::ClientSettings::from_config` and the client built from them is accepted by
//! the server.
//!
//! Where it lives: here, beside the binary, because Cargo gives `CARGO_BIN_EXE_kioskctl` only
//! to the kioskctl package's own tests; the server comes in as a library (a dev-dependency)
//! and started in-process. Its PostgreSQL harness is the server tests' `support/pg.rs`,
//! included by path rather than copied (it needs only std and tempfile), so both packages
//! start clusters the same way (as the user `kioskpg` when run as root).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../../server/tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use kiosk_sync::{ClientSettings, SamadClient, SyncError, client_config};

/// The kiosk number enrolled.
const KIOSK: u32 = 57;

async fn kioskctl(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kioskctl"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn enroll_args(server: &str, code: &str, ca: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "enroll".into(),
        "--server".into(),
        server.into(),
        "--code".into(),
        code.into(),
        "--server-ca".into(),
        ca.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A server certificate for 127.0.0.1 made now: (certificate PEM, key PEM).
fn server_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_writes_an_identity_the_firmware_loads_and_the_server_accepts() {
    let cluster = pg::PgCluster::start();
    let conninfo = cluster.create_database("agency");
    let pool = agency_server::db::pool(&conninfo, 4).unwrap();
    agency_server::db::migrate(&pool).await.unwrap();
    let (ca_cert, ca_key) = agency_server::pki::generate_ca().unwrap();
    let device_ca = Arc::new(agency_server::pki::DeviceCa::from_pem(&ca_cert, &ca_key).unwrap());
    let (cert_pem, key_pem) = server_certificate();
    let server = agency_server::start(
        agency_server::db::pool(&conninfo, 4).unwrap(),
        agency_server::ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            tls: Some(
                agency_server::tls_config(
                    cert_pem.as_bytes(),
                    key_pem.as_bytes(),
                    Some(&device_ca),
                )
                .unwrap(),
            ),
            lookup_misses_per_hour: agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR,
            clock: chrono::Utc::now,
            device_ca: Some(device_ca),
        },
    )
    .await
    .unwrap();
    let base = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let pinned = dir.path().join("pinned-server-ca.pem");
    std::fs::write(&pinned, &cert_pem).unwrap();
    let out = dir.path().join("identity");
    let code = agency_server::auth::create_enrol_code(
        &pool,
        KIOSK,
        agency_server::auth::Role::Kiosk,
        chrono::Duration::hours(1),
    )
    .await
    .unwrap();

    // A wrong code: a clear reason, exit 1, nothing written (not even the directory).
    let bad = kioskctl(enroll_args(
        &base,
        "AAAA-BBBB-CCCC-DDDD",
        &pinned,
        &out,
        &[],
    ))
    .await;
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("refused the enrolment (403 bad_enrol_code)")
            && stderr.contains("unknown, already used or expired"),
        "{}",
        text(&bad)
    );
    assert!(!out.exists());

    // A server whose certificate is not from the pinned CA: refused in the handshake.
    let (other_ca, _) = server_certificate();
    let other = dir.path().join("other-ca.pem");
    std::fs::write(&other, other_ca).unwrap();
    let untrusted = kioskctl(enroll_args(&base, &code, &other, &out, &[])).await;
    assert_eq!(untrusted.status.code(), Some(1), "{}", text(&untrusted));
    assert!(
        String::from_utf8_lossy(&untrusted.stderr).contains("cannot reach"),
        "{}",
        text(&untrusted)
    );
    assert!(!out.exists());

    // The code: enrolled, four files, the secrets 0600, the [samad] lines printed.
    let ok = kioskctl(enroll_args(&base, &code, &pinned, &out, &[])).await;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let stdout = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(
        stdout.contains(&format!("enrolled as kiosk {KIOSK}")),
        "{stdout}"
    );
    for (name, want) in [
        ("client.key", 0o600),
        ("token", 0o600),
        ("client.pem", 0o644),
        ("server-ca.pem", 0o644),
    ] {
        assert_eq!(mode(&out.join(name)), want, "{name}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("server-ca.pem")).unwrap(),
        cert_pem
    );
    // The device's key, made on the device: a PKCS#8 key in PEM that rustls reads.
    let key_file = std::fs::read_to_string(out.join("client.key")).unwrap();
    let key = {
        use rustls::pki_types::pem::PemObject as _;
        rustls::pki_types::PrivateKeyDer::from_pem_slice(key_file.as_bytes())
            .expect("client.key holds a private key")
    };
    assert!(matches!(key, rustls::pki_types::PrivateKeyDer::Pkcs8(_)));

    // The printed section, as the operator pastes it into kiosk.toml.
    let samad_lines = &stdout[stdout.find("[samad]").unwrap()..];
    let toml = format!("[kiosk]\nnumber = {KIOSK}\nagency = \"a\"\ndesk = \"b\"\n{samad_lines}\n");
    let config = kiosk_config::parse(&toml, dir.path()).unwrap_or_else(|e| panic!("{e}\n{toml}"));
    let samad = config.samad.unwrap();
    assert_eq!(samad.base_url, base);
    let settings = ClientSettings::from_config(&samad, KIOSK).unwrap();

    // The firmware's TLS material and token, accepted by the server: a look-up of a case that
    // does not exist is 404 (not 401), through the same rustls configuration as SamadClient.
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(&settings.tls).unwrap())
        .build()
        .unwrap();
    let tracking = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(KIOSK).unwrap(), 1)
        .unwrap()
        .as_string();
    let r = http
        .get(format!("{base}/v1/cases/{tracking}"))
        .query(&[("national_code", "0013542419")])
        .bearer_auth(&settings.token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(status, 404, "{}", r.text().await.unwrap());
    // The token alone (no client certificate) is refused.
    let r = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates({
                let mut roots = rustls::RootCertStore::empty();
                roots.add_parsable_certificates(
                    rustls::pki_types::pem::PemObject::pem_slice_iter(cert_pem.as_bytes())
                        .map(Result::unwrap),
                );
                roots
            })
            .with_no_client_auth(),
        )
        .build()
        .unwrap()
        .get(format!("{base}/v1/cases/{tracking}"))
        .query(&[("national_code", "0013542419")])
        .bearer_auth(&settings.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // SamadClient itself: its TLS handshake and credentials pass; the device contract's routes
    // answer as far as they exist (never 401/403, never a transport failure).
    let client = SamadClient::new(&settings).unwrap();
    let answer = client.catalogue(None).await;
    assert!(
        !matches!(
            answer,
            Err(SyncError::Unauthorized { .. } | SyncError::Transport(_))
        ),
        "the enrolled identity was refused: {answer:?}"
    );

    // Again into the same directory: refused without --force, files untouched.
    let code2 = agency_server::auth::create_enrol_code(
        &pool,
        KIOSK,
        agency_server::auth::Role::Kiosk,
        chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    let again = kioskctl(enroll_args(&base, &code2, &pinned, &out, &[])).await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--force"),
        "{}",
        text(&again)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("client.key")).unwrap(),
        key_file
    );
    // With --force and --json: a new identity; the old one is revoked by the server.
    let forced = kioskctl(enroll_args(
        &base,
        &code2,
        &pinned,
        &out,
        &["--force", "--json"],
    ))
    .await;
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    let v: serde_json::Value = serde_json::from_slice(&forced.stdout).unwrap();
    assert_eq!(v["kiosk_number"], KIOSK);
    assert_eq!(
        v["samad"]["token_file"],
        out.join("token")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    );
    assert_ne!(
        std::fs::read_to_string(out.join("client.key")).unwrap(),
        key_file
    );
    assert_eq!(mode(&out.join("client.key")), 0o600);
    let old = http
        .get(format!("{base}/v1/cases/{tracking}"))
        .query(&[("national_code", "0013542419")])
        .bearer_auth(&settings.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.status().as_u16(),
        401,
        "the replaced identity is revoked"
    );
    let renewed = ClientSettings::from_config(&samad, KIOSK).unwrap();
    let r = reqwest::Client::builder()
        .tls_backend_preconfigured(client_config(&renewed.tls).unwrap())
        .build()
        .unwrap()
        .get(format!("{base}/v1/cases/{tracking}"))
        .query(&[("national_code", "0013542419")])
        .bearer_auth(&renewed.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    server.shutdown().await;
}
