//! The kiosk UI driven by the real journey: the flow's state goes through `ui_bridge` into the
//! Slint window (testing backend, software renderer).
//!
//! - every screen is rendered in Persian (each of the four colour themes, the huge text size, low
//!   reach) and in English, and written to `ui/screenshots/<set>/NN-<page>.png`;
//! - every screen in every combination of the four themes and four text sizes (and in English
//!   and low reach at each size) passes the contrast floor of its theme (7:1; 15:1 on the
//!   high-contrast ones), the 9 mm target check, and has no text cut off
//!   (ui/tests/support/layout_check.rs says how that is measured);
//! - on every rendered screen, every button is at least 9 mm and 44 px in both directions on
//!   the panel configured in `[display]` (the example's 10.1" 1280×800), and in the low-reach layout every button lies in the lower band;
//! - a visitor registers a complaint from attract to done by tapping elements found by their
//!   accessible labels (Persian, then English), the tracking code and its QR appear on the
//!   done screen, and the case is in the store.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{TimeZone as _, Utc};
use i_slint_backend_testing::{
    AccessibleRole, ElementHandle, ElementQuery, TestingBackend, TestingBackendOptions,
};
use kiosk::flow::{
    Action, Event, Flow, FlowSettings, FollowUpView, Lang, PrinterProblem, RegisteredView, Screen,
    TimelineEntry,
};
use kiosk::runtime::{Kiosk, RecordingPrinter};
use kiosk::ui_bridge::{event_for, view_model};
use kiosk_core::{CaseKind, KioskNumber, TrackingCode};
use kiosk_ui::{KioskUi, MAX_TEXT_STEP, Palette, Panel, Theme, ViewModel};

#[path = "../../../ui/tests/support/layout_check.rs"]
mod layout_check;
use slint::ComponentHandle as _;
use slint::platform::PointerEventButton;

const PORTAL: &str = "https://peygiri.example.ir";

fn init_backend() {
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).expect("fresh test thread");
}

fn new_ui() -> KioskUi {
    init_backend();
    let ui = KioskUi::new().expect("window");
    ui.fit_panel(&Panel::TEN_INCH_1280X800);
    ui
}

fn config(dir: &Path) -> kiosk_config::KioskConfig {
    kiosk::demo::demo_config(dir).expect("example config")
}

