//! Diagonal linear networks w = u⊙u − v⊙v (Woodworth et al. 2020): gradient descent from a small
//! initialization has an ℓ1-like implicit bias (`../shared/papers/06` §1). Trained on the robust
//! linear loss of [`super::loss::RobustLinear`] (ε = 0 gives the plain loss).

use super::loss::RobustLinear;
use super::{Evaluated, Model, OnData};
use faer::Mat;

/// The diagonal network with parameters `[u, v]` (each d × 1) on a robust linear loss.
#[derive(Debug)]
pub struct DiagonalLinear {
    /// The loss of the effective predictor w = u⊙u − v⊙v.
    pub objective: RobustLinear,
}

impl DiagonalLinear {
    /// The effective linear predictor w = u⊙u − v⊙v.
    pub fn effective(params: &[Mat<f64>]) -> Mat<f64> {
        let (u, v) = (&params[0], &params[1]);
        Mat::from_fn(u.nrows(), 1, |j, _| u[(j, 0)].powi(2) - v[(j, 0)].powi(2))
    }
    /// L(u, v) = L_robust(u⊙u − v⊙v) and its gradient [2u⊙∇_w L, −2v⊙∇_w L].
    pub fn loss_and_grad(
        &self,
        params: &[Mat<f64>],
        x: &Mat<f64>,
        y: &[f64],
    ) -> (f64, Vec<Mat<f64>>) {
        let w = Self::effective(params);
        let (l, gw) = self.objective.loss_and_grad(&w, x, y);
        let (u, v) = (&params[0], &params[1]);
        let gu = Mat::from_fn(u.nrows(), 1, |j, _| 2.0 * u[(j, 0)] * gw[(j, 0)]);
        let gv = Mat::from_fn(v.nrows(), 1, |j, _| -2.0 * v[(j, 0)] * gw[(j, 0)]);
        (l, vec![gu, gv])
    }
}

impl Model for OnData<'_, DiagonalLinear> {
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
    use crate::models::loss::MarginLoss;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (n, d) = (6, 5);
        let x = gauss(&mut rng, n, d);
        let y: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for eps in [0.0, 0.05] {
            for loss in [MarginLoss::Logistic, MarginLoss::Exponential] {
                let m = DiagonalLinear {
                    objective: RobustLinear::lp(loss, eps, f64::INFINITY),
                };
                let p = vec![gauss(&mut rng, d, 1), gauss(&mut rng, d, 1)];
                let (_, g) = m.loss_and_grad(&p, &x, &y);
                let f = |ps: &[Mat<f64>]| m.loss_and_grad(ps, &x, &y).0;
                let err = fd_error(&p, &f, &g);
                assert!(err < 1e-6, "eps={eps} {loss:?}: {err}");
            }
        }
    }
}
