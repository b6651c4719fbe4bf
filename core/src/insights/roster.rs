//! The customer list as the app shows it, kept up to date change by change: every live
//! customer's row in list order (their name's pinyin, then id), the customers by phone number
//! (for the duplicate check while a number is typed), and the counts the Stats tab opens with.

use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::image::{
    get_date, get_id, get_serde, get_text, put_date, put_id, put_serde, put_text,
};
use crate::domain::{Customer, Source, normalize_phone};
use crate::id::Id;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One customer as the list shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Customer id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Main phone number.
    pub phone: String,
    /// Tags, in name order.
    pub tags: Vec<String>,
    /// Where the customer came from.
    pub source: Option<Source>,
    /// The day the profile was created.
    pub created_on: Option<NaiveDate>,
    /// Every phone number, normalised.
    phones: Vec<String>,
}

impl Row {
    /// The tags joined for display (`VIP · 奶粉`).
    pub fn tags_text(&self) -> String {
        self.tags.join(" · ")
    }

    fn of(id: &Id, c: &Customer) -> Row {
        Row {
            id: id.clone(),
            name: c.name.clone(),
            phone: c.phone().unwrap_or_default().to_owned(),
            tags: c.tags.iter().cloned().collect(),
            source: c.source,
            created_on: c.created_at.map(|t| t.date()),
            phones: c
                .phones
                .iter()
                .map(|p| normalize_phone(p))
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }
}

/// How many customers, how many are new, and where they came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Live customers.
    pub total: usize,
    /// Created in the 30 days up to the day asked about.
    pub new_30: usize,
    /// Customers per source channel (no source: `None`), most first.
    pub by_source: Vec<(Option<Source>, usize)>,
}

/// The kept list (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct Roster {
    rows: HashMap<Id, Row>,
    /// (list key, id) in list order.
    order: Vec<(Box<str>, Id)>,
    by_phone: HashMap<String, Vec<Id>>,
}

impl Roster {
    /// Number of customers listed.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nobody is listed.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The row at position `i` of the list.
    pub fn at(&self, i: usize) -> Option<&Row> {
        self.order.get(i).and_then(|(_, id)| self.rows.get(id))
    }

    /// A customer's row.
    pub fn row(&self, id: &Id) -> Option<&Row> {
        self.rows.get(id)
    }

    /// The customers with phone number `phone` (as typed; normalised here), other than
    /// `except` — for "this number belongs to …" while a profile is edited.
    pub fn with_phone(&self, phone: &str, except: Option<&Id>) -> Vec<&Row> {
        let key = normalize_phone(phone);
        self.by_phone
            .get(&key)
            .into_iter()
            .flatten()
            .filter(|id| Some(*id) != except)
            .filter_map(|id| self.rows.get(id))
            .collect()
    }

    /// Lists many customers at once (`sort_key` of each), in one sort at the end: reading a
    /// whole book costs no more than sorting it.
    pub fn extend<'a>(
        &mut self,
        customers: impl IntoIterator<Item = (&'a Id, &'a Customer, &'a str)>,
    ) {
        for (id, customer, sort_key) in customers {
            self.remove(id);
            if customer.name.trim().is_empty() {
                continue;
            }
            let row = Row::of(id, customer);
            for p in &row.phones {
                self.by_phone.entry(p.clone()).or_default().push(id.clone());
            }
            self.order.push((Box::from(sort_key), id.clone()));
            self.rows.insert(id.clone(), row);
        }
        crate::sorting::sort(&mut self.order);
    }

    /// Lists a customer (or updates their row), `sort_key` being their list key. A customer
    /// without a name is not listed: every profile has one, so such a record is one whose
    /// name has not arrived yet (its fields came from another device in a later batch).
    pub fn upsert(&mut self, id: &Id, customer: &Customer, sort_key: &str) {
        self.remove(id);
        if customer.name.trim().is_empty() {
            return;
        }
        let row = Row::of(id, customer);
        for p in &row.phones {
            self.by_phone.entry(p.clone()).or_default().push(id.clone());
        }
        let key = (Box::<str>::from(sort_key), id.clone());
        let at = self.order.partition_point(|k| *k < key);
        self.order.insert(at, key);
        self.rows.insert(id.clone(), row);
    }

