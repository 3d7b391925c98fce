//! The rating and the service desk through the running [`Device`]: taps and inbox events, the
//! real store, the real receipt pipeline, the real relay and the SAMAD simulator over TLS.
//!
//! A visitor registers a complaint at the kiosk (its receipt carries the signed satisfaction
//! code) → a staff member logs in at the desk terminal with card and PIN, claims the visit by
//! scanning the receipt, registers the service → the visitor scans the satisfaction code on
//! the kiosk's attract screen and rates → the rating's outbox item names that employee and
//! reaches the simulator exactly once.
//!
//! What this does NOT cover: kiosk and desk share one database file here (two connections,
//! WAL). Deployed, each device has its own database, and nothing yet carries a claim made at the
//! desk terminal to the kiosk where the visitor rates, nor a kiosk's case to the desk for a
//! reprint: these tests pass only because the devices share a file. They prove the journeys'
//! logic on one store, not an office of separate devices. The relay gets its own connection, as
//! on a device.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use kiosk::demo::{recording_device, recording_kiosk};
use kiosk::device::journey::Journey;
use kiosk::device::{Device, IdleTimes, complaint_taps};
use kiosk::flow::Event;
use kiosk::runtime::RecordingPrinter;
use kiosk_config::Mode;
use kiosk_receipt::content::Block;
use kiosk_store::{NewStaff, OpenOptions, OutboxItemKind, PinPolicy, Store, hash_pin};
use kiosk_sync::{Backoff, ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use kiosk_ui::{Page, UiInput};
use samad_sim::SimConfig;

fn tap(device: &mut Device<RecordingPrinter>, id: &str) {
    let page = device.view().page;
    assert!(
        device.input(&UiInput::Action(id.into()), Instant::now()),
        "«{id}» is not on {page:?}"
    );
}

fn type_digits(device: &mut Device<RecordingPrinter>, digits: &str) {
    for d in digits.chars().filter_map(|c| c.to_digit(10)) {
        assert!(device.input(&UiInput::Key(kiosk_ui::Key::Digit(d as u8)), Instant::now()));
    }
}

fn cheap_pins() -> PinPolicy {
    PinPolicy {
        memory_kib: 256,
        iterations: 1,
        ..PinPolicy::default()
    }
}

fn key() -> SigningKey {
    let mut seed = [0u8; 32];
    getrandom_seed(&mut seed);
    SigningKey::from_bytes(&seed)
}

fn getrandom_seed(seed: &mut [u8; 32]) {
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
}

/// A kiosk device (visitor mode) that signs satisfaction codes with `key`.
fn kiosk_device(dir: &Path, key: SigningKey) -> Device<RecordingPrinter> {
    let kiosk = recording_kiosk(dir, Mode::Kiosk)
        .unwrap()
        .with_satisfaction_key(key);
    recording_device(kiosk).with_idle(IdleTimes {
        warn_after: Duration::from_secs(60),
        expire_after: Duration::from_secs(20),
    })
}

/// The desk terminal (`mode = "desk"`) on the same database, knowing the kiosk's public key.
fn desk_device(dir: &Path, kiosk_key: &SigningKey) -> Device<RecordingPrinter> {
    let kiosk = recording_kiosk(dir, Mode::Desk).unwrap();
    let mut fleet = kiosk::device::FleetKeys::default();
    fleet.insert(kiosk.config().kiosk_number, kiosk_key.verifying_key());
    recording_device(kiosk)
        .with_fleet_keys(fleet)
        .with_pin_policy(cheap_pins())
}

/// Staff on the terminal: two members, their cards registered as `kioskctl staff add` does.
fn add_staff(dir: &Path) {
    let mut store = Store::open(dir.join("kiosk.db"), &OpenOptions::default()).unwrap();
    for (card, code, name, pin) in [
        ("2041", "EMP-2041", "مریم رضایی", "5820"),
        ("3050", "EMP-3050", "رضا کریمی", "7391"),
    ] {
        store
            .insert_staff(NewStaff {
                employee_code: code.into(),
                display_name: name.into(),
                pin_hash: hash_pin(pin, &cheap_pins()).unwrap(),
                active: true,
            })
            .unwrap();
        store
            .set_setting(
                &format!("{}{card}", kiosk::flow::desk::STAFF_CARD_SETTING),
                code,
            )
            .unwrap();
    }
}

/// The satisfaction URL printed on the kiosk's last receipt.
fn printed_survey(device: &Device<RecordingPrinter>) -> String {
    let backend = device.kiosk().backend();
    let slip = backend.last_slip().expect("a receipt was printed");
    slip.blocks
        .iter()
        .find_map(|b| match b {
            Block::Qr { payload, .. } if payload.contains("/s/") => Some(payload.clone()),
            _ => None,
        })
        .expect("the receipt carries a satisfaction code")
}

fn ratings(dir: &Path) -> Vec<kiosk_store::RatingRecord> {
    let store = Store::open(dir.join("kiosk.db"), &OpenOptions::default()).unwrap();
    let now = chrono::Utc::now();
    store
        .ratings_between(
            now - chrono::Duration::hours(1),
            now + chrono::Duration::hours(1),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitor_staff_and_rating_through_the_device_reach_samad_once_for_that_employee() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let mut kiosk = kiosk_device(dir.path(), key.clone());
    let mut desk = desk_device(dir.path(), &key);
    add_staff(dir.path());

    // 1. The visitor registers a complaint; the receipt carries both codes.
    for input in complaint_taps() {
        assert!(kiosk.input(&input, Instant::now()), "{input:?}");
    }
    assert_eq!(kiosk.view().page, Page::Attract);
    let survey = printed_survey(&kiosk);
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    let code = kiosk_core::satisfaction::verify(
        &survey,
        |_| Some(key.verifying_key()),
        chrono::Utc::now(),
    )
    .unwrap()
    .tracking_code;
    assert!(store.case_by_tracking_code(&code).unwrap().is_some());

    // 2. A member who mistypes the PIN is locked out after five tries, shown in Persian.
    assert_eq!(desk.view().page, Page::DeskLogin);
    for attempt in 1..=5 {
        desk.event(Event::StaffCardScanned("3050".into()), Instant::now());
        assert_eq!(desk.view().page, Page::DeskPin);
        type_digits(&mut desk, "0000");
        assert_eq!(desk.view().entry, "●●●●", "the PIN is masked");
        tap(&mut desk, "submit");
        let vm = desk.view();
        assert_eq!(vm.page, Page::DeskLogin, "attempt {attempt}");
        if attempt < 5 {
            assert_eq!(vm.error, "کارت یا رمز درست نیست؛ دوباره تلاش کنید.");
        } else {
            assert!(vm.error.contains("ورود تا ساعت"), "{}", vm.error);
        }
    }
    // Even the right PIN is refused while locked out.
    desk.event(Event::StaffCardScanned("3050".into()), Instant::now());
    type_digits(&mut desk, "7391");
    tap(&mut desk, "submit");
    assert!(
        desk.view().error.contains("بسته است"),
        "{}",
        desk.view().error
    );

    // 3. The member on duty logs in, claims the visit and registers the service.
    desk.event(Event::StaffCardScanned("2041".into()), Instant::now());
    type_digits(&mut desk, "5820");
    tap(&mut desk, "submit");
    let vm = desk.view();
    assert_eq!(vm.page, Page::DeskMenu, "{}", vm.error);
    assert!(vm.message.contains("مریم رضایی"));
    tap(&mut desk, "claim");
    assert_eq!(desk.view().page, Page::DeskScan);
    desk.event(Event::TrackingScanned(code.as_string()), Instant::now());
    let vm = desk.view();
    assert_eq!(vm.page, Page::DeskMenu, "{}", vm.error);
    assert!(vm.message.contains("به نام شما ثبت شد"), "{}", vm.message);
    tap(&mut desk, "service");
    type_digits(&mut desk, "11021");
    assert_eq!(desk.view().entry, "۱۱۰۲۱");
    tap(&mut desk, "submit");
    let vm = desk.view();
    assert!(vm.error.is_empty(), "{}", vm.error);
    assert_eq!(vm.message, "خدمت ۱۱۰۲۱ ثبت شد.");
    tap(&mut desk, "logout");
    assert_eq!(desk.view().page, Page::DeskLogin);

    // 4. The visitor scans the satisfaction code on the kiosk's attract screen and rates.
    kiosk.event(Event::SatisfactionScanned(survey.clone()), Instant::now());
    assert!(matches!(kiosk.journey(), Journey::Rating(_)));
    assert_eq!(kiosk.view().page, Page::RateFaces);
    tap(&mut kiosk, "score:5");
    tap(&mut kiosk, "reason:staff_behaviour");
    tap(&mut kiosk, "send");
    assert_eq!(kiosk.view().page, Page::RateThanks);
    tap(&mut kiosk, "finish");
    assert!(matches!(kiosk.journey(), Journey::Visitor));
    assert_eq!(kiosk.view().page, Page::Attract);
    let rated = ratings(dir.path());
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0].employee_code.as_deref(), Some("EMP-2041"));
    let item = store.outbox_item(rated[0].client_uuid).unwrap().unwrap();
    assert_eq!(item.item_kind, OutboxItemKind::Rating);
    let body: serde_json::Value = serde_json::from_str(&item.payload).unwrap();
    assert_eq!(body["employee_code"], "EMP-2041");
    assert_eq!(body["score"], 5);

    // 5. Refused codes: the same code again, and a forged one; a message, nothing written.
    let depth = store.outbox_depth().unwrap().pending;
    let mut forged = survey.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [survey.clone(), forged] {
        kiosk.event(Event::SatisfactionScanned(bad), Instant::now());
        let vm = kiosk.view();
        assert_eq!(vm.page, Page::RateRefused);
        assert!(!vm.message.is_empty(), "the reason is shown");
        tap(&mut kiosk, "finish");
        assert_eq!(kiosk.view().page, Page::Attract);
    }
    assert_eq!(ratings(dir.path()).len(), 1, "nothing written");
    assert_eq!(store.outbox_depth().unwrap().pending, depth);

    // 6. The relay sends case, service and rating; the rating reaches SAMAD exactly once.
    let sim = samad_sim::start(SimConfig::default()).await.unwrap();
    let kiosk_number = kiosk.kiosk().config().kiosk_number.get();
    let id = sim.kiosk_identity(kiosk_number).unwrap();
    let client = SamadClient::new(&ClientSettings {
        base_url: sim.base_url(),
        kiosk_number,
        token: "sim-token".into(),
        tls: TlsMaterial {
            ca_pem: sim.pki().ca_pem.clone(),
            client_cert_pem: id.cert_pem,
            client_key_pem: id.key_pem,
        },
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
    })
    .unwrap();
    let relay_store = Arc::new(Mutex::new(
        Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap(),
    ));
    let mut relay = Relay::new(
        Arc::clone(&relay_store),
        client,
        // Short waits (the test never sleeps long); only the outbox runs.
        RelaySettings {
            lease: Duration::from_secs(5),
            backoff: Backoff {
                base: Duration::from_millis(5),
                cap: Duration::from_millis(40),
            },
            pull_interval: None,
            heartbeat_interval: None,
            catalogue_interval: None,
            ..RelaySettings::default()
        },
    );
    for _ in 0..20 {
        if relay_store.lock().unwrap().outbox_depth().unwrap().pending == 0 {
            break;
        }
        if let kiosk_sync::Round::Failed { wait } = relay.round().await.unwrap() {
            tokio::time::sleep(wait).await;
        }
    }
    assert_eq!(
        relay_store.lock().unwrap().outbox_depth().unwrap().pending,
        0
    );
    relay.round().await.unwrap();
    assert_eq!(sim.db(|db| db.copies_of(rated[0].client_uuid).unwrap()), 1);
    assert_eq!(
        sim.db(|db| db.item_count().unwrap()),
        3,
        "case, service, rating"
    );
    sim.shutdown().await;
}

