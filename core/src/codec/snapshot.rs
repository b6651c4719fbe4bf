//! A whole book as one compressed image: how a device stores its book and how the server keeps
//! a shop's snapshot for new devices.
//!
//! The image is raw deflate over the mark `HKB1`, then blocks, each a kind byte, its length
//! and its body, then an end block; the compressed stream is cut into parts of at most the
//! writer's part size. The kind byte is the version of a block's layout: a reader meets a kind
//! it does not know as an error ("written by a newer version"), never as a misread, and a
//! change to a block's layout takes a new kind.
//!
//! | kind | block | written for |
//! |---|---|---|
//! | 0 | end: the book's latest stamp | both levels |
//! | 1 | records, a row each | [`Level::Fast`] |
//! | 2 | entries, in four columns | [`Level::Fast`] |
//! | 3 | foreign ops: count, each op's stamp and bytes | both levels |
//! | 4 | records, columnar | [`Level::Small`] |
//! | 5 | entries, columnar | [`Level::Small`] |
//!
//! A reader reads any mix of them. Records come in (kind, id) order, entries in id order.
//!
//! # The device's layout (kinds 1 and 2)
//!
//! [`Level::Fast`] keeps what is quickest to read back at every start of the app (an entry's
//! bytes are copied as they are):
//!
//! ```text
//! records block   count; per record: kind, id, tombstones (bit 0 deleted, bit 1 erased) and
//!                 their stamps, fields (name, stamp, value)
//! entries block   count, then four columns, each length-prefixed:
//!                   ids     per entry: 1 = a UUID, as the change of its 48-bit time (zigzag)
//!                           and its other 10 bytes; 0 = other text
//!                   stamps  per entry (see below)
//!                   sizes   per entry: its encoded length
//!                   data    the encoded entries, one after another
//! ```
//!
//! A stamp is written as the change of its time from the stamp before it in the same block
//! (zigzag), its counter, and its node as an index into the image's node table — an index one
//! past the table's end adds the node, written in full after it.
//!
//! # The download's layout (kinds 4 and 5)
//!
//! [`Level::Small`] writes what a new device downloads once, as small as the book's regularity
//! allows. Each value (an entry, a record's field) is split into its *shape* and its *leaves*,
//! and each leaf goes to the *column* of its path, where it is coded in the way that suits that
//! column in that block; ids and stamps are coded against what the row already says.
//!
//! A columnar block's body is its row count, then length-prefixed streams (a records block has
//! all eleven, an entries block all but `heads` and `names`), then its columns:
//!
//! ```text
//! heads        per record: kind, then varint(2 × field count + 1 if it has a tombstone)
//! names        per field: 0 and the name's text the first time, else its number + 1
//! forms        per row's id: 0 = text, 1 = a UUID made by Id::from_stamp, 2 = another UUID
//! seconds      per UUID id: zigzag(its seconds − the previous UUID id's) >> 8, a varint
//! seconds_low  … and that zigzag's low byte
//! millis       per UUID id: its milliseconds within the second
//! counters     per stamped id: its 26-bit counter
//! tails        per stamped id: the number of its node's low 48 bits (the next number adds
//!              one, its 6 bytes follow); per other UUID: its last 10 bytes; per text id: the
//!              length-prefixed text
//! stamps       per stamp (tombstone, then each field; an entry's): 0 = as predicted,
//!              1 = as predicted but for its counter (varint), 2 = zigzag(ms − predicted ms),
//!              counter, node number (the next number adds one: 8 bytes follow)
//! shapes       per value: 0 = kept as it is, 1 = a new shape, k ≥ 2 = its root's shape k − 2
//! defs         the bytes of kept values and of new shapes, length-prefixed
//! columns      count; per column: its number (the change from the previous one + 1), its
//!              mode, its codes and its data (each length-prefixed)
//! ```
//!
//! The predicted stamp of an entry is the one its id was made from (the id's time, counter and
//! the full node last seen with those 48 bits); of a record's tombstone and first field, the one
//! its id was made from; of each next field, the previous field's with the counter one higher
//! (the fields of one edit are stamped by consecutive ticks, in name order); where the id tells
//! nothing, the previous stamp.
//!
//! **Shapes and leaves.** A value's shape is its encoding ([`super::value`]) without its
//! leaves' payloads: every tag, every array's and object's count, every object key as written.
//! A leaf is a number, word, text, UUID, date, date-time or float; the tag stays in the shape,
//! the payload goes to the column of the leaf's path. A path is a root (0 for entries; for a
//! record's fields, one per record kind and field name up to its first `.`, numbered as they
//! first appear), then the keys down to the leaf, every array item sharing one path. Shapes are
//! numbered per root and columns globally, both in order of first appearance, so that a reader
//! compiling a new shape gives its paths the numbers the writer gave. A value whose bytes the
//! shape and leaves would not give back exactly (a varint not in its shortest form, a tag this
//! version does not know, more than 64 levels) is kept as it is, in `defs`.
//!
//! **Leaves, plainly coded** (codes and data are the column's two streams):
//!
//! | leaf | codes | data |
//! |---|---|---|
//! | integer | — | its payload, a varint |
//! | word | its index | — |
//! | float | — | its 8 bytes |
//! | date, date-time | — | zigzag(its days or seconds − the row's) |
//! | text | 0 the first time in the column (then data: length, bytes), else its number + 1 | |
//! | UUID | 1 + 3 × (n >> 8) for the n-th record written before; 2 + 3 × (n >> 8) for the entry n + 1 back; 0 for any other | n's low byte; the 16 bytes for any other |
//!
//! A row's time is its id's (a UUID's first 48 bits), else the previous row's: the dates and
//! times in a value are mostly near it (an entry's `at` is its id's time in shop time).
//!
//! **Column modes**, chosen by the writer per column and block from estimated sizes:
//!
//! ```text
//! 0            plain, as above
//! 1, c         by context: c = 0 the value's shape, 1 the node of the stamp that wrote it,
//!              k + 2 the leaf of column k in the same object. Codes: r ≥ 1 = the r-th most
//!              recent of the (at most 8) values met with the same context value and tag, else
//!              0 and the plain code (a product's category, a sale's staff device, an amount
//!              given its product, a quantity given its amount)
//! 2, k         as a sum: data: zigzag(its integer − the sum of column k's integers in the same
//!              value) (a purchase's total and its items' amounts)
//! ```
//!
//! A column coded against another is decoded after it: a reader makes up to five passes over a
//! value's leaves, and a chain of columns longer than that, or a loop, is an error. Every
//! stream ends a deflate block (a sync flush), so each has its own Huffman tables.
//!
//! The reader keeps what the writer kept from block to block (node and tail numbers, texts,
//! shapes, recent values, the records and entries written so far), so the blocks must be read
//! in order, as they are.
//!
//! # Steps
//!
//! Writing and reading are incremental ([`SnapshotWriter::step`], [`SnapshotReader::step`]): a
//! device saves or loads a large book in slices of work that never hold its screen for long
//! (a reader's step reads one block: as many rows as the writer's step wrote).
//! The writer walks the book by key, so the book may change between steps: what it changes
//! after the writer passed is in the device's journal, replayed over the snapshot on the next
//! start (applying an op twice changes nothing).

