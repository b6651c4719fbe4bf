//! Shared helpers for the server tests: a shop server over a [`MemoryKv`] with an injectable
//! clock and deterministic randomness.

#![allow(dead_code)] // each test file uses a different part

use huike_core::domain::Role;
use huike_core::server::{Cors, MemoryKv, Request, Response, handle, serve};
use huike_core::sync::{
    ApiError, DeviceCredentials, Invite, InviteRequest, JoinRequest, PullRequest, PullResponse,
    PushBatch,
};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits (everything over [`MemoryKv`] is ready at once).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a MemoryKv future was pending"),
    }
}

/// A server with its store, clock and random source.
pub struct Server {
    /// The store.
    pub kv: MemoryKv,
    /// The time handed to the server, Unix ms.
    pub now_ms: u64,
    rng: u64,
}

impl Server {
    /// A server at a fixed time.
    pub fn new() -> Self {
        Server {
            kv: MemoryKv::new(),
            now_ms: 1_700_000_000_000,
            rng: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// Sends one request through [`handle`].
    pub fn call(&mut self, req: &Request) -> Response {
        let (kv, now) = (&self.kv, self.now_ms);
        let rng = &mut self.rng;
        let mut random = |buf: &mut [u8]| fill(rng, buf);
        block_on(handle(req, kv, now, &mut random))
    }

    /// Sends one request through [`serve`] (CORS included).
    pub fn serve(&mut self, req: &Request, cors: &Cors) -> Response {
        let (kv, now) = (&self.kv, self.now_ms);
        let rng = &mut self.rng;
        let mut random = |buf: &mut [u8]| fill(rng, buf);
        block_on(serve(req, cors, kv, now, &mut random))
    }

    /// Creates a shop; returns the owner's credentials.
    pub fn create_shop(&mut self, name: &str) -> DeviceCredentials {
        let body = serde_json::json!({"shop_name": name, "owner_name": "店主"});
        let r = self.call(&Request::json("POST", "/v1/shops", None, &body));
        assert_eq!(r.status, 201, "{}", r.body);
        r.parse().unwrap()
    }

    /// Invites a device as `inviter`.
    pub fn invite(&mut self, inviter: &str, role: Role) -> Invite {
        let r = self.call(&Request::json(
            "POST",
            "/v1/invites",
            Some(inviter),
            &InviteRequest { role },
        ));
        assert_eq!(r.status, 201, "{}", r.body);
        r.parse().unwrap()
    }

    /// Redeems `code`.
    pub fn join_raw(&mut self, code: &str, name: &str) -> Response {
        let body = JoinRequest {
            code: code.into(),
            display_name: name.into(),
        };
        self.call(&Request::json("POST", "/v1/join", None, &body))
    }

    /// Invites and joins a device with `role`; returns its credentials.
    pub fn add_device(&mut self, owner: &str, role: Role, name: &str) -> DeviceCredentials {
        let invite = self.invite(owner, role);
        let r = self.join_raw(&invite.code, name);
        assert_eq!(r.status, 201, "{}", r.body);
        r.parse().unwrap()
    }

    /// Pushes a batch at `seq` with `payload`.
    pub fn push(&mut self, token: &str, seq: u64, payload: &str) -> Response {
        let batch = PushBatch {
            seq,
            ops: 1,
            payload: payload.into(),
        };
        self.call(&Request::json(
            "PUT",
            &format!("/v1/log/{seq}"),
            Some(token),
            &batch,
        ))
    }

    /// Pulls after `cursor`; asserts success.
    pub fn pull(&mut self, token: &str, cursor: &[(&str, u64)]) -> PullResponse {
        let body = PullRequest {
            cursor: cursor.iter().map(|(d, s)| (d.to_string(), *s)).collect(),
        };
        let r = self.call(&Request::json("POST", "/v1/pull", Some(token), &body));
        assert_eq!(r.status, 200, "{}", r.body);
        r.parse().unwrap()
    }
}

/// Asserts an error answer: status, error code, and that the body is an [`ApiError`].
pub fn assert_error(r: &Response, status: u16, code: &str) -> ApiError {
    assert_eq!(r.status, status, "{}", r.body);
    let e: ApiError = r
        .parse()
        .unwrap_or_else(|err| panic!("not an ApiError ({err}): {}", r.body));
    assert_eq!(e.error, code, "{}", e.message);
    assert!(!e.message.is_empty());
    e
}

/// splitmix64: distinct, deterministic bytes.
fn fill(state: &mut u64, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(8) {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
}
