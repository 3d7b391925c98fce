//! Receipt printers: send an ESC/POS job, read the printer's real-time status.
//!
//! - [`ReceiptPrinter`] is the capability: [`ReceiptPrinter::print`] sends one job (the bytes
//!   `kiosk_receipt::encode` made) and returns the status after it, or a [`PrintError`] that
//!   carries the status; [`ReceiptPrinter::status`] asks without printing.
//! - [`status`] parses the answers to `DLE EOT 1`–`4` into a [`PrinterStatus`] (ready, paper
//!   near end, paper end, cover open, offline, error, unknown); [`messages`] turns each into a
//!   Persian visitor message, an English staff alert and a job note.
//! - [`job`] is the one job procedure (status, chunked writes with a stall timeout, status)
//!   over any [`Link`]. Backends are [`Transport`]s that open a link:
//!   [`UsbLp`] (`/dev/usb/lp*`), [`SerialTransport`] (`serialport`, RTS/CTS),
//!   [`Tcp9100`] (raw TCP, port 9100) and the simulator [`SimPrinter`], which runs the same
//!   procedure over a simulated device that can fail in every way a printer does.
//! - [`Responder`] plays a printer on the far end of a real pty or TCP socket, for tests and
//!   for trying a configuration without a printer.
//!
//! No call blocks without bound: every write and read has a timeout, so a printer that stops
//! taking data (paper out with flow control holding us back, a dead network peer) becomes an
//! error the firmware can show, never a hung kiosk. A job refused before it starts
//! ([`PrintError::NotReady`]) sent nothing; after any other error the firmware should keep the
//! job for reprint.

pub mod job;
pub mod messages;
pub mod responder;
mod serial;
mod sim;
pub mod status;
mod tcp;
mod usb;

use std::io;

pub use job::{JobConfig, Link, PrintError};
pub use responder::Responder;
pub use serial::{SerialConfig, SerialLink, SerialTransport};
pub use sim::{SimFault, SimPrinter, SimPrinterHandle};
pub use status::{
    Condition, ErrorCause, OfflineCause, PrinterStatus, StatusQuery, UnknownCause, parse_status,
};
pub use tcp::{Tcp9100, TcpLink};
pub use usb::{UsbLink, UsbLp};

/// Something that prints receipts.
pub trait ReceiptPrinter {
    /// Sends one job and returns the printer's status after it (ready, or paper near end).
    /// Never blocks longer than the configured timeouts allow.
    fn print(&mut self, job: &[u8]) -> Result<PrinterStatus, PrintError>;

    /// The printer's status now (unreachable when the device cannot be opened).
    fn status(&mut self) -> PrinterStatus;
}

/// A backend chosen at run time (from configuration) is a `Box<dyn ReceiptPrinter>`.
impl<P: ReceiptPrinter + ?Sized> ReceiptPrinter for Box<P> {
    fn print(&mut self, job: &[u8]) -> Result<PrinterStatus, PrintError> {
        (**self).print(job)
    }

    fn status(&mut self) -> PrinterStatus {
        (**self).status()
    }
}

/// How a backend reaches its device.
pub trait Transport {
    /// The open connection.
    type Link: Link;

    /// Opens the device (or connects).
    fn open(&mut self) -> io::Result<Self::Link>;

    /// Whether to keep the link open between jobs (a device file) or open it for each job (a
    /// network printer, which may serve one client at a time).
    fn keep_open(&self) -> bool {
        true
    }

    /// Where the printer is, for logs (`/dev/usb/lp0`, `10.0.0.5:9100`).
    fn describe(&self) -> String;
}

/// An ESC/POS printer on some transport. A link that fails is dropped and opened again for
/// the next job, so a replugged or rebooted printer is found again.
pub struct EscPosPrinter<T: Transport> {
    transport: T,
    config: JobConfig,
    link: Option<T::Link>,
}

impl<T: Transport> EscPosPrinter<T> {
    /// A printer reached through `transport`; nothing is opened until the first job or status.
    pub fn new(transport: T, config: JobConfig) -> Self {
        Self {
            transport,
            config,
            link: None,
        }
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The job settings.
    pub fn config(&self) -> &JobConfig {
        &self.config
    }

    fn link(&mut self) -> io::Result<&mut T::Link> {
        if self.link.is_none() {
            self.link = Some(self.transport.open()?);
        }
        self.link
            .as_mut()
            .ok_or_else(|| io::Error::other("printer link not open"))
    }
}

impl<T: Transport> ReceiptPrinter for EscPosPrinter<T> {
    fn print(&mut self, job: &[u8]) -> Result<PrinterStatus, PrintError> {
        let config = self.config.clone();
        let result = match self.link() {
            Ok(link) => job::run_job(link, job, &config),
            Err(e) => Err(PrintError::Connection {
                reason: format!("cannot open {}: {e}", self.transport.describe()),
                sent: 0,
                total: job.len(),
                status: PrinterStatus::unreachable(),
            }),
        };
        let broken = matches!(
            result,
            Err(PrintError::Connection { .. } | PrintError::Stalled { .. })
        );
        if broken || !self.transport.keep_open() {
            self.link = None;
        }
        let printer = self.transport.describe();
        match &result {
            Ok(status) => tracing::info!(%printer, bytes = job.len(), %status, "printed"),
            Err(e) => tracing::warn!(%printer, error = %e, "print failed"),
        }
        result
    }

    fn status(&mut self) -> PrinterStatus {
        let config = self.config.clone();
        let status = match self.link() {
            Ok(link) => job::read_status(link, &config),
            Err(e) => Err(e),
        };
        let status = status.unwrap_or_else(|e| {
            tracing::debug!(printer = %self.transport.describe(), error = %e, "status unreadable");
            self.link = None;
            PrinterStatus::unreachable()
        });
        if !self.transport.keep_open() {
            self.link = None;
        }
        status
    }
}
