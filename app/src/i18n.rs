//! The UI's two languages. Every string lives in one [`Texts`] table per language, so a
//! missing translation is a compile error, not a blank button.
//!
//! A crate (fluent, leptos_i18n) earns its weight with plurals, number formats and many
//! languages; two fixed tables with placeholders filled by `format!` are all this UI needs.

use serde::{Deserialize, Serialize};

/// `20000` as `20,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// 简体中文 (default).
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Reads `zh`, `zh-CN`, `en`, `en-US`, … (anything else is `None`).
    pub fn parse(code: &str) -> Option<Lang> {
        let c = code.to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::Zh)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The same language for core's texts (messages, follow-up reasons).
    pub fn core(self) -> huike_core::message::Lang {
        match self {
            Lang::Zh => huike_core::message::Lang::ZhCn,
            Lang::En => huike_core::message::Lang::En,
        }
    }

    /// "1 customer", "20,000 customers", "20000 位顾客".
    pub fn customers(self, n: usize) -> String {
        match (self, n) {
            (Lang::Zh, n) => format!("{n} 位顾客"),
            (Lang::En, 1) => "1 customer".to_owned(),
            (Lang::En, n) => format!("{} customers", thousands(n)),
        }
    }

    /// What a failed sync means, in words.
    pub fn sync_error(self, e: &huike_core::client::driver::SyncError) -> String {
        use huike_core::client::driver::SyncError as E;
        match (self, e) {
            (Lang::Zh, E::Unreachable { reason, .. }) => {
                format!("连不上同步服务器（{reason}）。改动都保存在本机，恢复后会自动同步。")
            }
            (Lang::En, E::Unreachable { reason, .. }) => format!(
                "Cannot reach the sync server ({reason}). Changes are kept on this device and sync when it is back."
            ),
            (Lang::Zh, E::Revoked { unsent, .. }) => format!(
                "这台设备已被店主从店铺移除，不会再同步。本机有 {unsent} 条改动没有送到店铺。"
            ),
            (Lang::En, E::Revoked { unsent, .. }) => format!(
                "This device was removed from the shop by its owner and will not sync again. {} made here never reached the shop.",
                if *unsent == 1 {
                    "1 change".to_owned()
                } else {
                    format!("{unsent} changes")
                }
            ),
            (Lang::Zh, E::Refused { message }) => format!("服务器拒绝了一项改动：{message}"),
            (Lang::En, E::Refused { message }) => format!("The server refused a change: {message}"),
            (Lang::Zh, E::Conflict { seq, .. }) => format!(
                "这台设备的改动与服务器上以同一设备送出的改动冲突（第 {seq} 批），已停止自动同步。请联系店主。"
            ),
            (Lang::En, E::Conflict { seq, .. }) => format!(
                "This device's changes conflict with changes already sent under its name (batch {seq}); it stopped syncing on its own. Ask the owner."
            ),
            (Lang::Zh, E::Storage(m)) => format!("本机存储失败：{m}"),
            (Lang::En, E::Storage(m)) => format!("Could not store on this device: {m}"),
        }
    }

    /// The language's strings.
    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

