//! Whether a national card's certificate is genuine: its chain verified up to the card CA
//! certificates the fleet trusts, its validity period, and the fleet's revocation lists.
//!
//! A certificate anyone can make with a free tool carries any national code it likes; only the
//! issuer's signature tells a card of the national card authority from a self-made one. So a
//! kiosk configured with trust anchors (kiosk.toml `[card] trust_anchors`, with intermediate
//! certificates and CRLs beside them) reads the national code of a card only once
//! `rustls-webpki` has built a path from the card's certificate to one of them, checked every
//! signature on it, the validity dates at the moment of reading, and, when CRLs are configured,
//! that no certificate on the path is revoked. The certificate's extended key usages are not
//! constrained: a card's signing certificate carries the issuer's own.

use std::time::SystemTime;

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy,
    ExtendedKeyUsageValidator, KeyPurposeIdIter, RevocationCheckDepth, RevocationOptionsBuilder,
    UnknownStatusPolicy,
};

/// Why a card's certificate is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    /// No path to a trusted card CA: a self-made card, or one of another authority.
    #[error("its issuer is not a trusted card authority (a self-made or foreign certificate)")]
    UnknownIssuer,
    /// A signature on the path does not verify: the certificate was altered.
    #[error("a signature on its chain does not verify (an altered certificate)")]
    BadSignature,
    /// The certificate (or one above it) has expired.
    #[error("it has expired")]
    Expired,
    /// The certificate (or one above it) is not valid yet.
    #[error("it is not valid yet")]
    NotYetValid,
    /// The certificate is on the authority's revocation list.
    #[error("it is revoked")]
    Revoked,
    /// Anything else the verifier refused, in its words.
    #[error("it cannot be verified: {0}")]
    Other(String),
}

/// A configured file that cannot be used as a trust anchor, intermediate or CRL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct TrustSetupError {
    /// Which input (e.g. "trust anchor 1").
    pub what: String,
    /// Why not.
    pub reason: String,
}

/// The card authorities the fleet trusts, as DER, checked when made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTrust {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
}

/// Card certificates may carry any extended key usage.
struct AnyKeyUsage;

