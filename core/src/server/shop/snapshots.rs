//! Snapshots: the owner uploads a snapshot's parts, then commits it as the shop's head; every
//! device can read the head and its parts.
//!
//! | row | value |
//! |---|---|
//! | `part/{snap}/{n}` | the part's [`super::claims::Claim`] (write-once, like a batch) |
//! | `upload/{snap}` | [`Upload`]: a snapshot being uploaded, not committed yet |
//! | `snap/{snap}` | [`SnapshotRecord`]: a committed snapshot, head or superseded |
//! | `head` | the current [`SnapshotHead`] |
//!
//! Part `n` of snapshot `snap` is the KV value [`part_key`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::claims::{self, Claimed};
use super::registry::{self, Session};
use crate::server::http::{Failure, Request, Response, bytes_body, json_body};
use crate::server::kv::Kv;
use crate::server::limits::{self, Action};
use crate::server::routes::is_plain_id;
use crate::server::table::{Table, load, save};
use crate::sync::{MAX_SNAPSHOT_PARTS, PartAck, SnapshotCommit, SnapshotHead};

/// `snap/{snap}`: a committed snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// What was committed.
    pub head: SnapshotHead,
    /// When a newer snapshot replaced it as the head, Unix ms.
    pub superseded_at: Option<u64>,
    /// True once compaction has deleted its parts.
    pub parts_deleted: bool,
}

/// `upload/{snap}`: a snapshot whose parts are being uploaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    /// When its last part arrived, Unix ms.
    pub last_at: u64,
}

/// KV key of part `n` of snapshot `snap`.
pub fn part_key(shop: &str, snap: &str, n: u32) -> String {
    format!("shop/{shop}/snap/{snap}/{n}")
}

/// Prefix of the claim rows of `snap`'s parts.
pub(super) fn part_rows(snap: &str) -> String {
    format!("part/{snap}/")
}

fn part_row(snap: &str, n: u32) -> String {
    format!("part/{snap}/{n:06}")
}

/// Row of a committed snapshot.
pub(super) fn snap_row(snap: &str) -> String {
    format!("{SNAPS}{snap}")
}

/// Prefix of the committed snapshots' rows.
pub(super) const SNAPS: &str = "snap/";
/// Prefix of the uploads' rows.
pub(super) const UPLOADS: &str = "upload/";
const HEAD: &str = "head";

/// The shop's current head, if any.
pub(super) fn current(table: &impl Table) -> Result<Option<SnapshotHead>, Failure> {
    load(table, HEAD)
}

