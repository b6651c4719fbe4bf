//! Customer portraits (用户画像, issue 11, Stats): who the customers of a group are — gender,
//! age band, area, their children's ages, the category each buys most — and their average
//! basket, for any group the app picks (a class, a stage, a tag, the filter chips' choice, or
//! everyone).
//!
//! Gender and area come from the customers' [`Traits`]; birthday, children's dates, spend and
//! purchase days from the day's [`Analysis`]; the categories of each sale from the ledger the
//! views keep ([`Insights`]). One walk over the chosen customers (and their facts), allocating
//! a few vectors of one slot per customer, area and category — so a portrait can follow the
//! filter chips as they change.
//!
//! [`Traits`] — what the Stats figures need from the customers' records that the analysis does
//! not keep: source channel, referrer, gender and area — lives here too. Reading them touches
//! every customer record in the book, whose fields are scattered in memory: about 20 ms for
//! 20,000 customers (natively, on a busy 2-core machine), whether one field is read or four
//! (a lookup by name costs as much as a walk over all of a record's fields). So they are read
//! once, in one walk over each record's fields, for all the figures: [`Traits::read`], then
//! [`sources_funnel`], [`four_steps`], [`Chains::of`] and [`portrait`] with it.
//!
//! [`sources_funnel`]: super::funnel::sources_funnel
//! [`four_steps`]: super::funnel::four_steps
//! [`Chains::of`]: super::chains::Chains::of

use super::Insights;
use crate::book::Book;
use crate::domain::{Gender, Money, Source};
use crate::op::RecordKind;
use crate::segment::Analysis;
use crate::segment::history::History;
use crate::segment::ledger::{Account, Ledger, What};
use crate::segment::profile::ChildDates;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use serde::Deserialize;

/// "No area" in [`Traits`].
const NO_AREA: u32 = u32::MAX;

/// Whom a customer's record names as their referrer ([`Traits::referrer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Referrer {
    /// Nobody (or themselves).
    None,
    /// A customer of the analysis, by dense index.
    Customer(usize),
    /// Someone who is not a customer of the analysis (deleted, or not synced yet).
    Gone,
}

/// What the Stats figures read from the customers' records besides the analysis: each
/// customer's source channel, referrer, gender and area, by dense index of the analysis they
/// were read for (see the module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Traits {
    sources: Vec<Option<Source>>,
    referrers: Vec<Referrer>,
    genders: Vec<Option<Gender>>,
    /// Index into `area_names`, or [`NO_AREA`].
    areas: Vec<u32>,
    /// The areas met, trimmed, in the order met.
    area_names: Vec<String>,
}

impl Traits {
    /// The traits of `analysis`'s customers as their records in `book` hold them now: one walk
    /// over the customer records (in id order, beside the analysis's customers), one over each
    /// record's fields. A customer the book no longer holds live has none; a value that does
    /// not read (an unknown channel) counts as absent.
    pub fn read(book: &Book, analysis: &Analysis) -> Traits {
        let history = &analysis.history;
        let n = history.customers.len();
        let mut t = Traits {
            sources: vec![None; n],
            referrers: vec![Referrer::None; n],
            genders: vec![None; n],
            areas: vec![NO_AREA; n],
            area_names: Vec::new(),
        };
        let mut interned: FxHashMap<&str, u32> = FxHashMap::default();
        let records = book
            .records(RecordKind::Customer)
            .map(|(id, state)| (id.as_str(), state));
        for (c, state) in aligned(history, records).into_iter().enumerate() {
            let Some(state) = state else { continue };
            // One walk in field order: a lookup by name compares whole keys, each in its own
            // allocation; matching here compares lengths first.
            for (name, reg) in &state.fields {
                let v = &reg.value;
                match name.as_str() {
                    "source" if v.is_string() => t.sources[c] = Source::deserialize(v).ok(),
                    "gender" if v.is_string() => t.genders[c] = Gender::deserialize(v).ok(),
                    "referrer" => {
                        let named = v.as_str().filter(|id| !id.is_empty());
                        t.referrers[c] = match named.map(|id| index_of_str(history, id)) {
                            None => Referrer::None,
                            Some(Some(r)) if r == c => Referrer::None,
                            Some(Some(r)) => Referrer::Customer(r),
                            Some(None) => Referrer::Gone,
                        };
                    }
                    "area" => {
                        let Some(area) = v.as_str().map(str::trim).filter(|a| !a.is_empty()) else {
                            continue;
                        };
                        let next = interned.len() as u32;
                        let i = *interned.entry(area).or_insert(next);
                        if i == next {
                            t.area_names.push(area.to_owned());
                        }
                        t.areas[c] = i;
                    }
                    _ => {}
                }
            }
        }
        t
    }

