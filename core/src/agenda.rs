//! Today's follow-ups (docs/segmentation.md, "Today's follow-ups") for the as-of date `D` of an [`Analysis`] (which holds
//! everything the agenda reads, open complaints included).
//!
//! One [`AgendaItem`] per customer, listing every reason that applies, each carrying what a
//! message needs (which child, how many days). Customers flagged do-not-contact never appear,
//! and neither do customers whose latest contact ended with "asked not to be contacted".
//!
//! The reasons, in priority order (an item's reasons are sorted by it, and items by their first
//! reason, then by that reason's date, then by customer id):
//! 1. [`Reason::Complaint`]: a complaint opened on or before `D` with no first response yet, or
//!    not resolved. An unhappy customer comes first (response target: one hour).
//! 2. [`Reason::FollowUp`]: the latest contact set a next follow-up date ≤ `D` (a later contact
//!    supersedes it). A promise the shop made.
//! 3. [`Reason::Pickup`]: scheduled reward pickups due ≤ `D` and not yet taken.
//! 4. [`Reason::Birthday`]: the customer's birthday falls within the next 7 days (`0 ≤ days ≤ 7`;
//!    29 February falls on 28 February in other years).
//! 5. [`Reason::ChildMilestone`]: 满月 (1 month), 百天 (100 days old), 半岁 (6 months) or 周岁
//!    (1 year) within the next 7 days. Months are calendar months (31 January + 1 month =
//!    end of February); the first birthday is listed as the 周岁 milestone only.
//! 6. [`Reason::ChildBirthday`]: a child's 2nd or later birthday within the next 7 days.
//! 7. [`Reason::DueDate`]: an unborn child's due date within the next 14 days.
//! 8. [`Reason::Rebuy`]: for a category with a re-buy cycle, the last purchase of that category
//!    plus the cycle falls within ±3 days of `D`.
//!    - [`Reason::Campaign`], of the same rank, after a re-buy: the customer is a target of a
//!      campaign running on `D` (start ≤ `D` ≤ end), not in its holdout and not yet contacted
//!      for it ([`agenda_with`]; `insights::campaigns::due` works out whom). After the dated
//!      occasions, before the regular contact: a campaign is the shop's push of the moment,
//!      with a window that ends (campaigns ending first come first).
//! 9. [`Reason::Reactivation`]: stage Decline and no contact in the last 14 days (a contact
//!    13 days ago blocks it, one 14 days ago does not).
//! 10. [`Reason::Cadence`]: the customer's regular contact is due (last contact, or the day
//!     they were added, plus their class's cadence ≤ `D`).
//!
//! Occasions are settled by a contact: a birthday is no longer listed once a contact with
//! purpose Birthday was made within its 7-day window (on or after the birthday − 7 days), the
//! child dates likewise by a ChildMilestone contact within their window, and a re-buy by a
//! Rebuy contact on or after its due date − 3 days. This keeps a greeted customer from coming
//! back every day until the date itself.

use crate::date::{anniversary, days_between, next_anniversary};
use crate::domain::{Money, Outcome, Purpose, Rules, Severity};
use crate::id::Id;
use crate::lang::Lang;
use crate::segment::cadence::CadenceBase;
use crate::segment::history::{CustomerHistory, History, RewardDue};
use crate::segment::stage::Stage;
use crate::segment::{Analysis, Segment};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Birthdays and child milestones are listed this many days ahead (and on the day).
pub const OCCASION_DAYS: i64 = 7;
/// Due dates are listed this many days ahead.
pub const DUE_DATE_DAYS: i64 = 14;
/// A re-buy is due when its date is within this many days of `D`, either side.
pub const REBUY_TOLERANCE_DAYS: i64 = 3;
/// A complaint's first response is due within this many minutes of its opening (SPEC §1).
pub const COMPLAINT_RESPONSE_MINUTES: i64 = 60;
/// Reactivation waits this many days after any contact.
pub const REACTIVATION_QUIET_DAYS: i64 = 14;

