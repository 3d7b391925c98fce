//! The HTTP side: the contract's routes (axum), bearer-token check, fault injection, and the
//! accept loop that terminates TLS (rustls with the ring provider, client certificates required
//! and verified against the test CA) and serves each connection with hyper. The accept loop is
//! our own so a fault can abort a connection without an answer: a handler marks its response
//! with [`Abort`], and the service turns it into a connection error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use hyper_util::rt::TokioIo;
use kiosk_sync::wire::{
    Agency, Catalogue, CatalogueEntry, EventPage, EventType, HeartbeatAck, HolidayOverride,
    ItemResult, ItemType, MAX_BATCH_BYTES, MAX_BATCH_ITEMS, MAX_EVENT_PAGE, Problem, SubmitBatch,
    SubmitBatchResult, SubmitItem,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use uuid::Uuid;

use crate::db::SimDb;
use crate::faults::{Fault, FaultPlan, FaultRequest};
use crate::pki::{Identity, TestPki};

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
    config: SimConfig,
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

fn problem(status: StatusCode, code: &str, reason: impl Into<String>) -> Response {
    (
        status,
        Json(Problem {
            code: code.to_owned(),
            reason: reason.into(),
        }),
    )
        .into_response()
}

/// A refusal on its way out of a helper (boxed: a `Response` is large).
struct Refused(Box<Response>);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

fn internal(e: impl std::fmt::Display) -> Refused {
    Refused(Box::new(problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        e.to_string(),
    )))
}

fn abort() -> Response {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Abort);
    r
}

