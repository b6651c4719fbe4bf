//! Routing, authentication headers, request bodies, sign-up, CORS and storage failures.

mod server_support;

use huike_core::domain::Role;
use huike_core::server::{Config, Cors, MemoryKv, Request};
use server_support::{Server, assert_error};

#[test]
fn health_answers_without_storage() {
    let s = Server::new();
    let r = s.call(&Request::empty("GET", "/v1/health", None));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.parse::<serde_json::Value>().unwrap(),
        serde_json::json!({"status": "ok", "api": "v1"})
    );
    assert_eq!(s.kv.counts().total(), 0);
    assert_eq!(s.coord.directory_table().writes(), 0);
}

#[test]
fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let s = Server::new();
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
        "/v1/snapshots",
        "/v1/snapshots/s",
        "/v1/snapshots/s/parts",
        "/v1/snapshots/s/parts/0/x",
        "/v1/snapshot/s",
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
        ("DELETE", "/v1/snapshots/s/parts/0", "GET, PUT"),
        ("PUT", "/v1/snapshot", "GET"),
        ("GET", "/v1/snapshots/s/commit", "POST"),
    ] {
        let r = s.call(&Request::empty(method, path, None));
        assert_error(&r, 405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some(allowed), "{method} {path}");
    }
    assert_eq!(s.kv.counts().total(), 0);
}

#[test]
fn authorization_must_be_a_known_bearer_token() {
    let s = Server::new();
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
        Some(&format!("Bearer {}.{}", owner.shop_id, "0".repeat(64))),
        Some(&format!(
            "Bearer 0190c5a0-0000-7000-8000-000000000001.{}",
            "0".repeat(64)
        )),
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
    let s = Server::new();
    let r = s.call(&Request {
        body: b"not json".to_vec(),
        ..Request::empty("PUT", "/v1/log/1", None)
    });
    assert_error(&r, 401, "unauthorized");
}

#[test]
fn a_storage_failure_is_503_and_the_same_batch_retried_is_stored() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "c");
    s.kv.set_failing(true);
    let r = s.push(&owner.token, 1, "x");
    let e = assert_error(&r, 503, "storage_unavailable");
    assert!(e.message.contains("try again"));
    assert!(r.header("Retry-After").is_some());
    s.kv.set_failing(false);
    assert!(s.kv.keys().is_empty(), "nothing was stored");
    assert!(s.pull(&clerk.token, &[]).batches.is_empty());
    assert_error(&s.push(&owner.token, 1, "other"), 409, "conflict");
    assert_eq!(s.push(&owner.token, 1, "x").status, 201, "the retry works");
    let pulled = s.pull(&clerk.token, &[]);
    assert_eq!(pulled.batches.len(), 1);
    assert_eq!(pulled.batches[0].payload, "x");
}

#[test]
fn an_unreachable_coordinator_is_503_and_changes_nothing() {
    let s = Server::new();
    let owner = s.create_shop("A");
    s.coord.set_unreachable(true);
    assert_error(&s.push(&owner.token, 1, "x"), 503, "storage_unavailable");
    assert_error(
        &s.call(&Server::create_shop_request("B")),
        503,
        "storage_unavailable",
    );
    s.coord.set_unreachable(false);
    assert!(s.kv.keys().is_empty());
    assert_eq!(s.push(&owner.token, 1, "x").status, 201);
}

#[test]
fn bodies_that_are_not_json_objects_are_400() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let json = |method: &str, path: &str, token: Option<&str>, body: &str| Request {
        body: body.as_bytes().to_vec(),
        content_type: Some("application/json".into()),
        ..Request::empty(method, path, token)
    };
    let token = Some(owner.token.as_str());
    for (method, path, token) in [
        ("POST", "/v1/shops", None),
        ("POST", "/v1/join", None),
        ("POST", "/v1/invites", token),
        ("PUT", "/v1/log/1", token),
        ("POST", "/v1/pull", token),
        ("POST", "/v1/snapshots/s1/commit", token),
    ] {
        for body in [
            r#"["A","B"]"#,
            "7",
            " \"text\"",
            "null",
            "true",
            "[1,1,\"x\"]",
        ] {
            let e = assert_error(
                &s.call(&json(method, path, token, body)),
                400,
                "invalid_json",
            );
            assert!(
                e.message.contains("object"),
                "{method} {path} {body}: {}",
                e.message
            );
        }
    }
    assert!(s.kv.keys().is_empty());
    let list: huike_core::sync::DeviceList = s
        .call(&Request::empty("GET", "/v1/devices", token))
        .parse()
        .unwrap();
    assert_eq!(list.devices.len(), 1, "no device was added");
}

