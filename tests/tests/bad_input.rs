//! Bad input, table-driven: malformed national codes and other visitor input, Jalali dates,
//! configuration files and database files. Each row must give its own specific error, and
//! nothing on disk may change: the database directory (or the config's directory) is snapshot
//! byte for byte before and after every row.

// Helpers of this test file panic on setup failure: that is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use chrono::{DateTime, Utc};
use kiosk::registration::{Registrar, RegistrationError, VisitorInput};
use kiosk_config::KioskConfig;
use kiosk_core::jalali::JalaliDateError;
use kiosk_core::{CaseKind, JalaliDate, MobileNumberError, NationalCodeError};
use kiosk_store::{OpenOptions, Store, StoreError};
use kiosk_tests::DirSnapshot;

/// Whether an error is the one a row expects.
type Expect<E> = fn(&E) -> bool;

fn config(data_dir: &Path) -> KioskConfig {
    let mut config = kiosk_config::parse(kiosk_config::EXAMPLE, Path::new(".")).unwrap();
    config.data_dir = data_dir.to_owned();
    config
}

fn now() -> DateTime<Utc> {
    "2025-10-25T07:00:00Z".parse().unwrap()
}

fn good_input() -> VisitorInput {
    VisitorInput {
        national_code: "0499370899".into(),
        other_id: None,
        kind: Some(CaseKind::Complaint),
        subject_id: "service-delay".into(),
        service_id: None,
        description: "شرح کوتاه".into(),
        mobile: "09121234567".into(),
        official: None,
        notice_consent: false,
    }
}

/// One malformed visitor input and the error it must give.
struct VisitorRow {
    name: &'static str,
    input: VisitorInput,
    expected: fn(&RegistrationError) -> bool,
}

fn with_code(code: &str) -> VisitorInput {
    VisitorInput {
        national_code: code.into(),
        ..good_input()
    }
}

fn visitor_rows() -> Vec<VisitorRow> {
    use NationalCodeError as N;
    use RegistrationError as R;
    vec![
        VisitorRow {
            name: "empty code",
            input: with_code(""),
            expected: |e| matches!(e, R::NationalCode(N::Empty)),
        },
        VisitorRow {
            name: "only separators",
            input: with_code(" - "),
            expected: |e| matches!(e, R::NationalCode(N::Empty)),
        },
        VisitorRow {
            name: "five digits",
            input: with_code("12345"),
            expected: |e| matches!(e, R::NationalCode(N::TooShort { digits: 5 })),
        },
        VisitorRow {
            name: "seven digits",
            input: with_code("۱۲۳۴۵۶۷"),
            expected: |e| matches!(e, R::NationalCode(N::TooShort { digits: 7 })),
        },
        VisitorRow {
            name: "eleven digits",
            input: with_code("04993708991"),
            expected: |e| matches!(e, R::NationalCode(N::TooLong { digits: 11 })),
        },
        VisitorRow {
            name: "a letter",
            input: with_code("049937089a"),
            expected: |e| matches!(e, R::NationalCode(N::NotADigit { position: 10 })),
        },
        VisitorRow {
            name: "leading plus",
            input: with_code("+0499370899"),
            expected: |e| matches!(e, R::NationalCode(N::Sign { position: 1 })),
        },
        VisitorRow {
            name: "newline",
            input: with_code("0499370899\n"),
            expected: |e| matches!(e, R::NationalCode(N::NotADigit { position: 11 })),
        },
        VisitorRow {
            name: "wrong check digit (Persian)",
            input: with_code("۰۴۹۹۳۷۰۸۹۸"),
            expected: |e| {
                matches!(
                    e,
                    R::NationalCode(N::ChecksumMismatch {
                        expected: 9,
                        found: 8
                    })
                )
            },
        },
        VisitorRow {
            name: "swapped digits",
            input: with_code("0499378099"),
            expected: |e| matches!(e, R::NationalCode(N::ChecksumMismatch { .. })),
        },
        VisitorRow {
            name: "all zeros",
            input: with_code("0000000000"),
            expected: |e| matches!(e, R::NationalCode(N::AllSameDigits)),
        },
        VisitorRow {
            name: "all ones on a real kiosk",
            input: with_code("1111111111"),
            expected: |e| matches!(e, R::NationalCode(N::AllSameDigits)),
        },
        VisitorRow {
            name: "all fives",
            input: with_code("5555555555"),
            expected: |e| matches!(e, R::NationalCode(N::AllSameDigits)),
        },
        VisitorRow {
            name: "digits 4-9 zero",
            input: with_code("1230000003"),
            expected: |e| matches!(e, R::NationalCode(N::MiddleDigitsZero)),
        },
        VisitorRow {
            name: "landline instead of mobile",
            input: VisitorInput {
                mobile: "02112345678".into(),
                ..good_input()
            },
            expected: |e| matches!(e, R::Mobile(MobileNumberError::WrongShape)),
        },
        VisitorRow {
            name: "letters in mobile",
            input: VisitorInput {
                mobile: "0912abc".into(),
                ..good_input()
            },
            expected: |e| matches!(e, R::Mobile(MobileNumberError::NotADigit { position: 5 })),
        },
        VisitorRow {
            name: "overlong description",
            input: VisitorInput {
                description: "ب".repeat(4001),
                ..good_input()
            },
            expected: |e| matches!(e, R::DescriptionTooLong(4001)),
        },
        VisitorRow {
            name: "no subject",
            input: VisitorInput {
                subject_id: "  ".into(),
                ..good_input()
            },
            expected: |e| matches!(e, R::NoSubject),
        },
        VisitorRow {
            name: "no kind",
            input: VisitorInput {
                kind: None,
                ..good_input()
            },
            expected: |e| matches!(e, R::NoKind),
        },
        VisitorRow {
            name: "complaint without description",
            input: VisitorInput {
                description: " \n ".into(),
                ..good_input()
            },
            expected: |e| matches!(e, R::EmptyDescription),
        },
    ]
}

