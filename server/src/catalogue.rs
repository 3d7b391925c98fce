//! The catalogue every device downloads (`catalogue` table, one row: its ETag and its JSON
//! body), checked and stored.
//!
//! [`check`] holds a body to the rules a kiosk applies when it takes a catalogue
//! (firmware/app/src/runtime/catalogue.rs `from_wire`): it must read as the contract's
//! `kiosk_sync::wire::Catalogue`; every subject and service needs a code that is an identifier
//! (ASCII letters, digits, `- _ .`, at most 100 characters) used once in its list, a Persian
//! name of at most 200 characters, no hidden characters in any text the visitor sees
//! (`kiosk_core::text::check_text`); a service identifier is digits (a service must have one);
//! a subject outside the agency's scope that names a destination names its office; a next-visit
//! rule must read; and at least one subject must be in the agency's scope. A kiosk would skip a
//! bad entry (or refuse the catalogue whole); the console refuses the edit instead, saying
//! which entry and why in Persian and English, and nothing is set.
//!
//! [`store`] writes a body with its ETag (a digest of the body, so any change gives another and
//! the devices take it at their next check) and one row of the console's audit log, in one
//! transaction; given the ETag the editor read, it refuses when the catalogue changed since.

use std::collections::HashSet;

use kiosk_sync::wire::{Catalogue, CatalogueEntry, GuidanceDestination};
use serde_json::Value;

/// Longest code of a subject or service (what a kiosk's store keeps as a case's subject).
pub const MAX_CODE_CHARS: usize = kiosk_store::MAX_CATALOGUE_ID_CHARS;
/// Longest name or keyword.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest detail of a guidance destination.
pub const MAX_DETAIL_CHARS: usize = 300;

/// Why a catalogue was not set.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The body is not the contract's catalogue (bad JSON, a field missing or of another type).
    #[error("the catalogue does not read as the contract's: {0}; nothing was set")]
    Unreadable(String),
    /// An entry breaks a rule.
    #[error("catalogue {at} ({code:?}): {en}; nothing was set")]
    BadEntry {
        /// `subjects[3]` or `services[0]`.
        at: String,
        /// Its code as given.
        code: String,
        /// Why, in Persian.
        fa: String,
        /// Why, in English.
        en: String,
    },
    /// No subject a visitor could register a case about.
    #[error("the catalogue has no subject in the agency's scope; nothing was set")]
    NoSubjectInScope,
    /// The catalogue changed since the editor read it.
    #[error("the catalogue changed since it was read (its ETag is now {0}); nothing was set")]
    Changed(String),
    /// The database failed.
    #[error("{0}")]
    Failed(#[from] anyhow::Error),
}

impl From<tokio_postgres::Error> for Refusal {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for Refusal {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Failed(e.into())
    }
}

fn bad(at: &str, entry: &CatalogueEntry, fa: &str, en: impl Into<String>) -> Refusal {
    Refusal::BadEntry {
        at: at.to_owned(),
        code: entry.service_code.chars().take(MAX_CODE_CHARS).collect(),
        fa: fa.to_owned(),
        en: en.into(),
    }
}

/// A text a visitor sees: no hidden characters, at most `max` characters.
fn text(
    at: &str,
    entry: &CatalogueEntry,
    field: &str,
    value: &str,
    max: usize,
) -> Result<(), Refusal> {
    if let Err(e) = kiosk_core::text::check_text(field, value) {
        return Err(bad(
            at,
            entry,
            &format!("در «{field}» نویسه‌ی پنهان یا کنترلی هست."),
            e.to_string(),
        ));
    }
    if value.trim().chars().count() > max {
        return Err(bad(
            at,
            entry,
            &format!("«{field}» بیش از {} نویسه است.", fa_digits(max)),
            format!("{field} longer than {max} characters"),
        ));
    }
    Ok(())
}

fn fa_digits(n: usize) -> String {
    kiosk_core::digits::to_persian_digits(&n.to_string())
}

