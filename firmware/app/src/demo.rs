//! `kiosk --demo`: scripted visitors played headless through the real firmware.
//!
//! It uses the shipped example configuration with a temporary data directory, a real SQLite
//! store there, the real receipt pipeline, and the drivers' simulated devices wired by
//! [`crate::device::drivers::build`] exactly as real ones are: the printer (the job procedure
//! with DLE EOT status over a simulated device that records the ESC/POS bytes), the code
//! scanner (the same framing and classification as a serial scanner), the tactile keypad and
//! speech (a queue over a backend that records what was said). Five visitors: one mistypes the
//! national code, corrects it and registers a complaint with speech on, every prompt going
//! through the speech queue; one follows that case up by scanning the receipt; one identifies
//! by scanning the barcode of the national card and asks about a subject this office does not
//! handle, getting a guidance slip; one registers while the printer is out of paper and sees the
//! tracking code on screen; one uses only the tactile keypad to turn on high contrast and call
//! staff. Each printed slip is written as PNG (what the paper shows) and as the ESC/POS bytes
//! sent.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kiosk_config::KioskConfig;
use kiosk_config::devices::{
    CardBackend, KeypadBackend, PrinterTransport, ScannerBackend, SpeechBackend,
};
use kiosk_core::CaseKind;
use kiosk_drivers::EventStream;
use kiosk_drivers::keypad::{Key, KeyEvent};
use kiosk_drivers::printer::SimFault;
use kiosk_drivers::scanner::ScanEvent;
use kiosk_drivers::speech::{Lang as SpeechLang, SpeechEvent, SpeechQueue, Utterance};
use kiosk_receipt::Profile;
use kiosk_store::{OpenOptions, Store};

use crate::device::drivers::{self, AnyPrinter, Devices, SimHandles};
use crate::flow::{Action, ColorTheme, Event, Lang, TextSize};
use crate::runtime::{DevicePrinter, Kiosk, Record};
use crate::screens::ScreenRecorder;

/// The demo's kiosk: a configured printer (the simulated one).
type DemoKiosk = Kiosk<DevicePrinter<AnyPrinter>>;

/// The example configuration, pointed at `data_dir`, with every device simulated.
pub fn demo_config(data_dir: &Path) -> anyhow::Result<KioskConfig> {
    let mut config = kiosk_config::parse(kiosk_config::EXAMPLE, Path::new("."))
        .context("the shipped example configuration is invalid")?;
    config.data_dir = data_dir.to_owned();
    simulate_devices(&mut config);
    Ok(config)
}

/// Every device of `config` replaced by its simulated backend (the demo's, and a device's
/// configuration played by the script runner).
pub fn simulate_devices(config: &mut KioskConfig) {
    let devices = &mut config.devices;
    devices.printer.transport = PrinterTransport::Sim;
    devices.scanner.backend = ScannerBackend::Sim;
    devices.card.backend = CardBackend::Sim;
    devices.keypad.backend = KeypadBackend::Sim;
    devices.speech.backend = SpeechBackend::Sim;
    devices.indicators.backend = kiosk_config::devices::IndicatorBackend::Sim;
}

/// The kiosk the tests drive: [`demo_config`] on `data_dir` in `mode` (visitor kiosk or desk
/// terminal), a real store file there (`kiosk.db`, plaintext), a printer that keeps what it was
/// sent, the system clock. Its portal address is `kiosk.config().receipt.portal_url`.
pub fn recording_kiosk(
    data_dir: &Path,
    mode: kiosk_config::Mode,
) -> anyhow::Result<Kiosk<crate::runtime::RecordingPrinter>> {
    let mut config = demo_config(data_dir)?;
    config.mode = mode;
    let db = data_dir.join("kiosk.db");
    let store = Store::open(&db, &OpenOptions::default())
        .with_context(|| format!("opening {}", db.display()))?;
    Ok(Kiosk::new(
        config,
        store,
        Profile::MM80,
        crate::runtime::RecordingPrinter::default(),
        Box::new(chrono::Utc::now),
    ))
}

