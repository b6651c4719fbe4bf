//! Maximum likelihood over a few positive parameters: damped Newton in log-parameters with
//! analytic gradient and Hessian, a modified Cholesky step and Armijo backtracking.

/// A log-likelihood with its first and second derivatives in the natural parameters.
pub(crate) trait LogLikelihood<const N: usize> {
    /// The log-likelihood at `params` with its gradient and Hessian.
    fn eval(&self, params: &[f64; N]) -> Eval<N>;
}

/// A value with its gradient and Hessian.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Eval<const N: usize> {
    pub value: f64,
    pub gradient: [f64; N],
    pub hessian: [[f64; N]; N],
}

impl<const N: usize> Eval<N> {
    /// All zero, ready to accumulate into.
    pub(crate) fn zero() -> Self {
        Eval {
            value: 0.0,
            gradient: [0.0; N],
            hessian: [[0.0; N]; N],
        }
    }
}

/// The maximum found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Maximum<const N: usize> {
    pub params: [f64; N],
    pub log_likelihood: f64,
    pub iterations: u32,
}

const MAX_ITERATIONS: u32 = 200;
/// Converged when every log-parameter gradient is this small relative to `1 + |LL|`.
const GRADIENT_TOLERANCE: f64 = 1e-9;
/// A gradient small enough to accept when rounding stops the line search.
const STALL_TOLERANCE: f64 = 1e-5;
/// The largest change of one log-parameter in a step (a factor of e² ≈ 7.4).
const MAX_STEP: f64 = 2.0;

/// Maximises `ll` over positive parameters from `start`, working in `θ = ln(params)` so every
/// trial point is positive. `None` when it does not converge or the likelihood is not finite.
pub(crate) fn maximize<const N: usize>(
    ll: &impl LogLikelihood<N>,
    start: [f64; N],
) -> Option<Maximum<N>> {
    let mut theta = start.map(f64::ln);
    let mut here = negated_in_logs(ll, &theta);
    if !here.value.is_finite() {
        return None;
    }
    for iteration in 0..MAX_ITERATIONS {
        let gradient_norm = here.gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        if !gradient_norm.is_finite() {
            return None;
        }
        if gradient_norm <= GRADIENT_TOLERANCE * (1.0 + here.value.abs()) {
            return Some(Maximum {
                params: theta.map(f64::exp),
                log_likelihood: -here.value,
                iterations: iteration,
            });
        }
        let mut step = newton_step(&here.hessian, &here.gradient)?;
        let longest = step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
        if longest > MAX_STEP {
            step = step.map(|s| s * MAX_STEP / longest);
        }
        let slope: f64 = step.iter().zip(&here.gradient).map(|(s, g)| s * g).sum();
        let mut length = 1.0;
        loop {
            // The full step is almost always taken, so the trial point gets the derivatives too.
            let trial: [f64; N] = std::array::from_fn(|i| theta[i] + length * step[i]);
            let there = negated_in_logs(ll, &trial);
            if there.value.is_finite() && there.value <= here.value + 1e-4 * length * slope {
                (theta, here) = (trial, there);
                break;
            }
            length *= 0.5;
            if length < 1e-10 {
                // Rounding, not the model, stops progress: accept a near-stationary point.
                let stalled = gradient_norm <= STALL_TOLERANCE * (1.0 + here.value.abs());
                return stalled.then(|| Maximum {
                    params: theta.map(f64::exp),
                    log_likelihood: -here.value,
                    iterations: iteration,
                });
            }
        }
    }
    None
}

/// `−LL(e^θ)` with its derivatives in `θ` (chain rule: `∂/∂θᵢ = pᵢ ∂/∂pᵢ`).
fn negated_in_logs<const N: usize>(ll: &impl LogLikelihood<N>, theta: &[f64; N]) -> Eval<N> {
    let p = theta.map(f64::exp);
    let e = ll.eval(&p);
    Eval {
        value: -e.value,
        gradient: std::array::from_fn(|i| -p[i] * e.gradient[i]),
        hessian: std::array::from_fn(|i| {
            std::array::from_fn(|j| {
                let diagonal = if i == j { p[i] * e.gradient[i] } else { 0.0 };
                -(p[i] * p[j] * e.hessian[i][j] + diagonal)
            })
        }),
    }
}

/// The descent step `−(H + μI)⁻¹ g`, with the smallest shift `μ ≥ 0` tried (doubling from a
/// small multiple of the diagonal) that makes `H + μI` positive definite.
fn newton_step<const N: usize>(hessian: &[[f64; N]; N], gradient: &[f64; N]) -> Option<[f64; N]> {
    let scale = (0..N)
        .fold(0.0_f64, |m, i| m.max(hessian[i][i].abs()))
        .max(1e-12);
    let mut shift = 0.0;
    for _ in 0..80 {
        let mut shifted = *hessian;
        for (i, row) in shifted.iter_mut().enumerate() {
            row[i] += shift;
        }
        if let Some(solution) = cholesky_solve(shifted, gradient) {
            return Some(solution.map(|s| -s));
        }
        shift = if shift == 0.0 {
            1e-8 * scale
        } else {
            shift * 4.0
        };
    }
    None
}

