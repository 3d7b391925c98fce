//! Invisible characters in text that reaches a receipt, a screen, a log or SAMAD.
//!
//! Some characters are not drawn but change how the text around them is drawn, so a receipt,
//! a screen or a log line can show something other than what is stored and sent to SAMAD.
//! [`check_text`] refuses them, naming the field, the character (`U+202E`) and its position;
//! [`clean`] removes them. Refused (docs/rules.md "Input rules"):
//!
//! - bidi embeddings, overrides and isolates, U+202A–U+202E and U+2066–U+2069: `\u{202E}`
//!   draws everything after it backwards;
//! - bidi marks, U+200E LRM, U+200F RLM and U+061C ALM: they reorder no letter, but they turn
//!   the direction of the spaces and numbers next to them, so `total \u{200F}12 34` is drawn
//!   `total 34 12` in a left-to-right line;
//! - other invisible format characters: zero-width space and no-break space (U+200B, U+FEFF),
//!   word joiner and invisible operators (U+2060–U+2064), the deprecated shaping and digit-shape
//!   controls (U+206A–U+206F), soft hyphen, Mongolian vowel separator, interlinear annotation
//!   (U+FFF9–U+FFFB, which hides text in some renderers), tags (U+E0000–U+E007F), the blank
//!   Hangul fillers that make a name look empty, and the Arabic signs that span the digits after
//!   them (U+0600–U+0605, U+06DD, U+0890–U+0891, U+08E2), which Persian never uses;
//! - control characters, including the line and paragraph separators U+2028/U+2029, except tab
//!   and line feed (free text may span lines; a carriage return only as part of CR LF).
//!
//! Allowed: ZWNJ U+200C, the Persian half-space (می‌روم), and ZWJ U+200D, which joins
//! letters and emoji: both change the shape of a glyph, never the order or the visibility of
//! text. Digit inputs (national codes, tracking codes, mobile numbers) are not text: their
//! parsers skip marks as separators and keep only the digits.
//!
//! Refuse or clean, per source:
//! - **refuse** ([`check_text`]) where a person who can fix the text is there: what a visitor
//!   or a staff member typed (checked again by the store for every case, event, meeting,
//!   service and staff text field) and every text value of the configuration (the operator
//!   edits the file). Changing the text silently would store and send something other than
//!   what was typed, and hide a forged input from whoever reviews it.
//! - **clean** ([`clean`]) only for text from outside that nobody present can retype and that
//!   must not stall the kiosk: events pulled from SAMAD, which the sync should clean before the
//!   store checks them (the store refuses them otherwise). The receipt removes bidi controls
//!   again when it prints (defence in depth, not the rule).

use std::fmt;

/// What kind of invisible character was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenKind {
    /// A bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
    BidiControl,
    /// A bidi mark (U+200E, U+200F, U+061C).
    BidiMark,
    /// Another invisible format character (zero-width space, tag, …).
    Format,
    /// A control character other than tab and line feed, or a line/paragraph separator.
    Control,
}

impl HiddenKind {
    fn describe(self) -> &'static str {
        match self {
            Self::BidiControl => "a bidi embedding, override or isolate",
            Self::BidiMark => "a bidi mark",
            Self::Format => "an invisible format character",
            Self::Control => "a control character",
        }
    }
}

/// A text field holds an invisible character that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    /// The field or configuration key, e.g. `description`, `kiosk.agency`.
    pub field: String,
    /// The character found.
    pub character: char,
    /// Its 1-based position, in characters.
    pub position: usize,
    /// What kind of character it is.
    pub kind: HiddenKind,
}

impl TextError {
    /// Why, without the field name (for errors that name the field themselves):
    /// `contains a bidi embedding, override or isolate U+202E at position 5`.
    pub fn reason(&self) -> String {
        format!(
            "contains {} U+{:04X} at position {}",
            self.kind.describe(),
            u32::from(self.character),
            self.position
        )
    }

    /// The message shown to a visitor or a staff member, in Persian.
    pub fn message_fa(&self) -> &'static str {
        "متن نویسه‌ای نامرئی دارد که ترتیب یا ظاهر آن را تغییر می‌دهد؛ لطفاً متن را دوباره بنویسید."
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason())
    }
}

impl std::error::Error for TextError {}

/// The kind of `c` when it is refused in text, `None` when it is allowed. `next` is the
/// character after it (a carriage return is allowed before a line feed only).
pub fn hidden_kind(c: char, next: Option<char>) -> Option<HiddenKind> {
    match c {
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(HiddenKind::BidiControl),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => Some(HiddenKind::BidiMark),
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{06DD}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{115F}'..='\u{1160}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => Some(HiddenKind::Format),
        '\t' | '\n' => None,
        '\r' if next == Some('\n') => None,
        '\u{2028}' | '\u{2029}' => Some(HiddenKind::Control),
        c if c.is_control() => Some(HiddenKind::Control),
        _ => None,
    }
}

