//! The key-value storage batches and snapshot parts live in ([`Kv`], Workers KV in
//! production), and an in-memory one ([`MemoryKv`]) for tests and fault simulations that can
//! also behave like KV's eventual consistency.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// A storage failure (the store was unreachable or refused the operation). The server answers
/// it with 503: the request did nothing it reports as done, and can be retried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("storage failed: {0}")]
pub struct KvError(pub String);

/// A byte-valued key-value store with Workers KV's operations: get, put (optionally expiring),
/// delete. No list, no compare-and-set: the server is written not to need them.
///
/// The futures need not be `Send`: a worker runs one request on one thread.
#[allow(async_fn_in_trait)]
pub trait Kv {
    /// The value at `key`, or `None`.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError>;
    /// Stores `value` at `key`. With `expires_at_s` (Unix seconds) the store may drop it
    /// after that time.
    async fn put(&self, key: &str, value: &[u8], expires_at_s: Option<u64>) -> Result<(), KvError>;
    /// Removes `key` (no error when it is absent).
    async fn delete(&self, key: &str) -> Result<(), KvError>;
}

/// One stored value of a [`MemoryKv`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryEntry {
    /// The value.
    pub value: Vec<u8>,
    /// The expiry asked for at the put, Unix seconds.
    pub expires_at_s: Option<u64>,
}

impl MemoryEntry {
    /// The value as text (lossy), for assertions.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.value).into_owned()
    }
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

/// A write not yet visible to readers: it lands when the operation clock reaches `visible_at`.
#[derive(Debug)]
struct Pending {
    visible_at: u64,
    key: String,
    entry: Option<MemoryEntry>,
}

/// An in-memory [`Kv`]: counts its operations and can be told to fail. Expiry is recorded but
/// not enforced (the server checks expiry times itself).
///
/// By default it is immediately consistent and every operation completes at once.
/// [`MemoryKv::lagging`] makes it behave like Workers KV seen from another location: a write
/// (or delete) becomes visible to readers only after a number of later operations, and until
/// then readers get the old value — so code that is correct over it does not rely on reading
/// its own or anyone's recent writes. Its operations also yield once before completing, so
/// requests run concurrently by one executor interleave at every storage access.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: RefCell<BTreeMap<String, MemoryEntry>>,
    pending: RefCell<Vec<Pending>>,
    lag: u64,
    clock: Cell<u64>,
    counts: Cell<OpCounts>,
    failing: Cell<bool>,
}

impl MemoryKv {
    /// An empty, immediately consistent store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose writes become visible only `lag` operations later.
    pub fn lagging(lag: u64) -> Self {
        MemoryKv {
            lag,
            ..Self::default()
        }
    }

    /// The entry at `key` once every write has landed, without counting a read.
    pub fn entry(&self, key: &str) -> Option<MemoryEntry> {
        self.settle();
        self.entries.borrow().get(key).cloned()
    }

    /// Every key once every write has landed, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.settle();
        self.entries.borrow().keys().cloned().collect()
    }

    /// Makes every pending write visible (the consistency window has passed).
    pub fn settle(&self) {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        for p in pending {
            self.land(p);
        }
    }

    /// Operations served so far.
    pub fn counts(&self) -> OpCounts {
        self.counts.get()
    }

    /// While `failing` is true every operation fails with a [`KvError`] and changes nothing.
    pub fn set_failing(&self, failing: bool) {
        self.failing.set(failing);
    }

    async fn count(&self, bump: impl FnOnce(&mut OpCounts)) -> Result<(), KvError> {
        if self.lag > 0 {
            YieldOnce(false).await;
        }
        if self.failing.get() {
            return Err(KvError("memory store told to fail".into()));
        }
        let mut c = self.counts.get();
        bump(&mut c);
        self.counts.set(c);
        let now = self.clock.get() + 1;
        self.clock.set(now);
        let due: Vec<Pending> = {
            let mut pending = self.pending.borrow_mut();
            let (due, later) = std::mem::take(&mut *pending)
                .into_iter()
                .partition(|p| p.visible_at <= now);
            *pending = later;
            due
        };
        for p in due {
            self.land(p);
        }
        Ok(())
    }

    fn land(&self, p: Pending) {
        let mut entries = self.entries.borrow_mut();
        match p.entry {
            Some(entry) => entries.insert(p.key, entry),
            None => entries.remove(&p.key),
        };
    }

    fn write(&self, key: &str, entry: Option<MemoryEntry>) {
        let p = Pending {
            visible_at: self.clock.get() + self.lag,
            key: key.to_owned(),
            entry,
        };
        if self.lag == 0 {
            self.land(p);
        } else {
            self.pending.borrow_mut().push(p);
        }
    }
}

impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.count(|c| c.reads += 1).await?;
        Ok(self.entries.borrow().get(key).map(|e| e.value.clone()))
    }

    async fn put(&self, key: &str, value: &[u8], expires_at_s: Option<u64>) -> Result<(), KvError> {
        self.count(|c| c.writes += 1).await?;
        let entry = MemoryEntry {
            value: value.to_vec(),
            expires_at_s,
        };
        self.write(key, Some(entry));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.count(|c| c.deletes += 1).await?;
        self.write(key, None);
        Ok(())
    }
}

/// A future that is pending once (waking its task at once), then ready: a point where
/// concurrently run requests interleave.
pub(crate) struct YieldOnce(pub(crate) bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
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
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.bump();
        self.inner.get(key).await
    }

    async fn put(&self, key: &str, value: &[u8], expires_at_s: Option<u64>) -> Result<(), KvError> {
        self.bump();
        self.inner.put(key, value, expires_at_s).await
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.bump();
        self.inner.delete(key).await
    }
}

impl<K: Kv> Kv for std::rc::Rc<K> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        (**self).get(key).await
    }

    async fn put(&self, key: &str, value: &[u8], expires_at_s: Option<u64>) -> Result<(), KvError> {
        (**self).put(key, value, expires_at_s).await
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        (**self).delete(key).await
    }
}
