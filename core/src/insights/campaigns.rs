//! Campaigns with a holdout (SPEC §1 "Campaign", §3 "campaign results"; issue 11): whom a
//! campaign targets, the share held out to measure it, its results and lift, its customers on
//! Today, and its review notes (复盘).
//!
//! - **Target.** A campaign's `target` is a [`Target`]: the Customers tab's chips (RFM class,
//!   lifecycle stage, customer type, tag — [`super::filter`], same rules) and three more
//!   conditions: days since the last purchase (min / max), children's ages in completed months
//!   (min / max) and expecting (a due date not yet passed). A `null` or unreadable `target`
//!   means every customer. Customers flagged do-not-contact, or whose latest contact asked
//!   for it, are never targets ([`targets`]).
//! - **Frozen at start.** [`start`] records the target list (`Campaign::targeted`, in id order)
//!   and the holdout's seed. The holdout and the results are worked out from that list, never
//!   from the filter again: profiles (tags, do-not-contact, children) are not dated, so the
//!   filter "as of the start date" could not be reproduced later, and a customer who joins a
//!   class mid-campaign must not move between groups. A started campaign is not re-drawn.
//! - **Holdout.** Of the `n` targets, `k = round(n × percent / 100)` (halves up; default 10 %)
//!   are held out: those with the lowest SHA-256 of (seed, customer id) ([`holdout`]). The same
//!   seed and targets give the same holdout on every device, whatever order the list is in
//!   (a seeded shuffle would depend on it), with no random-number code in the download. The
//!   seed is kept under 2⁵³ so it survives any trip through a JavaScript number.
//! - **Linking contacts.** A contact is *for the campaign* when it is dated within the window
//!   (start ..= the last day counted) and has the campaign's purpose (that of its template,
//!   else of its kind, [`purpose`]) or uses its template. (A contact has no campaign field:
//!   adding one would change every place that writes a contact.) Today uses the purpose only
//!   — it is what the analysis keeps per customer.
//! - **Results** ([`results`]) as of the analysis date, over start ..= min(end, as of):
//!   *contacted* = treated targets with a contact for the campaign, *reached* = those with one
//!   whose outcome is anything but "no answer", *came back* = a purchase day in the window,
//!   *revenue* = the net spend of those purchase days (refunds of them included), *cost* = the
//!   budget, return on spend = revenue ÷ cost. Targets deleted since the start are left out of
//!   both groups.
//! - **Lift** is intention-to-treat: the came-back rate of every target not held out
//!   (contacted or not — clerks do not reach everyone, and comparing only those reached with
//!   the whole holdout would credit the campaign with the clerks' choice of whom to call) minus
//!   that of the holdout, with a 95 % Newcombe hybrid score interval (Newcombe 1998, method 10:
//!   built from the two groups' Wilson intervals; good coverage at the small counts and 0 %
//!   rates a shop has, where Wald's interval collapses to a point). No holdout, no lift.
//! - **Today** ([`due`], [`running`]): on each day from the start to the end, the treated
//!   targets still contactable and not yet contacted with the campaign's purpose since the
//!   start are listed with [`Reason::Campaign`](crate::agenda::Reason::Campaign), which names
//!   the campaign's template ([`crate::agenda::agenda_with`]). The holdout is never listed for
//!   the campaign (its other reasons — a birthday, the regular contact — still apply).
//! - **Review notes** ([`ReviewNote`]): the record's `review_notes` is a set-valued field like
//!   tags — one register per note, `review_notes.<note as JSON>` ([`ReviewNote::field`], set to
//!   `true`) — so notes written on two devices at once both survive (a plain list would keep
//!   one device's). The JSON starts with the date, so the set's order is date order. The older
//!   free-text `review` stays as it is.

