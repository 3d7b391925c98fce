//! Staff calls of the office (server/migrations/0007_staff_calls.sql): a visitor pressed «call
//! staff» at a kiosk, which sends the call here at once (`POST /v1/kiosks/{kiosk}/staff-calls`,
//! idempotent by the kiosk's `call_id`, the answer the call as kept: the kiosk sends it again
//! every few seconds while it is open, so it also learns when a desk acknowledged it); the
//! office's desk terminals ask for the open calls of every kiosk every couple of seconds
//! (`GET …/staff-calls?open=true`) and one of them acknowledges a call, naming the employee
//! (`POST …/staff-calls/{call_id}/acknowledge`): the first acknowledgement stands, a later one
//! at another desk is answered with the call as the first left it.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kiosk_sync::wire::{
    MAX_ACKNOWLEDGER_CHARS, StaffCall, StaffCallAcknowledge, StaffCallList, StaffCallRaise,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Device;
use crate::contract::{json_body, own_kiosk};
use crate::problem::{Problem, Refused, bad_parameter};

/// Most calls one answer lists.
pub const MAX_LISTED: i64 = 200;

/// How long an open call stays on the desks after its kiosk last sent it (a kiosk sends its
/// open call every few seconds): a call its kiosk no longer sends leaves the desks.
pub const LIVE_SECONDS: f64 = 60.0;

const COLUMNS: &str =
    "call_id, kiosk_number, raised_at, acknowledged_at, acknowledged_by, acknowledged_at_kiosk";

fn call_of(row: &tokio_postgres::Row) -> StaffCall {
    let kiosk: i32 = row.get(1);
    let at_kiosk: Option<i32> = row.get(5);
    StaffCall {
        call_id: row.get(0),
        kiosk_number: u32::try_from(kiosk).unwrap_or_default(),
        raised_at: row.get(2),
        acknowledged_at: row.get(3),
        acknowledged_by: row.get(4),
        acknowledged_at_kiosk: at_kiosk.and_then(|k| u32::try_from(k).ok()),
    }
}

/// `POST /v1/kiosks/{kiosk}/staff-calls`: 201 with the call when it is new, 200 with the call
/// as kept (acknowledged or not) when this kiosk sent it before; 409 for a `call_id` another
/// kiosk's or sent with another `raised_at`.
pub async fn raise(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Response, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let asked: StaffCallRaise = json_body(&body)?;
    let kiosk_i32 = i32::try_from(kiosk).unwrap_or_default();
    let client = state.pool.get().await?;
    let inserted = client
        .query_opt(
            &format!(
                "INSERT INTO staff_calls (call_id, kiosk_number, raised_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (call_id) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[&asked.call_id, &kiosk_i32, &asked.raised_at],
        )
        .await?;
    if let Some(row) = inserted {
        tracing::info!(kiosk, "staff call raised");
        return Ok((StatusCode::CREATED, Json(call_of(&row))).into_response());
    }
    let row = client
        .query_one(
            &format!("SELECT {COLUMNS} FROM staff_calls WHERE call_id = $1"),
            &[&asked.call_id],
        )
        .await?;
    let call = call_of(&row);
    if call.kiosk_number != kiosk || call.raised_at != asked.raised_at {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "key_reused",
            "this call_id was sent before with another kiosk or another raised_at",
        )
        .into());
    }
    // Sent again: the call is still live at its kiosk.
    client
        .execute(
            "UPDATE staff_calls SET last_seen_at = now() WHERE call_id = $1",
            &[&asked.call_id],
        )
        .await?;
    Ok((StatusCode::OK, Json(call)).into_response())
}

/// The query of `GET …/staff-calls`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    open: Option<String>,
}

/// `GET /v1/kiosks/{kiosk}/staff-calls?open=true`: the office's open calls that their kiosks
/// still send (seen in the last [`LIVE_SECONDS`]), every kiosk's, oldest first by the server's
/// clock (what a desk terminal shows); with `open=false` (or none) this kiosk's own
/// calls, open and acknowledged, the latest [`MAX_LISTED`], oldest first. Only a desk may
/// ask for the office's (`open=true`; a kiosk is refused 403 `wrong_role`).
pub async fn list(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<StaffCallList>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let open = match query.open.as_deref().map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(bad_parameter("open", "open must be true or false")),
    };
    if open {
        // The office's calls are the desks' to see (a kiosk lists its own only).
        device.require_desk()?;
    }
    let client = state.pool.get().await?;
    let rows = if open {
        client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM staff_calls WHERE acknowledged_at IS NULL \
                     AND last_seen_at > now() - make_interval(secs => $2) \
                     ORDER BY received_at, call_id LIMIT $1"
                ),
                &[&MAX_LISTED, &LIVE_SECONDS],
            )
            .await?
    } else {
        let mut rows = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM staff_calls WHERE kiosk_number = $1 \
                     ORDER BY raised_at DESC, call_id DESC LIMIT $2"
                ),
                &[&i32::try_from(kiosk).unwrap_or_default(), &MAX_LISTED],
            )
            .await?;
        rows.reverse();
        rows
    };
    Ok(Json(StaffCallList {
        calls: rows.iter().map(call_of).collect(),
    }))
}

/// `POST /v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge`: the desk terminal `{kiosk}`
/// answers the call `call_id` (any kiosk's) by the employee named; 200 with the call, whose
/// first acknowledgement stands; 404 `unknown_staff_call`.
pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path((kiosk, call_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<StaffCall>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let call_id = Uuid::try_parse(&call_id)
        .map_err(|_| bad_parameter("call_id", "call_id must be a UUID"))?;
    let asked: StaffCallAcknowledge = json_body(&body)?;
    let by = asked.employee_code.trim();
    if by.is_empty() || by.chars().count() > MAX_ACKNOWLEDGER_CHARS || by.contains(char::is_control)
    {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            format!("employee_code must be 1 to {MAX_ACKNOWLEDGER_CHARS} characters on one line"),
        )
        .with_parameter("employee_code")
        .into());
    }
    let client = state.pool.get().await?;
    let updated = client
        .query_opt(
            &format!(
                "UPDATE staff_calls SET acknowledged_at = greatest(now(), raised_at), \
                     acknowledged_by = $2, acknowledged_at_kiosk = $3 \
                 WHERE call_id = $1 AND acknowledged_at IS NULL RETURNING {COLUMNS}"
            ),
            &[&call_id, &by, &i32::try_from(kiosk).unwrap_or_default()],
        )
        .await?;
    if let Some(row) = updated {
        let call = call_of(&row);
        tracing::info!(
            desk = kiosk,
            kiosk = call.kiosk_number,
            "staff call acknowledged"
        );
        return Ok(Json(call));
    }
    let row = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM staff_calls WHERE call_id = $1"),
            &[&call_id],
        )
        .await?;
    match row {
        Some(row) => Ok(Json(call_of(&row))),
        None => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown_staff_call",
            "no staff call has this call_id",
        )
        .into()),
    }
}
