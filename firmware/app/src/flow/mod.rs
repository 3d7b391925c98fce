//! The visitor's journey as an explicit state machine: events in, effects out.
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
pub mod desk;
mod desk_form;
mod effect;
mod event;
mod machine;
pub mod prompts;
pub mod rating;
mod session;

pub use action::Action;
pub use effect::{Effect, StaffAlert};
pub use event::{Event, FollowUpView, PrinterProblem, RegisteredView, TimelineEntry};
pub use machine::{Flow, FlowSettings, MIN_EXTENSIONS, VISITOR_KINDS};
pub use session::{Lang, Preferences, Screen, Session, TextSize};

#[cfg(test)]
mod tests;
