//! The agency's catalogue as the kiosk downloads it (`kiosk_sync::wire::Catalogue`, from the
//! agency server or SAMAD) turned into the catalogue the journey lists (`kiosk_core::Catalogue`).
//!
//! - Scope (docs/rules.md R-000-4.8): a subject named in `agency.subject_scope` is registered
//!   here; any other subject leads to guidance. Its guidance text is composed from its
//!   destination (office, address, phone, hours, website, what to bring; Persian digits in the
//!   Persian text) and is what the guidance screen shows and says and the guidance slip prints.
//!   An out-of-scope subject without a destination is sent to SAMAD's line 111, as the contract
//!   says; a destination on a subject in scope is ignored (with a warning).
//! - Case kinds: the catalogue's `case_kinds` are the kinds every subject accepts (an empty list:
//!   every kind); a name the firmware does not know is skipped with a warning.
//! - Services: each with its national service identifier (شناسه خدمت, ASCII digits).
//! - English names: `service_name_en`, else the Persian name.
//! - Next visit (docs/rules.md R-000-4.4): a subject's or service's `next_visit` rule
//!   (`at_desk`, `working_days:N`, `weekly:DAY`) for the kinds that owe no later answer. A rule
//!   that does not read is dropped with an English log line naming the entry, and the entry is
//!   kept: its cases get kiosk.toml's default for their kind (`[next_visit]`) instead.
//!
//! A bad entry (no code or name, a code that is not an identifier or is used twice, hidden
//! characters, a service identifier that is not digits, a destination without an office) is
//! skipped with an English log line naming it, never a crash; each reason is also kept in
//! Persian, for the agency console, which holds a manager's edit to these same rules and
//! refuses it instead (server/src/catalogue.rs). A catalogue left with no subject
//! a visitor can register a case about is refused whole: the kiosk keeps the one it has
//! (kiosk.toml's, or the last good download).

use std::collections::HashSet;

use crate::wire;
use kiosk_core::digits::{to_ascii_digits, to_persian_digits};
use kiosk_core::{CaseKind, Catalogue, NextVisitRule, Service, Subject};

/// Where a visitor is sent for an out-of-scope subject whose entry names no destination (the
/// contract's default: SAMAD's line 111).
pub const LINE_111_FA: &str = "سامانه‌ی ارتباطات مردمی سامد، تلفن ۱۱۱";
/// The same in English.
pub const LINE_111_EN: &str = "SAMAD, the people's communications line: phone 111";

/// Longest identifier the store keeps for a subject or service (the case's `subject_id`).
const MAX_ID_CHARS: usize = kiosk_store::MAX_CATALOGUE_ID_CHARS;
/// Longest name or keyword taken.
const MAX_NAME_CHARS: usize = 200;
/// Longest destination detail taken (office, address, hours, website, one thing to bring).
const MAX_DETAIL_CHARS: usize = 300;

/// An entry left out, and why (the log line says the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `subjects[3]` or `services[0]`.
    pub at: String,
    /// The entry's `service_code` as sent (may be empty).
    pub code: String,
    /// Why, in English.
    pub reason: String,
    /// Why, in Persian (the agency console's refusal of an edit).
    pub reason_fa: String,
}

/// Why an entry cannot be taken: in English for the log, in Persian for a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Why {
    en: String,
    fa: String,
}

fn why(en: impl Into<String>, fa: impl Into<String>) -> Why {
    Why {
        en: en.into(),
        fa: fa.into(),
    }
}

fn fa_number(n: usize) -> String {
    to_persian_digits(&n.to_string())
}

/// Why a downloaded catalogue was not taken at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Nothing would be left for a visitor to register.
    #[error(
        "catalogue {version:?} has no usable subject in the agency's scope ({skipped} entries skipped): the kiosk keeps the catalogue it has"
    )]
    NoUsableSubject {
        /// The catalogue's version.
        version: String,
        /// How many entries were skipped.
        skipped: usize,
    },
}

/// A downloaded catalogue, converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// What the journey lists.
    pub catalogue: Catalogue,
    /// The entries left out.
    pub skipped: Vec<Skipped>,
    /// Next-visit rules dropped (their entries kept, the configured default standing in).
    pub refused_rules: Vec<Skipped>,
}

