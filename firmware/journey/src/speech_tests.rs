//! Speech mode, screen by screen: what a visitor who cannot see the screen hears (the content,
//! not only the title), what the keys say (echoes, levels, help, clear-all), the idle warning
//! with its seconds, and which utterances may cut off others.

use chrono::NaiveDate;
use kiosk_core::{
    CaseKind, Catalogue, DueDate, JalaliDate, NationalCodePolicy, Subject, TrackingCode,
};

use super::*;

fn subject(id: &str, fa: &str, guidance: Option<&str>) -> Subject {
    Subject {
        id: id.into(),
        label_fa: fa.into(),
        label_en: format!("{id} (en)"),
        keywords: Vec::new(),
        kinds: vec![],
        service_id: None,
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

/// A flow with speech on (headphones), on the attract screen.
fn speaking() -> Flow {
    let mut flow = flow();
    flow.step(Event::HeadphonesIn);
    flow
}

fn code() -> TrackingCode {
    TrackingCode::new(kiosk_core::KioskNumber::new(12).unwrap(), 1).unwrap()
}

/// What the effects say, with their interrupt flags.
fn said(fx: &[Effect]) -> Vec<(String, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Speak { text, interrupt } => Some((text.clone(), *interrupt)),
            _ => None,
        })
        .collect()
}

fn texts(fx: &[Effect]) -> Vec<String> {
    said(fx).into_iter().map(|(t, _)| t).collect()
}

fn says(fx: &[Effect], part: &str) -> bool {
    texts(fx).iter().any(|t| t.contains(part))
}

/// Within one event's effects, only the first utterance, or the first one after a new screen
/// is shown, may cut off what is being said.
fn interrupts_only_first_or_after_screen(fx: &[Effect]) {
    let mut first = true;
    let mut shown: Option<Screen> = None;
    let mut after_new_screen = false;
    for e in fx {
        match e {
            Effect::Show(screen) => {
                after_new_screen = shown != Some(*screen);
                shown = Some(*screen);
            }
            Effect::Speak { text, interrupt } => {
                if *interrupt {
                    assert!(first || after_new_screen, "«{text}» cuts in: {fx:?}");
                }
                first = false;
                after_new_screen = false;
            }
            _ => {}
        }
    }
}

fn step(flow: &mut Flow, event: Event) -> Vec<Effect> {
    let fx = flow.step(event);
    interrupts_only_first_or_after_screen(&fx);
    fx
}

fn type_digits(flow: &mut Flow, digits: &str) -> Vec<Vec<Effect>> {
    digits
        .chars()
        .map(|c| step(flow, Event::Digit(c.to_digit(10).unwrap() as u8)))
        .collect()
}

