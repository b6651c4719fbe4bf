//! Property tests of the merge (docs/sync.md): any number of replicas receiving random operations in
//! random order, with duplicates and delays, converge to the same book, and the winning value of
//! every field is the write with the latest stamp (no acknowledged write is lost to an older one).
// proptest needs OS randomness, which the browser build does not have; these run natively.
#![cfg(not(target_arch = "wasm32"))]

use huike_core::book::Book;
use huike_core::domain::Record;
use huike_core::domain::{
    Contact, ContactChannel, Entry, LedgerEntry, LedgerKind, Money, Outcome, Purchase,
    PurchaseKind, Purpose, SaleChannel, Visit,
};
use huike_core::hlc::{Clock, Hlc};
use huike_core::id::Id;
use huike_core::op::{Op, RecordKind};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

/// A compact description of one op, turned into a real op with a unique stamp per node.
#[derive(Clone, Debug)]
enum Spec {
    Set {
        node: u8,
        ms: u16,
        rec: u8,
        field: u8,
        value: u8,
    },
    Tag {
        node: u8,
        ms: u16,
        rec: u8,
        tag: u8,
        on: bool,
    },
    Delete {
        node: u8,
        ms: u16,
        rec: u8,
    },
    Erase {
        node: u8,
        ms: u16,
        rec: u8,
    },
    Append {
        node: u8,
        ms: u16,
        rec: u8,
        entry: u8,
        amount: i16,
    },
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        6 => (0u8..4, 0u16..50, 0u8..6, 0u8..3, any::<u8>())
            .prop_map(|(node, ms, rec, field, value)| Spec::Set { node, ms, rec, field, value }),
        3 => (0u8..4, 0u16..50, 0u8..4, 0u8..3, any::<bool>())
            .prop_map(|(node, ms, rec, tag, on)| Spec::Tag { node, ms, rec, tag, on }),
        1 => (0u8..4, 0u16..50, 0u8..6).prop_map(|(node, ms, rec)| Spec::Delete { node, ms, rec }),
        1 => (0u8..4, 0u16..50, 0u8..6).prop_map(|(node, ms, rec)| Spec::Erase { node, ms, rec }),
        3 => (0u8..4, 0u16..50, 0u8..4, 0u8..6, any::<i16>())
            .prop_map(|(node, ms, rec, entry, amount)| Spec::Append { node, ms, rec, entry, amount }),
    ]
}

fn rid(rec: u8) -> Id {
    Id::parse(&format!("customer-{rec}")).unwrap()
}

/// Records 0–3 are customers; 4 and 5 exercise the other mutable kinds.
fn kind(rec: u8) -> RecordKind {
    match rec {
        4 => RecordKind::Complaint,
        5 => RecordKind::Campaign,
        _ => RecordKind::Customer,
    }
}

/// Every kind of immutable entry, picked by `entry`.
fn make_entry(entry: u8, rec: u8, amount: i16) -> Entry {
    let customer = rid(rec);
    let at = "2026-01-01T10:00:00".parse().unwrap();
    match entry % 4 {
        0 => Entry::Purchase(Purchase {
            customer,
            at,
            total: Money(i64::from(amount)),
            items: vec![],
            staff: None,
            channel: SaleChannel::Store,
            kind: if amount < 0 {
                PurchaseKind::Refund
            } else {
                PurchaseKind::Sale
            },
            corrects: None,
        }),
        1 => Entry::Visit(Visit {
            customer,
            on: at.date(),
            note: format!("n{amount}"),
            reason: None,
            staff: None,
        }),
        2 => Entry::Contact(Contact {
            customer,
            at,
            channel: ContactChannel::Wechat,
            purpose: Purpose::Rebuy,
            template: None,
            outcome: Outcome::Reached,
            next_follow_up: None,
            staff: None,
            note: format!("n{amount}"),
        }),
        _ => Entry::Ledger(LedgerEntry {
            customer,
            at,
            kind: LedgerKind::Points {
                delta: i64::from(amount),
            },
            note: String::new(),
            staff: None,
        }),
    }
}

