//! PC/SC readers through `pcscd`, with the `pcsc` crate.
//!
//! A dedicated thread holds a PC/SC context and waits on reader state changes with a short
//! timeout (so a dropped stream ends it promptly). On insertion it reports the ATR, connects,
//! runs the [`ApduProfile`] and parses the certificate; on removal it reports that. Readers
//! that appear later (USB hot-plug) are picked up; if pcscd goes away the context is
//! re-established when it returns.

use std::collections::HashMap;
use std::ffi::CString;
use std::thread;
use std::time::Duration;

use kiosk_core::NationalCodePolicy;
use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use super::{
    ApduProfile, CardError, CardEvent, CardReader, CardTrust, Transmit, identity_from_card,
    read_certificate,
};
use crate::events::{EventSender, EventStream, channel};

/// Settings of the PC/SC backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcscReaderConfig {
    /// Only readers whose name contains this text are watched (all when `None`).
    pub reader_filter: Option<String>,
    /// How the certificate is read.
    pub profile: ApduProfile,
    /// How strictly the national code in the certificate is judged.
    pub policy: NationalCodePolicy,
    /// The card authorities trusted: a card whose certificate they did not issue (or that
    /// expired, or was revoked) is refused. `None`: certificates are not verified.
    pub trust: Option<CardTrust>,
    /// Longest one wait for a state change; bounds how late a stop is noticed.
    pub poll: Duration,
    /// Pause before retrying an unreachable pcscd.
    pub retry: Duration,
}

impl Default for PcscReaderConfig {
    fn default() -> Self {
        Self {
            reader_filter: None,
            profile: ApduProfile::select_file([0x00, 0x02]),
            policy: NationalCodePolicy::default(),
            trust: None,
            poll: Duration::from_millis(200),
            retry: Duration::from_secs(1),
        }
    }
}

/// Smart-card readers of the PC/SC service.
#[derive(Debug, Clone)]
pub struct PcscReader {
    config: PcscReaderConfig,
}

impl PcscReader {
    /// Readers watched as configured.
    pub fn new(config: PcscReaderConfig) -> Self {
        Self { config }
    }
}

impl CardReader for PcscReader {
    fn events(self) -> EventStream<CardEvent> {
        let (tx, rx) = channel();
        let spawned = thread::Builder::new()
            .name("card-pcsc".into())
            .spawn(move || run(&self.config, &tx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the card reader thread");
        }
        rx
    }
}

/// Why [`list_readers`] found nothing to read from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReaderListError {
    /// pcscd is not running or not reachable.
    #[error("the PC/SC service (pcscd) is not reachable: {0}")]
    Service(String),
}

/// The names of the readers pcscd knows now (empty when none is plugged in), for a check
/// before waiting for a card.
pub fn list_readers() -> Result<Vec<String>, ReaderListError> {
    let ctx =
        Context::establish(Scope::User).map_err(|e| ReaderListError::Service(e.to_string()))?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(ReaderListError::Service(e.to_string())),
    }
}

struct PcscCard<'a>(&'a pcsc::Card);

impl Transmit for PcscCard<'_> {
    fn transmit(&mut self, step: &'static str, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
        let mut buf = [0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        self.0
            .transmit(apdu, &mut buf)
            .map(<[u8]>::to_vec)
            .map_err(|e| CardError::Transport {
                step,
                message: e.to_string(),
            })
    }
}

fn run(config: &PcscReaderConfig, tx: &EventSender<CardEvent>) {
    let mut outage_reported = false;
    while !tx.is_stopped() {
        match Context::establish(Scope::User) {
            Ok(ctx) => {
                let reason = watch(&ctx, config, tx, &mut outage_reported);
                if let Some(reason) = reason {
                    report_outage(tx, &mut outage_reported, reason);
                }
            }
            Err(e) => report_outage(tx, &mut outage_reported, e.to_string()),
        }
        let mut waited = Duration::ZERO;
        while waited < config.retry && !tx.is_stopped() {
            thread::sleep(Duration::from_millis(20));
            waited += Duration::from_millis(20);
        }
    }
}

