//! A device path that exists must be a character device, as the firmware requires: a regular
//! file or a directory is refused under its key; a missing path is accepted (the kiosk's start
//! refuses it if it is still missing then).

use std::path::Path;

const HEAD: &str =
    "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n[speech]\nbackend = \"none\"\n";

fn keys_of(devices: &str) -> Vec<String> {
    match kiosk_config::parse(&format!("{HEAD}{devices}"), Path::new("/")) {
        Ok(_) => Vec::new(),
        Err(e) => e.issues().iter().map(|i| i.key.clone()).collect(),
    }
}

#[test]
fn a_regular_file_or_a_directory_as_the_printer_is_refused_naming_printer_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("receipts.txt");
    std::fs::write(&file, b"keep me").unwrap();
    for (path, what) in [
        (&file, "a regular file"),
        (&dir.path().to_owned(), "a directory"),
    ] {
        for transport in ["usb", "serial"] {
            let text = format!(
                "{HEAD}[printer]\ntransport = \"{transport}\"\npath = \"{}\"\n",
                path.display()
            );
            let err = kiosk_config::parse(&text, Path::new("/")).expect_err(what);
            let issue = &err.issues()[0];
            assert_eq!(issue.key, "printer.path", "{err}");
            assert!(
                issue.reason.contains(what) && issue.reason.contains("not a character device"),
                "{issue}"
            );
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");
}

#[test]
fn every_device_path_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, b"").unwrap();
    let f = file.display();
    let keys = keys_of(&format!(
        "[printer]\npath = \"{f}\"\n[scanner]\nbackend = \"serial\"\npath = \"{f}\"\n\
         [keypad]\nbackend = \"evdev\"\npath = \"{f}\"\n[headphones]\nbackend = \"evdev\"\npath = \"{f}\"\n"
    ));
    assert_eq!(
        keys,
        [
            "printer.path",
            "scanner.path",
            "keypad.path",
            "headphones.path"
        ]
    );
    let wedge = keys_of(&format!("[scanner]\nbackend = \"wedge\"\npath = \"{f}\"\n"));
    assert_eq!(wedge, ["scanner.path"]);
}

#[test]
fn character_devices_and_missing_paths_are_accepted_and_tcp_has_no_path() {
    assert!(keys_of("[printer]\npath = \"/dev/null\"\n").is_empty());
    assert!(keys_of("[printer]\ntransport = \"serial\"\npath = \"/dev/null\"\n").is_empty());
    assert!(keys_of("[printer]\npath = \"/dev/usb/lp-not-plugged-in\"\n").is_empty());
    assert!(
        keys_of("[keypad]\nbackend = \"evdev\"\npath = \"/dev/input/by-id/none\"\n").is_empty()
    );
    assert!(keys_of("[printer]\ntransport = \"tcp\"\nhost = \"10.0.0.9\"\n").is_empty());
}
