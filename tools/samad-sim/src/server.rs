//! The HTTP side: configuration and shared state, the bearer-token check, fault injection, the
//! routes (handlers in [`crate::api`] and [`crate::admin`]), and the accept loop that
//! terminates TLS (rustls with the ring provider, client certificates required and verified
//! against the test CA) and serves each connection with hyper. The accept loop is our own so a
//! fault can abort a connection without an answer: a handler marks its response with [`Abort`],
//! and the service turns it into a connection error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;

use crate::body::{self, MAX_BODY_BYTES};
use crate::db::SimDb;
use crate::faults::{Fault, FaultPlan};
use crate::params::{self, path_kiosk};
use crate::pki::{Identity, TestPki};
use crate::problem::{ensure_problem_json, problem};
use crate::{admin, api};

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The database file (`None`: in memory).
    pub db: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS (local tools only).
    pub plain_http: bool,
    /// The bearer token every kiosk must send.
    pub token: String,
    /// Subjects refused with 422 (to stage a poison item).
    pub refused_subjects: Vec<String>,
    /// Keep every `/v1` request (method, path, body) for the contract tests.
    pub record_requests: bool,
    /// Keep the arrival time of every `/v1` request (for the load benchmark).
    pub record_arrivals: bool,
    /// Tokens bound to one kiosk each: such a token is accepted only on that kiosk's paths
    /// (another kiosk's paths get 403). The shared [`SimConfig::token`] stays valid for all.
    pub kiosk_tokens: Vec<(u32, String)>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: None,
            plain_http: false,
            token: "sim-token".to_owned(),
            refused_subjects: Vec::new(),
            record_requests: false,
            record_arrivals: false,
            kiosk_tokens: Vec::new(),
        }
    }
}

/// Counters of what the simulator saw.
#[derive(Debug, Default)]
pub struct SimStats {
    /// Requests to `/v1` routes.
    pub requests: AtomicU64,
    /// Faults applied.
    pub faults: AtomicU64,
    /// Items answered 201.
    pub created: AtomicU64,
    /// Items answered 200 (replays).
    pub replayed: AtomicU64,
    /// Items answered 409.
    pub conflicts: AtomicU64,
    /// Requests refused for a missing or wrong token.
    pub unauthorized: AtomicU64,
    /// Requests refused because the token belongs to another kiosk.
    pub forbidden: AtomicU64,
    /// Requests whose body came gzip-compressed.
    pub gzip_requests: AtomicU64,
    /// Heartbeats stored.
    pub heartbeats: AtomicU64,
    /// Catalogues sent whole.
    pub catalogue_sent: AtomicU64,
    /// Catalogue requests answered 304.
    pub catalogue_not_modified: AtomicU64,
}

impl SimStats {
    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Shared state of the handlers.
pub struct SimState {
    /// The database.
    pub db: Mutex<SimDb>,
    /// The fault plan.
    pub faults: Mutex<FaultPlan>,
    /// Counters.
    pub stats: SimStats,
    /// The requests kept when [`SimConfig::record_requests`] is set.
    pub recorded: Mutex<Vec<RecordedRequest>>,
    /// Arrival times of `/v1` requests when [`SimConfig::record_arrivals`] is set.
    pub arrivals: Mutex<Vec<std::time::Instant>>,
    pub(crate) config: SimConfig,
}

/// A request as the simulator received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: String,
    /// The path (no query).
    pub path: String,
    /// The body.
    pub body: Bytes,
}

/// Marks a response whose connection must be aborted instead of answered.
#[derive(Debug, Clone, Copy)]
struct Abort;

#[derive(Debug)]
struct AbortError;

impl std::fmt::Display for AbortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection aborted by fault injection")
    }
}

impl std::error::Error for AbortError {}

fn abort() -> Response {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Abort);
    r
}

/// Checks the bearer token: the shared one, or a kiosk's own on that kiosk's paths only.
async fn auth(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let ok = !presented.is_empty() && presented == state.config.token;
    let bound = state
        .config
        .kiosk_tokens
        .iter()
        .find(|(_, t)| !t.is_empty() && *t == presented)
        .map(|(k, _)| *k);
    if let Some(owner) = bound {
        let path = req.uri().path();
        match path_kiosk(path) {
            Some(kiosk) if kiosk == owner => return next.run(req).await,
            _ => {
                state.stats.forbidden.fetch_add(1, Ordering::Relaxed);
                return problem(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("this token belongs to kiosk {owner} and is refused on {path}"),
                );
            }
        }
    }
    if !ok {
        state.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        let detail = if presented.is_empty() {
            "no bearer token: send Authorization: Bearer <the kiosk's token>"
        } else {
            "the bearer token is not one this server knows"
        };
        let mut r = problem(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"samad\""),
        );
        return r;
    }
    next.run(req).await
}

