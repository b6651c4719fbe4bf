//! How many bytes the synthetic shop takes in each of Huike's encodings, and how long the
//! snapshot and the image of the views take to write and read: the figures in the README's storage table.
//!
//! `cargo run --release -p huike-core --example storage_sizes [customers purchases seed]`
//! (default: the 20,000-customer, 200,000-purchase shop of seed 7).

use huike_core::book::Book;
use huike_core::codec::ops::{encode_ops, encode_payload};
use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
use huike_core::insights::Insights;
use huike_core::op::RecordKind;
use huike_core::sync::MAX_BATCH_OPS;
use huike_core::synth::Params;
use std::time::Instant;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: customers purchases seed"))
        .collect();
    let customers = args.first().copied().unwrap_or(20_000) as usize;
    let purchases = args.get(1).copied().unwrap_or(200_000) as usize;
    let seed = args.get(2).copied().unwrap_or(7);
    let ops = Params::new(seed, customers, purchases).ops();
    let mut book = Book::new();
    for op in &ops {
        book.apply(op);
    }
    let n_ops = ops.len() as f64;
    let n_customers = book.records(RecordKind::Customer).count() as f64;
    println!(
        "shop: seed {seed}, {} customers, {} entries, {} ops",
        n_customers,
        book.entry_count(),
        ops.len()
    );
    let json: usize = ops
        .chunks(MAX_BATCH_OPS)
        .map(|c| serde_json::to_string(c).map_or(0, |s| s.len()))
        .sum();
    let binary = encode_ops(&ops).len();
    let payloads: usize = ops
        .chunks(MAX_BATCH_OPS)
        .map(|c| encode_payload(c).len())
        .sum();
    println!(
        "ops as JSON (earlier versions):  {:>11} bytes, {:>6.1} per op",
        json,
        json as f64 / n_ops
    );
    println!(
        "ops in binary:                   {:>11} bytes, {:>6.1} per op",
        binary,
        binary as f64 / n_ops
    );
    println!(
        "ops as batch payloads (1,000 ops, compressed, base64): {} bytes, {:.1} per op",
        payloads,
        payloads as f64 / n_ops
    );
    let t = Instant::now();
    let mut views = Insights::read(&book);
    let read_views = t.elapsed();
    let t = Instant::now();
    let image = views.write_image();
    let write_image = t.elapsed();
    let t = Instant::now();
    let back = Insights::read_image(&image).expect("the views read back");
    let read_image = t.elapsed();
    drop(back);
    println!(
        "views (ledger, search index, list): {} bytes ({:.0} per customer), {} compressed; \
         built from the book in {read_views:?}, image written in {write_image:?}, read in {read_image:?}",
        image.len(),
        image.len() as f64 / n_customers,
        huike_core::codec::compress(&image).len(),
    );
    for (name, level) in [
        ("device store", Level::Fast),
        ("server snapshot", Level::Small),
    ] {
        let t = Instant::now();
        let mut writer = SnapshotWriter::new(level, 1 << 20);
        while !writer.step(&book, 5_000) {}
        let image = writer.image_bytes();
        let parts = writer.finish();
        let write = t.elapsed();
        let compressed: usize = parts.iter().map(Vec::len).sum();
        let t = Instant::now();
        let back = SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).expect("image reads");
        let read = t.elapsed();
        assert!(back == book, "the book comes back unchanged");
        println!(
            "{name}: image {image} bytes ({:.0} per customer); compressed {compressed} bytes \
             ({:.0} per customer, {:.1} per op) in {} parts; write {write:?}, read {read:?}",
            image as f64 / n_customers,
            compressed as f64 / n_customers,
            compressed as f64 / n_ops,
            parts.len(),
        );
    }
}
