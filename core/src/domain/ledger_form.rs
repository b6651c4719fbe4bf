//! The card's **Points** (积分), **Top up** (充值) and **pickup plan** forms (SPEC §1 Ledger
//! entry), as typed: text in, the [`LedgerKind`]s to record out — or refused, naming the field
//! that is wrong. Pure rules: the current balances and the first due date are passed in, no
//! clock is read.
//!
//! - Points are earned or redeemed a whole number at a time; a redemption may take the balance
//!   to exactly zero, never below.
//! - Stored value is topped up or spent in yuan ([`Money::parse_major`]); a spend may take the
//!   balance to exactly zero, never below.
//! - A pickup plan ("top up 500, get 500 back as 10 monthly pickups of 50") is an optional
//!   top-up and a [`LedgerKind::ScheduledReward`] whose due dates fall every `interval` months
//!   from the first, each counted from the first date and clamped to the month's last day
//!   (Jan 31 → Feb 29 → Mar 31 → Apr 30 …).

use super::{LedgerKind, Money};
use chrono::{Months, NaiveDate};

/// The most points one entry may earn or redeem; more is taken as a typing slip.
pub const MAX_POINTS_AT_ONCE: i64 = 10_000_000;

/// The most one stored-value entry, plan top-up or pickup may move (¥1,000,000); more is
/// taken as a typing slip.
pub const MAX_LEDGER_AMOUNT: Money = Money(100_000_000);

/// The most pickups a plan may have (three years of monthly pickups).
pub const MAX_PICKUPS: u32 = 36;

/// The longest gap between two pickups, in months.
pub const MAX_PICKUP_INTERVAL_MONTHS: u32 = 12;

/// Which way the points form moves points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PointsAction {
    /// 积分增加: the customer earns points.
    Earn,
    /// 积分兑换: the customer redeems points (at most the balance).
    Redeem,
}

/// Which way the stored-value form moves money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoredValueAction {
    /// 充值: money paid in.
    TopUp,
    /// 储值消费: money spent from the balance (at most the balance).
    Spend,
}

/// A field of the ledger forms a [`LedgerError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerField {
    /// The points or stored-value form's one amount (every refusal of [`points_change`] and
    /// [`stored_value_change`] is about this field).
    Amount,
    /// The plan's top-up (充值金额).
    TopUp,
    /// The value of one pickup (每次领取金额).
    PickupAmount,
    /// The number of pickups (领取次数).
    Count,
    /// The months between two pickups.
    Interval,
    /// The first due date.
    FirstDate,
}

/// Why a ledger form's field is refused. The UI shows it next to its [`LedgerField`] and
/// translates it by variant; the English messages are the fallback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Nothing typed.
    #[error("enter a value")]
    Required,
    /// Not a whole number (`1.5`, `abc`).
    #[error("enter a whole number")]
    NotAWholeNumber,
    /// Not an amount in yuan with at most two decimals (`abc`, `1.234`).
    #[error("enter an amount in yuan, with at most two decimals")]
    NotAnAmount,
    /// Zero or negative where only more than zero makes sense.
    #[error("must be more than zero")]
    NotPositive,
    /// Negative where zero is allowed (a plan's top-up).
    #[error("cannot be negative")]
    Negative,
    /// More points than one entry may move.
    #[error("at most {max} points at a time")]
    TooManyPoints {
        /// The limit, [`MAX_POINTS_AT_ONCE`].
        max: i64,
    },
    /// More money than one entry may move.
    #[error("at most ¥{max} at a time")]
    TooMuchMoney {
        /// The limit, [`MAX_LEDGER_AMOUNT`].
        max: Money,
    },
    /// A redemption above the points balance.
    #[error("only {balance} points to redeem")]
    NotEnoughPoints {
        /// The current points balance.
        balance: i64,
    },
    /// A spend above the stored-value balance.
    #[error("only ¥{balance} of stored value to spend")]
    NotEnoughStoredValue {
        /// The current stored-value balance.
        balance: Money,
    },
    /// A pickup count outside `1..=max`.
    #[error("between 1 and {max} pickups")]
    CountOutOfRange {
        /// The limit, [`MAX_PICKUPS`].
        max: u32,
    },
    /// A pickup interval outside `1..=max` months.
    #[error("every 1 to {max} months")]
    IntervalOutOfRange {
        /// The limit, [`MAX_PICKUP_INTERVAL_MONTHS`].
        max: u32,
    },
    /// The due dates would run past the last date the calendar knows.
    #[error("the due dates run past the end of the calendar")]
    DatesOutOfRange,
}

