//! Between the journey and the screen: [`view_model`] turns the [`Flow`]'s state into the plain
//! [`ViewModel`] the `kiosk-ui` crate draws, and [`event_for`] turns what the visitor did on the
//! screen back into a flow [`Event`]. The UI holds no journey logic: every button is one of
//! `flow.actions()` (plus the two actions the flow accepts anywhere), its id is
//! [`action_id`], and the focus ring is `flow.focused()`.
//!
//! Buttons keep the flow's action order, which is also the keypad's focus order, so the focus
//! ring always moves in reading order. Persian texts get Persian digits here.

use kiosk_core::digits::group_by_four;
use kiosk_core::{CaseKind, IdentityKind, JalaliDate};
use kiosk_ui::{
    Button, Key, Keyboard, Overlay, Page, Palette, Prefs, Role, Row, TimelineRow, UiInput,
    ViewModel,
};

use crate::flow::{Action, ColorTheme, Event, Flow, IdMode, Lang, Screen, TextSize, prompts};

pub mod desk;
pub mod desk_calls;
pub mod rating;

/// Actions the flow accepts on any screen, whether or not the screen lists them.
const GLOBAL_ACTIONS: [Action; 2] = [Action::CallStaff, Action::OpenAccessibility];

/// The stable id of an action's button (what a tap hands back).
pub fn action_id(action: &Action) -> String {
    match action {
        Action::Start => "start".into(),
        Action::TrackCase => "track".into(),
        Action::RateService => "rate".into(),
        Action::OpenAccessibility => "accessibility".into(),
        Action::CloseAccessibility => "accessibility-close".into(),
        Action::SetLang(Lang::Fa) => "lang-fa".into(),
        Action::SetLang(Lang::En) => "lang-en".into(),
        Action::ToggleLowReach => "low-reach".into(),
        Action::ToggleSpeech => "speech".into(),
        Action::ChooseKind(kind) => format!("kind:{}", kind.as_str()),
        Action::ChooseSubject(id) => format!("subject:{id}"),
        Action::ChooseOfficial(None) => "official:none".into(),
        Action::ChooseOfficial(Some(tier)) => format!("official:{}", tier.as_str()),
        Action::Phrase(i) => format!("phrase:{i}"),
        Action::Continue => "continue".into(),
        Action::SkipMobile => "skip-mobile".into(),
        Action::ToggleNoticeConsent => "notice-consent".into(),
        Action::Confirm => "confirm".into(),
        Action::PrintGuidance => "print-guidance".into(),
        Action::Back => "back".into(),
        Action::Cancel => "cancel".into(),
        Action::CallStaff => "call-staff".into(),
        Action::Extend => "extend".into(),
        Action::Finish => "finish".into(),
        Action::HearCodeAgain => "hear-code-again".into(),
        Action::SetTheme(theme) => format!("theme:{}", palette(*theme).name()),
        Action::SetTextSize(size) => format!("text-size:{}", text_step(*size)),
        Action::ToggleAudioOnly => "audio-only".into(),
        Action::LearnKeys => "learn-keys".into(),
        Action::TypeDigit(d) => format!("digit:{d}"),
        Action::EraseDigit => "erase-digit".into(),
        Action::NoNationalCode => "no-national-code".into(),
        Action::UseIdentity(kind) => format!("identity:{}", kind.as_str()),
    }
}

/// The UI's palette for a colour theme.
pub fn palette(theme: ColorTheme) -> Palette {
    match theme {
        ColorTheme::Standard => Palette::Standard,
        ColorTheme::HighContrastLight => Palette::HighContrastLight,
        ColorTheme::HighContrastDark => Palette::HighContrastDark,
        ColorTheme::LowGlare => Palette::LowGlare,
    }
}

/// The UI's text step for a text size.
pub fn text_step(size: TextSize) -> u8 {
    match size {
        TextSize::Normal => 0,
        TextSize::Large => 1,
        TextSize::ExtraLarge => 2,
        TextSize::Huge => 3,
    }
}

