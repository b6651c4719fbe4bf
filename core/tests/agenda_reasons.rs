//! Today's follow-ups (docs/segmentation.md, "Today's follow-ups"): every reason on its own and at its boundaries, reasons
//! combined, priority order, and do-not-contact customers.

use huike_core::agenda::{Agenda, Milestone, Reason, agenda};
use huike_core::domain::{LedgerKind, Outcome, Purpose, Rules, Severity};
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_core::segment::analyze;
use huike_core::segment::cadence::CadenceBase;
use huike_core::test_shop::{Shop, d, t, yuan};
use serde_json::json;

const D: &str = "2026-03-10";

/// One agenda item: the customer's id and reasons.
type Item = (Id, Vec<Reason>);

/// The agenda for `day`, as (customer id, reasons) in priority order.
fn run(shop: &Shop, day: &str, rules: &Rules) -> Vec<Item> {
    let analysis = analyze(&shop.book, d(day), rules);
    let list = agenda(&analysis, rules);
    list.items()
        .map(|i| {
            (
                Id::parse(analysis.history.id(i.customer)).unwrap(),
                i.reasons.to_vec(),
            )
        })
        .collect()
}

fn today(shop: &Shop) -> Vec<Item> {
    run(shop, D, &Rules::default())
}

/// The reasons of one customer's item (empty when not listed).
fn reasons_of(items: &[Item], id: &Id) -> Vec<Reason> {
    items
        .iter()
        .find(|(c, _)| c == id)
        .map(|(_, r)| r.clone())
        .unwrap_or_default()
}

fn keys(reasons: &[Reason]) -> Vec<&'static str> {
    reasons.iter().map(Reason::key).collect()
}

/// The reasons of one kind.
fn of_kind(items: &[Item], id: &Id, key: &str) -> Vec<Reason> {
    reasons_of(items, id)
        .into_iter()
        .filter(|r| r.key() == key)
        .collect()
}

#[test]
fn a_customer_with_nothing_due_is_not_listed() {
    let mut shop = Shop::new();
    shop.customer("李梅", json!({"birthday": "1990-06-01"}));
    assert!(today(&shop).is_empty());
}

#[test]
fn birthday_within_the_next_seven_days() {
    let mut shop = Shop::new();
    let in7 = shop.customer("七天后", json!({"birthday": "1990-03-17"}));
    let in8 = shop.customer("八天后", json!({"birthday": "1990-03-18"}));
    let on_day = shop.customer("今天", json!({"birthday": "1990-03-10"}));
    let past = shop.customer("昨天", json!({"birthday": "1990-03-09"}));
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &in7),
        vec![Reason::Birthday {
            date: d("2026-03-17"),
            in_days: 7,
            age: 36
        }]
    );
    assert_eq!(
        reasons_of(&items, &on_day),
        vec![Reason::Birthday {
            date: d("2026-03-10"),
            in_days: 0,
            age: 36
        }]
    );
    assert!(reasons_of(&items, &in8).is_empty());
    assert!(reasons_of(&items, &past).is_empty());
}

#[test]
fn a_29_february_birthday_falls_on_28_february_in_other_years() {
    let mut shop = Shop::new();
    let c = shop.customer("闰日", json!({"birthday": "2000-02-29"}));
    let at = |day: &str| reasons_of(&run(&shop, day, &Rules::default()), &c);
    assert_eq!(
        at("2026-02-21"),
        vec![Reason::Birthday {
            date: d("2026-02-28"),
            in_days: 7,
            age: 26
        }]
    );
    assert!(at("2026-02-20").is_empty());
    assert_eq!(
        at("2028-02-22"),
        vec![Reason::Birthday {
            date: d("2028-02-29"),
            in_days: 7,
            age: 28
        }]
    );
    assert!(at("2026-03-01").is_empty());
}