/// One entry of `list` at index `i`, by the kiosk's rules.
fn entry(
    list: &str,
    i: usize,
    e: &CatalogueEntry,
    seen: &mut HashSet<String>,
    in_scope: bool,
) -> Result<(), Refusal> {
    let at = format!("{list}[{i}]");
    let id = e.service_code.trim();
    if id.is_empty() {
        return Err(bad(&at, e, "کد خالی است.", "no service_code"));
    }
    if id.chars().count() > MAX_CODE_CHARS
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(bad(
            &at,
            e,
            &format!(
                "کد باید تا {} نویسه از حروف و رقم‌های لاتین و - _ . باشد.",
                fa_digits(MAX_CODE_CHARS)
            ),
            "service_code is not an identifier (ASCII letters, digits, - _ .)",
        ));
    }
    if !seen.insert(id.to_owned()) {
        return Err(bad(
            &at,
            e,
            "این کد پیش‌تر در همین فهرست آمده است.",
            "service_code used by an earlier entry",
        ));
    }
    text(&at, e, "service_name", &e.service_name, MAX_NAME_CHARS)?;
    if e.service_name.trim().is_empty() {
        return Err(bad(&at, e, "نام فارسی خالی است.", "no service_name"));
    }
    if let Some(en) = &e.service_name_en {
        text(&at, e, "service_name_en", en, MAX_NAME_CHARS)?;
    }
    for (j, k) in e.keywords.iter().enumerate() {
        text(&at, e, &format!("keywords[{j}]"), k, MAX_NAME_CHARS)?;
    }
    if let Some(raw) = e.service_identifier.as_deref() {
        let digits = kiosk_core::digits::to_ascii_digits(raw.trim());
        if digits.len() > 32 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                &at,
                e,
                "شناسه‌ی خدمت باید عددی تا ۳۲ رقم باشد.",
                "service_identifier is not a number of at most 32 digits",
            ));
        }
    }
    if list == "services"
        && e.service_identifier
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
    {
        return Err(bad(
            &at,
            e,
            "خدمت بدون شناسه‌ی خدمت است.",
            "a service without a service_identifier",
        ));
    }
    if let (Some(d), false) = (&e.guidance, in_scope) {
        guidance(&at, e, d)?;
    }
    if let Some(rule) = e.next_visit.as_deref()
        && let Err(err) = rule.parse::<kiosk_core::NextVisitRule>()
    {
        return Err(bad(
            &at,
            e,
            "قاعده‌ی مراجعه‌ی بعدی خوانا نیست.",
            err.to_string(),
        ));
    }
    Ok(())
}

fn guidance(at: &str, e: &CatalogueEntry, d: &GuidanceDestination) -> Result<(), Refusal> {
    text(at, e, "guidance.office", &d.office, MAX_DETAIL_CHARS)?;
    if d.office.trim().is_empty() {
        return Err(bad(
            at,
            e,
            "مقصد راهنمایی بدون نام اداره است.",
            "a guidance destination without an office",
        ));
    }
    for (field, value) in [
        ("guidance.office_en", &d.office_en),
        ("guidance.address", &d.address),
        ("guidance.phone", &d.phone),
        ("guidance.hours", &d.hours),
        ("guidance.portal", &d.portal),
    ] {
        if let Some(v) = value {
            text(at, e, field, v, MAX_DETAIL_CHARS)?;
        }
    }
    for (j, b) in d.bring.iter().enumerate() {
        text(at, e, &format!("guidance.bring[{j}]"), b, MAX_DETAIL_CHARS)?;
    }
    Ok(())
}

/// `body` read as the contract's catalogue and held to the kiosk's rules (module doc).
pub fn check(body: &str) -> Result<Catalogue, Refusal> {
    let parsed: Catalogue =
        serde_json::from_str(body).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    check_parsed(&parsed)?;
    Ok(parsed)
}

/// [`check`] of a catalogue already read.
pub fn check_parsed(c: &Catalogue) -> Result<(), Refusal> {
    let scope: HashSet<&str> = c.agency.subject_scope.iter().map(|s| s.trim()).collect();
    let mut seen = HashSet::new();
    for (i, e) in c.subjects.iter().enumerate() {
        entry(
            "subjects",
            i,
            e,
            &mut seen,
            scope.contains(e.service_code.trim()),
        )?;
    }
    let mut seen = HashSet::new();
    for (i, e) in c.services.iter().enumerate() {
        entry("services", i, e, &mut seen, false)?;
    }
    if !c
        .subjects
        .iter()
        .any(|s| scope.contains(s.service_code.trim()))
    {
        return Err(Refusal::NoSubjectInScope);
    }
    Ok(())
}

