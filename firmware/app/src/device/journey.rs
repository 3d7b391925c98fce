//! Which journey the device is running, and how device events, taps and the clock reach it.
//!
//! A visitor kiosk runs the visitor journey ([`crate::flow::Flow`], inside the runtime's
//! `Kiosk`) and hands over to the rating journey ([`RatingFlow`]) when the visitor taps «rate a
//! service» or scans a satisfaction code on the attract screen; when the rating is over (or the
//! visitor walked away) the visitor session ends and every setting returns to its default. A
//! service-desk terminal (`mode = "desk"`) runs the staff journey ([`DeskFlow`]) only. One enum
//! says which is active, so every entry point of the [`Device`] makes one `match`.
//!
//! Store work of the rating and desk journeys is carried out here through the flows' own
//! `perform` functions, against the kiosk's store, its clock and the fleet's public keys.

use std::time::Instant;

use kiosk_config::devices::SwitchMode;
use kiosk_ui::{Prefs, UiInput};

use super::{Device, IdleStep};
use crate::flow::desk::{self, DeskAction, DeskContext, DeskEffect, DeskEvent, DeskFlow};
use crate::flow::rating::{
    self, RatingAction, RatingContext, RatingEffect, RatingEvent, RatingFlow, RatingInput,
    RatingScreen,
};
use crate::flow::{Action, Event, MIN_EXTENSIONS, SwitchPress};
use crate::runtime::{Answer, Job, PrintSink, ReprintOutcome};
use crate::ui_bridge;

/// The journey the device runs now.
#[derive(Debug)]
pub enum Journey {
    /// The visitor journey (the runtime's flow).
    Visitor,
    /// A visitor rating a service.
    Rating(Box<RatingJourney>),
    /// Staff at the service-desk terminal.
    Desk(Box<DeskFlow>),
}

/// A rating in progress, with what it keeps of the visitor's session.
#[derive(Debug)]
pub struct RatingJourney {
    /// The rating flow.
    pub flow: RatingFlow,
    /// Display preferences of the visitor's session.
    pub prefs: Prefs,
    /// Whether the visitor turned speech on.
    pub speech: bool,
    /// The inactivity warning shows.
    pub idle_warning: bool,
    /// How many times more time was asked for.
    pub extensions_used: u8,
}

impl RatingJourney {
    /// More time can still be asked for.
    pub fn can_extend(&self) -> bool {
        self.extensions_used < MIN_EXTENSIONS
    }
}

/// The rating event a device event means (scanner, tactile keypad).
fn rating_event_of(flow: &RatingFlow, event: Event) -> Option<RatingEvent> {
    Some(match event {
        Event::SatisfactionScanned(text) => RatingEvent::CodeScanned(text),
        Event::FocusNext | Event::Switch(SwitchPress::Move) => RatingEvent::FocusNext,
        Event::FocusPrev => RatingEvent::FocusPrev,
        Event::Activate | Event::Switch(SwitchPress::Select) => RatingEvent::Activate,
        Event::Do(Action::Back | Action::Cancel) => {
            let back = if flow.actions().contains(&RatingAction::Back) {
                RatingAction::Back
            } else {
                RatingAction::Finish
            };
            RatingEvent::Do(back)
        }
        _ => return None,
    })
}

/// The desk event a device event means: anything scanned (staff card, receipt, satisfaction
/// code) is a scan; keys type and move the focus.
fn desk_event_of(event: Event) -> Option<DeskEvent> {
    Some(match event {
        Event::StaffCardScanned(text)
        | Event::SatisfactionScanned(text)
        | Event::TrackingScanned(text) => DeskEvent::Scanned(text),
        Event::Digit(d) => DeskEvent::Digit(d),
        // Digits typed on a keyboard (ASCII or Persian) are digits everywhere (PIN, service).
        Event::Char(c) => match kiosk_core::digits::digit_value(c) {
            Some(d) => DeskEvent::Digit(d),
            None => DeskEvent::Char(c),
        },
        Event::Backspace => DeskEvent::Backspace,
        Event::FocusNext | Event::Switch(SwitchPress::Move) => DeskEvent::FocusNext,
        Event::FocusPrev => DeskEvent::FocusPrev,
        Event::Activate | Event::Switch(SwitchPress::Select) => DeskEvent::Activate,
        Event::Do(Action::Back | Action::Cancel) => DeskEvent::Do(DeskAction::Back),
        Event::IdleExpired => DeskEvent::IdleExpired,
        _ => return None,
    })
}

