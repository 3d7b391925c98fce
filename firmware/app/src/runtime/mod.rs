//! The kiosk at work: the flow's effects carried out, fast ones at once, slow ones by the
//! [`Backend`] that owns the store and the printer.
//!
//! [`Kiosk::handle`] feeds one event to the [`Flow`] and carries out the effects it returns, in
//! order. Showing, speaking, alerts and the idle timer are recorded in the
//! [`Kiosk::take_transcript`] for the device (which draws, speaks and times them). Registering,
//! printing and looking up are [`Job`]s for the backend: run at once by a kiosk made with
//! [`Kiosk::new`] (their answers fed back as the next events until the flow is quiet), or on
//! the worker thread once [`Kiosk::threaded`] has moved the backend there; then the answers
//! come back later as events through the `post` function given, and the screen's thread never
//! waits on a disk, a printer or a serial line.

pub mod backend;
/// The downloaded catalogue's conversion, shared with the agency server's console
/// (firmware/sync/src/catalogue.rs).
pub use kiosk_sync::catalogue;
pub mod lookup;
pub mod printer;
pub mod worker;

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::MutexGuard;

use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_receipt::Profile;
use kiosk_store::Store;

pub use backend::{
    Answer, Backend, Clock, Job, PrintedSlip, ReprintOutcome, SATISFACTION_VALID_HOURS,
};
pub use printer::{DevicePrinter, Paper, PrintSink, RecordingPrinter};
pub use worker::{Post, Worker};

use crate::flow::{Effect, Event, Flow, FlowSettings, Lang};

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
    Printed(PrintedSlip),
    /// The visitor's speech volume and rate levels changed (a key, or the session's end).
    SpeechLevels(crate::flow::SpeechLevels),
    /// The inactivity timer was (re)started (`armed`) or stopped: the device times the visitor
    /// only while it is armed.
    IdleTimer {
        /// Started (or started again) rather than stopped.
        armed: bool,
    },
}

/// How slow jobs are run: here and now, or on the worker thread.
enum Executor<P: PrintSink> {
    Inline(Box<Backend<P>>),
    Threaded(Worker<P>),
}

/// The firmware's visitor side: the flow, and the backend its slow effects go to.
pub struct Kiosk<P: PrintSink> {
    flow: Flow,
    executor: Executor<P>,
    /// The configuration (its calendar with SAMAD's holiday overrides, as the backend's).
    config: KioskConfig,
    verifying_key: Option<ed25519_dalek::VerifyingKey>,
    clock: backend::Clock,
    transcript: Vec<Record>,
    /// The flow's visit, shared with the backend (see [`Job::PrintReceipt`]).
    current_visit: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The visit and subject guidance was last recorded for: a visitor who comes back to the
    /// guidance screen (from the settings, or choosing the subject again) is recorded once.
    guided: Option<(u64, String)>,
}

/// The backend, read from where it lives (the kiosk itself, or the worker's mutex).
pub enum BackendView<'a, P: PrintSink> {
    /// Owned by the kiosk (inline).
    Inline(&'a Backend<P>),
    /// Locked from the worker.
    Locked(MutexGuard<'a, Backend<P>>),
}

impl<P: PrintSink> Deref for BackendView<'_, P> {
    type Target = Backend<P>;
    fn deref(&self) -> &Backend<P> {
        match self {
            Self::Inline(backend) => backend,
            Self::Locked(guard) => guard,
        }
    }
}

/// The backend, borrowed from where it lives (the kiosk itself, or the worker's mutex).
pub enum BackendRef<'a, P: PrintSink> {
    /// Owned by the kiosk (inline).
    Inline(&'a mut Backend<P>),
    /// Locked from the worker.
    Locked(MutexGuard<'a, Backend<P>>),
}

impl<P: PrintSink> Deref for BackendRef<'_, P> {
    type Target = Backend<P>;
    fn deref(&self) -> &Backend<P> {
        match self {
            Self::Inline(backend) => backend,
            Self::Locked(guard) => guard,
        }
    }
}

impl<P: PrintSink> DerefMut for BackendRef<'_, P> {
    fn deref_mut(&mut self) -> &mut Backend<P> {
        match self {
            Self::Inline(backend) => backend,
            Self::Locked(guard) => guard,
        }
    }
}

