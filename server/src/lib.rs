//! The agency server: what an office's kiosks and desk terminals share, on PostgreSQL.
//!
//! Stateless: every fact lives in the database (devices, cases, the look-up rate limit), so
//! several instances can serve behind one load balancer against one database. What exists:
//! enrolment with a one-time code for a bearer token and, when the server has a device CA
//! ([`pki`]), a client certificate checked on every request; case ingestion
//! (idempotent per kiosk), follow-up across devices, and the upstream to SAMAD ([`upstream`]:
//! the devices' items relayed exactly once, SAMAD's events pulled back). See README "Agency
//! server" for what is still to come.

pub mod api;
pub mod auth;
pub mod body;
pub mod case;
pub mod catalogue;
pub mod claims;
pub mod console;
pub mod contract;
pub mod db;
pub mod fleet_keys;
pub mod logging;
pub mod notices;
pub mod openapi;
pub mod pki;
pub mod problem;
pub mod receipt_copies;
pub mod staff;
pub mod staff_calls;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use deadpool_postgres::Pool;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// Misses of the case look-up a device may have per hour before it is refused (429).
pub const DEFAULT_LOOKUP_MISSES_PER_HOUR: i32 = 30;

/// Shared by the handlers: nothing but the pool and settings (no state of its own).
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub pool: Pool,
    /// See [`DEFAULT_LOOKUP_MISSES_PER_HOUR`].
    pub lookup_misses_per_hour: i32,
    /// The time now (the rate limit's hour windows); see [`ServerConfig::clock`].
    pub clock: fn() -> chrono::DateTime<chrono::Utc>,
    /// See [`ServerConfig::device_ca`].
    pub device_ca: Option<Arc<pki::DeviceCa>>,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// TLS, or `None` for plain HTTP (behind a TLS-terminating proxy, or local tools).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// See [`DEFAULT_LOOKUP_MISSES_PER_HOUR`].
    pub lookup_misses_per_hour: i32,
    /// The time now: `chrono::Utc::now` in service; tests pin it, so that a run crossing the
    /// hour does not open a fresh rate-limit window halfway.
    pub clock: fn() -> chrono::DateTime<chrono::Utc>,
    /// The device CA: enrolment issues client certificates from it, and every request of a
    /// device must come over TLS with the certificate recorded for its token (`tls` must then
    /// be built by [`tls_config`] with the same CA). `None`: bearer tokens only (plain HTTP
    /// behind a proxy, or TLS without client certificates).
    pub device_ca: Option<Arc<pki::DeviceCa>>,
}

/// The server's TLS from a PEM certificate chain and its PEM private key. With `device_ca`,
/// clients may present a certificate, which must then chain to that CA (a certificate from
/// anything else ends the handshake); presenting none is allowed, because a device enrolling
/// has none yet: which requests need one is decided per request (`auth::Device`).
pub fn tls_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    device_ca: Option<&pki::DeviceCa>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_slice_iter(cert_pem).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the certificate PEM holds no certificate"
    );
    let key = PrivateKeyDer::from_pem_slice(key_pem)?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let builder = match device_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.cert_der().clone())?;
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/openapi.yaml", get(openapi::document))
        .route("/v1/enrol", post(api::enrol))
        .route("/v1/devices/{kiosk}/cases", post(api::ingest_case))
        .route("/v1/cases/{tracking_code}", get(api::lookup_case))
        .merge(contract::routes())
        .merge(fleet_keys::routes())
        .layer(middleware::from_fn(body::bounded_json))
        .layer(middleware::from_fn(problem::ensure_problem_json))
        .layer(middleware::from_fn(log_request))
        .layer(middleware::from_fn(openapi::contract_version))
        .with_state(state)
}

/// One log line per request: method, route template (never the query: it holds national
/// codes), status and time.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::debug!(
        %method,
        route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis(),
        "request"
    );
    response
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://ADDR` (or `http://`).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Waits until the accept loop ends (never, unless shut down).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Serves `pool` (already migrated) as `config` says.
pub async fn start(pool: Pool, config: ServerConfig) -> anyhow::Result<ServerHandle> {
    anyhow::ensure!(
        config.tls.is_some() || config.device_ca.is_none(),
        "a device CA needs TLS: client certificates cannot be checked over plain HTTP"
    );
    let app = router(Arc::new(AppState {
        pool,
        lookup_misses_per_hour: config.lookup_misses_per_hour,
        clock: config.clock,
        device_ca: config.device_ca,
    }));
    serve_router(config.listen, config.tls, app).await
}

/// Serves `app` on `listen`, over TLS when `tls` is given (the device contract, and the
/// console on its own listener).
pub(crate) async fn serve_router(
    listen: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
) -> anyhow::Result<ServerHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let tls = acceptor.is_some();
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stopped.changed() => return,
            };
            let (tcp, peer) = match accepted {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let app = app.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(tls) => {
                            let peer = tls
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(<[_]>::first)
                                .map(|c| pki::PeerCertificate {
                                    fingerprint: pki::fingerprint(c),
                                });
                            serve(TokioIo::new(tls), app, peer).await;
                        }
                        Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake refused"),
                    },
                    None => serve(TokioIo::new(tcp), app, None).await,
                }
            });
        }
    });
    tracing::info!(%addr, tls, "agency server listening");
    Ok(ServerHandle {
        addr,
        tls,
        stop,
        task,
    })
}

/// Serves one connection; `peer` (the client certificate of a TLS connection) goes into every
/// request's extensions, where `auth::Device` reads it.
async fn serve<I>(io: TokioIo<I>, app: Router, peer: Option<pki::PeerCertificate>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            if let Some(peer) = peer {
                req.extensions_mut().insert(peer);
            }
            app.clone().oneshot(req.map(Body::new))
        });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await
    {
        tracing::debug!(error = %e, "connection ended");
    }
}
