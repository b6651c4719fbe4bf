//! Values as spreadsheets write them: amounts (`¥1,280.50`, `1280.5元`, `(35.00)`), dates
//! (`2024/3/5`, `2024-03-05`, `2024.3.5`, `2024年3月5日`, `20240305`, an Excel serial day such
//! as `45356`) and times (`2024/3/5 14:30`). Full-width digits and punctuation, as a Chinese
//! input method types them, read as their ASCII twins. Ambiguous day/month orders (`3/5/2024`)
//! are refused rather than guessed.

use crate::domain::Money;
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

/// Why a cell's value cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not an amount of money.
    #[error("not an amount: {0:?}")]
    NotAnAmount(String),
    /// Not a date (or one that does not exist, or an ambiguous order).
    #[error("not a date (year first, e.g. 2024-03-05 or 2024年3月5日): {0:?}")]
    NotADate(String),
    /// Not a time of day.
    #[error("not a time of day: {0:?}")]
    NotATime(String),
}

/// The text with full-width ASCII (`１２３，．：／－`) and the ideographic space made ASCII.
fn narrow(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A cell's text, shortened for an error message.
fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// An amount in yuan (or the shop's currency) as typed: currency signs and words
/// (`¥`, `￥`, `RMB`, `CNY`, `元`, `块`), thousands separators, a minus sign or accounting
/// parentheses for a negative amount, at most two decimals.
pub fn amount(text: &str) -> Result<Money, ValueError> {
    let refuse = || ValueError::NotAnAmount(shown(text));
    let t = narrow(text);
    let mut t = t.trim();
    let negative_parens = t.starts_with('(') && t.ends_with(')');
    if negative_parens {
        t = &t[1..t.len() - 1];
    }
    let mut core: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '¥' | '￥' | '元' | '块' | '\''))
        .collect();
    for word in ["RMB", "CNY", "rmb", "cny"] {
        core = core.replace(word, "");
    }
    if core.is_empty() || core.len() > 24 {
        return Err(refuse());
    }
    let money = Money::parse_major(&core).map_err(|_| refuse())?;
    match (negative_parens, money.0 < 0) {
        (true, true) => Err(refuse()),
        (true, false) => Ok(Money(-money.0)),
        (false, _) => Ok(money),
    }
}

/// The day Excel's serial numbers count from (its 1900 system, with its leap-year quirk
/// folded in for any date after February 1900).
fn excel_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

