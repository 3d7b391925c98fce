//! The script runner: `kiosk --demo --headless --script FILE --out DIR` plays a file of inputs
//! through the whole firmware and writes what the visitor met.
//!
//! The kiosk is the demo's (the shipped example configuration, a real store in the data
//! directory, every device simulated by the drivers' own simulated backends), wrapped in the
//! same [`Device`] a real kiosk runs: taps go through the view model the window shows, keys
//! through the simulated keypad and the firmware's key mapping, cards through the simulated
//! reader and its national-code check, scans through the simulated scanner's framing and
//! classifier, and slips through the job procedure of the simulated printer. Time is injected:
//! `wait` moves the clock the registrations are stamped with and the idle timers run on.
//!
//! Input (FILE, one JSON object per line; blank lines and `#` comments skipped):
//! `{"touch": LABEL}` (a button or on-screen key by its accessible label, as shown),
//! `{"key": NAME}` (a tactile key: `"0"`…`"9"`, `enter`, `cancel`, `clear`, `help`, `up`,
//! `down`, `volume_up`, `volume_down`, `speed_up`, `speed_down`, `call_staff`; the old `select`
//! and `back` are read as `enter` and `cancel`), `{"hold": NAME}` (the same key held past the
//! long-press time: a long Clear erases the field, a long Help repeats), `{"card":
//! NATIONAL_CODE}`, `{"scan": TEXT}`,
//! `{"headphones": true|false}`, `{"printer": "ok"|"paper_out"|"cover_open"|"offline"}`,
//! `{"switch": "a"|"b"}` (a press of an accessibility switch, through the simulated switches:
//! the first on the attract screen opens the switch check), `{"switch_mode": "two"|"scan"}`
//! (the kiosk's `[switches] mode` from now on; two switches by default, scanning at the
//! default dwell of 1.5 s), `{"wait": SECONDS}`, `{"sleep": SECONDS}` (real time passes, the
//! device at work meanwhile: for devices of one office played side by side, which meet through
//! the agency server; script/real_time.rs), `{"wait_for": TEXT}` (real time passes until the
//! screen shows or the device says a text containing TEXT, at most 30 s), `{"start": RFC3339}`
//! (the first input only: the clock starts there, so the run's dates are the same every
//! time), `{"wait_to_hear": TEXT}` (injected time passes until the device says exactly TEXT, at
//! most 120 s: a scanning switch's user waiting for their choice to be read). A long `0` turns audio-only mode on or off, a long Enter on the attract
//! screen starts learning the keys and a long Cancel ends it; in speech mode a first `touch`
//! on a button says it and a second one does it (explore by touch); a blanked screen cannot be
//! touched.
//!
//! Output (DIR/transcript.jsonl, one line per thing the visitor met, `t` in ms of injected
//! time): `{"t", "screen": PAGE, "png"?: FILE, "blank"?: true}` (`blank`: audio-only mode,
//! the picture is black), `{"t", "say": TEXT, "lang": "fa"|"en",
//! "interrupt": BOOL}`, `{"t", "slip"?: PNG, "escpos": BIN, "tracking_code"?: DIGITS}`,
//! `{"t", "input": INPUT, "line": N}` (each input as played, before what it led to),
//! `{"t", "volume": 1..10, "rate": 1..10}` (the speech levels set by a key or a session's end), and
//! `{"t", "error": REASON, "line": N}` for an input the kiosk did not offer then (the run goes
//! on; the command exits non-zero at the end). The README documents the same format.

pub mod input;
mod real_time;
pub mod transcript;

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kiosk_drivers::EventStream;
use kiosk_drivers::card::{CardEvent, SimCard};
use kiosk_drivers::keypad::{JackEvent, Key, KeyEvent};
use kiosk_drivers::scanner::ScanEvent;
use kiosk_store::{OpenOptions, Store};
use kiosk_ui::{KioskUi, Page, UiInput, ViewModel};

