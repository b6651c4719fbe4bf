//! The device's durable copy of the replica, in IndexedDB (through `rexie`), log-structured:
//!
//! - `snapshot`: the book as a few large compressed parts ([`huike_core::codec::snapshot`]),
//!   with the outbox and sync state at that point, under `g{generation}/…`;
//! - `journal`: the replica's [`Journal`] records since that snapshot, one value per change,
//!   keyed by a counter;
//! - `meta`: the manifest naming the current generation and the first journal key it does not
//!   cover.
//!
//! Saving a change is one transaction that puts its journal record; the app applies the
//! change in memory only once IndexedDB reports it committed ([`Store::append`]). A pulled
//! round is one record too. On start, [`Store::load`] reads the snapshot part by part and
//! commits the journal over it, yielding to the page between slices. Now and then
//! ([`Store::wants_compaction`]) the app writes a new snapshot in the background
//! ([`Store::install`]): the parts, manifest and the removal of the journal it covers are one
//! transaction, so a crash at any point leaves either the old generation or the new one.
//!
//! A book stored by the first version of the app (one JSON row per record and entry) is
//! migrated on first start ([`open_book`], [`legacy`]).

pub mod legacy;

use huike_core::book::Book;
use huike_core::client::state::SyncState;
use huike_core::codec::DecodeError;
use huike_core::codec::ops::{decode_ops, encode_ops};
use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
use huike_core::insights::{ImageReader, Insights};
use huike_core::replica::{Journal, Replica};
use rexie::{KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use wasm_bindgen::{JsCast, JsValue};

const META: &str = "meta";
const SNAPSHOT: &str = "snapshot";
const JOURNAL: &str = "journal";
const STORES: [&str; 3] = [META, SNAPSHOT, JOURNAL];
const MANIFEST: &str = "manifest";

/// Compressed bytes per stored snapshot part (a few large values read fastest).
const PART_BYTES: usize = 4 << 20;
/// Rows per block of the stored snapshot: the page waits for one block's read at a start
/// (blocks of 4,000 rows took up to 65–99 ms in a phone's browser on a 2-core machine; 2,000
/// keep every step well under 100 ms for a little more storage).
pub const STEP_ROWS: usize = 2_000;

/// A writer of the device's own snapshot: quick to write, a few large parts.
pub fn snapshot_writer() -> SnapshotWriter {
    SnapshotWriter::new(Level::Fast, PART_BYTES)
}

/// The journal is folded into a new snapshot once it holds this many records or bytes.
const COMPACT_RECORDS: u64 = 2_000;
const COMPACT_BYTES: u64 = 8 << 20;

/// Which snapshot is current and where the journal after it starts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The current snapshot's generation (0: none yet).
    pub generation: u64,
    /// Its number of book parts.
    pub parts: u32,
    /// The first journal key the snapshot does not cover.
    pub journal_from: u64,
}

/// The device's database.
pub struct Store {
    db: Rexie,
    manifest: RefCell<Manifest>,
    next_journal: Cell<u64>,
    journal_records: Cell<u64>,
    journal_bytes: Cell<u64>,
}

/// A storage failure, with the browser's own words (quota, private mode, …).
#[derive(Clone, Debug, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Opens (creating on first use) the version-1 database `name` with `stores`; `what` says
/// which database failed to open.
async fn open_database(name: &str, stores: &[&str], what: &str) -> Result<Rexie, StoreError> {
    let mut builder = Rexie::builder(name).version(1);
    for s in stores {
        builder = builder.add_object_store(ObjectStore::new(s));
    }
    builder.build().await.map_err(|e| err(what, e))
}

pub(crate) fn err(context: &str, e: impl std::fmt::Debug) -> StoreError {
    let text = format!("{e:?}");
    let hint = if text.contains("Quota") {
        " (the device's storage is full: free some space, then try again)"
    } else {
        ""
    };
    StoreError(format!("{context}: {text}{hint}"))
}

fn damaged(what: impl std::fmt::Display) -> StoreError {
    StoreError(format!("the stored book is damaged: {what}"))
}

/// Bytes as a value IndexedDB stores.
pub(crate) fn bytes_value(bytes: &[u8]) -> JsValue {
    js_sys::Uint8Array::from(bytes).into()
}

/// A stored value's bytes.
pub(crate) fn value_bytes(v: &JsValue) -> Result<Vec<u8>, StoreError> {
    v.dyn_ref::<js_sys::Uint8Array>()
        .map(js_sys::Uint8Array::to_vec)
        .ok_or_else(|| damaged("a value is not bytes"))
}

