//! [`huike_core::server::Kv`] over a Workers KV namespace (binary values).

use huike_core::server::{Kv, KvError};
use worker::kv::KvStore;

/// A Workers KV namespace binding.
pub(crate) struct WorkersKv(pub KvStore);

fn failed(e: impl std::fmt::Display) -> KvError {
    KvError(e.to_string())
}

impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.0.get(key).bytes().await.map_err(failed)
    }

    async fn put(&self, key: &str, value: &[u8], expires_at_s: Option<u64>) -> Result<(), KvError> {
        let put = self.0.put_bytes(key, value).map_err(failed)?;
        let put = match expires_at_s {
            Some(at) => put.expiration(at),
            None => put,
        };
        put.execute().await.map_err(failed)
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.0.delete(key).await.map_err(failed)
    }
}