/// Every string the UI shows.
#[allow(missing_docs)]
pub struct Texts {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub today: &'static str,
    pub customers: &'static str,
    pub stats: &'static str,
    pub settings: &'static str,
    pub add_customer: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub saved: &'static str,
    pub record_purchase: &'static str,
    pub record_visit: &'static str,
    pub log_contact: &'static str,
    pub open_complaint: &'static str,
    pub copy_message: &'static str,
    pub share: &'static str,
    pub call: &'static str,
    pub sms: &'static str,
    pub sync_now: &'static str,
    pub import: &'static str,
    pub export: &'static str,
    pub name: &'static str,
    pub phone: &'static str,
    pub tags: &'static str,
    pub source: &'static str,
    pub referrer: &'static str,
    pub birthday: &'static str,
    pub amount: &'static str,
    pub search: &'static str,
    pub notes: &'static str,
    pub wechat: &'static str,
    pub create_shop: &'static str,
    pub shop_name: &'static str,
    pub your_name: &'static str,
    pub join_shop: &'static str,
    pub invite_code: &'static str,
    pub invite_device: &'static str,
    pub clerk: &'static str,
    pub owner: &'static str,
    pub role: &'static str,
    pub revoke: &'static str,
    pub revoked: &'static str,
    pub server: &'static str,
    pub welcome: &'static str,
    pub welcome_body: &'static str,
    pub or_join: &'static str,
    pub language: &'static str,
    pub shop: &'static str,
    pub devices: &'static str,
    pub this_device: &'static str,
    pub sync: &'static str,
    pub last_sync: &'static str,
    pub never: &'static str,
    pub pending: &'static str,
    pub last_error: &'static str,
    pub syncing: &'static str,
    pub offline: &'static str,
    pub online: &'static str,
    pub unreachable: &'static str,
    pub sync_stopped: &'static str,
    pub open_elsewhere: &'static str,
    pub delete_customer: &'static str,
    pub erase_personal_data: &'static str,
    pub confirm_delete: &'static str,
    pub signup_code: &'static str,
    pub invite_hint: &'static str,
    pub expires: &'static str,
    pub no_customers: &'static str,
    pub no_customers_hint: &'static str,
    pub no_results: &'static str,
    pub duplicate_phone: &'static str,
    pub name_required: &'static str,
    pub phone_invalid: &'static str,
    pub back: &'static str,
    pub edit: &'static str,
    pub added_on: &'static str,
    pub today_empty: &'static str,
    pub today_hint: &'static str,
    pub to_contact: &'static str,
    pub purpose: &'static str,
    pub channel: &'static str,
    pub outcome: &'static str,
    pub next_follow_up: &'static str,
    pub not_bought_reason: &'static str,
    pub message: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub share_unavailable: &'static str,
    pub how_did_it_go: &'static str,
    pub outcome_reached: &'static str,
    pub outcome_no_answer: &'static str,
    pub outcome_positive: &'static str,
    pub outcome_negative: &'static str,
    pub outcome_do_not_contact: &'static str,
    pub contact_logged: &'static str,
    pub missing_values: &'static str,
    pub item: &'static str,
    pub category: &'static str,
    pub date: &'static str,
    pub amount_invalid: &'static str,
    pub date_invalid: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub purchase: &'static str,
    pub refund: &'static str,
    pub adjustment: &'static str,
    pub visit: &'static str,
    pub contact: &'static str,
    pub ledger_entry: &'static str,
    pub to_contact_today: &'static str,
    pub rfm_class: &'static str,
    pub shop_class: &'static str,
    pub stage: &'static str,
    pub more_to_contact: &'static str,
    pub stats_total: &'static str,
    pub stats_new_30: &'static str,
    pub stats_by_source: &'static str,
    pub stats_hint: &'static str,
    pub storage_error: &'static str,
    pub new_version: &'static str,
    pub reload: &'static str,
    pub required: &'static str,
    pub working: &'static str,
    pub opening_book: &'static str,
    pub storage: &'static str,
    pub storage_persistent: &'static str,
    pub storage_best_effort: &'static str,
    pub not_found: &'static str,
}

