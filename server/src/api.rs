//! The device contract's first endpoints:
//!
//! - `POST /v1/enrol`: a one-time code (and, when the server has a device CA, a CSR) for a
//!   bearer token, the kiosk number and the device's client certificate.
//! - `POST /v1/devices/{kiosk}/cases`: a case, idempotent per kiosk and item id.
//! - `GET /v1/cases/{tracking_code}?national_code=…`: a case and its events, for any enrolled
//!   device, when both values match; misses are counted per kiosk and hour in PostgreSQL, so
//!   the limit holds across instances.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{self, Device};
use crate::case;
use crate::pki;
use crate::problem::{Problem, Refused, bad_parameter, invalid_item};

/// `POST /v1/enrol`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time code.
    pub code: String,
    /// The device's PKCS#10 certificate request (PEM), made with the key it keeps: required
    /// when the server has a device CA, refused when it has none. Only its key is used.
    #[serde(default)]
    pub csr_pem: Option<String>,
}

/// `POST /v1/enrol`'s answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Enrolled {
    /// The kiosk number the device acts as from now on.
    pub kiosk_number: u32,
    /// Its bearer token (shown once; the server keeps only its digest).
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// The device's client certificate (PEM): `CN=kiosk-<number>`, SAN `urn:kiosk:<number>`,
    /// client authentication only. Absent when the server has no device CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
    /// The device CA that issued it (PEM), for information: the device does not need it to
    /// reach the server, whose own TLS certificate it verifies with the CA the operator pinned
    /// (`kioskctl enroll --server-ca`, `samad.ca_file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ca_pem: Option<String>,
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, Refused> {
    serde_json::from_slice(bytes).map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Data => format!("the body does not fit: {e}"),
            _ => format!("the body is not JSON: {e}"),
        };
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail).into()
    })
}

/// Exchanges a one-time code for a device token (and, with a device CA, a client certificate
/// for the CSR's key). Unknown, used and expired codes get the same answer, so the answer tells
/// nothing about which codes exist. A missing or unusable CSR is refused (400 `bad_csr`) before
/// the code is looked at, so the code stays usable.
pub async fn enrol(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Enrolled>), Refused> {
    let request: EnrolRequest = json_body(&body)?;
    let refused = || -> Refused {
        Problem::new(
            StatusCode::FORBIDDEN,
            "bad_enrol_code",
            "the enrolment code is unknown, already used or expired: ask the operator for a new one",
        )
        .into()
    };
    let bad_csr = |detail: String| -> Refused {
        Problem::new(StatusCode::BAD_REQUEST, "bad_csr", detail)
            .with_parameter("csr_pem")
            .into()
    };
    let csr = match (&state.device_ca, request.csr_pem.as_deref()) {
        (Some(_), None) => {
            return Err(bad_csr(
                "csr_pem is required: this server issues each device a client certificate for \
                 the key of its certificate request"
                    .into(),
            ));
        }
        (Some(_), Some(pem)) => {
            Some(pki::DeviceCsr::parse(pem).map_err(|e| bad_csr(e.to_string()))?)
        }
        (None, Some(_)) => {
            return Err(bad_csr(
                "this server has no device CA and issues no certificates: enrol without csr_pem"
                    .into(),
            ));
        }
        (None, None) => None,
    };
    let code = auth::normalise_enrol_code(&request.code).ok_or_else(refused)?;
    let token = auth::new_token();
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "UPDATE enrol_codes SET used_at = now() \
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() \
             RETURNING kiosk_number, role",
            &[&auth::digest(&code)],
        )
        .await?;
    let Some(row) = row else {
        return Err(refused());
    };
    let kiosk: i32 = row.get(0);
    // None: a code made before roles existed (migration 0013), whose device keeps every route.
    let role: Option<String> = row.get(1);
    // Two codes of one kiosk redeemed at once take turns here (the second then replaces the
    // first), instead of one of them failing on the one-active-device index.
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&ENROL_LOCK_CLASS, &kiosk],
    )
    .await?;
    // A kiosk number has one device: enrolling it again replaces the earlier one, and its
    // certificate with it; its satisfaction key is still served, as retired, while the codes
    // it signed are valid (server/src/fleet_keys.rs).
    crate::fleet_keys::retire_keys_of_replaced(&tx, kiosk).await?;
    tx.execute(
        "UPDATE device_certificates SET revoked_at = now() \
         WHERE revoked_at IS NULL AND device_id IN \
               (SELECT device_id FROM devices WHERE kiosk_number = $1 AND revoked_at IS NULL)",
        &[&kiosk],
    )
    .await?;
    let replaced = tx
        .execute(
            "UPDATE devices SET revoked_at = now(), revoked_reason = 'replaced' \
             WHERE kiosk_number = $1 AND revoked_at IS NULL",
            &[&kiosk],
        )
        .await?;
    let device_id: i64 = tx
        .query_one(
            "INSERT INTO devices (kiosk_number, token_hash, role) VALUES ($1, $2, $3) \
             RETURNING device_id",
            &[&kiosk, &auth::digest(&token), &role],
        )
        .await?
        .get(0);
    let kiosk_number = u32::try_from(kiosk).unwrap_or_default();
    let issued = match (&state.device_ca, &csr) {
        (Some(ca), Some(csr)) => {
            let issued = ca.issue(csr, kiosk_number).map_err(|e| {
                tracing::error!(error = %e, "issuing a device certificate failed");
                Refused::from(Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the device certificate could not be issued",
                ))
            })?;
            tx.execute(
                "INSERT INTO device_certificates \
                     (device_id, serial, fingerprint, not_before, not_after) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &device_id,
                    &issued.serial_hex,
                    &issued.fingerprint.to_vec(),
                    &issued.not_before,
                    &issued.not_after,
                ],
            )
            .await?;
            Some(issued)
        }
        _ => None,
    };
    tx.commit().await?;
    tracing::info!(
        kiosk,
        role = role.as_deref().unwrap_or("none (a code made before roles)"),
        replaced,
        serial = issued.as_ref().map(|c| c.serial_hex.as_str()),
        "device enrolled"
    );
    Ok((
        StatusCode::CREATED,
        Json(Enrolled {
            kiosk_number,
            token,
            token_type: "Bearer".into(),
            client_cert_pem: issued.map(|c| c.pem),
            client_ca_pem: state.device_ca.as_ref().map(|ca| ca.cert_pem().to_owned()),
        }),
    ))
}

