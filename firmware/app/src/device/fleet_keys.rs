//! The fleet's satisfaction keys from the agency server: [`FleetKeySync`] publishes the key
//! this device signs its satisfaction codes with and fetches every active device's, on a
//! thread and runtime of its own, so a code printed at kiosk A verifies at kiosk B and at any
//! desk of the office without copying key files by hand.
//!
//! Each round: `GET /v1/kiosks/{k}/fleet-keys` with the last ETag (304 when nothing changed);
//! when the list does not hold this device's current key (its first start after enrolment, a
//! rotated key file, a re-enrolment that revoked its earlier device row) it is published
//! (`PUT …/satisfaction-key`) and the list fetched again. A new list is written to
//! `DATA_DIR/keys/fleet-keys.json` (atomically, with its ETag), so a kiosk that starts offline
//! verifies with the last list it had, and handed to the device loop, which verifies with it
//! together with its own key and any hand-configured `kiosk-NNNNN.pub` files
//! ([`merged`]). Rounds run every [`INTERVAL`] (±10 %), a failed one again after a backoff
//! from [`RETRY_FIRST`] up to the interval. Keys the server lists are checked as files are:
//! not 64 hex digits, not an Ed25519 point or a weak point, and the entry is skipped.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use ed25519_dalek::VerifyingKey;
use kiosk_config::SamadSettings;
use kiosk_core::KioskNumber;
use kiosk_core::satisfaction::key_files;
use kiosk_store::FleetKeys;
use kiosk_sync::wire::FleetKeyList;
use kiosk_sync::{FleetKeysFetch, SamadClient, SyncError};
use serde::{Deserialize, Serialize};

/// How often the fleet's keys are fetched when all is well.
pub const INTERVAL: Duration = Duration::from_secs(10 * 60);
/// The first wait after a failed round (doubling up to [`INTERVAL`]).
pub const RETRY_FIRST: Duration = Duration::from_secs(15);
/// The cache's file name in the key directory (`FleetKeys::load` reads only `*.pub` there).
pub const CACHE_FILE: &str = "fleet-keys.json";
/// Most bytes of the cache file read back (a key is about 150 bytes of JSON: 99,999 kiosks'
/// keys fit).
const MAX_CACHE_BYTES: usize = 16 << 20;

/// The cache file: the list as the server served it, and its ETag.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cache {
    etag: String,
    #[serde(flatten)]
    list: FleetKeyList,
}

/// The keys of `list` that can be trusted (a malformed or weak one is skipped, logged): each
/// kiosk's current key, and the ones retired lately (`retired_at` set: a rotation or a
/// replaced device), which still verify the codes signed before.
pub fn keys_of(list: &FleetKeyList) -> FleetKeys {
    let mut keys = FleetKeys::default();
    for entry in &list.keys {
        let key = KioskNumber::new(entry.kiosk_number).ok().and_then(|kiosk| {
            let bytes = key_files::from_hex(&entry.public_key)?;
            let key = VerifyingKey::from_bytes(&bytes)
                .ok()
                .filter(|k| !k.is_weak())?;
            Some((kiosk, key))
        });
        match (key, entry.retired_at) {
            (Some((kiosk, key)), Some(retired_at)) => keys.insert_retired(kiosk, key, retired_at),
            (Some((kiosk, key)), None) => keys.insert(kiosk, key),
            (None, _) => tracing::warn!(
                kiosk = entry.kiosk_number,
                "the agency server listed a satisfaction key that is not a usable Ed25519 key; skipped"
            ),
        }
    }
    keys
}

/// What the device verifies with: the hand-configured keys, the fleet's list over them (a
/// rotated key replaces a copied one), and this device's own key over all.
pub fn merged(
    configured: &FleetKeys,
    fetched: &FleetKeys,
    own: Option<(KioskNumber, VerifyingKey)>,
) -> FleetKeys {
    let mut keys = configured.clone();
    for (kiosk, key) in fetched.iter() {
        keys.insert(kiosk, key);
    }
    for (kiosk, key, retired_at) in fetched.iter_retired() {
        keys.insert_retired(kiosk, key, retired_at);
    }
    if let Some((kiosk, key)) = own {
        keys.insert(kiosk, key);
    }
    keys
}

