//! Messages of a refused configuration: a duplicate key is named by its dotted path and line,
//! every shape problem of a file is reported at once, and input quoted back is cut to
//! `kiosk_config::MAX_ECHO` characters.

use std::path::Path;

use kiosk_config::{ConfigIssue, MAX_ECHO};

const HEAD: &str = "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n";

fn issues_of(text: &str) -> Vec<ConfigIssue> {
    match kiosk_config::parse(text, Path::new("/nonexistent")) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.issues().to_vec(),
    }
}

#[test]
fn a_duplicate_key_is_named_by_its_path_and_line() {
    let issues = issues_of(&format!("{HEAD}number = 8\n"));
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].key, "kiosk.number");
    assert!(
        issues[0].reason.contains("duplicate key") && issues[0].reason.contains("line 5"),
        "{}",
        issues[0]
    );
    let subjects = issues_of(&format!(
        "{HEAD}[[subject]]\nid = \"a\"\nlabel_fa = \"x\"\n[[subject]]\nid = \"b\"\nlabel_fa = \"y\"\nid = \"c\"\n"
    ));
    assert_eq!(subjects[0].key, "subject[1].id");
    assert!(subjects[0].reason.contains("line 11"), "{}", subjects[0]);
    let table = issues_of(&format!("{HEAD}[printer]\ndots = 576\n[printer]\n"));
    assert_eq!(table[0].key, "printer");
}

#[test]
fn every_syntax_error_is_listed_with_its_line() {
    let issues = issues_of("[kiosk\nnumber = 7\nagency = = \"a\"\ndesk = \"b\"\n");
    assert!(issues.len() >= 2, "{issues:?}");
    assert!(
        issues
            .iter()
            .all(|i| i.reason.starts_with("not valid TOML (line "))
    );
    assert!(issues[0].reason.contains("line 1"), "{issues:?}");
    assert!(
        issues.iter().any(|i| i.reason.contains("line 3")),
        "{issues:?}"
    );
}

#[test]
fn every_type_error_unknown_key_and_missing_field_is_reported_at_once() {
    let text = "mode = \"lobby\"\n\
        [kiosk]\nnumber = \"seven\"\nagency = 5\n\
        [display]\nwidth_mm = \"wide\"\n\
        [printer]\ndots = \"many\"\ncolour = \"red\"\ncut = \"sideways\"\n\
        [[subject]]\nid = \"a\"\nlabel_fa = 1\n\
        [[subject]]\nid = \"b\"\n\
        [[subject]]\nid = \"c\"\nkinds = \"complaint\"\n";
    let issues = issues_of(text);
    let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "mode",
            "kiosk",
            "kiosk.number",
            "kiosk.agency",
            "display.width_mm",
            "printer.dots",
            "printer.colour",
            "printer.cut",
            "subject[0].label_fa",
            "subject[1]",
            "subject[2]",
            "subject[2].kinds",
        ],
        "{issues:#?}"
    );
    let reason = |key: &str| {
        issues
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("mode").contains("\"lobby\""), "{issues:#?}");
    assert!(
        reason("kiosk").contains("missing field `desk`"),
        "{issues:#?}"
    );
    assert!(
        reason("kiosk.number").contains("expected a whole number (line 3)"),
        "{issues:#?}"
    );
    assert!(reason("printer.colour").contains("unknown field `colour`"));
    assert!(reason("subject[1]").contains("missing field `label_fa`"));
    assert!(reason("subject[2]").contains("missing field `label_fa`"));
}

#[test]
fn a_missing_table_is_reported_once_at_the_top() {
    let issues = issues_of("mode = \"desk\"\n");
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].key, "");
    assert!(
        issues[0].reason.contains("missing field `kiosk`"),
        "{issues:?}"
    );
}

#[test]
fn echoed_input_is_cut_to_80_characters() {
    let huge = "ب".repeat(131_072 / 2);
    let cases = [
        // The shape check (wrong type), the meaning check (bad value) and an unknown key.
        format!("[kiosk]\nnumber = \"{huge}\"\nagency = \"a\"\ndesk = \"b\"\n"),
        format!("{HEAD}language = \"{huge}\"\n"),
        format!("{HEAD}\"{huge}\" = 1\n"),
        format!("{HEAD}[[subject]]\nid = \"{huge}\"\nlabel_fa = \"x\"\n"),
        format!("{HEAD}[printer]\nprofile = \"{huge}\"\n"),
        format!("{HEAD}[service_response_days]\n\"{huge}\" = 5\n"),
    ];
    for text in cases {
        let issues = issues_of(&text);
        for issue in &issues {
            let longest = issue
                .to_string()
                .split(|c: char| c.is_whitespace() || c == '"' || c == '`' || c == '…')
                .map(|run| run.chars().count())
                .max()
                .unwrap_or_default();
            assert!(longest <= MAX_ECHO, "{longest} characters echoed: {issue}");
            assert!(issue.to_string().len() < 1000, "{issue}");
        }
    }
}
