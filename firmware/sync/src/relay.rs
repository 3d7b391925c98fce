//! The outbox relay: a tokio task that drains the store's outbox to SAMAD and pulls case events
//! back, surviving whatever the network and SAMAD do.
//!
//! One round: claim a batch under a lease (bounded by items and bytes, one item per case so each
//! case's items go in order), send it, and settle each item by its answer — done only on a
//! definite yes (SAMAD's number bound to the tracking code; from the office's agency server,
//! which relays the item to SAMAD later, without a number), parked with its reason on a
//! definite no (409 conflict, 422, another 4xx that will never succeed), put back with a later
//! attempt time otherwise. A batch refused as a whole is retried one item at a time, so one
//! poison item is parked alone instead of blocking the outbox; so is a batch a server that
//! answered failed on (a 500), whose items wait and then go one at a time while the link stays
//! open and the periodic jobs go on. A failure for want of the server
//! closes the device's one [`crate::Link`] for a backoff wait (full jitter, from 45 s doubling to
//! 120 s) or as long as `Retry-After` says: no batch, heartbeat or event pull goes out until it
//! ends, then one request probes the server (the outbox first), and when that is answered the
//! periodic jobs owed are spread over their intervals instead of all going at once. The wait is
//! also stored with the items, so a restart keeps it. Besides the outbox the task runs the
//! periodic jobs of [`crate::periodic`] (heartbeat with the device's health, catalogue check
//! by ETag, event pull by cursor). Between rounds it sleeps until the next item or job is due,
//! or a [`RelayHandle::wake`] (new work): it never polls busily.
//!
//! The store is synchronous (SQLite); every store call runs on tokio's blocking pool.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use kiosk_config::SamadSettings;
use kiosk_store::{Claim, ClaimLimits, EventKind, NewEvent, PulledEvent, Settlement, Store};
use serde_json::value::RawValue;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::client::{CatalogueFetch, SamadClient};
use crate::error::SyncError;
use crate::link::Link;
use crate::periodic::{CatalogueUpdate, DeviceHealth, Job, Schedule};
use crate::wire::{
    Event, EventType, Heartbeat, ItemType, MAX_OWED_RECEIPTS, OfficeHeartbeat, OutboxHealth,
    SubmitBatch, SubmitItem,
};

/// How far back a receipt that did not print is still reported as owed (a visitor comes back
/// for it within days, not months).
pub const OWED_RECEIPT_DAYS: i64 = 7;

/// Waits of the outbox after the local store failed (not the link: nothing to do with the
/// server, so short).
const STORE_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(1),
    cap: Duration::from_secs(300),
};

/// The store as the relay shares it with the rest of the firmware.
pub type SharedStore = Arc<Mutex<Store>>;

/// How the relay behaves.
#[derive(Debug, Clone, Copy)]
pub struct RelaySettings {
    /// How long a claim holds its items (longer than the request timeout).
    pub lease: Duration,
    /// Items and bytes per batch.
    pub limits: ClaimLimits,
    /// Waits after failures: the device's one reachability backoff, shared by the outbox and
    /// the periodic jobs ([`crate::Link`]).
    pub backoff: Backoff,
    /// Full jitter on the waits after failures (`false` only to measure the herd it prevents).
    pub jitter: bool,
    /// How often events are pulled back (`None`: never by the running relay).
    pub pull_interval: Option<Duration>,
    /// How often the device's health is reported (`None`: never).
    pub heartbeat_interval: Option<Duration>,
    /// How often the catalogue is checked (`None`: never).
    pub catalogue_interval: Option<Duration>,
    /// Events per page.
    pub event_page: u32,
    /// Longest sleep with nothing due (a safety net; new work wakes the relay at once).
    pub max_idle: Duration,
    /// The peer is the agency server, which takes the office's own items (visit claims);
    /// `false`: SAMAD itself, which has no such items, so they are settled without sending.
    pub agency_server: bool,
}

