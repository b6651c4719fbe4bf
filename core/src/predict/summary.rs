//! One customer's purchase history reduced to what the models read: `x`, `t_x`, `T` and the
//! spend on repeat purchase days (docs/segmentation.md).

use super::PredictError;
use crate::date::days_between;
use crate::domain::Money;
use chrono::NaiveDate;

/// The time unit the models are fitted in; their `α` (BG/NBD) scales with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// Calendar days.
    Days,
    /// Weeks of seven days (`days / 7`).
    Weeks,
}

impl TimeUnit {
    /// How many days one unit lasts.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
        }
    }

    /// A span given in days, expressed in this unit.
    pub fn from_days(self, days: f64) -> f64 {
        days / self.days()
    }
}

/// A customer's history as the models see it, in whole days (so identical histories compare
/// equal whatever the unit).
///
/// Invariants, checked by the constructors: `x = 0` ⇒ `t_x = 0` and no repeat spend;
/// `x ≥ 1` ⇒ `x ≤ t_x` (the purchase days are distinct); `t_x ≤ T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CustomerSummary {
    x: u32,
    t_x_days: u32,
    t_days: u32,
    repeat_spend: Money,
}

impl CustomerSummary {
    /// A summary from its parts: `x` repeat purchase days, `t_x_days` from the first to the
    /// last purchase day, `t_days` from the first purchase day to the as-of date, and the total
    /// spend on the repeat purchase days.
    pub fn new(
        x: u32,
        t_x_days: u32,
        t_days: u32,
        repeat_spend: Money,
    ) -> Result<Self, PredictError> {
        let consistent = if x == 0 {
            t_x_days == 0 && repeat_spend == Money::ZERO
        } else {
            x <= t_x_days
        };
        if !consistent || t_x_days > t_days {
            return Err(PredictError::InconsistentSummary {
                x,
                t_x_days,
                t_days,
            });
        }
        Ok(CustomerSummary {
            x,
            t_x_days,
            t_days,
            repeat_spend,
        })
    }

    /// The summary at `as_of` of a customer's purchase days: each distinct day with that day's
    /// net spend, sorted by date. Days after `as_of` are not counted.
    ///
    /// Errors: days not strictly increasing ([`PredictError::UnsortedDays`]); no purchase day
    /// on or before `as_of` ([`PredictError::NoPurchaseDays`]).
    pub fn from_days(days: &[(NaiveDate, Money)], as_of: NaiveDate) -> Result<Self, PredictError> {
        if let Some(index) = days.windows(2).position(|w| w[0].0 >= w[1].0) {
            return Err(PredictError::UnsortedDays { index: index + 1 });
        }
        let counted = &days[..days.partition_point(|(day, _)| *day <= as_of)];
        let (Some(first), Some(last)) = (counted.first(), counted.last()) else {
            return Err(PredictError::NoPurchaseDays);
        };
        // Both casts are lossless: the days are sorted and distinct, and chrono's whole date
        // range spans fewer than 2³² days.
        let span = |from, to| days_between(from, to) as u32;
        let repeat_spend = counted[1..].iter().map(|(_, spend)| *spend).sum();
        CustomerSummary::new(
            counted.len() as u32 - 1,
            span(first.0, last.0),
            span(first.0, as_of),
            repeat_spend,
        )
    }

    /// Repeat purchase days: purchase days − 1.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// Days from the first to the last purchase day.
    pub fn t_x_days(&self) -> u32 {
        self.t_x_days
    }

    /// Days from the first purchase day to the as-of date.
    pub fn t_days(&self) -> u32 {
        self.t_days
    }

    /// `t_x` in `unit`.
    pub fn t_x(&self, unit: TimeUnit) -> f64 {
        unit.from_days(f64::from(self.t_x_days))
    }

    /// `T` in `unit`.
    pub fn t(&self, unit: TimeUnit) -> f64 {
        unit.from_days(f64::from(self.t_days))
    }

    /// Total net spend on the repeat purchase days (the first purchase day excluded).
    pub fn repeat_spend(&self) -> Money {
        self.repeat_spend
    }

    /// Mean spend per repeat purchase day in minor units, the Gamma-Gamma spend value; `None`
    /// for a one-time buyer.
    pub fn mean_repeat_spend(&self) -> Option<f64> {
        (self.x > 0).then(|| self.repeat_spend.minor() as f64 / f64::from(self.x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn counts_repeat_days_and_spans_up_to_as_of() {
        let days = [
            (d("2026-01-01"), Money(500)),
            (d("2026-01-15"), Money(300)),
            (d("2026-02-01"), Money(100)),
            (d("2026-03-01"), Money(900)),
        ];
        let s = CustomerSummary::from_days(&days, d("2026-02-10")).unwrap();
        assert_eq!(
            (s.x(), s.t_x_days(), s.t_days(), s.repeat_spend()),
            (2, 31, 40, Money(400))
        );
        assert_eq!(s.mean_repeat_spend(), Some(200.0));
        assert_eq!(s.t(TimeUnit::Weeks), 40.0 / 7.0);
        let first_day_only = CustomerSummary::from_days(&days, d("2026-01-01")).unwrap();
        assert_eq!(
            (
                first_day_only.x(),
                first_day_only.t_days(),
                first_day_only.mean_repeat_spend()
            ),
            (0, 0, None)
        );
    }

    #[test]
    fn rejects_bad_histories() {
        let (a, b) = ((d("2026-01-05"), Money(1)), (d("2026-01-02"), Money(1)));
        assert_eq!(
            CustomerSummary::from_days(&[a, b], d("2026-02-01")),
            Err(PredictError::UnsortedDays { index: 1 })
        );
        assert_eq!(
            CustomerSummary::from_days(&[a, a], d("2026-02-01")),
            Err(PredictError::UnsortedDays { index: 1 })
        );
        assert_eq!(
            CustomerSummary::from_days(&[], d("2026-02-01")),
            Err(PredictError::NoPurchaseDays)
        );
        assert_eq!(
            CustomerSummary::from_days(&[a], d("2026-01-04")),
            Err(PredictError::NoPurchaseDays)
        );
        assert!(CustomerSummary::new(0, 3, 10, Money::ZERO).is_err());
        assert!(CustomerSummary::new(0, 0, 10, Money(5)).is_err());
        assert!(CustomerSummary::new(4, 3, 10, Money(5)).is_err());
        assert!(CustomerSummary::new(2, 11, 10, Money(5)).is_err());
        assert!(CustomerSummary::new(2, 10, 10, Money(5)).is_ok());
    }
}
