//! Journey tests of the state machine alone: every path a visitor can take, by touch and by
//! keypad, with speech, with mistakes, timeouts and failing devices.

use kiosk_core::{CaseKind, Catalogue, NationalCodePolicy, Subject, TrackingCode};

use super::*;
use crate::input::VisitorInput;

fn subject(id: &str, fa: &str, guidance: Option<&str>) -> Subject {
    Subject {
        id: id.into(),
        label_fa: fa.into(),
        label_en: id.into(),
        keywords: Vec::new(),
        kinds: vec![],
        service_id: (id == "deed").then(|| "11021".to_owned()),
        guidance_fa: guidance.map(str::to_owned),
        guidance_en: guidance.map(|_| "Go to the traffic police.".to_owned()),
        about_officials: false,
        next_visit: None,
    }
}

fn flow() -> Flow {
    Flow::new(FlowSettings {
        national_code_policy: NationalCodePolicy::default(),
        catalogue: Catalogue {
            subjects: vec![
                subject("deed", "تأخیر در صدور سند", None),
                subject("conduct", "رفتار کارکنان", None),
                subject(
                    "plates",
                    "تعویض پلاک خودرو",
                    Some("مراکز تعویض پلاک پلیس راهور"),
                ),
            ],
            services: Vec::new(),
        },
        max_extensions: 10,
    })
}

/// The national code the tests' visitor types.
const NATIONAL: &str = "0499370899";

fn national() -> kiosk_core::NationalCode {
    kiosk_core::NationalCode::parse(NATIONAL, &NationalCodePolicy::default()).unwrap()
}

fn look_up() -> Effect {
    Effect::LookUp {
        code: code(),
        visitor: national().into(),
    }
}

fn code() -> TrackingCode {
    TrackingCode::new(kiosk_core::KioskNumber::new(12).unwrap(), 1).unwrap()
}

fn type_digits(flow: &mut Flow, digits: &str) -> Vec<Effect> {
    digits
        .chars()
        .flat_map(|c| flow.step(Event::Digit(c.to_digit(10).unwrap() as u8)))
        .collect()
}

fn shows(effects: &[Effect], screen: Screen) -> bool {
    effects.contains(&Effect::Show(screen))
}

fn registered_input(effects: &[Effect]) -> Option<VisitorInput> {
    effects.iter().find_map(|e| match e {
        Effect::Register(input) => Some(input.clone()),
        _ => None,
    })
}

/// Walks a touch journey up to the review screen.
fn to_review(flow: &mut Flow) {
    flow.step(Event::Do(Action::Start));
    type_digits(flow, "0499370899");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Kind);
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    assert_eq!(flow.screen(), Screen::Description);
    for c in "پاسخ نگرفتم".chars() {
        flow.step(Event::Char(c));
    }
    flow.step(Event::Do(Action::Continue));
    type_digits(flow, "09121234567");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Review);
}

#[test]
fn touch_journey_from_attract_to_done_and_back() {
    let mut flow = flow();
    to_review(&mut flow);
    let fx = flow.step(Event::Do(Action::Confirm));
    assert_eq!(flow.screen(), Screen::Printing);
    let input = registered_input(&fx).expect("commit requested");
    assert_eq!(
        input,
        VisitorInput {
            national_code: "0499370899".into(),
            other_id: None,
            kind: Some(CaseKind::Complaint),
            subject_id: "deed".into(),
            service_id: Some("11021".into()),
            description: "پاسخ نگرفتم".into(),
            mobile: "09121234567".into(),
            official: None,
            notice_consent: false,
        }
    );
    assert!(
        fx.contains(&Effect::StopIdleTimer),
        "no timeout while printing"
    );
    let fx = flow.step(Event::Registered(RegisteredView {
        tracking_code: code(),
        due: None,
        next_visit: None,
    }));
    assert_eq!(fx, vec![Effect::PrintReceipt(code())]);
    let fx = flow.step(Event::Printed);
    assert_eq!(flow.screen(), Screen::Done);
    assert!(shows(&fx, Screen::Done));
    assert_eq!(
        flow.session().registered.as_ref().unwrap().tracking_code,
        code()
    );
    let fx = flow.step(Event::Do(Action::Finish));
    assert_eq!(flow.screen(), Screen::Attract);
    assert!(fx.contains(&Effect::WipeSession));
    assert!(flow.session().national_code.is_none());
    assert!(flow.session().description.is_empty());
}

