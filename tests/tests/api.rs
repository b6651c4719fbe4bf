//! The sync API against a real `wrangler dev` (workerd, Durable Objects and KV on disk), at
//! `HUIKE_WORKER_URL`. Every test makes its own shop and sends from its own address, so the
//! tests run in parallel on one worker.

use huike_core::domain::Role;
use huike_core::sync::{
    DeviceCredentials, DeviceInfo, DeviceList, MAX_BATCH_OPS, MAX_BODY_BYTES, Privilege, PushAck,
    PushBatch,
};
use huike_tests::api::{Api, error, ok};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn two_devices_sync_through_the_worker() {
    let api = Api::new();
    let owner = api.create_shop("小熊母婴").await;
    assert_eq!(
        (owner.shop_name.as_str(), owner.role),
        ("小熊母婴", Role::Owner)
    );
    let clerk = api.add_clerk(&owner.token, "小王").await;
    assert_eq!(
        (clerk.shop_id.as_str(), clerk.role),
        (owner.shop_id.as_str(), Role::Clerk)
    );

    let ack: PushAck = ok(
        api.push(&clerk.token, 1, 2, "[\"first\",\"second\"]").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        ack,
        PushAck {
            seq: 1,
            stored: true
        }
    );
    let pulled = api.pull(&owner.token, json!({})).await;
    assert!(!pulled.more);
    assert_eq!(pulled.batches.len(), 1);
    let b = &pulled.batches[0];
    assert_eq!(
        (b.device.as_str(), b.seq, b.ops, b.payload.as_str()),
        (clerk.device_id.as_str(), 1, 2, "[\"first\",\"second\"]")
    );
    assert!(
        api.pull(&owner.token, json!({ &clerk.device_id: 1 }))
            .await
            .batches
            .is_empty()
    );
    assert!(
        api.pull(&clerk.token, json!({})).await.batches.is_empty(),
        "own stream not sent back"
    );

    let list: DeviceList = ok(
        api.request(Method::GET, "/v1/devices", Some(&clerk.token))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = list
        .devices
        .iter()
        .map(|d| d.display_name.as_str())
        .collect();
    assert_eq!(names, ["店主", "小王"]);
}

#[tokio::test]
async fn a_retried_push_is_idempotent_and_different_content_conflicts() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let ack: PushAck = ok(
        api.push(&owner.token, 1, 1, "same").await,
        StatusCode::CREATED,
    )
    .await;
    assert!(ack.stored);
    let again: PushAck = ok(api.push(&owner.token, 1, 1, "same").await, StatusCode::OK).await;
    assert_eq!(
        again,
        PushAck {
            seq: 1,
            stored: false
        }
    );
    error(
        api.push(&owner.token, 1, 1, "different").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    let pulled = api.pull(&clerk.token, json!({})).await;
    assert_eq!(
        pulled
            .batches
            .iter()
            .map(|b| b.payload.as_str())
            .collect::<Vec<_>>(),
        ["same"]
    );
}

#[tokio::test]
async fn a_gap_in_the_stream_is_refused() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let e = error(
        api.push(&owner.token, 2, 1, "x").await,
        StatusCode::CONFLICT,
        "gap",
    )
    .await;
    assert!(e.message.contains("batch 1"));
    ok::<PushAck>(api.push(&owner.token, 1, 1, "a").await, StatusCode::CREATED).await;
    ok::<PushAck>(api.push(&owner.token, 2, 1, "b").await, StatusCode::CREATED).await;
    error(
        api.push(&owner.token, 0, 1, "x").await,
        StatusCode::BAD_REQUEST,
        "invalid_seq",
    )
    .await;
    let batch = PushBatch {
        seq: 4,
        ops: 1,
        payload: "x".into(),
        privileged: Vec::new(),
    };
    let r = api
        .request(Method::PUT, "/v1/log/3", Some(&owner.token))
        .json(&batch)
        .send()
        .await
        .unwrap();
    error(r, StatusCode::BAD_REQUEST, "seq_mismatch").await;
}

