//! The visitor's consent to SMS notices on the mobile screen (docs/rules.md R-000-4.5): a
//! checkbox that is never on until the visitor turns it on, reached by touch, keys, switches
//! and by ear; a consent needs a mobile number; skipping the mobile withdraws it; the review
//! says whether text messages will be sent; the registered input carries it.

use kiosk_core::CaseKind;

use super::*;
use crate::input::VisitorInput;
use crate::test_support::{deed_flow, said};

fn says(fx: &[Effect], part: &str) -> bool {
    said(fx).iter().any(|t| t.contains(part))
}

fn type_digits(flow: &mut Flow, digits: &str) -> Vec<Effect> {
    digits
        .bytes()
        .flat_map(|b| flow.step(Event::Digit(b - b'0')))
        .collect()
}

fn registered(fx: &[Effect]) -> VisitorInput {
    fx.iter()
        .find_map(|e| match e {
            Effect::Register(input) => Some(input.clone()),
            _ => None,
        })
        .expect("a registration")
}

/// A touch visitor on the mobile screen (speech on when `speech`).
fn on_mobile(speech: bool) -> Flow {
    let mut f = deed_flow();
    if speech {
        f.step(Event::HeadphonesIn);
    }
    f.step(Event::Do(Action::Start));
    type_digits(&mut f, "0499370899");
    f.step(Event::Do(Action::Continue));
    f.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    f.step(Event::Do(Action::ChooseSubject("deed".into())));
    f.step(Event::Do(Action::Phrase(0)));
    f.step(Event::Do(Action::Continue));
    assert_eq!(f.screen(), Screen::Mobile);
    f
}

const LABEL_FA: &str = "پیامک‌های این درخواست به این شماره فرستاده شود";

#[test]
fn the_checkbox_is_offered_unticked_and_toggles_each_change_said() {
    let mut f = on_mobile(true);
    assert!(f.actions().contains(&Action::ToggleNoticeConsent));
    assert!(!f.session().notice_consent, "never pre-ticked");
    assert_eq!(
        f.focused(),
        Some(Action::Continue),
        "Enter still goes on; the checkbox is one Down away"
    );
    assert_eq!(
        prompts::action_label(&Action::ToggleNoticeConsent, Lang::Fa, f.catalogue()),
        LABEL_FA
    );
    let fx = f.step(Event::Do(Action::ToggleNoticeConsent));
    assert!(f.session().notice_consent);
    assert!(fx.contains(&Effect::Show(Screen::Mobile)));
    assert!(says(&fx, "انتخاب شد"), "{fx:?}");
    assert!(says(&fx, "شماره همراه را هم وارد کنید"), "{fx:?}");
    let fx = f.step(Event::Do(Action::ToggleNoticeConsent));
    assert!(!f.session().notice_consent);
    assert!(says(&fx, "پیامکی فرستاده نمی‌شود"), "{fx:?}");
    // The next visitor finds it off again.
    f.step(Event::Do(Action::ToggleNoticeConsent));
    f.step(Event::Do(Action::Cancel));
    assert!(!f.session().notice_consent);
}

#[test]
fn consent_with_a_valid_number_is_registered_and_the_review_says_so() {
    let mut f = on_mobile(true);
    type_digits(&mut f, "09121234567");
    f.step(Event::Do(Action::ToggleNoticeConsent));
    let fx = f.step(Event::Do(Action::Continue));
    assert_eq!(f.screen(), Screen::Review);
    assert!(
        said(&fx)
            .iter()
            .any(|t| t == "پیامک: به این شماره فرستاده می‌شود."),
        "{fx:?}"
    );
    let input = registered(&f.step(Event::Do(Action::Confirm)));
    assert_eq!(input.mobile, "09121234567");
    assert!(input.notice_consent);
}

#[test]
fn a_number_without_the_checkbox_sends_nothing_and_the_review_says_so() {
    let mut f = on_mobile(true);
    type_digits(&mut f, "09121234567");
    let fx = f.step(Event::Do(Action::Continue));
    assert!(
        said(&fx).iter().any(|t| t == "پیامک: فرستاده نمی‌شود."),
        "{fx:?}"
    );
    let input = registered(&f.step(Event::Do(Action::Confirm)));
    assert_eq!(input.mobile, "09121234567");
    assert!(!input.notice_consent, "a number alone is no consent");
}

