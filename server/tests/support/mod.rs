//! What the integration tests share: the PostgreSQL cluster ([`pg`]), servers over TLS with a
//! certificate made at test time, an HTTPS client trusting it, and valid cases to send.

// Not every test binary uses every helper.
#![allow(dead_code)]

pub mod console;
pub mod pg;

use std::sync::Arc;

pub use agency_server::auth::Role;
use agency_server::pki::DeviceCa;
use agency_server::{ServerConfig, ServerHandle};
use deadpool_postgres::Pool;
use kiosk_core::{KioskNumber, TrackingCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use uuid::Uuid;

pub use pg::PgCluster;

/// A server certificate for 127.0.0.1 made now (never stored), PEM: (certificate, key).
pub fn test_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// A device CA made now (never stored).
pub fn device_ca() -> Arc<DeviceCa> {
    let (cert, key) = agency_server::pki::generate_ca().unwrap();
    Arc::new(DeviceCa::from_pem(&cert, &key).unwrap())
}

/// A device's key and certificate request as a kiosk makes them: (key PEM, CSR PEM). The CSR's
/// subject is whatever the device likes; the server ignores it.
pub fn device_csr() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "a kiosk");
    let csr = params.serialize_request(&key).unwrap().pem().unwrap();
    (key.serialize_pem(), csr)
}

/// An office: one database, its pool (migrated), and servers started on it.
pub struct Office {
    /// The cluster (dropped last).
    pub pg: PgCluster,
    /// The database's connection string.
    pub conninfo: String,
    /// A pool for the test's own checks.
    pub pool: Pool,
    cert_pem: String,
    key_pem: String,
}

impl Office {
    /// A fresh cluster, a database `agency`, migrated.
    pub async fn new() -> Self {
        let pg = PgCluster::start();
        let conninfo = pg.create_database("agency");
        let pool = agency_server::db::pool(&conninfo, 4).unwrap();
        agency_server::db::migrate(&pool).await.unwrap();
        let (cert_pem, key_pem) = test_certificate();
        Self {
            pg,
            conninfo,
            pool,
            cert_pem,
            key_pem,
        }
    }

    /// Another server instance on the same database (its own pool), over TLS.
    pub async fn server(&self) -> ServerHandle {
        self.server_with(None).await
    }

    /// A server instance over TLS with the device CA `ca`: enrolment issues certificates and
    /// every device request needs its own.
    pub async fn server_with_device_ca(&self, ca: Arc<DeviceCa>) -> ServerHandle {
        self.server_with(Some(ca)).await
    }

    /// The server's TLS certificate (PEM): what devices pin.
    pub fn server_ca_pem(&self) -> &str {
        &self.cert_pem
    }

