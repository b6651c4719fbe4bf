//! Contact cadence (docs/segmentation.md, "Grades and contact cadence"): how often each class is contacted, and when a
//! customer's next regular contact is due.
//!
//! A scored customer's cadence is `Rules::cadence_days[class key]`. An unscored customer (no
//! purchase day) has a cadence only when the shop set one for their shop class key (`visited`,
//! `potential`); the defaults set none. The next contact is due `cadence` days after the last
//! contact, or, with none, after the day the customer was added (the first entry's day when
//! the profile has no creation time).

use super::class::{RfmClass, ShopClass};
use super::history::CustomerHistory;
use crate::domain::Rules;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// What the cadence counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadenceBase {
    /// The last contact.
    LastContact,
    /// The day the customer was added.
    Added,
    /// The customer's first entry (a profile without a creation time).
    FirstSeen,
}

/// A customer's contact cadence and when it next falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadence {
    /// Days between regular contacts.
    pub days: u32,
    /// What it counts from.
    pub base: CadenceBase,
    /// The day it counts from.
    pub since: NaiveDate,
    /// The day the next regular contact is due (`since` + `days`).
    pub due: NaiveDate,
}

/// The cadence in days for a customer's class (see the module doc).
pub fn cadence_days(rules: &Rules, class: Option<RfmClass>, shop_class: ShopClass) -> Option<u32> {
    let key = class.map_or(shop_class.key(), RfmClass::key);
    rules.cadence_days.get(key).copied()
}

/// The customer's cadence, when they have one and a day to count from.
pub fn cadence(history: &CustomerHistory, days: Option<u32>) -> Option<Cadence> {
    let days = days?;
    let (base, since) = match (
        history.last_contact_on(),
        history.profile.created_on,
        history.first_seen,
    ) {
        (Some(day), _, _) => (CadenceBase::LastContact, day),
        (None, Some(day), _) => (CadenceBase::Added, day),
        (None, None, Some(day)) => (CadenceBase::FirstSeen, day),
        (None, None, None) => return None,
    };
    let due = since.checked_add_days(Days::new(u64::from(days)))?;
    Some(Cadence {
        days,
        base,
        since,
        due,
    })
}
