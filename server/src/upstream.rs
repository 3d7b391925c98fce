//! Upstream: what the office's devices sent, relayed to SAMAD from the server's own outbox in
//! PostgreSQL (`upstream_outbox`), exactly once, and SAMAD's case events pulled back into
//! `case_events`, so that every device of the office sees what happened to any of its cases.
//!
//! Why here and not on the devices: the agency integrates with SAMAD once (one client
//! certificate, one bearer token), and a device's item is the server's to deliver as soon as
//! the server acknowledged it. The relay keeps the devices' semantics (DESIGN.md §5):
//!
//! - **Claims under a lease.** A round claims due pending items with `UPDATE … WHERE id IN
//!   (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`, setting `leased_until`: several server
//!   instances share the work and never hold one item at once. The lease's value is the claim's
//!   token: a settlement applies only while the item still carries it, so an instance whose lease
//!   ran out (and whose item another instance took) cannot overwrite the newer holder's answer.
//! - **Exactly once.** Items go in batches per kiosk number (SAMAD's contract is per kiosk path)
//!   keyed by the device's `item_id`. SAMAD keeps keys forever and answers a replay 200 with its
//!   first number, so an item sent and then not settled (a crash, a lost answer, a lease run
//!   out) is sent again, answered 200, and settled once: SAMAD records it once.
//! - **Settling by the answer.** 200/201: done, SAMAD's number kept in `remote_id`. 409 and
//!   other 4xx for the item: parked with SAMAD's reason (it will never succeed; an operator
//!   looks, see [`status`]). 5xx, 408, 429, no answer, an answer off the contract: put back with
//!   exponential backoff with full jitter ([`kiosk_sync::Backoff`], from the item's attempts, so
//!   the wait survives a restart and is shared by every instance), or as long as `Retry-After`
//!   asks. A batch refused as a whole (4xx) is sent again one item at a time, so one poison
//!   item is parked alone instead of blocking its kiosk's queue. Credentials refused (401/403)
//!   or a path unknown (404) are the setup's fault, not the item's: retried, never parked.
//! - **Events.** For every kiosk number that has cases, SAMAD's feed is paged from the cursor in
//!   `upstream_cursors`; events go into `case_events` (`ON CONFLICT DO NOTHING` on the event id)
//!   and the cursor advances in the same transaction, compare-and-set, so two instances pulling
//!   one feed at once neither lose nor double a page. Events of a tracking code the server has
//!   no case for are skipped and logged.
//!
//! One [`SamadClient`] per kiosk number, made on demand from the one credential set and cached.
//! Payloads hold national codes and phones in clear: they are sent, never logged.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use kiosk_sync::wire::{
    Event, ItemResult, ItemType, MAX_BATCH_ITEMS, MAX_EVENT_PAGE, SubmitBatch, SubmitItem,
};
use kiosk_sync::{Backoff, ClientSettings, SamadClient, SyncError, TlsMaterial};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use uuid::Uuid;

use crate::db::DbError;

/// Largest PEM or token file read for the SAMAD credentials.
const MAX_CREDENTIAL_FILE_BYTES: u64 = 1 << 20;

/// Longest text kept from SAMAD's reasons and errors in `last_error`, in characters.
const MAX_ERROR_CHARS: usize = 500;

/// How the server reaches SAMAD and relays to it.
#[derive(Clone)]
pub struct UpstreamSettings {
    /// SAMAD's `https://host:port`.
    pub base_url: String,
    /// The agency's bearer token (one for every kiosk path; never logged).
    pub token: String,
    /// The pinned CA, the agency's client certificate and key.
    pub tls: TlsMaterial,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request.
    pub request_timeout: Duration,
    /// Items claimed per round (all kiosks together).
    pub claim_items: usize,
    /// Items per batch (at most [`MAX_BATCH_ITEMS`]).
    pub batch_items: usize,
    /// Bytes of payload per batch (under the contract's 1 MiB).
    pub batch_bytes: usize,
    /// Kiosk numbers sent to at once within a round.
    pub concurrency: usize,
    /// How long a claim holds its items; must be well past `request_timeout`.
    pub lease: Duration,
    /// Waits after failures.
    pub backoff: Backoff,
    /// Full jitter on those waits (`false`: the whole window, for tests that measure it).
    pub jitter: bool,
    /// How often the outbox is looked at when idle (other instances' and devices' new items
    /// are not announced to this one).
    pub poll_interval: Duration,
    /// How often SAMAD's events are pulled (`None`: never by the loop).
    pub event_pull_interval: Option<Duration>,
    /// Events per page (1..=500).
    pub event_page: u32,
}

impl fmt::Debug for UpstreamSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpstreamSettings")
            .field("base_url", &self.base_url)
            .field("token", &"(hidden)")
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("claim_items", &self.claim_items)
            .field("batch_items", &self.batch_items)
            .field("batch_bytes", &self.batch_bytes)
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .field("backoff", &self.backoff)
            .field("jitter", &self.jitter)
            .field("poll_interval", &self.poll_interval)
            .field("event_pull_interval", &self.event_pull_interval)
            .field("event_page", &self.event_page)
            .finish()
    }
}

