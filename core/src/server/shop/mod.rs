//! A shop's coordinator: the single writer of the shop's device registry, invites, stream
//! claims, snapshot head and rate-limit counters, hosted by one Durable Object per shop (or
//! [`super::LocalCoordinator`] in tests).
//!
//! Its state is rows of a [`Table`]; its batches and snapshot parts are values in [`Kv`],
//! which only the coordinator writes. Each step that decides something (a claim, a
//! redemption, a commit) reads and writes rows without awaiting in between, so steps are
//! atomic and the coordinator's decisions are linearizable: the platform runs one object per
//! shop and never delivers another event while synchronous code runs.

mod claims;
mod compaction;
mod registry;
mod snapshots;
mod streams;

pub use claims::Claim;
pub use compaction::{ABANDONED_AFTER_MS, DELETES_PER_RUN, run as compact};
pub use registry::{DeviceRecord, InviteRecord, ShopMeta, bearer_token};
pub use snapshots::{SnapshotRecord, Upload, part_key};
pub use streams::{BatchRecord, log_key};

use super::Random;
use super::calls::{ShopCall, ShopOp};
use super::config::Config;
use super::http::{Failure, Request, Response};
use super::kv::Kv;
use super::routes::Route;
use super::table::Table;

/// A call's answer, and when the coordinator wants to be woken to compact (its alarm).
#[derive(Debug)]
pub struct Served {
    /// The answer.
    pub response: Response,
    /// Unix ms at which [`compact`] should run, if it should.
    pub wake_at: Option<u64>,
}

/// What every step of a call works with.
pub(crate) struct Ctx<'a, T, K> {
    pub shop_id: &'a str,
    pub table: &'a T,
    pub kv: &'a K,
    pub config: &'a Config,
    pub now_ms: u64,
    /// Set by a step that makes compaction due.
    pub wake_at: Option<u64>,
}

/// Runs one call at shop `shop_id`'s coordinator.
pub async fn serve(
    shop_id: &str,
    call: &ShopCall,
    body: &[u8],
    table: &impl Table,
    kv: &impl Kv,
    config: &Config,
    random: Random<'_>,
) -> Served {
    let mut ctx = Ctx {
        shop_id,
        table,
        kv,
        config,
        now_ms: call.now_ms,
        wake_at: None,
    };
    let result = match &call.op {
        ShopOp::Create {
            shop_id: id,
            shop_name,
            owner,
        } if id == shop_id => registry::create(&ctx, shop_name, owner),
        ShopOp::Create { .. } => Err(Failure::new(
            500,
            "internal",
            "a shop was created at another shop's coordinator",
        )),
        ShopOp::Redeem { code_hash, device } => registry::redeem(&ctx, code_hash, device),
        ShopOp::Device { request } => {
            let request = Request {
                body: body.to_vec(),
                ..request.clone()
            };
            device_request(&request, &mut ctx, random).await
        }
    };
    Served {
        response: result.unwrap_or_else(Response::from),
        wake_at: ctx.wake_at,
    }
}

/// A device's request: authenticated first, then routed.
async fn device_request<T: Table, K: Kv>(
    req: &Request,
    ctx: &mut Ctx<'_, T, K>,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let route = Route::resolve(&req.method, &req.path)?;
    let session = registry::authenticate(ctx, req)?;
    match route {
        Route::Invites => registry::invite(ctx, req, &session, random),
        Route::Devices => registry::list(ctx),
        Route::Revoke(id) => registry::revoke(ctx, &session, id),
        Route::Log(seq) => streams::push(ctx, req, &session, seq).await,
        Route::Pull => streams::pull(ctx, req, &session).await,
        Route::Snapshot => snapshots::head(ctx),
        Route::SnapshotPart(snap, n) if req.method == "PUT" => {
            snapshots::put_part(ctx, req, &session, snap, n).await
        }
        Route::SnapshotPart(snap, n) => snapshots::get_part(ctx, req, &session, snap, n).await,
        Route::SnapshotCommit(snap) => snapshots::commit(ctx, req, &session, snap),
        Route::Health | Route::Shops | Route::Join => Err(Failure::new(
            404,
            "not_found",
            format!("{} is not a device route", req.path),
        )),
    }
}
