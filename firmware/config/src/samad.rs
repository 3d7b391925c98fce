//! The `[samad]` section: where SAMAD is, how the kiosk proves who it is, and how often it
//! talks. Optional: a kiosk without the section keeps every case in its outbox and syncs
//! nothing (a demo or a kiosk not yet provisioned).
//!
//! Only paths are kept here, never secrets: the bearer token lives in its own file (readable by
//! the firmware's user only) and the certificates and key in theirs; the sync layer reads them
//! when it starts, naming the key of any file it cannot use. Relative paths are taken from the
//! configuration file's directory. `https://` is required: plain `http://` only with
//! `allow_plain_http = true`, for a lab simulator.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::ConfigIssue;

/// Most items SAMAD accepts in one batch (the wire contract's limit).
pub const MAX_BATCH_ITEMS: u32 = 100;
/// Most bytes SAMAD accepts in one batch body (the wire contract's limit).
pub const MAX_BATCH_BYTES: u64 = 1 << 20;

/// The section as serde reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSamad {
    pub base_url: String,
    #[serde(default)]
    pub allow_plain_http: bool,
    #[serde(default)]
    pub agency_server: bool,
    pub ca_file: String,
    pub client_cert_file: String,
    pub client_key_file: String,
    pub token_file: String,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_s: i64,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_s: i64,
    #[serde(default = "default_batch_max_items")]
    pub batch_max_items: i64,
    #[serde(default = "default_batch_max_bytes")]
    pub batch_max_bytes: i64,
    #[serde(default = "default_gzip_min_bytes")]
    pub gzip_min_bytes: i64,
    #[serde(default = "default_heartbeat")]
    pub heartbeat_interval_s: i64,
    #[serde(default = "default_catalogue")]
    pub catalogue_refresh_interval_s: i64,
    #[serde(default = "default_event_pull")]
    pub event_pull_interval_s: i64,
}

fn default_connect_timeout() -> i64 {
    10
}
fn default_request_timeout() -> i64 {
    30
}
fn default_batch_max_items() -> i64 {
    50
}
fn default_batch_max_bytes() -> i64 {
    512 * 1024
}
fn default_gzip_min_bytes() -> i64 {
    4096
}
fn default_heartbeat() -> i64 {
    60
}
fn default_catalogue() -> i64 {
    3600
}
fn default_event_pull() -> i64 {
    300
}

/// The checked `[samad]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamadSettings {
    /// `https://host[:port]` (or `http://` in a lab), without a trailing slash.
    pub base_url: String,
    /// Whether plain HTTP was allowed (labs only).
    pub allow_plain_http: bool,
    /// `base_url` is the agency's server, not SAMAD itself: the same contract, and besides it
    /// follow-ups of any of the agency's cases, whichever device registered them. `false`: an
    /// office of one device talking to SAMAD directly (follow-ups find this device's cases).
    pub agency_server: bool,
    /// The pinned CA certificate (PEM): the only authority trusted for SAMAD's certificate.
    pub ca_file: PathBuf,
    /// The kiosk's client certificate (PEM), for mutual TLS.
    pub client_cert_file: PathBuf,
    /// The kiosk's private key (PEM).
    pub client_key_file: PathBuf,
    /// A file holding the bearer token (the token itself is never in this file).
    pub token_file: PathBuf,
    /// Longest wait for a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Longest wait for a whole request, answer included.
    pub request_timeout: Duration,
    /// Most items per batch.
    pub batch_max_items: u32,
    /// Most payload bytes per batch.
    pub batch_max_bytes: u64,
    /// Request bodies larger than this are sent gzip-compressed.
    pub gzip_min_bytes: u64,
    /// How often the kiosk's health is reported.
    pub heartbeat_interval: Duration,
    /// How often the catalogue is checked for a new version (ETag).
    pub catalogue_refresh_interval: Duration,
    /// How often case events are pulled back.
    pub event_pull_interval: Duration,
}

fn issue(issues: &mut Vec<ConfigIssue>, key: &str, reason: String) {
    issues.push(ConfigIssue {
        key: format!("samad.{key}"),
        reason,
    });
}

fn in_range(
    issues: &mut Vec<ConfigIssue>,
    key: &str,
    value: i64,
    range: std::ops::RangeInclusive<i64>,
    unit: &str,
) -> u64 {
    if range.contains(&value) {
        value.unsigned_abs()
    } else {
        issue(
            issues,
            key,
            format!(
                "must be from {} to {} {unit}, not {value}",
                range.start(),
                range.end()
            ),
        );
        range.start().unsigned_abs()
    }
}

