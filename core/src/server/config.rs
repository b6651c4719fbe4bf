//! The deployment's settings, read from the worker's variables and secrets.

use super::limits::Limits;

/// Variable: `"true"` lets anyone create a shop; anything else requires the sign-up secret.
pub const OPEN_SIGNUP: &str = "OPEN_SIGNUP";
/// Secret: the value `X-Huike-Signup-Secret` must carry to create a shop on a closed deployment.
pub const SIGNUP_SECRET: &str = "SIGNUP_SECRET";
/// Variable: days a batch or a superseded snapshot is kept after a newer snapshot covers it
/// (a decimal number; `0` deletes at the next compaction).
pub const RETENTION_DAYS: &str = "RETENTION_DAYS";
/// Variable: most KV deletes one shop's compaction makes per day (UTC).
pub const COMPACTION_DELETES_PER_DAY: &str = "COMPACTION_DELETES_PER_DAY";
/// Variable: rate-limit overrides, see [`Limits::with_overrides`].
pub const RATE_LIMITS: &str = "RATE_LIMITS";

const DAY_MS: f64 = 86_400_000.0;

/// Everything configurable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Anyone may create a shop.
    pub open_signup: bool,
    /// The sign-up secret, when configured.
    pub signup_secret: Option<String>,
    /// How long covered batches and superseded snapshots are kept, ms.
    pub retention_ms: u64,
    /// Most KV deletes per shop per UTC day.
    pub deletes_per_day: u32,
    /// Rate limits.
    pub limits: Limits,
}

impl Default for Config {
    /// Closed sign-up without a secret (no shop can be created), 30 days of retention, 250
    /// deletes a day per shop, the default limits.
    fn default() -> Self {
        Config {
            open_signup: false,
            signup_secret: None,
            retention_ms: 30 * 86_400_000,
            deletes_per_day: 250,
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// Open sign-up and otherwise the defaults: what tests and `wrangler dev` use.
    pub fn open() -> Self {
        Config {
            open_signup: true,
            ..Config::default()
        }
    }

    /// Reads the settings through `var` (a variable's or secret's value by name); absent
    /// variables keep their defaults. Names the variable that has a bad value.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(open) = var(OPEN_SIGNUP) {
            config.open_signup = open.trim().eq_ignore_ascii_case("true");
        }
        config.signup_secret = var(SIGNUP_SECRET).filter(|s| !s.is_empty());
        if let Some(days) = var(RETENTION_DAYS) {
            let days: f64 = days
                .trim()
                .parse()
                .ok()
                .filter(|d: &f64| d.is_finite() && *d >= 0.0)
                .ok_or_else(|| {
                    format!("{RETENTION_DAYS} must be a number of days ≥ 0, not {days:?}")
                })?;
            config.retention_ms = (days * DAY_MS) as u64;
        }
        if let Some(deletes) = var(COMPACTION_DELETES_PER_DAY) {
            config.deletes_per_day = deletes.trim().parse().map_err(|_| {
                format!("{COMPACTION_DELETES_PER_DAY} must be a whole number, not {deletes:?}")
            })?;
        }
        if let Some(text) = var(RATE_LIMITS) {
            config.limits =
                Limits::with_overrides(&text).map_err(|e| format!("{RATE_LIMITS}: {e}"))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_are_closed_with_thirty_days_of_retention() {
        let c = Config::from_vars(vars(&[])).unwrap();
        assert_eq!(c, Config::default());
        assert!(!c.open_signup);
        assert_eq!(c.retention_ms, 30 * 86_400_000);
    }

    #[test]
    fn variables_are_read_and_bad_values_named() {
        let c = Config::from_vars(vars(&[
            (OPEN_SIGNUP, "TRUE"),
            (SIGNUP_SECRET, "s3cret"),
            (RETENTION_DAYS, "0"),
            (COMPACTION_DELETES_PER_DAY, "50"),
            (RATE_LIMITS, "join/ip=1/60"),
        ]))
        .unwrap();
        assert!(c.open_signup);
        assert_eq!(c.signup_secret.as_deref(), Some("s3cret"));
        assert_eq!((c.retention_ms, c.deletes_per_day), (0, 50));
        assert_eq!(
            Config::from_vars(vars(&[(RETENTION_DAYS, "0.5")]))
                .unwrap()
                .retention_ms,
            43_200_000
        );
        for (name, bad) in [
            (RETENTION_DAYS, "-1"),
            (RETENTION_DAYS, "soon"),
            (COMPACTION_DELETES_PER_DAY, "lots"),
            (RATE_LIMITS, "join"),
        ] {
            let e = Config::from_vars(vars(&[(name, bad)])).unwrap_err();
            assert!(e.contains(name), "{e}");
        }
        assert!(
            !Config::from_vars(vars(&[(OPEN_SIGNUP, "false")]))
                .unwrap()
                .open_signup
        );
    }
}