fn screenshots_dir(set: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/screenshots")
        .join(set);
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

fn code() -> TrackingCode {
    TrackingCode::new(KioskNumber::new(12).expect("kiosk"), 427).expect("code")
}

/// Walks the flow through every screen, calling `visit` on each (and once with the
/// inactivity warning showing).
fn walk(flow: &mut Flow, lang: Lang, visit: &mut dyn FnMut(&Flow, &str)) {
    let digits = |flow: &mut Flow, text: &str| {
        for c in text.chars().filter_map(|c| c.to_digit(10)) {
            flow.step(Event::Digit(c as u8));
        }
    };
    // Every session starts in Persian: English is chosen again after each one ends.
    let choose_lang = |flow: &mut Flow| {
        if lang == Lang::En {
            flow.step(Event::Do(Action::OpenAccessibility));
            flow.step(Event::Do(Action::SetLang(Lang::En)));
            flow.step(Event::Do(Action::CloseAccessibility));
        }
    };
    choose_lang(flow);
    visit(flow, "attract");
    flow.step(Event::Do(Action::OpenAccessibility));
    visit(flow, "accessibility");
    flow.step(Event::Do(Action::CloseAccessibility));
    flow.step(Event::Do(Action::Start));
    digits(flow, "0499370898");
    visit(flow, "identify-invalid");
    flow.step(Event::Backspace);
    digits(flow, "9");
    visit(flow, "identify");
    flow.step(Event::Do(Action::Continue));
    visit(flow, "kind");
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Request)));
    visit(flow, "subject");
    flow.step(Event::Do(Action::ChooseSubject("car-plates".into())));
    visit(flow, "guidance");
    flow.step(Event::Do(Action::Back));
    let search = if lang == Lang::Fa { "سند" } else { "deed" };
    for c in search.chars() {
        flow.step(Event::Char(c));
    }
    visit(flow, "subject-search");
    flow.step(Event::Do(Action::ChooseSubject("deed-delay".into())));
    flow.step(Event::Do(Action::Phrase(0)));
    let more = if lang == Lang::Fa {
        " شماره پرونده ۱۲۳۴ است"
    } else {
        " My file is 1234"
    };
    for c in more.chars() {
        flow.step(Event::Char(c));
    }
    // Long enough to wrap: the box keeps its height and shows the last lines.
    flow.step(Event::Do(Action::Phrase(2)));
    flow.step(Event::Do(Action::Phrase(1)));
    visit(flow, "description");
    flow.step(Event::IdleWarning);
    visit(flow, "idle-warning");
    flow.step(Event::Do(Action::Extend));
    flow.step(Event::Do(Action::Continue));
    digits(flow, "09121234567");
    // The consent to text messages, ticked: the checkbox drawn on, the review saying so.
    flow.step(Event::Do(Action::ToggleNoticeConsent));
    visit(flow, "mobile");
    flow.step(Event::Do(Action::Continue));
    visit(flow, "review");
    flow.step(Event::Do(Action::Confirm));
    visit(flow, "printing");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("day");
    let due = Some(kiosk_core::DueDate {
        day,
        jalali: kiosk_core::JalaliDate::from_gregorian(day),
        working_days: 10,
        holidays_known: true,
    });
    let registered = RegisteredView {
        tracking_code: code(),
        due,
        next_visit: None,
    };
    flow.step(Event::Registered(registered.clone()));
    flow.step(Event::Printed);
    visit(flow, "done");
    flow.step(Event::Do(Action::Finish));

    // Printer out of paper.
    let mut out = flow.clone();
    choose_lang(&mut out);
    out.step(Event::IdentityRead("0067749828".into()));
    out.step(Event::Do(Action::ChooseKind(CaseKind::Suggestion)));
    out.step(Event::Do(Action::ChooseSubject("service-quality".into())));
    out.step(Event::Char('x'));
    out.step(Event::Do(Action::Continue));
    out.step(Event::Do(Action::SkipMobile));
    out.step(Event::Do(Action::Confirm));
    out.step(Event::Registered(registered));
    out.step(Event::PrintFailed(PrinterProblem::PaperOut));
    visit(&out, "printer-out");
    out.step(Event::Do(Action::CallStaff));
    visit(&out, "call-staff");

    // A failed registration.
    let mut failed = out.clone();
    failed.step(Event::Do(Action::Back));
    failed.step(Event::Do(Action::Finish));
    choose_lang(&mut failed);
    failed.step(Event::IdentityRead("0067749828".into()));
    failed.step(Event::Do(Action::ChooseKind(CaseKind::Consultation)));
    failed.step(Event::Do(Action::ChooseSubject("service-quality".into())));
    failed.step(Event::Do(Action::Continue));
    failed.step(Event::Do(Action::SkipMobile));
    failed.step(Event::Do(Action::Confirm));
    let message = if lang == Lang::Fa {
        "ثبت درخواست ممکن نشد. همکاران ما در جریان هستند."
    } else {
        "Your case could not be registered. Staff have been told."
    };
    failed.step(Event::RegistrationFailed {
        message: message.into(),
    });
    visit(&failed, "error");

    // Follow-up.
    choose_lang(flow);
    flow.step(Event::Do(Action::TrackCase));
    digits(flow, "1000120000000");
    visit(flow, "follow-up-entry");
    // The visitor's look-up (its answer below is accepted only for the look-up asked for).
    flow.step(Event::TrackingScanned("1000120000000015".into()));
    // Then whose case it is (the national card).
    flow.step(Event::IdentityRead("0499370899".into()));
    let at = |d, h| {
        Utc.with_ymd_and_hms(2026, 11, d, h, 15, 0)
            .single()
            .expect("time")
    };
    let fa = lang == Lang::Fa;
    let pick = |a: &str, b: &str| if fa { a.to_owned() } else { b.to_owned() };
    flow.step(Event::FollowUpResult(Some(FollowUpView {
        tracking_code: code(),
        timeline: vec![
            TimelineEntry {
                at: at(22, 8),
                what: pick("درخواست ثبت شد", "Case registered"),
                unit: pick("کیوسک ۱۲", "Kiosk 12"),
                responsible: None,
                answer: None,
            },
            TimelineEntry {
                at: at(23, 9),
                what: pick("به واحد ثبت اسناد ارجاع شد", "Referred to the deeds unit"),
                unit: pick("دفتر ارتباطات مردمی", "Public relations office"),
                responsible: None,
                answer: None,
            },
            TimelineEntry {
                at: at(25, 11),
                what: pick("پاسخ داده شد", "Answered"),
                unit: pick("واحد ثبت اسناد", "Deeds unit"),
                responsible: None,
                answer: None,
            },
        ],
    })));
    visit(flow, "follow-up");

    // A complaint on a subject that may concern officials: whom it is about (§10-3).
    let mut official = failed;
    official.step(Event::Do(Action::Finish));
    choose_lang(&mut official);
    official.step(Event::IdentityRead("0067749828".into()));
    official.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    official.step(Event::Do(Action::ChooseSubject(OFFICIALS.into())));
    visit(&official, "official");
}

