//! Switch access: one or two switches of a visitor who cannot use the keypad or the screen
//! (sip-and-puff, a head or hand switch: PAT devices, as VxMark takes them).
//!
//! Two switches: A moves the focus, B selects. One switch: the firmware scans (moves the focus
//! by itself at a dwell) and the switch selects. What a switch means is the firmware's business
//! (`firmware/app/src/device/switch.rs`); here a switch only goes down and up, as
//! [`SwitchEvent`]s. Backends:
//!
//! - `RppalSwitches` (feature `gpio-rppal`): each switch's 3.5 mm jack wired between a BCM pin
//!   and ground, the internal pull-up on, so a closed switch reads low; polled every 5 ms and
//!   debounced by the keypad's [`Debouncer`] ([`GpioSwitches`], pure).
//! - [`EvdevSwitches`]: a USB HID switch interface, which types a key per switch (most send
//!   `KEY_SPACE` and `KEY_ENTER`, or `KEY_1` and `KEY_2`): one configurable code per switch
//!   ([`SwitchDecoder`], pure). Grabbed exclusively, so the keys reach nothing else.
//! - [`SimSwitches`]: driven from code (demo, script runner, tests).

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use evdev::{Device, EventType, InputEvent, KeyCode};

use super::{Debouncer, Key, KeyEvent, KeyTiming};
use crate::evdev_input::{self, EvdevClient, EvdevOptions};
use crate::events::{EventSender, EventStream, channel};

/// One of the two switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Switch {
    /// Switch A: moves the focus (the only switch when scanning).
    A,
    /// Switch B: selects.
    B,
}

impl Switch {
    /// Both switches.
    pub const ALL: [Switch; 2] = [Switch::A, Switch::B];

    /// The name kiosk.toml and the script runner write: `"a"` or `"b"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }

    /// The switch named `name` (`"a"` or `"b"`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The label the shared debouncer carries for this switch (it only reports it back).
    fn label(self) -> Key {
        match self {
            Self::A => Key::Down,
            Self::B => Key::Enter,
        }
    }
}

/// A switch went down or came up (debounced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchEvent {
    /// The switch closed (a sip, a puff, a press).
    Pressed(Switch),
    /// It opened again.
    Released(Switch),
}

/// A source of switch events.
pub trait SwitchSource {
    /// Starts watching and returns the events.
    fn events(self) -> EventStream<SwitchEvent>;
}

/// Debouncing of switches read as levels (GPIO), pure over injected time: the keypad's
/// [`Debouncer`] per switch, with no long press.
#[derive(Debug, Clone)]
pub struct GpioSwitches {
    switches: Vec<(Switch, Debouncer)>,
}

impl GpioSwitches {
    /// Debouncers for `switches`, contacts stable for `debounce` before they count.
    pub fn new(switches: &[Switch], debounce: Duration) -> Self {
        let timing = KeyTiming {
            debounce,
            long_press: Duration::MAX,
        };
        Self {
            switches: switches
                .iter()
                .map(|&s| (s, Debouncer::new(s.label(), timing)))
                .collect(),
        }
    }

    /// `switch` reads `closed` at `now`; an event when that is a debounced change.
    pub fn sample(&mut self, switch: Switch, closed: bool, now: Instant) -> Option<SwitchEvent> {
        let (_, d) = self.switches.iter_mut().find(|(s, _)| *s == switch)?;
        Self::event(switch, d.sample(closed, now))
    }

    /// Changes due at `now` without a new sample.
    pub fn tick(&mut self, now: Instant) -> Vec<SwitchEvent> {
        self.switches
            .iter_mut()
            .filter_map(|(s, d)| Self::event(*s, d.tick(now)))
            .collect()
    }

    fn event(switch: Switch, event: Option<KeyEvent>) -> Option<SwitchEvent> {
        match event? {
            KeyEvent::Pressed(_) => Some(SwitchEvent::Pressed(switch)),
            KeyEvent::Released { .. } => Some(SwitchEvent::Released(switch)),
            KeyEvent::LongPressed(_) => None,
        }
    }
}

/// The default code of each switch of a USB switch interface: `KEY_SPACE` for A, `KEY_ENTER`
/// for B (what most of them send out of the box).
pub const DEFAULT_CODES: [(Switch, u16); 2] = [
    (Switch::A, KeyCode::KEY_SPACE.0),
    (Switch::B, KeyCode::KEY_ENTER.0),
];