/// The flow event for a screen input; `None` when the id names no action available now (a
/// stale tap), which the caller simply drops.
///
/// In speech mode a tap on a button explores it ([`Event::Explore`]: the first touch says it,
/// a second touch on it does it); without speech it acts at once. In audio-only mode the screen
/// is blank, so a touch on it means nothing.
pub fn event_for(flow: &Flow, input: &UiInput) -> Option<Event> {
    let prefs = flow.session().prefs;
    if prefs.audio_only && matches!(input, UiInput::Action(_) | UiInput::Key(_)) {
        return None;
    }
    match input {
        UiInput::Action(id) => flow
            .actions()
            .into_iter()
            .chain(GLOBAL_ACTIONS)
            .find(|a| action_id(a) == *id)
            .map(|a| match prefs.speech {
                true => Event::Explore(a),
                false => Event::Do(a),
            }),
        UiInput::Key(Key::Digit(d)) => Some(Event::Digit(*d)),
        UiInput::Key(Key::Char(c)) => Some(Event::Char(*c)),
        UiInput::Key(Key::Backspace) => Some(Event::Backspace),
        UiInput::FocusNext => Some(Event::FocusNext),
        UiInput::FocusPrev => Some(Event::FocusPrev),
        UiInput::Activate => Some(Event::Activate),
    }
}

/// The page that shows a screen of the visitor journey.
pub fn page(screen: Screen) -> Page {
    match screen {
        Screen::Attract => Page::Attract,
        Screen::Accessibility => Page::Accessibility,
        Screen::Identify => Page::Identify,
        Screen::Kind => Page::Kind,
        Screen::Subject => Page::Subject,
        Screen::Guidance => Page::Guidance,
        Screen::Official => Page::Official,
        Screen::Description => Page::Description,
        Screen::Mobile => Page::Mobile,
        Screen::Review => Page::Review,
        Screen::Printing => Page::Printing,
        Screen::Done => Page::Done,
        Screen::PrinterOut => Page::PrinterOut,
        Screen::FollowUpEntry => Page::FollowUpEntry,
        Screen::FollowUp => Page::FollowUp,
        Screen::CallStaff => Page::CallStaff,
        Screen::Error => Page::Error,
    }
}

/// Words of the screens that are not journey prompts: field hints and labels.
struct Words {
    lang: Lang,
}

impl Words {
    fn pick(&self, fa: &str, en: &str) -> String {
        match self.lang {
            Lang::Fa => fa.to_owned(),
            Lang::En => en.to_owned(),
        }
    }

    /// Digits as the language writes them.
    fn digits(&self, ascii: &str) -> String {
        prompts::digits_for(self.lang, ascii)
    }

    fn on_off(&self, on: bool) -> String {
        match on {
            true => self.pick("روشن", "on"),
            false => self.pick("خاموش", "off"),
        }
    }
}

/// Where a button goes on the page: the choices of the page body, or the bottom bar.
fn in_body(screen: Screen, action: &Action) -> bool {
    match action {
        Action::ChooseKind(_)
        | Action::ChooseSubject(_)
        | Action::ChooseOfficial(_)
        | Action::UseIdentity(_)
        | Action::Phrase(_) => true,
        // The consent checkbox stands by the mobile number's keypad.
        Action::ToggleNoticeConsent => screen == Screen::Mobile,
        Action::SetLang(_)
        | Action::SetTheme(_)
        | Action::SetTextSize(_)
        | Action::ToggleLowReach
        | Action::ToggleSpeech
        | Action::ToggleAudioOnly
        | Action::LearnKeys => screen == Screen::Accessibility,
        _ => false,
    }
}

fn role(action: &Action) -> Role {
    match action {
        Action::Start
        | Action::Continue
        | Action::Confirm
        | Action::PrintGuidance
        | Action::Finish
        | Action::Extend => Role::Primary,
        Action::SetLang(_)
        | Action::SetTheme(_)
        | Action::SetTextSize(_)
        | Action::ToggleLowReach
        | Action::ToggleSpeech
        | Action::ToggleAudioOnly
        | Action::LearnKeys => Role::Toggle,
        Action::ToggleNoticeConsent => Role::Check,
        Action::Back
        | Action::Cancel
        | Action::CallStaff
        | Action::CloseAccessibility
        | Action::OpenAccessibility
        | Action::SkipMobile
        | Action::HearCodeAgain => Role::Nav,
        _ => Role::Choice,
    }
}

