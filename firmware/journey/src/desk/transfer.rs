//! Transfers (انتقال, one of the kinds of case of seed 000 §1) registered by staff at the desk
//! terminal: kiosk visitors cannot choose the kind (`crate::VISITOR_KINDS` leaves it out), so
//! the desk is where a transfer enters the system. The form: the visitor's national code, the
//! catalogue subject the transfer is about and a description of what is transferred, from
//! where and to whom. The app registers it as a case of kind `transfer` with its response date
//! (firmware/app/src/journeys/desk_store.rs); every refusal comes back in Persian.

/// A text field of the transfer form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferField {
    /// The visitor's national code.
    NationalCode,
    /// What is transferred, from where and to whom.
    Description,
}

impl TransferField {
    /// Every field, in the order of the form.
    pub const ALL: [TransferField; 2] = [TransferField::NationalCode, TransferField::Description];

    /// A stable id (button ids, logs).
    pub fn as_str(self) -> &'static str {
        match self {
            TransferField::NationalCode => "national_code",
            TransferField::Description => "description",
        }
    }

    /// The field's label on the form.
    pub fn label_fa(self) -> &'static str {
        match self {
            TransferField::NationalCode => "کد ملی مراجعه‌کننده",
            TransferField::Description => "شرح انتقال",
        }
    }

    /// Typed on the digit keypad rather than the Persian keyboard.
    pub fn numeric(self) -> bool {
        self == TransferField::NationalCode
    }

    /// Most characters accepted while typing (the registration checks its own limits again).
    pub fn max_chars(self) -> usize {
        match self {
            TransferField::NationalCode => 10,
            TransferField::Description => kiosk_core::MAX_DESCRIPTION_CHARS,
        }
    }

    /// The field's text in a draft.
    pub fn value(self, draft: &TransferDraft) -> &str {
        match self {
            TransferField::NationalCode => &draft.national_code,
            TransferField::Description => &draft.description,
        }
    }

    /// The field's slot in a draft.
    pub fn slot(self, draft: &mut TransferDraft) -> &mut String {
        match self {
            TransferField::NationalCode => &mut draft.national_code,
            TransferField::Description => &mut draft.description,
        }
    }
}

/// The transfer form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferDraft {
    /// The visitor's national code, as typed.
    pub national_code: String,
    /// The catalogue subject chosen, by identifier.
    pub subject_id: Option<String>,
    /// What is transferred.
    pub description: String,
}

/// A subject a transfer may be about: the catalogue's subjects in this office's scope that
/// accept the kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSubject {
    /// The subject's identifier.
    pub id: String,
    /// Its Persian label.
    pub label_fa: String,
}

