//! USB HID keypads and the headphone jack through evdev.
//!
//! - [`EvdevKeypad`]: a USB keypad (or any keyboard) grabbed exclusively; key codes map to
//!   [`Key`]s by [`DEFAULT_KEYMAP`], changed per key from kiosk.toml ([`keymap_with`]). The
//!   HID device debounces in hardware, so the [`Debouncer`] runs with a zero debounce time and
//!   only adds long-press detection.
//! - [`EvdevJack`]: a sound card's jack-detect switch (`SW_HEADPHONE_INSERT`), which ALSA
//!   drivers expose as an input device ("… Headphone Jack"); reported at open and on change.
//!   Not grabbed: the sound stack may watch it too.
//!
//! Device tests need `/dev/uinput`, absent on this machine; the mapping and timing logic are
//! tested directly.

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use evdev::{Device, EventType, InputEvent, KeyCode, SwitchCode};

use super::{Debouncer, HeadphoneJack, JackEvent, Key, KeyEvent, KeyTiming, Keypad};
use crate::evdev_input::{self, EvdevClient, EvdevOptions};
use crate::events::{EventStream, channel};

/// The default map of Linux key codes (`linux/input-event-codes.h`) to kiosk keys, for a USB
/// numeric keypad, a full keyboard or a HID kiosk keypad alike:
///
/// | kiosk key | codes |
/// |---|---|
/// | `0`…`9` | `KEY_0`…`KEY_9`, `KEY_KP0`…`KEY_KP9`, `KEY_NUMERIC_0`…`KEY_NUMERIC_9` |
/// | `enter` | `KEY_ENTER`, `KEY_KPENTER`, `KEY_OK` |
/// | `cancel` | `KEY_ESC`, `KEY_CANCEL` |
/// | `clear` | `KEY_BACKSPACE`, `KEY_DELETE`, `KEY_CLEAR` |
/// | `help` | `KEY_HELP`, `KEY_F1`, `KEY_KPSLASH` |
/// | `up` / `down` | `KEY_UP` / `KEY_DOWN` |
/// | `volume_up` / `volume_down` | `KEY_VOLUMEUP` / `KEY_VOLUMEDOWN` |
/// | `speed_up` / `speed_down` | `KEY_KPPLUS`, `KEY_F3` / `KEY_KPMINUS`, `KEY_F2` |
/// | `call_staff` | `KEY_F4`, `KEY_KPASTERISK` |
///
/// The numeric keypad's digits are digits whatever Num Lock says (the kernel reports the same
/// codes either way). kiosk.toml's `[keypad.keys]` replaces a key's codes ([`keymap_with`]).
pub const DEFAULT_KEYMAP: &[(u16, Key)] = &[
    (KeyCode::KEY_0.0, Key::Digit0),
    (KeyCode::KEY_1.0, Key::Digit1),
    (KeyCode::KEY_2.0, Key::Digit2),
    (KeyCode::KEY_3.0, Key::Digit3),
    (KeyCode::KEY_4.0, Key::Digit4),
    (KeyCode::KEY_5.0, Key::Digit5),
    (KeyCode::KEY_6.0, Key::Digit6),
    (KeyCode::KEY_7.0, Key::Digit7),
    (KeyCode::KEY_8.0, Key::Digit8),
    (KeyCode::KEY_9.0, Key::Digit9),
    (KeyCode::KEY_KP0.0, Key::Digit0),
    (KeyCode::KEY_KP1.0, Key::Digit1),
    (KeyCode::KEY_KP2.0, Key::Digit2),
    (KeyCode::KEY_KP3.0, Key::Digit3),
    (KeyCode::KEY_KP4.0, Key::Digit4),
    (KeyCode::KEY_KP5.0, Key::Digit5),
    (KeyCode::KEY_KP6.0, Key::Digit6),
    (KeyCode::KEY_KP7.0, Key::Digit7),
    (KeyCode::KEY_KP8.0, Key::Digit8),
    (KeyCode::KEY_KP9.0, Key::Digit9),
    (KeyCode::KEY_NUMERIC_0.0, Key::Digit0),
    (KeyCode::KEY_NUMERIC_1.0, Key::Digit1),
    (KeyCode::KEY_NUMERIC_2.0, Key::Digit2),
    (KeyCode::KEY_NUMERIC_3.0, Key::Digit3),
    (KeyCode::KEY_NUMERIC_4.0, Key::Digit4),
    (KeyCode::KEY_NUMERIC_5.0, Key::Digit5),
    (KeyCode::KEY_NUMERIC_6.0, Key::Digit6),
    (KeyCode::KEY_NUMERIC_7.0, Key::Digit7),
    (KeyCode::KEY_NUMERIC_8.0, Key::Digit8),
    (KeyCode::KEY_NUMERIC_9.0, Key::Digit9),
    (KeyCode::KEY_ENTER.0, Key::Enter),
    (KeyCode::KEY_KPENTER.0, Key::Enter),
    (KeyCode::KEY_OK.0, Key::Enter),
    (KeyCode::KEY_ESC.0, Key::Cancel),
    (KeyCode::KEY_CANCEL.0, Key::Cancel),
    (KeyCode::KEY_BACKSPACE.0, Key::Clear),
    (KeyCode::KEY_DELETE.0, Key::Clear),
    (KeyCode::KEY_CLEAR.0, Key::Clear),
    (KeyCode::KEY_HELP.0, Key::Help),
    (KeyCode::KEY_F1.0, Key::Help),
    (KeyCode::KEY_KPSLASH.0, Key::Help),
    (KeyCode::KEY_UP.0, Key::Up),
    (KeyCode::KEY_DOWN.0, Key::Down),
    (KeyCode::KEY_VOLUMEUP.0, Key::VolumeUp),
    (KeyCode::KEY_VOLUMEDOWN.0, Key::VolumeDown),
    (KeyCode::KEY_KPPLUS.0, Key::SpeedUp),
    (KeyCode::KEY_F3.0, Key::SpeedUp),
    (KeyCode::KEY_KPMINUS.0, Key::SpeedDown),
    (KeyCode::KEY_F2.0, Key::SpeedDown),
    (KeyCode::KEY_F4.0, Key::CallStaff),
    (KeyCode::KEY_KPASTERISK.0, Key::CallStaff),
];

