//! The shared loop of every evdev backend (wedge scanner, USB keypad, headphone jack): open the
//! input device by path, optionally grab it exclusively, read events without blocking, and
//! reopen it when it returns after an unplug. Each backend supplies an [`EvdevClient`] that
//! turns input events into its own event type.

use std::io::ErrorKind;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use evdev::{Device, InputEvent};

use crate::events::EventSender;

/// How an evdev device is opened and polled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvdevOptions {
    /// Grab the device exclusively (`EVIOCGRAB`).
    pub grab: bool,
    /// Pause between reads when no event is waiting.
    pub poll: Duration,
    /// Pause between attempts to reopen a device that went away.
    pub reopen_interval: Duration,
}

/// What a backend does with its device.
pub(crate) trait EvdevClient {
    /// The backend's event type.
    type Event;
    /// The device was (re)opened.
    fn opened(&mut self, device: &Device) -> Vec<Self::Event>;
    /// One input event arrived at `now`.
    fn input(&mut self, event: InputEvent, now: Instant) -> Vec<Self::Event>;
    /// No event was waiting at `now` (time-based decisions).
    fn idle(&mut self, now: Instant) -> Vec<Self::Event>;
    /// The device could not be opened (`was_open` false, reported once per outage) or went
    /// away while open (`was_open` true).
    fn lost(&mut self, reason: String, was_open: bool) -> Vec<Self::Event>;
}

fn open(path: &Path, options: &EvdevOptions) -> std::io::Result<Device> {
    let mut device = Device::open(path)?;
    if options.grab {
        device.grab()?;
    }
    device.set_nonblocking(true)?;
    Ok(device)
}

fn send_all<E>(tx: &EventSender<E>, events: Vec<E>) -> bool {
    events.into_iter().all(|e| tx.send_blocking(e))
}

/// Runs `client` on the device at `path` until the stream is dropped.
pub(crate) fn run<C: EvdevClient>(
    path: &Path,
    options: EvdevOptions,
    client: &mut C,
    tx: &EventSender<C::Event>,
) {
    let mut outage_reported = false;
    while !tx.is_stopped() {
        match open(path, &options) {
            Ok(mut device) => {
                outage_reported = false;
                if !send_all(tx, client.opened(&device)) {
                    return;
                }
                match read_until_gone(&mut device, &options, client, tx) {
                    Some(reason) => {
                        tracing::warn!(path = %path.display(), %reason, "input device gone");
                        if !send_all(tx, client.lost(reason, true)) {
                            return;
                        }
                    }
                    None => return,
                }
            }
            Err(e) => {
                if !outage_reported {
                    outage_reported = true;
                    let reason = match e.raw_os_error() {
                        Some(16) => format!("{e} (grabbed by another program)"),
                        _ => e.to_string(),
                    };
                    tracing::warn!(path = %path.display(), %reason, "input device unavailable");
                    if !send_all(tx, client.lost(reason, false)) {
                        return;
                    }
                }
            }
        }
        let end = Instant::now() + options.reopen_interval;
        while Instant::now() < end && !tx.is_stopped() {
            thread::sleep(Duration::from_millis(20));
        }
    }
}

fn read_until_gone<C: EvdevClient>(
    device: &mut Device,
    options: &EvdevOptions,
    client: &mut C,
    tx: &EventSender<C::Event>,
) -> Option<String> {
    loop {
        if tx.is_stopped() {
            return None;
        }
        let mut out = Vec::new();
        match device.fetch_events() {
            Ok(events) => {
                for ev in events {
                    out.extend(client.input(ev, Instant::now()));
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                out.extend(client.idle(Instant::now()));
                thread::sleep(options.poll);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Some(e.to_string()),
        }
        if !send_all(tx, out) {
            return None;
        }
    }
}