/// Reads a credential file: a regular file of at most [`MAX_CREDENTIAL_FILE_BYTES`] (a pipe or
/// a device would block or fill memory).
pub(crate) fn read_credential(what: &str, path: &Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .with_context(|| format!("{what} {}: cannot open", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("{what} {}", path.display()))?;
    anyhow::ensure!(
        meta.is_file(),
        "{what} {}: not a regular file",
        path.display()
    );
    let mut text = String::new();
    file.take(MAX_CREDENTIAL_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{what} {}: cannot read", path.display()))?;
    anyhow::ensure!(
        text.len() as u64 <= MAX_CREDENTIAL_FILE_BYTES,
        "{what} {}: larger than {MAX_CREDENTIAL_FILE_BYTES} bytes",
        path.display()
    );
    Ok(text)
}

impl UpstreamSettings {
    /// Settings with the defaults below for SAMAD at `base_url` with the agency's credentials.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>, tls: TlsMaterial) -> Self {
        Self {
            base_url: base_url.into(),
            token: token.into(),
            tls,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            claim_items: 200,
            batch_items: 50,
            batch_bytes: 512 * 1024,
            concurrency: 4,
            lease: Duration::from_secs(300),
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(300),
            },
            jitter: true,
            poll_interval: Duration::from_secs(2),
            event_pull_interval: Some(Duration::from_secs(60)),
            event_page: 200,
        }
    }

    /// The settings of `agency-server serve`'s `--samad-*` flags: the files read (bounded, regular
    /// files only), the token checked, and a client made once so a bad certificate or key is
    /// refused at start rather than at the first send.
    pub fn from_files(
        base_url: &str,
        ca: &Path,
        cert: &Path,
        key: &Path,
        token_file: &Path,
    ) -> anyhow::Result<Self> {
        let token = read_credential("--samad-token-file", token_file)?
            .trim()
            .to_owned();
        anyhow::ensure!(
            !token.is_empty() && !token.contains(char::is_whitespace),
            "--samad-token-file {}: must hold one token without spaces",
            token_file.display()
        );
        let tls = TlsMaterial {
            ca_pem: read_credential("--samad-ca", ca)?,
            client_cert_pem: read_credential("--samad-cert", cert)?,
            client_key_pem: read_credential("--samad-key", key)?,
        };
        let settings = Self::new(base_url, token, tls);
        SamadClient::new(&settings.client_settings(1))
            .map_err(|e| anyhow::anyhow!("the SAMAD client cannot be made: {e}"))?;
        Ok(settings)
    }

    /// The client settings of kiosk number `kiosk`'s paths, with the agency's one credential set.
    pub fn client_settings(&self, kiosk: u32) -> ClientSettings {
        ClientSettings {
            base_url: self.base_url.clone(),
            kiosk_number: kiosk,
            token: self.token.clone(),
            tls: self.tls.clone(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
        }
    }
}

/// Why a round or a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// SAMAD gave no usable answer (events).
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<tokio_postgres::Error> for UpstreamError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for UpstreamError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Db(e.into())
    }
}

/// Counters of what this instance did (the tests and, later, the console read them).
#[derive(Debug, Default)]
pub struct UpstreamStats {
    /// Rounds that claimed at least one item.
    pub rounds: AtomicU64,
    /// Requests carrying items (batches and single items).
    pub batches: AtomicU64,
    /// Items settled done.
    pub done: AtomicU64,
    /// Items parked.
    pub parked: AtomicU64,
    /// Items put back for a later attempt.
    pub retried: AtomicU64,
    /// Settlements not applied because the item's lease had passed to another claim.
    pub lost_leases: AtomicU64,
    /// Events inserted into `case_events`.
    pub events: AtomicU64,
    /// Events skipped: no case with their tracking code.
    pub events_skipped: AtomicU64,
}

impl UpstreamStats {
    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Items claimed.
    pub claimed: usize,
    /// Settled done.
    pub done: usize,
    /// Parked.
    pub parked: usize,
    /// Put back with a later attempt time.
    pub retried: usize,
    /// Put back unsent (the lease was running out).
    pub put_back: usize,
    /// Settlements lost to a newer claim.
    pub lost: usize,
}

impl RoundReport {
    fn merge(&mut self, other: Self) {
        self.claimed += other.claimed;
        self.done += other.done;
        self.parked += other.parked;
        self.retried += other.retried;
        self.put_back += other.put_back;
        self.lost += other.lost;
    }
}

/// An item claimed from the outbox.
#[derive(Debug, Clone)]
struct Claimed {
    id: i64,
    kiosk: u32,
    item_id: Uuid,
    item_type: String,
    payload: String,
    attempts: i32,
    lease: DateTime<Utc>,
}

