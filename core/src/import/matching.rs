//! Imported customers matched against the book (issue 10): a row is the customer with one of
//! its phone numbers, else the one imported before under its id column, else the book's own
//! customer of that id; a match is updated with what the row says, anyone else is new. The
//! result is a list of record edits — the caller turns them into ops — and importing the same
//! file again finds every row unchanged, so a re-import never doubles anyone. A row's referrer
//! (介绍人, a phone number or a name) is found the same way, in the book or in the file; one
//! that names nobody, or a name two customers share, is reported and left out.

use super::customers::Incoming;
use super::index::{CustomerIndex, forget};
use crate::book::Book;
use crate::domain::{Customer, normalize_phone};
use crate::id::Id;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::ops::Range;

/// One customer to write: an existing one (`before`) or a new one.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// The row's line in the file.
    pub line: usize,
    /// The customer's id: theirs when matched, `None` for a new customer (the caller makes
    /// one).
    pub id: Option<Id>,
    /// The customer as the book has them, when matched.
    pub before: Option<Customer>,
    /// The customer as they will be.
    pub after: Customer,
    /// Their referrer when it is a new customer of this file: that customer's position in
    /// [`Plan::edits`] (the caller gives it its id, see [`Plan::with_ids`]).
    pub referred_by_row: Option<usize>,
}

/// A referrer a row names that the import cannot find (the row is imported without it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownReferrer {
    /// The row's line in the file.
    pub line: usize,
    /// The referrer as written.
    pub written: String,
    /// Whether two or more customers have that name (else nobody has it).
    pub ambiguous: bool,
}

/// What an import will do.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// The customers to write.
    pub edits: Vec<Edit>,
    /// Rows that match a customer and change nothing.
    pub unchanged: usize,
    /// Rows that match a row above them in the same file (merged into it).
    pub merged: usize,
    /// Referrers written in the file that name nobody (or several customers).
    pub unknown_referrers: Vec<UnknownReferrer>,
}

impl Plan {
    /// How many new customers.
    pub fn new_customers(&self) -> usize {
        self.edits.iter().filter(|e| e.before.is_none()).count()
    }

    /// How many customers updated.
    pub fn updated(&self) -> usize {
        self.edits.iter().filter(|e| e.before.is_some()).count()
    }

    /// The edits as `(id, before, after)`, new customers under `new_id`'s ids (called once per
    /// new customer, in order), each referrer in the file pointed at its customer's id.
    pub fn with_ids(&self, new_id: impl FnMut() -> Id) -> Vec<(Id, Option<Customer>, Customer)> {
        self.edits_with_ids(&self.ids(0..self.edits.len(), new_id), 0..self.edits.len())
    }

    /// The customer id of each edit in `range` (clamped): theirs, or for a new customer one of
    /// `new_id` (called once per new customer, in order). The ids of consecutive ranges,
    /// joined, are every edit's ids for [`Plan::edits_with_ids`] (a large plan's a slice at a
    /// time).
    pub fn ids(&self, range: Range<usize>, mut new_id: impl FnMut() -> Id) -> Vec<Id> {
        let end = range.end.min(self.edits.len());
        self.edits[range.start.min(end)..end]
            .iter()
            .map(|e| e.id.clone().unwrap_or_else(&mut new_id))
            .collect()
    }

    /// The edits `range` (clamped) as `(id, before, after)` under `ids` (from [`Plan::ids`]),
    /// each referrer in the file pointed at its customer's id: [`Plan::with_ids`] a chunk at a
    /// time.
    pub fn edits_with_ids(
        &self,
        ids: &[Id],
        range: Range<usize>,
    ) -> Vec<(Id, Option<Customer>, Customer)> {
        let end = range.end.min(self.edits.len()).min(ids.len());
        let edits = self
            .edits
            .get(range.start.min(end)..end)
            .unwrap_or_default();
        edits
            .iter()
            .zip(&ids[range.start.min(end)..end])
            .map(|(e, id)| {
                let mut after = e.after.clone();
                if let Some(r) = e.referred_by_row.and_then(|r| ids.get(r)) {
                    after.referrer = Some(r.clone());
                }
                (id.clone(), e.before.clone(), after)
            })
            .collect()
    }
}

