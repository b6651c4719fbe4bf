//! How the edge reaches the coordinators: the messages ([`ShopCall`], [`DirectoryCall`]),
//! their wire framing, the [`Coordinator`] trait the worker implements with Durable Object
//! stubs, and [`LocalCoordinator`], the same coordinators in memory for tests.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::config::Config;
use super::http::{Failure, Request, Response};
use super::kv::{Kv, YieldOnce};
use super::table::MemoryTable;
use super::{directory, shop};

/// A device about to be added, made at the edge (which holds the randomness and hands out the
/// token; the coordinator sees only its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDevice {
    /// Its id.
    pub device_id: String,
    /// Its user's display name (already checked).
    pub display_name: String,
    /// SHA-256 of its token.
    pub token_hash: String,
}

/// What a shop's coordinator is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopOp {
    /// Create the shop with its owner's device (answers 201 [`Joined`]).
    Create {
        /// The shop's id (the coordinator's name).
        shop_id: String,
        /// Its name (already checked).
        shop_name: String,
        /// The owner's device.
        owner: NewDevice,
    },
    /// Redeem invite `code_hash` for a new device (answers 201 [`Joined`]).
    Redeem {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The joining device.
        device: NewDevice,
    },
    /// A device's request, authenticated and answered by the coordinator. Its body travels
    /// beside the call.
    Device {
        /// The request.
        request: Request,
    },
}

/// A call to a shop's coordinator, stamped with the edge's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopCall {
    /// Unix ms at the edge.
    pub now_ms: u64,
    /// What to do.
    pub op: ShopOp,
}

/// The answer to [`ShopOp::Create`] and [`ShopOp::Redeem`]: the edge adds the ids and token it
/// made to form the device's credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    /// The shop's name.
    pub shop_name: String,
    /// The role the device got.
    pub role: crate::domain::Role,
}

/// What the directory is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryOp {
    /// Admit the creation of a shop from `ip` (204, or 429).
    Signup {
        /// The caller's address.
        ip: String,
    },
    /// Which shop invite `code_hash` belongs to (200 [`InviteShop`], 404, or 429).
    Lookup {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The caller's address.
        ip: String,
    },
    /// Record that invite `code_hash` belongs to `shop_id` (204).
    Point {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The inviting shop.
        shop_id: String,
        /// When the invite expires, Unix ms.
        expires_at: u64,
    },
}

/// A call to the directory, stamped with the edge's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCall {
    /// Unix ms at the edge.
    pub now_ms: u64,
    /// What to do.
    pub op: DirectoryOp,
}

/// The answer to [`DirectoryOp::Lookup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteShop {
    /// The shop the code joins.
    pub shop_id: String,
}

/// The coordinators as the edge sees them. `Err` means the coordinator could not be reached
/// (the edge answers 503); every answer it gave, success or refusal, is a [`Response`].
#[allow(async_fn_in_trait)]
pub trait Coordinator {
    /// Runs `call` (with a device request's `body`) at the coordinator of shop `shop_id`.
    async fn shop(&self, shop_id: &str, call: &ShopCall, body: &[u8]) -> Result<Response, Failure>;
    /// Runs `call` at the deployment's directory.
    async fn directory(&self, call: &DirectoryCall) -> Result<Response, Failure>;
}

/// Frames a message for the wire: its JSON head, a newline, then raw bytes (a request's or
/// answer's body). JSON text never holds a raw newline, so the first one ends the head.
pub fn encode_message(head: &impl Serialize, body: &[u8]) -> Vec<u8> {
    let mut out = serde_json::to_vec(head).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// Reads a message framed by [`encode_message`]: the head and the bytes after it.
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, &[u8]), Failure> {
    let broken =
        |why: String| Failure::new(500, "internal", format!("bad internal message: {why}"));
    let split = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| broken("no head".into()))?;
    let head = serde_json::from_slice(&bytes[..split]).map_err(|e| broken(e.to_string()))?;
    Ok((head, &bytes[split + 1..]))
}

/// A response on the wire: [`encode_message`] of its head and body.
pub fn encode_response(response: &Response) -> Vec<u8> {
    encode_message(response, &response.body)
}

/// Reads a response framed by [`encode_response`].
pub fn decode_response(bytes: &[u8]) -> Result<Response, Failure> {
    let (mut response, body): (Response, &[u8]) = decode_message(bytes)?;
    response.body = body.to_vec();
    Ok(response)
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
