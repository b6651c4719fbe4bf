//! RFM metrics and their rank scores (docs/segmentation.md).
//!
//! For customers with at least one purchase day: `recency_days` = `D` − last purchase day,
//! `frequency` = number of purchase days, `monetary` = net spend. Each metric is scored 1–5 by
//! rank: customers are ordered from worst to best (recency: most days first; frequency and
//! monetary: smallest first); a value that first appears at 0-based position `i` of `n` scores
//! `1 + floor(5 * i / n)`, and equal values share the score of the first of their group.
//!
//! With an analysis window (`Rules::window_days` > 0) only purchase days within the last
//! `window_days` days (`D − day < window_days`) count, and customers with none are not scored.

use crate::domain::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One customer's RFM metrics and scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rfm {
    /// Days from the last purchase day to `D`.
    pub recency_days: u32,
    /// Number of purchase days.
    pub frequency: u32,
    /// Net spend.
    pub monetary: Money,
    /// Recency score, 1–5 (5 = most recent).
    pub r: u8,
    /// Frequency score, 1–5.
    pub f: u8,
    /// Monetary score, 1–5.
    pub m: u8,
}

/// The raw metrics of one customer, before scoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metrics {
    /// Days from the last purchase day to `D`.
    pub recency_days: u32,
    /// Number of purchase days.
    pub frequency: u32,
    /// Net spend.
    pub monetary: Money,
}

impl Metrics {
    /// The metrics from a customer's purchase days (sorted, with each day's spend), counting
    /// only days within the window (`window_days` = 0: all). `None` without a purchase day.
    pub fn from_days(
        days: &[(NaiveDate, Money)],
        as_of: NaiveDate,
        window_days: u32,
    ) -> Option<Metrics> {
        let in_window =
            |day: NaiveDate| window_days == 0 || (as_of - day).num_days() < i64::from(window_days);
        let first = days.partition_point(|&(day, _)| !in_window(day));
        let days = &days[first..];
        let (last, _) = days.last()?;
        Some(Metrics {
            recency_days: u32::try_from((as_of - *last).num_days()).unwrap_or(0),
            frequency: days.len() as u32,
            monetary: days.iter().map(|&(_, spend)| spend).sum(),
        })
    }
}

/// The means over all scored customers, which split each metric into high and low.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RfmMeans {
    /// Number of scored customers.
    pub customers: u32,
    /// Mean recency in days.
    pub recency_days: f64,
    /// Mean frequency.
    pub frequency: f64,
    /// Mean net spend in minor units.
    pub monetary: f64,
    sum_recency: i64,
    sum_frequency: i64,
    sum_monetary: i64,
}

/// Which metrics of a customer are high compared with the means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct High {
    /// `recency_days` < mean recency.
    pub r: bool,
    /// `frequency` > mean frequency.
    pub f: bool,
    /// `monetary` > mean monetary.
    pub m: bool,
}

impl RfmMeans {
    /// Compares a customer's metrics with the means, exactly (`x < sum / n` as `x·n < sum`).
    pub fn high(&self, rfm: &Rfm) -> High {
        let n = i128::from(self.customers);
        High {
            r: i128::from(rfm.recency_days) * n < i128::from(self.sum_recency),
            f: i128::from(rfm.frequency) * n > i128::from(self.sum_frequency),
            m: i128::from(rfm.monetary.minor()) * n > i128::from(self.sum_monetary),
        }
    }
}

/// Scores by rank: `keys` ordered so that a smaller key is worse. A key that first appears
/// at 0-based position `i` of `n` in ascending order scores `1 + floor(5 * i / n)`.
pub fn rank_scores(keys: &[i64]) -> Vec<u8> {
    let n = keys.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    crate::sorting::sort_by_key(&mut order, |&i| keys[i as usize]);
    let mut scores = vec![0u8; n];
    let mut group_start = 0;
    for (pos, &i) in order.iter().enumerate() {
        if pos > 0 && keys[i as usize] != keys[order[pos - 1] as usize] {
            group_start = pos;
        }
        scores[i as usize] = (1 + 5 * group_start / n) as u8;
    }
    scores
}

/// Scores every customer that has metrics, and the means over them (`None` when nobody has).
pub fn score(metrics: &[Option<Metrics>]) -> (Vec<Option<Rfm>>, Option<RfmMeans>) {
    let scored: Vec<Metrics> = metrics.iter().flatten().copied().collect();
    if scored.is_empty() {
        return (vec![None; metrics.len()], None);
    }
    // Worst first: the most days since the last purchase, the fewest days, the least spend.
    let r = rank_scores(
        &scored
            .iter()
            .map(|m| -i64::from(m.recency_days))
            .collect::<Vec<_>>(),
    );
    let f = rank_scores(
        &scored
            .iter()
            .map(|m| i64::from(m.frequency))
            .collect::<Vec<_>>(),
    );
    let m = rank_scores(
        &scored
            .iter()
            .map(|m| m.monetary.minor())
            .collect::<Vec<_>>(),
    );
    let mut next = 0;
    let rfm = metrics
        .iter()
        .map(|x| {
            x.map(|x| {
                let i = next;
                next += 1;
                Rfm {
                    recency_days: x.recency_days,
                    frequency: x.frequency,
                    monetary: x.monetary,
                    r: r[i],
                    f: f[i],
                    m: m[i],
                }
            })
        })
        .collect();
    let n = scored.len();
    let sum_recency: i64 = scored.iter().map(|m| i64::from(m.recency_days)).sum();
    let sum_frequency: i64 = scored.iter().map(|m| i64::from(m.frequency)).sum();
    let sum_monetary: i64 = scored.iter().map(|m| m.monetary.minor()).sum();
    let means = RfmMeans {
        customers: n as u32,
        recency_days: sum_recency as f64 / n as f64,
        frequency: sum_frequency as f64 / n as f64,
        monetary: sum_monetary as f64 / n as f64,
        sum_recency,
        sum_frequency,
        sum_monetary,
    };
    (rfm, Some(means))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_the_score_of_the_first_of_their_group() {
        // Sorted: 1 1 2 3 3 3 7 8 9 10 (n = 10): positions of first appearance 0, 2, 3, 6, 7, 8, 9.
        let keys = [3, 1, 10, 3, 2, 9, 1, 8, 3, 7];
        let s = rank_scores(&keys);
        assert_eq!(s, vec![2, 1, 5, 2, 2, 5, 1, 4, 2, 4]);
    }

    #[test]
    fn a_single_customer_scores_one() {
        assert_eq!(rank_scores(&[42]), vec![1]);
    }
}