/// Index entries forgotten a unit of [`Planner::settle`]'s work.
const FORGET_A_UNIT: usize = 8;

/// Where a customer is: in the book, or new in this plan (by position in the edits).
#[derive(Clone, Debug, PartialEq)]
enum Found {
    Book(Id),
    Planned(usize),
}

/// Matches `incoming` against `book` in one go; new customers are dated `now` and credited to
/// `created_by`.
pub fn plan(
    book: &Book,
    incoming: &[Incoming],
    now: NaiveDateTime,
    created_by: Option<&Id>,
) -> Plan {
    let mut planner = Planner::new(now, created_by.cloned());
    while !planner.index(book, usize::MAX) {}
    planner.add(book, incoming);
    while !planner.settle(usize::MAX) {}
    planner.finish()
}

/// [`plan`] a step at a time: [`Planner::index`] the book's customers until it has them all,
/// [`Planner::add`] the rows in file order (any number at a time), [`Planner::settle`] the
/// referrers and edits until done, then [`Planner::finish`]. The plan is the same however the
/// steps are cut.
#[derive(Clone, Debug)]
pub struct Planner {
    now: NaiveDateTime,
    created_by: Option<Id>,
    /// The book's customers.
    book: CustomerIndex,
    /// The file's customers (by position in the edits), after the book's: a phone or key the
    /// book has finds the book's customer; a name the book has is shared.
    file_phone: HashMap<String, usize>,
    file_key: HashMap<String, usize>,
    /// New customers' names: `None` once two share one.
    file_name: HashMap<String, Option<usize>>,
    out: Plan,
    /// Book customers already given an edit by a row above: later rows merge into it.
    edited: HashMap<Id, usize>,
    /// Each row's edit, line and referrer as written, resolved once every row is known.
    referrers: Vec<(usize, usize, String)>,
    /// Referrers resolved so far.
    resolved: usize,
    /// Whether each edit compared so far changes its customer (once every referrer is
    /// resolved).
    changes: Vec<bool>,
}

impl Planner {
    /// A plan to be made: new customers dated `now` and credited to `created_by`.
    pub fn new(now: NaiveDateTime, created_by: Option<Id>) -> Planner {
        Planner {
            now,
            created_by,
            book: CustomerIndex::default(),
            file_phone: HashMap::new(),
            file_key: HashMap::new(),
            file_name: HashMap::new(),
            out: Plan::default(),
            edited: HashMap::new(),
            referrers: Vec::new(),
            resolved: 0,
            changes: Vec::new(),
        }
    }

    /// Makes room for `customers` book customers and `rows` rows at once (a large plan then
    /// never moves while it grows).
    pub fn reserve(&mut self, customers: usize, rows: usize) {
        self.book.reserve(customers);
        self.file_phone.reserve(rows);
        self.file_key.reserve(rows);
        self.file_name.reserve(rows);
        self.out.edits.reserve(rows);
    }

    /// Indexes up to `customers` more of the book's customers (see [`CustomerIndex::step`]);
    /// whether all of them are. Rows are added once they are.
    pub fn index(&mut self, book: &Book, customers: usize) -> bool {
        self.book.step(book, customers)
    }

    /// How many of the book's customers are indexed.
    pub fn indexed(&self) -> usize {
        self.book.indexed()
    }

    /// Matches `rows`, the next rows of the file (after those added before).
    pub fn add(&mut self, book: &Book, rows: &[Incoming]) {
        for row in rows {
            self.add_row(book, row);
        }
    }

    /// How much there is to settle once every row is added: the referrers the rows name, the
    /// edits, and forgetting the indexes (one unit: the last).
    pub fn to_settle(&self) -> usize {
        self.referrers.len() + self.out.edits.len() + 1
    }

    /// How much of it is settled.
    pub fn settled(&self) -> usize {
        self.resolved + self.changes.len() + usize::from(self.forgotten_all())
    }

