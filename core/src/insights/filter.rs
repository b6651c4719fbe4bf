//! The Customers tab's filter chips and sort orders (issue 9): RFM class, lifecycle stage,
//! customer type (VIP / bought / visited / potential) and tag, combinable — within one kind
//! of chip any chosen value matches, across kinds all must — each chip with how many
//! customers it would show given the other kinds' choices (the usual faceted counts); and the
//! list in name, latest-purchase or spend order.

use super::roster::Roster;
use crate::id::Id;
use crate::segment::Analysis;
use crate::segment::class::{RfmClass, ShopClass};
use crate::segment::stage::Stage;
use std::collections::BTreeMap;

/// The chips chosen (empty: that kind does not filter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// RFM classes.
    pub classes: Vec<RfmClass>,
    /// Lifecycle stages.
    pub stages: Vec<Stage>,
    /// Customer types.
    pub types: Vec<ShopClass>,
    /// Tags.
    pub tags: Vec<String>,
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// By name (pinyin), the list's own order.
    #[default]
    Name,
    /// Latest purchase first; customers who never bought last.
    LastPurchase,
    /// Highest net spend first.
    Spend,
}

/// How many customers each chip would show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facets {
    /// By RFM class, in [`RfmClass::ALL`] order.
    pub classes: [usize; 8],
    /// By stage, in [`Stage::ALL`] order.
    pub stages: [usize; 5],
    /// By customer type, in [`ShopClass::ALL`] order.
    pub types: [usize; 4],
    /// By tag, in name order.
    pub tags: Vec<(String, usize)>,
}

/// The customers a filter shows, in the order asked, and its chips' counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtered {
    /// The customers shown.
    pub ids: Vec<Id>,
    /// The chips' counts.
    pub facets: Facets,
}

/// Applies `filter` to the listed customers, graded by `analysis` (a customer the analysis
/// does not know yet — added since — has no class or stage, and counts as potential).
pub fn filter(roster: &Roster, analysis: &Analysis, filter: &Filter, sort: Sort) -> Filtered {
    let mut out = Filtered::default();
    let mut tags: BTreeMap<&str, usize> = BTreeMap::new();
    let mut shown: Vec<(usize, Option<usize>)> = Vec::new();
    for (position, row) in (0..roster.len()).filter_map(|i| Some((i, roster.at(i)?))) {
        let c = analysis.index_of(&row.id);
        let segment = c.map(|c| &analysis.segments[c]);
        let class = segment.and_then(|s| s.class);
        let stage = segment.map(|s| s.lifecycle.stage);
        let kind = segment.map_or(ShopClass::Potential, |s| s.shop_class);
        let wants = |chosen: bool, ok: bool| !chosen || ok;
        let by_class = wants(
            !filter.classes.is_empty(),
            class.is_some_and(|k| filter.classes.contains(&k)),
        );
        let by_stage = wants(
            !filter.stages.is_empty(),
            stage.is_some_and(|s| filter.stages.contains(&s)),
        );
        let by_type = wants(!filter.types.is_empty(), filter.types.contains(&kind));
        let by_tag = wants(
            !filter.tags.is_empty(),
            row.tags.iter().any(|t| filter.tags.contains(t)),
        );
        let facets = &mut out.facets;
        if by_stage
            && by_type
            && by_tag
            && let Some(k) = class
        {
            facets.classes[k as usize] += 1;
        }
        if by_class
            && by_type
            && by_tag
            && let Some(s) = stage
        {
            facets.stages[s as usize] += 1;
        }
        if by_class && by_stage && by_tag {
            facets.types[kind as usize] += 1;
        }
        if by_class && by_stage && by_type {
            for tag in &row.tags {
                *tags.entry(tag).or_default() += 1;
            }
        }
        if by_class && by_stage && by_type && by_tag {
            shown.push((position, c));
        }
    }
    out.facets.tags = tags.into_iter().map(|(t, n)| (t.to_owned(), n)).collect();
    let history = &analysis.history;
    match sort {
        Sort::Name => {}
        Sort::LastPurchase => crate::sorting::sort_by_key(&mut shown, |&(p, c)| {
            let last = c.and_then(|c| history.customers[c].last_purchase);
            (std::cmp::Reverse(last), p)
        }),
        Sort::Spend => crate::sorting::sort_by_key(&mut shown, |&(p, c)| {
            let spend = c.map_or(0, |c| history.customers[c].net_spend.0);
            (std::cmp::Reverse(spend), p)
        }),
    }
    out.ids = shown
        .into_iter()
        .filter_map(|(p, _)| roster.at(p).map(|r| r.id.clone()))
        .collect();
    out
}
