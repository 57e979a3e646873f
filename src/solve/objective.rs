//! The objective the baselines minimize: a twice-differentiable L: Rⁿ → R with its gradient and
//! Hessian, plus the coordinates that second-order methods move (a continuous symmetry of L makes
//! ∇²L singular along its orbits; fixing a gauge removes those directions).
//!
//! Implemented for the hand-derived AION [`Problem`] and for two closed-form test problems with
//! known minima ([`Quadratic`], [`Rosenbrock`]); another model implements it to get every baseline.

use crate::aion::model::Problem;
use faer::Mat;
use std::cell::Cell;

/// A smooth objective L: Rⁿ → R.
pub trait Objective {
    /// Number of parameters n.
    fn dim(&self) -> usize;
    /// L(θ).
    fn loss(&self, theta: &[f64]) -> f64;
    /// (L(θ), ∇L(θ)).
    fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>);
    /// (L(θ), ∇L(θ), ∇²L(θ)), exact.
    fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>);
    /// The coordinates, in increasing order, that second-order methods (damped Newton, Newton–CG)
    /// and the minimum test move and inspect; the others are held fixed to remove a continuous
    /// symmetry of L. All coordinates by default.
    fn gauge_free(&self) -> Vec<usize> {
        (0..self.dim()).collect()
    }
}

/// AION's squared-error loss with the product-scale gauge of [`crate::aion::model::Shape::gauge_free`].
impl Objective for Problem {
    fn dim(&self) -> usize {
        self.shape.n_params()
    }
    fn loss(&self, theta: &[f64]) -> f64 {
        Problem::loss(self, theta)
    }
    fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        Problem::gradient(self, theta)
    }
    fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        Problem::hessian(self, theta)
    }
    fn gauge_free(&self) -> Vec<usize> {
        self.shape.gauge_free()
    }
}

/// Calls of an objective by kind: `loss` (L only), `gradient` (L and ∇L), `hessian` (L, ∇L and
/// ∇²L).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    /// Calls of [`Objective::loss`].
    pub loss: usize,
    /// Calls of [`Objective::gradient`].
    pub gradient: usize,
    /// Calls of [`Objective::hessian`].
    pub hessian: usize,
}

impl Calls {
    /// Every call, whatever its kind.
    pub fn total(&self) -> usize {
        self.loss + self.gradient + self.hessian
    }
    /// Calls that computed ∇L (gradient and Hessian calls).
    pub fn gradients(&self) -> usize {
        self.gradient + self.hessian
    }
}

/// An objective that counts its calls, so that a method's reported cost is the count of what it
/// actually asked for, not its own bookkeeping.
pub struct Counted<'o, O: Objective + ?Sized> {
    inner: &'o O,
    calls: Cell<Calls>,
}

impl<'o, O: Objective + ?Sized> Counted<'o, O> {
    /// Wrap `inner` with zero counts.
    pub fn new(inner: &'o O) -> Self {
        Self {
            inner,
            calls: Cell::new(Calls::default()),
        }
    }
    /// The calls so far.
    pub fn calls(&self) -> Calls {
        self.calls.get()
    }
    fn bump(&self, f: impl FnOnce(&mut Calls)) {
        let mut c = self.calls.get();
        f(&mut c);
        self.calls.set(c);
    }
}

impl<O: Objective + ?Sized> Objective for Counted<'_, O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn loss(&self, theta: &[f64]) -> f64 {
        self.bump(|c| c.loss += 1);
        self.inner.loss(theta)
    }
    fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        self.bump(|c| c.gradient += 1);
        self.inner.gradient(theta)
    }
    fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        self.bump(|c| c.hessian += 1);
        self.inner.hessian(theta)
    }
    fn gauge_free(&self) -> Vec<usize> {
        self.inner.gauge_free()
    }
}

