//! Domain core of the service-desk kiosk.
//!
//! Everything a visitor's case is made of, as pure functions and plain data: national codes
//! (and the foreign identifier or passport of a visitor without one), mobile numbers, case
//! kinds and their response rules, tracking codes, the Jalali calendar and working-day
//! arithmetic for announced response dates, and Persian digit formatting.
//!
//! Nothing here performs I/O, reads a clock or draws randomness: the current time, the kiosk
//! number and the sequence number are always passed in. That keeps every rule exhaustively
//! testable and lets the store, the receipt, the UI and the CLI share one definition.

pub mod case_kind;
pub mod catalogue;
pub mod desk;
pub mod digits;
pub mod escalation;
pub mod holidays;
pub mod identity;
pub mod jalali;
pub mod national_code;
pub mod next_visit;
pub mod phone;
pub mod satisfaction;
pub mod text;
pub mod tracking_code;
pub mod working_days;

pub use case_kind::{CaseKind, MAX_DESCRIPTION_CHARS, ResponseRule};
pub use catalogue::{Catalogue, Service, Subject};
pub use desk::{MeetingResult, Occupation, RatingReason};
pub use identity::{IdentityError, IdentityKind, IdentityPolicy, VisitorId};
pub use jalali::JalaliDate;
pub use national_code::{NationalCode, NationalCodeError, NationalCodePolicy};
pub use next_visit::{NextVisit, NextVisitRule};
pub use phone::{MobileNumber, MobileNumberError};
pub use tracking_code::{KioskNumber, TrackingCode, TrackingCodeError};
pub use working_days::{DueDate, DueDateError, DueDatePolicy, WorkingCalendar};