/// Headphones in, then a complaint about a deed by touch up to the review screen.
fn to_review(flow: &mut Flow) -> Vec<Effect> {
    step(flow, Event::Do(Action::Start));
    type_digits(flow, "0499370899");
    step(flow, Event::Do(Action::Continue));
    step(flow, Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    step(flow, Event::Do(Action::ChooseSubject("deed".into())));
    step(flow, Event::Do(Action::Phrase(0)));
    step(flow, Event::Do(Action::Continue));
    type_digits(flow, "09121234567");
    let fx = step(flow, Event::Do(Action::Continue));
    assert_eq!(flow.screen(), Screen::Review);
    fx
}

fn due() -> DueDate {
    let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    DueDate {
        day,
        jalali: JalaliDate::from_gregorian(day),
        working_days: 10,
        holidays_known: true,
    }
}

#[test]
fn every_screen_of_a_registration_is_spoken_with_its_content() {
    let mut flow = flow();
    let fx = step(&mut flow, Event::HeadphonesIn);
    assert!(says(&fx, "لمس"), "attract title: {fx:?}");
    assert!(says(&fx, "کلید ورود"), "and how to start by keys: {fx:?}");

    let fx = step(&mut flow, Event::Do(Action::Start));
    let s = said(&fx);
    assert!(s[0].0.contains("کد ملی") && s[0].1, "title cuts in: {s:?}");
    assert!(s[1..].iter().all(|(_, i)| !i), "content queued: {s:?}");
    assert!(says(&fx, "ده رقم"), "how to type: {s:?}");

    // Each digit is echoed, alone; the tenth says the code is complete.
    let typed = type_digits(&mut flow, "0499370899");
    assert_eq!(said(&typed[0]), vec![("۰".to_owned(), true)]);
    assert_eq!(texts(&typed[2]), vec!["۹".to_owned()]);
    assert!(says(&typed[9], "کامل"), "{:?}", typed[9]);

    let fx = step(&mut flow, Event::Do(Action::Continue));
    assert!(says(&fx, "چه کاری دارید"));
    assert!(
        says(&fx, "گزینه‌ها:") && says(&fx, "شکایت"),
        "kinds listed: {fx:?}"
    );

    let fx = step(
        &mut flow,
        Event::Do(Action::ChooseKind(CaseKind::Complaint)),
    );
    assert!(says(&fx, "تأخیر در صدور سند"), "subjects listed: {fx:?}");

    let fx = step(&mut flow, Event::Do(Action::ChooseSubject("deed".into())));
    assert!(says(&fx, "جمله‌های آماده"), "{fx:?}");
    let fx = step(&mut flow, Event::Do(Action::Phrase(0)));
    assert!(says(&fx, "اضافه شد: پرونده‌ی من بدون پاسخ مانده است."));

    let fx = step(&mut flow, Event::Do(Action::Continue));
    assert!(says(&fx, "یازده رقم"), "{fx:?}");
    type_digits(&mut flow, "09121234567");

    let fx = step(&mut flow, Event::Do(Action::Continue));
    let review = texts(&fx);
    for field in [
        "نوع: شکایت.",
        "موضوع: تأخیر در صدور سند.",
        "شرح: پرونده‌ی من بدون پاسخ مانده است.",
        "کد ملی: ۰ ۴ ۹، ۹ ۳ ۷، ۰ ۸ ۹ ۹.",
        "شماره همراه: ۰ ۹ ۱ ۲، ۱ ۲ ۳، ۴ ۵ ۶ ۷.",
    ] {
        assert!(
            review.iter().any(|t| t == field),
            "{field} not in {review:?}"
        );
    }
    let kind = review.iter().position(|t| t.starts_with("نوع")).unwrap();
    let national = review.iter().position(|t| t.starts_with("کد ملی")).unwrap();
    assert!(
        kind < national,
        "read in the order of the screen: {review:?}"
    );

    let fx = step(&mut flow, Event::Do(Action::Confirm));
    assert!(says(&fx, "در حال ثبت"));
    step(
        &mut flow,
        Event::Registered(RegisteredView {
            tracking_code: code(),
            due: Some(due()),
            next_visit: None,
        }),
    );
    let fx = step(&mut flow, Event::Printed);
    let done = said(&fx);
    assert!(done[0].0.contains("ثبت شد") && done[0].1, "{done:?}");
    assert!(
        done.iter().any(|(t, i)| !i
            && t.contains("۱ ۰ ۰ ۰، ۱ ۲ ۰ ۰")
            && t.contains("پاسخ تا ۱۶ آذر ۱۴۰۵")),
        "the code in groups, digit by digit, and the date, queued: {done:?}"
    );
    assert!(says(&fx, "روی رسید"), "what the receipt says: {done:?}");

    // Long Help (repeat) says the whole screen again, the first sentence cutting in.
    let again = step(&mut flow, Event::Repeat);
    assert_eq!(texts(&again), texts(&fx));
    assert!(said(&again)[0].1);
    // Finish: the visitor hears that the session is over.
    let fx = step(&mut flow, Event::Do(Action::Finish));
    assert!(says(&fx, "پایان یافت"));
    assert!(
        !flow.session().prefs.speech,
        "speech is reset for the next visitor"
    );
}

#[test]
fn the_review_says_no_mobile_and_an_english_session_hears_english() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::OpenAccessibility));
    step(&mut flow, Event::Do(Action::SetLang(Lang::En)));
    step(&mut flow, Event::Do(Action::CloseAccessibility));
    step(&mut flow, Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    step(&mut flow, Event::Do(Action::Continue));
    step(
        &mut flow,
        Event::Do(Action::ChooseKind(CaseKind::Consultation)),
    );
    step(&mut flow, Event::Do(Action::ChooseSubject("deed".into())));
    step(&mut flow, Event::Do(Action::Continue));
    let fx = step(&mut flow, Event::Do(Action::SkipMobile));
    let review = texts(&fx);
    for field in [
        "Check and confirm.",
        "Subject: deed (en).",
        "Description: none.",
        "National code: 0 4 9, 9 3 7, 0 8 9 9.",
        "No mobile number.",
    ] {
        assert!(
            review.iter().any(|t| t == field),
            "{field} not in {review:?}"
        );
    }
}

