//! Switch access at the device: what a press of switch A or B means to the visitor journey
//! (`[switches]` in kiosk.toml; the drivers in drivers/src/keypad/switch.rs).
//!
//! - Two switches: A moves the focus, B selects: [`Event::Switch`] with [`SwitchPress::Move`]
//!   or [`SwitchPress::Select`], so the journey knows its visitor uses switches (on a digit
//!   field the focus ring steps through the digits: firmware/journey/src/machine/switch_digits.rs;
//!   the rating and desk journeys take them as focus moves and Enter).
//! - One switch, scanning: the focus moves by itself every dwell ([`SwitchAccess::due`], polled
//!   by the run loop's scan timer and by the script runner's `wait`), the switch selects, on
//!   the visitor journey's screens and the rating journey's alike ([`Place`]). The automatic
//!   steps are not visitor activity: an abandoned session still times out. Scanning pauses
//!   where there is nothing to choose (printing, checking or saving a rating, the desk's
//!   screens), on the attract screen until the switch check is passed, and while the inactivity
//!   warning shows (its "more time" is focused first, so a press extends), and starts a new
//!   dwell on each new screen.
//! - Calibration (VxMark's "identify inputs"): the first switch press on the attract screen
//!   opens a short check, shown over the attract screen and spoken whatever the speech
//!   setting: press A, then B (or the one switch), each press said and shown as received (a
//!   wrong switch is named, and asked again). Then the attract screen's choices (register,
//!   follow up, rate a service, settings) are walked with A (two switches) or scanned (one
//!   switch), and the select picks one. It runs here, in the
//!   device, rather than as a screen of the journey crate (firmware/journey), which other work
//!   is changing at the same time.
//! - A visitor who used a switch gets the longer idle times of an assisted visitor, as with
//!   speech, until the session ends.
//!
//! Pure over injected time: presses and instants in, what to say and which flow events out.

use std::time::{Duration, Instant};

use kiosk_config::devices::{SwitchBackend, SwitchMode, SwitchSettings};
use kiosk_drivers::keypad::switch::{Switch, SwitchEvent};

use super::{Inbound, Inbox};
use crate::flow::rating::RatingScreen;
use crate::flow::{Event, Lang, Screen, SwitchPress};

/// Where the switch user is, as scanning sees it: each place gets a whole dwell on its first
/// action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A screen of the visitor journey.
    Visitor(Screen),
    /// A screen of the rating journey (a visitor rating a service by its satisfaction code).
    Rating(RatingScreen),
    /// Nothing a visitor chooses from: the desk's screens.
    Staff,
}

impl From<Screen> for Place {
    fn from(screen: Screen) -> Self {
        Self::Visitor(screen)
    }
}

impl Place {
    /// A place with nothing to choose: scanning waits.
    fn still(self) -> bool {
        matches!(
            self,
            Self::Visitor(Screen::Printing)
                | Self::Rating(RatingScreen::Checking | RatingScreen::Saving)
                | Self::Staff
        )
    }
}

/// How long the attract screen's choices wait for a switch user's press after the check.
pub const CHOOSING_FOR: Duration = Duration::from_secs(60);

/// Which switch the calibration waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    A,
    B,
    One,
}

/// What a switch press leads to, in order.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Said (cutting in) and shown while the calibration runs.
    Say(String),
    /// An event for the journey.
    Flow(Event),
}

/// The switch user's state at the device.
#[derive(Debug, Clone)]
pub struct SwitchAccess {
    mode: SwitchMode,
    dwell: Duration,
    asking: Option<Asking>,
    shown: Option<String>,
    active: bool,
    /// Switches checked on the attract screen: its choices (register, follow up, rate…) are
    /// walked with A or scanned, and chosen with the select, until the journey leaves it or
    /// nobody presses for [`CHOOSING_FOR`] (the visitor gone: the next one is checked anew).
    choosing: bool,
    /// The last press while choosing.
    last_press: Option<Instant>,
    next_step: Option<Instant>,
    scanned_place: Option<Place>,
}

impl SwitchAccess {
    /// Switch access as configured; `None` without switches.
    pub fn new(settings: &SwitchSettings) -> Option<Self> {
        (settings.backend != SwitchBackend::None).then_some(Self {
            mode: settings.mode,
            dwell: settings.dwell,
            asking: None,
            shown: None,
            active: false,
            choosing: false,
            last_press: None,
            next_step: None,
            scanned_place: None,
        })
    }

