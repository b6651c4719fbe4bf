//! The sync server, free of any HTTP framework or platform: the worker translates requests,
//! hosts the coordinators and supplies storage ([`Kv`], [`Table`]), the time and randomness.
//! `docs/openapi.yaml` describes the same API for clients.
//!
//! # Routes
//!
//! | route | who | what |
//! |---|---|---|
//! | `GET /v1/health` | anyone | liveness |
//! | `POST /v1/shops` | anyone (with the sign-up secret unless sign-up is open) | new shop and its owner's device credentials |
//! | `POST /v1/invites` | owner | a one-time invite code, valid 24 h |
//! | `POST /v1/join` | anyone with a code | a new device's credentials |
//! | `PUT /v1/log/{seq}` | device | store the caller's batch `seq` |
//! | `POST /v1/pull` | device | the other devices' batches after a cursor |
//! | `GET /v1/devices` | device | the shop's devices |
//! | `POST /v1/devices/{id}/revoke` | owner | refuse a device's token from now on |
//! | `PUT /v1/snapshots/{snap}/parts/{n}` | owner | upload part `n` of a snapshot (raw bytes) |
//! | `POST /v1/snapshots/{snap}/commit` | owner | make an uploaded snapshot the shop's head |
//! | `GET /v1/snapshot` | device | the shop's head snapshot |
//! | `GET /v1/snapshots/{snap}/parts/{n}` | device | a part's bytes |
//!
//! Errors are [`crate::sync::ApiError`] bodies with a 4xx status naming the problem; 429
//! carries `Retry-After`; 503 (also with `Retry-After`) only when storage or a coordinator
//! could not be reached, and then nothing was reported as done. A refused request writes
//! nothing.
//!
//! # Who decides what
//!
//! Workers KV is eventually consistent (a write can take a minute or more to show at other
//! locations, and misses are cached), has no compare-and-set and allows about one write per
//! second per key. Nothing that must be decided once can be decided over it. So every such
//! decision is made by a **coordinator**: a Durable Object, of which the platform runs exactly
//! one instance per name, that handles one event at a time and keeps its state in its own
//! SQLite database (a [`Table`]).
//!
//! - **One coordinator per shop** (named by the shop id; [`shop`]) is the single writer of
//!   the shop's device registry (devices, roles, revoked flags, token hashes), its invites,
//!   every device's stream claims (`seq` → content hash), the snapshot head and the shop's
//!   rate-limit counters. It also alone writes the shop's batches and snapshot parts to KV
//!   and reads them back for pulls.
//! - **One directory** for the deployment ([`directory`]) knows which shop an invite code
//!   belongs to, and keeps the limits of creating shops and joining.
//! - **The edge** (the worker's fetch handler, [`handle`]) routes, checks the token's shape,
//!   makes ids and tokens, and forwards each device request to its shop's coordinator.
//!
//! A device token is `{shop_id}.{secret}`, so the edge knows the coordinator to ask without a
//! lookup; the coordinator checks the secret's hash and the revoked flag on every request, so
//! a revoke takes effect at once, everywhere. Tokens and invite codes are stored only as
//! SHA-256 hashes.
//!
//! # Why it is correct under concurrency
//!
//! A coordinator step that decides something reads and writes its rows synchronously, with no
//! await in between ([`table`]); the platform delivers no other event to the object during
//! it and commits its writes together. Each decision is therefore atomic and the decisions of
//! one shop form a single order (linearizable):
//!
//! - **Joins.** Each join adds its own `device/{id}` row in its own step; there is no shared
//!   index to overwrite, so N simultaneous joins give N devices, and `GET /v1/devices` (read
//!   from the same coordinator) lists every one of them at once. A pull reads every device's
//!   stream from that registry, so their batches are never forgotten.
//! - **One-time codes.** The code is typed without its shop. The directory maps the code's
//!   hash to its shop (a pointer written once, before the code is shown, and never changed).
//!   The redemption — find the invite, check its expiry, delete it, add the device — is one
//!   step at the shop's coordinator. Of N simultaneous redemptions of one code, the first
//!   step to run finds the invite and deletes it; every later one finds nothing (404). Exactly
//!   one device joins, at any number of locations.
//! - **Stream claims.** A push first claims `(device, seq)` with its content's hash in one
//!   step: the first claim wins; the same content again is an idempotent retry (200); other
//!   content is refused (409 `conflict`) — before anything is written to KV. Only then is the
//!   batch written to KV (by the coordinator), and the claim marked stored. A claim needs the
//!   previous `seq` stored, so a stream never has a hole. What every pull returns for a `seq`
//!   is the one claimed content: nothing else is ever written under its key.
//! - **Snapshots.** A commit checks, in one step, that every part is stored, the sizes add up,
//!   its cursor stays within what each device has stored and is not behind the current head
//!   for any device (409 `stale_snapshot`), then moves the head.
//!
//! # Storage
//!
//! KV (values written only by the shop's coordinator, each once):
//!
//! | key | value |
//! |---|---|
//! | `shop/{shop}/log/{device}/{seq}` | the batch ([`BatchRecord`]: [`crate::sync::StoredBatch`] plus declared privileges) |
//! | `shop/{shop}/snap/{snap}/{n}` | part `n` of a snapshot, raw bytes |
//!
//! The coordinators' rows are described in [`shop`] (and its modules) and [`directory`].
//! Secrets (tokens, invite codes) are stored only as hashes.
//!
//! # Limits and abuse
//!
//! - Creating a shop needs the deployment's sign-up secret (`X-Huike-Signup-Secret`, checked
//!   against the secret `SIGNUP_SECRET`) unless the variable `OPEN_SIGNUP` is `"true"`.
//! - Rate limits ([`limits::Limits`]) per address, per device and for the whole deployment,
//!   answered with 429 and `Retry-After`.
//! - Invite codes have 60 random bits. Failed joins are limited to 600 an hour for the whole
//!   deployment (after that nobody's code is looked up until the hour ends), so a guesser gets
//!   at most 14,400 tries a day. A shop holds at most [`MAX_LIVE_INVITES`] unused codes, so
//!   even a deployment of 50,000 shops has at most a million live codes; each try hits one
//!   with probability 10^6 / 2^60 ≈ 8.7 × 10^-13, and a whole day of guessing succeeds with
//!   probability below 1.3 × 10^-8.
//!
//! # Snapshots and compaction
//!
//! The owner's device uploads a snapshot of its book in parts (`PUT …/parts/{n}`, raw bytes,
//! write-once like batches) and commits it with the cursor it covers. A new device starts
//! from the head and pulls the streams from its cursor. The coordinator's alarm then deletes
//! ([`shop::compact`]) batches with `seq` ≤ the cursor of a snapshot that has been the head
//! for the retention window (`RETENTION_DAYS`, default 30), and the parts of snapshots
//! replaced that long ago, at most `COMPACTION_DELETES_PER_DAY` (default 250) KV deletes a day
//! per shop. A pull whose cursor is below what may have been deleted gets 409
//! `snapshot_required` instead of a silent gap. Nothing is deleted unless a snapshot covering
//! it is the head.
//!
//! # Free-plan cost
//!
//! One API call is one Durable Object request (two for creating a shop, joining and inviting,
//! which also ask the directory). KV is written only for batches (one write per push at most)
//! and snapshot parts (one per MiB), deleted by compaction, and read only for pulls and part
//! downloads; nothing is listed. A shop of three devices with 200 changes a day costs about
//! 200 KV writes, 200 KV deletes (once the retention window has passed), 400 KV reads, 2,100
//! Durable Object requests and 3,000 SQLite rows written a day: the free plan's 1,000 KV writes
//! a day hold about five such shops. A first import of a big book should be uploaded as a
//! snapshot (a few writes), not pushed as hundreds of batches. The arithmetic is in
//! `docs/ARCHITECTURE.md`.
//!
//! # Failure modes
//!
//! - A coordinator that cannot be reached (or a KV write that fails) gives 503 with
//!   `Retry-After`; nothing reported as done is lost. A push whose claim was made but whose KV
//!   write failed stays claimed: the same batch retried writes it (200/201), another batch at
//!   that `seq` gets 409 — so a device must retry its batch unchanged, which the client does.
//! - The directory is one object for the deployment: if it is down, nobody can create a shop
//!   or join (sync goes on). If it is overloaded by a guessing attack, joins get 429 until the
//!   hour ends.
//! - KV is still eventually consistent for reads at other locations than the coordinator's:
//!   a pull that misses a batch stops that device's stream there (it never skips), and the
//!   next pull gets it.
//! - Rate-limit counters and claims cost one SQLite row write each; the coordinator's
//!   database is the shop's only state besides KV.

