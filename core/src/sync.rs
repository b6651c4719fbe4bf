//! The sync protocol between a device and the worker (SPEC §5), and the device side's pure
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
    /// The code, `XXXX-XXXX`.
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

/// Every error answer's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable machine-readable code, e.g. `invalid_body`, `conflict`.
    pub error: String,
    /// What was wrong, for a person.
    pub message: String,
}
