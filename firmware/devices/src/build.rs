//! Every configured device started: [`build`] checks the configuration's devices ([`check`])
//! and returns [`Devices`].
//!
//! The receipt printer comes with the [`Profile`] its slips are laid out for; the input devices
//! (scanner, card reader, keypad, headphone jack) come as async event streams, each read on its
//! own thread inside the drivers; speech comes as a queue with its progress events. Backends
//! configured `sim` come with their handles in [`SimHandles`], which the demo and tests drive.
//! The firmware wraps the printer into its runtime's print sink with [`Devices::map_printer`]
//! (`firmware/app/src/device/drivers.rs`).

use kiosk_config::KioskConfig;
use kiosk_config::devices::{
    CardBackend, HeadphoneBackend, IndicatorBackend, KeypadBackend, LineEnd, ScannerBackend,
    SpeechBackend, SpeechOutput, SwitchBackend, WedgeLayout,
};
use kiosk_drivers::EventStream;
use kiosk_drivers::card::{
    ApduProfile, CardEvent, CardReader as _, CardTrust, PcscReader, PcscReaderConfig,
    SimCardReader, SimCardReaderHandle,
};
use kiosk_drivers::keypad::evdev::keymap_with;
use kiosk_drivers::keypad::switch::{
    SimSwitches, SimSwitchesHandle, Switch, SwitchEvent, SwitchSource as _,
};
use kiosk_drivers::keypad::{
    HeadphoneJack as _, Indicators, JackEvent, KeyEvent, Keypad as _, SimIndicators, SimJack,
    SimJackHandle, SimKeypad, SimKeypadHandle,
};
use kiosk_drivers::keypad::{Key, MatrixLayout};
use kiosk_drivers::printer::SimPrinterHandle;
use kiosk_drivers::scanner::{
    ClassifierConfig, CodeScanner as _, FramingConfig, ScanEvent, SerialScanner,
    SerialScannerConfig, SimScanner, SimScannerHandle, Terminator, WedgeScanner,
    WedgeScannerConfig, keymap::Layout,
};
use kiosk_drivers::speech::{
    EspeakNg, Output, RecordedPrompts, SimSpeech, Speech, SpeechEvent, SpeechQueue, SpeechSettings,
};
use kiosk_receipt::Profile;

use crate::check::{DeviceError, check};
use crate::printer::{AnyPrinter, printer, receipt_profile};

/// Every device of a kiosk, started. `P` is the receipt printer: the driver itself
/// ([`AnyPrinter`]) as [`build`] returns it, or whatever [`Devices::map_printer`] made of it.
pub struct Devices<P = AnyPrinter> {
    /// The receipt printer.
    pub printer: P,
    /// What slips are laid out and encoded for.
    pub profile: Profile,
    /// Scanned codes (`None`: no scanner configured).
    pub scanner: Option<EventStream<ScanEvent>>,
    /// Cards inserted, read and removed (`None`: no card reader).
    pub card: Option<EventStream<CardEvent>>,
    /// Keypad presses (`None`: no keypad).
    pub keypad: Option<EventStream<KeyEvent>>,
    /// The speech queue and its progress events (`None`: speech off).
    pub speech: Option<(SpeechQueue, EventStream<SpeechEvent>)>,
    /// Headphones plugged and unplugged (`None`: no detection).
    pub headphones: Option<EventStream<JackEvent>>,
    /// Status LEDs and buzzer (`None`: none configured).
    pub indicators: Option<Box<dyn Indicators>>,
    /// Accessibility switches pressed and released (`None`: no switch access).
    pub switches: Option<EventStream<SwitchEvent>>,
    /// Handles of the simulated backends that were configured.
    pub sims: SimHandles,
}

impl<P> Devices<P> {
    /// The same devices with the printer wrapped (the firmware makes it its runtime's print
    /// sink).
    pub fn map_printer<Q>(self, wrap: impl FnOnce(P) -> Q) -> Devices<Q> {
        let Self {
            printer,
            profile,
            scanner,
            card,
            keypad,
            speech,
            headphones,
            indicators,
            switches,
            sims,
        } = self;
        Devices {
            printer: wrap(printer),
            profile,
            scanner,
            card,
            keypad,
            speech,
            headphones,
            indicators,
            switches,
            sims,
        }
    }
}

