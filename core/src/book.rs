//! The book: the merged state of a shop's data.
//!
//! A [`Book`] is the merge of any set of ops ([`Book::apply`]). Applying ops in any order, any
//! number of times, gives the same book (commutative, associative, idempotent), which is what
//! lets devices sync through an eventually consistent store with no coordination.
//!
//! - Mutable records are [`RecordState`]s: one last-writer-wins [`Register`] per field and an
//!   optional tombstone.
//! - Immutable entries are kept encoded ([`crate::op::RawEntry`]). Most live in one packed,
//!   id-sorted arena (a few large buffers, as a snapshot stores them, so a 200,000-entry book
//!   loads without 200,000 allocations); entries added since the last packing wait in a small
//!   sorted map beside it and are packed in when they grow to an eighth of the arena.
//! - Ops this version cannot read ([`crate::op::ForeignOp`]) are kept as they came.

use crate::domain::{Entry, Record, Rules};
use crate::hlc::Hlc;
use crate::id::Id;
use crate::id_list::IdList;
use crate::op::{Change, ForeignOp, Op, RawEntry, RecordKind, decode_entry};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A field value and the stamp that wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Register {
    /// The winning write's stamp.
    pub at: Hlc,
    /// The winning write's value.
    pub value: Value,
}

/// True when `(at, value)` should replace `reg` (later stamp wins; an equal stamp, which only a
/// corrupted replica could produce, is broken by the value's text so every replica agrees).
#[allow(
    clippy::cmp_owned,
    reason = "the values' text order, the same in every version, breaks the tie"
)]
fn wins(at: Hlc, value: &Value, reg: &Register) -> bool {
    at > reg.at || (at == reg.at && value.to_string() > reg.value.to_string())
}

/// The merged state of one record: a register per field and an optional tombstone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    /// Field registers by field name.
    pub fields: BTreeMap<String, Register>,
    /// The delete's stamp, when the record was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Hlc>,
    /// The erasure's stamp, when the record's data was erased: it holds no field, and every
    /// write to it is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<Hlc>,
}

impl RecordState {
    fn set(&mut self, at: Hlc, field: &str, value: &Value) -> bool {
        if self.erased.is_some() {
            return false;
        }
        match self.fields.get_mut(field) {
            Some(reg) if !wins(at, value, reg) => false,
            Some(reg) => {
                *reg = Register {
                    at,
                    value: value.clone(),
                };
                true
            }
            None => {
                self.fields.insert(
                    field.to_owned(),
                    Register {
                        at,
                        value: value.clone(),
                    },
                );
                true
            }
        }
    }

    fn delete(&mut self, at: Hlc) -> bool {
        if self.deleted.is_some_and(|d| d >= at) {
            return false;
        }
        self.deleted = Some(at);
        true
    }

    /// Deletes the record and drops every field for good.
    fn erase(&mut self, at: Hlc) -> bool {
        let changed = self.erased.is_none_or(|e| at > e) || !self.fields.is_empty();
        self.delete(at);
        self.erased = Some(self.erased.map_or(at, |e| e.max(at)));
        self.fields.clear();
        changed
    }

    /// Joins another replica's state of the same record into this one.
    pub fn merge(&mut self, other: &RecordState) -> bool {
        let mut changed = false;
        if let Some(at) = other.erased {
            changed |= self.erase(at);
        }
        for (field, reg) in &other.fields {
            changed |= self.set(reg.at, field, &reg.value);
        }
        if let Some(at) = other.deleted {
            changed |= self.delete(at);
        }
        changed
    }

    /// The record as one JSON object: plain fields as they are, set members (`set.member`)
    /// gathered into a sorted array under `set` (only members whose register is `true`).
    pub fn to_object(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for (field, reg) in &self.fields {
            match field.split_once('.') {
                Some((set, member)) => {
                    let entry = out
                        .entry(set.to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if reg.value == Value::Bool(true)
                        && let Value::Array(items) = entry
                    {
                        items.push(Value::String(member.to_owned()));
                    }
                }
                None => {
                    out.insert(field.clone(), reg.value.clone());
                }
            }
        }
        out
    }

    /// One plain field's current value, without decoding the record (a scan of every
    /// customer for one field stays cheap).
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).map(|reg| &reg.value)
    }

    /// The record decoded into its typed form. Fields the type does not know are ignored and
    /// fields it lacks take their defaults, so older and newer app versions read each other's data.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(Value::Object(self.to_object()))
    }

    /// The latest stamp of any write to this record.
    pub fn updated_at(&self) -> Hlc {
        let latest = self
            .fields
            .values()
            .map(|r| r.at)
            .max()
            .unwrap_or(Hlc::ZERO);
        latest
            .max(self.deleted.unwrap_or(Hlc::ZERO))
            .max(self.erased.unwrap_or(Hlc::ZERO))
    }
}

