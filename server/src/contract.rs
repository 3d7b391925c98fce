//! The device contract served to the office's devices: the same operations a kiosk's relay
//! speaks to SAMAD (`/v1/kiosks/{kiosk}/submissions`, `events`, `catalogue`, `heartbeat`, as
//! `kiosk_sync::wire` names them), so a device relays to the server unchanged, plus what only
//! an office has (look-ups of any of the agency's cases).

use std::sync::Arc;

use axum::Router;

use crate::AppState;

/// The contract's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
