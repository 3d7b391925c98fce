//! No way out of the kiosk from its screen without staff authentication.
//!
//! - A long seeded random walk over the visitor kiosk (every button of every screen, the
//!   on-screen and physical keys, keypad navigation, card reads, scans of staff cards, forged
//!   codes and tracking codes, inactivity) never reaches a staff (desk) screen, the
//!   out-of-service screen or anything outside the visitor and rating journeys, and the kiosk
//!   still answers afterwards.
//! - The window refuses to close: a window manager's close request and the usual quit keys
//!   (Alt+F4, Ctrl+Q, Ctrl+W, Escape, Ctrl+Alt+Backspace) leave it shown on the same page. The
//!   same close request does hide a window that was not locked, so the check can fail.
//!
//! The device image adds what a screen cannot show: no getty on any VT, no ssh, no display
//! server or window manager (images/build-image.sh), and the kiosk's unit restarts it if it
//! ever exits.

#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use kiosk::demo::{recording_device, recording_kiosk};
use kiosk::device::Device;
use kiosk::device::journey::Journey;
use kiosk::flow::Event;
use kiosk::runtime::RecordingPrinter;
use kiosk_config::Mode;
use kiosk_ui::{Key, KioskUi, Page, Panel, UiInput};
use slint::ComponentHandle as _;
use slint::platform::{Key as SlintKey, WindowEvent};

fn visitor_device(dir: &Path) -> Device<RecordingPrinter> {
    recording_device(recording_kiosk(dir, Mode::Kiosk).unwrap())
}

/// xorshift64*: a fixed seed makes every run walk the same path.
struct Walk(u64);

impl Walk {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn a_random_walk_over_the_visitor_kiosk_never_reaches_a_staff_screen() {
    // Three walks from three seeds: one walk can wander into the screen-off mode, where only
    // the keys work, and spend itself there; together they reach the visitor's screens.
    let mut seen: Vec<Page> = Vec::new();
    for seed in 1..=3 {
        for page in walk_from(0x4B49_4F53_4B00_0000 + seed) {
            if !seen.contains(&page) {
                seen.push(page);
            }
        }
    }
    eprintln!("pages reached: {seen:?}");
    // The walks went far enough to mean something: most of the visitor's screens were reached.
    assert!(seen.len() >= 10, "only {seen:?} were reached");
    assert!(
        seen.contains(&Page::Done) || seen.contains(&Page::Review),
        "{seen:?}"
    );
}

/// One walk of 20,000 random inputs from `seed`, asserting at every step that no staff screen
/// opens; the pages it reached.
fn walk_from(seed: u64) -> Vec<Page> {
    let dir = tempfile::tempdir().unwrap();
    let mut device = visitor_device(dir.path());
    let mut walk = Walk(seed);
    let allowed: Vec<Page> = Page::ALL.iter().chain(&Page::RATING).copied().collect();
    let mut seen: Vec<Page> = Vec::new();
    let mut now = Instant::now();
    let scans = [
        Event::StaffCardScanned("EMP-2041".into()),
        Event::StaffCardScanned("admin".into()),
        Event::TrackingScanned("1000120000000017".into()),
        Event::SatisfactionScanned("https://peygiri.example.ir/s/AAAA".into()),
        Event::SatisfactionScanned("\u{1b}[2J; /bin/sh".into()),
        Event::IdentityRead("0499370899".into()),
    ];
    for step in 0..20_000 {
        let vm = device.view();
        let mut buttons: Vec<String> = vm
            .choices
            .iter()
            .chain(&vm.bar)
            .map(|b| b.id.clone())
            .collect();
        if let Some(overlay) = &vm.overlay {
            buttons.extend(overlay.buttons.iter().map(|b| b.id.clone()));
        }
        match walk.below(20) {
            0..=11 if !buttons.is_empty() => {
                let id = buttons[walk.below(buttons.len())].clone();
                // Half the time touched twice: in speech mode the first touch only says the
                // button (explore by touch) and the second does it.
                let touches = 1 + walk.below(2);
                for _ in 0..touches {
                    device.input(&UiInput::Action(id.clone()), now);
                }
            }
            12..=13 => {
                let key = match walk.below(13) {
                    d @ 0..=9 => Key::Digit(d as u8),
                    10 => Key::Char('ب'),
                    11 => Key::Char('q'),
                    _ => Key::Backspace,
                };
                device.input(&UiInput::Key(key), now);
            }
            14..=15 => {
                let nav = [UiInput::FocusNext, UiInput::FocusPrev, UiInput::Activate];
                device.input(&nav[walk.below(3)], now);
            }
            16..=17 => device.event(scans[walk.below(scans.len())].clone(), now),
            _ => {
                // Time passes: sometimes long enough to warn or end an idle session.
                now += Duration::from_secs([1, 5, 30, 200][walk.below(4)]);
                device.tick(now);
            }
        }
        let page = device.view().page;
        if !seen.contains(&page) {
            seen.push(page);
        }
        assert!(
            allowed.contains(&page),
            "step {step}: the visitor kiosk reached {page:?}"
        );
        assert!(
            !matches!(device.journey(), Journey::Desk(_)),
            "step {step}: the staff journey opened without a login"
        );
    }
    // And the kiosk still serves: back to the start and into a new session.
    let restart = device.view().bar.iter().any(|b| b.id == "cancel");
    if restart {
        device.input(&UiInput::Action("cancel".into()), now);
    }
    now += Duration::from_secs(3600);
    device.tick(now);
    device.tick(now + Duration::from_secs(3600));
    assert!(allowed.contains(&device.view().page));
    seen
}

fn init_backend() {
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).expect("fresh test thread");
}

