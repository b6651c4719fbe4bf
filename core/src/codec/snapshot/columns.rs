//! The columnar blocks of a small image (`RECORDS2`, `ENTRIES2`; the format is described in
//! the module doc of [`super`]): values split into a shape and leaf columns, each column coded
//! in the mode that suits it in that block, ids and stamps coded against what the row already
//! says.

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

/// Stamp codes.
const STAMP_PREDICTED: u8 = 0;
const STAMP_COUNTER: u8 = 1;
const STAMP_FULL: u8 = 2;

/// Id forms.
const ID_TEXT: u8 = 0;
const ID_STAMPED: u8 = 1;
const ID_UUID: u8 = 2;

/// UUID leaf codes: the kind plus three times the number's high part (its low byte is data).
const REF_LITERAL: u64 = 0;
const REF_RECORD: u64 = 1;
const REF_ENTRY: u64 = 2;

/// Column modes.
const MODE_PLAIN: u8 = 0;
const MODE_CONTEXT: u8 = 1;
const MODE_SUM: u8 = 2;

/// The contexts "which shape the value has" and "which device stamped it" (in place of a
/// column).
const SHAPE_CONTEXT: u32 = u32::MAX;
const NODE_CONTEXT: u32 = u32::MAX - 1;

/// Most passes over a value's leaves (a chain of columns coded against each other is at most
/// this long).
const MAX_PASS: u8 = 4;

/// The streams every block has, in order (a records block uses them all, an entries block all
/// but the first two).
const HEADS: usize = 0;
const NAMES: usize = 1;
const FORMS: usize = 2;
const SECONDS: usize = 3;
const SECONDS_LOW: usize = 4;
const MILLIS: usize = 5;
const COUNTERS: usize = 6;
const TAILS: usize = 7;
const STAMPS: usize = 8;
const SHAPES: usize = 9;
const DEFS: usize = 10;
const STREAMS: usize = 11;

/// The context value of a leaf whose value has no leaf of the context column beside it.
const NO_CONTEXT: u128 = u128::MAX;

/// Values remembered per context.
const MRU: usize = 8;

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

/// The stamps written so far, from which the next row's stamp is predicted; the writer and
/// the reader keep the same one.
#[derive(Default)]
struct Stamps {
    /// Node ids by number, in the order first written.
    nodes: Vec<u64>,
    /// The number of the node last added for each low 48 bits.
    full_nodes: FxHashMap<u64, u32>,
    last: Hlc,
    row: Row,
}

impl Stamps {
    /// Starts a row whose id tells `info`: its time becomes the row's (when it has one), and
    /// the stamp its id suggests (its time, counter and node) is returned, else the last
    /// stamp.
    fn start_row(&mut self, info: &IdInfo) -> Hlc {
        if let Some(ms) = info.ms {
            self.row = Row { ms };
        }
        match (info.ms, info.made) {
            (Some(ms), Some((c, node))) => Hlc {
                ms,
                c,
                n: match self.full_nodes.get(&node) {
                    Some(&i) => self.nodes[i as usize],
                    None => node,
                },
            },
            _ => self.last,
        }
    }

