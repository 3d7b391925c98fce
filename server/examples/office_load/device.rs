//! One simulated device: the firmware relay's behaviour toward the server, without its SQLite
//! store (an in-memory outbox instead, so that ten thousand devices fit beside the server and
//! PostgreSQL on two cores).
//!
//! Each device has its own `kiosk_sync::SamadClient` (the firmware's client: its own
//! connection pool and TLS connection, gzip above 4 KiB, the wire types) and its own bearer
//! token, and runs the relay's own policy types with the relay's default settings
//! (`kiosk_sync::RelaySettings::default()`), not a copy of them: like the relay
//! (firmware/sync/src/relay.rs) it sends its outbox in batches of at most `batch_items` (the
//! relay's default 50) as soon as a case is registered, the next batch at once after a success;
//! heartbeats and event pulls run on the relay's `kiosk_sync::Schedule` (interval ±10 %); and
//! every request goes through the device's one `kiosk_sync::Link`: a failure for want of the
//! server (no answer, 5xx, 429/503) holds every request of the device for the relay's backoff
//! (full jitter, 45 s doubling to 120 s) or the `Retry-After` asked for, then one probe goes
//! (the outbox first), and the answer that finds the server back spreads the periodic jobs owed
//! over their intervals (`Schedule::reconnected`). Cases arrive as a Poisson process of the
//! configured mean interval while the phase registers cases.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_sync::wire::{Heartbeat, ItemType, OutboxHealth, PrinterHealth, SubmitBatch, SubmitItem};
use kiosk_sync::{Job, Link, RelaySettings, SamadClient, Schedule, SyncError};
use rand::Rng as _;
use serde_json::value::RawValue;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use uuid::Uuid;

/// Where the run is; every device follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Every device makes its first requests (its connection opens); nothing measured.
    Warmup,
    /// Every device sends its prefilled outbox, batches gated (closed loop).
    Capacity,
    /// The fleet at its cadence.
    Steady,
    /// The server is down; cases keep being registered.
    Outage,
    /// The server is back: the backlog drains while the cadence goes on.
    Drain,
    /// The end.
    Stop,
}

impl Phase {
    fn registers(self) -> bool {
        matches!(self, Self::Steady | Self::Outage | Self::Drain)
    }

    fn gated(self) -> bool {
        matches!(self, Self::Warmup | Self::Capacity)
    }
}

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A batch of cases.
    Batch,
    /// A heartbeat.
    Heartbeat,
    /// An event pull.
    Events,
}

/// One request as the device saw it.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// When it was sent, since the run's start.
    pub at: Duration,
    /// Until its answer was read.
    pub latency: Duration,
    /// What it was.
    pub kind: Kind,
    /// An answer of the contract (else transport error or HTTP error).
    pub ok: bool,
    /// Items delivered by it.
    pub items: u32,
}

/// Settings every device shares.
#[derive(Debug, Clone, Copy)]
pub struct Cadence {
    /// Mean interval between two cases of one device.
    pub case_every: Duration,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Event pull interval.
    pub events: Duration,
    /// Items per batch at most.
    pub batch_items: usize,
}

/// What the devices share with the conductor.
pub struct Shared {
    /// The run's start.
    pub t0: Instant,
    /// Every request.
    pub records: Mutex<Vec<Record>>,
    /// Requests in flight while the phase is gated.
    pub gate: Semaphore,
    /// The cadence.
    pub cadence: Cadence,
    /// Devices that made their first round.
    pub warm: AtomicU64,
    /// Prefilled items not yet delivered.
    pub capacity_left: AtomicU64,
    /// Items registered during the outage not yet delivered.
    pub outage_left: AtomicU64,
    /// Items registered during the outage.
    pub outage_items: AtomicU64,
    /// Items registered (prefill included).
    pub registered: AtomicU64,
    /// Items the server accepted (201, or 200 for one sent again).
    pub delivered: AtomicU64,
    /// Items the server refused (409, 422): none expected.
    pub refused: AtomicU64,
    /// The first refusals' reasons.
    pub refusals: Mutex<Vec<String>>,
}