impl ExtendedKeyUsageValidator for AnyKeyUsage {
    fn validate(&self, _: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

impl CardTrust {
    /// Trust in `anchors` (the card CAs' certificates), with `intermediates` available to
    /// build paths and `crls` checked on every certificate of the path; all DER. Each is
    /// parsed now, so a bad file is refused at start-up rather than at the first visitor.
    pub fn new(
        anchors: Vec<Vec<u8>>,
        intermediates: Vec<Vec<u8>>,
        crls: Vec<Vec<u8>>,
    ) -> Result<Self, TrustSetupError> {
        if anchors.is_empty() {
            return Err(TrustSetupError {
                what: "trust anchors".into(),
                reason: "none given".into(),
            });
        }
        for (i, der) in anchors.iter().enumerate() {
            let cert = CertificateDer::from(der.as_slice());
            webpki::anchor_from_trusted_cert(&cert).map_err(|e| TrustSetupError {
                what: format!("trust anchor {}", i + 1),
                reason: format!("not a usable CA certificate: {e:?}"),
            })?;
        }
        for (i, der) in intermediates.iter().enumerate() {
            let cert = CertificateDer::from(der.as_slice());
            EndEntityCert::try_from(&cert).map_err(|e| TrustSetupError {
                what: format!("intermediate certificate {}", i + 1),
                reason: format!("not a certificate: {e:?}"),
            })?;
        }
        for (i, der) in crls.iter().enumerate() {
            BorrowedCertRevocationList::from_der(der).map_err(|e| TrustSetupError {
                what: format!("revocation list {}", i + 1),
                reason: format!("not a CRL: {e:?}"),
            })?;
        }
        Ok(Self {
            anchors,
            intermediates,
            crls,
        })
    }

    /// Reads PEM text holding certificates (`CERTIFICATE`) or CRLs (`X509 CRL`), or one DER
    /// object, as DER objects of that kind.
    pub fn der_objects(bytes: &[u8], crl: bool) -> Result<Vec<Vec<u8>>, String> {
        use rustls_pki_types::pem::PemObject;
        if bytes.first() == Some(&0x30) {
            return Ok(vec![bytes.to_vec()]);
        }
        let objects: Result<Vec<Vec<u8>>, _> = if crl {
            rustls_pki_types::CertificateRevocationListDer::pem_slice_iter(bytes)
                .map(|r| r.map(|d| d.as_ref().to_vec()))
                .collect()
        } else {
            CertificateDer::pem_slice_iter(bytes)
                .map(|r| r.map(|d| d.as_ref().to_vec()))
                .collect()
        };
        let objects = objects.map_err(|e| format!("not PEM: {e:?}"))?;
        if objects.is_empty() {
            let kind = if crl { "X509 CRL" } else { "CERTIFICATE" };
            return Err(format!("holds no PEM {kind} block and is not DER"));
        }
        Ok(objects)
    }

    /// Whether the card certificate `der` is genuine at `now`.
    pub fn verify(&self, der: &[u8], now: SystemTime) -> Result<(), Untrusted> {
        let card = CertificateDer::from(der);
        let end_entity = EndEntityCert::try_from(&card).map_err(classify)?;
        let anchor_ders: Vec<CertificateDer<'_>> = self
            .anchors
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        let anchors = anchor_ders
            .iter()
            .map(webpki::anchor_from_trusted_cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(classify)?;
        let intermediates: Vec<CertificateDer<'_>> = self
            .intermediates
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        let crls = self
            .crls
            .iter()
            .map(|d| BorrowedCertRevocationList::from_der(d).map(CertRevocationList::from))
            .collect::<Result<Vec<_>, _>>()
            .map_err(classify)?;
        let crl_refs: Vec<&CertRevocationList<'_>> = crls.iter().collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
            b.with_depth(RevocationCheckDepth::Chain)
                // A certificate no configured list speaks of is not revoked by them; a list
                // past its next update still says what it said.
                .with_status_policy(UnknownStatusPolicy::Allow)
                .with_expiration_policy(ExpirationPolicy::Ignore)
                .build()
        });
        let since_epoch = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| Untrusted::Other("the clock is before 1970".into()))?;
        end_entity
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &intermediates,
                UnixTime::since_unix_epoch(since_epoch),
                AnyKeyUsage,
                revocation,
                None,
            )
            .map(|_| ())
            .map_err(classify)
    }
}

