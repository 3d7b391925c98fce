//! Where receipt bytes go: the [`PrintSink`] the runtime sends encoded slips to, a real
//! printer from the drivers crate behind it ([`DevicePrinter`]), or a recording one for tests.
//!
//! Each job also says what it learnt of the paper ([`Paper`], through
//! [`PrintSink::print_reporting`]): the firmware knows its printer's state from its jobs, and
//! passes it on to the heartbeat, so the fleet view sees a roll running out.

use crate::flow::PrinterProblem;

/// The paper as a print job found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// Present.
    Ok,
    /// Nearly used up (still prints: staff should change the roll).
    Low,
    /// Out.
    Out,
    /// Not known (the printer could not say, or something else stopped it).
    Unknown,
}

impl Paper {
    /// The contract's spelling (the heartbeat's `printer.paper`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Low => "low",
            Self::Out => "out",
            Self::Unknown => "unknown",
        }
    }
}

/// Where receipt bytes go: a real transport or a simulated printer.
pub trait PrintSink {
    /// Sends one job; `Err` says why it did not print.
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem>;

    /// [`PrintSink::print`], also saying what the job found of the paper. A sink that cannot
    /// read the printer's status infers it: printed, so paper present; out of paper; else not
    /// known.
    fn print_reporting(&mut self, job: &[u8]) -> (Result<(), PrinterProblem>, Paper) {
        let result = self.print(job);
        let paper = match result {
            Ok(()) => Paper::Ok,
            Err(PrinterProblem::PaperOut) => Paper::Out,
            Err(_) => Paper::Unknown,
        };
        (result, paper)
    }
}

/// A simulated printer that keeps every job's bytes and can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingPrinter {
    /// Every job received, in order.
    pub jobs: Vec<Vec<u8>>,
    /// When set, the next jobs fail with this problem.
    pub fail_with: Option<PrinterProblem>,
}

impl PrintSink for RecordingPrinter {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        match self.fail_with {
            Some(problem) => Err(problem),
            None => {
                self.jobs.push(job.to_vec());
                Ok(())
            }
        }
    }
}

/// A receipt printer from the drivers crate (USB, serial, TCP 9100 or the simulated one) as the
/// runtime's sink: its status becomes the flow's [`PrinterProblem`], its staff alert is logged.
pub struct DevicePrinter<R>(pub R);

/// The paper as a printer's status tells it.
fn paper_of(status: &kiosk_drivers::printer::PrinterStatus) -> Paper {
    use kiosk_drivers::printer::Condition;
    match status.condition {
        Condition::PaperEnd => Paper::Out,
        _ if status.paper_near_end => Paper::Low,
        Condition::Ready => Paper::Ok,
        _ => Paper::Unknown,
    }
}

impl<R: kiosk_drivers::printer::ReceiptPrinter> DevicePrinter<R> {
    /// The printer's state now, from its status (the firmware reads it once at start, before
    /// any job): what would stop a job (`None`: nothing), and the paper.
    pub fn state_now(&mut self) -> (Option<PrinterProblem>, Paper) {
        use kiosk_drivers::printer::Condition;
        let status = self.0.status();
        let paper = paper_of(&status);
        let problem = match status.condition {
            Condition::Ready | Condition::PaperNearEnd => None,
            Condition::PaperEnd => Some(PrinterProblem::PaperOut),
            Condition::CoverOpen => Some(PrinterProblem::CoverOpen),
            Condition::Offline(_) | Condition::Unknown(_) => Some(PrinterProblem::Offline),
            Condition::Error(_) => Some(PrinterProblem::Error),
        };
        (problem, paper)
    }
}

impl<R: kiosk_drivers::printer::ReceiptPrinter> PrintSink for DevicePrinter<R> {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        self.print_reporting(job).0
    }

    /// The paper from the printer's own status after (or instead of) the job: its paper
    /// sensor, which also tells a roll nearly used up.
    fn print_reporting(&mut self, job: &[u8]) -> (Result<(), PrinterProblem>, Paper) {
        use kiosk_drivers::printer::Condition;
        match self.0.print(job) {
            Ok(status) => {
                if let Some(alert) = status.staff_alert() {
                    tracing::warn!(%alert, "printer");
                }
                // It printed: paper was there, at worst nearly used up.
                let paper = match paper_of(&status) {
                    Paper::Low => Paper::Low,
                    _ => Paper::Ok,
                };
                (Ok(()), paper)
            }
            Err(e) => {
                tracing::error!(alert = %e.staff_alert(), note = %e.job_note(), "receipt not printed");
                let problem = match e.status().condition {
                    Condition::PaperEnd => PrinterProblem::PaperOut,
                    Condition::CoverOpen => PrinterProblem::CoverOpen,
                    Condition::Offline(_) | Condition::Unknown(_) => PrinterProblem::Offline,
                    Condition::Error(_) | Condition::Ready | Condition::PaperNearEnd => {
                        PrinterProblem::Error
                    }
                };
                (Err(problem), paper_of(&e.status()))
            }
        }
    }
}
