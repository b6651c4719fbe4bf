//! Campaigns with a holdout (issue 11): targets from the chips and the extra conditions, the
//! start that freezes them, results and lift counted by hand, the campaign on Today, review
//! notes merged from two devices, and old campaign records still read.

use huike_core::agenda::{Reason, agenda, agenda_with};
use huike_core::domain::{
    Campaign, CampaignKind, Contact, ContactChannel, Entry, Money, Outcome, Purpose, Rules,
};
use huike_core::id::Id;
use huike_core::insights::Insights;
use huike_core::insights::campaigns::{
    ReviewNote, Target, contacts, newcombe, results, review_notes, running, split, start, targets,
};
use huike_core::lang::Lang;
use huike_core::op::RecordKind;
use huike_core::segment::analyze;
use huike_core::segment::class::ShopClass;
use huike_core::test_shop::{Shop, d, t, yuan};
use serde_json::json;

/// Seven customers on 2026-03-10: a lapsed buyer, a recent one with a 3-month-old baby, a
/// buyer flagged do-not-contact, an expecting lead, a customer who asked not to be contacted,
/// a visitor whose child is two, and a customer with no tag.
fn shop() -> (Shop, [Id; 7]) {
    let mut shop = Shop::new();
    let lapsed = shop.customer("老客", json!({"tags": ["奶粉"]}));
    let recent = shop.customer(
        "新妈妈",
        json!({"tags": ["奶粉"], "children": [{"nickname": "豆豆", "birthday": "2025-12-10"}]}),
    );
    let quiet = shop.customer("勿扰", json!({"tags": ["奶粉"], "do_not_contact": true}));
    let expecting = shop.customer(
        "准妈妈",
        json!({"tags": ["奶粉"], "children": [{"due_date": "2026-05-01"}]}),
    );
    let asked = shop.customer("拒绝", json!({"tags": ["奶粉"]}));
    let toddler = shop.customer(
        "二宝",
        json!({"tags": ["奶粉"], "children": [{"birthday": "2024-01-01"}]}),
    );
    let untagged = shop.customer("路人", json!({}));
    shop.sale(&lapsed, "2026-01-01", 300);
    shop.sale(&recent, "2026-03-01", 120);
    shop.sale(&quiet, "2026-01-01", 80);
    shop.sale(&asked, "2026-02-01", 60);
    shop.contact(
        &asked,
        "2026-02-02",
        Purpose::NewProduct,
        Outcome::DoNotContact,
        None,
    );
    shop.visit(&toddler, "2026-03-01");
    (
        shop,
        [lapsed, recent, quiet, expecting, asked, toddler, untagged],
    )
}

fn pick(shop: &Shop, target: &Target) -> Vec<Id> {
    let views = Insights::read(&shop.book);
    let analysis = analyze(&shop.book, d("2026-03-10"), &Rules::default());
    targets(&analysis, views.roster(), target)
}

fn sorted(mut ids: Vec<Id>) -> Vec<Id> {
    ids.sort();
    ids
}

#[test]
fn targets_follow_the_chips_and_the_extra_conditions_never_do_not_contact() {
    let (shop, [lapsed, recent, _quiet, expecting, _asked, toddler, untagged]) = shop();
    let everyone = pick(&shop, &Target::default());
    assert_eq!(
        everyone,
        sorted(vec![
            lapsed.clone(),
            recent.clone(),
            expecting.clone(),
            toddler.clone(),
            untagged
        ]),
        "everyone but the do-not-contact flag and the contact that asked for it"
    );
    let tagged = |t: Target| Target {
        tags: vec!["奶粉".into()],
        ..t
    };
    // Lapsed: 68 days since 2026-01-01; recent: 9 days.
    let lapsed_30 = tagged(Target {
        min_days_since: Some(30),
        ..Target::default()
    });
    assert_eq!(pick(&shop, &lapsed_30), vec![lapsed.clone()]);
    let within_30 = Target {
        max_days_since: Some(30),
        ..Target::default()
    };
    assert_eq!(pick(&shop, &within_30), vec![recent.clone()]);
    let both = Target {
        min_days_since: Some(9),
        max_days_since: Some(68),
        ..Target::default()
    };
    assert_eq!(pick(&shop, &both), vec![lapsed.clone(), recent.clone()]);
    // Children: 豆豆 is 3 months old, 二宝 26 months, one is due on 2026-05-01.
    let babies = Target {
        child_min_months: Some(0),
        child_max_months: Some(6),
        ..Target::default()
    };
    assert_eq!(pick(&shop, &babies), vec![recent.clone()]);
    let expecting_only = Target {
        expecting: true,
        ..Target::default()
    };
    assert_eq!(pick(&shop, &expecting_only), vec![expecting.clone()]);
    let babies_or_expecting = Target {
        expecting: true,
        ..babies.clone()
    };
    assert_eq!(
        pick(&shop, &babies_or_expecting),
        vec![recent.clone(), expecting.clone()]
    );
    let three_months_exactly = Target {
        child_min_months: Some(3),
        child_max_months: Some(3),
        ..Target::default()
    };
    assert_eq!(pick(&shop, &three_months_exactly), vec![recent.clone()]);
    let two_and_up = Target {
        child_min_months: Some(24),
        ..Target::default()
    };
    assert_eq!(pick(&shop, &two_and_up), vec![toddler.clone()]);
    // Chips combine with the rest: visited-not-bought among the tagged is the toddler's parent.
    let visitors = tagged(Target {
        types: vec![ShopClass::Visited, ShopClass::Potential],
        ..Target::default()
    });
    assert_eq!(pick(&shop, &visitors), vec![expecting, toddler]);
}

