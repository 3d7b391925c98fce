//! `kioskctl enroll`: a device joins the agency server with the one-time code the operator
//! made (`agency-server enrol-code --kiosk N`).
//!
//! The device makes its own key here (ECDSA P-256; it never leaves the device) and sends only
//! a certificate request (PKCS#10) with the code, over HTTPS to a server whose certificate must
//! chain to `--server-ca` (pinned: the system's roots are never consulted). The server answers
//! with the kiosk number, a bearer token and a client certificate for that key, from its device
//! CA. Written into `--out`: `client.key` (0600), `client.pem`, `token` (0600) and
//! `server-ca.pem` (a copy of the pinned CA); then the `[samad]` lines for kiosk.toml that
//! point at them are printed, with the kiosk number the device must be configured as.
//!
//! Nothing is written unless the server enrolled the device (a bad code, a refused request or
//! an unreachable server leave the directory as it was), and existing files are kept unless
//! `--force`: overwriting a working identity would cut the kiosk off.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};

use crate::output::{self, Outcome};

/// The files written, by name.
pub const KEY_FILE: &str = "client.key";
/// The client certificate.
pub const CERT_FILE: &str = "client.pem";
/// The bearer token.
pub const TOKEN_FILE: &str = "token";
/// The pinned CA of the server's certificate.
pub const SERVER_CA_FILE: &str = "server-ca.pem";

/// `kioskctl enroll`'s flags.
#[derive(clap::Args)]
pub struct Args {
    /// The agency server, e.g. https://agency.example:8443.
    #[arg(long)]
    server: String,
    /// The one-time enrolment code (`agency-server enrol-code`); dashes and case do not matter.
    #[arg(long)]
    code: String,
    /// The CA certificate (PEM) of the server's TLS certificate: the only authority trusted.
    #[arg(long)]
    server_ca: PathBuf,
    /// The directory to write the key, certificate, token and CA copy into (made if missing).
    #[arg(long)]
    out: PathBuf,
    /// Overwrite files of an earlier enrolment in --out.
    #[arg(long)]
    force: bool,
    /// Longest wait for the server, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout_s: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The error and its causes on one line (reqwest hides the TLS reason in a source).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What the server gave.
struct Identity {
    kiosk_number: u64,
    token: String,
    cert_pem: String,
}

/// The HTTPS client trusting only `ca_pem`.
fn http_client(ca_pem: &str, timeout: Duration) -> Result<reqwest::Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("--server-ca is not valid PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("--server-ca is not a usable certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err("--server-ca holds no certificate".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .user_agent(concat!("kioskctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| chain(&e))
}

/// POSTs the code and CSR; the server's refusal, in its own words, as the error.
async fn request(
    client: &reqwest::Client,
    base: &str,
    code: &str,
    csr_pem: &str,
) -> Result<Identity, String> {
    let url = format!("{}/v1/enrol", base.trim_end_matches('/'));
    let response = client
        .post(&url)
        .json(&json!({ "code": code, "csr_pem": csr_pem }))
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {}", chain(&e)))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| chain(&e))?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !status.is_success() {
        let detail = v["detail"].as_str().map_or_else(
            || String::from_utf8_lossy(&body).chars().take(300).collect(),
            str::to_owned,
        );
        let code = v["code"].as_str().unwrap_or("refused");
        return Err(format!(
            "the server refused the enrolment ({} {code}): {detail}",
            status.as_u16()
        ));
    }
    let field = |name: &str| {
        v[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("the server's answer has no {name}: is it an agency server?"))
    };
    let cert_pem = field("client_cert_pem").map_err(|e| {
        format!("{e} (it issues no client certificates: it was started without a device CA)")
    })?;
    Ok(Identity {
        kiosk_number: v["kiosk_number"]
            .as_u64()
            .ok_or("the server's answer has no kiosk_number")?,
        token: field("token")?,
        cert_pem,
    })
}

/// Writes `text` to `path` through a temporary file renamed over it (a crash leaves the old
/// file or the new one, never half of one), with `mode`.
fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// A TOML basic string (JSON's escapes are TOML's).
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn enroll(args: &Args) -> Result<(u64, Vec<PathBuf>, String), String> {
    let base = args.server.trim().trim_end_matches('/');
    if !base.starts_with("https://") {
        return Err(format!(
            "--server must be an https:// address, not {base:?}"
        ));
    }
    let ca_pem = std::fs::read_to_string(&args.server_ca)
        .map_err(|e| format!("cannot read --server-ca {}: {e}", args.server_ca.display()))?;
    let files: Vec<PathBuf> = [KEY_FILE, CERT_FILE, TOKEN_FILE, SERVER_CA_FILE]
        .iter()
        .map(|n| args.out.join(n))
        .collect();
    if !args.force
        && let Some(existing) = files.iter().find(|p| p.exists())
    {
        return Err(format!(
            "{} exists: this device looks enrolled already (pass --force to replace its \
             identity; the server revokes the old one when the new code is used)",
            existing.display()
        ));
    }
    let client = http_client(&ca_pem, Duration::from_secs(args.timeout_s.max(1)))?;
    let key = rcgen::KeyPair::generate().map_err(|e| format!("making the key: {e}"))?;
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kiosk enrolment");
    let csr_pem = params
        .serialize_request(&key)
        .and_then(|csr| csr.pem())
        .map_err(|e| format!("making the certificate request: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let identity = runtime.block_on(request(&client, base, &args.code, &csr_pem))?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot make {}: {e}", args.out.display()))?;
    let [key_path, cert_path, token_path, ca_path] = [0, 1, 2, 3].map(|i| files[i].clone());
    write_file(&key_path, &key.serialize_pem(), 0o600)?;
    write_file(&cert_path, &identity.cert_pem, 0o644)?;
    write_file(&token_path, &format!("{}\n", identity.token), 0o600)?;
    write_file(&ca_path, &ca_pem, 0o644)?;
    // --force over files of other modes: the secrets end up 0600 whatever they were.
    for p in [&key_path, &token_path] {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .map_err(|e| format!("cannot restrict {}: {e}", p.display()))?;
    }
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let files: Vec<PathBuf> = [&key_path, &cert_path, &token_path, &ca_path]
        .into_iter()
        .map(|p| abs(p))
        .collect();
    Ok((identity.kiosk_number, files, base.to_owned()))
}

/// Runs the command.
pub fn run(args: &Args) -> Outcome {
    let (kiosk, files, base) = match enroll(args) {
        Ok(done) => done,
        Err(reason) => {
            return output::invalid(
                args.json,
                json!({"valid": false, "reason": reason}),
                &reason,
            );
        }
    };
    let [key, cert, token, ca] = [0, 1, 2, 3].map(|i| files[i].display().to_string());
    let samad = format!(
        "[samad]\nbase_url = {}\nca_file = {}\nclient_cert_file = {}\nclient_key_file = {}\n\
         token_file = {}",
        toml_string(&base),
        toml_string(&ca),
        toml_string(&cert),
        toml_string(&key),
        toml_string(&token),
    );
    output::valid(
        args.json,
        json!({
            "valid": true,
            "kiosk_number": kiosk,
            "samad": {
                "base_url": base,
                "ca_file": ca,
                "client_cert_file": cert,
                "client_key_file": key,
                "token_file": token,
            },
        }),
        &format!(
            "enrolled as kiosk {kiosk}; in kiosk.toml set [kiosk] number = {kiosk} and:\n{samad}"
        ),
    )
}
