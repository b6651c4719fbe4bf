//! The devices' streams: push a batch, pull the others' batches.

use super::http::{Failure, Request, Response, json_body};
use super::kv::{Kv, Metered};
use super::session::Session;
use super::shops::listed_index;
use super::store;
use super::{PULL_KV_BUDGET, PULL_MAX_BYTES};
use crate::sync::{MAX_BATCH_OPS, MAX_PULL_BATCHES, PullRequest, PushAck, PushBatch, StoredBatch};

/// `PUT /v1/log/{seq}`: stores the caller's batch `seq` under a key only the caller writes.
///
/// The same batch again is acknowledged without a write (200, `stored: false`); different
/// content at a stored `seq` is refused (409 `conflict`), and so is a `seq` whose predecessor
/// is not stored (409 `gap`). One write at most.
pub async fn push(
    req: &Request,
    kv: &impl Kv,
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
    let device = &session.device.device_id;
    let stored = StoredBatch {
        device: device.clone(),
        seq,
        ops: batch.ops,
        payload: batch.payload,
    };
    let text = serde_json::to_string(&stored)
        .map_err(|e| Failure::new(500, "internal", format!("could not encode the batch: {e}")))?;
    let key = store::log_key(&session.shop_id, device, seq);
    if let Some(existing) = kv.get(&key).await? {
        // Serialization is deterministic, so the same batch gives the same text.
        return if existing == text {
            Ok(Response::json(200, &PushAck { seq, stored: false }))
        } else {
            Err(Failure::new(
                409,
                "conflict",
                format!(
                    "batch {seq} of this device is already stored with different content; a stored batch never changes"
                ),
            ))
        };
    }
    if seq > 1
        && kv
            .get(&store::log_key(&session.shop_id, device, seq - 1))
            .await?
            .is_none()
    {
        return Err(Failure::new(
            409,
            "gap",
            format!(
                "batch {} of this device is not stored yet; push it before batch {seq}",
                seq - 1
            ),
        ));
    }
    kv.put(&key, &text, None).await?;
    Ok(Response::json(201, &PushAck { seq, stored: true }))
}

/// `POST /v1/pull`: the batches after the caller's cursor, every other device's in `seq`
/// order, read by key (`cursor + 1`, `+ 2`, … until a miss). Stops early, with `more: true`,
/// at [`MAX_PULL_BATCHES`] batches, [`PULL_MAX_BYTES`] of batches or [`PULL_KV_BUDGET`]
/// storage operations in this request.
///
/// The answer is written here rather than through [`crate::sync::PullResponse`]: stored
/// batches are JSON this server wrote, and are copied verbatim instead of being decoded and
/// encoded again (which would cost most of a worker's CPU budget on a large pull).
pub async fn pull(
    req: &Request,
    kv: &Metered<'_, impl Kv>,
    session: &Session,
) -> Result<Response, Failure> {
    let body: PullRequest = json_body(req)?;
    let index = listed_index(kv, session).await?;
    let mut batches: Vec<String> = Vec::new();
    let mut bytes = 0usize;
    let mut more = false;
    'devices: for device in index
        .devices
        .iter()
        .filter(|d| **d != session.device.device_id)
    {
        let mut seq = body.cursor.get(device).copied().unwrap_or(0);
        loop {
            if batches.len() >= MAX_PULL_BATCHES || kv.ops() >= PULL_KV_BUDGET {
                more = true;
                break 'devices;
            }
            let Some(next) = seq.checked_add(1) else {
                continue 'devices;
            };
            seq = next;
            let Some(text) = kv
                .get(&store::log_key(&session.shop_id, device, seq))
                .await?
            else {
                continue 'devices;
            };
            if !batches.is_empty() && bytes + text.len() > PULL_MAX_BYTES {
                more = true;
                break 'devices;
            }
            bytes += text.len();
            batches.push(text);
        }
    }
    let body = format!("{{\"batches\":[{}],\"more\":{more}}}", batches.join(","));
    Ok(Response {
        status: 200,
        body,
        headers: Vec::new(),
    })
}

fn parse_seq(text: &str) -> Result<u64, Failure> {
    match text.parse::<u64>() {
        Ok(seq) if seq >= 1 => Ok(seq),
        _ => Err(Failure::bad_request(
            "invalid_seq",
            format!("the seq in the path must be a whole number from 1 up, not {text:?}"),
        )),
    }
}
