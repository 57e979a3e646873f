//! KKT certificates of margin maximization (Gronich & Vardi 2026, file 02 §4 check P2-d), solved
//! with the Clarabel interior-point solver ([`super::conic`]).
//!
//! * [`nnls`]: non-negative least squares min_{λ ≥ 0} ‖b − Aλ‖₂, as the second-order-cone program
//!   min t s.t. (t, b − Aλ) ∈ SOC, λ ≥ 0.
//! * [`best_dual_alignment`]: for a product norm ‖θ‖ = max_l s_l‖θ_l‖_l (block norms with conic
//!   dual epigraphs), max_{λ ≥ 0} ⟨Aλ, θ⟩/(‖Aλ‖_*‖θ‖), as min ‖Aλ‖_* = Σ_l ‖(Aλ)_l‖_{l,*}/s_l
//!   s.t. ⟨Aλ, θ⟩ = 1, λ ≥ 0 (the ratio is then 1/(‖θ‖·min)).
//!
//! Both answers are re-evaluated from the returned λ (clipped to λ ≥ 0) with the crate's own
//! norms, so the reported residual (alignment) is that of a feasible λ: an upper (lower) bound on
//! the optimum whatever the solver's accuracy.

use super::conic::{Affine, Program};
use super::epigraph::norm_epigraph;
use super::Geometry;
use crate::error::{Error, Result};
use clarabel::solver::SupportedConeT;
use faer::Mat;

/// A non-negative least-squares solution.
#[derive(Debug, Clone)]
pub struct Nnls {
    /// λ ≥ 0.
    pub lambda: Vec<f64>,
    /// ‖b − Aλ‖₂ for the returned λ.
    pub residual: f64,
}

fn column(b: &Mat<f64>) -> Result<Vec<f64>> {
    if b.ncols() != 1 {
        return Err(Error::input(format!(
            "nnls: b is {}×{}; give b as one column",
            b.nrows(),
            b.ncols()
        )));
    }
    Ok((0..b.nrows()).map(|i| b[(i, 0)]).collect())
}

/// min_{λ ≥ 0} ‖b − Aλ‖₂ for A: m × k and b: m × 1 (Clarabel SOCP, tolerance 1e-10).
pub fn nnls(a: &Mat<f64>, b: &Mat<f64>) -> Result<Nnls> {
    let bv = column(b)?;
    let (m, k) = (a.nrows(), a.ncols());
    if bv.len() != m {
        return Err(Error::input(format!(
            "nnls: A has {m} rows but b has {}; give b one entry per row of A",
            bv.len()
        )));
    }
    let finite_a = (0..k).all(|j| (0..m).all(|i| a[(i, j)].is_finite()));
    if !finite_a || bv.iter().any(|x| !x.is_finite()) {
        return Err(Error::input(
            "nnls: A or b has a non-finite entry; remove NaN/Inf",
        ));
    }
    let mut prog = Program::new(k);
    let t = prog.add_var();
    prog.cost(t, 1.0);
    prog.nonneg((0..k).map(|j| Affine::var(j, 1.0)).collect());
    let mut rows = Vec::with_capacity(m + 1);
    rows.push(Affine::var(t, 1.0));
    for (i, &bi) in bv.iter().enumerate() {
        let mut e = Affine::constant(bi);
        for j in 0..k {
            if a[(i, j)] != 0.0 {
                e = e.plus(j, -a[(i, j)]);
            }
        }
        rows.push(e);
    }
    prog.block(SupportedConeT::SecondOrderConeT(m + 1), rows);
    let sol = prog.solve(1e-10, 500)?;
    if !sol.solved() {
        return Err(Error::failed(format!(
            "nnls: the conic solver stopped with status {:?} after {} iterations",
            sol.status, sol.iterations
        )));
    }
    let lambda: Vec<f64> = sol.x[..k].iter().map(|&x| x.max(0.0)).collect();
    let residual = (0..m)
        .map(|i| {
            let r = bv[i] - (0..k).map(|j| a[(i, j)] * lambda[j]).sum::<f64>();
            r * r
        })
        .sum::<f64>()
        .sqrt();
    Ok(Nnls { lambda, residual })
}

