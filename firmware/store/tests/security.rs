//! Security of the rating path (issue 8, "Show"): forged and altered satisfaction codes,
//! replayed codes, codes of unknown kiosks, and PIN guessing.
//!
//! What the unit tests of `kiosk_core::satisfaction` already cover: one altered bit (the lowest)
//! per byte, one code signed by a wrong key, expiry, unknown kiosk, garbage. Added here, through
//! the store (so nothing refused is ever written): every single-bit alteration of a code and
//! every one-character change of its text; 10,000 random forgeries of four kinds (random
//! signature on a well-formed body, a body signed by an unknown key, a genuine signature moved
//! onto another body, random bytes); a replayed code; a code of a kiosk with no published key;
//! PIN guessing against the lockout. Random inputs come from a fixed seed (printed on failure),
//! so a failure can be replayed; `FORGERY_SEED` picks another.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use common::{kiosk, open, t0};
use ed25519_dalek::{SigningKey, VerifyingKey};
use kiosk_core::satisfaction::{self, SatisfactionClaim};
use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_store::{DeskError, NewRating, NewStaff, PinPolicy, Store, hash_pin};
use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use uuid::Uuid;

const FORGERIES: usize = 10_000;

fn seed() -> u64 {
    std::env::var("FORGERY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5A7_15FA_C710)
}

fn key_from(rng: &mut StdRng) -> SigningKey {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    SigningKey::from_bytes(&bytes)
}

fn claim(rng: &mut StdRng) -> SatisfactionClaim {
    let k = kiosk(42);
    let employee: String = (0..rng.random_range(0..12))
        .map(|_| char::from(b'A' + rng.random_range(0..26)))
        .collect();
    SatisfactionClaim {
        kiosk: k,
        tracking_code: TrackingCode::new(k, rng.random_range(1..999_999_999)).unwrap(),
        service_id: rng.random_range(10_000..99_999u32).to_string(),
        employee_code: (!employee.is_empty()).then_some(employee),
        issued_at: t0(),
        valid_hours: 72,
    }
}

fn now() -> DateTime<Utc> {
    t0() + Duration::hours(1)
}

/// Verifies a token through the store and asserts it was refused and nothing was written.
fn assert_refused(
    store: &mut Store,
    token: &str,
    keys: &impl Fn(KioskNumber) -> Option<VerifyingKey>,
    what: &str,
) -> &'static str {
    let rating = NewRating {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        scanned: token.to_owned(),
        score: 5,
        reasons: Vec::new(),
        rated_at: now(),
    };
    match store.record_rating(rating, keys) {
        Err(DeskError::Code(e)) => e.reason_code(),
        other => panic!("{what} (seed {}): not refused: {other:?}", seed()),
    }
}

#[test]
fn every_single_bit_and_character_alteration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let key = key_from(&mut rng);
    let keys = |k: KioskNumber| (k.get() == 42).then(|| key.verifying_key());
    let genuine = satisfaction::issue(&claim(&mut rng), &key).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(&genuine).unwrap();
    let mut refused = 0;
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut altered = bytes.clone();
            altered[i] ^= 1 << bit;
            let token = URL_SAFE_NO_PAD.encode(&altered);
            assert_refused(&mut store, &token, &keys, &format!("byte {i} bit {bit}"));
            refused += 1;
        }
    }
    assert_eq!(refused, bytes.len() * 8);
    // Every character of the text replaced by every other base64url character.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let text = genuine.as_bytes();
    for i in 0..text.len() {
        for &c in ALPHABET.iter().filter(|&&c| c != text[i]).step_by(7) {
            let mut altered = text.to_vec();
            altered[i] = c;
            let token = String::from_utf8(altered).unwrap();
            assert_refused(
                &mut store,
                &token,
                &keys,
                &format!("char {i} -> {}", c as char),
            );
        }
    }
    assert_eq!(
        store.outbox_depth().unwrap().pending,
        0,
        "nothing refused was written"
    );
    // The genuine code itself is accepted, once.
    let ok = NewRating {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        scanned: genuine.clone(),
        score: 4,
        reasons: Vec::new(),
        rated_at: now(),
    };
    store.record_rating(ok, keys).unwrap();
}