#[test]
fn focus_ring_reaches_every_action_of_the_journey() {
    let mut flow = flow();
    // Focus starts on the first action of each screen; every action is reached with next and
    // activate only. The national code is typed as digits from a keypad with digit keys (the
    // on-screen one here: the tactile keypad's eight keys have none).
    let activate = |flow: &mut Flow, wanted: &Action| {
        for _ in 0..flow.actions().len() {
            if flow.focused().as_ref() == Some(wanted) {
                return flow.step(Event::Activate);
            }
            flow.step(Event::FocusNext);
        }
        panic!("{wanted:?} not reachable by keypad on {:?}", flow.screen());
    };
    activate(&mut flow, &Action::Start);
    type_digits(&mut flow, "0499370899");
    activate(&mut flow, &Action::Continue);
    activate(&mut flow, &Action::ChooseKind(CaseKind::Request));
    activate(&mut flow, &Action::ChooseSubject("conduct".into()));
    activate(&mut flow, &Action::Phrase(0));
    assert!(
        !flow.session().description.is_empty(),
        "a phrase composes the description"
    );
    activate(&mut flow, &Action::Continue);
    activate(&mut flow, &Action::SkipMobile);
    let fx = activate(&mut flow, &Action::Confirm);
    let input = registered_input(&fx).unwrap();
    assert_eq!(input.kind, Some(CaseKind::Request));
    assert_eq!(input.mobile, "");
    // Focus wraps around in both directions.
    let mut flow2 = self::flow();
    let n = flow2.actions().len();
    flow2.step(Event::FocusPrev);
    assert_eq!(flow2.session().focus, n - 1);
    flow2.step(Event::FocusNext);
    assert_eq!(flow2.session().focus, 0);
}

#[test]
fn invalid_national_code_gets_live_feedback_and_blocks_progress() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "049937089");
    assert!(
        flow.session().error.is_none(),
        "no verdict before ten digits"
    );
    type_digits(&mut flow, "8");
    let error = flow
        .session()
        .error
        .clone()
        .expect("checksum judged at the tenth digit");
    assert!(error.contains("کد ملی"), "{error}");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Identify);
    type_digits(&mut flow, "5");
    assert_eq!(
        flow.session().entry.len(),
        10,
        "an eleventh digit is not taken"
    );
    flow.step(Event::Backspace);
    assert!(flow.session().error.is_none());
    type_digits(&mut flow, "9");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Kind);
}

#[test]
fn card_reading_skips_typing_and_a_bad_card_lands_on_identify_with_the_reason() {
    let mut flow = flow();
    flow.step(Event::IdentityRead("۰۴۹۹۳۷۰۸۹۹".into()));
    assert_eq!(flow.screen(), Screen::Kind);
    let mut flow = self::flow();
    flow.step(Event::IdentityRead("1111111111".into()));
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(flow.session().error.as_deref().unwrap().contains("تکراری"));
}

#[test]
fn out_of_scope_subject_gives_guidance_and_never_a_case() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Request)));
    for c in "پلاک".chars() {
        flow.step(Event::Char(c));
    }
    assert_eq!(flow.listed_subjects(), vec!["plates".to_owned()]);
    flow.step(Event::Do(Action::ChooseSubject("plates".into())));
    assert_eq!(flow.screen(), Screen::Guidance);
    let fx = flow.step(Event::Do(Action::PrintGuidance));
    assert_eq!(
        fx.first(),
        Some(&Effect::PrintGuidance {
            subject_id: "plates".into()
        })
    );
    let fx = flow.step(Event::Do(Action::Finish));
    assert!(registered_input(&fx).is_none());
    assert!(!flow.actions().contains(&Action::Confirm));
    assert_eq!(flow.screen(), Screen::Attract);
}