/// Key codes to switches for a USB HID switch interface; pure, driven by the evdev loop. A code
/// held down is one press (auto-repeat ignored); other codes are ignored.
#[derive(Debug, Clone)]
pub struct SwitchDecoder {
    codes: Vec<(Switch, u16)>,
    down: Vec<Switch>,
}

impl SwitchDecoder {
    /// A decoder for these (switch, key code) pairs.
    pub fn new(codes: &[(Switch, u16)]) -> Self {
        Self {
            codes: codes.to_vec(),
            down: Vec::new(),
        }
    }

    /// Key `code` went down (`value` 1), up (0) or repeated (2).
    pub fn key(&mut self, code: u16, value: i32) -> Option<SwitchEvent> {
        let &(switch, _) = self.codes.iter().find(|(_, c)| *c == code)?;
        let down = self.down.contains(&switch);
        match value {
            1 if !down => {
                self.down.push(switch);
                Some(SwitchEvent::Pressed(switch))
            }
            0 if down => {
                self.down.retain(|s| *s != switch);
                Some(SwitchEvent::Released(switch))
            }
            _ => None,
        }
    }

    /// Everything held comes up (the device went away).
    pub fn release_all(&mut self) -> Vec<SwitchEvent> {
        self.down.drain(..).map(SwitchEvent::Released).collect()
    }
}

impl EvdevClient for SwitchDecoder {
    type Event = SwitchEvent;

    fn opened(&mut self, _: &Device) -> Vec<SwitchEvent> {
        Vec::new()
    }

    fn input(&mut self, ev: InputEvent, _: Instant) -> Vec<SwitchEvent> {
        if ev.event_type() != EventType::KEY {
            return Vec::new();
        }
        self.key(ev.code(), ev.value()).into_iter().collect()
    }

    fn idle(&mut self, _: Instant) -> Vec<SwitchEvent> {
        Vec::new()
    }

    fn lost(&mut self, _: String, _: bool) -> Vec<SwitchEvent> {
        self.release_all()
    }
}

/// A USB HID switch interface on an evdev input device.
#[derive(Debug, Clone)]
pub struct EvdevSwitches {
    /// The input device (prefer `/dev/input/by-id/…`).
    pub path: PathBuf,
    /// The key code each switch sends.
    pub codes: Vec<(Switch, u16)>,
}

impl SwitchSource for EvdevSwitches {
    fn events(self) -> EventStream<SwitchEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("switches-evdev".into())
            .spawn(move || {
                let mut decoder = SwitchDecoder::new(&self.codes);
                let options = EvdevOptions {
                    grab: true,
                    poll: Duration::from_millis(10),
                    reopen_interval: Duration::from_millis(500),
                };
                evdev_input::run(&self.path, options, &mut decoder, &tx);
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the switch thread");
        }
        rx
    }
}

/// Switches driven from code.
pub struct SimSwitches {
    events: EventStream<SwitchEvent>,
}

/// Drives [`SimSwitches`].
#[derive(Clone)]
pub struct SimSwitchesHandle {
    tx: EventSender<SwitchEvent>,
}

impl SimSwitches {
    /// Switches and their handle.
    pub fn new() -> (Self, SimSwitchesHandle) {
        let (tx, events) = channel();
        (Self { events }, SimSwitchesHandle { tx })
    }
}

impl SwitchSource for SimSwitches {
    fn events(self) -> EventStream<SwitchEvent> {
        self.events
    }
}

impl SimSwitchesHandle {
    /// One press of `switch`: pressed, released.
    pub async fn press(&self, switch: Switch) -> bool {
        self.tx.send(SwitchEvent::Pressed(switch)).await
            && self.tx.send(SwitchEvent::Released(switch)).await
    }
}

/// Switches wired to GPIO pins (BCM numbering), each closing to ground with the internal
/// pull-up on; polled every 5 ms and debounced by [`GpioSwitches`].
#[cfg(feature = "gpio-rppal")]
#[derive(Debug, Clone)]
pub struct RppalSwitches {
    /// Each switch and its pin.
    pub pins: Vec<(Switch, u8)>,
    /// How long a contact must be stable (a sip-and-puff's pressure switch chatters too).
    pub debounce: Duration,
}

