//! The kiosk's devices, built from its configuration: the one place that names backends.
//!
//! [`build`] reads the `[printer]`, `[scanner]`, `[card]`, `[keypad]`, `[speech]` and
//! `[headphones]` settings
//! of a [`KioskConfig`] and returns [`Devices`]: the receipt printer as the runtime's
//! [`DevicePrinter`] with the [`Profile`] its slips are laid out for, the input devices as
//! async event streams (each on its own thread inside the drivers), and the speech queue.
//! Backends configured `sim` come with their handles in [`SimHandles`], which the demo and
//! tests drive. Before anything starts, every configured device path is checked, so a typo in
//! `/etc/kiosk/kiosk.toml` stops the kiosk at start with an English [`DeviceError`] naming the
//! device and the key, instead of a kiosk that boots and never prints.

use std::fmt;
use std::path::Path;

use kiosk_config::KioskConfig;
use kiosk_config::devices::{
    CardBackend, CutMode, HeadphoneBackend, KeypadBackend, LineEnd, PrinterProfileSettings,
    PrinterSettings, PrinterTransport, QrLevel as CfgQrLevel, QrMode as CfgQrMode, ScannerBackend,
    SpeechBackend, SpeechOutput, WedgeLayout,
};
use kiosk_drivers::EventStream;
use kiosk_drivers::card::{
    ApduProfile, CardEvent, CardReader as _, PcscReader, PcscReaderConfig, SimCardReader,
    SimCardReaderHandle,
};
use kiosk_drivers::keypad::{
    HeadphoneJack as _, JackEvent, Key, KeyEvent, Keypad as _, SimJack, SimJackHandle, SimKeypad,
    SimKeypadHandle,
};
use kiosk_drivers::printer::{
    EscPosPrinter, JobConfig, ReceiptPrinter, SerialConfig, SerialTransport, SimPrinter,
    SimPrinterHandle, Tcp9100, UsbLp,
};
use kiosk_drivers::scanner::{
    ClassifierConfig, CodeScanner as _, FramingConfig, ScanEvent, Scanned, SerialScanner,
    SerialScannerConfig, SimScanner, SimScannerHandle, Terminator, WedgeScanner,
    WedgeScannerConfig, keymap::Layout,
};
use kiosk_drivers::speech::{
    EspeakNg, Output, RecordedPrompts, SimSpeech, Speech, SpeechEvent, SpeechQueue, SpeechSettings,
};
use kiosk_receipt::{Cut, Profile, QrLevel, QrMode};

use crate::flow::{Action, Event};
use crate::runtime::DevicePrinter;

/// A receipt printer of any backend, movable to the printer thread.
pub type AnyPrinter = Box<dyn ReceiptPrinter + Send>;

/// Every device of a kiosk, started.
pub struct Devices {
    /// The receipt printer, as the runtime's sink.
    pub printer: DevicePrinter<AnyPrinter>,
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
    /// Handles of the simulated backends that were configured.
    pub sims: SimHandles,
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
}

/// One device that cannot be started as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceProblem {
    /// The device, for people (`receipt printer`).
    pub device: &'static str,
    /// The configuration key to fix (`printer.path`).
    pub key: &'static str,
    /// What is wrong, in English.
    pub reason: String,
}

impl fmt::Display for DeviceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.device, self.key, self.reason)
    }
}

/// Why the devices could not be started; every problem is listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceError(pub Vec<DeviceProblem>);

impl std::error::Error for DeviceError {}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "devices cannot start ({} problem(s))", self.0.len())?;
        for problem in &self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// The receipt pipeline's profile for the configured printer.
pub fn receipt_profile(settings: &PrinterProfileSettings) -> Profile {
    Profile {
        dots: settings.dots,
        dpi: settings.dpi,
        qr_mode: match settings.qr_mode {
            CfgQrMode::Native => QrMode::Native,
            CfgQrMode::Raster => QrMode::Raster,
        },
        qr_module: settings.qr_module,
        qr_level: match settings.qr_level {
            CfgQrLevel::M => QrLevel::M,
            CfgQrLevel::Q => QrLevel::Q,
        },
        cut: match settings.cut {
            CutMode::Full => Cut::Full,
            CutMode::Partial => Cut::Partial,
            CutMode::None => Cut::None,
        },
        crop_columns: true,
    }
}