#[test]
fn a_birthday_greeting_already_sent_settles_it_but_last_years_does_not() {
    let mut shop = Shop::new();
    let greeted = shop.customer("已祝福", json!({"birthday": "1990-03-15"}));
    let last_year = shop.customer("去年祝福", json!({"birthday": "1990-03-15"}));
    let other = shop.customer("别的事", json!({"birthday": "1990-03-15"}));
    shop.contact(
        &greeted,
        "2026-03-08 10:00",
        Purpose::Birthday,
        Outcome::Reached,
        None,
    );
    shop.contact(
        &last_year,
        "2025-03-14 10:00",
        Purpose::Birthday,
        Outcome::Reached,
        None,
    );
    shop.contact(
        &other,
        "2026-03-09 10:00",
        Purpose::NewProduct,
        Outcome::Reached,
        None,
    );
    let items = today(&shop);
    assert!(reasons_of(&items, &greeted).is_empty());
    assert_eq!(keys(&reasons_of(&items, &last_year)), vec!["birthday"]);
    assert_eq!(keys(&reasons_of(&items, &other)), vec!["birthday"]);
}

fn milestone(shop: &mut Shop, born: &str) -> Id {
    shop.customer(
        "宝妈",
        json!({"children": [{"nickname": "豆豆", "birthday": born}]}),
    )
}

#[test]
fn child_milestones_within_the_next_seven_days() {
    let mut shop = Shop::new();
    // 满月 of a 31 January baby is 28 February (calendar month, clamped).
    let month = milestone(&mut shop, "2026-01-31");
    // 百天: 1 January + 100 days = 11 April.
    let hundred = milestone(&mut shop, "2026-01-01");
    let half = milestone(&mut shop, "2025-09-15");
    let year = milestone(&mut shop, "2025-03-12");
    let second = milestone(&mut shop, "2024-03-16");
    let reason = |items: &[Item], id: &Id| reasons_of(items, id);
    let ms = |m: Milestone, date: &str, in_days: u32| Reason::ChildMilestone {
        child: 0,
        milestone: m,
        date: d(date),
        in_days,
    };
    let rules = Rules::default();
    assert_eq!(
        reason(&run(&shop, "2026-02-21", &rules), &month),
        vec![ms(Milestone::FullMonth, "2026-02-28", 7)]
    );
    assert!(reason(&run(&shop, "2026-02-20", &rules), &month).is_empty());
    assert_eq!(
        reason(&run(&shop, "2026-04-04", &rules), &hundred),
        vec![ms(Milestone::HundredDays, "2026-04-11", 7)]
    );
    assert!(reason(&run(&shop, "2026-04-03", &rules), &hundred).is_empty());
    let items = today(&shop);
    assert_eq!(
        reason(&items, &half),
        vec![ms(Milestone::HalfYear, "2026-03-15", 5)]
    );
    // The first birthday is the 周岁 milestone, not also a birthday.
    assert_eq!(
        reason(&items, &year),
        vec![ms(Milestone::OneYear, "2026-03-12", 2)]
    );
    assert_eq!(
        reason(&items, &second),
        vec![Reason::ChildBirthday {
            child: 0,
            date: d("2026-03-16"),
            in_days: 6,
            age: 2
        }]
    );
    assert!(
        reason(&run(&shop, "2026-03-08", &rules), &second).is_empty(),
        "8 days ahead"
    );
}

#[test]
fn a_leap_day_babys_first_birthday_is_28_february() {
    let mut shop = Shop::new();
    let c = milestone(&mut shop, "2024-02-29");
    let r = reasons_of(&run(&shop, "2025-02-28", &Rules::default()), &c);
    assert_eq!(
        r,
        vec![Reason::ChildMilestone {
            child: 0,
            milestone: Milestone::OneYear,
            date: d("2025-02-28"),
            in_days: 0
        }]
    );
}

#[test]
fn due_date_within_fourteen_days_for_an_unborn_child_only() {
    let mut shop = Shop::new();
    let c14 = shop.customer("孕妈", json!({"children": [{"due_date": "2026-03-24"}]}));
    let c15 = shop.customer("孕妈2", json!({"children": [{"due_date": "2026-03-25"}]}));
    let born = shop.customer(
        "已生",
        json!({"children": [{"due_date": "2026-03-20", "birthday": "2026-03-01"}]}),
    );
    let overdue = shop.customer(
        "过了预产期",
        json!({"children": [{"due_date": "2026-03-09"}]}),
    );
    let second = shop.customer(
        "二胎",
        json!({"children": [{"nickname": "大宝", "birthday": "2020-06-01"}, {"nickname": "二宝", "due_date": "2026-03-10"}]}),
    );
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &c14),
        vec![Reason::DueDate {
            child: 0,
            due: d("2026-03-24"),
            in_days: 14
        }]
    );
    assert!(reasons_of(&items, &c15).is_empty());
    assert!(of_kind(&items, &born, "due_date").is_empty());
    assert!(reasons_of(&items, &overdue).is_empty());
    assert_eq!(
        reasons_of(&items, &second),
        vec![Reason::DueDate {
            child: 1,
            due: d("2026-03-10"),
            in_days: 0
        }]
    );
}

