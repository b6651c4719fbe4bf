//! Gamma-Gamma spend model (Fader & Hardie, note 025; Fader, Hardie & Lee 2005b, "RFM and CLV"):
//! a customer's spends are Gamma(p, ν) with mean `p/ν`, and `ν ~ Gamma(q, v)` across customers.
//! Fitted on the mean spend per repeat purchase day of customers with `x ≥ 1` and positive
//! repeat spend.

use super::newton::{self, Eval, LogLikelihood};
use super::{CustomerSummary, PredictError, require_repeat_customers};
use special::Gamma;

/// The three Gamma-Gamma parameters; `v` is in the money's minor units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaGammaParams {
    /// Shape of each customer's spend distribution.
    pub p: f64,
    /// Shape of the distribution of the customers' spend rates `ν`.
    pub q: f64,
    /// Scale of the distribution of `ν` (minor units).
    pub v: f64,
}

/// A maximum-likelihood Gamma-Gamma fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaGammaFit {
    /// The fitted parameters.
    pub params: GammaGammaParams,
    /// Customers the fit used (`x ≥ 1` and positive repeat spend).
    pub customers: usize,
    /// The full log-likelihood at the maximum (a sum over customers, not a mean).
    pub log_likelihood: f64,
    /// Newton iterations taken.
    pub iterations: u32,
}

impl GammaGammaParams {
    /// The population mean spend per purchase, `p v / (q − 1)`; `None` (infinite) when `q ≤ 1`.
    pub fn mean_spend(&self) -> Option<f64> {
        self.expected_spend(0, 0.0)
    }

    /// Expected spend per purchase of a customer with `x` repeat purchase days averaging
    /// `mean_spend` (minor units): `(p v + p x m) / (p x + q − 1)`, a weighted mean of the
    /// population mean and the customer's own. For `x = 0` it is the population mean.
    /// `None` when `p x + q ≤ 1` (an infinite expectation).
    pub fn expected_spend(&self, x: u32, mean_spend: f64) -> Option<f64> {
        let px = self.p * f64::from(x);
        let denominator = px + self.q - 1.0;
        (denominator > 0.0).then(|| (self.p * self.v + px * mean_spend) / denominator)
    }
}

/// Fits Gamma-Gamma by maximum likelihood on the customers with `x ≥ 1` and positive repeat
/// spend (the others are left out).
///
/// Errors: no customers; fewer than [`super::MIN_REPEAT_CUSTOMERS`] usable customers; no
/// convergence.
pub fn fit(customers: &[CustomerSummary]) -> Result<GammaGammaFit, PredictError> {
    if customers.is_empty() {
        return Err(PredictError::NoCustomers);
    }
    let data = Groups::new(customers);
    require_repeat_customers(data.totals.len())?;
    let found =
        newton::maximize(&data, data.start()).ok_or(PredictError::NotConverged("Gamma-Gamma"))?;
    let [p, q, v] = found.params;
    Ok(GammaGammaFit {
        params: GammaGammaParams { p, q, v },
        customers: data.totals.len(),
        log_likelihood: found.log_likelihood,
        iterations: found.iterations,
    })
}

/// `ln Γ(x)` for `x > 0` (named in full: std may gain an `f64::ln_gamma` of its own).
fn ln_gamma(x: f64) -> f64 {
    Gamma::ln_gamma(x).0
}

/// The usable customers' total repeat spends (`x m`), sorted by `x`, and per-`x` constants.
struct Groups {
    totals: Vec<f64>,
    groups: Vec<Group>,
}

struct Group {
    x: f64,
    customers: f64,
    /// Index range into `totals`.
    start: usize,
    end: usize,
    /// Σ ln(x m) and Σ ln m over the group.
    sum_ln_total: f64,
    sum_ln_mean: f64,
}

impl Groups {
    fn new(customers: &[CustomerSummary]) -> Self {
        let mut rows: Vec<(u32, f64)> = customers
            .iter()
            .filter(|c| c.x() > 0 && c.repeat_spend().minor() > 0)
            .map(|c| (c.x(), c.repeat_spend().minor() as f64))
            .collect();
        crate::sorting::sort_by_key(&mut rows, |row| row.0);
        let mut groups: Vec<Group> = Vec::new();
        for (i, &(x, total)) in rows.iter().enumerate() {
            let x = f64::from(x);
            if groups.last().is_none_or(|g| g.x != x) {
                groups.push(Group {
                    x,
                    customers: 0.0,
                    start: i,
                    end: i,
                    sum_ln_total: 0.0,
                    sum_ln_mean: 0.0,
                });
            }
            let g = groups.last_mut().expect("pushed above");
            g.customers += 1.0;
            g.end = i + 1;
            g.sum_ln_total += total.ln();
            g.sum_ln_mean += (total / x).ln();
        }
        Groups {
            totals: rows.into_iter().map(|(_, total)| total).collect(),
            groups,
        }
    }

    /// Starting values: `p = 1`, `q = 2` and `v` the mean of the customers' mean spends, which
    /// makes the starting population mean `p v / (q − 1)` match the data (and scale with the
    /// currency unit).
    fn start(&self) -> [f64; 3] {
        let sum: f64 = self
            .groups
            .iter()
            .map(|g| self.totals[g.start..g.end].iter().sum::<f64>() / g.x)
            .sum();
        [1.0, 2.0, sum / self.totals.len() as f64]
    }
}

