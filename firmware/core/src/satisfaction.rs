//! The two-dimensional satisfaction code (seed 004): a compact signed token that lets a visitor
//! rate the service an employee gave, at a kiosk or on a phone, and lets any kiosk or terminal of
//! the fleet check it offline.
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

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::tracking_code::{KioskNumber, TrackingCode};

/// The format version this firmware writes.
pub const VERSION: u8 = 1;
/// Longest service identifier or employee code carried.
pub const MAX_FIELD_BYTES: usize = 32;
/// Path segment under the portal address.
pub const URL_SEGMENT: &str = "/s/";
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
        }
    }

    /// What the visitor is told, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Expired(_) => "مهلت استفاده از این کد نظرسنجی گذشته است.",
            Self::UnknownKiosk(_) | Self::BadSignature | Self::NotYetValid(_) => {
                "این کد نظرسنجی معتبر نیست."
            }
            _ => "این کد نظرسنجی خوانده نشد؛ لطفاً دوباره اسکن کنید.",
        }
    }
}

/// How far in the future an issue time may be before it is refused (clocks of kiosks differ).
pub const CLOCK_TOLERANCE_MINUTES: i64 = 10;

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

/// The URL a phone opens: `{portal}/s/{token}`.
pub fn url(portal: &str, token: &str) -> String {
    format!("{}{URL_SEGMENT}{token}", portal.trim_end_matches('/'))
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

/// Extracts the token from a scanned URL or a bare token.
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

/// Verifies a scanned code (URL or token) with the fleet's public keys at `now`.
pub fn verify(
    scanned: &str,
    key_of: impl Fn(KioskNumber) -> Option<VerifyingKey>,
    now: DateTime<Utc>,
) -> Result<SatisfactionClaim, SatisfactionError> {
    let (claim, body, signature) = decode(token_of(scanned))?;
    let key = key_of(claim.kiosk).ok_or(SatisfactionError::UnknownKiosk(claim.kiosk))?;
    key.verify(&signed_message(&body), &signature)
        .map_err(|_| SatisfactionError::BadSignature)?;
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

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
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
