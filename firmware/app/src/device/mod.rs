//! The device at work: the run loop of `kiosk --config FILE` and of the interactive
//! `kiosk --demo`.
//!
//! One thread owns everything a visitor touches: the Slint window, the journey (the
//! [`Flow`](crate::flow::Flow) inside a [`Kiosk`]) and the store. Inputs arrive three ways and
//! all become flow events here:
//!
//! - taps and keys on the window ([`UiInput`], mapped by [`crate::ui_bridge::event_for`]);
//! - device events (card read, code scanned, tactile keypad, headphone jack) posted from the
//!   drivers' threads through an [`Inbox`], which wakes the event loop;
//! - a one-second tick that turns inactivity into `IdleWarning` and then `IdleExpired`.
//!
//! After each event the window shows the flow's new view model (only when it changed, so an
//! idle kiosk draws nothing) and whatever the flow said goes to the speech backend. Without a
//! display ([`kiosk_ui::Backend::Headless`]) the same [`Device`] runs in a plain loop driven
//! by its devices alone. Devices come from the configuration ([`drivers::build`], bridged onto
//! the inbox by [`forward_devices`]); the demo's are simulated ([`SlipDir`], [`log_speech`]).

pub mod call_board;
pub mod call_relay;
pub mod drivers;
pub mod fleet_keys;
pub mod journey;
pub mod office;
mod office_calls;
pub mod staff_call;
pub mod switch;
pub mod sync;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use kiosk_config::DisplaySettings;
use kiosk_ui::{KioskUi, Panel, UiInput, ViewModel};
use slint::ComponentHandle as _;

use crate::flow::{Event, Lang, PrinterProblem, Screen, SpeechLevels, StaffAlert};
use crate::runtime::{Answer, Job, Kiosk, PrintSink, Record};
use crate::ui_bridge::{event_for, view_model};
use journey::Journey;
pub use kiosk_journey::idle::{IdleClock, IdleStep, IdleTimes};
pub use kiosk_store::FleetKeys;

/// The panel the UI lays out for, as the visitor sees it (after rotation): its pixels and
/// millimetres decide how many pixels the 9 mm touch-target floor is.
pub fn panel(display: &DisplaySettings) -> Panel {
    let (w, h) = display.logical_px();
    let (w_mm, h_mm) = display.logical_mm();
    Panel::from_mm(w, h, w_mm, h_mm)
}

/// Checks the theme's touch targets against the configured panel: every target token must be
/// at least 9 mm and 44 px there. The error names the `[display]` keys to look at.
pub fn check_targets(
    window: &kiosk_ui::KioskWindow,
    display: &DisplaySettings,
) -> anyhow::Result<()> {
    let panel = panel(display);
    let theme = window.global::<kiosk_ui::Theme>();
    let floor = panel.min_target_px();
    for (name, px) in [
        ("target-min", theme.get_target_min()),
        ("button-height", theme.get_button_height()),
        ("key-height", theme.get_key_height()),
    ] {
        if px + 0.01 < floor {
            anyhow::bail!(
                "display.width_mm/height_mm/width_px/height_px: on this panel ({:.2} px/mm) the \
                 theme's {name} of {px} px is {:.1} mm, under the 9 mm / 44 px touch-target floor \
                 ({floor:.1} px)",
                panel.px_per_mm(),
                panel.px_to_mm(px)
            );
        }
    }
    Ok(())
}

/// Says a text in a language (the speech backend, or a log line); when `interrupt` (the third
/// argument) the utterance being said is cut off first, else the text waits its turn.
pub type Speaker = Box<dyn FnMut(&str, Lang, bool)>;

/// Sets the speech's volume and rate to the visitor's levels (the volume and speed keys, and
/// the defaults again when the session ends): the second half of a speaker
/// ([`Device::with_speech_levels`]).
pub type LevelSetter = Box<dyn FnMut(SpeechLevels)>;

/// How long `text` takes to say at the default rate of 150 words a minute (an estimate: the
/// speech queue does not say when it is done; tools/bench/keys_journey.sh measures espeak-ng at
/// that rate).
pub fn speaking_time(text: &str) -> Duration {
    let words = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
    Duration::from_millis(400).saturating_mul(words)
}

/// A speaker that only logs (the simulated speech device): how long each utterance is, never
/// what it says, since speech reads back national codes and mobile numbers.
pub fn log_speech() -> Speaker {
    Box::new(|text, lang, interrupt| {
        let chars = text.chars().count();
        tracing::info!(target: "kiosk::speech", chars, ?lang, interrupt, "speak")
    })
}

/// A level setter that only logs (the device's own until one is given).
pub fn log_levels() -> LevelSetter {
    Box::new(|levels| {
        let settings = speech_settings(levels);
        tracing::info!(target: "kiosk::speech", ?levels, ?settings, "speech levels");
    })
}

/// The speech backend's rate and volume for the visitor's levels: volume 10 % a level (the
/// default level 8 is the queue's default 80 %), and rates from 90 to 270 words a minute
/// (the default level 5 is its default 150), all within espeak-ng's range.
pub fn speech_settings(levels: SpeechLevels) -> kiosk_drivers::speech::SpeechSettings {
    const RATES: [u16; 10] = [90, 105, 120, 135, 150, 170, 190, 215, 240, 270];
    let rate = usize::from(levels.rate.clamp(1, SpeechLevels::MAX)) - 1;
    kiosk_drivers::speech::SpeechSettings {
        rate_wpm: RATES[rate.min(RATES.len() - 1)],
        volume: levels.volume.clamp(1, SpeechLevels::MAX) * 10,
    }
}

/// A speaker on the drivers' speech queue (espeak-ng, recorded prompts or the simulated one):
/// an utterance marked `interrupt` (a new screen, a key's label) cuts off the one being said, so
/// the visitor hears the current screen; the others (the tracking code after "the receipt did
/// not print") are queued behind it. The queue's progress stream is kept open for as long as the
/// speaker lives.
pub fn queue_speech(
    speech: (
        kiosk_drivers::speech::SpeechQueue,
        kiosk_drivers::EventStream<kiosk_drivers::speech::SpeechEvent>,
    ),
) -> Speaker {
    queue_speaker(speech).0
}

/// [`queue_speech`], and the setter of the same queue's rate and volume
/// (`SpeechQueue::set_settings`) for the volume and speed keys.
pub fn queue_speaker(
    (queue, progress): (
        kiosk_drivers::speech::SpeechQueue,
        kiosk_drivers::EventStream<kiosk_drivers::speech::SpeechEvent>,
    ),
) -> (Speaker, LevelSetter) {
    use kiosk_drivers::speech::{Lang as SpeechLang, Utterance};
    let queue = Rc::new(queue);
    let levels = {
        let queue = Rc::clone(&queue);
        Box::new(move |levels| queue.set_settings(speech_settings(levels))) as LevelSetter
    };
    let speaker = Box::new(move |text: &str, lang, interrupt| {
        let _ = &progress;
        let lang = match lang {
            Lang::Fa => SpeechLang::Fa,
            Lang::En => SpeechLang::En,
        };
        if interrupt {
            queue.interrupt();
        }
        queue.say(Utterance::text(lang, text));
    }) as Speaker;
    (speaker, levels)
}

