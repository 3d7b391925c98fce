//! Sending one job over any byte link: status before, the bytes in chunks, status after.
//!
//! Every transport (USB, serial, TCP, the simulator) is a [`Link`] that can write some bytes
//! and read one byte, each within a timeout. The job logic lives here once, so each transport
//! is only the code that opens its device and the simulator exercises exactly the path real
//! printers do:
//!
//! 1. drop stale input, ask the four `DLE EOT n` queries, refuse the job unless the printer can
//!    print ([`PrintError::NotReady`]);
//! 2. write the job in chunks; a chunk that makes no progress within the stall timeout is
//!    [`PrintError::Stalled`], a write error or closed connection [`PrintError::Connection`];
//! 3. ask the status again; a blocking condition (paper ran out mid-job) is
//!    [`PrintError::Problem`].
//!
//! Stale input is dropped before each query because raster data may happen to contain
//! `10 04 n` (printers answer real-time commands even inside image data) and because a late
//! answer to a timed-out query would otherwise be read as the answer to the next one.

use std::io;
use std::time::{Duration, Instant};

use super::status::{
    Condition, PrinterStatus, StatusAnswers, StatusQuery, UnknownCause, parse_status, query,
};

/// A byte channel to a printer.
pub trait Link {
    /// Writes some of `buf`, waiting at most `timeout` for the device to accept anything.
    /// Returns how many bytes it took (at least one), or an error of kind `TimedOut` or
    /// `WouldBlock` when it took nothing in time.
    fn write_some(&mut self, buf: &[u8], timeout: Duration) -> io::Result<usize>;

    /// Reads one byte, waiting at most `timeout`; `Ok(None)` when none came in time.
    /// An error means the link is gone (closed connection, unplugged device).
    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>>;

    /// Drops input that has arrived and not been read.
    fn discard_input(&mut self) -> io::Result<()>;

    /// Waits until bytes written have left the host (a serial port's output queue), giving up
    /// when the queue makes no progress for `stall_timeout`. Links without such a queue return
    /// at once.
    fn drain(&mut self, _stall_timeout: Duration) -> io::Result<()> {
        Ok(())
    }

    /// Marks where a job's bytes begin and end (the simulator records jobs apart from status
    /// queries; real links ignore it).
    fn job_boundary(&mut self, _starting: bool) {}
}

/// Timing and chunking of jobs; the same for every transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobConfig {
    /// Bytes per write.
    pub chunk_size: usize,
    /// Longest the printer may accept nothing before the job is abandoned. Must cover the
    /// printer holding CTS low (or its USB endpoint busy) while it prints a full buffer.
    pub stall_timeout: Duration,
    /// How long to wait for the answer to each status query.
    pub status_timeout: Duration,
    /// Refuse a job when the printer does not answer its status queries. Clear it only for a
    /// printer without a back channel.
    pub require_status: bool,
}

impl Default for JobConfig {
    fn default() -> Self {
        Self {
            chunk_size: 1024,
            stall_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(500),
            require_status: true,
        }
    }
}

/// Why a job did not print. Every variant carries the printer's status, for the job note, the
/// visitor message and the staff alert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The printer could not print before the job started; nothing was sent.
    #[error("printer not ready, job not sent: {0}")]
    NotReady(PrinterStatus),
    /// The job was sent, and the printer reported a problem after it (paper ran out mid-job).
    #[error("printer reported a problem after the job ({sent} bytes sent): {status}")]
    Problem {
        /// Status after the job.
        status: PrinterStatus,
        /// Bytes sent.
        sent: usize,
    },
    /// The device went away or refused bytes (connection closed, unplugged).
    #[error("printer connection lost after {sent} of {total} bytes: {reason}")]
    Connection {
        /// What the link reported.
        reason: String,
        /// Bytes sent before the failure.
        sent: usize,
        /// Job size.
        total: usize,
        /// Status: unreachable, or what the printer still answered.
        status: PrinterStatus,
    },
    /// The printer accepted nothing for the stall timeout.
    #[error("printer accepted nothing for {stalled:?} after {sent} of {total} bytes: {status}")]
    Stalled {
        /// Bytes sent before the stall.
        sent: usize,
        /// Job size.
        total: usize,
        /// The stall timeout.
        stalled: Duration,
        /// Status queried after the stall (often unknown: the queries cannot get through).
        status: PrinterStatus,
    },
}

