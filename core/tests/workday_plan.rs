//! Today is a day's work (SPEC §2): the agenda shared out among the staff at most the daily
//! capacity each — complaints on every list, dated items first, then regular contact by value,
//! each item with the staff member who last served the customer — on a hand-built shop, and the
//! plan's invariants on a synthetic one.

use huike_core::agenda::{Agenda, agenda};
use huike_core::domain::{Entry, Outcome, Purpose, Rules, Visit};
use huike_core::id::Id;
use huike_core::insights::Insights;
use huike_core::predict::outlook::Outlook;
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d, t};
use huike_core::workday::Workday;
use serde_json::json;
use std::collections::BTreeSet;

const D: &str = "2026-03-10";

fn staff(name: &str) -> Id {
    Id::parse(name).unwrap()
}

/// The day's plan for `shop` with staff `a` and `b` and the given capacity.
fn plan(shop: &Shop, capacity: u32) -> (Analysis, Agenda, Workday) {
    let analysis = analyze(&shop.book, d(D), &Rules::default());
    let list = agenda(&analysis, &Rules::default());
    let outlook = Outlook::of(&analysis);
    let day = Workday::plan(
        &list,
        &analysis,
        &outlook,
        &[staff("b-clerk"), staff("a-clerk")],
        capacity,
    );
    (analysis, list, day)
}

/// The customers (by id) on one staff member's list, in order.
fn names(analysis: &Analysis, list: &Agenda, day: &Workday, who: &str) -> Vec<String> {
    day.list_of(&staff(who))
        .iter()
        .map(|&p| {
            let item = list.get(p as usize).unwrap();
            analysis.history.id(item.customer).to_owned()
        })
        .collect()
}

/// Sets the staff member of an entry the support's builders write without one.
fn served(shop: &mut Shop, c: &Id, on: &str, by: &str) {
    shop.append(Entry::Visit(Visit {
        customer: c.clone(),
        on: d(on),
        note: String::new(),
        reason: None,
        staff: Some(staff(by)),
    }));
}

/// A shop with an open complaint, four birthdays this week (one customer last served by
/// clerk b) and five regular customers due a contact, spending 100 to 500 yuan.
fn shop() -> (Shop, Vec<Id>) {
    let mut shop = Shop::new();
    let mut ids = Vec::new();
    let unhappy = shop.customer("投诉", json!({}));
    shop.complaint(&unhappy, json!({"opened_at": "2026-03-10T09:00:00"}));
    ids.push(unhappy);
    for (i, day) in ["03-11", "03-12", "03-13", "03-14"].iter().enumerate() {
        let c = shop.customer(
            &format!("生日{i}"),
            json!({"birthday": format!("1990-{day}")}),
        );
        ids.push(c);
    }
    served(&mut shop, &ids[4], "2026-02-01", "b-clerk");
    for spend in 1..=5 {
        let c = shop.customer(&format!("常客{spend}"), json!({}));
        shop.sale(&c, "2025-12-01", spend * 100);
        ids.push(c);
    }
    (shop, ids)
}

#[test]
fn complaints_on_every_list_then_dated_items_then_regular_contact_by_value() {
    let (mut shop, ids) = shop();
    // The biggest spender was last served by clerk a.
    served(&mut shop, &ids[9], "2026-01-05", "a-clerk");
    let (analysis, list, day) = plan(&shop, 3);
    assert_eq!(list.len(), 10, "1 complaint + 4 birthdays + 5 regulars");
    let id = |i: usize| ids[i].to_string();
    assert_eq!(day.staff(), [staff("a-clerk"), staff("b-clerk")]);
    // Birthdays in date order, each to whoever has most room (a first on a tie), the last
    // to clerk b who served that customer; then the regulars by spend, the biggest to a, who
    // served them, the next to b.
    assert_eq!(
        names(&analysis, &list, &day, "a-clerk"),
        [id(0), id(1), id(3), id(9)]
    );
    assert_eq!(
        names(&analysis, &list, &day, "b-clerk"),
        [id(0), id(2), id(4), id(8)]
    );
    assert_eq!(day.waiting(), 3, "the three smaller regulars wait");
    assert_eq!(day.shared().len(), 1);
    assert_eq!(day.assignee(0), None, "a complaint is everyone's");
    assert!(names(&analysis, &list, &day, "c-clerk") == [id(0)]);
}

#[test]
fn a_customer_nobody_served_yet_goes_to_whoever_added_them() {
    let mut shop = Shop::new();
    let c = shop.customer(
        "新客",
        json!({"birthday": "1990-03-12", "created_by": "b-clerk"}),
    );
    let (analysis, list, day) = plan(&shop, 3);
    assert_eq!(names(&analysis, &list, &day, "b-clerk"), [c.to_string()]);
    assert!(day.list_of(&staff("a-clerk")).is_empty());
    // Once clerk a serves her, she is a's.
    served(&mut shop, &c, "2026-03-01", "a-clerk");
    let (analysis, list, day) = plan(&shop, 3);
    assert_eq!(names(&analysis, &list, &day, "a-clerk"), [c.to_string()]);
}

