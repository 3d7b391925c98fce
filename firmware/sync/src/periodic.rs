//! The relay's periodic work besides the outbox: the heartbeat (device health), the catalogue
//! check (ETag) and the event pull, each on its own interval.
//!
//! [`Schedule`] is pure: it is told the time (`tokio::time::Instant`) instead of reading a
//! clock, so tests drive it, and the relay through [`crate::Relay::run_due`], with injected
//! time. A job that fails is tried again after a backoff wait (full jitter unless turned off)
//! whose window grows from the backoff's base up to twice the job's interval; one that succeeds
//! waits its interval.
//!
//! Why twice the interval: a full-jitter wait is uniform over its window, so its mean is half
//! the window. Capping the window at the interval (the obvious choice) would make a fleet in an
//! outage retry every interval/2 on average — twice its steady load, exactly when SAMAD comes
//! back. With the window at 2 × interval the mean wait is the interval: a thousand kiosks retry
//! no faster than they beat when all is well, still spread evenly.
//!
//! Why the interval itself is jittered (±10 %): kiosks that start together — power coming back
//! to a whole province — or recover in the same instant would otherwise beat in step forever.
//! A random interval turns such a crowd into a random walk that spreads it over the period
//! within a few beats, and the mean interval stays the configured one.

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::wire::{Catalogue, PrinterHealth};

/// A periodic job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    /// Report the device's health.
    Heartbeat,
    /// Check for a new catalogue.
    Catalogue,
    /// Pull case events back.
    Events,
}

impl Job {
    /// Every job, in the order a round runs them.
    pub const ALL: [Job; 3] = [Job::Heartbeat, Job::Catalogue, Job::Events];

    fn index(self) -> usize {
        match self {
            Job::Heartbeat => 0,
            Job::Catalogue => 1,
            Job::Events => 2,
        }
    }
}

/// What the firmware knows about the device, for the heartbeat: it fills a
/// `tokio::sync::watch` channel and the relay reads the latest value when a heartbeat is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceHealth {
    /// The printer's state and paper.
    pub printer: PrinterHealth,
    /// The firmware's version.
    pub firmware_version: String,
}

