//! Telling systemd how the kiosk is doing (the `sd_notify` protocol), without libsystemd.
//!
//! The device image runs `kiosk.service` with `Type=notify` and `WatchdogSec=`: systemd
//! considers the kiosk started only when it sends `READY=1`, restarts it when its watchdog
//! pings (`WATCHDOG=1`) stop, shows its `STATUS=` line in `systemctl status`, and the RAUC
//! health check marks a freshly installed slot good only after `READY=1` arrived. The protocol
//! is one datagram of `KEY=VALUE` lines sent to the Unix socket named by `$NOTIFY_SOCKET`
//! (a path, or `@name` for the abstract namespace), so a few lines over [`UnixDatagram`] do it.
//!
//! The watchdog must prove that the *main loop* is alive, not merely that some thread exists:
//! [`Watchdog`] pings from its own thread at half of `$WATCHDOG_USEC`, but only when the main
//! loop called [`Liveness::beat`] since the previous ping. A loop can beat on every turn, or
//! the watchdog asks it to: each round its *probe* posts a beat into the loop (for the kiosk's
//! window, [`slint::invoke_from_event_loop`]), which runs only if the loop still turns. A hung
//! loop therefore stops the pings and systemd restarts the kiosk.
//!
//! Outside systemd (`kiosk --demo`, a developer's shell) `$NOTIFY_SOCKET` is unset and every
//! call is a no-op.

use std::ffi::OsString;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why the notification socket or the watchdog settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// `$NOTIFY_SOCKET` is neither an absolute path nor an `@abstract` name.
    #[error("NOTIFY_SOCKET {0:?} is neither an absolute path nor an @abstract socket name")]
    BadSocket(OsString),
    /// `$WATCHDOG_USEC` is not a positive number of microseconds.
    #[error("WATCHDOG_USEC {0:?} is not a positive number of microseconds")]
    BadWatchdogUsec(String),
    /// `$WATCHDOG_PID` is not a process id.
    #[error("WATCHDOG_PID {0:?} is not a process id")]
    BadWatchdogPid(String),
    /// The datagram could not be sent (systemd gone, socket removed, permissions).
    #[error("sending {state:?} to the systemd notification socket {socket}: {source}")]
    Send {
        /// The first line of what was being sent.
        state: String,
        /// The socket as named in `$NOTIFY_SOCKET`.
        socket: String,
        /// The operating system's error.
        source: io::Error,
    },
}

/// Where notifications go: a filesystem path or an abstract-namespace name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

