//! RFM metrics, rank scores, the eight classes and the shop classes (docs/segmentation.md), on hand-computed
//! shops.

use huike_core::domain::{Money, Rules};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::rfm::{High, Rfm, rank_scores};
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d, yuan};
use serde_json::json;

const D: &str = "2026-03-31";

fn scores(a: &Analysis, i: usize) -> (u32, u32, Money, u8, u8, u8) {
    let r = a.segments[i].rfm.expect("scored");
    (r.recency_days, r.frequency, r.monetary, r.r, r.f, r.m)
}

/// Five scored customers and one without a purchase:
///
/// | | recency | frequency | monetary | R | F | M | class |
/// |---|---|---|---|---|---|---|---|
/// | A | 1 | 1 | 100 | 5 | 1 | 2 | regular develop |
/// | B | 11 | 3 | 150 | 3 | 5 | 4 | regular value |
/// | C | 89 | 1 | 1000 | 1 | 1 | 5 | key win back |
/// | D | 6 | 2 | 60 | 4 | 4 | 1 | regular value |
/// | E | 58 | 1 | 100 | 2 | 1 | 2 | regular win back |
///
/// Recency worst first: 89, 58, 11, 6, 1 → positions 0–4 → 1 + ⌊5i/5⌋. Frequency ascending
/// 1, 1, 1, 2, 3: the three 1s share position 0 (score 1), 2 is at 3 (score 4), 3 at 4 (5).
/// Monetary ascending 60, 100, 100, 150, 1000: the two 100s share position 1 (score 2).
/// Means: recency 165/5 = 33, frequency 8/5 = 1.6, monetary 1410/5 = 282 yuan.
fn five_customers() -> Shop {
    let mut shop = Shop::new();
    let a = shop.customer("A", json!({}));
    let b = shop.customer("B", json!({}));
    let c = shop.customer("C", json!({}));
    let dd = shop.customer("D", json!({}));
    let e = shop.customer("E", json!({}));
    let f = shop.customer("F", json!({}));
    shop.sale(&a, "2026-03-30", 100);
    for day in ["2026-03-01", "2026-03-10", "2026-03-20"] {
        shop.sale(&b, day, 50);
    }
    shop.sale(&c, "2026-01-01", 1000);
    shop.sale(&dd, "2026-03-20", 30);
    shop.sale(&dd, "2026-03-25", 30);
    shop.sale(&e, "2026-02-01", 100);
    shop.visit(&f, "2026-03-01");
    shop
}

#[test]
fn scores_follow_rank_with_ties_sharing_the_first_position() {
    let a = analyze(&five_customers().book, d(D), &Rules::default());
    assert_eq!(scores(&a, 0), (1, 1, yuan(100), 5, 1, 2));
    assert_eq!(scores(&a, 1), (11, 3, yuan(150), 3, 5, 4));
    assert_eq!(scores(&a, 2), (89, 1, yuan(1000), 1, 1, 5));
    assert_eq!(scores(&a, 3), (6, 2, yuan(60), 4, 4, 1));
    assert_eq!(scores(&a, 4), (58, 1, yuan(100), 2, 1, 2));
    assert_eq!(a.segments[5].rfm, None, "no purchase day, not scored");
}

#[test]
fn classes_compare_with_the_means() {
    let a = analyze(&five_customers().book, d(D), &Rules::default());
    let means = a.means.unwrap();
    assert_eq!(means.customers, 5);
    assert_eq!(
        (means.recency_days, means.frequency, means.monetary),
        (33.0, 1.6, 28200.0)
    );
    let classes: Vec<Option<RfmClass>> = a.segments.iter().map(|s| s.class).collect();
    assert_eq!(
        classes,
        vec![
            Some(RfmClass::RegularDevelop),
            Some(RfmClass::RegularValue),
            Some(RfmClass::KeyWinBack),
            Some(RfmClass::RegularValue),
            Some(RfmClass::RegularWinBack),
            None,
        ]
    );
    assert_eq!(a.class_counts(), [0, 0, 0, 1, 2, 1, 0, 1]);
}

