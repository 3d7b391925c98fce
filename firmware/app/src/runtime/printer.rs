//! Where receipt bytes go: the [`PrintSink`] the runtime sends encoded slips to, a real
//! printer from the drivers crate behind it ([`DevicePrinter`]), or a recording one for tests.

use crate::flow::PrinterProblem;

/// Where receipt bytes go: a real transport or a simulated printer.
pub trait PrintSink {
    /// Sends one job; `Err` says why it did not print.
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem>;
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

impl<R: kiosk_drivers::printer::ReceiptPrinter> PrintSink for DevicePrinter<R> {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        use kiosk_drivers::printer::Condition;
        match self.0.print(job) {
            Ok(status) => {
                if let Some(alert) = status.staff_alert() {
                    tracing::warn!(%alert, "printer");
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(alert = %e.staff_alert(), note = %e.job_note(), "receipt not printed");
                Err(match e.status().condition {
                    Condition::PaperEnd => PrinterProblem::PaperOut,
                    Condition::CoverOpen => PrinterProblem::CoverOpen,
                    Condition::Offline(_) | Condition::Unknown(_) => PrinterProblem::Offline,
                    Condition::Error(_) | Condition::Ready | Condition::PaperNearEnd => {
                        PrinterProblem::Error
                    }
                })
            }
        }
    }
}
