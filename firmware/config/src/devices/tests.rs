//! The device sections: defaults, every backend read, every bad value named by its key.

use std::path::Path;

use super::*;
use crate::{EXAMPLE, parse};

const MINIMAL: &str = "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n";

fn devices(extra: &str) -> DeviceSettings {
    match parse(&format!("{MINIMAL}{extra}"), Path::new("/")) {
        Ok(config) => config.devices,
        Err(e) => panic!("refused: {e}"),
    }
}

fn issues(extra: &str) -> Vec<ConfigIssue> {
    match parse(&format!("{MINIMAL}{extra}"), Path::new("/")) {
        Ok(_) => panic!("accepted:\n{extra}"),
        Err(e) => e.issues().to_vec(),
    }
}

fn keys(extra: &str) -> Vec<String> {
    issues(extra).into_iter().map(|i| i.key).collect()
}

#[test]
fn without_device_sections_the_documented_defaults_apply() {
    let d = devices("");
    assert_eq!(d, DeviceSettings::default());
    assert_eq!(
        d.printer.transport,
        PrinterTransport::Usb {
            path: PathBuf::from("/dev/usb/lp0")
        }
    );
    assert_eq!(
        d.printer.profile,
        PrinterProfileSettings::preset(Paper::Mm80)
    );
    assert_eq!(d.printer.profile.dots, 576);
    assert_eq!(d.printer.profile.qr_mode, QrMode::Native);
    assert_eq!(d.printer.stall_timeout, Duration::from_secs(10));
    assert!(d.printer.require_status);
    assert_eq!(d.scanner.backend, ScannerBackend::None);
    assert_eq!(d.card.backend, CardBackend::None);
    assert_eq!(d.card.select, vec![DEFAULT_SELECT.to_vec()]);
    assert_eq!(d.keypad.backend, KeypadBackend::None);
    assert_eq!(d.speech.backend, SpeechBackend::Espeak);
    assert_eq!(d.speech.output, SpeechOutput::Default);
}

#[test]
fn the_example_describes_a_usb_printer_serial_scanner_pcsc_and_evdev_keypad() {
    let d = parse(EXAMPLE, Path::new("/")).expect("example").devices;
    assert_eq!(d.printer, PrinterSettings::default());
    assert_eq!(
        d.scanner.backend,
        ScannerBackend::Serial {
            path: PathBuf::from("/dev/ttyACM0"),
            baud: 9600,
            terminator: LineEnd::CrOrLf
        }
    );
    assert_eq!(d.card.backend, CardBackend::Pcsc { reader: None });
    assert_eq!(d.card.select, vec![DEFAULT_SELECT.to_vec()]);
    assert!(matches!(d.keypad.backend, KeypadBackend::Evdev { .. }));
    assert_eq!(d.speech.rate_wpm, 150);
}

#[test]
fn a_58mm_profile_with_overrides() {
    let d = devices(
        "[printer]\nprofile = \"58mm\"\nqr_mode = \"native\"\nqr_level = \"Q\"\nqr_module = 6\ncut = \"full\"\ndpi = 180\ndrawer = false\n",
    );
    let p = d.printer.profile;
    assert_eq!(p.paper, Paper::Mm58);
    assert_eq!(p.dots, 384);
    assert_eq!(
        (p.qr_mode, p.qr_level, p.qr_module),
        (QrMode::Native, QrLevel::Q, 6)
    );
    assert_eq!((p.cut, p.dpi), (CutMode::Full, 180));
    let tm = devices("[printer]\ndots = 512\ndpi = 180\n")
        .printer
        .profile;
    assert_eq!((tm.paper, tm.dots, tm.dpi), (Paper::Mm80, 512, 180));
}

