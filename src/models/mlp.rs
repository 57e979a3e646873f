//! A multilayer perceptron with two ReLU hidden layers and biases, trained with softmax
//! cross-entropy: the CPU-sized stand-in for the language models of the learning-rate sweep of
//! Crawshaw et al. (`../shared/papers/03` §5, check P3-c).
//!
//! f(x) = W₃ σ(W₂ σ(W₁x + b₁) + b₂) + b₃ with σ(z) = max(z, 0), W₁: h₁×d, W₂: h₂×h₁, W₃: k×h₂;
//! parameters are the six blocks `[W₁, b₁, W₂, b₂, W₃, b₃]` (biases as one-column matrices, so the
//! optimizers give matrices their spectral geometry and biases their vector geometry).

use super::multiclass::log_sum_exp;
use super::{Evaluated, Model, OnData};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The architecture: input d, hidden widths h₁, h₂, k classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mlp {
    /// Input dimension d.
    pub d: usize,
    /// First hidden width h₁.
    pub h1: usize,
    /// Second hidden width h₂.
    pub h2: usize,
    /// Number of classes k (output dimension).
    pub k: usize,
}

/// A ⋅ Bᵀ with a sequential kernel (parallelism belongs to sweeps over runs, notes/faer.md).
fn mul_t(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.nrows());
    matmul(
        out.as_mut(),
        Accum::Replace,
        a,
        b.transpose(),
        1.0,
        Par::Seq,
    );
    out
}

/// Aᵀ ⋅ B with a sequential kernel.
fn t_mul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.ncols(), b.ncols());
    matmul(
        out.as_mut(),
        Accum::Replace,
        a.transpose(),
        b,
        1.0,
        Par::Seq,
    );
    out
}

/// A ⋅ B with a sequential kernel.
fn mul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    out
}

/// Z ← Z + 1 bᵀ (add the bias b, an m × 1 column, to every row of the n × m matrix Z).
fn add_bias(z: &mut Mat<f64>, b: &Mat<f64>) {
    for j in 0..z.ncols() {
        let bj = b[(j, 0)];
        for i in 0..z.nrows() {
            z[(i, j)] += bj;
        }
    }
}

/// The column sums of Z as an m × 1 column (the bias gradient Zᵀ1).
fn col_sums(z: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(z.ncols(), 1, |j, _| (0..z.nrows()).map(|i| z[(i, j)]).sum())
}

/// The forward pass of a batch: pre-activations and activations of both hidden layers, logits.
struct Forward {
    z1: Mat<f64>,
    a1: Mat<f64>,
    z2: Mat<f64>,
    a2: Mat<f64>,
    logits: Mat<f64>,
}

fn relu(z: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(z.nrows(), z.ncols(), |i, j| z[(i, j)].max(0.0))
}

impl Mlp {
    /// The parameter shapes `[W₁ (h₁×d), b₁ (h₁×1), W₂ (h₂×h₁), b₂ (h₂×1), W₃ (k×h₂), b₃ (k×1)]`.
    pub fn shapes(&self) -> Vec<(usize, usize)> {
        vec![
            (self.h1, self.d),
            (self.h1, 1),
            (self.h2, self.h1),
            (self.h2, 1),
            (self.k, self.h2),
            (self.k, 1),
        ]
    }

    /// He initialization: W_l entries ~ N(0, 2/fan_in) for the ReLU layers, W₃ ~ N(0, 1/h₂),
    /// biases 0.
    pub fn init(&self, rng: &mut ChaCha8Rng) -> Vec<Mat<f64>> {
        let mut gauss = |r: usize, c: usize, var: f64| {
            let s = var.sqrt();
            Mat::from_fn(r, c, |_, _| {
                let z: f64 = StandardNormal.sample(&mut *rng);
                s * z
            })
        };
        let w1 = gauss(self.h1, self.d, 2.0 / self.d as f64);
        let w2 = gauss(self.h2, self.h1, 2.0 / self.h1 as f64);
        let w3 = gauss(self.k, self.h2, 1.0 / self.h2 as f64);
        vec![
            w1,
            Mat::zeros(self.h1, 1),
            w2,
            Mat::zeros(self.h2, 1),
            w3,
            Mat::zeros(self.k, 1),
        ]
    }

    fn forward(&self, p: &[Mat<f64>], x: MatRef<'_, f64>) -> Forward {
        let mut z1 = mul_t(x, p[0].as_ref());
        add_bias(&mut z1, &p[1]);
        let a1 = relu(&z1);
        let mut z2 = mul_t(a1.as_ref(), p[2].as_ref());
        add_bias(&mut z2, &p[3]);
        let a2 = relu(&z2);
        let mut logits = mul_t(a2.as_ref(), p[4].as_ref());
        add_bias(&mut logits, &p[5]);
        Forward {
            z1,
            a1,
            z2,
            a2,
            logits,
        }
    }