use crate::device::drivers::{self, AnyPrinter, SimHandles};
use crate::device::{Device, LevelSetter, Speaker};
use crate::flow::Lang;
use crate::runtime::{DevicePrinter, Kiosk, Record};
use input::Input;
use transcript::Transcript;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Inputs played.
    pub inputs: usize,
    /// Inputs the kiosk did not offer when they came (each an `error` line).
    pub errors: usize,
    /// Outbox items still unsent when the run ended (only with a `[samad]` section, whose relay
    /// is given [`SYNC_DEADLINE`] after the last input to deliver them).
    pub unsynced: u64,
}

/// How long a run with a `[samad]` section waits after its last input for the outbox to empty.
pub const SYNC_DEADLINE: Duration = Duration::from_secs(20);

/// How long a run with a `[samad]` section waits at its start for the relay's first catalogue
/// check to be answered or to fail.
pub const CATALOGUE_WAIT: Duration = Duration::from_secs(10);

/// How long a run through an agency server waits at its start for the fleet's satisfaction
/// keys to be fetched (and its own published) or for that to fail.
pub const FLEET_KEYS_WAIT: Duration = Duration::from_secs(10);

/// Something the device did while an input was carried out, in order.
enum Seen {
    Screen(Page),
    Said {
        text: String,
        lang: Lang,
        interrupt: bool,
    },
    Printed,
    Levels(crate::flow::SpeechLevels),
}

/// The kiosk under the script, its simulated devices and the injected clock.
struct Stage {
    device: Device<DevicePrinter<AnyPrinter>>,
    sims: SimHandles,
    scanner: Option<EventStream<ScanEvent>>,
    card: Option<EventStream<CardEvent>>,
    keypad: Option<EventStream<KeyEvent>>,
    headphones: Option<EventStream<JackEvent>>,
    switches: Option<EventStream<kiosk_drivers::keypad::switch::SwitchEvent>>,
    runtime: tokio::runtime::Runtime,
    seen: Rc<RefCell<Vec<Seen>>>,
    /// Injected time since the start.
    elapsed: InjectedTime,
    /// The worker's answers (commits, prints, look-ups), played by [`Stage::settle`].
    answers: std::sync::mpsc::Receiver<crate::runtime::Answer>,
    started: Instant,
    /// Printer jobs already written as slips.
    jobs_written: usize,
    /// The relay, when the configuration has a `[samad]` section.
    sync: Option<crate::device::sync::SyncHandle>,
}

/// Plays `script` on a fresh demo kiosk whose data lives in `data_dir`; writes the transcript,
/// screens and slips into `out`.
pub fn run(script: &Path, data_dir: &Path, out: &Path) -> anyhow::Result<Outcome> {
    let mut config = crate::demo::demo_config(data_dir)?;
    // The demo kiosk has every device, its LEDs and buzzer too.
    config.devices.indicators.backend = kiosk_config::devices::IndicatorBackend::Sim;
    run_configured(script, config, out)
}

