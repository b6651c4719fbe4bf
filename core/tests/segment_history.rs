//! Per-customer history from the book as of a date (docs/segmentation.md, "Inputs"): purchase days, refunds,
//! entries after the as-of date, categories, contacts, ledger.

use huike_core::domain::{LedgerKind, Outcome, Purpose};
use huike_core::op::RecordKind;
use huike_core::segment::history::History;
use huike_core::test_shop::{Shop, d, yuan};
use serde_json::json;

#[test]
fn purchase_days_are_distinct_dates_with_their_spend_in_date_order() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    // Written out of date order, two sales on one day.
    shop.sale(&c, "2026-03-05 10:00", 100);
    shop.sale(&c, "2026-03-01", 50);
    shop.sale(&c, "2026-03-05 18:30", 20);
    let h = History::build(&shop.book, d("2026-03-31"));
    assert_eq!(
        h.days(0),
        &[(d("2026-03-01"), yuan(50)), (d("2026-03-05"), yuan(120))]
    );
    let cust = &h.customers[0];
    assert_eq!(cust.purchase_days, 2);
    assert_eq!(cust.first_purchase, Some(d("2026-03-01")));
    assert_eq!(cust.last_purchase, Some(d("2026-03-05")));
    assert_eq!(cust.net_spend, yuan(170));
}

#[test]
fn refunds_reduce_spend_never_frequency() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    let first = shop.sale(&c, "2026-03-01", 300);
    shop.sale(&c, "2026-03-10", 100);
    // Names the first sale: taken off that day, though made later.
    shop.refund(&c, "2026-03-12", 80, Some(&first));
    // Names nothing: taken off the latest purchase day on or before it.
    shop.refund(&c, "2026-03-11", 30, None);
    // An adjustment adds or takes spend the same way.
    shop.adjustment(&c, "2026-03-02", 5);
    let h = History::build(&shop.book, d("2026-03-31"));
    assert_eq!(
        h.days(0),
        &[(d("2026-03-01"), yuan(225)), (d("2026-03-10"), yuan(70))]
    );
    assert_eq!(h.customers[0].purchase_days, 2);
    assert_eq!(h.customers[0].net_spend, yuan(295));
}

#[test]
fn a_correction_before_any_sale_goes_to_the_first_day_and_one_without_sales_only_to_net_spend() {
    let mut shop = Shop::new();
    let a = shop.customer("甲", json!({}));
    let b = shop.customer("乙", json!({}));
    shop.adjustment(&a, "2026-01-01", -10);
    shop.sale(&a, "2026-01-05", 100);
    shop.refund(&b, "2026-01-05", 40, None);
    let h = History::build(&shop.book, d("2026-02-01"));
    assert_eq!(h.days(0), &[(d("2026-01-05"), yuan(90))]);
    assert_eq!(h.days(1), &[]);
    assert_eq!(h.customers[1].purchase_days, 0);
    assert_eq!(h.customers[1].net_spend, yuan(-40));
}

#[test]
fn a_refund_naming_another_customers_sale_falls_back_to_its_own_date() {
    let mut shop = Shop::new();
    let a = shop.customer("甲", json!({}));
    let b = shop.customer("乙", json!({}));
    let other = shop.sale(&a, "2026-01-01", 100);
    shop.sale(&b, "2026-01-03", 100);
    shop.sale(&b, "2026-01-08", 100);
    shop.refund(&b, "2026-01-04", 10, Some(&other));
    let h = History::build(&shop.book, d("2026-02-01"));
    assert_eq!(
        h.days(1),
        &[(d("2026-01-03"), yuan(90)), (d("2026-01-08"), yuan(100))]
    );
}

#[test]
fn entries_after_the_as_of_date_are_ignored() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    shop.sale_items(&c, "2026-03-31 23:59", &[("金装奶粉", "奶粉", 200)]);
    let late = shop.sale_items(&c, "2026-04-01 00:00", &[("纸尿裤L", "纸尿裤", 99)]);
    shop.refund(&c, "2026-04-01 00:00", 200, Some(&late));
    shop.visit(&c, "2026-04-01");
    shop.contact(
        &c,
        "2026-04-01 08:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    shop.ledger(&c, "2026-04-01", LedgerKind::Points { delta: 50 });
    let h = History::build(&shop.book, d("2026-03-31"));
    let cust = &h.customers[0];
    assert_eq!(h.days(0), &[(d("2026-03-31"), yuan(200))]);
    assert_eq!(cust.net_spend, yuan(200));
    assert_eq!((cust.visits, cust.contacts, cust.points), (0, 0, None));
    assert_eq!(h.last_item(0), Some("金装奶粉"));
    assert_eq!(h.last_bought_in(0, "纸尿裤"), None);
    assert_eq!(h.last_bought_in(0, "奶粉"), Some(d("2026-03-31")));
    // The next day they all count.
    let h = History::build(&shop.book, d("2026-04-01"));
    assert_eq!(h.customers[0].purchase_days, 2);
    assert_eq!(h.customers[0].net_spend, yuan(99));
    assert_eq!(h.days(0)[1], (d("2026-04-01"), yuan(-101)));
}

#[test]
fn last_purchase_per_category_and_last_item() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    shop.sale_items(
        &c,
        "2026-01-10",
        &[("金装奶粉", "奶粉", 300), ("湿巾", "洗护", 20)],
    );
    shop.sale_items(
        &c,
        "2026-02-10",
        &[("纸尿裤L", "纸尿裤", 99), ("", "洗护", 150)],
    );
    shop.sale_items(&c, "2026-01-20", &[("金装奶粉", "奶粉", 300)]);
    let h = History::build(&shop.book, d("2026-03-01"));
    assert_eq!(h.last_bought_in(0, "奶粉"), Some(d("2026-01-20")));
    assert_eq!(h.last_bought_in(0, "洗护"), Some(d("2026-02-10")));
    assert_eq!(h.last_bought_in(0, "纸尿裤"), Some(d("2026-02-10")));
    assert_eq!(h.last_bought_in(0, "玩具"), None);
    assert_eq!(h.last_bought(0).len(), 3);
    // The largest line of the latest sale; its category when the product is blank.
    assert_eq!(h.last_item(0), Some("洗护"));
}

