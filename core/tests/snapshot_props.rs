//! Property tests of the book's image (`codec::snapshot`): any book — records with fields and
//! tombstones, entries of every kind (also ones this version cannot decode, and encodings no
//! current writer makes), ids in UUID and free-text form, foreign ops — comes back exactly from
//! both levels, whatever the step and part sizes; a damaged image is an error, never a panic.
// proptest needs OS randomness, which the browser build does not have; these run natively.
#![cfg(not(target_arch = "wasm32"))]

use huike_core::book::{Book, RecordState, Register};
use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
use huike_core::codec::{compress, decompress};
use huike_core::hlc::Hlc;
use huike_core::id::Id;
use huike_core::op::{ForeignOp, Op, RecordKind};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const NODES: [u64; 4] = [0x1111_2222_3333_4444, 0xdead_beef_cafe_f00d, 7, u64::MAX];

fn stamp() -> impl Strategy<Value = Hlc> {
    prop_oneof![
        8 => (0u64..200_000, 0u32..4, prop::sample::select(&NODES[..]))
            .prop_map(|(ms, c, n)| Hlc { ms: 1_700_000_000_000 + ms, c, n }),
        1 => (any::<u64>(), any::<u32>(), any::<u64>()).prop_map(|(ms, c, n)| Hlc { ms, c, n }),
    ]
}

/// An id as devices make it, a random UUIDv7, or free text from elsewhere.
#[derive(Clone, Debug)]
enum IdSpec {
    Stamp(Hlc),
    V7(u64, [u8; 10]),
    Text(String),
}

impl IdSpec {
    fn id(&self) -> Id {
        match self {
            IdSpec::Stamp(at) => Id::from_stamp(*at),
            IdSpec::V7(ms, random) => Id::v7(*ms, *random),
            IdSpec::Text(t) => Id::parse(t).unwrap_or_else(|_| Id::parse("x").unwrap()),
        }
    }
}

fn id_spec() -> impl Strategy<Value = IdSpec> {
    prop_oneof![
        6 => stamp().prop_map(IdSpec::Stamp),
        2 => (0u64..1 << 48, any::<[u8; 10]>()).prop_map(|(ms, r)| IdSpec::V7(ms, r)),
        2 => "[A-Za-z0-9_-]{1,20}".prop_map(IdSpec::Text),
    ]
}

const TEXTS: &[&str] = &[
    "",
    "purchase",
    "sale",
    "奶粉",
    "纸尿裤",
    "王姐",
    "2024-02-29",
    "2024-02-30",
    "2026-01-02T10:00:00",
    "2026-01-02 10:00:00",
    "0189abcd-0000-7000-8000-00000000002a",
    "0189ABCD-0000-7000-8000-00000000002a",
    "13800138000",
];

