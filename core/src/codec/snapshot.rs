//! A whole book in one compact image: how a device stores its book and how the server keeps a
//! shop's snapshot for new devices.
//!
//! The image (before compression):
//!
//! ```text
//! "HKB1"                      magic and format version
//! nodes                       count, then each device node id (8 bytes); stamps refer to them
//! counts                      records, entries, foreign ops; the book's latest stamp
//! records                     per record: kind, id, tombstone?, then its fields:
//!                             name, stamp, value
//! entries                     four columns, each length-prefixed:
//!                               ids     one byte per entry: 1 = UUID, 0 = other text;
//!                                       then UUIDs as the change of their 48-bit time
//!                                       (zigzag) and their other 10 bytes; other ids as text
//!                               stamps  per entry: change of ms (zigzag), counter, node index
//!                               sizes   per entry: its encoded length
//!                               data    the encoded entries, one after another
//! foreign                     each foreign op's bytes
//! ```
//!
//! Stamps are written as the change from the stamp before them, so a book whose entries were
//! written minutes apart spends a byte or two per stamp; ids made by
//! [`crate::id::Id::from_stamp`] differ only in their time and counter, which is what the
//! column of UUIDs leaves for the compressor.
//!
//! The image is compressed ([`super::compress`]) and cut into parts ([`into_parts`]) small
//! enough for one request or one storage value. Reading is incremental ([`Inflater`], then
//! [`BookReader::step`]) so a device can load a large book in slices of work that never block
//! its screen for long.

use super::bytes::{Reader, Writer};
use super::ops::{decode_stamp, encode_stamp};
use super::value::{decode_str, decode_value, encode_str, encode_value};
use super::{DecodeError, compress};
use crate::book::{Book, Packed, RecordState, Register};
use crate::hlc::Hlc;
use crate::id::Id;
use crate::op::{ForeignOp, RecordKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const MAGIC: &[u8; 4] = b"HKB1";

/// Largest image a reader accepts (a 20,000-customer book is about 30 MB).
pub const MAX_IMAGE_BYTES: usize = 1 << 30;

/// Stamps as changes from the previous one, with node ids as indices into a table.
struct StampWriter {
    nodes: HashMap<u64, u64>,
    last_ms: u64,
}

impl StampWriter {
    fn write(&mut self, w: &mut Writer, at: Hlc) {
        w.zigzag(at.ms.wrapping_sub(self.last_ms) as i64);
        self.last_ms = at.ms;
        w.varint(u64::from(at.c));
        w.varint(self.nodes[&at.n]);
    }
}

struct StampReader {
    nodes: Vec<u64>,
    last_ms: u64,
}

impl StampReader {
    fn read(&mut self, r: &mut Reader<'_>) -> Result<Hlc, DecodeError> {
        let ms = self.last_ms.wrapping_add(r.zigzag()? as u64);
        self.last_ms = ms;
        let c = u32::try_from(r.varint()?).map_err(|_| r.error("counter beyond 32 bits"))?;
        let node = usize::try_from(r.varint()?).unwrap_or(usize::MAX);
        let n = *self
            .nodes
            .get(node)
            .ok_or_else(|| r.error("unknown node index"))?;
        Ok(Hlc { ms, c, n })
    }
}

/// The book as an uncompressed image (see the module doc). Packs the book's entries first.
pub fn encode_book(book: &mut Book) -> Vec<u8> {
    book.pack();
    let book = &*book;
    let packed = book.packed();
    // Every node that stamped anything.
    let mut node_list: Vec<u64> = book
        .all_records()
        .flat_map(|(_, _, s)| s.fields.values().map(|r| r.at.n).chain(s.deleted.map(|d| d.n)))
        .chain(packed.stamps.iter().map(|s| s.n))
        .chain(std::iter::once(book.latest_stamp().n))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    node_list.sort_unstable();
    let mut stamps = StampWriter {
        nodes: node_list.iter().enumerate().map(|(i, n)| (*n, i as u64)).collect(),
        last_ms: 0,
    };
    let mut w = Writer::with_capacity(packed.data.len() + packed.len() * 24 + 1024);
    w.raw(MAGIC);
    w.len_prefix(node_list.len());
    for n in &node_list {
        w.u64_le(*n);
    }
    let records: Vec<_> = book.all_records().collect();
    let foreign: Vec<&ForeignOp> = book.foreign().collect();
    w.len_prefix(records.len());
    w.len_prefix(packed.len());
    w.len_prefix(foreign.len());
    encode_stamp(&mut w, book.latest_stamp());
    for (kind, id, state) in records {
        w.u8(kind.code());
        encode_str(&mut w, id.as_str());
        match state.deleted {
            Some(at) => {
                w.u8(1);
                stamps.write(&mut w, at);
            }
            None => w.u8(0),
        }
        w.len_prefix(state.fields.len());
        for (name, reg) in &state.fields {
            encode_str(&mut w, name);
            stamps.write(&mut w, reg.at);
            encode_value(&mut w, &reg.value);
        }
    }
    let (mut ids, mut stamp_col, mut sizes) = (Writer::new(), Writer::new(), Writer::new());
    // The entries' stamps are a column of their own, read from its start.
    stamps.last_ms = 0;
    let mut last_uuid_ms = 0u64;
    for i in 0..packed.len() {
        let e = packed.get(i);
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
        stamps.write(&mut stamp_col, e.at);
        sizes.len_prefix(e.raw.len());
    }
    w.bytes(ids.as_bytes());
    w.bytes(stamp_col.as_bytes());
    w.bytes(sizes.as_bytes());
    w.bytes(&packed.data);
    for f in foreign {
        w.bytes(&f.bytes);
    }
    w.into_bytes()
}

fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let mut w = Writer::new();
    encode_str(&mut w, id);
    let b = w.as_bytes();
    // Tag 9 is the UUID form of `value`.
    (b.len() == 17 && b[0] == 9).then(|| b[1..].try_into().expect("16 bytes"))
}

