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
//!
//! A device is a kiosk or a desk terminal ([`Role`], from its enrolment code: migration 0013):
//! the desk's routes ([`DESK_ROUTES`]: staff log-ins, the office's staff calls, receipt copies)
//! refuse a kiosk with 403 `wrong_role`, so a kiosk's stolen token cannot log staff in or print
//! the office's receipts. `agency-server revoke --kiosk N` ([`revoke`]) retires a lost or
//! compromised device at once: its token and certificate are refused from the next request,
//! and its satisfaction key leaves the fleet's list. A device enrolled before roles gets one
//! with `agency-server set-role` or the console ([`set_legacy_role`]). Each of these changes
//! (codes made, devices revoked, retired keys dropped, roles set) writes a row of the console's
//! audit log in its own transaction, naming the console account or `cli`, never the code.

use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
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

/// What a device is to the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A visitor's kiosk.
    Kiosk,
    /// A staff member's desk terminal.
    Desk,
}

impl Role {
    /// As stored and as the CLI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Desk => "desk",
        }
    }

    /// From its stored or typed name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "kiosk" => Some(Self::Kiosk),
            "desk" => Some(Self::Desk),
            _ => None,
        }
    }
}

/// The routes only a desk terminal may use (method and route template). The office's open
/// staff calls (`GET …/staff-calls?open=true`) are the desk's too, but the same route without
/// `open=true` is a kiosk's own calls, so that one is judged by its handler
/// ([`Device::require_desk`], server/src/staff_calls.rs).
pub const DESK_ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/v1/kiosks/{kiosk}/staff-logins"),
    (
        Method::POST,
        "/v1/kiosks/{kiosk}/staff-calls/{call_id}/acknowledge",
    ),
    (Method::POST, "/v1/kiosks/{kiosk}/receipt-copies"),
    (Method::GET, "/v1/kiosks/{kiosk}/receipt-copies"),
    (
        Method::POST,
        "/v1/kiosks/{kiosk}/receipt-copies/{tracking_code}/printed",
    ),
];

/// The actor the command line's changes are audited as.
pub const CLI_ACTOR: &str = "cli";

/// `kiosk` as the database keeps it, or why it is not a kiosk number.
fn kiosk_column(kiosk: u32) -> anyhow::Result<i32> {
    anyhow::ensure!(
        (1..=99_999).contains(&kiosk),
        "the kiosk number must be 1 to 99999"
    );
    Ok(i32::try_from(kiosk)?)
}

/// Writes one row of the console's audit log in `tx` about kiosk `kiosk`: `detail` (never a
/// code, token or PIN) with the kiosk number and the office it is placed in.
async fn audit_device(
    tx: &tokio_postgres::Transaction<'_>,
    actor: &str,
    action: &str,
    kiosk: i32,
    mut detail: serde_json::Value,
) -> anyhow::Result<()> {
    let office: Option<String> = tx
        .query_opt(
            "SELECT office FROM office_kiosks WHERE kiosk_number = $1",
            &[&kiosk],
        )
        .await?
        .map(|r| r.get(0));
    if let Some(fields) = detail.as_object_mut() {
        fields.insert("kiosk".into(), kiosk.into());
        fields.insert("office".into(), office.into());
    }
    crate::console::accounts::audit(tx, actor, action, detail).await?;
    Ok(())
}

/// [`create_enrol_code_by`] as the command line ([`CLI_ACTOR`]).
pub async fn create_enrol_code(
    pool: &deadpool_postgres::Pool,
    kiosk: u32,
    role: Role,
    valid_for: chrono::Duration,
) -> anyhow::Result<String> {
    create_enrol_code_by(pool, CLI_ACTOR, kiosk, role, valid_for).await
}