/// The subject, added to the demo catalogue, whose complaints may be about an official.
const OFFICIALS: &str = "officials-conduct";

fn settings(dir: &Path) -> FlowSettings {
    let mut config = config(dir);
    config.catalogue.subjects.push(kiosk_core::Subject {
        id: OFFICIALS.into(),
        label_fa: "رفتار یا تصمیم مسئولان".into(),
        label_en: "Conduct or decisions of officials".into(),
        keywords: Vec::new(),
        kinds: vec![CaseKind::Complaint],
        service_id: None,
        guidance_fa: None,
        guidance_en: None,
        about_officials: true,
        next_visit: None,
    });
    FlowSettings {
        national_code_policy: config.national_code_policy,
        catalogue: config.catalogue,
        max_extensions: 10,
    }
}

/// Every button and key on the window now.
fn buttons(ui: &KioskUi) -> Vec<ElementHandle> {
    ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
}

#[test]
fn every_screen_in_every_theme_is_rendered_with_large_enough_targets_in_reach() {
    let dir = tempfile::tempdir().expect("tmp");
    let ui = new_ui();
    // The panel of the shipped configuration's `[display]` section decides what 9 mm is.
    let display = config(dir.path()).display;
    let panel = kiosk::device::panel(&display);
    assert_eq!((panel.width_px, panel.height_px), (1280, 800));
    kiosk::device::check_targets(ui.component(), &display).expect("targets fit the panel");
    let floor = panel.min_target_px();
    let band_top = ui.component().global::<Theme>().get_low_reach_top() * panel.height_px as f32;
    type Tweak = fn(&mut ViewModel);
    let sets: [(&str, Lang, Tweak); 7] = [
        ("default", Lang::Fa, |_| {}),
        ("high-contrast-light", Lang::Fa, |vm| {
            vm.prefs.palette = Palette::HighContrastLight
        }),
        ("high-contrast-dark", Lang::Fa, |vm| {
            vm.prefs.palette = Palette::HighContrastDark
        }),
        ("low-glare", Lang::Fa, |vm| {
            vm.prefs.palette = Palette::LowGlare
        }),
        ("huge-text", Lang::Fa, |vm| {
            vm.prefs.text_step = MAX_TEXT_STEP
        }),
        ("low-reach", Lang::Fa, |vm| vm.prefs.low_reach = true),
        ("english", Lang::En, |_| {}),
    ];
    let mut smallest = f32::MAX;
    let mut highest_low_reach = f32::MAX;
    let mut written = 0;
    for (set, lang, tweak) in sets {
        let out = screenshots_dir(set);
        let mut flow = Flow::new(settings(dir.path()));
        let mut n = 0;
        let mut pages = std::collections::BTreeSet::new();
        walk(&mut flow, lang, &mut |flow, name| {
            n += 1;
            let mut vm = view_model(flow, PORTAL);
            tweak(&mut vm);
            assert_eq!(
                vm.prefs.rtl,
                lang == Lang::Fa,
                "{set}/{name}: wrong direction"
            );
            pages.insert(vm.page.name());
            ui.show(&vm).expect("show");
            let png = ui.snapshot_png().expect("snapshot");
            assert!(png.len() > 1000, "{set}/{name}: empty picture");
            std::fs::write(out.join(format!("{n:02}-{name}.png")), png).expect("write");
            written += 1;
            let all = buttons(&ui);
            if flow.screen() != Screen::Printing {
                assert!(!all.is_empty(), "{set}/{name}: no buttons found");
            }
            // Nothing spills out of the window or onto another control (the inactivity
            // warning covers the page on purpose). ElementQuery visits the items of a repeater
            // inside a conditional twice: the same label at the same place is one control.
            // A scrolling list shows part of what it holds: a button in one is where the list
            // shows it (scrolled out of view: not on screen).
            let areas = layout_check::ScrollAreas::of(&ui);
            let mut rects: Vec<(f32, f32, f32, f32)> = Vec::new();
            let mut seen: Vec<(String, (f32, f32, f32, f32))> = Vec::new();
            for b in &all {
                let (p, s) = (b.absolute_position(), b.size());
                let label = b.accessible_label().unwrap_or_default().to_string();
                let Some(rect) = areas.visible(&label, (p.x, p.y, p.x + s.width, p.y + s.height))
                else {
                    continue;
                };
                if !seen.contains(&(label.clone(), rect)) {
                    seen.push((label, rect));
                    rects.push(rect);
                }
            }
            for (i, a) in rects.iter().enumerate() {
                let (w, h) = (panel.width_px as f32, panel.height_px as f32);
                assert!(
                    a.0 >= 0.0 && a.1 >= 0.0 && a.2 <= w && a.3 <= h,
                    "{set}/{name}: a control at {a:?} is outside the window"
                );
                if vm.overlay.is_none() {
                    for b in &rects[i + 1..] {
                        let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                        assert!(apart, "{set}/{name}: controls at {a:?} and {b:?} overlap");
                    }
                }
            }
            for b in all {
                let size = b.size();
                let label = b.accessible_label().unwrap_or_default();
                smallest = smallest.min(size.width.min(size.height));
                assert!(
                    size.width >= floor && size.height >= floor,
                    "{set}/{name}: «{label}» is {}×{} px, under {floor:.1} px (9 mm)",
                    size.width,
                    size.height
                );
                if set == "low-reach" {
                    let (p, s) = (b.absolute_position(), b.size());
                    let Some((_, y, _, _)) =
                        areas.visible(&label, (p.x, p.y, p.x + s.width, p.y + s.height))
                    else {
                        continue;
                    };
                    highest_low_reach = highest_low_reach.min(y);
                    assert!(
                        y >= band_top,
                        "{set}/{name}: «{label}» at y={y} is above the low-reach band ({band_top})"
                    );
                }
            }
        });
        assert_eq!(
            pages.len(),
            kiosk_ui::Page::ALL.len(),
            "{set}: every page drawn, got {pages:?}"
        );
    }
    println!(
        "{written} screenshots; smallest target {smallest} px = {:.1} mm (floor {floor:.1} px); \
         highest control in low reach at y={highest_low_reach} (band from {band_top})",
        panel.px_to_mm(smallest)
    );
}