#[test]
fn guidance_says_where_to_go_and_what_to_bring() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    type_digits(&mut flow, "0499370899");
    step(&mut flow, Event::Do(Action::Continue));
    step(&mut flow, Event::Do(Action::ChooseKind(CaseKind::Request)));
    let fx = step(&mut flow, Event::Do(Action::ChooseSubject("plates".into())));
    assert_eq!(flow.screen(), Screen::Guidance);
    assert!(
        says(&fx, "مرجع رسیدگی: مراکز تعویض پلاک پلیس راهور"),
        "{fx:?}"
    );
    assert!(says(&fx, "کارت ملی و برگه‌ی راهنما را همراه"), "{fx:?}");
}

#[test]
fn follow_up_reads_the_timeline_event_by_event() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::TrackCase));
    let fx = step(&mut flow, Event::Do(Action::Continue));
    assert!(says(&fx, "وارد نشده"), "the error: {fx:?}");
    assert!(says(&fx, "پاک کردن"), "{fx:?}");
    type_digits(&mut flow, &code().as_string());
    let fx = step(&mut flow, Event::Do(Action::Continue));
    assert!(
        says(&fx, "کد ملی صاحب درخواست"),
        "why the national code is asked: {fx:?}"
    );
    type_digits(&mut flow, "0499370899");
    step(&mut flow, Event::Do(Action::Continue));
    let fx = step(
        &mut flow,
        Event::FollowUpResult(Some(FollowUpView {
            tracking_code: code(),
            timeline: vec![
                TimelineEntry {
                    at: "2026-11-23T06:30:00Z".parse().unwrap(),
                    what: "ثبت شد".into(),
                    unit: "کیوسک ۱۲".into(),
                    responsible: None,
                    answer: None,
                },
                TimelineEntry {
                    at: "2026-11-25T08:00:00Z".parse().unwrap(),
                    what: "پاسخ داده شد".into(),
                    unit: "واحد ثبت اسناد".into(),
                    responsible: Some("مریم احمدی".into()),
                    answer: Some("سند شما صادر شد.".into()),
                },
            ],
        })),
    );
    assert_eq!(flow.screen(), Screen::FollowUp);
    let lines = texts(&fx);
    assert!(
        lines.iter().any(|t| t.contains("۱ ۰ ۰ ۰، ۱ ۲ ۰ ۰")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|t| t == "۲ رویداد:"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|t| t == "۲ آذر ۱۴۰۵: ثبت شد، واحد کیوسک ۱۲."),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|t| t
            == "۴ آذر ۱۴۰۵: پاسخ داده شد، واحد واحد ثبت اسناد، مسئول مریم احمدی. متن پاسخ: سند شما صادر شد."),
        "{lines:?}"
    );
    let first = lines.iter().position(|t| t.contains("ثبت شد،")).unwrap();
    let second = lines
        .iter()
        .position(|t| t.contains("پاسخ داده شد"))
        .unwrap();
    assert!(first < second, "oldest first");
}

#[test]
fn a_case_not_found_says_what_to_do_next() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::TrackCase));
    type_digits(&mut flow, &code().as_string());
    step(&mut flow, Event::Do(Action::Continue));
    type_digits(&mut flow, "0499370899");
    step(&mut flow, Event::Do(Action::Continue));
    let fx = step(&mut flow, Event::FollowUpResult(None));
    let s = said(&fx);
    assert!(s[0].0.contains("پیدا نشد") && s[0].1, "{s:?}");
    assert!(says(&fx, "دوباره وارد کنید"), "{s:?}");
}

#[test]
fn a_wrong_national_code_is_spoken_after_its_digit_with_how_to_fix_it() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    let typed = type_digits(&mut flow, "0499370898");
    let last = said(&typed[9]);
    assert_eq!(last[0], ("۸".to_owned(), true), "the digit first: {last:?}");
    assert!(last[1].0.contains("معتبر نیست") && !last[1].1, "{last:?}");
    assert!(last[2].0.contains("پاک کردن"), "{last:?}");
}

