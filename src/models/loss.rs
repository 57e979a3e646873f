//! Binary margin losses and the closed-form robust linear loss.
//!
//! For a decreasing margin loss ℓ and perturbations ‖δ‖_p ≤ ε of the input,
//! max_{‖δ‖_p ≤ ε} ℓ(y⟨w, x + δ⟩) = ℓ(y⟨w, x⟩ − ε‖w‖_q) with 1/p + 1/q = 1
//! (Tsilivis, Frank, Srebro & Kempe 2024, arXiv 2406.04981, eq. (1); `../shared/papers/06`).
//! Data convention: `x` is n × d (row i is sample x_i), labels `y_i ∈ {−1, +1}`.

use super::multiclass::{log_softplus, log_sum_exp, softplus};
use super::{Evaluated, Model, OnData};
use crate::norms::{Entrywise, Norm};
use faer::Mat;

/// A decreasing binary margin loss ℓ(z) of the margin z = y f(x).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginLoss {
    /// ℓ(z) = log(1 + e^{−z}).
    Logistic,
    /// ℓ(z) = e^{−z}.
    Exponential,
}

impl MarginLoss {
    /// ℓ(z), computed stably.
    pub fn value(self, z: f64) -> f64 {
        match self {
            MarginLoss::Logistic => {
                if z > 0.0 {
                    (-z).exp().ln_1p()
                } else {
                    -z + z.exp().ln_1p()
                }
            }
            MarginLoss::Exponential => (-z).exp(),
        }
    }
    /// ℓ'(z) (negative).
    pub fn derivative(self, z: f64) -> f64 {
        match self {
            MarginLoss::Logistic => {
                // −1/(1 + e^{z}), stably.
                if z > 0.0 {
                    let e = (-z).exp();
                    -e / (1.0 + e)
                } else {
                    -1.0 / (1.0 + z.exp())
                }
            }
            MarginLoss::Exponential => -(-z).exp(),
        }
    }
    /// log ℓ(z), finite however large z is (ℓ itself underflows past z ≈ 745).
    pub fn log_value(self, z: f64) -> f64 {
        match self {
            MarginLoss::Logistic => log_softplus(-z),
            MarginLoss::Exponential => -z,
        }
    }
    /// log|ℓ'(z)|: log σ(−z) = −softplus(z) for the logistic loss, −z for the exponential.
    pub fn log_neg_derivative(self, z: f64) -> f64 {
        match self {
            MarginLoss::Logistic => -softplus(z),
            MarginLoss::Exponential => -z,
        }
    }
    /// The name (`logistic`, `exponential`).
    pub fn name(self) -> &'static str {
        match self {
            MarginLoss::Logistic => "logistic",
            MarginLoss::Exponential => "exponential",
        }
    }
}

/// The empirical risk (1/n) Σ_i ℓ(z_i) of margins z_i = y_i f_i and its derivative with respect to
/// the outputs: ∂/∂f_i = ℓ'(z_i) y_i / n.
pub fn risk_and_output_grad(loss: MarginLoss, f: &[f64], y: &[f64]) -> (f64, Vec<f64>) {
    let n = f.len() as f64;
    let mut total = 0.0;
    let g = f
        .iter()
        .zip(y)
        .map(|(&fi, &yi)| {
            let z = yi * fi;
            total += loss.value(z);
            loss.derivative(z) * yi / n
        })
        .collect();
    (total / n, g)
}

/// [`risk_and_output_grad`] in scaled form, exact when ℓ and ℓ' underflow (margins past ~745):
/// (log of the risk, g̃, s) with ∂/∂f_i = g̃_i·e^{s} and max_i |g̃_i| = 1 (s = max_i log|ℓ'(z_i)| −
/// log n, the shift of file 00 gotcha 7.1 for a binary margin loss).
pub fn log_risk_and_scaled_output_grad(
    loss: MarginLoss,
    f: &[f64],
    y: &[f64],
) -> (f64, Vec<f64>, f64) {
    let n = f.len() as f64;
    let z: Vec<f64> = f.iter().zip(y).map(|(&fi, &yi)| yi * fi).collect();
    let log_risk = log_sum_exp(z.iter().map(|&zi| loss.log_value(zi))) - n.ln();
    let logs: Vec<f64> = z.iter().map(|&zi| loss.log_neg_derivative(zi)).collect();
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let g = logs
        .iter()
        .zip(y)
        .map(|(&l, &yi)| -(l - top).exp() * yi)
        .collect();
    (log_risk, g, top - n.ln())
}