/// The agency server's catalogue replaces the subjects only between visits: refused (and
/// handed back) from the first tap of a visit to its end, accepted on the attract screen,
/// and the next visitor's subject screen lists the new subjects.
#[test]
fn a_new_catalogue_is_taken_only_between_visits() {
    let server = Catalogue {
        subjects: vec![subject("server-subject", "موضوع سرور", None)],
        services: Vec::new(),
    };
    let mut flow = flow();
    assert!(flow.between_visits());
    flow.step(Event::Do(Action::OpenAccessibility));
    assert!(flow.set_catalogue(server.clone()).is_err(), "settings open");
    flow.step(Event::Do(Action::CloseAccessibility));
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Request)));
    let before = flow.listed_subjects();
    let handed_back = flow.set_catalogue(server.clone());
    assert_eq!(handed_back, Err(server.clone()), "mid-visit: refused whole");
    assert_eq!(
        flow.listed_subjects(),
        before,
        "the visitor's list is untouched"
    );
    flow.step(Event::Do(Action::Cancel));
    assert_eq!(flow.screen(), Screen::Attract);
    assert_eq!(flow.set_catalogue(server.clone()), Ok(()));
    assert_eq!(flow.catalogue(), &server);
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Request)));
    assert_eq!(flow.listed_subjects(), vec!["server-subject".to_owned()]);
}

#[test]
fn actions_not_on_the_screen_are_ignored() {
    let mut flow = flow();
    let fx = flow.step(Event::Do(Action::Confirm));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(flow.screen(), Screen::Attract);
    flow.step(Event::Do(Action::Start));
    let fx = flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    assert!(
        fx.is_empty(),
        "an action not on the screen does nothing, not even count as activity: {fx:?}"
    );
    assert_eq!(flow.screen(), Screen::Identify);
}

#[test]
fn cancel_wipes_the_session_and_resets_every_setting() {
    let mut flow = flow();
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::SetLang(Lang::En)));
    flow.step(Event::Do(Action::SetTextSize(TextSize::Huge)));
    flow.step(Event::Do(Action::SetTheme(ColorTheme::HighContrastDark)));
    assert_eq!(flow.session().prefs.text_size, TextSize::Huge);
    assert_eq!(flow.session().prefs.theme, ColorTheme::HighContrastDark);
    flow.step(Event::Do(Action::ToggleLowReach));
    flow.step(Event::Do(Action::ToggleSpeech));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.screen(), Screen::Attract);
    to_review(&mut flow);
    assert_eq!(flow.session().prefs.lang, Lang::En);
    let fx = flow.step(Event::Do(Action::Cancel));
    assert!(fx.contains(&Effect::WipeSession));
    assert_eq!(flow.session().prefs, Preferences::default());
    assert!(flow.session().mobile.is_none());
}

#[test]
fn inactivity_warns_allows_ten_extensions_then_wipes() {
    let mut flow = flow();
    to_review(&mut flow);
    for i in 0..10 {
        flow.step(Event::IdleWarning);
        assert_eq!(
            flow.focused(),
            Some(Action::Extend),
            "extension {i} offered first"
        );
        let fx = flow.step(Event::Do(Action::Extend));
        assert!(fx.contains(&Effect::ArmIdleTimer));
        assert!(!flow.session().idle_warning);
    }
    flow.step(Event::IdleWarning);
    assert!(
        !flow.actions().contains(&Action::Extend),
        "the eleventh is not offered"
    );
    let fx = flow.step(Event::Do(Action::Extend));
    assert!(
        !fx.contains(&Effect::ArmIdleTimer),
        "an eleventh extension is refused"
    );
    assert!(flow.session().idle_warning, "the warning stays up");
    assert_eq!(flow.session().extensions_used, 10);
    let fx = flow.step(Event::IdleExpired);
    assert!(fx.contains(&Effect::WipeSession));
    assert_eq!(flow.screen(), Screen::Attract);
    // On the attract screen timers do nothing.
    assert!(flow.step(Event::IdleWarning).is_empty());
    assert!(flow.step(Event::IdleExpired).is_empty());
}

#[test]
fn timers_never_interrupt_printing() {
    let mut flow = flow();
    to_review(&mut flow);
    flow.step(Event::Do(Action::Confirm));
    assert!(flow.step(Event::IdleExpired).is_empty());
    assert_eq!(flow.screen(), Screen::Printing);
}