    /// Whether the indexes are forgotten (at the end of settling).
    fn forgotten_all(&self) -> bool {
        self.changes.len() == self.out.edits.len() && self.index_entries() == 0
    }

    /// Entries of the indexes (the book's, the file's and the edited customers').
    fn index_entries(&self) -> usize {
        self.book.entries()
            + self.file_phone.len()
            + self.file_key.len()
            + self.file_name.len()
            + self.edited.len()
    }

    fn phone(&self, normalized: &str) -> Option<Found> {
        self.book
            .phone(normalized)
            .map(|id| Found::Book(id.clone()))
            .or_else(|| self.file_phone.get(normalized).map(|&i| Found::Planned(i)))
    }

    fn key(&self, key: &str) -> Option<Found> {
        self.book
            .key(key)
            .map(|id| Found::Book(id.clone()))
            .or_else(|| self.file_key.get(key).map(|&i| Found::Planned(i)))
    }

    /// Whom a name finds: `Some(None)` for a name two customers share.
    fn name(&self, name: &str) -> Option<Option<Found>> {
        match (self.book.name(name), self.file_name.get(name)) {
            (Some(Some(id)), None) => Some(Some(Found::Book(id.clone()))),
            (Some(_), _) => Some(None),
            (None, file) => file.map(|f| f.map(Found::Planned)),
        }
    }

