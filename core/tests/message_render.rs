//! Messages (docs/segmentation.md, "Messages"): salutations, placeholder rendering with missing values and fallbacks,
//! the default templates, and choosing a template for an agenda item.

use huike_core::agenda::{Agenda, Reason, agenda};
use huike_core::domain::{Customer, Gender, LedgerKind, Purpose, Rules, Template};
use huike_core::id::Id;
use huike_core::lang::Lang;
use huike_core::message::{
    Placeholder, Values, age_text, chinese_surname, choose, compose, default_templates, fill,
    purpose_for, render, salutation,
};
use huike_core::segment::{Analysis, analyze};
use huike_core::test_shop::{Shop, d};
use serde_json::json;

const F: Option<Gender> = Some(Gender::Female);
const M: Option<Gender> = Some(Gender::Male);

#[test]
fn salutation_from_surname_and_gender() {
    let zh = |name: &str, g| salutation(name, g, Lang::ZhCn);
    assert_eq!(zh("李梅", F).as_deref(), Some("李女士"));
    assert_eq!(zh("王强", M).as_deref(), Some("王先生"));
    assert_eq!(zh(" 张 ", F).as_deref(), Some("张女士"));
    assert_eq!(zh("欧阳娜娜", F).as_deref(), Some("欧阳女士"));
    assert_eq!(zh("司马光", M).as_deref(), Some("司马先生"));
    assert_eq!(zh("诸葛亮", M).as_deref(), Some("诸葛先生"));
    assert_eq!(zh("上官婉儿", F).as_deref(), Some("上官女士"));
    assert_eq!(zh("陳美玲", F).as_deref(), Some("陳女士"));
    let en = |name: &str, g| salutation(name, g, Lang::En);
    assert_eq!(en("李梅", F).as_deref(), Some("Ms 李"));
    assert_eq!(en("欧阳锋", M).as_deref(), Some("Mr 欧阳"));
    assert_eq!(en("Anna Smith", F).as_deref(), Some("Ms Smith"));
    assert_eq!(en("John O'Neill", M).as_deref(), Some("Mr O'Neill"));
}

#[test]
fn unknown_gender_nicknames_and_other_names_are_used_as_written() {
    let zh = |name: &str, g| salutation(name, g, Lang::ZhCn);
    assert_eq!(zh("李梅", None).as_deref(), Some("李梅"));
    assert_eq!(zh("欧阳娜娜", None).as_deref(), Some("欧阳娜娜"));
    for nickname in [
        "豆豆妈",
        "小李",
        "阿芳",
        "老王",
        "王姐",
        "乐乐",
        "李老师",
        "张总",
        "豆包",
    ] {
        assert_eq!(zh(nickname, F).as_deref(), Some(nickname), "{nickname}");
    }
    assert_eq!(zh("Anna Smith", F).as_deref(), Some("Anna Smith"));
    assert_eq!(salutation("Anna", F, Lang::En).as_deref(), Some("Anna"));
    assert_eq!(
        zh("爱新觉罗启星", F).as_deref(),
        Some("爱新觉罗启星"),
        "five or more characters"
    );
    assert_eq!(zh("   ", F), None);
    assert_eq!(zh("", None), None);
}

#[test]
fn chinese_surnames_compound_first() {
    assert_eq!(chinese_surname("欧阳修"), Some("欧阳"));
    assert_eq!(chinese_surname("欧明"), Some("欧"));
    assert_eq!(chinese_surname("司马"), Some("司马"));
    assert_eq!(
        chinese_surname("单于洋"),
        Some("单"),
        "单 + 于洋, not the rare 单于"
    );
    assert_eq!(chinese_surname("李"), Some("李"));
    assert_eq!(chinese_surname("豆豆"), None);
    assert_eq!(chinese_surname("Li Mei"), None);
}

