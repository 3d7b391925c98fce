//! Fuzzes the national code parser with any text: it must never panic, an accepted code must
//! read back as itself, and the masked form must hide its first six digits.
#![no_main]

use kiosk_core::{NationalCode, NationalCodePolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    for accept_test_code in [false, true] {
        let policy = NationalCodePolicy { accept_test_code };
        if let Ok(code) = NationalCode::parse(input, &policy) {
            let text = code.as_string();
            assert_eq!(text.len(), 10);
            let again = NationalCode::parse(&text, &policy).expect("an accepted code reparses");
            assert_eq!(again, code);
            let masked = code.masked();
            assert!(masked.starts_with("******"));
            assert_eq!(&masked[6..], &text[6..]);
        } else if let Err(e) = NationalCode::parse(input, &policy) {
            assert!(!e.message_fa().is_empty());
            assert!(!e.reason_code().is_empty());
        }
    }
});