/// What becomes of a claimed item.
#[derive(Debug, Clone)]
enum Settlement {
    Done { remote_id: Option<String> },
    Park { reason: String },
    Retry { wait: Duration, error: String },
    PutBack,
}

/// One line, no control characters, at most `max` characters (SAMAD's texts into the database).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect()
}

fn item_type(text: &str) -> Option<ItemType> {
    match text {
        "case" => Some(ItemType::Case),
        "service" => Some(ItemType::Service),
        "rating" => Some(ItemType::Rating),
        "meeting" => Some(ItemType::Meeting),
        "guidance" => Some(ItemType::Guidance),
        _ => None,
    }
}

/// The relay and the event pull of one server instance (cheap to clone: shared inside).
#[derive(Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    settings: UpstreamSettings,
    clients: Mutex<HashMap<u32, SamadClient>>,
    stats: UpstreamStats,
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upstream")
            .field("settings", &self.inner.settings)
            .field("stats", &self.inner.stats)
            .finish_non_exhaustive()
    }
}

impl Upstream {
    /// The relay over `pool` (already migrated) to SAMAD as `settings` say.
    pub fn new(pool: Pool, settings: UpstreamSettings) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool,
                settings,
                clients: Mutex::new(HashMap::new()),
                stats: UpstreamStats::default(),
            }),
        }
    }

    /// This instance's counters.
    pub fn stats(&self) -> &UpstreamStats {
        &self.inner.stats
    }

    fn settings(&self) -> &UpstreamSettings {
        &self.inner.settings
    }

    /// The client of kiosk number `kiosk`'s paths, made once.
    fn client(&self, kiosk: u32) -> Result<SamadClient, SyncError> {
        let mut clients = match self.inner.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(c) = clients.get(&kiosk) {
            return Ok(c.clone());
        }
        let client = SamadClient::new(&self.settings().client_settings(kiosk))?;
        clients.insert(kiosk, client.clone());
        Ok(client)
    }

    /// The wait before the next attempt of an item tried `attempts` times before this failure.
    fn backoff(&self, attempts: i32) -> Duration {
        let failures = u32::try_from(attempts).unwrap_or(0).saturating_add(1);
        let backoff = self.settings().backoff;
        if self.settings().jitter {
            backoff.delay(failures, &mut rand::rng())
        } else {
            backoff.window(failures)
        }
    }

    /// Claims up to `claim_items` due pending items under a fresh lease.
    async fn claim(&self) -> Result<Vec<Claimed>, UpstreamError> {
        let client = self.inner.pool.get().await?;
        let lease = self.settings().lease.as_secs_f64();
        let limit = i64::try_from(self.settings().claim_items.max(1)).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "UPDATE upstream_outbox SET leased_until = now() + make_interval(secs => $1)
                 WHERE id IN (
                     SELECT id FROM upstream_outbox
                     WHERE state = 'pending' AND next_attempt_at <= now()
                       AND (leased_until IS NULL OR leased_until < now())
                     ORDER BY id
                     LIMIT $2
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, kiosk_number, item_id, item_type, payload::text, attempts,
                           leased_until",
                &[&lease, &limit],
            )
            .await?;
        let mut claimed: Vec<Claimed> = rows
            .iter()
            .map(|r| Claimed {
                id: r.get(0),
                kiosk: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
                item_id: r.get(2),
                item_type: r.get(3),
                payload: r.get(4),
                attempts: r.get(5),
                lease: r.get(6),
            })
            .collect();
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Applies settlements in one transaction, each only while the item still carries its
    /// claim's lease.
    async fn settle(
        &self,
        settlements: &[(&Claimed, Settlement)],
    ) -> Result<RoundReport, UpstreamError> {
        let mut report = RoundReport::default();
        if settlements.is_empty() {
            return Ok(report);
        }
        let mut client = self.inner.pool.get().await?;
        let tx = client.transaction().await?;
        for (item, settlement) in settlements {
            let guard = "id = $1 AND state = 'pending' AND leased_until = $2";
            let applied = match settlement {
                Settlement::Done { remote_id } => {
                    tx.execute(
                        &format!(
                            "UPDATE upstream_outbox SET state = 'done', done_at = now(),
                                 remote_id = $3, leased_until = NULL, attempts = attempts + 1
                             WHERE {guard}"
                        ),
                        &[&item.id, &item.lease, remote_id],
                    )
                    .await?
                }
                Settlement::Park { reason } => {
                    tx.execute(
                        &format!(
                            "UPDATE upstream_outbox SET state = 'parked', last_error = $3,
                                 leased_until = NULL, attempts = attempts + 1
                             WHERE {guard}"
                        ),
                        &[&item.id, &item.lease, &one_line(reason, MAX_ERROR_CHARS)],
                    )
                    .await?
                }
                Settlement::Retry { wait, error } => {
                    tx.execute(
                        &format!(
                            "UPDATE upstream_outbox SET
                                 next_attempt_at = now() + make_interval(secs => $3),
                                 last_error = $4, leased_until = NULL, attempts = attempts + 1
                             WHERE {guard}"
                        ),
                        &[
                            &item.id,
                            &item.lease,
                            &wait.as_secs_f64(),
                            &one_line(error, MAX_ERROR_CHARS),
                        ],
                    )
                    .await?
                }
                Settlement::PutBack => {
                    tx.execute(
                        &format!("UPDATE upstream_outbox SET leased_until = NULL WHERE {guard}"),
                        &[&item.id, &item.lease],
                    )
                    .await?
                }
            };
            if applied == 0 {
                report.lost += 1;
                continue;
            }
            match settlement {
                Settlement::Done { .. } => report.done += 1,
                Settlement::Park { .. } => report.parked += 1,
                Settlement::Retry { .. } => report.retried += 1,
                Settlement::PutBack => report.put_back += 1,
            }
        }
        tx.commit().await?;
        let stats = &self.inner.stats;
        UpstreamStats::add(&stats.done, report.done);
        UpstreamStats::add(&stats.parked, report.parked);
        UpstreamStats::add(&stats.retried, report.retried);
        UpstreamStats::add(&stats.lost_leases, report.lost);
        if report.lost > 0 {
            tracing::warn!(
                lost = report.lost,
                "settlements not applied: the items' leases had passed to another claim \
                 (they will be sent again and answered as replays)"
            );
        }
        Ok(report)
    }

    /// One round: claim, send per kiosk (several kiosks at once), settle.
    pub async fn round(&self) -> Result<RoundReport, UpstreamError> {
        let claimed = self.claim().await?;
        let mut report = RoundReport {
            claimed: claimed.len(),
            ..RoundReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        self.inner.stats.rounds.fetch_add(1, Ordering::Relaxed);
        // Sending must end before the lease does, or another instance may take the items while
        // this one still settles them (harmless, SAMAD answers a replay 200, but wasteful).
        // At least half the lease, so a lease set too short still lets a round send something
        // rather than put every item back at once.
        let lease = self.settings().lease;
        let deadline = Instant::now()
            + lease
                .saturating_sub(self.settings().request_timeout + Duration::from_secs(1))
                .max(lease / 2);
        let mut by_kiosk: BTreeMap<u32, Vec<Claimed>> = BTreeMap::new();
        for item in claimed {
            by_kiosk.entry(item.kiosk).or_default().push(item);
        }
        let permits = Arc::new(Semaphore::new(self.settings().concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for (kiosk, items) in by_kiosk {
            let me = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                me.send_kiosk(kiosk, items, deadline).await
            });
        }
        let mut first_error = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(r)) => report.merge(r),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "settling upstream items failed");
                    first_error.get_or_insert(e);
                }
                Err(e) => tracing::error!(error = %e, "an upstream send task ended abnormally"),
            }
        }
        match first_error {
            // Items whose settlement failed stay leased until the lease ends, then go again.
            Some(e) if report.done + report.parked + report.retried == 0 => Err(e),
            _ => Ok(report),
        }
    }

    /// Sends one kiosk's claimed items in batches bounded by items and bytes.
    async fn send_kiosk(
        &self,
        kiosk: u32,
        items: Vec<Claimed>,
        deadline: Instant,
    ) -> Result<RoundReport, UpstreamError> {
        let max_items = self.settings().batch_items.clamp(1, MAX_BATCH_ITEMS);
        let max_bytes = self.settings().batch_bytes.max(1);
        let mut report = RoundReport::default();
        // What cannot be sent at all (the schema's checks make it unlikely) is parked first.
        let mut unsendable = Vec::new();
        let mut ready: Vec<Ready<'_>> = Vec::with_capacity(items.len());
        for item in &items {
            match (
                item_type(&item.item_type),
                RawValue::from_string(item.payload.clone()),
            ) {
                (Some(kind), Ok(_)) => ready.push(Ready { item, kind }),
                (None, _) => unsendable.push((
                    item,
                    Settlement::Park {
                        reason: format!("item type {:?} is not the contract's", item.item_type),
                    },
                )),
                (_, Err(e)) => unsendable.push((
                    item,
                    Settlement::Park {
                        reason: format!("the stored payload is not JSON: {e}"),
                    },
                )),
            }
        }
        report.merge(self.settle(&unsendable).await?);
        let mut batches: Vec<Vec<Ready<'_>>> = Vec::new();
        let mut bytes = 0;
        for r in ready {
            let full = batches.last().is_none_or(|b| {
                b.len() >= max_items || (!b.is_empty() && bytes + r.item.payload.len() > max_bytes)
            });
            if full {
                batches.push(Vec::new());
                bytes = 0;
            }
            bytes += r.item.payload.len();
            if let Some(b) = batches.last_mut() {
                b.push(r);
            }
        }
        for batch in batches {
            if Instant::now() >= deadline {
                let back: Vec<_> = batch
                    .iter()
                    .map(|r| (r.item, Settlement::PutBack))
                    .collect();
                report.merge(self.settle(&back).await?);
                continue;
            }
            match self.send_batch(kiosk, &batch).await {
                Sent::Settled(settlements) => report.merge(self.settle(&settlements).await?),
                Sent::RefusedWhole { status, reason } => {
                    // Which item is at fault is unknown: each alone finds it.
                    tracing::warn!(
                        kiosk,
                        status,
                        %reason,
                        items = batch.len(),
                        "batch refused as a whole; sending its items one by one"
                    );
                    for r in batch {
                        let settlements = if Instant::now() >= deadline {
                            vec![(r.item, Settlement::PutBack)]
                        } else {
                            match self.send_batch(kiosk, std::slice::from_ref(&r)).await {
                                Sent::Settled(s) => s,
                                // Not reached: a single item refused is parked.
                                Sent::RefusedWhole { status, reason } => vec![(
                                    r.item,
                                    Settlement::Park {
                                        reason: format!(
                                            "SAMAD refused the item ({status}): {reason}"
                                        ),
                                    },
                                )],
                            }
                        };
                        report.merge(self.settle(&settlements).await?);
                    }
                }
            }
        }
        Ok(report)
    }

    /// Sends one batch and judges each item by the answer (nothing written yet).
    async fn send_batch<'a>(&self, kiosk: u32, batch: &[Ready<'a>]) -> Sent<'a> {
        let retry_all = |error: String, asked: Option<Duration>| {
            Sent::Settled(
                batch
                    .iter()
                    .map(|r| {
                        (
                            r.item,
                            Settlement::Retry {
                                wait: asked.unwrap_or_else(|| self.backoff(r.item.attempts)),
                                error: error.clone(),
                            },
                        )
                    })
                    .collect(),
            )
        };
        let mut items = Vec::with_capacity(batch.len());
        for r in batch {
            match RawValue::from_string(r.item.payload.clone()) {
                Ok(payload) => items.push(SubmitItem {
                    item_id: r.item.item_id,
                    item_type: r.kind,
                    payload,
                }),
                // Checked before the batch was made.
                Err(e) => return retry_all(format!("the stored payload is not JSON: {e}"), None),
            }
        }
        let client = match self.client(kiosk) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(kiosk, error = %e, "no SAMAD client");
                return retry_all(e.to_string(), None);
            }
        };
        self.inner.stats.batches.fetch_add(1, Ordering::Relaxed);
        match client.submit_batch(&SubmitBatch { items }).await {
            Ok(result) => Sent::Settled(
                batch
                    .iter()
                    .zip(result.results)
                    .map(|(r, answer)| (r.item, self.judge(r.item, answer)))
                    .collect(),
            ),
            // A path SAMAD does not know (404) is a wrong address, not a wrong item: retried.
            Err(SyncError::Refused { status, reason }) if status != 404 => {
                if batch.len() > 1 {
                    return Sent::RefusedWhole { status, reason };
                }
                Sent::Settled(
                    batch
                        .iter()
                        .map(|r| {
                            (
                                r.item,
                                Settlement::Park {
                                    reason: format!("SAMAD refused the item ({status}): {reason}"),
                                },
                            )
                        })
                        .collect(),
                )
            }
            Err(e) => {
                let asked = match &e {
                    SyncError::RateLimited { retry_after, .. } => *retry_after,
                    _ => None,
                };
                tracing::warn!(
                    kiosk,
                    error = %e,
                    ?asked,
                    items = batch.len(),
                    "batch not delivered; its items wait"
                );
                retry_all(e.to_string(), asked)
            }
        }
    }

    /// What SAMAD's answer for one item makes of it.
    fn judge(&self, item: &Claimed, answer: ItemResult) -> Settlement {
        let why = answer.reason.as_deref().unwrap_or("no reason given");
        match answer.status {
            200 | 201 => Settlement::Done {
                remote_id: answer.service_request_id.map(|n| one_line(&n, 200)),
            },
            409 => Settlement::Park {
                reason: format!("SAMAD refused the item (409 conflict): {why}"),
            },
            s @ (400..=407 | 410..=428 | 430..=499) => Settlement::Park {
                reason: format!("SAMAD refused the item ({s}): {why}"),
            },
            s => Settlement::Retry {
                wait: self.backoff(item.attempts),
                error: format!("SAMAD could not judge the item now ({s}): {why}"),
            },
        }
    }
}

