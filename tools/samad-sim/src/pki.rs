//! Test certificates made at start (rcgen): a CA, a server certificate for the addresses the
//! simulator answers on, and kiosk client certificates, all signed by that CA. Nothing here is
//! ever committed: every run makes new keys, so no private key lives in the repository.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

/// A certificate and its private key, PEM.
#[derive(Clone)]
pub struct Identity {
    /// The certificate.
    pub cert_pem: String,
    /// The private key (never logged).
    pub key_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("cert_pem_bytes", &self.cert_pem.len())
            .field("key_pem", &"(hidden)")
            .finish()
    }
}

/// A throw-away public-key infrastructure for one simulator run.
pub struct TestPki {
    /// The CA certificate (what a kiosk pins).
    pub ca_pem: String,
    ca: Issuer<'static, KeyPair>,
    /// The server's identity.
    pub server: Identity,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki")
            .field("ca_pem_bytes", &self.ca_pem.len())
            .field("server", &self.server)
            .finish()
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "SAMAD simulator (test only)");
    dn.push(DnType::CommonName, common_name);
    dn
}

impl TestPki {
    /// A new CA and a server certificate for `hosts` (DNS names or IP addresses).
    pub fn generate(hosts: &[&str]) -> Result<Self, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name = name("SAMAD simulator test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let ca = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let mut params =
            CertificateParams::new(hosts.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())?;
        params.distinguished_name = name("samad-sim");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params.signed_by(&server_key, &ca)?;
        Ok(Self {
            ca_pem: ca_cert.pem(),
            ca,
            server: Identity {
                cert_pem: server_cert.pem(),
                key_pem: server_key.serialize_pem(),
            },
        })
    }

    /// A client certificate for kiosk `kiosk_number`, signed by this CA.
    pub fn issue_kiosk(&self, kiosk_number: u32) -> Result<Identity, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = name(&format!("kiosk-{kiosk_number}"));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.ca)?;
        Ok(Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}
