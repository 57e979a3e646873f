//! Natural-gradient metrics of a learning rule (Shoji, Suzuki & Kozachkov, arXiv 2409.16422; file
//! `10-natural-gradient-metrics.md`).
//!
//! Given a "from" vector a and a "to" vector b with aᵀb > 0, the SPD matrices M with **M a = b**
//! form the set S(a→b). Every such M has the **canonical form** (T2)
//!
//! ```text
//! M = b bᵀ/(aᵀb) + U Uᵀ,   Uᵀa = 0,  rank U = D − 1,
//! ```
//!
//! and the **minimum condition number** over S(a→b) is (T5, stable form of file 00 gotcha 7.8)
//!
//! ```text
//! κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)²,   b_∥ = bᵀâ,  b_⊥ = b − b_∥ â,  â = a/‖a‖,
//! ```
//!
//! attained by M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb). M_opt is the member β* = ‖b‖²/(aᵀb) of the
//! one-parameter family M(β) = b bᵀ/(aᵀb) + β(I − â âᵀ), whose member β = 1 is the BFGS update of
//! the identity; DFP(I) = (I − b aᵀ/aᵀb)(I − a bᵀ/aᵀb) + b bᵀ/aᵀb is the dual member.
//!
//! # Two conventions, named explicitly
//!
//! * **Metric tensor** ([`SecantPair::metric_tensor`]): a = the update Δθ, b = −∇L. The returned
//!   SPD matrix is the Riemannian metric M with **M·update = −∇L**, i.e. update = −M⁻¹∇L
//!   (natural-gradient descent). This is the paper's convention and the one of `steepest metric`.
//! * **Preconditioner** ([`SecantPair::preconditioner`]): a = −∇L, b = the update. The returned SPD
//!   matrix is P with **P·(−∇L) = update**, i.e. update = −P∇L.
//!
//! If M ∈ S(a→b) then M⁻¹ ∈ S(b→a) and κ(M) = κ(M⁻¹), so κ* is the same in both conventions, but
//! the optimal matrices differ (M_opt(a→b)⁻¹ ≠ M_opt(b→a) when ψ > 0).
//!
//! # Matrix-free and dense
//!
//! Every metric built here is c·I on span{a, b}^⊥ plus a 2×2 block on span{a, b}
//! ([`PlaneMetric`]), so M·v, M⁻¹·v, its spectrum and κ cost O(D) without forming a D×D matrix.
//! The `dense_*` functions build the D×D matrices straight from the formulas above for small D;
//! they are the independent route the validators compare against.

#![allow(non_snake_case)]

use crate::error::{Error, Result};
use faer::{Mat, MatRef};
use nalgebra::Matrix2;

/// Which of the two conventions a [`SecantPair`] was built in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// a = update, b = −∇L; the SPD matrix is the metric tensor M with M·update = −∇L.
    MetricTensor,
    /// a = −∇L, b = update; the SPD matrix is the preconditioner P = M⁻¹ with P·(−∇L) = update.
    Preconditioner,
    /// A bare secant pair a → b with no learning-rule interpretation.
    Generic,
}

impl Convention {
    /// A short name for reports (`metric-tensor`, `preconditioner`, `generic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::MetricTensor => "metric-tensor",
            Convention::Preconditioner => "preconditioner",
            Convention::Generic => "generic",
        }
    }
}

/// A validated secant pair (a, b), aᵀb > 0, with the scalars every metric formula needs.
///
/// The geometry: â = a/‖a‖; b = b_∥ â + ‖b_⊥‖ ê with ê ⊥ â a unit vector (absent when b ∥ a);
/// cos ψ = b_∥/‖b‖, sin ψ = ‖b_⊥‖/‖b‖, ρ = ‖b‖/‖a‖.
#[derive(Clone, Debug)]
pub struct SecantPair {
    a: Vec<f64>,
    b: Vec<f64>,
    convention: Convention,
    norm_a: f64,
    norm_b: f64,
    a_dot_b: f64,
    b_par: f64,
    b_perp: f64,
    a_hat: Vec<f64>,
    e_perp: Option<Vec<f64>>,
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(p, q)| p * q).sum()
}

