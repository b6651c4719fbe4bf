//! The Stats screen's figures (issue 11): the 8 RFM classes with their share of spend, the
//! R × F grid and its cells, customers by lifecycle stage at each month's end and each month's
//! new vs returning revenue with the repeat-purchase rate — on a hand-built shop whose numbers
//! are worked out below, on an empty shop, and against a full re-analysis at every month's end
//! on a synthetic one.

use huike_core::book::Book;
use huike_core::domain::{Money, Rules};
use huike_core::id::Id;
use huike_core::insights::stats::{
    MONTHS, Month, in_rf_cell, monthly_revenue, months_to, rf_grid, rfm_classes, stage_revenue,
    stages_by_month,
};
use huike_core::segment::class::RfmClass;
use huike_core::segment::stage::Stage;
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d, yuan};
use serde_json::json;

/// The as-of day: the months are July 2025 … June 2026 (June through the 15th).
const D: &str = "2026-06-15";

/// Seven customers (all added 2025-01-01 unless said), sales in yuan:
/// - A 老客: 2025-05-10 100, 07-05 200, 08-04 300, 09-03 400, 2026-06-01 500
///   (gaps 56, 30, 30, 271 days);
/// - B 新客: 2026-06-05 80, 06-10 120 (gap 5);
/// - C 一次: 2025-07-20 50;
/// - D 两次: 2025-10-01 60, 10-15 40 (gap 14);
/// - E 潜在: no purchase;
/// - F 新加: no purchase, added 2026-02-10;
/// - G 退款: 2026-05-05 200, refunded 50 on 2026-06-02 (naming that sale: May's day is 150).
struct Hand {
    shop: Shop,
    ids: [Id; 7],
}

fn hand() -> Hand {
    let mut shop = Shop::new();
    let a = shop.customer("老客", json!({}));
    let b = shop.customer("新客", json!({}));
    let c = shop.customer("一次", json!({}));
    let dd = shop.customer("两次", json!({}));
    let e = shop.customer("潜在", json!({}));
    let f = shop.customer("新加", json!({"created_at": "2026-02-10T10:00:00"}));
    let g = shop.customer("退款", json!({}));
    for (day, y) in [
        ("2025-05-10", 100),
        ("2025-07-05", 200),
        ("2025-08-04", 300),
        ("2025-09-03", 400),
        ("2026-06-01", 500),
    ] {
        shop.sale(&a, day, y);
    }
    shop.sale(&b, "2026-06-05", 80);
    shop.sale(&b, "2026-06-10", 120);
    shop.sale(&c, "2025-07-20", 50);
    shop.sale(&dd, "2025-10-01", 60);
    shop.sale(&dd, "2025-10-15", 40);
    let sale = shop.sale(&g, "2026-05-05", 200);
    shop.refund(&g, "2026-06-02", 50, Some(&sale));
    Hand {
        shop,
        ids: [a, b, c, dd, e, f, g],
    }
}

fn analysis_of(book: &Book, rules: &Rules) -> Analysis {
    analyze(book, d(D), rules)
}

