//! A new device on a bigger shop starts from the shop's snapshot (docs/sync.md, "Snapshots"): a shop of
//! 300 customers and 3,000 sales (`huike_core::synth`, seed 7) is pushed through the API as
//! its owner device would (core's `Replica` forms the batches), and the owner uploads the
//! book's snapshot as the app does (`SnapshotWriter` at `Level::Small`, parts under one
//! request body, `driver::upload_snapshot`). Once the server has compacted the batches the
//! snapshot covers, a clerk's phone (360×740, English) joins with an invite code: it downloads
//! the snapshot (its list already open, empty, while the download is held back), lists every
//! customer ("300 customers"), finds one by the pinyin initials of
//! their name, and their card shows their whole history, as core computes it. Then the phone
//! reloads the page with its network to the worker cut (a cold start from the device's own
//! storage): the list and the card show again. Back online, Today is a day's work — at most
//! the daily capacity, counted by reason, the rest waiting — an item opens its compose sheet,
//! and a buyer's card shows P(alive) and CLV from the model module. Screenshots in
//! target/e2e/.

use std::time::{Duration, Instant};

use fantoccini::Client;
use huike_core::client::driver;
use huike_core::codec::snapshot::{Level, SnapshotWriter};
use huike_core::domain::{Customer, Entry, Role};
use huike_core::insights::Insights;
use huike_core::search;
use huike_core::sync::{Cursor, MAX_BODY_BYTES};
use huike_core::synth::Params;
use huike_tests::api::{Api, Device};
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::proxy::{Fault, Proxy, Route, describe};
use huike_tests::steps::{self, EN};
use huike_tests::{app_url, worker_url};
use reqwest::StatusCode;
use serde_json::json;

const CUSTOMERS: usize = 300;
const SALES: usize = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_joining_a_shop_of_300_customers_starts_from_its_snapshot() {
    run_sessions(
        &[Screen::phone("phone")],
        Duration::from_secs(900),
        |clients| async move { scenario(&clients[0]).await },
    )
    .await;
}

/// "300 customers", "1 customer", as the list's count line says it in English.
fn count_line(n: usize) -> String {
    if n == 1 {
        "1 customer".to_owned()
    } else {
        format!("{n} customers")
    }
}

/// What the card's history shows in its amount column, as core orders it.
fn amounts(timeline: &[(huike_core::id::Id, Entry)]) -> Vec<String> {
    timeline
        .iter()
        .map(|(_, e)| match e {
            Entry::Purchase(p) => format!("¥{}", p.total),
            _ => String::new(),
        })
        .collect()
}

