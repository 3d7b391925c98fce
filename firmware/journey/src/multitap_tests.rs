//! The description without the touchscreen: the preset phrases by the focus ring, and letters
//! typed on the tactile keypad's digit keys by multi-tap (firmware/journey/src/multitap.rs,
//! firmware/journey/src/machine/typing.rs), heard as they are typed.

use kiosk_core::CaseKind;

use super::*;

fn flow() -> Flow {
    crate::test_support::deed_flow()
}

/// A visitor with headphones on the description screen, in `lang`.
fn at_description(lang: Lang) -> Flow {
    let mut flow = flow();
    flow.step(Event::HeadphonesIn);
    flow.step(Event::Do(Action::OpenAccessibility));
    flow.step(Event::Do(Action::SetLang(lang)));
    flow.step(Event::Do(Action::CloseAccessibility));
    flow.step(Event::Do(Action::Start));
    for d in "0499370899".bytes() {
        flow.step(Event::Digit(d - b'0'));
    }
    flow.step(Event::Do(Action::Continue));
    flow.step(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    flow.step(Event::Do(Action::ChooseSubject("deed".into())));
    assert_eq!(flow.screen(), Screen::Description);
    assert_eq!(flow.session().prefs.lang, lang);
    assert!(flow.digit_keys_type_letters());
    flow
}

fn said(fx: &[Effect]) -> Vec<(String, bool)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Speak { text, interrupt } => Some((text.clone(), *interrupt)),
            _ => None,
        })
        .collect()
}

/// Presses each key of `keys` at `at_ms` (the same instant, as keys with no wait between them
/// in a script); what each press said.
fn tap(flow: &mut Flow, keys: &str, at_ms: u64) -> Vec<Vec<(String, bool)>> {
    keys.bytes()
        .map(|k| {
            let fx = flow.step(Event::MultiTap {
                key: k - b'0',
                at_ms,
            });
            said(&fx)
        })
        .collect()
}

/// The name each press said (each press says exactly one thing, cutting in).
fn names(heard: Vec<Vec<(String, bool)>>) -> Vec<String> {
    heard
        .into_iter()
        .map(|mut s| {
            assert_eq!(s.len(), 1, "{s:?}");
            let (text, interrupt) = s.remove(0);
            assert!(interrupt, "a key's echo cuts in: {text}");
            text
        })
        .collect()
}

#[test]
fn every_preset_phrase_is_reached_by_the_focus_ring_spoken_and_added_by_enter() {
    for lang in [Lang::Fa, Lang::En] {
        let mut flow = at_description(lang);
        let count = flow.actions().len();
        let mut heard = Vec::new();
        for _ in 0..count {
            heard.extend(said(&flow.step(Event::FocusNext)));
        }
        for i in 0..prompts::PHRASE_COUNT {
            let phrase = prompts::phrase(i, lang).expect("a phrase");
            assert!(
                heard
                    .iter()
                    .any(|(t, interrupt)| *t == phrase && *interrupt),
                "{lang:?}: phrase {i} is said when focused: {heard:?}"
            );
        }
        // Down from Continue lands on each phrase in turn; Enter adds it, and it is said.
        for i in 0..prompts::PHRASE_COUNT {
            let mut flow = at_description(lang);
            for _ in 0..=i {
                flow.step(Event::FocusNext);
            }
            assert_eq!(flow.focused(), Some(Action::Phrase(i)));
            let fx = flow.step(Event::Activate);
            let phrase = prompts::phrase(i, lang).expect("a phrase");
            assert_eq!(flow.session().description, phrase);
            assert!(said(&fx).iter().any(|(t, _)| t.contains(&phrase)), "{fx:?}");
        }
        // Up from Continue walks the ring backwards and reaches them too.
        let mut flow = at_description(lang);
        let mut up = Vec::new();
        for _ in 0..count {
            up.extend(said(&flow.step(Event::FocusPrev)));
        }
        for i in 0..prompts::PHRASE_COUNT {
            let phrase = prompts::phrase(i, lang).expect("a phrase");
            assert!(up.iter().any(|(t, _)| *t == phrase), "{lang:?}: {up:?}");
        }
    }
}

