//! The strongly consistent, synchronous store a coordinator keeps its state in ([`Table`]):
//! a Durable Object's SQLite database in production, [`MemoryTable`] in tests.
//!
//! Every method is synchronous. A coordinator step that reads and writes rows without
//! awaiting anything in between is therefore atomic: a Durable Object delivers no other event
//! while synchronous code runs, and commits the writes of such a stretch together.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::http::Failure;
use super::kv::KvError;

/// Rows of text keyed by text, read and written synchronously, scanned in key order.
pub trait Table {
    /// The value at `key`, or `None`.
    fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    /// Stores `value` at `key`.
    fn put(&self, key: &str, value: &str) -> Result<(), KvError>;
    /// Removes `key` (no error when absent).
    fn delete(&self, key: &str) -> Result<(), KvError>;
    /// Up to `limit` rows whose keys start with `prefix`, in key order.
    fn scan(&self, prefix: &str, limit: usize) -> Result<Vec<(String, String)>, KvError>;
}

/// Reads and decodes a row. A row that does not decode is the server's fault (it wrote it),
/// hence 500.
pub fn load<T: DeserializeOwned>(table: &impl Table, key: &str) -> Result<Option<T>, Failure> {
    match table.get(key)? {
        None => Ok(None),
        Some(text) => decode(key, &text).map(Some),
    }
}

/// Encodes and stores a row.
pub fn save<T: Serialize>(table: &impl Table, key: &str, value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::new(500, "internal", format!("could not encode {key}: {e}")))?;
    table.put(key, &text)?;
    Ok(())
}

/// Decodes every row of a [`Table::scan`].
pub fn scan<T: DeserializeOwned>(
    table: &impl Table,
    prefix: &str,
    limit: usize,
) -> Result<Vec<(String, T)>, Failure> {
    table
        .scan(prefix, limit)?
        .into_iter()
        .map(|(key, text)| decode(&key, &text).map(|value| (key, value)))
        .collect()
}

fn decode<T: DeserializeOwned>(key: &str, text: &str) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|e| {
        Failure::new(
            500,
            "internal",
            format!("stored record {key} is unreadable: {e}"),
        )
    })
}

/// An in-memory [`Table`] that counts the rows written and can be told to fail.
#[derive(Debug, Default)]
pub struct MemoryTable {
    rows: RefCell<BTreeMap<String, String>>,
    writes: Cell<u64>,
    failing: Cell<bool>,
}

impl MemoryTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows written or deleted so far.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Every row, in key order.
    pub fn rows(&self) -> Vec<(String, String)> {
        self.rows
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// While `failing` is true every operation fails and changes nothing.
    pub fn set_failing(&self, failing: bool) {
        self.failing.set(failing);
    }

    fn check(&self) -> Result<(), KvError> {
        if self.failing.get() {
            Err(KvError("memory table told to fail".into()))
        } else {
            Ok(())
        }
    }
}

impl Table for MemoryTable {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.check()?;
        Ok(self.rows.borrow().get(key).cloned())
    }

    fn put(&self, key: &str, value: &str) -> Result<(), KvError> {
        self.check()?;
        self.writes.set(self.writes.get() + 1);
        self.rows
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), KvError> {
        self.check()?;
        self.writes.set(self.writes.get() + 1);
        self.rows.borrow_mut().remove(key);
        Ok(())
    }

    fn scan(&self, prefix: &str, limit: usize) -> Result<Vec<(String, String)>, KvError> {
        self.check()?;
        Ok(self
            .rows
            .borrow()
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
