//! The PC/SC backend against a real `pcscd` with the `vsmartcard-vpcd` reader driver and a
//! virtual card in this process speaking the vpcd socket protocol. Each test starts its own
//! pcscd (foreground, its own reader.conf.d with a free port) and stops it; tests run one at a
//! time because pcscd's client socket (/run/pcscd/pcscd.comm) is fixed. pcscd or vpcd missing
//! is a failure, not a skip: CI installs them (tools/test.sh).
//!
//! The vpcd protocol: the card connects to the reader's TCP port; each message is a 2-byte
//! big-endian length and a payload. One-byte payloads are control (0 power off, 1 power on,
//! 2 reset, 4 get ATR, answered with the ATR); longer ones are APDUs, answered with the
//! response APDU. Closing the connection removes the card.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kiosk_drivers::EventStream;
use kiosk_drivers::card::{
    ApduProfile, CardError, CardEvent, CardReader, PcscReader, PcscReaderConfig,
};
use rcgen::string::PrintableString;
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, KeyPair};

const PCSCD: &str = "/usr/sbin/pcscd";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const ATR: [u8; 11] = [
    0x3B, 0x88, 0x80, 0x01, 0x4B, 0x49, 0x4F, 0x53, 0x4B, 0x30, 0x31,
];
const CERT_FID: [u8; 2] = [0x00, 0x02];

/// One pcscd at a time (tokio's mutex: held across awaits, never poisoned by a failed test).
static ONE_PCSCD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Checks a read error.
type Expect = fn(&CardError) -> bool;

fn require_pcsc_tools() {
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
struct Pcscd {
    child: Child,
    port: u16,
    _conf: tempfile::TempDir,
}

impl Pcscd {
    fn start() -> Self {
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
fn free_port_pair() -> u16 {
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
struct VirtualCard {
    files: HashMap<[u8; 2], Vec<u8>>,
}

impl VirtualCard {
    fn with_certificate(der: Vec<u8>) -> Self {
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
    fn insert(self, port: u16) -> Inserted {
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

struct Inserted {
    control: TcpStream,
    thread: JoinHandle<()>,
}

impl Inserted {
    fn remove(self) {
        let _ = self.control.shutdown(Shutdown::Both);
        let _ = self.thread.join();
    }
}

fn certificate(serial: &str, common_name: &str) -> Vec<u8> {
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

fn reader(pcscd: &Pcscd) -> EventStream<CardEvent> {
    let _ = pcscd.port;
    PcscReader::new(PcscReaderConfig {
        // Slot 0 of our vpcd reader only.
        reader_filter: Some("Kiosk test VPCD 00 00".into()),
        profile: ApduProfile {
            chunk: 100,
            ..ApduProfile::select_file(CERT_FID)
        },
        ..PcscReaderConfig::default()
    })
    .events()
}

async fn next(events: &mut EventStream<CardEvent>) -> CardEvent {
    tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("a card event within 10 s")
        .expect("reader thread alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_read_through_pcscd_and_its_removal_reported() {
    let _one = ONE_PCSCD.lock().await;
    let pcscd = Pcscd::start();
    let mut events = reader(&pcscd);
    // Let the reader see the empty slot first.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let der = certificate("0499370899", "Ali Rezaei");
    assert!(der.len() > 300, "read in several chunks of 100");
    let card = VirtualCard::with_certificate(der).insert(pcscd.port);
    match next(&mut events).await {
        CardEvent::Inserted { reader, atr } => {
            assert!(reader.contains("Kiosk test VPCD"), "{reader}");
            assert_eq!(atr, ATR);
        }
        other => panic!("expected an insertion, got {other:?}"),
    }
    match next(&mut events).await {
        CardEvent::Read { identity, .. } => {
            assert_eq!(identity.national_code.as_string(), "0499370899");
            assert_eq!(
                identity.name.as_ref().map(|n| n.expose()),
                Some("Ali Rezaei")
            );
        }
        other => panic!("expected a read, got {other:?}"),
    }
    card.remove();
    assert!(matches!(next(&mut events).await, CardEvent::Removed { .. }));

    // A second card in the same reader.
    let card = VirtualCard::with_certificate(certificate("0084575948", "B")).insert(pcscd.port);
    assert_eq!(next(&mut events).await.kind(), "inserted");
    match next(&mut events).await {
        CardEvent::Read { identity, .. } => {
            assert_eq!(identity.national_code.as_string(), "0084575948")
        }
        other => panic!("expected a read, got {other:?}"),
    }
    card.remove();
    assert_eq!(next(&mut events).await.kind(), "removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_that_answer_wrongly_give_clear_errors() {
    let _one = ONE_PCSCD.lock().await;
    let pcscd = Pcscd::start();
    let mut events = reader(&pcscd);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cases: Vec<(VirtualCard, Expect)> = vec![
        // No certificate file: SELECT answers 6A82.
        (
            VirtualCard {
                files: HashMap::new(),
            },
            |e| {
                matches!(
                    e,
                    CardError::Status {
                        step: "select",
                        sw: 0x6A82
                    }
                )
            },
        ),
        // The file is not a certificate.
        (
            VirtualCard::with_certificate(vec![0x04, 0x05, 1, 2, 3, 4, 5]),
            |e| matches!(e, CardError::NotACertificate),
        ),
        // The file ends early.
        (
            VirtualCard::with_certificate({
                let mut c = certificate("0499370899", "A");
                c.truncate(150);
                c
            }),
            |e| matches!(e, CardError::Truncated { got: 150, .. }),
        ),
        // A certificate whose national code fails its checksum.
        (
            VirtualCard::with_certificate(certificate("0499370898", "A")),
            |e| matches!(e, CardError::InvalidNationalCode(_)),
        ),
    ];
    for (card, expected) in cases {
        let inserted = card.insert(pcscd.port);
        assert_eq!(next(&mut events).await.kind(), "inserted");
        match next(&mut events).await {
            CardEvent::ReadFailed { error, .. } => assert!(expected(&error), "{error}"),
            other => panic!("expected a failed read, got {other:?}"),
        }
        inserted.remove();
        assert_eq!(next(&mut events).await.kind(), "removed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pcscd_is_reported_once_as_service_unavailable() {
    let _one = ONE_PCSCD.lock().await;
    require_pcsc_tools();
    let mut events = PcscReader::new(PcscReaderConfig {
        retry: Duration::from_millis(100),
        ..PcscReaderConfig::default()
    })
    .events();
    assert_eq!(next(&mut events).await.kind(), "service_unavailable");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events.try_next().is_none(), "an outage is reported once");
}
