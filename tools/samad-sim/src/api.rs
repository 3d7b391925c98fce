//! The contract's operations (`/v1/kiosks/{kiosk_number}/…`): submissions, single items,
//! events, catalogue and heartbeat.
//!
//! By the time a handler runs, the token was checked ([`crate::server`]), the kiosk number is
//! canonical ([`crate::params::Kiosk`]) and a body is JSON, decompressed and within its limit
//! ([`crate::body`]). What is left here is each operation's own rules; every refusal is a
//! problem ([`crate::problem`]), and a refused single item answers its `ItemResult` members
//! inside the problem.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosk_sync::wire::{
    Agency, Catalogue, CatalogueEntry, EventPage, GuidanceDestination, HeartbeatAck,
    HolidayOverride, ItemType, MAX_BATCH_ITEMS, SubmitBatch, SubmitBatchResult, SubmitItem,
};
use serde_json::Value;
use uuid::Uuid;

use crate::db::Judged;
use crate::params::{self, EventQuery, Kiosk};
use crate::problem::{Problem, Refused, internal, item_problem, problem};
use crate::server::SimState;

/// Judges items with the database and counts the answers.
fn judge(state: &SimState, kiosk: u32, items: Vec<SubmitItem>) -> Result<Vec<Judged>, Refused> {
    let parsed: Vec<(Uuid, ItemType, Value)> = items
        .into_iter()
        .map(|i| {
            let body = serde_json::from_str::<Value>(i.payload.get()).unwrap_or(Value::Null);
            (i.item_id, i.item_type, body)
        })
        .collect();
    let judged = state
        .db
        .lock()
        .map_err(internal)?
        .judge(kiosk, &parsed, &state.config.refused_subjects)
        .map_err(internal)?;
    for j in &judged {
        let counter = match j.result.status {
            201 => &state.stats.created,
            200 => &state.stats.replayed,
            409 => &state.stats.conflicts,
            _ => continue,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(judged)
}

/// 400 for a body that does not read as `what`.
fn unreadable(what: &str, e: &serde_json::Error) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("the body is not a {what}: {e}"),
    )
}

