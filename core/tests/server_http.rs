//! Routing, authentication headers, CORS and storage failures.

mod server_support;

use huike_core::domain::Role;
use huike_core::server::{Cors, Request};
use server_support::{Server, assert_error};

#[test]
fn health_answers_without_storage() {
    let mut s = Server::new();
    let r = s.call(&Request::empty("GET", "/v1/health", None));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.parse::<serde_json::Value>().unwrap(),
        serde_json::json!({"status": "ok", "api": "v1"})
    );
    assert_eq!(s.kv.counts().total(), 0);
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let mut s = Server::new();
    for path in [
        "/",
        "/v1",
        "/v1/",
        "/v2/health",
        "/v1/health/",
        "/v1//health",
        "/v1/log",
        "/v1/log/1/2",
        "/v1/devices/x",
        "/v1/devices//revoke",
        "/health",
    ] {
        assert_error(
            &s.call(&Request::empty("GET", path, None)),
            404,
            "not_found",
        );
    }
    for (method, path, allowed) in [
        ("POST", "/v1/health", "GET"),
        ("GET", "/v1/shops", "POST"),
        ("DELETE", "/v1/devices", "GET"),
        ("POST", "/v1/log/1", "PUT"),
        ("GET", "/v1/pull", "POST"),
        ("GET", "/v1/devices/x/revoke", "POST"),
        ("OPTIONS", "/v1/join", "POST"),
    ] {
        let r = s.call(&Request::empty(method, path, None));
        assert_error(&r, 405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some(allowed), "{method} {path}");
    }
    assert_eq!(s.kv.counts().total(), 0);
}

#[test]
fn authorization_must_be_a_known_bearer_token() {
    let mut s = Server::new();
    let owner = s.create_shop("A");
    let devices = |auth: Option<&str>| Request {
        authorization: auth.map(str::to_owned),
        ..Request::empty("GET", "/v1/devices", None)
    };
    for bad in [
        None,
        Some(""),
        Some("Bearer"),
        Some("Basic abc"),
        Some(&format!("Token {}", owner.token)),
        Some("Bearer short"),
        Some(&format!("Bearer {}", "0".repeat(64))),
    ] {
        let r = s.call(&devices(bad));
        assert_error(&r, 401, "unauthorized");
        assert_eq!(r.header("WWW-Authenticate"), Some("Bearer"));
    }
    for good in [
        format!("Bearer {}", owner.token),
        format!("bearer {}", owner.token.to_uppercase()),
        format!("  Bearer  {}  ", owner.token),
    ] {
        assert_eq!(s.call(&devices(Some(&good))).status, 200, "{good}");
    }
}

#[test]
fn authentication_comes_before_the_body_is_read() {
    let mut s = Server::new();
    let r = s.call(&Request {
        body: b"not json".to_vec(),
        ..Request::empty("PUT", "/v1/log/1", None)
    });
    assert_error(&r, 401, "unauthorized");
}

#[test]
fn a_storage_failure_is_503_and_changes_nothing() {
    let mut s = Server::new();
    let owner = s.create_shop("A");
    let keys = s.kv.keys();
    s.kv.set_failing(true);
    let e = assert_error(&s.push(&owner.token, 1, "x"), 503, "storage_unavailable");
    assert!(e.message.contains("try again"));
    let body = serde_json::json!({"shop_name": "B", "owner_name": "b"});
    assert_error(
        &s.call(&Request::json("POST", "/v1/shops", None, &body)),
        503,
        "storage_unavailable",
    );
    s.kv.set_failing(false);
    assert_eq!(s.kv.keys(), keys);
    assert_eq!(s.push(&owner.token, 1, "x").status, 201, "the retry works");
}

#[test]
fn cors_is_limited_to_configured_origins() {
    let mut s = Server::new();
    let cors = Cors::new(" https://huike.example/ , http://127.0.0.1:8080,");
    assert!(cors.allows("https://huike.example") && cors.allows("http://127.0.0.1:8080"));
    assert!(!cors.allows("http://127.0.0.1:8081") && !cors.allows(""));
    let with_origin = |method: &str, origin: &str| Request {
        origin: Some(origin.into()),
        ..Request::empty(method, "/v1/pull", None)
    };

    let ok = s.serve(&with_origin("OPTIONS", "http://127.0.0.1:8080"), &cors);
    assert_eq!((ok.status, ok.body.as_str()), (204, ""));
    assert_eq!(
        ok.header("Access-Control-Allow-Origin"),
        Some("http://127.0.0.1:8080")
    );
    assert!(
        ok.header("Access-Control-Allow-Headers")
            .unwrap()
            .contains("Authorization")
    );
    assert!(
        ok.header("Access-Control-Allow-Methods")
            .unwrap()
            .contains("PUT")
    );
    assert_eq!(ok.header("Vary"), Some("Origin"));

    let refused = s.serve(&with_origin("OPTIONS", "https://evil.example"), &cors);
    assert_eq!(refused.status, 204);
    assert!(
        refused
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("Access-Control")),
        "{:?}",
        refused.headers
    );

    let answer = s.serve(&with_origin("POST", "https://huike.example"), &cors);
    assert_error(&answer, 401, "unauthorized");
    assert_eq!(
        answer.header("Access-Control-Allow-Origin"),
        Some("https://huike.example"),
        "errors are readable too"
    );
    let foreign = s.serve(&with_origin("POST", "https://evil.example"), &cors);
    assert_eq!(foreign.header("Access-Control-Allow-Origin"), None);
    let no_origin = s.serve(&Request::empty("GET", "/v1/health", None), &cors);
    assert_eq!(
        (
            no_origin.status,
            no_origin.header("Access-Control-Allow-Origin")
        ),
        (200, None)
    );
}

#[test]
fn the_role_is_checked_after_the_token() {
    let mut s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "c");
    let revoke = Request::empty(
        "POST",
        &format!("/v1/devices/{}/revoke", owner.device_id),
        Some(&clerk.token),
    );
    assert_error(&s.call(&revoke), 403, "forbidden");
}
