//! Contact cadence per class (docs/segmentation.md, "Grades and contact cadence"), and the analysis as plain,
//! deterministic data.

use huike_core::book::Book;
use huike_core::domain::{Outcome, Purpose, Rules};
use huike_core::id::Id;
use huike_core::op::{Op, RawEntry};
use huike_core::segment::cadence::{CadenceBase, cadence_days};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d};
use serde_json::json;

#[test]
fn default_cadence_per_class_is_the_specs() {
    let rules = Rules::default();
    let days: Vec<Option<u32>> = RfmClass::ALL
        .iter()
        .map(|c| cadence_days(&rules, Some(*c), ShopClass::Bought))
        .collect();
    assert_eq!(
        days,
        vec![
            Some(14),
            Some(21),
            Some(21),
            Some(21),
            Some(30),
            Some(30),
            Some(60),
            Some(60)
        ]
    );
    // Unscored customers have none by default; a shop may set one for their shop class.
    assert_eq!(cadence_days(&rules, None, ShopClass::Visited), None);
    let mut rules = Rules::default();
    rules.cadence_days.insert("visited".into(), 45);
    assert_eq!(cadence_days(&rules, None, ShopClass::Visited), Some(45));
    assert_eq!(cadence_days(&rules, None, ShopClass::Potential), None);
}

#[test]
fn cadence_counts_from_the_last_contact_else_the_day_added_else_the_first_entry() {
    let mut shop = Shop::new();
    let added = shop.customer("新客", json!({"created_at": "2026-01-01T10:00:00"}));
    let contacted = shop.customer("老客", json!({}));
    let imported = shop.customer("导入", json!({"created_at": null}));
    shop.sale(&added, "2026-02-01", 100);
    shop.sale(&contacted, "2026-02-01", 100);
    shop.contact(
        &contacted,
        "2026-03-01 10:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    shop.sale(&imported, "2026-02-01", 100);
    let a = analyze(&shop.book, d("2026-03-31"), &Rules::default());
    // Three identical buyers: all regular win back (equal to every mean), cadence 60.
    let c: Vec<_> = a.segments.iter().map(|s| s.cadence.unwrap()).collect();
    assert!(c.iter().all(|c| c.days == 60));
    assert_eq!(
        (c[0].base, c[0].since, c[0].due),
        (CadenceBase::Added, d("2026-01-01"), d("2026-03-02"))
    );
    assert_eq!(
        (c[1].base, c[1].since, c[1].due),
        (CadenceBase::LastContact, d("2026-03-01"), d("2026-04-30"))
    );
    assert_eq!(
        (c[2].base, c[2].since),
        (CadenceBase::FirstSeen, d("2026-02-01"))
    );
}

#[test]
fn a_customer_without_a_class_cadence_has_none() {
    let mut shop = Shop::new();
    shop.customer("潜在", json!({}));
    let mut rules = Rules::default();
    let a = analyze(&shop.book, d("2026-03-31"), &rules);
    assert_eq!(a.segments[0].cadence, None);
    rules.cadence_days.insert("potential".into(), 90);
    let a = analyze(&shop.book, d("2026-03-31"), &rules);
    assert_eq!(a.segments[0].cadence.map(|c| c.due), Some(d("2025-04-01")));
}

fn sample() -> Shop {
    let mut shop = Shop::new();
    let a = shop.customer(
        "李梅",
        json!({"gender": "female", "children": [{"nickname": "豆豆", "birthday": "2025-12-20"}]}),
    );
    let b = shop.customer("王强", json!({"vip": true}));
    let s = shop.sale_items(&a, "2026-01-05", &[("金装奶粉", "奶粉", 300)]);
    shop.refund(&a, "2026-01-06", 50, Some(&s));
    shop.sale(&a, "2026-02-05", 80);
    shop.sale(&b, "2025-10-01", 2000);
    shop.visit(&b, "2026-03-01");
    shop.contact(
        &b,
        "2026-03-02 10:00",
        Purpose::Reactivation,
        Outcome::Positive,
        Some("2026-03-20"),
    );
    shop
}

#[test]
fn the_analysis_round_trips_through_json() {
    let a = analyze(&sample().book, d("2026-03-31"), &Rules::default());
    let text = serde_json::to_string(&a).unwrap();
    let back: Analysis = serde_json::from_str(&text).unwrap();
    assert_eq!(back, a);
    assert_eq!(back.history.days(0), a.history.days(0));
}

#[test]
fn the_analysis_depends_on_the_book_not_on_the_order_ops_arrived_in() {
    let shop = sample();
    let ops: Vec<Op> = {
        // Rebuild the same ops from the book: records as sets, entries as appends.
        let mut ops = Vec::new();
        for kind in [huike_core::op::RecordKind::Customer] {
            for (id, state) in shop.book.records(kind) {
                for (field, reg) in &state.fields {
                    ops.push(Op::Set {
                        at: reg.at,
                        kind,
                        id: id.clone(),
                        field: field.clone(),
                        value: reg.value.clone(),
                    });
                }
            }
        }
        for e in shop.book.entries() {
            ops.push(Op::Append {
                at: e.at,
                id: Id::parse(e.id).unwrap(),
                entry: RawEntry::from_bytes(e.raw).unwrap(),
            });
        }
        ops
    };
    let mut reversed = Book::new();
    for op in ops.iter().rev() {
        reversed.apply(op);
    }
    let rules = Rules::default();
    let a = serde_json::to_string(&analyze(&shop.book, d("2026-03-31"), &rules)).unwrap();
    let b = serde_json::to_string(&analyze(&reversed, d("2026-03-31"), &rules)).unwrap();
    assert_eq!(a, b);
}