    /// How many customers (those of the analysis read for).
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True without customers.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Customer `c`'s source channel (`None` also for an index out of range).
    pub fn source(&self, c: usize) -> Option<Source> {
        self.sources.get(c).copied().flatten()
    }

    /// Whom customer `c` names as referrer.
    pub fn referrer(&self, c: usize) -> Referrer {
        self.referrers.get(c).copied().unwrap_or(Referrer::None)
    }

    /// Customer `c`'s gender.
    pub fn gender(&self, c: usize) -> Option<Gender> {
        self.genders.get(c).copied().flatten()
    }

    /// Customer `c`'s area, surrounding spaces trimmed (`None` when blank).
    pub fn area(&self, c: usize) -> Option<&str> {
        let i = *self.areas.get(c)?;
        self.area_names.get(i as usize).map(String::as_str)
    }
}

/// Each customer of `history` (by dense index) with their account in `ledger`: `None` for one
/// the ledger no longer holds live. One walk over both lists, each in id order.
pub(crate) fn accounts_of<'l>(ledger: &'l Ledger, history: &History) -> Vec<Option<&'l Account>> {
    let ids = ledger.live_ids();
    aligned(
        history,
        ledger
            .live()
            .enumerate()
            .map(|(i, account)| (ids.get(i), account)),
    )
}

/// `items` (in id order) placed at their customers' dense indices in `history`.
fn aligned<'a, T: Copy>(
    history: &History,
    items: impl Iterator<Item = (&'a str, T)>,
) -> Vec<Option<T>> {
    let n = history.customers.len();
    let mut out = vec![None; n];
    let mut c = 0;
    for (id, item) in items {
        while c < n && history.id(c) < id {
            c += 1;
        }
        if c == n {
            break;
        }
        if history.id(c) == id {
            out[c] = Some(item);
            c += 1;
        }
    }
    out
}

/// The dense index of a customer id given as text.
fn index_of_str(history: &History, id: &str) -> Option<usize> {
    let n = history.customers.len();
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if history.id(mid) < id {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (lo < n && history.id(lo) == id).then_some(lo)
}

/// A customer's age band as of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgeBand {
    /// Under 25.
    Under25,
    /// 25–34.
    From25To34,
    /// 35–44.
    From35To44,
    /// 45–54.
    From45To54,
    /// 55 and over.
    From55,
    /// No birthday recorded (or one after the day).
    Unknown,
}

impl AgeBand {
    /// Every band, in the order of [`Portrait::ages`].
    pub const ALL: [AgeBand; 6] = [
        AgeBand::Under25,
        AgeBand::From25To34,
        AgeBand::From35To44,
        AgeBand::From45To54,
        AgeBand::From55,
        AgeBand::Unknown,
    ];

    /// The band of someone born on `birthday`, by their age in whole years on `as_of`.
    pub fn of(birthday: Option<NaiveDate>, as_of: NaiveDate) -> AgeBand {
        match birthday.and_then(|b| as_of.years_since(b)) {
            None => AgeBand::Unknown,
            Some(0..25) => AgeBand::Under25,
            Some(25..35) => AgeBand::From25To34,
            Some(35..45) => AgeBand::From35To44,
            Some(45..55) => AgeBand::From45To54,
            Some(_) => AgeBand::From55,
        }
    }
}

