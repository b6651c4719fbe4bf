//! What the server stores, and under which keys (see the layout in [`super`]).
//!
//! Devices are stored as [`crate::sync::DeviceInfo`].

use super::http::Failure;
use super::kv::Kv;
use crate::domain::Role;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// `token/{sha256(token)}`: which device a token belongs to. Written once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The shop.
    pub shop_id: String,
    /// The device.
    pub device_id: String,
}

/// `shop/{shop}/index`: the shop's name and its device ids in joining order. Written at
/// create and join, and by a device that finds itself missing (a lost concurrent update).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopIndex {
    /// The shop's name.
    pub shop_name: String,
    /// When the shop was created, Unix ms.
    pub created_at: u64,
    /// Device ids, oldest first.
    pub devices: Vec<String>,
}

/// `invite/{sha256(code)}`: an unredeemed invite. Deleted when redeemed; expires in KV too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRecord {
    /// The shop it joins.
    pub shop_id: String,
    /// The role it grants.
    pub role: Role,
    /// Expiry, Unix ms.
    pub expires_at: u64,
    /// The inviting device.
    pub created_by: String,
}

/// Key of a token's record.
pub fn token_key(token_hash: &str) -> String {
    format!("token/{token_hash}")
}

/// Key of a device's [`crate::sync::DeviceInfo`]: the one place its role and revoked flag live. Written at
/// create/join and at revoke.
pub fn device_key(shop: &str, device: &str) -> String {
    format!("shop/{shop}/device/{device}")
}

/// Key of a shop's index.
pub fn index_key(shop: &str) -> String {
    format!("shop/{shop}/index")
}

/// Key of an invite.
pub fn invite_key(code_hash: &str) -> String {
    format!("invite/{code_hash}")
}

/// Key of batch `seq` of `device`'s stream.
pub fn log_key(shop: &str, device: &str, seq: u64) -> String {
    format!("shop/{shop}/log/{device}/{seq}")
}

/// Reads and decodes a stored record. A record that does not decode is the server's fault
/// (it wrote it), hence 500.
pub async fn load<T: DeserializeOwned>(kv: &impl Kv, key: &str) -> Result<Option<T>, Failure> {
    match kv.get(key).await? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            Failure::new(
                500,
                "internal",
                format!("stored record {key} is unreadable: {e}"),
            )
        }),
    }
}

/// Encodes and stores a record.
pub async fn save<T: Serialize>(
    kv: &impl Kv,
    key: &str,
    value: &T,
    expires_at_s: Option<u64>,
) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::new(500, "internal", format!("could not encode {key}: {e}")))?;
    kv.put(key, &text, expires_at_s).await?;
    Ok(())
}
