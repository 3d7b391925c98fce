//! Simulated keypad, indicators and headphone jack, for the demo and the firmware's journey
//! tests. The keypad reports presses of any [`Key`] as the debounced backends do: pressed,
//! (long-pressed,) released.

use std::sync::{Arc, Mutex};

use super::{Beep, HeadphoneJack, Indicators, JackEvent, Key, KeyEvent, Keypad, Led, LedState};
use crate::events::{EventSender, EventStream, channel};

/// A keypad driven from code.
pub struct SimKeypad {
    events: EventStream<KeyEvent>,
}

/// Drives a [`SimKeypad`].
#[derive(Clone)]
pub struct SimKeypadHandle {
    tx: EventSender<KeyEvent>,
}

impl SimKeypad {
    /// A keypad and its handle.
    pub fn new() -> (Self, SimKeypadHandle) {
        let (tx, events) = channel();
        (Self { events }, SimKeypadHandle { tx })
    }
}

impl Keypad for SimKeypad {
    fn events(self) -> EventStream<KeyEvent> {
        self.events
    }
}

impl SimKeypadHandle {
    /// A short press of any key: pressed, released.
    pub async fn press(&self, key: Key) -> bool {
        self.tx.send(KeyEvent::Pressed(key)).await
            && self.tx.send(KeyEvent::Released { key, long: false }).await
    }

    /// A long press: pressed, long-pressed, released.
    pub async fn long_press(&self, key: Key) -> bool {
        self.tx.send(KeyEvent::Pressed(key)).await
            && self.tx.send(KeyEvent::LongPressed(key)).await
            && self.tx.send(KeyEvent::Released { key, long: true }).await
    }
}

/// Indicators that record what they were told. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct SimIndicators {
    log: Arc<Mutex<Vec<IndicatorCall>>>,
}

/// One call made to [`SimIndicators`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndicatorCall {
    /// `set_led`.
    Led(Led, LedState),
    /// `beep`.
    Beep(Beep),
}

impl SimIndicators {
    /// Everything set or sounded so far.
    pub fn calls(&self) -> Vec<IndicatorCall> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn record(&self, call: IndicatorCall) {
        if let Ok(mut l) = self.log.lock() {
            l.push(call);
        }
    }
}

impl Indicators for SimIndicators {
    fn set_led(&mut self, led: Led, state: LedState) {
        self.record(IndicatorCall::Led(led, state));
    }

    fn beep(&mut self, beep: Beep) {
        self.record(IndicatorCall::Beep(beep));
    }
}

/// A headphone jack driven from code.
pub struct SimJack {
    events: EventStream<JackEvent>,
}

/// Drives a [`SimJack`].
#[derive(Clone)]
pub struct SimJackHandle {
    tx: EventSender<JackEvent>,
}

impl SimJack {
    /// A jack and its handle.
    pub fn new() -> (Self, SimJackHandle) {
        let (tx, events) = channel();
        (Self { events }, SimJackHandle { tx })
    }
}

impl HeadphoneJack for SimJack {
    fn events(self) -> EventStream<JackEvent> {
        self.events
    }
}

impl SimJackHandle {
    /// Headphones plugged in (`true`) or removed.
    pub async fn set_plugged(&self, plugged: bool) -> bool {
        let e = if plugged {
            JackEvent::Plugged
        } else {
            JackEvent::Unplugged
        };
        self.tx.send(e).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn simulated_devices_report_what_they_are_driven_to() {
        let (keypad, keys) = SimKeypad::new();
        let mut k = keypad.events();
        assert!(keys.long_press(Key::Help).await);
        assert_eq!(k.try_next(), Some(KeyEvent::Pressed(Key::Help)));
        assert_eq!(k.try_next(), Some(KeyEvent::LongPressed(Key::Help)));
        assert_eq!(
            k.try_next(),
            Some(KeyEvent::Released {
                key: Key::Help,
                long: true
            })
        );

        let (jack, plug) = SimJack::new();
        let mut j = jack.events();
        assert!(plug.set_plugged(true).await);
        assert_eq!(j.try_next(), Some(JackEvent::Plugged));

        // Every key of the keypad, digits included.
        for key in Key::ALL {
            assert!(keys.press(key).await);
            assert_eq!(k.try_next(), Some(KeyEvent::Pressed(key)));
            assert_eq!(k.try_next(), Some(KeyEvent::Released { key, long: false }));
        }
        assert_eq!(k.try_next(), None);

        let ind = SimIndicators::default();
        let mut shared = ind.clone();
        shared.set_led(Led::Busy, LedState::Blink);
        shared.beep(Beep::Success);
        assert_eq!(
            ind.calls(),
            [
                IndicatorCall::Led(Led::Busy, LedState::Blink),
                IndicatorCall::Beep(Beep::Success)
            ]
        );
    }
}
