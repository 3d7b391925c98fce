//! The serial scanner over real pseudo-terminals (`TTYPort::pair`): the test holds the master
//! end as "the scanner" and the driver opens the slave by path, through a symlink as a udev
//! `/dev/serial/by-id/…` name would be. Split reads, noise, overlong and cut-off lines,
//! unplugging (closing the master) and replugging (a new pair behind the same symlink).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_drivers::EventStream;
use kiosk_drivers::scanner::{
    CodeScanner, FramingConfig, ScanError, ScanEvent, Scanned, SerialScanner, SerialScannerConfig,
};
use serialport::{SerialPort, TTYPort};

/// A pty pair whose slave is reachable at `link`; returns the master.
fn plug(link: &Path) -> TTYPort {
    let (master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
    let slave_path = slave.name().expect("slave has a path");
    // The driver opens the slave itself; the pair's own handle would hold it exclusively.
    drop(slave);
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(slave_path, link).expect("symlink");
    master
}

fn config(link: &Path) -> SerialScannerConfig {
    SerialScannerConfig {
        baud: 115_200,
        framing: FramingConfig {
            max_line_len: 64,
            line_timeout: Duration::from_millis(400),
            ..FramingConfig::default()
        },
        reopen_interval: Duration::from_millis(50),
        ..SerialScannerConfig::new(link)
    }
}

async fn next(events: &mut EventStream<ScanEvent>) -> ScanEvent {
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("an event within 5 s")
        .expect("the scanner thread is alive")
}

/// Skips `Unavailable` (reported while a device is away) and returns the next other event.
async fn next_present(events: &mut EventStream<ScanEvent>) -> ScanEvent {
    loop {
        match next(events).await {
            ScanEvent::Unavailable { .. } => continue,
            e => return e,
        }
    }
}

fn send(master: &mut TTYPort, bytes: &[u8]) {
    master.write_all(bytes).expect("write to master");
    master.flush().expect("flush");
}

fn link_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("scanner")
}

#[tokio::test]
async fn codes_split_reads_noise_and_bad_lines_over_a_pty() {
    let dir = tempfile::tempdir().unwrap();
    let link = link_in(&dir);
    let mut master = plug(&link);
    let mut events = SerialScanner::new(config(&link)).events();
    assert_eq!(next(&mut events).await, ScanEvent::Connected);

    // A national code arriving in two pieces 30 ms apart is one line.
    send(&mut master, b"0499");
    tokio::time::sleep(Duration::from_millis(30)).await;
    send(&mut master, b"370899\r\n");
    match next(&mut events).await {
        ScanEvent::Scanned(Scanned::NationalCode(c)) => assert_eq!(c.as_string(), "0499370899"),
        other => panic!("expected a national code, got {other:?}"),
    }

    let code = TrackingCode::new(KioskNumber::new(42).unwrap(), 7).unwrap();
    send(&mut master, format!("{}\r", code.grouped()).as_bytes());
    assert_eq!(
        next(&mut events).await,
        ScanEvent::Scanned(Scanned::TrackingCode(code))
    );

    // What a 115200-baud reader sees from a 9600-baud scanner: high bytes and NULs.
    send(&mut master, &[0x80, 0xf8, 0x00, 0x78, 0xe0, 0xfe, b'\r']);
    assert_eq!(
        next(&mut events).await,
        ScanEvent::Rejected(ScanError::NotText { bytes: 6 })
    );

    // An overlong line is one event, and the line after it is read normally.
    let mut long = vec![b'A'; 200];
    long.extend_from_slice(b"\rEMP-123\r");
    send(&mut master, &long);
    assert_eq!(
        next(&mut events).await,
        ScanEvent::Rejected(ScanError::Overlong { limit: 64 })
    );
    assert_eq!(
        next(&mut events).await,
        ScanEvent::Scanned(Scanned::EmployeeCode("123".into()))
    );

    // A line cut off before its terminator is reported after the line timeout.
    send(&mut master, b"0012");
    assert_eq!(
        next(&mut events).await,
        ScanEvent::Rejected(ScanError::Incomplete { bytes: 4 })
    );

    // The reader is still alive after all that.
    send(&mut master, b"hello\r");
    assert_eq!(next(&mut events).await.kind(), "unknown");
}

#[tokio::test]
async fn unplug_is_reported_and_the_scanner_is_reopened_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let link = link_in(&dir);

    // Not plugged at start: reported once, then found when it appears.
    let mut events = SerialScanner::new(config(&link)).events();
    assert!(matches!(
        next(&mut events).await,
        ScanEvent::Unavailable { .. }
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(events.try_next().is_none(), "an outage is reported once");
    let mut master = plug(&link);
    assert_eq!(next(&mut events).await, ScanEvent::Connected);
    send(&mut master, b"EMP-1\r");
    assert_eq!(next(&mut events).await.kind(), "unknown");

    // Unplug mid-line: the half line is dropped, the disconnect reported.
    send(&mut master, b"04993");
    drop(master);
    assert!(matches!(
        next_present(&mut events).await,
        ScanEvent::Disconnected { .. }
    ));

    // Replug behind the same path.
    let mut master = plug(&link);
    assert_eq!(next_present(&mut events).await, ScanEvent::Connected);
    send(&mut master, b"0499370899\r");
    assert_eq!(next(&mut events).await.kind(), "national_code");
}
