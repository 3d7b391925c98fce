//! Pull-back: SAMAD's referrals, actions, answers and closings reach the case timelines the
//! visitor's follow-up screen shows, page by page, exactly once; plus the catalogue (ETag) and
//! the heartbeat.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use chrono::Utc;
use common::{relay_settings, rig};
use kiosk_store::{CaseStatus, EventKind};
use kiosk_sync::wire::{EventType, Heartbeat, OutboxHealth, PrinterHealth};
use kiosk_sync::{CatalogueFetch, Relay};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_pulled_back_appear_in_the_timeline_once_page_by_page() {
    let rig = rig().await;
    let first = rig.register(1);
    let second = rig.register(2);
    let mut settings = relay_settings();
    settings.event_page = 2;
    let mut relay = Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings);
    relay.drain().await.unwrap();
    let number = |code| {
        rig.store
            .lock()
            .unwrap()
            .case_by_tracking_code(&code)
            .unwrap()
            .unwrap()
            .samad_number
            .unwrap()
    };
    let (n1, n2) = (number(first.tracking_code), number(second.tracking_code));
    let steps = [
        (
            &n1,
            EventType::Referral,
            "اداره بازرسی",
            "کارشناس ۱۲",
            Some("ارجاع برای بررسی"),
        ),
        (
            &n1,
            EventType::Action,
            "اداره بازرسی",
            "کارشناس ۱۲",
            Some("تماس با متقاضی"),
        ),
        (&n2, EventType::Referral, "امور مالی", "E-2001", None),
        (
            &n1,
            EventType::Answer,
            "اداره بازرسی",
            "مدیر اداره",
            Some("پاسخ داده شد"),
        ),
        (&n1, EventType::Closed, "اداره بازرسی", "مدیر اداره", None),
    ];
    for (number, kind, unit, person, note) in steps {
        let id = rig.sim.db(|db| {
            db.add_event(number, kind, Utc::now(), unit, person, note)
                .unwrap()
        });
        assert!(id.is_some());
    }

    assert_eq!(relay.pull_events().await.unwrap(), 5);
    {
        let store = rig.store.lock().unwrap();
        let timeline = store.timeline(first.tracking_code).unwrap();
        let kinds: Vec<EventKind> = timeline.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Registered,
                EventKind::SamadNumberBound,
                EventKind::Referred,
                EventKind::Action,
                EventKind::Answered,
                EventKind::Closed
            ]
        );
        assert_eq!(timeline[2].unit, "اداره بازرسی");
        assert_eq!(timeline[2].actor, "کارشناس ۱۲");
        assert_eq!(timeline[2].note.as_deref(), Some("ارجاع برای بررسی"));
        let status = |code| store.case_by_tracking_code(&code).unwrap().unwrap().status;
        assert_eq!(status(first.tracking_code), CaseStatus::Closed);
        assert_eq!(status(second.tracking_code), CaseStatus::InProgress);
        assert_eq!(store.event_cursor().unwrap().as_deref(), Some("5"));
    }

    // Nothing new: nothing appended, and the cursor stays.
    assert_eq!(relay.pull_events().await.unwrap(), 0);
    // A cursor moved back (SAMAD restored a backup) does not append anything twice.
    rig.store
        .lock()
        .unwrap()
        .set_setting(kiosk_store::EVENT_CURSOR_KEY, "1")
        .unwrap();
    assert_eq!(relay.pull_events().await.unwrap(), 0);
    assert_eq!(
        rig.store
            .lock()
            .unwrap()
            .timeline(first.tracking_code)
            .unwrap()
            .len(),
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_comes_with_an_etag_and_is_not_sent_again_unchanged() {
    let rig = rig().await;
    let CatalogueFetch::Changed { catalogue, etag } = rig.client.catalogue(None).await.unwrap()
    else {
        panic!("first download must bring the catalogue");
    };
    assert_eq!(*catalogue, samad_sim::catalogue());
    assert_eq!(etag, samad_sim::CATALOGUE_ETAG);
    assert!(catalogue.services[0].service_identifier.is_some());
    assert_eq!(
        rig.client.catalogue(Some(&etag)).await.unwrap(),
        CatalogueFetch::NotModified
    );
    assert!(matches!(
        rig.client.catalogue(Some("\"old\"")).await.unwrap(),
        CatalogueFetch::Changed { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_carries_the_kiosks_health() {
    let rig = rig().await;
    let ack = rig
        .client
        .heartbeat(&Heartbeat {
            sent_at: Utc::now(),
            firmware_version: "0.1.0".into(),
            schema_version: kiosk_store::LATEST_VERSION,
            catalogue_version: Some("sim-1".into()),
            printer: PrinterHealth {
                state: "ok".into(),
                paper: "low".into(),
            },
            outbox: OutboxHealth {
                depth: 3,
                parked: 1,
                oldest_unsent_age_s: Some(42),
            },
            last_sync_at: None,
            uptime_s: None,
        })
        .await
        .unwrap();
    assert_eq!(
        ack.catalogue_etag.as_deref(),
        Some(samad_sim::CATALOGUE_ETAG)
    );
    assert!((Utc::now() - ack.server_time).num_seconds().abs() < 5);
    assert_eq!(rig.sim.db(|db| db.heartbeat_count().unwrap()), 1);
}
