//! Print jobs: receipts, reprints, guidance slips and service slips.
//!
//! A job is a row, so a receipt owed to a visitor survives a printer jam or a restart: the
//! registration queues the receipt in its own transaction, the printer task moves the job
//! through its states, and the health screen lists what is still owed. Transitions are checked
//! against a fixed table so a job cannot, say, be printed twice by going back from `printed`.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};

use kiosk_core::TrackingCode;

use crate::Store;
use crate::cases::case_id;
use crate::error::{CaseRef, SqlContext, StoreError};
use crate::text_enum::text_enum;
use crate::time::{from_millis, to_millis};
use crate::validate;

/// Longest printer status note kept with a job.
pub const MAX_STATUS_CHARS: usize = 500;

text_enum! {
    /// What is printed.
    pub enum ReceiptVariant {
        /// The receipt of a newly registered case.
        Receipt = "receipt",
        /// A receipt printed again on request.
        Reprint = "reprint",
        /// A guidance slip for a subject outside the agency's scope (no case).
        Guidance = "guidance",
        /// The slip of a service given at the desk.
        ServiceSlip = "service_slip",
    }
}

text_enum! {
    /// Where a print job stands.
    pub enum ReceiptState {
        /// Waiting for the printer.
        Queued = "queued",
        /// Sent to the printer, not yet confirmed.
        Printing = "printing",
        /// The printer confirmed it.
        Printed = "printed",
        /// The printer failed (paper out, offline, jam); may be queued again.
        Failed = "failed",
    }
}

impl ReceiptState {
    /// Whether a job may go from `self` to `to`. `printing → queued` is for a restart that
    /// finds a job it cannot know was printed; `printed` is final.
    pub fn can_become(self, to: ReceiptState) -> bool {
        use ReceiptState::{Failed, Printed, Printing, Queued};
        matches!(
            (self, to),
            (Queued, Printing | Failed) | (Printing, Printed | Failed | Queued) | (Failed, Queued)
        )
    }
}

impl ReceiptVariant {
    /// Whether a job of this variant must belong to a case.
    pub fn needs_case(self) -> bool {
        matches!(self, Self::Receipt | Self::Reprint)
    }
}

/// A print job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptJob {
    /// Row id.
    pub id: i64,
    /// The case printed, if any.
    pub case_id: Option<i64>,
    /// The case's tracking code, if any.
    pub tracking_code: Option<TrackingCode>,
    /// What is printed.
    pub variant: ReceiptVariant,
    /// Where it stands.
    pub state: ReceiptState,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    pub updated_at: DateTime<Utc>,
    /// The printer's last status note.
    pub last_status: Option<String>,
}

const JOB_SELECT: &str = "SELECT r.id, r.case_id, c.tracking_code, r.variant, r.state,
         r.created_at, r.updated_at, r.last_status
     FROM receipts r LEFT JOIN cases c ON c.id = r.case_id";

/// A `receipts` row (with its case's tracking code) as SQLite gives it.
struct RawJob {
    id: i64,
    case_id: Option<i64>,
    tracking_code: Option<String>,
    variant: ReceiptVariant,
    state: ReceiptState,
    created_at: i64,
    updated_at: i64,
    last_status: Option<String>,
}

impl RawJob {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            case_id: row.get(1)?,
            tracking_code: row.get(2)?,
            variant: row.get(3)?,
            state: row.get(4)?,
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
            last_status: row.get(7)?,
        })
    }

    fn into_job(self, path: &Path) -> Result<ReceiptJob, StoreError> {
        let tracking_code = self
            .tracking_code
            .map(|c| {
                TrackingCode::parse(&c).map_err(|_| StoreError::BadValue {
                    path: path.to_owned(),
                    column: "cases.tracking_code",
                    value: c.clone(),
                })
            })
            .transpose()?;
        Ok(ReceiptJob {
            id: self.id,
            case_id: self.case_id,
            tracking_code,
            variant: self.variant,
            state: self.state,
            created_at: from_millis(path, "receipts.created_at", self.created_at)?,
            updated_at: from_millis(path, "receipts.updated_at", self.updated_at)?,
            last_status: self.last_status,
        })
    }
}

