//! The worker's HTTP API as seen from the app (through the browser's `fetch`, [`crate::fetch`]).
//! Request and response types are `huike_core::sync`'s, shared with the worker; the sync
//! calls are core's [`Transport`], driven by core's sync loop.

use crate::fetch::Call;
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
        self.call("PUT", &format!("/v1/log/{}", batch.seq), Some(batch))
            .await
    }

    async fn pull(&self, req: &PullRequest) -> Result<PullResponse, CallError> {
        self.call("POST", "/v1/pull", Some(req)).await
    }

    async fn snapshot_head(&self) -> Result<Option<SnapshotHead>, CallError> {
        match self
            .call::<(), SnapshotHead>("GET", "/v1/snapshot", None)
            .await
        {
            Err(CallError::Server { status: 404, .. }) => Ok(None),
            other => other.map(Some),
        }
    }

    async fn snapshot_part(&self, snap: &str, n: u32) -> Result<Vec<u8>, CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        self.send("GET", &path, None, &[]).await
    }

    async fn put_snapshot_part(&self, snap: &str, n: u32, bytes: &[u8]) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/parts/{n}");
        let octets = [("Content-Type", "application/octet-stream")];
        self.send("PUT", &path, Some(bytes), &octets)
            .await
            .map(|_| ())
    }

    async fn commit_snapshot(&self, snap: &str, commit: &SnapshotCommit) -> Result<(), CallError> {
        let path = format!("/v1/snapshots/{snap}/commit");
        self.call::<_, serde_json::Value>("POST", &path, Some(commit))
            .await
            .map(|_| ())
    }
}

/// A client for one sync server, optionally as one device.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
}

impl Api {
    /// A client for the server at `base` (absolute URL).
    pub fn new(base: &str, token: Option<String>) -> Self {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    /// Sends a request (with this device's token); the answer's body when it succeeded, else
    /// what went wrong.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> Result<Vec<u8>, CallError> {
        let url = format!("{}{path}", self.base);
        let bearer = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut all = headers.to_vec();
        if let Some(bearer) = &bearer {
            all.push(("Authorization", bearer));
        }
        let call = Call {
            method,
            url: &url,
            headers: all,
            body,
            timeout_ms: TIMEOUT_MS,
        };
        let answer = call.send().await.map_err(CallError::Network)?;
        CallError::from_answer(answer.status, answer.retry_after.as_deref(), answer.body)
    }

    /// Sends `body` as JSON (with `headers`) and reads the answer as JSON.
    async fn call_with<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> Result<T, CallError> {
        let json = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| CallError::Network(format!("unwritable request: {e}")))?;
        let mut all = headers.to_vec();
        if json.is_some() {
            all.push(("Content-Type", "application/json"));
        }
        let body = self.send(method, path, json.as_deref(), &all).await?;
        serde_json::from_slice(&body)
            .map_err(|e| CallError::Network(format!("unreadable answer: {e}")))
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CallError> {
        self.call_with(method, path, body, &[]).await
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
        let secret: Vec<_> = signup_secret
            .map(|secret| ("X-Huike-Signup-Secret", secret))
            .into_iter()
            .collect();
        self.call_with("POST", "/v1/shops", Some(&body), &secret)
            .await
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
        self.call("POST", "/v1/join", Some(&body)).await
    }

    /// Creates a one-time invite code (owner only).
    pub async fn invite(&self, role: Role) -> Result<Invite, CallError> {
        self.call("POST", "/v1/invites", Some(&InviteRequest { role }))
            .await
    }

    /// The shop's devices.
    pub async fn devices(&self) -> Result<Vec<DeviceInfo>, CallError> {
        let list: DeviceList = self.call::<(), _>("GET", "/v1/devices", None).await?;
        Ok(list.devices)
    }

    /// Revokes a device (owner only).
    pub async fn revoke(&self, device_id: &str) -> Result<serde_json::Value, CallError> {
        self.call::<(), _>("POST", &format!("/v1/devices/{device_id}/revoke"), None)
            .await
    }
}
