//! The worker's HTTP API as seen from the app (reqwest on wasm = the browser's `fetch`).
//! Request and response types are `huike_core::sync`'s, shared with the worker; the sync
//! calls are core's [`Transport`], driven by core's sync loop.

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use huike_core::client::driver::Transport;
use huike_core::domain::Role;
use huike_core::sync::{
    CreateShopRequest, DeviceCredentials, DeviceInfo, DeviceList, Invite, InviteRequest,
    JoinRequest, PullRequest, PullResponse, PushAck, PushBatch, SnapshotCommit, SnapshotHead,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How long one request may take before it counts as failed.
const TIMEOUT_MS: u32 = 20_000;

pub use huike_core::client::driver::CallError;

impl Transport for Api {
    async fn push(&self, batch: &PushBatch) -> Result<PushAck, CallError> {
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/log/{}", batch.seq),
            Some(batch),
        )
        .await
    }

    async fn pull(&self, req: &PullRequest) -> Result<PullResponse, CallError> {
        self.call(reqwest::Method::POST, "/v1/pull", Some(req))
            .await
    }

    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError> {
        match self
            .call::<(), SnapshotHead>(reqwest::Method::GET, "/v1/snapshot", None)
            .await
        {
            Err(CallError::Server { status: 404, .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        self.send(self.request(reqwest::Method::GET, &path)).await
    }

    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        let req = self
            .request(reqwest::Method::PUT, &path)
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec());
        self.send(req).await.map(|_| ())
    }

    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/commit");
        self.call::<_, serde_json::Value>(reqwest::Method::POST, &path, Some(commit))
            .await
            .map(|_| ())
    }
}

/// A client for one sync server, optionally as one device.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// A client for the server at `base` (absolute URL).
    pub fn new(base: &str, token: Option<String>) -> Self {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends a request; the answer's body when it succeeded, else what went wrong.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>, CallError> {
        let send = Box::pin(req.send());
        let resp = match select(send, TimeoutFuture::new(TIMEOUT_MS)).await {
            Either::Left((r, _)) => r.map_err(|e| CallError::Network(e.to_string()))?,
            Either::Right(_) => return Err(CallError::Network("timed out".into())),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .bytes()
            .await
            .map_err(|e| CallError::Network(e.to_string()))?;
        CallError::from_answer(status, retry_after.as_deref(), body.to_vec())
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CallError> {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let body = self.send(req).await?;
        serde_json::from_slice(&body)
            .map_err(|e| CallError::Network(format!("unreadable answer: {e}")))
    }

    /// Creates a shop (with the deployment's sign-up code when it asks for one); returns the
    /// owner device's credentials.
    pub async fn create_shop(
        &self,
        shop_name: &str,
        owner_name: &str,
        signup_secret: Option<&str>,
    ) -> Result<DeviceCredentials, CallError> {
        let body = CreateShopRequest {
            shop_name: shop_name.into(),
            owner_name: owner_name.into(),
        };
        let mut req = self.request(reqwest::Method::POST, "/v1/shops").json(&body);
        if let Some(secret) = signup_secret {
            req = req.header("X-Huike-Signup-Secret", secret);
        }
        let body = self.send(req).await?;
        serde_json::from_slice(&body)
            .map_err(|e| CallError::Network(format!("unreadable answer: {e}")))
    }

    /// Redeems an invite code; returns this device's credentials.
    pub async fn join(
        &self,
        code: &str,
        display_name: &str,
    ) -> Result<DeviceCredentials, CallError> {
        let body = JoinRequest {
            code: code.into(),
            display_name: display_name.into(),
        };
        self.call(reqwest::Method::POST, "/v1/join", Some(&body))
            .await
    }

    /// Creates a one-time invite code (owner only).
    pub async fn invite(&self, role: Role) -> Result<Invite, CallError> {
        self.call(
            reqwest::Method::POST,
            "/v1/invites",
            Some(&InviteRequest { role }),
        )
        .await
    }

    /// The shop's devices.
    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, CallError> {
        let list: DeviceList = self
            .call::<(), _>(reqwest::Method::GET, "/v1/devices", None)
            .await?;
        Ok(list.devices)
    }

    /// Revokes a device (owner only).
    pub async fn revoke(&self, device_id: &str) -> Result<serde_json::Value, CallError> {
        self.call::<(), _>(
            reqwest::Method::POST,
            &format!("/v1/devices/{device_id}/revoke"),
            None,
        )
        .await
    }
}