/// Forwards the input devices' event streams (scanner, card reader, keypad, headphone jack) onto
/// `inbox` as flow events, one thread per device; a thread ends when its device or the inbox is
/// gone.
pub fn forward_devices(devices: &mut drivers::Devices, inbox: &Inbox) -> anyhow::Result<()> {
    fn forward<E: Send + 'static>(
        name: &str,
        mut stream: kiosk_drivers::EventStream<E>,
        inbox: Inbox,
        map: fn(E) -> Option<Event>,
    ) -> anyhow::Result<()> {
        std::thread::Builder::new()
            .name(format!("forward-{name}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().build() {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        tracing::error!(error = %e, "no runtime to read a device");
                        return;
                    }
                };
                runtime.block_on(async {
                    while let Some(event) = stream.next().await {
                        if let Some(event) = map(event)
                            && !inbox.post(event)
                        {
                            break;
                        }
                    }
                });
            })
            .with_context(|| format!("starting the {name} thread"))?;
        Ok(())
    }
    if let Some(stream) = devices.scanner.take() {
        forward("scanner", stream, inbox.clone(), |e| {
            drivers::scan_event(&e)
        })?;
    }
    if let Some(stream) = devices.card.take() {
        forward("card", stream, inbox.clone(), |e| drivers::card_event(&e))?;
    }
    if let Some(stream) = devices.keypad.take() {
        forward("keypad", stream, inbox.clone(), drivers::key_event)?;
    }
    if let Some(stream) = devices.headphones.take() {
        forward("headphones", stream, inbox.clone(), drivers::jack_event)?;
    }
    if let Some(stream) = devices.switches.take() {
        switch::forward(stream, inbox.clone())?;
    }
    Ok(())
}

/// Any printer as the runtime's sink.
pub struct BoxedPrinter(pub Box<dyn PrintSink + Send>);

impl PrintSink for BoxedPrinter {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        self.0.print(job)
    }

    fn print_reporting(
        &mut self,
        job: &[u8],
    ) -> (Result<(), PrinterProblem>, crate::runtime::Paper) {
        self.0.print_reporting(job)
    }
}

/// A simulated printer that writes each job's ESC/POS bytes to `DIR/slip-N.bin`.
pub struct SlipDir {
    dir: PathBuf,
    jobs: usize,
}

impl SlipDir {
    /// Writes into `dir` (created when missing).
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
            jobs: 0,
        })
    }
}

impl PrintSink for SlipDir {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        self.jobs += 1;
        let path = self.dir.join(format!("slip-{}.bin", self.jobs));
        match std::fs::write(&path, job) {
            Ok(()) => {
                tracing::info!(path = %path.display(), bytes = job.len(), "simulated printer");
                Ok(())
            }
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "simulated printer");
                Err(PrinterProblem::Offline)
            }
        }
    }
}

