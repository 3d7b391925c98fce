//! Smart-card readers: the visitor inserts the national ID card and the kiosk learns the
//! national code without typing.
//!
//! Without government keys the card exposes its ATR and the signing certificate, whose subject
//! holds the holder's name and national number (`serialNumber`). So reading a card is: watch
//! the readers, on insertion run a configurable APDU profile ([`ApduProfile`]: SELECT, then READ
//! BINARY until the certificate is complete), then parse the certificate ([`certificate`]) for
//! the national code. Cards or readers that answer wrongly give a [`CardError`] naming the step
//! and the status word, never a panic.
//!
//! Backends: [`PcscReader`] (PC/SC through `pcscd`, via the `pcsc` crate) and
//! [`SimCardReader`]. [`apdu`] and [`certificate`] are pure and shared.

pub mod apdu;
pub mod certificate;
mod pcsc_reader;
mod sim;
pub mod trust;

pub use apdu::{ApduProfile, Transmit, read_certificate};
pub use certificate::{identity_from_card, identity_from_certificate};
pub use pcsc_reader::{PcscReader, PcscReaderConfig, ReaderListError, list_readers};
pub use sim::{SimCard, SimCardReader, SimCardReaderHandle};
pub use trust::{CardTrust, TrustSetupError, Untrusted};

use kiosk_core::{NationalCode, NationalCodeError};

use crate::events::{EventStream, Redacted};

/// A smart-card reader (or all readers of a PC/SC service) as a source of events.
pub trait CardReader {
    /// Starts watching (on the backend's own thread) and returns the events. Watching stops
    /// when the stream is dropped.
    fn events(self) -> EventStream<CardEvent>;
}

/// Who the card says its holder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardIdentity {
    /// The national code from the certificate subject (masked in `Debug`/`Display`).
    pub national_code: NationalCode,
    /// The holder's name from the certificate subject, if present.
    pub name: Option<Redacted>,
    /// The certificate's serial number, hex (identifies the card, not the person).
    pub certificate_serial: String,
}

/// One thing that happened at a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardEvent {
    /// The PC/SC service (pcscd) cannot be reached; retried until it can. Reported once per
    /// outage.
    ServiceUnavailable {
        /// What PC/SC reported.
        reason: String,
    },
    /// A card was inserted.
    Inserted {
        /// Reader name.
        reader: String,
        /// The card's answer to reset.
        atr: Vec<u8>,
    },
    /// The inserted card was read.
    Read {
        /// Reader name.
        reader: String,
        /// What it holds.
        identity: CardIdentity,
    },
    /// The inserted card could not be read.
    ReadFailed {
        /// Reader name.
        reader: String,
        /// Why.
        error: CardError,
    },
    /// The card was removed.
    Removed {
        /// Reader name.
        reader: String,
    },
}

impl CardEvent {
    /// A stable name of the event kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ServiceUnavailable { .. } => "service_unavailable",
            Self::Inserted { .. } => "inserted",
            Self::Read { .. } => "read",
            Self::ReadFailed { .. } => "read_failed",
            Self::Removed { .. } => "removed",
        }
    }
}

/// Why a card could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The reader or service failed (card removed mid-read, reader gone, protocol error).
    #[error("card communication failed during {step}: {message}")]
    Transport {
        /// The step of the profile.
        step: &'static str,
        /// What PC/SC reported.
        message: String,
    },
    /// A card is in the reader but does not answer (no answer to reset): inserted upside
    /// down, dirty contacts, or not a chip card.
    #[error("the card does not answer (mute): check it is inserted chip first, contacts up")]
    Mute,
    /// The card answered with an error status word.
    #[error("card refused {step} with status {sw:04X}")]
    Status {
        /// The step of the profile.
        step: &'static str,
        /// SW1 SW2.
        sw: u16,
    },
    /// The card answered with fewer than two bytes (no status word).
    #[error("card answered {step} without a status word")]
    NoStatusWord {
        /// The step of the profile.
        step: &'static str,
    },
    /// The file does not start like a DER certificate.
    #[error("the card's file is not a certificate")]
    NotACertificate,
    /// The file ended before the length its header announced.
    #[error("the certificate ends after {got} of {expected} bytes")]
    Truncated {
        /// Bytes read.
        got: usize,
        /// Bytes announced.
        expected: usize,
    },
    /// The certificate is larger than the profile allows.
    #[error("the certificate announces {len} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Announced length.
        len: usize,
        /// The profile's limit.
        limit: usize,
    },
    /// The certificate does not parse.
    #[error("the certificate does not parse: {0}")]
    BadCertificate(String),
    /// The certificate subject has no serialNumber.
    #[error("the certificate subject holds no national code")]
    NoNationalCode,
    /// The subject's serialNumber is not a valid national code.
    #[error("the certificate's national code is invalid: {0}")]
    InvalidNationalCode(NationalCodeError),
    /// The certificate is not the national card authority's, or no longer valid
    /// ([`trust`]): a self-made, altered, expired or revoked card.
    #[error("the card is not trusted: {0}")]
    Untrusted(Untrusted),
}