/// The advisory-lock class of enrolments (its second key is the kiosk number).
const ENROL_LOCK_CLASS: i32 = 0x454e_524c; // "ENRL"

/// A kiosk number from the path (1..=99999).
fn path_kiosk(text: &str) -> Result<u32, Refused> {
    text.parse::<u32>()
        .ok()
        .filter(|k| (1..=99_999).contains(k) && text.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| bad_parameter("kiosk", "the kiosk number in the path must be 1 to 99999"))
}

/// `POST /v1/devices/{kiosk}/cases`'s body: the outbox item of kind `case`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseItem {
    /// The device's idempotency key (the case's `client_uuid`).
    pub item_id: Uuid,
    /// The contract's `CasePayload`.
    pub payload: Value,
}

/// The answer to an accepted case (201 now, 200 again).
#[derive(Debug, Serialize, Deserialize)]
pub struct CaseAccepted {
    /// The item's key.
    pub item_id: Uuid,
    /// 201 or 200.
    pub status: u16,
    /// The case's tracking code.
    pub tracking_code: String,
    /// Its kiosk.
    pub kiosk_number: u32,
}

/// Ingests a case: 201 the first time, 200 for the same key and the same body again (compared
/// as `jsonb`, so key order and spacing do not matter), 409 `key_reused` for the same key with
/// another body, 409 `duplicate_tracking_code` when the code is already another item's case.
pub async fn ingest_case(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<CaseAccepted>), Refused> {
    let kiosk = path_kiosk(&kiosk)?;
    if kiosk != device.kiosk_number {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this device is kiosk {} and cannot submit as kiosk {kiosk}",
                device.kiosk_number
            ),
        )
        .into());
    }
    let item: CaseItem = json_body(&body)?;
    let columns = case::check(item.item_id, kiosk, &item.payload).map_err(invalid_item)?;
    let mut client = state.pool.get().await?;
    let judged = crate::contract::store_item(
        &mut client,
        kiosk,
        item.item_id,
        kiosk_sync::wire::ItemType::Case,
        &item.payload,
    )
    .await?;
    let status = match judged {
        crate::contract::Judged::Created => {
            tracing::info!(kiosk, item_id = %item.item_id, "case ingested");
            StatusCode::CREATED
        }
        crate::contract::Judged::Again => StatusCode::OK,
        crate::contract::Judged::Refused(409, reason) => {
            let code = if reason.contains("another body") {
                "key_reused"
            } else {
                "duplicate_tracking_code"
            };
            return Err(Problem::new(StatusCode::CONFLICT, code, reason).into());
        }
        crate::contract::Judged::Refused(_, reason) => return Err(invalid_item(reason)),
    };
    Ok((
        status,
        Json(CaseAccepted {
            item_id: item.item_id,
            status: status.as_u16(),
            tracking_code: columns.tracking_code,
            kiosk_number: kiosk,
        }),
    ))
}