/// 简体中文.
pub static ZH: Texts = Texts {
    app_name: "回客",
    tagline: "门店顾客档案",
    today: "今日",
    customers: "顾客",
    stats: "统计",
    settings: "设置",
    add_customer: "新增顾客",
    save: "保存",
    cancel: "取消",
    saved: "已保存",
    record_purchase: "记一笔",
    record_visit: "记到店",
    log_contact: "记联系",
    open_complaint: "记投诉",
    copy_message: "复制话术",
    share: "分享",
    call: "拨打",
    sms: "短信",
    sync_now: "立即同步",
    import: "导入",
    export: "导出",
    name: "姓名",
    phone: "手机号",
    tags: "标签",
    source: "来源",
    referrer: "介绍人",
    birthday: "生日",
    amount: "金额",
    search: "搜索",
    notes: "备注",
    wechat: "微信号",
    create_shop: "创建店铺",
    shop_name: "店铺名称",
    your_name: "你的名字",
    join_shop: "加入店铺",
    invite_code: "邀请码",
    invite_device: "邀请设备",
    clerk: "店员",
    owner: "店主",
    role: "角色",
    revoke: "撤销",
    revoked: "已撤销",
    server: "同步服务器",
    welcome: "欢迎使用回客",
    welcome_body: "把每一位顾客记下来,今天该联系谁、说什么,回客帮你想好。",
    or_join: "已有店铺?用店主给的邀请码加入。",
    language: "语言",
    shop: "店铺",
    devices: "设备",
    this_device: "本机",
    sync: "同步",
    last_sync: "上次同步",
    never: "从未",
    pending: "待同步",
    last_error: "上次错误",
    syncing: "同步中…",
    offline: "离线",
    online: "在线",
    unreachable: "连不上同步服务器,改动都保存在本机,恢复后会自动同步",
    sync_stopped: "已停止同步（见上次错误）",
    open_elsewhere: "回客已在另一个标签页或窗口中打开。关闭那个页面后，这里会自动继续。",
    delete_customer: "删除顾客",
    erase_personal_data: "同时清除此顾客的个人信息（姓名、电话、备注等），所有设备和服务器上都不再保留",
    confirm_delete: "确认删除",
    signup_code: "开店码（服务器要求时填写）",
    invite_hint: "在新设备上打开回客,选择“加入店铺”,输入邀请码或扫码。24 小时内有效,只能用一次。",
    expires: "有效期至",
    no_customers: "还没有顾客",
    no_customers_hint: "点“新增顾客”,十秒记下第一位。",
    no_results: "没有找到匹配的顾客",
    duplicate_phone: "这个手机号已经登记过:",
    name_required: "请填写姓名或昵称",
    phone_invalid: "手机号应为 11 位数字(或带区号的固话)",
    back: "返回",
    edit: "编辑",
    added_on: "建档",
    today_empty: "今天没有需要跟进的顾客",
    today_hint: "生日、复购、回访提醒会出现在这里。",
    to_contact: "位顾客待联系",
    purpose: "联系目的",
    channel: "联系方式",
    outcome: "结果",
    next_follow_up: "下次回访",
    not_bought_reason: "未成交原因",
    message: "今日话术",
    copied: "已复制，去微信粘贴发送吧。",
    copy_failed: "无法自动复制，请长按文字手动复制。",
    share_unavailable: "这台设备不支持分享，请用复制话术。",
    how_did_it_go: "联系后点一下结果：",
    outcome_reached: "已联系",
    outcome_no_answer: "未接通",
    outcome_positive: "有意向",
    outcome_negative: "没兴趣",
    outcome_do_not_contact: "不要再联系",
    contact_logged: "已记录这次联系。",
    missing_values: "还缺这些信息：{list}。请补全或改写后再发。",
    item: "商品",
    category: "品类",
    date: "日期",
    amount_invalid: "金额请填大于 0 的数字，如 268 或 268.50。",
    date_invalid: "请选择日期。",
    history: "消费与往来",
    no_history: "还没有消费或到店记录。",
    purchase: "消费",
    refund: "退款",
    adjustment: "调整",
    visit: "到店未购买",
    contact: "联系",
    ledger_entry: "积分/储值",
    to_contact_today: "今日跟进",
    rfm_class: "RFM 分类",
    shop_class: "顾客类型",
    stage: "生命周期",
    more_to_contact: "另有 {n} 位待联系，优先级较低。",
    stats_total: "顾客总数",
    stats_new_30: "近 30 天新增",
    stats_by_source: "顾客来源",
    stats_hint: "生命周期、RFM 分层等分析随顾客和消费记录增加而出现。",
    storage_error: "无法保存到本机存储:",
    new_version: "有新版本可用",
    reload: "刷新",
    required: "必填",
    working: "请稍候…",
    opening_book: "正在打开顾客档案…",
    storage: "本机存储",
    storage_persistent: "已设为持久保存（浏览器不会自动清除）",
    storage_best_effort: "未获持久保存：空间不足时浏览器可能清除未同步的更改，请经常同步",
    not_found: "页面不存在",
};

