//! USB HID keyboard-wedge scanners through evdev.
//!
//! The scanner's input device (`/dev/input/by-id/…-event-kbd`) is opened and grabbed
//! exclusively (`EVIOCGRAB`), so its keystrokes reach only us, never the UI or a console. Key
//! events are decoded with the configured [`Layout`] (a scanner set to a Persian keyboard types
//! Persian digits) into lines ended by Enter or Tab, then classified like serial lines. A line
//! left half-typed past the line timeout, an overlong line, or keys with no character give a
//! [`ScanError`]; an unplugged device is reopened when it returns, as for serial scanners.
//!
//! Tested only through its decoder here: this machine's kernel has no `uinput`, so the device
//! test in `tests/wedge_scanner.rs` is ignored with that reason.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use evdev::{Device, EventType, InputEvent};

use super::keymap::{KeyDecoder, Layout, TypedLine};
use super::{ClassifierConfig, CodeScanner, ScanError, ScanEvent, classify};
use crate::evdev_input::{self, EvdevClient, EvdevOptions};
use crate::events::{EventSender, EventStream, channel};

/// Settings of a keyboard-wedge scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WedgeScannerConfig {
    /// The event device (prefer the stable `/dev/input/by-id/…` name).
    pub path: PathBuf,
    /// The keyboard layout the scanner is set to.
    pub layout: Layout,
    /// How lines are classified.
    pub classifier: ClassifierConfig,
    /// Longest accepted line in bytes.
    pub max_line_len: usize,
    /// Silence after which a half-typed line is dropped as incomplete.
    pub line_timeout: Duration,
    /// How often the device is polled for events.
    pub poll: Duration,
    /// Pause between attempts to reopen a device that went away.
    pub reopen_interval: Duration,
}

impl WedgeScannerConfig {
    /// Defaults for a US-layout scanner at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            layout: Layout::Us,
            classifier: ClassifierConfig::default(),
            max_line_len: 1024,
            line_timeout: Duration::from_millis(300),
            poll: Duration::from_millis(10),
            reopen_interval: Duration::from_millis(500),
        }
    }
}

/// A keyboard-wedge scanner.
#[derive(Debug, Clone)]
pub struct WedgeScanner {
    config: WedgeScannerConfig,
}

impl WedgeScanner {
    /// A scanner that will be opened and grabbed when its events are requested.
    pub fn new(config: WedgeScannerConfig) -> Self {
        Self { config }
    }
}

impl CodeScanner for WedgeScanner {
    fn events(self) -> EventStream<ScanEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("scanner-evdev".into())
            .spawn(move || run(&self.config, &tx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the wedge scanner thread");
        }
        rx
    }
}

/// The wedge scanner's side of the evdev loop.
struct Wedge<'a> {
    config: &'a WedgeScannerConfig,
    decoder: KeyDecoder,
    last_key: Instant,
    overlong: bool,
}

fn run(config: &WedgeScannerConfig, tx: &EventSender<ScanEvent>) {
    let options = EvdevOptions {
        grab: true,
        poll: config.poll,
        reopen_interval: config.reopen_interval,
    };
    let mut wedge = Wedge {
        config,
        decoder: KeyDecoder::new(config.layout),
        last_key: Instant::now(),
        overlong: false,
    };
    evdev_input::run(&config.path, options, &mut wedge, tx);
}

/// A finished typed line as an event.
fn line_event(line: TypedLine, config: &WedgeScannerConfig) -> ScanEvent {
    if line.text.len() > config.max_line_len {
        return ScanEvent::Rejected(ScanError::Overlong {
            limit: config.max_line_len,
        });
    }
    if line.unknown_keys > 0 {
        return ScanEvent::Rejected(ScanError::UnmappedKeys {
            keys: line.unknown_keys,
        });
    }
    match super::framing::decode_text(line.text.as_bytes()) {
        Ok(text) => ScanEvent::Scanned(classify(&text, &config.classifier)),
        Err(e) => ScanEvent::Rejected(e),
    }
}

impl EvdevClient for Wedge<'_> {
    type Event = ScanEvent;

    fn opened(&mut self, _: &Device) -> Vec<ScanEvent> {
        self.decoder = KeyDecoder::new(self.config.layout);
        self.overlong = false;
        vec![ScanEvent::Connected]
    }

    fn input(&mut self, ev: InputEvent, now: Instant) -> Vec<ScanEvent> {
        if ev.event_type() != EventType::KEY {
            return Vec::new();
        }
        self.last_key = now;
        if let Some(line) = self.decoder.key(ev.code(), ev.value() != 0) {
            if self.overlong {
                // The tail of an overlong line: already reported.
                self.overlong = false;
                return Vec::new();
            }
            return vec![line_event(line, self.config)];
        }
        if self.decoder.pending_len() > self.config.max_line_len {
            self.decoder.flush();
            self.overlong = true;
            return vec![ScanEvent::Rejected(ScanError::Overlong {
                limit: self.config.max_line_len,
            })];
        }
        Vec::new()
    }

    fn idle(&mut self, now: Instant) -> Vec<ScanEvent> {
        if now.saturating_duration_since(self.last_key) < self.config.line_timeout {
            return Vec::new();
        }
        self.overlong = false;
        self.decoder
            .flush()
            .map(|partial| {
                ScanEvent::Rejected(ScanError::Incomplete {
                    bytes: partial.text.len(),
                })
            })
            .into_iter()
            .collect()
    }

    fn lost(&mut self, reason: String, was_open: bool) -> Vec<ScanEvent> {
        vec![if was_open {
            ScanEvent::Disconnected { reason }
        } else {
            ScanEvent::Unavailable { reason }
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lines_become_the_same_events_as_serial_lines() {
        let config = WedgeScannerConfig {
            max_line_len: 12,
            ..WedgeScannerConfig::new("/dev/null")
        };
        let line = |text: &str, unknown_keys| TypedLine {
            text: text.into(),
            unknown_keys,
        };
        assert_eq!(
            line_event(line("۰۴۹۹۳۷۰۸۹۹", 0), &config).kind(),
            "overlong"
        );
        assert_eq!(
            line_event(line("0499370899", 0), &config).kind(),
            "national_code"
        );
        assert_eq!(
            line_event(line("0499", 3), &config),
            ScanEvent::Rejected(ScanError::UnmappedKeys { keys: 3 })
        );
        assert_eq!(
            line_event(line("EMP-77A", 0), &config).kind(),
            "employee_code"
        );
    }
}
