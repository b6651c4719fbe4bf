//! The owner's rules editor (Settings → Rules): the rules as typed, checked field by field
//! ([`RulesDraft`]), and what new rules would change before they are saved ([`effect`]): how
//! many customers move to another lifecycle stage (by the stage they move to), how many change
//! RFM class, and how many re-buy reminders, regular contacts and reactivations today's list
//! would hold under the old and the new rules.

use super::Insights;
use crate::agenda::{Agenda, Reason, agenda};
use crate::domain::Rules;
use crate::segment::class::{RfmClass, ShopClass};
use crate::segment::history::History;
use crate::segment::{Analysis, analyze_history};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The largest number of days (or staff capacity) the editor takes: ten years.
pub const MAX_DAYS: u32 = 3650;

/// The largest lifecycle multiple the editor takes.
pub const MAX_MULTIPLE: f64 = 100.0;

/// What new rules would change on one day (see the module doc). Counts of customers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effect {
    /// Customers whose lifecycle stage changes.
    pub moved: usize,
    /// Of those, how many move into each stage, in [`crate::segment::stage::Stage::ALL`] order.
    pub moved_to: [usize; 5],
    /// Of those, how many leave each stage, in [`crate::segment::stage::Stage::ALL`] order.
    pub moved_from: [usize; 5],
    /// Customers whose RFM class changes (the analysis window re-grades them).
    pub reclassed: usize,
    /// Customers with a re-buy reminder today: under the old rules, under the new.
    pub rebuy: (usize, usize),
    /// Customers whose regular contact is due today: old, new.
    pub cadence: (usize, usize),
    /// Customers to win back today (reactivation): old, new.
    pub reactivation: (usize, usize),
    /// Customers on today's list before it is shared out among the staff: old, new.
    pub listed: (usize, usize),
}

impl Effect {
    /// True when the new rules change nothing a customer or today's list would show.
    pub fn is_nothing(&self) -> bool {
        self.moved == 0
            && self.reclassed == 0
            && self.rebuy.0 == self.rebuy.1
            && self.cadence.0 == self.cadence.1
            && self.reactivation.0 == self.reactivation.1
            && self.listed.0 == self.listed.1
    }
}

/// What replacing the shop's rules (as `views` hold them) by `new` would change on `day`: the
/// same customers' histories analysed under both (see [`compare`]).
pub fn effect(views: &Insights, day: NaiveDate, new: &Rules) -> Effect {
    let history = History::from_ledger(&views.ledger, day);
    let before = analyze_history(history.clone(), day, &views.rules);
    let after = analyze_history(history, day, new);
    compare(&before, &views.rules, &after, new)
}

/// The difference between two analyses of the same customers on the same day, `before` under
/// `old` rules and `after` under `new` (today's lists worked out without campaigns, which do
/// not depend on the rules).
pub fn compare(before: &Analysis, old: &Rules, after: &Analysis, new: &Rules) -> Effect {
    let mut out = Effect::default();
    for (b, a) in before.segments.iter().zip(&after.segments) {
        let (from, to) = (b.lifecycle.stage, a.lifecycle.stage);
        if from != to {
            out.moved += 1;
            out.moved_to[to as usize] += 1;
            out.moved_from[from as usize] += 1;
        }
        if b.class != a.class {
            out.reclassed += 1;
        }
    }
    let (old_list, new_list) = (agenda(before, old), agenda(after, new));
    let count = |list: &Agenda, is: fn(&Reason) -> bool| {
        list.items()
            .filter(|item| item.reasons.iter().any(is))
            .count()
    };
    let both = |is: fn(&Reason) -> bool| (count(&old_list, is), count(&new_list, is));
    out.rebuy = both(|r| matches!(r, Reason::Rebuy { .. }));
    out.cadence = both(|r| matches!(r, Reason::Cadence { .. }));
    out.reactivation = both(|r| matches!(r, Reason::Reactivation { .. }));
    out.listed = (old_list.len(), new_list.len());
    out
}