/// Plays `script` on the kiosk `config` describes (a device's kiosk.toml), its devices
/// simulated and its store a plaintext `kiosk.db` in the configuration's data directory. With
/// a `[samad]` section the relay runs as on the device (to the agency server or SAMAD), and
/// follow-ups ask the agency server when the section says it is one: so an office of separate
/// kiosk processes, each on its own data directory, can be scripted.
pub fn run_configured(
    script: &Path,
    mut config: kiosk_config::KioskConfig,
    out: &Path,
) -> anyhow::Result<Outcome> {
    // A kiosk.toml without LEDs or a buzzer is played without them: its visitor's «call staff»
    // is then told what is true of that kiosk.
    use kiosk_config::devices::IndicatorBackend;
    let without_indicators = matches!(config.devices.indicators.backend, IndicatorBackend::None);
    crate::demo::simulate_devices(&mut config);
    if without_indicators {
        config.devices.indicators.backend = IndicatorBackend::None;
    }
    let text = std::fs::read_to_string(script)
        .with_context(|| format!("reading the script {}", script.display()))?;
    let inputs = input::parse(&text)?;
    let start = inputs.iter().find_map(|(_, input)| match input {
        Input::Start(at) => Some(*at),
        _ => None,
    });
    let mut stage = Stage::new(config, start)?;
    kiosk_ui::headless::init().context("starting the headless renderer")?;
    let ui = KioskUi::new().context("creating the kiosk window")?;
    ui.fit_panel(&kiosk_ui::Panel::default());
    let mut transcript = Transcript::create(out)?;

    let mut shown = stage.device.view();
    let png = render(&ui, &shown)?;
    transcript.screen(0, shown.page.name(), Some(&png), shown.prefs.blank)?;
    for (line_no, input) in &inputs {
        let (wait, hear) = match input {
            Input::Wait(duration) => (Some(*duration), None),
            Input::WaitToHear(text) => (
                Some(Duration::from_secs(input::WAIT_TO_HEAR_SECONDS)),
                Some(text.as_str()),
            ),
            _ => (None, None),
        };
        if let Some(duration) = wait {
            // The device's clock turns once a second, as the run loop's tick does, and at each
            // scanning step due sooner; what a tick brings (the idle warning, the end of a
            // session, a step of the scan) is written at its own time.
            let end = stage.elapsed.get() + duration;
            let mut heard = false;
            while stage.elapsed.get() < end && !heard {
                let mut step = (end - stage.elapsed.get()).min(Duration::from_secs(1));
                if let Some(at) = stage.device.next_scan() {
                    let until = at.saturating_duration_since(stage.now());
                    if until > Duration::ZERO {
                        step = step.min(until);
                    }
                }
                stage.tick(step);
                stage.settle()?;
                heard = hear.is_some_and(|text| stage.says_exactly(text));
                shown = stage.report(&ui, shown, &mut transcript)?;
            }
            if let Some(text) = hear.filter(|_| !heard) {
                let reason = format!("«{text}» was not said within {duration:?}");
                transcript.error(stage.millis(), *line_no, &reason)?;
            }
            continue;
        }
        let t = stage.millis();
        transcript.input(t, *line_no, &input.to_json())?;
        match input {
            Input::Sleep(duration) => {
                stage.real_time(*duration, None, &ui, &mut shown, &mut transcript)?;
                continue;
            }
            Input::WaitFor(text) => {
                let limit = Duration::from_secs(input::WAIT_FOR_SECONDS);
                if !stage.real_time(limit, Some(text), &ui, &mut shown, &mut transcript)? {
                    let reason = format!("«{text}» was not shown or said within {limit:?}");
                    transcript.error(stage.millis(), *line_no, &reason)?;
                }
                continue;
            }
            _ => {}
        }
        if let Err(reason) = stage.play(input) {
            transcript.error(t, *line_no, &reason)?;
        }
        stage.settle()?;
        shown = stage.report(&ui, shown, &mut transcript)?;
    }
    let errors = transcript.finish()?;
    let unsynced = stage.finish_sync();
    Ok(Outcome {
        inputs: inputs.len(),
        errors,
        unsynced,
    })
}

fn render(ui: &KioskUi, view: &ViewModel) -> anyhow::Result<Vec<u8>> {
    ui.show(view).context("showing a screen")?;
    ui.snapshot_png().context("rendering a screen")
}

