//! What is wrong with the configured devices before any of them starts.
//!
//! The configuration check (`firmware/config/src/devices.rs`) already refuses a path that
//! exists and is not a device; a path that does not exist is left to the kiosk's start,
//! because the device may be plugged in later. [`check`] is that start: every configured
//! device path must now be a character device, a `gpio` backend needs a build with GPIO
//! support, and speech through espeak-ng needs the program and its directories. A typo in
//! `/etc/kiosk/kiosk.toml` thus stops the kiosk with an English [`DeviceError`] naming the
//! device and the key, instead of a kiosk that boots and never prints.

use std::fmt;
use std::path::Path;

use kiosk_config::KioskConfig;
use kiosk_config::devices::{
    HeadphoneBackend, IndicatorBackend, KeypadBackend, PrinterTransport, ScannerBackend,
    SpeechBackend, SpeechOutput,
};

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

/// Whether `program` is an executable file in one of `PATH`'s directories.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Everything wrong with the configured devices that can be seen before starting them.
pub fn check(config: &KioskConfig) -> Vec<DeviceProblem> {
    let d = &config.devices;
    let mut problems = Vec::new();
    if let Err(problem) = crate::build::card_trust(&d.card) {
        problems.push(problem);
    }
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
        KeypadBackend::Evdev { path, .. } => {
            check_device(&mut problems, "keypad", "keypad.path", path);
        }
        KeypadBackend::Gpio(matrix) if crate::build::matrix_layout(&matrix.layout).is_none() => {
            problems.push(DeviceProblem {
                device: "keypad",
                key: "keypad.layout",
                reason: "the drivers refuse this layout (a key they do not know, or not every \
                         row as long as the first)"
                    .to_owned(),
            });
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
    if matches!(d.indicators.backend, IndicatorBackend::Gpio(_)) && !cfg!(feature = "gpio-rppal") {
        problems.push(DeviceProblem {
            device: "status LEDs and buzzer",
            key: "indicators.backend",
            reason: "\"gpio\" needs the firmware built with the gpio-rppal feature; this build \
                     has no GPIO support"
                .to_owned(),
        });
    }
    match &d.switches.backend {
        kiosk_config::devices::SwitchBackend::Evdev { path, .. } => {
            check_device(
                &mut problems,
                "accessibility switches",
                "switches.path",
                path,
            );
        }
        kiosk_config::devices::SwitchBackend::Gpio { .. } if !cfg!(feature = "gpio-rppal") => {
            problems.push(DeviceProblem {
                device: "accessibility switches",
                key: "switches.backend",
                reason: "\"gpio\" needs the firmware built with the gpio-rppal feature; this \
                         build has no GPIO support (use \"evdev\" for a USB switch interface)"
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{QUIET, config};

    #[test]
    fn bad_device_paths_stop_the_kiosk_naming_device_and_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("not-a-device");
        let config = config(&format!(
            "{QUIET}[printer]\npath = \"/dev/usb/lp-missing\"\n[scanner]\nbackend = \"serial\"\npath = \"{}\"\n[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/nothing-here\"\n[headphones]\nbackend = \"evdev\"\npath = \"/dev/input/by-path/no-sound-card\"\n",
            plain.display()
        ));
        // The file appears after the configuration was checked (which refuses a regular file
        // itself): the devices are checked again when they start.
        std::fs::write(&plain, b"").expect("file");
        let err = match crate::build(&config) {
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
    }

    #[test]
    fn a_missing_printer_path_is_the_one_problem_reported() {
        let config = config(&format!(
            "{QUIET}[printer]\ntransport = \"serial\"\npath = \"/dev/ttyUSB-nothing-here\"\n"
        ));
        let problems = check(&config);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (problems[0].device, problems[0].key),
            ("receipt printer", "printer.path")
        );
        assert!(
            problems[0]
                .reason
                .starts_with("/dev/ttyUSB-nothing-here does not exist"),
            "{}",
            problems[0].reason
        );
        let text = DeviceError(problems).to_string();
        assert!(
            text.starts_with("devices cannot start (1 problem(s))\n  - receipt printer"),
            "{text}"
        );
    }

    #[test]
    fn gpio_backends_need_the_gpio_build() {
        let gpio = config(&format!(
            "{QUIET}[printer]\ntransport = \"sim\"\n[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 13, 19]\ncolumns = [26, 16, 20, 21, 12, 7]\n"
        ));
        if cfg!(feature = "gpio-rppal") {
            assert!(check(&gpio).is_empty());
        } else {
            assert_eq!(check(&gpio)[0].key, "keypad.backend");
        }
    }

    #[test]
    fn simulated_and_network_devices_need_no_device_files() {
        let config = config(&format!(
            "{QUIET}[printer]\ntransport = \"tcp\"\nhost = \"192.0.2.7\"\n[scanner]\nbackend = \"sim\"\n[keypad]\nbackend = \"sim\"\n"
        ));
        assert_eq!(check(&config), Vec::new());
    }
}
