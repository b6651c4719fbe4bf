//! Ops in binary, one at a time and as a sync batch's payload.
//!
//! One op: a kind byte, its stamp (`ms` varint, counter varint, node as 8 bytes), then
//!
//! | kind | op | fields |
//! |---|---|---|
//! | 0 | set | record kind (one byte, [`RecordKind::code`]), id, field name, value |
//! | 1 | append | id, the entry's encoded value (length-prefixed) |
//! | 2 | delete | record kind, id |
//! | 3 | erase | record kind, id |
//!
//! Ids and field names are string forms of [`super::value`] (a UUID takes 16 bytes), values
//! are its values. An op of a kind, a record kind or with a value this version does not know —
//! or with bytes after the fields it knows — is read as [`Op::Foreign`]: its stamp and its
//! bytes, kept and passed on.
//!
//! A list of ops is a count and each op's bytes with their length in front (so an op that
//! cannot be read never hides the ones after it). A batch payload is that list, compressed,
//! in URL-safe base64 after the version mark `hk1.`; a payload that starts with `[` is the JSON
//! array earlier versions sent, and is still read.

use super::bytes::{Reader, Writer};
use super::value::{decode_str, decode_value, encode_str, encode_value};
use super::{DecodeError, compress, decompress};
use crate::hlc::Hlc;
use crate::id::Id;
use crate::op::{ForeignOp, Op, RawEntry, RecordKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const SET: u8 = 0;
const APPEND: u8 = 1;
const DELETE: u8 = 2;
const ERASE: u8 = 3;

/// The version mark of batch payloads written by this encoding.
pub const PAYLOAD_V1: &str = "hk1.";

/// Largest list of ops a payload may expand to (a batch holds at most 1,000 ops; this leaves
/// room for large entries and stops a hostile payload from exhausting memory).
pub const MAX_PAYLOAD_EXPANDED: usize = 64 << 20;

/// Writes a stamp.
pub fn encode_stamp(w: &mut Writer, at: Hlc) {
    w.varint(at.ms);
    w.varint(u64::from(at.c));
    w.u64_le(at.n);
}

/// Reads a stamp.
pub fn decode_stamp(r: &mut Reader<'_>) -> Result<Hlc, DecodeError> {
    let ms = r.varint()?;
    let c = u32::try_from(r.varint()?).map_err(|_| r.error("stamp counter beyond 32 bits"))?;
    let n = r.u64_le()?;
    Ok(Hlc { ms, c, n })
}

/// Writes one op (without its length).
pub fn encode_op(w: &mut Writer, op: &Op) {
    match op {
        Op::Set {
            at,
            kind,
            id,
            field,
            value,
        } => {
            w.u8(SET);
            encode_stamp(w, *at);
            w.u8(kind.code());
            encode_str(w, id.as_str());
            encode_str(w, field);
            encode_value(w, value);
        }
        Op::Append { at, id, entry } => {
            w.u8(APPEND);
            encode_stamp(w, *at);
            encode_str(w, id.as_str());
            w.bytes(entry.as_bytes());
        }
        Op::Delete { at, kind, id } => {
            w.u8(DELETE);
            encode_stamp(w, *at);
            w.u8(kind.code());
            encode_str(w, id.as_str());
        }
        Op::Erase { at, kind, id } => {
            w.u8(ERASE);
            encode_stamp(w, *at);
            w.u8(kind.code());
            encode_str(w, id.as_str());
        }
        Op::Foreign(f) => w.raw(&f.bytes),
    }
}

/// Reads one op from its bytes. Only bytes without a readable stamp are an error; anything
/// else this version cannot read is an [`Op::Foreign`].
pub fn decode_op(bytes: &[u8]) -> Result<Op, DecodeError> {
    let mut r = Reader::new(bytes);
    let kind = r.u8()?;
    let at = decode_stamp(&mut r)?;
    let known = match kind {
        SET => read_set(&mut r, at),
        APPEND => read_append(&mut r, at),
        DELETE => read_delete(&mut r, at),
        ERASE => read_delete(&mut r, at).map(|op| match op {
            Op::Delete { at, kind, id } => Op::Erase { at, kind, id },
            other => other,
        }),
        _ => None,
    };
    Ok(match known {
        Some(op) if r.is_empty() => op,
        _ => Op::Foreign(ForeignOp {
            at,
            bytes: bytes.to_vec(),
        }),
    })
}

fn read_kind(r: &mut Reader<'_>) -> Option<RecordKind> {
    RecordKind::from_code(r.u8().ok()?)
}

fn read_id(r: &mut Reader<'_>) -> Option<Id> {
    Id::parse(&decode_str(r).ok()?).ok()
}

fn read_set(r: &mut Reader<'_>, at: Hlc) -> Option<Op> {
    let kind = read_kind(r)?;
    let id = read_id(r)?;
    let field = decode_str(r).ok()?;
    let value = decode_value(r).ok()?;
    Some(Op::Set {
        at,
        kind,
        id,
        field,
        value,
    })
}

fn read_append(r: &mut Reader<'_>, at: Hlc) -> Option<Op> {
    let id = read_id(r)?;
    let entry = RawEntry::from_bytes(r.bytes().ok()?).ok()?;
    Some(Op::Append { at, id, entry })
}

fn read_delete(r: &mut Reader<'_>, at: Hlc) -> Option<Op> {
    let kind = read_kind(r)?;
    let id = read_id(r)?;
    Some(Op::Delete { at, kind, id })
}

/// A list of ops: the count, then each op with its length in front.
pub fn encode_ops(ops: &[Op]) -> Vec<u8> {
    let mut writer = OpsWriter::new(ops.len());
    writer.write(ops);
    writer.finish()
}

/// [`encode_ops`] a slice of ops at a time (a device's outbox after a large import holds a few
/// hundred thousand ops: its encoding is cut into steps): [`OpsWriter::new`] with the number of
/// ops, [`OpsWriter::write`] them in order, in any slices, then [`OpsWriter::finish`].
pub struct OpsWriter {
    w: Writer,
    one: Writer,
}

impl OpsWriter {
    /// A writer of `count` ops (exactly that many must be written).
    pub fn new(count: usize) -> OpsWriter {
        let mut w = Writer::with_capacity(count.saturating_mul(48));
        w.len_prefix(count);
        OpsWriter {
            w,
            one: Writer::new(),
        }
    }

    /// Writes the next ops.
    pub fn write(&mut self, ops: &[Op]) {
        for op in ops {
            self.one.clear();
            encode_op(&mut self.one, op);
            self.w.bytes(self.one.as_bytes());
        }
    }

    /// The list's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.w.into_bytes()
    }
}

