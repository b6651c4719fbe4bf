//! [`Coordinator`] over Durable Object stubs: each call is one request to the shop's object
//! (named by the shop id) or to the deployment's directory object.

use huike_core::server::{
    Coordinator, DirectoryCall, Failure, Response, ShopCall, decode_response, encode_message,
};
use js_sys::Uint8Array;
use worker::{Method, ObjectNamespace, Request, RequestInit};

/// The namespace binding of the shops' objects.
pub(crate) const SHOPS_BINDING: &str = "SHOPS";
/// The namespace binding of the directory object.
pub(crate) const DIRECTORY_BINDING: &str = "DIRECTORY";
/// The directory object's name (there is one).
const DIRECTORY_NAME: &str = "directory";

/// The coordinators as Durable Objects.
pub(crate) struct DurableCoordinator {
    /// Shop objects.
    pub shops: ObjectNamespace,
    /// The directory's namespace.
    pub directory: ObjectNamespace,
}

impl DurableCoordinator {
    async fn send(
        namespace: &ObjectNamespace,
        name: &str,
        message: Vec<u8>,
    ) -> Result<Response, Failure> {
        let unreachable = |e: worker::Error| {
            Failure::new(
                503,
                "storage_unavailable",
                format!(
                    "the coordinator could not be reached ({e}); nothing was changed, try again"
                ),
            )
            .with_header("Retry-After", "5")
        };
        let stub = namespace.get_by_name(name).map_err(unreachable)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(Uint8Array::from(message.as_slice()).into()));
        let request =
            Request::new_with_init("https://coordinator/call", &init).map_err(unreachable)?;
        let mut answer = stub
            .fetch_with_request(request)
            .await
            .map_err(unreachable)?;
        let bytes = answer.bytes().await.map_err(unreachable)?;
        decode_response(&bytes)
    }
}

impl Coordinator for DurableCoordinator {
    async fn shop(&self, shop_id: &str, call: &ShopCall, body: &[u8]) -> Result<Response, Failure> {
        Self::send(&self.shops, shop_id, encode_message(call, body)).await
    }

    async fn directory(&self, call: &DirectoryCall) -> Result<Response, Failure> {
        Self::send(&self.directory, DIRECTORY_NAME, encode_message(call, &[])).await
    }
}
