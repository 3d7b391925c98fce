//! The real transports against a fake printer played by the test on the other end:
//!
//! - serial (`serialport`, RTS/CTS) and the USB printer class link over real pseudo-terminals
//!   (`TTYPort::pair`): the driver opens the slave by path as it would `/dev/ttyUSB0` or
//!   `/dev/usb/lp0`; the test holds the master;
//! - TCP 9100 against a server on 127.0.0.1:0.
//!
//! The fake printer answers `DLE EOT n` before and after the job, collects the job, and can go
//! offline mid-job (its answers say so), close the connection mid-job, stop reading (a stall)
//! or say nothing. The job it received is decoded back into the sample receipt.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use kiosk_drivers::printer::{
    Condition, EscPosPrinter, JobConfig, Link, OfflineCause, PrintError, ReceiptPrinter,
    SerialConfig, SerialTransport, StatusQuery, Tcp9100, UnknownCause, UsbLink, UsbLp,
};
use kiosk_receipt::{Profile, decode::decode, encode, sample};
use serialport::{FlowControl, SerialPort, TTYPort};

const READY: [u8; 4] = [0x12; 4];
/// Offline (n = 1 bit 3), no cause named.
const OFFLINE: [u8; 4] = [0x1A, 0x12, 0x12, 0x12];
/// Offline with the cover open.
const COVER_OPEN: [u8; 4] = [0x1A, 0x16, 0x12, 0x12];
const QUERIES: [u8; 12] = [0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 3, 0x10, 4, 4];

/// What the fake printer does.
#[derive(Debug, Clone, Copy)]
struct Script {
    /// Answers to `DLE EOT 1..4`; `None`: never answers.
    answers: Option<[u8; 4]>,
    /// After this many job bytes, answers change to these.
    change_after: Option<(usize, [u8; 4])>,
    /// After this many job bytes, hang up.
    close_after: Option<usize>,
    /// After this many job bytes, stop reading (buffer full, CTS low).
    stop_reading_after: Option<usize>,
    /// Answer the first query after the job this late (still busy printing).
    busy_after_job: Option<Duration>,
}

impl Script {
    fn answering(answers: [u8; 4]) -> Self {
        Self {
            answers: Some(answers),
            change_after: None,
            close_after: None,
            stop_reading_after: None,
            busy_after_job: None,
        }
    }
}

/// What the fake printer received.
#[derive(Debug, Default)]
struct Received {
    before: Vec<u8>,
    job: Vec<u8>,
    after: Vec<u8>,
}

/// Plays a printer on `dev` expecting a job of `job_len` bytes, until the other end goes away
/// or `stop` is raised. `dev` must have a short read timeout.
fn play<D: Read + Write>(
    mut dev: D,
    job_len: usize,
    script: Script,
    stop: &AtomicBool,
) -> Received {
    let mut got = Received::default();
    let mut answers = script.answers;
    let mut cmd = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match dev.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => n,
            // A pty master reports a hang-up (`serialport` says BrokenPipe) while no slave is
            // open (before the driver opens it, between jobs): the printer is idle, not gone.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::BrokenPipe
                ) =>
            {
                if e.kind() == ErrorKind::BrokenPipe {
                    thread::sleep(Duration::from_millis(2));
                }
                if stop.load(Ordering::SeqCst) {
                    return got;
                }
                continue;
            }
            Err(_) => return got,
        };
        for &b in &buf[..n] {
            // The job is the run of bytes after the status queries that precede it (a job
            // starts with ESC @, never with DLE).
            let in_job =
                (!got.job.is_empty() || (cmd.is_empty() && b != 0x10)) && got.job.len() < job_len;
            if in_job {
                got.job.push(b);
                let taken = got.job.len();
                if let Some((after, new)) = script.change_after
                    && taken == after
                {
                    answers = Some(new);
                }
                if script.close_after == Some(taken) {
                    return got;
                }
                if script.stop_reading_after == Some(taken) {
                    while !stop.load(Ordering::SeqCst) {
                        thread::sleep(Duration::from_millis(5));
                    }
                    return got;
                }
                continue;
            }
            if got.job.is_empty() {
                got.before.push(b);
            } else {
                got.after.push(b);
            }
            cmd.push(b);
            match cmd.as_slice() {
                [0x10] | [0x10, 0x04] => {}
                &[0x10, 0x04, q @ 1..=4] => {
                    cmd.clear();
                    if got.job.len() == job_len
                        && got.after.len() == 3
                        && let Some(delay) = script.busy_after_job
                    {
                        thread::sleep(delay);
                    }
                    if let Some(a) = answers {
                        let _ = dev.write_all(&[a[usize::from(q - 1)]]);
                        let _ = dev.flush();
                    }
                }
                _ => panic!("fake printer got an unexpected command {cmd:02X?}"),
            }
        }
    }
}