#[test]
fn visits_contacts_points_and_stored_value() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    shop.visit(&c, "2026-02-01");
    shop.visit(&c, "2026-01-15");
    shop.contact(
        &c,
        "2026-02-03 10:00",
        Purpose::Birthday,
        Outcome::Reached,
        Some("2026-02-20"),
    );
    shop.contact(
        &c,
        "2026-01-20 10:00",
        Purpose::Rebuy,
        Outcome::NoAnswer,
        None,
    );
    shop.contact(
        &c,
        "2026-02-05 09:00",
        Purpose::Rebuy,
        Outcome::Positive,
        None,
    );
    shop.ledger(&c, "2026-01-01", LedgerKind::Points { delta: 120 });
    shop.ledger(&c, "2026-01-02", LedgerKind::Points { delta: -20 });
    shop.ledger(
        &c,
        "2026-01-03",
        LedgerKind::StoredValue { delta: yuan(500) },
    );
    shop.ledger(
        &c,
        "2026-01-04",
        LedgerKind::StoredValue { delta: yuan(-120) },
    );
    let h = History::build(&shop.book, d("2026-03-01"));
    let cust = &h.customers[0];
    assert_eq!((cust.visits, cust.last_visit), (2, Some(d("2026-02-01"))));
    assert_eq!(cust.contacts, 3);
    assert_eq!(cust.first_contact, Some(d("2026-01-20")));
    let last = cust.last_contact.as_ref().unwrap();
    assert_eq!((last.purpose, last.next_follow_up), (Purpose::Rebuy, None));
    assert_eq!(
        cust.last_contacted_for(Purpose::Rebuy),
        Some(d("2026-02-05"))
    );
    assert_eq!(
        cust.last_contacted_for(Purpose::Birthday),
        Some(d("2026-02-03"))
    );
    assert_eq!(cust.last_contacted_for(Purpose::Points), None);
    assert_eq!(cust.points, Some(100));
    assert_eq!(cust.stored_value, yuan(380));
    assert_eq!(cust.first_seen, Some(d("2026-01-01")));
    assert_eq!(cust.purchase_days, 0);
}

#[test]
fn scheduled_pickups_are_due_until_picked_up() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    let due = vec![
        d("2026-01-10"),
        d("2026-02-10"),
        d("2026-03-10"),
        d("2026-04-10"),
    ];
    let reward = shop.ledger(
        &c,
        "2026-01-01",
        LedgerKind::ScheduledReward {
            description: "充500返500：每月领50元".into(),
            amount: yuan(50),
            due,
        },
    );
    shop.ledger(
        &c,
        "2026-01-10",
        LedgerKind::Pickup {
            reward: reward.clone(),
            due: d("2026-01-10"),
        },
    );
    // A pickup recorded after the as-of date does not settle it yet.
    shop.ledger(
        &c,
        "2026-03-12",
        LedgerKind::Pickup {
            reward: reward.clone(),
            due: d("2026-03-10"),
        },
    );
    let h = History::build(&shop.book, d("2026-03-10"));
    let rewards = h.rewards_due(0);
    assert_eq!(rewards.len(), 1);
    assert_eq!(rewards[0].reward, reward);
    assert_eq!(rewards[0].due, vec![d("2026-02-10"), d("2026-03-10")]);
    assert_eq!(rewards[0].amount, yuan(50));
    let h = History::build(&shop.book, d("2026-03-12"));
    assert_eq!(h.rewards_due(0)[0].due, vec![d("2026-02-10")]);
}

#[test]
fn only_live_customers_are_indexed_in_id_order_with_profile_fields() {
    let mut shop = Shop::new();
    let a = shop.customer("甲", json!({"vip": true, "birthday": "1990-02-28"}));
    let gone = shop.customer("乙", json!({}));
    let c = shop.customer(
        "丙",
        json!({"do_not_contact": true, "created_at": null,
               "children": [{"nickname": "豆豆", "birthday": "2025-12-01"}, {"due_date": "2026-05-01"}]}),
    );
    shop.sale(&gone, "2026-01-01", 10);
    shop.delete(RecordKind::Customer, &gone);
    let h = History::build(&shop.book, d("2026-03-01"));
    assert_eq!(
        (h.customers.len(), h.id(0), h.id(1)),
        (2, a.as_str(), c.as_str())
    );
    assert_eq!(h.index_of(&c), Some(1));
    assert_eq!(h.index_of(&gone), None);
    let (pa, pc) = (&h.customers[0].profile, &h.customers[1].profile);
    assert!(pa.vip && !pa.do_not_contact);
    assert_eq!(pa.birthday, Some(d("1990-02-28")));
    assert_eq!(pa.created_on, Some(d("2025-01-01")));
    assert!(pc.do_not_contact && !pc.vip);
    assert_eq!(pc.created_on, None);
    assert_eq!(h.children(0), &[]);
    assert_eq!(h.children(1).len(), 2);
    assert_eq!(h.children(1)[0].birthday, Some(d("2025-12-01")));
    assert_eq!(h.children(1)[1].due_date, Some(d("2026-05-01")));
}

#[test]
fn an_empty_book_has_no_customers() {
    let h = History::build(&Shop::new().book, d("2026-03-01"));
    assert!(h.customers.is_empty());
    assert!(h.rewards_due.is_empty());
}
