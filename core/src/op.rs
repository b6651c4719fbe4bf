//! Operations and the book they merge into.
//!
//! Every change to the shop's data is an [`Op`]:
//! - [`Op::Set`] writes one field of a mutable record (customer, complaint, campaign, …) — a
//!   last-writer-wins register per field, so two devices editing different fields both win;
//! - [`Op::Append`] adds an immutable [`Entry`] (purchase, visit, contact, ledger entry);
//! - [`Op::Delete`] is a tombstone for a record (remove wins: ids are never reused).
//!
//! A [`Book`] is the merge of any set of ops. Applying ops in any order, any number of times,
//! gives the same book (commutative, associative, idempotent), which is what lets devices sync
//! through an eventually consistent store with no coordination.
//!
//! Set-valued fields (tags, products of interest) are stored one register per member
//! (`tags.VIP = true|false`), so concurrent additions on two devices both survive.

use crate::domain::Entry;
use crate::hlc::{Clock, Hlc};
use crate::id::Id;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The kinds of mutable record in a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The shop itself (one record).
    Shop,
    /// A customer profile.
    Customer,
    /// A complaint and its handling.
    Complaint,
    /// A marketing campaign.
    Campaign,
    /// A message template.
    Template,
    /// The shop's rules (one record).
    Rules,
    /// A staff member's device.
    Device,
}

/// One change to the book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Set one field of a record.
    Set {
        /// When (and by which device).
        at: Hlc,
        /// The record's kind.
        kind: RecordKind,
        /// The record's id.
        id: Id,
        /// The field's name; `set.member` for a member of a set-valued field.
        field: String,
        /// The new value (`null` clears it).
        value: Value,
    },
    /// Add an immutable entry.
    Append {
        /// When (and by which device).
        at: Hlc,
        /// The entry's id (a retried append with the same id is the same entry).
        id: Id,
        /// The entry.
        entry: Entry,
    },
    /// Delete a record.
    Delete {
        /// When (and by which device).
        at: Hlc,
        /// The record's kind.
        kind: RecordKind,
        /// The record's id.
        id: Id,
    },
}

impl Op {
    /// The op's stamp.
    pub fn at(&self) -> Hlc {
        match self {
            Op::Set { at, .. } | Op::Append { at, .. } | Op::Delete { at, .. } => *at,
        }
    }
}

/// What applying an op changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing: the op was already known or lost to a later one.
    None,
    /// A record's state changed.
    Record(RecordKind, Id),
    /// An entry was added.
    Entry(Id),
    /// An entry was replaced by a conflicting one under the same id (a later stamp wins).
    EntryReplaced(Id),
}

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
}

impl RecordState {
    fn set(&mut self, at: Hlc, field: &str, value: &Value) -> bool {
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

    /// Joins another replica's state of the same record into this one.
    pub fn merge(&mut self, other: &RecordState) -> bool {
        let mut changed = false;
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
        latest.max(self.deleted.unwrap_or(Hlc::ZERO))
    }
}

/// An entry and the stamp of the append that wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StampedEntry {
    /// The append's stamp.
    pub at: Hlc,
    /// The entry.
    pub entry: Entry,
}

