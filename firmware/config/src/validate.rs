//! From the raw file to a [`KioskConfig`] of domain types, collecting every problem.
//!
//! Every text value that reaches a receipt, a screen, a log or SAMAD (agency, desk, unit,
//! footer, portal address, data directory, subject labels and guidance, service ids, closure
//! reasons) goes through [`check_text`]: a bidi control, bidi mark or other invisible character
//! is an issue naming the key, the character (`U+202E`) and its position. The operator fixes
//! the file; nothing is stripped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Weekday;
use kiosk_core::IdentityPolicy;
use kiosk_core::text::check_text;
use kiosk_core::working_days::Closure;
use kiosk_core::{
    CaseKind, Catalogue, DueDatePolicy, JalaliDate, KioskNumber, NationalCodePolicy, NextVisitRule,
    ResponseRule, Subject, WorkingCalendar,
};

use crate::schema::{Mode, RawConfig};
use crate::{ConfigError, ConfigIssue};

/// Longest response period accepted, in working days: anything longer is a typo.
const MAX_RESPONSE_DAYS: i64 = 90;

/// A checked configuration.
#[derive(Debug, Clone)]
pub struct KioskConfig {
    /// Visitor kiosk or service-desk terminal.
    pub mode: Mode,
    /// Fleet-assigned kiosk number.
    pub kiosk_number: KioskNumber,
    /// Agency name, printed and shown.
    pub agency: String,
    /// Desk name, printed and shown.
    pub desk: String,
    /// Unit recorded as the first actor of every case.
    pub unit: String,
    /// Data directory (database, queue, keys).
    pub data_dir: PathBuf,
    /// Language a session starts in (`fa` or `en`).
    pub language: String,
    /// How national codes are judged.
    pub national_code_policy: NationalCodePolicy,
    /// Which identifiers visitors without a national code may give (`[identity]`
    /// `foreign_id`, `passport`; docs/identity.md), with the national code's policy inside.
    pub identity_policy: IdentityPolicy,
    /// Response rules and the working calendar.
    pub due_date_policy: DueDatePolicy,
    /// What the receipt says beyond the case.
    pub receipt: ReceiptSettings,
    /// The subjects visitors choose from (until SAMAD's catalogue replaces them).
    pub catalogue: Catalogue,
    /// The touch panel: resolution, rotation, physical size (`[display]`).
    pub display: crate::DisplaySettings,
    /// The printer, scanner, card reader, keypad and speech (`[printer]`, `[scanner]`, …).
    pub devices: crate::DeviceSettings,
    /// How to reach SAMAD (`None`: this kiosk does not sync).
    pub samad: Option<crate::SamadSettings>,
    /// How long personal data stays after SAMAD acknowledged a case (`[privacy]`).
    pub privacy: crate::PrivacySettings,
    /// Inactivity warning, extensions and the assisted modes' longer times (`[session]`).
    pub session: crate::SessionSettings,
}

/// Receipt texts and follow-up channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSettings {
    /// Follow-up portal address.
    pub portal_url: String,
    /// Follow-up phone line.
    pub phone: String,
    /// Footer line.
    pub footer: String,
}

struct Issues(Vec<ConfigIssue>);

impl Issues {
    fn add(&mut self, key: impl Into<String>, reason: impl Into<String>) {
        self.0.push(ConfigIssue {
            key: key.into(),
            reason: reason.into(),
        });
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub(crate) fn check(text: &str, origin: &str, base: &Path) -> Result<KioskConfig, ConfigError> {
    let invalid = |issues: Vec<ConfigIssue>| ConfigError::Invalid {
        origin: origin.to_owned(),
        issues,
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(" (line {})", line_of(text, s.start)))
            .unwrap_or_default();
        invalid(vec![ConfigIssue {
            key: String::new(),
            reason: format!("not valid TOML{at}: {}", e.message()),
        }])
    })?;
    let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let at = inner
            .span()
            .map(|s| format!(" (line {})", line_of(text, s.start)))
            .unwrap_or_default();
        let key = if key == "." { String::new() } else { key };
        // serde names Rust types; an operator reads "a whole number".
        let reason = inner
            .message()
            .replace("expected i64", "expected a whole number");
        invalid(vec![ConfigIssue {
            key,
            reason: format!("{reason}{at}"),
        }])
    })?;
    let mut issues = Issues(Vec::new());
    let config = build(raw, base, &mut issues);
    // The keypad's issues name their line too (its layout and key map are long lists).
    for issue in issues.0.iter_mut().filter(|i| i.key.starts_with("keypad")) {
        if let Some(line) = crate::lines::line_of_key(text, &issue.key) {
            issue.reason.push_str(&format!(" (line {line})"));
        }
    }
    match config {
        Some(config) if issues.0.is_empty() => Ok(config),
        _ => Err(invalid(issues.0)),
    }
}