fn part_key(generation: u64, name: &str) -> JsValue {
    JsValue::from_str(&format!("g{generation}/{name}"))
}

fn journal_key(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// Lets the page paint and handle input before the next slice of work.
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// How far a long load is, for a progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Work done, 0–1.
    pub done: f64,
}

impl Store {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        let db = open_database(name, &STORES, "cannot open the device database").await?;
        let store = Store {
            db,
            manifest: RefCell::new(Manifest::default()),
            next_journal: Cell::new(0),
            journal_records: Cell::new(0),
            journal_bytes: Cell::new(0),
        };
        if let Some(m) = store.read_manifest().await? {
            store.next_journal.set(m.journal_from);
            *store.manifest.borrow_mut() = m;
        }
        Ok(store)
    }

    /// Deletes the database `name` (leaving a shop on this device).
    pub async fn destroy(name: &str) -> Result<(), StoreError> {
        Rexie::delete(name)
            .await
            .map_err(|e| err("cannot delete the device database", e))
    }

    /// True when nothing was ever stored here.
    pub fn is_empty(&self) -> bool {
        let m = self.manifest.borrow();
        m.generation == 0 && self.next_journal.get() == m.journal_from
    }

    async fn read_manifest(&self) -> Result<Option<Manifest>, StoreError> {
        let tx = self
            .db
            .transaction(&[META], TransactionMode::ReadOnly)
            .map_err(|e| err("read", e))?;
        let meta = tx.store(META).map_err(|e| err("read", e))?;
        let Some(v) = meta
            .get(JsValue::from_str(MANIFEST))
            .await
            .map_err(|e| err("read", e))?
        else {
            return Ok(None);
        };
        let text = v
            .as_string()
            .ok_or_else(|| damaged("the manifest is not text"))?;
        serde_json::from_str(&text).map(Some).map_err(damaged)
    }

    /// The views stored with the current snapshot (`None` when there are none, or they are of
    /// another version or damaged: the caller reads them from the book instead).
    pub async fn load_views(&self) -> Option<Insights> {
        let generation = self.manifest.borrow().generation;
        if generation == 0 {
            return None;
        }
        let value = self
            .get(SNAPSHOT, part_key(generation, "views"))
            .await
            .ok()?;
        let bytes = value_bytes(&value).ok()?;
        let mut reader = ImageReader::new(&bytes).ok()?;
        loop {
            if let Some(views) = reader.step().ok()? {
                return Some(views);
            }
            yield_now().await;
        }
    }

    /// Loads the replica as of the current snapshot, a part at a time, calling `progress` and
    /// yielding to the page between parts. Commit [`Store::journal`] over it next.
    pub async fn load_book(
        &self,
        device: String,
        progress: &dyn Fn(Progress),
    ) -> Result<Replica, StoreError> {
        let manifest = self.manifest.borrow().clone();
        if manifest.generation == 0 {
            return Ok(Replica::new(device));
        }
        let mut reader = SnapshotReader::new();
        for n in 0..manifest.parts {
            let part = self
                .get(SNAPSHOT, part_key(manifest.generation, &n.to_string()))
                .await?;
            feed(&mut reader, &value_bytes(&part)?)
                .await
                .map_err(damaged)?;
            progress(Progress {
                done: f64::from(n + 1) / f64::from(manifest.parts.max(1)),
            });
        }
        let book = reader.finish().map_err(damaged)?;
        let outbox = decode_ops(&value_bytes(
            &self
                .get(SNAPSHOT, part_key(manifest.generation, "outbox"))
                .await?,
        )?)
        .map_err(damaged)?;
        let sync = SyncState::from_bytes(&value_bytes(
            &self
                .get(SNAPSHOT, part_key(manifest.generation, "sync"))
                .await?,
        )?)
        .map_err(damaged)?;
        Ok(Replica::restore(device, book, outbox, sync))
    }

    /// The journal records after the current snapshot, in order.
    pub async fn journal(&self) -> Result<Vec<Journal>, StoreError> {
        let from_key = self.manifest.borrow().journal_from;
        let tx = self
            .db
            .transaction(&[JOURNAL], TransactionMode::ReadOnly)
            .map_err(|e| err("read", e))?;
        let journal = tx.store(JOURNAL).map_err(|e| err("read", e))?;
        let from = KeyRange::lower_bound(&journal_key(from_key), Some(false))
            .map_err(|e| err("read", e))?;
        let keys = journal
            .get_all_keys(Some(from.clone()), None)
            .await
            .map_err(|e| err("read", e))?;
        let values = journal
            .get_all(Some(from), None)
            .await
            .map_err(|e| err("read", e))?;
        drop(tx);
        let mut records = Vec::with_capacity(values.len());
        let mut bytes = 0u64;
        for v in &values {
            let record = value_bytes(v)?;
            bytes += record.len() as u64;
            records.push(Journal::decode(&record).map_err(damaged)?);
        }
        let last = keys.last().and_then(JsValue::as_f64).map(|k| k as u64 + 1);
        self.next_journal.set(last.unwrap_or(from_key));
        self.journal_records.set(values.len() as u64);
        self.journal_bytes.set(bytes);
        Ok(records)
    }

    /// Loads the replica: the snapshot, then the journal committed over it.
    pub async fn load(
        &self,
        device: String,
        progress: &dyn Fn(Progress),
    ) -> Result<Replica, StoreError> {
        let mut replica = self.load_book(device, progress).await?;
        for record in self.journal().await? {
            replica.commit(&record);
        }
        Ok(replica)
    }

    async fn get(&self, store: &str, key: JsValue) -> Result<JsValue, StoreError> {
        let tx = self
            .db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(|e| err("read", e))?;
        let s = tx.store(store).map_err(|e| err("read", e))?;
        s.get(key.clone())
            .await
            .map_err(|e| err("read", e))?
            .ok_or_else(|| damaged(format!("{store} {key:?} is missing")))
    }

    /// Stores journal records in one transaction, resolving once IndexedDB committed them.
    pub async fn append(&self, records: &[Journal]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let tx = self
            .db
            .transaction(&[JOURNAL], TransactionMode::ReadWrite)
            .map_err(|e| err("write", e))?;
        let journal = tx.store(JOURNAL).map_err(|e| err("write", e))?;
        let first = self.next_journal.get();
        let mut bytes = 0u64;
        for (i, record) in records.iter().enumerate() {
            let encoded = record.encode();
            bytes += encoded.len() as u64;
            journal
                .put(&bytes_value(&encoded), Some(&journal_key(first + i as u64)))
                .await
                .map_err(|e| err("write", e))?;
        }
        // Keys are taken before the commit, so a later append never reuses them.
        self.next_journal.set(first + records.len() as u64);
        commit(tx).await?;
        self.journal_records
            .set(self.journal_records.get() + records.len() as u64);
        self.journal_bytes.set(self.journal_bytes.get() + bytes);
        Ok(())
    }

    /// True when the journal has grown enough to fold it into a new snapshot.
    pub fn wants_compaction(&self) -> bool {
        self.journal_records.get() >= COMPACT_RECORDS || self.journal_bytes.get() >= COMPACT_BYTES
    }

    /// The journal key the next record gets: a snapshot of the replica as it is now covers
    /// every record before it.
    pub fn journal_end(&self) -> u64 {
        self.next_journal.get()
    }

    /// Makes a new snapshot current: its book `parts`, the image of the views kept beside the
    /// book (when there is one), and the `outbox` (as `encode_ops` writes it) and `sync` state as
    /// they were when the journal ended at `journal_end` (the book may hold later changes:
    /// committing them again changes nothing). One transaction: the new generation, the
    /// manifest, and the removal of the old generation and the journal it covers.
    pub async fn install(
        &self,
        parts: &[Vec<u8>],
        views: Option<&[u8]>,
        outbox: &[u8],
        sync: &SyncState,
        journal_end: u64,
    ) -> Result<(), StoreError> {
        let old = self.manifest.borrow().clone();
        let manifest = Manifest {
            generation: old.generation + 1,
            parts: parts.len() as u32,
            journal_from: journal_end,
        };
        let tx = self
            .db
            .transaction(&STORES, TransactionMode::ReadWrite)
            .map_err(|e| err("write", e))?;
        let snapshot = tx.store(SNAPSHOT).map_err(|e| err("write", e))?;
        for (n, part) in parts.iter().enumerate() {
            snapshot
                .put(
                    &bytes_value(part),
                    Some(&part_key(manifest.generation, &n.to_string())),
                )
                .await
                .map_err(|e| err("write", e))?;
        }
        if let Some(views) = views {
            snapshot
                .put(
                    &bytes_value(views),
                    Some(&part_key(manifest.generation, "views")),
                )
                .await
                .map_err(|e| err("write", e))?;
        }
        let sync = sync.to_bytes();
        for (name, bytes) in [("outbox", outbox), ("sync", sync.as_slice())] {
            snapshot
                .put(
                    &bytes_value(bytes),
                    Some(&part_key(manifest.generation, name)),
                )
                .await
                .map_err(|e| err("write", e))?;
        }
        let text = serde_json::to_string(&manifest).map_err(|e| err("write", e))?;
        tx.store(META)
            .map_err(|e| err("write", e))?
            .put(
                &JsValue::from_str(&text),
                Some(&JsValue::from_str(MANIFEST)),
            )
            .await
            .map_err(|e| err("write", e))?;
        if old.generation > 0 {
            let prefix = format!("g{}/", old.generation);
            let range = KeyRange::bound(
                &JsValue::from_str(&prefix),
                &JsValue::from_str(&format!("{prefix}\u{ffff}")),
                Some(false),
                Some(false),
            )
            .map_err(|e| err("write", e))?;
            snapshot
                .delete(range.into())
                .await
                .map_err(|e| err("write", e))?;
        }
        let covered = KeyRange::upper_bound(&journal_key(journal_end), Some(true))
            .map_err(|e| err("write", e))?;
        tx.store(JOURNAL)
            .map_err(|e| err("write", e))?
            .delete(covered.into())
            .await
            .map_err(|e| err("write", e))?;
        commit(tx).await?;
        *self.manifest.borrow_mut() = manifest;
        // Records stored while the snapshot was written stay in the journal.
        let left = self.next_journal.get().saturating_sub(journal_end);
        self.journal_records.set(left);
        self.journal_bytes.set(0);
        Ok(())
    }
}