impl Stage {
    /// The kiosk of `config`, its clock starting at `start` (now when `None`).
    fn new(
        mut config: kiosk_config::KioskConfig,
        start: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Self> {
        let data_dir = config.data_dir.clone();
        config.devices.headphones.backend = kiosk_config::devices::HeadphoneBackend::Sim;
        config.devices.switches.backend = kiosk_config::devices::SwitchBackend::Sim;
        let db = data_dir.join("kiosk.db");
        let store = Store::open(&db, &OpenOptions::default())
            .with_context(|| format!("opening {}", db.display()))?;
        let mut devices = drivers::build(&config).context("starting the simulated devices")?;
        let elapsed = InjectedTime::default();
        let start: DateTime<Utc> = start.unwrap_or_else(Utc::now);
        let clock = {
            let elapsed = elapsed.clone();
            move || start + chrono::Duration::from_std(elapsed.get()).unwrap_or_default()
        };
        let portal = config.receipt.portal_url.clone();
        // The worker thread, as on a kiosk; its answers wait here until `settle` plays them.
        let (answers_tx, answers) = std::sync::mpsc::channel();
        let sync = match &config.samad {
            Some(samad) => Some(
                crate::device::sync::start_relay(
                    samad,
                    config.kiosk_number.get(),
                    &db,
                    kiosk_sync::DeviceHealth::default(),
                )
                .context("starting the sync relay")?,
            ),
            None => None,
        };
        let office = match &config.samad {
            Some(samad) if samad.agency_server => Some(crate::device::office::AgencyLink::start(
                samad,
                config.kiosk_number.get(),
            )?),
            _ => None,
        };
        // Satisfaction codes as on the device: a key provisioned into DATA_DIR/keys signs
        // (else one for this run only), the `kiosk-NNNNN.pub` files there and, through an agency
        // server, the fleet's published keys verify (device/fleet_keys.rs).
        let keys_dir = data_dir.join("keys");
        let provisioned =
            kiosk_store::signing_keys::own_signing_key(&keys_dir, config.kiosk_number)?;
        let configured_keys = crate::device::FleetKeys::load(&keys_dir)?;
        let fleet_sync = match &config.samad {
            Some(samad) if samad.agency_server => {
                Some(crate::device::fleet_keys::FleetKeySync::start(
                    samad,
                    config.kiosk_number,
                    &keys_dir,
                    provisioned
                        .as_ref()
                        .map(ed25519_dalek::SigningKey::verifying_key),
                )?)
            }
            _ => None,
        };
        let own_key = match provisioned {
            Some(key) => key,
            None => signing_key()?,
        };
        let mut kiosk = Kiosk::new(config, store, devices.profile, devices.printer, clock)
            .with_satisfaction_key(own_key);
        // Staff calls ride the same link (device/office_calls.rs).
        let calls_link = office.clone();
        if let Some(link) = office {
            kiosk = kiosk
                .with_remote_cases(Box::new(link.clone()))
                .with_remote_staff(Box::new(link));
        }
        let kiosk = kiosk
            .threaded(Box::new(move |answer| answers_tx.send(answer).is_ok()))
            .context("starting the worker thread")?;
        let seen = Rc::new(RefCell::new(Vec::new()));
        let speaker: Speaker = {
            let seen = Rc::clone(&seen);
            Box::new(move |text: &str, lang, interrupt| {
                seen.borrow_mut().push(Seen::Said {
                    text: text.to_owned(),
                    lang,
                    interrupt,
                })
            })
        };
        let set_levels: LevelSetter = {
            let seen = Rc::clone(&seen);
            Box::new(move |levels| seen.borrow_mut().push(Seen::Levels(levels)))
        };
        let observer = {
            let seen = Rc::clone(&seen);
            Box::new(move |record: &Record| match record {
                Record::Screen(screen) => seen
                    .borrow_mut()
                    .push(Seen::Screen(crate::ui_bridge::page(*screen))),
                Record::Printed(slip) if slip.ok => seen.borrow_mut().push(Seen::Printed),
                _ => {}
            })
        };
        let mut device = Device::new(kiosk, &portal, speaker)
            .with_speech_levels(set_levels)
            .with_observer(observer)
            .with_indicators(devices.indicators.take())
            .with_fleet_keys(configured_keys);
        if let Some(link) = calls_link {
            device = device.with_agency_link(link);
        }
        device.resume_staff_calls();
        if let Some(fleet_sync) = fleet_sync {
            // A visitor's code from another kiosk verifies from the first input: the first
            // round is awaited (a while at most; offline, the cached list stands).
            if !fleet_sync.await_first_round(FLEET_KEYS_WAIT) {
                tracing::warn!("the fleet's satisfaction keys were not fetched at the start");
            }
            device = device.with_fleet_key_sync(fleet_sync);
        }
        if let Some(sync) = &sync {
            // A kiosk that starts online lists the agency's catalogue from its first visitor:
            // the relay's first check is awaited (a while at most; offline, the catalogue
            // kept from an earlier run, else kiosk.toml's, is listed).
            sync.await_first_catalogue_check(CATALOGUE_WAIT);
            // The printer as a job found it goes to the heartbeat, sent at once on a change (a
            // receipt that did not print is then reported as owed to the agency server).
            device = device
                .with_outbox_waker(Box::new(sync.waker()))
                .with_printer_reporter(sync.printer_reporter())
                .with_catalogue_updates(sync.catalogue());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .context("starting the script's event loop")?;
        Ok(Self {
            device,
            sims: std::mem::take(&mut devices.sims),
            scanner: devices.scanner.take(),
            card: devices.card.take(),
            keypad: devices.keypad.take(),
            headphones: devices.headphones.take(),
            switches: devices.switches.take(),
            runtime,
            seen,
            elapsed,
            answers,
            started: Instant::now(),
            jobs_written: 0,
            sync,
        })
    }

    /// Gives the relay (if any) [`SYNC_DEADLINE`] to empty the outbox, stops it, and returns
    /// what is still unsent.
    fn finish_sync(&mut self) -> u64 {
        let Some(sync) = self.sync.take() else {
            return 0;
        };
        let deadline = Instant::now() + SYNC_DEADLINE;
        let pending = |stage: &Self| {
            stage
                .device
                .kiosk()
                .backend()
                .store()
                .outbox_depth()
                .map_or(u64::MAX, |d| d.pending)
        };
        sync.wake();
        while pending(self) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let left = pending(self);
        sync.shutdown();
        left
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.elapsed.get().as_millis()).unwrap_or(u64::MAX)
    }

    /// The device's idea of now: the start plus the injected time.
    fn now(&self) -> Instant {
        self.started + self.elapsed.get()
    }

    /// Carries out one input; `Err` says why the kiosk did not take it.
    fn play(&mut self, input: &Input) -> Result<(), String> {
        match input {
            Input::Touch(label) => self.touch(label),
            Input::Key(key) => self.press(*key, false),
            Input::Hold(key) => self.press(*key, true),
            Input::Card(code) => self.card(SimCard::Holder(code.clone())),
            Input::CardCertificate(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("the card file {}: {e}", path.display()))?;
                let der = kiosk_drivers::card::CardTrust::der_objects(&bytes, false)
                    .map_err(|e| format!("the card file {}: {e}", path.display()))?;
                self.card(SimCard::Certificate(
                    der.into_iter().next().unwrap_or_default(),
                ))
            }
            Input::Scan(text) => self.scan(text),
            Input::Headphones(plugged) => self.headphones(*plugged),
            Input::Switch(switch) => self.switch(*switch),
            Input::SwitchMode(mode) => {
                if self.device.set_switch_mode(*mode) {
                    Ok(())
                } else {
                    Err("the kiosk has no switches".into())
                }
            }
            Input::Printer(fault) => {
                let printer = self.sims.printer.as_ref().ok_or(NO_PRINTER)?;
                printer.set_fault(*fault);
                Ok(())
            }
            // `run` plays a wait tick by tick, reporting after each; here it is one step.
            Input::Wait(duration) => {
                self.tick(*duration);
                Ok(())
            }
            // `run` plays real time itself (script/real_time.rs), reporting as it goes.
            Input::Sleep(duration) => {
                std::thread::sleep(*duration);
                self.tick(*duration);
                Ok(())
            }
            Input::WaitFor(text) => Err(format!("«{text}» can only be waited for by the run")),
            // Read before the kiosk started (`run_configured`).
            Input::Start(_) => Ok(()),
            Input::WaitToHear(text) => Err(format!("«{text}» can only be waited for by the run")),
        }
    }