impl Store {
    /// Queues a print job (a reprint, a guidance slip, a service slip; the first receipt of a
    /// case is queued by the registration). Returns the job id.
    pub fn queue_receipt(
        &mut self,
        case: Option<CaseRef>,
        variant: ReceiptVariant,
    ) -> Result<i64, StoreError> {
        let path = &self.path;
        if case.is_none() && variant.needs_case() {
            return Err(StoreError::Invalid {
                path: path.clone(),
                field: "receipt case",
                reason: format!("a {variant} job must belong to a case"),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin queueing a print job")?;
        let case_id = case.map(|c| case_id(&tx, path, c)).transpose()?;
        let now = to_millis(Utc::now());
        tx.execute(
            "INSERT INTO receipts (case_id, variant, state, created_at, updated_at)
             VALUES (?1, ?2, 'queued', ?3, ?3)",
            params![case_id, variant, now],
        )
        .ctx(path, "queue a print job")?;
        let id = tx.last_insert_rowid();
        tx.commit().ctx(path, "commit the print job")?;
        Ok(id)
    }

    /// Moves a print job to `state`, keeping the printer's `status_note` (replacing the last
    /// one when given). Refuses transitions [`ReceiptState::can_become`] does not allow.
    pub fn set_receipt_state(
        &mut self,
        id: i64,
        state: ReceiptState,
        status_note: Option<&str>,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        if let Some(note) = status_note {
            validate::at_most(path, "printer status note", note, MAX_STATUS_CHARS)?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(path, "begin a print job update")?;
        let current: Option<ReceiptState> = tx
            .query_row("SELECT state FROM receipts WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()
            .ctx(path, "read a print job")?;
        let current = current.ok_or_else(|| StoreError::ReceiptNotFound {
            path: path.clone(),
            id,
        })?;
        if !current.can_become(state) {
            return Err(StoreError::ReceiptTransition {
                path: path.clone(),
                id,
                from: current,
                to: state,
            });
        }
        tx.execute(
            "UPDATE receipts SET state = ?1, updated_at = ?2,
                 last_status = coalesce(?3, last_status)
             WHERE id = ?4",
            params![state, to_millis(Utc::now()), status_note, id],
        )
        .ctx(path, "update a print job")?;
        tx.commit().ctx(path, "commit the print job update")?;
        tracing::info!(job = id, from = %current, to = %state, "print job moved");
        Ok(())
    }

    /// A print job by id.
    pub fn receipt(&self, id: i64) -> Result<Option<ReceiptJob>, StoreError> {
        let raw = self
            .conn
            .query_row(
                &format!("{JOB_SELECT} WHERE r.id = ?1"),
                [id],
                RawJob::from_row,
            )
            .optional()
            .ctx(&self.path, "read a print job")?;
        raw.map(|raw| raw.into_job(&self.path)).transpose()
    }

    /// Jobs still owed to a visitor — `queued`, and `printing` ones a restart interrupted —
    /// oldest first.
    pub fn pending_receipts(&self) -> Result<Vec<ReceiptJob>, StoreError> {
        let path = &self.path;
        let action = "list pending print jobs";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "{JOB_SELECT} WHERE r.state IN ('queued', 'printing') ORDER BY r.id"
            ))
            .ctx(path, action)?;
        let rows = stmt.query_map([], RawJob::from_row).ctx(path, action)?;
        let mut jobs = Vec::new();
        for row in rows {
            jobs.push(row.ctx(path, action)?.into_job(path)?);
        }
        Ok(jobs)
    }

    /// Receipts this device owes: cases whose receipt (or a reprint of it) did not print — the
    /// printer failed, or the visitor left before it could print — failing at or after
    /// `since`, and of which nothing has printed since; newest first, at most `limit`. The heartbeat
    /// reports them so the office's desks can print a copy (firmware/sync's relay).
    pub fn owed_receipts(
        &self,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<TrackingCode>, StoreError> {
        let path = &self.path;
        let action = "list owed receipts";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.tracking_code, max(r.updated_at) AS failed_at
                 FROM receipts r JOIN cases c ON c.id = r.case_id
                 WHERE r.variant IN ('receipt', 'reprint') AND r.state = 'failed'
                   AND r.updated_at >= ?1
                   AND NOT EXISTS (SELECT 1 FROM receipts p
                                   WHERE p.case_id = r.case_id AND p.state = 'printed'
                                     AND p.variant IN ('receipt', 'reprint')
                                     AND p.id > r.id)
                 GROUP BY c.tracking_code
                 ORDER BY failed_at DESC, c.tracking_code
                 LIMIT ?2",
            )
            .ctx(path, action)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![to_millis(since), limit], |row| {
                row.get::<_, String>(0)
            })
            .ctx(path, action)?;
        let mut codes = Vec::new();
        for row in rows {
            let text = row.ctx(path, action)?;
            codes.push(
                TrackingCode::parse(&text).map_err(|_| StoreError::BadValue {
                    path: path.clone(),
                    column: "cases.tracking_code",
                    value: text.clone(),
                })?,
            );
        }
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReceiptState::{Failed, Printed, Printing, Queued};

    #[test]
    fn printed_is_final_and_a_failed_job_can_be_retried() {
        for to in ReceiptState::ALL {
            assert!(!Printed.can_become(*to), "printed -> {to}");
        }
        assert!(Queued.can_become(Printing));
        assert!(Printing.can_become(Printed));
        assert!(Failed.can_become(Queued));
        assert!(
            !Queued.can_become(Printed),
            "a job must be sent before it is printed"
        );
        assert!(!Failed.can_become(Printed));
        assert!(!Queued.can_become(Queued));
    }
}
