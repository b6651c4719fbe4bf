//! The first version's device database (`huike-{shop}`): one JSON row per record
//! (`records`: `{kind, id, state}`), per entry (`entries`: `{id, entry: {at, entry}}`) and per
//! outbox op (`outbox`), and the sync state (`meta`/`sync`). [`read`] turns it into a replica
//! so the current store can save it as its first snapshot; the old database is deleted only
//! after that snapshot is stored.

use super::{StoreError, err, open_database};
use huike_core::book::{Book, RecordState, StampedEntry};
use huike_core::client::state::SyncState;
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use huike_core::replica::Replica;
use rexie::{Rexie, TransactionMode};
use serde::Deserialize;
use wasm_bindgen::JsValue;

/// The stores of the first version.
pub const STORES: [&str; 4] = ["records", "entries", "outbox", "meta"];

/// The first version's database name for a shop.
pub fn database(shop_id: &str) -> String {
    format!("huike-{shop_id}")
}

#[derive(Deserialize)]
struct RecordRow {
    kind: RecordKind,
    id: Id,
    state: RecordState,
}

#[derive(Deserialize)]
struct EntryRow {
    id: Id,
    entry: StampedEntry,
}

/// The replica stored in the first version's database `name`, or `None` when there is no
/// such database (or it holds nothing).
pub async fn read(name: &str, device: String) -> Result<Option<Replica>, StoreError> {
    let db = open_database(name, &STORES, "cannot open the earlier device database").await?;
    let tx = db
        .transaction(&STORES, TransactionMode::ReadOnly)
        .map_err(|e| err("read", e))?;
    let rows = |store: &'static str| {
        let tx = &tx;
        async move {
            tx.store(store)
                .map_err(|e| err("read", e))?
                .get_all(None, None)
                .await
                .map_err(|e| err("read", e))
        }
    };
    let (records, entries, outbox) = (
        rows("records").await?,
        rows("entries").await?,
        rows("outbox").await?,
    );
    let sync = tx
        .store("meta")
        .map_err(|e| err("read", e))?
        .get(JsValue::from_str("sync"))
        .await
        .map_err(|e| err("read", e))?;
    drop(tx);
    db.close();
    if records.is_empty() && entries.is_empty() && outbox.is_empty() && sync.is_none() {
        // Nothing was there (opening it created it empty): leave nothing behind.
        Rexie::delete(name)
            .await
            .map_err(|e| err("cannot delete the earlier device database", e))?;
        return Ok(None);
    }
    let mut book = Book::new();
    for v in &records {
        let row: RecordRow = parse(v)?;
        book.load_record(row.kind, row.id, row.state);
    }
    for v in &entries {
        let row: EntryRow = parse(v)?;
        book.load_entry(row.id.as_str(), row.entry.at, row.entry.entry.as_bytes());
    }
    let mut ops: Vec<Op> = outbox.iter().map(parse).collect::<Result<_, _>>()?;
    huike_core::sorting::sort_by_key(&mut ops, Op::at);
    let sync = match sync {
        Some(v) => parse(&v)?,
        None => SyncState::new(),
    };
    Ok(Some(Replica::restore(device, book, ops, sync)))
}

fn parse<T: serde::de::DeserializeOwned>(v: &JsValue) -> Result<T, StoreError> {
    let text = v
        .as_string()
        .ok_or_else(|| StoreError("an earlier stored value is not text".into()))?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError(format!("an earlier stored value is damaged: {e}")))
}