fn fast() -> JobConfig {
    JobConfig {
        chunk_size: 1024,
        stall_timeout: Duration::from_millis(300),
        status_timeout: Duration::from_millis(200),
        require_status: true,
    }
}

fn receipt() -> Vec<u8> {
    encode(&sample(), &Profile::MM80).expect("the sample receipt encodes")
}

fn assert_is_the_sample_receipt(job: &[u8]) {
    assert_eq!(job, receipt().as_slice());
    let decoded = decode(job, Profile::MM80.dots).expect("the received job decodes");
    assert_eq!(decoded.native_qr.len(), 2);
    assert!(decoded.native_qr[0].starts_with("https://samad.example.ir"));
    assert_eq!(decoded.cuts, 1);
}

// ---- pseudo-terminals ----------------------------------------------------------------------

/// A pty pair whose slave is reachable at `link` (as udev would name it); returns the master.
fn plug(link: &Path) -> TTYPort {
    let (mut master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
    let slave_path = slave.name().expect("slave has a path");
    drop(slave);
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(slave_path, link).expect("symlink");
    master
        .set_timeout(Duration::from_millis(10))
        .expect("master timeout");
    master
}

struct Fake {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Received>,
}

impl Fake {
    fn start<D: Read + Write + Send + 'static>(dev: D, job_len: usize, script: Script) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::spawn(move || play(dev, job_len, script, &flag));
        Self { stop, thread }
    }

    fn finish(self) -> Received {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("fake printer thread")
    }
}

fn serial_printer(link: &Path) -> EscPosPrinter<SerialTransport> {
    EscPosPrinter::new(
        SerialTransport::new(SerialConfig::new(link, 115_200)),
        fast(),
    )
}

fn tmp_link(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn serial_prints_the_receipt_with_rts_cts_and_status_before_and_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "printer");
    let job = receipt();
    let fake = Fake::start(plug(&link), job.len(), Script::answering(READY));

    let mut transport = SerialTransport::new(SerialConfig::new(&link, 115_200));
    use kiosk_drivers::printer::Transport;
    let opened = transport.open().expect("opens the pty");
    let port = opened.port();
    assert_eq!(
        port.flow_control().expect("flow control"),
        FlowControl::Hardware
    );
    assert_eq!(port.baud_rate().expect("baud rate"), 115_200);
    drop(opened);

    let mut printer = serial_printer(&link);
    let status = printer.print(&job).expect("prints");
    assert_eq!(status.condition, Condition::Ready);
    drop(printer);
    let got = fake.finish();
    assert_eq!(got.before, QUERIES);
    assert_eq!(got.after, QUERIES);
    assert_is_the_sample_receipt(&got.job);
}

#[test]
fn serial_printer_going_offline_mid_job_fails_the_job_with_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "printer");
    let job = receipt();
    let script = Script {
        change_after: Some((job.len() / 2, OFFLINE)),
        ..Script::answering(READY)
    };
    let fake = Fake::start(plug(&link), job.len(), script);
    let mut printer = serial_printer(&link);
    let err = printer.print(&job).expect_err("offline after the job");
    match &err {
        PrintError::Problem { status, sent } => {
            assert_eq!(status.condition, Condition::Offline(OfflineCause::Reported));
            assert_eq!(*sent, job.len());
            assert_eq!(status.answers, OFFLINE.map(Some));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.staff_alert().contains("offline"));
    assert!(err.visitor_message_fa().contains("در دسترس نیست"));
    drop(printer);
    assert_eq!(fake.finish().job, job);
}

