//! The rating journey's and the desk terminal's screens, rendered from running [`Device`]s
//! (the real flows, bridge and store) by Slint's software renderer (testing backend) into
//! `ui/screenshots/rating/` and `ui/screenshots/desk/` (Persian, 1280×800). On every screen,
//! every button is at least 9 mm and 44 px on the configured panel, inside the window, and
//! clear of every other control.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, ElementQuery, TestingBackend, TestingBackendOptions,
};
use kiosk::demo::{recording_device, recording_kiosk};
use kiosk::device::{Device, complaint_taps};
use kiosk::flow::Event;
use kiosk::runtime::RecordingPrinter;
use kiosk_config::Mode;
use kiosk_receipt::content::Block;
use kiosk_store::{NewStaff, OpenOptions, PinPolicy, Store, hash_pin};
use kiosk_ui::{KioskUi, Panel, UiInput};

fn new_ui() -> KioskUi {
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).expect("fresh test thread");
    let ui = KioskUi::new().unwrap();
    ui.fit_panel(&Panel::TEN_INCH_1280X800);
    ui
}

fn out_dir(set: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/screenshots")
        .join(set);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cheap_pins() -> PinPolicy {
    PinPolicy {
        memory_kib: 256,
        iterations: 1,
        ..PinPolicy::default()
    }
}

fn device(dir: &Path, desk: bool, key: &SigningKey) -> Device<RecordingPrinter> {
    let mode = if desk { Mode::Desk } else { Mode::Kiosk };
    let kiosk = recording_kiosk(dir, mode)
        .unwrap()
        .with_satisfaction_key(key.clone());
    recording_device(kiosk).with_pin_policy(cheap_pins())
}

/// Renders what `device` shows into `dir/NN-name.png` and checks its buttons.
struct Shots<'a> {
    ui: &'a KioskUi,
    dir: PathBuf,
    n: usize,
    floor: f32,
    smallest: f32,
}

impl Shots<'_> {
    fn shoot(&mut self, device: &Device<RecordingPrinter>, name: &str) {
        let vm = device.view();
        self.ui.show(&vm).unwrap();
        self.n += 1;
        let png = self.ui.snapshot_png().unwrap();
        std::fs::write(self.dir.join(format!("{:02}-{name}.png", self.n)), png).unwrap();
        let buttons: Vec<ElementHandle> = ElementQuery::from_root(self.ui.component())
            .match_descendants()
            .match_accessible_role(AccessibleRole::Button)
            .find_all();
        let mut rects: Vec<(f32, f32, f32, f32)> = Vec::new();
        for b in &buttons {
            let (p, s) = (b.absolute_position(), b.size());
            let label = b.accessible_label().unwrap_or_default();
            self.smallest = self.smallest.min(s.width.min(s.height));
            assert!(
                s.width >= self.floor && s.height >= self.floor,
                "{name}: «{label}» is {}×{} px, under {:.1} px",
                s.width,
                s.height,
                self.floor
            );
            let r = (p.x, p.y, p.x + s.width, p.y + s.height);
            assert!(
                r.0 >= 0.0 && r.1 >= 0.0 && r.2 <= 1280.0 && r.3 <= 800.0,
                "{name}: «{label}» at {r:?} is outside the window"
            );
            if !rects.contains(&r) {
                rects.push(r);
            }
        }
        if vm.overlay.is_none() {
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                    assert!(apart, "{name}: controls at {a:?} and {b:?} overlap");
                }
            }
        }
        // Every button of the view model is on the screen, found by its accessible label.
        for b in vm.choices.iter().chain(&vm.bar) {
            let found = ElementHandle::find_by_accessible_label(self.ui.component(), &b.label)
                .any(|e| e.accessible_role() == Some(AccessibleRole::Button));
            assert!(found, "{name}: «{}» not drawn", b.label);
        }
    }
}

fn tap(device: &mut Device<RecordingPrinter>, id: &str) {
    assert!(
        device.input(&UiInput::Action(id.into()), Instant::now()),
        "{id}"
    );
}

