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
rows = [5, 6, 13, 19]
columns = [26, 16, 20, 21, 12, 7]
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
    let KeypadBackend::Gpio(matrix) = d.keypad.backend else {
        panic!("not gpio: {:?}", d.keypad.backend)
    };
    assert_eq!(matrix.rows, [5, 6, 13, 19]);
    assert_eq!(matrix.columns, [26, 16, 20, 21, 12, 7]);
    assert_eq!(matrix.layout[1][1], Some("5"), "the default layout");
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
    let bad = issues("[keypad]\nbackend = \"gpio\"\nrows = [1, \"2\"]\n");
    assert_eq!(bad[0].key, "keypad.rows[1]", "{bad:?}");
    assert!(bad[0].reason.contains("line 7"), "{bad:?}");
    let bad = issues("[keypad]\nbackend = \"gpio\"\n[keypad.pins]\nup = 1\n");
    assert!(
        bad[0].key.starts_with("keypad.pins"),
        "the old pin table: {bad:?}"
    );
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
rows = [5, 6, 13, 19]
columns = [5, 40, 20, 21, 12, 7]
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
            "keypad.columns[0]",
            "keypad.columns[1]",
            "speech.output",
            "speech.voice_en",
            "speech.rate",
            "speech.volume",
            "speech.recordings",
        ]
    );
    let found = keys("[scanner]\nbackend = \"serial\"\n[keypad]\nbackend = \"gpio\"\n");
    assert_eq!(found, vec!["scanner.path", "keypad.rows", "keypad.columns"]);
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
    let pins =
        "[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 13, 18]\ncolumns = [26, 16, 20, 21, 19, 7]\n";
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

// ---- [keypad] ------------------------------------------------------------------------------

const MATRIX: &str =
    "[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 13]\ncolumns = [16, 20, 21, 12]\n";

#[test]
fn a_keypad_matrix_takes_a_layout_of_key_names() {
    let d = devices(&format!(
        "{MATRIX}layout = [\n  [\"1\", \"2\", \"3\", \"enter\"],\n  [\"4\", \"5\", \"6\", \"clear\"],\n  [\"7\", \"8\", \"9\", \"0\"],\n]\n"
    ));
    let KeypadBackend::Gpio(m) = d.keypad.backend else {
        panic!("not gpio: {:?}", d.keypad.backend)
    };
    assert_eq!(m.rows, [5, 6, 13]);
    assert_eq!(
        m.layout[0],
        [Some("1"), Some("2"), Some("3"), Some("enter")]
    );
    assert_eq!(m.layout[2][3], Some("0"));
    let with_gaps = devices(&format!(
        "{MATRIX}layout = [[\"1\", \"2\", \"3\", \"\"], [\"4\", \"5\", \"6\", \"enter\"], [\"7\", \"8\", \"9\", \"0\"]]\n"
    ));
    let KeypadBackend::Gpio(m) = with_gaps.keypad.backend else {
        panic!("not gpio")
    };
    assert_eq!(m.layout[0][3], None);
}

#[test]
fn the_default_layout_is_the_telephone_layout_with_every_key() {
    let mut names: Vec<&str> = DEFAULT_KEYPAD_LAYOUT
        .iter()
        .flatten()
        .copied()
        .filter(|k| !k.is_empty())
        .collect();
    names.sort_unstable();
    let mut all = KEYPAD_KEYS.to_vec();
    all.sort_unstable();
    assert_eq!(names, all, "every key once");
    assert_eq!(DEFAULT_KEYPAD_LAYOUT[0][..3], ["1", "2", "3"]);
    assert_eq!(DEFAULT_KEYPAD_LAYOUT[3][1], "0");
}

