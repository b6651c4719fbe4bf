//! Probabilistic customer-base model (docs/segmentation.md): BG/NBD for how often customers buy and whether
//! they are still customers, Gamma-Gamma for how much they spend, and the 12-month CLV.
//!
//! Flow: reduce each customer's purchase days to a [`CustomerSummary`]
//! ([`CustomerSummary::from_days`]), fit a [`Model`] on all of them ([`Model::fit`], or the
//! two halves alone with [`bgnbd::fit`] and [`gamma_gamma::fit`]), then ask the model per
//! customer ([`Model::p_alive`], [`Model::expected_purchases`], [`Model::clv_12_months`],
//! [`Model::forecast`]); [`outlook::Outlook`] does all of it for a day's analysis. With fewer
//! than [`MIN_REPEAT_CUSTOMERS`] repeat customers the fits
//! return [`PredictError::TooLittleData`] and the app shows no numbers.
//!
//! **Optimiser.** Both likelihoods are maximised by damped Newton in log-parameters (which
//! keeps every parameter positive) with analytic gradients and Hessians, a Cholesky step
//! shifted towards the gradient when the Hessian is not definite, and Armijo backtracking
//! (module `newton`). With 3–4 parameters a Newton step costs nothing next to one pass over the
//! customers, and it converges quadratically in about ten passes where a quasi-Newton method
//! (L-BFGS in `argmin`, or scipy's in `lifetimes`) needs several dozen. The passes are cheap
//! too: BG/NBD rows with equal `(x, t_x, T)` are merged, the gamma-function terms depend on
//! `x` only (running sums for BG/NBD, where `x` is whole; once per distinct `x` for
//! Gamma-Gamma), leaving one or two logarithms per row. It is plain arithmetic with no clock,
//! thread or allocation per iteration, so it runs unchanged in the wasm app. The derivatives
//! are checked against finite differences in the tests.

pub mod bgnbd;
pub mod gamma_gamma;
mod model;
mod newton;
pub mod outlook;
pub mod special;
mod summary;

pub use bgnbd::{BgNbdFit, BgNbdParams};
pub use gamma_gamma::{GammaGammaFit, GammaGammaParams};
pub use model::{CLV_MONTHS, DAYS_PER_MONTH, Forecast, MONTHLY_DISCOUNT, Model};
pub use summary::{CustomerSummary, TimeUnit};

/// Fewest repeat customers (`x ≥ 1`; for Gamma-Gamma, also with positive repeat spend) a fit
/// accepts.
pub const MIN_REPEAT_CUSTOMERS: usize = 30;

/// Why a summary, fit or forecast could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PredictError {
    /// A customer's purchase days are not strictly increasing (at this index).
    #[error(
        "purchase days must be distinct and sorted by date (day {index} is not after the one before)"
    )]
    UnsortedDays {
        /// Index of the first day that is not after its predecessor.
        index: usize,
    },
    /// A customer has no purchase day on or before the as-of date.
    #[error("no purchase day on or before the as-of date")]
    NoPurchaseDays,
    /// `x`, `t_x` and `T` cannot come from a list of purchase days.
    #[error("inconsistent customer summary: x = {x}, t_x = {t_x_days} days, T = {t_days} days")]
    InconsistentSummary {
        /// Repeat purchase days.
        x: u32,
        /// Days from first to last purchase.
        t_x_days: u32,
        /// Days from first purchase to the as-of date.
        t_days: u32,
    },
    /// Nothing to fit.
    #[error("no customers to fit")]
    NoCustomers,
    /// Too few repeat customers for the model to say anything reliable.
    #[error("too little data: {repeat_customers} repeat customers, at least {needed} needed")]
    TooLittleData {
        /// Repeat customers available to the fit.
        repeat_customers: usize,
        /// [`MIN_REPEAT_CUSTOMERS`].
        needed: usize,
    },
    /// The optimiser found no maximum (the named model).
    #[error("the {0} fit did not converge")]
    NotConverged(&'static str),
    /// The fitted spend distribution has no finite mean (`q ≤ 1`).
    #[error("the fitted spend model has no finite mean (q = {q})")]
    InfiniteMeanSpend {
        /// The fitted Gamma-Gamma `q`.
        q: f64,
    },
    /// A forecast horizon that is negative or not a number.
    #[error("forecast horizon must be a non-negative number, not {0}")]
    InvalidHorizon(f64),
    /// The hypergeometric series of the forecast did not converge (horizon far beyond `α + T`).
    #[error("the forecast series did not converge")]
    SeriesNotConverged,
}

/// The too-little-data rule: `Ok` with at least [`MIN_REPEAT_CUSTOMERS`] repeat customers.
fn require_repeat_customers(repeat_customers: usize) -> Result<(), PredictError> {
    if repeat_customers < MIN_REPEAT_CUSTOMERS {
        Err(PredictError::TooLittleData {
            repeat_customers,
            needed: MIN_REPEAT_CUSTOMERS,
        })
    } else {
        Ok(())
    }
}
