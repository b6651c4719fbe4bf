//! The owner's rules, templates and campaigns change what the clerks are asked to do (tablet
//! 1280×800, 简体中文; issue 10 item 6 and issue 11 item 5):
//! - a re-buy cycle added in Settings → 规则 puts a customer who bought that category on Today,
//!   and a template edited in Settings → 话术模板 is the message her compose sheet offers;
//! - a campaign for the customers tagged 老顾客 with a 10 % holdout lists its treated targets on
//!   Today and not the held-out one; a purchase by one of them shows in the campaign's results
//!   and lift; a review note is kept with its date; Stats' four steps count this month's new
//!   customers and first purchase; deleted, the campaign leaves Today.
//!
//! The customers come in through Settings → 导入, as a shop moving in would bring them (one
//! with her referrer named in the file).
//! Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::steps::{self, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuy_cycle_and_a_template_change_today_and_its_message() {
    run_sessions(
        &[Screen::tablet("tablet")],
        Duration::from_secs(600),
        |clients| async move { rules_scenario(&clients[0]).await },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_lists_its_targets_but_not_its_holdout_and_measures_the_lift() {
    run_sessions(
        &[Screen::tablet("tablet")],
        Duration::from_secs(600),
        |clients| async move { campaign_scenario(&clients[0]).await },
    )
    .await;
}

/// Opens a new shop on `client` as its owner and imports `customers` (CSV text, UTF-8), then
/// `purchases` if any.
async fn shop_with<'a>(
    client: &'a Client,
    shop: &str,
    customers: &str,
    purchases: Option<&str>,
) -> Page<'a> {
    let tablet = Page {
        client,
        name: "tablet",
    };
    let api = Api::new();
    let app = huike_tests::app_url();
    let worker = huike_tests::worker_url();
    let new = steps::new_shop(&api, shop).await;
    steps::join(&tablet, ZH, &app, &worker, &new.owner_code, "王店长").await;
    let file = steps::temp_file(&format!("{shop}-customers.csv"), customers.as_bytes());
    steps::choose_import(&tablet, "顾客", &file).await;
    tablet.click("导入").await;
    tablet.wait_for(steps::IMPORT_DONE).await;
    let _ = std::fs::remove_file(&file);
    if let Some(purchases) = purchases {
        let file = steps::temp_file(&format!("{shop}-purchases.csv"), purchases.as_bytes());
        steps::choose_import(&tablet, "购买记录", &file).await;
        tablet.click("导入").await;
        tablet.wait_for(steps::IMPORT_DONE).await;
        let _ = std::fs::remove_file(&file);
    }
    tablet
}

/// Today's row of the customer named `name`.
fn today_row(name: &str) -> String {
    format!(
        "//li[contains(@class,'follow-up')][.//span[contains(@class,'row-name')][normalize-space()='{name}']]"
    )
}

