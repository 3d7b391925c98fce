//! The device sections of kiosk.toml: `[printer]`, `[scanner]`, `[card]`, `[keypad]`,
//! `[speech]`, `[headphones]` (in [`headphones`]), `[indicators]` (in [`indicators`]),
//! `[switches]` (in [`switches`]).
//!
//! Each section is optional and every key has a default, so a kiosk built to the standard
//! design (an 80 mm USB printer at `/dev/usb/lp0`, espeak-ng on the default sound device, no
//! scanner, card reader or keypad) needs none of them. The section says *which* backend runs
//! (`transport`/`backend`, with `sim` for the demo and tests) and its settings; keys that belong
//! to another backend are refused, so a `baud` left under a USB printer is noticed rather than
//! silently ignored. This crate stays free of the drivers and the receipt pipeline: the checked
//! settings here are plain data, and the firmware maps them onto `kiosk_receipt::Profile` and
//! the drivers' backends (`firmware/app/src/device/drivers.rs`). A device path that exists must
//! be a character device, as the firmware requires ([`DeviceFile`]): a regular file or a
//! directory there is refused under its key (`printer.path`, …); a path that does not exist is
//! left to the kiosk's start, where the device may be plugged in.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::ConfigIssue;

mod file;
pub mod headphones;
pub mod indicators;
pub mod keycodes;
mod keypad;
pub mod switches;
pub use file::DeviceFile;
pub(crate) use headphones::RawHeadphones;
pub use headphones::{HeadphoneBackend, HeadphoneSettings};
pub(crate) use indicators::RawIndicators;
pub use indicators::{IndicatorBackend, IndicatorPins, IndicatorSettings};
pub use keypad::{DEFAULT_KEYPAD_LAYOUT, KEYPAD_KEYS, KeypadMatrix};
pub(crate) use switches::RawSwitches;
pub use switches::{SwitchBackend, SwitchMode, SwitchSettings};

// ---- the file's shape ----------------------------------------------------------------------

/// `[printer]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrinter {
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    dots: Option<i64>,
    #[serde(default)]
    dpi: Option<i64>,
    #[serde(default)]
    qr_mode: Option<QrMode>,
    #[serde(default)]
    qr_level: Option<QrLevel>,
    #[serde(default)]
    qr_module: Option<i64>,
    #[serde(default)]
    cut: Option<CutMode>,
    #[serde(default)]
    drawer: Option<bool>,
    #[serde(default)]
    transport: Option<TransportKind>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    baud: Option<i64>,
    #[serde(default)]
    rts_cts: Option<bool>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    port: Option<i64>,
    #[serde(default)]
    stall_timeout_ms: Option<i64>,
    #[serde(default)]
    status_timeout_ms: Option<i64>,
    #[serde(default)]
    connect_timeout_ms: Option<i64>,
    #[serde(default)]
    require_status: Option<bool>,
}

/// `[scanner]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScanner {
    #[serde(default)]
    backend: Option<ScannerBackendKind>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    baud: Option<i64>,
    #[serde(default)]
    terminator: Option<String>,
    #[serde(default)]
    layout: Option<WedgeLayout>,
    #[serde(default)]
    max_line: Option<i64>,
    #[serde(default)]
    line_timeout_ms: Option<i64>,
}

/// `[card]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCard {
    #[serde(default)]
    backend: Option<CardBackendKind>,
    #[serde(default)]
    reader: Option<String>,
    #[serde(default)]
    select: Option<Vec<String>>,
    #[serde(default)]
    chunk: Option<i64>,
    #[serde(default)]
    max_certificate_bytes: Option<i64>,
    #[serde(default)]
    trust_anchors: Option<Vec<String>>,
    #[serde(default)]
    intermediates: Option<Vec<String>>,
    #[serde(default)]
    crls: Option<Vec<String>>,
}

