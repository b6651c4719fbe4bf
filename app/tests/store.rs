//! The device database in a real browser (headless Chromium): what the replica changes is
//! written in one transaction and comes back identical after a "restart" (a fresh load).
#![cfg(target_arch = "wasm32")]

use huike_app::store::{Rows, Store};
use huike_core::domain::{Customer, Entry, Money, Purchase, PurchaseKind, SaleChannel};
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_core::replica::Replica;
use huike_core::sync::StoredBatch;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn zhangsan() -> Customer {
    Customer {
        name: "张三".into(),
        phones: vec!["13800138000".into()],
        tags: ["VIP".to_string()].into(),
        ..Customer::default()
    }
}

async fn fresh(name: &str) -> Store {
    Store::destroy(name).await.expect("delete");
    Store::open(name).await.expect("open")
}

#[wasm_bindgen_test]
async fn a_saved_change_survives_a_restart() {
    let db = fresh("huike-test-restart").await;
    let mut r = Replica::new("dev-a".into());
    let id = Id::parse("c-1").unwrap();
    let d = r.edit(
        1_000,
        RecordKind::Customer,
        &id,
        None,
        &zhangsan(),
        Customer::SET_FIELDS,
    );
    db.write(&Rows::of(&r, &d).unwrap()).await.expect("write");
    let purchase = Entry::Purchase(Purchase {
        customer: id.clone(),
        at: "2026-11-23T10:30:00".parse().unwrap(),
        total: Money(12_800),
        items: vec![],
        staff: None,
        channel: SaleChannel::Store,
        kind: PurchaseKind::Sale,
        corrects: None,
    });
    let d = r.append(2_000, Id::parse("p-1").unwrap(), purchase);
    db.write(&Rows::of(&r, &d).unwrap()).await.expect("write");

    let again = Store::open("huike-test-restart")
        .await
        .unwrap()
        .load("dev-a".into())
        .await
        .expect("load");
    assert_eq!(again.book, r.book);
    assert_eq!(again.outbox, r.outbox);
    assert_eq!(
        again.book.get::<Customer>(RecordKind::Customer, &id),
        Some(zhangsan())
    );
}

#[wasm_bindgen_test]
async fn acknowledged_ops_leave_the_stored_outbox_and_the_cursor_is_kept() {
    let db = fresh("huike-test-outbox").await;
    let mut r = Replica::new("dev-a".into());
    let id = Id::parse("c-1").unwrap();
    let d = r.edit(
        1_000,
        RecordKind::Customer,
        &id,
        None,
        &zhangsan(),
        Customer::SET_FIELDS,
    );
    db.write(&Rows::of(&r, &d).unwrap()).await.unwrap();
    let (batch, d) = r.next_batch();
    db.write(&Rows::of(&r, &d).unwrap()).await.unwrap();
    let batch = batch.expect("a batch");
    let d = r.acknowledged(batch.seq);
    db.write(&Rows::of(&r, &d).unwrap()).await.unwrap();

    let mut other = Replica::new("dev-b".into());
    let mut edited = zhangsan();
    edited.notes = "周末来".into();
    let d = other.edit(
        5_000,
        RecordKind::Customer,
        &id,
        Some(&zhangsan()),
        &edited,
        Customer::SET_FIELDS,
    );
    let (b, _) = other.next_batch();
    let b = b.unwrap();
    assert_eq!(d.outbox_added.len(), 1);
    let d = r
        .receive(&[StoredBatch {
            device: "dev-b".into(),
            seq: b.seq,
            ops: b.ops,
            payload: b.payload,
        }])
        .unwrap();
    db.write(&Rows::of(&r, &d).unwrap()).await.unwrap();

    let again = db.load("dev-a".into()).await.unwrap();
    assert!(
        again.outbox.is_empty(),
        "acknowledged ops are gone from the stored outbox"
    );
    assert_eq!(again.sync.next_seq, 2);
    assert_eq!(again.sync.cursor.get("dev-b"), Some(&1));
    assert_eq!(
        again
            .book
            .get::<Customer>(RecordKind::Customer, &id)
            .map(|c| c.notes),
        Some("周末来".into())
    );
}
