//! Calendar-date helpers. Dates are the shop's local calendar dates (`chrono::NaiveDate`).

use chrono::{Datelike, NaiveDate};

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The anniversary of `date` in `year`; 29 February falls on 28 February in other years.
pub fn anniversary(date: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(date)
}

/// The next anniversary of `date` on or after `today`.
pub fn next_anniversary(date: NaiveDate, today: NaiveDate) -> NaiveDate {
    let this_year = anniversary(date, today.year());
    if this_year >= today {
        this_year
    } else {
        anniversary(date, today.year() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn leap_day_birthdays_fall_on_28_february() {
        assert_eq!(anniversary(d("2020-02-29"), 2025), d("2025-02-28"));
        assert_eq!(anniversary(d("2020-02-29"), 2028), d("2028-02-29"));
        assert_eq!(
            next_anniversary(d("1990-12-30"), d("2026-12-31")),
            d("2027-12-30")
        );
        assert_eq!(
            next_anniversary(d("1990-12-31"), d("2026-12-31")),
            d("2026-12-31")
        );
        assert_eq!(days_between(d("2026-01-01"), d("2026-03-01")), 59);
    }
}
