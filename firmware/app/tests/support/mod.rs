//! Helpers shared by the kiosk binary's tests.

pub mod transcripts;
pub mod x11;
