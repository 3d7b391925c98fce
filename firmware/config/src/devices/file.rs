//! Is a device path a device? The rule of the firmware's device check
//! (`firmware/app/src/device/drivers.rs`, `check_device`): the path, followed through symbolic
//! links (`/dev/serial/by-id/…`), must be a character device.
//!
//! A regular file passes every other check and then swallows what is meant for the device:
//! `kioskctl devices printer` appended its status query to one and `--test-print` a whole
//! receipt. So `kioskctl config check` refuses a device path that exists and is not a
//! character device, naming its key; a path that does not exist is accepted there as before (the
//! operator's workstation has no `/dev/usb/lp0`; the kiosk refuses it at start), while every
//! `kioskctl devices` command needs [`DeviceFile::CharDevice`] before it writes a byte.

use std::fmt;
use std::path::Path;

/// What is at a device path.
#[derive(Debug)]
pub enum DeviceFile {
    /// A character device: the only thing a device path may name.
    CharDevice,
    /// Nothing there.
    Missing,
    /// Something that is not a character device (what it is: "a regular file", …).
    NotADevice(&'static str),
    /// It could not be looked at.
    Unreadable(std::io::Error),
}

impl DeviceFile {
    /// Looks at `path`, following symbolic links.
    pub fn inspect(path: &Path) -> Self {
        use std::os::unix::fs::FileTypeExt as _;
        match std::fs::metadata(path) {
            Ok(m) if m.file_type().is_char_device() => Self::CharDevice,
            Ok(m) => Self::NotADevice(if m.is_file() {
                "a regular file"
            } else if m.is_dir() {
                "a directory"
            } else if m.file_type().is_block_device() {
                "a block device"
            } else if m.file_type().is_fifo() {
                "a named pipe"
            } else if m.file_type().is_socket() {
                "a socket"
            } else {
                "not a device file"
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::Missing,
            Err(e) => Self::Unreadable(e),
        }
    }

    /// Why a command must not write to it: `None` for a character device.
    pub fn refusal(&self, path: &Path) -> Option<String> {
        match self {
            Self::CharDevice => None,
            _ => Some(format!("{}: {self}", path.display())),
        }
    }
}

impl fmt::Display for DeviceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CharDevice => f.write_str("a character device"),
            Self::Missing => f.write_str(
                "does not exist (is the device plugged in and its driver loaded? is the path \
                 spelt right?)",
            ),
            Self::NotADevice(what) => write!(
                f,
                "is {what}, not a character device; a device path names the device itself \
                 (e.g. /dev/usb/lp0, /dev/ttyACM0, /dev/input/by-id/…), and nothing is ever \
                 written to a file in its place"
            ),
            Self::Unreadable(e) => write!(f, "cannot be looked at: {e}"),
        }
    }
}