/// English.
pub static EN: Texts = Texts {
    app_name: "Huike",
    tagline: "The customer book for your shop",
    today: "Today",
    customers: "Customers",
    stats: "Stats",
    settings: "Settings",
    add_customer: "Add customer",
    save: "Save",
    cancel: "Cancel",
    saved: "Saved",
    record_purchase: "Record purchase",
    record_visit: "Record visit",
    log_contact: "Log contact",
    open_complaint: "Open complaint",
    copy_message: "Copy message",
    share: "Share",
    call: "Call",
    sms: "SMS",
    sync_now: "Sync now",
    import: "Import",
    export: "Export",
    name: "Name",
    phone: "Phone",
    tags: "Tags",
    source: "Source",
    referrer: "Referrer",
    birthday: "Birthday",
    amount: "Amount",
    search: "Search",
    notes: "Notes",
    wechat: "WeChat ID",
    create_shop: "Create shop",
    shop_name: "Shop name",
    your_name: "Your name",
    join_shop: "Join shop",
    invite_code: "Invite code",
    invite_device: "Invite device",
    clerk: "Clerk",
    owner: "Owner",
    role: "Role",
    revoke: "Revoke",
    revoked: "Revoked",
    server: "Sync server",
    welcome: "Welcome to Huike",
    welcome_body: "Keep every customer in one book; Huike tells you whom to contact today and what to say.",
    or_join: "Shop already set up? Join with the owner's invite code.",
    language: "Language",
    shop: "Shop",
    devices: "Devices",
    this_device: "This device",
    sync: "Sync",
    last_sync: "Last sync",
    never: "Never",
    pending: "Pending changes",
    last_error: "Last error",
    syncing: "Syncing…",
    offline: "Offline",
    online: "Online",
    unreachable: "Cannot reach the sync server; changes are kept on this device and sync when it is back",
    sync_stopped: "Sync stopped (see the last error)",
    open_elsewhere: "Huike is open in another tab or window. Close it and this page carries on.",
    delete_customer: "Delete customer",
    erase_personal_data: "Also erase this customer's personal data (name, phone numbers, notes…) from every device and the server",
    confirm_delete: "Confirm delete",
    signup_code: "Sign-up code (if the server asks for one)",
    invite_hint: "On the new device open Huike, choose “Join shop” and enter the code or scan it. Valid for 24 hours, once.",
    expires: "Expires",
    no_customers: "No customers yet",
    no_customers_hint: "Tap “Add customer” to note the first one in ten seconds.",
    no_results: "No matching customers",
    duplicate_phone: "This phone number is already on file:",
    name_required: "Enter a name or nickname",
    phone_invalid: "A phone number has 11 digits (or a landline with area code)",
    back: "Back",
    edit: "Edit",
    added_on: "Added",
    today_empty: "No follow-ups today",
    today_hint: "Birthdays, re-buy reminders and check-ins appear here.",
    to_contact: "to contact",
    purpose: "Purpose",
    channel: "Channel",
    outcome: "Outcome",
    next_follow_up: "Next follow-up",
    not_bought_reason: "Why nothing was bought",
    message: "Today's message",
    copied: "Copied: paste it into WeChat.",
    copy_failed: "Could not copy: press and hold the text to copy it.",
    share_unavailable: "Sharing is not available here: use Copy message.",
    how_did_it_go: "After the contact, tap how it went:",
    outcome_reached: "Reached",
    outcome_no_answer: "No answer",
    outcome_positive: "Interested",
    outcome_negative: "Not interested",
    outcome_do_not_contact: "Do not contact",
    contact_logged: "Contact logged.",
    missing_values: "Missing: {list}. Fill them in or reword before sending.",
    item: "Item",
    category: "Category",
    date: "Date",
    amount_invalid: "Enter an amount above 0, e.g. 268 or 268.50.",
    date_invalid: "Pick a date.",
    history: "History",
    no_history: "No purchases or visits yet.",
    purchase: "Purchase",
    refund: "Refund",
    adjustment: "Adjustment",
    visit: "Visit, no purchase",
    contact: "Contact",
    ledger_entry: "Points / stored value",
    to_contact_today: "Contact today",
    rfm_class: "RFM class",
    shop_class: "Customer type",
    stage: "Lifecycle",
    more_to_contact: "{n} more to contact, lower in priority.",
    stats_total: "Customers",
    stats_new_30: "New in 30 days",
    stats_by_source: "Sources",
    stats_hint: "Lifecycle, RFM classes and more appear as customers and purchases are recorded.",
    storage_error: "Could not save on this device:",
    new_version: "A new version is available",
    reload: "Reload",
    required: "required",
    working: "Working…",
    opening_book: "Opening the customer book…",
    storage: "Storage on this device",
    storage_persistent: "Persistent (the browser will not clear it)",
    storage_best_effort: "Not persistent: the browser may clear unsynced changes when space runs short — sync often",
    not_found: "Page not found",
};
