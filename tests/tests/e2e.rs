//! End to end, in two headless Chromium sessions against the real worker (`wrangler dev`):
//! an owner's tablet (1280×800, 简体中文) creates the shop and invites a clerk; the clerk's phone
//! (360×740, English) joins, adds 张三 while its network to the worker is cut, syncs once it is
//! back, and the tablet sees 张三. Then both edit different fields of 张三 offline, and after
//! syncing both edits are on both devices. The clerk records a purchase on 张三's card (a bad
//! amount is refused first), a visit without a purchase and a contact promising a call back
//! today; he sees them in his history and 张三 on Today for the follow-up. The owner adds a
//! customer whose birthday is near and finds her on Today with that reason, opens her composed
//! birthday message and logs the contact, which clears Today; search finds customers by pinyin
//! initials and phone digits. Finally the phone reopens the app with no network at all
//! (service worker). Screenshots of every step go to target/e2e/.

use fantoccini::Client;
use huike_tests::app_url;
use huike_tests::browser::{Page, Screen, run_sessions, set_offline};
use huike_tests::steps::TwoDevices;
use std::time::Duration;

const ROW_ZHANGSAN: &str = "//a[contains(@class,'row-link')][.//span[normalize-space()='张三']]";
const FIRST_ROW_NAME: &str =
    "(//a[contains(@class,'row-link')]//span[contains(@class,'row-name')])[1]";
const LATEST_AMOUNT: &str =
    "(//li[contains(@class,'entry')])[1]//span[contains(@class,'entry-amount')]";
const PENDING: &str = "//dd[contains(@class,'pending-count')]";
const CUSTOMER_NAME: &str = "//h2[contains(@class,'customer-name')]";
const PHONE: &str = "//dd[contains(@class,'phone')]";
const NOTES: &str = "//p[contains(@class,'notes')]";

fn fact(label: &str) -> String {
    format!("//dt[normalize-space()='{label}']/following-sibling::dd[1]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_added_offline_on_a_phone_reaches_the_tablet_and_concurrent_edits_merge() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(900),
        |clients| async move { scenario(&clients[0], &clients[1], &app_url()).await },
    )
    .await;
}

async fn open_zhangsan(page: &Page<'_>, tab: &str) {
    page.follow(tab).await;
    let row = page.wait_for(ROW_ZHANGSAN).await;
    page.tap(row, "张三").await;
    page.sees_at(CUSTOMER_NAME, "张三").await;
}