fn report_outage(tx: &EventSender<CardEvent>, reported: &mut bool, reason: String) {
    if !*reported {
        *reported = true;
        tracing::warn!(%reason, "PC/SC service unavailable");
        tx.send_blocking(CardEvent::ServiceUnavailable { reason });
    }
}

/// Watches readers until the stream is dropped (`None`) or the service fails (its reason).
fn watch(
    ctx: &Context,
    config: &PcscReaderConfig,
    tx: &EventSender<CardEvent>,
    outage_reported: &mut bool,
) -> Option<String> {
    // Card present per reader, as last reported.
    let mut present: HashMap<CString, bool> = HashMap::new();
    let mut states = vec![ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE)];
    loop {
        if tx.is_stopped() {
            return None;
        }
        match ctx.list_readers_owned() {
            Ok(names) => {
                *outage_reported = false;
                let wanted: Vec<CString> = names
                    .into_iter()
                    .filter(|n| {
                        config
                            .reader_filter
                            .as_deref()
                            .is_none_or(|f| n.to_string_lossy().contains(f))
                    })
                    .collect();
                states.retain(|s| {
                    s.name() == pcsc::PNP_NOTIFICATION() || wanted.iter().any(|w| w == s.name())
                });
                for name in wanted {
                    if !states.iter().any(|s| s.name() == name.as_c_str()) {
                        states.push(ReaderState::new(name, State::UNAWARE));
                    }
                }
            }
            Err(pcsc::Error::NoReadersAvailable) => {
                states.truncate(1);
            }
            Err(e) => return Some(e.to_string()),
        }
        match ctx.get_status_change(config.poll, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => continue,
            Err(pcsc::Error::UnknownReader) => continue,
            Err(e) => return Some(e.to_string()),
        }
        for state in states.iter_mut().skip(1) {
            let event = state.event_state();
            if !event.contains(State::CHANGED) {
                continue;
            }
            let name = state.name().to_owned();
            let reader = name.to_string_lossy().into_owned();
            let now = event.contains(State::PRESENT);
            let mute = event.contains(State::MUTE);
            let before = present.get(&name).copied().unwrap_or(false);
            if event.intersects(State::UNKNOWN | State::IGNORE) {
                present.remove(&name);
            } else {
                present.insert(name.clone(), now);
            }
            if now && !before {
                let atr = state.atr().to_vec();
                if !tx.send_blocking(CardEvent::Inserted {
                    reader: reader.clone(),
                    atr,
                }) {
                    return None;
                }
                let result = if mute {
                    Err(CardError::Mute)
                } else {
                    read_card(ctx, &name, config)
                };
                let outcome = match result {
                    Ok(identity) => CardEvent::Read {
                        reader: reader.clone(),
                        identity,
                    },
                    Err(error) => {
                        tracing::warn!(%reader, %error, "card read failed");
                        CardEvent::ReadFailed {
                            reader: reader.clone(),
                            error,
                        }
                    }
                };
                if !tx.send_blocking(outcome) {
                    return None;
                }
            } else if !now && before && !tx.send_blocking(CardEvent::Removed { reader }) {
                return None;
            }
        }
        for state in &mut states {
            state.sync_current_state();
        }
    }
}

fn read_card(
    ctx: &Context,
    reader: &CString,
    config: &PcscReaderConfig,
) -> Result<super::CardIdentity, CardError> {
    let card = ctx
        .connect(reader, ShareMode::Shared, Protocols::ANY)
        .map_err(|e| CardError::Transport {
            step: "connect",
            message: e.to_string(),
        })?;
    let der = read_certificate(&mut PcscCard(&card), &config.profile)?;
    identity_from_card(
        &der,
        &config.policy,
        config.trust.as_ref(),
        std::time::SystemTime::now(),
    )
}
