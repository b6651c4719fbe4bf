//! Segmentation (docs/segmentation.md): RFM scores and classes, shop classes, lifecycle stage and contact
//! cadence of every customer as of a date, computed from the book deterministically.
//!
//! [`analyze`] reads the book into a [`ledger::Ledger`] (one pass over its entries), builds the
//! [`history::History`] as of the date and derives everything else from it; the app keeps the
//! ledger and calls [`analyze_ledger`]. The result is plain, serialisable data in customer-id
//! order.

pub mod cadence;
pub mod class;
pub mod history;
pub mod ledger;
pub mod profile;
pub mod rfm;
pub mod stage;

use crate::book::Book;
use crate::domain::Rules;
use crate::id::Id;
use cadence::Cadence;
use chrono::NaiveDate;
use class::{RfmClass, ShopClass};
use history::History;
use ledger::Ledger;
use rfm::{Metrics, Rfm, RfmMeans};
use serde::{Deserialize, Serialize};
use stage::Lifecycle;

/// What segmentation says about one customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// RFM metrics and scores (`None` without a purchase day in the analysis window).
    pub rfm: Option<Rfm>,
    /// The RFM class (`None` when not scored).
    pub class: Option<RfmClass>,
    /// The shop class.
    pub shop_class: ShopClass,
    /// The lifecycle stage and purchase interval.
    pub lifecycle: Lifecycle,
    /// The contact cadence, when the customer's class has one.
    pub cadence: Option<Cadence>,
}

/// Fewest buyers for RFM classes and scores to be shown ([`Analysis::classes_meaningful`]).
pub const MIN_BUYERS_FOR_CLASSES: usize = 20;

/// The analysis of a whole book as of a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Everything known per customer as of `D` (`history.as_of`).
    pub history: History,
    /// One segment per customer, parallel to `history.customers`.
    pub segments: Vec<Segment>,
    /// The RFM means (`None` when nobody has a purchase day).
    pub means: Option<RfmMeans>,
    /// The shop-wide purchase interval (median of customers' own intervals), if any customer
    /// has two purchase days.
    pub shop_interval_days: Option<f64>,
}

impl Analysis {
    /// The as-of date `D`.
    pub fn as_of(&self) -> NaiveDate {
        self.history.as_of
    }

    /// The dense index of a live customer.
    pub fn index_of(&self, id: &Id) -> Option<usize> {
        self.history.index_of(id)
    }

    /// How many customers have a purchase day in the analysis window (are scored).
    pub fn buyers(&self) -> usize {
        self.segments.iter().filter(|s| s.rfm.is_some()).count()
    }

    /// Whether RFM classes and scores mean something yet: scores are ranks among the buyers,
    /// so the first buyer of a new shop would be "Regular to win back" against nobody. The
    /// card says so instead of showing them until [`MIN_BUYERS_FOR_CLASSES`] customers bought.
    pub fn classes_meaningful(&self) -> bool {
        self.buyers() >= MIN_BUYERS_FOR_CLASSES
    }

    /// How many customers are in each RFM class, in [`RfmClass::ALL`] order.
    pub fn class_counts(&self) -> [usize; 8] {
        let mut counts = [0; 8];
        for class in self.segments.iter().filter_map(|s| s.class) {
            counts[class as usize] += 1;
        }
        counts
    }

    /// How many customers are in each lifecycle stage, in [`stage::Stage::ALL`] order.
    pub fn stage_counts(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for s in &self.segments {
            counts[s.lifecycle.stage as usize] += 1;
        }
        counts
    }
}

/// Analyses every live customer of the book as of `as_of` under the shop's rules.
pub fn analyze(book: &Book, as_of: NaiveDate, rules: &Rules) -> Analysis {
    analyze_ledger(&Ledger::read(book), as_of, rules)
}

/// [`analyze`] from a [`Ledger`] kept up to date with the book (what the app does: the ledger
/// is read once and follows every op, so each analysis skips the walk over the book).
pub fn analyze_ledger(ledger: &Ledger, as_of: NaiveDate, rules: &Rules) -> Analysis {
    analyze_history(History::from_ledger(ledger, as_of), as_of, rules)
}

/// [`analyze_ledger`]'s second half: the grades of customers whose histories as of `as_of`
/// are read already (the ledger is not needed for it).
pub fn analyze_history(history: History, as_of: NaiveDate, rules: &Rules) -> Analysis {
    let n = history.customers.len();
    let metrics: Vec<Option<Metrics>> = (0..n)
        .map(|c| Metrics::from_days(history.days(c), as_of, rules.window_days))
        .collect();
    let (rfm, means) = rfm::score(&metrics);
    let mut scratch = Vec::new();
    let own: Vec<Option<f64>> = (0..n)
        .map(|c| stage::median_gap(history.days(c), &mut scratch))
        .collect();
    let shop_interval_days = stage::shop_interval(&own);
    let segments = history
        .customers
        .iter()
        .zip(rfm)
        .zip(own)
        .map(|((cust, rfm), own)| {
            let class = rfm
                .as_ref()
                .zip(means.as_ref())
                .map(|(r, means)| RfmClass::from_high(means.high(r)));
            let shop_class = ShopClass::of(
                cust.profile.vip,
                rfm.as_ref(),
                cust.purchase_days,
                cust.visits,
            );
            let lifecycle = stage::lifecycle(
                cust.purchase_days,
                cust.last_purchase,
                own,
                shop_interval_days,
                as_of,
                rules,
            );
            let cadence = cadence::cadence(cust, cadence::cadence_days(rules, class, shop_class));
            Segment {
                rfm,
                class,
                shop_class,
                lifecycle,
                cadence,
            }
        })
        .collect();
    Analysis {
        history,
        segments,
        means,
        shop_interval_days,
    }
}
