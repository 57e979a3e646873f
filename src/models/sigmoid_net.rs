//! The two-layer network of Fan, Schmidt & Thrampoulidis (arXiv 2502.04664, §5, MNIST experiment):
//! logits f(h) = W σ(V h) with the logistic sigmoid σ, V ∈ R^{m×d} (first layer), W ∈ R^{k×m},
//! and the cross-entropy loss L = (1/n) Σ_i −log S_{y_i}(f(h_i)).
//!
//! Hand-derived gradient (S = σ(H Vᵀ) ∈ R^{n×m}, Z = S Wᵀ, R = (1/n)(softmax(Z) − Y) with the
//! correct-class entry computed as −Σ_{c≠y} p_c, by the multiclass model's vectorized pass over
//! the logits, [`super::multiclass`]):
//!
//! ∇_W L = (1/n) Rᵀ S,  ∇_V L = (1/n) ((R W) ⊙ S ⊙ (1 − S))ᵀ H.

use super::multiclass::{col_slice, exp_fast, logit_residuals, Loss};
use super::{Evaluated, Model};
use crate::error::{Error, Result};
use faer::{Mat, MatRef};

/// Data and labels of the two-layer sigmoid network.
#[derive(Clone, Debug)]
pub struct SigmoidNet {
    h: Mat<f64>,
    y: Vec<usize>,
    k: usize,
}

/// σ(x) = 1/(1 + e^{−x}) without overflow: with e = e^{−|x|}, σ = 1/(1 + e) for x ≥ 0 and
/// e/(1 + e) otherwise. Branch-free on [`exp_fast`] (4 ulp), so a loop over a slice vectorizes.
#[inline(always)]
fn sigmoid(x: f64) -> f64 {
    let e = exp_fast(-x.abs());
    let inv = 1.0 / (1.0 + e);
    if x >= 0.0 {
        inv
    } else {
        e * inv
    }
}

#[inline(always)]
fn sigmoid_kernel(v: &mut [f64]) {
    for x in v.iter_mut() {
        *x = sigmoid(*x);
    }
}

// The same kernel for AVX2 (4 lanes): IEEE add, multiply, divide, compare and select only (no
// fused multiply–add), so the results are bit-identical to the baseline build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sigmoid_avx2(v: &mut [f64]) {
    sigmoid_kernel(v)
}

/// v_i ← σ(v_i) over a slice (vectorized; AVX2 when the CPU has it).
fn sigmoid_in_place(v: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { sigmoid_avx2(v) };
    }
    sigmoid_kernel(v)
}

impl SigmoidNet {
    /// The network's data: rows of `x` (n×d), labels in 0..k.
    pub fn new(x: Mat<f64>, y: Vec<usize>, k: usize) -> Result<Self> {
        if k < 2 || y.len() != x.nrows() || y.iter().any(|&c| c >= k) {
            return Err(Error::input(format!(
                "two-layer net: need k ≥ 2 and one label in 0..{k} per row of x ({} rows, {} labels)",
                x.nrows(),
                y.len()
            )));
        }
        Ok(Self { h: x, y, k })
    }

    fn hidden(&self, v: MatRef<'_, f64>) -> Mat<f64> {
        let mut s = &self.h * v.transpose();
        for j in 0..s.ncols() {
            sigmoid_in_place(col_slice(&mut s, j));
        }
        s
    }

    /// The logits Z (n×k) for first layer V (m×d) and second layer W (k×m).
    pub fn logits(&self, v: MatRef<'_, f64>, w: MatRef<'_, f64>) -> Mat<f64> {
        self.hidden(v) * w.transpose()
    }

    /// min_{i, c≠y_i} (e_{y_i} − e_c)ᵀ W σ(V h_i).
    pub fn min_margin(&self, v: MatRef<'_, f64>, w: MatRef<'_, f64>) -> f64 {
        let z = self.logits(v, w);
        let mut m = f64::INFINITY;
        for i in 0..z.nrows() {
            for c in 0..self.k {
                if c != self.y[i] {
                    m = m.min(z[(i, self.y[i])] - z[(i, c)]);
                }
            }
        }
        m
    }

    /// L(V, W), ∇_V L and ∇_W L.
    pub fn loss_and_gradients(
        &self,
        v: MatRef<'_, f64>,
        w: MatRef<'_, f64>,
    ) -> (f64, Mat<f64>, Mat<f64>) {
        let n = self.h.nrows();
        let s = self.hidden(v);
        // Z = S Wᵀ, overwritten by the residuals R̃ of the cross-entropy (the multiclass pass,
        // vectorized); R = ∂L/∂Z = (1/n)·e^{shift}·R̃
        let mut r = &s * w.transpose();
        let (eval, shift) = logit_residuals(&mut r, &self.y, Loss::CrossEntropy);
        let scale = shift.exp() / n as f64;
        for j in 0..r.ncols() {
            for x in col_slice(&mut r, j) {
                *x *= scale;
            }
        }
        let gw = r.transpose() * &s;
        let mut back = &r * w;
        // σ' = σ(1 − σ), column by column (contiguous, vectorized)
        for j in 0..back.ncols() {
            let sj = s
                .col(j)
                .try_as_col_major()
                .expect("owned matrices are column-major")
                .as_slice();
            for (b, &sij) in col_slice(&mut back, j).iter_mut().zip(sj) {
                *b *= sij * (1.0 - sij);
            }
        }
        let gv = back.transpose() * &self.h;
        (eval.loss, gv, gw)
    }
}

