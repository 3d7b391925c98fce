//! The device CA: the authority whose certificates the server's TLS asks of devices.
//!
//! The operator makes it once (`agency-server init-ca --out DIR`: an ECDSA P-256 key, written
//! readable by its owner only, and a self-signed CA certificate) and hands both files to
//! `agency-server serve --device-ca-cert … --device-ca-key …`; every instance behind the load
//! balancer gets the same pair. At enrolment a device sends a PKCS#10 CSR made with its own key
//! (the key never leaves the device): the CSR's signature is checked (proof that the device
//! holds the key), everything else it asks for (subject, extensions) is ignored, and the
//! certificate issued says only what the server decided: `CN=kiosk-<number>`, the kiosk number
//! again as the SAN URI `urn:kiosk:<number>`, client authentication only, valid
//! [`DEVICE_CERT_DAYS`] days from a random 127-bit serial.
//!
//! The server records each issued certificate's serial and SHA-256 fingerprint with its device
//! (migration 0003) and, on every request, compares the fingerprint of the certificate the TLS
//! connection presented with the one recorded for the bearer token's device (`auth::Device`).
//! The CA signature gets a device through the handshake; the recorded fingerprint is what binds
//! the certificate to one enrolment, so re-enrolling a kiosk retires its old certificate at
//! once without a CRL.
//!
//! The server's own TLS certificate is a separate matter: devices pin the CA of that
//! certificate (`kioskctl enroll --server-ca`, `samad.ca_file`), which the operator installs.

use std::fmt;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

/// Days a device certificate is valid (two years: a device is re-enrolled before then).
pub const DEVICE_CERT_DAYS: i64 = 730;
/// Days the device CA is valid (twenty years: replacing it means re-enrolling the fleet).
pub const CA_DAYS: i64 = 20 * 365;
/// The device CA's common name.
pub const CA_COMMON_NAME: &str = "Agency device CA";
/// Largest CSR accepted, in PEM characters (an RSA-4096 CSR is under 2 KiB).
pub const MAX_CSR_PEM_CHARS: usize = 16 * 1024;

/// Why the device CA's files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// The certificate file holds no usable certificate.
    #[error("the device CA certificate is not usable: {0}")]
    Certificate(String),
    /// The key file holds no usable key.
    #[error("the device CA key is not usable: {0}")]
    Key(String),
    /// The key is not the certificate's.
    #[error("the device CA key does not belong to the device CA certificate")]
    Mismatch,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Why a CSR is refused (the text goes to the device as the 400's detail).
#[derive(Debug, thiserror::Error)]
pub enum CsrError {
    /// Empty or larger than [`MAX_CSR_PEM_CHARS`].
    #[error("csr_pem must be a PEM certificate request of at most {MAX_CSR_PEM_CHARS} characters")]
    Size,
    /// Not a PKCS#10 request in PEM, or one with extensions the server cannot read.
    #[error(
        "csr_pem is not a PEM PKCS#10 certificate request (-----BEGIN CERTIFICATE REQUEST-----) the server can read: {0}"
    )]
    Parse(String),
    /// The request's signature does not verify with its own public key.
    #[error(
        "the certificate request's signature does not verify: it was not signed by the key it names"
    )]
    Signature,
    /// Signing failed.
    #[error("the certificate could not be issued: {0}")]
    Sign(String),
}

/// A device's certificate request, its signature checked: what is kept of it is its key.
#[derive(Debug, Clone)]
pub struct DeviceCsr {
    public_key: rcgen::PublicKey,
}

impl DeviceCsr {
    /// Reads a PEM PKCS#10 request and checks its signature with the key it names (the
    /// device holds that key).
    pub fn parse(csr_pem: &str) -> Result<Self, CsrError> {
        let csr_pem = csr_pem.trim();
        if csr_pem.is_empty() || csr_pem.len() > MAX_CSR_PEM_CHARS {
            return Err(CsrError::Size);
        }
        let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| match e {
            rcgen::Error::InvalidCertificationRequestSignature => CsrError::Signature,
            e => CsrError::Parse(e.to_string()),
        })?;
        Ok(Self {
            public_key: csr.public_key,
        })
    }
}