/// The points form: `text` points earned or redeemed against the current `balance`, as the
/// [`LedgerKind::Points`] to record (negative for a redemption). Refusals are about
/// [`LedgerField::Amount`].
pub fn points_change(
    action: PointsAction,
    text: &str,
    balance: i64,
) -> Result<LedgerKind, LedgerError> {
    let points = whole_number(text)?;
    if points <= 0 {
        return Err(LedgerError::NotPositive);
    }
    if points > MAX_POINTS_AT_ONCE {
        return Err(LedgerError::TooManyPoints {
            max: MAX_POINTS_AT_ONCE,
        });
    }
    let delta = match action {
        PointsAction::Earn => points,
        PointsAction::Redeem if points > balance => {
            return Err(LedgerError::NotEnoughPoints { balance });
        }
        PointsAction::Redeem => -points,
    };
    Ok(LedgerKind::Points { delta })
}

/// The stored-value form: `text` yuan topped up or spent against the current `balance`, as
/// the [`LedgerKind::StoredValue`] to record (negative for a spend). Refusals are about
/// [`LedgerField::Amount`].
pub fn stored_value_change(
    action: StoredValueAction,
    text: &str,
    balance: Money,
) -> Result<LedgerKind, LedgerError> {
    let amount = amount(text, false)?;
    let delta = match action {
        StoredValueAction::TopUp => amount,
        StoredValueAction::Spend if amount > balance => {
            return Err(LedgerError::NotEnoughStoredValue { balance });
        }
        StoredValueAction::Spend => -amount,
    };
    Ok(LedgerKind::StoredValue { delta })
}

/// The pickup-plan form as typed ("充500送500，每月领50元，共10次").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickupPlanDraft {
    /// The top-up in yuan; `0` for a pure gift. Required: an empty field is refused rather
    /// than taken as a gift.
    pub top_up: String,
    /// The value of one pickup in yuan (more than zero).
    pub pickup_amount: String,
    /// How many pickups, a whole number in `1..=`[`MAX_PICKUPS`].
    pub count: String,
    /// What is picked up; kept trimmed, may be empty (the UI may offer a default).
    pub description: String,
    /// The first due date; `None` when not chosen yet (refused).
    pub first_due: Option<NaiveDate>,
    /// Months between two pickups, `1..=`[`MAX_PICKUP_INTERVAL_MONTHS`]; 1 by default.
    pub interval_months: u32,
}

impl Default for PickupPlanDraft {
    /// Every text empty, no first date, monthly pickups.
    fn default() -> PickupPlanDraft {
        PickupPlanDraft {
            top_up: String::new(),
            pickup_amount: String::new(),
            count: String::new(),
            description: String::new(),
            first_due: None,
            interval_months: 1,
        }
    }
}

/// A checked pickup plan: what to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickupPlan {
    /// The top-up (zero for a pure gift: no stored-value entry is recorded).
    pub top_up: Money,
    /// What is picked up (trimmed, may be empty).
    pub description: String,
    /// The value of one pickup.
    pub amount: Money,
    /// The due dates, strictly increasing, one per pickup.
    pub due: Vec<NaiveDate>,
}

