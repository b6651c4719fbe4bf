//! Huike's sync server as a Cloudflare Worker. All request handling lives in
//! [`huike_core::server`]; this crate only translates `worker` requests and responses, hosts
//! the coordinators as Durable Objects ([`objects`]) and supplies the KV namespace (binding
//! `HUIKE_KV`), the clock, randomness, the allowed CORS origins (variable `ALLOWED_ORIGINS`,
//! comma-separated) and the settings of [`huike_core::server::Config`].

mod config;
mod coordinator;
mod kv;
mod objects;
mod sql_table;

use futures_util::StreamExt;
use huike_core::server::{self, Cors};
use huike_core::sync::MAX_BODY_BYTES;
use worker::{Context, Date, Env, Headers, Request, Response, Result, event};

pub use objects::{DirectoryObject, ShopObject};

/// The KV namespace binding in `wrangler.toml`.
pub(crate) const KV_BINDING: &str = "HUIKE_KV";
/// The variable listing the origins allowed to call from a browser.
const ORIGINS_VAR: &str = "ALLOWED_ORIGINS";

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let origins = env
        .var(ORIGINS_VAR)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let cors = Cors::new(&origins);
    let request = server::Request {
        method: req.method().to_string(),
        path: req.path(),
        authorization: req.headers().get("Authorization")?,
        content_type: req.headers().get("Content-Type")?,
        origin: req.headers().get("Origin")?,
        client_ip: req.headers().get("CF-Connecting-IP")?,
        signup_secret: req.headers().get("X-Huike-Signup-Secret")?,
        body: read_body(&mut req).await?,
    };
    let response = match config::read(&env) {
        Ok(config) => {
            let coordinator = coordinator::DurableCoordinator {
                shops: env.durable_object(coordinator::SHOPS_BINDING)?,
                directory: env.durable_object(coordinator::DIRECTORY_BINDING)?,
            };
            let mut random = random;
            server::serve(
                &request,
                &cors,
                &coordinator,
                &config,
                Date::now().as_millis(),
                &mut random,
            )
            .await
        }
        Err(failure) => {
            let mut response = server::Response::from(failure);
            cors.apply(request.origin.as_deref(), &mut response);
            response
        }
    };
    into_worker(response)
}

/// Fills `buf` from the runtime's `crypto.getRandomValues`.
pub(crate) fn random(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("the runtime's crypto.getRandomValues is available")
}

/// The body, read up to one byte past the limit (the server then refuses it with 413).
async fn read_body(req: &mut Request) -> Result<Vec<u8>> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > MAX_BODY_BYTES {
            body.truncate(MAX_BODY_BYTES + 1);
            break;
        }
    }
    Ok(body)
}

fn into_worker(response: server::Response) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Cache-Control", "no-store")?;
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let body = match &response.content_type {
        None => Response::empty()?,
        Some(content_type) => {
            let value = if content_type == server::JSON {
                "application/json; charset=utf-8"
            } else {
                content_type.as_str()
            };
            headers.set("Content-Type", value)?;
            Response::from_bytes(response.body)?
        }
    };
    Ok(body.with_status(response.status).with_headers(headers))
}