/// ‖x‖₂, scaled so that neither overflow nor underflow occurs.
fn norm2(x: &[f64]) -> f64 {
    let m = x.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    if m == 0.0 || !m.is_finite() {
        return m;
    }
    let inv = 1.0 / m;
    if inv.is_finite() {
        m * x.iter().map(|v| (v * inv) * (v * inv)).sum::<f64>().sqrt()
    } else {
        m * x.iter().map(|v| (v / m) * (v / m)).sum::<f64>().sqrt()
    }
}

impl SecantPair {
    /// The metric-tensor convention: a = `update`, b = `neg_grad` (= −∇L); metrics satisfy
    /// M·update = −∇L. Errors as [`SecantPair::new`].
    pub fn metric_tensor(update: &[f64], neg_grad: &[f64]) -> Result<Self> {
        let mut p = Self::new(update, neg_grad)?;
        p.convention = Convention::MetricTensor;
        Ok(p)
    }

    /// The preconditioner convention: a = `neg_grad` (= −∇L), b = `update`; the SPD matrices are
    /// preconditioners P with P·(−∇L) = update. Errors as [`SecantPair::new`].
    pub fn preconditioner(neg_grad: &[f64], update: &[f64]) -> Result<Self> {
        let mut p = Self::new(neg_grad, update)?;
        p.convention = Convention::Preconditioner;
        Ok(p)
    }

    /// The metric-tensor convention for matrix parameters: `update` and `neg_grad` of one shape are
    /// flattened column-major (vec(·)).
    pub fn metric_tensor_mats(update: MatRef<'_, f64>, neg_grad: MatRef<'_, f64>) -> Result<Self> {
        if (update.nrows(), update.ncols()) != (neg_grad.nrows(), neg_grad.ncols()) {
            return Err(Error::input(format!(
                "update is {}×{} but −∇L is {}×{}; give both with the same shape",
                update.nrows(),
                update.ncols(),
                neg_grad.nrows(),
                neg_grad.ncols()
            )));
        }
        Self::metric_tensor(&vec_colmajor(update), &vec_colmajor(neg_grad))
    }

