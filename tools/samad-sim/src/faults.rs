//! Fault injection: what the simulator does to a request instead of (or besides) answering it
//! well. Faults come from a script (consumed one per request, in order) or at random with given
//! odds, so a test can stage one exact failure or a storm of mixed ones. Set through the library
//! ([`crate::SimHandle::faults`]) or the admin endpoint `POST /admin/faults`.

use std::collections::VecDeque;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// One fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Fault {
    /// Answer with this HTTP status and a problem body; nothing is committed.
    Status {
        /// The status.
        status: u16,
    },
    /// Wait this long, then answer normally.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// Abort the connection without an answer; nothing is committed.
    Reset,
    /// Commit, then answer 200 with a body that is not JSON.
    Garbage,
    /// Commit, then abort the connection without an answer.
    DropAfterCommit,
    /// Answer 429 with `Retry-After`; nothing is committed.
    RateLimit {
        /// Seconds in `Retry-After`.
        retry_after_s: u64,
    },
    /// Answer 503 with `Retry-After` in its HTTP-date form, this many seconds ahead; nothing is
    /// committed.
    UnavailableUntil {
        /// Seconds from now to the date in `Retry-After`.
        retry_after_s: u64,
    },
}

/// Random faults: each request draws one fault with these odds (per mille; the rest pass).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomFaults {
    /// Seed of the draw, so a run can be repeated.
    pub seed: u64,
    /// The faults with their odds in ‰.
    pub odds: Vec<(Fault, u32)>,
}

/// The simulator's fault plan.
#[derive(Debug, Default)]
pub struct FaultPlan {
    script: VecDeque<Fault>,
    random: Option<(RandomFaults, StdRng)>,
}

/// What the admin endpoint takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaultRequest {
    /// Faults for the next requests, in order.
    #[serde(default)]
    pub script: Vec<Fault>,
    /// Random faults after the script.
    #[serde(default)]
    pub random: Option<RandomFaults>,
}

impl FaultPlan {
    /// Appends faults for the next requests.
    pub fn script(&mut self, faults: impl IntoIterator<Item = Fault>) {
        self.script.extend(faults);
    }

    /// Draws faults at random with `random`'s odds once the script is used up.
    pub fn randomly(&mut self, random: RandomFaults) {
        let rng = StdRng::seed_from_u64(random.seed);
        self.random = Some((random, rng));
    }

    /// No more faults.
    pub fn clear(&mut self) {
        self.script.clear();
        self.random = None;
    }

    /// Scripted faults not yet used.
    pub fn pending(&self) -> usize {
        self.script.len()
    }

    /// The fault for the next request, if any.
    pub fn next_fault(&mut self) -> Option<Fault> {
        if let Some(f) = self.script.pop_front() {
            return Some(f);
        }
        let (random, rng) = self.random.as_mut()?;
        let mut draw = rng.random_range(0..1000u32);
        for (fault, odds) in &random.odds {
            if draw < *odds {
                return Some(*fault);
            }
            draw -= odds;
        }
        None
    }
}

impl Fault {
    /// The delay this fault adds, if it is a delay.
    pub fn delay(self) -> Option<Duration> {
        match self {
            Self::Delay { ms } => Some(Duration::from_millis(ms)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_comes_first_then_the_random_draw_with_its_odds() {
        let mut plan = FaultPlan::default();
        plan.script([Fault::Reset, Fault::Garbage]);
        plan.randomly(RandomFaults {
            seed: 1,
            odds: vec![(Fault::Status { status: 503 }, 500)],
        });
        assert_eq!(plan.next_fault(), Some(Fault::Reset));
        assert_eq!(plan.next_fault(), Some(Fault::Garbage));
        let draws: Vec<Option<Fault>> = (0..2000).map(|_| plan.next_fault()).collect();
        let faults = draws.iter().filter(|d| d.is_some()).count();
        assert!((800..1200).contains(&faults), "{faults}");
        plan.clear();
        assert_eq!(plan.next_fault(), None);
    }

    #[test]
    fn faults_read_as_the_admin_endpoint_takes_them() {
        let req: FaultRequest = serde_json::from_str(
            r#"{"script":[{"kind":"status","status":503},{"kind":"rate_limit","retry_after_s":2},
                {"kind":"drop_after_commit"}]}"#,
        )
        .unwrap_or_default();
        assert_eq!(
            req.script,
            [
                Fault::Status { status: 503 },
                Fault::RateLimit { retry_after_s: 2 },
                Fault::DropAfterCommit
            ]
        );
    }
}
