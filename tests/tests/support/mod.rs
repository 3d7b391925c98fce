//! The office rig of the office tests (tests/tests/office*.rs): a PostgreSQL cluster the
//! test starts itself, SAMAD's simulator in the test's process with its own database file,
//! the agency server as its own process (device CA, mutual TLS, SAMAD upstream), and devices
//! enrolled by the operator's `kioskctl enroll`, each with its own directory and kiosk.toml,
//! played as separate `kiosk` processes through the script runner.
//!
//! The binaries are the build directory's (`target/debug`, built by `cargo test --workspace`
//! before any test runs, as tests/tests/hostile_inputs.rs relies on too).

// Each test file uses a part of the rig.
#![allow(dead_code)]

#[path = "../../../server/tests/support/pg.rs"]
#[allow(dead_code)]
pub mod pg;
pub mod proxy;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The national code of the visitor who registers (valid check digit).
pub const NATIONAL: &str = "0499370899";
/// Another valid national code.
pub const STRANGER: &str = "0084575948";

/// A binary of this build (`target/debug/NAME`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: `cargo build --workspace` first",
        path.display()
    );
    path
}

/// A child process killed when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A server certificate for 127.0.0.1 made now: (certificate, key) PEM.
pub fn server_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

/// kiosk.toml of kiosk `number`: the shipped example, its data in `dir/data`, syncing through
/// the agency server with the files `kioskctl enroll` wrote into `dir/pki`.
pub fn kiosk_config(dir: &Path, number: u32, server: &str) -> PathBuf {
    let mut text = kiosk_config::EXAMPLE
        .replace("number = 12", &format!("number = {number}"))
        .replace(
            "data_dir = \"/var/lib/kiosk\"",
            &format!("data_dir = \"{}\"", dir.join("data").display()),
        );
    text.push_str(&format!(
        "\n[samad]\nbase_url = \"{server}\"\nagency_server = true\n\
         ca_file = \"pki/server-ca.pem\"\nclient_cert_file = \"pki/client.pem\"\n\
         client_key_file = \"pki/client.key\"\ntoken_file = \"pki/token\"\n"
    ));
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Plays `script` on the kiosk of `config`; returns the transcript's lines.
pub fn play(config: &Path, script: &str, out: &Path) -> Vec<Value> {
    let file = out.with_extension("jsonl");
    std::fs::write(&file, script).unwrap();
    run(Command::new(bin("kiosk"))
        .arg("--config")
        .arg(config)
        .arg("--script")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .env("RUST_LOG", "warn"));
    std::fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn screens(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["screen"].as_str()).collect()
}

pub fn said(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["say"].as_str()).collect()
}

