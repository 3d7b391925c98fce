//! Staff members who log in at the service-desk terminal, and the login itself.
//!
//! A member logs in with the code of their staff card (scanned) and a PIN. PINs are kept only
//! as argon2id hashes in PHC form (the parameters travel inside the hash, so they can be raised
//! later without invalidating old ones). Every wrong PIN counts in `failed_attempts`; after
//! [`PinPolicy::max_failures`] of them in a row the member is locked out for
//! [`PinPolicy::lockout`], counted from the failure that locked. The time is passed in, so the
//! lockout is testable without waiting.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use rusqlite::{OptionalExtension, TransactionBehavior, ffi, params};

use crate::Store;
use crate::desk_error::DeskError;
use crate::error::{SqlContext, StoreError};
use crate::time::{from_millis, to_millis};
use crate::validate;

/// Shortest PIN.
pub const MIN_PIN_DIGITS: usize = 4;
/// Longest PIN.
pub const MAX_PIN_DIGITS: usize = 12;

/// How PINs are hashed and how wrong ones are punished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinPolicy {
    /// Wrong PINs in a row that lock the member out.
    pub max_failures: u32,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// argon2id memory cost in KiB (for new hashes).
    pub memory_kib: u32,
    /// argon2id passes (for new hashes).
    pub iterations: u32,
}

impl Default for PinPolicy {
    /// Five failures lock for fifteen minutes; argon2id with OWASP's 19 MiB, 2 passes.
    fn default() -> Self {
        Self {
            max_failures: 5,
            lockout: Duration::minutes(15),
            memory_kib: 19 * 1024,
            iterations: 2,
        }
    }
}

impl PinPolicy {
    fn hasher(&self) -> Result<Argon2<'static>, DeskError> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None)
            .map_err(|_| DeskError::BadPin("argon2 parameters out of range"))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// The PIN as ASCII digits (Persian and Arabic-Indic digits are accepted), or why not.
fn normalise_pin(pin: &str) -> Result<String, DeskError> {
    let digits = kiosk_core::digits::to_ascii_digits(pin.trim());
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DeskError::BadPin("only digits are allowed"));
    }
    if !(MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&digits.len()) {
        return Err(DeskError::BadPin("4 to 12 digits are required"));
    }
    Ok(digits)
}

/// Hashes a PIN with argon2id and a fresh random salt; returns the PHC string to store.
pub fn hash_pin(pin: &str, policy: &PinPolicy) -> Result<String, DeskError> {
    let pin = normalise_pin(pin)?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|_| DeskError::BadPin("salt encoding failed"))?;
    let hash = policy
        .hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|_| DeskError::BadPin("hashing failed"))?;
    Ok(hash.to_string())
}

/// Whether `pin` matches a stored PHC hash. An unreadable hash matches nothing.
pub fn pin_matches(pin: &str, stored: &str) -> bool {
    let Ok(pin) = normalise_pin(pin) else {
        return false;
    };
    let Ok(hash) = PasswordHash::new(stored) else {
        tracing::warn!("a stored PIN hash is not a PHC string; login refused");
        return false;
    };
    Argon2::default()
        .verify_password(pin.as_bytes(), &hash)
        .is_ok()
}

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

impl Store {
    /// Every staff member, by employee code.
    pub fn list_staff(&self) -> Result<Vec<StaffRecord>, StoreError> {
        let codes: Vec<String> = self
            .conn
            .prepare_cached("SELECT employee_code FROM staff ORDER BY employee_code")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .ctx(&self.path, "list staff")?;
        let mut staff = Vec::with_capacity(codes.len());
        for code in codes {
            if let Some(member) = self.staff_by_employee_code(&code)? {
                staff.push(member);
            }
        }
        Ok(staff)
    }

