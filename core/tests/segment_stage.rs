//! Lifecycle stage (docs/segmentation.md): the purchase interval (own median gap, shop-wide median, 30 days)
//! and the stage thresholds, each tested exactly at the boundary.

use chrono::{Days, NaiveDate};
use huike_core::domain::Rules;
use huike_core::segment::analyze;
use huike_core::segment::stage::{IntervalSource, Lifecycle, Stage};
use huike_core::test_shop::{Shop, d};
use serde_json::json;

fn today() -> NaiveDate {
    d("2026-06-30")
}

/// A customer who bought on each of the given numbers of days before today.
fn buyer(shop: &mut Shop, days_ago: &[u64]) {
    let c = shop.customer("客", json!({}));
    for &n in days_ago {
        let day = today().checked_sub_days(Days::new(n)).unwrap();
        shop.sale(&c, &day.to_string(), 100);
    }
}

/// The lifecycles of customers with these purchase histories, under `rules`.
fn lifecycles(histories: &[&[u64]], rules: &Rules) -> Vec<Lifecycle> {
    let mut shop = Shop::new();
    for h in histories {
        buyer(&mut shop, h);
    }
    analyze(&shop.book, today(), rules)
        .segments
        .into_iter()
        .map(|s| s.lifecycle)
        .collect()
}

fn stages(histories: &[&[u64]], rules: &Rules) -> Vec<Stage> {
    lifecycles(histories, rules)
        .into_iter()
        .map(|l| l.stage)
        .collect()
}

#[test]
fn stage_by_number_of_purchase_days() {
    let s = stages(
        &[
            &[],
            &[1],
            &[2, 1],
            &[3, 2, 1],
            &[4, 3, 2, 1],
            &[5, 4, 3, 2, 1],
        ],
        &Rules::default(),
    );
    use Stage::*;
    assert_eq!(
        s,
        vec![
            Introduction,
            Introduction,
            Growth,
            Growth,
            Maturity,
            Maturity
        ]
    );
}

#[test]
fn decline_is_strictly_more_than_twice_the_interval() {
    // Own interval 10 days: decline after 20 days.
    let s = stages(
        &[&[30, 20], &[31, 21], &[50, 40, 30, 20], &[51, 41, 31, 21]],
        &Rules::default(),
    );
    assert_eq!(
        s,
        vec![
            Stage::Growth,
            Stage::Decline,
            Stage::Maturity,
            Stage::Decline
        ]
    );
}

#[test]
fn churn_is_strictly_more_than_max_of_180_and_four_intervals() {
    // Interval 10: max(180, 40) = 180. Interval 50: max(180, 200) = 200 (decline after 100).
    let s = stages(
        &[
            &[190, 180],
            &[191, 181],
            &[250, 200],
            &[251, 201],
            &[200, 150, 100],
            &[201, 151, 101],
        ],
        &Rules::default(),
    );
    use Stage::*;
    assert_eq!(s, vec![Decline, Churned, Decline, Churned, Growth, Decline]);
}

#[test]
fn median_gap_with_odd_and_even_counts() {
    // Gaps 1, 7, 100 → 7. Gaps 3, 6 → 4.5 (decline after 9 days: 9 is not, 10 is).
    let l = lifecycles(
        &[&[118, 18, 11, 10], &[18, 15, 9], &[19, 16, 10]],
        &Rules::default(),
    );
    assert_eq!(
        (l[0].interval_days, l[0].interval_source),
        (7.0, IntervalSource::Own)
    );
    assert_eq!(l[0].since_days, Some(10));
    assert_eq!(l[0].stage, Stage::Maturity);
    assert_eq!(l[1].interval_days, 4.5);
    assert_eq!((l[1].since_days, l[1].stage), (Some(9), Stage::Growth));
    assert_eq!((l[2].since_days, l[2].stage), (Some(10), Stage::Decline));
}

#[test]
fn one_purchase_day_takes_the_shop_wide_median_of_medians() {
    // Own intervals 10, 20, 40 → shop interval 20; single-day customers decline after 40 days.
    let l = lifecycles(
        &[&[110, 100], &[120, 100], &[140, 100], &[40], &[41]],
        &Rules::default(),
    );
    assert_eq!(
        (l[3].interval_days, l[3].interval_source),
        (20.0, IntervalSource::Shop)
    );
    assert_eq!(
        (l[3].stage, l[4].stage),
        (Stage::Introduction, Stage::Decline)
    );
    // An even number of own intervals: 10 and 20 → 15.
    let l = lifecycles(&[&[110, 100], &[120, 100], &[30], &[31]], &Rules::default());
    assert_eq!(l[2].interval_days, 15.0);
    assert_eq!(
        (l[2].stage, l[3].stage),
        (Stage::Introduction, Stage::Decline)
    );
}

#[test]
fn without_any_repeat_customer_the_interval_is_30_days() {
    let l = lifecycles(&[&[60], &[61], &[180], &[181]], &Rules::default());
    assert_eq!(
        (l[0].interval_days, l[0].interval_source),
        (30.0, IntervalSource::Default)
    );
    let s: Vec<Stage> = l.iter().map(|l| l.stage).collect();
    assert_eq!(
        s,
        vec![
            Stage::Introduction,
            Stage::Decline,
            Stage::Decline,
            Stage::Churned
        ]
    );
}

#[test]
fn a_customer_without_purchases_is_introduction_whatever_else_they_did() {
    let mut shop = Shop::new();
    let c = shop.customer("只来看看", json!({}));
    shop.visit(&c, "2024-01-01");
    let l = analyze(&shop.book, today(), &Rules::default()).segments[0].lifecycle;
    assert_eq!((l.stage, l.since_days), (Stage::Introduction, None));
}

#[test]
fn multipliers_and_the_minimum_are_shop_rules() {
    let rules = Rules {
        decline_multiplier: 3.0,
        churn_multiplier: 5.0,
        churn_min_days: 100,
        ..Rules::default()
    };
    // Interval 10: decline after 30, churn after max(100, 50) = 100.
    let s = stages(&[&[40, 30], &[41, 31], &[110, 100], &[111, 101]], &rules);
    assert_eq!(
        s,
        vec![
            Stage::Growth,
            Stage::Decline,
            Stage::Decline,
            Stage::Churned
        ]
    );
}

#[test]
fn stage_names() {
    let names: Vec<_> = Stage::ALL
        .iter()
        .map(|s| (s.key(), s.zh(), s.en()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("introduction", "引入期", "Introduction"),
            ("growth", "增长期", "Growth"),
            ("maturity", "成熟期", "Maturity"),
            ("decline", "衰退期", "Decline"),
            ("churned", "流失", "Churned"),
        ]
    );
}