/// A date, year first (see the module doc).
pub fn date(text: &str) -> Result<NaiveDate, ValueError> {
    let refuse = || ValueError::NotADate(shown(text));
    let t = narrow(text);
    let t = t.trim();
    if t.len() > 32 {
        return Err(refuse());
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return match t.len() {
            // 20240305
            8 => {
                let n = |r: std::ops::Range<usize>| t[r].parse::<u32>().ok();
                NaiveDate::from_ymd_opt(
                    n(0..4).ok_or_else(refuse)? as i32,
                    n(4..6).ok_or_else(refuse)?,
                    n(6..8).ok_or_else(refuse)?,
                )
                .ok_or_else(refuse)
            }
            // An Excel serial day: 1982-10-04 (30,000) to 2119-01-13 (80,000).
            5 => {
                let serial: u64 = t.parse().map_err(|_| refuse())?;
                if !(30_000..=80_000).contains(&serial) {
                    return Err(refuse());
                }
                excel_epoch()
                    .and_then(|e| e.checked_add_days(Days::new(serial)))
                    .ok_or_else(refuse)
            }
            _ => Err(refuse()),
        };
    }
    // 2024年3月5日, 2024/3/5, 2024-3-5, 2024.3.5: three numbers, the year first.
    let parts: Vec<&str> = t
        .split(['年', '月', '日', '/', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts[..] else {
        return Err(refuse());
    };
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return Err(refuse());
    }
    let number = |s: &str| s.parse::<u32>().map_err(|_| refuse());
    NaiveDate::from_ymd_opt(number(y)? as i32, number(m)?, number(d)?).ok_or_else(refuse)
}

/// A time of day: `14:30`, `14:30:05`, `14时30分`.
pub fn time(text: &str) -> Result<NaiveTime, ValueError> {
    let refuse = || ValueError::NotATime(shown(text));
    let t = narrow(text);
    let parts: Vec<&str> = t
        .trim()
        .split([':', '时', '分', '秒'])
        .filter(|p| !p.is_empty())
        .collect();
    let number = |s: &str| {
        (s.len() <= 2)
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .ok_or_else(refuse)
    };
    let (h, m, s) = match parts[..] {
        [h, m] => (number(h)?, number(m)?, 0),
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        _ => return Err(refuse()),
    };
    NaiveTime::from_hms_opt(h, m, s).ok_or_else(refuse)
}

/// A date with an optional time after a space or `T` (midnight without one).
pub fn date_time(text: &str) -> Result<NaiveDateTime, ValueError> {
    let t = narrow(text);
    let t = t.trim();
    match t.split_once([' ', 'T']) {
        Some((day, at)) if !at.trim().is_empty() => Ok(date(day)?.and_time(time(at)?)),
        _ => Ok(date(t)?.and_time(NaiveTime::MIN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn amounts_as_spreadsheets_write_them() {
        for (text, minor) in [
            ("¥1,280.50", 128_050),
            ("1280.5元", 128_050),
            ("￥１２８０．５", 128_050),
            (" 268 ", 26_800),
            ("RMB 99", 9_900),
            ("35块", 3_500),
            ("-35.00", -3_500),
            ("(35.00)", -3_500),
            ("0.5", 50),
        ] {
            assert_eq!(amount(text), Ok(Money(minor)), "{text}");
        }
        for bad in ["", "abc", "1.234", "12,3.4.5", "(-3)", "1e5", "元", "--3"] {
            assert!(amount(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn dates_year_first_in_every_usual_writing() {
        for text in [
            "2024/3/5",
            "2024-03-05",
            "2024.3.5",
            "2024年3月5日",
            "20240305",
            "２０２４／３／５",
            "45356",
        ] {
            assert_eq!(date(text), Ok(day(2024, 3, 5)), "{text}");
        }
        for bad in [
            "3/5/2024",
            "2024/2/30",
            "2024-13-01",
            "24/3/5",
            "",
            "yesterday",
            "12345",
            "2024/3",
        ] {
            assert!(date(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn date_times_and_times() {
        assert_eq!(
            date_time("2024/3/5 14:30"),
            Ok(day(2024, 3, 5).and_hms_opt(14, 30, 0).unwrap())
        );
        assert_eq!(
            date_time("2024-03-05T09:05:07"),
            Ok(day(2024, 3, 5).and_hms_opt(9, 5, 7).unwrap())
        );
        assert_eq!(
            date_time("2024年3月5日"),
            Ok(day(2024, 3, 5).and_time(NaiveTime::MIN))
        );
        assert_eq!(
            time("14时30分"),
            Ok(NaiveTime::from_hms_opt(14, 30, 0).unwrap())
        );
        assert!(time("25:00").is_err() && time("1430").is_err());
        assert!(date_time("2024/3/5 noon").is_err());
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_text_makes_a_reader_panic(text in "\\PC{0,60}") {
            let _ = (amount(&text), date(&text), time(&text), date_time(&text));
        }

        #[test]
        fn an_amount_written_plainly_reads_back(minor in -10_000_000_000i64..10_000_000_000) {
            let text = format!("{}", Money(minor));
            prop_assert_eq!(amount(&text), Ok(Money(minor)));
            prop_assert_eq!(amount(&format!("¥{text}")), Ok(Money(minor)));
        }

        #[test]
        fn a_date_written_any_usual_way_reads_back(days in 0u64..60_000) {
            let d = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Days::new(days);
            use chrono::Datelike;
            let (y, m, dd) = (d.year(), d.month(), d.day());
            for text in [
                d.to_string(),
                format!("{y}/{m}/{dd}"),
                format!("{y}年{m}月{dd}日"),
                format!("{y}{m:02}{dd:02}"),
            ] {
                prop_assert_eq!(date(&text), Ok(d));
            }
        }
    }
}
