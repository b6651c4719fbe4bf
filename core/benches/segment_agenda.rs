//! Benchmarks of the full analysis (SPEC §6): RFM, classes, lifecycle stage, cadence and
//! today's agenda of a synthetic shop with 20,000 customers and 200,000 purchases (target
//! ≤ 50 ms native), as the app runs it (from the ledger it keeps), and the one-off read of the
//! book into that ledger (at start-up).

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::agenda::agenda;
use huike_core::domain::Rules;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_core::segment::analyze_ledger;
use huike_core::segment::ledger::Ledger;
use huike_core::synth::{default_as_of, generate};
use std::hint::black_box;

fn full_analysis_20k_customers_200k_purchases(c: &mut Criterion) {
    let book = generate(1, 20_000, 200_000);
    let rules: Rules = Id::parse("rules").ok().and_then(|id| book.get(RecordKind::Rules, &id)).unwrap_or_default();
    let today = default_as_of();
    let ledger = Ledger::read(&book);
    c.bench_function("full_analysis_20k_customers_200k_purchases", |b| {
        b.iter(|| {
            let analysis = analyze_ledger(black_box(&ledger), today, &rules);
            let items = agenda(&analysis, &rules);
            (analysis, items)
        })
    });
    c.bench_function("ledger_read_20k_customers_200k_purchases", |b| b.iter(|| Ledger::read(black_box(&book))));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = full_analysis_20k_customers_200k_purchases
}
criterion_main!(benches);