/// A child's age band as of a day (what a mother-and-baby shop sells by).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChildBand {
    /// Not born yet: a due date (or a birthday) after the day.
    Due,
    /// Under 1 year.
    Under1,
    /// 1 to under 3.
    From1To3,
    /// 3 to under 6.
    From3To6,
    /// 6 and over.
    From6,
    /// Neither a birthday nor a due date recorded.
    Unknown,
}

impl ChildBand {
    /// Every band, in the order of [`Portrait::children`].
    pub const ALL: [ChildBand; 6] = [
        ChildBand::Due,
        ChildBand::Under1,
        ChildBand::From1To3,
        ChildBand::From3To6,
        ChildBand::From6,
        ChildBand::Unknown,
    ];

    /// The band of a child on `as_of`: by their birthday, else by their due date (a due date
    /// that has passed without a birthday being recorded stands for the birthday).
    pub fn of(child: &ChildDates, as_of: NaiveDate) -> ChildBand {
        let Some(born) = child.birthday.or(child.due_date) else {
            return ChildBand::Unknown;
        };
        match as_of.years_since(born) {
            None => ChildBand::Due,
            Some(0) => ChildBand::Under1,
            Some(1..3) => ChildBand::From1To3,
            Some(3..6) => ChildBand::From3To6,
            Some(_) => ChildBand::From6,
        }
    }
}

/// How many customers of each gender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Genders {
    /// 女.
    pub female: usize,
    /// 男.
    pub male: usize,
    /// Not recorded.
    pub unknown: usize,
}

/// A group of customers described ([`portrait`]). Every count is 0 and every list empty for
/// an empty group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Portrait {
    /// How many customers are in the group.
    pub customers: usize,
    /// By gender.
    pub genders: Genders,
    /// By age band as of `D`, in [`AgeBand::ALL`] order.
    pub ages: [usize; 6],
    /// By area (as typed, surrounding spaces trimmed), most customers first, then by name.
    pub areas: Vec<(String, usize)>,
    /// Customers without an area.
    pub no_area: usize,
    /// The group's children by age band as of `D`, in [`ChildBand::ALL`] order (a customer
    /// with two children counts in two bands).
    pub children: [usize; 6],
    /// Customers with at least one child recorded.
    pub with_children: usize,
    /// By favourite category — the category on most of their sale lines dated ≤ `D` (ties:
    /// the first by name) — most customers first, then by name.
    pub categories: Vec<(String, usize)>,
    /// Customers without a favourite category (no sale line with a category).
    pub no_category: usize,
    /// Customers with a purchase day.
    pub buyers: usize,
    /// The buyers' net spend as of `D` (refunds and adjustments deducted).
    pub spend: Money,
    /// The buyers' purchase days.
    pub purchase_days: u64,
    /// The average basket (客单价): `spend` over `purchase_days`, rounded to the minor unit;
    /// zero when nobody in the group bought (show "—").
    pub average_basket: Money,
}

