//! Device identity: a one-time enrolment code made by the operator
//! (`agency-server enrol-code --kiosk N`) is exchanged once for a bearer token bound to that
//! kiosk number and, when the server has a device CA, for a client certificate issued to the
//! key of the device's CSR (`pki`). Only SHA-256 digests of codes and tokens are stored: both
//! are random (80 and 256 bits), so a fast hash is enough (a slow one like argon2 is for
//! guessable secrets such as PINs) and a look-up by digest is one index probe.
//!
//! [`Device`] checks every device request. With a device CA configured (`serve
//! --device-ca-cert/--device-ca-key`), a request needs both: the bearer token of an active
//! device, and a TLS client certificate whose SHA-256 fingerprint is the one recorded for that
//! device at its enrolment (else 401 `no_client_certificate` or `certificate_mismatch`). A
//! stolen token alone, a certificate alone, or kiosk A's certificate with kiosk B's token are
//! all refused; routes naming a kiosk in their path also compare it with the device's.
//! Without a device CA (plain HTTP behind a TLS-terminating proxy, or TLS without client
//! certificates) the bearer token alone identifies the device, as before certificates.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use base64::Engine as _;
use rand::{Rng as _, RngCore as _};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::pki::PeerCertificate;
use crate::problem::{Problem, Refused};

/// Crockford's base32 alphabet: no I, L, O, U, so a code read aloud or typed is unambiguous.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of an enrolment code (16 × 5 bits = 80 bits).
const CODE_CHARS: usize = 16;
/// The prefix of device tokens (recognisable in a leaked log or file).
const TOKEN_PREFIX: &str = "agt_";

/// SHA-256 of a secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new enrolment code, grouped by four (`ABCD-EFGH-JKMN-PQRS`).
pub fn new_enrol_code() -> String {
    let mut rng = rand::rng();
    let mut out = String::with_capacity(CODE_CHARS + 3);
    for i in 0..CODE_CHARS {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(
            CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())],
        ));
    }
    out
}

/// The code as stored: dashes and spaces dropped, upper case, Crockford's look-alikes mapped
/// (O → 0, I and L → 1). `None` when it cannot be a code.
pub fn normalise_enrol_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_CHARS);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

/// A new device token (`agt_` and 32 random bytes, base64url).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Stores a new one-time code for kiosk `kiosk` valid for `valid_for`, and returns it (the
/// database keeps only its digest).
pub async fn create_enrol_code(
    pool: &deadpool_postgres::Pool,
    kiosk: u32,
    valid_for: chrono::Duration,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        (1..=99_999).contains(&kiosk),
        "the kiosk number must be 1 to 99999"
    );
    let code = new_enrol_code();
    let plain = normalise_enrol_code(&code).unwrap_or_default();
    let kiosk = i32::try_from(kiosk)?;
    let expires = chrono::Utc::now() + valid_for;
    pool.get()
        .await?
        .execute(
            "INSERT INTO enrol_codes (code_hash, kiosk_number, expires_at) VALUES ($1, $2, $3)",
            &[&digest(&plain), &kiosk, &expires],
        )
        .await?;
    Ok(code)
}

/// The enrolled device a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    /// Its row.
    pub device_id: i64,
    /// The kiosk number it acts as.
    pub kiosk_number: u32,
}

fn unauthorized(detail: &str) -> Refused {
    Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into()
}

impl FromRequestParts<Arc<AppState>> for Device {
    type Rejection = Refused;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if presented.is_empty() {
            return Err(unauthorized(
                "no bearer token: send Authorization: Bearer <the device's token>",
            ));
        }
        let peer = parts.extensions.get::<PeerCertificate>().copied();
        if state.device_ca.is_some() && peer.is_none() {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "no_client_certificate",
                "this server requires the device's client certificate (mutual TLS) with its \
                 bearer token: configure the certificate and key issued at enrolment",
            )
            .into());
        }
        let client = state.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT d.device_id, d.kiosk_number, c.fingerprint FROM devices d \
                 LEFT JOIN device_certificates c \
                   ON c.device_id = d.device_id AND c.revoked_at IS NULL \
                 WHERE d.token_hash = $1 AND d.revoked_at IS NULL",
                &[&digest(presented)],
            )
            .await?;
        let Some(row) = row else {
            return Err(unauthorized(
                "the bearer token is not an enrolled device's (unknown or revoked)",
            ));
        };
        let kiosk: i32 = row.get(1);
        if state.device_ca.is_some() {
            let recorded: Option<Vec<u8>> = row.get(2);
            let presented = peer.map(|p| p.fingerprint.to_vec());
            if recorded.is_none() || recorded != presented {
                tracing::warn!(kiosk, "a device token came with another certificate");
                return Err(Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "certificate_mismatch",
                    "the client certificate is not the one issued to this token's device \
                     (another device's, or an earlier enrolment's): enrol the device again",
                )
                .into());
            }
        }
        Ok(Self {
            device_id: row.get(0),
            kiosk_number: u32::try_from(kiosk).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_whatever_the_case_and_dashes() {
        let code = new_enrol_code();
        assert_eq!(code.len(), 19, "{code}");
        let plain = normalise_enrol_code(&code).unwrap();
        assert_eq!(plain.len(), 16);
        assert_eq!(
            normalise_enrol_code(&code.to_lowercase().replace('-', " ")),
            Some(plain.clone())
        );
        assert_eq!(
            normalise_enrol_code("oooo-iiii-llll-0000").as_deref(),
            Some("0000111111110000")
        );
        assert_eq!(normalise_enrol_code("ABCD-EFGH"), None);
        assert_eq!(normalise_enrol_code("ABCD-EFGH-JKMN-PQRU"), None);
        assert_eq!(normalise_enrol_code("ABCD-EFGH-JKMN-PQRۍ"), None);
        assert_ne!(new_enrol_code(), new_enrol_code());
    }

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let t = new_token();
        assert!(t.starts_with("agt_") && t.len() == 4 + 43, "{t}");
        assert_ne!(t, new_token());
        assert_eq!(digest(&t).len(), 32);
    }
}
