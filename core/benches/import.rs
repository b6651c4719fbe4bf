//! The importer on a real shop's size (README, "Benchmarks"; issue 10: ≤ 5 s native from file
//! to edits): the seed-7 shop's 20,000 customers exported as the owner would (`export`), then
//! read back from those bytes — decoding, CSV, header mapping, value checks — and matched
//! against an empty book and against the book they came from (a re-import: nothing to write).

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::book::Book;
use huike_core::import::{columns, customers, matching, sheet};
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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = import_customers_20k
}
criterion_main!(benches);
