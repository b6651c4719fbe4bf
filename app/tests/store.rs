//! The device database in a real browser (headless Chromium): every change is stored as a
//! journal record before it is applied, comes back identical after a "restart" (a fresh
//! load), survives the journal being folded into a snapshot, and a book stored by the first
//! version of the app is migrated without loss.
#![cfg(target_arch = "wasm32")]

use huike_app::store::{Progress, Store, legacy, open_book, write_snapshot};
use huike_core::domain::{Customer, Entry, Money, Purchase, PurchaseKind, SaleChannel};
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_core::replica::{Journal, Replica};
use huike_core::sync::StoredBatch;
use wasm_bindgen::JsValue;
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

fn sale(customer: &Id, fen: i64) -> Entry {
    Entry::Purchase(Purchase {
        customer: customer.clone(),
        at: "2026-11-23T10:30:00".parse().unwrap(),
        total: Money(fen),
        items: vec![],
        staff: None,
        channel: SaleChannel::Store,
        kind: PurchaseKind::Sale,
        corrects: None,
    })
}

async fn fresh(name: &str) -> Store {
    Store::destroy(name).await.expect("delete");
    Store::open(name).await.expect("open")
}

/// Stores a planned change, then applies it, as the app does.
async fn save(db: &Store, r: &mut Replica, record: Option<Journal>) {
    let record = record.expect("a change");
    db.append(std::slice::from_ref(&record))
        .await
        .expect("write");
    r.commit(&record);
}

async fn reload(name: &str, device: &str) -> Replica {
    Store::open(name)
        .await
        .unwrap()
        .load(device.into(), &|_: Progress| {})
        .await
        .expect("load")
}

fn same(a: &Replica, b: &Replica) {
    assert!(a.book() == b.book(), "same book");
    assert_eq!(a.outbox(), b.outbox());
    assert_eq!(a.sync(), b.sync());
}

#[wasm_bindgen_test]
async fn a_saved_change_survives_a_restart() {
    let db = fresh("huike-test-restart").await;
    let mut r = Replica::new("dev-a".into());
    let id = r.new_id(1_000);
    let record = r.plan_edit(1_000, &id, None, &zhangsan());
    save(&db, &mut r, record).await;
    let sale_id = r.new_id(2_000);
    let record = r.plan_append(2_000, sale_id, &sale(&id, 12_800));
    save(&db, &mut r, record).await;

    let again = reload("huike-test-restart", "dev-a").await;
    same(&again, &r);
    assert_eq!(again.book().get::<Customer>(&id), Some(zhangsan()));
    assert_eq!(again.book().entry_count(), 1);
}

#[wasm_bindgen_test]
async fn acknowledged_ops_leave_the_stored_outbox_and_the_cursor_is_kept() {
    let db = fresh("huike-test-outbox").await;
    let mut r = Replica::new("dev-a".into());
    let id = Id::parse("c-1").unwrap();
    let record = r.plan_edit(1_000, &id, None, &zhangsan());
    save(&db, &mut r, record).await;
    let (batch, record) = r.plan_next_batch();
    save(&db, &mut r, record).await;
    let batch = batch.expect("a batch");
    let record = r.plan_acknowledged(batch.seq);
    save(&db, &mut r, record).await;

    let mut other = Replica::new("dev-b".into());
    let mut edited = zhangsan();
    edited.notes = "周末来".into();
    other.edit(5_000, &id, Some(&zhangsan()), &edited);
    let (b, _) = other.next_batch();
    let b = b.unwrap();
    let record = r.plan_receive(
        &[StoredBatch {
            device: "dev-b".into(),
            seq: b.seq,
            ops: b.ops,
            payload: b.payload,
        }],
        &|_| false,
    );
    save(&db, &mut r, record).await;

    let again = reload("huike-test-outbox", "dev-a").await;
    assert!(
        again.outbox().is_empty(),
        "acknowledged ops are gone from the stored outbox"
    );
    assert_eq!(again.sync().next_seq, 2);
    assert_eq!(again.sync().cursor.get("dev-b"), Some(&1));
    assert_eq!(
        again.book().get::<Customer>(&id).map(|c| c.notes),
        Some("周末来".into())
    );
    same(&again, &r);
}

