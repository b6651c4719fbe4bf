//! Rate limits: fixed-window counters kept in a coordinator's [`Table`], answered with
//! 429 `rate_limited` and `Retry-After`.
//!
//! A rule allows `limit` requests of one kind per `window` for one subject: an IP address, a
//! device (its token) or the whole deployment. Counters live in the coordinator that serves
//! the request — the shop's for device requests (so an IP's count there is per shop), the
//! directory's for creating shops and joining — and cost one row write per admitted request.

use serde::{Deserialize, Serialize};

use super::http::Failure;
use super::table::Table;

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Creating a shop.
    Signup,
    /// Redeeming an invite code (every attempt).
    Join,
    /// A join with a code that does not exist (the guessing budget).
    FailedJoin,
    /// Creating an invite.
    Invite,
    /// Uploading: pushing a batch or a snapshot part.
    Push,
    /// Pulling batches or downloading snapshot parts.
    Pull,
}

impl Action {
    const ALL: [Action; 6] = [
        Action::Signup,
        Action::Join,
        Action::FailedJoin,
        Action::Invite,
        Action::Push,
        Action::Pull,
    ];

    fn name(self) -> &'static str {
        match self {
            Action::Signup => "signup",
            Action::Join => "join",
            Action::FailedJoin => "failed_join",
            Action::Invite => "invite",
            Action::Push => "push",
            Action::Pull => "pull",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Action::Signup => "new shops",
            Action::Join => "join attempts",
            Action::FailedJoin => "failed join attempts",
            Action::Invite => "invites",
            Action::Push => "uploads",
            Action::Pull => "pulls",
        }
    }
}

/// Whose requests a rule counts together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One IP address.
    Ip,
    /// One device (token).
    Device,
    /// Everyone.
    Deployment,
}

impl Scope {
    const ALL: [Scope; 3] = [Scope::Ip, Scope::Device, Scope::Deployment];

    fn name(self) -> &'static str {
        match self {
            Scope::Ip => "ip",
            Scope::Device => "device",
            Scope::Deployment => "deployment",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Scope::Ip => "from this address",
            Scope::Device => "from this device",
            Scope::Deployment => "on this server",
        }
    }
}

/// At most `limit` requests of `action` per `window_s` seconds for one subject of `scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// What is limited.
    pub action: Action,
    /// Whose requests are counted together.
    pub scope: Scope,
    /// Requests allowed per window.
    pub limit: u32,
    /// The window, seconds.
    pub window_s: u64,
}

/// The rules in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    rules: Vec<Rule>,
}

impl Default for Limits {
    /// The production rules:
    ///
    /// | action | scope | limit |
    /// |---|---|---|
    /// | signup | ip | 10 an hour |
    /// | join | ip | 30 per 10 minutes |
    /// | failed_join | deployment | 600 an hour |
    /// | invite | device | 30 per 10 minutes |
    /// | invite | ip | 60 per 10 minutes |
    /// | push | device | 600 per 10 minutes |
    /// | push | ip | 1,200 per 10 minutes |
    /// | pull | device | 600 per 10 minutes |
    /// | pull | ip | 1,200 per 10 minutes |
    fn default() -> Self {
        use Action::*;
        use Scope::*;
        let rule = |action, scope, limit, window_s| Rule {
            action,
            scope,
            limit,
            window_s,
        };
        Limits {
            rules: vec![
                rule(Signup, Ip, 10, 3600),
                rule(Join, Ip, 30, 600),
                rule(FailedJoin, Deployment, 600, 3600),
                rule(Invite, Device, 30, 600),
                rule(Invite, Ip, 60, 600),
                rule(Push, Device, 600, 600),
                rule(Push, Ip, 1200, 600),
                rule(Pull, Device, 600, 600),
                rule(Pull, Ip, 1200, 600),
            ],
        }
    }
}

impl Limits {
    /// The default rules with overrides from text such as
    /// `push/device=100/60, join/ip=5/600` (`action/scope=limit/window_seconds`, comma
    /// separated). A rule for an action and scope without a default is added.
    pub fn with_overrides(text: &str) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let rule = parse_rule(item)
                .ok_or_else(|| format!("{item:?} is not action/scope=limit/window_seconds"))?;
            match limits
                .rules
                .iter_mut()
                .find(|r| r.action == rule.action && r.scope == rule.scope)
            {
                Some(existing) => *existing = rule,
                None => limits.rules.push(rule),
            }
        }
        Ok(limits)
    }

    /// The rules for `action`.
    pub fn rules(&self, action: Action) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.action == action)
    }
}

fn parse_rule(item: &str) -> Option<Rule> {
    let (what, amount) = item.split_once('=')?;
    let (action, scope) = what.trim().split_once('/')?;
    let (limit, window) = amount.trim().split_once('/')?;
    let action = *Action::ALL.iter().find(|a| a.name() == action.trim())?;
    let scope = *Scope::ALL.iter().find(|s| s.name() == scope.trim())?;
    let window_s = window.trim().parse().ok().filter(|w| *w > 0)?;
    Some(Rule {
        action,
        scope,
        limit: limit.trim().parse().ok()?,
        window_s,
    })
}

/// Who a request is counted against: its address, and its device when it has one.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The caller's IP address.
    pub ip: &'a str,
    /// The calling device, if authenticated.
    pub device: Option<&'a str>,
}

impl Subject<'_> {
    fn key(&self, scope: Scope) -> Option<&str> {
        match scope {
            Scope::Ip => Some(self.ip),
            Scope::Device => self.device,
            Scope::Deployment => Some("all"),
        }
    }
}

