//! Every sentence the flow shows or speaks, in Persian and English.
//!
//! Prompts are short on purpose: espeak-ng's Persian voice does not produce ezafe, so long
//! sentences sound wrong; recorded prompts (keyed by the same wording) can replace them. Digits
//! in Persian text are always Persian digits.

use kiosk_core::digits::to_persian_digits;
use kiosk_core::{CaseKind, Catalogue};

use super::action::Action;
use super::session::{ColorTheme, Lang, Screen, TextSize};

/// Picks the sentence of the session's language.
fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The call-staff screen when the kiosk cannot call anyone: where to go instead.
pub fn staff_unreachable(lang: Lang, desk: &str) -> String {
    match (lang, desk.trim()) {
        (Lang::Fa, "") => {
            "از این دستگاه نمی‌توان همکاران را خبر کرد؛ لطفاً به میز ارتباطات مردمی مراجعه کنید."
                .to_owned()
        }
        (Lang::Fa, desk) => {
            format!("از این دستگاه نمی‌توان همکاران را خبر کرد؛ لطفاً به {desk} مراجعه کنید.")
        }
        (Lang::En, "") => {
            "This kiosk cannot call staff; please go to the people's communications desk."
                .to_owned()
        }
        (Lang::En, desk) => format!("This kiosk cannot call staff; please go to the desk: {desk}."),
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
        Screen::Accessibility => pick(
            lang,
            "تنظیمات نمایش، گفتار و زبان.",
            "Display, speech and language settings.",
        ),
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
        Screen::Official => pick(
            lang,
            "آیا شکایت شما از یکی از مسئولان است؟",
            "Is your complaint about an official?",
        ),
        Screen::Description => pick(lang, "شرح درخواست را بنویسید.", "Describe your case."),
        Screen::Mobile => pick(
            lang,
            "شماره همراه را وارد کنید. این کار اختیاری است.",
            "Type your mobile number. This is optional.",
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
        Action::OpenAccessibility => pick(lang, "تنظیمات", "Settings"),
        Action::CloseAccessibility => pick(lang, "بازگشت", "Back"),
        Action::SetLang(Lang::Fa) => "فارسی".to_owned(),
        Action::SetLang(Lang::En) => "English".to_owned(),
        Action::ToggleLowReach => pick(lang, "چیدمان پایین", "Low reach"),
        Action::ToggleSpeech => pick(lang, "راهنمای گفتاری", "Speech"),
        Action::ChooseKind(kind) => kind_label(*kind, lang),
        Action::ChooseSubject(id) => match catalogue.get(id) {
            Some(s) => pick(lang, &s.label_fa, &s.label_en),
            None => id.clone(),
        },
        Action::ChooseOfficial(None) => pick(
            lang,
            "خیر، درباره‌ی کار اداره است",
            "No, it is about the office's work",
        ),
        Action::ChooseOfficial(Some(tier)) => pick(lang, tier.label_fa(), tier.label_en()),
        Action::Phrase(i) => phrase(*i, lang).unwrap_or_default(),
        Action::Continue => pick(lang, "ادامه", "Continue"),
        Action::SkipMobile => pick(lang, "بدون شماره همراه", "No mobile number"),
        Action::ToggleNoticeConsent => pick(
            lang,
            "پیامک‌های این درخواست به این شماره فرستاده شود",
            "Send text messages about this case to this number",
        ),
        Action::Confirm => pick(lang, "تأیید و ثبت", "Confirm and register"),
        Action::PrintGuidance => pick(lang, "چاپ راهنما", "Print the guidance"),
        Action::Back => pick(lang, "بازگشت", "Back"),
        Action::Cancel => pick(lang, "انصراف", "Cancel"),
        Action::CallStaff => pick(lang, "درخواست کمک", "Call staff"),
        Action::Extend => pick(lang, "زمان بیشتر", "More time"),
        Action::Finish => pick(lang, "پایان", "Finish"),
        Action::HearCodeAgain => pick(lang, "شنیدن دوباره‌ی کد", "Hear the code again"),
        Action::SetTheme(theme) => theme_label(*theme, lang),
        Action::SetTextSize(size) => text_size_label(*size, lang),
        Action::ToggleAudioOnly => pick(lang, "فقط صدا، صفحه خاموش", "Audio only, screen off"),
        Action::LearnKeys => pick(lang, "آموزش کلیدها", "Learn the keys"),
        Action::TypeDigit(d) => digits_for(lang, &d.to_string()),
        Action::EraseDigit => pick(lang, "پاک کردن رقم آخر", "Erase the last digit"),
        Action::NoNationalCode | Action::UseIdentity(_) => {
            super::machine::other_id_label(action, lang)
        }
    }
}

/// A colour theme's name.
pub fn theme_label(theme: ColorTheme, lang: Lang) -> String {
    match theme {
        ColorTheme::Standard => pick(lang, "رنگ‌های معمولی", "Standard colours"),
        ColorTheme::HighContrastLight => pick(lang, "سیاه روی سفید", "Black on white"),
        ColorTheme::HighContrastDark => pick(lang, "سفید روی سیاه", "White on black"),
        ColorTheme::LowGlare => pick(lang, "خاکستری کم‌نور", "Grey, low glare"),
    }
}

/// A text size's name.
pub fn text_size_label(size: TextSize, lang: Lang) -> String {
    match size {
        TextSize::Normal => pick(lang, "متن معمولی", "Normal text"),
        TextSize::Large => pick(lang, "متن بزرگ", "Large text"),
        TextSize::ExtraLarge => pick(lang, "متن خیلی بزرگ", "Extra large text"),
        TextSize::Huge => pick(lang, "متن بسیار بزرگ", "Huge text"),
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
            if let Some(visit) = &view.next_visit {
                text.push(' ');
                text.push_str(&visit.spoken_fa());
            }
            text
        }
        Lang::En => {
            let digits = kiosk_core::digits::to_ascii_digits(&code).replace('،', ",");
            let mut text = format!("Your tracking code: {digits}.");
            if let Some(due) = &view.due {
                text.push_str(&format!(" Answer by {}.", due.jalali.format_en()));
            }
            if let Some(visit) = &view.next_visit {
                text.push(' ');
                text.push_str(&visit.spoken_en());
            }
            text
        }
    }
}

