//! Benchmarks of the analytics (README, "Benchmarks").

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::agenda::agenda;
use huike_core::domain::Customer;
use huike_core::op::RecordKind;
use huike_core::predict::outlook::Outlook;
use huike_core::predict::{Model, TimeUnit};
use huike_core::search::SearchIndex;
use huike_core::segment;
use huike_core::segment::ledger::Ledger;
use huike_core::synth::Params;
use huike_core::workday::Workday;
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

/// The full analysis of a synthetic shop of 20,000 customers and 200,000 purchases (README, "Benchmarks") as the app runs it after every change and when the day turns: RFM,
/// classes, lifecycle stage and cadence (`segment::analyze_ledger`), then today's follow-ups
/// (`agenda`), under the shop's own rules, from the ledger the app keeps beside the book.
fn analysis_20k_customers_200k_purchases(c: &mut Criterion) {
    let params = Params::new(1, 20_000, 200_000);
    let book = params.book();
    let rules = book.rules();
    let ledger = Ledger::read(&book);
    c.bench_function("analysis_20k_customers_200k_purchases", |b| {
        b.iter(|| {
            let analysis = segment::analyze_ledger(black_box(&ledger), params.as_of, &rules);
            let items = agenda(&analysis, &rules);
            (analysis, items)
        })
    });
    // The model and the day's work, after each analysis: the BG/NBD + Gamma-Gamma fit on the
    // shop's buyers, every customer's P(alive) and CLV, then the agenda shared out among the
    // staff at the daily capacity.
    let analysis = segment::analyze_ledger(&ledger, params.as_of, &rules);
    let items = agenda(&analysis, &rules);
    let staff: Vec<_> = huike_core::insights::Team::of(&book)
        .working()
        .cloned()
        .collect();
    c.bench_function("outlook_and_workday_20k_customers", |b| {
        b.iter(|| {
            let outlook = Outlook::of(black_box(&analysis));
            let day = Workday::plan(&items, &analysis, &outlook, &staff, rules.daily_capacity);
            (outlook, day)
        })
    });
    // Once per start of the app (part of the cold start): reading that book into the ledger.
    c.bench_function("ledger_read_20k_customers_200k_purchases", |b| {
        b.iter(|| Ledger::read(black_box(&book)))
    });
}

/// One keystroke's query over an index of 20,000 customers (README, "Benchmarks"). Each
/// iteration is the next keystroke of a clerk typing a name in pinyin, a name in characters,
/// the last four digits of a phone number and a WeChat id, so the figure is the mean over
/// broad one-letter queries and narrow long ones alike.
fn search_keystroke_20k(c: &mut Criterion) {
    let book = Params::new(1, 20_000, 20_000).book();
    let index = SearchIndex::from_book(&book);
    let customer: Customer = book
        .records(RecordKind::Customer)
        .nth(777)
        .and_then(|(_, s)| s.decode().ok())
        .unwrap_or_default();
    let phone = customer.phone().unwrap_or("13800138000");
    let typed = ["zhangli", "王芳", &phone[phone.len() - 4..], "wxid_a"];
    let keystrokes: Vec<String> = typed
        .iter()
        .flat_map(|word| {
            word.char_indices()
                .map(|(i, ch)| word[..i + ch.len_utf8()].to_owned())
        })
        .collect();
    let mut next = 0;
    c.bench_function("search_keystroke_20k", |b| {
        b.iter(|| {
            let query = &keystrokes[next % keystrokes.len()];
            next += 1;
            index.search(black_box(query), 50)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bgnbd_gg_fit_cdnow_sample, analysis_20k_customers_200k_purchases, search_keystroke_20k
}
criterion_main!(benches);