    /// A generic secant pair a → b. Rejected with [`Error::Input`] (exit 2): different lengths,
    /// empty vectors, non-finite entries, a = 0 or b = 0, and aᵀb ≤ 0 (then **no SPD metric
    /// exists**: aᵀMa > 0 for every SPD M, but aᵀMa = aᵀb).
    pub fn new(a: &[f64], b: &[f64]) -> Result<Self> {
        if a.len() != b.len() {
            return Err(Error::input(format!(
                "a has {} entries but b has {}; a (the update) and b (= −∇L) must have the same length",
                a.len(),
                b.len()
            )));
        }
        if a.is_empty() {
            return Err(Error::input(
                "a and b are empty; give the update a and b = −∇L as non-empty arrays of numbers",
            ));
        }
        for (name, v) in [("a", a), ("b", b)] {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::input(format!(
                    "{name}[{i}] is not finite ({}); remove NaN/Inf entries",
                    v[i]
                )));
            }
        }
        let norm_a = norm2(a);
        let norm_b = norm2(b);
        if norm_a == 0.0 {
            return Err(Error::input(
                "a (the update) is zero; a metric is only determined by a nonzero update (for a = 0 every M works)",
            ));
        }
        if norm_b == 0.0 {
            return Err(Error::input(
                "b (= −∇L) is zero while a is not: no SPD metric exists (M a = 0 forces M singular); give a nonzero gradient",
            ));
        }
        let a_hat: Vec<f64> = a.iter().map(|x| x / norm_a).collect();
        let b_par = dot(b, &a_hat);
        let a_dot_b = b_par * norm_a;
        // The sign of aᵀb is that of b_∥ = bᵀâ (‖a‖ > 0); aᵀb itself may leave the f64 range.
        if b_par.is_nan() || b_par <= 0.0 {
            return Err(Error::input(format!(
                "no SPD metric exists: aᵀb = {a_dot_b:e} ≤ 0, so the update does not decrease the loss to first order (aᵀMa > 0 for every SPD M); give an update a with aᵀb > 0, where b = −∇L"
            )));
        }
        if !(a_dot_b.is_finite() && a_dot_b > 0.0) {
            return Err(Error::input(format!(
                "aᵀb > 0 is outside the f64 range (‖a‖ = {norm_a:e}, b_∥ = {b_par:e}); scale a and b by one common power of two (every metric here is invariant under (a, b) → (c·a, c·b))"
            )));
        }
        // b_⊥ = b − b_∥ â, re-orthogonalized once against â (twice is enough, Parlett–Kahan).
        let mut bp: Vec<f64> = b.iter().zip(&a_hat).map(|(x, h)| x - b_par * h).collect();
        let c = dot(&bp, &a_hat);
        bp.iter_mut().zip(&a_hat).for_each(|(x, h)| *x -= c * h);
        // For D = 1 there is no a^⊥: b ∥ a exactly, and b − b_∥ â is rounding noise.
        let b_perp = if a.len() == 1 { 0.0 } else { norm2(&bp) };
        let e_perp = if b_perp > 0.0 {
            let mut e: Vec<f64> = bp.iter().map(|x| x / b_perp).collect();
            let c2 = dot(&e, &a_hat);
            e.iter_mut().zip(&a_hat).for_each(|(x, h)| *x -= c2 * h);
            let n = norm2(&e);
            e.iter_mut().for_each(|x| *x /= n);
            Some(e)
        } else {
            None
        };
        Ok(Self {
            a: a.to_vec(),
            b: b.to_vec(),
            convention: Convention::Generic,
            norm_a,
            norm_b,
            a_dot_b,
            b_par,
            b_perp,
            a_hat,
            e_perp,
        })
    }

    /// The convention this pair was built in.
    pub fn convention(&self) -> Convention {
        self.convention
    }
    /// The dimension D.
    pub fn dim(&self) -> usize {
        self.a.len()
    }
    /// The "from" vector a.
    pub fn a(&self) -> &[f64] {
        &self.a
    }
    /// The "to" vector b.
    pub fn b(&self) -> &[f64] {
        &self.b
    }
    /// â = a/‖a‖.
    pub fn a_hat(&self) -> &[f64] {
        &self.a_hat
    }
    /// ‖a‖₂.
    pub fn norm_a(&self) -> f64 {
        self.norm_a
    }
    /// ‖b‖₂.
    pub fn norm_b(&self) -> f64 {
        self.norm_b
    }
    /// aᵀb > 0.
    pub fn a_dot_b(&self) -> f64 {
        self.a_dot_b
    }
    /// b_∥ = bᵀâ > 0.
    pub fn b_parallel(&self) -> f64 {
        self.b_par
    }
    /// ‖b_⊥‖ = ‖b − b_∥ â‖.
    pub fn b_perp_norm(&self) -> f64 {
        self.b_perp
    }
    /// cos ψ = aᵀb/(‖a‖‖b‖).
    pub fn cos_psi(&self) -> f64 {
        self.b_par / self.norm_b
    }
    /// sin ψ = ‖b_⊥‖/‖b‖ (stable near ψ = 0, unlike √(1 − cos²ψ)).
    pub fn sin_psi(&self) -> f64 {
        self.b_perp / self.norm_b
    }
    /// ψ = atan2(‖b_⊥‖, b_∥) ∈ [0, π/2).
    pub fn psi(&self) -> f64 {
        self.b_perp.atan2(self.b_par)
    }
    /// ρ = ‖b‖/‖a‖.
    pub fn rho(&self) -> f64 {
        self.norm_b / self.norm_a
    }
    /// β* = ‖b‖²/(aᵀb) = ρ/cos ψ, the minimiser of κ(M(β)).
    pub fn beta_star(&self) -> f64 {
        (self.norm_b / self.norm_a) * (self.norm_b / self.b_par)
    }

    /// κ* = min_{M ∈ S(a→b)} κ(M) = ((‖b‖ + ‖b_⊥‖)/b_∥)² = (1 + sin ψ)/(1 − sin ψ), in the stable
    /// form (no 1 − sin ψ, no acos).
    pub fn kappa_min(&self) -> f64 {
        let r = (self.norm_b + self.b_perp) / self.b_par;
        r * r
    }

    /// The minimum-condition-number metric M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb) = M(β*),
    /// matrix-free.
    pub fn optimal(&self) -> PlaneMetric {
        self.family_unchecked(self.beta_star(), "optimal")
    }

    /// The family member M(β) = b bᵀ/(aᵀb) + β(I − â âᵀ), SPD for every β > 0; β must be finite and
    /// positive.
    pub fn family(&self, beta: f64) -> Result<PlaneMetric> {
        if !(beta > 0.0 && beta.is_finite()) {
            return Err(Error::input(format!(
                "β = {beta} is not a positive finite number; M(β) is SPD only for β > 0"
            )));
        }
        Ok(self.family_unchecked(beta, "family"))
    }

    /// BFGS(I) = I − â âᵀ + b bᵀ/(aᵀb) = M(1): the BFGS update of the identity with secant pair
    /// (s, y) = (a, b); the SPD member of S(a→b) closest to I in the Burg (log-det) divergence.
    pub fn bfgs_identity(&self) -> PlaneMetric {
        self.family_unchecked(1.0, "bfgs-identity")
    }

    fn family_unchecked(&self, beta: f64, kind: &'static str) -> PlaneMetric {
        // In the orthonormal basis (â, ê): b = (b_∥, ‖b_⊥‖), aᵀb = ‖a‖ b_∥.
        let na = self.norm_a;
        let (bp, bq) = (self.b_par, self.b_perp);
        let p = bp / na;
        let r = bq / na;
        let q = (bq / na) * (bq / bp) + beta;
        // det = pq − r² = β b_∥/‖a‖ = β ρ cos ψ exactly (no cancellation).
        let det = beta * bp / na;
        PlaneMetric::new(self, Matrix2::new(p, r, r, q), det, beta, kind)
    }

    /// DFP(I) = (I − b aᵀ/aᵀb)(I − a bᵀ/aᵀb) + b bᵀ/aᵀb: the DFP update of the identity; the
    /// member of S(a→b) closest to I in the dual divergence tr(M⁻¹) + ln det M. Its inverse is the
    /// BFGS update of the identity in the inverse: I − b̂ b̂ᵀ + a aᵀ/(aᵀb).
    pub fn dfp_identity(&self) -> PlaneMetric {
        let na = self.norm_a;
        let (bp, bq) = (self.b_par, self.b_perp);
        let t = bq / bp;
        let p = bp / na;
        let r = bq / na;
        let q = 1.0 + t * t + (bq / na) * (bq / bp);
        // det = pq − r² = ‖b‖²/(‖a‖ b_∥).
        let det = (self.norm_b / na) * (self.norm_b / bp);
        PlaneMetric::new(self, Matrix2::new(p, r, r, q), det, 1.0, "dfp-identity")
    }

    /// An orthonormal basis Q_⊥ (D × (D−1)) of a^⊥: the columns 1.. of the Householder reflector
    /// that maps â to ∓e₁ (a reflector is symmetric orthogonal, so its other columns span a^⊥).
    pub fn complement_basis(&self) -> Mat<f64> {
        let d = self.dim();
        let h = &self.a_hat;
        let s = if h[0] >= 0.0 { 1.0 } else { -1.0 };
        let mut v = h.clone();
        v[0] += s;
        let vv = dot(&v, &v);
        Mat::from_fn(d, d - 1, |i, j| {
            let jj = j + 1;
            let delta = if i == jj { 1.0 } else { 0.0 };
            delta - 2.0 * v[i] * v[jj] / vv
        })
    }

    /// The dense canonical-form metric M = b bᵀ/(aᵀb) + U Uᵀ (T2). U (D × r) must satisfy Uᵀa = 0
    /// up to round-off (|uᵢᵀâ| ≤ 1e-10·‖uᵢ‖); M is in S(a→b), and SPD iff rank U = D − 1.
    pub fn canonical_dense(&self, U: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let d = self.dim();
        if U.nrows() != d {
            return Err(Error::input(format!(
                "U has {} rows but D = {d}; U must be D × r with Uᵀa = 0",
                U.nrows()
            )));
        }
        for j in 0..U.ncols() {
            let col: Vec<f64> = (0..d).map(|i| U[(i, j)]).collect();
            let c = dot(&col, &self.a_hat);
            if c.abs() > 1e-10 * norm2(&col).max(f64::MIN_POSITIVE) {
                return Err(Error::input(format!(
                    "column {j} of U is not orthogonal to a (uᵀâ = {c:e}); project U onto a^⊥ first"
                )));
            }
        }
        let s = self.a_dot_b;
        let mut M = Mat::from_fn(d, d, |i, k| self.b[i] * self.b[k] / s);
        M += U * U.transpose();
        Ok(M)
    }

    /// T2 (⇒): for M ∈ S(a→b), the factor U (D × (D−1)) with M = b bᵀ/(aᵀb) + U Uᵀ and Uᵀa = 0,
    /// from the eigendecomposition of the PSD remainder R = M − b bᵀ/(aᵀb) (its D − 1 largest
    /// eigenpairs; the remaining eigenvalue, with eigenvector ∥ a, is returned as the second value
    /// and is 0 up to round-off).
    pub fn canonical_factor(&self, M: MatRef<'_, f64>) -> Result<(Mat<f64>, f64)> {
        let d = self.dim();
        if (M.nrows(), M.ncols()) != (d, d) {
            return Err(Error::input(format!(
                "M is {}×{} but D = {d}; give a D×D matrix",
                M.nrows(),
                M.ncols()
            )));
        }
        let s = self.a_dot_b;
        let R = Mat::from_fn(d, d, |i, k| {
            0.5 * (M[(i, k)] + M[(k, i)]) - self.b[i] * self.b[k] / s
        });
        let (S, V) = crate::linalg::symmetric_eigen(R.as_ref()).map_err(|e| {
            Error::failed(format!("eigendecomposition of M − bbᵀ/aᵀb failed: {e:?}"))
        })?;
        let U = Mat::from_fn(d, d - 1, |i, j| V[(i, j + 1)] * S[j + 1].max(0.0).sqrt());
        Ok((U, S[0]))
    }
}

