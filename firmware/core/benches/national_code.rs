//! How long validating a national code takes, in the forms a kiosk meets: ASCII typed on the
//! keypad, Persian digits from the on-screen keyboard, and a refused code.

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk_core::{NationalCode, NationalCodePolicy};
use std::hint::black_box;

fn national_code(c: &mut Criterion) {
    let policy = NationalCodePolicy::default();
    let mut group = c.benchmark_group("national_code");
    group.bench_function("valid_ascii", |b| {
        b.iter(|| NationalCode::parse(black_box("0499370899"), &policy))
    });
    group.bench_function("valid_persian_with_dashes", |b| {
        b.iter(|| NationalCode::parse(black_box("۰۴۹-۹۳۷۰۸۹-۹"), &policy))
    });
    group.bench_function("refused_checksum", |b| {
        b.iter(|| NationalCode::parse(black_box("0499370898"), &policy))
    });
    group.finish();
}

criterion_group!(benches, national_code);
criterion_main!(benches);