#[test]
fn a_persian_word_is_typed_after_a_phrase_each_letter_heard_and_committed_by_another_key_or_a_pause()
 {
    let mut flow = at_description(Lang::Fa);
    flow.step(Event::Do(Action::Phrase(2)));
    // 0: a space; 5: س; 8: ل; 2: ا; 8 8: ل then م. Another key commits the letter before it.
    let heard = names(tap(&mut flow, "058288", 10_000));
    assert_eq!(
        heard,
        ["فاصله", "سین", "لام", "الف", "لام", "میم"].map(String::from)
    );
    assert_eq!(flow.session().description, "درخواست رسیدگی فوری دارم. سلام");
    assert!(flow.multitap_pending());
    // The pause commits م and says it again, after what is being said.
    assert!(said(&flow.step(Event::MultiTapTick { at_ms: 10_999 })).is_empty());
    let fx = flow.step(Event::MultiTapTick { at_ms: 11_000 });
    assert_eq!(said(&fx), [("میم".to_owned(), false)]);
    assert!(!flow.multitap_pending());
    // Now 8 starts a new letter: ل, not ن.
    tap(&mut flow, "8", 11_000);
    assert!(flow.session().description.ends_with("سلامل"));
    flow.step(Event::Backspace);

    // «بابا»: the same key for every letter, a pause (a press a second or more after the last)
    // between them.
    let mut flow = at_description(Lang::Fa);
    let mut heard = Vec::new();
    for (i, presses) in ["22", "2", "22", "2"].into_iter().enumerate() {
        heard.extend(names(tap(&mut flow, presses, 1_000 * i as u64)));
    }
    assert_eq!(flow.session().description, "بابا");
    assert_eq!(
        heard,
        ["الف", "بِ", "الف", "الف", "بِ", "الف"].map(String::from)
    );
    // Enter on Continue takes the word as it stands, the letter being cycled included.
    let fx = flow.step(Event::Activate);
    assert_eq!(flow.screen(), Screen::Mobile, "{fx:?}");
    flow.step(Event::Do(Action::SkipMobile));
    let review = said(&flow.step(Event::HeadphonesIn));
    assert!(review.iter().any(|(t, _)| t == "شرح: بابا."), "{review:?}");
}

#[test]
fn a_literal_digit_is_the_last_of_its_keys_cycle_and_zero_gives_a_half_space() {
    let mut flow = at_description(Lang::Fa);
    let heard = names(tap(&mut flow, "55555", 0));
    assert_eq!(heard, ["سین", "شین", "صاد", "ضاد", "۵"].map(String::from));
    assert_eq!(flow.session().description, "۵");
    flow.step(Event::MultiTapTick { at_ms: 1_000 });
    // می‌روم: م, ی, then 0 twice for the half-space.
    tap(&mut flow, "88", 1_000);
    tap(&mut flow, "999", 1_000);
    let heard = names(tap(&mut flow, "00", 1_000));
    assert_eq!(heard, ["فاصله", "نیم‌فاصله"].map(String::from));
    assert_eq!(flow.session().description, "۵می\u{200c}");
    // Off the description the keypad's digits are digits; on it, the on-screen keys stay
    // literal.
    flow.step(Event::Char('x'));
    flow.step(Event::Digit(7));
    assert!(flow.session().description.ends_with("x7"));
    let mut flow = self::flow();
    flow.step(Event::Do(Action::Start));
    assert!(!flow.digit_keys_type_letters());
    flow.step(Event::MultiTap { key: 4, at_ms: 0 });
    flow.step(Event::MultiTap { key: 4, at_ms: 0 });
    assert_eq!(flow.session().entry, "44");
}