/// A case waiting in a device's outbox.
pub struct Pending {
    id: Uuid,
    payload: Box<RawValue>,
    registered_in: Phase,
}

/// First nine digits of the national codes the simulated visitors give (the check digit is
/// computed).
const NATIONALS: [[u8; 9]; 8] = [
    [0, 0, 1, 2, 3, 4, 5, 6, 7],
    [0, 4, 9, 9, 3, 7, 0, 8, 9],
    [1, 2, 7, 0, 4, 5, 6, 1, 3],
    [2, 2, 8, 1, 9, 3, 4, 0, 5],
    [3, 8, 6, 0, 2, 7, 1, 4, 8],
    [4, 3, 2, 9, 8, 1, 6, 5, 0],
    [5, 1, 7, 3, 6, 2, 9, 8, 4],
    [0, 0, 8, 4, 5, 7, 5, 9, 4],
];

const KINDS: [&str; 4] = ["complaint", "request", "suggestion", "appreciation"];

/// A description of realistic length (about 190 characters of Persian).
const DESCRIPTION: &str = "درخواست رسیدگی به پرونده ثبت‌شده در واحد پاسخگویی؛ مراجعه‌کننده \
     اعلام کرده است که پاسخ نامه قبلی را دریافت نکرده و خواستار پیگیری و اعلام نتیجه از طریق \
     پیامک است.";

/// The case `sequence` of `kiosk`, as the kiosk's store writes it (`case()` of the server's
/// contract tests, with a realistic description).
pub fn case(kiosk: u32, sequence: u64, registered_in: Phase) -> anyhow::Result<Pending> {
    let id = Uuid::new_v4();
    let tracking =
        kiosk_core::TrackingCode::new(kiosk_core::KioskNumber::new(kiosk)?, sequence)?.as_string();
    let pick = usize::try_from(sequence % 8).unwrap_or_default();
    let nine = NATIONALS[pick];
    let check = kiosk_core::national_code::expected_check_digit(&nine);
    let national: String = nine
        .iter()
        .chain(std::iter::once(&check))
        .map(|d| char::from(b'0' + d))
        .collect();
    let payload = serde_json::json!({
        "payload_version": 1, "client_uuid": id,
        "tracking_code": tracking,
        "kiosk_number": kiosk, "sequence": sequence, "kind": KINDS[pick % KINDS.len()],
        "subject_id": "SUBJ-1", "service_id": null, "national_code": national,
        "phone": "09121234567", "description": DESCRIPTION,
        "registered_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "due_date": "2026-12-07", "due_jalali": "۱۴۰۵/۰۹/۱۶", "unit": "واحد پاسخگویی"
    });
    Ok(Pending {
        id,
        payload: RawValue::from_string(payload.to_string())?,
        registered_in,
    })
}

fn exponential(mean: Duration) -> Duration {
    let u: f64 = rand::rng().random_range(f64::EPSILON..1.0);
    mean.mul_f64(-u.ln())
}