/// A child's milestone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// 满月: one calendar month old.
    FullMonth,
    /// 百天: 100 days old.
    HundredDays,
    /// 半岁: six calendar months old.
    HalfYear,
    /// 周岁: the first birthday.
    OneYear,
}

impl Milestone {
    /// Every milestone, in age order.
    pub const ALL: [Milestone; 4] = [
        Milestone::FullMonth,
        Milestone::HundredDays,
        Milestone::HalfYear,
        Milestone::OneYear,
    ];

    /// The day a child born on `birthday` reaches the milestone.
    pub fn date(self, birthday: NaiveDate) -> Option<NaiveDate> {
        match self {
            Milestone::FullMonth => birthday.checked_add_months(Months::new(1)),
            Milestone::HundredDays => birthday.checked_add_days(Days::new(100)),
            Milestone::HalfYear => birthday.checked_add_months(Months::new(6)),
            Milestone::OneYear => Some(anniversary(birthday, birthday.year() + 1)),
        }
    }

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Milestone::FullMonth => "full_month",
            Milestone::HundredDays => "hundred_days",
            Milestone::HalfYear => "half_year",
            Milestone::OneYear => "one_year",
        }
    }

    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Milestone::FullMonth => "满月",
            Milestone::HundredDays => "百天",
            Milestone::HalfYear => "半岁",
            Milestone::OneYear => "一周岁",
        }
    }

    /// The English name.
    pub fn en(self) -> &'static str {
        match self {
            Milestone::FullMonth => "one month old",
            Milestone::HundredDays => "100 days old",
            Milestone::HalfYear => "six months old",
            Milestone::OneYear => "one year old",
        }
    }
}

/// Why a customer is on today's list, with what a message needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// An open complaint.
    Complaint {
        /// The complaint.
        complaint: Id,
        /// When it was opened (shop-local): the one-hour response target counts from it.
        opened_at: Option<NaiveDateTime>,
        /// Its severity.
        severity: Severity,
        /// Whether it has had a first response (then it is open because unresolved).
        responded: bool,
    },
    /// A next follow-up date set on the latest contact is due.
    FollowUp {
        /// The follow-up date.
        due: NaiveDate,
        /// The purpose of the contact that set it.
        purpose: Purpose,
        /// Days past the follow-up date (0 = today).
        overdue_days: u32,
    },
    /// Scheduled reward pickups are due.
    Pickup {
        /// The scheduled reward.
        reward: Id,
        /// What is picked up.
        description: String,
        /// The value of one pickup.
        amount: Money,
        /// The due dates not yet picked up, earliest first.
        due: Vec<NaiveDate>,
    },
    /// The customer's birthday is coming.
    Birthday {
        /// The birthday this year (or next).
        date: NaiveDate,
        /// Days until it (0 = today).
        in_days: u32,
        /// The age they turn.
        age: u32,
    },
    /// A child reaches a milestone.
    ChildMilestone {
        /// The child's position in the profile's children.
        child: u32,
        /// Which milestone.
        milestone: Milestone,
        /// The day of the milestone.
        date: NaiveDate,
        /// Days until it (0 = today).
        in_days: u32,
    },
    /// A child's birthday (2nd or later) is coming.
    ChildBirthday {
        /// The child's position in the profile's children.
        child: u32,
        /// The birthday this year (or next).
        date: NaiveDate,
        /// Days until it (0 = today).
        in_days: u32,
        /// The age the child turns.
        age: u32,
    },
    /// An unborn child's due date is near.
    DueDate {
        /// The child's position in the profile's children.
        child: u32,
        /// The due date.
        due: NaiveDate,
        /// Days until it (0 = today).
        in_days: u32,
    },
    /// A category is due to be bought again.
    Rebuy {
        /// The category.
        category: String,
        /// The last day the customer bought it.
        last_bought: NaiveDate,
        /// The category's re-buy cycle in days.
        cycle_days: u32,
        /// Last bought + cycle.
        due: NaiveDate,
    },
    /// A running campaign targets the customer.
    Campaign {
        /// The campaign.
        campaign: Id,
        /// Its name.
        name: String,
        /// The template its message uses, if it names one.
        template: Option<Id>,
        /// The purpose of its message (that of its template, else of its kind).
        purpose: Purpose,
        /// Its last day (`None`: open-ended).
        end: Option<NaiveDate>,
    },
    /// A declining customer has not been contacted for 14 days.
    Reactivation {
        /// Days since the last purchase.
        since_days: u32,
        /// The customer's purchase interval in days.
        interval_days: f64,
        /// The last contact day, if any.
        last_contact: Option<NaiveDate>,
    },
    /// The regular contact of the customer's class is due.
    Cadence {
        /// The cadence in days.
        days: u32,
        /// What it counts from.
        base: CadenceBase,
        /// The day it counts from.
        since: NaiveDate,
        /// The day it fell due.
        due: NaiveDate,
    },
}

