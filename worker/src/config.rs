//! The settings from the worker's variables and secrets.

use huike_core::server::{Config, Failure};
use worker::Env;

/// Reads [`Config`] from `env` (a secret or a variable of each name); a bad value is a 500
/// naming it, so a misconfigured deployment says so on every request.
pub(crate) fn read(env: &Env) -> Result<Config, Failure> {
    Config::from_vars(|name| {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
    })
    .map_err(|e| Failure::new(500, "misconfigured", e))
}
