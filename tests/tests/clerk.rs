//! The clerk's phone (issue: "the clerk's phone, complete"), as a clerk at the counter uses it:
//! a complaint opened on a customer's card is first on Today — on the phone and, once synced,
//! on the owner's tablet — with the minutes left of the one-hour response target; **Respond**
//! and **Resolve** record their times, which the card then shows. The phone (360×740) is in
//! English, the tablet (1280×800) in 简体中文. And the card's wallet: a top-up with a monthly
//! pickup plan, the first pickup marked, a spend and a redemption above the balance refused,
//! double taps counted once; the profile's More section, referrals and the filters. The wallet
//! and More scenarios run twice, on a phone in English and on one in 简体中文 (screenshots
//! `…-phone.png` and `…-phone-zh.png`). Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::steps::{self, EN, TwoDevices, Words, ZH};

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
    // The history lists it too, where it stands and with the compensation given.
    let line = format!(
        "{}[.//span[contains(@class,'entry-what')][normalize-space()='Complaint · 奶粉罐有凹陷，要求换货 · resolved']]",
        steps::ENTRIES
    );
    phone
        .sees_at(
            &format!("{line}//span[contains(@class,'entry-amount')]"),
            "¥20.00",
        )
        .await;

    // A resolved complaint is no longer on Today.
    phone.follow(EN.today).await;
    phone
        .gone("//li[contains(@class,'follow-up')][.//span[contains(@class,'row-name')][normalize-space()='赵敏']]")
        .await;
}

/// The wallet scenario on a phone in English; its key screens in 中文 are the next test's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_stored_value_and_a_pickup_plan_never_count_twice() {
    run_sessions(
        &[Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { wallet_scenario(&clients[0], EN, "phone").await },
    )
    .await;
}

/// The same steps on a phone in 简体中文 (screenshots `…-phone-zh.png`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_stored_value_and_a_pickup_plan_in_chinese() {
    run_sessions(
        &[Screen::phone("phone-zh")],
        Duration::from_secs(600),
        |clients| async move { wallet_scenario(&clients[0], ZH, "phone-zh").await },
    )
    .await;
}

/// The card's points balance.
const POINTS: &str = "//dd[contains(@class,'points-balance')]";
/// The card's stored-value balance.
const STORED_VALUE: &str = "//dd[contains(@class,'stored-value-balance')]";
/// The card's pickup plans.
const PLAN: &str = "//li[contains(@class,'plan')]";

/// Taps the first element at `xpath` twice within one moment, as an impatient thumb does.
async fn double_tap(page: &Page<'_>, xpath: &str) {
    let el = page.wait_for(xpath).await;
    let arg = serde_json::to_value(&el).expect("an element reference");
    page.client
        .execute("arguments[0].click(); arguments[0].click();", vec![arg])
        .await
        .expect("double tap");
}

/// Taps the form's Save twice within one moment.
async fn double_tap_save(page: &Page<'_>, form: &str) {
    double_tap(
        page,
        &format!("//form[contains(@class,'{form}')]//button[@type='submit']"),
    )
    .await;
}

/// A new shop `shop` and a clerk's phone (小李, in `w`'s language) that has joined it; its
/// screenshots carry `name`.
async fn clerk_phone<'a>(client: &'a Client, w: Words, name: &'static str, shop: &str) -> Page<'a> {
    let phone = Page { client, name };
    let shop = steps::new_shop(&Api::new(), shop).await;
    steps::join(
        &phone,
        w,
        &huike_tests::app_url(),
        &huike_tests::worker_url(),
        &shop.clerk_code,
        "小李",
    )
    .await;
    phone
}

