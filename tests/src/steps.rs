//! Steps the end-to-end scenarios share, done as a person does them in the app: join a shop
//! with an invite code, add a customer, sync from Settings, find a customer — and the places
//! on the screen the scenarios read.

use crate::api::Api;
use crate::browser::Page;
use crate::proxy::Proxy;
use fantoccini::Client;
use huike_core::domain::Role;
use huike_core::sync::DeviceCredentials;
use std::time::Duration;

/// Settings: changes waiting for the server.
pub const PENDING: &str = "//dd[contains(@class,'pending-count')]";
/// Settings: the last sync error (absent when the last sync succeeded).
pub const LAST_ERROR: &str = "//dd[contains(@class,'last-error')]";
/// Settings: the sync status line.
pub const SYNC_STATUS: &str = "//div[contains(@class,'sync-panel')]//p[@role='status']";
/// Customers: the count line ("300 customers", "1 customer").
pub const COUNT: &str = "//p[contains(@class,'count')]";
/// Customers: the first row's name.
pub const FIRST_ROW_NAME: &str =
    "(//a[contains(@class,'row-link')]//span[contains(@class,'row-name')])[1]";
/// Customers: every listed row's name.
pub const ROW_NAMES: &str = "//a[contains(@class,'row-link')]//span[contains(@class,'row-name')]";
/// A customer card's name.
pub const CUSTOMER_NAME: &str = "//h2[contains(@class,'customer-name')]";
/// A customer card: the amounts in the history, latest first.
pub const ENTRY_AMOUNTS: &str =
    "//li[contains(@class,'entry')]//span[contains(@class,'entry-amount')]";
/// A customer card: every line of the history.
pub const ENTRIES: &str = "//li[contains(@class,'entry')]";
/// A customer card: the notes.
pub const NOTES: &str = "//p[contains(@class,'notes')]";
/// The banner of a tab that waits for another one to close.
pub const ELSEWHERE_BANNER: &str = "//p[contains(@class,'banner')][contains(@class,'warn')]";

/// The list row of the customer named `name`.
pub fn row(name: &str) -> String {
    format!(
        "//a[contains(@class,'row-link')][.//span[contains(@class,'row-name')][normalize-space()='{name}']]"
    )
}

/// The words of one UI language the steps need.
#[derive(Clone, Copy, Debug)]
pub struct Words {
    /// `?lang=` value.
    pub lang: &'static str,
    /// Tab.
    pub today: &'static str,
    /// Tab.
    pub customers: &'static str,
    /// Tab.
    pub settings: &'static str,
    /// Button.
    pub sync_now: &'static str,
    /// Button and form.
    pub join_shop: &'static str,
    /// Field.
    pub invite_code: &'static str,
    /// Field.
    pub your_name: &'static str,
    /// Link.
    pub add_customer: &'static str,
    /// Button.
    pub save: &'static str,
    /// Field.
    pub name: &'static str,
    /// Field.
    pub phone: &'static str,
    /// Field.
    pub search: &'static str,
    /// Button.
    pub record_purchase: &'static str,
    /// Field.
    pub amount: &'static str,
    /// Button.
    pub edit: &'static str,
    /// Field.
    pub notes: &'static str,
    /// The sync status line while a sync runs (its start).
    pub syncing: &'static str,
}

impl Words {
    /// `en` in English, `zh` in 简体中文: a scenario's own labels and expected texts, written
    /// side by side where it uses them.
    pub fn pick(&self, en: &'static str, zh: &'static str) -> &'static str {
        if self.lang == EN.lang { en } else { zh }
    }

    /// The Customers count line for `n` ("1 customer", "2 customers"; "2 位顾客").
    pub fn customers_count(&self, n: usize) -> String {
        match (self.lang == EN.lang, n) {
            (true, 1) => "1 customer".to_owned(),
            (true, n) => format!("{n} customers"),
            (false, n) => format!("{n} 位顾客"),
        }
    }
}

/// English.
pub const EN: Words = Words {
    lang: "en",
    today: "Today",
    customers: "Customers",
    settings: "Settings",
    sync_now: "Sync now",
    join_shop: "Join shop",
    invite_code: "Invite code",
    your_name: "Your name",
    add_customer: "Add customer",
    save: "Save",
    name: "Name",
    phone: "Phone",
    search: "Search",
    record_purchase: "Record purchase",
    amount: "Amount",
    edit: "Edit",
    notes: "Notes",
    syncing: "Syncing",
};

