//! The tactile keypad and buttons, status LEDs and buzzer, and the headphone-jack hook.
//!
//! - [`Keypad`]: eight buttons ([`Key`]) reported as debounced [`KeyEvent`]s with long presses.
//!   The timing logic is pure ([`debounce`]): raw levels and timestamps in, events out, so it is
//!   tested with injected time. Backends: `RppalKeypad` (GPIO, feature `gpio-rppal`),
//!   [`evdev::EvdevKeypad`] (a USB HID keypad, grabbed exclusively) and [`SimKeypad`].
//! - [`Indicators`]: status LEDs and the buzzer's audible signals. Backends: `RppalIndicators`
//!   (feature `gpio-rppal`) and [`SimIndicators`].
//! - [`HeadphoneJack`]: a headphone plugged in starts speech mode. Backends:
//!   [`evdev::EvdevJack`] (the sound card's jack-detect switch, as ALSA drivers expose it),
//!   `RppalJack` (a detect switch on a GPIO pin, feature `gpio-rppal`) and [`SimJack`].
//!
//! GPIO goes through `rppal` 0.22.1, pinned exactly: it supports every Pi up to the 5 but was
//! archived upstream on 2025-07-01. Migration path: `gpiocdev` 0.8 (maintained, the Linux GPIO
//! character device, so it also works off the Pi and with gpio-sim where a kernel has it).
//! Only the `rppal` module names the crate; replacing it means requesting the same lines
//! with `gpiocdev::Request::builder().with_lines(..).as_input().with_bias(Bias::PullUp)` and
//! feeding the same [`debounce::Debouncer`] with edge events (`read_edge_event`) instead of
//! polling levels. The traits and the firmware do not change.

pub mod debounce;
pub mod evdev;
#[cfg(feature = "gpio-rppal")]
pub mod rppal;
mod sim;

pub use debounce::{Debouncer, KeyTiming};
pub use sim::{IndicatorCall, SimIndicators, SimJack, SimJackHandle, SimKeypad, SimKeypadHandle};

use crate::events::EventStream;

/// A button of the visitor keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// Up.
    Up,
    /// Down.
    Down,
    /// Left, also "back".
    Back,
    /// Right, also "select".
    Select,
    /// Help (read the screen aloud).
    Help,
    /// Call a staff member.
    CallStaff,
    /// Volume up.
    VolumeUp,
    /// Volume down.
    VolumeDown,
}

impl Key {
    /// Every key, in the order of the keypad's documentation.
    pub const ALL: [Key; 8] = [
        Key::Up,
        Key::Down,
        Key::Back,
        Key::Select,
        Key::Help,
        Key::CallStaff,
        Key::VolumeUp,
        Key::VolumeDown,
    ];

    /// The key's snake_case name, as kiosk.toml's pin table and the script runner write it.
    pub fn name(self) -> &'static str {
        match self {
            Key::Up => "up",
            Key::Down => "down",
            Key::Back => "back",
            Key::Select => "select",
            Key::Help => "help",
            Key::CallStaff => "call_staff",
            Key::VolumeUp => "volume_up",
            Key::VolumeDown => "volume_down",
        }
    }

    /// The key named `name` (see [`Key::name`]).
    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.name() == name)
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