/// A [`Device`](crate::device::Device) around [`recording_kiosk`], silent (speech goes nowhere).
pub fn recording_device(
    kiosk: Kiosk<crate::runtime::RecordingPrinter>,
) -> crate::device::Device<crate::runtime::RecordingPrinter> {
    let portal = kiosk.config().receipt.portal_url.clone();
    crate::device::Device::new(kiosk, &portal, Box::new(|_, _, _| {}))
}

fn digits(text: &str) -> Vec<Event> {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| Event::Digit(d as u8))
        .collect()
}

fn chars(text: &str) -> Vec<Event> {
    text.chars().map(Event::Char).collect()
}

/// The first visitor: a mistyped code, a complaint, speech on.
fn complaint_visitor() -> Vec<Event> {
    let mut events = vec![Event::HeadphonesIn, Event::Do(Action::Start)];
    events.extend(digits("0499370898"));
    events.push(Event::Backspace);
    events.extend(digits("9"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::ChooseKind(CaseKind::Complaint)));
    events.extend(chars("سند"));
    events.push(Event::Do(Action::ChooseSubject("deed-delay".into())));
    events.push(Event::Do(Action::Phrase(0)));
    events.push(Event::Do(Action::Continue));
    events.extend(digits("09121234567"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::Confirm));
    events.push(Event::Do(Action::Finish));
    events
}

/// One step of a visitor: a tap or key on the screen, or something done at a device.
enum Step {
    /// An event straight into the flow (touch screen, on-screen keyboard).
    Touch(Event),
    /// A code held under the scanner (through the simulated scanner's framing and classifier).
    Scan(String),
    /// A press of a tactile key (through the simulated keypad and the key mapping).
    Key(Key),
    /// Tactile keys only: Down until this action of the current screen is focused, then Select.
    KeyTo(Action),
}

fn touch(events: Vec<Event>) -> Vec<Step> {
    events.into_iter().map(Step::Touch).collect()
}

fn guidance_visitor() -> Vec<Step> {
    vec![
        Step::Touch(Event::Do(Action::Start)),
        // The barcode on the back of the national card.
        Step::Scan("0084575948".into()),
        Step::Touch(Event::Do(Action::ChooseKind(CaseKind::Request))),
        Step::Touch(Event::Do(Action::ChooseSubject("car-plates".into()))),
        Step::Touch(Event::Do(Action::PrintGuidance)),
        Step::Touch(Event::Do(Action::Finish)),
    ]
}

fn paper_out_visitor() -> Vec<Event> {
    let mut events = vec![Event::IdentityRead("0067749828".into())];
    events.push(Event::Do(Action::ChooseKind(CaseKind::Suggestion)));
    events.push(Event::Do(Action::ChooseSubject("service-quality".into())));
    events.extend(chars("صف انتظار طولانی است"));
    events.push(Event::Do(Action::Continue));
    events.push(Event::Do(Action::SkipMobile));
    events.push(Event::Do(Action::Confirm));
    events
}

/// A visitor who cannot use the touch screen: high contrast and larger text through the
/// accessibility screen, then asks for a staff member, all on the tactile keypad.
fn keypad_visitor() -> Vec<Step> {
    vec![
        Step::KeyTo(Action::OpenAccessibility),
        Step::KeyTo(Action::SetTheme(ColorTheme::HighContrastDark)),
        Step::KeyTo(Action::SetTextSize(TextSize::Large)),
        Step::KeyTo(Action::CloseAccessibility),
        Step::KeyTo(Action::Start),
        Step::Key(Key::CallStaff),
        Step::Key(Key::Cancel),
        Step::Key(Key::Cancel),
        Step::Key(Key::Cancel),
    ]
}

