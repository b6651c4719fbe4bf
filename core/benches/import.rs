//! The importer on a real shop's size (README, "Benchmarks"; issue 10: ≤ 5 s native from file
//! to ops, and in steps short enough for a phone's browser): the seed-7 shop's 20,000
//! customers and 200,000 purchases exported as the owner would (`export`), then read back
//! from those bytes the way the app does — the file read a step at a time (decoding, CSV),
//! the header mapping, then the check a step at a time (value checks; customers matched against
//! an empty book and against the book they came from, purchases against the book: each row's
//! customer found, its entry id made) — and turned into the ops the import stores, a chunk at
//! a time as the app writes them.
//!
//! Before the timed runs it prints each stage's longest single step at the app's step size
//! ([`STEP_LINES`], [`STEP_WORK`]): the figure that bounds a task in the browser.

use criterion::{Criterion, criterion_group, criterion_main};
use huike_core::book::Book;
use huike_core::domain::{Customer, Entry};
use huike_core::id::Id;
use huike_core::import::check::{CustomersCheck, CustomersChecked, PurchasesCheck};
use huike_core::import::columns::{self, Field};
use huike_core::import::sheet::{self, Sheet, SheetReader};
use huike_core::import::{Progress, purchases};
use huike_core::insights::Insights;
use huike_core::lang::Lang;
use huike_core::replica::{Journal, Replica};
use huike_core::synth::Params;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Lines of the file read a step (as the app reads them).
const STEP_LINES: usize = 1_000;
/// Units of check work a step (as the app checks).
const STEP_WORK: usize = 500;
/// Customers and purchases a stored change (as the app writes them).
const CUSTOMERS_A_CHUNK: usize = 500;
const PURCHASES_A_CHUNK: usize = 1_000;

/// Runs `step` until it has finished: the longest step and the number of steps.
fn in_steps(mut step: impl FnMut() -> Progress) -> (Duration, usize) {
    let (mut longest, mut steps) = (Duration::ZERO, 0);
    loop {
        let start = Instant::now();
        let progress = step();
        longest = longest.max(start.elapsed());
        steps += 1;
        if progress.finished() {
            return (longest, steps);
        }
    }
}

fn report(what: &str, (longest, steps): (Duration, usize)) {
    println!(
        "{what}: longest step {:.1} ms of {steps} steps",
        longest.as_secs_f64() * 1000.0
    );
}

/// `file` read a step at a time: the sheet, the longest step and the number of steps.
fn read(file: &[u8]) -> (Sheet, (Duration, usize)) {
    let bytes = file.to_vec();
    let start = Instant::now();
    let mut reader = SheetReader::new(bytes, sheet::gb18030()).expect("the export reads");
    let opened = start.elapsed();
    let (longest, steps) = in_steps(|| reader.step(STEP_LINES).expect("valid CSV"));
    (reader.finish(), (longest.max(opened), steps + 1))
}

fn check_customers(
    sheet: &Sheet,
    mapping: &[Option<Field>],
    book: &Book,
    params: &Params,
) -> (CustomersChecked, (Duration, usize)) {
    let now = params.as_of.and_hms_opt(12, 0, 0).unwrap_or_default();
    let mut check = CustomersCheck::new(mapping.to_vec(), params.as_of, now, None);
    let steps = in_steps(|| check.step(sheet, book, STEP_WORK));
    let start = Instant::now();
    let checked = check.finish();
    (checked, (steps.0.max(start.elapsed()), steps.1 + 1))
}

fn check_purchases(
    sheet: &Sheet,
    mapping: &[Option<Field>],
    book: &Book,
) -> (purchases::Read, (Duration, usize)) {
    let mut check = PurchasesCheck::new(mapping.to_vec());
    let steps = in_steps(|| check.step(sheet, book, STEP_WORK));
    (check.finish(), steps)
}

/// The plan's edits as the ops the app stores, a chunk a change: the number of ops, the
/// longest chunk.
fn customer_ops(replica: &mut Replica, checked: &CustomersChecked) -> (usize, Duration) {
    let plan = &checked.plan;
    let mut n = 1_000_000;
    let ids = plan.ids(0..plan.edits.len(), || {
        n += 1;
        Id::parse(&format!("n{n}")).unwrap_or_else(|_| Id::parse("n").expect("an id"))
    });
    let (mut ops, mut longest) = (0, Duration::ZERO);
    for from in (0..plan.edits.len()).step_by(CUSTOMERS_A_CHUNK) {
        let start = Instant::now();
        let edits = plan.edits_with_ids(&ids, from..from + CUSTOMERS_A_CHUNK);
        let journal = replica.plan_edits::<Customer>(
            1_800_000_000_000,
            edits
                .iter()
                .map(|(id, before, after)| (id, before.as_ref(), after)),
        );
        ops += local_ops(journal);
        longest = longest.max(start.elapsed());
    }
    (ops, longest)
}