#[test]
fn every_transport_is_read_with_its_defaults() {
    let serial = devices("[printer]\ntransport = \"serial\"\npath = \"/dev/ttyUSB0\"\n");
    assert_eq!(
        serial.printer.transport,
        PrinterTransport::Serial {
            path: PathBuf::from("/dev/ttyUSB0"),
            baud: 38_400,
            rts_cts: true
        }
    );
    let serial = devices(
        "[printer]\ntransport = \"serial\"\npath = \"/dev/ttyS0\"\nbaud = 115200\nrts_cts = false\n",
    );
    assert!(matches!(
        serial.printer.transport,
        PrinterTransport::Serial {
            baud: 115_200,
            rts_cts: false,
            ..
        }
    ));
    let tcp = devices("[printer]\ntransport = \"tcp\"\nhost = \"10.0.0.5\"\n");
    assert_eq!(
        tcp.printer.transport,
        PrinterTransport::Tcp {
            address: "10.0.0.5:9100".into(),
            connect_timeout: Duration::from_secs(3)
        }
    );
    let tcp = devices("[printer]\ntransport = \"tcp\"\nhost = \"printer.lan:9101\"\n");
    assert!(matches!(
        tcp.printer.transport,
        PrinterTransport::Tcp { ref address, .. } if address == "printer.lan:9101"
    ));
    let tcp = devices("[printer]\ntransport = \"tcp\"\nhost = \"fd00::5\"\nport = 9100\n");
    assert!(matches!(
        tcp.printer.transport,
        PrinterTransport::Tcp { ref address, .. } if address == "[fd00::5]:9100"
    ));
    let sim = devices("[printer]\ntransport = \"sim\"\nstall_timeout_ms = 800\n");
    assert_eq!(sim.printer.transport, PrinterTransport::Sim);
    assert_eq!(sim.printer.stall_timeout, Duration::from_millis(800));
}

#[test]
fn the_other_devices_are_read() {
    let d = devices(
        r#"
[scanner]
backend = "wedge"
path = "/dev/input/event3"
layout = "persian"
[card]
backend = "pcsc"
reader = "ACR39"
select = ["00A4040007A0000000041010", "00 a4 02 0c 02 50 15"]
chunk = 128
[keypad]
backend = "gpio"
long_press_ms = 1000
[keypad.pins]
up = 5
down = 6
back = 13
select = 19
help = 26
call_staff = 16
[speech]
backend = "sim"
voice_fa = "fa+f3"
rate = 120
volume = 100
recordings = "/usr/share/kiosk/prompts"
output = "/tmp/speech.wav"
"#,
    );
    assert_eq!(
        d.scanner.backend,
        ScannerBackend::Wedge {
            path: PathBuf::from("/dev/input/event3"),
            layout: WedgeLayout::Persian
        }
    );
    assert_eq!(
        d.card.backend,
        CardBackend::Pcsc {
            reader: Some("ACR39".into())
        }
    );
    assert_eq!(d.card.select.len(), 2);
    assert_eq!(
        d.card.select[1],
        vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x50, 0x15]
    );
    assert_eq!(d.card.chunk, 128);
    let KeypadBackend::Gpio(pins) = d.keypad.backend else {
        panic!("not gpio: {:?}", d.keypad.backend)
    };
    assert_eq!((pins.up, pins.call_staff, pins.volume_up), (5, 16, None));
    assert_eq!(d.keypad.long_press, Duration::from_secs(1));
    assert_eq!(d.speech.backend, SpeechBackend::Sim);
    assert_eq!(d.speech.voice_fa, "fa+f3");
    assert_eq!((d.speech.rate_wpm, d.speech.volume), (120, 100));
    assert_eq!(
        d.speech.output,
        SpeechOutput::WavFile(PathBuf::from("/tmp/speech.wav"))
    );
}