/// The entries of `m` in column-major order (vec(m)).
pub fn vec_colmajor(m: MatRef<'_, f64>) -> Vec<f64> {
    let mut v = Vec::with_capacity(m.nrows() * m.ncols());
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            v.push(m[(i, j)]);
        }
    }
    v
}

/// An SPD metric of the form M = c·(I − E Eᵀ) + E B Eᵀ: c on span{a, b}^⊥ and a symmetric 2×2
/// block B on span{a, b} in the orthonormal basis E = (â, ê). Applying M or M⁻¹ and computing its
/// spectrum cost O(D); no D×D matrix is formed.
#[derive(Clone, Debug)]
pub struct PlaneMetric {
    kind: &'static str,
    dim: usize,
    a_hat: Vec<f64>,
    e_perp: Option<Vec<f64>>,
    /// B, symmetric (nalgebra's fixed-size 2×2: the small in-plane algebra, while faer keeps the
    /// dense D×D work).
    block: Matrix2<f64>,
    det: f64,
    complement: f64,
}

impl PlaneMetric {
    fn new(
        pair: &SecantPair,
        block: Matrix2<f64>,
        det: f64,
        complement: f64,
        kind: &'static str,
    ) -> Self {
        Self {
            kind,
            dim: pair.dim(),
            a_hat: pair.a_hat.clone(),
            e_perp: pair.e_perp.clone(),
            block,
            det,
            complement,
        }
    }

