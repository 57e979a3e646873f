//! Induced operator norms between vector ℓp spaces (Bernstein & Newhouse Prop. 8; file 04, file 00 §1):
//!
//! * ‖M‖_{ℓ1→ℓp} = max_j ‖col_j(M)‖_p ([`OperatorL1ToLp`]);
//! * ‖M‖_{ℓp→ℓ∞} = max_i ‖row_i(M)‖_q, q = p/(p−1) ([`OperatorLpToLinf`]).
//!
//! Both are a max of independent per-column (per-row) norms, so the unit ball is a product of balls
//! and the dual norm and LMO separate [derived]:
//! * ℓ1→ℓp: ‖G‖_* = Σ_j ‖col_j(G)‖_q, LMO column j = ℓp-LMO(col_j(G));
//! * ℓp→ℓ∞: ‖G‖_* = Σ_i ‖row_i(G)‖_p, LMO row i = ℓq-LMO(row_i(G)).
//!
//! A zero column (row) of G gets a zero column (row), so dualize(0) = 0. Ties inside a column/row
//! (p = 1 or q = 1) are broken by the first maximal entry, as in [`super::Entrywise`].

use super::entrywise::{conjugate_exponent, fmt_exponent, lp_lmo, lp_norm};
use super::Norm;
use faer::{Mat, MatRef};

fn col(a: MatRef<'_, f64>, j: usize) -> Vec<f64> {
    (0..a.nrows()).map(|i| a[(i, j)]).collect()
}
fn row(a: MatRef<'_, f64>, i: usize) -> Vec<f64> {
    (0..a.ncols()).map(|j| a[(i, j)]).collect()
}

/// The ℓ1→ℓp operator norm max_j ‖col_j(M)‖_p, 1 ≤ p ≤ ∞.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorL1ToLp {
    /// The exponent p ∈ [1, ∞] of the target space.
    pub p: f64,
}

impl OperatorL1ToLp {
    /// The ℓ1→ℓp norm. Panics unless p ≥ 1 (or ∞).
    pub fn new(p: f64) -> Self {
        assert!(p >= 1.0, "ℓ1→ℓp needs p ≥ 1, got {p}");
        Self { p }
    }
}

impl Norm for OperatorL1ToLp {
    fn name(&self) -> String {
        format!("op:1->{}", fmt_exponent(self.p))
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        (0..x.ncols()).fold(0.0, |a, j| a.max(lp_norm(&col(x, j), self.p)))
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        let q = conjugate_exponent(self.p);
        (0..g.ncols()).map(|j| lp_norm(&col(g, j), q)).sum()
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let mut out = Mat::zeros(g.nrows(), g.ncols());
        let mut buf = vec![0.0; g.nrows()];
        let mut dual = 0.0;
        for j in 0..g.ncols() {
            dual += lp_lmo(&col(g, j), self.p, &mut buf);
            for (i, &v) in buf.iter().enumerate() {
                out[(i, j)] = v;
            }
        }
        (dual, out)
    }
}

/// The ℓp→ℓ∞ operator norm max_i ‖row_i(M)‖_q, q = p/(p−1), 1 ≤ p ≤ ∞.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorLpToLinf {
    /// The exponent p ∈ [1, ∞] of the source space.
    pub p: f64,
}

impl OperatorLpToLinf {
    /// The ℓp→ℓ∞ norm. Panics unless p ≥ 1 (or ∞).
    pub fn new(p: f64) -> Self {
        assert!(p >= 1.0, "ℓp→ℓ∞ needs p ≥ 1, got {p}");
        Self { p }
    }
}

impl Norm for OperatorLpToLinf {
    fn name(&self) -> String {
        format!("op:{}->inf", fmt_exponent(self.p))
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        let q = conjugate_exponent(self.p);
        (0..x.nrows()).fold(0.0, |a, i| a.max(lp_norm(&row(x, i), q)))
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        (0..g.nrows()).map(|i| lp_norm(&row(g, i), self.p)).sum()
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let q = conjugate_exponent(self.p);
        let mut out = Mat::zeros(g.nrows(), g.ncols());
        let mut buf = vec![0.0; g.ncols()];
        let mut dual = 0.0;
        for i in 0..g.nrows() {
            dual += lp_lmo(&row(g, i), q, &mut buf);
            for (j, &v) in buf.iter().enumerate() {
                out[(i, j)] = v;
            }
        }
        (dual, out)
    }
}