const KEYS: &[&str] = &[
    "type", "customer", "at", "items", "amount", "product", "total", "x", "名字", "note",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(|n| json!(n)),
        (0u64..300).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        prop::sample::select(TEXTS).prop_map(|s| json!(s)),
        "[a-z张王 ]{0,8}".prop_map(Value::String),
        stamp().prop_map(|at| json!(Id::from_stamp(at).as_str())),
        (1900i32..2100, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| json!(format!("{y:04}-{m:02}-{d:02}"))),
        (0i64..2_000_000_000).prop_map(|s| json!(
            chrono::DateTime::from_timestamp(s, 0)
                .unwrap()
                .naive_utc()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        )),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(KEYS), inner, 0..5).prop_map(|m| {
                Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// Encoded values no writer of this version makes, which a reader must still keep byte for
/// byte: a varint not in its shortest form, a word written as text, keys out of order or twice,
/// a WORD this version knows but in an unknown entry kind.
const ODD: &[&[u8]] = &[
    &[3, 0x80, 0x00],
    &[7, 0x81, 0x00, 0],
    &[6, 8, b'p', b'u', b'r', b'c', b'h', b'a', b's', b'e'],
    &[8, 2, 12, 5, 3, 1, 12, 0, 6, 1, b'x'],
    &[8, 2, 6, 1, b'a', 0, 6, 1, b'a', 2],
    &[
        8, 1, 12, 0, 6, 9, b'g', b'i', b'f', b't', b'_', b'c', b'a', b'r', b'd',
    ],
    &[10, 0x80, 0x80, 0x00],
];

/// An entry: a domain-like one (a purchase of a customer, a refund of an earlier entry, a
/// ledger entry), any value, or odd bytes.
#[derive(Clone, Debug)]
enum EntrySpec {
    Purchase {
        customer: usize,
        items: Vec<(u8, u8)>,
        total_off: i64,
        staff: usize,
        refund_of: Option<usize>,
    },
    Ledger {
        customer: usize,
        delta: i64,
    },
    Any(Value),
    Odd(usize),
}

fn entry_spec() -> impl Strategy<Value = EntrySpec> {
    prop_oneof![
        6 => (
            any::<usize>(),
            prop::collection::vec((0u8..6, 1u8..4), 1..4),
            prop_oneof![4 => Just(0i64), 1 => -50i64..50],
            0usize..3,
            prop::option::weighted(0.1, any::<usize>()),
        )
            .prop_map(|(customer, items, total_off, staff, refund_of)| EntrySpec::Purchase {
                customer,
                items,
                total_off,
                staff,
                refund_of,
            }),
        2 => (any::<usize>(), -500i64..500).prop_map(|(customer, delta)| EntrySpec::Ledger { customer, delta }),
        2 => value().prop_map(EntrySpec::Any),
        1 => (0..ODD.len()).prop_map(EntrySpec::Odd),
    ]
}

type RecordSpec = (u8, IdSpec, Vec<(String, Hlc, Value)>, Option<Hlc>);

fn record_spec() -> impl Strategy<Value = RecordSpec> {
    let field = (
        prop::sample::select(
            &[
                "name",
                "phones",
                "tags.VIP",
                "tags.新客",
                "gender",
                "x.y",
                "note",
            ][..],
        ),
        stamp(),
        value(),
    )
        .prop_map(|(name, at, v)| (name.to_owned(), at, v));
    (
        0u8..7,
        id_spec(),
        prop::collection::vec(field, 0..6),
        prop::option::weighted(0.2, stamp()),
    )
}

#[derive(Clone, Debug)]
struct BookSpec {
    records: Vec<RecordSpec>,
    entries: Vec<(IdSpec, Option<Hlc>, EntrySpec)>,
    foreign: Vec<(Hlc, Vec<u8>)>,
}

fn book_spec() -> impl Strategy<Value = BookSpec> {
    (
        prop::collection::vec(record_spec(), 0..30),
        prop::collection::vec(
            (
                id_spec(),
                prop::option::weighted(0.3, stamp()),
                entry_spec(),
            ),
            0..150,
        ),
        prop::collection::vec((stamp(), prop::collection::vec(any::<u8>(), 0..20)), 0..3),
    )
        .prop_map(|(records, entries, foreign)| BookSpec {
            records,
            entries,
            foreign,
        })
}

const PRODUCTS: &[(&str, &str, i64)] = &[
    ("a2至初3段", "奶粉", 35_800),
    ("帮宝适L码", "纸尿裤", 13_900),
    ("高铁米粉", "辅食", 5_800),
    ("婴儿润肤乳", "洗护", 4_900),
    ("连体衣", "童装", 12_900),
    ("安全座椅", "用品", 159_900),
];

fn build(spec: &BookSpec) -> Book {
    let mut book = Book::new();
    let mut customers = Vec::new();
    for (kind, id, fields, deleted) in &spec.records {
        let id = id.id();
        // A deleted record without fields stands for an erased one too.
        let mut state = RecordState {
            fields: BTreeMap::new(),
            deleted: *deleted,
            erased: deleted.filter(|_| fields.is_empty()),
        };
        for (name, at, value) in fields {
            state.fields.insert(
                name.clone(),
                Register {
                    at: *at,
                    value: value.clone(),
                },
            );
        }
        customers.push(id.clone());
        book.load_record(RecordKind::from_code(*kind).unwrap(), id, state);
    }
    let mut entry_ids: Vec<Id> = Vec::new();
    for (k, (id, at, entry)) in spec.entries.iter().enumerate() {
        let id = id.id();
        // Most entries are stamped as their id was made; some later, some by another device.
        let at = match (at, id_stamp(&spec.entries[k].0)) {
            (Some(at), _) => *at,
            (None, Some(made)) => made,
            (None, None) => Hlc {
                ms: 1_700_000_000_000 + k as u64,
                c: 0,
                n: NODES[k % 3],
            },
        };
        let customer = |i: usize| match customers.len() {
            0 => json!(Id::from_stamp(at).as_str()),
            n => json!(customers[i % n].as_str()),
        };
        let raw: Vec<u8> = match entry {
            EntrySpec::Purchase {
                customer: c,
                items,
                total_off,
                staff,
                refund_of,
            } => {
                let items: Vec<Value> = items
                    .iter()
                    .map(|&(p, q)| {
                        let (product, category, price) = PRODUCTS[usize::from(p)];
                        json!({"product": product, "category": category, "quantity": q,
                               "amount": price * i64::from(q)})
                    })
                    .collect();
                let sum: i64 = items.iter().map(|i| i["amount"].as_i64().unwrap()).sum();
                let mut v = json!({
                    "type": "purchase",
                    "customer": customer(*c),
                    "at": "2026-01-02T10:00:00",
                    "items": items,
                    "total": sum + total_off,
                    "kind": "sale",
                    "channel": "store",
                    "staff": Id::from_stamp(Hlc { ms: 1, c: 0, n: NODES[*staff] }).as_str(),
                });
                if let (Some(r), false) = (refund_of, entry_ids.is_empty()) {
                    v["corrects"] = json!(entry_ids[r % entry_ids.len()].as_str());
                    v["kind"] = json!("refund");
                }
                huike_core::codec::value::to_bytes(&v)
            }
            EntrySpec::Ledger { customer: c, delta } => {
                let v = json!({"type": "ledger", "customer": customer(*c), "kind": "points",
                               "delta": delta, "note": "消费积分", "at": "2026-01-02T10:00:00"});
                huike_core::codec::value::to_bytes(&v)
            }
            EntrySpec::Any(v) => huike_core::codec::value::to_bytes(v),
            EntrySpec::Odd(i) => ODD[*i].to_vec(),
        };
        assert!(book.load_entry(id.as_str(), at, &raw), "{raw:?}");
        entry_ids.push(id);
    }
    for (at, bytes) in &spec.foreign {
        book.apply(&Op::Foreign(ForeignOp {
            at: *at,
            bytes: bytes.clone(),
        }));
    }
    book
}

fn id_stamp(id: &IdSpec) -> Option<Hlc> {
    match id {
        IdSpec::Stamp(at) => Some(*at),
        _ => None,
    }
}

fn write(book: &Book, level: Level, rows: usize, part_bytes: usize) -> Vec<Vec<u8>> {
    let mut writer = SnapshotWriter::new(level, part_bytes);
    while !writer.step(book, rows) {}
    writer.finish()
}

/// Reads parts fed in pieces cut at `cuts` (the reader takes any slicing of the stream).
fn read(parts: &[Vec<u8>], cuts: &[usize]) -> Result<Book, huike_core::codec::DecodeError> {
    let all = parts.concat();
    let mut reader = SnapshotReader::new();
    let mut from = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (all.len() + 1)).collect();
    points.sort_unstable();
    points.push(all.len());
    for to in points {
        reader.feed(&all[from..to])?;
        from = to;
        while reader.step()? {}
    }
    reader.finish()
}

fn assert_same(back: &Book, book: &Book) {
    assert!(back == book, "the book comes back unchanged");
    assert_eq!(back.latest_stamp(), book.latest_stamp());
    let raws = |b: &Book| -> Vec<(String, Hlc, Vec<u8>)> {
        b.entries()
            .map(|e| (e.id.to_owned(), e.at, e.raw.to_vec()))
            .collect()
    };
    assert_eq!(raws(back), raws(book), "entries byte for byte");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_book_comes_back_from_both_levels_whatever_the_steps_and_parts(
        spec in book_spec(),
        rows in 1usize..60,
        part_bytes in 0usize..6000,
        cuts in prop::collection::vec(any::<usize>(), 0..4),
    ) {
        let book = build(&spec);
        for level in [Level::Fast, Level::Small] {
            let parts = write(&book, level, rows, part_bytes);
            prop_assert!(parts.iter().all(|p| p.len() <= part_bytes.max(1024)));
            let back = SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap();
            assert_same(&back, &book);
            assert_same(&read(&parts, &cuts).unwrap(), &book);
        }
    }

    #[test]
    fn a_damaged_small_image_is_an_error_or_another_book_never_a_panic(
        spec in book_spec(),
        rows in 1usize..60,
        damage in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let book = build(&spec);
        let parts = write(&book, Level::Small, rows, 1 << 20);
        let image = decompress(&parts.concat(), 1 << 30).unwrap();
        let mut damaged = image.clone();
        for &(at, byte) in &damage {
            let at = 4 + at % (image.len() - 4);
            damaged[at] = byte;
        }
        let _ = SnapshotReader::read_all([&compress(&damaged)[..]]);
        // Cut short anywhere before its end block: an error, never a panic.
        let cut = 4 + damage[0].0 % (image.len() - 4 - 10).max(1);
        prop_assert!(SnapshotReader::read_all([&compress(&image[..cut])[..]]).is_err());
    }
}

#[test]
fn synthetic_shops_come_back_from_both_levels_whatever_the_steps() {
    for (seed, rows) in [(1u64, 1usize), (2, 37), (3, 500), (4, 20_000)] {
        let book = huike_core::synth::Params::new(seed, 150, 1_500).book();
        for level in [Level::Fast, Level::Small] {
            let parts = write(&book, level, rows, 4096);
            let back = SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap();
            assert_same(&back, &book);
        }
    }
}

#[test]
fn a_small_image_is_smaller_than_a_fast_one() {
    let book = huike_core::synth::Params::new(5, 300, 3_000).book();
    let size = |level| write(&book, level, 1_000, 1 << 20).concat().len();
    assert!(size(Level::Small) * 2 < size(Level::Fast));
}

#[test]
fn values_this_version_cannot_decode_survive_in_records_too() {
    let mut book = Book::new();
    let mut fields = BTreeMap::new();
    fields.insert(
        "future".to_owned(),
        Register {
            at: Hlc { ms: 1, c: 0, n: 1 },
            value: Value::Object(Map::from_iter([("kind".to_owned(), json!("hologram"))])),
        },
    );
    book.load_record(
        RecordKind::Customer,
        Id::parse("C-1").unwrap(),
        RecordState {
            fields,
            deleted: None,
            erased: None,
        },
    );
    let parts = write(&book, Level::Small, 10, 1024);
    assert_same(
        &SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap(),
        &book,
    );
}