impl<P: PrintSink> Device<P> {
    /// The visitor asked to rate (from the attract screen): the rating journey starts in the
    /// session's language and display preferences, with the code when one was scanned.
    pub(super) fn open_rating(&mut self, scanned: Option<String>) {
        let session = self.kiosk.flow().session();
        let lang = session.prefs.lang;
        let speech = session.prefs.speech;
        let prefs = ui_bridge::view_model(self.kiosk.flow(), &self.portal_url).prefs;
        let mut flow = RatingFlow::new(lang);
        flow.input = self.rating_input_method();
        let first = match scanned {
            Some(code) => flow.step(RatingEvent::CodeScanned(code)),
            None => {
                let title = flow.title();
                vec![
                    RatingEffect::Show(RatingScreen::Scan),
                    RatingEffect::Speak(title),
                ]
            }
        };
        tracing::info!("rating journey opened");
        self.journey = Journey::Rating(Box::new(RatingJourney {
            flow,
            prefs,
            speech,
            idle_warning: false,
            extensions_used: 0,
        }));
        self.run_rating(first);
    }

    /// How a rating visitor moves and chooses: by switches once they used them (checked on the
    /// attract screen, or pressed during this rating), else by keys.
    pub(super) fn rating_input_method(&self) -> RatingInput {
        match &self.switches {
            Some(access) if access.active() => match access.mode() {
                SwitchMode::Two => RatingInput::TwoSwitches,
                SwitchMode::Scan => RatingInput::ScanningSwitch,
            },
            _ => RatingInput::Keys,
        }
    }

    /// A tap or key during the rating journey.
    pub(super) fn rating_input(&mut self, input: &UiInput) -> bool {
        let Journey::Rating(r) = &mut self.journey else {
            return false;
        };
        if r.idle_warning {
            let extend = match input {
                UiInput::Action(id) => id == ui_bridge::rating::EXTEND_ID,
                UiInput::Activate => true,
                _ => false,
            };
            if extend && r.can_extend() {
                r.idle_warning = false;
                r.extensions_used += 1;
                return true;
            }
        }
        match ui_bridge::rating::event_for(&r.flow, input) {
            Some(event) => {
                r.idle_warning = false;
                let effects = r.flow.step(event);
                self.run_rating(effects);
                true
            }
            None => false,
        }
    }

    /// A device event during the rating journey.
    pub(super) fn rating_device_event(&mut self, event: Event) {
        let Journey::Rating(r) = &mut self.journey else {
            return;
        };
        match event {
            Event::Repeat => {
                let again = r.flow.announcement();
                self.run_rating(again.into_iter().map(RatingEffect::Speak).collect());
                return;
            }
            Event::Help => {
                // The Help key speaks even when speech was off (as in the visitor journey).
                r.speech = true;
                let help = r.flow.help();
                self.run_rating(help.into_iter().map(RatingEffect::Speak).collect());
                return;
            }
            // The levels are the visitor session's: its flow keeps them and says the new one.
            Event::Volume(_) | Event::Speed(_) => {
                if r.speech {
                    self.kiosk.handle(event);
                    self.after_events();
                }
                return;
            }
            _ => {}
        }
        if let Some(event) = rating_event_of(&r.flow, event) {
            r.idle_warning = false;
            let effects = r.flow.step(event);
            self.run_rating(effects);
        }
    }

