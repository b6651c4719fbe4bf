//! The sync protocol between a device and the worker (SPEC §5), and the device side's pure
//! state machine.
//!
//! Each device appends to its own stream on the server: batch `seq` = 1, 2, 3, … of that
//! device, stored under a key no other writer uses. A batch, once stored, never changes: a
//! retried push of the same batch is acknowledged again, a different batch at a stored `seq`
//! is refused (409). A device's sync position is a [`Cursor`]: the last `seq` it applied from
//! every other device, so no wall clock orders anything.
//!
//! The batch payload is opaque to the server (today JSON ops; end-to-end encryption can
//! replace it without changing the server).

use crate::op::Op;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Largest request body the server accepts.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Most ops in one batch.
pub const MAX_BATCH_OPS: usize = 1000;
/// Most batches in one pull answer (the worker also stops early to stay within KV limits).
pub const MAX_PULL_BATCHES: usize = 200;

/// Last applied `seq` by device id.
pub type Cursor = BTreeMap<String, u64>;

/// `POST /v1/shops`: create a shop and its owner's device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateShopRequest {
    /// Shop name.
    pub shop_name: String,
    /// The owner's display name.
    pub owner_name: String,
}

/// A device's credentials, returned when a shop is created or an invite redeemed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredentials {
    /// The shop.
    pub shop_id: String,
    /// The shop's name.
    pub shop_name: String,
    /// This device.
    pub device_id: String,
    /// The device's secret token (sent as `Authorization: Bearer …`). Shown once.
    pub token: String,
    /// The device's role.
    pub role: crate::domain::Role,
}

/// `POST /v1/invites`: the owner invites a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    /// Role the new device gets.
    pub role: crate::domain::Role,
}

/// A fresh invite code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The code, `XXXX-XXXX-XXXX` (12 characters of Crockford base 32).
    pub code: String,
    /// Expiry, Unix ms.
    pub expires_at: u64,
    /// Role it grants.
    pub role: crate::domain::Role,
}

/// `POST /v1/join`: redeem an invite code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The invite code as typed.
    pub code: String,
    /// The new device user's display name.
    pub display_name: String,
}

/// `PUT /v1/log/{seq}`: a batch of the caller's ops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushBatch {
    /// The batch's position in the device's stream (1, 2, …).
    pub seq: u64,
    /// How many ops the payload holds (≤ [`MAX_BATCH_OPS`]).
    pub ops: u32,
    /// The ops, opaque to the server.
    pub payload: String,
    /// The owner-only kinds of change the payload holds, declared by the pushing device so the
    /// server can refuse a clerk's batch without reading the payload. Empty for most batches
    /// (and then left out of the JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileged: Vec<Privilege>,
}

/// A kind of change only an owner device may make. A batch declares the ones it holds in
/// [`PushBatch::privileged`]; the server refuses (403) a clerk's batch that declares any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// Deleting a customer.
    DeleteCustomer,
    /// Changing the shop's rules (cadence, cycles, thresholds).
    Rules,
    /// Changing message templates.
    Templates,
    /// Managing staff and devices.
    Staff,
    /// Erasing a customer's personal data.
    Erase,
}

impl Privilege {
    /// Its name on the wire, e.g. `delete_customer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::DeleteCustomer => "delete_customer",
            Privilege::Rules => "rules",
            Privilege::Templates => "templates",
            Privilege::Staff => "staff",
            Privilege::Erase => "erase",
        }
    }
}

/// A stored batch, as a pull returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredBatch {
    /// The device whose stream it is in.
    pub device: String,
    /// Its position in that stream.
    pub seq: u64,
    /// How many ops it holds.
    pub ops: u32,
    /// The ops.
    pub payload: String,
}

/// `POST /v1/pull`: what the caller has applied so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    /// Last applied `seq` by device.
    #[serde(default)]
    pub cursor: Cursor,
}

/// The answer to a pull.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Batches after the cursor, each device's in `seq` order.
    pub batches: Vec<StoredBatch>,
    /// True when more batches are waiting (pull again).
    pub more: bool,
}

