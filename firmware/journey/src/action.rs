//! What a visitor can do on a screen: one list, used by touch (an [`Action`] is sent directly)
//! and by the tactile keypad (a focus ring walks the same list).

use kiosk_core::CaseKind;

use super::session::{ColorTheme, Lang, TextSize};

/// One thing a visitor can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Begin registering a case.
    Start,
    /// Follow up an existing case.
    TrackCase,
    /// Rate a service with the satisfaction code of a receipt (the rating journey).
    RateService,
    /// Open the settings (theme, text size, reach, speech, language): offered on every visitor
    /// screen, so the keypad's focus ring reaches it; the flow accepts it on any screen.
    OpenAccessibility,
    /// Close the accessibility options, back to where the visitor was.
    CloseAccessibility,
    /// Switch language.
    SetLang(Lang),
    /// Low-reach layout on/off.
    ToggleLowReach,
    /// Speech mode on/off.
    ToggleSpeech,
    /// Choose a case kind.
    ChooseKind(CaseKind),
    /// Choose a subject by identifier.
    ChooseSubject(String),
    /// A complaint is about an official of this tier (`None`: about the office's work, not
    /// an official).
    ChooseOfficial(Option<kiosk_core::escalation::OfficialTier>),
    /// Add a preset phrase to the description.
    Phrase(usize),
    /// Accept what is on the screen and go on.
    Continue,
    /// Leave the mobile number out (which also withdraws the consent to text messages).
    SkipMobile,
    /// The mobile screen's checkbox «پیامک‌های این درخواست به این شماره فرستاده شود»: the
    /// visitor's consent to SMS notices about this case, never on until the visitor turns it on
    /// (docs/rules.md R-000-4.5).
    ToggleNoticeConsent,
    /// Commit the case (review screen).
    Confirm,
    /// Print the guidance slip.
    PrintGuidance,
    /// One step back.
    Back,
    /// Give up and wipe the session.
    Cancel,
    /// Call a staff member.
    CallStaff,
    /// More time (inactivity warning).
    Extend,
    /// End the session (done screens).
    Finish,
    /// Say the tracking code and the response date again (done screens, in speech mode): what
    /// a long Help does on the keypad, within reach of a switch or a touch.
    HearCodeAgain,
    /// Choose a colour theme.
    SetTheme(ColorTheme),
    /// Choose a text size.
    SetTextSize(TextSize),
    /// Audio-only mode on/off (the screen blanked, speech forced on); also a long press of
    /// the `0` key.
    ToggleAudioOnly,
    /// Learn the keys: each key says what it does on this screen without acting, until a long
    /// Cancel (also a long Enter on the attract screen).
    LearnKeys,
    /// Type this digit (0–9) into the screen's digit field: the targets a switch user's focus
    /// ring steps through on the national code, mobile and tracking code screens
    /// (firmware/journey/src/machine/switch_digits.rs), drawn as the on-screen keypad's keys.
    TypeDigit(u8),
    /// Erase the last digit of the field (the switch user's focus ring, the keypad's ⌫ key).
    EraseDigit,
    /// «کد ملی ندارم»: identify another way (docs/identity.md), offered when the agency
    /// accepts another identifier.
    NoNationalCode,
    /// Identify by this identifier instead of a national code.
    UseIdentity(kiosk_core::IdentityKind),
}