/// A claimed item ready to send.
struct Ready<'a> {
    item: &'a Claimed,
    kind: ItemType,
}

/// What a send came to.
enum Sent<'a> {
    /// Each item's settlement.
    Settled(Vec<(&'a Claimed, Settlement)>),
    /// A batch of several items refused as a whole.
    RefusedWhole { status: u16, reason: String },
}

/// Whether a pull of one kiosk's feed must stop the whole pull (SAMAD or the network is down,
/// or asks to slow down) or concerns that kiosk alone.
fn stops_the_pull(e: &UpstreamError) -> bool {
    match e {
        UpstreamError::Db(_) => true,
        UpstreamError::Sync(s) => s.is_transient(),
    }
}

impl Upstream {
    /// Pulls every waiting page of SAMAD's events for every kiosk number that has cases;
    /// returns the events inserted. A kiosk whose feed SAMAD refuses is logged and skipped;
    /// no answer at all (or a rate limit) stops the pull with that error.
    pub async fn pull_events(&self) -> Result<usize, UpstreamError> {
        let kiosks: Vec<i32> = {
            let client = self.inner.pool.get().await?;
            client
                .query(
                    "SELECT DISTINCT kiosk_number FROM cases ORDER BY kiosk_number",
                    &[],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect()
        };
        let mut inserted = 0;
        for kiosk in kiosks {
            match self.pull_kiosk(kiosk).await {
                Ok(n) => inserted += n,
                Err(e) if stops_the_pull(&e) => return Err(e),
                Err(e) => {
                    tracing::warn!(kiosk, error = %e, "SAMAD's events of this kiosk not pulled")
                }
            }
        }
        Ok(inserted)
    }

    /// Pulls one kiosk number's feed from its cursor to the end.
    async fn pull_kiosk(&self, kiosk: i32) -> Result<usize, UpstreamError> {
        let samad = self.client(u32::try_from(kiosk).unwrap_or(0))?;
        let page_size = self.settings().event_page.clamp(1, MAX_EVENT_PAGE);
        let mut inserted = 0;
        loop {
            let cursor: Option<String> = {
                let client = self.inner.pool.get().await?;
                client
                    .query_opt(
                        "SELECT cursor FROM upstream_cursors WHERE kiosk_number = $1",
                        &[&kiosk],
                    )
                    .await?
                    .map(|r| r.get(0))
            };
            let page = samad.events(cursor.as_deref(), page_size).await?;
            let next = one_line(&page.next_cursor, 200);
            if page.events.is_empty() && (next.trim().is_empty() || cursor.as_ref() == Some(&next))
            {
                return Ok(inserted);
            }
            match self
                .store_page(kiosk, cursor.as_deref(), &next, &page.events)
                .await?
            {
                Some(n) => inserted += n,
                None => {
                    // Another instance moved this feed meanwhile: it pulls the rest.
                    tracing::debug!(kiosk, "the event cursor moved under this pull; leaving it");
                    return Ok(inserted);
                }
            }
            if !page.has_more || page.events.is_empty() {
                return Ok(inserted);
            }
        }
    }

    /// Inserts a page's events and moves the cursor from `from` to `to`, in one transaction;
    /// `None` (nothing written) when the cursor is no longer `from`.
    async fn store_page(
        &self,
        kiosk: i32,
        from: Option<&str>,
        to: &str,
        events: &[Event],
    ) -> Result<Option<usize>, UpstreamError> {
        let mut client = self.inner.pool.get().await?;
        let tx = client.transaction().await?;
        // Compare-and-set: a second instance pulling the same feed waits on this row's lock,
        // then finds the cursor moved and writes nothing.
        let moved = match from {
            None => {
                tx.execute(
                    "INSERT INTO upstream_cursors (kiosk_number, cursor) VALUES ($1, $2)
                     ON CONFLICT (kiosk_number) DO NOTHING",
                    &[&kiosk, &to],
                )
                .await?
            }
            Some(from) => {
                tx.execute(
                    "UPDATE upstream_cursors SET cursor = $3, updated_at = now()
                     WHERE kiosk_number = $1 AND cursor = $2",
                    &[&kiosk, &from, &to],
                )
                .await?
            }
        };
        if moved == 0 {
            return Ok(None);
        }
        let mut inserted = 0;
        let mut skipped = 0;
        for e in events {
            let known = tx
                .query_opt(
                    "SELECT 1 FROM cases WHERE tracking_code = $1",
                    &[&e.tracking_code],
                )
                .await?
                .is_some();
            if !known {
                skipped += 1;
                tracing::warn!(
                    kiosk,
                    event_id = %one_line(&e.event_id, 100),
                    tracking_code = %one_line(&e.tracking_code, 20),
                    "SAMAD event of a case this server does not have; skipped"
                );
                continue;
            }
            let event_type = serde_json::to_value(e.event_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("{:?}", e.event_type).to_lowercase());
            let notes = e
                .status_notes
                .as_deref()
                .map(|n| n.replace('\0', " ").chars().take(4000).collect::<String>());
            let event_id = one_line(&e.event_id, 200);
            let unit = one_line(&e.agency_responsible, 300);
            let n = tx
                .execute(
                    "INSERT INTO case_events
                         (event_id, tracking_code, event_type, happened_at, unit, person, notes)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (event_id) DO NOTHING",
                    &[
                        &event_id,
                        &e.tracking_code,
                        &event_type,
                        &e.updated_datetime,
                        &unit,
                        &one_line(&e.responsible_person, 300),
                        &notes,
                    ],
                )
                .await?;
            if n == 1 {
                // The applicant's notice, with its event (server/src/notices/).
                crate::notices::on_event(&tx, &e.tracking_code, &event_id, &event_type, &unit)
                    .await?;
            }
            inserted += n;
        }
        tx.commit().await?;
        let inserted = usize::try_from(inserted).unwrap_or(usize::MAX);
        UpstreamStats::add(&self.inner.stats.events, inserted);
        UpstreamStats::add(&self.inner.stats.events_skipped, skipped);
        Ok(Some(inserted))
    }

    /// How long until a pending item is due (`None`: nothing pending).
    async fn next_due(&self) -> Result<Option<Duration>, UpstreamError> {
        let client = self.inner.pool.get().await?;
        let row = client
            .query_one(
                "SELECT EXTRACT(EPOCH FROM min(greatest(next_attempt_at,
                            coalesce(leased_until, next_attempt_at))) - now())::float8
                 FROM upstream_outbox WHERE state = 'pending'",
                &[],
            )
            .await?;
        let secs: Option<f64> = row.get(0);
        Ok(secs.map(|s| Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::MAX)))
    }

    /// Runs rounds and pulls until `shutdown` turns true: a round at once while items are
    /// claimable, otherwise a sleep until the next item is due, the next pull, the poll
    /// interval, a `wake` or the shutdown, whichever comes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, wake: Arc<Notify>) {
        let settings = self.settings().clone();
        let mut next_pull = Instant::now();
        let mut pull_failures: u32 = 0;
        let mut db_failures: u32 = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut sleep = settings.poll_interval;
            let mut busy = false;
            match self.round().await {
                Ok(r) => {
                    db_failures = 0;
                    busy = r.claimed > 0;
                }
                Err(e) => {
                    db_failures = db_failures.saturating_add(1);
                    sleep = settings.backoff.delay(db_failures, &mut rand::rng());
                    tracing::error!(error = %e, ?sleep, "upstream round failed");
                }
            }
            if let Some(interval) = settings.event_pull_interval
                && Instant::now() >= next_pull
            {
                match self.pull_events().await {
                    Ok(n) => {
                        pull_failures = 0;
                        if n > 0 {
                            tracing::info!(events = n, "SAMAD events pulled");
                        }
                        next_pull = Instant::now() + interval;
                    }
                    Err(e) => {
                        pull_failures = pull_failures.saturating_add(1);
                        let asked = match &e {
                            UpstreamError::Sync(SyncError::RateLimited { retry_after, .. }) => {
                                *retry_after
                            }
                            _ => None,
                        };
                        let wait = asked.unwrap_or_else(|| {
                            settings.backoff.delay(pull_failures, &mut rand::rng())
                        });
                        tracing::warn!(error = %e, ?wait, "pulling SAMAD's events failed");
                        next_pull = Instant::now() + wait;
                    }
                }
            }
            if busy {
                continue;
            }
            if db_failures == 0
                && let Ok(Some(due)) = self.next_due().await
            {
                sleep = sleep.min(due + Duration::from_millis(5));
            }
            if settings.event_pull_interval.is_some() {
                sleep = sleep.min(next_pull.saturating_duration_since(Instant::now()));
            }
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                () = wake.notified() => {}
                changed = shutdown.changed() => {
                    // The sender is gone: nobody can ask for a stop any more, so stop now
                    // rather than spin on a closed channel.
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Starts [`Upstream::run`] as a tokio task.
    pub fn spawn(self) -> UpstreamHandle {
        let (stop, stopped) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let upstream = self.clone();
        let task = tokio::spawn(self.run(stopped, Arc::clone(&wake)));
        UpstreamHandle {
            upstream,
            stop,
            wake,
            task,
        }
    }
}

