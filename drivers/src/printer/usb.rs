//! USB printer class devices (`/dev/usb/lp*`, the kernel's `usblp` driver).
//!
//! The device file is opened read/write and switched to non-blocking mode: `usblp` otherwise
//! blocks a write for as long as the printer refuses data (paper out, offline), which would hang
//! the kiosk. Every write and read first waits with `poll(2)` for at most the remaining timeout.
//! Status answers come back on the same file descriptor (bidirectional printers); a printer
//! without a back channel gives no answers, which the status parser reports as unknown.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

use super::Transport;
use super::job::Link;

/// A USB printer class device, opened by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbLp {
    /// Device path (`/dev/usb/lp0`, or a stable udev symlink).
    pub path: PathBuf,
}

impl UsbLp {
    /// The device at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl Transport for UsbLp {
    type Link = UsbLink;

    fn open(&mut self) -> io::Result<UsbLink> {
        // O_NOCTTY: a tty standing in for the device (tests, a serial adapter misconfigured as
        // lp) must never become the kiosk's controlling terminal.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(&self.path)?;
        UsbLink::new(file)
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// An open printer device file (also any file or tty standing in for one).
#[derive(Debug)]
pub struct UsbLink {
    file: File,
}

impl UsbLink {
    /// Wraps an open device file, switching it to non-blocking mode.
    pub fn new(file: File) -> io::Result<Self> {
        rustix::io::ioctl_fionbio(&file, true)?;
        Ok(Self { file })
    }
}

/// Pause between retries when a device signals readiness but gives nothing (a regular file at
/// its end, a spurious wake-up).
const RETRY: Duration = Duration::from_millis(2);

/// Waits until `fd` is ready for `flags` or `deadline` passes; `false` on timeout. A hang-up
/// or error condition (device unplugged, the far end of a tty closed) is an error: reading
/// such a device gives end-of-file forever, which must not look like "no answer yet".
fn wait(fd: impl AsFd, flags: PollFlags, deadline: Instant) -> io::Result<bool> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    let timeout = Timespec {
        tv_sec: i64::try_from(remaining.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: remaining.subsec_nanos().into(),
    };
    let mut fds = [PollFd::new(&fd, flags)];
    loop {
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => return Ok(false),
            Ok(_) => {
                let revents = fds[0].revents();
                if revents.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL) {
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        format!("printer device hung up ({revents:?})"),
                    ));
                }
                return Ok(true);
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

impl Link for UsbLink {
    fn write_some(&mut self, buf: &[u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            if wait(&self.file, PollFlags::OUT, deadline)? {
                match self.file.write(buf) {
                    Ok(0) => {}
                    Ok(n) => return Ok(n),
                    Err(e) if retryable(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "printer accepted no data",
                ));
            }
            thread::sleep(RETRY);
        }
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let deadline = Instant::now() + timeout;
        let mut byte = [0u8; 1];
        loop {
            if wait(&self.file, PollFlags::IN, deadline)? {
                match self.file.read(&mut byte) {
                    Ok(1..) => return Ok(Some(byte[0])),
                    Ok(0) => {}
                    Err(e) if retryable(&e) => {}
                    // usblp refuses reads from a printer without a back channel.
                    Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            thread::sleep(RETRY);
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 256];
        // Bounded: a device that keeps talking cannot keep us here.
        for _ in 0..64 {
            match self.file.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if retryable(&e) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn retryable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}