/// The portrait of the customers of `analysis` at the dense indices `customers` (repeats and
/// indices out of range ignored) — `0..analysis.history.customers.len()` for everyone, or the
/// indices of the ids a filter shows ([`Analysis::index_of`]), or of the segments a predicate
/// picks.
///
/// Gender and area are as `traits` (read for this analysis) hold them; a customer the book no
/// longer holds live counts as unknown there. Only entries dated ≤ `D` count.
pub fn portrait(
    traits: &Traits,
    views: &Insights,
    analysis: &Analysis,
    customers: impl IntoIterator<Item = usize>,
) -> Portrait {
    let history = &analysis.history;
    let as_of = analysis.as_of();
    let n = history.customers.len();
    let mut chosen = vec![false; n];
    for c in customers {
        if let Some(slot) = chosen.get_mut(c) {
            *slot = true;
        }
    }
    let mut out = Portrait::default();
    if !chosen.contains(&true) {
        return out;
    }
    let ledger = &views.ledger;
    let accounts = accounts_of(ledger, history);
    let names = ledger.category_names();
    let mut areas = vec![0usize; traits.area_names.len()];
    let mut favourites = vec![0usize; names.len()];
    // One customer's lines by category, and the categories they touched (to reset them).
    let mut tally = Tally {
        lines: vec![0; names.len()],
        touched: Vec::new(),
    };
    for c in (0..n).filter(|&c| chosen[c]) {
        let cust = &history.customers[c];
        out.customers += 1;
        match traits.gender(c) {
            Some(Gender::Female) => out.genders.female += 1,
            Some(Gender::Male) => out.genders.male += 1,
            None => out.genders.unknown += 1,
        }
        out.ages[AgeBand::of(cust.profile.birthday, as_of) as usize] += 1;
        match traits.areas.get(c).and_then(|&i| areas.get_mut(i as usize)) {
            Some(k) => *k += 1,
            None => out.no_area += 1,
        }
        let children = history.children(c);
        out.with_children += usize::from(!children.is_empty());
        for child in children {
            out.children[ChildBand::of(child, as_of) as usize] += 1;
        }
        if let Some(account) = accounts[c] {
            let (packed, recent) = ledger.facts_of(account);
            for fact in packed.iter().chain(recent) {
                if let What::Sale {
                    categories,
                    lines: count,
                    ..
                } = fact.what
                    && fact.at.date() <= as_of
                {
                    tally.add(ledger.sale_categories(categories, count));
                }
            }
        }
        match tally.favourite(names) {
            Some(cat) => favourites[cat as usize] += 1,
            None => out.no_category += 1,
        }
        if cust.purchase_days > 0 {
            out.buyers += 1;
            out.spend += cust.net_spend;
            out.purchase_days += u64::from(cust.purchase_days);
        }
    }
    out.areas = most_first(
        traits
            .area_names
            .iter()
            .zip(areas)
            .filter(|(_, k)| *k > 0)
            .map(|(name, k)| (name.clone(), k)),
    );
    out.categories = most_first(
        names
            .iter()
            .zip(favourites)
            .filter(|(_, k)| *k > 0)
            .map(|(name, k)| (name.clone(), k)),
    );
    if out.purchase_days > 0 {
        out.average_basket = Money(div_round(out.spend.0, out.purchase_days as i64));
    }
    out
}

/// One customer's sale lines counted by category (indices into the ledger's category names).
struct Tally {
    /// Lines by category.
    lines: Vec<u32>,
    /// The categories with lines.
    touched: Vec<u32>,
}

impl Tally {
    fn add(&mut self, categories: &[u32]) {
        for &cat in categories {
            let k = &mut self.lines[cat as usize];
            if *k == 0 {
                self.touched.push(cat);
            }
            *k += 1;
        }
    }

    /// The category on most lines, ties to the first by name; and a new count.
    fn favourite(&mut self, names: &[String]) -> Option<u32> {
        let lines = &self.lines;
        let best = self.touched.iter().copied().reduce(|best, cat| {
            let (k, bk) = (lines[cat as usize], lines[best as usize]);
            if k > bk || (k == bk && names[cat as usize] < names[best as usize]) {
                cat
            } else {
                best
            }
        });
        for &cat in &self.touched {
            self.lines[cat as usize] = 0;
        }
        self.touched.clear();
        best
    }
}

/// Counts by name, most first, then by name.
fn most_first(counts: impl Iterator<Item = (String, usize)>) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = counts.collect();
    crate::sorting::sort_by(&mut counts, |a, b| {
        b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
    });
    counts
}