/// One device until the phase is [`Phase::Stop`]. `prefill` is its outbox for the capacity
/// phase; its own cases are numbered after it.
pub async fn run(
    kiosk: u32,
    client: SamadClient,
    prefill: Vec<Pending>,
    shared: Arc<Shared>,
    mut phase_rx: watch::Receiver<Phase>,
) {
    let cadence = shared.cadence;
    let started = Instant::now();
    let mut sequence = u64::try_from(prefill.len()).unwrap_or_default();
    let mut prefill = Some(prefill);
    let mut outbox: VecDeque<Pending> = VecDeque::new();
    let settings = RelaySettings::default();
    let mut link = Link::new(settings.backoff, settings.jitter);
    let mut next_case: Option<Instant> = None;
    let mut cursor: Option<String> = None;
    let mut last_sync = None;
    let mut warmed = false;
    let mut schedule = Schedule::new(
        [Some(cadence.heartbeat), None, Some(cadence.events)],
        settings.backoff,
        settings.jitter,
        started,
    );
    // At the stop a device registers nothing more but still sends what its outbox holds (a
    // case waiting out its link's window is owed, not lost), for at most five minutes.
    let mut stop_by: Option<Instant> = None;
    loop {
        let phase = *phase_rx.borrow_and_update();
        if phase == Phase::Stop {
            let by = *stop_by.get_or_insert_with(|| Instant::now() + Duration::from_secs(300));
            if outbox.is_empty() || Instant::now() >= by {
                return;
            }
        }
        let now = Instant::now();
        if phase == Phase::Capacity
            && let Some(items) = prefill.take()
        {
            outbox.extend(items);
        }
        if phase.registers() {
            let mut due = *next_case.get_or_insert_with(|| now + exponential(cadence.case_every));
            while due <= now {
                sequence += 1;
                match case(kiosk, sequence, phase) {
                    Ok(p) => {
                        shared.registered.fetch_add(1, Ordering::Relaxed);
                        if phase == Phase::Outage {
                            shared.outage_items.fetch_add(1, Ordering::Relaxed);
                            shared.outage_left.fetch_add(1, Ordering::Relaxed);
                        }
                        outbox.push_back(p);
                    }
                    Err(e) => eprintln!("kiosk {kiosk}: no case {sequence}: {e}"),
                }
                due += exponential(cadence.case_every);
            }
            next_case = Some(due);
        }
        // The outbox first (the relay's order), and nothing while the link waits.
        let mut sent_batch = false;
        if !outbox.is_empty() && link.open(now) && phase != Phase::Warmup {
            sent_batch = true;
            let n = outbox.len().min(cadence.batch_items);
            let batch = SubmitBatch {
                items: outbox
                    .iter()
                    .take(n)
                    .map(|p| SubmitItem {
                        item_id: p.id,
                        item_type: ItemType::Case,
                        payload: p.payload.clone(),
                    })
                    .collect(),
            };
            let _permit = if phase.gated() {
                shared.gate.acquire().await.ok()
            } else {
                None
            };
            let sent = Instant::now();
            let answer = client.submit_batch(&batch).await;
            let latency = sent.elapsed();
            let mut delivered = 0u32;
            match &answer {
                Ok(result) => {
                    if link.succeeded() {
                        schedule.reconnected(None, Instant::now(), &mut rand::rng());
                    }
                    last_sync = Some(chrono::Utc::now());
                    for (p, r) in outbox.drain(..n).zip(&result.results) {
                        if matches!(r.status, 200 | 201) {
                            delivered += 1;
                        } else {
                            shared.refused.fetch_add(1, Ordering::Relaxed);
                            let mut reasons =
                                shared.refusals.lock().unwrap_or_else(|e| e.into_inner());
                            if reasons.len() < 5 {
                                reasons.push(format!(
                                    "kiosk {kiosk}: {} {}",
                                    r.status,
                                    r.reason.as_deref().unwrap_or("")
                                ));
                            }
                        }
                        match p.registered_in {
                            Phase::Warmup | Phase::Capacity => {
                                shared.capacity_left.fetch_sub(1, Ordering::Relaxed);
                            }
                            Phase::Outage => {
                                shared.outage_left.fetch_sub(1, Ordering::Relaxed);
                            }
                            _ => {}
                        }
                    }
                    shared
                        .delivered
                        .fetch_add(u64::from(delivered), Ordering::Relaxed);
                }
                Err(e) => {
                    link.failed(Instant::now(), asked(e), &mut rand::rng());
                }
            }
            record(
                &shared,
                sent,
                latency,
                Kind::Batch,
                answer.is_ok(),
                delivered,
            );
        }
        let now = Instant::now();
        let due = if link.open(now) {
            schedule.due(now)
        } else {
            Vec::new()
        };
        if !due.is_empty() {
            for job in due {
                // The link closed, or a reconnection moved this job (see `Schedule::reconnected`).
                let at = Instant::now();
                if !link.open(at) || !schedule.due(at).contains(&job) {
                    continue;
                }
                // Only warm-up gates these: in the capacity phase the outboxes take turns but
                // heartbeats and event pulls keep their times (queued behind the batches they
                // would all go at once when the phase ends, and beat in step from then on).
                let permit = if phase == Phase::Warmup {
                    shared.gate.acquire().await.ok()
                } else {
                    None
                };
                let sent = Instant::now();
                let result = match job {
                    Job::Heartbeat => {
                        let beat = Heartbeat {
                            sent_at: chrono::Utc::now(),
                            firmware_version: "0.1.0".into(),
                            schema_version: 6,
                            catalogue_version: None,
                            printer: PrinterHealth {
                                state: "ok".into(),
                                paper: "ok".into(),
                            },
                            outbox: OutboxHealth {
                                depth: outbox.len() as u64,
                                parked: 0,
                                oldest_unsent_age_s: None,
                            },
                            last_sync_at: last_sync,
                            uptime_s: Some(started.elapsed().as_secs()),
                        };
                        client.heartbeat(&beat).await.map(|_| ())
                    }
                    Job::Events => match client.events(cursor.as_deref(), 100).await {
                        Ok(page) => {
                            cursor = Some(page.next_cursor);
                            last_sync = Some(chrono::Utc::now());
                            Ok(())
                        }
                        Err(e) => Err(e),
                    },
                    Job::Catalogue => Ok(()),
                };
                let latency = sent.elapsed();
                drop(permit);
                let kind = if job == Job::Heartbeat {
                    Kind::Heartbeat
                } else {
                    Kind::Events
                };
                record(&shared, sent, latency, kind, result.is_ok(), 0);
                let now = Instant::now();
                match &result {
                    // A fleet that has been running: the first round's jobs are scheduled
                    // again at a random phase of their interval, not all in step.
                    Ok(()) if !warmed => {
                        let interval = if job == Job::Heartbeat {
                            cadence.heartbeat
                        } else {
                            cadence.events
                        };
                        let back = interval.mul_f64(rand::rng().random_range(0.0..1.0));
                        let then = now.checked_sub(back).unwrap_or(now);
                        schedule.succeeded(job, then, &mut rand::rng());
                        link.succeeded();
                    }
                    // As `Relay::run_due` does.
                    Ok(()) => {
                        schedule.succeeded(job, now, &mut rand::rng());
                        if link.succeeded() {
                            schedule.reconnected(Some(job), now, &mut rand::rng());
                        }
                    }
                    Err(e) => {
                        schedule.failed(job, now, asked(e), &mut rand::rng());
                        if Link::is_link_failure(e) {
                            link.failed(now, asked(e), &mut rand::rng());
                        } else if link.succeeded() {
                            schedule.reconnected(None, now, &mut rand::rng());
                        }
                    }
                }
            }
            if !warmed {
                warmed = true;
                shared.warm.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        if sent_batch {
            continue;
        }
        let mut wake = schedule.next().unwrap_or(now + Duration::from_secs(3600));
        if !outbox.is_empty() && phase != Phase::Warmup {
            wake = wake.min(now);
        }
        // Nothing goes out while the link waits; cases are still registered.
        if let Some(open_at) = link.not_before() {
            wake = wake.max(open_at);
        }
        if phase.registers()
            && let Some(t) = next_case
        {
            wake = wake.min(t);
        }
        tokio::select! {
            () = tokio::time::sleep_until(wake) => {}
            changed = phase_rx.changed() => if changed.is_err() { return },
        }
    }
}

/// The wait a refusal asked for (`Retry-After`).
fn asked(e: &SyncError) -> Option<Duration> {
    match e {
        SyncError::RateLimited { retry_after, .. } => *retry_after,
        _ => None,
    }
}

fn record(shared: &Shared, sent: Instant, latency: Duration, kind: Kind, ok: bool, items: u32) {
    let r = Record {
        at: sent.duration_since(shared.t0),
        latency,
        kind,
        ok,
        items,
    };
    shared
        .records
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(r);
}
