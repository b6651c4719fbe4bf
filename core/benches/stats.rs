//! The owner's Stats for a real shop's size (README, "Benchmarks"; issue 11: all of Stats for
//! the 20,000-customer shop in ≤ 200 ms in wasm): every figure the Stats screen draws, from the
//! day's analysis and the views the app keeps — the RFM classes, the R×F grid, stages by month,
//! revenue by month, then the traits read once from the book, the sources funnel, the four
//! steps, the referral chains, the staff's follow-ups and the portrait of everyone.

use chrono::Days;
use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::insights::Insights;
use huike_core::insights::chains::Chains;
use huike_core::insights::funnel::{four_steps, sources_funnel};
use huike_core::insights::portraits::{Traits, portrait};
use huike_core::insights::staff_work::staff_work;
use huike_core::insights::stats::{
    monthly_revenue, rf_grid, rfm_classes, stage_revenue, stages_by_month,
};
use huike_core::segment::analyze_ledger;
use huike_core::segment::ledger::Ledger;
use huike_core::synth::Params;
use std::hint::black_box;

fn stats_20k_customers(c: &mut Criterion) {
    let params = Params::new(1, 20_000, 200_000);
    let book = params.book();
    let rules = book.rules();
    let views = Insights::read(&book);
    let analysis = analyze_ledger(&Ledger::read(&book), params.as_of, &rules);
    let n = analysis.history.customers.len();
    c.bench_function("stats_charts_20k_customers", |b| {
        b.iter(|| {
            let a = black_box(&analysis);
            (
                rfm_classes(a),
                stage_revenue(a),
                rf_grid(a),
                stages_by_month(a, &rules),
                monthly_revenue(a),
            )
        })
    });
    c.bench_function("stats_more_20k_customers", |b| {
        b.iter(|| {
            let a = black_box(&analysis);
            let traits = Traits::read(&book, a);
            let chains = Chains::of(&traits, a);
            (
                sources_funnel(&traits, a).len(),
                four_steps(&traits, &views, a).len(),
                chains.top(10).len(),
                staff_work(&views, params.as_of - Days::new(29), params.as_of).len(),
                portrait(&traits, &views, a, 0..n).customers,
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stats_20k_customers
}
criterion_main!(benches);