    /// Which metric this is (`optimal`, `family`, `bfgs-identity`, `dfp-identity`).
    pub fn kind(&self) -> &'static str {
        self.kind
    }
    /// The dimension D.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The eigenvalue on span{a, b}^⊥ (β for M(β), 1 for DFP(I)).
    pub fn complement_eigenvalue(&self) -> f64 {
        self.complement
    }
    /// The 2×2 block on span{a, b} in the basis (â, ê) (only the (0,0) entry matters when b ∥ a).
    pub fn block(&self) -> Matrix2<f64> {
        self.block
    }
    fn plane_dim(&self) -> usize {
        if self.e_perp.is_some() {
            2
        } else {
            1
        }
    }

    /// The eigenvalues of the in-plane block, (λ₋, λ₊); λ₋ = det/λ₊ avoids cancellation.
    pub fn block_eigenvalues(&self) -> (f64, f64) {
        let (p, r, q) = (self.block.m11, self.block.m12, self.block.m22);
        if self.e_perp.is_none() {
            return (p, p);
        }
        let m = 0.5 * (p + q);
        let h = (0.5 * (p - q)).hypot(r);
        let hi = m + h;
        (self.det / hi, hi)
    }

    /// The smallest and the largest eigenvalue of M.
    pub fn extreme_eigenvalues(&self) -> (f64, f64) {
        let (mut lo, mut hi) = self.block_eigenvalues();
        if self.dim > self.plane_dim() {
            lo = lo.min(self.complement);
            hi = hi.max(self.complement);
        }
        (lo, hi)
    }

    /// The spectral condition number κ(M) = λ_max/λ_min, matrix-free.
    pub fn kappa(&self) -> f64 {
        let (lo, hi) = self.extreme_eigenvalues();
        hi / lo
    }

    /// All eigenvalues in ascending order: the block's two (one when b ∥ a) and the complement
    /// value with multiplicity D − 2 (D − 1). Returns the distinct values with multiplicities.
    pub fn spectrum(&self) -> Vec<(f64, usize)> {
        let mut v = Vec::new();
        let (lo, hi) = self.block_eigenvalues();
        if self.e_perp.is_some() {
            v.push((lo, 1));
            v.push((hi, 1));
        } else {
            v.push((lo, 1));
        }
        let mult = self.dim.saturating_sub(self.plane_dim());
        if mult > 0 {
            v.push((self.complement, mult));
        }
        v.sort_by(|x, y| x.0.total_cmp(&y.0));
        v
    }

    /// Whether M is SPD (its smallest eigenvalue is positive).
    pub fn is_spd(&self) -> bool {
        self.extreme_eigenvalues().0 > 0.0
    }

    fn coords(&self, v: &[f64]) -> (f64, f64) {
        match &self.e_perp {
            Some(e) => {
                // one fused pass over v, â and ê
                let (mut c0, mut c1) = (0.0, 0.0);
                for ((vi, hi), ei) in v.iter().zip(&self.a_hat).zip(e) {
                    c0 += vi * hi;
                    c1 += vi * ei;
                }
                (c0, c1)
            }
            None => (dot(v, &self.a_hat), 0.0),
        }
    }

    fn apply_block(&self, v: &[f64], out: &mut [f64], B: Matrix2<f64>, c: f64) {
        assert_eq!(
            v.len(),
            self.dim,
            "vector length differs from the metric's dimension"
        );
        assert_eq!(
            out.len(),
            self.dim,
            "output length differs from the metric's dimension"
        );
        let (x0, x1) = self.coords(v);
        // out = c v + E (B − cI) Eᵀ v
        let y0 = (B.m11 - c) * x0 + B.m12 * x1;
        let y1 = B.m21 * x0 + (B.m22 - c) * x1;
        match &self.e_perp {
            Some(e) => {
                for (((o, vi), hi), ei) in out.iter_mut().zip(v).zip(&self.a_hat).zip(e) {
                    *o = c * vi + y0 * hi + y1 * ei;
                }
            }
            None => {
                for ((o, vi), hi) in out.iter_mut().zip(v).zip(&self.a_hat) {
                    *o = c * vi + y0 * hi;
                }
            }
        }
    }

    /// out = M·v in O(D).
    pub fn apply_into(&self, v: &[f64], out: &mut [f64]) {
        self.apply_block(v, out, self.block, self.complement);
    }

    /// M·v in O(D).
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; v.len()];
        self.apply_into(v, &mut out);
        out
    }

    /// M·vec(V) for a matrix V (a one-column matrix for a vector), returned in V's shape; vec is
    /// column-major, as in [`SecantPair::metric_tensor_mats`].
    pub fn apply_mat(&self, v: MatRef<'_, f64>) -> Mat<f64> {
        let out = self.apply(&vec_colmajor(v));
        Mat::from_fn(v.nrows(), v.ncols(), |i, j| out[j * v.nrows() + i])
    }

    /// M⁻¹·vec(V) for a matrix V, returned in V's shape (the preconditioner applied to V).
    pub fn apply_inverse_mat(&self, v: MatRef<'_, f64>) -> Mat<f64> {
        let out = self.apply_inverse(&vec_colmajor(v));
        Mat::from_fn(v.nrows(), v.ncols(), |i, j| out[j * v.nrows() + i])
    }

    /// B⁻¹ by the adjugate over the exactly known det (not recomputed as pq − r², which cancels).
    fn inverse_block(&self) -> Matrix2<f64> {
        let (p, r, q) = (self.block.m11, self.block.m12, self.block.m22);
        if self.e_perp.is_none() {
            return Matrix2::new(1.0 / p, 0.0, 0.0, 0.0);
        }
        Matrix2::new(q / self.det, -r / self.det, -r / self.det, p / self.det)
    }

    /// out = M⁻¹·v in O(D) (the inverse of the 2×2 block plus 1/c on the complement).
    pub fn apply_inverse_into(&self, v: &[f64], out: &mut [f64]) {
        self.apply_block(v, out, self.inverse_block(), 1.0 / self.complement);
    }

    /// M⁻¹·v in O(D).
    pub fn apply_inverse(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; v.len()];
        self.apply_inverse_into(v, &mut out);
        out
    }

    /// The dense D×D matrix (for small D).
    pub fn to_dense(&self) -> Mat<f64> {
        self.dense_of(self.block, self.complement)
    }

    /// The dense D×D inverse (for small D): the preconditioner P = M⁻¹ of the pair.
    pub fn to_dense_inverse(&self) -> Mat<f64> {
        self.dense_of(self.inverse_block(), 1.0 / self.complement)
    }

    fn dense_of(&self, B: Matrix2<f64>, c: f64) -> Mat<f64> {
        let d = self.dim;
        let h = &self.a_hat;
        let zero = vec![0.0; d];
        let e = self.e_perp.as_ref().unwrap_or(&zero);
        Mat::from_fn(d, d, |i, k| {
            let delta = if i == k { c } else { 0.0 };
            delta
                + (B.m11 - c) * h[i] * h[k]
                + B.m12 * (h[i] * e[k] + e[i] * h[k])
                + (B.m22 - c) * e[i] * e[k]
        })
    }
}

