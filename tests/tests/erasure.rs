//! Erasure (docs/sync.md): a customer may ask the shop to delete their data. The
//! owner's tablet (1280×800, 简体中文) deletes 赵六 with **删除顾客**, ticking "同时清除此顾客的
//! 个人信息…", and **确认删除**; after syncing, a clerk's phone (360×740, English) that found 赵六
//! by name, pinyin initials and phone digits before finds nothing of them any more — not in
//! search, not on their card's address — while another customer is still found. The book the
//! server hands a new device no longer has them either (that the server's stored batches and
//! snapshots lose the phone number after compaction is covered by core's tests).
//! Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_core::domain::Customer;
use huike_core::id::Id;
use huike_core::op::RecordKind;
use huike_tests::api::{Api, Device};
use huike_tests::browser::{Page, Screen, run_sessions};

use huike_tests::steps::{self, EN, TwoDevices, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_customer_disappears_from_every_device() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

const NO_MATCH_EN: &str = "No matching customers";
const NO_MATCH_ZH: &str = "没有找到匹配的顾客";

/// Searches the Customers tab for `query`.
async fn search(page: &Page<'_>, customers: &str, label: &str, query: &str) {
    page.follow(customers).await;
    page.fill("", label, query).await;
}

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let devices = TwoDevices::start(tablet_client, phone_client).await;
    let (tablet, phone) = (&devices.tablet, &devices.phone);
    let long = Duration::from_secs(60);

    let api = Api::new();
    let shop = steps::new_shop(&api, "清除测试母婴店").await;
    devices.join_tablet(&shop).await;
    devices.join_phone(&shop).await;

    // The owner records 赵六 (with a note) and 钱七; the phone gets both.
    steps::add_customer(tablet, ZH, "钱七", "136 8765 4321").await;
    steps::add_customer(tablet, ZH, "赵六", "137 1234 5678").await;
    tablet.click(ZH.edit).await;
    tablet.fill(ZH.save, ZH.notes, "对花生过敏").await;
    tablet.click(ZH.save).await;
    tablet.sees_at(steps::NOTES, "对花生过敏").await;
    let card = tablet
        .client
        .current_url()
        .await
        .expect("the card's address");
    let id = card
        .path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|s| Id::parse(s).ok())
        .unwrap_or_else(|| panic!("a customer id at the end of {card}"));
    steps::sync_clean(tablet, ZH, long).await;
    steps::sync_clean(phone, EN, long).await;
    for query in ["赵六", "zl", "5678"] {
        search(phone, EN.customers, EN.search, query).await;
        phone.sees_at(steps::FIRST_ROW_NAME, "赵六").await;
    }
    let row = phone.wait_for(&steps::row("赵六")).await;
    phone.tap(row, "赵六").await;
    phone.sees_at(steps::NOTES, "对花生过敏").await;
    let phone_card = phone
        .client
        .current_url()
        .await
        .expect("the card's address");
    phone.screenshot("erasure-01-phone-finds-zhaoliu").await;

    // The owner deletes 赵六, erasing their personal data.
    steps::open_customer(tablet, ZH, "赵六").await;
    tablet.click("删除顾客").await;
    let erase = tablet
        .wait_for("//label[.//span[starts-with(normalize-space(),'同时清除此顾客的个人信息')]]//input[@type='checkbox']")
        .await;
    tablet.tap(erase, "同时清除此顾客的个人信息").await;
    tablet.screenshot("erasure-02-tablet-confirm").await;
    tablet.click("确认删除").await;
    search(tablet, ZH.customers, ZH.search, "赵六").await;
    tablet.sees(NO_MATCH_ZH).await;
    tablet.screenshot("erasure-03-tablet-deleted").await;
    steps::sync_clean(tablet, ZH, long).await;

    // After its next sync the phone has nothing of 赵六 left.
    steps::sync_clean(phone, EN, long).await;
    for query in ["赵六", "zl", "5678", "13712345678"] {
        search(phone, EN.customers, EN.search, query).await;
        phone.sees(NO_MATCH_EN).await;
        phone.gone(&steps::row("赵六")).await;
    }
    search(phone, EN.customers, EN.search, "qq").await;
    phone.sees_at(steps::FIRST_ROW_NAME, "钱七").await;
    phone.screenshot("erasure-04-phone-search-after").await;
    phone
        .client
        .goto(phone_card.as_str())
        .await
        .expect("open the erased customer's address");
    phone.sees("Page not found").await;
    let body = phone.client.source().await.expect("the page's source");
    for trace in ["赵六", "13712345678", "对花生过敏"] {
        assert!(
            !body.contains(trace),
            "the phone still shows {trace} on the erased customer's address"
        );
    }
    phone.screenshot("erasure-05-phone-card-gone").await;

    // The book the server hands a new device.
    let book = Device::new(&api, &shop.owner).contents().await.book();
    assert!(
        book.get::<Customer>(&id).is_none(),
        "the server's book still has the erased customer"
    );
    let left: Vec<Customer> = book
        .records(RecordKind::Customer)
        .filter_map(|(id, _)| book.get::<Customer>(id))
        .collect();
    assert!(
        left.iter()
            .all(|c| c.name != "赵六" && !c.phones.iter().any(|p| p.contains("12345678"))),
        "the server's book still has 赵六's data: {left:?}"
    );
    assert!(left.iter().any(|c| c.name == "钱七"), "钱七 is kept");
}