/// What is wrong with one field of the rules as typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Not a whole number of at least 1 (or empty where a number is required).
    #[error("enter a whole number of at least 1")]
    NotWhole,
    /// Above [`MAX_DAYS`].
    #[error("too large")]
    TooLarge,
    /// A lifecycle multiple that is not a number above 0 (up to [`MAX_MULTIPLE`]).
    #[error("enter a number above 0")]
    NotMultiple,
    /// The churn multiple is below the decline multiple (nobody would decline first).
    #[error("must be at least the decline multiple")]
    ChurnBeforeDecline,
    /// A re-buy cycle without a category name.
    #[error("name the category")]
    NoCategory,
    /// A category listed twice.
    #[error("this category is listed twice")]
    DuplicateCategory,
}

/// Which field of a [`RulesDraft`] an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleField {
    /// The category name of re-buy row `n`.
    Category(usize),
    /// The days of re-buy row `n`.
    CycleDays(usize),
    /// The days of cadence row `n`.
    Cadence(usize),
    /// The decline multiple.
    DeclineMultiple,
    /// The churn multiple.
    ChurnMultiple,
    /// The churn minimum in days.
    ChurnMinDays,
    /// The analysis window.
    WindowDays,
    /// The daily capacity per staff member.
    DailyCapacity,
}

/// One contact-cadence row of the editor: the class key (`key_value`, …, or a shop class key
/// `visited` / `potential`), and the days as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CadenceRow {
    /// The key in [`Rules::cadence_days`].
    pub key: String,
    /// Days as typed.
    pub days: String,
    /// Whether the row may be left empty (no regular contact for that class): true for the
    /// shop classes of customers who never bought, false for the eight RFM classes.
    pub optional: bool,
}

/// The rules as the editor's fields hold them (text as typed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesDraft {
    /// Re-buy cycles: (category, days), in the order shown; rows with both empty are skipped.
    pub rebuy: Vec<(String, String)>,
    /// Contact cadence per class.
    pub cadence: Vec<CadenceRow>,
    /// Decline multiple.
    pub decline_multiplier: String,
    /// Churn multiple.
    pub churn_multiplier: String,
    /// Churn minimum in days.
    pub churn_min_days: String,
    /// Analysis window in days (empty or 0: all history).
    pub window_days: String,
    /// Follow-ups per staff member per day.
    pub daily_capacity: String,
}

/// The shop classes a cadence may be set for besides the RFM classes (customers without a
/// purchase: they have no RFM class).
const SHOP_CLASS_KEYS: [ShopClass; 2] = [ShopClass::Visited, ShopClass::Potential];

/// A multiple as the editor shows it: `2`, `2.5`.
fn multiple_text(m: f64) -> String {
    format!("{m}")
}

impl RulesDraft {
    /// The editor's fields for `rules`: the re-buy cycles in category order, a cadence row for
    /// each RFM class, then for customers who visited or are potential (empty unless set),
    /// then any other key the rules hold.
    pub fn of(rules: &Rules) -> RulesDraft {
        let days = |key: &str| {
            rules
                .cadence_days
                .get(key)
                .map(u32::to_string)
                .unwrap_or_default()
        };
        let mut cadence: Vec<CadenceRow> = RfmClass::ALL
            .iter()
            .map(|c| CadenceRow {
                key: c.key().to_owned(),
                days: days(c.key()),
                optional: false,
            })
            .chain(SHOP_CLASS_KEYS.iter().map(|c| CadenceRow {
                key: c.key().to_owned(),
                days: days(c.key()),
                optional: true,
            }))
            .collect();
        for key in rules.cadence_days.keys() {
            if !cadence.iter().any(|row| &row.key == key) {
                cadence.push(CadenceRow {
                    key: key.clone(),
                    days: days(key),
                    optional: true,
                });
            }
        }
        RulesDraft {
            rebuy: rules
                .rebuy_days
                .iter()
                .map(|(category, days)| (category.clone(), days.to_string()))
                .collect(),
            cadence,
            decline_multiplier: multiple_text(rules.decline_multiplier),
            churn_multiplier: multiple_text(rules.churn_multiplier),
            churn_min_days: rules.churn_min_days.to_string(),
            window_days: rules.window_days.to_string(),
            daily_capacity: rules.daily_capacity.to_string(),
        }
    }

