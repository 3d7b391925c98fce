//! The kiosk at work: the flow's effects carried out against the real store, the real receipt
//! pipeline and a printer.
//!
//! [`Kiosk::handle`] feeds one event to the [`Flow`] and executes the effects it returns, in
//! order; effects that produce an answer (commit, print, look-up) feed that answer back as the
//! next event, until the flow is quiet. A receipt is only encoded and sent after the case is
//! committed; a printer failure is recorded on the print job and never touches the case.
//! Timers, speech and the screen are the caller's: their effects are recorded in the
//! [`Kiosk::transcript`] for the demo and tests, and logged.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_receipt::{GuidanceSlip, Profile, ReceiptCase, ReceiptContent};
use kiosk_store::{ReceiptState, ReceiptVariant, Store};

use crate::flow::{
    Effect, Event, Flow, FlowSettings, FollowUpView, Lang, PrinterProblem, RegisteredView,
    TimelineEntry,
};
use crate::registration::{Registered, Registrar};

/// Where receipt bytes go: a real transport or a simulated printer.
pub trait PrintSink {
    /// Sends one job; `Err` says why it did not print.
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem>;
}

/// A simulated printer that keeps every job's bytes and can be told to fail.
#[derive(Debug, Default)]
pub struct RecordingPrinter {
    /// Every job received, in order.
    pub jobs: Vec<Vec<u8>>,
    /// When set, the next jobs fail with this problem.
    pub fail_with: Option<PrinterProblem>,
}

impl PrintSink for RecordingPrinter {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        match self.fail_with {
            Some(problem) => Err(problem),
            None => {
                self.jobs.push(job.to_vec());
                Ok(())
            }
        }
    }
}

/// A receipt printer from the drivers crate (USB, serial, TCP 9100 or the simulated one) as the
/// runtime's sink: its status becomes the flow's [`PrinterProblem`], its staff alert is logged.
pub struct DevicePrinter<R>(pub R);

impl<R: kiosk_drivers::printer::ReceiptPrinter> PrintSink for DevicePrinter<R> {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        use kiosk_drivers::printer::Condition;
        match self.0.print(job) {
            Ok(status) => {
                if let Some(alert) = status.staff_alert() {
                    tracing::warn!(%alert, "printer");
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(alert = %e.staff_alert(), note = %e.job_note(), "receipt not printed");
                Err(match e.status().condition {
                    Condition::PaperEnd => PrinterProblem::PaperOut,
                    Condition::CoverOpen => PrinterProblem::CoverOpen,
                    Condition::Offline(_) | Condition::Unknown(_) => PrinterProblem::Offline,
                    Condition::Error(_) | Condition::Ready | Condition::PaperNearEnd => {
                        PrinterProblem::Error
                    }
                })
            }
        }
    }
}

/// One line of what the kiosk did, for the demo and tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A screen was shown.
    Screen(crate::flow::Screen),
    /// Something was said (with speech off nothing is recorded).
    Spoken {
        /// What.
        text: String,
        /// Whether it cut off what was being said (a new screen), or waited its turn.
        interrupt: bool,
    },
    /// Staff were alerted.
    Alert(crate::flow::StaffAlert),
    /// The visitor asked to rate a service (`Some`: with the scanned satisfaction code); the
    /// device switches to the rating journey.
    OpenRating(Option<String>),
    /// A slip was sent to the printer (bytes) or failed.
    Printed {
        /// Which slip.
        what: String,
        /// Bytes sent.
        bytes: usize,
        /// Whether it printed.
        ok: bool,
    },
}

/// The firmware's visitor side: flow, store, receipts and printer.
pub struct Kiosk<P: PrintSink> {
    flow: Flow,
    store: Store,
    config: KioskConfig,
    profile: Profile,
    printer: P,
    clock: Box<dyn FnMut() -> DateTime<Utc>>,
    registered: Option<Registered>,
    last_slip: Option<ReceiptContent>,
    transcript: Vec<Record>,
    satisfaction_key: Option<ed25519_dalek::SigningKey>,
    /// The working calendar as configured, before SAMAD's holiday overrides.
    configured_calendar: kiosk_core::WorkingCalendar,
}

/// How long a printed satisfaction code can be used, in hours (30 days).
pub const SATISFACTION_VALID_HOURS: u16 = 24 * 30;

