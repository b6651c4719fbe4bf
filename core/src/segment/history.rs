//! Per-customer history from the book as of a date `D` (docs/segmentation.md, "Inputs").
//!
//! From the [`Ledger`] (the book's entries grouped per customer), one walk per customer gathers
//! what the analytics need: purchase days and each day's spend, net spend, the last purchase
//! of each product category, visits, contacts, points, stored value and scheduled reward
//! pickups still due. Entries dated after `D` are ignored.
//!
//! *Purchase days* are the distinct dates of sales (`PurchaseKind::Sale`). Refunds and
//! adjustments change spend, never the number of purchase days. A correction's amount is added
//! to the day of the sale it corrects (when that sale is this customer's and dated ≤ `D`),
//! otherwise to the customer's latest purchase day on or before the correction, otherwise to
//! their first purchase day; so for every customer with a purchase day, net spend is the sum of
//! the day spends. A customer with corrections and no sale keeps them in net spend only.
//!
//! Customers are indexed densely (0-based, in id order) and the per-day and per-category
//! lists of all customers live in two flat vectors, so building the history allocates a few
//! large buffers rather than a few per customer. The result depends only on the book's content
//! (categories are numbered in name order), not on the order the ledger learnt it in.

use super::ledger::{Account, Fact, Ledger, NO_STAFF, NONE, RewardTerms, What};
use super::profile::{ChildDates, Profile};
use crate::book::Book;
use crate::domain::{Money, Outcome, Purpose, Severity};
use crate::id::Id;
use crate::id_list::IdList;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// How many contact purposes there are (the length of [`CustomerHistory::contacted_for`]).
pub const PURPOSES: usize = 11;

/// The position of a contact purpose in [`CustomerHistory::contacted_for`].
pub fn purpose_index(purpose: Purpose) -> usize {
    match purpose {
        Purpose::Birthday => 0,
        Purpose::ChildMilestone => 1,
        Purpose::Rebuy => 2,
        Purpose::NewProduct => 3,
        Purpose::EventInvite => 4,
        Purpose::Points => 5,
        Purpose::Reactivation => 6,
        Purpose::AfterSale => 7,
        Purpose::ComplaintFollowUp => 8,
        Purpose::HolidayGreeting => 9,
        Purpose::Other => 10,
    }
}

/// The latest contact with a customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastContact {
    /// When it was made.
    pub at: NaiveDateTime,
    /// Its purpose.
    pub purpose: Purpose,
    /// How it went.
    pub outcome: Outcome,
    /// The follow-up date it set (a later contact supersedes it).
    pub next_follow_up: Option<NaiveDate>,
    /// Who made it: an index into [`History::staff`].
    pub staff: Option<u32>,
}

/// A slice of one of the history's flat vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// Everything the analytics know about one customer as of `D` (their id is
/// [`History::id`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// Profile fields the analytics use.
    pub profile: Profile,
    /// The earliest day of any entry (purchase, visit, contact, ledger) dated ≤ `D`.
    pub first_seen: Option<NaiveDate>,
    /// Number of distinct purchase days.
    pub purchase_days: u32,
    /// First purchase day.
    pub first_purchase: Option<NaiveDate>,
    /// Last purchase day.
    pub last_purchase: Option<NaiveDate>,
    /// Net spend: sales plus refunds and adjustments.
    pub net_spend: Money,
    /// What the customer bought last, as an index into [`History::products`]: the largest line
    /// of their latest sale (its product, or its category when the product is blank).
    pub last_item: Option<u32>,
    /// Number of visits without a purchase.
    pub visits: u32,
    /// Last visit without a purchase.
    pub last_visit: Option<NaiveDate>,
    /// Number of contacts.
    pub contacts: u32,
    /// First contact day.
    pub first_contact: Option<NaiveDate>,
    /// The latest contact.
    pub last_contact: Option<LastContact>,
    /// The latest contact day for each purpose, indexed by [`purpose_index`].
    pub contacted_for: [Option<NaiveDate>; PURPOSES],
    /// Points balance, when the customer has any points entry.
    pub points: Option<i64>,
    /// Stored value (储值) balance.
    pub stored_value: Money,
    /// Who served the customer last — the staff member of their latest sale, visit or contact
    /// that names one, else whoever added them — as an index into [`History::staff`].
    pub served_by: Option<u32>,
    days: Span,
    categories: Span,
    children: Span,
}

