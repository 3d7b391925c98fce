//! Sends the notices through the SMS provider's HTTP API (tools/sms-sim speaks it) and asks
//! for their delivery reports. notices/mod.rs says what "exactly once" rests on; here:
//!
//! - A round claims due pending notices (`FOR UPDATE SKIP LOCKED`, a lease whose end is the
//!   claim's token), sends them at most `max_in_flight` at once and no faster than
//!   `rate_per_second` (the provider's limit: a backlog drains at that rate, not in bursts of
//!   429), and settles each by the answer, while the lease is still the claimer's:
//!   - 200/201 with the provider's id: `sent`; its delivery report is asked for from then on;
//!   - 429: pending again after `Retry-After` (1 s without one);
//!   - 5xx, 408, no answer, an answer off the API, and 401/403 (the setup's fault, not the
//!     notice's): pending again after a backoff with full jitter from its attempts;
//!   - any other 4xx: `failed`, with the provider's reason (it would never be taken).
//! - Delivery reports: `sent` notices are asked about after `first_check`, then at doubling
//!   waits up to `check_cap`, until `delivered` or `undeliverable`; after `give_up_checking`
//!   a notice stays `sent` and is asked about no more.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use kiosk_sync::Backoff;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, MissedTickBehavior};
use uuid::Uuid;

/// Longest reason kept in `last_error`, in characters.
const MAX_ERROR_CHARS: usize = 300;

/// How the server reaches the SMS provider.
#[derive(Clone)]
pub struct NoticeSettings {
    /// The provider's base URL (`https://…`, or `http://` on loopback).
    pub base_url: String,
    /// The API key, sent as a bearer token (never logged).
    pub api_key: String,
    /// A PEM CA the provider's certificate must chain to (`https` only).
    pub ca_pem: Option<String>,
    /// The provider's limit: messages sent per second, at most.
    pub rate_per_second: u32,
    /// Requests to the provider at once.
    pub max_in_flight: usize,
    /// Notices claimed per round.
    pub claim: i64,
    /// Longest wait for a whole request.
    pub request_timeout: Duration,
    /// How long a claim holds its notices; well past `request_timeout`.
    pub lease: Duration,
    /// Waits after failures.
    pub backoff: Backoff,
    /// How often the table is looked at when idle.
    pub poll_interval: Duration,
    /// The first wait before a delivery report is asked for.
    pub first_check: Duration,
    /// The longest wait between two asks.
    pub check_cap: Duration,
    /// How long after sending the report is still asked for.
    pub give_up_checking: Duration,
}

impl std::fmt::Debug for NoticeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &"(hidden)")
            .field("rate_per_second", &self.rate_per_second)
            .field("max_in_flight", &self.max_in_flight)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl NoticeSettings {
    /// Settings for `base_url` with `api_key` and the defaults.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            ca_pem: None,
            rate_per_second: 20,
            max_in_flight: 8,
            claim: 200,
            request_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            backoff: Backoff {
                base: Duration::from_secs(2),
                cap: Duration::from_secs(600),
            },
            poll_interval: Duration::from_secs(1),
            first_check: Duration::from_secs(30),
            check_cap: Duration::from_secs(1800),
            give_up_checking: Duration::from_secs(48 * 3600),
        }
    }

    /// Settings with the key (and CA, for `https`) read from files.
    pub fn from_files(
        base_url: &str,
        key_file: &Path,
        ca_file: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let key = crate::upstream::read_credential("the SMS API key file", key_file)?;
        let key = key.trim();
        anyhow::ensure!(
            !key.is_empty(),
            "the SMS API key file {} is empty",
            key_file.display()
        );
        let mut settings = Self::new(base_url, key);
        if let Some(ca) = ca_file {
            settings.ca_pem = Some(crate::upstream::read_credential("the SMS CA file", ca)?);
        }
        Ok(settings)
    }
}

