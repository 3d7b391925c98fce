//! `kioskctl satisfaction keygen|issue|verify`: the signed satisfaction codes of the fleet.
//!
//! Key files: `kiosk-NNNNN.key` holds the 32-byte Ed25519 seed of one kiosk in hex (created
//! with mode 0600, never leaves the kiosk's data partition); `kiosk-NNNNN.pub` its public key
//! in hex. The fleet's published keys are a directory of `.pub` files: every kiosk and
//! terminal verifies any kiosk's codes offline from it.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use kiosk_core::satisfaction::{self, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
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
        /// Issuing kiosk.
        #[arg(long)]
        kiosk: u32,
        /// The visit's tracking code.
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
        /// Portal address the URL starts with.
        #[arg(long, default_value = "https://saamad.ir")]
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
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn file_name(kiosk: KioskNumber, ext: &str) -> String {
    format!("kiosk-{kiosk}.{ext}")
}

fn decode_hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn keygen(out: &Path, kiosk: KioskNumber) -> Result<String, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let key_path = out.join(file_name(kiosk, "key"));
    if key_path.exists() {
        return Err(format!(
            "{} exists; refusing to overwrite a kiosk's key",
            key_path.display()
        ));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no randomness from the OS: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&key_path)
        .map_err(|e| format!("cannot create {}: {e}", key_path.display()))?;
    writeln!(file, "{}", hex(&seed))
        .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
    let pub_path = out.join(file_name(kiosk, "pub"));
    std::fs::write(
        &pub_path,
        format!("{}\n", hex(key.verifying_key().as_bytes())),
    )
    .map_err(|e| format!("cannot write {}: {e}", pub_path.display()))?;
    Ok(format!(
        "wrote {} and {}",
        key_path.display(),
        pub_path.display()
    ))
}

fn signing_key(dir: &Path, kiosk: KioskNumber) -> Result<SigningKey, String> {
    let path = dir.join(file_name(kiosk, "key"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    decode_hex32(&text)
        .map(|seed| SigningKey::from_bytes(&seed))
        .ok_or_else(|| format!("{} does not hold a 64-digit hex key", path.display()))
}

/// Every `kiosk-NNNNN.pub` in `dir`; a malformed file is an error naming it.
fn published_keys(dir: &Path) -> Result<HashMap<KioskNumber, VerifyingKey>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut keys = HashMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(number) = name
            .strip_prefix("kiosk-")
            .and_then(|n| n.strip_suffix(".pub"))
        else {
            continue;
        };
        let path = entry.path();
        let bad = || format!("{} is not a kiosk public key", path.display());
        let kiosk = number
            .parse()
            .ok()
            .and_then(|n| KioskNumber::new(n).ok())
            .ok_or_else(bad)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let key = decode_hex32(&text)
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(bad)?;
        keys.insert(kiosk, key);
    }
    Ok(keys)
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
                    println!("{}", satisfaction::url(portal, &token));
                    Outcome::Valid
                }
                Err(e) => output::usage(&e.to_string()),
            }
        }
        Command::Verify {
            code,
            keys,
            now,
            json,
        } => {
            let keys = match published_keys(keys) {
                Ok(k) => k,
                Err(e) => return output::usage(&e),
            };
            match satisfaction::verify(
                code,
                |k| keys.get(&k).copied(),
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
