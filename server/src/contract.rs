//! The device contract served to the office's devices: the same operations a kiosk's relay
//! speaks to SAMAD (`/v1/kiosks/{kiosk}/submissions`, `events`, `catalogue`, `heartbeat`, as
//! `kiosk_sync::wire` names them), so a device relays to the server unchanged, plus what only
//! an office has: `case-lookups`, any of the agency's cases by tracking code and national code,
//! staff logins and calls, and receipt copies (server/src/receipt_copies.rs).
//!
//! Every accepted item is written with its row in `upstream_outbox` in one transaction: what
//! a device was told is accepted is what the server owes SAMAD (server/src/upstream.rs relays
//! it). Items are idempotent per kiosk and item id: the same item again is 200, the same id
//! with another body 409, as SAMAD answers.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use kiosk_sync::wire::{
    CaseLookup, CaseStatus, CaseStatusEvent, Event, EventPage, EventType, HeartbeatAck, ItemResult,
    ItemType, MAX_BATCH_ITEMS, MAX_EVENT_PAGE, OfficeHeartbeat, SubmitBatchResult,
};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Device;
use crate::case;
use crate::problem::{Problem, Refused, bad_parameter};

/// The contract's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/kiosks/{kiosk}/submissions", post(submit_batch))
        .route("/v1/kiosks/{kiosk}/events", get(events))
        .route("/v1/kiosks/{kiosk}/catalogue", get(catalogue))
        .route("/v1/kiosks/{kiosk}/heartbeat", post(heartbeat))
        .route("/v1/kiosks/{kiosk}/case-lookups", post(case_lookup))
        .route("/v1/kiosks/{kiosk}/staff-logins", post(crate::staff::login))
        .route(
            "/v1/kiosks/{kiosk}/staff-calls",
            post(crate::staff_calls::raise).get(crate::staff_calls::list),
        )
        .route(
            "/v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge",
            post(crate::staff_calls::acknowledge),
        )
        .route(
            "/v1/kiosks/{kiosk}/receipt-copies",
            post(crate::receipt_copies::give).get(crate::receipt_copies::owed),
        )
        .route(
            "/v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed",
            post(crate::receipt_copies::printed),
        )
}

/// The device, if the path's kiosk is its own (a device acts only as itself).
pub fn own_kiosk(device: Device, path: &str) -> Result<u32, Refused> {
    let kiosk = path
        .parse::<u32>()
        .ok()
        .filter(|k| (1..=99_999).contains(k) && path.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| bad_parameter("kiosk", "the kiosk number in the path must be 1 to 99999"))?;
    if kiosk != device.kiosk_number {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this device is kiosk {} and cannot act as kiosk {kiosk}",
                device.kiosk_number
            ),
        )
        .into());
    }
    Ok(kiosk)
}

/// A JSON body read into `T`, or 400 with serde's reason.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Refused> {
    serde_json::from_slice(bytes).map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Data => format!("the body does not fit: {e}"),
            _ => format!("the body is not JSON: {e}"),
        };
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail).into()
    })
}

/// One item of a batch as the server reads it (the payload kept as JSON).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    item_id: Uuid,
    item_type: ItemType,
    payload: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    items: Vec<Item>,
}

/// How one item was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// Stored now (201).
    Created,
    /// Stored before with the same body (200).
    Again,
    /// Not acceptable: status, reason.
    Refused(u16, String),
}

impl Judged {
    fn result(self, item_id: Uuid) -> ItemResult {
        let (status, reason) = match self {
            Self::Created => (201, None),
            Self::Again => (200, None),
            Self::Refused(status, reason) => (status, Some(reason)),
        };
        ItemResult {
            item_id,
            status,
            service_request_id: None,
            token: None,
            reason,
        }
    }
}