use super::filter::Filter;
use super::roster::Roster;
use crate::agenda::{CampaignDue, contactable};
use crate::book::Book;
use crate::domain::{Campaign, CampaignKind, Contact, Entry, Money, Outcome, Purpose, Template};
use crate::id::Id;
use crate::lang::Lang;
use crate::op::RecordKind;
use crate::segment::Analysis;
use crate::segment::class::{RfmClass, ShopClass};
use crate::segment::history::History;
use crate::segment::stage::Stage;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Whom a campaign targets: every condition set must hold (within the chips of one kind, any
/// chosen value matches). The default targets everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Target {
    /// RFM classes.
    pub classes: Vec<RfmClass>,
    /// Lifecycle stages.
    pub stages: Vec<Stage>,
    /// Customer types (VIP / bought / visited / potential).
    pub types: Vec<ShopClass>,
    /// Tags.
    pub tags: Vec<String>,
    /// At least this many days since the last purchase (customers who never bought fail).
    pub min_days_since: Option<u32>,
    /// At most this many days since the last purchase (customers who never bought fail).
    pub max_days_since: Option<u32>,
    /// A child at least this many completed months old.
    pub child_min_months: Option<u32>,
    /// A child at most this many completed months old.
    pub child_max_months: Option<u32>,
    /// Expecting: a child whose due date is today or later and who has no birthday yet (with
    /// an age range too, either kind of child matches).
    pub expecting: bool,
}

impl Target {
    /// A campaign's target (`null`, or a value this version cannot read: everyone).
    pub fn of(campaign: &Campaign) -> Target {
        Target::deserialize(&campaign.target).unwrap_or_default()
    }

    /// The value a campaign's `target` stores.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The Customers tab's chips of this target.
    pub fn chips(&self) -> Filter {
        Filter {
            classes: self.classes.clone(),
            stages: self.stages.clone(),
            types: self.types.clone(),
            tags: self.tags.clone(),
        }
    }

    /// Whether customer `c` meets the conditions beside the chips.
    fn meets(&self, history: &History, c: usize) -> bool {
        let as_of = history.as_of;
        let cust = &history.customers[c];
        if self.min_days_since.is_some() || self.max_days_since.is_some() {
            let Some(last) = cust.last_purchase else {
                return false;
            };
            let since = (as_of - last).num_days();
            if self.min_days_since.is_some_and(|m| since < i64::from(m))
                || self.max_days_since.is_some_and(|m| since > i64::from(m))
            {
                return false;
            }
        }
        let by_age = self.child_min_months.is_some() || self.child_max_months.is_some();
        if !by_age && !self.expecting {
            return true;
        }
        history.children(c).iter().any(|kid| {
            let born = match (kid.birthday, kid.due_date) {
                (Some(b), _) => b,
                (None, Some(due)) if due >= as_of => return self.expecting,
                // Past the due date with no birthday recorded: born about then.
                (None, Some(due)) => due,
                (None, None) => return false,
            };
            by_age
                && months_old(born, as_of).is_some_and(|m| {
                    self.child_min_months.is_none_or(|lo| m >= lo)
                        && self.child_max_months.is_none_or(|hi| m <= hi)
                })
        })
    }
}

/// Completed calendar months from `born` to `on` (31 January + 1 month = end of February, as
/// the agenda's milestones count); `None` before birth.
pub fn months_old(born: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < born {
        return None;
    }
    let mut m = (on.year() - born.year()) * 12 + on.month() as i32 - born.month() as i32;
    while m > 0
        && born
            .checked_add_months(Months::new(m as u32))
            .is_none_or(|d| d > on)
    {
        m -= 1;
    }
    Some(m.max(0) as u32)
}

/// The customers `target` picks among those listed in `roster`, graded by `analysis`, in id
/// order. Do-not-contact customers are never picked, nor customers the analysis does not know
/// yet (added since: whether they may be contacted is not known).
pub fn targets(analysis: &Analysis, roster: &Roster, target: &Target) -> Vec<Id> {
    let chosen =
        super::filter::filter(roster, analysis, &target.chips(), super::filter::Sort::Name);
    let history = &analysis.history;
    let mut ids: Vec<Id> = chosen
        .ids
        .into_iter()
        .filter(|id| {
            analysis
                .index_of(id)
                .is_some_and(|c| contactable(&history.customers[c]) && target.meets(history, c))
        })
        .collect();
    crate::sorting::sort(&mut ids);
    ids
}

/// A campaign's holdout share in percent (at most 100).
pub fn holdout_percent(campaign: &Campaign) -> u8 {
    campaign
        .holdout_percent
        .unwrap_or(Campaign::DEFAULT_HOLDOUT_PERCENT)
        .min(100)
}

/// Seeds are kept below 2⁵³ (exact as a JavaScript number).
const SEED_MASK: u64 = (1 << 53) - 1;

