//! Code scanners: what was scanned (national card barcode, receipt QR, satisfaction QR, staff
//! badge) arrives as a stream of [`ScanEvent`]s, already classified.
//!
//! - [`CodeScanner`] is the capability; [`serial::SerialScanner`] (CDC-ACM / RS-232 via
//!   `serialport`) and [`SimScanner`] are its backends.
//! - [`framing`] cuts the byte stream into lines (terminator, length limit, idle timeout) and
//!   [`classify()`] names what a line is; both are pure and shared by every backend, so the
//!   simulated scanner behaves exactly like the real one.
//! - [`wedge::WedgeScanner`] reads a USB HID keyboard-wedge scanner through evdev with an
//!   exclusive grab (so scanned digits never type into the UI); [`keymap`] decodes its key codes
//!   (US or Persian layout) into text.
//!
//! Garbage never crashes or blocks a reader: binary noise, overlong lines, partial reads and
//! unplugging each become one clear event, and a serial scanner is reopened when it returns.

pub mod classify;
pub mod framing;
pub mod keymap;
pub mod serial;
mod sim;
pub mod wedge;

pub use classify::{ClassifierConfig, EmployeeCodeFormat, Scanned, UnknownReason, classify};
pub use framing::{Frame, FramingConfig, LineAssembler, Terminator};
pub use serial::{SerialScanner, SerialScannerConfig};
pub use sim::{SimScanner, SimScannerHandle};
pub use wedge::{WedgeScanner, WedgeScannerConfig};

use crate::events::EventStream;

/// Something that reads codes and reports them as events.
pub trait CodeScanner {
    /// Starts reading (on the backend's own thread) and returns the events. Reading stops when
    /// the stream is dropped.
    fn events(self) -> EventStream<ScanEvent>;
}

/// One thing that happened at a scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanEvent {
    /// The device is open and being read (first open, and again after it returned).
    Connected,
    /// The device cannot be opened (absent, busy, no permission); retried until it returns.
    /// Reported once per outage, not at every retry.
    Unavailable {
        /// Why opening failed, for the operator.
        reason: String,
    },
    /// The device went away while being read (unplugged, I/O error).
    Disconnected {
        /// What the read reported.
        reason: String,
    },
    /// A complete line, classified.
    Scanned(Scanned),
    /// Input that is not a usable line.
    Rejected(ScanError),
}

/// Input a scanner produced that is not a usable line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Bytes that are not text: binary noise, or a baud-rate mismatch.
    #[error("scanner sent {bytes} bytes that are not text (noise or wrong baud rate)")]
    NotText {
        /// Length of the rejected line in bytes.
        bytes: usize,
    },
    /// A line longer than the configured limit; the rest of it up to the next terminator is
    /// discarded.
    #[error("scanner line exceeds {limit} bytes")]
    Overlong {
        /// The configured limit.
        limit: usize,
    },
    /// A keyboard-wedge line with keys that give no character in the configured layout (the
    /// scanner is probably set to another keyboard layout).
    #[error("scanner typed {keys} keys with no character (keyboard layout mismatch?)")]
    UnmappedKeys {
        /// Number of such key presses.
        keys: usize,
    },
    /// A line that stopped before its terminator and stayed silent past the line timeout.
    #[error("scanner line of {bytes} bytes was cut off before its terminator")]
    Incomplete {
        /// Bytes received before the silence.
        bytes: usize,
    },
}

impl ScanEvent {
    /// A stable, scriptable name of the event kind (`national_code`, `not_text`, …), used by
    /// `kioskctl devices scan` and in logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Unavailable { .. } => "unavailable",
            Self::Disconnected { .. } => "disconnected",
            Self::Scanned(s) => s.kind(),
            Self::Rejected(e) => e.kind(),
        }
    }
}

impl ScanError {
    /// A stable name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotText { .. } => "not_text",
            Self::Overlong { .. } => "overlong",
            Self::UnmappedKeys { .. } => "unmapped_keys",
            Self::Incomplete { .. } => "incomplete",
        }
    }
}

/// Framing plus classification: bytes in, events out. Shared by all backends.
#[derive(Debug, Clone)]
pub struct Pipeline {
    assembler: LineAssembler,
    classifier: ClassifierConfig,
}

impl Pipeline {
    /// A pipeline with the given framing and classification rules.
    pub fn new(framing: FramingConfig, classifier: ClassifierConfig) -> Self {
        Self {
            assembler: LineAssembler::new(framing),
            classifier,
        }
    }

    /// Feeds bytes read at `now`; returns the events they complete.
    pub fn push(&mut self, bytes: &[u8], now: std::time::Instant) -> Vec<ScanEvent> {
        self.assembler
            .push(bytes, now)
            .into_iter()
            .map(|f| self.event(f))
            .collect()
    }

    /// Reports a line left unfinished past the idle timeout at `now`.
    pub fn tick(&mut self, now: std::time::Instant) -> Option<ScanEvent> {
        self.assembler.tick(now).map(|f| self.event(f))
    }

    /// Forgets a half-read line (the device went away).
    pub fn reset(&mut self) {
        self.assembler.reset();
    }

    fn event(&self, frame: Frame) -> ScanEvent {
        match frame {
            Frame::Line(bytes) => match framing::decode_text(&bytes) {
                Ok(text) => ScanEvent::Scanned(classify(&text, &self.classifier)),
                Err(e) => ScanEvent::Rejected(e),
            },
            Frame::Overlong { limit } => ScanEvent::Rejected(ScanError::Overlong { limit }),
            Frame::Incomplete { bytes } => ScanEvent::Rejected(ScanError::Incomplete { bytes }),
        }
    }
}
