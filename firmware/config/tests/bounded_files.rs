//! Configuration files are read with a bound (`kiosk_config::MAX_FILE_BYTES`, 1 MiB): bigger
//! or endless input is refused at once, the kiosk's file and the holiday files it names alike.

use std::path::Path;
use std::time::{Duration, Instant};

use kiosk_config::{ConfigError, MAX_FILE_BYTES};

const HEAD: &str = "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n";

/// A valid configuration of exactly `len` bytes (padded with a comment).
fn padded(len: usize) -> Vec<u8> {
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.push(b'#');
    bytes.resize(len - 1, b'x');
    bytes.push(b'\n');
    bytes
}

fn reason_of(err: &ConfigError) -> String {
    err.issues()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn dev_zero_is_refused_within_a_second() {
    let started = Instant::now();
    let err = kiosk_config::load(Path::new("/dev/zero")).expect_err("/dev/zero");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        reason_of(&err).contains("larger than 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn a_named_pipe_is_refused_at_once_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("kiosk.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let started = Instant::now();
    let err = kiosk_config::load(&fifo).expect_err("a named pipe");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(err.to_string().contains("named pipe"), "{err}");
}

#[test]
fn a_file_at_the_bound_is_read_and_one_byte_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, padded(MAX_FILE_BYTES)).unwrap();
    kiosk_config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&path, padded(MAX_FILE_BYTES + 1)).unwrap();
    let err = kiosk_config::load(&path).expect_err("one byte over");
    assert_eq!(err.issues().len(), 1, "{err}");
    assert!(reason_of(&err).contains("1 MiB"), "{err}");
}

#[test]
fn holiday_files_are_bounded_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(
        &path,
        format!("{HEAD}[calendar]\nextra_holiday_files = [\"big.toml\", \"/dev/zero\"]\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("big.toml"), vec![b'#'; MAX_FILE_BYTES + 1]).unwrap();
    let started = Instant::now();
    let err = kiosk_config::load(&path).expect_err("holiday files over the bound");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let keys: Vec<_> = err.issues().iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "calendar.extra_holiday_files[0]",
            "calendar.extra_holiday_files[1]"
        ],
        "{err}"
    );
    assert!(reason_of(&err).contains("big.toml"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_names_the_line_and_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    let mut bytes = HEAD.as_bytes().to_vec();
    let offset = bytes.len() + "[receipt]\nfooter = \"".len();
    bytes.extend_from_slice(b"[receipt]\nfooter = \"caf\xE9\"\n");
    std::fs::write(&path, &bytes).unwrap();
    let err = kiosk_config::load(&path).expect_err("latin-1");
    let reason = reason_of(&err);
    assert!(reason.contains("line 6,"), "{reason}");
    assert!(
        reason.contains(&format!("byte offset {}", offset + 3)),
        "{reason}"
    );
    assert!(reason.contains("0xE9"), "{reason}");

    let holiday = dir.path().join("1407.toml");
    std::fs::write(&holiday, b"year = 1407\n# \xFF\n").unwrap();
    std::fs::write(
        &path,
        format!("{HEAD}[calendar]\nextra_holiday_files = [\"1407.toml\"]\n"),
    )
    .unwrap();
    let err = kiosk_config::load(&path).expect_err("holiday file not UTF-8");
    assert_eq!(err.issues()[0].key, "calendar.extra_holiday_files[0]");
    assert!(
        reason_of(&err).contains("line 2, column 3 (byte offset 14)"),
        "{err}"
    );
}

#[test]
fn an_oversized_holiday_file_is_refused_with_its_key_and_the_bound_beside_every_other_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    // The file is read once, bounded, where the calendar is checked: the rest of the
    // configuration is still checked, and all its problems reported together.
    std::fs::write(
        &path,
        "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\nlanguage = \"de\"\n\
         [calendar]\nextra_holiday_files = [\"1407.toml\", \"big.toml\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("1407.toml"),
        "year = 1407\nsource = \"operator\"\n[[holiday]]\ndate = \"1407-01-01\"\n\
         name_fa = \"نوروز\"\nname_en = \"Nowruz\"\n",
    )
    .unwrap();
    let mut big = b"year = 1408\n".to_vec();
    big.resize(MAX_FILE_BYTES + 1, b'\n');
    std::fs::write(dir.path().join("big.toml"), big).unwrap();
    let err = kiosk_config::load(&path).expect_err("a holiday file over the bound");
    let keys: Vec<_> = err.issues().iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        ["kiosk.language", "calendar.extra_holiday_files[1]"],
        "{err}"
    );
    let reason = &err.issues()[1].reason;
    assert!(reason.contains("big.toml"), "{reason}");
    assert!(
        reason.contains(&format!("larger than {MAX_FILE_BYTES} bytes (1 MiB)")),
        "{reason}"
    );

    // The same file within the bound is loaded from the text read.
    std::fs::write(
        dir.path().join("big.toml"),
        "year = 1408\nsource = \"operator\"\n[[holiday]]\ndate = \"1408-01-01\"\n\
         name_fa = \"نوروز\"\nname_en = \"Nowruz\"\n",
    )
    .unwrap();
    std::fs::write(
        &path,
        format!("{HEAD}[calendar]\nextra_holiday_files = [\"1407.toml\", \"big.toml\"]\n"),
    )
    .unwrap();
    let config = kiosk_config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let holidays = config.due_date_policy.calendar.holidays();
    assert!(holidays.knows_year(1407) && holidays.knows_year(1408));
}

#[test]
fn a_holiday_file_that_is_a_named_pipe_is_refused_at_once_under_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("1407.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let path = dir.path().join("kiosk.toml");
    std::fs::write(
        &path,
        format!("{HEAD}[calendar]\nextra_holiday_files = [\"1407.toml\"]\n"),
    )
    .unwrap();
    let started = Instant::now();
    let err = kiosk_config::load(&path).expect_err("a named pipe");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(err.issues().len(), 1, "{err}");
    assert_eq!(err.issues()[0].key, "calendar.extra_holiday_files[0]");
    assert!(err.issues()[0].reason.contains("named pipe"), "{err}");
}