#[wasm_bindgen_test]
async fn a_snapshot_replaces_the_journal_it_covers_and_loses_nothing() {
    let name = "huike-test-snapshot";
    let db = fresh(name).await;
    let mut r = Replica::new("dev-a".into());
    let mut customers = Vec::new();
    for i in 0..300u64 {
        let id = r.new_id(1_000 + i);
        let c = Customer {
            name: format!("顾客{i}"),
            ..zhangsan()
        };
        let record = r.plan_edit(1_000 + i, &id, None, &c);
        save(&db, &mut r, record).await;
        customers.push(id);
    }
    write_snapshot(&db, &r, None).await.expect("snapshot");
    // After the snapshot: more changes, kept in the journal.
    for (i, id) in customers.iter().enumerate().take(20) {
        let sale_id = r.new_id(9_000 + i as u64);
        let record = r.plan_append(9_000 + i as u64, sale_id, &sale(id, 100 + i as i64));
        save(&db, &mut r, record).await;
    }
    let again = reload(name, "dev-a").await;
    same(&again, &r);
    assert_eq!(again.book().records(RecordKind::Customer).count(), 300);
    assert_eq!(
        again.pending(),
        300 * 3 + 20,
        "every op still waits for the server"
    );
    // A second snapshot over the first, then a restart.
    write_snapshot(&db, &r, None).await.expect("snapshot");
    same(&reload(name, "dev-a").await, &r);
}

/// Writes a book in the first version's layout, row by row as that version did.
async fn write_first_version(name: &str, r: &Replica) {
    use rexie::{ObjectStore, Rexie, TransactionMode};
    Rexie::delete(name).await.unwrap();
    let mut builder = Rexie::builder(name).version(1);
    for s in legacy::STORES {
        builder = builder.add_object_store(ObjectStore::new(s));
    }
    let db = builder.build().await.unwrap();
    let tx = db
        .transaction(&legacy::STORES, TransactionMode::ReadWrite)
        .unwrap();
    let put = |store: &str, key: String, value: serde_json::Value| {
        let s = tx.store(store).unwrap();
        async move {
            s.put(
                &JsValue::from_str(&value.to_string()),
                Some(&JsValue::from_str(&key)),
            )
            .await
            .unwrap();
        }
    };
    for (kind, id, state) in r.book().all_records() {
        let kind_name = serde_json::to_value(kind).unwrap();
        put(
            "records",
            format!("{}/{id}", kind_name.as_str().unwrap()),
            serde_json::json!({"kind": kind_name, "id": id, "state": state}),
        )
        .await;
    }
    for e in r.book().entries() {
        let entry = serde_json::to_value(e.decode().unwrap()).unwrap();
        put(
            "entries",
            e.id.to_owned(),
            serde_json::json!({"id": e.id, "entry": {"at": e.at, "entry": entry}}),
        )
        .await;
    }
    for op in r.outbox() {
        let at = op.at();
        put(
            "outbox",
            format!("{:016x}{:08x}", at.ms, at.c),
            serde_json::to_value(op).unwrap(),
        )
        .await;
    }
    put(
        "meta",
        "sync".into(),
        serde_json::to_value(r.sync()).unwrap(),
    )
    .await;
    tx.done().await.unwrap();
    db.close();
}

#[wasm_bindgen_test]
async fn a_book_stored_by_the_first_version_is_migrated_without_loss() {
    let (new, old) = ("huike-test-migrated", "huike-test-first-version");
    Store::destroy(new).await.unwrap();
    // A book with records, entries, an unsent outbox, a batch in flight and a cursor.
    let mut r = Replica::new("dev-a".into());
    let id = Id::parse("0189abcd-0000-7000-8000-00000000002a").unwrap();
    r.edit(1_000, &id, None, &zhangsan());
    r.append(2_000, Id::parse("p-1").unwrap(), &sale(&id, 26_850));
    r.next_batch();
    r.append(3_000, Id::parse("p-2").unwrap(), &sale(&id, 100));
    let mut other = Replica::new("dev-b".into());
    other.edit(4_000, &Id::parse("c-b").unwrap(), None, &zhangsan());
    let (b, _) = other.next_batch();
    let b = b.unwrap();
    r.receive(&[StoredBatch {
        device: "dev-b".into(),
        seq: 1,
        ops: b.ops,
        payload: b.payload,
    }]);
    write_first_version(old, &r).await;

    let (_, migrated) = open_book(new, old, "dev-a".into(), &|_: Progress| {})
        .await
        .unwrap();
    same(&migrated, &r);
    assert!(
        migrated.sync().in_flight.is_some(),
        "the batch in flight is resent as it was"
    );
    assert!(
        legacy::read(old, "dev-a".into()).await.unwrap().is_none(),
        "the earlier database is gone once the new one holds the book"
    );
    let (_, again) = open_book(new, old, "dev-a".into(), &|_: Progress| {})
        .await
        .unwrap();
    same(&again, &r);
}
