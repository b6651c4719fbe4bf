//! A client of the sync API for the HTTP tests: typed helpers for every route, and
//! assertions on answers. Each [`Api`] sends as its own client address (`CF-Connecting-IP`,
//! which `wrangler dev` passes through), so tests running in parallel do not share per-address
//! rate limits.

use std::sync::atomic::{AtomicU32, Ordering};

use huike_core::book::Book;
use huike_core::client::driver::{CallError, Transport};
use huike_core::codec::ops::decode_payload;
use huike_core::codec::snapshot::SnapshotReader;
use huike_core::domain::{Entry, Role};
use huike_core::id::Id;
use huike_core::op::Op;
use huike_core::replica::Replica;
use huike_core::sync::{
    ApiError, DeviceCredentials, DeviceList, Invite, Privilege, PullRequest, PullResponse, PushAck,
    PushBatch, SnapshotCommit, SnapshotHead,
};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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

/// One device of a shop talking to the worker as core's sync loop expects
/// ([`huike_core::client::driver::Transport`]): what a test uses to upload a snapshot the way
/// the owner's app does.
#[derive(Clone)]
pub struct Device {
    /// The worker.
    pub api: Api,
    /// The device's credentials.
    pub credentials: DeviceCredentials,
}

impl Device {
    /// `api` acting as the device with `credentials`.
    pub fn new(api: &Api, credentials: &DeviceCredentials) -> Device {
        Device {
            api: api.clone(),
            credentials: credentials.clone(),
        }
    }

    fn token(&self) -> Option<&str> {
        Some(&self.credentials.token)
    }

    /// The answer's body when it succeeded, else what went wrong, as core's loop reads it.
    async fn answer(r: Result<Response, reqwest::Error>) -> Result<Vec<u8>, CallError> {
        let r = r.map_err(|e| CallError::Network(e.to_string()))?;
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = r
            .bytes()
            .await
            .map_err(|e| CallError::Network(e.to_string()))?;
        CallError::from_answer(status, retry_after.as_deref(), body.to_vec())
    }

    async fn json<T: DeserializeOwned>(
        r: Result<Response, reqwest::Error>,
    ) -> Result<T, CallError> {
        let body = Device::answer(r).await?;
        serde_json::from_slice(&body).map_err(|e| CallError::Network(format!("unreadable: {e}")))
    }
}

impl Transport for Device {
    async fn push(&self, batch: &PushBatch) -> Result<PushAck, CallError> {
        let path = format!("/v1/log/{}", batch.seq);
        let r = self
            .api
            .request(Method::PUT, &path, self.token())
            .json(batch)
            .send()
            .await;
        Device::json(r).await
    }

