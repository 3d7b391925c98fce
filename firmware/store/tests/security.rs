//! Tests that show the rating path is secure: forged and altered satisfaction codes, replayed
//! codes, codes of unknown kiosks, and PIN guessing.
//!
//! What the unit tests of `kiosk_core::satisfaction` already cover: one altered bit (the lowest)
//! per byte, one code signed by a wrong key, expiry, unknown kiosk, garbage. Added here, through
//! the store (so nothing refused is ever written): every single-bit alteration of a code and
//! every one-character change of its text; 10,000 random forgeries of four kinds (random
//! signature on a well-formed body, a body signed by an unknown key, a genuine signature moved
//! onto another body, random bytes); a replayed code; a code of a kiosk with no published key;
//! PIN guessing against the lockout. Random inputs come from a fixed seed (printed on failure),
//! so a failure can be replayed; `FORGERY_SEED` picks another.
//!
//! And the forgeries of a black-box test, each refused with its own reason and nothing
//! written: a weak (small-order) published key with a signature made without any private key
//! (the key file is refused at load; a weak key given directly still verifies nothing); a
//! signature whose scalar is not canonical (S + ℓ); the genuine code under another portal,
//! over http, with two `/s/` segments, with a query string or a fragment; a code signed by one
//! kiosk's genuine key for a visit registered at another kiosk. (The small-order-commitment
//! signature that plain Ed25519 accepts is kiosk-core's `tests/satisfaction_strict.rs`.)

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
use kiosk_store::{
    DeskError, FleetKeys, KeyDirError, NewRating, NewStaff, PinPolicy, Store, hash_pin,
};
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

/// The eight small-order points' encodings: the identity, order 2, two of order 4, four of 8.
const SMALL_ORDER: [&str; 8] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
];

/// A well-formed body (a genuine code's, signature cut off) for `claim`.
fn body_of(claim: &SatisfactionClaim) -> Vec<u8> {
    let any_key = SigningKey::from_bytes(&rand::random());
    let mut bytes = URL_SAFE_NO_PAD
        .decode(satisfaction::issue(claim, &any_key).unwrap())
        .unwrap();
    bytes.truncate(bytes.len() - 64);
    bytes
}

#[test]
fn a_weak_published_key_is_refused_and_signatures_made_without_a_key_never_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let keys_dir = dir.path().join("keys");
    kiosk_store::signing_keys::write_new_signing_key(&keys_dir, kiosk(41)).unwrap();
    for hex in SMALL_ORDER {
        let bytes = kiosk_core::satisfaction::key_files::from_hex(hex).unwrap();
        let weak = VerifyingKey::from_bytes(&bytes).unwrap();
        assert!(weak.is_weak(), "{hex}");
        // Published as kiosk 42's key: the fleet's directory does not load.
        std::fs::write(
            keys_dir.join("kiosk-00042.pub"),
            kiosk_core::satisfaction::key_files::to_hex_line(&bytes),
        )
        .unwrap();
        let e = FleetKeys::load(&keys_dir).unwrap_err();
        assert!(matches!(e, KeyDirError::WeakPublicKey { .. }), "{e}");
        assert!(e.to_string().contains("kiosk-00042.pub"), "{e}");
        // Given directly (a caller that skipped the loader): signatures made from the key's
        // own encoding or the identity, with S = 0 or random S, verify for nothing.
        let keys = |k: KioskNumber| (k.get() == 42).then_some(weak);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        for _ in 0..25 {
            let body = body_of(&claim(&mut rng));
            for r in [identity, bytes] {
                let mut s = [0u8; 32];
                if rng.random_bool(0.5) {
                    rng.fill_bytes(&mut s[..31]);
                }
                let mut forged = body.clone();
                forged.extend_from_slice(&r);
                forged.extend_from_slice(&s);
                let token = URL_SAFE_NO_PAD.encode(&forged);
                assert_eq!(
                    assert_refused(&mut store, &token, &keys, "weak key forgery"),
                    "bad_signature"
                );
            }
        }
    }
    std::fs::remove_file(keys_dir.join("kiosk-00042.pub")).unwrap();
    assert_eq!(FleetKeys::load(&keys_dir).unwrap().len(), 1);
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
}

