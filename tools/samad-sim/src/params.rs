//! Request parameters, checked against the bounds the contract documents, before any handler
//! sees them.
//!
//! - `kiosk_number` (path): only the canonical decimal form of 1..=99999 (no sign, no leading
//!   zero, no percent-encoding) names a kiosk; anything else is 404 `unknown_kiosk`. Without
//!   this, `/kiosks/012` and `/kiosks/+12` were kiosk 12 (Rust's integer parsing takes both).
//! - `item_id` (path): a hyphenated UUID, else 400 `bad_parameter`.
//! - `limit` (query): the canonical decimal form of 1..=500, else 400 `bad_parameter`.
//! - `after` (query): at most 200 characters, else 400 `bad_parameter`; a cursor this server
//!   did not issue is 400 `bad_cursor`.
//! - A query parameter given twice is 400 `bad_parameter`; unknown ones are ignored.

use axum::extract::{Query, Request};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kiosk_sync::wire::MAX_EVENT_PAGE;
use uuid::Uuid;

use crate::problem::{Problem, Refused, bad_parameter};

/// Largest kiosk number.
pub const MAX_KIOSK: u32 = 99_999;
/// The page size when `limit` is absent.
pub const DEFAULT_EVENT_PAGE: u32 = 100;
/// Longest `after` cursor.
pub const MAX_CURSOR_CHARS: usize = 200;

/// The kiosk a `/v1/kiosks/{kiosk_number}/…` request is for, once its number was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kiosk(pub u32);

/// `text` as a number when it is the canonical decimal form of one in `1..=max`: ASCII digits
/// only, no sign, no leading zero.
pub fn canonical_number(text: &str, max: u64) -> Option<u64> {
    let bytes = text.as_bytes();
    let canonical = !bytes.is_empty()
        && bytes.len() <= 20
        && bytes[0] != b'0'
        && bytes.iter().all(u8::is_ascii_digit);
    if !canonical {
        return None;
    }
    text.parse::<u64>().ok().filter(|n| (1..=max).contains(n))
}

/// The raw kiosk segment of a `/v1/kiosks/{kiosk_number}/…` path.
fn kiosk_segment(path: &str) -> Option<&str> {
    path.strip_prefix("/v1/kiosks/")?.split('/').next()
}

/// The kiosk number of a `/v1/kiosks/{kiosk_number}/…` path, if it names one canonically.
pub fn path_kiosk(path: &str) -> Option<u32> {
    let number = canonical_number(kiosk_segment(path)?, u64::from(MAX_KIOSK))?;
    u32::try_from(number).ok()
}

/// Checks the path's kiosk number and hands it on as [`Kiosk`]; 404 when it names no kiosk.
pub async fn kiosk(mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    match path_kiosk(&path) {
        Some(n) => {
            req.extensions_mut().insert(Kiosk(n));
            next.run(req).await
        }
        None => {
            let segment = kiosk_segment(&path).unwrap_or_default();
            Problem::new(
                StatusCode::NOT_FOUND,
                "unknown_kiosk",
                format!(
                    "kiosk_number {segment:?} names no kiosk: it must be 1..={MAX_KIOSK} \
                     written in decimal without sign or leading zero"
                ),
            )
            .with_parameter("kiosk_number")
            .into_response()
        }
    }
}

/// The `item_id` path segment as a UUID (hyphenated form, either case).
pub fn item_id(text: &str) -> Result<Uuid, Refused> {
    match Uuid::try_parse(text) {
        Ok(id) if text.len() == 36 => Ok(id),
        _ => Err(bad_parameter(
            "item_id",
            format!("item_id {text:?} is not a UUID (8-4-4-4-12 hexadecimal digits)"),
        )
        .into()),
    }
}

/// The query of `GET …/events`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// The cursor after which to list (0: from the start).
    pub after: i64,
    /// Most events on the page.
    pub limit: u32,
}