/// The cached list in `keys_dir` and its ETag; `None` when there is none or it does not read
/// (logged: the next round fetches the list whole).
fn load_cache(keys_dir: &Path) -> Option<Cache> {
    let path = keys_dir.join(CACHE_FILE);
    let text = match kiosk_store::small_file::read_text(&path, MAX_CACHE_BYTES) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the fleet keys' cache");
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(cache) => Some(cache),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "the fleet keys' cache does not read; ignored");
            None
        }
    }
}

/// The list fetched from the server, cached in the data directory (the keys the device last
/// had, if the server is out of reach when it starts).
pub fn cached_keys(keys_dir: &Path) -> FleetKeys {
    load_cache(keys_dir)
        .map(|c| keys_of(&c.list))
        .unwrap_or_default()
}

/// Writes `cache` into `keys_dir` whole or not at all (a temporary file, synced, renamed).
fn write_cache(keys_dir: &Path, cache: &Cache) -> anyhow::Result<()> {
    std::fs::create_dir_all(keys_dir)
        .with_context(|| format!("creating {}", keys_dir.display()))?;
    let text = serde_json::to_vec_pretty(cache)?;
    let mut file = tempfile::NamedTempFile::new_in(keys_dir)
        .with_context(|| format!("a temporary file in {}", keys_dir.display()))?;
    std::io::Write::write_all(&mut file, &text)?;
    file.as_file().sync_all()?;
    let path = keys_dir.join(CACHE_FILE);
    file.persist(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The publishing and fetching on its thread; the device loop takes new lists with
/// [`FleetKeySync::latest`]. Dropping it ends the thread after its round.
#[derive(Debug)]
pub struct FleetKeySync {
    updates: mpsc::Receiver<FleetKeys>,
    first_round: mpsc::Receiver<bool>,
    _stop: mpsc::Sender<()>,
}

/// One device's state between rounds.
struct Round {
    client: SamadClient,
    kiosk: KioskNumber,
    own_hex: Option<String>,
    keys_dir: PathBuf,
    cache: Option<Cache>,
    updates: mpsc::Sender<FleetKeys>,
}

impl Round {
    /// Takes a fetched list: cached, and handed to the device loop.
    fn take(&mut self, fetched: FleetKeysFetch) {
        let FleetKeysFetch::Changed { keys, etag } = fetched else {
            return;
        };
        let cache = Cache { etag, list: keys };
        if let Err(e) = write_cache(&self.keys_dir, &cache) {
            tracing::warn!(error = %format!("{e:#}"), "the fleet keys could not be cached");
        }
        let usable = keys_of(&cache.list);
        tracing::info!(keys = usable.len(), "the fleet's satisfaction keys fetched");
        // The device loop gone: nobody to tell.
        let _ = self.updates.send(usable);
        self.cache = Some(cache);
    }

    /// Whether the list last fetched holds this device's current key as current (or it signs
    /// with none): a key the server lists as retired is published again.
    fn own_key_listed(&self) -> bool {
        let Some(own) = &self.own_hex else {
            return true;
        };
        self.cache.as_ref().is_some_and(|c| {
            c.list.keys.iter().any(|k| {
                k.kiosk_number == self.kiosk.get()
                    && k.retired_at.is_none()
                    && k.public_key.eq_ignore_ascii_case(own)
            })
        })
    }

    async fn run(&mut self) -> Result<(), SyncError> {
        let etag = self.cache.as_ref().map(|c| c.etag.clone());
        let fetched = self.client.fleet_keys(etag.as_deref()).await?;
        self.take(fetched);
        if !self.own_key_listed()
            && let Some(own) = self.own_hex.clone()
        {
            self.client.publish_satisfaction_key(&own).await?;
            tracing::info!(kiosk = %self.kiosk, "this device's satisfaction key published");
            let etag = self.cache.as_ref().map(|c| c.etag.clone());
            let fetched = self.client.fleet_keys(etag.as_deref()).await?;
            self.take(fetched);
        }
        Ok(())
    }
}

/// `base` ±10 %.
fn jittered(base: Duration) -> Duration {
    let r = getrandom::u32().unwrap_or(u32::MAX / 2);
    base.mul_f64(0.9 + 0.2 * f64::from(r) / f64::from(u32::MAX))
}

impl FleetKeySync {
    /// Starts the thread for kiosk `kiosk` with the `[samad]` section's files; `keys_dir` is
    /// `DATA_DIR/keys` (the cache goes there); `own` is the key this device signs with, if it
    /// was provisioned (published when the server's list lacks it). The cached list, if any,
    /// is the first update.
    pub fn start(
        samad: &SamadSettings,
        kiosk: KioskNumber,
        keys_dir: &Path,
        own: Option<VerifyingKey>,
    ) -> anyhow::Result<Self> {
        let client = SamadClient::from_config(samad, kiosk.get())
            .context("setting up the fleet keys' link to the agency server")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the fleet keys' runtime")?;
        let (updates_tx, updates) = mpsc::channel();
        let (first_tx, first_round) = mpsc::channel();
        let (stop, stopped) = mpsc::channel::<()>();
        let cache = load_cache(keys_dir);
        if let Some(cache) = &cache {
            let _ = updates_tx.send(keys_of(&cache.list));
        }
        let mut round = Round {
            client,
            kiosk,
            own_hex: own.map(|k| key_files::to_hex_line(k.as_bytes()).trim().to_owned()),
            keys_dir: keys_dir.to_owned(),
            cache,
            updates: updates_tx,
        };
        std::thread::Builder::new()
            .name("fleet-keys".into())
            .spawn(move || {
                let mut failures: u32 = 0;
                loop {
                    let result = runtime.block_on(round.run());
                    let _ = first_tx.send(result.is_ok());
                    let wait = match result {
                        Ok(()) => {
                            failures = 0;
                            jittered(INTERVAL)
                        }
                        Err(e) => {
                            failures = failures.saturating_add(1);
                            let backoff = RETRY_FIRST
                                .saturating_mul(1u32 << failures.min(8).saturating_sub(1))
                                .min(INTERVAL);
                            tracing::warn!(error = %e, failures, retry_s = backoff.as_secs(), "fetching the fleet's satisfaction keys failed");
                            jittered(backoff)
                        }
                    };
                    match stopped.recv_timeout(wait) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                }
            })
            .context("starting the fleet keys' thread")?;
        Ok(Self {
            updates,
            first_round,
            _stop: stop,
        })
    }

    /// Waits at most `within` for the first round to end; `true` when it succeeded (the
    /// script runner starts a visitor only once the kiosk holds the fleet's keys).
    pub fn await_first_round(&self, within: Duration) -> bool {
        self.first_round.recv_timeout(within).unwrap_or(false)
    }

    /// The newest list handed over since the last look, if any.
    pub fn latest(&self) -> Option<FleetKeys> {
        self.updates.try_iter().last()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Utc;
    use ed25519_dalek::SigningKey;
    use kiosk_sync::wire::FleetKey;

    use super::*;

    fn entry(kiosk: u32, public_key: String) -> FleetKey {
        FleetKey {
            kiosk_number: kiosk,
            public_key,
            published_at: Utc::now(),
            retired_at: None,
        }
    }

    /// A signing key made now (never a committed one).
    fn new_key() -> SigningKey {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).unwrap();
        SigningKey::from_bytes(&seed)
    }

    fn hex(key: &VerifyingKey) -> String {
        key_files::to_hex_line(key.as_bytes()).trim().to_owned()
    }

    #[test]
    fn listed_keys_are_checked_and_merged_under_the_own_key() {
        let eleven = new_key().verifying_key();
        let twelve = new_key().verifying_key();
        let copied = new_key().verifying_key();
        let own = new_key().verifying_key();
        let list = FleetKeyList {
            keys: vec![
                entry(11, hex(&eleven)),
                entry(12, hex(&twelve)),
                entry(13, hex(&copied)),
                entry(14, "zz".into()),
                entry(15, format!("01{}", "00".repeat(31))),
                entry(0, hex(&eleven)),
            ],
        };
        let fetched = keys_of(&list);
        assert_eq!(
            fetched.len(),
            3,
            "the malformed, weak and kiosk-0 entries are skipped"
        );
        let k = |n| KioskNumber::new(n).unwrap();
        let mut configured = FleetKeys::default();
        configured.insert(k(12), copied);
        configured.insert(k(20), copied);
        let keys = merged(&configured, &fetched, Some((k(13), own)));
        assert_eq!(keys.get(k(11)), Some(eleven));
        assert_eq!(
            keys.get(k(12)),
            Some(twelve),
            "the server's key over a copied one"
        );
        assert_eq!(keys.get(k(13)), Some(own), "the own key over all");
        assert_eq!(keys.get(k(20)), Some(copied), "a hand-configured key stays");
        assert_eq!(keys.len(), 4);
    }

    #[test]
    fn a_retired_key_verifies_what_it_signed_before_its_retirement_only() {
        let old = new_key();
        let current = new_key().verifying_key();
        let retired_at = Utc::now() - chrono::Duration::hours(2);
        let mut retired = entry(11, hex(&old.verifying_key()));
        retired.retired_at = Some(retired_at);
        let list = FleetKeyList {
            keys: vec![retired, entry(11, hex(&current))],
        };
        let k = KioskNumber::new(11).unwrap();
        let fetched = keys_of(&list);
        assert_eq!(
            fetched.get(k),
            Some(current),
            "the current key stays current"
        );
        let listed = |keys: &FleetKeys| -> Vec<_> {
            keys.all_of(k)
                .iter()
                .map(|l| (l.key, l.retired_at))
                .collect()
        };
        let expected = vec![(current, None), (old.verifying_key(), Some(retired_at))];
        assert_eq!(listed(&fetched), expected);
        let keys = merged(&FleetKeys::default(), &fetched, None);
        assert_eq!(listed(&keys), expected, "kept through the merge");
        // A code the old key signed before its retirement verifies; one it signed after (a
        // stolen key) does not.
        let signed = |issued_at| {
            kiosk_core::satisfaction::issue(
                &kiosk_core::satisfaction::SatisfactionClaim {
                    kiosk: k,
                    tracking_code: kiosk_core::TrackingCode::new(k, 3).unwrap(),
                    service_id: String::new(),
                    employee_code: None,
                    issued_at,
                    valid_hours: 24,
                },
                &old,
            )
            .unwrap()
        };
        let verify =
            |token: &str| kiosk_core::satisfaction::verify(token, |n| keys.all_of(n), Utc::now());
        assert!(verify(&signed(retired_at - chrono::Duration::minutes(5))).is_ok());
        assert!(matches!(
            verify(&signed(retired_at + chrono::Duration::minutes(30))),
            Err(kiosk_core::satisfaction::SatisfactionError::BadSignature)
        ));
        // Without the retired key, the earlier code does not verify either.
        let before = signed(retired_at - chrono::Duration::minutes(5));
        assert!(kiosk_core::satisfaction::verify(&before, |n| keys.get(n), Utc::now()).is_err());
    }

    #[test]
    fn the_cache_round_trips_and_a_broken_one_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        assert!(cached_keys(dir.path()).is_empty());
        let eleven = new_key().verifying_key();
        let cache = Cache {
            etag: "\"abc\"".into(),
            list: FleetKeyList {
                keys: vec![entry(11, hex(&eleven))],
            },
        };
        write_cache(dir.path(), &cache).unwrap();
        let back = load_cache(dir.path()).unwrap();
        assert_eq!(back.etag, "\"abc\"");
        assert_eq!(
            cached_keys(dir.path()).get(KioskNumber::new(11).unwrap()),
            Some(eleven)
        );
        // The key directory's loader ignores the cache file.
        assert!(FleetKeys::load(dir.path()).unwrap().is_empty());
        std::fs::write(dir.path().join(CACHE_FILE), "{").unwrap();
        assert!(cached_keys(dir.path()).is_empty());
    }
}
