//! What the visitor journey's screens tell a switch user to do, in place of the keypad's
//! instructions ("press Down to hear…, Enter to choose"): a visitor with switches has no Down
//! and no Enter. Two switches (A moves, B selects) and one scanning switch (the focus moves by
//! itself, the switch selects) are told alike: the choices are read one by one, and the select
//! switch chooses the one read. The digit screens have their own (machine/switch_digits.rs).

use super::Flow;
use crate::prompts;
use crate::session::{Lang, Screen};

/// The switch user's instruction on `screen` (the actions named as prompts.rs labels them).
fn for_switches(screen: Screen, lang: Lang) -> Option<&'static str> {
    Some(match (screen, lang) {
        (Screen::Subject, Lang::Fa) => {
            "موضوع‌ها یکی‌یکی خوانده می‌شوند؛ وقتی موضوع دلخواه خوانده شد، کلید انتخاب را بزنید."
        }
        (Screen::Subject, Lang::En) => {
            "The subjects are read one by one; press the select switch when yours is read."
        }
        (Screen::Description, Lang::Fa) => {
            "جمله‌های آماده یکی‌یکی خوانده می‌شوند؛ با کلید انتخاب، جمله‌ی خوانده‌شده اضافه می‌شود. سپس «ادامه» را انتخاب کنید."
        }
        (Screen::Description, Lang::En) => {
            "The ready phrases are read one by one; the select switch adds the one read. Then choose Continue."
        }
        (Screen::Review, Lang::Fa) => {
            "اگر درست است، «تأیید و ثبت» را با کلید انتخاب برگزینید؛ برای اصلاح، «بازگشت» را برگزینید."
        }
        (Screen::Review, Lang::En) => {
            "If this is right, choose Confirm and register with the select switch; to change something, choose Back."
        }
        (Screen::Guidance, Lang::Fa) => {
            "کارت ملی و برگه‌ی راهنما را همراه داشته باشید. برای چاپ برگه‌ی راهنما، «چاپ راهنما» را با کلید انتخاب برگزینید."
        }
        (Screen::Guidance, Lang::En) => {
            "Bring your national ID card and the guidance slip. To print the guidance slip, choose Print the guidance with the select switch."
        }
        _ => return None,
    })
}

/// The keypad's instruction on `screen`, as the screen's content says it.
fn keys_instruction(screen: Screen, lang: Lang) -> Option<String> {
    match screen {
        Screen::Subject | Screen::Description => prompts::entry_how(screen, lang),
        Screen::Review => Some(prompts::review_next(lang)),
        Screen::Guidance => prompts::guidance_lines(lang, "", "").pop(),
        _ => None,
    }
}

impl Flow {
    /// A switch user's screen content: the keypad's instruction replaced by the switches'.
    pub(super) fn for_switch_user(&self, mut lines: Vec<String>) -> Vec<String> {
        if !self.session.switch_input {
            return lines;
        }
        let lang = self.lang();
        if let (Some(keys), Some(switches)) = (
            keys_instruction(self.screen, lang),
            for_switches(self.screen, lang),
        ) {
            for line in lines.iter_mut().filter(|l| **l == keys) {
                *line = switches.to_owned();
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_keypad_instruction_has_a_switch_one_naming_no_key_a_switch_user_lacks() {
        for screen in [
            Screen::Subject,
            Screen::Description,
            Screen::Review,
            Screen::Guidance,
        ] {
            for lang in [Lang::Fa, Lang::En] {
                let keys = keys_instruction(screen, lang).expect("a keypad instruction");
                let switches = for_switches(screen, lang).expect("a switch one");
                assert_ne!(keys, switches);
                for key in [
                    "کلید ورود",
                    "کلید پایین",
                    "کلید لغو",
                    "Enter",
                    "Down",
                    "Cancel",
                ] {
                    assert!(!switches.contains(key), "{screen:?}: {switches}");
                }
            }
        }
    }
}
