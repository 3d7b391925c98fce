//! Errors of the sync layer, sorted by what the relay must do about them: retry later (no
//! definite answer), wait as told (rate limited), fix the setup (configuration, credentials),
//! or give up on one request (refused for good).

use std::time::Duration;

use kiosk_store::StoreError;

/// An error talking to SAMAD or keeping the outbox.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The client could not be set up (certificate, key, CA, URL).
    #[error("sync configuration: {0}")]
    Config(String),
    /// No answer: connection refused or reset, TLS failure, timeout, body cut short.
    #[error("no answer from SAMAD: {0}")]
    Transport(String),
    /// SAMAD asked to slow down (429, or 503 with `Retry-After`).
    #[error("SAMAD is rate limiting (HTTP {status}), retry after {retry_after:?}")]
    RateLimited {
        /// The HTTP status.
        status: u16,
        /// The wait SAMAD asked for.
        retry_after: Option<Duration>,
    },
    /// SAMAD failed (5xx): nothing definite was said.
    #[error("SAMAD failed with HTTP {status}")]
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// SAMAD refused the credentials (401/403): every request will fail until fixed.
    #[error("SAMAD refused the kiosk's credentials (HTTP {status}): {reason}")]
    Unauthorized {
        /// The HTTP status.
        status: u16,
        /// SAMAD's reason.
        reason: String,
    },
    /// SAMAD refused the request as a whole for good (400, 404, 413, 422, ...).
    #[error("SAMAD refused the request (HTTP {status}): {reason}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// SAMAD's reason.
        reason: String,
    },
    /// The answer did not follow the contract (garbage, wrong item count).
    #[error("SAMAD's answer does not follow the contract: {0}")]
    BadAnswer(String),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking store task panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
}

impl SyncError {
    /// Whether waiting and trying again may succeed (the relay backs off); false for errors
    /// that need a person (configuration, credentials) or that concern one request for good.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Transport(_)
                | Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::BadAnswer(_)
        )
    }
}