/// Solves `A s = g` for a symmetric positive definite `A`; `None` when `A` is not.
fn cholesky_solve<const N: usize>(mut a: [[f64; N]; N], g: &[f64; N]) -> Option<[f64; N]> {
    // In place: the lower triangle of `a` becomes L with A = L Lᵀ.
    for j in 0..N {
        let d = a[j][j] - (0..j).map(|k| a[j][k] * a[j][k]).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        a[j][j] = d.sqrt();
        for i in j + 1..N {
            a[i][j] = (a[i][j] - (0..j).map(|k| a[i][k] * a[j][k]).sum::<f64>()) / a[j][j];
        }
    }
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (g[i] - (0..i).map(|k| a[i][k] * y[k]).sum::<f64>()) / a[i][i];
    }
    let mut s = [0.0; N];
    for i in (0..N).rev() {
        s[i] = (y[i] - (i + 1..N).map(|k| a[k][i] * s[k]).sum::<f64>()) / a[i][i];
    }
    Some(s)
}

/// Test support: the analytic derivatives of a log-likelihood against central differences.
#[cfg(test)]
pub(crate) fn assert_derivatives_match<const N: usize>(ll: &impl LogLikelihood<N>, at: [f64; N]) {
    let analytic = ll.eval(&at);
    let shifted = |i: usize, h: f64| {
        let mut p = at;
        p[i] += h;
        ll.eval(&p)
    };
    for (i, &x) in at.iter().enumerate() {
        let h = 1e-5 * x;
        let (up, down) = (shifted(i, h), shifted(i, -h));
        let numeric = (up.value - down.value) / (2.0 * h);
        let tol = 1e-6 * (1.0 + analytic.gradient[i].abs());
        assert!(
            (numeric - analytic.gradient[i]).abs() < tol,
            "∂{i}: {numeric} vs {}",
            analytic.gradient[i]
        );
        for j in 0..N {
            let numeric = (up.gradient[j] - down.gradient[j]) / (2.0 * h);
            let tol = 1e-5 * (1.0 + analytic.hessian[i][j].abs());
            assert!(
                (numeric - analytic.hessian[i][j]).abs() < tol,
                "∂{i}∂{j}: {numeric} vs {}",
                analytic.hessian[i][j]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log-likelihood of Gamma(shape k, rate λ) for a fixed sample: a smooth, concave-ish
    /// two-parameter problem with a known maximum (λ = k / mean).
    struct GammaSample(Vec<f64>);

    impl LogLikelihood<2> for GammaSample {
        fn eval(&self, p: &[f64; 2]) -> Eval<2> {
            use special::Gamma;
            let [k, rate] = *p;
            let n = self.0.len() as f64;
            let (sum, sum_ln) = self
                .0
                .iter()
                .fold((0.0, 0.0), |(s, l), x| (s + x, l + x.ln()));
            let mut e = Eval::zero();
            e.value = n * (k * rate.ln() - Gamma::ln_gamma(k).0) + (k - 1.0) * sum_ln - rate * sum;
            e.gradient = [n * (rate.ln() - k.digamma()) + sum_ln, n * k / rate - sum];
            e.hessian = [
                [-n * k.trigamma(), n / rate],
                [n / rate, -n * k / (rate * rate)],
            ];
            e
        }
    }

    #[test]
    fn finds_the_gamma_maximum_likelihood() {
        let sample = GammaSample(vec![0.8, 1.9, 2.4, 3.3, 0.5, 1.2, 4.1, 2.2, 1.7, 0.9]);
        assert_derivatives_match(&sample, [1.7, 0.6]);
        let found = maximize(&sample, [1.0, 1.0]).expect("converges");
        let [k, rate] = found.params;
        let mean = sample.0.iter().sum::<f64>() / sample.0.len() as f64;
        assert!(
            (rate - k / mean).abs() < 1e-9,
            "rate {rate}, k/mean {}",
            k / mean
        );
        let grad = sample.eval(&found.params).gradient;
        assert!(grad.iter().all(|g| g.abs() < 1e-7), "{grad:?}");
        // Nearby points are worse.
        for (dk, dr) in [(1.01, 1.0), (0.99, 1.0), (1.0, 1.01), (1.0, 0.99)] {
            assert!(sample.eval(&[k * dk, rate * dr]).value < found.log_likelihood);
        }
    }

    #[test]
    fn solves_positive_definite_systems_and_rejects_indefinite_ones() {
        let a = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let s = cholesky_solve(a, &[1.0, 2.0, 3.0]).unwrap();
        for i in 0..3 {
            let back: f64 = (0..3).map(|j| a[i][j] * s[j]).sum();
            assert!((back - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        assert!(cholesky_solve([[1.0, 2.0], [2.0, 1.0]], &[1.0, 1.0]).is_none());
        // The shifted step still descends on an indefinite Hessian.
        let step = newton_step(&[[1.0, 2.0], [2.0, 1.0]], &[1.0, -0.5]).unwrap();
        assert!(step[0] * 1.0 + step[1] * -0.5 < 0.0);
    }

    #[test]
    fn reports_no_maximum_for_an_unbounded_likelihood() {
        struct Unbounded;
        impl LogLikelihood<1> for Unbounded {
            fn eval(&self, p: &[f64; 1]) -> Eval<1> {
                // ln p: grows without bound.
                Eval {
                    value: p[0].ln(),
                    gradient: [1.0 / p[0]],
                    hessian: [[-1.0 / (p[0] * p[0])]],
                }
            }
        }
        assert!(maximize(&Unbounded, [1.0]).is_none());
    }
}
