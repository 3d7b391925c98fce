//! Problem JSON (RFC 9457, `application/problem+json`): the one shape of every refusal the
//! simulator sends, as the contract's `Problem` schema says.
//!
//! A problem carries the RFC's `type`, `title`, `status` and `detail`, and the contract's
//! extension members `code` (stable snake_case name) and `reason` (equal to `detail`; kiosks of
//! firmware 0.1 read `code` and `reason`), plus `parameter` when one request parameter is at
//! fault. [`ensure_problem_json`] is the safety net: an error answer made anywhere else (an
//! extractor's rejection, a router's 404 or 405) is rewritten into a problem on its way out, so
//! no error ever leaves as plain text.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kiosk_sync::wire::ItemResult;
use serde::Serialize;
use serde_json::Value;

/// The media type of every problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type` (a tag URI, RFC 4151: names, never fetched).
pub const TYPE_PREFIX: &str = "tag:samad.example,2026:problem:";

/// Most characters of a foreign error text kept as a problem's detail.
const MAX_FOREIGN_DETAIL: usize = 300;

/// Titles of the problem types (a title never changes between occurrences, RFC 9457 §3.1.3).
const TITLES: &[(&str, &str)] = &[
    ("bad_request", "The request is malformed"),
    ("bad_parameter", "A request parameter is out of its bounds"),
    (
        "bad_cursor",
        "The events cursor is not one this server issued",
    ),
    ("bad_gzip", "The gzip request body cannot be decompressed"),
    ("empty_batch", "The batch holds no items"),
    ("unauthorized", "Missing or wrong bearer token"),
    ("forbidden", "The token belongs to another kiosk"),
    ("unknown_kiosk", "No such kiosk"),
    ("not_found", "No such resource"),
    ("method_not_allowed", "Method not allowed on this resource"),
    ("too_large", "The request body is too large"),
    ("too_many_items", "The batch holds too many items"),
    (
        "unsupported_media_type",
        "The request body is not application/json",
    ),
    (
        "unsupported_encoding",
        "The request body's Content-Encoding is not supported",
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
    ("maintenance", "Down for maintenance"),
    ("injected", "A fault injected by the simulator"),
    ("internal", "Internal error"),
    ("unknown_case", "No such case"),
];

/// One problem, as it goes on the wire.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The problem type, a URI ([`TYPE_PREFIX`] and the code).
    #[serde(rename = "type")]
    pub kind: String,
    /// What this type of problem is, for people.
    pub title: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// What is wrong with this request, for the operator.
    pub detail: String,
    /// The stable snake_case name of the type.
    pub code: String,
    /// The same text as `detail` (what kiosks of firmware 0.1 read).
    pub reason: String,
    /// The request parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
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
        }
    }

    /// The same problem, naming the parameter at fault.
    #[must_use]
    pub fn with_parameter(mut self, name: &str) -> Self {
        self.parameter = Some(name.to_owned());
        self
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// `value` as a response of `status` with the problem media type.
fn problem_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            bytes,
        )
            .into_response(),
        // Serializing plain strings and numbers does not fail; answer something all the same.
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            r#"{"type":"about:blank","title":"Internal error","status":500,"detail":"internal","code":"internal","reason":"internal"}"#,
        )
            .into_response(),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        problem_response(self.status_code(), &self)
    }
}

/// A problem response: `status`, type `code`, `detail`.
pub fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    Problem::new(status, code, detail).into_response()
}

/// 400 naming the request parameter `name`.
pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "bad_parameter", detail).with_parameter(name)
}

/// A refusal on its way out of a helper (boxed: a problem is a few strings).
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

/// 500 with the error's text.
pub fn internal(e: impl std::fmt::Display) -> Refused {
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()).into()
}

/// A refused item of `PUT …/items/{item_id}`: the contract's `ItemResult` members (`item_id`,
/// `status`, `reason`) and the problem's, in one `application/problem+json` body.
pub fn item_problem(result: &ItemResult, code: &str) -> Response {
    let status = StatusCode::from_u16(result.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let detail = result.reason.clone().unwrap_or_else(|| code.to_owned());
    let mut body = match serde_json::to_value(result) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Ok(Value::Object(problem)) = serde_json::to_value(Problem::new(status, code, detail)) {
        body.extend(problem);
    }
    problem_response(status, &Value::Object(body))
}

/// The problem code for an error status answered by something other than the simulator's
/// handlers (axum's router and extractors).
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
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
/// headers (`Allow`, `Retry-After`) and its text as the detail.
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
        // axum adds `Allow` outside this layer: point at it rather than repeat it.
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{method} is not allowed on {path}; the Allow header lists the methods that are"
        ),
        _ if text.is_empty() => status.canonical_reason().unwrap_or("error").to_owned(),
        _ => text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_FOREIGN_DETAIL)
            .collect(),
    };
    let fresh = problem(status, code_for(status), detail);
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
    fn a_problem_has_the_rfc_members_and_the_contracts_extensions() {
        let p = bad_parameter("limit", "limit must be 1..=500");
        let v = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(v["type"], "tag:samad.example,2026:problem:bad_parameter");
        assert_eq!(v["title"], "A request parameter is out of its bounds");
        assert_eq!(v["status"], 400);
        assert_eq!(v["detail"], "limit must be 1..=500");
        assert_eq!(v["reason"], v["detail"]);
        assert_eq!(v["code"], "bad_parameter");
        assert_eq!(v["parameter"], "limit");
        // Unknown codes take the status's phrase as their title.
        let other = Problem::new(StatusCode::IM_A_TEAPOT, "teapot", "short and stout");
        assert_eq!(other.title, "I'm a teapot");
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