/// Relays `pool`'s upstream outbox to SAMAD and pulls SAMAD's events until `shutdown` turns
/// true (what `agency-server serve --samad-url …` runs beside the device contract).
pub async fn run_upstream(pool: Pool, settings: UpstreamSettings, shutdown: watch::Receiver<bool>) {
    Upstream::new(pool, settings)
        .run(shutdown, Arc::new(Notify::new()))
        .await;
}

/// A running relay.
#[derive(Debug)]
pub struct UpstreamHandle {
    upstream: Upstream,
    stop: watch::Sender<bool>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl UpstreamHandle {
    /// New items were accepted: look at the outbox now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The relay's counters.
    pub fn stats(&self) -> &UpstreamStats {
        self.upstream.stats()
    }

    /// Stops after the current step and waits. Items it held stay leased until the lease
    /// ends, then any instance sends them again (SAMAD answers the replay 200).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the upstream task ended abnormally");
        }
    }
}

/// A parked item, for the operator.
#[derive(Debug, Clone, Serialize)]
pub struct ParkedItem {
    /// The outbox row.
    pub id: i64,
    /// The kiosk number that sent it.
    pub kiosk_number: i32,
    /// Its key.
    pub item_id: Uuid,
    /// case, service, rating or meeting.
    pub item_type: String,
    /// Sends made.
    pub attempts: i32,
    /// Why SAMAD (or the server) refused it.
    pub reason: Option<String>,
    /// When the server accepted it.
    pub created_at: DateTime<Utc>,
}

