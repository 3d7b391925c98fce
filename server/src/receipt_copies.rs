//! Receipt copies (server/migrations/0009_receipt_copies.sql): the office's desk terminals
//! reprint the receipt of any of the office's cases, and are offered the receipts a kiosk could
//! not print.
//!
//! - `POST /v1/kiosks/{kiosk}/receipt-copies` `{tracking_code}`: what the case's receipt prints
//!   ([`kiosk_sync::wire::ReceiptCopy`]: kind, subject, unit, registration time, due day, the
//!   issuing kiosk, and the national code and mobile number masked as the receipt masks them,
//!   never in full; no description). 404 `unknown_case`. Every copy but that of an owed receipt counts against the
//!   device's hourly look-up limit, found or not ([`crate::api::reserve_lookup`]): a copy
//!   needs only the code, and codes count up per kiosk, so a device cannot walk a kiosk's
//!   sequence to read the office's cases (tests in server/tests/receipt_copies.rs).
//! - `POST /v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed`: the desk printed the
//!   copy; recorded in `receipt_copies` (which case, which desk, when). Only then does the
//!   receipt leave the owed list: a copy whose printer failed leaves it offered.
//! - `GET /v1/kiosks/{kiosk}/receipt-copies?owed=true`: the receipts the office's kiosks
//!   reported as owed in their latest heartbeat (`owed_receipts`, kept by
//!   [`record_owed`]) whose case the server holds, minus those a desk has given a copy of.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use kiosk_sync::wire::{
    MAX_OWED_RECEIPTS, OwedReceipt, OwedReceiptList, ReceiptCopy, ReceiptCopyRequest,
};
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::Device;
use crate::case;
use crate::contract::{json_body, own_kiosk};
use crate::problem::{Problem, Refused, bad_parameter};

/// Most owed receipts one answer lists.
pub const MAX_LISTED: i64 = 100;

/// `******1234`, as the receipt prints a national code (`kiosk_core::NationalCode::masked`).
pub fn mask_national_code(code: &str) -> String {
    let digits: Vec<char> = code.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("******{tail}")
}

/// `0912***4567`, as the receipt prints a mobile number (`kiosk_core::MobileNumber::masked`);
/// `None` for anything that is not 11 digits.
pub fn mask_mobile(phone: &str) -> Option<String> {
    (phone.len() == 11 && phone.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}***{}", &phone[..4], &phone[7..]))
}

/// `POST /v1/kiosks/{kiosk}/receipt-copies`: what the receipt of `tracking_code` prints, for
/// the desk `{kiosk}`. Nothing is recorded until the desk says the copy printed ([`printed`]).
pub async fn give(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Json<ReceiptCopy>, Refused> {
    let desk = own_kiosk(device, &kiosk)?;
    let asked: ReceiptCopyRequest = json_body(&body)?;
    let tracking_code = asked.tracking_code.trim().to_owned();
    if !case::valid_tracking_code(&tracking_code) {
        return Err(bad_parameter(
            "tracking_code",
            "tracking_code must be 16 digits with a valid check digit",
        ));
    }
    let client = state.pool.get().await?;
    // A receipt the office owes (its kiosk reported it, no desk gave it yet) is copied freely.
    let owed: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM owed_receipts o WHERE o.tracking_code = $1 \
                 AND NOT EXISTS (SELECT 1 FROM receipt_copies r \
                                 WHERE r.tracking_code = o.tracking_code))",
            &[&tracking_code],
        )
        .await?
        .get(0);
    let slot = match owed {
        true => None,
        false => Some(crate::api::reserve_lookup(&state, &client, device).await?),
    };
    let row = client
        .query_opt(
            "SELECT kiosk_number, kind, registered_at, national_code, payload FROM cases \
             WHERE tracking_code = $1",
            &[&tracking_code],
        )
        .await?;
    let Some(row) = row else {
        if let Some(slot) = slot {
            slot.missed(&client).await?;
        }
        tracing::info!(desk, "receipt copy of an unknown case refused");
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown_case",
            "the office has no case with this tracking code",
        )
        .into());
    };
    // A copy needs nothing but the code, and codes count up per kiosk: every copy but that of
    // a receipt the office owes was counted against the hour's look-up limit above, found or
    // not, so a device cannot walk a kiosk's sequence.
    if let Some(slot) = slot {
        slot.missed(&client).await?;
    }
    let copied_at = Utc::now();
    let payload: Value = row.get(4);
    let text = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .filter(|s| !s.trim().is_empty())
    };
    let owner: i32 = row.get(0);
    // The applicant's national code, or for a visitor without one the identifier the case
    // names (docs/identity.md), masked alike.
    let national_code: Option<String> = row.get(3);
    let applicant_masked = match national_code {
        Some(code) => mask_national_code(&code),
        None => payload
            .get("identity")
            .and_then(|i| {
                let field = |name: &str| i.get(name).and_then(Value::as_str);
                kiosk_core::identity::from_payload(
                    None,
                    Some((field("kind")?, field("value")?, field("country"))),
                )
                .ok()
            })
            .map(|v| v.masked())
            .unwrap_or_default(),
    };
    tracing::info!(desk, owner, "receipt copy read");
    Ok(Json(ReceiptCopy {
        tracking_code,
        kiosk_number: u32::try_from(owner).unwrap_or_default(),
        kind: row.get(1),
        subject_id: text("subject_id").unwrap_or_default(),
        service_id: text("service_id"),
        unit: text("unit").unwrap_or_default(),
        registered_at: row.get(2),
        due_date: text("due_date"),
        due_jalali: text("due_jalali"),
        due_working_days: payload
            .get("due_working_days")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok()),
        national_code_masked: applicant_masked,
        mobile_masked: text("phone").as_deref().and_then(mask_mobile),
        // Checked when the case was taken (server/src/case.rs).
        next_visit: payload
            .get("next_visit")
            .filter(|v| !v.is_null())
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        copied_at,
    }))
}