#[test]
fn every_keypad_matrix_mistake_is_named_by_its_key_and_line() {
    let found = issues(&format!(
        "{MATRIX}layout = [\n  [\"1\", \"2\", \"3\", \"select\"],\n  [\"4\", \"5\", \"6\", \"1\"],\n  [\"7\", \"8\", \"9\", \"0\"],\n]\n"
    ));
    let named: Vec<(&str, &str)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.reason.as_str()))
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert_eq!(named[0].0, "keypad.layout[0][3]");
    assert!(
        named[0]
            .1
            .contains("\"select\" is not a keypad key (it is now \"enter\")")
            && named[0].1.contains("(line 10)"),
        "{named:?}"
    );
    assert_eq!(named[1].0, "keypad.layout[1][3]");
    assert!(
        named[1].1.contains("already at keypad.layout[0][0]") && named[1].1.contains("(line 11)"),
        "{named:?}"
    );

    // Sizes: the layout must fit the pins; without a layout the pins must fit the default.
    assert_eq!(
        keys(&format!(
            "{MATRIX}layout = [[\"1\", \"2\", \"3\", \"4\"], [\"5\"]]\n"
        )),
        ["keypad.layout"],
        "no enter, no 0, 6…9"
    );
    assert_eq!(
        keys(&format!(
            "{MATRIX}layout = [[\"1\", \"2\", \"3\", \"4\"], [\"5\", \"6\", \"7\", \"8\"], [\"9\", \"0\", \"enter\"], [\"\", \"\", \"\", \"\"]]\n"
        )),
        ["keypad.layout", "keypad.layout[2]"]
    );
    let missing = issues(MATRIX);
    assert_eq!(missing[0].key, "keypad.layout");
    assert!(
        missing[0].reason.contains("3 rows × 4 columns") && missing[0].reason.contains("line"),
        "{missing:?}"
    );
    let no_digits = issues(&format!(
        "{MATRIX}layout = [[\"1\", \"2\", \"3\", \"enter\"], [\"4\", \"5\", \"6\", \"clear\"], [\"7\", \"8\", \"9\", \"help\"]]\n"
    ));
    assert_eq!(no_digits[0].key, "keypad.layout");
    assert!(
        no_digits[0].reason.contains("no \"0\" key"),
        "{no_digits:?}"
    );

    // Pins: range, reuse across rows and columns, empty lists, the jack's pin.
    assert_eq!(
        keys(
            "[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 13, 28]\ncolumns = [16, 20, 21, 12, 6, 7]\n"
        ),
        ["keypad.rows[3]", "keypad.columns[4]"]
    );
    let reused = issues(
        "[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 13, 19]\ncolumns = [16, 20, 21, 12, 6, 7]\n",
    );
    assert!(
        reused[0]
            .reason
            .contains("GPIO 6 is already keypad.rows[1]")
            && reused[0].reason.contains("(line 8)"),
        "{reused:?}"
    );
    assert_eq!(
        keys("[keypad]\nbackend = \"gpio\"\nrows = []\ncolumns = [16]\n"),
        ["keypad.rows"]
    );
    // Keys of another backend.
    assert_eq!(
        keys(
            "[keypad]\nbackend = \"sim\"\nrows = [1]\nlayout = [[\"1\"]]\n[keypad.keys]\nenter = \"KEY_ENTER\"\n"
        ),
        ["keypad.rows", "keypad.layout", "keypad.keys"]
    );
    assert_eq!(
        keys("[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/event9\"\ncolumns = [1]\n"),
        ["keypad.columns"]
    );
}

#[test]
fn an_evdev_keypad_takes_a_key_map_of_linux_code_names() {
    let d = devices(
        "[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/usb-keypad-event-kbd\"\n[keypad.keys]\nenter = [\"KEY_ENTER\", \"KEY_KPENTER\"]\ncall_staff = \"KEY_F12\"\n\"5\" = \"KEY_KP5\"\nspeed_up = []\n",
    );
    assert_eq!(
        d.keypad.backend,
        KeypadBackend::Evdev {
            path: PathBuf::from("/dev/input/by-id/usb-keypad-event-kbd"),
            keys: vec![
                ("5", vec![76]),
                ("call_staff", vec![88]),
                ("enter", vec![28, 96]),
                ("speed_up", vec![]),
            ]
        }
    );
    let plain = devices("[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/event4\"\n");
    assert!(
        matches!(plain.keypad.backend, KeypadBackend::Evdev { ref keys, .. } if keys.is_empty())
    );
}