/// An entry and the stamp of the append that wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StampedEntry {
    /// The append's stamp.
    pub at: Hlc,
    /// The entry.
    pub entry: RawEntry,
}

/// An entry in the book, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// Its id.
    pub id: &'a str,
    /// The stamp of the append that wrote it.
    pub at: Hlc,
    /// Its encoded value.
    pub raw: &'a [u8],
}

impl EntryRef<'_> {
    /// The typed entry, or `None` when this version cannot read it.
    pub fn decode(&self) -> Option<Entry> {
        decode_entry(self.raw)
    }
}

/// Entries in id order in a few large buffers (see the module doc).
#[derive(Clone, Debug, Default)]
pub(crate) struct Packed {
    pub(crate) ids: IdList,
    pub(crate) stamps: Vec<Hlc>,
    /// Where each entry's bytes end in `data`.
    pub(crate) ends: Vec<u32>,
    pub(crate) data: Vec<u8>,
}

impl Packed {
    pub(crate) fn with_capacity(entries: usize, bytes: usize) -> Packed {
        Packed {
            ids: IdList::with_capacity(entries, entries * 36),
            stamps: Vec::with_capacity(entries),
            ends: Vec::with_capacity(entries),
            data: Vec::with_capacity(bytes),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.stamps.len()
    }

    /// Appends an entry (ids must come in increasing order).
    pub(crate) fn push(&mut self, id: &str, at: Hlc, raw: &[u8]) {
        debug_assert!(self.ids.is_empty() || self.ids.get(self.ids.len() - 1) < id);
        self.ids.push(id);
        self.stamps.push(at);
        self.data.extend_from_slice(raw);
        self.ends.push(self.data.len() as u32);
    }

    /// The last (greatest) id.
    pub(crate) fn last_id(&self) -> &str {
        self.ids.get(self.ids.len() - 1)
    }

    pub(crate) fn get(&self, i: usize) -> EntryRef<'_> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        EntryRef {
            id: self.ids.get(i),
            at: self.stamps[i],
            raw: &self.data[start..self.ends[i] as usize],
        }
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.ids.search_sorted(id)
    }

    /// The position of the first id after `id`.
    fn partition_after(&self, id: &str) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.ids.get(mid) <= id {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// Entries added since the last packing wait beside the arena until there are this many and
/// an eighth as many as packed ones.
const PACK_MIN: usize = 4096;

/// The book's entries: the packed arena and the recent ones (which override packed ones with
/// the same id).
#[derive(Clone, Debug, Default)]
struct Entries {
    packed: Packed,
    recent: BTreeMap<Id, StampedEntry>,
    /// How many ids of `recent` are also in `packed`.
    shadowed: usize,
}

/// What putting an entry into the book did.
enum Put {
    Added,
    Replaced,
    Kept,
}

impl Entries {
    fn get(&self, id: &str) -> Option<EntryRef<'_>> {
        if let Some((id, e)) = self.recent.get_key_value(id) {
            return Some(EntryRef {
                id: id.as_str(),
                at: e.at,
                raw: e.entry.as_bytes(),
            });
        }
        self.packed.find(id).map(|i| self.packed.get(i))
    }

    fn len(&self) -> usize {
        self.packed.len() + self.recent.len() - self.shadowed
    }

    fn put(&mut self, id: &Id, at: Hlc, entry: &RawEntry) -> Put {
        let put = match self.get(id.as_str()) {
            Some(old) => {
                let replace = at > old.at || (at == old.at && entry.as_bytes() > old.raw);
                if !replace {
                    return Put::Kept;
                }
                Put::Replaced
            }
            None => Put::Added,
        };
        let stamped = StampedEntry {
            at,
            entry: entry.clone(),
        };
        if self.recent.insert(id.clone(), stamped).is_none()
            && self.packed.find(id.as_str()).is_some()
        {
            self.shadowed += 1;
        }
        if self.recent.len() >= PACK_MIN && self.recent.len() * 8 >= self.packed.len() {
            self.pack();
        }
        put
    }

    /// Every entry in id order.
    fn iter(&self) -> EntryIter<'_> {
        self.after(None)
    }

    /// The entries whose ids come after `after`, in id order.
    fn after(&self, after: Option<&str>) -> EntryIter<'_> {
        use std::ops::Bound;
        let (next_packed, range) = match after {
            Some(id) => (
                self.packed.partition_after(id),
                (Bound::Excluded(id), Bound::Unbounded),
            ),
            None => (0, (Bound::Unbounded, Bound::Unbounded)),
        };
        EntryIter {
            packed: &self.packed,
            next_packed,
            recent: self.recent.range::<str, _>(range).peekable(),
        }
    }

    /// Merges the recent entries into the arena.
    fn pack(&mut self) {
        let bytes = self.packed.data.len()
            + self
                .recent
                .values()
                .map(|e| e.entry.as_bytes().len())
                .sum::<usize>();
        let mut packed = Packed::with_capacity(self.len(), bytes);
        for e in self.iter() {
            packed.push(e.id, e.at, e.raw);
        }
        self.packed = packed;
        self.recent.clear();
        self.shadowed = 0;
    }
}