async fn scenario(tablet_client: &Client, phone_client: &Client, app: &str) {
    let devices = TwoDevices::start(tablet_client, phone_client).await;
    let (tablet, phone) = (&devices.tablet, &devices.phone);
    let (tablet_net, phone_net) = (&devices.tablet_net, &devices.phone_net);

    // The owner's first visit, with a bare address as a shop owner would open it: the app
    // starts (its sync server from the build's config.json) and offers to create a shop.
    tablet.open(app).await;
    tablet.button("创建店铺").await;
    tablet.screenshot("00-first-visit").await;

    // The owner creates the shop on the tablet (default language: 简体中文), syncing through
    // a proxy the test can cut.
    tablet
        .open(&format!("{app}/?server={}", tablet_net.url()))
        .await;
    tablet.fill("创建店铺", "店铺名称", "好孩子母婴店").await;
    tablet.fill("创建店铺", "你的名字", "王店长").await;
    tablet.screenshot("01-welcome").await;
    tablet.click("创建店铺").await;
    tablet.link("今日").await;
    tablet.screenshot("02-shop-created").await;

    // …and invites a clerk.
    tablet.follow("设置").await;
    tablet.click("邀请设备").await;
    let code = tablet.wait_for_text("//p[contains(@class,'code')]").await;
    assert!(
        huike_core::auth::parse_invite_code(&code).is_ok(),
        "an invite code is shown: {code:?}"
    );
    tablet.screenshot("03-invite").await;

    // The clerk joins on the phone, in English.
    phone
        .open(&format!("{app}/?lang=en&server={}", phone_net.url()))
        .await;
    phone.fill("Join shop", "Invite code", &code).await;
    phone.fill("Join shop", "Your name", "小李").await;
    phone.screenshot("04-join").await;
    phone.click("Join shop").await;
    phone.link("Today").await;
    phone.follow("Settings").await;
    phone.sees_at(PENDING, "0").await;
    phone.screenshot("05-joined").await;

    // The network to the worker goes down; the clerk adds 张三 anyway.
    phone_net.set_online(false);
    phone.follow("Customers").await;
    phone.follow("Add customer").await;
    phone.fill("Save", "Name", "张三").await;
    phone.fill("Save", "Phone", "138 0013 8000").await;
    phone.screenshot("06-add-offline").await;
    phone.click("Save").await;
    phone
        .sees_at("//*[@role='status'][contains(@class,'ok')]", "Saved")
        .await;
    phone.sees_at(CUSTOMER_NAME, "张三").await;
    phone.sees_at(PHONE, "13800138000").await;
    phone.screenshot("07-saved-offline").await;

    // Saved means saved: a reload (still offline) shows 张三 from the device's database.
    phone.client.refresh().await.expect("reload");
    phone.sees_at(CUSTOMER_NAME, "张三").await;
    phone.follow("Settings").await;
    let pending = phone.text_at(PENDING).await;
    assert_ne!(
        pending.trim(),
        "0",
        "the offline change waits in the outbox"
    );
    phone.click("Sync now").await;
    phone
        .wait_for_text("//dd[contains(@class,'last-error')]")
        .await;
    phone.screenshot("08-pending-offline").await;

    // Back online: Sync now sends it.
    phone_net.set_online(true);
    phone.click("Sync now").await;
    phone.sees_at(PENDING, "0").await;
    phone.screenshot("09-synced").await;

    // The tablet syncs and sees 张三.
    tablet.follow("设置").await;
    tablet.click("立即同步").await;
    open_zhangsan(tablet, "顾客").await;
    tablet.sees_at(PHONE, "13800138000").await;
    tablet.screenshot("10-tablet-sees-zhangsan").await;

    // Both devices go offline and edit different fields of 张三.
    phone_net.set_online(false);
    tablet_net.set_online(false);
    open_zhangsan(phone, "Customers").await;
    phone.click("Edit").await;
    phone.fill("Save", "Notes", "喜欢A2奶粉,周末来").await;
    phone.click("Save").await;
    phone.sees_at(NOTES, "喜欢A2奶粉,周末来").await;
    phone.screenshot("11-phone-edits-notes-offline").await;
    tablet.click("编辑").await;
    tablet.fill("保存", "微信号", "zhangsan88").await;
    tablet.click("保存").await;
    tablet.sees_at(&fact("微信号"), "zhangsan88").await;
    tablet.screenshot("12-tablet-edits-wechat-offline").await;

    // Back online, each syncs; both edits survive on both.
    phone_net.set_online(true);
    tablet_net.set_online(true);
    phone.follow("Settings").await;
    phone.click("Sync now").await;
    phone.sees_at(PENDING, "0").await;
    tablet.follow("设置").await;
    tablet.click("立即同步").await;
    tablet.sees_at(PENDING, "0").await;
    phone.click("Sync now").await;
    open_zhangsan(tablet, "顾客").await;
    tablet.sees_at(NOTES, "喜欢A2奶粉,周末来").await;
    tablet.sees_at(&fact("微信号"), "zhangsan88").await;
    tablet.screenshot("13-tablet-has-both-edits").await;
    open_zhangsan(phone, "Customers").await;
    phone.sees_at(NOTES, "喜欢A2奶粉,周末来").await;
    phone.sees_at(&fact("WeChat ID"), "zhangsan88").await;
    phone.screenshot("14-phone-has-both-edits").await;

    // The clerk records a purchase on 张三's card; an amount that is not a number is refused.
    phone.click("Record purchase").await;
    phone.fill("Save", "Amount", "两百").await;
    phone.click("Save").await;
    phone
        .sees_at(
            "//form[contains(@class,'purchase-form')]//*[@role='alert']",
            "Enter an amount above 0, e.g. 268 or 268.50.",
        )
        .await;
    phone.fill("Save", "Amount", "268.50").await;
    phone.fill("Save", "Item", "金装奶粉 3段").await;
    phone.fill("Save", "Category", "奶粉").await;
    phone.click("Save").await;
    phone.sees_at(LATEST_AMOUNT, "¥268.50").await;
    phone
        .sees_at(
            "(//li[contains(@class,'entry')])[1]//span[contains(@class,'entry-what')]",
            "金装奶粉 3段",
        )
        .await;
    phone.sees_at(&fact("Customer type"), "Bought").await;
    // …and a visit without a purchase, with why (a visit counts from midnight: listed second).
    phone.click("Record visit").await;
    phone
        .field("Save", "Why nothing was bought")
        .await
        .select_by_label("Price")
        .await
        .expect("choose a reason");
    phone.click("Save").await;
    phone
        .sees_at(
            "(//li[contains(@class,'entry')])[2]//span[contains(@class,'entry-what')]",
            "Visit, no purchase · Price",
        )
        .await;
    phone
        .screenshot("15-phone-records-purchase-and-visit")
        .await;

    // …and logs a contact that promises a call back today: 张三 is on Today for it.
    let (year, month, day) = phone.date_in(0).await;
    phone.click("Log contact").await;
    phone
        .field("Save", "Outcome")
        .await
        .select_by_label("Interested")
        .await
        .expect("choose an outcome");
    phone
        .pick_date(
            "Save",
            "Next follow-up",
            &format!("{year}-{month:02}-{day:02}"),
        )
        .await;
    phone.click("Save").await;
    phone
        .sees_at(
            "(//li[contains(@class,'entry')])[1]//span[contains(@class,'entry-what')]",
            "Contact · General",
        )
        .await;
    phone.follow("Today").await;
    // "Follow-up due today" (the prefix only: the day may turn over between the two reads).
    phone
        .wait_for("//li[contains(@class,'follow-up')][.//span[normalize-space()='张三']]//span[contains(@class,'reason')][starts-with(normalize-space(),'Follow-up')]")
        .await;
    phone.screenshot("16-phone-follow-up-today").await;
    open_zhangsan(phone, "Customers").await;

    // The owner adds 李梅, whose birthday is in three days: Today lists her with that reason.
    let (_, month, day) = tablet.date_in(3).await;
    tablet.follow("顾客").await;
    tablet.follow("新增顾客").await;
    tablet.fill("保存", "姓名", "李梅").await;
    tablet.fill("保存", "手机号", "139 1234 5678").await;
    tablet.click("保存").await;
    tablet.sees_at(CUSTOMER_NAME, "李梅").await;
    // The birthday is on the full profile (quick add keeps to name, phone, tags and source).
    // 1992 is a leap year, so 29 February is a valid birthday too.
    let birthday = format!("1992-{month:02}-{day:02}");
    tablet.click("编辑").await;
    tablet.pick_date("保存", "生日", &birthday).await;
    tablet.click("保存").await;
    tablet.sees_at(&fact("生日"), &birthday).await;
    // Her card shows what the analysis says: no purchase yet, a birthday to greet.
    tablet.sees_at(&fact("顾客类型"), "潜在客户").await;
    tablet
        .wait_for("//div[contains(@class,'today-reasons')]//span[starts-with(normalize-space(),'生日 · ')]")
        .await;
    tablet.screenshot("17-tablet-card-grades").await;
    tablet.follow("今日").await;
    // "生日 · 3天后" (the prefix only: the day may turn over between the two clocks' reads).
    tablet
        .wait_for("//li[contains(@class,'follow-up')][.//span[normalize-space()='李梅']]//span[contains(@class,'reason')][starts-with(normalize-space(),'生日 · ')]")
        .await;
    tablet.screenshot("18-tablet-today").await;

    // From Today the owner opens 李梅: her birthday message is composed, ready to send; one
    // tap logs the contact, which settles the birthday, and Today is clear.
    let item = tablet
        .wait_for("//a[contains(@class,'follow-up-link')][.//span[normalize-space()='李梅']]")
        .await;
    tablet.tap(item, "李梅").await;
    let message = tablet.field("", "今日话术").await;
    let text = message
        .prop("value")
        .await
        .expect("the message")
        .unwrap_or_default();
    assert!(
        text.starts_with("李梅您好！您的生日就快到啦，好孩子母婴店"),
        "the composed message: {text:?}"
    );
    tablet.screenshot("19-tablet-compose").await;
    tablet.click("已联系").await;
    tablet.sees("已记录这次联系。").await;
    tablet.follow("今日").await;
    tablet.sees("今天没有需要跟进的顾客").await;

    // Search finds customers by pinyin initials and by the last digits of their phone.
    tablet.follow("顾客").await;
    tablet.fill("", "搜索", "lm").await;
    tablet.sees_at(FIRST_ROW_NAME, "李梅").await;
    tablet.fill("", "搜索", "8000").await;
    tablet.sees_at(FIRST_ROW_NAME, "张三").await;
    tablet.screenshot("20-tablet-search").await;

    // No network at all: the installed app still opens (service worker) with its data.
    set_offline(phone.client, true).await;
    phone.client.refresh().await.expect("reload offline");
    phone.sees_at(NOTES, "喜欢A2奶粉,周末来").await;
    phone
        .wait_for("//span[contains(@class,'entry-amount')][normalize-space()='¥268.50']")
        .await;
    phone.follow("Settings").await;
    phone.sees("Offline").await;
    phone.screenshot("21-phone-reloaded-without-network").await;
    set_offline(phone.client, false).await;

    // Back online, both synced: Stats on the tablet draws the phone's purchase, two columns.
    let long = Duration::from_secs(60);
    huike_tests::steps::sync_clean(phone, huike_tests::steps::EN, long).await;
    huike_tests::steps::sync_clean(tablet, huike_tests::steps::ZH, long).await;
    tablet.follow("统计").await;
    tablet
        .wait_for("//div[contains(@class,'revenue-chart')]//*[local-name()='svg']")
        .await;
    tablet.screenshot("22-tablet-stats").await;
}