/// The screen as the UI draws it. `portal_url` is the follow-up portal the receipt's QR points
/// to; the on-screen QR carries the same payload.
pub fn view_model(flow: &Flow, portal_url: &str) -> ViewModel {
    let session = flow.session();
    let prefs = session.prefs;
    let lang = prefs.lang;
    let words = Words { lang };
    let screen = flow.screen();
    let catalogue = flow.catalogue();
    let mut vm = ViewModel {
        page: page(screen),
        title: flow.title(),
        error: session.error.clone().unwrap_or_default(),
        prefs: Prefs {
            rtl: lang == Lang::Fa,
            palette: palette(prefs.theme),
            text_step: text_step(prefs.text_size),
            low_reach: prefs.low_reach,
            blank: prefs.audio_only,
        },
        ..ViewModel::default()
    };

    let focused = flow.focused();
    let mut overlay_buttons = Vec::new();
    for (i, action) in flow.actions().iter().enumerate() {
        let mut button = Button {
            id: action_id(action),
            label: prompts::action_label(action, lang, catalogue),
            role: role(action),
            focused: i == session.focus && focused.as_ref() == Some(action),
            ..Button::default()
        };
        match action {
            Action::SetLang(l) => button.checked = *l == lang,
            Action::SetTheme(theme) => button.checked = *theme == prefs.theme,
            Action::SetTextSize(size) => button.checked = *size == prefs.text_size,
            Action::ToggleLowReach => {
                button.checked = prefs.low_reach;
                button.detail = words.on_off(prefs.low_reach);
            }
            Action::ToggleSpeech => {
                button.checked = prefs.speech;
                button.detail = words.on_off(prefs.speech);
            }
            Action::ToggleAudioOnly => {
                button.checked = prefs.audio_only;
                button.detail = words.on_off(prefs.audio_only);
            }
            Action::LearnKeys => {
                button.checked = session.learning;
                button.detail = words.on_off(session.learning);
            }
            Action::ToggleNoticeConsent => {
                button.checked = session.notice_consent;
                button.detail = match session.notice_consent {
                    true => words.pick("انتخاب شده", "selected"),
                    false => words.pick("انتخاب نشده", "not selected"),
                };
            }
            _ => {}
        }
        // A switch user's digits and erase are the on-screen keypad's own keys: the focus
        // ring is drawn on the key (firmware/journey/src/machine/switch_digits.rs).
        let key = match action {
            Action::TypeDigit(d) => Some(Key::Digit(*d)),
            Action::EraseDigit => Some(Key::Backspace),
            _ => None,
        };
        if let Some(key) = key {
            if button.focused {
                vm.focused_key = Some(key);
            }
        } else if *action == Action::Extend {
            overlay_buttons.push(button);
        } else if in_body(screen, action) {
            vm.choices.push(button);
        } else {
            vm.bar.push(button);
        }
    }
    if session.idle_warning {
        let can_extend = !overlay_buttons.is_empty();
        vm.overlay = Some(Overlay {
            message: prompts::idle_warning(lang, can_extend),
            buttons: overlay_buttons,
        });
    }

    let text_keyboard = match lang {
        Lang::Fa => Keyboard::Persian,
        Lang::En => Keyboard::Latin,
    };
    match screen {
        Screen::Attract => {
            vm.message = words.pick(
                "ثبت و پیگیری درخواست، شکایت و پیشنهاد",
                "Requests, complaints and suggestions",
            );
        }
        Screen::Identify => identify_view(session, &words, &mut vm),
        Screen::Mobile => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = words.digits(&session.entry);
            vm.hint = words.digits(&words.pick("مانند 09121234567", "e.g. 09121234567"));
        }
        Screen::FollowUpEntry => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = words.digits(&group_by_four(&session.entry, " "));
            vm.hint = words.pick("کد رهگیری ۱۶ رقمی", "16-digit tracking code");
        }
        Screen::Subject => {
            vm.keyboard = text_keyboard;
            vm.entry = session.entry.clone();
            vm.hint = words.pick("جستجوی موضوع…", "Search subjects…");
        }
        Screen::Description => {
            vm.keyboard = text_keyboard;
            vm.entry = session.description.clone();
            vm.hint = words.pick("شرح درخواست…", "Your description…");
        }
        Screen::Guidance => {
            let subject = session
                .subject_id
                .as_deref()
                .and_then(|id| catalogue.get(id));
            if let Some(subject) = subject {
                let guidance = match lang {
                    Lang::Fa => subject.guidance_fa.clone(),
                    Lang::En => subject.guidance_en.clone(),
                };
                vm.message = guidance.unwrap_or_default();
                vm.rows.push(Row {
                    label: words.pick("موضوع", "Subject"),
                    value: words.pick(&subject.label_fa, &subject.label_en),
                });
            }
        }
        Screen::Review => review_rows(flow, &words, &mut vm),
        Screen::Done | Screen::PrinterOut => {
            if let Some(view) = &session.registered {
                vm.code_label = words.pick("کد رهگیری", "Tracking code");
                vm.code = match lang {
                    Lang::Fa => view.tracking_code.grouped_fa(),
                    Lang::En => view.tracking_code.grouped(),
                };
                vm.qr_payload =
                    kiosk_receipt::content::tracking_url(portal_url, &view.tracking_code);
                if let Some(due) = &view.due {
                    vm.rows.push(Row {
                        label: words.pick("پاسخ تا", "Answer by"),
                        value: match lang {
                            Lang::Fa => due.jalali.format_fa(),
                            Lang::En => due.jalali.format_en(),
                        },
                    });
                }
                if let Some(visit) = &view.next_visit {
                    vm.rows.push(Row {
                        label: words.pick(visit.label_fa(), "Next visit"),
                        value: match lang {
                            Lang::Fa => visit.value_fa(),
                            Lang::En => visit.spoken_en(),
                        },
                    });
                }
            }
        }
        Screen::FollowUp => {
            if let Some(view) = &session.follow_up {
                vm.code_label = words.pick("کد رهگیری", "Tracking code");
                vm.code = match lang {
                    Lang::Fa => view.tracking_code.grouped_fa(),
                    Lang::En => view.tracking_code.grouped(),
                };
                vm.timeline = view
                    .timeline
                    .iter()
                    .map(|e| {
                        let date = JalaliDate::at(e.at);
                        let time =
                            e.at.with_timezone(&kiosk_core::jalali::tehran())
                                .format("%H:%M")
                                .to_string();
                        let when = match lang {
                            Lang::Fa => format!("{}، {}", date.format_fa(), words.digits(&time)),
                            Lang::En => format!("{}, {time}", date.format_en()),
                        };
                        TimelineRow {
                            when,
                            what: e.what.clone(),
                            unit: e.unit.clone(),
                        }
                    })
                    .collect();
            }
        }
        Screen::Printing | Screen::CallStaff => {}
        Screen::Error => vm.message = session.error.clone().unwrap_or_default(),
        Screen::Accessibility | Screen::Kind => {}
        Screen::Official => {
            vm.message = words.pick(
                "اگر شکایت شما از رفتار یا تصمیم یکی از مسئولان است، سطح او را انتخاب کنید تا به مرجع رسیدگی (ماده ۱۰-۳) برسد.",
                "If your complaint is about what an official did or decided, choose their level: it goes to the authority article 10-3 names.",
            );
        }
    }
    if screen == Screen::Error {
        // The error is the page's message; the header keeps the prompt only.
        vm.error.clear();
    }
    vm
}