impl<P: PrintSink> Kiosk<P> {
    /// A kiosk for `config`, on `store`, printing with `profile` to `printer`; `clock` gives
    /// the time of registrations (injected so tests and the demo control it).
    pub fn new(
        config: KioskConfig,
        store: Store,
        profile: Profile,
        printer: P,
        clock: Box<dyn FnMut() -> DateTime<Utc>>,
    ) -> Self {
        let flow = Flow::new(FlowSettings {
            national_code_policy: config.national_code_policy,
            catalogue: config.catalogue.clone(),
            max_extensions: crate::flow::MIN_EXTENSIONS,
        });
        let configured_calendar = config.due_date_policy.calendar.clone();
        Self {
            flow,
            store,
            config,
            profile,
            printer,
            clock,
            registered: None,
            last_slip: None,
            transcript: Vec::new(),
            satisfaction_key: None,
            configured_calendar,
        }
    }

    /// SAMAD's holiday overrides (from its catalogue) on top of the configured calendar, in
    /// place of any earlier ones: days it closes (a closure announced at short notice) and days
    /// it opens. Response dates of cases registered from now on count with them.
    pub fn set_holiday_overrides(
        &mut self,
        closed: Vec<kiosk_core::working_days::Closure>,
        open: Vec<chrono::NaiveDate>,
    ) {
        self.config.due_date_policy.calendar = self
            .configured_calendar
            .clone()
            .with_closures(closed)
            .with_openings(open);
    }

    /// Signs a satisfaction code onto every receipt with this kiosk's key (from provisioning).
    pub fn with_satisfaction_key(mut self, key: ed25519_dalek::SigningKey) -> Self {
        self.satisfaction_key = Some(key);
        self
    }