#[test]
fn the_idle_warning_says_the_seconds_left_and_does_not_cut_in() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    let fx = step(&mut flow, Event::IdleWarningIn { seconds_left: 60 });
    assert_eq!(
        said(&fx),
        vec![(
            "تا ۶۰ ثانیه‌ی دیگر جلسه بسته می‌شود. برای زمان بیشتر، کلید ورود یا هر کلید دیگری را بزنید."
                .to_owned(),
            false
        )]
    );
    let fx = step(&mut flow, Event::Activate);
    assert_eq!(flow.screen(), Screen::Identify, "Enter on «more time»");
    assert!(says(&fx, "زمان بیشتری"), "{fx:?}");
    let mut english = speaking();
    step(&mut english, Event::Do(Action::OpenAccessibility));
    step(&mut english, Event::Do(Action::SetLang(Lang::En)));
    let fx = step(&mut english, Event::IdleWarningIn { seconds_left: 45 });
    assert!(says(&fx, "ends in 45 seconds"), "{fx:?}");
}

#[test]
fn a_switch_user_is_told_the_select_switch_for_more_time_and_to_start_again() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    step(&mut flow, Event::Switch(SwitchPress::Move));
    let fx = step(&mut flow, Event::IdleWarningIn { seconds_left: 60 });
    assert_eq!(
        said(&fx),
        vec![(
            "تا ۶۰ ثانیه‌ی دیگر جلسه بسته می‌شود. برای زمان بیشتر، کلید انتخاب را بزنید.".to_owned(),
            false
        )]
    );
    // «More time» is focused first: the select switch takes it.
    step(&mut flow, Event::Switch(SwitchPress::Select));
    assert_eq!(flow.screen(), Screen::Identify);
    let fx = step(&mut flow, Event::IdleExpired);
    assert_eq!(
        said(&fx),
        vec![(
            "جلسه‌ی شما پایان یافت. برای شروع دوباره، کلید انتخاب را بزنید.".to_owned(),
            true
        )]
    );
    // The next visitor is a keypad user until a switch is pressed.
    assert!(!flow.session().switch_input);
}

#[test]
fn volume_and_speed_keys_step_within_bounds_say_the_level_and_reset_for_the_next_visitor() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    assert_eq!(flow.speech_levels(), SpeechLevels::default());
    let fx = step(&mut flow, Event::Volume(Step::Up));
    assert_eq!(
        fx.iter().find(|e| matches!(e, Effect::SetSpeech(_))),
        Some(&Effect::SetSpeech(SpeechLevels { volume: 9, rate: 5 }))
    );
    assert_eq!(said(&fx), vec![("بلندی صدا ۹ از ۱۰".to_owned(), true)]);
    step(&mut flow, Event::Volume(Step::Up));
    let fx = step(&mut flow, Event::Volume(Step::Up));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::SetSpeech(_))),
        "no eleventh level"
    );
    assert_eq!(texts(&fx), vec!["بلندی صدا ۱۰ از ۱۰، بیشترین".to_owned()]);
    for _ in 0..4 {
        step(&mut flow, Event::Speed(Step::Down));
    }
    let fx = step(&mut flow, Event::Speed(Step::Down));
    assert_eq!(texts(&fx), vec!["سرعت گفتار ۱ از ۱۰، کمترین".to_owned()]);
    assert_eq!(
        flow.speech_levels(),
        SpeechLevels {
            volume: 10,
            rate: 1
        }
    );
    let fx = step(&mut flow, Event::Speed(Step::Up));
    assert_eq!(texts(&fx), vec!["سرعت گفتار ۲ از ۱۰".to_owned()]);
    // The level is not what the repeat key says: the screen is.
    let fx = step(&mut flow, Event::Repeat);
    assert!(says(&fx, "کد ملی"), "{fx:?}");
    let fx = step(&mut flow, Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Attract);
    assert!(fx.contains(&Effect::SetSpeech(SpeechLevels::default())));
    assert_eq!(flow.speech_levels(), SpeechLevels::default());
    // In English.
    let mut english = speaking();
    step(&mut english, Event::Do(Action::OpenAccessibility));
    step(&mut english, Event::Do(Action::SetLang(Lang::En)));
    let fx = step(&mut english, Event::Speed(Step::Up));
    assert_eq!(texts(&fx), vec!["Speech rate 6 of 10".to_owned()]);
}