/// The upstream outbox at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamStatus {
    /// Items waiting (leased or not).
    pub pending: i64,
    /// Of those, held by an instance now.
    pub leased: i64,
    /// Items SAMAD accepted.
    pub done: i64,
    /// Items refused for good.
    pub parked: i64,
    /// Age of the oldest pending item, in seconds.
    pub oldest_pending_age_s: Option<i64>,
    /// Pending items that failed at least once, and the latest error among them.
    pub failing: i64,
    /// The latest error of a pending item.
    pub last_error: Option<String>,
    /// Parked items, oldest first (at most the limit asked).
    pub parked_items: Vec<ParkedItem>,
    /// Kiosk feeds with an event cursor.
    pub event_cursors: i64,
}

/// The counts per state, the oldest pending age and up to `parked_limit` parked items.
pub async fn status(pool: &Pool, parked_limit: i64) -> Result<UpstreamStatus, DbError> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "SELECT
                 count(*) FILTER (WHERE state = 'pending'),
                 count(*) FILTER (WHERE state = 'pending' AND leased_until > now()),
                 count(*) FILTER (WHERE state = 'done'),
                 count(*) FILTER (WHERE state = 'parked'),
                 EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE state = 'pending'))::bigint,
                 count(*) FILTER (WHERE state = 'pending' AND attempts > 0),
                 (SELECT last_error FROM upstream_outbox
                  WHERE state = 'pending' AND last_error IS NOT NULL
                  ORDER BY next_attempt_at DESC LIMIT 1),
                 (SELECT count(*) FROM upstream_cursors)
             FROM upstream_outbox",
            &[],
        )
        .await?;
    let parked_items = client
        .query(
            "SELECT id, kiosk_number, item_id, item_type, attempts, last_error, created_at
             FROM upstream_outbox WHERE state = 'parked' ORDER BY id LIMIT $1",
            &[&parked_limit.max(0)],
        )
        .await?
        .iter()
        .map(|r| ParkedItem {
            id: r.get(0),
            kiosk_number: r.get(1),
            item_id: r.get(2),
            item_type: r.get(3),
            attempts: r.get(4),
            reason: r.get(5),
            created_at: r.get(6),
        })
        .collect();
    Ok(UpstreamStatus {
        pending: row.get(0),
        leased: row.get(1),
        done: row.get(2),
        parked: row.get(3),
        oldest_pending_age_s: row.get(4),
        failing: row.get(5),
        last_error: row.get(6),
        parked_items,
        event_cursors: row.get(7),
    })
}

