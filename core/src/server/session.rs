//! Who is calling: the bearer token checked against the store.

use super::http::{Failure, Request};
use super::kv::Kv;
use super::store::{self, TokenRecord};
use crate::auth;
use crate::domain::Role;
use crate::sync::DeviceInfo;

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The caller's shop.
    pub shop_id: String,
    /// The caller's device, as stored (never revoked).
    pub device: DeviceInfo,
}

impl Session {
    /// Refuses (403) a caller who is not an owner; `action` says what they tried.
    pub fn require_owner(&self, action: &str) -> Result<(), Failure> {
        match self.device.role {
            Role::Owner => Ok(()),
            Role::Clerk => Err(Failure::new(
                403,
                "forbidden",
                format!("only the shop owner can {action}"),
            )),
        }
    }
}

/// Checks `Authorization: Bearer <token>`: 401 `unauthorized` when missing, malformed or
/// unknown, 401 `revoked` when the device was revoked. Two reads: the token's record, then
/// the device's (where the revoked flag lives, so a revoke takes effect at once).
pub async fn authenticate(req: &Request, kv: &impl Kv) -> Result<Session, Failure> {
    let token = bearer_token(req)?;
    let record: TokenRecord = store::load(kv, &store::token_key(&auth::hash_secret(&token)))
        .await?
        .ok_or_else(|| {
            unauthorized("this token is not known; join the shop again with an invite code")
        })?;
    let device: DeviceInfo =
        store::load(kv, &store::device_key(&record.shop_id, &record.device_id))
            .await?
            .ok_or_else(|| unauthorized("this token's device is not known"))?;
    if device.revoked {
        return Err(Failure::new(
            401,
            "revoked",
            "this device was removed from the shop by its owner",
        )
        .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    }
    Ok(Session {
        shop_id: record.shop_id,
        device,
    })
}

fn bearer_token(req: &Request) -> Result<String, Failure> {
    let header = req
        .authorization
        .as_deref()
        .ok_or_else(|| unauthorized("send the device token as Authorization: Bearer <token>"))?;
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || !auth::is_token_shaped(token) {
        return Err(unauthorized(
            "the Authorization header must be Bearer followed by a 64-character token",
        ));
    }
    Ok(token.to_ascii_lowercase())
}

fn unauthorized(message: &str) -> Failure {
    Failure::new(401, "unauthorized", message).with_header("WWW-Authenticate", "Bearer")
}