/// Dense M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb), straight from the formula (small D).
pub fn dense_optimal(pair: &SecantPair) -> Mat<f64> {
    dense_family(pair, pair.beta_star())
}

/// Dense M(β) = b bᵀ/(aᵀb) + β(I − â âᵀ), straight from the formula (small D).
pub fn dense_family(pair: &SecantPair, beta: f64) -> Mat<f64> {
    let (a, b, h) = (pair.a(), pair.b(), pair.a_hat());
    let s = dot(a, b);
    // b_i·(b_k/s) rather than (b_i·b_k)/s: the product underflows when aᵀb is tiny
    // (a = e₁, b = (1e-300, 1): entry (0,0) is 1e-300, not 0); evaluated for i ≤ k and mirrored,
    // so M is exactly symmetric.
    Mat::from_fn(pair.dim(), pair.dim(), |i, k| {
        let (i, k) = (i.min(k), i.max(k));
        let delta = if i == k { 1.0 } else { 0.0 };
        b[i] * (b[k] / s) + beta * (delta - h[i] * h[k])
    })
}

/// Dense DFP(I) = (I − ρ' b aᵀ)(I − ρ' a bᵀ) + ρ' b bᵀ, ρ' = 1/(aᵀb), as a product of the two
/// factors (small D).
pub fn dense_dfp_identity(pair: &SecantPair) -> Mat<f64> {
    let (a, b) = (pair.a(), pair.b());
    let d = pair.dim();
    let rp = 1.0 / dot(a, b);
    let L = Mat::from_fn(d, d, |i, k| {
        (if i == k { 1.0 } else { 0.0 }) - rp * b[i] * a[k]
    });
    let LLt = &L * L.transpose();
    // symmetrize the product exactly, then add ρ' b bᵀ
    Mat::from_fn(d, d, |i, k| {
        0.5 * (LLt[(i, k)] + LLt[(k, i)]) + rp * b[i] * b[k]
    })
}