#[test]
fn ten_thousand_random_forgeries_are_refused() {
    let mut rng = StdRng::seed_from_u64(seed());
    let fleet_key = key_from(&mut rng);
    let keys = |k: KioskNumber| (k.get() == 42).then(|| fleet_key.verifying_key());
    let mut reasons = std::collections::BTreeMap::<&str, usize>::new();
    let donor = satisfaction::issue(&claim(&mut rng), &fleet_key).unwrap();
    let donor_sig = URL_SAFE_NO_PAD
        .decode(&donor)
        .unwrap()
        .split_off(URL_SAFE_NO_PAD.decode(&donor).unwrap().len() - 64);
    for n in 0..FORGERIES {
        let token = match n % 4 {
            // A well-formed body with a random signature.
            0 => {
                let genuine = satisfaction::issue(&claim(&mut rng), &fleet_key).unwrap();
                let mut bytes = URL_SAFE_NO_PAD.decode(genuine).unwrap();
                let len = bytes.len();
                rng.fill_bytes(&mut bytes[len - 64..]);
                URL_SAFE_NO_PAD.encode(bytes)
            }
            // Signed properly, but by a key the fleet never published.
            1 => satisfaction::issue(&claim(&mut rng), &key_from(&mut rng)).unwrap(),
            // A genuine signature of another code moved onto this body.
            2 => {
                let genuine = satisfaction::issue(&claim(&mut rng), &fleet_key).unwrap();
                let mut bytes = URL_SAFE_NO_PAD.decode(genuine).unwrap();
                let len = bytes.len();
                bytes[len - 64..].copy_from_slice(&donor_sig);
                URL_SAFE_NO_PAD.encode(bytes)
            }
            // Random bytes of a plausible length.
            _ => {
                let mut bytes = vec![0u8; rng.random_range(1..160)];
                rng.fill_bytes(&mut bytes);
                URL_SAFE_NO_PAD.encode(bytes)
            }
        };
        let result = satisfaction::verify(&token, keys, now());
        match result {
            Err(e) => *reasons.entry(e.reason_code()).or_default() += 1,
            Ok(c) => panic!("forgery {n} accepted (seed {}): {c}", seed()),
        }
    }
    assert_eq!(reasons.values().sum::<usize>(), FORGERIES);
    // The three signed kinds must all fail on the signature, not on some earlier check.
    assert!(
        reasons.get("bad_signature").copied().unwrap_or(0) >= FORGERIES * 3 / 4,
        "{reasons:?}"
    );
    // And the store refuses a sample of them without writing (the same check path).
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    for _ in 0..50 {
        let token = satisfaction::issue(&claim(&mut rng), &key_from(&mut rng)).unwrap();
        assert_eq!(
            assert_refused(&mut store, &token, &keys, "store sample"),
            "bad_signature"
        );
    }
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
}

#[test]
fn a_replayed_code_and_a_code_of_an_unknown_kiosk_are_refused_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let key = key_from(&mut rng);
    let keys = |k: KioskNumber| (k.get() == 42).then(|| key.verifying_key());
    let code = satisfaction::url(
        "https://saamad.ir",
        &satisfaction::issue(&claim(&mut rng), &key).unwrap(),
    );
    let rate = |score| NewRating {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        scanned: code.clone(),
        score,
        reasons: Vec::new(),
        rated_at: now(),
    };
    store.record_rating(rate(5), keys).unwrap();
    // Replayed later, at another kiosk's session, with another score.
    let replay = store.record_rating(rate(1), keys).unwrap_err();
    assert_eq!(replay.reason_code(), "already_rated", "{replay}");
    // Kiosk 43 is a real kiosk number the fleet published no key for.
    let mut other = claim(&mut rng);
    other.kiosk = kiosk(43);
    other.tracking_code = TrackingCode::new(kiosk(43), 1).unwrap();
    let token = satisfaction::issue(&other, &key).unwrap();
    assert_eq!(
        assert_refused(&mut store, &token, &keys, "unknown kiosk"),
        "unknown_kiosk"
    );
    assert_eq!(store.outbox_depth().unwrap().pending, 1);
}

#[test]
fn guessing_pins_locks_the_card_before_a_four_digit_pin_can_be_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let policy = PinPolicy {
        memory_kib: 256,
        iterations: 1,
        ..PinPolicy::default()
    };
    store
        .insert_staff(NewStaff {
            employee_code: "E-1".into(),
            display_name: "x".into(),
            pin_hash: hash_pin("7319", &policy).unwrap(),
            active: true,
        })
        .unwrap();
    // A guesser tries 0000, 0001, ... as fast as the terminal lets them, for one hour.
    let mut at = t0();
    let mut tried = 0u32;
    let mut found = false;
    let mut lockouts = 0;
    for guess in 0..10_000u32 {
        if at >= t0() + Duration::hours(1) {
            break;
        }
        match store.staff_login("E-1", &format!("{guess:04}"), at, &policy) {
            Ok(_) => {
                found = true;
                break;
            }
            Err(DeskError::WrongPin { .. }) => {}
            Err(DeskError::LockedOut { until, .. }) => {
                lockouts += 1;
                at = until;
            }
            Err(e) => panic!("{e}"),
        }
        tried += 1;
    }
    assert!(!found, "the PIN was found in an hour");
    // Five guesses per fifteen minutes: at most 20 guesses in an hour.
    assert!(tried <= 20, "{tried} guesses in an hour");
    assert_eq!(lockouts, 4);
}
