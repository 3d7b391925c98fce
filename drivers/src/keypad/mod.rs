//! The tactile keypad and buttons, status LEDs and buzzer, and the headphone-jack hook.
//!
//! - [`Keypad`]: the keypad of a public terminal (ADA 2010 §707: ATMs and fare machines),
//!   reported as debounced [`KeyEvent`]s with long presses. The timing logic is pure
//!   ([`debounce`]): raw levels and timestamps in, events out, so it is tested with injected
//!   time. Backends: `RppalKeypad` (a row/column matrix on GPIO, feature `gpio-rppal`; the scan
//!   logic is pure, in [`matrix`]), [`evdev::EvdevKeypad`] (a USB HID keypad, grabbed
//!   exclusively, its key codes mapped by [`evdev::DEFAULT_KEYMAP`] or kiosk.toml) and
//!   [`SimKeypad`].
//! - [`Indicators`]: status LEDs and the buzzer's audible signals. Backends: `RppalIndicators`
//!   (feature `gpio-rppal`) and [`SimIndicators`].
//! - [`HeadphoneJack`]: a headphone plugged in starts speech mode. Backends:
//!   [`evdev::EvdevJack`] (the sound card's jack-detect switch, as ALSA drivers expose it),
//!   `RppalJack` (a detect switch on a GPIO pin, feature `gpio-rppal`) and [`SimJack`].
//! - [`switch::SwitchSource`]: one or two accessibility switches (sip-and-puff and other PAT
//!   devices) as [`switch::SwitchEvent`]s. Backends: `RppalSwitches` (a jack's switch on a
//!   GPIO pin, feature `gpio-rppal`), [`switch::EvdevSwitches`] (a USB HID switch interface)
//!   and [`switch::SimSwitches`].
//!
//! # The keys
//!
//! Twenty-one [`Key`]s: the digits `0`–`9` and eleven function keys. The digits are laid out
//! as a telephone keypad (ADA §707.6.2: the 12-key ascending layout), 1-2-3 on the top row and
//! 0 alone at the bottom, and the 5 carries a single raised dot so a finger finds the centre:
//!
//! ```text
//!   1   2   3        cancel  up     volume_up
//!   4  (5)  6        clear   down   volume_down
//!   7   8   9        enter   speed_up   call_staff
//!  help 0            speed_down
//! ```
//!
//! This is also the default GPIO matrix ([`matrix::DEFAULT_LAYOUT`], 4 rows × 6 columns). The
//! function keys carry tactile symbols (§707.6.3): Enter a raised circle, Clear a left arrow,
//! Cancel an ex, the volume and speed keys a plus and a minus. What each key does to a journey
//! is the firmware's business (`firmware/app/src/device/drivers.rs`): a digit types into the
//! focused field, Enter performs the focused action, Cancel goes back one step, Clear erases one
//! digit, Up and Down move the focus, Help repeats and explains, Call staff calls staff.
//!
//! Names ([`Key::name`], kiosk.toml's `[keypad]` and the script runner): `"0"`…`"9"`, `enter`,
//! `cancel`, `clear`, `help`, `up`, `down`, `volume_up`, `volume_down`, `speed_up`,
//! `speed_down`, `call_staff`. [`Key::from_name`] also reads `select` (Enter) and `back`
//! (Cancel), the names of the eight-key keypad this replaced, as aliases.
//!
//! GPIO goes through `rppal` 0.22.1, pinned exactly: it supports every Pi up to the 5 but was
//! archived upstream on 2025-07-01. Migration path: `gpiocdev` 0.8 (maintained, the Linux GPIO
//! character device, so it also works off the Pi and with gpio-sim where a kernel has it).
//! Only the `rppal` module names the crate; replacing it means requesting the row lines as
//! outputs and the column lines with `gpiocdev::Request::builder().with_lines(..).as_input()
//! .with_bias(Bias::PullUp)`, and feeding the same [`matrix::MatrixScanner`] with the levels
//! read. The traits and the firmware do not change.