#[test]
fn over_long_and_odd_path_ids_are_4xx_not_storage_errors() {
    let s = Server::new();
    let owner = s.create_shop("A");
    let token = Some(owner.token.as_str());
    for id in ["x".repeat(600), "a%2Fb".into(), "ü".into(), "..".into()] {
        let r = s.call(&Request::empty(
            "POST",
            &format!("/v1/devices/{id}/revoke"),
            token,
        ));
        let e = assert_error(&r, 404, "device_not_found");
        assert!(e.message.len() < 300, "the id is not echoed whole");
        let r = s.call(&Request::empty(
            "GET",
            &format!("/v1/snapshots/{id}/parts/0"),
            token,
        ));
        assert_error(&r, 404, "part_not_found");
        let r = s.call(&Request::bytes(
            "PUT",
            &format!("/v1/snapshots/{id}/parts/0"),
            token,
            b"x".to_vec(),
        ));
        assert_error(&r, 400, "invalid_snapshot_id");
    }
    let r = s.call(&Request::empty(
        "PUT",
        &format!("/v1/log/{}", "9".repeat(600)),
        token,
    ));
    assert_error(&r, 400, "invalid_seq");
}

#[test]
fn a_closed_deployment_needs_the_signup_secret() {
    let closed = Config {
        signup_secret: Some("let-me-in".into()),
        ..Config::default()
    };
    let s = Server::with(MemoryKv::new(), closed);
    let create = |secret: Option<&str>| Request {
        signup_secret: secret.map(str::to_owned),
        ..Server::create_shop_request("A")
    };
    for bad in [None, Some(""), Some("let-me-in "), Some("LET-ME-IN")] {
        let e = assert_error(&s.call(&create(bad)), 403, "signup_closed");
        assert!(e.message.contains("X-Huike-Signup-Secret"));
    }
    assert_eq!(s.coord.directory_table().writes(), 0, "refused at the edge");
    assert_eq!(s.call(&create(Some("let-me-in"))).status, 201);

    let no_secret = Server::with(MemoryKv::new(), Config::default());
    assert_error(
        &no_secret.call(&create(Some("anything"))),
        403,
        "signup_closed",
    );
    let open = Server::with(MemoryKv::new(), Config::open());
    assert_eq!(open.call(&create(None)).status, 201);
}

#[test]
fn cors_is_limited_to_configured_origins() {
    let s = Server::new();
    let cors = Cors::new(" https://huike.example/ , http://127.0.0.1:8080,");
    assert!(cors.allows("https://huike.example") && cors.allows("http://127.0.0.1:8080"));
    assert!(!cors.allows("http://127.0.0.1:8081") && !cors.allows(""));
    let with_origin = |method: &str, origin: &str| Request {
        origin: Some(origin.into()),
        ..Request::empty(method, "/v1/pull", None)
    };

    let ok = s.serve(&with_origin("OPTIONS", "http://127.0.0.1:8080"), &cors);
    assert_eq!((ok.status, ok.body.as_slice()), (204, &b""[..]));
    assert!(
        ok.header("Access-Control-Allow-Headers")
            .unwrap()
            .contains("X-Huike-Signup-Secret")
    );
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
    assert_eq!(
        answer.header("Access-Control-Expose-Headers"),
        Some("Retry-After"),
        "a page can read Retry-After"
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
    let s = Server::new();
    let owner = s.create_shop("A");
    let clerk = s.add_device(&owner.token, Role::Clerk, "c");
    let revoke = Request::empty(
        "POST",
        &format!("/v1/devices/{}/revoke", owner.device_id),
        Some(&clerk.token),
    );
    assert_error(&s.call(&revoke), 403, "forbidden");
}
