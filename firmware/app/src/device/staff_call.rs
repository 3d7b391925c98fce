//! Calling staff from the kiosk: the fault LED blinks and the buzzer sounds (again every
//! [`BEEP_EVERY`]) from the visitor's «call staff» until a member of staff acknowledges by
//! scanning their card at the kiosk. The call is also recorded in the store (through the
//! worker, `Job::RaiseStaffCall`), where it stays open across a restart. With an agency server
//! the call also goes to the office's desk terminals (device/call_relay.rs), and a desk's
//! acknowledgement, learnt from the server, stops the LED and buzzer as a scanned card does.
//!
//! Without LEDs or a buzzer ([`StaffCaller::can_signal`] is false) nobody at the desk would
//! notice unless the desks were told: the visitor is then told where to go instead of being
//! told that staff are coming (firmware/journey/src/machine/staff_call.rs).

use std::time::{Duration, Instant};

use kiosk_drivers::keypad::{Beep, Indicators, Led, LedState};

/// How often the buzzer sounds again while a call is open.
pub const BEEP_EVERY: Duration = Duration::from_secs(30);

/// The kiosk's LEDs and buzzer, and whether a call is open.
pub struct StaffCaller {
    indicators: Option<Box<dyn Indicators>>,
    open: bool,
    last_beep: Option<Instant>,
}

impl Default for StaffCaller {
    fn default() -> Self {
        Self::new(None)
    }
}

impl StaffCaller {
    /// A caller with these indicators (`None`: the kiosk has none).
    pub fn new(indicators: Option<Box<dyn Indicators>>) -> Self {
        let mut caller = Self {
            indicators,
            open: false,
            last_beep: None,
        };
        caller.set(Led::Ready, LedState::On);
        caller
    }

    /// Whether a call can be noticed at the desk (an LED or a buzzer).
    pub fn can_signal(&self) -> bool {
        self.indicators.is_some()
    }

    /// Whether a call is open (raised, not acknowledged).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// A visitor called: blink and sound. Returns whether anyone can notice.
    pub fn raise(&mut self, now: Instant) -> bool {
        self.open = true;
        self.set(Led::Fault, LedState::Blink);
        self.beep(now);
        self.can_signal()
    }

    /// Staff came: the LED stops blinking and the buzzer stays quiet.
    pub fn acknowledge(&mut self) {
        if self.open {
            self.open = false;
            self.last_beep = None;
            self.set(Led::Fault, LedState::Off);
        }
    }

    /// The clock moved: an open call sounds again every [`BEEP_EVERY`].
    pub fn tick(&mut self, now: Instant) {
        if self.open
            && self
                .last_beep
                .is_none_or(|last| now.saturating_duration_since(last) >= BEEP_EVERY)
        {
            self.beep(now);
        }
    }

    /// A slip did not print or a case was not registered: one long beep.
    pub fn fault(&mut self) {
        if let Some(indicators) = self.indicators.as_mut() {
            indicators.beep(Beep::Error);
        }
    }

    fn beep(&mut self, now: Instant) {
        self.last_beep = Some(now);
        if let Some(indicators) = self.indicators.as_mut() {
            indicators.beep(Beep::Attention);
        }
    }

    fn set(&mut self, led: Led, state: LedState) {
        if let Some(indicators) = self.indicators.as_mut() {
            indicators.set_led(led, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_drivers::keypad::{IndicatorCall, SimIndicators};

    #[test]
    fn a_call_blinks_and_sounds_until_acknowledged_then_goes_quiet() {
        let sim = SimIndicators::default();
        let mut caller = StaffCaller::new(Some(Box::new(sim.clone())));
        let t0 = Instant::now();
        assert!(caller.raise(t0));
        caller.tick(t0 + Duration::from_secs(10));
        caller.tick(t0 + BEEP_EVERY);
        caller.acknowledge();
        caller.tick(t0 + BEEP_EVERY * 5);
        assert_eq!(
            sim.calls(),
            [
                IndicatorCall::Led(Led::Ready, LedState::On),
                IndicatorCall::Led(Led::Fault, LedState::Blink),
                IndicatorCall::Beep(Beep::Attention),
                IndicatorCall::Beep(Beep::Attention),
                IndicatorCall::Led(Led::Fault, LedState::Off),
            ]
        );
        assert!(!caller.is_open());
    }

    #[test]
    fn without_indicators_nobody_would_notice() {
        let mut caller = StaffCaller::default();
        assert!(
            !caller.raise(Instant::now()),
            "the visitor is sent to the desk instead"
        );
        assert!(caller.is_open());
    }
}
