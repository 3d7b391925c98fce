//! The PC/SC test harness, shared by the drivers' card tests and `kioskctl devices card`'s
//! tests (included by `#[path]`): a pcscd of our own with the `vsmartcard-vpcd` reader driver
//! on a free port, and a virtual card speaking the vpcd socket protocol.
//!
//! pcscd needs root (it creates /run/pcscd) and only one can run, because its client socket
//! (/run/pcscd/pcscd.comm) is fixed: tests hold [`ONE_PCSCD`] while theirs runs. pcscd or
//! vpcd missing is a failure, not a skip: CI installs them (tools/test.sh).
//!
//! The vpcd protocol: the card connects to the reader's TCP port; each message is a 2-byte
//! big-endian length and a payload. One-byte payloads are control (0 power off, 1 power on,
//! 2 reset, 4 get ATR, answered with the ATR); longer ones are APDUs, answered with the
//! response APDU. Closing the connection removes the card.

// Each including test crate uses a different part of the harness.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rcgen::string::PrintableString;
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};

pub const PCSCD: &str = "/usr/sbin/pcscd";
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
pub const ATR: [u8; 11] = [
    0x3B, 0x88, 0x80, 0x01, 0x4B, 0x49, 0x4F, 0x53, 0x4B, 0x30, 0x31,
];
pub const CERT_FID: [u8; 2] = [0x00, 0x02];

/// One pcscd at a time (tokio's mutex: held across awaits, never poisoned by a failed test).
pub static ONE_PCSCD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn require_pcsc_tools() {
    assert!(
        Path::new(PCSCD).exists(),
        "pcscd is not installed: `apt-get install pcscd` (tools/test.sh installs it)"
    );
    assert!(
        Path::new(VPCD_DRIVER).exists(),
        "the vpcd reader driver is not installed: `apt-get install vsmartcard-vpcd`"
    );
}

/// A pcscd of our own, killed on drop.
pub struct Pcscd {
    child: Child,
    /// The vpcd reader's TCP port (slot 0; slot 1 is the next port).
    pub port: u16,
    _conf: tempfile::TempDir,
}

impl Pcscd {
    /// Starts pcscd with a vpcd reader on a free port pair and waits until it listens.
    pub fn start() -> Self {
        require_pcsc_tools();
        let port = free_port_pair();
        let conf = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            conf.path().join("vpcd"),
            format!(
                "FRIENDLYNAME \"Kiosk test VPCD\"\nDEVICENAME /dev/null:0x{port:04X}\n\
                 LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{port:04X}\n"
            ),
        )
        .expect("reader.conf");
        let log_path = conf.path().join("pcscd.log");
        let log = std::fs::File::create(&log_path).expect("pcscd log file");
        let child = Command::new(PCSCD)
            .arg("--foreground")
            .arg("--config")
            .arg(conf.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("pcscd starts");
        let mut pcscd = Self {
            child,
            port,
            _conf: conf,
        };
        // Ready when the reader's port accepts a connection; a connection we close at once is
        // just a card inserted and removed before any client watches.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = pcscd.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!(
                    "pcscd exited at start ({status}). It needs root (it creates /run/pcscd) and \
                     no other pcscd running. Its output:\n{log}"
                );
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "pcscd's vpcd port {port} never opened"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        pcscd
    }
}