/// Every screen fits in every combination. At the larger sizes the pages make room rather than
/// shrink their text: choice grids grow each row with its wrapped labels, and where a page has
/// less room than its choices need (the phrases and subjects beside or above the keyboard, long
/// choice lists, the low-reach side column, which is never taller than the keyboard) they
/// scroll, as the follow-up timeline does; the keypad's focus ring scrolls the focused choice
/// fully into view. Texts scrolled out of a list's view are not cut off but hidden on purpose
/// (ui/tests/support/layout_check.rs); each still passes its own check. At the huge size the
/// keypad pages put the entry beside the keypad, so that a long error above them leaves room.
#[test]
fn every_screen_in_every_theme_and_text_size_fits_with_no_text_cut_off() {
    let dir = tempfile::tempdir().expect("tmp");
    let ui = new_ui();
    let display = config(dir.path()).display;
    let panel = kiosk::device::panel(&display);
    let floor = panel.min_target_px();
    let window = (panel.width_px as f32, panel.height_px as f32);
    // Every theme at every size in Persian; English and low reach at every size too (colours
    // do not move anything, sizes and words do).
    let mut combos: Vec<(Lang, Palette, u8, bool)> = Vec::new();
    for step in 0..=MAX_TEXT_STEP {
        for palette in Palette::ALL {
            combos.push((Lang::Fa, palette, step, false));
        }
        combos.push((Lang::En, Palette::Standard, step, false));
        combos.push((Lang::Fa, Palette::Standard, step, true));
    }
    let mut failures: Vec<String> = Vec::new();
    let mut screens = 0;
    let mut lowest = std::collections::BTreeMap::new();
    for (lang, palette, step, low_reach) in combos {
        let set = format!(
            "{}/{}/text-{step}{}",
            if lang == Lang::Fa { "fa" } else { "en" },
            palette.name(),
            if low_reach { "/low-reach" } else { "" }
        );
        let mut flow = Flow::new(settings(dir.path()));
        walk(&mut flow, lang, &mut |flow, name| {
            let mut vm = view_model(flow, PORTAL);
            vm.prefs.palette = palette;
            vm.prefs.text_step = step;
            vm.prefs.low_reach = low_reach;
            ui.show(&vm).expect("show");
            // Rendered by the software renderer, as on the kiosk.
            ui.render().expect("render");
            screens += 1;
            for pair in kiosk_ui::theme::text_pairs(ui.component()) {
                let ratio = pair.ratio();
                let entry = lowest.entry(palette.name()).or_insert(f64::MAX);
                *entry = entry.min(ratio);
                if ratio < palette.min_text_contrast() {
                    failures.push(format!("{set}/{name}: {} is {ratio:.2}:1", pair.name));
                }
            }
            for b in buttons(&ui) {
                let size = b.size();
                if size.width < floor || size.height < floor {
                    failures.push(format!(
                        "{set}/{name}: «{}» is {}×{} px, under 9 mm",
                        b.accessible_label().unwrap_or_default(),
                        size.width,
                        size.height
                    ));
                }
            }
            for problem in layout_check::problems(&ui, window, vm.overlay.is_some()) {
                failures.push(format!("{set}/{name}: {problem}"));
            }
        });
    }
    println!("{screens} screens checked; lowest text contrast per theme: {lowest:?}");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Taps the button or key with this accessible label (exactly one must be on the screen).
fn tap(ui: &KioskUi, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(ui.component(), label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "exactly one button «{label}» on screen");
    found[0].mock_single_click(PointerEventButton::Left);
}

fn kiosk_with_ui(dir: &Path) -> (Rc<RefCell<Kiosk<RecordingPrinter>>>, KioskUi) {
    let store = kiosk_store::Store::open(dir.join("kiosk.db"), &Default::default()).expect("store");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 22, 8, 0, 0)
        .single()
        .expect("time");
    let kiosk = Rc::new(RefCell::new(Kiosk::new(
        config(dir),
        store,
        kiosk_receipt::Profile::MM80,
        RecordingPrinter::default(),
        Box::new(move || now),
    )));
    let ui = new_ui();
    ui.show(&view_model(kiosk.borrow().flow(), PORTAL))
        .expect("show");
    let weak = ui.component().as_weak();
    let k = kiosk.clone();
    ui.on_input(move |input| {
        let Some(window) = weak.upgrade() else { return };
        let mut kiosk = k.borrow_mut();
        if let Some(event) = event_for(kiosk.flow(), &input) {
            kiosk.handle(event);
        }
        kiosk_ui::apply(&window, &view_model(kiosk.flow(), PORTAL)).expect("apply");
    });
    (kiosk, ui)
}

