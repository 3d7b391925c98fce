//! The two-dimensional satisfaction code (docs/rules.md R-004-qr): a compact signed token that
//! lets a visitor rate the service an employee gave, at a kiosk or on a phone, and lets any
//! kiosk or terminal of the fleet check it offline.
//!
//! A token names the format version, the issuing kiosk, the visit (its tracking code), the
//! service, optionally the employee, when it was issued and how long it stays valid; an Ed25519
//! signature by the issuing kiosk's key covers all of it, so a forged or altered code is refused
//! by anyone holding the fleet's published public keys. It travels as base64url in a URL under
//! the portal address (`{portal}/s/{token}`) so a phone camera opens it. Wire layout (all
//! integers big-endian):
//!
//! ```text
//! version u8 = 1 | kiosk u24 | tracking code u64 | service len u8 + ASCII | employee len u8 +
//! UTF-8 | issued_at unix seconds u40 | valid for hours u16 | Ed25519 signature (64 bytes)
//! ```
//!
//! The signature is over the domain tag `kiosk-satisfaction-v1` followed by every byte before
//! it. Keys are generated at provisioning (never in the repository); this module only signs with
//! a key it is given and verifies with keys it is given. "One rating per code" is the store's
//! rule: a code that verifies here may still have been used already.
//!
//! A code is accepted ([`verify_at`]) only when all of these hold:
//!
//! - scanned as a bare token, or as a URL that is exactly `{portal}/s/{token}` under the
//!   configured portal address ([`Portal`]): https, one `/s/` segment, no query or fragment;
//! - its signature verifies under a published key of the kiosk it names (its current key, or
//!   one retired within the last [`CODE_VALID_HOURS`], so a code printed before a rotation or a
//!   replacement of the device still verifies), with strict Ed25519 verification
//!   (`verify_strict`: weak keys and small-order signature components are refused, so nobody
//!   can make a signature without the private key);
//! - that kiosk may issue codes for the visit it rates: the kiosk that registered the visit,
//!   whose number is inside the tracking code ([`TrackingCode::kiosk`]) — a kiosk's key
//!   vouches for its own visits only;
//! - it is neither expired nor issued in the future.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::tracking_code::{KioskNumber, TrackingCode};

/// The format version this firmware writes.
pub const VERSION: u8 = 1;
/// Longest service identifier or employee code carried.
pub const MAX_FIELD_BYTES: usize = 32;
/// Path segment under the portal address.
pub const URL_SEGMENT: &str = "/s/";
/// The portal address of the fleet's default configuration (kiosk-config's `receipt.portal_url`
/// when the file names none); [`verify`] judges URLs against it.
pub const DEFAULT_PORTAL: &str = "https://saamad.ir";
const DOMAIN: &[u8] = b"kiosk-satisfaction-v1";
const SIGNATURE_LEN: usize = 64;

/// What a satisfaction code says, before signing or after verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatisfactionClaim {
    /// The kiosk that issued it.
    pub kiosk: KioskNumber,
    /// The visit it rates.
    pub tracking_code: TrackingCode,
    /// The service given (service identifier), may be empty.
    pub service_id: String,
    /// The employee who gave it: the opaque code issued by the national organisation.
    pub employee_code: Option<String>,
    /// When it was issued (whole seconds).
    pub issued_at: DateTime<Utc>,
    /// How long it can be used, in hours.
    pub valid_hours: u16,
}

impl SatisfactionClaim {
    /// When it stops being accepted.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.issued_at + Duration::hours(i64::from(self.valid_hours))
    }
}

/// Why a satisfaction code was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SatisfactionError {
    /// Not base64url, too short, or fields that do not fit the layout.
    #[error("satisfaction code is malformed: {0}")]
    Malformed(&'static str),
    /// A version this firmware does not know.
    #[error("satisfaction code version {0} is unknown")]
    UnknownVersion(u8),
    /// No published key for the issuing kiosk.
    #[error("no public key is known for kiosk {0}")]
    UnknownKiosk(KioskNumber),
    /// The signature does not match: forged or altered.
    #[error("satisfaction code signature does not verify (forged or altered)")]
    BadSignature,
    /// Past its validity.
    #[error("satisfaction code expired at {0}")]
    Expired(DateTime<Utc>),
    /// Issued in the future (clock skew beyond tolerance, or forged time).
    #[error("satisfaction code is issued in the future ({0})")]
    NotYetValid(DateTime<Utc>),
    /// A field too long or not allowed when issuing.
    #[error("cannot issue: {0}")]
    BadClaim(&'static str),
    /// Scanned as a URL that is not https (`http://…`, another scheme, or none).
    #[error("satisfaction code URL is not an https address")]
    NotHttps,
    /// Scanned as a URL with a query (`?…`) or a fragment (`#…`).
    #[error("satisfaction code URL has a query or fragment")]
    UrlQueryOrFragment,
    /// Scanned as a URL that is not under the configured portal address.
    #[error("satisfaction code URL is not under the portal address {0}")]
    WrongPortal(String),
    /// Scanned as a URL under the portal whose path is not one `/s/` segment and the token.
    #[error("satisfaction code URL must be the portal address, one /s/ segment and the token")]
    BadUrlPath,
    /// Signed by a kiosk that may not issue codes for the visit it rates.
    #[error(
        "kiosk {signer} may not issue satisfaction codes for a visit registered at kiosk \
         {visit_kiosk}"
    )]
    NotVisitIssuer {
        /// The kiosk whose key signed the code.
        signer: KioskNumber,
        /// The kiosk that registered the visit (in its tracking code).
        visit_kiosk: KioskNumber,
    },
}

