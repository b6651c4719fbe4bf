//! Where customers come from and how far they get (issue 11, Stats): the **sources funnel** —
//! each source channel's customers, how many of them visited, bought and bought again — and
//! the seeds' **four steps** 引流 → 截流 → 回流 → 裂变 in each of the last 12 months, by channel.
//!
//! The customers and their purchase days come from the day's [`Analysis`]; the source channel
//! and the referrer, which the analysis does not keep, from the customers' [`Traits`] (read
//! from the book once for all the Stats figures); the reward pickups of 回流 from the ledger
//! the views keep ([`Insights`]), so no entry is decoded. Each figure is one walk over the
//! customers (the four steps: over their purchase days, and the ledger facts of customers with
//! a pickup, too), allocating a few small arrays.

use super::Insights;
use super::portraits::{Referrer, Traits, accounts_of};
use super::stats::{MONTHS, Month, months_to};
use crate::domain::Source;
use crate::segment::Analysis;
use crate::segment::ledger::What;
use chrono::NaiveDate;

/// How many source keys the per-source figures have: the nine channels and "none recorded".
pub const SOURCES: usize = 10;

/// The source keys in the order of the per-source arrays ([`MonthSteps::by_source`]) and of
/// [`sources_funnel`]'s rows: [`Source::ALL`], then `None` (no source recorded).
pub const SOURCE_KEYS: [Option<Source>; SOURCES] = [
    Some(Source::WalkIn),
    Some(Source::Douyin),
    Some(Source::Wechat),
    Some(Source::Xiaohongshu),
    Some(Source::Referral),
    Some(Source::Phone),
    Some(Source::Event),
    Some(Source::Partner),
    Some(Source::Other),
    None,
];

/// The position of a source key in [`SOURCE_KEYS`].
pub fn source_slot(source: Option<Source>) -> usize {
    source.map_or(SOURCES - 1, |s| s as usize)
}

/// One source channel's customers and how far they got ([`sources_funnel`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SourceFunnel {
    /// The channel (`None`: customers without a source recorded).
    pub source: Option<Source>,
    /// How many customers came from it.
    pub customers: usize,
    /// Of those, how many visited: a visit recorded or a purchase day (dated ≤ `D`).
    pub visited: usize,
    /// Of those, how many bought: at least one purchase day.
    pub bought: usize,
    /// Of those, how many bought again: at least two purchase days.
    pub bought_again: usize,
    /// `visited` over `customers`, 0–1 (0 when `customers` is 0).
    pub visit_rate: f64,
    /// `bought` over `visited`, 0–1 (0 when `visited` is 0).
    pub buy_rate: f64,
    /// `bought_again` over `bought`, 0–1 (0 when `bought` is 0).
    pub again_rate: f64,
}

impl SourceFunnel {
    /// The row of these counts, with the conversions worked out (the app sums the rows of
    /// [`sources_funnel`] into an all-channels row with it).
    pub fn new(
        source: Option<Source>,
        customers: usize,
        visited: usize,
        bought: usize,
        bought_again: usize,
    ) -> SourceFunnel {
        let rate = |part: usize, whole: usize| {
            if whole > 0 {
                part as f64 / whole as f64
            } else {
                0.0
            }
        };
        SourceFunnel {
            source,
            customers,
            visited,
            bought,
            bought_again,
            visit_rate: rate(visited, customers),
            buy_rate: rate(bought, visited),
            again_rate: rate(bought_again, bought),
        }
    }
}

/// The customers of each source channel and how many of them visited, bought and bought again
/// (as of the analysis day `D`, the analysis window not applying), with the conversion at each
/// step — in [`SOURCE_KEYS`] order, channels without customers left out (no customer: empty).
///
/// Every customer of the analysis counts, under the source their record holds now (`traits`,
/// read for this analysis).
pub fn sources_funnel(traits: &Traits, analysis: &Analysis) -> Vec<SourceFunnel> {
    let history = &analysis.history;
    // customers, visited, bought, bought again.
    let mut counts = [[0usize; 4]; SOURCES];
    for (c, cust) in history.customers.iter().enumerate() {
        let row = &mut counts[source_slot(traits.source(c))];
        row[0] += 1;
        row[1] += usize::from(cust.visits > 0 || cust.purchase_days > 0);
        row[2] += usize::from(cust.purchase_days >= 1);
        row[3] += usize::from(cust.purchase_days >= 2);
    }
    SOURCE_KEYS
        .iter()
        .zip(counts)
        .filter(|(_, [customers, ..])| *customers > 0)
        .map(|(&source, [customers, visited, bought, again])| {
            SourceFunnel::new(source, customers, visited, bought, again)
        })
        .collect()
}