/// Opens the device's book: the database `name` with the replica it holds — or, when it holds
/// nothing yet, the replica the first version stored in `legacy_name`, saved here as the first
/// snapshot before the old database is deleted (a crash in between leaves the old one).
pub async fn open_book(
    name: &str,
    legacy_name: &str,
    device: String,
    progress: &dyn Fn(Progress),
) -> Result<(Store, Replica), StoreError> {
    let store = Store::open(name).await?;
    if let Some(earlier) = migrate(&store, legacy_name, &device).await? {
        return Ok((store, earlier));
    }
    let replica = store.load(device, progress).await?;
    Ok((store, replica))
}

/// When `store` holds nothing yet and the first version's database `legacy_name` holds a
/// book: that replica, now saved in `store` as its first snapshot, the old database deleted.
pub async fn migrate(
    store: &Store,
    legacy_name: &str,
    device: &str,
) -> Result<Option<Replica>, StoreError> {
    if !store.is_empty() {
        return Ok(None);
    }
    let Some(earlier) = legacy::read(legacy_name, device.to_owned()).await? else {
        return Ok(None);
    };
    write_snapshot(store, &earlier, None).await?;
    Store::destroy(legacy_name).await?;
    Ok(Some(earlier))
}

/// Feeds one part of a snapshot to `reader` and reads it a step (a block) at a time, yielding
/// to the page between steps.
async fn feed(reader: &mut SnapshotReader, part: &[u8]) -> Result<(), DecodeError> {
    reader.feed(part)?;
    while reader.step()? {
        yield_now().await;
    }
    Ok(())
}