/// Plays the visitors; writes every printed slip into `out_dir`; returns the transcript.
pub fn run(data_dir: &Path, out_dir: &Path, now: DateTime<Utc>) -> anyhow::Result<String> {
    run_with_screens(data_dir, out_dir, now, None)
}

/// The demo's kiosk with its simulated devices, and an event loop to drive them.
struct Stage {
    kiosk: DemoKiosk,
    sims: SimHandles,
    scanner: Option<EventStream<ScanEvent>>,
    keypad: Option<EventStream<KeyEvent>>,
    speech: Option<(SpeechQueue, EventStream<SpeechEvent>)>,
    runtime: tokio::runtime::Runtime,
    profile: Profile,
    /// Utterances handed to the speech queue so far.
    said: usize,
}

impl Stage {
    fn printed(&self) -> Vec<Vec<u8>> {
        self.sims
            .printer
            .as_ref()
            .map(|p| p.jobs())
            .unwrap_or_default()
    }

    /// Carries out one step; device steps go through the simulated device and come back as
    /// the flow event the firmware's mapping makes of them.
    fn step(&mut self, step: Step) -> anyhow::Result<()> {
        match step {
            Step::Touch(event) => self.kiosk.handle(event),
            Step::Scan(code) => {
                let (Some(handle), Some(stream)) =
                    (self.sims.scanner.as_ref(), self.scanner.as_mut())
                else {
                    anyhow::bail!("the demo has no simulated scanner");
                };
                let scanned = self.runtime.block_on(async {
                    handle.scan(&code).await;
                    stream.next().await
                });
                match scanned.as_ref().and_then(drivers::scan_event) {
                    Some(event) => self.kiosk.handle(event),
                    None => anyhow::bail!("the scanner sim gave {scanned:?} for a demo code"),
                }
            }
            Step::Key(key) => self.press(key)?,
            Step::KeyTo(target) => {
                let flow = self.kiosk.flow();
                let actions = flow.actions();
                let Some(at) = actions.iter().position(|a| *a == target) else {
                    anyhow::bail!("{target:?} is not on the {:?} screen", flow.screen());
                };
                let count = actions.len();
                let downs = (at + count - flow.session().focus % count) % count;
                for _ in 0..downs {
                    self.press(Key::Down)?;
                }
                self.press(Key::Enter)?;
            }
        }
        self.speak_new()
    }

    fn press(&mut self, key: Key) -> anyhow::Result<()> {
        let (Some(handle), Some(stream)) = (self.sims.keypad.as_ref(), self.keypad.as_mut()) else {
            anyhow::bail!("the demo has no simulated keypad");
        };
        let events = self.runtime.block_on(async {
            handle.press(key).await;
            // Pressed, then Released.
            [stream.next().await, stream.next().await]
        });
        for event in events.into_iter().flatten().filter_map(drivers::key_event) {
            self.kiosk.handle(event);
        }
        Ok(())
    }