#[test]
fn every_key_map_mistake_is_named_by_its_key_and_line() {
    let found = issues(
        "[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/event4\"\n[keypad.keys]\nback = \"KEY_ESC\"\ncancel = [\"KEY_ESC\", \"KEY_ENTR\"]\nhelp = \"KEY_ESC\"\nup = 103\n",
    );
    let named: Vec<(&str, &str)> = found
        .iter()
        .map(|i| (i.key.as_str(), i.reason.as_str()))
        .collect();
    assert_eq!(
        named.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        [
            "keypad.keys.back",
            "keypad.keys.cancel[1]",
            "keypad.keys.help",
            "keypad.keys.up"
        ],
        "{named:?}"
    );
    assert!(named[0].1.contains("it is now \"cancel\"") && named[0].1.contains("(line 9)"));
    assert!(
        named[1].1.contains("\"KEY_ENTR\" is not a Linux key code")
            && named[1].1.contains("(line 10)")
    );
    assert!(
        named[2]
            .1
            .contains("KEY_ESC is already given to keypad.keys.cancel[0]")
            && named[2].1.contains("(line 11)"),
        "{named:?}"
    );
    assert!(
        named[3].1.contains("not the number 103") && named[3].1.contains("(line 12)"),
        "{named:?}"
    );
    let wrong_element = issues(
        "[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/event4\"\n[keypad.keys]\nenter = [\"KEY_ENTER\", 28]\n",
    );
    assert_eq!(
        wrong_element[0].key, "keypad.keys.enter[1]",
        "{wrong_element:?}"
    );
    assert!(
        wrong_element[0].reason.contains("line 9"),
        "{wrong_element:?}"
    );
}

#[test]
fn indicators_are_read_and_every_mistake_is_named_by_its_key() {
    assert_eq!(
        devices("[indicators]\nbackend = \"gpio\"\nfault = 24\nbuzzer = 25\n")
            .indicators
            .backend,
        IndicatorBackend::Gpio(IndicatorPins {
            fault: Some(24),
            buzzer: Some(25),
            ..IndicatorPins::default()
        })
    );
    assert_eq!(
        devices("").indicators.backend,
        IndicatorBackend::None,
        "none by default"
    );
    assert_eq!(
        keys("[indicators]\nbackend = \"gpio\"\nready = 22\n"),
        ["indicators.fault"],
        "a staff call needs the fault LED or the buzzer"
    );
    assert_eq!(
        keys("[indicators]\nbackend = \"gpio\"\nfault = 24\nbuzzer = 24\nbusy = 40\n"),
        ["indicators.busy", "indicators.buzzer"]
    );
    assert_eq!(
        keys("[indicators]\nbackend = \"sim\"\nfault = 24\n"),
        ["indicators.fault"],
        "a pin under the simulated backend is refused"
    );
    assert_eq!(
        keys(
            "[headphones]\nbackend = \"gpio\"\npin = 17\n[indicators]\nbackend = \"gpio\"\nfault = 17\n"
        ),
        ["indicators.fault"],
        "the jack's pin is taken"
    );
}

#[test]
fn switches_are_read_with_their_defaults() {
    assert_eq!(
        devices("").switches,
        SwitchSettings::default(),
        "none by default"
    );
    let two = devices("[switches]\nbackend = \"gpio\"\na = 5\nb = 6\n").switches;
    assert_eq!(two.backend, SwitchBackend::Gpio { a: 5, b: Some(6) });
    assert_eq!(two.mode, SwitchMode::Two);
    let scan = devices("[switches]\nbackend = \"gpio\"\nmode = \"scan\"\na = 5\ndwell_ms = 2500\n")
        .switches;
    assert_eq!(scan.backend, SwitchBackend::Gpio { a: 5, b: None });
    assert_eq!(scan.dwell, Duration::from_millis(2500));
    let usb = devices("[switches]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/sw\"\n").switches;
    assert_eq!(
        usb.backend,
        SwitchBackend::Evdev {
            path: "/dev/input/by-id/sw".into(),
            a: 57,
            b: Some(28)
        },
        "KEY_SPACE and KEY_ENTER by default"
    );
    let numbered = devices(
        "[switches]\nbackend = \"evdev\"\npath = \"/dev/input/sw\"\na = \"KEY_1\"\nb = \"KEY_2\"\n",
    )
    .switches;
    assert!(matches!(
        numbered.backend,
        SwitchBackend::Evdev {
            a: 2,
            b: Some(3),
            ..
        }
    ));
    let sim = devices("[switches]\nbackend = \"sim\"\nmode = \"scan\"\n").switches;
    assert_eq!(
        (sim.backend, sim.mode, sim.dwell),
        (
            SwitchBackend::Sim,
            SwitchMode::Scan,
            switches::DEFAULT_DWELL
        )
    );
}

