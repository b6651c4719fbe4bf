//! `huike-core`: everything Huike knows that does not need a browser or a server.
//!
//! - [`id`], [`hlc`]: globally unique ids and hybrid logical clock stamps, both made on the device.
//! - [`op`]: operations (field-level last-writer-wins sets, appends of immutable entries,
//!   tombstones); [`book`]: the [`book::Book`] they merge into. The merge is commutative,
//!   associative and idempotent.
//! - [`codec`]: the compact binary encodings of values, ops and whole books (snapshots).
//! - [`domain`]: the shop's records (customers, purchases, …) as typed views of the book.
//! - [`replica`]: one device's copy of the shop: book, clock, outbox, sync position.
//! - [`sync`]: the wire protocol between a device and the worker (batches, cursors, limits);
//!   [`client`]: the device side of it.
//! - [`server`]: the sync server's request handling over a key-value store (the worker is a thin adapter).
//! - [`privilege`]: which changes only an owner may make.
//! - [`auth`]: device tokens and invite codes (generation from caller-supplied randomness, hashing).
//! - [`date`]: calendar-date helpers shared by the analytics.
//! - [`segment`], [`predict`], [`agenda`], [`message`], [`search`]: what the shop learns from the book;
//!   [`workday`]: the day's follow-ups shared out among the staff.
//! - [`lang`]: the languages (简体中文, English).
//! - [`insights`]: the analytics ledger and search index the app keeps beside the book.
//! - [`import`]: spreadsheet values and columns as shops write them (the importer's pure part);
//!   [`export`]: the book as CSV that opens in Excel; [`backup`]: the whole book as a file that
//!   restores by merging.
//! - [`sorting`]: stable sorting with one copy of the sort code in the app's wasm.
//! - [`synth`]: seeded synthetic shops for benchmarks and tests; `test_shop` (tests only, and
//!   with the `test-shop` feature): a small shop built op by op for the tests.

#![warn(missing_docs)]

pub mod agenda;
pub mod auth;
pub mod backup;
pub mod book;
pub mod client;
pub mod codec;
pub mod date;

pub mod domain;
pub mod export;
pub mod hlc;
pub mod id;
pub mod id_list;
pub mod import;
pub mod insights;
pub mod lang;
pub mod message;
pub mod op;
pub mod predict;
pub mod privilege;
pub mod replica;
pub mod search;
pub mod segment;
pub mod server;
pub mod sorting;
pub mod sync;
pub mod synth;
#[cfg(any(test, feature = "test-shop"))]
pub mod test_shop;
pub mod workday;
