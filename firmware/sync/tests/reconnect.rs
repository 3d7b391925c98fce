//! A thousand kiosks coming back at once: a discrete-time model (not a load test) of the
//! relay's own backoff, with the relay's default settings. All kiosks lose SAMAD at the same
//! instant (a regional outage after a power cut: they all boot and try together) and keep
//! failing until the outage ends; afterwards each kiosk goes back to one request per period.
//! With full jitter the requests after the outage spread over the backoff window, so the peak
//! stays within twice the steady rate; without jitter they arrive together.

use std::time::Duration;

use kiosk_sync::{Backoff, RelaySettings};
use rand::SeedableRng;
use rand::rngs::StdRng;

const KIOSKS: usize = 1000;
/// A kiosk's steady request period (heartbeat or outbox round).
const PERIOD_S: f64 = 60.0;
const OUTAGE_S: f64 = 1800.0;
const BUCKET_S: f64 = 10.0;
const AFTER_S: f64 = 1200.0;

/// Requests per bucket from the end of the outage on, for kiosks whose wait after `n`
/// failures is `wait(n)`.
fn buckets_after_outage(mut wait: impl FnMut(u32) -> Duration) -> Vec<u32> {
    let mut buckets = vec![0u32; (AFTER_S / BUCKET_S) as usize];
    for _ in 0..KIOSKS {
        let (mut t, mut failures) = (0.0f64, 0u32);
        // Failing while the outage lasts.
        while t < OUTAGE_S {
            failures += 1;
            t += wait(failures).as_secs_f64();
        }
        // Back to the steady period after the first success.
        while t < OUTAGE_S + AFTER_S {
            let slot = ((t - OUTAGE_S) / BUCKET_S) as usize;
            if let Some(b) = buckets.get_mut(slot) {
                *b += 1;
            }
            t += PERIOD_S;
        }
    }
    buckets
}

fn steady_per_bucket() -> f64 {
    KIOSKS as f64 * BUCKET_S / PERIOD_S
}

#[test]
fn after_an_outage_a_thousand_kiosks_come_back_within_twice_the_steady_rate() {
    let backoff: Backoff = RelaySettings::default().backoff;
    let mut rng = StdRng::seed_from_u64(1404);
    let jittered = buckets_after_outage(|n| backoff.delay(n, &mut rng));
    let peak = f64::from(*jittered.iter().max().unwrap_or(&0));
    let ratio = peak / steady_per_bucket();
    eprintln!(
        "full jitter: peak {peak} per {BUCKET_S}s, steady {}, ratio {ratio:.2}",
        steady_per_bucket()
    );
    assert!(ratio <= 2.0, "peak {peak} is {ratio:.2}× the steady rate");
    // Every kiosk did come back within the window.
    let total: u32 = jittered.iter().sum();
    assert!(f64::from(total) >= KIOSKS as f64 * (AFTER_S - backoff.cap.as_secs_f64()) / PERIOD_S);

    // The same kiosks without jitter arrive as one herd.
    let herd = buckets_after_outage(|n| backoff.window(n));
    let herd_peak = f64::from(*herd.iter().max().unwrap_or(&0));
    eprintln!(
        "no jitter: peak {herd_peak}, ratio {:.2}",
        herd_peak / steady_per_bucket()
    );
    assert!(herd_peak / steady_per_bucket() > 5.0);
}