/// `GET /v1/cases/{tracking_code}`'s query.
#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    /// The applicant's national code.
    pub national_code: Option<String>,
}

/// One event of a case, as a device shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct CaseEvent {
    /// Unique forever.
    pub event_id: String,
    /// referral, action, answer, closed.
    pub event_type: String,
    /// When.
    pub happened_at: DateTime<Utc>,
    /// The responsible unit.
    pub unit: String,
    /// The responsible person.
    pub person: String,
    /// The referral reason, the action, the answer.
    pub notes: Option<String>,
}

/// A case as any device of the agency may show it to the applicant: no national code, no
/// phone.
#[derive(Debug, Serialize, Deserialize)]
pub struct CaseView {
    /// The 16-digit code.
    pub tracking_code: String,
    /// The kiosk that registered it.
    pub kiosk_number: u32,
    /// The case kind.
    pub kind: String,
    /// The subject.
    pub subject_id: Option<String>,
    /// The service, if one.
    pub service_id: Option<String>,
    /// The unit it was registered to.
    pub unit: Option<String>,
    /// The applicant's description.
    pub description: Option<String>,
    /// Registered at the kiosk.
    pub registered_at: DateTime<Utc>,
    /// The response's due day (Gregorian), if known.
    pub due_date: Option<String>,
    /// The same day in the Jalali calendar, as the kiosk wrote it.
    pub due_jalali: Option<String>,
    /// Every event, oldest first.
    pub events: Vec<CaseEvent>,
}

fn not_found() -> Refused {
    Problem::new(
        StatusCode::NOT_FOUND,
        "unknown_case",
        "no case has this tracking code and national code",
    )
    .into()
}

/// A case and its events by tracking code and national code.
pub async fn lookup_case(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(tracking_code): Path<String>,
    Query(query): Query<LookupQuery>,
) -> Result<Json<CaseView>, Refused> {
    let national_code = query.national_code.unwrap_or_default();
    if !(national_code.len() == 10 && national_code.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad_parameter(
            "national_code",
            "national_code must be 10 digits",
        ));
    }
    let visitor = kiosk_core::identity::from_payload(Some(&national_code), None)
        .map_err(|why| bad_parameter("national_code", why))?;
    find_case(&state, device, &tracking_code, &visitor)
        .await
        .map(Json)
}

/// The case `tracking_code` of applicant `visitor` (the same kind of identifier with the same
/// value: a national code, a foreign nationals' identifier or a passport and its country),
/// looked up for `device`: misses are counted per device and hour in PostgreSQL, so the limit
/// holds across instances.
pub async fn find_case(
    state: &AppState,
    device: Device,
    tracking_code: &str,
    visitor: &kiosk_core::VisitorId,
) -> Result<CaseView, Refused> {
    let tracking_code = tracking_code.to_owned();
    if !case::valid_tracking_code(&tracking_code) {
        return Err(bad_parameter(
            "tracking_code",
            "tracking_code must be 16 digits with a valid check digit",
        ));
    }
    let kind = visitor.kind().as_str();
    let value = visitor.value();
    let country = visitor.country().map_or("", |c| c.alpha3);
    let client = state.pool.get().await?;
    let slot = reserve_lookup(state, &client, device).await?;
    let row = client
        .query_opt(
            "SELECT kiosk_number, kind, registered_at, payload FROM cases \
             WHERE tracking_code = $1 AND id_kind = $2 \
               AND coalesce(national_code, identifier) = $3 \
               AND coalesce(passport_country, '') = $4",
            &[&tracking_code, &kind, &value, &country],
        )
        .await?;
    let Some(row) = row else {
        slot.missed(&client).await?;
        return Err(not_found());
    };
    let kiosk = slot.kiosk;
    slot.found(&client).await?;
    let payload: Value = row.get(3);
    let field = |name: &str| payload.get(name).and_then(Value::as_str).map(str::to_owned);
    let events = client
        .query(
            "SELECT event_id, event_type, happened_at, unit, person, notes FROM case_events \
             WHERE tracking_code = $1 ORDER BY happened_at, event_id",
            &[&tracking_code],
        )
        .await?
        .iter()
        .map(|r| CaseEvent {
            event_id: r.get(0),
            event_type: r.get(1),
            happened_at: r.get(2),
            unit: r.get(3),
            person: r.get(4),
            notes: r.get(5),
        })
        .collect();
    let owner: i32 = row.get(0);
    tracing::info!(kiosk, owner, "case looked up");
    Ok(CaseView {
        tracking_code,
        kiosk_number: u32::try_from(owner).unwrap_or_default(),
        kind: row.get(1),
        subject_id: field("subject_id"),
        service_id: field("service_id"),
        unit: field("unit"),
        description: field("description"),
        registered_at: row.get(2),
        due_date: field("due_date"),
        due_jalali: field("due_jalali"),
        events,
    })
}

