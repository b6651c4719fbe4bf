//! The fitted customer-base model the app shows: BG/NBD and Gamma-Gamma together, with the
//! per-customer forecasts and the 12-month CLV of docs/segmentation.md.

use super::bgnbd::{self, BgNbdFit};
use super::gamma_gamma::{self, GammaGammaFit};
use super::{CustomerSummary, PredictError, TimeUnit};
use crate::domain::Money;

/// Months the CLV sums over.
pub const CLV_MONTHS: usize = 12;
/// Days in a CLV month.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
/// Monthly discount rate of the CLV.
pub const MONTHLY_DISCOUNT: f64 = 0.01;

/// BG/NBD and Gamma-Gamma fitted on the same customers. Built only by [`Model::fit`], which
/// guarantees a finite population mean spend (`q > 1`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Model {
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
}

/// One customer's forecast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forecast {
    /// Probability the customer is still a customer at the as-of date.
    pub p_alive: f64,
    /// Expected purchase days in the requested horizon.
    pub expected_purchases: f64,
    /// Expected spend per purchase day, minor units.
    pub expected_spend: f64,
    /// Predicted value of the next 12 months, discounted (docs/segmentation.md).
    pub clv_12_months: Money,
}

impl Model {
    /// Fits both models on `customers` (times in `unit`).
    ///
    /// Errors: as [`bgnbd::fit`] and [`gamma_gamma::fit`], notably
    /// [`PredictError::TooLittleData`] with fewer than 30 repeat customers, when the app says
    /// so instead of showing numbers; [`PredictError::InfiniteMeanSpend`] when the fitted
    /// spend distribution has no mean.
    pub fn fit(customers: &[CustomerSummary], unit: TimeUnit) -> Result<Model, PredictError> {
        let bgnbd = bgnbd::fit(customers, unit)?;
        let gamma_gamma = gamma_gamma::fit(customers)?;
        let q = gamma_gamma.params.q;
        gamma_gamma
            .params
            .mean_spend()
            .ok_or(PredictError::InfiniteMeanSpend { q })?;
        Ok(Model { bgnbd, gamma_gamma })
    }

    /// The BG/NBD fit.
    pub fn bgnbd(&self) -> &BgNbdFit {
        &self.bgnbd
    }

    /// The Gamma-Gamma fit.
    pub fn gamma_gamma(&self) -> &GammaGammaFit {
        &self.gamma_gamma
    }

    /// Probability that `customer` is alive at the as-of date.
    pub fn p_alive(&self, customer: &CustomerSummary) -> f64 {
        let unit = self.bgnbd.unit;
        self.bgnbd
            .params
            .p_alive(customer.x(), customer.t_x(unit), customer.t(unit))
    }

    /// Expected purchase days of `customer` in the `days` after the as-of date.
    pub fn expected_purchases(
        &self,
        customer: &CustomerSummary,
        days: f64,
    ) -> Result<f64, PredictError> {
        let unit = self.bgnbd.unit;
        self.bgnbd.params.expected_purchases(
            customer.x(),
            customer.t_x(unit),
            customer.t(unit),
            unit.from_days(days),
        )
    }

    /// Expected spend per purchase day of `customer` (minor units): the Gamma-Gamma
    /// conditional mean given their mean repeat spend (taken as 0 when refunds made it
    /// negative); the population mean for one-time buyers.
    pub fn expected_spend(&self, customer: &CustomerSummary) -> Result<f64, PredictError> {
        let own = customer.mean_repeat_spend().unwrap_or(0.0).max(0.0);
        let gg = &self.gamma_gamma.params;
        gg.expected_spend(customer.x(), own)
            .ok_or(PredictError::InfiniteMeanSpend { q: gg.q })
    }

    /// Predicted CLV over 12 months: `Σ_{k=1..12} spend × (E[purchases by the end of month k]
    /// − E[… month k−1]) / 1.01^k`, a month being 365.25/12 days; rounded to the minor unit.
    pub fn clv_12_months(&self, customer: &CustomerSummary) -> Result<Money, PredictError> {
        let spend = self.expected_spend(customer)?;
        let unit = self.bgnbd.unit;
        let month_ends: [f64; CLV_MONTHS] =
            std::array::from_fn(|k| unit.from_days((k + 1) as f64 * DAYS_PER_MONTH));
        let by_end = self.bgnbd.params.expected_purchases_by(
            customer.x(),
            customer.t_x(unit),
            customer.t(unit),
            month_ends,
        )?;
        let mut before = 0.0;
        let mut discount = 1.0;
        let mut value = 0.0;
        for cumulative in by_end {
            discount /= 1.0 + MONTHLY_DISCOUNT;
            value += spend * (cumulative - before) * discount;
            before = cumulative;
        }
        Ok(Money(value.round() as i64))
    }