mod columns;

use super::DecodeError;
use super::bytes::{Reader, Writer};
use super::ops::{decode_stamp, encode_stamp};
use super::value::{decode_str, decode_value, encode_str, encode_value};
use crate::book::{Book, Packed, RecordState, Register};
use crate::hlc::Hlc;
use crate::id::Id;
use crate::op::{ForeignOp, RecordKind};
use miniz_oxide::deflate::core::{CompressorOxide, create_comp_flags_from_zip_params};
use miniz_oxide::deflate::stream::deflate;
use miniz_oxide::{MZFlush, MZStatus};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const MAGIC: &[u8; 4] = b"HKB1";
const RECORDS: u8 = 1;
const ENTRIES: u8 = 2;
const FOREIGN: u8 = 3;
const RECORDS2: u8 = 4;
const ENTRIES2: u8 = 5;
const END: u8 = 0;

/// Largest image a reader accepts (a 20,000-customer book is about 40 MB).
pub const MAX_IMAGE_BYTES: usize = 1 << 30;

/// Compression levels: fast for the device's own store, small for the server's snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Quick to write (the device's store, rewritten now and then).
    Fast,
    /// Small to download (the shop's snapshot for new devices).
    Small,
}

/// Stamps as changes from the previous one, nodes by index (see the module doc).
#[derive(Default)]
struct StampWriter {
    nodes: HashMap<u64, u64>,
    last_ms: u64,
}

