//! The Durable Objects: a shop's coordinator ([`ShopObject`], one per shop, with a
//! compaction alarm) and the deployment's [`DirectoryObject`]. Each decodes a call, runs the
//! pure state machine of `huike_core::server` over its SQLite rows and encodes the answer.

use huike_core::server::{
    self, DirectoryCall, Failure, Response as Answer, ShopCall, decode_message, encode_response,
};
use worker::{Date, DurableObject, Env, Request, Response, Result, State, durable_object};

use crate::config;
use crate::kv::WorkersKv;
use crate::sql_table::SqlTable;

/// A shop's coordinator.
#[durable_object(alarm)]
pub struct ShopObject {
    state: State,
    env: Env,
}

impl DurableObject for ShopObject {
    fn new(state: State, env: Env) -> Self {
        ShopObject { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let bytes = req.bytes().await?;
        let answer = match self.serve(&bytes).await {
            Ok(answer) => answer,
            Err(failure) => Answer::from(failure),
        };
        Response::from_bytes(encode_response(&answer))
    }

    async fn alarm(&self) -> Result<Response> {
        let config = config::read(&self.env).map_err(|e| worker::Error::RustError(e.message))?;
        let table = SqlTable::new(self.state.storage().sql());
        let kv = WorkersKv(self.env.kv(crate::KV_BINDING)?);
        let now = Date::now().as_millis();
        match server::shop::compact(&table, &kv, &config, now).await {
            Ok(next) => self.wake(next).await?,
            Err(failure) => {
                worker::console_error!("compaction failed: {}", failure.message);
                // Try again in an hour (a spent daily KV quota fails every delete until 00:00
                // UTC; retrying sooner would only spend requests).
                self.wake(Some(now + 3_600_000)).await?;
            }
        }
        Response::empty()
    }
}

impl ShopObject {
    async fn serve(&self, bytes: &[u8]) -> std::result::Result<Answer, Failure> {
        let (call, body): (ShopCall, &[u8]) = decode_message(bytes)?;
        let config = config::read(&self.env)?;
        let shop_id = self
            .state
            .id()
            .name()
            .unwrap_or_else(|| self.state.id().to_string());
        let table = SqlTable::new(self.state.storage().sql());
        let kv = WorkersKv(
            self.env
                .kv(crate::KV_BINDING)
                .map_err(|e| Failure::new(500, "internal", e.to_string()))?,
        );
        let mut random = crate::random;
        let served =
            server::shop::serve(&shop_id, &call, body, &table, &kv, &config, &mut random).await;
        self.wake(served.wake_at)
            .await
            .map_err(|e| Failure::new(500, "internal", format!("could not set the alarm: {e}")))?;
        Ok(served.response)
    }

    /// Sets the alarm for `at` unless one is set for earlier.
    async fn wake(&self, at: Option<u64>) -> Result<()> {
        let Some(at) = at else {
            return Ok(());
        };
        let storage = self.state.storage();
        let at = at as i64;
        match storage.get_alarm().await? {
            Some(existing) if existing <= at => Ok(()),
            _ => {
                let offset = at - Date::now().as_millis() as i64;
                storage.set_alarm(offset.max(0)).await
            }
        }
    }
}

/// The deployment's directory.
#[durable_object(fetch)]
pub struct DirectoryObject {
    state: State,
    env: Env,
}

impl DurableObject for DirectoryObject {
    fn new(state: State, env: Env) -> Self {
        DirectoryObject { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let bytes = req.bytes().await?;
        let answer = match self.serve(&bytes) {
            Ok(answer) => answer,
            Err(failure) => Answer::from(failure),
        };
        Response::from_bytes(encode_response(&answer))
    }
}

impl DirectoryObject {
    fn serve(&self, bytes: &[u8]) -> std::result::Result<Answer, Failure> {
        let (call, _): (DirectoryCall, &[u8]) = decode_message(bytes)?;
        let config = config::read(&self.env)?;
        let table = SqlTable::new(self.state.storage().sql());
        Ok(server::directory::serve(&call, &table, &config))
    }
}