/// [`DEFAULT_KEYMAP`] with `overrides` applied: each key named gets exactly the codes given
/// (none: the key is off), and a code given is taken from whichever key had it by default.
pub fn keymap_with(overrides: &[(Key, Vec<u16>)]) -> Vec<(u16, Key)> {
    let mut map: Vec<(u16, Key)> = DEFAULT_KEYMAP
        .iter()
        .copied()
        .filter(|(code, key)| {
            !overrides
                .iter()
                .any(|(k, codes)| k == key || codes.contains(code))
        })
        .collect();
    for (key, codes) in overrides {
        map.extend(codes.iter().map(|code| (*code, *key)));
    }
    map
}

/// The Linux key code named `name` (`KEY_ENTER`, `BTN_0`, …), as the kernel headers and
/// `evtest` spell it.
pub fn code_of(name: &str) -> Option<u16> {
    name.parse::<KeyCode>().ok().map(|code| code.0)
}

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

    fn code(name: &str) -> u16 {
        code_of(name).unwrap_or_else(|| panic!("{name} is a Linux key code"))
    }

    #[test]
    fn usb_keypad_codes_map_to_keys_with_long_press_and_no_repeats() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = KeypadDecoder::new(DEFAULT_KEYMAP, ms(1000));
        let kp8 = code("KEY_KP8");
        assert_eq!(
            d.key(kp8, 1, t0),
            Some(KeyEvent::Pressed(Key::Digit8)),
            "keypad 8"
        );
        assert_eq!(d.key(kp8, 2, t0 + ms(500)), None, "auto-repeat ignored");
        assert_eq!(d.tick(t0 + ms(999)), vec![]);
        assert_eq!(
            d.tick(t0 + ms(1000)),
            vec![KeyEvent::LongPressed(Key::Digit8)]
        );
        assert_eq!(
            d.key(kp8, 0, t0 + ms(1200)),
            Some(KeyEvent::Released {
                key: Key::Digit8,
                long: true
            })
        );
        assert_eq!(d.key(code("KEY_A"), 1, t0), None, "unmapped key");
        assert_eq!(
            d.key(code("KEY_ENTER"), 1, t0),
            Some(KeyEvent::Pressed(Key::Enter))
        );
        // Enter and keypad Enter are the same kiosk key: one press, not two.
        assert_eq!(d.key(code("KEY_KPENTER"), 1, t0), None);
    }

    #[test]
    fn every_documented_default_code_maps_to_its_key() {
        let table: &[(&[&str], Key)] = &[
            (&["KEY_0", "KEY_KP0", "KEY_NUMERIC_0"], Key::Digit0),
            (&["KEY_1", "KEY_KP1", "KEY_NUMERIC_1"], Key::Digit1),
            (&["KEY_2", "KEY_KP2", "KEY_NUMERIC_2"], Key::Digit2),
            (&["KEY_3", "KEY_KP3", "KEY_NUMERIC_3"], Key::Digit3),
            (&["KEY_4", "KEY_KP4", "KEY_NUMERIC_4"], Key::Digit4),
            (&["KEY_5", "KEY_KP5", "KEY_NUMERIC_5"], Key::Digit5),
            (&["KEY_6", "KEY_KP6", "KEY_NUMERIC_6"], Key::Digit6),
            (&["KEY_7", "KEY_KP7", "KEY_NUMERIC_7"], Key::Digit7),
            (&["KEY_8", "KEY_KP8", "KEY_NUMERIC_8"], Key::Digit8),
            (&["KEY_9", "KEY_KP9", "KEY_NUMERIC_9"], Key::Digit9),
            (&["KEY_ENTER", "KEY_KPENTER", "KEY_OK"], Key::Enter),
            (&["KEY_ESC", "KEY_CANCEL"], Key::Cancel),
            (&["KEY_BACKSPACE", "KEY_DELETE", "KEY_CLEAR"], Key::Clear),
            (&["KEY_HELP", "KEY_F1", "KEY_KPSLASH"], Key::Help),
            (&["KEY_UP"], Key::Up),
            (&["KEY_DOWN"], Key::Down),
            (&["KEY_VOLUMEUP"], Key::VolumeUp),
            (&["KEY_VOLUMEDOWN"], Key::VolumeDown),
            (&["KEY_KPPLUS", "KEY_F3"], Key::SpeedUp),
            (&["KEY_KPMINUS", "KEY_F2"], Key::SpeedDown),
            (&["KEY_F4", "KEY_KPASTERISK"], Key::CallStaff),
        ];
        let mut listed = 0;
        for (names, key) in table {
            for name in *names {
                let mut d = KeypadDecoder::new(DEFAULT_KEYMAP, Duration::from_secs(1));
                assert_eq!(
                    d.key(code(name), 1, Instant::now()),
                    Some(KeyEvent::Pressed(*key)),
                    "{name}"
                );
                listed += 1;
            }
        }
        assert_eq!(listed, DEFAULT_KEYMAP.len(), "the table is the whole map");
        for key in Key::ALL {
            assert!(
                DEFAULT_KEYMAP.iter().any(|(_, k)| *k == key),
                "{key:?} has a default code"
            );
        }
        let mut codes: Vec<u16> = DEFAULT_KEYMAP.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DEFAULT_KEYMAP.len(), "each code once");
    }

    #[test]
    fn overrides_replace_a_keys_codes_and_take_codes_from_other_keys() {
        let map = keymap_with(&[
            (Key::CallStaff, vec![code("KEY_F12")]),
            (Key::Help, vec![code("KEY_ESC"), code("KEY_H")]),
            (Key::SpeedUp, vec![]),
        ]);
        let keys_of = |code: u16| -> Vec<Key> {
            map.iter()
                .filter(|(c, _)| *c == code)
                .map(|(_, k)| *k)
                .collect()
        };
        assert_eq!(keys_of(code("KEY_F12")), [Key::CallStaff]);
        assert_eq!(keys_of(code("KEY_F4")), [], "F4 no longer calls staff");
        assert_eq!(keys_of(code("KEY_ESC")), [Key::Help], "taken from cancel");
        assert_eq!(
            keys_of(code("KEY_CANCEL")),
            [Key::Cancel],
            "cancel keeps the rest"
        );
        assert_eq!(keys_of(code("KEY_F1")), [], "help has only the codes given");
        assert!(
            map.iter().all(|(_, k)| *k != Key::SpeedUp),
            "speed up is off"
        );
        assert_eq!(keys_of(code("KEY_KP5")), [Key::Digit5], "the rest stays");
        assert_eq!(keymap_with(&[]), DEFAULT_KEYMAP.to_vec());
    }

    #[test]
    fn key_code_names_are_the_kernels() {
        assert_eq!(code_of("KEY_ENTER"), Some(28));
        assert_eq!(code_of("KEY_KP5"), Some(76));
        assert_eq!(code_of("BTN_0"), Some(0x100));
        assert_eq!(code_of("KEY_NUMERIC_0"), Some(0x200));
        assert_eq!(code_of("enter"), None);
        assert_eq!(code_of("KEY_ENTR"), None);
    }

    #[test]
    fn a_vanished_keypad_releases_held_keys() {
        let mut d = KeypadDecoder::new(DEFAULT_KEYMAP, Duration::from_secs(1));
        d.key(code("KEY_F4"), 1, Instant::now());
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
