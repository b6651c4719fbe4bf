//! The owner's Stats on a seeded book, and a campaign that reaches a clerk's Today (issue 11's
//! end-to-end test). A synthetic shop of 60 customers and 500 sales (`huike_core::synth`, up to
//! yesterday) is pushed through the API as its owner device would, every sale, visit and
//! contact made by the clerk's phone (360×740, English), which joined first — so Today gives
//! her the shop's follow-ups. The owner's tablet (1280×800) joins and, in 简体中文 and then in
//! English:
//! - the lifecycle chart's data table equals core's stage counts for each of the 12 months;
//! - tapping the fullest R×F cell lists exactly core's customers of that cell;
//! - every chart is saved as a screenshot (`stats-*-tablet.png`, `stats-en-*-tablet.png`).
//!
//! In 中文 the owner creates a 回流 campaign for the 重要挽留客户 (Key to win back) class with a
//! 10 % holdout and starts it; once both devices have synced, the clerk's Today lists exactly the
//! treated targets for the campaign, never the held-out ones (the groups read back from the
//! server's copy of the book). The clerk records a purchase from one of them; after a sync the
//! owner sees one came back and the lift over the holdout, and writes a review note.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use fantoccini::Client;
use huike_core::book::Book;
use huike_core::domain::{Campaign, Customer, Entry, RecordKind, Role};
use huike_core::hlc::Clock;
use huike_core::id::Id;
use huike_core::insights::campaigns;
use huike_core::insights::stats::{in_rf_cell, rf_grid, stage_revenue, stages_by_month};
use huike_core::op::Op;
use huike_core::segment::class::RfmClass;
use huike_core::segment::{self, Analysis};
use huike_core::sync::DeviceCredentials;
use huike_core::synth::Params;
use huike_tests::api::{Api, Device};
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::steps::{self, EN, Words, ZH};
use huike_tests::{app_url, worker_url};
use serde_json::json;

const CUSTOMERS: usize = 60;
const SALES: usize = 500;
/// The campaign's name.
const CAMPAIGN: &str = "重要客户挽回";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_match_core_and_a_campaign_reaches_the_clerks_today_but_not_its_holdout() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(900),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

/// The synthetic shop `params` as if `clerk` had served every customer: every sale, visit,
/// contact and ledger entry is hers. The synthetic staff's device records and the shop's
/// profile are left out (without a time zone of its own the shop's calendar is the device's,
/// the same as the browser's date the test reads).
fn served_by(params: &Params, clerk: &Id) -> Vec<Op> {
    params
        .ops()
        .into_iter()
        .filter_map(|op| match op {
            Op::Set {
                kind: RecordKind::Device | RecordKind::Shop,
                ..
            } => None,
            Op::Append { at, id, entry } => {
                let mut entry = entry.decode().expect("a synthetic entry");
                let staff = match &mut entry {
                    Entry::Purchase(p) => &mut p.staff,
                    Entry::Visit(v) => &mut v.staff,
                    Entry::Contact(c) => &mut c.staff,
                    Entry::Ledger(l) => &mut l.staff,
                };
                *staff = Some(clerk.clone());
                Some(Op::append(at, id, &entry))
            }
            op => Some(op),
        })
        .collect()
}

/// Customers the synthetic shop hardly has but the campaign needs: 重要挽留客户 (Key to win back,
/// R low, F low, M high) — one big purchase from the clerk nine to eleven months before
/// `as_of`, never again.
fn big_spenders_long_ago(clerk: &Id, as_of: NaiveDate) -> Vec<Op> {
    const NAMES: [&str; 8] = [
        "欧阳娜",
        "司马琳",
        "上官燕",
        "诸葛明",
        "慕容雪",
        "东方红",
        "皇甫洁",
        "公孙丽",
    ];
    let mut clock = Clock::new(0x5eed);
    let mut ms = 1_700_000_000_000;
    let mut at = || {
        ms += 1;
        clock.tick(ms)
    };
    let mut ops = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let id = Id::parse(&format!("kwb-{i:04}")).expect("an id");
        let day = as_of - Days::new(280 + 7 * i as u64);
        for (field, value) in [
            ("name", json!(name)),
            ("phone", json!(format!("1390000{i:04}"))),
            ("created_at", json!(format!("{day}T10:00:00"))),
        ] {
            ops.push(Op::Set {
                at: at(),
                kind: RecordKind::Customer,
                id: id.clone(),
                field: field.into(),
                value,
            });
        }
        let sale = serde_json::from_value(json!({
            "customer": id,
            "at": format!("{day}T11:00:00"),
            "total": 800_000 + 10_000 * i as i64,
            "staff": clerk,
        }))
        .expect("a purchase");
        let sale_id = Id::parse(&format!("kwb-sale-{i:04}")).expect("an id");
        ops.push(Op::append(at(), sale_id, &Entry::Purchase(sale)));
    }
    ops
}