/// `[keypad]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKeypad {
    #[serde(default)]
    backend: Option<KeypadBackendKind>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    rows: Option<Vec<i64>>,
    #[serde(default)]
    columns: Option<Vec<i64>>,
    #[serde(default)]
    layout: Option<Vec<Vec<String>>>,
    #[serde(default)]
    keys: Option<std::collections::BTreeMap<String, keypad::RawCodes>>,
    #[serde(default)]
    long_press_ms: Option<i64>,
}

/// `[speech]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpeech {
    #[serde(default)]
    backend: Option<SpeechBackendKind>,
    #[serde(default)]
    voice_fa: Option<String>,
    #[serde(default)]
    voice_en: Option<String>,
    #[serde(default)]
    rate: Option<i64>,
    #[serde(default)]
    volume: Option<i64>,
    #[serde(default)]
    recordings: Option<String>,
    #[serde(default)]
    output: Option<String>,
}

// ---- checked settings ----------------------------------------------------------------------

/// Every device of the kiosk, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceSettings {
    /// The receipt printer.
    pub printer: PrinterSettings,
    /// The code scanner.
    pub scanner: ScannerSettings,
    /// The smart-card reader.
    pub card: CardSettings,
    /// The tactile keypad.
    pub keypad: KeypadSettings,
    /// Speech output.
    pub speech: SpeechOutputSettings,
    /// Headphone detection.
    pub headphones: HeadphoneSettings,
    /// Status LEDs and buzzer.
    pub indicators: IndicatorSettings,
    /// Switch access (sip-and-puff and other PAT switches).
    pub switches: SwitchSettings,
}

/// Paper width preset a printer profile starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm paper: 384 dots at 203 dpi, QR codes drawn into the raster.
    Mm58,
    /// 80 mm paper: 576 dots at 203 dpi (512 on 180 dpi heads), native QR codes.
    Mm80,
}

/// How QR codes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrMode {
    /// The printer's own QR engine (`GS ( k`, Model 2).
    Native,
    /// Drawn into the raster image.
    Raster,
}

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum QrLevel {
    /// About 15 % recovery.
    #[serde(alias = "m")]
    M,
    /// About 25 % recovery.
    #[serde(alias = "q")]
    Q,
}

/// The cut at the end of a slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutMode {
    /// Cut through.
    Full,
    /// Leave a hinge.
    Partial,
    /// No cutter.
    None,
}

/// The printer profile: what the receipt pipeline lays out and encodes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterProfileSettings {
    /// The preset the overrides apply to.
    pub paper: Paper,
    /// Printable width in dots (384, 512 or 576).
    pub dots: u32,
    /// Head resolution.
    pub dpi: u32,
    /// Native or raster QR codes.
    pub qr_mode: QrMode,
    /// QR error correction.
    pub qr_level: QrLevel,
    /// Dots per QR module (4..=16).
    pub qr_module: u8,
    /// Cut at the end.
    pub cut: CutMode,
}

impl PrinterProfileSettings {
    /// The values of a preset before overrides (kept equal to `kiosk_receipt::Profile::MM58`
    /// and `MM80`; the firmware's tests check that they are).
    pub fn preset(paper: Paper) -> Self {
        match paper {
            Paper::Mm58 => Self {
                paper,
                dots: 384,
                dpi: 203,
                qr_mode: QrMode::Raster,
                qr_level: QrLevel::M,
                qr_module: 4,
                cut: CutMode::Partial,
            },
            Paper::Mm80 => Self {
                paper,
                dots: 576,
                dpi: 203,
                qr_mode: QrMode::Native,
                qr_level: QrLevel::M,
                qr_module: 5,
                cut: CutMode::Partial,
            },
        }
    }
}

/// Which printer transport the file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TransportKind {
    Usb,
    Serial,
    Tcp,
    Sim,
}

/// How the printer is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTransport {
    /// A USB printer class device.
    Usb {
        /// Device path, `/dev/usb/lp0` by default.
        path: PathBuf,
    },
    /// A serial port.
    Serial {
        /// Device path.
        path: PathBuf,
        /// Baud rate.
        baud: u32,
        /// RTS/CTS hardware flow control (on by default; turn off only for a printer wired
        /// without handshake lines, at the risk of overrunning its buffer).
        rts_cts: bool,
    },
    /// Raw TCP (port 9100 by default).
    Tcp {
        /// `host:port`.
        address: String,
        /// Longest a connection attempt may take.
        connect_timeout: Duration,
    },
    /// The simulated printer: records the bytes, for the demo and tests.
    Sim,
}

