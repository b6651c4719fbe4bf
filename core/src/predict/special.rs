//! The Gaussian hypergeometric function ₂F₁ for real arguments inside the unit disc.
//!
//! No well-kept pure-Rust crate offers ₂F₁ (the candidates bind GSL through C or pull in
//! BLAS/LAPACK), so this is the defining power series, summed with Neumaier compensation and a
//! tail bound as the stopping rule. The BG/NBD forecast needs it only for `0 ≤ z < 1`, where
//! every term past the first few has the same sign, so the sum loses no precision to
//! cancellation. Its cost grows like `1 / (1 − z)`: about 450 terms at `z = 0.92`.
//!
//! The log-gamma, digamma and trigamma functions come from the `special` crate.

/// The most terms summed before giving up (reached only for `z` within ~4·10⁻⁵ of 1).
const MAX_TERMS: u32 = 1_000_000;

/// `₂F₁(a, b; c; z)` for real `a`, `b`, `c` and `−1 < z < 1`.
///
/// `None` when `|z| ≥ 1`, when `c` is zero or a negative integer (a pole), or when the series
/// has not converged after a million terms.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    Some(1.0 + b * hyp2f1_excess(a, b, c, z)?)
}

/// `(₂F₁(a, b; c; z) − 1) / b`, summed without dividing by `b`, so it stays exact as `b → 0`:
/// `Σ_{n≥1} (a)_n (b+1)_{n−1} / ((c)_n n!) zⁿ`. Same domain and `None` cases as [`hyp2f1`].
///
/// The BG/NBD forecast divides `1 − (1−z)^{a−1} ₂F₁(…, a−1; …)` by `a − 1`; this form keeps
/// that quotient accurate for a fitted `a` at or near 1.
pub fn hyp2f1_excess(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    hyp2f1_excess_at(a, b, c, [z]).map(|[sum]| sum)
}

