//! The devices' streams: push a batch, pull the others' batches.
//!
//! Batch `seq` of a device lives in KV at [`log_key`]; its claim (content hash, stored flag)
//! is the row `claim/{device}/{seq}`. A device's [`DeviceRecord::stored`] is the last batch of
//! its stream in KV: a pull reads exactly the keys up to it, never one that does not exist yet
//! (so KV never caches a miss for a batch that is about to be written).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::claims::{self, Claimed};
use super::registry::{self, DeviceRecord, Session, device_row};
use crate::domain::Role;
use crate::server::http::{Failure, Request, Response, json_body};
use crate::server::kv::{Kv, Metered};
use crate::server::limits::{self, Action};
use crate::server::table::{Table, load, save};
use crate::server::{PULL_KV_BUDGET, PULL_MAX_BYTES};
use crate::sync::{MAX_BATCH_OPS, MAX_PULL_BATCHES, Privilege, PullRequest, PushAck, PushBatch};

/// A stored batch as written to KV: [`crate::sync::StoredBatch`] plus the privileges it
/// declared (left out when none), so receiving devices can see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// The device whose stream it is in.
    pub device: String,
    /// Its position in that stream.
    pub seq: u64,
    /// How many ops it holds.
    pub ops: u32,
    /// The ops, opaque.
    pub payload: String,
    /// Owner-only changes it declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileged: Vec<Privilege>,
}

/// KV key of batch `seq` of `device`'s stream.
pub fn log_key(shop: &str, device: &str, seq: u64) -> String {
    format!("shop/{shop}/log/{device}/{seq}")
}

fn claim_row(device: &str, seq: u64) -> String {
    format!("claim/{device}/{seq:020}")
}