impl EventQuery {
    /// Reads and checks the query of `uri`.
    pub fn from_uri(uri: &Uri) -> Result<Self, Refused> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|e| Refused::from(bad_parameter("query", e.body_text())))?;
        let mut after = None;
        let mut limit = None;
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "after" => &mut after,
                "limit" => &mut limit,
                _ => continue,
            };
            if slot.is_some() {
                return Err(bad_parameter(&name, format!("{name} is given more than once")).into());
            }
            *slot = Some(value);
        }
        let limit = match limit {
            None => DEFAULT_EVENT_PAGE,
            Some(text) => canonical_number(&text, u64::from(MAX_EVENT_PAGE))
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    Refused::from(bad_parameter(
                        "limit",
                        format!(
                            "limit {text:?} is not an integer in 1..={MAX_EVENT_PAGE} \
                             (decimal, no sign, no leading zero)"
                        ),
                    ))
                })?,
        };
        let after = match after.as_deref() {
            None | Some("") => 0,
            Some(text) if text.chars().count() > MAX_CURSOR_CHARS => {
                return Err(bad_parameter(
                    "after",
                    format!("after is longer than {MAX_CURSOR_CHARS} characters"),
                )
                .into());
            }
            Some("0") => 0,
            Some(text) => canonical_number(text, i64::MAX.unsigned_abs())
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(|| {
                    Refused::from(
                        Problem::new(
                            StatusCode::BAD_REQUEST,
                            "bad_cursor",
                            format!(
                                "after {text:?} is not a cursor this server issued; send a \
                                 next_cursor of a previous page, or no after to start over"
                            ),
                        )
                        .with_parameter("after"),
                    )
                })?,
        };
        Ok(Self { after, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_kiosk_numbers_name_a_kiosk() {
        assert_eq!(path_kiosk("/v1/kiosks/12/events"), Some(12));
        assert_eq!(path_kiosk("/v1/kiosks/99999/events"), Some(99_999));
        for bad in [
            "012",
            "+12",
            "-12",
            "0",
            "100000",
            "",
            " 12",
            "12 ",
            "1e3",
            "%31%32",
            "١٢",
            "99999999999999999999999",
        ] {
            assert_eq!(
                path_kiosk(&format!("/v1/kiosks/{bad}/events")),
                None,
                "{bad:?}"
            );
        }
        assert_eq!(path_kiosk("/v2/kiosks/12/events"), None);
    }

    fn query(q: &str) -> Result<EventQuery, u16> {
        let uri: Uri = format!("/v1/kiosks/1/events?{q}")
            .parse()
            .map_err(|_| 0u16)?;
        EventQuery::from_uri(&uri).map_err(|r| r.0.status)
    }

    #[test]
    fn the_events_query_keeps_its_bounds() {
        assert_eq!(
            query(""),
            Ok(EventQuery {
                after: 0,
                limit: 100
            })
        );
        assert_eq!(
            query("limit=1&after=7"),
            Ok(EventQuery { after: 7, limit: 1 })
        );
        assert_eq!(
            query("limit=500&x=y"),
            Ok(EventQuery {
                after: 0,
                limit: 500
            })
        );
        for bad in [
            "limit=0",
            "limit=501",
            "limit=100000",
            "limit=-1",
            "limit=+5",
            "limit=05",
            "limit=ten",
            "limit=",
            "limit=1&limit=2",
            "after=-3",
            "after=abc",
            "after=1&after=2",
        ] {
            assert_eq!(query(bad), Err(400), "{bad}");
        }
        let long = "1".repeat(MAX_CURSOR_CHARS + 1);
        assert_eq!(query(&format!("after={long}")), Err(400));
    }

    #[test]
    fn item_ids_are_hyphenated_uuids() {
        let id = Uuid::new_v4();
        assert_eq!(item_id(&id.hyphenated().to_string()).ok(), Some(id));
        assert_eq!(
            item_id(&id.hyphenated().to_string().to_uppercase()).ok(),
            Some(id)
        );
        assert!(item_id(&id.simple().to_string()).is_err());
        assert!(item_id(&id.urn().to_string()).is_err());
        assert!(item_id("not-a-uuid").is_err());
    }
}
