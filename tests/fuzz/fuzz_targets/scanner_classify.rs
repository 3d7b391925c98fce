//! Fuzzes the scanner's byte decoding and line classifier: any bytes a scanner may send must
//! classify without panicking, and what is classified as ours must parse again.
#![no_main]

use kiosk_core::{NationalCode, TrackingCode};
use kiosk_drivers::scanner::framing::decode_text;
use kiosk_drivers::scanner::{ClassifierConfig, Scanned, classify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let config = ClassifierConfig::default();
    let text = match decode_text(bytes) {
        Ok(text) => text,
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    let scanned = classify(&text, &config);
    assert!(!scanned.kind().is_empty());
    // Debug output never shows a national code in full.
    let debug = format!("{scanned:?}");
    match &scanned {
        Scanned::NationalCode(code) => {
            assert!(!debug.contains(&code.as_string()));
            assert_eq!(
                NationalCode::parse(&code.as_string(), &config.national_code).as_ref(),
                Ok(code)
            );
        }
        Scanned::TrackingCode(code) => {
            assert!(TrackingCode::parse(&code.as_string()).is_ok());
        }
        Scanned::Unknown { reason, .. } => assert!(!reason.code().is_empty()),
        Scanned::SatisfactionCode { .. } | Scanned::EmployeeCode(_) => {}
    }
});