#[test]
fn a_new_shop_s_rules_remind_of_milk_powder_and_diapers_out_of_the_box() {
    let mut shop = Shop::new();
    let formula = shop.customer("奶粉妈妈", json!({}));
    let diapers = shop.customer("尿裤爸爸", json!({}));
    let toys = shop.customer("玩具", json!({}));
    shop.sale_items(&formula, "2026-02-08", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&diapers, "2026-02-18", &[("纸尿裤L", "纸尿裤", 120)]);
    shop.sale_items(&toys, "2026-02-08", &[("积木", "玩具", 99)]);
    let items = today(&shop);
    let due = |id: &Id| -> Vec<(String, u32)> {
        of_kind(&items, id, "rebuy")
            .into_iter()
            .filter_map(|r| match r {
                Reason::Rebuy {
                    category,
                    cycle_days,
                    ..
                } => Some((category, cycle_days)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(due(&formula), [("奶粉".to_owned(), 30)]);
    assert_eq!(due(&diapers), [("纸尿裤".to_owned(), 20)]);
    assert!(due(&toys).is_empty(), "toys have no cycle");
}

#[test]
fn rebuy_due_within_three_days_either_side() {
    let mut shop = Shop::new();
    let mut rules = Rules::default();
    rules.rebuy_days.insert("奶粉".into(), 30);
    let early = shop.customer("早3天", json!({}));
    let too_early = shop.customer("早4天", json!({}));
    let late = shop.customer("晚3天", json!({}));
    let too_late = shop.customer("晚4天", json!({}));
    let no_cycle = shop.customer("无周期", json!({}));
    let rebought = shop.customer("又买了", json!({}));
    // Due = last + 30: 7 Mar (D − 3), 6 Mar (D − 4), 13 Mar (D + 3), 14 Mar (D + 4).
    shop.sale_items(&early, "2026-02-05", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&too_early, "2026-02-04", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&late, "2026-02-11", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&too_late, "2026-02-12", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&no_cycle, "2026-02-08", &[("积木", "玩具", 300)]);
    shop.sale_items(&rebought, "2026-02-08", &[("金装奶粉", "奶粉", 300)]);
    shop.sale_items(&rebought, "2026-03-01", &[("金装奶粉", "奶粉", 300)]);
    let items = run(&shop, D, &rules);
    let rebuy = |id: &Id| of_kind(&items, id, "rebuy");
    assert_eq!(
        rebuy(&early),
        vec![Reason::Rebuy {
            category: "奶粉".into(),
            last_bought: d("2026-02-05"),
            cycle_days: 30,
            due: d("2026-03-07")
        }]
    );
    assert_eq!(
        rebuy(&late),
        vec![Reason::Rebuy {
            category: "奶粉".into(),
            last_bought: d("2026-02-11"),
            cycle_days: 30,
            due: d("2026-03-13")
        }]
    );
    for id in [&too_early, &too_late, &no_cycle, &rebought] {
        assert!(rebuy(id).is_empty(), "{id}");
    }
}

#[test]
fn a_rebuy_reminder_already_sent_settles_it() {
    let mut shop = Shop::new();
    let mut rules = Rules::default();
    rules.rebuy_days.insert("纸尿裤".into(), 20);
    let reminded = shop.customer("已提醒", json!({}));
    let earlier = shop.customer("上轮提醒", json!({}));
    for c in [&reminded, &earlier] {
        shop.sale_items(c, "2026-02-18", &[("纸尿裤L", "纸尿裤", 99)]); // due 10 March
    }
    shop.contact(
        &reminded,
        "2026-03-07 10:00",
        Purpose::Rebuy,
        Outcome::Reached,
        None,
    );
    shop.contact(
        &earlier,
        "2026-03-06 10:00",
        Purpose::Rebuy,
        Outcome::Reached,
        None,
    );
    let items = run(&shop, D, &rules);
    assert!(of_kind(&items, &reminded, "rebuy").is_empty());
    assert_eq!(of_kind(&items, &earlier, "rebuy").len(), 1);
}

#[test]
fn cadence_from_the_last_contact_or_the_day_added() {
    // Every customer here is alike (one sale) → regular win back → 60 days.
    let mut shop = Shop::new();
    let due = shop.customer("到期", json!({}));
    let not_yet = shop.customer("未到", json!({}));
    let added = shop.customer("新加", json!({"created_at": "2026-01-09T18:00:00"}));
    let added_later = shop.customer("晚一天加", json!({"created_at": "2026-01-10T08:00:00"}));
    for c in [&due, &not_yet, &added, &added_later] {
        shop.sale(c, "2026-03-01", 100);
    }
    shop.contact(
        &due,
        "2026-01-09 10:00",
        Purpose::Other,
        Outcome::NoAnswer,
        None,
    );
    shop.contact(
        &not_yet,
        "2026-01-10 10:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &due),
        vec![Reason::Cadence {
            days: 60,
            base: CadenceBase::LastContact,
            since: d("2026-01-09"),
            due: d("2026-03-10")
        }]
    );
    assert_eq!(
        reasons_of(&items, &added),
        vec![Reason::Cadence {
            days: 60,
            base: CadenceBase::Added,
            since: d("2026-01-09"),
            due: d("2026-03-10")
        }]
    );
    assert!(reasons_of(&items, &not_yet).is_empty());
    assert!(reasons_of(&items, &added_later).is_empty());
}

#[test]
fn reactivation_for_declining_customers_not_contacted_in_fourteen_days() {
    // One purchase day each, no repeat customer → interval 30: 1 January is 68 days ago
    // (decline: > 60), 1 August 2025 is 221 days ago (churned: > 180).
    let mut shop = Shop::new();
    let quiet = shop.customer("久未联系", json!({}));
    let recent = shop.customer("13天前联系过", json!({}));
    let boundary = shop.customer("14天前联系过", json!({}));
    let churned = shop.customer("已流失", json!({}));
    for c in [&quiet, &recent, &boundary] {
        shop.sale(c, "2026-01-01", 100);
    }
    shop.sale(&churned, "2025-08-01", 100);
    shop.contact(
        &recent,
        "2026-02-25 10:00",
        Purpose::Other,
        Outcome::NoAnswer,
        None,
    );
    shop.contact(
        &boundary,
        "2026-02-24 10:00",
        Purpose::Other,
        Outcome::NoAnswer,
        None,
    );
    let items = today(&shop);
    let react = |id: &Id| of_kind(&items, id, "reactivation");
    assert_eq!(
        react(&quiet),
        vec![Reason::Reactivation {
            since_days: 68,
            interval_days: 30.0,
            last_contact: None
        }]
    );
    assert!(react(&recent).is_empty());
    assert_eq!(
        react(&boundary),
        vec![Reason::Reactivation {
            since_days: 68,
            interval_days: 30.0,
            last_contact: Some(d("2026-02-24"))
        }]
    );
    assert!(react(&churned).is_empty(), "churned is not decline");
}

#[test]
fn open_complaints_until_answered_and_resolved() {
    let mut shop = Shop::new();
    let unanswered = shop.customer("未回复", json!({}));
    let answered = shop.customer("已回复未解决", json!({}));
    let resolved = shop.customer("已解决", json!({}));
    let marked = shop.customer("标记已解决", json!({}));
    let future = shop.customer("明天的投诉", json!({}));
    let gone = shop.customer("已删除", json!({}));
    let k1 = shop.complaint(
        &unanswered,
        json!({"opened_at": "2026-03-10T09:00:00", "severity": "high"}),
    );
    let k2 = shop.complaint(
        &answered,
        json!({"opened_at": "2026-03-01T09:00:00", "first_response_at": "2026-03-01T09:30:00", "status": "responded"}),
    );
    shop.complaint(
        &resolved,
        json!({"opened_at": "2026-03-01T09:00:00", "first_response_at": "2026-03-01T09:30:00",
               "resolved_at": "2026-03-02T10:00:00", "status": "resolved"}),
    );
    shop.complaint(
        &marked,
        json!({"opened_at": "2026-03-01T09:00:00", "status": "resolved"}),
    );
    shop.complaint(&future, json!({"opened_at": "2026-03-11T09:00:00"}));
    shop.complaint(&gone, json!({"opened_at": "2026-03-01T09:00:00"}));
    shop.delete(RecordKind::Customer, &gone);
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &unanswered),
        vec![Reason::Complaint {
            complaint: k1,
            opened_at: Some(t("2026-03-10 09:00")),
            severity: Severity::High,
            responded: false
        }]
    );
    assert_eq!(
        reasons_of(&items, &answered),
        vec![Reason::Complaint {
            complaint: k2,
            opened_at: Some(t("2026-03-01 09:00")),
            severity: Severity::Medium,
            responded: true
        }]
    );
    assert_eq!(items.len(), 2);
    // The one-hour response target counts from the opening, to the minute.
    let unanswered = &reasons_of(&items, &unanswered)[0];
    let at = |s: &str| unanswered.response_minutes_left(t(s));
    assert_eq!(at("2026-03-10 09:00"), Some(60));
    assert_eq!(at("2026-03-10 09:42"), Some(18));
    assert_eq!(at("2026-03-10 10:15"), Some(-15), "overdue");
    let answered = &reasons_of(&items, &answered)[0];
    assert_eq!(answered.response_minutes_left(t("2026-03-10 09:00")), None);
}

#[test]
fn scheduled_reward_pickups_due_and_not_taken() {
    let mut shop = Shop::new();
    let c = shop.customer("储值客", json!({}));
    let done = shop.customer("都领了", json!({}));
    let later = shop.customer("还没到", json!({}));
    let due = vec![d("2026-02-10"), d("2026-03-10"), d("2026-04-10")];
    let reward = shop.ledger(
        &c,
        "2026-01-10",
        LedgerKind::ScheduledReward {
            description: "每月领50元".into(),
            amount: yuan(50),
            due: due.clone(),
        },
    );
    shop.ledger(
        &c,
        "2026-02-12",
        LedgerKind::Pickup {
            reward: reward.clone(),
            due: d("2026-02-10"),
        },
    );
    let r2 = shop.ledger(
        &done,
        "2026-01-10",
        LedgerKind::ScheduledReward {
            description: "每月领50元".into(),
            amount: yuan(50),
            due: vec![d("2026-03-01")],
        },
    );
    shop.ledger(
        &done,
        "2026-03-01",
        LedgerKind::Pickup {
            reward: r2,
            due: d("2026-03-01"),
        },
    );
    shop.ledger(
        &later,
        "2026-01-10",
        LedgerKind::ScheduledReward {
            description: "x".into(),
            amount: yuan(50),
            due: vec![d("2026-03-11")],
        },
    );
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &c),
        vec![Reason::Pickup {
            reward,
            description: "每月领50元".into(),
            amount: yuan(50),
            due: vec![d("2026-03-10")]
        }]
    );
    assert_eq!(items.len(), 1);
}

