//! The book reduced to what the analytics read, kept between analyses.
//!
//! The book keeps every entry with its own heap strings (ids, products, categories), so one
//! walk over 200,000 purchases is bound by memory latency, not by the work done. A [`Ledger`]
//! is read from the book once ([`Ledger::read`], one pass over records and entries) and then
//! follows it op by op ([`Ledger::apply`] with the [`Change`] that [`Book::apply`] returned).
//! It keeps each entry as a compact fact, all customers' facts packed in one list in customer
//! order, so an analysis for any as-of date ([`super::history::History::from_ledger`]) walks
//! memory in order. Facts that arrive later wait in a short per-customer list until the next
//! repacking (when they reach a quarter of the packed ones).
//!
//! Entries may arrive before their customer's record (sync order is free): they wait in an
//! account that is not live until the record appears. A deleted customer's account stops
//! being live and their entries are ignored. The ledger also keeps the complaints that are
//! still open (few), so the agenda never walks the book's records.

use super::profile::{ChildDates, Profile};
use crate::domain::{Complaint, ComplaintStatus, Entry, LedgerKind, LineItem, Money, Outcome, PurchaseKind, Purpose, Severity};
use crate::id::Id;
use crate::op::{Book, Change, RecordKind};
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// "None" for the `u32` indices inside a [`What`] (kept small so a fact stays 40 bytes).
pub(crate) const NONE: u32 = u32::MAX;

/// One entry, reduced: 40 bytes, so walking 200,000 of them reads little memory. Its id and
/// any text or list it carries live in side lists of the [`Account`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fact {
    /// When (a visit: its day at midnight).
    pub at: NaiveDateTime,
    /// What it records.
    pub what: What,
}

/// What a fact records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum What {
    /// A sale: its total, its largest line's name (an index into the ledger's product names,
    /// or [`NONE`]), and its `lines` categories starting at `categories` in the ledger's list
    /// of sale categories.
    Sale { total: Money, item: u32, categories: u32, lines: u16 },
    /// A refund or adjustment, the sale it corrects (an index into [`Account::refs`], or
    /// [`NONE`]) and that sale's fact in this account once known (or [`NONE`]).
    Correction { total: Money, corrects: u32, sale: u32 },
    /// A visit without a purchase.
    Visit,
    /// A contact.
    Contact { purpose: Purpose, outcome: Outcome, next_follow_up: Option<NaiveDate> },
    /// Points earned or spent.
    Points(i64),
    /// Stored value topped up or spent.
    StoredValue(Money),
    /// A scheduled reward (an index into [`Account::rewards`]).
    Reward(u32),
    /// A pickup of a scheduled reward (the reward: an index into [`Account::refs`]).
    Pickup { reward: u32, due: NaiveDate },
    /// An entry the book replaced (dropped at the next repacking).
    Removed,
}

/// A scheduled reward's terms.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RewardTerms {
    /// What is picked up.
    pub description: String,
    /// The value of one pickup.
    pub amount: Money,
    /// Due dates of the pickups.
    pub due: Vec<NaiveDate>,
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
    /// The customer's packed facts: (start, length) in the ledger's list.
    pub packed: (u32, u32),
    /// Facts that arrived since the last repacking.
    pub recent: Vec<Fact>,
    /// The entries' ids: those of the packed facts, then those of the recent ones.
    pub fact_ids: Vec<Id>,
    /// Entry ids that facts refer to (corrected sales, picked-up rewards).
    pub refs: Vec<Id>,
    /// Terms of the scheduled rewards.
    pub rewards: Vec<RewardTerms>,
}

/// The analytics' compact copy of the book (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: Vec<Account>,
    by_id: FxHashMap<Id, u32>,
    /// Live accounts in customer-id order.
    order: Vec<u32>,
    categories: Names,
    products: Names,
    /// Every account's packed facts, account after account.
    facts: Vec<Fact>,
    /// Category indices of sale lines (ranges referenced by sale facts).
    sale_categories: Vec<u32>,
    /// Facts waiting in accounts' `recent` lists.
    recent: usize,
    /// The live customers' ids one after another, and where each ends (built when first
    /// needed after the set of live customers changed).
    ids: OnceCell<(String, Vec<u32>)>,
    /// Complaints not yet resolved, by complaint id.
    complaints: BTreeMap<Id, OpenComplaint>,
    /// The account holding each entry, by a hash of the entry's id (verified against the
    /// account's ids), to find an entry the book replaced.
    entries: FxHashMap<u64, u32>,
}

/// A complaint that is not resolved yet.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OpenComplaint {
    /// The customer.
    pub customer: Id,
    /// The day it was opened.
    pub opened_on: Option<NaiveDate>,
    /// Its severity.
    pub severity: Severity,
    /// Whether it has had a first response.
    pub responded: bool,
}