#[test]
fn contacts_made_today_count_against_the_day() {
    let (mut shop, ids) = shop();
    let extra = shop.customer("已联系", json!({}));
    shop.sale(&extra, "2025-12-01", 50);
    let contact = shop.contact(
        &extra,
        "2026-03-10 10:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    // The support writes contacts without a staff member: give this one to clerk a.
    let mut entry = shop.book.entry(contact.as_str()).unwrap().decode().unwrap();
    let Entry::Contact(c) = &mut entry else {
        unreachable!()
    };
    c.staff = Some(staff("a-clerk"));
    c.at = t("2026-03-10 10:01");
    let again = shop.append(entry);
    assert_ne!(again, contact);
    let (_, list, day) = plan(&shop, 3);
    assert_eq!(day.done_by(&staff("a-clerk")), 1);
    assert_eq!(day.done_by(&staff("b-clerk")), 0);
    let (a, b) = (
        day.list_of(&staff("a-clerk")),
        day.list_of(&staff("b-clerk")),
    );
    assert_eq!((a.len(), b.len()), (1 + 2, 1 + 3), "a has room for 2 more");
    assert_eq!(day.waiting(), list.len() - 1 - 5);
    let _ = ids;
}

#[test]
fn a_big_capacity_lists_everything_once_and_nothing_waits() {
    let (shop, _) = shop();
    let (_, list, day) = plan(&shop, 30);
    assert_eq!(day.waiting(), 0);
    let a: BTreeSet<u32> = day.list_of(&staff("a-clerk")).into_iter().collect();
    let b: BTreeSet<u32> = day.list_of(&staff("b-clerk")).into_iter().collect();
    assert_eq!(a.union(&b).count(), list.len());
    assert_eq!(
        a.intersection(&b).count(),
        1,
        "only the complaint is on both"
    );
}

#[test]
fn a_synthetic_shop_shares_its_day_out_without_overlap() {
    let params = huike_core::synth::Params::new(11, 3_000, 30_000);
    let book = params.book();
    let views = Insights::read(&book);
    let today = views.today(params.as_of, None);
    let day = &today.workday;
    let staff = day.staff().to_vec();
    assert_eq!(staff.len(), 3, "the synthetic shop's three devices");
    let capacity = Rules::default().daily_capacity as usize;
    let shared: BTreeSet<u32> = day.shared().iter().copied().collect();
    let mut seen = BTreeSet::new();
    for s in &staff {
        let own: Vec<u32> = day
            .list_of(s)
            .into_iter()
            .filter(|p| !shared.contains(p))
            .collect();
        assert!(own.len() + day.done_by(s) as usize <= capacity);
        for p in own {
            assert!(seen.insert(p), "item {p} on two lists");
            assert_eq!(day.assignee(p), Some(s));
        }
    }
    assert_eq!(
        seen.len() + shared.len() + day.waiting(),
        today.agenda.len()
    );
    assert!(
        today.agenda.len() > 3 * capacity,
        "a backlog to share out: {}",
        today.agenda.len()
    );
    let done: usize = staff.iter().map(|s| day.done_by(s) as usize).sum();
    assert_eq!(seen.len() + done, 3 * capacity, "every list full");
    // Regular items are ranked by the model's expected value: within a list, a regular item
    // never comes before a dated one.
    for s in &staff {
        let ranks: Vec<u8> = day
            .list_of(s)
            .iter()
            .map(|&p| today.agenda.get(p as usize).unwrap().top().rank())
            .collect();
        let first_regular = ranks.iter().position(|&r| r >= 8).unwrap_or(ranks.len());
        assert!(ranks[first_regular..].iter().all(|&r| r >= 8), "{ranks:?}");
        let values: Vec<f64> = day.list_of(s)[first_regular..]
            .iter()
            .map(|&p| {
                let c = today.agenda.get(p as usize).unwrap().customer;
                today.outlook.get(c).map_or(0.0, |p| p.expected_value())
            })
            .collect();
        assert!(
            values.windows(2).all(|w| w[0] >= w[1]),
            "by expected value: {values:?}"
        );
    }
    assert!(
        today.outlook.error().is_none(),
        "3,000 customers fit the model"
    );
}

#[test]
fn the_model_s_figures_in_parts_are_the_figures_at_once() {
    use huike_core::predict::outlook::{Fitted, Inputs, figures};
    let params = huike_core::synth::Params::new(5, 1_500, 15_000);
    let analysis = analyze(&params.book(), params.as_of, &Rules::default());
    let inputs = Inputs::of(&analysis);
    let whole = figures(
        &inputs.x,
        &inputs.t_x_days,
        &inputs.t_days,
        &inputs.repeat_spend,
    )
    .unwrap();
    let fitted = Fitted::new(
        &inputs.x,
        &inputs.t_x_days,
        &inputs.t_days,
        &inputs.repeat_spend,
    )
    .unwrap();
    let mut parts = Vec::new();
    for from in (0..fitted.len()).step_by(400) {
        parts.extend(fitted.figures(from, from + 400));
    }
    assert_eq!(parts, whole);
    assert_eq!(whole.len(), 2 * inputs.customers.len());
    // Outlook::new puts them back by customer, as Outlook::of works them out here.
    let outlook = Outlook::new(analysis.segments.len(), &inputs, Ok(parts));
    assert_eq!(outlook, Outlook::of(&analysis));
    let c = inputs.customers[0] as usize;
    let p = outlook.get(c).unwrap();
    assert!((0.0..=1.0).contains(&p.p_alive) && p.clv.0 >= 0);
    // Too few rows: no figures, and the reason.
    let few = Outlook::new(
        analysis.segments.len(),
        &inputs,
        Err("too little data".into()),
    );
    assert_eq!((few.get(c), few.error()), (None, Some("too little data")));
}
