//! Input echoed in messages is cut to [`MAX_ECHO`] characters, and a list of problems to
//! [`MAX_ISSUES`].
//!
//! A message quotes the value it refuses so the operator can find it, but a 131 KB value quoted
//! whole drowns the message (and a terminal, and a log line). The new code quotes through
//! [`quoted`]; [`issue`] also cuts what any check already wrote: every `"…"` run longer than
//! [`MAX_ECHO`] characters and every longer run without spaces (a key or path).

use crate::ConfigIssue;

/// Most characters of input quoted in one message.
pub const MAX_ECHO: usize = 80;

/// Most problems listed for one file; one more line says how many were left out (a file
/// written by a program gone wrong can hold tens of thousands).
pub const MAX_ISSUES: usize = 200;

/// `text` itself when short, else its first `MAX_ECHO - 1` characters and `…`.
pub(crate) fn text(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHO - 1) {
        Some((cut, _)) if text.chars().count() > MAX_ECHO => {
            format!("{}… ({} characters)", &text[..cut], text.chars().count())
        }
        _ => text.to_owned(),
    }
}

/// `text` quoted as Rust's `{:?}` does, the quoted part cut to [`MAX_ECHO`] characters.
pub(crate) fn quoted(text: &str) -> String {
    let escaped = format!("{text:?}");
    let inner = &escaped[1..escaped.len() - 1];
    match inner.char_indices().nth(MAX_ECHO) {
        None => escaped,
        Some((cut, _)) => format!(
            "\"{}\"… ({} characters)",
            whole_escapes(&inner[..cut]),
            text.chars().count()
        ),
    }
}

/// The issue with over-long echoes cut.
pub(crate) fn issue(issue: ConfigIssue) -> ConfigIssue {
    ConfigIssue {
        key: cut_runs(&issue.key),
        reason: cut_message(&issue.reason),
    }
}

/// Cuts every list to [`MAX_ISSUES`] and every echo in it (see [`issue`]).
pub(crate) fn issues(mut list: Vec<ConfigIssue>) -> Vec<ConfigIssue> {
    let left_out = list.len().saturating_sub(MAX_ISSUES);
    list.truncate(MAX_ISSUES);
    let mut list: Vec<ConfigIssue> = list.into_iter().map(issue).collect();
    if left_out > 0 {
        list.push(ConfigIssue {
            key: String::new(),
            reason: format!(
                "{left_out} more problem(s) not listed; fix the ones above and check again"
            ),
        });
    }
    list
}

/// Cuts quoted runs (`"…"`, with `\"` escapes) and, outside them, runs without whitespace.
fn cut_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find('"') {
        out.push_str(&cut_runs(&rest[..open]));
        let body = &rest[open + 1..];
        let close = closing_quote(body);
        let inner = &body[..close.unwrap_or(body.len())];
        out.push('"');
        match inner.char_indices().nth(MAX_ECHO) {
            None => out.push_str(inner),
            Some((cut, _)) => {
                out.push_str(whole_escapes(&inner[..cut]));
                out.push('"');
                out.push_str(&format!("… ({} characters)", inner.chars().count()));
                rest = close.map_or("", |c| &body[c + 1..]);
                continue;
            }
        }
        match close {
            Some(c) => {
                out.push('"');
                rest = &body[c + 1..];
            }
            None => rest = "",
        }
    }
    out.push_str(&cut_runs(rest));
    out
}

/// `head` without a last escape sequence (`\"`, `\u{200c}`) that the cut split.
fn whole_escapes(head: &str) -> &str {
    let mut chars = head.char_indices();
    let mut end = 0;
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, 'u')) => {
                    if !chars.by_ref().any(|(_, c)| c == '}') {
                        return &head[..i];
                    }
                }
                Some(_) => {}
                None => return &head[..i],
            }
        }
        end = chars.offset();
    }
    &head[..end]
}

/// Byte index of the `"` that closes a quoted run starting at `body`, skipping `\x` escapes.
fn closing_quote(body: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Cuts every run of non-whitespace characters longer than [`MAX_ECHO`] (a `…` ends a run: it
/// marks a cut already made).
fn cut_runs(text: &str) -> String {
    if text.len() <= MAX_ECHO {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len().min(1024));
    let mut run = String::new();
    for c in text.chars() {
        if c.is_whitespace() || c == '…' {
            push_run(&mut out, &run);
            run.clear();
            out.push(c);
        } else {
            run.push(c);
        }
    }
    push_run(&mut out, &run);
    out
}

fn push_run(out: &mut String, run: &str) {
    match run.char_indices().nth(MAX_ECHO - 1) {
        Some((cut, _)) if run.chars().count() > MAX_ECHO => {
            out.push_str(&run[..cut]);
            out.push_str(&format!("… ({} characters)", run.chars().count()));
        }
        _ => out.push_str(run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of(reason: &str) -> String {
        issue(ConfigIssue {
            key: "k".to_owned(),
            reason: reason.to_owned(),
        })
        .reason
    }

    #[test]
    fn short_messages_are_left_alone() {
        let m = "\"a \\\"b\\\"\" is not one of \"fa\", \"en\"; see /etc/kiosk/kiosk.toml";
        assert_eq!(reason_of(m), m);
    }

    #[test]
    fn long_quoted_values_and_long_words_are_cut() {
        let long = "x".repeat(131_072);
        let m = reason_of(&format!("{long:?} is not an identifier (ASCII letters)"));
        assert!(m.len() < 200, "{m}");
        assert!(m.ends_with("(131072 characters) is not an identifier (ASCII letters)"));
        assert!(
            m.starts_with(&format!("\"{}\"…", "x".repeat(MAX_ECHO))),
            "{m}"
        );
        let m = reason_of(&format!("cannot read /{long}: gone"));
        assert!(m.len() < 200 && m.ends_with(" characters) gone"), "{m}");
        assert_eq!(reason_of(&m), m, "cutting twice changes nothing");
        let escapes = reason_of(&format!("{:?} bad", "\u{200c}".repeat(100)));
        assert!(
            escapes.contains("\"… (") && escapes.ends_with(" bad"),
            "{escapes}"
        );
        let unclosed = reason_of(&format!("\"{long}"));
        assert!(unclosed.len() < 200, "{unclosed}");
    }

    #[test]
    fn long_keys_and_lists_are_cut() {
        let key = format!("service_response_days.{}", "9".repeat(5000));
        assert!(
            issue(ConfigIssue {
                key,
                reason: String::new()
            })
            .key
            .len()
                < 200
        );
        let many = (0..MAX_ISSUES + 5)
            .map(|i| ConfigIssue {
                key: format!("subject[{i}].id"),
                reason: "bad".to_owned(),
            })
            .collect();
        let cut = issues(many);
        assert_eq!(cut.len(), MAX_ISSUES + 1);
        assert!(cut[MAX_ISSUES].reason.starts_with("5 more problem(s)"));
        assert_eq!(quoted("ab"), "\"ab\"");
        assert_eq!(text(&"é".repeat(80)), "é".repeat(80));
        assert_eq!(
            text(&"é".repeat(81)),
            format!("{}… (81 characters)", "é".repeat(79))
        );
        let zwnj = quoted(&"\u{200c}".repeat(100));
        assert!(zwnj.ends_with("\"… (100 characters)"), "{zwnj}");
        assert_eq!(reason_of(&zwnj), zwnj);
    }
}
