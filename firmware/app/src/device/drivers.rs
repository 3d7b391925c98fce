//! The kiosk's devices as the firmware sees them: built from the configuration by the
//! `kiosk-devices` crate (`firmware/devices`), their events mapped to the flow's [`Event`].
//!
//! Which backend each `[printer]`, `[scanner]`, `[card]`, `[keypad]`, `[speech]` and
//! `[headphones]` setting names, the checks before anything starts and the receipt
//! [`Profile`](kiosk_receipt::Profile) all live in `kiosk-devices`, shared with `kioskctl`
//! (which links no Slint). This module adds what only the firmware needs: the printer as the
//! runtime's [`DevicePrinter`] ([`build`], [`Devices`]), and what a key press, a scan, a card
//! or a headphone plug means to the visitor journey ([`key_event`], [`scan_event`],
//! [`card_event`], [`jack_event`]).

use kiosk_config::KioskConfig;
use kiosk_drivers::card::{CardError, CardEvent, Untrusted};
use kiosk_drivers::keypad::{JackEvent, Key, KeyEvent};
use kiosk_drivers::scanner::{ScanEvent, Scanned};

pub use kiosk_devices::{
    AnyPrinter, DeviceError, DeviceProblem, SimHandles, check, job_config, printer, receipt_profile,
};

use crate::flow::{Action, CardRefusal, Event, Step};
use crate::runtime::DevicePrinter;

/// Every device of a kiosk, started, with the receipt printer as the runtime's sink.
pub type Devices = kiosk_devices::Devices<DevicePrinter<AnyPrinter>>;

/// Checks and starts every configured device (`kiosk_devices::build`), the printer wrapped as
/// the runtime's [`DevicePrinter`].
pub fn build(config: &KioskConfig) -> Result<Devices, DeviceError> {
    kiosk_devices::build(config).map(|devices| devices.map_printer(DevicePrinter))
}

/// Headphones plugged in start speech mode; taking them out changes nothing (the visitor turns
/// speech off on the accessibility screen, and the session's end resets it).
pub fn jack_event(event: JackEvent) -> Option<Event> {
    match event {
        JackEvent::Plugged => Some(Event::HeadphonesIn),
        JackEvent::Unplugged => Some(Event::HeadphonesOut),
    }
}

/// The flow event a key press means: a digit types into the focused field (national code,
/// mobile, tracking code, staff PIN), Enter performs the focused action, Cancel goes back one
/// step (the flow decides where that is), Up and Down walk the focus ring, the volume and speed
/// keys change the speech's levels (the flow says the new level), Call staff calls staff.
///
/// Clear, Help, `0` and Enter have a long press of their own, so they act when released: a
/// short Clear erases one character, a long one the whole field; a short Help explains the
/// screen and its keys, a long one repeats the last thing said; a long `0` turns audio-only
/// mode on or off (the screen blanked); a long Enter starts learning the keys on the attract
/// screen (elsewhere it is Enter). A long Cancel ends learning the keys (its press still goes
/// back, or is explained while learning). The other keys act when pressed; their releases and
/// long presses mean nothing.
pub fn key_event(event: KeyEvent) -> Option<Event> {
    let key = match event {
        KeyEvent::Pressed(Key::Clear | Key::Help | Key::Digit0 | Key::Enter) => return None,
        KeyEvent::Released {
            key: Key::Digit0,
            long: false,
        } => return Some(Event::Digit(0)),
        KeyEvent::Released {
            key: Key::Enter,
            long: false,
        } => return Some(Event::Activate),
        KeyEvent::LongPressed(Key::Digit0) => return Some(Event::ToggleAudioOnly),
        KeyEvent::LongPressed(Key::Enter) => return Some(Event::LearnKeys),
        KeyEvent::LongPressed(Key::Cancel) => return Some(Event::LeaveLearnKeys),
        KeyEvent::Released {
            key: Key::Clear,
            long: false,
        } => return Some(Event::Backspace),
        KeyEvent::Released {
            key: Key::Help,
            long: false,
        } => return Some(Event::Help),
        KeyEvent::LongPressed(Key::Clear) => return Some(Event::ClearEntry),
        KeyEvent::LongPressed(Key::Help) => return Some(Event::Repeat),
        KeyEvent::Pressed(key) => key,
        KeyEvent::Released { .. } | KeyEvent::LongPressed(_) => return None,
    };
    if let Some(digit) = key.digit() {
        return Some(Event::Digit(digit));
    }
    Some(match key {
        Key::Enter => Event::Activate,
        Key::Cancel => Event::Do(Action::Back),
        Key::Up => Event::FocusPrev,
        Key::Down => Event::FocusNext,
        Key::VolumeUp => Event::Volume(Step::Up),
        Key::VolumeDown => Event::Volume(Step::Down),
        Key::SpeedUp => Event::Speed(Step::Up),
        Key::SpeedDown => Event::Speed(Step::Down),
        Key::CallStaff => Event::Do(Action::CallStaff),
        Key::Clear
        | Key::Help
        | Key::Digit0
        | Key::Digit1
        | Key::Digit2
        | Key::Digit3
        | Key::Digit4
        | Key::Digit5
        | Key::Digit6
        | Key::Digit7
        | Key::Digit8
        | Key::Digit9 => return None,
    })
}