#[tokio::test]
async fn oversized_bodies_and_batches_are_refused_and_nothing_is_stored() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    error(
        api.push(&clerk.token, 1, 1, &"x".repeat(MAX_BODY_BYTES))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
    )
    .await;
    let e = error(
        api.push(&clerk.token, 1, MAX_BATCH_OPS as u32 + 1, "x")
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_ops",
    )
    .await;
    assert!(e.message.contains("1000"));
    assert!(api.pull(&owner.token, json!({})).await.batches.is_empty());
    let envelope = serde_json::to_vec(&PushBatch {
        seq: 1,
        ops: 1000,
        payload: String::new(),
        privileged: Vec::new(),
    })
    .unwrap()
    .len();
    let full = "y".repeat(MAX_BODY_BYTES - envelope);
    ok::<PushAck>(
        api.push(&clerk.token, 1, MAX_BATCH_OPS as u32, &full).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        api.pull(&owner.token, json!({})).await.batches[0]
            .payload
            .len(),
        full.len()
    );
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_naming_the_problem() {
    let api = Api::new();
    let post = |body: &'static str, content_type: &'static str| {
        api.request(Method::POST, "/v1/shops", None)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let e = error(
        post("{\"shop_name\": \"A\"", "application/json")
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(e.message.contains("EOF"), "{}", e.message);
    let e = error(
        post("{\"shop_name\": \"A\"}", "application/json")
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(e.message.contains("owner_name"), "{}", e.message);
    let e = error(
        post(
            "{\"shop_name\": 7, \"owner_name\": \"b\"}",
            "application/json",
        )
        .await
        .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert!(e.message.contains("invalid type"), "{}", e.message);
    error(
        post(
            "{\"shop_name\": \" \", \"owner_name\": \"b\"}",
            "application/json",
        )
        .await
        .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    error(
        post(
            "shop_name=A&owner_name=B",
            "application/x-www-form-urlencoded",
        )
        .await
        .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    error(
        api.request(Method::GET, "/v1/nothing", None)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let r = api
        .request(Method::DELETE, "/v1/devices", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    error(r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let health: Value = ok(
        api.request(Method::GET, "/v1/health", None)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(health, json!({"status": "ok", "api": "v1"}));
}

#[tokio::test]
async fn tokens_roles_and_invite_codes_are_checked() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let r = api.send(Method::POST, "/v1/pull", None, &json!({})).await;
    assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
    error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    error(
        api.send(Method::POST, "/v1/pull", Some(&"0".repeat(64)), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    error(
        api.send(Method::POST, "/v1/pull", Some("not-a-token"), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    error(
        api.send(
            Method::POST,
            "/v1/invites",
            Some(&clerk.token),
            &json!({"role": "clerk"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let invite = api.invite(&owner.token, Role::Owner).await;
    assert!(invite.expires_at > 0);
    let joined: DeviceCredentials = ok(
        api.join(&invite.code.to_lowercase(), "second owner").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(joined.role, Role::Owner);
    error(
        api.join(&invite.code, "again").await,
        StatusCode::NOT_FOUND,
        "invite_not_found",
    )
    .await;
    error(
        api.join("not a code!", "x").await,
        StatusCode::BAD_REQUEST,
        "invalid_code",
    )
    .await;
}

#[tokio::test]
async fn a_revoked_device_is_refused_at_once() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    ok::<PushAck>(
        api.push(&clerk.token, 1, 1, "before").await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/v1/devices/{}/revoke", clerk.device_id);
    error(
        api.request(Method::POST, &path, Some(&clerk.token))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let info: DeviceInfo = ok(
        api.request(Method::POST, &path, Some(&owner.token))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(info.revoked);
    error(
        api.push(&clerk.token, 2, 1, "after").await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    )
    .await;
    error(
        api.send(Method::POST, "/v1/pull", Some(&clerk.token), &json!({}))
            .await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    )
    .await;
    let own = format!("/v1/devices/{}/revoke", owner.device_id);
    error(
        api.request(Method::POST, &own, Some(&owner.token))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "cannot_revoke_self",
    )
    .await;
    let pulled = api.pull(&owner.token, json!({})).await;
    assert_eq!(
        pulled
            .batches
            .iter()
            .map(|b| b.payload.as_str())
            .collect::<Vec<_>>(),
        ["before"]
    );
}

#[tokio::test]
async fn shops_are_isolated() {
    let api = Api::new();
    let a = api.create_shop("A").await;
    let b = api.create_shop("B").await;
    ok::<PushAck>(
        api.push(&a.token, 1, 1, "a's secret").await,
        StatusCode::CREATED,
    )
    .await;
    let seen = api.pull(&b.token, json!({ &a.device_id: 0 })).await;
    assert!(seen.batches.is_empty(), "{seen:?}");
    let revoke_a = format!("/v1/devices/{}/revoke", a.device_id);
    error(
        api.request(Method::POST, &revoke_a, Some(&b.token))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "device_not_found",
    )
    .await;
    let list: DeviceList = ok(
        api.request(Method::GET, "/v1/devices", Some(&b.token))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        list.devices
            .iter()
            .map(|d| d.device_id.as_str())
            .collect::<Vec<_>>(),
        [b.device_id.as_str()]
    );
    ok::<PushAck>(
        api.push(&b.token, 1, 1, "b's own").await,
        StatusCode::CREATED,
    )
    .await;
    let b_clerk = api.add_clerk(&b.token, "bc").await;
    let pulled = api.pull(&b_clerk.token, json!({})).await;
    assert_eq!(
        pulled
            .batches
            .iter()
            .map(|b| b.payload.as_str())
            .collect::<Vec<_>>(),
        ["b's own"]
    );
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let api = Api::new();
    // `cargo xtask test` allows the origin it serves the app from.
    let allowed_origin = huike_tests::app_url();
    let allowed_origin = allowed_origin.as_str();
    let preflight = |origin: &str| {
        api.request(Method::OPTIONS, "/v1/pull", None)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight(allowed_origin).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::NO_CONTENT);
    let h = allowed.headers();
    assert_eq!(
        h.get("access-control-allow-origin").unwrap(),
        allowed_origin
    );
    assert!(
        h.get("access-control-allow-headers")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    assert!(
        h.get("access-control-allow-methods")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("PUT")
    );

    let other = preflight("https://evil.example").await.unwrap();
    assert_eq!(other.status(), StatusCode::NO_CONTENT);
    assert!(
        other
            .headers()
            .keys()
            .all(|k| !k.as_str().starts_with("access-control-")),
        "{:?}",
        other.headers()
    );

    let get = |origin: &str| {
        api.request(Method::GET, "/v1/health", None)
            .header("origin", origin)
            .send()
    };
    assert_eq!(
        get(allowed_origin)
            .await
            .unwrap()
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        allowed_origin
    );
    assert!(
        get("https://evil.example")
            .await
            .unwrap()
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn bodies_that_are_not_objects_and_over_long_ids_get_a_4xx_and_write_nothing() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let token = Some(owner.token.as_str());
    for (method, path, token) in [
        (Method::POST, "/v1/shops", None),
        (Method::POST, "/v1/join", None),
        (Method::POST, "/v1/invites", token),
        (Method::PUT, "/v1/log/1", token),
        (Method::POST, "/v1/pull", token),
        (Method::POST, "/v1/snapshots/s1/commit", token),
    ] {
        for body in [json!(["A", "B"]), json!(7), json!("text"), json!(null)] {
            let e = error(
                api.send(method.clone(), path, token, &body).await,
                StatusCode::BAD_REQUEST,
                "invalid_json",
            )
            .await;
            assert!(
                e.message.contains("object"),
                "{method} {path}: {}",
                e.message
            );
        }
    }
    let long = "x".repeat(600);
    error(
        api.empty(Method::POST, &format!("/v1/devices/{long}/revoke"), token)
            .await,
        StatusCode::NOT_FOUND,
        "device_not_found",
    )
    .await;
    error(
        api.empty(Method::GET, &format!("/v1/snapshots/{long}/parts/0"), token)
            .await,
        StatusCode::NOT_FOUND,
        "part_not_found",
    )
    .await;
    error(
        api.put_part(&owner.token, &long, 0, b"x".to_vec()).await,
        StatusCode::BAD_REQUEST,
        "invalid_snapshot_id",
    )
    .await;
    error(
        api.empty(Method::PUT, &format!("/v1/log/{}", "9".repeat(600)), token)
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_seq",
    )
    .await;
    ok::<PushAck>(api.push(&owner.token, 1, 1, "x").await, StatusCode::CREATED).await;
    let list = api.devices(&owner.token).await;
    assert_eq!(list.devices.len(), 1, "no shop or device was added");
    let clerk = api.add_clerk(&owner.token, "c").await;
    assert_eq!(api.pull(&clerk.token, json!({})).await.batches.len(), 1);
}

#[tokio::test]
async fn a_clerks_privileged_batch_is_refused_and_an_owners_is_stored() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    for privilege in [
        Privilege::DeleteCustomer,
        Privilege::Rules,
        Privilege::Templates,
        Privilege::Staff,
        Privilege::Erase,
    ] {
        let e = error(
            api.push_declaring(&clerk.token, 1, 1, "x", vec![privilege])
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert!(e.message.contains(privilege.as_str()), "{}", e.message);
    }
    assert!(api.pull(&owner.token, json!({})).await.batches.is_empty());
    ok::<PushAck>(
        api.push(&clerk.token, 1, 1, "ordinary").await,
        StatusCode::CREATED,
    )
    .await;
    ok::<PushAck>(
        api.push_declaring(&owner.token, 1, 1, "erase c1", vec![Privilege::Erase])
            .await,
        StatusCode::CREATED,
    )
    .await;
    let r = api.pull_raw(&clerk.token, json!({})).await;
    let text = r.text().await.unwrap();
    assert!(text.contains(r#""privileged":["erase"]"#), "{text}");
    let pulled = api.pull(&owner.token, json!({})).await;
    assert_eq!(pulled.batches[0].payload, "ordinary");
}

/// Asserts a 429 with a `Retry-After` of at least one second.
async fn limited(r: reqwest::Response) {
    let retry_after: u64 = r
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn joins_from_one_address_are_limited() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let code = api.invite(&owner.token, Role::Clerk).await.code;
    let guesser = api.elsewhere();
    for _ in 0..30 {
        error(
            guesser.join("ZZZZ-ZZZZ-ZZZZ", "guess").await,
            StatusCode::NOT_FOUND,
            "invite_not_found",
        )
        .await;
    }
    limited(guesser.join(&code, "even a good code").await).await;
    ok::<DeviceCredentials>(api.elsewhere().join(&code, "c").await, StatusCode::CREATED).await;
}

#[tokio::test]
async fn pushes_and_invites_of_one_device_are_limited() {
    let api = Api::new();
    let owner = api.create_shop("A").await;
    let clerk = api.add_clerk(&owner.token, "c").await;
    ok::<PushAck>(api.push(&clerk.token, 1, 1, "x").await, StatusCode::CREATED).await;
    // Retries count too (each is a request); 600 uploads per 10 minutes.
    for _ in 1..600 {
        assert_eq!(api.push(&clerk.token, 1, 1, "x").await.status(), 200);
    }
    limited(api.push(&clerk.token, 2, 1, "y").await).await;
    ok::<PushAck>(
        api.push(&owner.token, 1, 1, "the owner is not limited by the clerk")
            .await,
        StatusCode::CREATED,
    )
    .await;
    // 30 invites per 10 minutes, the clerk's included (the 20 unused codes a shop may hold
    // run out first).
    for i in 1..30 {
        let status = api.invite_raw(&owner.token, Role::Clerk).await.status();
        assert!(
            (i <= 20 && status == 201) || (i > 20 && status == 409),
            "invite {i}: {status}"
        );
    }
    limited(api.invite_raw(&owner.token, Role::Clerk).await).await;
    assert_eq!(
        api.pull(&owner.token, json!({})).await.batches.len(),
        1,
        "the limited push stored nothing"
    );
}
