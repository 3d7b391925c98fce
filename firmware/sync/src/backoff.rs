//! Exponential backoff with full jitter: after `n` failures in a row wait a uniformly random
//! time between zero and `min(cap, base × 2ⁿ)`. Why full jitter: a thousand kiosks that lost
//! the network together must not come back together; spreading each wait over the whole
//! window keeps SAMAD's peak near its steady rate (AWS Architecture Blog, "Exponential Backoff
//! And Jitter", 2015).

use std::time::Duration;

use rand::Rng;

/// The backoff window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The window after the first failure.
    pub base: Duration,
    /// The largest window.
    pub cap: Duration,
}

impl Backoff {
    /// The window after `failures` failures in a row (`failures` ≥ 1).
    pub fn window(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(32);
        self.base
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// A random wait in the window after `failures` failures.
    pub fn delay(&self, failures: u32, rng: &mut impl Rng) -> Duration {
        let window = self.window(failures);
        let nanos = u64::try_from(window.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const B: Backoff = Backoff {
        base: Duration::from_millis(500),
        cap: Duration::from_secs(60),
    };

    #[test]
    fn the_window_doubles_up_to_the_cap() {
        assert_eq!(B.window(1), Duration::from_millis(500));
        assert_eq!(B.window(2), Duration::from_secs(1));
        assert_eq!(B.window(5), Duration::from_secs(8));
        assert_eq!(B.window(8), Duration::from_secs(60));
        assert_eq!(B.window(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn delays_fill_the_whole_window_and_never_leave_it() {
        let mut rng = StdRng::seed_from_u64(7);
        let window = B.window(4);
        let delays: Vec<Duration> = (0..10_000).map(|_| B.delay(4, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d <= window));
        // Full jitter: the lowest and highest tenths of the window both occur.
        assert!(delays.iter().any(|d| *d < window / 10));
        assert!(delays.iter().any(|d| *d > window * 9 / 10));
        let mean = delays.iter().sum::<Duration>() / 10_000;
        assert!(mean > window * 4 / 10 && mean < window * 6 / 10, "{mean:?}");
    }
}