impl<P: PrintSink> Kiosk<P> {
    /// A kiosk for `config`, on `store`, printing with `profile` to `printer`; `clock` gives
    /// the time of registrations (injected so tests and the demo control it). Its slow jobs
    /// run inline until [`Kiosk::threaded`].
    pub fn new(
        config: KioskConfig,
        store: Store,
        profile: Profile,
        printer: P,
        clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Self {
        let clock: backend::Clock = std::sync::Arc::new(clock);
        let flow = Flow::new(FlowSettings {
            national_code_policy: config.national_code_policy,
            catalogue: config.catalogue.clone(),
            max_extensions: config.session.extensions,
        });
        // A call reaches staff through the kiosk's LEDs or buzzer; without them the visitor is
        // sent to the desk (the office server will carry calls to the desk terminals).
        let mut flow = flow;
        // Visitors without a national code, where the agency accepts them (docs/identity.md).
        flow.set_identity_policy(config.identity_policy);
        flow.set_staff_reachable(
            !matches!(
                config.devices.indicators.backend,
                kiosk_config::devices::IndicatorBackend::None
            ),
            &config.desk,
        );
        let backend = Backend::new(config.clone(), store, profile, printer, clock.clone());
        let current_visit = backend.current_visit();
        Self {
            flow,
            executor: Executor::Inline(Box::new(backend)),
            current_visit,
            config,
            verifying_key: None,
            clock,
            transcript: Vec::new(),
            guided: None,
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
        let calendar = {
            let mut backend = self.backend_mut();
            backend.set_holiday_overrides(closed, open);
            backend.config().due_date_policy.calendar.clone()
        };
        self.config.due_date_policy.calendar = calendar;
    }

    /// Replaces the catalogue (the agency's, downloaded and converted by [`catalogue`]) between
    /// visits only: the flow lists it, the backend prints guidance slips and receipts from it.
    /// Mid-visit it is handed back, for the caller to offer again once the visit is over.
    pub fn set_catalogue(
        &mut self,
        catalogue: kiosk_core::Catalogue,
    ) -> Result<(), kiosk_core::Catalogue> {
        self.flow.set_catalogue(catalogue.clone())?;
        self.backend_mut().set_catalogue(catalogue.clone());
        self.config.catalogue = catalogue;
        Ok(())
    }

    /// Says whether visitors' staff calls reach the office's desk terminals through the agency
    /// server (device/call_relay.rs): the call-staff screen then waits for the server's answer
    /// before it promises that someone is coming.
    pub fn set_desks_linked(&mut self, linked: bool) {
        self.flow.set_desks_linked(linked);
    }

    /// Follow-ups ask the agency server first (see [`lookup`]); before [`Kiosk::threaded`].
    pub fn with_remote_cases(mut self, remote: Box<dyn lookup::RemoteCases>) -> Self {
        self.backend_mut().set_remote_cases(remote);
        self
    }

    /// Desk logins ask the office's server first; before [`Kiosk::threaded`].
    pub fn with_remote_staff(
        mut self,
        remote: Box<dyn crate::journeys::desk_store::RemoteStaff>,
    ) -> Self {
        self.backend_mut().set_remote_staff(remote);
        self
    }

    /// Signs a satisfaction code onto every receipt with this kiosk's key (from provisioning).
    pub fn with_satisfaction_key(mut self, key: ed25519_dalek::SigningKey) -> Self {
        self.verifying_key = Some(key.verifying_key());
        self.backend_mut().set_satisfaction_key(key);
        self
    }

    /// The public half of this kiosk's satisfaction-code key, when it signs codes.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        self.verifying_key
    }

    /// The journey's state.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The configuration the kiosk runs with.
    pub fn config(&self) -> &KioskConfig {
        &self.config
    }

    /// The backend to read (store, last slip, profile), waiting for a running job to end.
    pub fn backend(&self) -> BackendView<'_, P> {
        match &self.executor {
            Executor::Inline(backend) => BackendView::Inline(backend),
            Executor::Threaded(worker) => BackendView::Locked(worker.backend()),
        }
    }