#[test]
fn classes_count_customers_and_share_the_window_spend() {
    let h = hand();
    let classes = rfm_classes(&analysis_of(&h.shop.book, &Rules::default()));
    // Scored: A (recency 14, 5 days, 1500), B (5, 2, 200), C (330, 1, 50), D (243, 2, 100),
    // G (41, 1, 150). Means: recency 633/5 = 126.6, frequency 11/5 = 2.2, spend 2000/5 = 400.
    // A: R high, F high, M high → key value. B, G: R high, F low, M low → regular to develop.
    // C, D: all low → regular to win back. Spend shares: 1500, 350, 150 of 2000.
    assert_eq!(classes.len(), 8);
    let order: Vec<RfmClass> = classes.iter().map(|c| c.group).collect();
    assert_eq!(order, RfmClass::ALL);
    let counts: Vec<usize> = classes.iter().map(|c| c.customers).collect();
    assert_eq!(counts, [1, 0, 0, 0, 0, 2, 0, 2]);
    let revenue: Vec<Money> = classes.iter().map(|c| c.revenue).collect();
    let z = Money::ZERO;
    assert_eq!(revenue, [yuan(1500), z, z, z, z, yuan(350), z, yuan(150)]);
    let share = |k: RfmClass| classes[k as usize].revenue_share;
    assert!((share(RfmClass::KeyValue) - 0.75).abs() < 1e-12);
    assert!((share(RfmClass::RegularDevelop) - 0.175).abs() < 1e-12);
    assert!((share(RfmClass::RegularWinBack) - 0.075).abs() < 1e-12);
    assert_eq!(share(RfmClass::KeyKeep), 0.0);
    let total: f64 = classes.iter().map(|c| c.revenue_share).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!((classes[0].customer_share - 0.2).abs() < 1e-12, "1 of 5");
}

#[test]
fn revenue_by_stage_counts_every_customer_and_shares_the_window_spend() {
    let h = hand();
    let shares = stage_revenue(&analysis_of(&h.shop.book, &Rules::default()));
    // As of D (see `stages_at_each_months_end`): E, F introduction (no spend); B growth (200);
    // A maturity (1500); G decline (150 net of the refund); C, D churned (50 + 100).
    let order: Vec<Stage> = shares.iter().map(|s| s.group).collect();
    assert_eq!(order, Stage::ALL);
    let counts: Vec<usize> = shares.iter().map(|s| s.customers).collect();
    assert_eq!(counts, [2, 1, 1, 1, 2], "every customer, buyer or not");
    let revenue: Vec<Money> = shares.iter().map(|s| s.revenue).collect();
    assert_eq!(
        revenue,
        [Money::ZERO, yuan(200), yuan(1500), yuan(150), yuan(150)]
    );
    let revenue_shares: Vec<f64> = shares.iter().map(|s| s.revenue_share).collect();
    for (got, want) in revenue_shares.iter().zip([0.0, 0.1, 0.75, 0.075, 0.075]) {
        assert!((got - want).abs() < 1e-12, "{revenue_shares:?}");
    }
    assert!(
        (shares[0].customer_share - 2.0 / 7.0).abs() < 1e-12,
        "2 of 7"
    );
    let empty = stage_revenue(&analysis_of(&Book::new(), &Rules::default()));
    assert!(
        empty
            .iter()
            .all(|s| s.customers == 0 && s.revenue_share == 0.0)
    );
}

#[test]
fn classes_follow_the_analysis_window() {
    let h = hand();
    let rules = Rules {
        window_days: 30,
        ..Rules::default()
    };
    let classes = rfm_classes(&analysis_of(&h.shop.book, &rules));
    // Within 30 days of 06-15 (after 05-16): A 06-01 (recency 14, 1 day, 500), B (5, 2, 200).
    // Means 9.5, 1.5, 350: A is R low, F low, M high → key to win back; B is R high, F high,
    // M low → regular value. A's older spend and G's May sale are outside the window.
    let counts: Vec<usize> = classes.iter().map(|c| c.customers).collect();
    assert_eq!(counts, [0, 0, 0, 1, 1, 0, 0, 0]);
    assert_eq!(classes[RfmClass::KeyWinBack as usize].revenue, yuan(500));
    assert_eq!(classes[RfmClass::RegularValue as usize].revenue, yuan(200));
    assert!((classes[RfmClass::KeyWinBack as usize].revenue_share - 5.0 / 7.0).abs() < 1e-12);
}

