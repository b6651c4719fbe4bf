//! A small shop builder for the segmentation, agenda and message tests: writes ops into a
//! book the way devices would (one stamp per op, entries in creation order).

#![allow(dead_code)] // each test crate uses a different part of the builder

use chrono::{NaiveDate, NaiveDateTime};
use huike_core::book::Book;
use huike_core::domain::{
    Contact, ContactChannel, Entry, LedgerEntry, LedgerKind, LineItem, Money, Outcome, Purchase,
    PurchaseKind, Purpose, SaleChannel, Visit,
};
use huike_core::hlc::Clock;
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use serde_json::{Value, json};

/// A calendar date from `YYYY-MM-DD`.
pub(crate) fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A date-time from `YYYY-MM-DD` (noon) or `YYYY-MM-DD HH:MM`.
pub(crate) fn t(s: &str) -> NaiveDateTime {
    if s.len() == 10 {
        d(s).and_hms_opt(12, 0, 0).unwrap()
    } else {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
}

/// Yuan to fen.
pub(crate) fn yuan(y: i64) -> Money {
    Money(y * 100)
}

/// Builds a book op by op.
pub(crate) struct Shop {
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
    pub(crate) fn new() -> Self {
        Shop {
            book: Book::new(),
            ops: Vec::new(),
            clock: Clock::new(7),
            ms: 1_700_000_000_000,
            customers: 0,
        }
    }

    fn next_ms(&mut self) -> u64 {
        self.ms += 1;
        self.ms
    }

    /// Sets one field of a record.
    pub(crate) fn set(&mut self, kind: RecordKind, id: &Id, field: &str, value: Value) {
        let ms = self.next_ms();
        let at = self.clock.tick(ms);
        self.apply(Op::Set {
            at,
            kind,
            id: id.clone(),
            field: field.into(),
            value,
        });
    }

    /// Applies an op to the book and records it.
    pub(crate) fn apply(&mut self, op: Op) {
        self.book.apply(&op);
        self.ops.push(op);
    }

    /// Adds a customer (ids `c0001`, `c0002`, … so their order is the order added) with the
    /// given fields, created on 2025-01-01 unless `created_at` is given (`null` leaves it unset).
    pub(crate) fn customer(&mut self, name: &str, fields: Value) -> Id {
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
    pub(crate) fn append(&mut self, entry: Entry) -> Id {
        let ms = self.next_ms();
        let at = self.clock.tick(ms);
        let id = Id::v7(ms, [0; 10]);
        self.apply(Op::append(at, id.clone(), &entry));
        id
    }

    /// A sale of `total` yuan at `at` (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM`) with no line items.
    pub(crate) fn sale(&mut self, c: &Id, at: &str, total: i64) -> Id {
        self.purchase(c, at, yuan(total), PurchaseKind::Sale, vec![], None)
    }

    /// A sale with line items (product, category, yuan); the total is their sum.
    pub(crate) fn sale_items(&mut self, c: &Id, at: &str, items: &[(&str, &str, i64)]) -> Id {
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
        self.purchase(c, at, total, PurchaseKind::Sale, items, None)
    }

    /// A refund of `amount` yuan (stored negative), optionally naming the sale it corrects.
    pub(crate) fn refund(&mut self, c: &Id, at: &str, amount: i64, corrects: Option<&Id>) -> Id {
        self.purchase(
            c,
            at,
            yuan(-amount),
            PurchaseKind::Refund,
            vec![],
            corrects.cloned(),
        )
    }

    /// An adjustment of `amount` yuan (either sign).
    pub(crate) fn adjustment(&mut self, c: &Id, at: &str, amount: i64) -> Id {
        self.purchase(c, at, yuan(amount), PurchaseKind::Adjustment, vec![], None)
    }

    fn purchase(
        &mut self,
        c: &Id,
        at: &str,
        total: Money,
        kind: PurchaseKind,
        items: Vec<LineItem>,
        corrects: Option<Id>,
    ) -> Id {
        self.append(Entry::Purchase(Purchase {
            customer: c.clone(),
            at: t(at),
            total,
            items,
            staff: None,
            channel: SaleChannel::Store,
            kind,
            corrects,
        }))
    }

    /// A visit without a purchase.
    pub(crate) fn visit(&mut self, c: &Id, on: &str) -> Id {
        self.append(Entry::Visit(Visit {
            customer: c.clone(),
            on: d(on),
            note: String::new(),
            reason: None,
            staff: None,
        }))
    }

    /// A contact.
    pub(crate) fn contact(
        &mut self,
        c: &Id,
        at: &str,
        purpose: Purpose,
        outcome: Outcome,
        next: Option<&str>,
    ) -> Id {
        self.append(Entry::Contact(Contact {
            customer: c.clone(),
            at: t(at),
            channel: ContactChannel::Wechat,
            purpose,
            template: None,
            outcome,
            next_follow_up: next.map(d),
            staff: None,
            note: String::new(),
        }))
    }

    /// A ledger entry.
    pub(crate) fn ledger(&mut self, c: &Id, at: &str, kind: LedgerKind) -> Id {
        self.append(Entry::Ledger(LedgerEntry {
            customer: c.clone(),
            at: t(at),
            kind,
            note: String::new(),
            staff: None,
        }))
    }

    /// A complaint with the given fields.
    pub(crate) fn complaint(&mut self, c: &Id, fields: Value) -> Id {
        let id = Id::v7(self.next_ms(), [1; 10]);
        self.set(RecordKind::Complaint, &id, "customer", json!(c));
        for (field, value) in fields.as_object().cloned().unwrap_or_default() {
            self.set(RecordKind::Complaint, &id, &field, value);
        }
        id
    }

    /// Deletes a record.
    pub(crate) fn delete(&mut self, kind: RecordKind, id: &Id) {
        let ms = self.next_ms();
        let at = self.clock.tick(ms);
        self.apply(Op::Delete {
            at,
            kind,
            id: id.clone(),
        });
    }
}
