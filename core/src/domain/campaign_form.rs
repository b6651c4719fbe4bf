//! The Stats tab's **New campaign** (新建活动) form as typed (SPEC §1 Campaign; issue 11): text
//! in, a draft [`Campaign`] out — or refused, naming each field that is wrong. Pure rules: the
//! shop's day is passed in, no clock is read.
//!
//! - The **name** is required; the goal is free text.
//! - The **budget** is in yuan ([`Money::parse_major`]), empty for none, never negative and at
//!   most [`MAX_CAMPAIGN_BUDGET`] (more is taken as a typing slip).
//! - **Start** and **end** are optional dates (`YYYY-MM-DD`, as a date input gives them): no
//!   start means "when it is started", no end means open. Neither may be before the shop's
//!   day (a campaign's targets are frozen when it starts, so a window reaching back before
//!   that would count purchases the campaign cannot have caused), and the end is not before
//!   the start.
//! - The target's **days since the last purchase** (at least / at most) are whole numbers up
//!   to [`MAX_DAYS_SINCE`], the maximum not below the minimum ([`days_since`]); the target's
//!   chips are chosen, not typed, and the caller puts them with these into the campaign's
//!   `target` (`insights::campaigns::Target`).
//! - The **holdout** is a whole percentage from 0 to [`MAX_HOLDOUT_PERCENT`] (default
//!   [`Campaign::DEFAULT_HOLDOUT_PERCENT`]); [`held_out`] is how many of `n` targets it holds
//!   out, as `insights::campaigns::holdout` draws them.

use super::{Campaign, CampaignKind, ContactChannel, Money, parse_date};
use crate::id::Id;
use chrono::NaiveDate;

/// The largest budget one campaign may have (¥1,000,000).
pub const MAX_CAMPAIGN_BUDGET: Money = Money(100_000_000);

/// The largest holdout share the form accepts, in percent: holding out more than half the
/// targets would leave the campaign itself too small to be worth running.
pub const MAX_HOLDOUT_PERCENT: u8 = 50;

/// The most days since the last purchase a target may name (a hundred years).
pub const MAX_DAYS_SINCE: u32 = 36_500;

/// The campaign form's fields, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignDraft {
    /// Name (名称).
    pub name: String,
    /// Kind (类型).
    pub kind: CampaignKind,
    /// Goal (目标).
    pub goal: String,
    /// Budget in yuan (预算), empty for none.
    pub budget: String,
    /// First day, `YYYY-MM-DD`, empty for "when started".
    pub start: String,
    /// Last day, `YYYY-MM-DD`, empty for open.
    pub end: String,
    /// Target: at least this many days since the last purchase, empty for no minimum.
    pub min_days_since: String,
    /// Target: at most this many days since the last purchase, empty for no maximum.
    pub max_days_since: String,
    /// Template (a shop template's id or `builtin:<language>:<n>`), `None` to choose by kind.
    pub template: Option<Id>,
    /// Channel, `None` for any.
    pub channel: Option<ContactChannel>,
    /// Holdout share in percent.
    pub holdout_percent: String,
}

impl Default for CampaignDraft {
    fn default() -> Self {
        CampaignDraft {
            name: String::new(),
            kind: CampaignKind::default(),
            goal: String::new(),
            budget: String::new(),
            start: String::new(),
            end: String::new(),
            min_days_since: String::new(),
            max_days_since: String::new(),
            template: None,
            channel: None,
            holdout_percent: Campaign::DEFAULT_HOLDOUT_PERCENT.to_string(),
        }
    }
}

/// A field of the campaign form a [`CampaignError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CampaignField {
    /// Name.
    Name,
    /// Budget.
    Budget,
    /// Start date.
    Start,
    /// End date.
    End,
    /// Days since the last purchase, at least.
    MinDaysSince,
    /// Days since the last purchase, at most.
    MaxDaysSince,
    /// Holdout percent.
    Holdout,
}