#[test]
fn printer_failure_keeps_the_case_and_shows_the_code_on_screen() {
    let mut flow = flow();
    to_review(&mut flow);
    flow.step(Event::Do(Action::Confirm));
    flow.step(Event::Registered(RegisteredView {
        tracking_code: code(),
        due: None,
        next_visit: None,
    }));
    let fx = flow.step(Event::PrintFailed(PrinterProblem::PaperOut));
    assert_eq!(flow.screen(), Screen::PrinterOut);
    assert!(fx.contains(&Effect::AlertStaff(StaffAlert::PrinterProblem)));
    assert_eq!(
        flow.session().registered.as_ref().unwrap().tracking_code,
        code()
    );
    assert!(flow.actions().contains(&Action::CallStaff));
}

#[test]
fn registration_failure_alerts_staff_and_says_so() {
    let mut flow = flow();
    to_review(&mut flow);
    flow.step(Event::Do(Action::Confirm));
    let fx = flow.step(Event::RegistrationFailed {
        message: "ثبت ممکن نشد".into(),
    });
    assert_eq!(flow.screen(), Screen::Error);
    assert!(fx.contains(&Effect::AlertStaff(StaffAlert::RegistrationFailed)));
    assert_eq!(flow.session().error.as_deref(), Some("ثبت ممکن نشد"));
    // A late print result for nothing changes nothing.
    assert!(flow.step(Event::Printed).is_empty());
}

#[test]
fn follow_up_known_unknown_and_malformed_codes() {
    let mut flow = flow();
    flow.step(Event::Do(Action::TrackCase));
    type_digits(&mut flow, "1234");
    flow.step(Event::Do(Action::Continue));
    assert!(flow.session().error.as_deref().unwrap().contains("شانزده"));
    let mut flow = self::flow();
    // A scanned receipt: the case is asked for only once its applicant's national code is in.
    let fx = flow.step(Event::TrackingScanned(code().grouped()));
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(!fx.iter().any(|e| matches!(e, Effect::LookUp { .. })));
    assert!(flow.title().contains("کد ملی"), "{}", flow.title());
    // Back from there is back to the code, not the end of the visit.
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::FollowUpEntry);
    flow.step(Event::TrackingScanned(code().grouped()));
    type_digits(&mut flow, NATIONAL);
    let fx = flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::FollowUpEntry);
    assert!(fx.contains(&look_up()), "{fx:?}");
    flow.step(Event::FollowUpResult(None));
    assert_eq!(flow.screen(), Screen::FollowUpEntry);
    assert!(
        flow.session()
            .error
            .as_deref()
            .unwrap()
            .contains("پیدا نشد")
    );
    // Either code may have been wrong: typing the code again asks the national code again.
    type_digits(&mut flow, &code().as_string());
    let fx = flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(!fx.iter().any(|e| matches!(e, Effect::LookUp { .. })));
    // The card answers for the national code as typing does.
    let fx = flow.step(Event::IdentityRead(NATIONAL.into()));
    assert!(fx.contains(&look_up()), "{fx:?}");
    let view = FollowUpView {
        tracking_code: code(),
        timeline: vec![TimelineEntry {
            at: "2026-11-23T06:30:00Z".parse().unwrap(),
            what: "ثبت شد".into(),
            unit: "دفتر".into(),
            responsible: None,
            answer: None,
        }],
    };
    flow.step(Event::FollowUpResult(Some(view.clone())));
    assert_eq!(flow.screen(), Screen::FollowUp);
    assert_eq!(flow.session().follow_up.as_ref(), Some(&view));
}

