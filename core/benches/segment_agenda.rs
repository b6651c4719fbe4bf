//! Benchmark of the full analysis (SPEC §6): RFM, classes, lifecycle stage, cadence and today's
//! agenda of a synthetic shop with 20,000 customers and 200,000 purchases (target ≤ 50 ms
//! native).

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::agenda::agenda;
use huike_core::domain::Rules;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_core::segment::analyze;
use huike_core::synth::{default_as_of, generate};
use std::hint::black_box;

fn full_analysis_20k_customers_200k_purchases(c: &mut Criterion) {
    let book = generate(1, 20_000, 200_000);
    let rules: Rules = Id::parse("rules").ok().and_then(|id| book.get(RecordKind::Rules, &id)).unwrap_or_default();
    let today = default_as_of();
    c.bench_function("full_analysis_20k_customers_200k_purchases", |b| {
        b.iter(|| {
            let analysis = analyze(black_box(&book), today, &rules);
            let items = agenda(&book, &analysis, &rules);
            (analysis, items)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = full_analysis_20k_customers_200k_purchases
}
criterion_main!(benches);