#[test]
fn a_next_follow_up_date_is_due_until_a_later_contact() {
    let mut shop = Shop::new();
    let due_today = shop.customer("今天回访", json!({}));
    let overdue = shop.customer("过期回访", json!({}));
    let tomorrow = shop.customer("明天回访", json!({}));
    let superseded = shop.customer("已再次联系", json!({}));
    shop.contact(
        &due_today,
        "2026-03-03 10:00",
        Purpose::NewProduct,
        Outcome::Positive,
        Some("2026-03-10"),
    );
    shop.contact(
        &overdue,
        "2026-02-20 10:00",
        Purpose::AfterSale,
        Outcome::Reached,
        Some("2026-03-01"),
    );
    shop.contact(
        &tomorrow,
        "2026-03-03 10:00",
        Purpose::Other,
        Outcome::Reached,
        Some("2026-03-11"),
    );
    shop.contact(
        &superseded,
        "2026-02-20 10:00",
        Purpose::Other,
        Outcome::Reached,
        Some("2026-03-05"),
    );
    shop.contact(
        &superseded,
        "2026-03-06 10:00",
        Purpose::Other,
        Outcome::Reached,
        None,
    );
    let items = today(&shop);
    assert_eq!(
        reasons_of(&items, &due_today),
        vec![Reason::FollowUp {
            due: d("2026-03-10"),
            purpose: Purpose::NewProduct,
            overdue_days: 0
        }]
    );
    assert_eq!(
        reasons_of(&items, &overdue),
        vec![Reason::FollowUp {
            due: d("2026-03-01"),
            purpose: Purpose::AfterSale,
            overdue_days: 9
        }]
    );
    assert!(reasons_of(&items, &tomorrow).is_empty());
    assert!(reasons_of(&items, &superseded).is_empty());
}

