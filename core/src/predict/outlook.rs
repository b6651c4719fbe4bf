//! The model applied to a day's analysis: each scored customer's probability of being alive and
//! 12-month CLV, for the customer card and for ranking the day's regular contacts (SPEC §2:
//! expected value = CLV × P(alive)).
//!
//! The model is fitted in weeks on every customer the analysis scored (a purchase day in the
//! window), as the CDNOW reference fit is. With too little data the outlook keeps the reason
//! ([`Outlook::error`]) and every customer's figures are `None`, so the app says "not enough
//! data yet" instead of showing numbers.

use super::{CustomerSummary, Model, PredictError, TimeUnit};
use crate::domain::Money;
use crate::segment::Analysis;

/// One customer's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prospect {
    /// Probability that the customer is still a customer (0–1).
    pub p_alive: f64,
    /// Predicted spend over the next 12 months, discounted (docs/segmentation.md).
    pub clv: Money,
}

impl Prospect {
    /// What contacting the customer is worth, for ranking: CLV × P(alive), in minor units.
    pub fn expected_value(&self) -> f64 {
        self.clv.0 as f64 * self.p_alive
    }
}

/// The model's figures for every customer of one analysis, worked out a part at a time
/// ([`Outlook::fit`], then [`Outlook::step`]) or at once ([`Outlook::of`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Outlook {
    model: Result<Model, PredictError>,
    /// Per customer (dense index), when scored and the model fitted.
    prospects: Vec<Option<Prospect>>,
}

/// How many customers' figures one [`Outlook::step`] works out (a 20,000-customer shop: two
/// steps of some 25 ms each in a phone's browser).
pub const CUSTOMERS_A_STEP: usize = 10_000;

impl Outlook {
    /// Fits the model on the analysis's scored customers and works out each one's figures.
    pub fn of(analysis: &Analysis) -> Outlook {
        let mut outlook = Outlook::fit(analysis);
        while !outlook.step(analysis, usize::MAX) {}
        outlook
    }

    /// Fits the model on the analysis's scored customers; no customer has figures yet.
    pub fn fit(analysis: &Analysis) -> Outlook {
        let fitted: Vec<CustomerSummary> = (0..analysis.segments.len())
            .filter_map(|c| summary(analysis, c))
            .collect();
        Outlook {
            model: Model::fit(&fitted, TimeUnit::Weeks),
            prospects: Vec::with_capacity(analysis.segments.len()),
        }
    }

    /// Works out the figures of up to `budget` more customers; returns true once every
    /// customer of `analysis` (the one fitted on) has them.
    pub fn step(&mut self, analysis: &Analysis, budget: usize) -> bool {
        let n = analysis.segments.len();
        let start = self.prospects.len();
        let end = n.min(start.saturating_add(budget.max(1)));
        for c in start..end {
            let prospect = self.model.as_ref().ok().and_then(|model| {
                let summary = summary(analysis, c)?;
                Some(Prospect {
                    p_alive: model.p_alive(&summary),
                    clv: model.clv_12_months(&summary).ok()?,
                })
            });
            self.prospects.push(prospect);
        }
        end == n
    }

    /// A customer's figures (by dense index): `None` when not scored or without a model.
    pub fn get(&self, customer: usize) -> Option<Prospect> {
        self.prospects.get(customer).copied().flatten()
    }

    /// Why the model has no figures (e.g. fewer than 30 repeat customers), if it has none.
    pub fn error(&self) -> Option<&PredictError> {
        self.model.as_ref().err()
    }
}

/// A scored customer's summary for the model.
fn summary(analysis: &Analysis, c: usize) -> Option<CustomerSummary> {
    analysis.segments[c].rfm.as_ref()?;
    CustomerSummary::from_days(analysis.history.days(c), analysis.as_of()).ok()
}