/// The ascending eigenvalues of the symmetric part of a dense matrix (faer's self-adjoint EVD).
pub fn dense_eigenvalues(M: MatRef<'_, f64>) -> Result<Vec<f64>> {
    if M.nrows() != M.ncols() {
        return Err(Error::input(format!(
            "matrix is {}×{}; eigenvalues need a square matrix",
            M.nrows(),
            M.ncols()
        )));
    }
    let n = M.nrows();
    let S = Mat::from_fn(n, n, |i, k| 0.5 * (M[(i, k)] + M[(k, i)]));
    crate::linalg::symmetric_eigenvalues(S.as_ref())
        .map_err(|e| Error::failed(format!("symmetric eigenvalue solver failed: {e:?}")))
}

/// κ(M) = λ_max/λ_min of a dense SPD matrix (∞ if λ_min ≤ 0).
pub fn dense_kappa(M: MatRef<'_, f64>) -> Result<f64> {
    let ev = dense_eigenvalues(M)?;
    let lo = ev[0];
    let hi = ev[ev.len() - 1];
    Ok(if lo > 0.0 { hi / lo } else { f64::INFINITY })
}

/// Max |M − Mᵀ| relative to max |M|.
pub fn asymmetry(M: MatRef<'_, f64>) -> f64 {
    let n = M.nrows();
    let mut worst = 0.0f64;
    let mut scale = 0.0f64;
    for i in 0..n {
        for k in 0..n {
            worst = worst.max((M[(i, k)] - M[(k, i)]).abs());
            scale = scale.max(M[(i, k)].abs());
        }
    }
    if scale == 0.0 {
        0.0
    } else {
        worst / scale
    }
}