thread_local! {
    /// What the event loop runs when a device posts: drains the inbox (set by [`run_window`]).
    static DRAIN: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

/// What reaches the run loop from other threads.
#[derive(Debug, Clone)]
pub enum Inbound {
    /// A device event (card, scan, key, headphones), for the running journey.
    Device(Event),
    /// The worker's answer to a job (runtime/worker.rs).
    Worker(Answer),
    /// An accessibility switch (device/switch.rs decides what it means).
    Switch(kiosk_drivers::keypad::switch::SwitchEvent),
}

/// Where driver threads post device events and the worker its answers; wakes the window's
/// event loop.
#[derive(Clone)]
pub struct Inbox {
    tx: mpsc::Sender<Inbound>,
}

impl Inbox {
    /// A new inbox and the receiving end the run loop reads.
    pub fn new() -> (Inbox, mpsc::Receiver<Inbound>) {
        let (tx, rx) = mpsc::channel();
        (Inbox { tx }, rx)
    }

    /// Posts a device event; `false` when the run loop is gone.
    pub fn post(&self, event: Event) -> bool {
        self.send(Inbound::Device(event))
    }

    /// Posts the worker's answer; `false` when the run loop is gone.
    pub fn post_answer(&self, answer: Answer) -> bool {
        self.send(Inbound::Worker(answer))
    }

    fn send(&self, inbound: Inbound) -> bool {
        if self.tx.send(inbound).is_err() {
            return false;
        }
        // Without a running Slint loop (headless) this fails, and the plain loop reads the
        // channel itself.
        let _ = slint::invoke_from_event_loop(|| {
            let drain = DRAIN.with(|d| d.borrow().clone());
            if let Some(drain) = drain {
                drain();
            }
        });
        true
    }
}

/// A running kiosk or desk terminal: the active journey and its effects, idle timing, speech.
pub struct Device<P: PrintSink> {
    kiosk: Kiosk<P>,
    portal_url: String,
    /// The configured portal, which scanned satisfaction URLs must be under.
    portal: kiosk_core::satisfaction::Portal,
    /// The running journey's inactivity clock (firmware/journey/src/idle.rs).
    idle: IdleClock,
    /// Its times for a visitor reading the screen (`[session]`, or [`Device::with_idle`]).
    idle_times: IdleTimes,
    /// How many times longer they are for a visitor using speech (`[session] assisted_factor`).
    assisted_factor: u32,
    /// The LEDs and buzzer, and whether a visitor's call is open.
    staff_call: staff_call::StaffCaller,
    /// Staff calls through the agency server (device/office_calls.rs), when linked.
    office_calls: Option<office_calls::OfficeCalls>,
    /// The instant of the input, event or tick being handled.
    now: Instant,
    speaker: Speaker,
    /// When what is being said will have been said, by [`speaking_time`]: a scanning switch's
    /// focus waits for it (device/switch.rs), so a step never cuts a sentence off.
    quiet_at: Instant,
    set_levels: LevelSetter,
    outbox_waker: Option<Box<dyn Fn()>>,
    /// Told the printer's state after every slip (the heartbeat's printer and paper).
    printer_reporter: Option<sync::PrinterReporter>,
    last_purge: Option<Instant>,
    journey: Journey,
    keys: FleetKeys,
    /// The hand-configured keys (`DATA_DIR/keys/kiosk-NNNNN.pub`), under the fleet's list.
    configured_keys: FleetKeys,
    /// The fleet's keys from the agency server (device/fleet_keys.rs), when it syncs with one.
    fleet_sync: Option<fleet_keys::FleetKeySync>,
    pin_policy: kiosk_store::PinPolicy,
    last_print: Option<(chrono::DateTime<chrono::Utc>, bool)>,
    sync_stats: Option<std::sync::Arc<kiosk_sync::RelayStats>>,
    synced_items: u64,
    last_sync_success: Option<chrono::DateTime<chrono::Utc>>,
    catalogue: Option<sync::CatalogueWatch>,
    /// The agency's catalogue, downloaded and converted, waiting for the visit under way to end
    /// (with its version, for the log).
    pending_catalogue: Option<(String, kiosk_core::Catalogue)>,
    observer: Option<Observer>,
    /// Switch access (`[switches]`): calibration, scanning (device/switch.rs).
    switches: Option<switch::SwitchAccess>,
    /// The clock multi-tap key presses are stamped with (milliseconds since this instant).
    typing_epoch: Instant,
}

/// Sees every record of the visitor journey as it is carried out, in order (the script runner's
/// transcript: a screen shown and left within one input, such as Printing, is seen here).
pub type Observer = Box<dyn FnMut(&Record)>;

/// How often, at most, personal data past its retention is purged (only while nobody is using
/// the kiosk).
pub const PURGE_EVERY: Duration = Duration::from_secs(6 * 3600);

impl<P: PrintSink> Device<P> {
    /// A device around `kiosk`; `portal_url` is where the on-screen QR points (the
    /// configuration's `receipt.portal_url`); `speaker` says what the flow says. The
    /// configuration's `mode` decides the journey: the visitor kiosk, or the staff desk.
    pub fn new(kiosk: Kiosk<P>, portal_url: &str, speaker: Speaker) -> Self {
        let switches = switch::SwitchAccess::new(&kiosk.config().devices.switches);
        let journey = match kiosk.config().mode {
            kiosk_config::Mode::Desk => Journey::Desk(Box::default()),
            kiosk_config::Mode::Kiosk => Journey::Visitor,
        };
        let session = kiosk.config().session;
        let idle_times = IdleTimes {
            warn_after: Duration::from_secs(session.warn_after_seconds.into()),
            expire_after: Duration::from_secs(session.answer_seconds.into()),
        };
        let mut keys = FleetKeys::default();
        if let Some(own) = kiosk.verifying_key() {
            keys.insert(kiosk.config().kiosk_number, own);
        }
        Self {
            kiosk,
            portal_url: portal_url.to_owned(),
            portal: match kiosk_core::satisfaction::Portal::parse(portal_url) {
                Ok(portal) => portal,
                Err(e) => {
                    tracing::warn!(error = %e, "receipt.portal_url is not a portal address; satisfaction URLs are checked against the default");
                    kiosk_core::satisfaction::Portal::default()
                }
            },
            idle: IdleClock::new(idle_times, Instant::now()),
            idle_times,
            assisted_factor: session.assisted_factor,
            staff_call: staff_call::StaffCaller::default(),
            office_calls: None,
            now: Instant::now(),
            quiet_at: Instant::now(),
            speaker,
            set_levels: log_levels(),
            outbox_waker: None,
            printer_reporter: None,
            last_purge: None,
            journey,
            keys,
            configured_keys: FleetKeys::default(),
            fleet_sync: None,
            pin_policy: kiosk_store::PinPolicy::default(),
            last_print: None,
            sync_stats: None,
            synced_items: 0,
            last_sync_success: None,
            catalogue: None,
            pending_catalogue: None,
            observer: None,
            switches,
            typing_epoch: Instant::now(),
        }
    }

    /// Where the visitor's speech volume and rate go (the speech queue's settings: see
    /// [`queue_speaker`]); without it they are only logged.
    pub fn with_speech_levels(mut self, set_levels: LevelSetter) -> Self {
        self.set_levels = set_levels;
        self
    }

    /// Hands every record of the visitor journey to `observer` as it happens.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The agency's catalogue as the relay receives it (the one kept in the store from an
    /// earlier run first, so a kiosk that starts offline lists the last one it downloaded;
    /// without one, kiosk.toml's stays): its holiday overrides go into the calendar the
    /// response dates are counted on at once, its subjects and services replace the listed
    /// ones between visits (firmware/sync/src/catalogue.rs converts it; a catalogue with nothing to
    /// register is refused whole and the current one kept).
    pub fn with_catalogue_updates(mut self, updates: sync::CatalogueWatch) -> Self {
        self.catalogue = Some(updates);
        self.apply_catalogue(true);
        self
    }

    /// Applies a catalogue that arrived since the last look (or the current one when `force`),
    /// then offers a waiting one to the journey if no visit is under way.
    fn apply_catalogue(&mut self, force: bool) {
        self.take_catalogue(force);
        self.offer_catalogue();
    }

    fn take_catalogue(&mut self, force: bool) {
        let Some(updates) = self.catalogue.as_mut() else {
            return;
        };
        if !force && !updates.has_changed().unwrap_or(false) {
            return;
        }
        let Some(update) = updates.borrow_and_update().clone() else {
            return;
        };
        let (closed, open) = sync::holiday_overrides(&update.catalogue);
        tracing::info!(
            version = %update.catalogue.version,
            closed = closed.len(),
            open = open.len(),
            "SAMAD's holiday overrides applied"
        );
        self.kiosk.set_holiday_overrides(closed, open);
        if let Ok(converted) = crate::runtime::catalogue::from_wire(&update.catalogue) {
            tracing::info!(
                version = %update.catalogue.version,
                subjects = converted.catalogue.subjects.len(),
                services = converted.catalogue.services.len(),
                skipped = converted.skipped.len(),
                "the agency's catalogue is taken; listed from the next visit"
            );
            self.pending_catalogue = Some((update.catalogue.version.clone(), converted.catalogue));
        }
    }

    /// A waiting catalogue replaces the listed one when no visit is under way (never under a
    /// visitor: their subject must not change under them).
    fn offer_catalogue(&mut self) {
        if self.pending_catalogue.is_none()
            || !matches!(self.journey, Journey::Visitor)
            || !self.kiosk.flow().between_visits()
        {
            return;
        }
        let Some((version, catalogue)) = self.pending_catalogue.take() else {
            return;
        };
        match self.kiosk.set_catalogue(catalogue) {
            Ok(()) => tracing::info!(%version, "the agency's catalogue is listed"),
            Err(back) => self.pending_catalogue = Some((version, back)),
        }
    }

    /// The agency's catalogue waiting for the visit under way to end, if one is.
    pub fn catalogue_waiting(&self) -> bool {
        self.pending_catalogue.is_some()
    }

    /// The fleet's published keys, to verify satisfaction codes of any kiosk (this kiosk's own
    /// key, when it signs, is kept).
    pub fn with_fleet_keys(mut self, fleet: FleetKeys) -> Self {
        let own = self.kiosk.verifying_key();
        self.configured_keys = fleet.clone();
        self.keys = fleet;
        if let Some(own) = own {
            self.keys.insert(self.kiosk.config().kiosk_number, own);
        }
        self
    }

    /// The fleet's keys as the agency server publishes them (the cached list at once, then
    /// each new one): verified with over the hand-configured ones, the own key over all.
    pub fn with_fleet_key_sync(mut self, sync: fleet_keys::FleetKeySync) -> Self {
        self.fleet_sync = Some(sync);
        self.apply_fleet_keys();
        self
    }

    /// Takes the newest list of the fleet's keys, if one arrived.
    fn apply_fleet_keys(&mut self) {
        let Some(fetched) = self.fleet_sync.as_ref().and_then(|s| s.latest()) else {
            return;
        };
        let own = self
            .kiosk
            .verifying_key()
            .map(|key| (self.kiosk.config().kiosk_number, key));
        self.keys = fleet_keys::merged(&self.configured_keys, &fetched, own);
        tracing::info!(
            listed = fetched.len(),
            verifying = self.keys.len(),
            "satisfaction keys updated from the agency server"
        );
    }

    /// Other PIN rules at the desk (tests: fewer failures before the lockout).
    pub fn with_pin_policy(mut self, policy: kiosk_store::PinPolicy) -> Self {
        self.pin_policy = policy;
        self
    }

    /// The SAMAD relay's counters, for the desk's health screen.
    pub fn with_sync_stats(mut self, stats: std::sync::Arc<kiosk_sync::RelayStats>) -> Self {
        self.sync_stats = Some(stats);
        self
    }

    /// The journey running now.
    pub fn journey(&self) -> &Journey {
        &self.journey
    }

    /// What the desk's health screen shows: the last print, the outbox, the relay.
    pub fn health(&self) -> crate::ui_bridge::desk::HealthView {
        let depth = self.kiosk.backend().store().outbox_depth();
        if let Err(e) = &depth {
            tracing::error!(error = %e, "reading the outbox for the health screen");
        }
        let depth = depth.ok();
        crate::ui_bridge::desk::HealthView {
            last_print: self.last_print,
            pending: depth.as_ref().map_or(0, |d| d.pending),
            parked: depth.as_ref().map_or(0, |d| d.parked),
            oldest_pending: depth.as_ref().and_then(|d| d.oldest_pending_at),
            sync_configured: self.sync_stats.is_some(),
            last_sync_success: self.last_sync_success,
            synced_items: self.synced_items,
            store_problem: depth.is_none(),
        }
    }

    /// Notes when the relay last had items acknowledged.
    fn watch_sync(&mut self) {
        self.apply_fleet_keys();
        self.apply_catalogue(false);
        let Some(stats) = &self.sync_stats else {
            return;
        };
        let done = stats.done.load(std::sync::atomic::Ordering::Relaxed);
        if done > self.synced_items {
            self.synced_items = done;
            self.last_sync_success = Some(self.kiosk.now());
        }
    }

    /// Called after every slip the kiosk printed (or failed to print): a registration has put
    /// work in the outbox, so the SAMAD relay should send it now rather than on its next round.
    pub fn with_outbox_waker(mut self, wake: Box<dyn Fn()>) -> Self {
        self.outbox_waker = Some(wake);
        self
    }

    /// Tells `report` how every slip went (why it did not print, what it found of the paper):
    /// the relay's heartbeat reports the printer from it ([`sync::SyncHandle::printer_reporter`]).
    pub fn with_printer_reporter(mut self, report: sync::PrinterReporter) -> Self {
        self.printer_reporter = Some(report);
        self
    }

    /// Other inactivity times (tests, the demo).
    pub fn with_idle(mut self, idle: IdleTimes) -> Self {
        self.idle_times = idle;
        self.idle.set_times(idle);
        self
    }

    /// The kiosk inside.
    pub fn kiosk(&self) -> &Kiosk<P> {
        &self.kiosk
    }

    /// The kiosk inside, mutably (the demo reaches its printer).
    pub fn kiosk_mut(&mut self) -> &mut Kiosk<P> {
        &mut self.kiosk
    }

    /// What the screen shows now.
    pub fn view(&self) -> ViewModel {
        match &self.journey {
            Journey::Visitor => {
                let mut view = view_model(self.kiosk.flow(), &self.portal_url);
                // The switch check shows over the attract screen (device/switch.rs).
                if let Some(text) = self.switches.as_ref().and_then(switch::SwitchAccess::shown) {
                    view.overlay = Some(kiosk_ui::Overlay {
                        message: text.to_owned(),
                        buttons: Vec::new(),
                    });
                }
                view
            }
            Journey::Rating(r) => crate::ui_bridge::rating::view_model(
                &r.flow,
                r.prefs,
                crate::ui_bridge::rating::IdleState {
                    warning: r.idle_warning,
                    can_extend: r.can_extend(),
                },
            ),
            Journey::Desk(flow) => {
                let health = if flow.screen == crate::flow::desk::DeskScreen::Health {
                    self.health()
                } else {
                    crate::ui_bridge::desk::HealthView::default()
                };
                let mut view = crate::ui_bridge::desk::view_model(flow, &health);
                self.show_office_calls(&mut view);
                view
            }
        }
    }

    /// A tap or key on the window; `false` when it names nothing available now (dropped).
    pub fn input(&mut self, input: &UiInput, now: Instant) -> bool {
        self.now = now;
        let handled = match &self.journey {
            Journey::Visitor => match event_for(self.kiosk.flow(), input) {
                Some(event) => {
                    self.event(event, now);
                    return true;
                }
                None => false,
            },
            Journey::Rating(_) => self.rating_input(input),
            Journey::Desk(_) => self.desk_input(input),
        };
        if handled {
            let assisted = matches!(&self.journey, Journey::Rating(r) if r.speech);
            self.restart_idle(assisted);
        }
        handled
    }

    /// An event from a device (or the window).
    pub fn event(&mut self, event: Event, now: Instant) {
        self.now = now;
        match &self.journey {
            // The flow says which events restart its timer (`ArmIdleTimer`): a visitor's, not
            // a late answer from the worker.
            Journey::Visitor => {
                if let Event::StaffCardScanned(card) = &event {
                    self.staff_came(card);
                }
                self.kiosk.handle(event);
                self.after_events();
            }
            Journey::Rating(r) => {
                let assisted = r.speech;
                self.restart_idle(assisted);
                self.rating_device_event(event)
            }
            Journey::Desk(_) => {
                self.restart_idle(false);
                self.desk_device_event(event)
            }
        }
    }

    /// An event from a device (keypad, scanner, card reader, jack): as [`Device::event`], except
    /// that where the tactile keypad's digit keys type letters (the description screen:
    /// firmware/journey/src/machine/typing.rs) a digit key becomes a multi-tap press stamped
    /// with this device's clock. Keys and taps of the window stay literal.
    pub fn device_event(&mut self, event: Event, now: Instant) {
        let event = match event {
            Event::Digit(key)
                if matches!(self.journey, Journey::Visitor)
                    && self.kiosk.flow().digit_keys_type_letters() =>
            {
                Event::MultiTap {
                    key,
                    at_ms: self.typing_ms(now),
                }
            }
            other => other,
        };
        self.event(event, now);
    }

    /// `now` on the clock of multi-tap presses.
    fn typing_ms(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.typing_epoch);
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    }

    /// Something from another thread: a device event or the worker's answer.
    pub fn inbound(&mut self, inbound: Inbound, now: Instant) {
        match inbound {
            Inbound::Device(event) => self.device_event(event, now),
            Inbound::Worker(answer) => self.answer(answer, now),
            Inbound::Switch(event) => self.switch(event, now),
        }
    }

    /// An accessibility switch went down or up (device/switch.rs).
    pub fn switch(&mut self, event: kiosk_drivers::keypad::switch::SwitchEvent, now: Instant) {
        self.now = now;
        let screen = self.kiosk.flow().screen();
        let lang = self.kiosk.flow().session().prefs.lang;
        let Some(access) = self.switches.as_mut() else {
            return;
        };
        // On the attract screen the switches start the visitor journey (after the check).
        let screen = match self.journey {
            Journey::Visitor => screen,
            _ => Screen::FollowUp,
        };
        let outcomes = access.event(event, screen, lang, now);
        // A rating visitor who presses a switch is told the switches' ways from now on.
        let input = self.rating_input_method();
        if let Journey::Rating(rating) = &mut self.journey {
            rating.flow.input = input;
        }
        for outcome in outcomes {
            match outcome {
                switch::Outcome::Say(text) => self.say(&text, lang, true),
                switch::Outcome::Flow(event) => self.event(event, now),
            }
        }
    }

    /// Moves the focus by itself when one-switch scanning is due (the run loop's scan timer,
    /// the script runner's `wait`); `true` when it moved. Not visitor activity: the idle clock
    /// is left as it was.
    pub fn scan(&mut self, now: Instant) -> bool {
        let Some(access) = self.switches.as_mut() else {
            return false;
        };
        let flow = self.kiosk.flow();
        let (place, warned, listening) = match &self.journey {
            Journey::Visitor => (
                switch::Place::Visitor(flow.screen()),
                flow.session().idle_warning,
                flow.session().prefs.speech,
            ),
            Journey::Rating(rating) => (
                switch::Place::Rating(rating.flow.screen),
                rating.idle_warning,
                rating.speech,
            ),
            Journey::Desk(_) => (switch::Place::Staff, false, false),
        };
        // A visitor listening hears each choice whole; one who reads the screen is not held
        // by the switch check's sentence.
        let quiet_at = if listening { self.quiet_at } else { now };
        if !access.due(now, place, warned, quiet_at) {
            return false;
        }
        let idle = self.idle.clone();
        self.event(Event::FocusNext, now);
        self.idle = idle;
        true
    }

    /// A multi-tap letter whose pause has passed is committed, and said again; `true` when one
    /// was pending. Run by the one-second tick and by the 100 ms timer, so the letter is
    /// confirmed within a tenth of a second of the pause.
    pub fn commit_multitap(&mut self, now: Instant) -> bool {
        if !matches!(self.journey, Journey::Visitor) || !self.kiosk.flow().multitap_pending() {
            return false;
        }
        let at_ms = self.typing_ms(now);
        self.event(Event::MultiTapTick { at_ms }, now);
        true
    }

    /// Whether a multi-tap letter waits for its pause (the headless loop then looks again
    /// within a tenth of a second).
    pub fn multitap_pending(&self) -> bool {
        self.kiosk.flow().multitap_pending()
    }

    /// When the next scanning step is due, if one is (the run loop's scan timer).
    pub fn next_scan(&self) -> Option<Instant> {
        self.switches
            .as_ref()
            .and_then(switch::SwitchAccess::next_step)
    }

    /// The switch mode from now on (the script runner's `switch_mode`); `false` without
    /// switches.
    pub fn set_switch_mode(&mut self, mode: kiosk_config::devices::SwitchMode) -> bool {
        self.switches
            .as_mut()
            .map(|access| access.set_mode(mode))
            .is_some()
    }

    /// The worker's answer to a job this device handed over.
    pub fn answer(&mut self, answer: Answer, now: Instant) {
        self.now = now;
        match answer {
            // Straight to the visitor's flow, even while the rating journey runs: the flow
            // knows whether its visitor is still there (a late answer is never activity).
            Answer::Flow(event) => {
                // A committed case is in the outbox: sent now, whether or not its receipt
                // prints (a receipt held for the desk prints nothing to wake the relay later).
                let committed = matches!(event, crate::flow::Event::Registered(_));
                self.kiosk.handle(event);
                if committed && let Some(wake) = &self.outbox_waker {
                    wake();
                }
                self.after_events();
            }
            Answer::Reprint(_, outcome) => self.reprint_answered(outcome),
            Answer::OwedReceipts(owed) => self.owed_answered(owed),
        }
    }

    /// The clock moved: warns, then ends, an idle session. `true` when something changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        self.now = now;
        self.watch_sync();
        self.staff_call.tick(now);
        let called = self.office_calls_tick(now);
        let scanned = self.scan(now) || called;
        match &self.journey {
            Journey::Visitor => {}
            Journey::Rating(_) => return self.rating_tick(now) || called,
            Journey::Desk(_) => return self.desk_tick(now) || called,
        }
        // A guidance slip the worker printed since (it has no answer to bring it).
        self.after_events();
        self.commit_multitap(now);
        if self.kiosk.flow().screen() == Screen::Attract {
            self.purge_when_due(now);
        }
        let Some(step) = self.idle.check(now) else {
            return scanned;
        };
        let event = match step {
            // The time the visitor has left is the clock's second stage, as set for them
            // (longer with speech: `restart_idle`).
            IdleStep::Warn => Event::IdleWarningIn {
                seconds_left: u32::try_from(self.idle.times().expire_after.as_secs())
                    .unwrap_or(u32::MAX),
            },
            IdleStep::Expire => Event::IdleExpired,
        };
        tracing::info!(?event, "inactivity");
        self.event(event, now);
        true
    }

    /// Staff were alerted by the flow: a visitor's call blinks and sounds until acknowledged
    /// and is recorded for the desk terminals; a printer or registration failure beeps.
    fn alert(&mut self, alert: StaffAlert) {
        tracing::warn!(?alert, "staff alert");
        match alert {
            StaffAlert::CallRequested => {
                let signalled = self.staff_call.raise(self.now);
                if !signalled {
                    tracing::warn!("no LED or buzzer: nobody at the desk notices the call");
                }
                let at = call_relay::to_millis(self.kiosk.now());
                let _ = self.kiosk.run(Job::RaiseStaffCall { at });
                self.call_desks(at);
            }
            StaffAlert::PrinterProblem | StaffAlert::RegistrationFailed => self.staff_call.fault(),
            StaffAlert::ReceiptHeld => {}
        }
    }

    /// A staff card scanned at the kiosk: whoever came answers the open call.
    fn staff_came(&mut self, card: &str) {
        if self.staff_call.is_open() {
            self.staff_call.acknowledge();
            let by: String = card
                .chars()
                .take(kiosk_store::MAX_ACKNOWLEDGER_CHARS)
                .collect();
            self.desks_answered_here(&by);
            let _ = self.kiosk.run(Job::AcknowledgeStaffCalls { by });
        }
    }

    /// The kiosk's LEDs and buzzer (`[indicators]`), for staff calls.
    pub fn with_indicators(
        mut self,
        indicators: Option<Box<dyn kiosk_drivers::keypad::Indicators>>,
    ) -> Self {
        self.staff_call = staff_call::StaffCaller::new(indicators);
        self
    }

    /// Calls left open at the last run (the kiosk restarted before staff came) blink again.
    pub fn resume_staff_calls(&mut self) {
        let open = self.kiosk.backend().store().open_staff_calls();
        match open {
            Ok(calls) if !calls.is_empty() => {
                tracing::warn!(
                    calls = calls.len(),
                    "staff calls still open from before the restart"
                );
                self.staff_call.raise(self.now);
                self.resume_desk_call(calls[0].raised_at);
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "reading open staff calls"),
        }
    }

    /// Whether a visitor's call is waiting for staff.
    pub fn staff_call_open(&self) -> bool {
        self.staff_call.is_open()
    }

    /// Activity: the inactivity clock starts again, with the longer times when the visitor is
    /// `assisted` (speech on).
    fn restart_idle(&mut self, assisted: bool) {
        let factor = if assisted {
            self.assisted_factor.max(1)
        } else {
            1
        };
        self.idle.set_times(IdleTimes {
            warn_after: self.idle_times.warn_after * factor,
            expire_after: self.idle_times.expire_after * factor,
        });
        self.idle.restart(self.now);
    }

    /// Purges personal data past its retention, at most every [`PURGE_EVERY`]; a failure is
    /// logged and tried again next time (the visitor never waits on it).
    fn purge_when_due(&mut self, now: Instant) -> Option<kiosk_store::PurgeReport> {
        if self
            .last_purge
            .is_some_and(|last| now.saturating_duration_since(last) < PURGE_EVERY)
        {
            return None;
        }
        // A job still running (a late receipt) has the store: the purge waits for a later round.
        let purged = self.kiosk.try_backend_mut()?.purge_personal_data();
        self.last_purge = Some(now);
        match purged {
            Ok(report) => {
                if report.cases + report.meetings > 0 {
                    tracing::info!(
                        cases = report.cases,
                        meetings = report.meetings,
                        "personal data purged"
                    );
                }
                Some(report)
            }
            Err(e) => {
                tracing::warn!(error = %e, "purging personal data failed; retried later");
                None
            }
        }
    }

    /// Says `text` (cutting in on what is being said when `interrupt`), and notes when it will
    /// have been said.
    fn say(&mut self, text: &str, lang: Lang, interrupt: bool) {
        let from = if interrupt {
            self.now
        } else {
            self.now.max(self.quiet_at)
        };
        self.quiet_at = from + speaking_time(text);
        (self.speaker)(text, lang, interrupt);
    }

    /// Speaks and logs what the last events did.
    fn after_events(&mut self) {
        for record in self.kiosk.take_transcript() {
            if let Some(observer) = self.observer.as_mut() {
                observer(&record);
            }
            match record {
                Record::Screen(screen) => tracing::info!(?screen, "screen"),
                Record::Spoken { text, interrupt } => {
                    let lang = self.kiosk.flow().session().prefs.lang;
                    self.say(&text, lang, interrupt)
                }
                Record::SpeechLevels(levels) => (self.set_levels)(levels),
                Record::Alert(alert) => self.alert(alert),
                Record::OpenRating(scanned) => self.open_rating(scanned),
                Record::IdleTimer { armed: true } => {
                    // Speech or switches: the longer times.
                    let assisted = self.kiosk.flow().session().prefs.speech
                        || self
                            .switches
                            .as_ref()
                            .is_some_and(switch::SwitchAccess::active);
                    self.restart_idle(assisted);
                }
                Record::IdleTimer { armed: false } => self.idle.stop(),
                Record::Printed(slip) => {
                    tracing::info!(what = %slip.what, bytes = slip.bytes, ok = slip.ok, "printed");
                    self.last_print = Some((self.kiosk.now(), slip.ok));
                    if let Some(report) = &self.printer_reporter {
                        report(slip.problem, slip.paper);
                    }
                    if let Some(wake) = &self.outbox_waker {
                        wake();
                    }
                }
            }
        }
    }
}

