//! Follow-up work by staff member (issue 11, Stats: "follow-up work done by each clerk"): the
//! contacts each staff member logged in a period and how they went, and how many of the
//! customers they contacted bought within [`BOUGHT_WITHIN_DAYS`] days after.
//!
//! Read from the ledger the views keep ([`Insights`]): one walk over the live customers' facts
//! (contacts and sales, as compact facts: no entry is decoded), a customer's sales sorted only
//! when they had a contact in the period.

use super::Insights;
use crate::id::Id;
use crate::segment::ledger::{NO_STAFF, What};
use chrono::{Days, NaiveDate, NaiveDateTime};

/// How many days after a contact a purchase counts for it.
pub const BOUGHT_WITHIN_DAYS: u64 = 30;

/// One staff member's follow-up work in a period ([`staff_work`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StaffWork {
    /// The staff member: the device that logged the contacts (the team names it); `None` for
    /// contacts logged without one (imported, or from an old version).
    pub staff: Option<Id>,
    /// How many contacts they logged.
    pub contacts: usize,
    /// Those contacts by outcome, in [`Outcome::ALL`](crate::domain::Outcome::ALL) order.
    pub by_outcome: [usize; 5],
    /// How many customers they contacted (each once, however many times).
    pub customers: usize,
    /// How many of those customers bought (a sale, not a refund) after one of their contacts
    /// in the period and within [`BOUGHT_WITHIN_DAYS`] days of its day; each customer once.
    pub bought_after: usize,
    /// `bought_after` over `customers`, 0–1 (0 when `customers` is 0).
    pub conversion: f64,
}

