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
    /// Look a case up by its code and its applicant's national code (both must match, on this
    /// device or at the agency server); answer with `FollowUpResult`.
    LookUp {
        /// The case's tracking code.
        code: TrackingCode,
        /// The identifier the visitor gave (national code, foreign identifier or passport).
        visitor: kiosk_core::VisitorId,
    },
    /// (Re)start the inactivity timer.
    ArmIdleTimer,
    /// Stop the inactivity timer (nothing to protect).
    StopIdleTimer,
    /// Tell the staff.
    AlertStaff(StaffAlert),
    /// Forget everything about the visitor: the session is over.
    WipeSession,
    /// Set the speech queue's volume and rate to these levels (the device maps them onto its
    /// speech backend); sent when a volume or speed key changes them and when the session ends
    /// (back to the defaults for the next visitor).
    SetSpeech(SpeechLevels),
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

/// The visitor's speech volume and rate, each a level from 1 to [`SpeechLevels::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeechLevels {
    /// Loudness, 1 (quietest) to [`SpeechLevels::MAX`].
    pub volume: u8,
    /// Speaking rate, 1 (slowest) to [`SpeechLevels::MAX`].
    pub rate: u8,
}

impl SpeechLevels {
    /// The highest level of either.
    pub const MAX: u8 = 10;
}

impl Default for SpeechLevels {
    /// The levels every visitor starts with (80 % volume, 150 words a minute on the device).
    fn default() -> Self {
        Self { volume: 8, rate: 5 }
    }
}