    /// Two switches, or one scanning.
    pub fn mode(&self) -> SwitchMode {
        self.mode
    }

    /// Another mode from now on (the script runner's `switch_mode`).
    pub fn set_mode(&mut self, mode: SwitchMode) {
        self.mode = mode;
    }

    /// Whether a switch user's session runs (longer idle times).
    pub fn active(&self) -> bool {
        self.active
    }

    /// What the calibration shows now, while it runs.
    pub fn shown(&self) -> Option<&str> {
        self.asking.and(self.shown.as_deref())
    }

    /// When the next scanning step is due, if one is.
    pub fn next_step(&self) -> Option<Instant> {
        self.next_step
    }

    /// A switch went down or up; `screen` is the visitor journey's screen.
    pub fn event(
        &mut self,
        event: SwitchEvent,
        screen: Screen,
        lang: Lang,
        now: Instant,
    ) -> Vec<Outcome> {
        let SwitchEvent::Pressed(switch) = event else {
            return Vec::new();
        };
        let say = |text: &str| Outcome::Say(text.to_owned());
        let fa = lang == Lang::Fa;
        if let Some(asking) = self.asking {
            let (next, text) = match (asking, switch) {
                (Asking::A, Switch::A) => (
                    Some(Asking::B),
                    if fa {
                        "کلید الف دریافت شد. حالا کلید ب را بزنید: کلید انتخاب."
                    } else {
                        "Switch A received. Now press switch B, the one that selects."
                    },
                ),
                (Asking::A, Switch::B) => (
                    Some(Asking::A),
                    if fa {
                        "این کلید ب بود. کلید الف را بزنید: کلید جابه‌جایی."
                    } else {
                        "That was switch B. Press switch A, the one that moves."
                    },
                ),
                (Asking::B, Switch::A) => (
                    Some(Asking::B),
                    if fa {
                        "این کلید الف بود. کلید ب را بزنید: کلید انتخاب."
                    } else {
                        "That was switch A. Press switch B, the one that selects."
                    },
                ),
                (Asking::B, Switch::B) => (
                    None,
                    if fa {
                        "کلید ب دریافت شد. هر دو کلید کار می‌کنند. الف جابه‌جا می‌کند، ب انتخاب می‌کند. گزینه‌ی اول، ثبت درخواست، آماده‌ی انتخاب است؛ با الف پیگیری و ارزیابی خدمت را بشنوید."
                    } else {
                        "Switch B received. Both switches work: A moves, B selects. The first choice, register a case, is ready; press A to hear follow up and rate a service."
                    },
                ),
                (Asking::One, _) => (
                    None,
                    if fa {
                        "کلید دریافت شد. گزینه‌ها یکی‌یکی روشن می‌شوند؛ هر وقت گزینه‌ی دلخواه روشن بود کلید را بزنید."
                    } else {
                        "Switch received. The choices light up one by one; press when yours is lit."
                    },
                ),
            };
            self.shown = Some(text.to_owned());
            self.asking = next;
            if next.is_none() {
                self.active = true;
                self.shown = None;
                self.restart_dwell(now);
                // The attract screen's choices are the visitor's: walked with A (two
                // switches) or scanned (one), picked with the select.
                self.choosing = true;
                self.last_press = Some(now);
            }
            return vec![say(text)];
        }
        if screen != Screen::Attract {
            self.choosing = false;
        }
        if self.choosing {
            self.last_press = Some(now);
        }
        if screen == Screen::Attract && !self.choosing {
            let (asking, text) = match self.mode {
                SwitchMode::Two => (
                    Asking::A,
                    if fa {
                        "بررسی کلیدها. کلید الف را بزنید: کلید جابه‌جایی."
                    } else {
                        "Switch check. Press switch A, the one that moves."
                    },
                ),
                SwitchMode::Scan => (
                    Asking::One,
                    if fa {
                        "بررسی کلید. کلید خود را بزنید."
                    } else {
                        "Switch check. Press your switch."
                    },
                ),
            };
            self.asking = Some(asking);
            self.shown = Some(text.to_owned());
            return vec![say(text)];
        }
        // A switch used in a journey started otherwise is a switch user too. One scanning
        // switch's first press there starts the scan rather than choosing what happened to be
        // focused (a rating opened by holding the receipt to the scanner, say).
        if self.mode == SwitchMode::Scan && !self.active {
            self.active = true;
            self.restart_dwell(now);
            return vec![say(if fa {
                "کلید دریافت شد. گزینه‌ها یکی‌یکی خوانده می‌شوند؛ هر وقت گزینه‌ی دلخواه خوانده شد کلید را بزنید."
            } else {
                "Switch received. The choices are read one by one; press when yours is read."
            })];
        }
        self.active = true;
        match (self.mode, switch) {
            (SwitchMode::Two, Switch::A) => vec![Outcome::Flow(Event::Switch(SwitchPress::Move))],
            (SwitchMode::Two, Switch::B) | (SwitchMode::Scan, _) => {
                self.restart_dwell(now);
                vec![Outcome::Flow(Event::Switch(SwitchPress::Select))]
            }
        }
    }