impl PrintError {
    /// The printer's status when the job failed.
    pub fn status(&self) -> PrinterStatus {
        match self {
            Self::NotReady(status)
            | Self::Problem { status, .. }
            | Self::Connection { status, .. }
            | Self::Stalled { status, .. } => *status,
        }
    }

    /// Whether the job was refused before any of it was sent: the printer cannot have printed
    /// any part of it (after any other failure, part of it may be on paper).
    pub fn nothing_sent(&self) -> bool {
        match self {
            Self::NotReady(_) => true,
            Self::Connection { sent, .. } | Self::Stalled { sent, .. } => *sent == 0,
            Self::Problem { .. } => false,
        }
    }

    /// A stable name of the failure (`not_ready`, `problem`, `connection`, `stalled`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotReady(_) => "not_ready",
            Self::Problem { .. } => "problem",
            Self::Connection { .. } => "connection",
            Self::Stalled { .. } => "stalled",
        }
    }

    /// What the visitor is told, in Persian.
    pub fn visitor_message_fa(&self) -> String {
        self.status().visitor_message_fa()
    }

    /// The staff alert, in English, with what happened to the job.
    pub fn staff_alert(&self) -> String {
        let status = self.status();
        let alert = status
            .staff_alert()
            .unwrap_or_else(|| "Receipt printer failed a job.".to_owned());
        match self {
            Self::Stalled { stalled, .. } => format!(
                "{alert} It accepted no data for {} s (paper out or jammed with its buffer full?).",
                stalled.as_secs_f32()
            ),
            _ => alert,
        }
    }

    /// The note kept with the failed job in the store (≤ 500 characters).
    pub fn job_note(&self) -> String {
        let mut note = format!("{}: {self}", self.kind());
        if let Some((cut, _)) = note.char_indices().nth(500) {
            note.truncate(cut);
        }
        note
    }
}

/// Asks the four status queries and parses the answers. Only an I/O error of the link (not a
/// missing answer) is an error.
pub fn read_status<L: Link + ?Sized>(
    link: &mut L,
    config: &JobConfig,
) -> io::Result<PrinterStatus> {
    read_status_within(link, config, config.status_timeout)
}

/// [`read_status`], allowing `first` for the first query and its answer: right after a job the
/// printer may hold CTS low (or its endpoint busy) until it has printed part of its buffer.
fn read_status_within<L: Link + ?Sized>(
    link: &mut L,
    config: &JobConfig,
    first: Duration,
) -> io::Result<PrinterStatus> {
    let mut answers: StatusAnswers = [None; 4];
    for (answer, q) in answers.iter_mut().zip(StatusQuery::ALL) {
        let timeout = if q == StatusQuery::Printer {
            first.max(config.status_timeout)
        } else {
            config.status_timeout
        };
        link.discard_input()?;
        write_all(link, &query(q), timeout).map_err(|(_, e)| e)?;
        *answer = link.read_byte(timeout)?;
        if answer.is_none() && q == StatusQuery::Printer {
            // A printer that ignores the first query will ignore the others: do not wait
            // four timeouts for nothing.
            break;
        }
    }
    Ok(parse_status(answers))
}

/// The status of a link that failed: what it still answers; unknown when even the query
/// cannot be written in time (flow control holding us back); unreachable when the link is gone.
fn status_after_failure<L: Link + ?Sized>(link: &mut L, config: &JobConfig) -> PrinterStatus {
    match read_status(link, config) {
        Ok(status) => status,
        Err(e) if is_stall(&e) => no_answer(),
        Err(_) => PrinterStatus::unreachable(),
    }
}

/// Writes all of `buf`, each piece within `timeout`; on failure returns how much was written.
fn write_all<L: Link + ?Sized>(
    link: &mut L,
    buf: &[u8],
    timeout: Duration,
) -> Result<(), (usize, io::Error)> {
    let mut sent = 0;
    while sent < buf.len() {
        match link.write_some(&buf[sent..], timeout) {
            Ok(0) => return Err((sent, io::ErrorKind::WriteZero.into())),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((sent, e)),
        }
    }
    Ok(())
}

