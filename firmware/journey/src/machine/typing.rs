//! The description written on the tactile keypad's digit keys: multi-tap letters (the layout,
//! the timing and why multi-tap: firmware/journey/src/multitap.rs).
//!
//! On the description screen the device sends each tactile digit key as
//! [`Event::MultiTap`](crate::Event::MultiTap) stamped with its clock; the letter goes into the
//! description at once and its name is said; the same key again within the pause replaces it by
//! the next of the key's cycle; a pause (the device's
//! [`Event::MultiTapTick`](crate::Event::MultiTapTick) while [`Flow::multitap_pending`]) commits
//! it and says its name again, queued; any other key leaves it as it stands (machine.rs,
//! `Flow::step`). A running kiosk looks at its clock once a second
//! (firmware/app/src/device/mod.rs, `Device::tick`), so the name comes again up to a second
//! after the pause; a press after the pause starts a new letter whether or not a tick came
//! between. Clear erases the last letter (the one being cycled, if any) as it erases a character
//! typed on screen. The on-screen keyboard's keys stay literal, digits included.

use super::Flow;
use crate::effect::Effect;
use crate::input::MAX_DESCRIPTION_CHARS;
use crate::multitap::{self, Tap};
use crate::session::Screen;

impl Flow {
    /// Whether the tactile keypad's digit keys type letters now (multi-tap): on the description
    /// screen, unless the visitor is learning the keys (then a key is explained, not done:
    /// machine/assist.rs). Elsewhere they type digits.
    pub fn digit_keys_type_letters(&self) -> bool {
        let passport = self.screen == Screen::Identify && self.session.id_mode.takes_letters();
        (self.screen == Screen::Description || passport) && !self.session.learning
    }

    /// Whether a multi-tap letter is waiting for its pause: the device then sends
    /// [`Event::MultiTapTick`](crate::Event::MultiTapTick) with its clock.
    pub fn multitap_pending(&self) -> bool {
        self.typing.pending().is_some()
    }

    /// A digit key pressed at `at_ms`: a letter on the description screen, a digit elsewhere.
    pub(super) fn multi_tap(&mut self, key: u8, at_ms: u64, fx: &mut Vec<Effect>) {
        if key > 9 {
            return;
        }
        if !self.digit_keys_type_letters() {
            self.typing.commit();
            return self.type_char(char::from(b'0' + key), fx);
        }
        // On the identify screen: a passport's number or country, in the Latin layout
        // (passports print Latin capitals; machine/other_id.rs).
        let passport = self.screen == Screen::Identify;
        let limit = match self.session.id_mode {
            _ if !passport => MAX_DESCRIPTION_CHARS,
            crate::session::IdMode::PassportCountry => 3,
            _ => kiosk_core::identity::PASSPORT_MAX,
        };
        // The letter being cycled is the field's last (nothing else changed it since).
        let description = match passport {
            true => &mut self.session.entry,
            false => &mut self.session.description,
        };
        if self.typing.pending().is_some_and(|c| {
            !description.ends_with(c.to_ascii_uppercase()) && !description.ends_with(c)
        }) {
            self.typing.commit();
        }
        let room = description.chars().count() < limit;
        let lang = match passport {
            true => crate::session::Lang::En,
            false => self.session.prefs.lang,
        };
        let said = match self.typing.press(lang, key, at_ms, room) {
            Tap::New(letter) => {
                description.push(shown(passport, letter));
                multitap::spoken(lang, letter)
            }
            Tap::Cycle(letter) => {
                description.pop();
                description.push(shown(passport, letter));
                multitap::spoken(lang, letter)
            }
            Tap::Full => multitap::full(lang),
            Tap::Ignored => return,
        };
        self.session.error = None;
        self.speak(said, true, fx);
    }

    /// The device's clock: a letter whose pause has passed is committed and said again,
    /// after whatever is being said.
    pub(super) fn multi_tap_tick(&mut self, at_ms: u64, fx: &mut Vec<Effect>) {
        if !self.digit_keys_type_letters() {
            self.typing.commit();
            return;
        }
        if let Some(letter) = self.typing.tick(at_ms) {
            let lang = match self.screen {
                Screen::Identify => crate::session::Lang::En,
                _ => self.lang(),
            };
            let said = multitap::spoken(lang, letter);
            self.speak(said, false, fx);
        }
    }
}

/// A multi-tap letter as it goes into the field: a passport's in capitals, as printed.
fn shown(passport: bool, letter: char) -> char {
    match passport {
        true => letter.to_ascii_uppercase(),
        false => letter,
    }
}