/// `PUT /v1/log/{seq}`: stores the caller's batch `seq` under a key only the caller's stream
/// uses.
///
/// The same batch again is acknowledged without a write (200, `stored: false`); different
/// content at a claimed `seq` is refused (409 `conflict`), and so is a `seq` whose predecessor
/// is not stored (409 `gap`). A clerk's batch that declares a privileged change is refused
/// (403). One KV write at most.
pub(super) async fn push<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    req: &Request,
    session: &Session,
    path_seq: &str,
) -> Result<Response, Failure> {
    let seq = parse_seq(path_seq)?;
    let batch: PushBatch = json_body(req)?;
    if batch.seq != seq {
        return Err(Failure::bad_request(
            "seq_mismatch",
            format!("the path says seq {seq}, the body says {}", batch.seq),
        ));
    }
    if batch.ops as usize > MAX_BATCH_OPS {
        return Err(Failure::new(
            413,
            "too_many_ops",
            format!(
                "the batch has {} ops, the limit is {MAX_BATCH_OPS}",
                batch.ops
            ),
        ));
    }
    if batch.ops == 0 {
        return Err(Failure::bad_request(
            "invalid_field",
            "a batch holds at least one op",
        ));
    }
    if session.device.role == Role::Clerk && !batch.privileged.is_empty() {
        let names: Vec<&str> = batch.privileged.iter().map(|p| p.as_str()).collect();
        return Err(Failure::owner_only(&format!(
            "make these changes ({}); nothing was stored",
            names.join(", ")
        )));
    }
    limits::admit(
        ctx.table,
        &ctx.config.limits,
        Action::Push,
        session.subject(),
        ctx.now_ms,
    )?;
    let device = &session.device.device_id;
    let record = BatchRecord {
        device: device.clone(),
        seq,
        ops: batch.ops,
        payload: batch.payload,
        privileged: batch.privileged,
    };
    let text = serde_json::to_vec(&record)
        .map_err(|e| Failure::new(500, "internal", format!("could not encode the batch: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&text));
    let row = claim_row(device, seq);
    // Checks and claim in one synchronous step: the coordinator's decision.
    if claims::get(ctx.table, &row)?.is_none() && seq > 1 {
        let own: DeviceRecord = own_record(ctx, device)?;
        if own.stored < seq - 1 {
            return Err(Failure::new(
                409,
                "gap",
                format!(
                    "batch {} of this device is not stored yet; push it before batch {seq}",
                    seq - 1
                ),
            ));
        }
    }
    let what = format!("batch {seq} of this device");
    if claims::claim(
        ctx.table,
        &row,
        &sha256,
        text.len() as u64,
        ctx.now_ms,
        &what,
    )? == Claimed::Stored
    {
        return Ok(Response::json(200, &PushAck { seq, stored: false }));
    }
    let key = log_key(ctx.shop_id, device, seq);
    let marked = claims::write(ctx.table, ctx.kv, &row, &key, &text).await?;
    let mut own = own_record(ctx, device)?;
    if own.stored < seq {
        own.stored = seq;
        save(ctx.table, &device_row(device), &own)?;
    }
    Ok(Response::json(
        if marked { 201 } else { 200 },
        &PushAck {
            seq,
            stored: marked,
        },
    ))
}

fn own_record<T: Table, K: Kv>(ctx: &Ctx<'_, T, K>, device: &str) -> Result<DeviceRecord, Failure> {
    load(ctx.table, &device_row(device))?
        .ok_or_else(|| Failure::new(500, "internal", "the caller's device record vanished"))
}

/// `POST /v1/pull`: the batches after the caller's cursor, every other device's in `seq`
/// order, read by key up to what the coordinator knows is stored. Stops early, with
/// `more: true`, at [`MAX_PULL_BATCHES`] batches, [`PULL_MAX_BYTES`] of batches or
/// [`PULL_KV_BUDGET`] storage operations. A cursor below what compaction may have removed is
/// refused with 409 `snapshot_required` before anything is read: the caller must start from
/// the snapshot, never skip.
///
/// Stored batches are JSON this server wrote; they are copied into the answer verbatim
/// instead of being decoded and encoded again.
pub(super) async fn pull<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    req: &Request,
    session: &Session,
) -> Result<Response, Failure> {
    let body: PullRequest = json_body(req)?;
    limits::admit(
        ctx.table,
        &ctx.config.limits,
        Action::Pull,
        session.subject(),
        ctx.now_ms,
    )?;
    let me = &session.device.device_id;
    let streams: Vec<DeviceRecord> = registry::devices(ctx.table)?
        .into_iter()
        .filter(|d| d.info.device_id != *me)
        .collect();
    for d in &streams {
        let after = body.cursor.get(&d.info.device_id).copied().unwrap_or(0);
        if d.compacted > after {
            return Err(Failure::new(
                409,
                "snapshot_required",
                format!(
                    "batches {}..={} of device {} were compacted into the shop's snapshot; start from GET /v1/snapshot and pull from its cursor",
                    after + 1,
                    d.compacted,
                    d.info.device_id
                ),
            ));
        }
    }
    let kv = Metered::new(ctx.kv);
    let mut batches: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0usize;
    let mut more = false;
    'devices: for d in &streams {
        let after = body.cursor.get(&d.info.device_id).copied().unwrap_or(0);
        let mut seq = after;
        while seq < d.stored {
            if batches.len() >= MAX_PULL_BATCHES || kv.ops() >= PULL_KV_BUDGET {
                more = true;
                break 'devices;
            }
            seq += 1;
            let Some(value) = kv
                .get(&log_key(ctx.shop_id, &d.info.device_id, seq))
                .await?
            else {
                // Written but not visible here yet: the next pull gets it.
                continue 'devices;
            };
            if !batches.is_empty() && bytes + value.len() > PULL_MAX_BYTES {
                more = true;
                break 'devices;
            }
            bytes += value.len();
            batches.push(value);
        }
    }
    let mut out = Vec::with_capacity(bytes + batches.len() + 32);
    out.extend_from_slice(b"{\"batches\":[");
    for (i, batch) in batches.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(batch);
    }
    out.extend_from_slice(format!("],\"more\":{more}}}").as_bytes());
    Ok(Response::raw_json(200, out))
}

fn parse_seq(text: &str) -> Result<u64, Failure> {
    match text.parse::<u64>() {
        Ok(seq) if seq >= 1 => Ok(seq),
        _ => Err(Failure::bad_request(
            "invalid_seq",
            format!(
                "the seq in the path must be a whole number from 1 up, not {:?}",
                text.chars().take(40).collect::<String>()
            ),
        )),
    }
}
