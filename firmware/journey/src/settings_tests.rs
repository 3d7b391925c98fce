//! The settings within reach everywhere: offered on every screen where the visitor can act,
//! reached by the focus ring, and returning to the same place with everything entered kept.

use super::*;
use kiosk_core::{Catalogue, NationalCodePolicy, Subject};

fn flow() -> Flow {
    Flow::new(FlowSettings {
        national_code_policy: NationalCodePolicy::default(),
        catalogue: Catalogue {
            subjects: vec![Subject {
                id: "deed".into(),
                label_fa: "سند".into(),
                label_en: "Deed".into(),
                keywords: Vec::new(),
                kinds: vec![kiosk_core::CaseKind::Complaint],
                guidance_fa: None,
                guidance_en: None,
                about_officials: false,
                next_visit: None,
                service_id: None,
            }],
            services: Vec::new(),
        },
        max_extensions: 10,
    })
}

/// Opens the settings with the focus ring (the action is last in it), changes theme and size,
/// and closes them again.
fn detour(flow: &mut Flow) {
    let screen = flow.screen();
    let count = flow.actions().len();
    assert_eq!(
        flow.actions().last(),
        Some(&Action::OpenAccessibility),
        "{screen:?} offers the settings last"
    );
    flow.step(Event::FocusPrev);
    assert_eq!(flow.focused(), Some(Action::OpenAccessibility), "{count}");
    flow.step(Event::Activate);
    assert_eq!(flow.screen(), Screen::Accessibility);
    flow.step(Event::Do(Action::SetTheme(ColorTheme::LowGlare)));
    flow.step(Event::Do(Action::SetTextSize(TextSize::Huge)));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.screen(), screen, "back to the same place");
}

#[test]
fn the_settings_are_on_every_screen_and_keep_what_was_entered() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    for d in [0, 4, 9] {
        flow.step(Event::Digit(d));
    }
    detour(&mut flow);
    assert_eq!(flow.session().entry, "049");
    for d in [9, 3, 7, 0, 8, 9, 9] {
        flow.step(Event::Digit(d));
    }
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Kind);
    detour(&mut flow);
    flow.step(Event::Do(Action::ChooseKind(
        kiosk_core::CaseKind::Complaint,
    )));
    detour(&mut flow);
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    assert_eq!(flow.screen(), Screen::Description);
    flow.step(Event::Do(Action::Phrase(0)));
    flow.step(Event::Char('x'));
    let description = flow.session().description.clone();
    detour(&mut flow);
    assert_eq!(flow.session().description, description);
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Mobile);
    for d in [0, 9, 1, 2] {
        flow.step(Event::Digit(d));
    }
    detour(&mut flow);
    assert_eq!(flow.session().entry, "0912");
    for d in [1, 2, 3, 4, 5, 6, 7] {
        flow.step(Event::Digit(d));
    }
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Review);
    detour(&mut flow);
    let s = flow.session();
    assert!(s.national_code.is_some() && s.kind.is_some() && s.subject_id.is_some());
    assert_eq!(s.description, description);
    assert_eq!(
        s.mobile.as_ref().map(|m| m.as_str().to_owned()).as_deref(),
        Some("09121234567")
    );
    assert_eq!(s.prefs.theme, ColorTheme::LowGlare);
    assert_eq!(s.prefs.text_size, TextSize::Huge);
    // The next visitor starts with the defaults.
    flow.step(Event::Do(Action::Cancel));
    assert_eq!(flow.session().prefs, Preferences::default());
}

#[test]
fn settings_and_a_staff_call_nest_without_losing_the_place() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    flow.step(Event::Digit(5));
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::CallStaff));
    assert_eq!(flow.screen(), Screen::CallStaff);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Identify);
    assert_eq!(flow.session().entry, "5");
    flow.step(Event::Do(Action::CallStaff));
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.screen(), Screen::Identify);
    assert_eq!(flow.session().entry, "5");
}

#[test]
fn the_settings_screen_lists_four_themes_and_four_sizes() {
    let mut flow = flow();
    flow.step(Event::Do(Action::OpenAccessibility));
    let actions = flow.actions();
    for theme in ColorTheme::ALL {
        assert!(actions.contains(&Action::SetTheme(theme)));
    }
    for size in TextSize::ALL {
        assert!(actions.contains(&Action::SetTextSize(size)));
    }
    assert_eq!(actions.last(), Some(&Action::CloseAccessibility));
}