/// Reads a snapshot's `parts` (a new device's download) a step at a time; `None` when they
/// cannot be read (damaged, or of a newer format).
pub async fn read_snapshot(parts: &[Vec<u8>]) -> Option<Book> {
    let mut reader = SnapshotReader::new();
    for part in parts {
        feed(&mut reader, part).await.ok()?;
    }
    reader.finish().ok()
}

/// Writes `replica` as the store's new snapshot at once, with the image of the views kept
/// beside it if given (nothing else may change the replica meanwhile; the app's background
/// compaction writes from the live replica instead).
pub async fn write_snapshot(
    store: &Store,
    replica: &Replica,
    views: Option<&[u8]>,
) -> Result<(), StoreError> {
    let mut writer = snapshot_writer();
    while !writer.step(replica.book(), STEP_ROWS) {
        yield_now().await;
    }
    let parts = writer.finish();
    let end = store.journal_end();
    store
        .install(
            &parts,
            views,
            &encode_ops(replica.outbox()),
            replica.sync(),
            end,
        )
        .await
}

async fn commit(tx: rexie::Transaction) -> Result<(), StoreError> {
    match tx.done().await.map_err(|e| err("commit", e))? {
        rexie::TransactionResult::Committed => Ok(()),
        rexie::TransactionResult::Aborted => {
            Err(StoreError("the device database refused the write".into()))
        }
    }
}