/// Adds an issue when `value` holds an invisible character ([`check_text`]).
fn visible(issues: &mut Issues, key: &str, value: &str) {
    if let Err(e) = check_text(key, value) {
        issues.add(key, e.reason());
    }
}

/// Like [`visible`] for an optional value.
fn visible_opt(issues: &mut Issues, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        visible(issues, key, value);
    }
}

fn non_empty(issues: &mut Issues, key: &str, value: &str) -> String {
    visible(issues, key, value);
    let value = value.trim();
    if value.is_empty() {
        issues.add(key, "must not be empty");
    }
    value.to_owned()
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        _ => return None,
    })
}

fn response_rule(
    issues: &mut Issues,
    key: &str,
    days: i64,
    kind: Option<CaseKind>,
) -> Option<ResponseRule> {
    if !(1..=MAX_RESPONSE_DAYS).contains(&days) {
        issues.add(
            key,
            format!("must be a number of working days from 1 to {MAX_RESPONSE_DAYS}, not {days}"),
        );
        return None;
    }
    if let Some(kind) = kind
        && !matches!(kind.default_response_rule(), ResponseRule::WorkingDays(_))
    {
        issues.add(
            key,
            format!("{kind} owes no later answer, so it has no response period"),
        );
        return None;
    }
    Some(ResponseRule::WorkingDays(days as u16))
}

/// A next-visit rule as written (`subject[i].next_visit`, `next_visit.KIND`), checked against
/// the office's weekend: a weekly day the office never works would never come.
fn next_visit_rule(
    issues: &mut Issues,
    key: &str,
    text: &str,
    weekend: &[Weekday],
) -> Option<NextVisitRule> {
    match text.parse::<NextVisitRule>() {
        Ok(NextVisitRule::Weekly(day)) if weekend.contains(&day) => {
            issues.add(
                key,
                format!("{text:?} names a weekend day (calendar.weekend): that visit never comes"),
            );
            None
        }
        Ok(rule) => Some(rule),
        Err(e) => {
            issues.add(key, e.to_string());
            None
        }
    }
}

fn catalogue(
    raw: &[crate::schema::RawSubject],
    weekend: &[Weekday],
    issues: &mut Issues,
) -> Catalogue {
    let mut subjects: Vec<Subject> = Vec::new();
    // Identifiers seen so far: a set, so a catalogue is checked in time linear in its size.
    let mut seen = std::collections::HashSet::new();
    for (i, s) in raw.iter().enumerate() {
        let key = |field: &str| format!("subject[{i}].{field}");
        let id = s.id.trim();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            issues.add(
                key("id"),
                format!(
                    "{:?} is not an identifier (ASCII letters, digits, - and _)",
                    s.id
                ),
            );
            continue;
        }
        if !seen.insert(id) {
            issues.add(key("id"), format!("{id:?} is used by an earlier subject"));
            continue;
        }
        let label_fa = non_empty(issues, &key("label_fa"), &s.label_fa);
        visible(issues, &key("label_en"), &s.label_en);
        visible_opt(issues, &key("service_id"), s.service_id.as_deref());
        visible_opt(issues, &key("guidance_fa"), s.guidance_fa.as_deref());
        visible_opt(issues, &key("guidance_en"), s.guidance_en.as_deref());
        let mut kinds = Vec::new();
        for (j, name) in s.kinds.iter().enumerate() {
            match name.parse::<CaseKind>() {
                Ok(kind) => kinds.push(kind),
                Err(e) => issues.add(format!("subject[{i}].kinds[{j}]"), e.to_string()),
            }
        }
        let guidance_fa = s
            .guidance_fa
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        if s.about_officials && guidance_fa.is_some() {
            issues.add(
                key("about_officials"),
                "a subject sent elsewhere (guidance_fa) registers no complaint to route",
            );
        }
        let label_en = s.label_en.trim();
        subjects.push(Subject {
            id: id.to_owned(),
            label_en: if label_en.is_empty() {
                label_fa.clone()
            } else {
                label_en.to_owned()
            },
            label_fa,
            keywords: Vec::new(),
            kinds,
            service_id: s
                .service_id
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            guidance_fa: guidance_fa.map(str::to_owned),
            guidance_en: s
                .guidance_en
                .as_deref()
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned),
            about_officials: s.about_officials,
            next_visit: s
                .next_visit
                .as_deref()
                .and_then(|text| next_visit_rule(issues, &key("next_visit"), text, weekend)),
        });
    }
    Catalogue {
        subjects,
        services: Vec::new(),
    }
}

