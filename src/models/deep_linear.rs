//! Deep linear networks f(x) = W_L ⋯ W_1 x, homogeneous of degree L in (W_1, …, W_L)
//! (Ji & Telgarsky 2019; `../shared/papers/02`).

use super::loss::{risk_and_output_grad, MarginLoss};
use super::{Evaluated, Model, OnData};
use faer::Mat;

/// f(x) = W_L ⋯ W_1 x with W_1: h_1 × d, …, W_L: 1 × h_{L−1}; parameters `[W_1, …, W_L]`.
#[derive(Clone, Copy, Debug)]
pub struct DeepLinear {
    /// The binary loss.
    pub loss: MarginLoss,
}

impl DeepLinear {
    /// Shapes for input dimension d and hidden widths `widths` (depth L = widths.len() + 1).
    pub fn shapes(d: usize, widths: &[usize]) -> Vec<(usize, usize)> {
        let mut dims = vec![d];
        dims.extend_from_slice(widths);
        dims.push(1);
        dims.windows(2).map(|w| (w[1], w[0])).collect()
    }
    /// The end-to-end predictor w = (W_L ⋯ W_1)ᵀ (d × 1).
    pub fn effective(params: &[Mat<f64>]) -> Mat<f64> {
        let mut p = params[0].clone();
        for w in &params[1..] {
            p = w * &p;
        }
        p.transpose().to_owned()
    }
    /// L(θ) = (1/n) Σ ℓ(y_i f(x_i)) and its gradient by backpropagation:
    /// A_0 = Xᵀ, A_l = W_l A_{l−1}; G_L = gᵀ, ∂W_l = G_l A_{l−1}ᵀ, G_{l−1} = W_lᵀ G_l.
    pub fn loss_and_grad(
        &self,
        params: &[Mat<f64>],
        x: &Mat<f64>,
        y: &[f64],
    ) -> (f64, Vec<Mat<f64>>) {
        let mut acts = vec![x.transpose().to_owned()];
        for w in params {
            let next = w * acts.last().expect("non-empty");
            acts.push(next);
        }
        let out = acts.last().expect("non-empty");
        let f: Vec<f64> = (0..out.ncols()).map(|i| out[(0, i)]).collect();
        let (risk, g) = risk_and_output_grad(self.loss, &f, y);
        let mut back = Mat::from_fn(1, g.len(), |_, i| g[i]);
        let mut grads = vec![Mat::<f64>::zeros(0, 0); params.len()];
        for l in (0..params.len()).rev() {
            grads[l] = &back * acts[l].transpose();
            back = params[l].transpose() * &back;
        }
        (risk, grads)
    }
}

impl Model for OnData<'_, DeepLinear> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        self.shapes.to_vec()
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
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

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (n, d) = (5, 4);
        let x = gauss(&mut rng, n, d);
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for widths in [vec![], vec![3], vec![3, 2]] {
            for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
                let m = DeepLinear { loss };
                let p: Vec<Mat<f64>> = DeepLinear::shapes(d, &widths)
                    .into_iter()
                    .map(|(r, c)| faer::Scale(0.7) * gauss(&mut rng, r, c))
                    .collect();
                let (_, g) = m.loss_and_grad(&p, &x, &y);
                let f = |ps: &[Mat<f64>]| m.loss_and_grad(ps, &x, &y).0;
                let err = fd_error(&p, &f, &g);
                assert!(err < 1e-6, "{widths:?} {loss:?}: {err}");
                // The output is linear in x through the end-to-end predictor.
                let w = DeepLinear::effective(&p);
                let fx = &x * &w;
                let (risk, _) = m.loss_and_grad(&p, &x, &y);
                let direct: f64 =
                    (0..n).map(|i| loss.value(y[i] * fx[(i, 0)])).sum::<f64>() / n as f64;
                assert!((risk - direct).abs() < 1e-12);
            }
        }
    }
}
