//! Whether a case sent by a device is acceptable (else 422 with the reason), the contract's
//! `CasePayload` checked field by field. Its `kiosk_number` must be the device's, its tracking
//! code a valid code (format version 1, Damm check digit) of that kiosk and of its `sequence`,
//! as `kiosk_core::tracking_code` lays codes out. Whether the tracking code or the idempotency
//! key is already taken is the database's question ([`crate::api`]). Reasons never repeat a
//! national code, a phone number or a description. The applicant is named by `national_code`,
//! or (contract 1.6.0, docs/identity.md) with `national_code` null by `identity`: a foreign
//! nationals' identifier or a passport and its country, judged by the kiosk's own rules.

use chrono::{DateTime, Utc};
use kiosk_core::{TrackingCode, VisitorId};
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
    /// The applicant: national code, foreign nationals' identifier or passport.
    pub visitor: VisitorId,
    /// The case kind.
    pub kind: String,
    /// When it was registered at the kiosk.
    pub registered_at: DateTime<Utc>,
    /// The visitor consented to SMS notices on the kiosk's mobile screen (contract 1.9.0).
    pub notice_consent: bool,
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
    let visitor = applicant(body)?;
    match body.get("phone") {
        None | Some(Value::Null) => {}
        Some(Value::String(p))
            if p.len() == 11 && p.starts_with("09") && p.bytes().all(|b| b.is_ascii_digit()) => {}
        Some(_) => return Err("phone must be null or 11 digits starting 09".into()),
    }
    let notice_consent = match body.get("notice_consent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(consent)) => *consent,
        Some(_) => return Err("notice_consent must be true or false".into()),
    };
    if notice_consent && body.get("phone").and_then(Value::as_str).is_none() {
        return Err("notice_consent needs a phone to send the notices to".into());
    }
    match body.get("notice_consent_at") {
        None => {}
        Some(_) if !notice_consent => {
            return Err("notice_consent_at is sent only with notice_consent true".into());
        }
        Some(Value::String(at)) if DateTime::parse_from_rfc3339(at).is_ok() => {}
        Some(_) => return Err("notice_consent_at must be an RFC 3339 date-time".into()),
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
    next_visit(body, kind, registered_at)?;
    Ok(CaseColumns {
        tracking_code,
        visitor,
        kind: kind.to_owned(),
        registered_at,
        notice_consent,
    })
}

/// The case's applicant: `national_code` (ten digits), or `identity` with `national_code` null.
fn applicant(body: &Value) -> Result<VisitorId, String> {
    let national_code = match body.get("national_code") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.as_str())
        }
        Some(_) => return Err("national_code must be 10 digits".into()),
    };
    let identity = match body.get("identity") {
        None | Some(Value::Null) => None,
        Some(identity) => {
            let field = |name: &str| identity.get(name).and_then(Value::as_str);
            let (Some(kind), Some(value)) = (field("kind"), field("value")) else {
                return Err("identity must have a kind and a value".into());
            };
            Some((kind, value, field("country")))
        }
    };
    if national_code.is_none() && identity.is_none() {
        return Err("national_code must be 10 digits".into());
    }
    kiosk_core::identity::from_payload(national_code, identity)
}

/// The kinds that owe no later answer, and so may carry a next visit (seed 000 §4-4).
const NEXT_VISIT_KINDS: [&str; 4] = [
    "consultation",
    "service_registration",
    "appreciation",
    "expression_of_feelings",
];

