//! The simulated printer: records the byte stream and fails on request, in every way a real
//! one does.
//!
//! It is a simulated *device* under the same job procedure the real transports use
//! ([`super::job::run_job`]): it answers `DLE EOT n` queries with the status bytes a printer in
//! that state would send, takes job bytes, runs out of paper or drops the connection part way
//! through, answers nothing, or takes data slowly. So the firmware's journey tests and the demo
//! see exactly the errors, statuses and messages a real printer would cause.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use super::job::{JobConfig, Link};
use super::status::{Condition, ErrorCause, PrinterStatus};
use super::{EscPosPrinter, PrintError, ReceiptPrinter, Transport};

/// How the simulated printer misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SimFault {
    /// Prints everything.
    #[default]
    Healthy,
    /// Prints, and reports the paper nearly used up.
    PaperNearEnd,
    /// Out of paper before the job.
    PaperEnd,
    /// Runs out of paper after taking this many bytes of the next job (then stays out).
    PaperEndAfter(usize),
    /// The cover is open.
    CoverOpen,
    /// Reports itself offline.
    Offline,
    /// Reports an error.
    Error(ErrorCause),
    /// Never answers status queries (takes job bytes).
    NoStatusAnswer,
    /// Answers status queries with bytes that are not status bytes.
    Garbled,
    /// Takes each chunk only after this long (longer than the stall timeout: a stall).
    Slow(Duration),
    /// Goes away (unplugged, connection closed) after this many bytes of the next job; then
    /// cannot be opened until the fault is changed.
    DisconnectAfter(usize),
    /// Cannot be opened.
    Unplugged,
}

#[derive(Debug, Default)]
struct State {
    fault: SimFault,
    stream: Vec<u8>,
    jobs: Vec<Vec<u8>>,
    current: Option<Vec<u8>>,
    command: Vec<u8>,
    answers: VecDeque<u8>,
    queries: usize,
    opens: usize,
}

impl State {
    /// The condition the printer is in now.
    fn condition(&self) -> Condition {
        match self.fault {
            SimFault::PaperNearEnd => Condition::PaperNearEnd,
            SimFault::PaperEnd => Condition::PaperEnd,
            SimFault::CoverOpen => Condition::CoverOpen,
            SimFault::Offline => Condition::Offline(super::OfflineCause::Reported),
            SimFault::Error(cause) => Condition::Error(cause),
            _ => Condition::Ready,
        }
    }

    /// The answer to `DLE EOT n` in the current condition, as a printer encodes it.
    fn answer(&self, n: u8) -> Option<u8> {
        const FIXED: u8 = 0x12;
        match self.fault {
            SimFault::NoStatusAnswer => return None,
            SimFault::Garbled => return Some(0xFF),
            _ => {}
        }
        let c = self.condition();
        let offline = !matches!(c, Condition::Ready | Condition::PaperNearEnd);
        let error = |cause| c == Condition::Error(cause);
        let bits = match n {
            1 => u8::from(offline) << 3,
            2 => {
                (u8::from(c == Condition::CoverOpen) << 2)
                    | (u8::from(c == Condition::PaperEnd) << 5)
                    | (u8::from(matches!(c, Condition::Error(_))) << 6)
            }
            3 => {
                (u8::from(error(ErrorCause::Autocutter)) << 3)
                    | (u8::from(error(ErrorCause::Unrecoverable)) << 5)
                    | (u8::from(error(ErrorCause::AutoRecoverable)) << 6)
            }
            4 => {
                let near = matches!(c, Condition::PaperNearEnd | Condition::PaperEnd);
                (if near { 0x0C } else { 0 }) | (if c == Condition::PaperEnd { 0x60 } else { 0 })
            }
            _ => return None,
        };
        Some(FIXED | bits)
    }

    /// Bytes outside a job: real-time commands.
    fn command_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.command.push(b);
            match self.command.as_slice() {
                [0x10] | [0x10, 0x04] => {}
                &[0x10, 0x04, n] => {
                    self.queries += 1;
                    self.command.clear();
                    if let Some(a) = self.answer(n) {
                        self.answers.push_back(a);
                    }
                }
                _ => self.command.clear(),
            }
        }
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "simulated printer went away")
}

/// The simulated device's end of a job.
struct SimLink {
    state: Arc<Mutex<State>>,
}

impl SimLink {
    fn state(&self) -> io::Result<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| io::Error::other("simulated printer state poisoned"))
    }
}