/// The entries of a book in id order: the packed ones and the recent ones, merged.
pub struct EntryIter<'a> {
    packed: &'a Packed,
    next_packed: usize,
    recent: std::iter::Peekable<std::collections::btree_map::Range<'a, Id, StampedEntry>>,
}

impl<'a> Iterator for EntryIter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        let packed =
            (self.next_packed < self.packed.len()).then(|| self.packed.get(self.next_packed));
        let recent = self.recent.peek().map(|(id, e)| EntryRef {
            id: id.as_str(),
            at: e.at,
            raw: e.entry.as_bytes(),
        });
        match (packed, recent) {
            (None, None) => None,
            (Some(p), None) => {
                self.next_packed += 1;
                Some(p)
            }
            (None, Some(r)) => {
                self.recent.next();
                Some(r)
            }
            (Some(p), Some(r)) => match p.id.cmp(r.id) {
                std::cmp::Ordering::Less => {
                    self.next_packed += 1;
                    Some(p)
                }
                std::cmp::Ordering::Greater => {
                    self.recent.next();
                    Some(r)
                }
                std::cmp::Ordering::Equal => {
                    // The recent one replaced the packed one.
                    self.next_packed += 1;
                    self.recent.next();
                    Some(r)
                }
            },
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.packed.len() - self.next_packed, None)
    }
}

/// The merged state of a shop's data.
#[derive(Clone, Debug, Default)]
pub struct Book {
    records: BTreeMap<(RecordKind, Id), RecordState>,
    entries: Entries,
    foreign: BTreeSet<ForeignOp>,
    latest: Hlc,
}