/// A device as the server knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Device id.
    pub device_id: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: crate::domain::Role,
    /// Revoked devices are refused.
    pub revoked: bool,
    /// When it joined, Unix ms.
    pub joined_at: u64,
}

/// The answer to `PUT /v1/log/{seq}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushAck {
    /// The acknowledged batch's `seq`.
    pub seq: u64,
    /// True when this push stored the batch, false when it was already stored (a retry).
    pub stored: bool,
}

/// The answer to `GET /v1/devices`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    /// The shop's devices, in the order they joined.
    pub devices: Vec<DeviceInfo>,
}

/// Most parts in one snapshot (each at most [`MAX_BODY_BYTES`]).
pub const MAX_SNAPSHOT_PARTS: u32 = 1000;

/// `POST /v1/snapshots/{snap}/commit`: makes an uploaded snapshot the shop's head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCommit {
    /// How many parts it has: parts `0 .. parts` must all be stored.
    pub parts: u32,
    /// The batches it covers: every device's stream up to this `seq`.
    pub cursor: Cursor,
    /// The total size of its parts in bytes.
    pub bytes: u64,
    /// SHA-256 of the parts concatenated in order, 64 lowercase hex characters (computed by the
    /// uploader; downloaders check it).
    pub sha256: String,
}

/// The shop's current snapshot (`GET /v1/snapshot`): a new device starts from it, then pulls
/// the streams from its cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHead {
    /// The snapshot's id (chosen by the uploader).
    pub snap: String,
    /// How many parts it has (`GET /v1/snapshots/{snap}/parts/{n}` for `n` in `0 .. parts`).
    pub parts: u32,
    /// The batches it covers.
    pub cursor: Cursor,
    /// The total size of its parts in bytes.
    pub bytes: u64,
    /// SHA-256 of the parts concatenated in order.
    pub sha256: String,
    /// When it became the head, Unix ms.
    pub created_at: u64,
    /// The device that committed it.
    pub created_by: String,
}

/// The answer to `PUT /v1/snapshots/{snap}/parts/{n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartAck {
    /// The snapshot.
    pub snap: String,
    /// The part's number.
    pub part: u32,
    /// True when this upload stored the part, false when the same bytes were already stored.
    pub stored: bool,
}

/// Every error answer's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable machine-readable code, e.g. `invalid_body`, `conflict`.
    pub error: String,
    /// What was wrong, for a person.
    pub message: String,
}

/// Encodes ops as a batch payload.
pub fn encode_payload(ops: &[Op]) -> String {
    serde_json::to_string(ops).unwrap_or_else(|_| "[]".to_owned())
}

/// Decodes a batch payload.
pub fn decode_payload(payload: &str) -> Result<Vec<Op>, serde_json::Error> {
    serde_json::from_str(payload)
}

/// A device's sync position and its batch awaiting acknowledgement. The app persists it
/// together with the outbox; every method is pure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The `seq` the next new batch gets.
    pub next_seq: u64,
    /// A batch sent (or about to be) and not yet acknowledged, with the stamps it covers.
    /// It is resent byte for byte until acknowledged, so a retry is idempotent.
    pub in_flight: Option<InFlight>,
    /// What has been applied from other devices.
    pub cursor: Cursor,
}

/// A formed batch and the outbox ops it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// The batch.
    pub batch: PushBatch,
    /// How many ops from the front of the outbox it carries.
    pub count: usize,
}

impl SyncState {
    /// A device that has pushed nothing yet.
    pub fn new() -> Self {
        SyncState {
            next_seq: 1,
            in_flight: None,
            cursor: Cursor::new(),
        }
    }

    /// The batch to push now: the unacknowledged one if any, else a new one made of the first
    /// ops of `outbox` (oldest first). `None` when there is nothing to push.
    pub fn next_batch(&mut self, outbox: &[Op]) -> Option<PushBatch> {
        if self.in_flight.is_none() && !outbox.is_empty() {
            let take = outbox.len().min(MAX_BATCH_OPS);
            let ops = &outbox[..take];
            let batch = PushBatch {
                seq: self.next_seq.max(1),
                ops: take as u32,
                payload: encode_payload(ops),
                privileged: Vec::new(),
            };
            self.in_flight = Some(InFlight { batch, count: take });
        }
        self.in_flight.as_ref().map(|f| f.batch.clone())
    }

