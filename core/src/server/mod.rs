//! The sync server's request handling (SPEC §5), free of any HTTP framework or platform: the
//! worker translates requests and supplies storage ([`Kv`]), the time and randomness.
//! `docs/openapi.yaml` describes the same API for clients.
//!
//! # Routes
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /v1/health` | anyone | liveness |
//! | `POST /v1/shops` | anyone | new shop and its owner's device credentials |
//! | `POST /v1/invites` | owner | a one-time invite code, valid 24 h |
//! | `POST /v1/join` | anyone with a code | a new device's credentials |
//! | `PUT /v1/log/{seq}` | device | store the caller's batch `seq` |
//! | `POST /v1/pull` | device | the other devices' batches after a cursor |
//! | `GET /v1/devices` | device | the shop's devices |
//! | `POST /v1/devices/{id}/revoke` | owner | refuse a device's token from now on |
//!
//! Errors are [`crate::sync::ApiError`] bodies: 400 (malformed JSON, wrong types, bad
//! values), 401, 403, 404, 405, 409, 410, 413, 415; 503 only when storage fails. A refused
//! request writes nothing.
//!
//! # Storage layout
//!
//! | key | value | written |
//! |---|---|---|
//! | `token/{sha256(token)}` | [`store::TokenRecord`]: shop and device | once, at create/join |
//! | `shop/{shop}/device/{device}` | [`crate::sync::DeviceInfo`] (role, revoked) | at create/join, at revoke |
//! | `shop/{shop}/index` | [`store::ShopIndex`]: name and device ids | at create/join (and self-repair) |
//! | `invite/{sha256(code)}` | [`store::InviteRecord`], expiring | at invite; deleted at join |
//! | `shop/{shop}/log/{device}/{seq}` | [`crate::sync::StoredBatch`] | once, by that device's push |
//!
//! Secrets (tokens, invite codes) are stored only as hashes. Every shop key starts with the
//! shop id taken from the caller's token, so one shop's token never reaches another's keys.
//!
//! # Living with Workers KV
//!
//! KV is eventually consistent (a write may take 60 s or more to show at other locations,
//! and misses are cached), has no compare-and-set and allows about one write per second per
//! key. The design leans on that as follows:
//!
//! - Each batch key is written once, by one device; pulls read keys, never `list()`.
//! - A pull that misses a batch written elsewhere gets it on a later pull (the cursor only
//!   moves over what was returned). A push whose predecessor is not visible here yet gets
//!   409 `gap` and succeeds when retried later.
//! - Without compare-and-set two *simultaneous* redemptions of one invite code at two
//!   locations could both succeed within the consistency window, and two devices pushing a
//!   *different* batch under the same `seq` at two locations could both be stored, the later
//!   winning. Neither happens from one client that behaves (one code, one stream per device).
//! - Two simultaneous joins can lose one index update; a device missing from the index adds
//!   itself back on its next pull or devices list, so no stream is forgotten for long.
//! - The revoked flag lives in the device record read by every authenticated request: a
//!   revoke is refused at once where it was made, and everywhere within KV's window.

mod cors;
mod http;
mod kv;
mod log;
mod session;
mod shops;
pub mod store;

pub use cors::Cors;
pub use http::{Request, Response};
pub use kv::{Kv, KvError, MemoryEntry, MemoryKv, Metered, OpCounts};

use http::Failure;
use serde::Serialize;

/// Most devices (including revoked ones) in one shop; every pull reads one key per device.
pub const MAX_DEVICES: usize = 100;
/// Longest shop or person name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most storage operations one pull makes (the platform allows 1,000 per request).
pub const PULL_KV_BUDGET: u32 = 500;
/// A pull stops adding batches beyond this many bytes (it always returns at least one).
pub const PULL_MAX_BYTES: usize = 4 << 20;

/// Fills a buffer with cryptographically secure random bytes.
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]);

/// The body of `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
    /// The API version, `v1`.
    pub api: &'static str,
}

/// The routes, with the path parameters they carry.
enum Route<'a> {
    Health,
    Shops,
    Invites,
    Join,
    Log(&'a str),
    Pull,
    Devices,
    Revoke(&'a str),
}

impl<'a> Route<'a> {
    /// The route at `path`, or `None`.
    fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/")?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(match segments.as_slice() {
            ["health"] => Route::Health,
            ["shops"] => Route::Shops,
            ["invites"] => Route::Invites,
            ["join"] => Route::Join,
            ["log", seq] => Route::Log(seq),
            ["pull"] => Route::Pull,
            ["devices"] => Route::Devices,
            ["devices", id, "revoke"] => Route::Revoke(id),
            _ => return None,
        })
    }

    /// The one method the route answers.
    fn method(&self) -> &'static str {
        match self {
            Route::Health | Route::Devices => "GET",
            Route::Log(_) => "PUT",
            Route::Shops | Route::Invites | Route::Join | Route::Pull | Route::Revoke(_) => "POST",
        }
    }
}

/// Answers one request. `now_ms` is the current Unix time in milliseconds; `random` fills
/// buffers with secure random bytes (ids, tokens, invite codes).
pub async fn handle(req: &Request, kv: &impl Kv, now_ms: u64, random: Random<'_>) -> Response {
    match route(req, &Metered::new(kv), now_ms, random).await {
        Ok(response) => response,
        Err(failure) => failure.into(),
    }
}

/// [`handle`] behind CORS: answers `OPTIONS` preflights for any path and marks every answer
/// readable by an allowed `Origin` only.
pub async fn serve(
    req: &Request,
    cors: &Cors,
    kv: &impl Kv,
    now_ms: u64,
    random: Random<'_>,
) -> Response {
    let origin = req.origin.as_deref();
    if req.method == "OPTIONS" {
        return cors.preflight(origin);
    }
    let mut response = handle(req, kv, now_ms, random).await;
    cors.apply(origin, &mut response);
    response
}

async fn route(
    req: &Request,
    kv: &Metered<'_, impl Kv>,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let route = Route::parse(&req.path).ok_or_else(|| {
        Failure::new(
            404,
            "not_found",
            format!("no route {:?}; see docs/openapi.yaml", req.path),
        )
    })?;
    let method = route.method();
    if req.method != method {
        return Err(Failure::new(
            405,
            "method_not_allowed",
            format!("{} answers {method} only, not {}", req.path, req.method),
        )
        .with_header("Allow", method));
    }
    match route {
        Route::Health => Ok(Response::json(
            200,
            &Health {
                status: "ok",
                api: "v1",
            },
        )),
        Route::Shops => shops::create_shop(req, kv, now_ms, random).await,
        Route::Join => shops::join(req, kv, now_ms, random).await,
        Route::Invites => {
            shops::create_invite(
                req,
                kv,
                &session::authenticate(req, kv).await?,
                now_ms,
                random,
            )
            .await
        }
        Route::Log(seq) => log::push(req, kv, &session::authenticate(req, kv).await?, seq).await,
        Route::Pull => log::pull(req, kv, &session::authenticate(req, kv).await?).await,
        Route::Devices => shops::list_devices(kv, &session::authenticate(req, kv).await?).await,
        Route::Revoke(id) => shops::revoke(kv, &session::authenticate(req, kv).await?, id).await,
    }
}
