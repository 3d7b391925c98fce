//! The HTTPS client of the wire contract: one method per operation, every answer sorted into
//! a [`SyncError`] the relay can act on (retry, wait, park, alert) before anyone reads it.
//!
//! Mutual TLS with the kiosk's certificate and a pinned CA (see `tls`), a bearer token on every
//! request, a connect timeout and a whole-request timeout (a server that accepts and then says
//! nothing cannot hold the relay), gzip-compressed answers accepted.

use std::time::Duration;

use reqwest::header::{ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::SyncError;
use crate::tls::{TlsMaterial, client_config};
use crate::wire::{
    API_PREFIX, Catalogue, EventPage, Heartbeat, HeartbeatAck, Problem, SubmitBatch,
    SubmitBatchResult,
};

/// Longest reason kept from a refusal's body, in characters.
const MAX_REASON_CHARS: usize = 300;

/// Where and how to reach SAMAD.
#[derive(Clone)]
pub struct ClientSettings {
    /// `https://host:port` (no trailing slash needed).
    pub base_url: String,
    /// The fleet-assigned kiosk number.
    pub kiosk_number: u32,
    /// The kiosk's bearer token (never logged).
    pub token: String,
    /// Certificates and key.
    pub tls: TlsMaterial,
    /// Longest wait for a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Longest wait for a whole request, answer included.
    pub request_timeout: Duration,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSettings")
            .field("base_url", &self.base_url)
            .field("kiosk_number", &self.kiosk_number)
            .field("token", &"(hidden)")
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// A catalogue download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueFetch {
    /// Unchanged since the ETag sent.
    NotModified,
    /// A new catalogue and its ETag.
    Changed {
        /// The catalogue.
        catalogue: Box<Catalogue>,
        /// Its ETag, to send next time.
        etag: String,
    },
}

/// A client of SAMAD for one kiosk.
#[derive(Clone)]
pub struct SamadClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl std::fmt::Debug for SamadClient {
    /// The token is a credential: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamadClient")
            .field("base", &self.base)
            .field("token", &"(hidden)")
            .finish()
    }
}

/// The error and its causes on one line (reqwest hides the TLS reason in a source).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn transport(e: reqwest::Error) -> SyncError {
    SyncError::Transport(chain(&e))
}

/// `Retry-After` in seconds (the HTTP-date form is not used by SAMAD and is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// SAMAD's reason from a refusal body (a `Problem`, or the text itself, cut short).
fn reason(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Problem>(body) {
        Ok(p) => format!("{}: {}", p.code, p.reason),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON_CHARS)
        .collect()
}

impl SamadClient {
    /// A client for `settings`; fails on unusable certificates or key.
    pub fn new(settings: &ClientSettings) -> Result<Self, SyncError> {
        let tls = client_config(&settings.tls)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .gzip(true)
            .user_agent(concat!("kiosk-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Config(chain(&e)))?;
        let base = format!(
            "{}{API_PREFIX}/kiosks/{}",
            settings.base_url.trim_end_matches('/'),
            settings.kiosk_number
        );
        Ok(Self {
            http,
            base,
            token: settings.token.clone(),
        })
    }

    /// Sorts a non-success answer into an error.
    async fn refusal(response: Response) -> SyncError {
        let status = response.status();
        let wait = retry_after(response.headers());
        let body = response.bytes().await.unwrap_or_default();
        let code = status.as_u16();
        match status {
            StatusCode::TOO_MANY_REQUESTS => SyncError::RateLimited {
                status: code,
                retry_after: wait,
            },
            StatusCode::SERVICE_UNAVAILABLE if wait.is_some() => SyncError::RateLimited {
                status: code,
                retry_after: wait,
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => SyncError::Unauthorized {
                status: code,
                reason: reason(&body),
            },
            StatusCode::REQUEST_TIMEOUT => SyncError::Server { status: code },
            s if s.is_server_error() => SyncError::Server { status: code },
            _ => SyncError::Refused {
                status: code,
                reason: reason(&body),
            },
        }
    }

    /// The JSON body of a successful answer.
    async fn json<T: DeserializeOwned>(response: Response) -> Result<T, SyncError> {
        if !response.status().is_success() {
            return Err(Self::refusal(response).await);
        }
        let body = response.bytes().await.map_err(transport)?;
        serde_json::from_slice(&body).map_err(|e| SyncError::BadAnswer(e.to_string()))
    }

    /// Submits a batch; every item gets a result, in order, or the whole answer is refused as
    /// [`SyncError::BadAnswer`].
    pub async fn submit_batch(&self, batch: &SubmitBatch) -> Result<SubmitBatchResult, SyncError> {
        let response = self
            .http
            .post(format!("{}/submissions", self.base))
            .bearer_auth(&self.token)
            .json(batch)
            .send()
            .await
            .map_err(transport)?;
        let result: SubmitBatchResult = Self::json(response).await?;
        if result.results.len() != batch.items.len()
            || result
                .results
                .iter()
                .zip(&batch.items)
                .any(|(r, i)| r.item_id != i.item_id)
        {
            return Err(SyncError::BadAnswer(format!(
                "{} results for {} items, or not in the order sent",
                result.results.len(),
                batch.items.len()
            )));
        }
        Ok(result)
    }

    /// A page of events after `after` (from the start when `None`).
    pub async fn events(&self, after: Option<&str>, limit: u32) -> Result<EventPage, SyncError> {
        let mut query: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        let response = self
            .http
            .get(format!("{}/events", self.base))
            .bearer_auth(&self.token)
            .query(&query)
            .send()
            .await
            .map_err(transport)?;
        Self::json(response).await
    }

    /// The catalogue, unless it is still the one with `etag`.
    pub async fn catalogue(&self, etag: Option<&str>) -> Result<CatalogueFetch, SyncError> {
        let mut request = self
            .http
            .get(format!("{}/catalogue", self.base))
            .bearer_auth(&self.token);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = request.send().await.map_err(transport)?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(CatalogueFetch::NotModified);
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let catalogue: Catalogue = Self::json(response).await?;
        let etag =
            etag.ok_or_else(|| SyncError::BadAnswer("catalogue without an ETag".to_owned()))?;
        Ok(CatalogueFetch::Changed {
            catalogue: Box::new(catalogue),
            etag,
        })
    }

    /// Sends the kiosk's health.
    pub async fn heartbeat(&self, heartbeat: &Heartbeat) -> Result<HeartbeatAck, SyncError> {
        let response = self
            .http
            .post(format!("{}/heartbeat", self.base))
            .bearer_auth(&self.token)
            .json(heartbeat)
            .send()
            .await
            .map_err(transport)?;
        Self::json(response).await
    }
}
