//! The benchmark's own PostgreSQL 15 cluster, started the way the tests start theirs
//! (server/tests/support/pg.rs: Debian's `initdb` and `pg_ctl` in a temporary directory, as the
//! system user `kioskpg` through `runuser` when run as root, Unix socket only, trust
//! authentication inside a directory nobody else can reach), but durable as deployed: `fsync`,
//! `full_page_writes` and `synchronous_commit` keep PostgreSQL's defaults unless `--pg-option`
//! says otherwise (the test clusters turn the first two off). A watchdog shell stops the
//! cluster if the benchmark dies without dropping it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail, ensure};

/// The unprivileged system user the cluster runs as when the benchmark runs as root (the
/// tests' user).
const PG_USER: &str = "kioskpg";
/// The cluster's superuser role.
const ROLE: &str = "kiosk";

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_user: Option<String>,
    options: Vec<String>,
    watchdog: Option<Child>,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .args(["-u", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ensure_user() -> anyhow::Result<()> {
    if user_exists(PG_USER) {
        return Ok(());
    }
    let out = Command::new("useradd")
        .args(["--system", "--no-create-home", "--home-dir", "/nonexistent"])
        .args(["--shell", "/usr/sbin/nologin", PG_USER])
        .output()
        .context("useradd")?;
    ensure!(
        user_exists(PG_USER),
        "useradd {PG_USER} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn runas(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn checked(cmd: &mut Command, what: &str) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| what.to_owned())?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Cluster {
    /// `initdb` into a new temporary directory (handed to the cluster's user as root), then
    /// `pg_ctl start` with `options` (`KEY=VALUE`, passed as `-c`), then `createdb agency`.
    pub fn start(bin: &Path, options: &[String]) -> anyhow::Result<Self> {
        ensure!(
            bin.join("initdb").is_file(),
            "{} not found: install postgresql-15 (`. tools/packages.sh; kiosk_packages install \
             server`) or pass --pg-bin",
            bin.join("initdb").display()
        );
        let as_user = if is_root() {
            ensure_user()?;
            Some(PG_USER.to_owned())
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("office-load-pg-")
            .tempdir()?
            .keep();
        if let Some(user) = &as_user {
            checked(Command::new("chown").arg(user).arg(&dir), "chown")?;
        }
        let free = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = free.local_addr()?.port();
        drop(free);
        let mut cluster = Self {
            dir,
            bin: bin.to_owned(),
            port,
            as_user,
            options: options.to_vec(),
            watchdog: None,
        };
        checked(
            cluster
                .command("initdb")
                .arg("-D")
                .arg(cluster.data_dir())
                .args(["-U", ROLE, "-A", "trust", "-E", "UTF8", "--locale=C"]),
            "initdb",
        )?;
        cluster.pg_ctl_start()?;
        cluster.spawn_watchdog();
        checked(
            Command::new(bin.join("createdb"))
                .arg("-h")
                .arg(&cluster.dir)
                .args(["-p", &port.to_string(), "-U", ROLE, "agency"])
                .stdin(Stdio::null()),
            "createdb",
        )?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let mut c = runas(self.as_user.as_deref(), &self.bin.join(program));
        c.current_dir(&self.dir).stdin(Stdio::null());
        c
    }

    fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let mut options = format!(
            "-k {} -p {} -c listen_addresses='' -c max_connections=200",
            self.dir.display(),
            self.port
        );
        for o in &self.options {
            options.push_str(" -c ");
            options.push_str(o);
        }
        checked(
            self.command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.dir.join("log"))
                .args(["-o", &options, "-w", "-t", "60", "start"]),
            "pg_ctl start",
        )?;
        Ok(())
    }

    fn spawn_watchdog(&mut self) {
        let runuser = self
            .as_user
            .as_ref()
            .map(|u| format!("runuser -u {u} -- "))
            .unwrap_or_default();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {runuser}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            pg_ctl = self.bin.join("pg_ctl").display(),
            data = self.data_dir().display(),
            dir = self.dir.display(),
        );
        self.watchdog = Command::new("sh")
            .args(["-c", &script])
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
    }

    /// The connection string of the benchmark's database.
    pub fn conninfo(&self) -> String {
        format!(
            "host={} port={} user={ROLE} dbname=agency connect_timeout=10",
            self.dir.display(),
            self.port
        )
    }

    /// The postmaster's process id (its children are the backends).
    pub fn postmaster_pid(&self) -> Option<u32> {
        // The data directory is the cluster user's (mode 0700); root reads it anyway.
        std::fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
