//! What the server logs: the operator's `RUST_LOG` (`info` without one), with the database
//! driver never below `info`. The driver logs every statement's parameters at `debug`, which
//! would put applicants' national codes and phones in the log; the server's own lines name
//! kiosks, items and tracking codes only (server/tests/log_privacy.rs checks both).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;

/// Libraries that log the data they carry at `debug` or finer, held at `info`.
const HELD_AT_INFO: &[&str] = &["tokio_postgres", "postgres_protocol"];

/// The filter for `asked` (a `RUST_LOG` value; `None` or unreadable: `info`).
pub fn filter(asked: Option<&str>) -> EnvFilter {
    let mut filter = asked
        .and_then(|a| EnvFilter::try_new(a).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    for target in HELD_AT_INFO {
        if let Ok(directive) = format!("{target}=info").parse::<Directive>() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}
