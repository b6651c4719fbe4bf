//! How the edge reaches the coordinators: the [`Coordinator`] trait the worker implements
//! with Durable Object stubs, and [`LocalCoordinator`], the same coordinators in memory for
//! tests (the messages and their framing are [`super::calls`]).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::calls::{
    DirectoryCall, ShopCall, decode_message, decode_response, encode_message, encode_response,
};
use super::config::Config;
use super::http::{Failure, Response};
use super::kv::{Kv, YieldOnce};
use super::table::MemoryTable;
use super::{directory, shop};

/// The coordinators as the edge sees them. `Err` means the coordinator could not be reached
/// (the edge answers 503); every answer it gave, success or refusal, is a [`Response`].
#[allow(async_fn_in_trait)]
pub trait Coordinator {
    /// Runs `call` (with a device request's `body`) at the coordinator of shop `shop_id`.
    async fn shop(&self, shop_id: &str, call: &ShopCall, body: &[u8]) -> Result<Response, Failure>;
    /// Runs `call` at the deployment's directory.
    async fn directory(&self, call: &DirectoryCall) -> Result<Response, Failure>;
}

/// Every coordinator of a deployment in memory, over a shared [`Kv`]: what a Durable Object
/// namespace gives the worker, for tests. Calls and answers go through the wire framing, so
/// what the worker sends is what is tested; each call yields once first, as a network hop
/// would, so concurrently run requests interleave between calls. Randomness comes from a
/// seeded generator.
pub struct LocalCoordinator<K> {
    kv: Rc<K>,
    config: Config,
    shops: RefCell<BTreeMap<String, Rc<MemoryTable>>>,
    directory: MemoryTable,
    alarms: RefCell<BTreeMap<String, u64>>,
    rng: Cell<u64>,
    unreachable: Cell<bool>,
}

impl<K: Kv> LocalCoordinator<K> {
    /// Coordinators with `config` over `kv`.
    pub fn new(kv: Rc<K>, config: Config) -> Self {
        LocalCoordinator {
            kv,
            config,
            shops: RefCell::default(),
            directory: MemoryTable::new(),
            alarms: RefCell::default(),
            rng: Cell::new(0x2545_f491_4f6c_dd1d),
            unreachable: Cell::new(false),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Shop `shop_id`'s table, if it was ever called.
    pub fn shop_table(&self, shop_id: &str) -> Option<Rc<MemoryTable>> {
        self.shops.borrow().get(shop_id).cloned()
    }

    /// The directory's table.
    pub fn directory_table(&self) -> &MemoryTable {
        &self.directory
    }

    /// When shop `shop_id` asked to be woken for compaction, if it did.
    pub fn alarm(&self, shop_id: &str) -> Option<u64> {
        self.alarms.borrow().get(shop_id).copied()
    }

    /// While true every call fails as if the coordinators could not be reached.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.unreachable.set(unreachable);
    }

    /// Runs the compaction of every shop whose alarm is due at `now_ms`, as the platform
    /// does; returns how many ran.
    pub async fn run_alarms(&self, now_ms: u64) -> Result<usize, Failure> {
        let due: Vec<String> = self
            .alarms
            .borrow()
            .iter()
            .filter(|(_, at)| **at <= now_ms)
            .map(|(shop, _)| shop.clone())
            .collect();
        for shop_id in &due {
            self.alarms.borrow_mut().remove(shop_id);
            let table = self.table(shop_id);
            let next = shop::compact(&*table, &*self.kv, &self.config, now_ms).await?;
            self.wake(shop_id, next);
        }
        Ok(due.len())
    }

    fn table(&self, shop_id: &str) -> Rc<MemoryTable> {
        self.shops
            .borrow_mut()
            .entry(shop_id.to_owned())
            .or_default()
            .clone()
    }

    fn wake(&self, shop_id: &str, at: Option<u64>) {
        if let Some(at) = at {
            let mut alarms = self.alarms.borrow_mut();
            let slot = alarms.entry(shop_id.to_owned()).or_insert(at);
            *slot = (*slot).min(at);
        }
    }

    fn reachable(&self) -> Result<(), Failure> {
        if self.unreachable.get() {
            Err(Failure::new(
                503,
                "storage_unavailable",
                "the coordinator could not be reached; nothing was changed, try again",
            ))
        } else {
            Ok(())
        }
    }

    fn fill(&self, buf: &mut [u8]) {
        // splitmix64: distinct, deterministic bytes.
        for chunk in buf.chunks_mut(8) {
            let mut z = self.rng.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.rng.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

impl<K: Kv> Coordinator for LocalCoordinator<K> {
    async fn shop(&self, shop_id: &str, call: &ShopCall, body: &[u8]) -> Result<Response, Failure> {
        YieldOnce(false).await;
        self.reachable()?;
        let wire = encode_message(call, body);
        let (call, body): (ShopCall, &[u8]) = decode_message(&wire)?;
        let table = self.table(shop_id);
        let mut random = |buf: &mut [u8]| self.fill(buf);
        let served = shop::serve(
            shop_id,
            &call,
            body,
            &*table,
            &*self.kv,
            &self.config,
            &mut random,
        )
        .await;
        self.wake(shop_id, served.wake_at);
        decode_response(&encode_response(&served.response))
    }

    async fn directory(&self, call: &DirectoryCall) -> Result<Response, Failure> {
        YieldOnce(false).await;
        self.reachable()?;
        let wire = encode_message(call, &[]);
        let (call, _): (DirectoryCall, &[u8]) = decode_message(&wire)?;
        let response = directory::serve(&call, &self.directory, &self.config);
        decode_response(&encode_response(&response))
    }
}