fn build(raw: RawConfig, base: &Path, issues: &mut Issues) -> Option<KioskConfig> {
    let kiosk_number = u32::try_from(raw.kiosk.number)
        .ok()
        .and_then(|n| KioskNumber::new(n).ok());
    if kiosk_number.is_none() {
        issues.add(
            "kiosk.number",
            format!("must be from 1 to 99999, not {}", raw.kiosk.number),
        );
    }
    let agency = non_empty(issues, "kiosk.agency", &raw.kiosk.agency);
    let desk = non_empty(issues, "kiosk.desk", &raw.kiosk.desk);
    let unit = raw
        .kiosk
        .unit
        .as_deref()
        .map(|u| non_empty(issues, "kiosk.unit", u))
        .unwrap_or_else(|| desk.clone());
    visible(issues, "kiosk.data_dir", &raw.kiosk.data_dir);
    let data_dir = PathBuf::from(&raw.kiosk.data_dir);
    if !data_dir.is_absolute() {
        issues.add(
            "kiosk.data_dir",
            format!("must be an absolute path, not {:?}", raw.kiosk.data_dir),
        );
    }
    if !matches!(raw.kiosk.language.as_str(), "fa" | "en") {
        issues.add(
            "kiosk.language",
            format!("must be \"fa\" or \"en\", not {:?}", raw.kiosk.language),
        );
    }

    let mut weekend = Vec::new();
    for (i, name) in raw.calendar.weekend.iter().enumerate() {
        match weekday(name) {
            Some(day) if weekend.contains(&day) => issues.add(
                format!("calendar.weekend[{i}]"),
                format!("{name:?} is listed twice"),
            ),
            Some(day) => weekend.push(day),
            None => issues.add(
                format!("calendar.weekend[{i}]"),
                format!("{name:?} is not a day name (saturday … friday)"),
            ),
        }
    }
    if weekend.len() >= 7 {
        issues.add("calendar.weekend", "every day of the week is a weekend day");
    }

    let holidays = crate::holidays::table(&raw.calendar.extra_holiday_files, base, &mut issues.0);

    let mut closures = Vec::new();
    for (i, c) in raw.calendar.closures.iter().enumerate() {
        let key = |field: &str| format!("calendar.closures[{i}].{field}");
        visible(issues, &key("reason"), &c.reason);
        let first = c
            .first
            .parse::<JalaliDate>()
            .map_err(|e| issues.add(key("first"), e.to_string()))
            .ok();
        let last = c
            .last
            .parse::<JalaliDate>()
            .map_err(|e| issues.add(key("last"), e.to_string()))
            .ok();
        if let (Some(first), Some(last)) = (first, last) {
            if last < first {
                issues.add(key("last"), format!("{last} is before first {first}"));
            } else if last
                .to_gregorian()
                .signed_duration_since(first.to_gregorian())
                .num_days()
                > 366
            {
                issues.add(
                    key("last"),
                    "a closure longer than a year is almost certainly a typo",
                );
            } else {
                closures.push(Closure {
                    first: first.to_gregorian(),
                    last: last.to_gregorian(),
                    reason: c.reason.trim().to_owned(),
                });
            }
        }
    }

    let mut kind_rules = BTreeMap::new();
    for (name, &days) in &raw.response_days {
        let key = format!("response_days.{name}");
        match name.parse::<CaseKind>() {
            Ok(kind) => {
                if let Some(rule) = response_rule(issues, &key, days, Some(kind)) {
                    kind_rules.insert(kind, rule);
                }
            }
            Err(e) => issues.add(key, e.to_string()),
        }
    }
    // The next visit or final service of kinds that owe no later answer (R-000-4.4).
    let mut next_visit_rules = BTreeMap::new();
    for (name, text) in &raw.next_visit {
        let key = format!("next_visit.{name}");
        match name.parse::<CaseKind>() {
            Ok(kind) if matches!(kind.default_response_rule(), ResponseRule::WorkingDays(_)) => {
                issues.add(
                    key,
                    format!(
                        "{kind} owes a written answer by its response date (response_days); \
                         next_visit is for consultation, service_registration, appreciation \
                         and expression_of_feelings"
                    ),
                );
            }
            Ok(kind) => {
                if let Some(rule) = next_visit_rule(issues, &key, text, &weekend) {
                    next_visit_rules.insert(kind, rule);
                }
            }
            Err(e) => issues.add(key, e.to_string()),
        }
    }
    let mut service_rules = BTreeMap::new();
    for (service, &days) in &raw.service_response_days {
        let key = format!("service_response_days.{service}");
        if service.trim().is_empty()
            || !service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            issues.add(
                &key,
                "a service identifier is made of ASCII letters, digits and dashes",
            );
            continue;
        }
        if let Some(rule) = response_rule(issues, &key, days, None) {
            service_rules.insert(service.clone(), rule);
        }
    }

    visible(issues, "receipt.portal_url", &raw.receipt.portal_url);
    visible(issues, "receipt.footer", &raw.receipt.footer);
    let portal_url = raw.receipt.portal_url.trim().to_owned();
    // The rule the satisfaction codes printed under it are verified by: a portal the verifier
    // refuses would put codes on receipts that no kiosk accepts.
    if let Err(e) = kiosk_core::satisfaction::Portal::parse(&portal_url) {
        issues.add("receipt.portal_url", format!("{e}, not {portal_url:?}"));
    }
    let phone = raw.receipt.phone.trim().to_owned();
    if phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit()) {
        issues.add(
            "receipt.phone",
            format!("must be digits only, not {phone:?}"),
        );
    }

    let catalogue = catalogue(&raw.subject, &weekend, issues);
    let display = crate::display::check(&raw.display, &mut issues.0);
    let devices = crate::devices::check(
        crate::devices::RawDevices {
            printer: raw.printer,
            scanner: raw.scanner,
            card: raw.card,
            keypad: raw.keypad,
            speech: raw.speech,
            headphones: raw.headphones,
            indicators: raw.indicators,
            switches: raw.switches,
        },
        &mut issues.0,
    );
    let samad = raw
        .samad
        .as_ref()
        .map(|s| crate::samad::check(s, base, &mut issues.0));
    let privacy = crate::privacy::check(&raw.privacy, base, &data_dir, &mut issues.0);
    let session = crate::session::check(&raw.session, &mut issues.0);

    let calendar = WorkingCalendar::new(holidays?)
        .with_weekend(weekend)
        .with_closures(closures);
    Some(KioskConfig {
        mode: raw.mode,
        kiosk_number: kiosk_number?,
        agency,
        desk,
        unit,
        data_dir,
        language: raw.kiosk.language,
        national_code_policy: NationalCodePolicy {
            accept_test_code: raw.identity.accept_test_national_code,
        },
        identity_policy: IdentityPolicy {
            national_code: NationalCodePolicy {
                accept_test_code: raw.identity.accept_test_national_code,
            },
            foreign_id: raw.identity.foreign_id,
            passport: raw.identity.passport,
        },
        due_date_policy: DueDatePolicy {
            calendar,
            kind_rules,
            service_rules,
            next_visit_rules,
        },
        receipt: ReceiptSettings {
            portal_url,
            phone,
            footer: raw.receipt.footer.trim().to_owned(),
        },
        catalogue,
        display: display?,
        samad,
        devices,
        privacy,
        session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EXAMPLE, parse};

    const MINIMAL: &str = "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n";

    fn issues_of(text: &str) -> Vec<ConfigIssue> {
        match parse(text, Path::new("/nonexistent")) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.issues().to_vec(),
        }
    }

    fn keys_of(text: &str) -> Vec<String> {
        issues_of(text).into_iter().map(|i| i.key).collect()
    }

    #[test]
    fn the_example_config_is_valid_and_means_what_it_says() {
        let config = parse(EXAMPLE, Path::new("/nonexistent")).unwrap();
        assert_eq!(config.kiosk_number.get(), 12);
        assert_eq!(config.mode, Mode::Kiosk);
        assert!(!config.national_code_policy.accept_test_code);
        assert_eq!(
            config.due_date_policy.kind_rules.get(&CaseKind::Complaint),
            Some(&ResponseRule::WorkingDays(10))
        );
        let closed = "1404-09-10".parse::<JalaliDate>().unwrap().to_gregorian();
        assert!(!config.due_date_policy.calendar.is_working_day(closed));
        assert_eq!(config.receipt.phone, "111");
    }

    #[test]
    fn identifiers_beside_the_national_code_are_allowed_per_agency() {
        let table: &[(&str, bool, bool)] = &[
            ("", false, false),
            ("[identity]\nforeign_id = true\n", true, false),
            ("[identity]\npassport = true\n", false, true),
            (
                "[identity]\nforeign_id = true\npassport = true\n",
                true,
                true,
            ),
        ];
        for (section, foreign_id, passport) in table {
            let text = format!("{MINIMAL}{section}");
            let config = parse(&text, Path::new("/nonexistent")).unwrap();
            let policy = config.identity_policy;
            assert_eq!(
                (policy.foreign_id, policy.passport),
                (*foreign_id, *passport),
                "{section}"
            );
        }
        // A misspelt key is refused, naming it, rather than silently leaving passports off.
        let issues = issues_of(&format!("{MINIMAL}[identity]\npassports = true\n"));
        assert!(
            issues.iter().any(|i| format!("{i}").contains("passports")),
            "{issues:?}"
        );
    }

    #[test]
    fn subjects_are_checked_and_become_the_catalogue() {
        let config = parse(EXAMPLE, Path::new("/")).unwrap();
        assert_eq!(config.catalogue.subjects.len(), 4);
        assert!(!config.catalogue.get("car-plates").unwrap().in_scope());
        assert_eq!(
            config.catalogue.get("staff-conduct").unwrap().kinds,
            vec![CaseKind::Complaint, CaseKind::Appreciation]
        );
        let bad = format!(
            "{MINIMAL}[[subject]]\nid = \"a b\"\nlabel_fa = \"x\"\n[[subject]]\nid = \"ok\"\nlabel_fa = \" \"\nkinds = [\"grief\"]\n[[subject]]\nid = \"ok\"\nlabel_fa = \"y\"\n"
        );
        let keys = keys_of(&bad);
        assert_eq!(
            keys,
            vec![
                "subject[0].id",
                "subject[1].label_fa",
                "subject[1].kinds[0]",
                "subject[2].id"
            ]
        );
    }

    #[test]
    fn a_minimal_config_gets_the_documented_defaults() {
        let config = parse(MINIMAL, Path::new("/")).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/kiosk"));
        assert_eq!(config.language, "fa");
        assert_eq!(config.unit, "ب");
        assert_eq!(config.receipt.portal_url, "https://saamad.ir");
        assert_eq!(
            config.due_date_policy.calendar.weekend(),
            vec![Weekday::Fri]
        );
    }

    #[test]
    fn every_semantic_problem_is_listed_with_its_key() {
        let text = r#"
mode = "kiosk"
[kiosk]
number = 0
agency = " "
desk = "d"
data_dir = "relative/dir"
language = "de"
[calendar]
weekend = ["friday", "funday", "friday"]
extra_holiday_files = ["missing.toml"]
[[calendar.closures]]
first = "1404-09-11"
last = "1404-09-10"
[[calendar.closures]]
first = "1404-13-01"
last = "1404-02-30x"
[response_days]
complaint = 0
grievance = 5
consultation = 3
[service_response_days]
"bad id" = 5
"1234" = 500
[receipt]
portal_url = "http://saamad.ir"
phone = "۱۱۱"
"#;
        let keys = keys_of(text);
        for expected in [
            "kiosk.number",
            "kiosk.agency",
            "kiosk.data_dir",
            "kiosk.language",
            "calendar.weekend[1]",
            "calendar.weekend[2]",
            "calendar.extra_holiday_files[0]",
            "calendar.closures[0].last",
            "calendar.closures[1].first",
            "calendar.closures[1].last",
            "response_days.complaint",
            "response_days.grievance",
            "response_days.consultation",
            "service_response_days.bad id",
            "service_response_days.1234",
            "receipt.portal_url",
            "receipt.phone",
        ] {
            assert!(
                keys.iter().any(|k| k == expected),
                "missing {expected} in {keys:?}"
            );
        }
        assert_eq!(keys.len(), 17, "{keys:?}");
    }

    #[test]
    fn invisible_characters_in_text_values_are_refused_naming_the_key() {
        // TOML escapes: U+202E RIGHT-TO-LEFT OVERRIDE in the agency name.
        let issues = issues_of("[kiosk]\nnumber = 7\nagency = \"اداره\\u202Eکل\"\ndesk = \"ب\"\n");
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].key, "kiosk.agency");
        assert_eq!(
            issues[0].reason,
            "contains a bidi embedding, override or isolate U+202E at position 6"
        );
        let text = format!(
            "{MINIMAL}[receipt]\nfooter = \"\\u200F۱۲ ۳۴\"\n\
             [[calendar.closures]]\nfirst = \"1404-01-01\"\nlast = \"1404-01-02\"\nreason = \"x\\u2066y\"\n\
             [[subject]]\nid = \"a\"\nlabel_fa = \"\\u200Bالف\"\nguidance_en = \"see\\u202Dhere\"\n"
        );
        let keys = keys_of(&text);
        assert_eq!(
            keys,
            vec![
                "calendar.closures[0].reason",
                "receipt.footer",
                "subject[0].label_fa",
                "subject[0].guidance_en",
            ]
        );
    }

    #[test]
    fn zwnj_in_text_values_passes() {
        let text = "[kiosk]\nnumber = 7\nagency = \"اداره‌ی کل\"\ndesk = \"میز\\u200Cخدمت\"\n\
                    [receipt]\nfooter = \"با سپاس از شکیبایی‌تان\"\n";
        let config = parse(text, Path::new("/")).unwrap();
        assert_eq!(config.agency, "اداره\u{200C}ی کل");
        assert_eq!(config.desk, "میز\u{200C}خدمت");
    }

    #[test]
    fn shape_errors_name_the_key_and_line() {
        let unknown = issues_of(&format!("{MINIMAL}colour = \"red\"\n"));
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].reason.contains("colour"), "{:?}", unknown[0]);
        let wrong_type = issues_of("[kiosk]\nnumber = \"seven\"\nagency = \"a\"\ndesk = \"b\"\n");
        assert_eq!(wrong_type[0].key, "kiosk.number");
        assert!(
            wrong_type[0].reason.contains("line 2"),
            "{:?}",
            wrong_type[0]
        );
        let missing = issues_of("[kiosk]\nnumber = 3\ndesk = \"b\"\n");
        assert!(missing[0].reason.contains("agency"), "{:?}", missing[0]);
        let syntax = issues_of("[kiosk\nnumber = 3\n");
        assert!(
            syntax[0].reason.contains("not valid TOML") && syntax[0].reason.contains("line 1"),
            "{:?}",
            syntax[0]
        );
        let nested = issues_of(&format!(
            "{MINIMAL}[[calendar.closures]]\nfirst = \"1404-01-01\"\nlast = \"1404-01-02\"\nnote = \"x\"\n"
        ));
        assert!(
            nested[0].key.starts_with("calendar.closures"),
            "{:?}",
            nested[0]
        );
    }

    #[test]
    fn next_visit_rules_are_read_per_kind_and_per_subject() {
        let text = format!(
            "{MINIMAL}[next_visit]\nconsultation = \"weekly:tuesday\"\nservice_registration = \"working_days:3\"\n[[subject]]\nid = \"deed\"\nlabel_fa = \"سند\"\nnext_visit = \"at_desk\"\n"
        );
        let config = parse(&text, Path::new("/")).unwrap();
        let rules = &config.due_date_policy.next_visit_rules;
        assert_eq!(
            rules.get(&CaseKind::Consultation),
            Some(&NextVisitRule::Weekly(Weekday::Tue))
        );
        assert_eq!(
            rules.get(&CaseKind::ServiceRegistration),
            Some(&NextVisitRule::WorkingDays(3))
        );
        assert_eq!(
            config.catalogue.get("deed").unwrap().next_visit,
            Some(NextVisitRule::AtDeskNow)
        );
        // Without the section every kind is served at the desk now.
        let minimal = parse(MINIMAL, Path::new("/")).unwrap();
        assert_eq!(
            minimal
                .due_date_policy
                .next_visit_rule_for(CaseKind::Consultation, None),
            NextVisitRule::AtDeskNow
        );
    }

    #[test]
    fn bad_next_visit_rules_name_the_key_and_why_in_english() {
        let subject = |rule: &str| {
            format!("[[subject]]\nid = \"s\"\nlabel_fa = \"س\"\nnext_visit = \"{rule}\"\n")
        };
        let table: Vec<(String, &str, &str)> = vec![
            (
                "[next_visit]\nconsultation = \"soon\"\n".into(),
                "next_visit.consultation",
                "unknown form",
            ),
            (
                "[next_visit]\nconsultation = \"working_days:0\"\n".into(),
                "next_visit.consultation",
                "out of range",
            ),
            (
                "[next_visit]\nconsultation = \"weekly:friday\"\n".into(),
                "next_visit.consultation",
                "weekend day",
            ),
            (
                "[next_visit]\ncomplaint = \"at_desk\"\n".into(),
                "next_visit.complaint",
                "owes a written answer",
            ),
            (
                "[next_visit]\ngrief = \"at_desk\"\n".into(),
                "next_visit.grief",
                "unknown case kind",
            ),
            (
                subject("weekly:tue"),
                "subject[0].next_visit",
                "not an English weekday",
            ),
            (
                format!(
                    "[calendar]\nweekend = [\"thursday\", \"friday\"]\n{}",
                    subject("weekly:thursday")
                ),
                "subject[0].next_visit",
                "weekend day",
            ),
        ];
        for (section, key, why) in table {
            let issues = issues_of(&format!("{MINIMAL}{section}"));
            assert!(
                issues
                    .iter()
                    .any(|i| i.key == key && i.reason.contains(why)),
                "{section}: {issues:?}"
            );
        }
    }

    #[test]
    fn extra_holiday_files_are_read_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("1407.toml"),
            "year = 1407\nsource = \"operator\"\n[[holiday]]\ndate = \"1407-01-01\"\nname_fa = \"نوروز\"\nname_en = \"Nowruz\"\n",
        )
        .unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(
            &path,
            format!("{MINIMAL}[calendar]\nextra_holiday_files = [\"1407.toml\"]\n"),
        )
        .unwrap();
        let config = crate::load(&path).unwrap();
        assert!(config.due_date_policy.calendar.holidays().knows_year(1407));
        std::fs::write(dir.path().join("1407.toml"), "year = 1407\n").unwrap();
        let err = crate::load(&path).unwrap_err();
        assert_eq!(err.issues()[0].key, "calendar.extra_holiday_files");
        assert!(err.to_string().contains("1407.toml"), "{err}");
    }

    #[test]
    fn an_unreadable_file_is_a_read_error() {
        let err = crate::load(Path::new("/nonexistent/kiosk.toml")).unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/kiosk.toml"));
    }
}