fn uuid_text(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut w = Writer::new();
    w.u8(9);
    w.raw(bytes);
    decode_str(&mut Reader::new(w.as_bytes()))
}

/// The compressed image cut into parts of at most `part_bytes` bytes.
pub fn into_parts(image: &[u8], part_bytes: usize) -> Vec<Vec<u8>> {
    compress(image)
        .chunks(part_bytes.max(1))
        .map(<[u8]>::to_vec)
        .collect()
}

/// Decompresses parts one at a time (each call is a bounded slice of work).
pub struct Inflater {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    out: Vec<u8>,
    done: bool,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    /// A decompressor at the start of an image.
    pub fn new() -> Inflater {
        Inflater {
            state: miniz_oxide::inflate::stream::InflateState::new_boxed(
                miniz_oxide::DataFormat::Raw,
            ),
            out: Vec::new(),
            done: false,
        }
    }

    /// Decompresses the next part.
    pub fn feed(&mut self, part: &[u8]) -> Result<(), DecodeError> {
        use miniz_oxide::inflate::stream::inflate;
        use miniz_oxide::{MZFlush, MZStatus};
        let mut input = part;
        let mut buf = vec![0u8; 1 << 16];
        while !input.is_empty() && !self.done {
            let res = inflate(&mut self.state, input, &mut buf, MZFlush::None);
            input = &input[res.bytes_consumed..];
            self.out.extend_from_slice(&buf[..res.bytes_written]);
            if self.out.len() > MAX_IMAGE_BYTES {
                return Err(DecodeError::new("snapshot too large", self.out.len()));
            }
            match res.status {
                Ok(MZStatus::StreamEnd) => self.done = true,
                Ok(_) => {}
                Err(e) => return Err(DecodeError::new(format!("cannot decompress: {e:?}"), 0)),
            }
            if res.bytes_consumed == 0 && res.bytes_written == 0 {
                break;
            }
        }
        Ok(())
    }