/// L(θ) = ½(θ − θ*)ᵀA(θ − θ*) with A symmetric positive definite: minimum 0 at θ*, ∇L = A(θ − θ*),
/// ∇²L = A (written about θ*, so that L and its decrease are computed without cancellation).
#[derive(Clone, Debug)]
pub struct Quadratic {
    /// A (n × n, symmetric positive definite).
    pub a: Mat<f64>,
    /// θ* (n).
    pub minimizer: Vec<f64>,
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.minimizer.len()
    }
    fn loss(&self, theta: &[f64]) -> f64 {
        self.gradient(theta).0
    }
    fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let n = self.dim();
        let e: Vec<f64> = theta
            .iter()
            .zip(&self.minimizer)
            .map(|(t, m)| t - m)
            .collect();
        let ae: Vec<f64> = (0..n)
            .map(|r| (0..n).map(|c| self.a[(r, c)] * e[c]).sum())
            .collect();
        let l = 0.5 * e.iter().zip(&ae).map(|(x, y)| x * y).sum::<f64>();
        (l, ae)
    }
    fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        let (l, g) = self.gradient(theta);
        (l, g, self.a.clone())
    }
}

/// The Rosenbrock function L(x, y) = (1 − x)² + 100(y − x²)²: minimum 0 at (1, 1), in a curved
/// narrow valley (Rosenbrock 1960; Nocedal & Wright, *Numerical Optimization*, 2nd ed., (2.22)).
#[derive(Clone, Copy, Debug, Default)]
pub struct Rosenbrock;

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        2
    }
    fn loss(&self, t: &[f64]) -> f64 {
        (1.0 - t[0]).powi(2) + 100.0 * (t[1] - t[0] * t[0]).powi(2)
    }
    fn gradient(&self, t: &[f64]) -> (f64, Vec<f64>) {
        let (x, y) = (t[0], t[1]);
        let v = y - x * x;
        (
            self.loss(t),
            vec![-2.0 * (1.0 - x) - 400.0 * x * v, 200.0 * v],
        )
    }
    fn hessian(&self, t: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        let (l, g) = self.gradient(t);
        let (x, y) = (t[0], t[1]);
        let h = [
            [2.0 - 400.0 * y + 1200.0 * x * x, -400.0 * x],
            [-400.0 * x, 200.0],
        ];
        (l, g, Mat::from_fn(2, 2, |r, c| h[r][c]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of the gradient and the Hessian of an objective, h = 1e-6: the
    /// truncation error is O(h²·L''') ≈ 1e-10 and the rounding error O(ε·L/h) ≈ 1e-10 for values of
    /// order 1, so 1e-6 relative to the entry's scale separates a correct derivative from a wrong one.
    fn check_derivatives(o: &dyn Objective, at: &[f64]) {
        let h = 1e-6;
        let (_, g, hess) = o.hessian(at);
        for k in 0..o.dim() {
            let mut p = at.to_vec();
            let mut m = at.to_vec();
            p[k] += h;
            m[k] -= h;
            let fd = (o.loss(&p) - o.loss(&m)) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() <= 1e-6 * (1.0 + g[k].abs()),
                "∂{k}: {fd} vs {}",
                g[k]
            );
            let (gp, gm) = (o.gradient(&p).1, o.gradient(&m).1);
            for r in 0..o.dim() {
                let fd = (gp[r] - gm[r]) / (2.0 * h);
                let e = hess[(r, k)];
                assert!(
                    (fd - e).abs() <= 1e-6 * (1.0 + e.abs()),
                    "∂²{r}{k}: {fd} vs {e}"
                );
            }
        }
    }

    #[test]
    fn closed_form_derivatives_match_central_differences() {
        check_derivatives(&Rosenbrock, &[-1.2, 1.0]);
        check_derivatives(&Rosenbrock, &[0.3, -0.4]);
        let q = Quadratic {
            a: Mat::from_fn(3, 3, |r, c| if r == c { 2.0 + r as f64 } else { 0.5 }),
            minimizer: vec![1.0, -2.0, 0.5],
        };
        check_derivatives(&q, &[0.1, 0.2, -0.3]);
    }

    #[test]
    fn counted_counts_every_call_by_kind() {
        let c = Counted::new(&Rosenbrock);
        c.loss(&[0.0, 0.0]);
        c.gradient(&[0.0, 0.0]);
        c.gradient(&[1.0, 0.0]);
        c.hessian(&[0.0, 1.0]);
        let k = c.calls();
        assert_eq!((k.loss, k.gradient, k.hessian), (1, 2, 1));
        assert_eq!((k.total(), k.gradients()), (4, 3));
    }
}
