//! Mutable records besides customers: complaints, campaigns, templates, rules, devices, the shop.

use super::{ContactChannel, Money, Purpose};
use crate::id::Id;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The shop (one record, id = the shop id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Shop {
    /// Shop name.
    pub name: String,
    /// IANA time zone of the shop's calendar (default `Asia/Shanghai`).
    pub time_zone: String,
    /// ISO 4217 currency (default `CNY`).
    pub currency: String,
}

/// A staff role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 店主: everything.
    Owner,
    /// 店员: cannot delete customers, change rules, manage staff or export the whole book.
    #[default]
    Clerk,
}

/// A staff member's device (id = the device id the server issued).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Device {
    /// Display name of the person using it.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Revoked devices are refused by the server.
    pub revoked: bool,
}

/// How bad a complaint is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 轻微
    Low,
    /// 一般
    #[default]
    Medium,
    /// 严重
    High,
}

/// Where a complaint stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Opened, not yet answered.
    #[default]
    Open,
    /// Answered, being handled.
    Responded,
    /// Resolved.
    Resolved,
}

/// A complaint (target: first response within 1 hour).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Complaint {
    /// The customer.
    pub customer: Option<Id>,
    /// When it was opened (shop-local).
    pub opened_at: Option<NaiveDateTime>,
    /// What happened.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// First response.
    pub first_response_at: Option<NaiveDateTime>,
    /// Resolution.
    pub resolved_at: Option<NaiveDateTime>,
    /// Compensation given.
    pub compensation: Option<Money>,
    /// How it was resolved.
    pub resolution: String,
    /// Status.
    pub status: ComplaintStatus,
}

/// Why a complaint cannot be recorded as asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    /// No description of what happened.
    #[error("say what happened")]
    NoDescription,
    /// Resolved with neither a resolution nor compensation.
    #[error("say how it was resolved")]
    NoResolution,
    /// A negative compensation.
    #[error("compensation cannot be negative")]
    NegativeCompensation,
    /// Already resolved.
    #[error("the complaint is already resolved")]
    AlreadyResolved,
}

impl Complaint {
    /// A complaint opened at `at` (记投诉); the description is required.
    pub fn open(
        customer: Id,
        at: NaiveDateTime,
        description: &str,
        severity: Severity,
    ) -> Result<Complaint, ComplaintError> {
        let description = description.trim();
        if description.is_empty() {
            return Err(ComplaintError::NoDescription);
        }
        Ok(Complaint {
            customer: Some(customer),
            opened_at: Some(at),
            description: description.to_owned(),
            severity,
            status: ComplaintStatus::Open,
            ..Complaint::default()
        })
    }

    /// The complaint answered at `at` (回复): the first response is kept, a later one changes
    /// nothing.
    pub fn respond(&self, at: NaiveDateTime) -> Complaint {
        let mut next = self.clone();
        if next.first_response_at.is_none() {
            next.first_response_at = Some(at);
        }
        if next.status == ComplaintStatus::Open {
            next.status = ComplaintStatus::Responded;
        }
        next
    }

    /// The complaint resolved at `at` (解决) with how, and any compensation; resolving counts
    /// as the first response when there was none.
    pub fn resolve(
        &self,
        at: NaiveDateTime,
        resolution: &str,
        compensation: Option<Money>,
    ) -> Result<Complaint, ComplaintError> {
        if self.is_resolved() {
            return Err(ComplaintError::AlreadyResolved);
        }
        let resolution = resolution.trim();
        if compensation.is_some_and(|m| m.0 < 0) {
            return Err(ComplaintError::NegativeCompensation);
        }
        if resolution.is_empty() && compensation.is_none() {
            return Err(ComplaintError::NoResolution);
        }
        let mut next = self.respond(at);
        next.resolved_at = Some(at);
        next.resolution = resolution.to_owned();
        next.compensation = compensation;
        next.status = ComplaintStatus::Resolved;
        Ok(next)
    }

