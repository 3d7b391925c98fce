//! Helpers shared by the kiosk binary's tests.

pub mod x11;