/// Waits until `probe` holds, or fails naming `what`.
pub fn eventually(what: &str, within: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !probe() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running office: PostgreSQL, SAMAD's simulator, the agency server process.
pub struct Office {
    /// Everything on disk (dropped last).
    pub dir: tempfile::TempDir,
    pub _pg: pg::PgCluster,
    pub database: String,
    pub runtime: tokio::runtime::Runtime,
    pub sim: Option<samad_sim::SimHandle>,
    pub server: Option<Running>,
    /// The server's `https://` address.
    pub url: String,
    /// The TCP proxy the server reaches SAMAD through ([`OfficeOptions::samad_proxy`]).
    pub samad_proxy: Option<proxy::Proxy>,
    /// `serve`'s arguments, to start the server again ([`Office::restart_server`]).
    serve_args: Vec<std::ffi::OsString>,
    /// Where the server's standard error goes (`None`: inherited).
    server_log: Option<PathBuf>,
}

/// What [`Office::start_with`] changes from [`Office::start`].
#[derive(Debug, Clone, Default)]
pub struct OfficeOptions {
    /// The server reaches SAMAD through a loopback TCP proxy the test can cut
    /// ([`Office::samad_proxy`]).
    pub samad_proxy: bool,
    /// The server listens on a port picked once, so a restart comes back at the same address.
    pub fixed_port: bool,
    /// More `serve` flags (`--samad-poll-ms 50`, …).
    pub serve_args: Vec<String>,
    /// The server's standard error into `server.log` in the office's directory (appended
    /// across restarts) instead of the test's.
    pub server_log: bool,
}

impl Office {
    pub fn start() -> Self {
        Self::start_with(OfficeOptions::default())
    }

    /// [`Office::start`] with `options`.
    pub fn start_with(options: OfficeOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let pg = pg::PgCluster::start();
        let database = pg.create_database("agency");

        // SAMAD (the simulator) with its own database file, and the agency's one identity there.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sim = runtime
            .block_on(samad_sim::start(samad_sim::SimConfig {
                db: Some(root.join("samad.db")),
                ..samad_sim::SimConfig::default()
            }))
            .unwrap();
        let agency_identity = sim.kiosk_identity(99_999).unwrap();
        let samad_dir = root.join("samad-pki");
        std::fs::create_dir_all(&samad_dir).unwrap();
        for (name, text) in [
            ("ca.pem", sim.pki().ca_pem.as_str()),
            ("agency.pem", agency_identity.cert_pem.as_str()),
            ("agency.key", agency_identity.key_pem.as_str()),
            ("token", "sim-token"),
        ] {
            std::fs::write(samad_dir.join(name), text).unwrap();
        }

        // The agency server: its TLS certificate, its device CA, the database, SAMAD upstream.
        let server_dir = root.join("server");
        std::fs::create_dir_all(&server_dir).unwrap();
        let (cert, key) = server_certificate();
        std::fs::write(server_dir.join("tls.pem"), &cert).unwrap();
        std::fs::write(server_dir.join("tls.key"), &key).unwrap();
        run(Command::new(bin("agency-server"))
            .arg("init-ca")
            .arg("--out")
            .arg(server_dir.join("ca")));
        let samad_proxy = options.samad_proxy.then(|| proxy::Proxy::start(sim.addr()));
        let samad_url = samad_proxy
            .as_ref()
            .map_or_else(|| sim.base_url(), proxy::Proxy::https_url);
        let listen = if options.fixed_port {
            let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            free.local_addr().unwrap().to_string()
        } else {
            "127.0.0.1:0".to_owned()
        };
        let mut serve_args: Vec<std::ffi::OsString> = vec![
            "serve".into(),
            "--listen".into(),
            listen.into(),
            "--tls-cert".into(),
            server_dir.join("tls.pem").into(),
            "--tls-key".into(),
            server_dir.join("tls.key").into(),
            "--device-ca-cert".into(),
            server_dir.join("ca/device-ca.pem").into(),
            "--device-ca-key".into(),
            server_dir.join("ca/device-ca.key").into(),
            "--samad-url".into(),
            samad_url.into(),
            "--samad-ca".into(),
            samad_dir.join("ca.pem").into(),
            "--samad-cert".into(),
            samad_dir.join("agency.pem").into(),
            "--samad-key".into(),
            samad_dir.join("agency.key").into(),
            "--samad-token-file".into(),
            samad_dir.join("token").into(),
            "--samad-event-pull-seconds".into(),
            "1".into(),
        ];
        serve_args.extend(options.serve_args.iter().map(Into::into));
        let server_log = options.server_log.then(|| root.join("server.log"));
        let mut office = Self {
            dir,
            _pg: pg,
            database,
            runtime,
            sim: Some(sim),
            server: None,
            url: String::new(),
            samad_proxy,
            serve_args,
            server_log,
        };
        office.start_server();
        office
    }

    /// Starts the server process with the office's `serve` arguments and waits until it
    /// listens (its first line); sets [`Office::url`].
    pub fn start_server(&mut self) {
        assert!(self.server.is_none(), "the server is running");
        let mut cmd = Command::new(bin("agency-server"));
        cmd.arg("--database")
            .arg(&self.database)
            .args(&self.serve_args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped());
        if let Some(log) = &self.server_log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            cmd.stderr(file);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        self.server = Some(Running(child));
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        self.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server's first line: {line:?}"))
            .to_owned();
    }

    /// SIGKILLs the server process (no shutdown of any kind) and reaps it.
    pub fn kill_server(&mut self) {
        // `Running`'s drop is `Child::kill` (SIGKILL) and `wait`.
        self.server.take();
    }

    /// [`Office::kill_server`], then [`Office::start_server`] with the same arguments (the
    /// same port with [`OfficeOptions::fixed_port`]).
    pub fn restart_server(&mut self) {
        self.kill_server();
        self.start_server();
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL cluster (to stop and start it under the server).
    pub fn pg(&self) -> &pg::PgCluster {
        &self._pg
    }

    pub fn sim(&self) -> &samad_sim::SimHandle {
        self.sim.as_ref().unwrap()
    }

    /// `agency-server --database … ARGS`.
    pub fn agency(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin("agency-server"));
        cmd.arg("--database").arg(&self.database).args(args);
        cmd
    }

    /// Adds (or replaces) the office's staff account `employee` at the server, with the CLI an
    /// operator uses; the PIN goes in on standard input, as typed.
    pub fn add_staff(&self, employee: &str, display_name: &str, pin: &str) {
        let mut add = self
            .agency(&[
                "staff-add",
                "--employee-code",
                employee,
                "--display-name",
                display_name,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(
            &mut add.stdin.take().unwrap(),
            format!("{pin}\n").as_bytes(),
        )
        .unwrap();
        assert!(add.wait().unwrap().success());
    }

    /// One query's rows at the agency's database, `|` between columns.
    pub fn psql(&self, sql: &str) -> String {
        run(Command::new("psql")
            .arg(&self.database)
            .args(["-At", "-F", "|", "-c", sql]))
        .trim()
        .to_owned()
    }

    /// Enrols kiosk `number` with the operator's tool; returns its kiosk.toml.
    pub fn enrol(&self, number: u32) -> PathBuf {
        self.enrol_as(number, "kiosk")
    }

    /// Enrols desk terminal `number` (a desk code: staff log-ins, staff calls and receipt
    /// copies are the desk's routes); returns its kiosk.toml.
    pub fn enrol_desk(&self, number: u32) -> PathBuf {
        self.enrol_as(number, "desk")
    }

    /// Enrols device `number` of `role` (`kiosk` or `desk`); returns its kiosk.toml.
    fn enrol_as(&self, number: u32, role: &str) -> PathBuf {
        let kiosk_dir = self.root().join(format!("kiosk-{number}"));
        std::fs::create_dir_all(&kiosk_dir).unwrap();
        let code =
            run(&mut self.agency(&["enrol-code", "--kiosk", &number.to_string(), "--role", role]));
        run(Command::new(bin("kioskctl"))
            .args(["enroll", "--server", &self.url, "--code", code.trim()])
            .arg("--server-ca")
            .arg(self.root().join("server/tls.pem"))
            .arg("--out")
            .arg(kiosk_dir.join("pki")));
        kiosk_config(&kiosk_dir, number, &self.url)
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        self.server.take();
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}
