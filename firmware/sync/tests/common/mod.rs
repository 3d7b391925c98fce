//! A rig for the sync tests: the real simulator on loopback over TLS, a kiosk store on a real
//! SQLite file, and a client with the kiosk's certificate, the pinned CA and the token.

// Each test binary uses only some helpers; a helper that panics is a test that fails there.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{CaseKind, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{ClaimLimits, NewCase, OpenOptions, RegisteredCase, Store};
use kiosk_sync::{
    Backoff, ClientSettings, Relay, RelaySettings, SamadClient, SharedStore, TlsMaterial,
};
use samad_sim::{SimConfig, SimHandle};
use uuid::Uuid;

pub const KIOSK: u32 = 42;

/// A valid national code made from `n`.
pub fn national_code(n: u32) -> NationalCode {
    let mut first_nine = [0u8; 9];
    let digits = format!("{:09}", 123_456_789 + u64::from(n) * 7_919 % 800_000_000);
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default()).unwrap()
}

/// The `n`-th sample complaint of the kiosk.
pub fn case(n: u32) -> NewCase {
    NewCase {
        kiosk: KioskNumber::new(KIOSK).unwrap(),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: format!("SUBJ-{}", n % 7),
        service_id: Some("SRV-12".to_owned()),
        visitor: national_code(n).into(),
        phone: Some(MobileNumber::parse("09121234567").unwrap()),
        notice_consent_at: None,
        description: format!("شکایت شماره {n}"),
        registered_at: DateTime::<Utc>::from_timestamp_millis(1_761_373_800_000).unwrap(),
        due: None,
        unit: "روابط عمومی".to_owned(),
        official_tier: None,
        next_visit: None,
    }
}

pub struct Rig {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub store: SharedStore,
    pub client: SamadClient,
}

/// Short waits: tests never sleep long.
pub fn relay_settings() -> RelaySettings {
    RelaySettings {
        lease: Duration::from_secs(5),
        limits: ClaimLimits {
            max_items: 50,
            max_bytes: 256 * 1024,
        },
        backoff: Backoff {
            base: Duration::from_millis(5),
            cap: Duration::from_millis(40),
        },
        jitter: true,
        pull_interval: Some(Duration::from_secs(3600)),
        heartbeat_interval: None,
        catalogue_interval: None,
        event_page: 100,
        max_idle: Duration::from_secs(3600),
        agency_server: false,
    }
}

pub fn client_settings(sim: &SimHandle, ca_pem: &str, request_timeout: Duration) -> ClientSettings {
    let id = sim.kiosk_identity(KIOSK).unwrap();
    ClientSettings {
        base_url: sim.base_url(),
        kiosk_number: KIOSK,
        token: "sim-token".to_owned(),
        tls: TlsMaterial {
            ca_pem: ca_pem.to_owned(),
            client_cert_pem: id.cert_pem,
            client_key_pem: id.key_pem,
        },
        connect_timeout: Duration::from_secs(2),
        request_timeout,
    }
}

pub async fn rig_with(config: SimConfig) -> Rig {
    let sim = samad_sim::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    let settings = client_settings(&sim, &sim.pki().ca_pem, Duration::from_secs(5));
    let client = SamadClient::new(&settings).unwrap();
    Rig {
        sim,
        dir,
        store: Arc::new(Mutex::new(store)),
        client,
    }
}

pub async fn rig() -> Rig {
    rig_with(SimConfig::default()).await
}

impl Rig {
    pub fn relay(&self) -> Relay {
        Relay::new(
            Arc::clone(&self.store),
            self.client.clone(),
            relay_settings(),
        )
    }

    pub fn register(&self, n: u32) -> RegisteredCase {
        self.register_case(case(n))
    }

    pub fn register_case(&self, c: NewCase) -> RegisteredCase {
        self.store.lock().unwrap().register_case(c).unwrap()
    }

    pub fn pending(&self) -> u64 {
        self.store.lock().unwrap().outbox_depth().unwrap().pending
    }

    pub fn parked(&self) -> u64 {
        self.store.lock().unwrap().outbox_depth().unwrap().parked
    }

    pub fn sim_items(&self) -> u64 {
        self.sim.db(|db| db.item_count().unwrap())
    }

    /// Runs rounds until the outbox has nothing pending (failed rounds wait their short
    /// backoff); panics after `max_rounds`.
    pub async fn drain(&self, relay: &mut Relay, max_rounds: usize) {
        for _ in 0..max_rounds {
            if self.pending() == 0 {
                return;
            }
            match relay.round().await.unwrap() {
                kiosk_sync::Round::Sent { .. } => {}
                kiosk_sync::Round::Idle => tokio::time::sleep(Duration::from_millis(5)).await,
                kiosk_sync::Round::Failed { wait } => {
                    tokio::time::sleep(wait + Duration::from_millis(2)).await;
                }
            }
        }
        panic!(
            "outbox not drained after {max_rounds} rounds: {} pending",
            self.pending()
        );
    }

    /// Every case in the store has SAMAD's number, and the simulator holds each exactly once.
    pub fn assert_exactly_once(&self, cases: &[RegisteredCase]) {
        let store = self.store.lock().unwrap();
        for c in cases {
            let stored = store
                .case_by_tracking_code(&c.tracking_code)
                .unwrap()
                .unwrap();
            let number = stored.samad_number.expect("SAMAD number bound");
            assert!(number.starts_with("SMD-00042-"), "{number}");
            let copies = self.sim.db(|db| db.copies_of(stored.client_uuid).unwrap());
            assert_eq!(copies, 1);
        }
        let distinct = self.sim.db(|db| db.distinct_tracking_codes().unwrap());
        assert_eq!(distinct, cases.len() as u64);
        assert_eq!(self.sim_items(), cases.len() as u64);
    }
}
