//! Type-ahead search: what each kind of query finds, the ranking, and incremental updates.

use huike_core::book::Book;
use huike_core::domain::Customer;
use huike_core::domain::Record;
use huike_core::hlc::Clock;
use huike_core::id::Id;
use huike_core::op::{self, Op, RecordKind};
use huike_core::search::{Hit, MatchKind, SearchIndex};
use huike_core::synth::Params;

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn customer(name: &str, phones: &[&str], wechat: &str, tags: &[&str]) -> Customer {
    Customer {
        name: name.into(),
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        wechat: wechat.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Customer::default()
    }
}

/// A small shop whose customers differ in exactly the ways ranking cares about.
fn index() -> SearchIndex {
    let mut ix = SearchIndex::new();
    for (key, c) in [
        (
            "zhangsan",
            customer("张三", &["13800138000"], "", &["VIP群"]),
        ),
        (
            "zhangsanfeng",
            customer("张三丰", &["13912345678"], "", &[]),
        ),
        (
            "zhaoshun",
            customer("赵顺", &["13598000123"], "", &["宝宝过敏"]),
        ),
        (
            "lizishan",
            customer("李子善", &["18600001111"], "zs1988", &[]),
        ),
        ("xiaozhangsan", customer("小张三", &[], "", &[])),
        ("zeng", customer("曾小贤", &["15011112222"], "", &[])),
        ("shan", customer("单田芳", &[], "", &[])),
        ("lv", customer("吕布", &[], "", &[])),
        (
            "amy",
            customer("Amy Wang", &["+86 137 0000 8000"], "Amy_8000", &["vip"]),
        ),
    ] {
        ix.upsert(&id(key), &c);
    }
    ix
}

fn ids(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.id.as_str()).collect()
}

fn find(ix: &SearchIndex, q: &str) -> Vec<(String, MatchKind)> {
    ix.search(q, 100)
        .hits
        .into_iter()
        .map(|h| (h.id.as_str().to_owned(), h.kind))
        .collect()
}

#[test]
fn pinyin_initials_full_and_mixed_find_the_name() {
    let ix = index();
    for q in [
        "zs",
        "zhangsan",
        "zhang",
        "zhangs",
        "zsan",
        "ZS",
        "ｚｓ",
        "  zs  ",
        "zhang san",
        "Zhang-San",
    ] {
        let hits = ix.search(q, 10).hits;
        let first = hits.iter().find(|h| h.id.as_str() == "zhangsan");
        assert_eq!(
            first.map(|h| h.kind),
            Some(MatchKind::PinyinPrefix),
            "{q:?}"
        );
    }
    assert_eq!(
        find(&ix, "zsf")[0],
        ("zhangsanfeng".into(), MatchKind::PinyinPrefix)
    );
}

#[test]
fn polyphonic_surnames_are_found_by_their_surname_reading_and_the_common_one() {
    let ix = index();
    for q in ["zxx", "zengxiaoxian", "zeng", "cengxiaoxian"] {
        assert!(ids(&ix.search(q, 10).hits).contains(&"zeng"), "{q}");
    }
    assert!(ids(&ix.search("stf", 10).hits).contains(&"shan"));
    assert!(ids(&ix.search("shantianfang", 10).hits).contains(&"shan"));
    assert!(ids(&ix.search("lvbu", 10).hits).contains(&"lv"));
    assert!(ids(&ix.search("lubu", 10).hits).contains(&"lv"));
}

#[test]
fn phone_digits_match_anywhere_with_the_last_digits_first() {
    let ix = index();
    assert_eq!(
        find(&ix, "8000"),
        vec![
            ("amy".into(), MatchKind::PhoneSuffix),
            ("zhangsan".into(), MatchKind::PhoneSuffix),
            ("zhaoshun".into(), MatchKind::PhoneInfix),
        ]
    );
    assert_eq!(
        find(&ix, "0013"),
        vec![("zhangsan".into(), MatchKind::PhoneInfix)]
    );
    // One or two digits are in nearly every number: they only match the end of one.
    assert_eq!(
        find(&ix, "00"),
        vec![
            ("amy".into(), MatchKind::PhoneSuffix),
            ("zhangsan".into(), MatchKind::PhoneSuffix)
        ]
    );
    assert_eq!(
        find(&ix, "000"),
        vec![
            ("amy".into(), MatchKind::PhoneSuffix),
            ("zhangsan".into(), MatchKind::PhoneSuffix),
            ("lizishan".into(), MatchKind::PhoneInfix),
            ("zhaoshun".into(), MatchKind::PhoneInfix),
        ]
    );
    assert_eq!(
        find(&ix, "138-0013-8000"),
        vec![("zhangsan".into(), MatchKind::PhoneSuffix)]
    );
    assert_eq!(
        find(&ix, "１２３４５"),
        vec![("zhangsanfeng".into(), MatchKind::PhoneInfix)]
    );
    // A number typed with the country code is stored as its 11 digits and still found.
    assert_eq!(
        find(&ix, "13700008000"),
        vec![("amy".into(), MatchKind::PhoneSuffix)]
    );
}

