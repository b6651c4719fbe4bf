//! Framework-free HTTP request and response types, and the error answers.

use crate::sync::{ApiError, MAX_BODY_BYTES};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::kv::KvError;

/// What the server needs of an HTTP request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// The body; an adapter may stop reading after [`MAX_BODY_BYTES`] + 1 bytes (enough to
    /// know it is too large).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with a JSON body (sets the content type), for tests and clients.
    pub fn json(method: &str, path: &str, token: Option<&str>, body: &impl Serialize) -> Self {
        Request {
            body: serde_json::to_vec(body).unwrap_or_default(),
            content_type: Some("application/json".into()),
            ..Request::empty(method, path, token)
        }
    }

    /// A request without a body.
    pub fn empty(method: &str, path: &str, token: Option<&str>) -> Self {
        Request {
            method: method.to_owned(),
            path: path.to_owned(),
            authorization: token.map(|t| format!("Bearer {t}")),
            content_type: None,
            origin: None,
            body: Vec::new(),
        }
    }
}

/// The server's answer: a status, a JSON body and any extra headers (`Allow`,
/// `WWW-Authenticate`, CORS). The content type is always `application/json`, except for an
/// empty body (a CORS preflight).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// JSON text, or empty.
    pub body: String,
    /// Extra headers, name and value.
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        match serde_json::to_string(body) {
            Ok(body) => Response {
                status,
                body,
                headers: Vec::new(),
            },
            Err(e) => {
                Failure::new(500, "internal", format!("could not encode the answer: {e}")).into()
            }
        }
    }

    /// The value of the header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Parses the body as `T` (for tests and clients).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}

/// A refused request: status, a stable error code and a message for a person. Becomes a
/// [`Response`] with an [`ApiError`] body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status (4xx, or 503 when storage failed).
    pub status: u16,
    /// Machine-readable code.
    pub error: &'static str,
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
            error,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 with the given code.
    pub fn bad_request(error: &'static str, message: impl Into<String>) -> Self {
        Failure::new(400, error, message)
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
            error: f.error.to_owned(),
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
    }
}

/// Reads a JSON body as `T`: checks the content type (415), the size (413) and the JSON
/// itself (400, naming serde's complaint: the field, the expected type, the position).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Failure> {
    let is_json = req
        .content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        let got = req.content_type.as_deref().unwrap_or("none");
        return Err(Failure::new(
            415,
            "unsupported_media_type",
            format!("send the body as JSON with Content-Type: application/json (got {got})"),
        ));
    }
    if req.body.len() > MAX_BODY_BYTES {
        return Err(Failure::new(
            413,
            "body_too_large",
            format!("the body is larger than the limit of {MAX_BODY_BYTES} bytes"),
        ));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| Failure::bad_request("invalid_json", format!("the body is not valid: {e}")))
}