#[cfg(feature = "gpio-rppal")]
impl SwitchSource for RppalSwitches {
    fn events(self) -> EventStream<SwitchEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("switches-gpio".into())
            .spawn(move || {
                if let Err(e) = run_gpio(&self, &tx) {
                    tracing::error!(error = %e, "GPIO switches stopped");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the switch thread");
        }
        rx
    }
}

#[cfg(feature = "gpio-rppal")]
fn run_gpio(switches: &RppalSwitches, tx: &EventSender<SwitchEvent>) -> rppal::gpio::Result<()> {
    let gpio = rppal::gpio::Gpio::new()?;
    let pins = switches
        .pins
        .iter()
        .map(|&(s, pin)| Ok((s, gpio.get(pin)?.into_input_pullup())))
        .collect::<rppal::gpio::Result<Vec<_>>>()?;
    let names: Vec<Switch> = pins.iter().map(|(s, _)| *s).collect();
    let mut state = GpioSwitches::new(&names, switches.debounce);
    while !tx.is_stopped() {
        let now = Instant::now();
        for (switch, pin) in &pins {
            if let Some(event) = state.sample(*switch, pin.is_low(), now)
                && !tx.send_blocking(event)
            {
                return Ok(());
            }
        }
        thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn switch_names_round_trip() {
        for s in Switch::ALL {
            assert_eq!(Switch::from_name(s.name()), Some(s));
        }
        assert_eq!(Switch::from_name("A"), None);
        assert_eq!(Switch::from_name("c"), None);
    }

    #[test]
    fn a_chattering_gpio_switch_gives_one_press_and_one_release() {
        let t0 = Instant::now();
        let mut g = GpioSwitches::new(&[Switch::A, Switch::B], ms(20));
        let mut out = Vec::new();
        // A closes at 100 with bounce, held 5 s (no long press), opens at 5100; B glitches.
        let samples: &[(u64, Switch, bool)] = &[
            (100, Switch::A, true),
            (103, Switch::A, false),
            (105, Switch::A, true),
            (200, Switch::B, true),
            (210, Switch::B, false),
            (5100, Switch::A, false),
        ];
        for t in 0..6000 {
            let now = t0 + ms(t);
            for &(at, s, level) in samples.iter().filter(|(at, _, _)| *at == t) {
                let _ = at;
                out.extend(g.sample(s, level, now).map(|e| (t, e)));
            }
            out.extend(g.tick(now).into_iter().map(|e| (t, e)));
        }
        assert_eq!(
            out,
            [
                (125, SwitchEvent::Pressed(Switch::A)),
                (5120, SwitchEvent::Released(Switch::A)),
            ]
        );
    }

    #[test]
    fn usb_switch_codes_are_configurable_and_repeats_ignored() {
        let space = KeyCode::KEY_SPACE.0;
        let one = KeyCode::KEY_1.0;
        let mut d = SwitchDecoder::new(&DEFAULT_CODES);
        assert_eq!(d.key(space, 1), Some(SwitchEvent::Pressed(Switch::A)));
        assert_eq!(d.key(space, 2), None, "auto-repeat");
        assert_eq!(d.key(space, 1), None, "already down");
        assert_eq!(
            d.key(KeyCode::KEY_ENTER.0, 1),
            Some(SwitchEvent::Pressed(Switch::B))
        );
        assert_eq!(d.key(one, 1), None, "not a switch's code");
        assert_eq!(d.key(space, 0), Some(SwitchEvent::Released(Switch::A)));
        assert_eq!(d.key(space, 0), None);
        assert_eq!(d.release_all(), [SwitchEvent::Released(Switch::B)]);

        let mut numbered = SwitchDecoder::new(&[(Switch::A, one), (Switch::B, KeyCode::KEY_2.0)]);
        assert_eq!(numbered.key(space, 1), None);
        assert_eq!(numbered.key(one, 1), Some(SwitchEvent::Pressed(Switch::A)));
        assert_eq!(
            numbered.lost("gone".into(), true),
            [SwitchEvent::Released(Switch::A)]
        );
    }

    #[tokio::test]
    async fn simulated_switches_report_presses() {
        let (switches, handle) = SimSwitches::new();
        let mut events = switches.events();
        assert!(handle.press(Switch::B).await);
        assert_eq!(events.try_next(), Some(SwitchEvent::Pressed(Switch::B)));
        assert_eq!(events.try_next(), Some(SwitchEvent::Released(Switch::B)));
        assert_eq!(events.try_next(), None);
    }
}