fn snapshot_id(snap: &str) -> Result<&str, Failure> {
    if is_plain_id(snap) {
        Ok(snap)
    } else {
        Err(Failure::bad_request(
            "invalid_snapshot_id",
            "a snapshot id has 1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

fn part_number(n: &str) -> Result<u32, Failure> {
    n.parse::<u32>()
        .ok()
        .filter(|n| *n < MAX_SNAPSHOT_PARTS)
        .ok_or_else(|| {
            Failure::bad_request(
                "invalid_part",
                format!(
                    "a part number is a whole number from 0 to {}, not {:?}",
                    MAX_SNAPSHOT_PARTS - 1,
                    n.chars().take(40).collect::<String>()
                ),
            )
        })
}

/// `PUT /v1/snapshots/{snap}/parts/{n}` (owner only): stores part `n` of a snapshot being
/// uploaded. The same bytes again: 200, `stored: false`; different bytes: 409 `conflict`; a
/// new part for a snapshot already committed: 409 `stale_snapshot`.
pub(super) async fn put_part<T: Table, K: Kv>(
    ctx: &mut Ctx<'_, T, K>,
    req: &Request,
    session: &Session,
    snap: &str,
    n: &str,
) -> Result<Response, Failure> {
    session.require_owner("upload snapshots")?;
    let snap = snapshot_id(snap)?;
    let n = part_number(n)?;
    let bytes = bytes_body(req)?;
    limits::admit(
        ctx.table,
        &ctx.config.limits,
        Action::Push,
        session.subject(),
        ctx.now_ms,
    )?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    let row = part_row(snap, n);
    let committed = ctx.table.get(&snap_row(snap))?.is_some();
    if committed && claims::get(ctx.table, &row)?.is_none() {
        return Err(Failure::new(
            409,
            "stale_snapshot",
            format!("snapshot {snap} is already committed; upload a new snapshot under a new id"),
        ));
    }
    let what = format!("part {n} of snapshot {snap}");
    let ack = |stored| PartAck {
        snap: snap.to_owned(),
        part: n,
        stored,
    };
    if claims::claim(
        ctx.table,
        &row,
        &sha256,
        bytes.len() as u64,
        ctx.now_ms,
        &what,
    )? == Claimed::Stored
    {
        return Ok(Response::json(200, &ack(false)));
    }
    if !committed {
        let upload = Upload {
            last_at: ctx.now_ms,
        };
        save(ctx.table, &format!("{UPLOADS}{snap}"), &upload)?;
        // If it is never committed, compaction deletes it.
        ctx.wake_at = Some(ctx.now_ms + super::ABANDONED_AFTER_MS);
    }
    let key = part_key(ctx.shop_id, snap, n);
    let marked = claims::write(ctx.table, ctx.kv, &row, &key, bytes).await?;
    Ok(Response::json(if marked { 201 } else { 200 }, &ack(marked)))
}

/// `GET /v1/snapshots/{snap}/parts/{n}` (any device): the part's bytes.
pub(super) async fn get_part<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    _req: &Request,
    session: &Session,
    snap: &str,
    n: &str,
) -> Result<Response, Failure> {
    let not_found = || {
        Failure::new(
            404,
            "part_not_found",
            "this shop has no such snapshot part (it may have been replaced by a newer snapshot; see GET /v1/snapshot)",
        )
    };
    if !is_plain_id(snap) {
        return Err(not_found());
    }
    let n = n.parse::<u32>().map_err(|_| not_found())?;
    limits::admit(
        ctx.table,
        &ctx.config.limits,
        Action::Pull,
        session.subject(),
        ctx.now_ms,
    )?;
    let stored = claims::get(ctx.table, &part_row(snap, n))?.is_some_and(|c| c.stored);
    let deleted =
        load::<SnapshotRecord>(ctx.table, &snap_row(snap))?.is_some_and(|r| r.parts_deleted);
    if !stored || deleted {
        return Err(not_found());
    }
    match ctx.kv.get(&part_key(ctx.shop_id, snap, n)).await? {
        Some(bytes) => Ok(Response::bytes(bytes)),
        None => Err(Failure::not_ready(
            "this part is stored but not visible here yet; try again in a few seconds",
        )),
    }
}

/// `POST /v1/snapshots/{snap}/commit` (owner only): makes an uploaded snapshot the shop's
/// head, if every part is stored, the sizes add up, and its cursor names devices of the shop,
/// stays within what they have stored and is not behind the current head's for any device
/// (else 409 `stale_snapshot`). Committing the current head again answers 200.
pub(super) fn commit<T: Table, K: Kv>(
    ctx: &mut Ctx<'_, T, K>,
    req: &Request,
    session: &Session,
    snap: &str,
) -> Result<Response, Failure> {
    session.require_owner("commit snapshots")?;
    let snap = snapshot_id(snap)?;
    let body: SnapshotCommit = json_body(req)?;
    if body.parts == 0 || body.parts > MAX_SNAPSHOT_PARTS {
        return Err(Failure::bad_request(
            "invalid_field",
            format!("parts must be from 1 to {MAX_SNAPSHOT_PARTS}"),
        ));
    }
    let hex_ok = body.sha256.len() == 64
        && body
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex_ok {
        return Err(Failure::bad_request(
            "invalid_field",
            "sha256 must be 64 lowercase hex characters",
        ));
    }
    let head = current(ctx.table)?;
    if let Some(record) = load::<SnapshotRecord>(ctx.table, &snap_row(snap))? {
        let same = record.head.parts == body.parts
            && record.head.cursor == body.cursor
            && record.head.bytes == body.bytes
            && record.head.sha256 == body.sha256;
        return match record.superseded_at {
            None if same => Ok(Response::json(200, &record.head)),
            None => Err(Failure::new(
                409,
                "conflict",
                format!("snapshot {snap} is already committed with other contents"),
            )),
            Some(_) => Err(stale(format!(
                "snapshot {snap} was committed before and replaced by a newer one"
            ))),
        };
    }
    let mut total = 0u64;
    for n in 0..body.parts {
        match claims::get(ctx.table, &part_row(snap, n))? {
            Some(claim) if claim.stored => total += claim.size,
            _ => {
                return Err(Failure::new(
                    409,
                    "snapshot_incomplete",
                    format!("part {n} of snapshot {snap} is not stored; upload it first"),
                ));
            }
        }
    }
    if total != body.bytes {
        return Err(Failure::bad_request(
            "snapshot_mismatch",
            format!(
                "the parts hold {total} bytes, the commit says {}",
                body.bytes
            ),
        ));
    }
    let devices = registry::devices(ctx.table)?;
    for (device, seq) in &body.cursor {
        let Some(d) = devices.iter().find(|d| d.info.device_id == *device) else {
            return Err(Failure::bad_request(
                "invalid_cursor",
                format!(
                    "the cursor names {:?}, which is not a device of this shop",
                    device.chars().take(80).collect::<String>()
                ),
            ));
        };
        if *seq > d.stored {
            return Err(Failure::bad_request(
                "invalid_cursor",
                format!(
                    "the cursor says batch {seq} of device {device}, which has stored {} batches",
                    d.stored
                ),
            ));
        }
    }
    if let Some(head) = &head {
        for (device, seq) in &head.cursor {
            let covered = body.cursor.get(device).copied().unwrap_or(0);
            if covered < *seq {
                return Err(stale(format!(
                    "the current snapshot {} covers batch {seq} of device {device}, this one only {covered}; make a new snapshot from a book that has pulled at least as far",
                    head.snap
                )));
            }
        }
    }
    let new_head = SnapshotHead {
        snap: snap.to_owned(),
        parts: body.parts,
        cursor: body.cursor,
        bytes: body.bytes,
        sha256: body.sha256,
        created_at: ctx.now_ms,
        created_by: session.device.device_id.clone(),
    };
    if let Some(old) = head {
        let row = snap_row(&old.snap);
        if let Some(mut record) = load::<SnapshotRecord>(ctx.table, &row)? {
            record.superseded_at = Some(ctx.now_ms);
            save(ctx.table, &row, &record)?;
        }
    }
    let record = SnapshotRecord {
        head: new_head.clone(),
        superseded_at: None,
        parts_deleted: false,
    };
    save(ctx.table, &snap_row(snap), &record)?;
    save(ctx.table, HEAD, &new_head)?;
    ctx.table.delete(&format!("{UPLOADS}{snap}"))?;
    ctx.wake_at = Some(ctx.now_ms + ctx.config.retention_ms);
    Ok(Response::json(201, &new_head))
}

fn stale(message: String) -> Failure {
    Failure::new(409, "stale_snapshot", message)
}

/// `GET /v1/snapshot` (any device): the shop's head, or 404 `no_snapshot`.
pub(super) fn head<T: Table, K: Kv>(ctx: &Ctx<'_, T, K>) -> Result<Response, Failure> {
    match current(ctx.table)? {
        Some(head) => Ok(Response::json(200, &head)),
        None => Err(Failure::new(
            404,
            "no_snapshot",
            "this shop has no snapshot yet; pull the streams from the start",
        )),
    }
}
