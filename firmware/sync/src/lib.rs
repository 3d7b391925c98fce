//! SAMAD sync of the kiosk: the wire contract, the client that speaks it and the outbox relay.
//!
//! - [`OPENAPI_YAML`]: the contract (`openapi.yaml` beside this crate), served by the simulator
//!   and checked against both sides in the tests; [`wire`] holds its messages as Rust types.
//! - [`SamadClient`]: HTTPS with mutual TLS, a pinned CA, a bearer token, timeouts and gzip.
//! - [`Relay`]: the tokio task that drains the outbox (leases, batches, backoff with full
//!   jitter, `Retry-After`, poison items parked, per-case order) and pulls case events back.
//!
//! Privacy: payloads hold national codes and phones in clear; they are sent, never logged.

mod backoff;
mod client;
mod error;
mod relay;
mod tls;
pub mod wire;

pub use backoff::Backoff;
pub use client::{CatalogueFetch, ClientSettings, SamadClient};
pub use error::SyncError;
pub use relay::{Relay, RelayHandle, RelaySettings, RelayStats, Round, SharedStore};
pub use tls::{TlsMaterial, client_config};

/// The wire contract, as an OpenAPI 3.1 document.
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
