//! Two-layer homogeneous networks f(x) = aᵀσ(Wx) (Lyu & Li 2020; Tsilivis et al., homogeneous Adam
//! and Muon, `../shared/papers/02`). With σ positively homogeneous of degree p, f is homogeneous of
//! degree L = p + 1 in θ = (W, a): f(cθ; x) = c^L f(θ; x) for c > 0.

use super::loss::{log_risk_and_scaled_output_grad, risk_and_output_grad, MarginLoss};
use super::{Evaluated, Model, OnData};
use faer::Mat;

/// The activation σ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// σ(z) = max(z, 0), degree 1.
    Relu,
    /// σ(z) = max(z, 0)², degree 2 (C¹, the smooth case of the theory).
    SquaredRelu,
    /// σ(z) = z², degree 2.
    Quadratic,
}

impl Activation {
    /// σ(z).
    pub fn value(self, z: f64) -> f64 {
        match self {
            Activation::Relu => z.max(0.0),
            Activation::SquaredRelu => z.max(0.0).powi(2),
            Activation::Quadratic => z * z,
        }
    }
    /// σ'(z) (0 at the kink of ReLU).
    pub fn derivative(self, z: f64) -> f64 {
        match self {
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::SquaredRelu => 2.0 * z.max(0.0),
            Activation::Quadratic => 2.0 * z,
        }
    }
    /// The homogeneity degree p of σ.
    pub fn degree(self) -> u32 {
        match self {
            Activation::Relu => 1,
            Activation::SquaredRelu | Activation::Quadratic => 2,
        }
    }
    /// The name (`relu`, `squared-relu`, `quadratic`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::SquaredRelu => "squared-relu",
            Activation::Quadratic => "quadratic",
        }
    }
}

/// f(x) = aᵀσ(Wx) with W: h × d and a: h × 1; parameters are `[W, a]`.
#[derive(Clone, Copy, Debug)]
pub struct TwoLayer {
    /// σ.
    pub activation: Activation,
    /// The binary loss.
    pub loss: MarginLoss,
}