#[test]
fn an_english_session_types_on_the_telephones_latin_layout() {
    let mut flow = at_description(Lang::En);
    // h = 4 4, e = 3 3, l = 5 5 5, (pause) l = 5 5 5, o = 6 6 6.
    let mut heard = names(tap(&mut flow, "4433555", 0));
    heard.extend(names(tap(&mut flow, "555666", 1_000)));
    assert_eq!(
        heard,
        [
            "g", "h", "d", "e", "j", "k", "l", "j", "k", "l", "m", "n", "o"
        ]
        .map(String::from)
    );
    assert_eq!(flow.session().description, "hello");
    let heard = names(tap(&mut flow, "011", 1_000));
    assert_eq!(heard, ["space", "period", "comma"].map(String::from));
    assert_eq!(flow.session().description, "hello ,");
}

#[test]
fn clear_erases_the_last_letter_and_the_key_after_it_starts_a_new_one() {
    let mut flow = at_description(Lang::Fa);
    tap(&mut flow, "2", 0);
    tap(&mut flow, "22", 0);
    assert_eq!(flow.session().description, "پ");
    // Clear erases the letter being cycled, and says so.
    let fx = flow.step(Event::Backspace);
    assert_eq!(flow.session().description, "");
    assert_eq!(said(&fx), [("پ پاک شد".to_owned(), true)]);
    assert!(!flow.multitap_pending());
    // The same key, at the same instant: a new letter, not the next of the cycle.
    assert_eq!(names(tap(&mut flow, "2", 0)), ["الف".to_owned()]);
    tap(&mut flow, "3", 0);
    flow.step(Event::Backspace);
    assert_eq!(flow.session().description, "ا", "one letter at a time");
    // Any other key leaves the letter as it stands: Down, then 2 again, is a second letter.
    flow.step(Event::FocusNext);
    tap(&mut flow, "2", 0);
    assert_eq!(flow.session().description, "اا");
    // A long Clear erases it all.
    flow.step(Event::ClearEntry);
    assert_eq!(flow.session().description, "");
}

#[test]
fn the_description_keeps_its_length_limit_and_says_when_it_is_full() {
    let mut flow = at_description(Lang::Fa);
    for _ in 0..MAX_DESCRIPTION_CHARS - 1 {
        flow.step(Event::Char('ن'));
    }
    // The last place takes a letter, and it can still be cycled.
    tap(&mut flow, "2", 0);
    let heard = names(tap(&mut flow, "2", 0));
    assert_eq!(heard, ["بِ".to_owned()]);
    assert_eq!(
        flow.session().description.chars().count(),
        MAX_DESCRIPTION_CHARS
    );
    // A new letter does not fit: nothing is added, and the visitor hears why.
    let before = flow.session().description.clone();
    let heard = names(tap(&mut flow, "3", 0));
    assert!(heard[0].contains("بیشترین اندازه"), "{heard:?}");
    let heard = names(tap(&mut flow, "2", 5_000));
    assert!(heard[0].contains("بیشترین اندازه"), "{heard:?}");
    assert_eq!(flow.session().description, before);
    // Clear makes room again.
    flow.step(Event::Backspace);
    tap(&mut flow, "9", 6_000);
    assert!(flow.session().description.ends_with('و'));
    assert_eq!(
        flow.session().description.chars().count(),
        MAX_DESCRIPTION_CHARS
    );
}

#[test]
fn a_pending_letter_is_forgotten_off_the_description_and_ticks_say_nothing_there() {
    let mut flow = at_description(Lang::Fa);
    tap(&mut flow, "2", 0);
    flow.step(Event::Do(Action::Back));
    assert_eq!(flow.screen(), Screen::Subject);
    assert!(!flow.multitap_pending());
    assert!(said(&flow.step(Event::MultiTapTick { at_ms: 5_000 })).is_empty());
}