fn values() -> Values {
    Values {
        salutation: Some("李女士".into()),
        name: Some("李梅".into()),
        child: Some("豆豆".into()),
        child_age: Some("百天".into()),
        last_item: Some("奶粉".into()),
        days_since: Some("45".into()),
        points: Some("1280".into()),
        shop: Some("小太阳母婴".into()),
    }
}

#[test]
fn every_placeholder_fills_in_both_spellings_of_the_salutation() {
    let text =
        "{称呼}/{salutation}/{name}/{child}/{child_age}/{last_item}/{days_since}/{points}/{shop}";
    let (out, missing, unknown) = fill(text, &values());
    assert_eq!(out, "李女士/李女士/李梅/豆豆/百天/奶粉/45/1280/小太阳母婴");
    assert!(missing.is_empty() && unknown.is_empty());
    let names: Vec<_> = Placeholder::ALL
        .iter()
        .map(|p| Placeholder::parse(p.name()))
        .collect();
    assert_eq!(names, Placeholder::ALL.map(Some).to_vec());
    assert_eq!(Placeholder::parse("称呼"), Some(Placeholder::Salutation));
    assert_eq!(Placeholder::parse("姓名"), None);
}

fn template(text: &str, fallback: &str) -> Template {
    Template {
        purpose: Purpose::ChildMilestone,
        name: "t".into(),
        text: text.into(),
        fallback: fallback.into(),
    }
}

#[test]
fn a_missing_value_is_never_sent_blank() {
    let mut v = values();
    v.child = None;
    v.child_age = Some("  ".into()); // blank counts as missing
    let t = template(
        "{称呼}您好！{child}{child_age}快到啦，带{child}来玩～",
        "{称呼}您好！宝宝的好日子快到啦～",
    );
    let r = render(&t, &v);
    assert_eq!(
        r.text,
        "李女士您好！{child}{child_age}快到啦，带{child}来玩～"
    );
    assert_eq!(r.missing, vec![Placeholder::Child, Placeholder::ChildAge]);
    assert!(!r.is_complete());
    assert_eq!(
        r.fallback.as_deref(),
        Some("李女士您好！宝宝的好日子快到啦～")
    );
    assert_eq!(r.sendable(), Some("李女士您好！宝宝的好日子快到啦～"));
}

#[test]
fn a_fallback_that_is_itself_incomplete_is_not_offered() {
    let mut v = values();
    v.salutation = None;
    v.child = None;
    let r = render(&template("{称呼}，{child}", "{称呼}您好"), &v);
    assert_eq!(r.fallback, None);
    assert_eq!(r.sendable(), None);
    let r = render(&template("{child}", ""), &v);
    assert_eq!(r.fallback, None);
}

#[test]
fn a_complete_message_needs_no_fallback() {
    let r = render(
        &template("{称呼}您好，{shop}祝{child}{child_age}快乐", "备用"),
        &values(),
    );
    assert_eq!(r.text, "李女士您好，小太阳母婴祝豆豆百天快乐");
    assert!(r.is_complete());
    assert_eq!(r.fallback, None);
    assert_eq!(r.sendable(), Some(r.text.as_str()));
}

#[test]
fn unknown_placeholders_stay_visible_and_block_sending_and_stray_braces_are_text() {
    let r = render(&template("{nmae}您好，满100减20{活动}", "您好"), &values());
    assert_eq!(r.text, "{nmae}您好，满100减20{活动}");
    assert_eq!(r.unknown, vec!["nmae".to_owned(), "活动".to_owned()]);
    assert_eq!(r.sendable(), Some("您好"));
    let r = render(&template("买{2送1 {name}} {} {{shop}", ""), &values());
    assert_eq!(r.text, "买{2送1 李梅} {} {小太阳母婴");
    assert!(r.is_complete());
}

