//! The book reduced to what the analytics read, kept between analyses.
//!
//! The book keeps every entry with its own heap strings (ids, products, categories), so one
//! walk over 200,000 purchases is bound by memory latency, not by the work done. A [`Ledger`]
//! is read from the book once ([`Ledger::read`], one pass over records and entries) and then
//! follows it op by op ([`Ledger::apply`] with the [`Change`] that [`Book::apply`] returned).
//! It groups each customer's entries as compact facts in one contiguous list, so an analysis
//! for any as-of date ([`super::history::History::from_ledger`]) walks memory in order.
//!
//! Entries may arrive before their customer's record (sync order is free): they wait in an
//! account that is not live until the record appears. A deleted customer's account stops
//! being live and their entries are ignored.

use super::profile::{ChildDates, Profile};
use crate::domain::{Entry, LedgerKind, LineItem, Money, Outcome, PurchaseKind, Purpose};
use crate::id::Id;
use crate::op::{Book, Change, RecordKind};
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;

/// One entry, reduced.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Fact {
    /// The entry's id (tie-breaks, corrections and pickups refer to it).
    pub id: Id,
    /// When (a visit: its day at midnight).
    pub at: NaiveDateTime,
    /// What it records.
    pub what: What,
}

/// What a fact records.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum What {
    /// A sale: its total, its largest line's name (an index into the ledger's product
    /// names), its categories (a range of [`Account::categories`]).
    Sale { total: Money, item: Option<u32>, categories: (u32, u32) },
    /// A refund or adjustment, and the sale it corrects.
    Correction { total: Money, corrects: Option<Id> },
    /// A visit without a purchase.
    Visit,
    /// A contact.
    Contact { purpose: Purpose, outcome: Outcome, next_follow_up: Option<NaiveDate> },
    /// Points earned or spent.
    Points(i64),
    /// Stored value topped up or spent.
    StoredValue(Money),
    /// A scheduled reward.
    Reward { description: String, amount: Money, due: Vec<NaiveDate> },
    /// A pickup of a scheduled reward.
    Pickup { reward: Id, due: NaiveDate },
}

/// One customer id's profile and facts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Account {
    /// The customer's id.
    pub id: Id,
    /// Whether the customer record exists and is not deleted.
    pub live: bool,
    /// Profile fields.
    pub profile: Profile,
    /// The children's dates.
    pub children: Vec<ChildDates>,
    /// The customer's entries, in the order they reached the ledger.
    pub facts: Vec<Fact>,
    /// Category indices of the sales' lines (ranges referenced by the sale facts).
    pub categories: Vec<u32>,
}

/// The analytics' compact copy of the book (see the module doc).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    accounts: Vec<Account>,
    by_id: FxHashMap<Id, u32>,
    /// Live accounts in customer-id order.
    order: Vec<u32>,
    categories: Names,
    products: Names,
}

/// Interned names (categories, products), numbered in the order first met.
#[derive(Clone, Debug, Default, PartialEq)]
struct Names {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

impl Ledger {
    /// Reads the whole book: every customer record and every entry, once.
    pub fn read(book: &Book) -> Ledger {
        let mut ledger = Ledger::default();
        for (id, state) in book.records(RecordKind::Customer) {
            let a = ledger.account(id);
            let account = &mut ledger.accounts[a as usize];
            account.live = true;
            (account.profile, account.children) = Profile::read(state);
            ledger.order.push(a);
        }
        for (id, entry) in book.entries() {
            ledger.add(id, entry);
        }
        ledger
    }

    /// Follows one change the book reported after applying an op.
    pub fn apply(&mut self, book: &Book, change: &Change) {
        match change {
            Change::Record(RecordKind::Customer, id) => self.refresh_customer(book, id),
            Change::Entry(id) => {
                if let Some(stamped) = book.entry(id) {
                    self.remove_fact(stamped.entry.customer(), id);
                    self.add(id, &stamped.entry);
                }
            }
            Change::Record(..) | Change::None => {}
        }
    }

