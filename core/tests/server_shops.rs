//! Shops and devices through the server: create, invite, join, list, revoke, isolation.

mod server_support;

use huike_core::auth;
use huike_core::domain::Role;
use huike_core::server::shop::{DeviceRecord, InviteRecord};
use huike_core::server::{MAX_LIVE_INVITES, Request, Table};
use huike_core::sync::{DeviceInfo, DeviceList, Invite};
use server_support::{Server, assert_error};

/// Every row of every coordinator (shops and directory), for looking for secrets.
fn all_rows(s: &Server, shops: &[&str]) -> Vec<(String, String)> {
    let mut rows = s.coord.directory_table().rows();
    for shop in shops {
        rows.extend(s.shop_table(shop).rows());
    }
    rows
}

#[test]
fn creating_a_shop_returns_owner_credentials_and_stores_only_the_token_hash() {
    let s = Server::new();
    let owner = s.create_shop("  小熊母婴  ");
    assert_eq!(owner.shop_name, "小熊母婴", "names are trimmed");
    assert_eq!(owner.role, Role::Owner);
    assert!(auth::is_token_shaped(&owner.token));
    assert_eq!(auth::token_shop(&owner.token), Some(owner.shop_id.as_str()));
    assert_ne!(owner.shop_id, owner.device_id);
    let secret = &owner.token[owner.token.len() - 64..];
    for (key, value) in all_rows(&s, &[&owner.shop_id]) {
        assert!(
            !key.contains(secret) && !value.contains(secret),
            "token in clear at {key}"
        );
    }
    let table = s.shop_table(&owner.shop_id);
    let device_id = table
        .get(&format!("token/{}", auth::hash_secret(&owner.token)))
        .unwrap()
        .expect("the token's hash is stored");
    assert!(device_id.contains(&owner.device_id));
    assert!(
        s.kv.keys().is_empty(),
        "creating a shop writes nothing to KV"
    );
    let other = s.create_shop("小熊母婴");
    assert_ne!(other.shop_id, owner.shop_id);
    assert_ne!(other.token, owner.token);
}

