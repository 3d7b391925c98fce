//! The scale benchmark's smoke run (server/examples/office_load, `--smoke`): 20 devices against
//! the `agency-server` binary of this build on a PostgreSQL cluster of its own, a few seconds
//! per phase (capacity, steady, outage with the server SIGKILLed and restarted, drain). It
//! checks that the benchmark still runs end to end and that every case it registered is in the
//! database exactly once; the figures of a debug build on a busy machine mean nothing here.
//!
//! The example is built by `cargo test` (all targets); run alone with
//! `cargo build -p agency-server --example office_load && cargo test -p agency-server --test
//! office_load_smoke`.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/office_load_smoke-HASH → target/debug/examples/office_load
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join("examples").join("office_load");
    assert!(
        path.is_file(),
        "{} is missing: `cargo build -p agency-server --example office_load` first (a plain \
         `cargo test` builds it)",
        path.display()
    );
    path
}

#[test]
fn twenty_devices_through_capacity_steady_outage_and_drain_lose_nothing() {
    let out = Command::new(example())
        .args([
            "--smoke",
            "--server-bin",
            env!("CARGO_BIN_EXE_agency-server"),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "office_load --smoke failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let counts = stdout
        .lines()
        .find(|l| l.starts_with("| cases registered"))
        .unwrap_or_else(|| panic!("no count line in:\n{stdout}"));
    // registered / in `cases` / lost / duplicated / refused
    let figures: Vec<&str> = counts.split('|').nth(2).unwrap().split('/').collect();
    assert_eq!(figures.len(), 5, "{counts}");
    assert_eq!(figures[0].trim(), figures[1].trim(), "{counts}");
    assert!(
        figures[0].trim().parse::<u64>().unwrap() >= 2_000,
        "{counts}"
    );
    for f in &figures[2..] {
        assert_eq!(f.trim(), "0", "{counts}");
    }
    for row in [
        "items ingested per second",
        "busiest second vs steady",
        "bytes per million",
    ] {
        assert!(stdout.contains(row), "no «{row}» row in:\n{stdout}");
    }
}