/// What the sender did, counted since it started.
#[derive(Debug, Default)]
pub struct NoticeStats {
    /// Requests to send.
    pub requests: AtomicU64,
    /// Notices settled `sent`.
    pub sent: AtomicU64,
    /// Answers 429.
    pub rate_limited: AtomicU64,
    /// Failures put back for a retry.
    pub retried: AtomicU64,
    /// Notices failed for good.
    pub failed: AtomicU64,
    /// Settlements refused because the lease had passed to another claimer.
    pub lost_leases: AtomicU64,
}

impl NoticeStats {
    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A notice claimed for sending.
#[derive(Debug)]
struct Claimed {
    id: i64,
    notice_ref: Uuid,
    body: String,
    phone: Option<String>,
    lease: DateTime<Utc>,
    attempts: i32,
}

/// How a request to send ended.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Sent(String),
    RetryAfter(Duration, String),
    Retry(String),
    Failed(String),
}

/// Puts a claimed notice back as pending, due after `wait`, if the lease is still the claim's.
async fn put_back(
    client: &deadpool_postgres::Client,
    notice: &Claimed,
    wait: Duration,
    reason: &str,
) -> Result<u64, tokio_postgres::Error> {
    tracing::warn!(notice = notice.id, reason = %reason, wait_ms = wait.as_millis(), "notice not sent; retried later");
    client
        .execute(
            "UPDATE notices SET leased_until = NULL, last_error = $3,
                 next_attempt_at = now() + make_interval(secs => $4)
             WHERE id = $1 AND leased_until = $2 AND state = 'pending'",
            &[&notice.id, &notice.lease, &reason, &wait.as_secs_f64()],
        )
        .await
}

/// The sender: a pool, a provider client, its settings and counters.
#[derive(Clone, Debug)]
pub struct NoticeSender {
    pool: Pool,
    settings: Arc<NoticeSettings>,
    http: reqwest::Client,
    stats: Arc<NoticeStats>,
}

/// `text` on one line, at most [`MAX_ERROR_CHARS`], with every run of four or more digits
/// masked: a provider's message may repeat the phone, which is never logged or kept.
fn one_line(text: &str) -> String {
    let flat: Vec<char> = crate::upstream::one_line(text, MAX_ERROR_CHARS)
        .chars()
        .collect();
    let mut out = String::with_capacity(flat.len());
    let mut rest = flat.as_slice();
    while let Some(&c) = rest.first() {
        let run = rest.iter().take_while(|c| c.is_numeric()).count();
        if run >= 4 {
            out.extend(std::iter::repeat_n('#', run));
            rest = &rest[run..];
        } else {
            out.push(c);
            rest = &rest[1..];
        }
    }
    out
}

