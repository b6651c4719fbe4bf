//! Huike's sync server as a Cloudflare Worker. All request handling lives in
//! [`huike_core::server`]; this crate only translates `worker` requests and responses, and
//! supplies the KV namespace (binding `HUIKE_KV`), the clock, randomness and the allowed CORS
//! origins (variable `ALLOWED_ORIGINS`, comma-separated).

mod kv;

use futures_util::StreamExt;
use huike_core::server::{self, Cors};
use huike_core::sync::MAX_BODY_BYTES;
use kv::WorkersKv;
use worker::{Context, Date, Env, Headers, Request, Response, Result, event};

/// The KV namespace binding in `wrangler.toml`.
const KV_BINDING: &str = "HUIKE_KV";
/// The variable listing the origins allowed to call from a browser.
const ORIGINS_VAR: &str = "ALLOWED_ORIGINS";

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let origins = env
        .var(ORIGINS_VAR)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let store = WorkersKv(env.kv(KV_BINDING)?);
    let request = server::Request {
        method: req.method().to_string(),
        path: req.path(),
        authorization: req.headers().get("Authorization")?,
        content_type: req.headers().get("Content-Type")?,
        origin: req.headers().get("Origin")?,
        body: read_body(&mut req).await?,
    };
    let mut random = |buf: &mut [u8]| {
        getrandom::getrandom(buf).expect("the runtime's crypto.getRandomValues is available")
    };
    let response = server::serve(
        &request,
        &Cors::new(&origins),
        &store,
        Date::now().as_millis(),
        &mut random,
    )
    .await;
    into_worker(response)
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
    let body = if response.body.is_empty() {
        Response::empty()?
    } else {
        headers.set("Content-Type", "application/json; charset=utf-8")?;
        Response::from_bytes(response.body.into_bytes())?
    };
    Ok(body.with_status(response.status).with_headers(headers))
}
