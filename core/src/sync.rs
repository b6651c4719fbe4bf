//! The sync protocol between a device and the worker (docs/sync.md), and the device side's pure
//! state machine.
//!
//! Each device appends to its own stream on the server: batch `seq` = 1, 2, 3, … of that
//! device, stored under a key no other writer uses. A batch, once stored, never changes: a
//! retried push of the same batch is acknowledged again, a different batch at a stored `seq`
//! is refused (409). A device's sync position is a [`Cursor`]: the last `seq` it applied from
//! every other device, so no wall clock orders anything.
//!
//! The batch payload is opaque to the server (compressed binary ops, see
//! [`crate::codec::ops`]; end-to-end encryption can replace it without changing the server).
//! The device side of the protocol is [`crate::client`].

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
