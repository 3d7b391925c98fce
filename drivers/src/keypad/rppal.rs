//! GPIO backends on the Raspberry Pi through `rppal` 0.22.1 (feature `gpio-rppal`): the keypad
//! (a row/column matrix, scanned every 5 ms; the scan logic is pure, in
//! [`matrix`](super::matrix)), the LEDs and buzzer (active-high outputs; the buzzer's patterns
//! play on a short-lived thread), and a headphone jack's detect switch on a pin. See the parent
//! module for the `gpiocdev` migration path.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rppal::gpio::{Gpio, InputPin, IoPin, Mode, OutputPin};

use super::evdev::JackDecoder;
use super::matrix::{MatrixLayout, MatrixScanner};
use super::{
    Beep, Debouncer, HeadphoneJack, Indicators, JackEvent, Key, KeyEvent, KeyTiming, Keypad, Led,
    LedState,
};
use crate::events::{EventSender, EventStream, channel};

/// Poll period of the keypad matrix (one frame: every row driven once).
const POLL: Duration = Duration::from_millis(5);
/// How long a driven row settles before its columns are read (the lines' capacitance against
/// the pull-ups).
const SETTLE: Duration = Duration::from_micros(20);

/// A row/column matrix keypad on GPIO pins (BCM numbering). The row pins float (inputs) except
/// the one being read, which is driven low; the column pins are inputs with the internal
/// pull-ups, and a key closed at (row, column) pulls its column low (see
/// [`matrix`](super::matrix) for ghosting and the wiring).
#[derive(Debug, Clone)]
pub struct RppalKeypad {
    /// The row pins, top row first.
    pub rows: Vec<u8>,
    /// The column pins, left column first.
    pub columns: Vec<u8>,
    /// Which key sits at each row and column (as many rows and columns as pins).
    pub layout: MatrixLayout,
    /// Debounce and long-press timing.
    pub timing: KeyTiming,
}

impl Keypad for RppalKeypad {
    fn events(self) -> EventStream<KeyEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("keypad-gpio".into())
            .spawn(move || {
                if let Err(e) = run_keypad(&self, &tx) {
                    tracing::error!(error = %e, "GPIO keypad stopped");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the keypad thread");
        }
        rx
    }
}

/// Reads one frame: each row driven low in turn, its closed columns as a bit mask.
fn read_frame(rows: &mut [IoPin], columns: &[InputPin], frame: &mut [u32]) {
    for (row, mask) in rows.iter_mut().zip(frame.iter_mut()) {
        row.set_low();
        row.set_mode(Mode::Output);
        thread::sleep(SETTLE);
        *mask = columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.is_low())
            .fold(0, |m, (c, _)| m | (1 << c));
        row.set_mode(Mode::Input);
    }
}

fn run_keypad(keypad: &RppalKeypad, tx: &EventSender<KeyEvent>) -> rppal::gpio::Result<()> {
    let gpio = Gpio::new()?;
    let mut rows = keypad
        .rows
        .iter()
        .map(|&pin| Ok(gpio.get(pin)?.into_io(Mode::Input)))
        .collect::<rppal::gpio::Result<Vec<_>>>()?;
    let columns = keypad
        .columns
        .iter()
        .map(|&pin| Ok(gpio.get(pin)?.into_input_pullup()))
        .collect::<rppal::gpio::Result<Vec<_>>>()?;
    if rows.len() != keypad.layout.rows() || columns.len() != keypad.layout.columns() {
        tracing::error!(
            rows = rows.len(),
            columns = columns.len(),
            "the keypad layout does not match its pins"
        );
        return Ok(());
    }
    let mut scanner = MatrixScanner::new(keypad.layout.clone(), keypad.timing);
    let mut frame = vec![0u32; rows.len()];
    let mut held = 0;
    while !tx.is_stopped() {
        read_frame(&mut rows, &columns, &mut frame);
        for event in scanner.scan(&frame, Instant::now()) {
            if !tx.send_blocking(event) {
                return Ok(());
            }
        }
        if scanner.held_frames() > held && scanner.held_frames() % 200 == 1 {
            tracing::debug!("keypad: three or more keys held, frame ignored (ghosting)");
        }
        held = scanner.held_frames();
        thread::sleep(POLL);
    }
    Ok(())
}