#[test]
fn speech_mode_speaks_every_screen_focus_error_and_the_receipt() {
    let mut flow = flow();
    let fx = flow.step(Event::HeadphonesIn);
    assert!(flow.session().prefs.speech);
    assert!(matches!(&fx[0], Effect::Speak { text, .. } if text.contains("لمس")));
    let fx = flow.step(Event::Do(Action::Start));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Speak { text, .. } if text.contains("کد ملی")))
    );
    let fx = flow.step(Event::FocusNext);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Speak { text, .. } if text == "بازگشت"))
    );
    let fx = type_digits(&mut flow, "0499370898");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Speak { text, .. } if text.contains("معتبر نیست")))
    );
    let fx = flow.step(Event::Repeat);
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Speak { text, interrupt: true } if text.contains("معتبر نیست"))
    ));
    flow.step(Event::Backspace);
    type_digits(&mut flow, "9");
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    flow.step(Event::Do(Action::Phrase(1)));
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::SkipMobile));
    flow.step(Event::Do(Action::Confirm));
    flow.step(Event::Registered(RegisteredView {
        tracking_code: code(),
        due: None,
        next_visit: None,
    }));
    let fx = flow.step(Event::Printed);
    let spoken: Vec<&String> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Speak { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert!(
        spoken.iter().any(|t| t.contains("۱ ۰ ۰ ۰،")),
        "code spoken digit by digit: {spoken:?}"
    );
}

#[test]
fn english_is_switchable_at_any_time_and_keeps_what_was_typed() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "04993");
    flow.step(Event::Do(Action::OpenAccessibility));
    assert_eq!(flow.screen(), Screen::Accessibility);
    flow.step(Event::Do(Action::SetLang(Lang::En)));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.screen(), Screen::Identify);
    assert_eq!(flow.session().entry, "04993", "typing survives the detour");
    type_digits(&mut flow, "70898");
    assert!(
        flow.session()
            .error
            .as_deref()
            .unwrap()
            .starts_with("The national code is not valid")
    );
    assert_eq!(
        prompts::screen_prompt(flow.screen(), flow.session().prefs.lang),
        "Insert your national ID card or type your national code."
    );
}

#[test]
fn calling_staff_works_from_any_screen_and_returns() {
    let mut flow = flow();
    to_review(&mut flow);
    let fx = flow.step(Event::Do(Action::CallStaff));
    assert!(fx.contains(&Effect::AlertStaff(StaffAlert::CallRequested)));
    assert_eq!(flow.screen(), Screen::CallStaff);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Review);
    assert!(flow.session().mobile.is_some(), "nothing entered was lost");
}

#[test]
fn empty_description_is_refused_except_for_consultation() {
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Description);
    assert!(flow.session().error.is_some());
    flow.step(Event::Do(Action::Back));
    flow.step(Event::Do(Action::Back));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Consultation)));
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    flow.step(Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Mobile);
    type_digits(&mut flow, "0212");
    flow.step(Event::Do(Action::Continue));
    assert_eq!(
        flow.screen(),
        Screen::Mobile,
        "a wrong mobile number is refused"
    );
    assert!(flow.session().error.is_some());
}

#[test]
fn rating_is_offered_on_attract_and_a_scanned_survey_code_hands_over_only_there() {
    let mut flow = flow();
    assert!(flow.actions().contains(&Action::RateService));
    let fx = flow.step(Event::Do(Action::RateService));
    assert_eq!(fx, vec![Effect::OpenRating(None)]);
    assert_eq!(
        flow.screen(),
        Screen::Attract,
        "the app runs the rating journey"
    );
    let fx = flow.step(Event::SatisfactionScanned("https://x/s/T".into()));
    assert_eq!(fx, vec![Effect::OpenRating(Some("https://x/s/T".into()))]);
    // Elsewhere in the journey a survey code or a staff card means nothing.
    flow.step(Event::Do(Action::Start));
    let fx = flow.step(Event::SatisfactionScanned("https://x/s/T".into()));
    assert!(!fx.iter().any(|e| matches!(e, Effect::OpenRating(_))));
    flow.step(Event::StaffCardScanned("2041".into()));
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(!flow.actions().contains(&Action::RateService));
    // When the rating is over, the session (and its settings) ends.
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Attract);
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::SetLang(Lang::En)));
    flow.step(Event::Do(Action::CloseAccessibility));
    assert_eq!(flow.session().prefs.lang, Lang::En);
    let fx = flow.step(Event::RatingEnded { switches: false });
    assert!(fx.contains(&Effect::WipeSession));
    assert_eq!(flow.session().prefs.lang, Lang::Fa);
}