impl SatisfactionError {
    /// A stable snake_case reason, for `--json` and metrics.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnknownVersion(_) => "unknown_version",
            Self::UnknownKiosk(_) => "unknown_kiosk",
            Self::BadSignature => "bad_signature",
            Self::Expired(_) => "expired",
            Self::NotYetValid(_) => "not_yet_valid",
            Self::BadClaim(_) => "bad_claim",
            Self::NotHttps => "not_https",
            Self::UrlQueryOrFragment => "url_query_or_fragment",
            Self::WrongPortal(_) => "wrong_portal",
            Self::BadUrlPath => "bad_url_path",
            Self::NotVisitIssuer { .. } => "not_visit_issuer",
        }
    }

    /// What the visitor is told, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Expired(_) => "مهلت استفاده از این کد نظرسنجی گذشته است.",
            Self::UnknownKiosk(_)
            | Self::BadSignature
            | Self::NotYetValid(_)
            | Self::NotHttps
            | Self::UrlQueryOrFragment
            | Self::WrongPortal(_)
            | Self::BadUrlPath
            | Self::NotVisitIssuer { .. } => "این کد نظرسنجی معتبر نیست.",
            _ => "این کد نظرسنجی خوانده نشد؛ لطفاً دوباره اسکن کنید.",
        }
    }
}

/// How far in the future an issue time may be before it is refused (clocks of kiosks differ).
pub const CLOCK_TOLERANCE_MINUTES: i64 = 10;

/// How long a code the kiosks print stays valid (thirty days): the `valid_hours` they sign
/// (firmware/app/src/runtime/backend.rs), and how long the agency server keeps serving a key
/// its device retired, so that every code signed with it can still be verified
/// (server/src/fleet_keys.rs).
pub const CODE_VALID_HOURS: u16 = 24 * 30;

fn push_field(out: &mut Vec<u8>, text: &str) -> Result<(), SatisfactionError> {
    let bytes = text.as_bytes();
    let len = u8::try_from(bytes.len())
        .ok()
        .filter(|&l| usize::from(l) <= MAX_FIELD_BYTES)
        .ok_or(SatisfactionError::BadClaim(
            "service id or employee code longer than 32 bytes",
        ))?;
    out.push(len);
    out.extend_from_slice(bytes);
    Ok(())
}

fn payload(claim: &SatisfactionClaim) -> Result<Vec<u8>, SatisfactionError> {
    if !claim.service_id.is_ascii() {
        return Err(SatisfactionError::BadClaim("service id must be ASCII"));
    }
    if claim.employee_code.as_deref() == Some("") {
        return Err(SatisfactionError::BadClaim("employee code is empty"));
    }
    let issued = u64::try_from(claim.issued_at.timestamp())
        .ok()
        .filter(|&s| s < 1 << 40)
        .ok_or(SatisfactionError::BadClaim("issue time out of range"))?;
    let mut out = Vec::with_capacity(128);
    out.push(VERSION);
    out.extend_from_slice(&claim.kiosk.get().to_be_bytes()[1..]);
    let code: u64 = claim
        .tracking_code
        .as_string()
        .parse()
        .map_err(|_| SatisfactionError::BadClaim("tracking code"))?;
    out.extend_from_slice(&code.to_be_bytes());
    push_field(&mut out, &claim.service_id)?;
    push_field(&mut out, claim.employee_code.as_deref().unwrap_or(""))?;
    out.extend_from_slice(&issued.to_be_bytes()[3..]);
    out.extend_from_slice(&claim.valid_hours.to_be_bytes());
    Ok(out)
}

fn signed_message(payload: &[u8]) -> Vec<u8> {
    let mut message = DOMAIN.to_vec();
    message.extend_from_slice(payload);
    message
}