impl StampWriter {
    fn write(&mut self, w: &mut Writer, at: Hlc) {
        w.zigzag(at.ms.wrapping_sub(self.last_ms) as i64);
        self.last_ms = at.ms;
        w.varint(u64::from(at.c));
        let next = self.nodes.len() as u64;
        let index = *self.nodes.entry(at.n).or_insert(next);
        w.varint(index);
        if index == next {
            w.u64_le(at.n);
        }
    }
}

#[derive(Default)]
struct StampReader {
    nodes: Vec<u64>,
    last_ms: u64,
}

impl StampReader {
    fn read(&mut self, r: &mut Reader<'_>) -> Result<Hlc, DecodeError> {
        let ms = self.last_ms.wrapping_add(r.zigzag()? as u64);
        self.last_ms = ms;
        let c = u32::try_from(r.varint()?).map_err(|_| r.error("counter beyond 32 bits"))?;
        let index = r.varint()?;
        let n = match usize::try_from(index) {
            Ok(i) if i < self.nodes.len() => self.nodes[i],
            Ok(i) if i == self.nodes.len() => {
                let n = r.u64_le()?;
                self.nodes.push(n);
                n
            }
            _ => return Err(r.error("unknown node index")),
        };
        Ok(Hlc { ms, c, n })
    }
}

/// Where a [`SnapshotWriter`] is in the book.
enum WritePhase {
    Records(Option<(RecordKind, Id)>),
    Entries(Option<String>),
    Foreign,
    Done,
}

/// Writes a book's image, compressed, a block at a time, and cuts it into parts.
pub struct SnapshotWriter {
    phase: WritePhase,
    stamps: StampWriter,
    compressor: Box<CompressorOxide>,
    part_bytes: usize,
    parts: Vec<Vec<u8>>,
    current: Vec<u8>,
    image_bytes: usize,
    /// The columnar blocks' state ([`Level::Small`] only).
    columns: Option<Box<columns::ColumnWriter>>,
}

impl SnapshotWriter {
    /// A writer making parts of at most `part_bytes` compressed bytes.
    pub fn new(level: Level, part_bytes: usize) -> SnapshotWriter {
        let columns = (level == Level::Small).then(|| Box::new(columns::ColumnWriter::new()));
        let level = match level {
            Level::Fast => 1,
            Level::Small => 9,
        };
        // Raw deflate (window bits < 0), as `super::compress` makes.
        let flags = create_comp_flags_from_zip_params(level, -15, 0);
        let mut writer = SnapshotWriter {
            phase: WritePhase::Records(None),
            stamps: StampWriter::default(),
            compressor: Box::new(CompressorOxide::new(flags)),
            part_bytes: part_bytes.max(1024),
            parts: Vec::new(),
            current: Vec::new(),
            image_bytes: 0,
            columns,
        };
        writer.emit(MAGIC, MZFlush::None);
        writer
    }

