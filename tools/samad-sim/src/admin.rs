//! The simulator's own endpoints, outside the contract: `/admin/events` (add an event to a
//! case's feed), `/admin/faults` (script faults), `/admin/stats` (counters), all behind the
//! bearer token, and `/openapi.yaml` (the contract, for anyone). Their refusals are problems
//! too ([`crate::problem`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosk_sync::wire::EventType;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::faults::FaultRequest;
use crate::problem::{Problem, Refused, internal, problem};
use crate::server::{SimState, SimStats};

/// The body as `T`, or a 400 problem saying why not.
fn read<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refused> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the body does not read as this endpoint's JSON: {e}"),
        )
        .into()
    })
}

/// What `POST /admin/events` takes.
#[derive(Debug, Deserialize)]
struct NewSimEvent {
    service_request_id: String,
    event_type: EventType,
    unit: String,
    person: String,
    notes: Option<String>,
}

/// `POST /admin/events`: adds an event to the feed of the kiosk that submitted a case.
pub async fn admin_event(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let e: NewSimEvent = match read(&body) {
        Ok(e) => e,
        Err(r) => return r.into_response(),
    };
    let added = state.db.lock().map_err(internal).and_then(|mut db| {
        db.add_event(
            &e.service_request_id,
            e.event_type,
            Utc::now(),
            &e.unit,
            &e.person,
            e.notes.as_deref(),
        )
        .map_err(internal)
    });
    match added {
        Ok(Some(id)) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "event_id": id })),
        )
            .into_response(),
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            "unknown_case",
            format!("no case has service_request_id {:?}", e.service_request_id),
        ),
        Err(r) => r.into_response(),
    }
}

/// `POST /admin/faults`: replaces the fault plan.
pub async fn admin_faults(State(state): State<Arc<SimState>>, body: Bytes) -> Response {
    let req: FaultRequest = match read(&body) {
        Ok(r) => r,
        Err(r) => return r.into_response(),
    };
    match state.faults.lock() {
        Ok(mut plan) => {
            plan.clear();
            plan.script(req.script);
            if let Some(random) = req.random {
                plan.randomly(random);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => internal(e).into_response(),
    }
}

/// `GET /admin/stats`: the counters.
pub async fn admin_stats(State(state): State<Arc<SimState>>) -> Response {
    let s = &state.stats;
    let items = state
        .db
        .lock()
        .ok()
        .and_then(|db| db.item_count().ok())
        .unwrap_or(0);
    Json(serde_json::json!({
        "items": items,
        "requests": SimStats::get(&s.requests),
        "faults": SimStats::get(&s.faults),
        "created": SimStats::get(&s.created),
        "replayed": SimStats::get(&s.replayed),
        "conflicts": SimStats::get(&s.conflicts),
        "unauthorized": SimStats::get(&s.unauthorized),
        "forbidden": SimStats::get(&s.forbidden),
        "gzip_requests": SimStats::get(&s.gzip_requests),
        "heartbeats": SimStats::get(&s.heartbeats),
        "catalogue_sent": SimStats::get(&s.catalogue_sent),
        "catalogue_not_modified": SimStats::get(&s.catalogue_not_modified),
    }))
    .into_response()
}

/// `GET /openapi.yaml`: the contract.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        kiosk_sync::OPENAPI_YAML,
    )
        .into_response()
}