#[test]
fn starting_freezes_the_targets_and_the_seed_and_never_redraws() {
    let (shop, [lapsed, recent, ..]) = shop();
    let views = Insights::read(&shop.book);
    let analysis = analyze(&shop.book, d("2026-03-10"), &Rules::default());
    let draft = Campaign {
        name: "奶粉回流".into(),
        kind: CampaignKind::Return,
        target: Target {
            tags: vec!["奶粉".into()],
            max_days_since: Some(90),
            ..Target::default()
        }
        .to_value(),
        ..Campaign::default()
    };
    let started = start(&draft, &analysis, views.roster(), u64::MAX);
    assert_eq!(started.targeted, vec![lapsed, recent]);
    assert_eq!(started.seed, (1 << 53) - 1, "kept below 2^53");
    assert_eq!(started.holdout_percent, Some(10));
    assert_eq!(started.start, Some(d("2026-03-10")), "starts today");
    // Started again (another device, another day, another seed): nothing changes.
    let later = analyze(&shop.book, d("2026-06-01"), &Rules::default());
    assert_eq!(start(&started, &later, views.roster(), 5), started);
    // Two targets, 10 %: 0.2 rounds to nobody held out.
    assert!(split(&started).holdout.is_empty());
}

/// Ten customers tagged 活动 and a 回流 campaign from 2026-03-01 to 03-15 holding out 20 %.
fn campaign_shop() -> (Shop, Id, Campaign) {
    let mut shop = Shop::new();
    for i in 0..10 {
        shop.customer(&format!("顾客{i}"), json!({"tags": ["活动"]}));
    }
    let views = Insights::read(&shop.book);
    let analysis = analyze(&shop.book, d("2026-03-01"), &Rules::default());
    let draft = Campaign {
        name: "三月回流".into(),
        kind: CampaignKind::Return,
        budget: yuan(100),
        start: Some(d("2026-03-01")),
        end: Some(d("2026-03-15")),
        target: json!({"tags": ["活动"]}),
        template: Some(Id::parse("tpl-return").unwrap()),
        holdout_percent: Some(20),
        ..Campaign::default()
    };
    let campaign = start(&draft, &analysis, views.roster(), 20260301);
    assert_eq!(campaign.targeted.len(), 10);
    let id = Id::parse("camp-1").unwrap();
    for (field, value) in serde_json::to_value(&campaign)
        .unwrap()
        .as_object()
        .unwrap()
    {
        shop.set(RecordKind::Campaign, &id, field, value.clone());
    }
    (shop, id, campaign)
}

fn templated_contact(shop: &mut Shop, c: &Id, at: &str, template: &str, outcome: Outcome) {
    shop.append(Entry::Contact(Contact {
        customer: c.clone(),
        at: t(at),
        channel: ContactChannel::Phone,
        purpose: Purpose::Other,
        template: Some(Id::parse(template).unwrap()),
        outcome,
        next_follow_up: None,
        staff: None,
        note: String::new(),
    }));
}