#[test]
fn rating_opened_from_attract_goes_back_on_inactivity_and_wipes_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = kiosk_device(dir.path(), key());
    let t0 = Instant::now();
    // English chosen on the attract screen carries into the rating journey.
    assert!(kiosk.input(&UiInput::Action("accessibility".into()), t0));
    assert!(kiosk.input(&UiInput::Action("lang-en".into()), t0));
    assert!(kiosk.input(&UiInput::Action("accessibility-close".into()), t0));
    assert!(kiosk.input(&UiInput::Action("rate".into()), t0));
    let vm = kiosk.view();
    assert_eq!(vm.page, Page::RateScan);
    assert!(!vm.prefs.rtl);
    assert_eq!(
        vm.title,
        "Hold the survey code of your receipt to the scanner"
    );
    assert!(!kiosk.tick(t0 + Duration::from_secs(59)));
    assert!(kiosk.tick(t0 + Duration::from_secs(60)), "warned");
    let overlay = kiosk.view().overlay.expect("warning shows");
    assert_eq!(overlay.buttons[0].id, "extend");
    assert!(kiosk.input(
        &UiInput::Action("extend".into()),
        t0 + Duration::from_secs(70)
    ));
    assert!(kiosk.view().overlay.is_none());
    assert!(kiosk.tick(t0 + Duration::from_secs(130)), "warned again");
    assert!(!kiosk.tick(t0 + Duration::from_secs(149)));
    assert!(kiosk.tick(t0 + Duration::from_secs(150)), "then ended");
    assert!(matches!(kiosk.journey(), Journey::Visitor));
    let vm = kiosk.view();
    assert_eq!(vm.page, Page::Attract);
    assert!(
        vm.prefs.rtl,
        "the session's settings are back to their defaults"
    );
    // Keypad only: the focus ring walks the attract actions to «rate a service».
    for _ in 0..2 {
        assert!(kiosk.input(&UiInput::FocusNext, t0));
    }
    assert!(kiosk.input(&UiInput::Activate, t0));
    assert_eq!(kiosk.view().page, Page::RateScan);
    assert!(kiosk.input(&UiInput::Activate, t0), "finish");
    assert_eq!(kiosk.view().page, Page::Attract);
}

