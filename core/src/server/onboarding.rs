//! The edge's part of creating shops, joining them and inviting: the steps that span the
//! directory and a shop's coordinator, and the credentials handed out.

use super::calls::{DirectoryCall, DirectoryOp, InviteShop, Joined, NewDevice, ShopCall, ShopOp};
use super::config::Config;
use super::coordinator::Coordinator;
use super::http::{Failure, Request, Response, json_body};
use super::{MAX_NAME_CHARS, Random};
use crate::auth;
use crate::id::Id;
use crate::sync::{CreateShopRequest, DeviceCredentials, Invite, JoinRequest};
use sha2::{Digest, Sha256};

/// `POST /v1/shops`: a new shop with its owner's device. On a closed deployment the caller
/// must send the sign-up secret; the directory limits how many shops one address creates.
pub(super) async fn create_shop(
    req: &Request,
    coordinator: &impl Coordinator,
    config: &Config,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    check_signup(req, config)?;
    let body: CreateShopRequest = json_body(req)?;
    let shop_name = name("shop_name", &body.shop_name)?;
    let owner_name = name("owner_name", &body.owner_name)?;
    let admitted = coordinator
        .directory(&DirectoryCall {
            now_ms,
            op: DirectoryOp::Signup {
                ip: req.ip().to_owned(),
            },
        })
        .await?;
    if !admitted.is_success() {
        return Ok(admitted);
    }
    let shop_id = new_id(now_ms, random);
    let (owner, token) = new_device(&shop_id, owner_name, now_ms, random);
    let op = ShopOp::Create {
        shop_id: shop_id.clone(),
        shop_name,
        owner: owner.clone(),
    };
    let answer = coordinator
        .shop(&shop_id, &ShopCall { now_ms, op }, &[])
        .await?;
    credentials(answer, &shop_id, owner, token)
}

/// `POST /v1/join`: redeems an invite code for a new device's credentials. The directory
/// says which shop the code belongs to (and limits attempts); the shop's coordinator redeems
/// it, once.
pub(super) async fn join(
    req: &Request,
    coordinator: &impl Coordinator,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let body: JoinRequest = json_body(req)?;
    let code = auth::parse_invite_code(&body.code)
        .map_err(|e| Failure::bad_request("invalid_code", e.to_string()))?;
    let display_name = name("display_name", &body.display_name)?;
    let code_hash = auth::hash_secret(&code);
    let found = coordinator
        .directory(&DirectoryCall {
            now_ms,
            op: DirectoryOp::Lookup {
                code_hash: code_hash.clone(),
                ip: req.ip().to_owned(),
            },
        })
        .await?;
    if !found.is_success() {
        return Ok(found);
    }
    let InviteShop { shop_id } = found
        .parse()
        .map_err(|e| Failure::new(500, "internal", format!("bad directory answer: {e}")))?;
    let (device, token) = new_device(&shop_id, display_name, now_ms, random);
    let op = ShopOp::Redeem {
        code_hash,
        device: device.clone(),
    };
    let answer = coordinator
        .shop(&shop_id, &ShopCall { now_ms, op }, &[])
        .await?;
    credentials(answer, &shop_id, device, token)
}

/// After a shop's coordinator made an invite, records in the directory which shop its code
/// belongs to. If that fails the code is never shown (503), so no one holds a code that
/// cannot be found.
pub(super) async fn register_invite(
    answer: Response,
    shop_id: &str,
    coordinator: &impl Coordinator,
    now_ms: u64,
) -> Result<Response, Failure> {
    if answer.status != 201 {
        return Ok(answer);
    }
    let invite: Invite = answer
        .parse()
        .map_err(|e| Failure::new(500, "internal", format!("bad invite answer: {e}")))?;
    let pointed = coordinator
        .directory(&DirectoryCall {
            now_ms,
            op: DirectoryOp::Point {
                code_hash: auth::hash_secret(&invite.code),
                shop_id: shop_id.to_owned(),
                expires_at: invite.expires_at,
            },
        })
        .await?;
    if pointed.is_success() {
        Ok(answer)
    } else {
        Ok(pointed)
    }
}

/// On a closed deployment, 403 `signup_closed` unless the request carries the secret.
fn check_signup(req: &Request, config: &Config) -> Result<(), Failure> {
    if config.open_signup {
        return Ok(());
    }
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    // Comparing digests takes the same time wherever the texts differ.
    let granted = match (&config.signup_secret, &req.signup_secret) {
        (Some(secret), Some(given)) => digest(secret) == digest(given),
        _ => false,
    };
    if granted {
        Ok(())
    } else {
        Err(Failure::new(
            403,
            "signup_closed",
            "creating a shop on this server needs its sign-up secret (header X-Huike-Signup-Secret)",
        ))
    }
}

/// The credentials for a device the coordinator accepted, or its refusal as it is.
fn credentials(
    answer: Response,
    shop_id: &str,
    device: NewDevice,
    token: String,
) -> Result<Response, Failure> {
    if answer.status != 201 {
        return Ok(answer);
    }
    let joined: Joined = answer
        .parse()
        .map_err(|e| Failure::new(500, "internal", format!("bad coordinator answer: {e}")))?;
    Ok(Response::json(
        201,
        &DeviceCredentials {
            shop_id: shop_id.to_owned(),
            shop_name: joined.shop_name,
            device_id: device.device_id,
            token,
            role: joined.role,
        },
    ))
}

/// A new device of `shop_id`: its id and token (only the token's hash leaves the edge).
fn new_device(
    shop_id: &str,
    display_name: String,
    now_ms: u64,
    random: Random<'_>,
) -> (NewDevice, String) {
    let device_id = new_id(now_ms, random);
    let token = auth::token_from_random(shop_id, random_bytes(random));
    let device = NewDevice {
        device_id,
        display_name,
        token_hash: auth::hash_secret(&token),
    };
    (device, token)
}

/// A display name: trimmed, not empty, at most [`MAX_NAME_CHARS`] characters. Any text is
/// kept as it is (it is shown as plain text).
fn name(field: &str, value: &str) -> Result<String, Failure> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Failure::bad_request(
            "invalid_field",
            format!("{field} must not be empty"),
        ));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Failure::bad_request(
            "invalid_field",
            format!("{field} has {chars} characters, the limit is {MAX_NAME_CHARS}"),
        ));
    }
    Ok(trimmed.to_owned())
}

fn new_id(now_ms: u64, random: Random<'_>) -> String {
    Id::v7(now_ms, random_bytes(random)).to_string()
}

fn random_bytes<const N: usize>(random: Random<'_>) -> [u8; N] {
    let mut bytes = [0u8; N];
    random(&mut bytes);
    bytes
}
