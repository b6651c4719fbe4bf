//! Lifecycle stage (seed 000; docs/segmentation.md).
//!
//! A customer's *interval* is the median gap in days between consecutive purchase days when
//! they have at least two, otherwise the shop-wide median of those medians, otherwise 30 days.
//! With `since` = days from the last purchase day to `D`:
//! Churned when `since` > max(`churn_min_days`, `churn_multiplier` × interval); else Decline when
//! `since` > `decline_multiplier` × interval; else Maturity with ≥ 4 purchase days, Growth with
//! 2–3, Introduction with 0–1 (a customer without a purchase is always Introduction).

use crate::domain::{Money, Rules};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The interval used when the shop has no customer with two purchase days.
pub const DEFAULT_INTERVAL_DAYS: f64 = 30.0;

/// The five lifecycle stages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 引入: no purchase yet, or one purchase day.
    Introduction,
    /// 增长: 2 or 3 purchase days.
    Growth,
    /// 成熟: 4 or more purchase days.
    Maturity,
    /// 衰退: longer than the decline multiple of the interval since the last purchase.
    Decline,
    /// 流失: longer than max(churn minimum, churn multiple of the interval).
    Churned,
}

impl Stage {
    /// Every stage, in lifecycle order.
    pub const ALL: [Stage; 5] = [
        Stage::Introduction,
        Stage::Growth,
        Stage::Maturity,
        Stage::Decline,
        Stage::Churned,
    ];

    /// The stable key (`introduction`, …).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Introduction => "introduction",
            Stage::Growth => "growth",
            Stage::Maturity => "maturity",
            Stage::Decline => "decline",
            Stage::Churned => "churned",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Introduction => "引入期",
            Stage::Growth => "增长期",
            Stage::Maturity => "成熟期",
            Stage::Decline => "衰退期",
            Stage::Churned => "流失",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        match self {
            Stage::Introduction => "Introduction",
            Stage::Growth => "Growth",
            Stage::Maturity => "Maturity",
            Stage::Decline => "Decline",
            Stage::Churned => "Churned",
        }
    }
}

/// Where a customer's interval came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalSource {
    /// The median of their own gaps (≥ 2 purchase days).
    Own,
    /// The shop-wide median of customers' own intervals.
    Shop,
    /// The 30-day default.
    Default,
}

/// A customer's place in the lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The stage.
    pub stage: Stage,
    /// The purchase interval in days.
    pub interval_days: f64,
    /// Where the interval came from.
    pub interval_source: IntervalSource,
    /// Days since the last purchase day, when there is one.
    pub since_days: Option<u32>,
}

/// The median of a sorted slice (the mean of the two middle values for an even count).
pub fn median_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The median gap in days between consecutive purchase days (`None` with fewer than two).
/// `scratch` is reused between customers to avoid an allocation each.
pub fn median_gap(days: &[(NaiveDate, Money)], scratch: &mut Vec<f64>) -> Option<f64> {
    scratch.clear();
    scratch.extend(days.windows(2).map(|w| (w[1].0 - w[0].0).num_days() as f64));
    crate::sorting::sort_by(scratch, f64::total_cmp);
    median_sorted(scratch)
}

/// The shop-wide interval: the median of the customers' own intervals (`None` when no
/// customer has two purchase days).
pub fn shop_interval(own: &[Option<f64>]) -> Option<f64> {
    let mut all: Vec<f64> = own.iter().flatten().copied().collect();
    crate::sorting::sort_by(&mut all, f64::total_cmp);
    median_sorted(&all)
}

/// A customer's lifecycle from their number of purchase days, their last purchase day, their
/// own interval (if any) and the shop-wide one.
pub fn lifecycle(
    purchase_days: u32,
    last_purchase: Option<NaiveDate>,
    own_interval: Option<f64>,
    shop_interval: Option<f64>,
    as_of: NaiveDate,
    rules: &Rules,
) -> Lifecycle {
    let (interval_days, interval_source) = match (own_interval, shop_interval) {
        (Some(own), _) => (own, IntervalSource::Own),
        (None, Some(shop)) => (shop, IntervalSource::Shop),
        (None, None) => (DEFAULT_INTERVAL_DAYS, IntervalSource::Default),
    };
    let since_days =
        last_purchase.map(|last| u32::try_from((as_of - last).num_days()).unwrap_or(0));
    let by_count = match purchase_days {
        0 | 1 => Stage::Introduction,
        2 | 3 => Stage::Growth,
        _ => Stage::Maturity,
    };
    let stage = match since_days.map(f64::from) {
        Some(since)
            if since
                > f64::from(rules.churn_min_days).max(rules.churn_multiplier * interval_days) =>
        {
            Stage::Churned
        }
        Some(since) if since > rules.decline_multiplier * interval_days => Stage::Decline,
        _ => by_count,
    };
    Lifecycle {
        stage,
        interval_days,
        interval_source,
        since_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_sorted(&[]), None);
        assert_eq!(median_sorted(&[4.0]), Some(4.0));
        assert_eq!(median_sorted(&[1.0, 5.0, 9.0]), Some(5.0));
        assert_eq!(median_sorted(&[1.0, 4.0, 5.0, 100.0]), Some(4.5));
    }
}