/// Default USB printer device.
pub const DEFAULT_USB_PRINTER: &str = "/dev/usb/lp0";
/// Default serial printer speed (the Epson default).
pub const DEFAULT_PRINTER_BAUD: u32 = 38_400;
/// Default raw printing port.
pub const DEFAULT_PRINTER_PORT: u16 = 9100;
/// Baud rates accepted for serial devices.
pub const BAUD_RATES: [u32; 6] = [4800, 9600, 19_200, 38_400, 57_600, 115_200];

/// The receipt printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterSettings {
    /// What the slips are laid out for.
    pub profile: PrinterProfileSettings,
    /// Where the bytes go.
    pub transport: PrinterTransport,
    /// Longest the printer may take no data before a job is abandoned.
    pub stall_timeout: Duration,
    /// How long each `DLE EOT` status answer is waited for.
    pub status_timeout: Duration,
    /// Refuse jobs when the printer does not answer status queries.
    pub require_status: bool,
}

impl Default for PrinterSettings {
    fn default() -> Self {
        Self {
            profile: PrinterProfileSettings::preset(Paper::Mm80),
            transport: PrinterTransport::Usb {
                path: PathBuf::from(DEFAULT_USB_PRINTER),
            },
            stall_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(500),
            require_status: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ScannerBackendKind {
    None,
    Serial,
    Wedge,
    Sim,
}

/// Keyboard layout a wedge scanner types in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WedgeLayout {
    /// US QWERTY.
    Us,
    /// Persian standard layout.
    Persian,
}

/// What ends a scanned line on a serial scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    /// CR or LF (the default).
    CrOrLf,
    /// Tab.
    Tab,
    /// Silence for the line timeout.
    Idle,
}

/// The code scanner's backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerBackend {
    /// No scanner.
    None,
    /// A serial (CDC-ACM or RS-232) scanner.
    Serial {
        /// Device path.
        path: PathBuf,
        /// Baud rate.
        baud: u32,
        /// Line terminator.
        terminator: LineEnd,
    },
    /// A USB HID keyboard-wedge scanner, grabbed through evdev.
    Wedge {
        /// Event device path.
        path: PathBuf,
        /// Keyboard layout it is set to.
        layout: WedgeLayout,
    },
    /// The simulated scanner.
    Sim,
}

/// The code scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerSettings {
    /// Which scanner.
    pub backend: ScannerBackend,
    /// Longest line accepted, in bytes.
    pub max_line: usize,
    /// Silence that ends (or cuts off) a line.
    pub line_timeout: Duration,
}

impl Default for ScannerSettings {
    fn default() -> Self {
        Self {
            backend: ScannerBackend::None,
            max_line: 1024,
            line_timeout: Duration::from_millis(300),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum CardBackendKind {
    None,
    Pcsc,
    Sim,
}

/// The smart-card reader's backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardBackend {
    /// No card reader.
    None,
    /// PC/SC readers through pcscd.
    Pcsc {
        /// Only readers whose name contains this (all readers when `None`).
        reader: Option<String>,
    },
    /// The simulated reader.
    Sim,
}

/// The smart-card reader and the APDU profile that reads the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSettings {
    /// Which reader.
    pub backend: CardBackend,
    /// SELECT APDUs sent before reading; the default selects file `00 02` from the master
    /// file.
    pub select: Vec<Vec<u8>>,
    /// Bytes asked for per READ BINARY.
    pub chunk: u8,
    /// Largest certificate accepted.
    pub max_certificate_bytes: usize,
    /// The national card authorities' CA certificates (PEM or DER files): a card whose
    /// certificate does not chain to one of them is refused (drivers/src/card/trust.rs).
    /// Empty: certificates are read without verification (the kiosk says so at start).
    pub trust_anchors: Vec<PathBuf>,
    /// Intermediate CA certificates between the anchors and the cards.
    pub intermediates: Vec<PathBuf>,
    /// The authorities' revocation lists (PEM or DER): a revoked card is refused.
    pub crls: Vec<PathBuf>,
}

/// The default APDU profile's SELECT command.
pub const DEFAULT_SELECT: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x00, 0x02];