    /// Whether it is resolved.
    pub fn is_resolved(&self) -> bool {
        self.resolved_at.is_some() || self.status == ComplaintStatus::Resolved
    }

    /// Minutes from opening to the first response, once answered.
    pub fn response_minutes(&self) -> Option<i64> {
        Some(
            self.first_response_at?
                .signed_duration_since(self.opened_at?)
                .num_minutes(),
        )
    }

    /// Minutes from opening to the resolution, once resolved.
    pub fn resolution_minutes(&self) -> Option<i64> {
        Some(
            self.resolved_at?
                .signed_duration_since(self.opened_at?)
                .num_minutes(),
        )
    }
}

/// The four campaign kinds of seed 003.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// 引流: acquisition.
    #[default]
    Acquisition,
    /// 截流: conversion.
    Conversion,
    /// 回流: return.
    Return,
    /// 裂变: referral.
    Referral,
}

/// A campaign.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Campaign {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: CampaignKind,
    /// Goal.
    pub goal: String,
    /// Budget.
    pub budget: Money,
    /// First day.
    pub start: Option<NaiveDate>,
    /// Last day.
    pub end: Option<NaiveDate>,
    /// Target segment: a saved filter.
    pub target: serde_json::Value,
    /// Template used.
    pub template: Option<Id>,
    /// Channel.
    pub channel: Option<ContactChannel>,
    /// Review notes (复盘).
    pub review: String,
    /// Share of the targets held out (never sent the campaign's message) to measure its lift,
    /// in percent; `None` = [`Campaign::DEFAULT_HOLDOUT_PERCENT`] (`insights::campaigns`).
    pub holdout_percent: Option<u8>,
    /// The seed the holdout is drawn with, recorded when the campaign starts.
    pub seed: u64,
    /// The targets as the campaign started, in id order (empty until it starts): the holdout
    /// and the results are worked out from this list, not from the filter, which may match
    /// other customers later.
    pub targeted: Vec<Id>,
    /// Dated, signed review notes (复盘): a set-valued field (`review_notes.<member>`, like
    /// tags), each member one note as JSON (`insights::campaigns::ReviewNote`), so notes two
    /// devices add at once both survive; in date order.
    pub review_notes: Vec<String>,
}

impl Campaign {
    /// The holdout share when the campaign does not set one.
    pub const DEFAULT_HOLDOUT_PERCENT: u8 = 10;
}

/// A message template (docs/segmentation.md, "Messages").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    /// What it is for.
    pub purpose: Purpose,
    /// Short name.
    pub name: String,
    /// Text with placeholders such as `{称呼}`.
    pub text: String,
    /// Text used instead when a placeholder has no value.
    pub fallback: String,
}

impl Default for Template {
    fn default() -> Self {
        Template {
            purpose: Purpose::Other,
            name: String::new(),
            text: String::new(),
            fallback: String::new(),
        }
    }
}

/// The shop's rules (one record, id `rules`). Defaults are those of docs/segmentation.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Contact cadence in days by RFM class key (`key_value`, …).
    pub cadence_days: BTreeMap<String, u32>,
    /// Re-buy cycle in days by product category.
    pub rebuy_days: BTreeMap<String, u32>,
    /// Decline when days since the last purchase exceed this × the customer's interval.
    pub decline_multiplier: f64,
    /// Churned when days since the last purchase exceed max(`churn_min_days`, this × interval).
    pub churn_multiplier: f64,
    /// See `churn_multiplier`.
    pub churn_min_days: u32,
    /// Analysis window in days (0 = all history).
    pub window_days: u32,
    /// How many follow-ups make one staff member's day (SPEC §2, "Today is a day's work").
    pub daily_capacity: u32,
}

impl Rules {
    /// The id of the rules record.
    pub const ID: &'static str = "rules";
}

