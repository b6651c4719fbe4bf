//! The deployment's directory: one coordinator (one Durable Object) for what has no shop yet
//! — which shop an invite code belongs to, and the rate limits of creating shops and joining.
//!
//! A code is typed without its shop, so the edge asks the directory where it points, then
//! asks that shop's coordinator to redeem it. The pointer never changes once written, so the
//! directory only has to be strongly consistent (a code shown on one phone and typed on
//! another a second later must be found), not the place of the decision: the one-time
//! redemption is decided by the shop's coordinator alone.
//!
//! | row | value |
//! |---|---|
//! | `ptr/{sha256(code)}` | [`Pointer`] |
//! | `exp/{forget_at}/{sha256(code)}` | empty: pointers in the order they can be forgotten |
//! | `lim/…` | rate-limit counters ([`super::limits`]) |

use serde::{Deserialize, Serialize};

use super::calls::{DirectoryCall, DirectoryOp, InviteShop};
use super::config::Config;
use super::http::{Failure, Response};
use super::limits::{self, Action, Subject};
use super::table::{Table, load, save};

/// `ptr/{sha256(code)}`: the shop an invite code joins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// The shop.
    pub shop_id: String,
    /// When the invite expires, Unix ms.
    pub expires_at: u64,
}

/// A pointer is kept this long past its invite's expiry, so a late join hears "expired"
/// from the shop rather than "unknown".
const KEEP_AFTER_EXPIRY_MS: u64 = 86_400_000;

/// Answers one call.
pub fn serve(call: &DirectoryCall, table: &impl Table, config: &Config) -> Response {
    let result = match &call.op {
        DirectoryOp::Signup { ip } => signup(table, config, ip, call.now_ms),
        DirectoryOp::Lookup { code_hash, ip } => lookup(table, config, code_hash, ip, call.now_ms),
        DirectoryOp::Point {
            code_hash,
            shop_id,
            expires_at,
        } => point(table, code_hash, shop_id, *expires_at, call.now_ms),
    };
    result.unwrap_or_else(Response::from)
}

fn signup(table: &impl Table, config: &Config, ip: &str, now_ms: u64) -> Result<Response, Failure> {
    let subject = Subject { ip, device: None };
    limits::admit(table, &config.limits, Action::Signup, subject, now_ms)?;
    Ok(Response::empty(204))
}

/// Per-address limit on every attempt, then the deployment's budget of failed attempts:
/// once it is spent, nobody's code is looked up until the window ends (a guesser learns
/// nothing more), and each unknown code spends one.
fn lookup(
    table: &impl Table,
    config: &Config,
    code_hash: &str,
    ip: &str,
    now_ms: u64,
) -> Result<Response, Failure> {
    let subject = Subject { ip, device: None };
    limits::check(table, &config.limits, Action::FailedJoin, subject, now_ms)?;
    limits::admit(table, &config.limits, Action::Join, subject, now_ms)?;
    match load::<Pointer>(table, &pointer_row(code_hash))? {
        Some(pointer) => Ok(Response::json(
            200,
            &InviteShop {
                shop_id: pointer.shop_id,
            },
        )),
        None => {
            limits::record(table, &config.limits, Action::FailedJoin, subject, now_ms)?;
            Err(Failure::new(
                404,
                "invite_not_found",
                "this invite code is unknown or has already been used; ask the owner for a new one",
            ))
        }
    }
}

fn point(
    table: &impl Table,
    code_hash: &str,
    shop_id: &str,
    expires_at: u64,
    now_ms: u64,
) -> Result<Response, Failure> {
    let forget_at = expires_at + KEEP_AFTER_EXPIRY_MS;
    let pointer = Pointer {
        shop_id: shop_id.to_owned(),
        expires_at,
    };
    save(table, &pointer_row(code_hash), &pointer)?;
    table.put(&format!("{EXPIRY}{forget_at:015}/{code_hash}"), "")?;
    forget_old(table, now_ms)?;
    Ok(Response::empty(204))
}

const EXPIRY: &str = "exp/";

fn pointer_row(code_hash: &str) -> String {
    format!("ptr/{code_hash}")
}

/// Deletes a few pointers past their keeping time.
fn forget_old(table: &impl Table, now_ms: u64) -> Result<(), Failure> {
    for (row, _) in table.scan(EXPIRY, 8)? {
        let mut fields = row[EXPIRY.len()..].split('/');
        let forget_at: u64 = fields.next().and_then(|t| t.parse().ok()).unwrap_or(0);
        if forget_at > now_ms {
            break;
        }
        if let Some(code_hash) = fields.next() {
            table.delete(&pointer_row(code_hash))?;
        }
        table.delete(&row)?;
    }
    Ok(())
}