    /// The whole image, once every part was fed.
    pub fn finish(mut self) -> Result<Vec<u8>, DecodeError> {
        if !self.done {
            // Drain what the decompressor still holds.
            self.feed(&[])?;
            use miniz_oxide::inflate::stream::inflate;
            use miniz_oxide::{MZFlush, MZStatus};
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let res = inflate(&mut self.state, &[], &mut buf, MZFlush::Finish);
                self.out.extend_from_slice(&buf[..res.bytes_written]);
                match res.status {
                    Ok(MZStatus::StreamEnd) => break,
                    Ok(_) if res.bytes_written > 0 => {}
                    _ => return Err(DecodeError::new("snapshot ends early", self.out.len())),
                }
            }
        }
        Ok(self.out)
    }
}

/// Where a [`BookReader`] is.
enum Phase {
    Records { left: usize },
    Entries { left: usize },
    Foreign { left: usize },
    Done,
}

/// Reads an image into a book a slice at a time.
pub struct BookReader {
    image: Vec<u8>,
    /// Position of the records and foreign ops (one stream).
    pos: usize,
    /// Positions in the four entry columns.
    cols: [usize; 4],
    col_ends: [usize; 4],
    stamps: StampReader,
    entry_stamps: StampReader,
    last_uuid_ms: u64,
    records: BTreeMap<(RecordKind, Id), RecordState>,
    packed: Packed,
    foreign: BTreeSet<ForeignOp>,
    latest: Hlc,
    pending_entries: usize,
    pending_foreign: usize,
    phase: Phase,
}

impl BookReader {
    /// Checks the image's header.
    pub fn new(image: Vec<u8>) -> Result<BookReader, DecodeError> {
        let mut r = Reader::new(&image);
        if r.raw(4)? != MAGIC {
            return Err(DecodeError::new(
                "not a book image of this version (an app update may be needed)",
                0,
            ));
        }
        let n_nodes = r.len_prefix()?;
        let nodes = (0..n_nodes)
            .map(|_| r.u64_le())
            .collect::<Result<Vec<_>, _>>()?;
        let n_records = r.len_prefix()?;
        let n_entries = r.len_prefix()?;
        let n_foreign = r.len_prefix()?;
        let latest = decode_stamp(&mut r)?;
        let data_bytes = image.len();
        let pos = r.position();
        Ok(BookReader {
            pos,
            cols: [0; 4],
            col_ends: [0; 4],
            stamps: StampReader {
                nodes: nodes.clone(),
                last_ms: 0,
            },
            entry_stamps: StampReader { nodes, last_ms: 0 },
            last_uuid_ms: 0,
            records: BTreeMap::new(),
            packed: Packed::with_capacity(n_entries, data_bytes / 2),
            foreign: BTreeSet::new(),
            latest,
            pending_entries: n_entries,
            pending_foreign: n_foreign,
            phase: Phase::Records { left: n_records },
            image,
        })
    }

    /// Reads up to `rows` records or entries. Returns true once the whole book is read.
    pub fn step(&mut self, rows: usize) -> Result<bool, DecodeError> {
        let mut budget = rows.max(1);
        while budget > 0 {
            match self.phase {
                Phase::Records { left: 0 } => {
                    self.open_entry_columns()?;
                    self.phase = Phase::Entries {
                        left: self.pending_entries,
                    };
                }
                Phase::Records { left } => {
                    let n = left.min(budget);
                    for _ in 0..n {
                        self.read_record()?;
                    }
                    budget -= n;
                    self.phase = Phase::Records { left: left - n };
                }
                Phase::Entries { left: 0 } => {
                    self.pos = self.col_ends[3];
                    self.phase = Phase::Foreign {
                        left: self.pending_foreign,
                    };
                }
                Phase::Entries { left } => {
                    let n = left.min(budget);
                    for _ in 0..n {
                        self.read_entry()?;
                    }
                    budget -= n;
                    self.phase = Phase::Entries { left: left - n };
                }
                Phase::Foreign { left: 0 } => {
                    if self.pos != self.image.len() {
                        return Err(DecodeError::new("bytes after the book", self.pos));
                    }
                    self.phase = Phase::Done;
                }
                Phase::Foreign { left } => {
                    let mut r = Reader::at(&self.image, self.pos);
                    let bytes = r.bytes()?.to_vec();
                    let at = super::ops::decode_op(&bytes)?.at();
                    self.pos = r.position();
                    self.foreign.insert(ForeignOp { at, bytes });
                    budget -= 1;
                    self.phase = Phase::Foreign { left: left - 1 };
                }
                Phase::Done => return Ok(true),
            }
        }
        Ok(matches!(self.phase, Phase::Done))
    }