impl PartialEq for Book {
    fn eq(&self, other: &Book) -> bool {
        self.records == other.records
            && self.foreign == other.foreign
            && self.entries.len() == other.entries.len()
            && self.entries.iter().eq(other.entries.iter())
    }
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        Book::default()
    }

    /// Applies one op. Returns what changed, so a caller can persist just that.
    pub fn apply(&mut self, op: &Op) -> Change {
        self.latest = self.latest.max(op.at());
        match op {
            Op::Set {
                at,
                kind,
                id,
                field,
                value,
            } => {
                let state = self.records.entry((*kind, id.clone())).or_default();
                if state.set(*at, field, value) {
                    Change::Record(*kind, id.clone())
                } else {
                    Change::None
                }
            }
            Op::Delete { at, kind, id } => {
                let state = self.records.entry((*kind, id.clone())).or_default();
                if state.delete(*at) {
                    Change::Record(*kind, id.clone())
                } else {
                    Change::None
                }
            }
            Op::Append { at, id, entry } => match self.entries.put(id, *at, entry) {
                Put::Added => Change::Entry(id.clone()),
                Put::Replaced => Change::EntryReplaced(id.clone()),
                Put::Kept => Change::None,
            },
            Op::Erase { at, kind, id } => {
                let state = self.records.entry((*kind, id.clone())).or_default();
                if state.erase(*at) {
                    Change::Record(*kind, id.clone())
                } else {
                    Change::None
                }
            }
            Op::Foreign(f) => {
                if self.foreign.insert(f.clone()) {
                    Change::Foreign
                } else {
                    Change::None
                }
            }
        }
    }

    /// Joins another book into this one (state-based merge; same result as applying its
    /// ops) and says what changed.
    pub fn merge(&mut self, other: &Book) -> Vec<Change> {
        let mut changes = Vec::new();
        for ((kind, id), state) in &other.records {
            self.latest = self.latest.max(state.updated_at());
            if self
                .records
                .entry((*kind, id.clone()))
                .or_default()
                .merge(state)
            {
                changes.push(Change::Record(*kind, id.clone()));
            }
        }
        for e in other.entries() {
            let (Ok(id), Ok(entry)) = (Id::parse(e.id), RawEntry::from_bytes(e.raw)) else {
                continue;
            };
            self.latest = self.latest.max(e.at);
            match self.entries.put(&id, e.at, &entry) {
                Put::Added => changes.push(Change::Entry(id)),
                Put::Replaced => changes.push(Change::EntryReplaced(id)),
                Put::Kept => {}
            }
        }
        for f in &other.foreign {
            if self.foreign.insert(f.clone()) {
                changes.push(Change::Foreign);
            }
        }
        self.latest = self.latest.max(other.latest);
        changes
    }

    /// True when the book holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.entry_count() == 0 && self.foreign.is_empty()
    }

    /// Loads a record's stored state into the book (merging with what is there).
    pub fn load_record(&mut self, kind: RecordKind, id: Id, state: RecordState) {
        self.latest = self.latest.max(state.updated_at());
        self.records.entry((kind, id)).or_default().merge(&state);
    }

    /// Loads a stored entry into the book (merging with what is there). Bytes that are not one
    /// whole encoded value are refused.
    pub fn load_entry(&mut self, id: &str, at: Hlc, raw: &[u8]) -> bool {
        let (Ok(id), Ok(entry)) = (Id::parse(id), RawEntry::from_bytes(raw)) else {
            return false;
        };
        self.latest = self.latest.max(at);
        self.entries.put(&id, at, &entry);
        true
    }

    /// A record's merged state, deleted or not.
    pub fn record_state(&self, kind: RecordKind, id: &Id) -> Option<&RecordState> {
        self.records.get(&(kind, id.clone()))
    }

    /// Live (not deleted) records of one kind, in id order.
    pub fn records(&self, kind: RecordKind) -> impl Iterator<Item = (&Id, &RecordState)> {
        self.records_from(kind, None)
    }

    /// Live records of one kind whose ids come after `after` (all of them for `None`), in id
    /// order: a scan of the records can go on from where it stopped.
    pub fn records_from(
        &self,
        kind: RecordKind,
        after: Option<&Id>,
    ) -> impl Iterator<Item = (&Id, &RecordState)> {
        use std::ops::Bound;
        let start = match after {
            Some(id) => Bound::Excluded((kind, id.clone())),
            None => Bound::Included((kind, Id::MIN)),
        };
        // Records are keyed by (kind, id): those of one kind are one run of the map.
        self.records
            .range((start, Bound::Unbounded))
            .take_while(move |((k, _), _)| *k == kind)
            .filter(|(_, s)| s.deleted.is_none())
            .map(|((_, id), s)| (id, s))
    }

    /// Every record, deleted or not, in (kind, id) order.
    pub fn all_records(&self) -> impl Iterator<Item = (RecordKind, &Id, &RecordState)> {
        self.records.iter().map(|((k, id), s)| (*k, id, s))
    }

    /// A live record decoded into its typed form; `None` when absent, deleted or undecodable.
    pub fn get<T: Record>(&self, id: &Id) -> Option<T> {
        self.record_state(T::KIND, id)
            .filter(|s| s.deleted.is_none())
            .and_then(|s| s.decode().ok())
    }

    /// The shop's rules (the defaults when the shop has set none).
    pub fn rules(&self) -> Rules {
        Id::parse(Rules::ID)
            .ok()
            .and_then(|id| self.get(&id))
            .unwrap_or_default()
    }

    /// All entries, in id (creation) order.
    pub fn entries(&self) -> EntryIter<'_> {
        self.entries.iter()
    }

    /// The entries whose ids come after `after` (all of them for `None`), in id order.
    pub fn entries_after(&self, after: Option<&str>) -> EntryIter<'_> {
        self.entries.after(after)
    }

    /// Records after `after` in (kind, id) order, deleted or not.
    pub fn records_after(
        &self,
        after: Option<&(RecordKind, Id)>,
    ) -> impl Iterator<Item = (&(RecordKind, Id), &RecordState)> {
        use std::ops::Bound;
        let start = match after {
            Some(key) => Bound::Excluded(key),
            None => Bound::Unbounded,
        };
        self.records.range((start, Bound::Unbounded))
    }

    /// Every entry this version can read, decoded, in id order (for tools and tests; the app
    /// reads entries through the views kept beside the book).
    pub fn decoded_entries(&self) -> impl Iterator<Item = (Id, Entry)> + '_ {
        self.entries()
            .filter_map(|e| Some((Id::trusted(e.id), e.decode()?)))
    }

    /// Number of records and entries: what merging this book into another costs.
    pub fn size(&self) -> usize {
        self.records.len() + self.entries.len() + self.foreign.len()
    }

    /// Number of entries.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// One entry, found by the text of its id.
    pub fn entry(&self, id: &str) -> Option<EntryRef<'_>> {
        self.entries.get(id)
    }

    /// The ops this version could not read, kept for newer ones.
    pub fn foreign(&self) -> impl Iterator<Item = &ForeignOp> {
        self.foreign.iter()
    }

    /// The latest stamp anywhere in the book (a restarted device's clock observes it).
    pub fn latest_stamp(&self) -> Hlc {
        self.latest
    }

    /// Packs every entry into the arena.
    pub fn pack(&mut self) {
        self.entries.pack();
    }

    /// A book from what a snapshot holds.
    pub(crate) fn from_parts(
        records: BTreeMap<(RecordKind, Id), RecordState>,
        packed: Packed,
        foreign: BTreeSet<ForeignOp>,
        latest: Hlc,
    ) -> Book {
        Book {
            records,
            entries: Entries {
                packed,
                recent: BTreeMap::new(),
                shadowed: 0,
            },
            foreign,
            latest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(n: i64) -> RawEntry {
        RawEntry::from_value(&serde_json::json!({ "n": n }))
    }

    fn stamp(ms: u64) -> Hlc {
        Hlc { ms, c: 0, n: 1 }
    }

    #[test]
    fn packed_and_recent_entries_read_as_one_sorted_set() {
        let mut book = Book::new();
        // Enough to pack more than once, out of order, with replacements.
        let n = (PACK_MIN * 3) as u64;
        for i in (0..n).rev() {
            let id = Id::parse(&format!("e{i:06}")).unwrap();
            let op = Op::Append {
                at: stamp(i),
                id,
                entry: raw(i as i64),
            };
            assert!(matches!(book.apply(&op), Change::Entry(_)));
            assert_eq!(book.apply(&op), Change::None, "idempotent");
        }
        let replaced = Op::Append {
            at: stamp(n + 1),
            id: Id::parse("e000010").unwrap(),
            entry: raw(-1),
        };
        assert!(matches!(book.apply(&replaced), Change::EntryReplaced(_)));
        assert_eq!(book.entry_count(), n as usize);
        let ids: Vec<&str> = book.entries().map(|e| e.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids.len(), n as usize);
        assert_eq!(book.entry("e000010").unwrap().at, stamp(n + 1));
        let mut again = book.clone();
        again.pack();
        assert_eq!(again, book, "packing changes nothing one can see");
        assert_eq!(again.entry("e000010").unwrap().raw, raw(-1).as_bytes());
        // An older conflicting append loses everywhere.
        let older = Op::Append {
            at: stamp(0),
            id: Id::parse("e000010").unwrap(),
            entry: raw(7),
        };
        assert_eq!(again.apply(&older), Change::None);
    }
}
