//! The fleet's satisfaction keys (migration 0008): every device publishes the Ed25519 public
//! key it signs its satisfaction codes with, and fetches every other device's, so a code
//! printed at kiosk A verifies at kiosk B or at any desk of the office.
//!
//! - `PUT /v1/kiosks/{kiosk}/satisfaction-key`: the device's own key (a device acts only as
//!   itself, [`own_kiosk`]); 201 when it is new or replaces another (a rotation), 200 when the
//!   server held it already. A key that is not 64 hex digits of a valid Ed25519 point, or is a
//!   weak (small-order) point with which anyone could sign, is 422 `bad_public_key`.
//! - `GET /v1/kiosks/{kiosk}/fleet-keys`: the keys of every active device, with an `ETag`
//!   (a digest of the list), 304 for the ETag sent; and, marked with `retired_at` (contract
//!   1.8.0), the keys a kiosk number stopped signing with in the last [`RETIRED_KEPT_HOURS`]
//!   (a rotation, or its device replaced by enrolling the number again: migration 0014), so a
//!   code printed before still verifies while it is valid. A device revoked as lost or
//!   compromised (`agency-server revoke`) has none served: neither its key nor its retired
//!   ones.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use kiosk_core::satisfaction::key_files;
use kiosk_sync::wire::{FleetKey, FleetKeyList, SatisfactionKeyPublish};

use crate::AppState;
use crate::auth::Device;
use crate::contract::{json_body, own_kiosk};
use crate::problem::{Problem, Refused};

/// The fleet keys' routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/v1/kiosks/{kiosk}/satisfaction-key",
            put(publish_satisfaction_key),
        )
        .route("/v1/kiosks/{kiosk}/fleet-keys", get(fleet_keys))
}

/// The key's 32 bytes, or why it is not a key the fleet can trust.
pub fn parse_public_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = key_files::from_hex(text)
        .filter(|_| text.len() == 64)
        .ok_or_else(|| "public_key must be 64 hexadecimal digits".to_owned())?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "public_key is not an Ed25519 public key".to_owned())?;
    if key.is_weak() {
        return Err(
            "public_key is a weak (small-order) Ed25519 point, with which anyone could sign"
                .to_owned(),
        );
    }
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How long a retired key is still served: as long as a code signed just before it was retired
/// is valid, and an hour for the clocks of kiosks that differ.
pub const RETIRED_KEPT_HOURS: i32 = kiosk_core::satisfaction::CODE_VALID_HOURS as i32 + 1;

/// Keeps the keys of the active device of kiosk `kiosk`, about to be replaced by a new
/// enrolment, as retired (in the enrolment's transaction `tx`).
pub async fn retire_keys_of_replaced(
    tx: &tokio_postgres::Transaction<'_>,
    kiosk: i32,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO retired_satisfaction_keys (kiosk_number, public_key, published_at, reason) \
         SELECT k.kiosk_number, k.public_key, k.published_at, 'replaced' \
         FROM satisfaction_keys k JOIN devices d USING (device_id) \
         WHERE d.kiosk_number = $1 AND d.revoked_at IS NULL \
         ON CONFLICT (kiosk_number, public_key) \
         DO UPDATE SET retired_at = now(), reason = excluded.reason",
        &[&kiosk],
    )
    .await?;
    Ok(())
}