/// Handles of simulated devices, for the demo and tests.
#[derive(Default)]
pub struct SimHandles {
    /// The simulated printer's record and fault switch.
    pub printer: Option<SimPrinterHandle>,
    /// "Scans" codes.
    pub scanner: Option<SimScannerHandle>,
    /// Inserts cards.
    pub card: Option<SimCardReaderHandle>,
    /// Presses keys.
    pub keypad: Option<SimKeypadHandle>,
    /// What was said.
    pub speech: Option<SimSpeech>,
    /// Plugs headphones in and out.
    pub headphones: Option<SimJackHandle>,
    /// What the LEDs and buzzer were told.
    pub indicators: Option<SimIndicators>,
    /// Presses the accessibility switches.
    pub switches: Option<SimSwitchesHandle>,
}

/// Checks and starts every configured device; every problem [`check`] finds is in the error.
pub fn build(config: &KioskConfig) -> Result<Devices, DeviceError> {
    let problems = check(config);
    if !problems.is_empty() {
        return Err(DeviceError(problems));
    }
    let d = &config.devices;
    let mut sims = SimHandles::default();

    let (printer, sim_printer) = printer(&d.printer);
    sims.printer = sim_printer;
    let profile = receipt_profile(&d.printer.profile);

    let classifier = ClassifierConfig {
        national_code: config.national_code_policy,
        portal_url: config.receipt.portal_url.trim_end_matches('/').to_owned(),
        ..ClassifierConfig::default()
    };
    let scanner = match &d.scanner.backend {
        ScannerBackend::None => None,
        ScannerBackend::Sim => {
            let (scanner, handle) = SimScanner::new(classifier);
            sims.scanner = Some(handle);
            Some(scanner.events())
        }
        ScannerBackend::Serial {
            path,
            baud,
            terminator,
        } => {
            let mut serial = SerialScannerConfig::new(path);
            serial.baud = *baud;
            serial.classifier = classifier;
            serial.framing = FramingConfig {
                terminator: match terminator {
                    LineEnd::CrOrLf => Terminator::CrOrLf,
                    LineEnd::Tab => Terminator::Byte(b'\t'),
                    LineEnd::Idle => Terminator::Idle,
                },
                max_line_len: d.scanner.max_line,
                line_timeout: d.scanner.line_timeout,
            };
            Some(SerialScanner::new(serial).events())
        }
        ScannerBackend::Wedge { path, layout } => {
            let mut wedge = WedgeScannerConfig::new(path);
            wedge.layout = match layout {
                WedgeLayout::Us => Layout::Us,
                WedgeLayout::Persian => Layout::Persian,
            };
            wedge.classifier = classifier;
            wedge.max_line_len = d.scanner.max_line;
            wedge.line_timeout = d.scanner.line_timeout;
            Some(WedgeScanner::new(wedge).events())
        }
    };

    let trust = match card_trust(&d.card) {
        Ok(trust) => trust,
        Err(problem) => return Err(DeviceError(vec![problem])),
    };
    if trust.is_none() && d.card.backend != CardBackend::None {
        tracing::warn!(
            "no [card] trust_anchors: national card certificates are read without verifying \
             their issuer, so a self-made card is taken at its word"
        );
    }
    let card = match &d.card.backend {
        CardBackend::None => None,
        CardBackend::Sim => {
            let (reader, handle) = SimCardReader::new(config.national_code_policy);
            sims.card = Some(handle.with_trust(trust));
            Some(reader.events())
        }
        CardBackend::Pcsc { reader } => Some(
            PcscReader::new(PcscReaderConfig {
                trust,
                reader_filter: reader.clone(),
                profile: ApduProfile {
                    select: d.card.select.clone(),
                    chunk: d.card.chunk,
                    max_len: d.card.max_certificate_bytes,
                },
                policy: config.national_code_policy,
                ..PcscReaderConfig::default()
            })
            .events(),
        ),
    };

    let keypad = match &d.keypad.backend {
        KeypadBackend::None => None,
        KeypadBackend::Sim => {
            let (keypad, handle) = SimKeypad::new();
            sims.keypad = Some(handle);
            Some(keypad.events())
        }
        KeypadBackend::Evdev { path, keys } => {
            let mut evdev = kiosk_drivers::keypad::evdev::EvdevKeypad::new(path);
            evdev.keymap = evdev_keymap(keys);
            evdev.long_press = d.keypad.long_press;
            Some(evdev.events())
        }
        #[cfg(feature = "gpio-rppal")]
        // A layout the drivers refuse was reported by `check` above.
        KeypadBackend::Gpio(matrix) => matrix_layout(&matrix.layout).map(|layout| {
            kiosk_drivers::keypad::rppal::RppalKeypad {
                rows: matrix.rows.clone(),
                columns: matrix.columns.clone(),
                layout,
                timing: kiosk_drivers::keypad::KeyTiming {
                    long_press: d.keypad.long_press,
                    ..Default::default()
                },
            }
            .events()
        }),
        // `check` refused it above.
        #[cfg(not(feature = "gpio-rppal"))]
        KeypadBackend::Gpio(_) => None,
    };

    let settings = SpeechSettings {
        rate_wpm: d.speech.rate_wpm,
        volume: d.speech.volume,
    };
    let output = match &d.speech.output {
        SpeechOutput::Default => Output::Alsa,
        SpeechOutput::WavFile(path) => Output::WavFile(path.clone()),
    };
    let speech = match d.speech.backend {
        SpeechBackend::None => None,
        SpeechBackend::Sim => {
            let sim = SimSpeech::new(std::time::Duration::ZERO);
            sims.speech = Some(sim.clone());
            Some(SpeechQueue::new(sim, settings))
        }
        SpeechBackend::Espeak => {
            let espeak = EspeakNg::new(output.clone())
                .with_voices(d.speech.voice_fa.clone(), d.speech.voice_en.clone());
            let backend: Box<dyn Speech> = match &d.speech.recordings {
                Some(dir) => Box::new(RecordedPrompts::new(dir, output, espeak)),
                None => Box::new(espeak),
            };
            Some(SpeechQueue::new(backend, settings))
        }
    };

    let headphones = match &d.headphones.backend {
        HeadphoneBackend::None => None,
        HeadphoneBackend::Sim => {
            let (jack, handle) = SimJack::new();
            sims.headphones = Some(handle);
            Some(jack.events())
        }
        HeadphoneBackend::Evdev { path } => {
            Some(kiosk_drivers::keypad::evdev::EvdevJack { path: path.clone() }.events())
        }
        #[cfg(feature = "gpio-rppal")]
        HeadphoneBackend::Gpio {
            pin,
            plugged_when_low,
        } => Some(
            kiosk_drivers::keypad::rppal::RppalJack {
                pin: *pin,
                plugged_when_low: *plugged_when_low,
            }
            .events(),
        ),
        // `check` refused it above.
        #[cfg(not(feature = "gpio-rppal"))]
        HeadphoneBackend::Gpio { .. } => None,
    };

    let indicators: Option<Box<dyn Indicators>> = match &d.indicators.backend {
        IndicatorBackend::None => None,
        IndicatorBackend::Sim => {
            let sim = SimIndicators::default();
            sims.indicators = Some(sim.clone());
            Some(Box::new(sim))
        }
        #[cfg(feature = "gpio-rppal")]
        IndicatorBackend::Gpio(pins) => {
            use kiosk_drivers::keypad::Led;
            let leds: Vec<(Led, u8)> = [
                (Led::Ready, pins.ready),
                (Led::Busy, pins.busy),
                (Led::Fault, pins.fault),
            ]
            .into_iter()
            .filter_map(|(led, pin)| pin.map(|p| (led, p)))
            .collect();
            match kiosk_drivers::keypad::rppal::RppalIndicators::new(&leds, pins.buzzer) {
                Ok(indicators) => Some(Box::new(indicators)),
                Err(e) => {
                    return Err(DeviceError(vec![crate::check::DeviceProblem {
                        device: "status LEDs and buzzer",
                        key: "indicators.backend",
                        reason: format!("the GPIO pins could not be claimed: {e}"),
                    }]));
                }
            }
        }
        // `check` refused it above.
        #[cfg(not(feature = "gpio-rppal"))]
        IndicatorBackend::Gpio(_) => None,
    };

    let switches = match &d.switches.backend {
        SwitchBackend::None => None,
        SwitchBackend::Sim => {
            let (switches, handle) = SimSwitches::new();
            sims.switches = Some(handle);
            Some(switches.events())
        }
        SwitchBackend::Evdev { path, a, b } => Some(
            kiosk_drivers::keypad::switch::EvdevSwitches {
                path: path.clone(),
                codes: [(Switch::A, Some(*a)), (Switch::B, *b)]
                    .into_iter()
                    .filter_map(|(s, code)| Some((s, code?)))
                    .collect(),
            }
            .events(),
        ),
        #[cfg(feature = "gpio-rppal")]
        SwitchBackend::Gpio { a, b } => Some(
            kiosk_drivers::keypad::switch::RppalSwitches {
                pins: [(Switch::A, Some(*a)), (Switch::B, *b)]
                    .into_iter()
                    .filter_map(|(s, pin)| Some((s, pin?)))
                    .collect(),
                debounce: std::time::Duration::from_millis(30),
            }
            .events(),
        ),
        // `check` refused it above.
        #[cfg(not(feature = "gpio-rppal"))]
        SwitchBackend::Gpio { .. } => None,
    };

    Ok(Devices {
        printer,
        profile,
        scanner,
        card,
        keypad,
        speech,
        headphones,
        indicators,
        switches,
        sims,
    })
}