#[test]
fn do_not_contact_customers_never_appear() {
    let mut shop = Shop::new();
    let flagged = shop.customer(
        "勿扰",
        json!({"do_not_contact": true, "birthday": "1990-03-12"}),
    );
    shop.complaint(&flagged, json!({"opened_at": "2026-03-09T10:00:00"}));
    shop.contact(
        &flagged,
        "2026-03-01 10:00",
        Purpose::Other,
        Outcome::Reached,
        Some("2026-03-05"),
    );
    let asked = shop.customer("要求勿扰", json!({"birthday": "1990-03-12"}));
    shop.contact(
        &asked,
        "2026-03-01 10:00",
        Purpose::Other,
        Outcome::DoNotContact,
        None,
    );
    let changed_mind = shop.customer("又愿意了", json!({"birthday": "1990-03-12"}));
    shop.contact(
        &changed_mind,
        "2026-03-01 10:00",
        Purpose::Other,
        Outcome::DoNotContact,
        None,
    );
    shop.contact(
        &changed_mind,
        "2026-03-02 10:00",
        Purpose::Other,
        Outcome::Positive,
        None,
    );
    let items = today(&shop);
    assert!(reasons_of(&items, &flagged).is_empty());
    assert!(reasons_of(&items, &asked).is_empty());
    assert_eq!(keys(&reasons_of(&items, &changed_mind)), vec!["birthday"]);
}

