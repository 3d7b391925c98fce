//! The simulated card reader: the demo and journey tests insert and remove cards through a
//! handle; a card is a certificate (run through the same parser as a real card), a holder's
//! national code as typed in a script (judged by the same policy as a certificate's), or a read
//! failure.

use kiosk_core::{NationalCode, NationalCodePolicy};

use super::{CardError, CardEvent, CardReader, CardTrust, identity_from_card};
use crate::events::{EventSender, EventStream, channel};

/// What a simulated card holds.
#[derive(Debug, Clone)]
pub enum SimCard {
    /// A card whose certificate file holds these DER bytes.
    Certificate(Vec<u8>),
    /// A card of the holder with this national code (the script runner's `{"card": …}`): read
    /// as a certificate whose subject carries it would be, invalid codes refused alike.
    Holder(String),
    /// A card that answers wrongly.
    Broken(CardError),
}

/// A card reader driven from code.
pub struct SimCardReader {
    events: EventStream<CardEvent>,
}

/// Drives a [`SimCardReader`].
#[derive(Clone)]
pub struct SimCardReaderHandle {
    tx: EventSender<CardEvent>,
    policy: NationalCodePolicy,
    trust: Option<CardTrust>,
}

/// The name the simulated reader reports.
pub const SIM_READER: &str = "Simulated reader 00 00";
/// The ATR the simulated reader reports.
pub const SIM_ATR: [u8; 4] = [0x3B, 0x80, 0x80, 0x01];

impl SimCardReader {
    /// A reader judging national codes by `policy`.
    pub fn new(policy: NationalCodePolicy) -> (Self, SimCardReaderHandle) {
        let (tx, events) = channel();
        (
            Self { events },
            SimCardReaderHandle {
                tx,
                policy,
                trust: None,
            },
        )
    }
}

impl CardReader for SimCardReader {
    fn events(self) -> EventStream<CardEvent> {
        self.events
    }
}

impl SimCardReaderHandle {
    /// Certificates inserted from now on are verified against `trust`, as the PC/SC reader
    /// does with kiosk.toml's card authorities.
    pub fn with_trust(mut self, trust: Option<CardTrust>) -> Self {
        self.trust = trust;
        self
    }

    /// Inserts `card`: emits `Inserted`, then `Read` or `ReadFailed`.
    pub async fn insert(&self, card: SimCard) -> bool {
        let reader = SIM_READER.to_owned();
        let inserted = CardEvent::Inserted {
            reader: reader.clone(),
            atr: SIM_ATR.to_vec(),
        };
        let result = match card {
            SimCard::Certificate(der) => identity_from_card(
                &der,
                &self.policy,
                self.trust.as_ref(),
                std::time::SystemTime::now(),
            ),
            SimCard::Holder(code) => NationalCode::parse(code.trim(), &self.policy)
                .map(|national_code| super::CardIdentity {
                    national_code,
                    name: None,
                    certificate_serial: "00".to_owned(),
                })
                .map_err(CardError::InvalidNationalCode),
            SimCard::Broken(e) => Err(e),
        };
        let outcome = match result {
            Ok(identity) => CardEvent::Read { reader, identity },
            Err(error) => CardEvent::ReadFailed { reader, error },
        };
        self.tx.send(inserted).await && self.tx.send(outcome).await
    }

    /// Removes the card.
    pub async fn remove(&self) -> bool {
        self.tx
            .send(CardEvent::Removed {
                reader: SIM_READER.to_owned(),
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::certificate::tests::certificate;

    #[tokio::test]
    async fn the_simulated_reader_reads_certificates_like_a_real_one() {
        let (reader, handle) = SimCardReader::new(NationalCodePolicy::default());
        let mut events = reader.events();
        let der = certificate(Some("0499370899"), &[]);
        assert!(handle.insert(SimCard::Certificate(der)).await);
        assert!(handle.remove().await);
        assert!(
            handle
                .insert(SimCard::Broken(CardError::NotACertificate))
                .await
        );
        let kinds: Vec<_> = (0..5)
            .map(|_| events.try_next().map(|e| e.kind()))
            .collect();
        assert_eq!(
            kinds,
            [
                Some("inserted"),
                Some("read"),
                Some("removed"),
                Some("inserted"),
                Some("read_failed")
            ]
        );
    }
}