impl Reason {
    /// The priority rank (smaller first), as listed in the module doc.
    pub fn rank(&self) -> u8 {
        match self {
            Reason::Complaint { .. } => 0,
            Reason::FollowUp { .. } => 1,
            Reason::Pickup { .. } => 2,
            Reason::Birthday { .. } => 3,
            Reason::ChildMilestone { .. } => 4,
            Reason::ChildBirthday { .. } => 5,
            Reason::DueDate { .. } => 6,
            Reason::Rebuy { .. } | Reason::Campaign { .. } => 7,
            Reason::Reactivation { .. } => 8,
            Reason::Cadence { .. } => 9,
        }
    }

    /// The stable key of the reason's kind (`complaint`, `follow_up`, …).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::Complaint { .. } => "complaint",
            Reason::FollowUp { .. } => "follow_up",
            Reason::Pickup { .. } => "pickup",
            Reason::Birthday { .. } => "birthday",
            Reason::ChildMilestone { .. } => "child_milestone",
            Reason::ChildBirthday { .. } => "child_birthday",
            Reason::DueDate { .. } => "due_date",
            Reason::Rebuy { .. } => "rebuy",
            Reason::Campaign { .. } => "campaign",
            Reason::Reactivation { .. } => "reactivation",
            Reason::Cadence { .. } => "cadence",
        }
    }

    /// The order of reasons and items: the rank, a campaign after a re-buy.
    fn order(&self) -> (u8, bool) {
        (self.rank(), matches!(self, Reason::Campaign { .. }))
    }

    /// The day that orders reasons of the same rank (earliest first).
    fn day(&self) -> NaiveDate {
        match self {
            Reason::Complaint { opened_at, .. } => opened_at.map_or(NaiveDate::MIN, |t| t.date()),
            Reason::FollowUp { due, .. }
            | Reason::DueDate { due, .. }
            | Reason::Rebuy { due, .. } => *due,
            Reason::Cadence { due, .. } => *due,
            Reason::Campaign { end, .. } => end.unwrap_or(NaiveDate::MAX),
            Reason::Pickup { due, .. } => due.first().copied().unwrap_or(NaiveDate::MIN),
            Reason::Birthday { date, .. }
            | Reason::ChildMilestone { date, .. }
            | Reason::ChildBirthday { date, .. } => *date,
            Reason::Reactivation { .. } => NaiveDate::MIN,
        }
    }

    /// The contact purpose that answers this reason.
    pub fn purpose(&self) -> Purpose {
        match self {
            Reason::Complaint { .. } => Purpose::ComplaintFollowUp,
            Reason::FollowUp { purpose, .. } => *purpose,
            Reason::Pickup { .. } => Purpose::Points,
            Reason::Birthday { .. } => Purpose::Birthday,
            Reason::ChildMilestone { .. }
            | Reason::ChildBirthday { .. }
            | Reason::DueDate { .. } => Purpose::ChildMilestone,
            Reason::Rebuy { .. } => Purpose::Rebuy,
            Reason::Campaign { purpose, .. } => *purpose,
            Reason::Reactivation { .. } => Purpose::Reactivation,
            Reason::Cadence { .. } => Purpose::Other,
        }
    }

    /// One line saying why, for the follow-up list: 生日 · 3天后 / Birthday in 3 days.
    pub fn describe(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let pick = |zh_text: String, en_text: String| if zh { zh_text } else { en_text };
        match self {
            Reason::Complaint {
                responded: false, ..
            } => pick("投诉待回应".into(), "Complaint awaiting a reply".into()),
            Reason::Complaint { .. } => pick("投诉未解决".into(), "Complaint not resolved".into()),
            Reason::FollowUp {
                overdue_days: 0, ..
            } => pick("约定今天回访".into(), "Follow-up due today".into()),
            Reason::FollowUp { overdue_days, .. } => pick(
                format!("约定回访 · 已过{overdue_days}天"),
                format!("Follow-up {overdue_days} days overdue"),
            ),
            Reason::Pickup {
                description, due, ..
            } => pick(
                format!("待领取：{description}（{}次）", due.len()),
                format!("To pick up: {description} ({}×)", due.len()),
            ),
            Reason::Birthday { in_days, .. } => pick(
                format!("生日 · {}", when(*in_days, lang)),
                format!("Birthday {}", when(*in_days, lang)),
            ),
            Reason::ChildMilestone {
                milestone, in_days, ..
            } => pick(
                format!("宝宝{} · {}", milestone.zh(), when(*in_days, lang)),
                format!("Child {} {}", milestone.en(), when(*in_days, lang)),
            ),
            Reason::ChildBirthday { age, in_days, .. } => pick(
                format!("宝宝{age}岁生日 · {}", when(*in_days, lang)),
                format!("Child turns {age} {}", when(*in_days, lang)),
            ),
            Reason::DueDate { in_days, .. } => pick(
                format!("预产期 · {}", when(*in_days, lang)),
                format!("Due date {}", when(*in_days, lang)),
            ),
            Reason::Rebuy {
                category,
                last_bought,
                ..
            } => pick(
                format!("{category}该补货了（上次 {last_bought}）"),
                format!("Time to rebuy {category} (last {last_bought})"),
            ),
            Reason::Campaign { name, .. } => {
                pick(format!("活动：{name}"), format!("Campaign: {name}"))
            }
            Reason::Reactivation { since_days, .. } => pick(
                format!("{since_days}天未购买，该唤回了"),
                format!("No purchase for {since_days} days"),
            ),
            Reason::Cadence { days, .. } => pick(
                format!("定期联系（每{days}天）"),
                format!("Regular contact (every {days} days)"),
            ),
        }
    }

    /// The short name of the reason's kind, for grouping the list (生日 / Birthday).
    pub fn label(&self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Reason::Complaint { .. } => ("投诉", "Complaint"),
            Reason::FollowUp { .. } => ("约定回访", "Follow-up"),
            Reason::Pickup { .. } => ("待领取", "Pickup"),
            Reason::Birthday { .. } => ("生日", "Birthday"),
            Reason::ChildMilestone { .. } => ("宝宝纪念日", "Child milestone"),
            Reason::ChildBirthday { .. } => ("宝宝生日", "Child's birthday"),
            Reason::DueDate { .. } => ("预产期", "Due date"),
            Reason::Rebuy { .. } => ("补货", "Re-buy"),
            Reason::Campaign { .. } => ("活动", "Campaign"),
            Reason::Reactivation { .. } => ("唤回", "Win back"),
            Reason::Cadence { .. } => ("定期联系", "Regular contact"),
        };
        if lang == Lang::ZhCn { zh } else { en }
    }

    /// For a complaint still awaiting its first response: the minutes left at `now` of the
    /// one-hour response target (negative once overdue).
    pub fn response_minutes_left(&self, now: NaiveDateTime) -> Option<i64> {
        match self {
            Reason::Complaint {
                opened_at: Some(opened),
                responded: false,
                ..
            } => {
                Some(COMPLAINT_RESPONSE_MINUTES - now.signed_duration_since(*opened).num_minutes())
            }
            _ => None,
        }
    }

    /// The child the reason is about, if any.
    pub fn child(&self) -> Option<usize> {
        match self {
            Reason::ChildMilestone { child, .. }
            | Reason::ChildBirthday { child, .. }
            | Reason::DueDate { child, .. } => Some(*child as usize),
            _ => None,
        }
    }
}

