//! Entry-wise ℓp norms ‖A‖_p = (Σ_ij |A_ij|^p)^{1/p}, 1 ≤ p ≤ ∞, and the vector ℓp kernels that the
//! operator and Schatten norms reuse.
//!
//! Dual: the entry-wise ℓq norm, 1/p + 1/q = 1 (file 00 §1). LMOs (file 00 §2):
//! * p = ∞ (max): sign(G) with sign(0) = 0;
//! * p = 1 (sum): sign(G_{i*j*}) e_{i*}e_{j*}ᵀ at the **first** maximal |G_ij| in **column-major**
//!   order (faer's storage order: j outer, i inner) — Gauss–Southwell coordinate descent;
//! * p = 2 (Frobenius): G/‖G‖_F;
//! * 1 < p < ∞: sign(G)|G|^{q−1}/‖G‖_q^{q−1}, computed on G/max|G| so no power overflows.
//!
//! Every LMO maps 0 to 0.

use super::Norm;
use faer::{Mat, MatRef};

/// The Hölder conjugate q of p: 1 ↦ ∞, ∞ ↦ 1, otherwise p/(p − 1).
pub fn conjugate_exponent(p: f64) -> f64 {
    if p == 1.0 {
        f64::INFINITY
    } else if p.is_infinite() {
        1.0
    } else {
        p / (p - 1.0)
    }
}

/// Formats an exponent for a canonical name: `3`, `1.5`, `inf`.
pub fn fmt_exponent(p: f64) -> String {
    if p.is_infinite() {
        "inf".to_string()
    } else {
        format!("{p}")
    }
}

/// ‖x‖_p of a vector, overflow- and underflow-safe: computed as M·‖x/M‖_p with M = max|x_i|.
pub fn lp_norm(x: &[f64], p: f64) -> f64 {
    let m = x.iter().fold(0.0f64, |a, &v| a.max(v.abs()));
    if m == 0.0 || p.is_infinite() {
        return m;
    }
    if p == 1.0 {
        return x.iter().map(|v| v.abs()).sum();
    }
    if p == 2.0 {
        let s: f64 = x.iter().map(|v| (v / m) * (v / m)).sum();
        return m * s.sqrt();
    }
    let s: f64 = x.iter().map(|v| (v.abs() / m).powf(p)).sum();
    m * s.powf(1.0 / p)
}

/// sign(0) = 0, sign(x) = x/|x| otherwise; NaN stays NaN (so a NaN that reaches a sign-based
/// step is reported as a non-finite update instead of becoming a silent 0).
pub fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else if v == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

/// The ℓp LMO of a vector: writes argmax_{‖d‖_p ≤ 1} ⟨x, d⟩ into `out` and returns the dual norm
/// ‖x‖_q. Zero maps to zero; for p = 1 the first maximal |x_i| wins.
pub fn lp_lmo(x: &[f64], p: f64, out: &mut [f64]) -> f64 {
    assert_eq!(x.len(), out.len());
    out.iter_mut().for_each(|o| *o = 0.0);
    let m = x.iter().fold(0.0f64, |a, &v| a.max(v.abs()));
    if m == 0.0 {
        return 0.0;
    }
    if p.is_infinite() {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = sign(v);
        }
        return x.iter().map(|v| v.abs()).sum();
    }
    if p == 1.0 {
        let i = x.iter().position(|v| v.abs() == m).expect("max exists");
        out[i] = sign(x[i]);
        return m;
    }
    if p == 2.0 {
        let n = lp_norm(x, 2.0);
        if n.is_normal() {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = v / n;
            }
        } else {
            // ‖x‖₂ overflowed (or is subnormal, with few bits): x/‖x‖₂ = (x/M)/‖x/M‖₂.
            let s = x.iter().map(|v| (v / m) * (v / m)).sum::<f64>().sqrt();
            for (o, &v) in out.iter_mut().zip(x) {
                *o = (v / m) / s;
            }
        }
        return n;
    }
    let q = conjugate_exponent(p);
    // y = |x|/M ∈ [0, 1]; ‖x‖_q = M ‖y‖_q; D = sign(x) y^{q−1} / ‖y‖_q^{q−1}.
    let s: f64 = x.iter().map(|v| (v.abs() / m).powf(q)).sum();
    let nq = s.powf(1.0 / q);
    let denom = nq.powf(q - 1.0);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = sign(v) * (v.abs() / m).powf(q - 1.0) / denom;
    }
    m * nq
}

/// The entries of `a` in column-major order.
pub fn to_vec_colmajor(a: MatRef<'_, f64>) -> Vec<f64> {
    let mut v = Vec::with_capacity(a.nrows() * a.ncols());
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            v.push(a[(i, j)]);
        }
    }
    v
}

/// The entry-wise ℓp norm, 1 ≤ p ≤ ∞ (p = ∞: max, p = 1: sum, p = 2: Frobenius).
#[derive(Debug, Clone, PartialEq)]
pub struct Entrywise {
    /// The exponent p ∈ [1, ∞].
    pub p: f64,
    /// Whether the norm was named as a vector norm (`l1`, `l2`, `linf`, `lp:P`); only affects `name()`.
    vector_name: bool,
}

impl Entrywise {
    /// The entry-wise ℓp norm. Panics unless p ≥ 1 (or ∞); user input goes through `parse_norm`.
    pub fn new(p: f64) -> Self {
        assert!(p >= 1.0, "entry-wise ℓp needs p ≥ 1, got {p}");
        Self {
            p,
            vector_name: false,
        }
    }
    /// The vector ℓp norm on one-column matrices (same maths; named `l1`, `l2`, `linf` or `lp:P`).
    pub fn vector(p: f64) -> Self {
        Self {
            vector_name: true,
            ..Self::new(p)
        }
    }
    /// The max-norm max_ij |A_ij| (p = ∞).
    pub fn max() -> Self {
        Self::new(f64::INFINITY)
    }
    /// The sum-norm Σ_ij |A_ij| (p = 1).
    pub fn sum() -> Self {
        Self::new(1.0)
    }
    /// The Frobenius norm (p = 2).
    pub fn frobenius() -> Self {
        Self::new(2.0)
    }
}

impl Norm for Entrywise {
    fn name(&self) -> String {
        let p = self.p;
        if self.vector_name {
            return if p == 1.0 {
                "l1".into()
            } else if p == 2.0 {
                "l2".into()
            } else if p.is_infinite() {
                "linf".into()
            } else {
                format!("lp:{}", fmt_exponent(p))
            };
        }
        if p == 1.0 {
            "sum".into()
        } else if p == 2.0 {
            "fro".into()
        } else if p.is_infinite() {
            "max".into()
        } else {
            format!("entrywise:{}", fmt_exponent(p))
        }
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        lp_norm(&to_vec_colmajor(x), self.p)
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        lp_norm(&to_vec_colmajor(g), conjugate_exponent(self.p))
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn family(&self) -> super::Family {
        super::Family::Entrywise {
            p: self.p,
            vector: self.vector_name,
        }
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let x = to_vec_colmajor(g);
        let mut out = vec![0.0; x.len()];
        let d = lp_lmo(&x, self.p, &mut out);
        let m = g.nrows();
        (d, Mat::from_fn(m, g.ncols(), |i, j| out[j * m + i]))
    }
}