impl Default for CardSettings {
    fn default() -> Self {
        Self {
            backend: CardBackend::None,
            select: vec![DEFAULT_SELECT.to_vec()],
            chunk: 0xE0,
            max_certificate_bytes: 8 * 1024,
            trust_anchors: Vec::new(),
            intermediates: Vec::new(),
            crls: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KeypadBackendKind {
    None,
    Gpio,
    Evdev,
    Sim,
}

/// The keypad's backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeypadBackend {
    /// No keypad.
    None,
    /// A row/column matrix on GPIO pins (needs the firmware's `gpio-rppal` feature).
    Gpio(KeypadMatrix),
    /// A USB HID keypad through evdev.
    Evdev {
        /// Event device path.
        path: PathBuf,
        /// `[keypad.keys]`: the keys whose Linux key codes replace the drivers' defaults, each
        /// with its codes (an empty list turns the key off), in the file's order of names.
        keys: Vec<(&'static str, Vec<u16>)>,
    },
    /// The simulated keypad.
    Sim,
}

/// The tactile keypad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeypadSettings {
    /// Which keypad.
    pub backend: KeypadBackend,
    /// How long a key is held for a long press.
    pub long_press: Duration,
}

impl Default for KeypadSettings {
    fn default() -> Self {
        Self {
            backend: KeypadBackend::None,
            long_press: Duration::from_millis(1500),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SpeechBackendKind {
    None,
    Espeak,
    Sim,
}

/// Which speech backend runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechBackend {
    /// No speech.
    None,
    /// espeak-ng (recorded prompts first when `recordings` is set).
    Espeak,
    /// The simulated speech that records what was said.
    Sim,
}

/// Where speech sounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeechOutput {
    /// The default ALSA device (choose another one in `/etc/asound.conf`).
    Default,
    /// A WAV file, overwritten by each utterance (bench tests, headless checks).
    WavFile(PathBuf),
}

/// Speech output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeechOutputSettings {
    /// Which backend.
    pub backend: SpeechBackend,
    /// espeak-ng voice for Persian.
    pub voice_fa: String,
    /// espeak-ng voice for English.
    pub voice_en: String,
    /// Words per minute at the start of a session.
    pub rate_wpm: u16,
    /// Volume in percent at the start of a session.
    pub volume: u8,
    /// Folder of recorded prompts (`<lang>/<id>.wav`), used before synthesis.
    pub recordings: Option<PathBuf>,
    /// Where it sounds.
    pub output: SpeechOutput,
}

impl Default for SpeechOutputSettings {
    fn default() -> Self {
        Self {
            backend: SpeechBackend::Espeak,
            voice_fa: "fa".to_owned(),
            voice_en: "en".to_owned(),
            rate_wpm: 150,
            volume: 80,
            recordings: None,
            output: SpeechOutput::Default,
        }
    }
}

// ---- checking ------------------------------------------------------------------------------

/// The raw device sections, as they came out of the file.
pub(crate) struct RawDevices {
    pub printer: RawPrinter,
    pub scanner: RawScanner,
    pub card: RawCard,
    pub keypad: RawKeypad,
    pub speech: RawSpeech,
    pub headphones: RawHeadphones,
    pub indicators: RawIndicators,
    pub switches: RawSwitches,
}

struct Check<'a>(&'a mut Vec<ConfigIssue>);

impl Check<'_> {
    fn add(&mut self, key: impl Into<String>, reason: impl Into<String>) {
        self.0.push(ConfigIssue {
            key: key.into(),
            reason: reason.into(),
        });
    }

