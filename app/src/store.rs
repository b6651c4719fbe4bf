//! The device's durable copy of the book, in IndexedDB (through `rexie`).
//!
//! Object stores (values are JSON text):
//! - `records`: `{kind, id, state}` per record (its merged field registers);
//! - `entries`: `{id, entry}` per immutable entry;
//! - `outbox`: ops not yet acknowledged by the server, keyed by stamp (oldest first);
//! - `meta`: the sync state.
//!
//! A [`Delta`] from the replica is written in ONE transaction over all four stores, and the
//! promise resolves only once IndexedDB reports it committed: the UI says "saved" after that.

use huike_core::id::Id;
use huike_core::op::{Book, Op, RecordKind, RecordState, StampedEntry};
use huike_core::replica::{Delta, Replica, outbox_key};
use huike_core::sync::SyncState;
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const STORES: [&str; 4] = ["records", "entries", "outbox", "meta"];

/// The device's database.
pub struct Store {
    db: Rexie,
}

/// A storage failure, with the browser's own words (quota, private mode, …).
#[derive(Clone, Debug, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(context: &str, e: impl std::fmt::Debug) -> StoreError {
    let text = format!("{e:?}");
    let hint = if text.contains("Quota") {
        " (the device's storage is full)"
    } else {
        ""
    };
    StoreError(format!("{context}: {text}{hint}"))
}

#[derive(Serialize, Deserialize)]
struct RecordRow {
    kind: RecordKind,
    id: Id,
    state: RecordState,
}

#[derive(Serialize, Deserialize)]
struct EntryRow {
    id: Id,
    entry: StampedEntry,
}

impl Store {
    /// Opens (creating on first use) the database `name`.
    pub async fn open(name: &str) -> Result<Store, StoreError> {
        let mut builder = Rexie::builder(name).version(1);
        for s in STORES {
            builder = builder.add_object_store(ObjectStore::new(s));
        }
        let db = builder
            .build()
            .await
            .map_err(|e| err("cannot open the device database", e))?;
        Ok(Store { db })
    }

    /// Deletes the database `name` (leaving a shop on this device).
    pub async fn destroy(name: &str) -> Result<(), StoreError> {
        Rexie::delete(name)
            .await
            .map_err(|e| err("cannot delete the device database", e))
    }

    /// Loads the whole replica.
    pub async fn load(&self, device: String) -> Result<Replica, StoreError> {
        let tx = self
            .db
            .transaction(&STORES, TransactionMode::ReadOnly)
            .map_err(|e| err("read", e))?;
        let mut book = Book::new();
        for v in all(&tx, "records").await? {
            let row: RecordRow = parse(&v)?;
            book.load_record(row.kind, row.id, row.state);
        }
        for v in all(&tx, "entries").await? {
            let row: EntryRow = parse(&v)?;
            book.load_entry(row.id, row.entry);
        }
        let outbox: Vec<Op> = all(&tx, "outbox")
            .await?
            .iter()
            .map(parse)
            .collect::<Result<_, _>>()?;
        let meta = tx.store("meta").map_err(|e| err("read", e))?;
        let sync = match meta
            .get(JsValue::from_str("sync"))
            .await
            .map_err(|e| err("read", e))?
        {
            Some(v) => parse(&v)?,
            None => SyncState::new(),
        };
        Ok(Replica::restore(device, book, outbox, sync))
    }

    /// Writes `rows` in one transaction and waits until IndexedDB reports it committed.
    pub async fn write(&self, rows: &Rows) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let tx = self
            .db
            .transaction(&STORES, TransactionMode::ReadWrite)
            .map_err(|e| err("write", e))?;
        for (store, items) in [
            ("records", &rows.records),
            ("entries", &rows.entries),
            ("outbox", &rows.outbox_put),
            ("meta", &rows.meta),
        ] {
            let s = tx.store(store).map_err(|e| err("write", e))?;
            for (key, text) in items {
                let (k, v) = (JsValue::from_str(key), JsValue::from_str(text));
                s.put(&v, Some(&k)).await.map_err(|e| err("write", e))?;
            }
        }
        let outbox = tx.store("outbox").map_err(|e| err("write", e))?;
        for key in &rows.outbox_delete {
            outbox
                .delete(JsValue::from_str(key))
                .await
                .map_err(|e| err("write", e))?;
        }
        match tx.done().await.map_err(|e| err("commit", e))? {
            rexie::TransactionResult::Committed => Ok(()),
            rexie::TransactionResult::Aborted => {
                Err(StoreError("the device database aborted the write".into()))
            }
        }
    }
}

/// Key/value rows to write, taken from a replica for a delta (synchronously, so no borrow of
/// the replica is held while the write is awaited).
#[derive(Debug, Default)]
pub struct Rows {
    records: Vec<(String, String)>,
    entries: Vec<(String, String)>,
    outbox_put: Vec<(String, String)>,
    outbox_delete: Vec<String>,
    meta: Vec<(String, String)>,
}

impl Rows {
    /// The rows `delta` says changed in `replica`.
    pub fn of(replica: &Replica, delta: &Delta) -> Result<Rows, StoreError> {
        let mut rows = Rows::default();
        for (kind, id) in &delta.records {
            if let Some(state) = replica.book.record_state(*kind, id) {
                let row = RecordRow {
                    kind: *kind,
                    id: id.clone(),
                    state: state.clone(),
                };
                rows.records.push((record_key(*kind, id), json(&row)?));
            }
        }
        for id in &delta.entries {
            if let Some(entry) = replica.book.entry(id) {
                let row = EntryRow {
                    id: id.clone(),
                    entry: entry.clone(),
                };
                rows.entries.push((id.to_string(), json(&row)?));
            }
        }
        for op in &delta.outbox_added {
            rows.outbox_put.push((outbox_key(op), json(op)?));
        }
        rows.outbox_delete = delta.outbox_removed.iter().map(outbox_key).collect();
        if delta.sync_changed {
            rows.meta.push(("sync".into(), json(&replica.sync)?));
        }
        Ok(rows)
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.entries.is_empty()
            && self.outbox_put.is_empty()
            && self.outbox_delete.is_empty()
            && self.meta.is_empty()
    }
}

fn record_key(kind: RecordKind, id: &Id) -> String {
    format!(
        "{}/{id}",
        serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    )
}

async fn all(tx: &rexie::Transaction, store: &str) -> Result<Vec<JsValue>, StoreError> {
    let s = tx.store(store).map_err(|e| err("read", e))?;
    s.get_all(None, None).await.map_err(|e| err("read", e))
}

fn parse<T: serde::de::DeserializeOwned>(v: &JsValue) -> Result<T, StoreError> {
    let text = v
        .as_string()
        .ok_or_else(|| StoreError("a stored value is not text".into()))?;
    serde_json::from_str(&text).map_err(|e| StoreError(format!("a stored value is damaged: {e}")))
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError(format!("cannot encode: {e}")))
}
