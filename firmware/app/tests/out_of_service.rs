//! `kiosk --config` that cannot start shows the out-of-service screen instead of exiting into
//! systemd's restart loop: the real binary with a configuration whose database key file is
//! missing, then one whose key file others may read.
//!
//! - Without a display: the English reason (fault code, key file) on stderr, `READY=1` with an
//!   `out of service` status on a real notification socket, no database created, exit 1 when
//!   `--quit-after` ends it.
//! - Under Xvfb: a screen is drawn (light page, dark text); Alt+F4 and Ctrl+Q typed with
//!   `xdotool` leave the process running. (A window manager's close request is refused by the
//!   window itself: tests/no_exit_path.rs.)

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::x11::{Reaper, screen, shares, start_xvfb, tool, wait_for};

/// The example configuration with its data directory and key file moved into `dir`.
fn config(dir: &Path) -> (PathBuf, PathBuf) {
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/kiosk.example.toml"
    ))
    .unwrap();
    let data = dir.join("data");
    let key = dir.join("secrets/db.key");
    let text = example
        .replace(
            "data_dir = \"/var/lib/kiosk\"",
            &format!("data_dir = \"{}\"", data.display()),
        )
        .replace(
            "database_key_file = \"/var/lib/kiosk/keys/db.key\"",
            &format!("database_key_file = \"{}\"", key.display()),
        );
    assert!(
        text.contains(&key.display().to_string()),
        "key path replaced"
    );
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    (path, key)
}

fn kiosk(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    cmd.arg("--config")
        .arg(config)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("RUST_LOG", "kiosk=info");
    cmd
}

#[test]
fn without_its_key_the_kiosk_is_out_of_service_tells_systemd_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (config, key) = config(dir.path());
    let socket_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();

    let started = Instant::now();
    let out = kiosk(&config)
        .args(["--quit-after", "2"])
        .env("NOTIFY_SOCKET", &socket_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "it stayed up until told to quit"
    );
    assert!(stderr.contains("[DB-KEY]"), "{stderr}");
    assert!(stderr.contains(&key.display().to_string()), "{stderr}");
    assert!(stderr.contains("missing"), "{stderr}");

    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    let message = String::from_utf8_lossy(&buf[..n]);
    assert!(message.contains("READY=1"), "{message}");
    assert!(
        message.contains("STATUS=out of service: the database key file [DB-KEY]"),
        "{message}"
    );
    assert!(
        !dir.path().join("data/kiosk.db").exists(),
        "no database was started without its key"
    );

    // A key file others may read: refused for that reason, the same way.
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, "ab".repeat(32)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = kiosk(&config)
        .args(["--quit-after", "0.5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("[DB-KEY]") && stderr.contains("0644"),
        "{stderr}"
    );
}

/// Starts the kiosk out of service (no key at `key`), provisions the key a second later, and
/// returns how the kiosk ended and what it logged. Rechecked every 5 s, three passes in a row:
/// it must end with success (systemd then starts it afresh) well before `--quit-after` would
/// end it with failure.
fn provision_while_out_of_service(mut kiosk: Command, key: &Path) -> String {
    let mut child = kiosk
        .args(["--quit-after", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        child.try_wait().unwrap().is_none(),
        "out of service, waiting"
    );
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    kiosk_store::DatabaseKey::generate().write_new(key).unwrap();
    let deadline = Instant::now() + Duration::from_secs(45);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still out of service with its key"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("passes now"), "{stderr}");
    stderr
}

#[test]
fn a_key_provisioned_while_out_of_service_brings_the_kiosk_back() {
    let dir = tempfile::tempdir().unwrap();
    let (config, key) = config(dir.path());
    provision_while_out_of_service(kiosk(&config), &key);
}

#[test]
fn under_systemd_credentials_a_key_file_that_appears_brings_the_kiosk_back() {
    // As kiosk.service runs it: the key comes as a systemd credential, and while the root-only
    // file is missing the unit's placeholder `SetCredential=db.key:missing` stands in. The
    // credential copy stays the placeholder until a restart; the kiosk notices the file itself.
    let dir = tempfile::tempdir().unwrap();
    let (config, key) = config(dir.path());
    let credentials = dir.path().join("credentials");
    std::fs::create_dir(&credentials).unwrap();
    std::fs::write(credentials.join("db.key"), "missing").unwrap();
    std::fs::set_permissions(
        credentials.join("db.key"),
        std::fs::Permissions::from_mode(0o400),
    )
    .unwrap();
    let mut under_systemd = kiosk(&config);
    under_systemd.env("CREDENTIALS_DIRECTORY", &credentials);
    let stderr = provision_while_out_of_service(under_systemd, &key);
    assert!(
        stderr.contains("DB-KEY") && stderr.contains("malformed"),
        "{stderr}"
    );
}

#[test]
fn the_out_of_service_screen_is_drawn_and_cannot_be_closed() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    let (config, _key) = config(dir.path());
    let child = kiosk(&config)
        .args(["--quit-after", "60"])
        .env("DISPLAY", &display)
        .env("SLINT_SCALE_FACTOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut kiosk = Reaper(child);
    wait_for(
        "the out-of-service screen in the X server",
        Duration::from_secs(30),
        || {
            let (_, _, pixels) = screen(&display);
            let (light, dark) = shares(&pixels);
            light > 0.5 && dark > 0.002
        },
    );
    for keys in [["key", "alt+F4"], ["key", "ctrl+q"]] {
        let status = Command::new(tool("xdotool"))
            .args(keys)
            .env("DISPLAY", &display)
            .status()
            .unwrap();
        assert!(status.success());
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        kiosk.0.try_wait().unwrap().is_none(),
        "the kiosk left the out-of-service screen"
    );
}

#[test]
fn the_out_of_service_screen_reads_persian_first_and_offers_nothing_to_tap() {
    use i_slint_backend_testing::{
        AccessibleRole, ElementQuery, TestingBackend, TestingBackendOptions,
    };
    use kiosk::out_of_service::{Fault, view};
    let backend = TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    });
    slint::platform::set_platform(Box::new(backend)).unwrap();
    let ui = kiosk_ui::KioskUi::new().unwrap();
    ui.fit_panel(&kiosk_ui::Panel::TEN_INCH_1280X800);
    ui.show(&view(Fault::DatabaseKey, Some(12))).unwrap();
    let buttons = ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all();
    assert!(buttons.is_empty(), "{} buttons", buttons.len());
    let texts: Vec<String> = ElementQuery::from_root(ui.component())
        .match_descendants()
        .match_accessible_role(AccessibleRole::Text)
        .find_all()
        .iter()
        .filter_map(|t| t.accessible_label().map(|l| l.to_string()))
        .collect();
    let all = texts.join("\n");
    for expected in [
        "این دستگاه موقتاً از سرویس خارج است",
        "DB-KEY",
        "۱۲",
        "staff",
    ] {
        assert!(all.contains(expected), "{expected:?} not on screen: {all}");
    }
    let png = ui.snapshot_png().unwrap();
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../ui/screenshots/out-of-service.png"
        ),
        png,
    )
    .unwrap();
}
