//! A second, malleated signature of a genuine satisfaction code: the kiosk's own key signs the
//! same claim with a small-order commitment R (the identity point). Plain Ed25519
//! verification accepts it — two different tokens for one claim, so "one rating per code"
//! (the store refuses a token already rated) could be sidestepped — strict verification
//! refuses it. The signature is made here from the key's scalar, with a SHA-512 written for the
//! test (checked against the key's own expansion and the standard test vector), since neither
//! the hash nor the curve crate is a dependency of kiosk-core.

// A panic in a test helper is a failed test.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, SigningKey, Verifier as _};
use kiosk_core::satisfaction::{self, SatisfactionClaim, SatisfactionError};
use kiosk_core::{KioskNumber, TrackingCode};

/// The domain tag the signature covers before the body (kiosk_core::satisfaction).
const DOMAIN: &[u8] = b"kiosk-satisfaction-v1";

const K: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

/// SHA-512 (FIPS 180-4).
fn sha512(message: &[u8]) -> [u8; 64] {
    let mut h: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    let mut data = message.to_vec();
    data.push(0x80);
    while data.len() % 128 != 112 {
        data.push(0);
    }
    data.extend_from_slice(&(message.len() as u128 * 8).to_be_bytes());
    for block in data.chunks(128) {
        let mut w = [0u64; 80];
        for (i, word) in block.chunks(8).enumerate() {
            w[i] = u64::from_be_bytes(word.try_into().unwrap());
        }
        for i in 16..80 {
            let s0 = w[i - 15].rotate_right(1) ^ w[i - 15].rotate_right(8) ^ (w[i - 15] >> 7);
            let s1 = w[i - 2].rotate_right(19) ^ w[i - 2].rotate_right(61) ^ (w[i - 2] >> 6);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..80 {
            let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 64];
    for (chunk, x) in out.chunks_mut(8).zip(h) {
        chunk.copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// A value of the scalar type of `like` (the curve crate's `Scalar`, which kiosk-core cannot
/// name) from a `u128`.
fn scalar_like<T: From<u128>>(_like: &T, value: u128) -> T {
    T::from(value)
}

fn claim() -> SatisfactionClaim {
    let kiosk = KioskNumber::new(12).unwrap();
    SatisfactionClaim {
        kiosk,
        tracking_code: TrackingCode::new(kiosk, 427).unwrap(),
        service_id: "11021".into(),
        employee_code: None,
        issued_at: "2026-11-23T06:30:00Z".parse().unwrap(),
        valid_hours: 72,
    }
}

fn now() -> DateTime<Utc> {
    "2026-11-24T00:00:00Z".parse().unwrap()
}

#[test]
fn the_test_sha512_is_sha512() {
    let abc = sha512(b"abc");
    assert_eq!(
        abc[..8],
        [0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba],
        "FIPS 180-2 test vector"
    );
    assert_eq!(abc[56..], [0x2a, 0x9a, 0xc9, 0x4f, 0xa5, 0x4c, 0xa4, 0x9f]);
    for _ in 0..8 {
        let seed: [u8; 32] = rand::random();
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(sha512(&seed)[..32], key.to_scalar_bytes());
    }
    // Two blocks' worth of padding.
    assert_ne!(sha512(&[0u8; 112]), sha512(&[0u8; 111]));
}

#[test]
fn a_signature_with_a_small_order_commitment_verifies_plainly_but_is_refused() {
    let key = SigningKey::from_bytes(&rand::random());
    let public = key.verifying_key();
    let genuine = satisfaction::issue(&claim(), &key).unwrap();
    let bytes = URL_SAFE_NO_PAD.decode(&genuine).unwrap();
    let body = &bytes[..bytes.len() - 64];
    let mut message = DOMAIN.to_vec();
    message.extend_from_slice(body);

    // R = identity (order 1), S = k·a where k = H(R ‖ A ‖ M) mod ℓ and a is the key's scalar:
    // [S]B − [k]A = [k·a]B − [k·a]B = identity = R.
    let mut r = [0u8; 32];
    r[0] = 1;
    let mut hashed = r.to_vec();
    hashed.extend_from_slice(public.as_bytes());
    hashed.extend_from_slice(&message);
    let h = sha512(&hashed);
    let a = key.to_scalar();
    let two_128 = scalar_like(&a, u128::MAX) + scalar_like(&a, 1);
    let k = h.chunks(16).rev().fold(scalar_like(&a, 0), |acc, chunk| {
        acc * two_128 + scalar_like(&a, u128::from_le_bytes(chunk.try_into().unwrap()))
    });
    let s = k * a;
    let mut malleated = body.to_vec();
    malleated.extend_from_slice(&r);
    malleated.extend_from_slice(&s.to_bytes());
    let signature = Signature::from_slice(&malleated[body.len()..]).unwrap();

    assert!(
        public.verify(&message, &signature).is_ok(),
        "plain Ed25519 accepts the second signature"
    );
    assert!(public.verify_strict(&message, &signature).is_err());
    let token = URL_SAFE_NO_PAD.encode(&malleated);
    assert_ne!(token, genuine, "another token for the same claim");
    assert_eq!(
        satisfaction::verify(&token, |_| Some(public), now()),
        Err(SatisfactionError::BadSignature)
    );
    // The genuine token still verifies.
    assert_eq!(
        satisfaction::verify(&genuine, |_| Some(public), now()),
        Ok(claim())
    );
}
