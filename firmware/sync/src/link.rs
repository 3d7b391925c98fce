//! The device's one view of whether its server can be reached: a single backoff shared by the
//! outbox, the heartbeat, the catalogue check and the event pull.
//!
//! Why one: a device whose server is down used to run three independent retry loops (outbox,
//! heartbeat, event pull), each backing off from 1 s. During a 60 s outage a fleet of 1,000
//! devices then retried at 139 requests/s against 24.7 when all is well, and those retries are
//! what met the server the second it came back (7.85× its steady rate; README, "Measured").
//! With one [`Link`], a failure of any of them (no answer, 5xx, 429/503) closes the link for a
//! backoff wait, nothing is sent until it ends, and then one request — the *probe*: the outbox
//! first, else the periodic job due first — tells whether the server is back. A device in an
//! outage sends one request per wait, whatever it has to send.
//!
//! Why the first wait is 45 s (`RelaySettings::default`), not 1 s: the fleet's rate of probes
//! at any moment is the sum over the devices of 1 / their current window (a full-jitter wait is
//! uniform over its window). Devices notice an outage at their next request, i.e. spread over
//! the outage at the steady rate, so when the server comes back the most recent ones are still
//! in their first window; with a 1 s first window they arrive at up to 1,000 / 1 s. With 45 s
//! (doubling to a 120 s cap) even a fleet all in its first window probes at N / 45 s, below its
//! steady rate (a heartbeat a minute plus cases and event pulls). 30 s was measured too: 1.55×
//! and 2.01× steady in two runs of the benchmark, too close to the goal of 2×. The price: after
//! a short blip a device's next request waits up to 45 s, after a long outage up to 120 s (see
//! [`Link::worst_wait`]); a visitor's case, already stored and on the printed
//! receipt, reaches the server that much later, never lost.
//!
//! A server's `Retry-After` (429, 503) is honoured as it was asked for, for every request of
//! the device: a server over its budget can spread a fleet's return itself.
//!
//! [`Link`] is pure (it is told the time), so the relay, the tests and the scale benchmark's
//! simulated devices (server/examples/office_load) all run this same policy.

use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::error::SyncError;

/// Whether the server can be reached, and when to try again if not.
#[derive(Debug, Clone)]
pub struct Link {
    backoff: Backoff,
    jitter: bool,
    failures: u32,
    not_before: Option<Instant>,
}

impl Link {
    /// A link believed up, which backs off by `backoff` (full jitter unless `jitter` is off).
    pub fn new(backoff: Backoff, jitter: bool) -> Self {
        Self {
            backoff,
            jitter,
            failures: 0,
            not_before: None,
        }
    }

    /// Whether a request may go out at `now`.
    pub fn open(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|t| now >= t)
    }

    /// While the link is failing: when the next request (the probe) may go out.
    pub fn not_before(&self) -> Option<Instant> {
        self.not_before
    }

    /// Failures in a row (0: the last request got an answer).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether the link is failing (its last request got no answer).
    pub fn is_down(&self) -> bool {
        self.failures > 0
    }

    /// The longest a device waits before its next request once the server is back: the
    /// backoff's cap (or a `Retry-After` the server asked for).
    pub fn worst_wait(&self) -> Duration {
        self.backoff.cap
    }

    /// Whether `error` says the server could not be reached or could not answer now (no
    /// answer, 429/503, a gateway's 502 or 504, an answer outside the contract), as opposed to
    /// an answer that concerns this one request: a refusal, credentials, or a server that
    /// answered and failed on it (a 500 for this batch's content must not silence the
    /// heartbeat and the event pull; the request alone waits).
    pub fn is_link_failure(error: &SyncError) -> bool {
        match error {
            SyncError::Server { status } => matches!(status, 502..=504),
            other => other.is_transient(),
        }
    }

    /// A request failed at `now` for want of the server: nothing goes out before the returned
    /// wait ends — `asked` (a `Retry-After`) if the server said, else a backoff wait.
    pub fn failed(
        &mut self,
        now: Instant,
        asked: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let wait = match asked {
            Some(wait) => wait,
            None if self.jitter => self.backoff.delay(self.failures, rng),
            None => self.backoff.window(self.failures),
        };
        self.not_before = Some(now + wait);
        wait
    }

    /// A request got an answer: the link is up. Returns whether it had been down (a
    /// reconnection: the caller spreads what it owes, see [`crate::Schedule::reconnected`]).
    pub fn succeeded(&mut self) -> bool {
        let was_down = self.failures > 0;
        self.failures = 0;
        self.not_before = None;
        was_down
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const B: Backoff = Backoff {
        base: Duration::from_secs(30),
        cap: Duration::from_secs(120),
    };

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_failure_closes_the_link_for_its_wait_and_an_answer_opens_it() {
        let t0 = Instant::now();
        let rng = &mut StdRng::seed_from_u64(5);
        let mut link = Link::new(B, true);
        assert!(link.open(t0));
        assert!(!link.succeeded(), "up already: not a reconnection");
        let wait = link.failed(t0, None, rng);
        assert!(wait <= s(30), "{wait:?}");
        assert!(link.is_down());
        assert_eq!(link.not_before(), Some(t0 + wait));
        if wait > Duration::ZERO {
            assert!(!link.open(t0 + wait - Duration::from_nanos(1)));
        }
        assert!(link.open(t0 + wait));
        assert!(link.succeeded(), "it was down: a reconnection");
        assert!(link.open(t0) && !link.is_down() && link.not_before().is_none());
    }

    #[test]
    fn waits_grow_to_the_cap_and_a_retry_after_is_honoured_as_asked() {
        let t0 = Instant::now();
        let rng = &mut StdRng::seed_from_u64(6);
        let mut herd = Link::new(B, false);
        let waits: Vec<Duration> = (0..5).map(|_| herd.failed(t0, None, rng)).collect();
        assert_eq!(waits, [s(30), s(60), s(120), s(120), s(120)]);
        assert_eq!(herd.failures(), 5);
        // The server said when: that, even past the cap (the client clamps it to an hour).
        assert_eq!(herd.failed(t0, Some(s(600)), rng), s(600));
        assert!(!herd.open(t0 + s(599)));
        assert_eq!(herd.worst_wait(), s(120));
    }

    #[test]
    fn a_failing_device_probes_no_faster_than_one_request_per_mean_wait() {
        // Ten minutes of outage: a device sends one request per wait, and once the window is
        // at its cap the mean wait is half of it (60 s): no faster than its heartbeat.
        let rng = &mut StdRng::seed_from_u64(7);
        let mut link = Link::new(B, true);
        let mut t = Instant::now();
        let end = t + s(600);
        let mut probes = 0;
        while t < end {
            probes += 1;
            t += link.failed(t, None, rng);
        }
        assert!((6..=20).contains(&probes), "{probes} probes in 10 minutes");
    }

    #[test]
    fn which_errors_are_the_links() {
        assert!(Link::is_link_failure(&SyncError::Transport(
            "refused".into()
        )));
        assert!(Link::is_link_failure(&SyncError::Server { status: 502 }));
        assert!(!Link::is_link_failure(&SyncError::Server { status: 500 }));
        assert!(Link::is_link_failure(&SyncError::RateLimited {
            status: 503,
            retry_after: None
        }));
        assert!(!Link::is_link_failure(&SyncError::Refused {
            status: 422,
            reason: String::new()
        }));
        assert!(!Link::is_link_failure(&SyncError::Unauthorized {
            status: 401,
            reason: String::new()
        }));
    }
}