/// The flow event a scan means: a national card's barcode identifies the visitor, a receipt's
/// code opens its case, a satisfaction code opens the rating journey (or, at the desk, claims
/// the visit), a staff card logs in at the desk. Unusable lines are the scanner's problem,
/// logged by the caller.
pub fn scan_event(event: &ScanEvent) -> Option<Event> {
    match event {
        ScanEvent::Scanned(Scanned::NationalCode(code)) => {
            Some(Event::IdentityRead(code.as_string()))
        }
        ScanEvent::Scanned(Scanned::TrackingCode(code)) => {
            Some(Event::TrackingScanned(code.as_string()))
        }
        ScanEvent::Scanned(Scanned::SatisfactionCode { token }) => {
            Some(Event::SatisfactionScanned(token.clone()))
        }
        ScanEvent::Scanned(Scanned::EmployeeCode(code)) => {
            Some(Event::StaffCardScanned(code.clone()))
        }
        _ => None,
    }
}

/// The flow event a card reading means: its national code, or why it was not taken (the
/// reader's own reason logged in English, the visitor told in words of theirs).
pub fn card_event(event: &CardEvent) -> Option<Event> {
    match event {
        CardEvent::Read { identity, .. } => {
            Some(Event::IdentityRead(identity.national_code.as_string()))
        }
        CardEvent::ReadFailed { reader, error } => {
            tracing::warn!(%reader, %error, "a card was not taken");
            Some(Event::CardRefused(card_refusal(error)))
        }
        _ => None,
    }
}