/// "today", "tomorrow", "in 3 days" (今天, 明天, 3天后).
fn when(in_days: u32, lang: Lang) -> String {
    match (lang, in_days) {
        (Lang::ZhCn, 0) => "今天".into(),
        (Lang::ZhCn, 1) => "明天".into(),
        (Lang::ZhCn, n) => format!("{n}天后"),
        (Lang::En, 0) => "today".into(),
        (Lang::En, 1) => "tomorrow".into(),
        (Lang::En, n) => format!("in {n} days"),
    }
}

/// One customer on today's list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgendaItem<'a> {
    /// The customer's dense index in the analysis (their id: `analysis.history.id(customer)`).
    pub customer: usize,
    /// Every reason that applies, highest priority first (never empty).
    pub reasons: &'a [Reason],
}

impl AgendaItem<'_> {
    /// The highest-priority reason.
    pub fn top(&self) -> &Reason {
        &self.reasons[0]
    }
}

/// Where one customer's reasons are in [`Agenda`], and the item's sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Slot {
    rank: u8,
    day: NaiveDate,
    customer: u32,
    start: u32,
    len: u32,
}

/// Today's follow-ups: one item per customer, highest priority first. The reasons of all
/// items are kept in one list, so a long agenda costs two allocations, not two per customer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    slots: Vec<Slot>,
    reasons: Vec<Reason>,
}