#[test]
fn rf_grid_counts_scored_customers_and_lists_a_cell() {
    let h = hand();
    let [a, b, c, dd, _, _, g] = &h.ids;
    let analysis = analysis_of(&h.shop.book, &Rules::default());
    // R by rank of recency, worst first: C 330 → 1, D 243 → 2, G 41 → 3, A 14 → 4, B 5 → 5.
    // F: C and G (1 day) → 1, B and D (2 days, from position 2 of 5) → 3, A (5 days) → 5.
    // Cells (r, f): A (4, 5), B (5, 3), C (1, 1), D (2, 3), G (3, 1); E and F have no scores.
    let mut expected = [[0usize; 5]; 5];
    expected[3][4] = 1;
    expected[4][2] = 1;
    expected[0][0] = 1;
    expected[1][2] = 1;
    expected[2][0] = 1;
    let grid = rf_grid(&analysis);
    assert_eq!(grid, expected);
    assert_eq!(grid.iter().flatten().sum::<usize>(), analysis.buyers());
    assert_eq!(in_rf_cell(&analysis, 4, 5), std::slice::from_ref(a));
    assert_eq!(in_rf_cell(&analysis, 5, 3), std::slice::from_ref(b));
    assert_eq!(in_rf_cell(&analysis, 1, 1), std::slice::from_ref(c));
    assert_eq!(in_rf_cell(&analysis, 2, 3), std::slice::from_ref(dd));
    assert_eq!(in_rf_cell(&analysis, 3, 1), std::slice::from_ref(g));
    assert!(in_rf_cell(&analysis, 5, 5).is_empty());
    assert!(in_rf_cell(&analysis, 0, 1).is_empty(), "no score 0");
    assert!(in_rf_cell(&analysis, 1, 6).is_empty(), "no score 6");
}

#[test]
fn stages_at_each_months_end() {
    let h = hand();
    let rules = Rules::default();
    let analysis = analysis_of(&h.shop.book, &rules);
    let by_month = stages_by_month(&analysis, &rules);
    let months: Vec<Month> = by_month.iter().map(|m| m.month).collect();
    assert_eq!(months, months_to(d(D)));
    assert_eq!(months[0].first, d("2025-07-01"));
    assert_eq!(months[0].through, d("2025-07-31"));
    assert_eq!(months[11].first, d("2026-06-01"));
    assert_eq!(months[11].through, d(D));
    // Shop interval (median of own intervals) at each end: Jul 56 (A: 56); Aug 43 (A: 56, 30);
    // Sep 30 (A: 30, 30, 56); Oct–May 22 (A 30, D 14); Jun 15th 14 (A 43, B 5, D 14).
    // Decline: since > 2 × interval; churned: since > max(180, 4 × interval).
    // [introduction, growth, maturity, decline, churned]:
    let expected: [[usize; 5]; MONTHS] = [
        // Jul 31: A 2 days, since 26 → growth; C 1 day, since 11; B D E G not bought yet;
        // F not added yet.
        [5, 1, 0, 0, 0],
        // Aug 31: A 3 days, since 27 ≤ 2 × 43 → growth; C since 42 ≤ 86.
        [5, 1, 0, 0, 0],
        // Sep 30: A 4 days, since 27 ≤ 60 → maturity; C since 72 > 2 × 30 → decline.
        [4, 0, 1, 1, 0],
        // Oct 31: A since 58 ≤ 60; C since 103 > 44 → decline; D 2 days, since 16 ≤ 28 → growth.
        [3, 1, 1, 1, 0],
        // Nov 30: A since 88 > 60, D since 46 > 28, C → decline (all ≤ 180).
        [3, 0, 0, 3, 0],
        // Dec 31: A 119, C 164, D 77 → decline.
        [3, 0, 0, 3, 0],
        // Jan 31: C since 195 > 180 → churned; A 150, D 108 → decline.
        [3, 0, 0, 2, 1],
        // Feb 28: F added (introduction); A 178 (not > 180), D 136 → decline.
        [4, 0, 0, 2, 1],
        // Mar 31: A since 209 → churned; D 167 → decline.
        [4, 0, 0, 1, 2],
        // Apr 30: D since 197 → churned.
        [4, 0, 0, 0, 3],
        // May 31: G 1 day, since 26 ≤ 44 → introduction.
        [4, 0, 0, 0, 3],
        // Jun 15: A 5 days, interval 43, since 14 → maturity; B 2 days, since 5 ≤ 10 →
        // growth; G since 41 > 2 × 14 → decline; C, D churned; E, F introduction.
        [2, 1, 1, 1, 2],
    ];
    let counts: Vec<[usize; 5]> = by_month.iter().map(|m| m.counts).collect();
    assert_eq!(counts, expected);
    assert_eq!(
        by_month[11].counts,
        analysis.stage_counts(),
        "the last bar is today"
    );
}