/// Why a campaign form's field is refused. The UI shows it next to its [`CampaignField`] and
/// translates it by variant; the English messages are the fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// Nothing typed where a value is needed.
    #[error("enter a value")]
    Required,
    /// Not an amount in yuan with at most two decimals.
    #[error("enter an amount in yuan, with at most two decimals")]
    NotAnAmount,
    /// A negative budget.
    #[error("cannot be negative")]
    Negative,
    /// A budget above [`MAX_CAMPAIGN_BUDGET`].
    #[error("at most ¥{max}")]
    TooMuchMoney {
        /// The limit.
        max: Money,
    },
    /// Not a date that exists.
    #[error("not a date")]
    NotADate,
    /// A date before the shop's day.
    #[error("cannot be before today")]
    BeforeToday,
    /// An end before the start.
    #[error("the end cannot be before the start")]
    EndBeforeStart,
    /// Not a whole number of at least 0.
    #[error("enter a whole number")]
    NotAWholeNumber,
    /// More days than [`MAX_DAYS_SINCE`].
    #[error("at most {max} days")]
    TooManyDays {
        /// The limit.
        max: u32,
    },
    /// A maximum below its minimum.
    #[error("cannot be below the minimum")]
    BelowMinimum,
    /// A holdout share above [`MAX_HOLDOUT_PERCENT`] (or not a whole number).
    #[error("a whole number from 0 to {max}")]
    HoldoutOutOfRange {
        /// The limit.
        max: u8,
    },
}

/// A field's refusals, in the form's order.
pub type CampaignErrors = Vec<(CampaignField, CampaignError)>;

/// The target's range of days since the last purchase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DaysSince {
    /// At least this many days.
    pub min: Option<u32>,
    /// At most this many days.
    pub max: Option<u32>,
}

/// One day count as typed (empty: none).
fn days(text: &str, field: CampaignField, errors: &mut CampaignErrors) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        errors.push((field, CampaignError::NotAWholeNumber));
        return None;
    }
    match text.parse::<u32>() {
        Ok(n) if n <= MAX_DAYS_SINCE => Some(n),
        _ => {
            errors.push((
                field,
                CampaignError::TooManyDays {
                    max: MAX_DAYS_SINCE,
                },
            ));
            None
        }
    }
}

/// The days since the last purchase as typed (`min` at least, `max` at most, empty for no
/// bound), or what is wrong with each.
pub fn days_since(min: &str, max: &str) -> Result<DaysSince, CampaignErrors> {
    let mut errors = Vec::new();
    let range = DaysSince {
        min: days(min, CampaignField::MinDaysSince, &mut errors),
        max: days(max, CampaignField::MaxDaysSince, &mut errors),
    };
    if let (Some(lo), Some(hi)) = (range.min, range.max)
        && hi < lo
    {
        errors.push((CampaignField::MaxDaysSince, CampaignError::BelowMinimum));
    }
    if errors.is_empty() {
        Ok(range)
    } else {
        Err(errors)
    }
}

/// The holdout share as typed, or why not.
pub fn holdout_percent(text: &str) -> Result<u8, CampaignError> {
    let text = text.trim().trim_end_matches(['%', '％']).trim();
    if text.is_empty() {
        return Err(CampaignError::Required);
    }
    let out_of_range = CampaignError::HoldoutOutOfRange {
        max: MAX_HOLDOUT_PERCENT,
    };
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(out_of_range);
    }
    match text.parse::<u8>() {
        Ok(p) if p <= MAX_HOLDOUT_PERCENT => Ok(p),
        _ => Err(out_of_range),
    }
}

/// How many of `targets` distinct targets a holdout of `percent` holds out: `round(n × percent
/// / 100)`, halves up (what `insights::campaigns::holdout` draws).
pub fn held_out(targets: usize, percent: u8) -> usize {
    (targets * usize::from(percent.min(100)) + 50) / 100
}

impl CampaignDraft {
    /// The target's days since the last purchase, or what is wrong with them.
    pub fn days_since(&self) -> Result<DaysSince, CampaignErrors> {
        days_since(&self.min_days_since, &self.max_days_since)
    }