/// Converts `wire` (see the module doc), logging every entry it skips; refuses a catalogue
/// left with no subject a visitor can register a case about.
pub fn from_wire(wire: &wire::Catalogue) -> Result<Converted, Refused> {
    let converted = convert(wire);
    if !converted.catalogue.subjects.iter().any(Subject::in_scope) {
        let refused = Refused::NoUsableSubject {
            version: wire.version.clone(),
            skipped: converted.skipped.len(),
        };
        tracing::warn!("{refused}");
        return Err(refused);
    }
    Ok(converted)
}

/// Every entry of `wire` converted or skipped (with its reason), whatever is left.
pub fn convert(wire: &wire::Catalogue) -> Converted {
    let mut skipped = Vec::new();
    let mut refused_rules = Vec::new();
    let kinds = case_kinds(&wire.case_kinds);
    let scope: HashSet<&str> = wire.agency.subject_scope.iter().map(|s| s.trim()).collect();
    let mut seen = HashSet::new();
    let mut subjects = Vec::new();
    for (i, entry) in wire.subjects.iter().enumerate() {
        match subject(entry, &kinds, &scope, &mut seen) {
            Ok(mut s) => {
                s.next_visit = next_visit("subjects", i, entry, &mut refused_rules);
                subjects.push(s);
            }
            Err(why) => skipped.push(skip("subjects", i, entry, why)),
        }
    }
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    for (i, entry) in wire.services.iter().enumerate() {
        match service(entry, &mut seen) {
            Ok(mut s) => {
                s.next_visit = next_visit("services", i, entry, &mut refused_rules);
                services.push(s);
            }
            Err(why) => skipped.push(skip("services", i, entry, why)),
        }
    }
    Converted {
        catalogue: Catalogue { subjects, services },
        skipped,
        refused_rules,
    }
}

/// The entry's next-visit rule, if it names one that reads; a rule that does not is logged
/// (English, naming the entry) and recorded in `refused`, and the configured default stands.
fn next_visit(
    list: &str,
    i: usize,
    entry: &wire::CatalogueEntry,
    refused: &mut Vec<Skipped>,
) -> Option<NextVisitRule> {
    let text = entry.next_visit.as_deref()?;
    match text.parse::<NextVisitRule>() {
        Ok(rule) => Some(rule),
        Err(e) => {
            let at = format!("{list}[{i}]");
            let code: String = entry.service_code.chars().take(MAX_ID_CHARS).collect();
            let reason = format!("{e}; kiosk.toml's [next_visit] default applies instead");
            tracing::warn!(entry = %at, code = %code.escape_debug(), %reason, "catalogue next-visit rule refused");
            refused.push(Skipped {
                at,
                code,
                reason,
                reason_fa: "قاعده‌ی مراجعه‌ی بعدی خوانا نیست.".to_owned(),
            });
            None
        }
    }
}

fn skip(list: &str, i: usize, entry: &wire::CatalogueEntry, why: Why) -> Skipped {
    let at = format!("{list}[{i}]");
    // Codes are the catalogue's own identifiers, never personal data; cut for the log.
    let code: String = entry.service_code.chars().take(MAX_ID_CHARS).collect();
    tracing::warn!(entry = %at, code = %code.escape_debug(), reason = %why.en, "catalogue entry skipped");
    Skipped {
        at,
        code,
        reason: why.en,
        reason_fa: why.fa,
    }
}

/// The kinds every subject accepts; unknown names skipped with a warning.
fn case_kinds(names: &[String]) -> Vec<CaseKind> {
    let mut kinds = Vec::new();
    for name in names {
        match name.parse::<CaseKind>() {
            Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Ok(_) => {}
            Err(_) => tracing::warn!(
                kind = %name.chars().take(40).collect::<String>().escape_debug(),
                "the catalogue names a case kind this firmware does not know; skipped"
            ),
        }
    }
    kinds
}

