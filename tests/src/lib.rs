//! Shared helpers for the native system tests. `cargo xtask test` starts a real `wrangler dev`
//! and the built app, then runs these tests with their addresses in the environment.

pub mod api;
pub mod browser;
pub mod openapi;
pub mod proxy;
pub mod steps;

/// The running worker's base URL (`HUIKE_WORKER_URL`, set by `cargo xtask test`).
pub fn worker_url() -> String {
    env_url("HUIKE_WORKER_URL")
}

/// The served app's base URL (`HUIKE_APP_URL`, set by `cargo xtask test`).
pub fn app_url() -> String {
    env_url("HUIKE_APP_URL")
}

fn env_url(name: &str) -> String {
    match std::env::var(name) {
        Ok(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
        _ => panic!(
            "{name} is not set: run these tests with `cargo xtask test`, which starts the worker and the app"
        ),
    }
}