/// Options of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Leave the loop after this long (tests and benchmarks); `None`: run until killed.
    pub quit_after: Option<Duration>,
    /// The configured panel: the window takes its size and the touch targets are checked
    /// against its millimetres.
    pub display: Option<DisplaySettings>,
    /// Whether a window manager's close request (or Alt+F4) may close the window: only for the
    /// desktop demo; a kiosk's window is never closed from the screen.
    pub closable: bool,
}

/// Runs `device` in a window of the installed Slint platform (desktop or KMS) until the loop
/// quits. Device events come from `events`.
pub fn run_window<P: PrintSink + 'static>(
    device: Device<P>,
    events: mpsc::Receiver<Inbound>,
    options: RunOptions,
) -> anyhow::Result<()> {
    let ui = KioskUi::new().context("creating the kiosk window")?;
    if !options.closable {
        ui.refuse_close();
    }
    if let Some(display) = &options.display {
        check_targets(ui.component(), display)?;
        ui.fit_panel(&panel(display));
    }
    let state = Rc::new(RefCell::new(device));
    let shown = Rc::new(RefCell::new(state.borrow().view()));
    ui.show(&shown.borrow())?;

    let window = ui.component().as_weak();
    let refresh: Rc<dyn Fn()> = {
        let (state, shown) = (state.clone(), shown.clone());
        Rc::new(move || {
            let vm = state.borrow().view();
            if *shown.borrow() == vm {
                return;
            }
            if let Some(window) = window.upgrade()
                && let Err(e) = kiosk_ui::apply(&window, &vm)
            {
                tracing::error!(error = %e, "showing the screen");
            }
            *shown.borrow_mut() = vm;
        })
    };
    {
        let (state, refresh) = (state.clone(), refresh.clone());
        ui.on_input(move |input| {
            let handled = state.borrow_mut().input(&input, Instant::now());
            if handled {
                refresh();
            } else {
                tracing::debug!(?input, "input names nothing on this screen");
            }
        });
    }
    let drain: Rc<dyn Fn()> = {
        let (state, refresh) = (state.clone(), refresh.clone());
        Rc::new(move || {
            let mut any = false;
            while let Ok(inbound) = events.try_recv() {
                state.borrow_mut().inbound(inbound, Instant::now());
                any = true;
            }
            if any {
                refresh();
            }
        })
    };
    DRAIN.with(|d| *d.borrow_mut() = Some(drain.clone()));
    let ticker = slint::Timer::default();
    {
        let (state, refresh) = (state.clone(), refresh.clone());
        ticker.start(
            slint::TimerMode::Repeated,
            Duration::from_secs(1),
            move || {
                drain();
                if state.borrow_mut().tick(Instant::now()) {
                    refresh();
                }
            },
        );
    }
    // One-switch scanning steps the focus at its dwell, and a multi-tap letter is committed at
    // its pause: both finer than the one-second tick.
    let scanner = slint::Timer::default();
    {
        let (state, refresh) = (state.clone(), refresh.clone());
        scanner.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(100),
            move || {
                let mut device = state.borrow_mut();
                let now = Instant::now();
                let scanned = device.scan(now);
                let typed = device.commit_multitap(now);
                drop(device);
                if scanned || typed {
                    refresh();
                }
            },
        );
    }
    if let Some(after) = options.quit_after {
        slint::Timer::single_shot(after, || {
            let _ = slint::quit_event_loop();
        });
    }
    let result = ui.component().run();
    DRAIN.with(|d| *d.borrow_mut() = None);
    result.context("running the window's event loop")
}