    fn restart_dwell(&mut self, now: Instant) {
        self.next_step = (self.mode == SwitchMode::Scan).then_some(now + self.dwell);
    }

    /// Whether the focus should move by itself at `now`: scanning, a switch user's session at
    /// `place` (`paused` while the inactivity warning shows), nothing being said any more
    /// (`quiet_at`: a step never cuts a sentence off, and a new place's first step comes a
    /// whole dwell after it was read out). Ends the switch session once the journey is back on
    /// the attract screen.
    pub fn due(
        &mut self,
        now: Instant,
        place: impl Into<Place>,
        paused: bool,
        quiet_at: Instant,
    ) -> bool {
        let place = place.into();
        let attract = place == Place::Visitor(Screen::Attract);
        let abandoned = self
            .last_press
            .is_some_and(|at| now.saturating_duration_since(at) >= CHOOSING_FOR);
        if !attract || abandoned {
            self.choosing = false;
        }
        if attract && !self.choosing {
            if self.asking.is_none() {
                self.active = false;
                self.next_step = None;
                self.scanned_place = None;
            }
            return false;
        }
        if self.mode != SwitchMode::Scan || !self.active {
            return false;
        }
        if paused || place.still() || self.scanned_place != Some(place) {
            // A new place (or one back from a pause) gets a whole dwell on its first action.
            self.scanned_place = (!paused && !place.still()).then_some(place);
            self.restart_dwell(now.max(quiet_at));
            return false;
        }
        if now < quiet_at {
            return false;
        }
        match self.next_step {
            Some(at) if now >= at => {
                let next = at + self.dwell;
                self.next_step = Some(if next > now { next } else { now + self.dwell });
                true
            }
            Some(_) => false,
            None => {
                self.restart_dwell(now);
                false
            }
        }
    }
}