#[test]
fn the_desk_logs_out_when_left_alone_and_forms_keep_what_was_typed_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let _kiosk = kiosk_device(dir.path(), key.clone());
    let mut desk = desk_device(dir.path(), &key).with_idle(IdleTimes {
        warn_after: Duration::from_secs(60),
        expire_after: Duration::from_secs(20),
    });
    add_staff(dir.path());
    let t0 = Instant::now();
    desk.event(Event::StaffCardScanned("2041".into()), t0);
    // A physical keyboard (or the keypad's digits) types the PIN as well as the screen's keys.
    for c in "۵820".chars() {
        desk.event(Event::Char(c), t0);
    }
    assert_eq!(desk.view().entry, "●●●●");
    tap(&mut desk, "submit");
    assert_eq!(desk.view().page, Page::DeskMenu);
    // The meeting form: a field typed on the Persian keyboard, an occupation, a result; the
    // store refuses it (no national code) and the form comes back as it was.
    tap(&mut desk, "meeting");
    tap(&mut desk, "field:full_name");
    assert_eq!(desk.view().keyboard, kiosk_ui::Keyboard::Persian);
    for c in "زهرا احمدی".chars() {
        assert!(desk.input(&UiInput::Key(kiosk_ui::Key::Char(c)), t0));
    }
    tap(&mut desk, "submit");
    tap(&mut desk, "occupation:private");
    tap(&mut desk, "result:follow_up_ordered");
    tap(&mut desk, "submit");
    let vm = desk.view();
    assert_eq!(vm.page, Page::DeskMeeting);
    assert!(!vm.error.is_empty(), "refused with a Persian reason");
    let name = vm
        .choices
        .iter()
        .find(|b| b.id == "field:full_name")
        .unwrap();
    assert_eq!(name.detail, "زهرا احمدی");
    assert!(
        vm.choices
            .iter()
            .any(|b| b.id == "occupation:private" && b.checked)
    );
    // Health: printer and outbox as the device knows them.
    tap(&mut desk, "back");
    tap(&mut desk, "health");
    let vm = desk.view();
    assert_eq!(vm.page, Page::DeskHealth);
    assert_eq!(vm.rows.len(), 4);
    assert!(vm.rows[3].value.contains("تنظیم نشده"), "{:?}", vm.rows);
    tap(&mut desk, "back");
    // Left alone: logged out after the idle time.
    let t1 = Instant::now();
    assert!(!desk.tick(t1 + Duration::from_secs(79)));
    assert!(desk.tick(t1 + Duration::from_secs(80)));
    assert_eq!(desk.view().page, Page::DeskLogin);
    assert!(!desk.input(
        &UiInput::Action("claim".into()),
        t1 + Duration::from_secs(81)
    ));
}

