//! `kioskctl satisfaction keygen|issue|verify`: the signed satisfaction codes of the fleet.
//!
//! Key files: `kiosk-NNNNN.key` holds the 32-byte Ed25519 seed of one kiosk in hex (created
//! with mode 0600, never leaves the kiosk's data partition); `kiosk-NNNNN.pub` its public key
//! in hex. The fleet's published keys are a directory of `.pub` files: every kiosk and
//! terminal verifies any kiosk's codes offline from it (a weak, small-order key file is
//! refused).
//!
//! A code is issued only by the kiosk that registered the visit (the kiosk number inside the
//! tracking code), under an https portal address without query or fragment; `verify` accepts a
//! bare token or exactly `{portal}/s/{token}` under `--portal`, and only codes whose signer is
//! the visit's kiosk.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use kiosk_core::satisfaction::{self, Portal, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_store::FleetKeys;
use kiosk_store::signing_keys;
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `satisfaction`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate a kiosk's signing key (for provisioning and tests).
    Keygen {
        /// Directory to write kiosk-NNNNN.key and kiosk-NNNNN.pub into.
        #[arg(long)]
        out: PathBuf,
        /// Fleet-assigned kiosk number.
        #[arg(long)]
        kiosk: u32,
    },
    /// Issue a satisfaction code and print its URL.
    Issue {
        /// Directory holding kiosk-NNNNN.key.
        #[arg(long)]
        key: PathBuf,
        /// Issuing kiosk: the kiosk that registered the visit.
        #[arg(long)]
        kiosk: u32,
        /// The visit's tracking code (its kiosk digits must be --kiosk).
        #[arg(long)]
        tracking_code: String,
        /// Service identifier.
        #[arg(long, default_value = "")]
        service: String,
        /// Employee code issued by the national organisation.
        #[arg(long)]
        employee: Option<String>,
        /// Validity in hours.
        #[arg(long, default_value_t = 24 * 30)]
        valid_hours: u16,
        /// Issue time (RFC 3339), default now.
        #[arg(long)]
        issued_at: Option<DateTime<Utc>>,
        /// Portal address the URL starts with: https, no query or fragment.
        #[arg(long, default_value = satisfaction::DEFAULT_PORTAL)]
        portal: String,
    },
    /// Verify a code or URL with the published keys; exit 0 valid, 1 refused with the reason.
    Verify {
        /// The scanned URL or bare token.
        code: String,
        /// Directory of kiosk-NNNNN.pub files.
        #[arg(long)]
        keys: PathBuf,
        /// Time to judge expiry at (RFC 3339), default now.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
        /// Portal address a scanned URL must be under (the kiosk's `receipt.portal_url`).
        #[arg(long, default_value = satisfaction::DEFAULT_PORTAL)]
        portal: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn keygen(out: &Path, kiosk: KioskNumber) -> Result<String, String> {
    let (key_path, pub_path) =
        signing_keys::write_new_signing_key(out, kiosk).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {} and {}",
        key_path.display(),
        pub_path.display()
    ))
}

fn signing_key(dir: &Path, kiosk: KioskNumber) -> Result<SigningKey, String> {
    match signing_keys::own_signing_key(dir, kiosk) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(format!(
            "no signing key of kiosk {kiosk} in {} (kiosk-{kiosk}.key; make one with \
             `kioskctl satisfaction keygen`)",
            dir.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Every `kiosk-NNNNN.pub` in `dir`, which must exist (a typo is not an empty fleet).
fn published_keys(dir: &Path) -> Result<FleetKeys, String> {
    if !dir.is_dir() {
        return Err(format!(
            "{} is not a directory of kiosk-NNNNN.pub files",
            dir.display()
        ));
    }
    FleetKeys::load(dir).map_err(|e| e.to_string())
}

fn claim_json(claim: &SatisfactionClaim) -> serde_json::Value {
    json!({
        "valid": true,
        "kiosk": claim.kiosk.get(),
        "tracking_code": claim.tracking_code.as_string(),
        "service_id": claim.service_id,
        "employee_code": claim.employee_code,
        "issued_at": claim.issued_at.to_rfc3339(),
        "expires_at": claim.expires_at().to_rfc3339(),
    })
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Keygen { out, kiosk } => {
            let Ok(kiosk) = KioskNumber::new(*kiosk) else {
                return output::usage("--kiosk must be 1..=99999");
            };
            match keygen(out, kiosk) {
                Ok(message) => {
                    println!("{message}");
                    Outcome::Valid
                }
                Err(e) => output::usage(&e),
            }
        }
        Command::Issue {
            key,
            kiosk,
            tracking_code,
            service,
            employee,
            valid_hours,
            issued_at,
            portal,
        } => {
            let Ok(kiosk) = KioskNumber::new(*kiosk) else {
                return output::usage("--kiosk must be 1..=99999");
            };
            let tracking_code = match TrackingCode::parse(tracking_code) {
                Ok(code) => code,
                Err(e) => return output::usage(&format!("--tracking-code: {e}")),
            };
            if tracking_code.kiosk() != kiosk {
                return output::usage(&format!(
                    "--tracking-code: the visit was registered at kiosk {}; only that kiosk may \
                     issue its satisfaction code (kiosk {kiosk}'s would be refused)",
                    tracking_code.kiosk()
                ));
            }
            let portal = match Portal::parse(portal) {
                Ok(portal) => portal,
                Err(e) => return output::usage(&format!("--portal: {e}")),
            };
            let signing = match signing_key(key, kiosk) {
                Ok(k) => k,
                Err(e) => return output::usage(&e),
            };
            let issued_at = issued_at.unwrap_or_else(Utc::now);
            let claim = SatisfactionClaim {
                kiosk,
                tracking_code,
                service_id: service.clone(),
                employee_code: employee.clone(),
                issued_at: DateTime::from_timestamp(issued_at.timestamp(), 0).unwrap_or(issued_at),
                valid_hours: *valid_hours,
            };
            match satisfaction::issue(&claim, &signing) {
                Ok(token) => {
                    println!("{}", portal.code_url(&token));
                    Outcome::Valid
                }
                Err(e) => output::usage(&e.to_string()),
            }
        }
        Command::Verify {
            code,
            keys,
            now,
            portal,
            json,
        } => {
            let portal = match Portal::parse(portal) {
                Ok(portal) => portal,
                Err(e) => return output::usage(&format!("--portal: {e}")),
            };
            let keys = match published_keys(keys) {
                Ok(k) => k,
                Err(e) => return output::usage(&e),
            };
            // No list of visits claimed by desk terminals exists yet: the visit's kiosk only.
            match satisfaction::verify_at(
                code,
                &portal,
                |k| keys.get(k),
                satisfaction::visit_kiosk_only,
                now.unwrap_or_else(Utc::now),
            ) {
                Ok(claim) => output::valid(*json, claim_json(&claim), &format!("valid: {claim}")),
                Err(e) => output::invalid(
                    *json,
                    json!({"valid": false, "reason": e.reason_code(), "message": e.to_string(), "message_fa": e.message_fa()}),
                    &e.to_string(),
                ),
            }
        }
    }
}
