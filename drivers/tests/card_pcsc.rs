//! The PC/SC backend against a real `pcscd` with the `vsmartcard-vpcd` reader driver and a
//! virtual card in this process speaking the vpcd socket protocol. Each test starts its own
//! pcscd (foreground, its own reader.conf.d with a free port) and stops it; tests run one at a
//! time because pcscd's client socket (/run/pcscd/pcscd.comm) is fixed. pcscd or vpcd missing
//! is a failure, not a skip: CI installs them (tools/test.sh).
//!
//! The vpcd protocol: the card connects to the reader's TCP port; each message is a 2-byte
//! big-endian length and a payload. One-byte payloads are control (0 power off, 1 power on,
//! 2 reset, 4 get ATR, answered with the ATR); longer ones are APDUs, answered with the
//! response APDU. Closing the connection removes the card.

use std::collections::HashMap;
use std::time::Duration;

use kiosk_drivers::EventStream;
use kiosk_drivers::card::{
    ApduProfile, CardError, CardEvent, CardReader, CardTrust, PcscReader, PcscReaderConfig,
    Untrusted,
};

#[path = "support/pcsc.rs"]
mod pcsc;

use pcsc::{ATR, CERT_FID, ONE_PCSCD, Pcscd, VirtualCard, certificate, require_pcsc_tools};

/// Checks a read error.
type Expect = fn(&CardError) -> bool;

fn reader(pcscd: &Pcscd) -> EventStream<CardEvent> {
    trusting_reader(pcscd, None)
}

/// The reader of [`reader`], verifying certificates against `trust`.
fn trusting_reader(pcscd: &Pcscd, trust: Option<CardTrust>) -> EventStream<CardEvent> {
    let _ = pcscd.port;
    PcscReader::new(PcscReaderConfig {
        trust,
        // Slot 0 of our vpcd reader only.
        reader_filter: Some("Kiosk test VPCD 00 00".into()),
        profile: ApduProfile {
            chunk: 100,
            ..ApduProfile::select_file(CERT_FID)
        },
        ..PcscReaderConfig::default()
    })
    .events()
}