/// Signs a claim with the issuing kiosk's key; returns the token (base64url).
pub fn issue(claim: &SatisfactionClaim, key: &SigningKey) -> Result<String, SatisfactionError> {
    let mut bytes = payload(claim)?;
    let signature = key.sign(&signed_message(&bytes));
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The URL a phone opens: `{portal}/s/{token}`. The text is used as given (a trailing slash
/// dropped): a portal address from outside should pass [`Portal::parse`] first, or use
/// [`Portal::code_url`].
pub fn url(portal: &str, token: &str) -> String {
    format!("{}{URL_SEGMENT}{token}", portal.trim_end_matches('/'))
}

const HTTPS: &str = "https://";

/// Why a text is not usable as the portal address codes are carried under.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// Not an `https://` address.
    #[error("portal address must start with https://")]
    NotHttps,
    /// A query (`?…`) or fragment (`#…`): the code's URL would not end with its token.
    #[error("portal address must not have a query (?) or fragment (#)")]
    QueryOrFragment,
    /// Nothing between `https://` and the path, or user information (`user@host`).
    #[error("portal address must name a host, without user information (@)")]
    BadHost,
    /// Whitespace, a control character or a backslash.
    #[error("portal address contains whitespace, a control character or a backslash")]
    BadCharacter,
    /// Its path already holds the `/s/` segment (or ends with `/s`): a code's URL must have
    /// exactly one.
    #[error("portal address must not contain the /s/ segment of satisfaction codes")]
    SatisfactionSegment,
}

impl PortalError {
    /// A stable snake_case reason, for `--json` and metrics.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::NotHttps => "not_https",
            Self::QueryOrFragment => "query_or_fragment",
            Self::BadHost => "bad_host",
            Self::BadCharacter => "bad_character",
            Self::SatisfactionSegment => "satisfaction_segment",
        }
    }
}

/// The portal address satisfaction codes are carried under (`{portal}/s/{token}`): an https
/// address with a host, optionally a path, no query or fragment, kept without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portal(String);

impl Portal {
    /// Checks a configured or typed portal address.
    pub fn parse(text: &str) -> Result<Self, PortalError> {
        let text = text.trim();
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(PortalError::BadCharacter);
        }
        let rest = strip_prefix_ignore_case(text, HTTPS)
            .ok_or(PortalError::NotHttps)?
            .trim_end_matches('/');
        if rest.contains(['?', '#']) {
            return Err(PortalError::QueryOrFragment);
        }
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() || host.contains('@') {
            return Err(PortalError::BadHost);
        }
        if path.contains(URL_SEGMENT) || path.ends_with("/s") {
            return Err(PortalError::SatisfactionSegment);
        }
        Ok(Self(text[..HTTPS.len() + rest.len()].to_owned()))
    }

    /// The address, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL a phone opens for `token`: `{portal}/s/{token}`.
    pub fn code_url(&self, token: &str) -> String {
        url(&self.0, token)
    }

    /// The token of a scanned code: a bare token as it is, a URL only when it is exactly
    /// `{portal}/s/{token}` (https, no query or fragment, one `/s/` segment). The scheme, host
    /// and path of the portal are compared without regard to ASCII case, as the kiosk's
    /// scanner does. A URL's token holding a character outside base64url is malformed; the
    /// token's layout is [`decode`]'s to judge.
    pub fn token_in<'a>(&self, scanned: &'a str) -> Result<&'a str, SatisfactionError> {
        let text = scanned.trim();
        // Neither character is in the base64url alphabet: anything holding one is a URL (or
        // meant to look like one) and must be our portal's.
        if !text.contains(['/', ':']) {
            return Ok(text);
        }
        if strip_prefix_ignore_case(text, HTTPS).is_none() {
            return Err(SatisfactionError::NotHttps);
        }
        if text.contains(['?', '#']) {
            return Err(SatisfactionError::UrlQueryOrFragment);
        }
        // The portal must be followed by a path: `https://saamad.ir.evil.example/…` or
        // `https://saamad.ir@evil.example/…` are other hosts.
        let under = strip_prefix_ignore_case(text, &self.0)
            .filter(|rest| rest.starts_with('/'))
            .ok_or_else(|| SatisfactionError::WrongPortal(crate::text::quoted(&self.0)))?;
        let token = under
            .strip_prefix(URL_SEGMENT)
            .filter(|token| !token.contains('/'))
            .ok_or(SatisfactionError::BadUrlPath)?;
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(SatisfactionError::Malformed("not base64url"));
        }
        Ok(token)
    }
}

impl Default for Portal {
    /// [`DEFAULT_PORTAL`].
    fn default() -> Self {
        Self(DEFAULT_PORTAL.to_owned())
    }
}

impl std::str::FromStr for Portal {
    type Err = PortalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Portal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The fleet's key files, as provisioning writes them (`kioskctl satisfaction keygen`) and every
/// kiosk reads them: `kiosk-NNNNN.key` holds a kiosk's 32-byte Ed25519 seed and
/// `kiosk-NNNNN.pub` its public key, each as 64 hexadecimal digits and a newline. Only names and
/// text here; reading and writing the files is the store's (`kiosk_store::signing_keys`).
pub mod key_files {
    use crate::tracking_code::KioskNumber;

    /// The file of a kiosk's public key.
    pub fn public_key(kiosk: KioskNumber) -> String {
        format!("kiosk-{kiosk}.pub")
    }

    /// The file of a kiosk's signing key (its seed).
    pub fn signing_key(kiosk: KioskNumber) -> String {
        format!("kiosk-{kiosk}.key")
    }