/// Training of the sigmoid network: the blocks [V, W] jointly, or [V] alone with W held fixed
/// (Fan et al.'s Fig. 3, settings (b) and (a)).
#[derive(Clone, Copy, Debug)]
pub struct SigmoidTraining<'a> {
    /// The network and its data.
    pub net: &'a SigmoidNet,
    /// V's shape (hidden × d).
    pub v_shape: (usize, usize),
    /// W when it is held fixed; `None` trains it (shape k × hidden).
    pub fixed_w: Option<&'a Mat<f64>>,
}

impl Model for SigmoidTraining<'_> {
    type Measures = ();
    fn shapes(&self) -> Vec<(usize, usize)> {
        match self.fixed_w {
            Some(_) => vec![self.v_shape],
            None => vec![self.v_shape, (self.net.k, self.v_shape.0)],
        }
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
        let w = match self.fixed_w {
            Some(w) => w.as_ref(),
            None => params[1].as_ref(),
        };
        let (loss, gv, gw) = self.net.loss_and_gradients(params[0].as_ref(), w);
        let grads = match self.fixed_w {
            Some(_) => vec![gv],
            None => vec![gv, gw],
        };
        Evaluated::plain(loss, grads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// σ within 6 ulp of 1/(1 + e^{−x}) (libm; the x < 0 branch as e^x/(1 + e^x)): exp_fast's
    /// 4 ulp plus two roundings. The slice (AVX2) path gives the scalar values bit for bit;
    /// ±∞ give 1 and 0, NaN stays NaN.
    #[test]
    fn vectorized_sigmoid_is_accurate_and_matches_the_scalar_path() {
        let xs: Vec<f64> = (-4000..=4000)
            .map(|i| f64::from(i) * 0.01)
            .chain([
                -800.0, -708.5, -40.0, 40.0, 708.5, 800.0, 1e-300, -1e-300, 0.0,
            ])
            .collect();
        let mut v = xs.clone();
        sigmoid_in_place(&mut v);
        for (&x, &s) in xs.iter().zip(&v) {
            assert_eq!(s.to_bits(), sigmoid(x).to_bits(), "slice path at {x}");
            let reference = if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                x.exp() / (1.0 + x.exp())
            };
            let ulp = (reference.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
            assert!(
                (s - reference).abs() <= 6.0 * ulp,
                "σ({x}) = {s}, libm {reference}"
            );
        }
        assert_eq!(sigmoid(f64::INFINITY), 1.0);
        assert_eq!(sigmoid(f64::NEG_INFINITY), 0.0);
        assert!(sigmoid(f64::NAN).is_nan());
    }

    #[test]
    fn hand_derived_gradients_match_central_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut g = |r: usize, c: usize| -> Mat<f64> {
            Mat::from_fn(r, c, |_, _| StandardNormal.sample(&mut rng))
        };
        let (n, d, m, k) = (7, 4, 5, 3);
        let x = g(n, d);
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let net = SigmoidNet::new(x, y, k).unwrap();
        let v = g(m, d);
        let w = g(k, m);
        let (_, gv, gw) = net.loss_and_gradients(v.as_ref(), w.as_ref());
        let f = |v: &Mat<f64>, w: &Mat<f64>| net.loss_and_gradients(v.as_ref(), w.as_ref()).0;
        let h = 1e-6;
        let mut worst: f64 = 0.0;
        for a in 0..m {
            for b in 0..d {
                let (mut vp, mut vm) = (v.clone(), v.clone());
                vp[(a, b)] += h;
                vm[(a, b)] -= h;
                let fd = (f(&vp, &w) - f(&vm, &w)) / (2.0 * h);
                worst = worst.max((fd - gv[(a, b)]).abs());
            }
        }
        for a in 0..k {
            for b in 0..m {
                let (mut wp, mut wm) = (w.clone(), w.clone());
                wp[(a, b)] += h;
                wm[(a, b)] -= h;
                let fd = (f(&v, &wp) - f(&v, &wm)) / (2.0 * h);
                worst = worst.max((fd - gw[(a, b)]).abs());
            }
        }
        assert!(worst < 1e-8, "worst finite-difference error {worst}");
    }
}