#[test]
fn rating_and_desk_screens_are_drawn_with_large_enough_targets() {
    let dir = tempfile::tempdir().unwrap();
    // A signing key made now (never a committed one).
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let key = SigningKey::from_bytes(&seed);
    let ui = new_ui();
    let panel = kiosk::device::panel(&kiosk::demo::demo_config(dir.path()).unwrap().display);
    let floor = panel.min_target_px();

    // The rating journey on the visitor kiosk.
    let mut kiosk = device(dir.path(), false, &key);
    let mut shots = Shots {
        ui: &ui,
        dir: out_dir("rating"),
        n: 0,
        floor,
        smallest: f32::MAX,
    };
    shots.shoot(&kiosk, "attract");
    for input in complaint_taps() {
        assert!(kiosk.input(&input, Instant::now()));
    }
    let survey = kiosk
        .kiosk()
        .backend()
        .last_slip()
        .unwrap()
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Qr { payload, .. } if payload.contains("/s/") => Some(payload.clone()),
            _ => None,
        })
        .unwrap();
    let code = kiosk_core::satisfaction::verify(
        &survey,
        |_| Some(key.verifying_key()),
        chrono::Utc::now(),
    )
    .unwrap()
    .tracking_code;
    tap(&mut kiosk, "rate");
    shots.shoot(&kiosk, "scan");
    kiosk.event(Event::SatisfactionScanned(survey.clone()), Instant::now());
    shots.shoot(&kiosk, "faces");
    assert!(kiosk.input(&UiInput::FocusNext, Instant::now()));
    shots.shoot(&kiosk, "faces-focus");
    tap(&mut kiosk, "score:2");
    tap(&mut kiosk, "reason:workflow");
    tap(&mut kiosk, "reason:amenities");
    shots.shoot(&kiosk, "reasons");
    kiosk.tick(Instant::now() + std::time::Duration::from_secs(90));
    shots.shoot(&kiosk, "idle-warning");
    tap(&mut kiosk, "extend");
    tap(&mut kiosk, "send");
    shots.shoot(&kiosk, "thanks");
    tap(&mut kiosk, "finish");
    kiosk.event(Event::SatisfactionScanned(survey.clone()), Instant::now());
    shots.shoot(&kiosk, "refused-already-rated");
    tap(&mut kiosk, "finish");
    kiosk.event(
        Event::SatisfactionScanned(format!("{survey}x")),
        Instant::now(),
    );
    shots.shoot(&kiosk, "refused-invalid");
    tap(&mut kiosk, "finish");
    // English, from the attract screen.
    tap(&mut kiosk, "accessibility");
    tap(&mut kiosk, "lang-en");
    tap(&mut kiosk, "accessibility-close");
    tap(&mut kiosk, "rate");
    kiosk.event(Event::SatisfactionScanned(survey.clone()), Instant::now());
    let vm = kiosk.view();
    assert_eq!(
        vm.message,
        "This code was already used for a rating; each code counts once."
    );
    shots.shoot(&kiosk, "english-refused");
    let rating_smallest = shots.smallest;

    // The desk terminal, Persian.
    {
        let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
        store
            .insert_staff(NewStaff {
                employee_code: "EMP-2041".into(),
                display_name: "مریم رضایی".into(),
                pin_hash: hash_pin("5820", &cheap_pins()).unwrap(),
                active: true,
            })
            .unwrap();
    }
    let mut desk = device(dir.path(), true, &key);
    let mut shots = Shots {
        ui: &ui,
        dir: out_dir("desk"),
        n: 0,
        floor,
        smallest: f32::MAX,
    };
    shots.shoot(&desk, "login");
    desk.event(Event::StaffCardScanned("EMP-2041".into()), Instant::now());
    for c in "0000".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    shots.shoot(&desk, "pin");
    tap(&mut desk, "submit");
    shots.shoot(&desk, "login-wrong-pin");
    desk.event(Event::StaffCardScanned("EMP-2041".into()), Instant::now());
    for c in "5820".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    tap(&mut desk, "submit");
    shots.shoot(&desk, "menu");
    tap(&mut desk, "claim");
    shots.shoot(&desk, "claim");
    desk.event(Event::TrackingScanned(code.as_string()), Instant::now());
    shots.shoot(&desk, "claimed");
    tap(&mut desk, "service");
    for c in "11021".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    shots.shoot(&desk, "service");
    tap(&mut desk, "submit");
    tap(&mut desk, "meeting");
    tap(&mut desk, "field:full_name");
    for c in "زهرا احمدی".chars() {
        assert!(desk.input(&UiInput::Key(kiosk_ui::Key::Char(c)), Instant::now()));
    }
    shots.shoot(&desk, "meeting-field");
    tap(&mut desk, "submit");
    tap(&mut desk, "field:national_code");
    for c in "0499370899".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    shots.shoot(&desk, "meeting-field-digits");
    tap(&mut desk, "submit");
    tap(&mut desk, "field:reason");
    for c in "پیگیری پرونده".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    tap(&mut desk, "submit");
    tap(&mut desk, "occupation:private");
    tap(&mut desk, "result:follow_up_ordered");
    shots.shoot(&desk, "meeting");
    tap(&mut desk, "submit");
    shots.shoot(&desk, "meeting-recorded");
    tap(&mut desk, "reprint");
    desk.event(Event::TrackingScanned(code.as_string()), Instant::now());
    // The reprint carries the visit's own satisfaction code (the same claim signed again by
    // the same key is the same code), so a lost receipt still lets the visitor rate, once.
    let backend = desk.kiosk().backend();
    let reprinted = backend.last_slip().expect("the reprint was printed");
    let reprinted_survey = reprinted.blocks.iter().find_map(|b| match b {
        Block::Qr { payload, .. } if payload.contains("/s/") => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(reprinted_survey.as_deref(), Some(survey.as_str()));
    drop(backend);
    tap(&mut desk, "health");
    shots.shoot(&desk, "health");
    tap(&mut desk, "back");
    tap(&mut desk, "summary");
    shots.shoot(&desk, "summary");
    // A transfer (انتقال), the kind only staff register: the form, filled, then registered.
    tap(&mut desk, "back");
    tap(&mut desk, "transfer");
    shots.shoot(&desk, "transfer");
    tap(&mut desk, "transfer-field:national_code");
    for c in "0499370899".chars() {
        desk.event(Event::Char(c), Instant::now());
    }
    tap(&mut desk, "submit");
    tap(&mut desk, "transfer-field:description");
    for c in "انتقال پرونده از اداره‌ی شهرستان".chars() {
        assert!(desk.input(&UiInput::Key(kiosk_ui::Key::Char(c)), Instant::now()));
    }
    shots.shoot(&desk, "transfer-field");
    tap(&mut desk, "submit");
    tap(&mut desk, "transfer-subject:deed-delay");
    shots.shoot(&desk, "transfer-filled");
    tap(&mut desk, "submit");
    let vm = desk.view();
    assert!(
        vm.message.contains("انتقال با کد رهگیری") && vm.error.is_empty(),
        "{} {}",
        vm.message,
        vm.error
    );
    shots.shoot(&desk, "transfer-registered");
    println!(
        "smallest target: rating {rating_smallest} px, desk {} px (floor {floor:.1} px = 9 mm)",
        shots.smallest
    );
}

/// Tesseract's Persian model reads the titles of the rendered screens back (the committed
/// screenshots, as the test above writes them). Needs `tesseract` with Persian data, so it is
/// ignored by default; when run, a missing tesseract is a failure, never a silent pass.
#[test]
#[ignore = "needs tesseract-ocr-fas (apt-get install tesseract-ocr tesseract-ocr-fas); run with --ignored"]
fn tesseract_reads_the_titles_of_the_rating_and_desk_screens() {
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/screenshots");
    for (file, title) in [
        ("rating/03-faces.png", "از خدمتی که گرفتید چقدر راضی هستید؟"),
        ("rating/08-refused-already-rated.png", "برای هر کد یک بار"),
        ("desk/10-meeting.png", "فرم ملاقات مردمی"),
        ("desk/12-health.png", "وضعیت چاپگر و همگام‌سازی"),
    ] {
        let out = std::process::Command::new("tesseract")
            .arg(shots.join(file))
            .args(["-", "-l", "fas"])
            .output()
            .unwrap_or_else(|e| panic!("tesseract could not be run ({e})"));
        assert!(out.status.success(), "tesseract failed on {file}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(title), "{file}: tesseract read {text:?}");
    }
}