/// The ETag of a catalogue body: a quoted digest, so the same body keeps its ETag.
pub fn etag_of(value: &Value) -> String {
    let digest = crate::auth::digest(&value.to_string());
    format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// The catalogue as stored: its ETag and body; `None` before one is set.
pub async fn current(pool: &deadpool_postgres::Pool) -> Result<Option<(String, Value)>, Refusal> {
    Ok(pool
        .get()
        .await?
        .query_opt("SELECT etag, body FROM catalogue WHERE id = 1", &[])
        .await?
        .map(|r| (r.get(0), r.get(1))))
}

/// Stores `catalogue` (already checked) as the one every device downloads and returns its
/// ETag, with one audit row by `actor` naming `change` and the ETags before and after. With
/// `read_etag` (what the editor saw; empty: no catalogue then), refuses with
/// [`Refusal::Changed`] when the stored one differs.
pub async fn store(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    catalogue: &Catalogue,
    read_etag: Option<&str>,
    change: Value,
) -> Result<String, Refusal> {
    let value = serde_json::to_value(catalogue).map_err(anyhow::Error::from)?;
    let etag = etag_of(&value);
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // The row lock orders two editors; the first catalogue ever is inserted under the table's
    // primary key, so of two first editors one fails rather than both winning.
    let before: Option<String> = tx
        .query_opt("SELECT etag FROM catalogue WHERE id = 1 FOR UPDATE", &[])
        .await?
        .map(|r| r.get(0));
    if let Some(read) = read_etag
        && before.as_deref().unwrap_or("") != read
    {
        return Err(Refusal::Changed(before.unwrap_or_default()));
    }
    tx.execute(
        "INSERT INTO catalogue (id, etag, body) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET etag = $1, body = $2, updated_at = now()",
        &[&etag, &value],
    )
    .await?;
    crate::console::accounts::audit(
        &tx,
        actor,
        "catalogue.set",
        serde_json::json!({
            "change": change, "version": catalogue.version,
            "etag": etag, "previous_etag": before,
        }),
    )
    .await
    .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    Ok(etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(subjects: Value, scope: &[&str]) -> String {
        serde_json::json!({
            "version": "c-1", "case_kinds": ["complaint"], "subjects": subjects,
            "services": [], "holiday_overrides": [],
            "agency": {"agency_code": "A", "name": "اداره", "subject_scope": scope},
        })
        .to_string()
    }

    #[test]
    fn the_kiosks_rules_hold_and_name_the_entry() {
        let good = serde_json::json!([
            {"service_code": "S-1", "service_name": "آب"},
            {"service_code": "S-2", "service_name": "برق",
             "guidance": {"office": "اداره برق"}},
        ]);
        assert!(check(&body(good, &["S-1"])).is_ok());
        assert!(matches!(check("{"), Err(Refusal::Unreadable(_))));
        let one = |s: Value| check(&body(serde_json::json!([s]), &["S-1"]));
        for (subject, why) in [
            (
                serde_json::json!({"service_code": "S 1", "service_name": "آب"}),
                "identifier",
            ),
            (
                serde_json::json!({"service_code": "S-1", "service_name": " "}),
                "no service_name",
            ),
            (
                serde_json::json!({"service_code": "S-1", "service_name": "آب\u{202e}"}),
                "service_name",
            ),
            (
                serde_json::json!({"service_code": "S-1", "service_name": "آب",
                                   "next_visit": "monthly"}),
                "",
            ),
        ] {
            match one(subject.clone()) {
                Err(Refusal::BadEntry { at, en, fa, .. }) => {
                    assert_eq!(at, "subjects[0]");
                    assert!(en.contains(why), "{en}");
                    assert!(!fa.is_empty());
                }
                other => panic!("{subject}: {other:?}"),
            }
        }
        assert!(matches!(
            check(&body(
                serde_json::json!([{"service_code": "S-2", "service_name": "برق"}]),
                &["S-1"]
            )),
            Err(Refusal::NoSubjectInScope)
        ));
        let twice = serde_json::json!([
            {"service_code": "S-1", "service_name": "آب"},
            {"service_code": "S-1", "service_name": "برق"},
        ]);
        assert!(matches!(
            check(&body(twice, &["S-1"])),
            Err(Refusal::BadEntry { at, .. }) if at == "subjects[1]"
        ));
    }
}