    /// The book, once [`BookReader::step`] said it is all read.
    pub fn finish(self) -> Result<Book, DecodeError> {
        if !matches!(self.phase, Phase::Done) {
            return Err(DecodeError::new("the book is not read yet", self.pos));
        }
        Ok(Book::from_parts(
            self.records,
            self.packed,
            self.foreign,
            self.latest,
        ))
    }

    /// Reads a whole image at once.
    pub fn read_all(image: Vec<u8>) -> Result<Book, DecodeError> {
        let mut reader = BookReader::new(image)?;
        while !reader.step(usize::MAX)? {}
        reader.finish()
    }

    fn read_record(&mut self) -> Result<(), DecodeError> {
        let mut r = Reader::at(&self.image, self.pos);
        let code = r.u8()?;
        let kind = RecordKind::from_code(code)
            .ok_or_else(|| r.error("unknown record kind (written by a newer version)"))?;
        let id = Id::parse(&decode_str(&mut r)?).map_err(|e| DecodeError::new(e.to_string(), r.position()))?;
        let deleted = match r.u8()? {
            0 => None,
            _ => Some(self.stamps.read(&mut r)?),
        };
        let n = r.len_prefix()?;
        let mut fields = BTreeMap::new();
        for _ in 0..n {
            let name = decode_str(&mut r)?;
            let at = self.stamps.read(&mut r)?;
            let value = decode_value(&mut r)?;
            fields.insert(name, Register { at, value });
        }
        self.pos = r.position();
        self.records
            .insert((kind, id), RecordState { fields, deleted });
        Ok(())
    }

    fn open_entry_columns(&mut self) -> Result<(), DecodeError> {
        let mut r = Reader::at(&self.image, self.pos);
        for c in 0..4 {
            let n = r.len_prefix()?;
            self.cols[c] = r.position();
            r.raw(n)?;
            self.col_ends[c] = r.position();
        }
        Ok(())
    }

    fn read_entry(&mut self) -> Result<(), DecodeError> {
        let image = &self.image;
        let mut ids = Reader::at(&image[..self.col_ends[0]], self.cols[0]);
        let id = match ids.u8()? {
            1 => {
                let ms = self.last_uuid_ms.wrapping_add(ids.zigzag()? as u64);
                self.last_uuid_ms = ms;
                let mut b = [0u8; 16];
                b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
                b[6..].copy_from_slice(ids.raw(10)?);
                uuid_text(&b)?
            }
            _ => String::from_utf8(ids.bytes()?.to_vec())
                .map_err(|_| ids.error("id is not UTF-8"))?,
        };
        self.cols[0] = ids.position();
        let mut stamps = Reader::at(&image[..self.col_ends[1]], self.cols[1]);
        let at = self.entry_stamps.read(&mut stamps)?;
        self.cols[1] = stamps.position();
        let mut sizes = Reader::at(&image[..self.col_ends[2]], self.cols[2]);
        let size = sizes.varint()? as usize;
        self.cols[2] = sizes.position();
        let start = self.cols[3];
        let end = start
            .checked_add(size)
            .filter(|&e| e <= self.col_ends[3])
            .ok_or_else(|| DecodeError::new("entry beyond its column", start))?;
        if self.packed.len() > 0 && self.packed.ids.get(self.packed.len() - 1) >= id.as_str() {
            return Err(DecodeError::new("entries out of id order", start));
        }
        self.packed.push(&id, at, &image[start..end]);
        self.cols[3] = end;
        Ok(())
    }
}
