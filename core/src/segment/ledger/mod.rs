//! The book reduced to what the analytics read, kept between analyses.
//!
//! The book keeps every entry with its own heap strings (ids, products, categories), so one
//! walk over 200,000 purchases is bound by memory latency, not by the work done. A [`Ledger`]
//! is read from the book once ([`Ledger::read`], one pass over records and entries) and then
//! follows it op by op ([`Ledger::apply`] with the [`Change`] that [`Book::apply`] returned).
//! It keeps each entry as a compact fact, all customers' facts packed in one list in customer
//! order (their entry ids in one [`IdList`] beside it), so an analysis for any as-of date
//! ([`super::history::History::from_ledger`]) walks memory in order. Facts that arrive later
//! wait in a short per-customer list until the next repacking (when they reach a quarter of
//! the packed ones).
//!
//! Reading allocates a few large buffers, not a few per entry: each entry becomes a fact in
//! one staging list (in the book's order), and one counting sort by customer lays them out.
//!
//! Entries may arrive before their customer's record (sync order is free): they wait in an
//! account that is not live until the record appears. A deleted customer's account stops
//! being live and their entries are ignored. The ledger also keeps the complaints that are
//! still open (few), so the agenda never walks the book's records.

mod image;
pub(crate) use image::{ImageAt, ImageSteps};

use super::profile::{ChildDates, Profile};
use crate::book::Book;
use crate::domain::{
    Complaint, ComplaintStatus, Entry, LedgerKind, LineItem, Money, Outcome, PurchaseKind, Purpose,
    Severity,
};
use crate::id::Id;
use crate::id_list::IdList;
use crate::op::{Change, RecordKind};
use chrono::{NaiveDate, NaiveDateTime};
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// "None" for the `u32` indices inside a [`What`] (kept small so a fact stays 40 bytes).
pub(crate) const NONE: u32 = u32::MAX;

/// One entry, reduced: 40 bytes, so walking 200,000 of them reads little memory. Its id lives
/// in the ledger's [`IdList`] (or the account's recent ids), any text or list it carries in side
/// lists of the ledger or the [`Account`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Fact {
    /// When (a visit: its day at midnight).
    pub at: NaiveDateTime,
    /// What it records.
    pub what: What,
    /// Who recorded it: an index into the ledger's staff ids, or [`NO_STAFF`].
    pub staff: u16,
}

/// "Nobody" for [`Fact::staff`] (an entry without a staff member, or the 65,536th).
pub(crate) const NO_STAFF: u16 = u16::MAX;

/// What a fact records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum What {
    /// A sale: its total, its largest line's name (an index into the ledger's product names,
    /// or [`NONE`]), and its `lines` categories starting at `categories` in the ledger's list
    /// of sale categories.
    Sale {
        total: Money,
        item: u32,
        categories: u32,
        lines: u16,
    },
    /// A refund or adjustment, the sale it corrects (an index into [`Account::refs`], or
    /// [`NONE`]) and that sale's fact in this account once known (or [`NONE`]).
    Correction {
        total: Money,
        corrects: u32,
        sale: u32,
    },
    /// A visit without a purchase.
    Visit,
    /// A contact.
    Contact {
        purpose: Purpose,
        outcome: Outcome,
        next_follow_up: Option<NaiveDate>,
    },
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
    /// The scheduled reward entry.
    pub id: Id,
    /// What is picked up.
    pub description: String,
    /// The value of one pickup.
    pub amount: Money,
    /// Due dates of the pickups.
    pub due: Vec<NaiveDate>,
}

/// One customer id's profile and facts (the id is the ledger's [`Ledger::account_id`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Account {
    /// Whether the customer record exists and is not deleted.
    pub live: bool,
    /// Profile fields.
    pub profile: Profile,
    /// The children's dates.
    pub children: Vec<ChildDates>,
    /// Who added the customer: an index into the ledger's staff ids, or [`NO_STAFF`].
    pub creator: u16,
    /// The customer's packed facts: (start, length) in the ledger's list.
    pub packed: (u32, u32),
    /// Facts that arrived since the last repacking.
    pub recent: Vec<Fact>,
    /// The recent facts' entry ids.
    recent_ids: Vec<Id>,
    /// Entry ids that facts refer to (corrected sales, picked-up rewards).
    pub refs: Vec<Id>,
    /// Terms of the scheduled rewards.
    pub rewards: Vec<RewardTerms>,
}

