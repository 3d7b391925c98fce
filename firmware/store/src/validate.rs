//! Checks on caller-supplied text, run before a transaction starts.
//!
//! The schema repeats the length limits as `CHECK` constraints (a last line of defence), but a
//! constraint failure names no field; these checks give the caller a clear error naming the
//! field and the limit, and keep invalid input from ever taking the write lock.
//!
//! Every text field also goes through [`kiosk_core::text::check_text`]: bidi controls, bidi
//! marks and other invisible format or control characters are refused, naming the character
//! (`U+202E`) and its position, because what the store keeps is what the receipt prints, the
//! screens and logs show and SAMAD receives. ZWNJ (the Persian half-space) passes.

use std::path::Path;

use kiosk_core::text::check_text;

use crate::error::StoreError;

fn invalid(path: &Path, field: &'static str, reason: String) -> StoreError {
    StoreError::Invalid {
        path: path.to_owned(),
        field,
        reason,
    }
}

/// A required one-line value (an identifier, a name): not blank, no control characters, no
/// invisible characters ([`check_text`]), at most `max` characters.
pub fn single_line(
    path: &Path,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(invalid(path, field, "must not be empty".into()));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(
            path,
            field,
            "must not contain control characters".into(),
        ));
    }
    at_most(path, field, value, max)
}

/// Free text (a description, a note): may be empty or span lines, no invisible or control
/// characters but tab and line feed ([`check_text`]), at most `max` characters.
pub fn at_most(
    path: &Path,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), StoreError> {
    check_text(field, value).map_err(|e| invalid(path, field, e.reason()))?;
    let n = value.chars().count();
    if n > max {
        return Err(invalid(
            path,
            field,
            format!("{n} characters, at most {max} are allowed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_the_field_and_the_limit() {
        let p = Path::new("k.db");
        let e = single_line(p, "subject_id", "  ", 10).unwrap_err();
        assert_eq!(e.to_string(), "k.db: invalid subject_id: must not be empty");
        let e = single_line(p, "unit", "a\u{0}b", 10).unwrap_err();
        assert!(e.to_string().contains("control characters"), "{e}");
        let e = at_most(p, "description", &"ش".repeat(11), 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "k.db: invalid description: 11 characters, at most 10 are allowed"
        );
        // Characters, not bytes: ten Persian letters are twenty bytes and still fit.
        assert!(at_most(p, "description", &"ش".repeat(10), 10).is_ok());
        assert!(at_most(p, "description", "", 10).is_ok());
    }

    #[test]
    fn invisible_characters_are_refused_naming_field_character_and_position() {
        let p = Path::new("k.db");
        let e = at_most(p, "description", "سلام\u{202E}evil", 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "k.db: invalid description: contains a bidi embedding, override or isolate U+202E \
             at position 5"
        );
        for (field, text) in [
            ("full_name", "علی\u{2067}رضا"),
            ("display_name", "\u{200F}مریم"),
            ("unit", "روابط\u{200B}عمومی"),
        ] {
            let e = single_line(p, field, text, 100).unwrap_err();
            let StoreError::Invalid {
                field: f, reason, ..
            } = &e
            else {
                panic!("{e}");
            };
            assert_eq!(*f, field);
            assert!(reason.contains("U+"), "{e}");
        }
        let e = at_most(p, "event note", "a\u{1B}[2Jb", 100).unwrap_err();
        assert!(e.to_string().contains("U+001B at position 2"), "{e}");
        // The Persian half-space, lines and tabs pass.
        assert!(single_line(p, "full_name", "علی‌رضا", 100).is_ok());
        assert!(at_most(p, "description", "نامه‌ی من\nپاسخ\tنگرفت", 100).is_ok());
    }

    /// Through the store's public operations: nothing with a hidden character is written.
    #[test]
    fn a_case_an_event_and_a_staff_member_with_a_bidi_override_are_refused() {
        use chrono::DateTime;
        use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};

        let dir = tempfile::tempdir().unwrap();
        let mut store =
            crate::Store::open(dir.path().join("kiosk.db"), &crate::OpenOptions::default())
                .unwrap();
        let case = |description: &str| crate::NewCase {
            kiosk: KioskNumber::new(12).unwrap(),
            client_uuid: uuid::Uuid::new_v4(),
            kind: CaseKind::Complaint,
            subject_id: "S-1".into(),
            service_id: None,
            visitor: kiosk_core::VisitorId::from(
                NationalCode::parse("0499370899", &NationalCodePolicy::default()).unwrap(),
            ),
            phone: None,
            notice_consent_at: None,
            description: description.into(),
            registered_at: DateTime::from_timestamp_millis(1_761_373_800_000).unwrap(),
            due: None,
            unit: "روابط عمومی".into(),
            official_tier: None,
            next_visit: None,
        };
        let err = store
            .register_case(case("پاسخ \u{202E}۱۰۰۰ ریال"))
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid { field: "description", reason, .. }
                if reason.contains("U+202E at position 6")),
            "{err}"
        );
        let registered = store.register_case(case("نامه‌ی من پاسخ نگرفت")).unwrap();

        let event = |note: &str| crate::NewEvent {
            at: registered.registered_at,
            actor: "desk-1".into(),
            unit: "روابط عمومی".into(),
            kind: crate::EventKind::Note,
            note: Some(note.into()),
        };
        let err = store
            .append_event(registered.tracking_code, event("\u{2066}x\u{2069}"))
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "event note",
                    ..
                }
            ),
            "{err}"
        );
        store
            .append_event(registered.tracking_code, event("پی‌گیری شد"))
            .unwrap();

        let staff = |name: &str| crate::NewStaff {
            employee_code: "E-1".into(),
            display_name: name.into(),
            pin_hash: "hash".into(),
            active: true,
        };
        let err = store.insert_staff(staff("\u{202E}مریم")).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    field: "display_name",
                    ..
                }
            ),
            "{err}"
        );
        store.insert_staff(staff("مریم نیک‌نام")).unwrap();
    }
}
