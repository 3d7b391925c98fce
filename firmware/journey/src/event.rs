//! What can happen to the flow: the visitor's input, device readings, results of effects the
//! app carried out, and timers.

use chrono::{DateTime, Utc};
use kiosk_core::{DueDate, TrackingCode};

use super::action::Action;

/// An input to [`super::Flow::step`].
#[derive(Debug, Clone)]
pub enum Event {
    /// The visitor tapped an action.
    Do(Action),
    /// Keypad: focus the next action.
    FocusNext,
    /// Keypad: focus the previous action.
    FocusPrev,
    /// Keypad: perform the focused action.
    Activate,
    /// A digit from the on-screen or tactile keypad.
    Digit(u8),
    /// A character from the on-screen keyboard.
    Char(char),
    /// Delete the last character.
    Backspace,
    /// The national code read from an ID card or its barcode, as read.
    IdentityRead(String),
    /// A tracking code scanned from a receipt, as read.
    TrackingScanned(String),
    /// A satisfaction code (its URL or bare token) scanned from a receipt: on the attract
    /// screen it opens the rating journey.
    SatisfactionScanned(String),
    /// A staff card scanned (the code after the scanner's employee prefix): the desk
    /// terminal's login; the visitor journey ignores it.
    StaffCardScanned(String),
    /// The rating journey the visitor opened from this session is over: the session ends
    /// (every setting back to its default).
    RatingEnded,
    /// The case was committed.
    Registered(RegisteredView),
    /// Committing failed; the message is for the visitor.
    RegistrationFailed {
        /// What to show, in the session's language.
        message: String,
    },
    /// The receipt was printed.
    Printed,
    /// The receipt could not be printed.
    PrintFailed(PrinterProblem),
    /// The answer to a follow-up look-up (`None`: no such case here).
    FollowUpResult(Option<FollowUpView>),
    /// Nothing happened for a while: warn.
    IdleWarning,
    /// Still nothing after the warning: end the session.
    IdleExpired,
    /// Speech: say the last thing again.
    Repeat,
    /// Headphones plugged in: speech mode starts.
    HeadphonesIn,
}

/// Why a receipt did not print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterProblem {
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Offline or not answering.
    Offline,
    /// Any other printer error.
    Error,
}

/// What the done screen needs about a committed case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredView {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// The announced response date.
    pub due: Option<DueDate>,
}

/// One event of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened (already in the session's language).
    pub what: String,
    /// The responsible unit.
    pub unit: String,
}

/// A case found by its tracking code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpView {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Every event, oldest first (docs/rules.md R-001-4.6-timeline).
    pub timeline: Vec<TimelineEntry>,
}
