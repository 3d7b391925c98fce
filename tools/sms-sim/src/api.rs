//! The simulator's HTTP routes: sending, the delivery report, and the admin routes the tests
//! and the demo use (lib.rs says what each answers).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::json;

use crate::state::{Faults, Message, MessageRecord, Shared, Status};

/// Longest caller's reference.
const MAX_CLIENT_REF: usize = 64;

/// How long a lost answer is held before the connection is let go.
const LOST_ANSWER_HOLD: Duration = Duration::from_secs(120);

/// What a caller sends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendRequest {
    to: String,
    text: String,
    client_ref: String,
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/messages", post(send))
        .route("/v1/messages/{id}", get(report))
        .route("/admin/messages", get(list))
        .route("/admin/faults", put(set_faults))
        .with_state(shared)
}

/// A refusal: `{"error", "message"}`.
fn refuse(status: StatusCode, error: &str, message: impl Into<String>) -> Response {
    let body = json!({ "error": error, "message": message.into() });
    (status, axum::Json(body)).into_response()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|key| key == shared.config.api_key)
}

fn unauthorized() -> Response {
    refuse(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "send the API key as a bearer token",
    )
}

/// Why the message cannot be sent as it is, if it cannot.
fn invalid(shared: &Shared, request: &SendRequest) -> Option<(&'static str, String)> {
    let to = &request.to;
    if !(to.len() == 11 && to.starts_with("09") && to.bytes().all(|b| b.is_ascii_digit())) {
        return Some((
            "invalid_number",
            "to must be a mobile number: 09 and nine digits".to_owned(),
        ));
    }
    let parts = crate::parts::count(&request.text);
    if parts == 0 {
        return Some(("empty_text", "text is empty".to_owned()));
    }
    if parts > shared.config.max_parts {
        return Some((
            "too_long",
            format!(
                "text takes {parts} parts; at most {} are sent",
                shared.config.max_parts
            ),
        ));
    }
    let r = request.client_ref.chars().count();
    if r == 0 || r > MAX_CLIENT_REF {
        return Some((
            "invalid_client_ref",
            format!("client_ref must be 1 to {MAX_CLIENT_REF} characters"),
        ));
    }
    None
}

/// The faults that apply to this request: an injected status, and whether its answer is lost.
fn faults_now(shared: &Shared) -> (Duration, Option<StatusCode>, bool) {
    let mut memory = shared.memory();
    let f = &mut memory.faults;
    let latency = Duration::from_millis(f.latency_ms);
    let injected = if f.fail_next > 0 {
        f.fail_next -= 1;
        Some(StatusCode::INTERNAL_SERVER_ERROR)
    } else if rand::random::<f64>() < f.error_rate {
        Some(StatusCode::SERVICE_UNAVAILABLE)
    } else {
        None
    };
    let lost = rand::random::<f64>() < f.lost_answer_rate;
    (latency, injected, lost)
}

async fn send(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let (latency, injected, lost) = faults_now(&shared);
    tokio::time::sleep(latency).await;
    if let Some(status) = injected {
        return refuse(
            status,
            "unavailable",
            "the provider failed (injected fault)",
        );
    }
    let request: SendRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "malformed",
                format!("the body is not a message: {e}"),
            );
        }
    };
    if let Some((error, message)) = invalid(&shared, &request) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, error, message);
    }
    let (status, record) = {
        let mut memory = shared.memory();
        if let Some(&i) = memory.by_ref.get(&request.client_ref) {
            let first = &mut memory.messages[i].record;
            if first.to != request.to || first.text != request.text {
                return refuse(
                    StatusCode::CONFLICT,
                    "client_ref_reused",
                    "client_ref was sent before with another number or text",
                );
            }
            first.requests += 1;
            (StatusCode::OK, first.clone())
        } else {
            if let Err(wait) = shared.take_token(&mut memory) {
                memory.rate_limited += 1;
                drop(memory);
                let mut response = refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "at most {} messages a second",
                        shared.config.rate_per_second
                    ),
                );
                let seconds = wait.as_secs_f64().ceil().max(1.0).to_string();
                if let Ok(v) = HeaderValue::from_str(&seconds) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            let record = MessageRecord {
                id: format!("m-{}", uuid::Uuid::new_v4().simple()),
                parts: crate::parts::count(&request.text),
                client_ref: request.client_ref,
                to: request.to,
                text: request.text,
                requests: 1,
                status: Status::Queued,
            };
            let i = memory.messages.len();
            memory.by_ref.insert(record.client_ref.clone(), i);
            memory.by_id.insert(record.id.clone(), i);
            memory.messages.push(Message {
                record: record.clone(),
                taken: std::time::Instant::now(),
            });
            (StatusCode::CREATED, record)
        }
    };
    if lost {
        // Taken, and the answer never comes: the caller times out and must ask again.
        tokio::time::sleep(LOST_ANSWER_HOLD).await;
    }
    let body = json!({ "id": record.id, "status": record.status, "parts": record.parts });
    (status, axum::Json(body)).into_response()
}

async fn report(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorized(&shared, &headers) {
        return unauthorized();
    }
    let memory = shared.memory();
    match memory.by_id.get(&id) {
        Some(&i) => {
            let record = shared.record(&memory.messages[i]);
            let body = json!({ "id": record.id, "status": record.status, "parts": record.parts });
            axum::Json(body).into_response()
        }
        None => refuse(StatusCode::NOT_FOUND, "not_found", "no such message"),
    }
}

async fn list(State(shared): State<Arc<Shared>>) -> Response {
    let memory = shared.memory();
    let records: Vec<MessageRecord> = memory.messages.iter().map(|m| shared.record(m)).collect();
    axum::Json(json!({ "messages": records, "rate_limited": memory.rate_limited })).into_response()
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            shared.memory().faults = faults.clone();
            axum::Json(faults).into_response()
        }
        Err(e) => refuse(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("the body is not a fault set: {e}"),
        ),
    }
}