/// Stamps every spec with its node's clock, as the devices would.
fn realize(specs: &[Spec]) -> Vec<Op> {
    let mut clocks: BTreeMap<u8, Clock> = BTreeMap::new();
    let mut tick = |node: u8, ms: u16| {
        clocks
            .entry(node)
            .or_insert_with(|| Clock::new(u64::from(node) + 1))
            .tick(u64::from(ms))
    };
    specs
        .iter()
        .map(|s| match *s {
            Spec::Set {
                node,
                ms,
                rec,
                field,
                value,
            } => Op::Set {
                at: tick(node, ms),
                kind: kind(rec),
                id: rid(rec),
                field: ["name", "notes", "wechat"][field as usize].into(),
                value: json!(format!("v{value}")),
            },
            Spec::Tag {
                node,
                ms,
                rec,
                tag,
                on,
            } => Op::Set {
                at: tick(node, ms),
                kind: RecordKind::Customer,
                id: rid(rec),
                field: format!("tags.{}", ["VIP", "奶粉", "二胎"][tag as usize]),
                value: json!(on),
            },
            Spec::Delete { node, ms, rec } => Op::Delete {
                at: tick(node, ms),
                kind: kind(rec),
                id: rid(rec),
            },
            Spec::Erase { node, ms, rec } => Op::Erase {
                at: tick(node, ms),
                kind: kind(rec),
                id: rid(rec),
            },
            Spec::Append {
                node,
                ms,
                rec,
                entry,
                amount,
            } => Op::Append {
                at: tick(node, ms),
                id: Id::parse(&format!("entry-{entry}")).unwrap(),
                entry: make_entry(entry, rec, amount).into(),
            },
        })
        .collect()
}

fn book_of<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Book {
    let mut b = Book::new();
    for op in ops {
        b.apply(op);
    }
    b
}

/// A delivery schedule: each replica gets every op at least once, in its own order, with repeats.
fn deliveries(n_ops: usize, replicas: usize) -> impl Strategy<Value = Vec<Vec<usize>>> {
    let one = (
        Just((0..n_ops).collect::<Vec<_>>()).prop_shuffle(),
        proptest::collection::vec(0..n_ops.max(1), 0..8),
    )
        .prop_map(move |(mut order, dups)| {
            if n_ops > 0 {
                order.extend(dups);
            }
            order
        })
        .prop_shuffle();
    proptest::collection::vec(one, replicas)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_whatever_the_delivery(
        (specs, schedule) in proptest::collection::vec(spec(), 0..40)
            .prop_flat_map(|specs| { let n = specs.len(); (Just(specs), deliveries(n, 4)) })
    ) {
        let ops = realize(&specs);
        let reference = book_of(&ops);
        for order in &schedule {
            let replica = book_of(order.iter().map(|&i| &ops[i]));
            prop_assert_eq!(&replica, &reference);
        }
    }

    #[test]
    fn state_merge_is_commutative_associative_idempotent(
        a in proptest::collection::vec(spec(), 0..20),
        b in proptest::collection::vec(spec(), 0..20),
        c in proptest::collection::vec(spec(), 0..20),
    ) {
        // Three replicas with disjoint nodes, so stamps stay unique as on real devices.
        let shift = |specs: Vec<Spec>, k: u8| specs.into_iter().map(|s| match s {
            Spec::Set { node, ms, rec, field, value } => Spec::Set { node: node + 4 * k, ms, rec, field, value },
            Spec::Tag { node, ms, rec, tag, on } => Spec::Tag { node: node + 4 * k, ms, rec, tag, on },
            Spec::Delete { node, ms, rec } => Spec::Delete { node: node + 4 * k, ms, rec },
            Spec::Erase { node, ms, rec } => Spec::Erase { node: node + 4 * k, ms, rec },
            Spec::Append { node, ms, rec, entry, amount } => Spec::Append { node: node + 4 * k, ms, rec, entry, amount },
        }).collect::<Vec<_>>();
        let (ba, bb, bc) = (book_of(&realize(&shift(a, 0))), book_of(&realize(&shift(b, 1))), book_of(&realize(&shift(c, 2))));
        let join = |x: &Book, y: &Book| { let mut m = x.clone(); m.merge(y); m };
        prop_assert_eq!(join(&ba, &bb), join(&bb, &ba));
        prop_assert_eq!(join(&join(&ba, &bb), &bc), join(&ba, &join(&bb, &bc)));
        prop_assert_eq!(join(&ba, &ba), ba.clone());
    }

    #[test]
    fn the_latest_write_of_every_field_wins(specs in proptest::collection::vec(spec(), 1..40)) {
        let ops = realize(&specs);
        let book = book_of(ops.iter().rev());
        let mut latest: BTreeMap<(RecordKind, Id, String), (Hlc, serde_json::Value)> = BTreeMap::new();
        for op in &ops {
            if let Op::Set { at, kind, id, field, value } = op {
                let slot = latest.entry((*kind, id.clone(), field.clone())).or_insert((*at, value.clone()));
                if *at > slot.0 { *slot = (*at, value.clone()); }
            }
        }
        for ((kind, id, field), (at, value)) in latest {
            let state = book.record_state(kind, &id).expect("record exists");
            if state.erased.is_some() {
                prop_assert!(state.fields.is_empty(), "an erased record keeps no field");
                continue;
            }
            let reg = &state.fields[&field];
            prop_assert_eq!(reg.at, at);
            prop_assert_eq!(&reg.value, &value);
        }
    }
}