#[test]
fn results_are_ranked_exact_name_then_prefix_then_pinyin_then_the_rest() {
    let ix = index();
    assert_eq!(
        find(&ix, "张三"),
        vec![
            ("zhangsan".into(), MatchKind::NameExact),
            ("zhangsanfeng".into(), MatchKind::NamePrefix),
            ("xiaozhangsan".into(), MatchKind::NameInfix),
        ]
    );
    // Same kind: the fewest syllables left over first, then list (pinyin) order.
    assert_eq!(
        find(&ix, "zs"),
        vec![
            ("zhangsan".into(), MatchKind::PinyinPrefix),
            ("zhaoshun".into(), MatchKind::PinyinPrefix),
            ("zhangsanfeng".into(), MatchKind::PinyinPrefix),
            ("lizishan".into(), MatchKind::WechatPrefix),
            ("xiaozhangsan".into(), MatchKind::NameInfix),
        ]
    );
    assert_eq!(find(&ix, "san")[0].1, MatchKind::NameInfix);
}

#[test]
fn wechat_ids_and_tags_are_searched_case_insensitively() {
    let ix = index();
    assert_eq!(
        find(&ix, "AMY_8"),
        vec![("amy".into(), MatchKind::WechatPrefix)]
    );
    assert_eq!(
        find(&ix, "1988"),
        vec![("lizishan".into(), MatchKind::WechatInfix)]
    );
    // One character only matches the start of an id: a single letter or digit is inside most.
    assert_eq!(find(&ix, "9"), vec![]);
    assert_eq!(
        find(&ix, "98"),
        vec![("lizishan".into(), MatchKind::WechatInfix)]
    );
    assert_eq!(
        find(&ix, "vip"),
        vec![
            ("amy".into(), MatchKind::TagPrefix),
            ("zhangsan".into(), MatchKind::TagPrefix)
        ]
    );
    assert_eq!(
        find(&ix, "过敏"),
        vec![("zhaoshun".into(), MatchKind::TagInfix)]
    );
    assert_eq!(
        find(&ix, "amy w"),
        vec![("amy".into(), MatchKind::NamePrefix)]
    );
}

#[test]
fn a_blank_query_finds_nobody_and_limit_caps_the_hits_not_the_total() {
    let ix = index();
    for q in ["", "   ", "\u{3000}"] {
        let r = ix.search(q, 10);
        assert!(r.hits.is_empty() && r.total == 0, "{q:?}");
    }
    let all = ix.search("zs", 100);
    let two = ix.search("zs", 2);
    assert_eq!(two.total, all.total);
    assert_eq!(two.hits, all.hits[..2]);
    assert!(ix.search("zs", 0).hits.is_empty());
    assert!(ix.search("qqqq", 10).hits.is_empty());
}

#[test]
fn updates_and_removals_take_effect_without_a_rebuild() {
    let mut ix = index();
    assert_eq!(ix.len(), 9);
    ix.upsert(
        &id("zhangsan"),
        &customer("张珊", &["13800138000"], "", &[]),
    );
    assert_eq!(ix.len(), 9);
    assert!(!ids(&ix.search("张三", 10).hits).contains(&"zhangsan"));
    assert_eq!(
        find(&ix, "张珊"),
        vec![("zhangsan".into(), MatchKind::NameExact)]
    );
    assert!(ix.remove(&id("zhangsan")));
    assert!(!ix.remove(&id("zhangsan")));
    assert_eq!(ix.len(), 8);
    assert!(find(&ix, "8000").iter().all(|(id, _)| id != "zhangsan"));
    // A new customer takes the freed slot and is found like any other.
    ix.upsert(&id("new"), &customer("张三", &[], "", &[]));
    assert_eq!(find(&ix, "张三")[0], ("new".into(), MatchKind::NameExact));
}

