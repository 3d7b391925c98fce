//! The national card's certificate, parsed with `x509-parser`: the subject's `serialNumber`
//! (OID 2.5.4.5) holds the national code, judged by `kiosk-core`'s rules like typed input; the
//! common name (or given name and surname) is the holder's name, kept [`Redacted`].

use kiosk_core::{NationalCode, NationalCodePolicy};
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use super::{CardError, CardIdentity, CardTrust};
use crate::events::Redacted;

const OID_SERIAL_NUMBER: &str = "2.5.4.5";
const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_GIVEN_NAME: &str = "2.5.4.42";
const OID_SURNAME: &str = "2.5.4.4";

fn attribute(name: &X509Name<'_>, oid: &str) -> Option<String> {
    name.iter_attributes()
        .find(|a| a.attr_type().to_id_string() == oid)
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned)
}

/// The identity in a DER certificate read from a card, once `trust` (when the fleet configured
/// one) has found the certificate genuine at `now`.
pub fn identity_from_card(
    der: &[u8],
    policy: &NationalCodePolicy,
    trust: Option<&CardTrust>,
    now: std::time::SystemTime,
) -> Result<CardIdentity, CardError> {
    let identity = identity_from_certificate(der, policy)?;
    if let Some(trust) = trust {
        trust.verify(der, now).map_err(CardError::Untrusted)?;
    }
    Ok(identity)
}

/// The identity in a DER certificate read from a card (its chain not checked: see
/// [`identity_from_card`]).
pub fn identity_from_certificate(
    der: &[u8],
    policy: &NationalCodePolicy,
) -> Result<CardIdentity, CardError> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| CardError::BadCertificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CardError::BadCertificate(format!(
            "{} bytes after the certificate",
            rest.len()
        )));
    }
    let subject = cert.subject();
    let serial = attribute(subject, OID_SERIAL_NUMBER).ok_or(CardError::NoNationalCode)?;
    let national_code =
        NationalCode::parse(serial.trim(), policy).map_err(CardError::InvalidNationalCode)?;
    let name = attribute(subject, OID_COMMON_NAME).or_else(|| {
        let given = attribute(subject, OID_GIVEN_NAME);
        let surname = attribute(subject, OID_SURNAME);
        match (given, surname) {
            (Some(g), Some(s)) => Some(format!("{g} {s}")),
            (g, s) => g.or(s),
        }
    });
    Ok(CardIdentity {
        national_code,
        name: name.map(Redacted::new),
        certificate_serial: cert
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rcgen::string::PrintableString;
    use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};

    /// A self-signed certificate made now (the key lives only in memory) with `serial` as the
    /// subject serialNumber and the given name attributes.
    pub(crate) fn certificate(serial: Option<&str>, names: &[(DnType, &str)]) -> Vec<u8> {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        let mut dn = DistinguishedName::new();
        for (t, v) in names {
            dn.push(t.clone(), *v);
        }
        if let Some(serial) = serial {
            let value = PrintableString::try_from(serial).expect("printable");
            dn.push(
                DnType::CustomDnType(vec![2, 5, 4, 5]),
                DnValue::PrintableString(value),
            );
        }
        params.distinguished_name = dn;
        params
            .self_signed(&key)
            .expect("certificate")
            .der()
            .to_vec()
    }

    #[test]
    fn the_national_code_and_name_come_from_the_subject() {
        let der = certificate(Some("0499370899"), &[(DnType::CommonName, "علی رضایی")]);
        let id = identity_from_certificate(&der, &NationalCodePolicy::default()).unwrap();
        assert_eq!(id.national_code.as_string(), "0499370899");
        assert_eq!(id.name.as_ref().map(Redacted::expose), Some("علی رضایی"));
        assert!(!id.certificate_serial.is_empty());
        let shown = format!("{id:?}");
        assert!(
            !shown.contains("0499370899") && !shown.contains("رضایی"),
            "{shown}"
        );
    }

    #[test]
    fn given_name_and_surname_make_the_name_when_there_is_no_common_name() {
        let der = certificate(
            Some("499370899"),
            &[
                (DnType::CustomDnType(vec![2, 5, 4, 42]), "Ali"),
                (DnType::CustomDnType(vec![2, 5, 4, 4]), "Rezaei"),
            ],
        );
        let id = identity_from_certificate(&der, &NationalCodePolicy::default()).unwrap();
        assert_eq!(id.national_code.as_string(), "0499370899");
        assert_eq!(
            id.name.map(|n| n.expose().to_owned()),
            Some("Ali Rezaei".into())
        );
    }

    #[test]
    fn certificates_without_a_valid_national_code_are_refused() {
        let policy = NationalCodePolicy::default();
        let none = certificate(None, &[(DnType::CommonName, "x")]);
        assert_eq!(
            identity_from_certificate(&none, &policy),
            Err(CardError::NoNationalCode)
        );
        let bad = certificate(Some("0499370898"), &[]);
        assert!(matches!(
            identity_from_certificate(&bad, &policy),
            Err(CardError::InvalidNationalCode(_))
        ));
        assert!(matches!(
            identity_from_certificate(&[0x30, 0x03, 1, 2, 3], &policy),
            Err(CardError::BadCertificate(_))
        ));
    }
}
