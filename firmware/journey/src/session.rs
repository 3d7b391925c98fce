//! What the flow remembers about the visitor in front of the kiosk, and their display and
//! speech preferences. All of it is wiped at the end of every session.

use kiosk_core::{CaseKind, MobileNumber, NationalCode};

use super::event::{FollowUpView, RegisteredView};

/// Language of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Persian, right to left (default).
    #[default]
    Fa,
    /// English, left to right.
    En,
}

/// Text size steps (at least three, as the accessibility rules ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSize {
    /// The default size.
    #[default]
    Normal,
    /// Larger.
    Large,
    /// Largest.
    ExtraLarge,
}

impl TextSize {
    /// The next size, wrapping around.
    pub fn next(self) -> Self {
        match self {
            Self::Normal => Self::Large,
            Self::Large => Self::ExtraLarge,
            Self::ExtraLarge => Self::Normal,
        }
    }
}

/// Display and speech preferences of one session; every one returns to its default when the
/// session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Preferences {
    /// Language.
    pub lang: Lang,
    /// Text size.
    pub text_size: TextSize,
    /// High-contrast theme.
    pub high_contrast: bool,
    /// Every control in the lower band of the screen (wheelchair reach).
    pub low_reach: bool,
    /// Speech mode: everything shown is also spoken.
    pub speech: bool,
}

/// The screens of the visitor journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Waiting for a visitor.
    Attract,
    /// Language, text size, contrast, reach, speech.
    Accessibility,
    /// National code by card, scan or keypad.
    Identify,
    /// What the visitor wants (case kind).
    Kind,
    /// Subject from the catalogue, with search.
    Subject,
    /// The subject is outside this desk's duties: where to go instead.
    Guidance,
    /// Free text and preset phrases.
    Description,
    /// Optional mobile number for notices.
    Mobile,
    /// Everything entered, before committing.
    Review,
    /// Committing and printing.
    Printing,
    /// Registered: tracking code large and its QR.
    Done,
    /// Registered, but the receipt could not be printed: code and QR shown on screen.
    PrinterOut,
    /// Typing a tracking code to follow a case up.
    FollowUpEntry,
    /// Status and timeline of a case.
    FollowUp,
    /// A staff member has been called.
    CallStaff,
    /// Something went wrong that the visitor cannot fix; staff have been alerted.
    Error,
}

/// Everything the current visitor has entered or been shown.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Display and speech preferences.
    pub prefs: Preferences,
    /// Digits or letters being typed on the current screen.
    pub entry: String,
    /// The validated national code.
    pub national_code: Option<NationalCode>,
    /// The chosen kind.
    pub kind: Option<CaseKind>,
    /// The chosen subject's identifier.
    pub subject_id: Option<String>,
    /// The description written so far.
    pub description: String,
    /// The validated mobile number.
    pub mobile: Option<MobileNumber>,
    /// The current error message (Persian or English per the session language).
    pub error: Option<String>,
    /// The registered case, once committed.
    pub registered: Option<RegisteredView>,
    /// The case being followed up.
    pub follow_up: Option<FollowUpView>,
    /// Index of the focused action (tactile keypad).
    pub focus: usize,
    /// Whether the inactivity warning is showing.
    pub idle_warning: bool,
    /// How many times the visitor has asked for more time.
    pub extensions_used: u8,
    /// The last thing spoken, for the repeat key.
    pub last_spoken: Option<String>,
}