/// A linear classifier x ↦ ⟨w, x⟩ trained on the robust loss
/// L(w) = (1/n) Σ_i ℓ(y_i⟨w, x_i⟩ − ε‖w‖_q), the worst case over ‖δ_i‖_p ≤ ε.
/// The penalty ‖w‖_q is the dual norm of the perturbation norm ‖·‖_p, and its (sub)gradient is the
/// perturbation norm's dualizer at w (the worst-case direction).
///
/// Where the penalty is not differentiable the subgradient returned is the one of least norm.
/// For ℓ∞ perturbations (penalty ε‖w‖₁) at coordinates with w_j = 0, ∂_j L is the interval
/// a_j ± εc (a = (1/n) Σ_i ℓ'(z_i) y_i x_i, c = −(1/n) Σ_i ℓ'(z_i) > 0), and the entry returned is
/// its element closest to 0, sign(a_j)·max(|a_j| − εc, 0): steepest descent (e.g. Gauss–Southwell
/// coordinate descent, which moves the coordinate of largest |∂_j L|) then never moves a zero
/// coordinate along which L increases in both directions.
#[derive(Debug)]
pub struct RobustLinear {
    /// ℓ.
    pub loss: MarginLoss,
    /// ε ≥ 0.
    pub eps: f64,
    /// The perturbation exponent p ∈ [1, ∞].
    pub p: f64,
    /// The perturbation norm ‖·‖_p (its dual norm is the penalty).
    pub perturbation: Box<dyn Norm>,
}

impl RobustLinear {
    /// The model for ℓp perturbations (p ∈ [1, ∞]) of radius ε.
    pub fn lp(loss: MarginLoss, eps: f64, p: f64) -> Self {
        Self {
            loss,
            eps,
            p,
            perturbation: Box::new(Entrywise::vector(p)),
        }
    }
    /// The penalty ε‖w‖_q.
    pub fn penalty(&self, w: &Mat<f64>) -> f64 {
        self.eps * self.perturbation.dual_norm(w.as_ref())
    }
    /// The robust margins y_i⟨w, x_i⟩ − ε‖w‖_q.
    pub fn robust_margins(&self, w: &Mat<f64>, x: &Mat<f64>, y: &[f64]) -> Vec<f64> {
        let f = x * w;
        let pen = self.penalty(w);
        (0..x.nrows()).map(|i| y[i] * f[(i, 0)] - pen).collect()
    }
    /// The robust loss of one sample, ℓ(y⟨w, x⟩ − ε‖w‖_q), with `x` a d × 1 column.
    pub fn sample_loss(&self, w: &Mat<f64>, x: &Mat<f64>, y: f64) -> f64 {
        self.loss
            .value(y * crate::norms::inner(w.as_ref(), x.as_ref()) - self.penalty(w))
    }
    /// L(w) and ∇L(w) = (1/n) Σ_i ℓ'(z_i)(y_i x_i − ε ∂‖w‖_q), z_i the robust margins (the
    /// least-norm subgradient at zero coordinates for ℓ∞ perturbations, see the type's docs).
    pub fn loss_and_grad(&self, w: &Mat<f64>, x: &Mat<f64>, y: &[f64]) -> (f64, Mat<f64>) {
        let z = self.robust_margins(w, x, y);
        let n = z.len() as f64;
        let mut total = 0.0;
        let mut coef = Mat::<f64>::zeros(x.nrows(), 1);
        let mut sum_dl = 0.0;
        for (i, &zi) in z.iter().enumerate() {
            total += self.loss.value(zi);
            let dl = self.loss.derivative(zi) / n;
            coef[(i, 0)] = dl * y[i];
            sum_dl += dl;
        }
        let mut g = x.transpose() * &coef;
        if self.eps > 0.0 {
            let dir = self.perturbation.dualize(w.as_ref());
            let pull = -self.eps * sum_dl; // εc ≥ 0
            if self.p.is_infinite() {
                // ∂‖w‖₁: sign(w_j) where w_j ≠ 0, the least-norm choice in [−1, 1] where w_j = 0.
                for j in 0..g.nrows() {
                    let a = g[(j, 0)];
                    g[(j, 0)] = if w[(j, 0)] != 0.0 {
                        a + pull * w[(j, 0)].signum()
                    } else {
                        a.signum() * (a.abs() - pull).max(0.0)
                    };
                }
            } else {
                g += faer::Scale(pull) * &dir;
            }
        }
        (total / n, g)
    }
}