    /// Whether `name` is a public key file, and whose: `None` for any other file,
    /// `Some(None)` for a `kiosk-….pub` whose number is not a kiosk number.
    pub fn public_key_owner(name: &str) -> Option<Option<KioskNumber>> {
        let number = name.strip_prefix("kiosk-")?.strip_suffix(".pub")?;
        Some(number.parse().ok().and_then(|n| KioskNumber::new(n).ok()))
    }

    /// 32 bytes from 64 hexadecimal digits (surrounding whitespace allowed).
    pub fn from_hex(text: &str) -> Option<[u8; 32]> {
        let text = text.trim();
        // Digits only: `from_str_radix` would take a sign ("+f").
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(out)
    }

    /// 64 lowercase hexadecimal digits and a newline: a key file's whole content.
    pub fn to_hex_line(bytes: &[u8; 32]) -> String {
        let mut text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        text.push('\n');
        text
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn names_and_hex_round_trip_and_strangers_are_told_apart() {
            let twelve = KioskNumber::new(12).expect("kiosk 12");
            assert_eq!(public_key(twelve), "kiosk-00012.pub");
            assert_eq!(signing_key(twelve), "kiosk-00012.key");
            assert_eq!(public_key_owner("kiosk-00012.pub"), Some(Some(twelve)));
            assert_eq!(public_key_owner("kiosk-0.pub"), Some(None));
            assert_eq!(public_key_owner("kiosk-abc.pub"), Some(None));
            assert_eq!(public_key_owner("kiosk-00012.key"), None);
            assert_eq!(public_key_owner("README"), None);
            let bytes: [u8; 32] = std::array::from_fn(|i| (i * 9) as u8);
            let line = to_hex_line(&bytes);
            assert_eq!(line.len(), 65);
            assert_eq!(from_hex(&line), Some(bytes));
            assert_eq!(from_hex(&line.to_uppercase()), Some(bytes));
            assert_eq!(from_hex(&line[..62]), None);
            assert_eq!(from_hex(&"zz".repeat(32)), None);
            assert_eq!(from_hex(&"é".repeat(32)), None);
            assert_eq!(from_hex(&"+f".repeat(32)), None);
        }
    }
}

/// A byte reader that refuses to run past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SatisfactionError> {
        if self.0.len() < n {
            return Err(SatisfactionError::Malformed("too short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn field(&mut self) -> Result<String, SatisfactionError> {
        let len = usize::from(self.take(1)?[0]);
        if len > MAX_FIELD_BYTES {
            return Err(SatisfactionError::Malformed("field longer than 32 bytes"));
        }
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| SatisfactionError::Malformed("field is not UTF-8"))
    }
}

/// Extracts the token from a scanned URL or a bare token, without judging the URL (the store
/// uses it to find a code's rating once [`verify_at`] accepted it). Acceptance is
/// [`Portal::token_in`]'s.
pub fn token_of(scanned: &str) -> &str {
    let text = scanned.trim();
    match text.rfind(URL_SEGMENT) {
        Some(i) => &text[i + URL_SEGMENT.len()..],
        None => text,
    }
}

/// Reads a token without checking its signature (to find the kiosk whose key checks it).
pub fn decode(token: &str) -> Result<(SatisfactionClaim, Vec<u8>, Signature), SatisfactionError> {
    if token.len() > 512 {
        return Err(SatisfactionError::Malformed("too long"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| SatisfactionError::Malformed("not base64url"))?;
    if bytes.len() <= SIGNATURE_LEN {
        return Err(SatisfactionError::Malformed("too short"));
    }
    let (body, signature) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let mut r = Reader(body);
    let version = r.take(1)?[0];
    if version != VERSION {
        return Err(SatisfactionError::UnknownVersion(version));
    }
    let k = r.take(3)?;
    let kiosk = KioskNumber::new(u32::from_be_bytes([0, k[0], k[1], k[2]]))
        .map_err(|_| SatisfactionError::Malformed("kiosk number out of range"))?;
    let mut code = [0u8; 8];
    code.copy_from_slice(r.take(8)?);
    let tracking_code = TrackingCode::parse(&format!("{:016}", u64::from_be_bytes(code)))
        .map_err(|_| SatisfactionError::Malformed("tracking code"))?;
    let service_id = r.field()?;
    let employee = r.field()?;
    let t = r.take(5)?;
    let issued = u64::from_be_bytes([0, 0, 0, t[0], t[1], t[2], t[3], t[4]]);
    let issued_at = DateTime::from_timestamp(i64::try_from(issued).unwrap_or(i64::MAX), 0)
        .ok_or(SatisfactionError::Malformed("issue time"))?;
    let h = r.take(2)?;
    let valid_hours = u16::from_be_bytes([h[0], h[1]]);
    if !r.0.is_empty() {
        return Err(SatisfactionError::Malformed("trailing bytes"));
    }
    let mut sig = [0u8; SIGNATURE_LEN];
    sig.copy_from_slice(signature);
    let claim = SatisfactionClaim {
        kiosk,
        tracking_code,
        service_id,
        employee_code: (!employee.is_empty()).then_some(employee),
        issued_at,
        valid_hours,
    };
    Ok((claim, body.to_vec(), Signature::from_bytes(&sig)))
}

/// Verifies a scanned code (URL or token) with the fleet's public keys at `now`, judging a URL
/// against [`DEFAULT_PORTAL`] and letting only the visit's own kiosk issue its code.
///
/// [`verify_at`] with `Portal::default()` and [`visit_kiosk_only`]. A kiosk configured with
/// another portal address needs [`verify_at`] for URLs; bare tokens (what the kiosk's scanner
/// hands on once it has matched the configured portal) are judged the same by both.
pub fn verify<Keys: IntoIterator<Item: Into<ListedKey>>>(
    scanned: &str,
    key_of: impl Fn(KioskNumber) -> Keys,
    now: DateTime<Utc>,
) -> Result<SatisfactionClaim, SatisfactionError> {
    verify_at(scanned, &Portal::default(), key_of, visit_kiosk_only, now)
}

/// A kiosk's published key as [`verify_at`] weighs it: its current key, or one it stopped
/// signing with at `retired_at` (a rotation, or the device replaced), which still vouches for
/// the codes issued before then (and a clock tolerance) but for none issued after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedKey {
    /// The Ed25519 public key.
    pub key: VerifyingKey,
    /// When it was retired; `None` for the kiosk's current key.
    pub retired_at: Option<DateTime<Utc>>,
}

impl From<VerifyingKey> for ListedKey {
    /// A current key.
    fn from(key: VerifyingKey) -> Self {
        Self {
            key,
            retired_at: None,
        }
    }
}

/// No signer besides the visit's own kiosk may issue its code: the `also_issuer` of
/// [`verify_at`] while no list of claimed visits exists.
pub fn visit_kiosk_only(_signer: KioskNumber, _visit: TrackingCode) -> bool {
    false
}

/// Verifies a scanned code (a bare token, or `{portal}/s/{token}` under `portal`) at `now`.
///
/// `key_of` gives a kiosk's published public keys (an `Option` for one current key, or its
/// current key and the ones it retired lately as [`ListedKey`]s): the code verifies under any
/// of them that vouches for its issue time. The code must be signed by a kiosk that may
/// issue codes for the visit it rates: the kiosk that registered it (the kiosk number inside its
/// tracking code), or a signer `also_issuer(signer, visit)` allows. `also_issuer` is where
/// other issuers come in: a desk terminal that claimed a visit registered elsewhere, once the
/// agency server distributes those claims, would be allowed by a lookup in that list. Until a
/// caller holds such a list it passes [`visit_kiosk_only`].
///
/// Checks, in order (the first failing one is the reason): the URL's shape and portal, the
/// token's layout and version, a published key for the signer, the signature (strict Ed25519:
/// weak keys and small-order components refused), the signer's right to issue for the visit,
/// then the validity period.
pub fn verify_at<Keys: IntoIterator<Item: Into<ListedKey>>>(
    scanned: &str,
    portal: &Portal,
    key_of: impl Fn(KioskNumber) -> Keys,
    also_issuer: impl Fn(KioskNumber, TrackingCode) -> bool,
    now: DateTime<Utc>,
) -> Result<SatisfactionClaim, SatisfactionError> {
    let (claim, body, signature) = decode(portal.token_in(scanned)?)?;
    let mut keys = key_of(claim.kiosk).into_iter().peekable();
    if keys.peek().is_none() {
        return Err(SatisfactionError::UnknownKiosk(claim.kiosk));
    }
    let message = signed_message(&body);
    // A retired key vouches only for what it signed before it was retired.
    let vouches = |listed: ListedKey| {
        listed.retired_at.is_none_or(|retired| {
            claim.issued_at <= retired + Duration::minutes(CLOCK_TOLERANCE_MINUTES)
        }) && listed.key.verify_strict(&message, &signature).is_ok()
    };
    if !keys.any(|key| vouches(key.into())) {
        return Err(SatisfactionError::BadSignature);
    }
    let visit_kiosk = claim.tracking_code.kiosk();
    if claim.kiosk != visit_kiosk && !also_issuer(claim.kiosk, claim.tracking_code) {
        return Err(SatisfactionError::NotVisitIssuer {
            signer: claim.kiosk,
            visit_kiosk,
        });
    }
    if claim.issued_at > now + Duration::minutes(CLOCK_TOLERANCE_MINUTES) {
        return Err(SatisfactionError::NotYetValid(claim.issued_at));
    }
    if now >= claim.expires_at() {
        return Err(SatisfactionError::Expired(claim.expires_at()));
    }
    Ok(claim)
}

impl fmt::Display for SatisfactionClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kiosk {} visit {} service {:?}",
            self.kiosk,
            self.tracking_code.grouped(),
            self.service_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kiosk `n`'s signing key for this run: made at random once per test process (never a
    /// committed one), the same for the same `n` within it.
    fn key(n: u8) -> SigningKey {
        static BASE: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
        let mut seed = *BASE.get_or_init(rand::random);
        seed[0] ^= n;
        SigningKey::from_bytes(&seed)
    }

    fn claim() -> SatisfactionClaim {
        let kiosk = KioskNumber::new(12).unwrap();
        SatisfactionClaim {
            kiosk,
            tracking_code: TrackingCode::new(kiosk, 427).unwrap(),
            service_id: "11021".into(),
            employee_code: Some("EMP-۷۷".into()),
            issued_at: "2026-11-23T06:30:00Z".parse().unwrap(),
            valid_hours: 24 * 30,
        }
    }

    fn keys(k: KioskNumber) -> Option<VerifyingKey> {
        (k.get() == 12).then(|| key(7).verifying_key())
    }

    fn now() -> DateTime<Utc> {
        "2026-11-24T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn issued_codes_verify_and_round_trip_every_field() {
        let token = issue(&claim(), &key(7)).unwrap();
        assert!(token.len() < 160, "{} chars", token.len());
        let u = url("https://saamad.ir/", &token);
        assert!(u.starts_with("https://saamad.ir/s/"));
        assert_eq!(verify(&u, keys, now()).unwrap(), claim());
        assert_eq!(verify(&token, keys, now()).unwrap(), claim());
        let mut no_employee = claim();
        no_employee.employee_code = None;
        let token = issue(&no_employee, &key(7)).unwrap();
        assert_eq!(verify(&token, keys, now()).unwrap(), no_employee);
    }

    #[test]
    fn every_altered_byte_is_refused() {
        let token = issue(&claim(), &key(7)).unwrap();
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in 0..bytes.len() {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            let result = verify(&URL_SAFE_NO_PAD.encode(&altered), keys, now());
            assert!(result.is_err(), "byte {i} altered and accepted");
        }
    }

    #[test]
    fn forged_expired_future_unknown_and_garbage_are_refused_with_their_reason() {
        let forged = issue(&claim(), &key(8)).unwrap();
        assert_eq!(
            verify(&forged, keys, now()),
            Err(SatisfactionError::BadSignature)
        );
        let token = issue(&claim(), &key(7)).unwrap();
        let late = claim().expires_at();
        assert_eq!(
            verify(&token, keys, late),
            Err(SatisfactionError::Expired(late))
        );
        let early = claim().issued_at - Duration::minutes(CLOCK_TOLERANCE_MINUTES + 1);
        assert!(matches!(
            verify(&token, keys, early),
            Err(SatisfactionError::NotYetValid(_))
        ));
        assert!(verify(&token, keys, claim().issued_at - Duration::minutes(5)).is_ok());
        let mut other = claim();
        other.kiosk = KioskNumber::new(13).unwrap();
        let token = issue(&other, &key(7)).unwrap();
        assert!(matches!(
            verify(&token, keys, now()),
            Err(SatisfactionError::UnknownKiosk(_))
        ));
        for garbage in ["", "!!!", "AAAA", &"A".repeat(600), "https://saamad.ir/s/"] {
            assert!(
                matches!(
                    verify(garbage, keys, now()),
                    Err(SatisfactionError::Malformed(_))
                ),
                "{garbage:?}"
            );
        }
        let mut v2 = URL_SAFE_NO_PAD
            .decode(issue(&claim(), &key(7)).unwrap())
            .unwrap();
        v2[0] = 2;
        assert_eq!(
            verify(&URL_SAFE_NO_PAD.encode(&v2), keys, now()),
            Err(SatisfactionError::UnknownVersion(2))
        );
    }

    #[test]
    fn claims_that_do_not_fit_are_refused_when_issuing() {
        let mut long = claim();
        long.service_id = "x".repeat(33);
        assert!(matches!(
            issue(&long, &key(7)),
            Err(SatisfactionError::BadClaim(_))
        ));
        let mut empty = claim();
        empty.employee_code = Some(String::new());
        assert!(matches!(
            issue(&empty, &key(7)),
            Err(SatisfactionError::BadClaim(_))
        ));
        let mut persian_service = claim();
        persian_service.service_id = "۱۱۰".into();
        assert!(matches!(
            issue(&persian_service, &key(7)),
            Err(SatisfactionError::BadClaim(_))
        ));
    }

    fn portal() -> Portal {
        Portal::parse("https://saamad.ir").unwrap()
    }

    #[test]
    fn the_default_portal_is_a_valid_portal_and_codes_verify_under_a_configured_one() {
        assert_eq!(Portal::parse(DEFAULT_PORTAL), Ok(Portal::default()));
        let token = issue(&claim(), &key(7)).unwrap();
        let other = Portal::parse("https://kiosk.example.ir/portal/").unwrap();
        assert_eq!(other.as_str(), "https://kiosk.example.ir/portal");
        let u = other.code_url(&token);
        assert_eq!(u, format!("https://kiosk.example.ir/portal/s/{token}"));
        let at = |scanned: &str, portal: &Portal| {
            verify_at(scanned, portal, keys, visit_kiosk_only, now())
        };
        assert_eq!(at(&u, &other), Ok(claim()));
        assert_eq!(
            at(&token, &other),
            Ok(claim()),
            "a bare token needs no portal"
        );
        // Scheme and host in another case, as some scanners report them.
        assert_eq!(
            at(
                &u.replace("https://kiosk.example.ir", "HTTPS://Kiosk.Example.IR"),
                &other
            ),
            Ok(claim())
        );
        assert_eq!(
            at(&u, &portal()),
            Err(SatisfactionError::WrongPortal("https://saamad.ir".into()))
        );
        assert_eq!(
            verify(&u, keys, now()),
            Err(SatisfactionError::WrongPortal(DEFAULT_PORTAL.into())),
            "verify judges URLs against the default portal"
        );
    }

    #[test]
    fn urls_off_the_portal_or_not_exactly_portal_s_token_are_refused_each_with_its_reason() {
        let token = issue(&claim(), &key(7)).unwrap();
        let refused = |scanned: String, reason: SatisfactionError| {
            assert_eq!(
                verify_at(&scanned, &portal(), keys, visit_kiosk_only, now()),
                Err(reason.clone()),
                "{scanned}"
            );
            assert_eq!(verify(&scanned, keys, now()), Err(reason), "{scanned}");
        };
        let wrong_portal = || SatisfactionError::WrongPortal("https://saamad.ir".into());
        // The genuine token under an attacker's address.
        refused(format!("https://evil.example/s/{token}"), wrong_portal());
        refused(
            format!("https://saamad.ir.evil.example/s/{token}"),
            wrong_portal(),
        );
        refused(
            format!("https://saamad.ir@evil.example/s/{token}"),
            wrong_portal(),
        );
        refused(format!("https://saamad.ir:8443/s/{token}"), wrong_portal());
        refused(
            format!("https://evil.example/s/https://saamad.ir/s/{token}"),
            wrong_portal(),
        );
        // Not https.
        refused(
            format!("http://saamad.ir/s/{token}"),
            SatisfactionError::NotHttps,
        );
        refused(
            format!("http://evil.example/s/{token}"),
            SatisfactionError::NotHttps,
        );
        refused(
            format!("ftp://saamad.ir/s/{token}"),
            SatisfactionError::NotHttps,
        );
        refused(format!("saamad.ir/s/{token}"), SatisfactionError::NotHttps);
        refused(format!("/s/{token}"), SatisfactionError::NotHttps);
        // A query or fragment.
        for tail in ["?", "?utm=1", "#", "#top", "?a=b#c"] {
            refused(
                format!("https://saamad.ir/s/{token}{tail}"),
                SatisfactionError::UrlQueryOrFragment,
            );
        }
        refused(
            format!("https://saamad.ir/s/{token}?next=https://evil.example/"),
            SatisfactionError::UrlQueryOrFragment,
        );
        // Not exactly one /s/ segment followed by the token.
        refused(
            format!("https://saamad.ir/s/AAAA/s/{token}"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir/s/s/{token}"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir/x/s/{token}"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir//s/{token}"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir/s/{token}/"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir/t/{token}"),
            SatisfactionError::BadUrlPath,
        );
        refused(
            format!("https://saamad.ir/{token}"),
            SatisfactionError::BadUrlPath,
        );
        // Whitespace inside the token is no token.
        assert!(matches!(
            verify(&format!("https://saamad.ir/s/ {token}"), keys, now()),
            Err(SatisfactionError::Malformed(_))
        ));
        // The genuine URL, with surrounding whitespace as a scanner may add, still verifies.
        assert_eq!(
            verify(&format!(" https://saamad.ir/s/{token}\n"), keys, now()),
            Ok(claim())
        );
        for e in [
            SatisfactionError::NotHttps,
            SatisfactionError::UrlQueryOrFragment,
            wrong_portal(),
            SatisfactionError::BadUrlPath,
        ] {
            assert_eq!(e.message_fa(), "این کد نظرسنجی معتبر نیست.");
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn portal_addresses_must_be_https_without_query_or_fragment() {
        for (text, reason) in [
            ("http://saamad.ir", PortalError::NotHttps),
            ("saamad.ir", PortalError::NotHttps),
            ("", PortalError::NotHttps),
            ("javascript:alert(1)", PortalError::NotHttps),
            ("https://saamad.ir?x=1", PortalError::QueryOrFragment),
            ("https://saamad.ir/#s", PortalError::QueryOrFragment),
            ("https://saamad.ir/p?", PortalError::QueryOrFragment),
            ("https://", PortalError::BadHost),
            ("https:///path", PortalError::BadHost),
            ("https://user@saamad.ir", PortalError::BadHost),
            ("https://saamad .ir", PortalError::BadCharacter),
            ("https://saamad.ir\\", PortalError::BadCharacter),
            ("https://saamad.ir/s/", PortalError::SatisfactionSegment),
            ("https://saamad.ir/s/x", PortalError::SatisfactionSegment),
        ] {
            assert_eq!(Portal::parse(text), Err(reason.clone()), "{text:?}");
            assert!(!reason.reason_code().is_empty());
        }
        for good in [
            "https://saamad.ir",
            "https://saamad.ir/",
            " HTTPS://x.ir/a/b ",
            "https://x.ir:8443",
        ] {
            let portal: Portal = good.parse().unwrap();
            assert!(!portal.as_str().ends_with('/'), "{portal}");
        }
    }

    #[test]
    fn a_kiosk_key_vouches_only_for_visits_registered_at_that_kiosk() {
        // Kiosk 13's genuine key signs a code for a visit of kiosk 12: the signature is good,
        // the signer may not issue for that visit.
        let fleet = |k: KioskNumber| match k.get() {
            12 => Some(key(7).verifying_key()),
            13 => Some(key(13).verifying_key()),
            _ => None,
        };
        let mut foreign = claim();
        foreign.kiosk = KioskNumber::new(13).unwrap();
        let token = issue(&foreign, &key(13)).unwrap();
        let refusal = SatisfactionError::NotVisitIssuer {
            signer: KioskNumber::new(13).unwrap(),
            visit_kiosk: KioskNumber::new(12).unwrap(),
        };
        assert_eq!(verify(&token, fleet, now()), Err(refusal.clone()));
        assert_eq!(refusal.reason_code(), "not_visit_issuer");
        assert!(refusal.to_string().contains("00013") && refusal.to_string().contains("00012"));
        assert_eq!(
            verify(&portal().code_url(&token), fleet, now()),
            Err(refusal.clone())
        );
        // The visit's own kiosk is accepted, and so is a signer the caller's list allows (the
        // extension point for desk terminals' claims); nobody else.
        assert_eq!(
            verify(&issue(&claim(), &key(7)).unwrap(), fleet, now()),
            Ok(claim())
        );
        let claimed_by_13 = |signer: KioskNumber, visit: TrackingCode| {
            signer.get() == 13 && visit == claim().tracking_code
        };
        assert_eq!(
            verify_at(&token, &portal(), fleet, claimed_by_13, now()),
            Ok(foreign.clone())
        );
        let mut other_visit = foreign.clone();
        other_visit.tracking_code = TrackingCode::new(KioskNumber::new(12).unwrap(), 428).unwrap();
        assert_eq!(
            verify_at(
                &issue(&other_visit, &key(13)).unwrap(),
                &portal(),
                fleet,
                claimed_by_13,
                now()
            ),
            Err(refusal.clone())
        );
        // A forged signature is still a bad signature first, whatever the visit.
        assert_eq!(
            verify(&issue(&foreign, &key(99)).unwrap(), fleet, now()),
            Err(SatisfactionError::BadSignature)
        );
    }

    #[test]
    fn a_weak_published_key_lets_no_signature_through() {
        use ed25519_dalek::Verifier as _;
        // The identity point is a valid encoding of a small-order ("weak") key. With it, the
        // signature R = identity, S = 0 satisfies the plain Ed25519 equation for every message
        // ([S]B - [k]A = identity): made without any private key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        assert!(weak.is_weak());
        let body = payload(&claim()).unwrap();
        let mut forged = body.clone();
        forged.extend_from_slice(&identity);
        forged.extend_from_slice(&[0u8; 32]);
        let signature = Signature::from_slice(&forged[body.len()..]).unwrap();
        assert!(
            weak.verify(&signed_message(&body), &signature).is_ok(),
            "the lenient check accepts the forgery"
        );
        let token = URL_SAFE_NO_PAD.encode(&forged);
        assert_eq!(
            verify(&token, |_| Some(weak), now()),
            Err(SatisfactionError::BadSignature)
        );
        let mut other = claim();
        other.tracking_code = TrackingCode::new(other.kiosk, 1).unwrap();
        let mut forged = payload(&other).unwrap();
        forged.extend_from_slice(&identity);
        forged.extend_from_slice(&[0u8; 32]);
        assert_eq!(
            verify(&URL_SAFE_NO_PAD.encode(&forged), |_| Some(weak), now()),
            Err(SatisfactionError::BadSignature)
        );
    }

    #[test]
    fn a_non_canonical_signature_scalar_is_refused() {
        // The order of the base point, little-endian.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let token = issue(&claim(), &key(7)).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let s_at = bytes.len() - 32;
        // S + L: the same point multiplier, another encoding (fits in 253 bits, so even the
        // old "top three bits clear" check would let it through).
        let mut carry = 0u16;
        for (b, l) in bytes[s_at..].iter_mut().zip(L) {
            let sum = u16::from(*b) + u16::from(l) + carry;
            *b = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
        assert_eq!(bytes[bytes.len() - 1] & 0xe0, 0);
        assert_eq!(
            verify(&URL_SAFE_NO_PAD.encode(&bytes), keys, now()),
            Err(SatisfactionError::BadSignature)
        );
    }

    proptest::proptest! {
        #[test]
        fn decoding_arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = verify(&text, keys, now());
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = verify(&URL_SAFE_NO_PAD.encode(&bytes), keys, now());
        }
    }
}