/// Stores a new one-time code for kiosk `kiosk` valid for `valid_for`, enrolling a device of
/// `role`, and returns it (the database keeps only its digest; the audit row, written as
/// `actor` in the same transaction, names the kiosk, its office and the role, not the code).
pub async fn create_enrol_code_by(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    kiosk: u32,
    role: Role,
    valid_for: chrono::Duration,
) -> anyhow::Result<String> {
    let kiosk_i = kiosk_column(kiosk)?;
    let code = new_enrol_code();
    let plain = normalise_enrol_code(&code).unwrap_or_default();
    let expires = chrono::Utc::now() + valid_for;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO enrol_codes (code_hash, kiosk_number, expires_at, role) \
         VALUES ($1, $2, $3, $4)",
        &[&digest(&plain), &kiosk_i, &expires, &role.as_str()],
    )
    .await?;
    audit_device(
        &tx,
        actor,
        "device.enrol_code",
        kiosk_i,
        serde_json::json!({  "role": role.as_str(),
            "valid_hours": valid_for.num_hours(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// What [`revoke`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revoked {
    /// The device row revoked.
    pub device_id: i64,
    /// Its certificates revoked with it.
    pub certificates: u64,
}

/// [`revoke_by`] as the command line ([`CLI_ACTOR`]).
pub async fn revoke(pool: &deadpool_postgres::Pool, kiosk: u32) -> anyhow::Result<Option<Revoked>> {
    revoke_by(pool, CLI_ACTOR, kiosk).await
}

/// Retires the active device of kiosk number `kiosk` (lost, stolen or compromised): its token
/// and certificate are refused from its next request, and its satisfaction key leaves the
/// fleet's list; audited as `actor`. `None` when the number has no active device (nothing
/// changed, nothing audited).
pub async fn revoke_by(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    kiosk: u32,
) -> anyhow::Result<Option<Revoked>> {
    let kiosk = kiosk_column(kiosk)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            "UPDATE devices SET revoked_at = now(), revoked_reason = 'revoked' \
             WHERE kiosk_number = $1 AND revoked_at IS NULL RETURNING device_id",
            &[&kiosk],
        )
        .await?
    else {
        return Ok(None);
    };
    let device_id: i64 = row.get(0);
    // A lost or compromised device's earlier keys are not trusted either.
    tx.execute(
        "DELETE FROM retired_satisfaction_keys WHERE kiosk_number = $1",
        &[&kiosk],
    )
    .await?;
    let certificates = tx
        .execute(
            "UPDATE device_certificates SET revoked_at = now() \
             WHERE device_id = $1 AND revoked_at IS NULL",
            &[&device_id],
        )
        .await?;
    audit_device(
        &tx,
        actor,
        "device.revoke",
        kiosk,
        serde_json::json!({  "device_id": device_id,
            "certificates": certificates,
        }),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(kiosk, device_id, "device revoked");
    Ok(Some(Revoked {
        device_id,
        certificates,
    }))
}

/// Drops the retired satisfaction keys of kiosk number `kiosk` (the keys of devices it had
/// before, kept while their codes are valid: server/src/fleet_keys.rs), leaving its active
/// device alone: for a stolen device whose number was enrolled again before it was revoked.
/// Returns how many were dropped. Audited as the command line ([`CLI_ACTOR`]).
pub async fn drop_retired_keys(pool: &deadpool_postgres::Pool, kiosk: u32) -> anyhow::Result<u64> {
    drop_retired_keys_by(pool, CLI_ACTOR, kiosk).await
}

/// [`drop_retired_keys`], audited as `actor`.
pub async fn drop_retired_keys_by(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    kiosk: u32,
) -> anyhow::Result<u64> {
    let kiosk_i = kiosk_column(kiosk)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let dropped = tx
        .execute(
            "DELETE FROM retired_satisfaction_keys WHERE kiosk_number = $1",
            &[&kiosk_i],
        )
        .await?;
    audit_device(
        &tx,
        actor,
        "device.drop_retired_keys",
        kiosk_i,
        serde_json::json!({  "dropped": dropped }),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(kiosk, dropped, "retired satisfaction keys dropped");
    Ok(dropped)
}

/// What [`set_legacy_role`] came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSet {
    /// The device enrolled before roles now has `role`.
    Set,
    /// The kiosk number has no active device.
    NoDevice,
    /// Its device enrolled with a role already (this one): enrolling it again with a code of
    /// the other role is how it changes, so that a role is never widened without the device
    /// being in the operator's hands.
    HasRole(Role),
}

/// Gives the active device of kiosk `kiosk`, enrolled before roles existed (every route
/// open), the role `role`; audited as `actor`. A device that has a role keeps it.
pub async fn set_legacy_role(
    pool: &deadpool_postgres::Pool,
    actor: &str,
    kiosk: u32,
    role: Role,
) -> anyhow::Result<RoleSet> {
    let kiosk_i = kiosk_column(kiosk)?;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            "SELECT device_id, role FROM devices \
             WHERE kiosk_number = $1 AND revoked_at IS NULL FOR UPDATE",
            &[&kiosk_i],
        )
        .await?
    else {
        return Ok(RoleSet::NoDevice);
    };
    let device_id: i64 = row.get(0);
    if let Some(has) = row.get::<_, Option<&str>>(1).and_then(Role::parse) {
        return Ok(RoleSet::HasRole(has));
    }
    tx.execute(
        "UPDATE devices SET role = $2 WHERE device_id = $1",
        &[&device_id, &role.as_str()],
    )
    .await?;
    audit_device(
        &tx,
        actor,
        "device.set_role",
        kiosk_i,
        serde_json::json!({  "device_id": device_id, "role": role.as_str(),
        }),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(
        kiosk,
        device_id,
        role = role.as_str(),
        "legacy device given a role"
    );
    Ok(RoleSet::Set)
}

/// The enrolled device a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    /// Its row.
    pub device_id: i64,
    /// The kiosk number it acts as.
    pub kiosk_number: u32,
    /// A kiosk or a desk; `None` for a device enrolled before roles existed (every route).
    pub role: Option<Role>,
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
                "SELECT d.device_id, d.kiosk_number, c.fingerprint, d.role FROM devices d \
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
        let role = row.get::<_, Option<&str>>(3).and_then(Role::parse);
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let desk_route = DESK_ROUTES
            .iter()
            // HEAD is served by the GET handler: judged as a GET.
            .any(|(method, path)| {
                (*method == parts.method
                    || (*method == Method::GET && parts.method == Method::HEAD))
                    && Some(*path) == route
            });
        let device = Self {
            device_id: row.get(0),
            kiosk_number: u32::try_from(kiosk).unwrap_or_default(),
            role,
        };
        if desk_route {
            device.require_desk()?;
        }
        Ok(device)
    }
}

impl Device {
    /// `Ok` unless this device enrolled as a kiosk (a desk, or a device enrolled before roles
    /// existed): else 403 `wrong_role`, logged.
    pub fn require_desk(&self) -> Result<(), Refused> {
        if self.role != Some(Role::Kiosk) {
            return Ok(());
        }
        tracing::warn!(
            kiosk = self.kiosk_number,
            "a kiosk asked for a desk terminal's route"
        );
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "wrong_role",
            "this route is for the office's desk terminals, and this device enrolled as a \
             kiosk: enrol the desk with a desk code (agency-server enrol-code --role desk)",
        )
        .into())
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