    /// Hands what the flow said since the last call to the speech queue.
    fn speak_new(&mut self) -> anyhow::Result<()> {
        let Some((queue, _)) = self.speech.as_ref() else {
            return Ok(());
        };
        let lang = match self.kiosk.flow().session().prefs.lang {
            Lang::Fa => SpeechLang::Fa,
            Lang::En => SpeechLang::En,
        };
        let spoken: Vec<String> = self
            .kiosk
            .transcript()
            .iter()
            .filter_map(|r| match r {
                Record::Spoken { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        for text in spoken.iter().skip(self.said) {
            queue.say(Utterance::text(lang, text.clone()));
        }
        self.said = spoken.len();
        Ok(())
    }

    /// Waits until the speech queue has spoken everything handed to it; returns the count.
    fn speech_done(&self) -> anyhow::Result<usize> {
        let Some(sim) = self.sims.speech.as_ref() else {
            return Ok(0);
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while sim.spoken().len() < self.said {
            if std::time::Instant::now() > deadline {
                anyhow::bail!(
                    "the speech queue said {} of {} utterances",
                    sim.spoken().len(),
                    self.said
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        Ok(sim.spoken().len())
    }
}

/// [`run`], also writing each screen as PNG through `screens` (`kiosk --demo --headless`).
pub fn run_with_screens(
    data_dir: &Path,
    out_dir: &Path,
    now: DateTime<Utc>,
    mut screens: Option<&mut ScreenRecorder>,
) -> anyhow::Result<String> {
    let config = demo_config(data_dir)?;
    let db_path = data_dir.join("kiosk.db");
    let store = Store::open(&db_path, &OpenOptions::default())
        .with_context(|| format!("opening {}", db_path.display()))?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    // A signing key made for this run only, as provisioning makes one per kiosk.
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let Devices {
        printer,
        profile,
        scanner,
        keypad,
        speech,
        sims,
        ..
    } = drivers::build(&config).context("starting the simulated devices")?;
    let kiosk = Kiosk::new(config, store, profile, printer, Box::new(move || now))
        .with_satisfaction_key(ed25519_dalek::SigningKey::from_bytes(&seed));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("starting the demo's event loop")?;
    let mut stage = Stage {
        kiosk,
        sims,
        scanner,
        keypad,
        speech,
        runtime,
        profile,
        said: 0,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "kiosk demo: scripted visitors, headless (with --headless --out DIR every screen is also written as PNG); every step is the firmware's own code, devices are the drivers' simulated ones"
    );
    let _ = writeln!(
        out,
        "data dir {}, slips in {}",
        data_dir.display(),
        out_dir.display()
    );

    let mut slips = 0usize;
    let mut play = |stage: &mut Stage,
                    title: &str,
                    steps: Vec<Step>,
                    out: &mut String|
     -> anyhow::Result<()> {
        let _ = writeln!(out, "\n== {title}");
        let start = stage.kiosk.transcript().len();
        let spoken_before = stage.speech_done()?;
        for step in steps {
            let printed_before = stage.printed().len();
            stage.step(step)?;
            if let Some(screens) = screens.as_deref_mut() {
                for name in screens.observe(stage.kiosk.flow())? {
                    let _ = writeln!(out, "   wrote {name}");
                }
            }
            let printed = stage.printed();
            if printed.len() > printed_before {
                slips += 1;
                let name = format!("slip-{slips}");
                if let Some(content) = stage.kiosk.backend().last_slip() {
                    let png = kiosk_receipt::render_png(content, &stage.profile)?;
                    std::fs::write(out_dir.join(format!("{name}.png")), png)?;
                }
                let bytes = printed.last().cloned().unwrap_or_default();
                std::fs::write(out_dir.join(format!("{name}.bin")), bytes)?;
                let _ = writeln!(out, "   wrote {name}.png and {name}.bin");
            }
        }
        for record in &stage.kiosk.transcript()[start..] {
            let _ = match record {
                Record::Screen(screen) => writeln!(out, "  screen  {screen:?}"),
                Record::Spoken { text, .. } => writeln!(out, "  speech  {text}"),
                Record::Alert(alert) => writeln!(out, "  staff   {alert:?}"),
                Record::OpenRating(_) => writeln!(out, "  rating  opened"),
                Record::Printed(slip) => {
                    writeln!(
                        out,
                        "  printer {}: {} bytes, {}",
                        slip.what,
                        slip.bytes,
                        if slip.ok { "printed" } else { "FAILED" }
                    )
                }
                Record::SpeechLevels(levels) => writeln!(
                    out,
                    "  levels  volume {} rate {}",
                    levels.volume, levels.rate
                ),
                Record::IdleTimer { .. } => Ok(()),
            };
        }
        let spoken = stage.speech_done()? - spoken_before;
        if spoken > 0 {
            let _ = writeln!(
                out,
                "  (speech queue: {spoken} utterances spoken by the simulated voice)"
            );
        }
        Ok(())
    };

    play(
        &mut stage,
        "visitor 1: complaint, national code mistyped then corrected, speech on",
        touch(complaint_visitor()),
        &mut out,
    )?;
    let code = kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(12)?, 1)?;
    play(
        &mut stage,
        "visitor 2: follows the case up by scanning the receipt, then the national card",
        vec![
            Step::Scan(code.as_string()),
            Step::Touch(Event::IdentityRead("0499370899".into())),
        ],
        &mut out,
    )?;
    if let Some(view) = &stage.kiosk.flow().session().follow_up {
        for entry in &view.timeline {
            let when = kiosk_core::JalaliDate::at(entry.at).format_fa();
            let _ = writeln!(out, "  timeline {when} · {} · {}", entry.what, entry.unit);
        }
    }
    stage.kiosk.handle(Event::Do(Action::Finish));
    play(
        &mut stage,
        "visitor 3: scans the barcode of the national card; a subject this office does not handle",
        guidance_visitor(),
        &mut out,
    )?;
    if let Some(printer) = &stage.sims.printer {
        printer.set_fault(SimFault::PaperEnd);
    }
    play(
        &mut stage,
        "visitor 4: registers while the printer is out of paper",
        touch(paper_out_visitor()),
        &mut out,
    )?;
    if let Some(printer) = &stage.sims.printer {
        printer.set_fault(SimFault::Healthy);
    }
    stage.kiosk.handle(Event::Do(Action::Finish));
    play(
        &mut stage,
        "visitor 5: tactile keypad only: high contrast, larger text, calls staff",
        keypad_visitor(),
        &mut out,
    )?;
    if let Some(screens) = screens {
        for name in screens.finish()? {
            let _ = writeln!(out, "   wrote {name}");
        }
    }
    let outbox = stage.kiosk.backend().store().outbox_depth()?;
    let _ = writeln!(
        out,
        "\ncases registered: {}; outbox: {} waiting for SAMAD; visitor 4's receipt is recorded as failed, for staff to reprint",
        stage.kiosk.backend().store().counts()?.cases,
        outbox.pending
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_drives_every_simulated_device() {
        let data = tempfile::tempdir().expect("data dir");
        let out = data.path().join("slips");
        let transcript = run(data.path(), &out, Utc::now()).expect("the demo runs");
        let section = |n: usize| {
            let start = transcript
                .find(&format!("== visitor {n}"))
                .unwrap_or_else(|| panic!("visitor {n} missing:\n{transcript}"));
            let rest = &transcript[start + 3..];
            &rest[..rest.find("\n== ").unwrap_or(rest.len())]
        };
        // Speech went through the queue: every spoken line was said by the simulated voice.
        let v1 = section(1);
        let spoken = v1.lines().filter(|l| l.starts_with("  speech  ")).count();
        assert!(spoken > 5, "{v1}");
        assert!(
            v1.contains(&format!("(speech queue: {spoken} utterances")),
            "{v1}"
        );
        // The receipt's code, scanned, opened the case.
        assert!(section(2).contains("screen  FollowUp"), "{}", section(2));
        // The card's barcode, scanned, identified the visitor: the case kind comes next.
        let v3 = section(3);
        assert!(
            v3.contains("screen  Kind") && v3.contains("printer guidance"),
            "{v3}"
        );
        assert!(section(4).contains("FAILED"), "{}", section(4));
        // Keypad only: accessibility, then staff called.
        let v5 = section(5);
        assert!(v5.contains("screen  Accessibility"), "{v5}");
        assert!(v5.contains("screen  CallStaff"), "{v5}");
        assert!(v5.contains("staff   CallRequested"), "{v5}");
        assert!(out.join("slip-1.bin").is_file() && out.join("slip-2.png").is_file());
        assert!(transcript.contains("cases registered: 2"), "{transcript}");
    }
}
