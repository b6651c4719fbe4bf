//! A revoked device (docs/sync.md): the owner's tablet (1280×800, 简体中文) removes a clerk's
//! phone from the shop (Settings → **撤销**). The phone (360×740, English) does not know yet and
//! adds a customer; its next **Sync now** says plainly that the device was removed and how
//! many changes made here never reached the shop — and not that the server cannot be reached
//! (which would promise they sync later); it stops syncing by itself. What the phone sent
//! before the revocation stays in the shop; what it made after never arrives.
//! Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Screen, run_sessions};
use huike_tests::proxy::{Route, describe};
use huike_tests::steps::{self, EN, TwoDevices, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_phone_says_it_was_removed_and_what_never_reached_the_shop() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

/// The phone's row in the owner's device list.
const PHONE_ROW: &str = "//li[contains(@class,'device')][.//span[contains(@class,'device-name')][normalize-space()='小李']]";

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let devices = TwoDevices::start(tablet_client, phone_client).await;
    let (tablet, phone) = (&devices.tablet, &devices.phone);
    let phone_net = &devices.phone_net;
    let long = Duration::from_secs(60);

    let api = Api::new();
    let shop = steps::new_shop(&api, "撤销测试母婴店").await;
    devices.join_tablet(&shop).await;
    devices.join_phone(&shop).await;

    // The clerk adds 孙八, which reaches the shop.
    steps::add_customer(phone, EN, "孙八", "135 0000 1111").await;
    steps::sync_clean(phone, EN, long).await;

    // The owner revokes the phone.
    steps::sync_clean(tablet, ZH, long).await;
    let revoke = tablet
        .wait_for(&format!("{PHONE_ROW}//button[normalize-space()='撤销']"))
        .await;
    tablet.tap(revoke, "撤销").await;
    tablet
        .wait_for(&format!("{PHONE_ROW}//span[normalize-space()='已撤销']"))
        .await;
    tablet.screenshot("revoked-01-tablet-revokes").await;

    // The phone, unaware, adds 周九; its next sync is refused for good.
    steps::add_customer(phone, EN, "周九", "135 0000 2222").await;
    phone.follow(EN.settings).await;
    let pending: usize = phone
        .text_at(steps::PENDING)
        .await
        .trim()
        .parse()
        .expect("a number of pending changes");
    assert!(pending > 0, "adding 周九 waits to be sent");
    steps::sync_now(phone, EN, long).await;
    let changes = if pending == 1 {
        "1 change".to_owned()
    } else {
        format!("{pending} changes")
    };
    phone
        .sees_at(
            steps::LAST_ERROR,
            &format!(
                "This device was removed from the shop by its owner and will not sync again. {changes} made here never reached the shop."
            ),
        )
        .await;
    phone
        .sees_at(steps::SYNC_STATUS, "Sync stopped (see the last error)")
        .await;
    phone.sees_at(steps::PENDING, &pending.to_string()).await;
    let text = phone.text_at("//body").await;
    assert!(
        !text.contains("Cannot reach the sync server"),
        "the phone also says the server cannot be reached: {text}"
    );
    phone.screenshot("revoked-02-phone-removed").await;
    let seen = phone_net.seen();
    assert!(
        seen.iter()
            .any(|s| s.is(Route::PUSH) && s.answered == Some(401)),
        "the push after the revocation was refused:\n{}",
        describe(&seen)
    );

    // The owner's book has 孙八, never 周九.
    steps::sync_clean(tablet, ZH, long).await;
    steps::open_customer(tablet, ZH, "孙八").await;
    tablet.follow(ZH.customers).await;
    tablet.fill("", ZH.search, "周九").await;
    tablet.sees("没有找到匹配的顾客").await;
    tablet
        .screenshot("revoked-03-tablet-never-got-zhoujiu")
        .await;
}
