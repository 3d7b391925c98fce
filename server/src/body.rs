//! Request bodies, bounded and checked before a handler reads one: a `POST` must declare
//! `Content-Type: application/json` (else 415) and hold at most [`MAX_BODY_BYTES`] (else 413,
//! as soon as the limit is passed: a large body is never read whole). A body may come
//! `Content-Encoding: gzip` (a device's relay compresses large batches, as it does for SAMAD):
//! it is decompressed here with the same cap on the decompressed size, so a gzip bomb costs no
//! more than a plain body; a body that does not decompress is 400 `bad_gzip`, any other
//! encoding 415.

use std::io::Read as _;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::{Problem, Refused};

/// Most bytes of a request body, after decompression: the contract's batch limit (a case of
/// 4,000 Persian characters is under 16 KiB; a batch holds at most 100 items).
pub const MAX_BODY_BYTES: usize = kiosk_sync::wire::MAX_BATCH_BYTES;

/// Whether the body is gzip-compressed (`None`: an encoding this server does not read).
fn gzip_encoded(headers: &axum::http::HeaderMap) -> Option<bool> {
    match headers.get(header::CONTENT_ENCODING) {
        None => Some(false),
        Some(v) => match v.to_str().map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            Ok("gzip" | "x-gzip") => Some(true),
            Ok("identity") => Some(false),
            _ => None,
        },
    }
}

/// `raw` decompressed, at most [`MAX_BODY_BYTES`] of it.
fn gunzip(raw: &[u8]) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::with_capacity(raw.len() * 4);
    let limit = u64::try_from(MAX_BODY_BYTES).unwrap_or(u64::MAX) + 1;
    let mut decoder = flate2::read::MultiGzDecoder::new(raw).take(limit);
    if decoder.read_to_end(&mut out).is_err() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_gzip",
            "the gzip-compressed body does not decompress",
        )
        .into());
    }
    if out.len() > MAX_BODY_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a request body holds at most {MAX_BODY_BYTES} bytes"),
        )
        .into());
    }
    Ok(out)
}

fn too_large() -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("a request body holds at most {MAX_BODY_BYTES} bytes"),
    )
    .into_response()
}

/// The middleware.
pub async fn bounded_json(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let json = declared
        .as_deref()
        .and_then(|v| v.split(';').next())
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be Content-Type: application/json",
        )
        .into_response();
    }
    let Some(gzip) = gzip_encoded(&parts.headers) else {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            "a request body may be Content-Encoding: gzip or identity only",
        )
        .into_response();
    };
    let declared_length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return too_large();
    };
    let (mut parts, bytes) = (parts, bytes);
    let bytes = if gzip {
        match gunzip(&bytes) {
            Ok(plain) => {
                parts.headers.remove(header::CONTENT_ENCODING);
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, plain.len().into());
                axum::body::Bytes::from(plain)
            }
            Err(refused) => return refused.into_response(),
        }
    } else {
        bytes
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