#[test]
fn refresh_follows_the_book_through_edits_and_deletes() {
    let mut clock = Clock::new(1);
    let mut book = Book::new();
    let who = id("c1");
    let mut write = |book: &mut Book, before: &Customer, after: &Customer, ms: u64| {
        for op in op::diff(
            &mut clock,
            ms,
            RecordKind::Customer,
            &who,
            &op::to_object(before),
            &op::to_object(after),
            <Customer as Record>::SETS,
        ) {
            book.apply(&op);
        }
    };
    let first = customer("王芳", &["13511112222"], "", &[]);
    write(&mut book, &Customer::default(), &first, 1_000);
    let mut ix = SearchIndex::from_book(&book);
    assert_eq!(ids(&ix.search("wf", 5).hits), vec!["c1"]);
    let renamed = customer("王芬", &["13511112222"], "", &["二胎"]);
    write(&mut book, &first, &renamed, 2_000);
    ix.refresh(&book, &who);
    assert_eq!(find(&ix, "王芬"), vec![("c1".into(), MatchKind::NameExact)]);
    assert_eq!(find(&ix, "二胎"), vec![("c1".into(), MatchKind::TagPrefix)]);
    book.apply(&Op::Delete {
        at: clock.tick(3_000),
        kind: RecordKind::Customer,
        id: who.clone(),
    });
    ix.refresh(&book, &who);
    assert!(ix.is_empty());
    assert!(ix.search("2222", 5).hits.is_empty());
}

#[test]
fn an_index_built_piecemeal_answers_like_one_built_at_once() {
    let book = Params::new(11, 600, 3_000).book();
    let whole = SearchIndex::from_book(&book);
    let customers: Vec<(Id, Customer)> = book
        .records(RecordKind::Customer)
        .map(|(id, s)| (id.clone(), s.decode().unwrap()))
        .collect();
    let mut piecemeal = SearchIndex::new();
    // Reverse order, with some customers first indexed under a wrong profile, some removed
    // and re-added.
    for (i, (id, c)) in customers.iter().enumerate().rev() {
        if i % 7 == 0 {
            piecemeal.upsert(id, &customer("临时", &["10000000000"], "tmp", &["tmp"]));
            piecemeal.remove(id);
        }
        if i % 5 == 0 {
            piecemeal.upsert(id, &customer("错名", &[], "", &[]));
        }
        piecemeal.upsert(id, c);
    }
    assert_eq!(piecemeal.len(), whole.len());
    let (_, sample) = &customers[123];
    let phone = sample.phones.first().cloned().unwrap_or_default();
    for q in [
        "z",
        "zs",
        "wang",
        "w",
        "8",
        "88",
        &phone[phone.len().saturating_sub(4)..],
        &sample.name,
        "妈妈",
        "会员",
        "wxid",
        "临时",
    ] {
        assert_eq!(piecemeal.search(q, 20), whole.search(q, 20), "{q:?}");
    }
}

#[test]
fn every_synthetic_customer_is_found_by_name_and_by_the_last_four_digits() {
    let book = Params::new(5, 800, 4_000).book();
    let ix = SearchIndex::from_book(&book);
    for (id, state) in book.records(RecordKind::Customer) {
        let c: Customer = state.decode().unwrap();
        let by_name = ix.search(&c.name, 50);
        assert!(
            by_name
                .hits
                .iter()
                .any(|h| &h.id == id && h.kind == MatchKind::NameExact),
            "{}",
            c.name
        );
        if let Some(phone) = c.phone() {
            let r = ix.search(&phone[7..], 1_000);
            let hit = r
                .hits
                .iter()
                .find(|h| &h.id == id)
                .expect("found by last 4");
            assert_eq!(hit.kind, MatchKind::PhoneSuffix);
            assert_eq!(
                ix.search(phone, 5).hits[0].id,
                *id,
                "the full number finds exactly them first"
            );
        }
        let initials = huike_core::search::initials(&c.name);
        if !initials.is_empty() {
            assert!(
                ix.search(&initials, 20_000)
                    .hits
                    .iter()
                    .any(|h| &h.id == id),
                "{} by {initials}",
                c.name
            );
        }
    }
}

#[test]
fn the_index_keeps_each_customers_list_order_key() {
    let mut index = SearchIndex::new();
    index.upsert(&id("a"), &customer("欧阳娜娜", &[], "", &[]));
    assert_eq!(
        index.sort_key(&id("a")),
        Some(huike_core::search::sort_key(&huike_core::search::fold("欧阳娜娜")).as_str())
    );
    index.upsert(&id("a"), &customer("Amy王", &[], "", &[]));
    assert_eq!(index.sort_key(&id("a")), Some("amywang "));
    index.remove(&id("a"));
    assert_eq!(index.sort_key(&id("a")), None);
}