fn view() -> RegisteredView {
    RegisteredView {
        tracking_code: code(),
        due: None,
        next_visit: None,
    }
}

/// Confirms on the review screen and steps away to call staff while the case is committed.
fn confirm_then_call_staff(flow: &mut Flow) {
    to_review(flow);
    assert!(registered_input(&flow.step(Event::Do(Action::Confirm))).is_some());
    assert_eq!(flow.screen(), Screen::Printing);
    let fx = flow.step(Event::Do(Action::CallStaff));
    assert!(fx.contains(&Effect::AlertStaff(StaffAlert::CallRequested)));
    assert_eq!(flow.screen(), Screen::CallStaff);
}

#[test]
fn a_case_committed_while_the_visitor_called_staff_prints_and_waits_for_their_return() {
    let mut flow = flow();
    confirm_then_call_staff(&mut flow);
    let fx = flow.step(Event::Registered(view()));
    assert_eq!(
        fx,
        vec![Effect::PrintReceipt(code())],
        "printed, screen left alone"
    );
    assert_eq!(flow.screen(), Screen::CallStaff);
    assert!(flow.step(Event::Printed).is_empty());
    // Back from the detour: the done screen, with what the receipt says.
    flow.step(Event::HeadphonesIn);
    let fx = flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Done);
    assert!(shows(&fx, Screen::Done));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Speak { text, interrupt: false } if text.starts_with("کد رهگیری شما"))),
        "{fx:?}"
    );
    assert_eq!(flow.session().registered, Some(view()));
}

#[test]
fn a_receipt_that_failed_while_the_visitor_was_away_leads_back_to_the_printer_out_screen() {
    let mut flow = flow();
    confirm_then_call_staff(&mut flow);
    flow.step(Event::Registered(view()));
    let fx = flow.step(Event::PrintFailed(PrinterProblem::PaperOut));
    assert_eq!(fx, vec![Effect::AlertStaff(StaffAlert::PrinterProblem)]);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::PrinterOut);
}

#[test]
fn a_case_committed_after_the_visitor_timed_out_is_held_for_the_desk_not_printed() {
    let mut flow = flow();
    confirm_then_call_staff(&mut flow);
    // Nobody came back: the detour times out and the session ends.
    flow.step(Event::IdleWarning);
    flow.step(Event::IdleExpired);
    assert_eq!(flow.screen(), Screen::Attract);
    let fx = flow.step(Event::Registered(view()));
    assert_eq!(
        fx,
        vec![
            Effect::HoldReceipt(code()),
            Effect::AlertStaff(StaffAlert::ReceiptHeld)
        ]
    );
    assert_eq!(flow.screen(), Screen::Attract);
    assert_eq!(
        flow.session().registered,
        None,
        "nothing reaches the next visitor"
    );
    // The next visitor's own case is theirs alone.
    to_review(&mut flow);
    flow.step(Event::Do(Action::Confirm));
    let fx = flow.step(Event::Registered(view()));
    assert_eq!(fx, vec![Effect::PrintReceipt(code())]);
}

#[test]
fn a_print_answer_after_the_visitor_left_never_changes_the_next_session() {
    let mut flow = flow();
    confirm_then_call_staff(&mut flow);
    flow.step(Event::Registered(view()));
    flow.step(Event::Do(Action::Cancel));
    flow.step(Event::IdleExpired);
    assert_eq!(flow.screen(), Screen::Attract);
    flow.step(Event::Do(Action::Start));
    // The printer fails for the visitor who left: staff hear of it (the job is kept for a
    // reprint); the new visitor's screen does not move.
    let fx = flow.step(Event::PrintFailed(PrinterProblem::CoverOpen));
    assert_eq!(fx, vec![Effect::AlertStaff(StaffAlert::PrinterProblem)]);
    assert_eq!(flow.screen(), Screen::Identify);
}

#[test]
fn a_registration_that_failed_while_the_visitor_was_away_is_shown_on_return() {
    let mut flow = flow();
    confirm_then_call_staff(&mut flow);
    let fx = flow.step(Event::RegistrationFailed {
        message: "ثبت نشد".into(),
    });
    assert_eq!(fx, vec![Effect::AlertStaff(StaffAlert::RegistrationFailed)]);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Error);
    assert_eq!(flow.session().error.as_deref(), Some("ثبت نشد"));
}