/// A slot of a device's look-ups this hour (case look-ups and receipt copies alike), taken
/// before the look-up in one statement, so look-ups sent at once cannot all pass the limit:
/// misses are counted per device and hour in PostgreSQL (`lookup_misses`), so the limit holds
/// across instances. A look-up that finds what it asked for gives its slot back
/// ([`LookupSlot::found`]); a miss keeps it ([`LookupSlot::missed`]).
#[derive(Debug)]
pub struct LookupSlot {
    /// The device's kiosk number.
    pub kiosk: i32,
    window: DateTime<Utc>,
}

/// Takes a look-up slot for `device`, or 429 `rate_limited` (with `Retry-After`, the end of
/// the hour) when it has missed [`AppState::lookup_misses_per_hour`] times this hour.
pub async fn reserve_lookup(
    state: &AppState,
    client: &deadpool_postgres::Client,
    device: Device,
) -> Result<LookupSlot, Refused> {
    let kiosk = i32::try_from(device.kiosk_number).unwrap_or_default();
    let now = (state.clock)();
    let window = now.duration_trunc(Duration::hours(1)).map_err(|_| {
        Refused::from(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "clock",
        ))
    })?;
    let misses: i32 = client
        .query_one(
            "INSERT INTO lookup_misses (kiosk_number, window_start, misses) VALUES ($1, $2, 1) \
             ON CONFLICT (kiosk_number, window_start) \
             DO UPDATE SET misses = lookup_misses.misses + 1 RETURNING misses",
            &[&kiosk, &window],
        )
        .await?
        .get(0);
    if misses > state.lookup_misses_per_hour {
        let misses = misses - 1;
        let wait = (window + Duration::hours(1) - now).num_seconds().max(1);
        tracing::warn!(
            kiosk,
            misses,
            "case look-ups refused: too many misses this hour"
        );
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this device looked up {misses} cases that do not exist this hour; \
                 look-ups are refused until the hour ends"
            ),
        )
        .with_retry_after(u64::try_from(wait).unwrap_or(1))
        .into());
    }
    Ok(LookupSlot { kiosk, window })
}

impl LookupSlot {
    /// The look-up found what it asked for: the slot is given back.
    pub async fn found(self, client: &deadpool_postgres::Client) -> Result<(), Refused> {
        client
            .execute(
                "UPDATE lookup_misses SET misses = misses - 1 \
                 WHERE kiosk_number = $1 AND window_start = $2 AND misses > 0",
                &[&self.kiosk, &self.window],
            )
            .await?;
        Ok(())
    }

    /// The look-up found nothing: the slot stays taken (and windows older than a day go).
    pub async fn missed(self, client: &deadpool_postgres::Client) -> Result<(), Refused> {
        client
            .execute(
                "DELETE FROM lookup_misses WHERE kiosk_number = $1 AND window_start < $2",
                &[&self.kiosk, &(self.window - Duration::days(1))],
            )
            .await?;
        Ok(())
    }
}

/// `GET /health`: the database answers and the schema version.
pub async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Value>, Refused> {
    let client = state.pool.get().await?;
    let version: Option<i32> = client
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await?
        .get(0);
    Ok(Json(serde_json::json!({
        "status": "ok",
        "schema_version": version.unwrap_or(0),
    })))
}