impl Default for DeviceHealth {
    /// Nothing known yet: the printer is reported as `offline` with paper `unknown`.
    fn default() -> Self {
        Self {
            printer: PrinterHealth {
                state: "offline".to_owned(),
                paper: "unknown".to_owned(),
            },
            firmware_version: concat!("kiosk-sync/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The catalogue SAMAD last sent, with its ETag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueUpdate {
    /// The catalogue.
    pub catalogue: Catalogue,
    /// Its ETag (sent back as `If-None-Match`).
    pub etag: String,
}

#[derive(Debug, Clone, Copy)]
struct Timer {
    interval: Option<Duration>,
    next: Instant,
    failures: u32,
}

/// When each periodic job is due next.
#[derive(Debug, Clone)]
pub struct Schedule {
    timers: [Timer; 3],
    backoff: Backoff,
    jitter: bool,
}

impl Schedule {
    /// Every enabled job (an interval of `Some`) due at `now`.
    pub fn new(
        intervals: [Option<Duration>; 3],
        backoff: Backoff,
        jitter: bool,
        now: Instant,
    ) -> Self {
        Self {
            timers: intervals.map(|interval| Timer {
                interval,
                next: now,
                failures: 0,
            }),
            backoff,
            jitter,
        }
    }

    /// The jobs due at `now`, in order.
    pub fn due(&self, now: Instant) -> Vec<Job> {
        Job::ALL
            .into_iter()
            .filter(|j| {
                let t = &self.timers[j.index()];
                t.interval.is_some() && t.next <= now
            })
            .collect()
    }

    /// When the next enabled job is due (`None`: every job is off).
    pub fn next(&self) -> Option<Instant> {
        self.timers
            .iter()
            .filter(|t| t.interval.is_some())
            .map(|t| t.next)
            .min()
    }

    /// When `job` is due next (`None`: it is off).
    pub fn next_of(&self, job: Job) -> Option<Instant> {
        let t = &self.timers[job.index()];
        t.interval.map(|_| t.next)
    }

    /// Failures of `job` in a row.
    pub fn failures(&self, job: Job) -> u32 {
        self.timers[job.index()].failures
    }

    /// `job` succeeded at `now`: due again after its interval — with jitter on, a random
    /// interval within ±10 % of it (see the module doc), otherwise exactly the interval.
    pub fn succeeded(&mut self, job: Job, now: Instant, rng: &mut impl Rng) {
        let jitter = self.jitter;
        let t = &mut self.timers[job.index()];
        t.failures = 0;
        if let Some(interval) = t.interval {
            t.next = now
                + if jitter {
                    interval.mul_f64(rng.random_range(0.9..=1.1))
                } else {
                    interval
                };
        }
    }

    /// `job` failed at `now`: due again after a backoff wait (or `asked`, as a `Retry-After`
    /// said) in a window of at most twice its interval (see the module doc). Returns the wait.
    pub fn failed(
        &mut self,
        job: Job,
        now: Instant,
        asked: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        let (backoff, jitter) = (self.backoff, self.jitter);
        let t = &mut self.timers[job.index()];
        t.failures = t.failures.saturating_add(1);
        let Some(interval) = t.interval else {
            return Duration::ZERO;
        };
        let backoff = Backoff {
            base: backoff.base.min(interval),
            cap: interval.saturating_mul(2),
        };
        let wait = match asked {
            Some(wait) => wait.min(backoff.cap),
            None if jitter => backoff.delay(t.failures, rng),
            None => backoff.window(t.failures),
        };
        t.next = now + wait;
        wait
    }

    /// The link came back at `now` (see [`crate::Link`]) after `probe` — the request that found
    /// it up: a periodic job, or `None` for an outbox batch — succeeded. Every job then due is
    /// moved to a uniformly random moment within its interval from `now`, and the probe's next
    /// run to within half an interval either side of one interval from `now` (mean: one
    /// interval, as after any success).
    ///
    /// Why: a fleet that comes back comes back together, within the seconds after the server
    /// restarts. Sent at once, every device's overdue heartbeat and event pull would join its
    /// probe and multiply that peak; and jobs all run at the reconnection would recur in step
    /// one interval later (a heartbeat echo a minute after, then another). Spread over the
    /// interval, each device returns to a random phase and the fleet's rate to its steady one.
    /// A device that has nothing due sends nothing more than its probe.
    pub fn reconnected(&mut self, probe: Option<Job>, now: Instant, rng: &mut impl Rng) {
        for job in Job::ALL {
            let t = &mut self.timers[job.index()];
            let Some(interval) = t.interval else { continue };
            if Some(job) == probe {
                t.next = now + interval.mul_f64(rng.random_range(0.5..=1.5));
            } else if t.next <= now {
                t.next = now + interval.mul_f64(rng.random_range(0.0..=1.0));
            }
        }
    }

    /// `job` is due at once (e.g. the heartbeat's answer names a catalogue we do not have).
    pub fn now(&mut self, job: Job, now: Instant) {
        let t = &mut self.timers[job.index()];
        if t.interval.is_some() {
            t.next = t.next.min(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const BACKOFF: Backoff = Backoff {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(300),
    };

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn jobs_come_due_on_their_own_intervals_with_injected_time() {
        let t0 = Instant::now();
        let rng = &mut StdRng::seed_from_u64(1);
        let mut schedule = Schedule::new([Some(s(60)), Some(s(3600)), None], BACKOFF, false, t0);
        assert_eq!(schedule.due(t0), [Job::Heartbeat, Job::Catalogue]);
        schedule.succeeded(Job::Heartbeat, t0, rng);
        schedule.succeeded(Job::Catalogue, t0, rng);
        assert!(schedule.due(t0 + s(59)).is_empty());
        assert_eq!(schedule.next(), Some(t0 + s(60)));
        assert_eq!(schedule.due(t0 + s(60)), [Job::Heartbeat]);
        assert_eq!(schedule.next_of(Job::Events), None);
        schedule.succeeded(Job::Heartbeat, t0 + s(60), rng);
        assert_eq!(schedule.due(t0 + s(3600)), [Job::Heartbeat, Job::Catalogue]);
        schedule.now(Job::Catalogue, t0 + s(61));
        assert_eq!(schedule.due(t0 + s(61)), [Job::Catalogue]);
    }

    #[test]
    fn failures_back_off_with_jitter_within_twice_the_interval_or_as_told() {
        let t0 = Instant::now();
        let mut rng = StdRng::seed_from_u64(3);
        let mut schedule = Schedule::new([Some(s(60)), None, None], BACKOFF, true, t0);
        let waits: Vec<Duration> = (0..200)
            .map(|_| schedule.failed(Job::Heartbeat, t0, None, &mut rng))
            .collect();
        assert_eq!(schedule.failures(Job::Heartbeat), 200);
        assert!(
            waits.iter().all(|w| *w <= s(120)),
            "never past twice the interval"
        );
        assert!(waits[10..].iter().any(|w| *w < s(12)), "jittered down");
        assert!(waits[10..].iter().any(|w| *w > s(108)), "jittered up");
        // Once the window is full, the mean wait is the interval: an outage does not raise the
        // fleet's request rate above its steady rate.
        let mean = waits[10..].iter().map(Duration::as_secs_f64).sum::<f64>() / 190.0;
        assert!((50.0..70.0).contains(&mean), "mean wait {mean:.1} s");
        let late = schedule.failed(Job::Heartbeat, t0, Some(s(3600)), &mut rng);
        assert_eq!(
            late,
            s(120),
            "a Retry-After longer than two intervals is cut"
        );
        assert_eq!(
            schedule.failed(Job::Heartbeat, t0, Some(s(7)), &mut rng),
            s(7)
        );
        assert_eq!(schedule.next_of(Job::Heartbeat), Some(t0 + s(7)));
        schedule.succeeded(Job::Heartbeat, t0 + s(7), &mut rng);
        assert_eq!(schedule.failures(Job::Heartbeat), 0);

        // Without jitter every kiosk waits exactly the window: the herd stays a herd.
        let mut herd = Schedule::new([Some(s(60)), None, None], BACKOFF, false, t0);
        let waits: Vec<Duration> = (0..4)
            .map(|_| herd.failed(Job::Heartbeat, t0, None, &mut rng))
            .collect();
        assert_eq!(waits, [s(1), s(2), s(4), s(8)]);
        let full: Vec<Duration> = (0..4)
            .map(|_| herd.failed(Job::Heartbeat, t0, None, &mut rng))
            .collect();
        assert_eq!(full, [s(16), s(32), s(64), s(120)]);
    }

    #[test]
    fn a_reconnection_spreads_overdue_jobs_over_their_interval_and_the_probe_off_its_step() {
        let t0 = Instant::now();
        let rng = &mut StdRng::seed_from_u64(11);
        let (mut heartbeats, mut pulls) = (Vec::new(), Vec::new());
        for probe in [Some(Job::Heartbeat), None] {
            for _ in 0..2000 {
                // The heartbeat was the probe (or the outbox was); the event pull is overdue;
                // the catalogue is due in an hour and stays so.
                let mut schedule = Schedule::new(
                    [Some(s(60)), Some(s(3600)), Some(s(300))],
                    BACKOFF,
                    true,
                    t0,
                );
                schedule.succeeded(Job::Catalogue, t0, rng);
                let catalogue = schedule.next_of(Job::Catalogue);
                if probe.is_some() {
                    schedule.succeeded(Job::Heartbeat, t0, rng);
                }
                schedule.reconnected(probe, t0, rng);
                assert_eq!(schedule.next_of(Job::Catalogue), catalogue);
                assert!(schedule.due(t0).is_empty(), "nothing goes at once");
                let hb = (schedule.next_of(Job::Heartbeat).expect("on") - t0).as_secs_f64();
                let ev = (schedule.next_of(Job::Events).expect("on") - t0).as_secs_f64();
                if probe.is_some() {
                    assert!((30.0..=90.0).contains(&hb), "{hb}");
                    heartbeats.push(hb);
                } else {
                    assert!(hb <= 60.0, "{hb}");
                }
                assert!(ev <= 300.0, "{ev}");
                pulls.push(ev);
            }
        }
        // Spread over the whole range, not bunched: each tenth of it holds about a tenth.
        for (values, from, width) in [(&heartbeats, 30.0, 60.0), (&pulls, 0.0, 300.0)] {
            let mut tenths = [0usize; 10];
            for v in values.iter() {
                tenths[(((v - from) / width * 10.0) as usize).min(9)] += 1;
            }
            let n = values.len();
            assert!(
                tenths.iter().all(|c| *c > n / 20 && *c < n * 3 / 20),
                "{tenths:?} of {n}"
            );
        }
    }

    #[test]
    fn a_crowd_that_beats_in_step_spreads_over_the_period() {
        // A thousand kiosks whose heartbeat succeeded in the same instant (a province's power
        // came back): after ten beats their next beats cover the period instead of one moment.
        let t0 = Instant::now();
        let rng = &mut StdRng::seed_from_u64(9);
        let mut crowd: Vec<Schedule> = (0..1000)
            .map(|_| Schedule::new([Some(s(60)), None, None], BACKOFF, true, t0))
            .collect();
        for _ in 0..10 {
            for schedule in &mut crowd {
                let now = schedule.next_of(Job::Heartbeat).expect("enabled");
                schedule.succeeded(Job::Heartbeat, now, rng);
            }
        }
        let offsets: Vec<f64> = crowd
            .iter()
            .map(|c| (c.next_of(Job::Heartbeat).expect("on") - t0).as_secs_f64() % 60.0)
            .collect();
        let mut per_second = [0usize; 60];
        for o in &offsets {
            per_second[*o as usize % 60] += 1;
        }
        let busiest = per_second.iter().copied().max().unwrap_or(0);
        assert!(
            busiest < 100,
            "the busiest second holds {busiest} of 1000 beats (in step: all 1000)"
        );
        let mean: f64 = crowd
            .iter()
            .map(|c| (c.next_of(Job::Heartbeat).expect("on") - t0).as_secs_f64())
            .sum::<f64>()
            / 1000.0;
        assert!(
            (594.0..606.0).contains(&mean),
            "mean interval stays 60 s: {mean}"
        );
    }
}