impl TwoLayer {
    /// The homogeneity degree L = deg σ + 1 of f in θ = (W, a).
    pub fn degree(&self) -> u32 {
        self.activation.degree() + 1
    }
    /// The parameter shapes for input dimension d and width h.
    pub fn shapes(d: usize, h: usize) -> Vec<(usize, usize)> {
        vec![(h, d), (h, 1)]
    }
    /// The outputs f(x_i) for the rows of x (n × d).
    pub fn outputs(&self, params: &[Mat<f64>], x: &Mat<f64>) -> Vec<f64> {
        let z = x * params[0].transpose();
        let s = Mat::from_fn(z.nrows(), z.ncols(), |i, k| {
            self.activation.value(z[(i, k)])
        });
        let f = &s * &params[1];
        (0..f.nrows()).map(|i| f[(i, 0)]).collect()
    }
    /// The per-sample output gradients ∇_θ f(x_i; θ) = [∂W, ∂a] for the rows x_i of x:
    /// ∂a = σ(W x_i), ∂W = (a ⊙ σ'(W x_i)) x_iᵀ.
    pub fn output_gradients(&self, params: &[Mat<f64>], x: &Mat<f64>) -> Vec<Vec<Mat<f64>>> {
        let (w, a) = (&params[0], &params[1]);
        let z = x * w.transpose();
        (0..x.nrows())
            .map(|i| {
                let ga = Mat::from_fn(w.nrows(), 1, |k, _| self.activation.value(z[(i, k)]));
                let gw = Mat::from_fn(w.nrows(), w.ncols(), |k, j| {
                    a[(k, 0)] * self.activation.derivative(z[(i, k)]) * x[(i, j)]
                });
                vec![gw, ga]
            })
            .collect()
    }
    /// L(θ) = (1/n) Σ ℓ(y_i f(x_i)) and its gradient [∂W, ∂a]:
    /// with g_i = ℓ'(y_i f_i) y_i / n, Z = XWᵀ: ∂a = σ(Z)ᵀg, ∂W = ((g aᵀ) ⊙ σ'(Z))ᵀ X.
    pub fn loss_and_grad(
        &self,
        params: &[Mat<f64>],
        x: &Mat<f64>,
        y: &[f64],
    ) -> (f64, Vec<Mat<f64>>) {
        let (z, s, f) = self.forward(params, x);
        let (risk, g) = risk_and_output_grad(self.loss, &f, y);
        (risk, self.backward(params, x, &z, &s, &g))
    }
    /// The same in scaled form, exact when the loss underflows: (log L, G̃, s) with
    /// ∇L = G̃·e^{s} (the gradient is linear in the output derivatives, which
    /// [`log_risk_and_scaled_output_grad`] returns shifted).
    pub fn log_loss_and_scaled_grad(
        &self,
        params: &[Mat<f64>],
        x: &Mat<f64>,
        y: &[f64],
    ) -> (f64, Vec<Mat<f64>>, f64) {
        let (z, s, f) = self.forward(params, x);
        let (log_risk, g, shift) = log_risk_and_scaled_output_grad(self.loss, &f, y);
        (log_risk, self.backward(params, x, &z, &s, &g), shift)
    }
    /// Z = XWᵀ, σ(Z) and the outputs f = σ(Z)a.
    fn forward(&self, params: &[Mat<f64>], x: &Mat<f64>) -> (Mat<f64>, Mat<f64>, Vec<f64>) {
        let (w, a) = (&params[0], &params[1]);
        let z = x * w.transpose();
        let s = Mat::from_fn(z.nrows(), z.ncols(), |i, k| {
            self.activation.value(z[(i, k)])
        });
        let fm = &s * a;
        let f: Vec<f64> = (0..fm.nrows()).map(|i| fm[(i, 0)]).collect();
        (z, s, f)
    }
    /// [∂W, ∂a] for output derivatives g: ∂a = σ(Z)ᵀg, ∂W = ((g aᵀ) ⊙ σ'(Z))ᵀ X.
    fn backward(
        &self,
        params: &[Mat<f64>],
        x: &Mat<f64>,
        z: &Mat<f64>,
        s: &Mat<f64>,
        g: &[f64],
    ) -> Vec<Mat<f64>> {
        let a = &params[1];
        let gm = Mat::from_fn(g.len(), 1, |i, _| g[i]);
        let ga = s.transpose() * &gm;
        let dz = Mat::from_fn(z.nrows(), z.ncols(), |i, k| {
            g[i] * a[(k, 0)] * self.activation.derivative(z[(i, k)])
        });
        let gw = dz.transpose() * x;
        vec![gw, ga]
    }
}