/// What a reader's failure means to the visitor.
pub fn card_refusal(error: &CardError) -> CardRefusal {
    match error {
        CardError::Untrusted(Untrusted::Expired | Untrusted::NotYetValid) => CardRefusal::Expired,
        CardError::Untrusted(Untrusted::Revoked) => CardRefusal::Revoked,
        CardError::Untrusted(_) | CardError::NoNationalCode | CardError::InvalidNationalCode(_) => {
            CardRefusal::NotGenuine
        }
        CardError::Transport { .. }
        | CardError::Mute
        | CardError::Status { .. }
        | CardError::NoStatusWord { .. }
        | CardError::NotACertificate
        | CardError::Truncated { .. }
        | CardError::TooLarge { .. }
        | CardError::BadCertificate(_) => CardRefusal::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use kiosk_drivers::printer::SimFault;
    use kiosk_drivers::scanner::ClassifierConfig;

    use super::*;
    use crate::flow::PrinterProblem;
    use crate::runtime::PrintSink as _;

    #[tokio::test]
    async fn built_devices_print_through_the_runtimes_sink_and_plug_into_the_flow() {
        let config = kiosk_config::parse(
            "[kiosk]\nnumber = 7\nagency = \"اداره\"\ndesk = \"میز\"\n[printer]\ntransport = \"sim\"\n[speech]\nbackend = \"none\"\n[headphones]\nbackend = \"sim\"\n",
            Path::new("/"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut devices = build(&config).expect("devices start");
        let job = kiosk_receipt::encode(&kiosk_receipt::sample(), &devices.profile)
            .expect("sample encodes");
        assert_eq!(devices.printer.print(&job), Ok(()));
        let sim = devices.sims.printer.as_ref().expect("sim printer");
        assert_eq!(sim.jobs(), vec![job.clone()]);
        sim.set_fault(SimFault::PaperEnd);
        assert_eq!(devices.printer.print(&job), Err(PrinterProblem::PaperOut));

        let jack = devices.sims.headphones.as_ref().expect("sim jack");
        assert!(jack.set_plugged(true).await);
        assert!(jack.set_plugged(false).await);
        let plugs = devices.headphones.as_mut().expect("stream");
        let plugged = plugs.next().await.expect("plugged");
        assert!(matches!(jack_event(plugged), Some(Event::HeadphonesIn)));
        let unplugged = plugs.next().await.expect("unplugged");
        assert!(matches!(jack_event(unplugged), Some(Event::HeadphonesOut)));
    }

    #[test]
    fn device_events_become_flow_events() {
        for d in 1..=9u8 {
            let key = Key::from_digit(d).expect("digit key");
            assert!(
                matches!(key_event(KeyEvent::Pressed(key)), Some(Event::Digit(x)) if x == d),
                "{key:?}"
            );
        }
        let pressed = |key| key_event(KeyEvent::Pressed(key));
        let released = |key, long| key_event(KeyEvent::Released { key, long });
        let held = |key| key_event(KeyEvent::LongPressed(key));
        // Enter and 0 act on release (short) or on the long press (learn the keys, audio-only).
        assert!(pressed(Key::Enter).is_none());
        assert!(matches!(released(Key::Enter, false), Some(Event::Activate)));
        assert!(matches!(held(Key::Enter), Some(Event::LearnKeys)));
        assert!(released(Key::Enter, true).is_none());
        assert!(pressed(Key::Digit0).is_none());
        assert!(matches!(
            released(Key::Digit0, false),
            Some(Event::Digit(0))
        ));
        assert!(matches!(held(Key::Digit0), Some(Event::ToggleAudioOnly)));
        assert!(released(Key::Digit0, true).is_none());
        assert!(matches!(held(Key::Cancel), Some(Event::LeaveLearnKeys)));
        assert!(matches!(
            pressed(Key::Cancel),
            Some(Event::Do(Action::Back))
        ));
        assert!(matches!(pressed(Key::Up), Some(Event::FocusPrev)));
        assert!(matches!(pressed(Key::Down), Some(Event::FocusNext)));
        assert!(matches!(
            pressed(Key::CallStaff),
            Some(Event::Do(Action::CallStaff))
        ));
        assert!(matches!(
            pressed(Key::VolumeUp),
            Some(Event::Volume(Step::Up))
        ));
        assert!(matches!(
            pressed(Key::VolumeDown),
            Some(Event::Volume(Step::Down))
        ));
        assert!(matches!(
            pressed(Key::SpeedUp),
            Some(Event::Speed(Step::Up))
        ));
        assert!(matches!(
            pressed(Key::SpeedDown),
            Some(Event::Speed(Step::Down))
        ));
        // Clear and Help act on release (short) or on the long press, never twice.
        assert!(pressed(Key::Clear).is_none());
        assert!(matches!(
            released(Key::Clear, false),
            Some(Event::Backspace)
        ));
        assert!(matches!(held(Key::Clear), Some(Event::ClearEntry)));
        assert!(released(Key::Clear, true).is_none());
        assert!(pressed(Key::Help).is_none());
        assert!(matches!(released(Key::Help, false), Some(Event::Help)));
        assert!(matches!(held(Key::Help), Some(Event::Repeat)));
        assert!(released(Key::Help, true).is_none());
        assert!(released(Key::Down, false).is_none());
        assert!(held(Key::Down).is_none());
        let classifier = ClassifierConfig::default();
        let scanned =
            |text: &str| ScanEvent::Scanned(kiosk_drivers::scanner::classify(text, &classifier));
        assert!(matches!(
            scan_event(&scanned("0499370899")),
            Some(Event::IdentityRead(code)) if code == "0499370899"
        ));
        assert!(matches!(
            scan_event(&scanned("1000120000004275")),
            Some(Event::TrackingScanned(code)) if code == "1000120000004275"
        ));
        assert!(matches!(
            scan_event(&scanned("EMP-2041")),
            Some(Event::StaffCardScanned(code)) if code == "2041"
        ));
        let survey = format!(
            "{}/s/AbCdEfGhIjKlMnOpQrSt",
            kiosk_drivers::scanner::classify::DEFAULT_PORTAL_URL
        );
        assert!(matches!(
            scan_event(&scanned(&survey)),
            Some(Event::SatisfactionScanned(token)) if token == "AbCdEfGhIjKlMnOpQrSt"
        ));
        assert!(scan_event(&scanned("hello")).is_none());
    }
}
