//! Makes text from outside (visitors, configuration, the catalogue) safe to print.
//!
//! - Bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) are removed,
//!   so a description cannot reorder the receipt; each field is also laid out as its own
//!   paragraph, so nothing leaks from one field into the next.
//! - Other control characters become spaces; runs of white space collapse to one.
//! - Arabic yeh and kaf (ي ك) become Persian ی ک, which is what the receipt font's Persian
//!   forms and a Persian reader expect.
//! - Characters the font lacks (emoji, other scripts) become one visible U+FFFD «�» per run,
//!   with their variation selectors, skin-tone modifiers and joiners, instead of vanishing.
//! - Text longer than a limit is cut at a character boundary and ends with «…».

use crate::fonts::{Weight, face};

/// The visible stand-in for characters the font cannot print.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Whether `c` is a bidi embedding, override or isolate control.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that belong to a preceding unprintable character (emoji sequences).
fn is_emoji_tail(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}')
}

/// Cleans `text` for printing; at most `max_chars` characters are kept (then «…»).
pub fn clean(text: &str, max_chars: usize) -> String {
    let font = face(Weight::Medium);
    let mut out = String::with_capacity(text.len());
    let mut last_replaced = false;
    let mut last_space = true;
    let mut count = 0usize;
    for c in text.chars() {
        if is_bidi_control(c) {
            continue;
        }
        let c = match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            c if c.is_control() || c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
                count += 1;
            }
            last_space = true;
            last_replaced = false;
        } else if is_emoji_tail(c) && last_replaced {
            continue;
        } else if matches!(c, '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}') || font.covers(c) {
            out.push(c);
            count += 1;
            last_space = false;
            last_replaced = false;
        } else if !last_replaced {
            out.push(REPLACEMENT);
            count += 1;
            last_space = false;
            last_replaced = true;
        }
        if count > max_chars {
            break;
        }
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    if count > max_chars {
        let keep: String = out.chars().take(max_chars.saturating_sub(1)).collect();
        let mut keep = keep.trim_end().to_owned();
        keep.push('…');
        return keep;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_removed() {
        let evil = "سلام\u{202E}evil\u{202C} \u{2067}x\u{2069}";
        let clean = clean(evil, 100);
        assert_eq!(clean, "سلامevil x");
        assert!(!clean.chars().any(is_bidi_control));
    }

    #[test]
    fn emoji_become_one_visible_replacement_each() {
        assert_eq!(clean("خوب 👍🏽 بود 😀😀", 100), "خوب \u{FFFD} بود \u{FFFD}");
        assert_eq!(clean("❤️", 10), "\u{FFFD}");
    }

    #[test]
    fn arabic_letters_become_persian_and_space_collapses() {
        assert_eq!(clean("  علي\tكريمي\n\n", 100), "علی کریمی");
        assert_eq!(clean("می‌روم", 100), "می‌روم", "ZWNJ kept");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let long = "الف ".repeat(100);
        let cut = clean(&long, 20);
        assert!(cut.ends_with('…'));
        assert!(cut.chars().count() <= 20, "{cut}");
        assert_eq!(clean("کوتاه", 5), "کوتاه");
    }
}
