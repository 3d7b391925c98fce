//! The slow half of the kiosk: everything that waits on the store or the printer.
//!
//! A [`Backend`] owns the store, the printer, the receipt layout and the clock, and carries out
//! one [`Job`] at a time (register a case, print or hold its receipt, print a guidance slip,
//! look a case up), answering with the flow event the job promised. It runs on the worker
//! thread of [`super::worker`] in the firmware, so the screen never waits on a disk or a
//! serial line; tests and the demo can also run it inline ([`super::Kiosk::new`]).
//!
//! A receipt is only encoded and sent after its case is committed; a printer failure is
//! recorded on the print job and never touches the case.

use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_core::TrackingCode;
use kiosk_receipt::{GuidanceSlip, Profile, ReceiptCase, ReceiptContent};
use kiosk_store::{CaseRecord, ReceiptState, ReceiptVariant, Store};

use super::printer::{Paper, PrintSink};
use crate::flow::{Event, Lang, PrinterProblem, RegisteredView};
use crate::registration::{Registrar, VisitorInput};

/// The time source of registrations and slips (injected so tests and the script runner
/// control it), shared by the screen's side and the worker thread.
pub type Clock = std::sync::Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How long a printed satisfaction code can be used, in hours (30 days).
pub const SATISFACTION_VALID_HOURS: u16 = kiosk_core::satisfaction::CODE_VALID_HOURS;

/// What the job note of a receipt says when its visitor left before it could print: the desk
/// finds it among the receipts to reprint.
pub const HELD_NOTE: &str = "held: the visitor left before it printed; reprint at the desk";

/// One slow effect of the visitor journey, for the backend to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Validate and commit the case; answers `Registered` or `RegistrationFailed` (its message
    /// in `lang`).
    Register {
        /// What the visitor entered.
        input: VisitorInput,
        /// The session's language, for the failure message.
        lang: Lang,
    },
    /// Print the receipt of this committed case for the visitor of `visit`; answers `Printed`
    /// or `PrintFailed`, or `ReceiptHeld` when that visitor has left by the time the printer is
    /// free (the receipt is then kept for a reprint at the desk).
    PrintReceipt {
        /// The case.
        code: TrackingCode,
        /// The flow's visit it was asked for ([`crate::flow::Flow::visit`]).
        visit: u64,
    },
    /// The visitor left before their receipt could print: keep it for a reprint at the desk
    /// (recorded as not printed, with [`HELD_NOTE`]). No answer.
    HoldReceipt(TrackingCode),
    /// Print a guidance slip for an out-of-scope subject. No answer (a failure is recorded on
    /// its job; the visitor can ask again).
    PrintGuidance {
        /// The subject the visitor chose.
        subject_id: String,
    },
    /// Record that the visitor was sent elsewhere for an out-of-scope subject (a consultation,
    /// kept in the store and relayed through the outbox). No answer.
    RecordGuidance {
        /// The subject the visitor chose.
        subject_id: String,
        /// The case kind they had chosen.
        kind: Option<kiosk_core::CaseKind>,
        /// Who, when they identified (only its masked form is kept).
        national_code: Option<kiosk_core::NationalCode>,
        /// The session's language.
        lang: Lang,
    },
    /// Reprint the receipt of a case (the desk's «reprint»): registered here, from the store;
    /// else, through the agency server, a copy of any device's of the office. Answers
    /// [`Answer::Reprint`].
    Reprint(TrackingCode),
    /// The receipts the office's kiosks could not print (the desk's list, from the agency
    /// server); answers [`Answer::OwedReceipts`].
    OwedReceipts,
    /// A visitor called staff: the call is recorded, open until acknowledged (no answer).
    RaiseStaffCall {
        /// When (the instant the office's desks are told, device/call_relay.rs).
        at: DateTime<Utc>,
    },
    /// Staff came to the kiosk: every open call is acknowledged by `by` (no answer).
    AcknowledgeStaffCalls {
        /// Who (the scanned staff card's code).
        by: String,
    },
    /// Look a case up; answers `FollowUpResult` (timeline labels in `lang`).
    LookUp {
        /// The tracking code typed or scanned.
        code: TrackingCode,
        /// The applicant's identifier, as the visitor gave it.
        visitor: kiosk_core::VisitorId,
        /// The session's language.
        lang: Lang,
    },
}