async fn wallet_scenario(client: &Client, w: Words, name: &'static str) {
    let phone = clerk_phone(client, w, name, "回流测试母婴店").await;
    steps::add_customer(&phone, w, "王芳", "136 1234 5678").await;

    // Two purchases a month apart: her stage goes from Introduction to Growth.
    let stage = "//dd[contains(@class,'stage')]";
    let (y, m, d) = phone.date_in(-30).await;
    let month_ago = format!("{y:04}-{m:02}-{d:02}");
    phone.click(w.record_purchase).await;
    phone.fill(w.save, w.amount, "268").await;
    phone
        .pick_date(w.save, w.pick("Date", "日期"), &month_ago)
        .await;
    phone.click(w.save).await;
    phone.sees_at(stage, w.pick("Introduction", "引入期")).await;
    steps::record_purchase(&phone, w, "199", "¥199.00").await;
    phone.sees_at(stage, w.pick("Growth", "增长期")).await;
    phone.screenshot("clerk-05-two-purchases-growth").await;

    // Stats draws them: the revenue chart's data, as the app renders it, splits new and
    // returning spend by month.
    phone.follow(w.pick("Stats", "统计")).await;
    let summary = phone
        .wait_for("//div[contains(@class,'revenue-chart')]//summary")
        .await;
    phone.tap(summary, "Show data").await;
    let row = |(y, m, _): (u32, u32, u32)| {
        format!(
            "//div[contains(@class,'revenue-chart')]//tr[th[normalize-space()='{y:04}-{m:02}']]/td"
        )
    };
    let (this_month, month_before) = (phone.date_in(0).await, phone.date_in(-30).await);
    let now = phone.texts(&row(this_month)).await;
    if (this_month.0, this_month.1) == (month_before.0, month_before.1) {
        assert_eq!(
            now,
            ["¥467.00", "¥0.00", "0%"],
            "both purchases in this month"
        );
    } else {
        assert_eq!(
            now,
            ["¥0.00", "¥199.00", "100%"],
            "this month: 王芳 came back"
        );
        let before = phone.texts(&row(month_before)).await;
        assert_eq!(
            before,
            ["¥268.00", "¥0.00", "0%"],
            "last month: 王芳 was new"
        );
    }
    phone.screenshot("clerk-05b-stats-revenue").await;
    // Her cell of the R × F grid lists exactly her.
    let cell = phone
        .wait_for("//*[contains(@class,'rf-cell')][substring-after(@aria-label,': ')='1']")
        .await;
    phone.tap(cell, "王芳's R×F cell").await;
    phone.sees_at(steps::COUNT, &w.customers_count(1)).await;
    phone.sees_at(steps::FIRST_ROW_NAME, "王芳").await;
    steps::open_customer(&phone, w, "王芳").await;

    // Top up 500 with a plan of 10 monthly pickups of 50, the first today.
    let top_up = w.pick("Top up", "充值");
    phone.click(top_up).await;
    phone.fill(w.save, w.amount, "500").await;
    let plan = phone
        .wait_for("//form[contains(@class,'top-up-form')]//label[contains(@class,'check')]//input")
        .await;
    phone.tap(plan, "Pickup plan").await;
    phone
        .fill(w.save, w.pick("Each pickup", "每次领取金额"), "50")
        .await;
    phone
        .fill(w.save, w.pick("What is picked up", "领取内容"), "奶粉 1 罐")
        .await;
    phone
        .sees_at(
            "//p[contains(@class,'plan-summary')]",
            w.pick(
                "monthly, 10 pickups, ¥500.00 in all",
                "每月一次，共 10 次，合计 ¥500.00",
            ),
        )
        .await;
    phone.screenshot("clerk-06-top-up-with-plan").await;
    double_tap_save(&phone, "top-up-form").await;
    phone.sees_at(STORED_VALUE, "¥500.00").await;
    phone
        .sees_at(
            &format!("{PLAN}/p[1]"),
            w.pick(
                "奶粉 1 罐: ¥50.00 × 10, 0 of 10 picked up",
                "奶粉 1 罐：¥50.00 × 10，已领 0/10",
            ),
        )
        .await;

    // The first pickup is due today: on Today, its item's sheet has Picked up — tapped twice,
    // it counts once.
    let picked_up = w.pick("Picked up", "已领取");
    phone.follow(w.today).await;
    let item = phone
        .wait_for("//li[contains(@class,'follow-up')][.//span[contains(@class,'row-name')][normalize-space()='王芳']]//a")
        .await;
    phone.tap(item, "王芳 on Today").await;
    double_tap(
        &phone,
        &format!("{PLAN}//button[normalize-space()='{picked_up}']"),
    )
    .await;
    phone
        .sees_at(
            &format!("{PLAN}/p[1]"),
            w.pick(
                "奶粉 1 罐: ¥50.00 × 10, 1 of 10 picked up",
                "奶粉 1 罐：¥50.00 × 10，已领 1/10",
            ),
        )
        .await;
    phone
        .gone(&format!("{PLAN}//button[normalize-space()='{picked_up}']"))
        .await;
    phone.screenshot("clerk-07-picked-up-on-today").await;
    phone.follow(w.pick("Open card", "查看档案")).await;
    phone.sees_at(steps::CUSTOMER_NAME, "王芳").await;

    // Spending more than the balance is refused next to the amount; 120 goes through.
    let action_label = w.pick("Action", "操作");
    phone.click(top_up).await;
    let action = phone.field(w.save, action_label).await;
    action
        .select_by_label(w.pick("Spend", "消费储值"))
        .await
        .expect("choose Spend");
    phone.fill(w.save, w.amount, "600").await;
    phone.click(w.save).await;
    phone
        .sees_at(
            "//form[contains(@class,'top-up-form')]//*[contains(@class,'field-error')]",
            w.pick(
                "Only ¥500.00 of stored value to spend",
                "储值不足：余额 ¥500.00",
            ),
        )
        .await;
    phone.fill(w.save, w.amount, "120").await;
    phone.click(w.save).await;
    phone.sees_at(STORED_VALUE, "¥380.00").await;

    // Points: earn 100, redeem 30 with a double tap (taken once), then 80 is too many.
    let points = w.pick("Points", "积分");
    let redeem = w.pick("Redeem", "兑换积分");
    phone.click(points).await;
    phone.fill(w.save, points, "100").await;
    phone.click(w.save).await;
    phone.sees_at(POINTS, "100").await;
    phone.click(points).await;
    let action = phone.field(w.save, action_label).await;
    action.select_by_label(redeem).await.expect("choose Redeem");
    phone.fill(w.save, points, "30").await;
    double_tap_save(&phone, "points-form").await;
    phone.sees_at(POINTS, "70").await;
    phone.click(points).await;
    let action = phone.field(w.save, action_label).await;
    action.select_by_label(redeem).await.expect("choose Redeem");
    phone.fill(w.save, points, "80").await;
    phone.click(w.save).await;
    phone
        .sees_at(
            "//form[contains(@class,'points-form')]//*[contains(@class,'field-error')]",
            w.pick("Only 70 points to redeem", "积分不足：只有 70 分"),
        )
        .await;
    phone.screenshot("clerk-08-points-refused").await;

    // The history names each entry with its amount, each once.
    let lines = phone.texts(steps::ENTRIES).await;
    let count = |text: &str| lines.iter().filter(|l| l.contains(text)).count();
    assert_eq!(count(points), 2, "earned once, redeemed once: {lines:#?}");
    assert_eq!(count(picked_up), 1, "{lines:#?}");
    assert_eq!(
        count(w.pick("Pickup plan", "返还领取计划")),
        1,
        "{lines:#?}"
    );
    assert_eq!(count(top_up), 1, "{lines:#?}");
    assert_eq!(count(w.pick("Spend", "消费储值")), 1, "{lines:#?}");
    phone.scroll_to(steps::ENTRIES).await;
    phone.screenshot("clerk-09-wallet-history").await;
}