#[test]
fn default_templates_cover_every_purpose_in_both_languages() {
    for (lang, greeting) in [(Lang::ZhCn, "{称呼}"), (Lang::En, "{salutation}")] {
        let templates = default_templates(lang);
        for p in Purpose::ALL {
            let first = templates
                .iter()
                .find(|t| t.purpose == p)
                .unwrap_or_else(|| panic!("{lang:?} {p:?}"));
            assert!(
                first.text.contains(greeting),
                "{lang:?} {p:?} greets by name"
            );
            let r = render(first, &values());
            assert!(r.is_complete(), "{lang:?} {p:?}: {r:?}");
            // A fallback needs no value at all, so it can always be offered.
            let (_, missing, unknown) = fill(&first.fallback, &Values::default());
            assert!(
                missing.is_empty() && unknown.is_empty() && !first.fallback.is_empty(),
                "{lang:?} {p:?}"
            );
        }
    }
}

#[test]
fn child_ages_in_words() {
    let zh = |born: &str, today: &str| age_text(d(born), d(today), Lang::ZhCn);
    let en = |born: &str, today: &str| age_text(d(born), d(today), Lang::En);
    assert_eq!(zh("2026-03-01", "2026-03-10").as_deref(), Some("9天"));
    assert_eq!(en("2026-03-09", "2026-03-10").as_deref(), Some("1 day old"));
    assert_eq!(zh("2026-01-31", "2026-02-27").as_deref(), Some("27天"));
    assert_eq!(
        zh("2026-01-31", "2026-02-28").as_deref(),
        Some("1个月"),
        "a month after 31 January is 28 February"
    );
    assert_eq!(zh("2025-12-11", "2026-03-10").as_deref(), Some("2个月"));
    assert_eq!(
        en("2025-12-10", "2026-03-10").as_deref(),
        Some("3 months old")
    );
    assert_eq!(zh("2025-03-10", "2026-03-10").as_deref(), Some("1岁"));
    assert_eq!(zh("2024-12-10", "2026-03-10").as_deref(), Some("1岁3个月"));
    assert_eq!(
        en("2024-12-10", "2026-03-10").as_deref(),
        Some("1 year 3 months old")
    );
    assert_eq!(zh("2022-03-11", "2026-03-10").as_deref(), Some("3岁"));
    assert_eq!(
        en("2021-03-10", "2026-03-10").as_deref(),
        Some("5 years old")
    );
    assert_eq!(zh("2026-03-11", "2026-03-10"), None);
}

/// A shop with one mother whose items on 10 March 2026 are a 百天 and a re-buy.
fn mother() -> (Shop, Id, Rules) {
    let mut shop = Shop::new();
    let c = shop.customer(
        "李梅",
        json!({"gender": "female", "children": [
            {"nickname": "豆豆", "birthday": "2025-12-01"},
            {"nickname": "", "birthday": "2022-03-15"},
            {"due_date": "2026-03-20"}
        ]}),
    );
    shop.sale_items(&c, "2026-02-08", &[("金装奶粉3段", "奶粉", 300)]);
    shop.ledger(&c, "2026-02-08", LedgerKind::Points { delta: 300 });
    let mut rules = Rules::default();
    rules.rebuy_days.insert("奶粉".into(), 30);
    (shop, c, rules)
}

/// The mother's shop analysed on 2026-03-10: the shop, her id, the analysis, its agenda and her
/// index in it.
fn mother_today() -> (Shop, Id, Analysis, Agenda, usize) {
    let (shop, c, rules) = mother();
    let analysis = analyze(&shop.book, d("2026-03-10"), &rules);
    let list = agenda(&analysis, &rules);
    let index = analysis.index_of(&c).unwrap();
    (shop, c, analysis, list, index)
}