/// `POST /v1/kiosks/{kiosk}/submissions`: each item judged on its own, results in order.
async fn submit_batch(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Json<SubmitBatchResult>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let batch: Batch = json_body(&body)?;
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH_ITEMS {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_batch",
            format!("a batch holds 1 to {MAX_BATCH_ITEMS} items"),
        )
        .into());
    }
    let mut client = state.pool.get().await?;
    let mut results = Vec::with_capacity(batch.items.len());
    let mut stored = 0usize;
    if !batch.items.iter().any(|i| i.item_type == ItemType::Claim) {
        // One transaction for the batch (store_in).
        let tx = client.transaction().await?;
        for item in &batch.items {
            let judged = store_in(&tx, kiosk, item.item_id, item.item_type, &item.payload).await?;
            if judged == Judged::Created {
                stored += 1;
            }
            results.push(judged.result(item.item_id));
        }
        tx.commit().await?;
        tracing::info!(kiosk, items = results.len(), stored, "batch received");
        return Ok(Json(SubmitBatchResult { results }));
    }
    // Claims take their visit's lock in a transaction of their own (crate::claims): item by
    // item, as a desk sends them.
    for item in batch.items {
        // Who served a visit is the desk's to say: a kiosk's claim would credit (or block)
        // ratings for any employee (server/src/claims.rs).
        let judged =
            if item.item_type == ItemType::Claim && device.role == Some(crate::auth::Role::Kiosk) {
                Judged::Refused(
                422,
                "wrong_role: only a desk terminal claims a visit, and this device enrolled as a \
                 kiosk"
                    .to_owned(),
            )
            } else {
                store_item(
                    &mut client,
                    kiosk,
                    item.item_id,
                    item.item_type,
                    &item.payload,
                )
                .await?
            };
        if judged == Judged::Created {
            stored += 1;
        }
        results.push(judged.result(item.item_id));
    }
    tracing::info!(kiosk, items = results.len(), stored, "batch received");
    Ok(Json(SubmitBatchResult { results }))
}

/// Stores one item and its upstream row in one transaction, or says why not.
pub async fn store_item(
    client: &mut deadpool_postgres::Client,
    kiosk: u32,
    item_id: Uuid,
    item_type: ItemType,
    payload: &Value,
) -> Result<Judged, Refused> {
    if item_type == ItemType::Claim {
        return crate::claims::store(client, kiosk, item_id, payload).await;
    }
    let tx = client.transaction().await?;
    let judged = store_in(&tx, kiosk, item_id, item_type, payload).await?;
    tx.commit().await?;
    Ok(judged)
}

