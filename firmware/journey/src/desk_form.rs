//! The meeting form's text fields as the desk terminal edits them: their order on the form,
//! their Persian labels, which keyboard each takes, and how typed text becomes the field's
//! value (dates typed as eight digits get their slashes). Kept apart from `desk` so the staff
//! journey's state machine stays small.

use kiosk_core::digits::to_ascii_digits;

use super::desk::{MeetingDraft, MeetingField};

impl MeetingField {
    /// Every field, in the order of the meeting form (docs/rules.md R-003-5.3).
    pub const ALL: [MeetingField; 9] = [
        MeetingField::Day,
        MeetingField::FullName,
        MeetingField::NationalCode,
        MeetingField::BirthDate,
        MeetingField::OccupationTitle,
        MeetingField::Reason,
        MeetingField::Topic,
        MeetingField::ResultOther,
        MeetingField::ActionsTaken,
    ];

    /// A stable id (button ids, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingField::Day => "day",
            MeetingField::FullName => "full_name",
            MeetingField::NationalCode => "national_code",
            MeetingField::BirthDate => "birth_date",
            MeetingField::OccupationTitle => "occupation_title",
            MeetingField::Reason => "reason",
            MeetingField::Topic => "topic",
            MeetingField::ResultOther => "result_other",
            MeetingField::ActionsTaken => "actions_taken",
        }
    }

    /// The field's label on the form.
    pub fn label_fa(self) -> &'static str {
        match self {
            MeetingField::Day => "تاریخ ملاقات",
            MeetingField::FullName => "نام و نام خانوادگی",
            MeetingField::NationalCode => "کد ملی",
            MeetingField::BirthDate => "تاریخ تولد",
            MeetingField::OccupationTitle => "عنوان دقیق شغل",
            MeetingField::Reason => "دلیل ملاقات",
            MeetingField::Topic => "موضوع",
            MeetingField::ResultOther => "توضیح «سایر»",
            MeetingField::ActionsTaken => "اقدامات انجام‌شده",
        }
    }

    /// Typed on the digit keypad (codes and dates) rather than the Persian keyboard.
    pub fn numeric(self) -> bool {
        matches!(
            self,
            MeetingField::Day | MeetingField::NationalCode | MeetingField::BirthDate
        )
    }

    /// Most characters accepted while typing (the store checks its own limits again).
    pub fn max_chars(self) -> usize {
        match self {
            MeetingField::Day | MeetingField::BirthDate => 10,
            MeetingField::NationalCode => 10,
            MeetingField::FullName | MeetingField::OccupationTitle => 200,
            MeetingField::Topic => 100,
            MeetingField::ResultOther => 1000,
            MeetingField::Reason => 2000,
            MeetingField::ActionsTaken => 4000,
        }
    }

    /// The field's text in a draft.
    pub fn value(self, draft: &MeetingDraft) -> &str {
        match self {
            MeetingField::Day => &draft.day,
            MeetingField::FullName => &draft.full_name,
            MeetingField::NationalCode => &draft.national_code,
            MeetingField::BirthDate => &draft.birth_date,
            MeetingField::OccupationTitle => &draft.occupation_title,
            MeetingField::Reason => &draft.reason,
            MeetingField::Topic => &draft.topic,
            MeetingField::ResultOther => &draft.result_other,
            MeetingField::ActionsTaken => &draft.actions_taken,
        }
    }

    /// The field's slot in a draft.
    pub fn slot(self, draft: &mut MeetingDraft) -> &mut String {
        match self {
            MeetingField::Day => &mut draft.day,
            MeetingField::FullName => &mut draft.full_name,
            MeetingField::NationalCode => &mut draft.national_code,
            MeetingField::BirthDate => &mut draft.birth_date,
            MeetingField::OccupationTitle => &mut draft.occupation_title,
            MeetingField::Reason => &mut draft.reason,
            MeetingField::Topic => &mut draft.topic,
            MeetingField::ResultOther => &mut draft.result_other,
            MeetingField::ActionsTaken => &mut draft.actions_taken,
        }
    }

    /// What typed text becomes: a date of eight digits gets its slashes (`14040805` →
    /// `1404/08/05`), anything else is kept as typed, trimmed.
    pub fn normalise(self, typed: &str) -> String {
        let typed = typed.trim();
        let is_date = matches!(self, MeetingField::Day | MeetingField::BirthDate);
        let ascii = to_ascii_digits(typed);
        if is_date && ascii.len() == 8 && ascii.bytes().all(|b| b.is_ascii_digit()) {
            return format!("{}/{}/{}", &ascii[..4], &ascii[4..6], &ascii[6..]);
        }
        typed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_typed_as_digits_get_slashes_and_text_is_kept() {
        assert_eq!(MeetingField::Day.normalise("14040805"), "1404/08/05");
        assert_eq!(MeetingField::BirthDate.normalise("۱۳۵۹۰۱۰۱"), "1359/01/01");
        assert_eq!(
            MeetingField::BirthDate.normalise("1359/01/01"),
            "1359/01/01"
        );
        assert_eq!(MeetingField::FullName.normalise(" زهرا "), "زهرا");
        assert_eq!(MeetingField::NationalCode.normalise("12345678"), "12345678");
        let mut draft = MeetingDraft::default();
        *MeetingField::Reason.slot(&mut draft) = "پیگیری".into();
        assert_eq!(draft.reason, "پیگیری");
        assert_eq!(MeetingField::Reason.value(&draft), "پیگیری");
        assert!(MeetingField::ALL.iter().filter(|f| f.numeric()).count() == 3);
    }
}