impl Agenda {
    /// Number of customers on the list.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when nobody needs a follow-up.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The `i`-th item in priority order.
    pub fn get(&self, i: usize) -> Option<AgendaItem<'_>> {
        self.slots.get(i).map(|s| self.item(s))
    }

    /// The items in priority order.
    pub fn items(&self) -> impl ExactSizeIterator<Item = AgendaItem<'_>> + '_ {
        self.slots.iter().map(|s| self.item(s))
    }

    /// The item of one customer (by dense index), if listed.
    pub fn of_customer(&self, customer: usize) -> Option<AgendaItem<'_>> {
        self.slots
            .iter()
            .find(|s| s.customer as usize == customer)
            .map(|s| self.item(s))
    }

    fn item(&self, s: &Slot) -> AgendaItem<'_> {
        let start = s.start as usize;
        AgendaItem {
            customer: s.customer as usize,
            reasons: &self.reasons[start..start + s.len as usize],
        }
    }
}

/// A campaign running on the agenda's day and whom it still has to contact
/// (`insights::campaigns::due` works it out from the campaign record).
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignDue {
    /// The campaign.
    pub campaign: Id,
    /// Its name.
    pub name: String,
    /// The template its message uses, if it names one.
    pub template: Option<Id>,
    /// The purpose of its message.
    pub purpose: Purpose,
    /// Its last day (`None`: open-ended).
    pub end: Option<NaiveDate>,
    /// The customers to contact, as dense indices of the analysis, ascending.
    pub customers: Vec<u32>,
}

/// Today's follow-ups for the analysis's as-of date, highest priority first (no campaigns:
/// [`agenda_with`] adds those running).
pub fn agenda(analysis: &Analysis, rules: &Rules) -> Agenda {
    agenda_with(analysis, rules, &[])
}