    /// The logits f(x_i) as the rows of an n × k matrix (x: n × d).
    pub fn logits(&self, params: &[Mat<f64>], x: MatRef<'_, f64>) -> Mat<f64> {
        self.forward(params, x).logits
    }

    /// The mean cross-entropy (1/n) Σ_i [log Σ_c exp f_c(x_i) − f_{y_i}(x_i)], stable through
    /// log-sum-exp.
    pub fn loss(&self, params: &[Mat<f64>], x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        let z = self.logits(params, x);
        mean_cross_entropy(&z, y)
    }

    /// The fraction of rows whose largest logit is the label (ties count as errors).
    pub fn accuracy(&self, params: &[Mat<f64>], x: MatRef<'_, f64>, y: &[usize]) -> f64 {
        let z = self.logits(params, x);
        let correct = (0..z.nrows())
            .filter(|&i| (0..z.ncols()).all(|c| c == y[i] || z[(i, c)] < z[(i, y[i])]))
            .count();
        correct as f64 / z.nrows().max(1) as f64
    }

    /// The mean cross-entropy L of the batch (x: B × d, labels y) and its gradient, by
    /// backpropagation: R = (softmax(Z₃) − onehot(y))/B, ∂W₃ = Rᵀσ(Z₂), ∂b₃ = Rᵀ1,
    /// D₂ = (R W₃) ⊙ 1[Z₂ > 0], ∂W₂ = D₂ᵀσ(Z₁), ∂b₂ = D₂ᵀ1, D₁ = (D₂W₂) ⊙ 1[Z₁ > 0],
    /// ∂W₁ = D₁ᵀX, ∂b₁ = D₁ᵀ1 (the ReLU derivative is 0 at the kink).
    pub fn loss_and_grad(
        &self,
        params: &[Mat<f64>],
        x: MatRef<'_, f64>,
        y: &[usize],
    ) -> (f64, Vec<Mat<f64>>) {
        let fw = self.forward(params, x);
        let b = x.nrows();
        let inv = 1.0 / b.max(1) as f64;
        let mut r = fw.logits.clone();
        let mut total = 0.0;
        for i in 0..b {
            let lse = log_sum_exp((0..self.k).map(|c| fw.logits[(i, c)]));
            total += lse - fw.logits[(i, y[i])];
            for c in 0..self.k {
                r[(i, c)] = (fw.logits[(i, c)] - lse).exp() * inv;
            }
            r[(i, y[i])] -= inv;
        }
        let gw3 = t_mul(r.as_ref(), fw.a2.as_ref());
        let gb3 = col_sums(&r);
        let mut d2 = mul(r.as_ref(), params[4].as_ref());
        for j in 0..d2.ncols() {
            for i in 0..b {
                if fw.z2[(i, j)] <= 0.0 {
                    d2[(i, j)] = 0.0;
                }
            }
        }
        let gw2 = t_mul(d2.as_ref(), fw.a1.as_ref());
        let gb2 = col_sums(&d2);
        let mut d1 = mul(d2.as_ref(), params[2].as_ref());
        for j in 0..d1.ncols() {
            for i in 0..b {
                if fw.z1[(i, j)] <= 0.0 {
                    d1[(i, j)] = 0.0;
                }
            }
        }
        let gw1 = t_mul(d1.as_ref(), x);
        let gb1 = col_sums(&d1);
        (total * inv, vec![gw1, gb1, gw2, gb2, gw3, gb3])
    }
}

/// (1/n) Σ_i [log Σ_c exp z_ic − z_{i,y_i}] for the n × k logits z.
pub fn mean_cross_entropy(z: &Mat<f64>, y: &[usize]) -> f64 {
    let n = z.nrows();
    let total: f64 = (0..n)
        .map(|i| log_sum_exp((0..z.ncols()).map(|c| z[(i, c)])) - z[(i, y[i])])
        .sum();
    total / n.max(1) as f64
}

/// The rows `idx` of x and their labels: a mini-batch.
pub fn batch(x: &Mat<f64>, y: &[usize], idx: &[usize]) -> (Mat<f64>, Vec<usize>) {
    (
        Mat::from_fn(idx.len(), x.ncols(), |i, j| x[(idx[i], j)]),
        idx.iter().map(|&i| y[i]).collect(),
    )
}

/// A random teacher MLP for synthetic k-class data: He-initialized weights and N(0, 0.1²) biases.
/// [`Teacher::sample`] draws x ~ N(0, I_d), y = argmax_c f_c(x), then with probability `noise`
/// replaces the label by a uniformly drawn *different* class (label noise).
#[derive(Clone, Debug)]
pub struct Teacher {
    mlp: Mlp,
    params: Vec<Mat<f64>>,
}

