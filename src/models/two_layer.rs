//! Two-layer homogeneous networks f(x) = aᵀσ(Wx) (Lyu & Li 2020; Tsilivis et al., homogeneous Adam
//! and Muon, `../shared/papers/02`). With σ positively homogeneous of degree p, f is homogeneous of
//! degree L = p + 1 in θ = (W, a): f(cθ; x) = c^L f(θ; x) for c > 0.

use super::loss::{risk_and_output_grad, MarginLoss};
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
        let (w, a) = (&params[0], &params[1]);
        let z = x * w.transpose();
        let s = Mat::from_fn(z.nrows(), z.ncols(), |i, k| {
            self.activation.value(z[(i, k)])
        });
        let fm = &s * a;
        let f: Vec<f64> = (0..fm.nrows()).map(|i| fm[(i, 0)]).collect();
        let (risk, g) = risk_and_output_grad(self.loss, &f, y);
        let gm = Mat::from_fn(g.len(), 1, |i, _| g[i]);
        let ga = s.transpose() * &gm;
        let dz = Mat::from_fn(z.nrows(), z.ncols(), |i, k| {
            g[i] * a[(k, 0)] * self.activation.derivative(z[(i, k)])
        });
        let gw = dz.transpose() * x;
        (risk, vec![gw, ga])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::loss::tests::{fd_error, gauss};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

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
