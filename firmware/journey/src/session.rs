//! What the flow remembers about the visitor in front of the kiosk, and their display and
//! speech preferences. All of it is wiped at the end of every session.

use kiosk_core::{CaseKind, MobileNumber, NationalCode, TrackingCode};

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

/// Text size steps: four, as VotingWorks VxMark offers (each about 1.2 times the one before;
/// the sizes in pixels are the UI's, ui/ui/theme.slint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSize {
    /// The default size.
    #[default]
    Normal,
    /// Larger.
    Large,
    /// Larger still.
    ExtraLarge,
    /// The largest.
    Huge,
}

impl TextSize {
    /// Every size, smallest first (the accessibility screen lists them in this order).
    pub const ALL: [TextSize; 4] = [Self::Normal, Self::Large, Self::ExtraLarge, Self::Huge];

    /// The next size, wrapping around.
    pub fn next(self) -> Self {
        match self {
            Self::Normal => Self::Large,
            Self::Large => Self::ExtraLarge,
            Self::ExtraLarge => Self::Huge,
            Self::Huge => Self::Normal,
        }
    }
}

/// Colour themes: four, as VotingWorks VxMark offers. Every text on every theme has a contrast
/// of at least 7:1, and at least 15:1 on the two high-contrast ones (the palettes are the UI's,
/// ui/ui/theme.slint, measured by ui/tests/theme_and_render.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorTheme {
    /// Dark text on a light page (the default).
    #[default]
    Standard,
    /// Black on white.
    HighContrastLight,
    /// White (and yellow) on black.
    HighContrastDark,
    /// Light grey on dark grey: low glare.
    LowGlare,
}

impl ColorTheme {
    /// Every theme, in the order the accessibility screen lists them.
    pub const ALL: [ColorTheme; 4] = [
        Self::Standard,
        Self::HighContrastLight,
        Self::HighContrastDark,
        Self::LowGlare,
    ];

    /// Whether it is one of the high-contrast themes (15:1 and more).
    pub fn is_high_contrast(self) -> bool {
        matches!(self, Self::HighContrastLight | Self::HighContrastDark)
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
    /// Colour theme.
    pub theme: ColorTheme,
    /// Every control in the lower band of the screen (wheelchair reach).
    pub low_reach: bool,
    /// Speech mode: everything shown is also spoken.
    pub speech: bool,
    /// Audio-only mode: the screen is blanked for privacy and everything goes by ear and keys;
    /// speech is on for as long as it is (firmware/journey/src/machine/assist.rs).
    pub audio_only: bool,
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
    /// A complaint: is it about an official, and at which tier (seed 000 §10-3).
    Official,
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

/// What the identify screen asks for (firmware/journey/src/machine/other_id.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdMode {
    /// The national code, by card, scan or keypad.
    #[default]
    NationalCode,
    /// «کد ملی ندارم»: which identifier instead (more than one accepted here).
    ChooseOther,
    /// The foreign nationals' identifier (12 digits).
    ForeignId,
    /// The passport number (letters and digits).
    PassportNumber,
    /// The passport's issuing country (ISO 3166-1 code).
    PassportCountry,
}

impl IdMode {
    /// Whether the field takes letters (the passport's number and country).
    pub fn takes_letters(self) -> bool {
        matches!(self, Self::PassportNumber | Self::PassportCountry)
    }
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
    /// For a visitor without a national code: the foreign nationals' identifier or passport
    /// they gave instead (docs/identity.md).
    pub other_id: Option<kiosk_core::VisitorId>,
    /// What the identify screen asks for now (the national code unless the visitor said they
    /// have none).
    pub id_mode: IdMode,
    /// A passport number accepted, waiting for its issuing country.
    pub passport_number: Option<kiosk_core::identity::PassportNumber>,
    /// The chosen kind.
    pub kind: Option<CaseKind>,
    /// The chosen subject's identifier.
    pub subject_id: Option<String>,
    /// For a complaint: `Some(None)` not about an official, `Some(Some(tier))` about an
    /// official of that tier (routed by §10-3); `None` not asked yet.
    pub official: Option<Option<kiosk_core::escalation::OfficialTier>>,
    /// The description written so far.
    pub description: String,
    /// The validated mobile number.
    pub mobile: Option<MobileNumber>,
    /// The mobile screen's checkbox: the visitor agrees to text messages about this case at
    /// that number. Off until the visitor turns it on; skipping the mobile turns it off.
    pub notice_consent: bool,
    /// The current error message (Persian or English per the session language).
    pub error: Option<String>,
    /// The registered case, once committed.
    pub registered: Option<RegisteredView>,
    /// The case being followed up.
    pub follow_up: Option<FollowUpView>,
    /// A tracking code given for a follow-up, waiting for its applicant's national code (a
    /// case is shown only to whoever knows both).
    pub following: Option<TrackingCode>,
    /// Index of the focused action (tactile keypad).
    pub focus: usize,
    /// Whether the inactivity warning is showing.
    pub idle_warning: bool,
    /// How many times the visitor has asked for more time.
    pub extensions_used: u8,
    /// The last thing spoken, for the repeat key.
    pub last_spoken: Option<String>,
    /// Learning the keys: each key says what it does on this screen instead of doing it
    /// (firmware/journey/src/machine/assist.rs).
    pub learning: bool,
    /// Explore by touch (speech mode): the button touched once and spoken, which a second
    /// touch activates.
    pub explored: Option<super::action::Action>,
    /// The visitor uses accessibility switches ([`super::Event::Switch`]): on the digit
    /// screens the focus ring steps through the digits, erase and done
    /// (firmware/journey/src/machine/switch_digits.rs).
    pub switch_input: bool,
}

impl Session {
    /// The visitor's identifier, once given: the national code, or what a visitor without one
    /// gave instead.
    pub fn visitor(&self) -> Option<kiosk_core::VisitorId> {
        self.national_code
            .clone()
            .map(kiosk_core::VisitorId::National)
            .or_else(|| self.other_id.clone())
    }
}