    /// The public half of this kiosk's satisfaction-code key, when it signs codes.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        self.satisfaction_key.as_ref().map(|k| k.verifying_key())
    }

    /// The visit's satisfaction code as a URL, signed with this kiosk's key. The claim is made
    /// from the case alone (issued at its registration second), and Ed25519 signatures are
    /// deterministic, so a reprint carries the very code of the first receipt: one visit, one
    /// code, one rating. `None` without a key, for a case another kiosk registered (only its
    /// key can sign the code again), or once the code has expired.
    fn satisfaction_url(
        &mut self,
        tracking_code: kiosk_core::TrackingCode,
        registered_at: DateTime<Utc>,
        service_id: &str,
    ) -> Option<String> {
        let key = self.satisfaction_key.as_ref()?;
        if tracking_code.kiosk() != self.config.kiosk_number {
            return None;
        }
        let claim = kiosk_core::satisfaction::SatisfactionClaim {
            kiosk: self.config.kiosk_number,
            tracking_code,
            service_id: service_id.to_owned(),
            employee_code: None,
            issued_at: DateTime::from_timestamp(registered_at.timestamp(), 0)
                .unwrap_or(registered_at),
            valid_hours: SATISFACTION_VALID_HOURS,
        };
        if claim.expires_at() <= (self.clock)() {
            return None;
        }
        match kiosk_core::satisfaction::issue(&claim, key) {
            Ok(token) => Some(kiosk_core::satisfaction::url(
                &self.config.receipt.portal_url,
                &token,
            )),
            Err(e) => {
                tracing::error!(error = %e, "could not issue the satisfaction code");
                None
            }
        }
    }

    /// The journey's state.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store, mutably (the rating and desk journeys write through it).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The configuration the kiosk runs with.
    pub fn config(&self) -> &KioskConfig {
        &self.config
    }

    /// The time now, by the kiosk's clock.
    pub fn now(&mut self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The printer.
    pub fn printer_mut(&mut self) -> &mut P {
        &mut self.printer
    }

    /// What happened so far (since the last [`Kiosk::take_transcript`]).
    pub fn transcript(&self) -> &[Record] {
        &self.transcript
    }

    /// Erases the personal data of cases SAMAD acknowledged more than the configured
    /// `[privacy] purge_after_days` ago (the store keeps tracking codes and dates for reports).
    pub fn purge_personal_data(
        &mut self,
    ) -> Result<kiosk_store::PurgeReport, kiosk_store::StoreError> {
        let now = (self.clock)();
        self.store
            .purge_personal_data(now, self.config.privacy.purge_after_days)
    }

    /// Hands over what happened since the last call and forgets it: a device that runs for
    /// months must not keep every screen it ever showed.
    pub fn take_transcript(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.transcript)
    }

    /// What slips are laid out and encoded for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The last slip sent to the printer, for previews.
    pub fn last_slip(&self) -> Option<&ReceiptContent> {
        self.last_slip.as_ref()
    }

    /// Feeds an event and carries out everything that follows from it.
    pub fn handle(&mut self, event: Event) {
        let mut queue = VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            for effect in self.flow.step(event) {
                if let Some(answer) = self.execute(effect) {
                    queue.push_back(answer);
                }
            }
        }
    }

    fn lang(&self) -> Lang {
        self.flow.session().prefs.lang
    }

    fn execute(&mut self, effect: Effect) -> Option<Event> {
        match effect {
            Effect::Show(screen) => {
                self.transcript.push(Record::Screen(screen));
                None
            }
            Effect::Speak { text, interrupt } => {
                self.transcript.push(Record::Spoken { text, interrupt });
                None
            }
            Effect::AlertStaff(alert) => {
                tracing::warn!(?alert, "staff alerted");
                self.transcript.push(Record::Alert(alert));
                None
            }
            Effect::ArmIdleTimer | Effect::StopIdleTimer => None,
            Effect::OpenRating(scanned) => {
                self.transcript.push(Record::OpenRating(scanned));
                None
            }
            Effect::WipeSession => {
                self.registered = None;
                None
            }
            Effect::Register(input) => {
                let now = (self.clock)();
                match Registrar::new(&self.config).register(&mut self.store, &input, now) {
                    Ok(registered) => {
                        let view = RegisteredView {
                            tracking_code: registered.case.tracking_code,
                            due: registered.due,
                        };
                        self.registered = Some(registered);
                        Some(Event::Registered(view))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "registration failed");
                        let message = match self.lang() {
                            Lang::Fa => e.message_fa().to_owned(),
                            Lang::En => "Your case could not be registered. Staff have been told."
                                .to_owned(),
                        };
                        Some(Event::RegistrationFailed { message })
                    }
                }
            }
            Effect::PrintReceipt(_) => Some(self.print_receipt()),
            Effect::PrintGuidance { subject_id } => {
                self.print_guidance(&subject_id);
                None
            }
            Effect::LookUp(code) => Some(Event::FollowUpResult(self.look_up(code))),
        }
    }

    fn print_receipt(&mut self) -> Event {
        let Some(registered) = self.registered.clone() else {
            return Event::PrintFailed(PrinterProblem::Error);
        };
        let job_id = registered.case.receipt_id;
        let subject_id = self.flow.session().subject_id.clone().unwrap_or_default();
        let subject = self.config.catalogue.get(&subject_id).cloned();
        // As the case stores it (trimmed), so a reprint signs the very same claim.
        let service_id = subject
            .as_ref()
            .and_then(|s| s.service_id.as_deref())
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let satisfaction_url = self.satisfaction_url(
            registered.case.tracking_code,
            registered.case.registered_at,
            &service_id,
        );
        let subject = subject.map(|s| s.label_fa).unwrap_or_default();
        let case = ReceiptCase {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            kind: registered.kind,
            subject,
            tracking: registered.case.tracking_code,
            registered_at: registered.case.registered_at,
            due: registered.due,
            national_code: Some(registered.national_code.clone()),
            mobile: registered.mobile.clone(),
            description: String::new(),
            description_lines: 0,
            portal_url: self.config.receipt.portal_url.clone(),
            phone: self.config.receipt.phone.clone(),
            satisfaction_url,
            footer: self.config.receipt.footer.clone(),
            logo: None,
        };
        let what = format!("receipt {}", registered.case.tracking_code.grouped());
        let content = ReceiptContent::receipt(&case).map_err(|e| e.to_string());
        match self.send_slip(Some(job_id), what, content) {
            Ok(()) => Event::Printed,
            Err(problem) => Event::PrintFailed(problem),
        }
    }

    /// Encodes a slip and sends it, recording the print job's state on the way: `printing`
    /// before a byte leaves (so a crash mid-job is found at restart), then `printed` or `failed`
    /// with the reason.
    fn send_slip(
        &mut self,
        job: Option<i64>,
        what: String,
        content: Result<ReceiptContent, String>,
    ) -> Result<(), PrinterProblem> {
        let encoded = content.and_then(|content| {
            let bytes =
                kiosk_receipt::encode(&content, &self.profile).map_err(|e| e.to_string())?;
            self.last_slip = Some(content);
            Ok(bytes)
        });
        let bytes = match encoded {
            Ok(bytes) => bytes,
            Err(reason) => {
                tracing::error!(%reason, %what, "slip could not be laid out");
                if let Some(id) = job {
                    self.set_job(id, ReceiptState::Failed, Some(&reason));
                }
                return Err(PrinterProblem::Error);
            }
        };
        if let Some(id) = job {
            self.set_job(id, ReceiptState::Printing, None);
        }
        let result = self.printer.print(&bytes);
        self.transcript.push(Record::Printed {
            what,
            bytes: bytes.len(),
            ok: result.is_ok(),
        });
        if let Some(id) = job {
            match result {
                Ok(()) => self.set_job(id, ReceiptState::Printed, None),
                Err(problem) => {
                    self.set_job(id, ReceiptState::Failed, Some(&format!("{problem:?}")))
                }
            }
        }
        result
    }

    /// Records a print job's state; a failure here is logged, never allowed to stop the
    /// visitor's journey (the case itself is already committed).
    fn set_job(&mut self, id: i64, state: ReceiptState, note: Option<&str>) {
        if let Err(e) = self.store.set_receipt_state(id, state, note) {
            tracing::error!(error = %e, job = id, "could not record the print job's state");
        }
    }

    /// Reprints the receipt of a case this device registered (the desk's «reprint»): queues a
    /// reprint job, lays the slip out again from the stored case and sends it. `Ok(None)`: no
    /// such case here; `Ok(Some(Err(_)))`: queued but the printer failed (recorded on the job).
    pub fn reprint(
        &mut self,
        code: kiosk_core::TrackingCode,
    ) -> Result<Option<Result<(), PrinterProblem>>, kiosk_store::StoreError> {
        let Some(case) = self.store.case_by_tracking_code(&code)? else {
            return Ok(None);
        };
        let job = self.store.queue_receipt(
            Some(kiosk_store::CaseRef::Code(code)),
            ReceiptVariant::Reprint,
        )?;
        let satisfaction_url = self.satisfaction_url(
            code,
            case.registered_at,
            case.service_id.as_deref().unwrap_or_default(),
        );
        let subject = self
            .config
            .catalogue
            .get(&case.subject_id)
            .map(|s| s.label_fa.clone())
            .unwrap_or_default();
        let receipt = ReceiptCase {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            kind: case.kind,
            subject,
            tracking: code,
            registered_at: case.registered_at,
            due: case.due,
            national_code: case.national_code.clone(),
            mobile: case.phone.clone(),
            description: String::new(),
            description_lines: 0,
            portal_url: self.config.receipt.portal_url.clone(),
            phone: self.config.receipt.phone.clone(),
            satisfaction_url,
            footer: self.config.receipt.footer.clone(),
            logo: None,
        };
        let now = (self.clock)();
        let content = ReceiptContent::reprint(&receipt, now).map_err(|e| e.to_string());
        Ok(Some(self.send_slip(
            Some(job),
            format!("reprint {}", code.grouped()),
            content,
        )))
    }

    fn print_guidance(&mut self, subject_id: &str) {
        let Some(subject) = self.config.catalogue.get(subject_id).cloned() else {
            return;
        };
        let slip = GuidanceSlip {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            subject: subject.label_fa.clone(),
            destination: subject.guidance_fa.clone().unwrap_or_default(),
            destination_details: String::new(),
            destination_url: None,
            issued_at: (self.clock)(),
            footer: "این برگه رسید ثبت پرونده نیست.".to_owned(),
            logo: None,
        };
        let job = match self.store.queue_receipt(None, ReceiptVariant::Guidance) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "could not queue the guidance slip");
                None
            }
        };
        let content = ReceiptContent::guidance(&slip).map_err(|e| e.to_string());
        // A guidance slip that did not print is recorded on its job; the visitor can ask again.
        let _ = self.send_slip(job, format!("guidance {subject_id}"), content);
    }

    fn look_up(&self, code: kiosk_core::TrackingCode) -> Option<FollowUpView> {
        let found = self.store.case_by_tracking_code(&code);
        let timeline = match found {
            Ok(Some(_)) => self.store.timeline(code),
            Ok(None) => return None,
            Err(e) => {
                tracing::error!(error = %e, "look-up failed");
                return None;
            }
        };
        let events = match timeline {
            Ok(events) => events,
            Err(e) => {
                tracing::error!(error = %e, "timeline failed");
                return None;
            }
        };
        Some(FollowUpView {
            tracking_code: code,
            timeline: events
                .into_iter()
                .map(|e| TimelineEntry {
                    at: e.at,
                    what: crate::flow::prompts::event_kind_label(e.kind.as_str(), self.lang()),
                    unit: e.unit,
                })
                .collect(),
        })
    }
}