impl PickupPlanDraft {
    /// The plan, or every problem with its field, in the form's order (top-up, pickup amount,
    /// count, interval, first date).
    pub fn plan(&self) -> Result<PickupPlan, Vec<(LedgerField, LedgerError)>> {
        let mut errors = Vec::new();
        let mut field = |field, checked: Result<Money, LedgerError>| match checked {
            Ok(money) => Some(money),
            Err(e) => {
                errors.push((field, e));
                None
            }
        };
        let top_up = field(LedgerField::TopUp, amount(&self.top_up, true));
        let pickup = field(
            LedgerField::PickupAmount,
            amount(&self.pickup_amount, false),
        );
        let count = match whole_number(&self.count) {
            Ok(n) => match u32::try_from(n) {
                Ok(n) if (1..=MAX_PICKUPS).contains(&n) => Some(n),
                _ => {
                    errors.push((
                        LedgerField::Count,
                        LedgerError::CountOutOfRange { max: MAX_PICKUPS },
                    ));
                    None
                }
            },
            Err(e) => {
                errors.push((LedgerField::Count, e));
                None
            }
        };
        let interval = if (1..=MAX_PICKUP_INTERVAL_MONTHS).contains(&self.interval_months) {
            Some(self.interval_months)
        } else {
            errors.push((
                LedgerField::Interval,
                LedgerError::IntervalOutOfRange {
                    max: MAX_PICKUP_INTERVAL_MONTHS,
                },
            ));
            None
        };
        if self.first_due.is_none() {
            errors.push((LedgerField::FirstDate, LedgerError::Required));
        }
        let due = match (self.first_due, count, interval) {
            (Some(first), Some(count), Some(interval)) => {
                let due = monthly_due_dates(first, count, interval);
                if due.is_none() {
                    errors.push((LedgerField::FirstDate, LedgerError::DatesOutOfRange));
                }
                due
            }
            _ => None,
        };
        match (top_up, pickup, due) {
            (Some(top_up), Some(amount), Some(due)) if errors.is_empty() => Ok(PickupPlan {
                top_up,
                description: self.description.trim().to_owned(),
                amount,
                due,
            }),
            _ => Err(errors),
        }
    }
}

impl PickupPlan {
    /// The entries to record, in order: the [`LedgerKind::StoredValue`] top-up (only when it
    /// is more than zero), then the [`LedgerKind::ScheduledReward`].
    pub fn into_kinds(self) -> Vec<LedgerKind> {
        let top_up =
            (self.top_up > Money::ZERO).then_some(LedgerKind::StoredValue { delta: self.top_up });
        top_up
            .into_iter()
            .chain([LedgerKind::ScheduledReward {
                description: self.description,
                amount: self.amount,
                due: self.due,
            }])
            .collect()
    }

    /// The value of every pickup together (amount × count), for the form's summary.
    pub fn total(&self) -> Money {
        // Both are bounded (MAX_LEDGER_AMOUNT × MAX_PICKUPS), far inside i64.
        Money(self.amount.0 * self.due.len() as i64)
    }
}

/// `count` due dates from `first`, every `interval_months` months: the k-th is `first` plus
/// k × `interval_months` months, each counted from `first` and clamped to the month's last day
/// (from Jan 31: Feb 28 or 29, Mar 31, Apr 30, …). `None` when `interval_months` is 0 (the
/// dates would not advance) or a date would fall past the calendar's end; empty for `count` 0.
pub fn monthly_due_dates(
    first: NaiveDate,
    count: u32,
    interval_months: u32,
) -> Option<Vec<NaiveDate>> {
    if interval_months == 0 {
        return None;
    }
    (0..count)
        .map(|k| {
            k.checked_mul(interval_months)
                .and_then(|months| first.checked_add_months(Months::new(months)))
        })
        .collect()
}

