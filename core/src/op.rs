//! Operations: every change to the shop's data.
//!
//! - [`Op::Set`] writes one field of a mutable record (customer, complaint, campaign, …) — a
//!   last-writer-wins register per field, so two devices editing different fields both win;
//! - [`Op::Append`] adds an immutable entry (purchase, visit, contact, ledger entry), kept as a
//!   [`RawEntry`]: its encoded value, decoded on demand;
//! - [`Op::Delete`] is a tombstone for a record (remove wins: ids are never reused);
//! - [`Op::Erase`] deletes a record and drops its data everywhere (a customer's erasure);
//! - [`Op::Foreign`] is an op written by a newer app version that this one cannot read: it is
//!   kept as it came and passed on.
//!
//! [`crate::book::Book`] merges any set of ops; [`diff`] makes the ops of a record edit.
//!
//! Set-valued fields (tags, products of interest) are stored one register per member
//! (`tags.VIP = true|false`), so concurrent additions on two devices both survive.

use crate::codec::{DecodeError, value};
use crate::domain::Entry;
use crate::hlc::{Clock, Hlc};
use crate::id::Id;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

pub use crate::domain::RecordKind;

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
        /// The entry, encoded.
        entry: RawEntry,
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
    /// Erase a record's data: it is deleted, every field it held is dropped and any later
    /// write to it ignored — on every device, and from the server once a snapshot without it
    /// replaced the old batches. Erasing a customer (a customer may ask a shop to delete
    /// their data) erases their record and the complaints about them.
    Erase {
        /// When (and by which device).
        at: Hlc,
        /// The record's kind.
        kind: RecordKind,
        /// The record's id.
        id: Id,
    },
    /// An op this version cannot read, kept as it came (see [`ForeignOp`]).
    #[serde(skip)]
    Foreign(ForeignOp),
}

impl Op {
    /// The op's stamp.
    pub fn at(&self) -> Hlc {
        match self {
            Op::Set { at, .. }
            | Op::Append { at, .. }
            | Op::Delete { at, .. }
            | Op::Erase { at, .. } => *at,
            Op::Foreign(f) => f.at,
        }
    }

    /// An append of `entry` under `id`.
    pub fn append(at: Hlc, id: Id, entry: &Entry) -> Op {
        Op::Append {
            at,
            id,
            entry: RawEntry::encode(entry),
        }
    }
}

/// An op written by a newer app version in a form this one cannot read (an op kind, a record
/// kind or a value it does not know). Its stamp is readable; the rest is kept byte for byte,
/// stored with the book and passed on in snapshots, so no device loses it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ForeignOp {
    /// Its stamp.
    pub at: Hlc,
    /// The whole op as encoded by [`crate::codec::ops`].
    pub bytes: Vec<u8>,
}

/// An immutable entry as the book keeps it: its value in the binary form of
/// [`crate::codec::value`], decoded on demand. Keeping the encoded value (not a typed
/// [`Entry`]) is what lets an entry written by a newer version — a new kind, a new field, a new
/// enum value — survive here unchanged; [`RawEntry::decode`] gives `None` for such an entry.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawEntry(Box<[u8]>);

impl RawEntry {
    /// Encodes a typed entry.
    pub fn encode(entry: &Entry) -> RawEntry {
        let value = serde_json::to_value(entry).unwrap_or(Value::Null);
        RawEntry(value::to_bytes(&value).into_boxed_slice())
    }

    /// An entry from its encoded bytes (checked to hold one whole value).
    pub fn from_bytes(bytes: &[u8]) -> Result<RawEntry, DecodeError> {
        let mut r = crate::codec::bytes::Reader::new(bytes);
        value::skip_value(&mut r)?;
        if !r.is_empty() {
            return Err(r.error("bytes after the entry"));
        }
        Ok(RawEntry(bytes.into()))
    }

    /// An entry from a JSON value (as older versions sent it).
    pub fn from_value(value: &Value) -> RawEntry {
        RawEntry(value::to_bytes(value).into_boxed_slice())
    }

    /// The typed entry, or `None` when this version cannot read it.
    pub fn decode(&self) -> Option<Entry> {
        decode_entry(&self.0)
    }

    /// The entry as a JSON value.
    pub fn to_value(&self) -> Value {
        value::decode_value(&mut crate::codec::bytes::Reader::new(&self.0)).unwrap_or(Value::Null)
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Decodes an entry's bytes; `None` when this version cannot read them.
pub fn decode_entry(bytes: &[u8]) -> Option<Entry> {
    value::from_bytes(bytes).ok()
}

impl std::fmt::Debug for RawEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawEntry({})", self.to_value())
    }
}

impl From<Entry> for RawEntry {
    fn from(entry: Entry) -> RawEntry {
        RawEntry::encode(&entry)
    }
}

/// In JSON (the format of older batches) an entry is its plain value.
impl Serialize for RawEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawEntry, D::Error> {
        Ok(RawEntry::from_value(&Value::deserialize(d)?))
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
    /// An op this version cannot read was kept.
    Foreign,
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
