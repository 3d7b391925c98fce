//! Refusals of the service-desk operations (staff login, visit claims, services, ratings,
//! meetings), beside the store's own errors.
//!
//! Why a type of its own: these are not faults of the database but answers a person must see
//! (a code already rated, a PIN locked out), each with a stable reason code for logs and
//! `--json` and a Persian sentence for the screen. Nothing here carries a PIN, a national code
//! or a token.

use chrono::{DateTime, Utc};
use kiosk_core::TrackingCode;
use kiosk_core::satisfaction::SatisfactionError;

use crate::error::StoreError;

/// Why a desk operation was refused. Nothing was written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The database failed or refused the input (see [`StoreError`]).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The satisfaction code does not verify (forged, altered, expired, unknown kiosk, ...).
    #[error("satisfaction code refused: {0}")]
    Code(#[from] SatisfactionError),
    /// This satisfaction code was rated before: one rating per code.
    #[error(
        "the satisfaction code of visit {} was already rated at {rated_at}; one rating per code",
        tracking_code.grouped()
    )]
    AlreadyRated {
        /// The visit.
        tracking_code: TrackingCode,
        /// When the first rating was recorded.
        rated_at: DateTime<Utc>,
    },
    /// A score outside 1..=5.
    #[error("rating score {0} is outside 1 to 5")]
    BadScore(u8),
    /// The visit was claimed by another employee.
    #[error("visit {} is already claimed by employee {employee_code}", tracking_code.grouped())]
    AlreadyClaimed {
        /// The visit.
        tracking_code: TrackingCode,
        /// Who claimed it.
        employee_code: String,
    },
    /// No staff member with that card code (or no such staff row).
    #[error("no staff member with this card")]
    UnknownStaff,
    /// The staff member is not allowed to log in.
    #[error("staff member {employee_code} is deactivated")]
    StaffInactive {
        /// The member.
        employee_code: String,
    },
    /// Wrong PIN; `remaining` more failures lock the member out.
    #[error("wrong PIN for {employee_code}; {remaining} attempts left before lockout")]
    WrongPin {
        /// The member.
        employee_code: String,
        /// Failures left before the lockout.
        remaining: u32,
    },
    /// Too many wrong PINs: locked out until then.
    #[error("staff member {employee_code} is locked out until {until}")]
    LockedOut {
        /// The member.
        employee_code: String,
        /// When logging in is allowed again.
        until: DateTime<Utc>,
    },
    /// A PIN that cannot be set (length, characters).
    #[error("PIN not acceptable: {0}")]
    BadPin(&'static str),
}

impl DeskError {
    /// A stable snake_case reason, for logs, metrics and `--json`.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Store(_) => "store",
            Self::Code(e) => e.reason_code(),
            Self::AlreadyRated { .. } => "already_rated",
            Self::BadScore(_) => "bad_score",
            Self::AlreadyClaimed { .. } => "already_claimed",
            Self::UnknownStaff => "unknown_staff",
            Self::StaffInactive { .. } => "staff_inactive",
            Self::WrongPin { .. } => "wrong_pin",
            Self::LockedOut { .. } => "locked_out",
            Self::BadPin(_) => "bad_pin",
        }
    }

    /// What the person at the screen is told, in Persian. A wrong PIN and an unknown card read
    /// the same, so the screen does not tell which cards exist.
    pub fn message_fa(&self) -> String {
        match self {
            Self::Store(_) => "خطایی در ذخیره‌سازی رخ داد؛ لطفاً به کارکنان اطلاع دهید.".into(),
            Self::Code(e) => e.message_fa().into(),
            Self::AlreadyRated { .. } => {
                "با این کد قبلاً نظر ثبت شده است؛ برای هر کد یک بار می‌توان نظر داد.".into()
            }
            Self::BadScore(_) => "لطفاً یکی از پنج گزینه را انتخاب کنید.".into(),
            Self::AlreadyClaimed { employee_code, .. } => kiosk_core::digits::to_persian_digits(
                &format!("این مراجعه قبلاً توسط همکار {employee_code} پذیرفته شده است."),
            ),
            Self::UnknownStaff | Self::WrongPin { .. } => {
                "کارت یا رمز درست نیست؛ دوباره تلاش کنید.".into()
            }
            Self::StaffInactive { .. } => "این کارت غیرفعال است.".into(),
            Self::LockedOut { until, .. } => {
                let local = until.with_timezone(&kiosk_core::jalali::tehran());
                kiosk_core::digits::to_persian_digits(&format!(
                    "به دلیل تلاش‌های نادرست، ورود تا ساعت {} بسته است.",
                    local.format("%H:%M")
                ))
            }
            Self::BadPin(_) => "رمز باید ۴ تا ۱۲ رقم باشد.".into(),
        }
    }
}