/// The purchases as the ops the app stores, a chunk a change.
fn purchase_ops(replica: &mut Replica, read: &purchases::Read) -> (usize, Duration) {
    let (mut ops, mut longest) = (0, Duration::ZERO);
    for chunk in read.purchases.chunks(PURCHASES_A_CHUNK) {
        let start = Instant::now();
        let entries: Vec<(Id, Entry)> = chunk.iter().map(|p| (p.id.clone(), p.entry())).collect();
        let journal = replica.plan_appends(
            1_800_000_000_000,
            entries.iter().map(|(id, e)| (id.clone(), e)),
        );
        ops += local_ops(journal);
        longest = longest.max(start.elapsed());
    }
    (ops, longest)
}

/// How many ops a planned change holds.
fn local_ops(journal: Option<Journal>) -> usize {
    match journal {
        Some(Journal::Local(ops)) => ops.len(),
        _ => 0,
    }
}

fn import_customers_20k(c: &mut Criterion) {
    let params = Params::new(7, 20_000, 200_000);
    let book = params.book();
    let today = Insights::read(&book).today(params.as_of, None);
    let file = huike_core::export::customers(&book, &today, Lang::ZhCn);
    let (sheet, steps) = read(&file);
    report("customers 20k: reading the file", steps);
    assert_eq!(sheet.len(), 20_000);
    let mapping = columns::map_headers(&sheet.headers);
    let empty = Book::new();
    let (new, steps) = check_customers(&sheet, &mapping, &empty, &params);
    report("customers 20k: checked as new", steps);
    let (again, steps) = check_customers(&sheet, &mapping, &book, &params);
    report("customers 20k: checked against their book", steps);
    let (ops, longest) = customer_ops(&mut Replica::new("bench".into()), &new);
    println!(
        "customers 20k: {ops} ops for {} new customers, longest chunk {:.1} ms",
        new.plan.edits.len(),
        longest.as_secs_f64() * 1000.0
    );
    assert_eq!(new.plan.edits.len() + new.problems.len(), 20_000);
    drop(again);

    c.bench_function("import_customers_20k_read", |b| {
        b.iter(|| read(black_box(&file)))
    });
    c.bench_function("import_customers_20k_check_new", |b| {
        b.iter(|| check_customers(&sheet, &mapping, black_box(&empty), &params))
    });
    c.bench_function("import_customers_20k_check_again", |b| {
        b.iter(|| check_customers(&sheet, &mapping, black_box(&book), &params))
    });
    c.bench_function("import_customers_20k_ops", |b| {
        b.iter(|| customer_ops(&mut Replica::new("bench".into()), black_box(&new)))
    });
}

/// The seed-7 shop's 200,000 purchases exported, then read back against the book they came
/// from: every row checked, its customer found by id, its entry id made (none of them is in
/// the book under that id: the export's entry ids are not order numbers).
fn import_purchases_200k(c: &mut Criterion) {
    let params = Params::new(7, 20_000, 200_000);
    let book = params.book();
    let file = huike_core::export::purchases(&book, Lang::En);
    println!("purchases 200k: {:.1} MB", file.len() as f64 / 1e6);
    let (sheet, steps) = read(&file);
    report("purchases 200k: reading the file", steps);
    let mapping = columns::map_headers(&sheet.headers);
    let (checked, steps) = check_purchases(&sheet, &mapping, &book);
    report("purchases 200k: checked against the book", steps);
    assert!(
        checked.problems.is_empty(),
        "{:?}",
        checked.problems.first()
    );
    let (ops, longest) = purchase_ops(&mut Replica::new("bench".into()), &checked);
    println!(
        "purchases 200k: {ops} ops, longest chunk {:.1} ms",
        longest.as_secs_f64() * 1000.0
    );

    c.bench_function("import_purchases_200k_read", |b| {
        b.iter(|| read(black_box(&file)))
    });
    c.bench_function("import_purchases_200k_check", |b| {
        b.iter(|| check_purchases(&sheet, &mapping, black_box(&book)))
    });
    c.bench_function("import_purchases_200k_ops", |b| {
        b.iter(|| purchase_ops(&mut Replica::new("bench".into()), black_box(&checked)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = import_customers_20k, import_purchases_200k
}
criterion_main!(benches);