/// The kiosk number in a `/v1/kiosks/{n}/…` path.
fn path_kiosk(path: &str) -> Option<u32> {
    path.strip_prefix("/v1/kiosks/")?
        .split('/')
        .next()?
        .parse()
        .ok()
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
        match path_kiosk(req.uri().path()) {
            Some(kiosk) if kiosk == owner => return next.run(req).await,
            _ => {
                state.stats.forbidden.fetch_add(1, Ordering::Relaxed);
                return problem(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!("this token belongs to kiosk {owner}"),
                );
            }
        }
    }
    if !ok {
        state.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        return problem(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        );
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
        let Ok(bytes) = axum::body::to_bytes(body, MAX_BATCH_BYTES * 2).await else {
            return problem(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "body too large");
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

/// Counts request bodies that came gzip-compressed (before they are decompressed).
async fn count_gzip(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let gzipped = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if gzipped {
        state.stats.gzip_requests.fetch_add(1, Ordering::Relaxed);
    }
    next.run(req).await
}

/// Judges items with the database.
fn judge(state: &SimState, kiosk: u32, items: Vec<SubmitItem>) -> Result<Vec<ItemResult>, Refused> {
    let parsed: Vec<(Uuid, ItemType, Value)> = items
        .into_iter()
        .map(|i| {
            let body = serde_json::from_str::<Value>(i.payload.get()).unwrap_or(Value::Null);
            (i.item_id, i.item_type, body)
        })
        .collect();
    let results = state
        .db
        .lock()
        .map_err(internal)?
        .submit(kiosk, &parsed, &state.config.refused_subjects)
        .map_err(internal)?;
    for r in &results {
        let counter = match r.status {
            201 => &state.stats.created,
            200 => &state.stats.replayed,
            409 => &state.stats.conflicts,
            _ => continue,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(results)
}

fn kiosk_ok(kiosk: u32) -> Result<(), Refused> {
    if (1..=99_999).contains(&kiosk) {
        Ok(())
    } else {
        Err(Refused(Box::new(problem(
            StatusCode::NOT_FOUND,
            "unknown_kiosk",
            "kiosk_number must be 1..=99999",
        ))))
    }
}

async fn submit_batch(
    State(state): State<Arc<SimState>>,
    Path(kiosk): Path<u32>,
    body: Bytes,
) -> Response {
    if let Err(r) = kiosk_ok(kiosk) {
        return r.into_response();
    }
    if body.len() > MAX_BATCH_BYTES {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("a batch holds at most {MAX_BATCH_BYTES} bytes"),
        );
    }
    let batch: SubmitBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if batch.items.is_empty() || batch.items.len() > MAX_BATCH_ITEMS {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            format!("a batch holds 1 to {MAX_BATCH_ITEMS} items"),
        );
    }
    match judge(&state, kiosk, batch.items) {
        Ok(results) => Json(SubmitBatchResult { results }).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn submit_item(
    State(state): State<Arc<SimState>>,
    Path((kiosk, item_id)): Path<(u32, Uuid)>,
    body: Bytes,
) -> Response {
    if let Err(r) = kiosk_ok(kiosk) {
        return r.into_response();
    }
    let item: SubmitItem = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    if item.item_id != item_id {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "item_id in the path and the body differ",
        );
    }
    match judge(&state, kiosk, vec![item]) {
        Ok(mut results) => match results.pop() {
            Some(r) => (
                StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK),
                Json(r),
            )
                .into_response(),
            None => internal("no result").into_response(),
        },
        Err(r) => r.into_response(),
    }
}

#[derive(Deserialize)]
struct EventQuery {
    after: Option<String>,
    limit: Option<u32>,
}

async fn events(
    State(state): State<Arc<SimState>>,
    Path(kiosk): Path<u32>,
    Query(q): Query<EventQuery>,
) -> Response {
    if let Err(r) = kiosk_ok(kiosk) {
        return r.into_response();
    }
    let after = match q.after.as_deref() {
        None | Some("") => 0,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => return problem(StatusCode::BAD_REQUEST, "bad_cursor", "unknown cursor"),
        },
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_EVENT_PAGE);
    let page = state
        .db
        .lock()
        .map_err(internal)
        .and_then(|db| db.events(kiosk, after, limit).map_err(internal));
    match page {
        Ok((events, has_more, last)) => Json(EventPage {
            events,
            next_cursor: last.to_string(),
            has_more,
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// The simulator's catalogue.
pub fn catalogue() -> Catalogue {
    let entry = |code: &str, name: &str, id: Option<&str>| CatalogueEntry {
        service_code: code.to_owned(),
        service_name: name.to_owned(),
        group: None,
        keywords: Vec::new(),
        service_identifier: id.map(str::to_owned),
    };
    Catalogue {
        version: "sim-1".to_owned(),
        case_kinds: vec!["complaint".into(), "request".into(), "suggestion".into()],
        subjects: (0..7)
            .map(|n| entry(&format!("SUBJ-{n}"), &format!("موضوع {n}"), None))
            .collect(),
        services: vec![entry("SRV-12", "صدور گواهی", Some("12011234567"))],
        agency: Agency {
            agency_code: "SIM".into(),
            name: "دستگاه آزمایشی".into(),
            subject_scope: (0..7).map(|n| format!("SUBJ-{n}")).collect(),
        },
        holiday_overrides: vec![HolidayOverride {
            date: "2026-03-30".into(),
            closed: true,
            reason: Some("تعطیلی آزمایشی".into()),
        }],
    }
}

/// The catalogue's ETag.
pub const CATALOGUE_ETAG: &str = "\"sim-1\"";

async fn get_catalogue(
    State(state): State<Arc<SimState>>,
    Path(kiosk): Path<u32>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = kiosk_ok(kiosk) {
        return r.into_response();
    }
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == CATALOGUE_ETAG));
    if matches {
        state
            .stats
            .catalogue_not_modified
            .fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_MODIFIED.into_response();
    }
    state.stats.catalogue_sent.fetch_add(1, Ordering::Relaxed);
    let mut r = Json(catalogue()).into_response();
    r.headers_mut()
        .insert(header::ETAG, HeaderValue::from_static(CATALOGUE_ETAG));
    r
}

async fn heartbeat(
    State(state): State<Arc<SimState>>,
    Path(kiosk): Path<u32>,
    body: Bytes,
) -> Response {
    if let Err(r) = kiosk_ok(kiosk) {
        return r.into_response();
    }
    if let Err(e) = serde_json::from_slice::<kiosk_sync::wire::Heartbeat>(&body) {
        return problem(StatusCode::BAD_REQUEST, "bad_request", e.to_string());
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let stored = state
        .db
        .lock()
        .map_err(internal)
        .and_then(|mut db| db.heartbeat(kiosk, &text).map_err(internal));
    if stored.is_ok() {
        state.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
    }
    match stored {
        Ok(()) => Json(HeartbeatAck {
            server_time: Utc::now(),
            catalogue_etag: Some(CATALOGUE_ETAG.to_owned()),
        })
        .into_response(),
        Err(r) => r.into_response(),
    }
}

/// What `POST /admin/events` takes.
#[derive(Debug, Deserialize)]
struct NewSimEvent {
    service_request_id: String,
    event_type: EventType,
    unit: String,
    person: String,
    notes: Option<String>,
}

async fn admin_event(State(state): State<Arc<SimState>>, Json(e): Json<NewSimEvent>) -> Response {
    let added = state.db.lock().map_err(internal).and_then(|mut db| {
        db.add_event(
            &e.service_request_id,
            e.event_type,
            Utc::now(),
            &e.unit,
            &e.person,
            e.notes.as_deref(),
        )
        .map_err(internal)
    });
    match added {
        Ok(Some(id)) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "event_id": id })),
        )
            .into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "unknown_case", "no such case"),
        Err(r) => r.into_response(),
    }
}