#[test]
fn every_switch_mistake_is_named_by_its_key() {
    let cases: &[(&str, &[&str])] = &[
        ("backend = \"gpio\"\nb = 6\n", &["switches.a"]),
        ("backend = \"gpio\"\na = 5\n", &["switches.b"]),
        ("backend = \"gpio\"\na = 5\nb = 5\n", &["switches.b"]),
        (
            "backend = \"gpio\"\na = 30\nb = \"KEY_1\"\n",
            &["switches.a", "switches.b"],
        ),
        (
            "backend = \"gpio\"\nmode = \"scan\"\na = 5\nb = 6\n",
            &["switches.b"],
        ),
        (
            "backend = \"gpio\"\na = 5\nb = 6\ndwell_ms = 2000\n",
            &["switches.dwell_ms"],
        ),
        (
            "backend = \"gpio\"\nmode = \"scan\"\na = 5\ndwell_ms = 100\n",
            &["switches.dwell_ms"],
        ),
        (
            "backend = \"gpio\"\nmode = \"scan\"\na = 5\ndwell_ms = 20000\n",
            &["switches.dwell_ms"],
        ),
        (
            "backend = \"gpio\"\na = 5\nb = 6\npath = \"/dev/input/x\"\n",
            &["switches.path"],
        ),
        ("backend = \"evdev\"\na = \"KEY_1\"\n", &["switches.path"]),
        (
            "backend = \"evdev\"\npath = \"/dev/input/x\"\na = \"KEY_SPACEBAR\"\n",
            &["switches.a"],
        ),
        (
            "backend = \"evdev\"\npath = \"/dev/input/x\"\na = 5\n",
            &["switches.a"],
        ),
        (
            "backend = \"evdev\"\npath = \"/dev/input/x\"\na = \"KEY_ENTER\"\n",
            &["switches.b"],
        ),
        ("backend = \"sim\"\na = 5\n", &["switches.a"]),
        ("mode = \"scan\"\n", &["switches.mode"]),
        (
            "backend = \"none\"\ndwell_ms = 1500\n",
            &["switches.dwell_ms"],
        ),
    ];
    for (section, expected) in cases {
        assert_eq!(
            keys(&format!("[switches]\n{section}")),
            *expected,
            "{section}"
        );
    }
    for (other, key) in [
        ("[headphones]\nbackend = \"gpio\"\npin = 5\n", "switches.a"),
        (
            "[indicators]\nbackend = \"gpio\"\nfault = 6\n",
            "switches.b",
        ),
    ] {
        assert_eq!(
            keys(&format!(
                "{other}[switches]\nbackend = \"gpio\"\na = 5\nb = 6\n"
            )),
            [key],
            "{other}"
        );
    }
    let keypad = issues(
        "[keypad]\nbackend = \"gpio\"\nrows = [5, 6, 7, 8]\ncolumns = [9, 10, 11, 12, 13, 16]\n[switches]\nbackend = \"gpio\"\nmode = \"scan\"\na = 9\n",
    );
    assert_eq!(keypad.len(), 1, "{keypad:?}");
    assert_eq!(keypad[0].key, "switches.a");
    assert!(keypad[0].reason.contains("keypad"), "{}", keypad[0].reason);
}

#[test]
fn the_card_authorities_are_absolute_paths_and_lists_need_an_anchor() {
    let d = devices(
        "[card]\nbackend = \"sim\"\ntrust_anchors = [\"/etc/kiosk/ca.pem\"]\n\
         intermediates = [\"/etc/kiosk/sub.pem\"]\ncrls = [\"/var/lib/kiosk/cards.crl\"]\n",
    );
    assert_eq!(d.card.trust_anchors, [PathBuf::from("/etc/kiosk/ca.pem")]);
    assert_eq!(d.card.intermediates, [PathBuf::from("/etc/kiosk/sub.pem")]);
    assert_eq!(d.card.crls, [PathBuf::from("/var/lib/kiosk/cards.crl")]);
    assert!(
        devices("[card]\nbackend = \"sim\"\n")
            .card
            .trust_anchors
            .is_empty()
    );
    assert_eq!(
        keys("[card]\nbackend = \"sim\"\ntrust_anchors = [\"ca.pem\"]\n"),
        ["card.trust_anchors[0]"]
    );
    assert_eq!(
        keys("[card]\nbackend = \"sim\"\ncrls = [\"/var/lib/kiosk/cards.crl\"]\n"),
        ["card.trust_anchors"]
    );
}
