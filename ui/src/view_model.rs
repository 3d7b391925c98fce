//! What a screen shows, as plain data: the firmware converts its journey state into a
//! [`ViewModel`] and this crate draws it. The UI never decides where the journey goes; it only
//! reports taps and keys as [`UiInput`]s.

/// The page layouts: the visitor journey, the rating journey (`Rate*`) and the service-desk
/// terminal (`Desk*`). Each is drawn by one of the generic pages of `ui/ui/pages/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    /// Waiting for a visitor.
    #[default]
    Attract,
    /// The settings: colour theme, text size, speech, reach, language.
    Accessibility,
    /// National code on a keypad, with live checksum feedback (also the foreign nationals'
    /// identifier: digits too).
    Identify,
    /// A visitor without a national code chooses the identifier they have
    /// (docs/identity.md).
    IdentifyChoice,
    /// A passport's number or issuing country, on the Latin keyboard.
    IdentifyText,
    /// Case kind.
    Kind,
    /// Subject, with search.
    Subject,
    /// Out-of-scope subject: where to go instead.
    Guidance,
    /// A complaint: about an official, and at which tier.
    Official,
    /// Description with the on-screen keyboard and preset phrases.
    Description,
    /// Optional mobile number.
    Mobile,
    /// Everything entered, before committing.
    Review,
    /// Committing and printing.
    Printing,
    /// Tracking code and its QR.
    Done,
    /// Registered, receipt not printed: the code and QR on screen.
    PrinterOut,
    /// Typing a tracking code.
    FollowUpEntry,
    /// Status and timeline of a case.
    FollowUp,
    /// A staff member is coming.
    CallStaff,
    /// Something went wrong.
    Error,
    /// Rating: hold the satisfaction code to the scanner.
    RateScan,
    /// Rating: checking the code, or saving the rating.
    RateWait,
    /// Rating: five faces in one row.
    RateFaces,
    /// Rating: optional reasons.
    RateReasons,
    /// Rating: thank you.
    RateThanks,
    /// Rating: the code was refused, and why.
    RateRefused,
    /// Desk: scan the staff card.
    DeskLogin,
    /// Desk: the PIN (masked) on a keypad.
    DeskPin,
    /// Desk: what to do.
    DeskMenu,
    /// Desk: scan a receipt or satisfaction code (claim, reprint).
    DeskScan,
    /// Desk: the service identifier on a keypad.
    DeskService,
    /// Desk: the meeting form (fields, occupation, results).
    DeskMeeting,
    /// Desk: one field of the meeting form on the on-screen keyboard.
    DeskField,
    /// Desk: today's summary.
    DeskSummary,
    /// Desk: printer and sync health.
    DeskHealth,
    /// Desk: waiting for the store.
    DeskWait,
    /// The kiosk could not start (no database key, a broken configuration, a device missing):
    /// where to go instead, and a fault code for the operator. No actions.
    OutOfService,
}

impl Page {
    /// Every page, in journey order (screenshots, tests).
    pub const ALL: [Page; 17] = [
        Page::Attract,
        Page::Accessibility,
        Page::Identify,
        Page::Kind,
        Page::Subject,
        Page::Guidance,
        Page::Official,
        Page::Description,
        Page::Mobile,
        Page::Review,
        Page::Printing,
        Page::Done,
        Page::PrinterOut,
        Page::FollowUpEntry,
        Page::FollowUp,
        Page::CallStaff,
        Page::Error,
    ];

    /// The pages of the rating journey.
    pub const RATING: [Page; 6] = [
        Page::RateScan,
        Page::RateWait,
        Page::RateFaces,
        Page::RateReasons,
        Page::RateThanks,
        Page::RateRefused,
    ];

    /// The pages of the service-desk terminal.
    pub const DESK: [Page; 10] = [
        Page::DeskLogin,
        Page::DeskPin,
        Page::DeskMenu,
        Page::DeskScan,
        Page::DeskService,
        Page::DeskMeeting,
        Page::DeskField,
        Page::DeskSummary,
        Page::DeskHealth,
        Page::DeskWait,
    ];

