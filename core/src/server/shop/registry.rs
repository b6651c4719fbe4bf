//! The shop's devices, tokens and invites.
//!
//! | row | value |
//! |---|---|
//! | `shop` | [`ShopMeta`] |
//! | `device/{device}` | [`DeviceRecord`]: the device, its token's hash, its stream's progress |
//! | `token/{sha256(token)}` | the device id |
//! | `invite/{sha256(code)}` | [`InviteRecord`], deleted when redeemed or found expired |

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::auth;
use crate::domain::Role;
use crate::server::calls::{Joined, NewDevice};
use crate::server::http::{Failure, Request, Response, json_body};
use crate::server::kv::Kv;
use crate::server::limits::{self, Action, Subject};
use crate::server::routes::is_plain_id;
use crate::server::table::{Table, load, save, scan};
use crate::server::{MAX_DEVICES, MAX_LIVE_INVITES, Random};
use crate::sync::{DeviceInfo, DeviceList, Invite, InviteRequest};

/// `shop`: the shop itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopMeta {
    /// Its id.
    pub shop_id: String,
    /// Its name.
    pub shop_name: String,
    /// When it was created, Unix ms.
    pub created_at: u64,
    /// Devices added so far (the next one's place in the joining order).
    pub devices_added: u64,
}

/// `device/{device}`: a device and its stream's progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// The device as listed.
    pub info: DeviceInfo,
    /// Its place in the joining order (1 for the owner who created the shop).
    pub order: u64,
    /// SHA-256 of its token.
    pub token_hash: String,
    /// Its stream holds every batch `1 ..= stored` in KV.
    pub stored: u64,
    /// Batches `1 ..= compacted` may be gone from KV (a snapshot covers them): a pull from
    /// below this answers `snapshot_required`.
    pub compacted: u64,
    /// Batches `1 ..= deleted` have been deleted from KV.
    pub deleted: u64,
}

/// `invite/{sha256(code)}`: an unredeemed invite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRecord {
    /// The role it grants.
    pub role: Role,
    /// Expiry, Unix ms.
    pub expires_at: u64,
    /// The inviting device.
    pub created_by: String,
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Session {
    /// The caller's device (never revoked).
    pub device: DeviceInfo,
    /// The caller's address.
    pub ip: String,
}

impl Session {
    /// Refuses (403) a caller who is not an owner; `action` says what they tried.
    pub(super) fn require_owner(&self, action: &str) -> Result<(), Failure> {
        match self.device.role {
            Role::Owner => Ok(()),
            Role::Clerk => Err(Failure::owner_only(action)),
        }
    }

    /// Who to count this request against.
    pub(super) fn subject(&self) -> Subject<'_> {
        Subject {
            ip: &self.ip,
            device: Some(&self.device.device_id),
        }
    }
}

const SHOP: &str = "shop";
const DEVICES: &str = "device/";

/// The row of `device`.
pub(super) fn device_row(device: &str) -> String {
    format!("{DEVICES}{device}")
}

fn token_row(token_hash: &str) -> String {
    format!("token/{token_hash}")
}

const INVITES: &str = "invite/";

fn invite_row(code_hash: &str) -> String {
    format!("{INVITES}{code_hash}")
}

/// The shop's record; 404 `shop_not_found` for a coordinator that holds no shop.
pub(super) fn shop_meta(table: &impl Table) -> Result<ShopMeta, Failure> {
    load(table, SHOP)?
        .ok_or_else(|| Failure::new(404, "shop_not_found", "this shop does not exist"))
}

/// Every device of the shop, in joining order.
pub(super) fn devices(table: &impl Table) -> Result<Vec<DeviceRecord>, Failure> {
    let mut devices: Vec<DeviceRecord> = scan(table, DEVICES, MAX_DEVICES + 1)?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    devices.sort_by_key(|d: &DeviceRecord| d.order);
    Ok(devices)
}

