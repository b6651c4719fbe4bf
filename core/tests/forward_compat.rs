//! What a newer app version writes and this one cannot read — an op kind, an entry kind, a
//! whole payload format — is kept, synced on and passed on in snapshots, never a reason to
//! stop a pull or to lose data.

use huike_core::codec::bytes::Writer;
use huike_core::codec::ops::{encode_ops, encode_stamp};
use huike_core::codec::snapshot::{Level, SnapshotReader, SnapshotWriter};
use huike_core::hlc::Hlc;
use huike_core::id::Id;
use huike_core::op::{ForeignOp, Op, RawEntry, RecordKind};
use huike_core::replica::{Journal, Replica};
use huike_core::sync::StoredBatch;
use serde_json::json;

/// A batch as a newer version would write it: an op of a kind this version does not know, an
/// entry of a kind it does not know, and a customer edit it does.
fn newer_batch() -> (StoredBatch, Vec<u8>) {
    let mut future = Writer::new();
    future.u8(42);
    encode_stamp(
        &mut future,
        Hlc {
            ms: 1_700_000_000_000,
            c: 0,
            n: 77,
        },
    );
    future.raw(b"appointment booked for Saturday");
    let future = future.into_bytes();
    let id = Id::parse("0189abcd-0000-7000-8000-00000000002a").unwrap();
    let ops = [
        huike_core::codec::ops::decode_op(&future).unwrap(),
        Op::Append {
            at: Hlc {
                ms: 1_700_000_000_001,
                c: 0,
                n: 77,
            },
            id: Id::parse("e-1").unwrap(),
            entry: RawEntry::from_value(
                &json!({"type": "appointment", "customer": id.as_str(), "on": "2026-12-05"}),
            ),
        },
        Op::Set {
            at: Hlc {
                ms: 1_700_000_000_002,
                c: 0,
                n: 77,
            },
            kind: RecordKind::Customer,
            id,
            field: "name".into(),
            value: json!("张三"),
        },
    ];
    let payload = huike_core::codec::ops::encode_payload(&ops);
    assert!(!encode_ops(&ops).is_empty());
    let batch = StoredBatch {
        device: "newer".into(),
        seq: 1,
        ops: 3,
        payload,
    };
    (batch, future)
}

#[test]
fn an_older_device_keeps_what_it_cannot_read_and_passes_it_on() {
    let (batch, future) = newer_batch();
    let mut older = Replica::new("older".into());
    let delta = older.receive(std::slice::from_ref(&batch));
    assert!(!delta.is_empty(), "the pull goes on");
    assert_eq!(older.sync().cursor.get("newer"), Some(&1));
    let book = older.book();
    assert_eq!(
        book.records(RecordKind::Customer).count(),
        1,
        "what it can read, it applies"
    );
    assert_eq!(
        book.foreign().map(|f| f.bytes.clone()).collect::<Vec<_>>(),
        vec![future.clone()],
        "the unknown op is kept byte for byte"
    );
    let entry = book.entry("e-1").expect("the unknown entry is kept");
    assert_eq!(entry.decode(), None, "…though this version cannot read it");

    // Passed on: a device that starts from this one's snapshot has both.
    let parts = SnapshotWriter::write_all(book, Level::Small, 1 << 20);
    let mut fresh = Replica::new("fresh".into());
    fresh.commit(&Journal::Merged {
        parts,
        cursor: older.sync().cursor.clone(),
    });
    assert!(fresh.book() == older.book());
    assert_eq!(fresh.book().foreign().count(), 1);
    assert_eq!(
        fresh.book().entry("e-1").map(|e| e.raw.to_vec()),
        Some(book.entry("e-1").unwrap().raw.to_vec())
    );
}

#[test]
fn a_payload_of_a_newer_format_is_kept_whole_and_the_pull_goes_on() {
    let mut older = Replica::new("older".into());
    let newer = StoredBatch {
        device: "newer".into(),
        seq: 1,
        ops: 1,
        payload: "hk2.a-format-from-the-future".into(),
    };
    let (readable, _) = newer_batch();
    let readable = StoredBatch { seq: 2, ..readable };
    older.receive(&[newer.clone(), readable]);
    assert_eq!(
        older.sync().cursor.get("newer"),
        Some(&2),
        "both batches count as applied"
    );
    assert_eq!(older.book().records(RecordKind::Customer).count(), 1);
    let kept: Vec<&ForeignOp> = older.book().foreign().collect();
    assert!(
        kept.iter().any(|f| f
            .bytes
            .windows(newer.payload.len())
            .any(|w| w == newer.payload.as_bytes())),
        "the unreadable batch is kept whole for a version that can read it"
    );
    let parts = SnapshotWriter::write_all(older.book(), Level::Fast, 4096);
    let back = SnapshotReader::read_all(parts.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(back.foreign().count(), older.book().foreign().count());
}