#[test]
fn results_count_contacts_returns_revenue_and_lift_by_hand() {
    let (mut shop, _, campaign) = campaign_shop();
    let groups = split(&campaign);
    assert_eq!((groups.treated.len(), groups.holdout.len()), (8, 2));
    let (tr, ho) = (groups.treated.clone(), groups.holdout.clone());
    let r = Purpose::Reactivation;
    // 0: reached on 03-02, bought ¥100 on 03-05 — came back after the contact.
    shop.contact(&tr[0], "2026-03-02", r, Outcome::Reached, None);
    shop.sale(&tr[0], "2026-03-05", 100);
    // 1: no answer on 03-03; had bought ¥50 on 03-02, before it.
    shop.contact(&tr[1], "2026-03-03", r, Outcome::NoAnswer, None);
    shop.sale(&tr[1], "2026-03-02", 50);
    // 2: contacted with the campaign's template (another purpose): counts; positive.
    templated_contact(
        &mut shop,
        &tr[2],
        "2026-03-04",
        "tpl-return",
        Outcome::Positive,
    );
    // 3: a birthday greeting is not the campaign; bought the day after the end.
    shop.contact(
        &tr[3],
        "2026-03-04",
        Purpose::Birthday,
        Outcome::Reached,
        None,
    );
    shop.sale(&tr[3], "2026-03-16", 70);
    // 4: bought before the start, and ¥80 on 03-10 of which ¥30 was refunded on 03-12.
    shop.sale(&tr[4], "2026-02-28", 500);
    let sale = shop.sale(&tr[4], "2026-03-10", 80);
    shop.refund(&tr[4], "2026-03-12", 30, Some(&sale));
    // 5: contacted before the start: not for the campaign.
    shop.contact(&tr[5], "2026-02-27", r, Outcome::Reached, None);
    // Holdout 0: contacted anyway on 03-05 (still held out), bought ¥40 on 03-08.
    shop.contact(&ho[0], "2026-03-05", r, Outcome::Reached, None);
    shop.sale(&ho[0], "2026-03-08", 40);

    let analysis = analyze(&shop.book, d("2026-03-20"), &Rules::default());
    let all: Vec<Contact> = contacts(&shop.book).collect();
    let out = results(&campaign, r, &analysis, &all).unwrap();
    assert_eq!((out.from, out.through), (d("2026-03-01"), d("2026-03-15")));
    assert_eq!(
        (out.treated.size, out.treated.came_back, out.treated.revenue),
        (8, 3, yuan(100 + 50 + 50)),
        "customers 0, 1 and 4 came back"
    );
    assert_eq!(
        (out.holdout.size, out.holdout.came_back, out.holdout.revenue),
        (2, 1, yuan(40))
    );
    assert_eq!(
        (out.contacted, out.reached, out.contacted_came_back),
        (3, 2, 1)
    );
    assert_eq!(out.holdout_contacted, 1);
    assert_eq!(out.cost, yuan(100));
    assert_eq!(out.return_on_spend, Some(2.0), "¥200 on ¥100");
    // ¥200 − ¥40 per held-out customer × 8 = ¥40 beyond the holdout's rate.
    assert_eq!(out.incremental_revenue, Some(yuan(40)));
    // ITT lift: 3/8 − 1/2 = −0.125, interval from the two Wilson intervals.
    let lift = out.lift.unwrap();
    assert!((lift.difference + 0.125).abs() < 1e-12);
    assert_eq!(Some(lift), newcombe(3, 8, 1, 2));
    assert!(
        (lift.low + 0.5952).abs() < 5e-4 && (lift.high - 0.3911).abs() < 5e-4,
        "{lift:?}"
    );

    // Mid-campaign, as of 03-06: only what happened up to that day.
    let early = analyze(&shop.book, d("2026-03-06"), &Rules::default());
    let so_far = results(&campaign, r, &early, &all).unwrap();
    assert_eq!(so_far.through, d("2026-03-06"));
    assert_eq!(
        (so_far.treated.came_back, so_far.treated.revenue),
        (2, yuan(150))
    );
    assert_eq!(so_far.holdout.came_back, 0);
    // Before the start there is nothing to show; nor without a holdout a lift.
    let before = analyze(&shop.book, d("2026-02-28"), &Rules::default());
    assert_eq!(results(&campaign, r, &before, &all), None);
    let no_holdout = Campaign {
        holdout_percent: Some(0),
        ..campaign.clone()
    };
    let out = results(&no_holdout, r, &analysis, &all).unwrap();
    assert_eq!((out.treated.size, out.holdout.size), (10, 0));
    assert_eq!((out.lift, out.incremental_revenue), (None, None));
    let free = Campaign {
        budget: Money::ZERO,
        ..campaign
    };
    assert_eq!(
        results(&free, r, &analysis, &all).unwrap().return_on_spend,
        None
    );
}

