//! The browser's `fetch` for the app's few HTTP calls: a method, a URL, a few headers and an
//! optional body in; the status, `Retry-After` and the body's bytes out; aborted after a
//! time limit. (An HTTP client crate such as reqwest brings a URL parser and the `http`
//! crate's types to the download, about 30 KB gzip, for what these lines do.)

use futures::future::{Either, select};
use gloo_timers::future::TimeoutFuture;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, Response};

/// A request's answer, whatever its status.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// A request to send.
pub struct Call<'a> {
    /// `GET`, `POST`, `PUT`, ….
    pub method: &'a str,
    /// Absolute URL.
    pub url: &'a str,
    /// Header names and values.
    pub headers: Vec<(&'a str, &'a str)>,
    /// The body, if any.
    pub body: Option<&'a [u8]>,
    /// After how many milliseconds the request is aborted.
    pub timeout_ms: u32,
}

impl Call<'_> {
    /// Sends the request; the answer, or why there was none (offline, refused by CORS,
    /// timed out).
    pub async fn send(self) -> Result<Answer, String> {
        let controller = AbortController::new().map_err(describe)?;
        let request = self.request(&controller)?;
        let window = web_sys::window().ok_or("no window")?;
        let fetch = JsFuture::from(window.fetch_with_request(&request));
        let response = match select(fetch, TimeoutFuture::new(self.timeout_ms)).await {
            Either::Left((answer, _)) => answer.map_err(describe)?,
            Either::Right(_) => {
                controller.abort();
                return Err("timed out".into());
            }
        };
        let response: Response = response.dyn_into().map_err(describe)?;
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let bytes = JsFuture::from(response.array_buffer().map_err(describe)?)
            .await
            .map_err(describe)?;
        Ok(Answer {
            status: response.status(),
            retry_after,
            body: Uint8Array::new(&bytes).to_vec(),
        })
    }

    fn request(&self, controller: &AbortController) -> Result<Request, String> {
        let headers = Headers::new().map_err(describe)?;
        for (name, value) in &self.headers {
            headers.set(name, value).map_err(describe)?;
        }
        let init = RequestInit::new();
        init.set_method(self.method);
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        if let Some(body) = self.body {
            init.set_body(&Uint8Array::from(body));
        }
        Request::new_with_str_and_init(self.url, &init).map_err(describe)
    }
}

/// A JavaScript error as text (a `TypeError: Failed to fetch` for a network failure).
fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.to_string()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