impl RelaySettings {
    /// The relay of the `[samad]` section: its batch bounds and intervals, a lease well past
    /// the request timeout, and the default backoff.
    pub fn from_config(samad: &SamadSettings) -> Self {
        let default = Self::default();
        Self {
            lease: default.lease.max(samad.request_timeout * 2),
            limits: ClaimLimits {
                max_items: usize::try_from(samad.batch_max_items).unwrap_or(1),
                max_bytes: usize::try_from(samad.batch_max_bytes).unwrap_or(usize::MAX),
            },
            pull_interval: Some(samad.event_pull_interval),
            heartbeat_interval: Some(samad.heartbeat_interval),
            catalogue_interval: Some(samad.catalogue_refresh_interval),
            agency_server: samad.agency_server,
            ..default
        }
    }
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(120),
            limits: ClaimLimits {
                max_items: 50,
                max_bytes: 512 * 1024,
            },
            // First window 45 s, doubling to 120 s: see `crate::link` for why (a fleet's peak
            // after an outage); at the cap the mean wait (60 s) is the heartbeat interval.
            backoff: Backoff {
                base: Duration::from_secs(45),
                cap: Duration::from_secs(120),
            },
            jitter: true,
            pull_interval: Some(Duration::from_secs(300)),
            heartbeat_interval: Some(Duration::from_secs(60)),
            catalogue_interval: Some(Duration::from_secs(3600)),
            event_page: 100,
            max_idle: Duration::from_secs(600),
            agency_server: false,
        }
    }
}

/// Counters of what the relay did, for the health screen and the tests.
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Batches sent (whatever the answer).
    pub batches: AtomicU64,
    /// Items marked done.
    pub done: AtomicU64,
    /// Items parked.
    pub parked: AtomicU64,
    /// Items put back for a later attempt.
    pub retried: AtomicU64,
    /// Rounds that failed without a definite answer.
    pub failures: AtomicU64,
    /// Rounds that found nothing to send (an idle relay sleeps: a few, never thousands).
    pub idle_rounds: AtomicU64,
    /// Events appended to timelines.
    pub events: AtomicU64,
    /// Heartbeats SAMAD received.
    pub heartbeats: AtomicU64,
    /// Catalogue checks answered (new catalogue or not modified).
    pub catalogue_checks: AtomicU64,
    /// New catalogues received.
    pub catalogues: AtomicU64,
    /// Catalogue checks that got no answer (unreachable, refused, unreadable).
    pub catalogue_failures: AtomicU64,
    /// When the last definite answer came (a batch answered item by item, an event pull
    /// answered), in Unix milliseconds; 0 until the first. Read with [`RelayStats::last_sync`].
    pub last_sync_ms: AtomicI64,
}

impl RelayStats {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// When the relay last had a definite answer (`None`: not since it started).
    pub fn last_sync(&self) -> Option<DateTime<Utc>> {
        match self.last_sync_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => DateTime::from_timestamp_millis(ms),
        }
    }

    fn synced(&self, at: DateTime<Utc>) {
        self.last_sync_ms
            .fetch_max(at.timestamp_millis(), Ordering::Relaxed);
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Nothing was claimable.
    Idle,
    /// A batch got definite answers (some items may still have been put back).
    Sent {
        /// Items in the batch.
        items: usize,
    },
    /// No definite answer: the items wait until then.
    Failed {
        /// The wait.
        wait: Duration,
    },
}

/// The relay's state between rounds.
pub struct Relay {
    store: SharedStore,
    client: SamadClient,
    settings: RelaySettings,
    stats: Arc<RelayStats>,
    /// Whether the server can be reached: one backoff for the outbox and the periodic jobs.
    link: Link,
    /// Items to send one at a time after a batch was refused as a whole, or failed on by a
    /// server that answered.
    solo: usize,
    /// Batches in a row a server that answered failed on (their items' backoff; the link
    /// stays open).
    batch_failures: u32,
    /// When the periodic jobs are due (made at the first [`Relay::run_due`]).
    schedule: Option<Schedule>,
    /// The device's health as the firmware last reported it.
    health: Option<watch::Receiver<DeviceHealth>>,
    /// The catalogue SAMAD last sent.
    catalogue: watch::Sender<Option<Arc<CatalogueUpdate>>>,
    /// When the firmware started, for the heartbeat's uptime.
    started: std::time::Instant,
}

/// Runs `f` on the store on the blocking pool.
async fn with_store<T: Send + 'static>(
    store: &SharedStore,
    f: impl FnOnce(&mut Store) -> Result<T, kiosk_store::StoreError> + Send + 'static,
) -> Result<T, SyncError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || {
        let mut guard = store
            .lock()
            .map_err(|_| SyncError::Task("the store lock is poisoned".into()))?;
        f(&mut guard).map_err(SyncError::from)
    })
    .await
    .map_err(|e| SyncError::Task(e.to_string()))?
}