#[test]
fn serial_printer_unplugged_mid_job_is_a_connection_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "printer");
    let job = receipt();
    let script = Script {
        close_after: Some(2000),
        ..Script::answering(READY)
    };
    let fake = Fake::start(plug(&link), job.len(), script);
    let mut printer = serial_printer(&link);
    let started = Instant::now();
    let err = printer.print(&job).expect_err("unplugged");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &err {
        PrintError::Connection { sent, status, .. } => {
            // The tty buffers may have taken the whole job before the far end closed.
            assert!(*sent >= 2000, "{sent}");
            assert_eq!(
                status.condition,
                Condition::Offline(OfflineCause::Unreachable)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.finish().job.len(), 2000);
    // The device is gone for good: the next job cannot even open it.
    let _ = std::fs::remove_file(&link);
    let err = printer.print(&job).expect_err("nothing to open");
    assert!(err.to_string().contains("cannot open"), "{err}");
    assert_eq!(
        printer.status().condition,
        Condition::Offline(OfflineCause::Unreachable)
    );
}

#[test]
fn serial_printer_that_stops_taking_data_stalls_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "printer");
    // Far more than the pty buffers hold.
    let job = vec![0u8; 1 << 20];
    let script = Script {
        stop_reading_after: Some(1000),
        ..Script::answering(READY)
    };
    let fake = Fake::start(plug(&link), job.len(), script);
    let mut printer = serial_printer(&link);
    let started = Instant::now();
    let err = printer.print(&job).expect_err("stalls");
    let took = started.elapsed();
    match &err {
        PrintError::Stalled {
            sent,
            total,
            status,
            ..
        } => {
            assert!(*sent < *total, "{sent}");
            assert_eq!(
                status.condition,
                Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::Printer))
            );
        }
        other => panic!("{other:?}"),
    }
    // One stall timeout, and one status timeout for the query that cannot get through.
    assert!(took < Duration::from_secs(3), "{took:?}");
    drop(printer);
    fake.finish();
}

#[test]
fn serial_printer_with_cover_open_gets_no_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "printer");
    let fake = Fake::start(plug(&link), 100, Script::answering(COVER_OPEN));
    let mut printer = serial_printer(&link);
    assert_eq!(printer.status().condition, Condition::CoverOpen);
    match printer.print(&[0x1B, b'@']) {
        Err(PrintError::NotReady(s)) => assert_eq!(s.condition, Condition::CoverOpen),
        other => panic!("{other:?}"),
    }
    drop(printer);
    let got = fake.finish();
    assert!(got.job.is_empty());
    assert_eq!(got.before, [QUERIES, QUERIES].concat());
}

#[test]
fn usb_link_over_a_pty_prints_and_reads_status_on_the_same_fd() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "lp0");
    let job = receipt();
    let fake = Fake::start(plug(&link), job.len(), Script::answering(READY));
    let mut printer = EscPosPrinter::new(UsbLp::new(&link), fast());
    let status = printer.print(&job).expect("prints");
    assert_eq!(status.condition, Condition::Ready);
    drop(printer);
    let got = fake.finish();
    assert_eq!(
        (got.before.as_slice(), got.after.as_slice()),
        (&QUERIES[..], &QUERIES[..])
    );
    assert_is_the_sample_receipt(&got.job);
}

#[test]
fn usb_printer_going_offline_or_unplugged_mid_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "lp0");
    let job = receipt();

    let script = Script {
        change_after: Some((100, OFFLINE)),
        ..Script::answering(READY)
    };
    let fake = Fake::start(plug(&link), job.len(), script);
    let mut printer = EscPosPrinter::new(UsbLp::new(&link), fast());
    match printer.print(&job) {
        Err(PrintError::Problem { status, .. }) => {
            assert_eq!(status.condition, Condition::Offline(OfflineCause::Reported));
        }
        other => panic!("{other:?}"),
    }
    drop(printer);
    fake.finish();

    let script = Script {
        close_after: Some(3000),
        ..Script::answering(READY)
    };
    let fake = Fake::start(plug(&link), job.len(), script);
    let mut printer = EscPosPrinter::new(UsbLp::new(&link), fast());
    match printer.print(&job) {
        Err(PrintError::Connection { status, sent, .. }) => {
            assert_eq!(
                status.condition,
                Condition::Offline(OfflineCause::Unreachable)
            );
            // The tty buffers may have taken the whole job before the far end closed.
            assert!(sent >= 3000, "{sent}");
        }
        other => panic!("{other:?}"),
    }
    fake.finish();
}

