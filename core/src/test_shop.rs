//! A small shop built op by op, for tests only: the unit tests use it as `crate::test_shop`,
//! the integration tests (`core/tests/`) through the `test-shop` feature, which the crate's
//! own dev-dependency on itself turns on. Neither the app nor the worker enables it.
//!
//! [`Shop`] writes ops into a [`Book`] the way devices would: one clock stamp per op, entries
//! in the order made, customer ids `c0001`, `c0002`, … in the order added (so their dense
//! indices in an analysis are that order too).

use crate::book::Book;
use crate::domain::{
    Contact, ContactChannel, Entry, LedgerEntry, LedgerKind, LineItem, Money, Outcome, Purchase,
    PurchaseKind, Purpose, Rules, SaleChannel, Visit,
};
use crate::hlc::{Clock, Hlc};
use crate::id::Id;
use crate::insights::Insights;
use crate::op::{Op, RecordKind};
use crate::segment::{Analysis, analyze};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

/// A calendar date from `YYYY-MM-DD`.
pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A date-time from `YYYY-MM-DD` (noon) or `YYYY-MM-DD HH:MM`.
pub fn t(s: &str) -> NaiveDateTime {
    if s.len() == 10 {
        d(s).and_hms_opt(12, 0, 0).unwrap()
    } else {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
}

/// Yuan to fen.
pub fn yuan(y: i64) -> Money {
    Money(y * 100)
}

/// The book the importer's tests read files against: 张三 (`c1`, by phone 13800138000) and
/// 李梅 (`c2`, imported before under `A-2`), written by device 3 at one wall-clock millisecond.
pub fn import_book() -> Book {
    let mut book = Book::new();
    let mut clock = Clock::new(3);
    for (id, fields) in [
        ("c1", json!({"name": "张三", "phones": ["13800138000"]})),
        ("c2", json!({"name": "李梅", "import_key": "A-2"})),
    ] {
        for (field, value) in fields.as_object().unwrap() {
            book.apply(&Op::Set {
                at: clock.tick(1_800_000_000_000),
                kind: RecordKind::Customer,
                id: Id::parse(id).unwrap(),
                field: field.clone(),
                value: value.clone(),
            });
        }
    }
    book
}

/// Builds a book op by op.
pub struct Shop {
    /// The book so far.
    pub book: Book,
    /// Every op applied, in order.
    pub ops: Vec<Op>,
    clock: Clock,
    ms: u64,
    customers: u32,
}

impl Default for Shop {
    fn default() -> Self {
        Shop::new()
    }
}

impl Shop {
    /// An empty shop.
    pub fn new() -> Self {
        Shop {
            book: Book::new(),
            ops: Vec::new(),
            clock: Clock::new(7),
            ms: 1_700_000_000_000,
            customers: 0,
        }
    }

    /// The next millisecond of the shop's wall clock.
    fn next_ms(&mut self) -> u64 {
        self.ms += 1;
        self.ms
    }

    /// The next millisecond and the clock's stamp for it.
    fn stamp(&mut self) -> (u64, Hlc) {
        let ms = self.next_ms();
        (ms, self.clock.tick(ms))
    }

    /// Applies an op to the book and records it.
    pub fn apply(&mut self, op: Op) {
        self.book.apply(&op);
        self.ops.push(op);
    }

    /// Sets one field of a record.
    pub fn set(&mut self, kind: RecordKind, id: &Id, field: &str, value: Value) {
        let (_, at) = self.stamp();
        self.apply(Op::Set {
            at,
            kind,
            id: id.clone(),
            field: field.into(),
            value,
        });
    }

    /// Deletes a record.
    pub fn delete(&mut self, kind: RecordKind, id: &Id) {
        let (_, at) = self.stamp();
        self.apply(Op::Delete {
            at,
            kind,
            id: id.clone(),
        });
    }

    /// Adds a customer (ids `c0001`, `c0002`, … so their order is the order added) with the
    /// given fields, created on 2025-01-01 unless `created_at` is given (`null` leaves it unset).
    pub fn customer(&mut self, name: &str, fields: Value) -> Id {
        self.customers += 1;
        let id = Id::parse(&format!("c{:04}", self.customers)).unwrap();
        self.set(RecordKind::Customer, &id, "name", json!(name));
        let mut fields = fields.as_object().cloned().unwrap_or_default();
        fields
            .entry("created_at")
            .or_insert(json!("2025-01-01T09:00:00"));
        for (field, value) in fields {
            if !value.is_null() {
                self.set(RecordKind::Customer, &id, &field, value);
            }
        }
        id
    }

    /// Appends an entry; returns its id.
    pub fn append(&mut self, entry: Entry) -> Id {
        let (ms, at) = self.stamp();
        let id = Id::v7(ms, [0; 10]);
        self.apply(Op::append(at, id.clone(), &entry));
        id
    }

    /// A sale of `total` yuan at `at` (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM`) with no line items
    /// and no staff.
    pub fn sale(&mut self, c: &Id, at: &str, total: i64) -> Id {
        let sale = purchase(c, at, yuan(total), PurchaseKind::Sale);
        self.append(Entry::Purchase(sale))
    }

    /// A sale of `total` yuan by `staff`, one line per category (product `{category}货`, the
    /// total split evenly).
    pub fn sale_by(
        &mut self,
        c: &Id,
        at: &str,
        total: i64,
        categories: &[&str],
        staff: Option<&Id>,
    ) -> Id {
        let items = categories
            .iter()
            .map(|category| LineItem {
                product: format!("{category}货"),
                category: (*category).into(),
                quantity: 1,
                amount: Money(yuan(total).0 / categories.len() as i64),
            })
            .collect();
        self.append(Entry::Purchase(Purchase {
            items,
            staff: staff.cloned(),
            ..purchase(c, at, yuan(total), PurchaseKind::Sale)
        }))
    }

    /// A sale with line items (product, category, yuan); the total is their sum.
    pub fn sale_items(&mut self, c: &Id, at: &str, items: &[(&str, &str, i64)]) -> Id {
        let items: Vec<LineItem> = items
            .iter()
            .map(|&(product, category, amount)| LineItem {
                product: product.into(),
                category: category.into(),
                quantity: 1,
                amount: yuan(amount),
            })
            .collect();
        let total = items.iter().map(|i| i.amount).sum();
        self.append(Entry::Purchase(Purchase {
            items,
            ..purchase(c, at, total, PurchaseKind::Sale)
        }))
    }

    /// A refund of `amount` yuan (stored negative), optionally naming the sale it corrects.
    pub fn refund(&mut self, c: &Id, at: &str, amount: i64, corrects: Option<&Id>) -> Id {
        self.append(Entry::Purchase(Purchase {
            corrects: corrects.cloned(),
            ..purchase(c, at, yuan(-amount), PurchaseKind::Refund)
        }))
    }

    /// An adjustment of `amount` yuan (either sign).
    pub fn adjustment(&mut self, c: &Id, at: &str, amount: i64) -> Id {
        let adjustment = purchase(c, at, yuan(amount), PurchaseKind::Adjustment);
        self.append(Entry::Purchase(adjustment))
    }

    /// A visit without a purchase.
    pub fn visit(&mut self, c: &Id, on: &str) -> Id {
        self.append(Entry::Visit(Visit {
            customer: c.clone(),
            on: d(on),
            note: String::new(),
            reason: None,
            staff: None,
        }))
    }

    /// A contact over WeChat, by no one in particular, with the next follow-up on `next`.
    pub fn contact(
        &mut self,
        c: &Id,
        at: &str,
        purpose: Purpose,
        outcome: Outcome,
        next: Option<&str>,
    ) -> Id {
        self.contact_entry(c, at, purpose, outcome, next.map(d), None)
    }

    /// A contact over WeChat by `staff` about a rebuy, with no next follow-up.
    pub fn contact_by(&mut self, c: &Id, at: &str, outcome: Outcome, staff: Option<&Id>) -> Id {
        self.contact_entry(c, at, Purpose::Rebuy, outcome, None, staff.cloned())
    }

    fn contact_entry(
        &mut self,
        c: &Id,
        at: &str,
        purpose: Purpose,
        outcome: Outcome,
        next_follow_up: Option<NaiveDate>,
        staff: Option<Id>,
    ) -> Id {
        self.append(Entry::Contact(Contact {
            customer: c.clone(),
            at: t(at),
            channel: ContactChannel::Wechat,
            purpose,
            template: None,
            outcome,
            next_follow_up,
            staff,
            note: String::new(),
        }))
    }

    /// A ledger entry.
    pub fn ledger(&mut self, c: &Id, at: &str, kind: LedgerKind) -> Id {
        self.append(Entry::Ledger(LedgerEntry {
            customer: c.clone(),
            at: t(at),
            kind,
            note: String::new(),
            staff: None,
        }))
    }

    /// A scheduled reward (月领, 50 yuan) given at `at`, one due day per pickup, and its
    /// pickups at `pickups` (each due on its own day).
    pub fn reward(&mut self, c: &Id, at: &str, pickups: &[&str]) {
        let due: Vec<NaiveDate> = pickups.iter().map(|p| d(&p[..10])).collect();
        let scheduled = LedgerKind::ScheduledReward {
            description: "月领".into(),
            amount: yuan(50),
            due: due.clone(),
        };
        let reward = self.ledger(c, at, scheduled);
        for (p, due) in pickups.iter().zip(due) {
            let reward = reward.clone();
            self.ledger(c, p, LedgerKind::Pickup { reward, due });
        }
    }

    /// A complaint with the given fields (its id is made from the next millisecond, which no
    /// op is stamped with).
    pub fn complaint(&mut self, c: &Id, fields: Value) -> Id {
        let id = Id::v7(self.next_ms(), [1; 10]);
        self.set(RecordKind::Complaint, &id, "customer", json!(c));
        for (field, value) in fields.as_object().cloned().unwrap_or_default() {
            self.set(RecordKind::Complaint, &id, &field, value);
        }
        id
    }

    /// The views of the book.
    pub fn views(&self) -> Insights {
        Insights::read(&self.book)
    }

    /// The analysis as of `as_of` (`YYYY-MM-DD`) under the default rules.
    pub fn analysis(&self, as_of: &str) -> Analysis {
        analyze(&self.book, d(as_of), &Rules::default())
    }
}

/// A purchase in the store of `total` at `at`, with no lines, staff or correction.
fn purchase(c: &Id, at: &str, total: Money, kind: PurchaseKind) -> Purchase {
    Purchase {
        customer: c.clone(),
        at: t(at),
        total,
        items: Vec::new(),
        staff: None,
        channel: SaleChannel::Store,
        kind,
        corrects: None,
    }
}
