//! Whether an item's payload is acceptable (else the item is answered 422 with the reason).
//!
//! Every payload must be a JSON object, and its `kiosk_number`, when it has one, must be the
//! kiosk of the path: an item never lands under another kiosk than its own. A case is checked
//! further: its fields' forms, its subject against the refused ones, and its tracking code,
//! which must be a valid code (format version 1, Damm check digit) of the case's own kiosk
//! (digits 2–6 are `kiosk_number`) and sequence (digits 7–15 are `sequence`), as
//! `kiosk_core::tracking_code` lays codes out. Whether the tracking code is already another
//! case's is the database's question ([`crate::db`]), not this module's.

use kiosk_core::TrackingCode;
use kiosk_sync::wire::ItemType;
use serde_json::Value;
use uuid::Uuid;

/// The case kinds the contract names.
const CASE_KINDS: &[&str] = &[
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

fn digits(v: Option<&Value>, n: usize) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Why the item is not acceptable, if it is not.
pub fn item_problem(
    item_id: Uuid,
    item_type: ItemType,
    kiosk: u32,
    body: &Value,
    refused_subjects: &[String],
) -> Option<String> {
    if !body.is_object() {
        return Some("payload must be a JSON object".into());
    }
    if let Some(number) = body.get("kiosk_number")
        && number.as_u64() != Some(u64::from(kiosk))
    {
        return Some(format!(
            "kiosk_number {number} differs from the kiosk in the path ({kiosk})"
        ));
    }
    match item_type {
        ItemType::Case => case_problem(item_id, kiosk, body, refused_subjects),
        ItemType::Service | ItemType::Rating | ItemType::Meeting => None,
        ItemType::Guidance => guidance_problem(item_id, body),
        // Claims are the office's own bookkeeping, for the agency server (SAMAD has none).
        ItemType::Claim => {
            Some("SAMAD takes no claim items: claims are for the agency server".into())
        }
    }
}

/// Why a guidance record is not acceptable, if it is not: its key, the subject and where the
/// visitor was sent, and never a whole national code (only the masked one).
fn guidance_problem(item_id: Uuid, body: &Value) -> Option<String> {
    let field = |name: &str| body.get(name);
    if field("payload_version").and_then(Value::as_u64) != Some(1) {
        return Some("payload_version must be 1".into());
    }
    if field("client_uuid").and_then(Value::as_str) != Some(&item_id.hyphenated().to_string()) {
        return Some("client_uuid must equal item_id".into());
    }
    for name in ["subject_id", "destination"] {
        if field(name)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            return Some(format!("{name} is missing"));
        }
    }
    if body.get("national_code").is_some() {
        return Some("a guidance record carries national_code_masked only".into());
    }
    None
}

/// Why a case body is not acceptable, if it is not.
fn case_problem(item_id: Uuid, kiosk: u32, body: &Value, refused: &[String]) -> Option<String> {
    let field = |name: &str| body.get(name);
    if field("payload_version").and_then(Value::as_u64) != Some(1) {
        return Some("payload_version must be 1".into());
    }
    if field("client_uuid").and_then(Value::as_str) != Some(&item_id.hyphenated().to_string()) {
        return Some("client_uuid must equal item_id".into());
    }
    if field("kiosk_number").and_then(Value::as_u64) != Some(u64::from(kiosk)) {
        return Some("kiosk_number differs from the kiosk in the path".into());
    }
    if let Some(reason) = tracking_problem(kiosk, body) {
        return Some(reason);
    }
    // The applicant: a national code, or (contract 1.6.0) a foreign nationals' identifier or a
    // passport with its country in `identity`, national_code null (docs/identity.md).
    let identity = field("identity").filter(|v| !v.is_null());
    match identity {
        None if !digits(field("national_code"), 10) => {
            return Some("national_code must be 10 digits".into());
        }
        None => {}
        Some(identity) => {
            let text = |name: &str| identity.get(name).and_then(Value::as_str);
            let national_code = field("national_code").and_then(Value::as_str);
            let (Some(kind), Some(value)) = (text("kind"), text("value")) else {
                return Some("identity must have a kind and a value".into());
            };
            if let Err(reason) = kiosk_core::identity::from_payload(
                national_code,
                Some((kind, value, text("country"))),
            ) {
                return Some(reason);
            }
        }
    }
    let kind = field("kind").and_then(Value::as_str).unwrap_or("");
    if !CASE_KINDS.contains(&kind) {
        return Some(format!("kind {kind:?} is not a case kind"));
    }
    let subject = field("subject_id").and_then(Value::as_str).unwrap_or("");
    if subject.is_empty() {
        return Some("subject_id is missing".into());
    }
    if refused.iter().any(|r| r == subject) {
        return Some(format!(
            "subject_id {subject:?} is not in this agency's catalogue"
        ));
    }
    notice_consent_problem(body)
}