impl fmt::Display for UpstreamStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pending {} (leased {}, failed before {}), done {}, parked {}",
            self.pending, self.leased, self.failing, self.done, self.parked
        )?;
        match self.oldest_pending_age_s {
            Some(age) => writeln!(f, "oldest pending: {age} s")?,
            None => writeln!(f, "oldest pending: none")?,
        }
        if let Some(e) = &self.last_error {
            writeln!(f, "latest error: {e}")?;
        }
        writeln!(f, "event feeds followed: {}", self.event_cursors)?;
        for p in &self.parked_items {
            writeln!(
                f,
                "parked #{} kiosk {} {} {} after {} attempt(s): {}",
                p.id,
                p.kiosk_number,
                p.item_type,
                p.item_id,
                p.attempts,
                p.reason.as_deref().unwrap_or("(no reason kept)")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_files_must_be_small_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_credential("--samad-ca", Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = read_credential("--samad-ca", dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'A'; (MAX_CREDENTIAL_FILE_BYTES + 1) as usize]).unwrap();
        let err = read_credential("--samad-ca", &big).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        let token = dir.path().join("token");
        std::fs::write(&token, "two words\n").unwrap();
        let err =
            UpstreamSettings::from_files("https://samad", &big, &big, &big, &token).unwrap_err();
        assert!(
            err.to_string().contains("one token without spaces"),
            "{err}"
        );
    }

    #[test]
    fn texts_from_samad_become_one_bounded_line() {
        assert_eq!(one_line("a\nb\0c", 10), "a b c");
        assert_eq!(one_line("۱۲۳۴۵", 3), "۱۲۳");
    }
}
