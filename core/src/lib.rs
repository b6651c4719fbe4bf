//! `huike-core`: everything Huike knows that does not need a browser or a server.
//!
//! - [`id`], [`hlc`]: globally unique ids and hybrid logical clock stamps, both made on the device.
//! - [`op`]: operations and the [`op::Book`] they merge into (field-level last-writer-wins
//!   registers, immutable entries, tombstones). The merge is commutative, associative and idempotent.
//! - [`domain`]: the shop's records (customers, purchases, …) as typed views of the book.
//! - [`replica`]: one device's copy of the shop: book, clock, outbox, sync position.
//! - [`sync`]: the wire protocol between a device and the worker (batches, cursors, limits).
//! - [`server`]: the sync server's request handling over a key-value store (the worker is a thin adapter).
//! - [`auth`]: device tokens and invite codes (generation from caller-supplied randomness, hashing).
//! - [`date`]: calendar-date helpers shared by the analytics.
//! - [`segment`], [`predict`], [`agenda`], [`message`], [`search`]: what the shop learns from the book.
//! - [`insights`]: the analytics ledger and search index the app keeps beside the book.
//! - [`synth`]: seeded synthetic shops for benchmarks and tests.

pub mod agenda;
pub mod auth;
pub mod date;
pub mod domain;
pub mod hlc;
pub mod id;
pub mod insights;
pub mod message;
pub mod op;
pub mod predict;
pub mod replica;
pub mod search;
pub mod segment;
pub mod server;
pub mod sync;
pub mod synth;
