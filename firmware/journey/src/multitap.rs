//! Letters typed on the tactile keypad's digit keys: multi-tap, as on a telephone, with a
//! Persian layout (and the telephone's Latin one in an English session).
//!
//! # Why multi-tap, not the on-screen keyboard walked by focus
//!
//! A visitor who cannot see the screen could in principle write the description by walking the
//! on-screen keyboard with Up/Down and Enter, each key's letter spoken as the focus lands on it.
//! The Persian keyboard has 32 letters plus آ, space, half-space, digits and punctuation: about
//! 45 keys in one ring. Reaching a letter costs on average a quarter of the ring in the nearer
//! direction, some 11 presses, each followed by a spoken label (about half a second even cut
//! short), so some 12 presses and 6 seconds of speech per letter, with no tactile landmark to
//! keep one's place. Multi-tap puts every letter at most six presses of one key away (2.8 on
//! average over the layout below, by the tactile position of the key, which a visitor learns),
//! one spoken name per press, and no walking at all: a four-letter word takes about 12 presses
//! instead of 50.
//!
//! # The layout (keys in telephone layout; 5 has the raised dot)
//!
//! | Key | Persian session | English session |
//! | --- | --- | --- |
//! | 1 | `.` `،` `؟` `!` `۱` | `.` `,` `?` `!` `1` |
//! | 2 | ا ب پ ت ث آ `۲` | a b c `2` |
//! | 3 | ج چ ح خ `۳` | d e f `3` |
//! | 4 | د ذ ر ز ژ `۴` | g h i `4` |
//! | 5 | س ش ص ض `۵` | j k l `5` |
//! | 6 | ط ظ ع غ `۶` | m n o `6` |
//! | 7 | ف ق ک گ `۷` | p q r s `7` |
//! | 8 | ل م ن `۸` | t u v `8` |
//! | 9 | و ه ی ئ `۹` | w x y z `9` |
//! | 0 | space, half-space (نیم‌فاصله, U+200C), `۰` | space, `0` |
//!
//! The 32 letters of the Persian alphabet in their order, four or five to a key as the telephone
//! puts three or four Latin letters, with آ after the five of key 2 and ئ after ی. A literal
//! digit is the last of its own key's cycle (press 5 five times for `۵`), as on a telephone:
//! no mode to switch, nothing more to learn. Digits are Persian in a Persian session.
//!
//! # Timing
//!
//! Pressing the same key again within [`PAUSE_MS`] of the last press replaces the letter just
//! typed by the next one of the key's cycle (after the digit, the cycle starts again). A pause
//! of [`PAUSE_MS`] or more, or any other key, commits it: the next press starts a new letter.
//! The letter being cycled is in the text already, so whatever the visitor does next (Enter on
//! Continue, Clear, a preset phrase) finds it there. Time comes in with the press: this module
//! and the flow never read a clock (the device stamps each key with its own,
//! firmware/app/src/device/mod.rs, and the script runner with its injected time, where keys with
//! no `wait` between them are at the same instant and `{"wait": 1}` commits).
//!
//! What is said (the flow says it, firmware/journey/src/machine/typing.rs): each candidate's
//! name as it comes up ([`spoken`]: «بِ», «سین», «حِ جیمی»: letters that sound alike are told
//! apart by their names), and the name again, queued, when a pause commits it.

use crate::session::Lang;

/// The pause that commits a letter: a press of the same key this long or longer after the last
/// one starts a new letter.
pub const PAUSE_MS: u64 = 1000;

const FA: [&str; 10] = [
    " \u{200c}۰",
    ".،؟!۱",
    "ابپتثآ۲",
    "جچحخ۳",
    "دذرزژ۴",
    "سشصض۵",
    "طظعغ۶",
    "فقکگ۷",
    "لمن۸",
    "وهیئ۹",
];

const EN: [&str; 10] = [
    " 0", ".,?!1", "abc2", "def3", "ghi4", "jkl5", "mno6", "pqrs7", "tuv8", "wxyz9",
];

/// The cycle of a digit key in a session's language, first letter first (empty above 9).
pub fn cycle(lang: Lang, key: u8) -> Vec<char> {
    let table = match lang {
        Lang::Fa => &FA,
        Lang::En => &EN,
    };
    table
        .get(usize::from(key))
        .map(|s| s.chars().collect())
        .unwrap_or_default()
}