/// `POST …/submissions`.
pub async fn submit_batch(
    State(state): State<Arc<SimState>>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    body: Bytes,
) -> Response {
    let batch: SubmitBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return unreadable("SubmitBatch", &e),
    };
    if batch.items.is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "empty_batch",
            format!("a batch holds 1 to {MAX_BATCH_ITEMS} items; this one holds none"),
        );
    }
    if batch.items.len() > MAX_BATCH_ITEMS {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            format!(
                "a batch holds at most {MAX_BATCH_ITEMS} items; this one holds {}",
                batch.items.len()
            ),
        );
    }
    match judge(&state, kiosk, batch.items) {
        Ok(judged) => Json(SubmitBatchResult {
            results: judged.into_iter().map(|j| j.result).collect(),
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// `PUT …/items/{item_id}`: the answer's status is the item's.
pub async fn submit_item(
    State(state): State<Arc<SimState>>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    path: RawPathParams,
    body: Bytes,
) -> Response {
    let raw_id = path
        .iter()
        .find(|(name, _)| *name == "item_id")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let item_id = match params::item_id(raw_id) {
        Ok(id) => id,
        Err(r) => return r.into_response(),
    };
    let item: SubmitItem = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => return unreadable("SubmitItem", &e),
    };
    if item.item_id != item_id {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            format!(
                "item_id in the path ({item_id}) and in the body ({}) differ",
                item.item_id
            ),
        )
        .with_parameter("item_id")
        .into_response();
    }
    match judge(&state, kiosk, vec![item]) {
        Ok(mut judged) => match judged.pop() {
            Some(Judged {
                result,
                refusal: Some(refusal),
            }) => item_problem(&result, refusal.code()),
            Some(Judged { result, .. }) => (
                StatusCode::from_u16(result.status).unwrap_or(StatusCode::OK),
                Json(result),
            )
                .into_response(),
            None => internal("no result").into_response(),
        },
        Err(r) => r.into_response(),
    }
}

/// `GET …/events`.
pub async fn events(
    State(state): State<Arc<SimState>>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    uri: Uri,
) -> Response {
    let query = match EventQuery::from_uri(&uri) {
        Ok(q) => q,
        Err(r) => return r.into_response(),
    };
    let page = state
        .db
        .lock()
        .map_err(internal)
        .and_then(|db| db.events(kiosk, query.after, query.limit).map_err(internal));
    match page {
        Ok((events, has_more, last)) => Json(EventPage {
            events,
            next_cursor: last.to_string(),
            has_more,
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// The simulator's catalogue: seven subjects in the agency's scope (English names too), one
/// outside it with where to go instead, one service with its national identifier.
pub fn catalogue() -> Catalogue {
    let entry = |code: &str, name: &str, id: Option<&str>| CatalogueEntry {
        service_code: code.to_owned(),
        service_name: name.to_owned(),
        group: None,
        keywords: Vec::new(),
        service_identifier: id.map(str::to_owned),
        service_name_en: None,
        guidance: None,
        about_officials: false,
        next_visit: None,
    };
    let mut subjects: Vec<CatalogueEntry> = (0..7)
        .map(|n| CatalogueEntry {
            service_name_en: Some(format!("Subject {n}")),
            ..entry(&format!("SUBJ-{n}"), &format!("موضوع {n}"), None)
        })
        .collect();
    subjects.push(CatalogueEntry {
        keywords: vec!["آب".into(), "water".into()],
        service_name_en: Some("Water bill".into()),
        guidance: Some(GuidanceDestination {
            office: "شرکت آب و فاضلاب".into(),
            office_en: Some("Water and sewage company".into()),
            address: Some("خیابان آزادی، پلاک ۱۰".into()),
            phone: Some("1522".into()),
            hours: Some("شنبه تا چهارشنبه ۸ تا ۱۴".into()),
            portal: Some("https://abfa.example.ir".into()),
            bring: vec!["قبض آخر".into(), "کارت ملی".into()],
        }),
        ..entry("SUBJ-WATER", "قبض آب", None)
    });
    Catalogue {
        version: "sim-1".to_owned(),
        case_kinds: vec!["complaint".into(), "request".into(), "suggestion".into()],
        subjects,
        services: vec![entry("SRV-12", "صدور گواهی", Some("12011234567"))],
        agency: Agency {
            agency_code: "SIM".into(),
            name: "دستگاه آزمایشی".into(),
            subject_scope: (0..7).map(|n| format!("SUBJ-{n}")).collect(),
        },
        holiday_overrides: vec![HolidayOverride {
            date: "2026-03-30".into(),
            closed: true,
            reason: Some("تعطیلی آزمایشی".into()),
        }],
    }
}

/// The catalogue's ETag.
pub const CATALOGUE_ETAG: &str = "\"sim-1\"";

/// `GET …/catalogue`.
pub async fn get_catalogue(State(state): State<Arc<SimState>>, headers: HeaderMap) -> Response {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == CATALOGUE_ETAG));
    if matches {
        state
            .stats
            .catalogue_not_modified
            .fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    state.stats.catalogue_sent.fetch_add(1, Ordering::Relaxed);
    let mut r = Json(catalogue()).into_response();
    r.headers_mut()
        .insert(header::ETAG, HeaderValue::from_static(CATALOGUE_ETAG));
    r
}

/// `POST …/heartbeat`.
pub async fn heartbeat(
    State(state): State<Arc<SimState>>,
    Extension(Kiosk(kiosk)): Extension<Kiosk>,
    body: Bytes,
) -> Response {
    if let Err(e) = serde_json::from_slice::<kiosk_sync::wire::Heartbeat>(&body) {
        return unreadable("Heartbeat", &e);
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let stored = state
        .db
        .lock()
        .map_err(internal)
        .and_then(|mut db| db.heartbeat(kiosk, &text).map_err(internal));
    if stored.is_ok() {
        state.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
    }
    match stored {
        Ok(()) => Json(HeartbeatAck {
            server_time: Utc::now(),
            catalogue_etag: Some(CATALOGUE_ETAG.to_owned()),
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}