    /// The server stored batch `seq`. Returns how many ops to drop from the front of the
    /// outbox (0 if `seq` is not the batch in flight).
    pub fn acknowledged(&mut self, seq: u64) -> usize {
        match &self.in_flight {
            Some(f) if f.batch.seq == seq => {
                let n = f.count;
                self.in_flight = None;
                self.next_seq = seq + 1;
                n
            }
            _ => 0,
        }
    }

    /// Takes pulled batches and returns the ops to apply, advancing the cursor only over
    /// contiguous batches of other devices (a gap waits for the next pull; own batches and
    /// ones already applied are skipped).
    pub fn receive(
        &mut self,
        me: &str,
        batches: &[StoredBatch],
    ) -> Result<Vec<Op>, serde_json::Error> {
        let mut ops = Vec::new();
        for b in batches {
            if b.device == me {
                continue;
            }
            let last = self.cursor.get(&b.device).copied().unwrap_or(0);
            if b.seq != last + 1 {
                continue;
            }
            ops.extend(decode_payload(&b.payload)?);
            self.cursor.insert(b.device.clone(), b.seq);
        }
        Ok(ops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::id::Id;
    use crate::op::RecordKind;

    fn op(n: u64) -> Op {
        Op::Set {
            at: Hlc { ms: n, c: 0, n: 1 },
            kind: RecordKind::Customer,
            id: Id::parse("c1").unwrap(),
            field: "name".into(),
            value: serde_json::json!(format!("v{n}")),
        }
    }

    #[test]
    fn a_batch_is_resent_identically_until_acknowledged() {
        let mut s = SyncState::new();
        let outbox: Vec<Op> = (1..=3).map(op).collect();
        let first = s.next_batch(&outbox).unwrap();
        assert_eq!(first.seq, 1);
        assert_eq!(first.ops, 3);
        // More ops arrive, but the retry carries exactly the same batch.
        let more: Vec<Op> = (1..=5).map(op).collect();
        assert_eq!(s.next_batch(&more), Some(first.clone()));
        assert_eq!(s.acknowledged(7), 0, "not the batch in flight");
        assert_eq!(s.acknowledged(1), 3);
        let second = s.next_batch(&more[3..]).unwrap();
        assert_eq!((second.seq, second.ops), (2, 2));
        assert_eq!(decode_payload(&second.payload).unwrap(), more[3..].to_vec());
    }

    #[test]
    fn batches_are_capped_at_the_limit() {
        let mut s = SyncState::new();
        let outbox: Vec<Op> = (1..=(MAX_BATCH_OPS as u64 + 5)).map(op).collect();
        assert_eq!(s.next_batch(&outbox).unwrap().ops as usize, MAX_BATCH_OPS);
        assert_eq!(
            s.next_batch(&[]).unwrap().ops as usize,
            MAX_BATCH_OPS,
            "in flight survives"
        );
        assert!(SyncState::new().next_batch(&[]).is_none());
    }

    #[test]
    fn receive_applies_only_contiguous_batches_of_others() {
        let mut s = SyncState::new();
        let b = |device: &str, seq: u64| StoredBatch {
            device: device.into(),
            seq,
            ops: 1,
            payload: encode_payload(&[op(seq)]),
        };
        let ops = s
            .receive(
                "me",
                &[
                    b("me", 1),
                    b("a", 1),
                    b("a", 3),
                    b("b", 1),
                    b("b", 2),
                    b("a", 1),
                ],
            )
            .unwrap();
        assert_eq!(
            ops.len(),
            3,
            "a1, b1, b2; a3 waits for a2; a1 again is skipped"
        );
        assert_eq!(s.cursor.get("a"), Some(&1));
        assert_eq!(s.cursor.get("b"), Some(&2));
        assert!(!s.cursor.contains_key("me"));
        let bad = StoredBatch {
            device: "c".into(),
            seq: 1,
            ops: 1,
            payload: "not json".into(),
        };
        assert!(s.receive("me", &[bad]).is_err());
        assert!(
            !s.cursor.contains_key("c"),
            "a bad batch does not advance the cursor"
        );
    }
}
