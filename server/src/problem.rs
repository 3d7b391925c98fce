//! Problem JSON (RFC 9457, `application/problem+json`): the one shape of every refusal, in the
//! style of the SAMAD simulator (the same members: `type`, `title`, `status`, `detail`, and the
//! contract's `code` and `reason`, plus `parameter` when one parameter is at fault). Errors made
//! outside the handlers (the router's 404 and 405, extractor rejections) are rewritten into
//! problems by [`ensure_problem_json`].

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type` (a tag URI: a name, never fetched).
pub const TYPE_PREFIX: &str = "tag:agency.example,2026:problem:";

/// Titles of the problem types (one per code, never changing between occurrences).
const TITLES: &[(&str, &str)] = &[
    ("bad_request", "The request is malformed"),
    ("bad_gzip", "The gzip-compressed body does not decompress"),
    (
        "unsupported_encoding",
        "The body's Content-Encoding is not gzip or identity",
    ),
    ("bad_batch", "A batch holds 1 to 100 items"),
    ("no_catalogue", "The office has no catalogue yet"),
    ("wrong_pin", "The employee code or the PIN is wrong"),
    ("locked", "The staff account is locked for a while"),
    ("bad_parameter", "A request parameter is out of its bounds"),
    ("unauthorized", "Missing or wrong bearer token"),
    (
        "no_client_certificate",
        "The device's client certificate is missing",
    ),
    (
        "certificate_mismatch",
        "The client certificate is not this device's",
    ),
    ("bad_csr", "The certificate signing request is not usable"),
    ("forbidden", "The device acts only as its own kiosk"),
    ("bad_enrol_code", "The enrolment code is not usable"),
    (
        "wrong_role",
        "The route is a desk terminal's and the device is a kiosk",
    ),
    ("not_found", "No such resource"),
    ("unknown_case", "No such case"),
    ("unknown_staff_call", "No such staff call"),
    ("method_not_allowed", "Method not allowed on this resource"),
    ("too_large", "The request body is too large"),
    (
        "unsupported_media_type",
        "The request body is not application/json",
    ),
    (
        "key_reused",
        "The idempotency key was used with another body",
    ),
    (
        "duplicate_tracking_code",
        "The tracking code is already another item's case",
    ),
    ("invalid_item", "The item is not acceptable"),
    ("rate_limited", "Too many requests"),
    ("unavailable", "The database is not reachable"),
    ("internal", "Internal error"),
];

/// One problem, as it goes on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// [`TYPE_PREFIX`] and the code.
    #[serde(rename = "type")]
    pub kind: String,
    /// What this type of problem is.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What is wrong with this request.
    pub detail: String,
    /// The stable snake_case name of the type.
    pub code: String,
    /// The same text as `detail` (what the kiosks' relay reads).
    pub reason: String,
    /// The request parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Seconds to wait, for 429 and 503 (also sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of type `code` answered with `status`.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let title = TITLES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, t)| (*t).to_owned())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
        Self {
            kind: format!("{TYPE_PREFIX}{code}"),
            title,
            status: status.as_u16(),
            reason: detail.clone(),
            detail,
            code: code.to_owned(),
            parameter: None,
            retry_after: None,
        }
    }

    /// The same problem, naming the parameter at fault.
    #[must_use]
    pub fn with_parameter(mut self, name: &str) -> Self {
        self.parameter = Some(name.to_owned());
        self
    }

    /// The same problem, asking to wait `seconds`.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut r = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            body,
        )
            .into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"agency\""),
            );
        }
        r
    }
}

/// A refusal on its way out of a handler (boxed: a problem is a few strings).
#[derive(Debug)]
pub struct Refused(pub Box<Problem>);

impl From<Problem> for Refused {
    fn from(p: Problem) -> Self {
        Self(Box::new(p))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// 400 naming the parameter `name`.
pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Refused {
    Problem::new(StatusCode::BAD_REQUEST, "bad_parameter", detail)
        .with_parameter(name)
        .into()
}

/// 422: the item is not acceptable, and why.
pub fn invalid_item(detail: impl Into<String>) -> Refused {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_item", detail).into()
}

/// `Retry-After` of a 503 for want of the database: a random 5–15 s, not a fixed 5. A device
/// holds every request for as long as it is asked (its one reachability backoff,
/// `kiosk_sync::Link`), so a fixed wait would bring every device refused in the same second
/// back in the same second; a random one spreads them over ten.
fn unavailable_retry_after() -> u64 {
    use rand::Rng as _;
    rand::rng().random_range(5..=15)
}

/// A database failure: 503 when no connection could be had (the client retries later), 500
/// otherwise. The detail never carries the statement or its parameters (personal data).
impl From<deadpool_postgres::PoolError> for Refused {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is not reachable now; send again later",
        )
        .with_retry_after(unavailable_retry_after())
        .into()
    }
}

impl From<tokio_postgres::Error> for Refused {
    fn from(e: tokio_postgres::Error) -> Self {
        // The code and the server's message name the constraint, never the values.
        let code = e.code().map(|c| c.code().to_owned()).unwrap_or_default();
        // Lost connection, connection exceptions (08…), shutdown and restart (57P0…): the
        // statement was not judged; the client sends again later.
        if e.is_closed() || code.starts_with("08") || code.starts_with("57P") {
            tracing::warn!(sqlstate = %code, "database connection lost");
            return Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database connection was lost; send again later",
            )
            .with_retry_after(unavailable_retry_after())
            .into();
        }
        tracing::error!(sqlstate = %code, "database error");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "a database statement failed",
        )
        .into()
    }
}

fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_item",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Rewrites any error answer that is not already a problem into one, keeping its status and
/// headers and its text (bounded, without control characters) as the detail.
pub async fn ensure_problem_json(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = match status {
        StatusCode::NOT_FOUND => format!("{path} is not a path of this server"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}"),
        _ if text.is_empty() => status.canonical_reason().unwrap_or("error").to_owned(),
        _ => text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(300)
            .collect(),
    };
    let fresh = Problem::new(status, code_for(status), detail).into_response();
    let (fresh_parts, fresh_body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &fresh_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, Body::new(fresh_body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_503_for_want_of_the_database_asks_for_a_spread_wait() {
        let waits: Vec<u64> = (0..500).map(|_| unavailable_retry_after()).collect();
        assert!(waits.iter().all(|w| (5..=15).contains(w)), "{waits:?}");
        // Spread, not one value for everyone: both ends occur.
        assert!(waits.contains(&5) && waits.contains(&15));
    }

    #[test]
    fn every_code_has_one_title() {
        for (i, (code, _)) in TITLES.iter().enumerate() {
            assert!(
                TITLES[i + 1..].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
    }
}
