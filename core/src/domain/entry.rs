//! Immutable entries: purchases, visits, contacts and ledger entries. Corrections are new
//! entries (a refund or an adjustment), never edits.

use super::{ContactChannel, Money};
use crate::id::Id;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// An immutable entry in the book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    /// A sale, refund or adjustment.
    Purchase(Purchase),
    /// A visit without a purchase.
    Visit(Visit),
    /// A follow-up contact.
    Contact(Contact),
    /// Points, stored value or a scheduled reward.
    Ledger(LedgerEntry),
}

impl Entry {
    /// The customer the entry belongs to.
    pub fn customer(&self) -> &Id {
        match self {
            Entry::Purchase(p) => &p.customer,
            Entry::Visit(v) => &v.customer,
            Entry::Contact(c) => &c.customer,
            Entry::Ledger(l) => &l.customer,
        }
    }

    /// The staff member (device) who recorded the entry, if known.
    pub fn staff(&self) -> Option<&Id> {
        match self {
            Entry::Purchase(p) => p.staff.as_ref(),
            Entry::Visit(v) => v.staff.as_ref(),
            Entry::Contact(c) => c.staff.as_ref(),
            Entry::Ledger(l) => l.staff.as_ref(),
        }
    }
}

/// What kind of purchase entry this is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseKind {
    /// A sale (counts as a purchase day).
    #[default]
    Sale,
    /// A refund of an earlier sale (negative total; reduces spend, not frequency).
    Refund,
    /// Any other correction (reduces or adds spend, not frequency).
    Adjustment,
}

/// Where the sale happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleChannel {
    /// 门店
    #[default]
    Store,
    /// 线上
    Online,
    /// 配送
    Delivery,
}

/// One line of a purchase.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineItem {
    /// Product name.
    pub product: String,
    /// Category (re-buy cycles are per category).
    pub category: String,
    /// Quantity.
    pub quantity: u32,
    /// Line amount.
    pub amount: Money,
}

/// A purchase, refund or adjustment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    /// The customer.
    pub customer: Id,
    /// When (shop-local).
    pub at: NaiveDateTime,
    /// Total (negative for a refund).
    pub total: Money,
    /// Line items.
    #[serde(default)]
    pub items: Vec<LineItem>,
    /// The device / staff member who recorded it.
    #[serde(default)]
    pub staff: Option<Id>,
    /// Store, online or delivery.
    #[serde(default)]
    pub channel: SaleChannel,
    /// Sale, refund or adjustment.
    #[serde(default)]
    pub kind: PurchaseKind,
    /// For a refund or adjustment: the purchase it corrects.
    #[serde(default)]
    pub corrects: Option<Id>,
}

/// Why a visit ended without a purchase (未成交原因).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotBoughtReason {
    /// 价格
    Price,
    /// 缺货
    OutOfStock,
    /// 随便看看
    JustLooking,
    /// 尺码
    Size,
    /// 改天再来
    WillComeBack,
    /// 其他
    Other,
}

/// A visit without a purchase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// The customer.
    pub customer: Id,
    /// The day.
    pub on: NaiveDate,
    /// Note.
    #[serde(default)]
    pub note: String,
    /// Why nothing was bought.
    #[serde(default)]
    pub reason: Option<NotBoughtReason>,
    /// Who recorded it.
    #[serde(default)]
    pub staff: Option<Id>,
}

/// Why the shop contacted the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 生日祝福
    Birthday,
    /// 宝宝成长节点
    ChildMilestone,
    /// 复购提醒
    Rebuy,
    /// 新品
    NewProduct,
    /// 活动邀约
    EventInvite,
    /// 积分
    Points,
    /// 唤醒
    Reactivation,
    /// 售后关怀
    AfterSale,
    /// 投诉回访
    ComplaintFollowUp,
    /// 节日问候
    HolidayGreeting,
    /// 其他
    Other,
}

impl Purpose {
    /// Every purpose, in a fixed order (stored images refer to a purpose by its position).
    pub const ALL: [Purpose; 11] = [
        Purpose::Birthday,
        Purpose::ChildMilestone,
        Purpose::Rebuy,
        Purpose::NewProduct,
        Purpose::EventInvite,
        Purpose::Points,
        Purpose::Reactivation,
        Purpose::AfterSale,
        Purpose::ComplaintFollowUp,
        Purpose::HolidayGreeting,
        Purpose::Other,
    ];
}

/// How a contact went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 已联系上
    Reached,
    /// 未接通
    NoAnswer,
    /// 积极
    Positive,
    /// 消极
    Negative,
    /// 要求勿扰
    DoNotContact,
}

impl Outcome {
    /// Every outcome, in a fixed order (stored images refer to an outcome by its position).
    pub const ALL: [Outcome; 5] = [
        Outcome::Reached,
        Outcome::NoAnswer,
        Outcome::Positive,
        Outcome::Negative,
        Outcome::DoNotContact,
    ];
}

/// A follow-up contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The customer.
    pub customer: Id,
    /// When (shop-local).
    pub at: NaiveDateTime,
    /// Channel.
    pub channel: ContactChannel,
    /// Purpose.
    pub purpose: Purpose,
    /// The template used, if any.
    #[serde(default)]
    pub template: Option<Id>,
    /// Outcome.
    pub outcome: Outcome,
    /// When to follow up next.
    #[serde(default)]
    pub next_follow_up: Option<NaiveDate>,
    /// Who made the contact.
    #[serde(default)]
    pub staff: Option<Id>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// What a ledger entry moves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerKind {
    /// Points earned (positive) or spent (negative).
    Points {
        /// The change in points.
        delta: i64,
    },
    /// Stored value topped up (positive) or spent (negative).
    StoredValue {
        /// The change in stored value.
        delta: Money,
    },
    /// A reward paid out in scheduled pickups (e.g. 10 monthly pickups of ¥50); each due date
    /// is a follow-up.
    ScheduledReward {
        /// What is picked up.
        description: String,
        /// The value of one pickup.
        amount: Money,
        /// Due dates of the pickups.
        due: Vec<NaiveDate>,
    },
    /// One scheduled pickup taken.
    Pickup {
        /// The scheduled reward entry.
        reward: Id,
        /// The due date it settles.
        due: NaiveDate,
    },
}

/// A points / stored value / reward entry. Its id is its idempotency key: a redemption replayed
/// after a lost response has the same id and never counts twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The customer.
    pub customer: Id,
    /// When (shop-local).
    pub at: NaiveDateTime,
    /// What moves.
    #[serde(flatten)]
    pub kind: LedgerKind,
    /// Note.
    #[serde(default)]
    pub note: String,
    /// Who recorded it.
    #[serde(default)]
    pub staff: Option<Id>,
}
