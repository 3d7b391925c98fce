//! What the server logs: the operator's `RUST_LOG` (`info` without one), with the database
//! driver never below `info`, whatever is asked. The driver logs every statement's parameters
//! at `debug` (target `tokio_postgres::query`), which would put applicants' national codes and
//! phones in the log; the server's own lines name kiosks, items and tracking codes only
//! (server/tests/log_privacy.rs checks both, with the driver asked for by any target).
//!
//! The driver is held by a filter of its own rather than a directive of the `RUST_LOG` filter:
//! a more specific directive (`tokio_postgres::query=debug`) would win over a directive.

use tracing::Metadata;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::FilterFn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, fmt};

/// Crates that log the data they carry at `debug` or finer, held at `info`.
const HELD_AT_INFO: &[&str] = &["tokio_postgres", "postgres_protocol"];

/// The operator's filter for `asked` (a `RUST_LOG` value; `None` or unreadable: `info`).
pub fn filter(asked: Option<&str>) -> EnvFilter {
    asked
        .and_then(|a| EnvFilter::try_new(a).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
}

/// Whether an event or span may be logged at all: not the driver's below `info`.
pub fn allowed(metadata: &Metadata<'_>) -> bool {
    let held = HELD_AT_INFO.iter().any(|c| {
        metadata
            .target()
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    !held || *metadata.level() <= tracing::Level::INFO
}

/// Installs the process's subscriber: `asked`'s filter, the driver held, lines to `writer`.
/// Fails if a subscriber is installed already.
pub fn init<W>(asked: Option<&str>, writer: W, ansi: bool) -> Result<(), impl std::error::Error>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_writer(writer)
                .with_ansi(ansi)
                .with_filter(filter(asked))
                .with_filter(FilterFn::new(allowed)),
        )
        .try_init()
}
