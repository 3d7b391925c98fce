//! Heartbeats with the device's whole health (migration 4): the kiosk's own sync client sends
//! one to the server on a real PostgreSQL, and the last sync time and uptime land in
//! `device_health` beside the printer and the outbox; a heartbeat without them (older
//! firmware, which does not know the fields) is still taken and leaves them NULL rather than
//! keeping the previous beat's values.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, SubsecRound, Utc};
use kiosk_sync::wire::{Heartbeat, OutboxHealth, PrinterHealth};
use support::Office;

/// A kiosk whose printer is out of paper, two items waiting.
fn beat(last_sync_at: Option<DateTime<Utc>>, uptime_s: Option<u64>) -> Heartbeat {
    Heartbeat {
        sent_at: Utc::now(),
        firmware_version: "kiosk/0.1.0".into(),
        schema_version: 9,
        catalogue_version: Some("c-7".into()),
        printer: PrinterHealth {
            state: "error".into(),
            paper: "out".into(),
        },
        outbox: OutboxHealth {
            depth: 2,
            parked: 0,
            oldest_unsent_age_s: Some(75),
        },
        last_sync_at,
        uptime_s,
    }
}

type Row = (
    String,
    String,
    i64,
    Option<i64>,
    Option<DateTime<Utc>>,
    Option<i64>,
);

async fn health_of(office: &Office, kiosk: i32) -> Row {
    let row = office
        .pool
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT printer_state, paper, outbox_depth, oldest_unsent_age_s, last_sync_at, \
                 uptime_s FROM device_health WHERE kiosk_number = $1",
            &[&kiosk],
        )
        .await
        .unwrap();
    (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_sync_time_and_uptime_land_in_device_health() {
    let office = Office::new().await;
    let server = office.server().await;
    let token = office.enrol(&server, 31).await;
    let kiosk = office.device(&server, 31, &token);

    // PostgreSQL keeps microseconds: compare at that precision.
    let synced = (Utc::now() - chrono::Duration::seconds(40)).trunc_subsecs(6);
    kiosk
        .heartbeat(&beat(Some(synced), Some(3_600)))
        .await
        .unwrap();
    assert_eq!(
        health_of(&office, 31).await,
        (
            "error".to_owned(),
            "out".to_owned(),
            2,
            Some(75),
            Some(synced),
            Some(3_600)
        )
    );

    // Older firmware leaves both out: taken, and the row says "not known" rather than keeping
    // the previous beat's values.
    kiosk.heartbeat(&beat(None, None)).await.unwrap();
    let (_, paper, _, _, last_sync_at, uptime_s) = health_of(&office, 31).await;
    assert_eq!(paper, "out");
    assert_eq!((last_sync_at, uptime_s), (None, None));
}