#[test]
fn stages_agree_with_a_full_analysis_at_each_months_end() {
    let rules = Rules::default();
    let check = |book: &Book, as_of| {
        let analysis = analyze(book, as_of, &rules);
        for m in stages_by_month(&analysis, &rules) {
            let then = analyze(book, m.month.through, &rules);
            let mut expected = [0usize; 5];
            for (c, cust) in analysis.history.customers.iter().enumerate() {
                let added = [cust.profile.created_on, cust.first_seen]
                    .into_iter()
                    .flatten()
                    .min();
                if added.is_none_or(|a| a <= m.month.through) {
                    expected[then.segments[c].lifecycle.stage as usize] += 1;
                }
            }
            assert_eq!(m.counts, expected, "at {}", m.month.through);
        }
    };
    check(&hand().shop.book, d(D));
    let params = huike_core::synth::Params::new(5, 500, 4_000);
    check(&params.book(), params.as_of);
}

#[test]
fn monthly_revenue_splits_new_and_returning() {
    let h = hand();
    let revenue = monthly_revenue(&analysis_of(&h.shop.book, &Rules::default()));
    assert_eq!(revenue.len(), MONTHS);
    assert_eq!(revenue[0].month.first, d("2025-07-01"));
    assert_eq!(revenue[11].month.through, d(D));
    // (new, returning, new buyers, returning buyers, repeat rate), yuan:
    // Jul: C's first sale 50 (new); A 200 (first bought in May: returning) → 1 of 2.
    // Aug, Sep: A 300, 400 returning. Oct: D's two days 60 + 40, both new (first in Oct).
    // Nov–Apr: nobody. May: G 200 less the June refund of that sale → 150, new.
    // Jun (to the 15th): B 80 + 120 new, one buyer; A 500 returning → 1 of 2.
    // A's May 2025 sale is before the months shown.
    let expected = [
        (50, 200, 1, 1, 0.5),
        (0, 300, 0, 1, 1.0),
        (0, 400, 0, 1, 1.0),
        (100, 0, 1, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (0, 0, 0, 0, 0.0),
        (150, 0, 1, 0, 0.0),
        (200, 500, 1, 1, 0.5),
    ];
    let got: Vec<(Money, Money, usize, usize, f64)> = revenue
        .iter()
        .map(|m| {
            (
                m.new_revenue,
                m.returning_revenue,
                m.new_buyers,
                m.returning_buyers,
                m.repeat_rate,
            )
        })
        .collect();
    let expected: Vec<(Money, Money, usize, usize, f64)> = expected
        .iter()
        .map(|&(n, r, nb, rb, rate)| (yuan(n), yuan(r), nb, rb, rate))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn an_empty_shop_has_all_zero_figures() {
    let book = Book::new();
    let rules = Rules::default();
    let analysis = analysis_of(&book, &rules);
    let classes = rfm_classes(&analysis);
    assert_eq!(classes.len(), 8);
    assert!(classes.iter().all(|c| c.customers == 0
        && c.revenue == Money::ZERO
        && c.customer_share == 0.0
        && c.revenue_share == 0.0));
    assert_eq!(rf_grid(&analysis), [[0; 5]; 5]);
    assert!(in_rf_cell(&analysis, 1, 1).is_empty());
    let stages = stages_by_month(&analysis, &rules);
    assert_eq!(stages.len(), MONTHS);
    assert!(stages.iter().all(|m| m.counts == [0; 5]));
    let revenue = monthly_revenue(&analysis);
    assert_eq!(revenue.len(), MONTHS);
    assert!(revenue.iter().all(|m| m.new_revenue == Money::ZERO
        && m.returning_revenue == Money::ZERO
        && m.new_buyers + m.returning_buyers == 0
        && m.repeat_rate == 0.0));
}

#[test]
fn customers_without_purchases_count_only_as_introduction_from_when_added() {
    let mut shop = Shop::new();
    shop.customer("早", json!({}));
    shop.customer("晚", json!({"created_at": "2026-04-20T08:00:00"}));
    // A lead whose record has no date at all counts in every month.
    shop.customer("无日期", json!({"created_at": null}));
    // Added in May on the record, but seen at a visit in January (an imported history).
    let visitor = shop.customer("来过", json!({"created_at": "2026-05-01T08:00:00"}));
    shop.visit(&visitor, "2026-01-12");
    let rules = Rules::default();
    let analysis = analysis_of(&shop.book, &rules);
    let counts: Vec<[usize; 5]> = stages_by_month(&analysis, &rules)
        .iter()
        .map(|m| m.counts)
        .collect();
    // Jul–Dec: 早 and 无日期; Jan–Mar: and 来过; Apr–Jun: and 晚.
    let mut expected = vec![[2, 0, 0, 0, 0]; 6];
    expected.extend([[3, 0, 0, 0, 0]; 3]);
    expected.extend([[4, 0, 0, 0, 0]; 3]);
    assert_eq!(counts, expected);
    assert_eq!(rf_grid(&analysis), [[0; 5]; 5]);
    assert!(rfm_classes(&analysis).iter().all(|c| c.customers == 0));
    assert!(
        monthly_revenue(&analysis)
            .iter()
            .all(|m| m.new_buyers + m.returning_buyers == 0)
    );
}

/// Takes a value so that timing a figure does not optimise it away.
fn no_op<T>(_: T) {}

/// The cost of the four figures on the benchmark's shop (20,000 customers, 200,000 sales):
/// `cargo test -p huike-core --release --test stats_figures -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, run on demand in release"]
fn cost_on_a_20k_customer_shop() {
    let params = huike_core::synth::Params::new(1, 20_000, 200_000);
    let book = params.book();
    let rules = book.rules();
    let analysis = analyze(&book, params.as_of, &rules);
    let runs = 20;
    let start = std::time::Instant::now();
    for _ in 0..runs {
        std::hint::black_box((
            rfm_classes(&analysis),
            rf_grid(&analysis),
            in_rf_cell(&analysis, 5, 5),
            stages_by_month(&analysis, &rules),
            monthly_revenue(&analysis),
        ));
    }
    let each = start.elapsed() / runs;
    let time = |f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..runs {
            f();
        }
        start.elapsed() / runs
    };
    let ledger = huike_core::segment::ledger::Ledger::read(&book);
    let reference = time(&|| {
        no_op(std::hint::black_box(huike_core::segment::analyze_ledger(
            &ledger,
            params.as_of,
            &rules,
        )))
    });
    println!("the analysis they read, for comparison: {reference:?}");
    println!(
        "all four: {each:?}; classes {:?}, grid {:?}, cell {:?}, stages {:?}, revenue {:?}",
        time(&|| no_op(std::hint::black_box(rfm_classes(&analysis)))),
        time(&|| no_op(std::hint::black_box(rf_grid(&analysis)))),
        time(&|| no_op(std::hint::black_box(in_rf_cell(&analysis, 5, 5)))),
        time(&|| no_op(std::hint::black_box(stages_by_month(&analysis, &rules)))),
        time(&|| no_op(std::hint::black_box(monthly_revenue(&analysis)))),
    );
}