    /// A tap on what the screen shows under `label`: the warning's buttons first (they cover
    /// the page), then the page's choices and bar, then the on-screen keyboard.
    fn touch(&mut self, label: &str) -> Result<(), String> {
        let view = self.device.view();
        if view.prefs.blank {
            return Err(format!(
                "the {} screen is blank (audio-only mode): there is no «{label}» to touch",
                view.page.name()
            ));
        }
        let input = match offered_buttons(&view).find(|b| b.label == label) {
            Some(button) => UiInput::Action(button.id.clone()),
            None => {
                let keys = kiosk_ui::keyboard::labelled_keys(view.keyboard, view.prefs.rtl);
                match keys.into_iter().find(|(key, _)| key == label) {
                    Some((_, key)) if view.overlay.is_none() => UiInput::Key(key),
                    _ => return Err(not_offered(label, &view)),
                }
            }
        };
        let now = self.now();
        if self.device.input(&input, now) {
            Ok(())
        } else {
            Err(format!(
                "«{label}» is on the {} screen but does nothing now",
                view.page.name()
            ))
        }
    }

    /// A press of a tactile key (`long`: held past the long-press time), through the simulated
    /// keypad and the firmware's key mapping.
    fn press(&mut self, key: Key, long: bool) -> Result<(), String> {
        let handle = self.sims.keypad.clone().ok_or("the kiosk has no keypad")?;
        let stream = self.keypad.as_mut().ok_or("the kiosk has no keypad")?;
        // Pressed, (LongPressed,) then Released (and anything else the press brought).
        let events = self.runtime.block_on(async {
            if long {
                handle.long_press(key).await;
            } else {
                handle.press(key).await;
            }
            [next_within(stream).await, next_within(stream).await]
        });
        let events: Vec<_> = events.into_iter().flatten().chain(drain(stream)).collect();
        let meant: Vec<_> = events.into_iter().filter_map(drivers::key_event).collect();
        if meant.is_empty() {
            return Err(format!(
                "the keypad's {} key means nothing to the firmware",
                key.name()
            ));
        }
        // As a keypad's events reach a running kiosk: digit keys on the description are
        // multi-tap letters stamped with the injected clock (keys with no `wait` between them
        // are at the same instant; `{"wait": 1}` commits a letter).
        for event in meant {
            let now = self.now();
            self.device.device_event(event, now);
        }
        Ok(())
    }