    /// The rules the fields say (`base` giving anything the editor does not show), or every
    /// field that is wrong, in field order.
    pub fn rules(&self, base: &Rules) -> Result<Rules, Vec<(RuleField, RuleError)>> {
        let mut errors = Vec::new();
        let mut rules = base.clone();
        rules.rebuy_days = BTreeMap::new();
        for (i, (category, days)) in self.rebuy.iter().enumerate() {
            let category = category.trim();
            if category.is_empty() && days.trim().is_empty() {
                continue;
            }
            if category.is_empty() {
                errors.push((RuleField::Category(i), RuleError::NoCategory));
            } else if rules.rebuy_days.contains_key(category) {
                errors.push((RuleField::Category(i), RuleError::DuplicateCategory));
            }
            match whole_days(days) {
                Ok(d) if !category.is_empty() => {
                    rules.rebuy_days.insert(category.to_owned(), d);
                }
                Ok(_) => {}
                Err(e) => errors.push((RuleField::CycleDays(i), e)),
            }
        }
        rules.cadence_days = BTreeMap::new();
        for (i, row) in self.cadence.iter().enumerate() {
            if row.optional && row.days.trim().is_empty() {
                continue;
            }
            match whole_days(&row.days) {
                Ok(d) => {
                    rules.cadence_days.insert(row.key.clone(), d);
                }
                Err(e) => errors.push((RuleField::Cadence(i), e)),
            }
        }
        let decline = multiple(&self.decline_multiplier);
        match decline {
            Ok(m) => rules.decline_multiplier = m,
            Err(e) => errors.push((RuleField::DeclineMultiple, e)),
        }
        match multiple(&self.churn_multiplier) {
            Ok(m) if decline.is_ok_and(|d| m < d) => {
                errors.push((RuleField::ChurnMultiple, RuleError::ChurnBeforeDecline))
            }
            Ok(m) => rules.churn_multiplier = m,
            Err(e) => errors.push((RuleField::ChurnMultiple, e)),
        }
        match whole_days(&self.churn_min_days) {
            Ok(d) => rules.churn_min_days = d,
            Err(e) => errors.push((RuleField::ChurnMinDays, e)),
        }
        let window = self.window_days.trim();
        if window.is_empty() || window == "0" {
            rules.window_days = 0;
        } else {
            match whole_days(window) {
                Ok(d) => rules.window_days = d,
                Err(e) => errors.push((RuleField::WindowDays, e)),
            }
        }
        match whole_days(&self.daily_capacity) {
            Ok(n) => rules.daily_capacity = n,
            Err(e) => errors.push((RuleField::DailyCapacity, e)),
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }
}

/// A whole number from 1 to [`MAX_DAYS`] as typed (spaces around it, full-width digits taken).
pub fn whole_days(text: &str) -> Result<u32, RuleError> {
    let digits = ascii_digits(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RuleError::NotWhole);
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return Err(RuleError::NotWhole);
    }
    match trimmed.parse::<u32>() {
        Ok(n) if n <= MAX_DAYS => Ok(n),
        _ => Err(RuleError::TooLarge),
    }
}

/// A lifecycle multiple as typed: a number above 0 and at most [`MAX_MULTIPLE`] (`2`, `2.5`).
pub fn multiple(text: &str) -> Result<f64, RuleError> {
    let digits = ascii_digits(text).replace('。', ".");
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1;
    match digits.parse::<f64>() {
        Ok(m) if plain && m > 0.0 && m <= MAX_MULTIPLE => Ok(m),
        _ => Err(RuleError::NotMultiple),
    }
}