    fn add_row(&mut self, book: &Book, row: &Incoming) {
        let found = row
            .customer
            .phones
            .iter()
            .find_map(|p| self.phone(&normalize_phone(p)))
            .or_else(|| row.key.as_deref().and_then(|k| self.key(k)))
            .or_else(|| {
                let id = Id::parse(row.key.as_deref()?).ok()?;
                book.get::<Customer>(&id).map(|_| Found::Book(id))
            })
            .map(|found| match found {
                Found::Book(id) => match self.edited.get(&id) {
                    Some(&i) => Found::Planned(i),
                    None => Found::Book(id),
                },
                other => other,
            });
        let is_new = found.is_none();
        let out = &mut self.out;
        let planned = match found {
            Some(Found::Planned(i)) => {
                let Some(edit) = out.edits.get_mut(i) else {
                    return;
                };
                edit.after = merge(&edit.after, edit.id.as_ref(), row);
                out.merged += 1;
                i
            }
            Some(Found::Book(id)) => {
                let Some(before) = book.get::<Customer>(&id) else {
                    return;
                };
                // An unchanged customer's edit is dropped at the end, unless its referrer
                // changes it.
                let after = merge(&before, Some(&id), row);
                self.edited.insert(id.clone(), out.edits.len());
                out.edits.push(Edit {
                    line: row.line,
                    id: Some(id),
                    before: Some(before),
                    after,
                    referred_by_row: None,
                });
                out.edits.len() - 1
            }
            None => {
                let mut after = row.customer.clone();
                after.import_key = row.key.clone().unwrap_or_default();
                after.created_at = Some(self.now);
                after.created_by.clone_from(&self.created_by);
                out.edits.push(Edit {
                    line: row.line,
                    id: None,
                    before: None,
                    after,
                    referred_by_row: None,
                });
                out.edits.len() - 1
            }
        };
        let name = row.customer.name.trim();
        if is_new && !name.is_empty() {
            // A name two new customers share finds nobody.
            self.file_name
                .entry(name.to_owned())
                .and_modify(|f| {
                    if *f != Some(planned) {
                        *f = None;
                    }
                })
                .or_insert(Some(planned));
        }
        if let Some(written) = row
            .referrer
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            self.referrers.push((planned, row.line, written.to_owned()));
        }
        for p in &row.customer.phones {
            self.file_phone.entry(normalize_phone(p)).or_insert(planned);
        }
        if let Some(k) = &row.key {
            self.file_key.entry(k.clone()).or_insert(planned);
        }
    }

    /// Once every row is added: resolves the referrers the rows name, then sees which edits
    /// change their customer, then forgets the indexes, up to `work` of these in all; whether
    /// all are settled.
    pub fn settle(&mut self, work: usize) -> bool {
        let end = self.resolved.saturating_add(work).min(self.referrers.len());
        let left = work - (end - self.resolved);
        for r in self.resolved..end {
            let (edit, line, written) = &self.referrers[r];
            let phone = normalize_phone(written);
            let found = (!phone.is_empty())
                .then(|| self.phone(&phone))
                .flatten()
                .map(Some)
                .or_else(|| self.name(written));
            let target = match found {
                Some(Some(Found::Book(id))) => Some(Found::Book(id)),
                Some(Some(Found::Planned(i))) => {
                    match self.out.edits.get(i).and_then(|e| e.id.clone()) {
                        Some(id) => Some(Found::Book(id)),
                        None => Some(Found::Planned(i)),
                    }
                }
                other => {
                    self.out.unknown_referrers.push(UnknownReferrer {
                        line: *line,
                        written: written.clone(),
                        ambiguous: matches!(other, Some(None)),
                    });
                    None
                }
            };
            let edit = *edit;
            let Some(e) = self.out.edits.get_mut(edit) else {
                continue;
            };
            match target {
                // Nobody is their own referrer.
                Some(Found::Book(id)) if e.id.as_ref() != Some(&id) => e.after.referrer = Some(id),
                Some(Found::Planned(i)) if i != edit => e.referred_by_row = Some(i),
                _ => {}
            }
        }
        self.resolved = end;
        if self.resolved < self.referrers.len() {
            return false;
        }
        // Rows matching book customers may end where the book already is (unchanged, or a
        // name written two ways): nothing to write then — unless their referrer is new in the
        // file.
        let from = self.changes.len();
        let to = from.saturating_add(left).min(self.out.edits.len());
        for e in self.out.edits.get_mut(from..to).unwrap_or_default() {
            let changes = e.before.as_ref() != Some(&e.after) || e.referred_by_row.is_some();
            if !changes {
                // Left out at the end; freed now, a step at a time (a whole file read again
                // is 20,000 customers to free).
                e.before = None;
                e.after = Customer::default();
            }
            self.changes.push(changes);
        }
        if self.changes.len() < self.out.edits.len() {
            return false;
        }
        // No more use for the indexes: forgotten a step at a time (20,000 customers' worth
        // of phone numbers, names and ids), many entries a unit of work.
        let budget = (left - (to - from)).saturating_mul(FORGET_A_UNIT);
        let mut left = budget - self.book.forget(budget);
        forget(&mut self.file_phone, &mut left);
        forget(&mut self.file_key, &mut left);
        forget(&mut self.file_name, &mut left);
        forget(&mut self.edited, &mut left);
        self.index_entries() == 0
    }

    /// The plan, once every row is added and [`Planner::settle`] is done.
    pub fn finish(self) -> Plan {
        let mut out = self.out;
        // Edits that change nothing are dropped. New customers keep their places' order, and
        // the positions referrers point at follow.
        let mut changes = self.changes;
        changes.resize(out.edits.len(), true);
        let mut kept = vec![None; out.edits.len()];
        let mut n = 0;
        for (i, &changed) in changes.iter().enumerate() {
            if changed {
                kept[i] = Some(n);
                n += 1;
            }
        }
        let before = out.edits.len();
        let mut changed = changes.into_iter();
        out.edits.retain(|_| changed.next().unwrap_or(true));
        for e in &mut out.edits {
            e.referred_by_row = e
                .referred_by_row
                .and_then(|r| kept.get(r).copied().flatten());
        }
        out.unchanged += before - out.edits.len();
        out
    }
}

