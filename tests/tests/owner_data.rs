//! The owner's data in and out (Settings, tablet 1280×800, 简体中文): **导出顾客** gives a CSV
//! that Excel opens with Chinese intact (a UTF-8 BOM, CRLF lines, one row per customer, a
//! formula-looking name neutralised); **备份全部数据** gives a backup file, which **从备份文件恢复**
//! on the owner's device of another, empty shop turns into the same customers; restoring it
//! twice changes nothing. A clerk's phone has no export at all. Screenshots in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_tests::api::Api;
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::steps::{self, EN, ZH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_exports_for_excel_and_a_backup_restores_the_same_book_elsewhere() {
    run_sessions(
        &[Screen::tablet("tablet"), Screen::phone("phone")],
        Duration::from_secs(600),
        |clients| async move { scenario(&clients[0], &clients[1]).await },
    )
    .await;
}

/// The bytes behind the page's download link.
async fn downloaded(page: &Page<'_>) -> Vec<u8> {
    let link = page.wait_for("//a[contains(@class,'download')]").await;
    let href = link
        .attr("href")
        .await
        .expect("the link's address")
        .expect("a blob: address");
    let bytes = page
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then((r) => r.arrayBuffer())
               .then((b) => done(Array.from(new Uint8Array(b))), (e) => done(String(e)));",
            vec![serde_json::Value::from(href)],
        )
        .await
        .expect("read the download");
    bytes
        .as_array()
        .unwrap_or_else(|| panic!("the download could not be read: {bytes}"))
        .iter()
        .map(|b| b.as_u64().expect("a byte") as u8)
        .collect()
}

async fn scenario(tablet_client: &Client, phone_client: &Client) {
    let tablet = Page {
        client: tablet_client,
        name: "tablet",
    };
    let phone = Page {
        client: phone_client,
        name: "phone",
    };
    let api = Api::new();
    let app = huike_tests::app_url();
    let worker = huike_tests::worker_url();
    let shop = steps::new_shop(&api, "导出测试母婴店").await;
    steps::join(&tablet, ZH, &app, &worker, &shop.owner_code, "王店长").await;
    steps::add_customer(&tablet, ZH, "王芳", "13912345678").await;
    steps::add_customer(&tablet, ZH, "=赵敏", "13800138000").await;

    // Export customers: a BOM, CRLF, a header and two rows; the formula-looking name is text.
    tablet.follow(ZH.settings).await;
    tablet.click("导出顾客").await;
    let csv = downloaded(&tablet).await;
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF", "a UTF-8 BOM first");
    let text = String::from_utf8(csv[3..].to_vec()).expect("UTF-8");
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "a header and two customers: {text:?}");
    assert!(
        lines[0].contains("姓名") && lines[0].contains("手机号"),
        "{}",
        lines[0]
    );
    assert!(
        text.contains("王芳") && text.contains("13912345678"),
        "{text}"
    );
    assert!(
        text.contains("'=赵敏"),
        "a cell starting with = is neutralised: {text}"
    );
    tablet.screenshot("owner-01-exported").await;

    // Back up, then restore on the owner's device of another, empty shop.
    tablet.click("备份全部数据").await;
    let backup = downloaded(&tablet).await;
    assert!(
        backup.starts_with(b"HUIKE-BACKUP-1\n"),
        "a versioned backup"
    );
    let file = std::env::temp_dir().join(format!("huike-e2e-{}.huike", std::process::id()));
    std::fs::write(&file, &backup).expect("write the backup file");

    let other = steps::new_shop(&api, "恢复测试母婴店").await;
    tablet.client.delete_all_cookies().await.expect("cookies");
    tablet
        .client
        .execute(
            "localStorage.clear(); return indexedDB.databases().then((all) => Promise.all(all.map((d) => new Promise((done) => { const r = indexedDB.deleteDatabase(d.name); r.onsuccess = r.onerror = r.onblocked = done; }))));",
            vec![],
        )
        .await
        .expect("forget this device");
    steps::join(&tablet, ZH, &app, &worker, &other.owner_code, "王店长").await;
    tablet.follow(ZH.customers).await;
    tablet.sees_at(steps::COUNT, "0 位顾客").await;
    for round in 1..=2 {
        tablet.follow(ZH.settings).await;
        let input = tablet
            .wait_for("//label[contains(@class,'restore')]//input[@type='file']")
            .await;
        input
            .send_keys(file.to_str().expect("a UTF-8 path"))
            .await
            .expect("choose the backup file");
        tablet.wait_for("//p[contains(@class,'restored')]").await;
        if round == 1 {
            tablet.screenshot("owner-02-restored").await;
        }
        tablet.follow(ZH.customers).await;
        tablet.sees_at(steps::COUNT, "2 位顾客").await;
    }
    let _ = std::fs::remove_file(&file);

    // A clerk's phone has no export.
    steps::join(&phone, EN, &app, &worker, &shop.clerk_code, "小李").await;
    phone.follow(EN.settings).await;
    phone.sees_at(steps::PENDING, "0").await;
    phone
        .gone("//button[normalize-space()='Export customers']")
        .await;
}