/// The four steps of one month for one channel ([`four_steps`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Steps {
    /// 引流: customers added in the month.
    pub new_customers: usize,
    /// 截流: customers whose first purchase day falls in the month.
    pub first_buyers: usize,
    /// 回流: customers who came back in the month — a purchase day in it that is not their
    /// first, or a reward pickup in it on another day than the one they were first seen.
    pub came_back: usize,
    /// 裂变: customers added in the month whom an existing customer referred (counted under
    /// the source of the customer who referred them).
    pub referred: usize,
}

impl Steps {
    fn add(&mut self, other: &Steps) {
        self.new_customers += other.new_customers;
        self.first_buyers += other.first_buyers;
        self.came_back += other.came_back;
        self.referred += other.referred;
    }
}

/// The four steps of one month by source channel ([`four_steps`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthSteps {
    /// The month.
    pub month: Month,
    /// The steps of each source key, in [`SOURCE_KEYS`] order ([`source_slot`]).
    pub by_source: [Steps; SOURCES],
}

impl MonthSteps {
    /// The steps of one source key.
    pub fn of(&self, source: Option<Source>) -> Steps {
        self.by_source[source_slot(source)]
    }

    /// The steps of all channels together.
    pub fn total(&self) -> Steps {
        let mut total = Steps::default();
        for steps in &self.by_source {
            total.add(steps);
        }
        total
    }
}