#[test]
fn one_item_per_customer_listing_every_reason_in_priority_order() {
    let mut shop = Shop::new();
    let mut rules = Rules::default();
    rules.rebuy_days.insert("奶粉".into(), 30);
    let c = shop.customer(
        "李梅",
        json!({"birthday": "1990-03-12", "children": [{"nickname": "豆豆", "birthday": "2025-09-15"}], "created_at": "2025-01-01T00:00:00"}),
    );
    shop.sale_items(&c, "2026-01-09", &[("金装奶粉", "奶粉", 300)]); // interval 30, 30 days since: growth
    shop.sale_items(&c, "2026-02-08", &[("纸尿裤", "纸尿裤", 99)]);
    shop.sale_items(&c, "2026-02-08", &[("金装奶粉", "奶粉", 300)]);
    shop.contact(
        &c,
        "2026-01-01 10:00",
        Purpose::Other,
        Outcome::Reached,
        Some("2026-03-09"),
    );
    shop.complaint(&c, json!({"opened_at": "2026-03-09T10:00:00"}));
    let reward = shop.ledger(
        &c,
        "2026-01-01",
        LedgerKind::ScheduledReward {
            description: "领50".into(),
            amount: yuan(50),
            due: vec![d("2026-03-01")],
        },
    );
    let items = run(&shop, D, &rules);
    assert_eq!(items.len(), 1);
    assert_eq!(
        keys(&items[0].1),
        vec![
            "complaint",
            "follow_up",
            "pickup",
            "birthday",
            "child_milestone",
            "rebuy",
            "cadence"
        ]
    );
    assert!(matches!(&items[0].1[2], Reason::Pickup { reward: r, .. } if r == &reward));
}

#[test]
fn items_are_ordered_by_their_top_reason_then_its_date() {
    let mut shop = Shop::new();
    let cadence = shop.customer("常规", json!({"created_at": "2025-01-01T00:00:00"}));
    shop.sale(&cadence, "2026-03-01", 100);
    let birthday_later = shop.customer("生日晚", json!({"birthday": "1990-03-16"}));
    let birthday_sooner = shop.customer("生日早", json!({"birthday": "1990-03-11"}));
    let follow = shop.customer("回访", json!({}));
    shop.contact(
        &follow,
        "2026-03-01 10:00",
        Purpose::Other,
        Outcome::Reached,
        Some("2026-03-10"),
    );
    let complaint = shop.customer("投诉", json!({}));
    shop.complaint(&complaint, json!({"opened_at": "2026-03-10T08:00:00"}));
    let order: Vec<Id> = today(&shop).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        order,
        vec![complaint, follow, birthday_sooner, birthday_later, cadence]
    );
}

