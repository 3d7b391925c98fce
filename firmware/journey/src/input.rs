//! What a visitor entered, as entered: the journey collects it, the app's registration
//! (firmware/app/src/registration.rs) checks it and commits the case.

use kiosk_core::{CaseKind, IdentityKind};

pub use kiosk_core::MAX_DESCRIPTION_CHARS;

/// What the visitor entered, as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitorInput {
    /// National code as typed or read from the card.
    pub national_code: String,
    /// For a visitor without a national code: the identifier given instead (then
    /// `national_code` is empty).
    pub other_id: Option<OtherId>,
    /// Case kind chosen.
    pub kind: Option<CaseKind>,
    /// Subject identifier from the agency catalogue.
    pub subject_id: String,
    /// Service identifier (شناسه خدمت), when the subject is a service.
    pub service_id: Option<String>,
    /// Free text from the on-screen keyboard.
    pub description: String,
    /// Optional mobile number; empty when not given.
    pub mobile: String,
    /// The visitor turned on «send text messages about this case to this number» on the mobile
    /// screen (never true without a mobile number): SMS notices about the case are sent only
    /// then (docs/rules.md R-000-4.5).
    pub notice_consent: bool,
    /// A complaint about an official of this tier (seed 000 §10-3), routed up the hierarchy.
    pub official: Option<kiosk_core::escalation::OfficialTier>,
}

/// The identifier of a visitor without a national code, as entered (docs/identity.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherId {
    /// Foreign nationals' identifier or passport.
    pub kind: IdentityKind,
    /// The identifier or passport number as typed.
    pub value: String,
    /// The passport's issuing country as typed (empty for a foreign identifier).
    pub country: String,
}