/// Runs `device` without a display: device events and the idle tick only. Returns the device
/// when `options.quit_after` ends the run.
pub fn run_headless<P: PrintSink>(
    mut device: Device<P>,
    events: mpsc::Receiver<Inbound>,
    options: RunOptions,
) -> anyhow::Result<Device<P>> {
    let started = Instant::now();
    loop {
        // A scanning step due sooner than the next second is waited for alone.
        let mut wait = device.next_scan().map_or(Duration::from_secs(1), |at| {
            at.saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(10), Duration::from_secs(1))
        });
        if device.multitap_pending() {
            wait = wait.min(Duration::from_millis(100));
        }
        match events.recv_timeout(wait) {
            Ok(inbound) => device.inbound(inbound, Instant::now()),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // No device can post any more: only the clock is left.
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_secs(1)),
        }
        device.tick(Instant::now());
        if options.quit_after.is_some_and(|d| started.elapsed() >= d) {
            return Ok(device);
        }
    }
}

/// A visitor's whole journey as taps and keys on the window, from attract to done and back:
/// a national code, a complaint about a deed, a preset phrase, a mobile number, confirm,
/// finish. The action ids are those of [`crate::ui_bridge::action_id`].
pub fn complaint_taps() -> Vec<UiInput> {
    use kiosk_ui::Key;
    let tap = |id: &str| UiInput::Action(id.to_owned());
    let digits = |text: &str| {
        text.chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| UiInput::Key(Key::Digit(d as u8)))
            .collect::<Vec<_>>()
    };
    let mut taps = vec![tap("start")];
    taps.extend(digits("0499370899"));
    taps.extend([tap("continue"), tap("kind:complaint")]);
    taps.extend("سند".chars().map(|c| UiInput::Key(Key::Char(c))));
    taps.extend([tap("subject:deed-delay"), tap("phrase:0"), tap("continue")]);
    taps.extend(digits("09121234567"));
    taps.extend([tap("continue"), tap("confirm"), tap("finish")]);
    taps
}

