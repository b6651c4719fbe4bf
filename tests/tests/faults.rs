//! Faults end to end (docs/sync.md): the app's real sync client, in a clerk's
//! phone (360×740, English), against the real worker through a proxy that fails requests
//! (503), holds them past the app's timeout, and loses answers after the worker stored what
//! was sent. The clerk records purchases (**Record purchase**, **Amount**) and edits notes
//! while the network misbehaves; then it heals. The owner's tablet (1280×800, 简体中文) and
//! the server (every batch pulled through the API and decoded) must hold every purchase
//! exactly once — no loss, no duplicate — with nothing pending anywhere.
//!
//! A purchase stands in for a points redemption replayed after a lost response (docs/sync.md): both
//! are appends made with one id per form, and what must hold is the same — a push replayed
//! after its answer was lost, or arriving late after the app gave up on it, counts once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use fantoccini::Client;
use huike_core::domain::Entry;
use huike_tests::api::{Api, Device};
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::proxy::{Fault, Proxy, Route, Seen, describe};
use huike_tests::steps::{self, EN, TwoDevices, Words, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchases_made_while_the_network_fails_arrive_exactly_once() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(900),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

/// How long the app may take to get through a fault by itself (its backoff is up to 2, 4,
/// 8 s… with jitter, on a slow shared machine).
const RECOVERY: Duration = Duration::from_secs(120);

/// Waits until the phone's sync has got through: every fault spent, then a sync that
/// succeeded (the last error is only cleared by one), nothing pending.
async fn recovered(phone: &Page<'_>, net: &Proxy, w: Words) {
    net.wait_until("every fault spent", RECOVERY, |_| net.faults_spent())
        .await;
    phone.follow(w.settings).await;
    phone.gone_within(steps::LAST_ERROR, RECOVERY).await;
    phone.sees_at_within(steps::PENDING, "0", RECOVERY).await;
}

/// What the worker and the client were told for one request (`None`: nothing).
type Answers = (Option<u16>, Option<u16>);

/// Every push, by path (one path per batch `seq`), with the worker's answers in order.
fn pushes(seen: &[Seen]) -> BTreeMap<String, Vec<Answers>> {
    let mut by_path: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.is(Route::PUSH)) {
        by_path
            .entry(s.path.clone())
            .or_default()
            .push((s.upstream, s.answered));
    }
    by_path
}