/// [`hyp2f1_excess`] at several `z` in one pass: the coefficients are shared, so `K` values
/// cost little more than the one with the largest `|z|` (the 12 month-ends of a CLV).
/// `None` if any `z` is outside the domain or any series fails to converge.
pub fn hyp2f1_excess_at<const K: usize>(a: f64, b: f64, c: f64, zs: [f64; K]) -> Option<[f64; K]> {
    let valid = [a, b, c].iter().chain(&zs).all(|v| v.is_finite())
        && zs.iter().all(|z| z.abs() < 1.0)
        && !(c <= 0.0 && c == c.floor());
    if !valid {
        return None;
    }
    let largest = a.abs().max(b.abs()).max(c.abs());
    let mut term = zs.map(|z| a * z / c);
    let (mut sum, mut compensation) = ([0.0_f64; K], [0.0_f64; K]);
    let mut done = zs.map(|z| z == 0.0);
    for n in 1..=MAX_TERMS {
        let nf = f64::from(n);
        let coefficient_ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0));
        let mut all_done = true;
        for k in 0..K {
            if done[k] {
                continue;
            }
            // Neumaier's compensated summation.
            let next = sum[k] + term[k];
            compensation[k] += if sum[k].abs() >= term[k].abs() {
                (sum[k] - next) + term[k]
            } else {
                (term[k] - next) + sum[k]
            };
            sum[k] = next;
            if !next.is_finite() {
                return None;
            }
            let ratio = coefficient_ratio * zs[k];
            term[k] *= ratio;
            // Past the largest parameter the term ratio tends monotonically to z, so every
            // later ratio is at most max(|ratio|, |z|) and the tail is bounded by a geometric
            // series.
            let bound = ratio.abs().max(zs[k].abs());
            let settled = bound < 1.0 && nf > largest;
            done[k] = term[k] == 0.0
                || (settled && term[k].abs() / (1.0 - bound) <= f64::EPSILON * 0.5 * sum[k].abs());
            all_done &= done[k];
        }
        if all_done {
            let total: [f64; K] = std::array::from_fn(|k| sum[k] + compensation[k]);
            return total.iter().all(|t| t.is_finite()).then_some(total);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "got {got:e}, want {want:e}"
        );
    }

    #[test]
    fn matches_closed_forms() {
        for z in [-0.9, -0.3, 0.01, 0.5, 0.9, 0.99] {
            // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
            close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), -(-z).ln_1p() / z, 1e-14);
            // ₂F₁(a, b; b; z) = (1 − z)^(−a)
            close(
                hyp2f1(0.37, 2.5, 2.5, z).unwrap(),
                (1.0 - z).powf(-0.37),
                1e-14,
            );
            // ₂F₁(1/2, 1; 3/2; −s²) = atan(s) / s with s² = |z|
            let s = z.abs().sqrt();
            close(
                hyp2f1(0.5, 1.0, 1.5, -z.abs()).unwrap(),
                s.atan() / s,
                1e-14,
            );
            // ₂F₁(1/2, 1/2; 3/2; s²) = asin(s) / s
            close(hyp2f1(0.5, 0.5, 1.5, z.abs()).unwrap(), s.asin() / s, 1e-13);
        }
        assert_eq!(hyp2f1(3.0, 4.0, 5.0, 0.0), Some(1.0));
    }

    #[test]
    fn matches_reference_values() {
        // Reference values from mpmath.hyp2f1 at 30 significant digits, rounded to f64.
        let cases = [
            (0.7, 2.3, 1.9, 0.85, 5.723_727_726_653_592),
            (1.5, -0.3, 4.2, 0.97, 0.869_115_421_863_741_6),
            (30.2, 31.5, 29.8, 0.4, 12_047_874.259_542_616),
            (0.25, 1.5, 2.75, -0.6, 0.933_691_945_615_141),
            (2.0, 3.0, -1.5, 0.3, 127.513_742_980_053_4),
        ];
        for (a, b, c, z, want) in cases {
            close(hyp2f1(a, b, c, z).unwrap(), want, 1e-13);
        }
    }

    #[test]
    fn terminating_series_are_polynomials() {
        // ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
        let (b, c, z) = (1.5, 2.5, 0.7);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        close(hyp2f1(-2.0, b, c, z).unwrap(), want, 1e-15);
        close(hyp2f1(b, -2.0, c, z).unwrap(), want, 1e-15);
    }

    #[test]
    fn excess_is_the_difference_quotient_and_finite_at_b_zero() {
        let (a, c, z) = (1.3, 2.1, 0.8);
        for b in [0.5, -0.25, 1e-3] {
            close(
                hyp2f1_excess(a, b, c, z).unwrap(),
                (hyp2f1(a, b, c, z).unwrap() - 1.0) / b,
                1e-10,
            );
        }
        // As b → 0 the quotient tends to Σ (a)_n (n−1)! / ((c)_n n!) zⁿ, here with a = c:
        // Σ zⁿ / n = −ln(1 − z).
        close(
            hyp2f1_excess(2.0, 0.0, 2.0, z).unwrap(),
            -(-z).ln_1p(),
            1e-14,
        );
    }

    #[test]
    fn several_arguments_at_once_match_one_at_a_time() {
        let zs = [0.0, 0.1, -0.4, 0.6, 0.93];
        let together = hyp2f1_excess_at(1.7, -0.2, 3.4, zs).unwrap();
        for (z, got) in zs.iter().zip(together) {
            assert_eq!(got, hyp2f1_excess(1.7, -0.2, 3.4, *z).unwrap(), "z = {z}");
        }
        assert_eq!(hyp2f1_excess_at(1.0, 1.0, 2.0, [0.5, 1.0]), None);
    }

    #[test]
    fn rejects_arguments_outside_the_domain() {
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 1.0), None);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, -1.5), None);
        assert_eq!(hyp2f1(1.0, 1.0, 0.0, 0.5), None);
        assert_eq!(hyp2f1(1.0, 1.0, -3.0, 0.5), None);
        assert_eq!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5), None);
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, f64::INFINITY), None);
    }
}