/// The job timing of the configured printer.
pub fn job_config(settings: &PrinterSettings) -> JobConfig {
    JobConfig {
        stall_timeout: settings.stall_timeout,
        status_timeout: settings.status_timeout,
        require_status: settings.require_status,
        ..JobConfig::default()
    }
}

/// The configured receipt printer (nothing is opened until the first job or status query),
/// with the simulated printer's handle when the transport is `sim`.
pub fn printer(settings: &PrinterSettings) -> (AnyPrinter, Option<SimPrinterHandle>) {
    let job = job_config(settings);
    match &settings.transport {
        PrinterTransport::Usb { path } => {
            (Box::new(EscPosPrinter::new(UsbLp::new(path), job)), None)
        }
        PrinterTransport::Serial {
            path,
            baud,
            rts_cts,
        } => {
            let mut serial = SerialConfig::new(path, *baud);
            serial.rts_cts = *rts_cts;
            (
                Box::new(EscPosPrinter::new(SerialTransport::new(serial), job)),
                None,
            )
        }
        PrinterTransport::Tcp {
            address,
            connect_timeout,
        } => {
            let mut tcp = Tcp9100::new(address.clone());
            tcp.connect_timeout = *connect_timeout;
            (Box::new(EscPosPrinter::new(tcp, job)), None)
        }
        PrinterTransport::Sim => {
            let (sim, handle) = SimPrinter::new(job);
            (Box::new(sim), Some(handle))
        }
    }
}