impl Job {
    /// The answer a job owes when it could not run at all (it panicked): the visitor is told
    /// the case was not registered or the receipt did not print, never left waiting.
    pub fn failure_answer(&self) -> Option<Answer> {
        match self {
            Job::Register { lang, .. } => Some(Answer::Flow(Event::RegistrationFailed {
                message: match lang {
                    Lang::Fa => "ثبت درخواست ممکن نشد؛ به همکاران خبر داده شد.".to_owned(),
                    Lang::En => {
                        "Your case could not be registered. Staff have been told.".to_owned()
                    }
                },
            })),
            Job::PrintReceipt { .. } => {
                Some(Answer::Flow(Event::PrintFailed(PrinterProblem::Error)))
            }
            Job::Reprint(code) => Some(Answer::Reprint(
                *code,
                ReprintOutcome::StoreFailed("the job failed".to_owned()),
            )),
            Job::LookUp { .. } => Some(Answer::Flow(Event::FollowUpResult(None))),
            Job::OwedReceipts => Some(Answer::OwedReceipts(Err("the job failed".to_owned()))),
            Job::HoldReceipt(_)
            | Job::PrintGuidance { .. }
            | Job::RecordGuidance { .. }
            | Job::RaiseStaffCall { .. }
            | Job::AcknowledgeStaffCalls { .. } => None,
        }
    }
}

/// A slip sent to the printer, for the transcript, the desk's health screen and the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedSlip {
    /// Which slip.
    pub what: String,
    /// Bytes sent.
    pub bytes: usize,
    /// Whether it printed.
    pub ok: bool,
    /// Why not, when it did not.
    pub problem: Option<PrinterProblem>,
    /// What the job found of the paper (for the heartbeat).
    pub paper: Paper,
}

/// How a reprint went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReprintOutcome {
    /// Printed.
    Printed,
    /// Queued, but the printer failed (recorded on the job, for another try).
    PrinterFailed(PrinterProblem),
    /// No case with that code was registered on this device, nor (with an agency server) at
    /// any device of the office.
    NotHere,
    /// Not registered here, and the agency server could not be asked (why, for the log).
    OfficeUnreachable(String),
    /// The store could not be read or written (the reason, for the log).
    StoreFailed(String),
}

/// A job's answer: an event for the visitor's flow, or the outcome of a desk reprint.
#[derive(Debug, Clone)]
pub enum Answer {
    /// For the visitor journey ([`crate::flow::Flow`]).
    Flow(Event),
    /// For the desk journey: how the reprint of this code went.
    Reprint(TrackingCode, ReprintOutcome),
    /// For the desk journey: the office's owed receipts, or why the server could not be asked.
    OwedReceipts(Result<Vec<kiosk_sync::wire::OwedReceipt>, String>),
}

/// What a job did: the answer, and the slips it sent.
#[derive(Debug, Default)]
pub struct Done {
    /// The answer, when the job has one.
    pub answer: Option<Answer>,
    /// Slips sent to the printer on the way.
    pub printed: Vec<PrintedSlip>,
}

/// The store, the printer and what slips are made from.
pub struct Backend<P: PrintSink> {
    store: Store,
    config: KioskConfig,
    profile: Profile,
    printer: P,
    clock: Clock,
    /// The receipt job each case registered this run got, until it is printed or held.
    receipt_jobs: std::collections::HashMap<TrackingCode, i64>,
    /// The visit the flow is on now (set by the screen's side after every event): a receipt
    /// whose visitor has left by the time the printer is free is held, not printed.
    current_visit: std::sync::Arc<std::sync::atomic::AtomicU64>,
    last_slip: Option<ReceiptContent>,
    satisfaction_key: Option<ed25519_dalek::SigningKey>,
    /// The working calendar as configured, before SAMAD's holiday overrides.
    configured_calendar: kiosk_core::WorkingCalendar,
    /// The agency server's look-ups, when the kiosk syncs through one.
    remote_cases: Option<Box<dyn super::lookup::RemoteCases>>,
    /// The office's staff accounts at the agency server, when the terminal syncs through one.
    remote_staff: Option<Box<dyn crate::journeys::desk_store::RemoteStaff>>,
}

