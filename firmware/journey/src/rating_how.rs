//! What the rating screens tell a visitor to press, by how that visitor moves and chooses
//! ([`RatingInput`]): the tactile keys (Up/Down and Enter), two switches (A moves, B chooses:
//! firmware/app/src/device/switch.rs) or one scanning switch (the choices light up one by one,
//! the switch chooses). A switch user told to press Enter has no Enter to press.

use crate::rating::RatingScreen;
use crate::session::Lang;

/// How the rating visitor moves the focus and chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RatingInput {
    /// The tactile keypad (or touch): Up/Down, Enter, Cancel.
    #[default]
    Keys,
    /// Two accessibility switches: A moves, B chooses.
    TwoSwitches,
    /// One accessibility switch, scanning: the focus moves by itself, the switch chooses.
    ScanningSwitch,
}

/// The instruction said after a screen's content (`None` where there is nothing to press).
pub(crate) fn how(screen: RatingScreen, input: RatingInput, lang: Lang) -> Option<String> {
    use RatingInput::{Keys, ScanningSwitch, TwoSwitches};
    let (fa, en) = match (screen, input) {
        (RatingScreen::Checking | RatingScreen::Saving, _) => return None,
        (RatingScreen::Scan, Keys) => (
            "برای بازگشت، کلید لغو را بزنید.",
            "To go back, press Cancel.",
        ),
        (RatingScreen::Scan, TwoSwitches) => (
            "برای بازگشت، کلید ب را بزنید.",
            "To go back, press switch B.",
        ),
        (RatingScreen::Scan, ScanningSwitch) => (
            "برای بازگشت، کلید را بزنید.",
            "To go back, press your switch.",
        ),
        (RatingScreen::Faces, Keys) => (
            "با کلیدهای بالا و پایین بشنوید و با کلید ورود انتخاب کنید.",
            "Use Up and Down to hear them and Enter to choose.",
        ),
        (RatingScreen::Faces, TwoSwitches) => (
            "با کلید الف چهره‌ها را یکی‌یکی بشنوید و با کلید ب انتخاب کنید.",
            "Press switch A to hear the faces one by one and switch B to choose.",
        ),
        (RatingScreen::Faces, ScanningSwitch) => (
            "چهره‌ها یکی‌یکی روشن و خوانده می‌شوند؛ وقتی چهره‌ی دلخواه خوانده شد، کلید را بزنید.",
            "The faces light up and are read one by one; press your switch when yours is read.",
        ),
        (RatingScreen::Reasons, Keys) => (
            "هر دلیل را با کلید ورود علامت بزنید یا بردارید، سپس «ثبت نظر» را انتخاب کنید.",
            "Enter ticks or unticks a reason; then choose Send.",
        ),
        (RatingScreen::Reasons, TwoSwitches) => (
            "با کلید الف به هر دلیل بروید و با کلید ب علامت بزنید یا بردارید، سپس «ثبت نظر» را با کلید ب انتخاب کنید.",
            "Switch A moves to each reason and switch B ticks or unticks it; then choose Send with switch B.",
        ),
        (RatingScreen::Reasons, ScanningSwitch) => (
            "دلیل‌ها یکی‌یکی خوانده می‌شوند؛ با زدن کلید، دلیلِ خوانده‌شده علامت می‌خورد یا برداشته می‌شود. وقتی «ثبت نظر» خوانده شد، کلید را بزنید.",
            "The reasons are read one by one; pressing your switch ticks or unticks the one read. Press it when Send is read.",
        ),
        (RatingScreen::Refused, Keys) => (
            "کد دیگری را جلوی اسکنر بگیرید، یا با کلید ورود پایان دهید.",
            "Hold another code to the scanner, or press Enter to finish.",
        ),
        (RatingScreen::Refused, TwoSwitches) => (
            "کد دیگری را جلوی اسکنر بگیرید، یا با کلید ب پایان دهید.",
            "Hold another code to the scanner, or press switch B to finish.",
        ),
        (RatingScreen::Refused, ScanningSwitch) => (
            "کد دیگری را جلوی اسکنر بگیرید، یا برای پایان کلید را بزنید.",
            "Hold another code to the scanner, or press your switch to finish.",
        ),
        (RatingScreen::Thanks, Keys) => {
            ("برای پایان، کلید ورود را بزنید.", "Press Enter to finish.")
        }
        (RatingScreen::Thanks, TwoSwitches) => {
            ("برای پایان، کلید ب را بزنید.", "Press switch B to finish.")
        }
        (RatingScreen::Thanks, ScanningSwitch) => {
            ("برای پایان، کلید را بزنید.", "Press your switch to finish.")
        }
    };
    Some(pick(lang, fa, en))
}

/// What the controls do on any rating screen, said after the Help key's explanation.
pub(crate) fn controls(input: RatingInput, lang: Lang) -> String {
    let (fa, en) = match input {
        RatingInput::Keys => (
            "کلیدهای بالا و پایین بین گزینه‌ها حرکت می‌کنند، کلید ورود انتخاب می‌کند و کلید لغو برمی‌گردد. نگه‌داشتن کلید راهنما صفحه را دوباره می‌خواند.",
            "Up and Down move between the choices, Enter chooses and Cancel goes back. Holding Help reads the screen again.",
        ),
        RatingInput::TwoSwitches => (
            "کلید الف به گزینه‌ی بعدی می‌رود و آن را می‌خواند، کلید ب گزینه‌ی خوانده‌شده را انتخاب می‌کند.",
            "Switch A moves to the next choice and reads it; switch B chooses the one read.",
        ),
        RatingInput::ScanningSwitch => (
            "گزینه‌ها خودبه‌خود یکی‌یکی خوانده می‌شوند؛ کلید، گزینه‌ی خوانده‌شده را انتخاب می‌کند.",
            "The choices are read one by one by themselves; your switch chooses the one read.",
        ),
    };
    pick(lang, fa, en)
}

fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREENS: [RatingScreen; 5] = [
        RatingScreen::Scan,
        RatingScreen::Faces,
        RatingScreen::Reasons,
        RatingScreen::Refused,
        RatingScreen::Thanks,
    ];

    #[test]
    fn a_switch_user_is_never_told_to_press_a_key_they_do_not_have() {
        for input in [RatingInput::TwoSwitches, RatingInput::ScanningSwitch] {
            for screen in SCREENS {
                let fa = how(screen, input, Lang::Fa).expect("an instruction");
                let en = how(screen, input, Lang::En).expect("an instruction");
                for key in ["ورود", "لغو", "بالا", "پایین"] {
                    assert!(!fa.contains(key), "{screen:?} {input:?}: {fa}");
                }
                for key in ["Enter", "Cancel", "Up", "Down"] {
                    assert!(!en.contains(key), "{screen:?} {input:?}: {en}");
                }
                assert!(fa.contains("کلید"), "{fa}");
            }
            assert!(!controls(input, Lang::Fa).contains("ورود"));
        }
        // One switch has no A or B to name.
        for screen in SCREENS {
            let fa = how(screen, RatingInput::ScanningSwitch, Lang::Fa).unwrap_or_default();
            assert!(!fa.contains("کلید الف") && !fa.contains("کلید ب"), "{fa}");
        }
        assert_eq!(how(RatingScreen::Saving, RatingInput::Keys, Lang::Fa), None);
    }
}