/// The device CA, loaded.
pub struct DeviceCa {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for DeviceCa {
    /// The key is never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCa")
            .field("fingerprint", &hex(&fingerprint(&self.cert_der)))
            .field("key", &"(hidden)")
            .finish()
    }
}

/// A certificate issued to a device.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    /// PEM.
    pub pem: String,
    /// DER.
    pub der: Vec<u8>,
    /// The serial number, lower-case hex.
    pub serial_hex: String,
    /// SHA-256 of the DER.
    pub fingerprint: [u8; 32],
    /// Valid from.
    pub not_before: chrono::DateTime<chrono::Utc>,
    /// Valid until.
    pub not_after: chrono::DateTime<chrono::Utc>,
}

/// The certificate a TLS client presented, as the accept loop puts it in every request's
/// extensions (absent: plain HTTP, or a client without a certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCertificate {
    /// SHA-256 of its DER.
    pub fingerprint: [u8; 32],
}

/// SHA-256 of a certificate's DER.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Sets the validity to whole days, from `from` to `until` (00:00 UTC).
fn set_validity(params: &mut CertificateParams, from: chrono::NaiveDate, until: chrono::NaiveDate) {
    use chrono::Datelike as _;
    let day = |d: chrono::NaiveDate| {
        rcgen::date_time_ymd(
            d.year(),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };
    params.not_before = day(from);
    params.not_after = day(until);
}

/// A random positive serial of 16 bytes (RFC 5280: at most 20 octets, positive).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::from_slice(&bytes)
}

/// A new device CA: (certificate PEM, private key PEM).
pub fn generate_ca() -> Result<(String, String), CaError> {
    let key = KeyPair::generate().map_err(|e| CaError::Key(e.to_string()))?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.serial_number = Some(random_serial());
    let today = chrono::Utc::now().date_naive();
    set_validity(
        &mut params,
        today - chrono::Days::new(1),
        today + chrono::Days::new(CA_DAYS.unsigned_abs()),
    );
    let cert = params
        .self_signed(&key)
        .map_err(|e| CaError::Sign(e.to_string()))?;
    Ok((cert.pem(), key.serialize_pem()))
}

