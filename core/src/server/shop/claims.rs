//! Write-once values: a batch or a snapshot part is claimed by its content hash in the
//! coordinator before it is written to KV, so the first claim wins, the same content again is
//! an idempotent retry and different content is refused — whatever KV's consistency.
//!
//! A claim is `pending` until its KV write succeeded. A failed write leaves it pending; a
//! retry with the same content writes again (KV puts of the same value are idempotent), and
//! no other content can ever take the slot.

use serde::{Deserialize, Serialize};

use crate::server::http::Failure;
use crate::server::kv::Kv;
use crate::server::table::{Table, load, save};

/// A claim on one KV key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// SHA-256 of the value, hex.
    pub sha256: String,
    /// The value's size in bytes.
    pub size: u64,
    /// True once the value is in KV.
    pub stored: bool,
    /// When it was claimed, Unix ms.
    pub at: u64,
}

/// What a claim asks of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Claimed {
    /// Write the value (a first claim, or a retry of one whose write failed).
    Write,
    /// The same value is already stored: acknowledge without writing.
    Stored,
}

/// The claim at `row`, if any.
pub(super) fn get(table: &impl Table, row: &str) -> Result<Option<Claim>, Failure> {
    load(table, row)
}

/// Claims `row` for a value with hash `sha256` and `size` bytes. 409 `conflict` when another
/// value holds it (`what` names the thing for the message, e.g. "batch 3 of this device").
pub(super) fn claim(
    table: &impl Table,
    row: &str,
    sha256: &str,
    size: u64,
    now_ms: u64,
    what: &str,
) -> Result<Claimed, Failure> {
    match get(table, row)? {
        Some(existing) if existing.sha256 != sha256 => Err(Failure::new(
            409,
            "conflict",
            format!(
                "{what} is already stored with different content; a stored value never changes"
            ),
        )),
        Some(existing) if existing.stored => Ok(Claimed::Stored),
        Some(_) => Ok(Claimed::Write),
        None => {
            let claim = Claim {
                sha256: sha256.to_owned(),
                size,
                stored: false,
                at: now_ms,
            };
            save(table, row, &claim)?;
            Ok(Claimed::Write)
        }
    }
}

/// Writes `value` at KV `key` for the claim at `row`, then marks the claim stored. Returns
/// true when this call marked it (false when a concurrent retry of the same value did first).
pub(super) async fn write(
    table: &impl Table,
    kv: &impl Kv,
    row: &str,
    key: &str,
    value: &[u8],
) -> Result<bool, Failure> {
    kv.put(key, value, None).await?;
    let mut claim = get(table, row)?
        .ok_or_else(|| Failure::new(500, "internal", format!("the claim {row} vanished")))?;
    if claim.stored {
        return Ok(false);
    }
    claim.stored = true;
    save(table, row, &claim)?;
    Ok(true)
}
