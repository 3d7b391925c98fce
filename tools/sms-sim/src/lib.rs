//! An SMS provider simulator: the HTTP API the agency server sends its notices to applicants
//! through (server/src/notices/), for the tests and the demo.
//!
//! - `POST /v1/messages` with `Authorization: Bearer KEY` and `{"to", "text", "client_ref"}`
//!   takes a message: 201 with its id. The caller's reference is kept forever: a replay (same
//!   number and text) is answered 200 with the first message and sends nothing, the same
//!   reference with another number or text is 409. A number that is not `09` and nine digits,
//!   or a text of more parts than allowed ([`parts`]), is 422.
//! - A token bucket limits the messages taken per second: over it, 429 with `Retry-After`.
//! - `GET /v1/messages/{id}` is the delivery report: `queued`, then after the delivery delay
//!   `delivered`, or `undeliverable` for a number ending in `0000` (a phone switched off).
//! - Faults on request ([`Faults`]): the next N requests answered 500, a share answered 503,
//!   a share of messages taken and their answer never sent (the caller times out), latency.
//! - `GET /admin/messages` lists what was taken and how often each was asked for;
//!   `PUT /admin/faults` sets the faults. Every refusal is JSON `{"error", "message"}`.
//!
//! Plain HTTP on loopback: a real provider is HTTPS, which the server's client speaks too.
//! Start it in-process with [`start`], or run the `sms-sim` binary.

mod api;
pub mod parts;
mod state;

pub use state::{Faults, MessageRecord, SimConfig, SimHandle, Status, start};