fn journey_by_labels(lang: Lang) {
    let dir = tempfile::tempdir().expect("tmp");
    let (kiosk, ui) = kiosk_with_ui(dir.path());
    let fa = lang == Lang::Fa;
    let page = |ui: &KioskUi| {
        kiosk_ui::page_of(ui.component().get_page())
            .name()
            .to_owned()
    };
    if !fa {
        tap(&ui, "تنظیمات");
        tap(&ui, "English");
        tap(&ui, "Back");
        assert_eq!(page(&ui), "attract");
    }
    tap(
        &ui,
        if fa {
            "ثبت درخواست"
        } else {
            "Register a case"
        },
    );
    assert_eq!(page(&ui), "identify");
    let typed = if fa {
        "۰۴۹۹۳۷۰۸۹۹"
    } else {
        "0499370899"
    };
    for d in typed.chars() {
        tap(&ui, &d.to_string());
    }
    assert_eq!(
        ui.component().get_entry().as_str(),
        typed,
        "live entry shows the digits"
    );
    assert_eq!(
        ui.component().get_error().as_str(),
        "",
        "a valid code shows no error"
    );
    tap(&ui, if fa { "ادامه" } else { "Continue" });
    assert_eq!(page(&ui), "kind");
    tap(&ui, if fa { "شکایت" } else { "Complaint" });
    assert_eq!(page(&ui), "subject");
    let subject = {
        let k = kiosk.borrow();
        let s = k
            .flow()
            .catalogue()
            .get("deed-delay")
            .expect("subject")
            .clone();
        if fa { s.label_fa } else { s.label_en }
    };
    tap(&ui, &subject);
    assert_eq!(page(&ui), "description");
    let phrase = kiosk::flow::prompts::phrase(0, lang).expect("phrase");
    tap(&ui, &phrase);
    tap(&ui, if fa { "فاصله" } else { "space" });
    let letter = if fa { "ب" } else { "b" };
    tap(&ui, letter);
    assert!(ui.component().get_entry().ends_with(&format!(" {letter}")));
    tap(&ui, if fa { "حذف" } else { "delete" });
    assert_eq!(ui.component().get_entry().as_str(), format!("{phrase} "));
    tap(&ui, if fa { "ادامه" } else { "Continue" });
    assert_eq!(page(&ui), "mobile");
    tap(
        &ui,
        if fa {
            "بدون شماره همراه"
        } else {
            "No mobile number"
        },
    );
    assert_eq!(page(&ui), "review");
    tap(
        &ui,
        if fa {
            "تأیید و ثبت"
        } else {
            "Confirm and register"
        },
    );
    assert_eq!(page(&ui), "done");
    let code = ui.component().get_code().to_string();
    let registered = kiosk
        .borrow()
        .flow()
        .session()
        .registered
        .clone()
        .expect("registered");
    let expected = if fa {
        registered.tracking_code.grouped_fa()
    } else {
        registered.tracking_code.grouped()
    };
    assert_eq!(code, expected, "the tracking code is on the done screen");
    assert!(
        ui.component().get_qr().size().width > 0,
        "its QR is on screen"
    );
    assert_eq!(
        kiosk
            .borrow()
            .backend()
            .store()
            .counts()
            .expect("counts")
            .cases,
        1
    );
    let png = ui.snapshot_png().expect("png");
    let out = screenshots_dir("journey");
    std::fs::write(
        out.join(format!("done-{}.png", if fa { "fa" } else { "en" })),
        png,
    )
    .expect("write");
    tap(&ui, if fa { "پایان" } else { "Finish" });
    assert_eq!(page(&ui), "attract");
    assert!(
        ui.component().global::<Theme>().get_rtl(),
        "every setting back to default"
    );
}