/// Re-buy cycles a mother-and-baby shop starts with (issue 9: re-buy reminders fire out of the
/// box), by the category names clerks write, in Chinese and in English; the owner changes
/// them in the rules. A tin of formula lasts about a month, a pack of diapers about three
/// weeks; clothes and toys are not re-bought on a cycle.
pub const DEFAULT_REBUY_DAYS: [(&str, u32); 12] = [
    ("奶粉", 30),
    ("纸尿裤", 20),
    ("辅食", 30),
    ("湿巾", 30),
    ("洗护", 45),
    ("营养品", 60),
    ("milk powder", 30),
    ("diapers", 20),
    ("baby food", 30),
    ("wipes", 30),
    ("toiletries", 45),
    ("supplements", 60),
];

impl Default for Rules {
    fn default() -> Self {
        let cadence = [
            ("key_value", 14),
            ("key_develop", 21),
            ("key_keep", 21),
            ("key_win_back", 21),
            ("regular_value", 30),
            ("regular_develop", 30),
            ("regular_keep", 60),
            ("regular_win_back", 60),
        ];
        Rules {
            cadence_days: cadence.iter().map(|(k, d)| ((*k).to_owned(), *d)).collect(),
            rebuy_days: DEFAULT_REBUY_DAYS
                .iter()
                .map(|(k, d)| ((*k).to_owned(), *d))
                .collect(),
            decline_multiplier: 2.0,
            churn_multiplier: 4.0,
            churn_min_days: 180,
            window_days: 0,
            daily_capacity: 30,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_complaint_is_opened_answered_and_resolved_with_its_times() {
        let customer = Id::parse("c1").unwrap();
        assert_eq!(
            Complaint::open(
                customer.clone(),
                at("2026-03-10 09:00"),
                "  ",
                Severity::High
            ),
            Err(ComplaintError::NoDescription)
        );
        let opened = Complaint::open(
            customer,
            at("2026-03-10 09:00"),
            " 奶粉罐漏了 ",
            Severity::High,
        )
        .unwrap();
        assert_eq!(opened.description, "奶粉罐漏了");
        assert_eq!(opened.status, ComplaintStatus::Open);
        assert_eq!(opened.response_minutes(), None);
        let answered = opened.respond(at("2026-03-10 09:42"));
        assert_eq!(answered.status, ComplaintStatus::Responded);
        assert_eq!(answered.response_minutes(), Some(42));
        // A second answer keeps the first response time.
        assert_eq!(
            answered.respond(at("2026-03-10 11:00")).response_minutes(),
            Some(42)
        );
        assert_eq!(
            answered.resolve(at("2026-03-10 12:00"), "", None),
            Err(ComplaintError::NoResolution)
        );
        assert_eq!(
            answered.resolve(at("2026-03-10 12:00"), "换货", Some(Money(-1))),
            Err(ComplaintError::NegativeCompensation)
        );
        let resolved = answered
            .resolve(at("2026-03-11 09:00"), " 换了一罐新的 ", Some(Money(5000)))
            .unwrap();
        assert_eq!(resolved.status, ComplaintStatus::Resolved);
        assert_eq!(resolved.resolution, "换了一罐新的");
        assert_eq!(resolved.compensation, Some(Money(5000)));
        assert_eq!(resolved.resolution_minutes(), Some(24 * 60));
        assert_eq!(resolved.response_minutes(), Some(42));
        assert_eq!(
            resolved.resolve(at("2026-03-12 09:00"), "again", None),
            Err(ComplaintError::AlreadyResolved)
        );
    }

    #[test]
    fn resolving_an_unanswered_complaint_answers_it() {
        let opened = Complaint::open(
            Id::parse("c1").unwrap(),
            at("2026-03-10 09:00"),
            "等太久",
            Severity::Low,
        )
        .unwrap();
        let resolved = opened
            .resolve(at("2026-03-10 09:20"), "道歉", None)
            .unwrap();
        assert_eq!(resolved.response_minutes(), Some(20));
        assert!(resolved.is_resolved());
    }
}
