//! The worker behaves as `docs/openapi.yaml` says: a scenario that calls every documented
//! operation, with successes and the refusals a client meets, checks every real answer
//! against the document (documented status, content type, JSON body valid against its
//! schema), and fails if any operation was left uncalled.

use std::sync::Mutex;

use huike_core::sync::{DeviceCredentials, Invite, SnapshotCommit};
use huike_tests::api::Api;
use huike_tests::openapi::Contract;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Sends requests and checks each answer against the contract, keeping every disagreement.
struct Checker {
    contract: Contract,
    api: Api,
    problems: Mutex<Vec<String>>,
}

/// A request body.
enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

impl Checker {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> (u16, Vec<u8>) {
        let request: RequestBuilder = self.api.request(method.clone(), path, token);
        let request = match body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Raw(content_type, bytes) => {
                request.header("content-type", content_type).body(bytes)
            }
        };
        let r = request.send().await.expect("the worker answers");
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = r.bytes().await.unwrap().to_vec();
        let checked = self.contract.check(
            method.as_str(),
            path.split('?').next().unwrap(),
            status,
            content_type.as_deref(),
            &bytes,
        );
        if let Err(problem) = checked {
            self.problems.lock().unwrap().push(problem);
        }
        (status, bytes)
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body,
        want: u16,
    ) -> T {
        let (status, bytes) = self.call(method.clone(), path, token, body).await;
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(status, want, "{method} {path}: {text}");
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    async fn expect(&self, method: Method, path: &str, token: Option<&str>, body: Body, want: u16) {
        let (status, bytes) = self.call(method.clone(), path, token, body).await;
        assert_eq!(
            status,
            want,
            "{method} {path}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

fn sha256(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

#[tokio::test]
async fn every_operation_answers_as_the_document_says() {
    let c = Checker {
        contract: Contract::load(),
        api: Api::new(),
        problems: Mutex::new(Vec::new()),
    };
    use Body::{Json, None as Empty, Raw};
    use Method as M;

    c.expect(M::GET, "/v1/health", None, Empty, 200).await;
    c.expect(M::POST, "/v1/health", None, Empty, 405).await;

    let owner: DeviceCredentials = c
        .json(
            M::POST,
            "/v1/shops",
            None,
            Json(json!({"shop_name": "契约", "owner_name": "店主"})),
            201,
        )
        .await;
    c.expect(M::POST, "/v1/shops", None, Json(json!(["a", "b"])), 400)
        .await;
    c.expect(
        M::POST,
        "/v1/shops",
        None,
        Raw("text/plain", b"x".to_vec()),
        415,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/shops",
        None,
        Raw(
            "application/json",
            vec![b' '; huike_core::sync::MAX_BODY_BYTES + 1],
        ),
        413,
    )
    .await;
    let owner_t = Some(owner.token.as_str());

    let invite: Invite = c
        .json(
            M::POST,
            "/v1/invites",
            owner_t,
            Json(json!({"role": "clerk"})),
            201,
        )
        .await;
    c.expect(
        M::POST,
        "/v1/invites",
        None,
        Json(json!({"role": "clerk"})),
        401,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/invites",
        owner_t,
        Json(json!({"role": "boss"})),
        400,
    )
    .await;
    let clerk: DeviceCredentials = c
        .json(
            M::POST,
            "/v1/join",
            None,
            Json(json!({"code": invite.code, "display_name": "店员"})),
            201,
        )
        .await;
    let clerk_t = Some(clerk.token.as_str());
    c.expect(
        M::POST,
        "/v1/join",
        None,
        Json(json!({"code": invite.code, "display_name": "again"})),
        404,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/join",
        None,
        Json(json!({"code": "??", "display_name": "x"})),
        400,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/invites",
        clerk_t,
        Json(json!({"role": "clerk"})),
        403,
    )
    .await;

    let batch = |seq: u64, payload: &str| json!({"seq": seq, "ops": 1, "payload": payload});
    c.expect(M::PUT, "/v1/log/1", clerk_t, Json(batch(1, "a")), 201)
        .await;
    c.expect(M::PUT, "/v1/log/1", clerk_t, Json(batch(1, "a")), 200)
        .await;
    c.expect(M::PUT, "/v1/log/1", clerk_t, Json(batch(1, "b")), 409)
        .await;
    c.expect(M::PUT, "/v1/log/3", clerk_t, Json(batch(3, "c")), 409)
        .await;
    c.expect(M::PUT, "/v1/log/zero", clerk_t, Json(batch(1, "a")), 400)
        .await;
    c.expect(
        M::PUT,
        "/v1/log/2",
        clerk_t,
        Json(json!({"seq": 2, "ops": 1, "payload": "x", "privileged": ["rules"]})),
        403,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/log/2",
        owner_t,
        Json(json!({"seq": 2, "ops": 1001, "payload": "x"})),
        413,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/log/1",
        owner_t,
        Json(json!({"seq": 1, "ops": 1, "payload": "o", "privileged": ["erase"]})),
        201,
    )
    .await;
    c.expect(M::PUT, "/v1/log/1", Some("nope"), Json(batch(1, "a")), 401)
        .await;

    c.expect(
        M::POST,
        "/v1/pull",
        owner_t,
        Json(json!({"cursor": {}})),
        200,
    )
    .await;
    c.expect(M::POST, "/v1/pull", clerk_t, Json(json!({})), 200)
        .await;
    c.expect(
        M::POST,
        "/v1/pull",
        owner_t,
        Json(json!({"cursor": 5})),
        400,
    )
    .await;
    c.expect(M::GET, "/v1/pull", owner_t, Empty, 405).await;

    c.expect(M::GET, "/v1/devices", clerk_t, Empty, 200).await;
    c.expect(M::GET, "/v1/devices", None, Empty, 401).await;
    let long = "x".repeat(600);
    c.expect(
        M::POST,
        &format!("/v1/devices/{long}/revoke"),
        owner_t,
        Empty,
        404,
    )
    .await;
    c.expect(
        M::POST,
        &format!("/v1/devices/{}/revoke", owner.device_id),
        owner_t,
        Empty,
        400,
    )
    .await;
    c.expect(
        M::POST,
        &format!("/v1/devices/{}/revoke", owner.device_id),
        clerk_t,
        Empty,
        403,
    )
    .await;

    c.expect(M::GET, "/v1/snapshot", clerk_t, Empty, 404).await;
    let part = b"snapshot bytes \x00\x01\xff".to_vec();
    let octets = |b: &[u8]| Raw("application/octet-stream", b.to_vec());
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/0",
        owner_t,
        octets(&part),
        201,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/0",
        owner_t,
        octets(&part),
        200,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/0",
        owner_t,
        octets(b"no"),
        409,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/1000",
        owner_t,
        octets(b"x"),
        400,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/1",
        clerk_t,
        octets(b"x"),
        403,
    )
    .await;
    c.expect(
        M::PUT,
        "/v1/snapshots/k1/parts/1",
        owner_t,
        Json(json!({})),
        415,
    )
    .await;
    c.expect(M::GET, "/v1/snapshots/k1/parts/0", clerk_t, Empty, 200)
        .await;
    c.expect(M::GET, "/v1/snapshots/k1/parts/7", clerk_t, Empty, 404)
        .await;
    c.expect(M::DELETE, "/v1/snapshots/k1/parts/0", clerk_t, Empty, 405)
        .await;
    let commit = |parts: u32, bytes: u64, cursor: Value| {
        serde_json::to_value(SnapshotCommit {
            parts,
            cursor: serde_json::from_value(cursor).unwrap(),
            bytes,
            sha256: sha256(&[&part]),
        })
        .unwrap()
    };
    let covers = json!({ &clerk.device_id: 1, &owner.device_id: 1 });
    let size = part.len() as u64;
    c.expect(
        M::POST,
        "/v1/snapshots/k1/commit",
        owner_t,
        Json(commit(2, size, covers.clone())),
        409,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/snapshots/k1/commit",
        owner_t,
        Json(commit(1, size + 1, covers.clone())),
        400,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/snapshots/k1/commit",
        clerk_t,
        Json(commit(1, size, covers.clone())),
        403,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/snapshots/k1/commit",
        owner_t,
        Json(commit(1, size, covers.clone())),
        201,
    )
    .await;
    c.expect(
        M::POST,
        "/v1/snapshots/k1/commit",
        owner_t,
        Json(commit(1, size, covers.clone())),
        200,
    )
    .await;
    c.expect(M::GET, "/v1/snapshot", clerk_t, Empty, 200).await;

    // Compaction (RETENTION_DAYS=0 under test) then refuses a pull from before the snapshot.
    let start = std::time::Instant::now();
    loop {
        let (status, _) = c.call(M::POST, "/v1/pull", clerk_t, Json(json!({}))).await;
        if status == 409 {
            break;
        }
        assert!(start.elapsed().as_secs() < 20, "compaction never ran");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Rate limits: the owner's invites run out of unused codes (409), then of requests (429).
    for _ in 0..40 {
        let (status, _) = c
            .call(
                M::POST,
                "/v1/invites",
                owner_t,
                Json(json!({"role": "clerk"})),
            )
            .await;
        if status == 429 {
            break;
        }
        assert!(status == 201 || status == 409, "{status}");
    }
    c.expect(
        M::POST,
        "/v1/invites",
        owner_t,
        Json(json!({"role": "clerk"})),
        429,
    )
    .await;

    c.expect(
        M::POST,
        &format!("/v1/devices/{}/revoke", clerk.device_id),
        owner_t,
        Empty,
        200,
    )
    .await;
    c.expect(M::GET, "/v1/devices", clerk_t, Empty, 401).await;
    c.expect(M::GET, "/v1/nothing", None, Empty, 404).await;

    let problems = c.problems.lock().unwrap().clone();
    assert!(
        problems.is_empty(),
        "answers that disagree with docs/openapi.yaml:\n{}",
        problems.join("\n")
    );
    let missed: Vec<_> = c
        .contract
        .operations()
        .difference(&c.contract.seen())
        .cloned()
        .collect();
    assert!(missed.is_empty(), "operations never called: {missed:?}");
}

#[test]
fn the_document_is_valid_and_its_schemas_reject_what_the_server_refuses() {
    let contract = Contract::load();
    assert!(contract.operations().len() >= 12);
    let credentials = contract.schema("DeviceCredentials");
    let good = json!({
        "shop_id": "0190c5a0-0000-7000-8000-000000000001",
        "shop_name": "A",
        "device_id": "0190c5a0-0000-7000-8000-000000000002",
        "token": format!("0190c5a0-0000-7000-8000-000000000001.{}", "a".repeat(64)),
        "role": "owner"
    });
    contract.validate(&credentials, &good).unwrap();
    let mut old_token = good.clone();
    old_token["token"] = json!("a".repeat(64));
    assert!(contract.validate(&credentials, &old_token).is_err());
    let error = contract.schema("ApiError");
    assert!(
        contract
            .validate(&error, &json!({"error": "made_up", "message": "m"}))
            .is_err()
    );
    contract
        .validate(
            &error,
            &json!({"error": "snapshot_required", "message": "m"}),
        )
        .unwrap();
}
