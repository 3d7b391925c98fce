//! Visit claims from the desk terminals: the employee who served a visit, kept for the whole
//! office (server/migrations/0005_visit_claims.sql), so `rating_attribution` counts a rating
//! given at any device for that employee.
//!
//! One employee per visit, as on a desk terminal (firmware/store/src/claims.rs): the same
//! employee again, from this desk or another, is answered 200 and changes nothing; another
//! employee is 409 with who claimed it first. Claims are not relayed to SAMAD.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::case;
use crate::contract::Judged;
use crate::problem::Refused;

/// The claim's columns, or why it is not acceptable from kiosk `kiosk` as item `item_id`.
fn check(
    item_id: Uuid,
    kiosk: u32,
    body: &Value,
) -> Result<(String, String, DateTime<Utc>), String> {
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    if !body.is_object() {
        return Err("payload must be a JSON object".into());
    }
    if body.get("payload_version").and_then(Value::as_u64) != Some(1) {
        return Err("payload_version must be 1".into());
    }
    if text("client_uuid").and_then(|s| Uuid::parse_str(s).ok()) != Some(item_id) {
        return Err("client_uuid must equal item_id".into());
    }
    if body.get("kiosk_number").and_then(Value::as_u64) != Some(u64::from(kiosk)) {
        return Err(format!(
            "kiosk_number must be the device's own kiosk number ({kiosk})"
        ));
    }
    let tracking = text("tracking_code")
        .filter(|t| case::valid_tracking_code(t))
        .ok_or("tracking_code must be 16 digits with a valid check digit")?;
    let employee = text("employee_code")
        .map(str::trim)
        .filter(|e| (1..=64).contains(&e.chars().count()) && !e.chars().any(char::is_control))
        .ok_or("employee_code must be 1 to 64 characters")?;
    let at = text("claimed_at")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .ok_or("claimed_at must be an RFC 3339 date-time")?
        .with_timezone(&Utc);
    Ok((tracking.to_owned(), employee.to_owned(), at))
}

/// Holds the visit `tracking_code` until the end of the transaction `tx`: a claim and a rating
/// of one visit are judged one after the other, so a rating stored while its visit is claimed
/// is either named for the claim's employee at insert (crate::contract::store_item) or updated
/// by the claim (below), never missed by both.
pub async fn lock_visit(
    tx: &tokio_postgres::Transaction<'_>,
    tracking_code: &str,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('visit:' || $1::text))",
        &[&tracking_code],
    )
    .await
    .map(|_| ())
}

/// Stores a claim, or says why not.
pub async fn store(
    client: &mut deadpool_postgres::Client,
    kiosk: u32,
    item_id: Uuid,
    payload: &Value,
) -> Result<Judged, Refused> {
    let (tracking, employee, at) = match check(item_id, kiosk, payload) {
        Ok(c) => c,
        Err(reason) => return Ok(Judged::Refused(422, reason)),
    };
    let kiosk_i32 = i32::try_from(kiosk).unwrap_or_default();
    let tx = client.transaction().await?;
    lock_visit(&tx, &tracking).await?;
    let inserted = tx
        .execute(
            "INSERT INTO visit_claims (tracking_code, employee_code, kiosk_number, item_id, claimed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&tracking, &employee, &kiosk_i32, &item_id, &at],
        )
        .await?;
    if inserted == 1 {
        // Ratings of this visit never sent yet, whose code named nobody, now name the
        // employee. One that was ever sent keeps its body: SAMAD may hold it already, and the
        // same key with another body would be refused (it stays as SAMAD has it).
        let attributed = tx
            .execute(
                "UPDATE upstream_outbox SET payload = payload || \
                     jsonb_build_object('employee_code', $2::text, 'attribution', 'claim') \
                 WHERE item_type = 'rating' AND state = 'pending' \
                   AND attempts = 0 AND leased_until IS NULL \
                   AND payload ->> 'tracking_code' = $1 \
                   AND nullif(payload ->> 'employee_code', '') IS NULL",
                &[&tracking, &employee],
            )
            .await?;
        tx.commit().await?;
        tracing::info!(kiosk, attributed, "visit claimed");
        return Ok(Judged::Created);
    }
    let first = tx
        .query_opt(
            "SELECT employee_code, kiosk_number FROM visit_claims WHERE tracking_code = $1",
            &[&tracking],
        )
        .await?;
    Ok(match first {
        Some(row) if row.get::<_, String>(0) == employee => Judged::Again,
        Some(row) => Judged::Refused(
            409,
            format!(
                "visit {tracking} was claimed first by employee {} at desk {}",
                row.get::<_, String>(0),
                row.get::<_, i32>(1)
            ),
        ),
        // The item id was this desk's for another visit.
        None => Judged::Refused(
            409,
            format!("item_id {item_id} was sent by this kiosk before with another body"),
        ),
    })
}

/// An employee's ratings in a period: how many, and their mean score.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeScore {
    /// The employee.
    pub employee_code: String,
    /// Ratings counted for them.
    pub ratings: i64,
    /// Their mean (1–5).
    pub mean: f64,
}

/// Satisfaction per employee over ratings given in `[from, to)`, at any device of the office.
pub async fn scores(
    pool: &deadpool_postgres::Pool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<Vec<EmployeeScore>> {
    let rows = pool
        .get()
        .await?
        .query(
            "SELECT employee_code, count(*), avg(score)::float8 FROM rating_attribution \
             WHERE employee_code IS NOT NULL AND rated_at >= $1 AND rated_at < $2 \
             GROUP BY employee_code ORDER BY employee_code",
            &[&from, &to],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| EmployeeScore {
            employee_code: r.get(0),
            ratings: r.get(1),
            mean: r.get(2),
        })
        .collect())
}
