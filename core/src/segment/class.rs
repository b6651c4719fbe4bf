//! The eight RFM classes (八类) and the shop's own four classes (seed 001; docs/segmentation.md).

use super::rfm::{High, Rfm};
use serde::{Deserialize, Serialize};

/// The eight RFM classes, from R/F/M high or low against the means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmClass {
    /// R high, F high, M high: 重要价值客户.
    KeyValue,
    /// R high, F low, M high: 重要发展客户.
    KeyDevelop,
    /// R low, F high, M high: 重要保持客户.
    KeyKeep,
    /// R low, F low, M high: 重要挽留客户.
    KeyWinBack,
    /// R high, F high, M low: 一般价值客户.
    RegularValue,
    /// R high, F low, M low: 一般发展客户.
    RegularDevelop,
    /// R low, F high, M low: 一般保持客户.
    RegularKeep,
    /// R low, F low, M low: 一般挽留客户.
    RegularWinBack,
}

impl RfmClass {
    /// Every class, in the order of the table in docs/segmentation.md.
    pub const ALL: [RfmClass; 8] = [
        RfmClass::KeyValue,
        RfmClass::KeyDevelop,
        RfmClass::KeyKeep,
        RfmClass::KeyWinBack,
        RfmClass::RegularValue,
        RfmClass::RegularDevelop,
        RfmClass::RegularKeep,
        RfmClass::RegularWinBack,
    ];

    /// The class for a customer's high/low pattern.
    pub fn from_high(high: High) -> RfmClass {
        match (high.m, high.r, high.f) {
            (true, true, true) => RfmClass::KeyValue,
            (true, true, false) => RfmClass::KeyDevelop,
            (true, false, true) => RfmClass::KeyKeep,
            (true, false, false) => RfmClass::KeyWinBack,
            (false, true, true) => RfmClass::RegularValue,
            (false, true, false) => RfmClass::RegularDevelop,
            (false, false, true) => RfmClass::RegularKeep,
            (false, false, false) => RfmClass::RegularWinBack,
        }
    }

    /// The stable key (`key_value`, …), as used by `Rules::cadence_days`.
    pub fn key(self) -> &'static str {
        match self {
            RfmClass::KeyValue => "key_value",
            RfmClass::KeyDevelop => "key_develop",
            RfmClass::KeyKeep => "key_keep",
            RfmClass::KeyWinBack => "key_win_back",
            RfmClass::RegularValue => "regular_value",
            RfmClass::RegularDevelop => "regular_develop",
            RfmClass::RegularKeep => "regular_keep",
            RfmClass::RegularWinBack => "regular_win_back",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            RfmClass::KeyValue => "重要价值客户",
            RfmClass::KeyDevelop => "重要发展客户",
            RfmClass::KeyKeep => "重要保持客户",
            RfmClass::KeyWinBack => "重要挽留客户",
            RfmClass::RegularValue => "一般价值客户",
            RfmClass::RegularDevelop => "一般发展客户",
            RfmClass::RegularKeep => "一般保持客户",
            RfmClass::RegularWinBack => "一般挽留客户",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        match self {
            RfmClass::KeyValue => "Key value",
            RfmClass::KeyDevelop => "Key to develop",
            RfmClass::KeyKeep => "Key to keep",
            RfmClass::KeyWinBack => "Key to win back",
            RfmClass::RegularValue => "Regular value",
            RfmClass::RegularDevelop => "Regular to develop",
            RfmClass::RegularKeep => "Regular to keep",
            RfmClass::RegularWinBack => "Regular to win back",
        }
    }
}

/// The shop's four classes of seed 001.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopClass {
    /// VIP客户: flagged VIP, or M score 5 and F score ≥ 4.
    Vip,
    /// 到店消费过: at least one purchase.
    Bought,
    /// 到店未消费: at least one visit, no purchase.
    Visited,
    /// 潜在客户: neither (e.g. a referred lead).
    Potential,
}

impl ShopClass {
    /// Every class, in display order.
    pub const ALL: [ShopClass; 4] = [
        ShopClass::Vip,
        ShopClass::Bought,
        ShopClass::Visited,
        ShopClass::Potential,
    ];

    /// The class of a customer: `vip_flag` from the profile, `rfm` when scored.
    pub fn of(vip_flag: bool, rfm: Option<&Rfm>, purchase_days: u32, visits: u32) -> ShopClass {
        if vip_flag || rfm.is_some_and(|s| s.m == 5 && s.f >= 4) {
            ShopClass::Vip
        } else if purchase_days > 0 {
            ShopClass::Bought
        } else if visits > 0 {
            ShopClass::Visited
        } else {
            ShopClass::Potential
        }
    }

    /// The stable key (`vip`, `bought`, `visited`, `potential`).
    pub fn key(self) -> &'static str {
        match self {
            ShopClass::Vip => "vip",
            ShopClass::Bought => "bought",
            ShopClass::Visited => "visited",
            ShopClass::Potential => "potential",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            ShopClass::Vip => "VIP客户",
            ShopClass::Bought => "到店消费过",
            ShopClass::Visited => "到店未消费",
            ShopClass::Potential => "潜在客户",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        match self {
            ShopClass::Vip => "VIP",
            ShopClass::Bought => "Bought",
            ShopClass::Visited => "Visited, not bought",
            ShopClass::Potential => "Potential",
        }
    }
}