/// Refuses `text` if it holds a character [`hidden_kind`] refuses; `field` names it in the
/// error. Only the first such character is reported.
pub fn check_text(field: &str, text: &str) -> Result<(), TextError> {
    let mut chars = text.chars().peekable();
    let mut position = 0usize;
    while let Some(c) = chars.next() {
        position += 1;
        if let Some(kind) = hidden_kind(c, chars.peek().copied()) {
            return Err(TextError {
                field: field.to_owned(),
                character: c,
                position,
                kind,
            });
        }
    }
    Ok(())
}

/// `text` without the characters [`check_text`] refuses: control characters become a space
/// (so the words around them stay apart), the others are removed. The result always passes
/// [`check_text`].
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match hidden_kind(c, chars.peek().copied()) {
            None => out.push(c),
            Some(HiddenKind::Control) => out.push(' '),
            Some(_) => {}
        }
    }
    out
}

/// How many characters of an input a message quotes back.
pub const QUOTED_CHARS: usize = 80;

/// `input` as a message may quote it: its first [`QUOTED_CHARS`] characters, and `…` when there
/// were more (a 100 KB mistake is named, not echoed).
pub fn quoted(input: &str) -> String {
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(QUOTED_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_inputs_are_cut_at_eighty_characters() {
        assert_eq!(quoted("۱۴۰۵-۱۳"), "۱۴۰۵-۱۳");
        let long = "ب".repeat(100_000);
        let q = quoted(&long);
        assert_eq!(q.chars().count(), QUOTED_CHARS + 1);
        assert!(q.ends_with('…'));
    }

    #[test]
    fn bidi_controls_are_refused_naming_field_character_and_position() {
        let err = check_text("description", "سلام\u{202E}evil").unwrap_err();
        assert_eq!(err.character, '\u{202E}');
        assert_eq!(err.position, 5);
        assert_eq!(err.kind, HiddenKind::BidiControl);
        assert_eq!(
            err.to_string(),
            "description contains a bidi embedding, override or isolate U+202E at position 5"
        );
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let e = check_text("f", &format!("a{c}b")).unwrap_err();
            assert_eq!((e.kind, e.position), (HiddenKind::BidiControl, 2), "{c:?}");
        }
    }

    #[test]
    fn marks_and_invisible_format_characters_are_refused() {
        for c in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            assert_eq!(
                check_text("f", &format!("{c}۱۲ ۳۴")).unwrap_err().kind,
                HiddenKind::BidiMark
            );
        }
        for c in [
            '\u{200B}',
            '\u{FEFF}',
            '\u{2060}',
            '\u{00AD}',
            '\u{206E}',
            '\u{3164}',
            '\u{0600}',
            '\u{FFF9}',
            '\u{E0041}',
        ] {
            let e = check_text("f", &format!("علی{c}")).unwrap_err();
            assert_eq!((e.kind, e.position), (HiddenKind::Format, 4), "{c:?}");
            assert!(
                e.reason().contains(&format!("U+{:04X}", u32::from(c))),
                "{e}"
            );
        }
    }

    #[test]
    fn control_characters_are_refused_but_lines_and_tabs_pass() {
        for text in [
            "a\u{1B}[2Jb",
            "a\rb",
            "a\u{0}b",
            "a\u{85}b",
            "a\u{2028}b",
            "a\r",
        ] {
            assert_eq!(
                check_text("note", text).unwrap_err().kind,
                HiddenKind::Control,
                "{text:?}"
            );
        }
        assert!(check_text("note", "خط اول\nخط دوم\r\n\tسوم").is_ok());
    }

    #[test]
    fn zwnj_zwj_persian_and_emoji_pass() {
        for text in [
            "می‌روم",
            "نامه‌ی من",
            "ه\u{200D}",
            "👩\u{200D}💻 ❤\u{FE0F}",
            "Conduct of staff (C++)",
            "۱۴۰۴/۰۸/۰۳",
            "",
        ] {
            assert_eq!(check_text("f", text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn clean_removes_what_check_refuses_and_keeps_the_rest() {
        assert_eq!(clean("سلام\u{202E}evil\u{202C}"), "سلامevil");
        assert_eq!(clean("\u{200F}12 34"), "12 34");
        assert_eq!(clean("a\u{1B}b\r\nc\rd"), "a b\r\nc d");
        assert_eq!(clean("می‌روم"), "می‌روم");
    }

    #[test]
    fn the_persian_message_is_persian() {
        let e = check_text("f", "\u{202E}").unwrap_err();
        assert!(
            e.message_fa()
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        );
        assert!(!e.message_fa().chars().any(|c| c.is_ascii_digit()));
    }

    proptest::proptest! {
        #[test]
        fn cleaned_text_always_passes_and_clean_text_is_unchanged(
            text in "\\PC{0,40}|[\\u{0}-\\u{3000}]{0,40}"
        ) {
            let cleaned = clean(&text);
            proptest::prop_assert_eq!(check_text("f", &cleaned), Ok(()));
            if check_text("f", &text).is_ok() {
                proptest::prop_assert_eq!(cleaned, text);
            }
        }
    }
}
