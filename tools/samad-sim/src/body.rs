//! Request bodies, checked before any handler reads one, each refusal a problem:
//!
//! - `Content-Type` must be `application/json` (parameters such as `charset` allowed): else
//!   415 `unsupported_media_type`.
//! - `Content-Encoding` may be `gzip` (or `x-gzip`, RFC 9110 §8.4.1.3) or `identity`: any other
//!   is 415 `unsupported_encoding`, answered with `Accept-Encoding: gzip`.
//! - A gzip body that does not decompress (corrupt, truncated, trailing garbage) is 400
//!   `bad_gzip`.
//! - The body is at most [`MAX_BODY_BYTES`] after decompression: else 413 `too_large`. The
//!   decompressed size is capped while decompressing, so a gzip bomb costs no more than that.
//!
//! Done here rather than by tower-http's decompression layer and axum's `Bytes` extractor, whose
//! refusals are plain text. Handlers then receive the decompressed body.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Body as _;
use kiosk_sync::wire::MAX_BATCH_BYTES;

use crate::problem::{Problem, Refused};
use crate::server::SimState;

/// Most bytes of any request body, after decompression (the contract's 1 MiB).
pub const MAX_BODY_BYTES: usize = MAX_BATCH_BYTES;
/// Most bytes of a gzip-compressed body as it arrives.
const MAX_COMPRESSED_BYTES: usize = MAX_BODY_BYTES;

/// Checks and decodes the body of a `POST` or `PUT`; other methods pass untouched.
pub async fn decode(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::PUT) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Err(p) = json_content_type(&parts.headers) {
        return p.into_response();
    }
    let gzip = match gzip_encoded(&parts.headers) {
        Ok(g) => g,
        Err(p) => {
            let mut r = p.into_response();
            r.headers_mut()
                .insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
            return r;
        }
    };
    if gzip {
        state.stats.gzip_requests.fetch_add(1, Ordering::Relaxed);
    }
    let limit = if gzip {
        MAX_COMPRESSED_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let raw = match read_limited(body, limit).await {
        Ok(raw) => raw,
        Err(p) => return p.into_response(),
    };
    let bytes = if gzip {
        match gunzip(&raw, MAX_BODY_BYTES) {
            Ok(b) => b,
            Err(p) => return p.into_response(),
        }
    } else {
        raw
    };
    parts.headers.remove(header::CONTENT_ENCODING);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, bytes.len().into());
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn too_large() -> Refused {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("a request body holds at most {MAX_BODY_BYTES} bytes (after decompression)"),
    )
    .into()
}

/// `Ok` when the body is declared `application/json`.
fn json_content_type(headers: &HeaderMap) -> Result<(), Refused> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = declared
        .as_deref()
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if essence.is_some_and(|e| e.eq_ignore_ascii_case("application/json")) {
        return Ok(());
    }
    let got = match declared {
        Some(v) => format!("{v:?}"),
        None => "no Content-Type".to_owned(),
    };
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("the request body must be Content-Type: application/json; got {got}"),
    )
    .into())
}

/// Whether the body is gzip-compressed; a problem for any coding other than gzip or identity.
fn gzip_encoded(headers: &HeaderMap) -> Result<bool, Refused> {
    let mut codings = Vec::new();
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let text = String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase();
        codings.extend(
            text.split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty() && c != "identity"),
        );
    }
    match codings.as_slice() {
        [] => Ok(false),
        [one] if one == "gzip" || one == "x-gzip" => Ok(true),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_encoding",
            format!(
                "Content-Encoding {:?} is not supported: send gzip or no Content-Encoding",
                codings.join(", ")
            ),
        )
        .into()),
    }
}

/// The whole body, refused as soon as it passes `limit` bytes.
async fn read_limited(mut body: Body, limit: usize) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out),
            Some(Err(e)) => {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("the request body could not be read: {e}"),
                )
                .into());
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if out.len().saturating_add(data.len()) > limit {
                        return Err(too_large());
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

/// `raw` decompressed, at most `limit` bytes of it.
fn gunzip(raw: &[u8], limit: usize) -> Result<Vec<u8>, Refused> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    flate2::read::MultiGzDecoder::new(raw)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| {
            Refused::from(Problem::new(
                StatusCode::BAD_REQUEST,
                "bad_gzip",
                format!("the body is declared Content-Encoding: gzip but does not decompress: {e}"),
            ))
        })?;
    if out.len() > limit {
        return Err(too_large());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn only_json_bodies_are_taken() {
        let ok = |p: &[(&'static str, &'static str)]| json_content_type(&headers(p)).is_ok();
        assert!(ok(&[("content-type", "application/json")]));
        assert!(ok(&[("content-type", "Application/JSON; charset=utf-8")]));
        assert!(!ok(&[]));
        assert!(!ok(&[("content-type", "text/plain")]));
        assert!(!ok(&[("content-type", "application/jsonx")]));
    }

    #[test]
    fn gzip_and_identity_are_the_only_encodings() {
        let enc =
            |p: &[(&'static str, &'static str)]| gzip_encoded(&headers(p)).map_err(|p| p.0.status);
        assert_eq!(enc(&[]), Ok(false));
        assert_eq!(enc(&[("content-encoding", "identity")]), Ok(false));
        assert_eq!(enc(&[("content-encoding", "GZIP")]), Ok(true));
        assert_eq!(enc(&[("content-encoding", "x-gzip")]), Ok(true));
        assert_eq!(enc(&[("content-encoding", "br")]), Err(415));
        assert_eq!(enc(&[("content-encoding", "gzip, gzip")]), Err(415));
        assert_eq!(
            enc(&[("content-encoding", "gzip"), ("content-encoding", "br")]),
            Err(415)
        );
    }

    #[test]
    fn gunzip_refuses_garbage_and_bombs() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 64 * 1024];
        for _ in 0..32 {
            let _ = enc.write_all(&zeros);
        }
        let bomb = enc.finish().unwrap_or_default();
        assert!(bomb.len() < 16 * 1024, "{}", bomb.len());
        assert_eq!(gunzip(&bomb, 1024).map_err(|p| p.0.status).err(), Some(413));
        assert_eq!(gunzip(&bomb, 2 << 20).map(|b| b.len()).ok(), Some(2 << 20));
        let garbage = b"\x1f\x8b\x08\x00not gzip at all";
        assert_eq!(
            gunzip(garbage, 1024).map_err(|p| p.0.code).err().as_deref(),
            Some("bad_gzip")
        );
        let truncated = &bomb[..bomb.len() / 2];
        assert!(gunzip(truncated, 4 << 20).is_err());
    }
}