    /// Number of live customers.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when there is no live customer.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Live accounts in customer-id order.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Account> {
        self.order.iter().map(|&a| &self.accounts[a as usize])
    }

    /// Category names by index.
    pub(crate) fn category_names(&self) -> &[String] {
        &self.categories.names
    }

    /// Product names by index.
    pub(crate) fn product_names(&self) -> &[String] {
        &self.products.names
    }

    fn account(&mut self, id: &Id) -> u32 {
        if let Some(&a) = self.by_id.get(id) {
            return a;
        }
        let a = self.accounts.len() as u32;
        self.accounts.push(Account {
            id: id.clone(),
            live: false,
            profile: Profile::default(),
            children: Vec::new(),
            facts: Vec::new(),
            categories: Vec::new(),
        });
        self.by_id.insert(id.clone(), a);
        a
    }

    fn refresh_customer(&mut self, book: &Book, id: &Id) {
        let a = self.account(id);
        let state = book.record_state(RecordKind::Customer, id).filter(|s| s.deleted.is_none());
        let accounts = &self.accounts;
        let pos = self.order.binary_search_by(|&o| accounts[o as usize].id.cmp(id));
        let account = &mut self.accounts[a as usize];
        account.live = state.is_some();
        (account.profile, account.children) = state.map(Profile::read).unwrap_or_default();
        match (pos, account.live) {
            (Err(at), true) => self.order.insert(at, a),
            (Ok(at), false) => {
                self.order.remove(at);
            }
            _ => {}
        }
    }

    /// Drops the fact of an entry that the book replaced (only conflicting appends under one
    /// id replace an entry).
    fn remove_fact(&mut self, customer: &Id, entry: &Id) {
        if let Some(&a) = self.by_id.get(customer) {
            self.accounts[a as usize].facts.retain(|f| &f.id != entry);
        }
    }

    fn add(&mut self, id: &Id, entry: &Entry) {
        let a = self.account(entry.customer()) as usize;
        let (at, what) = match entry {
            Entry::Purchase(p) if p.kind == PurchaseKind::Sale => {
                let start = self.accounts[a].categories.len() as u32;
                for line in p.items.iter().filter(|l| !l.category.is_empty()) {
                    let cat = self.categories.intern(&line.category);
                    self.accounts[a].categories.push(cat);
                }
                let end = self.accounts[a].categories.len() as u32;
                let item = item_name(&p.items).map(|name| self.products.intern(name));
                (p.at, What::Sale { total: p.total, item, categories: (start, end - start) })
            }
            Entry::Purchase(p) => (p.at, What::Correction { total: p.total, corrects: p.corrects.clone() }),
            Entry::Visit(v) => (v.on.and_time(chrono::NaiveTime::MIN), What::Visit),
            Entry::Contact(c) => {
                (c.at, What::Contact { purpose: c.purpose, outcome: c.outcome, next_follow_up: c.next_follow_up })
            }
            Entry::Ledger(l) => (
                l.at,
                match &l.kind {
                    LedgerKind::Points { delta } => What::Points(*delta),
                    LedgerKind::StoredValue { delta } => What::StoredValue(*delta),
                    LedgerKind::ScheduledReward { description, amount, due } => {
                        What::Reward { description: description.clone(), amount: *amount, due: due.clone() }
                    }
                    LedgerKind::Pickup { reward, due } => What::Pickup { reward: reward.clone(), due: *due },
                },
            ),
        };
        self.accounts[a].facts.push(Fact { id: id.clone(), at, what });
    }

}

/// The name of a sale's largest line (the first of equal lines): its product, or its category
/// when the product is blank.
fn item_name(lines: &[LineItem]) -> Option<&str> {
    let best = lines
        .iter()
        .filter(|l| !l.product.is_empty() || !l.category.is_empty())
        .reduce(|best, l| if l.amount > best.amount { l } else { best })?;
    Some(if best.product.is_empty() { &best.category } else { &best.product })
}
