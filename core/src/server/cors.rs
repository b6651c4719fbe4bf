//! Cross-origin access, limited to configured origins.

use super::http::Response;

/// The methods a browser may use.
const METHODS: &str = "GET, POST, PUT, OPTIONS";
/// The request headers a browser may send.
const HEADERS: &str = "Authorization, Content-Type, X-Huike-Signup-Secret";
/// The answer headers a page may read besides the simple ones.
const EXPOSED: &str = "Retry-After";
/// How long a browser may cache a preflight answer, seconds (browsers cap it at 2 hours).
const MAX_AGE_S: &str = "7200";

/// The origins allowed to call the API from a browser. Others get no CORS headers, so their
/// pages cannot read the answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

impl Cors {
    /// From a comma-separated list such as `https://huike.example, http://127.0.0.1:8080`
    /// (spaces and trailing slashes ignored; an origin must match exactly, no wildcards).
    pub fn new(list: &str) -> Self {
        let origins = list
            .split(',')
            .map(|o| o.trim().trim_end_matches('/'))
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        Cors { origins }
    }

    /// True when `origin` is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// The answer to an `OPTIONS` preflight: 204, with the CORS headers for an allowed origin.
    pub fn preflight(&self, origin: Option<&str>) -> Response {
        let mut response = Response::empty(204);
        if self.apply(origin, &mut response) {
            for (name, value) in [
                ("Access-Control-Allow-Methods", METHODS),
                ("Access-Control-Allow-Headers", HEADERS),
                ("Access-Control-Max-Age", MAX_AGE_S),
            ] {
                response.headers.push((name.to_owned(), value.to_owned()));
            }
        }
        response
    }

    /// Adds `Vary: Origin` and, for an allowed origin, `Access-Control-Allow-Origin` and
    /// `Access-Control-Expose-Headers` to an answer. Returns whether the origin is allowed.
    pub fn apply(&self, origin: Option<&str>, response: &mut Response) -> bool {
        response
            .headers
            .push(("Vary".to_owned(), "Origin".to_owned()));
        match origin {
            Some(origin) if self.allows(origin) => {
                response
                    .headers
                    .push(("Access-Control-Allow-Origin".to_owned(), origin.to_owned()));
                response.headers.push((
                    "Access-Control-Expose-Headers".to_owned(),
                    EXPOSED.to_owned(),
                ));
                true
            }
            _ => false,
        }
    }
}
