//! The model applied to a day's analysis: each scored customer's probability of being alive and
//! 12-month CLV, for the customer card and for ranking the day's regular contacts (SPEC §2:
//! expected value = CLV × P(alive)).
//!
//! The model is fitted in weeks on every customer the analysis scored (a purchase day in the
//! window), as the CDNOW reference fit is. The work is split so that it can run elsewhere than
//! the analysis: [`Inputs::of`] reduces the analysis to four columns of numbers, [`Fitted`]
//! fits and predicts from them alone, a part of the rows at a time (the app runs it in a wasm
//! module of its own, loaded after the first screen), and [`Outlook::new`] puts the figures
//! back by customer. With too little
//! data the outlook keeps the reason ([`Outlook::error`]) and every customer's figures are
//! `None`, so the app says "not enough data yet" instead of showing numbers.

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

/// What the model reads: one row per scored customer, as columns of plain numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inputs {
    /// The customers' dense indices in the analysis.
    pub customers: Vec<u32>,
    /// Repeat purchase days (`x`).
    pub x: Vec<u32>,
    /// Days from the first to the last purchase day (`t_x`).
    pub t_x_days: Vec<u32>,
    /// Days from the first purchase day to the as-of date (`T`).
    pub t_days: Vec<u32>,
    /// Spend on the repeat purchase days, in minor units (exact in an `f64` below 2⁵³).
    pub repeat_spend: Vec<f64>,
}

impl Inputs {
    /// The scored customers of an analysis.
    pub fn of(analysis: &Analysis) -> Inputs {
        let mut inputs = Inputs::default();
        for c in 0..analysis.segments.len() {
            if analysis.segments[c].rfm.is_none() {
                continue;
            }
            let Ok(s) = CustomerSummary::from_days(analysis.history.days(c), analysis.as_of())
            else {
                continue;
            };
            inputs.customers.push(c as u32);
            inputs.x.push(s.x());
            inputs.t_x_days.push(s.t_x_days());
            inputs.t_days.push(s.t_days());
            inputs.repeat_spend.push(s.repeat_spend().0 as f64);
        }
        inputs
    }
}

/// Fits the model on the rows (`x`, `t_x`, `T` in days, repeat spend in minor units) and
/// returns each row's P(alive) and 12-month CLV in minor units, interleaved
/// (`[p₀, clv₀, p₁, clv₁, …]`; a row whose CLV cannot be worked out gets a negative CLV):
/// [`Fitted::new`] then [`Fitted::figures`] for every row.
///
/// Errors: as [`Fitted::new`].
pub fn figures(
    x: &[u32],
    t_x_days: &[u32],
    t_days: &[u32],
    repeat_spend: &[f64],
) -> Result<Vec<f64>, PredictError> {
    let fitted = Fitted::new(x, t_x_days, t_days, repeat_spend)?;
    Ok(fitted.figures(0, fitted.len()))
}

/// The model fitted on a set of rows, kept with them so that their figures can be worked out a
/// part at a time ([`Fitted::figures`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    model: Model,
    rows: Vec<CustomerSummary>,
}

impl Fitted {
    /// Fits the model on the rows (`x`, `t_x`, `T` in days, repeat spend in minor units).
    ///
    /// Errors: columns of different lengths or an inconsistent row
    /// ([`PredictError::InconsistentSummary`]), and the fit's errors, notably too few repeat
    /// customers.
    pub fn new(
        x: &[u32],
        t_x_days: &[u32],
        t_days: &[u32],
        repeat_spend: &[f64],
    ) -> Result<Fitted, PredictError> {
        let n = x.len();
        if t_x_days.len() != n || t_days.len() != n || repeat_spend.len() != n {
            return Err(PredictError::InconsistentSummary {
                x: n as u32,
                t_x_days: t_x_days.len() as u32,
                t_days: t_days.len() as u32,
            });
        }
        let rows = (0..n)
            .map(|i| {
                CustomerSummary::new(x[i], t_x_days[i], t_days[i], Money(repeat_spend[i] as i64))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let model = Model::fit(&rows, TimeUnit::Weeks)?;
        Ok(Fitted { model, rows })
    }

    /// How many rows it was fitted on.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when fitted on no rows (never: a fit needs 30 repeat customers).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// P(alive) and CLV of the rows `from..to` (clamped to the rows), interleaved as
    /// [`figures`] returns them.
    pub fn figures(&self, from: usize, to: usize) -> Vec<f64> {
        let to = to.min(self.rows.len());
        let rows = self.rows.get(from.min(to)..to).unwrap_or_default();
        let mut out = Vec::with_capacity(2 * rows.len());
        for s in rows {
            out.push(self.model.p_alive(s));
            out.push(self.model.clv_12_months(s).map_or(-1.0, |clv| clv.0 as f64));
        }
        out
    }
}

/// The model's figures for every customer of one analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outlook {
    /// Why there are no figures, when there are none.
    error: Option<String>,
    /// Per customer (dense index), when scored and the model fitted.
    prospects: Vec<Option<Prospect>>,
}

impl Outlook {
    /// Fits the model on the analysis's scored customers and works out each one's figures,
    /// here and now.
    pub fn of(analysis: &Analysis) -> Outlook {
        let inputs = Inputs::of(analysis);
        let result = figures(
            &inputs.x,
            &inputs.t_x_days,
            &inputs.t_days,
            &inputs.repeat_spend,
        )
        .map_err(|e| e.to_string());
        Outlook::new(analysis.segments.len(), &inputs, result)
    }

    /// The outlook of an analysis of `customers` customers from what [`figures`] returned for
    /// its `inputs` (or why there are none: the model could not be fitted or run).
    pub fn new(customers: usize, inputs: &Inputs, figures: Result<Vec<f64>, String>) -> Outlook {
        let mut prospects = vec![None; customers];
        let figures = match figures {
            Ok(f) if f.len() == 2 * inputs.customers.len() => f,
            Ok(_) => return Outlook::unavailable("the model returned the wrong number of figures"),
            Err(error) => return Outlook::unavailable(&error),
        };
        for (&c, pair) in inputs.customers.iter().zip(figures.chunks_exact(2)) {
            if let (Some(slot), true) = (prospects.get_mut(c as usize), pair[1] >= 0.0) {
                *slot = Some(Prospect {
                    p_alive: pair[0],
                    clv: Money(pair[1] as i64),
                });
            }
        }
        Outlook {
            error: None,
            prospects,
        }
    }

    /// An outlook without figures, saying why.
    pub fn unavailable(why: &str) -> Outlook {
        Outlook {
            error: Some(why.to_owned()),
            prospects: Vec::new(),
        }
    }

    /// A customer's figures (by dense index): `None` when not scored or without a model.
    pub fn get(&self, customer: usize) -> Option<Prospect> {
        self.prospects.get(customer).copied().flatten()
    }

    /// Why there are no figures (e.g. fewer than 30 repeat customers), if there are none.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}
