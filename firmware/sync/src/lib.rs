//! SAMAD sync of the kiosk: the wire contract, the client that speaks it and the outbox relay.
//!
//! - [`OPENAPI_YAML`]: the contract (`openapi.yaml` beside this crate), served by the simulator
//!   and checked against both sides in the tests; [`wire`] holds its messages as Rust types.
//! - [`SamadClient`]: HTTPS with mutual TLS, a pinned CA, a bearer token, timeouts and gzip.
//! - [`Relay`]: the tokio task that drains the outbox (leases, batches, backoff with full
//!   jitter, `Retry-After`, poison items parked, per-case order) and pulls case events back.
//! - [`Link`]: the device's one backoff for all of it (outbox, heartbeat, catalogue, events):
//!   while the server cannot be reached, one probe per wait, nothing else.
//! - [`periodic`]: the relay's heartbeat (device health), catalogue check (ETag) and event
//!   pull, scheduled with injected time.
//! - [`SamadClient::from_config`] and [`RelaySettings::from_config`]: both from the `[samad]`
//!   section of kiosk.toml.
//!
//! Privacy: payloads hold national codes and phones in clear; they are sent, never logged.

mod backoff;
pub mod catalogue;
mod client;
mod error;
mod link;
pub mod periodic;
mod relay;
mod tls;
pub mod wire;

pub use backoff::Backoff;
pub use client::{
    CatalogueFetch, ClientSettings, DEFAULT_GZIP_MIN_BYTES, FleetKeysFetch, MAX_PEM_FILE_BYTES,
    MAX_RETRY_AFTER, MAX_TOKEN_FILE_BYTES, SamadClient, parse_retry_after,
};
pub use error::SyncError;
pub use link::Link;
pub use periodic::{CatalogueUpdate, DeviceHealth, Job, Schedule};
pub use relay::{
    CATALOGUE_SETTING, Relay, RelayHandle, RelaySettings, RelayStats, Round, SharedStore,
};
pub use tls::{TlsMaterial, client_config};

/// The wire contract, as an OpenAPI 3.1 document.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