#[test]
fn malformed_visitor_input_is_refused_specifically_and_changes_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut store = Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).unwrap();
    let registrar = Registrar::new(&config);
    // One good case first, so the database has content to protect.
    registrar
        .register(&mut store, &good_input(), now())
        .unwrap();
    let rows = visitor_rows();
    assert!(rows.len() >= 20);
    for row in rows {
        let before = DirSnapshot::take(dir.path()).unwrap();
        let err = registrar
            .register(&mut store, &row.input, now())
            .expect_err(row.name);
        assert!(
            (row.expected)(&err),
            "{}: unexpected error {err:?}",
            row.name
        );
        let fa = err.message_fa();
        assert!(
            fa.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
            "{}: {fa}",
            row.name
        );
        assert_eq!(
            DirSnapshot::take(dir.path()).unwrap(),
            before,
            "{}: disk changed",
            row.name
        );
    }
    assert_eq!(store.outbox_depth().unwrap().pending, 1);
}

#[test]
fn malformed_dates_are_refused_specifically() {
    use JalaliDateError as D;
    let rows: Vec<(&str, Expect<JalaliDateError>)> = vec![
        ("1404-12-30", |e| {
            matches!(
                e,
                D::NoSuchDay {
                    day: 30,
                    month: 12,
                    days_in_month: 29,
                    ..
                }
            )
        }),
        ("1404-13-01", |e| matches!(e, D::NoSuchMonth(13))),
        ("1404-00-10", |e| matches!(e, D::NoSuchMonth(0))),
        ("1404-07-31", |e| {
            matches!(
                e,
                D::NoSuchDay {
                    day: 31,
                    month: 7,
                    ..
                }
            )
        }),
        ("۱۴۰۴-۰۱-۳۲", |e| {
            matches!(e, D::NoSuchDay { day: 32, .. })
        }),
        ("1200-01-01", |e| matches!(e, D::YearOutOfRange(1200))),
        ("2025-03-21", |e| matches!(e, D::YearOutOfRange(2025))),
        ("1404/01", |e| matches!(e, D::Format(_))),
        ("", |e| matches!(e, D::Format(_))),
        ("1404-1-1-1", |e| matches!(e, D::Format(_))),
        ("۱۴۰۴ ۰۱ ۰۱", |e| matches!(e, D::Format(_))),
    ];
    for (text, expected) in rows {
        let err = text.parse::<JalaliDate>().expect_err(text);
        assert!(expected(&err), "{text}: unexpected {err:?}");
        assert!(!err.message_fa().is_empty());
    }
}