#[test]
fn values_for_a_customer_follow_the_reason() {
    let (shop, c, analysis, list, index) = mother_today();
    let today = analysis.as_of();
    let item = list.of_customer(index).unwrap();
    let keys: Vec<_> = item.reasons.iter().map(Reason::key).collect();
    assert_eq!(
        keys,
        vec![
            "child_milestone",
            "child_birthday",
            "due_date",
            "rebuy",
            "cadence"
        ]
    );
    let customer: Customer = shop.book.get(&c).unwrap();
    let history = &analysis.history;
    let v = |reason: Option<&Reason>, lang| {
        Values::for_customer(&customer, history, index, reason, "小太阳母婴", today, lang)
    };

    // 百天 of 豆豆 (1 Dec + 100 days = 11 March).
    let hundred = v(Some(&item.reasons[0]), Lang::ZhCn);
    assert_eq!(
        (hundred.child.as_deref(), hundred.child_age.as_deref()),
        (Some("豆豆"), Some("百天"))
    );
    assert_eq!(hundred.salutation.as_deref(), Some("李女士"));
    assert_eq!(hundred.last_item.as_deref(), Some("金装奶粉3段"));
    assert_eq!(hundred.days_since.as_deref(), Some("30"));
    assert_eq!(hundred.points.as_deref(), Some("300"));
    assert_eq!(hundred.shop.as_deref(), Some("小太阳母婴"));
    assert_eq!(
        v(Some(&item.reasons[0]), Lang::En).child_age.as_deref(),
        Some("100 days old")
    );
    // The elder child's 4th birthday; no nickname → 宝宝.
    let birthday = v(Some(&item.reasons[1]), Lang::ZhCn);
    assert_eq!(
        (birthday.child.as_deref(), birthday.child_age.as_deref()),
        (Some("宝宝"), Some("4岁"))
    );
    // Unborn: a child but no age.
    let due = v(Some(&item.reasons[2]), Lang::En);
    assert_eq!(
        (due.child.as_deref(), due.child_age),
        (Some("your little one"), None)
    );
    // A re-buy names the category.
    assert_eq!(
        v(Some(&item.reasons[3]), Lang::ZhCn).last_item.as_deref(),
        Some("奶粉")
    );
    // Without a reason: the youngest child, today's age.
    let plain = v(None, Lang::ZhCn);
    assert_eq!(
        (plain.child.as_deref(), plain.child_age.as_deref()),
        (Some("豆豆"), Some("3个月"))
    );
}

#[test]
fn the_template_offered_for_an_item() {
    let (shop, c, analysis, list, index) = mother_today();
    let today = analysis.as_of();
    let item = list.of_customer(index).unwrap();
    assert_eq!(purpose_for(item.reasons), Purpose::ChildMilestone);
    let customer: Customer = shop.book.get(&c).unwrap();
    let templates = default_templates(Lang::ZhCn);
    let pick = |reason: &Reason| {
        let v = Values::for_customer(
            &customer,
            &analysis.history,
            index,
            Some(reason),
            "小太阳母婴",
            today,
            Lang::ZhCn,
        );
        let t = choose(&templates, reason.purpose(), &v).unwrap();
        (t.name.clone(), render(t, &v))
    };
    let (name, r) = pick(&item.reasons[0]);
    assert_eq!(name, "宝宝成长节点");
    assert!(
        r.text.starts_with("李女士您好！豆豆百天快到啦"),
        "{}",
        r.text
    );
    assert!(r.is_complete());
    // For the unborn child the milestone template lacks an age; the due-date one fits.
    let (name, r) = pick(&item.reasons[2]);
    assert_eq!(name, "预产期关怀");
    assert!(r.is_complete());
    let (name, r) = pick(&item.reasons[3]);
    assert_eq!(name, "复购提醒");
    assert!(r.text.contains("您上次带的奶粉"), "{}", r.text);
}