    /// Writes the next block of at most `rows` records or entries of `book` (which may have
    /// changed since the last step). Returns true once the image is complete.
    pub fn step(&mut self, book: &Book, rows: usize) -> bool {
        let rows = rows.max(1);
        self.stamps.last_ms = 0;
        let mut w = Writer::new();
        match std::mem::replace(&mut self.phase, WritePhase::Done) {
            WritePhase::Records(after) => {
                let block: Vec<_> = book.records_after(after.as_ref()).take(rows).collect();
                self.phase = match block.last() {
                    Some((key, _)) if block.len() == rows => {
                        WritePhase::Records(Some((*key).clone()))
                    }
                    _ => WritePhase::Entries(None),
                };
                match &mut self.columns {
                    _ if block.is_empty() => {}
                    Some(columns) => {
                        let (body, cuts) = columns.records(&block);
                        self.block(RECORDS2, &body, &cuts);
                    }
                    None => {
                        w.len_prefix(block.len());
                        for ((kind, id), state) in block {
                            self.write_record(&mut w, *kind, id, state);
                        }
                        self.block(RECORDS, &w, &[]);
                    }
                }
            }
            WritePhase::Entries(after) => {
                let block: Vec<_> = book.entries_after(after.as_deref()).take(rows).collect();
                self.phase = match block.last() {
                    Some(e) if block.len() == rows => WritePhase::Entries(Some(e.id.to_owned())),
                    _ => WritePhase::Foreign,
                };
                match &mut self.columns {
                    _ if block.is_empty() => {}
                    Some(columns) => {
                        let (body, cuts) = columns.entries(&block);
                        self.block(ENTRIES2, &body, &cuts);
                    }
                    None => {
                        self.write_entries(&mut w, &block);
                        self.block(ENTRIES, &w, &[]);
                    }
                }
            }
            WritePhase::Foreign => {
                let foreign: Vec<&ForeignOp> = book.foreign().collect();
                if !foreign.is_empty() {
                    w.len_prefix(foreign.len());
                    for f in foreign {
                        encode_stamp(&mut w, f.at);
                        w.bytes(&f.bytes);
                    }
                    self.block(FOREIGN, &w, &[]);
                    w.clear();
                }
                encode_stamp(&mut w, book.latest_stamp());
                self.block(END, &w, &[]);
                self.emit(&[], MZFlush::Finish);
                if !self.current.is_empty() {
                    self.parts.push(std::mem::take(&mut self.current));
                }
                self.phase = WritePhase::Done;
            }
            WritePhase::Done => {}
        }
        matches!(self.phase, WritePhase::Done)
    }

    /// Writes the whole book at once.
    pub fn write_all(book: &Book, level: Level, part_bytes: usize) -> Vec<Vec<u8>> {
        let mut writer = SnapshotWriter::new(level, part_bytes);
        while !writer.step(book, 20_000) {}
        writer.finish()
    }

    /// The compressed parts, once [`SnapshotWriter::step`] said the image is complete.
    pub fn finish(self) -> Vec<Vec<u8>> {
        self.parts
    }

    /// Bytes of the image before compression, so far.
    pub fn image_bytes(&self) -> usize {
        self.image_bytes
    }

    fn write_record(&mut self, w: &mut Writer, kind: RecordKind, id: &Id, state: &RecordState) {
        w.u8(kind.code());
        encode_str(w, id.as_str());
        // Tombstones: bit 0 deleted, bit 1 erased, then their stamps.
        w.u8(u8::from(state.deleted.is_some()) | u8::from(state.erased.is_some()) << 1);
        for at in [state.deleted, state.erased].into_iter().flatten() {
            self.stamps.write(w, at);
        }
        w.len_prefix(state.fields.len());
        for (name, reg) in &state.fields {
            encode_str(w, name);
            self.stamps.write(w, reg.at);
            encode_value(w, &reg.value);
        }
    }

