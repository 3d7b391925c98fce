//! The catalogue every device downloads (`catalogue` table, one row: its ETag and its JSON
//! body), checked and stored.
//!
//! [`check`] holds a body to the rules a kiosk applies when it takes a catalogue, by the
//! kiosk's own conversion (firmware/sync/src/catalogue.rs `from_wire`): it must read as the
//! contract's `kiosk_sync::wire::Catalogue`, and an entry a kiosk would skip (or a next-visit
//! rule it would drop, or a catalogue with no subject in the agency's scope, which a kiosk
//! refuses whole) refuses the edit instead, saying which entry and why in Persian and English;
//! nothing is set.
//!
//! [`store`] writes a body with its ETag (a digest of the body, so any change gives another and
//! the devices take it at their next check) and one row of the console's audit log, in one
//! transaction; given the ETag the editor read, it refuses when the catalogue changed since.

use kiosk_sync::wire::Catalogue;
use serde_json::Value;

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

/// `body` read as the contract's catalogue and held to the kiosk's rules (module doc).
pub fn check(body: &str) -> Result<Catalogue, Refusal> {
    let parsed: Catalogue =
        serde_json::from_str(body).map_err(|e| Refusal::Unreadable(e.to_string()))?;
    check_parsed(&parsed)?;
    Ok(parsed)
}

/// [`check`] of a catalogue already read: the kiosk's own conversion
/// (`kiosk_sync::catalogue::convert`), where an entry a kiosk would skip, or a next-visit
/// rule it would drop, refuses the whole edit instead, naming the first.
pub fn check_parsed(c: &Catalogue) -> Result<(), Refusal> {
    let converted = kiosk_sync::catalogue::convert(c);
    if let Some(bad) = converted
        .skipped
        .into_iter()
        .chain(converted.refused_rules)
        .next()
    {
        return Err(Refusal::BadEntry {
            at: bad.at,
            code: bad.code,
            fa: bad.reason_fa,
            en: bad.reason,
        });
    }
    if !converted.catalogue.subjects.iter().any(|s| s.in_scope()) {
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
