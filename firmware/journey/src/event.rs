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
    /// A national card the reader could not take (not genuine, expired, revoked, unreadable):
    /// the visitor is told why and what to do instead.
    CardRefused(crate::CardRefusal),
    /// A tracking code scanned from a receipt, as read.
    TrackingScanned(String),
    /// A satisfaction code (its URL or bare token) scanned from a receipt: on the attract
    /// screen it opens the rating journey.
    SatisfactionScanned(String),
    /// A staff card scanned (the code after the scanner's employee prefix): the desk
    /// terminal's login; the visitor journey ignores it.
    StaffCardScanned(String),
    /// The rating journey the visitor opened from this session is over: the session ends
    /// (every setting back to its default); `switches` when the visitor rated by switches
    /// (the farewell then names the switch).
    RatingEnded {
        /// The visitor used switches in the rating journey.
        switches: bool,
    },
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
    /// Nothing happened for a while: warn (the seconds left unknown; the device sends
    /// [`Event::IdleWarningIn`]).
    IdleWarning,
    /// Nothing happened for a while: warn, saying how many seconds are left before the
    /// session ends (the device knows its configured times: firmware/app/src/device/mod.rs).
    IdleWarningIn {
        /// Seconds until the session ends unless the visitor acts.
        seconds_left: u32,
    },
    /// Still nothing after the warning: end the session.
    IdleExpired,
    /// Speech: say the last thing again.
    Repeat,
    /// Headphones plugged in: speech mode starts.
    HeadphonesIn,
    /// The Help key: explain the current screen and what each key does there.
    Help,
    /// A long press of Clear: erase the whole field being typed.
    ClearEntry,
    /// A volume key.
    Volume(Step),
    /// A speech-rate key.
    Speed(Step),
    /// A long press of the `0` key: audio-only mode on or off.
    ToggleAudioOnly,
    /// A long press of Enter: on the attract screen, learning the keys starts; elsewhere it is
    /// an ordinary Enter ([`Event::Activate`]).
    LearnKeys,
    /// A long press of Cancel: learning the keys ends (nothing otherwise).
    LeaveLearnKeys,
    /// A touch on a button in speech mode (explore by touch): the first touch says what the
    /// button is, a second touch on the same button (or Enter) does it. Without speech it is
    /// an ordinary tap ([`Event::Do`]).
    Explore(Action),
    /// A digit key of the tactile keypad on a screen where the digit keys type letters
    /// ([`super::Flow::digit_keys_type_letters`]: the description), pressed at `at_ms` on the
    /// device's clock (milliseconds; only differences count): multi-tap
    /// (firmware/journey/src/multitap.rs). Elsewhere it is a digit ([`Event::Digit`]).
    MultiTap {
        /// The digit key, 0–9.
        key: u8,
        /// When it was pressed.
        at_ms: u64,
    },
    /// The device's clock reads `at_ms` while a multi-tap letter is being cycled
    /// ([`super::Flow::multitap_pending`]): once the pause has passed the letter is committed
    /// and its name said again.
    MultiTapTick {
        /// The device's clock, as for [`Event::MultiTap`].
        at_ms: u64,
    },
    /// The receipt was not printed because its visitor had left by the time the printer was
    /// free: it is kept for a reprint at the desk.
    ReceiptHeld,
    /// Headphones pulled out of the jack: what is said is heard in the room again, so personal
    /// numbers are no longer read out whole.
    HeadphonesOut,
    /// A press of an accessibility switch (or a step of one-switch scanning), as the device
    /// decided it (firmware/app/src/device/switch.rs): the flow knows from it that this visitor
    /// uses switches, so digit fields are typed by the focus ring
    /// (firmware/journey/src/machine/switch_digits.rs). Otherwise a move is
    /// [`Event::FocusNext`] and a select [`Event::Activate`]; a select on the attract screen
    /// (the device's switch check just passed) starts a registration.
    Switch(SwitchPress),
    /// News of the visitor's staff call from the office's desk terminals (the device hears it
    /// from the agency server): the call-staff screen says what is now true.
    StaffCall(crate::machine::StaffCallNews),
}

/// What a switch press means: switch A (or a scanning step) moves the focus, switch B (or the
/// one scanning switch) selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchPress {
    /// Focus the next target.
    Move,
    /// Do the focused target.
    Select,
}

/// One step of a level (volume, speech rate) up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One level more.
    Up,
    /// One level less.
    Down,
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
    /// For a kind that owes no later answer: the next visit or the time of final service
    /// (docs/rules.md R-000-4.4), said on the done screen.
    pub next_visit: Option<kiosk_core::NextVisit>,
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
    /// The person responsible, when the event names one (a staff member, not the kiosk).
    pub responsible: Option<String>,
    /// The answer given, for an answer event that carries its text.
    pub answer: Option<String>,
}

/// A case found by its tracking code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpView {
    /// The tracking code.
    pub tracking_code: TrackingCode,
    /// Every event, oldest first (docs/rules.md R-001-4.6-timeline).
    pub timeline: Vec<TimelineEntry>,
}