impl Model for OnData<'_, TwoLayer> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        self.shapes.to_vec()
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
        let (log_loss, grads, shift) = self.model.log_loss_and_scaled_grad(params, self.x, self.y);
        Evaluated::scaled(log_loss, grads, shift)
    }
    fn evaluate_plain(&self, params: &[Mat<f64>]) -> Evaluated {
        let (loss, grads) = self.model.loss_and_grad(params, self.x, self.y);
        Evaluated::plain(loss, grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::loss::tests::{fd_error, gauss};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The scaled form equals the plain one (log L and ∇L = G̃·e^{s}, to 1e-12 relative) while
    /// nothing underflows, and stays exact past the underflow: with θ scaled ×40 (margins ~10⁴,
    /// L = 0 and ∇L = 0 in the plain form) log L, s and G̃ are finite, G̃ not 0; at ×4 (still
    /// representable) G̃ has the plain gradient's direction (to 1e-6).
    #[test]
    fn scaled_gradient_matches_and_survives_the_underflow() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (n, d, h) = (8, 3, 6);
        let x = gauss(&mut rng, n, d);
        let p = vec![gauss(&mut rng, h, d), gauss(&mut rng, h, 1)];
        // labels from the network itself: every margin is positive
        let m = TwoLayer {
            activation: Activation::SquaredRelu,
            loss: MarginLoss::Logistic,
        };
        let y: Vec<f64> = m.outputs(&p, &x).iter().map(|f| f.signum()).collect();
        for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
            let m = TwoLayer { loss, ..m };
            let (l, g) = m.loss_and_grad(&p, &x, &y);
            let (ll, gs, s) = m.log_loss_and_scaled_grad(&p, &x, &y);
            assert!(
                (ll - l.ln()).abs() <= 1e-12 * l.ln().abs().max(1.0),
                "{ll} vs {}",
                l.ln()
            );
            for (a, b) in g.iter().zip(&gs) {
                let diff = (a - b * faer::Scale(s.exp())).norm_l2();
                assert!(diff <= 1e-12 * a.norm_l2(), "{loss:?}: {diff:e}");
            }
            let big = |c: f64| -> Vec<Mat<f64>> { p.iter().map(|q| q * faer::Scale(c)).collect() };
            let (l40, g40) = m.loss_and_grad(&big(40.0), &x, &y);
            assert_eq!(l40, 0.0, "the plain form underflows");
            assert!(g40.iter().all(|q| q.norm_l2() == 0.0));
            let (ll40, gs40, s40) = m.log_loss_and_scaled_grad(&big(40.0), &x, &y);
            assert!(ll40.is_finite() && ll40 < -745.0 && s40 < -745.0);
            let top = gs40.iter().map(|q| q.norm_max()).fold(0.0, f64::max);
            assert!(top.is_finite() && top > 1e-3, "{top}");
            // direction: plain at ×4 vs scaled at ×4 (both representable)
            let (_, g4) = m.loss_and_grad(&big(4.0), &x, &y);
            let (_, gs4, _) = m.log_loss_and_scaled_grad(&big(4.0), &x, &y);
            let unit = |v: &[Mat<f64>]| -> Vec<Mat<f64>> {
                let nrm = v.iter().map(|q| q.squared_norm_l2()).sum::<f64>().sqrt();
                v.iter().map(|q| q * faer::Scale(1.0 / nrm)).collect()
            };
            for (a, b) in unit(&g4).iter().zip(&unit(&gs4)) {
                assert!((a - b).norm_l2() <= 1e-6, "{loss:?}");
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences_and_degree_is_homogeneity() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (n, d, h) = (6, 4, 5);
        let x = gauss(&mut rng, n, d);
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        for act in [
            Activation::Relu,
            Activation::SquaredRelu,
            Activation::Quadratic,
        ] {
            for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
                let m = TwoLayer {
                    activation: act,
                    loss,
                };
                let p = vec![gauss(&mut rng, h, d), gauss(&mut rng, h, 1)];
                let (_, g) = m.loss_and_grad(&p, &x, &y);
                let f = |ps: &[Mat<f64>]| m.loss_and_grad(ps, &x, &y).0;
                let err = fd_error(&p, &f, &g);
                assert!(err < 1e-6, "{act:?} {loss:?}: {err}");
                // Per-sample output gradients ∇_θ f(x_i).
                for (i, gi) in m.output_gradients(&p, &x).iter().enumerate() {
                    let fi = |ps: &[Mat<f64>]| m.outputs(ps, &x)[i];
                    let err = fd_error(&p, &fi, gi);
                    assert!(err < 1e-6, "{act:?} sample {i}: {err}");
                }
                // Homogeneity: f(cθ) = c^L f(θ).
                let c = 1.7;
                let pc: Vec<Mat<f64>> = p.iter().map(|m| faer::Scale(c) * m).collect();
                let (f1, fc) = (m.outputs(&p, &x), m.outputs(&pc, &x));
                for (a, b) in f1.iter().zip(&fc) {
                    let want = c.powi(m.degree() as i32) * a;
                    assert!((b - want).abs() <= 1e-12 * (1.0 + want.abs()));
                }
            }
        }
    }
}