fn path(issues: &mut Vec<ConfigIssue>, key: &str, value: &str, base: &Path) -> PathBuf {
    let value = value.trim();
    if value.is_empty() {
        issue(issues, key, "must name a file".to_owned());
    }
    base.join(value)
}

/// Checks the section; problems are added to `issues`, each named `samad.<key>`.
pub(crate) fn check(raw: &RawSamad, base: &Path, issues: &mut Vec<ConfigIssue>) -> SamadSettings {
    let url = raw.base_url.trim().trim_end_matches('/').to_owned();
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        Some(rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !raw.allow_plain_http {
            issue(
                issues,
                "base_url",
                format!(
                    "must be an https:// address, not {url:?} (plain http only with allow_plain_http = true, for labs)"
                ),
            );
        }
        Some(rest)
    } else {
        issue(
            issues,
            "base_url",
            format!("must be an https:// address, not {url:?}"),
        );
        None
    };
    if let Some(rest) = rest
        && (rest.is_empty()
            || rest.contains(|c: char| c.is_whitespace() || c == '?' || c == '#' || c == '@'))
    {
        issue(
            issues,
            "base_url",
            format!("{url:?} is not a plain address (scheme, host, optional port and path)"),
        );
    }
    let connect = in_range(
        issues,
        "connect_timeout_s",
        raw.connect_timeout_s,
        1..=120,
        "seconds",
    );
    let request = in_range(
        issues,
        "request_timeout_s",
        raw.request_timeout_s,
        1..=600,
        "seconds",
    );
    if (1..=120).contains(&raw.connect_timeout_s)
        && (1..=600).contains(&raw.request_timeout_s)
        && raw.request_timeout_s < raw.connect_timeout_s
    {
        issue(
            issues,
            "request_timeout_s",
            format!(
                "must not be shorter than connect_timeout_s ({} s)",
                raw.connect_timeout_s
            ),
        );
    }
    let max_items = i64::from(MAX_BATCH_ITEMS);
    let max_bytes = i64::try_from(MAX_BATCH_BYTES).unwrap_or(i64::MAX);
    SamadSettings {
        base_url: url.clone(),
        allow_plain_http: raw.allow_plain_http,
        agency_server: raw.agency_server,
        ca_file: path(issues, "ca_file", &raw.ca_file, base),
        client_cert_file: path(issues, "client_cert_file", &raw.client_cert_file, base),
        client_key_file: path(issues, "client_key_file", &raw.client_key_file, base),
        token_file: path(issues, "token_file", &raw.token_file, base),
        connect_timeout: Duration::from_secs(connect),
        request_timeout: Duration::from_secs(request),
        batch_max_items: u32::try_from(in_range(
            issues,
            "batch_max_items",
            raw.batch_max_items,
            1..=max_items,
            "items",
        ))
        .unwrap_or(1),
        batch_max_bytes: in_range(
            issues,
            "batch_max_bytes",
            raw.batch_max_bytes,
            1024..=max_bytes,
            "bytes",
        ),
        gzip_min_bytes: in_range(
            issues,
            "gzip_min_bytes",
            raw.gzip_min_bytes,
            0..=max_bytes,
            "bytes",
        ),
        heartbeat_interval: Duration::from_secs(in_range(
            issues,
            "heartbeat_interval_s",
            raw.heartbeat_interval_s,
            10..=86_400,
            "seconds",
        )),
        catalogue_refresh_interval: Duration::from_secs(in_range(
            issues,
            "catalogue_refresh_interval_s",
            raw.catalogue_refresh_interval_s,
            60..=7 * 86_400,
            "seconds",
        )),
        event_pull_interval: Duration::from_secs(in_range(
            issues,
            "event_pull_interval_s",
            raw.event_pull_interval_s,
            10..=86_400,
            "seconds",
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::parse;

    const MINIMAL: &str = "[kiosk]\nnumber = 7\nagency = \"الف\"\ndesk = \"ب\"\n";
    const SAMAD: &str = "[samad]\nbase_url = \"https://samad.example.ir:8443/\"\nca_file = \"pki/ca.pem\"\nclient_cert_file = \"/etc/kiosk/pki/kiosk.pem\"\nclient_key_file = \"/etc/kiosk/pki/kiosk.key\"\ntoken_file = \"/etc/kiosk/samad.token\"\n";

    fn keys_of(text: &str) -> Vec<String> {
        match parse(text, Path::new("/etc/kiosk")) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e.issues().iter().map(|i| i.key.clone()).collect(),
        }
    }

    #[test]
    fn a_kiosk_without_the_section_does_not_sync() {
        let config = parse(MINIMAL, Path::new("/")).unwrap();
        assert!(config.samad.is_none());
    }

    #[test]
    fn the_section_gets_its_defaults_and_relative_paths_from_the_file() {
        let config = parse(&format!("{MINIMAL}{SAMAD}"), Path::new("/etc/kiosk")).unwrap();
        let s = config.samad.unwrap();
        assert_eq!(s.base_url, "https://samad.example.ir:8443");
        assert_eq!(s.ca_file, Path::new("/etc/kiosk/pki/ca.pem"));
        assert_eq!(s.token_file, Path::new("/etc/kiosk/samad.token"));
        assert_eq!(s.connect_timeout.as_secs(), 10);
        assert_eq!(s.request_timeout.as_secs(), 30);
        assert_eq!((s.batch_max_items, s.batch_max_bytes), (50, 512 * 1024));
        assert_eq!(s.gzip_min_bytes, 4096);
        assert_eq!(s.heartbeat_interval.as_secs(), 60);
        assert_eq!(s.catalogue_refresh_interval.as_secs(), 3600);
        assert_eq!(s.event_pull_interval.as_secs(), 300);
        assert!(!s.allow_plain_http);
    }

    #[test]
    fn the_commented_example_section_is_valid_when_uncommented() {
        let block: String = crate::EXAMPLE
            .lines()
            .skip_while(|l| !l.starts_with("# [samad]"))
            .take_while(|l| l.starts_with('#'))
            .filter(|l| !l.starts_with("# #"))
            .map(|l| format!("{}\n", l.trim_start_matches("# ")))
            .collect();
        assert!(block.contains("token_file"), "{block}");
        let s = parse(&format!("{MINIMAL}{block}"), Path::new("/"))
            .unwrap()
            .samad
            .unwrap();
        assert_eq!(s.base_url, "https://samad.example.ir:8443");
        assert_eq!(s.batch_max_bytes, 524_288);
    }

    #[test]
    fn plain_http_needs_the_lab_switch() {
        let plain = SAMAD.replace("https://", "http://");
        assert_eq!(keys_of(&format!("{MINIMAL}{plain}")), ["samad.base_url"]);
        let lab = format!("{MINIMAL}{plain}allow_plain_http = true\n");
        let s = parse(&lab, Path::new("/")).unwrap().samad.unwrap();
        assert_eq!(s.base_url, "http://samad.example.ir:8443");
        assert!(s.allow_plain_http);
    }

    #[test]
    fn every_bad_key_is_named() {
        let text = format!(
            "{MINIMAL}[samad]\nbase_url = \"ftp://x\"\nca_file = \" \"\nclient_cert_file = \"\"\nclient_key_file = \"k\"\ntoken_file = \"\"\nconnect_timeout_s = 0\nrequest_timeout_s = 5000\nbatch_max_items = 101\nbatch_max_bytes = 10\ngzip_min_bytes = -1\nheartbeat_interval_s = 1\ncatalogue_refresh_interval_s = 5\nevent_pull_interval_s = 0\n"
        );
        let keys = keys_of(&text);
        for expected in [
            "samad.base_url",
            "samad.ca_file",
            "samad.client_cert_file",
            "samad.token_file",
            "samad.connect_timeout_s",
            "samad.request_timeout_s",
            "samad.batch_max_items",
            "samad.batch_max_bytes",
            "samad.gzip_min_bytes",
            "samad.heartbeat_interval_s",
            "samad.catalogue_refresh_interval_s",
            "samad.event_pull_interval_s",
        ] {
            assert!(
                keys.iter().any(|k| k == expected),
                "missing {expected} in {keys:?}"
            );
        }
        assert_eq!(keys.len(), 12, "{keys:?}");
        let order = format!("{MINIMAL}{SAMAD}connect_timeout_s = 20\nrequest_timeout_s = 10\n");
        assert_eq!(keys_of(&order), ["samad.request_timeout_s"]);
        let host = SAMAD.replace("samad.example.ir:8443/", "user@host");
        assert_eq!(keys_of(&format!("{MINIMAL}{host}")), ["samad.base_url"]);
    }

    #[test]
    fn unknown_keys_and_a_token_in_the_file_are_refused() {
        let keys = keys_of(&format!("{MINIMAL}{SAMAD}token = \"secret\"\n"));
        assert_eq!(keys, ["samad.token"]);
        let missing = SAMAD.replace("token_file = \"/etc/kiosk/samad.token\"\n", "");
        let issues = match parse(&format!("{MINIMAL}{missing}"), Path::new("/")) {
            Ok(_) => panic!("accepted without token_file"),
            Err(e) => e.issues().to_vec(),
        };
        assert!(issues[0].reason.contains("token_file"), "{issues:?}");
    }
}
