//! Shared helpers for the server tests: the edge and its coordinators in memory
//! ([`LocalCoordinator`]) over a [`MemoryKv`], with an injectable clock, deterministic
//! randomness, and a way to run many requests at once.

#![allow(dead_code)] // each test file uses a different part

use huike_core::domain::Role;
use huike_core::server::{
    Config, Cors, LocalCoordinator, MemoryKv, MemoryTable, Request, Response, handle, serve,
};
use huike_core::sync::{
    ApiError, DeviceCredentials, Invite, InviteRequest, JoinRequest, PullRequest, PullResponse,
    PushBatch,
};
use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Runs a future to completion (the stores' futures are ready at once or after yielding).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    for _ in 0..1_000_000 {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
    panic!("a future never finished")
}

/// Runs futures concurrently on one thread, polling each in turn (with a lagging store they
/// interleave at every storage access), and returns their outputs in order.
pub(crate) fn run_together<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + 'a>>>) -> Vec<T> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut futures: Vec<Option<Pin<Box<dyn Future<Output = T> + 'a>>>> =
        futures.into_iter().map(Some).collect();
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    for _ in 0..1_000_000 {
        let mut pending = false;
        for (slot, result) in futures.iter_mut().zip(out.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(&mut cx) {
                    Poll::Ready(value) => {
                        *result = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if !pending {
            return out.into_iter().map(Option::unwrap).collect();
        }
    }
    panic!("futures never finished")
}

/// The server: edge, coordinators and store, with its clock and random source.
pub(crate) struct Server {
    /// The KV store (batches and snapshot parts).
    pub kv: Rc<MemoryKv>,
    /// The coordinators (shops and directory).
    pub coord: LocalCoordinator<MemoryKv>,
    /// The time handed to the server, Unix ms.
    pub now_ms: u64,
    rng: Cell<u64>,
}

impl Server {
    /// A server with open sign-up over an immediately consistent store.
    pub(crate) fn new() -> Self {
        Server::with(MemoryKv::new(), Config::open())
    }

    /// A server over `kv` with `config`.
    pub(crate) fn with(kv: MemoryKv, config: Config) -> Self {
        let kv = Rc::new(kv);
        Server {
            coord: LocalCoordinator::new(kv.clone(), config),
            kv,
            now_ms: 1_700_000_000_000,
            rng: Cell::new(0x9e37_79b9_7f4a_7c15),
        }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &Config {
        self.coord.config()
    }

    /// The future of one request through [`handle`], to run with others.
    pub(crate) fn request<'a>(
        &'a self,
        req: Request,
    ) -> Pin<Box<dyn Future<Output = Response> + 'a>> {
        Box::pin(async move {
            let mut random = |buf: &mut [u8]| fill(&self.rng, buf);
            handle(&req, &self.coord, self.config(), self.now_ms, &mut random).await
        })
    }

    /// Sends one request through [`handle`].
    pub(crate) fn call(&self, req: &Request) -> Response {
        block_on(self.request(req.clone()))
    }

    /// Sends requests all at once; their answers in order.
    pub(crate) fn call_together(&self, reqs: Vec<Request>) -> Vec<Response> {
        run_together(reqs.into_iter().map(|r| self.request(r)).collect())
    }

    /// Sends one request through [`serve`] (CORS included).
    pub(crate) fn serve(&self, req: &Request, cors: &Cors) -> Response {
        let mut random = |buf: &mut [u8]| fill(&self.rng, buf);
        block_on(serve(
            req,
            cors,
            &self.coord,
            self.config(),
            self.now_ms,
            &mut random,
        ))
    }

    /// Runs the compaction alarms due now.
    pub(crate) fn run_alarms(&self) -> usize {
        block_on(self.coord.run_alarms(self.now_ms)).unwrap()
    }

    /// Shop `shop_id`'s coordinator table.
    pub(crate) fn shop_table(&self, shop_id: &str) -> Rc<MemoryTable> {
        self.coord
            .shop_table(shop_id)
            .expect("the shop's coordinator was called")
    }

    /// The `POST /v1/shops` request.
    pub(crate) fn create_shop_request(name: &str) -> Request {
        let body = serde_json::json!({"shop_name": name, "owner_name": "店主"});
        Request::json("POST", "/v1/shops", None, &body)
    }

    /// Creates a shop; returns the owner's credentials.
    pub(crate) fn create_shop(&self, name: &str) -> DeviceCredentials {
        let r = self.call(&Server::create_shop_request(name));
        assert_eq!(r.status, 201, "{}", r.text());
        r.parse().unwrap()
    }

    /// Invites a device as `inviter`.
    pub(crate) fn invite(&self, inviter: &str, role: Role) -> Invite {
        let r = self.call(&Request::json(
            "POST",
            "/v1/invites",
            Some(inviter),
            &InviteRequest { role },
        ));
        assert_eq!(r.status, 201, "{}", r.text());
        r.parse().unwrap()
    }

    /// The `POST /v1/join` request for `code`.
    pub(crate) fn join_request(code: &str, name: &str) -> Request {
        let body = JoinRequest {
            code: code.into(),
            display_name: name.into(),
        };
        Request::json("POST", "/v1/join", None, &body)
    }

    /// Redeems `code`.
    pub(crate) fn join_raw(&self, code: &str, name: &str) -> Response {
        self.call(&Server::join_request(code, name))
    }

    /// Invites and joins a device with `role`; returns its credentials.
    pub(crate) fn add_device(&self, owner: &str, role: Role, name: &str) -> DeviceCredentials {
        let invite = self.invite(owner, role);
        let r = self.join_raw(&invite.code, name);
        assert_eq!(r.status, 201, "{}", r.text());
        r.parse().unwrap()
    }

    /// The `PUT /v1/log/{seq}` request of a one-op batch with `payload`.
    pub(crate) fn push_request(token: &str, seq: u64, payload: &str) -> Request {
        let batch = PushBatch {
            seq,
            ops: 1,
            payload: payload.into(),
            privileged: Vec::new(),
        };
        Request::json("PUT", &format!("/v1/log/{seq}"), Some(token), &batch)
    }

    /// Pushes a batch at `seq` with `payload`.
    pub(crate) fn push(&self, token: &str, seq: u64, payload: &str) -> Response {
        self.call(&Server::push_request(token, seq, payload))
    }

    /// Pulls after `cursor`.
    pub(crate) fn pull_raw(&self, token: &str, cursor: &[(&str, u64)]) -> Response {
        let body = PullRequest {
            cursor: cursor.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
        };
        self.call(&Request::json("POST", "/v1/pull", Some(token), &body))
    }

    /// Pulls after `cursor`; asserts success.
    pub(crate) fn pull(&self, token: &str, cursor: &[(&str, u64)]) -> PullResponse {
        let r = self.pull_raw(token, cursor);
        assert_eq!(r.status, 200, "{}", r.text());
        r.parse().unwrap()
    }

    /// Pulls until nothing more is waiting, following the cursor; every batch's payload.
    pub(crate) fn pull_all(&self, token: &str) -> Vec<(String, u64, String)> {
        let mut cursor: Vec<(String, u64)> = Vec::new();
        let mut got = Vec::new();
        loop {
            let c: Vec<(&str, u64)> = cursor.iter().map(|(d, s)| (d.as_str(), *s)).collect();
            let answer = self.pull(token, &c);
            for b in &answer.batches {
                match cursor.iter_mut().find(|(d, _)| *d == b.device) {
                    Some(entry) => entry.1 = b.seq,
                    None => cursor.push((b.device.clone(), b.seq)),
                }
                got.push((b.device.clone(), b.seq, b.payload.clone()));
            }
            if !answer.more {
                return got;
            }
        }
    }
}

/// A request as if from address `ip`.
pub(crate) fn from_ip(mut req: Request, ip: &str) -> Request {
    req.client_ip = Some(ip.to_owned());
    req
}

/// Asserts an error answer: status, error code, and that the body is an [`ApiError`].
pub(crate) fn assert_error(r: &Response, status: u16, code: &str) -> ApiError {
    assert_eq!(r.status, status, "{}", r.text());
    let e: ApiError = r
        .parse()
        .unwrap_or_else(|err| panic!("not an ApiError ({err}): {}", r.text()));
    assert_eq!(e.error, code, "{}", e.message);
    assert!(!e.message.is_empty());
    e
}

/// splitmix64: distinct, deterministic bytes.
fn fill(state: &Cell<u64>, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        let mut z = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}
