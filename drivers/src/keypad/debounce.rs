//! Debouncing and long-press detection for one button, as pure logic over injected time.
//!
//! Mechanical contacts bounce for a few milliseconds. A level change is accepted only after the
//! raw level has stayed the same for the debounce time; a press held for the long-press time
//! is reported once as a long press. Backends feed raw levels (polled or from edge
//! interrupts) with timestamps and call [`Debouncer::tick`] regularly.

use std::time::{Duration, Instant};

use super::{Key, KeyEvent};

/// Timing of the keypad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTiming {
    /// How long a level must be stable to count.
    pub debounce: Duration,
    /// How long a press must last to be a long press.
    pub long_press: Duration,
}

impl Default for KeyTiming {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(25),
            long_press: Duration::from_millis(1500),
        }
    }
}

/// Debounced state of one key.
#[derive(Debug, Clone)]
pub struct Debouncer {
    key: Key,
    timing: KeyTiming,
    raw: bool,
    raw_since: Option<Instant>,
    pressed: bool,
    pressed_at: Option<Instant>,
    long_reported: bool,
}

impl Debouncer {
    /// A released key.
    pub fn new(key: Key, timing: KeyTiming) -> Self {
        Self {
            key,
            timing,
            raw: false,
            raw_since: None,
            pressed: false,
            pressed_at: None,
            long_reported: false,
        }
    }

    /// The key's raw level (`true` = contact closed) sampled at `now`.
    pub fn sample(&mut self, pressed: bool, now: Instant) -> Option<KeyEvent> {
        if pressed != self.raw {
            self.raw = pressed;
            self.raw_since = Some(now);
        }
        self.tick(now)
    }

    /// Advances time without a new sample; returns what is now due.
    pub fn tick(&mut self, now: Instant) -> Option<KeyEvent> {
        if let Some(since) = self.raw_since
            && self.raw != self.pressed
            && now.saturating_duration_since(since) >= self.timing.debounce
        {
            self.pressed = self.raw;
            self.raw_since = None;
            return Some(if self.pressed {
                self.pressed_at = Some(since);
                self.long_reported = false;
                KeyEvent::Pressed(self.key)
            } else {
                self.pressed_at = None;
                KeyEvent::Released {
                    key: self.key,
                    long: self.long_reported,
                }
            });
        }
        // A contact already open (release still being debounced) is not held any longer.
        if self.pressed
            && self.raw
            && !self.long_reported
            && let Some(at) = self.pressed_at
            && now.saturating_duration_since(at) >= self.timing.long_press
        {
            self.long_reported = true;
            return Some(KeyEvent::LongPressed(self.key));
        }
        None
    }

    /// The key this debouncer watches.
    pub fn key(&self) -> Key {
        self.key
    }

    /// Whether the key is (debounced) down.
    pub fn is_pressed(&self) -> bool {
        self.pressed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn timing() -> KeyTiming {
        KeyTiming {
            debounce: ms(20),
            long_press: ms(1000),
        }
    }

    /// Feeds (millisecond, level) samples and ticks every millisecond up to `end`.
    fn run(samples: &[(u64, bool)], end: u64) -> Vec<(u64, KeyEvent)> {
        let t0 = Instant::now();
        let mut d = Debouncer::new(Key::Enter, timing());
        let mut out = Vec::new();
        for t in 0..=end {
            let now = t0 + ms(t);
            let ev = match samples.iter().rev().find(|(at, _)| *at == t) {
                Some(&(_, level)) => d.sample(level, now),
                None => d.tick(now),
            };
            if let Some(e) = ev {
                out.push((t, e));
            }
        }
        out
    }

    #[test]
    fn bouncing_contacts_give_one_press_and_one_release() {
        // Press at 100 with 8 ms of bounce, release at 300 with bounce.
        let samples = [
            (100, true),
            (102, false),
            (104, true),
            (105, false),
            (108, true),
            (300, false),
            (301, true),
            (303, false),
        ];
        let events = run(&samples, 500);
        assert_eq!(
            events,
            vec![
                (128, KeyEvent::Pressed(Key::Enter)),
                (
                    323,
                    KeyEvent::Released {
                        key: Key::Enter,
                        long: false
                    }
                ),
            ]
        );
    }

    #[test]
    fn glitches_shorter_than_the_debounce_time_are_ignored() {
        let events = run(&[(100, true), (110, false), (200, true), (219, false)], 400);
        assert!(events.is_empty(), "{events:?}");
    }

    #[test]
    fn a_held_key_gives_one_long_press_measured_from_the_first_stable_edge() {
        let events = run(&[(100, true), (2500, false)], 3000);
        assert_eq!(
            events,
            vec![
                (120, KeyEvent::Pressed(Key::Enter)),
                (1100, KeyEvent::LongPressed(Key::Enter)),
                (
                    2520,
                    KeyEvent::Released {
                        key: Key::Enter,
                        long: true
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_press_just_short_of_long_is_short() {
        let events = run(&[(0, true), (990, false)], 1500);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(
            events[1].1,
            KeyEvent::Released {
                key: Key::Enter,
                long: false
            }
        );
    }
}
