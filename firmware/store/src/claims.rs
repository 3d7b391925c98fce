//! Visit claims ("served by"): the employee at the desk scans a visitor's receipt or satisfaction
//! code, which binds that employee to the visit so the visitor's rating counts for them.
//!
//! One claim per visit: the same employee claiming again gets the claim back (a second scan is
//! harmless), another employee is refused with the name of the first. The visit may have been
//! registered at another kiosk of the fleet, so the tracking code is not tied to a local case.
//! A new claim is also an outbox item of kind `claim`, for the agency server: there the claim
//! of a visit is the office's, so a rating given at any of its devices counts for the employee
//! who served it (SAMAD learns the employee through the service and rating items instead, and
//! never receives claims: the relay settles them without sending when it talks to SAMAD).

use chrono::{DateTime, Utc};
use kiosk_core::{KioskNumber, TrackingCode};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::desk_error::DeskError;
use crate::error::{SqlContext, StoreError};
use crate::time::{from_millis, stored_precision, to_millis};

/// A claimed visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitClaim {
    /// The visit.
    pub tracking_code: TrackingCode,
    /// The staff row of the employee.
    pub staff_id: i64,
    /// The employee's code.
    pub employee_code: String,
    /// When it was claimed.
    pub claimed_at: DateTime<Utc>,
    /// True when this employee had claimed it before and nothing was written now.
    pub already_claimed: bool,
}

/// Reads the claim of a visit inside any connection or transaction.
pub(crate) fn claim_of(
    conn: &rusqlite::Connection,
    path: &std::path::Path,
    tracking_code: &TrackingCode,
) -> Result<Option<VisitClaim>, StoreError> {
    let row: Option<(i64, String, i64)> = conn
        .query_row(
            "SELECT staff_id, employee_code, claimed_at FROM visit_claims
             WHERE tracking_code = ?1",
            [tracking_code.as_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .ctx(path, "read a visit claim")?;
    row.map(|(staff_id, employee_code, at)| {
        Ok(VisitClaim {
            tracking_code: *tracking_code,
            staff_id,
            employee_code,
            claimed_at: from_millis(path, "visit_claims.claimed_at", at)?,
            already_claimed: true,
        })
    })
    .transpose()
}

/// The `claim` outbox item's payload.
#[derive(Serialize)]
struct ClaimPayload<'a> {
    payload_version: u32,
    client_uuid: String,
    kiosk_number: u32,
    tracking_code: String,
    employee_code: &'a str,
    claimed_at: String,
}

impl Store {
    /// Binds the staff member `staff_id` to the visit `tracking_code` at `at`, at the desk
    /// terminal `desk`; a new claim is queued for the agency server in the same transaction.
    ///
    /// Refused with [`DeskError::AlreadyClaimed`] when another employee claimed it, and
    /// [`DeskError::UnknownStaff`] for a staff row that does not exist.
    pub fn claim_visit(
        &mut self,
        tracking_code: &TrackingCode,
        staff_id: i64,
        desk: KioskNumber,
        at: DateTime<Utc>,
    ) -> Result<VisitClaim, DeskError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a visit claim")?;
        let employee_code: Option<String> = tx
            .query_row(
                "SELECT employee_code FROM staff WHERE id = ?1",
                [staff_id],
                |r| r.get(0),
            )
            .optional()
            .ctx(&path, "read a staff member")?;
        let Some(employee_code) = employee_code else {
            return Err(DeskError::UnknownStaff);
        };
        if let Some(existing) = claim_of(&tx, &path, tracking_code)? {
            if existing.staff_id == staff_id {
                return Ok(existing);
            }
            return Err(DeskError::AlreadyClaimed {
                tracking_code: *tracking_code,
                employee_code: existing.employee_code,
            });
        }
        let at = stored_precision(at);
        tx.execute(
            "INSERT INTO visit_claims (tracking_code, staff_id, employee_code, claimed_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                tracking_code.as_string(),
                staff_id,
                employee_code,
                to_millis(at)
            ],
        )
        .ctx(&path, "insert a visit claim")?;
        let item = Uuid::new_v4();
        let payload = crate::services::to_json(
            &path,
            &ClaimPayload {
                payload_version: 1,
                client_uuid: item.hyphenated().to_string(),
                kiosk_number: desk.get(),
                tracking_code: tracking_code.as_string(),
                employee_code: &employee_code,
                claimed_at: crate::services::wire_time(at),
            },
        )?;
        crate::services::insert_outbox(
            &tx,
            &path,
            item,
            crate::outbox::OutboxItemKind::Claim,
            None,
            &payload,
            at,
        )?;
        tx.commit().ctx(&path, "commit a visit claim")?;
        tracing::info!(tracking_code = %tracking_code, employee_code, "visit claimed");
        Ok(VisitClaim {
            tracking_code: *tracking_code,
            staff_id,
            employee_code,
            claimed_at: at,
            already_claimed: false,
        })
    }

    /// How many visits `staff_id` claimed between `from` (inclusive) and `to` (exclusive).
    pub fn claims_between(
        &self,
        staff_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM visit_claims
                 WHERE staff_id = ?1 AND claimed_at >= ?2 AND claimed_at < ?3",
                params![staff_id, to_millis(from), to_millis(to)],
                |r| r.get(0),
            )
            .ctx(&self.path, "count visit claims")?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The claim of a visit, if any.
    pub fn visit_claim(
        &self,
        tracking_code: &TrackingCode,
    ) -> Result<Option<VisitClaim>, StoreError> {
        claim_of(&self.conn, &self.path, tracking_code)
    }
}
