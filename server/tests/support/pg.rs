//! A real PostgreSQL cluster for a test: Debian's postgresql-15 binaries (`initdb`, `pg_ctl`),
//! a data directory and socket directory in a fresh temporary directory, a random free port,
//! stopped and removed on drop.
//!
//! `initdb` refuses to run as root, so as root the cluster runs as the system user
//! [`PG_USER`] (made once with `useradd --system` when missing) through `runuser -u`; the
//! temporary directory is handed to that user. Otherwise it runs as the current user. The
//! server listens on its Unix socket only (`listen_addresses=''`, socket in the temporary
//! directory, trust authentication: nobody else can reach the directory). The port still
//! names the socket file (`.s.PGSQL.PORT`) and is picked free, so a later test can also
//! listen on TCP or put a proxy in front.
//!
//! `initdb` runs once per test process, into a template directory; every cluster starts from a
//! copy of it (`cp -a`), which takes tens of milliseconds where `initdb` took 0.7 s alone and
//! 4–5 s with several in parallel on the shared cores.
//!
//! A watchdog shell started beside the cluster stops it if the test process dies without
//! dropping the harness (SIGKILL, abort), so no postmaster outlives its test.
//!
//! Durability: `fsync=off` and `full_page_writes=off` (what only an OS crash would need), but
//! `synchronous_commit` stays on: a committed transaction is in the kernel before the answer,
//! so a PostgreSQL killed and restarted by a test ([`PgCluster::stop`]) loses nothing. (With
//! `synchronous_commit=off` it did: the schema just migrated was gone after a restart.)
//!
//! Set `PG_BIN` to use other binaries than `/usr/lib/postgresql/15/bin`. Timings of each
//! step go to stderr (shown with `cargo test -- --nocapture`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The unprivileged system user clusters run as when the tests run as root.
pub const PG_USER: &str = "kioskpg";
/// The database role the cluster is made with (its superuser).
pub const ROLE: &str = "kiosk";
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct PgCluster {
    dir: Option<tempfile::TempDir>,
    bin: PathBuf,
    port: u16,
    as_user: Option<String>,
    watchdog: Option<Child>,
}

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes [`PG_USER`] when missing (tests of several binaries may race: a failed `useradd`
/// is fine when the user exists afterwards).
fn ensure_user() -> Result<(), String> {
    if user_exists(PG_USER) {
        return Ok(());
    }
    let out = Command::new("useradd")
        .args(["--system", "--no-create-home", "--home-dir", "/nonexistent"])
        .args(["--shell", "/usr/sbin/nologin", PG_USER])
        .output()
        .map_err(|e| format!("useradd: {e}"))?;
    if user_exists(PG_USER) {
        return Ok(());
    }
    Err(format!(
        "useradd {PG_USER} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The data directory `initdb` made once for this test process: each cluster starts from a
/// copy (`cp -a`, owner kept), which is much faster than `initdb` again (0.7 s alone, 4–5 s
/// with several in parallel on the shared cores).
static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Runs `initdb` into a directory of its own, removed by a watchdog once this process ends
/// (a static is never dropped).
fn make_template(bin: &Path, as_user: Option<&str>) -> Result<PathBuf, String> {
    let t = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("kiosk-pg-template-")
        .tempdir()
        .map_err(|e| format!("temporary directory: {e}"))?
        .keep();
    if let Some(user) = as_user {
        chown(user, &dir)?;
    }
    let data = dir.join("data");
    let mut initdb = runas(as_user, &bin.join("initdb"));
    let out = initdb
        .current_dir(&dir)
        .stdin(Stdio::null())
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            ROLE,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; rm -rf {}",
        std::process::id(),
        dir.display()
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    if !out.status.success() {
        return Err(format!(
            "initdb failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    eprintln!(
        "pg harness: initdb of the template {} ms",
        t.elapsed().as_millis()
    );
    Ok(data)
}

/// `program` run as `user` (through `runuser`), or as the current user.
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

fn chown(user: &str, path: &Path) -> Result<(), String> {
    let out = Command::new("chown")
        .arg(user)
        .arg(path)
        .output()
        .map_err(|e| format!("chown: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("chown: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl PgCluster {
    /// A copy of the template (made by `initdb` on first use), then `pg_ctl start` (waiting
    /// until it accepts connections). Panics with what to do when the binaries are missing.
    pub fn start() -> Self {
        match Self::try_start() {
            Ok(c) => c,
            Err(e) => panic!("PostgreSQL test cluster: {e}"),
        }
    }

    /// [`PgCluster::start`], as a `Result`.
    pub fn try_start() -> Result<Self, String> {
        let bin =
            std::env::var_os("PG_BIN").map_or_else(|| PathBuf::from(DEFAULT_BIN), PathBuf::from);
        if !bin.join("initdb").is_file() {
            return Err(format!(
                "{} not found: install postgresql-15 (`. tools/packages.sh; kiosk_packages \
                 install server`) or set PG_BIN",
                bin.join("initdb").display()
            ));
        }
        let as_user = if root() {
            ensure_user()?;
            Some(PG_USER.to_owned())
        } else {
            None
        };
        let template = TEMPLATE
            .get_or_init(|| make_template(&bin, as_user.as_deref()))
            .clone()?;
        let dir = tempfile::Builder::new()
            .prefix("kiosk-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        if let Some(user) = &as_user {
            chown(user, dir.path())?;
        }
        let mut cluster = Self {
            dir: Some(dir),
            bin,
            port: free_port()?,
            as_user,
            watchdog: None,
        };
        let t = Instant::now();
        let data = cluster.data_dir();
        // As root `cp -a` keeps the cluster user as the owner; otherwise it is the same user.
        let out = Command::new("cp")
            .arg("-a")
            .arg(&template)
            .arg(&data)
            .output()
            .map_err(|e| format!("cp: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "copying the template: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let copied = t.elapsed();
        let t = Instant::now();
        cluster.pg_ctl_start()?;
        let started = t.elapsed();
        cluster.spawn_watchdog();
        eprintln!(
            "pg harness: copy {} ms, start {} ms (port {}, as {})",
            copied.as_millis(),
            started.as_millis(),
            cluster.port,
            cluster.as_user.as_deref().unwrap_or("the current user")
        );
        Ok(cluster)
    }

    fn path(&self) -> &Path {
        self.dir
            .as_ref()
            .map_or(Path::new("/nonexistent"), |d| d.path())
    }

    fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// The directory holding the server's socket.
    pub fn socket_dir(&self) -> &Path {
        self.path()
    }

    /// The port (it names the socket file).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `Command` for one of the binaries, run as the cluster's user.
    fn command(&self, program: &str) -> Command {
        let mut c = runas(self.as_user.as_deref(), &self.bin.join(program));
        // The binaries' working directory must be readable by their user.
        c.current_dir(self.path()).stdin(Stdio::null());
        c
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
        let out = self
            .command(program)
            .args(args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.path().join("log")).unwrap_or_default();
        Err(format!(
            "{program} failed ({}): {}{}\n{log}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-k {} -p {} -c listen_addresses='' -c fsync=off -c full_page_writes=off \
             -c max_connections=100",
            self.path().display(),
            self.port
        );
        let data = self.data_dir();
        let log = self.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        )
    }

    /// Stops the server (`immediate`: like a crash, as the fault tests want), keeping the data.
    pub fn stop(&self) -> Result<(), String> {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        )
    }

    /// Starts it again after [`PgCluster::stop`].
    pub fn restart(&self) -> Result<(), String> {
        self.pg_ctl_start()
    }

    /// A watchdog: once this process is gone, stop the cluster and remove its directory. It
    /// runs as the current user (so `kill -0` may probe this process), `pg_ctl` in it as the
    /// cluster's user.
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
            dir = self.path().display(),
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

    /// Makes database `name` and returns its connection string.
    pub fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        let out = Command::new(self.bin.join("createdb"))
            .arg("-h")
            .arg(self.path())
            .args(["-p", &port, "-U", ROLE, name])
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => self.conninfo(name),
            Ok(o) => panic!("createdb {name}: {}", String::from_utf8_lossy(&o.stderr)),
            Err(e) => panic!("createdb {name}: {e}"),
        }
    }

    /// The connection string of database `name` (libpq key=value form, over the socket).
    pub fn conninfo(&self, name: &str) -> String {
        format!(
            "host={} port={} user={ROLE} dbname={name} connect_timeout=10",
            self.path().display(),
            self.port
        )
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let t = Instant::now();
        if let Some(mut w) = self.watchdog.take() {
            // Killed before the stop below, so it never acts on a cluster that is gone.
            let _ = w.kill();
            let _ = w.wait();
        }
        if let Err(e) = self.stop() {
            eprintln!("pg harness: stop failed: {e}");
        }
        // The directory goes with the TempDir (root may remove the cluster user's files).
        if let Some(dir) = self.dir.take()
            && let Err(e) = dir.close()
        {
            eprintln!("pg harness: removing the directory: {e}");
        }
        eprintln!(
            "pg harness: stopped and removed in {} ms",
            t.elapsed().as_millis()
        );
    }
}