fn item_type(kind: kiosk_store::OutboxItemKind) -> ItemType {
    use kiosk_store::OutboxItemKind as K;
    match kind {
        K::Case => ItemType::Case,
        K::Service => ItemType::Service,
        K::Rating => ItemType::Rating,
        K::Meeting => ItemType::Meeting,
        K::Claim => ItemType::Claim,
        K::Guidance => ItemType::Guidance,
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Text from SAMAD made fit for a timeline field: one line, at most `max` characters, never
/// empty.
fn fit(text: &str, max: usize, fallback: &str) -> String {
    // SAMAD's texts cannot be retyped by anyone here: characters the store refuses (bidi
    // controls, invisible format characters) are removed rather than stalling the pull.
    let line: String = kiosk_core::text::clean(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if line.trim().is_empty() {
        fallback.to_owned()
    } else {
        line
    }
}

/// A feed event as the store keeps it, or `None` when its tracking code is malformed.
fn pulled_event(event: &Event) -> Option<PulledEvent> {
    let tracking_code = kiosk_core::TrackingCode::parse(&event.tracking_code).ok()?;
    let kind = match event.event_type {
        EventType::Referral => EventKind::Referred,
        EventType::Action => EventKind::Action,
        EventType::Answer => EventKind::Answered,
        EventType::Closed => EventKind::Closed,
    };
    let note = event.status_notes.as_ref().map(|n| {
        kiosk_core::text::clean(n)
            .chars()
            .take(kiosk_store::MAX_NOTE_CHARS)
            .collect::<String>()
    });
    Some(PulledEvent {
        samad_event_id: fit(&event.event_id, kiosk_store::MAX_SAMAD_EVENT_ID_CHARS, "?"),
        tracking_code,
        event: NewEvent {
            at: event.updated_datetime,
            actor: fit(
                &event.responsible_person,
                kiosk_store::MAX_ACTOR_CHARS,
                "SAMAD",
            ),
            unit: fit(
                &event.agency_responsible,
                kiosk_store::MAX_UNIT_CHARS,
                "SAMAD",
            ),
            kind,
            note,
        },
    })
}

/// Where the last catalogue SAMAD sent is kept in the store's settings (JSON), so a restart
/// starts from it and asks SAMAD with its ETag (a 304, not the whole catalogue again).
pub const CATALOGUE_SETTING: &str = "samad.catalogue";

/// The catalogue kept in the store, if there is one that still reads.
fn stored_catalogue(store: &SharedStore) -> Option<CatalogueUpdate> {
    #[derive(serde::Deserialize)]
    struct Kept {
        etag: String,
        catalogue: crate::wire::Catalogue,
    }
    let text = match store.lock() {
        Ok(guard) => guard.setting(CATALOGUE_SETTING),
        Err(_) => return None,
    };
    let text = match text {
        Ok(text) => text?,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the kept catalogue; fetching it again");
            return None;
        }
    };
    match serde_json::from_str::<Kept>(&text) {
        Ok(kept) => Some(CatalogueUpdate {
            catalogue: kept.catalogue,
            etag: kept.etag,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "the kept catalogue does not read; fetching it again");
            None
        }
    }
}

impl Relay {
    /// A relay over `store` talking to SAMAD through `client`. It starts from the catalogue
    /// kept in the store by an earlier run, if any.
    pub fn new(store: SharedStore, client: SamadClient, settings: RelaySettings) -> Self {
        let kept = stored_catalogue(&store).map(Arc::new);
        Self {
            store,
            client,
            settings,
            stats: Arc::new(RelayStats::default()),
            link: Link::new(settings.backoff, settings.jitter),
            solo: 0,
            batch_failures: 0,
            schedule: None,
            health: None,
            catalogue: watch::Sender::new(kept),
            started: std::time::Instant::now(),
        }
    }

    /// Counts the heartbeat's uptime from `started` (the firmware's start) instead of from
    /// the relay's creation.
    #[must_use]
    pub fn with_started(mut self, started: std::time::Instant) -> Self {
        self.started = started;
        self
    }

    /// Heartbeats report the latest value of `health` (filled by the firmware). A change while
    /// the relay runs brings the next heartbeat forward to now (unless heartbeats are failing
    /// and backing off), so a printer out of paper reaches the fleet view at once, not up to an
    /// interval later; changes come from prints, so this is never faster than the printer.
    #[must_use]
    pub fn with_health(mut self, health: watch::Receiver<DeviceHealth>) -> Self {
        self.health = Some(health);
        self
    }

    /// Starts from a catalogue already held (its ETag is sent, so SAMAD answers 304).
    #[must_use]
    pub fn with_catalogue(self, known: CatalogueUpdate) -> Self {
        self.catalogue.send_replace(Some(Arc::new(known)));
        self
    }

    /// The catalogue as SAMAD last sent it; changes when a new one arrives.
    pub fn catalogue_updates(&self) -> watch::Receiver<Option<Arc<CatalogueUpdate>>> {
        self.catalogue.subscribe()
    }

    /// Whether the server can be reached, as the relay last found.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// The periodic jobs' schedule (`None` before the first [`Relay::run_due`]).
    pub fn schedule(&self) -> Option<&Schedule> {
        self.schedule.as_ref()
    }

    /// Reports the device's health once: the firmware's part (printer, firmware version) as
    /// last reported, and what the relay knows itself at send time — the outbox (depth, parked,
    /// oldest unsent age), the schema version and the receipts owed (failed, not printed since,
    /// of the last [`OWED_RECEIPT_DAYS`] days) from the store, the catalogue version, the last
    /// definite answer and the uptime.
    pub async fn heartbeat(&mut self) -> Result<(), SyncError> {
        let owed_since = Utc::now() - chrono::Duration::days(OWED_RECEIPT_DAYS);
        let (depth, schema_version, owed) = with_store(&self.store, move |s| {
            Ok((
                s.outbox_depth()?,
                s.schema_version()?,
                s.owed_receipts(owed_since, MAX_OWED_RECEIPTS)?,
            ))
        })
        .await?;
        let health = self
            .health
            .as_ref()
            .map(|h| h.borrow().clone())
            .unwrap_or_default();
        let known = self.catalogue.borrow().clone();
        let now = Utc::now();
        let heartbeat = Heartbeat {
            sent_at: now,
            firmware_version: health.firmware_version,
            schema_version,
            catalogue_version: known.as_ref().map(|c| c.catalogue.version.clone()),
            printer: health.printer,
            outbox: OutboxHealth {
                depth: depth.pending,
                parked: depth.parked,
                oldest_unsent_age_s: depth
                    .oldest_pending_at
                    .map(|at| u64::try_from((now - at).num_seconds()).unwrap_or(0)),
            },
            last_sync_at: self.stats.last_sync(),
            uptime_s: Some(self.started.elapsed().as_secs()),
        };
        let ack = self
            .client
            .office_heartbeat(&OfficeHeartbeat {
                heartbeat,
                owed_receipts: owed.iter().map(|c| c.as_string()).collect(),
            })
            .await?;
        RelayStats::add(&self.stats.heartbeats, 1);
        let ours = known.as_ref().map(|c| c.etag.as_str());
        if let (Some(theirs), Some(schedule)) = (ack.catalogue_etag.as_deref(), &mut self.schedule)
            && Some(theirs) != ours
        {
            // SAMAD has a catalogue we lack: fetch it now instead of at the next check.
            schedule.now(Job::Catalogue, Instant::now());
        }
        Ok(())
    }

    /// Checks the catalogue once (`If-None-Match` with the ETag held); returns whether a new
    /// one arrived.
    pub async fn refresh_catalogue(&mut self) -> Result<bool, SyncError> {
        let etag = self.catalogue.borrow().as_ref().map(|c| c.etag.clone());
        let fetched = match self.client.catalogue(etag.as_deref()).await {
            Ok(fetched) => fetched,
            Err(e) => {
                RelayStats::add(&self.stats.catalogue_failures, 1);
                return Err(e);
            }
        };
        // A check is counted once its catalogue is handed on: whoever waits for the first
        // check (firmware/app/src/device/sync.rs) then finds the catalogue there.
        match fetched {
            CatalogueFetch::NotModified => {
                RelayStats::add(&self.stats.catalogue_checks, 1);
                Ok(false)
            }
            CatalogueFetch::Changed { catalogue, etag } => {
                RelayStats::add(&self.stats.catalogues, 1);
                let kept = serde_json::json!({ "etag": etag, "catalogue": catalogue }).to_string();
                // Kept for the next start; failing to keep it costs one fetch then, nothing more.
                if let Err(e) = with_store(&self.store, move |s| {
                    s.set_setting(CATALOGUE_SETTING, &kept)
                })
                .await
                {
                    tracing::warn!(error = %e, "could not keep the catalogue");
                }
                self.catalogue.send_replace(Some(Arc::new(CatalogueUpdate {
                    catalogue: *catalogue,
                    etag,
                })));
                RelayStats::add(&self.stats.catalogue_checks, 1);
                Ok(true)
            }
        }
    }

    /// Runs the periodic jobs due at `now` (injected: the tests pass the time they want) and
    /// schedules each again from `now`: after its interval, or after a backoff wait if it
    /// failed. Returns what each job that ran did.
    ///
    /// Nothing runs while the link waits after a failure ([`Relay::link`]); a job that finds
    /// the server unreachable closes it and the jobs after it wait with it (one probe per
    /// wait); one that finds it back spreads the other due jobs over their intervals
    /// ([`Schedule::reconnected`]).
    pub async fn run_due(&mut self, now: Instant) -> Vec<(Job, Result<(), SyncError>)> {
        if !self.link.open(now) {
            return Vec::new();
        }
        let settings = self.settings;
        let schedule = self.schedule.get_or_insert_with(|| {
            Schedule::new(
                [
                    settings.heartbeat_interval,
                    settings.catalogue_interval,
                    settings.pull_interval,
                ],
                settings.backoff,
                settings.jitter,
                now,
            )
        });
        let due = schedule.due(now);
        let mut done = Vec::with_capacity(due.len());
        for job in due {
            // A reconnection by an earlier job moved this one.
            if !self
                .schedule
                .as_ref()
                .is_some_and(|s| s.due(now).contains(&job))
            {
                continue;
            }
            let result = match job {
                Job::Heartbeat => self.heartbeat().await,
                Job::Catalogue => self.refresh_catalogue().await.map(|_| ()),
                Job::Events => self.pull_events().await.map(|_| ()),
            };
            let mut link_down = false;
            if let Some(schedule) = &mut self.schedule {
                match &result {
                    Ok(()) => {
                        schedule.succeeded(job, now, &mut rand::rng());
                        if self.link.succeeded() {
                            schedule.reconnected(Some(job), now, &mut rand::rng());
                            tracing::info!(?job, "the server answers again");
                        }
                    }
                    Err(e) => {
                        let asked = asked_wait(e);
                        let wait = schedule.failed(job, now, asked, &mut rand::rng());
                        if Link::is_link_failure(e) {
                            let link_wait = self.link.failed(now, asked, &mut rand::rng());
                            tracing::warn!(?job, error = %e, ?link_wait, "periodic job failed; every request waits");
                            link_down = true;
                        } else {
                            // The server answered: it is reachable, this job alone waits.
                            if self.link.succeeded() {
                                schedule.reconnected(None, now, &mut rand::rng());
                            }
                            tracing::warn!(?job, error = %e, ?wait, "periodic job failed");
                        }
                    }
                }
            }
            done.push((job, result));
            if link_down {
                break;
            }
        }
        done
    }

    /// The link found the server again after the outbox probe (`None`) or a periodic job:
    /// the periodic jobs due are spread over their intervals instead of going at once.
    fn reconnected(&mut self, probe: Option<Job>) {
        if let Some(schedule) = &mut self.schedule {
            schedule.reconnected(probe, Instant::now(), &mut rand::rng());
        }
        tracing::info!("the server answers again");
    }

    /// The relay's counters.
    pub fn stats(&self) -> Arc<RelayStats> {
        Arc::clone(&self.stats)
    }

    /// The link failed now: the wait before any request goes out again.
    fn backoff_wait(&mut self, asked: Option<Duration>) -> Duration {
        self.link.failed(Instant::now(), asked, &mut rand::rng())
    }

    /// Settles `claim`'s items, counting what happened.
    async fn settle(
        &self,
        claim: &Claim,
        settlements: Vec<(i64, Settlement)>,
    ) -> Result<(), SyncError> {
        let token = claim.token;
        let report = with_store(&self.store, move |s| {
            s.settle_outbox(token, &settlements, Utc::now())
        })
        .await?;
        RelayStats::add(&self.stats.done, report.done);
        RelayStats::add(&self.stats.parked, report.parked);
        RelayStats::add(&self.stats.retried, report.retried);
        Ok(())
    }

    /// One round: claim, send, settle.
    pub async fn round(&mut self) -> Result<Round, SyncError> {
        let mut limits = self.settings.limits;
        if self.solo > 0 {
            limits.max_items = 1;
        }
        let lease = to_chrono(self.settings.lease);
        let claim = with_store(&self.store, move |s| {
            s.claim_outbox(Utc::now(), lease, limits)
        })
        .await?;
        if claim.items.is_empty() {
            return Ok(Round::Idle);
        }
        self.solo = self.solo.saturating_sub(1);
        let mut items = Vec::with_capacity(claim.items.len());
        let mut unsendable = Vec::new();
        for item in &claim.items {
            if item.item_kind == kiosk_store::OutboxItemKind::Claim && !self.settings.agency_server
            {
                // An office item with no office server: nobody to tell, nothing owed to SAMAD.
                unsendable.push((item.id, Settlement::Done { remote_id: None }));
                continue;
            }
            match RawValue::from_string(item.payload.clone()) {
                Ok(payload) => items.push(SubmitItem {
                    item_id: item.item_uuid,
                    item_type: item_type(item.item_kind),
                    payload,
                }),
                Err(e) => unsendable.push((
                    item.id,
                    Settlement::Park {
                        reason: format!("the stored payload is not JSON: {e}"),
                    },
                )),
            }
        }
        if !unsendable.is_empty() {
            self.settle(&claim, unsendable).await?;
        }
        if items.is_empty() {
            return Ok(Round::Sent { items: 0 });
        }
        let batch = SubmitBatch { items };
        let sent = batch.items.len();
        RelayStats::add(&self.stats.batches, 1);
        let answer = self.client.submit_batch(&batch).await;
        let ids: Vec<(i64, uuid::Uuid)> = claim
            .items
            .iter()
            .filter(|i| batch.items.iter().any(|b| b.item_id == i.item_uuid))
            .map(|i| (i.id, i.item_uuid))
            .collect();
        match answer {
            Ok(result) => {
                let mut retry_wait = None;
                let mut settlements = Vec::with_capacity(ids.len());
                for ((id, _), r) in ids.iter().zip(&result.results) {
                    let why = r.reason.as_deref().unwrap_or("no reason given");
                    let settlement = match r.status {
                        // The agency server takes the item and owes it to SAMAD: SAMAD's
                        // number does not exist yet (it comes with the case's events).
                        200 | 201
                            if self.settings.agency_server && r.service_request_id.is_none() =>
                        {
                            Settlement::Relayed
                        }
                        200 | 201 => Settlement::Done {
                            remote_id: r.service_request_id.as_deref().map(kiosk_core::text::clean),
                        },
                        409 => Settlement::Park {
                            reason: format!(
                                "SAMAD: this item's key was used with a different body (409): {why}"
                            ),
                        },
                        s @ (400..=407 | 409..=428 | 430..=499) => Settlement::Park {
                            reason: format!("SAMAD refused the item ({s}): {why}"),
                        },
                        s => {
                            let wait = *retry_wait.get_or_insert_with(|| {
                                self.settings
                                    .backoff
                                    .delay(self.link.failures().saturating_add(1), &mut rand::rng())
                            });
                            Settlement::RetryAt {
                                at: Utc::now() + to_chrono(wait),
                                error: format!("SAMAD could not judge the item now ({s}): {why}"),
                            }
                        }
                    };
                    settlements.push((*id, settlement));
                }
                if self.link.succeeded() {
                    self.reconnected(None);
                }
                self.batch_failures = 0;
                self.stats.synced(Utc::now());
                self.settle(&claim, settlements).await?;
                Ok(Round::Sent { items: sent })
            }
            Err(SyncError::Refused { status, reason }) if ids.len() > 1 => {
                if self.link.succeeded() {
                    self.reconnected(None);
                }
                // Which item is at fault is unknown: send them one by one.
                tracing::warn!(status, %reason, items = ids.len(), "batch refused; sending its items one by one");
                self.solo = ids.len();
                let now = Utc::now();
                let back = ids
                    .iter()
                    .map(|(id, _)| {
                        (
                            *id,
                            Settlement::RetryAt {
                                at: now,
                                error: format!("batch refused ({status}): {reason}"),
                            },
                        )
                    })
                    .collect();
                self.settle(&claim, back).await?;
                Ok(Round::Sent { items: 0 })
            }
            Err(SyncError::Refused { status, reason }) => {
                if self.link.succeeded() {
                    self.reconnected(None);
                }
                let back = ids
                    .iter()
                    .map(|(id, _)| {
                        (
                            *id,
                            Settlement::Park {
                                reason: format!("SAMAD refused the item ({status}): {reason}"),
                            },
                        )
                    })
                    .collect();
                self.settle(&claim, back).await?;
                Ok(Round::Sent { items: sent })
            }
            Err(e) => {
                // A server out of reach (no answer, 429, 502–504, an answer off the contract)
                // closes the link: nothing else goes out until it reopens. A server that
                // answered and failed on this batch (a 500, refused credentials) is this
                // batch's trouble: its items wait, then go one at a time, while the heartbeat,
                // catalogue and event pull go on, so one poison item never silences the kiosk.
                let out_of_reach = Link::is_link_failure(&e);
                let wait = if out_of_reach {
                    self.backoff_wait(asked_wait(&e))
                } else {
                    self.solo = self.solo.max(ids.len());
                    self.batch_failures = self.batch_failures.saturating_add(1);
                    match self.settings.jitter {
                        true => self
                            .settings
                            .backoff
                            .delay(self.batch_failures, &mut rand::rng()),
                        false => self.settings.backoff.window(self.batch_failures),
                    }
                };
                RelayStats::add(&self.stats.failures, 1);
                tracing::warn!(error = %e, ?wait, items = ids.len(), out_of_reach, "batch not delivered; backing off");
                let at = Utc::now() + to_chrono(wait);
                let error = e.to_string();
                let back = ids
                    .iter()
                    .map(|(id, _)| {
                        (
                            *id,
                            Settlement::RetryAt {
                                at,
                                error: error.clone(),
                            },
                        )
                    })
                    .collect();
                self.settle(&claim, back).await?;
                Ok(Round::Failed { wait })
            }
        }
    }

    /// Sends rounds until nothing is claimable or a round fails; returns the items answered.
    pub async fn drain(&mut self) -> Result<usize, SyncError> {
        let mut answered = 0;
        loop {
            match self.round().await? {
                Round::Idle => return Ok(answered),
                Round::Sent { items } => answered += items,
                Round::Failed { wait } => {
                    return Err(SyncError::Transport(format!(
                        "a batch was not delivered; its items wait {wait:?}"
                    )));
                }
            }
        }
    }

    /// Pulls every waiting page of events into the store; returns the events appended.
    pub async fn pull_events(&self) -> Result<usize, SyncError> {
        let mut appended = 0;
        loop {
            let cursor = with_store(&self.store, |s| s.event_cursor()).await?;
            let page = self
                .client
                .events(cursor.as_deref(), self.settings.event_page)
                .await?;
            self.stats.synced(Utc::now());
            if page.events.is_empty() && page.next_cursor.trim().is_empty() {
                return Ok(appended);
            }
            let pulled: Vec<PulledEvent> = page
                .events
                .iter()
                .filter_map(|e| {
                    let p = pulled_event(e);
                    if p.is_none() {
                        tracing::warn!(event_id = %e.event_id, "event with a malformed tracking code skipped");
                    }
                    p
                })
                .collect();
            // Cleaned as SAMAD's texts are: a cursor the store refuses would stall the pull.
            let next = kiosk_core::text::clean(&page.next_cursor);
            let unchanged = page.events.is_empty() && cursor.as_deref() == Some(next.as_str());
            if !unchanged {
                let report =
                    with_store(&self.store, move |s| s.append_pulled_events(&pulled, &next))
                        .await?;
                appended += report.appended;
                RelayStats::add(&self.stats.events, report.appended);
            }
            if !page.has_more || page.events.is_empty() {
                return Ok(appended);
            }
        }
    }

    /// When the next item is due (`None`: nothing waiting).
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, SyncError> {
        with_store(&self.store, |s| s.outbox_next_due()).await
    }

    /// Starts the relay as a tokio task.
    pub fn spawn(self) -> RelayHandle {
        let wake = Arc::new(Notify::new());
        let (stop_tx, stop_rx) = watch::channel(false);
        let stats = self.stats();
        let task = tokio::spawn(self.run(Arc::clone(&wake), stop_rx));
        RelayHandle {
            wake,
            stop: stop_tx,
            task,
            stats,
        }
    }

    async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        // After the store failed (not the link): the outbox alone waits this long.
        let mut store_not_before = Instant::now();
        let mut store_failures = 0u32;
        // A receiver of its own: seeing a change here does not hide it from the heartbeat.
        let mut health = self.health.clone();
        loop {
            if *stop.borrow() {
                return;
            }
            // The outbox first: after an outage the probe is a visitor's case when there is
            // one. Nothing at all goes out while the link waits.
            let mut more = false;
            if self.link.open(Instant::now()) && Instant::now() >= store_not_before {
                match self.round().await {
                    Ok(Round::Sent { .. }) => {
                        store_failures = 0;
                        more = true;
                    }
                    Ok(Round::Idle) => {
                        store_failures = 0;
                        RelayStats::add(&self.stats.idle_rounds, 1);
                    }
                    Ok(Round::Failed { .. }) => {}
                    Err(e) => {
                        store_failures = store_failures.saturating_add(1);
                        let wait = STORE_BACKOFF.delay(store_failures, &mut rand::rng());
                        tracing::error!(error = %e, ?wait, "relay round failed");
                        store_not_before = Instant::now() + wait;
                    }
                }
            }
            self.run_due(Instant::now()).await;
            if more {
                continue;
            }
            let idle_until = Instant::now() + self.settings.max_idle;
            let mut sleep_until = self
                .schedule
                .as_ref()
                .and_then(Schedule::next)
                .map_or(idle_until, |next| next.min(idle_until));
            if let Ok(Some(due)) = self.next_due().await {
                let in_ms = (due - Utc::now()).num_milliseconds().max(0);
                let due_at = Instant::now()
                    + Duration::from_millis(u64::try_from(in_ms).unwrap_or(0))
                    + Duration::from_millis(5);
                sleep_until = sleep_until.min(due_at.max(store_not_before));
            }
            // While the link waits, nothing is due before its wait ends (a wake for a new case
            // finds it closed and sleeps again).
            if let Some(open_at) = self.link.not_before() {
                sleep_until = sleep_until.max(open_at);
            }
            tokio::select! {
                () = tokio::time::sleep_until(sleep_until) => {}
                () = wake.notified() => {}
                _ = stop.changed() => {}
                true = health_changed(&mut health) => self.health_changed(),
            }
        }
    }

    /// The firmware reported new health: the heartbeat is due now, unless it is failing (its
    /// backoff stands).
    fn health_changed(&mut self) {
        if let Some(schedule) = &mut self.schedule
            && schedule.failures(Job::Heartbeat) == 0
        {
            schedule.now(Job::Heartbeat, Instant::now());
        }
    }
}

/// The wait a refusal asked for (`Retry-After` of a 429 or 503).
fn asked_wait(e: &SyncError) -> Option<Duration> {
    match e {
        SyncError::RateLimited { retry_after, .. } => *retry_after,
        _ => None,
    }
}

/// Waits for the firmware's next health report: `true` when one came, `false` when the
/// firmware dropped its sender (from then on `health` is `None` and this never ends).
async fn health_changed(health: &mut Option<watch::Receiver<DeviceHealth>>) -> bool {
    match health {
        Some(rx) => {
            if rx.changed().await.is_ok() {
                return true;
            }
            *health = None;
            false
        }
        None => std::future::pending().await,
    }
}

/// A running relay.
pub struct RelayHandle {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    stats: Arc<RelayStats>,
}

impl RelayHandle {
    /// New work is in the outbox (or an operator asked to sync now): run a round at once.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A handle-free way to [`RelayHandle::wake`], for code that runs on another thread.
    pub fn waker(&self) -> impl Fn() + Send + Sync + 'static {
        let wake = Arc::clone(&self.wake);
        move || wake.notify_one()
    }

    /// The relay's counters.
    pub fn stats(&self) -> &RelayStats {
        &self.stats
    }

    /// Stops the relay after its current step and waits for it. Items it held stay leased
    /// until their lease runs out, then are sent again: nothing is lost.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.wake.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the relay task ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SAMAD event whose texts carry a right-to-left override and a right-to-left mark: kept,
    /// with those characters removed (the store would refuse them and stall the pull), so it
    /// passes the store's own check.
    #[test]
    fn bidi_controls_in_samad_texts_are_removed_not_refused() {
        let event = Event {
            event_id: "ev-1".into(),
            service_request_id: "SR-1".into(),
            item_id: uuid::Uuid::nil(),
            tracking_code: "1000120000000015".into(),
            event_type: EventType::Answer,
            updated_datetime: DateTime::<Utc>::UNIX_EPOCH,
            agency_responsible: "اداره\u{202E}ثبت".into(),
            responsible_person: "\u{200F}کارشناس".into(),
            status_notes: Some("پاسخ\u{2066} داده شد\u{2069}".into()),
        };
        let pulled = pulled_event(&event).expect("a valid event");
        for text in [
            pulled.event.unit.as_str(),
            pulled.event.actor.as_str(),
            pulled.event.note.as_deref().unwrap_or_default(),
        ] {
            assert!(kiosk_core::text::check_text("t", text).is_ok(), "{text:?}");
        }
        assert_eq!(pulled.event.unit, "ادارهثبت");
        assert_eq!(pulled.event.note.as_deref(), Some("پاسخ داده شد"));
    }
}