impl LogLikelihood<3> for Groups {
    /// Note 025 eq. 3 summed over customers; parameters `[p, q, v]`. Per customer,
    /// `LL = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)`.
    /// The gamma-function terms depend on `x` only, so they are computed once per group.
    fn eval(&self, params: &[f64; 3]) -> Eval<3> {
        let [p, q, v] = *params;
        let ln_v = v.ln();
        let mut e = Eval::zero();
        let (ln_gamma_q, digamma_q, trigamma_q) = (ln_gamma(q), q.digamma(), q.trigamma());
        for g in &self.groups {
            let (px, n) = (p * g.x, g.customers);
            let shape = px + q;
            let (mut sum_ln, mut sum_inv, mut sum_inv2) = (0.0, 0.0, 0.0);
            for &total in &self.totals[g.start..g.end] {
                let s = total + v;
                sum_ln += s.ln();
                let inv = 1.0 / s;
                sum_inv += inv;
                sum_inv2 += inv * inv;
            }
            e.value += n * (ln_gamma(shape) - ln_gamma(px) - ln_gamma_q + q * ln_v)
                + px * g.sum_ln_total
                - g.sum_ln_mean
                - shape * sum_ln;
            let (digamma_shape, trigamma_shape) = (shape.digamma(), shape.trigamma());
            e.gradient[0] += g.x * (n * (digamma_shape - px.digamma()) + g.sum_ln_total - sum_ln);
            e.gradient[1] += n * (digamma_shape - digamma_q + ln_v) - sum_ln;
            e.gradient[2] += n * q / v - shape * sum_inv;
            e.hessian[0][0] += n * g.x * g.x * (trigamma_shape - px.trigamma());
            e.hessian[0][1] += n * g.x * trigamma_shape;
            e.hessian[0][2] -= g.x * sum_inv;
            e.hessian[1][1] += n * (trigamma_shape - trigamma_q);
            e.hessian[1][2] += n / v - sum_inv;
            e.hessian[2][2] += -n * q / (v * v) + shape * sum_inv2;
        }
        for i in 0..3 {
            for j in 0..i {
                e.hessian[i][j] = e.hessian[j][i];
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;

    fn sample() -> Vec<CustomerSummary> {
        // Deterministic spends around 100.00 with per-customer levels; some one-time buyers and
        // a zero-spend repeat customer, both of which the fit must leave out.
        let mut customers: Vec<_> = (0..120_u32)
            .map(|i| {
                let x = 1 + i % 5;
                let level = 6_000 + (i * 7919) % 9_000;
                let total = i64::from(x) * i64::from(level) + i64::from((i * 31) % 500);
                CustomerSummary::new(x, 10 * x, 400, Money(total)).unwrap()
            })
            .collect();
        customers
            .extend((0..50).map(|t| CustomerSummary::new(0, 0, 100 + t, Money::ZERO).unwrap()));
        customers.push(CustomerSummary::new(2, 30, 90, Money::ZERO).unwrap());
        customers
    }

    #[test]
    fn analytic_derivatives_match_finite_differences() {
        let groups = Groups::new(&sample());
        assert_eq!(groups.totals.len(), 120);
        newton::assert_derivatives_match(&groups, [3.0, 4.5, 2_000.0]);
        newton::assert_derivatives_match(&groups, [0.6, 1.5, 40.0]);
    }

    #[test]
    fn fit_is_a_maximum_and_v_scales_with_the_money_unit() {
        let customers = sample();
        let found = fit(&customers).unwrap();
        assert_eq!(found.customers, 120);
        let groups = Groups::new(&customers);
        let GammaGammaParams { p, q, v } = found.params;
        for (i, f) in [
            (0, 0.99),
            (0, 1.01),
            (1, 0.99),
            (1, 1.01),
            (2, 0.99),
            (2, 1.01),
        ] {
            let mut at = [p, q, v];
            at[i] *= f;
            assert!(groups.eval(&at).value < found.log_likelihood);
        }
        // The same spends (to the nearest major unit) counted in major units: about the same
        // shapes, v a hundred times smaller.
        let scaled: Vec<_> = customers
            .iter()
            .map(|c| {
                CustomerSummary::new(
                    c.x(),
                    c.t_x_days(),
                    c.t_days(),
                    Money(c.repeat_spend().minor() / 100),
                )
                .unwrap()
            })
            .collect();
        let coarse = fit(&scaled).unwrap().params;
        assert!((coarse.p - p).abs() < 0.05 * p && (coarse.v * 100.0 - v).abs() < 0.05 * v);
    }

    #[test]
    fn expected_spend_shrinks_towards_the_population_mean() {
        let gg = GammaGammaParams {
            p: 6.25,
            q: 3.74,
            v: 15.44,
        };
        let population = gg.mean_spend().unwrap();
        assert!((population - 6.25 * 15.44 / 2.74).abs() < 1e-12);
        assert_eq!(gg.expected_spend(0, 123.0), Some(population));
        let (one, many) = (
            gg.expected_spend(1, 100.0).unwrap(),
            gg.expected_spend(50, 100.0).unwrap(),
        );
        assert!(
            population < one && one < many && many < 100.0,
            "more purchases, closer to the customer's own mean"
        );
        assert_eq!(GammaGammaParams { q: 0.9, ..gg }.mean_spend(), None);
    }

    #[test]
    fn refuses_too_little_data() {
        assert_eq!(fit(&[]), Err(PredictError::NoCustomers));
        let one_timers: Vec<_> = (1..60)
            .map(|t| CustomerSummary::new(0, 0, t, Money::ZERO).unwrap())
            .collect();
        assert_eq!(
            fit(&one_timers),
            Err(PredictError::TooLittleData {
                repeat_customers: 0,
                needed: 30
            })
        );
        let free_repeats: Vec<_> = (0..40)
            .map(|_| CustomerSummary::new(1, 3, 9, Money::ZERO).unwrap())
            .collect();
        assert_eq!(
            fit(&free_repeats),
            Err(PredictError::TooLittleData {
                repeat_customers: 0,
                needed: 30
            })
        );
    }
}
