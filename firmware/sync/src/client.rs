//! The HTTPS client of the wire contract: one method per operation, every answer sorted into
//! a [`SyncError`] the relay can act on (retry, wait, park, alert) before anyone reads it.
//!
//! Mutual TLS with the kiosk's certificate and a pinned CA (see `tls`), a bearer token on every
//! request, a connect timeout and a whole-request timeout (a server that accepts and then says
//! nothing cannot hold the relay), gzip-compressed answers accepted and request bodies above a
//! threshold sent gzip-compressed (`Content-Encoding: gzip`: a batch of cases over a slow mobile
//! link shrinks several times). `Retry-After` is read in both of its forms (delta-seconds and
//! HTTP-date) and clamped to [`MAX_RETRY_AFTER`], so a wrong server clock cannot stop the relay.

use std::io::Write;
use std::time::{Duration, SystemTime};

use kiosk_config::SamadSettings;
use reqwest::header::{
    CONTENT_ENCODING, CONTENT_TYPE, ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER,
};
use reqwest::{Response, StatusCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::SyncError;
use crate::tls::{TlsMaterial, client_config};
use crate::wire::{
    API_PREFIX, CaseLookup, CaseStatus, Catalogue, EventPage, Heartbeat, HeartbeatAck, Problem,
    StaffAccepted, StaffLogin, SubmitBatch, SubmitBatchResult,
};

/// Longest reason kept from a refusal's body, in characters.
const MAX_REASON_CHARS: usize = 300;

/// The longest wait a `Retry-After` may ask for; longer (or a date far ahead) is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Request bodies of more bytes than this are gzip-compressed unless set otherwise.
pub const DEFAULT_GZIP_MIN_BYTES: usize = 4096;

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

/// A download of the fleet's satisfaction keys (the agency server's operation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetKeysFetch {
    /// Unchanged since the ETag sent.
    NotModified,
    /// The list now and its ETag.
    Changed {
        /// Every active device's key.
        keys: crate::wire::FleetKeyList,
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
    gzip_min_bytes: usize,
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

/// The wait a `Retry-After` value asks for at `now`: delta-seconds or an HTTP-date (a date in
/// the past means no wait), at most [`MAX_RETRY_AFTER`]; `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits beyond u64 are still "very long".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// `Retry-After` of an answer.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// Largest PEM file read from the `[samad]` section (CA, certificate chain, private key): a
/// chain of a few certificates is a few kilobytes.
pub const MAX_PEM_FILE_BYTES: usize = 1 << 20;

/// Largest bearer-token file read: a token is a few hundred bytes.
pub const MAX_TOKEN_FILE_BYTES: usize = 64 << 10;

/// Reads one file named by a key of the `[samad]` section, at most `max` bytes and only a
/// regular file (`kiosk_store::small_file`): a named pipe, a device such as `/dev/zero` or a
/// directory is refused at once, naming the key and the file, instead of blocking or filling
/// memory.
fn read_file(key: &str, path: &std::path::Path, max: usize) -> Result<String, SyncError> {
    kiosk_store::small_file::read_text(path, max)
        .map_err(|e| SyncError::Config(format!("samad.{key}: cannot read {}: {e}", path.display())))
}

impl ClientSettings {
    /// The settings of the `[samad]` section for kiosk `kiosk_number`: reads the token, the
    /// pinned CA, the certificate and the key from their files; every error names its key.
    pub fn from_config(samad: &SamadSettings, kiosk_number: u32) -> Result<Self, SyncError> {
        let bad = |key: &str, path: &std::path::Path, why: String| {
            SyncError::Config(format!("samad.{key}: {}: {why}", path.display()))
        };
        let token = read_file("token_file", &samad.token_file, MAX_TOKEN_FILE_BYTES)?
            .trim()
            .to_owned();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(bad(
                "token_file",
                &samad.token_file,
                "must hold one token without spaces".into(),
            ));
        }
        let ca_pem = read_file("ca_file", &samad.ca_file, MAX_PEM_FILE_BYTES)?;
        let cas = CertificateDer::pem_slice_iter(ca_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad("ca_file", &samad.ca_file, format!("not valid PEM: {e}")))?;
        if cas.is_empty() {
            return Err(bad(
                "ca_file",
                &samad.ca_file,
                "holds no certificate".into(),
            ));
        }
        let client_cert_pem = read_file(
            "client_cert_file",
            &samad.client_cert_file,
            MAX_PEM_FILE_BYTES,
        )?;
        let chain = CertificateDer::pem_slice_iter(client_cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                bad(
                    "client_cert_file",
                    &samad.client_cert_file,
                    format!("not valid PEM: {e}"),
                )
            })?;
        if chain.is_empty() {
            return Err(bad(
                "client_cert_file",
                &samad.client_cert_file,
                "holds no certificate".into(),
            ));
        }
        let client_key_pem = read_file(
            "client_key_file",
            &samad.client_key_file,
            MAX_PEM_FILE_BYTES,
        )?;
        PrivateKeyDer::from_pem_slice(client_key_pem.as_bytes()).map_err(|e| {
            bad(
                "client_key_file",
                &samad.client_key_file,
                format!("no usable private key: {e}"),
            )
        })?;
        Ok(Self {
            base_url: samad.base_url.clone(),
            kiosk_number,
            token,
            tls: TlsMaterial {
                ca_pem,
                client_cert_pem,
                client_key_pem,
            },
            connect_timeout: samad.connect_timeout,
            request_timeout: samad.request_timeout,
        })
    }
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
            gzip_min_bytes: DEFAULT_GZIP_MIN_BYTES,
        })
    }

    /// The client of the `[samad]` section (files read, gzip threshold set) for kiosk
    /// `kiosk_number`; errors name the section's key.
    pub fn from_config(samad: &SamadSettings, kiosk_number: u32) -> Result<Self, SyncError> {
        let settings = ClientSettings::from_config(samad, kiosk_number)?;
        let client = Self::new(&settings)?;
        Ok(client.with_gzip_min_bytes(usize::try_from(samad.gzip_min_bytes).unwrap_or(usize::MAX)))
    }

    /// Request bodies of more than `bytes` bytes are sent gzip-compressed (`usize::MAX`: never).
    #[must_use]
    pub fn with_gzip_min_bytes(mut self, bytes: usize) -> Self {
        self.gzip_min_bytes = bytes;
        self
    }

    /// A JSON POST, its body gzip-compressed when it is larger than the threshold.
    async fn post_json(&self, url: String, body: &impl Serialize) -> Result<Response, SyncError> {
        let json = serde_json::to_vec(body).map_err(|e| SyncError::Config(e.to_string()))?;
        let mut request = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .header(CONTENT_TYPE, "application/json");
        request = if json.len() > self.gzip_min_bytes {
            request
                .header(CONTENT_ENCODING, "gzip")
                .body(gzip(&json).map_err(|e| SyncError::Config(format!("gzip: {e}")))?)
        } else {
            request.body(json)
        };
        request.send().await.map_err(transport)
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
            .post_json(format!("{}/submissions", self.base), batch)
            .await?;
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

    /// GET `path` unless it is still what `etag` names: `None` for 304 Not Modified, else the
    /// body and its ETag (an answer without one is refused, naming `what`).
    async fn get_unless_same<T: DeserializeOwned>(
        &self,
        path: &str,
        etag: Option<&str>,
        what: &str,
    ) -> Result<Option<(T, String)>, SyncError> {
        let mut request = self
            .http
            .get(format!("{}/{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = request.send().await.map_err(transport)?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body: T = Self::json(response).await?;
        let etag = etag.ok_or_else(|| SyncError::BadAnswer(format!("{what} without an ETag")))?;
        Ok(Some((body, etag)))
    }

    /// The catalogue, unless it is still the one with `etag`.
    pub async fn catalogue(&self, etag: Option<&str>) -> Result<CatalogueFetch, SyncError> {
        Ok(
            match self
                .get_unless_same::<Catalogue>("catalogue", etag, "catalogue")
                .await?
            {
                None => CatalogueFetch::NotModified,
                Some((catalogue, etag)) => CatalogueFetch::Changed {
                    catalogue: Box::new(catalogue),
                    etag,
                },
            },
        )
    }

    /// Any of the agency's cases by tracking code and national code (the agency server's
    /// operation; SAMAD has none): `None` when no case has both.
    pub async fn look_up_case(&self, asked: &CaseLookup) -> Result<Option<CaseStatus>, SyncError> {
        let response = self
            .post_json(format!("{}/case-lookups", self.base), asked)
            .await?;
        if response.status() != StatusCode::NOT_FOUND {
            return Self::json(response).await.map(Some);
        }
        // A missing case, or a server without the operation (SAMAD itself): told apart by the
        // problem's code, so a misconfigured kiosk is not told "no such case" for ever.
        let body = response.bytes().await.map_err(transport)?;
        match serde_json::from_slice::<Problem>(&body) {
            Ok(p) if p.code == "unknown_case" => Ok(None),
            _ => Err(SyncError::Refused {
                status: 404,
                reason: reason(&body),
            }),
        }
    }

    /// Logs a staff member in with the office's account (the agency server's operation):
    /// `Err(SyncError::Unauthorized)` for a wrong code or PIN, `Err(SyncError::Refused { status:
    /// 423, .. })` while the account is locked.
    pub async fn staff_login(&self, login: &StaffLogin) -> Result<StaffAccepted, SyncError> {
        let response = self
            .post_json(format!("{}/staff-logins", self.base), login)
            .await?;
        Self::json(response).await
    }

    /// Raises a staff call of this kiosk at the agency server (idempotent by `call_id`); the
    /// answer is the call as the server keeps it, acknowledged or not.
    pub async fn raise_staff_call(
        &self,
        raise: &crate::wire::StaffCallRaise,
    ) -> Result<crate::wire::StaffCall, SyncError> {
        let response = self
            .post_json(format!("{}/staff-calls", self.base), raise)
            .await?;
        Self::json(response).await
    }

    /// The office's open staff calls, every kiosk's (`open`), or this kiosk's own calls, open
    /// and acknowledged (not `open`), oldest first.
    pub async fn staff_calls(&self, open: bool) -> Result<crate::wire::StaffCallList, SyncError> {
        let response = self
            .http
            .get(format!("{}/staff-calls", self.base))
            .bearer_auth(&self.token)
            .query(&[("open", if open { "true" } else { "false" })])
            .send()
            .await
            .map_err(transport)?;
        Self::json(response).await
    }

    /// Acknowledges the staff call `call_id` (any kiosk's) at this desk terminal, by
    /// `employee_code`; the answer is the call (acknowledged by whoever was first).
    pub async fn acknowledge_staff_call(
        &self,
        call_id: uuid::Uuid,
        employee_code: &str,
    ) -> Result<crate::wire::StaffCall, SyncError> {
        let body = crate::wire::StaffCallAcknowledge {
            employee_code: employee_code.to_owned(),
        };
        let response = self
            .post_json(
                format!("{}/staff-calls/{call_id}/acknowledge", self.base),
                &body,
            )
            .await?;
        Self::json(response).await
    }

    /// Publishes this device's satisfaction public key (64 hex digits) at the agency server
    /// (SAMAD has no such operation); the answer is the key as the server keeps it.
    pub async fn publish_satisfaction_key(
        &self,
        public_key: &str,
    ) -> Result<crate::wire::FleetKey, SyncError> {
        let body = crate::wire::SatisfactionKeyPublish {
            public_key: public_key.to_owned(),
        };
        let json = serde_json::to_vec(&body).map_err(|e| SyncError::Config(e.to_string()))?;
        let response = self
            .http
            .put(format!("{}/satisfaction-key", self.base))
            .bearer_auth(&self.token)
            .header(CONTENT_TYPE, "application/json")
            .body(json)
            .send()
            .await
            .map_err(transport)?;
        Self::json(response).await
    }

    /// The fleet's satisfaction keys at the agency server, unless still the list of `etag`.
    pub async fn fleet_keys(&self, etag: Option<&str>) -> Result<FleetKeysFetch, SyncError> {
        Ok(
            match self
                .get_unless_same::<crate::wire::FleetKeyList>("fleet-keys", etag, "fleet keys")
                .await?
            {
                None => FleetKeysFetch::NotModified,
                Some((keys, etag)) => FleetKeysFetch::Changed { keys, etag },
            },
        )
    }

    /// Sends the kiosk's health.
    pub async fn heartbeat(&self, heartbeat: &Heartbeat) -> Result<HeartbeatAck, SyncError> {
        let response = self
            .post_json(format!("{}/heartbeat", self.base), heartbeat)
            .await?;
        Self::json(response).await
    }

    /// Sends the kiosk's health with the receipts it owes (the same operation as
    /// [`SamadClient::heartbeat`]; the list is a member SAMAD ignores and the agency server keeps).
    pub async fn office_heartbeat(
        &self,
        heartbeat: &crate::wire::OfficeHeartbeat,
    ) -> Result<HeartbeatAck, SyncError> {
        let response = self
            .post_json(format!("{}/heartbeat", self.base), heartbeat)
            .await?;
        Self::json(response).await
    }

    /// What the receipt of one of the office's cases prints (the agency server's operation;
    /// the server records the copy as given by this device): `None` when the office has no
    /// case with this code.
    pub async fn receipt_copy(
        &self,
        tracking_code: &str,
    ) -> Result<Option<crate::wire::ReceiptCopy>, SyncError> {
        let asked = crate::wire::ReceiptCopyRequest {
            tracking_code: tracking_code.to_owned(),
        };
        let response = self
            .post_json(format!("{}/receipt-copies", self.base), &asked)
            .await?;
        if response.status() != StatusCode::NOT_FOUND {
            return Self::json(response).await.map(Some);
        }
        // As for look-ups: a missing case is told apart from a server without the operation.
        let body = response.bytes().await.map_err(transport)?;
        match serde_json::from_slice::<Problem>(&body) {
            Ok(p) if p.code == "unknown_case" => Ok(None),
            _ => Err(SyncError::Refused {
                status: 404,
                reason: reason(&body),
            }),
        }
    }

    /// Tells the agency server this desk printed its copy of `tracking_code`'s receipt
    /// (`POST …/receipt-copies/{tracking_code}/printed`): recorded as given, off the owed list.
    pub async fn receipt_copy_printed(&self, tracking_code: &str) -> Result<(), SyncError> {
        let response = self
            .http
            .post(format!(
                "{}/receipt-copies/{tracking_code}/printed",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .map_err(transport)?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(Self::refusal(response).await)
    }

    /// The receipts the office's kiosks could not print and no desk has given a copy of yet
    /// (the agency server's operation, `GET …/receipt-copies?owed=true`).
    pub async fn owed_receipts(&self) -> Result<crate::wire::OwedReceiptList, SyncError> {
        let response = self
            .http
            .get(format!("{}/receipt-copies?owed=true", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(transport)?;
        Self::json(response).await
    }
}

/// `data` gzip-compressed (fast level: the link, not the CPU, is what is short).
fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(data)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates_and_is_clamped() {
        let now = httpdate::parse_http_date("Mon, 23 Nov 2026 05:00:00 GMT")
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let wait = |v: &str| parse_retry_after(v, now);
        assert_eq!(wait("120"), Some(Duration::from_secs(120)));
        assert_eq!(wait(" 0 "), Some(Duration::ZERO));
        // IMF-fixdate, and the two obsolete forms a server may still send.
        assert_eq!(
            wait("Mon, 23 Nov 2026 05:01:30 GMT"),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            wait("Monday, 23-Nov-26 05:00:10 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            wait("Mon Nov 23 05:00:05 2026"),
            Some(Duration::from_secs(5))
        );
        // A date already past: go now.
        assert_eq!(wait("Sun, 22 Nov 2026 05:00:00 GMT"), Some(Duration::ZERO));
        // Far ahead, or an absurd number: cut to the maximum.
        assert_eq!(wait("Mon, 01 Jan 2100"), None);
        assert_eq!(wait("Fri, 01 Jan 2100 00:00:00 GMT"), Some(MAX_RETRY_AFTER));
        assert_eq!(wait("999999999999999999999999"), Some(MAX_RETRY_AFTER));
        assert_eq!(wait("86400"), Some(MAX_RETRY_AFTER));
        // Neither form.
        assert_eq!(wait(""), None);
        assert_eq!(wait("-5"), None);
        assert_eq!(wait("soon"), None);
        assert_eq!(wait("1.5"), None);
    }

    /// A `[samad]` section whose four files are in `dir`, under the names given.
    fn samad_in(dir: &std::path::Path, token: &str, ca: &str) -> SamadSettings {
        let text = format!(
            "[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n[samad]\n\
             base_url = \"https://samad.example\"\nca_file = \"{ca}\"\n\
             client_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\n\
             token_file = \"{token}\"\n"
        );
        kiosk_config::parse(&text, dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .samad
            .unwrap_or_else(|| panic!("no [samad] section"))
    }

    /// The error of `from_config`, within a second (a blocking read would hang the test).
    fn refusal(samad: &SamadSettings) -> String {
        let started = std::time::Instant::now();
        let err = ClientSettings::from_config(samad, 7).expect_err("refused");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        err.to_string()
    }

    #[test]
    fn a_token_file_that_is_a_pipe_a_device_or_too_large_is_refused_at_once_naming_the_key() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fifo = dir.path().join("token.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        // Nobody ever writes to the pipe: an unbounded read would wait for ever.
        let err = refusal(&samad_in(dir.path(), "token.fifo", "ca.pem"));
        assert!(err.contains("samad.token_file"), "{err}");
        assert!(err.contains("token.fifo"), "{err}");
        assert!(err.contains("not a regular file"), "{err}");

        let err = refusal(&samad_in(dir.path(), "/dev/zero", "ca.pem"));
        assert!(
            err.contains("samad.token_file") && err.contains("/dev/zero"),
            "{err}"
        );
        assert!(err.contains("not a regular file"), "{err}");

        let err = refusal(&samad_in(dir.path(), ".", "ca.pem"));
        assert!(
            err.contains("samad.token_file") && err.contains("not a regular file"),
            "{err}"
        );

        let big = dir.path().join("token.big");
        std::fs::write(&big, vec![b'a'; MAX_TOKEN_FILE_BYTES + 1])
            .unwrap_or_else(|e| panic!("{e}"));
        let err = refusal(&samad_in(dir.path(), "token.big", "ca.pem"));
        assert!(err.contains("samad.token_file"), "{err}");
        assert!(
            err.contains(&format!("larger than {MAX_TOKEN_FILE_BYTES} bytes")),
            "{err}"
        );
    }

    #[test]
    fn pem_files_are_bounded_and_must_be_regular_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("token"), "t0ken\n").unwrap_or_else(|e| panic!("{e}"));
        // A token exactly at the bound is read (and then refused for its content, not its size).
        std::fs::write(
            dir.path().join("token.max"),
            vec![b'a'; MAX_TOKEN_FILE_BYTES],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = refusal(&samad_in(dir.path(), "token.max", "missing.pem"));
        assert!(err.contains("samad.ca_file"), "{err}");

        let err = refusal(&samad_in(dir.path(), "token", "/dev/zero"));
        assert!(
            err.contains("samad.ca_file") && err.contains("not a regular file"),
            "{err}"
        );
        let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        pem.resize(MAX_PEM_FILE_BYTES + 1, b'A');
        std::fs::write(dir.path().join("ca.pem"), pem).unwrap_or_else(|e| panic!("{e}"));
        let err = refusal(&samad_in(dir.path(), "token", "ca.pem"));
        assert!(err.contains("samad.ca_file"), "{err}");
        assert!(
            err.contains(&format!("larger than {MAX_PEM_FILE_BYTES} bytes")),
            "{err}"
        );
    }

    #[test]
    fn gzip_round_trips() {
        let data = "{\"items\":[]}".repeat(500);
        let packed = gzip(data.as_bytes()).unwrap_or_default();
        assert!(packed.len() * 10 < data.len(), "{}", packed.len());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut out)
            .unwrap_or_default();
        assert_eq!(out, data);
    }
}
