//! Compaction: deletes from KV what a snapshot has covered for the retention window — batches
//! up to that snapshot's cursor, and the parts of snapshots replaced that long ago — within a
//! daily budget of deletes. Run by the shop's coordinator when its alarm fires.
//!
//! Nothing is deleted unless a snapshot covering it is (or was, and a newer one still covers
//! it) the head: the batches come from the cursor of a snapshot that was committed at least
//! the retention window ago, and every later head's cursor is at least as far. Before a
//! device's batches are deleted its `compacted` mark moves, so a pull from below it is told
//! to start from the snapshot instead of finding a hole.

use serde::{Deserialize, Serialize};

use super::claims::Claim;
use super::registry::{self, DeviceRecord, ShopMeta, device_row};
use super::snapshots::{SNAPS, SnapshotRecord, UPLOADS, Upload, part_key, part_rows, snap_row};
use super::streams::log_key;
use crate::server::config::Config;
use crate::server::http::Failure;
use crate::server::kv::Kv;
use crate::server::table::{Table, load, save, scan};
use crate::sync::Cursor;

/// Most KV deletes in one run (the platform allows 1,000 storage operations per invocation).
pub const DELETES_PER_RUN: u32 = 400;
/// An upload not committed this long after its last part is abandoned and deleted.
pub const ABANDONED_AFTER_MS: u64 = DAY_MS;

const DAY_MS: u64 = 86_400_000;
const BUDGET: &str = "compaction";
/// Committed snapshots considered (one a day is three years' worth).
const MAX_SNAPSHOTS: usize = 1000;

/// `compaction`: the deletes made on one UTC day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Budget {
    /// Days since the Unix epoch.
    day: u64,
    /// Deletes made that day.
    deletes: u32,
}

/// Deletes spent and left in this run.
struct Allowance {
    left: u32,
    spent: u32,
}

impl Allowance {
    fn take(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.spent += 1;
        true
    }
}

/// Runs compaction at `now_ms`. Returns when it should run next (`None`: nothing pending).
pub async fn run(
    table: &impl Table,
    kv: &impl Kv,
    config: &Config,
    now_ms: u64,
) -> Result<Option<u64>, Failure> {
    let Some(meta) = load::<ShopMeta>(table, "shop")? else {
        return Ok(None);
    };
    let day = now_ms / DAY_MS;
    let mut budget: Budget = load(table, BUDGET)?.unwrap_or_default();
    if budget.day != day {
        budget = Budget { day, deletes: 0 };
    }
    let mut allowance = Allowance {
        left: config
            .deletes_per_day
            .saturating_sub(budget.deletes)
            .min(DELETES_PER_RUN),
        spent: 0,
    };
    let snaps: Vec<SnapshotRecord> = scan(table, SNAPS, MAX_SNAPSHOTS)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let outcome = delete_due(
        table,
        kv,
        &meta.shop_id,
        &snaps,
        config.retention_ms,
        now_ms,
        &mut allowance,
    )
    .await;
    budget.deletes += allowance.spent;
    save(table, BUDGET, &budget)?;
    if outcome? {
        return Ok(Some(if budget.deletes >= config.deletes_per_day {
            (day + 1) * DAY_MS
        } else {
            now_ms + 1000
        }));
    }
    next_due(table, &snaps, config.retention_ms, now_ms)
}

/// Deletes what is due; returns true when something due was left for lack of allowance.
async fn delete_due(
    table: &impl Table,
    kv: &impl Kv,
    shop: &str,
    snaps: &[SnapshotRecord],
    retention_ms: u64,
    now_ms: u64,
    allowance: &mut Allowance,
) -> Result<bool, Failure> {
    let due = |at: u64| at.saturating_add(retention_ms) <= now_ms;
    let target: Cursor = snaps
        .iter()
        .filter(|r| due(r.head.created_at))
        .max_by_key(|r| r.head.created_at)
        .map(|r| r.head.cursor.clone())
        .unwrap_or_default();
    let mut unfinished = false;
    for device in registry::devices(table)? {
        let id = device.info.device_id;
        let covered = target.get(&id).copied().unwrap_or(0);
        let mut record = update_device(table, &id, |r| r.compacted = r.compacted.max(covered))?;
        while record.deleted < record.compacted {
            if !allowance.take() {
                unfinished = true;
                break;
            }
            kv.delete(&log_key(shop, &id, record.deleted + 1)).await?;
            record = update_device(table, &id, |r| r.deleted += 1)?;
        }
    }
    for record in snaps {
        let replaced_long_ago = record.superseded_at.is_some_and(due);
        if !replaced_long_ago || record.parts_deleted {
            continue;
        }
        let snap = &record.head.snap;
        if !delete_parts(table, kv, shop, snap, allowance).await? {
            unfinished = true;
            continue;
        }
        let row = snap_row(snap);
        if let Some(mut fresh) = load::<SnapshotRecord>(table, &row)? {
            fresh.parts_deleted = true;
            save(table, &row, &fresh)?;
        }
    }
    for (row, upload) in scan::<Upload>(table, UPLOADS, MAX_SNAPSHOTS)? {
        if upload.last_at + ABANDONED_AFTER_MS > now_ms {
            continue;
        }
        let snap = &row[UPLOADS.len()..];
        if delete_parts(table, kv, shop, snap, allowance).await? {
            table.delete(&row)?;
        } else {
            unfinished = true;
        }
    }
    Ok(unfinished)
}

/// Reloads a device's record, changes it and saves it, in one synchronous step (a push may
/// have moved its stream while compaction awaited KV).
fn update_device(
    table: &impl Table,
    id: &str,
    change: impl FnOnce(&mut DeviceRecord),
) -> Result<DeviceRecord, Failure> {
    let row = device_row(id);
    let mut record: DeviceRecord = load(table, &row)?
        .ok_or_else(|| Failure::new(500, "internal", format!("device {id} vanished")))?;
    let before = record.clone();
    change(&mut record);
    if record != before {
        save(table, &row, &record)?;
    }
    Ok(record)
}

/// Deletes a snapshot's parts and their claims; true when none is left.
async fn delete_parts(
    table: &impl Table,
    kv: &impl Kv,
    shop: &str,
    snap: &str,
    allowance: &mut Allowance,
) -> Result<bool, Failure> {
    let prefix = part_rows(snap);
    for (row, _) in scan::<Claim>(table, &prefix, MAX_SNAPSHOTS)? {
        let Some(n) = row[prefix.len()..].parse::<u32>().ok() else {
            continue;
        };
        if !allowance.take() {
            return Ok(false);
        }
        kv.delete(&part_key(shop, snap, n)).await?;
        table.delete(&row)?;
    }
    Ok(true)
}

/// When something next becomes due: a snapshot's retention window ending, or an upload being
/// abandoned.
fn next_due(
    table: &impl Table,
    snaps: &[SnapshotRecord],
    retention_ms: u64,
    now_ms: u64,
) -> Result<Option<u64>, Failure> {
    let mut times: Vec<u64> = Vec::new();
    for record in snaps {
        times.push(record.head.created_at.saturating_add(retention_ms));
        if let (Some(at), false) = (record.superseded_at, record.parts_deleted) {
            times.push(at.saturating_add(retention_ms));
        }
    }
    for (_, upload) in scan::<Upload>(table, UPLOADS, MAX_SNAPSHOTS)? {
        times.push(upload.last_at + ABANDONED_AFTER_MS);
    }
    Ok(times.into_iter().filter(|t| *t > now_ms).min())
}