/// `a / b` rounded half away from zero (`b` > 0).
fn div_round(a: i64, b: i64) -> i64 {
    if a >= 0 {
        (a + b / 2) / b
    } else {
        -((-a + b / 2) / b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_shop::{Shop, d};
    use serde_json::json;

    /// As of 2026-06-15, in yuan:
    /// - A 女, born 2001-06-16 (24), 阳光小区, a child born 2026-01-01 and one due 2026-09-01;
    ///   sales 06-01 (奶粉 + 纸尿裤, 100) and 06-05 (奶粉, 50), 20 refunded 06-06;
    /// - B 女, born 2001-06-15 (25), " 阳光小区 ", a child born 2023-06-15 (3); a sale of 纸尿裤
    ///   and 奶粉 (81: a tie, 奶粉 first by name);
    /// - C 男, born 1980-01-01 (46), 江北, a child born 2020-01-01 (6) and one without dates;
    ///   a sale without lines (30);
    /// - D: nothing recorded;
    /// - E 男, born 1970-01-01 (56), a child due 2026-03-01 (passed: under 1); a 玩具 sale dated
    ///   after the day;
    /// - F 女, born 1990-01-01 (36).
    fn shop() -> Shop {
        let mut s = Shop::new();
        let a = s.customer(
            "A",
            json!({"gender": "female", "birthday": "2001-06-16", "area": "阳光小区",
                "children": [{"birthday": "2026-01-01"}, {"due_date": "2026-09-01"}]}),
        );
        let b = s.customer(
            "B",
            json!({"gender": "female", "birthday": "2001-06-15", "area": " 阳光小区 ",
                "children": [{"nickname": "豆豆", "birthday": "2023-06-15"}]}),
        );
        let c = s.customer(
            "C",
            json!({"gender": "male", "birthday": "1980-01-01", "area": "江北",
                "children": [{"birthday": "2020-01-01"}, {"nickname": "二宝"}]}),
        );
        let _d = s.customer("D", json!({}));
        let e = s.customer(
            "E",
            json!({"gender": "male", "birthday": "1970-01-01",
                "children": [{"due_date": "2026-03-01"}]}),
        );
        let _f = s.customer("F", json!({"gender": "female", "birthday": "1990-01-01"}));
        s.sale_by(&a, "2026-06-01", 100, &["奶粉", "纸尿裤"], None);
        s.sale_by(&a, "2026-06-05", 50, &["奶粉"], None);
        s.refund(&a, "2026-06-06", 20, None);
        s.sale_by(&b, "2026-05-01", 81, &["纸尿裤", "奶粉"], None);
        s.sale(&c, "2026-04-01", 30);
        s.sale_by(&e, "2026-06-20", 40, &["玩具"], None);
        s
    }

    #[test]
    fn portrait_of_everyone() {
        let s = shop();
        let analysis = s.analysis("2026-06-15");
        let p = portrait(
            &Traits::read(&s.book, &analysis),
            &s.views(),
            &analysis,
            0..6,
        );
        assert_eq!(p.customers, 6);
        assert_eq!(
            p.genders,
            Genders {
                female: 3,
                male: 2,
                unknown: 1
            }
        );
        assert_eq!(p.ages, [1, 1, 1, 1, 1, 1]);
        assert_eq!(
            p.areas,
            [("阳光小区".to_owned(), 2), ("江北".to_owned(), 1)]
        );
        assert_eq!(p.no_area, 3);
        // Due: A's second; under 1: A's first, E's; 3–6: B's; 6+: C's first; unknown: C's second.
        assert_eq!(p.children, [1, 2, 0, 1, 1, 1]);
        assert_eq!(p.with_children, 4);
        assert_eq!(p.categories, [("奶粉".to_owned(), 2)]);
        assert_eq!(p.no_category, 4, "C bought without lines; E after the day");
        // A 130 on 2 days, B 81, C 30: 241 over 4 days.
        assert_eq!((p.buyers, p.purchase_days), (3, 4));
        assert_eq!(p.spend, Money(24_100));
        assert_eq!(p.average_basket, Money(6_025));
    }

    #[test]
    fn portrait_of_a_group() {
        let s = shop();
        let analysis = s.analysis("2026-06-15");
        let views = s.views();
        let traits = Traits::read(&s.book, &analysis);
        // A and B, named twice, and an index out of range: 211 over 3 days → 70.33.
        let p = portrait(&traits, &views, &analysis, [0, 1, 1, 99]);
        assert_eq!(p.customers, 2);
        assert_eq!(p.ages, [1, 1, 0, 0, 0, 0]);
        assert_eq!(p.areas, [("阳光小区".to_owned(), 2)]);
        assert_eq!(p.average_basket, Money(7_033));
        // Nobody bought: no basket.
        let p = portrait(&traits, &views, &analysis, [3, 5]);
        assert_eq!(
            (p.customers, p.buyers, p.average_basket),
            (2, 0, Money::ZERO)
        );
        assert_eq!(p.no_category, 2);
        // Nobody at all.
        let empty = portrait(&traits, &views, &analysis, []);
        assert_eq!(empty, Portrait::default());
        let none = Shop::new();
        let analysis = none.analysis("2026-06-15");
        let traits = Traits::read(&none.book, &analysis);
        let nothing = portrait(&traits, &none.views(), &analysis, 0..10);
        assert_eq!(nothing, Portrait::default());
    }

    #[test]
    fn portrait_traits_are_read_once_per_customer() {
        let s = shop();
        let analysis = s.analysis("2026-06-15");
        let traits = Traits::read(&s.book, &analysis);
        assert_eq!(traits.len(), 6);
        assert_eq!(traits.gender(0), Some(Gender::Female));
        assert_eq!(traits.gender(3), None);
        assert_eq!(traits.area(0), Some("阳光小区"));
        assert_eq!(traits.area(1), Some("阳光小区"), "trimmed: one area");
        assert_eq!(traits.area(3), None);
        assert_eq!(traits.source(0), None);
        assert_eq!(traits.referrer(0), Referrer::None);
        // Out of range: nothing.
        assert_eq!((traits.gender(6), traits.area(6)), (None, None));
        assert_eq!(traits.referrer(6), Referrer::None);
    }

    #[test]
    fn portrait_bands_meet_at_birthdays() {
        let day = d("2026-06-15");
        let age = |b: &str| AgeBand::of(Some(d(b)), day);
        assert_eq!(age("2001-06-16"), AgeBand::Under25);
        assert_eq!(age("2001-06-15"), AgeBand::From25To34);
        assert_eq!(age("1991-06-16"), AgeBand::From25To34);
        assert_eq!(age("1991-06-15"), AgeBand::From35To44);
        assert_eq!(age("1971-06-15"), AgeBand::From55);
        assert_eq!(age("2026-06-16"), AgeBand::Unknown);
        assert_eq!(AgeBand::of(None, day), AgeBand::Unknown);
        let child = |birthday: Option<&str>, due: Option<&str>| {
            let dates = ChildDates {
                birthday: birthday.map(d),
                due_date: due.map(d),
            };
            ChildBand::of(&dates, day)
        };
        assert_eq!(child(None, Some("2026-06-16")), ChildBand::Due);
        assert_eq!(child(None, Some("2026-06-15")), ChildBand::Under1);
        assert_eq!(child(Some("2025-06-16"), None), ChildBand::Under1);
        assert_eq!(child(Some("2025-06-15"), None), ChildBand::From1To3);
        assert_eq!(child(Some("2023-06-16"), None), ChildBand::From1To3);
        assert_eq!(child(Some("2020-06-16"), None), ChildBand::From3To6);
        assert_eq!(child(Some("2020-06-15"), None), ChildBand::From6);
        assert_eq!(child(Some("2026-07-01"), None), ChildBand::Due);
        assert_eq!(child(None, None), ChildBand::Unknown);
        assert_eq!(div_round(7, 2), 4);
        assert_eq!(div_round(-7, 2), -4);
        assert_eq!(div_round(-5, 3), -2);
    }
}