    /// A card inserted and read by the simulated reader (its national-code check and, with
    /// card authorities configured, its certificate's included). A card the reader refuses is
    /// the visitor's to hear about, as on a kiosk.
    fn card(&mut self, card: SimCard) -> Result<(), String> {
        let handle = self
            .sims
            .card
            .clone()
            .ok_or("the kiosk has no card reader")?;
        let stream = self.card.as_mut().ok_or("the kiosk has no card reader")?;
        // Inserted, then Read or ReadFailed; the card stays in until the next one.
        let events = self.runtime.block_on(async {
            handle.insert(card).await;
            [next_within(stream).await, next_within(stream).await]
        });
        let events: Vec<_> = events.into_iter().flatten().chain(drain(stream)).collect();
        let mut read = false;
        for event in &events {
            if let Some(event) = drivers::card_event(event) {
                read = true;
                let now = self.now();
                self.device.event(event, now);
            }
        }
        if read {
            Ok(())
        } else {
            Err(format!("the card reader reported no reading ({events:?})"))
        }
    }

    /// A code held under the simulated scanner (its framing and classifier).
    fn scan(&mut self, text: &str) -> Result<(), String> {
        let handle = self
            .sims
            .scanner
            .clone()
            .ok_or("the kiosk has no scanner")?;
        let stream = self.scanner.as_mut().ok_or("the kiosk has no scanner")?;
        let scanned = self.runtime.block_on(async {
            handle.scan(text).await;
            next_within(stream).await
        });
        // A text with a line break is two scans: both belong to this input.
        let scans: Vec<_> = scanned.into_iter().chain(drain(stream)).collect();
        let mut used = false;
        for scan in &scans {
            if let Some(event) = drivers::scan_event(scan) {
                used = true;
                let now = self.now();
                self.device.event(event, now);
            }
        }
        if used {
            Ok(())
        } else {
            Err(format!(
                "the scanner read «{text}» as nothing the kiosk uses ({scans:?})"
            ))
        }
    }