/// The amounts in the open card's history, sorted.
async fn amounts(page: &Page<'_>) -> Vec<String> {
    let mut got = page.texts(steps::ENTRY_AMOUNTS).await;
    got.sort();
    got
}

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let devices = TwoDevices::start(tablet_client, phone_client).await;
    let (tablet, phone) = (&devices.tablet, &devices.phone);
    let phone_net = &devices.phone_net;
    let long = Duration::from_secs(60);

    // The shop: the owner's tablet and a clerk's phone join it; the owner adds two customers.
    let api = Api::new();
    let shop = steps::new_shop(&api, "故障测试母婴店").await;
    devices.join_tablet(&shop).await;
    steps::add_customer(tablet, ZH, "张三", "138 0013 8000").await;
    steps::add_customer(tablet, ZH, "李四", "139 0013 9000").await;
    steps::sync_clean(tablet, ZH, long).await;
    devices.join_phone(&shop).await;
    steps::sync_clean(phone, EN, long).await;
    steps::open_customer(phone, EN, "李四").await;
    phone.screenshot("faults-01-phone-joined").await;

    // 1. The server fails (503) three requests in a row: the clerk records a purchase and edits
    //    张三's notes; Sync now shows why it did not go through, then the app retries by itself.
    phone_net.inject(Fault::Fail, Route::ANY, 3);
    steps::open_customer(phone, EN, "张三").await;
    steps::record_purchase(phone, EN, "101", "¥101.00").await;
    phone.click(EN.edit).await;
    phone.fill(EN.save, EN.notes, "网络出错时记的备注").await;
    phone.click(EN.save).await;
    phone.sees_at(steps::NOTES, "网络出错时记的备注").await;
    phone.follow(EN.settings).await;
    assert_ne!(phone.text_at(steps::PENDING).await.trim(), "0");
    phone.click(EN.sync_now).await;
    let error = phone.wait_for_text(steps::LAST_ERROR).await;
    assert!(
        error.starts_with("Cannot reach the sync server (503 unavailable")
            && error.contains("Changes are kept on this device"),
        "the 503 is explained: {error:?}"
    );
    phone.screenshot("faults-02-phone-503").await;
    recovered(phone, phone_net, EN).await;
    phone.screenshot("faults-03-phone-recovered-from-503").await;
    let seen = phone_net.seen();
    assert_eq!(
        seen.iter()
            .filter(|s| s.fault == Some(Fault::Fail) && s.answered == Some(503))
            .count(),
        3,
        "three requests failed:\n{}",
        describe(&seen)
    );

    // 2. Answers are lost after the worker stored the push (twice) and after a pull: the app
    //    cannot know the push arrived, sends the same batch again, and it counts once.
    let before = phone_net.seen().len();
    phone_net.inject(Fault::DropResponse, Route::PUSH, 2);
    phone_net.inject(Fault::DropResponse, Route::PULL, 1);
    steps::open_customer(phone, EN, "李四").await;
    steps::record_purchase(phone, EN, "102", "¥102.00").await;
    phone.follow(EN.settings).await;
    phone.click(EN.sync_now).await;
    recovered(phone, phone_net, EN).await;
    let seen = phone_net.seen();
    let dropped: Vec<&Seen> = seen[before..]
        .iter()
        .filter(|s| s.fault == Some(Fault::DropResponse) && s.is(Route::PUSH))
        .collect();
    assert_eq!(dropped.len(), 2, "{}", describe(&seen));
    assert_eq!(
        (dropped[0].upstream, dropped[0].answered),
        (Some(201), None),
        "the first push was stored, its answer lost:\n{}",
        describe(&seen)
    );
    assert!(
        dropped.iter().all(|s| s.path == dropped[0].path),
        "the app sent the same batch again:\n{}",
        describe(&seen)
    );
    assert!(
        seen[before..].iter().any(|s| s.path == dropped[0].path
            && s.upstream == Some(200)
            && s.answered == Some(200)),
        "a resend was acknowledged as already stored:\n{}",
        describe(&seen)
    );
    phone
        .screenshot("faults-04-phone-recovered-from-lost-answers")
        .await;

    // 3. A push is held past the app's 20 s timeout: the app gives up on it and sends the batch
    //    again; meanwhile the clerk records another purchase and edits 李四; the held push
    //    reaches the worker late and changes nothing.
    let before = phone_net.seen().len();
    phone_net.inject(Fault::Delay(Duration::from_secs(25)), Route::PUSH, 1);
    steps::open_customer(phone, EN, "张三").await;
    steps::record_purchase(phone, EN, "103", "¥103.00").await;
    phone.follow(EN.settings).await;
    phone.click(EN.sync_now).await;
    steps::open_customer(phone, EN, "李四").await;
    steps::record_purchase(phone, EN, "104", "¥104.00").await;
    phone.click(EN.edit).await;
    phone.fill(EN.save, EN.notes, "慢网时记的备注").await;
    phone.click(EN.save).await;
    phone.sees_at(steps::NOTES, "慢网时记的备注").await;
    phone.screenshot("faults-05-phone-records-while-held").await;
    let seen = phone_net
        .wait_until("the held push answered by the worker", RECOVERY, |seen| {
            seen[before..]
                .iter()
                .any(|s| matches!(s.fault, Some(Fault::Delay(_))) && s.upstream.is_some())
        })
        .await;
    let held = seen[before..]
        .iter()
        .find(|s| matches!(s.fault, Some(Fault::Delay(_))))
        .expect("the held push");
    assert!(
        matches!(held.upstream, Some(200 | 201)),
        "the late push was accepted as the same batch, not refused:\n{}",
        describe(&seen)
    );

    // 4. The network is good again: everything goes out, and the tablet gets it.
    phone_net.heal();
    steps::sync_clean(phone, EN, RECOVERY).await;
    phone.screenshot("faults-06-phone-all-sent").await;
    let seen = phone_net.seen();
    eprintln!("the phone's requests:\n{}", describe(&seen));
    for (path, answers) in pushes(&seen) {
        let stored = answers.iter().filter(|(up, _)| *up == Some(201)).count();
        assert_eq!(
            stored,
            1,
            "{path} was stored exactly once:\n{}",
            describe(&seen)
        );
        assert!(
            answers
                .iter()
                .all(|(up, _)| matches!(up, None | Some(200 | 201))),
            "{path}: no push was refused:\n{}",
            describe(&seen)
        );
    }

    steps::sync_clean(tablet, ZH, long).await;
    steps::open_customer(tablet, ZH, "张三").await;
    tablet.sees_at(steps::NOTES, "网络出错时记的备注").await;
    tablet
        .wait_for("//span[contains(@class,'entry-amount')][normalize-space()='¥103.00']")
        .await;
    assert_eq!(
        amounts(tablet).await,
        ["¥101.00", "¥103.00"],
        "张三's purchases on the tablet"
    );
    tablet.screenshot("faults-07-tablet-zhangsan").await;
    steps::open_customer(tablet, ZH, "李四").await;
    tablet.sees_at(steps::NOTES, "慢网时记的备注").await;
    tablet
        .wait_for("//span[contains(@class,'entry-amount')][normalize-space()='¥104.00']")
        .await;
    assert_eq!(
        amounts(tablet).await,
        ["¥102.00", "¥104.00"],
        "李四's purchases on the tablet"
    );
    tablet.screenshot("faults-08-tablet-lisi").await;
    steps::open_customer(phone, EN, "张三").await;
    assert_eq!(
        amounts(phone).await,
        ["¥101.00", "¥103.00"],
        "张三's purchases on the phone"
    );

    // The server: every batch decoded, each purchase sent exactly once.
    let contents = Device::new(&api, &shop.owner).contents().await;
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    let mut totals = Vec::new();
    for (_, id, entry) in contents.appended() {
        if let Some(Entry::Purchase(p)) = entry {
            *sent.entry(id.to_string()).or_default() += 1;
            totals.push(p.total.minor());
        }
    }
    assert!(
        sent.values().all(|n| *n == 1),
        "a purchase was sent twice: {sent:?}"
    );
    let in_snapshot: BTreeSet<String> = contents
        .snapshot
        .iter()
        .flat_map(|(_, book)| book.decoded_entries())
        .filter(|(_, e)| matches!(e, Entry::Purchase(_)))
        .map(|(id, _)| id.to_string())
        .collect();
    assert!(
        in_snapshot.iter().all(|id| !sent.contains_key(id)),
        "a purchase is both in the snapshot and in a later batch"
    );
    totals.sort();
    assert_eq!(
        totals,
        [10_100, 10_200, 10_300, 10_400],
        "the four purchases, each once (none was in the owner's snapshot: {in_snapshot:?})"
    );
    let book = contents.book();
    assert_eq!(
        book.decoded_entries()
            .filter(|(_, e)| matches!(e, Entry::Purchase(_)))
            .count(),
        4,
        "the shop's book holds four purchases"
    );
}
