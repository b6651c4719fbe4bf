//! The messages the edge sends the coordinators ([`ShopCall`], [`DirectoryCall`]) and their
//! answers' types, and the wire framing of messages and answers (a JSON head, then raw bytes).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::http::{Failure, Request, Response};

/// A device about to be added, made at the edge (which holds the randomness and hands out the
/// token; the coordinator sees only its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDevice {
    /// Its id.
    pub device_id: String,
    /// Its user's display name (already checked).
    pub display_name: String,
    /// SHA-256 of its token.
    pub token_hash: String,
}

/// What a shop's coordinator is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopOp {
    /// Create the shop with its owner's device (answers 201 [`Joined`]).
    Create {
        /// The shop's id (the coordinator's name).
        shop_id: String,
        /// Its name (already checked).
        shop_name: String,
        /// The owner's device.
        owner: NewDevice,
    },
    /// Redeem invite `code_hash` for a new device (answers 201 [`Joined`]).
    Redeem {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The joining device.
        device: NewDevice,
    },
    /// A device's request, authenticated and answered by the coordinator. Its body travels
    /// beside the call.
    Device {
        /// The request.
        request: Request,
    },
}

/// A call to a shop's coordinator, stamped with the edge's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopCall {
    /// Unix ms at the edge.
    pub now_ms: u64,
    /// What to do.
    pub op: ShopOp,
}

/// The answer to [`ShopOp::Create`] and [`ShopOp::Redeem`]: the edge adds the ids and token it
/// made to form the device's credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    /// The shop's name.
    pub shop_name: String,
    /// The role the device got.
    pub role: crate::domain::Role,
}

/// What the directory is asked to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryOp {
    /// Admit the creation of a shop from `ip` (204, or 429).
    Signup {
        /// The caller's address.
        ip: String,
    },
    /// Which shop invite `code_hash` belongs to (200 [`InviteShop`], 404, or 429).
    Lookup {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The caller's address.
        ip: String,
    },
    /// Record that invite `code_hash` belongs to `shop_id` (204).
    Point {
        /// SHA-256 of the canonical code.
        code_hash: String,
        /// The inviting shop.
        shop_id: String,
        /// When the invite expires, Unix ms.
        expires_at: u64,
    },
}

/// A call to the directory, stamped with the edge's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCall {
    /// Unix ms at the edge.
    pub now_ms: u64,
    /// What to do.
    pub op: DirectoryOp,
}

/// The answer to [`DirectoryOp::Lookup`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteShop {
    /// The shop the code joins.
    pub shop_id: String,
}

/// Frames a message for the wire: its JSON head, a newline, then raw bytes (a request's or
/// answer's body). JSON text never holds a raw newline, so the first one ends the head.
pub fn encode_message(head: &impl Serialize, body: &[u8]) -> Vec<u8> {
    let mut out = serde_json::to_vec(head).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

/// Reads a message framed by [`encode_message`]: the head and the bytes after it.
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, &[u8]), Failure> {
    let broken =
        |why: String| Failure::new(500, "internal", format!("bad internal message: {why}"));
    let split = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| broken("no head".into()))?;
    let head = serde_json::from_slice(&bytes[..split]).map_err(|e| broken(e.to_string()))?;
    Ok((head, &bytes[split + 1..]))
}

/// A response on the wire: [`encode_message`] of its head and body.
pub fn encode_response(response: &Response) -> Vec<u8> {
    encode_message(response, &response.body)
}

/// Reads a response framed by [`encode_response`].
pub fn decode_response(bytes: &[u8]) -> Result<Response, Failure> {
    let (mut response, body): (Response, &[u8]) = decode_message(bytes)?;
    response.body = body.to_vec();
    Ok(response)
}