mod calls;
mod config;
mod coordinator;
mod cors;
pub mod directory;
mod http;
mod kv;
pub mod limits;
mod onboarding;
mod routes;
pub mod shop;
pub mod table;

pub use calls::{
    DirectoryCall, DirectoryOp, InviteShop, Joined, NewDevice, ShopCall, ShopOp, decode_message,
    decode_response, encode_message, encode_response,
};
pub use config::Config;
pub use coordinator::{Coordinator, LocalCoordinator};
pub use cors::Cors;
pub use http::{Failure, JSON, OCTET_STREAM, Request, Response};
pub use kv::{Kv, KvError, MemoryEntry, MemoryKv, Metered, OpCounts};
pub use routes::{Route, is_plain_id};
pub use shop::{BatchRecord, log_key, part_key};
pub use table::{MemoryTable, Table};

use serde::Serialize;

/// The configuration variables' names.
pub mod vars {
    pub use super::config::{
        COMPACTION_DELETES_PER_DAY, OPEN_SIGNUP, RATE_LIMITS, RETENTION_DAYS, SIGNUP_SECRET,
    };
}

/// Most devices (including revoked ones) in one shop; every pull considers each one.
pub const MAX_DEVICES: usize = 100;
/// Most unused invite codes a shop holds at a time.
pub const MAX_LIVE_INVITES: usize = 20;
/// Longest shop or person name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most KV operations one pull makes (the platform allows 1,000 per request).
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