fn campaign_reasons(shop: &Shop, day: &str) -> Vec<(Id, Reason)> {
    let analysis = analyze(&shop.book, d(day), &Rules::default());
    let list = agenda_with(
        &analysis,
        &Rules::default(),
        &running(&shop.book, &analysis),
    );
    list.items()
        .flat_map(|item| {
            let id = Id::parse(analysis.history.id(item.customer)).unwrap();
            item.reasons
                .iter()
                .filter(|r| r.key() == "campaign")
                .map(move |r| (id.clone(), r.clone()))
        })
        .collect()
}

#[test]
fn a_running_campaign_puts_its_treated_targets_on_today_not_its_holdout() {
    let (mut shop, id, campaign) = campaign_shop();
    let groups = split(&campaign);
    let (tr, ho) = (groups.treated.clone(), groups.holdout.clone());
    // The campaign's template, a record of the shop: its purpose is the campaign's.
    let template = Id::parse("tpl-return").unwrap();
    shop.set(
        RecordKind::Template,
        &template,
        "purpose",
        json!("event_invite"),
    );
    shop.set(
        RecordKind::Template,
        &template,
        "text",
        json!("{称呼}，好久不见"),
    );
    // Treated 0 was invited on 03-02; treated 1 asked not to be contacted since.
    shop.contact(
        &tr[0],
        "2026-03-02",
        Purpose::EventInvite,
        Outcome::Positive,
        None,
    );
    shop.set(RecordKind::Customer, &tr[1], "do_not_contact", json!(true));
    // Treated 2 had a greeting of another purpose: still to invite.
    shop.contact(
        &tr[2],
        "2026-03-03",
        Purpose::Birthday,
        Outcome::Reached,
        None,
    );

    let listed = campaign_reasons(&shop, "2026-03-10");
    let who: Vec<Id> = listed.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(
        who.len(),
        6,
        "8 treated − invited − do-not-contact: {who:?}"
    );
    assert!(tr[2..].iter().all(|c| who.contains(c)));
    assert!(!who.contains(&tr[0]) && !who.contains(&tr[1]));
    assert!(
        ho.iter().all(|c| !who.contains(c)),
        "the holdout is never listed"
    );
    let (_, reason) = &listed[0];
    assert_eq!(
        reason,
        &Reason::Campaign {
            campaign: id,
            name: "三月回流".into(),
            template: Some(template.clone()),
            purpose: Purpose::EventInvite,
            end: Some(d("2026-03-15")),
        }
    );
    assert_eq!(reason.purpose(), Purpose::EventInvite);
    assert_eq!(reason.describe(Lang::ZhCn), "活动：三月回流");
    assert_eq!(reason.describe(Lang::En), "Campaign: 三月回流");
    // Its first and last days count; the days around do not.
    assert_eq!(campaign_reasons(&shop, "2026-03-01").len(), 7);
    assert_eq!(campaign_reasons(&shop, "2026-03-15").len(), 6);
    assert!(campaign_reasons(&shop, "2026-02-28").is_empty());
    assert!(campaign_reasons(&shop, "2026-03-16").is_empty());
    // The plain agenda knows no campaign.
    let analysis = analyze(&shop.book, d("2026-03-10"), &Rules::default());
    let plain = agenda(&analysis, &Rules::default());
    assert!(
        plain
            .items()
            .all(|i| i.reasons.iter().all(|r| r.key() != "campaign"))
    );
    // Through the views the app keeps (and their image), the day's list holds the same
    // customers, and their message is the campaign's template even where another template of
    // its purpose comes first.
    let other = Id::parse("tpl-a-first").unwrap();
    shop.set(
        RecordKind::Template,
        &other,
        "purpose",
        json!("event_invite"),
    );
    shop.set(RecordKind::Template, &other, "text", json!("另一条邀请"));
    let mut views = Insights::read(&shop.book);
    let image = views.write_image();
    let mut reader = huike_core::insights::ImageReader::new(&image).unwrap();
    let views = loop {
        if let Some(v) = reader.step().unwrap() {
            break v;
        }
    };
    let today = views.today(d("2026-03-10"), None);
    let mut on_list: Vec<Id> = today
        .agenda
        .items()
        .filter(|i| i.reasons.iter().any(|r| r.key() == "campaign"))
        .map(|i| Id::parse(today.analysis.history.id(i.customer)).unwrap())
        .collect();
    on_list.sort();
    let mut expected = who.clone();
    expected.sort();
    assert_eq!(on_list, expected);
    let templates: Vec<(Id, huike_core::domain::Template)> = [&other, &template]
        .into_iter()
        .map(|t| (t.clone(), shop.book.get(t).unwrap()))
        .collect();
    let item = today
        .agenda
        .items()
        .find(|i| i.reasons.iter().any(|r| r.key() == "campaign"))
        .unwrap();
    let customer: huike_core::domain::Customer = shop
        .book
        .get(&Id::parse(today.analysis.history.id(item.customer)).unwrap())
        .unwrap();
    let composed = huike_core::message::compose(
        &templates,
        &customer,
        &today.analysis.history,
        item.customer,
        item.reasons,
        "小店",
        d("2026-03-10"),
        Lang::ZhCn,
    )
    .unwrap();
    assert_eq!(composed.template, template, "the campaign's own template");
    assert!(composed.rendered.text.contains("好久不见"));

    // A deleted campaign is not running.
    let mut gone = shop;
    gone.delete(RecordKind::Campaign, &Id::parse("camp-1").unwrap());
    assert!(campaign_reasons(&gone, "2026-03-10").is_empty());
}