#[test]
fn without_a_way_to_call_staff_the_visitor_is_sent_to_the_desk_not_told_someone_comes() {
    let mut flow = flow();
    flow.set_staff_reachable(false, "میز ارتباطات مردمی طبقه‌ی همکف");
    flow.step(Event::Do(Action::Start));
    flow.step(Event::HeadphonesIn);
    let fx = flow.step(Event::Do(Action::CallStaff));
    assert_eq!(flow.screen(), Screen::CallStaff);
    let said: Vec<&str> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Speak { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        said.first()
            .is_some_and(|t| t.contains("میز ارتباطات مردمی طبقه‌ی همکف")),
        "{said:?}"
    );
    assert!(!flow.title().contains("می‌آید"), "{}", flow.title());
    // With LEDs or a buzzer the screen says someone is coming.
    flow.set_staff_reachable(true, "");
    assert!(flow.title().contains("می‌آید"), "{}", flow.title());
}

#[test]
fn a_look_up_answered_after_its_visitor_left_never_reaches_the_next_visitor() {
    let mut flow = flow();
    flow.step(Event::Do(Action::TrackCase));
    type_digits(&mut flow, &code().as_string());
    flow.step(Event::Do(Action::Continue));
    type_digits(&mut flow, NATIONAL);
    assert!(flow.step(Event::Do(Action::Continue)).contains(&look_up()));
    // The first visitor leaves before the answer; the next one opens the follow-up screen.
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Attract);
    flow.step(Event::Do(Action::TrackCase));
    let view = FollowUpView {
        tracking_code: code(),
        timeline: Vec::new(),
    };
    flow.step(Event::FollowUpResult(Some(view.clone())));
    assert_eq!(
        flow.screen(),
        Screen::FollowUpEntry,
        "the earlier visitor's case is not shown"
    );
    assert!(flow.session().follow_up.is_none());
    // The next visitor's own look-up is answered as usual.
    type_digits(&mut flow, &code().as_string());
    flow.step(Event::Do(Action::Continue));
    type_digits(&mut flow, NATIONAL);
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::FollowUpResult(Some(view.clone())));
    assert_eq!(flow.session().follow_up.as_ref(), Some(&view));
}

#[test]
fn through_the_loudspeaker_personal_numbers_are_not_read_out_whole() {
    let spoken = |fx: &[Effect]| -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Speak { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    };
    // Speech turned on without headphones (the on-screen toggle): the room hears it.
    let mut flow = flow();
    flow.step(Event::Do(Action::Start));
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::ToggleSpeech));
    flow.step(Event::Do(Action::CloseAccessibility));
    let typed: Vec<String> = type_digits(&mut flow, "0499370899")
        .iter()
        .flat_map(|fx| spoken(std::slice::from_ref(fx)))
        .collect();
    assert!(
        typed.iter().all(|t| !t.contains('۹') || t.contains("رقم")),
        "digits are counted, not said: {typed:?}"
    );
    let mut flow = self::flow();
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::ToggleSpeech));
    flow.step(Event::Do(Action::CloseAccessibility));
    to_review(&mut flow);
    let review = spoken(&flow.step(Event::Repeat)).join(" ");
    let all = spoken(&flow.step(Event::Help)).join(" ") + &review;
    assert!(!all.contains("۰ ۴ ۹"), "the whole code is not said: {all}");
    // With headphones in, the visitor hears every digit.
    let fx = flow.step(Event::HeadphonesIn);
    let said = spoken(&fx).join(" ");
    assert!(said.contains("۰ ۴ ۹"), "{said}");
    // Pulled out: back to the last four digits.
    flow.step(Event::HeadphonesOut);
    let said = spoken(&flow.step(Event::Do(Action::Back))).join(" ");
    let said = said + &spoken(&flow.step(Event::Do(Action::Continue))).join(" ");
    assert!(!said.contains("۰ ۴ ۹") && said.contains("پایانی"), "{said}");
}
