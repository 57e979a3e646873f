//! Linear separability of a multiclass dataset, decided by a linear program.
//!
//! The data are separable (Fan et al. 2025, Ass. 1) iff some W has every pair margin
//! ⟨A_ic, W⟩ = (w_{y_i} − w_c)ᵀ h_i positive. By homogeneity this is decided by the LP
//!
//! t* = max t  subject to  ⟨A_ic, W⟩ ≥ t for all pairs,  |W_ij| ≤ 1,  t ≤ 1,
//!
//! whose optimum is positive iff the data are separable (t* = min(1, γ_max), γ_max the max-norm
//! margin). Its dual multipliers λ ∈ Δ certify non-separability: ‖Σ λ_ic A_ic‖_sum = t* ≈ 0.

use super::Dataset;
use crate::error::{Error, Result};
use crate::margin::conic::{Affine, Program};

/// The verdict of [`separability`].
#[derive(Debug, Clone)]
pub struct Separability {
    /// t* > tolerance: some W classifies every sample with a positive margin.
    pub separable: bool,
    /// The LP optimum t* = min(1, γ_max) (max-norm margin, capped at 1).
    pub t: f64,
    /// The tolerance t* was compared with: 1e-9 · max_i 2‖h_i‖₁ (the largest possible margin of a
    /// W with |W_ij| ≤ 1 is 2‖h_i‖₁).
    pub tolerance: f64,
    /// Dual multipliers λ ≥ 0 of the pair constraints, indexed like [`Dataset::pairs`], Σλ = 1.
    pub lambda: Vec<f64>,
}

/// Decide separability of `data` by the LP above (Clarabel).
pub fn separability(data: &Dataset) -> Result<Separability> {
    let (k, d) = (data.classes(), data.d());
    let x = data.x();
    let mut prog = Program::new(k * d);
    let t = prog.add_var();
    prog.cost(t, -1.0);
    let pairs = data.pairs();
    let rows = pairs
        .iter()
        .map(|&(i, c)| {
            let yi = data.y()[i];
            let mut e = Affine::var(t, -1.0);
            for j in 0..d {
                e = e.plus(yi * d + j, x[(i, j)]).plus(c * d + j, -x[(i, j)]);
            }
            e
        })
        .collect();
    let first = prog.nonneg(rows);
    let mut box_rows = Vec::with_capacity(2 * k * d + 1);
    for idx in 0..k * d {
        box_rows.push(Affine::constant(1.0).plus(idx, -1.0));
        box_rows.push(Affine::constant(1.0).plus(idx, 1.0));
    }
    box_rows.push(Affine::constant(1.0).plus(t, -1.0));
    prog.nonneg(box_rows);
    let sol = prog.solve(1e-10, 200)?;
    if !sol.solved() {
        return Err(Error::failed(format!(
            "separability LP: the conic solver stopped with status {:?}",
            sol.status
        )));
    }
    let scale = (0..data.n())
        .map(|i| 2.0 * (0..d).map(|j| x[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let tolerance = 1e-9 * scale.max(f64::MIN_POSITIVE);
    let mut lambda: Vec<f64> = sol.z[first..first + pairs.len()]
        .iter()
        .map(|&z| z.max(0.0))
        .collect();
    let total: f64 = lambda.iter().sum();
    if total > 0.0 {
        lambda.iter_mut().for_each(|l| *l /= total);
    }
    let tv = sol.x[t];
    Ok(Separability {
        separable: tv > tolerance,
        t: tv,
        tolerance,
        lambda,
    })
}
