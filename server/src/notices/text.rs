//! The notices' Persian texts: each names the tracking code in Persian digits and fits two
//! UCS-2 parts, 134 UTF-16 units (a Persian SMS goes 67 units to each part of a longer
//! message), so that it costs at most two messages. A unit's name from SAMAD is shortened with
//! «…» to fit; nothing else in a text varies in length.

use kiosk_core::CaseKind;
use kiosk_core::digits::to_persian_digits;

/// Most UTF-16 units of a notice: two UCS-2 parts of 67.
pub const MAX_UNITS: usize = 134;

/// Where the visitor follows the case up, closing most notices.
const FOLLOW_UP: &str = "پیگیری با همین کد در کیوسک یا سامانه سامد.";

/// What caused a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The case was registered.
    Registered,
    /// It was referred to a unit.
    Referral,
    /// A unit acted on it.
    Action,
    /// It was answered.
    Answer,
}

impl Trigger {
    /// The name kept in `notices.trigger`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Referral => "referral",
            Self::Action => "action",
            Self::Answer => "answer",
        }
    }

    /// The trigger of a SAMAD event type (`closed` and the unknown notify nothing).
    pub fn of_event(event_type: &str) -> Option<Self> {
        match event_type {
            "referral" => Some(Self::Referral),
            "action" => Some(Self::Action),
            "answer" => Some(Self::Answer),
            _ => None,
        }
    }

    /// The trigger named `name` in `notices.trigger`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "registered" => Some(Self::Registered),
            other => Self::of_event(other),
        }
    }
}

/// A text's length as an SMS counts it.
pub fn units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `name` on one line, at most `room` UTF-16 units, ending in «…» when shortened.
fn shortened(name: &str, room: usize) -> String {
    // SAMAD's words: no bidi overrides or other hidden characters that could reorder the
    // code on the phone's screen.
    let name = kiosk_core::text::clean(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if units(&name) <= room {
        return name;
    }
    let mut out = String::new();
    for c in name.chars() {
        if units(&out) + c.len_utf16() + 1 > room {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// `template` with `{unit}` replaced by `unit`, shortened so the whole fits [`MAX_UNITS`].
fn with_unit(template: &str, unit: &str) -> String {
    let base = units(&template.replace("{unit}", ""));
    let room = MAX_UNITS.saturating_sub(base);
    template.replace("{unit}", &shortened(unit, room))
}

/// The registration notice: the case's kind, its code, its response date when it owes one.
pub fn registered(tracking_code: &str, kind: &str, due_jalali: Option<&str>) -> String {
    let code = to_persian_digits(tracking_code);
    let kind = kind
        .parse::<CaseKind>()
        .map_or("درخواست", CaseKind::label_fa);
    let mut text = format!("{kind} شما با کد رهگیری {code} ثبت شد.");
    // The kiosk's printed date: digits (of any script) and separators only, or left out.
    let readable = |d: &&str| {
        !d.is_empty()
            && d.chars().count() <= 12
            && d.chars().all(|c| c.is_numeric() || c == '/' || c == '-')
    };
    if let Some(due) = due_jalali.map(str::trim).filter(readable) {
        text.push_str(&format!(" مهلت پاسخ: {}.", to_persian_digits(due)));
    }
    let whole = format!("{text} {FOLLOW_UP}");
    if units(&whole) <= MAX_UNITS {
        whole
    } else {
        text
    }
}

/// The notice of a referral, an action or an answer by `unit`.
pub fn of_event(trigger: Trigger, tracking_code: &str, unit: &str) -> String {
    let code = to_persian_digits(tracking_code);
    match trigger {
        Trigger::Registered => registered(tracking_code, "", None),
        Trigger::Referral => with_unit(
            &format!("درخواست {code} به «{{unit}}» ارجاع شد. {FOLLOW_UP}"),
            unit,
        ),
        Trigger::Action => with_unit(
            &format!("«{{unit}}» برای درخواست {code} اقدام کرد. {FOLLOW_UP}"),
            unit,
        ),
        Trigger::Answer => format!(
            "به درخواست {code} پاسخ داده شد. متن پاسخ را با همین کد در کیوسک یا سامانه سامد ببینید."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "1000123456789012";

    #[test]
    fn every_kind_registered_fits_two_parts_and_names_the_code_in_persian_digits() {
        for kind in CaseKind::ALL {
            for due in [None, Some("۱۴۰۵/۰۹/۱۶")] {
                let text = registered(CODE, kind.as_str(), due);
                assert!(units(&text) <= MAX_UNITS, "{text}: {}", units(&text));
                assert!(text.contains("۱۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲"), "{text}");
                assert!(text.starts_with(kind.label_fa()), "{text}");
                assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
            }
        }
        let with_due = registered(CODE, "complaint", Some("1405/09/16"));
        assert!(with_due.contains("مهلت پاسخ: ۱۴۰۵/۰۹/۱۶."), "{with_due}");
        assert!(with_due.ends_with(FOLLOW_UP), "{with_due}");
    }

    #[test]
    fn a_long_unit_is_shortened_with_an_ellipsis_and_a_short_one_kept_whole() {
        let long = "اداره کل امور مالیاتی استان تهران، معاونت رسیدگی به شکایات و درخواست‌های مردمی، واحد پاسخگویی";
        for trigger in [Trigger::Referral, Trigger::Action, Trigger::Answer] {
            let text = of_event(trigger, CODE, long);
            assert!(units(&text) <= MAX_UNITS, "{text}: {}", units(&text));
            assert!(text.contains("۱۰۰۰۱۲۳۴۵۶۷۸۹۰۱۲"), "{text}");
        }
        let referral = of_event(Trigger::Referral, CODE, long);
        assert!(referral.contains("…»"), "{referral}");
        let short = of_event(Trigger::Referral, CODE, "اداره ثبت\nشمال");
        assert!(short.contains("«اداره ثبت شمال»"), "{short}");
        // A bidi override from SAMAD does not reach the phone.
        let hidden = of_event(Trigger::Referral, CODE, "اداره\u{202E} ثبت");
        assert!(!hidden.contains('\u{202E}'), "{hidden}");
        // A due date that is not a date is left out.
        let odd = registered(CODE, "complaint", Some("<b>فردا</b>"));
        assert!(!odd.contains("مهلت"), "{odd}");
    }

    #[test]
    fn only_referrals_actions_and_answers_notify() {
        assert_eq!(Trigger::of_event("referral"), Some(Trigger::Referral));
        assert_eq!(Trigger::of_event("answer"), Some(Trigger::Answer));
        assert_eq!(Trigger::of_event("closed"), None);
        for t in [
            Trigger::Registered,
            Trigger::Referral,
            Trigger::Action,
            Trigger::Answer,
        ] {
            assert_eq!(Trigger::parse(t.as_str()), Some(t));
        }
    }
}
