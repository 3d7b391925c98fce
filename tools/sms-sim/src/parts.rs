//! How many parts an SMS takes, as a provider counts them: a text of the GSM 03.38 basic
//! alphabet (its extension characters count twice) goes 160 characters in one part and 153 in
//! each part of a longer one; any other text (Persian) goes as UCS-2, 70 UTF-16 units in one
//! part and 67 in each part of a longer one.

/// GSM 03.38's basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// GSM 03.38's extension characters (an escape and the character: two septets each).
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{000C}";

/// The text's length in the units of its coding, and whether that coding is UCS-2.
fn units(text: &str) -> (usize, bool) {
    let mut septets = 0;
    for c in text.chars() {
        if GSM_BASIC.contains(c) {
            septets += 1;
        } else if GSM_EXTENDED.contains(c) {
            septets += 2;
        } else {
            return (text.encode_utf16().count(), true);
        }
    }
    (septets, false)
}

/// How many parts `text` takes (0 for an empty text).
pub fn count(text: &str) -> usize {
    let (n, ucs2) = units(text);
    let (single, each) = if ucs2 { (70, 67) } else { (160, 153) };
    match n {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(each),
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn latin_text_goes_160_in_one_part_and_153_in_each_of_more() {
        assert_eq!(count(""), 0);
        assert_eq!(count(&"a".repeat(160)), 1);
        assert_eq!(count(&"a".repeat(161)), 2);
        assert_eq!(count(&"a".repeat(306)), 2);
        assert_eq!(count(&"a".repeat(307)), 3);
        // An extension character takes two septets.
        assert_eq!(count(&format!("{}€", "a".repeat(159))), 2);
    }

    #[test]
    fn persian_text_goes_70_in_one_part_and_67_in_each_of_more() {
        assert_eq!(count(&"پ".repeat(70)), 1);
        assert_eq!(count(&"پ".repeat(71)), 2);
        assert_eq!(count(&"پ".repeat(134)), 2);
        assert_eq!(count(&"پ".repeat(135)), 3);
        // One Persian letter turns a Latin text into UCS-2.
        assert_eq!(count(&format!("{}پ", "a".repeat(69))), 1);
        assert_eq!(count(&format!("{}پ", "a".repeat(70))), 2);
    }
}