/// The entry's code, checked: an identifier the store keeps (ASCII letters, digits, `-`, `_`,
/// `.`), used once.
fn code<'a>(entry: &'a wire::CatalogueEntry, seen: &mut HashSet<String>) -> Result<&'a str, Why> {
    let id = entry.service_code.trim();
    if id.is_empty() {
        return Err(why("no service_code", "کد خالی است."));
    }
    let identifier_fa = format!(
        "کد باید تا {} نویسه از حروف و رقم‌های لاتین و - _ . باشد.",
        fa_number(MAX_ID_CHARS)
    );
    if id.chars().count() > MAX_ID_CHARS {
        return Err(why(
            format!("service_code longer than {MAX_ID_CHARS} characters"),
            identifier_fa,
        ));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(why(
            "service_code is not an identifier (ASCII letters, digits, - _ .)",
            identifier_fa,
        ));
    }
    if !seen.insert(id.to_owned()) {
        return Err(why(
            "service_code used by an earlier entry",
            "این کد پیش‌تر در همین فهرست آمده است.",
        ));
    }
    Ok(id)
}

/// A text the visitor will see: trimmed, no hidden characters, not too long.
fn text(field: &str, value: &str, max: usize) -> Result<String, Why> {
    kiosk_core::text::check_text(field, value).map_err(|e| {
        why(
            e.to_string(),
            format!("در «{field}» نویسه‌ی پنهان یا کنترلی هست."),
        )
    })?;
    let value = value.trim();
    if value.chars().count() > max {
        return Err(why(
            format!("{field} longer than {max} characters"),
            format!("«{field}» بیش از {} نویسه است.", fa_number(max)),
        ));
    }
    Ok(value.to_owned())
}

/// The Persian and English names.
fn names(entry: &wire::CatalogueEntry) -> Result<(String, String), Why> {
    let fa = text("service_name", &entry.service_name, MAX_NAME_CHARS)?;
    if fa.is_empty() {
        return Err(why("no service_name", "نام فارسی خالی است."));
    }
    let en = match &entry.service_name_en {
        Some(en) => text("service_name_en", en, MAX_NAME_CHARS)?,
        None => String::new(),
    };
    Ok((fa.clone(), if en.is_empty() { fa } else { en }))
}

/// A service identifier: digits in any script, read as ASCII.
fn identifier(entry: &wire::CatalogueEntry) -> Result<Option<String>, Why> {
    let Some(raw) = entry.service_identifier.as_deref() else {
        return Ok(None);
    };
    let digits = to_ascii_digits(raw.trim());
    if digits.is_empty() {
        return Ok(None);
    }
    if digits.len() > 32 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(why(
            "service_identifier is not a number of at most 32 digits",
            "شناسه‌ی خدمت باید عددی تا ۳۲ رقم باشد.",
        ));
    }
    Ok(Some(digits))
}

fn subject(
    entry: &wire::CatalogueEntry,
    kinds: &[CaseKind],
    scope: &HashSet<&str>,
    seen: &mut HashSet<String>,
) -> Result<Subject, Why> {
    let id = code(entry, seen)?;
    let (label_fa, label_en) = names(entry)?;
    let service_id = identifier(entry)?;
    let mut keywords = Vec::new();
    for (j, k) in entry.keywords.iter().enumerate() {
        let k = text(&format!("keywords[{j}]"), k, MAX_NAME_CHARS)?;
        if !k.is_empty() {
            keywords.push(k);
        }
    }
    let in_scope = scope.contains(id);
    let (guidance_fa, guidance_en) = match (&entry.guidance, in_scope) {
        (_, true) => {
            if entry.guidance.is_some() {
                tracing::warn!(
                    code = %id,
                    "a subject in the agency's scope names a guidance destination; it is registered here and the destination ignored"
                );
            }
            (None, None)
        }
        (Some(destination), false) => {
            let (fa, en) = guidance(destination)?;
            (Some(fa), Some(en))
        }
        (None, false) => (Some(LINE_111_FA.to_owned()), Some(LINE_111_EN.to_owned())),
    };
    Ok(Subject {
        id: id.to_owned(),
        label_fa,
        label_en,
        keywords,
        kinds: kinds.to_vec(),
        service_id,
        guidance_fa,
        guidance_en,
        // A subject sent elsewhere registers no complaint to route.
        about_officials: entry.about_officials && in_scope,
        next_visit: None,
    })
}