pub mod debounce;
pub mod evdev;
pub mod matrix;
#[cfg(feature = "gpio-rppal")]
pub mod rppal;
mod sim;
pub mod switch;

pub use debounce::{Debouncer, KeyTiming};
pub use matrix::{MatrixLayout, MatrixScanner};
pub use sim::{IndicatorCall, SimIndicators, SimJack, SimJackHandle, SimKeypad, SimKeypadHandle};

use crate::events::EventStream;

/// A key of the visitor keypad.
///
/// The digits carry their value ([`Key::digit`], [`Key::from_digit`]); the names
/// ([`Key::name`]) are what kiosk.toml and the script runner write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// Digit 0 (bottom row, centre).
    Digit0,
    /// Digit 1 (top row, left).
    Digit1,
    /// Digit 2.
    Digit2,
    /// Digit 3.
    Digit3,
    /// Digit 4.
    Digit4,
    /// Digit 5, the centre key with the raised dot.
    Digit5,
    /// Digit 6.
    Digit6,
    /// Digit 7.
    Digit7,
    /// Digit 8.
    Digit8,
    /// Digit 9.
    Digit9,
    /// Enter: perform the focused action (replaces the old `select`).
    Enter,
    /// Cancel: back one step (replaces the old `back`).
    Cancel,
    /// Clear: erase the last digit (a long press: the whole field).
    Clear,
    /// Help (read the screen aloud).
    Help,
    /// Focus the previous action.
    Up,
    /// Focus the next action.
    Down,
    /// Volume up.
    VolumeUp,
    /// Volume down.
    VolumeDown,
    /// Speech faster.
    SpeedUp,
    /// Speech slower.
    SpeedDown,
    /// Call a staff member.
    CallStaff,
}

impl Key {
    /// Every key: the digits 0–9, then the function keys in the order of the keypad's
    /// documentation.
    pub const ALL: [Key; 21] = [
        Key::Digit0,
        Key::Digit1,
        Key::Digit2,
        Key::Digit3,
        Key::Digit4,
        Key::Digit5,
        Key::Digit6,
        Key::Digit7,
        Key::Digit8,
        Key::Digit9,
        Key::Enter,
        Key::Cancel,
        Key::Clear,
        Key::Help,
        Key::Up,
        Key::Down,
        Key::VolumeUp,
        Key::VolumeDown,
        Key::SpeedUp,
        Key::SpeedDown,
        Key::CallStaff,
    ];

    /// The key's name, as kiosk.toml and the script runner write it: `"0"`…`"9"` for the
    /// digits, snake_case for the others (`enter`, `call_staff`, …).
    pub fn name(self) -> &'static str {
        match self {
            Key::Digit0 => "0",
            Key::Digit1 => "1",
            Key::Digit2 => "2",
            Key::Digit3 => "3",
            Key::Digit4 => "4",
            Key::Digit5 => "5",
            Key::Digit6 => "6",
            Key::Digit7 => "7",
            Key::Digit8 => "8",
            Key::Digit9 => "9",
            Key::Enter => "enter",
            Key::Cancel => "cancel",
            Key::Clear => "clear",
            Key::Help => "help",
            Key::Up => "up",
            Key::Down => "down",
            Key::VolumeUp => "volume_up",
            Key::VolumeDown => "volume_down",
            Key::SpeedUp => "speed_up",
            Key::SpeedDown => "speed_down",
            Key::CallStaff => "call_staff",
        }
    }

    /// The key named `name` (see [`Key::name`]). The names of the eight-key keypad this one
    /// replaced are accepted as aliases, so old scripts still play: `select` is
    /// [`Key::Enter`], `back` is [`Key::Cancel`]. [`Key::name`] never returns them.
    pub fn from_name(name: &str) -> Option<Key> {
        match name {
            "select" => Some(Key::Enter),
            "back" => Some(Key::Cancel),
            _ => Key::ALL.into_iter().find(|k| k.name() == name),
        }
    }

    /// The digit key of `digit` (0–9).
    pub fn from_digit(digit: u8) -> Option<Key> {
        Key::ALL
            .get(usize::from(digit))
            .copied()
            .filter(|_| digit <= 9)
    }

    /// The value of a digit key; `None` for the function keys.
    pub fn digit(self) -> Option<u8> {
        // The digits are the first ten of ALL, in order.
        let index = Key::ALL.iter().position(|k| *k == self)?;
        u8::try_from(index).ok().filter(|d| *d <= 9)
    }
}

