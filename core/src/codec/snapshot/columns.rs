//! The columnar blocks of a small image (`RECORDS2`, `ENTRIES2`; the format is described in
//! the module doc of [`super`]): values split into a shape and leaf columns, ids and stamps
//! coded against what the row already says.

use crate::book::{EntryRef, Packed, RecordState, Register};
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::value::{
    ARRAY, DATE, DATETIME, F64, FALSE, NINT, NULL, OBJECT, STR, TRUE, UINT, UUID, WORD,
    decode_value, encode_value, parse_uuid, push_uuid,
};
use crate::hlc::Hlc;
use crate::id::Id;
use crate::op::RecordKind;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Deepest nesting a shape may have (as deep as a value may be).
const MAX_DEPTH: u32 = 64;

/// The low 48 bits of a node id: what [`Id::from_stamp`] keeps of it.
const NODE48: u64 = 0xffff_ffff_ffff;

/// The root of the entries' shapes and columns (records' fields have one root per record kind
/// and field name, numbered from 1 as they first appear).
const ENTRY_ROOT: u32 = 0;

/// Shape codes: 0 = the value's bytes as they are (in the definitions stream), 1 = a new shape
/// (its bytes in the definitions stream), k ≥ 2 = the root's shape k - 2.
const OPAQUE: u64 = 0;
const NEW_SHAPE: u64 = 1;

/// Stamp codes (see the module doc of [`super`]).
const STAMP_PREDICTED: u8 = 0;
const STAMP_COUNTER: u8 = 1;
const STAMP_FULL: u8 = 2;

/// Id forms.
const ID_TEXT: u8 = 0;
const ID_STAMPED: u8 = 1;
const ID_UUID: u8 = 2;

/// UUID leaf codes (low two bits).
const REF_LITERAL: u64 = 0;
const REF_RECORD: u64 = 1;
const REF_ENTRY: u64 = 2;

/// The time a row's date and date-time leaves are written against: its id's time when the id
/// is a UUID, else the previous row's.
#[derive(Clone, Copy, Default)]
struct Row {
    ms: u64,
}

impl Row {
    fn seconds(self) -> i64 {
        (self.ms / 1000) as i64
    }

    fn days(self) -> i64 {
        (self.ms / 86_400_000) as i64
    }
}

/// What an id tells about its row.
#[derive(Clone, Copy, Default)]
struct IdInfo {
    uuid: Option<[u8; 16]>,
    /// Its time, if a UUID.
    ms: Option<u64>,
    /// Its counter and node's low 48 bits, if made by [`Id::from_stamp`].
    made: Option<(u32, u64)>,
}

fn uuid_ms(b: &[u8; 16]) -> u64 {
    u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

/// The counter and node bits of a UUID laid out as [`Id::from_stamp`] lays them out.
fn stamp_tail(b: &[u8; 16]) -> Option<(u32, u64)> {
    if b[6] >> 4 != 7 || b[8] >> 6 != 2 {
        return None;
    }
    let c = (u32::from(b[6] & 0x0f) << 22)
        | (u32::from(b[7]) << 14)
        | (u32::from(b[8] & 0x3f) << 8)
        | u32::from(b[9]);
    let node = u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]);
    Some((c, node))
}

