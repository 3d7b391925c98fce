//! Digits by switch: how a visitor with two switches (A moves the focus, B selects) or one
//! switch with automatic scanning enters the national code, the mobile number and the tracking
//! code, as accessible ballot-marking kiosks let a switch user write in a name.
//!
//! Once a switch press has reached the flow ([`Event::Switch`], sent by the device:
//! firmware/app/src/device/switch.rs) the session knows its visitor uses switches
//! ([`Session::switch_input`](crate::Session::switch_input), wiped with the session). From then
//! on, on a screen with a digit field (identify, mobile, tracking code), the focus ring steps
//! through the digits 0–9, then "erase the last digit", then the screen's own actions with
//! "continue" (done) first:
//!
//! - two switches: A moves to the next target, B types the focused digit (or erases, or goes
//!   on); one switch: the device moves the focus at the configured dwell and the switch selects;
//! - every target is said as the focus reaches it in speech mode (Persian digits in a Persian
//!   session), and a digit typed is echoed as a digit typed on the keypad is (only the count of
//!   digits of a personal number through the loudspeaker);
//! - after a digit the focus goes back to 0, so the scan always starts at the same place; once
//!   the field is full it goes to "continue", and after a mistake (a national code that fails
//!   its check) to "erase", each said; after an erase it stays on "erase";
//! - the targets are the on-screen keypad's own keys (the UI draws the focus ring on the key:
//!   firmware/app/src/ui_bridge.rs), so what a switch user hears is what a touch user sees.
//!
//! A visitor without switches keeps the screen's ring of actions (the tactile keypad has its
//! own digit keys).

use super::Flow;
use crate::action::Action;
use crate::effect::Effect;
use crate::event::{Event, SwitchPress};
use crate::prompts;
use crate::session::{Lang, Screen};

/// The targets a switch user's focus ring steps through before the screen's own actions.
pub(super) fn ring() -> impl Iterator<Item = Action> {
    (0..=9).map(Action::TypeDigit).chain([Action::EraseDigit])
}

/// Whether `screen` has a digit field that switches type into.
pub(super) fn digit_screen(screen: Screen) -> bool {
    matches!(
        screen,
        Screen::Identify | Screen::Mobile | Screen::FollowUpEntry
    )
}

/// How a switch user fills the field of `screen`, said after its title.
fn how(screen: Screen, lang: Lang) -> String {
    let (fa_field, en_field) = match screen {
        Screen::Mobile => (
            "یازده رقم شماره همراه",
            "the eleven digits of your mobile number",
        ),
        Screen::FollowUpEntry => (
            "شانزده رقم کد رهگیری",
            "the sixteen digits of the tracking code",
        ),
        _ => ("ده رقم کد ملی", "the ten digits of your national code"),
    };
    match lang {
        Lang::Fa => format!(
            "{fa_field} را رقم به رقم وارد کنید: گزینه‌ها از صفر تا نه، سپس «پاک کردن رقم آخر» و «ادامه» یکی‌یکی انتخاب می‌شوند؛ وقتی رقم دلخواه انتخاب شد، کلید انتخاب را بزنید. پس از هر رقم، دوباره از صفر شروع می‌شود."
        ),
        Lang::En => format!(
            "Enter {en_field} one by one: the choices go from zero to nine, then «Erase the last digit» and «Continue»; select the one you want when it is focused. After each digit the choices start again at zero."
        ),
    }
}

/// A complete and valid national code, for a switch user (the focus is then on «continue»).
pub(super) fn code_complete(lang: Lang) -> String {
    match lang {
        Lang::Fa => "کد ملی کامل است.".to_owned(),
        Lang::En => "The national code is complete.".to_owned(),
    }
}

impl Flow {
    /// Whether the focus ring steps through the digits now: a switch user on a digit screen.
    pub(super) fn switch_digits_on(&self) -> bool {
        // A passport's letters and the choice of identifier are not digits
        // (machine/other_id.rs): there the screen's actions are the ring.
        let digits = self.screen != Screen::Identify
            || matches!(
                self.session.id_mode,
                crate::session::IdMode::NationalCode | crate::session::IdMode::ForeignId
            );
        self.session.switch_input && digit_screen(self.screen) && digits
    }