#[test]
fn a_value_equal_to_the_mean_is_not_high() {
    // P: 10 days, 1 day, 100; Q: 20 days, 2 days, 200; R: 30 days, 3 days, 300.
    // Means 20, 2, 200: Q equals every mean and is low on all three.
    let mut shop = Shop::new();
    let p = shop.customer("P", json!({}));
    let q = shop.customer("Q", json!({}));
    let r = shop.customer("R", json!({}));
    shop.sale(&p, "2026-03-21", 100);
    shop.sale(&q, "2026-03-06", 100);
    shop.sale(&q, "2026-03-11", 100);
    for day in ["2026-02-19", "2026-02-24", "2026-03-01"] {
        shop.sale(&r, day, 100);
    }
    let a = analyze(&shop.book, d(D), &Rules::default());
    let means = a.means.unwrap();
    let high = |i: usize| means.high(a.segments[i].rfm.as_ref().unwrap());
    assert_eq!(
        high(0),
        High {
            r: true,
            f: false,
            m: false
        }
    );
    assert_eq!(
        high(1),
        High {
            r: false,
            f: false,
            m: false
        }
    );
    assert_eq!(
        high(2),
        High {
            r: false,
            f: true,
            m: true
        }
    );
    assert_eq!(a.segments[1].class, Some(RfmClass::RegularWinBack));
    assert_eq!(a.segments[2].class, Some(RfmClass::KeyKeep));
    assert_eq!(a.segments[0].class, Some(RfmClass::RegularDevelop));
}

#[test]
fn a_single_customer_scores_one_and_is_nowhere_above_the_mean() {
    let mut shop = Shop::new();
    let c = shop.customer("独苗", json!({}));
    shop.sale(&c, "2026-03-01", 500);
    shop.sale(&c, "2026-03-20", 500);
    let a = analyze(&shop.book, d(D), &Rules::default());
    assert_eq!(scores(&a, 0), (11, 2, yuan(1000), 1, 1, 1));
    assert_eq!(a.segments[0].class, Some(RfmClass::RegularWinBack));
}

#[test]
fn equal_customers_all_score_one() {
    let mut shop = Shop::new();
    for name in ["甲", "乙", "丙", "丁"] {
        let c = shop.customer(name, json!({}));
        shop.sale(&c, "2026-03-01", 88);
    }
    let a = analyze(&shop.book, d(D), &Rules::default());
    for i in 0..4 {
        assert_eq!(scores(&a, i), (30, 1, yuan(88), 1, 1, 1));
    }
}

#[test]
fn no_purchases_means_no_scores_and_no_means() {
    let mut shop = Shop::new();
    let c = shop.customer("只逛不买", json!({}));
    shop.visit(&c, "2026-03-01");
    shop.refund(&c, "2026-03-02", 10, None);
    let a = analyze(&shop.book, d(D), &Rules::default());
    assert_eq!(a.means, None);
    assert_eq!((a.segments[0].rfm, a.segments[0].class), (None, None));
    assert_eq!(a.segments[0].shop_class, ShopClass::Visited);
}

#[test]
fn refunds_lower_monetary_and_purchases_after_the_as_of_date_do_not_count() {
    let mut shop = Shop::new();
    let c = shop.customer("李梅", json!({}));
    let sale = shop.sale(&c, "2026-03-01", 300);
    shop.refund(&c, "2026-03-05", 100, Some(&sale));
    shop.sale(&c, "2026-04-01", 999);
    let a = analyze(&shop.book, d(D), &Rules::default());
    assert_eq!(scores(&a, 0), (30, 1, yuan(200), 1, 1, 1));
}

#[test]
fn the_analysis_window_limits_rfm_to_recent_purchase_days() {
    let mut shop = Shop::new();
    let a = shop.customer("A", json!({}));
    let b = shop.customer("B", json!({}));
    shop.sale(&a, "2026-01-01", 1000);
    shop.sale(&a, "2026-03-02", 100); // D − 29 days: inside a 30-day window
    shop.sale(&b, "2026-03-01", 100); // D − 30 days: outside
    let rules = Rules {
        window_days: 30,
        ..Rules::default()
    };
    let an = analyze(&shop.book, d(D), &rules);
    assert_eq!(scores(&an, 0), (29, 1, yuan(100), 1, 1, 1));
    assert_eq!((an.segments[1].rfm, an.segments[1].class), (None, None));
    // Outside the window is still a customer who bought, and the lifecycle sees all history.
    assert_eq!(an.segments[1].shop_class, ShopClass::Bought);
    assert_eq!(an.segments[0].lifecycle.interval_days, 60.0);
    let all = analyze(&shop.book, d(D), &Rules::default());
    assert_eq!(scores(&all, 0).1, 2);
    assert!(all.segments[1].rfm.is_some());
}

