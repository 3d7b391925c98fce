//! USB HID keypads and the headphone jack through evdev.
//!
//! - [`EvdevKeypad`]: a USB keypad (or any keyboard) grabbed exclusively; configured key codes
//!   map to [`Key`]s. The HID device debounces in hardware, so the [`Debouncer`] runs with a zero
//!   debounce time and only adds long-press detection.
//! - [`EvdevJack`]: a sound card's jack-detect switch (`SW_HEADPHONE_INSERT`), which ALSA
//!   drivers expose as an input device ("… Headphone Jack"); reported at open and on change.
//!   Not grabbed: the sound stack may watch it too.
//!
//! Device tests need `/dev/uinput`, absent on this machine; the mapping and timing logic are
//! tested directly.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use evdev::{Device, EventType, InputEvent, SwitchCode};

use super::{Debouncer, HeadphoneJack, JackEvent, Key, KeyEvent, KeyTiming, Keypad};
use crate::evdev_input::{self, EvdevClient, EvdevOptions};
use crate::events::{EventStream, channel};

/// Linux key codes of a common USB keypad, mapped to kiosk keys: arrows and the numeric
/// keypad's 8/2/4/6 move, Enter selects, Esc and Backspace go back, `/` or F1 or Help asks for
/// help, `*` or F2 calls staff, `+`/`-` and the volume keys change the volume.
pub const DEFAULT_KEYMAP: &[(u16, Key)] = &[
    (103, Key::Up),
    (72, Key::Up),
    (108, Key::Down),
    (80, Key::Down),
    (105, Key::Back),
    (75, Key::Back),
    (1, Key::Back),
    (14, Key::Back),
    (106, Key::Select),
    (77, Key::Select),
    (28, Key::Select),
    (96, Key::Select),
    (138, Key::Help),
    (59, Key::Help),
    (98, Key::Help),
    (55, Key::CallStaff),
    (60, Key::CallStaff),
    (115, Key::VolumeUp),
    (78, Key::VolumeUp),
    (114, Key::VolumeDown),
    (74, Key::VolumeDown),
];

/// A keypad on an evdev input device.
#[derive(Debug, Clone)]
pub struct EvdevKeypad {
    /// The input device (prefer `/dev/input/by-id/…`).
    pub path: PathBuf,
    /// Key code to kiosk key.
    pub keymap: Vec<(u16, Key)>,
    /// Long-press time.
    pub long_press: Duration,
}

impl EvdevKeypad {
    /// A keypad at `path` with [`DEFAULT_KEYMAP`].
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            keymap: DEFAULT_KEYMAP.to_vec(),
            long_press: KeyTiming::default().long_press,
        }
    }
}

/// Key-code mapping and long presses for an evdev keypad; pure, driven by the evdev loop.
pub struct KeypadDecoder {
    keymap: Vec<(u16, Key)>,
    keys: Vec<Debouncer>,
}

impl KeypadDecoder {
    /// A decoder for `keymap` with `long_press` time.
    pub fn new(keymap: &[(u16, Key)], long_press: Duration) -> Self {
        let timing = KeyTiming {
            debounce: Duration::ZERO,
            long_press,
        };
        let mut keys: Vec<Debouncer> = Vec::new();
        for &(_, key) in keymap {
            if !keys.iter().any(|d| d.key() == key) {
                keys.push(Debouncer::new(key, timing));
            }
        }
        Self {
            keymap: keymap.to_vec(),
            keys,
        }
    }

    /// A key code went down (`value` 1), up (0) or auto-repeated (2, ignored) at `now`.
    pub fn key(&mut self, code: u16, value: i32, now: Instant) -> Option<KeyEvent> {
        let &(_, key) = self.keymap.iter().find(|(c, _)| *c == code)?;
        let debouncer = self.keys.iter_mut().find(|d| d.key() == key)?;
        match value {
            0 => debouncer.sample(false, now),
            1 => debouncer.sample(true, now),
            _ => None,
        }
    }

    /// Long presses due at `now`.
    pub fn tick(&mut self, now: Instant) -> Vec<KeyEvent> {
        self.keys.iter_mut().filter_map(|d| d.tick(now)).collect()
    }
}

impl EvdevClient for KeypadDecoder {
    type Event = KeyEvent;

    fn opened(&mut self, _: &Device) -> Vec<KeyEvent> {
        Vec::new()
    }

    fn input(&mut self, ev: InputEvent, now: Instant) -> Vec<KeyEvent> {
        if ev.event_type() != EventType::KEY {
            return Vec::new();
        }
        self.key(ev.code(), ev.value(), now).into_iter().collect()
    }

    fn idle(&mut self, now: Instant) -> Vec<KeyEvent> {
        self.tick(now)
    }

