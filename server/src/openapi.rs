//! The device contract as a document: `server/openapi.yaml` (OpenAPI 3.1), served at
//! `GET /openapi.yaml`, and its version, answered in `X-Contract-Version` on every response
//! (every `/v1` one included). [`ROUTES`] lists what the router serves;
//! server/tests/openapi.rs holds the document, this list and the router to each other (and
//! the wire types to the schemas).

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The document.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");

/// The document's `info.version`: the major is the path prefix (`/v1`), the minor grows with
/// every additive change (see the document's description).
pub const CONTRACT_VERSION: &str = "1.9.0";

/// The response header carrying [`CONTRACT_VERSION`].
pub const CONTRACT_VERSION_HEADER: HeaderName = HeaderName::from_static("x-contract-version");

/// Every route of the router, `(method, path template)`, as the document names them. A route
/// added to the router and not here (or here and not in the document) fails the tests.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/openapi.yaml"),
    ("POST", "/v1/enrol"),
    ("POST", "/v1/devices/{kiosk}/cases"),
    ("GET", "/v1/cases/{tracking_code}"),
    ("POST", "/v1/kiosks/{kiosk}/submissions"),
    ("GET", "/v1/kiosks/{kiosk}/events"),
    ("GET", "/v1/kiosks/{kiosk}/catalogue"),
    ("POST", "/v1/kiosks/{kiosk}/heartbeat"),
    ("POST", "/v1/kiosks/{kiosk}/case-lookups"),
    ("POST", "/v1/kiosks/{kiosk}/staff-logins"),
    ("POST", "/v1/kiosks/{kiosk}/staff-calls"),
    ("GET", "/v1/kiosks/{kiosk}/staff-calls"),
    (
        "POST",
        "/v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge",
    ),
    ("PUT", "/v1/kiosks/{kiosk}/satisfaction-key"),
    ("GET", "/v1/kiosks/{kiosk}/fleet-keys"),
    ("POST", "/v1/kiosks/{kiosk}/receipt-copies"),
    ("GET", "/v1/kiosks/{kiosk}/receipt-copies"),
    (
        "POST",
        "/v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed",
    ),
];

/// `GET /openapi.yaml`: the document, for anyone.
pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML).into_response()
}

/// Answers every request with `X-Contract-Version` (every `/v1` answer, refusals and unknown
/// paths included, and `/health` and `/openapi.yaml` too).
pub async fn contract_version(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response.headers_mut().insert(
        CONTRACT_VERSION_HEADER,
        HeaderValue::from_static(CONTRACT_VERSION),
    );
    response
}