/// The draw of one customer: the first 8 bytes of SHA-256(seed, little-endian ‖ id).
fn draw(seed: u64, id: &Id) -> u64 {
    let digest = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(id.as_str().as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The targets held out: `round(n × percent / 100)` of the `n` distinct targets (halves up),
/// those with the lowest draws for `seed`; in id order. The order of `targets` does not matter.
pub fn holdout(seed: u64, percent: u8, targets: &[Id]) -> Vec<Id> {
    let mut drawn: Vec<(u64, &Id)> = targets.iter().map(|id| (draw(seed, id), id)).collect();
    crate::sorting::sort(&mut drawn);
    drawn.dedup_by(|a, b| a.1 == b.1);
    let k = (drawn.len() * usize::from(percent.min(100)) + 50) / 100;
    let mut out: Vec<Id> = drawn
        .into_iter()
        .take(k)
        .map(|(_, id)| id.clone())
        .collect();
    crate::sorting::sort(&mut out);
    out
}

/// A started campaign's targets split into those treated and those held out, both in id
/// order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Targets the campaign contacts.
    pub treated: Vec<Id>,
    /// Targets held out.
    pub holdout: Vec<Id>,
}

/// The groups of a campaign, from its recorded targets and seed (empty before it starts).
pub fn split(campaign: &Campaign) -> Split {
    let held = holdout(campaign.seed, holdout_percent(campaign), &campaign.targeted);
    let mut treated: Vec<Id> = campaign
        .targeted
        .iter()
        .filter(|id| held.binary_search(id).is_err())
        .cloned()
        .collect();
    crate::sorting::sort(&mut treated);
    treated.dedup();
    Split {
        treated,
        holdout: held,
    }
}

/// The campaign started: its targets as `analysis` and `roster` show them now are recorded,
/// with `seed` (kept below 2⁵³; pass fresh randomness) and the holdout share, and the first
/// day when it had none. A campaign already started is returned as it is: its groups never
/// change. The caller writes the changed fields (`targeted`, `seed`, `holdout_percent`,
/// `start`).
pub fn start(campaign: &Campaign, analysis: &Analysis, roster: &Roster, seed: u64) -> Campaign {
    if is_started(campaign) {
        return campaign.clone();
    }
    let mut next = campaign.clone();
    next.targeted = targets(analysis, roster, &Target::of(campaign));
    next.seed = seed & SEED_MASK;
    next.holdout_percent = Some(holdout_percent(campaign));
    next.start = next.start.or(Some(analysis.as_of()));
    next
}

/// Whether the campaign has started (its target list is recorded).
pub fn is_started(campaign: &Campaign) -> bool {
    !campaign.targeted.is_empty()
}

/// The purpose of a campaign's message: that of its template, else by its kind — 引流
/// acquisition and 截流 conversion invite to an event, 回流 return is a reactivation, 裂变
/// referral is "other".
pub fn purpose(campaign: &Campaign, template: Option<&Template>) -> Purpose {
    template.map_or(
        match campaign.kind {
            CampaignKind::Acquisition | CampaignKind::Conversion => Purpose::EventInvite,
            CampaignKind::Return => Purpose::Reactivation,
            CampaignKind::Referral => Purpose::Other,
        },
        |t| t.purpose,
    )
}

/// One group's count and spend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Targets in the group (still in the book).
    pub size: usize,
    /// Those with a purchase day in the window.
    pub came_back: usize,
    /// Their net spend on those days.
    pub revenue: Money,
}

impl Group {
    /// The came-back rate (`None` for an empty group).
    pub fn rate(&self) -> Option<f64> {
        (self.size > 0).then(|| self.came_back as f64 / self.size as f64)
    }
}

