//! BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a
//! customer buys at Poisson rate `λ ~ Gamma(r, α)`; after each purchase they drop out with
//! probability `p ~ Beta(a, b)`.

use super::newton::{self, Eval, LogLikelihood};
use super::special::hyp2f1_excess_at;
use super::{CustomerSummary, PredictError, TimeUnit, require_repeat_customers};

/// The four BG/NBD parameters; `alpha` is in the time unit of the fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Scale of the purchase-rate distribution (in time units).
    pub alpha: f64,
    /// First shape of the drop-out probability distribution.
    pub a: f64,
    /// Second shape of the drop-out probability distribution.
    pub b: f64,
}

/// A maximum-likelihood BG/NBD fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgNbdFit {
    /// The fitted parameters.
    pub params: BgNbdParams,
    /// The time unit `alpha` and the customers' `t_x`, `T` are in.
    pub unit: TimeUnit,
    /// The full log-likelihood at the maximum (a sum over customers, not a mean).
    pub log_likelihood: f64,
    /// Newton iterations taken.
    pub iterations: u32,
}

impl BgNbdParams {
    /// `ln[a / (b + x − 1) · ((α + T) / (α + t_x))^{r+x}]`: the log-odds of having dropped out
    /// after the last purchase (`x ≥ 1`).
    fn log_odds_dead(&self, x: u32, t_x: f64, t: f64) -> f64 {
        let rx = self.r + f64::from(x);
        self.a.ln() - (self.b + f64::from(x) - 1.0).ln()
            + rx * ((t - t_x) / (self.alpha + t_x)).ln_1p()
    }

    /// Probability that a customer with `x` repeat purchases, the last at `t_x`, is still alive
    /// at `T` (times in the fit's unit). Exactly 1 for `x = 0`, as the model lets customers
    /// drop out only right after a purchase.
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if x == 0 {
            1.0
        } else {
            1.0 / (1.0 + self.log_odds_dead(x, t_x, t).exp())
        }
    }

    /// Expected purchases in `(T, T + horizon]` for a customer with `x`, `t_x`, `T` (all in the
    /// fit's unit): FHL 2005 eq. 10,
    /// `(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive)`
    /// with `z = t / (α+T+t)`.
    ///
    /// Evaluated through Euler's transformation, `(1−z)^{r+x} ₂F₁(r+x, b+x; c; z) =
    /// (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; c; z)`, whose series does not lengthen with `x`, and
    /// with the division by `a − 1` done exactly, so `a` at or near 1 is fine.
    pub fn expected_purchases(
        &self,
        x: u32,
        t_x: f64,
        t: f64,
        horizon: f64,
    ) -> Result<f64, PredictError> {
        self.expected_purchases_by(x, t_x, t, [horizon])
            .map(|[e]| e)
    }

    /// [`Self::expected_purchases`] for several horizons at once, sharing one series pass.
    pub fn expected_purchases_by<const K: usize>(
        &self,
        x: u32,
        t_x: f64,
        t: f64,
        horizons: [f64; K],
    ) -> Result<[f64; K], PredictError> {
        if let Some(&bad) = horizons.iter().find(|h| !(**h >= 0.0 && h.is_finite())) {
            return Err(PredictError::InvalidHorizon(bad));
        }
        let BgNbdParams { r, alpha, a, b } = *self;
        let c = a + b + f64::from(x) - 1.0;
        let zs = horizons.map(|h| h / (alpha + t + h));
        let am1 = a - 1.0;
        let excess = hyp2f1_excess_at(a + b - 1.0 - r, am1, c, zs)
            .ok_or(PredictError::SeriesNotConverged)?;
        let scale = c * self.p_alive(x, t_x, t);
        Ok(std::array::from_fn(|k| {
            let ln_rest = (-zs[k]).ln_1p(); // ln(1 − z)
            // [1 − (1−z)^{a−1}] / (a − 1), → −ln(1 − z) as a → 1.
            let first = if am1 == 0.0 {
                -ln_rest
            } else {
                -(am1 * ln_rest).exp_m1() / am1
            };
            scale * (first - (am1 * ln_rest).exp() * excess[k])
        }))
    }
}

