//! «Call staff» really calls: the kiosk's fault LED blinks and its buzzer sounds until a member
//! of staff scans their card at the kiosk, the call is kept in the store (open across a
//! restart, for the desk terminals to show), and a kiosk without LEDs or buzzer does not tell
//! the visitor that someone is coming.

use std::time::{Duration, Instant};

use kiosk::demo::{recording_device, recording_kiosk};
use kiosk::device::staff_call::BEEP_EVERY;
use kiosk::flow::{Event, Screen};
use kiosk_config::Mode;
use kiosk_drivers::keypad::{Beep, IndicatorCall, Led, LedState, SimIndicators};
use kiosk_store::{OpenOptions, Store};
use kiosk_ui::UiInput;

#[test]
fn a_call_blinks_until_a_staff_card_is_scanned_and_stays_open_across_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let sim = SimIndicators::default();
    let kiosk = recording_kiosk(dir.path(), Mode::Kiosk).expect("kiosk");
    let mut device = recording_device(kiosk).with_indicators(Some(Box::new(sim.clone())));
    let t0 = Instant::now();
    assert!(device.input(&UiInput::Action("start".into()), t0));
    assert!(device.input(&UiInput::Action("call-staff".into()), t0));
    assert_eq!(device.kiosk().flow().screen(), Screen::CallStaff);
    assert!(device.kiosk().flow().title().contains("می‌آید"));
    assert!(device.staff_call_open());
    // Nobody came yet: the buzzer sounds again; the call is in the store.
    device.tick(t0 + BEEP_EVERY);
    let open = device
        .kiosk()
        .backend()
        .store()
        .open_staff_calls()
        .expect("read");
    assert_eq!(open.len(), 1);

    // The kiosk restarts before anyone came: the call blinks again.
    drop(device);
    let sim_after = SimIndicators::default();
    let kiosk = recording_kiosk(dir.path(), Mode::Kiosk).expect("kiosk");
    let mut device = recording_device(kiosk).with_indicators(Some(Box::new(sim_after.clone())));
    device.resume_staff_calls();
    assert!(device.staff_call_open());
    assert!(
        sim_after
            .calls()
            .contains(&IndicatorCall::Led(Led::Fault, LedState::Blink))
    );

    // A member of staff scans their card at the kiosk.
    device.event(
        Event::StaffCardScanned("E-1007".into()),
        t0 + Duration::from_secs(90),
    );
    assert!(!device.staff_call_open());
    assert_eq!(
        sim_after.calls().last(),
        Some(&IndicatorCall::Led(Led::Fault, LedState::Off))
    );
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("db");
    assert!(store.open_staff_calls().expect("read").is_empty());

    let calls = sim.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| **c == IndicatorCall::Beep(Beep::Attention))
            .count(),
        2,
        "sounded when called and again after {BEEP_EVERY:?}: {calls:?}"
    );
}

#[test]
fn a_kiosk_without_leds_or_buzzer_sends_the_visitor_to_the_desk() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = kiosk::demo::demo_config(dir.path()).expect("config");
    config.devices.indicators.backend = kiosk_config::devices::IndicatorBackend::None;
    let store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("db");
    let desk = config.desk.clone();
    let kiosk = kiosk::runtime::Kiosk::new(
        config,
        store,
        kiosk_receipt::Profile::MM80,
        kiosk::runtime::RecordingPrinter::default(),
        chrono::Utc::now,
    );
    let mut device = recording_device(kiosk);
    let t0 = Instant::now();
    assert!(device.input(&UiInput::Action("start".into()), t0));
    assert!(device.input(&UiInput::Action("call-staff".into()), t0));
    let title = device.kiosk().flow().title();
    assert!(!title.contains("می‌آید"), "{title}");
    assert!(title.contains(desk.trim()), "names the desk: {title}");
    assert_eq!(device.view().title, title, "the screen says the same");
}