#[test]
fn consent_without_a_number_is_a_spoken_persian_error_and_stays() {
    let mut f = on_mobile(true);
    f.step(Event::Do(Action::ToggleNoticeConsent));
    let fx = f.step(Event::Do(Action::Continue));
    assert_eq!(f.screen(), Screen::Mobile, "nothing moves");
    let error = f.session().error.clone().expect("an error shown");
    assert!(error.contains("شماره همراه لازم است"), "{error}");
    assert!(said(&fx).contains(&error), "the error is spoken: {fx:?}");
    // The English session hears it in English.
    f.step(Event::Do(Action::OpenAccessibility));
    f.step(Event::Do(Action::SetLang(Lang::En)));
    f.step(Event::Do(Action::CloseAccessibility));
    let fx = f.step(Event::Do(Action::Continue));
    assert!(says(&fx, "Text messages need a mobile number"), "{fx:?}");
    // Typing the number clears it and goes on with the consent.
    type_digits(&mut f, "09121234567");
    assert!(f.session().error.is_none());
    f.step(Event::Do(Action::Continue));
    assert_eq!(f.screen(), Screen::Review);
    assert!(f.session().notice_consent);
}

#[test]
fn skipping_the_mobile_withdraws_the_consent() {
    let mut f = on_mobile(false);
    type_digits(&mut f, "09121234567");
    f.step(Event::Do(Action::ToggleNoticeConsent));
    f.step(Event::Do(Action::SkipMobile));
    assert_eq!(f.screen(), Screen::Review);
    assert!(!f.session().notice_consent);
    assert!(f.session().mobile.is_none());
    let input = registered(&f.step(Event::Do(Action::Confirm)));
    assert!(!input.notice_consent);
    assert_eq!(input.mobile, "");
}

#[test]
fn the_screen_says_the_checkbox_and_its_state_and_help_explains_it() {
    let mut f = deed_flow();
    f.step(Event::HeadphonesIn);
    f.step(Event::Do(Action::Start));
    type_digits(&mut f, "0499370899");
    f.step(Event::Do(Action::Continue));
    f.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    f.step(Event::Do(Action::ChooseSubject("deed".into())));
    f.step(Event::Do(Action::Phrase(0)));
    let fx = f.step(Event::Do(Action::Continue));
    assert!(says(&fx, "شماره همراه را وارد کنید"), "{fx:?}");
    assert!(says(&fx, "گزینه‌ی پیامک انتخاب نشده است"), "{fx:?}");
    let help = f.step(Event::Help);
    assert!(says(&help, LABEL_FA), "{help:?}");
}

#[test]
fn the_keypad_reaches_it_and_the_focus_says_its_state() {
    let mut f = on_mobile(true);
    let fx = f.step(Event::FocusNext);
    assert_eq!(f.focused(), Some(Action::ToggleNoticeConsent));
    assert_eq!(said(&fx), [format!("{LABEL_FA}، انتخاب نشده")]);
    f.step(Event::Activate);
    assert!(f.session().notice_consent);
    f.step(Event::FocusPrev);
    let fx = f.step(Event::FocusNext);
    assert_eq!(said(&fx), [format!("{LABEL_FA}، انتخاب شده")]);
}

#[test]
fn explore_by_touch_says_whether_it_is_ticked_before_doing_it() {
    let mut f = on_mobile(true);
    let fx = f.step(Event::Explore(Action::ToggleNoticeConsent));
    assert!(!f.session().notice_consent, "a first touch only says it");
    assert!(says(&fx, &format!("{LABEL_FA}، انتخاب نشده")), "{fx:?}");
    f.step(Event::Explore(Action::ToggleNoticeConsent));
    assert!(f.session().notice_consent, "a second touch does it");
}

#[test]
fn a_switch_user_reaches_it_after_the_digits() {
    let mut f = on_mobile(true);
    f.step(Event::Switch(SwitchPress::Move));
    assert!(f.session().switch_input);
    let ring = f.actions();
    let at = ring
        .iter()
        .position(|a| *a == Action::ToggleNoticeConsent)
        .expect("on the ring");
    assert_eq!(ring[at - 1], Action::Continue);
    let mut guard = 0;
    while f.focused() != Some(Action::ToggleNoticeConsent) {
        f.step(Event::Switch(SwitchPress::Move));
        guard += 1;
        assert!(guard < 30);
    }
    let fx = f.step(Event::Switch(SwitchPress::Select));
    assert!(f.session().notice_consent);
    assert!(says(&fx, "انتخاب شد"), "{fx:?}");
}

#[test]
fn audio_only_visitors_toggle_it_by_keys() {
    let mut f = on_mobile(false);
    f.step(Event::ToggleAudioOnly);
    f.step(Event::FocusNext);
    let fx = f.step(Event::Activate);
    assert!(f.session().notice_consent);
    assert!(says(&fx, "انتخاب شد"), "{fx:?}");
}
