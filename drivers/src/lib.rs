//! Device capabilities of the kiosk.
//!
//! One trait per capability, each with its real backend and a simulated backend beside it, the
//! way embedded-hal keeps traits apart from drivers:
//!
//! | capability | module | real backends | simulated |
//! | --- | --- | --- | --- |
//! | code scanner | [`scanner`] | serial (`serialport`), USB HID keyboard wedge (evdev) | [`scanner::SimScanner`] |
//! | speech | [`speech`] | `espeak-ng`, recorded prompts | [`speech::SimSpeech`] |
//! | smart-card reader | [`card`] | PC/SC (`pcscd`) via `pcsc` | [`card::SimCardReader`] |
//! | keypad | [`keypad`] | GPIO via `rppal` (feature `gpio-rppal`), USB HID (evdev) | [`keypad::SimKeypad`] |
//! | LEDs and buzzer | [`keypad`] | GPIO via `rppal` (feature `gpio-rppal`) | [`keypad::SimIndicators`] |
//! | headphone jack | [`keypad`] | ALSA jack switch (evdev) | [`keypad::SimJack`] |
//! | receipt printer | [`printer`] | `/dev/usb/lp*`, serial RTS/CTS, TCP 9100 | [`printer::SimPrinter`] |
//!
//! The firmware consumes input devices as async event streams ([`EventStream`], a tokio mpsc
//! receiver that also implements `futures_core::Stream`) and never names a backend outside its
//! wiring code. Blocking device I/O runs on a dedicated thread per device, so a stuck device can
//! never block the async runtime; dropping the stream stops that thread. The receipt printer is an
//! output device: [`printer::ReceiptPrinter::print`] is a blocking call bounded by timeouts, to be
//! run off the async runtime (`spawn_blocking`) or on the firmware's printer thread.
//!
//! Personal data never reaches a log in clear: national codes are carried as
//! [`kiosk_core::NationalCode`] (whose `Display` and `Debug` are masked) and other scanned text as
//! [`Redacted`].

pub mod card;
mod evdev_input;
pub mod events;
pub mod keypad;
pub mod printer;
pub mod scanner;
pub mod speech;

pub use events::{EventStream, Redacted};