/// `PUT /v1/kiosks/{kiosk}/satisfaction-key`: the device's own key, kept for its device row;
/// the key it replaces (a rotation) is kept as retired.
async fn publish_satisfaction_key(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Response, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let asked: SatisfactionKeyPublish = json_body(&body)?;
    let key = parse_public_key(&asked.public_key).map_err(|reason| {
        Refused::from(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_public_key", reason)
                .with_parameter("public_key"),
        )
    })?;
    let kiosk_i32 = i32::try_from(kiosk).unwrap_or_default();
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    // The key replaced (a rotation) is served as retired while its codes are valid; a key
    // published again is current, not retired.
    tx.execute(
        "INSERT INTO retired_satisfaction_keys (kiosk_number, public_key, published_at, reason) \
         SELECT kiosk_number, public_key, published_at, 'rotated' FROM satisfaction_keys \
         WHERE device_id = $1 AND public_key <> $2 \
         ON CONFLICT (kiosk_number, public_key) \
         DO UPDATE SET retired_at = now(), reason = excluded.reason",
        &[&device.device_id, &key.to_vec()],
    )
    .await?;
    tx.execute(
        "DELETE FROM retired_satisfaction_keys WHERE kiosk_number = $1 AND public_key = $2",
        &[&kiosk_i32, &key.to_vec()],
    )
    .await?;
    // The same key again changes nothing (its `published_at` stays, so the fleet's ETag
    // stays).
    let row = tx
        .query_opt(
            "INSERT INTO satisfaction_keys (device_id, kiosk_number, public_key) \
             VALUES ($1, $2, $3) \
             ON CONFLICT (device_id) DO UPDATE SET public_key = excluded.public_key, \
                 published_at = now() \
             WHERE satisfaction_keys.public_key <> excluded.public_key \
             RETURNING published_at",
            &[&device.device_id, &kiosk_i32, &key.to_vec()],
        )
        .await?;
    let (status, published_at): (StatusCode, DateTime<Utc>) = match row {
        Some(row) => {
            tracing::info!(kiosk, "satisfaction key published");
            (StatusCode::CREATED, row.get(0))
        }
        None => {
            let row = tx
                .query_one(
                    "SELECT published_at FROM satisfaction_keys WHERE device_id = $1",
                    &[&device.device_id],
                )
                .await?;
            (StatusCode::OK, row.get(0))
        }
    };
    tx.commit().await?;
    Ok((
        status,
        Json(FleetKey {
            kiosk_number: kiosk,
            public_key: hex(&key),
            published_at,
            retired_at: None,
        }),
    )
        .into_response())
}

/// The keys of every active device and the keys retired in the last [`RETIRED_KEPT_HOURS`],
/// in increasing kiosk number, a kiosk's retired keys before its current one (so a device
/// that keeps one key per kiosk, the last it reads, keeps the current one).
pub async fn active_keys(pool: &deadpool_postgres::Pool) -> Result<FleetKeyList, Refused> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT kiosk_number, public_key, published_at, retired_at FROM ( \
               SELECT k.kiosk_number, k.public_key, k.published_at, \
                      NULL::timestamptz AS retired_at \
               FROM satisfaction_keys k JOIN devices d USING (device_id) \
               WHERE d.revoked_at IS NULL \
               UNION ALL \
               SELECT r.kiosk_number, r.public_key, r.published_at, r.retired_at \
               FROM retired_satisfaction_keys r \
               WHERE r.retired_at > now() - make_interval(hours => $1)) listed \
             ORDER BY kiosk_number, retired_at IS NULL, retired_at",
            &[&RETIRED_KEPT_HOURS],
        )
        .await?;
    Ok(FleetKeyList {
        keys: rows
            .iter()
            .map(|row| FleetKey {
                kiosk_number: u32::try_from(row.get::<_, i32>(0)).unwrap_or_default(),
                public_key: hex(&row.get::<_, Vec<u8>>(1)),
                published_at: row.get(2),
                retired_at: row.get(3),
            })
            .collect(),
    })
}

/// The list's ETag: a quoted digest of what is served, so any change of a key, a device
/// revoked or a device added gives another one.
fn etag_of(list: &FleetKeyList) -> String {
    let text = serde_json::to_string(list).unwrap_or_default();
    format!("\"{}\"", hex(&crate::auth::digest(&text)[..12]))
}

/// `GET /v1/kiosks/{kiosk}/fleet-keys`: every active device's key, 304 for the ETag sent.
async fn fleet_keys(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    own_kiosk(device, &kiosk)?;
    let list = active_keys(&state.pool).await?;
    let etag = etag_of(&list);
    let sent = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let etag_header = [(header::ETAG, etag)];
    if sent {
        return Ok((StatusCode::NOT_MODIFIED, etag_header).into_response());
    }
    Ok((etag_header, Json(list)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_strong_ed25519_keys_in_64_hex_digits_are_taken() {
        let strong = ed25519_dalek::SigningKey::from_bytes(&rand::random()).verifying_key();
        let text = hex(strong.as_bytes());
        assert_eq!(parse_public_key(&text), Ok(*strong.as_bytes()));
        assert_eq!(
            parse_public_key(&text.to_uppercase()),
            Ok(*strong.as_bytes())
        );
        for bad in [
            "",
            "zz",
            &text[..62],
            &format!(" {text}"),
            &format!("{text}00"),
        ] {
            assert!(parse_public_key(bad).is_err(), "{bad:?}");
        }
        // The identity point (small order): refused.
        let identity = format!("01{}", "00".repeat(31));
        assert!(parse_public_key(&identity).unwrap_err().contains("weak"));
    }
}