#[test]
fn concurrent_edits_of_different_fields_both_survive_and_tags_merge() {
    let id = rid(1);
    let mut phone = Clock::new(1);
    let mut tablet = Clock::new(2);
    let a = [
        Op::Set {
            at: phone.tick(100),
            kind: RecordKind::Customer,
            id: id.clone(),
            field: "notes".into(),
            value: json!("喜欢A2奶粉"),
        },
        Op::Set {
            at: phone.tick(100),
            kind: RecordKind::Customer,
            id: id.clone(),
            field: "tags.奶粉".into(),
            value: json!(true),
        },
    ];
    let b = [
        Op::Set {
            at: tablet.tick(90),
            kind: RecordKind::Customer,
            id: id.clone(),
            field: "wechat".into(),
            value: json!("zhangsan88"),
        },
        Op::Set {
            at: tablet.tick(90),
            kind: RecordKind::Customer,
            id: id.clone(),
            field: "tags.VIP".into(),
            value: json!(true),
        },
    ];
    let on_phone = book_of(a.iter().chain(b.iter()));
    let on_tablet = book_of(b.iter().chain(a.iter()));
    assert_eq!(on_phone, on_tablet);
    let c: huike_core::domain::Customer = on_phone.get(&id).unwrap();
    assert_eq!(c.notes, "喜欢A2奶粉");
    assert_eq!(c.wechat, "zhangsan88");
    assert_eq!(
        c.tags.iter().cloned().collect::<Vec<_>>(),
        vec!["VIP".to_string(), "奶粉".to_string()]
    );
}

#[test]
fn diff_emits_one_op_per_changed_field_and_per_changed_tag() {
    use huike_core::domain::Customer;
    use huike_core::op::{diff, to_object};
    let id = rid(2);
    let mut clock = Clock::new(9);
    let before = Customer {
        name: "张三".into(),
        phones: vec!["13800138000".into()],
        tags: ["VIP".to_string()].into(),
        ..Customer::default()
    };
    let mut after = before.clone();
    after.notes = "周末来".into();
    after.tags = ["奶粉".to_string()].into();
    let mut book = book_of(&diff(
        &mut clock,
        4,
        RecordKind::Customer,
        &id,
        &Default::default(),
        &to_object(&before),
        <Customer as Record>::SETS,
    ));
    let ops = diff(
        &mut clock,
        5,
        RecordKind::Customer,
        &id,
        &to_object(&before),
        &to_object(&after),
        <Customer as Record>::SETS,
    );
    let fields: Vec<String> = ops
        .iter()
        .map(|o| match o {
            Op::Set { field, .. } => field.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(fields, vec!["notes", "tags.奶粉", "tags.VIP"]);
    for op in &ops {
        book.apply(op);
    }
    assert_eq!(book.get::<Customer>(&id).unwrap(), after);
    let created = book.record_state(RecordKind::Customer, &id).unwrap();
    assert!(
        !created.fields.contains_key("occupation"),
        "a new record's blank defaults are not written"
    );
}