async fn next(events: &mut EventStream<CardEvent>) -> CardEvent {
    tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("a card event within 10 s")
        .expect("reader thread alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_is_read_through_pcscd_and_its_removal_reported() {
    let _one = ONE_PCSCD.lock().await;
    let pcscd = Pcscd::start();
    let mut events = reader(&pcscd);
    // Let the reader see the empty slot first.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let der = certificate("0499370899", "Ali Rezaei");
    assert!(der.len() > 300, "read in several chunks of 100");
    let card = VirtualCard::with_certificate(der).insert(pcscd.port);
    match next(&mut events).await {
        CardEvent::Inserted { reader, atr } => {
            assert!(reader.contains("Kiosk test VPCD"), "{reader}");
            assert_eq!(atr, ATR);
        }
        other => panic!("expected an insertion, got {other:?}"),
    }
    match next(&mut events).await {
        CardEvent::Read { identity, .. } => {
            assert_eq!(identity.national_code.as_string(), "0499370899");
            assert_eq!(
                identity.name.as_ref().map(|n| n.expose()),
                Some("Ali Rezaei")
            );
        }
        other => panic!("expected a read, got {other:?}"),
    }
    card.remove();
    assert!(matches!(next(&mut events).await, CardEvent::Removed { .. }));

    // A second card in the same reader.
    let card = VirtualCard::with_certificate(certificate("0084575948", "B")).insert(pcscd.port);
    assert_eq!(next(&mut events).await.kind(), "inserted");
    match next(&mut events).await {
        CardEvent::Read { identity, .. } => {
            assert_eq!(identity.national_code.as_string(), "0084575948")
        }
        other => panic!("expected a read, got {other:?}"),
    }
    card.remove();
    assert_eq!(next(&mut events).await.kind(), "removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_that_answer_wrongly_give_clear_errors() {
    let _one = ONE_PCSCD.lock().await;
    let pcscd = Pcscd::start();
    let mut events = reader(&pcscd);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cases: Vec<(VirtualCard, Expect)> = vec![
        // No certificate file: SELECT answers 6A82.
        (
            VirtualCard {
                files: HashMap::new(),
            },
            |e| {
                matches!(
                    e,
                    CardError::Status {
                        step: "select",
                        sw: 0x6A82
                    }
                )
            },
        ),
        // The file is not a certificate.
        (
            VirtualCard::with_certificate(vec![0x04, 0x05, 1, 2, 3, 4, 5]),
            |e| matches!(e, CardError::NotACertificate),
        ),
        // The file ends early.
        (
            VirtualCard::with_certificate({
                let mut c = certificate("0499370899", "A");
                c.truncate(150);
                c
            }),
            |e| matches!(e, CardError::Truncated { got: 150, .. }),
        ),
        // A certificate whose national code fails its checksum.
        (
            VirtualCard::with_certificate(certificate("0499370898", "A")),
            |e| matches!(e, CardError::InvalidNationalCode(_)),
        ),
    ];
    for (card, expected) in cases {
        let inserted = card.insert(pcscd.port);
        assert_eq!(next(&mut events).await.kind(), "inserted");
        match next(&mut events).await {
            CardEvent::ReadFailed { error, .. } => assert!(expected(&error), "{error}"),
            other => panic!("expected a failed read, got {other:?}"),
        }
        inserted.remove();
        assert_eq!(next(&mut events).await.kind(), "removed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_pcscd_is_reported_once_as_service_unavailable() {
    let _one = ONE_PCSCD.lock().await;
    require_pcsc_tools();
    let mut events = PcscReader::new(PcscReaderConfig {
        retry: Duration::from_millis(100),
        ..PcscReaderConfig::default()
    })
    .events();
    assert_eq!(next(&mut events).await.kind(), "service_unavailable");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(events.try_next().is_none(), "an outage is reported once");
}

/// A card authority made now, and a card certificate it issues with `serial` as the subject's
/// serialNumber (the national code).
fn authority_and_card(serial: &str) -> (Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, DnValue, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name
        .push(DnType::CommonName, "National card CA (test)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_der = ca.self_signed(&ca_key).expect("CA").der().to_vec();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let mut card = CertificateParams::new(Vec::<String>::new()).expect("params");
    card.distinguished_name
        .push(DnType::CommonName, "Ali Rezaei");
    card.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(serial.try_into().expect("printable")),
    );
    let card_der = card.signed_by(&key, &issuer).expect("card").der().to_vec();
    (ca_der, card_der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_fleets_card_authority_a_forged_card_is_refused_and_a_genuine_one_read() {
    let _one = ONE_PCSCD.lock().await;
    let pcscd = Pcscd::start();
    let (ca, genuine) = authority_and_card("0499370899");
    let trust = CardTrust::new(vec![ca], Vec::new(), Vec::new()).expect("trust");
    let mut events = trusting_reader(&pcscd, Some(trust));
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A forged card: the same national code in a certificate made with a free tool.
    let forged =
        VirtualCard::with_certificate(certificate("0499370899", "Ali Rezaei")).insert(pcscd.port);
    assert_eq!(next(&mut events).await.kind(), "inserted");
    match next(&mut events).await {
        CardEvent::ReadFailed { error, .. } => assert_eq!(
            error,
            CardError::Untrusted(Untrusted::UnknownIssuer),
            "{error}"
        ),
        other => panic!("expected a refused card, got {other:?}"),
    }
    forged.remove();
    assert_eq!(next(&mut events).await.kind(), "removed");

    let card = VirtualCard::with_certificate(genuine).insert(pcscd.port);
    assert_eq!(next(&mut events).await.kind(), "inserted");
    match next(&mut events).await {
        CardEvent::Read { identity, .. } => {
            assert_eq!(identity.national_code.as_string(), "0499370899")
        }
        other => panic!("expected a read, got {other:?}"),
    }
    card.remove();
    assert_eq!(next(&mut events).await.kind(), "removed");
}
