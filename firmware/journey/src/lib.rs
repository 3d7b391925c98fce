//! The kiosk's three journeys as pure state machines: the visitor at the kiosk ([`Flow`]), the
//! visitor rating a service ([`rating::RatingFlow`]) and staff at the service-desk terminal
//! ([`desk::DeskFlow`]), each behind the one [`Journey`] trait: events in, effects out.
//!
//! Why a crate of its own: a journey decides what happens next and nothing else. It touches no
//! store, screen, device, clock, randomness or async runtime (this crate depends on none of
//! them), so every path of every journey is tested here headless, in milliseconds, and the
//! firmware (firmware/app) is the one place that carries effects out: it shows screens, speaks,
//! commits to the store, prints, and feeds the answers back as events. Whatever a journey needs
//! from the outside world (the current time, a fresh idempotency key, what the store found)
//! arrives in an event.
//!
//! # The visitor's journey
//!
//! The UI, the devices and the timers only ever send [`Event`]s; [`Flow::step`] decides what
//! happens and answers with [`Effect`]s that the app carries out (show a screen, speak, commit a
//! case, print, look a case up, alert staff, arm the inactivity timer). Nothing here touches a
//! screen, a device, the clock or the disk, which is what lets every path of the journey be
//! tested headless, lets the speech layer say everything a screen shows, and lets a tactile
//! keypad do everything a finger can: every screen offers a list of [`Action`]s, a tap performs
//! one directly and the keypad moves a focus ring over the same list.
//!
//! The journey (docs/rules.md R-000-4.4, R-000-4.8, R-001-4.6): attract → identify (card, scan
//! or keypad with live checksum feedback) → case kind → subject (search; out-of-scope subjects
//! lead to guidance instead of a case) → description (on-screen keyboard, preset phrases) →
//! mobile (optional) → review → commit → print → done (tracking code on screen). Also: follow a
//! case up by its tracking code, call staff from anywhere, accessibility options at any time,
//! an inactivity warning that can be extended a bounded number of times before the session is
//! wiped, and a printer-failure path that never loses the committed case.

mod action;
mod card_refusal;
pub mod desk;
mod desk_form;
mod effect;
mod event;
pub mod idle;
mod input;
mod machine;
pub mod multitap;
pub mod prompts;
pub mod rating;
mod rating_how;
mod session;

pub use action::Action;
pub use card_refusal::CardRefusal;
pub use effect::{Effect, SpeechLevels, StaffAlert};
pub use event::{
    Event, FollowUpView, PrinterProblem, RegisteredView, Step, SwitchPress, TimelineEntry,
};
pub use idle::{IdleClock, IdleStep, IdleTimes};
pub use input::{MAX_DESCRIPTION_CHARS, OtherId, VisitorInput};
pub use machine::{Flow, FlowSettings, MIN_EXTENSIONS, StaffCallNews, VISITOR_KINDS};
pub use session::{ColorTheme, IdMode, Lang, Preferences, Screen, Session, TextSize};

/// A journey: the one shape shared by the visitor's [`Flow`], the [`rating::RatingFlow`] and the
/// [`desk::DeskFlow`]. The app feeds it events (from the UI, the devices, the timers and the
/// answers to earlier effects) and carries out the effects it returns, in order.
pub trait Journey {
    /// What the journey takes in.
    type Event;
    /// What the journey asks the app to do.
    type Effect;

    /// One event in, the effects out (possibly none).
    fn step(&mut self, event: Self::Event) -> Vec<Self::Effect>;
}

impl Journey for Flow {
    type Event = Event;
    type Effect = Effect;

    fn step(&mut self, event: Event) -> Vec<Effect> {
        Flow::step(self, event)
    }
}

impl Journey for rating::RatingFlow {
    type Event = rating::RatingEvent;
    type Effect = rating::RatingEffect;

    fn step(&mut self, event: rating::RatingEvent) -> Vec<rating::RatingEffect> {
        rating::RatingFlow::step(self, event)
    }
}

impl Journey for desk::DeskFlow {
    type Event = desk::DeskEvent;
    type Effect = desk::DeskEffect;

    fn step(&mut self, event: desk::DeskEvent) -> Vec<desk::DeskEffect> {
        desk::DeskFlow::step(self, event)
    }
}

#[cfg(test)]
mod assist_tests;
#[cfg(test)]
mod multitap_tests;
#[cfg(test)]
mod notice_consent_tests;
#[cfg(test)]
mod official_tests;
#[cfg(test)]
mod other_id_tests;
#[cfg(test)]
mod settings_tests;
#[cfg(test)]
mod speech_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