/// The merged state of a shop's data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Book {
    records: BTreeMap<(RecordKind, Id), RecordState>,
    entries: BTreeMap<Id, StampedEntry>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        Book::default()
    }

    /// Applies one op. Returns what changed, so a caller can persist just that.
    pub fn apply(&mut self, op: &Op) -> Change {
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
            Op::Append { at, id, entry } => match self.put_entry(id, *at, entry) {
                Put::Added => Change::Entry(id.clone()),
                Put::Replaced => Change::EntryReplaced(id.clone()),
                Put::Kept => Change::None,
            },
        }
    }

    fn put_entry(&mut self, id: &Id, at: Hlc, entry: &Entry) -> Put {
        match self.entries.get_mut(id) {
            Some(old) => {
                let replace =
                    at > old.at || (at == old.at && entry_text(entry) > entry_text(&old.entry));
                if !replace {
                    return Put::Kept;
                }
                *old = StampedEntry {
                    at,
                    entry: entry.clone(),
                };
                Put::Replaced
            }
            None => {
                self.entries.insert(
                    id.clone(),
                    StampedEntry {
                        at,
                        entry: entry.clone(),
                    },
                );
                Put::Added
            }
        }
    }

    /// Joins another book into this one (state-based merge; same result as applying its ops).
    pub fn merge(&mut self, other: &Book) {
        for (key, state) in &other.records {
            self.records.entry(key.clone()).or_default().merge(state);
        }
        for (id, e) in &other.entries {
            self.put_entry(id, e.at, &e.entry);
        }
    }

    /// Loads a record's stored state (from the device's database) into the book.
    pub fn load_record(&mut self, kind: RecordKind, id: Id, state: RecordState) {
        self.records.entry((kind, id)).or_default().merge(&state);
    }

    /// Loads a stored entry into the book.
    pub fn load_entry(&mut self, id: Id, entry: StampedEntry) {
        self.put_entry(&id, entry.at, &entry.entry);
    }

    /// A record's merged state, deleted or not.
    pub fn record_state(&self, kind: RecordKind, id: &Id) -> Option<&RecordState> {
        self.records.get(&(kind, id.clone()))
    }

    /// Live (not deleted) records of one kind, in id order.
    pub fn records(&self, kind: RecordKind) -> impl Iterator<Item = (&Id, &RecordState)> {
        // Records are keyed by (kind, id): those of one kind are one run of the map.
        self.records
            .range((kind, Id::MIN)..)
            .take_while(move |((k, _), _)| *k == kind)
            .filter(|(_, s)| s.deleted.is_none())
            .map(|((_, id), s)| (id, s))
    }

    /// A live record decoded into its typed form; `None` when absent, deleted or undecodable.
    pub fn get<T: DeserializeOwned>(&self, kind: RecordKind, id: &Id) -> Option<T> {
        self.record_state(kind, id)
            .filter(|s| s.deleted.is_none())
            .and_then(|s| s.decode().ok())
    }

    /// All entries, in id (creation) order.
    pub fn entries(&self) -> impl Iterator<Item = (&Id, &Entry)> {
        self.entries.iter().map(|(id, e)| (id, &e.entry))
    }

    /// One entry with its stamp, found by the text of its id, and its id as the book keeps it.
    pub fn entry_with_id(&self, id: &str) -> Option<(&Id, &StampedEntry)> {
        self.entries.get_key_value(id)
    }

    /// One entry with its stamp.
    pub fn entry(&self, id: &Id) -> Option<&StampedEntry> {
        self.entries.get(id)
    }

    /// The latest stamp anywhere in the book (a restarted device's clock observes it).
    pub fn latest_stamp(&self) -> Hlc {
        let r = self
            .records
            .values()
            .map(RecordState::updated_at)
            .max()
            .unwrap_or(Hlc::ZERO);
        let e = self
            .entries
            .values()
            .map(|e| e.at)
            .max()
            .unwrap_or(Hlc::ZERO);
        r.max(e)
    }
}

/// What putting an entry into the book did.
enum Put {
    Added,
    Replaced,
    Kept,
}

fn entry_text(entry: &Entry) -> String {
    serde_json::to_string(entry).unwrap_or_default()
}

/// The ops that turn record `before` into `after` (both JSON objects of the record's typed form):
/// one `Set` per changed field, one per changed member of the fields named in `sets`.
/// Fields absent from `after` are left alone, so a partial form never clears what it did not show.
pub fn diff(
    clock: &mut Clock,
    now_ms: u64,
    kind: RecordKind,
    id: &Id,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    sets: &[&str],
) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut push = |field: String, value: Value, ops: &mut Vec<Op>| {
        ops.push(Op::Set {
            at: clock.tick(now_ms),
            kind,
            id: id.clone(),
            field,
            value,
        });
    };
    for (field, new) in after {
        let old = match before.get(field) {
            Some(old) => old,
            // A field the record never had: writing its empty default would only add noise.
            None if is_blank(new) => continue,
            None => &Value::Null,
        };
        if sets.contains(&field.as_str()) {
            let members = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let (was, now) = (members(old), members(new));
            for m in now.iter().filter(|m| !was.contains(m)) {
                push(format!("{field}.{m}"), Value::Bool(true), &mut ops);
            }
            for m in was.iter().filter(|m| !now.contains(m)) {
                push(format!("{field}.{m}"), Value::Bool(false), &mut ops);
            }
        } else if old != new {
            push(field.clone(), new.clone(), &mut ops);
        }
    }
    ops
}

/// True for the values a new record's fields default to (`null`, `""`, `false`, `[]`, `{}`).
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

/// Serializes a typed record into the JSON object [`diff`] compares.
pub fn to_object<T: Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}
