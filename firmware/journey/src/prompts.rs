//! Every sentence the flow shows or speaks, in Persian and English.
//!
//! Prompts are short on purpose: espeak-ng's Persian voice does not produce ezafe, so long
//! sentences sound wrong; recorded prompts (keyed by the same wording) can replace them. Digits
//! in Persian text are always Persian digits.

use kiosk_core::digits::to_persian_digits;
use kiosk_core::{CaseKind, Catalogue};

use super::action::Action;
use super::session::{Lang, Screen};

/// Picks the sentence of the session's language.
fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// What a screen says when it appears.
pub fn screen_prompt(screen: Screen, lang: Lang) -> String {
    match screen {
        Screen::Attract => pick(
            lang,
            "برای ثبت درخواست، صفحه را لمس کنید.",
            "Touch the screen to begin.",
        ),
        Screen::Accessibility => pick(lang, "تنظیمات دسترسی.", "Accessibility options."),
        Screen::Identify => pick(
            lang,
            "کارت ملی را در دستگاه بگذارید یا کد ملی را وارد کنید.",
            "Insert your national ID card or type your national code.",
        ),
        Screen::Kind => pick(lang, "چه کاری دارید؟", "What would you like to do?"),
        Screen::Subject => pick(lang, "موضوع را انتخاب کنید.", "Choose a subject."),
        Screen::Guidance => pick(
            lang,
            "این موضوع در این اداره رسیدگی نمی‌شود. نشانی مرجع درست را ببینید.",
            "This office does not handle this subject. See where to go.",
        ),
        Screen::Description => pick(lang, "شرح درخواست را بنویسید.", "Describe your case."),
        Screen::Mobile => pick(
            lang,
            "برای دریافت پیامک، شماره همراه را وارد کنید. این کار اختیاری است.",
            "Type your mobile number to receive text messages. This is optional.",
        ),
        Screen::Review => pick(lang, "اطلاعات را بررسی و تأیید کنید.", "Check and confirm."),
        Screen::Printing => pick(
            lang,
            "در حال ثبت و چاپ رسید.",
            "Registering and printing your receipt.",
        ),
        Screen::Done => pick(
            lang,
            "درخواست شما ثبت شد. رسید را بردارید.",
            "Your case is registered. Take your receipt.",
        ),
        Screen::PrinterOut => pick(
            lang,
            "درخواست شما ثبت شد اما رسید چاپ نشد. کد رهگیری را یادداشت کنید. همکاران ما در راه هستند.",
            "Your case is registered but the receipt did not print. Note the tracking code. Staff are on their way.",
        ),
        Screen::FollowUpEntry => pick(
            lang,
            "کد رهگیری را وارد کنید یا رسید را اسکن کنید.",
            "Type or scan your tracking code.",
        ),
        Screen::FollowUp => pick(lang, "وضعیت درخواست شما.", "The status of your case."),
        Screen::CallStaff => pick(
            lang,
            "یکی از همکاران به کمک شما می‌آید.",
            "A staff member is coming to help you.",
        ),
        Screen::Error => pick(
            lang,
            "مشکلی پیش آمد. همکاران ما در جریان هستند.",
            "Something went wrong. Staff have been told.",
        ),
    }
}

/// The label of an action, as shown on its button and spoken when focused.
pub fn action_label(action: &Action, lang: Lang, catalogue: &Catalogue) -> String {
    match action {
        Action::Start => pick(lang, "ثبت درخواست", "Register a case"),
        Action::TrackCase => pick(lang, "پیگیری درخواست", "Follow up a case"),
        Action::RateService => pick(lang, "ارزیابی خدمت", "Rate a service"),
        Action::OpenAccessibility => pick(lang, "تنظیمات دسترسی", "Accessibility"),
        Action::CloseAccessibility => pick(lang, "بازگشت", "Back"),
        Action::SetLang(Lang::Fa) => "فارسی".to_owned(),
        Action::SetLang(Lang::En) => "English".to_owned(),
        Action::CycleTextSize => pick(lang, "اندازه‌ی متن", "Text size"),
        Action::ToggleHighContrast => pick(lang, "تضاد بالا", "High contrast"),
        Action::ToggleLowReach => pick(lang, "چیدمان پایین", "Low reach"),
        Action::ToggleSpeech => pick(lang, "راهنمای گفتاری", "Speech"),
        Action::ChooseKind(kind) => kind_label(*kind, lang),
        Action::ChooseSubject(id) => match catalogue.get(id) {
            Some(s) => pick(lang, &s.label_fa, &s.label_en),
            None => id.clone(),
        },
        Action::Phrase(i) => phrase(*i, lang).unwrap_or_default(),
        Action::Continue => pick(lang, "ادامه", "Continue"),
        Action::SkipMobile => pick(lang, "بدون شماره همراه", "No mobile number"),
        Action::Confirm => pick(lang, "تأیید و ثبت", "Confirm and register"),
        Action::PrintGuidance => pick(lang, "چاپ راهنما", "Print the guidance"),
        Action::Back => pick(lang, "بازگشت", "Back"),
        Action::Cancel => pick(lang, "انصراف", "Cancel"),
        Action::CallStaff => pick(lang, "درخواست کمک", "Call staff"),
        Action::Extend => pick(lang, "زمان بیشتر", "More time"),
        Action::Finish => pick(lang, "پایان", "Finish"),
    }
}