fn press(ui: &KioskUi, keys: &[SlintKey], last: char) {
    let window = ui.component().window();
    for &k in keys {
        window.dispatch_event(WindowEvent::KeyPressed { text: k.into() });
    }
    window.dispatch_event(WindowEvent::KeyPressed { text: last.into() });
    window.dispatch_event(WindowEvent::KeyReleased { text: last.into() });
    for &k in keys.iter().rev() {
        window.dispatch_event(WindowEvent::KeyReleased { text: k.into() });
    }
}

#[test]
fn the_kiosk_window_refuses_close_requests_and_quit_keys() {
    init_backend();
    let dir = tempfile::tempdir().unwrap();
    let device = visitor_device(dir.path());
    let ui = KioskUi::new().unwrap();
    ui.fit_panel(&Panel::TEN_INCH_1280X800);
    ui.refuse_close();
    ui.show(&device.view()).unwrap();
    ui.component().show().unwrap();
    let inputs = Rc::new(RefCell::new(Vec::new()));
    {
        let inputs = inputs.clone();
        ui.on_input(move |input| inputs.borrow_mut().push(input));
    }
    let window = ui.component().window();
    assert!(window.is_visible());

    window.dispatch_event(WindowEvent::CloseRequested);
    assert!(window.is_visible(), "a close request hid the kiosk");
    let f4 = char::from(SlintKey::F4);
    press(&ui, &[SlintKey::Alt], f4);
    press(&ui, &[SlintKey::Control], 'q');
    press(&ui, &[SlintKey::Control], 'w');
    press(&ui, &[], char::from(SlintKey::Escape));
    press(
        &ui,
        &[SlintKey::Control, SlintKey::Alt],
        char::from(SlintKey::Backspace),
    );
    assert!(window.is_visible(), "a quit key hid the kiosk");
    assert_eq!(ui.component().get_page(), kiosk_ui::PageId::Attract);
    // None of them became a tap on the screen ("q" and "w" are letters, typed nowhere here).
    assert!(
        !inputs
            .borrow()
            .iter()
            .any(|i| matches!(i, UiInput::Action(_) | UiInput::Activate)),
        "{:?}",
        inputs.borrow()
    );

    // The same request closes a window that was not locked: the check above can fail.
    let unlocked = KioskUi::new().unwrap();
    unlocked.component().show().unwrap();
    assert!(unlocked.component().window().is_visible());
    unlocked
        .component()
        .window()
        .dispatch_event(WindowEvent::CloseRequested);
    assert!(!unlocked.component().window().is_visible());
}