    /// A whole number within `range`, or the default.
    fn number<T: TryFrom<i64> + Copy>(
        &mut self,
        key: &str,
        value: Option<i64>,
        range: std::ops::RangeInclusive<i64>,
        default: T,
    ) -> T {
        match value {
            None => default,
            Some(v) if range.contains(&v) => T::try_from(v).unwrap_or(default),
            Some(v) => {
                self.add(
                    key,
                    format!("must be from {} to {}, not {v}", range.start(), range.end()),
                );
                default
            }
        }
    }

    fn millis(
        &mut self,
        key: &str,
        value: Option<i64>,
        range: std::ops::RangeInclusive<i64>,
        default: Duration,
    ) -> Duration {
        let default_ms = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.number(key, value, range, default_ms))
    }

    /// An absolute device or file path.
    fn path(&mut self, key: &str, value: Option<&str>, default: Option<&str>) -> PathBuf {
        match value.or(default) {
            Some(p) if p.starts_with('/') && !p.contains(char::is_whitespace) => PathBuf::from(p),
            Some(p) => {
                self.add(key, format!("must be an absolute path, not {p:?}"));
                PathBuf::new()
            }
            None => {
                self.add(key, "is required for this backend");
                PathBuf::new()
            }
        }
    }

    /// An absolute device path that, where it exists, is a character device (see
    /// [`DeviceFile`]; a missing path is left to the kiosk's start).
    fn device(&mut self, key: &str, value: Option<&str>, default: Option<&str>) -> PathBuf {
        let path = self.path(key, value, default);
        if path.as_os_str().is_empty() {
            return path;
        }
        if let found @ DeviceFile::NotADevice(_) = DeviceFile::inspect(&path) {
            self.add(key, format!("{} {found}", path.display()));
        }
        path
    }

    fn baud(&mut self, key: &str, value: Option<i64>, default: u32) -> u32 {
        match value {
            None => default,
            Some(v) => match BAUD_RATES.iter().find(|&&b| i64::from(b) == v) {
                Some(&b) => b,
                None => {
                    self.add(
                        key,
                        format!("{v} is not a standard baud rate (one of {BAUD_RATES:?})"),
                    );
                    default
                }
            },
        }
    }

    /// Refuses keys set for a backend that does not use them.
    fn unused(&mut self, section: &str, backend: &str, keys: &[(&str, bool)]) {
        for (name, present) in keys {
            if *present {
                self.add(
                    format!("{section}.{name}"),
                    format!("is not used with {backend}; remove it"),
                );
            }
        }
    }
}

pub(crate) fn check(raw: RawDevices, issues: &mut Vec<ConfigIssue>) -> DeviceSettings {
    let mut c = Check(issues);
    let settings = DeviceSettings {
        printer: printer(raw.printer, &mut c),
        scanner: scanner(raw.scanner, &mut c),
        card: card(raw.card, &mut c),
        keypad: keypad::check(raw.keypad, &mut c),
        speech: speech(raw.speech, &mut c),
        headphones: headphones::check(raw.headphones, &mut c),
        indicators: indicators::check(raw.indicators, &mut c),
        switches: switches::check(raw.switches, &mut c),
    };
    headphones::check_pin_is_free(&settings, &mut c);
    indicators::check_pins_are_free(&settings, &mut c);
    switches::check_pins_are_free(&settings, &mut c);
    settings
}