/// A handle on systemd's notification socket; cheap to clone, disabled outside systemd.
#[derive(Debug, Clone)]
pub struct Notifier {
    target: Option<Target>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` of this process.
    pub fn from_env() -> Result<Self, NotifyError> {
        let watchdog_usec = std::env::var("WATCHDOG_USEC").ok();
        let watchdog_pid = std::env::var("WATCHDOG_PID").ok();
        Self::from_values(
            std::env::var_os("NOTIFY_SOCKET"),
            watchdog_usec.as_deref(),
            watchdog_pid.as_deref(),
            std::process::id(),
        )
    }

    /// Builds a notifier from the values systemd puts in the environment (`None` = unset).
    ///
    /// The watchdog is enabled when `watchdog_usec` is set and `watchdog_pid` is either unset
    /// or `own_pid` (systemd names the main PID; a child that inherited the variables must not
    /// ping for it).
    pub fn from_values(
        notify_socket: Option<OsString>,
        watchdog_usec: Option<&str>,
        watchdog_pid: Option<&str>,
        own_pid: u32,
    ) -> Result<Self, NotifyError> {
        let target = match notify_socket {
            None => None,
            Some(s) if s.is_empty() => None,
            Some(s) => Some(parse_target(s)?),
        };
        let for_us = match watchdog_pid {
            None => true,
            Some(p) => {
                let pid: u32 = p
                    .trim()
                    .parse()
                    .map_err(|_| NotifyError::BadWatchdogPid(p.to_owned()))?;
                pid == own_pid
            }
        };
        let watchdog = match watchdog_usec {
            Some(u) if for_us => {
                let usec: u64 = u
                    .trim()
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| NotifyError::BadWatchdogUsec(u.to_owned()))?;
                Some(Duration::from_micros(usec))
            }
            _ => None,
        };
        Ok(Self { target, watchdog })
    }

    /// A notifier that sends nothing (tests, the demo).
    pub fn disabled() -> Self {
        Self {
            target: None,
            watchdog: None,
        }
    }

    /// Whether notifications go anywhere (the process runs under systemd with `Type=notify`).
    pub fn is_enabled(&self) -> bool {
        self.target.is_some()
    }

    /// The watchdog timeout systemd enforces (`WatchdogSec=`), if any.
    pub fn watchdog_timeout(&self) -> Option<Duration> {
        self.watchdog
    }

    /// Sends raw `KEY=VALUE` lines; a no-op when disabled.
    pub fn notify(&self, state: &str) -> Result<(), NotifyError> {
        let Some(target) = &self.target else {
            return Ok(());
        };
        let send_err = |source| NotifyError::Send {
            state: state.lines().next().unwrap_or_default().to_owned(),
            socket: target.to_string(),
            source,
        };
        let socket = UnixDatagram::unbound().map_err(send_err)?;
        match target {
            Target::Path(path) => socket.send_to(state.as_bytes(), path),
            Target::Abstract(name) => send_abstract(&socket, name, state.as_bytes()),
        }
        .map_err(send_err)?;
        Ok(())
    }

    /// `READY=1` with a status line: the kiosk is serving visitors.
    pub fn ready(&self, status: &str) -> Result<(), NotifyError> {
        self.notify(&format!("READY=1\nSTATUS={}", one_line(status)))
    }

    /// `STATUS=…`: a free-form line shown by `systemctl status kiosk`.
    pub fn status(&self, status: &str) -> Result<(), NotifyError> {
        self.notify(&format!("STATUS={}", one_line(status)))
    }

    /// `STOPPING=1`: the kiosk is shutting down on purpose.
    pub fn stopping(&self, status: &str) -> Result<(), NotifyError> {
        self.notify(&format!("STOPPING=1\nSTATUS={}", one_line(status)))
    }

    /// One `WATCHDOG=1` ping.
    pub fn watchdog_ping(&self) -> Result<(), NotifyError> {
        self.notify("WATCHDOG=1")
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Path(p) => write!(f, "{}", p.display()),
            Target::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

fn parse_target(s: OsString) -> Result<Target, NotifyError> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = s.as_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        if !name.is_empty() {
            return Ok(Target::Abstract(name.to_vec()));
        }
    } else if bytes.starts_with(b"/") {
        return Ok(Target::Path(PathBuf::from(s)));
    }
    Err(NotifyError::BadSocket(s))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn send_abstract(socket: &UnixDatagram, name: &[u8], data: &[u8]) -> io::Result<usize> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt as _;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt as _;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    socket.send_to_addr(data, &addr)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn send_abstract(_socket: &UnixDatagram, _name: &[u8], _data: &[u8]) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "abstract Unix sockets exist only on Linux",
    ))
}

/// A status line must stay one line: a newline would start another `KEY=` assignment.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// What the main loop holds to prove it is alive; see [`Watchdog`].
#[derive(Debug, Clone)]
pub struct Liveness(Arc<AtomicU64>);

impl Liveness {
    /// Called by the main loop on every turn (at least once per watchdog interval).
    pub fn beat(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Asks the main loop for a beat; returns `false` when there is no loop to ask.
pub type Probe = Box<dyn Fn(&Liveness) -> bool + Send>;

/// A thread pinging systemd's watchdog while the main loop keeps beating.
///
/// Dropping it stops the thread (pings stop, so a kiosk that shuts down without `STOPPING=1`
/// is still caught by systemd).
#[derive(Debug)]
pub struct Watchdog {
    liveness: Liveness,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    interval: Duration,
}

impl Watchdog {
    /// Starts pinging at half of the notifier's watchdog timeout; `None` when systemd set no
    /// watchdog or notifications are disabled.
    /// `probe` (if any) is called each round to ask the loop for the next beat.
    pub fn start(notifier: &Notifier, probe: Option<Probe>) -> Option<Self> {
        let timeout = notifier.watchdog_timeout()?;
        if !notifier.is_enabled() {
            return None;
        }
        Some(Self::with_interval(notifier.clone(), timeout / 2, probe))
    }

    /// Starts pinging every `interval` (tests use short ones).
    pub fn with_interval(notifier: Notifier, interval: Duration, probe: Option<Probe>) -> Self {
        let liveness = Liveness(Arc::new(AtomicU64::new(0)));
        let stop = Arc::new(AtomicBool::new(false));
        let (beats, stopped) = (liveness.0.clone(), stop.clone());
        let probe_beat = liveness.clone();
        let thread = std::thread::Builder::new()
            .name("sd-watchdog".into())
            .spawn(move || {
                // The first ping needs a beat too: a loop that never turns is not alive.
                let mut seen = 0u64;
                let mut stalled_logged = false;
                while !stopped.load(Ordering::Relaxed) {
                    if let Some(probe) = &probe
                        && !probe(&probe_beat)
                    {
                        // No event loop to ask (the headless lab mode): the thread vouches
                        // for the process itself.
                        probe_beat.beat();
                    }
                    std::thread::park_timeout(interval);
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    let now = beats.load(Ordering::Relaxed);
                    if now != seen {
                        seen = now;
                        stalled_logged = false;
                        if let Err(e) = notifier.watchdog_ping() {
                            tracing::warn!("watchdog ping: {e}");
                        }
                    } else if !stalled_logged {
                        stalled_logged = true;
                        tracing::error!(
                            "main loop made no progress for {interval:?}: withholding the \
                             watchdog ping so systemd restarts the kiosk"
                        );
                    }
                }
            })
            .ok();
        if thread.is_none() {
            tracing::error!("could not start the watchdog thread: systemd will restart the kiosk");
        }
        Self {
            liveness,
            stop,
            thread,
            interval,
        }
    }

    /// The handle the main loop beats.
    pub fn liveness(&self) -> Liveness {
        self.liveness.clone()
    }

    /// How often the thread pings (half of `WatchdogSec=`).
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The probe of the kiosk's window: posts a beat into the Slint event loop, where it runs only
/// while the loop turns. `false` when no Slint event loop can take it (headless).
pub fn slint_probe() -> Probe {
    Box::new(|live: &Liveness| {
        let live = live.clone();
        slint::invoke_from_event_loop(move || live.beat()).is_ok()
    })
}

/// What `kiosk --config` calls once the kiosk serves visitors: reads the environment, sends
/// `READY=1` with `status`, and starts the watchdog thread (probing the Slint event loop) when
/// systemd asked for one. Keep the returned value alive for as long as the loop runs.
///
/// Problems are logged, never fatal: a kiosk that cannot reach systemd still serves visitors
/// (and systemd, not hearing `READY=1`, fails the start and restarts it, which is the recovery
/// wanted).
pub fn notify_ready(status: &str) -> Option<Watchdog> {
    notify_ready_probing(status, Some(slint_probe()))
}

/// As [`notify_ready`] for a loop that is not Slint's: without a probe, the pings go out only
/// while the caller beats the returned watchdog's [`Watchdog::liveness`].
pub fn notify_ready_beating(status: &str) -> Option<Watchdog> {
    notify_ready_probing(status, None)
}

fn notify_ready_probing(status: &str, probe: Option<Probe>) -> Option<Watchdog> {
    let notifier = match Notifier::from_env() {
        Ok(n) => n,
        Err(e) => {
            tracing::error!("systemd notification settings: {e}");
            return None;
        }
    };
    if let Err(e) = notifier.ready(status) {
        tracing::error!("{e}");
    }
    let watchdog = Watchdog::start(&notifier, probe);
    if let Some(w) = &watchdog {
        tracing::info!(interval = ?w.interval(), "systemd watchdog pings started");
    }
    watchdog
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::time::Instant;

    /// A real datagram socket standing in for systemd's notification socket.
    fn systemd_socket() -> (tempfile::TempDir, PathBuf, UnixDatagram) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let sock = UnixDatagram::bind(&path).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        (dir, path, sock)
    }

    fn recv(sock: &UnixDatagram) -> String {
        let mut buf = [0u8; 4096];
        let n = sock.recv(&mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    fn notifier_for(path: &std::path::Path, usec: Option<&str>) -> Notifier {
        Notifier::from_values(Some(path.as_os_str().to_owned()), usec, None, 1).unwrap()
    }

    #[test]
    fn ready_status_and_stopping_reach_the_socket() {
        let (_dir, path, sock) = systemd_socket();
        let n = notifier_for(&path, None);
        assert!(n.is_enabled());
        n.ready("kiosk 12 ready\nSTOPPING=1").unwrap();
        // The newline in the status must not smuggle in a second assignment.
        assert_eq!(recv(&sock), "READY=1\nSTATUS=kiosk 12 ready STOPPING=1");
        n.status("outbox 3 pending").unwrap();
        assert_eq!(recv(&sock), "STATUS=outbox 3 pending");
        n.stopping("bye").unwrap();
        assert_eq!(recv(&sock), "STOPPING=1\nSTATUS=bye");
    }

    #[test]
    fn abstract_socket_names_work() {
        use std::os::linux::net::SocketAddrExt as _;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("kiosk-test-{}-{nanos}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let sock = UnixDatagram::bind_addr(&addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let n = Notifier::from_values(Some(format!("@{name}").into()), None, None, 1).unwrap();
        n.watchdog_ping().unwrap();
        assert_eq!(recv(&sock), "WATCHDOG=1");
    }

    #[test]
    fn unset_socket_is_a_silent_no_op() {
        let n = Notifier::from_values(None, Some("1000000"), None, 1).unwrap();
        assert!(!n.is_enabled());
        n.ready("x").unwrap();
        assert!(Watchdog::start(&n, None).is_none());
        assert!(
            !Notifier::from_values(Some("".into()), None, None, 1)
                .unwrap()
                .is_enabled()
        );
    }

    #[test]
    fn bad_environment_is_named() {
        let e = Notifier::from_values(Some("run/notify".into()), None, None, 1).unwrap_err();
        assert!(matches!(e, NotifyError::BadSocket(_)), "{e}");
        assert!(e.to_string().contains("run/notify"));
        let e = Notifier::from_values(Some("@".into()), None, None, 1).unwrap_err();
        assert!(matches!(e, NotifyError::BadSocket(_)));
        for bad in ["0", "-5", "ten", ""] {
            let e = Notifier::from_values(Some("/x".into()), Some(bad), None, 1).unwrap_err();
            assert!(matches!(e, NotifyError::BadWatchdogUsec(_)), "{bad}: {e}");
        }
        let e = Notifier::from_values(Some("/x".into()), Some("5"), Some("pid"), 1).unwrap_err();
        assert!(matches!(e, NotifyError::BadWatchdogPid(_)), "{e}");
    }

    #[test]
    fn watchdog_belongs_to_the_pid_systemd_names() {
        let ours = Notifier::from_values(Some("/x".into()), Some("8000000"), Some("42"), 42);
        assert_eq!(
            ours.unwrap().watchdog_timeout(),
            Some(Duration::from_secs(8))
        );
        let child = Notifier::from_values(Some("/x".into()), Some("8000000"), Some("41"), 42);
        assert_eq!(child.unwrap().watchdog_timeout(), None);
    }

    #[test]
    fn watchdog_pings_at_half_the_timeout() {
        let (_dir, path, _sock) = systemd_socket();
        let n = notifier_for(&path, Some("3000000"));
        let w = Watchdog::start(&n, None).unwrap();
        assert_eq!(w.interval(), Duration::from_millis(1500));
    }

    #[test]
    fn watchdog_pings_only_while_the_main_loop_beats() {
        let (_dir, path, sock) = systemd_socket();
        let n = notifier_for(&path, None);
        let w = Watchdog::with_interval(n, Duration::from_millis(50), None);
        let live = w.liveness();
        // No beat yet: no ping within several intervals.
        sock.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut buf = [0u8; 64];
        assert!(
            sock.recv(&mut buf).is_err(),
            "pinged before the loop ever turned"
        );
        // The loop turns: pings arrive.
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut pings = 0;
        let start = Instant::now();
        while pings < 3 && start.elapsed() < Duration::from_secs(5) {
            live.beat();
            std::thread::sleep(Duration::from_millis(20));
            sock.set_nonblocking(true).unwrap();
            while let Ok(k) = sock.recv(&mut buf) {
                assert_eq!(&buf[..k], b"WATCHDOG=1");
                pings += 1;
            }
            sock.set_nonblocking(false).unwrap();
        }
        assert!(pings >= 3, "only {pings} pings while beating");
        // The loop hangs: after the last pending ping (give a busy machine time), silence.
        std::thread::sleep(Duration::from_millis(300));
        sock.set_nonblocking(true).unwrap();
        while sock.recv(&mut buf).is_ok() {}
        sock.set_nonblocking(false).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        assert!(
            sock.recv(&mut buf).is_err(),
            "pinged while the loop was stalled"
        );
        // Dropping the watchdog stops its thread promptly.
        let t = Instant::now();
        drop(w);
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn the_probe_asks_a_live_loop_for_beats_and_a_hung_loop_gets_no_pings() {
        let (_dir, path, sock) = systemd_socket();
        let n = notifier_for(&path, None);
        // A stand-in event loop: a thread running posted closures, which can hang.
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let hung = Arc::new(AtomicBool::new(false));
        let hung_loop = hung.clone();
        std::thread::spawn(move || {
            for job in rx {
                while hung_loop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                job();
            }
        });
        let tx = std::sync::Mutex::new(tx);
        let probe: Probe = Box::new(move |live: &Liveness| {
            let live = live.clone();
            tx.lock()
                .unwrap()
                .send(Box::new(move || live.beat()))
                .is_ok()
        });
        let w = Watchdog::with_interval(n, Duration::from_millis(50), Some(probe));
        assert_eq!(recv(&sock), "WATCHDOG=1");
        assert_eq!(recv(&sock), "WATCHDOG=1");
        hung.store(true, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(300));
        let mut buf = [0u8; 64];
        sock.set_nonblocking(true).unwrap();
        while sock.recv(&mut buf).is_ok() {}
        sock.set_nonblocking(false).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        assert!(sock.recv(&mut buf).is_err(), "pinged while the loop hung");
        hung.store(false, Ordering::Relaxed);
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(
            recv(&sock),
            "WATCHDOG=1",
            "no ping after the loop recovered"
        );
        drop(w);
    }

    #[test]
    fn without_an_event_loop_the_probe_falls_back_to_the_thread() {
        let (_dir, path, sock) = systemd_socket();
        let n = notifier_for(&path, None);
        let probe: Probe = Box::new(|_: &Liveness| false);
        let _w = Watchdog::with_interval(n, Duration::from_millis(30), Some(probe));
        assert_eq!(recv(&sock), "WATCHDOG=1");
    }

    #[test]
    fn a_vanished_socket_is_an_error_naming_it() {
        let (dir, path, sock) = systemd_socket();
        let n = notifier_for(&path, None);
        drop(sock);
        std::fs::remove_file(&path).unwrap();
        let e = n.ready("x").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("READY=1") && msg.contains("notify"), "{msg}");
        drop(dir);
    }
}