impl Account {
    fn new() -> Account {
        Account {
            live: false,
            profile: Profile::default(),
            children: Vec::new(),
            creator: NO_STAFF,
            packed: (0, 0),
            recent: Vec::new(),
            recent_ids: Vec::new(),
            refs: Vec::new(),
            rewards: Vec::new(),
        }
    }

    /// Number of facts, packed and recent.
    pub(crate) fn fact_count(&self) -> usize {
        self.packed.1 as usize + self.recent.len()
    }
}

/// The analytics' compact copy of the book (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: Vec<Account>,
    /// The accounts' customer ids, by account number.
    account_ids: IdList,
    /// Account numbers found by the hash of their customer id.
    by_id: HashTable<u32>,
    /// Live accounts in customer-id order.
    order: Vec<u32>,
    categories: Names,
    products: Names,
    /// The staff members (device ids) who recorded entries, numbered in the order first met.
    staff: Names,
    /// Every account's packed facts, account after account.
    facts: Vec<Fact>,
    /// The packed facts' entry ids, parallel to `facts`.
    fact_ids: IdList,
    /// Category indices of sale lines (ranges referenced by sale facts).
    sale_categories: Vec<u32>,
    /// Facts waiting in accounts' `recent` lists.
    recent: usize,
    /// The live customers' ids in id order (built when first needed after the set of live
    /// customers changed).
    ids: OnceCell<IdList>,
    /// Complaints not yet resolved, by complaint id.
    complaints: BTreeMap<Id, OpenComplaint>,
}

/// A complaint that is not resolved yet.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OpenComplaint {
    /// The customer.
    pub customer: Id,
    /// The day it was opened.
    pub opened_at: Option<NaiveDateTime>,
    /// Its severity.
    pub severity: Severity,
    /// Whether it has had a first response.
    pub responded: bool,
}