/// Each staff member's follow-up work: the contacts they logged dated `from` through `through`
/// (both included) and how those customers bought after — most contacts first (then by device
/// id), the contacts logged without a staff member last; staff members without a contact in
/// the period are left out (none at all: empty).
///
/// A sale counts for a contact when it was made after it (its time later than the contact's)
/// and on or before the contact's day + [`BOUGHT_WITHIN_DAYS`], even after `through` — so a
/// period that ended less than 30 days ago is still filling. When two staff members contacted
/// a customer who then bought, both count them. Deleted customers are left out.
pub fn staff_work(views: &Insights, from: NaiveDate, through: NaiveDate) -> Vec<StaffWork> {
    let ledger = &views.ledger;
    let staff = ledger.staff_ids();
    // One slot per staff member known to the ledger, then one for "nobody".
    let nobody = staff.len();
    let mut rows: Vec<StaffWork> = (0..=nobody)
        .map(|slot| StaffWork {
            staff: staff.get(slot).map(|id| Id::trusted(id)),
            contacts: 0,
            by_outcome: [0; 5],
            customers: 0,
            bought_after: 0,
            conversion: 0.0,
        })
        .collect();
    // The last customer each slot counted as contacted and as bought, so each counts once.
    let mut contacted = vec![usize::MAX; nobody + 1];
    let mut bought = vec![usize::MAX; nobody + 1];
    let mut sales: Vec<NaiveDateTime> = Vec::new();
    let mut contacts: Vec<(usize, NaiveDateTime)> = Vec::new();
    for (c, account) in ledger.live().enumerate() {
        sales.clear();
        contacts.clear();
        let (packed, recent) = ledger.facts_of(account);
        for fact in packed.iter().chain(recent) {
            match fact.what {
                What::Sale { .. } => sales.push(fact.at),
                What::Contact { outcome, .. } if (from..=through).contains(&fact.at.date()) => {
                    let slot = if fact.staff == NO_STAFF {
                        nobody
                    } else {
                        usize::from(fact.staff).min(nobody)
                    };
                    let row = &mut rows[slot];
                    row.contacts += 1;
                    row.by_outcome[outcome as usize] += 1;
                    if contacted[slot] != c {
                        contacted[slot] = c;
                        row.customers += 1;
                    }
                    contacts.push((slot, fact.at));
                }
                _ => {}
            }
        }
        if contacts.is_empty() || sales.is_empty() {
            continue;
        }
        crate::sorting::sort(&mut sales);
        for &(slot, at) in &contacts {
            if bought[slot] == c {
                continue;
            }
            let next = sales.partition_point(|&sale| sale <= at);
            let last_day = at.date().checked_add_days(Days::new(BOUGHT_WITHIN_DAYS));
            if sales
                .get(next)
                .is_some_and(|sale| last_day.is_none_or(|last| sale.date() <= last))
            {
                bought[slot] = c;
                rows[slot].bought_after += 1;
            }
        }
    }
    let mut rows: Vec<StaffWork> = rows.into_iter().filter(|r| r.contacts > 0).collect();
    for row in &mut rows {
        row.conversion = row.bought_after as f64 / row.customers as f64;
    }
    crate::sorting::sort_by(&mut rows, |a, b| {
        b.contacts
            .cmp(&a.contacts)
            .then_with(|| a.staff.is_none().cmp(&b.staff.is_none()))
            .then_with(|| a.staff.cmp(&b.staff))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Outcome;
    use crate::op::RecordKind;
    use crate::test_shop::{Shop, d};
    use serde_json::json;

    /// Two clerks, a period of May 2026:
    /// - A: clerk 1 reached them 05-02, positive 05-10; a sale 05-20;
    /// - B: clerk 1 no answer 05-05, clerk 2 positive 05-06; a sale 06-04 (30 days after
    ///   05-05, 29 after 05-06);
    /// - C: clerk 2 negative 05-31 noon; a sale that morning and one 07-01 (31 days after);
    /// - D: clerk 2 positive 04-30 (before the period), a sale 05-03; a contact logged
    ///   without staff 05-15 (asked not to be contacted);
    /// - E: clerk 1 reached them 05-20 noon, a sale 15:00 that day;
    /// - F: clerk 1 contact 05-10, a sale 05-11, then deleted.
    fn shop() -> (Shop, Id, Id) {
        let mut s = Shop::new();
        let one = Id::parse("device-1").unwrap();
        let two = Id::parse("device-2").unwrap();
        let [a, b, c, dd, e, f] = ["A", "B", "C", "D", "E", "F"].map(|n| s.customer(n, json!({})));
        let (s1, s2) = (Some(&one), Some(&two));
        s.contact_by(&a, "2026-05-02", Outcome::Reached, s1);
        s.contact_by(&a, "2026-05-10", Outcome::Positive, s1);
        s.sale_by(&a, "2026-05-20", 10, &[], s2);
        s.contact_by(&b, "2026-05-05", Outcome::NoAnswer, s1);
        s.contact_by(&b, "2026-05-06", Outcome::Positive, s2);
        s.sale(&b, "2026-06-04", 10);
        s.contact_by(&c, "2026-05-31 12:00", Outcome::Negative, s2);
        s.sale(&c, "2026-05-31 09:00", 10);
        s.sale(&c, "2026-07-01", 10);
        s.contact_by(&dd, "2026-04-30", Outcome::Positive, s2);
        s.sale(&dd, "2026-05-03", 10);
        s.contact_by(&dd, "2026-05-15", Outcome::DoNotContact, None);
        s.contact_by(&e, "2026-05-20 12:00", Outcome::Reached, s1);
        s.sale(&e, "2026-05-20 15:00", 10);
        s.contact_by(&f, "2026-05-10", Outcome::Reached, s1);
        s.sale(&f, "2026-05-11", 10);
        s.delete(RecordKind::Customer, &f);
        (s, one, two)
    }

    #[test]
    fn staff_work_counts_contacts_by_outcome_and_buyers_after() {
        let (s, one, two) = shop();
        let rows = staff_work(&s.views(), d("2026-05-01"), d("2026-05-31"));
        type Row<'a> = (Option<&'a Id>, usize, [usize; 5], usize, usize);
        let got: Vec<Row<'_>> = rows
            .iter()
            .map(|r| {
                let staff = r.staff.as_ref();
                (staff, r.contacts, r.by_outcome, r.customers, r.bought_after)
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some(&one), 4, [2, 1, 1, 0, 0], 3, 3),
                (Some(&two), 2, [0, 0, 1, 1, 0], 2, 1),
                (None, 1, [0, 0, 0, 0, 1], 1, 0),
            ]
        );
        assert_eq!(rows[0].conversion, 1.0);
        assert_eq!(rows[1].conversion, 0.5);
        assert_eq!(rows[2].conversion, 0.0);
    }

    #[test]
    fn staff_work_follows_the_period() {
        let (s, one, two) = shop();
        let views = s.views();
        // April 30 only: clerk 2's contact with D, who bought 05-03.
        let rows = staff_work(&views, d("2026-04-30"), d("2026-04-30"));
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (
                rows[0].staff.as_ref(),
                rows[0].contacts,
                rows[0].bought_after
            ),
            (Some(&two), 1, 1)
        );
        // 05-06 through 05-10: clerk 2 with B (bought 06-04), clerk 1 with A (bought 05-20).
        let rows = staff_work(&views, d("2026-05-06"), d("2026-05-10"));
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.staff.clone(), r.contacts, r.bought_after))
            .collect();
        assert_eq!(got, [(Some(one), 1, 1), (Some(two), 1, 1)]);
        assert!(staff_work(&views, d("2026-05-02"), d("2026-05-01")).is_empty());
        assert!(staff_work(&views, d("2025-01-01"), d("2025-12-31")).is_empty());
    }

    #[test]
    fn staff_work_of_an_empty_shop_is_empty() {
        let s = Shop::new();
        assert!(staff_work(&s.views(), d("2026-01-01"), d("2026-12-31")).is_empty());
    }
}
