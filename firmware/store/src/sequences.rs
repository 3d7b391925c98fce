//! The per-kiosk sequence behind tracking codes.
//!
//! A tracking code is the kiosk number plus a local sequence number, unique across the fleet
//! only if a kiosk never issues a number twice. The last number used is a row of `sequences`,
//! bumped inside the registration's own transaction: a registration that rolls back gives its
//! number back, one that commits keeps it across restarts and power cuts.

use rusqlite::{Connection, OptionalExtension};

use kiosk_core::KioskNumber;
use kiosk_core::tracking_code::MAX_SEQUENCE;

use crate::Store;
use crate::error::{SqlContext, StoreError};

/// Takes the next sequence number of `kiosk` (1 for its first case). Run inside a transaction.
pub(crate) fn take_next(
    conn: &Connection,
    path: &std::path::Path,
    kiosk: KioskNumber,
) -> Result<u64, StoreError> {
    let next: i64 = conn
        .query_row(
            "INSERT INTO sequences (kiosk_number, last_sequence) VALUES (?1, 1)
             ON CONFLICT (kiosk_number) DO UPDATE SET last_sequence = last_sequence + 1
             RETURNING last_sequence",
            [kiosk.get()],
            |row| row.get(0),
        )
        .ctx(path, "take the next tracking sequence number")?;
    Ok(u64::try_from(next).unwrap_or(0))
}

impl Store {
    /// The last sequence number used by `kiosk`, if it registered anything.
    pub fn last_sequence(&self, kiosk: KioskNumber) -> Result<Option<u64>, StoreError> {
        let last: Option<i64> = self
            .conn
            .query_row(
                "SELECT last_sequence FROM sequences WHERE kiosk_number = ?1",
                [kiosk.get()],
                |row| row.get(0),
            )
            .optional()
            .ctx(&self.path, "read the tracking sequence")?;
        Ok(last.map(|n| u64::try_from(n).unwrap_or(0)))
    }

    /// Raises the last sequence number used by `kiosk` to at least `last_used`; never lowers
    /// it. For a database started empty after corruption, so tracking codes already given out
    /// (found in the moved-aside file or at SAMAD) are not issued again. Returns the new value.
    pub fn ensure_sequence_at_least(
        &mut self,
        kiosk: KioskNumber,
        last_used: u64,
    ) -> Result<u64, StoreError> {
        if last_used > MAX_SEQUENCE {
            return Err(StoreError::Invalid {
                path: self.path.clone(),
                field: "last_used",
                reason: format!("{last_used} is above the largest sequence {MAX_SEQUENCE}"),
            });
        }
        let value = i64::try_from(last_used).unwrap_or(i64::MAX);
        let now: i64 = self
            .conn
            .query_row(
                "INSERT INTO sequences (kiosk_number, last_sequence) VALUES (?1, ?2)
                 ON CONFLICT (kiosk_number)
                     DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)
                 RETURNING last_sequence",
                rusqlite::params![kiosk.get(), value],
                |row| row.get(0),
            )
            .ctx(&self.path, "raise the tracking sequence")?;
        tracing::info!(
            kiosk = kiosk.get(),
            last_sequence = now,
            "tracking sequence raised"
        );
        Ok(u64::try_from(now).unwrap_or(0))
    }
}