/// The identify screen by what it asks for (docs/identity.md): the digit pad for the national
/// code and the foreign identifier, a choice of identifiers, the Latin keyboard for a passport.
fn identify_view(session: &kiosk_journey::Session, words: &Words, vm: &mut ViewModel) {
    match session.id_mode {
        IdMode::NationalCode => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = words.digits(&session.entry);
            vm.hint = words.pick("کد ملی ده رقمی", "10-digit national code");
        }
        IdMode::ForeignId => {
            vm.keyboard = Keyboard::Digits;
            vm.entry = words.digits(&group_by_four(&session.entry, " "));
            vm.hint = words.pick("شناسه دوازده رقمی", "12-digit identifier");
        }
        IdMode::ChooseOther => vm.page = Page::IdentifyChoice,
        IdMode::PassportNumber | IdMode::PassportCountry => {
            vm.page = Page::IdentifyText;
            vm.keyboard = Keyboard::Latin;
            // Passports print ASCII digits and Latin capitals: shown as printed.
            vm.entry = session.entry.clone();
            vm.hint = match (session.id_mode, &session.passport_number) {
                (IdMode::PassportNumber, _) => words.pick("مانند P01234567", "e.g. P01234567"),
                (_, Some(number)) => words.pick(
                    &format!("کد سه‌حرفی کشور، مانند AFG — گذرنامه {}", number.masked()),
                    &format!(
                        "3-letter country code, e.g. AFG — passport {}",
                        number.masked()
                    ),
                ),
                (_, None) => words.pick(
                    "کد سه‌حرفی کشور، مانند AFG",
                    "3-letter country code, e.g. AFG",
                ),
            };
        }
    }
}