fn classify(error: webpki::Error) -> Untrusted {
    use webpki::Error as E;
    match error {
        E::UnknownIssuer => Untrusted::UnknownIssuer,
        E::InvalidSignatureForPublicKey => Untrusted::BadSignature,
        E::CertExpired { .. } => Untrusted::Expired,
        E::CertNotValidYet { .. } => Untrusted::NotYetValid,
        E::CertRevoked => Untrusted::Revoked,
        other => Untrusted::Other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
        KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
        date_time_ymd,
    };

    use super::*;

    /// A card CA made now.
    struct Authority {
        cert: rcgen::Certificate,
        issuer: Issuer<'static, KeyPair>,
    }

    fn authority(name: &str) -> Authority {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("CA");
        Authority {
            cert,
            issuer: Issuer::new(params, key),
        }
    }

    /// A card certificate issued by `ca`, valid over the years given.
    fn card(ca: &Authority, serial: u64, from: i32, to: i32) -> Vec<u8> {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "علی رضایی");
        params.serial_number = Some(SerialNumber::from(serial));
        params.not_before = date_time_ymd(from, 1, 1);
        params.not_after = date_time_ymd(to, 1, 1);
        params
            .signed_by(&key, &ca.issuer)
            .expect("card")
            .der()
            .to_vec()
    }

    fn crl(ca: &Authority, revoked: &[u64]) -> Vec<u8> {
        CertificateRevocationListParams {
            this_update: date_time_ymd(2026, 1, 1),
            next_update: date_time_ymd(2027, 1, 1),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: date_time_ymd(2026, 6, 1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&ca.issuer)
        .expect("CRL")
        .der()
        .to_vec()
    }

    fn at(year: u64) -> SystemTime {
        // Mid-year, so a validity that ends on 1 January is plainly over.
        SystemTime::UNIX_EPOCH + Duration::from_secs((year - 1970) * 31_556_952 + 15_000_000)
    }

    #[test]
    fn a_card_of_the_trusted_authority_is_genuine_and_others_are_refused_with_the_reason() {
        let national = authority("National card CA");
        let other = authority("Self-made CA");
        let trust = CardTrust::new(
            vec![national.cert.der().to_vec()],
            Vec::new(),
            vec![crl(&national, &[66])],
        )
        .expect("trust");
        let now = at(2026);
        let cases: Vec<(&str, Vec<u8>, Result<(), Untrusted>)> = vec![
            ("genuine", card(&national, 10, 2024, 2030), Ok(())),
            (
                "self-made authority",
                card(&other, 10, 2024, 2030),
                Err(Untrusted::UnknownIssuer),
            ),
            (
                "expired",
                card(&national, 11, 2015, 2025),
                Err(Untrusted::Expired),
            ),
            (
                "not yet valid",
                card(&national, 12, 2027, 2035),
                Err(Untrusted::NotYetValid),
            ),
            (
                "revoked",
                card(&national, 66, 2024, 2030),
                Err(Untrusted::Revoked),
            ),
            (
                "altered",
                {
                    let mut der = card(&national, 13, 2024, 2030);
                    let last = der.len() - 1;
                    der[last] ^= 0x01;
                    der
                },
                Err(Untrusted::BadSignature),
            ),
        ];
        for (name, der, expected) in cases {
            assert_eq!(trust.verify(&der, now), expected, "{name}");
        }
        // A self-signed certificate (no CA at all) is refused the same way.
        let self_signed = super::super::certificate::tests::certificate(Some("0499370899"), &[]);
        assert_eq!(
            trust.verify(&self_signed, now),
            Err(Untrusted::UnknownIssuer)
        );
    }

    #[test]
    fn a_card_issued_by_an_intermediate_is_genuine_only_with_the_intermediate() {
        let root = authority("Root");
        let sub_key = KeyPair::generate().expect("key");
        let mut sub_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        sub_params
            .distinguished_name
            .push(DnType::CommonName, "Issuing CA");
        sub_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        sub_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let sub_cert = sub_params.signed_by(&sub_key, &root.issuer).expect("sub");
        let sub = Authority {
            cert: sub_cert,
            issuer: Issuer::new(sub_params, sub_key),
        };
        let der = card(&sub, 5, 2024, 2030);
        let without =
            CardTrust::new(vec![root.cert.der().to_vec()], Vec::new(), Vec::new()).expect("trust");
        assert_eq!(
            without.verify(&der, at(2026)),
            Err(Untrusted::UnknownIssuer)
        );
        let with = CardTrust::new(
            vec![root.cert.der().to_vec()],
            vec![sub.cert.der().to_vec()],
            Vec::new(),
        )
        .expect("trust");
        assert_eq!(with.verify(&der, at(2026)), Ok(()));
    }

    #[test]
    fn unusable_trust_inputs_are_refused_when_configured() {
        assert!(CardTrust::new(Vec::new(), Vec::new(), Vec::new()).is_err());
        let e =
            CardTrust::new(vec![vec![0x30, 0x03, 1, 2, 3]], Vec::new(), Vec::new()).unwrap_err();
        assert_eq!(e.what, "trust anchor 1");
        let ca = authority("CA");
        let e = CardTrust::new(
            vec![ca.cert.der().to_vec()],
            Vec::new(),
            vec![vec![1, 2, 3]],
        )
        .unwrap_err();
        assert_eq!(e.what, "revocation list 1");
        assert!(CardTrust::der_objects(b"hello", false).is_err());
        let pem = ca.cert.pem();
        assert_eq!(
            CardTrust::der_objects(pem.as_bytes(), false).expect("PEM"),
            vec![ca.cert.der().to_vec()]
        );
    }
}
