//! [`Flow::step`]: the transitions of the visitor journey.

use std::collections::VecDeque;

use kiosk_core::{
    CaseKind, Catalogue, MobileNumber, NationalCode, NationalCodePolicy, TrackingCode,
};

use super::action::Action;
use super::effect::{Effect, StaffAlert};
use super::event::{Event, PrinterProblem, RegisteredView};
use super::prompts;
use super::session::{Lang, Screen, Session};
use crate::input::{MAX_DESCRIPTION_CHARS, VisitorInput};

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
    /// Which visitor this is (counted up at the end of every session): an answer that comes
    /// back for an earlier visitor must not land in this one's session.
    visit: u64,
    /// Registrations handed over and not answered, oldest first, by visit (answers come back
    /// in the order the jobs were handed over).
    awaiting_registration: VecDeque<u64>,
    /// Receipts sent to print and not answered, oldest first, by visit.
    awaiting_print: VecDeque<(u64, RegisteredView)>,
}

impl Flow {
    /// A kiosk waiting for its first visitor.
    pub fn new(mut settings: FlowSettings) -> Self {
        settings.max_extensions = settings.max_extensions.max(MIN_EXTENSIONS);
        Self {
            screen: Screen::Attract,
            return_to: None,
            session: Session::default(),
            settings,
            visit: 0,
            awaiting_registration: VecDeque::new(),
            awaiting_print: VecDeque::new(),
        }
    }