/// Applies the next fault of the plan around the handler.
async fn inject(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    state.stats.requests.fetch_add(1, Ordering::Relaxed);
    if state.config.record_arrivals
        && let Ok(mut arrivals) = state.arrivals.lock()
    {
        arrivals.push(std::time::Instant::now());
    }
    let req = if state.config.record_requests {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a request body holds at most {MAX_BODY_BYTES} bytes"),
            );
        };
        if let Ok(mut recorded) = state.recorded.lock() {
            recorded.push(RecordedRequest {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                body: bytes.clone(),
            });
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let fault = state
        .faults
        .lock()
        .ok()
        .and_then(|mut plan| plan.next_fault());
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    state.stats.faults.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(?fault, path = %req.uri().path(), "fault injected");
    match fault {
        Fault::Status { status } => problem(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "injected",
            format!("fault injection: HTTP {status}"),
        ),
        Fault::Delay { ms } => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Fault::Reset => abort(),
        Fault::Garbage => {
            let _committed = next.run(req).await;
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "<html>502 proxy error: upstream",
            )
                .into_response()
        }
        Fault::DropAfterCommit => {
            let _committed = next.run(req).await;
            abort()
        }
        Fault::RateLimit { retry_after_s } => {
            let mut r = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests",
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::UnavailableUntil { retry_after_s } => {
            let mut r = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "maintenance",
                "down for maintenance",
            );
            let at = std::time::SystemTime::now() + std::time::Duration::from_secs(retry_after_s);
            if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(at)) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

/// The routes. A `/v1` request passes, in order: the bearer token ([`auth`]), the kiosk
/// number ([`params::kiosk`]), the body ([`body::decode`]), fault injection ([`inject`]), the
/// handler. Every error answer, wherever made, leaves as a problem ([`ensure_problem_json`]).
fn router(state: Arc<SimState>) -> Router {
    let v1 = Router::new()
        .route("/v1/kiosks/{kiosk}/submissions", post(api::submit_batch))
        .route("/v1/kiosks/{kiosk}/items/{item_id}", put(api::submit_item))
        .route("/v1/kiosks/{kiosk}/events", get(api::events))
        .route("/v1/kiosks/{kiosk}/catalogue", get(api::get_catalogue))
        .route("/v1/kiosks/{kiosk}/heartbeat", post(api::heartbeat))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), inject))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            body::decode,
        ))
        .layer(middleware::from_fn(params::kiosk))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), auth));
    let admin = Router::new()
        .route("/admin/events", post(admin::admin_event))
        .route("/admin/faults", post(admin::admin_faults))
        .route("/admin/stats", get(admin::admin_stats))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            body::decode,
        ))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), auth));
    Router::new()
        .merge(v1)
        .merge(admin)
        .route("/openapi.yaml", get(admin::openapi))
        .fallback(not_found)
        .layer(middleware::from_fn(ensure_problem_json))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Any path the simulator does not serve.
async fn not_found(uri: Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("{} is not a path of this server", uri.path()),
    )
}

/// The server's TLS: its certificate, and client certificates required from the CA.
fn server_tls(pki: &TestPki) -> anyhow::Result<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pki.ca_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()?;
    let chain = CertificateDer::pem_slice_iter(pki.server.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_slice(pki.server.key_pem.as_bytes())?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A running simulator.
pub struct SimHandle {
    addr: SocketAddr,
    plain: bool,
    pki: TestPki,
    state: Arc<SimState>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` with plain HTTP).
    pub fn base_url(&self) -> String {
        let scheme = if self.plain { "http" } else { "https" };
        format!("{scheme}://{}", self.addr)
    }

    /// The run's certificates.
    pub fn pki(&self) -> &TestPki {
        &self.pki
    }

    /// A client identity for a kiosk, signed by the run's CA.
    pub fn kiosk_identity(&self, kiosk_number: u32) -> anyhow::Result<Identity> {
        Ok(self.pki.issue_kiosk(kiosk_number)?)
    }

    /// The shared state (database, faults, counters).
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    /// Runs `f` on the fault plan.
    pub fn faults<T>(&self, f: impl FnOnce(&mut FaultPlan) -> T) -> T {
        let mut plan = match self.state.faults.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut plan)
    }

    /// Runs `f` on the database.
    pub fn db<T>(&self, f: impl FnOnce(&mut SimDb) -> T) -> T {
        let mut db = match self.state.db.lock() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut db)
    }

    /// Counters.
    pub fn stats(&self) -> &SimStats {
        &self.state.stats
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the simulator.
pub async fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
    let pki = TestPki::generate(&["localhost", "127.0.0.1", "::1"])?;
    let db = SimDb::open(config.db.as_deref())?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let plain = config.plain_http;
    let acceptor = if plain {
        None
    } else {
        Some(tokio_rustls::TlsAcceptor::from(Arc::new(server_tls(&pki)?)))
    };
    let state = Arc::new(SimState {
        db: Mutex::new(db),
        faults: Mutex::new(FaultPlan::default()),
        stats: SimStats::default(),
        recorded: Mutex::new(Vec::new()),
        arrivals: Mutex::new(Vec::new()),
        config,
    });
    let app = router(Arc::clone(&state));
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
                        Ok(tls) => serve(TokioIo::new(tls), app).await,
                        Err(e) => tracing::debug!(%peer, error = %e, "TLS handshake refused"),
                    },
                    None => serve(TokioIo::new(tcp), app).await,
                }
            });
        }
    });
    tracing::info!(%addr, plain, "SAMAD simulator listening");
    Ok(SimHandle {
        addr,
        plain,
        pki,
        state,
        stop,
        task,
    })
}

/// Serves one connection; a response marked [`Abort`] ends it without an answer.
async fn serve<I>(io: TokioIo<I>, app: Router)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let app = app.clone();
        async move {
            let response = match app.oneshot(req.map(Body::new)).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if response.extensions().get::<Abort>().is_some() {
                Err(AbortError)
            } else {
                Ok(response)
            }
        }
    });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await
    {
        tracing::debug!(error = %e, "connection ended");
    }
}