/// The name said for a character typed by multi-tap: a Persian letter by its name (letters that
/// sound alike differ by name), punctuation and spaces by what they are, a digit as itself.
pub fn spoken(lang: Lang, c: char) -> String {
    let fa = match c {
        'ا' => "الف",
        'آ' => "آ",
        'ب' => "بِ",
        'پ' => "پِ",
        'ت' => "تِ",
        'ث' => "ثِ",
        'ج' => "جیم",
        'چ' => "چِ",
        'ح' => "حِ جیمی",
        'خ' => "خِ",
        'د' => "دال",
        'ذ' => "ذال",
        'ر' => "رِ",
        'ز' => "زِ",
        'ژ' => "ژِ",
        'س' => "سین",
        'ش' => "شین",
        'ص' => "صاد",
        'ض' => "ضاد",
        'ط' => "طا",
        'ظ' => "ظا",
        'ع' => "عین",
        'غ' => "غین",
        'ف' => "فِ",
        'ق' => "قاف",
        'ک' => "کاف",
        'گ' => "گاف",
        'ل' => "لام",
        'م' => "میم",
        'ن' => "نون",
        'و' => "واو",
        'ه' => "هِ دوچشم",
        'ی' => "یِ",
        'ئ' => "یِ همزه",
        '\u{200c}' => "نیم‌فاصله",
        _ => "",
    };
    if !fa.is_empty() {
        return fa.to_owned();
    }
    let (fa, en) = match c {
        ' ' => ("فاصله", "space"),
        '.' => ("نقطه", "period"),
        '،' | ',' => ("ویرگول", "comma"),
        '؟' | '?' => ("علامت سؤال", "question mark"),
        '!' => ("علامت تعجب", "exclamation mark"),
        _ => return c.to_string(),
    };
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// Said when the description has no room for another letter.
pub fn full(lang: Lang) -> String {
    match lang {
        Lang::Fa => "شرح به بیشترین اندازه رسیده است؛ چیزی اضافه نشد.".to_owned(),
        Lang::En => "The description is full; nothing was added.".to_owned(),
    }
}

/// What a press did to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tap {
    /// A new letter goes at the end of the text (the one before, if any, was committed).
    New(char),
    /// The same key again within the pause: the text's last letter becomes this one.
    Cycle(char),
    /// A new letter was due and the text has no room: nothing typed.
    Full,
    /// Not a digit key: nothing happened.
    Ignored,
}

/// The letter being cycled, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    key: u8,
    index: usize,
    at_ms: u64,
    letter: char,
}

/// Multi-tap typing: which letter is being cycled and since when. Pure: time comes in with
/// every call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MultiTap {
    pending: Option<Pending>,
}

impl MultiTap {
    /// `key` pressed at `at_ms` (any clock, in milliseconds; only differences count); `room`:
    /// whether the text can take one more letter.
    pub fn press(&mut self, lang: Lang, key: u8, at_ms: u64, room: bool) -> Tap {
        let letters = cycle(lang, key);
        if letters.is_empty() {
            return Tap::Ignored;
        }
        if let Some(p) = self.pending
            && p.key == key
            && at_ms.saturating_sub(p.at_ms) < PAUSE_MS
        {
            let index = (p.index + 1) % letters.len();
            let letter = letters[index];
            self.pending = Some(Pending {
                key,
                index,
                at_ms,
                letter,
            });
            return Tap::Cycle(letter);
        }
        self.pending = None;
        if !room {
            return Tap::Full;
        }
        let letter = letters[0];
        self.pending = Some(Pending {
            key,
            index: 0,
            at_ms,
            letter,
        });
        Tap::New(letter)
    }

    /// The clock reads `at_ms`: the letter being cycled is committed, and returned, once the
    /// pause has passed.
    pub fn tick(&mut self, at_ms: u64) -> Option<char> {
        let p = self.pending?;
        if at_ms.saturating_sub(p.at_ms) >= PAUSE_MS {
            self.pending = None;
            return Some(p.letter);
        }
        None
    }

    /// Another key: the letter being cycled (returned) stays as it is.
    pub fn commit(&mut self) -> Option<char> {
        self.pending.take().map(|p| p.letter)
    }

