//! Device capabilities of the kiosk.
//!
//! One trait per capability (receipt printer, code scanner, smart-card reader, tactile keypad
//! and GPIO, speech, status LEDs and buzzer), each with its real backend (`/dev/usb/lp*`,
//! serial with RTS/CTS, TCP 9100, pcscd, evdev, rppal, espeak-ng) and a simulated backend beside
//! it, the way embedded-hal keeps traits apart from drivers. The firmware consumes devices as
//! async event streams and never names a backend outside its wiring code.
//!
//! This crate is the place those traits live; they are added with the device work (the
//! identity and input devices issue, and the receipt printer issue). Until then the firmware's
//! demo runs headless without devices and says so.