#[test]
fn a_signature_with_a_non_canonical_scalar_is_refused() {
    // ℓ, the order of the base point, little-endian.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let key = key_from(&mut rng);
    let keys = |k: KioskNumber| (k.get() == 42).then(|| key.verifying_key());
    for _ in 0..50 {
        let genuine = satisfaction::issue(&claim(&mut rng), &key).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&genuine).unwrap();
        let s_at = bytes.len() - 32;
        let mut carry = 0u16;
        for (b, l) in bytes[s_at..].iter_mut().zip(L) {
            let sum = u16::from(*b) + u16::from(l) + carry;
            *b = sum as u8;
            carry = sum >> 8;
        }
        // S + ℓ still fits in 253 bits: only the canonical-scalar check refuses it.
        assert_eq!((carry, bytes[bytes.len() - 1] & 0xe0), (0, 0));
        let token = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(
            assert_refused(&mut store, &token, &keys, "S + l"),
            "bad_signature"
        );
        assert!(satisfaction::verify(&genuine, keys, now()).is_ok());
    }
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
}

#[test]
fn a_genuine_code_off_the_portal_or_in_a_bent_url_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let key = key_from(&mut rng);
    let keys = |k: KioskNumber| (k.get() == 42).then(|| key.verifying_key());
    let token = satisfaction::issue(&claim(&mut rng), &key).unwrap();
    let portal = satisfaction::DEFAULT_PORTAL;
    for (scanned, reason) in [
        (format!("https://evil.example/s/{token}"), "wrong_portal"),
        (
            format!("https://saamad.ir.evil.example/s/{token}"),
            "wrong_portal",
        ),
        (
            format!("https://saamad.ir@evil.example/s/{token}"),
            "wrong_portal",
        ),
        (format!("http://evil.example/s/{token}"), "not_https"),
        (format!("http://saamad.ir/s/{token}"), "not_https"),
        (format!("{portal}/s/AAAA/s/{token}"), "bad_url_path"),
        (format!("{portal}/s/{token}/s/{token}"), "bad_url_path"),
        (format!("{portal}/x/s/{token}"), "bad_url_path"),
        (
            format!("{portal}/s/{token}?utm_source=qr"),
            "url_query_or_fragment",
        ),
        (
            format!("{portal}/s/{token}?r=https://evil.example"),
            "url_query_or_fragment",
        ),
        (format!("{portal}/s/{token}#x"), "url_query_or_fragment"),
    ] {
        assert_eq!(
            assert_refused(&mut store, &scanned, &keys, &scanned),
            reason
        );
        assert!(
            store.rating_for_code(&scanned).unwrap().is_none(),
            "{scanned}"
        );
    }
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
    // Under the portal, or bare, the same token is accepted.
    let rating = |scanned: String| NewRating {
        client_uuid: Uuid::new_v4(),
        kiosk: kiosk(42),
        scanned,
        score: 3,
        reasons: Vec::new(),
        rated_at: now(),
    };
    store
        .record_rating(rating(satisfaction::url(portal, &token)), keys)
        .unwrap();
    let again = store
        .record_rating(rating(token.clone()), keys)
        .unwrap_err();
    assert_eq!(again.reason_code(), "already_rated");
}

#[test]
fn a_code_signed_by_one_kiosk_for_a_visit_of_another_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let mut rng = StdRng::seed_from_u64(seed());
    let key_42 = key_from(&mut rng);
    let key_43 = key_from(&mut rng);
    let keys = |k: KioskNumber| match k.get() {
        42 => Some(key_42.verifying_key()),
        43 => Some(key_43.verifying_key()),
        _ => None,
    };
    for _ in 0..50 {
        // Kiosk 43 signs, with its genuine published key, a code naming itself as issuer for a
        // visit registered at kiosk 42 (the tracking code's kiosk digits).
        let mut foreign = claim(&mut rng);
        foreign.kiosk = kiosk(43);
        assert_eq!(foreign.tracking_code.kiosk(), kiosk(42));
        let token = satisfaction::issue(&foreign, &key_43).unwrap();
        assert_eq!(
            assert_refused(&mut store, &token, &keys, "signer is not the visit's kiosk"),
            "not_visit_issuer"
        );
        assert_eq!(
            satisfaction::verify(&token, keys, now()),
            Err(satisfaction::SatisfactionError::NotVisitIssuer {
                signer: kiosk(43),
                visit_kiosk: kiosk(42),
            })
        );
    }
    assert_eq!(store.outbox_depth().unwrap().pending, 0);
    // The visit's own kiosk may.
    let own = satisfaction::issue(&claim(&mut rng), &key_42).unwrap();
    assert!(satisfaction::verify(&own, keys, now()).is_ok());
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
