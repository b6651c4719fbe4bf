//! The rest of the owner's Stats (issue 11): the sources funnel and the four steps
//! (`insights::funnel`), referral chains (`insights::chains`), follow-up work by staff member
//! (`insights::staff_work`) and portraits (`insights::portraits`) — each worked out again here
//! the slow way, from every customer decoded and every entry decoded, on a synthetic shop, and
//! compared. (Hand-built shops with their numbers worked out are in each module's own tests.)
//! The last test times every figure on the 20,000-customer shop (`--release -- --ignored`).

use chrono::{Days, NaiveDate, NaiveDateTime};
use huike_core::book::Book;
use huike_core::domain::{Customer, Entry, Gender, LedgerKind, Money, Outcome, PurchaseKind};
use huike_core::id::Id;
use huike_core::insights::Insights;
use huike_core::insights::chains::Chains;
use huike_core::insights::funnel::{
    MonthSteps, SOURCES, Steps, four_steps, source_slot, sources_funnel,
};
use huike_core::insights::portraits::{AgeBand, ChildBand, Portrait, Traits, portrait};
use huike_core::insights::staff_work::{BOUGHT_WITHIN_DAYS, staff_work};
use huike_core::insights::stats::months_to;
use huike_core::op::RecordKind;
use huike_core::segment::profile::ChildDates;
use huike_core::segment::stage::Stage;
use huike_core::segment::{Analysis, analyze};
use huike_core::synth::Params;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// A mid-sized synthetic shop, everything decoded, and its analysis (made once: it takes a
/// moment in debug builds; the views, which are not `Sync`, each test reads itself).
struct World {
    book: Book,
    analysis: Analysis,
    as_of: NaiveDate,
    /// Live customers by id.
    customers: BTreeMap<Id, Customer>,
    /// Each live customer's entries, any date.
    entries: HashMap<Id, Vec<Entry>>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let params = Params::new(11, 1_500, 15_000);
        let book = params.book();
        let customers: BTreeMap<Id, Customer> = book
            .records(RecordKind::Customer)
            .map(|(id, s)| (id.clone(), s.decode().expect("decodes")))
            .collect();
        let mut entries: HashMap<Id, Vec<Entry>> = HashMap::new();
        for (_, e) in book.decoded_entries() {
            if customers.contains_key(e.customer()) {
                entries.entry(e.customer().clone()).or_default().push(e);
            }
        }
        World {
            analysis: analyze(&book, params.as_of, &book.rules()),
            as_of: params.as_of,
            book,
            customers,
            entries,
        }
    })
}

fn at(e: &Entry) -> NaiveDateTime {
    match e {
        Entry::Purchase(p) => p.at,
        Entry::Visit(v) => v.on.and_hms_opt(0, 0, 0).unwrap(),
        Entry::Contact(c) => c.at,
        Entry::Ledger(l) => l.at,
    }
}

fn is_sale(e: &Entry) -> bool {
    matches!(e, Entry::Purchase(p) if p.kind == PurchaseKind::Sale)
}

impl World {
    /// The views of the book.
    fn views(&self) -> Insights {
        Insights::read(&self.book)
    }

    /// A customer's entries dated ≤ D.
    fn until_d<'a>(&'a self, id: &Id) -> impl Iterator<Item = &'a Entry> + 'a {
        let d = self.as_of;
        self.entries
            .get(id)
            .into_iter()
            .flatten()
            .filter(move |e| at(e).date() <= d)
    }

    /// A customer's distinct sale days ≤ D.
    fn sale_days(&self, id: &Id) -> BTreeSet<NaiveDate> {
        self.until_d(id)
            .filter(|e| is_sale(e))
            .map(|e| at(e).date())
            .collect()
    }

    /// The live customer a customer's record names as referrer (not themselves).
    fn referrer(&self, id: &Id) -> Option<Option<&Id>> {
        let r = self.customers[id].referrer.as_ref()?;
        if r == id {
            return None;
        }
        Some(self.customers.get_key_value(r).map(|(k, _)| k))
    }
}

#[test]
fn sources_funnel_matches_the_decoded_book() {
    let w = world();
    let mut want: BTreeMap<usize, [usize; 4]> = BTreeMap::new();
    for (id, c) in &w.customers {
        let days = w.sale_days(id).len();
        let visited = days > 0 || w.until_d(id).any(|e| matches!(e, Entry::Visit(_)));
        let row = want.entry(source_slot(c.source)).or_default();
        row[0] += 1;
        row[1] += usize::from(visited);
        row[2] += usize::from(days >= 1);
        row[3] += usize::from(days >= 2);
    }
    let rows = sources_funnel(&Traits::read(&w.book, &w.analysis), &w.analysis);
    let got: BTreeMap<usize, [usize; 4]> = rows
        .iter()
        .map(|r| {
            let counts = [r.customers, r.visited, r.bought, r.bought_again];
            (source_slot(r.source), counts)
        })
        .collect();
    assert_eq!(got, want);
    assert!(rows.len() >= 5, "the synthetic shop has many channels");
    assert!(
        rows.windows(2)
            .all(|p| source_slot(p[0].source) < source_slot(p[1].source))
    );
    for r in &rows {
        assert!((r.buy_rate - r.bought as f64 / r.visited.max(1) as f64).abs() < 1e-12);
    }
}