/// The subjects of `catalogue` a transfer may be about.
pub fn transfer_subjects(catalogue: &kiosk_core::Catalogue) -> Vec<TransferSubject> {
    catalogue
        .subjects
        .iter()
        .filter(|s| s.in_scope() && s.accepts(kiosk_core::CaseKind::Transfer))
        .map(|s| TransferSubject {
            id: s.id.clone(),
            label_fa: s.label_fa.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{DeskAction, DeskEffect, DeskEvent, DeskFlow, DeskScreen, StaffView};
    use super::*;

    fn logged_in_with_subjects() -> DeskFlow {
        let mut flow = DeskFlow::new();
        flow.transfer_subjects = vec![
            TransferSubject {
                id: "deed-delay".into(),
                label_fa: "تأخیر در صدور سند".into(),
            },
            TransferSubject {
                id: "service-quality".into(),
                label_fa: "کیفیت خدمات".into(),
            },
        ];
        flow.step(DeskEvent::Scanned("E-1".into()));
        flow.step(DeskEvent::Digit(1));
        flow.step(DeskEvent::Do(DeskAction::Submit));
        flow.step(DeskEvent::LoggedIn(StaffView {
            staff_id: 3,
            employee_code: "E-1".into(),
            display_name: "علی".into(),
        }));
        flow
    }

    fn type_into(flow: &mut DeskFlow, field: TransferField, text: &str) {
        flow.step(DeskEvent::Do(DeskAction::EditTransfer(field)));
        assert_eq!(flow.screen, DeskScreen::TransferText(field));
        for c in text.chars() {
            flow.step(match c.to_digit(10) {
                Some(d) if field.numeric() => DeskEvent::Digit(d as u8),
                _ => DeskEvent::Char(c),
            });
        }
        flow.step(DeskEvent::Do(DeskAction::Submit));
        assert_eq!(flow.screen, DeskScreen::Transfer);
    }

    #[test]
    fn staff_reach_the_transfer_kind_from_the_menu_and_visitors_do_not() {
        assert!(!crate::VISITOR_KINDS.contains(&kiosk_core::CaseKind::Transfer));
        let flow = logged_in_with_subjects();
        assert!(flow.actions().contains(&DeskAction::RegisterTransfer));
        assert!(
            !DeskFlow::new()
                .actions()
                .contains(&DeskAction::RegisterTransfer),
            "not before a staff login"
        );
    }

    #[test]
    fn the_form_is_typed_its_subject_chosen_and_a_refusal_keeps_it() {
        let mut flow = logged_in_with_subjects();
        flow.step(DeskEvent::Do(DeskAction::RegisterTransfer));
        assert_eq!(flow.screen, DeskScreen::Transfer);
        assert!(
            flow.actions()
                .contains(&DeskAction::TransferSubject("service-quality".into()))
        );
        // Letters are not typed into the national code; at most ten digits are.
        type_into(&mut flow, TransferField::NationalCode, "04993708991234x");
        assert_eq!(flow.transfer.national_code, "0499370899");
        type_into(
            &mut flow,
            TransferField::Description,
            "انتقال پرونده از اداره‌ی شهرستان",
        );
        let said = flow.step(DeskEvent::Do(DeskAction::TransferSubject(
            "deed-delay".into(),
        )));
        assert_eq!(said, vec![DeskEffect::Speak("تأخیر در صدور سند".into())]);
        let effects = flow.step(DeskEvent::Do(DeskAction::Submit));
        let expected = TransferDraft {
            national_code: "0499370899".into(),
            subject_id: Some("deed-delay".into()),
            description: "انتقال پرونده از اداره‌ی شهرستان".into(),
        };
        assert!(
            effects.contains(&DeskEffect::RegisterTransfer {
                staff_id: 3,
                draft: expected.clone()
            }),
            "{effects:?}"
        );
        flow.step(DeskEvent::Refused("کد ملی را درست وارد کنید.".into()));
        assert_eq!(flow.screen, DeskScreen::Transfer, "back to the form");
        assert_eq!(flow.transfer, expected, "with what was typed");
        flow.step(DeskEvent::Do(DeskAction::Submit));
        flow.step(DeskEvent::Done("انتقال ثبت شد.".into()));
        assert_eq!(flow.screen, DeskScreen::Menu);
        assert_eq!(flow.transfer, TransferDraft::default());
        // Logging out keeps the catalogue's subjects for the next member.
        flow.step(DeskEvent::IdleExpired);
        assert_eq!(flow.transfer_subjects.len(), 2);
    }

    #[test]
    fn only_subjects_in_scope_that_accept_transfers_are_offered() {
        use kiosk_core::{CaseKind, Catalogue, Subject};
        let subject = |id: &str, kinds: Vec<CaseKind>, guidance: Option<&str>| Subject {
            id: id.into(),
            label_fa: id.into(),
            label_en: id.into(),
            keywords: Vec::new(),
            kinds,
            service_id: None,
            guidance_fa: guidance.map(str::to_owned),
            guidance_en: None,
            about_officials: false,
            next_visit: None,
        };
        let catalogue = Catalogue {
            subjects: vec![
                subject("any", Vec::new(), None),
                subject("transfers", vec![CaseKind::Transfer], None),
                subject("complaints", vec![CaseKind::Complaint], None),
                subject("elsewhere", Vec::new(), Some("اداره‌ی دیگر")),
            ],
            services: Vec::new(),
        };
        let ids: Vec<String> = transfer_subjects(&catalogue)
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["any", "transfers"]);
    }
}