/// LEDs and a buzzer on GPIO outputs.
pub struct RppalIndicators {
    leds: Vec<(Led, OutputPin)>,
    buzzer: Option<Arc<std::sync::Mutex<OutputPin>>>,
    // Bumped by each beep so an older pattern stops when a newer one starts.
    generation: Arc<AtomicU64>,
}

impl RppalIndicators {
    /// LEDs and an optional buzzer on the given BCM pins.
    pub fn new(leds: &[(Led, u8)], buzzer: Option<u8>) -> rppal::gpio::Result<Self> {
        let gpio = Gpio::new()?;
        let leds = leds
            .iter()
            .map(|&(led, pin)| Ok((led, gpio.get(pin)?.into_output_low())))
            .collect::<rppal::gpio::Result<Vec<_>>>()?;
        let buzzer = match buzzer {
            Some(pin) => Some(Arc::new(std::sync::Mutex::new(
                gpio.get(pin)?.into_output_low(),
            ))),
            None => None,
        };
        Ok(Self {
            leds,
            buzzer,
            generation: Arc::default(),
        })
    }
}

impl Indicators for RppalIndicators {
    fn set_led(&mut self, led: Led, state: LedState) {
        for (l, pin) in &mut self.leds {
            if *l == led {
                let result = match state {
                    LedState::Off => pin.clear_pwm().map(|()| pin.set_low()),
                    LedState::On => pin.clear_pwm().map(|()| pin.set_high()),
                    // Software PWM: 2 Hz, half on.
                    LedState::Blink => pin.set_pwm_frequency(2.0, 0.5),
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, ?led, "LED not set");
                }
            }
        }
    }

    fn beep(&mut self, beep: Beep) {
        let Some(buzzer) = self.buzzer.clone() else {
            return;
        };
        let generation = Arc::clone(&self.generation);
        let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
        thread::spawn(move || {
            for &(on, off) in beep.pattern() {
                if generation.load(Ordering::SeqCst) != mine {
                    return;
                }
                if let Ok(mut pin) = buzzer.lock() {
                    pin.set_high();
                }
                thread::sleep(Duration::from_millis(on.into()));
                if let Ok(mut pin) = buzzer.lock() {
                    pin.set_low();
                }
                thread::sleep(Duration::from_millis(off.into()));
            }
        });
    }
}

/// A headphone jack whose detect switch is wired to a GPIO pin (BCM numbering).
#[derive(Debug, Clone)]
pub struct RppalJack {
    /// The detect pin, with the internal pull-up enabled.
    pub pin: u8,
    /// Whether the pin reads low when headphones are in (switch to ground).
    pub plugged_when_low: bool,
}

impl HeadphoneJack for RppalJack {
    fn events(self) -> EventStream<JackEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("jack-gpio".into())
            .spawn(move || {
                if let Err(e) = run_jack(&self, &tx) {
                    tracing::error!(error = %e, "GPIO jack detection stopped");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the jack thread");
        }
        rx
    }
}

fn run_jack(jack: &RppalJack, tx: &EventSender<JackEvent>) -> rppal::gpio::Result<()> {
    let pin = Gpio::new()?.get(jack.pin)?.into_input_pullup();
    let plugged = |pin: &InputPin| pin.is_low() == jack.plugged_when_low;
    let mut state = JackDecoder::default();
    // The current state first, then debounced changes. The debouncer's key is only a label
    // here, and a long press never happens.
    if let Some(first) = state.switch(plugged(&pin))
        && !tx.send_blocking(first)
    {
        return Ok(());
    }
    let timing = KeyTiming {
        debounce: Duration::from_millis(50),
        long_press: Duration::MAX,
    };
    let mut debouncer = Debouncer::new(Key::Help, timing);
    debouncer.sample(plugged(&pin), Instant::now());
    while !tx.is_stopped() {
        let level = match debouncer.sample(plugged(&pin), Instant::now()) {
            Some(KeyEvent::Pressed(_)) => Some(true),
            Some(KeyEvent::Released { .. }) => Some(false),
            _ => None,
        };
        if let Some(event) = level.and_then(|l| state.switch(l))
            && !tx.send_blocking(event)
        {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
