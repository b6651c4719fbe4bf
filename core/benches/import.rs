//! The importer on a real shop's size (README, "Benchmarks"; issue 10: ≤ 5 s native from file
//! to edits): the seed-7 shop's 20,000 customers and 200,000 purchases exported as the owner
//! would (`export`), then read back from those bytes — decoding, CSV, header mapping, value
//! checks — and matched against an empty book and against the book they came from (a
//! re-import: nothing to write).

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::book::Book;
use huike_core::import::{columns, customers, matching, purchases, sheet};
use huike_core::insights::Insights;
use huike_core::lang::Lang;
use huike_core::synth::Params;
use std::hint::black_box;

fn import_customers_20k(c: &mut Criterion) {
    let params = Params::new(7, 20_000, 200_000);
    let book = params.book();
    let today = Insights::read(&book).today(params.as_of, None);
    let file = huike_core::export::customers(&book, &today, Lang::ZhCn);
    let now = params.as_of.and_hms_opt(12, 0, 0).unwrap_or_default();
    let read = |bytes: &[u8]| {
        let sheet = sheet::read(bytes).expect("the export reads back");
        let mapping = columns::map_headers(&sheet.headers);
        customers::read(&sheet, &mapping, params.as_of)
    };
    let rows = read(&file);
    assert_eq!(rows.customers.len() + rows.problems.len(), 20_000);
    c.bench_function("import_customers_20k_read", |b| {
        b.iter(|| read(black_box(&file)))
    });
    let empty = Book::new();
    c.bench_function("import_customers_20k_match_new", |b| {
        b.iter(|| matching::plan(black_box(&empty), &rows.customers, now, None))
    });
    c.bench_function("import_customers_20k_match_again", |b| {
        b.iter(|| matching::plan(black_box(&book), &rows.customers, now, None))
    });
}

/// The seed-7 shop's 200,000 purchases exported, then read back against the book they came
/// from: every row checked, its customer found by id, its entry id made — and all of them
/// found already there (a re-import writes nothing).
fn import_purchases_200k(c: &mut Criterion) {
    let params = Params::new(7, 20_000, 200_000);
    let book = params.book();
    let file = huike_core::export::purchases(&book, Lang::En);
    let sheet = sheet::read(&file).expect("the export reads back");
    let mapping = columns::map_headers(&sheet.headers);
    let read = purchases::read(&sheet, &mapping, &book);
    assert!(read.problems.is_empty(), "{:?}", read.problems.first());
    c.bench_function("import_purchases_200k_read", |b| {
        b.iter(|| sheet::read(black_box(&file)).expect("reads"))
    });
    c.bench_function("import_purchases_200k_check_and_match", |b| {
        b.iter(|| purchases::read(black_box(&sheet), &mapping, &book))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = import_customers_20k, import_purchases_200k
}
criterion_main!(benches);