async fn scenario(client: &Client) {
    let (app, worker) = (app_url(), worker_url());
    let upstream = worker.trim_start_matches("http://").to_owned();
    let phone_net = Proxy::start(&upstream).await.expect("proxy");
    let phone = Page {
        client,
        name: "phone",
    };
    let long = Duration::from_secs(120);

    // The shop, pushed by its owner device through the API.
    let api = Api::new();
    let owner = api.create_shop("好孩子母婴店（300 位顾客）").await;
    let owner_device = Device::new(&api, &owner);
    let started = Instant::now();
    let ops = Params::new(7, CUSTOMERS, SALES).ops();
    let op_count = ops.len();
    let replica = owner_device.push_ops(ops).await;
    let last_seq = replica.sync().next_seq - 1;
    eprintln!(
        "seeded {op_count} ops in {last_seq} batches in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let book = replica.book();
    let insights = Insights::read(book);
    assert_eq!(
        insights.roster().len(),
        CUSTOMERS,
        "every synthetic customer is listed"
    );

    // The owner's snapshot of the book, uploaded as the app does.
    let parts = SnapshotWriter::write_all(book, Level::Small, MAX_BODY_BYTES - 4096);
    let cursor = Cursor::from([(owner.device_id.clone(), last_seq)]);
    driver::upload_snapshot(&owner_device, "seed-7-300", &parts, cursor)
        .await
        .unwrap_or_else(|e| panic!("uploading the snapshot: {e}"));
    // The worker (RETENTION_DAYS=0 under `cargo xtask test`) compacts the batches it covers:
    // another device's pull from nothing is then told to start from the snapshot (a pull
    // never returns the caller's own stream, so the owner cannot see this).
    let probe = api.add_clerk(&owner.token, "probe").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = api.pull_raw(&probe.token, json!({})).await.status();
        if status == StatusCode::CONFLICT {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the batches the snapshot covers were never compacted (a pull from nothing answers {status})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // A clerk's phone joins and starts from the snapshot.
    let code = api.invite(&owner.token, Role::Clerk).await.code;
    // The snapshot's first part is held back a few seconds, so the list is on screen, empty,
    // when the snapshot arrives: it must fill in by itself (it once stayed at "0 customers"
    // until the next change).
    let snapshot_parts = Route {
        method: "GET",
        path_prefix: "/v1/snapshots/",
    };
    phone_net.inject(Fault::Delay(Duration::from_secs(6)), snapshot_parts, 1);
    let joined = Instant::now();
    steps::join(&phone, EN, &app, &phone_net.url(), &code, "小周").await;
    phone.follow(EN.customers).await;
    phone.sees_at(steps::COUNT, &count_line(0)).await;
    phone
        .sees_at_within(steps::COUNT, &count_line(CUSTOMERS), long)
        .await;
    eprintln!(
        "the phone listed {CUSTOMERS} customers {:.1} s after Join",
        joined.elapsed().as_secs_f64()
    );
    phone.screenshot("new-device-01-list").await;
    let seen = phone_net.seen();
    for n in 0..parts.len() {
        let path = format!("/v1/snapshots/seed-7-300/parts/{n}");
        assert!(
            seen.iter()
                .any(|s| s.method == "GET" && s.path == path && s.answered == Some(200)),
            "the phone downloaded snapshot part {n}:\n{}",
            describe(&seen)
        );
    }
    steps::sync_clean(&phone, EN, long).await;

    // Search by pinyin initials: a customer whose initials find them first, and only through
    // their name (their WeChat id, tags and phone do not contain the letters).
    let roster = insights.roster();
    let (target, initials, total) = (0..roster.len())
        .filter_map(|i| roster.at(i))
        .filter_map(|row| {
            let q = search::initials(&row.name);
            let customer: Customer = book.get(&row.id)?;
            let elsewhere = search::fold(&customer.wechat).contains(&q)
                || customer.tags.iter().any(|t| search::fold(t).contains(&q));
            let found = insights.search(&q, 5);
            let history = insights.timeline(book, &row.id);
            let bought = history
                .iter()
                .filter(|(_, e)| matches!(e, Entry::Purchase(_)))
                .count();
            (q.len() >= 2
                && !elsewhere
                && found.hits.first().is_some_and(|h| h.id == row.id)
                && bought >= 3)
                .then_some((row.clone(), q, found.total))
        })
        .min_by_key(|(_, _, total)| *total)
        .expect("a customer with purchases whom their initials find first");
    phone.follow(EN.customers).await;
    phone.fill("", EN.search, &initials).await;
    phone.sees_at(steps::COUNT, &count_line(total)).await;
    phone.sees_at(steps::FIRST_ROW_NAME, &target.name).await;
    phone.screenshot("new-device-02-search-initials").await;

    // Their card shows their history, as core has it.
    let first = phone
        .wait_for(&format!("({})[1]", steps::row(&target.name)))
        .await;
    phone.tap(first, &target.name).await;
    phone.sees_at(steps::CUSTOMER_NAME, &target.name).await;
    let expected = amounts(&insights.timeline(book, &target.id));
    phone
        .sees_at(&format!("({})[1]", steps::ENTRY_AMOUNTS), &expected[0])
        .await;
    assert_eq!(
        phone.texts(steps::ENTRY_AMOUNTS).await,
        expected,
        "{}'s history on the phone",
        target.name
    );
    phone.scroll_to(steps::ENTRIES).await;
    phone.screenshot("new-device-03-card-history").await;

    // Cold start with the sync server out of reach: the book comes from the device.
    phone_net.set_online(false);
    phone.client.refresh().await.expect("reload");
    phone.sees_at(steps::CUSTOMER_NAME, &target.name).await;
    phone
        .sees_at(&format!("({})[1]", steps::ENTRY_AMOUNTS), &expected[0])
        .await;
    assert_eq!(phone.texts(steps::ENTRY_AMOUNTS).await, expected);
    phone.follow(EN.customers).await;
    phone.sees_at(steps::COUNT, &count_line(CUSTOMERS)).await;
    phone.wait_for(steps::FIRST_ROW_NAME).await;
    phone.screenshot("new-device-04-cold-start-offline").await;
    phone_net.set_online(true);

    // Today is a day's work (SPEC §2): as of today the shop has far more follow-ups than a
    // day holds; the phone lists at most the daily capacity, counted by reason, and says how
    // many wait for the next days.
    phone.follow(EN.today).await;
    phone.wait_for(FOLLOW_UP_NAMES).await;
    let listed = phone.texts(FOLLOW_UP_NAMES).await;
    assert!(
        !listed.is_empty() && listed.len() <= DAILY_CAPACITY,
        "a day's work, not the backlog: {} items",
        listed.len()
    );
    phone
        .wait_for("//p[contains(@class,'more')][contains(normalize-space(),'more wait for the next days')]")
        .await;
    let kinds = phone.texts("//ul[contains(@class,'kinds')]/li").await;
    assert!(!kinds.is_empty(), "the list is counted by reason");
    phone.screenshot("new-device-05-today-a-days-work").await;
    // An item opens its compose sheet; the card is one tap further.
    let first = phone
        .wait_for("(//a[contains(@class,'follow-up-link')])[1]")
        .await;
    phone.tap(first, &listed[0]).await;
    phone
        .wait_for("//button[normalize-space()='Copy message']")
        .await;
    phone.screenshot("new-device-06-today-compose").await;
    phone.follow("Open card").await;
    phone.sees_at(steps::CUSTOMER_NAME, &listed[0]).await;
    // A buyer's card shows the model's figures (the model module loads after the first
    // screen): the probability they are still a customer, and their 12-month value.
    phone
        .client
        .goto(&format!("{app}/customers/{}", target.id))
        .await
        .expect("open the card");
    phone
        .wait_for_within(
            "//dd[contains(@class,'p-alive')][contains(normalize-space(),'%')]",
            long,
        )
        .await;
    phone
        .wait_for("//dd[contains(@class,'clv')][starts-with(normalize-space(),'¥')]")
        .await;
    phone.screenshot("new-device-07-card-p-alive-clv").await;
}

/// The names on Today's list.
const FOLLOW_UP_NAMES: &str =
    "//a[contains(@class,'follow-up-link')]//span[contains(@class,'row-name')]";

/// The shop's daily capacity per staff member (the default rule).
const DAILY_CAPACITY: usize = 30;
