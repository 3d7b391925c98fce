//! Audio-only mode, learning the keys and explore by touch (firmware/journey/src/machine/
//! assist.rs): how each is entered and left, that it is spoken, that learning changes nothing
//! and that all of it ends with the session.

use super::*;
use crate::test_support::{deed_flow, said};

#[test]
fn audio_only_is_toggled_by_the_long_zero_and_the_settings_forces_speech_and_is_reset() {
    let mut flow = deed_flow();
    // The long `0` on the attract screen: on, spoken, the screen shown again (blanked).
    let fx = flow.step(Event::ToggleAudioOnly);
    let prefs = flow.session().prefs;
    assert!(prefs.audio_only && prefs.speech);
    assert!(fx.contains(&Effect::Show(Screen::Attract)));
    assert!(
        said(&fx).iter().any(|t| t.contains("حالت فقط صدا روشن شد")),
        "{fx:?}"
    );
    // Every screen is spoken from now on.
    let fx = flow.step(Event::Activate);
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(!said(&fx).is_empty());
    // Speech cannot be turned off while the screen is blank.
    flow.step(Event::Do(Action::OpenAccessibility));
    assert!(flow.actions().contains(&Action::ToggleAudioOnly));
    flow.step(Event::Do(Action::ToggleSpeech));
    assert!(flow.session().prefs.speech, "audio-only keeps speech on");
    // The settings button turns it off, and says so.
    let fx = flow.step(Event::Do(Action::ToggleAudioOnly));
    assert!(!flow.session().prefs.audio_only);
    assert!(
        said(&fx)
            .iter()
            .any(|t| t.contains("حالت فقط صدا خاموش شد")),
        "{fx:?}"
    );
    // On again with the key anywhere, then the session ends: off for the next visitor.
    flow.step(Event::ToggleAudioOnly);
    assert!(flow.session().prefs.audio_only);
    flow.step(Event::IdleExpired);
    assert_eq!(flow.screen(), Screen::Attract);
    assert!(!flow.session().prefs.audio_only && !flow.session().prefs.speech);
}

/// Every key of the keypad, as the flow receives it (firmware/app/src/device/drivers.rs).
fn every_key() -> Vec<Event> {
    let mut keys: Vec<Event> = (0..=9).map(Event::Digit).collect();
    keys.extend([
        Event::Activate,
        Event::Do(Action::Back),
        Event::Backspace,
        Event::ClearEntry,
        Event::Help,
        Event::Repeat,
        Event::FocusNext,
        Event::FocusPrev,
        Event::Volume(Step::Up),
        Event::Volume(Step::Down),
        Event::Speed(Step::Up),
        Event::Speed(Step::Down),
        Event::Do(Action::CallStaff),
        Event::ToggleAudioOnly,
        Event::LearnKeys,
    ]);
    keys
}

