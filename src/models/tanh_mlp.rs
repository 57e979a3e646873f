//! A 3-layer tanh perceptron x ↦ W3 tanh(W2 tanh(W1 x)) with the squared loss, the network
//! Bernstein et al. train with Fromage (arXiv 2002.03432, §5); samples are columns.

use super::{Evaluated, Model};
use faer::Mat;

/// A 3-layer tanh perceptron x ↦ W3 tanh(W2 tanh(W1 x)) with the squared loss
/// (1/2n)‖Y − T‖_F² and its gradient by backpropagation.
pub fn loss_and_grad(w: &[Mat<f64>], x: &Mat<f64>, t: &Mat<f64>) -> (f64, Vec<Mat<f64>>) {
    let n = x.ncols() as f64;
    let z1 = &w[0] * x;
    let a1 = Mat::from_fn(z1.nrows(), z1.ncols(), |i, j| z1[(i, j)].tanh());
    let z2 = &w[1] * &a1;
    let a2 = Mat::from_fn(z2.nrows(), z2.ncols(), |i, j| z2[(i, j)].tanh());
    let y = &w[2] * &a2;
    let r = &y - t;
    let loss = r.norm_l2().powi(2) / (2.0 * n);
    let dy = faer::Scale(1.0 / n) * &r;
    let g3 = &dy * a2.transpose();
    let da2 = w[2].transpose() * &dy;
    let dz2 = Mat::from_fn(da2.nrows(), da2.ncols(), |i, j| {
        da2[(i, j)] * (1.0 - a2[(i, j)].powi(2))
    });
    let g2 = &dz2 * a1.transpose();
    let da1 = w[1].transpose() * &dz2;
    let dz1 = Mat::from_fn(da1.nrows(), da1.ncols(), |i, j| {
        da1[(i, j)] * (1.0 - a1[(i, j)].powi(2))
    });
    let g1 = &dz1 * x.transpose();
    (loss, vec![g1, g2, g3])
}

/// The perceptron on inputs `x` (d × n, one sample per column) with targets (k × n).
#[derive(Clone, Copy, Debug)]
pub struct TanhPerceptron<'a> {
    /// The inputs, one per column.
    pub x: &'a Mat<f64>,
    /// The targets, one per column.
    pub targets: &'a Mat<f64>,
    /// The shapes of W1, W2, W3.
    pub shapes: &'a [(usize, usize)],
}

impl Model for TanhPerceptron<'_> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        self.shapes.to_vec()
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
        let (loss, grads) = loss_and_grad(params, self.x, self.targets);
        Evaluated::plain(loss, grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::loss::tests::gauss;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(3);
        let w: Vec<Mat<f64>> = [(4, 3), (4, 4), (2, 4)]
            .iter()
            .map(|&(m, n)| gauss(&mut rng, m, n))
            .collect();
        let x = gauss(&mut rng, 3, 5);
        let t = gauss(&mut rng, 2, 5);
        let (_, g) = loss_and_grad(&w, &x, &t);
        for l in 0..3 {
            let (i, j) = (1, 1);
            let h = 1e-6;
            let mut wp = w.clone();
            wp[l][(i, j)] += h;
            let mut wm = w.clone();
            wm[l][(i, j)] -= h;
            let fd = (loss_and_grad(&wp, &x, &t).0 - loss_and_grad(&wm, &x, &t).0) / (2.0 * h);
            assert!(
                (fd - g[l][(i, j)]).abs() <= 1e-7,
                "layer {l}: {fd} vs {}",
                g[l][(i, j)]
            );
        }
    }
}
