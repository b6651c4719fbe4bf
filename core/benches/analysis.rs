//! Benchmarks of the analytics (SPEC §6).

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::predict::{Model, TimeUnit};
use std::hint::black_box;

#[path = "../tests/fixtures/cdnow/cdnow.rs"]
mod cdnow;

/// BG/NBD + Gamma-Gamma fit on the CDNOW 1/10 sample (2,357 customers, weeks), from the
/// customer summaries: the same work `scripts/bench_lifetimes.py` times in Python `lifetimes`.
fn bgnbd_gg_fit_cdnow_sample(c: &mut Criterion) {
    let customers = cdnow::summaries();
    c.bench_function("bgnbd_gg_fit_cdnow_sample", |b| {
        b.iter(|| Model::fit(black_box(&customers), TimeUnit::Weeks).expect("CDNOW fits"))
    });
}

criterion_group!(benches, bgnbd_gg_fit_cdnow_sample);
criterion_main!(benches);