/// Fits BG/NBD by maximum likelihood to `customers`, with times in `unit`.
///
/// Errors: no customers; fewer than [`super::MIN_REPEAT_CUSTOMERS`] customers with `x ≥ 1`
/// (with none the likelihood has no maximum); no convergence.
pub fn fit(customers: &[CustomerSummary], unit: TimeUnit) -> Result<BgNbdFit, PredictError> {
    if customers.is_empty() {
        return Err(PredictError::NoCustomers);
    }
    require_repeat_customers(customers.iter().filter(|c| c.x() > 0).count())?;
    let data = Rows::new(customers, unit);
    let found =
        newton::maximize(&data, data.start()).ok_or(PredictError::NotConverged("BG/NBD"))?;
    let [r, alpha, a, b] = found.params;
    Ok(BgNbdFit {
        params: BgNbdParams { r, alpha, a, b },
        unit,
        log_likelihood: found.log_likelihood,
        iterations: found.iterations,
    })
}

/// Customers with identical `(x, t_x, T)` merged into one weighted row, sorted by `x`.
struct Rows {
    rows: Vec<Row>,
    customers: f64,
}

struct Row {
    x: u32,
    t_x: f64,
    t: f64,
    weight: f64,
}

impl Rows {
    fn new(customers: &[CustomerSummary], unit: TimeUnit) -> Self {
        let mut keys: Vec<(u32, u32, u32)> = customers
            .iter()
            .map(|c| (c.x(), c.t_x_days(), c.t_days()))
            .collect();
        crate::sorting::sort(&mut keys);
        let mut rows: Vec<Row> = Vec::with_capacity(keys.len());
        for (x, t_x, t) in keys {
            let (t_x, t) = (unit.from_days(f64::from(t_x)), unit.from_days(f64::from(t)));
            match rows.last_mut() {
                Some(last) if (last.x, last.t_x, last.t) == (x, t_x, t) => last.weight += 1.0,
                _ => rows.push(Row {
                    x,
                    t_x,
                    t,
                    weight: 1.0,
                }),
            }
        }
        Rows {
            rows,
            customers: customers.len() as f64,
        }
    }

    /// Starting values: `r = 1` with `α` matching the mean purchase rate (so the start scales
    /// with the unit), and a flat drop-out prior.
    fn start(&self) -> [f64; 4] {
        let (time, purchases) = self.rows.iter().fold((0.0, 0.0), |(t, n), row| {
            (t + row.weight * row.t, n + row.weight * f64::from(row.x))
        });
        [1.0, (time / purchases.max(1.0)).max(1e-3), 1.0, 1.0]
    }
}