/// A difference of two rates with its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lift {
    /// Treated rate − holdout rate.
    pub difference: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// What a campaign did, as of the analysis date.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    /// The first day counted (the campaign's start).
    pub from: NaiveDate,
    /// The last day counted: the end, or the analysis date while it runs.
    pub through: NaiveDate,
    /// Targets not held out (intention to treat).
    pub treated: Group,
    /// Targets held out.
    pub holdout: Group,
    /// Treated targets with a contact for the campaign in the window.
    pub contacted: usize,
    /// Of those, with a contact whose outcome was not "no answer".
    pub reached: usize,
    /// Contacted targets with a purchase day on or after their first contact for it.
    pub contacted_came_back: usize,
    /// Held-out targets contacted for the campaign anyway (they still count as held out).
    pub holdout_contacted: usize,
    /// The budget.
    pub cost: Money,
    /// Treated revenue ÷ cost (`None` without a cost).
    pub return_on_spend: Option<f64>,
    /// Came-back rate of the treated − that of the holdout, 95 % Newcombe interval (`None`
    /// without a holdout).
    pub lift: Option<Lift>,
    /// Treated revenue beyond what they would have spent at the holdout's revenue per
    /// customer (`None` without a holdout).
    pub incremental_revenue: Option<Money>,
}

/// Whether a contact is for the campaign: dated `from ..= through` and with its purpose or its
/// template.
fn for_campaign(
    contact: &Contact,
    campaign: &Campaign,
    purpose: Purpose,
    from: NaiveDate,
    through: NaiveDate,
) -> bool {
    let day = contact.at.date();
    from <= day
        && day <= through
        && (contact.purpose == purpose
            || (campaign.template.is_some() && contact.template == campaign.template))
}

/// A campaign's results as of `analysis`'s date, `purpose` being its message's ([`purpose`]),
/// from the book's `contacts` (any order; others than the targets' are skipped). `None` before
/// it starts.
pub fn results<'a>(
    campaign: &Campaign,
    purpose: Purpose,
    analysis: &Analysis,
    contacts: impl IntoIterator<Item = &'a Contact>,
) -> Option<Results> {
    let from = campaign.start?;
    let as_of = analysis.as_of();
    if !is_started(campaign) || as_of < from {
        return None;
    }
    let through = campaign.end.map_or(as_of, |e| e.min(as_of));
    let groups = split(campaign);
    let history = &analysis.history;
    // Each target's first contact for the campaign, and whether any reached them.
    let mut touched: HashMap<&str, (NaiveDate, bool)> = HashMap::new();
    for contact in contacts {
        if !for_campaign(contact, campaign, purpose, from, through) {
            continue;
        }
        let (day, reached) = (contact.at.date(), contact.outcome != Outcome::NoAnswer);
        touched
            .entry(contact.customer.as_str())
            .and_modify(|t| *t = (t.0.min(day), t.1 || reached))
            .or_insert((day, reached));
    }
    let days_in = |c: usize, since: NaiveDate| {
        history
            .days(c)
            .iter()
            .filter(move |(d, _)| since <= *d && *d <= through)
    };
    let group = |ids: &[Id]| {
        let mut g = Group::default();
        for c in ids.iter().filter_map(|id| analysis.index_of(id)) {
            g.size += 1;
            let mut spent = days_in(c, from).peekable();
            if spent.peek().is_some() {
                g.came_back += 1;
                g.revenue += spent.map(|(_, m)| *m).sum();
            }
        }
        g
    };
    let (treated, holdout) = (group(&groups.treated), group(&groups.holdout));
    let (mut contacted, mut reached, mut contacted_came_back) = (0, 0, 0);
    for id in &groups.treated {
        let (Some(c), Some(&(first, got))) = (analysis.index_of(id), touched.get(id.as_str()))
        else {
            continue;
        };
        contacted += 1;
        reached += usize::from(got);
        contacted_came_back += usize::from(days_in(c, first).next().is_some());
    }
    let holdout_contacted = groups
        .holdout
        .iter()
        .filter(|id| analysis.index_of(id).is_some() && touched.contains_key(id.as_str()))
        .count();
    let cost = campaign.budget;
    let lift = newcombe(
        treated.came_back,
        treated.size,
        holdout.came_back,
        holdout.size,
    );
    let incremental_revenue = (holdout.size > 0 && treated.size > 0).then(|| {
        let expected = i128::from(holdout.revenue.0) * treated.size as i128 / holdout.size as i128;
        Money(treated.revenue.0 - expected as i64)
    });
    Some(Results {
        from,
        through,
        treated,
        holdout,
        contacted,
        reached,
        contacted_came_back,
        holdout_contacted,
        cost,
        return_on_spend: (cost.0 > 0).then(|| treated.revenue.0 as f64 / cost.0 as f64),
        lift,
        incremental_revenue,
    })
}

