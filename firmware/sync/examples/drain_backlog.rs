//! Benchmark: drain a backlog of N cases (default 10 000) from a kiosk store to the simulator
//! over TLS on loopback, with the relay's production code and batches of 100 items.
//!
//! `cargo run --release -p kiosk-sync --example drain_backlog -- 10000`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{ClaimLimits, NewCase, OpenOptions, Store};
use kiosk_sync::{ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use uuid::Uuid;

fn case(n: u32) -> anyhow::Result<NewCase> {
    let mut first_nine = [0u8; 9];
    let digits = format!("{:09}", 123_456_789 + n * 7);
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    Ok(NewCase {
        kiosk: KioskNumber::new(42).context("kiosk")?,
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: format!("SUBJ-{}", n % 7),
        service_id: Some("SRV-12".into()),
        visitor: kiosk_core::VisitorId::from(
            NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default())
                .context("national code")?,
        ),
        phone: None,
        notice_consent_at: None,
        description: "شکایت: پاسخ نامه‌ی من پس از دو ماه داده نشده است.".into(),
        registered_at: DateTime::<Utc>::from_timestamp_millis(1_761_373_800_000).context("time")?,
        due: None,
        unit: "روابط عمومی".into(),
        official_tier: None,
        next_visit: None,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default())?;
    let started = Instant::now();
    for i in 0..n {
        store.register_case(case(i)?)?;
    }
    println!("registered {n} cases in {:.2?}", started.elapsed());

    let sim = samad_sim::start(samad_sim::SimConfig {
        db: Some(dir.path().join("sim.db")),
        ..samad_sim::SimConfig::default()
    })
    .await?;
    let id = sim.kiosk_identity(42)?;
    let client = SamadClient::new(&ClientSettings {
        base_url: sim.base_url(),
        kiosk_number: 42,
        token: "sim-token".into(),
        tls: TlsMaterial {
            ca_pem: sim.pki().ca_pem.clone(),
            client_cert_pem: id.cert_pem,
            client_key_pem: id.key_pem,
        },
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(30),
    })?;
    let store = Arc::new(Mutex::new(store));
    let settings = RelaySettings {
        limits: ClaimLimits {
            max_items: 100,
            max_bytes: 1 << 20,
        },
        ..RelaySettings::default()
    };
    let mut relay = Relay::new(Arc::clone(&store), client, settings);
    let started = Instant::now();
    let answered = relay.drain().await?;
    let elapsed = started.elapsed();
    let at_sim = sim.db(|db| db.item_count())?;
    let pending = store
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock poisoned"))?
        .outbox_depth()?
        .pending;
    println!(
        "drained {answered} items in {elapsed:.2?} ({:.0} items/s); simulator holds {at_sim}; {pending} pending",
        f64::from(answered as u32) / elapsed.as_secs_f64()
    );
    anyhow::ensure!(
        at_sim == u64::from(n) && pending == 0,
        "backlog not drained exactly once"
    );
    sim.shutdown().await;
    Ok(())
}
