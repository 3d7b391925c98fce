//! A national card the reader could not take, as the visitor is told: why, in words a visitor
//! understands, and what to do instead (type the code, insert the card again, or see staff).
//! The reader's technical reason goes to the log (firmware/app/src/device/drivers.rs).

use crate::session::Lang;

/// Why a card was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardRefusal {
    /// Its certificate is not the national card authority's: a self-made or altered card.
    NotGenuine,
    /// The card's certificate has expired (or is not valid yet).
    Expired,
    /// The authority revoked the card (reported lost or stolen).
    Revoked,
    /// The card could not be read (contacts, inserted wrongly, not a national card).
    Unreadable,
}

impl CardRefusal {
    /// What the screen shows and speech says.
    pub fn message(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::NotGenuine, Lang::Fa) => {
                "این کارت به‌عنوان کارت ملی معتبر شناخته نشد. کد ملی خود را با صفحه‌کلید وارد کنید یا به کارکنان مراجعه کنید."
            }
            (Self::NotGenuine, Lang::En) => {
                "This card was not recognised as a valid national card. Type your national code on the keypad, or ask the staff."
            }
            (Self::Expired, Lang::Fa) => {
                "اعتبار این کارت ملی به پایان رسیده است. کد ملی خود را با صفحه‌کلید وارد کنید."
            }
            (Self::Expired, Lang::En) => {
                "This national card has expired. Type your national code on the keypad."
            }
            (Self::Revoked, Lang::Fa) => {
                "این کارت ملی باطل شده است. لطفاً به کارکنان میز مراجعه کنید."
            }
            (Self::Revoked, Lang::En) => {
                "This national card has been cancelled. Please see the staff at the desk."
            }
            (Self::Unreadable, Lang::Fa) => {
                "کارت خوانده نشد. کارت را با تراشه به سمت بالا دوباره وارد کنید یا کد ملی را با صفحه‌کلید وارد کنید."
            }
            (Self::Unreadable, Lang::En) => {
                "The card could not be read. Insert it again, chip up, or type your national code on the keypad."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use kiosk_core::{Catalogue, NationalCodePolicy};

    use super::*;
    use crate::{Effect, Event, Flow, FlowSettings, Screen};

    #[test]
    fn a_refused_card_opens_the_identify_screen_with_why_and_what_to_do_spoken() {
        for why in [
            CardRefusal::NotGenuine,
            CardRefusal::Expired,
            CardRefusal::Revoked,
            CardRefusal::Unreadable,
        ] {
            let mut flow = Flow::new(FlowSettings {
                national_code_policy: NationalCodePolicy::default(),
                catalogue: Catalogue::default(),
                max_extensions: 10,
            });
            flow.step(Event::HeadphonesIn);
            let fx = flow.step(Event::CardRefused(why));
            assert_eq!(flow.screen(), Screen::Identify, "{why:?}");
            let message = why.message(Lang::Fa);
            assert_eq!(flow.session().error.as_deref(), Some(message));
            assert!(
                fx.iter()
                    .any(|e| matches!(e, Effect::Speak { text, .. } if text.as_str() == message)),
                "{why:?}: {fx:?}"
            );
            assert!(flow.session().national_code.is_none());
            // The genuine card, or the code typed, goes on as before.
            flow.step(Event::IdentityRead("0499370899".into()));
            assert_eq!(flow.screen(), Screen::Kind);
            // Every message says what to do next.
            for lang in [Lang::Fa, Lang::En] {
                let text = why.message(lang);
                assert!(
                    ["صفحه‌کلید", "کارکنان", "keypad", "staff"]
                        .iter()
                        .any(|next| text.contains(next)),
                    "{text}"
                );
            }
        }
    }
}