    fn lost(&mut self, _: String, _: bool) -> Vec<KeyEvent> {
        // Keys held when the keypad vanished come up.
        let now = Instant::now();
        self.keys
            .iter_mut()
            .filter_map(|d| d.sample(false, now))
            .collect()
    }
}

impl Keypad for EvdevKeypad {
    fn events(self) -> EventStream<KeyEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("keypad-evdev".into())
            .spawn(move || {
                let mut decoder = KeypadDecoder::new(&self.keymap, self.long_press);
                let options = EvdevOptions {
                    grab: true,
                    poll: Duration::from_millis(10),
                    reopen_interval: Duration::from_millis(500),
                };
                evdev_input::run(&self.path, options, &mut decoder, &tx);
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the keypad thread");
        }
        rx
    }
}

/// A headphone jack-detect switch on an evdev input device.
#[derive(Debug, Clone)]
pub struct EvdevJack {
    /// The input device of the sound card's jack.
    pub path: PathBuf,
}

/// Jack switch state tracking; pure apart from reading the state at open.
#[derive(Debug, Default)]
pub struct JackDecoder {
    plugged: Option<bool>,
}

impl JackDecoder {
    /// The switch reads `plugged`; returns an event when that is news.
    pub fn switch(&mut self, plugged: bool) -> Option<JackEvent> {
        if self.plugged == Some(plugged) {
            return None;
        }
        self.plugged = Some(plugged);
        Some(if plugged {
            JackEvent::Plugged
        } else {
            JackEvent::Unplugged
        })
    }
}

impl EvdevClient for JackDecoder {
    type Event = JackEvent;

    fn opened(&mut self, device: &Device) -> Vec<JackEvent> {
        match device.get_switch_state() {
            Ok(state) => self
                .switch(state.contains(SwitchCode::SW_HEADPHONE_INSERT))
                .into_iter()
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the jack switch");
                Vec::new()
            }
        }
    }

    fn input(&mut self, ev: InputEvent, _: Instant) -> Vec<JackEvent> {
        if ev.event_type() == EventType::SWITCH && ev.code() == SwitchCode::SW_HEADPHONE_INSERT.0 {
            return self.switch(ev.value() != 0).into_iter().collect();
        }
        Vec::new()
    }

    fn idle(&mut self, _: Instant) -> Vec<JackEvent> {
        Vec::new()
    }

    fn lost(&mut self, _: String, was_open: bool) -> Vec<JackEvent> {
        // A vanished sound card has no headphones.
        if was_open {
            self.switch(false).into_iter().collect()
        } else {
            Vec::new()
        }
    }
}

impl HeadphoneJack for EvdevJack {
    fn events(self) -> EventStream<JackEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("jack-evdev".into())
            .spawn(move || {
                let options = EvdevOptions {
                    grab: false,
                    poll: Duration::from_millis(50),
                    reopen_interval: Duration::from_secs(1),
                };
                evdev_input::run(&self.path, options, &mut JackDecoder::default(), &tx);
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the jack thread");
        }
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_keypad_codes_map_to_keys_with_long_press_and_no_repeats() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = KeypadDecoder::new(DEFAULT_KEYMAP, ms(1000));
        assert_eq!(
            d.key(72, 1, t0),
            Some(KeyEvent::Pressed(Key::Up)),
            "keypad 8"
        );
        assert_eq!(d.key(72, 2, t0 + ms(500)), None, "auto-repeat ignored");
        assert_eq!(d.tick(t0 + ms(999)), vec![]);
        assert_eq!(d.tick(t0 + ms(1000)), vec![KeyEvent::LongPressed(Key::Up)]);
        assert_eq!(
            d.key(72, 0, t0 + ms(1200)),
            Some(KeyEvent::Released {
                key: Key::Up,
                long: true
            })
        );
        assert_eq!(d.key(30, 1, t0), None, "unmapped key");
        assert_eq!(d.key(28, 1, t0), Some(KeyEvent::Pressed(Key::Select)));
        // Enter and keypad-6 are the same kiosk key: one press, not two.
        assert_eq!(d.key(77, 1, t0), None);
    }

    #[test]
    fn a_vanished_keypad_releases_held_keys() {
        let mut d = KeypadDecoder::new(DEFAULT_KEYMAP, Duration::from_secs(1));
        d.key(55, 1, Instant::now());
        assert_eq!(
            d.lost("gone".into(), true),
            vec![KeyEvent::Released {
                key: Key::CallStaff,
                long: false
            }]
        );
    }

    #[test]
    fn jack_changes_are_reported_once() {
        let mut j = JackDecoder::default();
        assert_eq!(j.switch(false), Some(JackEvent::Unplugged), "initial state");
        assert_eq!(j.switch(true), Some(JackEvent::Plugged));
        assert_eq!(j.switch(true), None);
        assert_eq!(j.lost("x".into(), true), vec![JackEvent::Unplugged]);
    }
}
