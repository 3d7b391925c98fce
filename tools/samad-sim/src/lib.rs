//! A SAMAD simulator: a real HTTPS server speaking the kiosk's wire contract
//! (`kiosk_sync::OPENAPI_YAML`) with its own SQLite, for the demo and the tests.
//!
//! - TLS with certificates made at start ([`pki`]); client certificates are required and
//!   verified (mutual TLS), and a bearer token is checked on every request.
//! - Items are kept forever by their kiosk and UUID ([`db`]): a replay gets the first answer
//!   again, a reused key with another body gets 409 with a reason, and so does a second case
//!   with a tracking code already recorded.
//! - The contract's bounds are kept: parameters ([`params`]), bodies ([`body`]), payloads
//!   ([`validate`]); every refusal is Problem JSON, RFC 9457 ([`problem`]).
//! - Faults on request ([`faults`]): status codes, delays, connection resets, garbage bodies,
//!   dropping the answer after committing, 429 with `Retry-After`.
//!
//! Start it in-process with [`start`] on `127.0.0.1:0`, or run the `samad-sim` binary.

mod admin;
mod api;
pub mod body;
pub mod db;
pub mod faults;
pub mod params;
pub mod pki;
pub mod problem;
mod server;
pub mod validate;

pub use api::{CATALOGUE_ETAG, catalogue};
pub use server::{RecordedRequest, SimConfig, SimHandle, SimState, SimStats, start};