async fn rules_scenario(client: &Client) {
    // 王芳 bought probiotics (益生菌) ten days ago; they have no re-buy cycle yet.
    let bought = Page {
        client,
        name: "tablet",
    }
    .date_in(-10)
    .await;
    let (y, m, d) = bought;
    let tablet = shop_with(
        client,
        "规则测试母婴店",
        "姓名,手机号\r\n王芳,13912345678\r\n",
        Some(&format!(
            "日期,手机,实付,商品\r\n{y}-{m:02}-{d:02},13912345678,39.90,益生菌\r\n"
        )),
    )
    .await;
    let reminder = format!(
        "{}//span[contains(@class,'reason')][starts-with(normalize-space(),'益生菌该补货了')]",
        today_row("王芳")
    );
    tablet.follow(ZH.today).await;
    // The day is worked out: her row (for another reason) or the empty list.
    tablet
        .wait_for(&format!(
            "{} | //div[contains(@class,'empty')]/p[contains(@class,'empty-title')]",
            today_row("王芳")
        ))
        .await;
    tablet.gone(&reminder).await;

    // Settings → 规则: 益生菌 every 10 days. The effect is shown before saving.
    tablet.follow(ZH.settings).await;
    tablet.click("添加品类").await;
    let last_row =
        "(//form[contains(@class,'ss-rules')]//div[contains(@class,'ss-rule-row')])[last()]";
    let category = tablet
        .wait_for(&format!(
            "{last_row}//label[.//span[normalize-space()='品类']]//input"
        ))
        .await;
    category
        .send_keys("益生菌")
        .await
        .expect("type the category");
    let days = tablet
        .wait_for(&format!(
            "{last_row}//label[.//span[normalize-space()='周期（天）']]//input"
        ))
        .await;
    days.send_keys("10").await.expect("type the cycle");
    tablet.scroll_to(last_row).await;
    tablet.screenshot("settings-01-rules").await;
    tablet.click("保存规则").await;
    tablet.follow(ZH.today).await;
    tablet.wait_for(&reminder).await;
    tablet.screenshot("settings-02-rebuy-on-today").await;

    // Settings → 话术模板: the built-in re-buy template, edited, becomes the shop's own.
    let words = "您好！上次的益生菌该补货啦，本周到店有小礼物。";
    tablet.follow(ZH.settings).await;
    let edit = tablet
        .wait_for("//li[contains(@class,'ss-template')][@data-kind='builtin'][@data-name='复购提醒']//button[normalize-space()='编辑']")
        .await;
    tablet.tap(edit, "编辑 复购提醒").await;
    tablet.fill("保存模板", "话术内容", words).await;
    tablet.screenshot("settings-03-template").await;
    tablet.click("保存模板").await;
    tablet
        .wait_for("//li[contains(@class,'ss-template')][@data-kind='shop']")
        .await;

    // Her compose sheet offers the shop's words.
    tablet.follow(ZH.today).await;
    let row = tablet
        .wait_for(&format!(
            "{}//a[contains(@class,'follow-up-link')]",
            today_row("王芳")
        ))
        .await;
    tablet.tap(row, "王芳 on Today").await;
    let message = tablet
        .wait_for("//section[contains(@class,'compose')]//textarea[contains(@class,'message')]")
        .await;
    let mut text = String::new();
    for _ in 0..50 {
        text = message
            .prop("value")
            .await
            .expect("read the message")
            .unwrap_or_default();
        if text == words {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(text, words, "the compose sheet uses the shop's template");
    tablet.screenshot("settings-04-compose").await;
}

async fn campaign_scenario(client: &Client) {
    // Ten customers tagged 老顾客, two others.
    // 新客甲 was brought by 老客0 (the file names her referrer).
    let mut customers = String::from("姓名,手机号,标签,介绍人\r\n");
    let names: Vec<String> = (0..10).map(|i| format!("老客{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        customers.push_str(&format!("{name},1391000000{i},老顾客,\r\n"));
    }
    customers.push_str("新客甲,13920000001,,老客0\r\n新客乙,13920000002,,\r\n");
    let tablet = shop_with(client, "活动测试母婴店", &customers, None).await;

    // Stats → 新建活动: 回流, the 老顾客 tag, 10 % held out.
    steps::start_campaign(
        &tablet,
        "老客回流",
        "老顾客",
        "10 位顾客符合 · 1 位作为对照组",
        "campaign-01-form",
    )
    .await;
    let row = &steps::campaign_row("老客回流");
    tablet
        .sees_at(
            &format!("{row}//*[contains(concat(' ', @class, ' '), ' campaign-treated ')]"),
            "9",
        )
        .await;
    tablet
        .sees_at(
            &format!("{row}//*[contains(concat(' ', @class, ' '), ' campaign-holdout ')]"),
            "1",
        )
        .await;

    // Today: the nine treated, each for the campaign; the held-out one is not asked for.
    tablet.follow(ZH.today).await;
    let for_campaign = "//li[contains(@class,'follow-up')][.//span[contains(@class,'reason')][normalize-space()='活动：老客回流']]//span[contains(@class,'row-name')]";
    tablet.wait_for(&format!("({for_campaign})[9]")).await;
    let listed = tablet.texts(for_campaign).await;
    assert_eq!(listed.len(), 9, "{listed:?}");
    let held: Vec<&String> = names.iter().filter(|n| !listed.contains(n)).collect();
    assert_eq!(held.len(), 1, "exactly one held out: {listed:?}");
    assert!(listed.iter().all(|n| n.starts_with("老客")));
    tablet.screenshot("campaign-02-today").await;

    // One of them buys: the campaign's results count her.
    steps::open_customer(&tablet, ZH, &listed[0]).await;
    steps::record_purchase(&tablet, ZH, "128", "¥128.00").await;
    tablet.follow("统计").await;
    tablet
        .sees_at(
            &format!("{row}//*[contains(concat(' ', @class, ' '), ' campaign-came-back ')]"),
            "1",
        )
        .await;
    tablet
        .sees_at(
            &format!("{row}//*[contains(concat(' ', @class, ' '), ' campaign-lift ')]"),
            "+11",
        )
        .await;

    // A review note, dated.
    tablet
        .fill("添加复盘", "复盘内容", "老客回流第一天：电话比微信有效。")
        .await;
    tablet.click("添加复盘").await;
    tablet
        .sees_at(
            &format!(
                "{row}//li[contains(@class,'review-note')]//*[contains(@class,'review-note-text')]"
            ),
            "老客回流第一天：电话比微信有效。",
        )
        .await;
    tablet.scroll_to(row).await;
    tablet.screenshot("campaign-03-results").await;

    // Stats' four steps, as the app draws them: this month brought the 12 customers in (引流),
    // one first purchase (截流), nobody back yet (回流) and one customer brought by another
    // (裂变: 新客甲, whom the imported file says 老客0 brought).
    let (y, m, _) = tablet.date_in(0).await;
    let steps = "//*[contains(@class,'steps-card')]";
    let show = tablet
        .wait_for(&format!(
            "{steps}//details[contains(@class,'chart-data')]/summary"
        ))
        .await;
    tablet.tap(show, "Show data (four steps)").await;
    let month = tablet
        .texts(&format!(
            "{steps}//details//tbody/tr[th[normalize-space()='{y}-{m:02}']]/td"
        ))
        .await;
    assert_eq!(month, ["12", "1", "0", "1"], "this month's four steps");
    tablet.scroll_to(steps).await;
    tablet.screenshot("campaign-04-four-steps").await;
    tablet
        .scroll_to("//*[contains(@class,'portraits-card')]")
        .await;
    tablet.screenshot("campaign-05-portraits").await;

    // Deleted, the campaign leaves Today.
    let delete = tablet
        .wait_for(&format!("{row}//button[normalize-space()='删除活动']"))
        .await;
    tablet.tap(delete, "删除活动").await;
    let confirm = tablet
        .wait_for(&format!("{row}//button[normalize-space()='确认删除']"))
        .await;
    tablet.tap(confirm, "确认删除").await;
    tablet.gone(row).await;
    tablet.follow(ZH.today).await;
    tablet.gone(for_campaign).await;
}