/// A regular file standing in for a unidirectional device node: writes land, no answers come.
#[test]
fn usb_device_without_a_back_channel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lp0");
    std::fs::write(&path, b"").expect("create");
    let mut printer = EscPosPrinter::new(UsbLp::new(&path), fast());
    let started = Instant::now();
    match printer.print(b"\x1b@job") {
        Err(PrintError::NotReady(s)) => assert_eq!(
            s.condition,
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::Printer))
        ),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    // Only the first query was sent; the job was not.
    assert_eq!(std::fs::read(&path).expect("read"), QUERIES[..3]);

    // Told not to require answers, it sends the job.
    let config = JobConfig {
        require_status: false,
        status_timeout: Duration::from_millis(20),
        ..fast()
    };
    let mut printer = EscPosPrinter::new(UsbLp::new(&path), config);
    let status = printer.print(b"\x1b@job").expect("sent");
    assert!(matches!(status.condition, Condition::Unknown(_)));
    let written = std::fs::read(&path).expect("read");
    assert!(written.ends_with(b"\x1b@job\x10\x04\x01"), "{written:02X?}");
}

#[test]
fn usb_link_write_and_read_timeouts_on_a_silent_pty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = tmp_link(&dir, "lp0");
    let _master = plug(&link);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(&link)
        .expect("open");
    let mut usb = UsbLink::new(file).expect("non-blocking");
    let started = Instant::now();
    assert_eq!(
        usb.read_byte(Duration::from_millis(50)).expect("read"),
        None
    );
    assert!(started.elapsed() >= Duration::from_millis(45));
    // Nobody reads the master: the buffers fill, then a write times out.
    let chunk = [0u8; 4096];
    let started = Instant::now();
    let err = loop {
        match usb.write_some(&chunk, Duration::from_millis(50)) {
            Ok(_) => assert!(started.elapsed() < Duration::from_secs(5), "never filled"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::TimedOut);
}

/// A real printer on the kiosk's USB port, if there is one.
#[test]
#[ignore = "needs a real USB receipt printer at /dev/usb/lp0"]
fn real_usb_printer_answers_status() {
    let mut printer = EscPosPrinter::new(UsbLp::new("/dev/usb/lp0"), JobConfig::default());
    let status = printer.status();
    assert!(!matches!(
        status.condition,
        Condition::Offline(OfflineCause::Unreachable)
    ));
}

// ---- TCP 9100 ------------------------------------------------------------------------------

/// A fake printer server on 127.0.0.1:0 serving one connection per script.
fn serve(job_len: usize, scripts: Vec<Script>) -> (String, JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let thread = thread::spawn(move || {
        let mut all = Vec::new();
        for script in scripts {
            let (stream, _) = listener.accept().expect("accept");
            stream
                .set_read_timeout(Some(Duration::from_millis(10)))
                .expect("timeout");
            let never = AtomicBool::new(false);
            // The client closes after each job: the read sees end of file.
            all.push(play(stream, job_len, script, &never));
        }
        all
    });
    (address, thread)
}

fn tcp_printer(address: &str) -> EscPosPrinter<Tcp9100> {
    let mut tcp = Tcp9100::new(address);
    tcp.connect_timeout = Duration::from_millis(500);
    EscPosPrinter::new(tcp, fast())
}

#[test]
fn tcp_9100_prints_the_receipt_one_connection_per_job() {
    let job = receipt();
    let (address, server) = serve(job.len(), vec![Script::answering(READY); 2]);
    let mut printer = tcp_printer(&address);
    assert_eq!(
        printer.print(&job).expect("prints").condition,
        Condition::Ready
    );
    assert_eq!(
        printer.print(&job).expect("prints again").condition,
        Condition::Ready
    );
    let got = server.join().expect("server");
    assert_eq!(got.len(), 2);
    for g in &got {
        assert_eq!(g.before, QUERIES);
        assert_eq!(g.after, QUERIES);
        assert_is_the_sample_receipt(&g.job);
    }
}

/// Right after a job the printer may answer late (busy taking in its buffer): the first
/// answer after the job may take up to the stall timeout, not just the status timeout.
#[test]
fn tcp_printer_busy_after_the_job_answers_late_and_the_job_succeeds() {
    let job = receipt();
    let script = Script {
        busy_after_job: Some(Duration::from_millis(250)),
        ..Script::answering(READY)
    };
    let (address, server) = serve(job.len(), vec![script]);
    let mut printer = tcp_printer(&address);
    let started = Instant::now();
    let status = printer.print(&job).expect("prints");
    assert_eq!(status.condition, Condition::Ready);
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(server.join().expect("server")[0].after, QUERIES);
}

#[test]
fn tcp_printer_going_offline_mid_job_says_offline() {
    let job = receipt();
    let script = Script {
        change_after: Some((job.len() - 10, OFFLINE)),
        ..Script::answering(READY)
    };
    let (address, server) = serve(job.len(), vec![script]);
    let mut printer = tcp_printer(&address);
    match printer.print(&job) {
        Err(PrintError::Problem { status, sent }) => {
            assert_eq!(status.condition, Condition::Offline(OfflineCause::Reported));
            assert_eq!(sent, job.len());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.join().expect("server")[0].job, job);
}

#[test]
fn tcp_printer_closing_the_connection_mid_job_is_a_connection_error() {
    let job = receipt();
    let script = Script {
        close_after: Some(1500),
        ..Script::answering(READY)
    };
    let (address, server) = serve(job.len(), vec![script]);
    let mut printer = tcp_printer(&address);
    let started = Instant::now();
    let err = printer.print(&job).expect_err("connection closed");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &err {
        PrintError::Connection { status, .. } => {
            assert_eq!(
                status.condition,
                Condition::Offline(OfflineCause::Unreachable)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.kind(), "connection");
    assert!(
        err.job_note()
            .starts_with("connection: printer connection lost")
    );
    assert_eq!(server.join().expect("server")[0].job.len(), 1500);
}

#[test]
fn tcp_printer_that_is_not_there() {
    // A port nobody listens on: bind, note the port, close.
    let address = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("address").to_string()
    };
    let mut printer = tcp_printer(&address);
    let err = printer.print(b"job").expect_err("refused");
    assert!(
        matches!(err, PrintError::Connection { sent: 0, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.status().condition,
        Condition::Offline(OfflineCause::Unreachable)
    );
    assert_eq!(
        printer.status().condition,
        Condition::Offline(OfflineCause::Unreachable)
    );
}

#[test]
fn tcp_printer_that_accepts_but_never_answers() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let (stream, _): (TcpStream, _) = listener.accept().expect("accept");
        // Holds the connection open, silent, until the test is done.
        let _ = wait.recv_timeout(Duration::from_secs(10));
        drop(stream);
    });
    let mut printer = tcp_printer(&address);
    let started = Instant::now();
    match printer.print(b"job") {
        Err(PrintError::NotReady(s)) => assert_eq!(
            s.condition,
            Condition::Unknown(UnknownCause::NoAnswer(StatusQuery::Printer))
        ),
        other => panic!("{other:?}"),
    }
    // One status timeout (200 ms), not four, and no hang.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let _ = done.send(());
    holder.join().expect("holder");
}

#[test]
fn tcp_default_port_is_9100() {
    assert_eq!(Tcp9100::new("10.0.0.5").address, "10.0.0.5:9100");
    assert_eq!(Tcp9100::new("printer.local").address, "printer.local:9100");
    assert_eq!(Tcp9100::new("10.0.0.5:9101").address, "10.0.0.5:9101");
}