    /// Numbers a node written in full.
    fn add_node(&mut self, n: u64) {
        self.full_nodes.insert(n & NODE48, self.nodes.len() as u32);
        self.nodes.push(n);
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

/// Two numbers as one map key.
fn pair(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// An integer leaf's number (0 for a leaf of another kind).
fn signed(tag: u8, v: u128) -> i128 {
    match tag {
        UINT => v as i128,
        NINT => -(v as i128) - 1,
        _ => 0,
    }
}

/// The stamp that follows `at` in one edit (the next field written by the same run of ticks).
fn next_stamp(at: Hlc) -> Hlc {
    Hlc {
        c: at.c.wrapping_add(1),
        ..at
    }
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
    /// The payload of a leaf (by its number in the shape).
    Leaf(u32),
}

/// A shape compiled: how to rebuild a value, and where its leaves go.
struct Shape {
    /// Its code within its root.
    code: u32,
    bytes: Box<[u8]>,
    steps: Box<[Step]>,
    /// Per leaf: its tag, its column, and the object holding it (leaves of one object are
    /// siblings; a leaf not directly in an object has none).
    tags: Box<[u8]>,
    columns: Box<[u32]>,
    parents: Box<[u32]>,
    /// The leaf of a column among the leaves of an object (keyed by [`pair`]).
    siblings: FxHashMap<u64, u32>,
}

impl Shape {
    /// The value of the leaf beside leaf `i` in column `col` (the shape's code for
    /// [`SHAPE_CONTEXT`]), among the values `vals` of this shape's leaves.
    fn context(&self, i: usize, col: u32, vals: &[u128], node: u64) -> u128 {
        match col {
            SHAPE_CONTEXT => u128::from(self.code),
            NODE_CONTEXT => u128::from(node),
            _ => match self.siblings.get(&pair(self.parents[i], col)) {
                Some(&j) => vals[j as usize],
                None => NO_CONTEXT,
            },
        }
    }

    /// The sum of the integer leaves of column `col`.
    fn sum(&self, col: u32, vals: &[u128]) -> i128 {
        let mut sum = 0i128;
        for (j, &c) in self.columns.iter().enumerate() {
            if c == col {
                sum = sum.wrapping_add(signed(self.tags[j], vals[j]));
            }
        }
        sum
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

/// Walks a shape while compiling it.
struct Compiler<'a, 'p> {
    bytes: &'a [u8],
    paths: &'p mut Paths,
    path: Writer,
    steps: Vec<Step>,
    tags: Vec<u8>,
    columns: Vec<u32>,
    parents: Vec<u32>,
    objects: u32,
    from: usize,
}

/// Compiles a shape (the bytes of a value without its leaves' payloads) under `root`.
fn compile(root: u32, code: u32, bytes: &[u8], paths: &mut Paths) -> Result<Shape, DecodeError> {
    let mut c = Compiler {
        bytes,
        paths,
        path: Writer::new(),
        steps: Vec::new(),
        tags: Vec::new(),
        columns: Vec::new(),
        parents: Vec::new(),
        objects: 0,
        from: 0,
    };
    c.path.varint(u64::from(root));
    let mut r = Reader::new(bytes);
    c.value(&mut r, None, 0)?;
    if !r.is_empty() {
        return Err(r.error("bytes after a shape"));
    }
    if c.from < bytes.len() {
        c.steps.push(Step::Lit(c.from as u32, bytes.len() as u32));
    }
    let mut siblings = FxHashMap::default();
    for (i, (&parent, &col)) in c.parents.iter().zip(&c.columns).enumerate() {
        siblings.entry(pair(parent, col)).or_insert(i as u32);
    }
    Ok(Shape {
        code,
        bytes: bytes.into(),
        steps: c.steps.into(),
        tags: c.tags.into(),
        columns: c.columns.into(),
        parents: c.parents.into(),
        siblings,
    })
}

impl Compiler<'_, '_> {
    fn object(&mut self) -> u32 {
        self.objects += 1;
        self.objects - 1
    }

    fn value(
        &mut self,
        r: &mut Reader<'_>,
        parent: Option<u32>,
        depth: u32,
    ) -> Result<(), DecodeError> {
        let tag = r.u8()?;
        match tag {
            NULL | FALSE | TRUE => {}
            UINT | NINT | F64 | STR | WORD | UUID | DATE | DATETIME => {
                let end = r.position();
                self.steps.push(Step::Lit(self.from as u32, end as u32));
                self.from = end;
                self.steps.push(Step::Leaf(self.tags.len() as u32));
                self.tags.push(tag);
                self.columns.push(self.paths.id(self.path.as_bytes()));
                // A leaf not directly in an object is an object of its own (no siblings).
                let parent = match parent {
                    Some(p) => p,
                    None => self.object(),
                };
                self.parents.push(parent);
            }
            ARRAY | OBJECT => {
                if depth >= MAX_DEPTH {
                    return Err(r.error("shape nested too deeply"));
                }
                let n = r.len_prefix()?;
                let len = self.path.len();
                let object = (tag == OBJECT).then(|| self.object());
                for _ in 0..n {
                    if tag == OBJECT {
                        let start = r.position();
                        skip_key(r).ok_or_else(|| r.error("a shape's key is not a string"))?;
                        self.path.raw(&self.bytes[start..r.position()]);
                    } else {
                        // Not a tag: array items share one path.
                        self.path.u8(0xff);
                    }
                    self.value(r, object, depth + 1)?;
                    self.path.truncate(len);
                }
            }
            _ => {
                return Err(r.error("unknown value tag in a shape (written by a newer version)"));
            }
        }
        Ok(())
    }
}

/// How a column is coded in one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Each value on its own.
    Plain,
    /// By its rank among the last values met beside the same value of another column (a
    /// sibling leaf, or the shape).
    Context(u32),
    /// As its difference from the sum of another column's integers in the same value.
    Sum(u32),
}

impl Mode {
    /// An order among modes (offers of equal worth are taken in a fixed order).
    fn key(self) -> (u8, u32) {
        match self {
            Mode::Plain => (0, 0),
            Mode::Context(of) => (1, of),
            Mode::Sum(of) => (2, of),
        }
    }
}

/// The pass in which a column is decoded: one after the column it is coded against. `None` for
/// a chain longer than [`MAX_PASS`] (or a loop).
fn pass(mode: impl Fn(u32) -> Mode, col: u32) -> Option<u8> {
    let (mut col, mut pass) = (col, 0u8);
    loop {
        match mode(col) {
            Mode::Plain => return Some(pass),
            Mode::Context(SHAPE_CONTEXT | NODE_CONTEXT) => return Some(pass + 1),
            Mode::Context(of) | Mode::Sum(of) => {
                pass += 1;
                if pass > MAX_PASS {
                    return None;
                }
                col = of;
            }
        }
    }
}

fn write_mode(w: &mut Writer, mode: Mode) {
    match mode {
        Mode::Plain => w.u8(MODE_PLAIN),
        Mode::Context(of) => {
            w.u8(MODE_CONTEXT);
            w.varint(match of {
                SHAPE_CONTEXT => 0,
                NODE_CONTEXT => 1,
                col => u64::from(col) + 2,
            });
        }
        Mode::Sum(of) => {
            w.u8(MODE_SUM);
            w.varint(u64::from(of));
        }
    }
}

/// The last values met beside one context value, most recent first.
#[derive(Clone, Copy, Default)]
struct Recent {
    items: [u128; MRU],
    len: u8,
}

impl Recent {
    fn find(&self, v: u128) -> Option<usize> {
        self.items[..usize::from(self.len)]
            .iter()
            .position(|&x| x == v)
    }

    /// Moves item `i` to the front and returns it.
    fn take(&mut self, i: usize) -> u128 {
        let v = self.items[i];
        self.items.copy_within(0..i, 1);
        self.items[0] = v;
        v
    }

    fn insert(&mut self, v: u128) {
        self.items.copy_within(0..MRU - 1, 1);
        self.items[0] = v;
        self.len = (self.len + 1).min(MRU as u8);
    }
}

// ---- writing ----

/// A leaf column's state in a writer.
#[derive(Default)]
struct ColumnW {
    texts: FxHashMap<Box<[u8]>, u32>,
    /// Recent values by context column, context value and tag.
    recent: FxHashMap<(u32, u128, u8), Recent>,
    /// The current block's leaves (indexes into [`Block::vals`]).
    leaves: Vec<u32>,
    mode: Option<Mode>,
}

/// A leaf of the block being written.
#[derive(Clone, Copy)]
struct Val {
    tag: u8,
    /// Its text was met here first (its bytes at `lit` in [`Block::texts`]).
    new: bool,
    /// Its payload: the number of an integer, date, date-time or word, a float's bits, a
    /// UUID's bytes, a text's number in its column.
    v: u128,
    lit: (u32, u32),
}

/// A value of the block being written.
struct RowW {
    shape: u32,
    /// Its first leaf in [`Block::vals`].
    start: u32,
    row: Row,
    /// The node of the stamp that wrote it.
    node: u64,
    records_before: u32,
    entries_before: u32,
}

/// The block being written.
#[derive(Default)]
struct Block {
    streams: [Writer; STREAMS],
    rows: Vec<RowW>,
    vals: Vec<Val>,
    /// The row of each leaf.
    val_rows: Vec<u32>,
    texts: Vec<u8>,
    touched: Vec<u32>,
}

/// What a small image's writer carries from block to block.
#[derive(Default)]
pub(super) struct ColumnWriter {
    /// Node numbers by id.
    node_numbers: FxHashMap<u64, u32>,
    stamps: Stamps,
    /// The 48-bit nodes of stamped ids, by index.
    tails: FxHashMap<u64, u32>,
    last_id_seconds: u64,
    paths: Paths,
    columns: Vec<ColumnW>,
    /// Shapes by root and bytes (the key is the root's varint, then the shape).
    shapes: FxHashMap<Box<[u8]>, u32>,
    shape_list: Vec<Shape>,
    /// Number of shapes per root.
    root_shapes: Vec<u32>,
    /// Roots of records' fields by kind and set name, and by kind and name index.
    roots: FxHashMap<Box<[u8]>, u32>,
    name_roots: FxHashMap<u64, u32>,
    names: FxHashMap<Box<[u8]>, u32>,
    records: FxHashMap<u128, u32>,
    record_count: u32,
    entries: FxHashMap<u128, u32>,
    entry_count: u32,
    block: Block,
    shape: Writer,
    leaves: Vec<Leaf>,
    value: Writer,
}

impl ColumnWriter {
    pub(super) fn new() -> ColumnWriter {
        ColumnWriter {
            root_shapes: vec![0],
            ..ColumnWriter::default()
        }
    }

    /// An entries block's body, and where each of its streams ends.
    pub(super) fn entries(&mut self, entries: &[EntryRef<'_>]) -> (Writer, Vec<usize>) {
        let mut block = std::mem::take(&mut self.block);
        for e in entries {
            let info = self.write_id(&mut block, e.id);
            let predicted = self.stamps.start_row(&info);
            self.write_stamp(&mut block.streams[STAMPS], e.at, predicted);
            self.write_value(ENTRY_ROOT, e.raw, e.at.n, &mut block);
            if let Some(b) = info.uuid {
                self.entries
                    .insert(u128::from_be_bytes(b), self.entry_count);
            }
            self.entry_count += 1;
        }
        let mut body = Writer::new();
        body.len_prefix(entries.len());
        let cuts = self.finish_block(&mut body, &mut block, false);
        self.block = block;
        (body, cuts)
    }

    /// A records block's body, and where each of its streams ends.
    pub(super) fn records(
        &mut self,
        records: &[(&(RecordKind, Id), &RecordState)],
    ) -> (Writer, Vec<usize>) {
        let mut block = std::mem::take(&mut self.block);
        for ((kind, id), state) in records {
            let kind = kind.code();
            let heads = &mut block.streams[HEADS];
            heads.u8(kind);
            // The fields' count, then a bit for a tombstone and a bit for an erasure.
            heads.len_prefix(
                state.fields.len() * 4
                    + usize::from(state.deleted.is_some())
                    + 2 * usize::from(state.erased.is_some()),
            );
            let info = self.write_id(&mut block, id.as_str());
            let first = self.stamps.start_row(&info);
            for at in [state.deleted, state.erased].into_iter().flatten() {
                self.write_stamp(&mut block.streams[STAMPS], at, first);
            }
            let mut predicted = first;
            for (name, reg) in &state.fields {
                let names = &mut block.streams[NAMES];
                let index = match self.names.get(name.as_bytes()) {
                    Some(&k) => {
                        names.varint(u64::from(k) + 1);
                        k
                    }
                    None => {
                        names.varint(0);
                        names.bytes(name.as_bytes());
                        let k = self.names.len() as u32;
                        self.names.insert(name.as_bytes().into(), k);
                        k
                    }
                };
                let root = self.root(kind, index, name);
                self.write_stamp(&mut block.streams[STAMPS], reg.at, predicted);
                predicted = next_stamp(reg.at);
                let mut value = std::mem::take(&mut self.value);
                value.clear();
                encode_value(&mut value, &reg.value);
                self.write_value(root, value.as_bytes(), reg.at.n, &mut block);
                self.value = value;
            }
            if let Some(b) = info.uuid {
                self.records
                    .insert(u128::from_be_bytes(b), self.record_count);
            }
            self.record_count += 1;
        }
        let mut body = Writer::new();
        body.len_prefix(records.len());
        let cuts = self.finish_block(&mut body, &mut block, true);
        self.block = block;
        (body, cuts)
    }

    fn root(&mut self, kind: u8, name_index: u32, name: &str) -> u32 {
        if let Some(&root) = self.name_roots.get(&pair(u32::from(kind), name_index)) {
            return root;
        }
        let set = name.split_once('.').map_or(name, |(set, _)| set);
        let next = self.roots.len() as u32 + 1;
        let mut key = vec![kind];
        key.extend_from_slice(set.as_bytes());
        let root = *self.roots.entry(key.into()).or_insert(next);
        if root == next {
            self.root_shapes.push(0);
        }
        self.name_roots
            .insert(pair(u32::from(kind), name_index), root);
        root
    }

    fn write_id(&mut self, block: &mut Block, id: &str) -> IdInfo {
        let [forms, seconds, seconds_low, millis, counters, tails] = block
            .streams
            .get_disjoint_mut([FORMS, SECONDS, SECONDS_LOW, MILLIS, COUNTERS, TAILS])
            .expect("distinct streams");
        let Some(b) = parse_uuid(id) else {
            forms.u8(ID_TEXT);
            tails.bytes(id.as_bytes());
            return IdInfo::default();
        };
        let ms = uuid_ms(&b);
        let made = stamp_tail(&b);
        forms.u8(if made.is_some() { ID_STAMPED } else { ID_UUID });
        let s = ms / 1000;
        let delta = zigzag(s.wrapping_sub(self.last_id_seconds) as i64);
        seconds.varint(delta >> 8);
        seconds_low.u8(delta as u8);
        millis.varint(ms % 1000);
        self.last_id_seconds = s;
        match made {
            Some((c, node)) => {
                counters.varint(u64::from(c));
                let next = self.tails.len() as u32;
                let index = *self.tails.entry(node).or_insert(next);
                tails.varint(u64::from(index));
                if index == next {
                    tails.raw(&node.to_be_bytes()[2..]);
                }
            }
            None => tails.raw(&b[6..]),
        }
        IdInfo {
            uuid: Some(b),
            ms: Some(ms),
            made,
        }
    }

    fn write_stamp(&mut self, w: &mut Writer, at: Hlc, predicted: Hlc) {
        self.stamps.last = at;
        if at == predicted {
            w.u8(STAMP_PREDICTED);
        } else if at.ms == predicted.ms && at.n == predicted.n {
            w.u8(STAMP_COUNTER);
            w.varint(u64::from(at.c));
        } else {
            w.u8(STAMP_FULL);
            w.zigzag(at.ms.wrapping_sub(predicted.ms) as i64);
            w.varint(u64::from(at.c));
            let next = self.node_numbers.len() as u32;
            let index = *self.node_numbers.entry(at.n).or_insert(next);
            w.varint(u64::from(index));
            if index == next {
                w.u64_le(at.n);
                self.stamps.add_node(at.n);
            }
        }
    }

    /// Takes the value `raw` (encoded) under `root`, written by `node`, into the block: its
    /// shape's code, and its leaves (coded into their columns when the block is finished).
    fn write_value(&mut self, root: u32, raw: &[u8], node: u64, block: &mut Block) {
        self.shape.clear();
        self.shape.varint(u64::from(root));
        let prefix = self.shape.len();
        if !shred(raw, &mut self.shape, &mut self.leaves) {
            block.streams[SHAPES].varint(OPAQUE);
            block.streams[DEFS].bytes(raw);
            return;
        }
        let index = match self.shapes.get(self.shape.as_bytes()) {
            Some(&i) => {
                let code = self.shape_list[i as usize].code;
                block.streams[SHAPES].varint(u64::from(code) + NEW_SHAPE + 1);
                i
            }
            None => {
                let bytes = &self.shape.as_bytes()[prefix..];
                let count = &mut self.root_shapes[root as usize];
                let shape =
                    compile(root, *count, bytes, &mut self.paths).expect("a shape just made");
                *count += 1;
                block.streams[SHAPES].varint(NEW_SHAPE);
                block.streams[DEFS].bytes(bytes);
                self.columns.resize_with(self.paths.len(), ColumnW::default);
                let i = self.shape_list.len() as u32;
                self.shape_list.push(shape);
                self.shapes.insert(self.shape.as_bytes().into(), i);
                i
            }
        };
        let shape = &self.shape_list[index as usize];
        let row = block.rows.len() as u32;
        block.rows.push(RowW {
            shape: index,
            start: block.vals.len() as u32,
            row: self.stamps.row,
            node,
            records_before: self.record_count,
            entries_before: self.entry_count,
        });
        for (leaf, &col) in self.leaves.iter().zip(shape.columns.iter()) {
            let column = &mut self.columns[col as usize];
            if column.leaves.is_empty() {
                block.touched.push(col);
            }
            column.leaves.push(block.vals.len() as u32);
            block.val_rows.push(row);
            let bytes = &raw[leaf.start as usize..leaf.end as usize];
            let mut val = Val {
                tag: leaf.tag,
                new: false,
                v: u128::from(leaf.int),
                lit: (0, 0),
            };
            match leaf.tag {
                F64 => val.v = u128::from(u64::from_le_bytes(bytes.try_into().expect("8"))),
                UUID => val.v = u128::from_be_bytes(bytes.try_into().expect("16")),
                STR => match column.texts.get(bytes) {
                    Some(&k) => val.v = u128::from(k),
                    None => {
                        let k = column.texts.len() as u32;
                        column.texts.insert(bytes.into(), k);
                        val.v = u128::from(k);
                        val.new = true;
                        val.lit = (block.texts.len() as u32, bytes.len() as u32);
                        block.texts.extend_from_slice(bytes);
                    }
                },
                _ => {}
            }
            block.vals.push(val);
        }
    }

    /// A UUID leaf as a reference to a record or entry written before its row, else as it is.
    fn put_uuid(&self, codes: &mut Writer, data: &mut Writer, v: u128, row: &RowW) {
        match (self.records.get(&v), self.entries.get(&v)) {
            (Some(&k), _) if k < row.records_before => {
                codes.varint(REF_RECORD + 3 * u64::from(k >> 8));
                data.u8(k as u8);
            }
            (_, Some(&k)) if k < row.entries_before => {
                let back = row.entries_before - 1 - k;
                codes.varint(REF_ENTRY + 3 * u64::from(back >> 8));
                data.u8(back as u8);
            }
            _ => {
                codes.varint(REF_LITERAL);
                data.raw(&v.to_be_bytes());
            }
        }
    }

    fn put_plain(
        &self,
        codes: &mut Writer,
        data: &mut Writer,
        val: &Val,
        row: &RowW,
        texts: &[u8],
    ) {
        match val.tag {
            UINT | NINT => data.varint(val.v as u64),
            WORD => codes.u8(val.v as u8),
            F64 => data.raw(&(val.v as u64).to_le_bytes()),
            DATE => data.zigzag(unzigzag(val.v as u64).wrapping_sub(row.row.days())),
            DATETIME => data.zigzag(unzigzag(val.v as u64).wrapping_sub(row.row.seconds())),
            STR if val.new => {
                codes.varint(0);
                let (at, len) = (val.lit.0 as usize, val.lit.1 as usize);
                data.bytes(&texts[at..at + len]);
            }
            STR => codes.varint(val.v as u64 + 1),
            _ => self.put_uuid(codes, data, val.v, row),
        }
    }

    /// Writes the block's streams and columns into `body`; returns where each ends.
    fn finish_block(&mut self, body: &mut Writer, block: &mut Block, records: bool) -> Vec<usize> {
        let mut cuts = Vec::new();
        let first = if records { 0 } else { FORMS };
        for stream in &block.streams[first..] {
            body.bytes(stream.as_bytes());
            cuts.push(body.len());
        }
        crate::sorting::sort(&mut block.touched);
        self.choose_modes(block);
        body.len_prefix(block.touched.len());
        let mut next = 0;
        let (mut codes, mut data) = (Writer::new(), Writer::new());
        for &col in &block.touched {
            body.varint(u64::from(col - next));
            next = col + 1;
            let mode = self.columns[col as usize].mode.unwrap_or(Mode::Plain);
            write_mode(body, mode);
            codes.clear();
            data.clear();
            self.write_column(col, mode, block, &mut codes, &mut data);
            body.bytes(codes.as_bytes());
            cuts.push(body.len());
            body.bytes(data.as_bytes());
            cuts.push(body.len());
        }
        for &col in &block.touched {
            let column = &mut self.columns[col as usize];
            column.leaves.clear();
            column.mode = None;
        }
        for stream in &mut block.streams {
            stream.clear();
        }
        block.rows.clear();
        block.vals.clear();
        block.val_rows.clear();
        block.texts.clear();
        block.touched.clear();
        cuts
    }

    fn write_column(
        &mut self,
        col: u32,
        mode: Mode,
        block: &Block,
        codes: &mut Writer,
        data: &mut Writer,
    ) {
        let mut column = std::mem::take(&mut self.columns[col as usize]);
        for &i in &column.leaves {
            let val = &block.vals[i as usize];
            let row = &block.rows[block.val_rows[i as usize] as usize];
            match mode {
                Mode::Plain => self.put_plain(codes, data, val, row, &block.texts),
                Mode::Context(of) => {
                    let ctx = self.context(block, i, of);
                    let recent = column.recent.entry((of, ctx, val.tag)).or_default();
                    match recent.find(val.v) {
                        Some(k) => {
                            codes.varint(k as u64 + 1);
                            recent.take(k);
                        }
                        None => {
                            codes.varint(0);
                            recent.insert(val.v);
                            self.put_plain(codes, data, val, row, &block.texts);
                        }
                    }
                }
                Mode::Sum(of) => {
                    let delta = signed(val.tag, val.v).wrapping_sub(self.sum(block, i, of));
                    data.zigzag(delta as i64);
                }
            }
        }
        self.columns[col as usize] = column;
    }

    /// The context of leaf `i` of the block: its sibling in column `of`, its shape or its node.
    fn context(&self, block: &Block, i: u32, of: u32) -> u128 {
        let row = &block.rows[block.val_rows[i as usize] as usize];
        let shape = &self.shape_list[row.shape as usize];
        let start = row.start as usize;
        match of {
            SHAPE_CONTEXT => u128::from(shape.code),
            NODE_CONTEXT => u128::from(row.node),
            _ => match shape
                .siblings
                .get(&pair(shape.parents[i as usize - start], of))
            {
                Some(&j) => block.vals[start + j as usize].v,
                None => NO_CONTEXT,
            },
        }
    }

    /// The sum of the integers of column `of` in the value of leaf `i`.
    fn sum(&self, block: &Block, i: u32, of: u32) -> i128 {
        let row = &block.rows[block.val_rows[i as usize] as usize];
        let shape = &self.shape_list[row.shape as usize];
        let start = row.start as usize;
        let mut sum = 0i128;
        for (j, &c) in shape.columns.iter().enumerate() {
            if c == of {
                let val = &block.vals[start + j];
                sum = sum.wrapping_add(signed(val.tag, val.v));
            }
        }
        sum
    }

    /// The pass of `col` if it took `mode`, and of every column already coded against it.
    fn passes_fit(&self, touched: &[u32], col: u32, mode: Mode) -> bool {
        let mode_of = |c: u32| {
            if c == col {
                mode
            } else {
                self.columns
                    .get(c as usize)
                    .and_then(|c| c.mode)
                    .unwrap_or(Mode::Plain)
            }
        };
        touched.iter().all(|&c| pass(mode_of, c).is_some())
    }

    /// Chooses each column's mode for the block: a context where its values follow another
    /// column's (a sibling leaf's, the shape's, the writing device's), a sum where its integers
    /// are another column's sum. Costs are estimated on a sample of the column's leaves: the
    /// order-0 entropy of the bytes plain coding writes, against the entropy of the values
    /// within each context (a value beyond the most frequent [`MRU`] of its context costs a
    /// plain code).
    fn choose_modes(&mut self, block: &Block) {
        let mut offers: Vec<(f64, u32, Mode)> = Vec::new();
        let (mut codes, mut data) = (Writer::new(), Writer::new());
        let (mut pairs, mut counts) = (Vec::new(), Vec::new());
        for &col in &block.touched {
            let sample = self.sample(col);
            codes.clear();
            data.clear();
            for &i in &sample {
                let row = &block.rows[block.val_rows[i as usize] as usize];
                self.put_plain(
                    &mut codes,
                    &mut data,
                    &block.vals[i as usize],
                    row,
                    &block.texts,
                );
            }
            let plain = entropy_bits(codes.as_bytes()) + entropy_bits(data.as_bytes());
            let per_value = plain / sample.len().max(1) as f64;
            let mut contexts: Vec<u32> = vec![SHAPE_CONTEXT, NODE_CONTEXT];
            let mut ints: Vec<u32> = Vec::new();
            let all_ints = sample
                .iter()
                .all(|&i| matches!(block.vals[i as usize].tag, UINT | NINT));
            for &i in sample.iter().take(256) {
                let row = &block.rows[block.val_rows[i as usize] as usize];
                let shape = &self.shape_list[row.shape as usize];
                let me = i as usize - row.start as usize;
                for (j, &other) in shape.columns.iter().enumerate() {
                    if other == col {
                        continue;
                    }
                    if shape.parents[j] == shape.parents[me] && !contexts.contains(&other) {
                        contexts.push(other);
                    }
                    if all_ints && matches!(shape.tags[j], UINT | NINT) && !ints.contains(&other) {
                        ints.push(other);
                    }
                }
            }
            for of in contexts {
                pairs.clear();
                pairs.extend(sample.iter().map(|&i| {
                    let ctx = self.context(block, i, of);
                    (hash32(ctx) << 32) | hash32(block.vals[i as usize].v)
                }));
                let cost = context_bits(&mut pairs, per_value, &mut counts);
                if cost < plain * 0.8 {
                    offers.push((plain - cost, col, Mode::Context(of)));
                }
            }
            for of in ints {
                data.clear();
                let mut fits = true;
                for &i in &sample {
                    let val = &block.vals[i as usize];
                    let delta = signed(val.tag, val.v).wrapping_sub(self.sum(block, i, of));
                    fits &= i64::try_from(delta).is_ok();
                    data.zigzag(delta as i64);
                }
                let cost = entropy_bits(data.as_bytes());
                if fits && cost < plain * 0.8 {
                    offers.push((plain - cost, col, Mode::Sum(of)));
                }
            }
        }
        crate::sorting::sort_by(&mut offers, |a, b| {
            b.0.total_cmp(&a.0)
                .then((a.1, a.2.key()).cmp(&(b.1, b.2.key())))
        });
        for (_, col, mode) in offers {
            if self.columns[col as usize].mode.is_some()
                || !self.passes_fit(&block.touched, col, mode)
            {
                continue;
            }
            if let Mode::Sum(of) = mode {
                // Every leaf must fit, not only the sampled ones.
                let fits = self.columns[col as usize].leaves.iter().all(|&i| {
                    let val = &block.vals[i as usize];
                    let delta = signed(val.tag, val.v).wrapping_sub(self.sum(block, i, of));
                    matches!(val.tag, UINT | NINT) && i64::try_from(delta).is_ok()
                });
                if !fits {
                    continue;
                }
            }
            self.columns[col as usize].mode = Some(mode);
        }
    }

    /// Up to 4,096 of a column's leaves in the block, evenly spread.
    fn sample(&self, col: u32) -> Vec<u32> {
        let leaves = &self.columns[col as usize].leaves;
        let step = leaves.len().div_ceil(4096).max(1);
        leaves.iter().step_by(step).copied().collect()
    }
}

/// The order-0 entropy of `bytes`, in bits (about what a Huffman code makes of them).
fn entropy_bits(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| f64::from(c) * (n / f64::from(c)).log2())
        .sum::<f64>()
        + 16.0
}

/// Estimated bits of coding values by their rank among the recent values beside the same
/// context: the entropy of the [`MRU`] most frequent values of each context within it, a plain
/// code (`miss` bits) for the others and for each value's first time. `pairs` are (context,
/// value) as 32-bit hashes each, high and low half; they are sorted.
fn context_bits(pairs: &mut [u64], miss: f64, counts: &mut Vec<u32>) -> f64 {
    crate::sorting::sort(pairs);
    let mut bits = 0.0;
    let mut at = 0;
    while at < pairs.len() {
        let ctx = pairs[at] >> 32;
        counts.clear();
        while at < pairs.len() && pairs[at] >> 32 == ctx {
            let pair = pairs[at];
            let from = at;
            while at < pairs.len() && pairs[at] == pair {
                at += 1;
            }
            counts.push((at - from) as u32);
        }
        crate::sorting::sort(counts);
        let total = f64::from(counts.iter().sum::<u32>());
        for (k, &n) in counts.iter().rev().enumerate() {
            let n = f64::from(n);
            bits += if k < MRU {
                n * (total / n).log2() + miss + 1.0
            } else {
                n * (miss + (total / n).log2().min(4.0))
            };
        }
    }
    bits
}

/// A 32-bit hash of a leaf's value or context (for estimates only).
fn hash32(v: u128) -> u64 {
    let h = (v as u64 ^ (v >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h >> 32
}

// ---- reading ----

/// The streams of one block being read.
struct StreamsR<'a> {
    streams: [Reader<'a>; STREAMS],
    codes: Vec<Reader<'a>>,
    data: Vec<Reader<'a>>,
    modes: Vec<Mode>,
    /// The pass of each column, and the last pass.
    passes: Vec<u8>,
    last_pass: u8,
}

impl<'a> StreamsR<'a> {
    fn read(r: &mut Reader<'a>, records: bool, known_paths: usize) -> Result<Self, DecodeError> {
        let empty = Reader::new(&[]);
        let mut streams: [Reader<'a>; STREAMS] = std::array::from_fn(|_| empty.clone());
        let first = if records { 0 } else { FORMS };
        for stream in &mut streams[first..] {
            *stream = Reader::new(r.bytes()?);
        }
        // Every column is a known path or one a new shape of this block adds (at least a byte
        // of its definition each).
        let limit = known_paths as u64 + streams[DEFS].remaining() as u64;
        let column = |r: &Reader<'_>, c: u64| {
            (c < limit)
                .then_some(c as u32)
                .ok_or_else(|| r.error("column number out of range"))
        };
        let n = r.len_prefix()?;
        let (mut codes, mut data, mut modes) = (Vec::new(), Vec::new(), Vec::new());
        let mut next = 0u64;
        for _ in 0..n {
            let delta = r.varint()?;
            let col = column(r, next.saturating_add(delta))?;
            next = u64::from(col) + 1;
            let mode = match r.u8()? {
                MODE_PLAIN => Mode::Plain,
                MODE_CONTEXT => match r.varint()? {
                    0 => Mode::Context(SHAPE_CONTEXT),
                    1 => Mode::Context(NODE_CONTEXT),
                    of => Mode::Context(column(r, of - 2)?),
                },
                MODE_SUM => {
                    let of = r.varint()?;
                    Mode::Sum(column(r, of)?)
                }
                _ => return Err(r.error("unknown column mode (written by a newer version)")),
            };
            codes.resize(col as usize, empty.clone());
            codes.push(Reader::new(r.bytes()?));
            data.resize(col as usize, empty.clone());
            data.push(Reader::new(r.bytes()?));
            modes.resize(col as usize, Mode::Plain);
            modes.push(mode);
        }
        let mode_of = |c: u32| modes.get(c as usize).copied().unwrap_or(Mode::Plain);
        let mut passes = Vec::with_capacity(modes.len());
        for c in 0..modes.len() as u32 {
            passes.push(pass(mode_of, c).ok_or_else(|| r.error("columns coded in a loop"))?);
        }
        let last_pass = passes.iter().copied().max().unwrap_or(0);
        Ok(StreamsR {
            streams,
            codes,
            data,
            modes,
            passes,
            last_pass,
        })
    }

    fn check_all_read(&self, r: &Reader<'_>) -> Result<(), DecodeError> {
        let all = self.streams.iter().chain(&self.codes).chain(&self.data);
        if all.clone().all(Reader::is_empty) {
            Ok(())
        } else {
            Err(r.error("a block's columns hold more than its rows"))
        }
    }
}

#[derive(Default)]
struct ColumnR {
    texts: Vec<Box<[u8]>>,
    /// Recent values by context column, context value and tag.
    recent: FxHashMap<(u32, u128, u8), Recent>,
}

/// What a small image's reader carries from block to block (the mirror of [`ColumnWriter`]).
#[derive(Default)]
pub(super) struct ColumnReader {
    stamps: Stamps,
    tails: Vec<u64>,
    last_id_seconds: u64,
    paths: Paths,
    columns: Vec<ColumnR>,
    /// Shapes per root.
    shapes: Vec<Vec<Shape>>,
    roots: FxHashMap<Box<[u8]>, u32>,
    name_roots: FxHashMap<u64, u32>,
    names: Vec<Box<str>>,
    records: Vec<Option<[u8; 16]>>,
    entries: Vec<Option<[u8; 16]>>,
    vals: Vec<u128>,
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
            let info = self.read_id(&mut s, &mut id)?;
            let predicted = self.stamps.start_row(&info);
            let at = self.read_stamp(&mut s.streams[STAMPS], predicted)?;
            self.read_value(ENTRY_ROOT, at.n, &mut s)?;
            if packed.len() > 0 && packed.last_id() >= id.as_str() {
                return Err(s.streams[FORMS].error("entries out of id order"));
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
            let heads = &mut s.streams[HEADS];
            let code = heads.u8()?;
            let kind = RecordKind::from_code(code)
                .ok_or_else(|| heads.error("unknown record kind (written by a newer version)"))?;
            let head = heads.varint()?;
            let fields = head >> 2;
            if fields > s.streams[NAMES].remaining() as u64 {
                return Err(s.streams[HEADS].error("more fields than names"));
            }
            let info = self.read_id(&mut s, &mut text)?;
            let id = match info.uuid {
                Some(_) => Id::trusted(&text),
                None => Id::parse(&text).map_err(|e| DecodeError::new(e.to_string(), 0))?,
            };
            let first = self.stamps.start_row(&info);
            let deleted = match head & 1 {
                1 => Some(self.read_stamp(&mut s.streams[STAMPS], first)?),
                _ => None,
            };
            let erased = match head & 2 {
                2 => Some(self.read_stamp(&mut s.streams[STAMPS], first)?),
                _ => None,
            };
            let mut state = RecordState {
                fields: BTreeMap::new(),
                deleted,
                erased,
            };
            let mut predicted = first;
            for _ in 0..fields {
                let names = &mut s.streams[NAMES];
                let index = match names.varint()? {
                    0 => {
                        let name = std::str::from_utf8(names.bytes()?)
                            .map_err(|_| names.error("field name is not UTF-8"))?;
                        self.names.push(name.into());
                        self.names.len() - 1
                    }
                    k => usize::try_from(k - 1)
                        .ok()
                        .filter(|&k| k < self.names.len())
                        .ok_or_else(|| names.error("unknown field name"))?,
                };
                let root = self.root(code, index as u32);
                let at = self.read_stamp(&mut s.streams[STAMPS], predicted)?;
                predicted = next_stamp(at);
                self.read_value(root, at.n, &mut s)?;
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
        if let Some(&root) = self.name_roots.get(&pair(u32::from(kind), name_index)) {
            return root;
        }
        let name = &self.names[name_index as usize];
        let set = name.split_once('.').map_or(&**name, |(set, _)| set);
        let next = self.roots.len() as u32 + 1;
        let mut key = vec![kind];
        key.extend_from_slice(set.as_bytes());
        let root = *self.roots.entry(key.into()).or_insert(next);
        if root == next {
            self.shapes.push(Vec::new());
        }
        self.name_roots
            .insert(pair(u32::from(kind), name_index), root);
        root
    }

    fn read_id(&mut self, s: &mut StreamsR<'_>, text: &mut String) -> Result<IdInfo, DecodeError> {
        text.clear();
        let [forms, seconds, seconds_low, millis, counters, tails] = s
            .streams
            .get_disjoint_mut([FORMS, SECONDS, SECONDS_LOW, MILLIS, COUNTERS, TAILS])
            .expect("distinct streams");
        let form = forms.u8()?;
        if form == ID_TEXT {
            let bytes = tails.bytes()?;
            text.push_str(std::str::from_utf8(bytes).map_err(|_| tails.error("id is not UTF-8"))?);
            return Ok(IdInfo::default());
        }
        let high = seconds.varint()?;
        if high > u64::MAX >> 8 {
            return Err(seconds.error("seconds beyond 64 bits"));
        }
        let delta = unzigzag((high << 8) | u64::from(seconds_low.u8()?));
        let secs = self.last_id_seconds.wrapping_add(delta as u64);
        self.last_id_seconds = secs;
        let ms = match millis.varint()? {
            m if m < 1000 => secs.wrapping_mul(1000).wrapping_add(m),
            _ => return Err(millis.error("milliseconds beyond a second")),
        };
        let (b, made) = match form {
            ID_STAMPED => {
                let c = u32::try_from(counters.varint()?)
                    .ok()
                    .filter(|&c| c < 1 << 26)
                    .ok_or_else(|| counters.error("id counter beyond 26 bits"))?;
                let index = tails.varint()?;
                let node = match usize::try_from(index) {
                    Ok(i) if i < self.tails.len() => self.tails[i],
                    Ok(i) if i == self.tails.len() => {
                        let mut b = [0u8; 8];
                        b[2..].copy_from_slice(tails.raw(6)?);
                        let node = u64::from_be_bytes(b);
                        self.tails.push(node);
                        node
                    }
                    _ => return Err(tails.error("unknown id node")),
                };
                (stamped_uuid(ms, c, node), Some((c, node)))
            }
            ID_UUID => {
                let mut b = [0u8; 16];
                b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
                b[6..].copy_from_slice(tails.raw(10)?);
                (b, None)
            }
            _ => return Err(forms.error("unknown id form (written by a newer version)")),
        };
        push_uuid(text, &b);
        Ok(IdInfo {
            uuid: Some(b),
            ms: Some(ms),
            made,
        })
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
                let nodes = &self.stamps.nodes;
                let n = match usize::try_from(index) {
                    Ok(i) if i < nodes.len() => nodes[i],
                    Ok(i) if i == nodes.len() => {
                        let n = r.u64_le()?;
                        self.stamps.add_node(n);
                        n
                    }
                    _ => return Err(r.error("unknown node index")),
                };
                Hlc { ms, c, n }
            }
            _ => return Err(r.error("unknown stamp code (written by a newer version)")),
        };
        self.stamps.last = at;
        Ok(at)
    }

    /// Rebuilds the next value under `root`, written by `node`, into `self.value`.
    fn read_value(
        &mut self,
        root: u32,
        node: u64,
        s: &mut StreamsR<'_>,
    ) -> Result<(), DecodeError> {
        let ColumnReader {
            paths,
            columns,
            shapes,
            records,
            entries,
            value,
            vals,
            stamps,
            ..
        } = self;
        value.clear();
        let shapes = &mut shapes[root as usize];
        let code = s.streams[SHAPES].varint()?;
        let shape = match code {
            OPAQUE => {
                value.raw(s.streams[DEFS].bytes()?);
                return Ok(());
            }
            NEW_SHAPE => {
                let code = shapes.len() as u32;
                let shape = compile(root, code, s.streams[DEFS].bytes()?, paths)?;
                columns.resize_with(paths.len(), ColumnR::default);
                shapes.push(shape);
                shapes.last().expect("just pushed")
            }
            k => usize::try_from(k - NEW_SHAPE - 1)
                .ok()
                .and_then(|k| shapes.get(k))
                .ok_or_else(|| s.streams[SHAPES].error("unknown shape"))?,
        };
        let refs = Refs {
            records,
            entries,
            row: stamps.row,
        };
        vals.clear();
        vals.resize(shape.tags.len(), 0);
        for pass in 0..=s.last_pass {
            for (i, (&tag, &col)) in shape.tags.iter().zip(shape.columns.iter()).enumerate() {
                let c = col as usize;
                if s.passes.get(c).copied().unwrap_or(0) != pass {
                    continue;
                }
                let (Some(codes), Some(data)) = (s.codes.get_mut(c), s.data.get_mut(c)) else {
                    return Err(s.streams[SHAPES].error("a leaf's column is missing"));
                };
                let column = &mut columns[c];
                vals[i] = match s.modes[c] {
                    Mode::Plain => refs.plain(codes, data, tag, column)?,
                    Mode::Context(of) => {
                        let ctx = shape.context(i, of, vals, node);
                        match codes.varint()? {
                            0 => {
                                let v = refs.plain(codes, data, tag, column)?;
                                column.recent.entry((of, ctx, tag)).or_default().insert(v);
                                v
                            }
                            k => {
                                let recent = column.recent.entry((of, ctx, tag)).or_default();
                                match usize::try_from(k - 1) {
                                    Ok(k) if k < usize::from(recent.len) => recent.take(k),
                                    _ => return Err(codes.error("unknown recent value")),
                                }
                            }
                        }
                    }
                    Mode::Sum(of) => {
                        let v = shape.sum(of, vals).wrapping_add(i128::from(data.zigzag()?));
                        let payload = match tag {
                            UINT => u64::try_from(v).ok(),
                            NINT => v
                                .checked_add(1)
                                .and_then(i128::checked_neg)
                                .and_then(|n| u64::try_from(n).ok()),
                            _ => None,
                        };
                        u128::from(payload.ok_or_else(|| data.error("a sum out of range"))?)
                    }
                };
            }
        }
        for step in shape.steps.iter() {
            match *step {
                Step::Lit(from, to) => value.raw(&shape.bytes[from as usize..to as usize]),
                Step::Leaf(i) => {
                    let v = vals[i as usize];
                    let col = shape.columns[i as usize] as usize;
                    match shape.tags[i as usize] {
                        UINT | NINT | DATE | DATETIME => value.varint(v as u64),
                        WORD => value.u8(v as u8),
                        F64 => value.raw(&(v as u64).to_le_bytes()),
                        STR => value.bytes(
                            columns[col]
                                .texts
                                .get(v as usize)
                                .ok_or_else(|| s.streams[SHAPES].error("unknown text"))?,
                        ),
                        _ => value.raw(&v.to_be_bytes()),
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a leaf's plain code may refer to.
struct Refs<'a> {
    records: &'a [Option<[u8; 16]>],
    entries: &'a [Option<[u8; 16]>],
    row: Row,
}

impl Refs<'_> {
    /// Reads a leaf's plain code.
    fn plain(
        &self,
        codes: &mut Reader<'_>,
        data: &mut Reader<'_>,
        tag: u8,
        column: &mut ColumnR,
    ) -> Result<u128, DecodeError> {
        Ok(match tag {
            UINT | NINT => u128::from(data.varint()?),
            WORD => u128::from(codes.u8()?),
            F64 => u128::from(data.u64_le()?),
            DATE => u128::from(zigzag(data.zigzag()?.wrapping_add(self.row.days()))),
            DATETIME => u128::from(zigzag(data.zigzag()?.wrapping_add(self.row.seconds()))),
            STR => match codes.varint()? {
                0 => {
                    column.texts.push(data.bytes()?.into());
                    (column.texts.len() - 1) as u128
                }
                k => match usize::try_from(k - 1) {
                    Ok(k) if k < column.texts.len() => k as u128,
                    _ => return Err(codes.error("unknown text")),
                },
            },
            _ => {
                let code = codes.varint()?;
                let number = |data: &mut Reader<'_>| -> Result<Option<usize>, DecodeError> {
                    let low = u64::from(data.u8()?);
                    Ok((code / 3)
                        .checked_mul(256)
                        .and_then(|high| usize::try_from(high | low).ok()))
                };
                let found = match code % 3 {
                    REF_LITERAL if code == REF_LITERAL => {
                        Some(data.raw(16)?.try_into().expect("16 bytes"))
                    }
                    REF_RECORD => {
                        number(data)?.and_then(|k| self.records.get(k).copied().flatten())
                    }
                    REF_ENTRY => number(data)?
                        .and_then(|back| self.entries.len().checked_sub(back.checked_add(1)?))
                        .and_then(|k| self.entries[k]),
                    _ => None,
                };
                u128::from_be_bytes(found.ok_or_else(|| data.error("unknown UUID reference"))?)
            }
        })
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}