    /// The screen showing.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// What the visitor has entered and chosen.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The catalogue the subject screen lists.
    pub fn catalogue(&self) -> &Catalogue {
        &self.settings.catalogue
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
            Screen::Accessibility => vec![
                Action::SetLang(Lang::Fa),
                Action::SetLang(Lang::En),
                Action::CycleTextSize,
                Action::ToggleHighContrast,
                Action::ToggleLowReach,
                Action::ToggleSpeech,
                Action::CloseAccessibility,
            ],
            Screen::Identify => vec![Action::Continue, Action::Back, Action::CallStaff],
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
            Screen::Description => {
                let mut v = vec![Action::Continue];
                v.extend((0..prompts::PHRASE_COUNT).map(Action::Phrase));
                v.extend([Action::Back, Action::Cancel]);
                v
            }
            Screen::Mobile => vec![
                Action::Continue,
                Action::SkipMobile,
                Action::Back,
                Action::Cancel,
            ],
            Screen::Review => vec![Action::Confirm, Action::Back, Action::Cancel],
            Screen::Printing => Vec::new(),
            Screen::Done => vec![Action::Finish],
            Screen::PrinterOut | Screen::Error => vec![Action::Finish, Action::CallStaff],
            Screen::FollowUpEntry => vec![Action::Continue, Action::Back],
            Screen::FollowUp => vec![Action::Finish, Action::Back],
            Screen::CallStaff => vec![Action::Back],
        };
        if self.session.idle_warning && self.can_extend() {
            actions.insert(0, Action::Extend);
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
        // A tap on an action this screen does not offer (the eleventh "more time", a stale tap)
        // did nothing, so it is not a sign of a visitor at the screen either.
        let offered = match &event {
            Event::Do(action) => self.is_offered(action),
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
                    | Event::TrackingScanned(_)
                    | Event::SatisfactionScanned(_)
                    | Event::Repeat
                    | Event::HeadphonesIn
            );
        self.handle(event, &mut fx);
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
                        let label =
                            prompts::action_label(&action, self.lang(), &self.settings.catalogue);
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
            Event::Backspace => {
                let field = if self.screen == Screen::Description {
                    &mut self.session.description
                } else {
                    &mut self.session.entry
                };
                field.pop();
                self.session.focus = 0;
                if self.screen == Screen::Identify {
                    self.session.error = None;
                }
            }
            Event::IdentityRead(text) => {
                if matches!(self.screen, Screen::Attract | Screen::Identify) {
                    self.identify(&text, fx);
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
            Event::RatingEnded => {
                if self.screen == Screen::Attract {
                    self.end_session(fx);
                }
            }
            Event::Registered(view) => self.registered(view, fx),
            Event::RegistrationFailed { message } => self.registration_failed(message, fx),
            Event::Printed => self.receipt_answered(None, fx),
            Event::PrintFailed(problem) => self.receipt_answered(Some(problem), fx),
            Event::FollowUpResult(found) if self.screen == Screen::FollowUpEntry => match found {
                Some(view) => {
                    self.session.follow_up = Some(view);
                    self.go(Screen::FollowUp, fx);
                }
                None => {
                    let message = prompts::tracking_not_found(self.lang());
                    self.fail(message, fx);
                }
            },
            Event::FollowUpResult(_) => {}
            Event::IdleWarning => {
                if !matches!(self.screen, Screen::Attract | Screen::Printing) {
                    self.session.idle_warning = true;
                    self.session.focus = 0;
                    let warning = prompts::idle_warning(self.lang(), self.can_extend());
                    self.say(warning, true, fx);
                }
            }
            Event::IdleExpired => {
                if !matches!(self.screen, Screen::Attract | Screen::Printing) {
                    self.end_session(fx);
                }
            }
            Event::Repeat => {
                if let Some(text) = self.session.last_spoken.clone() {
                    self.say(text, true, fx);
                }
            }
            Event::HeadphonesIn => {
                self.session.prefs.speech = true;
                let prompt = prompts::screen_prompt(self.screen, self.lang());
                self.say(prompt, true, fx);
            }
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
        let Some((visit, view)) = self.awaiting_print.pop_front() else {
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
        let summary = prompts::registered_summary(&view, self.lang());
        self.say(summary, false, fx);
        fx.push(Effect::ArmIdleTimer);
    }

    fn type_char(&mut self, c: char, fx: &mut Vec<Effect>) {
        match self.screen {
            Screen::Identify if c.is_ascii_digit() && self.session.entry.len() < 10 => {
                self.session.entry.push(c);
                self.live_check(fx);
            }
            Screen::Mobile if c.is_ascii_digit() && self.session.entry.len() < 11 => {
                self.session.entry.push(c);
                self.session.error = None;
            }
            Screen::FollowUpEntry if c.is_ascii_digit() && self.session.entry.len() < 16 => {
                self.session.entry.push(c);
                self.session.error = None;
            }
            Screen::Subject if !c.is_control() && self.session.entry.chars().count() < 40 => {
                self.session.entry.push(c);
                self.session.focus = 0;
            }
            Screen::Description
                if (!c.is_control() || c == '\n')
                    && self.session.description.chars().count() < MAX_DESCRIPTION_CHARS =>
            {
                self.session.description.push(c);
            }
            _ => {}
        }
    }

    /// Live checksum feedback: judged as soon as ten digits are in.
    fn live_check(&mut self, fx: &mut Vec<Effect>) {
        self.session.error = None;
        if self.session.entry.len() == 10
            && let Err(e) =
                NationalCode::parse(&self.session.entry, &self.settings.national_code_policy)
        {
            let message = self.national_code_message(&e);
            self.fail(message, fx);
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
                self.go(Screen::Kind, fx);
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

    fn look_up(&mut self, text: &str, fx: &mut Vec<Effect>) {
        match TrackingCode::parse(text) {
            Ok(code) => fx.push(Effect::LookUp(code)),
            Err(e) => {
                let message = match self.lang() {
                    Lang::Fa => e.message_fa().to_owned(),
                    Lang::En => format!("The tracking code is not valid: {e}."),
                };
                self.fail(message, fx);
            }
        }
    }

    fn perform(&mut self, action: Action, fx: &mut Vec<Effect>) {
        match action {
            Action::Start => self.go(Screen::Identify, fx),
            Action::TrackCase => self.go(Screen::FollowUpEntry, fx),
            Action::RateService => fx.push(Effect::OpenRating(None)),
            Action::OpenAccessibility => {
                if self.screen != Screen::Accessibility {
                    self.return_to = Some((self.screen, self.session.entry.clone()));
                    self.go(Screen::Accessibility, fx);
                }
            }
            Action::CloseAccessibility => self.return_from_detour(fx),
            Action::SetLang(lang) => {
                self.session.prefs.lang = lang;
                let prompt = prompts::screen_prompt(self.screen, lang);
                self.say(prompt, true, fx);
                fx.push(Effect::Show(self.screen));
            }
            Action::CycleTextSize => {
                self.session.prefs.text_size = self.session.prefs.text_size.next();
                fx.push(Effect::Show(self.screen));
            }
            Action::ToggleHighContrast => {
                self.session.prefs.high_contrast ^= true;
                fx.push(Effect::Show(self.screen));
            }
            Action::ToggleLowReach => {
                self.session.prefs.low_reach ^= true;
                fx.push(Effect::Show(self.screen));
            }
            Action::ToggleSpeech => {
                self.session.prefs.speech ^= true;
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
                self.go(
                    if in_scope {
                        Screen::Description
                    } else {
                        Screen::Guidance
                    },
                    fx,
                );
            }
            Action::Phrase(i) => {
                if let Some(text) = prompts::phrase(i, self.lang()) {
                    let d = &mut self.session.description;
                    if !d.is_empty() && !d.ends_with([' ', '\n']) {
                        d.push(' ');
                    }
                    if d.chars().count() + text.chars().count() <= MAX_DESCRIPTION_CHARS {
                        d.push_str(&text);
                    }
                }
            }
            Action::Continue => self.continue_from_screen(fx),
            Action::SkipMobile => {
                self.session.mobile = None;
                self.go(Screen::Review, fx);
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
            Action::Back => self.back(fx),
            Action::Cancel | Action::Finish => self.end_session(fx),
            Action::CallStaff => {
                if self.screen != Screen::CallStaff {
                    self.return_to = Some((self.screen, self.session.entry.clone()));
                    fx.push(Effect::AlertStaff(StaffAlert::CallRequested));
                    self.go(Screen::CallStaff, fx);
                }
            }
            Action::Extend => {
                if self.session.idle_warning && self.can_extend() {
                    self.session.extensions_used += 1;
                    self.session.idle_warning = false;
                    fx.push(Effect::ArmIdleTimer);
                }
            }
        }
    }

    fn continue_from_screen(&mut self, fx: &mut Vec<Effect>) {
        match self.screen {
            Screen::Identify => {
                let entry = self.session.entry.clone();
                self.identify(&entry, fx);
            }
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
        let target = match self.screen {
            Screen::Identify | Screen::FollowUpEntry => return self.end_session(fx),
            Screen::Kind => Screen::Identify,
            Screen::Subject => Screen::Kind,
            Screen::Guidance | Screen::Description => Screen::Subject,
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
        self.go(screen, fx);
        match screen {
            // A registration that failed while the visitor was away: its message.
            Screen::Error => self.fail(entry, fx),
            // A receipt answered while the visitor was away: what it says, as on arrival.
            Screen::Done | Screen::PrinterOut => {
                if let Some(view) = self.session.registered.clone() {
                    let summary = prompts::registered_summary(&view, self.lang());
                    self.say(summary, false, fx);
                }
            }
            _ => self.session.entry = entry,
        }
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
            kind: s.kind,
            subject_id: s.subject_id.clone().unwrap_or_default(),
            service_id: subject.and_then(|s| s.service_id.clone()),
            description: s.description.clone(),
            mobile: s
                .mobile
                .as_ref()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
        }
    }

    /// Moves to a screen: clears what belonged to the last one, shows and announces it.
    fn go(&mut self, screen: Screen, fx: &mut Vec<Effect>) {
        self.screen = screen;
        self.session.entry.clear();
        self.session.error = None;
        self.session.focus = 0;
        fx.push(Effect::Show(screen));
        let prompt = prompts::screen_prompt(screen, self.lang());
        self.say(prompt, true, fx);
    }

    /// Shows (and speaks) a mistake the visitor can fix.
    fn fail(&mut self, message: String, fx: &mut Vec<Effect>) {
        self.session.error = Some(message.clone());
        fx.push(Effect::Show(self.screen));
        self.say(message, true, fx);
    }

    fn say(&mut self, text: String, interrupt: bool, fx: &mut Vec<Effect>) {
        if self.session.prefs.speech {
            fx.push(Effect::Speak {
                text: text.clone(),
                interrupt,
            });
        }
        self.session.last_spoken = Some(text);
    }

    /// The session is over: everything about the visitor is forgotten and every setting
    /// returns to its default.
    fn end_session(&mut self, fx: &mut Vec<Effect>) {
        self.visit += 1;
        self.session = Session::default();
        self.return_to = None;
        fx.push(Effect::WipeSession);
        fx.push(Effect::StopIdleTimer);
        self.screen = Screen::Attract;
        fx.push(Effect::Show(Screen::Attract));
    }
}