/// The normal quantile of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// The 95 % Wilson score interval of `successes` out of `n` (`None` for `n = 0`).
pub fn wilson(successes: usize, n: usize) -> Option<(f64, f64)> {
    if n == 0 || successes > n {
        return None;
    }
    let (n, p) = (n as f64, successes as f64 / n as f64);
    let z2 = Z95 * Z95;
    let d = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / d;
    let half = Z95 / d * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The difference `x1/n1 − x2/n2` with its 95 % Newcombe hybrid score interval (Newcombe 1998,
/// method 10); `None` when either group is empty.
pub fn newcombe(x1: usize, n1: usize, x2: usize, n2: usize) -> Option<Lift> {
    let (l1, u1) = wilson(x1, n1)?;
    let (l2, u2) = wilson(x2, n2)?;
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let difference = p1 - p2;
    Some(Lift {
        difference,
        low: difference - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        high: difference + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    })
}

/// The campaign's customers for the analysis's day: `None` unless it has started and the day
/// is within start ..= end (no end: open). Listed are the treated targets still in the book
/// and contactable who have had no contact with the campaign's purpose since the start.
pub fn due(
    id: &Id,
    campaign: &Campaign,
    template: Option<&Template>,
    analysis: &Analysis,
) -> Option<CampaignDue> {
    let from = campaign.start?;
    let day = analysis.as_of();
    if !is_started(campaign) || day < from || campaign.end.is_some_and(|e| day > e) {
        return None;
    }
    let purpose = purpose(campaign, template);
    let history = &analysis.history;
    let mut customers: Vec<u32> = split(campaign)
        .treated
        .iter()
        .filter_map(|t| analysis.index_of(t))
        .filter(|&c| {
            let cust = &history.customers[c];
            contactable(cust) && cust.last_contacted_for(purpose).is_none_or(|d| d < from)
        })
        .map(|c| c as u32)
        .collect();
    crate::sorting::sort(&mut customers);
    Some(CampaignDue {
        campaign: id.clone(),
        name: campaign.name.clone(),
        template: campaign.template.clone(),
        purpose,
        end: campaign.end,
        customers,
    })
}

/// A template by id: the shop's record, or a built-in one (`builtin:<language>:<n>`, as
/// contacts record it).
pub fn template_of(book: &Book, id: &Id) -> Option<Template> {
    if let Some(rest) = id.as_str().strip_prefix("builtin:") {
        let (lang, n) = rest.rsplit_once(':')?;
        let n: usize = n.parse().ok()?;
        return crate::message::default_templates(Lang::parse(lang)?)
            .into_iter()
            .nth(n);
    }
    book.get::<Template>(id)
}

/// A started campaign with its template, as the views keep it ([`started`]).
pub type Started = (Id, Campaign, Option<Template>);

/// Every live campaign of the book that has started (ended ones too: [`due`] looks at the
/// dates), with its template, in id order — what the views keep so the day's list can hold the
/// campaigns running that day without reading the book.
pub fn started(book: &Book) -> Vec<Started> {
    book.records(RecordKind::Campaign)
        .filter(|(_, state)| state.deleted.is_none())
        .filter_map(|(id, state)| {
            let campaign: Campaign = state.decode().ok()?;
            if !is_started(&campaign) {
                return None;
            }
            let template = campaign
                .template
                .as_ref()
                .and_then(|t| template_of(book, t));
            Some((id.clone(), campaign, template))
        })
        .collect()
}

/// Of `started`, the campaigns running on the analysis's day with whom they still have to
/// contact, for [`crate::agenda::agenda_with`].
pub fn due_all(started: &[Started], analysis: &Analysis) -> Vec<CampaignDue> {
    started
        .iter()
        .filter_map(|(id, campaign, template)| due(id, campaign, template.as_ref(), analysis))
        .collect()
}

/// Every campaign of the book running on the analysis's day, in id order, for
/// [`crate::agenda::agenda_with`].
pub fn running(book: &Book, analysis: &Analysis) -> Vec<CampaignDue> {
    due_all(&started(book), analysis)
}

/// Every contact in the book (for [`results`]; the app may pass just the targets' instead).
pub fn contacts(book: &Book) -> impl Iterator<Item = Contact> + '_ {
    book.decoded_entries().filter_map(|(_, e)| match e {
        Entry::Contact(c) => Some(c),
        _ => None,
    })
}

/// A dated, signed review note (复盘), one member of a campaign's `review_notes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewNote {
    /// The day it was written.
    pub on: NaiveDate,
    /// Who wrote it (their device id).
    pub by: Option<Id>,
    /// The note.
    pub text: String,
}