/// What happened to a key, after debouncing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    /// The key went down.
    Pressed(Key),
    /// The key has been held for the long-press time (reported once per press).
    LongPressed(Key),
    /// The key came up; `long` says whether a long press was reported for this press.
    Released {
        /// The key.
        key: Key,
        /// Whether this press was a long one.
        long: bool,
    },
}

/// A source of key events.
pub trait Keypad {
    /// Starts watching the keys and returns the events; watching stops when the stream is
    /// dropped.
    fn events(self) -> EventStream<KeyEvent>;
}

/// A status LED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Led {
    /// Ready for a visitor.
    Ready,
    /// Working (printing, waiting for the network).
    Busy,
    /// Something needs staff attention.
    Fault,
}

/// How an LED shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedState {
    /// Dark.
    Off,
    /// Lit.
    On,
    /// Blinking at about 2 Hz.
    Blink,
}

/// An audible signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beep {
    /// A key was accepted: one short beep.
    Key,
    /// Something succeeded (card read, receipt printed): two short beeps.
    Success,
    /// Something failed: one long beep.
    Error,
    /// Staff are being called: three beeps.
    Attention,
}

impl Beep {
    /// The signal as (on, off) durations in milliseconds.
    pub fn pattern(self) -> &'static [(u16, u16)] {
        match self {
            Self::Key => &[(40, 0)],
            Self::Success => &[(80, 80), (80, 0)],
            Self::Error => &[(600, 0)],
            Self::Attention => &[(150, 100), (150, 100), (150, 0)],
        }
    }
}

/// Status LEDs and the buzzer.
pub trait Indicators: Send {
    /// Sets an LED.
    fn set_led(&mut self, led: Led, state: LedState);
    /// Sounds a signal (without waiting for it to end).
    fn beep(&mut self, beep: Beep);
}

/// Headphone jack state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JackEvent {
    /// Headphones plugged in: start speech mode.
    Plugged,
    /// Headphones removed.
    Unplugged,
}

/// Detection of headphones in the jack (GPIO detect switch or an ALSA jack control).
pub trait HeadphoneJack {
    /// Starts watching and returns the events (the current state first).
    fn events(self) -> EventStream<JackEvent>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_round_trips_through_its_name() {
        let mut names: Vec<&str> = Key::ALL.iter().map(|k| k.name()).collect();
        for key in Key::ALL {
            assert_eq!(Key::from_name(key.name()), Some(key), "{key:?}");
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Key::ALL.len(), "names are unique");
        assert_eq!(
            Key::ALL.map(Key::name),
            [
                "0",
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "7",
                "8",
                "9",
                "enter",
                "cancel",
                "clear",
                "help",
                "up",
                "down",
                "volume_up",
                "volume_down",
                "speed_up",
                "speed_down",
                "call_staff"
            ]
        );
    }

    #[test]
    fn old_names_are_aliases_and_unknown_names_are_refused() {
        assert_eq!(Key::from_name("select"), Some(Key::Enter));
        assert_eq!(Key::from_name("back"), Some(Key::Cancel));
        for bad in ["", "10", "Enter", "left", "right", "digit_1", " 1"] {
            assert_eq!(Key::from_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn digits_carry_their_value() {
        for d in 0..=9u8 {
            let key = Key::from_digit(d).expect("a digit key");
            assert_eq!(key.digit(), Some(d));
            assert_eq!(key.name(), d.to_string());
        }
        assert_eq!(Key::from_digit(10), None);
        let function_keys = Key::ALL.iter().filter(|k| k.digit().is_none()).count();
        assert_eq!(function_keys, 11);
    }
}
