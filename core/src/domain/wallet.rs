//! What a customer holds with the shop, read from their ledger entries: the points balance, the
//! stored-value balance, and each pickup plan with which of its pickups were taken — what the
//! card shows and what the Points / Top up forms check a redemption or spend against.

use super::{LedgerEntry, LedgerKind, Money};
use crate::id::Id;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// One pickup plan of a customer ([`LedgerKind::ScheduledReward`]) and its pickups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The plan's entry id (what a [`LedgerKind::Pickup`] settles against).
    pub reward: Id,
    /// What is picked up.
    pub description: String,
    /// The value of one pickup.
    pub amount: Money,
    /// Each due date, earliest first, and whether it was picked up.
    pub pickups: Vec<(NaiveDate, bool)>,
}

impl Plan {
    /// How many pickups were taken.
    pub fn taken(&self) -> usize {
        self.pickups.iter().filter(|(_, taken)| *taken).count()
    }

    /// The due dates on or before `day` not picked up yet, earliest first.
    pub fn waiting(&self, day: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        self.pickups
            .iter()
            .filter(move |(due, taken)| !taken && *due <= day)
            .map(|(due, _)| *due)
    }

    /// The next due date not picked up yet, if any.
    pub fn next(&self) -> Option<NaiveDate> {
        self.pickups
            .iter()
            .find(|(_, taken)| !taken)
            .map(|(due, _)| *due)
    }
}

/// A customer's balances and pickup plans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wallet {
    /// Points balance (earned minus redeemed).
    pub points: i64,
    /// Stored-value balance (topped up minus spent).
    pub stored_value: Money,
    /// Pickup plans, in the order they were recorded (by entry id).
    pub plans: Vec<Plan>,
    /// Whether the customer has any ledger entry at all.
    pub any: bool,
}

impl Wallet {
    /// The wallet made by `entries` (one customer's ledger entries, each once by its id, in
    /// any order). A pickup of a plan that is not there (not synced yet) or of a date the plan
    /// does not have counts nowhere.
    pub fn of<'a>(entries: impl IntoIterator<Item = (&'a Id, &'a LedgerEntry)>) -> Wallet {
        let mut entries: Vec<(&Id, &LedgerEntry)> = entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut wallet = Wallet {
            any: !entries.is_empty(),
            ..Wallet::default()
        };
        for (id, entry) in &entries {
            match &entry.kind {
                LedgerKind::Points { delta } => wallet.points += delta,
                LedgerKind::StoredValue { delta } => wallet.stored_value += *delta,
                LedgerKind::ScheduledReward {
                    description,
                    amount,
                    due,
                } => {
                    let mut due = due.clone();
                    due.sort_unstable();
                    due.dedup();
                    wallet.plans.push(Plan {
                        reward: (*id).clone(),
                        description: description.clone(),
                        amount: *amount,
                        pickups: due.into_iter().map(|d| (d, false)).collect(),
                    });
                }
                LedgerKind::Pickup { .. } => {}
            }
        }
        for (_, entry) in &entries {
            if let LedgerKind::Pickup { reward, due } = &entry.kind {
                let pickup = wallet
                    .plans
                    .iter_mut()
                    .filter(|plan| &plan.reward == reward)
                    .flat_map(|plan| plan.pickups.iter_mut())
                    .find(|(d, _)| d == due);
                if let Some((_, taken)) = pickup {
                    *taken = true;
                }
            }
        }
        wallet
    }
}

/// The entry id of the pickup of `reward` due on `due`: the same on every device and every
/// tap, so a double tap, a retried save or two clerks marking the same pickup record it once.
pub fn pickup_entry_id(reward: &Id, due: NaiveDate) -> Id {
    let digest = hex::encode(Sha256::digest(format!("{reward}\u{0}{due}")));
    Id::parse(&format!("pick-{}", &digest[..32])).unwrap_or_else(|_| reward.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn entry(kind: LedgerKind) -> LedgerEntry {
        LedgerEntry {
            customer: Id::parse("c1").unwrap(),
            at: day("2026-11-30").and_hms_opt(10, 0, 0).unwrap(),
            kind,
            note: String::new(),
            staff: None,
        }
    }

    #[test]
    fn balances_add_up_and_pickups_settle_their_plan() {
        let reward = Id::parse("e3").unwrap();
        let due = vec![day("2026-12-30"), day("2026-11-30"), day("2027-01-30")];
        let list = [
            (
                Id::parse("e1").unwrap(),
                entry(LedgerKind::Points { delta: 120 }),
            ),
            (
                Id::parse("e2").unwrap(),
                entry(LedgerKind::StoredValue {
                    delta: Money(50_000),
                }),
            ),
            (
                reward.clone(),
                entry(LedgerKind::ScheduledReward {
                    description: "奶粉".into(),
                    amount: Money(5_000),
                    due,
                }),
            ),
            (
                Id::parse("e4").unwrap(),
                entry(LedgerKind::Points { delta: -20 }),
            ),
            (
                Id::parse("e5").unwrap(),
                entry(LedgerKind::StoredValue {
                    delta: Money(-12_000),
                }),
            ),
            (
                pickup_entry_id(&reward, day("2026-11-30")),
                entry(LedgerKind::Pickup {
                    reward: reward.clone(),
                    due: day("2026-11-30"),
                }),
            ),
            // A pickup of a date the plan does not have, and of a plan not here: nowhere.
            (
                Id::parse("e7").unwrap(),
                entry(LedgerKind::Pickup {
                    reward: reward.clone(),
                    due: day("2026-12-01"),
                }),
            ),
            (
                Id::parse("e8").unwrap(),
                entry(LedgerKind::Pickup {
                    reward: Id::parse("elsewhere").unwrap(),
                    due: day("2026-12-30"),
                }),
            ),
        ];
        // The order entries arrive in does not matter.
        let wallet = Wallet::of(list.iter().rev().map(|(id, e)| (id, e)));
        assert_eq!(wallet, Wallet::of(list.iter().map(|(id, e)| (id, e))));
        assert!(wallet.any);
        assert_eq!(wallet.points, 100);
        assert_eq!(wallet.stored_value, Money(38_000));
        assert_eq!(wallet.plans.len(), 1);
        let plan = &wallet.plans[0];
        assert_eq!(
            plan.pickups,
            [
                (day("2026-11-30"), true),
                (day("2026-12-30"), false),
                (day("2027-01-30"), false)
            ]
        );
        assert_eq!(plan.taken(), 1);
        assert_eq!(plan.next(), Some(day("2026-12-30")));
        assert_eq!(
            plan.waiting(day("2026-12-31")).collect::<Vec<_>>(),
            [day("2026-12-30")]
        );
        assert_eq!(plan.waiting(day("2026-12-29")).count(), 0);
    }

    #[test]
    fn no_entries_is_an_empty_wallet() {
        let wallet = Wallet::of(std::iter::empty());
        assert!(!wallet.any);
        assert_eq!((wallet.points, wallet.stored_value), (0, Money::ZERO));
    }

    #[test]
    fn a_pickup_has_one_id_per_plan_and_date() {
        let (a, b) = (Id::parse("r1").unwrap(), Id::parse("r2").unwrap());
        let (d1, d2) = (day("2026-12-30"), day("2027-01-30"));
        assert_eq!(pickup_entry_id(&a, d1), pickup_entry_id(&a, d1));
        assert_ne!(pickup_entry_id(&a, d1), pickup_entry_id(&a, d2));
        assert_ne!(pickup_entry_id(&a, d1), pickup_entry_id(&b, d1));
        assert!(pickup_entry_id(&a, d1).as_str().starts_with("pick-"));
    }
}
