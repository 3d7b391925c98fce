//! Fuzzes the configuration parser with any text: it must never panic, and every refusal must
//! name at least one issue.
#![no_main]

use kiosk_config::{ConfigError, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    // Holiday files named in the text are looked up in an empty directory.
    let dir = std::env::temp_dir().join("kiosk-fuzz-config-empty");
    let _ = std::fs::create_dir_all(&dir);
    match parse(text, &dir) {
        Ok(_) => {}
        Err(e @ ConfigError::Invalid { .. }) => {
            assert!(!e.issues().is_empty(), "a refusal names its problems");
            assert!(!e.to_string().is_empty());
        }
        Err(ConfigError::Read { .. }) => {}
    }
});