/// `POST /v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed`: the desk `{kiosk}`
/// printed the copy; it is recorded as given (which case, which desk, when) and the receipt
/// leaves the office's owed list. 204; 404 `unknown_case`. A copy that did not print is never
/// recorded, so an owed receipt stays offered until one does.
pub async fn printed(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path((kiosk, tracking_code)): Path<(String, String)>,
) -> Result<StatusCode, Refused> {
    let desk = own_kiosk(device, &kiosk)?;
    let tracking_code = tracking_code.trim().to_owned();
    if !case::valid_tracking_code(&tracking_code) {
        return Err(bad_parameter(
            "tracking_code",
            "tracking_code must be 16 digits with a valid check digit",
        ));
    }
    let recorded = state
        .pool
        .get()
        .await?
        .execute(
            "INSERT INTO receipt_copies (tracking_code, desk_kiosk) \
             SELECT tracking_code, $2 FROM cases WHERE tracking_code = $1",
            &[&tracking_code, &i32::try_from(desk).unwrap_or_default()],
        )
        .await?;
    if recorded == 0 {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown_case",
            "the office has no case with this tracking code",
        )
        .into());
    }
    tracing::info!(desk, "receipt copy printed");
    Ok(StatusCode::NO_CONTENT)
}

/// The query of `GET …/receipt-copies`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    owed: Option<String>,
}

/// `GET /v1/kiosks/{kiosk}/receipt-copies?owed=true`: the office's owed receipts, newest
/// first, at most [`MAX_LISTED`].
pub async fn owed(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<OwedReceiptList>, Refused> {
    own_kiosk(device, &kiosk)?;
    if query.owed.as_deref().map(str::trim) != Some("true") {
        return Err(bad_parameter(
            "owed",
            "owed must be true: only the owed receipts are listed",
        ));
    }
    let client = state.pool.get().await?;
    let rows = client
        .query(
            "SELECT o.kiosk_number, o.tracking_code, o.reported_at FROM owed_receipts o \
             JOIN cases c ON c.tracking_code = o.tracking_code \
             WHERE NOT EXISTS (SELECT 1 FROM receipt_copies r \
                               WHERE r.tracking_code = o.tracking_code) \
             ORDER BY o.reported_at DESC, o.tracking_code LIMIT $1",
            &[&MAX_LISTED],
        )
        .await?;
    Ok(Json(OwedReceiptList {
        receipts: rows
            .iter()
            .map(|r| {
                let kiosk: i32 = r.get(0);
                OwedReceipt {
                    kiosk_number: u32::try_from(kiosk).unwrap_or_default(),
                    tracking_code: r.get(1),
                    reported_at: r.get(2),
                }
            })
            .collect(),
    }))
}

/// The owed receipts of a heartbeat of kiosk `kiosk`: at most [`MAX_OWED_RECEIPTS`] (400
/// otherwise, as the contract bounds the list); each a valid tracking code of that kiosk (a
/// kiosk owes only its own receipts). A code that is not is left out with a warning, not the
/// whole heartbeat refused: the kiosk's health still counts (a store carried over from another
/// kiosk number, say, must not silence its heartbeats). Duplicates are dropped.
pub fn check_owed(kiosk: u32, owed: &[String]) -> Result<Vec<String>, Refused> {
    if owed.len() > MAX_OWED_RECEIPTS {
        return Err(bad_parameter(
            "owed_receipts",
            format!("owed_receipts lists at most {MAX_OWED_RECEIPTS} tracking codes"),
        ));
    }
    let mut codes: Vec<String> = Vec::with_capacity(owed.len());
    for code in owed {
        let own = kiosk_core::TrackingCode::parse(code)
            .ok()
            .filter(|c| case::valid_tracking_code(code) && c.kiosk().get() == kiosk);
        if own.is_none() {
            tracing::warn!(
                kiosk,
                "a heartbeat's owed_receipts names a code that is not a valid code of this kiosk; left out"
            );
            continue;
        }
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    Ok(codes)
}

/// Keeps `owed` (checked by [`check_owed`]) as kiosk `kiosk`'s owed receipts in place of the
/// list before: codes no longer listed go, new ones come with the time now, and those listed
/// before keep the time they were first reported.
pub async fn record_owed(
    tx: &tokio_postgres::Transaction<'_>,
    kiosk: u32,
    owed: &[String],
) -> Result<(), Refused> {
    let kiosk = i32::try_from(kiosk).unwrap_or_default();
    tx.execute(
        "DELETE FROM owed_receipts WHERE kiosk_number = $1 AND NOT (tracking_code::text = ANY($2::text[]))",
        &[&kiosk, &owed],
    )
    .await?;
    if !owed.is_empty() {
        tx.execute(
            "INSERT INTO owed_receipts (kiosk_number, tracking_code) \
             SELECT $1, code FROM unnest($2::text[]) AS code ON CONFLICT DO NOTHING",
            &[&kiosk, &owed],
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_as_the_receipt_masks_them() {
        assert_eq!(mask_national_code("0499370899"), "******0899");
        assert_eq!(mask_mobile("09121234567").as_deref(), Some("0912***4567"));
        assert_eq!(mask_mobile("0912"), None);
    }
}