/// The seeds' four steps in each of the last 12 months (oldest first, `D`'s month through `D`,
/// the months of [`months_to`]), by source channel: 引流 new customers, 截流 first purchases,
/// 回流 customers who came back, 裂变 new customers brought by a customer. Each step counts
/// customers, each at most once a month; a month without any is all zeros.
///
/// - A customer is *added* on the day their record was created (`created_at`, the shop's own
///   calendar, as the device wrote it) or on the day of their earliest entry if that is
///   earlier (an imported customer's purchases go back before the import) — as
///   [`stages_by_month`] counts them. Not the id's timestamp: it is UTC, and an import's.
/// - 回流 counts a customer in each month in which they came back: a purchase day that is not
///   their first (so the month of their second purchase day, and every later one), or a
///   scheduled-reward pickup (the 充值返还 plans are made to bring customers back), except a
///   pickup on the very day they were first seen, which is no coming back. Returning buyers'
///   revenue is in [`monthly_revenue`].
/// - 裂变 counts the *referred* customers (not the introducers), in the month they were added,
///   under the source of the customer who referred them — which channel's customers bring new
///   ones (the referred mostly have the source "referral", which would say nothing). A
///   referrer who is not a customer of the analysis (deleted, or not synced yet) counts as no
///   source; naming oneself is not a referral.
///
/// Steps 1–3 count under the customer's own source (`traits`, read for this analysis). Only
/// entries dated ≤ `D` count.
///
/// [`stages_by_month`]: super::stats::stages_by_month
/// [`monthly_revenue`]: super::stats::monthly_revenue
pub fn four_steps(traits: &Traits, views: &Insights, analysis: &Analysis) -> Vec<MonthSteps> {
    let as_of = analysis.as_of();
    let months = months_to(as_of);
    let mut out: Vec<MonthSteps> = months
        .iter()
        .map(|&month| MonthSteps {
            month,
            by_source: [Steps::default(); SOURCES],
        })
        .collect();
    let (Some(start), Some(end)) = (months.first(), months.last()) else {
        return out;
    };
    let (start, end) = (start.first, end.through);
    let month_of = |day: NaiveDate| {
        (start..=end)
            .contains(&day)
            .then(|| months.partition_point(|m| m.through < day))
    };
    let history = &analysis.history;
    let slot_of = |c: usize| source_slot(traits.source(c));
    let ledger = &views.ledger;
    let accounts = accounts_of(ledger, history);
    for (c, cust) in history.customers.iter().enumerate() {
        let slot = slot_of(c);
        let added = match (cust.profile.created_on, cust.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(m) = added.and_then(month_of) {
            out[m].by_source[slot].new_customers += 1;
            match traits.referrer(c) {
                Referrer::Customer(r) => out[m].by_source[slot_of(r)].referred += 1,
                Referrer::Gone => out[m].by_source[source_slot(None)].referred += 1,
                Referrer::None => {}
            }
        }
        let days = history.days(c);
        if let Some(m) = days.first().and_then(|&(day, _)| month_of(day)) {
            out[m].by_source[slot].first_buyers += 1;
        }
        // The months they came back in, one bit each.
        let mut back = 0u32;
        let from = days.partition_point(|&(day, _)| day < start).max(1);
        for &(day, _) in days.get(from..).unwrap_or_default() {
            if let Some(m) = month_of(day) {
                back |= 1 << m;
            }
        }
        // A pickup names its reward among the account's references: none, no pickup.
        if let Some(account) = accounts[c].filter(|a| !a.refs.is_empty()) {
            let (packed, recent) = ledger.facts_of(account);
            for fact in packed.iter().chain(recent) {
                let day = fact.at.date();
                if matches!(fact.what, What::Pickup { .. })
                    && day <= as_of
                    && cust.first_seen != Some(day)
                    && let Some(m) = month_of(day)
                {
                    back |= 1 << m;
                }
            }
        }
        for (m, month) in out.iter_mut().enumerate().take(MONTHS) {
            if back & (1 << m) != 0 {
                month.by_source[slot].came_back += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::op::RecordKind;
    use crate::test_shop::{Shop, d};
    use serde_json::json;

    /// Ten customers (added 2025-01-01 unless said), as of 2026-06-15 (months July 2025 … June
    /// 2026; index 6 is January 2026, 11 June):
    /// - A 抖音, added 2026-03-10: sales 03-12, 05-01;
    /// - B 抖音, added 2026-03-20: a visit 03-25;
    /// - C 自然进店: sales 2025-06-01 (before the months), 2026-04-02, 04-20;
    /// - E 老客介绍 by A, added 2026-05-05: a sale that day;
    /// - F no source, by A, added 2026-06-01;
    /// - G 微信, no `created_at`: a visit 2026-01-15, a sale 02-10, a reward that day picked
    ///   up 04-10;
    /// - H 微信, added 2026-06-02: a reward picked up that same day (first seen then);
    /// - I 老客介绍 naming themselves;
    /// - J no source, added 2026-06-03, naming a customer who is gone;
    /// - K 抖音, deleted (not counted anywhere).
    fn shop() -> (Shop, [Id; 3]) {
        let mut s = Shop::new();
        let a = s.customer(
            "A",
            json!({"source": "douyin", "created_at": "2026-03-10T10:00:00"}),
        );
        let b = s.customer(
            "B",
            json!({"source": "douyin", "created_at": "2026-03-20T10:00:00"}),
        );
        let c = s.customer("C", json!({"source": "walk_in"}));
        let e = s.customer(
            "E",
            json!({"source": "referral", "referrer": a, "created_at": "2026-05-05T10:00:00"}),
        );
        let _f = s.customer(
            "F",
            json!({"referrer": a, "created_at": "2026-06-01T10:00:00"}),
        );
        let g = s.customer("G", json!({"source": "wechat", "created_at": null}));
        let h = s.customer(
            "H",
            json!({"source": "wechat", "created_at": "2026-06-02T10:00:00"}),
        );
        let i = s.customer("I", json!({"source": "referral"}));
        s.set(RecordKind::Customer, &i, "referrer", json!(i));
        let _j = s.customer(
            "J",
            json!({"referrer": "gone-0001", "created_at": "2026-06-03T10:00:00"}),
        );
        let k = s.customer(
            "K",
            json!({"source": "douyin", "created_at": "2026-04-01T10:00:00"}),
        );
        s.sale(&a, "2026-03-12", 100);
        s.sale(&a, "2026-05-01", 100);
        s.visit(&b, "2026-03-25");
        s.sale(&c, "2025-06-01", 10);
        s.sale(&c, "2026-04-02", 10);
        s.sale(&c, "2026-04-20", 10);
        s.sale(&e, "2026-05-05", 30);
        s.visit(&g, "2026-01-15");
        s.sale(&g, "2026-02-10", 60);
        s.reward(&g, "2026-02-10", &["2026-04-10"]);
        s.reward(&h, "2026-06-02", &["2026-06-02"]);
        s.sale(&k, "2026-04-02", 99);
        s.delete(RecordKind::Customer, &k);
        (s, [a, b, c])
    }

    #[test]
    fn funnel_sources_count_each_step_and_convert() {
        let (s, _) = shop();
        let analysis = s.analysis("2026-06-15");
        let rows = sources_funnel(&Traits::read(&s.book, &analysis), &analysis);
        let counts: Vec<(Option<Source>, [usize; 4])> = rows
            .iter()
            .map(|r| {
                let n = [r.customers, r.visited, r.bought, r.bought_again];
                (r.source, n)
            })
            .collect();
        // Walk-in C bought on 3 days; Douyin A twice, B only visited; WeChat G visited and
        // bought once, H only picked up; referral E bought once, I nothing; none: F, J.
        assert_eq!(
            counts,
            [
                (Some(Source::WalkIn), [1, 1, 1, 1]),
                (Some(Source::Douyin), [2, 2, 1, 1]),
                (Some(Source::Wechat), [2, 1, 1, 0]),
                (Some(Source::Referral), [2, 1, 1, 0]),
                (None, [2, 0, 0, 0]),
            ]
        );
        let douyin = rows[1];
        assert_eq!(
            (douyin.visit_rate, douyin.buy_rate, douyin.again_rate),
            (1.0, 0.5, 1.0)
        );
        let wechat = rows[2];
        assert_eq!(
            (wechat.visit_rate, wechat.buy_rate, wechat.again_rate),
            (0.5, 1.0, 0.0)
        );
        let none = rows[4];
        assert_eq!(
            (none.visit_rate, none.buy_rate, none.again_rate),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn funnel_four_steps_by_month_and_source() {
        let (s, _) = shop();
        let analysis = s.analysis("2026-06-15");
        let traits = Traits::read(&s.book, &analysis);
        let months = four_steps(&traits, &s.views(), &analysis);
        assert_eq!(months.len(), MONTHS);
        assert_eq!(months[6].month.first, d("2026-01-01"));
        assert_eq!(months[11].month.through, d("2026-06-15"));
        let steps = |n, f, b, r| Steps {
            new_customers: n,
            first_buyers: f,
            came_back: b,
            referred: r,
        };
        let douyin = Some(Source::Douyin);
        let wechat = Some(Source::Wechat);
        // January: G added (first seen at the visit). February: G's first purchase.
        assert_eq!(months[6].of(wechat), steps(1, 0, 0, 0));
        assert_eq!(months[7].of(wechat), steps(0, 1, 0, 0));
        // March: A and B added, A bought first.
        assert_eq!(months[8].of(douyin), steps(2, 1, 0, 0));
        // April: C back (twice, counted once), G back for a pickup.
        assert_eq!(months[9].of(Some(Source::WalkIn)), steps(0, 0, 1, 0));
        assert_eq!(months[9].of(wechat), steps(0, 0, 1, 0));
        assert_eq!(months[9].total(), steps(0, 0, 2, 0));
        // May: A back; E added and bought first (referral), brought by A (Douyin).
        assert_eq!(months[10].of(douyin), steps(0, 0, 1, 1));
        assert_eq!(months[10].of(Some(Source::Referral)), steps(1, 1, 0, 0));
        // June: F (no source) brought by A; H added, a pickup the first day is no return; J
        // added, brought by someone gone (no source).
        assert_eq!(months[11].of(douyin), steps(0, 0, 0, 1));
        assert_eq!(months[11].of(wechat), steps(1, 0, 0, 0));
        assert_eq!(months[11].of(None), steps(2, 0, 0, 1));
        let all = months.iter().fold(Steps::default(), |mut all, m| {
            all.add(&m.total());
            all
        });
        assert_eq!(all, steps(7, 3, 3, 3), "I and C added before; K deleted");
    }

    #[test]
    fn funnel_empty_shop_is_zeros() {
        let s = Shop::new();
        let analysis = s.analysis("2026-06-15");
        let traits = Traits::read(&s.book, &analysis);
        assert!(traits.is_empty());
        assert!(sources_funnel(&traits, &analysis).is_empty());
        let months = four_steps(&traits, &s.views(), &analysis);
        assert_eq!(months.len(), MONTHS);
        assert!(months.iter().all(|m| m.total() == Steps::default()));
    }

    #[test]
    fn funnel_reads_a_book_ahead_of_the_analysis() {
        let (mut s, [a, ..]) = shop();
        let analysis = s.analysis("2026-06-15");
        // Added after the analysis (not in it), and A deleted since.
        let late = s.customer("L", json!({"source": "phone"}));
        s.delete(RecordKind::Customer, &a);
        assert!(analysis.index_of(&late).is_none());
        let traits = Traits::read(&s.book, &analysis);
        assert_eq!(traits.len(), analysis.history.customers.len());
        assert_eq!(traits.source(0), None, "A is gone from the book");
        assert_eq!(traits.source(1), Some(Source::Douyin));
        // E and F name A, still a customer of the analysis (whose record is gone).
        assert_eq!(traits.referrer(3), Referrer::Customer(0));
        assert_eq!(traits.referrer(4), Referrer::Customer(0));
        assert_eq!(traits.referrer(7), Referrer::None, "I names themselves");
        assert_eq!(
            traits.referrer(8),
            Referrer::Gone,
            "J names someone unknown"
        );
        let views = s.views();
        let accounts = accounts_of(&views.ledger, &analysis.history);
        assert!(accounts[0].is_none() && accounts[1].is_some());
        // E and F now count as brought by someone without a source; the rest stands.
        let months = four_steps(&traits, &views, &analysis);
        assert_eq!(months[10].of(Some(Source::Douyin)).referred, 0);
        assert_eq!(months[10].of(None).referred, 1);
        assert_eq!(months[11].of(None).referred, 2);
        assert_eq!(source_slot(None), SOURCES - 1);
        assert!(
            SOURCE_KEYS
                .iter()
                .enumerate()
                .all(|(i, &k)| source_slot(k) == i)
        );
    }
}
