//! The fleet's satisfaction keys (migration 0008): every device publishes the Ed25519 public
//! key it signs its satisfaction codes with, and fetches every other device's, so a code
//! printed at kiosk A verifies at kiosk B or at any desk of the office.
//!
//! - `PUT /v1/kiosks/{kiosk}/satisfaction-key`: the device's own key (a device acts only as
//!   itself, [`own_kiosk`]); 201 when it is new or replaces another (a rotation), 200 when the
//!   server held it already. A key that is not 64 hex digits of a valid Ed25519 point, or is a
//!   weak (small-order) point with which anyone could sign, is 422 `bad_public_key`.
//! - `GET /v1/kiosks/{kiosk}/fleet-keys`: the keys of every active device, with an `ETag`
//!   (a digest of the list), 304 for the ETag sent. A revoked device's key (a kiosk number
//!   enrolled again) is not served: keys are stored per device row and the list joins the
//!   active devices only.

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

/// `PUT /v1/kiosks/{kiosk}/satisfaction-key`: the device's own key, kept for its device row.
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
    let client = state.pool.get().await?;
    // `xmax = 0` tells a fresh row from an updated one; the same key again changes nothing
    // (its `published_at` stays, so the fleet's ETag stays).
    let row = client
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
            let row = client
                .query_one(
                    "SELECT published_at FROM satisfaction_keys WHERE device_id = $1",
                    &[&device.device_id],
                )
                .await?;
            (StatusCode::OK, row.get(0))
        }
    };
    Ok((
        status,
        Json(FleetKey {
            kiosk_number: kiosk,
            public_key: hex(&key),
            published_at,
        }),
    )
        .into_response())
}

/// The keys of every active device, in increasing kiosk number.
pub async fn active_keys(pool: &deadpool_postgres::Pool) -> Result<FleetKeyList, Refused> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT k.kiosk_number, k.public_key, k.published_at \
             FROM satisfaction_keys k JOIN devices d USING (device_id) \
             WHERE d.revoked_at IS NULL ORDER BY k.kiosk_number",
            &[],
        )
        .await?;
    Ok(FleetKeyList {
        keys: rows
            .iter()
            .map(|row| FleetKey {
                kiosk_number: u32::try_from(row.get::<_, i32>(0)).unwrap_or_default(),
                public_key: hex(&row.get::<_, Vec<u8>>(1)),
                published_at: row.get(2),
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