impl<P: PrintSink> Backend<P> {
    /// A backend for `config` on `store`, printing with `profile` to `printer`.
    pub fn new(
        config: KioskConfig,
        store: Store,
        profile: Profile,
        printer: P,
        clock: Clock,
    ) -> Self {
        let configured_calendar = config.due_date_policy.calendar.clone();
        Self {
            store,
            config,
            profile,
            printer,
            clock,
            receipt_jobs: std::collections::HashMap::new(),
            current_visit: std::sync::Arc::default(),
            last_slip: None,
            satisfaction_key: None,
            configured_calendar,
            remote_cases: None,
            remote_staff: None,
        }
    }

    /// Desk logins ask the office's server first, this store's staff table second.
    pub fn set_remote_staff(&mut self, remote: Box<dyn crate::journeys::desk_store::RemoteStaff>) {
        self.remote_staff = Some(remote);
    }

    /// The store and the office's staff accounts, for a desk operation.
    pub fn desk_parts(
        &mut self,
    ) -> (
        &mut Store,
        Option<&dyn crate::journeys::desk_store::RemoteStaff>,
    ) {
        (&mut self.store, self.remote_staff.as_deref())
    }

    /// Look-ups ask the agency server first (any device's case), this store second.
    pub fn set_remote_cases(&mut self, remote: Box<dyn super::lookup::RemoteCases>) {
        self.remote_cases = Some(remote);
    }

    /// Signs a satisfaction code onto every receipt with this key.
    pub fn set_satisfaction_key(&mut self, key: ed25519_dalek::SigningKey) {
        self.satisfaction_key = Some(key);
    }