impl LogLikelihood<4> for Rows {
    /// FHL 2005 eq. 6 summed over customers; parameters `[r, α, a, b]`. Per row,
    /// `LL = C_x + r ln α − (r+x) ln(α+T) + softplus(D)` with
    /// `C_x = ln Γ(r+x) − ln Γ(r) + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)` and `D` the
    /// log-odds of having dropped out (`x ≥ 1` only). Since `x` is a whole number, `C_x` and
    /// its derivatives are running sums over `i < x` of `ln(r+i)`, `ln(b+i)`, `−ln(a+b+i)`.
    fn eval(&self, p: &[f64; 4]) -> Eval<4> {
        let [r, alpha, a, b] = *p;
        let mut e = Eval::zero();
        let ln_a = a.ln();
        // Running sums for C_x: value and first/second derivatives in r, b and a+b.
        let (mut cx, mut next_i) = (0.0, 0_u32);
        let (mut dr, mut db, mut dab, mut d2r, mut d2b, mut d2ab) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for row in &self.rows {
            while next_i < row.x {
                let i = f64::from(next_i);
                let (ri, bi, abi) = (r + i, b + i, a + b + i);
                cx += ri.ln() + bi.ln() - abi.ln();
                let (ir, ib, iab) = (1.0 / ri, 1.0 / bi, 1.0 / abi);
                dr += ir;
                db += ib;
                dab -= iab;
                d2r -= ir * ir;
                d2b -= ib * ib;
                d2ab += iab * iab;
                next_i += 1;
            }
            let w = row.weight;
            let rx = r + f64::from(row.x);
            let ln_t = (alpha + row.t).ln();
            let i_t = 1.0 / (alpha + row.t);
            if row.x == 0 {
                // C_0 = 0 and there is no drop-out term.
                e.value -= w * rx * ln_t;
                e.gradient[0] -= w * ln_t;
                e.gradient[1] -= w * rx * i_t;
                e.hessian[0][1] -= w * i_t;
                e.hessian[1][1] += w * rx * i_t * i_t;
                continue;
            }
            let bx1 = b + f64::from(row.x) - 1.0;
            let ln_tx = (alpha + row.t_x).ln();
            let d = ln_a - bx1.ln() - rx * (ln_tx - ln_t);
            // softplus(D) = ln(1 + e^D) and σ(D), computed without overflow.
            let (softplus, sigma) = if d > 0.0 {
                let q = (-d).exp();
                (d + q.ln_1p(), 1.0 / (1.0 + q))
            } else {
                let q = d.exp();
                (q.ln_1p(), q / (1.0 + q))
            };
            e.value += w * (cx - rx * ln_t + softplus);
            let i_tx = 1.0 / (alpha + row.t_x);
            let dd = [ln_t - ln_tx, rx * (i_t - i_tx), 1.0 / a, -1.0 / bx1];
            let g = [
                dr - ln_t + sigma * dd[0],
                -rx * i_t + sigma * dd[1],
                dab + sigma * dd[2],
                db + dab + sigma * dd[3],
            ];
            let curvature = sigma * (1.0 - sigma);
            for i in 0..4 {
                e.gradient[i] += w * g[i];
                for j in i..4 {
                    e.hessian[i][j] += w * curvature * dd[i] * dd[j];
                }
            }
            e.hessian[0][0] += w * d2r;
            e.hessian[0][1] += w * (-i_t + sigma * (i_t - i_tx));
            e.hessian[1][1] += w * (rx * i_t * i_t + sigma * rx * (i_tx * i_tx - i_t * i_t));
            e.hessian[2][2] += w * (d2ab - sigma / (a * a));
            e.hessian[2][3] += w * d2ab;
            e.hessian[3][3] += w * (d2b + d2ab + sigma / (bx1 * bx1));
        }
        // r ln α, once per customer.
        let n = self.customers;
        e.value += n * r * alpha.ln();
        e.gradient[0] += n * alpha.ln();
        e.gradient[1] += n * r / alpha;
        e.hessian[0][1] += n / alpha;
        e.hessian[1][1] -= n * r / (alpha * alpha);
        for i in 0..4 {
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
    use crate::predict::special::hyp2f1;

    const CDNOW: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    /// FHL 2005 eq. 10 as printed, with ₂F₁ evaluated directly.
    fn expected_as_printed(p: &BgNbdParams, x: u32, t_x: f64, t: f64, h: f64) -> f64 {
        let x = f64::from(x);
        let z = h / (p.alpha + t + h);
        let f = hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1.0, z).unwrap();
        let bracket = 1.0 - ((p.alpha + t) / (p.alpha + t + h)).powf(p.r + x) * f;
        let dead = if x > 0.0 {
            p.a / (p.b + x - 1.0) * ((p.alpha + t) / (p.alpha + t_x)).powf(p.r + x)
        } else {
            0.0
        };
        (p.a + p.b + x - 1.0) / (p.a - 1.0) * bracket / (1.0 + dead)
    }

    #[test]
    fn euler_transformed_forecast_equals_the_printed_formula() {
        for (x, t_x, t, h) in [
            (0, 0.0, 38.86, 39.0),
            (2, 30.43, 38.86, 39.0),
            (7, 29.43, 38.86, 10.0),
            (1, 1.71, 20.0, 52.0),
        ] {
            let got = CDNOW.expected_purchases(x, t_x, t, h).unwrap();
            let want = expected_as_printed(&CDNOW, x, t_x, t, h);
            assert!((got - want).abs() < 1e-12 * want, "x={x}: {got} vs {want}");
        }
    }

    #[test]
    fn forecast_is_continuous_through_a_equal_one() {
        let at = |a| {
            BgNbdParams { a, ..CDNOW }
                .expected_purchases(3, 20.0, 38.0, 26.0)
                .unwrap()
        };
        let (below, exact, above) = (at(1.0 - 1e-7), at(1.0), at(1.0 + 1e-7));
        assert!(exact.is_finite() && exact > 0.0);
        assert!((below - exact).abs() < 1e-6 * exact && (above - exact).abs() < 1e-6 * exact);
    }

    #[test]
    fn p_alive_limits_and_monotonicity() {
        assert_eq!(CDNOW.p_alive(0, 0.0, 38.86), 1.0);
        assert_eq!(CDNOW.p_alive(0, 0.0, 1e6), 1.0);
        // Bought on the as-of day: the only doubt is the drop-out right after that purchase.
        let fresh = CDNOW.p_alive(3, 20.0, 20.0);
        assert!((fresh - 1.0 / (1.0 + CDNOW.a / (CDNOW.b + 2.0))).abs() < 1e-15);
        let mut previous = fresh;
        for t in [25.0, 30.0, 40.0, 80.0] {
            let p = CDNOW.p_alive(3, 20.0, t);
            assert!(
                p < previous,
                "P(alive) falls with time since the last purchase"
            );
            previous = p;
        }
        assert!(CDNOW.p_alive(3, 20.0, 1e7) < 1e-6);
        assert!(
            CDNOW.p_alive(3, 35.0, 40.0) > CDNOW.p_alive(3, 20.0, 40.0),
            "later last purchase, more alive"
        );
    }

    #[test]
    fn expected_purchases_grow_with_horizon_from_zero() {
        let c = (2, 30.43, 38.86);
        assert_eq!(CDNOW.expected_purchases(c.0, c.1, c.2, 0.0).unwrap(), 0.0);
        let mut previous = 0.0;
        for h in [1.0, 5.0, 39.0, 100.0, 500.0] {
            let e = CDNOW.expected_purchases(c.0, c.1, c.2, h).unwrap();
            assert!(e > previous);
            previous = e;
        }
        // Over a short horizon a live customer buys at the posterior mean rate (r+x)/(α+T).
        let h = 1e-4;
        let rate = (CDNOW.r + 2.0) / (CDNOW.alpha + c.2) * CDNOW.p_alive(c.0, c.1, c.2);
        assert!(
            (CDNOW.expected_purchases(c.0, c.1, c.2, h).unwrap() / h - rate).abs() < 1e-4 * rate
        );
        assert_eq!(
            CDNOW.expected_purchases(1, 2.0, 3.0, -1.0),
            Err(PredictError::InvalidHorizon(-1.0))
        );
        assert!(CDNOW.expected_purchases(1, 2.0, 3.0, f64::NAN).is_err());
    }

    fn sample() -> Vec<CustomerSummary> {
        // A deterministic spread of histories (in days) with plenty of repeat customers.
        (0..200_u32)
            .map(|i| {
                let t = 60 + (i * 37) % 300;
                let x = (i * 7) % 6;
                let t_x = if x == 0 { 0 } else { (x + (i * 13) % t).min(t) };
                CustomerSummary::new(x, t_x, t, Money(0)).unwrap()
            })
            .collect()
    }

    #[test]
    fn analytic_derivatives_match_finite_differences() {
        let rows = Rows::new(&sample(), TimeUnit::Weeks);
        newton::assert_derivatives_match(&rows, [0.7, 3.0, 1.3, 2.2]);
        newton::assert_derivatives_match(&rows, [2.5, 40.0, 0.4, 0.8]);
    }

    #[test]
    fn fit_is_a_maximum_and_scales_alpha_with_the_unit() {
        let customers = sample();
        let weeks = fit(&customers, TimeUnit::Weeks).unwrap();
        let days = fit(&customers, TimeUnit::Days).unwrap();
        let (pw, pd) = (weeks.params, days.params);
        let close = |u: f64, v: f64| (u - v).abs() < 1e-6 * v;
        assert!(
            close(pd.alpha, 7.0 * pw.alpha)
                && close(pd.r, pw.r)
                && close(pd.a, pw.a)
                && close(pd.b, pw.b)
        );
        let rows = Rows::new(&customers, TimeUnit::Weeks);
        let at = |p: [f64; 4]| rows.eval(&p).value;
        let best = [pw.r, pw.alpha, pw.a, pw.b];
        assert!((at(best) - weeks.log_likelihood).abs() < 1e-9);
        for i in 0..4 {
            for f in [0.98, 1.02] {
                let mut q = best;
                q[i] *= f;
                assert!(at(q) < weeks.log_likelihood);
            }
        }
    }

    #[test]
    fn refuses_too_little_data() {
        assert_eq!(fit(&[], TimeUnit::Days), Err(PredictError::NoCustomers));
        let one_timers: Vec<_> = (1..100)
            .map(|t| CustomerSummary::new(0, 0, t, Money(0)).unwrap())
            .collect();
        assert_eq!(
            fit(&one_timers, TimeUnit::Days),
            Err(PredictError::TooLittleData {
                repeat_customers: 0,
                needed: 30
            })
        );
        let mut few = one_timers;
        few.extend((0..29).map(|i| CustomerSummary::new(1, 5 + i, 90, Money(0)).unwrap()));
        assert_eq!(
            fit(&few, TimeUnit::Days),
            Err(PredictError::TooLittleData {
                repeat_customers: 29,
                needed: 30
            })
        );
    }
}
