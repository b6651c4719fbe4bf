//! The worker's HTTP API as seen from the app (reqwest on wasm = the browser's `fetch`).
//! Request and response types are `huike_core::sync`'s, shared with the worker; the sync
//! calls are core's [`Transport`], driven by core's sync loop.

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use huike_core::client::driver::Transport;
use huike_core::domain::Role;
use huike_core::sync::{
    ApiError, CreateShopRequest, DeviceCredentials, DeviceInfo, DeviceList, Invite, InviteRequest,
    JoinRequest, PullRequest, PullResponse, PushAck, PushBatch,
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

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, CallError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
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
            .and_then(|v| v.trim().parse().ok());
        let text = resp
            .text()
            .await
            .map_err(|e| CallError::Network(e.to_string()))?;
        if (200..300).contains(&status) {
            serde_json::from_str(&text)
                .map_err(|e| CallError::Network(format!("unreadable answer: {e}")))
        } else {
            let error = serde_json::from_str(&text).unwrap_or_else(|_| ApiError {
                error: "http".into(),
                message: text.chars().take(200).collect(),
            });
            Err(CallError::Server {
                status,
                error,
                retry_after,
            })
        }
    }

    /// Creates a shop; returns the owner device's credentials.
    pub async fn create_shop(
        &self,
        shop_name: &str,
        owner_name: &str,
    ) -> Result<DeviceCredentials, CallError> {
        let body = CreateShopRequest {
            shop_name: shop_name.into(),
            owner_name: owner_name.into(),
        };
        self.call(reqwest::Method::POST, "/v1/shops", Some(&body))
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