impl NoticeSender {
    /// A sender on `pool`; fails on an unusable CA or an `https` URL without one.
    pub fn new(pool: Pool, settings: NoticeSettings) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("agency-server/", env!("CARGO_PKG_VERSION")));
        // The provider's certificate must chain to its pinned CA; plain http only on loopback
        // (tools/sms-sim), where no root is needed.
        let url = settings.base_url.as_str();
        let mut roots = rustls::RootCertStore::empty();
        if url.starts_with("https://") {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject as _;
            let ca = settings
                .ca_pem
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("an https SMS provider needs its CA (--sms-ca)"))?;
            for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots.add(cert.map_err(|e| anyhow::anyhow!("the SMS CA: {e}"))?)?;
            }
        } else {
            anyhow::ensure!(
                ["http://127.", "http://localhost", "http://[::1]"]
                    .iter()
                    .any(|loopback| url.starts_with(loopback)),
                "the SMS provider's URL must be https (plain http only on loopback)"
            );
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        builder = builder.tls_backend_preconfigured(tls);
        Ok(Self {
            pool,
            http: builder.build()?,
            settings: Arc::new(settings),
            stats: Arc::new(NoticeStats::default()),
        })
    }

    /// Its counters.
    pub fn stats(&self) -> &NoticeStats {
        &self.stats
    }

    /// Notices claimed at once: at most `claim`, and no more than half a lease's worth at the
    /// provider's rate, so a round ends well before its lease (else another instance would
    /// take the rest of it as well).
    fn claim_size(&self) -> i64 {
        let s = &self.settings;
        let half_lease = s.lease.as_secs_f64() / 2.0 * f64::from(s.rate_per_second.max(1));
        s.claim.min(half_lease as i64).max(1)
    }

    /// Claims up to [`Self::claim_size`] due notices.
    async fn claim(&self) -> Result<Vec<Claimed>, crate::db::DbError> {
        let client = self.pool.get().await?;
        let lease_ms = i64::try_from(self.settings.lease.as_millis()).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "UPDATE notices n
                 SET leased_until = clock_timestamp() + make_interval(secs => $2::float8 / 1000),
                     attempts = n.attempts + 1
                 FROM cases c
                 WHERE n.id IN (
                     SELECT id FROM notices
                     WHERE state = 'pending' AND next_attempt_at <= now()
                       AND (leased_until IS NULL OR leased_until < now())
                     ORDER BY next_attempt_at, id
                     LIMIT $1
                     FOR UPDATE SKIP LOCKED)
                   AND c.tracking_code = n.tracking_code
                 RETURNING n.id, n.notice_ref, n.body, c.payload->>'phone', n.leased_until,
                           n.attempts",
                &[&self.claim_size(), &(lease_ms as f64)],
            )
            .await?;
        let mut claimed: Vec<Claimed> = rows
            .iter()
            .map(|r| Claimed {
                id: r.get(0),
                notice_ref: r.get(1),
                body: r.get(2),
                phone: r.get(3),
                lease: r.get(4),
                attempts: r.get(5),
            })
            .collect();
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// One request to send, judged.
    async fn send(&self, notice: &Claimed) -> Outcome {
        let Some(phone) = notice.phone.as_deref() else {
            return Outcome::Failed("the case has no mobile number".to_owned());
        };
        NoticeStats::add(&self.stats.requests, 1);
        let url = format!(
            "{}/v1/messages",
            self.settings.base_url.trim_end_matches('/')
        );
        let body = json!({
            "to": phone,
            "text": notice.body,
            "client_ref": notice.notice_ref.to_string(),
        });
        let response = match self
            .http
            .post(url)
            .bearer_auth(&self.settings.api_key)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return Outcome::Retry(one_line(&format!("no answer: {e}"))),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| kiosk_sync::parse_retry_after(v, SystemTime::now()));
        let answer: Option<Value> = response.json().await.ok();
        let reason = |what: &str| {
            let said = answer
                .as_ref()
                .and_then(|a| a.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("");
            one_line(&format!("{what} ({}): {said}", status.as_u16()))
        };
        match status {
            s if s.is_success() => {
                match answer
                    .as_ref()
                    .and_then(|a| a.get("id"))
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty() && id.len() <= 200)
                {
                    Some(id) => Outcome::Sent(id.to_owned()),
                    None => Outcome::Retry(reason("an answer without a message id")),
                }
            }
            StatusCode::TOO_MANY_REQUESTS => Outcome::RetryAfter(
                retry_after.unwrap_or(Duration::from_secs(1)),
                reason("the provider's rate limit"),
            ),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                tracing::error!(
                    status = status.as_u16(),
                    "the SMS provider refused the API key; notices wait"
                );
                Outcome::Retry(reason("the provider refused the API key"))
            }
            // The setup's fault (a wrong URL or path, a proxy in the way), not the notice's:
            // the backlog waits for the operator instead of failing for good.
            StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::PROXY_AUTHENTICATION_REQUIRED
            | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                tracing::error!(
                    status = status.as_u16(),
                    "the SMS provider's URL does not take messages; notices wait"
                );
                Outcome::Retry(reason("the provider's URL does not take messages"))
            }
            StatusCode::REQUEST_TIMEOUT => Outcome::Retry(reason("the provider timed out")),
            s if s.is_server_error() => Outcome::Retry(reason("the provider failed")),
            s if s.is_client_error() => Outcome::Failed(reason("the provider refused it")),
            _ => Outcome::Retry(reason("an answer off the API")),
        }
    }

    /// Settles a notice by its outcome, if the lease is still this claim's.
    async fn settle(&self, notice: &Claimed, outcome: &Outcome) -> Result<(), crate::db::DbError> {
        let client = self.pool.get().await?;
        let n = match outcome {
            Outcome::Sent(provider_id) => {
                let first = self.settings.first_check.as_secs_f64();
                NoticeStats::add(&self.stats.sent, 1);
                client
                    .execute(
                        "UPDATE notices SET state = 'sent', provider_id = $3, sent_at = now(),
                             leased_until = NULL, last_error = NULL,
                             next_check_at = now() + make_interval(secs => $4)
                         WHERE id = $1 AND leased_until = $2 AND state = 'pending'",
                        &[&notice.id, &notice.lease, provider_id, &first],
                    )
                    .await?
            }
            Outcome::RetryAfter(wait, reason) => {
                NoticeStats::add(&self.stats.rate_limited, 1);
                put_back(&client, notice, *wait, reason).await?
            }
            Outcome::Retry(reason) => {
                NoticeStats::add(&self.stats.retried, 1);
                let failures = u32::try_from(notice.attempts.max(1)).unwrap_or(1);
                let wait = self.settings.backoff.delay(failures, &mut rand::rng());
                put_back(&client, notice, wait, reason).await?
            }
            Outcome::Failed(reason) => {
                NoticeStats::add(&self.stats.failed, 1);
                tracing::warn!(notice = notice.id, reason = %reason, "notice refused by the provider; failed");
                client
                    .execute(
                        "UPDATE notices SET state = 'failed', leased_until = NULL,
                             last_error = $3
                         WHERE id = $1 AND leased_until = $2 AND state = 'pending'",
                        &[&notice.id, &notice.lease, reason],
                    )
                    .await?
            }
        };
        if n == 0 {
            NoticeStats::add(&self.stats.lost_leases, 1);
            tracing::warn!(
                notice = notice.id,
                "notice's lease passed to another claimer; its answer is not kept"
            );
        }
        Ok(())
    }

    /// One round: claims due notices and sends them, paced by `pace`. Returns how many were
    /// claimed.
    pub async fn round(
        &self,
        pace: &mut tokio::time::Interval,
    ) -> Result<usize, crate::db::DbError> {
        let claimed = self.claim().await?;
        let count = claimed.len();
        let mut running = JoinSet::new();
        for notice in claimed {
            while running.len() >= self.settings.max_in_flight.max(1) {
                if let Some(done) = running.join_next().await {
                    done.unwrap_or_else(|e| {
                        tracing::error!(error = %e, "a notice task ended abnormally");
                        Ok(())
                    })?;
                }
            }
            pace.tick().await;
            let sender = self.clone();
            running.spawn(async move {
                let outcome = sender.send(&notice).await;
                sender.settle(&notice, &outcome).await
            });
        }
        while let Some(done) = running.join_next().await {
            done.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a notice task ended abnormally");
                Ok(())
            })?;
        }
        Ok(count)
    }

    /// Asks for the delivery reports that are due; returns how many were asked for.
    pub async fn check_deliveries(&self) -> Result<usize, crate::db::DbError> {
        let client = self.pool.get().await?;
        let s = &self.settings;
        // Moving `next_check_at` on is the claim: no other instance asks at once.
        let rows = client
            .query(
                "UPDATE notices SET checks = checks + 1,
                     next_check_at = now() + make_interval(secs => least($2 * power(2, checks), $3))
                 WHERE id IN (
                     SELECT id FROM notices
                     WHERE state = 'sent' AND next_check_at <= now()
                     ORDER BY next_check_at LIMIT $1
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, provider_id, sent_at",
                &[
                    &s.claim,
                    &s.first_check.as_secs_f64(),
                    &s.check_cap.as_secs_f64(),
                ],
            )
            .await?;
        let base = s.base_url.trim_end_matches('/');
        for row in &rows {
            let id: i64 = row.get(0);
            let provider_id: Option<String> = row.get(1);
            let sent_at: Option<DateTime<Utc>> = row.get(2);
            let Some(provider_id) = provider_id else {
                continue;
            };
            let status = match self
                .http
                .get(format!("{base}/v1/messages/{provider_id}"))
                .bearer_auth(&s.api_key)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned)),
                _ => None,
            };
            let settled = match status.as_deref() {
                Some("delivered") => Some("delivered"),
                Some("undeliverable") => Some("undeliverable"),
                _ => None,
            };
            if let Some(state) = settled {
                client
                    .execute(
                        "UPDATE notices SET state = $2, next_check_at = NULL,
                             delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
                         WHERE id = $1 AND state = 'sent'",
                        &[&id, &state],
                    )
                    .await?;
            } else if sent_at.is_some_and(|at| {
                (Utc::now() - at).to_std().unwrap_or_default() > s.give_up_checking
            }) {
                client
                    .execute(
                        "UPDATE notices SET next_check_at = NULL WHERE id = $1 AND state = 'sent'",
                        &[&id],
                    )
                    .await?;
            }
        }
        Ok(rows.len())
    }

    /// Runs rounds and delivery checks until `shutdown` turns true, each in a loop of its
    /// own: asking for reports never holds back sending at the provider's rate.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tokio::join!(
            self.clone().send_loop(shutdown.clone()),
            self.check_loop(shutdown)
        );
    }

    async fn send_loop(self, mut shutdown: watch::Receiver<bool>) {
        let period = Duration::from_secs_f64(1.0 / f64::from(self.settings.rate_per_second.max(1)));
        let mut pace = tokio::time::interval(period);
        pace.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut failures: u32 = 0;
        loop {
            if *shutdown.borrow() {
                return;
            }
            let sleep = match self.round(&mut pace).await {
                Ok(claimed) => {
                    failures = 0;
                    if claimed > 0 {
                        continue;
                    }
                    self.settings.poll_interval
                }
                Err(e) => {
                    failures += 1;
                    tracing::error!(error = %e, "notices: the database failed; trying again later");
                    self.settings.backoff.delay(failures, &mut rand::rng())
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(Instant::now() + sleep) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn check_loop(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let asked = match self.check_deliveries().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "notices: delivery reports not asked for");
                    0
                }
            };
            if asked > 0 {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Runs [`Self::run`] on a task of its own.
    pub fn spawn(self) -> NoticesHandle {
        let (stop, stopped) = watch::channel(false);
        let stats = Arc::clone(&self.stats);
        let task = tokio::spawn(self.run(stopped));
        NoticesHandle { stop, stats, task }
    }
}

/// A running sender.
#[derive(Debug)]
pub struct NoticesHandle {
    stop: watch::Sender<bool>,
    stats: Arc<NoticeStats>,
    task: JoinHandle<()>,
}

impl NoticesHandle {
    /// Its counters.
    pub fn stats(&self) -> &NoticeStats {
        &self.stats
    }

    /// Stops after the current step and waits; notices it held are sent again by any
    /// instance once their lease ends (the provider answers the replay with the first message).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the notice task ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_providers_words_keep_no_phone_and_no_line_break() {
        assert_eq!(
            one_line("to 09121234567 refused\n(422): ۰۹۱۲۱۲۳۴۵۶۷"),
            "to ########### refused (422): ###########"
        );
    }
}