/// Stores one item (not a claim) and its upstream row within `outer`: a batch's items share
/// one commit (one WAL flush for the batch instead of one per item). The inserts are prepared
/// once per connection (`prepare_cached`): PostgreSQL parses and plans them once instead of
/// for every item, and each costs one round trip instead of two.
async fn store_in(
    tx: &deadpool_postgres::Transaction<'_>,
    kiosk: u32,
    item_id: Uuid,
    item_type: ItemType,
    payload: &Value,
) -> Result<Judged, Refused> {
    let kiosk_i32 = i32::try_from(kiosk).unwrap_or_default();
    if has_nul(payload) {
        // PostgreSQL's jsonb cannot hold U+0000: refused here with a reason, never a 500
        // that the device would retry for ever.
        return Ok(Judged::Refused(
            422,
            "payload strings must not contain the NUL character (\\u0000)".to_owned(),
        ));
    }
    // Every refusal below comes before the item's first write, so the batch's transaction
    // needs no savepoint per item: a refused item leaves nothing behind.
    let inserted = match item_type {
        ItemType::Case => {
            let columns = match case::check(item_id, kiosk, payload) {
                Ok(c) => c,
                Err(reason) => return Ok(Judged::Refused(422, reason)),
            };
            // ON CONFLICT DO NOTHING waits for a concurrent insert of the same code or key
            // (another instance) to commit, so the look-up below sees the winner.
            let insert = tx
                .prepare_cached(
                    "INSERT INTO cases (tracking_code, kiosk_number, item_id, national_code, kind, \
                                        registered_at, payload, id_kind, identifier, \
                                        passport_country, notice_consent) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT DO NOTHING",
                )
                .await?;
            let n = tx
                .execute(
                    &insert,
                    &[
                        &columns.tracking_code,
                        &kiosk_i32,
                        &item_id,
                        &columns.visitor.national_code().map(|c| c.as_string()),
                        &columns.kind,
                        &columns.registered_at,
                        payload,
                        &columns.visitor.kind().as_str(),
                        &columns
                            .visitor
                            .national_code()
                            .is_none()
                            .then(|| columns.visitor.value()),
                        &columns.visitor.country().map(|c| c.alpha3),
                        &columns.notice_consent,
                    ],
                )
                .await?;
            if n == 0 {
                let same = tx
                    .query_opt(
                        "SELECT payload = $3 FROM cases WHERE kiosk_number = $1 AND item_id = $2",
                        &[&kiosk_i32, &item_id, payload],
                    )
                    .await?;
                return Ok(match same.map(|r| r.get::<_, bool>(0)) {
                    Some(true) => Judged::Again,
                    Some(false) => Judged::Refused(
                        409,
                        format!(
                            "item_id {item_id} was sent by this kiosk before with another body"
                        ),
                    ),
                    None => Judged::Refused(
                        409,
                        format!(
                            "tracking_code {} is already another item's case",
                            columns.tracking_code
                        ),
                    ),
                });
            }
            // The registration notice, with its case or not at all (server/src/notices/).
            crate::notices::on_case(tx, &columns.tracking_code, &columns.kind, payload).await?;
            true
        }
        other => {
            if let Err(reason) = check_item(kiosk, payload) {
                return Ok(Judged::Refused(422, reason));
            }
            if other == ItemType::Rating {
                // A rating and a claim of the same visit arriving together: each waits for the
                // other's transaction, so the rating sees the claim or the claim the rating
                // (crate::claims::store takes the same lock).
                let tracking = payload
                    .get("tracking_code")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                crate::claims::lock_visit(tx, tracking).await?;
            }
            let insert = tx
                .prepare_cached(
                    "INSERT INTO device_items (kiosk_number, item_id, item_type, payload) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .await?;
            let n = tx
                .execute(&insert, &[&kiosk_i32, &item_id, &other.as_str(), payload])
                .await?;
            if n == 0 {
                let same: bool = tx
                    .query_one(
                        "SELECT payload = $3 AND item_type = $4 FROM device_items \
                         WHERE kiosk_number = $1 AND item_id = $2",
                        &[&kiosk_i32, &item_id, payload, &other.as_str()],
                    )
                    .await?
                    .get(0);
                return Ok(if same {
                    Judged::Again
                } else {
                    Judged::Refused(
                        409,
                        format!(
                            "item_id {item_id} was sent by this kiosk before with another body"
                        ),
                    )
                });
            }
            true
        }
    };
    if inserted {
        // A rating whose code names no employee goes to SAMAD with the employee who claimed
        // the visit at any desk of the office (crate::claims), as the desk would have sent it.
        let insert = tx
            .prepare_cached(
            "INSERT INTO upstream_outbox (kiosk_number, item_id, item_type, payload) \
             SELECT $1, $2, $3, CASE WHEN $3 = 'rating' AND c.employee_code IS NOT NULL \
                                          AND nullif($4::jsonb ->> 'employee_code', '') IS NULL \
                                     THEN $4::jsonb || jsonb_build_object( \
                                          'employee_code', c.employee_code, 'attribution', 'claim') \
                                     ELSE $4::jsonb END \
             FROM (SELECT 1) AS one \
             LEFT JOIN visit_claims c ON c.tracking_code = $4::jsonb ->> 'tracking_code' \
             ON CONFLICT DO NOTHING",
        )
        .await?;
        tx.execute(
            &insert,
            &[&kiosk_i32, &item_id, &item_type.as_str(), payload],
        )
        .await?;
    }
    Ok(Judged::Created)
}

/// Whether a string anywhere in `value` (or a member's name) holds U+0000.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(members) => members
            .iter()
            .any(|(name, v)| name.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// A service, rating, meeting or guidance record: a JSON object whose `kiosk_number`, if it names one, is the
/// device's (SAMAD judges the rest).
fn check_item(kiosk: u32, payload: &Value) -> Result<(), String> {
    let Some(object) = payload.as_object() else {
        return Err("payload must be a JSON object".into());
    };
    match object.get("kiosk_number") {
        None => Ok(()),
        Some(n) if n.as_u64() == Some(u64::from(kiosk)) => Ok(()),
        Some(n) => Err(format!(
            "kiosk_number {n} differs from the kiosk in the path ({kiosk})"
        )),
    }
}

/// `events`' query.
#[derive(Debug, Deserialize)]
struct EventsQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/kiosks/{kiosk}/events?after=&limit=`: the events of this kiosk's cases in the
/// order the server learnt them; the cursor is the last event's sequence number.
async fn events(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<Json<EventPage>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let after: i64 = match query.after.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad_parameter("after", "after must be a cursor this server gave"))?,
    };
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_EVENT_PAGE);
    let client = state.pool.get().await?;
    let rows = client
        .query(
            "SELECT e.seq, e.event_id, e.event_type, e.happened_at, e.unit, e.person, e.notes, \
                    c.tracking_code, c.item_id, coalesce(u.remote_id, '') \
             FROM case_events e JOIN cases c USING (tracking_code) \
             LEFT JOIN upstream_outbox u ON u.kiosk_number = c.kiosk_number AND u.item_id = c.item_id \
             WHERE c.kiosk_number = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3",
            &[
                &i32::try_from(kiosk).unwrap_or_default(),
                &after,
                &(i64::from(limit) + 1),
            ],
        )
        .await?;
    let has_more = rows.len() > limit as usize;
    let mut last = after;
    let mut out = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.iter().take(limit as usize) {
        last = row.get(0);
        let kind: String = row.get(2);
        let Some(event_type) = event_type(&kind) else {
            tracing::warn!(event_type = %kind, "an event of an unknown type is not served");
            continue;
        };
        out.push(Event {
            event_id: row.get(1),
            service_request_id: row.get(9),
            item_id: row.get(8),
            tracking_code: row.get::<_, String>(7),
            event_type,
            updated_datetime: row.get(3),
            agency_responsible: row.get(4),
            responsible_person: row.get(5),
            status_notes: row.get(6),
        });
    }
    Ok(Json(EventPage {
        events: out,
        next_cursor: last.to_string(),
        has_more,
    }))
}

/// An event type as stored (the wire's snake_case name).
fn event_type(text: &str) -> Option<EventType> {
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

/// `GET /v1/kiosks/{kiosk}/catalogue`: the office's catalogue, 304 for the ETag sent.
async fn catalogue(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    own_kiosk(device, &kiosk)?;
    let client = state.pool.get().await?;
    let row = client
        .query_opt("SELECT etag, body FROM catalogue WHERE id = 1", &[])
        .await?
        .ok_or_else(|| {
            Refused::from(Problem::new(
                StatusCode::NOT_FOUND,
                "no_catalogue",
                "the office has no catalogue yet: the operator sets one with `agency-server catalogue`",
            ))
        })?;
    let etag: String = row.get(0);
    let sent = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let etag_header = [(header::ETAG, etag)];
    if sent {
        return Ok((StatusCode::NOT_MODIFIED, etag_header).into_response());
    }
    let body: Value = row.get(1);
    Ok((etag_header, Json(body)).into_response())
}

/// Every entry's next-visit rule must read (firmware/core/src/next_visit.rs): the operator
/// who sets the catalogue hears which entry is wrong and why, in English, and nothing is set.
/// (A device that still meets a bad rule drops it and uses its own default.)
pub fn check_next_visit_rules(catalogue: &kiosk_sync::wire::Catalogue) -> anyhow::Result<()> {
    let lists = [
        ("subjects", &catalogue.subjects),
        ("services", &catalogue.services),
    ];
    for (list, entries) in lists {
        for (i, entry) in entries.iter().enumerate() {
            if let Some(text) = entry.next_visit.as_deref()
                && let Err(e) = text.parse::<kiosk_core::NextVisitRule>()
            {
                anyhow::bail!(
                    "catalogue {list}[{i}] ({:?}): {e}; nothing was set",
                    entry.service_code
                );
            }
        }
    }
    Ok(())
}

/// Sets the office's catalogue (a `kiosk_sync::wire::Catalogue` as JSON); returns its ETag,
/// a digest of the body, so the same catalogue set twice keeps its ETag. Audited as the
/// command line (`agency-server catalogue`); the console checks an edit by every rule a kiosk
/// applies first (server/src/catalogue.rs).
pub async fn set_catalogue(pool: &deadpool_postgres::Pool, body: &str) -> anyhow::Result<String> {
    let parsed: kiosk_sync::wire::Catalogue = serde_json::from_str(body)
        .map_err(|e| anyhow::anyhow!("the catalogue does not read as the contract's: {e}"))?;
    check_next_visit_rules(&parsed)?;
    crate::catalogue::store(
        pool,
        crate::auth::CLI_ACTOR,
        &parsed,
        None,
        serde_json::json!("replace"),
    )
    .await
    .map_err(anyhow::Error::from)
}

/// `POST /v1/kiosks/{kiosk}/heartbeat`: the device's health, kept as its latest, with the
/// receipts it owes (`owed_receipts`, server/src/receipt_copies.rs), in one transaction.
async fn heartbeat(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Json<HeartbeatAck>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let beat: OfficeHeartbeat = json_body(&body)?;
    let owed = crate::receipt_copies::check_owed(kiosk, &beat.owed_receipts)?;
    let beat = beat.heartbeat;
    let short = |s: &str| s.chars().take(100).collect::<String>();
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO device_health (kiosk_number, received_at, sent_at, firmware_version, \
                 schema_version, catalogue_version, printer_state, paper, outbox_depth, \
                 outbox_parked, oldest_unsent_age_s, last_sync_at, uptime_s) \
             VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (kiosk_number) DO UPDATE SET received_at = now(), sent_at = $2, \
                 firmware_version = $3, schema_version = $4, catalogue_version = $5, \
                 printer_state = $6, paper = $7, outbox_depth = $8, outbox_parked = $9, \
                 oldest_unsent_age_s = $10, last_sync_at = $11, uptime_s = $12",
        &[
            &i32::try_from(kiosk).unwrap_or_default(),
            &beat.sent_at,
            &short(&beat.firmware_version),
            &i32::try_from(beat.schema_version).unwrap_or(i32::MAX),
            &beat.catalogue_version.as_deref().map(short),
            &short(&beat.printer.state),
            &short(&beat.printer.paper),
            &i64::try_from(beat.outbox.depth).unwrap_or(i64::MAX),
            &i64::try_from(beat.outbox.parked).unwrap_or(i64::MAX),
            &beat
                .outbox
                .oldest_unsent_age_s
                .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            // Absent from older firmware: NULL, not the previous beat's value.
            &beat.last_sync_at,
            &beat.uptime_s.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        ],
    )
    .await?;
    crate::receipt_copies::record_owed(&tx, kiosk, &owed).await?;
    tx.commit().await?;
    let etag: Option<String> = client
        .query_opt("SELECT etag FROM catalogue WHERE id = 1", &[])
        .await?
        .map(|r| r.get(0));
    Ok(Json(HeartbeatAck {
        server_time: Utc::now(),
        catalogue_etag: etag,
    }))
}

/// `POST /v1/kiosks/{kiosk}/case-lookups`: any of the agency's cases, by tracking code and
/// national code, with its events; misses are rate-limited per device (see
/// [`crate::api::reserve_lookup`]).
async fn case_lookup(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Json<CaseStatus>, Refused> {
    own_kiosk(device, &kiosk)?;
    let asked: CaseLookup = json_body(&body)?;
    let identity = asked
        .identity
        .as_ref()
        .map(|i| (i.kind.as_str(), i.value.as_str(), i.country.as_deref()));
    let national_code = (!asked.national_code.is_empty()).then_some(asked.national_code.as_str());
    let visitor = kiosk_core::identity::from_payload(national_code, identity)
        .map_err(|why| crate::problem::bad_parameter("national_code", why))?;
    let found = crate::api::find_case(&state, device, &asked.tracking_code, &visitor).await?;
    let events = found
        .events
        .into_iter()
        .filter_map(|e| {
            Some(CaseStatusEvent {
                event_type: event_type(&e.event_type)?,
                event_id: e.event_id,
                happened_at: e.happened_at,
                unit: e.unit,
                person: e.person,
                notes: e.notes,
            })
        })
        .collect();
    Ok(Json(CaseStatus {
        tracking_code: found.tracking_code,
        kiosk_number: found.kiosk_number,
        kind: found.kind,
        subject_id: found.subject_id,
        unit: found.unit,
        registered_at: found.registered_at,
        due_date: found.due_date,
        events,
    }))
}

#[cfg(test)]
mod next_visit_tests {
    use super::check_next_visit_rules;

    fn catalogue(subject_rule: &str, service_rule: &str) -> kiosk_sync::wire::Catalogue {
        serde_json::from_value(serde_json::json!({
            "version": "v1", "case_kinds": [],
            "subjects": [{ "service_code": "S1", "service_name": "آب", "next_visit": subject_rule }],
            "services": [{ "service_code": "SRV", "service_name": "گواهی",
                           "service_identifier": "1201", "next_visit": service_rule }],
            "agency": { "agency_code": "A1", "name": "اداره", "subject_scope": ["S1"] },
            "holiday_overrides": [],
        }))
        .unwrap()
    }

    #[test]
    fn a_catalogue_with_a_bad_next_visit_rule_is_refused_naming_the_entry() {
        assert!(check_next_visit_rules(&catalogue("weekly:tuesday", "working_days:5")).is_ok());
        let table = [
            ("weekly:sometimes", "at_desk", "subjects[0] (\"S1\")"),
            ("at_desk", "working_days:99", "services[0] (\"SRV\")"),
        ];
        for (subject, service, named) in table {
            let err = check_next_visit_rules(&catalogue(subject, service))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(named) && err.contains("nothing was set"),
                "{err}"
            );
        }
    }
}