    /// Carries out the rating flow's effects (and those of its answers) until it is quiet.
    fn run_rating(&mut self, effects: Vec<RatingEffect>) {
        let mut queue = std::collections::VecDeque::from(effects);
        let mut done = false;
        // The first thing said in answer to an input cuts off what was being said (the visitor
        // moved on); what follows it in the same answer (the faces after the title) waits.
        let mut interrupt = true;
        while let Some(effect) = queue.pop_front() {
            let Journey::Rating(r) = &mut self.journey else {
                return;
            };
            match &effect {
                RatingEffect::Show(screen) => tracing::info!(?screen, "rating screen"),
                RatingEffect::Speak(text) => {
                    if r.speech {
                        let (text, lang) = (text.clone(), r.flow.lang);
                        self.say(&text, lang, interrupt);
                        interrupt = false;
                    }
                }
                RatingEffect::Done => done = true,
                RatingEffect::Check(_) | RatingEffect::Record { .. } => {
                    let number = self.kiosk.config().kiosk_number;
                    let keys = &self.keys;
                    let mut backend = self.kiosk.backend_mut();
                    let now = backend.now();
                    let mut ctx = RatingContext {
                        store: backend.store_mut(),
                        keys: |k| keys.all_of(k),
                        kiosk: number,
                        now,
                        lang: r.flow.lang,
                        portal: &self.portal,
                    };
                    if let Some(answer) = rating::perform(&mut ctx, &effect) {
                        if answer == RatingEvent::Recorded
                            && let Some(wake) = &self.outbox_waker
                        {
                            wake();
                        }
                        queue.extend(r.flow.step(answer));
                    }
                }
            }
        }
        if done {
            self.end_rating();
        }
    }

    /// The rating journey is over: back to the attract screen, the visitor's session wiped.
    fn end_rating(&mut self) {
        tracing::info!("rating journey ended");
        let switches = self.rating_input_method() != RatingInput::Keys;
        self.journey = Journey::Visitor;
        self.kiosk.handle(Event::RatingEnded { switches });
        self.after_events();
    }

    /// The clock during the rating journey: the same warning and wipe as the visitor journey.
    pub(super) fn rating_tick(&mut self, now: Instant) -> bool {
        let Journey::Rating(r) = &mut self.journey else {
            return false;
        };
        if matches!(r.flow.screen, RatingScreen::Checking | RatingScreen::Saving) {
            return false;
        }
        let switches = self.rating_input_method() != RatingInput::Keys;
        let Journey::Rating(r) = &mut self.journey else {
            return false;
        };
        match self.idle.check(now) {
            None => false,
            Some(IdleStep::Warn) => {
                r.idle_warning = true;
                let seconds = u32::try_from(self.idle.times().expire_after.as_secs()).ok();
                let warning = crate::flow::prompts::idle_warning_spoken(
                    r.flow.lang,
                    r.can_extend(),
                    seconds,
                    switches,
                );
                if r.speech {
                    let lang = r.flow.lang;
                    self.say(&warning, lang, false);
                }
                true
            }
            Some(IdleStep::Expire) => {
                tracing::info!("inactivity: rating journey ended");
                self.end_rating();
                true
            }
        }
    }

    /// A tap or key at the desk terminal.
    pub(super) fn desk_input(&mut self, input: &UiInput) -> bool {
        // The office's staff calls cover the page while they show (device/office_calls.rs).
        if self.office_calls_input(input) {
            return true;
        }
        let Journey::Desk(flow) = &mut self.journey else {
            return false;
        };
        match ui_bridge::desk::event_for(flow, input) {
            Some(event) => {
                self.run_desk(event);
                true
            }
            None => false,
        }
    }

    /// A device event at the desk terminal.
    pub(super) fn desk_device_event(&mut self, event: Event) {
        // The call-staff key answers the oldest of the office's open staff calls.
        if matches!(event, Event::Do(Action::CallStaff)) && self.office_calls_key() {
            return;
        }
        if let Some(event) = desk_event_of(event) {
            self.run_desk(event);
        }
    }