/// A case kind's label in the session's language.
pub fn kind_label(kind: CaseKind, lang: Lang) -> String {
    pick(lang, kind.label_fa(), kind.label_en())
}

/// Preset phrases for the description (a visitor may compose a case from them alone).
const PHRASES: [(&str, &str); 4] = [
    (
        "پرونده‌ی من بدون پاسخ مانده است.",
        "My file has had no answer.",
    ),
    ("با من رفتار مناسبی نشد.", "I was not treated properly."),
    ("درخواست رسیدگی فوری دارم.", "I ask for urgent attention."),
    ("از همکاران شما سپاسگزارم.", "I thank your staff."),
];

/// How many preset phrases there are.
pub const PHRASE_COUNT: usize = PHRASES.len();

/// A preset phrase.
pub fn phrase(index: usize, lang: Lang) -> Option<String> {
    PHRASES.get(index).map(|(fa, en)| pick(lang, fa, en))
}

/// The warning before a session ends for inactivity.
pub fn idle_warning(lang: Lang, can_extend: bool) -> String {
    match (lang, can_extend) {
        (Lang::Fa, true) => "به زودی صفحه بسته می‌شود. برای زمان بیشتر، دکمه را بزنید.".to_owned(),
        (Lang::Fa, false) => "صفحه به زودی بسته می‌شود.".to_owned(),
        (Lang::En, true) => {
            "This session will end soon. Press the button for more time.".to_owned()
        }
        (Lang::En, false) => "This session will end soon.".to_owned(),
    }
}

/// What the done screen says about the case: the tracking code digit by digit and the date.
pub fn registered_summary(view: &super::RegisteredView, lang: Lang) -> String {
    let code = view.tracking_code.for_speech();
    match lang {
        Lang::Fa => {
            let mut text = format!("کد رهگیری شما: {code}.");
            if let Some(due) = &view.due {
                text.push_str(&format!(" پاسخ تا {}.", due.jalali.format_fa()));
            }
            text
        }
        Lang::En => {
            let digits = kiosk_core::digits::to_ascii_digits(&code).replace('،', ",");
            let mut text = format!("Your tracking code: {digits}.");
            if let Some(due) = &view.due {
                text.push_str(&format!(" Answer by {}.", due.jalali.format_en()));
            }
            text
        }
    }
}

/// Messages for mistakes the visitor can fix.
pub fn tracking_not_found(lang: Lang) -> String {
    pick(
        lang,
        "درخواستی با این کد رهگیری در این دستگاه پیدا نشد.",
        "No case with this tracking code was found here.",
    )
}

/// The mobile number shown on review, or that none was given.
pub fn digits_for(lang: Lang, ascii: &str) -> String {
    match lang {
        Lang::Fa => to_persian_digits(ascii),
        Lang::En => ascii.to_owned(),
    }
}

/// What a timeline event says, by the store's event kind name; unknown kinds are shown as given.
pub fn event_kind_label(kind: &str, lang: Lang) -> String {
    let (fa, en) = match kind {
        "registered" => ("ثبت شد", "Registered"),
        "samad_number_bound" => ("در سامد ثبت شد", "Recorded in SAMAD"),
        "referred" => ("ارجاع شد", "Referred"),
        "action" => ("اقدام شد", "Action taken"),
        "answered" => ("پاسخ داده شد", "Answered"),
        "note" => ("یادداشت", "Note"),
        "closed" => ("بسته شد", "Closed"),
        other => (other, other),
    };
    pick(lang, fa, en)
}