    fn write_entries(&mut self, w: &mut Writer, block: &[crate::book::EntryRef<'_>]) {
        let (mut ids, mut stamps, mut sizes) = (Writer::new(), Writer::new(), Writer::new());
        let mut data = Writer::new();
        let mut last_uuid_ms = 0u64;
        for e in block {
            match uuid_bytes(e.id) {
                Some(b) => {
                    ids.u8(1);
                    let ms = u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]]);
                    ids.zigzag(ms.wrapping_sub(last_uuid_ms) as i64);
                    last_uuid_ms = ms;
                    ids.raw(&b[6..]);
                }
                None => {
                    ids.u8(0);
                    ids.bytes(e.id.as_bytes());
                }
            }
            self.stamps.write(&mut stamps, e.at);
            sizes.len_prefix(e.raw.len());
            data.raw(e.raw);
        }
        w.len_prefix(block.len());
        for col in [&ids, &stamps, &sizes, &data] {
            w.bytes(col.as_bytes());
        }
    }

    /// Writes a block; `cuts` are where its streams end in `body`, each the end of a deflate
    /// block (so that each has its own Huffman tables).
    fn block(&mut self, kind: u8, body: &Writer, cuts: &[usize]) {
        let mut head = Writer::new();
        head.u8(kind);
        head.len_prefix(body.len());
        self.emit(head.as_bytes(), MZFlush::None);
        let mut from = 0;
        for &cut in cuts {
            self.emit(&body.as_bytes()[from..cut], MZFlush::Sync);
            from = cut;
        }
        self.emit(&body.as_bytes()[from..], MZFlush::None);
    }

    /// Feeds bytes to the compressor, cutting its output into parts.
    fn emit(&mut self, mut input: &[u8], flush: MZFlush) {
        self.image_bytes += input.len();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let res = deflate(&mut self.compressor, input, &mut buf, flush);
            input = &input[res.bytes_consumed..];
            let mut out = &buf[..res.bytes_written];
            while !out.is_empty() {
                let room = self.part_bytes - self.current.len();
                let take = room.min(out.len());
                self.current.extend_from_slice(&out[..take]);
                out = &out[take..];
                if self.current.len() == self.part_bytes {
                    self.parts.push(std::mem::take(&mut self.current));
                }
            }
            let finished = matches!(res.status, Ok(MZStatus::StreamEnd));
            let stalled = res.bytes_consumed == 0 && res.bytes_written == 0;
            // Without finishing, the input is all taken once a call leaves room in the output
            // (a sync flush writes its marker again on every call, so never wait to stall).
            let flushed = flush != MZFlush::Finish && res.bytes_written < buf.len();
            if finished || (input.is_empty() && (flushed || stalled)) {
                break;
            }
            if res.status.is_err() {
                break;
            }
        }
    }
}

fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let mut w = Writer::new();
    encode_str(&mut w, id);
    let b = w.as_bytes();
    // Tag 9 is the UUID form of `value`.
    (b.len() == 17 && b[0] == 9).then(|| b[1..].try_into().expect("16 bytes"))
}

fn uuid_text(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut w = Writer::with_capacity(17);
    w.u8(9);
    w.raw(bytes);
    decode_str(&mut Reader::new(w.as_bytes()))
}

/// Reads an image from its parts: decompresses each part as it is fed, and reads whole blocks
/// into the book as they become available.
pub struct SnapshotReader {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    stream_done: bool,
    /// Decompressed bytes not read yet.
    pending: Vec<u8>,
    /// Bytes of `pending` already read.
    consumed: usize,
    magic_seen: bool,
    stamps: StampReader,
    records: BTreeMap<(RecordKind, Id), RecordState>,
    packed: Packed,
    foreign: BTreeSet<ForeignOp>,
    latest: Option<Hlc>,
    image_bytes: usize,
    /// The columnar blocks' state, once one was met.
    columns: Option<Box<columns::ColumnReader>>,
}

impl Default for SnapshotReader {
    fn default() -> Self {
        SnapshotReader::new()
    }
}

impl SnapshotReader {
    /// A reader at the start of an image.
    pub fn new() -> SnapshotReader {
        SnapshotReader {
            state: miniz_oxide::inflate::stream::InflateState::new_boxed(
                miniz_oxide::DataFormat::Raw,
            ),
            stream_done: false,
            pending: Vec::new(),
            consumed: 0,
            magic_seen: false,
            stamps: StampReader::default(),
            records: BTreeMap::new(),
            packed: Packed::default(),
            foreign: BTreeSet::new(),
            latest: None,
            image_bytes: 0,
            columns: None,
        }
    }

