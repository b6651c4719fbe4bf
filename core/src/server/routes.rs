//! The API's paths and the methods each answers.

use super::http::Failure;

/// A route, with the path parameters it carries (unchecked text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /v1/health`
    Health,
    /// `POST /v1/shops`
    Shops,
    /// `POST /v1/invites`
    Invites,
    /// `POST /v1/join`
    Join,
    /// `PUT /v1/log/{seq}`
    Log(&'a str),
    /// `POST /v1/pull`
    Pull,
    /// `GET /v1/devices`
    Devices,
    /// `POST /v1/devices/{id}/revoke`
    Revoke(&'a str),
    /// `GET /v1/snapshot`
    Snapshot,
    /// `PUT` or `GET /v1/snapshots/{snap}/parts/{n}`
    SnapshotPart(&'a str, &'a str),
    /// `POST /v1/snapshots/{snap}/commit`
    SnapshotCommit(&'a str),
}

impl<'a> Route<'a> {
    /// The route at `path`, or `None`.
    pub fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/")?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        Some(match segments.as_slice() {
            ["health"] => Route::Health,
            ["shops"] => Route::Shops,
            ["invites"] => Route::Invites,
            ["join"] => Route::Join,
            ["log", seq] => Route::Log(seq),
            ["pull"] => Route::Pull,
            ["devices"] => Route::Devices,
            ["devices", id, "revoke"] => Route::Revoke(id),
            ["snapshot"] => Route::Snapshot,
            ["snapshots", snap, "parts", n] => Route::SnapshotPart(snap, n),
            ["snapshots", snap, "commit"] => Route::SnapshotCommit(snap),
            _ => return None,
        })
    }

    /// The route at `path` answering `method`: 404 `not_found` for an unknown path, 405
    /// `method_not_allowed` (with `Allow`) for another method.
    pub fn resolve(method: &str, path: &'a str) -> Result<Self, Failure> {
        let route = Route::parse(path).ok_or_else(|| {
            Failure::new(
                404,
                "not_found",
                format!("no route {path:?}; see docs/openapi.yaml"),
            )
        })?;
        let methods = route.methods();
        if !methods.contains(&method) {
            let allow = methods.join(", ");
            return Err(Failure::new(
                405,
                "method_not_allowed",
                format!("{path} answers {allow} only, not {method}"),
            )
            .with_header("Allow", allow));
        }
        Ok(route)
    }

    /// The methods the route answers.
    pub fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::Health | Route::Devices | Route::Snapshot => &["GET"],
            Route::Log(_) => &["PUT"],
            Route::SnapshotPart(..) => &["GET", "PUT"],
            Route::Shops
            | Route::Invites
            | Route::Join
            | Route::Pull
            | Route::Revoke(_)
            | Route::SnapshotCommit(_) => &["POST"],
        }
    }

    /// True for the routes a device calls with its token (served by its shop's coordinator).
    pub fn is_device_route(&self) -> bool {
        !matches!(self, Route::Health | Route::Shops | Route::Join)
    }
}

/// True when `id` can be an id this server made or accepts in a path or cursor: 1 to 64
/// characters of ASCII letters, digits, `-` and `_`. Anything else names nothing stored.
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