/// Reads a list of ops written by [`encode_ops`].
pub fn decode_ops(bytes: &[u8]) -> Result<Vec<Op>, DecodeError> {
    let mut r = Reader::new(bytes);
    let n = r.len_prefix()?;
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.position();
        let one = r.bytes()?;
        ops.push(decode_op(one).map_err(|e| DecodeError::new(e.what, at + e.at))?);
    }
    if !r.is_empty() {
        return Err(r.error("bytes after the last op"));
    }
    Ok(ops)
}

/// A batch payload: the ops, compressed, as text.
pub fn encode_payload(ops: &[Op]) -> String {
    let packed = compress(&encode_ops(ops));
    let mut out = String::with_capacity(PAYLOAD_V1.len() + packed.len() * 4 / 3 + 4);
    out.push_str(PAYLOAD_V1);
    URL_SAFE_NO_PAD.encode_string(&packed, &mut out);
    out
}

/// The ops of a batch payload (this version's, or the JSON of earlier versions). A payload
/// this version cannot read at all (a later version mark) is an error the caller answers by
/// keeping the batch as it came.
pub fn decode_payload(payload: &str) -> Result<Vec<Op>, DecodeError> {
    if let Some(text) = payload.strip_prefix(PAYLOAD_V1) {
        let packed = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|e| DecodeError::new(format!("payload is not base64: {e}"), 0))?;
        return decode_ops(&decompress(&packed, MAX_PAYLOAD_EXPANDED)?);
    }
    if payload.trim_start().starts_with('[') {
        return serde_json::from_str(payload)
            .map_err(|e| DecodeError::new(format!("payload is not valid JSON ops: {e}"), 0));
    }
    let mark: String = payload.chars().take(8).collect();
    Err(DecodeError::new(
        format!("payload format {mark:?} is newer than this app"),
        0,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stamp(ms: u64, c: u32) -> Hlc {
        Hlc {
            ms,
            c,
            n: 0x0123_4567_89ab_cdef,
        }
    }

    fn sample() -> Vec<Op> {
        let id = Id::parse("0189abcd-0000-7000-8000-00000000002a").unwrap();
        vec![
            Op::Set {
                at: stamp(1_700_000_000_000, 0),
                kind: RecordKind::Customer,
                id: id.clone(),
                field: "name".into(),
                value: json!("张三"),
            },
            Op::Set {
                at: stamp(1_700_000_000_000, 1),
                kind: RecordKind::Customer,
                id: id.clone(),
                field: "tags.VIP".into(),
                value: json!(true),
            },
            Op::Append {
                at: stamp(1_700_000_000_001, 0),
                id: Id::parse("imported-row-7").unwrap(),
                entry: RawEntry::from_value(
                    &json!({"type": "visit", "customer": id.as_str(), "on": "2026-01-02"}),
                ),
            },
            Op::Delete {
                at: stamp(1_700_000_000_002, 0),
                kind: RecordKind::Template,
                id: id.clone(),
            },
            Op::Erase {
                at: stamp(1_700_000_000_003, 0),
                kind: RecordKind::Customer,
                id: id.clone(),
            },
        ]
    }

    #[test]
    fn ops_and_payloads_round_trip() {
        let ops = sample();
        assert_eq!(decode_ops(&encode_ops(&ops)).unwrap(), ops);
        // Written in slices: the same bytes.
        for slice in 1..=ops.len() {
            let mut writer = OpsWriter::new(ops.len());
            for part in ops.chunks(slice) {
                writer.write(part);
            }
            assert_eq!(writer.finish(), encode_ops(&ops));
        }
        let payload = encode_payload(&ops);
        assert!(payload.starts_with(PAYLOAD_V1));
        assert_eq!(decode_payload(&payload).unwrap(), ops);
        let json = serde_json::to_string(&ops).unwrap();
        assert_eq!(
            decode_payload(&json).unwrap(),
            ops,
            "earlier versions' JSON"
        );
        assert!(decode_payload("hk9.AAAA").is_err());
    }

    #[test]
    fn what_this_version_cannot_read_is_kept_byte_for_byte() {
        let mut newer = Writer::new();
        newer.u8(9); // an op kind from the future
        encode_stamp(&mut newer, stamp(5, 6));
        newer.raw(b"whatever it carries");
        let mut unknown_kind = Writer::new();
        unknown_kind.u8(SET);
        encode_stamp(&mut unknown_kind, stamp(7, 0));
        unknown_kind.u8(200); // a record kind from the future
        unknown_kind.raw(b"rest");
        let mut trailing = Writer::new();
        encode_op(&mut trailing, &sample()[3]);
        trailing.raw(b"+more");
        let mut list = Writer::new();
        list.len_prefix(4);
        for bytes in [
            newer.as_bytes(),
            unknown_kind.as_bytes(),
            trailing.as_bytes(),
        ] {
            list.bytes(bytes);
        }
        let mut known = Writer::new();
        encode_op(&mut known, &sample()[0]);
        list.bytes(known.as_bytes());
        let ops = decode_ops(list.as_bytes()).unwrap();
        assert_eq!(ops.len(), 4);
        for (op, (bytes, at)) in ops.iter().zip([
            (newer.as_bytes(), stamp(5, 6)),
            (unknown_kind.as_bytes(), stamp(7, 0)),
            (trailing.as_bytes(), stamp(1_700_000_000_002, 0)),
        ]) {
            assert_eq!(
                op,
                &Op::Foreign(ForeignOp {
                    at,
                    bytes: bytes.to_vec()
                })
            );
        }
        assert_eq!(ops[3], sample()[0]);
        // Passed on unchanged.
        assert_eq!(encode_ops(&ops), list.into_bytes());
    }
}
