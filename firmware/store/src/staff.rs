//! Staff members who log in at the service-desk terminal.
//!
//! The store keeps the PIN hash it is given; hashing and verifying PINs, counting failed
//! attempts and locking out belong to the staff-login issue, which will use the
//! `failed_attempts` and `locked_until` columns already here.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, ffi, params};

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::time::from_millis;
use crate::validate;

/// Longest employee code.
pub const MAX_EMPLOYEE_CODE_CHARS: usize = 64;
/// Longest display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// A staff member to add.
#[derive(Clone, PartialEq, Eq)]
pub struct NewStaff {
    /// The code the national organisation issued (opaque).
    pub employee_code: String,
    /// The name shown on the terminal.
    pub display_name: String,
    /// The PIN hash, in whatever encoding the login code uses.
    pub pin_hash: String,
    /// Whether the member may log in.
    pub active: bool,
}

/// A stored staff member.
#[derive(Clone, PartialEq, Eq)]
pub struct StaffRecord {
    /// Row id.
    pub id: i64,
    /// The employee code.
    pub employee_code: String,
    /// The name shown.
    pub display_name: String,
    /// The PIN hash.
    pub pin_hash: String,
    /// Consecutive failed logins.
    pub failed_attempts: u32,
    /// Locked out until then.
    pub locked_until: Option<DateTime<Utc>>,
    /// Whether the member may log in.
    pub active: bool,
}

impl fmt::Debug for NewStaff {
    /// The PIN hash is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewStaff")
            .field("employee_code", &self.employee_code)
            .field("display_name", &self.display_name)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for StaffRecord {
    /// The PIN hash is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaffRecord")
            .field("id", &self.id)
            .field("employee_code", &self.employee_code)
            .field("display_name", &self.display_name)
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Adds a staff member. Returns the row id.
    pub fn insert_staff(&mut self, staff: NewStaff) -> Result<i64, StoreError> {
        let path = &self.path;
        validate::single_line(
            path,
            "employee_code",
            &staff.employee_code,
            MAX_EMPLOYEE_CODE_CHARS,
        )?;
        validate::single_line(
            path,
            "display_name",
            &staff.display_name,
            MAX_DISPLAY_NAME_CHARS,
        )?;
        validate::single_line(path, "pin_hash", &staff.pin_hash, usize::MAX)?;
        let inserted = self.conn.execute(
            "INSERT INTO staff (employee_code, display_name, pin_hash, active) VALUES (?1, ?2, ?3, ?4)",
            params![staff.employee_code, staff.display_name, staff.pin_hash, staff.active],
        );
        match inserted {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                Err(StoreError::DuplicateEmployeeCode {
                    path: path.clone(),
                    employee_code: staff.employee_code,
                })
            }
            Err(e) => Err(e).ctx(path, "add a staff member"),
        }
    }

    /// The staff member with this employee code.
    pub fn staff_by_employee_code(&self, code: &str) -> Result<Option<StaffRecord>, StoreError> {
        let path = &self.path;
        let row = self
            .conn
            .query_row(
                "SELECT id, employee_code, display_name, pin_hash, failed_attempts, locked_until,
                        active
                 FROM staff WHERE employee_code = ?1",
                [code],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, Option<i64>>(5)?,
                        row.get::<_, bool>(6)?,
                    ))
                },
            )
            .optional()
            .ctx(path, "read a staff member")?;
        let Some((id, employee_code, display_name, pin_hash, failed, locked_until, active)) = row
        else {
            return Ok(None);
        };
        Ok(Some(StaffRecord {
            id,
            employee_code,
            display_name,
            pin_hash,
            failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
            locked_until: locked_until
                .map(|ms| from_millis(path, "staff.locked_until", ms))
                .transpose()?,
            active,
        }))
    }
}