#[test]
fn purpose_for_an_item_is_its_top_reasons() {
    let complaint = Reason::Complaint {
        complaint: Id::parse("k").unwrap(),
        opened_at: None,
        severity: Default::default(),
        responded: false,
    };
    let birthday = Reason::Birthday {
        date: d("2026-03-12"),
        in_days: 2,
        age: 30,
    };
    assert_eq!(
        purpose_for(&[complaint, birthday.clone()]),
        Purpose::ComplaintFollowUp
    );
    assert_eq!(purpose_for(&[birthday]), Purpose::Birthday);
    assert_eq!(purpose_for(&[]), Purpose::Other);
    let pickup = Reason::Pickup {
        reward: Id::parse("r").unwrap(),
        description: String::new(),
        amount: Default::default(),
        due: vec![],
    };
    assert_eq!(purpose_for(&[pickup]), Purpose::Points);
    let follow = Reason::FollowUp {
        due: d("2026-03-10"),
        purpose: Purpose::AfterSale,
        overdue_days: 0,
    };
    assert_eq!(purpose_for(&[follow]), Purpose::AfterSale);
}

#[test]
fn choose_prefers_a_complete_template_of_the_purpose() {
    let mut v = values();
    v.points = None;
    let ts = vec![
        Template {
            purpose: Purpose::Points,
            name: "a".into(),
            text: "{points}分".into(),
            fallback: String::new(),
        },
        Template {
            purpose: Purpose::Points,
            name: "b".into(),
            text: "{称呼}有礼".into(),
            fallback: String::new(),
        },
        Template {
            purpose: Purpose::Birthday,
            name: "c".into(),
            text: "生日".into(),
            fallback: String::new(),
        },
    ];
    assert_eq!(
        choose(&ts, Purpose::Points, &v).map(|t| t.name.as_str()),
        Some("b")
    );
    v.salutation = None;
    assert_eq!(
        choose(&ts, Purpose::Points, &v).map(|t| t.name.as_str()),
        Some("a"),
        "none complete: the first"
    );
    assert_eq!(choose(&ts, Purpose::Rebuy, &v), None);
}

#[test]
fn a_message_composed_for_an_item_prefers_the_shops_own_complete_template() {
    let (shop, c, analysis, list, index) = mother_today();
    let today = analysis.as_of();
    let item = list.of_customer(index).unwrap();
    let customer: Customer = shop.book.get(&c).unwrap();
    let compose_with = |templates: &[Template], lang| {
        let own: Vec<(Id, Template)> = templates
            .iter()
            .enumerate()
            .map(|(i, t)| (Id::parse(&format!("t{i}")).unwrap(), t.clone()))
            .collect();
        let composed = compose(
            &own,
            &customer,
            &analysis.history,
            index,
            item.reasons,
            "小太阳母婴",
            today,
            lang,
        )
        .unwrap();
        (composed.purpose, composed.template, composed.rendered)
    };
    // Without templates of its own the shop gets the built-in one.
    let (purpose, template, built_in) = compose_with(&[], Lang::ZhCn);
    assert_eq!(purpose, Purpose::ChildMilestone);
    assert!(
        template.as_str().starts_with("builtin:zh-CN:"),
        "{template}"
    );
    assert!(
        built_in.text.starts_with("李女士您好！豆豆百天快到啦"),
        "{}",
        built_in.text
    );
    let (_, _, english) = compose_with(&[], Lang::En);
    assert!(english.text.contains("Ms 李"), "{}", english.text);
    // The shop's own template comes first when it renders completely…
    let own = Template {
        purpose: Purpose::ChildMilestone,
        name: "本店".into(),
        text: "{称呼}，{child}{child_age}啦，来店领小礼物！".into(),
        fallback: String::new(),
    };
    let (_, template, mine) = compose_with(std::slice::from_ref(&own), Lang::ZhCn);
    assert_eq!(mine.text, "李女士，豆豆百天啦，来店领小礼物！");
    assert_eq!(
        template.as_str(),
        "t0",
        "the shop's template is recorded by its id"
    );
    // …and gives way to a built-in one when it cannot (a typo leaves it incomplete).
    let broken = Template {
        text: "{称呼}，{nmae}".into(),
        ..own
    };
    let (_, template, fallback) = compose_with(&[broken], Lang::ZhCn);
    assert_eq!(fallback, built_in);
    assert!(template.as_str().starts_with("builtin:"), "{template}");
}