    /// The page's name, as the Slint window knows it and as screenshot files are named.
    pub fn name(self) -> &'static str {
        match self {
            Page::Attract => "attract",
            Page::Accessibility => "accessibility",
            Page::Identify => "identify",
            Page::IdentifyChoice => "identify-choice",
            Page::IdentifyText => "identify-text",
            Page::Kind => "kind",
            Page::Subject => "subject",
            Page::Guidance => "guidance",
            Page::Official => "official",
            Page::Description => "description",
            Page::Mobile => "mobile",
            Page::Review => "review",
            Page::Printing => "printing",
            Page::Done => "done",
            Page::PrinterOut => "printer-out",
            Page::FollowUpEntry => "follow-up-entry",
            Page::FollowUp => "follow-up",
            Page::CallStaff => "call-staff",
            Page::Error => "error",
            Page::RateScan => "rate-scan",
            Page::RateWait => "rate-wait",
            Page::RateFaces => "rate-faces",
            Page::RateReasons => "rate-reasons",
            Page::RateThanks => "rate-thanks",
            Page::RateRefused => "rate-refused",
            Page::DeskLogin => "desk-login",
            Page::DeskPin => "desk-pin",
            Page::DeskMenu => "desk-menu",
            Page::DeskScan => "desk-scan",
            Page::DeskService => "desk-service",
            Page::DeskMeeting => "desk-meeting",
            Page::DeskField => "desk-field",
            Page::DeskSummary => "desk-summary",
            Page::DeskHealth => "desk-health",
            Page::DeskWait => "desk-wait",
            Page::OutOfService => "out-of-service",
        }
    }
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// The step forward (filled).
    Primary,
    /// One of several choices.
    #[default]
    Choice,
    /// Back, cancel, help.
    Nav,
    /// An option that is on or off.
    Toggle,
    /// A checkbox beside a field (the consent to text messages on the mobile screen): a box
    /// at the reading edge, ticked when `checked`, its label beside it.
    Check,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Choice => "choice",
            Role::Nav => "nav",
            Role::Toggle => "toggle",
            Role::Check => "check",
        }
    }
}

/// One tappable action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Button {
    /// Handed back in [`UiInput::Action`] when tapped.
    pub id: String,
    /// What it says (also its accessible label).
    pub label: String,
    /// A second line, e.g. a toggle's state; may be empty.
    pub detail: String,
    /// How it looks.
    pub role: Role,
    /// The keypad's focus ring is on it.
    pub focused: bool,
    /// A toggle that is on.
    pub checked: bool,
}

/// Which on-screen keyboard the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keyboard {
    /// None.
    #[default]
    None,
    /// Digits 0–9 and delete (Persian or ASCII digits on the keys).
    Digits,
    /// Persian letters (standard layout), space, half-space, delete.
    Persian,
    /// Latin letters, space, delete.
    Latin,
}

/// A labelled value (review, done).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// What.
    pub label: String,
    /// Its value.
    pub value: String,
}

/// One event of a case's timeline, already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimelineRow {
    /// When (Jalali date and time).
    pub when: String,
    /// What happened.
    pub what: String,
    /// The responsible unit.
    pub unit: String,
}

/// The inactivity warning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overlay {
    /// The warning.
    pub message: String,
    /// Its actions (more time, when still allowed).
    pub buttons: Vec<Button>,
}

/// The colour palettes of `ui/theme.slint` (VxMark's four contrast themes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// Dark text on a light page (every text 7:1 or more).
    #[default]
    Standard,
    /// Black on white (15:1 or more).
    HighContrastLight,
    /// White and yellow on black (15:1 or more).
    HighContrastDark,
    /// Light grey on dark grey, low glare (7:1 or more).
    LowGlare,
}

