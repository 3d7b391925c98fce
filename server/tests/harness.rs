//! The PostgreSQL harness and the migrations: a real cluster starts as an unprivileged user,
//! the schema is applied once, a second start (another instance) finds it up to date, two
//! instances starting together apply it once, a newer or altered schema is refused, and the
//! binary's subcommands work against it.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use agency_server::db::{self, DbError, Migration};
use serde_json::Value;
use support::{Office, PgCluster};

#[tokio::test]
async fn the_cluster_starts_migrations_apply_and_a_second_start_sees_them_done() {
    let pg = PgCluster::start();
    let conninfo = pg.create_database("agency");
    let first = db::pool(&conninfo, 2).unwrap();
    let report = db::migrate(&first).await.unwrap();
    assert_eq!(report.from, 0);
    assert_eq!(report.to, db::latest_version());
    assert_eq!(report.applied.len(), db::MIGRATIONS.len());

    // A second instance (its own pool) starting on the same database.
    let second = db::pool(&conninfo, 2).unwrap();
    let again = db::migrate(&second).await.unwrap();
    assert_eq!(again.from, db::latest_version());
    assert_eq!(again.to, db::latest_version());
    assert!(again.applied.is_empty(), "{again:?}");

    // The cluster runs as the unprivileged user (as root) and owns its socket directory.
    let client = second.get().await.unwrap();
    let superuser: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(superuser, "the harness's role is the cluster's superuser");
    let version: String = client
        .query_one("SHOW server_version", &[])
        .await
        .unwrap()
        .get(0);
    assert!(version.starts_with("15."), "{version}");

    // A database migrated by a newer binary is refused, and nothing is written.
    client
        .execute(
            "INSERT INTO schema_version (version, name, sha256) VALUES (999, 'future.sql', '')",
            &[],
        )
        .await
        .unwrap();
    match db::migrate(&second).await {
        Err(DbError::TooNew { found: 999, known }) => assert_eq!(known, db::latest_version()),
        other => panic!("a newer schema must be refused: {other:?}"),
    }
    client
        .execute("DELETE FROM schema_version WHERE version = 999", &[])
        .await
        .unwrap();

    // A migration changed after it was applied is refused.
    let altered = [Migration {
        version: 1,
        name: "0001_devices_and_cases.sql",
        sql: "SELECT 1",
    }];
    assert!(matches!(
        db::migrate_with(&second, &altered).await,
        Err(DbError::Altered { version: 1, .. })
    ));
    // A pending migration that fails leaves the schema as it was (one transaction).
    let mut broken = db::MIGRATIONS.to_vec();
    broken.push(Migration {
        version: db::latest_version() + 1,
        name: "broken.sql",
        sql: "CREATE TABLE half_done (x int); SELECT * FROM no_such_table;",
    });
    assert!(db::migrate_with(&second, &broken).await.is_err());
    let half: Option<String> = client
        .query_one("SELECT to_regclass('half_done')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(half, None);
    assert_eq!(db::migrate(&second).await.unwrap().to, db::latest_version());
}

#[tokio::test]
async fn two_instances_starting_together_apply_each_migration_once() {
    let pg = PgCluster::start();
    let conninfo = pg.create_database("agency");
    let pools: Vec<_> = (0..4).map(|_| db::pool(&conninfo, 1).unwrap()).collect();
    let runs = pools.iter().map(db::migrate);
    let reports: Vec<_> = futures_join_all(runs).await;
    let applied: usize = reports
        .iter()
        .map(|r| r.as_ref().unwrap().applied.len())
        .sum();
    assert_eq!(applied, db::MIGRATIONS.len(), "{reports:?}");
    let client = pools[0].get().await.unwrap();
    let rows: i64 = client
        .query_one("SELECT count(*) FROM schema_version", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, i64::try_from(db::MIGRATIONS.len()).unwrap());
}

/// Runs the futures concurrently on this task (no `futures` crate needed for four of them).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut outputs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

#[test]
fn the_cluster_is_gone_after_drop() {
    let pg = PgCluster::start();
    let dir = pg.socket_dir().to_owned();
    let socket = dir.join(format!(".s.PGSQL.{}", pg.port()));
    assert!(socket.exists(), "{}", socket.display());
    let pid_file = dir.join("data/postmaster.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.lines().next().unwrap().trim().to_owned();
    drop(pg);
    assert!(!dir.exists(), "{} left behind", dir.display());
    // Gone, or a zombie its new parent has not reaped yet.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let alive = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'));
    assert!(!alive, "postmaster {pid} still running");
}

#[tokio::test]
async fn the_binary_migrates_and_makes_enrolment_codes() {
    let office = Office::new().await;
    let bin = env!("CARGO_BIN_EXE_agency-server");
    let migrate = std::process::Command::new(bin)
        .args(["--database", &office.conninfo, "migrate"])
        .output()
        .unwrap();
    assert!(migrate.status.success(), "{migrate:?}");
    let text = String::from_utf8_lossy(&migrate.stdout);
    assert!(
        text.contains(&format!("schema version {}", db::latest_version())) && text.contains("[]"),
        "{text}"
    );
    let made = std::process::Command::new(bin)
        .args(["enrol-code", "--kiosk", "7"])
        .env("AGENCY_DATABASE", &office.conninfo)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let code = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert_eq!(code.len(), 19, "{code}");
    let refused = std::process::Command::new(bin)
        .args(["--database", &office.conninfo, "enrol-code", "--kiosk", "0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());

    let server = office.server().await;
    let r = office
        .client()
        .post(format!("{}/v1/enrol", server.base_url()))
        .json(&serde_json::json!({ "code": code.to_lowercase() }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kiosk_number"], 7);
    let health: Value = office
        .client()
        .get(format!("{}/health", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["schema_version"], db::latest_version());
    server.shutdown().await;
}

#[tokio::test]
async fn with_postgresql_down_requests_get_503_and_recover_after_its_restart() {
    let office = Office::new().await;
    let server = office.server().await;
    let client = office.client();
    let health = format!("{}/health", server.base_url());
    assert_eq!(client.get(&health).send().await.unwrap().status(), 200);
    let token = office.enrol(&server, 12).await;
    office.pg.stop().unwrap();
    let down = client.get(&health).send().await.unwrap();
    assert_eq!(down.status(), 503);
    assert!(down.headers().contains_key("retry-after"));
    let problem: Value = down.json().await.unwrap();
    assert_eq!(problem["code"], "unavailable");
    office.pg.restart().unwrap();
    let mut status = 0;
    for _ in 0..20 {
        status = client.get(&health).send().await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "served again after PostgreSQL's restart");
    // What was committed before the crash is still there: the token is known.
    let look = client
        .get(format!(
            "{}/v1/cases/{}?national_code=0012345679",
            server.base_url(),
            support::tracking_code(12, 1)
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(look.status(), 404);
    server.shutdown().await;
}