/// Refuses (429) when any rule of `action` has used up its window for `subject`; counts
/// nothing.
pub fn check(
    table: &impl Table,
    limits: &Limits,
    action: Action,
    subject: Subject<'_>,
    now_ms: u64,
) -> Result<(), Failure> {
    for counter in counters(table, limits, action, subject, now_ms) {
        let Counter {
            rule,
            window_end_ms,
            used,
            ..
        } = counter?;
        if used >= rule.limit {
            let retry_after_s = (window_end_ms - now_ms).div_ceil(1000);
            return Err(Failure::rate_limited(
                format!(
                    "too many {} {} (at most {} per {} s); try again in {retry_after_s} s",
                    action.describe(),
                    rule.scope.describe(),
                    rule.limit,
                    rule.window_s
                ),
                retry_after_s,
            ));
        }
    }
    Ok(())
}

/// Counts one request of `action` for `subject` in every rule's current window, and drops a
/// few counters of windows that have ended.
pub fn record(
    table: &impl Table,
    limits: &Limits,
    action: Action,
    subject: Subject<'_>,
    now_ms: u64,
) -> Result<(), Failure> {
    for counter in counters(table, limits, action, subject, now_ms) {
        let Counter { row, used, .. } = counter?;
        table.put(&row, &(used + 1).to_string())?;
    }
    purge(table, now_ms)
}

/// [`check`], then [`record`]: admits one request or refuses it without counting it.
pub fn admit(
    table: &impl Table,
    limits: &Limits,
    action: Action,
    subject: Subject<'_>,
    now_ms: u64,
) -> Result<(), Failure> {
    check(table, limits, action, subject, now_ms)?;
    record(table, limits, action, subject, now_ms)
}

/// Counter rows sort by the end of their window, so ended windows are found first.
const PREFIX: &str = "lim/";

/// One rule's counter for a subject in the current window.
struct Counter<'a> {
    rule: &'a Rule,
    row: String,
    window_end_ms: u64,
    used: u32,
}

/// The counters of every rule of `action` that applies to `subject`, as stored now.
fn counters<'a, T: Table>(
    table: &'a T,
    limits: &'a Limits,
    action: Action,
    subject: Subject<'a>,
    now_ms: u64,
) -> impl Iterator<Item = Result<Counter<'a>, Failure>> + 'a {
    limits.rules(action).filter_map(move |rule| {
        let key = subject.key(rule.scope)?;
        let (row, window_end_ms) = counter_row(rule, key, now_ms);
        let used = match table.get(&row) {
            Ok(value) => value.and_then(|v| v.parse().ok()).unwrap_or(0),
            Err(e) => return Some(Err(e.into())),
        };
        Some(Ok(Counter {
            rule,
            row,
            window_end_ms,
            used,
        }))
    })
}

fn counter_row(rule: &Rule, key: &str, now_ms: u64) -> (String, u64) {
    let window_ms = rule.window_s * 1000;
    let window_end_ms = (now_ms / window_ms + 1) * window_ms;
    let row = format!(
        "{PREFIX}{window_end_ms:015}/{}/{}/{key}",
        rule.action.name(),
        rule.scope.name()
    );
    (row, window_end_ms)
}

/// Deletes up to a few counters whose window has ended.
fn purge(table: &impl Table, now_ms: u64) -> Result<(), Failure> {
    for (row, _) in table.scan(PREFIX, 4)? {
        let ended = row[PREFIX.len()..]
            .split('/')
            .next()
            .and_then(|end| end.parse::<u64>().ok())
            .is_some_and(|end| end <= now_ms);
        if !ended {
            break;
        }
        table.delete(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::table::MemoryTable;

    fn subject(ip: &str) -> Subject<'_> {
        Subject { ip, device: None }
    }

    #[test]
    fn a_window_admits_its_limit_then_refuses_until_it_ends() {
        let limits = Limits::with_overrides("join/ip=2/60").unwrap();
        let t = MemoryTable::new();
        let now = 1_000_000;
        admit(&t, &limits, Action::Join, subject("a"), now).unwrap();
        admit(&t, &limits, Action::Join, subject("a"), now + 1).unwrap();
        let refused = admit(&t, &limits, Action::Join, subject("a"), now + 2).unwrap_err();
        assert_eq!(
            (refused.status, refused.error.as_ref()),
            (429, "rate_limited")
        );
        // The window is [960 s, 1020 s): 20 s left at 1000.002 s, rounded up.
        assert!(
            refused
                .headers
                .contains(&("Retry-After".into(), "20".into()))
        );
        admit(&t, &limits, Action::Join, subject("b"), now).unwrap();
        admit(&t, &limits, Action::Join, subject("a"), 1_020_000).unwrap();
    }

    #[test]
    fn ended_windows_are_purged() {
        let limits = Limits::with_overrides("join/ip=5/1").unwrap();
        let t = MemoryTable::new();
        for i in 0..10u64 {
            admit(&t, &limits, Action::Join, subject(&i.to_string()), i * 1000).unwrap();
        }
        assert!(t.rows().len() <= 2, "{:?}", t.rows());
    }

    #[test]
    fn overrides_replace_or_add_rules_and_bad_text_is_refused() {
        let limits = Limits::with_overrides(" push/device=5/60 , pull/deployment=9/1").unwrap();
        let push: Vec<_> = limits.rules(Action::Push).collect();
        assert!(
            push.iter()
                .any(|r| r.scope == Scope::Device && r.limit == 5)
        );
        assert!(
            limits
                .rules(Action::Pull)
                .any(|r| r.scope == Scope::Deployment && r.limit == 9)
        );
        for bad in [
            "push",
            "push/device=5",
            "shove/device=1/1",
            "push/device=1/0",
        ] {
            assert!(Limits::with_overrides(bad).is_err(), "{bad}");
        }
    }
}
