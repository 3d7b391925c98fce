//! PostgreSQL: the connection pool and the versioned migrations.
//!
//! Migrations are the files of `server/migrations/`, compiled in ([`MIGRATIONS`]), applied in
//! order at start in one transaction that also records them in `schema_version` (version, name,
//! SHA-256 of the SQL). A transaction-scoped advisory lock serialises instances starting
//! together, so two servers against one database apply each migration once. A database whose
//! schema is newer than the binary, or whose applied migration differs from the binary's copy,
//! is refused: an older binary must not write into a schema it does not know.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

/// One migration: its version (the file's number), its name (the file's) and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Applied in increasing order, each once.
    pub version: i32,
    /// The file name.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// Every migration, in order (a test checks this list against the directory).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_devices_and_cases.sql",
        sql: include_str!("../migrations/0001_devices_and_cases.sql"),
    },
    Migration {
        version: 2,
        name: "0002_device_contract.sql",
        sql: include_str!("../migrations/0002_device_contract.sql"),
    },
    Migration {
        version: 3,
        name: "0003_device_certificates.sql",
        sql: include_str!("../migrations/0003_device_certificates.sql"),
    },
    Migration {
        version: 4,
        name: "0004_heartbeat_health.sql",
        sql: include_str!("../migrations/0004_heartbeat_health.sql"),
    },
    Migration {
        version: 5,
        name: "0005_visit_claims.sql",
        sql: include_str!("../migrations/0005_visit_claims.sql"),
    },
    Migration {
        version: 6,
        name: "0006_staff.sql",
        sql: include_str!("../migrations/0006_staff.sql"),
    },
    Migration {
        version: 7,
        name: "0007_staff_calls.sql",
        sql: include_str!("../migrations/0007_staff_calls.sql"),
    },
    Migration {
        version: 8,
        name: "0008_satisfaction_keys.sql",
        sql: include_str!("../migrations/0008_satisfaction_keys.sql"),
    },
    Migration {
        version: 9,
        name: "0009_receipt_copies.sql",
        sql: include_str!("../migrations/0009_receipt_copies.sql"),
    },
    Migration {
        version: 10,
        name: "0010_staff_calls_seen.sql",
        sql: include_str!("../migrations/0010_staff_calls_seen.sql"),
    },
    Migration {
        version: 11,
        name: "0011_visitor_identity.sql",
        sql: include_str!("../migrations/0011_visitor_identity.sql"),
    },
    Migration {
        version: 12,
        name: "0012_console.sql",
        sql: include_str!("../migrations/0012_console.sql"),
    },
    Migration {
        version: 13,
        name: "0013_device_roles.sql",
        sql: include_str!("../migrations/0013_device_roles.sql"),
    },
    Migration {
        version: 14,
        name: "0014_retired_satisfaction_keys.sql",
        sql: include_str!("../migrations/0014_retired_satisfaction_keys.sql"),
    },
    Migration {
        version: 15,
        name: "0015_report_indexes.sql",
        sql: include_str!("../migrations/0015_report_indexes.sql"),
    },
    Migration {
        version: 16,
        name: "0016_notices.sql",
        sql: include_str!("../migrations/0016_notices.sql"),
    },
    Migration {
        version: 17,
        name: "0017_console_manage.sql",
        sql: include_str!("../migrations/0017_console_manage.sql"),
    },
    Migration {
        version: 18,
        name: "0018_report_columns.sql",
        sql: include_str!("../migrations/0018_report_columns.sql"),
    },
    Migration {
        version: 19,
        name: "0019_services_by_time.sql",
        sql: include_str!("../migrations/0019_services_by_time.sql"),
    },
];

/// The schema version this binary writes.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The advisory lock key of the migrations (any constant shared by every instance).
const MIGRATION_LOCK: i64 = 0x6167_656e_6379_0001;

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The connection string does not parse.
    #[error("the database connection string is not valid: {0}")]
    Config(String),
    /// No connection from the pool.
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed.
    #[error("database: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The database was migrated by a newer binary.
    #[error(
        "the database schema is version {found}, newer than this binary's {known}: \
         run the newer agency-server"
    )]
    TooNew {
        /// The database's version.
        found: i32,
        /// This binary's.
        known: i32,
    },
    /// An applied migration is not the binary's.
    #[error("migration {version} in the database differs from this binary's {name}")]
    Altered {
        /// Its version.
        version: i32,
        /// The binary's file of that version.
        name: &'static str,
    },
}

/// A pool of at most `size` connections to `conninfo` (libpq key=value or URL form; a `host`
/// that is a directory means the Unix socket in it).
pub fn pool(conninfo: &str, size: usize) -> Result<Pool, DbError> {
    let config =
        tokio_postgres::Config::from_str(conninfo).map_err(|e| DbError::Config(e.to_string()))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    // Bounded waits: with the database down a request gets 503 in seconds, not a hang.
    let wait = Some(std::time::Duration::from_secs(5));
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(wait)
        .create_timeout(wait)
        .recycle_timeout(wait)
        .build()
        .map_err(|e| DbError::Config(e.to_string()))
}

fn sha256(sql: &str) -> Vec<u8> {
    Sha256::digest(sql.as_bytes()).to_vec()
}

/// What [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The version found before.
    pub from: i32,
    /// The version now.
    pub to: i32,
    /// Migrations applied now.
    pub applied: Vec<i32>,
}

/// Brings the schema up to this binary's version, in one transaction.
pub async fn migrate(pool: &Pool) -> Result<MigrationReport, DbError> {
    migrate_with(pool, MIGRATIONS).await
}

/// [`migrate`] with a given list (tests stage newer and altered schemas with it).
pub async fn migrate_with(
    pool: &Pool,
    migrations: &[Migration],
) -> Result<MigrationReport, DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             sha256     bytea NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let rows = tx
        .query(
            "SELECT version, sha256 FROM schema_version ORDER BY version",
            &[],
        )
        .await?;
    let known = migrations.last().map_or(0, |m| m.version);
    let mut from = 0;
    for row in &rows {
        let version: i32 = row.get(0);
        let hash: Vec<u8> = row.get(1);
        from = from.max(version);
        if version > known {
            return Err(DbError::TooNew {
                found: version,
                known,
            });
        }
        if let Some(m) = migrations.iter().find(|m| m.version == version)
            && sha256(m.sql) != hash
        {
            return Err(DbError::Altered {
                version,
                name: m.name,
            });
        }
    }
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| m.version > from) {
        tx.batch_execute(m.sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, name, sha256) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &sha256(m.sql)],
        )
        .await?;
        applied.push(m.version);
    }
    tx.commit().await?;
    let to = applied.last().copied().unwrap_or(from);
    if !applied.is_empty() {
        tracing::info!(from, to, "database schema migrated");
    }
    Ok(MigrationReport { from, to, applied })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_directory_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let names: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
        assert_eq!(files, names, "every migration file listed once, in order");
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(usize::try_from(m.version).ok(), Some(i + 1), "{}", m.name);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }
}