/// Answers one request at the edge. `now_ms` is the current Unix time in milliseconds;
/// `random` fills buffers with secure random bytes (ids, tokens).
pub async fn handle(
    req: &Request,
    coordinator: &impl Coordinator,
    config: &Config,
    now_ms: u64,
    random: Random<'_>,
) -> Response {
    match route(req, coordinator, config, now_ms, random).await {
        Ok(response) => response,
        Err(failure) => failure.into(),
    }
}

/// [`handle`] behind CORS: answers `OPTIONS` preflights for any path and marks every answer
/// readable by an allowed `Origin` only.
pub async fn serve(
    req: &Request,
    cors: &Cors,
    coordinator: &impl Coordinator,
    config: &Config,
    now_ms: u64,
    random: Random<'_>,
) -> Response {
    let origin = req.origin.as_deref();
    if req.method == "OPTIONS" {
        return cors.preflight(origin);
    }
    let mut response = handle(req, coordinator, config, now_ms, random).await;
    cors.apply(origin, &mut response);
    response
}

async fn route(
    req: &Request,
    coordinator: &impl Coordinator,
    config: &Config,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let route = Route::resolve(&req.method, &req.path)?;
    match route {
        Route::Health => Ok(Response::json(
            200,
            &Health {
                status: "ok",
                api: "v1",
            },
        )),
        Route::Shops => onboarding::create_shop(req, coordinator, config, now_ms, random).await,
        Route::Join => onboarding::join(req, coordinator, now_ms, random).await,
        _ => {
            let token = shop::bearer_token(req)?;
            let shop_id = crate::auth::token_shop(&token).unwrap_or_default();
            let call = ShopCall {
                now_ms,
                op: ShopOp::Device {
                    request: req.head(),
                },
            };
            let answer = coordinator.shop(shop_id, &call, &req.body).await?;
            if route == Route::Invites {
                onboarding::register_invite(answer, shop_id, coordinator, now_ms).await
            } else {
                Ok(answer)
            }
        }
    }
}