/// A case that owes no later answer may announce its next visit or final-service day
/// (firmware/core/src/next_visit.rs): the rule must read, the day must follow from it (none
/// for `at_desk`; after the registration day in Tehran, on the rule's weekday for a weekly
/// rule, at least N days on for `working_days:N`, within 400 days) and its Jalali form must be
/// that day's. The server cannot know the office's holidays, so it checks no more than that.
fn next_visit(body: &Value, kind: &str, registered_at: DateTime<Utc>) -> Result<(), String> {
    use chrono::{Datelike, NaiveDate};
    use kiosk_core::{JalaliDate, NextVisitRule};
    let visit = match body.get("next_visit") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(visit)) => visit,
        Some(_) => return Err("next_visit must be null or an object".into()),
    };
    if !NEXT_VISIT_KINDS.contains(&kind) || body.get("due_date").is_some_and(|d| !d.is_null()) {
        return Err(
            "only a case that owes no later answer (no due_date; consultation, \
             service_registration, appreciation, expression_of_feelings) carries next_visit"
                .into(),
        );
    }
    if let Some(extra) = visit
        .keys()
        .find(|k| !["rule", "date", "jalali"].contains(&k.as_str()))
    {
        return Err(format!("next_visit has an unknown member {extra:?}"));
    }
    let rule: NextVisitRule = visit
        .get("rule")
        .and_then(Value::as_str)
        .ok_or("next_visit.rule must be a string")?
        .parse()
        .map_err(|e: kiosk_core::next_visit::NextVisitRuleError| e.to_string())?;
    let date = match visit.get("date") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| "next_visit.date must be a date (YYYY-MM-DD)")?,
        ),
        Some(_) => return Err("next_visit.date must be null or a date".into()),
    };
    let jalali = match visit.get("jalali") {
        None | Some(Value::Null) => None,
        Some(Value::String(j)) => Some(j.as_str()),
        Some(_) => return Err("next_visit.jalali must be null or a string".into()),
    };
    let Some(day) = date else {
        if rule != NextVisitRule::AtDeskNow || jalali.is_some() {
            return Err(format!(
                "next_visit.date is missing: only at_desk has no day, not {rule}"
            ));
        }
        return Ok(());
    };
    let registered = kiosk_core::jalali::tehran_date(registered_at);
    let days_on = (day - registered).num_days();
    let fits = match rule {
        NextVisitRule::AtDeskNow => false,
        NextVisitRule::WorkingDays(n) => days_on >= i64::from(n),
        NextVisitRule::Weekly(weekday) => days_on >= 1 && day.weekday() == weekday,
    };
    if !fits || days_on > 400 {
        return Err(format!(
            "next_visit.date {day} does not follow from rule {rule} for a case registered on {registered}"
        ));
    }
    let expected = JalaliDate::from_gregorian(day).to_string();
    if jalali != Some(expected.as_str()) {
        return Err(format!(
            "next_visit.jalali must be {expected}, the Jalali form of {day}"
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Saturday 3 Aban 1404 (2025-10-25), 10:00 in Tehran.
    fn registered() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-10-25T10:00:00+03:30")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_next_visit_is_accepted_only_as_its_rule_gives_it() {
        let ok = [
            ("consultation", json!(null)),
            (
                "consultation",
                json!({"rule": "at_desk", "date": null, "jalali": null}),
            ),
            (
                "consultation",
                json!({"rule": "weekly:tuesday", "date": "2025-10-28", "jalali": "1404-08-06"}),
            ),
            (
                "service_registration",
                json!({"rule": "working_days:3", "date": "2025-10-28", "jalali": "1404-08-06"}),
            ),
            (
                "appreciation",
                json!({"rule": "at_desk", "date": null, "jalali": null}),
            ),
        ];
        for (kind, visit) in ok {
            let body = json!({"next_visit": visit, "due_date": null});
            assert_eq!(
                next_visit(&body, kind, registered()),
                Ok(()),
                "{kind} {visit}"
            );
        }
        let refused = [
            (
                "complaint",
                json!({"rule": "at_desk", "date": null, "jalali": null}),
                "owes no later answer",
            ),
            (
                "consultation",
                json!("at_desk"),
                "must be null or an object",
            ),
            (
                "consultation",
                json!({"rule": "soon", "date": null, "jalali": null}),
                "not valid",
            ),
            (
                "consultation",
                json!({"rule": "weekly:tuesday", "date": null, "jalali": null}),
                "date is missing",
            ),
            (
                "consultation",
                json!({"rule": "weekly:tuesday", "date": "2025-10-29", "jalali": "1404-08-07"}),
                "does not follow",
            ),
            (
                "consultation",
                json!({"rule": "working_days:5", "date": "2025-10-28", "jalali": "1404-08-06"}),
                "does not follow",
            ),
            (
                "consultation",
                json!({"rule": "weekly:saturday", "date": "2025-10-25", "jalali": "1404-08-03"}),
                "does not follow",
            ),
            (
                "consultation",
                json!({"rule": "weekly:tuesday", "date": "2025-10-28", "jalali": "1404-08-07"}),
                "must be 1404-08-06",
            ),
            (
                "consultation",
                json!({"rule": "at_desk", "date": null, "jalali": null, "note": "x"}),
                "unknown member",
            ),
            (
                "consultation",
                json!({"rule": "weekly:tuesday", "date": "28/10/2025", "jalali": "1404-08-06"}),
                "YYYY-MM-DD",
            ),
        ];
        for (kind, visit, why) in refused {
            let body = json!({"next_visit": visit, "due_date": null});
            let err = next_visit(&body, kind, registered()).expect_err(why);
            assert!(err.contains(why), "{kind} {visit}: {err}");
        }
        let with_due = json!({
            "next_visit": {"rule": "at_desk", "date": null, "jalali": null},
            "due_date": "2025-11-05",
        });
        assert!(next_visit(&with_due, "consultation", registered()).is_err());
    }
}