fn stamped_uuid(ms: u64, c: u32, node: u64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6] = 0x70 | ((c >> 22) & 0x0f) as u8;
    b[7] = (c >> 14) as u8;
    b[8] = 0x80 | ((c >> 8) & 0x3f) as u8;
    b[9] = c as u8;
    b[10..].copy_from_slice(&node.to_be_bytes()[2..]);
    b
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// A varint written in its shortest form (the only form a shape can give back).
fn canonical_varint(r: &mut Reader<'_>) -> Option<u64> {
    let start = r.position();
    let v = r.varint().ok()?;
    (r.position() - start == varint_len(v)).then_some(v)
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

// ---- shapes ----

/// One leaf of a value being written: its tag and payload.
#[derive(Clone, Copy)]
struct Leaf {
    tag: u8,
    /// The number of an integer, date or date-time leaf, the index of a word.
    int: u64,
    /// Where the bytes of a text, UUID or float leaf are in the value.
    start: u32,
    end: u32,
}

/// Splits an encoded value into its shape (appended to `shape`) and leaves. False when the bytes
/// are not one value that the shape and leaves give back exactly (an unknown tag, a varint
/// not in its shortest form, bytes after the value, nesting too deep).
fn shred(raw: &[u8], shape: &mut Writer, leaves: &mut Vec<Leaf>) -> bool {
    leaves.clear();
    let mut r = Reader::new(raw);
    shred_value(raw, &mut r, shape, leaves, 0).is_some() && r.is_empty()
}

fn shred_value(
    raw: &[u8],
    r: &mut Reader<'_>,
    shape: &mut Writer,
    leaves: &mut Vec<Leaf>,
    depth: u32,
) -> Option<()> {
    let tag = r.u8().ok()?;
    shape.u8(tag);
    let mut leaf = Leaf {
        tag,
        int: 0,
        start: 0,
        end: 0,
    };
    match tag {
        NULL | FALSE | TRUE => return Some(()),
        UINT | NINT | DATE | DATETIME => leaf.int = canonical_varint(r)?,
        WORD => leaf.int = u64::from(r.u8().ok()?),
        F64 | UUID | STR => {
            let n = match tag {
                F64 => 8,
                UUID => 16,
                _ => usize::try_from(canonical_varint(r)?).ok()?,
            };
            leaf.start = u32::try_from(r.position()).ok()?;
            r.raw(n).ok()?;
            leaf.end = u32::try_from(r.position()).ok()?;
        }
        ARRAY | OBJECT => {
            if depth >= MAX_DEPTH {
                return None;
            }
            let n = canonical_varint(r)?;
            if n > r.remaining() as u64 {
                return None;
            }
            shape.varint(n);
            for _ in 0..n {
                if tag == OBJECT {
                    let start = r.position();
                    skip_key(r)?;
                    shape.raw(&raw[start..r.position()]);
                }
                shred_value(raw, r, shape, leaves, depth + 1)?;
            }
            return Some(());
        }
        _ => return None,
    }
    leaves.push(leaf);
    Some(())
}

/// Skips an object key (a string form, varints in their shortest form).
fn skip_key(r: &mut Reader<'_>) -> Option<()> {
    match r.u8().ok()? {
        STR => {
            let n = usize::try_from(canonical_varint(r)?).ok()?;
            r.raw(n).ok()?;
        }
        WORD => {
            r.u8().ok()?;
        }
        UUID => {
            r.raw(16).ok()?;
        }
        DATE | DATETIME => {
            canonical_varint(r)?;
        }
        _ => return None,
    }
    Some(())
}

/// A step of rebuilding a value from its shape.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Bytes of the shape, as they are.
    Lit(u32, u32),
    /// A leaf with this tag, from this column.
    Leaf(u8, u32),
}

/// A shape compiled into steps.
struct Shape {
    bytes: Box<[u8]>,
    steps: Box<[Step]>,
}

impl Shape {
    fn columns(&self) -> Box<[u32]> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Leaf(_, col) => Some(*col),
                Step::Lit(..) => None,
            })
            .collect()
    }
}

/// Leaf paths (a root and the keys down to the leaf, array items as one) and their column
/// numbers, given in order of first appearance.
#[derive(Default)]
struct Paths {
    ids: FxHashMap<Box<[u8]>, u32>,
}