    async fn pull(&self, request: &PullRequest) -> Result<PullResponse, CallError> {
        let r = self
            .api
            .request(Method::POST, "/v1/pull", self.token())
            .json(request)
            .send()
            .await;
        Device::json(r).await
    }

    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError> {
        let r = self
            .api
            .request(Method::GET, "/v1/snapshot", self.token())
            .send()
            .await;
        match Device::json(r).await {
            Err(CallError::Server { status: 404, .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        let r = self
            .api
            .request(Method::GET, &path, self.token())
            .send()
            .await;
        Device::answer(r).await
    }

    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        let r = self
            .api
            .request(Method::PUT, &path, self.token())
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await;
        Device::answer(r).await.map(|_| ())
    }

    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/commit");
        let r = self
            .api
            .request(Method::POST, &path, self.token())
            .json(commit)
            .send()
            .await;
        Device::answer(r).await.map(|_| ())
    }
}

impl Device {
    /// Pushes `ops` as this device's stream, the way its app would: the replica forms each
    /// batch (≤ 1,000 ops, one request body), the server acknowledges it, the replica drops it
    /// from its outbox; a push the server asks to wait for (429) or that may pass (5xx, a
    /// network error) is retried with the very same batch. The replica, with everything
    /// acknowledged.
    pub async fn push_ops(&self, ops: Vec<Op>) -> Replica {
        let mut replica = Replica::new(self.credentials.device_id.clone());
        replica.local(ops);
        loop {
            let (batch, _) = replica.next_batch();
            let Some(batch) = batch else {
                return replica;
            };
            let mut attempts = 0;
            let ack = loop {
                attempts += 1;
                match Transport::push(self, &batch).await {
                    Ok(ack) => break ack,
                    Err(CallError::Server {
                        status,
                        retry_after,
                        error,
                    }) if (status == 429 || status >= 500) && attempts < 20 => {
                        let wait = retry_after.unwrap_or(1).min(30);
                        eprintln!(
                            "push of batch {} answered {status} {}: retrying in {wait} s",
                            batch.seq, error.error
                        );
                        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                    }
                    Err(CallError::Network(e)) if attempts < 20 => {
                        eprintln!("push of batch {} failed ({e}): retrying", batch.seq);
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    Err(e) => panic!("pushing batch {} failed: {e}", batch.seq),
                }
            };
            assert_eq!(ack.seq, batch.seq, "the server acknowledged another batch");
            replica.acknowledged(ack.seq);
        }
    }

    /// Everything the shop holds on the server as this device can read it: the snapshot (if
    /// any, its parts checked against the head) and every other device's batches after it (a
    /// pull never returns the caller's own stream: read with a device that pushed nothing).
    pub async fn contents(&self) -> ShopContents {
        let head = self
            .snapshot_head()
            .await
            .unwrap_or_else(|e| panic!("reading the snapshot head: {e}"));
        let snapshot = match head {
            Some(head) => {
                let mut parts = Vec::new();
                for n in 0..head.parts {
                    parts.push(
                        self.snapshot_part(&head.snap, n)
                            .await
                            .unwrap_or_else(|e| panic!("snapshot part {n}: {e}")),
                    );
                }
                let mut hash = Sha256::new();
                for p in &parts {
                    hash.update(p);
                }
                assert_eq!(
                    hex::encode(hash.finalize()),
                    head.sha256,
                    "the snapshot's parts"
                );
                let book = SnapshotReader::read_all(parts.iter().map(Vec::as_slice))
                    .unwrap_or_else(|e| panic!("the snapshot does not decode: {e}"));
                Some((head, book))
            }
            None => None,
        };
        let mut cursor = snapshot
            .as_ref()
            .map(|(head, _)| head.cursor.clone())
            .unwrap_or_default();
        let mut batches = Vec::new();
        loop {
            let answer = Transport::pull(
                self,
                &PullRequest {
                    cursor: cursor.clone(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("pulling after {cursor:?}: {e}"));
            for b in answer.batches {
                let ops = decode_payload(&b.payload).unwrap_or_else(|e| {
                    panic!("batch {} of {} does not decode: {e}", b.seq, b.device)
                });
                let last = cursor.insert(b.device.clone(), b.seq).unwrap_or(0);
                assert_eq!(
                    last + 1,
                    b.seq,
                    "stream {} has a hole or a repeat",
                    b.device
                );
                batches.push(Pulled {
                    device: b.device,
                    seq: b.seq,
                    ops,
                });
            }
            if !answer.more {
                return ShopContents { snapshot, batches };
            }
        }
    }
}

/// One batch as pulled, decoded.
#[derive(Clone, Debug)]
pub struct Pulled {
    /// Whose stream.
    pub device: String,
    /// Its place in the stream.
    pub seq: u64,
    /// Its ops.
    pub ops: Vec<Op>,
}

/// A shop as the server holds it.
pub struct ShopContents {
    /// The head snapshot and its book.
    pub snapshot: Option<(SnapshotHead, Book)>,
    /// Every other device's batch after the snapshot's cursor, each stream in order.
    pub batches: Vec<Pulled>,
}

impl ShopContents {
    /// The book a new device would build from all of it.
    pub fn book(&self) -> Book {
        let mut book = self
            .snapshot
            .as_ref()
            .map(|(_, book)| book.clone())
            .unwrap_or_default();
        for b in &self.batches {
            for op in &b.ops {
                book.apply(op);
            }
        }
        book
    }

    /// Every entry appended in the batches (not the snapshot), with the batch that carried
    /// it, in stream order: an entry id listed twice was sent twice.
    pub fn appended(&self) -> Vec<(&Pulled, Id, Option<Entry>)> {
        self.batches
            .iter()
            .flat_map(|b| {
                b.ops.iter().filter_map(move |op| match op {
                    Op::Append { id, entry, .. } => Some((b, id.clone(), entry.decode())),
                    _ => None,
                })
            })
            .collect()
    }
}
