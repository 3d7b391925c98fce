//! The kiosk's screens.
//!
//! Laid out like Slint's printerdemo: `pages/`, `components/`, one theme global and `fonts/`
//! with their licence files. The UI knows only view models; the visitor journey itself is a
//! state machine in the firmware, so every screen is driven by events and testable headless.
//!
//! The Slint UI is built by the visitor-kiosk UI issue; until it lands, `kiosk --demo` plays
//! the journey headless and prints what each screen would show.
