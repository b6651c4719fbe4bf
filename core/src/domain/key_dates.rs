//! The dates a customer's card lists (SPEC §1; the seeds' mother-and-baby shops plan around
//! them): each child's age or the days to their due date, and the anniversaries with the days
//! to their next return — in the shop's language, as of the shop's today.

use super::{Child, Customer};
use crate::lang::Lang;
use chrono::{Datelike, NaiveDate};

/// Whole years and months from `born` to `today` (`None` before the birth).
pub fn age_on(born: NaiveDate, today: NaiveDate) -> Option<(u32, u32)> {
    let months = today.years_since(born).map(|years| {
        let mut m = (today.year() - born.year()) * 12 + today.month() as i32 - born.month() as i32;
        if today.day() < born.day() {
            m -= 1;
        }
        (years, m.max(0) as u32)
    })?;
    Some((months.0, months.1 - months.0 * 12))
}

/// The next time `date`'s month and day come round, on or after `today` (29 February falls on
/// 28 February in other years).
pub fn next_return(date: NaiveDate, today: NaiveDate) -> NaiveDate {
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, date.month(), date.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
            .unwrap_or(today)
    };
    let this_year = on(today.year());
    if this_year >= today {
        this_year
    } else {
        on(today.year() + 1)
    }
}

/// One child in a line: `小宝 · 1岁3个月` / `小宝 · 1 y 3 m`, `小宝 · 预产期还有 7 天` /
/// `小宝 · due in 7 days`, or the nickname alone when neither date is known.
pub fn child_line(child: &Child, today: NaiveDate, lang: Lang) -> String {
    let name = if child.nickname.trim().is_empty() {
        match lang {
            Lang::ZhCn => "孩子",
            Lang::En => "Child",
        }
    } else {
        child.nickname.trim()
    };
    let what = match (child.birthday, child.due_date) {
        (Some(born), _) => age_on(born, today).map(|(y, m)| match (lang, y) {
            (Lang::ZhCn, 0) => format!("{m}个月"),
            (Lang::ZhCn, y) => format!("{y}岁{m}个月"),
            (Lang::En, 0) => format!("{m} months"),
            (Lang::En, y) => format!("{y} y {m} m"),
        }),
        (None, Some(due)) => {
            let days = (due - today).num_days();
            Some(match (lang, days) {
                (Lang::ZhCn, 0) => "预产期今天".to_owned(),
                (Lang::ZhCn, d) if d > 0 => format!("预产期还有 {d} 天"),
                (Lang::ZhCn, d) => format!("预产期已过 {} 天", -d),
                (Lang::En, 0) => "due today".to_owned(),
                (Lang::En, d) if d > 0 => format!("due in {d} days"),
                (Lang::En, d) => format!("due {} days ago", -d),
            })
        }
        (None, None) => None,
    };
    match what {
        Some(what) => format!("{name} · {what}"),
        None => name.to_owned(),
    }
}

/// The customer's anniversaries, soonest first: `结婚纪念日 · 03-12（还有 102 天）` /
/// `Wedding · 03-12 (in 102 days)`.
pub fn anniversary_lines(customer: &Customer, today: NaiveDate, lang: Lang) -> Vec<String> {
    let mut dated: Vec<(NaiveDate, &str)> = customer
        .important_dates
        .iter()
        .filter_map(|d| Some((next_return(d.date?, today), d.label.trim())))
        .collect();
    dated.sort();
    dated
        .into_iter()
        .map(|(next, label)| {
            let days = (next - today).num_days();
            let day = format!("{:02}-{:02}", next.month(), next.day());
            match (lang, days) {
                (Lang::ZhCn, 0) => format!("{label} · {day}（今天）"),
                (Lang::ZhCn, _) => format!("{label} · {day}（还有 {days} 天）"),
                (Lang::En, 0) => format!("{label} · {day} (today)"),
                (Lang::En, 1) => format!("{label} · {day} (tomorrow)"),
                (Lang::En, _) => format!("{label} · {day} (in {days} days)"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ImportantDate;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn ages_count_whole_months() {
        let today = day("2026-11-30");
        assert_eq!(age_on(day("2025-08-30"), today), Some((1, 3)));
        assert_eq!(age_on(day("2025-08-31"), day("2026-11-30")), Some((1, 2)));
        assert_eq!(age_on(day("2026-11-30"), today), Some((0, 0)));
        assert_eq!(age_on(day("2026-12-01"), today), None);
        assert_eq!(age_on(day("2024-02-29"), day("2025-02-28")), Some((0, 11)));
    }

    #[test]
    fn a_child_is_their_age_or_their_due_date() {
        let today = day("2026-11-30");
        let child = |nickname: &str, birthday: Option<&str>, due: Option<&str>| Child {
            nickname: nickname.into(),
            gender: None,
            birthday: birthday.map(day),
            due_date: due.map(day),
        };
        let line = |c: &Child, lang| child_line(c, today, lang);
        let baby = child("小宝", Some("2025-08-30"), None);
        assert_eq!(line(&baby, Lang::ZhCn), "小宝 · 1岁3个月");
        assert_eq!(line(&baby, Lang::En), "小宝 · 1 y 3 m");
        let newborn = child("", Some("2026-09-15"), None);
        assert_eq!(line(&newborn, Lang::En), "Child · 2 months");
        let coming = child("二宝", None, Some("2026-12-07"));
        assert_eq!(line(&coming, Lang::ZhCn), "二宝 · 预产期还有 7 天");
        assert_eq!(line(&coming, Lang::En), "二宝 · due in 7 days");
        let late = child("二宝", None, Some("2026-11-28"));
        assert_eq!(line(&late, Lang::En), "二宝 · due 2 days ago");
        // Born: the birthday wins over a due date left behind.
        let born = child("三宝", Some("2026-11-01"), Some("2026-11-05"));
        assert_eq!(line(&born, Lang::En), "三宝 · 0 months");
        assert_eq!(line(&child("四宝", None, None), Lang::ZhCn), "四宝");
    }

    #[test]
    fn anniversaries_come_soonest_first_with_the_days_to_go() {
        let today = day("2026-11-30");
        let customer = Customer {
            important_dates: vec![
                ImportantDate {
                    label: "结婚纪念日".into(),
                    date: Some(day("2015-03-12")),
                },
                ImportantDate {
                    label: "开业".into(),
                    date: Some(day("2020-12-01")),
                },
                ImportantDate {
                    label: "没有日期".into(),
                    date: None,
                },
            ],
            ..Customer::default()
        };
        assert_eq!(
            anniversary_lines(&customer, today, Lang::ZhCn),
            [
                "开业 · 12-01（还有 1 天）",
                "结婚纪念日 · 03-12（还有 102 天）"
            ]
        );
        assert_eq!(
            anniversary_lines(&customer, today, Lang::En)[0],
            "开业 · 12-01 (tomorrow)"
        );
        assert_eq!(
            next_return(day("2024-02-29"), day("2025-01-01")),
            day("2025-02-28")
        );
        assert_eq!(next_return(day("2024-11-30"), today), today);
    }
}