impl CustomerHistory {
    fn new(profile: Profile) -> Self {
        CustomerHistory {
            profile,
            first_seen: None,
            purchase_days: 0,
            first_purchase: None,
            last_purchase: None,
            net_spend: Money::ZERO,
            last_item: None,
            visits: 0,
            last_visit: None,
            contacts: 0,
            first_contact: None,
            last_contact: None,
            contacted_for: [None; PURPOSES],
            points: None,
            stored_value: Money::ZERO,
            served_by: None,
            days: Span::default(),
            categories: Span::default(),
            children: Span::default(),
        }
    }

    /// The latest contact day for a purpose.
    pub fn last_contacted_for(&self, purpose: Purpose) -> Option<NaiveDate> {
        self.contacted_for[purpose_index(purpose)]
    }

    /// The day of the latest contact.
    pub fn last_contact_on(&self) -> Option<NaiveDate> {
        self.last_contact.as_ref().map(|c| c.at.date())
    }

    fn seen(&mut self, day: NaiveDate) {
        if self.first_seen.is_none_or(|f| day < f) {
            self.first_seen = Some(day);
        }
    }
}

/// A scheduled reward with pickups due on or before `D` that no pickup has settled yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RewardDue {
    /// The customer's dense index.
    pub customer: u32,
    /// The scheduled reward entry.
    pub reward: Id,
    /// What is picked up.
    pub description: String,
    /// The value of one pickup.
    pub amount: Money,
    /// Unsettled due dates ≤ `D`, earliest first.
    pub due: Vec<NaiveDate>,
}

/// A complaint still open on `D` (opened on or before it, no first response or unresolved).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintDue {
    /// The customer's dense index.
    pub customer: u32,
    /// The complaint.
    pub complaint: Id,
    /// The day it was opened.
    pub opened_at: Option<NaiveDateTime>,
    /// Its severity.
    pub severity: Severity,
    /// Whether it has had a first response (then it is open because unresolved).
    pub responded: bool,
}

/// The history of every live customer as of a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The as-of date `D`.
    pub as_of: NaiveDate,
    /// Live customers in id order; a customer's position is its dense index.
    pub customers: Vec<CustomerHistory>,
    /// The customers' ids (see [`History::id`]).
    ids: IdList,
    /// Product categories seen in sales, in name order.
    pub categories: Vec<String>,
    /// Names of the items customers bought last ([`CustomerHistory::last_item`]), in name order.
    pub products: Vec<String>,
    /// The staff members (device ids) who recorded entries, in id order.
    pub staff: Vec<String>,
    /// Rewards with pickups due, by customer index then reward id.
    pub rewards_due: Vec<RewardDue>,
    /// Open complaints of live customers, by customer index then complaint id.
    pub complaints: Vec<ComplaintDue>,
    days: Vec<(NaiveDate, Money)>,
    category_last: Vec<(u32, NaiveDate)>,
    children: Vec<ChildDates>,
}

impl History {
    /// Builds the history of every live customer from the book's entries dated ≤ `as_of`.
    pub fn build(book: &Book, as_of: NaiveDate) -> History {
        History::from_ledger(&Ledger::read(book), as_of)
    }

