//! Checking a configuration takes time linear in its number of `[[subject]]` blocks: 40,000
//! subjects once took 7 s, each subject's identifier being compared with every earlier one.
//!
//! The assertion is on the growth, not on a time, so it holds in debug and release builds and on
//! a busy machine: four times the subjects must take less than ten times as long (plus a
//! margin for timer noise, and room for a scheduler hiccup on a shared 2-core machine); a
//! quadratic step takes sixteen times as long, and the old one took forty.

use std::path::Path;
use std::time::{Duration, Instant};

fn subjects(n: usize) -> String {
    let mut text = String::from("[kiosk]\nnumber = 7\nagency = \"a\"\ndesk = \"b\"\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[subject]]\nid = \"subject-{i}\"\nlabel_fa = \"موضوع {i}\"\nkinds = [\"complaint\"]\n"
        ));
    }
    text
}

/// The shortest of two checks of `text` (the machine is shared: the shortest is the least
/// disturbed).
fn time_to_check(text: &str) -> Duration {
    (0..2)
        .map(|_| {
            let started = Instant::now();
            let config =
                kiosk_config::parse(text, Path::new("/")).unwrap_or_else(|e| panic!("{e}"));
            let took = started.elapsed();
            assert!(config.catalogue.subjects.len() >= 25_000);
            took
        })
        .min()
        .unwrap_or_default()
}

#[test]
fn a_hundred_thousand_subjects_take_linear_time() {
    let small = time_to_check(&subjects(25_000));
    let large = time_to_check(&subjects(100_000));
    assert!(
        large < small * 10 + Duration::from_millis(500),
        "25,000 subjects: {small:?}, 100,000 subjects: {large:?} (linear: about 4 times)"
    );
}
