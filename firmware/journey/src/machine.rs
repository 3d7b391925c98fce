//! [`Flow::step`]: the transitions of the visitor journey.

use std::collections::VecDeque;

use kiosk_core::escalation::OfficialTier;
use kiosk_core::{
    CaseKind, Catalogue, IdentityPolicy, MobileNumber, NationalCode, NationalCodePolicy,
    TrackingCode,
};

use super::action::Action;
use super::effect::{Effect, SpeechLevels, StaffAlert};
use super::event::{Event, PrinterProblem, RegisteredView, Step};
use super::prompts;
use super::session::{ColorTheme, IdMode, Lang, Screen, Session, TextSize};
use crate::input::{MAX_DESCRIPTION_CHARS, VisitorInput};

mod assist;
mod other_id;
mod staff_call;
mod switch_digits;
mod switch_hints;
mod typing;

pub use staff_call::StaffCallNews;

/// The label of «کد ملی ندارم» and of the identifiers offered instead (machine/other_id.rs).
pub(crate) fn other_id_label(action: &Action, lang: Lang) -> String {
    other_id::action_label(action, lang).unwrap_or_default()
}

/// Kinds a visitor can choose at the kiosk; transfers and service registrations are recorded
/// by staff at the desk terminal.
pub const VISITOR_KINDS: [CaseKind; 9] = [
    CaseKind::Request,
    CaseKind::Complaint,
    CaseKind::Suggestion,
    CaseKind::Idea,
    CaseKind::Plan,
    CaseKind::PublicReport,
    CaseKind::Appreciation,
    CaseKind::ExpressionOfFeelings,
    CaseKind::Consultation,
];

/// Most subjects listed at once; the visitor narrows the list by searching.
pub const MAX_LISTED_SUBJECTS: usize = 8;

/// Fewest extensions a visitor may ask for before an idle session is wiped.
pub const MIN_EXTENSIONS: u8 = 10;

/// What the flow needs from the configuration.
#[derive(Debug, Clone)]
pub struct FlowSettings {
    /// How national codes are judged.
    pub national_code_policy: NationalCodePolicy,
    /// The agency's subjects.
    pub catalogue: Catalogue,
    /// How many times a visitor may ask for more time (at least [`MIN_EXTENSIONS`]).
    pub max_extensions: u8,
}

/// The journey of the visitor at the kiosk.
#[derive(Debug, Clone)]
pub struct Flow {
    screen: Screen,
    /// Where accessibility options and calling staff return to, with what was being typed.
    return_to: Option<(Screen, String)>,
    session: Session,
    settings: FlowSettings,
    /// Whether a staff call reaches anyone (LEDs or a buzzer at the kiosk; see
    /// [`Flow::set_staff_reachable`]), and the desk to send the visitor to when not.
    staff_reachable: bool,
    desk: String,
    /// What the office's desk terminals know of the visitor's call, when the kiosk is linked
    /// to them through the agency server (machine/staff_call.rs).
    desks: Option<StaffCallNews>,
    /// Which visitor this is (counted up at the end of every session): an answer that comes
    /// back for an earlier visitor must not land in this one's session.
    visit: u64,
    /// Registrations handed over and not answered, oldest first, by visit (answers come back
    /// in the order the jobs were handed over).
    awaiting_registration: VecDeque<u64>,
    /// Receipts sent to print and not answered, oldest first, by visit.
    awaiting_print: VecDeque<(u64, RegisteredView)>,
    /// Look-ups handed over and not answered, oldest first, by visit: an answer for a visitor
    /// who has left never reaches the next one's screen.
    awaiting_lookup: VecDeque<u64>,
    /// Headphones are in the jack: speech is private, so the national code and mobile are read
    /// out whole; through the kiosk's loudspeaker only their last four digits are. Kept across
    /// sessions (the headphones stay plugged in), cleared when they are pulled out.
    private_audio: bool,
    /// The visitor's speech volume and rate (back to the defaults when the session ends).
    levels: SpeechLevels,
    /// Something was spoken while handling the current event: what follows it in the same
    /// event waits its turn (`interrupt: false`) unless a new screen cuts in.
    spoke: bool,
    /// The utterances of the last announcement (a screen, a mistake, a focus move), for the
    /// repeat key; echoes, levels and help are not kept.
    last_said: Vec<String>,
    /// Whether `last_said` was started afresh while handling the current event.
    said_this_event: bool,
    /// The letter being typed by multi-tap on the keypad's digit keys (machine/typing.rs).
    typing: crate::multitap::MultiTap,
    /// Which identifiers beside the national code are accepted (machine/other_id.rs).
    identity_policy: IdentityPolicy,
}

impl Flow {
    /// A kiosk waiting for its first visitor.
    pub fn new(mut settings: FlowSettings) -> Self {
        let identity_policy = IdentityPolicy {
            national_code: settings.national_code_policy,
            ..IdentityPolicy::default()
        };
        settings.max_extensions = settings.max_extensions.max(MIN_EXTENSIONS);
        Self {
            screen: Screen::Attract,
            return_to: None,
            session: Session::default(),
            settings,
            staff_reachable: true,
            desk: String::new(),
            desks: None,
            visit: 0,
            awaiting_registration: VecDeque::new(),
            awaiting_print: VecDeque::new(),
            awaiting_lookup: VecDeque::new(),
            private_audio: false,
            levels: SpeechLevels::default(),
            spoke: false,
            last_said: Vec::new(),
            said_this_event: false,
            typing: crate::multitap::MultiTap::default(),
            identity_policy,
        }
    }

    /// The visitor's speech volume and rate now.
    pub fn speech_levels(&self) -> SpeechLevels {
        self.levels
    }

    /// The screen showing.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Says whether a visitor's call reaches anyone: with no LED, buzzer or office server the
    /// call-staff screen does not promise that someone is coming; it sends the visitor to
    /// `desk` (the configured desk's name) instead.
    pub fn set_staff_reachable(&mut self, reachable: bool, desk: &str) {
        self.staff_reachable = reachable;
        self.desk = desk.to_owned();
    }

    /// Which visitor this is: counted up at the end of every session (a job's answer for an
    /// earlier visit never lands in this one).
    pub fn visit(&self) -> u64 {
        self.visit
    }

