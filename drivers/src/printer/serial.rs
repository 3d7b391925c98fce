//! Serial receipt printers (RS-232 `/dev/ttyS*`, `/dev/ttyAMA*`, or a USB adapter
//! `/dev/ttyUSB*`) through `serialport`, with RTS/CTS hardware flow control.
//!
//! A receipt is mostly raster, which arrives faster than the head prints it: without flow
//! control the printer's buffer overflows and the receipt is garbled. With RTS/CTS the printer
//! holds CTS low while its buffer is full, our writes wait, and the stall timeout ends a wait
//! that lasts too long (paper ran out with the buffer full). The port is switched to
//! non-blocking mode so a write never waits past its `poll` for room that does not come.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits, TTYPort};

use super::Transport;
use super::job::Link;

/// Settings of a serial printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialConfig {
    /// Device path (a stable `/dev/serial/by-id/…` name if it is a USB adapter).
    pub path: PathBuf,
    /// Baud rate (8 data bits, no parity, 1 stop bit, RTS/CTS). Must match the printer's
    /// setting: 38400 is the Epson default, 115200 the fastest most printers take.
    pub baud: u32,
    /// RTS/CTS hardware flow control (on by [`SerialConfig::new`]). Off only for a printer
    /// wired without handshake lines: then nothing stops raster data overrunning its buffer.
    pub rts_cts: bool,
}

impl SerialConfig {
    /// A printer at `path` at `baud`.
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> Self {
        Self {
            path: path.into(),
            baud,
            rts_cts: true,
        }
    }

    /// The same port without hardware flow control.
    pub fn without_flow_control(mut self) -> Self {
        self.rts_cts = false;
        self
    }
}

/// Opens a serial printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialTransport {
    /// Its settings.
    pub config: SerialConfig,
}

impl SerialTransport {
    /// A transport for `config`.
    pub fn new(config: SerialConfig) -> Self {
        Self { config }
    }
}

impl Transport for SerialTransport {
    type Link = SerialLink;

    fn open(&mut self) -> io::Result<SerialLink> {
        let path = self.config.path.to_string_lossy();
        let port = serialport::new(path, self.config.baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(if self.config.rts_cts {
                FlowControl::Hardware
            } else {
                FlowControl::None
            })
            .open_native()?;
        SerialLink::new(port)
    }

    fn describe(&self) -> String {
        format!(
            "{} at {} baud{}",
            self.config.path.display(),
            self.config.baud,
            if self.config.rts_cts {
                ""
            } else {
                " without flow control"
            }
        )
    }
}

/// An open serial printer port.
#[derive(Debug)]
pub struct SerialLink {
    port: TTYPort,
}

impl SerialLink {
    /// Wraps an open, configured port, switching it to non-blocking mode.
    pub fn new(port: TTYPort) -> io::Result<Self> {
        set_nonblocking(&port)?;
        Ok(Self { port })
    }

    /// The port, to read its settings back (flow control, baud rate).
    pub fn port(&self) -> &TTYPort {
        &self.port
    }
}

/// `serialport` opens the port blocking: a write then waits for all its bytes however long the
/// printer holds CTS low. In non-blocking mode it writes what fits and returns.
#[allow(unsafe_code)]
fn set_nonblocking(port: &TTYPort) -> io::Result<()> {
    // SAFETY: `borrow_raw` needs a descriptor that is not -1 and stays open while the
    // `BorrowedFd` lives. `port` is an open `TTYPort` (it owns a valid descriptor until it is
    // dropped, and `serialport` never stores -1), and it is borrowed for the whole lifetime of
    // `fd`, which ends with this function: the descriptor can be neither closed nor reused
    // while `fd` exists. `serialport` offers no `AsFd`, hence the raw borrow.
    let fd = unsafe { BorrowedFd::borrow_raw(port.as_raw_fd()) };
    rustix::io::ioctl_fionbio(fd, true)?;
    Ok(())
}

/// Pause between attempts when the port had room but took nothing.
const RETRY: Duration = Duration::from_millis(2);

fn timed_out(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::TimedOut
}

impl Link for SerialLink {
    fn write_some(&mut self, buf: &[u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.port.set_timeout(remaining)?;
            match self.port.write(buf) {
                Ok(0) => {}
                Ok(n) => return Ok(n),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "printer accepted no data (CTS held low?)",
                ));
            }
            thread::sleep(RETRY);
        }
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let deadline = Instant::now() + timeout;
        let mut byte = [0u8; 1];
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            self.port.set_timeout(remaining)?;
            match self.port.read(&mut byte) {
                Ok(1..) => return Ok(Some(byte[0])),
                Ok(0) => {}
                Err(e) if timed_out(&e) => return Ok(None),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            thread::sleep(RETRY);
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        Ok(self.port.clear(ClearBuffer::Input)?)
    }

    /// Polls the output queue (`TIOCOUTQ`) rather than `tcdrain`, which would wait without
    /// bound while the printer holds CTS low.
    fn drain(&mut self, stall_timeout: Duration) -> io::Result<()> {
        let mut queued = self.port.bytes_to_write()?;
        let mut progress = Instant::now();
        while queued > 0 {
            if progress.elapsed() >= stall_timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{queued} bytes stuck in the serial output queue (CTS held low?)"),
                ));
            }
            thread::sleep(Duration::from_millis(5));
            let now = self.port.bytes_to_write()?;
            if now < queued {
                progress = Instant::now();
            }
            queued = now;
        }
        Ok(())
    }
}