#[test]
fn help_explains_each_screen_and_its_keys_then_repeat_still_says_the_screen() {
    let mut flow = flow();
    // Help speaks even before speech was turned on.
    let fx = step(&mut flow, Event::Help);
    assert!(flow.session().prefs.speech);
    let attract = texts(&fx);
    assert!(attract[0].contains("ثبت می‌کند"), "{attract:?}");
    assert!(attract.iter().any(|t| t.contains("کلیدهای بالا و پایین")));
    assert!(said(&fx)[0].1 && said(&fx)[1..].iter().all(|(_, i)| !i));
    let mut seen = vec![attract[0].clone()];
    step(&mut flow, Event::Do(Action::Start));
    let fx = step(&mut flow, Event::Help);
    assert!(says(&fx, "شناسایی"), "{fx:?}");
    assert!(
        says(&fx, "پنج برآمدگی"),
        "digit keys explained where digits go"
    );
    assert!(
        says(&fx, "لغو جلسه را تمام"),
        "Cancel here ends the session"
    );
    seen.push(texts(&fx)[0].clone());
    // Repeat after help says the screen, not the help.
    let fx = step(&mut flow, Event::Repeat);
    assert!(says(&fx, "کارت ملی را در دستگاه بگذارید"), "{fx:?}");
    type_digits(&mut flow, "0499370899");
    step(&mut flow, Event::Do(Action::Continue));
    for event in [
        Event::Do(Action::ChooseKind(CaseKind::Complaint)),
        Event::Do(Action::ChooseSubject("deed".into())),
        Event::Do(Action::Phrase(1)),
        Event::Do(Action::Continue),
        Event::Do(Action::SkipMobile),
    ] {
        let fx = step(&mut flow, Event::Help);
        let help = texts(&fx);
        assert!(help.iter().any(|t| t.contains("درخواست کمک")));
        if !seen.contains(&help[0]) {
            seen.push(help[0].clone());
        }
        step(&mut flow, event);
    }
    // Attract, identify, kind, subject, description, mobile: each its own explanation.
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert_eq!(flow.screen(), Screen::Review);
    let fx = step(&mut flow, Event::Help);
    assert!(says(&fx, "بازبینی"), "{fx:?}");
    assert!(says(&fx, "یک مرحله به عقب"), "{fx:?}");
    // In English.
    let mut english = flow_in_english();
    let fx = step(&mut english, Event::Help);
    assert!(says(&fx, "This kiosk registers"), "{fx:?}");
}

fn flow_in_english() -> Flow {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::OpenAccessibility));
    step(&mut flow, Event::Do(Action::SetLang(Lang::En)));
    step(&mut flow, Event::Do(Action::CloseAccessibility));
    flow
}

#[test]
fn clear_erases_one_and_a_long_clear_the_whole_field_each_spoken() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    type_digits(&mut flow, "04993");
    let fx = step(&mut flow, Event::Backspace);
    assert_eq!(flow.session().entry, "0499");
    assert_eq!(texts(&fx), vec!["۳ پاک شد".to_owned()]);
    let fx = step(&mut flow, Event::ClearEntry);
    assert_eq!(flow.session().entry, "");
    assert_eq!(said(&fx), vec![("همه پاک شد".to_owned(), true)]);
    let fx = step(&mut flow, Event::ClearEntry);
    assert_eq!(texts(&fx), vec!["چیزی برای پاک کردن نیست".to_owned()]);
    // On the mobile screen too, and on the description (the whole text).
    let mut flow = speaking();
    to_review(&mut flow);
    step(&mut flow, Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Mobile);
    type_digits(&mut flow, "0912");
    step(&mut flow, Event::ClearEntry);
    assert_eq!(flow.session().entry, "");
    step(&mut flow, Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Description);
    step(&mut flow, Event::ClearEntry);
    assert!(flow.session().description.is_empty());
}

#[test]
fn any_key_on_the_attract_screen_starts_speech() {
    let mut flow = flow();
    let fx = step(&mut flow, Event::FocusNext);
    assert!(flow.session().prefs.speech);
    assert_eq!(texts(&fx), vec!["پیگیری درخواست".to_owned()]);
    let mut flow = self::flow();
    let fx = step(&mut flow, Event::Digit(5));
    assert!(
        says(&fx, "کلید ورود"),
        "the attract screen's speech: {fx:?}"
    );
    let mut flow = self::flow();
    let fx = step(&mut flow, Event::Activate);
    assert_eq!(flow.screen(), Screen::Identify);
    assert!(says(&fx, "کد ملی"), "{fx:?}");
    // A touch does not.
    let mut flow = self::flow();
    step(&mut flow, Event::Do(Action::Start));
    assert!(!flow.session().prefs.speech);
}