impl Paths {
    fn id(&mut self, path: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(path.into(), id);
        id
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Compiles a shape (the bytes of a value without its leaves' payloads) under `root`.
fn compile(root: u32, bytes: &[u8], paths: &mut Paths) -> Result<Shape, DecodeError> {
    let mut r = Reader::new(bytes);
    let mut path = Writer::new();
    path.varint(u64::from(root));
    let mut steps = Vec::new();
    let mut from = 0usize;
    compile_value(bytes, &mut r, &mut path, &mut steps, &mut from, paths, 0)?;
    if !r.is_empty() {
        return Err(r.error("bytes after a shape"));
    }
    if from < bytes.len() {
        steps.push(Step::Lit(from as u32, bytes.len() as u32));
    }
    Ok(Shape {
        bytes: bytes.into(),
        steps: steps.into(),
    })
}

fn compile_value(
    bytes: &[u8],
    r: &mut Reader<'_>,
    path: &mut Writer,
    steps: &mut Vec<Step>,
    from: &mut usize,
    paths: &mut Paths,
    depth: u32,
) -> Result<(), DecodeError> {
    let tag = r.u8()?;
    match tag {
        NULL | FALSE | TRUE => {}
        UINT | NINT | F64 | STR | WORD | UUID | DATE | DATETIME => {
            let end = r.position();
            steps.push(Step::Lit(*from as u32, end as u32));
            *from = end;
            steps.push(Step::Leaf(tag, paths.id(path.as_bytes())));
        }
        ARRAY | OBJECT => {
            if depth >= MAX_DEPTH {
                return Err(r.error("shape nested too deeply"));
            }
            let n = r.len_prefix()?;
            let len = path.len();
            for _ in 0..n {
                if tag == OBJECT {
                    let start = r.position();
                    skip_key(r).ok_or_else(|| r.error("a shape's key is not a string"))?;
                    path.raw(&bytes[start..r.position()]);
                } else {
                    // Not a tag: array items share one path.
                    path.u8(0xff);
                }
                compile_value(bytes, r, path, steps, from, paths, depth + 1)?;
                path.truncate(len);
            }
        }
        _ => {
            return Err(r.error(
                "unknown value tag in a shape (written by a newer version)",
            ));
        }
    }
    Ok(())
}

// ---- writing ----

/// A leaf column being written.
#[derive(Default)]
struct ColumnW {
    out: Writer,
    texts: FxHashMap<Box<[u8]>, u32>,
}

/// A shape known to the writer.
struct ShapeW {
    /// Its code within its root (without the offset of [`NEW_SHAPE`]).
    code: u32,
    columns: Box<[u32]>,
}

/// The streams of one block.
#[derive(Default)]
struct Streams {
    heads: Writer,
    names: Writer,
    ids: Writer,
    stamps: Writer,
    shapes: Writer,
    defs: Writer,
}

/// What a small image's writer carries from block to block.
#[derive(Default)]
pub(super) struct ColumnWriter {
    /// Node ids by index, and the full node id last given an index for each low 48 bits.
    nodes: FxHashMap<u64, u32>,
    full_nodes: FxHashMap<u64, u64>,
    /// The 48-bit nodes of stamped ids, by index.
    tails: FxHashMap<u64, u32>,
    last_id_ms: u64,
    last_stamp: Hlc,
    row: Row,
    paths: Paths,
    columns: Vec<ColumnW>,
    touched: Vec<u32>,
    /// Shapes by root and bytes (the key is the root's varint, then the shape).
    shapes: FxHashMap<Box<[u8]>, u32>,
    shape_list: Vec<ShapeW>,
    /// Number of shapes per root.
    root_shapes: Vec<u32>,
    /// Roots of records' fields by kind and set name, and by kind and name index.
    roots: FxHashMap<(u8, Box<str>), u32>,
    name_roots: FxHashMap<(u8, u32), u32>,
    names: FxHashMap<Box<str>, u32>,
    records: FxHashMap<[u8; 16], u32>,
    record_count: u32,
    entries: FxHashMap<[u8; 16], u32>,
    entry_count: u32,
    shape: Writer,
    leaves: Vec<Leaf>,
    value: Writer,
    /// Where each stream of the last block ends in its body.
    pub(super) cuts: Vec<usize>,
}

impl ColumnWriter {
    pub(super) fn new() -> ColumnWriter {
        ColumnWriter {
            root_shapes: vec![0],
            ..ColumnWriter::default()
        }
    }

    /// An entries block's body.
    pub(super) fn entries(&mut self, block: &[EntryRef<'_>]) -> Writer {
        let mut s = Streams::default();
        for e in block {
            let info = self.write_id(&mut s.ids, e.id);
            self.set_row(&info);
            let predicted = self.predict(&info);
            self.write_stamp(&mut s.stamps, e.at, predicted);
            self.write_value(ENTRY_ROOT, e.raw, &mut s);
            if let Some(b) = info.uuid {
                self.entries.insert(b, self.entry_count);
            }
            self.entry_count += 1;
        }
        let mut body = Writer::new();
        body.len_prefix(block.len());
        self.finish_block(&mut body, &s, false);
        body
    }

    /// A records block's body.
    pub(super) fn records(&mut self, block: &[(&(RecordKind, Id), &RecordState)]) -> Writer {
        let mut s = Streams::default();
        for ((kind, id), state) in block {
            let kind = kind.code();
            s.heads.u8(kind);
            s.heads
                .len_prefix(state.fields.len() * 2 + usize::from(state.deleted.is_some()));
            let info = self.write_id(&mut s.ids, id.as_str());
            self.set_row(&info);
            let first = self.predict(&info);
            if let Some(at) = state.deleted {
                self.write_stamp(&mut s.stamps, at, first);
            }
            let mut predicted = first;
            for (name, reg) in &state.fields {
                let index = match self.names.get(name.as_str()) {
                    Some(&k) => {
                        s.names.varint(u64::from(k) + 1);
                        k
                    }
                    None => {
                        s.names.varint(0);
                        s.names.bytes(name.as_bytes());
                        let k = self.names.len() as u32;
                        self.names.insert(name.as_str().into(), k);
                        k
                    }
                };
                let root = self.root(kind, index, name);
                self.write_stamp(&mut s.stamps, reg.at, predicted);
                predicted = next_stamp(reg.at);
                let mut value = std::mem::take(&mut self.value);
                value.clear();
                encode_value(&mut value, &reg.value);
                self.write_value(root, value.as_bytes(), &mut s);
                self.value = value;
            }
            if let Some(b) = info.uuid {
                self.records.insert(b, self.record_count);
            }
            self.record_count += 1;
        }
        let mut body = Writer::new();
        body.len_prefix(block.len());
        self.finish_block(&mut body, &s, true);
        body
    }

    fn root(&mut self, kind: u8, name_index: u32, name: &str) -> u32 {
        if let Some(&root) = self.name_roots.get(&(kind, name_index)) {
            return root;
        }
        let set = name.split_once('.').map_or(name, |(set, _)| set);
        let next = self.roots.len() as u32 + 1;
        let root = *self.roots.entry((kind, set.into())).or_insert(next);
        if root == next {
            self.root_shapes.push(0);
        }
        self.name_roots.insert((kind, name_index), root);
        root
    }

    fn finish_block(&mut self, body: &mut Writer, s: &Streams, records: bool) {
        if std::env::var_os("SNAP_STATS").is_some() {
            let tag = if records { "R" } else { "E" };
            for (name, w) in [("heads", &s.heads), ("names", &s.names), ("ids", &s.ids), ("stamps", &s.stamps), ("shapes", &s.shapes), ("defs", &s.defs)] {
                stats::add(format!("{tag} {name}"), w.as_bytes());
            }
            let names: FxHashMap<u32, &Box<[u8]>> = self.paths.ids.iter().map(|(k, v)| (*v, k)).collect();
            for &col in &self.touched {
                let p = names[&col];
                let mut r = Reader::new(p);
                let root = r.varint().unwrap();
                let mut label = format!("{root}");
                while !r.is_empty() {
                    if r.peek() == Some(0xff) { r.u8().unwrap(); label.push_str("[]"); continue; }
                    label.push('.');
                    label.push_str(&crate::codec::value::decode_str(&mut r).unwrap());
                }
                let rootname = self.roots.iter().find(|(_, v)| u64::from(**v) == root).map(|(k, _)| format!("{}:{}", k.0, k.1)).unwrap_or_default();
                stats::add(format!("{tag} col {rootname} {label}"), self.columns[col as usize].out.as_bytes());
            }
        }
        if records {
            body.bytes(s.heads.as_bytes());
            body.bytes(s.names.as_bytes());
        }
        self.cuts.clear();
        for stream in [&s.ids, &s.stamps, &s.shapes, &s.defs] {
            body.bytes(stream.as_bytes());
            self.cuts.push(body.len());
        }
        self.touched.sort_unstable();
        body.len_prefix(self.touched.len());
        let mut next = 0;
        for &col in &self.touched {
            body.varint(u64::from(col - next));
            next = col + 1;
            let column = &mut self.columns[col as usize];
            body.bytes(column.out.as_bytes());
            self.cuts.push(body.len());
            column.out.clear();
        }
        self.touched.clear();
    }

    fn write_id(&mut self, w: &mut Writer, id: &str) -> IdInfo {
        let Some(b) = parse_uuid(id) else {
            w.u8(ID_TEXT);
            w.bytes(id.as_bytes());
            return IdInfo::default();
        };
        let ms = uuid_ms(&b);
        let made = stamp_tail(&b);
        w.u8(if made.is_some() { ID_STAMPED } else { ID_UUID });
        w.zigzag(ms.wrapping_sub(self.last_id_ms) as i64);
        self.last_id_ms = ms;
        match made {
            Some((c, node)) => {
                w.varint(u64::from(c));
                let next = self.tails.len() as u32;
                let index = *self.tails.entry(node).or_insert(next);
                w.varint(u64::from(index));
                if index == next {
                    w.raw(&node.to_be_bytes()[2..]);
                }
            }
            None => w.raw(&b[6..]),
        }
        IdInfo {
            uuid: Some(b),
            ms: Some(ms),
            made,
        }
    }

    fn set_row(&mut self, info: &IdInfo) {
        if let Some(ms) = info.ms {
            self.row = Row { ms };
        }
    }

    /// The stamp a row's id suggests (its time, counter and node), else the last stamp.
    fn predict(&self, info: &IdInfo) -> Hlc {
        match (info.ms, info.made) {
            (Some(ms), Some((c, node))) => Hlc {
                ms,
                c,
                n: self.full_nodes.get(&node).copied().unwrap_or(node),
            },
            _ => self.last_stamp,
        }
    }

    fn write_stamp(&mut self, w: &mut Writer, at: Hlc, predicted: Hlc) {
        self.last_stamp = at;
        if at == predicted {
            w.u8(STAMP_PREDICTED);
        } else if at.ms == predicted.ms && at.n == predicted.n {
            w.u8(STAMP_COUNTER);
            w.varint(u64::from(at.c));
        } else {
            w.u8(STAMP_FULL);
            w.zigzag(at.ms.wrapping_sub(predicted.ms) as i64);
            w.varint(u64::from(at.c));
            let next = self.nodes.len() as u32;
            let index = *self.nodes.entry(at.n).or_insert(next);
            w.varint(u64::from(index));
            if index == next {
                w.u64_le(at.n);
                self.full_nodes.insert(at.n & NODE48, at.n);
            }
        }
    }

    /// Writes the value `raw` (encoded) under `root`: its shape's code, and its leaves into
    /// their columns.
    fn write_value(&mut self, root: u32, raw: &[u8], s: &mut Streams) {
        self.shape.clear();
        self.shape.varint(u64::from(root));
        let prefix = self.shape.len();
        if !shred(raw, &mut self.shape, &mut self.leaves) {
            s.shapes.varint(OPAQUE);
            s.defs.bytes(raw);
            return;
        }
        let index = match self.shapes.get(self.shape.as_bytes()) {
            Some(&i) => {
                s.shapes
                    .varint(u64::from(self.shape_list[i as usize].code) + NEW_SHAPE + 1);
                i
            }
            None => {
                let bytes = &self.shape.as_bytes()[prefix..];
                let shape = compile(root, bytes, &mut self.paths).expect("a shape just made");
                s.shapes.varint(NEW_SHAPE);
                s.defs.bytes(bytes);
                while self.columns.len() < self.paths.len() {
                    self.columns.push(ColumnW::default());
                }
                let count = &mut self.root_shapes[root as usize];
                let i = self.shape_list.len() as u32;
                self.shape_list.push(ShapeW {
                    code: *count,
                    columns: shape.columns(),
                });
                *count += 1;
                self.shapes.insert(self.shape.as_bytes().into(), i);
                i
            }
        };
        let columns = &self.shape_list[index as usize].columns;
        let row = self.row;
        for (leaf, &col) in self.leaves.iter().zip(columns.iter()) {
            let column = &mut self.columns[col as usize];
            if column.out.is_empty() {
                self.touched.push(col);
            }
            let out = &mut column.out;
            let bytes = &raw[leaf.start as usize..leaf.end as usize];
            match leaf.tag {
                UINT | NINT => out.varint(leaf.int),
                WORD => out.u8(leaf.int as u8),
                F64 => out.raw(bytes),
                DATE => out.zigzag(unzigzag(leaf.int).wrapping_sub(row.days())),
                DATETIME => out.zigzag(unzigzag(leaf.int).wrapping_sub(row.seconds())),
                STR => match column.texts.get(bytes) {
                    Some(&k) => out.varint(u64::from(k) + 1),
                    None => {
                        out.varint(0);
                        out.bytes(bytes);
                        let k = column.texts.len() as u32;
                        column.texts.insert(bytes.into(), k);
                    }
                },
                _ => {
                    let b: [u8; 16] = bytes.try_into().expect("a UUID's 16 bytes");
                    if let Some(&k) = self.records.get(&b) {
                        out.varint((u64::from(k) << 2) | REF_RECORD);
                    } else if let Some(&k) = self.entries.get(&b) {
                        let back = self.entry_count - 1 - k;
                        out.varint((u64::from(back) << 2) | REF_ENTRY);
                    } else {
                        out.varint(REF_LITERAL);
                        out.raw(&b);
                    }
                }
            }
        }
    }
}

/// The stamp that follows `at` in one edit (the next field written by the same tick run).
fn next_stamp(at: Hlc) -> Hlc {
    Hlc {
        c: at.c.wrapping_add(1),
        ..at
    }
}

// ---- reading ----

/// The streams of one block being read.
struct StreamsR<'a> {
    heads: Reader<'a>,
    names: Reader<'a>,
    ids: Reader<'a>,
    stamps: Reader<'a>,
    shapes: Reader<'a>,
    defs: Reader<'a>,
    columns: Vec<Reader<'a>>,
}

impl<'a> StreamsR<'a> {
    fn read(r: &mut Reader<'a>, records: bool, known_paths: usize) -> Result<Self, DecodeError> {
        let empty = Reader::new(&[]);
        let (heads, names) = if records {
            (Reader::new(r.bytes()?), Reader::new(r.bytes()?))
        } else {
            (empty.clone(), empty.clone())
        };
        let ids = Reader::new(r.bytes()?);
        let stamps = Reader::new(r.bytes()?);
        let shapes = Reader::new(r.bytes()?);
        let defs = Reader::new(r.bytes()?);
        // Every column is a known path or one a new shape of this block adds (at least a byte
        // of its definition each).
        let limit = known_paths as u64 + defs.remaining() as u64;
        let n = r.len_prefix()?;
        let mut columns = Vec::new();
        let mut next = 0u64;
        for _ in 0..n {
            let col = next
                .checked_add(r.varint()?)
                .filter(|&c| c < limit)
                .ok_or_else(|| r.error("column number out of range"))?;
            next = col + 1;
            columns.resize(col as usize, empty.clone());
            columns.push(Reader::new(r.bytes()?));
        }
        Ok(StreamsR {
            heads,
            names,
            ids,
            stamps,
            shapes,
            defs,
            columns,
        })
    }

    fn check_all_read(&self, r: &Reader<'_>) -> Result<(), DecodeError> {
        let streams = [
            &self.heads,
            &self.names,
            &self.ids,
            &self.stamps,
            &self.shapes,
            &self.defs,
        ];
        if streams.iter().all(|s| s.is_empty()) && self.columns.iter().all(Reader::is_empty) {
            Ok(())
        } else {
            Err(r.error("a block's columns hold more than its rows"))
        }
    }
}

#[derive(Default)]
struct ColumnR {
    texts: Vec<Box<[u8]>>,
}

/// What a small image's reader carries from block to block (the mirror of [`ColumnWriter`]).
#[derive(Default)]
pub(super) struct ColumnReader {
    nodes: Vec<u64>,
    full_nodes: FxHashMap<u64, u64>,
    tails: Vec<u64>,
    last_id_ms: u64,
    last_stamp: Hlc,
    row: Row,
    paths: Paths,
    columns: Vec<ColumnR>,
    /// Shapes per root.
    shapes: Vec<Vec<Shape>>,
    roots: FxHashMap<(u8, Box<str>), u32>,
    name_roots: FxHashMap<(u8, u32), u32>,
    names: Vec<Box<str>>,
    records: Vec<Option<[u8; 16]>>,
    entries: Vec<Option<[u8; 16]>>,
    value: Writer,
    id: String,
}

impl ColumnReader {
    pub(super) fn new() -> ColumnReader {
        ColumnReader {
            shapes: vec![Vec::new()],
            ..ColumnReader::default()
        }
    }

    /// Reads an entries block's body into `packed`.
    pub(super) fn entries(
        &mut self,
        r: &mut Reader<'_>,
        packed: &mut Packed,
    ) -> Result<(), DecodeError> {
        let n = r.len_prefix()?;
        let mut s = StreamsR::read(r, false, self.paths.len())?;
        let mut id = std::mem::take(&mut self.id);
        for _ in 0..n {
            let info = self.read_id(&mut s.ids, &mut id)?;
            self.set_row(&info);
            let predicted = self.predict(&info);
            let at = self.read_stamp(&mut s.stamps, predicted)?;
            self.read_value(ENTRY_ROOT, &mut s)?;
            if packed.len() > 0 && packed.last_id() >= id.as_str() {
                return Err(s.ids.error("entries out of id order"));
            }
            packed.push(&id, at, self.value.as_bytes());
            self.entries.push(info.uuid);
        }
        self.id = id;
        s.check_all_read(r)
    }

    /// Reads a records block's body into `records`.
    pub(super) fn records(
        &mut self,
        r: &mut Reader<'_>,
        records: &mut BTreeMap<(RecordKind, Id), RecordState>,
    ) -> Result<(), DecodeError> {
        let n = r.len_prefix()?;
        let mut s = StreamsR::read(r, true, self.paths.len())?;
        let mut text = std::mem::take(&mut self.id);
        for _ in 0..n {
            let code = s.heads.u8()?;
            let kind = RecordKind::from_code(code)
                .ok_or_else(|| s.heads.error("unknown record kind (written by a newer version)"))?;
            let head = s.heads.varint()?;
            let fields = head >> 1;
            if fields > s.names.remaining() as u64 {
                return Err(s.heads.error("more fields than names"));
            }
            let info = self.read_id(&mut s.ids, &mut text)?;
            let id = match info.uuid {
                Some(_) => Id::trusted(&text),
                None => Id::parse(&text).map_err(|e| DecodeError::new(e.to_string(), 0))?,
            };
            self.set_row(&info);
            let first = self.predict(&info);
            let deleted = match head & 1 {
                1 => Some(self.read_stamp(&mut s.stamps, first)?),
                _ => None,
            };
            let mut state = RecordState {
                fields: BTreeMap::new(),
                deleted,
            };
            let mut predicted = first;
            for _ in 0..fields {
                let index = match s.names.varint()? {
                    0 => {
                        let name = std::str::from_utf8(s.names.bytes()?)
                            .map_err(|_| s.names.error("field name is not UTF-8"))?;
                        self.names.push(name.into());
                        self.names.len() - 1
                    }
                    k => usize::try_from(k - 1)
                        .ok()
                        .filter(|&k| k < self.names.len())
                        .ok_or_else(|| s.names.error("unknown field name"))?,
                };
                let root = self.root(code, index as u32);
                let at = self.read_stamp(&mut s.stamps, predicted)?;
                predicted = next_stamp(at);
                self.read_value(root, &mut s)?;
                let mut vr = Reader::new(self.value.as_bytes());
                let value = decode_value(&mut vr)?;
                if !vr.is_empty() {
                    return Err(vr.error("bytes after a field's value"));
                }
                state
                    .fields
                    .insert(self.names[index].to_string(), Register { at, value });
            }
            records.insert((kind, id), state);
            self.records.push(info.uuid);
        }
        self.id = text;
        s.check_all_read(r)
    }

    fn root(&mut self, kind: u8, name_index: u32) -> u32 {
        if let Some(&root) = self.name_roots.get(&(kind, name_index)) {
            return root;
        }
        let name = &self.names[name_index as usize];
        let set = name.split_once('.').map_or(&**name, |(set, _)| set);
        let next = self.roots.len() as u32 + 1;
        let root = *self.roots.entry((kind, set.into())).or_insert(next);
        if root == next {
            self.shapes.push(Vec::new());
        }
        self.name_roots.insert((kind, name_index), root);
        root
    }

    fn read_id(&mut self, r: &mut Reader<'_>, text: &mut String) -> Result<IdInfo, DecodeError> {
        text.clear();
        let form = r.u8()?;
        if form == ID_TEXT {
            let bytes = r.bytes()?;
            text.push_str(std::str::from_utf8(bytes).map_err(|_| r.error("id is not UTF-8"))?);
            return Ok(IdInfo::default());
        }
        let ms = self.last_id_ms.wrapping_add(r.zigzag()? as u64);
        self.last_id_ms = ms;
        let (b, made) = match form {
            ID_STAMPED => {
                let c = u32::try_from(r.varint()?)
                    .ok()
                    .filter(|&c| c < 1 << 26)
                    .ok_or_else(|| r.error("id counter beyond 26 bits"))?;
                let index = r.varint()?;
                let node = match usize::try_from(index) {
                    Ok(i) if i < self.tails.len() => self.tails[i],
                    Ok(i) if i == self.tails.len() => {
                        let mut b = [0u8; 8];
                        b[2..].copy_from_slice(r.raw(6)?);
                        let node = u64::from_be_bytes(b);
                        self.tails.push(node);
                        node
                    }
                    _ => return Err(r.error("unknown id node")),
                };
                (stamped_uuid(ms, c, node), Some((c, node)))
            }
            ID_UUID => {
                let mut b = [0u8; 16];
                b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
                b[6..].copy_from_slice(r.raw(10)?);
                (b, None)
            }
            _ => return Err(r.error("unknown id form (written by a newer version)")),
        };
        push_uuid(text, &b);
        Ok(IdInfo {
            uuid: Some(b),
            ms: Some(ms),
            made,
        })
    }

    fn set_row(&mut self, info: &IdInfo) {
        if let Some(ms) = info.ms {
            self.row = Row { ms };
        }
    }

    fn predict(&self, info: &IdInfo) -> Hlc {
        match (info.ms, info.made) {
            (Some(ms), Some((c, node))) => Hlc {
                ms,
                c,
                n: self.full_nodes.get(&node).copied().unwrap_or(node),
            },
            _ => self.last_stamp,
        }
    }

    fn read_stamp(&mut self, r: &mut Reader<'_>, predicted: Hlc) -> Result<Hlc, DecodeError> {
        let at = match r.u8()? {
            STAMP_PREDICTED => predicted,
            STAMP_COUNTER => Hlc {
                c: u32::try_from(r.varint()?).map_err(|_| r.error("counter beyond 32 bits"))?,
                ..predicted
            },
            STAMP_FULL => {
                let ms = predicted.ms.wrapping_add(r.zigzag()? as u64);
                let c =
                    u32::try_from(r.varint()?).map_err(|_| r.error("counter beyond 32 bits"))?;
                let index = r.varint()?;
                let n = match usize::try_from(index) {
                    Ok(i) if i < self.nodes.len() => self.nodes[i],
                    Ok(i) if i == self.nodes.len() => {
                        let n = r.u64_le()?;
                        self.nodes.push(n);
                        self.full_nodes.insert(n & NODE48, n);
                        n
                    }
                    _ => return Err(r.error("unknown node index")),
                };
                Hlc { ms, c, n }
            }
            _ => return Err(r.error("unknown stamp code (written by a newer version)")),
        };
        self.last_stamp = at;
        Ok(at)
    }

    /// Rebuilds the next value under `root` into `self.value`.
    fn read_value(&mut self, root: u32, s: &mut StreamsR<'_>) -> Result<(), DecodeError> {
        let ColumnReader {
            paths,
            columns,
            shapes,
            records,
            entries,
            value,
            row,
            ..
        } = self;
        value.clear();
        let shapes = &mut shapes[root as usize];
        let shape = match s.shapes.varint()? {
            OPAQUE => {
                value.raw(s.defs.bytes()?);
                return Ok(());
            }
            NEW_SHAPE => {
                let shape = compile(root, s.defs.bytes()?, paths)?;
                columns.resize_with(paths.len(), ColumnR::default);
                shapes.push(shape);
                shapes.last().expect("just pushed")
            }
            k => usize::try_from(k - NEW_SHAPE - 1)
                .ok()
                .and_then(|k| shapes.get(k))
                .ok_or_else(|| s.shapes.error("unknown shape"))?,
        };
        for step in shape.steps.iter() {
            match *step {
                Step::Lit(from, to) => value.raw(&shape.bytes[from as usize..to as usize]),
                Step::Leaf(tag, col) => {
                    let r = s
                        .columns
                        .get_mut(col as usize)
                        .ok_or_else(|| s.shapes.error("a leaf's column is missing"))?;
                    match tag {
                        UINT | NINT => value.varint(r.varint()?),
                        WORD => value.u8(r.u8()?),
                        F64 => value.raw(r.raw(8)?),
                        DATE => value.zigzag(r.zigzag()?.wrapping_add(row.days())),
                        DATETIME => value.zigzag(r.zigzag()?.wrapping_add(row.seconds())),
                        STR => {
                            let texts = &mut columns[col as usize].texts;
                            let text: &[u8] = match r.varint()? {
                                0 => {
                                    texts.push(r.bytes()?.into());
                                    texts.last().expect("just pushed")
                                }
                                k => usize::try_from(k - 1)
                                    .ok()
                                    .and_then(|k| texts.get(k))
                                    .ok_or_else(|| r.error("unknown text"))?,
                            };
                            value.bytes(text);
                        }
                        _ => {
                            let code = r.varint()?;
                            let found = match code & 3 {
                                REF_LITERAL if code == REF_LITERAL => {
                                    Some(r.raw(16)?.try_into().expect("16 bytes"))
                                }
                                REF_RECORD => usize::try_from(code >> 2)
                                    .ok()
                                    .and_then(|k| records.get(k).copied().flatten()),
                                REF_ENTRY => usize::try_from(code >> 2)
                                    .ok()
                                    .and_then(|back| entries.len().checked_sub(back.checked_add(1)?))
                                    .and_then(|k| entries[k]),
                                _ => None,
                            };
                            let b: [u8; 16] =
                                found.ok_or_else(|| r.error("unknown UUID reference"))?;
                            value.raw(&b);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

pub mod stats {
    use std::sync::Mutex;
    static STATS: Mutex<Vec<(String, usize, usize)>> = Mutex::new(Vec::new());
    pub fn add(name: String, bytes: &[u8]) {
        let c = miniz_oxide::deflate::compress_to_vec(bytes, 9).len();
        let mut s = STATS.lock().unwrap();
        match s.iter_mut().find(|e| e.0 == name) {
            Some(e) => { e.1 += bytes.len(); e.2 += c; }
            None => s.push((name, bytes.len(), c)),
        }
    }
    pub fn dump() {
        let mut s = STATS.lock().unwrap();
        s.sort_by_key(|e| std::cmp::Reverse(e.2));
        let total: usize = s.iter().map(|e| e.2).sum();
        eprintln!("total separately compressed {total}");
        for e in s.iter() { eprintln!("{:>10} {:>10}  {}", e.1, e.2, e.0); }
        s.clear();
    }
}
