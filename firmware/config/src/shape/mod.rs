//! The file's shape: TOML syntax, then every key and value type against the schema, with every
//! problem of a file reported at once.
//!
//! The TOML parser recovers after a syntax error, so every syntax error of the file is listed
//! (a duplicate key under its dotted path, see [`keypath`]). A file that parses is then read into
//! [`RawConfig`] by the collecting deserializer of [`de`], which notes every wrong type, unknown
//! key, unknown name and missing field instead of stopping at the first. Each problem names its
//! key and line. The work is linear in the file's size: lines are indexed once, and the number of
//! passes is bounded by the schema's required fields, not by the file.

mod access;
mod de;
mod keypath;
mod pass;

use serde::Deserialize as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::ConfigIssue;
use crate::clip;
use crate::lines::LineIndex;
use crate::schema::RawConfig;

/// The file's raw shape, or every problem with it.
pub(crate) fn parse(text: &str) -> Result<RawConfig, Vec<ConfigIssue>> {
    let lines = LineIndex::new(text.as_bytes());
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors.iter().map(|e| syntax(text, &lines, e)).collect());
    }
    let span = root.span();
    let root = Spanned::new(span, DeValue::Table(root.into_inner()));
    let mut required = pass::Required::new();
    loop {
        let mut pass = pass::Pass::new(&required);
        let result = RawConfig::deserialize(de::ValueDe::root(&root, &mut pass));
        let result = pass.settle(result);
        let learned: Vec<_> = pass
            .learned
            .iter()
            .filter(|field| !required.contains(*field))
            .copied()
            .collect();
        if result.is_err() && !learned.is_empty() {
            // A required field was missing: run again, standing in for it wherever it lacks.
            required.extend(learned);
            continue;
        }
        let mut found = pass.found;
        return match result {
            Ok(raw) if found.is_empty() => Ok(raw),
            _ => {
                found.sort_by_key(|f| f.offset);
                Err(found
                    .into_iter()
                    .map(|f| ConfigIssue {
                        key: f.key,
                        reason: match f.offset {
                            Some(offset) => format!("{} (line {})", f.reason, lines.line(offset)),
                            None => f.reason,
                        },
                    })
                    .collect())
            }
        };
    }
}

fn syntax(text: &str, lines: &LineIndex, error: &toml::de::Error) -> ConfigIssue {
    let offset = error.span().map_or(0, |s| s.start);
    let (line, column) = lines.line_column(offset);
    let message = clip::text(error.message().trim());
    if message == "duplicate key"
        && let Some(key) = keypath::at(text, offset)
    {
        return ConfigIssue {
            reason: format!(
                "not valid TOML (line {line}, column {column}): duplicate key `{}`, already \
                 set above; each key may be set only once",
                clip::text(&key)
            ),
            key,
        };
    }
    ConfigIssue {
        key: String::new(),
        reason: format!("not valid TOML (line {line}, column {column}): {message}"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    fn subjects(n: usize) -> String {
        let mut text = String::from("[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n");
        for i in 0..n {
            text.push_str(&format!(
                "[[subject]]\nid = \"s{i}\"\nlabel_fa = \"x\"\nkinds = [1]\n"
            ));
        }
        text
    }

    /// Four times the subjects (each with a wrong value to note) take less than six times as
    /// long: the shape check is linear (a quadratic step would take sixteen times as long).
    #[test]
    fn the_shape_check_takes_linear_time() {
        let time = |text: &str| {
            (0..2)
                .map(|_| {
                    let started = Instant::now();
                    let issues = super::parse(text).err().map(|i| i.len());
                    (started.elapsed(), issues)
                })
                .min()
                .unwrap_or_default()
        };
        let (small, issues) = time(&subjects(10_000));
        assert_eq!(issues, Some(10_000));
        let (large, _) = time(&subjects(40_000));
        assert!(
            large < small * 6 + Duration::from_millis(300),
            "10,000 subjects: {small:?}, 40,000: {large:?}"
        );
    }
}
