//! Per-customer history from the book as of a date `D` (SPEC §2 inputs).
//!
//! One pass over the book's entries gathers, for every live customer, what the analytics need:
//! purchase days and each day's spend, net spend, the last purchase of each product category,
//! visits, contacts, points, stored value and scheduled reward pickups still due. Entries dated
//! after `D` are ignored.
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
//! large buffers rather than a few per customer.

use crate::domain::{Child, Entry, LedgerKind, Money, Outcome, PurchaseKind, Purpose};
use crate::id::Id;
use crate::op::{Book, RecordKind, RecordState};
use chrono::{NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

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

/// The profile fields the analytics read, taken straight from the customer's registers
/// (decoding the whole profile of every customer would cost more than the rest of the analysis).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Flagged VIP by the shop.
    pub vip: bool,
    /// Never list for follow-ups.
    pub do_not_contact: bool,
    /// The day the profile was created.
    pub created_on: Option<NaiveDate>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Children (birthdays, due dates).
    pub children: Vec<Child>,
}

impl Profile {
    /// Reads the profile fields from a customer record's registers. A field that is absent or
    /// does not decode takes its default, as it would in a full decode.
    pub fn from_record(state: &RecordState) -> Profile {
        Profile {
            vip: field(state, "vip").unwrap_or(false),
            do_not_contact: field(state, "do_not_contact").unwrap_or(false),
            created_on: field::<NaiveDateTime>(state, "created_at").map(|t| t.date()),
            birthday: field(state, "birthday"),
            children: field(state, "children").unwrap_or_default(),
        }
    }
}

/// One field of a record, decoded in place (no copy of the JSON value).
fn field<T: DeserializeOwned>(state: &RecordState, name: &str) -> Option<T> {
    state.fields.get(name).and_then(|reg| T::deserialize(&reg.value).ok())
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

/// Everything the analytics know about one customer as of `D`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomerHistory {
    /// The customer's id.
    pub id: Id,
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
    /// What the customer bought last: the largest line of their latest sale (its product, or its
    /// category when the product is blank).
    pub last_item: Option<String>,
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
    days: Span,
    categories: Span,
}

