//! Checks on caller-supplied text, run before a transaction starts.
//!
//! The schema repeats the length limits as `CHECK` constraints (a last line of defence), but a
//! constraint failure names no field; these checks give the caller a clear error naming the
//! field and the limit, and keep invalid input from ever taking the write lock.

use std::path::Path;

use crate::error::StoreError;

fn invalid(path: &Path, field: &'static str, reason: String) -> StoreError {
    StoreError::Invalid {
        path: path.to_owned(),
        field,
        reason,
    }
}

/// A required one-line value (an identifier, a name): not blank, no control characters, at most
/// `max` characters.
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

/// Free text (a description, a note): may be empty or span lines, at most `max` characters.
pub fn at_most(
    path: &Path,
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), StoreError> {
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
}