/// Creates the shop and its owner's device.
pub(super) fn create<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    shop_name: &str,
    owner: &NewDevice,
) -> Result<Response, Failure> {
    if ctx.table.get(SHOP)?.is_some() {
        return Err(Failure::new(409, "shop_exists", "this shop id is taken"));
    }
    let meta = ShopMeta {
        shop_id: ctx.shop_id.to_owned(),
        shop_name: shop_name.to_owned(),
        created_at: ctx.now_ms,
        devices_added: 0,
    };
    add_device(ctx, meta.clone(), owner, Role::Owner)?;
    Ok(Response::json(
        201,
        &Joined {
            shop_name: meta.shop_name,
            role: Role::Owner,
        },
    ))
}

/// Redeems an invite: checks it, deletes it and adds the device in one atomic step, so a code
/// admits exactly one device however many redeem it at once.
pub(super) fn redeem<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    code_hash: &str,
    device: &NewDevice,
) -> Result<Response, Failure> {
    let not_found = || {
        Failure::new(
            404,
            "invite_not_found",
            "this invite code is unknown or has already been used; ask the owner for a new one",
        )
    };
    let meta = shop_meta(ctx.table).map_err(|_| not_found())?;
    let row = invite_row(code_hash);
    let invite: InviteRecord = load(ctx.table, &row)?.ok_or_else(not_found)?;
    if ctx.now_ms >= invite.expires_at {
        ctx.table.delete(&row)?;
        return Err(Failure::new(
            410,
            "invite_expired",
            "this invite code has expired (codes last 24 hours); ask the owner for a new one",
        ));
    }
    if devices(ctx.table)?.len() >= MAX_DEVICES {
        return Err(Failure::new(
            409,
            "too_many_devices",
            format!("a shop has at most {MAX_DEVICES} devices"),
        ));
    }
    ctx.table.delete(&row)?;
    let shop_name = meta.shop_name.clone();
    add_device(ctx, meta, device, invite.role)?;
    Ok(Response::json(
        201,
        &Joined {
            shop_name,
            role: invite.role,
        },
    ))
}

/// Adds a device as the next in `meta`'s joining order.
fn add_device<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    mut meta: ShopMeta,
    device: &NewDevice,
    role: Role,
) -> Result<(), Failure> {
    if !is_plain_id(&device.device_id)
        || ctx.table.get(&device_row(&device.device_id))?.is_some()
        || ctx.table.get(&token_row(&device.token_hash))?.is_some()
    {
        return Err(Failure::new(
            500,
            "internal",
            "a new device's id or token is taken",
        ));
    }
    let record = DeviceRecord {
        info: DeviceInfo {
            device_id: device.device_id.clone(),
            display_name: device.display_name.clone(),
            role,
            revoked: false,
            joined_at: ctx.now_ms,
        },
        order: meta.devices_added + 1,
        token_hash: device.token_hash.clone(),
        stored: 0,
        compacted: 0,
        deleted: 0,
    };
    meta.devices_added += 1;
    save(ctx.table, SHOP, &meta)?;
    save(ctx.table, &device_row(&device.device_id), &record)?;
    save(ctx.table, &token_row(&device.token_hash), &device.device_id)
}

/// Checks `Authorization: Bearer <token>`: 401 `unauthorized` when missing, malformed, of
/// another shop or unknown, 401 `revoked` when the device was revoked (at once: the flag is
/// read here, by the shop's single coordinator).
pub(super) fn authenticate<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    req: &Request,
) -> Result<Session, Failure> {
    let token = bearer_token(req)?;
    if auth::token_shop(&token) != Some(ctx.shop_id) {
        return Err(unauthorized(
            "this token is not known; join the shop again with an invite code",
        ));
    }
    let device_id: String =
        load(ctx.table, &token_row(&auth::hash_secret(&token)))?.ok_or_else(|| {
            unauthorized("this token is not known; join the shop again with an invite code")
        })?;
    let record: DeviceRecord = load(ctx.table, &device_row(&device_id))?
        .ok_or_else(|| unauthorized("this token's device is not known"))?;
    if record.info.revoked {
        return Err(Failure::new(
            401,
            "revoked",
            "this device was removed from the shop by its owner",
        )
        .with_header("WWW-Authenticate", "Bearer error=\"invalid_token\""));
    }
    Ok(Session {
        device: record.info,
        ip: req.ip().to_owned(),
    })
}

