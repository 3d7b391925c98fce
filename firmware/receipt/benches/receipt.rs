//! Criterion benchmark of the standard receipt: content → ESC/POS bytes (layout, shaping,
//! raster, bands, native QR), and content → raster alone. Target: ≤ 1 ms median for the bytes.
//!
//! `CARGO_TARGET_DIR=/work/target-receipt cargo bench -p kiosk-receipt --bench receipt`

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk_receipt::{Profile, encode, render, sample};
use std::hint::black_box;

fn receipt(c: &mut Criterion) {
    let content = sample();
    for profile in [Profile::MM80, Profile::MM58] {
        c.bench_function(&format!("receipt {profile}: content -> bytes"), |b| {
            b.iter(|| encode(black_box(&content), black_box(&profile)))
        });
    }
    c.bench_function("receipt 80mm: content -> raster", |b| {
        b.iter(|| render(black_box(&content), black_box(&Profile::MM80)))
    });
}

criterion_group!(benches, receipt);
criterion_main!(benches);