/// Forwards the switches' events onto `inbox`, on a thread of their own (as
/// `super::forward_devices` does for the other input devices).
pub fn forward(
    mut stream: kiosk_drivers::EventStream<SwitchEvent>,
    inbox: Inbox,
) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("forward-switches".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!(error = %e, "no runtime to read the switches");
                    return;
                }
            };
            runtime.block_on(async {
                while let Some(event) = stream.next().await {
                    if !inbox.send(Inbound::Switch(event)) {
                        break;
                    }
                }
            });
        })
        .map_err(|e| anyhow::anyhow!("starting the switches thread: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(mode: SwitchMode) -> SwitchAccess {
        SwitchAccess::new(&SwitchSettings {
            backend: SwitchBackend::Sim,
            mode,
            dwell: Duration::from_millis(1500),
        })
        .expect("configured")
    }

    fn press(s: &mut SwitchAccess, switch: Switch, screen: Screen, now: Instant) -> Vec<Outcome> {
        let out = s.event(SwitchEvent::Pressed(switch), screen, Lang::En, now);
        assert!(
            s.event(SwitchEvent::Released(switch), screen, Lang::En, now)
                .is_empty()
        );
        out
    }

    /// `due` with nothing being said.
    fn quiet_due(
        s: &mut SwitchAccess,
        now: Instant,
        place: impl Into<Place>,
        paused: bool,
    ) -> bool {
        s.due(now, place, paused, now)
    }

    fn flow(out: &[Outcome]) -> Vec<String> {
        out.iter()
            .filter_map(|o| match o {
                Outcome::Flow(e) => Some(format!("{e:?}")),
                Outcome::Say(_) => None,
            })
            .collect()
    }

    #[test]
    fn no_switches_no_access() {
        assert!(SwitchAccess::new(&SwitchSettings::default()).is_none());
    }

    #[test]
    fn two_switches_are_checked_a_then_b_and_then_a_moves_and_b_selects() {
        let t = Instant::now();
        let mut s = access(SwitchMode::Two);
        let opened = press(&mut s, Switch::B, Screen::Attract, t);
        assert!(flow(&opened).is_empty(), "the first press opens the check");
        assert_eq!(
            s.shown(),
            Some("Switch check. Press switch A, the one that moves.")
        );
        let wrong = press(&mut s, Switch::B, Screen::Attract, t);
        assert!(
            matches!(&wrong[..], [Outcome::Say(t)] if t == "That was switch B. Press switch A, the one that moves."),
            "{wrong:?}"
        );
        assert!(flow(&press(&mut s, Switch::A, Screen::Attract, t)).is_empty());
        assert!(
            s.shown()
                .is_some_and(|t| t.starts_with("Switch A received"))
        );
        assert!(!s.active());
        let done = press(&mut s, Switch::B, Screen::Attract, t);
        assert!(matches!(done[0], Outcome::Say(ref t) if t.starts_with("Switch B received")));
        assert!(
            flow(&done).is_empty(),
            "the attract screen's choices are walked first"
        );
        assert!(s.active() && s.shown().is_none());
        // On the attract screen A walks its choices and B picks one; ticks change nothing.
        assert!(!quiet_due(&mut s, t, Screen::Attract, false));
        assert_eq!(
            flow(&press(&mut s, Switch::A, Screen::Attract, t)),
            ["Switch(Move)"]
        );
        assert_eq!(
            flow(&press(&mut s, Switch::B, Screen::Attract, t)),
            ["Switch(Select)"]
        );
        assert_eq!(
            flow(&press(&mut s, Switch::A, Screen::Kind, t)),
            ["Switch(Move)"]
        );
        assert_eq!(
            flow(&press(&mut s, Switch::B, Screen::Kind, t)),
            ["Switch(Select)"]
        );
        assert!(
            !quiet_due(&mut s, t + Duration::from_secs(60), Screen::Kind, false),
            "no scanning"
        );
        // Checked but left on the attract screen: after a minute without a press the next
        // visitor is checked anew.
        let mut left = access(SwitchMode::Two);
        press(&mut left, Switch::A, Screen::Attract, t);
        press(&mut left, Switch::A, Screen::Attract, t);
        press(&mut left, Switch::B, Screen::Attract, t);
        assert!(!quiet_due(
            &mut left,
            t + Duration::from_secs(59),
            Screen::Attract,
            false
        ));
        assert_eq!(
            flow(&press(
                &mut left,
                Switch::A,
                Screen::Attract,
                t + Duration::from_secs(59)
            )),
            ["Switch(Move)"],
            "still choosing"
        );
        assert!(!quiet_due(
            &mut left,
            t + Duration::from_secs(119),
            Screen::Attract,
            false
        ));
        assert!(!left.active());
        assert!(
            flow(&press(
                &mut left,
                Switch::A,
                Screen::Attract,
                t + Duration::from_secs(120)
            ))
            .is_empty()
        );
        assert!(left.shown().is_some(), "the check again");
        // Back on attract the switch session is over: the next press checks again.
        assert!(!quiet_due(&mut s, t, Screen::Attract, false));
        assert!(!s.active());
        assert!(flow(&press(&mut s, Switch::A, Screen::Attract, t)).is_empty());
        assert!(s.shown().is_some());
    }

    #[test]
    fn one_switch_scans_at_the_dwell_selects_and_pauses() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = access(SwitchMode::Scan);
        press(&mut s, Switch::A, Screen::Attract, t0);
        assert_eq!(s.shown(), Some("Switch check. Press your switch."));
        let checked = press(&mut s, Switch::A, Screen::Attract, t0);
        assert!(
            flow(&checked).is_empty(),
            "the attract screen's choices are scanned first"
        );
        assert!(s.active());
        // The attract screen's choices are scanned too: a step a dwell later, a press picks.
        assert!(!quiet_due(&mut s, t0 + ms(100), Screen::Attract, false));
        assert!(!quiet_due(&mut s, t0 + ms(1599), Screen::Attract, false));
        assert!(quiet_due(&mut s, t0 + ms(1600), Screen::Attract, false));
        let started = press(&mut s, Switch::A, Screen::Attract, t0 + ms(1700));
        assert_eq!(flow(&started), ["Switch(Select)"]);
        let t0 = t0 + ms(1700);
        // The new screen gets a whole dwell before the first step.
        assert!(!quiet_due(&mut s, t0 + ms(100), Screen::Identify, false));
        assert!(!quiet_due(&mut s, t0 + ms(1599), Screen::Identify, false));
        assert!(quiet_due(&mut s, t0 + ms(1600), Screen::Identify, false));
        assert!(!quiet_due(&mut s, t0 + ms(3099), Screen::Identify, false));
        assert!(quiet_due(&mut s, t0 + ms(3100), Screen::Identify, false));
        // A press selects and starts the dwell again.
        assert_eq!(
            flow(&press(&mut s, Switch::A, Screen::Identify, t0 + ms(3500))),
            ["Switch(Select)"]
        );
        assert!(!quiet_due(&mut s, t0 + ms(4999), Screen::Identify, false));
        // The warning pauses scanning; afterwards a whole dwell again.
        assert!(!quiet_due(&mut s, t0 + ms(6000), Screen::Identify, true));
        assert!(!quiet_due(&mut s, t0 + ms(7000), Screen::Identify, false));
        assert!(quiet_due(&mut s, t0 + ms(8500), Screen::Identify, false));
        assert!(
            !quiet_due(&mut s, t0 + ms(9000), Screen::Printing, false),
            "nothing to scan"
        );
        assert!(!quiet_due(&mut s, t0 + ms(9000), Screen::Attract, false));
        assert!(!s.active(), "the session ended");
        assert_eq!(s.next_step(), None);
    }
    #[test]
    fn one_switch_first_pressed_on_a_rating_starts_the_scan_and_scans_its_screens() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = access(SwitchMode::Scan);
        let faces = Place::Rating(RatingScreen::Faces);
        // A rating opened by the scanner: nothing scans until the switch is pressed, and that
        // press chooses nothing.
        assert!(!quiet_due(&mut s, t0, faces, false));
        let first = press(&mut s, Switch::A, Screen::FollowUp, t0);
        assert!(flow(&first).is_empty(), "the first press starts the scan");
        assert!(matches!(&first[..], [Outcome::Say(t)] if t.contains("one by one")));
        assert!(!quiet_due(&mut s, t0 + ms(100), faces, false));
        assert!(quiet_due(&mut s, t0 + ms(1600), faces, false));
        assert_eq!(
            flow(&press(&mut s, Switch::A, Screen::FollowUp, t0 + ms(1700))),
            ["Switch(Select)"]
        );
        // Checking or saving a rating has nothing to choose; the reasons get a whole dwell.
        let t1 = t0 + ms(1700);
        assert!(!quiet_due(
            &mut s,
            t1 + ms(2000),
            Place::Rating(RatingScreen::Saving),
            false
        ));
        let reasons = Place::Rating(RatingScreen::Reasons);
        assert!(!quiet_due(&mut s, t1 + ms(2100), reasons, false));
        assert!(!quiet_due(&mut s, t1 + ms(3599), reasons, false));
        assert!(quiet_due(&mut s, t1 + ms(3600), reasons, false));
        assert!(
            !quiet_due(&mut s, t1 + ms(4000), Place::Staff, false),
            "the desk is not scanned"
        );
    }

    #[test]
    fn a_scanning_step_waits_until_what_is_said_has_been_said() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = access(SwitchMode::Scan);
        press(&mut s, Switch::A, Screen::Attract, t0);
        press(&mut s, Switch::A, Screen::Attract, t0);
        // The check's answer is said for 6 s: the first step comes a dwell after it.
        let said_until = t0 + ms(6000);
        assert!(!s.due(t0 + ms(1600), Screen::Attract, false, said_until));
        assert!(!s.due(t0 + ms(7400), Screen::Attract, false, said_until));
        assert!(s.due(t0 + ms(7500), Screen::Attract, false, said_until));
        // A label said at the step, shorter than a dwell, does not slow the scan.
        let label_until = t0 + ms(7900);
        assert!(s.due(t0 + ms(9000), Screen::Attract, false, label_until));
        // A longer sentence holds the next step until it ends.
        let long_until = t0 + ms(12_000);
        assert!(!s.due(t0 + ms(10_500), Screen::Attract, false, long_until));
        assert!(s.due(t0 + ms(12_000), Screen::Attract, false, long_until));
    }
}