    /// Builds the history from a ledger that follows the book.
    pub fn from_ledger(ledger: &Ledger, as_of: NaiveDate) -> History {
        // Names in name order, so the result does not depend on the order they were met.
        let (categories, category_rank) = in_name_order(ledger.category_names());
        let (products, product_rank) = in_name_order(ledger.product_names());
        let (staff, staff_rank) = in_name_order(ledger.staff_ids());
        let mut history = History {
            as_of,
            customers: Vec::with_capacity(ledger.len()),
            ids: ledger.live_ids().clone(),
            categories,
            products,
            staff,
            rewards_due: Vec::new(),
            complaints: Vec::new(),
            days: Vec::with_capacity(ledger.live().map(Account::fact_count).sum()),
            category_last: Vec::new(),
            children: Vec::with_capacity(ledger.live().map(|a| a.children.len()).sum()),
        };
        let ranks = Ranks {
            category: &category_rank,
            product: &product_rank,
            staff: &staff_rank,
        };
        let mut scratch = Scratch::default();
        for (c, account) in ledger.live().enumerate() {
            history
                .customers
                .push(CustomerHistory::new(account.profile));
            let History {
                customers,
                days,
                category_last,
                children,
                rewards_due,
                ..
            } = &mut history;
            let out = Out {
                cust: &mut customers[c],
                days,
                category_last,
                children,
                rewards_due,
            };
            scratch.walk(ledger, account, as_of, &ranks, c as u32, out);
        }
        let open = ledger
            .open_complaints()
            .iter()
            .filter(|(_, k)| k.opened_at.is_none_or(|t| t.date() <= as_of));
        let mut complaints: Vec<ComplaintDue> = open
            .filter_map(|(id, k)| {
                Some(ComplaintDue {
                    customer: history.index_of(&k.customer)? as u32,
                    complaint: id.clone(),
                    opened_at: k.opened_at,
                    severity: k.severity,
                    responded: k.responded,
                })
            })
            .collect();
        crate::sorting::sort_by_key(&mut complaints, |k| k.customer);
        history.complaints = complaints;
        history
    }

    /// The dense index of a customer, if live.
    pub fn index_of(&self, id: &Id) -> Option<usize> {
        self.ids.search_sorted(id.as_str())
    }

    /// The id of the customer at a dense index.
    pub fn id(&self, customer: usize) -> &str {
        self.ids.get(customer)
    }

    /// A customer's purchase days with each day's spend, earliest first.
    pub fn days(&self, customer: usize) -> &[(NaiveDate, Money)] {
        &self.days[self.customers[customer].days.range()]
    }

    /// A customer's last purchase day of each category they bought, as (index into
    /// [`History::categories`], day), by category index.
    pub fn last_bought(&self, customer: usize) -> &[(u32, NaiveDate)] {
        &self.category_last[self.customers[customer].categories.range()]
    }

    /// The name of what a customer bought last.
    pub fn last_item(&self, customer: usize) -> Option<&str> {
        self.customers[customer]
            .last_item
            .map(|p| self.products[p as usize].as_str())
    }

    /// A customer's children's dates, at their positions in the profile's list of children.
    pub fn children(&self, customer: usize) -> &[ChildDates] {
        &self.children[self.customers[customer].children.range()]
    }

    /// A customer's last purchase day of one category.
    pub fn last_bought_in(&self, customer: usize, category: &str) -> Option<NaiveDate> {
        let cat = self.categories.iter().position(|c| c == category)? as u32;
        let own = self.last_bought(customer);
        own.binary_search_by_key(&cat, |&(c, _)| c)
            .ok()
            .map(|i| own[i].1)
    }

    /// A customer's rewards with pickups due.
    pub fn rewards_due(&self, customer: usize) -> &[RewardDue] {
        let c = customer as u32;
        let start = self.rewards_due.partition_point(|r| r.customer < c);
        let end = self.rewards_due.partition_point(|r| r.customer <= c);
        &self.rewards_due[start..end]
    }
}

/// Names in name order, and each original index's position in it.
fn in_name_order(names: &[String]) -> (Vec<String>, Vec<u32>) {
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    crate::sorting::sort_by(&mut order, |&a, &b| {
        names[a as usize].cmp(&names[b as usize])
    });
    let mut rank = vec![0u32; names.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    (
        order.iter().map(|&i| names[i as usize].clone()).collect(),
        rank,
    )
}

/// New positions of the ledger's category and product indices.
struct Ranks<'r> {
    category: &'r [u32],
    product: &'r [u32],
    staff: &'r [u32],
}

/// Where one customer's walk writes: their history and the shared flat lists.
struct Out<'h> {
    cust: &'h mut CustomerHistory,
    days: &'h mut Vec<(NaiveDate, Money)>,
    category_last: &'h mut Vec<(u32, NaiveDate)>,
    children: &'h mut Vec<ChildDates>,
    rewards_due: &'h mut Vec<RewardDue>,
}