    /// Feeds the desk flow and carries out its store effects until it is quiet.
    fn run_desk(&mut self, event: DeskEvent) {
        // The subjects a transfer may be about follow the catalogue the terminal holds.
        let subjects = desk::transfer_subjects(self.kiosk.flow().catalogue());
        if let Journey::Desk(flow) = &mut self.journey {
            flow.transfer_subjects = subjects;
        }
        let mut queue = std::collections::VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            let Journey::Desk(flow) = &mut self.journey else {
                return;
            };
            for effect in flow.step(event) {
                match &effect {
                    DeskEffect::Show(screen) => tracing::info!(?screen, "desk screen"),
                    // The terminal is the staff's own screen: it does not talk.
                    DeskEffect::Speak(text) => tracing::debug!(%text, "desk"),
                    _ => {
                        let writes = matches!(
                            effect,
                            DeskEffect::Claim { .. }
                                | DeskEffect::RegisterService { .. }
                                | DeskEffect::RecordMeeting { .. }
                                | DeskEffect::RegisterTransfer { .. }
                        );
                        let answer = if let DeskEffect::Reprint { scanned } = &effect {
                            // The device prints the reprint itself (the flow's `perform` only
                            // queues it, for terminals without a printer).
                            self.reprint(scanned)
                        } else if effect == DeskEffect::LoadOwed {
                            // The agency server is asked on the worker, as a reprint is.
                            self.load_owed()
                        } else {
                            let services = self.kiosk.flow().catalogue().services.clone();
                            // Only a transfer registers a case here and needs the config.
                            let config = matches!(effect, DeskEffect::RegisterTransfer { .. })
                                .then(|| self.kiosk.config().clone());
                            let number = self.kiosk.config().kiosk_number;
                            let national_code_policy = self.kiosk.config().national_code_policy;
                            let keys = &self.keys;
                            let mut backend = self.kiosk.backend_mut();
                            let now = backend.now();
                            let (store, remote_staff) = backend.desk_parts();
                            let mut ctx = DeskContext {
                                store,
                                remote_staff,
                                keys: |k| keys.all_of(k),
                                kiosk: number,
                                now,
                                pin_policy: self.pin_policy,
                                national_code_policy,
                                portal: &self.portal,
                                services: &services,
                                config: config.as_ref(),
                            };
                            desk::perform(&mut ctx, &effect)
                        };
                        if let Some(answer) = answer {
                            if writes
                                && matches!(answer, DeskEvent::Done(_))
                                && let Some(wake) = &self.outbox_waker
                            {
                                wake();
                            }
                            queue.push_back(answer);
                        }
                    }
                }
            }
        }
    }

    /// Reprints the receipt a scan names: the job goes to the worker (or runs at once inline);
    /// the desk flow's answer now when there is one already (a refused scan, an inline run),
    /// else it comes with [`Device::answer`].
    fn reprint(&mut self, scanned: &str) -> Option<DeskEvent> {
        let keys = &self.keys;
        let now = self.kiosk.now();
        let code = match desk::visit_of(scanned, &self.portal, |k| keys.all_of(k), now) {
            Ok(code) => code,
            Err(message) => return Some(DeskEvent::Refused(message)),
        };
        match self.kiosk.run(Job::Reprint(code))? {
            Answer::Reprint(_, outcome) => Some(reprinted(outcome)),
            Answer::OwedReceipts(owed) => Some(owed_listed(owed)),
            Answer::Flow(event) => {
                tracing::error!(?event, "a visitor answer to a desk reprint");
                None
            }
        }
    }

    /// Asks for the office's owed receipts: the job goes to the worker (or runs at once
    /// inline); the answer now for an inline run, else with [`Device::answer`].
    fn load_owed(&mut self) -> Option<DeskEvent> {
        match self.kiosk.run(Job::OwedReceipts)? {
            Answer::OwedReceipts(owed) => Some(owed_listed(owed)),
            Answer::Reprint(_, outcome) => Some(reprinted(outcome)),
            Answer::Flow(event) => {
                tracing::error!(?event, "a visitor answer to the owed receipts");
                None
            }
        }
    }

    /// The owed receipts the worker fetched: the answer for the desk flow.
    pub(super) fn owed_answered(
        &mut self,
        owed: Result<Vec<kiosk_sync::wire::OwedReceipt>, String>,
    ) {
        if matches!(self.journey, Journey::Desk(_)) {
            self.run_desk(owed_listed(owed));
        }
        self.after_events();
    }

    /// A reprint the worker finished: its answer for the desk flow.
    pub(super) fn reprint_answered(&mut self, outcome: ReprintOutcome) {
        if matches!(self.journey, Journey::Desk(_)) {
            self.run_desk(reprinted(outcome));
        }
        // The slip it sent (the health screen's last print, the relay's wake-up).
        self.after_events();
    }

    /// The clock at the desk: a terminal left alone logs its member out.
    pub(super) fn desk_tick(&mut self, now: Instant) -> bool {
        let Journey::Desk(flow) = &self.journey else {
            return false;
        };
        if flow.staff.is_none() && flow.screen == desk::DeskScreen::Login {
            self.idle.stop();
            return false;
        }
        if !self.idle.is_armed() {
            self.idle.restart(now);
        }
        // The desk shows no warning: the member is logged out once both times have passed.
        let times = self.idle.times();
        let limit = times.warn_after + times.expire_after;
        if self
            .idle
            .inactive_for(now)
            .is_some_and(|idle| idle >= limit)
        {
            tracing::info!("inactivity: staff logged out");
            self.idle.stop();
            self.run_desk(DeskEvent::IdleExpired);
            return true;
        }
        false
    }
}