fn printer(raw: RawPrinter, c: &mut Check<'_>) -> PrinterSettings {
    let defaults = PrinterSettings::default();
    let paper = match raw
        .profile
        .as_deref()
        .map(|p| p.trim().to_ascii_lowercase())
    {
        None => Paper::Mm80,
        Some(p) if p == "80mm" => Paper::Mm80,
        Some(p) if p == "58mm" => Paper::Mm58,
        Some(p) => {
            c.add(
                "printer.profile",
                format!("{p:?} is not a printer profile; expected \"58mm\" or \"80mm\""),
            );
            Paper::Mm80
        }
    };
    let mut profile = PrinterProfileSettings::preset(paper);
    if let Some(dots) = raw.dots {
        let allowed: &[i64] = match paper {
            Paper::Mm58 => &[384],
            Paper::Mm80 => &[512, 576],
        };
        if allowed.contains(&dots) {
            profile.dots = u32::try_from(dots).unwrap_or(profile.dots);
        } else if [384, 512, 576].contains(&dots) {
            c.add(
                "printer.dots",
                format!(
                    "{dots} dots do not fit {} paper (it takes {allowed:?})",
                    if paper == Paper::Mm58 {
                        "58 mm"
                    } else {
                        "80 mm"
                    }
                ),
            );
        } else {
            c.add(
                "printer.dots",
                format!("must be 384, 512 or 576, not {dots}"),
            );
        }
    }
    profile.dpi = c.number("printer.dpi", raw.dpi, 150..=300, profile.dpi);
    if let Some(mode) = raw.qr_mode {
        profile.qr_mode = mode;
    }
    if let Some(level) = raw.qr_level {
        profile.qr_level = level;
    }
    if let Some(module) = raw.qr_module {
        if (4..=16).contains(&module) {
            profile.qr_module = u8::try_from(module).unwrap_or(profile.qr_module);
        } else {
            c.add(
                "printer.qr_module",
                format!(
                    "must be from 4 to 16 dots, not {module} (modules under 4 dots do not scan after printing)"
                ),
            );
        }
    }
    if let Some(cut) = raw.cut {
        profile.cut = cut;
    }
    if raw.drawer == Some(true) {
        c.add(
            "printer.drawer",
            "a kiosk never opens a cash drawer: the drawer-kick pulse stays off (a kick on a \
             kiosk printer can fire a solenoid wired to the drawer port); remove the key",
        );
    }

    let kind = raw.transport.unwrap_or(TransportKind::Usb);
    let (is_usb, is_serial, is_tcp) = (
        kind == TransportKind::Usb,
        kind == TransportKind::Serial,
        kind == TransportKind::Tcp,
    );
    let backend = format!("transport = {:?}", format!("{kind:?}").to_ascii_lowercase());
    c.unused(
        "printer",
        &backend,
        &[
            ("path", raw.path.is_some() && !(is_usb || is_serial)),
            ("baud", raw.baud.is_some() && !is_serial),
            ("rts_cts", raw.rts_cts.is_some() && !is_serial),
            ("host", raw.host.is_some() && !is_tcp),
            ("port", raw.port.is_some() && !is_tcp),
            (
                "connect_timeout_ms",
                raw.connect_timeout_ms.is_some() && !is_tcp,
            ),
        ],
    );
    let transport = match kind {
        TransportKind::Usb => PrinterTransport::Usb {
            path: c.device(
                "printer.path",
                raw.path.as_deref(),
                Some(DEFAULT_USB_PRINTER),
            ),
        },
        TransportKind::Serial => PrinterTransport::Serial {
            path: c.device("printer.path", raw.path.as_deref(), None),
            baud: c.baud("printer.baud", raw.baud, DEFAULT_PRINTER_BAUD),
            rts_cts: raw.rts_cts.unwrap_or(true),
        },
        TransportKind::Tcp => {
            let port: u16 = c.number("printer.port", raw.port, 1..=65535, DEFAULT_PRINTER_PORT);
            let connect_timeout = c.millis(
                "printer.connect_timeout_ms",
                raw.connect_timeout_ms,
                100..=60_000,
                Duration::from_secs(3),
            );
            let host = raw.host.as_deref().map(str::trim).unwrap_or_default();
            let address = if host.is_empty() {
                c.add("printer.host", "is required with transport = \"tcp\"");
                String::new()
            } else if host.contains(char::is_whitespace) || host.contains('/') {
                c.add(
                    "printer.host",
                    format!("{host:?} is not a host name or address"),
                );
                String::new()
            } else if let Some((name, p)) = host.rsplit_once(':')
                && !name.contains(':')
            {
                // host:port written together.
                if raw.port.is_some() {
                    c.add(
                        "printer.port",
                        "the port is given twice (also in printer.host)",
                    );
                }
                match p.parse::<u16>() {
                    Ok(n) if n > 0 => host.to_owned(),
                    _ => {
                        c.add(
                            "printer.host",
                            format!("{p:?} is not a port number from 1 to 65535"),
                        );
                        String::new()
                    }
                }
            } else if host.contains(':') {
                // An IPv6 address.
                format!(
                    "[{}]:{port}",
                    host.trim_start_matches('[').trim_end_matches(']')
                )
            } else {
                format!("{host}:{port}")
            };
            PrinterTransport::Tcp {
                address,
                connect_timeout,
            }
        }
        TransportKind::Sim => PrinterTransport::Sim,
    };
    PrinterSettings {
        profile,
        transport,
        stall_timeout: c.millis(
            "printer.stall_timeout_ms",
            raw.stall_timeout_ms,
            500..=120_000,
            defaults.stall_timeout,
        ),
        status_timeout: c.millis(
            "printer.status_timeout_ms",
            raw.status_timeout_ms,
            50..=10_000,
            defaults.status_timeout,
        ),
        require_status: raw.require_status.unwrap_or(true),
    }
}