async fn admin_faults(
    State(state): State<Arc<SimState>>,
    Json(req): Json<FaultRequest>,
) -> Response {
    match state.faults.lock() {
        Ok(mut plan) => {
            plan.clear();
            plan.script(req.script);
            if let Some(random) = req.random {
                plan.randomly(random);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => internal(e).into_response(),
    }
}

async fn admin_stats(State(state): State<Arc<SimState>>) -> Response {
    let s = &state.stats;
    let items = state
        .db
        .lock()
        .ok()
        .and_then(|db| db.item_count().ok())
        .unwrap_or(0);
    Json(serde_json::json!({
        "items": items,
        "requests": SimStats::get(&s.requests),
        "faults": SimStats::get(&s.faults),
        "created": SimStats::get(&s.created),
        "replayed": SimStats::get(&s.replayed),
        "conflicts": SimStats::get(&s.conflicts),
        "unauthorized": SimStats::get(&s.unauthorized),
        "forbidden": SimStats::get(&s.forbidden),
        "gzip_requests": SimStats::get(&s.gzip_requests),
        "heartbeats": SimStats::get(&s.heartbeats),
        "catalogue_sent": SimStats::get(&s.catalogue_sent),
        "catalogue_not_modified": SimStats::get(&s.catalogue_not_modified),
    }))
    .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        kiosk_sync::OPENAPI_YAML,
    )
        .into_response()
}

/// The routes.
fn router(state: Arc<SimState>) -> Router {
    let v1 = Router::new()
        .route("/v1/kiosks/{kiosk}/submissions", post(submit_batch))
        .route("/v1/kiosks/{kiosk}/items/{item_id}", put(submit_item))
        .route("/v1/kiosks/{kiosk}/events", get(events))
        .route("/v1/kiosks/{kiosk}/catalogue", get(get_catalogue))
        .route("/v1/kiosks/{kiosk}/heartbeat", post(heartbeat))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), inject))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), auth));
    let admin = Router::new()
        .route("/admin/events", post(admin_event))
        .route("/admin/faults", post(admin_faults))
        .route("/admin/stats", get(admin_stats))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), auth));
    Router::new()
        .merge(v1)
        .merge(admin)
        .route("/openapi.yaml", get(openapi))
        .layer(CompressionLayer::new())
        // Request bodies may come gzip-compressed; the body limits apply after decompression.
        .layer(RequestDecompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            count_gzip,
        ))
        .with_state(state)
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