/// ‖M a − b‖₂/‖b‖₂ for a dense M.
pub fn secant_residual(M: MatRef<'_, f64>, a: &[f64], b: &[f64]) -> f64 {
    let n = M.nrows();
    let r: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|k| M[(i, k)] * a[k]).sum::<f64>() - b[i])
        .collect();
    norm2(&r) / norm2(b)
}

/// The round-off tolerance of the secant identity ‖M a − b‖ ≤ tol·‖b‖ for M_opt: forming M costs
/// O(D) flops per entry at the scale ‖b‖²/(aᵀb) = ‖b‖/(‖a‖cos ψ), so the residual is
/// ≤ c·D·ε·‖b‖/cos ψ; c = 16 covers the constants.
pub fn secant_tolerance(pair: &SecantPair) -> f64 {
    16.0 * pair.dim() as f64 * f64::EPSILON / pair.cos_psi()
}

/// The round-off tolerance of κ(M) computed by a dense symmetric eigensolver against the closed
/// form: a backward-stable EVD perturbs every eigenvalue by ≤ c·D·ε·λ_max, so λ_min, and κ, carry
/// a relative error ≤ c·D·ε·κ; we allow max(1e-10, 64·D·ε·κ*) relative (1e-10 for the few flops of
/// well-conditioned cases).
pub fn kappa_tolerance(pair: &SecantPair) -> f64 {
    (64.0 * pair.dim() as f64 * f64::EPSILON * pair.kappa_min()).max(1e-10)
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests;