/// Per-customer working lists, reused from one customer to the next.
#[derive(Default)]
struct Scratch<'a> {
    days: Vec<(NaiveDate, Money)>,
    corrections: Vec<(NaiveDate, Money, u32)>,
    bought: Vec<(u32, NaiveDate)>,
    rewards: Vec<&'a RewardTerms>,
    pickups: Vec<(&'a Id, NaiveDate)>,
}

impl<'a> Scratch<'a> {
    /// Walks one customer's facts dated ≤ `as_of` into their history and the flat lists.
    fn walk(
        &mut self,
        ledger: &'a Ledger,
        account: &'a Account,
        as_of: NaiveDate,
        ranks: &Ranks<'_>,
        c: u32,
        out: Out<'_>,
    ) {
        self.days.clear();
        self.corrections.clear();
        self.bought.clear();
        self.rewards.clear();
        self.pickups.clear();
        let cust = out.cust;
        let children = out.children.len() as u32;
        out.children.extend_from_slice(&account.children);
        cust.children = Span {
            start: children,
            len: account.children.len() as u32,
        };
        let (mut last_sale, mut last_contact): (Option<usize>, Option<usize>) = (None, None);
        let mut last_served: Option<usize> = None;
        let (packed, recent) = ledger.facts_of(account);
        let fact_at = |i: usize| ledger.fact(account, i);
        // The later of two facts: by time, then by entry id (the same on every device).
        let later = |i: usize, than: Option<usize>| {
            than.is_none_or(|j| {
                let (a, b) = (fact_at(i), fact_at(j));
                a.at > b.at
                    || (a.at == b.at && ledger.fact_id(account, i) > ledger.fact_id(account, j))
            })
        };
        let reference = |r: u32| account.refs.get(r as usize);
        for (i, fact) in packed.iter().chain(recent).enumerate() {
            let day = fact.at.date();
            if day > as_of || fact.what == What::Removed {
                continue;
            }
            cust.seen(day);
            let serves = matches!(
                fact.what,
                What::Sale { .. } | What::Visit | What::Contact { .. }
            );
            if serves && fact.staff != NO_STAFF && later(i, last_served) {
                last_served = Some(i);
            }
            match fact.what {
                What::Sale {
                    total,
                    categories,
                    lines,
                    ..
                } => {
                    cust.net_spend += total;
                    self.days.push((day, total));
                    if later(i, last_sale) {
                        last_sale = Some(i);
                    }
                    let cats = ledger.sale_categories(categories, lines);
                    self.bought
                        .extend(cats.iter().map(|&cat| (ranks.category[cat as usize], day)));
                }
                What::Correction { total, sale, .. } => {
                    cust.net_spend += total;
                    self.corrections.push((day, total, sale));
                }
                What::Visit => {
                    cust.visits += 1;
                    if cust.last_visit.is_none_or(|l| day > l) {
                        cust.last_visit = Some(day);
                    }
                }
                What::Contact { purpose, .. } => {
                    cust.contacts += 1;
                    if cust.first_contact.is_none_or(|f| day < f) {
                        cust.first_contact = Some(day);
                    }
                    let slot = &mut cust.contacted_for[purpose_index(purpose)];
                    if slot.is_none_or(|s| day > s) {
                        *slot = Some(day);
                    }
                    if later(i, last_contact) {
                        last_contact = Some(i);
                    }
                }
                What::Points(delta) => cust.points = Some(cust.points.unwrap_or(0) + delta),
                What::StoredValue(delta) => cust.stored_value += delta,
                What::Reward(r) => {
                    if let Some(terms) = account.rewards.get(r as usize) {
                        self.rewards.push(terms);
                    }
                }
                What::Pickup { reward, due } => {
                    if let Some(id) = reference(reward) {
                        self.pickups.push((id, due));
                    }
                }
                What::Removed => {} // skipped above
            }
        }
        if let Some(What::Sale { item, .. }) = last_sale.map(|i| &fact_at(i).what) {
            cust.last_item = (*item != NONE).then(|| ranks.product[*item as usize]);
        }
        let staff_of = |i: usize| {
            let staff = fact_at(i).staff;
            (staff != NO_STAFF).then(|| ranks.staff[usize::from(staff)])
        };
        cust.served_by = last_served.and_then(staff_of).or_else(|| {
            (account.creator != NO_STAFF).then(|| ranks.staff[usize::from(account.creator)])
        });
        if let Some(Fact {
            at,
            what:
                What::Contact {
                    purpose,
                    outcome,
                    next_follow_up,
                },
            ..
        }) = last_contact.map(fact_at)
        {
            cust.last_contact = Some(LastContact {
                at: *at,
                purpose: *purpose,
                outcome: *outcome,
                next_follow_up: *next_follow_up,
                staff: last_contact.and_then(staff_of),
            });
        }
        cust.days = self.lay_out_days(ledger, account, as_of, out.days);
        if let (Some(first), Some(last)) = (
            out.days[cust.days.range()].first(),
            out.days[cust.days.range()].last(),
        ) {
            cust.purchase_days = cust.days.len;
            cust.first_purchase = Some(first.0);
            cust.last_purchase = Some(last.0);
        }
        cust.categories = self.lay_out_categories(out.category_last);
        self.rewards_due(as_of, c, out.rewards_due);
    }