/// The profile's More section and the filters, on a phone in English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_due_in_seven_days_is_on_today_and_a_due_date_too_far_ahead_is_refused() {
    run_sessions(
        &[Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { more_scenario(&clients[0], EN, "phone").await },
    )
    .await;
}

/// The same steps on a phone in 简体中文 (screenshots `…-phone-zh.png`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_due_in_seven_days_in_chinese() {
    run_sessions(
        &[Screen::phone("phone-zh")],
        Duration::from_secs(600),
        |clients| async move { more_scenario(&clients[0], ZH, "phone-zh").await },
    )
    .await;
}

async fn more_scenario(client: &Client, w: Words, name: &'static str) {
    let phone = clerk_phone(client, w, name, "孩子测试母婴店").await;
    let date = |(y, m, d): (u32, u32, u32)| format!("{y:04}-{m:02}-{d:02}");
    let (more, due_date, nickname_label) = (
        w.pick("More", "更多"),
        w.pick("Due date", "预产期"),
        w.pick("Nickname", "小名"),
    );

    // 王芳: the quick part, then More → Add child with a due date eleven months ahead: refused
    // next to the field, nothing saved.
    phone.follow(w.customers).await;
    phone.follow(w.add_customer).await;
    phone.fill(w.save, w.name, "王芳").await;
    phone.fill(w.save, w.phone, "13912345678").await;
    phone.click(more).await;
    phone.click(w.pick("Add child", "添加孩子")).await;
    phone.fill(w.save, nickname_label, "小宝").await;
    phone
        .pick_date(w.save, due_date, &date(phone.date_in(335).await))
        .await;
    phone.click(w.save).await;
    phone
        .sees_at(
            "//div[contains(@class,'child')]//span[contains(@class,'field-error')][normalize-space()!='']",
            w.pick(
                "Too far ahead: a due date is at most ten months away.",
                "日期太远了：预产期最多在十个月之后。",
            ),
        )
        .await;
    phone.screenshot("clerk-10-due-date-refused").await;

    // Due in seven days, VIP: saved, and on Today as a due date.
    phone
        .pick_date(w.save, due_date, &date(phone.date_in(7).await))
        .await;
    let vip = phone
        .wait_for("//label[contains(@class,'check')][normalize-space()='VIP']//input")
        .await;
    phone.tap(vip, "VIP").await;
    // Her mother-in-law comes along (连带资源).
    phone.click(w.pick("Add person", "添加连带人")).await;
    phone
        .fill(w.save, w.pick("Person", "连带人"), "张阿姨")
        .await;
    phone
        .fill(
            w.save,
            w.pick("Relation (e.g. mother-in-law)", "关系（如婆婆、闺蜜）"),
            "婆婆",
        )
        .await;
    phone.click(w.save).await;
    phone.sees_at(steps::CUSTOMER_NAME, "王芳").await;
    phone
        .sees_at(
            "//dd[contains(@class,'connections')]",
            w.pick("张阿姨 (婆婆)", "张阿姨（婆婆）"),
        )
        .await;
    phone.follow(w.today).await;
    let reasons = phone
        .wait_for_text("//li[contains(@class,'follow-up')][.//span[contains(@class,'row-name')][normalize-space()='王芳']]//span[contains(@class,'reasons')]")
        .await;
    let due_in_7 = w.pick("Due date in 7 days", "预产期 · 7天后");
    assert!(
        reasons.contains(due_in_7),
        "王芳's item on Today says {reasons:?}"
    );
    phone.screenshot("clerk-11-due-date-on-today").await;

    // The editor opens with what was saved.
    steps::open_customer(&phone, w, "王芳").await;
    phone.click(w.edit).await;
    phone.click(more).await;
    let nickname = phone.field(w.save, nickname_label).await;
    assert_eq!(
        nickname.prop("value").await.expect("a value").as_deref(),
        Some("小宝")
    );
    phone.screenshot("clerk-12-more-section").await;

    // Filters: 赵敏 tagged 二胎; the tag chip shows her alone, a stage chip with it still her,
    // and clearing shows both.
    steps::add_customer(&phone, w, "赵敏", "13800138000").await;
    phone.click(w.edit).await;
    phone.fill(w.save, w.pick("Tags", "标签"), "二胎").await;
    // Referrer: 王芳, found by her pinyin initials.
    phone.fill(w.save, w.pick("Referrer", "介绍人"), "wf").await;
    let offer = phone
        .wait_for("//button[contains(@class,'offer')][starts-with(normalize-space(),'王芳')]")
        .await;
    phone.tap(offer, "王芳 as referrer").await;
    phone
        .sees_at("//span[contains(@class,'referrer-name')]", "王芳")
        .await;
    phone.click(w.save).await;
    phone
        .sees_at("//dd[contains(@class,'referred-by')]", "王芳")
        .await;
    phone.follow("王芳").await;
    phone.sees_at(steps::CUSTOMER_NAME, "王芳").await;
    phone
        .sees_at("//dd[contains(@class,'referrals')]", "赵敏")
        .await;
    phone.screenshot("clerk-13-referrals").await;
    phone.follow(w.customers).await;
    phone.erase("", w.search).await;
    phone.sees_at(steps::COUNT, &w.customers_count(2)).await;
    phone.click(w.pick("Filter", "筛选")).await;
    let chip = |name: &str| {
        format!("//button[contains(@class,'chip')][starts-with(normalize-space(),'{name} ')]")
    };
    let tag = phone.wait_for(&chip("二胎")).await;
    phone.tap(tag, "二胎 chip").await;
    phone.sees_at(steps::COUNT, &w.customers_count(1)).await;
    phone.sees_at(steps::FIRST_ROW_NAME, "赵敏").await;
    let stage = phone
        .wait_for(&chip(w.pick("Introduction", "引入期")))
        .await;
    phone.tap(stage, "Introduction chip").await;
    phone.sees_at(steps::COUNT, &w.customers_count(1)).await;
    phone.screenshot("clerk-14-filtered").await;
    phone.click(w.pick("Clear filters", "清除筛选")).await;
    phone.sees_at(steps::COUNT, &w.customers_count(2)).await;

    // Search: by pinyin initials, and by the last four digits of the phone.
    for (query, found) in [
        ("zm", "赵敏"),
        ("8000", "赵敏"),
        ("wf", "王芳"),
        ("5678", "王芳"),
    ] {
        phone.fill("", w.search, query).await;
        phone.sees_at(steps::COUNT, &w.customers_count(1)).await;
        phone.sees_at(steps::FIRST_ROW_NAME, found).await;
    }
    phone.screenshot("clerk-15-search-last-digits").await;
}