impl ReviewNote {
    /// The note as a member of `review_notes` (JSON, date first, so members sort by date).
    pub fn member(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The note a member holds (`None` for one this version cannot read).
    pub fn parse(member: &str) -> Option<ReviewNote> {
        serde_json::from_str(member).ok()
    }

    /// The field a note's register is: set it to `true` to add the note, `false` to remove it.
    pub fn field(&self) -> String {
        format!("review_notes.{}", self.member())
    }
}

/// A campaign's review notes in date order (then author, then text).
pub fn review_notes(campaign: &Campaign) -> Vec<ReviewNote> {
    let mut notes: Vec<ReviewNote> = campaign
        .review_notes
        .iter()
        .filter_map(|m| ReviewNote::parse(m))
        .collect();
    crate::sorting::sort_by(&mut notes, |a, b| {
        (a.on, &a.by, &a.text).cmp(&(b.on, &b.by, &b.text))
    });
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn ids(n: usize) -> Vec<Id> {
        (0..n)
            .map(|i| Id::parse(&format!("c{i:04}")).unwrap())
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn wilson_matches_newcombes_published_intervals() {
        // Newcombe (1998a), Table I: 81/263 and 15/148.
        let (l, u) = wilson(81, 263).unwrap();
        assert!(close(l, 0.2553) && close(u, 0.3662), "{l} {u}");
        let (l, u) = wilson(15, 148).unwrap();
        assert!(close(l, 0.0624) && close(u, 0.1605), "{l} {u}");
        // 0/20: the lower bound is 0, the upper z²/(n+z²) = 3.8415/23.8415.
        let (l, u) = wilson(0, 20).unwrap();
        assert!(l == 0.0 && close(u, 0.1611), "{l} {u}");
        assert_eq!(wilson(1, 0), None);
        assert_eq!(wilson(3, 2), None);
    }

    #[test]
    fn newcombe_matches_the_published_hybrid_score_intervals() {
        // Newcombe (1998b), Table II, method 10.
        let cases = [
            ((56, 70, 48, 80), (0.0524, 0.3339)),
            ((9, 10, 3, 10), (0.1705, 0.8090)),
            ((6, 7, 2, 7), (0.0582, 0.8062)),
            ((5, 56, 0, 29), (-0.0381, 0.1926)),
            ((0, 10, 0, 20), (-0.1611, 0.2775)),
            ((0, 10, 0, 10), (-0.2775, 0.2775)),
            ((10, 10, 0, 20), (0.6791, 1.0)),
            ((10, 10, 0, 10), (0.6075, 1.0)),
        ];
        for ((x1, n1, x2, n2), (lo, hi)) in cases {
            let lift = newcombe(x1, n1, x2, n2).unwrap();
            assert!(
                close(lift.low, lo) && close(lift.high, hi),
                "{x1}/{n1} − {x2}/{n2}: {lift:?}"
            );
            assert!(close(
                lift.difference,
                x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64
            ));
        }
        assert_eq!(newcombe(3, 10, 0, 0), None);
    }

    #[test]
    fn the_holdout_is_a_tenth_by_default_and_depends_on_seed_and_ids_only() {
        let all = ids(95);
        let held = holdout(42, 10, &all);
        assert_eq!(held.len(), 10, "9.5 rounds up");
        assert!(held.windows(2).all(|w| w[0] < w[1]), "in id order");
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(holdout(42, 10, &reversed), held, "order does not matter");
        let mut twice = all.clone();
        twice.extend(all.iter().cloned());
        assert_eq!(holdout(42, 10, &twice), held, "duplicates count once");
        assert_ne!(holdout(43, 10, &all), held, "another seed, another draw");
        // The lowest draws: adding targets keeps the held-out ones among the lowest.
        let mut by_draw: Vec<(u64, &Id)> = all.iter().map(|id| (draw(42, id), id)).collect();
        by_draw.sort();
        let mut lowest: Vec<Id> = by_draw[..10].iter().map(|(_, id)| (*id).clone()).collect();
        lowest.sort();
        assert_eq!(held, lowest);
        assert_eq!(holdout(42, 10, &ids(4)).len(), 0, "0.4 rounds down");
        assert_eq!(holdout(42, 10, &ids(5)).len(), 1, "0.5 rounds up");
        assert_eq!(holdout(42, 0, &all).len(), 0);
        assert_eq!(holdout(42, 100, &all).len(), 95);
        assert_eq!(holdout(42, 200, &all).len(), 95, "at most everyone");
    }

    #[test]
    fn a_split_covers_the_targets_once() {
        let campaign = Campaign {
            targeted: ids(30),
            seed: 7,
            holdout_percent: Some(20),
            ..Campaign::default()
        };
        let s = split(&campaign);
        assert_eq!((s.treated.len(), s.holdout.len()), (24, 6));
        let mut all: Vec<Id> = s.treated.iter().chain(&s.holdout).cloned().collect();
        all.sort();
        assert_eq!(all, ids(30));
        assert_eq!(split(&Campaign::default()), Split::default());
    }

    #[test]
    fn months_are_completed_calendar_months() {
        assert_eq!(months_old(d("2026-01-31"), d("2026-02-27")), Some(0));
        assert_eq!(months_old(d("2026-01-31"), d("2026-02-28")), Some(1));
        assert_eq!(months_old(d("2025-03-10"), d("2026-03-09")), Some(11));
        assert_eq!(months_old(d("2025-03-10"), d("2026-03-10")), Some(12));
        assert_eq!(months_old(d("2026-03-10"), d("2026-03-10")), Some(0));
        assert_eq!(months_old(d("2026-03-11"), d("2026-03-10")), None);
    }

    #[test]
    fn a_null_or_unreadable_target_is_everyone_and_a_target_round_trips() {
        let mut campaign = Campaign::default();
        assert_eq!(Target::of(&campaign), Target::default());
        campaign.target = serde_json::json!("something newer");
        assert_eq!(Target::of(&campaign), Target::default());
        let target = Target {
            classes: vec![RfmClass::KeyValue],
            stages: vec![Stage::Decline],
            types: vec![ShopClass::Vip],
            tags: vec!["奶粉".into()],
            min_days_since: Some(30),
            max_days_since: Some(90),
            child_min_months: Some(0),
            child_max_months: Some(12),
            expecting: true,
        };
        campaign.target = target.to_value();
        assert_eq!(Target::of(&campaign), target);
        // Fields a newer version adds are ignored; missing ones take their defaults.
        campaign.target = serde_json::json!({"tags": ["二胎"], "newer": 1});
        assert_eq!(
            Target::of(&campaign),
            Target {
                tags: vec!["二胎".into()],
                ..Target::default()
            }
        );
    }

    #[test]
    fn review_notes_are_members_in_date_order() {
        let a = ReviewNote {
            on: d("2026-03-20"),
            by: Some(Id::parse("dev-owner").unwrap()),
            text: "到店率高，奶粉券好用。".into(),
        };
        let b = ReviewNote {
            on: d("2026-03-05"),
            by: None,
            text: "first day: 12 reached.".into(),
        };
        assert!(a.member().starts_with("{\"on\":\"2026-03-20\""));
        assert_eq!(ReviewNote::parse(&a.member()), Some(a.clone()));
        assert!(a.field().starts_with("review_notes.{"));
        let campaign = Campaign {
            review_notes: vec![a.member(), "not a note".into(), b.member()],
            ..Campaign::default()
        };
        assert_eq!(review_notes(&campaign), vec![b, a]);
    }

    #[test]
    fn the_purpose_is_the_templates_else_the_kinds() {
        let mut campaign = Campaign {
            kind: CampaignKind::Return,
            ..Campaign::default()
        };
        assert_eq!(purpose(&campaign, None), Purpose::Reactivation);
        campaign.kind = CampaignKind::Acquisition;
        assert_eq!(purpose(&campaign, None), Purpose::EventInvite);
        let t = Template {
            purpose: Purpose::NewProduct,
            ..Template::default()
        };
        assert_eq!(purpose(&campaign, Some(&t)), Purpose::NewProduct);
    }
}