/// The customer's name in `book`.
fn name(book: &Book, id: &Id) -> String {
    book.get::<Customer>(id)
        .unwrap_or_else(|| panic!("customer {id} is in the book"))
        .name
}

/// `names`, sorted (names may repeat in a synthetic shop, so lists are compared as multisets).
fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// A browser date as `NaiveDate`.
fn date((y, m, d): (u32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y as i32, m, d).expect("a date")
}

/// Today's items for the campaign: their names.
fn campaign_items(w: Words) -> String {
    let reason = w.pick("Campaign: ", "活动：");
    format!(
        "//li[contains(@class,'follow-up')][.//span[contains(@class,'reason')][normalize-space()='{reason}{CAMPAIGN}']]//span[contains(@class,'row-name')]"
    )
}

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let (app, worker) = (app_url(), worker_url());
    let tablet = Page {
        client: tablet_client,
        name: "tablet",
    };
    let phone = Page {
        client: phone_client,
        name: "phone",
    };
    let long = Duration::from_secs(120);
    let api = Api::new();
    let owner = api.create_shop("统计测试母婴店").await;

    // The clerk's phone joins the empty shop; the seeded history is then hers.
    let clerk_code = api.invite(&owner.token, Role::Clerk).await.code;
    steps::join(&phone, EN, &app, &worker, &clerk_code, "小李").await;
    let clerk = steps::credentials(&phone).await;
    let today = date(phone.date_in(0).await);
    let params = Params {
        as_of: date(phone.date_in(-1).await),
        ..Params::new(11, CUSTOMERS, SALES)
    };
    let clerk_id = Id::parse(&clerk.device_id).expect("a device id");
    let mut ops = served_by(&params, &clerk_id);
    ops.extend(big_spenders_long_ago(&clerk_id, params.as_of));
    let replica = Device::new(&api, &owner).push_ops(ops).await;
    let book = replica.book();
    let rules = book.rules();
    let analysis = segment::analyze(book, today, &rules);

    // The owner's tablet joins and pulls the book.
    let owner_code = api.invite(&owner.token, Role::Owner).await.code;
    steps::join(&tablet, ZH, &app, &worker, &owner_code, "王店长").await;
    tablet.follow(ZH.customers).await;
    tablet
        .sees_at_within(
            steps::COUNT,
            &ZH.customers_count(book.records(RecordKind::Customer).count()),
            long,
        )
        .await;

    stats_match_core(&tablet, ZH, book, &analysis, &rules, "stats").await;
    let split = campaign_to_win_back(&tablet, &api, &owner, book, &analysis).await;

    // The clerk's Today, after a sync, lists exactly the treated targets for the campaign: the
    // held-out customers are not asked for, for the campaign or for anything else.
    steps::sync_clean(&phone, EN, long).await;
    phone.follow(EN.today).await;
    let items = campaign_items(EN);
    phone
        .wait_for(&format!("({items})[{}]", split.treated.len()))
        .await;
    let listed = phone.texts(&items).await;
    let treated: Vec<String> = split.treated.iter().map(|id| name(book, id)).collect();
    assert_eq!(
        sorted(listed.clone()),
        sorted(treated),
        "the clerk's Today lists the campaign's treated targets"
    );
    let everyone = phone
        .texts("//li[contains(@class,'follow-up')]//span[contains(@class,'row-name')]")
        .await;
    for held in &split.holdout {
        let held = name(book, held);
        assert!(
            !everyone.contains(&held) || listed.contains(&held),
            "held-out {held} is not on the clerk's Today: {everyone:?}"
        );
    }
    phone.screenshot("stats-campaign-01-clerk-today").await;

    // One of them buys, recorded by the clerk.
    let buyer = listed[0].clone();
    let first = phone
        .wait_for(&format!(
            "//li[contains(@class,'follow-up')][.//span[contains(@class,'reason')][normalize-space()='Campaign: {CAMPAIGN}']][.//span[contains(@class,'row-name')][normalize-space()='{buyer}']]//a"
        ))
        .await;
    phone.tap(first, &buyer).await;
    phone.follow("Open card").await;
    phone.sees_at(steps::CUSTOMER_NAME, &buyer).await;
    steps::record_purchase(&phone, EN, "168", "¥168.00").await;
    phone.screenshot("stats-campaign-02-clerk-purchase").await;
    steps::sync_clean(&phone, EN, long).await;

    // The owner, after a sync: one came back, and the lift over the holdout (nobody held out
    // bought) is that one's share of the treated, in points.
    steps::sync_clean(&tablet, ZH, long).await;
    tablet.follow("统计").await;
    let row = campaign_row();
    let class = |c: &str| format!("{row}//*[contains(concat(' ', @class, ' '), ' {c} ')]");
    tablet
        .sees_at_within(&class("campaign-came-back"), "1", long)
        .await;
    let lift = (100.0 / split.treated.len() as f64).round() as i64;
    tablet
        .sees_at(&class("campaign-lift"), &format!("+{lift}"))
        .await;
    tablet
        .fill("添加复盘", "复盘内容", "电话回访比短信有效，下次先打电话。")
        .await;
    tablet.click("添加复盘").await;
    tablet
        .sees_at(
            &class("review-note-text"),
            "电话回访比短信有效，下次先打电话。",
        )
        .await;
    tablet.scroll_to(&row).await;
    tablet.screenshot("stats-campaign-03-results").await;

    // The same Stats in English.
    tablet
        .open(&format!("{app}/?lang=en&server={worker}"))
        .await;
    tablet.link(EN.today).await;
    // Core's figures now: the book as the server has it, with the clerk's sale.
    let book = server_book(&api, &owner).await;
    let analysis = segment::analyze(&book, today, &rules);
    stats_match_core(&tablet, EN, &book, &analysis, &rules, "stats-en").await;
    tablet.follow("Stats").await;
    tablet.sees_at(&class("campaign-came-back"), "1").await;
    tablet.scroll_to(&row).await;
    tablet.screenshot("stats-en-campaign-results").await;
}