impl Pcscd {
    /// Waits until pcscd itself reports the card in the reader named like `reader_filter` as
    /// `present` or absent. The vpcd driver polls its socket, so a card taken out is noticed a
    /// moment later; a client that starts in between still sees the old card (and fails to
    /// connect to it), which is how a real card pulled early behaves, not what a test means.
    pub fn wait_for_card(&self, reader_filter: &str, present: bool) {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("PC/SC context");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let readers = ctx.list_readers_owned().unwrap_or_default();
            if let Some(name) = readers
                .into_iter()
                .find(|r| r.to_string_lossy().contains(reader_filter))
            {
                let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
                if ctx
                    .get_status_change(Duration::from_millis(200), &mut states)
                    .is_ok()
                    && states[0].event_state().contains(pcsc::State::PRESENT) == present
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "pcscd never saw the card {} in {reader_filter:?}",
                if present { "inserted" } else { "removed" }
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        // SIGTERM first so pcscd removes /run/pcscd itself; SIGKILL if it lingers.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port p with p and p+1 free (vpcd opens one port per slot, two slots).
pub fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind(("0.0.0.0", 0)).expect("bind");
        let p = first.local_addr().expect("addr").port();
        if p < u16::MAX && TcpListener::bind(("0.0.0.0", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no free port pair");
}

/// What a virtual card answers.
#[derive(Clone)]
pub struct VirtualCard {
    /// File id to contents.
    pub files: HashMap<[u8; 2], Vec<u8>>,
}

impl VirtualCard {
    /// A card holding `der` as its certificate file.
    pub fn with_certificate(der: Vec<u8>) -> Self {
        Self {
            files: HashMap::from([(CERT_FID, der)]),
        }
    }

    fn answer(&self, selected: &mut Option<[u8; 2]>, apdu: &[u8]) -> Vec<u8> {
        match apdu {
            [0x00, 0xA4, _, _, 0x02, a, b, ..] => {
                if self.files.contains_key(&[*a, *b]) {
                    *selected = Some([*a, *b]);
                    vec![0x90, 0x00]
                } else {
                    vec![0x6A, 0x82]
                }
            }
            [0x00, 0xB0, hi, lo, le] => {
                let Some(file) = selected.and_then(|f| self.files.get(&f)) else {
                    return vec![0x69, 0x86];
                };
                let off = usize::from(u16::from_be_bytes([*hi, *lo]));
                let le = if *le == 0 { 256 } else { usize::from(*le) };
                let end = (off + le).min(file.len());
                let mut r = file.get(off..end).unwrap_or_default().to_vec();
                r.extend_from_slice(if end - off.min(end) < le {
                    &[0x62, 0x82]
                } else {
                    &[0x90, 0x00]
                });
                r
            }
            _ => vec![0x6D, 0x00],
        }
    }

    /// Connects to the reader (the card is inserted) and serves until removed.
    pub fn insert(self, port: u16) -> Inserted {
        let deadline = Instant::now() + Duration::from_secs(5);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline, "vpcd port {port}: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        };
        let control = stream.try_clone().expect("clone socket");
        let thread = std::thread::spawn(move || self.serve(stream));
        Inserted { control, thread }
    }

    fn serve(self, mut stream: TcpStream) {
        let mut selected = None;
        loop {
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).is_err() {
                return;
            }
            let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut msg).is_err() {
                return;
            }
            let reply = match msg.as_slice() {
                [4] => Some(ATR.to_vec()),
                [0..=2] => {
                    selected = None;
                    None
                }
                apdu => Some(self.answer(&mut selected, apdu)),
            };
            if let Some(reply) = reply {
                let len = u16::try_from(reply.len())
                    .expect("short reply")
                    .to_be_bytes();
                if stream
                    .write_all(&len)
                    .and_then(|()| stream.write_all(&reply))
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// A card in the reader.
pub struct Inserted {
    control: TcpStream,
    thread: JoinHandle<()>,
}

impl Inserted {
    /// Takes the card out.
    pub fn remove(self) {
        let _ = self.control.shutdown(Shutdown::Both);
        let _ = self.thread.join();
    }
}

/// A self-signed certificate whose subject holds `serial` (the national code) and the name.
pub fn certificate(serial: &str, common_name: &str) -> Vec<u8> {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(PrintableString::try_from(serial).expect("printable")),
    );
    params.distinguished_name = dn;
    params.self_signed(&key).expect("cert").der().to_vec()
}