    /// The backend (store, printer, last slip), waiting for a running job to end: for the
    /// desk and rating journeys, tests and the demo, never while a visitor waits on a job.
    pub fn backend_mut(&mut self) -> BackendRef<'_, P> {
        match &mut self.executor {
            Executor::Inline(backend) => BackendRef::Inline(backend),
            Executor::Threaded(worker) => BackendRef::Locked(worker.backend()),
        }
    }

    /// The backend if no job is running now (the idle purge: it skips a round rather than
    /// wait).
    pub fn try_backend_mut(&mut self) -> Option<BackendRef<'_, P>> {
        match &mut self.executor {
            Executor::Inline(backend) => Some(BackendRef::Inline(backend)),
            Executor::Threaded(worker) => worker.try_backend().map(BackendRef::Locked),
        }
    }

    /// Jobs handed to the worker and not finished (always 0 inline).
    pub fn jobs_in_flight(&self) -> usize {
        match &self.executor {
            Executor::Inline(_) => 0,
            Executor::Threaded(worker) => worker.in_flight(),
        }
    }

    /// The time now, by the kiosk's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Hands over what happened since the last call and forgets it: a device that runs for
    /// months must not keep every screen it ever showed.
    pub fn take_transcript(&mut self) -> Vec<Record> {
        self.collect_printed();
        std::mem::take(&mut self.transcript)
    }

    /// What happened so far (since the last [`Kiosk::take_transcript`]).
    pub fn transcript(&self) -> &[Record] {
        &self.transcript
    }

    /// Feeds an event and carries out everything that follows from it.
    pub fn handle(&mut self, event: Event) {
        // Slips the worker sent before answering come first: "printed", then the done screen.
        self.collect_printed();
        let mut queue = VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            let effects = self.flow.step(event);
            // The worker holds a receipt whose visitor has left (runtime/backend.rs).
            self.current_visit
                .store(self.flow.visit(), std::sync::atomic::Ordering::SeqCst);
            for effect in effects {
                if let Some(answer) = self.execute(effect) {
                    queue.push_back(answer);
                }
            }
        }
    }

    fn lang(&self) -> Lang {
        self.flow.session().prefs.lang
    }

    fn collect_printed(&mut self) {
        if let Executor::Threaded(worker) = &self.executor {
            let printed = worker.take_printed();
            self.transcript
                .extend(printed.into_iter().map(Record::Printed));
        }
    }

    fn execute(&mut self, effect: Effect) -> Option<Event> {
        let job = match effect {
            Effect::Show(screen) => {
                if screen == crate::flow::Screen::Guidance {
                    self.guidance_given();
                }
                return self.record(Record::Screen(screen));
            }
            Effect::Speak { text, interrupt } => {
                return self.record(Record::Spoken { text, interrupt });
            }
            Effect::AlertStaff(alert) => {
                tracing::warn!(?alert, "staff alerted");
                return self.record(Record::Alert(alert));
            }
            Effect::ArmIdleTimer => return self.record(Record::IdleTimer { armed: true }),
            Effect::StopIdleTimer => return self.record(Record::IdleTimer { armed: false }),
            Effect::OpenRating(scanned) => return self.record(Record::OpenRating(scanned)),
            Effect::SetSpeech(levels) => return self.record(Record::SpeechLevels(levels)),
            Effect::WipeSession => return None,
            Effect::Register(input) => Job::Register {
                input,
                lang: self.lang(),
            },
            Effect::PrintReceipt(code) => Job::PrintReceipt {
                code,
                visit: self.flow.visit(),
            },
            Effect::HoldReceipt(code) => Job::HoldReceipt(code),
            Effect::PrintGuidance { subject_id } => Job::PrintGuidance { subject_id },
            Effect::LookUp { code, visitor } => Job::LookUp {
                code,
                visitor,
                lang: self.lang(),
            },
        };
        match self.run(job)? {
            Answer::Flow(event) => Some(event),
            Answer::Reprint(code, outcome) => {
                tracing::error!(%code, ?outcome, "a reprint answer in the visitor journey");
                None
            }
            Answer::OwedReceipts(_) => {
                tracing::error!("an owed-receipts answer in the visitor journey");
                None
            }
        }
    }

    /// The guidance screen is showing: the visitor is being sent elsewhere for an out-of-scope
    /// subject, a consultation recorded in the store and relayed (once per visit and subject).
    fn guidance_given(&mut self) {
        let session = self.flow.session();
        let Some(subject_id) = session.subject_id.clone() else {
            return;
        };
        let key = (self.flow.visit(), subject_id.clone());
        if self.guided.as_ref() == Some(&key) {
            return;
        }
        let job = Job::RecordGuidance {
            subject_id,
            kind: session.kind,
            national_code: session.national_code.clone(),
            lang: session.prefs.lang,
        };
        self.guided = Some(key);
        let _ = self.run(job);
    }

    /// Runs a job: at once inline (its answer returned), or on the worker (the answer comes
    /// back through the `post` of [`Kiosk::threaded`]).
    pub fn run(&mut self, job: Job) -> Option<Answer> {
        match &mut self.executor {
            Executor::Inline(backend) => {
                let done = backend.perform(job);
                self.transcript
                    .extend(done.printed.into_iter().map(Record::Printed));
                done.answer
            }
            Executor::Threaded(worker) => {
                worker.submit(job);
                None
            }
        }
    }

    fn record(&mut self, record: Record) -> Option<Event> {
        self.transcript.push(record);
        None
    }
}

impl<P: PrintSink + Send + 'static> Kiosk<P> {
    /// Moves the backend onto a worker thread: from now on slow jobs run there and their
    /// answers are handed to `post` as events (the device's inbox), for the caller to feed to
    /// [`Kiosk::handle`].
    pub fn threaded(mut self, post: Post) -> std::io::Result<Self> {
        self.executor = match self.executor {
            Executor::Inline(backend) => Executor::Threaded(Worker::start(*backend, post)?),
            threaded @ Executor::Threaded(_) => threaded,
        };
        Ok(self)
    }
}