    /// What a switch press does in the journey: the session is a switch user's from now on.
    pub(super) fn switch_press(&mut self, press: SwitchPress) -> Event {
        if !self.session.switch_input {
            self.session.switch_input = true;
            // The ring of a digit screen has just changed under the focus.
            if digit_screen(self.screen) {
                self.session.focus = 0;
            }
        }
        match press {
            SwitchPress::Move => Event::FocusNext,
            // On the attract screen too the focused choice: register (first), follow up, rate.
            SwitchPress::Select => Event::Activate,
        }
    }

    /// How the field is filled, for the screen's content: by the focus ring for a switch user.
    pub(super) fn switch_digits_how(&self) -> Option<String> {
        self.switch_digits_on()
            .then(|| how(self.screen, self.lang()))
    }

    /// The focused digit was selected: it goes into the field, echoed, and the focus moves on.
    pub(super) fn switch_digit(&mut self, digit: u8, fx: &mut Vec<Effect>) {
        let before = self.session.entry.len();
        self.handle(Event::Digit(digit), fx);
        let full = self.session.entry.len() == before;
        if full {
            let text = match self.lang() {
                Lang::Fa => "همه‌ی رقم‌ها وارد شده است.",
                Lang::En => "All the digits are in.",
            };
            self.speak(text.to_owned(), true, fx);
        }
        let target = if self.session.error.is_some() {
            Action::EraseDigit
        } else if full || self.field_full() {
            Action::Continue
        } else {
            Action::TypeDigit(0)
        };
        self.focus_on(&target, target != Action::TypeDigit(0), fx);
    }

    /// "Erase the last digit" was selected: as the Clear key, the focus staying on it.
    pub(super) fn switch_erase(&mut self, fx: &mut Vec<Effect>) {
        self.handle(Event::Backspace, fx);
        self.focus_on(&Action::EraseDigit, false, fx);
    }

    /// Whether the screen's field holds all its digits.
    fn field_full(&self) -> bool {
        let limit = match self.screen {
            Screen::Identify => 10,
            Screen::Mobile => 11,
            Screen::FollowUpEntry => 16,
            _ => return false,
        };
        self.session.entry.len() >= limit
    }