impl CustomerHistory {
    fn new(id: Id, profile: Profile) -> Self {
        CustomerHistory {
            id,
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
            days: Span::default(),
            categories: Span::default(),
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

/// The history of every live customer as of a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The as-of date `D`.
    pub as_of: NaiveDate,
    /// Live customers in id order; a customer's position is its dense index.
    pub customers: Vec<CustomerHistory>,
    /// Product categories seen in sales, in first-seen order.
    pub categories: Vec<String>,
    /// Rewards with pickups due, by customer index then reward id.
    pub rewards_due: Vec<RewardDue>,
    days: Vec<(NaiveDate, Money)>,
    category_last: Vec<(u32, NaiveDate)>,
}

impl History {
    /// Builds the history of every live customer from the book's entries dated ≤ `as_of`.
    pub fn build(book: &Book, as_of: NaiveDate) -> History {
        Builder::new(book, as_of).run()
    }

    /// The dense index of a customer, if live.
    pub fn index_of(&self, id: &Id) -> Option<usize> {
        self.customers.binary_search_by(|c| c.id.cmp(id)).ok()
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

    /// A customer's last purchase day of one category.
    pub fn last_bought_in(&self, customer: usize, category: &str) -> Option<NaiveDate> {
        let cat = self.categories.iter().position(|c| c == category)? as u32;
        let own = self.last_bought(customer);
        own.binary_search_by_key(&cat, |&(c, _)| c).ok().map(|i| own[i].1)
    }

    /// A customer's rewards with pickups due.
    pub fn rewards_due(&self, customer: usize) -> &[RewardDue] {
        let c = customer as u32;
        let start = self.rewards_due.partition_point(|r| r.customer < c);
        let end = self.rewards_due.partition_point(|r| r.customer <= c);
        &self.rewards_due[start..end]
    }
}

/// A refund or adjustment waiting to be placed on its customer's purchase days.
struct Correction<'a> {
    customer: u32,
    day: NaiveDate,
    amount: Money,
    corrects: Option<&'a Id>,
}

/// A scheduled reward seen in the pass.
struct Reward<'a> {
    customer: u32,
    id: &'a Id,
    description: &'a str,
    amount: Money,
    due: &'a [NaiveDate],
}

/// The one pass over the book and what it collects before the per-customer lists are laid out.
struct Builder<'a> {
    book: &'a Book,
    as_of: NaiveDate,
    index: HashMap<&'a str, u32>,
    customers: Vec<CustomerHistory>,
    sales: Vec<(u32, (NaiveDate, Money))>,
    corrections: Vec<Correction<'a>>,
    category_index: HashMap<&'a str, u32>,
    categories: Vec<String>,
    bought: Vec<(u32, (u32, NaiveDate))>,
    last_sale: Vec<Option<(NaiveDateTime, &'a [crate::domain::LineItem])>>,
    rewards: Vec<Reward<'a>>,
    pickups: HashSet<(&'a Id, NaiveDate)>,
}

impl<'a> Builder<'a> {
    fn new(book: &'a Book, as_of: NaiveDate) -> Self {
        let mut index = HashMap::new();
        let mut customers = Vec::new();
        for (id, state) in book.records(RecordKind::Customer) {
            index.insert(id.as_str(), customers.len() as u32);
            customers.push(CustomerHistory::new(id.clone(), Profile::from_record(state)));
        }
        let n = customers.len();
        Builder {
            book,
            as_of,
            index,
            customers,
            sales: Vec::new(),
            corrections: Vec::new(),
            category_index: HashMap::new(),
            categories: Vec::new(),
            bought: Vec::new(),
            last_sale: vec![None; n],
            rewards: Vec::new(),
            pickups: HashSet::new(),
        }
    }

    fn run(mut self) -> History {
        let book = self.book;
        for (id, entry) in book.entries() {
            let Some(&c) = self.index.get(entry.customer().as_str()) else { continue };
            self.entry(c, id, entry);
        }
        let (days, day_offsets) = self.lay_out_days();
        let category_last = self.lay_out_categories();
        let rewards_due = self.rewards_due();
        for (c, lines) in self.last_sale.iter().enumerate() {
            self.customers[c].last_item = lines.and_then(|(_, lines)| item_name(lines));
        }
        let mut history = History {
            as_of: self.as_of,
            customers: self.customers,
            categories: self.categories,
            rewards_due,
            days,
            category_last: category_last.0,
        };
        for (c, cust) in history.customers.iter_mut().enumerate() {
            cust.days = span(&day_offsets, c);
            cust.categories = span(&category_last.1, c);
        }
        history
    }

    fn entry(&mut self, c: u32, id: &'a Id, entry: &'a Entry) {
        let as_of = self.as_of;
        let cust = &mut self.customers[c as usize];
        match entry {
            Entry::Purchase(p) => {
                let day = p.at.date();
                if day > as_of {
                    return;
                }
                cust.seen(day);
                cust.net_spend += p.total;
                if p.kind != PurchaseKind::Sale {
                    self.corrections.push(Correction { customer: c, day, amount: p.total, corrects: p.corrects.as_ref() });
                    return;
                }
                self.sales.push((c, (day, p.total)));
                let last = &mut self.last_sale[c as usize];
                if last.is_none_or(|(at, _)| p.at >= at) {
                    *last = Some((p.at, &p.items));
                }
                for item in p.items.iter().filter(|i| !i.category.is_empty()) {
                    let next = self.categories.len() as u32;
                    let cat = *self.category_index.entry(item.category.as_str()).or_insert(next);
                    if cat == next {
                        self.categories.push(item.category.clone());
                    }
                    self.bought.push((c, (cat, day)));
                }
            }
            Entry::Visit(v) => {
                if v.on > as_of {
                    return;
                }
                cust.seen(v.on);
                cust.visits += 1;
                if cust.last_visit.is_none_or(|l| v.on > l) {
                    cust.last_visit = Some(v.on);
                }
            }
            Entry::Contact(k) => {
                let day = k.at.date();
                if day > as_of {
                    return;
                }
                cust.seen(day);
                cust.contacts += 1;
                if cust.first_contact.is_none_or(|f| day < f) {
                    cust.first_contact = Some(day);
                }
                let slot = &mut cust.contacted_for[purpose_index(k.purpose)];
                if slot.is_none_or(|s| day > s) {
                    *slot = Some(day);
                }
                // Entries come in id order; on equal times the later id is the later contact.
                if cust.last_contact.as_ref().is_none_or(|l| k.at >= l.at) {
                    cust.last_contact = Some(LastContact {
                        at: k.at,
                        purpose: k.purpose,
                        outcome: k.outcome,
                        next_follow_up: k.next_follow_up,
                    });
                }
            }
            Entry::Ledger(l) => {
                let day = l.at.date();
                if day > as_of {
                    return;
                }
                cust.seen(day);
                match &l.kind {
                    LedgerKind::Points { delta } => cust.points = Some(cust.points.unwrap_or(0) + delta),
                    LedgerKind::StoredValue { delta } => cust.stored_value += *delta,
                    LedgerKind::ScheduledReward { description, amount, due } => {
                        self.rewards.push(Reward { customer: c, id, description, amount: *amount, due })
                    }
                    LedgerKind::Pickup { reward, due } => {
                        self.pickups.insert((reward, *due));
                    }
                }
            }
        }
    }

    /// Groups the sales by customer into distinct days with their spend, then places the
    /// corrections. Returns the flat day list and each customer's offset into it.
    fn lay_out_days(&mut self) -> (Vec<(NaiveDate, Money)>, Vec<u32>) {
        let n = self.customers.len();
        let (mut grouped, offsets) = group_by_customer(std::mem::take(&mut self.sales), n);
        let mut days: Vec<(NaiveDate, Money)> = Vec::with_capacity(grouped.len());
        let mut day_offsets = Vec::with_capacity(n + 1);
        day_offsets.push(0);
        for c in 0..n {
            let slice = &mut grouped[offsets[c] as usize..offsets[c + 1] as usize];
            slice.sort_unstable_by_key(|&(day, _)| day);
            let start = days.len();
            for &(day, amount) in slice.iter() {
                match days[start..].last_mut() {
                    Some(last) if last.0 == day => last.1 += amount,
                    _ => days.push((day, amount)),
                }
            }
            let own = &days[start..];
            let cust = &mut self.customers[c];
            cust.purchase_days = own.len() as u32;
            cust.first_purchase = own.first().map(|d| d.0);
            cust.last_purchase = own.last().map(|d| d.0);
            day_offsets.push(days.len() as u32);
        }
        for k in std::mem::take(&mut self.corrections) {
            let own = &mut days[day_offsets[k.customer as usize] as usize..day_offsets[k.customer as usize + 1] as usize];
            if own.is_empty() {
                continue;
            }
            let target = k.corrects.and_then(|id| self.corrected_sale_day(k.customer, id)).unwrap_or(k.day);
            let at = own.partition_point(|&(day, _)| day <= target);
            own[at.saturating_sub(1)].1 += k.amount;
        }
        (days, day_offsets)
    }

    /// The day of the sale a correction names, when it is this customer's sale dated ≤ `D`.
    fn corrected_sale_day(&self, customer: u32, id: &Id) -> Option<NaiveDate> {
        match &self.book.entry(id)?.entry {
            Entry::Purchase(p)
                if p.kind == PurchaseKind::Sale
                    && p.at.date() <= self.as_of
                    && self.index.get(p.customer.as_str()) == Some(&customer) =>
            {
                Some(p.at.date())
            }
            _ => None,
        }
    }

    /// Reduces the category purchases to the last day per customer and category.
    fn lay_out_categories(&mut self) -> (Vec<(u32, NaiveDate)>, Vec<u32>) {
        let n = self.customers.len();
        let (mut grouped, offsets) = group_by_customer(std::mem::take(&mut self.bought), n);
        let mut out: Vec<(u32, NaiveDate)> = Vec::new();
        let mut out_offsets = Vec::with_capacity(n + 1);
        out_offsets.push(0);
        for c in 0..n {
            let slice = &mut grouped[offsets[c] as usize..offsets[c + 1] as usize];
            slice.sort_unstable();
            let start = out.len();
            for &(cat, day) in slice.iter() {
                match out[start..].last_mut() {
                    // Sorted by (category, day): the last of a category's run is its latest day.
                    Some(last) if last.0 == cat => last.1 = day,
                    _ => out.push((cat, day)),
                }
            }
            out_offsets.push(out.len() as u32);
        }
        (out, out_offsets)
    }

    /// Scheduled rewards with due dates ≤ `D` not settled by a pickup.
    fn rewards_due(&mut self) -> Vec<RewardDue> {
        let mut out: Vec<RewardDue> = self
            .rewards
            .iter()
            .filter_map(|r| {
                let mut due: Vec<NaiveDate> =
                    r.due.iter().copied().filter(|d| *d <= self.as_of && !self.pickups.contains(&(r.id, *d))).collect();
                due.sort_unstable();
                due.dedup();
                (!due.is_empty()).then(|| RewardDue {
                    customer: r.customer,
                    reward: r.id.clone(),
                    description: r.description.to_owned(),
                    amount: r.amount,
                    due,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.customer, &a.reward).cmp(&(b.customer, &b.reward)));
        out
    }
}

/// Counting sort of `(customer, value)` pairs by customer: the values, and each customer's
/// offset into them (`n + 1` offsets). Keeps the pass order within a customer.
fn group_by_customer<T: Copy + Default>(items: Vec<(u32, T)>, n: usize) -> (Vec<T>, Vec<u32>) {
    let mut offsets = vec![0u32; n + 1];
    for &(c, _) in &items {
        offsets[c as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor = offsets.clone();
    let mut out = vec![T::default(); items.len()];
    for (c, value) in items {
        let at = &mut cursor[c as usize];
        out[*at as usize] = value;
        *at += 1;
    }
    (out, offsets)
}

fn span(offsets: &[u32], c: usize) -> Span {
    Span { start: offsets[c], len: offsets[c + 1] - offsets[c] }
}

/// The name of the largest line of a sale (the first of equal lines).
fn item_name(lines: &[crate::domain::LineItem]) -> Option<String> {
    let best = lines.iter().filter(|l| !l.product.is_empty() || !l.category.is_empty()).reduce(|best, l| {
        if l.amount > best.amount { l } else { best }
    })?;
    Some(if best.product.is_empty() { best.category.clone() } else { best.product.clone() })
}