/// Checks that `path` is a device file (a pty stands in for one in tests).
fn check_device(
    problems: &mut Vec<DeviceProblem>,
    device: &'static str,
    key: &'static str,
    path: &Path,
) {
    use std::os::unix::fs::FileTypeExt as _;
    let reason = match std::fs::metadata(path) {
        Ok(m) if m.file_type().is_char_device() => return,
        Ok(_) => format!("{} is not a device file", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "{} does not exist (is the device plugged in and its driver loaded? is the path spelt right?)",
            path.display()
        ),
        Err(e) => format!("{}: {e}", path.display()),
    };
    problems.push(DeviceProblem {
        device,
        key,
        reason,
    });
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Everything wrong with the configured devices that can be seen before starting them.
pub fn check(config: &KioskConfig) -> Vec<DeviceProblem> {
    let d = &config.devices;
    let mut problems = Vec::new();
    match &d.printer.transport {
        PrinterTransport::Usb { path } | PrinterTransport::Serial { path, .. } => {
            check_device(&mut problems, "receipt printer", "printer.path", path);
        }
        PrinterTransport::Tcp { .. } | PrinterTransport::Sim => {}
    }
    match &d.scanner.backend {
        ScannerBackend::Serial { path, .. } | ScannerBackend::Wedge { path, .. } => {
            check_device(&mut problems, "code scanner", "scanner.path", path);
        }
        ScannerBackend::None | ScannerBackend::Sim => {}
    }
    match &d.keypad.backend {
        KeypadBackend::Evdev { path } => {
            check_device(&mut problems, "keypad", "keypad.path", path);
        }
        KeypadBackend::Gpio(_) if !cfg!(feature = "gpio-rppal") => problems.push(DeviceProblem {
            device: "keypad",
            key: "keypad.backend",
            reason: "\"gpio\" needs the firmware built with the gpio-rppal feature; this build \
                     has no GPIO support (use \"evdev\" for a USB keypad)"
                .to_owned(),
        }),
        _ => {}
    }
    match &d.headphones.backend {
        HeadphoneBackend::Evdev { path } => {
            check_device(&mut problems, "headphone jack", "headphones.path", path);
        }
        HeadphoneBackend::Gpio { .. } if !cfg!(feature = "gpio-rppal") => {
            problems.push(DeviceProblem {
                device: "headphone jack",
                key: "headphones.backend",
                reason: "\"gpio\" needs the firmware built with the gpio-rppal feature; this \
                         build has no GPIO support (use \"evdev\" for the sound card's jack)"
                    .to_owned(),
            });
        }
        _ => {}
    }
    if d.speech.backend == SpeechBackend::Espeak {
        if !on_path("espeak-ng") {
            problems.push(DeviceProblem {
                device: "speech",
                key: "speech.backend",
                reason: "espeak-ng is not installed (Debian package espeak-ng); install it or \
                         set backend = \"none\""
                    .to_owned(),
            });
        }
        if let Some(dir) = &d.speech.recordings
            && !dir.is_dir()
        {
            problems.push(DeviceProblem {
                device: "speech",
                key: "speech.recordings",
                reason: format!("{} is not a directory", dir.display()),
            });
        }
        if let SpeechOutput::WavFile(file) = &d.speech.output
            && !file.parent().is_some_and(Path::is_dir)
        {
            problems.push(DeviceProblem {
                device: "speech",
                key: "speech.output",
                reason: format!("the directory of {} does not exist", file.display()),
            });
        }
    }
    problems
}

/// Checks and starts every configured device.
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

    let card = match &d.card.backend {
        CardBackend::None => None,
        CardBackend::Sim => {
            let (reader, handle) = SimCardReader::new(config.national_code_policy);
            sims.card = Some(handle);
            Some(reader.events())
        }
        CardBackend::Pcsc { reader } => Some(
            PcscReader::new(PcscReaderConfig {
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
        KeypadBackend::Evdev { path } => {
            let mut evdev = kiosk_drivers::keypad::evdev::EvdevKeypad::new(path);
            evdev.long_press = d.keypad.long_press;
            Some(evdev.events())
        }
        #[cfg(feature = "gpio-rppal")]
        KeypadBackend::Gpio(pins) => {
            let mut map = vec![
                (Key::Up, pins.up),
                (Key::Down, pins.down),
                (Key::Back, pins.back),
                (Key::Select, pins.select),
                (Key::Help, pins.help),
                (Key::CallStaff, pins.call_staff),
            ];
            map.extend(pins.volume_up.map(|p| (Key::VolumeUp, p)));
            map.extend(pins.volume_down.map(|p| (Key::VolumeDown, p)));
            Some(
                kiosk_drivers::keypad::rppal::RppalKeypad {
                    pins: map,
                    timing: kiosk_drivers::keypad::KeyTiming {
                        long_press: d.keypad.long_press,
                        ..Default::default()
                    },
                }
                .events(),
            )
        }
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

    Ok(Devices {
        printer: DevicePrinter(printer),
        profile,
        scanner,
        card,
        keypad,
        speech,
        headphones,
        sims,
    })
}

/// Headphones plugged in start speech mode; taking them out changes nothing (the visitor turns
/// speech off on the accessibility screen, and the session's end resets it).
pub fn jack_event(event: JackEvent) -> Option<Event> {
    match event {
        JackEvent::Plugged => Some(Event::HeadphonesIn),
        JackEvent::Unplugged => None,
    }
}

/// The flow event a key press means: the arrows walk the focus ring, select activates, back
/// goes back, help repeats what was said, the staff key calls staff. Volume keys are the
/// speech queue's, releases and long presses mean nothing to the flow.
pub fn key_event(event: KeyEvent) -> Option<Event> {
    let KeyEvent::Pressed(key) = event else {
        return None;
    };
    Some(match key {
        Key::Up => Event::FocusPrev,
        Key::Down => Event::FocusNext,
        Key::Select => Event::Activate,
        Key::Back => Event::Do(Action::Back),
        Key::Help => Event::Repeat,
        Key::CallStaff => Event::Do(Action::CallStaff),
        Key::VolumeUp | Key::VolumeDown => return None,
    })
}

/// The flow event a scan means: a national card's barcode identifies the visitor, a receipt's
/// code opens its case, a satisfaction code opens the rating journey (or, at the desk, claims
/// the visit), a staff card logs in at the desk. Unusable lines are the scanner's problem,
/// logged by the caller.
pub fn scan_event(event: &ScanEvent) -> Option<Event> {
    match event {
        ScanEvent::Scanned(Scanned::NationalCode(code)) => {
            Some(Event::IdentityRead(code.as_string()))
        }
        ScanEvent::Scanned(Scanned::TrackingCode(code)) => {
            Some(Event::TrackingScanned(code.as_string()))
        }
        ScanEvent::Scanned(Scanned::SatisfactionCode { token }) => {
            Some(Event::SatisfactionScanned(token.clone()))
        }
        ScanEvent::Scanned(Scanned::EmployeeCode(code)) => {
            Some(Event::StaffCardScanned(code.clone()))
        }
        _ => None,
    }
}

/// The flow event a card reading means.
pub fn card_event(event: &CardEvent) -> Option<Event> {
    match event {
        CardEvent::Read { identity, .. } => {
            Some(Event::IdentityRead(identity.national_code.as_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kiosk_drivers::printer::responder::{READY_ANSWERS, Responder};
    use kiosk_drivers::speech::{Lang, Utterance};

    use super::*;
    use crate::runtime::PrintSink as _;

    const BASE: &str = "[kiosk]\nnumber = 7\nagency = \"اداره\"\ndesk = \"میز\"\n";

    fn config(devices: &str) -> KioskConfig {
        kiosk_config::parse(&format!("{BASE}{devices}"), Path::new("/"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn sample(profile: &Profile) -> Vec<u8> {
        kiosk_receipt::encode(&kiosk_receipt::sample(), profile).expect("sample encodes")
    }

    const FAST: &str = "stall_timeout_ms = 2000\nstatus_timeout_ms = 300\n";
    const QUIET: &str = "[speech]\nbackend = \"none\"\n";

    #[test]
    fn presets_map_onto_the_receipt_pipelines_profiles() {
        let default = config(QUIET);
        assert_eq!(
            receipt_profile(&default.devices.printer.profile),
            Profile::MM80
        );
        let mm58 = config(&format!("{QUIET}[printer]\nprofile = \"58mm\"\n"));
        assert_eq!(
            receipt_profile(&mm58.devices.printer.profile),
            Profile::MM58
        );
        let custom = config(&format!(
            "{QUIET}[printer]\ndots = 512\ndpi = 180\nqr_mode = \"raster\"\nqr_level = \"Q\"\nqr_module = 6\ncut = \"full\"\n"
        ));
        let p = receipt_profile(&custom.devices.printer.profile);
        assert_eq!(
            (p.dots, p.dpi, p.qr_mode, p.qr_level, p.qr_module, p.cut),
            (512, 180, QrMode::Raster, QrLevel::Q, 6, Cut::Full)
        );
        assert!(p.validate().is_ok());
    }

    #[test]
    fn a_serial_printer_on_a_pty_prints_the_sample_receipt() {
        let (responder, path) = Responder::pty(READY_ANSWERS).expect("pty");
        let config = config(&format!(
            "{QUIET}[printer]\ntransport = \"serial\"\npath = \"{}\"\nbaud = 115200\n{FAST}",
            path.display()
        ));
        let mut devices = build(&config).expect("devices start");
        let job = sample(&devices.profile);
        assert_eq!(devices.printer.print(&job), Ok(()));
        let got = responder.received();
        assert!(
            got.windows(job.len()).any(|w| w == job.as_slice()),
            "the whole receipt arrived ({} of {} bytes)",
            got.len(),
            job.len()
        );
        responder.set_answers([0x12, 0x12, 0x12, 0x72]);
        assert_eq!(
            devices.printer.print(&job),
            Err(crate::flow::PrinterProblem::PaperOut)
        );
    }

    #[test]
    fn a_tcp_printer_on_loopback_prints_the_sample_receipt() {
        let (responder, address) = Responder::tcp(READY_ANSWERS).expect("listener");
        let config = config(&format!(
            "{QUIET}[printer]\ntransport = \"tcp\"\nhost = \"{address}\"\nprofile = \"58mm\"\n{FAST}"
        ));
        let mut devices = build(&config).expect("devices start");
        assert_eq!(devices.profile, Profile::MM58);
        let job = sample(&devices.profile);
        assert_eq!(devices.printer.print(&job), Ok(()));
        let got = responder.received();
        assert!(got.windows(job.len()).any(|w| w == job.as_slice()));
        drop(responder);
        assert_eq!(
            devices.printer.print(&job),
            Err(crate::flow::PrinterProblem::Offline),
            "a printer that went away is reported, not waited for"
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
        let plugged = plugs.next().await.expect("plugged");
        assert!(matches!(jack_event(plugged), Some(Event::HeadphonesIn)));
        let unplugged = plugs.next().await.expect("unplugged");
        assert!(jack_event(unplugged).is_none());
        let job = sample(&devices.profile);
        assert_eq!(devices.printer.print(&job), Ok(()));
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
        assert!(keypad.press(Key::Select).await);
        let keys = devices.keypad.as_mut().expect("stream");
        assert_eq!(keys.next().await, Some(KeyEvent::Pressed(Key::Select)));

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
    fn bad_device_paths_stop_the_kiosk_naming_device_and_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("not-a-device");
        let config = config(&format!(
            "{QUIET}[printer]\npath = \"/dev/usb/lp-missing\"\n[scanner]\nbackend = \"serial\"\npath = \"{}\"\n[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/nothing-here\"\n[headphones]\nbackend = \"evdev\"\npath = \"/dev/input/by-path/no-sound-card\"\n",
            plain.display()
        ));
        // The file appears after the configuration was checked (which refuses a regular file
        // itself): the firmware checks again when it starts the devices.
        std::fs::write(&plain, b"").expect("file");
        let err = match build(&config) {
            Ok(_) => panic!("started with missing devices"),
            Err(e) => e,
        };
        let keys: Vec<_> = err.0.iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            vec![
                "printer.path",
                "scanner.path",
                "keypad.path",
                "headphones.path"
            ]
        );
        let text = err.to_string();
        assert!(
            text.contains("receipt printer (printer.path): /dev/usb/lp-missing does not exist"),
            "{text}"
        );
        assert!(text.contains("is not a device file"), "{text}");
        let gpio = config_gpio();
        if cfg!(feature = "gpio-rppal") {
            assert!(check(&gpio).is_empty());
        } else {
            assert_eq!(check(&gpio)[0].key, "keypad.backend");
        }
    }

    #[test]
    fn device_events_become_flow_events() {
        assert!(matches!(
            key_event(KeyEvent::Pressed(Key::Down)),
            Some(Event::FocusNext)
        ));
        assert!(matches!(
            key_event(KeyEvent::Pressed(Key::Select)),
            Some(Event::Activate)
        ));
        assert!(matches!(
            key_event(KeyEvent::Pressed(Key::CallStaff)),
            Some(Event::Do(Action::CallStaff))
        ));
        assert!(
            key_event(KeyEvent::Released {
                key: Key::Down,
                long: false
            })
            .is_none()
        );
        assert!(key_event(KeyEvent::Pressed(Key::VolumeUp)).is_none());
        let classifier = ClassifierConfig::default();
        let scanned =
            |text: &str| ScanEvent::Scanned(kiosk_drivers::scanner::classify(text, &classifier));
        assert!(matches!(
            scan_event(&scanned("0499370899")),
            Some(Event::IdentityRead(code)) if code == "0499370899"
        ));
        assert!(matches!(
            scan_event(&scanned("1000120000004275")),
            Some(Event::TrackingScanned(code)) if code == "1000120000004275"
        ));
        assert!(matches!(
            scan_event(&scanned("EMP-2041")),
            Some(Event::StaffCardScanned(code)) if code == "2041"
        ));
        let survey = format!(
            "{}/s/AbCdEfGhIjKlMnOpQrSt",
            kiosk_drivers::scanner::classify::DEFAULT_PORTAL_URL
        );
        assert!(matches!(
            scan_event(&scanned(&survey)),
            Some(Event::SatisfactionScanned(token)) if token == "AbCdEfGhIjKlMnOpQrSt"
        ));
        assert!(scan_event(&scanned("hello")).is_none());
    }

    fn config_gpio() -> KioskConfig {
        config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[keypad]\nbackend = \"gpio\"\n[keypad.pins]\nup = 5\ndown = 6\nback = 13\nselect = 19\nhelp = 26\ncall_staff = 16\n"
        ))
    }
}