#[test]
fn persian_visitor_registers_by_touch_from_attract_to_done() {
    journey_by_labels(Lang::Fa);
}

#[test]
fn english_visitor_registers_by_touch_from_attract_to_done() {
    journey_by_labels(Lang::En);
}

/// Presses a key of the tactile keypad (or a physical keyboard) on the window.
fn press(ui: &KioskUi, text: slint::SharedString) {
    let window = ui.component().window();
    window.dispatch_event(slint::platform::WindowEvent::KeyPressed { text: text.clone() });
    window.dispatch_event(slint::platform::WindowEvent::KeyReleased { text });
}

fn focused_label(ui: &KioskUi) -> Option<String> {
    use slint::Model as _;
    let c = ui.component();
    [c.get_bar(), c.get_choices(), c.get_overlay_buttons()]
        .iter()
        .flat_map(|m| m.iter().collect::<Vec<_>>())
        .find(|b| b.focused)
        .map(|b| b.label.to_string())
}

#[test]
fn keypad_only_visitor_registers_with_the_focus_ring() {
    use slint::platform::Key;
    let dir = tempfile::tempdir().expect("tmp");
    let (kiosk, ui) = kiosk_with_ui(dir.path());
    ui.component().show().expect("show");
    let page = |ui: &KioskUi| {
        kiosk_ui::page_of(ui.component().get_page())
            .name()
            .to_owned()
    };
    let enter = |ui: &KioskUi| press(ui, Key::Return.into());
    let down = |ui: &KioskUi| press(ui, Key::DownArrow.into());
    let up = |ui: &KioskUi| press(ui, Key::UpArrow.into());

    assert_eq!(focused_label(&ui).as_deref(), Some("ثبت درخواست"));
    enter(&ui);
    assert_eq!(page(&ui), "identify");
    for d in "0499370899".chars() {
        press(&ui, d.to_string().into());
    }
    assert_eq!(ui.component().get_entry().as_str(), "۰۴۹۹۳۷۰۸۹۹");
    assert_eq!(focused_label(&ui).as_deref(), Some("ادامه"));
    enter(&ui);
    assert_eq!(page(&ui), "kind");
    down(&ui);
    assert_eq!(
        focused_label(&ui).as_deref(),
        Some("شکایت"),
        "the ring moves in reading order"
    );
    enter(&ui);
    assert_eq!(page(&ui), "subject");
    enter(&ui);
    assert_eq!(page(&ui), "description");
    down(&ui);
    enter(&ui);
    assert!(
        !ui.component().get_entry().is_empty(),
        "a phrase was added by keypad"
    );
    up(&ui);
    assert_eq!(focused_label(&ui).as_deref(), Some("ادامه"));
    enter(&ui);
    assert_eq!(page(&ui), "mobile");
    enter(&ui);
    assert_eq!(page(&ui), "review");
    enter(&ui);
    assert_eq!(page(&ui), "done");
    assert_eq!(
        kiosk
            .borrow()
            .backend()
            .store()
            .counts()
            .expect("counts")
            .cases,
        1
    );
}

#[test]
fn a_panel_too_dense_for_9_mm_targets_is_refused_naming_the_display_keys() {
    let ui = new_ui();
    // A 5" full-HD panel: 17 px per mm, so 9 mm is 156 px, more than the theme's targets.
    let dense = kiosk_config::DisplaySettings {
        width_px: 1920,
        height_px: 1080,
        width_mm: 111.0,
        height_mm: 62.0,
        ..kiosk_config::DisplaySettings::default()
    };
    let err = kiosk::device::check_targets(ui.component(), &dense).expect_err("too dense");
    assert!(err.to_string().starts_with("display."), "{err}");
    assert!(err.to_string().contains("9 mm"), "{err}");
}
