//! The clerk's phone (issue: "the clerk's phone, complete"), as a clerk at the counter uses it:
//! a complaint opened on a customer's card is first on Today — on the phone and, once synced,
//! on the owner's tablet — with the minutes left of the one-hour response target; **Respond**
//! and **Resolve** record their times, which the card then shows. The phone (360×740) is in
//! English, the tablet (1280×800) in 简体中文. Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Screen, run_sessions};
use huike_tests::steps::{self, EN, TwoDevices, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_is_first_on_every_today_until_answered_and_its_times_are_kept() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

/// Today: the first item's customer name.
const FIRST_ITEM_NAME: &str =
    "(//li[contains(@class,'follow-up')])[1]//span[contains(@class,'row-name')]";
/// Today: the first item's response countdown.
const FIRST_ITEM_REPLY: &str =
    "(//li[contains(@class,'follow-up')])[1]//span[contains(@class,'reply-within')]";
/// A customer card: the complaints' rows.
const COMPLAINT: &str = "//li[contains(@class,'complaint')]";

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let devices = TwoDevices::start(tablet_client, phone_client).await;
    let (tablet, phone) = (&devices.tablet, &devices.phone);
    let long = Duration::from_secs(60);

    let api = Api::new();
    let shop = steps::new_shop(&api, "投诉测试母婴店").await;
    devices.join_tablet(&shop).await;
    devices.join_phone(&shop).await;

    // Two customers, so "first on Today" means something.
    steps::add_customer(phone, EN, "钱七", "139 0000 7777").await;
    steps::add_customer(phone, EN, "赵敏", "138 0013 8000").await;

    // The clerk opens a complaint on 赵敏's card; it is refused without a description.
    phone.click("Open complaint").await;
    phone.click(EN.save).await;
    phone
        .sees_at(
            "//form[contains(@class,'complaint-form')]//p[@role='alert']",
            "Say what the customer complained about.",
        )
        .await;
    phone
        .fill(EN.save, "What happened", "奶粉罐有凹陷，要求换货")
        .await;
    phone.click(EN.save).await;
    phone
        .sees_at(&format!("{COMPLAINT}//p[2]"), "奶粉罐有凹陷，要求换货")
        .await;
    phone
        .wait_for(&format!(
            "{COMPLAINT}//p[1][starts-with(normalize-space(),'Moderate · ')][contains(.,'awaiting a reply')]"
        ))
        .await;
    phone.screenshot("clerk-01-complaint-opened").await;

    // First on the phone's Today, with the minutes left to reply.
    phone.follow(EN.today).await;
    phone.sees_at(FIRST_ITEM_NAME, "赵敏").await;
    let left = phone.wait_for_text(FIRST_ITEM_REPLY).await;
    assert!(
        left.ends_with("min left to reply"),
        "the phone's first item says {left:?}"
    );
    let minutes: i64 = left
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no minutes in {left:?}"));
    assert!(
        (55..=60).contains(&minutes),
        "a complaint opened a moment ago has about an hour left, not {minutes} min"
    );
    phone.screenshot("clerk-02-complaint-first-on-today").await;

    // …and first on the owner's tablet once both have synced.
    steps::sync_clean(phone, EN, long).await;
    steps::sync_clean(tablet, ZH, long).await;
    tablet.follow(ZH.today).await;
    tablet.sees_at(FIRST_ITEM_NAME, "赵敏").await;
    let left = tablet.wait_for_text(FIRST_ITEM_REPLY).await;
    assert!(
        left.contains("分钟内回应"),
        "the tablet's first item says {left:?}"
    );
    tablet.screenshot("clerk-03-complaint-on-tablet").await;

    // The clerk responds: the complaint leaves Today's top as awaiting a reply…
    steps::open_customer(phone, EN, "赵敏").await;
    phone.click("Respond").await;
    phone
        .wait_for(&format!(
            "{COMPLAINT}//p[1][contains(normalize-space(),' · replied')]"
        ))
        .await;
    phone
        .sees_at(&format!("{COMPLAINT}//p[3]"), "replied after 0 min")
        .await;
    // …and is resolved with a compensation; a resolution is required.
    phone.click("Resolve").await;
    let resolve_form = "//li[contains(@class,'complaint')]//form";
    phone
        .fill("Resolve", "Resolution", "换了一罐新的，送试用装")
        .await;
    phone.fill("Resolve", "Compensation", "20").await;
    let submit = phone
        .wait_for(&format!(
            "{resolve_form}//button[normalize-space()='Resolve']"
        ))
        .await;
    phone.tap(submit, "Resolve (submit)").await;
    phone
        .wait_for(&format!(
            "{COMPLAINT}//p[1][contains(normalize-space(),' · resolved')]"
        ))
        .await;
    phone
        .sees_at(
            &format!("{COMPLAINT}//p[3]"),
            "replied after 0 min · resolved after 0 min",
        )
        .await;
    phone.gone(&format!("{COMPLAINT}//button")).await;
    phone.screenshot("clerk-04-complaint-resolved").await;

    // A resolved complaint is no longer on Today.
    phone.follow(EN.today).await;
    phone
        .gone("//li[contains(@class,'follow-up')][.//span[contains(@class,'row-name')][normalize-space()='赵敏']]")
        .await;
}