impl Palette {
    /// Every palette, in the order the settings list them.
    pub const ALL: [Palette; 4] = [
        Palette::Standard,
        Palette::HighContrastLight,
        Palette::HighContrastDark,
        Palette::LowGlare,
    ];

    /// The `Theme.palette` number of `ui/theme.slint`.
    pub fn index(self) -> i32 {
        match self {
            Palette::Standard => 0,
            Palette::HighContrastLight => 1,
            Palette::HighContrastDark => 2,
            Palette::LowGlare => 3,
        }
    }

    /// Its name (screenshot folders, test messages).
    pub fn name(self) -> &'static str {
        match self {
            Palette::Standard => "standard",
            Palette::HighContrastLight => "high-contrast-light",
            Palette::HighContrastDark => "high-contrast-dark",
            Palette::LowGlare => "low-glare",
        }
    }

    /// The smallest contrast of any text on it: 15:1 on the high-contrast palettes, 7:1 else.
    pub fn min_text_contrast(self) -> f64 {
        match self {
            Palette::HighContrastLight | Palette::HighContrastDark => 15.0,
            Palette::Standard | Palette::LowGlare => 7.0,
        }
    }
}

/// The largest text step (`Prefs::text_step`): 0 normal, 1 large, 2 extra large, 3 huge.
pub const MAX_TEXT_STEP: u8 = 3;

/// Display preferences of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    /// Persian (right to left) or English (left to right).
    pub rtl: bool,
    /// The colour palette.
    pub palette: Palette,
    /// 0 normal, 1 large, 2 extra large, 3 huge ([`MAX_TEXT_STEP`]).
    pub text_step: u8,
    /// Every control in the lower band.
    pub low_reach: bool,
    /// Audio-only mode: the window shows a plain black page with nothing readable on it (the
    /// visitor listens through the headphones and uses the keypad).
    pub blank: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            rtl: true,
            palette: Palette::Standard,
            text_step: 0,
            low_reach: false,
            blank: false,
        }
    }
}

/// Everything one screen shows. Texts are final: already in the session's language, with
/// Persian digits where the language is Persian.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewModel {
    /// Which page layout.
    pub page: Page,
    /// The prompt, shown as the page's title.
    pub title: String,
    /// A longer text of the page (guidance, a message), may be empty.
    pub message: String,
    /// A mistake the visitor can fix, may be empty.
    pub error: String,
    /// The page's choices (kinds, subjects, phrases, options), in reading order.
    pub choices: Vec<Button>,
    /// The bottom bar, in reading order (back first, the step forward last).
    pub bar: Vec<Button>,
    /// What is being typed.
    pub entry: String,
    /// Shown while `entry` is empty.
    pub hint: String,
    /// The on-screen keyboard.
    pub keyboard: Keyboard,
    /// The key of the on-screen keyboard the focus ring is on (a switch user typing digits:
    /// the keys are the targets of the ring), if any.
    pub focused_key: Option<Key>,
    /// The label of `code` ("tracking code").
    pub code_label: String,
    /// The tracking code as shown.
    pub code: String,
    /// What the on-screen QR encodes (empty: no QR).
    pub qr_payload: String,
    /// Labelled values (review, due date).
    pub rows: Vec<Row>,
    /// A case's timeline.
    pub timeline: Vec<TimelineRow>,
    /// The inactivity warning, when showing.
    pub overlay: Option<Overlay>,
    /// Display preferences.
    pub prefs: Prefs,
}

/// A key of an on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A digit 0–9.
    Digit(u8),
    /// A character (letter, space, half-space).
    Char(char),
    /// Delete the last character.
    Backspace,
}

/// What the visitor did on the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiInput {
    /// Tapped the button with this id.
    Action(String),
    /// Pressed an on-screen key.
    Key(Key),
    /// Keyboard navigation (desktop): focus the next action.
    FocusNext,
    /// Keyboard navigation: focus the previous action.
    FocusPrev,
    /// Keyboard navigation: perform the focused action.
    Activate,
}