#[test]
fn create_shop_names_the_problem_with_bad_bodies() {
    let s = Server::new();
    let post = |body: &str| Request {
        body: body.as_bytes().to_vec(),
        content_type: Some("application/json".into()),
        ..Request::empty("POST", "/v1/shops", None)
    };
    let e = assert_error(&s.call(&post(r#"{"shop_name":"A"}"#)), 400, "invalid_json");
    assert!(e.message.contains("owner_name"), "{}", e.message);
    let e = assert_error(
        &s.call(&post(r#"{"shop_name":1,"owner_name":"B"}"#)),
        400,
        "invalid_json",
    );
    assert!(e.message.contains("invalid type"), "{}", e.message);
    assert_error(&s.call(&post(r#"{"shop_name":"A","#)), 400, "invalid_json");
    assert_error(&s.call(&post("")), 400, "invalid_json");
    let e = assert_error(
        &s.call(&post(r#"{"shop_name":"  ","owner_name":"B"}"#)),
        400,
        "invalid_field",
    );
    assert!(e.message.contains("shop_name"));
    let long = "店".repeat(101);
    let e = assert_error(
        &s.call(&post(&format!(
            r#"{{"shop_name":"A","owner_name":"{long}"}}"#
        ))),
        400,
        "invalid_field",
    );
    assert!(e.message.contains("owner_name") && e.message.contains("101"));
    let mut form = post("shop_name=A&owner_name=B");
    form.content_type = Some("application/x-www-form-urlencoded".into());
    assert_error(&s.call(&form), 415, "unsupported_media_type");
    form.content_type = None;
    assert_error(&s.call(&form), 415, "unsupported_media_type");
    let mut charset = post(r#"{"shop_name":"A","owner_name":"B"}"#);
    charset.content_type = Some("Application/JSON; charset=utf-8".into());
    assert_eq!(s.call(&charset).status, 201);
    assert_eq!(
        s.coord.directory_table().rows().len(),
        1,
        "only the good request reached the directory (one rate-limit counter)"
    );
    assert!(s.kv.keys().is_empty());
}

#[test]
fn hostile_text_is_kept_as_plain_text() {
    let s = Server::new();
    let name = "<script>alert(1)</script> 🎉\u{7}";
    let owner = s.create_shop(name);
    assert_eq!(owner.shop_name, name.trim());
}

#[test]
fn only_owners_invite_and_invites_expire_in_kv_too() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let invite = s.invite(&owner.token, Role::Clerk);
    assert_eq!(invite.role, Role::Clerk);
    assert_eq!(invite.expires_at, s.now_ms + auth::INVITE_TTL_MS);
    assert_eq!(
        auth::parse_invite_code(&invite.code),
        Ok(invite.code.clone())
    );
    let code_hash = auth::hash_secret(&invite.code);
    let record: InviteRecord = serde_json::from_str(
        &s.shop_table(&owner.shop_id)
            .get(&format!("invite/{code_hash}"))
            .unwrap()
            .expect("stored under the code's hash"),
    )
    .unwrap();
    assert_eq!(record.expires_at, invite.expires_at);
    assert!(
        s.coord
            .directory_table()
            .get(&format!("ptr/{code_hash}"))
            .unwrap()
            .is_some_and(|p| p.contains(&owner.shop_id)),
        "the directory knows the code's shop"
    );
    for (key, value) in all_rows(&s, &[&owner.shop_id]) {
        let plain = invite.code.replace('-', "");
        assert!(!key.contains(&plain) && !value.contains(&plain), "{key}");
    }

    let clerk = s.add_device(&owner.token, Role::Clerk, "小王");
    let r = s.call(&Request::json(
        "POST",
        "/v1/invites",
        Some(&clerk.token),
        &serde_json::json!({"role": "clerk"}),
    ));
    assert_error(&r, 403, "forbidden");
    let r = s.call(&Request::json(
        "POST",
        "/v1/invites",
        None,
        &serde_json::json!({"role": "clerk"}),
    ));
    assert_error(&r, 401, "unauthorized");
    let r = s.call(&Request::json(
        "POST",
        "/v1/invites",
        Some(&owner.token),
        &serde_json::json!({"role": "boss"}),
    ));
    let e = assert_error(&r, 400, "invalid_json");
    assert!(e.message.contains("boss"), "{}", e.message);
}

#[test]
fn joining_gives_the_invited_role_and_the_code_works_once() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let invite = s.invite(&owner.token, Role::Owner);
    let sloppy = invite.code.to_lowercase().replace('-', " ");
    let r = s.join_raw(&sloppy, "老板娘");
    assert_eq!(r.status, 201, "{}", r.text());
    let joined: huike_core::sync::DeviceCredentials = r.parse().unwrap();
    assert_eq!(
        (
            joined.shop_id.as_str(),
            joined.shop_name.as_str(),
            joined.role
        ),
        (owner.shop_id.as_str(), "A", Role::Owner)
    );
    assert_ne!(joined.device_id, owner.device_id);
    assert_error(&s.join_raw(&invite.code, "again"), 404, "invite_not_found");
    assert_error(&s.join_raw("ZZZZ-ZZZZ-ZZZZ", "x"), 404, "invite_not_found");
    let e = assert_error(&s.join_raw("ABCD-EFGH-JKM!", "x"), 400, "invalid_code");
    assert!(e.message.contains('!'));
    assert_error(&s.join_raw("ABC", "x"), 400, "invalid_code");
    let fresh = s.invite(&owner.token, Role::Clerk);
    assert_error(&s.join_raw(&fresh.code, " "), 400, "invalid_field");
    assert_eq!(
        s.join_raw(&fresh.code, "小李").status,
        201,
        "a refused join does not use up the code"
    );
}

#[test]
fn an_expired_code_is_refused_and_one_just_before_expiry_works() {
    let mut s = Server::new();
    let owner = s.create_shop("A");
    let late: Invite = s.invite(&owner.token, Role::Clerk);
    let in_time: Invite = s.invite(&owner.token, Role::Clerk);
    s.now_ms = late.expires_at - 1;
    assert_eq!(s.join_raw(&in_time.code, "on time").status, 201);
    s.now_ms = late.expires_at;
    assert_error(&s.join_raw(&late.code, "late"), 410, "invite_expired");
}

#[test]
fn a_shop_holds_at_most_max_devices() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let table = s.shop_table(&owner.shop_id);
    let template: DeviceRecord = serde_json::from_str(
        &table
            .get(&format!("device/{}", owner.device_id))
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    for i in 1..huike_core::server::MAX_DEVICES {
        let mut record = template.clone();
        record.info.device_id = format!("d{i:03}");
        record.order = 1 + i as u64;
        table
            .put(
                &format!("device/d{i:03}"),
                &serde_json::to_string(&record).unwrap(),
            )
            .unwrap();
    }
    let invite = s.invite(&owner.token, Role::Clerk);
    assert_error(
        &s.join_raw(&invite.code, "one too many"),
        409,
        "too_many_devices",
    );
    assert!(
        table
            .get(&format!("invite/{}", auth::hash_secret(&invite.code)))
            .unwrap()
            .is_some(),
        "a refused join keeps the code"
    );
}

#[test]
fn a_shop_holds_a_bounded_number_of_unused_codes() {
    let mut s = Server::new();
    let owner = s.create_shop("A");
    let mut invites = Vec::new();
    for _ in 0..MAX_LIVE_INVITES {
        invites.push(s.invite(&owner.token, Role::Clerk));
    }
    let more = Request::json(
        "POST",
        "/v1/invites",
        Some(&owner.token),
        &serde_json::json!({"role": "clerk"}),
    );
    assert_error(&s.call(&more), 409, "too_many_invites");
    assert_eq!(s.join_raw(&invites[0].code, "x").status, 201);
    assert_eq!(s.call(&more).status, 201, "a used code frees a place");
    s.now_ms = invites[1].expires_at;
    assert_eq!(s.call(&more).status, 201, "so do expired ones");
}

#[test]
fn devices_are_listed_in_joining_order() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "小王");
    let r = s.call(&Request::empty("GET", "/v1/devices", Some(&clerk.token)));
    assert_eq!(r.status, 200, "{}", r.text());
    let list: DeviceList = r.parse().unwrap();
    let names: Vec<(&str, Role, bool)> = list
        .devices
        .iter()
        .map(|d| (d.display_name.as_str(), d.role, d.revoked))
        .collect();
    assert_eq!(
        names,
        [("店主", Role::Owner, false), ("小王", Role::Clerk, false)]
    );
    assert_eq!(list.devices[1].device_id, clerk.device_id);
    assert_eq!(list.devices[1].joined_at, s.now_ms);
}

#[test]
fn a_revoked_device_is_refused_at_once_everywhere() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "小王");
    assert_eq!(s.push(&clerk.token, 1, "before").status, 201);
    let path = format!("/v1/devices/{}/revoke", clerk.device_id);
    assert_error(
        &s.call(&Request::empty("POST", &path, Some(&clerk.token))),
        403,
        "forbidden",
    );
    let r = s.call(&Request::empty("POST", &path, Some(&owner.token)));
    assert_eq!(r.status, 200, "{}", r.text());
    let info: DeviceInfo = r.parse().unwrap();
    assert!(info.revoked);
    let table = s.shop_table(&owner.shop_id);
    let writes = table.writes();
    assert_eq!(
        s.call(&Request::empty("POST", &path, Some(&owner.token)))
            .status,
        200,
        "revoking again is fine"
    );
    assert_eq!(table.writes(), writes, "and writes nothing");

    assert_error(&s.push(&clerk.token, 2, "after"), 401, "revoked");
    assert_error(
        &s.call(&Request::empty("GET", "/v1/devices", Some(&clerk.token))),
        401,
        "revoked",
    );
    assert_error(
        &s.call(&Request::json(
            "POST",
            "/v1/pull",
            Some(&clerk.token),
            &serde_json::json!({}),
        )),
        401,
        "revoked",
    );
    let pulled = s.pull(&owner.token, &[]);
    assert_eq!(pulled.batches.len(), 1, "what it pushed before stays");
    let list: DeviceList = s
        .call(&Request::empty("GET", "/v1/devices", Some(&owner.token)))
        .parse()
        .unwrap();
    assert!(
        list.devices
            .iter()
            .any(|d| d.device_id == clerk.device_id && d.revoked)
    );
}

#[test]
fn revoke_refuses_self_unknown_devices_and_other_shops_devices() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let other = s.create_shop("B");
    let revoke = |id: &str| {
        Request::empty(
            "POST",
            &format!("/v1/devices/{id}/revoke"),
            Some(&owner.token),
        )
    };
    assert_error(
        &s.call(&revoke(&owner.device_id)),
        400,
        "cannot_revoke_self",
    );
    assert_error(&s.call(&revoke("no-such-device")), 404, "device_not_found");
    assert_error(&s.call(&revoke(&other.device_id)), 404, "device_not_found");
    assert_eq!(
        s.pull(&other.token, &[]).batches.len(),
        0,
        "B's owner still works"
    );
}

#[test]
fn shops_are_isolated() {
    let s = Server::new();
    let a = s.create_shop("A");
    let a2 = s.add_device(&a.token, Role::Clerk, "a2");
    let b = s.create_shop("B");
    let b2 = s.add_device(&b.token, Role::Clerk, "b2");
    assert_eq!(s.push(&a2.token, 1, "a-secret").status, 201);
    assert_eq!(s.push(&b2.token, 1, "b-secret").status, 201);
    let cursor_naming_a2 = [(a2.device_id.as_str(), 0)];
    let seen = s.pull(&b.token, &cursor_naming_a2);
    assert_eq!(seen.batches.len(), 1);
    assert_eq!(seen.batches[0].payload, "b-secret");
    let list: DeviceList = s
        .call(&Request::empty("GET", "/v1/devices", Some(&b.token)))
        .parse()
        .unwrap();
    assert!(
        list.devices
            .iter()
            .all(|d| d.device_id != a.device_id && d.device_id != a2.device_id)
    );
    let invite = s.invite(&a.token, Role::Owner);
    let joined = s.add_device(&b.token, Role::Clerk, "b3");
    assert_eq!(joined.shop_id, b.shop_id);
    assert_eq!(
        s.join_raw(&invite.code, "a3")
            .parse::<huike_core::sync::DeviceCredentials>()
            .unwrap()
            .shop_id,
        a.shop_id
    );
}