#[test]
fn shop_classes() {
    // Frequencies 4, 3, 1, 1, 1 → F scores 5, 4, 1, 1, 1; spend 400, 2000, 10, 20, 30 → M scores
    // 4, 5, 1, 2, 3. Only the second has M 5 and F ≥ 4.
    let mut shop = Shop::new();
    let v1 = shop.customer("V1", json!({}));
    let v2 = shop.customer("V2", json!({}));
    let others: Vec<_> = ["o1", "o2", "o3"]
        .iter()
        .map(|n| shop.customer(n, json!({})))
        .collect();
    let flagged = shop.customer("老板的朋友", json!({"vip": true}));
    let visitor = shop.customer("看看", json!({}));
    let lead = shop.customer("介绍来的", json!({}));
    for day in ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"] {
        shop.sale(&v1, day, 100);
    }
    for day in ["2026-03-01", "2026-03-02", "2026-03-03"] {
        shop.sale(&v2, day, 2000 / 3);
    }
    shop.sale(&v2, "2026-03-03", 2000 - 3 * (2000 / 3));
    for (c, amount) in others.iter().zip([10, 20, 30]) {
        shop.sale(c, "2026-03-01", amount);
    }
    shop.visit(&visitor, "2026-03-01");
    let a = analyze(&shop.book, d(D), &Rules::default());
    let rfm = |i: usize| a.segments[i].rfm.map(|r| (r.f, r.m));
    assert_eq!((rfm(0), rfm(1)), (Some((5, 4)), Some((4, 5))));
    let classes: Vec<ShopClass> = a.segments.iter().map(|s| s.shop_class).collect();
    use ShopClass::*;
    assert_eq!(
        classes,
        vec![Bought, Vip, Bought, Bought, Bought, Vip, Visited, Potential]
    );
    assert_eq!(a.index_of(&lead), Some(7));
    assert_eq!(a.index_of(&flagged), Some(5));
}

#[test]
fn vip_needs_m_five_and_f_at_least_four() {
    let rfm = |f: u8, m: u8| Rfm {
        recency_days: 1,
        frequency: 1,
        monetary: Money(1),
        r: 3,
        f,
        m,
    };
    assert_eq!(ShopClass::of(false, Some(&rfm(4, 5)), 1, 0), ShopClass::Vip);
    assert_eq!(ShopClass::of(false, Some(&rfm(5, 5)), 1, 0), ShopClass::Vip);
    assert_eq!(
        ShopClass::of(false, Some(&rfm(3, 5)), 1, 0),
        ShopClass::Bought
    );
    assert_eq!(
        ShopClass::of(false, Some(&rfm(5, 4)), 1, 0),
        ShopClass::Bought
    );
    assert_eq!(ShopClass::of(true, None, 0, 0), ShopClass::Vip);
    assert_eq!(ShopClass::of(false, None, 0, 3), ShopClass::Visited);
    assert_eq!(ShopClass::of(false, None, 0, 0), ShopClass::Potential);
    let names: Vec<_> = ShopClass::ALL.iter().map(|c| (c.key(), c.zh())).collect();
    assert_eq!(
        names,
        vec![
            ("vip", "VIP客户"),
            ("bought", "到店消费过"),
            ("visited", "到店未消费"),
            ("potential", "潜在客户")
        ]
    );
}

#[test]
fn the_eight_classes_match_the_table() {
    let table = [
        (true, true, true, "key_value", "重要价值客户", "Key value"),
        (
            true,
            false,
            true,
            "key_develop",
            "重要发展客户",
            "Key to develop",
        ),
        (false, true, true, "key_keep", "重要保持客户", "Key to keep"),
        (
            false,
            false,
            true,
            "key_win_back",
            "重要挽留客户",
            "Key to win back",
        ),
        (
            true,
            true,
            false,
            "regular_value",
            "一般价值客户",
            "Regular value",
        ),
        (
            true,
            false,
            false,
            "regular_develop",
            "一般发展客户",
            "Regular to develop",
        ),
        (
            false,
            true,
            false,
            "regular_keep",
            "一般保持客户",
            "Regular to keep",
        ),
        (
            false,
            false,
            false,
            "regular_win_back",
            "一般挽留客户",
            "Regular to win back",
        ),
    ];
    for (i, (r, f, m, key, zh, en)) in table.into_iter().enumerate() {
        let class = RfmClass::from_high(High { r, f, m });
        assert_eq!((class.key(), class.zh(), class.en()), (key, zh, en));
        assert_eq!(class, RfmClass::ALL[i]);
        assert_eq!(serde_json::to_value(class).unwrap(), json!(key));
    }
}

#[test]
fn rank_scores_for_hand_computed_positions() {
    // n = 7, sorted 1 2 2 2 5 6 6: first positions 0, 1, 4, 5 → 1 + ⌊5i/7⌋ = 1, 1, 3, 4.
    assert_eq!(
        rank_scores(&[6, 2, 1, 5, 2, 6, 2]),
        vec![4, 1, 1, 3, 1, 4, 1]
    );
    assert_eq!(rank_scores(&[]), Vec::<u8>::new());
}
