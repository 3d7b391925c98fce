//! The kiosk's devices, built from its configuration: the one place that names backends.
//!
//! The firmware (`firmware/app`, crate `kiosk`) and the operators' CLI (`tools/kioskctl`) both
//! turn the `[printer]`, `[scanner]`, `[card]`, `[keypad]`, `[speech]` and `[headphones]`
//! settings of a [`KioskConfig`](kiosk_config::KioskConfig) into drivers. Doing that here, in a
//! crate that links no Slint, no UI and no store, keeps one mapping for both: a printer that
//! `kioskctl devices printer` tests is the printer the kiosk will print on.
//!
//! - module `printer`: the receipt printer and the [`Profile`](kiosk_receipt::Profile) its slips
//!   are laid out for ([`printer`], [`receipt_profile`], [`job_config`], [`describe_printer`]);
//! - module `check`: what can be seen wrong before anything starts ([`check`], naming device and
//!   configuration key in a [`DeviceProblem`]);
//! - module `build`: every configured device started ([`build`] returns [`Devices`], with the
//!   simulated backends' handles in [`SimHandles`]).
//!
//! What device events mean to the visitor journey is the firmware's business, not this crate's
//! (`firmware/app/src/device/drivers.rs`).

mod build;
mod check;
mod printer;

pub use build::{Devices, SimHandles, build};
pub use check::{DeviceError, DeviceProblem, check};
pub use printer::{AnyPrinter, describe_printer, job_config, printer, receipt_profile};

/// The start of a kiosk.toml that parses, and a configuration from it plus `devices` (the
/// device sections under test).
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use kiosk_config::KioskConfig;
    use kiosk_receipt::Profile;

    const BASE: &str = "[kiosk]\nnumber = 7\nagency = \"اداره\"\ndesk = \"میز\"\n";

    /// Printer timeouts short enough for tests.
    pub const FAST: &str = "stall_timeout_ms = 2000\nstatus_timeout_ms = 300\n";
    /// Speech off, so a test machine without espeak-ng passes `check`.
    pub const QUIET: &str = "[speech]\nbackend = \"none\"\n";

    /// The configuration `BASE` + `devices` parses to.
    pub fn config(devices: &str) -> KioskConfig {
        kiosk_config::parse(&format!("{BASE}{devices}"), Path::new("/"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The built-in sample receipt encoded for `profile`.
    pub fn sample(profile: &Profile) -> Vec<u8> {
        kiosk_receipt::encode(&kiosk_receipt::sample(), profile).expect("sample encodes")
    }
}
