//! An office as deployed: a PostgreSQL cluster, the agency server as its own process (device
//! CA, mutual TLS), SAMAD upstream (the simulator, the national system, in this process), and
//! two kiosks, each a separate `kiosk` process on its own data directory and its own kiosk.toml,
//! enrolled by the operator's `kioskctl enroll`.
//!
//! Kiosk 11 registers a complaint (its script, its database); its relay hands the case to the
//! server, which relays it to SAMAD. SAMAD answers the case; the server pulls the answer. A
//! visitor at kiosk 12, whose database never held the case, scans the receipt, gives the
//! national card and hears the answer. With another national code the case is not shown.
//!
//! The binaries are the build directory's (`target/debug`, built by `cargo test --workspace`
//! before any test runs, as tests/tests/hostile_inputs.rs relies on too).

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../server/tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The national code of the visitor who registers (valid check digit).
const NATIONAL: &str = "0499370899";
/// Another valid national code.
const STRANGER: &str = "0084575948";

/// A binary of this build (`target/debug/NAME`).
fn bin(name: &str) -> PathBuf {
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
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(cmd: &mut Command) -> String {
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
fn server_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

/// kiosk.toml of kiosk `number`: the shipped example, its data in `dir/data`, syncing through
/// the agency server with the files `kioskctl enroll` wrote into `dir/pki`.
fn kiosk_config(dir: &Path, number: u32, server: &str) -> PathBuf {
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
fn play(config: &Path, script: &str, out: &Path) -> Vec<Value> {
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

fn screens(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["screen"].as_str()).collect()
}

fn said(lines: &[Value]) -> Vec<&str> {
    lines.iter().filter_map(|l| l["say"].as_str()).collect()
}

/// Waits until `probe` holds, or fails naming `what`.
fn eventually(what: &str, within: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !probe() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running office: PostgreSQL, SAMAD's simulator, the agency server process.
struct Office {
    /// Everything on disk (dropped last).
    dir: tempfile::TempDir,
    _pg: pg::PgCluster,
    database: String,
    runtime: tokio::runtime::Runtime,
    sim: Option<samad_sim::SimHandle>,
    server: Option<Running>,
    /// The server's `https://` address.
    url: String,
}

impl Office {
    fn start() -> Self {
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
        let mut office = Self {
            dir,
            _pg: pg,
            database,
            runtime,
            sim: None,
            server: None,
            url: String::new(),
        };
        let mut child = office
            .agency(&["serve", "--listen", "127.0.0.1:0"])
            .arg("--tls-cert")
            .arg(server_dir.join("tls.pem"))
            .arg("--tls-key")
            .arg(server_dir.join("tls.key"))
            .arg("--device-ca-cert")
            .arg(server_dir.join("ca/device-ca.pem"))
            .arg("--device-ca-key")
            .arg(server_dir.join("ca/device-ca.key"))
            .arg("--samad-url")
            .arg(sim.base_url())
            .arg("--samad-ca")
            .arg(samad_dir.join("ca.pem"))
            .arg("--samad-cert")
            .arg(samad_dir.join("agency.pem"))
            .arg("--samad-key")
            .arg(samad_dir.join("agency.key"))
            .arg("--samad-token-file")
            .arg(samad_dir.join("token"))
            .args(["--samad-event-pull-seconds", "1"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        office.server = Some(Running(child));
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        office.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server's first line: {line:?}"))
            .to_owned();
        office.sim = Some(sim);
        office
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn sim(&self) -> &samad_sim::SimHandle {
        self.sim.as_ref().unwrap()
    }

    /// `agency-server --database … ARGS`.
    fn agency(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin("agency-server"));
        cmd.arg("--database").arg(&self.database).args(args);
        cmd
    }

    /// Enrols device `number` with the operator's tool; returns its kiosk.toml.
    fn enrol(&self, number: u32) -> PathBuf {
        let kiosk_dir = self.root().join(format!("kiosk-{number}"));
        std::fs::create_dir_all(&kiosk_dir).unwrap();
        let code = run(&mut self.agency(&["enrol-code", "--kiosk", &number.to_string()]));
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

#[test]
fn a_case_registered_at_one_kiosk_is_followed_up_at_another_with_samads_answer() {
    let office = Office::start();
    let root = office.root();
    let configs = [office.enrol(11), office.enrol(12)];

    // Kiosk 11: a suggestion registered by touch; the run ends only once its outbox is empty.
    let register = "{\"touch\": \"ثبت درخواست\"}\n{\"card\": \"0499370899\"}\n\
        {\"touch\": \"پیشنهاد\"}\n{\"touch\": \"کیفیت خدمات\"}\n\
        {\"touch\": \"درخواست رسیدگی فوری دارم.\"}\n{\"touch\": \"ادامه\"}\n\
        {\"touch\": \"بدون شماره همراه\"}\n{\"touch\": \"تأیید و ثبت\"}\n";
    let lines = play(&configs[0], register, &root.join("a-register"));
    assert_eq!(
        screens(&lines).last(),
        Some(&"done"),
        "{:?}",
        screens(&lines)
    );
    let tracking = lines
        .iter()
        .find_map(|l| l["tracking_code"].as_str())
        .expect("a receipt with its tracking code")
        .to_owned();
    assert!(
        tracking.starts_with("100011"),
        "kiosk 11's code: {tracking}"
    );

    // The server relays it to SAMAD, which answers it.
    let samad = rusqlite::Connection::open(root.join("samad.db")).unwrap();
    let mut request_id = String::new();
    eventually("the case reaches SAMAD", Duration::from_secs(20), || {
        request_id = samad
            .query_row(
                "SELECT service_request_id FROM items WHERE tracking_code = ?1",
                [&tracking],
                |r| r.get(0),
            )
            .unwrap_or_default();
        !request_id.is_empty()
    });
    office
        .sim()
        .db(|db| {
            db.add_event(
                &request_id,
                kiosk_sync::wire::EventType::Answer,
                chrono::Utc::now(),
                "اداره‌ی امور مشترکین",
                "مریم احمدی",
                Some("صف‌ها با نوبت‌دهی اینترنتی کوتاه شد."),
            )
        })
        .unwrap();

    // Kiosk 12, which never held the case: the receipt scanned, the national card inserted.
    let follow = format!(
        "{{\"headphones\": true}}\n{{\"scan\": \"{tracking}\"}}\n{{\"card\": \"{NATIONAL}\"}}\n"
    );
    let mut lines = Vec::new();
    let mut attempt = 0;
    // The server pulls SAMAD's events every few seconds: the visitor may be early once.
    eventually(
        "kiosk 12 shows SAMAD's answer",
        Duration::from_secs(30),
        || {
            attempt += 1;
            lines = play(
                &configs[1],
                &follow,
                &root.join(format!("b-follow-{attempt}")),
            );
            said(&lines)
                .iter()
                .any(|t| t.contains("صف‌ها با نوبت‌دهی اینترنتی کوتاه شد."))
        },
    );
    assert_eq!(
        screens(&lines),
        [
            "attract",
            "follow-up-entry",
            "identify",
            "follow-up-entry",
            "follow-up"
        ]
    );
    assert!(
        said(&lines).iter().any(|t| t.contains("مریم احمدی")),
        "the responsible person is read: {:?}",
        said(&lines)
    );
    let kiosk_b = rusqlite::Connection::open(root.join("kiosk-12/data/kiosk.db")).unwrap();
    let held: i64 = kiosk_b
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(held, 0, "kiosk 12's own database never held the case");

    // With another national code the case is not shown.
    let stranger = format!("{{\"scan\": \"{tracking}\"}}\n{{\"card\": \"{STRANGER}\"}}\n");
    let lines = play(&configs[1], &stranger, &root.join("b-stranger"));
    assert_eq!(screens(&lines).last(), Some(&"follow-up-entry"));
}

#[test]
fn a_staff_account_of_the_office_logs_in_at_a_desk_and_a_lockout_holds_there() {
    use kiosk::journeys::desk_store::{RemoteLogin, RemoteStaff};
    let office = Office::start();
    let desk = kiosk_config::load(&office.enrol(31)).unwrap();
    let mut add = office
        .agency(&[
            "staff-add",
            "--employee-code",
            "E-7",
            "--display-name",
            "مریم احمدی",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut add.stdin.take().unwrap(), "۲۴۶۸۰\n".as_bytes()).unwrap();
    assert!(add.wait().unwrap().success());

    // The desk's own link to the server, as its worker thread uses it.
    let link = kiosk::device::office::AgencyLink::start(desk.samad.as_ref().unwrap(), 31).unwrap();
    assert_eq!(
        link.login("E-7", "24680"),
        RemoteLogin::Accepted {
            display_name: "مریم احمدی".into()
        }
    );
    for _ in 0..5 {
        assert!(
            matches!(link.login("E-7", "1111"), RemoteLogin::Refused(m) if m.contains("نادرست"))
        );
    }
    assert!(
        matches!(link.login("E-7", "24680"), RemoteLogin::Refused(m) if m.contains("قفل")),
        "locked at every desk, even with the right PIN"
    );
    assert!(matches!(
        link.login("E-404", "24680"),
        RemoteLogin::Refused(_)
    ));

    // With the server gone the desk is told so within the wait, and its own copy decides.
    drop(office);
    let started = Instant::now();
    let answer = link.waiting(Duration::from_secs(2)).login("E-7", "24680");
    assert!(matches!(answer, RemoteLogin::Unreachable(_)), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
