//! What SQLCipher costs: opening a database holding 1000 cases, and registering 1000 cases
//! (each its own IMMEDIATE transaction and fsync, WAL, `synchronous=FULL`), plaintext against
//! encrypted under a raw key generated for the run. Real files under Cargo's target tmp dir.
//!
//! `cargo bench -p kiosk-store --bench encryption`; the ratio encrypted / plaintext of each pair
//! is the figure reported in the README.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use kiosk_core::{NationalCode, NationalCodePolicy};
use kiosk_store::{DatabaseKey, OpenOptions, Store};

mod common;
use common::new_case;

const CASES: u32 = 1000;

/// Registers `CASES` cases into a new database at `path`; returns the time the registrations took.
fn fill(path: &Path, options: &OpenOptions) -> Duration {
    let national_code =
        NationalCode::parse("0499370899", &NationalCodePolicy::default()).expect("valid code");
    let registered_at = Utc::now();
    let mut store = Store::open(path, options).expect("open store");
    let started = Instant::now();
    for _ in 0..CASES {
        black_box(
            store
                .register_case(new_case(&national_code, registered_at))
                .expect("registered"),
        );
    }
    let took = started.elapsed();
    store.close().expect("close");
    took
}

fn modes() -> [(&'static str, OpenOptions); 2] {
    [
        ("plaintext", OpenOptions::default()),
        ("encrypted", OpenOptions::encrypted(DatabaseKey::generate())),
    ]
}

fn inserts(c: &mut Criterion) {
    let mut group = c.benchmark_group("1000 case registrations");
    for (name, options) in modes() {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
                    total += fill(&dir.path().join("kiosk.db"), &options);
                }
                total
            });
        });
    }
    group.finish();
}

fn open(c: &mut Criterion) {
    let mut group = c.benchmark_group("open a database of 1000 cases");
    for (name, options) in modes() {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
        let path = dir.path().join("kiosk.db");
        fill(&path, &options);
        // Open (header, integrity_check, WAL, migrations) and close again.
        group.bench_function(name, |b| {
            b.iter(|| {
                Store::open(&path, &options)
                    .expect("open")
                    .close()
                    .expect("close");
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = open, inserts
}
criterion_main!(benches);