#[test]
fn the_agenda_serialises_with_tagged_reasons() {
    let mut shop = Shop::new();
    shop.customer("李梅", json!({"birthday": "1990-03-12"}));
    let rules = Rules::default();
    let analysis = analyze(&shop.book, d(D), &rules);
    let list = agenda(&analysis, &rules);
    assert_eq!(list.len(), 1);
    let item = list.get(0).unwrap();
    assert_eq!((item.customer, item.top().key()), (0, "birthday"));
    assert_eq!(list.of_customer(0), Some(item));
    let v = serde_json::to_value(&list).unwrap();
    assert_eq!(
        v["reasons"][0],
        json!({"kind": "birthday", "date": "2026-03-12", "in_days": 2, "age": 36})
    );
    let back: Agenda = serde_json::from_value(v).unwrap();
    assert_eq!(back, list);
}

#[test]
fn every_reason_reads_as_one_line_in_both_languages() {
    use huike_core::lang::Lang;
    let id = Id::parse("x").unwrap();
    let cases = [
        (
            Reason::Complaint {
                complaint: id.clone(),
                opened_at: None,
                severity: Severity::High,
                responded: false,
            },
            "投诉待回应",
            "Complaint awaiting a reply",
        ),
        (
            Reason::Complaint {
                complaint: id.clone(),
                opened_at: None,
                severity: Severity::Low,
                responded: true,
            },
            "投诉未解决",
            "Complaint not resolved",
        ),
        (
            Reason::FollowUp {
                due: d("2026-03-01"),
                purpose: Purpose::Other,
                overdue_days: 0,
            },
            "约定今天回访",
            "Follow-up due today",
        ),
        (
            Reason::FollowUp {
                due: d("2026-03-01"),
                purpose: Purpose::Other,
                overdue_days: 4,
            },
            "约定回访 · 已过4天",
            "Follow-up 4 days overdue",
        ),
        (
            Reason::Pickup {
                reward: id.clone(),
                description: "奶粉一罐".into(),
                amount: yuan(50),
                due: vec![d("2026-02-01"), d("2026-03-01")],
            },
            "待领取：奶粉一罐（2次）",
            "To pick up: 奶粉一罐 (2×)",
        ),
        (
            Reason::Birthday {
                date: d("2026-03-01"),
                in_days: 0,
                age: 36,
            },
            "生日 · 今天",
            "Birthday today",
        ),
        (
            Reason::Birthday {
                date: d("2026-03-02"),
                in_days: 1,
                age: 36,
            },
            "生日 · 明天",
            "Birthday tomorrow",
        ),
        (
            Reason::ChildMilestone {
                child: 0,
                milestone: Milestone::HundredDays,
                date: d("2026-03-04"),
                in_days: 3,
            },
            "宝宝百天 · 3天后",
            "Child 100 days old in 3 days",
        ),
        (
            Reason::ChildBirthday {
                child: 1,
                date: d("2026-03-05"),
                in_days: 4,
                age: 3,
            },
            "宝宝3岁生日 · 4天后",
            "Child turns 3 in 4 days",
        ),
        (
            Reason::DueDate {
                child: 0,
                due: d("2026-03-11"),
                in_days: 10,
            },
            "预产期 · 10天后",
            "Due date in 10 days",
        ),
        (
            Reason::Rebuy {
                category: "纸尿裤".into(),
                last_bought: d("2026-02-01"),
                cycle_days: 30,
                due: d("2026-03-03"),
            },
            "纸尿裤该补货了（上次 2026-02-01）",
            "Time to rebuy 纸尿裤 (last 2026-02-01)",
        ),
        (
            Reason::Reactivation {
                since_days: 95,
                interval_days: 30.0,
                last_contact: None,
            },
            "95天未购买，该唤回了",
            "No purchase for 95 days",
        ),
        (
            Reason::Cadence {
                days: 14,
                base: CadenceBase::LastContact,
                since: d("2026-02-10"),
                due: d("2026-02-24"),
            },
            "定期联系（每14天）",
            "Regular contact (every 14 days)",
        ),
    ];
    for (reason, zh, en) in cases {
        assert_eq!(
            (
                reason.describe(Lang::ZhCn).as_str(),
                reason.describe(Lang::En).as_str()
            ),
            (zh, en)
        );
    }
}