fn scanner(raw: RawScanner, c: &mut Check<'_>) -> ScannerSettings {
    let defaults = ScannerSettings::default();
    let kind = raw.backend.unwrap_or(ScannerBackendKind::None);
    let backend = format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase());
    let (serial, wedge) = (
        kind == ScannerBackendKind::Serial,
        kind == ScannerBackendKind::Wedge,
    );
    c.unused(
        "scanner",
        &backend,
        &[
            ("path", raw.path.is_some() && !(serial || wedge)),
            ("baud", raw.baud.is_some() && !serial),
            ("terminator", raw.terminator.is_some() && !serial),
            ("layout", raw.layout.is_some() && !wedge),
        ],
    );
    let backend = match kind {
        ScannerBackendKind::None => ScannerBackend::None,
        ScannerBackendKind::Sim => ScannerBackend::Sim,
        ScannerBackendKind::Serial => ScannerBackend::Serial {
            path: c.device("scanner.path", raw.path.as_deref(), None),
            baud: c.baud("scanner.baud", raw.baud, 9600),
            terminator: match raw.terminator.as_deref().map(str::trim) {
                None | Some("cr_or_lf") => LineEnd::CrOrLf,
                Some("tab") => LineEnd::Tab,
                Some("idle") => LineEnd::Idle,
                Some(other) => {
                    c.add(
                        "scanner.terminator",
                        format!("{other:?} is not one of \"cr_or_lf\", \"tab\", \"idle\""),
                    );
                    LineEnd::CrOrLf
                }
            },
        },
        ScannerBackendKind::Wedge => ScannerBackend::Wedge {
            path: c.device("scanner.path", raw.path.as_deref(), None),
            layout: raw.layout.unwrap_or(WedgeLayout::Us),
        },
    };
    ScannerSettings {
        backend,
        max_line: c.number(
            "scanner.max_line",
            raw.max_line,
            64..=8192,
            defaults.max_line,
        ),
        line_timeout: c.millis(
            "scanner.line_timeout_ms",
            raw.line_timeout_ms,
            20..=5000,
            defaults.line_timeout,
        ),
    }
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

