//! Fuzzes the satisfaction-code decoder and verifier with any scanned text: no panic, and a
//! decoded claim re-issued with our key verifies to the same claim (so the encoder and decoder
//! agree on every field the decoder accepts).
#![no_main]

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use kiosk_core::satisfaction;
use libfuzzer_sys::fuzz_target;

/// The fuzzing process's signing key, made at random when it starts (never a committed one).
fn key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("randomness from the OS");
        SigningKey::from_bytes(&seed)
    })
}

fuzz_target!(|input: &str| {
    let key = key();
    let now = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).expect("fixed time");
    // Verification with a key for every kiosk: a forged signature must never pass.
    if let Ok(claim) = satisfaction::verify(input, |_| Some(key.verifying_key()), now) {
        // Only possible if the input was signed with `key`: re-decoding must agree.
        let (again, _, _) = satisfaction::decode(satisfaction::token_of(input)).expect("decodes");
        assert_eq!(again, claim);
    }
    if let Ok((claim, _body, _sig)) = satisfaction::decode(satisfaction::token_of(input))
        && let Ok(token) = satisfaction::issue(&claim, key)
    {
        let (decoded, _, _) = satisfaction::decode(&token).expect("our own token decodes");
        assert_eq!(decoded, claim);
        let url = satisfaction::url("https://example.invalid", &token);
        assert_eq!(satisfaction::token_of(&url), token);
    }
});