    async fn server_with(&self, device_ca: Option<Arc<DeviceCa>>) -> ServerHandle {
        let pool = agency_server::db::pool(&self.conninfo, 8).unwrap();
        agency_server::db::migrate(&pool).await.unwrap();
        agency_server::start(
            pool,
            ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                tls: Some(
                    agency_server::tls_config(
                        self.cert_pem.as_bytes(),
                        self.key_pem.as_bytes(),
                        device_ca.as_deref(),
                    )
                    .unwrap(),
                ),
                lookup_misses_per_hour: agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR,
                // Pinned mid-hour: a run that crosses hh:00 counts in one window.
                clock: || {
                    let now = chrono::Utc::now();
                    chrono::DurationRound::duration_trunc(now, chrono::Duration::hours(1))
                        .unwrap_or(now)
                        + chrono::Duration::minutes(30)
                },
                device_ca,
            },
        )
        .await
        .unwrap()
    }

    /// The device client of `kiosk` with `token` against `server`, as a device's relay builds
    /// it (`kiosk_sync`'s own client), with a self-signed identity (a server without a device
    /// CA asks for none).
    pub fn device(
        &self,
        server: &ServerHandle,
        kiosk: u32,
        token: &str,
    ) -> kiosk_sync::SamadClient {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["kiosk".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        kiosk_sync::SamadClient::new(&kiosk_sync::ClientSettings {
            base_url: server.base_url(),
            kiosk_number: kiosk,
            token: token.to_owned(),
            tls: kiosk_sync::TlsMaterial {
                ca_pem: self.cert_pem.clone(),
                client_cert_pem: cert.pem(),
                client_key_pem: key.serialize_pem(),
            },
            connect_timeout: std::time::Duration::from_secs(5),
            request_timeout: std::time::Duration::from_secs(20),
        })
        .unwrap()
    }

    /// The server certificate (PEM), which a device pins as its CA.
    pub fn server_cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// An HTTPS client trusting this office's server certificate.
    pub fn client(&self) -> reqwest::Client {
        self.client_as(None)
    }

    /// An HTTPS client trusting this office's server certificate and presenting `identity`
    /// (certificate PEM, key PEM) when given.
    pub fn client_as(&self, identity: Option<(&str, &str)>) -> reqwest::Client {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(self.cert_pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match identity {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => builder
                .with_client_auth_cert(
                    CertificateDer::pem_slice_iter(cert.as_bytes())
                        .collect::<Result<Vec<_>, _>>()
                        .unwrap(),
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap(),
        };
        reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap()
    }

    /// Posts one case `item` as kiosk `kiosk` with `token` (`POST /v1/devices/{kiosk}/cases`);
    /// the answer's status and body.
    pub async fn post_case(
        &self,
        server: &ServerHandle,
        kiosk: u32,
        token: &str,
        item: &Value,
    ) -> (u16, String) {
        let r = self
            .client()
            .post(format!("{}/v1/devices/{kiosk}/cases", server.base_url()))
            .bearer_auth(token)
            .json(item)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// A one-time code for kiosk `kiosk`, as the CLI makes it.
    pub async fn enrol_code(&self, kiosk: u32) -> String {
        self.enrol_code_as(kiosk, Role::Kiosk).await
    }

    /// A one-time code for device `kiosk` of `role`, as the CLI makes it.
    pub async fn enrol_code_as(&self, kiosk: u32, role: Role) -> String {
        agency_server::auth::create_enrol_code(&self.pool, kiosk, role, chrono::Duration::hours(1))
            .await
            .unwrap()
    }

    /// Enrols kiosk `kiosk` through `server` and returns its token.
    pub async fn enrol(&self, server: &ServerHandle, kiosk: u32) -> String {
        self.enrol_as(server, kiosk, Role::Kiosk).await
    }

    /// Enrols desk terminal `kiosk` through `server` and returns its token.
    pub async fn enrol_desk(&self, server: &ServerHandle, kiosk: u32) -> String {
        self.enrol_as(server, kiosk, Role::Desk).await
    }

    /// Enrols device `kiosk` of `role` through `server` and returns its token.
    pub async fn enrol_as(&self, server: &ServerHandle, kiosk: u32, role: Role) -> String {
        let code = self.enrol_code_as(kiosk, role).await;
        self.enrol_with_code(server, &code, kiosk).await
    }

    /// Enrols through `server` with the one-time `code` (made for `kiosk`) and returns the
    /// token.
    pub async fn enrol_with_code(&self, server: &ServerHandle, code: &str, kiosk: u32) -> String {
        let r = self
            .client()
            .post(format!("{}/v1/enrol", server.base_url()))
            .json(&json!({ "code": code }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["kiosk_number"], kiosk);
        v["token"].as_str().unwrap().to_owned()
    }

    /// Rows of `table`.
    pub async fn count(&self, table: &str) -> i64 {
        let client = self.pool.get().await.unwrap();
        client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0)
    }
}

/// The tracking code of `kiosk`'s case number `sequence`.
pub fn tracking_code(kiosk: u32, sequence: u64) -> String {
    TrackingCode::new(KioskNumber::new(kiosk).unwrap(), sequence)
        .unwrap()
        .as_string()
}

/// A valid national code from its first nine digits.
pub fn national_code(first_nine: &str) -> String {
    let digits: Vec<u8> = first_nine.bytes().map(|b| b - b'0').collect();
    let nine: [u8; 9] = digits.try_into().unwrap();
    let check = kiosk_core::national_code::expected_check_digit(&nine);
    format!("{first_nine}{check}")
}

/// A valid case item of `kiosk`'s case number `sequence`.
pub fn case_item(kiosk: u32, sequence: u64, national: &str) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    (id, case_with_id(id, kiosk, sequence, national))
}

/// The item for key `id`.
pub fn case_with_id(id: Uuid, kiosk: u32, sequence: u64, national: &str) -> Value {
    json!({
        "item_id": id,
        "payload": {
            "payload_version": 1, "client_uuid": id,
            "tracking_code": tracking_code(kiosk, sequence),
            "kiosk_number": kiosk, "sequence": sequence, "kind": "complaint",
            "subject_id": "SUBJ-1", "service_id": null, "national_code": national,
            "phone": "09121234567", "description": "شرح درخواست",
            "registered_at": "2026-11-23T03:00:00.000Z", "due_date": "2026-12-07",
            "due_jalali": "۱۴۰۵/۰۹/۱۶", "unit": "واحد پاسخگویی"
        }
    })
}

/// The upstream to `sim` as the agency's one identity (a client certificate of SAMAD's CA)
/// with the shared token: polls every 20 ms, pulls events only when asked.
pub fn samad_upstream(sim: &samad_sim::SimHandle) -> agency_server::upstream::UpstreamSettings {
    let agency = sim.kiosk_identity(99_999).unwrap();
    let mut settings = agency_server::upstream::UpstreamSettings::new(
        sim.base_url(),
        "sim-token",
        kiosk_sync::TlsMaterial {
            ca_pem: sim.pki().ca_pem.clone(),
            client_cert_pem: agency.cert_pem,
            client_key_pem: agency.key_pem,
        },
    );
    settings.poll_interval = std::time::Duration::from_millis(20);
    settings.event_pull_interval = None;
    settings
}

/// Relay rounds of `upstream` until nothing is pending in `pool`'s outbox; panics after 20 s.
pub async fn relay_everything(upstream: &agency_server::upstream::Upstream, pool: &Pool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while agency_server::upstream::status(pool, 0)
        .await
        .unwrap()
        .pending
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the items did not reach SAMAD"
        );
        upstream.round().await.unwrap();
    }
}
