//! The HTTP client xtask uses (ureq): the worker's health probe, `seed-demo`'s API calls and
//! the static server's tests. Status codes are answers, not errors, and nothing is decoded on
//! the way (a compressed body arrives as sent).

use std::time::Duration;

/// An agent that reports every status as a response, with `timeout` for each whole call.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A response read whole: status, headers (lower-case names) and body bytes.
#[derive(Debug)]
pub(crate) struct Response {
    /// The status code, e.g. 200.
    pub status: u16,
    /// Header names (lower-case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body exactly as sent (not decompressed).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `GET url` with the given request headers, read whole.
pub(crate) fn get(
    url: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<Response, ureq::Error> {
    let mut request = agent(timeout).get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.call()?)
}

/// Reads a response whole (up to 64 MiB).
pub(crate) fn read(mut response: http::Response<ureq::Body>) -> Result<Response, ureq::Error> {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(Response {
        status,
        headers,
        body,
    })
}
