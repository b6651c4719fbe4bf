//! The book's customers as an import looks them up: by phone number, by the id column they
//! were imported under, and by name — read from the book a number of customers at a time, so
//! a large book is indexed in steps.

use crate::book::Book;
use crate::domain::{Customer, normalize_phone};
use crate::id::Id;
use crate::op::RecordKind;
use std::collections::HashMap;

/// The book's live customers by phone, import key and name.
#[derive(Clone, Debug, Default)]
pub struct CustomerIndex {
    /// By normalised phone number: the first customer (in id order) with it.
    by_phone: HashMap<String, Id>,
    /// By import key: the last customer (in id order) imported under it.
    by_key: HashMap<String, Id>,
    /// By trimmed name: `None` once two customers share it.
    by_name: HashMap<String, Option<Id>>,
    /// The last customer indexed (the next step goes on after it).
    after: Option<Id>,
    /// Customers indexed so far.
    indexed: usize,
    finished: bool,
}

impl CustomerIndex {
    /// Every customer of `book`, in one go.
    pub fn of(book: &Book) -> CustomerIndex {
        let mut index = CustomerIndex::default();
        while !index.step(book, usize::MAX) {}
        index
    }

    /// Makes room for `customers` customers at once (a large index then never rehashes while
    /// it grows: one long step fewer).
    pub fn reserve(&mut self, customers: usize) {
        self.by_phone.reserve(customers);
        self.by_key.reserve(customers);
        self.by_name.reserve(customers);
    }

    /// Indexes up to `customers` more of the book's customers; whether all of them are.
    /// (A customer added to the book before the last one indexed, between steps, is missed:
    /// index a changed book anew.)
    pub fn step(&mut self, book: &Book, customers: usize) -> bool {
        if self.finished {
            return true;
        }
        let (mut last, mut taken) = (None, 0);
        for (id, state) in book
            .records_from(RecordKind::Customer, self.after.as_ref())
            .take(customers)
        {
            last = Some(id);
            taken += 1;
            // A customer this version cannot read is not matched (a row naming them is new).
            let Ok(c) = state.decode::<Customer>() else {
                continue;
            };
            let name = c.name.trim();
            if !name.is_empty() {
                self.by_name
                    .entry(name.to_owned())
                    .and_modify(|f| {
                        if f.as_ref() != Some(id) {
                            *f = None;
                        }
                    })
                    .or_insert_with(|| Some(id.clone()));
            }
            for p in &c.phones {
                self.by_phone
                    .entry(normalize_phone(p))
                    .or_insert_with(|| id.clone());
            }
            if !c.import_key.is_empty() {
                self.by_key.insert(c.import_key, id.clone());
            }
        }
        self.indexed += taken;
        if let Some(id) = last {
            self.after = Some(id.clone());
        }
        if taken < customers {
            self.finished = true;
        }
        self.finished
    }

    /// Whether every customer is indexed.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// How many customers are indexed so far.
    pub fn indexed(&self) -> usize {
        self.indexed
    }

    /// How many entries the index holds.
    pub fn entries(&self) -> usize {
        self.by_phone.len() + self.by_key.len() + self.by_name.len()
    }

    /// Forgets up to `n` entries, once the index is of no more use (a large one is freed a step
    /// at a time); how many it forgot.
    pub fn forget(&mut self, n: usize) -> usize {
        let mut left = n;
        forget(&mut self.by_phone, &mut left);
        forget(&mut self.by_key, &mut left);
        forget(&mut self.by_name, &mut left);
        n - left
    }

    /// The customer with this phone number (normalised, see `normalize_phone`).
    pub fn phone(&self, normalized: &str) -> Option<&Id> {
        self.by_phone.get(normalized)
    }

    /// The customer imported under `key`.
    pub fn key(&self, key: &str) -> Option<&Id> {
        self.by_key.get(key)
    }

    /// The customer named `name` (trimmed): `Some(None)` when two or more share it.
    pub fn name(&self, name: &str) -> Option<Option<&Id>> {
        self.by_name.get(name).map(Option::as_ref)
    }
}

/// Removes up to `left` entries of `map`, counting them off `left`.
pub(crate) fn forget<K, V>(map: &mut HashMap<K, V>, left: &mut usize) {
    if map.len() <= *left {
        *left -= map.len();
        *map = HashMap::new();
    } else {
        map.retain(|_, _| {
            let keep = *left == 0;
            *left = left.saturating_sub(1);
            keep
        });
    }
}
