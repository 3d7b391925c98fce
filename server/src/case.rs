//! Whether a case sent by a device is acceptable (else 422 with the reason), the contract's
//! `CasePayload` checked field by field. Its `kiosk_number` must be the device's, its tracking
//! code a valid code (format version 1, Damm check digit) of that kiosk and of its `sequence`,
//! as `kiosk_core::tracking_code` lays codes out. Whether the tracking code or the idempotency
//! key is already taken is the database's question ([`crate::api`]). Reasons never repeat a
//! national code, a phone number or a description.

use chrono::{DateTime, Utc};
use kiosk_core::{NationalCode, NationalCodePolicy, TrackingCode};
use serde_json::Value;
use uuid::Uuid;

/// The case kinds the contract names.
pub const CASE_KINDS: &[&str] = &[
    "request",
    "complaint",
    "suggestion",
    "idea",
    "appreciation",
    "plan",
    "expression_of_feelings",
    "public_report",
    "transfer",
    "consultation",
    "service_registration",
];

/// Most characters of a description (the contract's).
const MAX_DESCRIPTION: usize = 4000;

/// The fields of an acceptable case the database keeps in columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseColumns {
    /// The 16-digit code.
    pub tracking_code: String,
    /// The national code (10 digits).
    pub national_code: String,
    /// The case kind.
    pub kind: String,
    /// When it was registered at the kiosk.
    pub registered_at: DateTime<Utc>,
}

fn text<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

fn bounded(body: &Value, name: &str, min: usize, max: usize) -> Result<(), String> {
    match text(body, name) {
        Some(s) if (min..=max).contains(&s.chars().count()) => Ok(()),
        Some(_) => Err(format!("{name} must be {min} to {max} characters")),
        None => Err(format!("{name} must be a string")),
    }
}

fn optional_bounded(body: &Value, name: &str, max: usize) -> Result<(), String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(()),
        Some(_) => Err(format!(
            "{name} must be null or a string of at most {max} characters"
        )),
    }
}

/// The case's columns, or why it is not acceptable from kiosk `kiosk` as item `item_id`.
pub fn check(item_id: Uuid, kiosk: u32, body: &Value) -> Result<CaseColumns, String> {
    if !body.is_object() {
        return Err("payload must be a JSON object".into());
    }
    if body.get("payload_version").and_then(Value::as_u64) != Some(1) {
        return Err("payload_version must be 1".into());
    }
    if text(body, "client_uuid").and_then(|s| Uuid::parse_str(s).ok()) != Some(item_id) {
        return Err("client_uuid must equal item_id".into());
    }
    let number = body.get("kiosk_number").and_then(Value::as_u64);
    if number != Some(u64::from(kiosk)) {
        let got = number.map_or_else(|| "missing".to_owned(), |n| n.to_string());
        return Err(format!(
            "kiosk_number ({got}) must be the device's own kiosk number ({kiosk})"
        ));
    }
    let tracking_code = tracking(kiosk, body)?;
    let national_code = text(body, "national_code")
        .filter(|s| s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("national_code must be 10 digits")?;
    NationalCode::parse(
        national_code,
        &NationalCodePolicy {
            accept_test_code: true,
        },
    )
    .map_err(|e| format!("national_code is not valid ({})", e.reason_code()))?;
    match body.get("phone") {
        None | Some(Value::Null) => {}
        Some(Value::String(p))
            if p.len() == 11 && p.starts_with("09") && p.bytes().all(|b| b.is_ascii_digit()) => {}
        Some(_) => return Err("phone must be null or 11 digits starting 09".into()),
    }
    let kind = text(body, "kind").unwrap_or_default();
    if !CASE_KINDS.contains(&kind) {
        return Err("kind is not one of the contract's case kinds".into());
    }
    bounded(body, "subject_id", 1, 100)?;
    optional_bounded(body, "service_id", 100)?;
    bounded(body, "description", 0, MAX_DESCRIPTION)?;
    bounded(body, "unit", 1, 200)?;
    escalation(body, kind)?;
    let registered_at = text(body, "registered_at")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .ok_or("registered_at must be an RFC 3339 date-time")?
        .with_timezone(&Utc);
    Ok(CaseColumns {
        tracking_code,
        national_code: national_code.to_owned(),
        kind: kind.to_owned(),
        registered_at,
    })
}

/// A complaint about an official names its tier, and the authority it goes to must be the
/// one seed 000 §10-3 names for that tier (firmware/core/src/escalation.rs); only complaints
/// carry one.
fn escalation(body: &Value, kind: &str) -> Result<(), String> {
    use kiosk_core::escalation::OfficialTier;
    let tier = match body.get("official_tier") {
        None | Some(Value::Null) => {
            if body.get("escalated_to").is_some_and(|v| !v.is_null()) {
                return Err("escalated_to needs official_tier".into());
            }
            return Ok(());
        }
        Some(Value::String(t)) => {
            OfficialTier::parse(t).ok_or("official_tier must be county, province or national")?
        }
        Some(_) => return Err("official_tier must be a string".into()),
    };
    if kind != "complaint" {
        return Err("only a complaint names an official_tier".into());
    }
    let expected = tier.escalation().authority.as_str();
    if text(body, "escalated_to") != Some(expected) {
        return Err(format!(
            "escalated_to must be {expected} for official_tier {} (000 §10-3)",
            tier.as_str()
        ));
    }
    Ok(())
}

/// The tracking code, or why it is not a valid code of this kiosk and sequence.
fn tracking(kiosk: u32, body: &Value) -> Result<String, String> {
    let text = text(body, "tracking_code")
        .filter(|s| s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("tracking_code must be 16 digits")?;
    let code = TrackingCode::parse(text).map_err(|e| format!("tracking_code is not valid: {e}"))?;
    let issuer = code.kiosk().get();
    if issuer != kiosk {
        return Err(format!(
            "tracking_code {text} is kiosk {issuer}'s (digits 2-6), not kiosk_number {kiosk}'s"
        ));
    }
    if body.get("sequence").and_then(Value::as_u64) != Some(code.sequence()) {
        return Err(format!(
            "sequence differs from tracking_code {text}'s sequence {} (digits 7-15)",
            code.sequence()
        ));
    }
    Ok(text.to_owned())
}

/// Whether `text` is a well-formed tracking code (16 digits, valid check digit).
pub fn valid_tracking_code(text: &str) -> bool {
    text.len() == 16
        && text.bytes().all(|b| b.is_ascii_digit())
        && TrackingCode::parse(text).is_ok()
}
