//! A visitor without an Iranian national code (docs/identity.md): «کد ملی ندارم» on the
//! identify screen, then the foreign nationals' identifier or a passport number and its issuing
//! country, whichever the agency accepts (kiosk.toml `[identity]`).
//!
//! The identify screen stays one screen; [`IdMode`] says what its field asks for. With a
//! tactile keypad everything is reachable without the screen: Down reaches «کد ملی ندارم» and
//! then each identifier (Enter chooses); the identifier's twelve digits are typed on the digit
//! keys; a passport's number and country are typed by multi-tap on the same keys with the
//! telephone's Latin layout (2 = a b c 2, …; firmware/journey/src/multitap.rs), since passports
//! print Latin letters; on screen the Latin keyboard types them. Each is judged on Continue by
//! its rule (firmware/core/src/identity.rs): a refusal is a Persian message on the screen and
//! in speech, nothing is kept, the visitor stays to correct it.

use kiosk_core::identity::{Country, ForeignId, Passport, PassportNumber};
use kiosk_core::{IdentityError, IdentityKind, IdentityPolicy, VisitorId};

use super::Flow;
use crate::action::Action;
use crate::effect::Effect;
use crate::session::{IdMode, Lang, Screen};

fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The label of «کد ملی ندارم» and of each identifier's button.
pub(crate) fn action_label(action: &Action, lang: Lang) -> Option<String> {
    Some(match action {
        Action::NoNationalCode => pick(lang, "کد ملی ندارم", "I have no national code"),
        Action::UseIdentity(IdentityKind::ForeignId) => {
            pick(lang, "شناسه اتباع خارجی", "Foreign nationals' identifier")
        }
        Action::UseIdentity(IdentityKind::Passport) => {
            pick(lang, "شماره گذرنامه", "Passport number")
        }
        Action::UseIdentity(IdentityKind::NationalCode) => pick(lang, "کد ملی", "National code"),
        _ => return None,
    })
}

/// The identify screen's title in a mode other than the national code.
pub(crate) fn title(mode: IdMode, lang: Lang) -> Option<String> {
    Some(match mode {
        IdMode::NationalCode => return None,
        IdMode::ChooseOther => pick(
            lang,
            "با کدام شناسه وارد می‌شوید؟",
            "Which identifier will you use?",
        ),
        IdMode::ForeignId => pick(
            lang,
            "شناسه اتباع خارجی را وارد کنید",
            "Enter your foreign nationals' identifier",
        ),
        IdMode::PassportNumber => pick(
            lang,
            "شماره گذرنامه را وارد کنید",
            "Enter your passport number",
        ),
        IdMode::PassportCountry => pick(
            lang,
            "کشور صادرکننده گذرنامه را وارد کنید",
            "Enter the country that issued your passport",
        ),
    })
}

/// How to fill the field in a mode other than the national code (said after the title).
pub(crate) fn how(mode: IdMode, lang: Lang) -> Option<String> {
    Some(match mode {
        IdMode::NationalCode => return None,
        IdMode::ChooseOther => pick(
            lang,
            "با کلید پایین گزینه‌ها را بشنوید و با کلید ورود انتخاب کنید.",
            "Press Down to hear the choices and Enter to choose one.",
        ),
        IdMode::ForeignId => pick(
            lang,
            "دوازده رقم شناسه را با کلیدهای عددی وارد کنید، سپس کلید ورود را بزنید.",
            "Type the twelve digits of the identifier on the number keys, then press Enter.",
        ),
        IdMode::PassportNumber => pick(
            lang,
            "شماره گذرنامه را همان‌طور که در گذرنامه چاپ شده وارد کنید. کلیدهای عددی مانند تلفن حرف لاتین می‌نویسند: دو برای a b c، و رقم آخرین گزینه‌ی هر کلید است. سپس کلید ورود را بزنید.",
            "Type the passport number as printed. The number keys type Latin letters as on a phone: two for a b c, and the digit is the last of each key. Then press Enter.",
        ),
        IdMode::PassportCountry => pick(
            lang,
            "کد سه‌حرفی کشور را همان‌طور که در گذرنامه آمده وارد کنید، مثلاً AFG برای افغانستان؛ سپس کلید ورود را بزنید.",
            "Type the three-letter country code printed in the passport, for example AFG for Afghanistan, then press Enter.",
        ),
    })
}

impl Flow {
    /// Which identifiers beside the national code this kiosk accepts (kiosk.toml
    /// `[identity]`; national codes only until this is called).
    pub fn set_identity_policy(&mut self, policy: IdentityPolicy) {
        self.identity_policy = policy;
    }

    /// The identify screen's actions in its current mode.
    pub(super) fn identify_actions(&self) -> Vec<Action> {
        let others = self.identity_policy.other_kinds();
        match self.session.id_mode {
            IdMode::NationalCode if others.is_empty() => {
                vec![Action::Continue, Action::Back, Action::CallStaff]
            }
            IdMode::NationalCode => vec![
                Action::Continue,
                Action::NoNationalCode,
                Action::Back,
                Action::CallStaff,
            ],
            IdMode::ChooseOther => {
                let mut v: Vec<Action> = others.into_iter().map(Action::UseIdentity).collect();
                v.extend([Action::Back, Action::CallStaff]);
                v
            }
            _ => vec![Action::Continue, Action::Back, Action::CallStaff],
        }
    }

