//! The Customers tab's filter chips and sorts (issue 9): each kind of chip alone, kinds
//! combined, the chips' faceted counts, the three orders — on a hand-built shop, and against a
//! plain re-count on a synthetic one.

use huike_core::domain::Rules;
use huike_core::id::Id;
use huike_core::insights::Insights;
use huike_core::insights::filter::{Filter, Sort, filter};
use huike_core::segment::class::{RfmClass, ShopClass};
use huike_core::segment::stage::Stage;
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d};
use serde_json::json;

/// Four customers: two buyers tagged 奶粉 (one big, one small, bought at different times), a
/// visitor tagged 奶粉 and 二胎, a lead with no tag.
fn shop() -> (Shop, [Id; 4]) {
    let mut shop = Shop::new();
    let big = shop.customer("大客户", json!({"tags": ["奶粉"]}));
    let small = shop.customer("小客户", json!({"tags": ["奶粉"]}));
    let visitor = shop.customer("来看看", json!({"tags": ["奶粉", "二胎"]}));
    let lead = shop.customer("潜在", json!({}));
    shop.sale(&big, "2026-01-05", 900);
    shop.sale(&big, "2026-02-20", 900);
    shop.sale(&small, "2026-03-01", 50);
    shop.visit(&visitor, "2026-03-02");
    (shop, [big, small, visitor, lead])
}

fn run(shop: &Shop, f: &Filter, sort: Sort) -> (Vec<Id>, huike_core::insights::filter::Facets) {
    let views = Insights::read(&shop.book);
    let analysis: Analysis = analyze(&shop.book, d("2026-03-10"), &Rules::default());
    let out = filter(views.roster(), &analysis, f, sort);
    (out.ids, out.facets)
}

#[test]
fn no_chip_shows_everyone_with_every_count() {
    let (shop, [big, small, visitor, lead]) = shop();
    let (ids, facets) = run(&shop, &Filter::default(), Sort::Name);
    assert_eq!(ids.len(), 4);
    assert!(
        ids.contains(&big) && ids.contains(&small) && ids.contains(&visitor) && ids.contains(&lead)
    );
    assert_eq!(
        facets.types,
        [0, 2, 1, 1],
        "VIP, bought, visited, potential"
    );
    assert_eq!(
        facets.classes.iter().sum::<usize>(),
        2,
        "the two buyers have a class"
    );
    assert_eq!(facets.stages.iter().sum::<usize>(), 4);
    assert_eq!(
        facets.tags,
        [("二胎".to_owned(), 1), ("奶粉".to_owned(), 3)]
    );
}

#[test]
fn chips_combine_across_kinds_and_count_the_other_kinds() {
    let (shop, [big, small, visitor, _]) = shop();
    let tagged = Filter {
        tags: vec!["奶粉".into()],
        ..Filter::default()
    };
    let (ids, facets) = run(&shop, &tagged, Sort::Name);
    assert_eq!(ids.len(), 3);
    assert_eq!(facets.types, [0, 2, 1, 0], "types among the tagged");
    // The tag chips still count as if no tag were chosen (faceted counts).
    assert_eq!(
        facets.tags,
        [("二胎".to_owned(), 1), ("奶粉".to_owned(), 3)]
    );
    let bought_tagged = Filter {
        types: vec![ShopClass::Bought],
        ..tagged.clone()
    };
    let (ids, facets) = run(&shop, &bought_tagged, Sort::Name);
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&big) && ids.contains(&small) && !ids.contains(&visitor));
    assert_eq!(
        facets.tags,
        [("奶粉".to_owned(), 2)],
        "tags among the bought"
    );
    // Two values of one kind: either matches.
    let two_types = Filter {
        types: vec![ShopClass::Bought, ShopClass::Visited],
        ..tagged
    };
    assert_eq!(run(&shop, &two_types, Sort::Name).0.len(), 3);
    // A class chip: the big spender is the only "key" customer.
    let key = Filter {
        classes: vec![
            RfmClass::KeyValue,
            RfmClass::KeyDevelop,
            RfmClass::KeyKeep,
            RfmClass::KeyWinBack,
        ],
        ..Filter::default()
    };
    assert_eq!(run(&shop, &key, Sort::Name).0, std::slice::from_ref(&big));
    // A stage chip.
    let growth = Filter {
        stages: vec![Stage::Growth],
        ..Filter::default()
    };
    assert_eq!(run(&shop, &growth, Sort::Name).0, [big]);
}

#[test]
fn three_orders() {
    let (shop, [big, small, visitor, lead]) = shop();
    let all = Filter::default();
    let (by_spend, _) = run(&shop, &all, Sort::Spend);
    assert_eq!(&by_spend[..2], [big.clone(), small.clone()]);
    let (by_last, _) = run(&shop, &all, Sort::LastPurchase);
    assert_eq!(&by_last[..2], [small, big], "latest purchase first");
    assert!(by_last[2..].contains(&visitor) && by_last[2..].contains(&lead));
    let (by_name, _) = run(&shop, &all, Sort::Name);
    let views = Insights::read(&shop.book);
    let list: Vec<Id> = (0..4)
        .map(|i| views.roster().at(i).unwrap().id.clone())
        .collect();
    assert_eq!(by_name, list, "the list's own order");
}

#[test]
fn counts_agree_with_a_plain_recount_on_a_synthetic_shop() {
    let params = huike_core::synth::Params::new(9, 1_200, 9_000);
    let book = params.book();
    let views = Insights::read(&book);
    let analysis = analyze(&book, params.as_of, &Rules::default());
    let f = Filter {
        stages: vec![Stage::Decline, Stage::Churned],
        types: vec![ShopClass::Bought, ShopClass::Vip],
        ..Filter::default()
    };
    let out = filter(views.roster(), &analysis, &f, Sort::Spend);
    let expected: usize = analysis
        .segments
        .iter()
        .filter(|s| f.stages.contains(&s.lifecycle.stage) && f.types.contains(&s.shop_class))
        .count();
    assert_eq!(out.ids.len(), expected);
    assert!(expected > 50, "a real selection: {expected}");
    // Each stage chip counts the chosen types; the chosen stages' counts add up to the list.
    let chosen: usize = f
        .stages
        .iter()
        .map(|s| out.facets.stages[*s as usize])
        .sum();
    assert_eq!(chosen, expected);
    // By spend: never increasing.
    let spend: Vec<i64> = out
        .ids
        .iter()
        .map(|id| {
            analysis.history.customers[analysis.index_of(id).unwrap()]
                .net_spend
                .0
        })
        .collect();
    assert!(spend.windows(2).all(|w| w[0] >= w[1]));
}