    /// Drops a customer from the list.
    pub fn remove(&mut self, id: &Id) {
        let Some(row) = self.rows.remove(id) else {
            return;
        };
        for p in &row.phones {
            if let Some(ids) = self.by_phone.get_mut(p) {
                ids.retain(|x| x != id);
                if ids.is_empty() {
                    self.by_phone.remove(p);
                }
            }
        }
        if let Some(at) = self.order.iter().position(|(_, x)| x == id) {
            self.order.remove(at);
        }
    }

    /// Counts as of `day`.
    pub fn counts(&self, day: NaiveDate) -> Counts {
        let mut sources: HashMap<Option<Source>, usize> = HashMap::new();
        let mut new_30 = 0;
        for row in self.rows.values() {
            *sources.entry(row.source).or_default() += 1;
            if row
                .created_on
                .is_some_and(|d| d <= day && day.signed_duration_since(d).num_days() < 30)
            {
                new_30 += 1;
            }
        }
        let mut by_source: Vec<_> = sources.into_iter().collect();
        crate::sorting::sort_by_key(&mut by_source, |(source, n)| {
            (std::cmp::Reverse(*n), source.map(|s| s as u8))
        });
        Counts {
            total: self.rows.len(),
            new_30,
            by_source,
        }
    }

    /// Writes the list's head: how many rows ([`Roster::write_image_rows`] writes them).
    pub(crate) fn write_image_head(&self, w: &mut Writer) {
        w.len_prefix(self.order.len());
    }

    /// Writes the rows `rows` of the list, in order (the list must not change in between).
    pub(crate) fn write_image_rows(&self, w: &mut Writer, rows: std::ops::Range<usize>) {
        for (key, id) in self.order.get(rows).unwrap_or_default() {
            let row = &self.rows[id];
            put_text(w, key);
            put_id(w, id.as_str());
            put_text(w, &row.name);
            put_text(w, &row.phone);
            w.len_prefix(row.tags.len());
            for tag in &row.tags {
                put_text(w, tag);
            }
            put_serde(w, &row.source);
            put_date(w, row.created_on);
            w.len_prefix(row.phones.len());
            for p in &row.phones {
                put_text(w, p);
            }
        }
    }

    /// Reads what [`Roster::write_image_head`] and [`Roster::write_image_rows`] wrote.
    pub(crate) fn read_image(r: &mut Reader<'_>) -> Result<Roster, DecodeError> {
        let n = r.len_prefix()?;
        let mut roster = Roster {
            rows: HashMap::with_capacity(n),
            order: Vec::with_capacity(n),
            by_phone: HashMap::with_capacity(n),
        };
        for _ in 0..n {
            let key = get_text(r)?.into_boxed_str();
            let id = get_id(r)?;
            let row = Row {
                id: id.clone(),
                name: get_text(r)?,
                phone: get_text(r)?,
                tags: (0..r.len_prefix()?)
                    .map(|_| get_text(r))
                    .collect::<Result<_, _>>()?,
                source: get_serde(r)?,
                created_on: get_date(r)?,
                phones: (0..r.len_prefix()?)
                    .map(|_| get_text(r))
                    .collect::<Result<_, _>>()?,
            };
            for p in &row.phones {
                roster
                    .by_phone
                    .entry(p.clone())
                    .or_default()
                    .push(id.clone());
            }
            if roster
                .order
                .last()
                .is_some_and(|last| *last >= (key.clone(), id.clone()))
            {
                return Err(r.error("list out of order"));
            }
            roster.order.push((key, id.clone()));
            roster.rows.insert(id, row);
        }
        Ok(roster)
    }
}
