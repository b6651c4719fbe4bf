//! The key-value storage the server runs on ([`Kv`]), and an in-memory one ([`MemoryKv`]) for
//! tests and fault simulations.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// A storage failure (the store was unreachable or refused the operation). The server answers
/// it with 503: the request did nothing it reports as done, and can be retried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct KvError(pub String);

/// A string key-value store with Workers KV's operations: get, put (optionally expiring),
/// delete. No list, no compare-and-set: the server is written not to need them.
///
/// The futures need not be `Send`: a worker runs one request on one thread.
#[allow(async_fn_in_trait)]
pub trait Kv {
    /// The value at `key`, or `None`.
    async fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    /// Stores `value` at `key`. With `expires_at_s` (Unix seconds) the store may drop it
    /// after that time.
    async fn put(&self, key: &str, value: &str, expires_at_s: Option<u64>) -> Result<(), KvError>;
    /// Removes `key` (no error when it is absent).
    async fn delete(&self, key: &str) -> Result<(), KvError>;
}

/// One stored value of a [`MemoryKv`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryEntry {
    /// The value.
    pub value: String,
    /// The expiry asked for at the put, Unix seconds.
    pub expires_at_s: Option<u64>,
}

/// How many operations a [`MemoryKv`] has served.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// Gets.
    pub reads: u64,
    /// Puts.
    pub writes: u64,
    /// Deletes.
    pub deletes: u64,
}

impl OpCounts {
    /// All operations together.
    pub fn total(&self) -> u64 {
        self.reads + self.writes + self.deletes
    }
}

/// An in-memory [`Kv`]: immediately consistent, counts its operations, and can be told to
/// fail. Expiry is recorded but not enforced (the server checks expiry times itself).
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, MemoryEntry>>,
    counts: Cell<OpCounts>,
    failing: Cell<bool>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entry at `key`, without counting a read.
    pub fn entry(&self, key: &str) -> Option<MemoryEntry> {
        self.entries.borrow().get(key).cloned()
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.entries.borrow().keys().cloned().collect()
    }

    /// Operations served so far.
    pub fn counts(&self) -> OpCounts {
        self.counts.get()
    }

    /// While `failing` is true every operation fails with a [`KvError`] and changes nothing.
    pub fn set_failing(&self, failing: bool) {
        self.failing.set(failing);
    }

    fn count(&self, bump: impl FnOnce(&mut OpCounts)) -> Result<(), KvError> {
        if self.failing.get() {
            return Err(KvError("memory store told to fail".into()));
        }
        let mut c = self.counts.get();
        bump(&mut c);
        self.counts.set(c);
        Ok(())
    }
}

impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.count(|c| c.reads += 1)?;
        Ok(self.entries.borrow().get(key).map(|e| e.value.clone()))
    }

    async fn put(&self, key: &str, value: &str, expires_at_s: Option<u64>) -> Result<(), KvError> {
        self.count(|c| c.writes += 1)?;
        let entry = MemoryEntry {
            value: value.to_owned(),
            expires_at_s,
        };
        self.entries.borrow_mut().insert(key.to_owned(), entry);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.count(|c| c.deletes += 1)?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }
}

/// A [`Kv`] that counts the operations made through it, so one request can keep within the
/// platform's limit of operations per request.
#[derive(Debug)]
pub struct Metered<'a, K> {
    inner: &'a K,
    ops: Cell<u32>,
}

impl<'a, K: Kv> Metered<'a, K> {
    /// Wraps `inner`, starting from zero.
    pub fn new(inner: &'a K) -> Self {
        Metered {
            inner,
            ops: Cell::new(0),
        }
    }

    /// Operations made so far.
    pub fn ops(&self) -> u32 {
        self.ops.get()
    }

    fn bump(&self) {
        self.ops.set(self.ops.get() + 1);
    }
}

impl<K: Kv> Kv for Metered<'_, K> {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.bump();
        self.inner.get(key).await
    }

    async fn put(&self, key: &str, value: &str, expires_at_s: Option<u64>) -> Result<(), KvError> {
        self.bump();
        self.inner.put(key, value, expires_at_s).await
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.bump();
        self.inner.delete(key).await
    }
}