/// A whole number as typed (`120`, ` 1,000 `, `+5`, `-3`); a number too large for `i64`
/// saturates, so it fails every bound rather than the format.
fn whole_number(text: &str) -> Result<i64, LedgerError> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    if t.is_empty() {
        return Err(LedgerError::Required);
    }
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(LedgerError::NotAWholeNumber);
    }
    let magnitude = digits.bytes().fold(0i64, |n, d| {
        n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    Ok(if negative { -magnitude } else { magnitude })
}

/// An amount in yuan as typed, more than zero (or zero too, with `zero_ok`) and at most
/// [`MAX_LEDGER_AMOUNT`].
fn amount(text: &str, zero_ok: bool) -> Result<Money, LedgerError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LedgerError::Required);
    }
    let too_much = LedgerError::TooMuchMoney {
        max: MAX_LEDGER_AMOUNT,
    };
    let below = if zero_ok {
        LedgerError::Negative
    } else {
        LedgerError::NotPositive
    };
    let money = match Money::parse_major(text) {
        Ok(m) => m,
        // Well formed but too large for i64 minor units.
        Err(_) => {
            return Err(match overflowing_sign(text) {
                Some(true) => below,
                Some(false) => too_much,
                None => LedgerError::NotAnAmount,
            });
        }
    };
    if money < Money::ZERO || (money == Money::ZERO && !zero_ok) {
        Err(below)
    } else if money > MAX_LEDGER_AMOUNT {
        Err(too_much)
    } else {
        Ok(money)
    }
}

