//! The client's TLS: rustls with the ring provider, trusting only the configured CA (pinned:
//! the system roots are never consulted) and presenting the kiosk's own certificate (mutual
//! TLS). Built by hand and handed to reqwest, so reqwest's default provider (aws-lc-rs, which
//! needs cmake and nasm to build) is never compiled in.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::SyncError;

/// The PEM material of a kiosk's TLS identity and of the CA it trusts.
#[derive(Clone)]
pub struct TlsMaterial {
    /// The CA that signed SAMAD's server certificate; the only one trusted.
    pub ca_pem: String,
    /// The kiosk's certificate chain.
    pub client_cert_pem: String,
    /// The kiosk's private key (never logged).
    pub client_key_pem: String,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("ca_pem_bytes", &self.ca_pem.len())
            .field("client_cert_pem_bytes", &self.client_cert_pem.len())
            .field("client_key_pem", &"(hidden)")
            .finish()
    }
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Config(format!("{what}: {e}"))
}

/// The rustls configuration of the client.
pub fn client_config(material: &TlsMaterial) -> Result<rustls::ClientConfig, SyncError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let mut any = false;
    for cert in CertificateDer::pem_slice_iter(material.ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| tls_error("the pinned CA is not valid PEM", e))?;
        roots
            .add(cert)
            .map_err(|e| tls_error("the pinned CA is not a usable certificate", e))?;
        any = true;
    }
    if !any {
        return Err(SyncError::Config(
            "the pinned CA PEM holds no certificate".into(),
        ));
    }
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(material.client_cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| tls_error("the kiosk certificate is not valid PEM", e))?;
    if chain.is_empty() {
        return Err(SyncError::Config(
            "the kiosk certificate PEM holds no certificate".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(material.client_key_pem.as_bytes())
        .map_err(|e| tls_error("the kiosk private key is not valid PEM", e))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS versions", e))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls_error("the kiosk certificate and key do not fit together", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
