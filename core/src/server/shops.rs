//! Shops and their devices: create a shop, invite, join, list, revoke.

use super::http::{Failure, Request, Response, json_body};
use super::kv::Kv;
use super::session::Session;
use super::store::{self, InviteRecord, ShopIndex, TokenRecord};
use super::{MAX_DEVICES, MAX_NAME_CHARS, Random};
use crate::auth;
use crate::domain::Role;
use crate::id::Id;
use crate::sync::{
    CreateShopRequest, DeviceCredentials, DeviceInfo, DeviceList, Invite, InviteRequest,
    JoinRequest,
};

/// `POST /v1/shops`: a new shop with its owner's device.
pub async fn create_shop(
    req: &Request,
    kv: &impl Kv,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let body: CreateShopRequest = json_body(req)?;
    let shop_name = name("shop_name", &body.shop_name)?;
    let owner_name = name("owner_name", &body.owner_name)?;
    let shop_id = new_id(now_ms, random);
    let index = ShopIndex {
        shop_name,
        created_at: now_ms,
        devices: Vec::new(),
    };
    let credentials =
        add_device(kv, &shop_id, index, owner_name, Role::Owner, now_ms, random).await?;
    Ok(Response::json(201, &credentials))
}

/// `POST /v1/invites`: a one-time code for a new device (owner only).
pub async fn create_invite(
    req: &Request,
    kv: &impl Kv,
    session: &Session,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    session.require_owner("invite devices")?;
    let body: InviteRequest = json_body(req)?;
    let code = auth::invite_code_from_random(random_bytes(random));
    let expires_at = now_ms + auth::INVITE_TTL_MS;
    let record = InviteRecord {
        shop_id: session.shop_id.clone(),
        role: body.role,
        expires_at,
        created_by: session.device.device_id.clone(),
    };
    store::save(
        kv,
        &store::invite_key(&auth::hash_secret(&code)),
        &record,
        Some(expires_at.div_ceil(1000)),
    )
    .await?;
    Ok(Response::json(
        201,
        &Invite {
            code,
            expires_at,
            role: body.role,
        },
    ))
}

/// `POST /v1/join`: redeems an invite code for a new device's credentials. Everything is
/// checked before anything is written; the code is deleted before the device is created, so it
/// cannot be used twice from one location.
pub async fn join(
    req: &Request,
    kv: &impl Kv,
    now_ms: u64,
    random: Random<'_>,
) -> Result<Response, Failure> {
    let body: JoinRequest = json_body(req)?;
    let code = auth::parse_invite_code(&body.code)
        .map_err(|e| Failure::bad_request("invalid_code", e.to_string()))?;
    let display_name = name("display_name", &body.display_name)?;
    let key = store::invite_key(&auth::hash_secret(&code));
    let not_found = || {
        Failure::new(
            404,
            "invite_not_found",
            "this invite code is unknown or has already been used; ask the owner for a new one",
        )
    };
    let invite: InviteRecord = store::load(kv, &key).await?.ok_or_else(not_found)?;
    if now_ms >= invite.expires_at {
        return Err(Failure::new(
            410,
            "invite_expired",
            "this invite code has expired (codes last 24 hours); ask the owner for a new one",
        ));
    }
    let index: ShopIndex = store::load(kv, &store::index_key(&invite.shop_id))
        .await?
        .ok_or_else(not_found)?;
    if index.devices.len() >= MAX_DEVICES {
        return Err(Failure::new(
            409,
            "too_many_devices",
            format!("a shop has at most {MAX_DEVICES} devices"),
        ));
    }
    kv.delete(&key).await?;
    let credentials = add_device(
        kv,
        &invite.shop_id,
        index,
        display_name,
        invite.role,
        now_ms,
        random,
    )
    .await?;
    Ok(Response::json(201, &credentials))
}

/// `GET /v1/devices`: the shop's devices, oldest first.
pub async fn list_devices(kv: &impl Kv, session: &Session) -> Result<Response, Failure> {
    let index = listed_index(kv, session).await?;
    let mut devices = Vec::with_capacity(index.devices.len());
    for id in &index.devices {
        // A device written at another location may not be visible here yet: skip it.
        if let Some(info) =
            store::load::<DeviceInfo>(kv, &store::device_key(&session.shop_id, id)).await?
        {
            devices.push(info);
        }
    }
    Ok(Response::json(200, &DeviceList { devices }))
}

/// `POST /v1/devices/{id}/revoke`: refuses the device's token from now on (owner only, not
/// the caller's own device). Revoking a revoked device again changes nothing.
pub async fn revoke(kv: &impl Kv, session: &Session, device_id: &str) -> Result<Response, Failure> {
    session.require_owner("remove devices")?;
    if device_id == session.device.device_id {
        return Err(Failure::bad_request(
            "cannot_revoke_self",
            "a device cannot remove itself; use another owner device",
        ));
    }
    let key = store::device_key(&session.shop_id, device_id);
    let mut info: DeviceInfo = store::load(kv, &key).await?.ok_or_else(|| {
        Failure::new(
            404,
            "device_not_found",
            format!("this shop has no device {device_id:?}"),
        )
    })?;
    if !info.revoked {
        info.revoked = true;
        store::save(kv, &key, &info, None).await?;
    }
    Ok(Response::json(200, &info))
}

/// The caller's shop index, first adding the caller if a concurrent join's write lost it
/// (KV has no compare-and-set: the last of two simultaneous index writes wins). Each device
/// thus puts itself back on its next pull.
pub async fn listed_index(kv: &impl Kv, session: &Session) -> Result<ShopIndex, Failure> {
    let key = store::index_key(&session.shop_id);
    let mut index: ShopIndex = store::load(kv, &key).await?.ok_or_else(|| {
        Failure::new(
            503,
            "not_ready",
            "this shop is not visible at this location yet; try again in a minute",
        )
    })?;
    if !index.devices.contains(&session.device.device_id) {
        index.devices.push(session.device.device_id.clone());
        store::save(kv, &key, &index, None).await?;
    }
    Ok(index)
}

/// Creates a device in `shop_id` and appends it to `index`: its record, its token's record,
/// then the index. Until the credentials are returned nobody knows the token, so a failure
/// part way leaves nothing usable behind.
async fn add_device(
    kv: &impl Kv,
    shop_id: &str,
    mut index: ShopIndex,
    display_name: String,
    role: Role,
    now_ms: u64,
    random: Random<'_>,
) -> Result<DeviceCredentials, Failure> {
    let device_id = new_id(now_ms, random);
    let token = auth::token_from_random(random_bytes(random));
    let info = DeviceInfo {
        device_id: device_id.clone(),
        display_name,
        role,
        revoked: false,
        joined_at: now_ms,
    };
    store::save(kv, &store::device_key(shop_id, &device_id), &info, None).await?;
    let record = TokenRecord {
        shop_id: shop_id.to_owned(),
        device_id: device_id.clone(),
    };
    store::save(
        kv,
        &store::token_key(&auth::hash_secret(&token)),
        &record,
        None,
    )
    .await?;
    index.devices.push(device_id.clone());
    store::save(kv, &store::index_key(shop_id), &index, None).await?;
    Ok(DeviceCredentials {
        shop_id: shop_id.to_owned(),
        shop_name: index.shop_name,
        device_id,
        token,
        role,
    })
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