/// Today's follow-ups, with the targets of the campaigns running today ([`Reason::Campaign`]).
pub fn agenda_with(analysis: &Analysis, rules: &Rules, campaigns: &[CampaignDue]) -> Agenda {
    let history = &analysis.history;
    let today = analysis.as_of();
    let cycles: Vec<Option<u32>> = history
        .categories
        .iter()
        .map(|c| rules.rebuy_days.get(c).copied())
        .collect();
    let n = history.customers.len();
    let mut out = Agenda {
        slots: Vec::with_capacity(n),
        reasons: Vec::with_capacity(n),
    };
    let (mut at_complaint, mut at_reward) = (0, 0);
    for (c, (cust, segment)) in history.customers.iter().zip(&analysis.segments).enumerate() {
        if !contactable(cust) {
            continue;
        }
        let reasons = &mut out.reasons;
        let start = reasons.len();
        reasons.extend(
            run_of(&history.complaints, &mut at_complaint, c, |k| k.customer)
                .iter()
                .map(|k| Reason::Complaint {
                    complaint: k.complaint.clone(),
                    opened_at: k.opened_at,
                    severity: k.severity,
                    responded: k.responded,
                }),
        );
        follow_up(cust, today, reasons);
        pickups(
            run_of(&history.rewards_due, &mut at_reward, c, |r| r.customer),
            reasons,
        );
        birthday(cust, today, reasons);
        child_dates(history, c, today, reasons);
        rebuys(history, c, &cycles, today, reasons);
        for due in campaigns {
            if due.customers.binary_search(&(c as u32)).is_ok() {
                reasons.push(Reason::Campaign {
                    campaign: due.campaign.clone(),
                    name: due.name.clone(),
                    template: due.template.clone(),
                    purpose: due.purpose,
                    end: due.end,
                });
            }
        }
        reactivation(cust, segment, today, reasons);
        cadence(segment, today, reasons);
        if reasons.len() > start {
            crate::sorting::sort_by_key(&mut reasons[start..], |r| (r.order(), r.day()));
            let top = &reasons[start];
            let len = (reasons.len() - start) as u32;
            out.slots.push(Slot {
                rank: top.rank(),
                day: top.day(),
                customer: c as u32,
                start: start as u32,
                len,
            });
        }
    }
    let reasons = &out.reasons;
    crate::sorting::sort_by_key(&mut out.slots, |s| {
        (reasons[s.start as usize].order(), s.day, s.customer)
    });
    out
}

/// False for customers flagged do-not-contact or whose latest contact asked for it.
pub(crate) fn contactable(cust: &CustomerHistory) -> bool {
    !cust.profile.do_not_contact
        && cust
            .last_contact
            .as_ref()
            .is_none_or(|c| c.outcome != Outcome::DoNotContact)
}

fn follow_up(cust: &CustomerHistory, today: NaiveDate, out: &mut Vec<Reason>) {
    let Some(last) = &cust.last_contact else {
        return;
    };
    if let Some(due) = last.next_follow_up.filter(|d| *d <= today) {
        let overdue_days = days_between(due, today) as u32;
        out.push(Reason::FollowUp {
            due,
            purpose: last.purpose,
            overdue_days,
        });
    }
}

/// The run of a list sorted by customer that belongs to customer `c`, moving `cursor` past it
/// (customers are visited in increasing order).
fn run_of<'a, T>(
    list: &'a [T],
    cursor: &mut usize,
    c: usize,
    customer: impl Fn(&T) -> u32,
) -> &'a [T] {
    while list
        .get(*cursor)
        .is_some_and(|x| (customer(x) as usize) < c)
    {
        *cursor += 1;
    }
    let start = *cursor;
    while list.get(*cursor).is_some_and(|x| customer(x) as usize == c) {
        *cursor += 1;
    }
    &list[start..*cursor]
}

fn pickups(rewards: &[RewardDue], out: &mut Vec<Reason>) {
    out.extend(rewards.iter().map(|r| Reason::Pickup {
        reward: r.reward.clone(),
        description: r.description.clone(),
        amount: r.amount,
        due: r.due.clone(),
    }));
}

/// Days from `today` to `date` when it lies within `0..=ahead` days, and the occasion was not
/// already answered by a contact for `purpose` within its window.
fn upcoming(
    cust: &CustomerHistory,
    purpose: Purpose,
    date: NaiveDate,
    today: NaiveDate,
    ahead: i64,
) -> Option<u32> {
    let in_days = days_between(today, date);
    let answered = cust
        .last_contacted_for(purpose)
        .is_some_and(|d| days_between(d, date) <= ahead);
    ((0..=ahead).contains(&in_days) && !answered).then_some(in_days as u32)
}

