//! The kiosk's local store: one SQLite file holding everything the kiosk must not lose.
//!
//! What is in it: cases with their append-only event timelines, the outbox of items for SAMAD,
//! print jobs, staff members, run-time settings and the per-kiosk tracking sequence. Why one
//! SQLite file: a case, its first event, its outbox item and its receipt job are written in one
//! transaction, so the visitor's receipt (printed only after that commit) always stands for a
//! case that is on disk and on its way to SAMAD.
//!
//! Durability: WAL journal with `synchronous=FULL` (with NORMAL a power cut can lose a committed
//! transaction), foreign keys on, `PRAGMA integrity_check` at every open, versioned migrations.
//! A file from a newer firmware is refused untouched; a corrupt file is moved aside, never
//! silently replaced (see [`Store::open`], [`Store::open_after_corruption`], [`Store::check`]).
//!
//! Encryption at rest: the file is SQLCipher-encrypted under a raw 32-byte key read from a
//! root-only file ([`DatabaseKey::load`], [`OpenOptions::encrypted`]); a plaintext database
//! from before encryption is encrypted once on the first keyed open.
//!
//! Satisfaction-code keys: the kiosk's own signing key and the fleet's published public keys,
//! files on the same data partition ([`signing_keys`]).
//!
//! Privacy: the national code is stored in full because SAMAD needs it, with a masked copy
//! beside it; logs and `Debug` output only ever show masked codes and phones and never a
//! description or note.
//!
//! Time: instants the visitor sees are passed in by the caller; see the `time` module.

mod cases;
mod check;
mod claims;
mod desk_error;
mod dir_lock;
mod encrypt;
mod error;
mod events;
mod guidance;
mod header;
mod key;
mod meetings;
mod migrations;
mod open;
mod outbox;
mod pulled;
mod purge;
mod ratings;
mod receipts;
mod report_rows;
mod sequences;
mod services;
mod settings;
pub mod signing_keys;
pub mod small_file;
mod staff;
mod staff_calls;
mod text_enum;
mod time;
mod validate;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use error::SqlContext;

pub use cases::{
    CASE_PAYLOAD_VERSION, CaseRecord, CaseStatus, KIOSK_ACTOR, MAX_CATALOGUE_ID_CHARS,
    MAX_DESCRIPTION_CHARS, MAX_SAMAD_NUMBER_CHARS, NewCase, RegisteredCase,
};
pub use check::{CheckReport, TableCounts};
pub use claims::VisitClaim;
pub use desk_error::DeskError;
pub use dir_lock::{DataDirLock, DirLockError, LOCK_FILE_NAME};
pub use error::{CaseRef, CorruptReason, MAX_REPORTED_PROBLEMS, StoreError};
pub use events::{CaseEvent, EventKind, MAX_ACTOR_CHARS, MAX_NOTE_CHARS, MAX_UNIT_CHARS, NewEvent};
pub use guidance::{
    GUIDANCE_PAYLOAD_VERSION, GuidanceRecord, MAX_DESTINATION_CHARS, MAX_GUIDANCE_LABEL_CHARS,
    NewGuidance,
};
pub use key::{DatabaseKey, KEY_BYTES, KEY_FILE_MODE, KeyFileError, MAX_KEY_FILE_BYTES};
pub use meetings::{
    MAX_ACTIONS_CHARS, MAX_NAME_CHARS, MAX_REASON_CHARS, MAX_RESULT_OTHER_CHARS, MAX_TOPIC_CHARS,
    MeetingRecord, MeetingResult, NewMeeting, Occupation,
};
pub use migrations::{LATEST_VERSION, MIGRATIONS, Migration};
pub use open::{MovedAside, OpenOptions};
pub use outbox::{
    Claim, ClaimLimits, ClaimedItem, MAX_OUTBOX_REASON_CHARS, OutboxItem, OutboxItemKind,
    OutboxState, OutboxStats, ParkedItem, RetryOne, SettleReport, Settlement,
};
pub use pulled::{EVENT_CURSOR_KEY, MAX_SAMAD_EVENT_ID_CHARS, PullReport, PulledEvent};
pub use purge::{PURGED_TEXT, PurgeReport};
pub use ratings::{Attribution, NewRating, RatingReason, RatingRecord};
pub use receipts::{MAX_STATUS_CHARS, ReceiptJob, ReceiptState, ReceiptVariant};
pub use report_rows::{CaseRow, MeetingRow, RatingRow, ReportRows};
pub use services::{DESK_PAYLOAD_VERSION, MAX_SERVICE_NOTE_CHARS, NewService, ServiceRecord};
pub use settings::MAX_KEY_CHARS;
pub use signing_keys::{FleetKeys, KeyDirError};
pub use staff::{
    MAX_DISPLAY_NAME_CHARS, MAX_EMPLOYEE_CODE_CHARS, MAX_PIN_DIGITS, MIN_PIN_DIGITS, NewStaff,
    PinPolicy, StaffRecord, hash_pin, pin_matches,
};
pub use staff_calls::{MAX_ACKNOWLEDGER_CHARS, StaffCall};

/// An open kiosk database. One per process; writes take `&mut self`.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (always [`LATEST_VERSION`] after an open).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrations::user_version(&self.conn, &self.path)
    }

    /// Row counts of every table, as [`Store::check`] reports them.
    pub fn counts(&self) -> Result<TableCounts, StoreError> {
        check::count_rows(&self.conn, &self.path)
    }

    /// Closes the database, checkpointing the WAL into the main file; reports a failure that
    /// dropping the store would silently ignore.
    pub fn close(self) -> Result<(), StoreError> {
        let path = self.path;
        self.conn
            .close()
            .map_err(|(_, e)| e)
            .ctx(&path, "close the database")
    }
}