impl Teacher {
    /// A teacher of architecture `mlp`, its parameters drawn from `rng`.
    pub fn new(mlp: &Mlp, rng: &mut ChaCha8Rng) -> Self {
        let mut params = mlp.init(rng);
        for l in [1, 3, 5] {
            let r = params[l].nrows();
            params[l] = Mat::from_fn(r, 1, |_, _| {
                let z: f64 = StandardNormal.sample(&mut *rng);
                0.1 * z
            });
        }
        Self { mlp: *mlp, params }
    }

    /// n labelled points (X: n × d, y), drawn from `rng`.
    pub fn sample(&self, n: usize, noise: f64, rng: &mut ChaCha8Rng) -> (Mat<f64>, Vec<usize>) {
        let x = Mat::from_fn(n, self.mlp.d, |_, _| StandardNormal.sample(&mut *rng));
        let z = self.mlp.logits(&self.params, x.as_ref());
        let k = self.mlp.k;
        let y = (0..n)
            .map(|i| {
                let clean = (0..k)
                    .max_by(|&a, &b| z[(i, a)].total_cmp(&z[(i, b)]))
                    .unwrap_or(0);
                if k > 1 && rng.random::<f64>() < noise {
                    let other = rng.random_range(0..k - 1);
                    if other >= clean {
                        other + 1
                    } else {
                        other
                    }
                } else {
                    clean
                }
            })
            .collect();
        (x, y)
    }
}

/// n points of a fresh random teacher (`Teacher::new` then `Teacher::sample`, one stream).
pub fn teacher_data(
    teacher: &Mlp,
    n: usize,
    noise: f64,
    rng: &mut ChaCha8Rng,
) -> (Mat<f64>, Vec<usize>) {
    Teacher::new(teacher, rng).sample(n, noise, rng)
}

/// The MLP on one batch (x, class labels y).
impl Model for OnData<'_, Mlp, usize> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        self.model.shapes()
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
        let (loss, grads) = self.model.loss_and_grad(params, self.x.as_ref(), self.y);
        Evaluated::plain(loss, grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::loss::tests::fd_error;
    use rand::SeedableRng;

    #[test]
    fn mlp_gradient_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let m = Mlp {
            d: 5,
            h1: 6,
            h2: 4,
            k: 3,
        };
        let (x, y) = teacher_data(&m, 9, 0.2, &mut rng);
        let mut p = m.init(&mut rng);
        // Non-zero biases so their gradients are exercised away from the initialization.
        for l in [1, 3, 5] {
            let r = p[l].nrows();
            // (None is exactly 0: a sample whose first-layer units are all off would sit on a kink.)
            p[l] = Mat::from_fn(r, 1, |i, _| 0.1 * (i as f64 + 1.0) - 0.25);
        }
        let (l, g) = m.loss_and_grad(&p, x.as_ref(), &y);
        assert!((l - m.loss(&p, x.as_ref(), &y)).abs() < 1e-14);
        for (gl, &(r, c)) in g.iter().zip(&m.shapes()) {
            assert_eq!((gl.nrows(), gl.ncols()), (r, c));
        }
        let f = |ps: &[Mat<f64>]| m.loss(ps, x.as_ref(), &y);
        let err = fd_error(&p, &f, &g);
        assert!(err < 1e-6, "MLP gradient vs central differences: {err}");
    }

    #[test]
    fn mlp_loss_is_stable_for_huge_logits_and_teacher_noise_rate_holds() {
        let m = Mlp {
            d: 4,
            h1: 8,
            h2: 8,
            k: 5,
        };
        let z = Mat::from_fn(2, 3, |i, c| 1e4 * (i as f64 + c as f64));
        let ce = mean_cross_entropy(&z, &[2, 0]);
        // Row 0: label is the largest logit (loss ≈ 0); row 1: margin 2e4 below the max.
        assert!((ce - 1e4).abs() < 1e-9, "{ce}");
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (x, clean) = teacher_data(&m, 4000, 0.0, &mut rng);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (x2, noisy) = teacher_data(&m, 4000, 0.1, &mut rng);
        assert_eq!(x, x2, "the inputs do not depend on the noise level");
        let flipped = clean.iter().zip(&noisy).filter(|(a, b)| a != b).count() as f64 / 4000.0;
        // Binomial(4000, 0.1): sd 0.0047, so ±0.02 is > 4 sd.
        assert!((flipped - 0.1).abs() < 0.02, "flip rate {flipped}");
        assert!(noisy.iter().all(|&c| c < m.k));
        // More than one class actually occurs.
        assert!((0..m.k).filter(|c| clean.contains(c)).count() >= 2);
    }
}