    /// The letter being cycled.
    pub fn pending(&self) -> Option<char> {
        self.pending.map(|p| p.letter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Presses `key` `times` times at the same instant; the letters heard.
    fn presses(tap: &mut MultiTap, lang: Lang, key: u8, times: usize, at: u64) -> Vec<char> {
        (0..times)
            .map(|_| match tap.press(lang, key, at, true) {
                Tap::New(c) | Tap::Cycle(c) => c,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn each_persian_key_cycles_its_letters_then_its_digit_then_starts_again() {
        let expected = [
            (0, vec![' ', '\u{200c}', '۰']),
            (1, vec!['.', '،', '؟', '!', '۱']),
            (2, vec!['ا', 'ب', 'پ', 'ت', 'ث', 'آ', '۲']),
            (3, vec!['ج', 'چ', 'ح', 'خ', '۳']),
            (4, vec!['د', 'ذ', 'ر', 'ز', 'ژ', '۴']),
            (5, vec!['س', 'ش', 'ص', 'ض', '۵']),
            (6, vec!['ط', 'ظ', 'ع', 'غ', '۶']),
            (7, vec!['ف', 'ق', 'ک', 'گ', '۷']),
            (8, vec!['ل', 'م', 'ن', '۸']),
            (9, vec!['و', 'ه', 'ی', 'ئ', '۹']),
        ];
        for (key, letters) in expected {
            let mut tap = MultiTap::default();
            let heard = presses(&mut tap, Lang::Fa, key, letters.len() + 1, 0);
            assert_eq!(heard[..letters.len()], letters[..], "key {key}");
            assert_eq!(heard[letters.len()], letters[0], "key {key} wraps");
        }
        // Every letter of the Persian alphabet is on a key, once.
        let alphabet = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی";
        let all: String = (0..=9).flat_map(|k| cycle(Lang::Fa, k)).collect();
        for c in alphabet.chars() {
            assert_eq!(all.matches(c).count(), 1, "{c}");
            assert_ne!(spoken(Lang::Fa, c), c.to_string(), "{c} has a spoken name");
        }
        assert!(cycle(Lang::Fa, 10).is_empty());
    }

    #[test]
    fn the_english_layout_is_the_telephones() {
        let expected = [
            (0, " 0"),
            (1, ".,?!1"),
            (2, "abc2"),
            (3, "def3"),
            (4, "ghi4"),
            (5, "jkl5"),
            (6, "mno6"),
            (7, "pqrs7"),
            (8, "tuv8"),
            (9, "wxyz9"),
        ];
        for (key, letters) in expected {
            let mut tap = MultiTap::default();
            let n = letters.chars().count();
            let heard: String = presses(&mut tap, Lang::En, key, n, 5).into_iter().collect();
            assert_eq!(heard, letters, "key {key}");
        }
        assert_eq!(spoken(Lang::En, ' '), "space");
        assert_eq!(spoken(Lang::En, 'k'), "k");
    }

    #[test]
    fn a_pause_or_another_key_commits_and_the_same_key_within_the_pause_cycles() {
        let mut tap = MultiTap::default();
        assert_eq!(tap.press(Lang::Fa, 2, 1_000, true), Tap::New('ا'));
        // Within the pause, counted from the last press: cycles.
        assert_eq!(tap.press(Lang::Fa, 2, 1_999, true), Tap::Cycle('ب'));
        assert_eq!(tap.press(Lang::Fa, 2, 2_900, true), Tap::Cycle('پ'));
        assert_eq!(tap.tick(3_899), None, "not yet");
        assert_eq!(tap.pending(), Some('پ'));
        assert_eq!(tap.tick(3_900), Some('پ'), "the pause commits");
        assert_eq!(tap.pending(), None);
        assert_eq!(tap.tick(9_000), None, "once");
        // The same key after the pause: a new letter, even with no tick in between.
        assert_eq!(tap.press(Lang::Fa, 2, 10_000, true), Tap::New('ا'));
        assert_eq!(tap.press(Lang::Fa, 2, 11_000, true), Tap::New('ا'));
        // Another key at the same instant: a new letter.
        assert_eq!(tap.press(Lang::Fa, 5, 11_000, true), Tap::New('س'));
        assert_eq!(tap.press(Lang::Fa, 5, 11_000, true), Tap::Cycle('ش'));
        // Anything else commits.
        assert_eq!(tap.commit(), Some('ش'));
        assert_eq!(tap.press(Lang::Fa, 5, 11_000, true), Tap::New('س'));
        // No room: a new letter is refused, cycling the last one is not.
        assert_eq!(tap.press(Lang::Fa, 5, 11_000, false), Tap::Cycle('ش'));
        assert_eq!(tap.press(Lang::Fa, 6, 11_000, false), Tap::Full);
        assert_eq!(tap.pending(), None);
        assert_eq!(tap.press(Lang::Fa, 11, 11_000, true), Tap::Ignored);
    }

    #[test]
    fn sound_alike_letters_have_different_names() {
        let names: Vec<String> = "ثسص زذضظ تط حه قغ"
            .split(' ')
            .flat_map(|group| group.chars().map(|c| spoken(Lang::Fa, c)))
            .collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(spoken(Lang::Fa, '\u{200c}'), "نیم‌فاصله");
        assert_eq!(spoken(Lang::Fa, '۲'), "۲");
    }
}