fn service(entry: &wire::CatalogueEntry, seen: &mut HashSet<String>) -> Result<Service, Why> {
    let id = code(entry, seen)?;
    let (label_fa, label_en) = names(entry)?;
    let service_id = identifier(entry)?.ok_or_else(|| {
        why(
            "a service without a service_identifier",
            "خدمت بدون شناسه‌ی خدمت است.",
        )
    })?;
    Ok(Service {
        id: id.to_owned(),
        label_fa,
        label_en,
        service_id,
        next_visit: None,
    })
}

/// The destination as one Persian text (Persian digits but in the website) and one English
/// text (ASCII digits): office, address, phone, hours, website, what to bring.
fn guidance(d: &wire::GuidanceDestination) -> Result<(String, String), Why> {
    let detail = |field: &str, value: Option<&String>| -> Result<Option<String>, Why> {
        value
            .map(|v| text(field, v, MAX_DETAIL_CHARS))
            .transpose()
            .map(|v| v.filter(|v| !v.is_empty()))
    };
    let office = text("guidance.office", &d.office, MAX_DETAIL_CHARS)?;
    if office.is_empty() {
        return Err(why(
            "a guidance destination without an office",
            "مقصد راهنمایی بدون نام اداره است.",
        ));
    }
    let office_en = detail("guidance.office_en", d.office_en.as_ref())?;
    let address = detail("guidance.address", d.address.as_ref())?;
    let phone = detail("guidance.phone", d.phone.as_ref())?;
    let hours = detail("guidance.hours", d.hours.as_ref())?;
    let portal = detail("guidance.portal", d.portal.as_ref())?;
    let mut bring = Vec::new();
    for (j, b) in d.bring.iter().enumerate() {
        if let Some(b) = detail(&format!("guidance.bring[{j}]"), Some(b))? {
            bring.push(b);
        }
    }

    let mut fa = vec![to_persian_digits(&office)];
    let mut en = vec![office_en.clone().unwrap_or_else(|| office.clone())];
    if let Some(a) = &address {
        fa.push(format!("نشانی: {}", to_persian_digits(a)));
        en.push(format!("Address: {}", to_ascii_digits(a)));
    }
    if let Some(p) = &phone {
        fa.push(format!("تلفن: {}", to_persian_digits(p)));
        en.push(format!("Phone: {}", to_ascii_digits(p)));
    }
    if let Some(h) = &hours {
        fa.push(format!("ساعت کار: {}", to_persian_digits(h)));
        en.push(format!("Hours: {}", to_ascii_digits(h)));
    }
    if let Some(p) = &portal {
        fa.push(format!("وبگاه: {p}"));
        en.push(format!("Website: {p}"));
    }
    if !bring.is_empty() {
        let fa_list: Vec<String> = bring.iter().map(|b| to_persian_digits(b)).collect();
        fa.push(format!("همراه داشته باشید: {}", fa_list.join("، ")));
        en.push(format!("Bring: {}", bring.join(", ")));
    }
    Ok((fa.join("؛ "), en.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::{Agency, CatalogueEntry, GuidanceDestination};

    fn entry(code: &str, name: &str) -> CatalogueEntry {
        CatalogueEntry::new(code, name)
    }

    fn destination() -> GuidanceDestination {
        GuidanceDestination {
            office: "شرکت آب و فاضلاب".into(),
            office_en: Some("Water and sewage company".into()),
            address: Some("خیابان آزادی، پلاک 10".into()),
            phone: Some("1522".into()),
            hours: None,
            portal: Some("https://abfa.example.ir".into()),
            bring: vec!["قبض آخر".into()],
        }
    }

    fn catalogue(subjects: Vec<CatalogueEntry>, scope: &[&str]) -> wire::Catalogue {
        wire::Catalogue {
            version: "v7".into(),
            case_kinds: vec!["complaint".into(), "suggestion".into(), "grief".into()],
            subjects,
            services: vec![CatalogueEntry {
                service_identifier: Some("۱۲۰۱۱۲۳۴۵۶۷".into()),
                service_name_en: Some("Certificate".into()),
                ..entry("SRV-1", "صدور گواهی")
            }],
            agency: Agency {
                agency_code: "A".into(),
                name: "اداره".into(),
                subject_scope: scope.iter().map(|s| (*s).to_owned()).collect(),
            },
            holiday_overrides: Vec::new(),
        }
    }

    #[test]
    fn subjects_in_scope_out_of_scope_kinds_services_and_english_names() {
        let wire = catalogue(
            vec![
                CatalogueEntry {
                    keywords: vec!["سند".into()],
                    service_name_en: Some("Deed delay".into()),
                    service_identifier: Some("12011234567".into()),
                    ..entry("DEED", "تأخیر در صدور سند")
                },
                CatalogueEntry {
                    guidance: Some(destination()),
                    ..entry("WATER", "قبض آب")
                },
                entry("ROADS", "راه‌ها"),
            ],
            &["DEED"],
        );
        let converted = from_wire(&wire).expect("usable");
        assert!(converted.skipped.is_empty(), "{:?}", converted.skipped);
        let c = converted.catalogue;
        let deed = c.get("DEED").expect("deed");
        assert!(deed.in_scope());
        assert_eq!(deed.label_en, "Deed delay");
        assert_eq!(deed.keywords, ["سند"]);
        assert_eq!(deed.service_id.as_deref(), Some("12011234567"));
        assert_eq!(
            deed.kinds,
            [CaseKind::Complaint, CaseKind::Suggestion],
            "the unknown kind is skipped"
        );
        let water = c.get("WATER").expect("water");
        assert!(!water.in_scope());
        assert_eq!(water.label_en, "قبض آب", "no English name: the Persian one");
        assert_eq!(
            water.guidance_fa.as_deref(),
            Some(
                "شرکت آب و فاضلاب؛ نشانی: خیابان آزادی، پلاک ۱۰؛ تلفن: ۱۵۲۲؛ وبگاه: https://abfa.example.ir؛ همراه داشته باشید: قبض آخر"
            )
        );
        assert_eq!(
            water.guidance_en.as_deref(),
            Some(
                "Water and sewage company; Address: خیابان آزادی، پلاک 10; Phone: 1522; Website: https://abfa.example.ir; Bring: قبض آخر"
            )
        );
        let roads = c.get("ROADS").expect("roads");
        assert_eq!(
            roads.guidance_fa.as_deref(),
            Some(LINE_111_FA),
            "out of scope, no destination: line 111"
        );
        assert_eq!(
            c.service("12011234567").map(|s| s.id.as_str()),
            Some("SRV-1")
        );
        assert_eq!(c.services[0].label_en, "Certificate");
    }

    #[test]
    fn next_visit_rules_are_taken_and_a_bad_one_is_dropped_keeping_its_entry() {
        let table = [
            ("weekly:tuesday", Some("weekly:tuesday")),
            ("working_days:4", Some("working_days:4")),
            ("at_desk", Some("at_desk")),
            ("weekly:someday", None),
            ("working_days:0", None),
            ("tomorrow", None),
        ];
        for (rule, taken) in table {
            let mut wire = catalogue(
                vec![CatalogueEntry {
                    next_visit: Some(rule.into()),
                    ..entry("DEED", "سند")
                }],
                &["DEED"],
            );
            wire.services[0].next_visit = Some(rule.into());
            let converted = from_wire(&wire).expect("usable");
            assert!(converted.skipped.is_empty(), "{rule}: the entry stays");
            let c = &converted.catalogue;
            let got = c
                .get("DEED")
                .and_then(|s| s.next_visit)
                .map(|r| r.to_string());
            assert_eq!(got.as_deref(), taken, "{rule}");
            let service = c.services[0].next_visit.map(|r| r.to_string());
            assert_eq!(service.as_deref(), taken, "{rule}");
            if taken.is_none() {
                assert_eq!(converted.refused_rules.len(), 2, "{rule}");
                let why = &converted.refused_rules[0];
                assert_eq!(
                    (why.at.as_str(), why.code.as_str()),
                    ("subjects[0]", "DEED")
                );
                assert!(
                    why.reason.contains("is not valid") && why.reason.contains("[next_visit]"),
                    "{}",
                    why.reason
                );
            }
        }
    }

    #[test]
    fn bad_entries_are_skipped_by_name_and_the_rest_kept() {
        let bad_destination = GuidanceDestination {
            office: " ".into(),
            ..destination()
        };
        let hidden_phone = GuidanceDestination {
            phone: Some("15\u{202E}22".into()),
            ..destination()
        };
        let table: Vec<(CatalogueEntry, &str)> = vec![
            (entry("", "بی‌کد"), "no service_code"),
            (entry("  ", "بی‌کد"), "no service_code"),
            (entry("a b", "فاصله"), "not an identifier"),
            (entry("ب", "حرف فارسی"), "not an identifier"),
            (entry(&"x".repeat(101), "بلند"), "longer than 100"),
            (entry("OK", "تکراری"), "used by an earlier entry"),
            (entry("NONAME", "  "), "no service_name"),
            (entry("HIDDEN", "نام\u{200F}"), "service_name"),
            (
                CatalogueEntry {
                    service_name_en: Some("x\u{0007}".into()),
                    ..entry("BELL", "زنگ")
                },
                "service_name_en",
            ),
            (
                CatalogueEntry {
                    service_identifier: Some("12-34".into()),
                    ..entry("BADID", "شناسه")
                },
                "service_identifier",
            ),
            (
                CatalogueEntry {
                    guidance: Some(bad_destination),
                    ..entry("NOOFFICE", "بی‌مرجع")
                },
                "without an office",
            ),
            (
                CatalogueEntry {
                    guidance: Some(hidden_phone),
                    ..entry("HIDDENPHONE", "تلفن پنهان")
                },
                "guidance.phone",
            ),
            (
                CatalogueEntry {
                    keywords: vec!["\u{200B}".into()],
                    ..entry("KW", "کلیدواژه")
                },
                "keywords[0]",
            ),
        ];
        let mut subjects = vec![entry("OK", "درست")];
        subjects.extend(table.iter().map(|(e, _)| e.clone()));
        let mut wire = catalogue(subjects, &["OK"]);
        wire.services.push(entry("SRV-2", "بی‌شناسه"));
        wire.services.push(entry("SRV-1", "تکراری"));
        let converted = from_wire(&wire).expect("one good subject is enough");
        assert_eq!(
            converted
                .catalogue
                .subjects
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>(),
            ["OK"]
        );
        assert_eq!(converted.catalogue.services.len(), 1);
        assert_eq!(converted.skipped.len(), table.len() + 2);
        for (i, (expected, (sent, why))) in converted.skipped.iter().zip(&table).enumerate() {
            assert_eq!(expected.at, format!("subjects[{}]", i + 1));
            assert_eq!(
                expected.code,
                sent.service_code.chars().take(100).collect::<String>()
            );
            assert!(
                expected.reason.contains(why),
                "subjects[{}]: {:?} does not say {why:?}",
                i + 1,
                expected.reason
            );
            // And in Persian, for a manager whose edit it refuses.
            assert!(
                expected.reason_fa.ends_with('.')
                    && expected
                        .reason_fa
                        .chars()
                        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{:?}",
                expected.reason_fa
            );
        }
        let services: Vec<&str> = converted.skipped[table.len()..]
            .iter()
            .map(|s| s.reason.as_str())
            .collect();
        assert_eq!(
            services,
            [
                "a service without a service_identifier",
                "service_code used by an earlier entry"
            ]
        );
    }

    #[test]
    fn a_catalogue_without_a_usable_subject_in_scope_is_refused_whole() {
        let table: Vec<(&str, wire::Catalogue)> = vec![
            ("no subjects", catalogue(Vec::new(), &[])),
            (
                "only bad ones",
                catalogue(vec![entry("", "x"), entry("A", "")], &["A"]),
            ),
            (
                "only guidance",
                catalogue(
                    vec![CatalogueEntry {
                        guidance: Some(destination()),
                        ..entry("W", "آب")
                    }],
                    &[],
                ),
            ),
            (
                "the scope names none of them",
                catalogue(vec![entry("A", "الف")], &["B"]),
            ),
        ];
        for (case, wire) in table {
            let refused = from_wire(&wire);
            assert!(
                matches!(refused, Err(Refused::NoUsableSubject { .. })),
                "{case}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_destination_on_a_subject_in_scope_is_ignored() {
        let wire = catalogue(
            vec![CatalogueEntry {
                guidance: Some(destination()),
                ..entry("A", "الف")
            }],
            &["A"],
        );
        let c = from_wire(&wire).expect("usable").catalogue;
        assert!(c.get("A").expect("A").in_scope());
    }
}
