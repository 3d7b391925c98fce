//! Fuzzes the `DLE EOT` status parser with any four answers (each present or missing): no panic,
//! and a status that allows printing never hides a blocking condition.
#![no_main]

use kiosk_drivers::printer::status::is_status_byte;
use kiosk_drivers::printer::{Condition, parse_status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: [u8; 5]| {
    let present = data[0];
    let mut answers = [None; 4];
    for (i, answer) in answers.iter_mut().enumerate() {
        if present & (1 << i) != 0 {
            *answer = Some(data[i + 1]);
        }
    }
    let status = parse_status(answers);
    let shown = status.to_string();
    assert!(shown.contains("DLE EOT"));
    let all_valid = answers.iter().all(|a| a.is_some_and(is_status_byte));
    if all_valid {
        assert!(!matches!(status.condition, Condition::Unknown(_)));
    }
    if status.is_ready() {
        assert!(matches!(
            status.condition,
            Condition::Ready | Condition::PaperNearEnd
        ));
    }
    if status.condition == Condition::PaperNearEnd {
        assert!(status.paper_near_end);
    }
});