/// The bearer token of `req`, lower case: 401 when missing or not shaped like a token.
pub fn bearer_token(req: &Request) -> Result<String, Failure> {
    let header = req
        .authorization
        .as_deref()
        .ok_or_else(|| unauthorized("send the device token as Authorization: Bearer <token>"))?;
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header, ""));
    let token = token.trim().to_ascii_lowercase();
    if !scheme.eq_ignore_ascii_case("bearer") || !auth::is_token_shaped(&token) {
        return Err(unauthorized(
            "the Authorization header must be Bearer followed by the device's token ({shop id}.{64 hex characters})",
        ));
    }
    Ok(token)
}

fn unauthorized(message: &str) -> Failure {
    Failure::new(401, "unauthorized", message).with_header("WWW-Authenticate", "Bearer")
}

/// `POST /v1/invites`: a one-time code for a new device (owner only), valid 24 hours; at most
/// [`MAX_LIVE_INVITES`] unredeemed codes at a time.
pub(super) fn invite<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    req: &Request,
    session: &Session,
    random: Random<'_>,
) -> Result<Response, Failure> {
    session.require_owner("invite devices")?;
    let body: InviteRequest = json_body(req)?;
    limits::admit(
        ctx.table,
        &ctx.config.limits,
        Action::Invite,
        session.subject(),
        ctx.now_ms,
    )?;
    let mut live = 0;
    for (row, invite) in scan::<InviteRecord>(ctx.table, INVITES, usize::MAX)? {
        if invite.expires_at <= ctx.now_ms {
            ctx.table.delete(&row)?;
        } else {
            live += 1;
        }
    }
    if live >= MAX_LIVE_INVITES {
        return Err(Failure::new(
            409,
            "too_many_invites",
            format!(
                "this shop already has {MAX_LIVE_INVITES} unused invite codes; use them or wait until they expire"
            ),
        ));
    }
    let mut bytes = [0u8; 8];
    random(&mut bytes);
    let code = auth::invite_code_from_random(bytes);
    let expires_at = ctx.now_ms + auth::INVITE_TTL_MS;
    let record = InviteRecord {
        role: body.role,
        expires_at,
        created_by: session.device.device_id.clone(),
    };
    save(ctx.table, &invite_row(&auth::hash_secret(&code)), &record)?;
    Ok(Response::json(
        201,
        &Invite {
            code,
            expires_at,
            role: body.role,
        },
    ))
}

/// `GET /v1/devices`: every device of the shop, revoked ones included, in joining order.
pub(super) fn list<T: Table, K: Kv>(ctx: &Ctx<'_, T, K>) -> Result<Response, Failure> {
    let devices = devices(ctx.table)?.into_iter().map(|d| d.info).collect();
    Ok(Response::json(200, &DeviceList { devices }))
}

/// `POST /v1/devices/{id}/revoke`: refuses the device's token from now on (owner only, not
/// the caller's own device). Revoking a revoked device again changes nothing.
pub(super) fn revoke<T: Table, K: Kv>(
    ctx: &Ctx<'_, T, K>,
    session: &Session,
    device_id: &str,
) -> Result<Response, Failure> {
    session.require_owner("remove devices")?;
    if device_id == session.device.device_id {
        return Err(Failure::bad_request(
            "cannot_revoke_self",
            "a device cannot remove itself; use another owner device",
        ));
    }
    let not_found = || {
        let shown: String = device_id.chars().take(80).collect();
        Failure::new(
            404,
            "device_not_found",
            format!("this shop has no device {shown:?}"),
        )
    };
    if !is_plain_id(device_id) {
        return Err(not_found());
    }
    let row = device_row(device_id);
    let mut record: DeviceRecord = load(ctx.table, &row)?.ok_or_else(not_found)?;
    if !record.info.revoked {
        record.info.revoked = true;
        save(ctx.table, &row, &record)?;
    }
    Ok(Response::json(200, &record.info))
}