/// One block of a product norm max_l s_l‖θ_l‖_l for [`best_dual_alignment`]: its shape, its scale
/// s_l, and the geometry of the **dual** block norm ‖·‖_{l,*} (conic: entry-wise ℓp, nuclear,
/// spectral).
#[derive(Debug, Clone, Copy)]
pub struct DualBlock {
    /// Rows and columns of the block.
    pub shape: (usize, usize),
    /// The scale s_l > 0 of the primal block norm.
    pub scale: f64,
    /// The dual block norm's geometry.
    pub dual: Geometry,
}

/// The answer of [`best_dual_alignment`].
#[derive(Debug, Clone)]
pub struct DualAlignment {
    /// λ ≥ 0.
    pub lambda: Vec<f64>,
    /// g_λ = Aλ, flattened like the columns of A.
    pub g: Vec<f64>,
}

/// max_{λ ≥ 0} ⟨Aλ, θ⟩/‖Aλ‖_* for the product norm of `blocks` (max aggregation): the columns of
/// A (m × k) and θ (m × 1) are the blocks flattened row-major, one after the other. Solved as
/// min Σ_l ‖(Aλ)_l‖_{l,*}/s_l s.t. ⟨Aλ, θ⟩ = 1, λ ≥ 0. Returns λ and g_λ; the caller evaluates the
/// ratio with its own norms. No λ with ⟨Aλ, θ⟩ > 0 → [`Error::Failed`].
pub fn best_dual_alignment(
    a: &Mat<f64>,
    theta: &Mat<f64>,
    blocks: &[DualBlock],
) -> Result<DualAlignment> {
    let th = column(theta)?;
    let (m, k) = (a.nrows(), a.ncols());
    let total: usize = blocks.iter().map(|b| b.shape.0 * b.shape.1).sum();
    if total != m || th.len() != m {
        return Err(Error::input(format!(
            "best_dual_alignment: the blocks hold {total} entries but A has {m} rows and θ {}; give blocks matching the flattened parameters",
            th.len()
        )));
    }
    if blocks
        .iter()
        .any(|b| !b.dual.is_conic() || b.scale.is_nan() || b.scale <= 0.0)
    {
        return Err(Error::input(
            "best_dual_alignment: every block needs a conic dual geometry and a scale > 0",
        ));
    }
    // Variables: λ (k), then z = Aλ (m).
    let mut prog = Program::new(k + m);
    prog.nonneg((0..k).map(|j| Affine::var(j, 1.0)).collect());
    let mut eq = Vec::with_capacity(m + 1);
    for i in 0..m {
        let mut e = Affine::var(k + i, 1.0);
        for j in 0..k {
            if a[(i, j)] != 0.0 {
                e = e.plus(j, -a[(i, j)]);
            }
        }
        eq.push(e);
    }
    let mut inner = Affine::constant(-1.0);
    for (i, &t) in th.iter().enumerate() {
        if t != 0.0 {
            inner = inner.plus(k + i, t);
        }
    }
    eq.push(inner);
    prog.block(SupportedConeT::ZeroConeT(m + 1), eq);
    let mut offset = k;
    for b in blocks {
        let (r, c) = b.shape;
        let t = norm_epigraph(&mut prog, b.dual, offset, r, c);
        prog.cost(t, 1.0 / b.scale);
        offset += r * c;
    }
    let sol = prog.solve(1e-9, 500)?;
    if !sol.solved() {
        return Err(Error::failed(format!(
            "best_dual_alignment: the conic solver stopped with status {:?} after {} iterations (no λ ≥ 0 with ⟨Aλ, θ⟩ > 0?)",
            sol.status, sol.iterations
        )));
    }
    let lambda: Vec<f64> = sol.x[..k].iter().map(|&x| x.max(0.0)).collect();
    let g = (0..m)
        .map(|i| (0..k).map(|j| a[(i, j)] * lambda[j]).sum())
        .collect();
    Ok(DualAlignment { lambda, g })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn nnls_known_answers() {
        // A = I: λ = max(b, 0), residual = ‖min(b, 0)‖.
        let a = Mat::<f64>::identity(3, 3);
        let b = Mat::from_fn(3, 1, |i, _| [1.0, -2.0, 3.0][i]);
        let s = nnls(&a, &b).unwrap();
        for (l, want) in s.lambda.iter().zip([1.0, 0.0, 3.0]) {
            assert!((l - want).abs() < 1e-7, "{:?}", s.lambda);
        }
        assert!((s.residual - 2.0).abs() < 1e-7, "{}", s.residual);
        // b in the cone of A's columns: residual 0, λ = (1, 2).
        let a = Mat::from_fn(3, 2, |i, j| [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]][i][j]);
        let b = Mat::from_fn(3, 1, |i, _| [1.0, 2.0, 3.0][i]);
        let s = nnls(&a, &b).unwrap();
        assert!((s.lambda[0] - 1.0).abs() < 1e-7 && (s.lambda[1] - 2.0).abs() < 1e-7);
        assert!(s.residual < 1e-7);
    }

    #[test]
    fn nnls_satisfies_kkt_on_random_problem() {
        // Optimality of min ½‖b − Aλ‖², λ ≥ 0: with r = b − Aλ, Aᵀr ≤ 0, and (Aᵀr)_j = 0 where λ_j > 0,
        // to 1e-4: an interior-point solution at gap tolerance 1e-10 has variables accurate to
        // about the square root of that.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let a = Mat::from_fn(12, 6, |_, _| StandardNormal.sample(&mut rng));
        let b = Mat::from_fn(12, 1, |_, _| StandardNormal.sample(&mut rng));
        let s = nnls(&a, &b).unwrap();
        let lam = Mat::from_fn(6, 1, |j, _| s.lambda[j]);
        let r = &b - &a * &lam;
        let atr = a.transpose() * &r;
        let active = s.lambda.iter().filter(|&&l| l > 1e-4).count();
        assert!(
            active > 0 && active < 6,
            "a non-trivial support: {:?}",
            s.lambda
        );
        for j in 0..6 {
            assert!(atr[(j, 0)] <= 1e-4, "{j}: {}", atr[(j, 0)]);
            if s.lambda[j] > 1e-4 {
                assert!(
                    atr[(j, 0)].abs() <= 1e-4,
                    "{j}: {} (λ = {})",
                    atr[(j, 0)],
                    s.lambda[j]
                );
            }
        }
        assert!((s.residual - r.norm_l2()).abs() < 1e-12);
    }

    #[test]
    fn dual_alignment_of_a_sign_vector_is_one_in_linf() {
        // θ = sign pattern; columns e_1 + e_2 − e_3 (aligned with θ in ℓ∞: ⟨g, θ⟩ = ‖g‖₁‖θ‖∞)
        // and e_1 − e_2 (not aligned). The best λ uses only the first column: ratio 1.
        let theta = Mat::from_fn(3, 1, |i, _| [1.0, 1.0, -1.0][i]);
        let a = Mat::from_fn(3, 2, |i, j| [[1.0, 1.0], [1.0, -1.0], [-1.0, 0.0]][i][j]);
        let blocks = [DualBlock {
            shape: (3, 1),
            scale: 1.0,
            dual: Geometry::Entrywise(1.0),
        }];
        let s = best_dual_alignment(&a, &theta, &blocks).unwrap();
        let ip: f64 = (0..3).map(|i| s.g[i] * theta[(i, 0)]).sum();
        let l1: f64 = s.g.iter().map(|x| x.abs()).sum();
        assert!((ip / l1 - 1.0).abs() < 1e-7, "{:?}", s);
        // Only the misaligned column: ratio ⟨e1 − e2, θ⟩ = 0 → infeasible (no positive inner product).
        let a2 = Mat::from_fn(3, 1, |i, _| [1.0, -1.0, 0.0][i]);
        assert!(best_dual_alignment(&a2, &theta, &blocks).is_err());
    }
}
