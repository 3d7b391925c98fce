//! Time of one case registration on a real file: WAL, `synchronous=FULL`, one IMMEDIATE
//! transaction writing the sequence, case, event, outbox item and receipt job, then the commit's
//! fsync. The database lives under Cargo's target tmp dir (a real disk, not a tmpfs), and grows
//! across iterations like a kiosk's does.

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use kiosk_core::{NationalCode, NationalCodePolicy};
use kiosk_store::{OpenOptions, Store};

mod common;
use common::new_case;

fn register_case(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut store =
        Store::open(dir.path().join("kiosk.db"), &OpenOptions::default()).expect("open store");
    let national_code =
        NationalCode::parse("0499370899", &NationalCodePolicy::default()).expect("valid code");
    let registered_at = Utc::now();
    c.bench_function("register_case (WAL, synchronous=FULL, real file)", |b| {
        b.iter_batched(
            || new_case(&national_code, registered_at),
            |case| black_box(store.register_case(case).expect("registered")),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(10));
    targets = register_case
}
criterion_main!(benches);