/// 简体中文.
pub const ZH: Words = Words {
    lang: "zh-CN",
    today: "今日",
    customers: "顾客",
    settings: "设置",
    sync_now: "立即同步",
    join_shop: "加入店铺",
    invite_code: "邀请码",
    your_name: "你的名字",
    add_customer: "新增顾客",
    save: "保存",
    name: "姓名",
    phone: "手机号",
    search: "搜索",
    record_purchase: "记一笔",
    amount: "金额",
    edit: "编辑",
    notes: "备注",
    syncing: "同步中",
};

/// Opens the app in `w`'s language, syncing with `server`, and joins the shop with `code` as
/// `name`; returns once Today shows.
pub async fn join(page: &Page<'_>, w: Words, app: &str, server: &str, code: &str, name: &str) {
    page.open(&format!("{app}/?lang={}&server={server}", w.lang))
        .await;
    page.fill(w.join_shop, w.invite_code, code).await;
    page.fill(w.join_shop, w.your_name, name).await;
    page.click(w.join_shop).await;
    page.link(w.today).await;
}

/// Adds a customer from the Customers tab; returns on their new card.
pub async fn add_customer(page: &Page<'_>, w: Words, name: &str, phone: &str) {
    page.follow(w.customers).await;
    page.follow(w.add_customer).await;
    page.fill(w.save, w.name, name).await;
    page.fill(w.save, w.phone, phone).await;
    page.click(w.save).await;
    page.sees_at(CUSTOMER_NAME, name).await;
}

/// Opens the card of the customer named `name` from the Customers tab (searching for them, so
/// the row is on screen however long the list).
pub async fn open_customer(page: &Page<'_>, w: Words, name: &str) {
    page.follow(w.customers).await;
    page.fill("", w.search, name).await;
    let row = page.wait_for(&row(name)).await;
    page.tap(row, name).await;
    page.sees_at(CUSTOMER_NAME, name).await;
}

/// Records a purchase of `amount` (e.g. `"101"`) on the open customer card; returns once it
/// shows in the history.
pub async fn record_purchase(page: &Page<'_>, w: Words, amount: &str, shown: &str) {
    page.click(w.record_purchase).await;
    page.fill(w.save, w.amount, amount).await;
    page.click(w.save).await;
    page.wait_for(&format!(
        "//li[contains(@class,'entry')]//span[contains(@class,'entry-amount')][normalize-space()='{shown}']"
    ))
    .await;
}

/// The sync status line while a sync runs.
fn syncing(w: Words) -> String {
    format!(
        "{SYNC_STATUS}[starts-with(normalize-space(),'{}')]",
        w.syncing
    )
}

/// Settings → **Sync now**, as a person taps it: waits until no sync is running (a tap during
/// one does nothing), taps, and waits (at most `timeout`) until the sync it started ended.
pub async fn sync_now(page: &Page<'_>, w: Words, timeout: Duration) {
    page.follow(w.settings).await;
    page.gone_within(&syncing(w), timeout).await;
    page.click(w.sync_now).await;
    page.gone_within(&syncing(w), timeout).await;
}

/// Syncs from Settings and checks it went through: nothing pending, no error shown.
pub async fn sync_clean(page: &Page<'_>, w: Words, timeout: Duration) {
    sync_now(page, w, timeout).await;
    page.sees_at(PENDING, "0").await;
    page.gone(LAST_ERROR).await;
}

/// This browser's device credentials, as the app stored them.
pub async fn credentials(page: &Page<'_>) -> DeviceCredentials {
    #[derive(serde::Deserialize)]
    struct Session {
        credentials: DeviceCredentials,
    }
    let text = page
        .local_storage("huike.credentials")
        .await
        .unwrap_or_else(|| panic!("{}: the app stored no credentials", page.name));
    serde_json::from_str::<Session>(&text)
        .unwrap_or_else(|e| panic!("{}: stored credentials {text:?}: {e}", page.name))
        .credentials
}

/// An owner's tablet and a clerk's phone, each reaching the worker through a network of its
/// own (so a scenario can cut or slow either).
pub struct TwoDevices<'a> {
    /// The tablet's page.
    pub tablet: Page<'a>,
    /// The phone's page.
    pub phone: Page<'a>,
    /// The tablet's network.
    pub tablet_net: Proxy,
    /// The phone's network.
    pub phone_net: Proxy,
}