#[test]
fn learning_the_keys_explains_every_key_changes_nothing_and_a_long_cancel_leaves() {
    // From the settings, opened while typing a national code.
    let mut flow = deed_flow();
    flow.step(Event::HeadphonesIn);
    flow.step(Event::Do(Action::Start));
    for d in [0, 4, 9] {
        flow.step(Event::Digit(d));
    }
    flow.step(Event::Do(Action::OpenAccessibility));
    let fx = flow.step(Event::Do(Action::LearnKeys));
    assert!(flow.session().learning);
    assert!(said(&fx).iter().any(|t| t.contains("آموزش کلیدها")));
    let prefs = flow.session().prefs;
    let levels = flow.speech_levels();
    let focus = flow.session().focus;
    let mut explanations = Vec::new();
    for key in every_key() {
        let fx = flow.step(key.clone());
        assert_eq!(flow.screen(), Screen::Accessibility, "{key:?}");
        assert!(
            fx.iter()
                .all(|e| matches!(e, Effect::Speak { .. } | Effect::ArmIdleTimer)),
            "{key:?} did something: {fx:?}"
        );
        let text = said(&fx);
        assert_eq!(text.len(), 1, "{key:?} is explained once: {text:?}");
        explanations.push(text[0].clone());
    }
    assert_eq!(flow.session().prefs, prefs, "no setting changed");
    assert_eq!(flow.speech_levels(), levels, "no level changed");
    assert_eq!(flow.session().focus, focus, "the focus did not move");
    assert!(flow.session().learning);
    assert!(explanations[5].contains("کلید ۵"), "{}", explanations[5]);
    assert!(
        explanations[0].contains("صفر"),
        "the long 0 is told with the 0"
    );
    assert!(
        explanations
            .iter()
            .any(|t| t.contains("کلید لغو را نگه دارید"))
    );
    // The explanations name what the keys do here: Enter, the focused choice.
    assert!(
        explanations[10].contains(&prompts::theme_label(ColorTheme::Standard, Lang::Fa)),
        "{}",
        explanations[10]
    );
    // A long Cancel leaves, says so and where the visitor is; the keys work again.
    let fx = flow.step(Event::LeaveLearnKeys);
    assert!(!flow.session().learning);
    assert!(said(&fx).iter().any(|t| t.contains("تمام شد")));
    assert!(said(&fx).contains(&flow.title()));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.screen(), Screen::Identify);
    assert_eq!(flow.session().entry, "049", "the entry is as it was");

    // From the attract screen with a long Enter; the digits and Enter do nothing there.
    let mut flow = self::deed_flow();
    let fx = flow.step(Event::LearnKeys);
    assert!(flow.session().learning && flow.session().prefs.speech);
    assert!(!said(&fx).is_empty());
    for key in every_key() {
        flow.step(key);
        assert_eq!(flow.screen(), Screen::Attract);
        assert_eq!(flow.session().entry, "");
        assert!(!flow.session().prefs.audio_only);
    }
    // A tap on a button says it and does nothing.
    let fx = flow.step(Event::Do(Action::Start));
    assert_eq!(flow.screen(), Screen::Attract);
    assert!(said(&fx).iter().any(|t| t.contains("ثبت درخواست")));
    flow.step(Event::LeaveLearnKeys);
    assert!(!flow.session().learning);
    // Off the attract screen a long Enter is an ordinary Enter.
    flow.step(Event::Activate);
    assert_eq!(flow.screen(), Screen::Identify);
    flow.step(Event::LearnKeys);
    assert!(!flow.session().learning);

    // Reset for the next visitor.
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::LearnKeys));
    assert!(flow.session().learning);
    flow.step(Event::IdleExpired);
    assert!(!flow.session().learning);
}

#[test]
fn explore_by_touch_says_the_button_then_a_second_touch_or_enter_does_it() {
    let mut flow = deed_flow();
    // Without speech, a touch acts at once.
    flow.step(Event::Explore(Action::Start));
    assert_eq!(flow.screen(), Screen::Identify);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Attract);

    flow.step(Event::HeadphonesIn);
    let fx = flow.step(Event::Explore(Action::TrackCase));
    assert_eq!(
        flow.screen(),
        Screen::Attract,
        "the first touch only speaks"
    );
    assert!(said(&fx)[0].starts_with("پیگیری درخواست"), "{fx:?}");
    assert_eq!(flow.focused(), Some(Action::TrackCase), "Enter would do it");
    // Another button: that one is said.
    let fx = flow.step(Event::Explore(Action::Start));
    assert!(said(&fx)[0].starts_with("ثبت درخواست"));
    assert_eq!(flow.screen(), Screen::Attract);
    // The same one again: done.
    flow.step(Event::Explore(Action::Start));
    assert_eq!(flow.screen(), Screen::Identify);

    // Settings say whether they are selected; Enter does the one touched.
    flow.step(Event::Explore(Action::OpenAccessibility));
    flow.step(Event::Explore(Action::OpenAccessibility));
    assert_eq!(flow.screen(), Screen::Accessibility);
    let dark = Action::SetTheme(ColorTheme::HighContrastDark);
    let fx = flow.step(Event::Explore(dark.clone()));
    assert!(said(&fx)[0].contains("انتخاب نشده"), "{fx:?}");
    assert_eq!(flow.session().prefs.theme, ColorTheme::Standard);
    flow.step(Event::Activate);
    assert_eq!(flow.session().prefs.theme, ColorTheme::HighContrastDark);
    let fx = flow.step(Event::Explore(dark));
    assert!(said(&fx)[0].contains("انتخاب شده"), "{fx:?}");
    let fx = flow.step(Event::Explore(Action::ToggleSpeech));
    assert!(said(&fx)[0].contains("روشن"), "{fx:?}");
    assert!(flow.session().prefs.speech);
}
