//! The desk journey through the firmware's own flows, a real SQLite store, the real relay and
//! the SAMAD simulator over TLS: a visitor registers → a staff member logs in at the desk and
//! claims the visit by scanning the receipt → registers the service → the visitor rates with the
//! satisfaction code → the rating's outbox item names that employee, and it reaches the
//! simulator exactly once (a second relay pass sends nothing new).
//!
//! What this does NOT cover: every flow here works on one store, so the claim, the case and the
//! rating meet in one database. Separate devices, each with its own database, do not share
//! claims or cases yet; this test says nothing about them.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use kiosk::flow::Lang;
use kiosk::flow::desk::{
    DeskAction, DeskContext, DeskEffect, DeskEvent, DeskFlow, DeskScreen, perform as desk_perform,
};
use kiosk::flow::rating::{
    RatingAction, RatingContext, RatingEffect, RatingEvent, RatingFlow, RatingScreen,
    perform as rating_perform,
};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::satisfaction::{self, ListedKey, SatisfactionClaim};
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{
    ClaimLimits, NewCase, NewStaff, OpenOptions, OutboxItemKind, PinPolicy, RatingReason, Store,
    hash_pin,
};
use kiosk_sync::{Backoff, ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use samad_sim::SimConfig;
use uuid::Uuid;

const KIOSK: u32 = 42;

fn kiosk() -> KioskNumber {
    KioskNumber::new(KIOSK).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn national_code() -> NationalCode {
    let first_nine = [0, 4, 9, 9, 3, 7, 0, 8, 9];
    let check = expected_check_digit(&first_nine);
    let text: String = first_nine
        .iter()
        .chain([&check])
        .map(|d| char::from(b'0' + d))
        .collect();
    NationalCode::parse(&text, &NationalCodePolicy::default()).unwrap()
}

fn cheap_pins() -> PinPolicy {
    PinPolicy {
        memory_kib: 256,
        iterations: 1,
        ..PinPolicy::default()
    }
}

/// Feeds an event to the desk flow and carries out every effect until the flow is quiet.
fn desk(
    flow: &mut DeskFlow,
    store: &Arc<Mutex<Store>>,
    keys: &dyn Fn(KioskNumber) -> Vec<ListedKey>,
    event: DeskEvent,
) -> Vec<DeskEffect> {
    let mut seen = Vec::new();
    let mut queue = vec![event];
    while let Some(event) = queue.pop() {
        for effect in flow.step(event) {
            let mut guard = store.lock().unwrap();
            let mut ctx = DeskContext {
                store: &mut guard,
                keys,
                kiosk: kiosk(),
                now: now(),
                pin_policy: cheap_pins(),
                national_code_policy: NationalCodePolicy::default(),
                portal: &kiosk_core::satisfaction::Portal::default(),
                remote_staff: None,
                services: &[],
                config: None,
            };
            if let Some(answer) = desk_perform(&mut ctx, &effect) {
                queue.push(answer);
            }
            seen.push(effect);
        }
    }
    seen
}

fn rate(
    flow: &mut RatingFlow,
    store: &Arc<Mutex<Store>>,
    keys: &dyn Fn(KioskNumber) -> Vec<ListedKey>,
    first: Vec<RatingEffect>,
    events: Vec<RatingEvent>,
) {
    let run = |flow: &mut RatingFlow, effects: Vec<RatingEffect>| {
        let mut queue: Vec<RatingEffect> = effects;
        while let Some(effect) = queue.pop() {
            let mut guard = store.lock().unwrap();
            let mut ctx = RatingContext {
                store: &mut guard,
                keys,
                kiosk: kiosk(),
                now: now(),
                lang: Lang::Fa,
                portal: &kiosk_core::satisfaction::Portal::default(),
            };
            let answer = rating_perform(&mut ctx, &effect);
            drop(guard);
            if let Some(answer) = answer {
                queue.extend(flow.step(answer));
            }
        }
    };
    run(flow, first);
    for e in events {
        let effects = flow.step(e);
        run(flow, effects);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_service_rating_reaches_samad_once_attributed_to_the_employee() {
    let sim = samad_sim::start(SimConfig {
        record_requests: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap(),
    ));
    // Provisioning: the kiosk's key, made now (never committed), and a staff member.
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    let key = SigningKey::from_bytes(&seed);
    let public = key.verifying_key();
    let keys = move |k: KioskNumber| {
        (k.get() == KIOSK)
            .then_some(ListedKey::from(public))
            .into_iter()
            .collect::<Vec<_>>()
    };
    store
        .lock()
        .unwrap()
        .insert_staff(NewStaff {
            employee_code: "EMP-2041".into(),
            display_name: "مریم رضایی".into(),
            pin_hash: hash_pin("5820", &cheap_pins()).unwrap(),
            active: true,
        })
        .unwrap();

    // 1. The visitor registers; the receipt carries the tracking code and the satisfaction code.
    let registered = store
        .lock()
        .unwrap()
        .register_case(NewCase {
            kiosk: kiosk(),
            client_uuid: Uuid::new_v4(),
            kind: CaseKind::Request,
            subject_id: "SUBJ-1".into(),
            service_id: Some("11021".into()),
            visitor: national_code().into(),
            phone: None,
            notice_consent_at: None,
            description: "درخواست گواهی".into(),
            registered_at: now(),
            due: None,
            unit: "میز خدمت".into(),
            official_tier: None,
            next_visit: None,
        })
        .unwrap();
    let code = registered.tracking_code;
    let survey = satisfaction::url(
        "https://saamad.ir",
        &satisfaction::issue(
            &SatisfactionClaim {
                kiosk: kiosk(),
                tracking_code: code,
                service_id: "11021".into(),
                employee_code: None,
                issued_at: now(),
                valid_hours: 72,
            },
            &key,
        )
        .unwrap(),
    );

    // 2. Staff logs in (a wrong PIN first: refused with a Persian message, then the right one).
    let mut flow = DeskFlow::new();
    desk(
        &mut flow,
        &store,
        &keys,
        DeskEvent::Scanned("EMP-2041".into()),
    );
    assert_eq!(flow.screen, DeskScreen::Pin);
    for d in [1, 1, 1, 1] {
        desk(&mut flow, &store, &keys, DeskEvent::Digit(d));
    }
    desk(&mut flow, &store, &keys, DeskEvent::Do(DeskAction::Submit));
    assert_eq!(flow.screen, DeskScreen::Login);
    assert!(flow.refused);
    assert!(flow.notice.as_deref().unwrap().contains("رمز"));
    desk(
        &mut flow,
        &store,
        &keys,
        DeskEvent::Scanned("EMP-2041".into()),
    );
    for d in [5, 8, 2, 0] {
        desk(&mut flow, &store, &keys, DeskEvent::Digit(d));
    }
    desk(&mut flow, &store, &keys, DeskEvent::Do(DeskAction::Submit));
    assert_eq!(flow.screen, DeskScreen::Menu, "{:?}", flow.notice);
    assert_eq!(flow.staff.as_ref().unwrap().employee_code, "EMP-2041");

    // 3. Claims the visit by scanning the receipt's tracking code (grouped, Persian digits).
    desk(&mut flow, &store, &keys, DeskEvent::Do(DeskAction::Claim));
    desk(
        &mut flow,
        &store,
        &keys,
        DeskEvent::Scanned(code.grouped_fa()),
    );
    assert_eq!(flow.screen, DeskScreen::Menu);
    assert!(!flow.refused, "{:?}", flow.notice);
    let claim = store.lock().unwrap().visit_claim(&code).unwrap().unwrap();
    assert_eq!(claim.employee_code, "EMP-2041");

    // 4. Registers the service given.
    desk(
        &mut flow,
        &store,
        &keys,
        DeskEvent::Do(DeskAction::RegisterService),
    );
    for d in [1, 1, 0, 2, 1] {
        desk(&mut flow, &store, &keys, DeskEvent::Digit(d));
    }
    desk(&mut flow, &store, &keys, DeskEvent::Do(DeskAction::Submit));
    assert!(!flow.refused, "{:?}", flow.notice);
    let services = store
        .lock()
        .unwrap()
        .services_between(now() - Duration::hours(1), now() + Duration::hours(1))
        .unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].tracking_code, Some(code));
    assert_eq!(
        services[0].national_code_masked,
        Some(national_code().masked())
    );

    // 5. The visitor rates with the satisfaction code from the receipt.
    let (mut rating, first) = RatingFlow::after_service(Lang::Fa, survey.clone());
    rate(
        &mut rating,
        &store,
        &keys,
        first,
        vec![
            RatingEvent::Do(RatingAction::Score(5)),
            RatingEvent::Do(RatingAction::Reason(RatingReason::StaffBehaviour)),
            RatingEvent::Do(RatingAction::Send),
        ],
    );
    assert_eq!(rating.screen, RatingScreen::Thanks, "{:?}", rating.message);
    let ratings = store
        .lock()
        .unwrap()
        .ratings_between(now() - Duration::hours(1), now() + Duration::hours(1))
        .unwrap();
    assert_eq!(ratings.len(), 1);
    let item = store
        .lock()
        .unwrap()
        .outbox_item(ratings[0].client_uuid)
        .unwrap()
        .unwrap();
    assert_eq!(item.item_kind, OutboxItemKind::Rating);
    let body: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(body["employee_code"], "EMP-2041");
    assert_eq!(body["attribution"], "claim");

    // The same code again: refused with a Persian reason, nothing written.
    let (mut again, first) = RatingFlow::after_service(Lang::Fa, survey);
    rate(&mut again, &store, &keys, first, Vec::new());
    assert_eq!(again.screen, RatingScreen::Refused);
    assert!(again.message.as_deref().unwrap().contains("قبلاً"));

    // 6. The relay sends case, service and rating; the rating reaches SAMAD exactly once.
    let id = sim.kiosk_identity(KIOSK).unwrap();
    let client = SamadClient::new(&ClientSettings {
        base_url: sim.base_url(),
        kiosk_number: KIOSK,
        token: "sim-token".into(),
        tls: TlsMaterial {
            ca_pem: sim.pki().ca_pem.clone(),
            client_cert_pem: id.cert_pem,
            client_key_pem: id.key_pem,
        },
        connect_timeout: StdDuration::from_secs(2),
        request_timeout: StdDuration::from_secs(5),
    })
    .unwrap();
    let mut relay = Relay::new(
        Arc::clone(&store),
        client,
        RelaySettings {
            lease: StdDuration::from_secs(5),
            limits: ClaimLimits {
                max_items: 50,
                max_bytes: 256 * 1024,
            },
            backoff: Backoff {
                base: StdDuration::from_millis(5),
                cap: StdDuration::from_millis(40),
            },
            jitter: true,
            pull_interval: Some(StdDuration::from_secs(3600)),
            heartbeat_interval: None,
            catalogue_interval: None,
            event_page: 100,
            max_idle: StdDuration::from_secs(3600),
            agency_server: false,
        },
    );
    for _ in 0..20 {
        if store.lock().unwrap().outbox_depth().unwrap().pending == 0 {
            break;
        }
        if let kiosk_sync::Round::Failed { wait } = relay.round().await.unwrap() {
            tokio::time::sleep(wait).await;
        }
    }
    assert_eq!(store.lock().unwrap().outbox_depth().unwrap().pending, 0);
    relay.round().await.unwrap();
    let rating_id = ratings[0].client_uuid;
    assert_eq!(sim.db(|db| db.copies_of(rating_id).unwrap()), 1);
    assert_eq!(
        sim.db(|db| db.item_count().unwrap()),
        3,
        "case, service, rating"
    );
    let recorded = sim.state().recorded.lock().unwrap().clone();
    let mut seen = 0;
    for request in recorded.iter().filter(|r| r.path.ends_with("/submissions")) {
        let batch: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        for item in batch["items"].as_array().unwrap() {
            if item["item_type"] == "rating" {
                seen += 1;
                assert_eq!(item["item_id"], rating_id.hyphenated().to_string());
                assert_eq!(item["payload"]["employee_code"], "EMP-2041");
                assert_eq!(item["payload"]["score"], 5);
            }
        }
    }
    assert_eq!(seen, 1, "the rating was sent once");
    sim.shutdown().await;
}

/// The office server's answer to every login, fixed for the test (the real link is tested
/// against the real server in tests/tests/office.rs).
struct OfficeSays(kiosk::journeys::desk_store::RemoteLogin);

impl kiosk::journeys::desk_store::RemoteStaff for OfficeSays {
    fn login(&self, _: &str, _: &str) -> kiosk::journeys::desk_store::RemoteLogin {
        self.0.clone()
    }
}

/// A desk login with the office's server answering `says`, on a store whose own staff table
/// has E-1 with PIN 1234.
fn login_with_office(
    says: kiosk::journeys::desk_store::RemoteLogin,
    card: &str,
    pin: &str,
) -> (DeskEvent, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("desk.db"), &OpenOptions::default()).unwrap();
    store
        .insert_staff(NewStaff {
            employee_code: "E-1".into(),
            display_name: "کارمند یک".into(),
            pin_hash: kiosk_store::hash_pin("1234", &cheap_pins()).unwrap(),
            active: true,
        })
        .unwrap();
    let office = OfficeSays(says);
    let event = {
        let mut ctx = DeskContext {
            store: &mut store,
            keys: |_| Vec::new(),
            kiosk: kiosk(),
            now: now(),
            pin_policy: cheap_pins(),
            national_code_policy: NationalCodePolicy::default(),
            portal: &kiosk_core::satisfaction::Portal::default(),
            remote_staff: Some(&office),
            services: &[],
            config: None,
        };
        desk_perform(
            &mut ctx,
            &DeskEffect::Login {
                card: card.into(),
                pin: pin.into(),
            },
        )
        .unwrap()
    };
    (event, store)
}

#[test]
fn the_office_server_decides_desk_logins_and_this_desk_decides_only_when_it_is_out_of_reach() {
    use kiosk::journeys::desk_store::RemoteLogin;
    // An account of the office this desk never saw: logged in, kept here with its PIN's hash
    // (its claims need a staff row; while the server is away it logs in from this copy).
    let (event, store) = login_with_office(
        RemoteLogin::Accepted {
            display_name: "مریم احمدی".into(),
        },
        "E-7",
        "24680",
    );
    assert!(
        matches!(&event, DeskEvent::LoggedIn(s) if s.employee_code == "E-7"),
        "{event:?}"
    );
    let kept = store.staff_by_employee_code("E-7").unwrap().unwrap();
    assert!(kiosk_store::pin_matches("24680", &kept.pin_hash));
    // Refused by the office (wrong PIN, or locked at every desk): this desk's copy is not asked,
    // even where it would have let E-1 in.
    let (event, _) = login_with_office(RemoteLogin::Refused("قفل است".into()), "E-1", "1234");
    assert_eq!(event, DeskEvent::Refused("قفل است".into()));
    // The office out of reach: this desk's own copy decides.
    let (event, _) = login_with_office(RemoteLogin::Unreachable("down".into()), "E-1", "1234");
    assert!(
        matches!(&event, DeskEvent::LoggedIn(s) if s.employee_code == "E-1"),
        "{event:?}"
    );
    let (event, _) = login_with_office(RemoteLogin::Unreachable("down".into()), "E-1", "9999");
    assert!(matches!(event, DeskEvent::Refused(_)), "{event:?}");
}