impl<'a> TwoDevices<'a> {
    /// The two browsers, each behind its own proxy to the worker under test.
    pub async fn start(tablet: &'a Client, phone: &'a Client) -> TwoDevices<'a> {
        let worker = crate::worker_url();
        let upstream = worker.trim_start_matches("http://");
        TwoDevices {
            tablet: Page {
                client: tablet,
                name: "tablet",
            },
            phone: Page {
                client: phone,
                name: "phone",
            },
            tablet_net: Proxy::start(upstream).await.expect("proxy"),
            phone_net: Proxy::start(upstream).await.expect("proxy"),
        }
    }

    /// The owner's tablet joins `shop` as 王店长, in Chinese.
    pub async fn join_tablet(&self, shop: &NewShop) {
        let server = self.tablet_net.url();
        join(
            &self.tablet,
            ZH,
            &crate::app_url(),
            &server,
            &shop.owner_code,
            "王店长",
        )
        .await;
    }

    /// The clerk's phone joins `shop` as 小李, in English.
    pub async fn join_phone(&self, shop: &NewShop) {
        let server = self.phone_net.url();
        join(
            &self.phone,
            EN,
            &crate::app_url(),
            &server,
            &shop.clerk_code,
            "小李",
        )
        .await;
    }
}

/// A shop created through the API, with an invite for an owner's device and one for a
/// clerk's.
pub struct NewShop {
    /// The creating device (the shop's first owner device).
    pub owner: DeviceCredentials,
    /// An owner invite code.
    pub owner_code: String,
    /// A clerk invite code.
    pub clerk_code: String,
}

/// Creates the shop `name` with an owner and a clerk invite.
pub async fn new_shop(api: &Api, name: &str) -> NewShop {
    let owner = api.create_shop(name).await;
    let owner_code = api.invite(&owner.token, Role::Owner).await.code;
    let clerk_code = api.invite(&owner.token, Role::Clerk).await.code;
    NewShop {
        owner,
        owner_code,
        clerk_code,
    }
}

/// Settings → Import: the plan line (what the import would do).
pub const IMPORT_PLAN: &str =
    "//div[contains(@class,'import-panel')]//p[contains(@class,'import-plan')]";
/// Settings → Import: the line saying what was imported.
pub const IMPORT_DONE: &str =
    "//div[contains(@class,'import-panel')]//p[contains(@class,'imported')]";

/// Settings → Import (the owner's, 简体中文): chooses what the file holds (`holds`: 顾客 or
/// 购买记录) and the file; returns once the rows are checked.
pub async fn choose_import(page: &Page<'_>, holds: &str, file: &std::path::Path) {
    page.follow(ZH.settings).await;
    let select = page.field("", "文件内容").await;
    select
        .select_by_label(holds)
        .await
        .unwrap_or_else(|e| panic!("{}: choose what the file holds: {e}", page.name));
    let input = page
        .wait_for("//div[contains(@class,'import-panel')]//input[@type='file']")
        .await;
    input
        .send_keys(file.to_str().expect("a UTF-8 path"))
        .await
        .unwrap_or_else(|e| panic!("{}: choose the file: {e}", page.name));
    page.wait_for(IMPORT_PLAN).await;
}

/// Writes `bytes` to a temporary file (for a file input) named after this process and `name`.
pub fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("huike-e2e-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write the temporary file");
    path
}

/// A campaign's row on Stats.
pub fn campaign_row(name: &str) -> String {
    format!(
        "//li[contains(@class,'campaign')][.//*[contains(@class,'campaign-name')][normalize-space()='{name}']]"
    )
}

/// On Stats (中文, the owner): a new 回流 campaign named `name` for the customers of the target
/// chip whose label starts with `chip`; the live line must say `matched` ("10 位顾客符合 · 1 位作为
/// 对照组") before it is saved (screenshot `shot`) and started. Returns once it runs.
pub async fn start_campaign(page: &Page<'_>, name: &str, chip: &str, matched: &str, shot: &str) {
    page.follow("统计").await;
    page.click("新建活动").await;
    page.fill("保存", "名称", name).await;
    page.field("保存", "类型")
        .await
        .select_by_label("回流")
        .await
        .expect("choose the kind");
    let target = page
        .wait_for(&format!(
            "//fieldset[contains(@class,'campaign-target')]//button[contains(@class,'chip')][starts-with(normalize-space(),'{chip}')]"
        ))
        .await;
    page.tap(target, chip).await;
    page.sees_at("//p[contains(@class,'campaign-match')]", matched)
        .await;
    page.screenshot(shot).await;
    page.click("保存").await;
    let row = campaign_row(name);
    page.wait_for(&format!("{row}[@data-status='draft']")).await;
    page.click("开始活动").await;
    page.wait_for(&format!("{row}[@data-status='running']"))
        .await;
}