fn birthday(cust: &CustomerHistory, today: NaiveDate, out: &mut Vec<Reason>) {
    let Some(born) = cust.profile.birthday else {
        return;
    };
    let date = next_anniversary(born, today);
    let age = date.year() - born.year();
    if age > 0
        && let Some(in_days) = upcoming(cust, Purpose::Birthday, date, today, OCCASION_DAYS)
    {
        out.push(Reason::Birthday {
            date,
            in_days,
            age: age as u32,
        });
    }
}

fn child_dates(history: &History, c: usize, today: NaiveDate, out: &mut Vec<Reason>) {
    let purpose = Purpose::ChildMilestone;
    let cust = &history.customers[c];
    for (i, kid) in history.children(c).iter().enumerate() {
        let child = i as u32;
        let Some(born) = kid.birthday else {
            if let Some(due) = kid.due_date
                && let Some(in_days) = upcoming(cust, purpose, due, today, DUE_DATE_DAYS)
            {
                out.push(Reason::DueDate {
                    child,
                    due,
                    in_days,
                });
            }
            continue;
        };
        // The last milestone is the first birthday: nothing to look for in older children.
        let young = days_between(born, today) <= 366;
        for milestone in Milestone::ALL.into_iter().filter(|_| young) {
            let Some(date) = milestone.date(born) else {
                continue;
            };
            if let Some(in_days) = upcoming(cust, purpose, date, today, OCCASION_DAYS) {
                out.push(Reason::ChildMilestone {
                    child,
                    milestone,
                    date,
                    in_days,
                });
            }
        }
        let date = next_anniversary(born, today);
        let age = date.year() - born.year();
        if age >= 2
            && let Some(in_days) = upcoming(cust, purpose, date, today, OCCASION_DAYS)
        {
            out.push(Reason::ChildBirthday {
                child,
                date,
                in_days,
                age: age as u32,
            });
        }
    }
}

fn rebuys(
    history: &History,
    c: usize,
    cycles: &[Option<u32>],
    today: NaiveDate,
    out: &mut Vec<Reason>,
) {
    let cust = &history.customers[c];
    for &(cat, last_bought) in history.last_bought(c) {
        let Some(cycle_days) = cycles[cat as usize] else {
            continue;
        };
        let Some(due) = last_bought.checked_add_days(Days::new(u64::from(cycle_days))) else {
            continue;
        };
        let answered = cust
            .last_contacted_for(Purpose::Rebuy)
            .is_some_and(|d| days_between(d, due) <= REBUY_TOLERANCE_DAYS);
        if days_between(today, due).abs() <= REBUY_TOLERANCE_DAYS && !answered {
            out.push(Reason::Rebuy {
                category: history.categories[cat as usize].clone(),
                last_bought,
                cycle_days,
                due,
            });
        }
    }
}

fn reactivation(
    cust: &CustomerHistory,
    segment: &Segment,
    today: NaiveDate,
    out: &mut Vec<Reason>,
) {
    let life = &segment.lifecycle;
    let last_contact = cust.last_contact_on();
    let quiet = last_contact.is_none_or(|d| days_between(d, today) >= REACTIVATION_QUIET_DAYS);
    if let (Stage::Decline, true, Some(since_days)) = (life.stage, quiet, life.since_days) {
        out.push(Reason::Reactivation {
            since_days,
            interval_days: life.interval_days,
            last_contact,
        });
    }
}

fn cadence(segment: &Segment, today: NaiveDate, out: &mut Vec<Reason>) {
    if let Some(c) = segment.cadence.filter(|c| c.due <= today) {
        out.push(Reason::Cadence {
            days: c.days,
            base: c.base,
            since: c.since,
            due: c.due,
        });
    }
}
