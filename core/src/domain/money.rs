//! Money as an integer count of the currency's minor unit (fen for CNY). Never a float.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

/// An amount in minor units (分). Negative for refunds and spends.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// The amount in minor units.
    pub fn minor(self) -> i64 {
        self.0
    }

    /// Parses a decimal amount in major units (`12`, `12.3`, `-0.05`, `1,234.50`) exactly,
    /// without going through a float. At most two decimal places.
    pub fn parse_major(text: &str) -> Result<Money, MoneyError> {
        let t: String = text
            .trim()
            .chars()
            .filter(|c| *c != ',' && *c != '¥' && *c != '￥')
            .collect();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !ok(whole) || !ok(frac) || frac.len() > 2 {
            return Err(MoneyError(text.chars().take(40).collect()));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError(text.into()))?
        };
        let frac: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| MoneyError(text.into()))?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(|| MoneyError(text.into()))?;
        Ok(Money(if neg { -minor } else { minor }))
    }
}

/// A text that is not an amount of money.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an amount of money: {0:?}")]
pub struct MoneyError(pub String);

impl Money {
    /// As the app shows an amount: the currency sign after the minus, e.g. `¥1280.50`,
    /// `-¥120.00`.
    pub fn with_sign(self, sign: &str) -> String {
        let minus = if self.0 < 0 { "-" } else { "" };
        format!("{minus}{sign}{}", Money(self.0.saturating_abs()))
    }
}

impl fmt::Display for Money {
    /// Major units with two decimals, e.g. `-12.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_comes_before_the_currency_sign() {
        assert_eq!(Money(128050).with_sign("¥"), "¥1280.50");
        assert_eq!(Money(-12000).with_sign("¥"), "-¥120.00");
        assert_eq!(Money(-5).with_sign("¥"), "-¥0.05");
        assert_eq!(Money(0).with_sign("¥"), "¥0.00");
    }

    #[test]
    fn parses_major_units_exactly() {
        assert_eq!(Money::parse_major("12"), Ok(Money(1200)));
        assert_eq!(Money::parse_major("12.3"), Ok(Money(1230)));
        assert_eq!(Money::parse_major("-0.05"), Ok(Money(-5)));
        assert_eq!(Money::parse_major("1,234.50"), Ok(Money(123450)));
        assert_eq!(Money::parse_major("¥0.1"), Ok(Money(10)));
        for bad in [
            "",
            "abc",
            "1.234",
            "1e3",
            "--1",
            ".",
            "99999999999999999999",
        ] {
            assert!(Money::parse_major(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money(123450).to_string(), "1234.50");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }
}