    /// The public half of the satisfaction-code key, when codes are signed.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        self.satisfaction_key.as_ref().map(|k| k.verifying_key())
    }

    /// SAMAD's holiday overrides on top of the configured calendar, in place of any earlier
    /// ones (see [`super::Kiosk::set_holiday_overrides`]).
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

    /// The agency's catalogue in place of the configured one (see
    /// [`super::Kiosk::set_catalogue`]): guidance slips and receipts name its subjects.
    pub fn set_catalogue(&mut self, catalogue: kiosk_core::Catalogue) {
        self.config.catalogue = catalogue;
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store, mutably (the rating and desk journeys write through it).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The configuration, with SAMAD's holiday overrides in its calendar.
    pub fn config(&self) -> &KioskConfig {
        &self.config
    }

    /// The printer.
    pub fn printer_mut(&mut self) -> &mut P {
        &mut self.printer
    }

    /// What slips are laid out and encoded for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The last slip sent to the printer, for previews.
    pub fn last_slip(&self) -> Option<&ReceiptContent> {
        self.last_slip.as_ref()
    }

    /// The time now, by the kiosk's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
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

    /// Carries out one job.
    pub fn perform(&mut self, job: Job) -> Done {
        let mut done = Done::default();
        done.answer = match job {
            Job::Register { input, lang } => Some(Answer::Flow(self.register(&input, lang))),
            Job::PrintReceipt { code, visit }
                if visit != self.current_visit.load(std::sync::atomic::Ordering::SeqCst) =>
            {
                // The visitor left (their session ended) while the printer was busy: no slip
                // with their national code for the next person to find.
                self.hold_receipt(code);
                Some(Answer::Flow(Event::ReceiptHeld))
            }
            Job::PrintReceipt { code, .. } => Some(Answer::Flow(
                match self.print_receipt(code, &mut done.printed) {
                    Ok(()) => Event::Printed,
                    Err(problem) => Event::PrintFailed(problem),
                },
            )),
            Job::Reprint(code) => {
                let outcome = match self.reprint(code, &mut done.printed) {
                    Ok(Some(Ok(()))) => ReprintOutcome::Printed,
                    Ok(Some(Err(problem))) => ReprintOutcome::PrinterFailed(problem),
                    Ok(None) => self.reprint_office_copy(code, &mut done.printed),
                    Err(e) => ReprintOutcome::StoreFailed(e.to_string()),
                };
                Some(Answer::Reprint(code, outcome))
            }
            Job::OwedReceipts => Some(Answer::OwedReceipts(match &self.remote_cases {
                Some(remote) => remote.owed_receipts(),
                None => Err("no agency server is configured".to_owned()),
            })),
            Job::HoldReceipt(code) => {
                self.hold_receipt(code);
                None
            }
            Job::PrintGuidance { subject_id } => {
                self.print_guidance(&subject_id, &mut done.printed);
                None
            }
            Job::RecordGuidance {
                subject_id,
                kind,
                national_code,
                lang,
            } => {
                self.record_guidance(&subject_id, kind, national_code, lang);
                None
            }
            Job::RaiseStaffCall { at } => {
                if let Err(e) = self.store.raise_staff_call(self.config.kiosk_number, at) {
                    tracing::error!(error = %e, "could not record the staff call");
                }
                None
            }
            Job::AcknowledgeStaffCalls { by } => {
                let now = (self.clock)();
                match self.store.acknowledge_staff_calls(&by, now) {
                    Ok(n) => tracing::info!(calls = n, "staff calls acknowledged"),
                    Err(e) => tracing::error!(error = %e, "could not acknowledge the staff calls"),
                }
                None
            }
            Job::LookUp {
                code,
                visitor,
                lang,
            } => Some(Answer::Flow(Event::FollowUpResult(super::lookup::look_up(
                self.remote_cases.as_deref(),
                &self.store,
                code,
                &visitor,
                lang,
            )))),
        };
        done
    }

    fn register(&mut self, input: &VisitorInput, lang: Lang) -> Event {
        let now = (self.clock)();
        match Registrar::new(&self.config).register(&mut self.store, input, now) {
            Ok(registered) => {
                let view = RegisteredView {
                    tracking_code: registered.case.tracking_code,
                    due: registered.due,
                    next_visit: registered.next_visit,
                };
                self.receipt_jobs
                    .insert(registered.case.tracking_code, registered.case.receipt_id);
                Event::Registered(view)
            }
            Err(e) => {
                tracing::error!(error = %e, "registration failed");
                let message = match lang {
                    Lang::Fa => e.message_fa().to_owned(),
                    Lang::En => {
                        "Your case could not be registered. Staff have been told.".to_owned()
                    }
                };
                Event::RegistrationFailed { message }
            }
        }
    }

    /// The receipt job queued when `code` was registered here (this run), if it was; it is
    /// taken: a receipt is printed or held once.
    fn receipt_job_of(&mut self, code: TrackingCode) -> Option<i64> {
        self.receipt_jobs.remove(&code)
    }

    /// Where the screen's side writes the visit the flow is on (`Kiosk` does, after every
    /// event).
    pub fn current_visit(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.current_visit.clone()
    }

    /// Prints the receipt of the committed case `code`, laid out from the stored case (so the
    /// slip says what the store keeps). Its job is the one queued at registration, or a new
    /// one for a case registered before this run.
    fn print_receipt(
        &mut self,
        code: TrackingCode,
        printed: &mut Vec<PrintedSlip>,
    ) -> Result<(), PrinterProblem> {
        let case = match self.store.case_by_tracking_code(&code) {
            Ok(Some(case)) => case,
            Ok(None) => {
                tracing::error!(%code, "no such case to print a receipt for");
                return Err(PrinterProblem::Error);
            }
            Err(e) => {
                tracing::error!(error = %e, %code, "reading the case to print");
                return Err(PrinterProblem::Error);
            }
        };
        let job = match self.receipt_job_of(code) {
            Some(job) => Some(job),
            None => self.queue(Some(code), ReceiptVariant::Receipt),
        };
        let receipt = self.receipt_case(&case);
        let content = ReceiptContent::receipt(&receipt).map_err(|e| e.to_string());
        let what = format!("receipt {}", code.grouped());
        self.send_slip(job, what, content, printed)
    }

    /// Records the receipt of `code` as not printed, for a reprint at the desk.
    fn hold_receipt(&mut self, code: TrackingCode) {
        let job = match self.receipt_job_of(code) {
            Some(job) => Some(job),
            None => self.queue(Some(code), ReceiptVariant::Receipt),
        };
        tracing::warn!(%code, "receipt held: the visitor left before it printed");
        if let Some(job) = job {
            self.set_job(job, ReceiptState::Failed, Some(HELD_NOTE));
        }
    }

    fn queue(&mut self, code: Option<TrackingCode>, variant: ReceiptVariant) -> Option<i64> {
        match self
            .store
            .queue_receipt(code.map(kiosk_store::CaseRef::Code), variant)
        {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, ?variant, "could not queue the slip");
                None
            }
        }
    }

    /// What a receipt of the stored `case` says.
    fn receipt_case(&mut self, case: &CaseRecord) -> ReceiptCase {
        let satisfaction_url = self.satisfaction_url(
            case.tracking_code,
            case.registered_at,
            case.service_id.as_deref().unwrap_or_default(),
        );
        let subject = self
            .config
            .catalogue
            .get(&case.subject_id)
            .map(|s| s.label_fa.clone())
            .unwrap_or_default();
        ReceiptCase {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            kind: case.kind,
            subject,
            tracking: case.tracking_code,
            registered_at: case.registered_at,
            due: case.due,
            next_visit: case.next_visit,
            escalation: case
                .official_tier
                .map(|tier| tier.escalation().summary_fa()),
            visitor: case.visitor.clone(),
            mobile: case.phone.clone(),
            description: String::new(),
            description_lines: 0,
            portal_url: self.config.receipt.portal_url.clone(),
            phone: self.config.receipt.phone.clone(),
            satisfaction_url,
            footer: self.config.receipt.footer.clone(),
            logo: None,
        }
    }

    /// The visit's satisfaction code as a URL, signed with this kiosk's key. The claim is made
    /// from the case alone (issued at its registration second), and Ed25519 signatures are
    /// deterministic, so a reprint carries the very code of the first receipt: one visit, one
    /// code, one rating. `None` without a key, for a case another kiosk registered (only its
    /// key can sign the code again), or once the code has expired.
    fn satisfaction_url(
        &mut self,
        tracking_code: TrackingCode,
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
            service_id: service_id.trim().to_owned(),
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

    /// Encodes a slip and sends it, recording the print job's state on the way: `printing`
    /// before a byte leaves (so a crash mid-job is found at restart), then `printed` or `failed`
    /// with the reason.
    fn send_slip(
        &mut self,
        job: Option<i64>,
        what: String,
        content: Result<ReceiptContent, String>,
        printed: &mut Vec<PrintedSlip>,
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
        let (result, paper) = self.printer.print_reporting(&bytes);
        printed.push(PrintedSlip {
            what,
            bytes: bytes.len(),
            ok: result.is_ok(),
            problem: result.err(),
            paper,
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
        code: TrackingCode,
        printed: &mut Vec<PrintedSlip>,
    ) -> Result<Option<Result<(), PrinterProblem>>, kiosk_store::StoreError> {
        let Some(case) = self.store.case_by_tracking_code(&code)? else {
            return Ok(None);
        };
        let job = self.store.queue_receipt(
            Some(kiosk_store::CaseRef::Code(code)),
            ReceiptVariant::Reprint,
        )?;
        let receipt = self.receipt_case(&case);
        let now = (self.clock)();
        let content = ReceiptContent::reprint(&receipt, now).map_err(|e| e.to_string());
        let what = format!("reprint {}", code.grouped());
        Ok(Some(self.send_slip(Some(job), what, content, printed)))
    }

    /// Prints a copy of the receipt of `code`, a case another device of the office registered,
    /// from what the agency server gives; once it printed, the server records it as given by
    /// this desk. The
    /// numbers come masked; there is no satisfaction code (only the issuing kiosk's key can sign
    /// one, and the slip says so). The slip has no print job in this store, which holds no such
    /// case: the server's record is the copy's.
    fn reprint_office_copy(
        &mut self,
        code: TrackingCode,
        printed: &mut Vec<PrintedSlip>,
    ) -> ReprintOutcome {
        let Some(remote) = &self.remote_cases else {
            return ReprintOutcome::NotHere;
        };
        let copy = match remote.receipt_copy(&code) {
            Ok(Some(copy)) => copy,
            Ok(None) => return ReprintOutcome::NotHere,
            Err(why) => return ReprintOutcome::OfficeUnreachable(why),
        };
        let content = self.office_copy(code, &copy).and_then(|copy| {
            ReceiptContent::office_copy(&copy, (self.clock)()).map_err(|e| e.to_string())
        });
        let what = format!("reprint {} (office copy)", code.grouped());
        match self.send_slip(None, what, content, printed) {
            Ok(()) => {
                tracing::info!(%code, kiosk = copy.kiosk_number, "office copy of a receipt printed");
                // Only a copy that printed leaves the office's owed list; if the server cannot
                // be told now, the receipt stays offered (a second copy, never none).
                if let Some(remote) = &self.remote_cases
                    && let Err(why) = remote.receipt_printed(&code)
                {
                    tracing::warn!(%code, %why, "the copy printed but the agency server was not told");
                }
                ReprintOutcome::Printed
            }
            Err(problem) => ReprintOutcome::PrinterFailed(problem),
        }
    }

    /// The slip's content of the server's `copy` of the receipt of `code`.
    fn office_copy(
        &self,
        code: TrackingCode,
        copy: &kiosk_sync::wire::ReceiptCopy,
    ) -> Result<kiosk_receipt::OfficeCopy, String> {
        let kind: kiosk_core::CaseKind = copy
            .kind
            .parse()
            .map_err(|_| format!("the server's copy has an unknown case kind {:?}", copy.kind))?;
        let subject = self
            .config
            .catalogue
            .get(&copy.subject_id)
            .map_or_else(|| copy.subject_id.clone(), |s| s.label_fa.clone());
        let due = copy
            .due_date
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(kiosk_core::JalaliDate::from_gregorian);
        Ok(kiosk_receipt::OfficeCopy {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            kind,
            subject,
            tracking: code,
            registered_at: copy.registered_at,
            due,
            due_working_days: copy.due_working_days,
            next_visit: copy.next_visit.as_ref().and_then(next_visit_of_copy),
            issuing_kiosk: copy.kiosk_number,
            national_code_masked: Some(copy.national_code_masked.clone()),
            mobile_masked: copy.mobile_masked.clone(),
            portal_url: self.config.receipt.portal_url.clone(),
            phone: self.config.receipt.phone.clone(),
            footer: self.config.receipt.footer.clone(),
            logo: None,
        })
    }

    /// Records guidance given for `subject_id` with its outbox item; a failure is logged (the
    /// visitor has their guidance on the screen whatever the store says).
    fn record_guidance(
        &mut self,
        subject_id: &str,
        kind: Option<kiosk_core::CaseKind>,
        national_code: Option<kiosk_core::NationalCode>,
        lang: Lang,
    ) {
        let Some(subject) = self.config.catalogue.get(subject_id).cloned() else {
            tracing::warn!(%subject_id, "guidance for a subject not in the catalogue: not recorded");
            return;
        };
        let Some(destination) = subject.guidance_fa.clone() else {
            return;
        };
        let new = kiosk_store::NewGuidance {
            client_uuid: uuid::Uuid::new_v4(),
            kiosk: self.config.kiosk_number,
            subject_id: subject.id.clone(),
            subject_label: subject.label_fa.clone(),
            destination,
            kind,
            national_code,
            english: lang == Lang::En,
            given_at: (self.clock)(),
        };
        if let Err(e) = self.store.record_guidance(new) {
            tracing::error!(error = %e, %subject_id, "could not record the guidance given");
        }
    }

    fn print_guidance(&mut self, subject_id: &str, printed: &mut Vec<PrintedSlip>) {
        let Some(subject) = self.config.catalogue.get(subject_id).cloned() else {
            return;
        };
        let (destination, destination_details, destination_url) =
            guidance_parts(subject.guidance_fa.as_deref().unwrap_or_default());
        let slip = GuidanceSlip {
            agency: self.config.agency.clone(),
            desk: self.config.desk.clone(),
            subject: subject.label_fa.clone(),
            destination,
            destination_details,
            destination_url,
            issued_at: (self.clock)(),
            footer: "این برگه رسید ثبت پرونده نیست.".to_owned(),
            logo: None,
        };
        let job = self.queue(None, ReceiptVariant::Guidance);
        let content = ReceiptContent::guidance(&slip).map_err(|e| e.to_string());
        // A guidance slip that did not print is recorded on its job; the visitor can ask again.
        let _ = self.send_slip(job, format!("guidance {subject_id}"), content, printed);
    }
}

/// The next visit of a server's receipt copy, if its rule and day read (a copy whose next
/// visit does not is printed without it, and logged).
fn next_visit_of_copy(copy: &kiosk_sync::wire::NextVisitCopy) -> Option<kiosk_core::NextVisit> {
    let rule = copy.rule.parse::<kiosk_core::NextVisitRule>();
    let day = copy
        .date
        .as_deref()
        .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d"))
        .transpose();
    match (rule, day) {
        (Ok(rule), Ok(day)) if day.is_some() || rule == kiosk_core::NextVisitRule::AtDeskNow => {
            Some(kiosk_core::NextVisit {
                rule,
                day,
                holidays_known: true,
            })
        }
        _ => {
            tracing::warn!(rule = %copy.rule.escape_debug(), "the server's copy has a next visit that does not read; printed without it");
            None
        }
    }
}

/// The guidance text of a subject (the catalogue's destination as firmware/app/src/runtime/
/// catalogue.rs writes it, or kiosk.toml's `guidance_fa`: parts joined with «؛ ») as the slip
/// prints it: the office as its heading (a line of its own, never cut), the further parts as a
/// paragraph under it, and the website (a «وبگاه: https://…» part) as a QR code.
fn guidance_parts(text: &str) -> (String, String, Option<String>) {
    let mut parts = text.split('؛').map(str::trim).filter(|p| !p.is_empty());
    let office = parts.next().unwrap_or_default().to_owned();
    let mut url = None;
    let mut details = Vec::new();
    for part in parts {
        match part.strip_prefix("وبگاه:").map(str::trim) {
            Some(site) if site.starts_with("https://") && url.is_none() => {
                url = Some(site.to_owned());
            }
            _ => details.push(part),
        }
    }
    (office, details.join("؛ "), url)
}

#[cfg(test)]
mod guidance_slip_tests {
    use super::guidance_parts;

    #[test]
    fn a_destination_prints_its_office_then_each_detail_and_its_website_as_a_qr() {
        let (office, details, url) = guidance_parts(
            "شرکت آب و فاضلاب؛ نشانی: خیابان آزادی، پلاک ۱۰؛ تلفن: ۱۵۲۲؛ وبگاه: https://abfa.example.ir؛ همراه داشته باشید: قبض آخر",
        );
        assert_eq!(office, "شرکت آب و فاضلاب");
        assert_eq!(
            details,
            "نشانی: خیابان آزادی، پلاک ۱۰؛ تلفن: ۱۵۲۲؛ همراه داشته باشید: قبض آخر"
        );
        assert_eq!(url.as_deref(), Some("https://abfa.example.ir"));
        // kiosk.toml's free text: the office, then its note; a plain-http site stays text.
        let (office, details, url) =
            guidance_parts("مراکز تعویض پلاک؛ نوبت‌گیری اینترنتی الزامی است.؛ وبگاه: http://x.ir");
        assert_eq!(office, "مراکز تعویض پلاک");
        assert_eq!(details, "نوبت‌گیری اینترنتی الزامی است.؛ وبگاه: http://x.ir");
        assert_eq!(url, None);
    }
}