    /// The draft campaign (not started: no targets recorded) and its target's days since the
    /// last purchase, dates checked against the shop's day `today`; or every field that is
    /// wrong. The campaign's `target` is left `null`: the caller sets it from the chips chosen
    /// and the days.
    pub fn campaign(&self, today: NaiveDate) -> Result<(Campaign, DaysSince), CampaignErrors> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push((CampaignField::Name, CampaignError::Required));
        }
        let budget = match self.budget.trim() {
            "" => Money::ZERO,
            text => match Money::parse_major(text) {
                Ok(m) if m.0 < 0 => {
                    errors.push((CampaignField::Budget, CampaignError::Negative));
                    Money::ZERO
                }
                Ok(m) if m > MAX_CAMPAIGN_BUDGET => {
                    errors.push((
                        CampaignField::Budget,
                        CampaignError::TooMuchMoney {
                            max: MAX_CAMPAIGN_BUDGET,
                        },
                    ));
                    Money::ZERO
                }
                Ok(m) => m,
                Err(_) => {
                    errors.push((CampaignField::Budget, CampaignError::NotAnAmount));
                    Money::ZERO
                }
            },
        };
        let mut date = |text: &str, field: CampaignField| match parse_date(text) {
            Ok(Some(d)) if d < today => {
                errors.push((field, CampaignError::BeforeToday));
                None
            }
            Ok(d) => d,
            Err(_) => {
                errors.push((field, CampaignError::NotADate));
                None
            }
        };
        let start = date(&self.start, CampaignField::Start);
        let end = date(&self.end, CampaignField::End);
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.push((CampaignField::End, CampaignError::EndBeforeStart));
        }
        let range = self.days_since().unwrap_or_else(|e| {
            errors.extend(e);
            DaysSince::default()
        });
        let holdout = holdout_percent(&self.holdout_percent)
            .map_err(|e| errors.push((CampaignField::Holdout, e)))
            .ok();
        if !errors.is_empty() {
            return Err(errors);
        }
        let campaign = Campaign {
            name: name.to_owned(),
            kind: self.kind,
            goal: self.goal.trim().to_owned(),
            budget,
            start,
            end,
            template: self.template.clone(),
            channel: self.channel,
            holdout_percent: holdout,
            ..Campaign::default()
        };
        Ok((campaign, range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        "2026-03-10".parse().unwrap()
    }

    fn draft() -> CampaignDraft {
        CampaignDraft {
            name: " 三月奶粉回流 ".into(),
            kind: CampaignKind::Return,
            goal: " 带回 20 位老客 ".into(),
            budget: "¥1,280.50".into(),
            start: "2026-03-10".into(),
            end: "2026-03-31".into(),
            min_days_since: "30".into(),
            max_days_since: " 90 ".into(),
            template: Some(Id::parse("builtin:zh-CN:7").unwrap()),
            channel: Some(ContactChannel::Wechat),
            holdout_percent: "20".into(),
        }
    }

    fn refusals(d: &CampaignDraft) -> CampaignErrors {
        d.campaign(today()).unwrap_err()
    }

    #[test]
    fn a_good_draft_makes_a_draft_campaign() {
        let (c, range) = draft().campaign(today()).unwrap();
        assert_eq!(c.name, "三月奶粉回流");
        assert_eq!(c.goal, "带回 20 位老客");
        assert_eq!(c.kind, CampaignKind::Return);
        assert_eq!(c.budget, Money(128_050));
        assert_eq!(c.start, Some(today()));
        assert_eq!(c.end, Some("2026-03-31".parse().unwrap()));
        assert_eq!(c.template.as_ref().unwrap().as_str(), "builtin:zh-CN:7");
        assert_eq!(c.channel, Some(ContactChannel::Wechat));
        assert_eq!(c.holdout_percent, Some(20));
        assert!(c.targeted.is_empty() && c.target.is_null() && c.review_notes.is_empty());
        assert_eq!(
            range,
            DaysSince {
                min: Some(30),
                max: Some(90)
            }
        );
    }

    #[test]
    fn optional_fields_may_be_empty() {
        let d = CampaignDraft {
            name: "开业引流".into(),
            ..CampaignDraft::default()
        };
        let (c, range) = d.campaign(today()).unwrap();
        assert_eq!(c.budget, Money::ZERO);
        assert_eq!((c.start, c.end), (None, None));
        assert_eq!((c.template, c.channel), (None, None));
        assert_eq!(c.holdout_percent, Some(Campaign::DEFAULT_HOLDOUT_PERCENT));
        assert_eq!(range, DaysSince::default());
    }

    #[test]
    fn every_wrong_field_is_named() {
        let d = CampaignDraft {
            name: "  ".into(),
            budget: "12.345".into(),
            start: "2026-02-30".into(),
            end: "2026-03-09".into(),
            min_days_since: "1.5".into(),
            max_days_since: "99999999".into(),
            holdout_percent: "51".into(),
            ..draft()
        };
        assert_eq!(
            refusals(&d),
            vec![
                (CampaignField::Name, CampaignError::Required),
                (CampaignField::Budget, CampaignError::NotAnAmount),
                (CampaignField::Start, CampaignError::NotADate),
                (CampaignField::End, CampaignError::BeforeToday),
                (CampaignField::MinDaysSince, CampaignError::NotAWholeNumber),
                (
                    CampaignField::MaxDaysSince,
                    CampaignError::TooManyDays {
                        max: MAX_DAYS_SINCE
                    }
                ),
                (
                    CampaignField::Holdout,
                    CampaignError::HoldoutOutOfRange { max: 50 }
                ),
            ]
        );
    }

    #[test]
    fn the_end_is_not_before_the_start_nor_either_before_today() {
        let d = CampaignDraft {
            start: "2026-03-20".into(),
            end: "2026-03-19".into(),
            ..draft()
        };
        assert_eq!(
            refusals(&d),
            vec![(CampaignField::End, CampaignError::EndBeforeStart)]
        );
        let one_day = CampaignDraft {
            start: "2026-03-20".into(),
            end: "2026-03-20".into(),
            ..draft()
        };
        assert!(one_day.campaign(today()).is_ok(), "a one-day campaign");
        let yesterday = CampaignDraft {
            start: "2026-03-09".into(),
            ..draft()
        };
        assert_eq!(
            refusals(&yesterday),
            vec![(CampaignField::Start, CampaignError::BeforeToday)]
        );
        let open_start = CampaignDraft {
            start: String::new(),
            end: "2026-03-10".into(),
            ..draft()
        };
        assert!(open_start.campaign(today()).is_ok(), "ends today");
    }

    #[test]
    fn budgets_are_yuan_never_negative_nor_absurd() {
        let with = |b: &str| CampaignDraft {
            budget: b.into(),
            ..draft()
        };
        assert_eq!(
            with("500").campaign(today()).unwrap().0.budget,
            Money(50_000)
        );
        assert_eq!(
            refusals(&with("-1")),
            vec![(CampaignField::Budget, CampaignError::Negative)]
        );
        assert_eq!(
            refusals(&with("1000000.01")),
            vec![(
                CampaignField::Budget,
                CampaignError::TooMuchMoney {
                    max: MAX_CAMPAIGN_BUDGET
                }
            )]
        );
        assert!(with("1000000").campaign(today()).is_ok());
        assert_eq!(
            refusals(&with("abc")),
            vec![(CampaignField::Budget, CampaignError::NotAnAmount)]
        );
    }

    #[test]
    fn days_since_are_whole_and_ordered() {
        assert_eq!(days_since("", ""), Ok(DaysSince::default()));
        assert_eq!(
            days_since("30", ""),
            Ok(DaysSince {
                min: Some(30),
                max: None
            })
        );
        assert_eq!(
            days_since("90", "30"),
            Err(vec![(
                CampaignField::MaxDaysSince,
                CampaignError::BelowMinimum
            )])
        );
        assert!(days_since("30", "30").is_ok());
        assert_eq!(
            days_since("-3", "x"),
            Err(vec![
                (CampaignField::MinDaysSince, CampaignError::NotAWholeNumber),
                (CampaignField::MaxDaysSince, CampaignError::NotAWholeNumber),
            ])
        );
        assert_eq!(
            days_since("36501", "").unwrap_err()[0].1,
            CampaignError::TooManyDays {
                max: MAX_DAYS_SINCE
            }
        );
    }

    #[test]
    fn the_holdout_is_a_whole_percentage_up_to_half() {
        assert_eq!(holdout_percent("10"), Ok(10));
        assert_eq!(holdout_percent(" 0 "), Ok(0));
        assert_eq!(holdout_percent("50%"), Ok(50));
        assert_eq!(holdout_percent(""), Err(CampaignError::Required));
        for bad in ["51", "300", "-1", "12.5", "ten"] {
            assert_eq!(
                holdout_percent(bad),
                Err(CampaignError::HoldoutOutOfRange { max: 50 }),
                "{bad}"
            );
        }
    }

    #[test]
    fn held_out_counts_what_the_holdout_draws() {
        let ids: Vec<Id> = (0..120)
            .map(|i| Id::parse(&format!("c{i:04}")).unwrap())
            .collect();
        for n in [0, 1, 4, 5, 9, 10, 15, 95, 120] {
            for percent in [0, 5, 10, 20, 33, 50] {
                assert_eq!(
                    held_out(n, percent),
                    crate::insights::campaigns::holdout(7, percent, &ids[..n]).len(),
                    "{n} targets, {percent} %"
                );
            }
        }
        assert_eq!(held_out(95, 10), 10, "9.5 rounds up");
    }
}