/// What the desk flow is told of the office's owed receipts.
fn owed_listed(owed: Result<Vec<kiosk_sync::wire::OwedReceipt>, String>) -> DeskEvent {
    match owed {
        Ok(list) => DeskEvent::OwedLoaded(
            list.into_iter()
                .map(|r| desk::OwedEntry {
                    kiosk: r.kiosk_number,
                    tracking_code: r.tracking_code,
                })
                .collect(),
        ),
        Err(why) => {
            tracing::warn!(reason = %why, "the owed receipts could not be fetched");
            DeskEvent::Refused(
                "فهرست رسیدهای چاپ‌نشده از سرور اداره دریافت نشد؛ کمی بعد دوباره تلاش کنید."
                    .to_owned(),
            )
        }
    }
}

/// What the desk flow is told of a reprint.
fn reprinted(outcome: ReprintOutcome) -> DeskEvent {
    match outcome {
        ReprintOutcome::Printed => DeskEvent::Done("رسید دوباره چاپ شد.".to_owned()),
        ReprintOutcome::PrinterFailed(problem) => {
            tracing::warn!(?problem, "reprint failed");
            DeskEvent::Refused("رسید چاپ نشد؛ چاپگر را بررسی کنید (کاغذ، درپوش).".to_owned())
        }
        ReprintOutcome::NotHere => {
            DeskEvent::Refused("مراجعه‌ای با این کد پیدا نشد؛ کد را بررسی کنید.".to_owned())
        }
        ReprintOutcome::OfficeUnreachable(why) => {
            tracing::warn!(reason = %why, "reprint: the agency server could not be asked");
            DeskEvent::Refused(
                "این مراجعه در این دستگاه نیست و سرور اداره پاسخ نداد؛ کمی بعد دوباره تلاش کنید."
                    .to_owned(),
            )
        }
        ReprintOutcome::StoreFailed(error) => {
            tracing::error!(%error, "reprint failed");
            DeskEvent::Refused("خطایی در ذخیره‌سازی رخ داد؛ لطفاً به کارکنان اطلاع دهید.".to_owned())
        }
    }
}