impl Link for SimLink {
    fn write_some(&mut self, buf: &[u8], timeout: Duration) -> io::Result<usize> {
        let mut s = self.state()?;
        if s.fault == SimFault::Unplugged {
            return Err(gone());
        }
        let Some(current) = s.current.as_ref() else {
            s.stream.extend_from_slice(buf);
            s.command_bytes(buf);
            return Ok(buf.len());
        };
        let taken = current.len();
        let mut n = buf.len();
        match s.fault {
            SimFault::Slow(delay) => {
                drop(s);
                thread::sleep(delay.min(timeout));
                if delay > timeout {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "simulated printer took nothing",
                    ));
                }
                s = self.state()?;
            }
            SimFault::DisconnectAfter(limit) => {
                if taken >= limit {
                    s.fault = SimFault::Unplugged;
                    return Err(gone());
                }
                n = n.min(limit - taken);
            }
            SimFault::PaperEndAfter(limit) if taken + n >= limit => {
                s.fault = SimFault::PaperEnd;
            }
            _ => {}
        }
        s.stream.extend_from_slice(&buf[..n]);
        if let Some(job) = s.current.as_mut() {
            job.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let mut s = self.state()?;
        if s.fault == SimFault::Unplugged {
            return Err(gone());
        }
        if let Some(b) = s.answers.pop_front() {
            return Ok(Some(b));
        }
        drop(s);
        // Like a real device: nothing comes, and the caller waits its timeout.
        thread::sleep(timeout);
        Ok(None)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.state()?.answers.clear();
        Ok(())
    }

    fn job_boundary(&mut self, starting: bool) {
        let Ok(mut s) = self.state() else { return };
        if starting {
            s.current = Some(Vec::new());
        } else if let Some(job) = s.current.take() {
            s.jobs.push(job);
        }
    }
}

struct SimTransport {
    state: Arc<Mutex<State>>,
}

impl Transport for SimTransport {
    type Link = SimLink;

    fn open(&mut self) -> io::Result<SimLink> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| io::Error::other("simulated printer state poisoned"))?;
        if s.fault == SimFault::Unplugged {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "simulated printer unplugged",
            ));
        }
        s.opens += 1;
        s.answers.clear();
        s.command.clear();
        Ok(SimLink {
            state: Arc::clone(&self.state),
        })
    }

    fn describe(&self) -> String {
        "simulated printer".to_owned()
    }
}

/// A simulated receipt printer (see the module docs).
pub struct SimPrinter {
    inner: EscPosPrinter<SimTransport>,
}

/// Drives and inspects a [`SimPrinter`] (from the test, demo or another thread).
#[derive(Clone)]
pub struct SimPrinterHandle {
    state: Arc<Mutex<State>>,
}

impl SimPrinter {
    /// A healthy simulated printer with the given job settings.
    pub fn new(config: JobConfig) -> (Self, SimPrinterHandle) {
        let state = Arc::new(Mutex::new(State::default()));
        let transport = SimTransport {
            state: Arc::clone(&state),
        };
        let printer = Self {
            inner: EscPosPrinter::new(transport, config),
        };
        (printer, SimPrinterHandle { state })
    }
}

impl ReceiptPrinter for SimPrinter {
    fn print(&mut self, job: &[u8]) -> Result<PrinterStatus, PrintError> {
        self.inner.print(job)
    }

    fn status(&mut self) -> PrinterStatus {
        self.inner.status()
    }
}

impl SimPrinterHandle {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means a panic elsewhere in a test; the data is still usable.
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut s)
    }

    /// Makes the printer misbehave (or recover, with [`SimFault::Healthy`]).
    pub fn set_fault(&self, fault: SimFault) {
        self.with(|s| s.fault = fault);
    }

    /// The current fault (a mid-job fault becomes the state it leads to once it happened).
    pub fn fault(&self) -> SimFault {
        self.with(|s| s.fault)
    }

    /// The bytes of each job received, in order (a job cut short holds what arrived).
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.with(|s| s.jobs.clone())
    }

    /// Everything received: status queries and jobs.
    pub fn stream(&self) -> Vec<u8> {
        self.with(|s| s.stream.clone())
    }

    /// How many `DLE EOT` queries arrived.
    pub fn queries(&self) -> usize {
        self.with(|s| s.queries)
    }

    /// How many times the device was opened.
    pub fn opens(&self) -> usize {
        self.with(|s| s.opens)
    }

    /// Forgets what was received.
    pub fn clear(&self) {
        self.with(|s| {
            s.stream.clear();
            s.jobs.clear();
            s.queries = 0;
        });
    }
}