fn review_rows(flow: &Flow, words: &Words, vm: &mut ViewModel) {
    let session = flow.session();
    let lang = words.lang;
    if let Some(visitor) = session.visitor() {
        let (fa, en) = match visitor.kind() {
            IdentityKind::NationalCode => ("کد ملی", "National code"),
            IdentityKind::ForeignId => ("شناسه اتباع خارجی", "Foreign nationals' identifier"),
            IdentityKind::Passport => ("شماره گذرنامه", "Passport number"),
        };
        vm.rows.push(Row {
            label: words.pick(fa, en),
            value: words.digits(&visitor.masked()),
        });
    }
    if let Some(kind) = session.kind {
        vm.rows.push(Row {
            label: words.pick("نوع", "Kind"),
            value: prompts::kind_label(kind, lang),
        });
    }
    if let Some(subject) = session
        .subject_id
        .as_deref()
        .and_then(|id| flow.catalogue().get(id))
    {
        vm.rows.push(Row {
            label: words.pick("موضوع", "Subject"),
            value: words.pick(&subject.label_fa, &subject.label_en),
        });
    }
    if let Some(Some(tier)) = session.official {
        let authority = tier.escalation().authority;
        vm.rows.push(Row {
            label: words.pick("رسیدگی به شکایت از مسئولان", "About an official, handled by"),
            value: words.pick(authority.label_fa(), authority.label_en()),
        });
    }
    let consultation = session.kind == Some(CaseKind::Consultation);
    if !session.description.is_empty() || !consultation {
        vm.rows.push(Row {
            label: words.pick("شرح", "Description"),
            value: session.description.clone(),
        });
    }
    // With the number, whether text messages will be sent to it (only with the visitor's
    // consent): on the same row, so the review still fits at the largest text size.
    vm.rows.push(Row {
        label: words.pick("شماره همراه", "Mobile"),
        value: match &session.mobile {
            Some(m) if session.notice_consent => words.pick(
                &format!("{}، با پیامک", words.digits(m.as_str())),
                &format!("{}, with text messages", m.as_str()),
            ),
            Some(m) => words.pick(
                &format!("{}، بدون پیامک", words.digits(m.as_str())),
                &format!("{}, no text messages", m.as_str()),
            ),
            None => words.pick("ندارد", "none"),
        },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{FlowSettings, SwitchPress};
    use kiosk_core::NationalCodePolicy;

    fn flow() -> Flow {
        let config = crate::demo::demo_config(std::path::Path::new("/nonexistent"));
        let catalogue = config.map(|c| c.catalogue).unwrap_or_default();
        Flow::new(FlowSettings {
            national_code_policy: NationalCodePolicy::default(),
            catalogue,
            max_extensions: 10,
        })
    }

    #[test]
    fn every_button_maps_back_to_its_own_action() {
        let mut flow = flow();
        for event in [
            Event::Do(Action::Start),
            Event::IdentityRead("0499370899".into()),
            Event::Do(Action::ChooseKind(CaseKind::Complaint)),
        ] {
            let vm = view_model(&flow, "https://example.ir");
            assert_eq!(vm.bar.len() + vm.choices.len(), flow.actions().len());
            for button in vm.bar.iter().chain(&vm.choices) {
                let back = event_for(&flow, &UiInput::Action(button.id.clone()));
                assert!(
                    matches!(back, Some(Event::Do(ref a)) if action_id(a) == button.id),
                    "{} does not map back",
                    button.id
                );
            }
            flow.step(event);
        }
        assert_eq!(flow.screen(), Screen::Subject);
        assert!(event_for(&flow, &UiInput::Action("start".into())).is_none());
        assert!(matches!(
            event_for(&flow, &UiInput::Action("call-staff".into())),
            Some(Event::Do(Action::CallStaff))
        ));
    }

    #[test]
    fn persian_digits_and_direction_follow_the_language() {
        let mut flow = flow();
        flow.step(Event::Do(Action::Start));
        for d in [0, 4, 9] {
            flow.step(Event::Digit(d));
        }
        let vm = view_model(&flow, "https://example.ir");
        assert_eq!(vm.entry, "۰۴۹");
        assert!(vm.prefs.rtl);
        assert_eq!(vm.keyboard, Keyboard::Digits);
        flow.step(Event::Do(Action::OpenAccessibility));
        flow.step(Event::Do(Action::SetLang(Lang::En)));
        flow.step(Event::Do(Action::CloseAccessibility));
        let vm = view_model(&flow, "https://example.ir");
        assert_eq!(vm.page, Page::Identify);
        assert!(!vm.prefs.rtl);
        assert_eq!(vm.entry, "049", "typed digits survive the detour");
    }

    #[test]
    fn in_speech_mode_a_tap_explores_and_audio_only_blanks_the_page_and_drops_taps() {
        let mut flow = flow();
        let tap = |id: &str| UiInput::Action(id.into());
        assert!(matches!(
            event_for(&flow, &tap("start")),
            Some(Event::Do(Action::Start))
        ));
        flow.step(Event::HeadphonesIn);
        // Speech: the first touch says the button, the second does it.
        let first = event_for(&flow, &tap("track")).expect("offered");
        assert!(matches!(first, Event::Explore(Action::TrackCase)));
        flow.step(first);
        assert_eq!(flow.screen(), Screen::Attract);
        let vm = view_model(&flow, "https://example.ir");
        let focused: Vec<&str> = vm
            .bar
            .iter()
            .chain(&vm.choices)
            .filter(|b| b.focused)
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(
            focused,
            ["track"],
            "the touched button takes the focus ring"
        );
        let second = event_for(&flow, &tap("track")).expect("offered");
        flow.step(second);
        assert_eq!(flow.screen(), Screen::FollowUpEntry);
        // Audio-only: the page is blank and a touch on it means nothing; keys still work.
        flow.step(Event::ToggleAudioOnly);
        let vm = view_model(&flow, "https://example.ir");
        assert!(vm.prefs.blank);
        assert!(event_for(&flow, &tap("continue")).is_none());
        assert!(event_for(&flow, &UiInput::Key(Key::Digit(1))).is_none());
        assert!(matches!(
            event_for(&flow, &UiInput::Activate),
            Some(Event::Activate)
        ));
        flow.step(Event::Do(Action::OpenAccessibility));
        let vm = view_model(&flow, "https://example.ir");
        let audio = vm
            .choices
            .iter()
            .find(|b| b.id == "audio-only")
            .expect("on the settings");
        assert!(audio.checked);
        assert!(vm.choices.iter().any(|b| b.id == "learn-keys"));
    }

    #[test]
    fn focus_ring_and_idle_overlay_come_from_the_flow() {
        let mut flow = flow();
        flow.step(Event::Do(Action::Start));
        flow.step(Event::FocusNext);
        let vm = view_model(&flow, "https://example.ir");
        let focused: Vec<&str> = vm
            .bar
            .iter()
            .filter(|b| b.focused)
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(focused, ["back"]);
        flow.step(Event::IdleWarning);
        let vm = view_model(&flow, "https://example.ir");
        let overlay = vm.overlay.expect("warning shows");
        assert_eq!(overlay.buttons.len(), 1);
        assert_eq!(overlay.buttons[0].id, "extend");
        assert!(overlay.buttons[0].focused);
    }

    #[test]
    fn the_consent_checkbox_stands_by_the_mobile_keypad_and_the_review_says_it() {
        let mut f = flow();
        f.step(Event::Do(Action::Start));
        f.step(Event::IdentityRead("0499370899".into()));
        f.step(Event::Do(Action::ChooseKind(CaseKind::Request)));
        f.step(Event::Do(Action::ChooseSubject("deed-delay".into())));
        f.step(Event::Do(Action::Phrase(0)));
        f.step(Event::Do(Action::Continue));
        assert_eq!(f.screen(), Screen::Mobile);
        let check = |f: &Flow| {
            let vm = view_model(f, "https://example.invalid");
            assert_eq!(vm.page, Page::Mobile);
            assert!(!vm.bar.iter().any(|b| b.id == "notice-consent"));
            vm.choices
                .into_iter()
                .find(|b| b.id == "notice-consent")
                .expect("the checkbox is the page's option")
        };
        let unticked = check(&f);
        assert_eq!(unticked.role, Role::Check);
        assert!(!unticked.checked, "never pre-ticked");
        assert_eq!(unticked.detail, "انتخاب نشده");
        assert_eq!(
            unticked.label,
            "پیامک‌های این درخواست به این شماره فرستاده شود"
        );
        let tap = event_for(&f, &UiInput::Action("notice-consent".into())).expect("offered");
        f.step(tap);
        assert!(check(&f).checked);
        for d in [0, 9, 1, 2, 1, 2, 3, 4, 5, 6, 7] {
            f.step(Event::Digit(d));
        }
        f.step(Event::Do(Action::Continue));
        let vm = view_model(&f, "https://example.invalid");
        let row = vm
            .rows
            .iter()
            .find(|r| r.label == "شماره همراه")
            .expect("the review's mobile row");
        assert_eq!(row.value, "۰۹۱۲۱۲۳۴۵۶۷، با پیامک");
        // Unticked on the way back, the review says no text messages.
        f.step(Event::Do(Action::Back));
        f.step(Event::Do(Action::ToggleNoticeConsent));
        for d in [0, 9, 1, 2, 1, 2, 3, 4, 5, 6, 7] {
            f.step(Event::Digit(d));
        }
        f.step(Event::Do(Action::Continue));
        let vm = view_model(&f, "https://example.invalid");
        assert!(
            vm.rows.iter().any(|r| r.value == "۰۹۱۲۱۲۳۴۵۶۷، بدون پیامک"),
            "{:?}",
            vm.rows
        );
    }

    #[test]
    fn a_switch_users_digit_ring_is_drawn_on_the_keypads_keys() {
        let mut f = flow();
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Identify);
        let vm = view_model(&f, "https://example.invalid");
        assert_eq!(vm.keyboard, Keyboard::Digits);
        assert_eq!(
            vm.focused_key,
            Some(Key::Digit(0)),
            "the ring starts on the 0 key"
        );
        assert!(
            !vm.bar
                .iter()
                .any(|b| b.id.starts_with("digit:") || b.id == "erase-digit"),
            "the digits are the keypad's keys, not more buttons: {:?}",
            vm.bar
        );
        assert!(!vm.bar.iter().any(|b| b.focused));
        for _ in 0..10 {
            f.step(Event::Switch(SwitchPress::Move));
        }
        let vm = view_model(&f, "https://example.invalid");
        assert_eq!(vm.focused_key, Some(Key::Backspace), "erase is the ⌫ key");
        f.step(Event::Switch(SwitchPress::Move));
        let vm = view_model(&f, "https://example.invalid");
        assert_eq!(vm.focused_key, None);
        let focused: Vec<&str> = vm
            .bar
            .iter()
            .filter(|b| b.focused)
            .map(|b| b.id.as_str())
            .collect();
        assert_eq!(focused, ["continue"], "done is the bar's continue button");
        // A keypad or touch visitor's identify screen draws no key focus.
        let mut g = flow();
        g.step(Event::Do(Action::Start));
        assert_eq!(view_model(&g, "").focused_key, None);
    }
}
