//! The customer profile (顾客档案).

use super::Money;
use crate::id::Id;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Gender, used for the salutation (李女士 / 王先生).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 女
    Female,
    /// 男
    Male,
}

/// How the customer first came to the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 自然进店
    WalkIn,
    /// 抖音
    Douyin,
    /// 微信
    Wechat,
    /// 小红书
    Xiaohongshu,
    /// 老客介绍
    Referral,
    /// 电话
    Phone,
    /// 活动
    Event,
    /// 异业合作
    Partner,
    /// 其他
    Other,
}

impl Source {
    /// Every source, in display order.
    pub const ALL: [Source; 9] = [
        Source::WalkIn,
        Source::Douyin,
        Source::Wechat,
        Source::Xiaohongshu,
        Source::Referral,
        Source::Phone,
        Source::Event,
        Source::Partner,
        Source::Other,
    ];
}

/// Channels for reaching a customer (also the channel of a logged contact).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    /// 电话
    Phone,
    /// 短信
    Sms,
    /// 微信
    Wechat,
    /// 到店面谈
    InPerson,
    /// 活动
    Event,
    /// 寄送小样
    MailedSample,
}

/// Purchase intent (购买意向).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// 高
    High,
    /// 中
    Medium,
    /// 低
    Low,
}

/// A child of the customer (mother-and-baby shops plan around these dates).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Child {
    /// 小名
    pub nickname: String,
    /// Gender, when known.
    pub gender: Option<Gender>,
    /// Birthday, once born.
    pub birthday: Option<NaiveDate>,
    /// Due date (预产期), before birth.
    pub due_date: Option<NaiveDate>,
}

/// A date the customer cares about (anniversary, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportantDate {
    /// What it is, e.g. 结婚纪念日.
    pub label: String,
    /// The date (its month and day recur yearly).
    pub date: Option<NaiveDate>,
}

/// Someone who may come with the customer (连带资源).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Connection {
    /// Their name.
    pub name: String,
    /// How they relate, e.g. 婆婆, 闺蜜.
    pub relation: String,
}

/// A customer profile. Every field has a default, so partial records decode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// Name or nickname.
    pub name: String,
    /// Phone numbers, the main one first.
    pub phones: Vec<String>,
    /// WeChat id.
    pub wechat: String,
    /// Gender.
    pub gender: Option<Gender>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Occupation.
    pub occupation: String,
    /// Income band, free text (e.g. 1–2万/月).
    pub income_band: String,
    /// Area (小区, district).
    pub area: String,
    /// Address.
    pub address: String,
    /// Source channel.
    pub source: Option<Source>,
    /// The customer who referred this one.
    pub referrer: Option<Id>,
    /// Tags (a set: one register per tag).
    pub tags: BTreeSet<String>,
    /// Notes.
    pub notes: String,
    /// Preferred contact method.
    pub preferred_contact: Option<ContactChannel>,
    /// Never list for follow-ups.
    pub do_not_contact: bool,
    /// Flagged VIP by the shop.
    pub vip: bool,
    /// Budget range, lower end.
    pub budget_min: Option<Money>,
    /// Budget range, upper end.
    pub budget_max: Option<Money>,
    /// Products of interest (a set).
    pub interests: BTreeSet<String>,
    /// Purchase intent.
    pub intent: Option<Intent>,
    /// People who may come too.
    pub connections: Vec<Connection>,
    /// Expected next purchase date.
    pub next_purchase: Option<NaiveDate>,
    /// Communication style (沟通风格).
    pub communication_style: String,
    /// Appearance notes (外貌特征), to recognise them at the counter.
    pub appearance: String,
    /// Children.
    pub children: Vec<Child>,
    /// Anniversaries and other dates.
    pub important_dates: Vec<ImportantDate>,
    /// The device that created the profile.
    pub created_by: Option<Id>,
    /// When the profile was created (shop-local time).
    pub created_at: Option<NaiveDateTime>,
    /// The customer's id in the system or spreadsheet they were imported from, so that a
    /// re-import finds them (empty for customers added here).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub import_key: String,
}

impl Customer {
    /// Fields stored as one register per member, so concurrent edits merge.
    pub const SET_FIELDS: &'static [&'static str] = &["tags", "interests"];

    /// The main phone number, if any.
    pub fn phone(&self) -> Option<&str> {
        self.phones.first().map(String::as_str)
    }
}

/// Normalises a phone number as typed: keeps digits (and a leading `+`), drops spaces and dashes.
/// A mainland mobile number written with `+86`/`86` is reduced to its 11 digits.
pub fn normalize_phone(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let plus = text.trim_start().starts_with('+');
    match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 && rest.starts_with('1') => rest.to_owned(),
        _ if plus => format!("+{digits}"),
        _ => digits,
    }
}

/// Checks a phone number as typed and returns its normalised form: a mainland mobile (11 digits
/// starting with 1), a landline with area code (10–12 digits starting with 0), or an
/// international number (`+` and 7–15 digits).
pub fn validate_phone(text: &str) -> Result<String, PhoneError> {
    let n = normalize_phone(text);
    let ok = if let Some(intl) = n.strip_prefix('+') {
        (7..=15).contains(&intl.len())
    } else if n.starts_with('1') {
        n.len() == 11
    } else {
        n.starts_with('0') && (10..=12).contains(&n.len())
    };
    let stray = text
        .chars()
        .any(|c| !(c.is_ascii_digit() || " -+()".contains(c)));
    if ok && !stray {
        Ok(n)
    } else {
        Err(PhoneError(text.chars().take(40).collect()))
    }
}

/// A text that is not a phone number.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a phone number: {0:?}")]
pub struct PhoneError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_validate() {
        assert_eq!(validate_phone("138 0013 8000"), Ok("13800138000".into()));
        assert_eq!(validate_phone("010-88886666"), Ok("01088886666".into()));
        assert_eq!(
            validate_phone("+1 (415) 555-0100"),
            Ok("+14155550100".into())
        );
        for bad in [
            "1380013800",
            "138001380001",
            "abc",
            "12345",
            "1380013800x",
            "",
        ] {
            assert!(validate_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalise() {
        assert_eq!(normalize_phone("138 0013 8000"), "13800138000");
        assert_eq!(normalize_phone("+86 138-0013-8000"), "13800138000");
        assert_eq!(normalize_phone("+1 415 555 0100"), "+14155550100");
        assert_eq!(normalize_phone("010-8888 6666"), "01088886666");
    }
}