impl DeviceCa {
    /// The CA from its certificate and key (PEM); the key must be the certificate's.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, CaError> {
        let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        if !parsed.is_ca() {
            return Err(CaError::Certificate(
                "it is not a CA certificate (basic constraints)".into(),
            ));
        }
        let key = KeyPair::from_pem(key_pem).map_err(|e| CaError::Key(e.to_string()))?;
        if parsed.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(CaError::Mismatch);
        }
        let issuer = Issuer::from_ca_cert_der(&cert_der, key)
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        Ok(Self {
            cert_pem: cert_pem.trim().to_owned() + "\n",
            cert_der,
            issuer,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER (the root of the server's client verifier).
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// Issues kiosk `kiosk`'s certificate for the key of `csr`; nothing of the request but its
    /// public key is used.
    pub fn issue(&self, csr: &DeviceCsr, kiosk: u32) -> Result<IssuedCertificate, CsrError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("kiosk-{kiosk}"));
        params.distinguished_name = dn;
        let uri = format!("urn:kiosk:{kiosk}")
            .try_into()
            .map_err(|e: rcgen::Error| CsrError::Sign(e.to_string()))?;
        params.subject_alt_names = vec![SanType::URI(uri)];
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let serial = random_serial();
        let serial_hex = hex(&serial.to_bytes());
        params.serial_number = Some(serial);
        let now = chrono::Utc::now();
        let from = now.date_naive() - chrono::Days::new(1);
        let until = now.date_naive() + chrono::Days::new(DEVICE_CERT_DAYS.unsigned_abs());
        set_validity(&mut params, from, until);
        let request = CertificateSigningRequestParams {
            params,
            public_key: csr.public_key.clone(),
        };
        let cert = request
            .signed_by(&self.issuer)
            .map_err(|e| CsrError::Sign(e.to_string()))?;
        let der = cert.der().to_vec();
        let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        Ok(IssuedCertificate {
            pem: cert.pem(),
            fingerprint: fingerprint(&der),
            der,
            serial_hex,
            not_before: midnight(from),
            not_after: midnight(until),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn csr(cn: &str) -> (KeyPair, String) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["evil.example".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let pem = params.serialize_request(&key).unwrap().pem().unwrap();
        (key, pem)
    }

    #[test]
    fn issues_a_client_certificate_naming_only_the_kiosk() {
        let (cert_pem, key_pem) = generate_ca().unwrap();
        let ca = DeviceCa::from_pem(&cert_pem, &key_pem).unwrap();
        let (key, pem) = csr("kiosk-1");
        let issued = ca.issue(&DeviceCsr::parse(&pem).unwrap(), 42).unwrap();
        assert_eq!(issued.fingerprint, fingerprint(&issued.der));
        let (_, cert) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
        assert_eq!(cert.subject().to_string(), "CN=kiosk-42");
        assert_eq!(cert.issuer().to_string(), format!("CN={CA_COMMON_NAME}"));
        assert!(!cert.is_ca(), "the CSR asked for a CA: ignored");
        assert_eq!(
            cert.public_key().subject_public_key.data.as_ref(),
            key.public_key_raw()
        );
        let san = cert.subject_alternative_name().unwrap().unwrap().value;
        assert_eq!(
            format!("{:?}", san.general_names),
            "[URI(\"urn:kiosk:42\")]",
            "the CSR's SAN is ignored"
        );
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert_eq!(hex(cert.raw_serial()), issued.serial_hex);
        let days = (issued.not_after - issued.not_before).num_days();
        assert_eq!(days, DEVICE_CERT_DAYS + 1);
        let again = ca.issue(&DeviceCsr::parse(&pem).unwrap(), 42).unwrap();
        assert_ne!(again.serial_hex, issued.serial_hex);
    }

    #[test]
    fn refuses_bad_requests_and_a_key_of_another_ca() {
        let (cert_pem, key_pem) = generate_ca().unwrap();
        let ca = DeviceCa::from_pem(&cert_pem, &key_pem).unwrap();
        assert!(matches!(DeviceCsr::parse(""), Err(CsrError::Size)));
        assert!(matches!(
            DeviceCsr::parse(&"A".repeat(MAX_CSR_PEM_CHARS + 1)),
            Err(CsrError::Size)
        ));
        assert!(matches!(DeviceCsr::parse("hello"), Err(CsrError::Parse(_))));
        assert!(matches!(
            DeviceCsr::parse(&cert_pem),
            Err(CsrError::Parse(_))
        ));
        // One letter of the signed subject changed: the signature no longer verifies.
        let (_, pem) = csr("tamper-me");
        let der = rustls::pki_types::CertificateSigningRequestDer::from_pem_slice(pem.as_bytes())
            .unwrap();
        let mut bytes = der.as_ref().to_vec();
        let at = bytes.windows(9).position(|w| w == b"tamper-me").unwrap();
        bytes[at] = b'T';
        let tampered = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes)
        );
        let refused = DeviceCsr::parse(&tampered);
        assert!(matches!(refused, Err(CsrError::Signature)), "{refused:?}");

        let (_, other_key) = generate_ca().unwrap();
        assert!(matches!(
            DeviceCa::from_pem(&cert_pem, &other_key),
            Err(CaError::Mismatch)
        ));
        assert!(DeviceCa::from_pem("nothing", &key_pem).is_err());
        let debug = format!("{ca:?}");
        assert!(!debug.contains("PRIVATE"), "{debug}");
    }
}