impl OpenComplaint {
    /// The complaint's open part: `None` when resolved or without a customer. A complaint is
    /// open while it has no first response, or is unresolved.
    fn of(complaint: Complaint) -> Option<OpenComplaint> {
        let responded = complaint.first_response_at.is_some() || complaint.status != ComplaintStatus::Open;
        let resolved = complaint.resolved_at.is_some() || complaint.status == ComplaintStatus::Resolved;
        (!responded || !resolved).then_some(())?;
        Some(OpenComplaint {
            customer: complaint.customer?,
            opened_on: complaint.opened_at.map(|t| t.date()),
            severity: complaint.severity,
            responded,
        })
    }
}

/// Interned names (categories, products), numbered in the order first met.
#[derive(Clone, Debug, Default)]
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
            ledger.ids = OnceCell::new();
        }
        for (id, state) in book.records(RecordKind::Complaint) {
            if let Some(open) = state.decode().ok().and_then(OpenComplaint::of) {
                ledger.complaints.insert(id.clone(), open);
            }
        }
        for (id, entry) in book.entries() {
            ledger.add(id, entry);
        }
        ledger.pack();
        ledger
    }

    /// Follows one change the book reported after applying an op.
    pub fn apply(&mut self, book: &Book, change: &Change) {
        match change {
            Change::Record(RecordKind::Customer, id) => self.refresh_customer(book, id),
            Change::Record(RecordKind::Complaint, id) => {
                match book.get::<Complaint>(RecordKind::Complaint, id).and_then(OpenComplaint::of) {
                    Some(open) => self.complaints.insert(id.clone(), open),
                    None => self.complaints.remove(id),
                };
            }
            Change::Entry(id) => {
                if let Some(stamped) = book.entry(id) {
                    self.remove_fact(id);
                    self.add(id, &stamped.entry);
                    if self.recent > self.facts.len() / 4 + 1024 {
                        self.pack();
                    }
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

    /// An account's facts: the packed ones, then the recent ones (together in the order of
    /// [`Account::fact_ids`]).
    pub(crate) fn facts_of<'a>(&'a self, account: &'a Account) -> (&'a [Fact], &'a [Fact]) {
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        (&self.facts[start..start + len], &account.recent)
    }

    /// The live customers' ids one after another (in id order), and where each ends.
    pub(crate) fn packed_ids(&self) -> &(String, Vec<u32>) {
        self.ids.get_or_init(|| {
            let mut text = String::with_capacity(self.live().map(|a| a.id.as_str().len()).sum());
            let ends = self
                .live()
                .map(|a| {
                    text.push_str(a.id.as_str());
                    text.len() as u32
                })
                .collect();
            (text, ends)
        })
    }

    /// Complaints not yet resolved, by complaint id.
    pub(crate) fn open_complaints(&self) -> &BTreeMap<Id, OpenComplaint> {
        &self.complaints
    }

    /// An account's `i`-th fact (in the order of [`Account::fact_ids`]).
    pub(crate) fn fact<'a>(&'a self, account: &'a Account, i: usize) -> &'a Fact {
        let (packed, recent) = self.facts_of(account);
        if i < packed.len() { &packed[i] } else { &recent[i - packed.len()] }
    }

    /// The categories of a sale fact's lines.
    pub(crate) fn sale_categories(&self, start: u32, lines: u16) -> &[u32] {
        &self.sale_categories[start as usize..start as usize + usize::from(lines)]
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
            packed: (0, 0),
            recent: Vec::new(),
            fact_ids: Vec::new(),
            refs: Vec::new(),
            rewards: Vec::new(),
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
            _ => return,
        }
        self.ids = OnceCell::new();
    }

    /// Marks the fact of an entry that the book replaced as removed (only conflicting appends
    /// under one id replace an entry; the new one may even belong to another customer).
    fn remove_fact(&mut self, entry: &Id) {
        let Some(&hinted) = self.entries.get(&entry_key(entry)) else { return };
        let holds = |account: &Account| account.fact_ids.iter().position(|f| f == entry);
        // The hint is right unless two entry ids share a hash; then look everywhere.
        let found = std::iter::once(hinted as usize)
            .chain(0..self.accounts.len())
            .find_map(|a| holds(&self.accounts[a]).map(|i| (a, i)));
        let Some((a, i)) = found else { return };
        let account = &mut self.accounts[a];
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        let fact = if i < len { &mut self.facts[start + i] } else { &mut account.recent[i - len] };
        fact.what = What::Removed;
    }

    /// Packs every account's facts into one list, live customers first in id order, dropping
    /// removed ones.
    fn pack(&mut self) {
        let live = self.order.iter().copied();
        let rest = (0..self.accounts.len() as u32).filter(|&a| !self.accounts[a as usize].live);
        let visit: Vec<u32> = live.chain(rest).collect();
        let mut facts = Vec::with_capacity(self.facts.len() + self.recent);
        let mut categories = Vec::with_capacity(self.sale_categories.len());
        let mut moved: Vec<u32> = Vec::new();
        for a in visit {
            let account = &mut self.accounts[a as usize];
            let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
            let old_ids = std::mem::take(&mut account.fact_ids);
            let first = facts.len();
            // Where each old fact lands (NONE: removed), to follow corrections to their sales.
            moved.clear();
            let all = self.facts[start..start + len].iter().chain(&account.recent);
            for (fact, id) in all.zip(old_ids) {
                let mut fact = *fact;
                match &mut fact.what {
                    What::Removed => {
                        moved.push(NONE);
                        continue;
                    }
                    What::Sale { categories: at, lines, .. } => {
                        let from = *at as usize;
                        *at = categories.len() as u32;
                        categories.extend_from_slice(&self.sale_categories[from..from + usize::from(*lines)]);
                    }
                    _ => {}
                }
                moved.push((facts.len() - first) as u32);
                facts.push(fact);
                account.fact_ids.push(id);
            }
            for fact in &mut facts[first..] {
                if let What::Correction { corrects, sale, .. } = &mut fact.what {
                    let landed = moved.get(*sale as usize).copied().unwrap_or(NONE);
                    *sale = if landed != NONE { landed } else { position(&account.fact_ids, account.refs.get(*corrects as usize)) };
                }
            }
            account.packed = (first as u32, (facts.len() - first) as u32);
            account.recent = Vec::new();
        }
        self.facts = facts;
        self.sale_categories = categories;
        self.recent = 0;
    }

    fn add(&mut self, id: &Id, entry: &Entry) {
        let a = self.account(entry.customer()) as usize;
        let (categories, products, sale_categories) = (&mut self.categories, &mut self.products, &mut self.sale_categories);
        let account = &mut self.accounts[a];
        let refer = |refs: &mut Vec<Id>, id: &Id| {
            refs.push(id.clone());
            refs.len() as u32 - 1
        };
        let (at, what) = match entry {
            Entry::Purchase(p) if p.kind == PurchaseKind::Sale => {
                let start = sale_categories.len();
                for line in p.items.iter().filter(|l| !l.category.is_empty()).take(usize::from(u16::MAX)) {
                    sale_categories.push(categories.intern(&line.category));
                }
                let lines = (sale_categories.len() - start) as u16;
                let item = item_name(&p.items).map_or(NONE, |name| products.intern(name));
                (p.at, What::Sale { total: p.total, item, categories: start as u32, lines })
            }
            Entry::Purchase(p) => {
                let corrects = p.corrects.as_ref().map_or(NONE, |c| refer(&mut account.refs, c));
                let sale = position(&account.fact_ids, p.corrects.as_ref());
                (p.at, What::Correction { total: p.total, corrects, sale })
            }
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
                        let terms = RewardTerms { description: description.clone(), amount: *amount, due: due.clone() };
                        account.rewards.push(terms);
                        What::Reward(account.rewards.len() as u32 - 1)
                    }
                    LedgerKind::Pickup { reward, due } => What::Pickup { reward: refer(&mut account.refs, reward), due: *due },
                },
            ),
        };
        let index = account.fact_ids.len() as u32;
        let is_sale = matches!(what, What::Sale { .. });
        account.recent.push(Fact { at, what });
        account.fact_ids.push(id.clone());
        self.recent += 1;
        self.entries.insert(entry_key(id), a as u32);
        if is_sale && account.refs.contains(id) {
            self.link_corrections(a, id, index);
        }
    }

    /// Points the corrections that name a sale which arrived after them at its fact.
    fn link_corrections(&mut self, a: usize, sale_id: &Id, index: u32) {
        let account = &mut self.accounts[a];
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        let refs = &account.refs;
        for fact in self.facts[start..start + len].iter_mut().chain(account.recent.iter_mut()) {
            if let What::Correction { corrects, sale, .. } = &mut fact.what
                && refs.get(*corrects as usize) == Some(sale_id)
            {
                *sale = index;
            }
        }
    }
}

/// The key of an entry id in [`Ledger::entries`].
fn entry_key(id: &Id) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(id.as_str())
}

/// The position of an entry id among an account's fact ids ([`NONE`] when absent).
fn position(ids: &[Id], id: Option<&Id>) -> u32 {
    id.and_then(|id| ids.iter().position(|f| f == id)).map_or(NONE, |i| i as u32)
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