#[test]
fn printer_out_says_the_failure_then_the_code_then_where_to_get_a_receipt() {
    let mut flow = speaking();
    to_review(&mut flow);
    step(&mut flow, Event::Do(Action::Confirm));
    step(
        &mut flow,
        Event::Registered(RegisteredView {
            tracking_code: code(),
            due: None,
            next_visit: None,
        }),
    );
    let fx = step(&mut flow, Event::PrintFailed(PrinterProblem::PaperOut));
    let s = said(&fx);
    assert!(s[0].0.contains("رسید چاپ نشد") && s[0].1, "{s:?}");
    assert!(
        s[1].0.starts_with("کد رهگیری شما: ۱ ۰ ۰ ۰") && !s[1].1,
        "{s:?}"
    );
    assert!(s[2].0.contains("دوباره چاپ کنند") && !s[2].1, "{s:?}");
}

#[test]
fn hear_the_code_again_is_offered_to_a_listener_and_says_the_code_and_date_again() {
    let mut flow = speaking();
    to_review(&mut flow);
    step(&mut flow, Event::Switch(SwitchPress::Move));
    step(&mut flow, Event::Do(Action::Confirm));
    step(
        &mut flow,
        Event::Registered(RegisteredView {
            tracking_code: code(),
            due: None,
            next_visit: None,
        }),
    );
    let fx = step(&mut flow, Event::Printed);
    assert_eq!(flow.screen(), Screen::Done);
    assert!(flow.actions().contains(&Action::HearCodeAgain));
    // A switch user is told the button, not the Help key.
    assert!(says(&fx, "«شنیدن دوباره‌ی کد» را با کلید انتخاب"), "{fx:?}");
    assert!(!says(&fx, "کلید راهنما"), "{fx:?}");
    let fx = step(&mut flow, Event::Do(Action::HearCodeAgain));
    let s = said(&fx);
    assert!(
        s[0].0.starts_with("کد رهگیری شما: ۱ ۰ ۰ ۰") && s[0].1,
        "{s:?}"
    );
    // Without speech there is nothing to hear: no such button.
    let mut silent = self::flow();
    step(&mut silent, Event::Do(Action::Start));
    assert!(!silent.actions().contains(&Action::HearCodeAgain));
}

#[test]
fn the_done_screen_says_the_next_visit_of_a_case_that_owes_no_written_answer() {
    let tuesday = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let weekly = kiosk_core::NextVisit {
        rule: kiosk_core::NextVisitRule::Weekly(chrono::Weekday::Tue),
        day: Some(tuesday),
        holidays_known: true,
    };
    let at_desk = kiosk_core::NextVisit {
        rule: kiosk_core::NextVisitRule::AtDeskNow,
        day: None,
        holidays_known: true,
    };
    let table = [
        (
            weekly,
            "زمان مراجعه‌ی بعدی: سه‌شنبه ۳ آذر ۱۴۰۵ (روز ملاقات هفتگی).",
        ),
        (at_desk, "در همین مراجعه، در میز ارتباطات مردمی"),
    ];
    for (visit, heard) in table {
        let mut flow = speaking();
        to_review(&mut flow);
        step(&mut flow, Event::Do(Action::Confirm));
        step(
            &mut flow,
            Event::Registered(RegisteredView {
                tracking_code: code(),
                due: None,
                next_visit: Some(visit),
            }),
        );
        let done = said(&step(&mut flow, Event::Printed));
        assert!(
            done.iter()
                .any(|(t, _)| t.contains("کد رهگیری شما") && t.contains(heard)),
            "{heard}: {done:?}"
        );
    }
}

#[test]
fn focus_moves_say_the_focused_action() {
    let mut flow = speaking();
    step(&mut flow, Event::Do(Action::Start));
    step(&mut flow, Event::Digit(0));
    let fx = step(&mut flow, Event::FocusNext);
    assert_eq!(said(&fx), vec![("بازگشت".to_owned(), true)]);
}