/// `text` trimmed, with full-width digits and point read as ASCII.
fn ascii_digits(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Outcome;
    use crate::segment::stage::Stage;
    use crate::test_shop::{Shop, d};
    use serde_json::json;

    #[test]
    fn numbers_are_whole_days_or_multiples() {
        assert_eq!(whole_days(" 30 "), Ok(30));
        assert_eq!(whole_days("３０"), Ok(30));
        assert_eq!(whole_days("007"), Ok(7));
        for bad in ["", "0", "-3", "2.5", "abc", "1e3", "+5"] {
            assert_eq!(whole_days(bad), Err(RuleError::NotWhole), "{bad:?}");
        }
        assert_eq!(whole_days("3651"), Err(RuleError::TooLarge));
        assert_eq!(whole_days("99999999999999"), Err(RuleError::TooLarge));
        assert_eq!(multiple("2"), Ok(2.0));
        assert_eq!(multiple("2.5"), Ok(2.5));
        assert_eq!(multiple("２．５"), Ok(2.5));
        for bad in ["", "0", "-1", "abc", "1.2.3", "NaN", "inf", "101"] {
            assert_eq!(multiple(bad), Err(RuleError::NotMultiple), "{bad:?}");
        }
    }

    #[test]
    fn the_draft_of_the_default_rules_gives_them_back() {
        let rules = Rules::default();
        let draft = RulesDraft::of(&rules);
        assert_eq!(draft.cadence.len(), 10);
        assert!(draft.cadence[..8].iter().all(|r| !r.optional));
        assert_eq!(draft.cadence[8].key, "visited");
        assert_eq!(draft.cadence[8].days, "");
        assert_eq!(draft.decline_multiplier, "2");
        assert_eq!(draft.rebuy.len(), 12);
        assert_eq!(draft.rules(&rules), Ok(rules.clone()));
        // A shop-class cadence set, and a key the editor does not know, are kept.
        let mut custom = rules.clone();
        custom.cadence_days.insert("potential".into(), 90);
        custom.cadence_days.insert("later_kind".into(), 5);
        let draft = RulesDraft::of(&custom);
        assert_eq!(draft.cadence.len(), 11);
        assert_eq!(draft.rules(&rules), Ok(custom));
    }

    #[test]
    fn every_wrong_field_is_named() {
        let rules = Rules::default();
        let mut draft = RulesDraft::of(&rules);
        draft.rebuy = vec![
            ("奶粉".into(), "30".into()),
            ("".into(), "".into()),
            ("".into(), "20".into()),
            ("奶粉".into(), "x".into()),
            ("玩具".into(), "0".into()),
        ];
        draft.cadence[0].days = "".into();
        draft.cadence[8].days = "45".into();
        draft.decline_multiplier = "3".into();
        draft.churn_multiplier = "2.5".into();
        draft.churn_min_days = "一百八十".into();
        draft.window_days = "0".into();
        draft.daily_capacity = "-1".into();
        assert_eq!(
            draft.rules(&rules),
            Err(vec![
                (RuleField::Category(2), RuleError::NoCategory),
                (RuleField::Category(3), RuleError::DuplicateCategory),
                (RuleField::CycleDays(3), RuleError::NotWhole),
                (RuleField::CycleDays(4), RuleError::NotWhole),
                (RuleField::Cadence(0), RuleError::NotWhole),
                (RuleField::ChurnMultiple, RuleError::ChurnBeforeDecline),
                (RuleField::ChurnMinDays, RuleError::NotWhole),
                (RuleField::DailyCapacity, RuleError::NotWhole),
            ])
        );
        let mut fixed = RulesDraft::of(&rules);
        fixed.rebuy = vec![("奶粉".into(), "28".into()), (" 玩具 ".into(), "90".into())];
        fixed.cadence[8].days = "45".into();
        fixed.window_days = "".into();
        fixed.daily_capacity = "12".into();
        let got = fixed.rules(&rules).unwrap();
        assert_eq!(
            got.rebuy_days.into_iter().collect::<Vec<_>>(),
            [("奶粉".to_owned(), 28), ("玩具".to_owned(), 90)]
        );
        assert_eq!(got.cadence_days.get("visited"), Some(&45));
        assert_eq!((got.window_days, got.daily_capacity), (0, 12));
    }

    /// As of 2026-06-30, under the default rules (decline after 2 × interval, churn after
    /// max(180, 4 × interval); the shop-wide interval is 10 days, A's and B's own):
    /// - A: 奶粉 every 10 days, last 06-10 (20 days: not yet declining, 2 × 10 = 20);
    /// - B: four sales 10 days apart, last 05-01 (60 days: declining);
    /// - C: one 纸尿裤 sale 06-12 (18 days: Introduction; re-buy due 07-02 under the default
    ///   20 days);
    /// - D: one sale 2025-11-01 (241 days: churned).
    fn shop() -> Shop {
        let mut s = Shop::new();
        let [a, b, c, dd] = ["A", "B", "C", "D"].map(|n| s.customer(n, json!({})));
        for day in ["2026-05-21", "2026-05-31", "2026-06-10"] {
            s.sale_by(&a, day, 100, &["奶粉"], None);
        }
        for day in ["2026-04-01", "2026-04-11", "2026-04-21", "2026-05-01"] {
            s.sale(&b, day, 50);
        }
        s.sale_by(&c, "2026-06-12", 80, &["纸尿裤"], None);
        s.sale(&dd, "2025-11-01", 30);
        s.contact_by(&dd, "2026-06-01", Outcome::Reached, None);
        s
    }

    #[test]
    fn the_same_rules_change_nothing() {
        let s = shop();
        let views = s.views();
        let e = effect(&views, d("2026-06-30"), &Rules::default());
        assert!(e.is_nothing(), "{e:?}");
        assert_eq!(e.rebuy, (1, 1), "C's diapers are due 07-02");
    }

    #[test]
    fn tighter_thresholds_move_customers_and_cycles_move_reminders() {
        let s = shop();
        let views = s.views();
        let day = d("2026-06-30");
        // Decline after 1.9 × the interval: A (20 days > 19) declines too, C (18) does not;
        // churn after 150 days at least: D stays churned, B (60 days) stays declining.
        let mut new = Rules {
            decline_multiplier: 1.9,
            churn_min_days: 150,
            ..Rules::default()
        };
        // Diapers every 30 days: C's re-buy moves to 07-12, off today's list; 奶粉 every 20:
        // A's is due 06-30.
        new.rebuy_days.insert("纸尿裤".into(), 30);
        new.rebuy_days.insert("奶粉".into(), 20);
        let e = effect(&views, day, &new);
        assert_eq!(e.moved, 1);
        assert_eq!(e.moved_to[Stage::Decline as usize], 1);
        assert_eq!(e.moved_from[Stage::Growth as usize], 1);
        assert_eq!(e.rebuy, (1, 1), "C's off, A's on");
        assert_eq!(e.reactivation, (1, 2), "B, then A too");
        assert!(!e.is_nothing());
        // Churn after 60 days at least and 4 × the interval: B (60 days) is not past it,
        // a 59-day minimum is.
        let churn = Rules {
            churn_min_days: 59,
            ..Rules::default()
        };
        let e = effect(&views, day, &churn);
        assert_eq!(e.moved, 1);
        assert_eq!(e.moved_to[Stage::Churned as usize], 1);
        assert_eq!(e.moved_from[Stage::Decline as usize], 1);
        assert_eq!(e.reactivation, (1, 0));
    }

    #[test]
    fn a_shorter_window_regrades_customers() {
        let s = shop();
        let views = s.views();
        let new = Rules {
            window_days: 30,
            ..Rules::default()
        };
        let e = effect(&views, d("2026-06-30"), &new);
        assert!(e.reclassed > 0, "{e:?}");
    }
}