    /// Merges the sales into distinct days with their spend, then places the corrections.
    fn lay_out_days(
        &mut self,
        ledger: &Ledger,
        account: &Account,
        as_of: NaiveDate,
        days: &mut Vec<(NaiveDate, Money)>,
    ) -> Span {
        // Facts mostly arrive in time order: sort only when they did not.
        crate::sorting::sort_by_key(&mut self.days, |&(day, _)| day);
        let start = days.len();
        for &(day, amount) in &self.days {
            match days[start..].last_mut() {
                Some(last) if last.0 == day => last.1 += amount,
                _ => days.push((day, amount)),
            }
        }
        let own = &mut days[start..];
        if !own.is_empty() {
            for &(day, amount, sale) in &self.corrections {
                let target = corrected_sale_day(ledger, account, sale, as_of).unwrap_or(day);
                let at = own.partition_point(|&(d, _)| d <= target);
                own[at.saturating_sub(1)].1 += amount;
            }
        }
        Span {
            start: start as u32,
            len: (days.len() - start) as u32,
        }
    }

    /// The last day of each category bought, by category rank.
    fn lay_out_categories(&mut self, out: &mut Vec<(u32, NaiveDate)>) -> Span {
        crate::sorting::sort(&mut self.bought);
        let start = out.len();
        for &(cat, day) in &self.bought {
            match out[start..].last_mut() {
                // Sorted by (category, day): the last of a category's run is its latest day.
                Some(last) if last.0 == cat => last.1 = day,
                _ => out.push((cat, day)),
            }
        }
        Span {
            start: start as u32,
            len: (out.len() - start) as u32,
        }
    }

    /// The customer's scheduled rewards with due dates ≤ `as_of` not settled by a pickup,
    /// in reward id order.
    fn rewards_due(&mut self, as_of: NaiveDate, c: u32, out: &mut Vec<RewardDue>) {
        crate::sorting::sort_by(&mut self.rewards, |a, b| a.id.cmp(&b.id));
        for &terms in &self.rewards {
            let id = &terms.id;
            let mut open: Vec<NaiveDate> = terms
                .due
                .iter()
                .copied()
                .filter(|d| *d <= as_of && !self.pickups.iter().any(|&(r, p)| r == id && p == *d))
                .collect();
            crate::sorting::sort(&mut open);
            open.dedup();
            if !open.is_empty() {
                out.push(RewardDue {
                    customer: c,
                    reward: id.clone(),
                    description: terms.description.clone(),
                    amount: terms.amount,
                    due: open,
                });
            }
        }
    }
}

/// The day of the sale a correction names (its fact index in the account), when that is a sale
/// dated ≤ `as_of`.
fn corrected_sale_day(
    ledger: &Ledger,
    account: &Account,
    sale: u32,
    as_of: NaiveDate,
) -> Option<NaiveDate> {
    if sale == NONE || sale as usize >= account.fact_count() {
        return None;
    }
    let fact = ledger.fact(account, sale as usize);
    (matches!(fact.what, What::Sale { .. }) && fact.at.date() <= as_of).then(|| fact.at.date())
}