#[test]
fn the_drawer_kick_is_refused_with_its_reason() {
    let found = issues("[printer]\ndrawer = true\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "printer.drawer");
    assert!(
        found[0].reason.contains("never opens a cash drawer"),
        "{found:?}"
    );
}

#[test]
fn every_bad_printer_value_is_listed_with_its_key() {
    let found = keys(
        r#"
[printer]
profile = "58mm"
dots = 576
dpi = 400
qr_module = 3
transport = "tcp"
path = "/dev/usb/lp0"
baud = 9600
host = "printer.lan:99999"
stall_timeout_ms = 10
"#,
    );
    assert_eq!(
        found,
        vec![
            "printer.dots",
            "printer.dpi",
            "printer.qr_module",
            "printer.path",
            "printer.baud",
            "printer.host",
            "printer.stall_timeout_ms",
        ]
    );
    let found = keys("[printer]\ndots = 400\n[printer.x]\n");
    assert_eq!(found, vec!["printer.x"], "an unknown key is a shape error");
    let found = keys("[printer]\ntransport = \"serial\"\nbaud = 12345\nport = 1\n");
    assert_eq!(found, vec!["printer.port", "printer.path", "printer.baud"]);
    let found = keys("[printer]\ntransport = \"tcp\"\n");
    assert_eq!(found, vec!["printer.host"]);
    let found = keys("[printer]\ntransport = \"usb\"\npath = \"lp0\"\n");
    assert_eq!(found, vec!["printer.path"]);
}

#[test]
fn shape_errors_name_the_device_key() {
    let bad = issues("[printer]\ntransport = \"bluetooth\"\n");
    assert_eq!(bad[0].key, "printer.transport");
    assert!(
        bad[0].reason.contains("bluetooth") && bad[0].reason.contains("line"),
        "{bad:?}"
    );
    let bad = issues("[printer]\nprofile = \"a4\"\n");
    assert_eq!(bad[0].key, "printer.profile");
    let bad = issues("[printer]\nqr_level = \"H\"\n");
    assert_eq!(bad[0].key, "printer.qr_level");
    let bad = issues("[printer]\ndots = \"wide\"\n");
    assert_eq!(bad[0].key, "printer.dots");
    assert!(bad[0].reason.contains("whole number"), "{bad:?}");
    let bad = issues("[scanner]\nbackend = \"serial\"\nspeed = 9600\n");
    assert!(bad[0].reason.contains("speed"), "{bad:?}");
    let bad = issues("[keypad]\nbackend = \"gpio\"\n[keypad.pins]\nup = 1\n");
    assert!(bad[0].key.starts_with("keypad.pins"), "{bad:?}");
}

#[test]
fn every_bad_device_value_is_listed_with_its_key() {
    let found = keys(
        r#"
[scanner]
backend = "sim"
path = "/dev/ttyACM0"
max_line = 10
[card]
backend = "pcsc"
reader = " "
select = ["00 A4", "zz", "00 A4 00 0C 02 00 02"]
chunk = 0
[keypad]
backend = "gpio"
[keypad.pins]
up = 5
down = 5
back = 40
select = 19
help = 26
call_staff = 16
[speech]
voice_en = "en gb"
rate = 20
volume = 101
recordings = "prompts"
output = "hdmi"
"#,
    );
    assert_eq!(
        found,
        vec![
            "scanner.path",
            "scanner.max_line",
            "card.reader",
            "card.select[0]",
            "card.select[1]",
            "card.chunk",
            "keypad.pins.down",
            "keypad.pins.back",
            "speech.output",
            "speech.voice_en",
            "speech.rate",
            "speech.volume",
            "speech.recordings",
        ]
    );
    let found = keys("[scanner]\nbackend = \"serial\"\n[keypad]\nbackend = \"gpio\"\n");
    assert_eq!(found, vec!["scanner.path", "keypad.pins"]);
    let found = keys(
        "[scanner]\nbackend = \"serial\"\npath = \"/dev/ttyACM0\"\nterminator = \"nul\"\nlayout = \"us\"\n",
    );
    assert_eq!(found, vec!["scanner.layout", "scanner.terminator"]);
}

#[test]
fn headphone_detection_is_read_and_bad_values_are_named() {
    assert_eq!(devices("").headphones.backend, HeadphoneBackend::None);
    assert_eq!(
        devices("[headphones]\nbackend = \"evdev\"\npath = \"/dev/input/event3\"\n")
            .headphones
            .backend,
        HeadphoneBackend::Evdev {
            path: PathBuf::from("/dev/input/event3")
        }
    );
    assert_eq!(
        devices("[headphones]\nbackend = \"gpio\"\npin = 17\n")
            .headphones
            .backend,
        HeadphoneBackend::Gpio {
            pin: 17,
            plugged_when_low: true
        }
    );
    assert_eq!(
        devices("[headphones]\nbackend = \"sim\"\n")
            .headphones
            .backend,
        HeadphoneBackend::Sim
    );
    assert_eq!(
        keys("[headphones]\nbackend = \"evdev\"\n"),
        vec!["headphones.path"]
    );
    assert_eq!(
        keys("[headphones]\nbackend = \"gpio\"\npin = 40\n"),
        vec!["headphones.pin"]
    );
    assert_eq!(
        keys("[headphones]\nbackend = \"gpio\"\n"),
        vec!["headphones.pin"]
    );
    assert_eq!(
        keys("[headphones]\nbackend = \"sim\"\npath = \"/dev/input/event3\"\npin = 4\n"),
        vec!["headphones.path", "headphones.pin"]
    );
    assert_eq!(
        keys("[headphones]\nbackend = \"evdev\"\npath = \"event3\"\n"),
        vec!["headphones.path"]
    );
    let pins = "[keypad]\nbackend = \"gpio\"\n[keypad.pins]\nup = 5\ndown = 6\nback = 13\nselect = 19\nhelp = 26\ncall_staff = 16\n";
    assert_eq!(
        keys(&format!(
            "{pins}[headphones]\nbackend = \"gpio\"\npin = 19\n"
        )),
        vec!["headphones.pin"]
    );
    assert!(matches!(
        devices(&format!(
            "{pins}[headphones]\nbackend = \"gpio\"\npin = 17\n"
        ))
        .headphones
        .backend,
        HeadphoneBackend::Gpio { pin: 17, .. }
    ));
}
