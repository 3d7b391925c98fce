//! Staff calls: a visitor pressed «call staff» at the kiosk. A call is open from when it was
//! raised until a member of staff acknowledges it (their card scanned at the kiosk, or, once
//! the office server exists, at a desk terminal). The kiosk keeps them here so that the call
//! survives a restart, the status LED keeps blinking until someone came, and the sync layer can
//! hand the open calls on to the office's desk terminals ([`Store::open_staff_calls`]).

use chrono::{DateTime, Utc};
use kiosk_core::KioskNumber;
use rusqlite::params;

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::time::{from_millis, to_millis};
use crate::validate;

/// Longest name of whoever acknowledged a call (an employee code).
pub const MAX_ACKNOWLEDGER_CHARS: usize = 64;

/// A call not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffCall {
    /// Row id.
    pub id: i64,
    /// The kiosk it was raised at.
    pub kiosk: KioskNumber,
    /// When.
    pub raised_at: DateTime<Utc>,
}

impl Store {
    /// Records a call raised at `kiosk` at `at`; returns its id.
    pub fn raise_staff_call(
        &mut self,
        kiosk: KioskNumber,
        at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO staff_calls (kiosk, raised_at) VALUES (?1, ?2)",
                params![kiosk.get(), to_millis(at)],
            )
            .ctx(&self.path, "record a staff call")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Acknowledges every open call (staff came to the kiosk): `by` names who, `at` when.
    /// Returns how many calls were open.
    pub fn acknowledge_staff_calls(
        &mut self,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        validate::single_line(&self.path, "acknowledged by", by, MAX_ACKNOWLEDGER_CHARS)?;
        self.conn
            .execute(
                "UPDATE staff_calls SET acknowledged_at = max(?1, raised_at), acknowledged_by = ?2
                 WHERE acknowledged_at IS NULL",
                params![to_millis(at), by],
            )
            .ctx(&self.path, "acknowledge staff calls")
    }

    /// The calls not yet acknowledged, oldest first.
    pub fn open_staff_calls(&self) -> Result<Vec<StaffCall>, StoreError> {
        let path = &self.path;
        let action = "list open staff calls";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, kiosk, raised_at FROM staff_calls
                 WHERE acknowledged_at IS NULL ORDER BY raised_at, id",
            )
            .ctx(path, action)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .ctx(path, action)?;
        let mut calls = Vec::new();
        for row in rows {
            let (id, kiosk, raised_at) = row.ctx(path, action)?;
            let kiosk = u32::try_from(kiosk)
                .ok()
                .and_then(|k| KioskNumber::new(k).ok())
                .ok_or_else(|| StoreError::Invalid {
                    path: path.clone(),
                    field: "staff_calls.kiosk",
                    reason: format!("{kiosk} is not a kiosk number"),
                })?;
            calls.push(StaffCall {
                id,
                kiosk,
                raised_at: from_millis(path, "staff_calls.raised_at", raised_at)?,
            });
        }
        Ok(calls)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::OpenOptions;

    #[test]
    fn a_call_stays_open_across_a_restart_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kiosk.db");
        let kiosk = KioskNumber::new(12).unwrap();
        let t0: DateTime<Utc> = "2026-12-07T08:00:00Z".parse().unwrap();
        {
            let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
            store.raise_staff_call(kiosk, t0).unwrap();
            store
                .raise_staff_call(kiosk, t0 + chrono::Duration::seconds(40))
                .unwrap();
        }
        let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
        let open = store.open_staff_calls().unwrap();
        assert_eq!(open.len(), 2);
        assert_eq!((open[0].kiosk, open[0].raised_at), (kiosk, t0));
        assert!(
            store.acknowledge_staff_calls("", t0).is_err(),
            "who came is named"
        );
        let acknowledged = store
            .acknowledge_staff_calls("E-1007", t0 + chrono::Duration::minutes(2))
            .unwrap();
        assert_eq!(acknowledged, 2);
        assert!(store.open_staff_calls().unwrap().is_empty());
        assert_eq!(store.acknowledge_staff_calls("E-1007", t0).unwrap(), 0);
    }
}