/// For a text [`Money::parse_major`] refused: whether it is negative when it is a well-formed
/// amount (so refused only for its size), `None` when it is not an amount at all.
fn overflowing_sign(text: &str) -> Option<bool> {
    let t: String = text
        .chars()
        .filter(|c| *c != ',' && *c != '¥' && *c != '￥')
        .collect();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    (!whole.is_empty() && digits_only(whole) && digits_only(frac) && frac.len() <= 2)
        .then_some(negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn points(action: PointsAction, text: &str, balance: i64) -> Result<i64, LedgerError> {
        points_change(action, text, balance).map(|k| match k {
            LedgerKind::Points { delta } => delta,
            other => panic!("not points: {other:?}"),
        })
    }

    fn stored(action: StoredValueAction, text: &str, balance: i64) -> Result<i64, LedgerError> {
        stored_value_change(action, text, Money(balance)).map(|k| match k {
            LedgerKind::StoredValue { delta } => delta.0,
            other => panic!("not stored value: {other:?}"),
        })
    }

    fn plan_draft() -> PickupPlanDraft {
        PickupPlanDraft {
            top_up: "500".into(),
            pickup_amount: "50".into(),
            count: "10".into(),
            description: " 充500送500：每月领50元 ".into(),
            first_due: Some(date(2026, 1, 31)),
            ..PickupPlanDraft::default()
        }
    }

    #[test]
    fn points_are_earned_and_redeemed_down_to_exactly_zero() {
        use PointsAction::*;
        assert_eq!(points(Earn, "120", 0), Ok(120));
        assert_eq!(
            points(Earn, " 1,000 ", -5),
            Ok(1000),
            "earning ignores the balance"
        );
        assert_eq!(points(Earn, "+7", 0), Ok(7));
        assert_eq!(points(Redeem, "300", 300), Ok(-300), "the whole balance");
        assert_eq!(
            points(Redeem, "301", 300),
            Err(LedgerError::NotEnoughPoints { balance: 300 })
        );
        assert_eq!(
            points(Redeem, "1", -20),
            Err(LedgerError::NotEnoughPoints { balance: -20 }),
            "a balance below zero (two offline redemptions merged) allows none"
        );
    }

    #[test]
    fn points_refuse_bad_text_and_absurd_numbers() {
        use PointsAction::*;
        for (text, error) in [
            ("", LedgerError::Required),
            ("   ", LedgerError::Required),
            ("0", LedgerError::NotPositive),
            ("-5", LedgerError::NotPositive),
            ("1.5", LedgerError::NotAWholeNumber),
            ("abc", LedgerError::NotAWholeNumber),
            ("五十", LedgerError::NotAWholeNumber),
            ("-", LedgerError::NotAWholeNumber),
            ("1e3", LedgerError::NotAWholeNumber),
            (
                "99999999999999999999999",
                LedgerError::TooManyPoints {
                    max: MAX_POINTS_AT_ONCE,
                },
            ),
            (
                "10000001",
                LedgerError::TooManyPoints {
                    max: MAX_POINTS_AT_ONCE,
                },
            ),
        ] {
            assert_eq!(points(Earn, text, 0), Err(error), "earn {text:?}");
            assert_eq!(
                points(Redeem, text, i64::MAX),
                Err(error),
                "redeem {text:?}"
            );
        }
        assert_eq!(points(Earn, "10000000", 0), Ok(MAX_POINTS_AT_ONCE));
        assert_eq!(
            points(Redeem, "-99999999999999999999", 0),
            Err(LedgerError::NotPositive)
        );
    }

    #[test]
    fn stored_value_is_topped_up_and_spent_down_to_exactly_zero() {
        use StoredValueAction::*;
        assert_eq!(stored(TopUp, "500", 0), Ok(50_000));
        assert_eq!(stored(TopUp, "¥1,234.56", 0), Ok(123_456));
        assert_eq!(stored(TopUp, "0.01", 0), Ok(1));
        assert_eq!(
            stored(Spend, "123.45", 12_345),
            Ok(-12_345),
            "the whole balance"
        );
        assert_eq!(
            stored(Spend, "123.46", 12_345),
            Err(LedgerError::NotEnoughStoredValue {
                balance: Money(12_345)
            })
        );
        assert_eq!(
            stored(Spend, "1", 0),
            Err(LedgerError::NotEnoughStoredValue { balance: Money(0) })
        );
    }

    #[test]
    fn stored_value_refuses_bad_text_and_absurd_amounts() {
        use StoredValueAction::*;
        let too_much = LedgerError::TooMuchMoney {
            max: MAX_LEDGER_AMOUNT,
        };
        for (text, error) in [
            ("", LedgerError::Required),
            ("0", LedgerError::NotPositive),
            ("0.00", LedgerError::NotPositive),
            ("-1", LedgerError::NotPositive),
            ("-99999999999999999999", LedgerError::NotPositive),
            ("abc", LedgerError::NotAnAmount),
            ("1.234", LedgerError::NotAnAmount),
            ("1.2.3", LedgerError::NotAnAmount),
            (".", LedgerError::NotAnAmount),
            ("99999999999999999999", too_much),
            ("1000000.01", too_much),
        ] {
            assert_eq!(stored(TopUp, text, 0), Err(error), "top up {text:?}");
            assert_eq!(stored(Spend, text, i64::MAX), Err(error), "spend {text:?}");
        }
        assert_eq!(stored(TopUp, "1000000", 0), Ok(MAX_LEDGER_AMOUNT.0));
    }

    #[test]
    fn due_dates_clamp_to_the_month_end_counted_from_the_first() {
        let leap = monthly_due_dates(date(2024, 1, 31), 5, 1).unwrap();
        assert_eq!(
            leap,
            [
                date(2024, 1, 31),
                date(2024, 2, 29),
                date(2024, 3, 31),
                date(2024, 4, 30),
                date(2024, 5, 31),
            ]
        );
        let common = monthly_due_dates(date(2025, 1, 31), 3, 1).unwrap();
        assert_eq!(
            common,
            [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
        );
        // Across a year end into a leap February, then back to a common one.
        let across = monthly_due_dates(date(2023, 8, 31), 4, 6).unwrap();
        assert_eq!(
            across,
            [
                date(2023, 8, 31),
                date(2024, 2, 29),
                date(2024, 8, 31),
                date(2025, 2, 28),
            ]
        );
        assert_eq!(
            monthly_due_dates(date(2023, 11, 30), 2, 3).unwrap(),
            [date(2023, 11, 30), date(2024, 2, 29)]
        );
        assert_eq!(monthly_due_dates(date(2026, 3, 15), 0, 1), Some(vec![]));
        assert_eq!(monthly_due_dates(date(2026, 3, 15), 3, 0), None);
        assert_eq!(monthly_due_dates(NaiveDate::MAX, 2, 1), None);
    }

    #[test]
    fn a_plan_makes_the_top_up_and_the_scheduled_reward() {
        let plan = plan_draft().plan().unwrap();
        assert_eq!(plan.total(), Money(50_000));
        assert_eq!(plan.due.len(), 10);
        assert_eq!(plan.due[1], date(2026, 2, 28));
        assert_eq!(plan.due[9], date(2026, 10, 31));
        let kinds = plan.clone().into_kinds();
        assert_eq!(
            kinds,
            [
                LedgerKind::StoredValue {
                    delta: Money(50_000)
                },
                LedgerKind::ScheduledReward {
                    description: "充500送500：每月领50元".into(),
                    amount: Money(5_000),
                    due: plan.due,
                },
            ]
        );
    }

    #[test]
    fn a_plan_without_a_top_up_is_a_gift_and_its_description_may_be_empty() {
        let gift = PickupPlanDraft {
            top_up: "0".into(),
            description: "   ".into(),
            ..plan_draft()
        };
        let kinds = gift.plan().unwrap().into_kinds();
        assert_eq!(kinds.len(), 1);
        assert!(matches!(
            &kinds[0],
            LedgerKind::ScheduledReward { description, .. } if description.is_empty()
        ));
    }

    #[test]
    fn a_plan_counts_between_one_and_thirty_six_pickups() {
        for (count, ok) in [("1", true), ("36", true), ("0", false), ("37", false)] {
            let d = PickupPlanDraft {
                count: count.into(),
                ..plan_draft()
            };
            match d.plan() {
                Ok(plan) => assert!(ok && plan.due.len().to_string() == count, "{count}"),
                Err(e) => {
                    assert!(!ok, "{count}");
                    assert_eq!(
                        e,
                        [(
                            LedgerField::Count,
                            LedgerError::CountOutOfRange { max: MAX_PICKUPS }
                        )]
                    );
                }
            }
        }
        for (count, error) in [
            ("", LedgerError::Required),
            ("十", LedgerError::NotAWholeNumber),
            ("2.5", LedgerError::NotAWholeNumber),
            ("-3", LedgerError::CountOutOfRange { max: MAX_PICKUPS }),
            (
                "99999999999999999999",
                LedgerError::CountOutOfRange { max: MAX_PICKUPS },
            ),
        ] {
            let d = PickupPlanDraft {
                count: count.into(),
                ..plan_draft()
            };
            assert_eq!(d.plan().unwrap_err(), [(LedgerField::Count, error)]);
        }
    }

    #[test]
    fn every_bad_plan_field_is_named_in_form_order() {
        let bad = PickupPlanDraft {
            top_up: "-500".into(),
            pickup_amount: "0".into(),
            count: "abc".into(),
            description: String::new(),
            first_due: None,
            interval_months: 0,
        };
        assert_eq!(
            bad.plan().unwrap_err(),
            [
                (LedgerField::TopUp, LedgerError::Negative),
                (LedgerField::PickupAmount, LedgerError::NotPositive),
                (LedgerField::Count, LedgerError::NotAWholeNumber),
                (
                    LedgerField::Interval,
                    LedgerError::IntervalOutOfRange {
                        max: MAX_PICKUP_INTERVAL_MONTHS
                    }
                ),
                (LedgerField::FirstDate, LedgerError::Required),
            ]
        );
        let empty = PickupPlanDraft::default();
        assert_eq!(empty.interval_months, 1, "monthly by default");
        assert_eq!(
            empty.plan().unwrap_err(),
            [
                (LedgerField::TopUp, LedgerError::Required),
                (LedgerField::PickupAmount, LedgerError::Required),
                (LedgerField::Count, LedgerError::Required),
                (LedgerField::FirstDate, LedgerError::Required),
            ],
            "an empty top-up is refused, not taken as a gift"
        );
        let huge = PickupPlanDraft {
            top_up: "2000000".into(),
            pickup_amount: "abc".into(),
            interval_months: 13,
            ..plan_draft()
        };
        assert_eq!(
            huge.plan().unwrap_err(),
            [
                (
                    LedgerField::TopUp,
                    LedgerError::TooMuchMoney {
                        max: MAX_LEDGER_AMOUNT
                    }
                ),
                (LedgerField::PickupAmount, LedgerError::NotAnAmount),
                (
                    LedgerField::Interval,
                    LedgerError::IntervalOutOfRange {
                        max: MAX_PICKUP_INTERVAL_MONTHS
                    }
                ),
            ]
        );
        let late = PickupPlanDraft {
            first_due: Some(NaiveDate::MAX),
            ..plan_draft()
        };
        assert_eq!(
            late.plan().unwrap_err(),
            [(LedgerField::FirstDate, LedgerError::DatesOutOfRange)]
        );
    }

    #[test]
    fn every_interval_up_to_a_year_is_accepted() {
        let quarterly = PickupPlanDraft {
            count: "4".into(),
            interval_months: 3,
            ..plan_draft()
        };
        assert_eq!(
            quarterly.plan().unwrap().due,
            [
                date(2026, 1, 31),
                date(2026, 4, 30),
                date(2026, 7, 31),
                date(2026, 10, 31)
            ]
        );
        let yearly = PickupPlanDraft {
            interval_months: MAX_PICKUP_INTERVAL_MONTHS,
            first_due: Some(date(2024, 2, 29)),
            count: "2".into(),
            ..plan_draft()
        };
        assert_eq!(
            yearly.plan().unwrap().due,
            [date(2024, 2, 29), date(2025, 2, 28)]
        );
    }

    #[test]
    fn messages_read_in_english() {
        assert_eq!(
            LedgerError::NotEnoughPoints { balance: 300 }.to_string(),
            "only 300 points to redeem"
        );
        assert_eq!(
            LedgerError::NotEnoughStoredValue {
                balance: Money(12_345)
            }
            .to_string(),
            "only ¥123.45 of stored value to spend"
        );
        assert_eq!(
            LedgerError::CountOutOfRange { max: MAX_PICKUPS }.to_string(),
            "between 1 and 36 pickups"
        );
    }
}

// proptest is a native dev-dependency only (its OS randomness does not build for wasm32).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn due_dates_are_count_long_strictly_increasing_and_keep_the_day(
            days in 0i64..(200 * 366),
            count in 1u32..=MAX_PICKUPS,
            interval in 1u32..=MAX_PICKUP_INTERVAL_MONTHS,
        ) {
            let first = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
                + chrono::Duration::days(days);
            let due = monthly_due_dates(first, count, interval).unwrap();
            prop_assert_eq!(due.len(), count as usize);
            prop_assert_eq!(due[0], first);
            for pair in due.windows(2) {
                prop_assert!(pair[0] < pair[1], "{:?}", pair);
            }
            for d in &due {
                // The first date's day, or the month's last day when the month is shorter.
                let last_day = d.checked_add_days(chrono::Days::new(1)).unwrap().month() != d.month();
                prop_assert!(d.day() == first.day() || (d.day() < first.day() && last_day), "{} from {}", d, first);
            }
        }

        #[test]
        fn no_text_makes_the_forms_panic(text in "\\PC{0,24}", balance in any::<i64>()) {
            for action in [PointsAction::Earn, PointsAction::Redeem] {
                if let Ok(LedgerKind::Points { delta }) = points_change(action, &text, balance) {
                    prop_assert!(delta != 0 && delta.abs() <= MAX_POINTS_AT_ONCE);
                }
            }
            for action in [StoredValueAction::TopUp, StoredValueAction::Spend] {
                if let Ok(LedgerKind::StoredValue { delta }) = stored_value_change(action, &text, Money(balance)) {
                    prop_assert!(delta != Money::ZERO && delta.0.abs() <= MAX_LEDGER_AMOUNT.0);
                }
            }
        }
    }
}
