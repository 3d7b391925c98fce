//! What the flow asks the app to do.

use kiosk_core::TrackingCode;

use super::session::Screen;
use crate::input::VisitorInput;

/// An output of [`super::Flow::step`], carried out by the app in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Show this screen (the UI reads the rest from the flow).
    Show(Screen),
    /// Say this, interrupting what is being said when `interrupt`.
    Speak {
        /// The text, in the session's language.
        text: String,
        /// Stop the current utterance first.
        interrupt: bool,
    },
    /// Validate and commit the case; answer with `Registered` or `RegistrationFailed`.
    Register(VisitorInput),
    /// Print the receipt of a committed case; answer with `Printed` or `PrintFailed`.
    PrintReceipt(TrackingCode),
    /// The visitor left before their case was committed: keep its receipt for a reprint at
    /// the desk instead of printing it for nobody (no answer).
    HoldReceipt(TrackingCode),
    /// Print a guidance slip for an out-of-scope subject (no case is registered).
    PrintGuidance {
        /// The subject the visitor chose.
        subject_id: String,
    },
    /// Look a case up; answer with `FollowUpResult`.
    LookUp(TrackingCode),
    /// (Re)start the inactivity timer.
    ArmIdleTimer,
    /// Stop the inactivity timer (nothing to protect).
    StopIdleTimer,
    /// Tell the staff.
    AlertStaff(StaffAlert),
    /// Forget everything about the visitor: the session is over.
    WipeSession,
    /// Hand the visitor over to the rating journey (`Some`: with the scanned code); the app
    /// answers with `RatingEnded` when that journey is over.
    OpenRating(Option<String>),
}

/// Why staff are alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAlert {
    /// The visitor asked for help.
    CallRequested,
    /// A receipt did not print; the case is committed and queued for reprint.
    PrinterProblem,
    /// A case could not be committed.
    RegistrationFailed,
    /// A case was committed after its visitor had left; its receipt waits at the desk.
    ReceiptHeld,
}
