//! Serial code scanners (USB CDC-ACM `/dev/ttyACM*` or RS-232 `/dev/ttyUSB*`, `/dev/ttyAMA*`).
//!
//! A dedicated thread opens the port by path, reads with a short timeout (so it notices a
//! dropped stream and line timeouts promptly), and feeds the bytes to the
//! [`Pipeline`] shared by all scanners. When a read fails (the scanner was unplugged) it
//! reports [`ScanEvent::Disconnected`] and tries to reopen the same path every `reopen_interval`,
//! reporting [`ScanEvent::Connected`] when the device returns. Use a stable path such as
//! `/dev/serial/by-id/…` so a replugged scanner is found again.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};

use super::{ClassifierConfig, CodeScanner, FramingConfig, Pipeline, ScanEvent};
use crate::events::{EventSender, EventStream, channel};

/// Settings of a serial scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialScannerConfig {
    /// Device path.
    pub path: PathBuf,
    /// Baud rate (8 data bits, no parity, 1 stop bit, no flow control: what scanners ship with).
    pub baud: u32,
    /// How lines are cut.
    pub framing: FramingConfig,
    /// How lines are classified.
    pub classifier: ClassifierConfig,
    /// Longest a single read waits; bounds how late a stop or a line timeout is noticed.
    pub read_timeout: Duration,
    /// Pause between attempts to reopen a device that went away.
    pub reopen_interval: Duration,
}

impl SerialScannerConfig {
    /// Defaults for a scanner at `path`: 9600 baud, CR/LF terminated.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 9600,
            framing: FramingConfig::default(),
            classifier: ClassifierConfig::default(),
            read_timeout: Duration::from_millis(50),
            reopen_interval: Duration::from_millis(500),
        }
    }
}

/// A scanner on a serial port.
#[derive(Debug, Clone)]
pub struct SerialScanner {
    config: SerialScannerConfig,
}

impl SerialScanner {
    /// A scanner that will be opened when its events are requested.
    pub fn new(config: SerialScannerConfig) -> Self {
        Self { config }
    }
}

impl CodeScanner for SerialScanner {
    fn events(self) -> EventStream<ScanEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("scanner-serial".into())
            .spawn(move || run(&self.config, &tx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the serial scanner thread");
        }
        rx
    }
}

fn open(config: &SerialScannerConfig) -> serialport::Result<serialport::TTYPort> {
    let path = config.path.to_string_lossy();
    serialport::new(path, config.baud)
        .data_bits(DataBits::Eight)
        .parity(Parity::None)
        .stop_bits(StopBits::One)
        .flow_control(FlowControl::None)
        .timeout(config.read_timeout)
        .open_native()
}

fn run(config: &SerialScannerConfig, tx: &EventSender<ScanEvent>) {
    let mut pipeline = Pipeline::new(config.framing.clone(), config.classifier.clone());
    let mut outage_reported = false;
    while !tx.is_stopped() {
        match open(config) {
            Ok(mut port) => {
                outage_reported = false;
                // Bytes already waiting from before we opened belong to nobody's scan; drop
                // them now, before `Connected` tells anyone that scans are being read.
                let _ = port.clear(serialport::ClearBuffer::Input);
                tracing::info!(path = %config.path.display(), baud = config.baud, "scanner open");
                if !tx.send_blocking(ScanEvent::Connected) {
                    return;
                }
                let reason = read_until_gone(&mut port, &mut pipeline, tx);
                drop(port);
                pipeline.reset();
                match reason {
                    Some(reason) => {
                        tracing::warn!(path = %config.path.display(), %reason, "scanner gone");
                        if !tx.send_blocking(ScanEvent::Disconnected { reason }) {
                            return;
                        }
                    }
                    None => return,
                }
            }
            Err(e) => {
                if !outage_reported {
                    outage_reported = true;
                    tracing::warn!(path = %config.path.display(), error = %e, "scanner unavailable");
                    let reason = e.to_string();
                    if !tx.send_blocking(ScanEvent::Unavailable { reason }) {
                        return;
                    }
                }
            }
        }
        sleep_unless_stopped(config.reopen_interval, tx);
    }
}

/// Reads until the device fails (returns why) or the stream is dropped (returns `None`).
fn read_until_gone(
    port: &mut serialport::TTYPort,
    pipeline: &mut Pipeline,
    tx: &EventSender<ScanEvent>,
) -> Option<String> {
    let mut buf = [0u8; 512];
    loop {
        if tx.is_stopped() {
            return None;
        }
        let events = match port.read(&mut buf) {
            Ok(0) => return Some("end of file".to_owned()),
            Ok(n) => pipeline.push(&buf[..n], Instant::now()),
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::Interrupted) => {
                pipeline.tick(Instant::now()).into_iter().collect()
            }
            Err(e) => return Some(e.to_string()),
        };
        for event in events {
            tracing::debug!(kind = event.kind(), "scanner event");
            if !tx.send_blocking(event) {
                return None;
            }
        }
    }
}

fn sleep_unless_stopped<E>(total: Duration, tx: &EventSender<E>) {
    let step = Duration::from_millis(20);
    let end = Instant::now() + total;
    while !tx.is_stopped() {
        let now = Instant::now();
        if now >= end {
            return;
        }
        thread::sleep(step.min(end - now));
    }
}