impl OpenComplaint {
    /// The complaint's open part: `None` when resolved or without a customer. A complaint is
    /// open while it has no first response, or is unresolved.
    fn of(complaint: Complaint) -> Option<OpenComplaint> {
        let responded =
            complaint.first_response_at.is_some() || complaint.status != ComplaintStatus::Open;
        let resolved =
            complaint.resolved_at.is_some() || complaint.status == ComplaintStatus::Resolved;
        (!responded || !resolved).then_some(())?;
        Some(OpenComplaint {
            customer: complaint.customer?,
            opened_at: complaint.opened_at,
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

/// Facts on their way into the packed list, with their accounts and entry ids.
struct Staged {
    facts: Vec<(u32, Fact)>,
    ids: IdList,
}

impl Staged {
    fn with_capacity(facts: usize) -> Staged {
        // Ids are mostly UUIDs: 36 bytes.
        Staged {
            facts: Vec::with_capacity(facts),
            ids: IdList::with_capacity(facts, facts * 36),
        }
    }

    fn push(&mut self, account: u32, fact: Fact, id: &str) {
        self.facts.push((account, fact));
        self.ids.push(id);
    }
}

/// Reads a book into a ledger piece by piece (so a large book can be read in slices of
/// work): its live customers in id order, its complaints, its entries, then [`finish`].
///
/// [`finish`]: LedgerReader::finish
pub struct LedgerReader {
    ledger: Ledger,
    staged: Staged,
}

impl LedgerReader {
    /// A reader expecting about `entries` entries.
    pub fn new(entries: usize) -> LedgerReader {
        LedgerReader {
            ledger: Ledger::default(),
            staged: Staged::with_capacity(entries),
        }
    }

    /// A live customer record (they come in id order).
    pub fn customer(&mut self, id: &Id, state: &crate::book::RecordState) {
        let ledger = &mut self.ledger;
        let a = ledger.account(id);
        let creator = ledger.creator(state);
        let account = &mut ledger.accounts[a as usize];
        account.live = true;
        (account.profile, account.children) = Profile::read(state);
        account.creator = creator;
        ledger.order.push(a);
    }

    /// A live complaint record.
    pub fn complaint(&mut self, id: &Id, state: &crate::book::RecordState) {
        if let Some(open) = state.decode().ok().and_then(OpenComplaint::of) {
            self.ledger.complaints.insert(id.clone(), open);
        }
    }

    /// An entry (one this version cannot read, written by a newer one, is not analysed).
    pub fn entry(&mut self, e: crate::book::EntryRef<'_>) {
        let Some(entry) = e.decode() else { return };
        let account = self.ledger.account(entry.customer());
        let fact = self.ledger.reduce(account, e.id, &entry);
        self.staged.push(account, fact, e.id);
    }

    /// The ledger.
    pub fn finish(self) -> Ledger {
        let mut ledger = self.ledger;
        let packed = pack(
            &ledger.accounts,
            &ledger.order,
            self.staged,
            &ledger.sale_categories,
        );
        ledger.install(packed);
        ledger
    }
}

/// The packed list a repacking lays out.
struct Packed {
    facts: Vec<Fact>,
    fact_ids: IdList,
    sale_categories: Vec<u32>,
    /// Each account's (start, length) in `facts`, by account index.
    ranges: Vec<(u32, u32)>,
}

impl Ledger {
    /// Reads the whole book: every customer record and every entry, once.
    pub fn read(book: &Book) -> Ledger {
        let mut reader = LedgerReader::new(book.entry_count());
        for (id, state) in book.records(RecordKind::Customer) {
            reader.customer(id, state);
        }
        for (id, state) in book.records(RecordKind::Complaint) {
            reader.complaint(id, state);
        }
        for e in book.entries() {
            reader.entry(e);
        }
        reader.finish()
    }

    /// Follows one change the book reported after applying an op.
    pub fn apply(&mut self, book: &Book, change: &Change) {
        match change {
            Change::Record(RecordKind::Customer, id) => self.refresh_customer(book, id),
            Change::Record(RecordKind::Complaint, id) => {
                match book.get::<Complaint>(id).and_then(OpenComplaint::of) {
                    Some(open) => self.complaints.insert(id.clone(), open),
                    None => self.complaints.remove(id),
                };
            }
            Change::Entry(id) | Change::EntryReplaced(id) => {
                if let Some(stored) = book.entry(id.as_str()) {
                    let entry = stored.decode();
                    if matches!(change, Change::EntryReplaced(_)) {
                        self.remove_fact(id);
                    } else if entry.as_ref().is_some_and(|e| self.holds(e.customer(), id)) {
                        // Already here (a ledger read from an image taken after the change):
                        // following a change twice changes nothing.
                        return;
                    }
                    if let Some(entry) = entry {
                        self.add(id, &entry);
                    }
                    if self.recent > self.facts.len() / 4 + 1024 {
                        self.repack();
                    }
                }
            }
            Change::Record(..) | Change::None | Change::Foreign => {}
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

    /// An account's facts: the packed ones, then the recent ones (fact `i` of the account is
    /// the `i`-th of the two in turn).
    pub(crate) fn facts_of<'a>(&'a self, account: &'a Account) -> (&'a [Fact], &'a [Fact]) {
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        (&self.facts[start..start + len], &account.recent)
    }

    /// The live customers' ids in id order.
    pub(crate) fn live_ids(&self) -> &IdList {
        self.ids.get_or_init(|| {
            let ids = self.order.iter().map(|&a| self.account_ids.get(a as usize));
            let mut list = IdList::with_capacity(self.order.len(), ids.clone().map(str::len).sum());
            for id in ids {
                list.push(id);
            }
            list
        })
    }

    /// Complaints not yet resolved, by complaint id.
    pub(crate) fn open_complaints(&self) -> &BTreeMap<Id, OpenComplaint> {
        &self.complaints
    }

    /// An account's `i`-th fact.
    pub(crate) fn fact<'a>(&'a self, account: &'a Account, i: usize) -> &'a Fact {
        let (packed, recent) = self.facts_of(account);
        if i < packed.len() {
            &packed[i]
        } else {
            &recent[i - packed.len()]
        }
    }

    /// The entry id of an account's `i`-th fact.
    pub(crate) fn fact_id<'a>(&'a self, account: &'a Account, i: usize) -> &'a str {
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        if i < len {
            self.fact_ids.get(start + i)
        } else {
            account.recent_ids[i - len].as_str()
        }
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

    /// The staff index of a customer record's `created_by` device.
    fn creator(&mut self, state: &crate::book::RecordState) -> u16 {
        state
            .fields
            .get("created_by")
            .and_then(|reg| reg.value.as_str())
            .filter(|id| !id.is_empty())
            .map_or(NO_STAFF, |id| {
                u16::try_from(self.staff.intern(id)).unwrap_or(NO_STAFF)
            })
    }

    /// Staff ids by index (see [`Fact::staff`]).
    pub(crate) fn staff_ids(&self) -> &[String] {
        &self.staff.names
    }

    /// True when `customer`'s account holds a fact of entry `id`.
    fn holds(&self, customer: &Id, id: &Id) -> bool {
        self.find(customer.as_str()).is_some_and(|a| {
            self.position(&self.accounts[a as usize], id.as_str())
                .is_some()
        })
    }

    /// Finds accounts by customer id again (after reading an image).
    fn rebuild_lookup(&mut self) {
        let ids = &self.account_ids;
        let mut by_id = HashTable::with_capacity(ids.len());
        for a in 0..ids.len() {
            by_id.insert_unique(id_hash(ids.get(a)), a as u32, |&a| {
                id_hash(ids.get(a as usize))
            });
        }
        self.by_id = by_id;
    }

    /// The account number of a customer id, if the ledger has one.
    fn find(&self, id: &str) -> Option<u32> {
        let ids = &self.account_ids;
        self.by_id
            .find(id_hash(id), |&a| ids.get(a as usize) == id)
            .copied()
    }

    /// A customer's entries (their ids and when they happened), in the order they were met.
    pub fn entries_of(&self, customer: &Id) -> Vec<(NaiveDateTime, &str)> {
        let Some(account) = self
            .find(customer.as_str())
            .map(|a| &self.accounts[a as usize])
        else {
            return Vec::new();
        };
        (0..account.fact_count())
            .map(|i| (self.fact(account, i), self.fact_id(account, i)))
            .filter(|(fact, _)| fact.what != What::Removed)
            .map(|(fact, id)| (fact.at, id))
            .collect()
    }

    /// The account number of a customer id, a new account if there is none yet.
    fn account(&mut self, id: &Id) -> u32 {
        if let Some(a) = self.find(id.as_str()) {
            return a;
        }
        let (hash, id) = (id_hash(id.as_str()), id.as_str());
        let a = self.accounts.len() as u32;
        self.accounts.push(Account::new());
        self.account_ids.push(id);
        let ids = &self.account_ids;
        self.by_id
            .insert_unique(hash, a, |&a| id_hash(ids.get(a as usize)));
        a
    }

    fn refresh_customer(&mut self, book: &Book, id: &Id) {
        let a = self.account(id);
        let state = book
            .record_state(RecordKind::Customer, id)
            .filter(|s| s.deleted.is_none());
        let ids = &self.account_ids;
        let pos = self
            .order
            .binary_search_by(|&o| ids.get(o as usize).cmp(id.as_str()));
        let creator = state.map_or(NO_STAFF, |s| self.creator(s));
        let account = &mut self.accounts[a as usize];
        account.live = state.is_some();
        (account.profile, account.children) = state.map(Profile::read).unwrap_or_default();
        account.creator = creator;
        match (pos, account.live) {
            (Err(at), true) => self.order.insert(at, a),
            (Ok(at), false) => {
                self.order.remove(at);
            }
            _ => return,
        }
        self.ids = OnceCell::new();
    }

    /// The position of an entry id among an account's facts (not removed ones).
    fn position(&self, account: &Account, entry: &str) -> Option<usize> {
        (0..account.fact_count()).find(|&i| {
            self.fact_id(account, i) == entry && self.fact(account, i).what != What::Removed
        })
    }

    /// Marks the fact of an entry that the book replaced as removed (only conflicting appends
    /// under one id replace an entry, so this rare case may look through every account; the
    /// new entry may even belong to another customer).
    fn remove_fact(&mut self, entry: &Id) {
        let found = (0..self.accounts.len())
            .find_map(|a| Some((a, self.position(&self.accounts[a], entry.as_str())?)));
        let Some((a, i)) = found else { return };
        let account = &mut self.accounts[a];
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        let fact = if i < len {
            &mut self.facts[start + i]
        } else {
            &mut account.recent[i - len]
        };
        fact.what = What::Removed;
    }

    /// Packs every account's facts into one list again, dropping removed ones.
    fn repack(&mut self) {
        let mut staged = Staged::with_capacity(self.facts.len() + self.recent);
        for (a, account) in self.accounts.iter().enumerate() {
            let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
            let packed = (start..start + len).map(|i| (self.facts[i], self.fact_ids.get(i)));
            let recent = account
                .recent
                .iter()
                .zip(&account.recent_ids)
                .map(|(f, id)| (*f, id.as_str()));
            for (fact, id) in packed
                .chain(recent)
                .filter(|(fact, _)| fact.what != What::Removed)
            {
                staged.push(a as u32, fact, id);
            }
        }
        let packed = pack(&self.accounts, &self.order, staged, &self.sale_categories);
        self.install(packed);
    }

    /// Takes a packed list as the ledger's, every recent fact now in it.
    fn install(&mut self, packed: Packed) {
        for (account, range) in self.accounts.iter_mut().zip(packed.ranges) {
            account.packed = range;
            account.recent = Vec::new();
            account.recent_ids = Vec::new();
        }
        self.facts = packed.facts;
        self.fact_ids = packed.fact_ids;
        self.sale_categories = packed.sale_categories;
        self.recent = 0;
    }

    /// Adds an entry that arrived after the read as a recent fact of its customer.
    fn add(&mut self, id: &Id, entry: &Entry) {
        let a = self.account(entry.customer());
        let mut fact = self.reduce(a, id.as_str(), entry);
        let account = &self.accounts[a as usize];
        let index = account.fact_count() as u32;
        if let What::Correction { corrects, sale, .. } = &mut fact.what
            && let Some(sold) = account.refs.get(*corrects as usize)
        {
            *sale = self
                .position(account, sold.as_str())
                .map_or(NONE, |i| i as u32);
        }
        let account = &mut self.accounts[a as usize];
        account.recent.push(fact);
        account.recent_ids.push(id.clone());
        self.recent += 1;
        if matches!(fact.what, What::Sale { .. }) && account.refs.contains(id) {
            self.link_corrections(a as usize, id, index);
        }
    }

    /// Reduces an entry of account `a` to its fact, interning its names and keeping its
    /// references and reward terms (a correction's sale is left [`NONE`]: it is found once the
    /// fact has its place).
    fn reduce(&mut self, a: u32, id: &str, entry: &Entry) -> Fact {
        let (categories, products, sale_categories) = (
            &mut self.categories,
            &mut self.products,
            &mut self.sale_categories,
        );
        let account = &mut self.accounts[a as usize];
        let refer = |refs: &mut Vec<Id>, id: &Id| {
            refs.push(id.clone());
            refs.len() as u32 - 1
        };
        let (at, what) = match entry {
            Entry::Purchase(p) if p.kind == PurchaseKind::Sale => {
                let start = sale_categories.len();
                for line in p
                    .items
                    .iter()
                    .filter(|l| !l.category.is_empty())
                    .take(usize::from(u16::MAX))
                {
                    sale_categories.push(categories.intern(&line.category));
                }
                let lines = (sale_categories.len() - start) as u16;
                let item = item_name(&p.items).map_or(NONE, |name| products.intern(name));
                (
                    p.at,
                    What::Sale {
                        total: p.total,
                        item,
                        categories: start as u32,
                        lines,
                    },
                )
            }
            Entry::Purchase(p) => {
                let corrects = p
                    .corrects
                    .as_ref()
                    .map_or(NONE, |c| refer(&mut account.refs, c));
                (
                    p.at,
                    What::Correction {
                        total: p.total,
                        corrects,
                        sale: NONE,
                    },
                )
            }
            Entry::Visit(v) => (v.on.and_time(chrono::NaiveTime::MIN), What::Visit),
            Entry::Contact(c) => (
                c.at,
                What::Contact {
                    purpose: c.purpose,
                    outcome: c.outcome,
                    next_follow_up: c.next_follow_up,
                },
            ),
            Entry::Ledger(l) => (
                l.at,
                match &l.kind {
                    LedgerKind::Points { delta } => What::Points(*delta),
                    LedgerKind::StoredValue { delta } => What::StoredValue(*delta),
                    LedgerKind::ScheduledReward {
                        description,
                        amount,
                        due,
                    } => {
                        let terms = RewardTerms {
                            id: Id::trusted(id),
                            description: description.clone(),
                            amount: *amount,
                            due: due.clone(),
                        };
                        account.rewards.push(terms);
                        What::Reward(account.rewards.len() as u32 - 1)
                    }
                    LedgerKind::Pickup { reward, due } => What::Pickup {
                        reward: refer(&mut account.refs, reward),
                        due: *due,
                    },
                },
            ),
        };
        let staff = entry.staff().map_or(NO_STAFF, |id| {
            let i = self.staff.intern(id.as_str());
            u16::try_from(i).unwrap_or(NO_STAFF)
        });
        Fact { at, what, staff }
    }

    /// Points the corrections that name a sale which arrived after them at its fact.
    fn link_corrections(&mut self, a: usize, sale_id: &Id, index: u32) {
        let account = &mut self.accounts[a];
        let (start, len) = (account.packed.0 as usize, account.packed.1 as usize);
        let refs = &account.refs;
        for fact in self.facts[start..start + len]
            .iter_mut()
            .chain(account.recent.iter_mut())
        {
            if let What::Correction { corrects, sale, .. } = &mut fact.what
                && refs.get(*corrects as usize) == Some(sale_id)
            {
                *sale = index;
            }
        }
    }
}

/// The hash a customer id is found by in [`Ledger::by_id`].
fn id_hash(id: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(id)
}

/// Lays staged facts out account after account (live customers first, in id order, then the
/// others), keeping each account's facts in staging order; copies the sales' category ranges
/// and points each correction at its sale's new place.
///
/// A counting sort that scatters: the staged facts are read in order and written to their
/// places (reading them in their new order instead would wait on memory at every fact).
fn pack(accounts: &[Account], order: &[u32], staged: Staged, sale_categories: &[u32]) -> Packed {
    // Each account's place in the layout.
    let mut rank = vec![NONE; accounts.len()];
    let live = order.iter().copied();
    let rest = (0..accounts.len() as u32).filter(|&a| !accounts[a as usize].live);
    let by_rank: Vec<u32> = live.chain(rest).collect();
    for (r, &a) in by_rank.iter().enumerate() {
        rank[a as usize] = r as u32;
    }
    let lines = |fact: &Fact| match fact.what {
        What::Sale { lines, .. } => usize::from(lines),
        _ => 0,
    };
    // Where each rank's facts, id bytes and sale categories start.
    let mut starts = vec![Cursor::default(); accounts.len() + 1];
    for (i, (a, fact)) in staged.facts.iter().enumerate() {
        let next = &mut starts[rank[*a as usize] as usize + 1];
        next.fact += 1;
        next.byte += staged.ids.get(i).len();
        next.category += lines(fact);
    }
    for r in 1..starts.len() {
        let before = starts[r - 1];
        let here = &mut starts[r];
        (here.fact, here.byte, here.category) = (
            here.fact + before.fact,
            here.byte + before.byte,
            here.category + before.category,
        );
    }
    let total = starts[accounts.len()];
    let mut facts = vec![
        Fact {
            at: NaiveDateTime::MIN,
            what: What::Removed,
            staff: NO_STAFF,
        };
        total.fact
    ];
    let mut text = vec![0u8; total.byte];
    let mut ends = vec![0u32; total.fact];
    let mut categories = vec![0u32; total.category];
    let mut next = starts.clone();
    for (i, &(a, mut fact)) in staged.facts.iter().enumerate() {
        let at = &mut next[rank[a as usize] as usize];
        if let What::Sale {
            categories: start,
            lines,
            ..
        } = &mut fact.what
        {
            let (from, n) = (*start as usize, usize::from(*lines));
            categories[at.category..at.category + n]
                .copy_from_slice(&sale_categories[from..from + n]);
            *start = at.category as u32;
            at.category += n;
        }
        let id = staged.ids.get(i).as_bytes();
        text[at.byte..at.byte + id.len()].copy_from_slice(id);
        at.byte += id.len();
        ends[at.fact] = at.byte as u32;
        facts[at.fact] = fact;
        at.fact += 1;
    }
    let text = String::from_utf8(text).expect("whole ids laid end to end are UTF-8");
    let mut out = Packed {
        facts,
        fact_ids: IdList::from_parts(text, ends),
        sale_categories: categories,
        ranges: vec![(0, 0); accounts.len()],
    };
    for (r, &a) in by_rank.iter().enumerate() {
        let own = starts[r].fact..starts[r + 1].fact;
        out.ranges[a as usize] = (own.start as u32, own.len() as u32);
        let account = &accounts[a as usize];
        if account.refs.is_empty() {
            continue;
        }
        for i in own.clone() {
            if let What::Correction { corrects, sale, .. } = &mut out.facts[i].what {
                let sold = account.refs.get(*corrects as usize);
                let found =
                    sold.and_then(|sold| out.fact_ids.position_in(own.clone(), sold.as_str()));
                *sale = found.map_or(NONE, |at| (at - own.start) as u32);
            }
        }
    }
    out
}

/// Positions in the three lists [`pack`] fills.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    fact: usize,
    byte: usize,
    category: usize,
}

/// The name of a sale's largest line (the first of equal lines): its product, or its category
/// when the product is blank.
fn item_name(lines: &[LineItem]) -> Option<&str> {
    let best = lines
        .iter()
        .filter(|l| !l.product.is_empty() || !l.category.is_empty())
        .reduce(|best, l| if l.amount > best.amount { l } else { best })?;
    Some(if best.product.is_empty() {
        &best.category
    } else {
        &best.product
    })
}
