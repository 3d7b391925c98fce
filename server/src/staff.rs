//! Staff accounts of the office (server/migrations/0006_staff.sql), valid at every desk
//! terminal: the operator adds them (`agency-server staff-add`), a desk logs a member in with
//! `POST /v1/kiosks/{kiosk}/staff-logins`.
//!
//! Only argon2id hashes of PINs are kept, made and checked with the desk terminals' own rules
//! (`kiosk_store::hash_pin`, `pin_matches`: 4–12 digits, Persian digits read as ASCII). Failures
//! are counted on the staff row under a row lock, so five wrong PINs spread over several desks
//! and server instances lock the account for fifteen minutes as five at one desk do
//! (`kiosk_store::PinPolicy::default`). An unknown employee code gets the same answer as a
//! wrong PIN, so the answer does not tell which codes exist. Every attempt is audited in
//! `staff_logins`; the PIN itself is never logged or stored.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use kiosk_store::PinPolicy;
use kiosk_sync::wire::{StaffAccepted, StaffLogin};

use crate::AppState;
use crate::auth::Device;
use crate::contract::{json_body, own_kiosk};
use crate::problem::{Problem, Refused};

fn wrong_pin() -> Refused {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "wrong_pin",
        "the employee code or the PIN is wrong",
    )
    .into()
}

/// A hash no PIN matches, checked for unknown codes so that they take as long as known ones
/// (the time of an answer does not tell which codes exist either).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        kiosk_store::hash_pin("000000000000", &PinPolicy::default()).unwrap_or_default()
    })
}

/// Whether `pin` matches `hash`, off the async workers (argon2 is deliberately slow).
async fn check_pin(pin: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || kiosk_store::pin_matches(&pin, &hash))
        .await
        .unwrap_or(false)
}

/// Records one attempt for the audit.
async fn audit(
    tx: &tokio_postgres::Transaction<'_>,
    employee: &str,
    kiosk: u32,
    outcome: &str,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO staff_logins (employee_code, kiosk_number, outcome) VALUES ($1, $2, $3)",
        &[
            &employee,
            &i32::try_from(kiosk).unwrap_or_default(),
            &outcome,
        ],
    )
    .await
    .map(|_| ())
}

/// `POST /v1/kiosks/{kiosk}/staff-logins`.
pub async fn login(
    State(state): State<Arc<AppState>>,
    device: Device,
    Path(kiosk): Path<String>,
    body: Bytes,
) -> Result<Json<StaffAccepted>, Refused> {
    let kiosk = own_kiosk(device, &kiosk)?;
    let asked: StaffLogin = json_body(&body)?;
    let employee = asked.employee_code.trim().to_owned();
    let policy = PinPolicy::default();
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT display_name, pin_hash, failures, locked_until FROM staff \
             WHERE employee_code = $1 AND active FOR UPDATE",
            &[&employee],
        )
        .await?;
    let Some(row) = row else {
        check_pin(asked.pin.clone(), decoy_hash().to_owned()).await;
        audit(&tx, &employee, kiosk, "unknown").await?;
        tx.commit().await?;
        return Err(wrong_pin());
    };
    let now = Utc::now();
    let locked_until: Option<chrono::DateTime<Utc>> = row.get(3);
    if let Some(until) = locked_until.filter(|u| *u > now) {
        audit(&tx, &employee, kiosk, "locked").await?;
        tx.commit().await?;
        let wait = u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
        return Err(Problem::new(
            StatusCode::LOCKED,
            "locked",
            "too many wrong PINs: this account is locked for a while at every desk",
        )
        .with_retry_after(wait)
        .into());
    }
    let hash: String = row.get(1);
    if check_pin(asked.pin.clone(), hash).await {
        tx.execute(
            "UPDATE staff SET failures = 0, locked_until = NULL WHERE employee_code = $1",
            &[&employee],
        )
        .await?;
        audit(&tx, &employee, kiosk, "ok").await?;
        tx.commit().await?;
        tracing::info!(kiosk, "staff member logged in");
        return Ok(Json(StaffAccepted {
            employee_code: employee,
            display_name: row.get(0),
        }));
    }
    let failures: i32 = row.get::<_, i32>(2) + 1;
    let max = i32::try_from(policy.max_failures).unwrap_or(5);
    let (failures, locked) = if failures >= max {
        (0, Some(now + policy.lockout))
    } else {
        (failures, None)
    };
    tx.execute(
        "UPDATE staff SET failures = $2, locked_until = $3 WHERE employee_code = $1",
        &[&employee, &failures, &locked],
    )
    .await?;
    audit(&tx, &employee, kiosk, "wrong_pin").await?;
    tx.commit().await?;
    if locked.is_some() {
        tracing::warn!(kiosk, "a staff account was locked after wrong PINs");
    }
    Err(wrong_pin())
}

/// Adds or replaces the account `employee_code` with `pin` (hashed here; the PIN is not kept).
pub async fn add(
    pool: &deadpool_postgres::Pool,
    employee_code: &str,
    display_name: &str,
    pin: &str,
) -> anyhow::Result<()> {
    let hash = kiosk_store::hash_pin(pin, &PinPolicy::default())
        .map_err(|e| anyhow::anyhow!("the PIN is not usable: {e}"))?;
    pool.get()
        .await?
        .execute(
            "INSERT INTO staff (employee_code, display_name, pin_hash) VALUES ($1, $2, $3) \
             ON CONFLICT (employee_code) DO UPDATE SET display_name = $2, pin_hash = $3, \
                 active = true, failures = 0, locked_until = NULL, updated_at = now()",
            &[&employee_code.trim(), &display_name.trim(), &hash],
        )
        .await?;
    Ok(())
}
