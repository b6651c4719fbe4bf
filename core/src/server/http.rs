//! Framework-free HTTP request and response types, and the error answers.

use std::borrow::Cow;

use crate::sync::{ApiError, MAX_BODY_BYTES};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::kv::KvError;

/// The content type of JSON answers.
pub const JSON: &str = "application/json";
/// The content type of snapshot parts.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// What the server needs of an HTTP request. Serializable (without its body, which travels
/// beside it) so the edge can hand it to a shop's coordinator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The method, upper case (`GET`, `POST`, …).
    pub method: String,
    /// The URL path without the query string, e.g. `/v1/log/3`.
    pub path: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Origin` header (for CORS).
    pub origin: Option<String>,
    /// The caller's IP address as the platform reports it (`CF-Connecting-IP`), for rate
    /// limits. Absent in tests that do not care.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// The `X-Huike-Signup-Secret` header (creating a shop on a closed deployment).
    #[serde(default)]
    pub signup_secret: Option<String>,
    /// The body; an adapter may stop reading after [`MAX_BODY_BYTES`] + 1 bytes (enough to
    /// know it is too large).
    #[serde(skip)]
    pub body: Vec<u8>,
}

impl Request {
    /// A request with a JSON body (sets the content type), for tests and clients.
    pub fn json(method: &str, path: &str, token: Option<&str>, body: &impl Serialize) -> Self {
        Request {
            body: serde_json::to_vec(body).unwrap_or_default(),
            content_type: Some(JSON.into()),
            ..Request::empty(method, path, token)
        }
    }

    /// A request with a raw body of type `application/octet-stream`.
    pub fn bytes(method: &str, path: &str, token: Option<&str>, body: Vec<u8>) -> Self {
        Request {
            body,
            content_type: Some(OCTET_STREAM.into()),
            ..Request::empty(method, path, token)
        }
    }

    /// A request without a body.
    pub fn empty(method: &str, path: &str, token: Option<&str>) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            authorization: token.map(|t| format!("Bearer {t}")),
            ..Request::default()
        }
    }

    /// A copy without the body (which travels beside it to a coordinator).
    pub fn head(&self) -> Request {
        Request {
            method: self.method.clone(),
            path: self.path.clone(),
            authorization: self.authorization.clone(),
            content_type: self.content_type.clone(),
            origin: self.origin.clone(),
            client_ip: self.client_ip.clone(),
            signup_secret: self.signup_secret.clone(),
            body: Vec::new(),
        }
    }

    /// The caller's address for rate limits (`unknown` when the platform gave none).
    pub fn ip(&self) -> &str {
        self.client_ip.as_deref().unwrap_or("unknown")
    }
}

/// The server's answer: a status, a body with its content type, and any extra headers
/// (`Allow`, `WWW-Authenticate`, `Retry-After`, CORS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `application/json` or `application/octet-stream`; `None` for an empty body.
    pub content_type: Option<String>,
    /// The body (JSON text, or a snapshot part's bytes).
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Extra headers, name and value.
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(body) => Response::raw_json(status, body),
            Err(e) => {
                Failure::new(500, "internal", format!("could not encode the answer: {e}")).into()
            }
        }
    }

    /// A JSON answer from text already encoded.
    pub fn raw_json(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            content_type: Some(JSON.to_owned()),
            body,
            headers: Vec::new(),
        }
    }

    /// A `200` answer carrying raw bytes.
    pub fn bytes(body: Vec<u8>) -> Self {
        Response {
            status: 200,
            content_type: Some(OCTET_STREAM.to_owned()),
            body,
            headers: Vec::new(),
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            content_type: None,
            body: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The value of the header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy), for messages and tests.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as `T` (for tests and clients).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A refused request: status, a stable error code and a message for a person. Becomes a
/// [`Response`] with an [`ApiError`] body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// HTTP status (4xx, or 503 when storage failed).
    pub status: u16,
    /// Machine-readable code.
    pub error: Cow<'static, str>,
    /// What was wrong.
    pub message: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Failure {
    /// A failure without extra headers.
    pub fn new(status: u16, error: &'static str, message: impl Into<String>) -> Self {
        Failure {
            status,
            error: Cow::Borrowed(error),
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 with the given code.
    pub fn bad_request(error: &'static str, message: impl Into<String>) -> Self {
        Failure::new(400, error, message)
    }

    /// 403 `forbidden`: only an owner may do `action`.
    pub fn owner_only(action: &str) -> Self {
        Failure::new(
            403,
            "forbidden",
            format!("only the shop owner can {action}"),
        )
    }

    /// 429 `rate_limited` with `Retry-After` (whole seconds, at least 1).
    pub fn rate_limited(message: impl Into<String>, retry_after_s: u64) -> Self {
        Failure::new(429, "rate_limited", message)
            .with_header("Retry-After", retry_after_s.max(1).to_string())
    }

    /// 503 `not_ready`: something stored is not visible yet; retry after a few seconds.
    pub fn not_ready(message: impl Into<String>) -> Self {
        Failure::new(503, "not_ready", message).with_header("Retry-After", "5")
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

impl From<Failure> for Response {
    fn from(f: Failure) -> Self {
        let body = ApiError {
            error: f.error.into_owned(),
            message: f.message,
        };
        let mut r = Response::json(f.status, &body);
        r.headers = f.headers;
        r
    }
}

impl From<KvError> for Failure {
    fn from(e: KvError) -> Self {
        Failure::new(
            503,
            "storage_unavailable",
            format!("{e}; nothing was changed, try again"),
        )
        .with_header("Retry-After", "5")
    }
}

/// Checks the content type (415) and the size (413) of a body that must be `mime`.
fn check_body(req: &Request, mime: &str) -> Result<(), Failure> {
    let matches = req
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|got| got.trim().eq_ignore_ascii_case(mime));
    if !matches {
        let got = req.content_type.as_deref().unwrap_or("none");
        return Err(Failure::new(
            415,
            "unsupported_media_type",
            format!("send the body with Content-Type: {mime} (got {got})"),
        ));
    }
    if req.body.len() > MAX_BODY_BYTES {
        return Err(Failure::new(
            413,
            "body_too_large",
            format!("the body is larger than the limit of {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Reads a JSON body as `T`: checks the content type (415), the size (413), that it is a JSON
/// object (400: serde would also take an array for a struct) and the JSON itself (400, naming
/// serde's complaint: the field, the expected type, the position).
pub(super) fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Failure> {
    check_body(req, JSON)?;
    let first = req.body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(Failure::bad_request(
            "invalid_json",
            "the body must be a JSON object ({ … })",
        ));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| Failure::bad_request("invalid_json", format!("the body is not valid: {e}")))
}

/// Reads a raw `application/octet-stream` body: 415, 413, and 400 `empty_body` when empty.
pub(super) fn bytes_body(req: &Request) -> Result<&[u8], Failure> {
    check_body(req, OCTET_STREAM)?;
    if req.body.is_empty() {
        return Err(Failure::bad_request("empty_body", "the body is empty"));
    }
    Ok(&req.body)
}