/// The evdev keypad's key map: the drivers' defaults with `[keypad.keys]` applied
/// (`kiosk_drivers::keypad::evdev::keymap_with`). Names the drivers do not know are skipped;
/// the configuration only lets through names of `kiosk_config::devices::KEYPAD_KEYS`, which
/// this crate's tests hold equal to the drivers' keys.
pub fn evdev_keymap(keys: &[(&'static str, Vec<u16>)]) -> Vec<(u16, Key)> {
    let overrides: Vec<(Key, Vec<u16>)> = keys
        .iter()
        .filter_map(|(name, codes)| Some((Key::from_name(name)?, codes.clone())))
        .collect();
    keymap_with(&overrides)
}

/// The GPIO matrix's layout as the drivers take it; `None` if a name is not a key or the
/// layout is not a rectangle with each key once (which the configuration already refuses).
pub fn matrix_layout(layout: &[Vec<Option<&'static str>>]) -> Option<MatrixLayout> {
    let rows: Vec<Vec<Option<Key>>> = layout
        .iter()
        .map(|row| {
            row.iter()
                .map(|name| match name {
                    None => Some(None),
                    Some(name) => Key::from_name(name).map(Some),
                })
                .collect::<Option<Vec<_>>>()
        })
        .collect::<Option<Vec<_>>>()?;
    MatrixLayout::new(&rows).ok()
}

/// The card authorities of `[card]`, read from their files; `None` when none are configured.
pub fn card_trust(
    card: &kiosk_config::devices::CardSettings,
) -> Result<Option<CardTrust>, crate::check::DeviceProblem> {
    if card.trust_anchors.is_empty() {
        return Ok(None);
    }
    let problem = |key: &'static str, reason: String| crate::check::DeviceProblem {
        device: "card reader",
        key,
        reason,
    };
    let read = |key: &'static str, paths: &[std::path::PathBuf], crl: bool| {
        let mut objects = Vec::new();
        for path in paths {
            let bytes = std::fs::read(path)
                .map_err(|e| problem(key, format!("{}: {e}", path.display())))?;
            let found = CardTrust::der_objects(&bytes, crl)
                .map_err(|e| problem(key, format!("{}: {e}", path.display())))?;
            objects.extend(found);
        }
        Ok::<_, crate::check::DeviceProblem>(objects)
    };
    let anchors = read("card.trust_anchors", &card.trust_anchors, false)?;
    let intermediates = read("card.intermediates", &card.intermediates, false)?;
    let crls = read("card.crls", &card.crls, true)?;
    CardTrust::new(anchors, intermediates, crls)
        .map(Some)
        .map_err(|e| problem("card.trust_anchors", e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kiosk_drivers::keypad::{JackEvent, Key, KeyEvent};
    use kiosk_drivers::printer::Condition;
    use kiosk_drivers::printer::responder::{READY_ANSWERS, Responder};
    use kiosk_drivers::scanner::Scanned;
    use kiosk_drivers::speech::{Lang, Utterance};

    use super::*;
    use crate::testing::{FAST, QUIET, config, sample};

    #[test]
    fn the_configuration_and_the_drivers_agree_on_the_keypad() {
        use kiosk_config::devices::{DEFAULT_KEYPAD_LAYOUT, KEYPAD_KEYS, keycodes};
        use kiosk_drivers::keypad::evdev::{DEFAULT_KEYMAP, code_of};
        use kiosk_drivers::keypad::matrix::DEFAULT_LAYOUT;

        assert_eq!(
            KEYPAD_KEYS,
            Key::ALL.map(Key::name),
            "the same names, in order"
        );
        let layout: Vec<Vec<Option<&'static str>>> = DEFAULT_KEYPAD_LAYOUT
            .iter()
            .map(|row| row.iter().map(|k| (!k.is_empty()).then_some(*k)).collect())
            .collect();
        assert_eq!(matrix_layout(&layout), Some(MatrixLayout::telephone()));
        for (name, code) in keycodes::all() {
            assert_eq!(code_of(&name), Some(code), "{name}");
        }
        assert_eq!(evdev_keymap(&[]), DEFAULT_KEYMAP.to_vec());
        let map = evdev_keymap(&[("call_staff", vec![88]), ("5", vec![])]);
        assert!(map.contains(&(88, Key::CallStaff)));
        assert!(!map.iter().any(|(_, k)| *k == Key::Digit5), "5 is off");
        assert_eq!(DEFAULT_LAYOUT.len(), DEFAULT_KEYPAD_LAYOUT.len());
        assert_eq!(matrix_layout(&[vec![Some("jump")]]), None);
        assert_eq!(matrix_layout(&[vec![Some("1")], vec![]]), None, "ragged");
    }

    #[test]
    fn configured_indicators_are_built_and_gpio_needs_its_feature() {
        use kiosk_drivers::keypad::{IndicatorCall, Led, LedState};
        let mut devices = build(&config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[indicators]\nbackend = \"sim\"\n"
        )))
        .expect("devices start");
        let mut indicators = devices.indicators.take().expect("built");
        indicators.set_led(Led::Fault, LedState::Blink);
        let sim = devices.sims.indicators.as_ref().expect("sim handle");
        assert_eq!(
            sim.calls(),
            [IndicatorCall::Led(Led::Fault, LedState::Blink)]
        );
        let none =
            build(&config(&format!("{QUIET}[printer]\ntransport = \"sim\"\n"))).expect("devices");
        assert!(none.indicators.is_none());
        let gpio = build(&config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[indicators]\nbackend = \"gpio\"\nfault = 24\n"
        )));
        if cfg!(feature = "gpio-rppal") {
            // No GPIO chip on a build machine: refused naming the key, never a panic.
            if let Err(e) = gpio {
                assert!(e.to_string().contains("indicators"), "{e}");
            }
        } else {
            let e = gpio.err().expect("refused without the feature");
            assert!(e.to_string().contains("indicators.backend"), "{e}");
        }
    }

    #[tokio::test]
    async fn configured_switches_are_built_and_gpio_needs_its_feature() {
        let mut devices = build(&config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[switches]\nbackend = \"sim\"\nmode = \"scan\"\n"
        )))
        .expect("devices start");
        let handle = devices.sims.switches.clone().expect("sim handle");
        assert!(handle.press(Switch::A).await);
        let stream = devices.switches.as_mut().expect("stream");
        assert_eq!(stream.next().await, Some(SwitchEvent::Pressed(Switch::A)));
        assert_eq!(stream.next().await, Some(SwitchEvent::Released(Switch::A)));
        let none =
            build(&config(&format!("{QUIET}[printer]\ntransport = \"sim\"\n"))).expect("devices");
        assert!(none.switches.is_none());
        let gpio = build(&config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[switches]\nbackend = \"gpio\"\na = 27\nb = 4\n"
        )));
        if !cfg!(feature = "gpio-rppal") {
            let e = gpio.err().expect("refused without the feature");
            assert!(e.to_string().contains("switches.backend"), "{e}");
        }
        let usb = build(&config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[switches]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/no-switches\"\n"
        )));
        let e = usb.err().expect("a missing event device is refused");
        assert!(e.to_string().contains("switches.path"), "{e}");
    }

    #[test]
    fn a_serial_printer_on_a_pty_prints_the_sample_receipt() {
        let (responder, path) = Responder::pty(READY_ANSWERS).expect("pty");
        let config = config(&format!(
            "{QUIET}[printer]\ntransport = \"serial\"\npath = \"{}\"\nbaud = 115200\n{FAST}",
            path.display()
        ));
        let mut devices = build(&config).expect("devices start");
        assert!(
            devices.sims.printer.is_none(),
            "a real printer has no sim handle"
        );
        let job = sample(&devices.profile);
        assert!(devices.printer.print(&job).is_ok());
        let got = responder.received();
        assert!(
            got.windows(job.len()).any(|w| w == job.as_slice()),
            "the whole receipt arrived ({} of {} bytes)",
            got.len(),
            job.len()
        );
        responder.set_answers([0x12, 0x12, 0x12, 0x72]);
        let err = devices.printer.print(&job).expect_err("paper out");
        assert!(
            matches!(err.status().condition, Condition::PaperEnd),
            "{err}"
        );
    }

    #[tokio::test]
    async fn simulated_devices_are_wired_to_their_streams() {
        let config = config(
            "[printer]\ntransport = \"sim\"\n[scanner]\nbackend = \"sim\"\n[card]\nbackend = \"sim\"\n[keypad]\nbackend = \"sim\"\n[speech]\nbackend = \"sim\"\n[headphones]\nbackend = \"sim\"\n",
        );
        let mut devices = build(&config).expect("devices start");
        let jack = devices.sims.headphones.as_ref().expect("sim jack");
        assert!(jack.set_plugged(true).await);
        assert!(jack.set_plugged(false).await);
        let plugs = devices.headphones.as_mut().expect("stream");
        assert_eq!(plugs.next().await, Some(JackEvent::Plugged));
        assert_eq!(plugs.next().await, Some(JackEvent::Unplugged));

        let job = sample(&devices.profile);
        assert!(devices.printer.print(&job).is_ok());
        let sim = devices.sims.printer.as_ref().expect("sim printer");
        assert_eq!(sim.jobs(), vec![job]);

        let scanner = devices.sims.scanner.as_ref().expect("sim scanner");
        assert!(scanner.scan("0499370899").await);
        let event = devices.scanner.as_mut().expect("stream").next().await;
        assert!(
            matches!(event, Some(ScanEvent::Scanned(Scanned::NationalCode(_)))),
            "{event:?}"
        );
        let keypad = devices.sims.keypad.as_ref().expect("sim keypad");
        assert!(keypad.press(Key::Enter).await);
        let keys = devices.keypad.as_mut().expect("stream");
        assert_eq!(keys.next().await, Some(KeyEvent::Pressed(Key::Enter)));

        let card = devices.sims.card.as_ref().expect("sim card");
        assert!(
            card.insert(kiosk_drivers::card::SimCard::Broken(
                kiosk_drivers::card::CardError::Mute
            ))
            .await
        );
        let cards = devices.card.as_mut().expect("stream");
        assert_eq!(cards.next().await.map(|e| e.kind()), Some("inserted"));
        assert_eq!(cards.next().await.map(|e| e.kind()), Some("read_failed"));

        let (queue, mut progress) = devices.speech.take().expect("speech");
        let id = queue.say(Utterance::text(Lang::Fa, "سلام"));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, progress.next()).await {
                Ok(Some(SpeechEvent::Finished(done))) if done == id => break,
                Ok(Some(_)) => {}
                other => panic!("speech did not finish: {other:?}"),
            }
        }
        let spoken = devices.sims.speech.as_ref().expect("sim speech").spoken();
        assert_eq!(spoken[0].0.text, "سلام");
    }

    #[test]
    fn unconfigured_devices_are_absent_and_the_printer_can_be_wrapped() {
        let config = config(&format!("{QUIET}[printer]\ntransport = \"sim\"\n"));
        let devices = build(&config).expect("devices start");
        assert!(devices.scanner.is_none() && devices.card.is_none() && devices.speech.is_none());
        let sim = devices.sims.printer.clone().expect("sim printer");
        let mut wrapped = devices.map_printer(|printer| (printer, "wrapped"));
        assert_eq!(wrapped.printer.1, "wrapped");
        let job = sample(&wrapped.profile);
        assert!(wrapped.printer.0.print(&job).is_ok());
        assert_eq!(
            sim.jobs(),
            vec![job],
            "the wrapped printer is the same device"
        );
    }
}
