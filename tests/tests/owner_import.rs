//! The owner imports the shop's old spreadsheet (Settings → **导入**, tablet 1280×800, 简体中文;
//! issue 10 item 6): a customers CSV of 1,000 rows with Chinese headers saved by Chinese Excel
//! (GBK), 3 rows of them bad — the report names exactly those 3 lines, nothing can be imported
//! until the owner chooses to skip them, and then the other 997 are; importing the same file
//! again finds every row unchanged. A purchases CSV (UTF-8 with BOM, `¥1,280.50`-style amounts,
//! `2024年3月5日`-style dates) imported twice leaves each purchase once. Screenshots in
//! target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::steps::{self, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_imports_customers_and_purchases_and_a_reimport_doubles_nothing() {
    run_sessions(
        &[Screen::tablet("tablet")],
        Duration::from_secs(600),
        |clients| async move { scenario(&clients[0]).await },
    )
    .await;
}

/// The customers file's rows that are wrong, by data row (0-based): a phone number with too
/// few digits, a birthday that does not exist, no name.
const BAD_ROWS: [usize; 3] = [41, 500, 873];

/// A customers sheet as Chinese Excel saves it: GBK, CRLF, Chinese headers; 1,000 rows of
/// which [`BAD_ROWS`] are bad.
fn customers_file() -> Vec<u8> {
    let mut text = String::from("姓名,手机号,生日,性别,标签,备注\r\n");
    for i in 0..1_000 {
        let (name, phone, birthday) = match i {
            41 => (format!("顾客{i:04}"), "12345".to_owned(), "1990-01-01"),
            500 => (format!("顾客{i:04}"), format!("139{i:08}"), "1990年2月30日"),
            873 => (String::new(), format!("139{i:08}"), ""),
            _ => (format!("顾客{i:04}"), format!("139{i:08}"), "1990/3/5"),
        };
        let gender = if i % 2 == 0 { "女" } else { "男" };
        text.push_str(&format!(
            "{name},{phone},{birthday},{gender},奶粉,老顾客\r\n"
        ));
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable, "every character has a GBK code");
    bytes.into_owned()
}

/// A purchases sheet: UTF-8 with a BOM, five purchases of three customers.
fn purchases_file() -> Vec<u8> {
    let rows = [
        ("2024年3月5日", "13900000001", "¥1,280.50", "奶粉", "2"),
        ("2024/4/5 14:30", "13900000001", "300元", "纸尿裤", "1"),
        ("20240506", "13900000002", "88", "辅食", "3"),
        ("2024-05-07", "13900000003", "¥99.90", "奶粉", "1"),
        ("2024-06-07", "13900000003", "120", "玩具", "1"),
    ];
    let mut text = String::from("\u{FEFF}日期,手机,实付,商品,数量\r\n");
    for (date, phone, amount, item, n) in rows {
        text.push_str(&format!("{date},{phone},\"{amount}\",{item},{n}\r\n"));
    }
    text.into_bytes()
}

/// The import panel's parts.
const PANEL: &str = "//div[contains(@class,'import-panel')]";
const PROBLEMS: &str = "//div[contains(@class,'import-panel')]//ul[contains(@class,'problems')]/li";

/// Whether the **导入** button can be pressed.
async fn import_enabled(page: &Page<'_>) -> bool {
    let button = page.button("导入").await;
    button
        .attr("disabled")
        .await
        .expect("read the button")
        .is_none()
}

async fn scenario(client: &Client) {
    let tablet = Page {
        client,
        name: "tablet",
    };
    let api = Api::new();
    let app = huike_tests::app_url();
    let worker = huike_tests::worker_url();
    let shop = steps::new_shop(&api, "导入测试母婴店").await;
    steps::join(&tablet, ZH, &app, &worker, &shop.owner_code, "王店长").await;
    let customers = steps::temp_file("customers.csv", &customers_file());
    let purchases = steps::temp_file("purchases.csv", &purchases_file());

    // The report names exactly the three bad rows (a row's line: its data row + 2).
    steps::choose_import(&tablet, "顾客", &customers).await;
    tablet.sees("1000 行 · GB18030 / GBK").await;
    tablet
        .sees_at(
            steps::IMPORT_PLAN,
            "新顾客 997 位 · 更新 0 位 · 无变化 0 位",
        )
        .await;
    tablet.sees("3 行有问题").await;
    let problems = tablet.texts(PROBLEMS).await;
    let lines: Vec<String> = problems
        .iter()
        .map(|p| p.split(" · ").next().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = BAD_ROWS
        .iter()
        .map(|r| format!("第 {} 行", r + 2))
        .collect();
    assert_eq!(lines, expected, "the report: {problems:?}");
    assert!(problems[0].contains("手机号") && problems[0].contains("12345"));
    assert!(problems[1].contains("生日") && problems[1].contains("1990年2月30日"));
    assert!(problems[2].contains("姓名") && problems[2].contains("缺少"));
    assert!(
        !import_enabled(&tablet).await,
        "nothing is imported before the bad rows are skipped"
    );
    tablet.scroll_to(steps::IMPORT_PLAN).await;
    tablet.screenshot("import-01-report").await;

    // Skip them and import.
    let skip = tablet
        .wait_for(&format!(
            "{PANEL}//label[contains(@class,'check')][.//span[normalize-space()='跳过有问题的 3 行']]//input"
        ))
        .await;
    tablet.tap(skip, "skip the bad rows").await;
    assert!(import_enabled(&tablet).await);
    tablet.click("导入").await;
    tablet
        .sees_at(steps::IMPORT_DONE, "已导入：新顾客 997 位，更新 0 位。")
        .await;
    tablet.screenshot("import-02-imported").await;
    tablet.follow(ZH.customers).await;
    tablet.sees_at(steps::COUNT, "997 位顾客").await;

    // The same file again: every row unchanged, nothing to import.
    steps::choose_import(&tablet, "顾客", &customers).await;
    tablet
        .sees_at(
            steps::IMPORT_PLAN,
            "新顾客 0 位 · 更新 0 位 · 无变化 997 位",
        )
        .await;
    assert!(!import_enabled(&tablet).await, "nothing to write");
    tablet.follow(ZH.customers).await;
    tablet.sees_at(steps::COUNT, "997 位顾客").await;

    // Purchases, twice: each once.
    steps::choose_import(&tablet, "购买记录", &purchases).await;
    tablet
        .sees_at(steps::IMPORT_PLAN, "新增购买 5 笔 · 已在账本中 0 笔")
        .await;
    tablet.click("导入").await;
    tablet
        .sees_at(steps::IMPORT_DONE, "已导入 5 笔购买。")
        .await;
    tablet.screenshot("import-03-purchases").await;
    steps::choose_import(&tablet, "购买记录", &purchases).await;
    tablet
        .sees_at(steps::IMPORT_PLAN, "新增购买 0 笔 · 已在账本中 5 笔")
        .await;
    assert!(!import_enabled(&tablet).await, "nothing to write");
    steps::open_customer(&tablet, ZH, "顾客0001").await;
    tablet
        .wait_for(&format!(
            "{}[normalize-space()='¥300.00']",
            steps::ENTRY_AMOUNTS
        ))
        .await;
    assert_eq!(
        tablet.texts(steps::ENTRY_AMOUNTS).await,
        ["¥300.00", "¥1280.50"],
        "her two purchases, once each, latest first"
    );
    tablet.screenshot("import-04-card").await;
    let _ = std::fs::remove_file(&customers);
    let _ = std::fs::remove_file(&purchases);
}