/// The robust linear model on data: one parameter block w (d × 1).
impl Model for OnData<'_, RobustLinear> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        self.shapes.to_vec()
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
        let (loss, g) = self.model.loss_and_grad(&params[0], self.x, self.y);
        Evaluated::plain(loss, vec![g])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    pub(crate) fn gauss(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
        Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
    }

    /// Worst relative error of `grad` against central differences of `f` over all entries of all
    /// parameter matrices.
    pub(crate) fn fd_error(
        params: &[Mat<f64>],
        f: &dyn Fn(&[Mat<f64>]) -> f64,
        grad: &[Mat<f64>],
    ) -> f64 {
        let h = 1e-6;
        let mut worst: f64 = 0.0;
        let scale = grad
            .iter()
            .map(|g| g.norm_max())
            .fold(0.0, f64::max)
            .max(1e-12);
        for (k, p) in params.iter().enumerate() {
            for i in 0..p.nrows() {
                for j in 0..p.ncols() {
                    let mut plus = params.to_vec();
                    plus[k][(i, j)] += h;
                    let mut minus = params.to_vec();
                    minus[k][(i, j)] -= h;
                    let fd = (f(&plus) - f(&minus)) / (2.0 * h);
                    worst = worst.max((fd - grad[k][(i, j)]).abs() / scale);
                }
            }
        }
        worst
    }

    #[test]
    fn losses_and_derivatives() {
        for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
            for z in [-30.0, -2.0, -0.3, 0.0, 0.7, 5.0, 40.0] {
                let h = 1e-6;
                let fd = (loss.value(z + h) - loss.value(z - h)) / (2.0 * h);
                let d = loss.derivative(z);
                assert!((fd - d).abs() <= 1e-6 * (1.0 + d.abs()), "{loss:?} at {z}");
            }
        }
        assert!((MarginLoss::Logistic.value(0.0) - 2f64.ln()).abs() < 1e-15);
        assert!(MarginLoss::Logistic.value(800.0) >= 0.0);
        assert!(MarginLoss::Logistic.value(-800.0).is_finite());
    }

    #[test]
    fn linf_robust_subgradient_at_zero_coordinates_has_least_norm() {
        // At w with zero entries, the returned entry is the element of [a_j − εc, a_j + εc]
        // closest to 0: zero where L increases along ±e_j, else the one-sided slope of descent.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (n, d) = (9, 6);
        let x = gauss(&mut rng, n, d);
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        let mut w = gauss(&mut rng, d, 1);
        w[(1, 0)] = 0.0;
        w[(4, 0)] = 0.0;
        for eps in [0.05, 0.3, 2.0] {
            let m = RobustLinear::lp(MarginLoss::Logistic, eps, f64::INFINITY);
            let (l0, g) = m.loss_and_grad(&w, &x, &y);
            for j in [1, 4] {
                let h = 1e-7;
                let step = |s: f64| {
                    let mut v = w.clone();
                    v[(j, 0)] = s * h;
                    (m.loss_and_grad(&v, &x, &y).0 - l0) / h
                };
                // one-sided slopes: right = a_j + εc, left = −(a_j − εc)
                let (right, left) = (step(1.0), step(-1.0));
                let least = if right >= 0.0 && left >= 0.0 {
                    0.0
                } else if right < 0.0 {
                    right
                } else {
                    -left
                };
                assert!(
                    (g[(j, 0)] - least).abs() <= 1e-5 * (1.0 + least.abs()),
                    "eps {eps} coordinate {j}: {} vs {least}",
                    g[(j, 0)]
                );
            }
        }
    }

    #[test]
    fn robust_linear_gradient_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (n, d) = (7, 5);
        let x = gauss(&mut rng, n, d);
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
            for p in [1.0, 2.0, 3.0, f64::INFINITY] {
                let m = RobustLinear::lp(loss, 0.1, p);
                let w = gauss(&mut rng, d, 1);
                let (_, g) = m.loss_and_grad(&w, &x, &y);
                let f = |ps: &[Mat<f64>]| m.loss_and_grad(&ps[0], &x, &y).0;
                let err = fd_error(std::slice::from_ref(&w), &f, &[g]);
                assert!(err < 1e-6, "{loss:?} p={p}: {err}");
            }
        }
    }
}