    /// Decompresses the next part (the blocks it completes are read by [`SnapshotReader::step`]).
    pub fn feed(&mut self, part: &[u8]) -> Result<(), DecodeError> {
        use miniz_oxide::inflate::stream::inflate;
        if self.consumed > 0 {
            self.pending.drain(..self.consumed);
            self.consumed = 0;
        }
        let mut input = part;
        let mut buf = vec![0u8; 1 << 16];
        while !input.is_empty() && !self.stream_done {
            let res = inflate(&mut self.state, input, &mut buf, MZFlush::None);
            input = &input[res.bytes_consumed..];
            self.pending.extend_from_slice(&buf[..res.bytes_written]);
            self.image_bytes += res.bytes_written;
            if self.image_bytes > MAX_IMAGE_BYTES {
                return Err(DecodeError::new("snapshot too large", self.image_bytes));
            }
            match res.status {
                Ok(MZStatus::StreamEnd) => self.stream_done = true,
                Ok(_) if res.bytes_consumed == 0 && res.bytes_written == 0 => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(DecodeError::new(format!("cannot decompress: {e:?}"), 0));
                }
            }
        }
        Ok(())
    }

    /// Reads the next whole block that was decompressed. Returns false when no whole block is
    /// waiting (feed more parts, or the image is complete: see [`SnapshotReader::is_complete`]).
    pub fn step(&mut self) -> Result<bool, DecodeError> {
        if self.latest.is_some() {
            return Ok(false);
        }
        let input = &self.pending[self.consumed..];
        let mut r = Reader::new(input);
        if !self.magic_seen {
            if input.len() < MAGIC.len() {
                return Ok(false);
            }
            if r.raw(4)? != MAGIC {
                return Err(DecodeError::new(
                    "not a book image of this version (an app update may be needed)",
                    0,
                ));
            }
            self.magic_seen = true;
            self.consumed += 4;
            return Ok(true);
        }
        let Ok(kind) = r.u8() else { return Ok(false) };
        let Ok(len) = r.varint() else {
            return Ok(false);
        };
        let start = r.position();
        let Some(body) = usize::try_from(len)
            .ok()
            .and_then(|len| input.get(start..start.checked_add(len)?))
        else {
            return Ok(false);
        };
        let body = body.to_vec();
        self.consumed += start + body.len();
        self.stamps.last_ms = 0;
        let mut r = Reader::new(&body);
        match kind {
            RECORDS => self.read_records(&mut r)?,
            ENTRIES => self.read_entries(&mut r)?,
            FOREIGN => {
                for _ in 0..r.len_prefix()? {
                    let at = decode_stamp(&mut r)?;
                    let bytes = r.bytes()?.to_vec();
                    self.foreign.insert(ForeignOp { at, bytes });
                }
            }
            RECORDS2 => self
                .columns
                .get_or_insert_with(|| Box::new(columns::ColumnReader::new()))
                .records(&mut r, &mut self.records)?,
            ENTRIES2 => self
                .columns
                .get_or_insert_with(|| Box::new(columns::ColumnReader::new()))
                .entries(&mut r, &mut self.packed)?,
            END => self.latest = Some(decode_stamp(&mut r)?),
            _ => return Err(r.error("unknown block (written by a newer version)")),
        }
        if !r.is_empty() {
            return Err(r.error("bytes after a block's rows"));
        }
        Ok(true)
    }

    /// True once the end block was read.
    pub fn is_complete(&self) -> bool {
        self.latest.is_some()
    }

    /// The book, once the image is complete.
    pub fn finish(self) -> Result<Book, DecodeError> {
        let latest = self
            .latest
            .ok_or_else(|| DecodeError::new("the snapshot ends early", self.image_bytes))?;
        Ok(Book::from_parts(
            self.records,
            self.packed,
            self.foreign,
            latest,
        ))
    }

    /// Reads every part at once.
    pub fn read_all<'p>(parts: impl IntoIterator<Item = &'p [u8]>) -> Result<Book, DecodeError> {
        let mut reader = SnapshotReader::new();
        for part in parts {
            reader.feed(part)?;
            while reader.step()? {}
        }
        reader.finish()
    }

    fn read_records(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        for _ in 0..r.len_prefix()? {
            let kind = RecordKind::from_code(r.u8()?)
                .ok_or_else(|| r.error("unknown record kind (written by a newer version)"))?;
            let id = Id::parse(&decode_str(r)?)
                .map_err(|e| DecodeError::new(e.to_string(), r.position()))?;
            let tombstones = r.u8()?;
            if tombstones > 3 {
                return Err(r.error("unknown tombstone (written by a newer version)"));
            }
            let deleted = match tombstones & 1 {
                0 => None,
                _ => Some(self.stamps.read(r)?),
            };
            let erased = match tombstones & 2 {
                0 => None,
                _ => Some(self.stamps.read(r)?),
            };
            let mut fields = BTreeMap::new();
            for _ in 0..r.len_prefix()? {
                let name = decode_str(r)?;
                let at = self.stamps.read(r)?;
                let value = decode_value(r)?;
                fields.insert(name, Register { at, value });
            }
            self.records.insert(
                (kind, id),
                RecordState {
                    fields,
                    deleted,
                    erased,
                },
            );
        }
        Ok(())
    }

    fn read_entries(&mut self, r: &mut Reader<'_>) -> Result<(), DecodeError> {
        let n = r.len_prefix()?;
        let mut ids = Reader::new(r.bytes()?);
        let mut stamps = Reader::new(r.bytes()?);
        let mut sizes = Reader::new(r.bytes()?);
        let mut data = Reader::new(r.bytes()?);
        let mut last_uuid_ms = 0u64;
        for _ in 0..n {
            let id = match ids.u8()? {
                1 => {
                    let ms = last_uuid_ms.wrapping_add(ids.zigzag()? as u64);
                    last_uuid_ms = ms;
                    let mut b = [0u8; 16];
                    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
                    b[6..].copy_from_slice(ids.raw(10)?);
                    uuid_text(&b)?
                }
                _ => String::from_utf8(ids.bytes()?.to_vec())
                    .map_err(|_| ids.error("id is not UTF-8"))?,
            };
            let at = self.stamps.read(&mut stamps)?;
            let size = usize::try_from(sizes.varint()?).unwrap_or(usize::MAX);
            let raw = data.raw(size)?;
            if self.packed.len() > 0 && self.packed.last_id() >= id.as_str() {
                return Err(data.error("entries out of id order"));
            }
            self.packed.push(&id, at, raw);
        }
        if !(ids.is_empty() && stamps.is_empty() && sizes.is_empty() && data.is_empty()) {
            return Err(r.error("entry columns of different lengths"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::{Op, RawEntry};
    use serde_json::json;

    fn book(n: u64) -> Book {
        let mut book = Book::new();
        for i in 0..n {
            let at = |k: u64| Hlc {
                ms: 1_700_000_000_000 + i * 1_000 + k,
                c: 0,
                n: i % 3 + 1,
            };
            let customer = Id::from_stamp(at(0));
            book.apply(&Op::Set {
                at: at(0),
                kind: RecordKind::Customer,
                id: customer.clone(),
                field: "name".into(),
                value: json!(format!("顾客{i}")),
            });
            book.apply(&Op::Append {
                at: at(1),
                id: Id::from_stamp(at(1)),
                entry: RawEntry::from_value(
                    &json!({"type": "visit", "customer": customer.as_str(), "on": "2026-01-02"}),
                ),
            });
            if i % 7 == 0 {
                book.apply(&Op::Append {
                    at: at(2),
                    id: Id::parse(&format!("imported-{i}")).unwrap(),
                    entry: RawEntry::from_value(&json!({"n": i})),
                });
                book.apply(&Op::Delete {
                    at: at(3),
                    kind: RecordKind::Customer,
                    id: customer,
                });
            }
        }
        book.apply(&Op::Foreign(ForeignOp {
            at: Hlc { ms: 5, c: 0, n: 9 },
            bytes: vec![42, 1, 2, 3],
        }));
        book
    }

    #[test]
    fn a_book_comes_back_from_its_parts_whatever_the_steps() {
        let original = book(500);
        for (level, part_bytes, rows) in [(Level::Fast, 1024, 7), (Level::Small, 1 << 20, 100_000)]
        {
            let mut writer = SnapshotWriter::new(level, part_bytes);
            while !writer.step(&original, rows) {}
            let parts = writer.finish();
            assert!(parts.iter().all(|p| p.len() <= part_bytes.max(1024)));
            let back = SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap();
            assert!(back == original);
        }
        let empty = Book::new();
        let parts = SnapshotWriter::write_all(&empty, Level::Fast, 1 << 20);
        assert!(SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap() == empty);
    }

    #[test]
    fn changes_made_while_writing_are_either_in_the_image_or_left_for_the_journal() {
        let mut live = book(300);
        let mut writer = SnapshotWriter::new(Level::Fast, 4096);
        let mut later = Vec::new();
        let mut step = 0u64;
        while !writer.step(&live, 50) {
            step += 1;
            let at = Hlc {
                ms: 1_800_000_000_000 + step,
                c: 0,
                n: 2,
            };
            let op = Op::Append {
                at,
                id: Id::from_stamp(Hlc {
                    ms: 1_600_000_000_000 + step,
                    ..at
                }),
                entry: RawEntry::from_value(&json!({"late": step})),
            };
            live.apply(&op);
            later.push(op);
        }
        let mut back = SnapshotReader::read_all(writer.finish().iter().map(Vec::as_slice)).unwrap();
        for op in &later {
            back.apply(op);
        }
        assert!(back == live);
    }

    #[test]
    fn a_block_of_a_kind_this_version_does_not_know_is_an_error_that_says_so() {
        let mut image = MAGIC.to_vec();
        image.extend_from_slice(&[9, 1, 0]);
        let err = SnapshotReader::read_all([&super::super::compress(&image)[..]]).unwrap_err();
        assert!(err.what.contains("newer version"), "{err}");
        // The blocks of each level, and a column mode this version does not know.
        let kinds = |level| {
            let parts = SnapshotWriter::write_all(&book(20), level, 1 << 20);
            let mut image = super::super::decompress(&parts.concat(), 1 << 20).unwrap();
            let (mut kinds, mut at, mut mode_at) = (Vec::new(), 4, None);
            while at < image.len() {
                let mut r = Reader::at(&image, at);
                let kind = r.u8().unwrap();
                let len = r.varint().unwrap() as usize;
                let body = r.position();
                if kind == ENTRIES2 && mode_at.is_none() {
                    // Row count, nine streams, column count, first column's number: its mode.
                    r.varint().unwrap();
                    for _ in 0..9 {
                        r.bytes().unwrap();
                    }
                    r.varint().unwrap();
                    r.varint().unwrap();
                    mode_at = Some(r.position());
                }
                kinds.push(kind);
                at = body + len;
            }
            if let Some(m) = mode_at {
                image[m] = 7;
            }
            (kinds, image)
        };
        let (fast, _) = kinds(Level::Fast);
        assert_eq!(fast, [RECORDS, ENTRIES, FOREIGN, END]);
        let (small, damaged) = kinds(Level::Small);
        assert_eq!(small, [RECORDS2, ENTRIES2, FOREIGN, END]);
        let err = SnapshotReader::read_all([&super::super::compress(&damaged)[..]]).unwrap_err();
        assert!(err.what.contains("newer version"), "{err}");
    }

    #[test]
    fn a_truncated_or_foreign_image_is_an_error() {
        let parts = SnapshotWriter::write_all(&book(50), Level::Fast, 1 << 20);
        let all: Vec<u8> = parts.concat();
        assert!(SnapshotReader::read_all([&all[..all.len() / 2]]).is_err());
        assert!(SnapshotReader::read_all([&b"not deflate at all"[..]]).is_err());
        let other = super::super::compress(b"HKB9....");
        assert!(SnapshotReader::read_all([&other[..]]).is_err());
    }
}