/// The shop's book as the server has it, read by a new device that pushed nothing (a pull never
/// returns the caller's own stream).
async fn server_book(api: &Api, owner: &DeviceCredentials) -> Book {
    let probe = api.add_clerk(&owner.token, "probe").await;
    Device::new(api, &probe).contents().await.book()
}

/// The campaign's row on Stats.
fn campaign_row() -> String {
    steps::campaign_row(CAMPAIGN)
}

/// Stats in `w`'s language shows core's figures: the lifecycle chart's table month by month,
/// and the fullest R×F cell's customers. Saves a screenshot of every chart, named `prefix-…`.
async fn stats_match_core(
    page: &Page<'_>,
    w: Words,
    book: &Book,
    analysis: &Analysis,
    rules: &huike_core::domain::Rules,
    prefix: &str,
) {
    page.follow(w.pick("Stats", "统计")).await;
    let chart = "//div[contains(@class,'lifecycle-chart')]";
    let show = page.wait_for(&format!("{chart}//summary")).await;
    page.tap(show, "Show data (lifecycle)").await;
    let months = stages_by_month(analysis, rules);
    assert_eq!(months.len(), 12, "twelve months");
    // The whole table, month by month, as core has it (waited for: the figures follow the
    // book a moment after the last batch is in).
    let expected: Vec<(String, Vec<String>)> = months
        .iter()
        .map(|m| {
            let name = m.month.first.to_string()[..7].to_owned();
            (name, m.counts.iter().map(|n| n.to_string()).collect())
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut shown = Vec::new();
        for (name, _) in &expected {
            let cells = page
                .texts(&format!(
                    "{chart}//tbody/tr[th[normalize-space()='{name}']]/td"
                ))
                .await;
            shown.push((name.clone(), cells));
        }
        if shown == expected {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "customers by stage, month by month:\n shown {shown:?}\n core  {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        months.iter().any(|m| m.counts.iter().sum::<usize>() > 0),
        "the seeded shop has customers in its lifecycle"
    );

    // Customers by stage today, and their revenue share, as core has them.
    let stages = stage_revenue(analysis);
    let chart = "//div[contains(@class,'stage-revenue-chart')]";
    let show = page.wait_for(&format!("{chart}//summary")).await;
    page.tap(show, "Show data (revenue by stage)").await;
    let shown: Vec<String> = page.texts(&format!("{chart}//tbody/tr/td[1]")).await;
    let counts: Vec<String> = stages.iter().map(|s| s.customers.to_string()).collect();
    assert_eq!(shown, counts, "customers by stage today");
    let shown: Vec<String> = page.texts(&format!("{chart}//tbody/tr/td[3]")).await;
    let shares: Vec<String> = stages
        .iter()
        .map(|s| format!("{:.1}%", s.revenue_share * 100.0))
        .collect();
    assert_eq!(shown, shares, "each stage's share of the window's revenue");

    // Every chart, as drawn.
    for (n, card) in [
        "lifecycle-chart",
        "revenue-chart",
        "classes-chart",
        "stage-revenue-chart",
        "grid-chart",
        "sources-card",
        "steps-card",
        "chains-card",
        "staff-card",
        "portraits-card",
        "campaigns-card",
    ]
    .iter()
    .enumerate()
    {
        let at = format!("//*[contains(concat(' ', @class, ' '), ' {card} ')]");
        page.scroll_to(&at).await;
        page.screenshot(&format!("{prefix}-{:02}-{card}", n + 1))
            .await;
    }

    // The fullest cell of the R × F grid lists exactly its customers.
    let grid = rf_grid(analysis);
    let (r, f, n) = (1..=5u8)
        .flat_map(|r| (1..=5u8).map(move |f| (r, f)))
        .map(|(r, f)| (r, f, grid[usize::from(r - 1)][usize::from(f - 1)]))
        .max_by_key(|(_, _, n)| *n)
        .expect("a grid");
    assert!(n > 0, "the seeded shop has scored buyers");
    let cell = page
        .wait_for(&format!(
            "//*[contains(@class,'rf-cell')][@aria-label='R{r} F{f}: {n}']"
        ))
        .await;
    page.tap(cell, &format!("R{r} F{f}")).await;
    page.sees_at(steps::COUNT, &w.customers_count(n)).await;
    let expected: Vec<String> = in_rf_cell(analysis, r, f)
        .iter()
        .map(|id| name(book, id))
        .collect();
    page.wait_for(&format!("({})[{n}]", steps::ROW_NAMES)).await;
    assert_eq!(
        sorted(page.texts(steps::ROW_NAMES).await),
        sorted(expected),
        "R{r} F{f} lists its customers"
    );
    page.screenshot(&format!("{prefix}-12-rf-cell-customers"))
        .await;
}

/// Creates and starts, on the owner's tablet (中文), a 回流 campaign for the Key-to-win-back
/// class with the default 10 % holdout; checks its size against core's class and returns its
/// groups as the server's copy of the book has them once the tablet has synced.
async fn campaign_to_win_back(
    tablet: &Page<'_>,
    api: &Api,
    owner: &DeviceCredentials,
    book: &Book,
    analysis: &Analysis,
) -> campaigns::Split {
    let class: Vec<Id> = analysis
        .segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.class == Some(RfmClass::KeyWinBack))
        .map(|(c, _)| Id::parse(analysis.history.id(c)).expect("an id from the book"))
        .filter(|id| book.get::<Customer>(id).is_some_and(|c| !c.do_not_contact))
        .collect();
    assert!(
        class.len() >= 5,
        "the seeded shop has at least five Key-to-win-back customers to contact (so 10 % is one or more): {}",
        class.len()
    );
    let held = (class.len() * 10 + 50) / 100;

    steps::start_campaign(
        tablet,
        CAMPAIGN,
        "重要挽留客户",
        &format!("{} 位顾客符合 · {held} 位作为对照组", class.len()),
        "stats-campaign-00-form",
    )
    .await;
    let row = campaign_row();
    let class_at = |c: &str| format!("{row}//*[contains(concat(' ', @class, ' '), ' {c} ')]");
    tablet
        .sees_at(
            &class_at("campaign-treated"),
            &(class.len() - held).to_string(),
        )
        .await;
    tablet
        .sees_at(&class_at("campaign-holdout"), &held.to_string())
        .await;
    steps::sync_clean(tablet, ZH, Duration::from_secs(120)).await;

    // The groups, as the server has the campaign: a device that pushed nothing reads them.
    let server_book = server_book(api, owner).await;
    let (_, campaign) = server_book
        .records(RecordKind::Campaign)
        .find_map(|(id, _)| {
            let c: Campaign = server_book.get(id)?;
            (c.name == CAMPAIGN).then_some((id.clone(), c))
        })
        .expect("the campaign reached the server");
    let mut targeted = campaign.targeted.clone();
    targeted.sort();
    let mut expected = class;
    expected.sort();
    assert_eq!(targeted, expected, "the campaign targets the class");
    let split = campaigns::split(&campaign);
    assert_eq!(split.holdout.len(), held);
    split
}