#[test]
fn four_steps_match_the_decoded_book() {
    let w = world();
    let months = months_to(w.as_of);
    let month_of = |day: NaiveDate| {
        months
            .iter()
            .position(|m| m.first <= day && day <= m.through)
    };
    let mut want = vec![[Steps::default(); SOURCES]; months.len()];
    for (id, c) in &w.customers {
        let slot = source_slot(c.source);
        let first_seen = w.until_d(id).map(|e| at(e).date()).min();
        let created = c.created_at.map(|t| t.date());
        let added = match (created, first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(m) = added.and_then(month_of) {
            want[m][slot].new_customers += 1;
            match w.referrer(id) {
                Some(Some(r)) => want[m][source_slot(w.customers[r].source)].referred += 1,
                Some(None) => want[m][source_slot(None)].referred += 1,
                None => {}
            }
        }
        let days = w.sale_days(id);
        if let Some(m) = days.first().copied().and_then(month_of) {
            want[m][slot].first_buyers += 1;
        }
        let pickups = w.until_d(id).filter_map(|e| match e {
            Entry::Ledger(l) if matches!(l.kind, LedgerKind::Pickup { .. }) => Some(l.at.date()),
            _ => None,
        });
        let back: BTreeSet<usize> = days
            .iter()
            .skip(1)
            .copied()
            .chain(pickups.filter(|&day| Some(day) != first_seen))
            .filter_map(month_of)
            .collect();
        for m in back {
            want[m][slot].came_back += 1;
        }
    }
    let got = four_steps(&Traits::read(&w.book, &w.analysis), &w.views(), &w.analysis);
    let got_steps: Vec<[Steps; SOURCES]> = got.iter().map(|m: &MonthSteps| m.by_source).collect();
    assert_eq!(got_steps, want);
    let total = |f: fn(&Steps) -> usize| got.iter().map(|m| f(&m.total())).sum::<usize>();
    assert!(total(|s| s.new_customers) > 0);
    assert!(total(|s| s.first_buyers) > 0);
    assert!(total(|s| s.came_back) > 0);
    assert!(
        total(|s| s.referred) > 0,
        "the synthetic shop has referral chains"
    );
}

#[test]
fn referral_chains_match_the_decoded_book() {
    let w = world();
    let spend = |id: &Id| -> Money {
        w.until_d(id)
            .filter_map(|e| match e {
                Entry::Purchase(p) => Some(p.total),
                _ => None,
            })
            .sum()
    };
    let mut brought: BTreeMap<&Id, Vec<&Id>> = BTreeMap::new();
    for id in w.customers.keys() {
        if let Some(Some(r)) = w.referrer(id) {
            brought.entry(r).or_default().push(id);
        }
    }
    let chain = |root: &Id| {
        let mut seen = BTreeSet::from([root]);
        let mut stack = vec![root];
        while let Some(c) = stack.pop() {
            for &k in brought.get(c).into_iter().flatten() {
                if seen.insert(k) {
                    stack.push(k);
                }
            }
        }
        seen.len() - 1
    };
    let mut want: Vec<(Id, usize, Money, usize)> = brought
        .iter()
        .map(|(&r, ks)| {
            let s = ks.iter().map(|k| spend(k)).sum();
            (r.clone(), ks.len(), s, chain(r))
        })
        .collect();
    want.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    want.truncate(20);
    let chains = Chains::of(&Traits::read(&w.book, &w.analysis), &w.analysis);
    let got: Vec<(Id, usize, Money, usize)> = chains
        .top(20)
        .into_iter()
        .map(|i| (i.customer, i.brought, i.brought_spend, i.chain))
        .collect();
    assert!(!want.is_empty(), "the synthetic shop has referrals");
    assert_eq!(got, want);
    // The top introducer's tree, whole: every customer down the chain once.
    let top = &want[0].0;
    let tree = chains.tree(top, usize::MAX).expect("a customer");
    fn count(node: &huike_core::insights::chains::ReferralNode) -> usize {
        node.children.iter().map(|c| 1 + count(c)).sum()
    }
    assert_eq!(count(&tree), want[0].3);
    assert_eq!(tree.chain, want[0].3);
    let one_level = chains.tree(top, 1).expect("a customer");
    assert_eq!(one_level.children.len(), want[0].1);
    assert!(one_level.children.iter().all(|c| c.children.is_empty()));
}

#[test]
fn staff_work_matches_the_decoded_book() {
    let w = world();
    let (from, through) = (w.as_of - Days::new(89), w.as_of);
    // staff → (contacts, by outcome, customers, bought after)
    type Tally = (usize, [usize; 5], BTreeSet<Id>, BTreeSet<Id>);
    let mut want: BTreeMap<Option<Id>, Tally> = BTreeMap::new();
    for id in w.customers.keys() {
        let all = w.entries.get(id).map(Vec::as_slice).unwrap_or_default();
        let sales: Vec<NaiveDateTime> = all.iter().filter(|e| is_sale(e)).map(at).collect();
        for e in all {
            let Entry::Contact(c) = e else { continue };
            if !(from..=through).contains(&c.at.date()) {
                continue;
            }
            let tally = want.entry(c.staff.clone()).or_default();
            tally.0 += 1;
            tally.1[Outcome::ALL.iter().position(|o| *o == c.outcome).unwrap()] += 1;
            tally.2.insert(id.clone());
            let last = c.at.date() + Days::new(BOUGHT_WITHIN_DAYS);
            if sales.iter().any(|&s| s > c.at && s.date() <= last) {
                tally.3.insert(id.clone());
            }
        }
    }
    let rows = staff_work(&w.views(), from, through);
    let got: BTreeMap<Option<Id>, (usize, [usize; 5], usize, usize)> = rows
        .iter()
        .map(|r| {
            let counts = (r.contacts, r.by_outcome, r.customers, r.bought_after);
            (r.staff.clone(), counts)
        })
        .collect();
    let want: BTreeMap<Option<Id>, (usize, [usize; 5], usize, usize)> = want
        .into_iter()
        .map(|(s, t)| (s, (t.0, t.1, t.2.len(), t.3.len())))
        .collect();
    assert_eq!(got, want);
    assert!(rows.len() >= 2, "the synthetic shop's clerks log contacts");
    assert!(rows.iter().any(|r| r.bought_after > 0));
    assert!(rows.windows(2).all(|p| p[0].contacts >= p[1].contacts));
}

#[test]
fn portraits_match_the_decoded_book() {
    let w = world();
    let d = w.as_of;
    let history = &w.analysis.history;
    let brute = |indices: &[usize]| {
        let mut p = Portrait::default();
        let mut areas: BTreeMap<String, usize> = BTreeMap::new();
        let mut cats: BTreeMap<String, usize> = BTreeMap::new();
        for &i in indices {
            let id = Id::parse(history.id(i)).unwrap();
            let c = &w.customers[&id];
            p.customers += 1;
            match c.gender {
                Some(Gender::Female) => p.genders.female += 1,
                Some(Gender::Male) => p.genders.male += 1,
                None => p.genders.unknown += 1,
            }
            p.ages[AgeBand::of(c.birthday, d) as usize] += 1;
            match c.area.trim() {
                "" => p.no_area += 1,
                area => *areas.entry(area.to_owned()).or_default() += 1,
            }
            p.with_children += usize::from(!c.children.is_empty());
            for child in &c.children {
                let dates = ChildDates {
                    birthday: child.birthday,
                    due_date: child.due_date,
                };
                p.children[ChildBand::of(&dates, d) as usize] += 1;
            }
            let mut lines: BTreeMap<&str, usize> = BTreeMap::new();
            for e in w.until_d(&id) {
                if let Entry::Purchase(s) = e
                    && s.kind == PurchaseKind::Sale
                {
                    for l in s.items.iter().filter(|l| !l.category.is_empty()) {
                        *lines.entry(&l.category).or_default() += 1;
                    }
                }
            }
            // The most lines; among equals the first by name (the map's order).
            let most = lines.values().copied().max();
            match lines.iter().find(|(_, k)| Some(**k) == most) {
                Some((cat, _)) => *cats.entry((*cat).to_owned()).or_default() += 1,
                None => p.no_category += 1,
            }
            let days = w.sale_days(&id).len() as u64;
            if days > 0 {
                p.buyers += 1;
                p.purchase_days += days;
                p.spend += w
                    .until_d(&id)
                    .filter_map(|e| match e {
                        Entry::Purchase(p) => Some(p.total),
                        _ => None,
                    })
                    .sum();
            }
        }
        let ranked = |m: BTreeMap<String, usize>| {
            let mut v: Vec<(String, usize)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v
        };
        p.areas = ranked(areas);
        p.categories = ranked(cats);
        if p.purchase_days > 0 {
            let (s, n) = (p.spend.0 as f64, p.purchase_days as f64);
            p.average_basket = Money((s / n).round() as i64);
        }
        p
    };
    let views = w.views();
    let traits = Traits::read(&w.book, &w.analysis);
    let everyone: Vec<usize> = (0..history.customers.len()).collect();
    let all = portrait(&traits, &views, &w.analysis, everyone.iter().copied());
    assert_eq!(all, brute(&everyone));
    assert_eq!(all.customers, w.customers.len());
    assert!(all.areas.len() > 1 && all.categories.len() > 1);
    assert!(all.children.iter().sum::<usize>() > 0);
    // A group: the customers in maturity, as a predicate over the segments picks them.
    let mature: Vec<usize> = (0..history.customers.len())
        .filter(|&c| w.analysis.segments[c].lifecycle.stage == Stage::Maturity)
        .collect();
    assert!(!mature.is_empty());
    let group = portrait(&traits, &views, &w.analysis, mature.iter().copied());
    assert_eq!(group, brute(&mature));
    assert_eq!(group.buyers, mature.len(), "mature customers all bought");
}
