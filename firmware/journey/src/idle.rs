//! The inactivity clock, one for every journey (the firmware's device loop runs it): a visitor who stops answering is warned, then
//! their session ends, so nobody finds the last person's national code on the screen.
//!
//! The clock runs only while armed. The visitor journey arms and stops it through the flow's
//! `ArmIdleTimer` / `StopIdleTimer` effects (never on the attract screen, never while a receipt
//! prints); the rating journey arms it on each input; the desk terminal arms it while a staff
//! member is logged in. [`IdleClock::check`] reports the warning once, then the end once; any
//! activity ([`IdleClock::restart`]) starts the countdown again and takes the warning away.
//! Time is injected (an `Instant` the caller read), so the tests and the script runner drive it
//! without sleeping; nothing here reads a clock.

use std::time::{Duration, Instant};

/// How long a visitor may be idle: first a warning (with a button to extend), then the session
/// is wiped. The warning leaves at least 20 s to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleTimes {
    /// Inactivity before the warning.
    pub warn_after: Duration,
    /// Time the warning stays up before the session ends.
    pub expire_after: Duration,
}

impl Default for IdleTimes {
    fn default() -> Self {
        Self {
            warn_after: Duration::from_secs(90),
            expire_after: Duration::from_secs(30),
        }
    }
}

/// What the clock says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleStep {
    /// Warn the visitor now; the session ends after `expire_after` more.
    Warn,
    /// The warning went unanswered: end the session.
    Expire,
}

/// An inactivity countdown with a warning.
#[derive(Debug, Clone)]
pub struct IdleClock {
    times: IdleTimes,
    armed: bool,
    since: Instant,
    warned: bool,
}

impl IdleClock {
    /// A stopped clock with these times.
    pub fn new(times: IdleTimes, now: Instant) -> Self {
        Self {
            times,
            armed: false,
            since: now,
            warned: false,
        }
    }

    /// The times it counts.
    pub fn times(&self) -> IdleTimes {
        self.times
    }

    /// Counts with other times from now on.
    pub fn set_times(&mut self, times: IdleTimes) {
        self.times = times;
    }

    /// Activity: the countdown starts again from `now` and the warning is gone.
    pub fn restart(&mut self, now: Instant) {
        self.armed = true;
        self.since = now;
        self.warned = false;
    }

    /// Nothing to protect (the attract screen, a receipt printing, nobody logged in).
    pub fn stop(&mut self) {
        self.armed = false;
        self.warned = false;
    }

    /// Whether the countdown runs.
    pub fn is_armed(&self) -> bool {
        self.armed
    }

    /// Whether the warning has been given and not answered.
    pub fn is_warning(&self) -> bool {
        self.armed && self.warned
    }

    /// How long nothing has happened, at `now` (`None` while stopped). For a journey without a
    /// warning (the desk terminal), which ends after both times together.
    pub fn inactive_for(&self, now: Instant) -> Option<Duration> {
        (self.armed && !self.warned).then(|| now.saturating_duration_since(self.since))
    }

    /// The warning's whole seconds left at `now` (0 when no warning runs).
    pub fn seconds_left(&self, now: Instant) -> u64 {
        if !self.is_warning() {
            return 0;
        }
        let waited = now.saturating_duration_since(self.since);
        self.times.expire_after.saturating_sub(waited).as_secs()
    }

    /// What the time `now` brings: the warning once `warn_after` has passed without activity,
    /// then the end once `expire_after` more has passed. Each is reported once; after the end
    /// the clock is stopped.
    pub fn check(&mut self, now: Instant) -> Option<IdleStep> {
        if !self.armed {
            return None;
        }
        let waited = now.saturating_duration_since(self.since);
        if !self.warned {
            if waited < self.times.warn_after {
                return None;
            }
            self.warned = true;
            // The warning's own countdown starts when it is given.
            self.since = now;
            return Some(IdleStep::Warn);
        }
        if waited < self.times.expire_after {
            return None;
        }
        self.stop();
        Some(IdleStep::Expire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times() -> IdleTimes {
        IdleTimes {
            warn_after: Duration::from_secs(60),
            expire_after: Duration::from_secs(20),
        }
    }

    #[test]
    fn a_stopped_clock_never_warns() {
        let t0 = Instant::now();
        let mut clock = IdleClock::new(times(), t0);
        assert_eq!(clock.check(t0 + Duration::from_secs(3600)), None);
        clock.restart(t0);
        clock.stop();
        assert_eq!(clock.check(t0 + Duration::from_secs(3600)), None);
    }

    #[test]
    fn warns_once_then_expires_once_counting_the_warning_from_when_it_was_given() {
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        let mut clock = IdleClock::new(times(), t0);
        clock.restart(t0);
        assert_eq!(clock.check(s(59)), None);
        // A late tick: the warning still gets its whole 20 s from when it shows.
        assert_eq!(clock.check(s(75)), Some(IdleStep::Warn));
        assert_eq!(clock.seconds_left(s(80)), 15);
        assert_eq!(clock.check(s(94)), None);
        assert_eq!(clock.check(s(95)), Some(IdleStep::Expire));
        assert!(!clock.is_armed());
        assert_eq!(clock.check(s(500)), None);
    }

    #[test]
    fn activity_during_the_warning_starts_the_whole_countdown_again() {
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        let mut clock = IdleClock::new(times(), t0);
        clock.restart(t0);
        assert_eq!(clock.check(s(60)), Some(IdleStep::Warn));
        clock.restart(s(70));
        assert!(!clock.is_warning());
        assert_eq!(clock.seconds_left(s(71)), 0);
        assert_eq!(clock.check(s(129)), None);
        assert_eq!(clock.check(s(130)), Some(IdleStep::Warn));
    }
}