fn is_stall(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// Sends one job: status, bytes in chunks, status. Returns the status after the job.
pub fn run_job<L: Link + ?Sized>(
    link: &mut L,
    job: &[u8],
    config: &JobConfig,
) -> Result<PrinterStatus, PrintError> {
    let total = job.len();
    let connection = |reason: String, sent: usize, status: PrinterStatus| PrintError::Connection {
        reason,
        sent,
        total,
        status,
    };
    let stalled = |sent: usize, status: PrinterStatus| PrintError::Stalled {
        sent,
        total,
        stalled: config.stall_timeout,
        status,
    };
    let before = match read_status(link, config) {
        Ok(status) => status,
        // The query could not even be written: flow control holds us back.
        Err(e) if is_stall(&e) => return Err(PrintError::NotReady(no_answer())),
        Err(e) => return Err(connection(e.to_string(), 0, PrinterStatus::unreachable())),
    };
    if !before.can_print(config.require_status) {
        return Err(PrintError::NotReady(before));
    }
    tracing::debug!(%before, bytes = total, "printing");

    link.job_boundary(true);
    let mut sent = 0;
    let chunk_size = config.chunk_size.max(1);
    for chunk in job.chunks(chunk_size) {
        let started = Instant::now();
        if let Err((n, e)) = write_all(link, chunk, config.stall_timeout) {
            sent += n;
            link.job_boundary(false);
            let status = status_after_failure(link, config);
            return Err(if is_stall(&e) {
                stalled(sent, status)
            } else {
                connection(e.to_string(), sent, status)
            });
        }
        sent += chunk.len();
        tracing::trace!(sent, total, took = ?started.elapsed(), "chunk written");
    }
    if let Err(e) = link.drain(config.stall_timeout) {
        link.job_boundary(false);
        let status = status_after_failure(link, config);
        return Err(if is_stall(&e) {
            stalled(sent, status)
        } else {
            connection(e.to_string(), sent, status)
        });
    }
    link.job_boundary(false);

    // The printer may still be taking in the end of the job: be patient with the first answer,
    // unless it gave none before the job either (a printer without a back channel).
    let patience = match before.condition {
        Condition::Unknown(_) => config.status_timeout,
        _ => config.stall_timeout,
    };
    let after = match read_status_within(link, config, patience) {
        Ok(status) => status,
        Err(e) if is_stall(&e) => {
            return Err(PrintError::Problem {
                status: no_answer(),
                sent,
            });
        }
        Err(e) => {
            return Err(connection(
                e.to_string(),
                sent,
                PrinterStatus::unreachable(),
            ));
        }
    };
    if !after.can_print(config.require_status) {
        return Err(PrintError::Problem {
            status: after,
            sent,
        });
    }
    Ok(after)
}

fn no_answer() -> PrinterStatus {
    PrinterStatus::from_condition(Condition::Unknown(UnknownCause::NoAnswer(
        StatusQuery::Printer,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::status::OfflineCause;

    #[test]
    fn job_note_is_kind_then_message_and_at_most_500_chars() {
        let err = PrintError::Connection {
            reason: "ق".repeat(2000),
            sent: 10,
            total: 20,
            status: PrinterStatus::unreachable(),
        };
        let note = err.job_note();
        assert!(note.starts_with("connection: printer connection lost after 10 of 20 bytes"));
        assert_eq!(note.chars().count(), 500);
        assert_eq!(
            err.status().condition,
            Condition::Offline(OfflineCause::Unreachable)
        );
    }

    #[test]
    fn nothing_sent_only_when_no_byte_left() {
        let status = PrinterStatus::unreachable();
        let stalled = |sent| PrintError::Stalled {
            sent,
            total: 5,
            stalled: Duration::from_secs(1),
            status,
        };
        assert!(PrintError::NotReady(status).nothing_sent());
        assert!(stalled(0).nothing_sent());
        assert!(!stalled(1).nothing_sent());
        assert!(!PrintError::Problem { status, sent: 5 }.nothing_sent());
        assert!(
            stalled(1)
                .staff_alert()
                .contains("accepted no data for 1 s")
        );
    }
}