    /// A press of an accessibility switch, through the simulated switches.
    fn switch(&mut self, switch: kiosk_drivers::keypad::switch::Switch) -> Result<(), String> {
        let handle = self
            .sims
            .switches
            .clone()
            .ok_or("the kiosk has no switches")?;
        let stream = self.switches.as_mut().ok_or("the kiosk has no switches")?;
        let events = self.runtime.block_on(async {
            handle.press(switch).await;
            [next_within(stream).await, next_within(stream).await]
        });
        let events: Vec<_> = events.into_iter().flatten().chain(drain(stream)).collect();
        if events.is_empty() {
            return Err(format!("switch {} reported nothing", switch.name()));
        }
        for event in events {
            let now = self.now();
            self.device.switch(event, now);
        }
        Ok(())
    }

    /// Headphones in or out of the simulated jack.
    fn headphones(&mut self, plugged: bool) -> Result<(), String> {
        let handle = self
            .sims
            .headphones
            .clone()
            .ok_or("the kiosk has no headphone jack")?;
        let stream = self
            .headphones
            .as_mut()
            .ok_or("the kiosk has no headphone jack")?;
        let event = self.runtime.block_on(async {
            handle.set_plugged(plugged).await;
            next_within(stream).await
        });
        if let Some(event) = event.and_then(drivers::jack_event) {
            let now = self.now();
            self.device.event(event, now);
        }
        Ok(())
    }