/// A kiosk whose receipts point at the agency's own portal (`receipt.portal_url`): the code it
/// printed is accepted when scanned, and the same token under any other address (the national
/// portal included) is refused as not this kiosk's portal.
#[test]
fn satisfaction_urls_are_checked_against_the_configured_portal() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let mut config = kiosk::demo::demo_config(dir.path()).unwrap();
    config.receipt.portal_url = "https://pishkhan.example.ir".to_owned();
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    let portal = config.receipt.portal_url.clone();
    let kiosk = kiosk::runtime::Kiosk::new(
        config,
        store,
        kiosk_receipt::Profile::MM80,
        RecordingPrinter::default(),
        chrono::Utc::now,
    )
    .with_satisfaction_key(key);
    let mut device = Device::new(kiosk, &portal, Box::new(|_, _, _| {}));
    for input in kiosk::device::complaint_taps() {
        assert!(device.input(&input, Instant::now()), "{input:?}");
    }
    let survey = printed_survey(&device);
    assert!(
        survey.starts_with("https://pishkhan.example.ir/s/"),
        "{survey}"
    );

    let elsewhere = survey.replace("https://pishkhan.example.ir", "https://saamad.ir");
    device.event(Event::SatisfactionScanned(elsewhere), Instant::now());
    let vm = device.view();
    // (Checked against the national portal, as before, this code would have been accepted.)
    assert_eq!(vm.page, Page::RateRefused, "{vm:?}");
    tap(&mut device, "finish");
    assert!(matches!(device.journey(), Journey::Visitor));

    device.event(Event::SatisfactionScanned(survey), Instant::now());
    assert_eq!(
        device.view().page,
        Page::RateFaces,
        "its own portal's code is accepted"
    );
}
