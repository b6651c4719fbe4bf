//! The ledger the app keeps (one read of the book, then op by op) gives exactly the analysis
//! and agenda of a fresh read of the same book, whatever order the ops arrived in.

use chrono::NaiveDate;
use huike_core::agenda::agenda;
use huike_core::book::Book;
use huike_core::domain::{
    Entry, LedgerKind, Outcome, Purchase, PurchaseKind, Purpose, Rules, SaleChannel,
};
use huike_core::hlc::Hlc;
use huike_core::op::{Change, Op, RecordKind};
use huike_core::segment::ledger::Ledger;
use huike_core::segment::{analyze, analyze_ledger};
use huike_core::synth::Params;
use huike_core::test_shop::{Shop, d, t, yuan};
use serde_json::json;

/// A fixed pseudo-random permutation (so a failure reproduces).
fn shuffled(ops: &[Op], seed: u64) -> Vec<Op> {
    let mut state = seed;
    let mut keyed: Vec<(u64, &Op)> = ops
        .iter()
        .map(|op| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11, op)
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    keyed.into_iter().map(|(_, op)| op.clone()).collect()
}

/// Applies ops one by one to a new book, the ledger following every change; checks that the
/// result equals a fresh read of the final book.
fn assert_follows(ops: &[Op], as_of: NaiveDate, rules: &Rules) {
    let mut book = Book::new();
    let mut ledger = Ledger::read(&book);
    for op in ops {
        let change = book.apply(op);
        ledger.apply(&book, &change);
    }
    let followed = analyze_ledger(&ledger, as_of, rules);
    let fresh = analyze(&book, as_of, rules);
    assert_eq!(
        serde_json::to_value(&followed).unwrap(),
        serde_json::to_value(&fresh).unwrap()
    );
    assert_eq!(agenda(&followed, rules), agenda(&fresh, rules));
}

/// A shop with everything that depends on order: a refund of an earlier sale, a pickup of a
/// scheduled reward, contacts at the same minute, a complaint answered later, a deleted customer.
fn tricky_shop() -> Shop {
    let mut shop = Shop::new();
    let a = shop.customer(
        "李梅",
        json!({"gender": "female", "birthday": "1990-03-12",
        "children": [{"nickname": "豆豆", "birthday": "2025-12-01"}]}),
    );
    let b = shop.customer("王强", json!({"vip": true}));
    let gone = shop.customer("已删", json!({}));
    let sale = shop.sale_items(
        &a,
        "2026-01-05",
        &[("金装奶粉", "奶粉", 300), ("湿巾", "洗护", 20)],
    );
    shop.refund(&a, "2026-01-06", 50, Some(&sale));
    shop.sale_items(&a, "2026-02-05", &[("纸尿裤", "纸尿裤", 99)]);
    shop.sale(&b, "2025-10-01", 2000);
    shop.sale(&b, "2025-11-01", 1000);
    shop.visit(&b, "2026-03-01");
    shop.contact(
        &b,
        "2026-03-02 10:00",
        Purpose::Reactivation,
        Outcome::Positive,
        Some("2026-03-09"),
    );
    shop.contact(
        &b,
        "2026-03-02 10:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    let reward = shop.ledger(
        &a,
        "2026-01-01",
        LedgerKind::ScheduledReward {
            description: "每月领50".into(),
            amount: yuan(50),
            due: vec![d("2026-02-01"), d("2026-03-01")],
        },
    );
    shop.ledger(
        &a,
        "2026-02-02",
        LedgerKind::Pickup {
            reward,
            due: d("2026-02-01"),
        },
    );
    shop.ledger(&a, "2026-02-02", LedgerKind::Points { delta: 120 });
    let k = shop.complaint(&a, json!({"opened_at": "2026-03-01T10:00:00"}));
    shop.set(
        RecordKind::Complaint,
        &k,
        "first_response_at",
        json!("2026-03-01T10:30:00"),
    );
    let done = shop.complaint(&b, json!({"opened_at": "2026-03-01T10:00:00"}));
    shop.set(RecordKind::Complaint, &done, "status", json!("resolved"));
    shop.sale(&gone, "2026-03-01", 10);
    shop.delete(RecordKind::Customer, &gone);
    shop
}

#[test]
fn following_in_order_equals_reading() {
    let shop = tricky_shop();
    let mut rules = Rules::default();
    rules.rebuy_days.insert("奶粉".into(), 30);
    assert_follows(&shop.ops, d("2026-03-10"), &rules);
}

#[test]
fn following_in_any_order_equals_reading() {
    let shop = tricky_shop();
    let rules = Rules::default();
    for seed in 1..=20 {
        assert_follows(&shuffled(&shop.ops, seed), d("2026-03-10"), &rules);
    }
}

#[test]
fn a_refund_that_arrives_before_its_sale_still_corrects_that_sale() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    let sale = shop.sale(&c, "2026-01-05", 300);
    shop.sale(&c, "2026-02-05", 100);
    shop.refund(&c, "2026-02-10", 100, Some(&sale));
    let mut ops = shop.ops.clone();
    let refund = ops.pop().unwrap();
    ops.insert(1, refund);
    let mut book = Book::new();
    let mut ledger = Ledger::read(&book);
    for op in &ops {
        let change = book.apply(op);
        ledger.apply(&book, &change);
    }
    let a = analyze_ledger(&ledger, d("2026-03-01"), &Rules::default());
    assert_eq!(
        a.history.days(0),
        &[(d("2026-01-05"), yuan(200)), (d("2026-02-05"), yuan(100))]
    );
}

#[test]
fn an_entry_replaced_by_a_conflicting_append_is_replaced_in_the_ledger() {
    let mut shop = Shop::new();
    let a = shop.customer("甲", json!({}));
    let b = shop.customer("乙", json!({}));
    let id = shop.sale(&a, "2026-01-05", 300);
    let mut book = shop.book.clone();
    let mut ledger = Ledger::read(&book);
    // A later append under the same id (only a faulty replica writes one) wins in the book.
    let entry = Entry::Purchase(Purchase {
        customer: b.clone(),
        at: t("2026-01-06"),
        total: yuan(40),
        items: vec![],
        staff: None,
        channel: SaleChannel::Store,
        kind: PurchaseKind::Sale,
        corrects: None,
    });
    let op = Op::Append {
        at: Hlc {
            ms: u64::MAX / 2,
            c: 0,
            n: 9,
        },
        id: id.clone(),
        entry: entry.into(),
    };
    let change = book.apply(&op);
    assert_eq!(change, Change::EntryReplaced(id));
    assert_eq!(
        book.apply(&op),
        Change::None,
        "the same append again changes nothing"
    );
    ledger.apply(&book, &change);
    let followed = analyze_ledger(&ledger, d("2026-03-01"), &Rules::default());
    assert_eq!(followed, analyze(&book, d("2026-03-01"), &Rules::default()));
    assert_eq!(followed.history.days(0), &[]);
    assert_eq!(followed.history.days(1), &[(d("2026-01-06"), yuan(40))]);
}

#[test]
fn a_synthetic_shop_followed_in_random_order_equals_reading() {
    // Big enough that the ledger repacks several times on the way.
    let params = Params::new(11, 300, 4_000);
    let ops = params.ops();
    let rules = params.book().rules();
    assert_follows(&shuffled(&ops, 5), params.as_of, &rules);
    assert_eq!(Ledger::read(&params.book()).len(), 300);
}
