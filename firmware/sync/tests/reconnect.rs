//! A thousand kiosks and a 60 s outage of their server: a discrete-event model (not a load
//! test) of the relay's own policy — its [`Link`], [`Schedule`] and default settings — with the
//! cadence of the scale benchmark (tools/bench/office_scale.sh: a heartbeat a minute, an event
//! pull every five, a case every three minutes per kiosk). Every request is counted per second,
//! failed ones too; the busiest second after the server is back must stay within twice the
//! steady rate, and the same fleet with the old policy (three retry loops per kiosk, each
//! backing off from 1 s) must not — so this test can tell the two apart.

use std::time::Duration;

use kiosk_sync::{Backoff, Job, Link, RelaySettings, Schedule};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

const KIOSKS: usize = 1000;
const HEARTBEAT_S: f64 = 60.0;
const EVENTS_S: f64 = 300.0;
const CASE_EVERY_S: f64 = 180.0;
const STEADY_S: f64 = 60.0;
const OUTAGE_S: f64 = 60.0;
const AFTER_S: f64 = 130.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Policy {
    /// The relay now: one link for everything, reconnections spread.
    Shared,
    /// Before: the outbox on its own backoff from 1 s, each periodic job on its own.
    OldLoops,
}

struct Run {
    steady_rate: f64,
    down_rate: f64,
    after: Vec<usize>,
    /// The longest a case registered during the outage waited after the server was back.
    worst_delivery_after_s: f64,
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn exp(rng: &mut StdRng, mean: f64) -> f64 {
    -rng.random_range(f64::EPSILON..1.0f64).ln() * mean
}

fn simulate(policy: Policy, seed: u64) -> Run {
    let settings = RelaySettings::default();
    let old = Backoff {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(300),
    };
    let backoff = if policy == Policy::Shared {
        settings.backoff
    } else {
        old
    };
    let rng = &mut StdRng::seed_from_u64(seed);
    // Times are offsets from `t0` (an hour in, so a random past phase is representable).
    let t0 = Instant::now() + Duration::from_secs(3600);
    let at = |s: f64| t0 + secs(s);
    let off = |t: Instant| (t - t0).as_secs_f64();
    let (down, up_again, end) = (STEADY_S, STEADY_S + OUTAGE_S, STEADY_S + OUTAGE_S + AFTER_S);
    let mut requests: Vec<f64> = Vec::new();
    let mut worst_delivery = 0.0f64;
    for _ in 0..KIOSKS {
        let mut schedule = Schedule::new(
            [Some(secs(HEARTBEAT_S)), None, Some(secs(EVENTS_S))],
            backoff,
            true,
            t0,
        );
        // A fleet that has been running: each job at a random phase.
        for (job, interval) in [(Job::Heartbeat, HEARTBEAT_S), (Job::Events, EVENTS_S)] {
            let then = t0 - secs(rng.random_range(0.0..interval));
            schedule.succeeded(job, then, rng);
        }
        let mut link = Link::new(backoff, true);
        // The old outbox's own backoff (the old relay's `failures` and `not_before`).
        let mut outbox_link = Link::new(old, true);
        let mut outbox: Vec<f64> = Vec::new();
        let mut next_case = exp(rng, CASE_EVERY_S);
        loop {
            let gate = |l: &Link, t: Instant| l.not_before().map_or(t, |nb| t.max(nb));
            let mut send = schedule.next().unwrap_or(at(end));
            if !outbox.is_empty() {
                let registered = at(outbox[0]);
                send = send.min(match policy {
                    Policy::Shared => registered,
                    Policy::OldLoops => gate(&outbox_link, registered),
                });
            }
            if policy == Policy::Shared {
                send = gate(&link, send);
            }
            let now_s = off(send).min(next_case);
            if now_s >= end {
                break;
            }
            if next_case <= off(send) {
                outbox.push(next_case);
                next_case += exp(rng, CASE_EVERY_S);
                continue;
            }
            let now = at(now_s);
            let server_up = !(down..up_again).contains(&now_s);
            // The outbox first.
            let outbox_open = match policy {
                Policy::Shared => link.open(now),
                Policy::OldLoops => outbox_link.open(now),
            };
            if !outbox.is_empty() && at(outbox[0]) <= now && outbox_open {
                requests.push(now_s);
                if server_up {
                    if outbox.iter().any(|r| (down..up_again).contains(r)) {
                        worst_delivery = worst_delivery.max(now_s - up_again);
                    }
                    outbox.clear();
                    outbox_link.succeeded();
                    if link.succeeded() {
                        schedule.reconnected(None, now, rng);
                    }
                } else if policy == Policy::Shared {
                    link.failed(now, None, rng);
                } else {
                    outbox_link.failed(now, None, rng);
                }
            }
            for job in schedule.due(now) {
                if (policy == Policy::Shared && !link.open(now))
                    || !schedule.due(now).contains(&job)
                {
                    continue;
                }
                requests.push(now_s);
                if server_up {
                    schedule.succeeded(job, now, rng);
                    if policy == Policy::Shared && link.succeeded() {
                        schedule.reconnected(Some(job), now, rng);
                    }
                } else {
                    schedule.failed(job, now, None, rng);
                    if policy == Policy::Shared {
                        link.failed(now, None, rng);
                    }
                }
            }
        }
    }
    let mut after = vec![0usize; AFTER_S as usize];
    let (mut steady, mut during) = (0usize, 0usize);
    for t in requests {
        if t < down {
            steady += 1;
        } else if t < up_again {
            during += 1;
        } else if let Some(c) = after.get_mut((t - up_again) as usize) {
            *c += 1;
        }
    }
    Run {
        steady_rate: steady as f64 / STEADY_S,
        down_rate: during as f64 / OUTAGE_S,
        after,
        worst_delivery_after_s: worst_delivery,
    }
}

#[test]
fn after_a_60_s_outage_a_thousand_kiosks_come_back_within_twice_the_steady_rate() {
    for seed in [1404, 1405, 1406] {
        let run = simulate(Policy::Shared, seed);
        let busiest = *run.after.iter().max().unwrap_or(&0);
        let ratio = busiest as f64 / run.steady_rate;
        let first10 = run.after[..10].iter().sum::<usize>() as f64 / 10.0;
        eprintln!(
            "one link: steady {:.1}/s, while down {:.1}/s, busiest second after {busiest} \
             ({ratio:.2}×), first 10 s {first10:.1}/s, outage cases in by {:.0} s",
            run.steady_rate, run.down_rate, run.worst_delivery_after_s
        );
        assert!(ratio <= 2.0, "busiest second {busiest}: {ratio:.2}× steady");
        assert!(
            run.down_rate <= 2.0 * run.steady_rate,
            "while down the fleet tried {:.1}/s",
            run.down_rate
        );
        // Every case of the outage reached the server within the link's worst wait.
        let worst = Link::new(RelaySettings::default().backoff, true).worst_wait();
        assert!(
            run.worst_delivery_after_s <= worst.as_secs_f64(),
            "a case waited {:.0} s after the server was back",
            run.worst_delivery_after_s
        );
    }
    // The old policy in the same model: the herd the benchmark measured (7.85× there).
    let run = simulate(Policy::OldLoops, 1404);
    let busiest = *run.after.iter().max().unwrap_or(&0);
    let ratio = busiest as f64 / run.steady_rate;
    eprintln!(
        "three loops from 1 s: steady {:.1}/s, while down {:.1}/s, busiest second after \
         {busiest} ({ratio:.2}×)",
        run.steady_rate, run.down_rate
    );
    assert!(
        ratio > 4.0,
        "the old policy's herd should show: {ratio:.2}×"
    );
    assert!(run.down_rate > 4.0 * run.steady_rate);
}
