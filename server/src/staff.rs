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
//!
//! An account may belong to an office (migration 0017): it then logs in at that office's desks
//! only (a desk elsewhere hears the same answer as for an unknown code), and the console's
//! managers of that office (or its county, province, the agency) list, add, disable and
//! re-enable it and reset its PIN ([`list`], [`create`], [`change`]), each change audited. An
//! account without an office (`agency-server staff-add` without `--office`, or made before)
//! is valid at every desk, as before, and managed by the agency's accounts only.

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
             WHERE employee_code = $1 AND active \
               AND (office IS NULL OR office = \
                    (SELECT office FROM office_kiosks WHERE kiosk_number = $2)) \
             FOR UPDATE",
            &[&employee, &i32::try_from(kiosk).unwrap_or_default()],
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

/// Adds or replaces the account `employee_code` with `pin` (hashed here; the PIN is not kept),
/// valid at every desk (no office); audited as the command line.
pub async fn add(
    pool: &deadpool_postgres::Pool,
    employee_code: &str,
    display_name: &str,
    pin: &str,
) -> anyhow::Result<()> {
    add_in(
        pool,
        crate::auth::CLI_ACTOR,
        employee_code,
        display_name,
        pin,
        None,
    )
    .await
}

/// Adds or replaces the account `employee_code` with `pin`, serving in `office` (its desks
/// only) or, with `None`, at every desk; audited as `actor`.
pub async fn add_in(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    employee_code: &str,
    display_name: &str,
    pin: &str,
    office: Option<&str>,
) -> anyhow::Result<()> {
    let hash = hash(pin)
        .await
        .map_err(|_| anyhow::anyhow!("the PIN is not usable: 4 to 12 digits are required"))?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO staff (employee_code, display_name, pin_hash, office) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (employee_code) DO UPDATE SET display_name = $2, pin_hash = $3, \
             office = $4, active = true, failures = 0, locked_until = NULL, updated_at = now()",
        &[&employee_code.trim(), &display_name.trim(), &hash, &office],
    )
    .await?;
    crate::console::accounts::audit(
        &tx,
        actor,
        "staff.add",
        serde_json::json!({ "employee_code": employee_code.trim(), "office": office }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The argon2id hash of `pin` by the desks' rules, off the async workers; `Err` when the PIN
/// is not 4 to 12 digits.
async fn hash(pin: &str) -> Result<String, ()> {
    let pin = pin.to_owned();
    tokio::task::spawn_blocking(move || kiosk_store::hash_pin(&pin, &PinPolicy::default()))
        .await
        .map_err(|_| ())?
        .map_err(|_| ())
}

/// A staff account as the console lists it (never its PIN hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The employee's code.
    pub employee_code: String,
    /// Their name.
    pub display_name: String,
    /// The office whose desks they log in at (`None`: every desk).
    pub office: Option<String>,
    /// Whether they may log in.
    pub active: bool,
    /// Locked by wrong PINs until then.
    pub locked_until: Option<chrono::DateTime<Utc>>,
}

/// A SQL condition that holds when the staff row's `office` is in the scope given as `$1`
/// (level) and `$2` (name): an account with no office is the agency's only.
pub fn scope_filter() -> &'static str {
    "($1::text = 'agency' OR office IN (
        SELECT o.name FROM offices o JOIN counties c ON c.name = o.county
        WHERE CASE $1::text WHEN 'office' THEN o.name = $2::text
                            WHEN 'county' THEN c.name = $2::text
                            WHEN 'province' THEN c.province = $2::text
                            ELSE false END))"
}

/// The staff accounts in the scope `level`/`place` (as [`scope_filter`]), by office and code.
pub async fn list(
    pool: &deadpool_postgres::Pool,
    level: &str,
    place: &str,
) -> anyhow::Result<Vec<Member>> {
    let rows = pool
        .get()
        .await?
        .query(
            &format!(
                "SELECT employee_code, display_name, office, active, locked_until FROM staff \
                 WHERE {} ORDER BY office NULLS FIRST, employee_code",
                scope_filter()
            ),
            &[&level, &place],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Member {
            employee_code: r.get(0),
            display_name: r.get(1),
            office: r.get(2),
            active: r.get(3),
            locked_until: r
                .get::<_, Option<chrono::DateTime<Utc>>>(4)
                .filter(|u| *u > Utc::now()),
        })
        .collect())
}