    /// Everything the customer card shows, with expected purchases over `horizon_days`.
    pub fn forecast(
        &self,
        customer: &CustomerSummary,
        horizon_days: f64,
    ) -> Result<Forecast, PredictError> {
        Ok(Forecast {
            p_alive: self.p_alive(customer),
            expected_purchases: self.expected_purchases(customer, horizon_days)?,
            expected_spend: self.expected_spend(customer)?,
            clv_12_months: self.clv_12_months(customer)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::{BgNbdParams, GammaGammaParams};

    /// A model with chosen parameters, as if fitted.
    fn model(bg: BgNbdParams, gg: GammaGammaParams) -> Model {
        Model {
            bgnbd: BgNbdFit {
                params: bg,
                unit: TimeUnit::Days,
                log_likelihood: 0.0,
                iterations: 0,
            },
            gamma_gamma: GammaGammaFit {
                params: gg,
                customers: 0,
                log_likelihood: 0.0,
                iterations: 0,
            },
        }
    }

    #[test]
    fn clv_of_a_hand_computed_case() {
        // With a + b − 1 − r = 0 the (Euler-transformed) ₂F₁ in the forecast is 1, and for
        // x = 0 the expected purchases reduce to E(t) = (a+b−1)/(a−1) · [1 − (1−z)^{a−1}],
        // z = t / (α+T+t); with a = 2, b = 1, r = 2 this is E(t) = 2t / (α+T+t).
        // Take α = 10 days and T = 20 days.
        let m = model(
            BgNbdParams {
                r: 2.0,
                alpha: 10.0,
                a: 2.0,
                b: 1.0,
            },
            GammaGammaParams {
                p: 2.0,
                q: 3.0,
                v: 100.0,
            },
        );
        let customer = CustomerSummary::new(0, 0, 20, Money::ZERO).unwrap();
        let e = |t: f64| 2.0 * t / (30.0 + t);
        for t in [1.0, 30.0, 365.0] {
            assert!((m.expected_purchases(&customer, t).unwrap() - e(t)).abs() < 1e-12);
        }
        // Population mean spend p v / (q − 1) = 100 minor units per purchase.
        assert_eq!(m.expected_spend(&customer).unwrap(), 100.0);
        let month = 365.25 / 12.0;
        let by_hand: f64 = (1..=12)
            .map(|k| 100.0 * (e(k as f64 * month) - e((k - 1) as f64 * month)) / 1.01_f64.powi(k))
            .sum();
        // Worked through once more in Python: 180.595…, so 181 minor units.
        assert!((by_hand - 180.595).abs() < 0.001, "{by_hand}");
        assert_eq!(
            m.clv_12_months(&customer).unwrap(),
            Money(by_hand.round() as i64)
        );
    }

    #[test]
    fn repeat_customers_use_their_own_spend_and_refunds_do_not_go_negative() {
        let m = model(
            BgNbdParams {
                r: 0.5,
                alpha: 20.0,
                a: 0.8,
                b: 2.5,
            },
            GammaGammaParams {
                p: 6.0,
                q: 4.0,
                v: 300.0,
            },
        );
        let big = CustomerSummary::new(3, 60, 90, Money(3 * 5_000)).unwrap();
        let refunded = CustomerSummary::new(3, 60, 90, Money(-200)).unwrap();
        let gg = m.gamma_gamma.params;
        assert_eq!(
            m.expected_spend(&big).unwrap(),
            gg.expected_spend(3, 5_000.0).unwrap()
        );
        assert_eq!(
            m.expected_spend(&refunded).unwrap(),
            gg.expected_spend(3, 0.0).unwrap()
        );
        let (rich, poor) = (
            m.clv_12_months(&big).unwrap(),
            m.clv_12_months(&refunded).unwrap(),
        );
        assert!(rich > poor && poor > Money::ZERO);
        let f = m.forecast(&big, 30.0).unwrap();
        assert_eq!((f.p_alive, f.clv_12_months), (m.p_alive(&big), rich));
        assert_eq!(
            f.expected_purchases,
            m.expected_purchases(&big, 30.0).unwrap()
        );
    }
}