/// Messages for mistakes the visitor can fix.
pub fn tracking_not_found(lang: Lang) -> String {
    pick(
        lang,
        "درخواستی با این کد رهگیری و این کد ملی پیدا نشد.",
        "No case was found with this tracking code and this national code.",
    )
}

/// Why a follow-up asks for the national code after the tracking code.
pub fn follow_up_needs_identity(lang: Lang) -> String {
    pick(
        lang,
        "برای دیدن وضعیت درخواست، کد ملی صاحب درخواست را وارد کنید یا کارت ملی را در دستگاه بگذارید.",
        "To see the case, type the national code of the person who registered it, or insert the national card.",
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

// ---------------------------------------------------------------------------------------------
// Speech of what a screen shows beyond its title (the flow, firmware/journey/src/machine.rs,
// decides when each is said: the title cuts in, these follow it in the queue).

/// Digits read one by one in groups: each digit separated by a space so a speech engine reads
/// them singly, groups separated by a comma so it pauses (Persian digits in Persian), as
/// `TrackingCode::for_speech` does for tracking codes. A last group takes what is left.
pub fn digits_in_groups(ascii: &str, groups: &[usize], lang: Lang) -> String {
    let digits: Vec<String> = ascii
        .chars()
        .map(|c| digits_for(lang, &c.to_string()))
        .collect();
    let mut out = Vec::new();
    let mut at = 0;
    for &size in groups {
        if at >= digits.len() {
            break;
        }
        let end = (at + size).min(digits.len());
        out.push(digits[at..end].join(" "));
        at = end;
    }
    if at < digits.len() {
        out.push(digits[at..].join(" "));
    }
    out.join(match lang {
        Lang::Fa => "، ",
        Lang::En => ", ",
    })
}

/// A list of choices, as heard after a screen's title.
pub fn choices(lang: Lang, labels: &[String]) -> String {
    match lang {
        Lang::Fa => format!("گزینه‌ها: {}.", labels.join("، ")),
        Lang::En => format!("Choices: {}.", labels.join(", ")),
    }
}

/// How to use the keypad, said on the attract screen.
pub fn attract_keys(lang: Lang) -> String {
    pick(
        lang,
        "برای شروع با صفحه‌کلید، کلید ورود را بزنید. کلید پایین گزینه‌های دیگر را می‌خواند. کلید راهنما کار هر کلید را می‌گوید.",
        "To start with the keypad, press Enter. The Down key reads the other choices. The Help key tells what each key does.",
    )
}

/// How to fill the field of an entry screen, and what was typed so far.
pub fn entry_how(screen: Screen, lang: Lang) -> Option<String> {
    Some(match screen {
        Screen::Identify => pick(
            lang,
            "ده رقم کد ملی را با کلیدهای عددی وارد کنید، سپس کلید ورود را بزنید.",
            "Type the ten digits of your national code on the number keys, then press Enter.",
        ),
        Screen::Mobile => pick(
            lang,
            "یازده رقم شماره همراه را وارد کنید و کلید ورود را بزنید. با کلید پایین، گزینه‌ی پیامک و «بدون شماره همراه» را بشنوید و با کلید ورود انتخاب کنید.",
            "Type the eleven digits of your mobile number and press Enter. Press Down to hear the text message option and no mobile number, and Enter to choose one.",
        ),
        Screen::FollowUpEntry => pick(
            lang,
            "شانزده رقم کد رهگیری را وارد کنید و کلید ورود را بزنید.",
            "Type the sixteen digits of the tracking code and press Enter.",
        ),
        Screen::Description => pick(
            lang,
            "با کلید پایین جمله‌های آماده را بشنوید و با کلید ورود اضافه کنید. کلیدهای عددی مانند تلفن حرف می‌نویسند: زدن دوباره‌ی همان کلید حرف بعدی را می‌آورد و مکث آن را نگه می‌دارد؛ صفر فاصله است. سپس «ادامه» را بزنید.",
            "Press Down to hear the ready phrases and Enter to add one. The number keys type letters as on a phone: press a key again for its next letter, pause to keep it; zero is a space. Then choose Continue.",
        ),
        Screen::Subject => pick(
            lang,
            "با کلید پایین موضوع‌ها را بشنوید و با کلید ورود انتخاب کنید.",
            "Press Down to hear the subjects and Enter to choose one.",
        ),
        _ => return None,
    })
}

/// What has been typed so far (on return to an entry screen).
pub fn so_far(lang: Lang, spoken: &str) -> String {
    match lang {
        Lang::Fa => format!("تا اینجا وارد شده: {spoken}."),
        Lang::En => format!("Entered so far: {spoken}."),
    }
}

/// One field of the review screen, read aloud.
pub fn field(lang: Lang, label_fa: &str, label_en: &str, value: &str) -> String {
    let end = if value.ends_with(['.', '!', '?', '؟']) {
        ""
    } else {
        "."
    };
    match lang {
        Lang::Fa => format!("{label_fa}: {value}{end}"),
        Lang::En => format!("{label_en}: {value}{end}"),
    }
}

/// Said after the review's fields.
pub fn review_next(lang: Lang) -> String {
    pick(
        lang,
        "اگر درست است، کلید ورود را بزنید تا ثبت شود. برای اصلاح، کلید لغو شما را یک مرحله برمی‌گرداند.",
        "If this is right, press Enter to register. To change something, Cancel takes you back one step.",
    )
}

/// The guidance screen: where to go and what to bring.
pub fn guidance_lines(lang: Lang, subject: &str, destination: &str) -> Vec<String> {
    match lang {
        Lang::Fa => vec![
            format!("موضوع: {subject}."),
            format!("مرجع رسیدگی: {destination}"),
            "کارت ملی و برگه‌ی راهنما را همراه داشته باشید. برای چاپ برگه‌ی راهنما کلید ورود را بزنید.".to_owned(),
        ],
        Lang::En => vec![
            format!("Subject: {subject}."),
            format!("Where to go: {destination}"),
            "Bring your national ID card and the guidance slip. Press Enter to print the guidance slip.".to_owned(),
        ],
    }
}

/// What the receipt says, in short, after the tracking code (done screen), or where to get
/// it when it did not print.
pub fn receipt_summary(lang: Lang, printed: bool, switches: bool) -> String {
    let about = match (lang, printed) {
        (Lang::Fa, true) => {
            "روی رسید: کد رهگیری، تاریخ پاسخ، نوع و موضوع درخواست، یک کد QR برای پیگیری و یک کد نظرسنجی برای ارزیابی خدمت."
        }
        (Lang::Fa, false) => {
            "کد رهگیری را یادداشت کنید یا از همکاران بخواهید رسید را دوباره چاپ کنند."
        }
        (Lang::En, true) => {
            "The receipt shows the tracking code, the answer date, the kind and subject of your case, a QR code to follow it up and a survey code to rate the service."
        }
        (Lang::En, false) => "Note the tracking code, or ask staff to reprint the receipt.",
    };
    // A switch user has no Help key: the done screen's «hear the code again» instead.
    let again = if switches {
        pick(
            lang,
            "برای شنیدن دوباره‌ی کد، «شنیدن دوباره‌ی کد» را با کلید انتخاب برگزینید.",
            "To hear the code again, choose Hear the code again with the select switch.",
        )
    } else {
        pick(
            lang,
            "برای شنیدن دوباره‌ی کد، کلید راهنما را نگه دارید.",
            "To hear the code again, hold the Help key.",
        )
    };
    format!("{about} {again}")
}

/// One event of a follow-up timeline: date (Jalali), what, unit, and the responsible person
/// and answer when known.
pub fn timeline_line(lang: Lang, entry: &super::TimelineEntry) -> String {
    let date = kiosk_core::JalaliDate::at(entry.at);
    let mut text = match lang {
        Lang::Fa => format!("{}: {}، واحد {}", date.format_fa(), entry.what, entry.unit),
        Lang::En => format!("{}: {}, unit {}", date.format_en(), entry.what, entry.unit),
    };
    if let Some(person) = &entry.responsible {
        text.push_str(&match lang {
            Lang::Fa => format!("، مسئول {person}"),
            Lang::En => format!(", by {person}"),
        });
    }
    text.push('.');
    if let Some(answer) = &entry.answer {
        text.push_str(&match lang {
            Lang::Fa => format!(" متن پاسخ: {answer}"),
            Lang::En => format!(" The answer: {answer}"),
        });
    }
    text
}

/// How many events a timeline has, said before them.
pub fn timeline_count(lang: Lang, count: usize) -> String {
    match lang {
        Lang::Fa => format!("{} رویداد:", to_persian_digits(&count.to_string())),
        Lang::En => format!("{count} events:"),
    }
}

/// A typed character, echoed (a digit as a digit, a space by name).
pub fn echo(lang: Lang, c: char) -> String {
    match c {
        ' ' => pick(lang, "فاصله", "space"),
        '\n' => pick(lang, "خط تازه", "new line"),
        c => digits_for(lang, &c.to_string()),
    }
}

/// A character erased with Clear (`None`: the field was empty).
pub fn erased(lang: Lang, c: Option<char>) -> String {
    match c {
        Some(c) => match lang {
            Lang::Fa => format!("{} پاک شد", echo(lang, c)),
            Lang::En => format!("{} deleted", echo(lang, c)),
        },
        None => pick(lang, "چیزی برای پاک کردن نیست", "Nothing to delete"),
    }
}

/// The whole field erased (long Clear).
pub fn field_cleared(lang: Lang) -> String {
    pick(lang, "همه پاک شد", "Field cleared")
}

/// The national code is complete and valid.
pub fn national_code_complete(lang: Lang) -> String {
    pick(
        lang,
        "کد ملی کامل است. کلید ورود را بزنید.",
        "The national code is complete. Press Enter.",
    )
}

/// A checkbox's label with whether it is ticked, as said when the focus reaches it.
pub fn with_state(lang: Lang, label: &str, on: bool) -> String {
    match (lang, on) {
        (Lang::Fa, true) => format!("{label}، انتخاب شده"),
        (Lang::Fa, false) => format!("{label}، انتخاب نشده"),
        (Lang::En, true) => format!("{label}, selected"),
        (Lang::En, false) => format!("{label}, not selected"),
    }
}

/// The consent to text messages turned on or off on the mobile screen; `no_number`: none
/// typed yet, which a consent needs.
pub fn notice_consent_toggled(lang: Lang, on: bool, no_number: bool) -> String {
    let mut text = match on {
        true => pick(
            lang,
            "انتخاب شد: پیامک‌های این درخواست به این شماره فرستاده می‌شود.",
            "Selected: text messages about this case will be sent to this number.",
        ),
        false => pick(
            lang,
            "انتخاب برداشته شد: پیامکی فرستاده نمی‌شود.",
            "Not selected: no text messages will be sent.",
        ),
    };
    if on && no_number {
        text.push(' ');
        text.push_str(&pick(
            lang,
            "شماره همراه را هم وارد کنید.",
            "Type the mobile number too.",
        ));
    }
    text
}

/// The consent to text messages was given without a mobile number.
pub fn notice_consent_needs_mobile(lang: Lang) -> String {
    pick(
        lang,
        "برای فرستادن پیامک، شماره همراه لازم است. شماره را وارد کنید یا انتخاب پیامک را بردارید.",
        "Text messages need a mobile number. Type the number, or unselect the text messages.",
    )
}

/// Whether the consent to text messages is given, said on the mobile screen.
pub fn notice_consent_state(lang: Lang, on: bool) -> String {
    match on {
        true => pick(
            lang,
            "گزینه‌ی پیامک انتخاب شده است.",
            "The text message option is selected.",
        ),
        false => pick(
            lang,
            "گزینه‌ی پیامک انتخاب نشده است؛ بدون آن پیامکی فرستاده نمی‌شود.",
            "The text message option is not selected; without it no text message is sent.",
        ),
    }
}

/// Whether text messages will be sent about the case (review).
pub fn notices_sent(lang: Lang, sent: bool) -> String {
    match sent {
        true => pick(
            lang,
            "به این شماره فرستاده می‌شود",
            "will be sent to this number",
        ),
        false => pick(lang, "فرستاده نمی‌شود", "none will be sent"),
    }
}

/// A preset phrase added to the description.
pub fn phrase_added(lang: Lang, phrase: &str) -> String {
    match lang {
        Lang::Fa => format!("اضافه شد: {phrase}"),
        Lang::En => format!("Added: {phrase}"),
    }
}

/// What to do after a mistake on a screen, said after the message.
pub fn fix_hint(screen: Screen, lang: Lang) -> String {
    match screen {
        Screen::Identify | Screen::Mobile | Screen::FollowUpEntry => pick(
            lang,
            "با کلید پاک کردن یک رقم پاک می‌شود و با نگه‌داشتن آن همه‌ی رقم‌ها؛ سپس دوباره وارد کنید.",
            "Clear deletes one digit and holding it deletes them all; then type again.",
        ),
        Screen::Description => pick(
            lang,
            "با کلید پایین یک جمله‌ی آماده انتخاب کنید.",
            "Press Down and choose a ready phrase.",
        ),
        Screen::Error => pick(
            lang,
            "کلید درخواست کمک همکاران را خبر می‌کند؛ کلید ورود جلسه را تمام می‌کند.",
            "The Call staff key calls a staff member; Enter ends the session.",
        ),
        _ => pick(
            lang,
            "برای کمک کلید راهنما را بزنید.",
            "Press Help for help.",
        ),
    }
}

/// What to do when no case was found.
pub fn not_found_next(lang: Lang) -> String {
    pick(
        lang,
        "کد رهگیری را دوباره وارد کنید تا کد ملی هم دوباره پرسیده شود، یا برای کمک کلید درخواست کمک را بزنید.",
        "Type the tracking code again (the national code is asked again too), or press Call staff for help.",
    )
}

/// The inactivity warning as spoken: the seconds left and how to get more time (a switch
/// user, who has no keypad, is told the select switch: «more time» is focused first).
pub fn idle_warning_spoken(
    lang: Lang,
    can_extend: bool,
    seconds_left: Option<u32>,
    switches: bool,
) -> String {
    let Some(seconds) = seconds_left else {
        return idle_warning(lang, can_extend);
    };
    match (lang, can_extend) {
        (Lang::Fa, true) if switches => format!(
            "تا {} ثانیه‌ی دیگر جلسه بسته می‌شود. برای زمان بیشتر، کلید انتخاب را بزنید.",
            to_persian_digits(&seconds.to_string())
        ),
        (Lang::En, true) if switches => format!(
            "This session ends in {seconds} seconds. Press the select switch for more time."
        ),
        (Lang::Fa, true) => format!(
            "تا {} ثانیه‌ی دیگر جلسه بسته می‌شود. برای زمان بیشتر، کلید ورود یا هر کلید دیگری را بزنید.",
            to_persian_digits(&seconds.to_string())
        ),
        (Lang::Fa, false) => format!(
            "تا {} ثانیه‌ی دیگر جلسه بسته می‌شود.",
            to_persian_digits(&seconds.to_string())
        ),
        (Lang::En, true) => {
            format!("This session ends in {seconds} seconds. Press Enter or any key for more time.")
        }
        (Lang::En, false) => format!("This session ends in {seconds} seconds."),
    }
}

/// Which level a volume or speed key changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelKind {
    /// Loudness.
    Volume,
    /// Speaking rate.
    Rate,
}

/// The new level, said after a volume or speed key («بلندی صدا ۶ از ۱۰»); `at_bound` when the
/// key could not go further.
pub fn level(lang: Lang, kind: LevelKind, level: u8, max: u8, at_bound: bool) -> String {
    let (name_fa, name_en) = match kind {
        LevelKind::Volume => ("بلندی صدا", "Volume"),
        LevelKind::Rate => ("سرعت گفتار", "Speech rate"),
    };
    let (bound_fa, bound_en) = match (at_bound, level) {
        (false, _) => ("", ""),
        (true, 1) => ("، کمترین", ", the lowest"),
        (true, _) => ("، بیشترین", ", the highest"),
    };
    match lang {
        Lang::Fa => format!(
            "{name_fa} {} از {}{bound_fa}",
            to_persian_digits(&level.to_string()),
            to_persian_digits(&max.to_string())
        ),
        Lang::En => format!("{name_en} {level} of {max}{bound_en}"),
    }
}

/// Said when a session ends with speech on: the kiosk is back on its attract screen, in its
/// default language (Persian), as the screen now shows; a switch user is told the switch.
pub fn farewell(switches: bool) -> String {
    if switches {
        "جلسه‌ی شما پایان یافت. برای شروع دوباره، کلید انتخاب را بزنید.".to_owned()
    } else {
        "جلسه‌ی شما پایان یافت. برای شروع دوباره، کلید ورود را بزنید.".to_owned()
    }
}

/// The Help key: what the current screen is for, then what each key does there.
pub fn help(screen: Screen, lang: Lang, can_extend_warning: bool) -> Vec<String> {
    let about = match screen {
        Screen::Attract => pick(
            lang,
            "این دستگاه درخواست، شکایت و پیشنهاد شما را ثبت می‌کند، درخواست ثبت‌شده را پیگیری می‌کند و ارزیابی خدمت را می‌گیرد.",
            "This kiosk registers your request, complaint or suggestion, follows up a registered case and takes your rating of a service.",
        ),
        Screen::Accessibility => pick(
            lang,
            "تنظیمات دسترسی: زبان، اندازه‌ی متن، تضاد، چیدمان و راهنمای گفتاری.",
            "Accessibility options: language, text size, contrast, layout and speech.",
        ),
        Screen::Identify => pick(
            lang,
            "شناسایی: کارت ملی را در دستگاه بگذارید، یا ده رقم کد ملی را با کلیدهای عددی وارد کنید.",
            "Identification: insert your national ID card, or type the ten digits of your national code.",
        ),
        Screen::Kind => pick(
            lang,
            "نوع درخواست را انتخاب کنید: درخواست، شکایت، پیشنهاد و دیگر گزینه‌ها.",
            "Choose the kind of your case: request, complaint, suggestion and others.",
        ),
        Screen::Subject => pick(
            lang,
            "موضوع درخواست را از فهرست انتخاب کنید.",
            "Choose the subject of your case from the list.",
        ),
        Screen::Guidance => pick(
            lang,
            "این موضوع در این اداره رسیدگی نمی‌شود؛ این صفحه مرجع درست را می‌گوید و برگه‌ی راهنما چاپ می‌کند.",
            "This office does not handle this subject; this screen says where to go and prints a guidance slip.",
        ),
        Screen::Official => pick(
            lang,
            "شکایت از مسئولان: اگر شکایت شما از رفتار یا تصمیم یکی از مسئولان است، سطح او را انتخاب کنید تا به مرجعی که ماده‌ی ۱۰-۳ آیین‌نامه می‌گوید فرستاده شود؛ وگرنه «خیر» را انتخاب کنید.",
            "A complaint about an official: if it is about what an official did or decided, choose their level so that it goes to the authority article 10-3 names; otherwise choose No.",
        ),
        Screen::Description => pick(
            lang,
            "شرح درخواست: جمله‌های آماده را با کلید پایین بشنوید و با کلید ورود اضافه کنید. کلیدهای عددی حرف می‌نویسند: دو الف تا ث و آ، سه جیم تا خِ، چهار دال تا ژِ، پنج سین تا ضاد، شش طا تا غین، هفت فِ تا گاف، هشت لام تا نون، نه واو تا یِ؛ صفر فاصله و نیم‌فاصله، یک نقطه و ویرگول و علامت‌ها. آخرین گزینه‌ی هر کلید رقم خود آن است. یک ثانیه مکث حرف را نگه می‌دارد و کلید پاک کردن آخرین حرف را پاک می‌کند.",
            "Description: hear the ready phrases with Down and add one with Enter. The number keys type letters as on a phone: two is a b c, three d e f, and so on to nine, w x y z; zero is a space, one is punctuation. The last choice of each key is its own digit. A pause of a second keeps a letter; Clear deletes the last one.",
        ),
        Screen::Mobile => pick(
            lang,
            "شماره همراه اختیاری است. اگر پیامک‌های این درخواست را می‌خواهید، شماره را وارد کنید و «پیامک‌های این درخواست به این شماره فرستاده شود» را انتخاب کنید؛ بدون آن پیامکی فرستاده نمی‌شود. یا «بدون شماره همراه» را انتخاب کنید.",
            "A mobile number is optional. For text messages about this case, type it and choose «Send text messages about this case to this number»; without that no text message is sent. Or choose no mobile number.",
        ),
        Screen::Review => pick(
            lang,
            "بازبینی: آنچه وارد کرده‌اید خوانده شد. با «تأیید و ثبت» درخواست ثبت و رسید چاپ می‌شود.",
            "Review: what you entered was read out. Confirm and register records the case and prints the receipt.",
        ),
        Screen::Printing => pick(
            lang,
            "درخواست در حال ثبت و چاپ است؛ لطفاً صبر کنید.",
            "Your case is being registered and printed; please wait.",
        ),
        Screen::Done => pick(
            lang,
            "درخواست ثبت شد. رسید را از شکاف چاپگر بردارید.",
            "Your case is registered. Take the receipt from the printer slot.",
        ),
        Screen::PrinterOut => pick(
            lang,
            "درخواست ثبت شد ولی رسید چاپ نشد؛ کد رهگیری را یادداشت کنید.",
            "Your case is registered but the receipt did not print; note the tracking code.",
        ),
        Screen::FollowUpEntry => pick(
            lang,
            "پیگیری: شانزده رقم کد رهگیری را وارد کنید یا کد رسید را جلوی اسکنر بگیرید.",
            "Follow-up: type the sixteen digits of the tracking code or hold the receipt's code to the scanner.",
        ),
        Screen::FollowUp => pick(
            lang,
            "وضعیت درخواست: رویدادهای پرونده به ترتیب خوانده شد.",
            "Case status: the events of the case were read in order.",
        ),
        Screen::CallStaff => pick(
            lang,
            "درخواست کمک: منتظر همکاران بمانید. کلید لغو شما را به صفحه‌ی قبل برمی‌گرداند.",
            "Calling staff: wait for a staff member. Cancel takes you back to where you were.",
        ),
        Screen::Error => pick(
            lang,
            "مشکلی پیش آمد که از اینجا حل نمی‌شود.",
            "Something went wrong that cannot be fixed here.",
        ),
    };
    let digits = matches!(
        screen,
        Screen::Identify | Screen::Mobile | Screen::FollowUpEntry
    );
    let mut keys = vec![pick(
        lang,
        "کلیدهای بالا و پایین بین گزینه‌ها حرکت می‌کنند و کلید ورود گزینه را انتخاب می‌کند.",
        "Up and Down move between the choices; Enter chooses.",
    )];
    if digits {
        keys.push(pick(
            lang,
            "کلیدهای عددی رقم می‌نویسند؛ پنج برآمدگی دارد. کلید پاک کردن یک رقم را پاک می‌کند و نگه‌داشتن آن همه را.",
            "The number keys type digits; five has a raised dot. Clear deletes one digit; holding it deletes them all.",
        ));
    }
    keys.push(match screen {
        Screen::Attract => pick(
            lang,
            "کلید لغو در این صفحه کاری نمی‌کند.",
            "Cancel does nothing on this screen.",
        ),
        Screen::Identify | Screen::FollowUpEntry => pick(
            lang,
            "کلید لغو جلسه را تمام می‌کند.",
            "Cancel ends the session.",
        ),
        _ => pick(
            lang,
            "کلید لغو یک مرحله به عقب برمی‌گردد.",
            "Cancel goes back one step.",
        ),
    });
    keys.push(pick(
        lang,
        "کلیدهای صدا و سرعت بلندی و سرعت گفتار را تغییر می‌دهند. کلید درخواست کمک یکی از همکاران را خبر می‌کند. نگه‌داشتن کلید راهنما آخرین پیام را تکرار می‌کند.",
        "The volume and speed keys change how loud and how fast the speech is. Call staff calls a staff member. Holding Help repeats the last message.",
    ));
    if can_extend_warning {
        keys.insert(
            0,
            pick(
                lang,
                "جلسه به زودی بسته می‌شود؛ برای زمان بیشتر هر کلیدی را بزنید.",
                "The session ends soon; press any key for more time.",
            ),
        );
    }
    let mut lines = vec![about];
    lines.extend(keys);
    lines
}

/// A personal number said through the loudspeaker: only its last four digits, digit by digit.
pub fn last_four(digits: &str, lang: Lang) -> String {
    let tail: String = digits
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let spoken = digits_in_groups(&tail, &[4], lang);
    match lang {
        Lang::Fa => format!("با رقم‌های پایانی {spoken} (با هدفون همه‌ی رقم‌ها خوانده می‌شود)"),
        Lang::En => format!("ending in {spoken} (with headphones every digit is read)"),
    }
}

/// A digit typed into a personal number, said through the loudspeaker: how many are in, not
/// which.
pub fn digit_count(lang: Lang, count: usize) -> String {
    match lang {
        Lang::Fa => format!("{} رقم", to_persian_digits(&count.to_string())),
        Lang::En => format!("{count} digits"),
    }
}