fn card(raw: RawCard, c: &mut Check<'_>) -> CardSettings {
    let defaults = CardSettings::default();
    let kind = raw.backend.unwrap_or(CardBackendKind::None);
    c.unused(
        "card",
        &format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase()),
        &[(
            "reader",
            raw.reader.is_some() && kind != CardBackendKind::Pcsc,
        )],
    );
    let backend = match kind {
        CardBackendKind::None => CardBackend::None,
        CardBackendKind::Sim => CardBackend::Sim,
        CardBackendKind::Pcsc => CardBackend::Pcsc {
            reader: match raw.reader.as_deref().map(str::trim) {
                None | Some("any") => None,
                Some("") => {
                    c.add(
                        "card.reader",
                        "must name part of a reader's name, or be \"any\"",
                    );
                    None
                }
                Some(name) => Some(name.to_owned()),
            },
        },
    };
    let mut select = defaults.select.clone();
    if let Some(list) = raw.select {
        if list.is_empty() {
            c.add("card.select", "must list at least one SELECT APDU");
        }
        let mut parsed = Vec::new();
        for (i, apdu) in list.iter().enumerate() {
            match parse_hex(apdu) {
                Some(bytes) if bytes.len() >= 4 && bytes.len() <= 261 => parsed.push(bytes),
                Some(bytes) => c.add(
                    format!("card.select[{i}]"),
                    format!("an APDU has 4 to 261 bytes, this one has {}", bytes.len()),
                ),
                None => c.add(
                    format!("card.select[{i}]"),
                    format!("{apdu:?} is not hex bytes (e.g. \"00 A4 00 0C 02 00 02\")"),
                ),
            }
        }
        if !parsed.is_empty() {
            select = parsed;
        }
    }
    let mut paths = |key: &str, list: Option<Vec<String>>| -> Vec<PathBuf> {
        list.unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, p)| c.path(&format!("card.{key}[{i}]"), Some(p), None))
            .collect()
    };
    let trust_anchors = paths("trust_anchors", raw.trust_anchors);
    let intermediates = paths("intermediates", raw.intermediates);
    let crls = paths("crls", raw.crls);
    if trust_anchors.is_empty() && !(intermediates.is_empty() && crls.is_empty()) {
        c.add(
            "card.trust_anchors",
            "intermediates and crls need the card authorities' certificates in trust_anchors",
        );
    }
    CardSettings {
        trust_anchors,
        intermediates,
        crls,
        backend,
        select,
        chunk: c.number("card.chunk", raw.chunk, 1..=255, defaults.chunk),
        max_certificate_bytes: c.number(
            "card.max_certificate_bytes",
            raw.max_certificate_bytes,
            256..=65_535,
            defaults.max_certificate_bytes,
        ),
    }
}

fn voice(c: &mut Check<'_>, key: &str, value: Option<String>, default: &str) -> String {
    match value {
        None => default.to_owned(),
        Some(v)
            if !v.is_empty()
                && v.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "+-_/".contains(ch)) =>
        {
            v
        }
        Some(v) => {
            c.add(
                key,
                format!("{v:?} is not an espeak-ng voice name (e.g. \"fa\", \"en-gb\", \"fa+f3\")"),
            );
            default.to_owned()
        }
    }
}

fn speech(raw: RawSpeech, c: &mut Check<'_>) -> SpeechOutputSettings {
    let defaults = SpeechOutputSettings::default();
    let backend = match raw.backend.unwrap_or(SpeechBackendKind::Espeak) {
        SpeechBackendKind::None => SpeechBackend::None,
        SpeechBackendKind::Espeak => SpeechBackend::Espeak,
        SpeechBackendKind::Sim => SpeechBackend::Sim,
    };
    let output = match raw.output.as_deref().map(str::trim) {
        None | Some("default") => SpeechOutput::Default,
        Some(p) if p.starts_with('/') && p.ends_with(".wav") => {
            SpeechOutput::WavFile(PathBuf::from(p))
        }
        Some(other) => {
            c.add(
                "speech.output",
                format!(
                    "{other:?} is neither \"default\" (the default sound device; pick another one \
                     in /etc/asound.conf) nor an absolute path to a .wav file"
                ),
            );
            SpeechOutput::Default
        }
    };
    SpeechOutputSettings {
        backend,
        voice_fa: voice(c, "speech.voice_fa", raw.voice_fa, &defaults.voice_fa),
        voice_en: voice(c, "speech.voice_en", raw.voice_en, &defaults.voice_en),
        rate_wpm: c.number("speech.rate", raw.rate, 80..=450, defaults.rate_wpm),
        volume: c.number("speech.volume", raw.volume, 0..=100, defaults.volume),
        recordings: raw
            .recordings
            .as_deref()
            .map(|p| c.path("speech.recordings", Some(p), None)),
        output,
    }
}

#[cfg(test)]
mod tests;