#[test]
fn malformed_configs_name_their_key_and_change_nothing_on_disk() {
    let head = "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n";
    let rows: Vec<(&str, String, &str, &str)> = vec![
        ("not TOML", "[kiosk\n".into(), "", "not valid TOML"),
        ("no kiosk table", "mode = \"kiosk\"\n".into(), "", "kiosk"),
        (
            "kiosk number zero",
            head.replace("number = 7", "number = 0"),
            "kiosk.number",
            "1 to 99999",
        ),
        (
            "kiosk number as text",
            head.replace("number = 7", "number = \"7\""),
            "kiosk.number",
            "whole number",
        ),
        (
            "unknown key",
            format!("{head}colour = 1\n"),
            "kiosk.colour",
            "unknown field",
        ),
        (
            "unknown mode",
            format!("mode = \"lobby\"\n{head}"),
            "mode",
            "lobby",
        ),
        (
            "bad weekday",
            format!("{head}[calendar]\nweekend = [\"fri\"]\n"),
            "calendar.weekend[0]",
            "day name",
        ),
        (
            "closure ends before it starts",
            format!("{head}[[calendar.closures]]\nfirst = \"1404-09-11\"\nlast = \"1404-09-10\"\n"),
            "calendar.closures[0].last",
            "before",
        ),
        (
            "zero response days",
            format!("{head}[response_days]\ncomplaint = 0\n"),
            "response_days.complaint",
            "1 to 90",
        ),
        (
            "plain http portal",
            format!("{head}[receipt]\nportal_url = \"http://x.ir\"\n"),
            "receipt.portal_url",
            "https://",
        ),
        (
            "unknown language",
            head.replace("desk = \"b\"", "desk = \"b\"\nlanguage = \"ar\""),
            "kiosk.language",
            "\"fa\"",
        ),
        (
            "missing holiday file",
            format!("{head}[calendar]\nextra_holiday_files = [\"1407.toml\"]\n"),
            "calendar.extra_holiday_files[0]",
            "cannot read",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text, key, reason_part) in rows {
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, &text).unwrap();
        let before = DirSnapshot::take(dir.path()).unwrap();
        let err = kiosk_config::load(&path).expect_err(name);
        let issue = err
            .issues()
            .iter()
            .find(|i| i.key == key)
            .unwrap_or_else(|| panic!("{name}: no issue for key {key:?} in {:?}", err.issues()));
        assert!(issue.reason.contains(reason_part), "{name}: {issue}");
        assert_eq!(
            DirSnapshot::take(dir.path()).unwrap(),
            before,
            "{name}: disk changed"
        );
    }
}

/// Builds a real database with a few cases in `dir/name` and closes it.
fn real_db(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let config = config(dir);
    let mut store = Store::open(&path, &OpenOptions::default()).unwrap();
    for _ in 0..20 {
        let input = VisitorInput {
            description: "شرح ".repeat(200),
            ..good_input()
        };
        Registrar::new(&config)
            .register(&mut store, &input, now())
            .unwrap();
    }
    drop(store);
    path
}

#[test]
fn malformed_database_files_are_refused_specifically_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("noise.db"),
        (0..8192u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(
        d.join("text.db"),
        "this is a config file, not a database\n".repeat(50),
    )
    .unwrap();
    std::fs::write(d.join("empty.db"), b"").unwrap();
    let truncated = real_db(d, "truncated.db");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let future = real_db(d, "future.db");
    {
        let conn = rusqlite::Connection::open(&future).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let damaged = real_db(d, "damaged.db");
    {
        let mut bytes = std::fs::read(&damaged).unwrap();
        let page = 4096;
        let last_page = bytes.len() / page - 1;
        for b in &mut bytes[last_page * page + 8..last_page * page + 400] {
            *b = 0xA5;
        }
        std::fs::write(&damaged, bytes).unwrap();
    }
    std::fs::create_dir(d.join("a-directory.db")).unwrap();

    let rows: Vec<(&str, Expect<StoreError>)> = vec![
        // Two whole pages of high-entropy bytes read exactly like an encrypted database whose
        // key was not given: named as such (locked), never as corrupt.
        ("noise.db", |e| {
            matches!(e, StoreError::EncryptedOrNotADatabase { .. })
        }),
        ("text.db", |e| {
            matches!(
                e,
                StoreError::Damaged {
                    reason: kiosk_store::CorruptReason::NotADatabase,
                    ..
                }
            )
        }),
        ("empty.db", |e| {
            matches!(
                e,
                StoreError::Damaged {
                    reason: kiosk_store::CorruptReason::Empty,
                    ..
                }
            )
        }),
        ("truncated.db", |e| {
            matches!(
                e,
                StoreError::Damaged {
                    reason: kiosk_store::CorruptReason::Truncated { .. },
                    ..
                }
            )
        }),
        ("future.db", |e| {
            matches!(e, StoreError::NewerSchema { found: 99, .. })
        }),
        ("damaged.db", |e| {
            matches!(
                e,
                StoreError::Damaged {
                    reason: kiosk_store::CorruptReason::IntegrityCheckFailed { .. }
                        | kiosk_store::CorruptReason::Malformed { .. },
                    ..
                }
            )
        }),
        ("missing.db", |e| matches!(e, StoreError::NotFound { .. })),
        ("a-directory.db", |e| {
            matches!(e, StoreError::NotAFile { .. })
        }),
    ];
    for (name, expected) in rows {
        let before = DirSnapshot::take(d).unwrap();
        let err = Store::check(d.join(name)).expect_err(name);
        assert!(expected(&err), "{name}: unexpected {err:?}");
        assert!(
            err.to_string().contains(name),
            "{name}: message does not name the file: {err}"
        );
        assert_eq!(
            DirSnapshot::take(d).unwrap(),
            before,
            "{name}: disk changed ({:?})",
            before.names()
        );
    }
}