    /// The staff member with this row id.
    pub fn staff_by_id(&self, id: i64) -> Result<Option<StaffRecord>, StoreError> {
        let code: Option<String> = self
            .conn
            .query_row("SELECT employee_code FROM staff WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .ctx(&self.path, "read a staff member")?;
        match code {
            Some(code) => self.staff_by_employee_code(&code),
            None => Ok(None),
        }
    }

    /// Replaces a member's PIN hash (see [`hash_pin`]) and clears failures and lockout.
    pub fn set_staff_pin(&mut self, employee_code: &str, pin_hash: &str) -> Result<(), DeskError> {
        validate::single_line(&self.path, "pin_hash", pin_hash, usize::MAX)?;
        let n = self
            .conn
            .execute(
                "UPDATE staff SET pin_hash = ?2, failed_attempts = 0, locked_until = NULL
                 WHERE employee_code = ?1",
                params![employee_code, pin_hash],
            )
            .ctx(&self.path, "set a staff PIN")?;
        if n == 0 {
            return Err(DeskError::UnknownStaff);
        }
        Ok(())
    }

    /// Logs a member in with the code scanned from their staff card and their PIN, at `now`.
    ///
    /// Refused: [`DeskError::UnknownStaff`], [`DeskError::StaffInactive`],
    /// [`DeskError::LockedOut`] (checked before the PIN, so a locked member cannot keep
    /// guessing), [`DeskError::WrongPin`] with the attempts left, or `LockedOut` on the failure
    /// that reaches [`PinPolicy::max_failures`]. A success clears the failure count.
    pub fn staff_login(
        &mut self,
        card_code: &str,
        pin: &str,
        now: DateTime<Utc>,
        policy: &PinPolicy,
    ) -> Result<StaffRecord, DeskError> {
        let path = self.path.clone();
        let code = card_code.trim();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&path, "begin a staff login")?;
        let row: Option<(i64, String, i64, Option<i64>, bool)> = tx
            .query_row(
                "SELECT id, pin_hash, failed_attempts, locked_until, active
                 FROM staff WHERE employee_code = ?1",
                [code],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .ctx(&path, "read a staff member")?;
        let Some((id, pin_hash, failed, locked_until, active)) = row else {
            tracing::warn!("staff login with an unknown card");
            return Err(DeskError::UnknownStaff);
        };
        if !active {
            return Err(DeskError::StaffInactive {
                employee_code: code.to_owned(),
            });
        }
        if let Some(until) = locked_until {
            let until = from_millis(&path, "staff.locked_until", until)?;
            if now < until {
                return Err(DeskError::LockedOut {
                    employee_code: code.to_owned(),
                    until,
                });
            }
        }
        if pin_matches(pin, &pin_hash) {
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = ?1",
                [id],
            )
            .ctx(&path, "record a staff login")?;
            tx.commit().ctx(&path, "commit a staff login")?;
            tracing::info!(employee_code = code, "staff logged in");
            return self.staff_by_id(id)?.ok_or(DeskError::UnknownStaff);
        }
        // A lockout that has run out starts a fresh count.
        let failed = if locked_until.is_some() { 0 } else { failed };
        let failed = u32::try_from(failed).unwrap_or(u32::MAX).saturating_add(1);
        let result = if failed >= policy.max_failures {
            let until = now + policy.lockout;
            tx.execute(
                "UPDATE staff SET failed_attempts = 0, locked_until = ?2 WHERE id = ?1",
                params![id, to_millis(until)],
            )
            .ctx(&path, "lock a staff member out")?;
            tracing::warn!(employee_code = code, %until, "staff locked out after wrong PINs");
            DeskError::LockedOut {
                employee_code: code.to_owned(),
                until,
            }
        } else {
            tx.execute(
                "UPDATE staff SET failed_attempts = ?2, locked_until = NULL WHERE id = ?1",
                params![id, failed],
            )
            .ctx(&path, "count a wrong PIN")?;
            tracing::warn!(employee_code = code, failed, "wrong staff PIN");
            DeskError::WrongPin {
                employee_code: code.to_owned(),
                remaining: policy.max_failures - failed,
            }
        };
        tx.commit().ctx(&path, "commit a failed staff login")?;
        Err(result)
    }
}
