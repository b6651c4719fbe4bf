//! A client of the sync API for the HTTP tests: typed helpers for every route, and
//! assertions on answers. Each [`Api`] sends as its own client address (`CF-Connecting-IP`,
//! which `wrangler dev` passes through), so tests running in parallel do not share per-address
//! rate limits.

use std::sync::atomic::{AtomicU32, Ordering};

use huike_core::domain::Role;
use huike_core::sync::{
    ApiError, DeviceCredentials, DeviceList, Invite, Privilege, PullResponse, PushBatch,
    SnapshotCommit, SnapshotHead,
};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::worker_url;

/// A client of the worker at `HUIKE_WORKER_URL`.
#[derive(Clone)]
pub struct Api {
    /// The HTTP client.
    pub client: Client,
    /// The worker's base URL.
    pub base: String,
    /// The client address this `Api` sends as.
    pub ip: String,
}

static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(1);

impl Default for Api {
    fn default() -> Self {
        Api::new()
    }
}

impl Api {
    /// A client with an address of its own.
    pub fn new() -> Self {
        let n = NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        Api {
            client: Client::new(),
            base: worker_url(),
            ip: format!("10.{}.{}.{}", pid % 250, n / 250 % 250, n % 250),
        }
    }

    /// The same worker, sending as another address.
    pub fn elsewhere(&self) -> Api {
        Api {
            client: self.client.clone(),
            ..Api::new()
        }
    }

    /// A request with the client address and, if given, the device token.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("CF-Connecting-IP", &self.ip);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// Sends a JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        self.request(method, path, token)
            .json(body)
            .send()
            .await
            .expect("the worker answers")
    }

    /// Sends a request without a body.
    pub async fn empty(&self, method: Method, path: &str, token: Option<&str>) -> Response {
        self.request(method, path, token)
            .send()
            .await
            .expect("the worker answers")
    }

    /// `POST /v1/shops`.
    pub async fn create_shop_raw(&self, name: &str) -> Response {
        self.send(
            Method::POST,
            "/v1/shops",
            None,
            &json!({"shop_name": name, "owner_name": "店主"}),
        )
        .await
    }

    /// Creates a shop; the owner's credentials.
    pub async fn create_shop(&self, name: &str) -> DeviceCredentials {
        ok(self.create_shop_raw(name).await, StatusCode::CREATED).await
    }

    /// `POST /v1/invites`.
    pub async fn invite_raw(&self, token: &str, role: Role) -> Response {
        self.send(
            Method::POST,
            "/v1/invites",
            Some(token),
            &json!({ "role": role }),
        )
        .await
    }

    /// Invites a device.
    pub async fn invite(&self, token: &str, role: Role) -> Invite {
        ok(self.invite_raw(token, role).await, StatusCode::CREATED).await
    }

    /// `POST /v1/join`.
    pub async fn join(&self, code: &str, name: &str) -> Response {
        self.send(
            Method::POST,
            "/v1/join",
            None,
            &json!({"code": code, "display_name": name}),
        )
        .await
    }

    /// Invites and joins a clerk.
    pub async fn add_clerk(&self, owner: &str, name: &str) -> DeviceCredentials {
        let invite = self.invite(owner, Role::Clerk).await;
        ok(self.join(&invite.code, name).await, StatusCode::CREATED).await
    }

    /// `PUT /v1/log/{seq}` with a batch declaring `privileged`.
    pub async fn push_declaring(
        &self,
        token: &str,
        seq: u64,
        ops: u32,
        payload: &str,
        privileged: Vec<Privilege>,
    ) -> Response {
        let batch = PushBatch {
            seq,
            ops,
            payload: payload.into(),
            privileged,
        };
        self.request(Method::PUT, &format!("/v1/log/{seq}"), Some(token))
            .json(&batch)
            .send()
            .await
            .expect("the worker answers")
    }

    /// `PUT /v1/log/{seq}`.
    pub async fn push(&self, token: &str, seq: u64, ops: u32, payload: &str) -> Response {
        self.push_declaring(token, seq, ops, payload, Vec::new())
            .await
    }

    /// `POST /v1/pull` with a cursor.
    pub async fn pull_raw(&self, token: &str, cursor: Value) -> Response {
        self.send(
            Method::POST,
            "/v1/pull",
            Some(token),
            &json!({ "cursor": cursor }),
        )
        .await
    }

    /// Pulls after `cursor`; asserts success.
    pub async fn pull(&self, token: &str, cursor: Value) -> PullResponse {
        ok(self.pull_raw(token, cursor).await, StatusCode::OK).await
    }

    /// Pulls until nothing more is waiting, following the cursor; every batch.
    pub async fn pull_all(&self, token: &str) -> Vec<(String, u64, String)> {
        let mut cursor = serde_json::Map::new();
        let mut got = Vec::new();
        loop {
            let answer = self.pull(token, Value::Object(cursor.clone())).await;
            for b in &answer.batches {
                cursor.insert(b.device.clone(), json!(b.seq));
                got.push((b.device.clone(), b.seq, b.payload.clone()));
            }
            if !answer.more {
                return got;
            }
        }
    }

    /// `GET /v1/devices`; asserts success.
    pub async fn devices(&self, token: &str) -> DeviceList {
        ok(
            self.empty(Method::GET, "/v1/devices", Some(token)).await,
            StatusCode::OK,
        )
        .await
    }

    /// `PUT /v1/snapshots/{snap}/parts/{n}` with raw bytes.
    pub async fn put_part(&self, token: &str, snap: &str, n: u32, bytes: Vec<u8>) -> Response {
        self.request(
            Method::PUT,
            &format!("/v1/snapshots/{snap}/parts/{n}"),
            Some(token),
        )
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("the worker answers")
    }

    /// `GET /v1/snapshots/{snap}/parts/{n}`.
    pub async fn get_part(&self, token: &str, snap: &str, n: u32) -> Response {
        self.empty(
            Method::GET,
            &format!("/v1/snapshots/{snap}/parts/{n}"),
            Some(token),
        )
        .await
    }

    /// `POST /v1/snapshots/{snap}/commit`.
    pub async fn commit(&self, token: &str, snap: &str, commit: &SnapshotCommit) -> Response {
        self.request(
            Method::POST,
            &format!("/v1/snapshots/{snap}/commit"),
            Some(token),
        )
        .json(commit)
        .send()
        .await
        .expect("the worker answers")
    }

    /// `GET /v1/snapshot`.
    pub async fn head_raw(&self, token: &str) -> Response {
        self.empty(Method::GET, "/v1/snapshot", Some(token)).await
    }

    /// The shop's snapshot head; asserts there is one.
    pub async fn head(&self, token: &str) -> SnapshotHead {
        ok(self.head_raw(token).await, StatusCode::OK).await
    }
}

/// Asserts the status and decodes the body.
pub async fn ok<T: DeserializeOwned>(r: Response, status: StatusCode) -> T {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Asserts an error answer: status, JSON content type and error code.
pub async fn error(r: Response, status: StatusCode, code: &str) -> ApiError {
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{content_type:?}"
    );
    let e: ApiError = ok(r, status).await;
    assert_eq!(e.error, code, "{}", e.message);
    e
}
