//! Settings the kiosk changes at run time and must remember across restarts (the SAMAD event
//! cursor, the last catalogue version, ...), as key/value text. The configuration file stays
//! the source of everything an operator sets; this table is for state, not configuration.

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::error::{SqlContext, StoreError};
use crate::validate;

/// Longest setting key.
pub const MAX_KEY_CHARS: usize = 200;

impl Store {
    /// The value stored under `key`.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .ctx(&self.path, "read a setting")
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        validate::single_line(&self.path, "setting key", key, MAX_KEY_CHARS)?;
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .ctx(&self.path, "store a setting")?;
        Ok(())
    }
}
