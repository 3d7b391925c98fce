//! A printer played on the far end of a real link: a pseudo-terminal or a TCP socket.
//!
//! [`SimPrinter`](super::SimPrinter) simulates the device *inside* the driver; this stands at
//! the other end of a real transport, so the firmware's serial, USB-class and TCP 9100 paths
//! run exactly as on a kiosk: the driver opens the pty slave by path (as `/dev/ttyUSB0` or
//! `/dev/usb/lp0`) or connects to `127.0.0.1:port`, and the responder answers every
//! `DLE EOT n` with the status byte it was given and records every byte it received. Used by
//! the firmware's wiring tests, `kioskctl devices printer` tests and for trying a kiosk
//! configuration without a printer.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

/// Answers of a ready printer to `DLE EOT 1..4`.
pub const READY_ANSWERS: [u8; 4] = [0x12; 4];

/// A printer on the far end of a pty or TCP socket. Stops when dropped.
pub struct Responder {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<[u8; 4]>>,
    received: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Responder {
    /// A printer behind a new pseudo-terminal pair; returns it and the slave's path, which
    /// the driver opens as it would a serial or USB printer device.
    pub fn pty(answers: [u8; 4]) -> std::io::Result<(Self, PathBuf)> {
        let (mut master, slave) = TTYPort::pair().map_err(std::io::Error::other)?;
        let path = slave
            .name()
            .map(PathBuf::from)
            .ok_or_else(|| std::io::Error::other("pty slave has no name"))?;
        drop(slave);
        master
            .set_timeout(Duration::from_millis(10))
            .map_err(std::io::Error::other)?;
        let responder = Self::start(answers, move |shared| {
            serve(&mut master, &shared, true);
        })?;
        Ok((responder, path))
    }

    /// A printer listening on `127.0.0.1` on a free port; returns it and its address. It
    /// serves one connection at a time, as network printers do.
    pub fn tcp(answers: [u8; 4]) -> std::io::Result<(Self, SocketAddr)> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let responder = Self::start(answers, move |shared| {
            while !shared.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        if stream.set_nonblocking(false).is_err()
                            || stream
                                .set_read_timeout(Some(Duration::from_millis(10)))
                                .is_err()
                        {
                            continue;
                        }
                        serve(&mut stream, &shared, false);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => return,
                }
            }
        })?;
        Ok((responder, address))
    }

    fn start(
        answers: [u8; 4],
        body: impl FnOnce(Shared) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(answers));
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            stop: Arc::clone(&stop),
            answers: Arc::clone(&answers),
            received: Arc::clone(&received),
        };
        let thread = thread::Builder::new()
            .name("printer-responder".into())
            .spawn(move || body(shared))?;
        Ok(Self {
            stop,
            answers,
            received,
            thread: Some(thread),
        })
    }

    /// Changes what the printer answers from now on (paper end, cover open, offline…).
    pub fn set_answers(&self, answers: [u8; 4]) {
        if let Ok(mut a) = self.answers.lock() {
            *a = answers;
        }
    }

    /// Every byte received so far: status queries and jobs, in order.
    pub fn received(&self) -> Vec<u8> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many `DLE EOT n` queries were received so far.
    pub fn queries(&self) -> usize {
        self.received().windows(3).filter(|w| is_query(w)).count()
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Shared {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<[u8; 4]>>,
    received: Arc<Mutex<Vec<u8>>>,
}

fn is_query(w: &[u8]) -> bool {
    matches!(w, [0x10, 0x04, 1..=4])
}

/// Reads until the other end goes away (a socket) or `stop` (a pty, whose master outlives
/// every slave open), answering status queries as they complete.
fn serve<D: Read + Write>(dev: &mut D, shared: &Shared, pty: bool) {
    let mut tail: Vec<u8> = Vec::new();
    let mut buf = [0u8; 4096];
    while !shared.stop.load(Ordering::SeqCst) {
        let n = match dev.read(&mut buf) {
            Ok(0) if !pty => return,
            Ok(0) => continue,
            Ok(n) => n,
            // A pty master reports a hang-up (BrokenPipe) while no slave is open: the printer
            // is idle, not gone.
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                continue;
            }
            Err(e) if pty && e.kind() == ErrorKind::BrokenPipe => {
                thread::sleep(Duration::from_millis(2));
                continue;
            }
            Err(_) => return,
        };
        if let Ok(mut r) = shared.received.lock() {
            r.extend_from_slice(&buf[..n]);
        }
        // Keep the last two bytes of the previous read, so a query split across reads counts.
        tail.extend_from_slice(&buf[..n]);
        let mut replies = Vec::new();
        let mut i = 0;
        while i + 3 <= tail.len() {
            if is_query(&tail[i..i + 3]) {
                let answers = shared.answers.lock().map(|a| *a).unwrap_or(READY_ANSWERS);
                replies.push(answers[usize::from(tail[i + 2] - 1)]);
                i += 3;
            } else {
                i += 1;
            }
        }
        tail.drain(..i);
        if tail.len() > 2 {
            tail.drain(..tail.len() - 2);
        }
        if !replies.is_empty() && (dev.write_all(&replies).is_err() || dev.flush().is_err()) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::{
        Condition, EscPosPrinter, JobConfig, ReceiptPrinter, SerialConfig, SerialTransport, Tcp9100,
    };

    fn fast() -> JobConfig {
        JobConfig {
            stall_timeout: Duration::from_millis(500),
            status_timeout: Duration::from_millis(300),
            ..JobConfig::default()
        }
    }

    #[test]
    fn a_serial_printer_on_a_pty_prints_and_its_status_changes() {
        let (responder, path) = Responder::pty(READY_ANSWERS).expect("pty");
        let mut printer = EscPosPrinter::new(
            SerialTransport::new(SerialConfig::new(&path, 115_200)),
            fast(),
        );
        let job = b"\x1b@hello\x1dV\x01".to_vec();
        assert_eq!(
            printer.print(&job).map(|s| s.condition),
            Ok(Condition::Ready)
        );
        let got = responder.received();
        assert!(
            got.windows(job.len()).any(|w| w == job.as_slice()),
            "{got:02X?}"
        );
        assert_eq!(responder.queries(), 8, "four queries before and four after");
        responder.set_answers([0x12, 0x12, 0x12, 0x72]);
        assert_eq!(printer.status().condition, Condition::PaperEnd);
    }

    #[test]
    fn a_tcp_printer_serves_one_connection_per_job() {
        let (responder, address) = Responder::tcp(READY_ANSWERS).expect("listener");
        let mut printer = EscPosPrinter::new(Tcp9100::new(address.to_string()), fast());
        for _ in 0..2 {
            assert!(printer.print(b"\x1b@x").is_ok());
        }
        let got = responder.received();
        assert_eq!(got.windows(3).filter(|w| *w == b"\x1b@x").count(), 2);
    }
}