/// `base` with what the row says: its non-empty fields replace the customer's, its phone
/// numbers and tags are added to theirs (a re-import never takes away what the shop added).
fn merge(base: &Customer, own: Option<&Id>, row: &Incoming) -> Customer {
    let mut c = base.clone();
    let new = &row.customer;
    if !new.name.is_empty() {
        c.name = new.name.clone();
    }
    for p in &new.phones {
        if !c
            .phones
            .iter()
            .any(|q| normalize_phone(q) == normalize_phone(p))
        {
            c.phones.push(p.clone());
        }
    }
    c.tags.extend(new.tags.iter().cloned());
    c.birthday = new.birthday.or(c.birthday);
    c.gender = new.gender.or(c.gender);
    c.source = new.source.or(c.source);
    for (to, from) in [(&mut c.notes, &new.notes), (&mut c.wechat, &new.wechat)] {
        if !from.is_empty() {
            to.clone_from(from);
        }
    }
    // The id column may hold our own id (the shop's own export read back): no other
    // system's key, nothing to keep.
    if let (true, Some(key)) = (c.import_key.is_empty(), &row.key)
        && own.is_none_or(|id| id.as_str() != key)
    {
        c.import_key = key.clone();
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Clock;
    use crate::import::{columns, customers, sheet};
    use crate::op::{RecordKind, diff};
    use chrono::NaiveDate;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    /// Reads a CSV and plans its import into `book`.
    fn plan_of(book: &Book, csv: &str) -> Plan {
        let sheet = sheet::read(csv.as_bytes()).unwrap();
        let read = customers::read(&sheet, &columns::map_headers(&sheet.headers), now().date());
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        plan(book, &read.customers, now(), None)
    }

    /// Applies a plan's edits to the book, new customers under ids `n0`, `n1`, …; their ids.
    fn apply(book: &mut Book, plan: &Plan, clock: &mut Clock) -> Vec<Id> {
        let mut n = book.records(RecordKind::Customer).count();
        let edits = plan.with_ids(|| {
            n += 1;
            Id::parse(&format!("n{n}")).unwrap()
        });
        for (id, before, after) in &edits {
            let before = before
                .as_ref()
                .map(crate::op::to_object)
                .unwrap_or_default();
            let after = crate::op::to_object(after);
            for op in diff(
                clock,
                1_800_000_000_000,
                RecordKind::Customer,
                id,
                &before,
                &after,
                Customer::SET_FIELDS,
            ) {
                book.apply(&op);
            }
        }
        edits.into_iter().map(|(id, _, _)| id).collect()
    }

    const FILE: &str = "姓名,手机号,编号,标签\n张三,13800138000,A-1,奶粉\n李梅,13912345678,A-2,\n张三丰,13800138000,A-3,二胎\n王芳,,A-4,\n";

    #[test]
    fn a_re_import_changes_nothing_and_a_file_never_doubles_anyone() {
        let mut book = Book::new();
        let mut clock = Clock::new(1);
        let first = plan_of(&book, FILE);
        // The third row shares the first one's phone: one customer, not two.
        assert_eq!((first.new_customers(), first.merged), (3, 1));
        apply(&mut book, &first, &mut clock);
        assert_eq!(book.records(RecordKind::Customer).count(), 3);
        let again = plan_of(&book, FILE);
        assert!(again.edits.is_empty(), "{:?}", again.edits);
        assert_eq!(again.unchanged + again.merged, 4);
        // 王芳 has no phone: found again by her id column.
        let wang: Vec<Customer> = book
            .records(RecordKind::Customer)
            .filter_map(|(_, s)| s.decode::<Customer>().ok())
            .filter(|c| c.import_key == "A-4")
            .collect();
        assert_eq!(wang.len(), 1);
    }

    #[test]
    fn a_matched_customer_is_updated_and_keeps_what_the_shop_added() {
        let mut book = Book::new();
        let mut clock = Clock::new(1);
        let first = plan_of(&book, FILE);
        apply(&mut book, &first, &mut clock);
        let update = "姓名,手机号,标签,备注\n张三,138 0013 8000,VIP,周末来\n";
        let plan = plan_of(&book, update);
        assert_eq!((plan.updated(), plan.new_customers()), (1, 0));
        let after = &plan.edits[0].after;
        assert_eq!(after.notes, "周末来");
        assert!(
            after.tags.contains("VIP")
                && after.tags.contains("奶粉")
                && after.tags.contains("二胎")
        );
        assert_eq!(after.phones, ["13800138000"], "the same number once");
    }

    #[test]
    fn referrers_are_found_by_phone_or_name_in_the_file_or_the_book() {
        let mut book = Book::new();
        let mut clock = Clock::new(1);
        let first = plan_of(
            &book,
            "姓名,手机号\n张三,13800138000\n李梅,13911111111\n李梅,13922222222\n",
        );
        let old = apply(&mut book, &first, &mut clock);
        let file = "姓名,手机号,介绍人\n王芳,13912345678,张三\n赵敏,13700137000,王芳\n钱七,13600136000,139 1234 5678\n孙八,13500135000,没这人\n周九,13400134000,李梅\n";
        let plan = plan_of(&book, file);
        assert_eq!(plan.new_customers(), 5);
        let ids = apply(&mut book, &plan, &mut clock);
        let referrer = |i: usize| book.get::<Customer>(&ids[i]).unwrap().referrer;
        // By name, a customer of the book; by name and by phone, a new one of the file.
        assert_eq!(referrer(0), Some(old[0].clone()));
        assert_eq!(referrer(1), Some(ids[0].clone()));
        assert_eq!(referrer(2), Some(ids[0].clone()));
        // Nobody, and a name two customers share: reported, imported without a referrer.
        assert_eq!((referrer(3), referrer(4)), (None, None));
        assert_eq!(
            plan.unknown_referrers,
            [
                UnknownReferrer {
                    line: 5,
                    written: "没这人".into(),
                    ambiguous: false
                },
                UnknownReferrer {
                    line: 6,
                    written: "李梅".into(),
                    ambiguous: true
                },
            ]
        );
        // Imported again: nothing to write, the referrers included.
        let again = plan_of(&book, file);
        assert!(again.edits.is_empty(), "{:?}", again.edits);
    }

    #[test]
    fn the_shop_s_own_export_read_back_changes_nothing() {
        let mut book = Book::new();
        let mut clock = Clock::new(1);
        let first = plan_of(&book, "姓名,手机号\n张三,13800138000\n王芳,\n");
        let ids = apply(&mut book, &first, &mut clock);
        // The export's id column holds our own ids: found by phone, or by that id.
        let export = format!(
            "编号,姓名,手机号\n{},张三,13800138000\n{},王芳,\n",
            ids[0], ids[1]
        );
        let again = plan_of(&book, &export);
        assert!(again.edits.is_empty(), "{:?}", again.edits);
        assert_eq!(again.unchanged, 2);
    }

    #[test]
    fn a_referrer_added_to_a_known_customer_is_an_update() {
        let mut book = Book::new();
        let mut clock = Clock::new(1);
        let first = plan_of(&book, FILE);
        apply(&mut book, &first, &mut clock);
        let plan = plan_of(&book, "姓名,手机号,介绍人\n李梅,13912345678,13800138000\n");
        assert_eq!((plan.updated(), plan.unchanged), (1, 0));
        let zhang = book
            .records(RecordKind::Customer)
            .find(|(_, s)| {
                s.decode::<Customer>()
                    .is_ok_and(|c| c.phones == ["13800138000"])
            })
            .map(|(id, _)| id.clone());
        let edit = &plan.edits[0];
        assert_eq!(edit.after.referrer, zhang);
        // A referrer new in the file: an update too, linked once the new customer has an id.
        let plan = plan_of(
            &book,
            "姓名,手机号,介绍人\n李梅,13912345678,周九\n周九,13400134000,\n",
        );
        assert_eq!((plan.updated(), plan.new_customers()), (1, 1));
        assert_eq!(plan.edits[0].referred_by_row, Some(1));
        let ids = apply(&mut book, &plan, &mut clock);
        let li = book.get::<Customer>(&ids[0]).unwrap();
        assert_eq!(li.referrer.as_ref(), Some(&ids[1]));
        // Her own number as her referrer: nobody's referrer is themselves.
        let own = plan_of(&book, "姓名,手机号,介绍人\n李梅,13912345678,13912345678\n");
        assert!(own.edits.is_empty(), "{:?}", own.edits);
    }
}