    /// «کد ملی ندارم»: straight to the one identifier accepted, or a choice of them.
    pub(super) fn no_national_code(&mut self, fx: &mut Vec<Effect>) {
        let others = self.identity_policy.other_kinds();
        match others.as_slice() {
            [] => {}
            [only] => self.use_identity(*only, fx),
            _ => self.set_id_mode(IdMode::ChooseOther, fx),
        }
    }

    /// The visitor chose an identifier: its field.
    pub(super) fn use_identity(&mut self, kind: IdentityKind, fx: &mut Vec<Effect>) {
        if !self.identity_policy.allows(kind) {
            let e = IdentityError::NotAllowed { kind };
            tracing::info!(reason = e.reason_code(), "identifier refused: {e}");
            return self.fail(self.identity_message(&e), fx);
        }
        let mode = match kind {
            IdentityKind::NationalCode => IdMode::NationalCode,
            IdentityKind::ForeignId => IdMode::ForeignId,
            IdentityKind::Passport => IdMode::PassportNumber,
        };
        self.set_id_mode(mode, fx);
    }

    /// Shows the identify screen asking for `mode`, its field empty.
    pub(super) fn set_id_mode(&mut self, mode: IdMode, fx: &mut Vec<Effect>) {
        self.session.id_mode = mode;
        self.typing.commit();
        self.go(Screen::Identify, fx);
    }

    /// Back on the identify screen: one step back through the modes; `false` when in the
    /// national code mode (the screen's own Back applies).
    pub(super) fn identify_back(&mut self, fx: &mut Vec<Effect>) -> bool {
        let several = self.identity_policy.other_kinds().len() > 1;
        let previous = match self.session.id_mode {
            IdMode::NationalCode => return false,
            IdMode::ChooseOther => IdMode::NationalCode,
            IdMode::ForeignId | IdMode::PassportNumber if several => IdMode::ChooseOther,
            IdMode::ForeignId | IdMode::PassportNumber => IdMode::NationalCode,
            IdMode::PassportCountry => {
                self.session.passport_number = None;
                IdMode::PassportNumber
            }
        };
        self.set_id_mode(previous, fx);
        true
    }

    /// The most characters the field takes in the current mode, and whether `c` is one it
    /// takes (capitalised: passports print capitals).
    pub(super) fn identify_accepts(&self, c: char) -> Option<(char, usize)> {
        match self.session.id_mode {
            IdMode::NationalCode if c.is_ascii_digit() => Some((c, 10)),
            IdMode::ForeignId if c.is_ascii_digit() => {
                Some((c, kiosk_core::identity::FOREIGN_ID_LEN))
            }
            IdMode::PassportNumber if c.is_ascii_alphanumeric() => {
                Some((c.to_ascii_uppercase(), kiosk_core::identity::PASSPORT_MAX))
            }
            IdMode::PassportCountry if c.is_ascii_alphabetic() => Some((c.to_ascii_uppercase(), 3)),
            _ => None,
        }
    }

    /// Continue on the identify screen: the field judged by the rule of what it asks for.
    pub(super) fn identify_entry(&mut self, fx: &mut Vec<Effect>) {
        let entry = self.session.entry.clone();
        let judged: Result<Option<VisitorId>, IdentityError> = match self.session.id_mode {
            IdMode::NationalCode => return self.identify(&entry, fx),
            IdMode::ChooseOther => return,
            IdMode::ForeignId => ForeignId::parse(&entry).map(|f| Some(VisitorId::Foreign(f))),
            IdMode::PassportNumber => PassportNumber::parse(&entry).map(|number| {
                self.session.passport_number = Some(number);
                None
            }),
            IdMode::PassportCountry => Country::parse(&entry).and_then(|country| {
                let number = self
                    .session
                    .passport_number
                    .clone()
                    .ok_or(IdentityError::PassportEmpty)?;
                Ok(Some(VisitorId::Passport(Passport { number, country })))
            }),
        };
        match judged {
            Err(e) => {
                // The English reason for the log; the identifier itself is never logged.
                tracing::info!(reason = e.reason_code(), "identifier refused: {e}");
                let message = self.identity_message(&e);
                self.fail(message, fx);
            }
            // The number is in: its country next.
            Ok(None) => self.set_id_mode(IdMode::PassportCountry, fx),
            Ok(Some(visitor)) => {
                if let VisitorId::Passport(p) = &visitor {
                    let named = match self.lang() {
                        Lang::Fa => format!("گذرنامه‌ی {}.", p.country.name_fa),
                        Lang::En => format!("Passport of {}.", p.country.name_en),
                    };
                    self.say(named, true, fx);
                }
                self.session.other_id = Some(visitor);
                self.session.national_code = None;
                self.identified(fx);
            }
        }
    }

    /// The message for a refused identifier, in the session's language.
    fn identity_message(&self, e: &IdentityError) -> String {
        match self.lang() {
            Lang::Fa => e.message_fa().to_owned(),
            Lang::En => format!("Not accepted: {e}."),
        }
    }
}