    /// Plays the worker's answers until it has nothing left to do: what an input led to is
    /// written with it, as a visitor would have met it a moment later.
    fn settle(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + WORKER_DEADLINE;
        loop {
            // Nothing in flight means every answer is already posted (the worker counts a job
            // done only after posting its answer).
            let idle = self.device.kiosk().jobs_in_flight() == 0;
            let mut played = false;
            while let Ok(answer) = self.answers.try_recv() {
                let now = self.now();
                self.device.answer(answer, now);
                played = true;
            }
            if idle && !played {
                // Slips the worker printed without an answer (a guidance slip).
                let now = self.now();
                self.device.tick(now);
                return Ok(());
            }
            if Instant::now() > deadline {
                anyhow::bail!("the worker did not finish its jobs within {WORKER_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Moves the injected clock by `step` and lets the device look at it.
    fn tick(&mut self, step: Duration) {
        self.elapsed.set(self.elapsed.get() + step);
        let now = self.now();
        self.device.tick(now);
    }

    /// Writes what the last input led to: the screens the visitor journey passed through, what
    /// was said, the slips printed, and the page now shown (when it changed) with its picture.
    fn report(
        &mut self,
        ui: &KioskUi,
        mut shown: ViewModel,
        transcript: &mut Transcript,
    ) -> anyhow::Result<ViewModel> {
        let t = self.millis();
        let seen = std::mem::take(&mut *self.seen.borrow_mut());
        let view = self.device.view();
        // The screen the input settled on gets its picture: on the line that announced it, or
        // on a line of its own (the rating and desk journeys show pages without announcing).
        let settled = seen
            .iter()
            .rposition(|item| matches!(item, Seen::Screen(page) if *page == view.page));
        let mut last_page = shown.page;
        // A page blanked or lit again (audio-only mode) is written again, with its picture.
        let mut last_blank = shown.prefs.blank;
        for (index, item) in seen.into_iter().enumerate() {
            match item {
                // A page shown again (a mistake to fix on it) is not a new screen.
                Seen::Screen(page)
                    if page == last_page
                        && (Some(index) != settled || view.prefs.blank == last_blank) => {}
                Seen::Screen(page) => {
                    let png = match Some(index) == settled {
                        true => Some(render(ui, &view)?),
                        false => None,
                    };
                    transcript.screen(t, page.name(), png.as_deref(), view.prefs.blank)?;
                    last_page = page;
                    last_blank = view.prefs.blank;
                }
                Seen::Said {
                    text,
                    lang,
                    interrupt,
                } => transcript.say(t, &text, lang, interrupt)?,
                Seen::Printed => self.write_new_slips(t, transcript)?,
                Seen::Levels(levels) => transcript.levels(t, levels.volume, levels.rate)?,
            }
        }
        if settled.is_none() && (view.page != last_page || view.prefs.blank != last_blank) {
            let png = render(ui, &view)?;
            transcript.screen(t, view.page.name(), Some(&png), view.prefs.blank)?;
        }
        shown = view;
        Ok(shown)
    }

    /// Every printer job not yet written, as a slip (the last one with its picture: the
    /// content the kiosk laid out for it).
    fn write_new_slips(&mut self, t: u64, transcript: &mut Transcript) -> anyhow::Result<()> {
        let jobs = self
            .sims
            .printer
            .as_ref()
            .map(|p| p.jobs())
            .unwrap_or_default();
        let last = jobs.len();
        for (index, job) in jobs.iter().enumerate().skip(self.jobs_written) {
            let backend = self.device.kiosk().backend();
            let content = (index + 1 == last).then(|| backend.last_slip()).flatten();
            let png = content
                .map(|c| kiosk_receipt::render_png(c, &backend.profile()))
                .transpose()
                .context("rendering a slip")?;
            let tracking = content.and_then(tracking_code_of);
            let text = content.map(kiosk_receipt::ReceiptContent::text_lines);
            transcript.slip(t, png.as_deref(), job, tracking.as_deref(), text)?;
        }
        self.jobs_written = last;
        Ok(())
    }
}

const NO_PRINTER: &str = "the kiosk has no simulated printer";

/// How long a script waits for the worker to finish what an input started (a print on the
/// simulated printer takes milliseconds).
const WORKER_DEADLINE: Duration = Duration::from_secs(30);

/// The script's injected time since the start, shared with the clock the worker reads.
#[derive(Debug, Clone, Default)]
struct InjectedTime(std::sync::Arc<std::sync::Mutex<Duration>>);

impl InjectedTime {
    fn get(&self) -> Duration {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set(&self, value: Duration) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    }
}

/// The tracking code a slip's QR carries (`{portal}/t/{16 digits}`), if it has one.
fn tracking_code_of(content: &kiosk_receipt::ReceiptContent) -> Option<String> {
    content.qr_payloads().into_iter().find_map(|payload| {
        let (_, digits) = payload.rsplit_once("/t/")?;
        (digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.to_owned())
    })
}

/// The buttons a finger can reach now: the inactivity warning's alone while it covers the page.
fn offered_buttons(view: &ViewModel) -> Box<dyn Iterator<Item = &kiosk_ui::Button> + '_> {
    match &view.overlay {
        Some(overlay) => Box::new(overlay.buttons.iter()),
        None => Box::new(view.choices.iter().chain(view.bar.iter())),
    }
}

/// Why a touch found nothing: the screen, and what it does offer.
fn not_offered(label: &str, view: &ViewModel) -> String {
    let mut offered: Vec<&str> = offered_buttons(view).map(|b| b.label.as_str()).collect();
    if view.keyboard != kiosk_ui::Keyboard::None && view.overlay.is_none() {
        offered.push("(keyboard keys)");
    }
    format!(
        "no «{label}» on the {} screen (it offers: {})",
        view.page.name(),
        offered.join(", ")
    )
}

/// The next event of a simulated device, or `None` when it sends none within a second (a
/// device that had nothing to say must not hang the run).
async fn next_within<E>(stream: &mut EventStream<E>) -> Option<E> {
    tokio::time::timeout(Duration::from_secs(1), stream.next())
        .await
        .ok()
        .flatten()
}

/// Whatever else a simulated device has already sent (it belongs to the input just played).
fn drain<E>(stream: &mut EventStream<E>) -> Vec<E> {
    std::iter::from_fn(|| stream.try_next()).collect()
}

/// A signing key for this run only, as provisioning makes one per kiosk.
fn signing_key() -> anyhow::Result<ed25519_dalek::SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}