    /// Moves the focus onto `target`; `say`: its label is said after what is being said.
    fn focus_on(&mut self, target: &Action, say: bool, fx: &mut Vec<Effect>) {
        if let Some(at) = self.actions().iter().position(|a| a == target) {
            self.session.focus = at;
            if say {
                let label = prompts::action_label(target, self.lang(), &self.settings.catalogue);
                let text = match self.lang() {
                    Lang::Fa => format!("انتخاب فعلی: {label}."),
                    Lang::En => format!("Selected: {label}."),
                };
                self.speak(text, false, fx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kiosk_core::TrackingCode;

    use crate::{Action, Effect, Event, Flow, Lang, Screen, SwitchPress};

    fn flow() -> Flow {
        crate::test_support::deed_flow()
    }

    fn spoken(fx: &[Effect]) -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Speak { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// Moves with switch A until `target` is focused, then selects it with switch B; every
    /// move says the target reached (speech mode). What the select said.
    fn pick(f: &mut Flow, target: &Action) -> Vec<String> {
        let mut guard = 0;
        while f.focused().as_ref() != Some(target) {
            let fx = f.step(Event::Switch(SwitchPress::Move));
            let label = crate::prompts::action_label(
                &f.focused().expect("a focus"),
                f.session().prefs.lang,
                f.catalogue(),
            );
            assert_eq!(spoken(&fx), [label], "each move says its target");
            guard += 1;
            assert!(guard < 20, "{target:?} is on the ring: {:?}", f.actions());
        }
        spoken(&f.step(Event::Switch(SwitchPress::Select)))
    }

    fn enter(f: &mut Flow, digits: &str) -> Vec<Vec<String>> {
        digits
            .bytes()
            .map(|b| pick(f, &Action::TypeDigit(b - b'0')))
            .collect()
    }

    /// A switch user on the identify screen, speech on (headphones: digits echoed whole).
    fn identifying() -> Flow {
        let mut f = flow();
        f.step(Event::HeadphonesIn);
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Identify, "a select on attract starts");
        assert!(f.session().switch_input);
        f
    }

    #[test]
    fn the_ring_of_a_digit_screen_is_the_digits_then_erase_then_the_screens_actions() {
        let f = identifying();
        let actions = f.actions();
        let digits: Vec<Action> = (0..=9).map(Action::TypeDigit).collect();
        assert_eq!(&actions[..10], &digits[..]);
        assert_eq!(actions[10], Action::EraseDigit);
        assert_eq!(
            actions[11],
            Action::Continue,
            "done comes right after erase"
        );
        assert!(actions.contains(&Action::Back) && actions.contains(&Action::CallStaff));
        assert_eq!(
            f.focused(),
            Some(Action::TypeDigit(0)),
            "the scan starts at 0"
        );
        // The screen says how, and where the focus is.
        let mut g = flow();
        g.step(Event::HeadphonesIn);
        let said = spoken(&g.step(Event::Switch(SwitchPress::Select)));
        assert!(said.iter().any(|s| s.contains("رقم به رقم")), "{said:?}");
        assert!(said.iter().any(|s| s == "انتخاب فعلی: ۰."), "{said:?}");
    }

    #[test]
    fn without_switches_the_digit_screens_keep_their_actions() {
        let mut f = flow();
        f.step(Event::Do(Action::Start));
        assert_eq!(f.focused(), Some(Action::Continue));
        assert!(!f.actions().contains(&Action::TypeDigit(0)));
        assert!(
            f.step(Event::Do(Action::TypeDigit(1))).is_empty(),
            "not offered"
        );
        assert_eq!(f.session().entry, "");
    }

    #[test]
    fn two_switches_enter_a_national_code_digit_by_digit_each_spoken_then_kind() {
        let mut f = identifying();
        let echoes = enter(&mut f, "0499370899");
        assert_eq!(f.session().entry, "0499370899");
        // Each selected digit is echoed in Persian, as a typed digit is.
        for (said, d) in echoes.iter().zip("۰۴۹۹۳۷۰۸۹۹".chars()) {
            assert_eq!(said[0], d.to_string(), "{said:?}");
        }
        // After a digit the focus is back on 0; after the tenth, on continue, and it is said.
        let last = echoes.last().expect("ten");
        assert!(last.iter().any(|s| s == "انتخاب فعلی: ادامه."), "{last:?}");
        assert_eq!(f.focused(), Some(Action::Continue));
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Kind);
        assert_eq!(
            f.session()
                .national_code
                .as_ref()
                .map(kiosk_core::NationalCode::as_string),
            Some("0499370899".to_owned())
        );
        // On a screen without a field the ring is the screen's own.
        assert!(matches!(f.focused(), Some(Action::ChooseKind(_))));
    }

    #[test]
    fn after_a_digit_the_focus_returns_to_zero_and_erase_keeps_it() {
        let mut f = identifying();
        enter(&mut f, "7");
        assert_eq!(f.focused(), Some(Action::TypeDigit(0)));
        let said = pick(&mut f, &Action::EraseDigit);
        assert_eq!(said, ["۷ پاک شد"]);
        assert_eq!(f.session().entry, "");
        assert_eq!(
            f.focused(),
            Some(Action::EraseDigit),
            "erase again is one press"
        );
        assert_eq!(
            spoken(&f.step(Event::Switch(SwitchPress::Select))),
            ["چیزی برای پاک کردن نیست"]
        );
    }

    #[test]
    fn a_national_code_that_fails_its_check_puts_the_focus_on_erase() {
        let mut f = identifying();
        let echoes = enter(&mut f, "0499370898");
        assert!(f.session().error.is_some());
        assert_eq!(f.focused(), Some(Action::EraseDigit));
        let last = echoes.last().expect("ten");
        assert!(
            last.iter().any(|s| s == "انتخاب فعلی: پاک کردن رقم آخر."),
            "{last:?}"
        );
        pick(&mut f, &Action::EraseDigit);
        enter(&mut f, "9");
        assert_eq!(f.session().entry, "0499370899");
        assert!(f.session().error.is_none());
        assert_eq!(f.focused(), Some(Action::Continue));
    }

    #[test]
    fn through_the_loudspeaker_a_personal_digit_is_echoed_as_a_count() {
        let mut f = flow();
        f.step(Event::Do(Action::OpenAccessibility));
        f.step(Event::Do(Action::ToggleSpeech));
        f.step(Event::Do(Action::CloseAccessibility));
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Identify);
        let said = enter(&mut f, "4");
        assert!(!said[0][0].contains('۴'), "{said:?}");
    }

    #[test]
    fn the_mobile_is_entered_by_switch_after_a_whole_registration_by_switch() {
        let mut f = identifying();
        enter(&mut f, "0499370899");
        pick(&mut f, &Action::Continue);
        pick(&mut f, &Action::ChooseKind(kiosk_core::CaseKind::Complaint));
        assert_eq!(f.screen(), Screen::Subject);
        pick(&mut f, &Action::ChooseSubject("deed".into()));
        assert_eq!(f.screen(), Screen::Description);
        pick(&mut f, &Action::Phrase(0));
        pick(&mut f, &Action::Continue);
        assert_eq!(f.screen(), Screen::Mobile);
        assert_eq!(f.focused(), Some(Action::TypeDigit(0)));
        assert!(
            f.actions().contains(&Action::SkipMobile),
            "skipping is on the ring"
        );
        enter(&mut f, "09121234567");
        assert_eq!(f.focused(), Some(Action::Continue));
        // One more digit does not fit: said, and the focus stays on continue.
        let said = spoken(&f.step(Event::Do(Action::TypeDigit(5))));
        assert_eq!(said[0], "همه‌ی رقم‌ها وارد شده است.");
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Review);
        assert_eq!(
            f.session().mobile.as_ref().map(|m| m.as_str().to_owned()),
            Some("09121234567".to_owned())
        );
        // The end of the session forgets the switches.
        f.step(Event::Do(Action::Cancel));
        assert!(!f.session().switch_input);
    }

    #[test]
    fn a_tracking_code_then_the_national_code_are_entered_by_switch() {
        let mut f = flow();
        f.step(Event::HeadphonesIn);
        f.step(Event::Do(Action::TrackCase));
        assert_eq!(f.focused(), Some(Action::Continue), "not a switch user yet");
        f.step(Event::Switch(SwitchPress::Move));
        assert_eq!(f.screen(), Screen::FollowUpEntry);
        assert_eq!(
            f.focused(),
            Some(Action::TypeDigit(1)),
            "the ring starts again"
        );
        let code = TrackingCode::new(kiosk_core::KioskNumber::new(12).expect("kiosk"), 1)
            .expect("code")
            .as_string();
        enter(&mut f, &code);
        assert_eq!(f.focused(), Some(Action::Continue));
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.screen(), Screen::Identify, "whose case it is comes next");
        assert_eq!(f.focused(), Some(Action::TypeDigit(0)));
        enter(&mut f, "0499370899");
        let fx = f.step(Event::Switch(SwitchPress::Select));
        assert!(
            fx.iter().any(|e| matches!(e, Effect::LookUp { .. })),
            "{fx:?}"
        );
        assert_eq!(f.screen(), Screen::FollowUpEntry);
    }

    #[test]
    fn the_inactivity_warning_puts_more_time_first_and_english_digits_are_latin() {
        let mut f = identifying();
        f.step(Event::Do(Action::OpenAccessibility));
        f.step(Event::Do(Action::SetLang(Lang::En)));
        f.step(Event::Do(Action::CloseAccessibility));
        assert_eq!(f.screen(), Screen::Identify);
        f.step(Event::IdleWarning);
        assert_eq!(f.focused(), Some(Action::Extend));
        f.step(Event::Switch(SwitchPress::Select));
        assert_eq!(f.focused(), Some(Action::TypeDigit(0)));
        let said = enter(&mut f, "3");
        assert_eq!(said[0][0], "3");
    }
}