/// Why the console did not change a staff account.
#[derive(Debug, thiserror::Error)]
pub enum StaffRefusal {
    /// A PIN that is not 4 to 12 digits.
    #[error("a PIN is 4 to 12 digits")]
    BadPin,
    /// An employee code that is empty, too long or has hidden characters.
    #[error("an employee code has 1 to 64 characters")]
    BadCode,
    /// A name that is empty, too long or has hidden characters.
    #[error("a name has 1 to 100 characters")]
    BadName,
    /// The code has an account already.
    #[error("that employee code has an account")]
    Exists,
    /// No such account (or office) in the scope.
    #[error("not in the scope")]
    NotHere,
    /// The database failed.
    #[error("{0}")]
    Failed(#[from] anyhow::Error),
}

impl From<tokio_postgres::Error> for StaffRefusal {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for StaffRefusal {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Failed(e.into())
    }
}

fn one_line(text: &str, max: usize) -> bool {
    let t = text.trim();
    !t.is_empty() && t.chars().count() <= max && kiosk_core::text::check_text("", t).is_ok()
}

/// A new account `employee_code` in `office` (which the caller checked is in its scope) with
/// `pin`; refused when the code has one already (anywhere). Audited as `actor`.
pub async fn create(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    employee_code: &str,
    display_name: &str,
    office: &str,
    pin: &str,
) -> Result<(), StaffRefusal> {
    if !one_line(employee_code, 64) {
        return Err(StaffRefusal::BadCode);
    }
    if !one_line(display_name, 100) {
        return Err(StaffRefusal::BadName);
    }
    let hash = hash(pin).await.map_err(|()| StaffRefusal::BadPin)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let added = tx
        .execute(
            "INSERT INTO staff (employee_code, display_name, pin_hash, office) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (employee_code) DO NOTHING",
            &[&employee_code.trim(), &display_name.trim(), &hash, &office],
        )
        .await?;
    if added == 0 {
        return Err(StaffRefusal::Exists);
    }
    crate::console::accounts::audit(
        &tx,
        actor,
        "staff.add",
        serde_json::json!({ "employee_code": employee_code.trim(), "office": office }),
    )
    .await
    .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    Ok(())
}

/// What [`change`] does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It may no longer log in (at any desk).
    Disable,
    /// It may log in again.
    Enable,
    /// Its PIN is this one now (its failures and lockout cleared); `generated` says whether
    /// the console made it (for the audit: the PIN itself is never written).
    ResetPin {
        /// The new PIN.
        pin: String,
        /// Made by the console, not typed by the manager.
        generated: bool,
    },
}

/// Applies `what` to the account `employee_code` if it is in the scope `level`/`place`;
/// audited as `actor`. [`StaffRefusal::NotHere`] for an account outside it or unknown.
pub async fn change(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    level: &str,
    place: &str,
    employee_code: &str,
    what: &Change,
) -> Result<(), StaffRefusal> {
    let hash = match what {
        Change::ResetPin { pin, .. } => Some(hash(pin).await.map_err(|()| StaffRefusal::BadPin)?),
        _ => None,
    };
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            &format!(
                "SELECT office FROM staff WHERE employee_code = $3 AND {} FOR UPDATE",
                scope_filter()
            ),
            &[&level, &place, &employee_code],
        )
        .await?
    else {
        return Err(StaffRefusal::NotHere);
    };
    let office: Option<String> = row.get(0);
    let (action, detail) = match what {
        Change::Disable | Change::Enable => {
            let active = *what == Change::Enable;
            tx.execute(
                "UPDATE staff SET active = $2, updated_at = now() WHERE employee_code = $1",
                &[&employee_code, &active],
            )
            .await?;
            (
                if active {
                    "staff.enable"
                } else {
                    "staff.disable"
                },
                serde_json::json!({ "employee_code": employee_code, "office": office }),
            )
        }
        Change::ResetPin { generated, .. } => {
            tx.execute(
                "UPDATE staff SET pin_hash = $2, failures = 0, locked_until = NULL, \
                 updated_at = now() WHERE employee_code = $1",
                &[&employee_code, &hash],
            )
            .await?;
            (
                "staff.reset_pin",
                serde_json::json!({
                    "employee_code": employee_code, "office": office, "generated": generated,
                }),
            )
        }
    };
    crate::console::accounts::audit(&tx, actor, action, detail)
        .await
        .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    Ok(())
}

/// A new PIN of six random digits (shown once by the console, then only its hash is kept).
pub fn generate_pin() -> String {
    use rand::Rng as _;
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}