    /// The current screen's title, as shown and said.
    pub fn title(&self) -> String {
        match self.screen {
            Screen::CallStaff => self.call_staff_title(),
            Screen::Identify => other_id::title(self.session.id_mode, self.lang())
                .unwrap_or_else(|| prompts::screen_prompt(Screen::Identify, self.lang())),
            screen => prompts::screen_prompt(screen, self.lang()),
        }
    }

    /// What the visitor has entered and chosen.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The catalogue the subject screen lists.
    pub fn catalogue(&self) -> &Catalogue {
        &self.settings.catalogue
    }

    /// Whether no visit is under way: the attract screen, with no detour open from it.
    pub fn between_visits(&self) -> bool {
        self.screen == Screen::Attract && self.return_to.is_none()
    }

    /// Replaces the catalogue (the agency server's, downloaded) between visits only: a
    /// visitor's subject never changes under them. Mid-visit it is refused and handed back;
    /// the caller offers it again once the visit is over ([`Flow::between_visits`]).
    pub fn set_catalogue(&mut self, catalogue: Catalogue) -> Result<(), Catalogue> {
        if !self.between_visits() {
            return Err(catalogue);
        }
        self.settings.catalogue = catalogue;
        Ok(())
    }

    /// The actions of the current screen, in focus order. While the inactivity warning shows,
    /// asking for more time comes first (when still allowed).
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = match self.screen {
            Screen::Attract => vec![
                Action::Start,
                Action::TrackCase,
                Action::RateService,
                Action::OpenAccessibility,
            ],
            // Four themes, four sizes, then speech, reach and language: the rows of the
            // settings screen's grid, in reading order (the focus ring's order).
            Screen::Accessibility => {
                let mut v: Vec<Action> = ColorTheme::ALL.map(Action::SetTheme).to_vec();
                v.extend(TextSize::ALL.map(Action::SetTextSize));
                v.extend([
                    Action::ToggleSpeech,
                    Action::ToggleAudioOnly,
                    Action::LearnKeys,
                    Action::ToggleLowReach,
                    Action::SetLang(Lang::Fa),
                    Action::SetLang(Lang::En),
                    Action::CloseAccessibility,
                ]);
                v
            }
            Screen::Identify => self.identify_actions(),
            Screen::Kind => {
                let mut v: Vec<Action> = VISITOR_KINDS
                    .iter()
                    .map(|&k| Action::ChooseKind(k))
                    .collect();
                v.extend([Action::Back, Action::Cancel]);
                v
            }
            Screen::Subject => {
                let mut v: Vec<Action> = self
                    .listed_subjects()
                    .into_iter()
                    .map(Action::ChooseSubject)
                    .collect();
                v.extend([Action::Back, Action::Cancel]);
                v
            }
            Screen::Guidance => vec![Action::PrintGuidance, Action::Finish, Action::Back],
            Screen::Official => {
                let mut v = vec![Action::ChooseOfficial(None)];
                v.extend(OfficialTier::ALL.map(|t| Action::ChooseOfficial(Some(t))));
                v.extend([Action::Back, Action::Cancel]);
                v
            }
            Screen::Description => {
                let mut v = vec![Action::Continue];
                v.extend((0..prompts::PHRASE_COUNT).map(Action::Phrase));
                v.extend([Action::Back, Action::Cancel]);
                v
            }
            // The consent checkbox right after «continue»: Enter still goes on, one Down
            // reaches the checkbox.
            Screen::Mobile => vec![
                Action::Continue,
                Action::ToggleNoticeConsent,
                Action::SkipMobile,
                Action::Back,
                Action::Cancel,
            ],
            Screen::Review => vec![Action::Confirm, Action::Back, Action::Cancel],
            Screen::Printing => Vec::new(),
            Screen::Done => self.with_hear_again(vec![Action::Finish]),
            Screen::PrinterOut => self.with_hear_again(vec![Action::Finish, Action::CallStaff]),
            Screen::Error => vec![Action::Finish, Action::CallStaff],
            Screen::FollowUpEntry => vec![Action::Continue, Action::Back],
            Screen::FollowUp => vec![Action::Finish, Action::Back],
            Screen::CallStaff => vec![Action::Back],
        };
        // A switch user types digits by the focus ring: the digits and erase come first
        // (machine/switch_digits.rs).
        if self.switch_digits_on() {
            actions.splice(0..0, switch_digits::ring());
        }
        // The settings are within reach on every screen where the visitor can act (the
        // attract screen lists them already), last in the focus ring.
        if !matches!(
            self.screen,
            Screen::Attract | Screen::Accessibility | Screen::Printing
        ) {
            actions.push(Action::OpenAccessibility);
        }
        if self.session.idle_warning && self.can_extend() {
            actions.insert(0, Action::Extend);
        }
        actions
    }

    /// `actions` and, for a listening visitor whose case was registered, «hear the code again».
    fn with_hear_again(&self, mut actions: Vec<Action>) -> Vec<Action> {
        if self.session.prefs.speech && self.session.registered.is_some() {
            actions.push(Action::HearCodeAgain);
        }
        actions
    }

    /// The focused action (tactile keypad), if the screen has any.
    pub fn focused(&self) -> Option<Action> {
        self.actions().get(self.session.focus).cloned()
    }

    /// The subject identifiers listed for the current search.
    pub fn listed_subjects(&self) -> Vec<String> {
        let Some(kind) = self.session.kind else {
            return Vec::new();
        };
        self.settings
            .catalogue
            .search(kind, &self.session.entry)
            .into_iter()
            .take(MAX_LISTED_SUBJECTS)
            .map(|s| s.id.clone())
            .collect()
    }

    fn can_extend(&self) -> bool {
        self.session.extensions_used < self.settings.max_extensions
    }

    fn lang(&self) -> Lang {
        self.session.prefs.lang
    }

    /// Whether `action` can be done now: one of the screen's actions, or a global one (call
    /// staff, accessibility) that every screen offers through its keys.
    fn is_offered(&self, action: &Action) -> bool {
        matches!(action, Action::CallStaff | Action::OpenAccessibility)
            || self.actions().contains(action)
    }

    /// Handles one event.
    pub fn step(&mut self, event: Event) -> Vec<Effect> {
        let mut fx = Vec::new();
        self.spoke = false;
        self.said_this_event = false;
        // A switch press is a move or a select of a switch user (machine/switch_digits.rs).
        let by_switch = matches!(event, Event::Switch(_));
        let event = match event {
            Event::Switch(press) => self.switch_press(press),
            event => event,
        };
        // A tap on an action this screen does not offer (the eleventh "more time", a stale tap)
        // did nothing, so it is not a sign of a visitor at the screen either.
        let offered = match &event {
            Event::Do(action) | Event::Explore(action) => self.is_offered(action),
            _ => true,
        };
        let from_visitor = offered
            && matches!(
                event,
                Event::Do(_)
                    | Event::FocusNext
                    | Event::FocusPrev
                    | Event::Activate
                    | Event::Digit(_)
                    | Event::Char(_)
                    | Event::Backspace
                    | Event::IdentityRead(_)
                    | Event::CardRefused(_)
                    | Event::TrackingScanned(_)
                    | Event::SatisfactionScanned(_)
                    | Event::Repeat
                    | Event::HeadphonesIn
                    | Event::Help
                    | Event::ClearEntry
                    | Event::Volume(_)
                    | Event::Speed(_)
                    | Event::ToggleAudioOnly
                    | Event::LearnKeys
                    | Event::LeaveLearnKeys
                    | Event::Explore(_)
                    | Event::MultiTap { .. }
            );
        // A tactile key on the attract screen (where no on-screen keypad shows) means a
        // visitor who uses the keypad: speech starts, as with headphones.
        let keypad_key = !by_switch
            && matches!(
                event,
                Event::FocusNext
                    | Event::FocusPrev
                    | Event::Activate
                    | Event::Digit(_)
                    | Event::Backspace
                    | Event::ClearEntry
                    | Event::Help
                    | Event::Repeat
                    | Event::Volume(_)
                    | Event::Speed(_)
                    | Event::ToggleAudioOnly
                    | Event::LearnKeys
                    | Event::LeaveLearnKeys
                    | Event::MultiTap { .. }
            );
        // Any other key or tap leaves a multi-tap letter as it stands (machine/typing.rs).
        if from_visitor && !matches!(event, Event::MultiTap { .. }) {
            self.typing.commit();
        }
        let woke = keypad_key && self.screen == Screen::Attract && !self.session.prefs.speech;
        if woke {
            self.session.prefs.speech = true;
        }
        // Learning the keys, audio-only and explore by touch come first (machine/assist.rs);
        // what they pass on is handled as usual.
        let screen = self.screen;
        if let Some(event) = self.assist(event, &mut fx) {
            self.handle(event, &mut fx);
        }
        if self.screen != screen {
            self.session.explored = None;
        }
        if woke && !self.spoke && self.screen == Screen::Attract {
            self.announce(&mut fx);
        }
        if from_visitor && !matches!(self.screen, Screen::Attract | Screen::Printing) {
            self.session.idle_warning = false;
            fx.push(Effect::ArmIdleTimer);
        }
        fx
    }

    fn handle(&mut self, event: Event, fx: &mut Vec<Effect>) {
        match event {
            Event::Do(action) => {
                if self.is_offered(&action) {
                    self.perform(action, fx);
                }
            }
            Event::FocusNext | Event::FocusPrev => {
                let count = self.actions().len();
                if count > 0 {
                    let f = self.session.focus;
                    self.session.focus = match event {
                        Event::FocusNext => (f + 1) % count,
                        _ => (f + count - 1) % count,
                    };
                    if let Some(action) = self.focused() {
                        let label = self.focus_label(&action);
                        self.say(label, true, fx);
                    }
                }
            }
            Event::Activate => {
                if let Some(action) = self.focused() {
                    self.perform(action, fx);
                }
            }
            Event::Digit(d) if d <= 9 => self.type_char(char::from(b'0' + d), fx),
            Event::Digit(_) => {}
            Event::Char(c) => self.type_char(c, fx),
            Event::Backspace | Event::ClearEntry => {
                let all = matches!(event, Event::ClearEntry);
                let field = if self.screen == Screen::Description {
                    &mut self.session.description
                } else {
                    &mut self.session.entry
                };
                let gone = if all {
                    let had = !field.is_empty();
                    field.clear();
                    had.then_some(' ')
                } else {
                    field.pop()
                };
                self.session.focus = 0;
                if self.screen == Screen::Identify {
                    self.session.error = None;
                }
                if self.has_field() {
                    let text = match (all, gone) {
                        (true, Some(_)) => prompts::field_cleared(self.lang()),
                        _ => prompts::erased(self.lang(), gone),
                    };
                    self.speak(text, true, fx);
                }
            }
            Event::IdentityRead(text) => {
                if matches!(self.screen, Screen::Attract | Screen::Identify) {
                    self.identify(&text, fx);
                }
            }
            Event::CardRefused(why) => {
                if matches!(self.screen, Screen::Attract | Screen::Identify) {
                    if self.screen != Screen::Identify {
                        self.go(Screen::Identify, fx);
                    }
                    self.fail(why.message(self.lang()).to_owned(), fx);
                }
            }
            Event::TrackingScanned(text) => {
                if matches!(self.screen, Screen::Attract | Screen::FollowUpEntry) {
                    if self.screen == Screen::Attract {
                        self.go(Screen::FollowUpEntry, fx);
                    }
                    self.look_up(&text, fx);
                }
            }
            Event::SatisfactionScanned(text) => {
                if self.screen == Screen::Attract {
                    fx.push(Effect::OpenRating(Some(text)));
                }
            }
            Event::StaffCardScanned(_) => {}
            Event::StaffCall(news) => self.staff_call_news(news, fx),
            Event::RatingEnded { switches } => {
                if self.screen == Screen::Attract {
                    self.session.switch_input |= switches;
                    self.end_session(fx);
                }
            }
            Event::Registered(view) => self.registered(view, fx),
            Event::RegistrationFailed { message } => self.registration_failed(message, fx),
            Event::Printed => self.receipt_answered(None, fx),
            Event::PrintFailed(problem) => self.receipt_answered(Some(problem), fx),
            Event::ReceiptHeld => {
                self.awaiting_print.pop_front();
                fx.push(Effect::AlertStaff(StaffAlert::ReceiptHeld));
            }
            Event::FollowUpResult(found)
                if self.awaiting_lookup.pop_front() == Some(self.visit)
                    && self.screen == Screen::FollowUpEntry =>
            {
                match found {
                    Some(view) => {
                        self.session.follow_up = Some(view);
                        self.go(Screen::FollowUp, fx);
                    }
                    None => {
                        // Either code may be the wrong one: both are asked again.
                        self.session.national_code = None;
                        self.session.other_id = None;
                        let message = prompts::tracking_not_found(self.lang());
                        self.fail(message, fx);
                        let next = prompts::not_found_next(self.lang());
                        self.say(next, false, fx);
                    }
                }
            }
            // Another visitor's answer (or one for a screen left since): dropped.
            Event::FollowUpResult(_) => {}
            Event::IdleWarning | Event::IdleWarningIn { .. } => {
                if !matches!(self.screen, Screen::Attract | Screen::Printing) {
                    let seconds = match event {
                        Event::IdleWarningIn { seconds_left } => Some(seconds_left),
                        _ => None,
                    };
                    self.session.idle_warning = true;
                    self.session.focus = 0;
                    let warning = prompts::idle_warning_spoken(
                        self.lang(),
                        self.can_extend(),
                        seconds,
                        self.session.switch_input,
                    );
                    // Queued: after this long without a key nothing the visitor asked for is
                    // cut off by the clock.
                    self.say(warning, false, fx);
                }
            }
            Event::IdleExpired => {
                if !matches!(self.screen, Screen::Attract | Screen::Printing) {
                    self.end_session(fx);
                }
            }
            Event::Repeat => {
                let again = std::mem::take(&mut self.last_said);
                for (i, text) in again.into_iter().enumerate() {
                    self.say(text, i == 0, fx);
                }
            }
            Event::HeadphonesOut => self.private_audio = false,
            Event::HeadphonesIn => {
                self.private_audio = true;
                // Nothing was being said with speech off: the screen's speech waits its turn.
                let was_on = self.session.prefs.speech;
                self.session.prefs.speech = true;
                self.spoke = !was_on;
                self.announce(fx);
            }
            Event::Help => {
                // The Help key is a keypad user's: it speaks even when speech was off.
                self.session.prefs.speech = true;
                let warning = self.session.idle_warning && self.can_extend();
                let lines = prompts::help(self.screen, self.lang(), warning);
                for (i, line) in lines.into_iter().enumerate() {
                    self.speak(line, i == 0, fx);
                }
            }
            Event::Volume(step) | Event::Speed(step) => {
                let volume = matches!(event, Event::Volume(_));
                let level = if volume {
                    &mut self.levels.volume
                } else {
                    &mut self.levels.rate
                };
                let before = *level;
                *level = match step {
                    Step::Up => (before + 1).min(SpeechLevels::MAX),
                    Step::Down => before.saturating_sub(1).max(1),
                };
                let now = *level;
                if now != before {
                    fx.push(Effect::SetSpeech(self.levels));
                }
                let kind = if volume {
                    prompts::LevelKind::Volume
                } else {
                    prompts::LevelKind::Rate
                };
                let text = prompts::level(self.lang(), kind, now, SpeechLevels::MAX, now == before);
                self.speak(text, true, fx);
            }
            Event::MultiTap { key, at_ms } => self.multi_tap(key, at_ms, fx),
            Event::MultiTapTick { at_ms } => self.multi_tap_tick(at_ms, fx),
            // Taken by `assist` before they get here.
            Event::ToggleAudioOnly
            | Event::LearnKeys
            | Event::LeaveLearnKeys
            | Event::Explore(_) => {}
            // Made a move or a select in `step`.
            Event::Switch(_) => {}
        }
    }

    /// A case was committed. Its visitor still here (waiting on the printing screen, or on a
    /// detour to call staff or change a setting): the receipt prints. Its visitor gone (the
    /// session timed out on a detour): the receipt is held for a reprint at the desk, so no
    /// slip with their national code lies in the tray for the next person.
    fn registered(&mut self, view: RegisteredView, fx: &mut Vec<Effect>) {
        let Some(visit) = self.awaiting_registration.pop_front() else {
            tracing::warn!("a registration answer nobody asked for");
            return;
        };
        if visit == self.visit && self.session.registered.is_none() {
            fx.push(Effect::PrintReceipt(view.tracking_code));
            self.awaiting_print.push_back((visit, view.clone()));
            self.session.registered = Some(view);
        } else {
            fx.push(Effect::HoldReceipt(view.tracking_code));
            fx.push(Effect::AlertStaff(StaffAlert::ReceiptHeld));
        }
    }

    /// A case could not be committed: staff are told; the visitor, if still here, sees the
    /// error now or on return from a detour.
    fn registration_failed(&mut self, message: String, fx: &mut Vec<Effect>) {
        let Some(visit) = self.awaiting_registration.pop_front() else {
            return;
        };
        fx.push(Effect::AlertStaff(StaffAlert::RegistrationFailed));
        if visit != self.visit {
            return;
        }
        if self.screen == Screen::Printing {
            self.go(Screen::Error, fx);
            self.fail(message, fx);
            fx.push(Effect::ArmIdleTimer);
        } else {
            // Shown on return, in place of what was being typed (see `return_from_detour`).
            self.return_to = Some((Screen::Error, message));
        }
    }

    /// The printer answered for a receipt (`problem`: it did not print; the job is recorded as
    /// failed, for a reprint). The visitor waiting sees the done or printer-out screen; one on
    /// a detour finds it on return; for a visitor gone, staff are told of a failure.
    fn receipt_answered(&mut self, problem: Option<PrinterProblem>, fx: &mut Vec<Effect>) {
        let Some((visit, _)) = self.awaiting_print.pop_front() else {
            return;
        };
        if problem.is_some() {
            fx.push(Effect::AlertStaff(StaffAlert::PrinterProblem));
        }
        if visit != self.visit {
            return;
        }
        let outcome = match problem {
            None => Screen::Done,
            Some(_) => Screen::PrinterOut,
        };
        if self.screen != Screen::Printing {
            self.return_to = Some((outcome, String::new()));
            return;
        }
        self.go(outcome, fx);
        fx.push(Effect::ArmIdleTimer);
    }

    /// Whether the screen has a field the keys type into.
    fn has_field(&self) -> bool {
        matches!(
            self.screen,
            Screen::Identify
                | Screen::Mobile
                | Screen::FollowUpEntry
                | Screen::Subject
                | Screen::Description
        )
    }

    /// Types a character into the screen's field; the character is echoed (not the whole
    /// field) and what it led to (a verdict on the national code) follows it in the queue.
    fn type_char(&mut self, c: char, fx: &mut Vec<Effect>) {
        if !self.take_char(c) {
            return;
        }
        // Through the loudspeaker a personal number is not echoed digit by digit: only how many
        // digits are in.
        let personal = matches!(self.screen, Screen::Identify | Screen::Mobile)
            && self.session.id_mode != IdMode::PassportCountry;
        let counted = c.is_ascii_digit() || self.session.id_mode == IdMode::PassportNumber;
        let echo = match (personal && !self.private_audio, counted) {
            (true, true) => prompts::digit_count(self.lang(), self.session.entry.chars().count()),
            _ => prompts::echo(self.lang(), c),
        };
        self.speak(echo, true, fx);
        match self.screen {
            Screen::Identify => self.live_check(fx),
            Screen::Mobile | Screen::FollowUpEntry => self.session.error = None,
            Screen::Subject => self.session.focus = 0,
            _ => {}
        }
    }

    /// Puts `c` into the field when the screen takes it there; whether it did.
    fn take_char(&mut self, c: char) -> bool {
        if self.screen == Screen::Identify {
            return match self.identify_accepts(c) {
                Some((c, limit)) if self.session.entry.chars().count() < limit => {
                    self.session.entry.push(c);
                    true
                }
                _ => false,
            };
        }
        let entry = &mut self.session.entry;
        let limit = match self.screen {
            Screen::Mobile if c.is_ascii_digit() => 11,
            Screen::FollowUpEntry if c.is_ascii_digit() => 16,
            Screen::Subject if !c.is_control() => {
                if entry.chars().count() >= 40 {
                    return false;
                }
                entry.push(c);
                return true;
            }
            Screen::Description
                if (!c.is_control() || c == '\n')
                    && self.session.description.chars().count() < MAX_DESCRIPTION_CHARS =>
            {
                self.session.description.push(c);
                return true;
            }
            _ => return false,
        };
        if entry.len() >= limit {
            return false;
        }
        entry.push(c);
        true
    }

    /// Live checksum feedback: judged as soon as ten digits are in.
    fn live_check(&mut self, fx: &mut Vec<Effect>) {
        self.session.error = None;
        if self.session.id_mode == IdMode::NationalCode && self.session.entry.len() == 10 {
            match NationalCode::parse(&self.session.entry, &self.settings.national_code_policy) {
                Err(e) => {
                    let message = self.national_code_message(&e);
                    self.fail(message, fx);
                }
                Ok(_) => {
                    let complete = match self.switch_digits_on() {
                        true => switch_digits::code_complete(self.lang()),
                        false => prompts::national_code_complete(self.lang()),
                    };
                    self.speak(complete, false, fx);
                }
            }
        }
    }

    fn national_code_message(&self, e: &kiosk_core::NationalCodeError) -> String {
        match self.lang() {
            Lang::Fa => e.message_fa().to_owned(),
            Lang::En => format!("The national code is not valid: {e}."),
        }
    }

    fn identify(&mut self, text: &str, fx: &mut Vec<Effect>) {
        match NationalCode::parse(text, &self.settings.national_code_policy) {
            Ok(code) => {
                self.session.national_code = Some(code);
                self.session.other_id = None;
                self.session.id_mode = IdMode::NationalCode;
                self.identified(fx);
            }
            Err(e) => {
                if self.screen != Screen::Identify {
                    self.go(Screen::Identify, fx);
                }
                let message = self.national_code_message(&e);
                self.fail(message, fx);
            }
        }
    }

    /// The visitor's identifier was accepted: on to the kind, or to the case being followed up.
    fn identified(&mut self, fx: &mut Vec<Effect>) {
        match self.session.following.take() {
            // Identified for a follow-up: back to the code, and look it up.
            Some(tracking) => {
                self.go(Screen::FollowUpEntry, fx);
                self.session.entry = tracking.as_string();
                self.request_look_up(tracking, fx);
            }
            None => self.go(Screen::Kind, fx),
        }
    }

    fn look_up(&mut self, text: &str, fx: &mut Vec<Effect>) {
        match TrackingCode::parse(text) {
            Ok(code) => match self.session.visitor() {
                Some(_) => self.request_look_up(code, fx),
                None => {
                    // Whose case it is comes next: a case is shown only with both codes.
                    self.session.following = Some(code);
                    self.go(Screen::Identify, fx);
                    let why = prompts::follow_up_needs_identity(self.lang());
                    self.say(why, false, fx);
                }
            },
            Err(e) => {
                let message = match self.lang() {
                    Lang::Fa => e.message_fa().to_owned(),
                    Lang::En => format!("The tracking code is not valid: {e}."),
                };
                self.fail(message, fx);
            }
        }
    }

    /// Asks for the case `code` of the identified visitor.
    fn request_look_up(&mut self, code: TrackingCode, fx: &mut Vec<Effect>) {
        let Some(visitor) = self.session.visitor() else {
            return;
        };
        self.awaiting_lookup.push_back(self.visit);
        fx.push(Effect::LookUp { code, visitor });
    }

    fn perform(&mut self, action: Action, fx: &mut Vec<Effect>) {
        match action {
            Action::Start => self.go(Screen::Identify, fx),
            Action::TrackCase => self.go(Screen::FollowUpEntry, fx),
            Action::RateService => fx.push(Effect::OpenRating(None)),
            Action::OpenAccessibility => {
                if self.screen != Screen::Accessibility {
                    // From the staff-call screen the settings return to where the visitor was
                    // before calling (closing them and then Back from the call screen would
                    // otherwise lose it).
                    if self.screen != Screen::CallStaff {
                        self.return_to = Some((self.screen, self.session.entry.clone()));
                    }
                    self.go(Screen::Accessibility, fx);
                }
            }
            Action::CloseAccessibility => self.return_from_detour(fx),
            Action::SetLang(lang) => {
                self.session.prefs.lang = lang;
                fx.push(Effect::Show(self.screen));
                self.spoke = false;
                self.announce(fx);
            }
            Action::ToggleLowReach => {
                self.session.prefs.low_reach ^= true;
                fx.push(Effect::Show(self.screen));
            }
            Action::ToggleSpeech => {
                self.session.prefs.speech ^= true;
                // Audio-only mode keeps speech on.
                self.session.prefs.speech |= self.session.prefs.audio_only;
                let label = prompts::action_label(
                    &Action::ToggleSpeech,
                    self.lang(),
                    &self.settings.catalogue,
                );
                self.say(label, true, fx);
                fx.push(Effect::Show(self.screen));
            }
            Action::ChooseKind(kind) => {
                self.session.kind = Some(kind);
                self.go(Screen::Subject, fx);
            }
            Action::ChooseSubject(id) => {
                let in_scope = self
                    .settings
                    .catalogue
                    .get(&id)
                    .is_some_and(|s| s.in_scope());
                self.session.subject_id = Some(id);
                self.session.official = None;
                let next = if !in_scope {
                    Screen::Guidance
                } else if self.asks_official() {
                    // Whom the complaint is about decides who handles it (§10-3).
                    Screen::Official
                } else {
                    Screen::Description
                };
                self.go(next, fx);
            }
            Action::ChooseOfficial(tier) => {
                self.session.official = Some(tier);
                if let Some(tier) = tier {
                    let routed = match self.lang() {
                        Lang::Fa => tier.escalation().summary_fa(),
                        Lang::En => tier.escalation().summary_en(),
                    };
                    self.say(routed, true, fx);
                }
                self.go(Screen::Description, fx);
            }
            Action::Phrase(i) => {
                if let Some(text) = prompts::phrase(i, self.lang()) {
                    let d = &mut self.session.description;
                    if !d.is_empty() && !d.ends_with([' ', '\n']) {
                        d.push(' ');
                    }
                    if d.chars().count() + text.chars().count() <= MAX_DESCRIPTION_CHARS {
                        d.push_str(&text);
                        let added = prompts::phrase_added(self.lang(), &text);
                        self.say(added, true, fx);
                    }
                }
            }
            Action::Continue => self.continue_from_screen(fx),
            Action::SkipMobile => {
                // No number, no text messages: the consent goes with it.
                self.session.mobile = None;
                self.session.notice_consent = false;
                self.go(Screen::Review, fx);
            }
            Action::ToggleNoticeConsent => {
                self.session.notice_consent ^= true;
                self.session.error = None;
                fx.push(Effect::Show(self.screen));
                let text = prompts::notice_consent_toggled(
                    self.lang(),
                    self.session.notice_consent,
                    self.session.entry.is_empty() && self.session.mobile.is_none(),
                );
                self.say(text, true, fx);
            }
            Action::Confirm => {
                self.awaiting_registration.push_back(self.visit);
                fx.push(Effect::Register(self.visitor_input()));
                fx.push(Effect::StopIdleTimer);
                self.go(Screen::Printing, fx);
            }
            Action::PrintGuidance => {
                if let Some(subject_id) = self.session.subject_id.clone() {
                    fx.push(Effect::PrintGuidance { subject_id });
                }
            }
            Action::HearCodeAgain => {
                if let Some(view) = &self.session.registered {
                    let text = prompts::registered_summary(view, self.lang());
                    self.say(text, true, fx);
                }
            }
            Action::Back => self.back(fx),
            Action::Cancel | Action::Finish => self.end_session(fx),
            Action::CallStaff => {
                if self.screen != Screen::CallStaff {
                    // Called from the settings: back to where the visitor was before them.
                    if self.screen != Screen::Accessibility {
                        self.return_to = Some((self.screen, self.session.entry.clone()));
                    }
                    self.staff_call_raised();
                    fx.push(Effect::AlertStaff(StaffAlert::CallRequested));
                    self.go(Screen::CallStaff, fx);
                }
            }
            Action::SetTheme(theme) => {
                self.session.prefs.theme = theme;
                fx.push(Effect::Show(self.screen));
            }
            Action::SetTextSize(size) => {
                self.session.prefs.text_size = size;
                fx.push(Effect::Show(self.screen));
            }
            Action::ToggleAudioOnly => self.toggle_audio_only(fx),
            Action::LearnKeys => self.start_learning(fx),
            Action::TypeDigit(digit) => self.switch_digit(digit, fx),
            Action::NoNationalCode => self.no_national_code(fx),
            Action::UseIdentity(kind) => self.use_identity(kind, fx),
            Action::EraseDigit => self.switch_erase(fx),
            Action::Extend => {
                if self.session.idle_warning && self.can_extend() {
                    self.session.extensions_used += 1;
                    self.session.idle_warning = false;
                    fx.push(Effect::ArmIdleTimer);
                    let more = match self.lang() {
                        Lang::Fa => "زمان بیشتری دارید.",
                        Lang::En => "You have more time.",
                    };
                    self.speak(more.to_owned(), true, fx);
                }
            }
        }
    }

    fn continue_from_screen(&mut self, fx: &mut Vec<Effect>) {
        match self.screen {
            // The national code, a foreign identifier or a passport (machine/other_id.rs).
            Screen::Identify => self.identify_entry(fx),
            Screen::Description => {
                let needs_text = !matches!(self.session.kind, Some(CaseKind::Consultation));
                if needs_text && self.session.description.trim().is_empty() {
                    let message = match self.lang() {
                        Lang::Fa => "لطفاً شرح درخواست را بنویسید یا یکی از جمله‌های آماده را بزنید.",
                        Lang::En => "Please describe your case or choose a ready phrase.",
                    };
                    self.fail(message.to_owned(), fx);
                } else {
                    self.go(Screen::Mobile, fx);
                }
            }
            Screen::Mobile => {
                if self.session.entry.is_empty() {
                    // Text messages were agreed to, but to no number: said, and nothing moves.
                    if self.session.notice_consent {
                        let message = prompts::notice_consent_needs_mobile(self.lang());
                        self.fail(message, fx);
                        return;
                    }
                    self.session.mobile = None;
                    self.go(Screen::Review, fx);
                    return;
                }
                match MobileNumber::parse(&self.session.entry) {
                    Ok(mobile) => {
                        self.session.mobile = Some(mobile);
                        self.go(Screen::Review, fx);
                    }
                    Err(e) => {
                        let message = match self.lang() {
                            Lang::Fa => e.message_fa().to_owned(),
                            Lang::En => format!("The mobile number is not valid: {e}."),
                        };
                        self.fail(message, fx);
                    }
                }
            }
            Screen::FollowUpEntry => {
                let entry = self.session.entry.clone();
                self.look_up(&entry, fx);
            }
            _ => {}
        }
    }

    fn back(&mut self, fx: &mut Vec<Effect>) {
        if self.screen == Screen::Identify && self.identify_back(fx) {
            return;
        }
        let target = match self.screen {
            Screen::Identify if self.session.following.is_some() => {
                self.session.following = None;
                Screen::FollowUpEntry
            }
            Screen::Identify | Screen::FollowUpEntry => return self.end_session(fx),
            Screen::Kind => Screen::Identify,
            Screen::Subject => Screen::Kind,
            Screen::Description if self.asks_official() => Screen::Official,
            Screen::Guidance | Screen::Description | Screen::Official => Screen::Subject,
            Screen::Mobile => Screen::Description,
            Screen::Review => Screen::Mobile,
            Screen::FollowUp => Screen::FollowUpEntry,
            Screen::CallStaff | Screen::Accessibility => return self.return_from_detour(fx),
            other => other,
        };
        self.go(target, fx);
    }

    /// Back from the accessibility options or a staff call to where the visitor was, with
    /// what they were typing.
    fn return_from_detour(&mut self, fx: &mut Vec<Effect>) {
        let (screen, entry) = self
            .return_to
            .take()
            .unwrap_or((Screen::Attract, String::new()));
        match screen {
            // A registration that failed while the visitor was away: its message.
            Screen::Error => {
                self.go(screen, fx);
                self.fail(entry, fx);
            }
            // A receipt answered while the visitor was away: what it says, as on arrival
            // (the screen's own speech reads the code).
            Screen::Done | Screen::PrinterOut => self.go(screen, fx),
            // What was being typed comes back, and is read after the screen's title.
            _ => self.go_with_entry(screen, entry, fx),
        }
    }

    /// Whether the visitor is asked whom the complaint is about: a complaint on a subject
    /// that may concern officials (seed 000 §10-3).
    fn asks_official(&self) -> bool {
        self.session.kind == Some(CaseKind::Complaint)
            && self
                .session
                .subject_id
                .as_deref()
                .and_then(|id| self.settings.catalogue.get(id))
                .is_some_and(|s| s.about_officials)
    }

    fn visitor_input(&self) -> VisitorInput {
        let s = &self.session;
        let subject = s
            .subject_id
            .as_deref()
            .and_then(|id| self.settings.catalogue.get(id));
        VisitorInput {
            national_code: s
                .national_code
                .as_ref()
                .map(NationalCode::as_string)
                .unwrap_or_default(),
            other_id: s.other_id.as_ref().map(|v| crate::input::OtherId {
                kind: v.kind(),
                value: v.value(),
                country: v.country().map(|c| c.alpha3.to_owned()).unwrap_or_default(),
            }),
            kind: s.kind,
            subject_id: s.subject_id.clone().unwrap_or_default(),
            service_id: subject.and_then(|s| s.service_id.clone()),
            description: s.description.clone(),
            mobile: s
                .mobile
                .as_ref()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            official: s.official.flatten(),
            notice_consent: s.notice_consent && s.mobile.is_some(),
        }
    }

    /// Moves to a screen: clears what belonged to the last one, shows and announces it.
    fn go(&mut self, screen: Screen, fx: &mut Vec<Effect>) {
        self.go_with_entry(screen, String::new(), fx);
    }

    /// Moves to a screen with `entry` already in its field (back from a detour).
    fn go_with_entry(&mut self, screen: Screen, entry: String, fx: &mut Vec<Effect>) {
        self.screen = screen;
        self.session.entry = entry;
        self.session.error = None;
        self.session.focus = 0;
        fx.push(Effect::Show(screen));
        // A new screen cuts off whatever was being said.
        self.spoke = false;
        self.announce(fx);
    }

    /// Says the current screen: its title (cutting in), then its content and the focused
    /// action, queued behind it so nothing of it is cut off.
    fn announce(&mut self, fx: &mut Vec<Effect>) {
        let title = self.title();
        self.say(title, true, fx);
        for line in self.for_switch_user(self.screen_content()) {
            self.say(line, false, fx);
        }
    }

    /// What the current screen shows beyond its title, as sentences to say.
    fn screen_content(&self) -> Vec<String> {
        let lang = self.lang();
        let s = &self.session;
        let catalogue = &self.settings.catalogue;
        let labels = |actions: &[Action]| -> Vec<String> {
            actions
                .iter()
                .map(|a| prompts::action_label(a, lang, catalogue))
                .collect()
        };
        let mut lines = Vec::new();
        match self.screen {
            Screen::Attract => lines.push(prompts::attract_keys(lang)),
            Screen::Accessibility | Screen::Kind | Screen::Subject | Screen::Official => {
                let actions: Vec<Action> = self
                    .actions()
                    .into_iter()
                    .filter(|a| {
                        !matches!(a, Action::Back | Action::Cancel | Action::OpenAccessibility)
                    })
                    .collect();
                if actions.is_empty() {
                    lines.push(match lang {
                        Lang::Fa => "موضوعی پیدا نشد.".to_owned(),
                        Lang::En => "No subject found.".to_owned(),
                    });
                } else {
                    lines.push(prompts::choices(lang, &labels(&actions)));
                }
                lines.extend(prompts::entry_how(self.screen, lang));
            }
            Screen::Identify | Screen::Mobile | Screen::FollowUpEntry => {
                let other = (self.screen == Screen::Identify)
                    .then(|| other_id::how(s.id_mode, lang))
                    .flatten();
                match (other, self.switch_digits_how()) {
                    (Some(how), _) => lines.push(how),
                    (None, Some(how)) => lines.push(how),
                    (None, None) => lines.extend(prompts::entry_how(self.screen, lang)),
                }
                if !s.entry.is_empty() {
                    let typed = prompts::digits_in_groups(&s.entry, &[4, 4, 4, 4], lang);
                    lines.push(prompts::so_far(lang, &typed));
                }
                if self.screen == Screen::Mobile {
                    lines.push(prompts::notice_consent_state(lang, s.notice_consent));
                }
            }
            Screen::Description => {
                if !s.description.is_empty() {
                    lines.push(prompts::so_far(lang, &s.description));
                }
                lines.extend(prompts::entry_how(self.screen, lang));
            }
            Screen::Guidance => {
                let subject = s.subject_id.as_deref().and_then(|id| catalogue.get(id));
                if let Some(subject) = subject {
                    let (label, guidance) = match lang {
                        Lang::Fa => (&subject.label_fa, subject.guidance_fa.as_ref()),
                        Lang::En => (&subject.label_en, subject.guidance_en.as_ref()),
                    };
                    let guidance = guidance.or(subject.guidance_fa.as_ref());
                    lines.extend(prompts::guidance_lines(
                        lang,
                        label,
                        guidance.map(String::as_str).unwrap_or_default(),
                    ));
                }
            }
            Screen::Review => lines.extend(self.review_lines()),
            Screen::Done | Screen::PrinterOut => {
                if let Some(view) = &s.registered {
                    lines.push(prompts::registered_summary(view, lang));
                    lines.push(prompts::receipt_summary(
                        lang,
                        self.screen == Screen::Done,
                        self.session.switch_input,
                    ));
                }
            }
            Screen::FollowUp => {
                if let Some(view) = &s.follow_up {
                    let code = prompts::digits_in_groups(
                        &view.tracking_code.as_string(),
                        &[4, 4, 4, 4],
                        lang,
                    );
                    lines.push(prompts::field(lang, "کد رهگیری", "Tracking code", &code));
                    lines.push(prompts::timeline_count(lang, view.timeline.len()));
                    lines.extend(
                        view.timeline
                            .iter()
                            .map(|entry| prompts::timeline_line(lang, entry)),
                    );
                }
            }
            Screen::Printing | Screen::CallStaff | Screen::Error => {}
        }
        // Where the focus ring starts (the keypad's Enter performs it).
        if let Some(action) = self.focused()
            && !matches!(
                self.screen,
                Screen::Accessibility | Screen::Kind | Screen::Subject
            )
        {
            let label = prompts::action_label(&action, lang, catalogue);
            lines.push(match lang {
                Lang::Fa => format!("انتخاب فعلی: {label}."),
                Lang::En => format!("Selected: {label}."),
            });
        }
        lines
    }

    /// The review screen, field by field: kind, subject, description, the national code digit
    /// by digit in groups, the mobile number (or that there is none), then what to do.
    fn review_lines(&self) -> Vec<String> {
        let lang = self.lang();
        let s = &self.session;
        let mut lines = Vec::new();
        if let Some(kind) = s.kind {
            let kind = prompts::kind_label(kind, lang);
            lines.push(prompts::field(lang, "نوع", "Kind", &kind));
        }
        if let Some(subject) = s
            .subject_id
            .as_deref()
            .and_then(|id| self.settings.catalogue.get(id))
        {
            let label = match lang {
                Lang::Fa => &subject.label_fa,
                Lang::En => &subject.label_en,
            };
            lines.push(prompts::field(lang, "موضوع", "Subject", label));
        }
        if let Some(Some(tier)) = s.official {
            let authority = tier.escalation().authority;
            let to = match lang {
                Lang::Fa => authority.label_fa(),
                Lang::En => authority.label_en(),
            };
            lines.push(prompts::field(
                lang,
                "رسیدگی به شکایت از مسئولان",
                "Complaint about an official, handled by",
                to,
            ));
        }
        let description = match (s.description.trim().is_empty(), lang) {
            (false, _) => s.description.clone(),
            (true, Lang::Fa) => "ندارد".to_owned(),
            (true, Lang::En) => "none".to_owned(),
        };
        lines.push(prompts::field(lang, "شرح", "Description", &description));
        if let Some(code) = &s.national_code {
            let digits = match self.private_audio {
                true => prompts::digits_in_groups(&code.as_string(), &[3, 3, 4], lang),
                false => prompts::last_four(&code.as_string(), lang),
            };
            lines.push(prompts::field(lang, "کد ملی", "National code", &digits));
        }
        lines.push(match &s.mobile {
            Some(m) => {
                let digits = match self.private_audio {
                    true => prompts::digits_in_groups(m.as_str(), &[4, 3, 4], lang),
                    false => prompts::last_four(m.as_str(), lang),
                };
                prompts::field(lang, "شماره همراه", "Mobile", &digits)
            }
            None => match lang {
                Lang::Fa => "بدون شماره همراه.".to_owned(),
                Lang::En => "No mobile number.".to_owned(),
            },
        });
        let notices = s.notice_consent && s.mobile.is_some();
        lines.push(prompts::field(
            lang,
            "پیامک",
            "Text messages",
            &prompts::notices_sent(lang, notices),
        ));
        lines.push(prompts::review_next(lang));
        lines
    }

    /// An action's label as said when the focus reaches it: a checkbox says whether it is
    /// ticked («…، انتخاب نشده»), as a first touch on it does.
    fn focus_label(&self, action: &Action) -> String {
        let label = prompts::action_label(action, self.lang(), &self.settings.catalogue);
        match action {
            Action::ToggleNoticeConsent => {
                prompts::with_state(self.lang(), &label, self.session.notice_consent)
            }
            _ => label,
        }
    }

    /// Shows (and speaks) a mistake the visitor can fix, then what to do next.
    fn fail(&mut self, message: String, fx: &mut Vec<Effect>) {
        self.session.error = Some(message.clone());
        fx.push(Effect::Show(self.screen));
        self.say(message, true, fx);
        let hint = prompts::fix_hint(self.screen, self.lang());
        self.say(hint, false, fx);
    }

    /// Says `text` and keeps it for the repeat key.
    fn say(&mut self, text: String, interrupt: bool, fx: &mut Vec<Effect>) {
        if !self.said_this_event {
            self.said_this_event = true;
            self.last_said.clear();
        }
        self.last_said.push(text.clone());
        self.session.last_spoken = Some(self.last_said.join(" "));
        self.speak(text, interrupt, fx);
    }

    /// Says `text` in speech mode without keeping it for the repeat key (an echo, a level,
    /// help). Only the first utterance of an event may cut off what is being said (a new
    /// screen resets that, see [`Flow::go_with_entry`]); the rest wait their turn.
    fn speak(&mut self, text: String, interrupt: bool, fx: &mut Vec<Effect>) {
        if self.session.prefs.speech {
            fx.push(Effect::Speak {
                text,
                interrupt: interrupt && !self.spoke,
            });
            self.spoke = true;
        }
    }

    /// The session is over: everything about the visitor is forgotten and every setting
    /// returns to its default.
    fn end_session(&mut self, fx: &mut Vec<Effect>) {
        let speech = self.session.prefs.speech;
        let switches = self.session.switch_input;
        self.visit += 1;
        self.session = Session::default();
        self.return_to = None;
        self.last_said.clear();
        fx.push(Effect::WipeSession);
        fx.push(Effect::StopIdleTimer);
        if self.levels != SpeechLevels::default() {
            self.levels = SpeechLevels::default();
            fx.push(Effect::SetSpeech(self.levels));
        }
        self.screen = Screen::Attract;
        fx.push(Effect::Show(Screen::Attract));
        // The visitor who listened hears that it is over (the screen is Persian again).
        if speech {
            fx.push(Effect::Speak {
                text: prompts::farewell(switches),
                interrupt: true,
            });
        }
    }
}
