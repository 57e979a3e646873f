//! Schatten-p norms |||A|||_p = ‖σ(A)‖_p, 1 ≤ p ≤ ∞, and the RMS→RMS operator norm.
//!
//! Dual: Schatten-q, 1/p + 1/q = 1 (file 00 §1). LMOs (file 00 §2), all from one thin SVD:
//! * p = ∞ (spectral): the polar factor UVᵀ ([`crate::linalg::polar`]): only singular pairs with
//!   σ_i > max(m,n)·ε·σ_1 are used, so for rank-deficient G it is the partial isometry on the range
//!   (any completion on the null space is also optimal; we pick the minimal one);
//! * p = 1 (nuclear): u_1 v_1ᵀ, the top singular pair as returned by faer's SVD (for a repeated σ_1
//!   the maximizer is not unique and this is one of them);
//! * 1 < p < ∞: U diag(ℓp-LMO(σ)) Vᵀ = U diag(σ^{q−1}/‖σ‖_q^{q−1}) Vᵀ, with σ_i at or below the
//!   rank threshold max(m,n)·ε·σ_1 treated as 0 (as in `polar`).
//!
//! Every LMO maps 0 to 0.

use super::entrywise::{conjugate_exponent, fmt_exponent, lp_lmo, lp_norm};
use super::Norm;
use crate::linalg::{
    numerical_rank, polar_from_svd, scale_pow2, singular_values_scaled, svd_thin_scaled, Svd,
};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

/// U diag(w) Vᵀ for the first w.len() singular pairs of `svd`.
fn reconstruct(svd: &Svd, w: &[f64]) -> Mat<f64> {
    let (m, n) = (svd.u.nrows(), svd.v.nrows());
    let k = w.len();
    let uw = Mat::from_fn(m, k, |i, j| svd.u[(i, j)] * w[j]);
    let mut out = Mat::zeros(m, n);
    if k > 0 {
        matmul(
            out.as_mut(),
            Accum::Replace,
            uw.as_ref(),
            svd.v.as_ref().subcols(0, k).transpose(),
            1.0,
            Par::Seq,
        );
    }
    out
}

/// The Schatten-p norm ‖σ(A)‖_p, 1 ≤ p ≤ ∞ (∞: spectral, 1: nuclear, 2: Frobenius).
#[derive(Debug, Clone, PartialEq)]
pub struct Schatten {
    /// The exponent p ∈ [1, ∞].
    pub p: f64,
}

impl Schatten {
    /// The Schatten-p norm. Panics unless p ≥ 1 (or ∞); user input goes through `parse_norm`.
    pub fn new(p: f64) -> Self {
        assert!(p >= 1.0, "Schatten-p needs p ≥ 1, got {p}");
        Self { p }
    }
    /// The spectral norm σ_1 (p = ∞).
    pub fn spectral() -> Self {
        Self::new(f64::INFINITY)
    }
    /// The nuclear norm Σσ_i (p = 1).
    pub fn nuclear() -> Self {
        Self::new(1.0)
    }
}

impl Norm for Schatten {
    fn family(&self) -> super::Family {
        super::Family::Schatten { p: self.p }
    }
    fn name(&self) -> String {
        if self.p.is_infinite() {
            "spectral".into()
        } else if self.p == 1.0 {
            "nuclear".into()
        } else if self.p == 2.0 {
            "fro".into()
        } else {
            format!("schatten:{}", fmt_exponent(self.p))
        }
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        let (s, e) = singular_values_scaled(x);
        scale_pow2(lp_norm(&s, self.p), e)
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        let (s, e) = singular_values_scaled(g);
        scale_pow2(lp_norm(&s, conjugate_exponent(self.p)), e)
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        // The SVD of G·2^−e: the direction is scale-free, the dual norm is scaled back (+∞ when it
        // overflows f64). G = 0 returns at once, without a factorization.
        let (svd, e) = match svd_thin_scaled(g) {
            Ok(x) => x,
            Err(err) => panic!("{err}"),
        };
        let dual = lp_norm(&svd.s, conjugate_exponent(self.p));
        if dual == 0.0 {
            return (0.0, Mat::zeros(g.nrows(), g.ncols()));
        }
        let dual = scale_pow2(dual, e);
        let dir = if self.p.is_infinite() {
            polar_from_svd(&svd, numerical_rank(&svd))
        } else if self.p == 1.0 {
            polar_from_svd(&svd, 1)
        } else {
            // Singular values at or below polar's rank threshold are rounding noise of an exactly
            // zero σ; they are set to 0 so the LMO does not depend on their arbitrary vectors.
            let k = numerical_rank(&svd);
            let mut w = vec![0.0; k];
            lp_lmo(&svd.s[..k], self.p, &mut w);
            reconstruct(&svd, &w)
        };
        (dual, dir)
    }
}

/// The RMS→RMS operator norm √(d_in/d_out)·‖W‖₂ of W ∈ R^{d_out×d_in} (Bernstein & Newhouse,
/// file 04; file 00 §1). Dual norm √(d_out/d_in)·|||G|||_1; LMO √(d_out/d_in)·polar(G) (the
/// modula `Linear.dualize` map), with polar's rank threshold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RmsToRms;

impl RmsToRms {
    fn ratio(a: MatRef<'_, f64>) -> f64 {
        // √(d_in/d_out) with d_out = rows, d_in = cols.
        (a.ncols() as f64 / a.nrows() as f64).sqrt()
    }
}

impl Norm for RmsToRms {
    fn name(&self) -> String {
        "rms-rms".into()
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        let (s, e) = singular_values_scaled(x);
        Self::ratio(x) * scale_pow2(s.first().copied().unwrap_or(0.0), e)
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        let (s, e) = singular_values_scaled(g);
        scale_pow2(s.iter().sum::<f64>() / Self::ratio(g), e)
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let (d, mut dir) = Schatten::spectral().dual_and_dualize(g);
        let r = Self::ratio(g);
        dir *= faer::Scale(1.0 / r);
        (d / r, dir)
    }
}