/// Plays [`complaint_taps`] `journeys` times on `device`, drawing every screen it passes
/// through on `ui` (software renderer, in memory). Returns how many screens were drawn. Used by
/// `kiosk --demo --journeys N` (memory after many visitors) and the tests.
pub fn play_journeys<P: PrintSink>(
    device: &mut Device<P>,
    ui: &KioskUi,
    journeys: usize,
) -> anyhow::Result<usize> {
    let mut drawn = 0;
    for journey in 1..=journeys {
        for input in complaint_taps() {
            if !device.input(&input, Instant::now()) {
                anyhow::bail!(
                    "journey {journey}: {input:?} names nothing on {:?}",
                    device.kiosk().flow().screen()
                );
            }
            ui.show(&device.view())?;
            ui.render()?;
            drawn += 1;
        }
        if device.kiosk().flow().screen() != Screen::Attract {
            anyhow::bail!(
                "journey {journey} ended on {:?}, not attract",
                device.kiosk().flow().screen()
            );
        }
    }
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Action;
    use crate::runtime::RecordingPrinter;
    use kiosk_store::{OpenOptions, Store};

    fn device(dir: &Path) -> (Device<RecordingPrinter>, Rc<RefCell<Vec<String>>>) {
        let kiosk =
            crate::demo::recording_kiosk(dir, kiosk_config::Mode::Kiosk).expect("example config");
        let portal = kiosk.config().receipt.portal_url.clone();
        let said = Rc::new(RefCell::new(Vec::new()));
        let log = said.clone();
        let speaker: Speaker = Box::new(move |t, _, _| log.borrow_mut().push(t.to_owned()));
        let idle = IdleTimes {
            warn_after: Duration::from_secs(60),
            expire_after: Duration::from_secs(20),
        };
        (Device::new(kiosk, &portal, speaker).with_idle(idle), said)
    }

    /// The queue speaker cuts off what is being said only for an interrupting utterance: the
    /// tracking code queued behind "the receipt did not print" is heard whole, and a new screen
    /// still cuts in.
    #[test]
    fn queue_speaker_interrupts_only_when_told() {
        use kiosk_drivers::speech::{SimSpeech, SpeechEvent, SpeechQueue, SpeechSettings};
        // 20 ms a character: every sentence lasts long enough to be cut off by a later one.
        let backend = SimSpeech::new(Duration::from_millis(20));
        let (queue, mut progress) = SpeechQueue::new(backend.clone(), SpeechSettings::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            runtime.block_on(async {
                while let Some(event) = progress.next().await {
                    if tx.send(event).is_err() {
                        break;
                    }
                }
            })
        });
        // Waits for `count` utterances to end; what each end was, in order.
        let ends = |count: usize| {
            let mut ends = Vec::new();
            while ends.len() < count {
                match rx
                    .recv_timeout(Duration::from_secs(20))
                    .expect("speech progress")
                {
                    SpeechEvent::Finished(_) => ends.push("finished"),
                    SpeechEvent::Interrupted(_) => ends.push("interrupted"),
                    _ => {}
                }
            }
            ends
        };
        // The progress stream is read above; the speaker is handed an idle one to keep.
        let mut speak = queue_speech((queue, kiosk_drivers::events::channel().1));
        speak("رسید چاپ نشد.", Lang::Fa, true);
        speak("کد رهگیری شما: ۱ ۰ ۰ ۰", Lang::Fa, false);
        assert_eq!(ends(2), ["finished", "finished"], "the code waits its turn");
        speak("صفحه‌ی بعدی", Lang::Fa, true);
        // Once it has started, a new screen cuts it off.
        loop {
            let event = rx.recv_timeout(Duration::from_secs(20)).expect("started");
            if matches!(event, SpeechEvent::Started(_)) {
                break;
            }
        }
        speak("صفحه‌ی تازه", Lang::Fa, true);
        assert_eq!(ends(2), ["interrupted", "finished"], "a new screen cuts in");
        assert_eq!(backend.spoken().len(), 4);
    }

    #[test]
    fn idle_session_is_warned_then_wiped_and_attract_never_times_out() {
        let dir = tempfile::tempdir().expect("tmp");
        let (mut d, _) = device(dir.path());
        let t0 = Instant::now();
        assert!(
            !d.tick(t0 + Duration::from_secs(3600)),
            "attract waits forever"
        );
        d.event(Event::Do(Action::Start), t0);
        assert_eq!(d.kiosk().flow().screen(), Screen::Identify);
        assert!(!d.tick(t0 + Duration::from_secs(59)));
        assert!(d.tick(t0 + Duration::from_secs(60)));
        assert!(d.view().overlay.is_some(), "warning shown");
        // Extending is an input: the clock starts again.
        let extend = UiInput::Action("extend".into());
        assert!(d.input(&extend, t0 + Duration::from_secs(70)));
        assert!(d.view().overlay.is_none());
        assert!(!d.tick(t0 + Duration::from_secs(129)));
        assert!(d.tick(t0 + Duration::from_secs(130)), "warned again");
        assert!(!d.tick(t0 + Duration::from_secs(149)));
        assert!(d.tick(t0 + Duration::from_secs(150)), "then wiped");
        assert_eq!(d.kiosk().flow().screen(), Screen::Attract);
    }

    #[test]
    fn stale_taps_are_dropped_and_speech_follows_the_flow() {
        let dir = tempfile::tempdir().expect("tmp");
        let (mut d, said) = device(dir.path());
        let now = Instant::now();
        assert!(!d.input(&UiInput::Action("confirm".into()), now));
        d.event(Event::HeadphonesIn, now);
        d.event(Event::Do(Action::Start), now);
        assert!(!said.borrow().is_empty(), "speech mode speaks the screens");
        let before = said.borrow().len();
        assert!(d.input(&UiInput::Action("accessibility".into()), now));
        assert!(said.borrow().len() > before);
    }

    #[test]
    fn the_rating_journey_speaks_when_the_visitor_turned_speech_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let (mut d, said) = device(dir.path());
        let now = Instant::now();
        d.event(Event::HeadphonesIn, now);
        // Explore by touch: the first touch says the button, the second does it.
        assert!(d.input(&UiInput::Action("rate".into()), now));
        assert!(matches!(d.journey(), Journey::Visitor));
        assert!(d.input(&UiInput::Action("rate".into()), now));
        assert!(matches!(d.journey(), Journey::Rating(_)));
        assert_eq!(
            said.borrow().last().map(String::as_str),
            Some("کد نظرسنجی رسید خود را جلوی اسکنر بگیرید")
        );
        // The tactile keypad's back key leaves the rating journey.
        d.event(Event::Do(crate::flow::Action::Back), now);
        assert!(matches!(d.journey(), Journey::Visitor));
        assert_eq!(d.view().page, kiosk_ui::Page::Attract);
        assert!(
            !d.kiosk().flow().session().prefs.speech,
            "speech was the visitor's setting: reset at the end of the session"
        );
    }

    #[test]
    fn samad_holiday_overrides_move_the_response_date_and_a_new_catalogue_replaces_them() {
        use kiosk_sync::CatalogueUpdate;
        use kiosk_sync::wire::{Agency, Catalogue, HolidayOverride};
        let dir = tempfile::tempdir().expect("tmp");
        let (d, _) = device(dir.path());
        let due = |d: &Device<RecordingPrinter>| {
            kiosk_core::working_days::due_date(
                chrono::Utc::now(),
                kiosk_core::CaseKind::Complaint,
                None,
                &d.kiosk().config().due_date_policy,
            )
            .expect("due date")
            .expect("complaints owe an answer")
            .day
        };
        let catalogue = |overrides: Vec<HolidayOverride>| {
            Some(std::sync::Arc::new(CatalogueUpdate {
                catalogue: Catalogue {
                    version: "test".into(),
                    case_kinds: Vec::new(),
                    subjects: Vec::new(),
                    services: Vec::new(),
                    agency: Agency {
                        agency_code: "A".into(),
                        name: "اداره".into(),
                        subject_scope: Vec::new(),
                    },
                    holiday_overrides: overrides,
                },
                etag: "e".into(),
            }))
        };
        let before = due(&d);
        // SAMAD closes the day the answer was due (and an unreadable date is skipped).
        let (tx, rx) = tokio::sync::watch::channel(catalogue(vec![
            HolidayOverride {
                date: before.format("%Y-%m-%d").to_string(),
                closed: true,
                reason: Some("تعطیلی به دلیل آلودگی هوا".into()),
            },
            HolidayOverride {
                date: "1405-13-40".into(),
                closed: true,
                reason: None,
            },
        ]));
        let mut d = d.with_catalogue_updates(rx);
        let moved = due(&d);
        assert!(moved > before, "{moved} is not after {before}");
        assert!(
            !d.kiosk()
                .config()
                .due_date_policy
                .calendar
                .is_working_day(before)
        );
        // A newer catalogue without the closure: the next tick puts the day back.
        tx.send_replace(catalogue(Vec::new()));
        d.tick(Instant::now());
        assert_eq!(due(&d), before);
    }

    /// The agency's catalogue arrives while a visitor is choosing: their list does not change
    /// under them; it is listed once they have left. A catalogue with nothing to register
    /// is refused and the listed one kept. Out-of-scope guidance is recorded once per visit.
    #[test]
    fn a_downloaded_catalogue_is_listed_between_visits_only_and_guidance_is_recorded() {
        use kiosk_sync::CatalogueUpdate;
        use kiosk_sync::wire::{Agency, Catalogue, CatalogueEntry};
        let dir = tempfile::tempdir().expect("tmp");
        let (d, _) = device(dir.path());
        let entry = |code: &str, name: &str| CatalogueEntry::new(code, name);
        let update = |subjects: Vec<CatalogueEntry>, version: &str| {
            Some(std::sync::Arc::new(CatalogueUpdate {
                catalogue: Catalogue {
                    version: version.into(),
                    case_kinds: Vec::new(),
                    subjects,
                    services: Vec::new(),
                    agency: Agency {
                        agency_code: "A".into(),
                        name: "اداره".into(),
                        subject_scope: vec!["PARKING".into()],
                    },
                    holiday_overrides: Vec::new(),
                },
                etag: version.into(),
            }))
        };
        let (tx, rx) = tokio::sync::watch::channel(None);
        let mut d = d.with_catalogue_updates(rx);
        let now = Instant::now();
        d.event(Event::IdentityRead("0499370899".into()), now);
        assert_eq!(d.kiosk().flow().screen(), Screen::Kind);
        tx.send_replace(update(
            vec![entry("PARKING", "پارکینگ مراجعان"), entry("ROADS", "راه‌ها")],
            "v1",
        ));
        d.tick(now);
        assert!(d.catalogue_waiting(), "mid-visit: waiting");
        assert!(d.kiosk().flow().catalogue().get("PARKING").is_none());
        assert!(d.kiosk().flow().catalogue().get("car-plates").is_some());

        // The visitor chooses kiosk.toml's out-of-scope subject: guidance, recorded once.
        d.event(
            Event::Do(Action::ChooseKind(kiosk_core::CaseKind::Complaint)),
            now,
        );
        for _ in 0..2 {
            d.event(Event::Do(Action::ChooseSubject("car-plates".into())), now);
            assert_eq!(d.kiosk().flow().screen(), Screen::Guidance);
            d.event(Event::Do(Action::Back), now);
        }
        d.event(Event::Do(Action::Cancel), now);
        d.tick(now);
        assert!(!d.catalogue_waiting(), "between visits: listed");
        let flow = d.kiosk().flow();
        assert!(
            flow.catalogue()
                .get("PARKING")
                .is_some_and(|s| s.in_scope())
        );
        assert!(flow.catalogue().get("ROADS").is_some_and(|s| !s.in_scope()));
        assert!(flow.catalogue().get("car-plates").is_none());
        let t0 = chrono::Utc::now() - chrono::Duration::hours(1);
        let t1 = t0 + chrono::Duration::hours(2);
        assert_eq!(
            d.kiosk()
                .backend()
                .store()
                .guidance_between(t0, t1)
                .expect("count"),
            1,
            "one visit, one subject: one record"
        );

        // Nothing in scope: refused whole, the listed catalogue stays.
        tx.send_replace(update(vec![entry("ROADS", "راه‌ها")], "v2"));
        d.tick(now);
        assert!(!d.catalogue_waiting());
        assert!(d.kiosk().flow().catalogue().get("PARKING").is_some());
    }

    #[test]
    fn inbox_events_reach_the_headless_loop() {
        let dir = tempfile::tempdir().expect("tmp");
        let (d, _) = device(dir.path());
        let (inbox, rx) = Inbox::new();
        assert!(inbox.post(Event::IdentityRead("0499370899".into())));
        drop(inbox);
        let options = RunOptions {
            quit_after: Some(Duration::from_millis(10)),
            display: None,
            closable: false,
        };
        let started = Instant::now();
        let d = run_headless(d, rx, options).expect("runs");
        assert!(started.elapsed() < Duration::from_secs(5), "quits on time");
        // A card read on the attract screen starts the journey at the case kind.
        assert_eq!(d.kiosk().flow().screen(), Screen::Kind);
    }

    #[test]
    fn each_registration_wakes_the_relay_and_nothing_piles_up_in_memory() {
        let dir = tempfile::tempdir().expect("tmp");
        let (d, _) = device(dir.path());
        let wakes = Rc::new(RefCell::new(0_usize));
        let counter = wakes.clone();
        let mut d = d.with_outbox_waker(Box::new(move || *counter.borrow_mut() += 1));
        for journey in 1..=3 {
            for input in complaint_taps() {
                assert!(d.input(&input, Instant::now()), "{input:?}");
            }
            assert_eq!(d.kiosk().flow().screen(), Screen::Attract);
            assert_eq!(*wakes.borrow(), journey, "one wake per printed receipt");
            // Whatever the journey said or showed was spoken/logged and let go.
            assert!(d.kiosk().transcript().is_empty());
        }
        assert_eq!(
            d.kiosk()
                .backend()
                .store()
                .outbox_depth()
                .expect("depth")
                .pending,
            3
        );
    }

    #[test]
    fn personal_data_is_purged_while_idle_once_samad_acknowledged_it_long_ago() {
        let dir = tempfile::tempdir().expect("tmp");
        let (mut d, _) = device(dir.path());
        for input in complaint_taps() {
            assert!(d.input(&input, Instant::now()), "{input:?}");
        }
        // SAMAD acknowledged the case 40 days ago (the example keeps data 30 days).
        let mut relay_side =
            Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("store");
        let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
        let claim = relay_side
            .claim_outbox(
                long_ago,
                chrono::Duration::seconds(60),
                kiosk_store::ClaimLimits {
                    max_items: 10,
                    max_bytes: 1 << 20,
                },
            )
            .expect("claim");
        let done: Vec<_> = claim
            .items
            .iter()
            .map(|item| {
                let remote_id = Some(format!("S-{}", item.id));
                (item.id, kiosk_store::Settlement::Done { remote_id })
            })
            .collect();
        assert_eq!(done.len(), 1);
        relay_side
            .settle_outbox(claim.token, &done, long_ago)
            .expect("settle");
        let files = |dir: &Path| {
            ["kiosk.db", "kiosk.db-wal"]
                .iter()
                .flat_map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
                .collect::<Vec<u8>>()
        };
        let needle = "0499370899".as_bytes();
        let holds = |bytes: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(
            holds(&files(dir.path())),
            "the national code is stored before"
        );
        let t0 = Instant::now();
        d.tick(t0);
        let again = d.purge_when_due(t0 + Duration::from_secs(60));
        assert!(again.is_none(), "not due again within {PURGE_EVERY:?}");
        let later = d
            .purge_when_due(t0 + PURGE_EVERY)
            .expect("due after PURGE_EVERY");
        assert_eq!(later.cases, 0, "the idle tick already purged the one case");
        assert!(
            !holds(&files(dir.path())),
            "the national code is gone from the database and its WAL"
        );
    }

    #[test]
    fn configured_panel_decides_the_nine_millimetres() {
        let ten = panel(&DisplaySettings::default());
        assert!(
            (ten.min_target_px() - 53.0).abs() < 0.2,
            "{}",
            ten.min_target_px()
        );
        let portrait = DisplaySettings {
            rotation: kiosk_config::Rotation::Deg90,
            ..DisplaySettings::default()
        };
        let p = panel(&portrait);
        assert_eq!((p.width_px, p.height_px), (800, 1280));
        // A 21.5" full-HD panel has big pixels: 9 mm is only 36 px, so 44 px is the floor.
        let big = DisplaySettings {
            width_px: 1920,
            height_px: 1080,
            width_mm: 476.0,
            height_mm: 268.0,
            ..DisplaySettings::default()
        };
        assert_eq!(panel(&big).min_target_px(), 44.0);
    }
}