#[test]
fn a_campaign_reason_comes_after_dated_occasions_and_before_regular_contact() {
    let (mut shop, _, campaign) = campaign_shop();
    let tr = split(&campaign).treated;
    // Treated 0 has a birthday on 03-12 and is due for regular contact (never contacted).
    shop.set(
        RecordKind::Customer,
        &tr[0],
        "birthday",
        json!("1990-03-12"),
    );
    let analysis = analyze(&shop.book, d("2026-03-10"), &Rules::default());
    let list = agenda_with(
        &analysis,
        &Rules::default(),
        &running(&shop.book, &analysis),
    );
    let c = analysis.index_of(&tr[0]).unwrap();
    let keys: Vec<&str> = list
        .of_customer(c)
        .unwrap()
        .reasons
        .iter()
        .map(|r| r.key())
        .collect();
    assert_eq!(&keys[..2], ["birthday", "campaign"], "{keys:?}");
    assert!(
        keys[2..]
            .iter()
            .all(|k| *k == "cadence" || *k == "reactivation")
    );
}

#[test]
fn review_notes_from_two_devices_both_survive() {
    let id = Id::parse("camp-9").unwrap();
    let mut owner = Shop::new();
    owner.set(RecordKind::Campaign, &id, "name", json!("裂变"));
    let mut tablet = Shop::new();
    let first = ReviewNote {
        on: d("2026-03-20"),
        by: Some(Id::parse("dev-owner").unwrap()),
        text: "老带新效果好".into(),
    };
    let second = ReviewNote {
        on: d("2026-03-18"),
        by: Some(Id::parse("dev-tablet").unwrap()),
        text: "券发得太晚".into(),
    };
    owner.set(RecordKind::Campaign, &id, &first.field(), json!(true));
    tablet.set(RecordKind::Campaign, &id, &second.field(), json!(true));
    owner.book.merge(&tablet.book);
    let merged: Campaign = owner.book.get(&id).unwrap();
    assert_eq!(merged.name, "裂变");
    assert_eq!(review_notes(&merged), vec![second, first.clone()]);
    // Removing a note is setting its register to false.
    owner.set(RecordKind::Campaign, &id, &first.field(), json!(false));
    let after: Campaign = owner.book.get(&id).unwrap();
    assert_eq!(review_notes(&after).len(), 1);
}

#[test]
fn an_old_campaign_record_still_reads_with_an_everyone_target_and_no_start() {
    let id = Id::parse("camp-old").unwrap();
    let mut shop = Shop::new();
    for (field, value) in [
        ("name", json!("开业引流")),
        ("kind", json!("acquisition")),
        ("budget", json!(50000)),
        ("start", json!("2025-05-01")),
        ("end", json!("2025-05-31")),
        ("review", json!("来了 30 人")),
    ] {
        shop.set(RecordKind::Campaign, &id, field, value);
    }
    let old: Campaign = shop.book.get(&id).unwrap();
    assert_eq!(old.budget, Money(50000));
    assert_eq!(old.review, "来了 30 人");
    assert_eq!(
        (old.holdout_percent, old.seed, old.targeted.len()),
        (None, 0, 0)
    );
    assert!(old.review_notes.is_empty());
    assert_eq!(Target::of(&old), Target::default());
    // Never started: no results and not on Today.
    let analysis = analyze(&shop.book, d("2025-05-10"), &Rules::default());
    assert_eq!(
        results(&old, Purpose::EventInvite, &analysis, std::iter::empty()),
        None
    );
    assert!(running(&shop.book, &analysis).is_empty());
}