/// Why a case's consent to SMS notices (contract 1.2.0) is not acceptable, if it is not:
/// `notice_consent` is a boolean when present (absent: false, as in older payloads), true only
/// with a `phone`; `notice_consent_at`, only with a consent, is an RFC 3339 date-time.
fn notice_consent_problem(body: &Value) -> Option<String> {
    let consent = match body.get("notice_consent") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Some(format!(
                "notice_consent must be a boolean (true or false), not {}",
                json_kind(other)
            ));
        }
    };
    let phone = body.get("phone").is_some_and(Value::is_string);
    if consent && !phone {
        return Some("notice_consent is true but the case has no phone".into());
    }
    match body.get("notice_consent_at") {
        None => None,
        Some(_) if !consent => {
            Some("notice_consent_at is sent only with notice_consent true".into())
        }
        Some(Value::String(at)) if chrono::DateTime::parse_from_rfc3339(at).is_ok() => None,
        Some(_) => Some("notice_consent_at must be an RFC 3339 date-time".into()),
    }
}

/// What kind of JSON value `v` is, for a reason that never repeats the value itself.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Why the case's tracking code is not a valid code of its kiosk and sequence, if it is not.
fn tracking_problem(kiosk: u32, body: &Value) -> Option<String> {
    let Some(text) = body
        .get("tracking_code")
        .and_then(Value::as_str)
        .filter(|s| s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Some("tracking_code must be 16 digits".into());
    };
    let code = match TrackingCode::parse(text) {
        Ok(code) => code,
        Err(e) => return Some(format!("tracking_code {text} is not valid: {e}")),
    };
    let issuer = code.kiosk().get();
    if issuer != kiosk {
        return Some(format!(
            "tracking_code {text} is kiosk {issuer}'s (digits 2-6), not kiosk_number {kiosk}'s"
        ));
    }
    let sequence = body.get("sequence").and_then(Value::as_u64);
    if sequence != Some(code.sequence()) {
        let got = sequence.map_or_else(|| "missing".to_owned(), |s| s.to_string());
        return Some(format!(
            "sequence ({got}) differs from tracking_code {text}'s sequence {} (digits 7-15)",
            code.sequence()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use kiosk_core::KioskNumber;
    use serde_json::json;

    use super::*;

    fn code(kiosk: u32, sequence: u64) -> String {
        KioskNumber::new(kiosk)
            .and_then(|k| TrackingCode::new(k, sequence))
            .map(|c| c.as_string())
            .unwrap_or_default()
    }

    fn case(id: Uuid, kiosk: u32, tracking: &str, sequence: u64) -> Value {
        json!({
            "payload_version": 1, "client_uuid": id, "tracking_code": tracking,
            "kiosk_number": kiosk, "sequence": sequence, "kind": "complaint",
            "subject_id": "SUBJ-1", "national_code": "0012345679", "description": "d",
            "registered_at": "2026-11-23T03:00:00.000Z", "unit": "u"
        })
    }

    #[test]
    fn a_case_carries_a_valid_code_of_its_own_kiosk_and_sequence() {
        let id = Uuid::new_v4();
        let check = |body: &Value| item_problem(id, ItemType::Case, 12, body, &[]);
        assert_eq!(check(&case(id, 12, &code(12, 7), 7)), None);
        let other_kiosk = check(&case(id, 12, &code(13, 7), 7)).unwrap_or_default();
        assert!(other_kiosk.contains("kiosk 13's"), "{other_kiosk}");
        let other_sequence = check(&case(id, 12, &code(12, 7), 8)).unwrap_or_default();
        assert!(other_sequence.contains("sequence"), "{other_sequence}");
        let mut typo = code(12, 7).into_bytes();
        typo[10] = if typo[10] == b'9' { b'0' } else { typo[10] + 1 };
        let typo = String::from_utf8(typo).unwrap_or_default();
        let typo = check(&case(id, 12, &typo, 7)).unwrap_or_default();
        assert!(typo.contains("check digit"), "{typo}");
        let short = check(&case(id, 12, "123", 7)).unwrap_or_default();
        assert!(short.contains("16 digits"), "{short}");
    }

    #[test]
    fn the_consent_to_sms_notices_is_a_boolean_true_only_with_a_phone() {
        let id = Uuid::new_v4();
        let check = |patch: Value| {
            let mut body = case(id, 12, &code(12, 7), 7);
            if let (Some(body), Some(patch)) = (body.as_object_mut(), patch.as_object()) {
                body.extend(patch.clone());
            }
            item_problem(id, ItemType::Case, 12, &body, &[])
        };
        // Absent (an older kiosk's payload): false, accepted.
        assert_eq!(check(json!({})), None);
        assert_eq!(check(json!({"notice_consent": false})), None);
        assert_eq!(
            check(json!({"notice_consent": true, "phone": "09121234567",
                "notice_consent_at": "2026-11-23T02:59:40.000Z"})),
            None
        );
        let table = [
            (json!({"notice_consent": "true"}), "must be a boolean"),
            (json!({"notice_consent": 1}), "not a number"),
            (json!({"notice_consent": null}), "not null"),
            (json!({"notice_consent": true}), "no phone"),
            (json!({"notice_consent": true, "phone": null}), "no phone"),
            (
                json!({"notice_consent": false, "notice_consent_at": "2026-11-23T02:59:40Z"}),
                "only with notice_consent true",
            ),
            (
                json!({"notice_consent": true, "phone": "09121234567",
                    "notice_consent_at": "yesterday"}),
                "RFC 3339",
            ),
        ];
        for (patch, why) in table {
            let reason = check(patch.clone()).unwrap_or_default();
            assert!(reason.contains(why), "{patch}: {reason:?}");
        }
    }

    #[test]
    fn a_visitor_without_a_national_code_is_named_by_identity() {
        let id = Uuid::new_v4();
        let check = |body: &Value| item_problem(id, ItemType::Case, 12, body, &[]);
        let with = |national: Value, identity: Value| {
            let mut body = case(id, 12, &code(12, 7), 7);
            body["national_code"] = national;
            body["identity"] = identity;
            body
        };
        let table: [(Value, Value, Option<&str>); 6] = [
            (
                Value::Null,
                json!({"kind": "foreign_id", "value": "123456789012"}),
                None,
            ),
            (
                Value::Null,
                json!({"kind": "passport", "value": "P01234567", "country": "AFG"}),
                None,
            ),
            (
                Value::Null,
                Value::Null,
                Some("national_code must be 10 digits"),
            ),
            (
                json!("0012345679"),
                json!({"kind": "foreign_id", "value": "123456789012"}),
                Some("not both"),
            ),
            (
                Value::Null,
                json!({"kind": "passport", "value": "P01234567", "country": "XXX"}),
                Some("passport is not valid"),
            ),
            (
                Value::Null,
                json!({"kind": "foreign_id", "value": "12345"}),
                Some("foreign_id is not valid"),
            ),
        ];
        for (national, identity, want) in table {
            let got = check(&with(national.clone(), identity.clone()));
            match want {
                None => assert_eq!(got, None, "{identity}"),
                Some(why) => {
                    let reason = got.unwrap_or_default();
                    assert!(reason.contains(why), "{identity}: {reason}");
                }
            }
        }
    }

    #[test]
    fn a_guidance_record_names_its_subject_and_destination_and_masks_the_code() {
        let id = Uuid::new_v4();
        let good = json!({
            "payload_version": 1, "client_uuid": id, "kiosk_number": 12,
            "subject_id": "SUBJ-WATER", "subject": "قبض آب", "destination": "شرکت آب",
            "kind": "complaint", "national_code_masked": "******0899", "lang": "fa",
            "given_at": "2026-11-23T03:00:00.000Z"
        });
        assert_eq!(item_problem(id, ItemType::Guidance, 12, &good, &[]), None);
        let table: [(&str, Value, &str); 4] = [
            ("payload_version", json!(2), "payload_version"),
            ("client_uuid", json!(Uuid::new_v4()), "client_uuid"),
            ("destination", json!(" "), "destination is missing"),
            ("national_code", json!("0499370899"), "masked only"),
        ];
        for (field, value, why) in table {
            let mut bad = good.clone();
            bad[field] = value;
            let reason = item_problem(id, ItemType::Guidance, 12, &bad, &[]).unwrap_or_default();
            assert!(reason.contains(why), "{field}: {reason}");
        }
    }

    #[test]
    fn any_item_names_the_kiosk_of_its_path_if_it_names_one() {
        let id = Uuid::new_v4();
        let rating = json!({"kiosk_number": 13, "score": 4});
        let reason = item_problem(id, ItemType::Rating, 12, &rating, &[]).unwrap_or_default();
        assert!(
            reason.contains("differs from the kiosk in the path"),
            "{reason}"
        );
        assert_eq!(item_problem(id, ItemType::Rating, 13, &rating, &[]), None);
        assert_eq!(
            item_problem(id, ItemType::Rating, 12, &json!({"stars": 4}), &[]),
            None
        );
        assert!(item_problem(id, ItemType::Meeting, 12, &json!([1]), &[]).is_some());
    }
}
