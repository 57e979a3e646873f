//! Exact reduction of the multiclass max-margin program to the row span of the data, for
//! unitarily invariant norms (Frobenius, spectral, nuclear, Schatten-p).
//!
//! **Claim.** Let X ∈ R^{n×d} hold the samples x_i as rows, Q ∈ R^{d×r} have orthonormal columns
//! spanning the row span of X (r = rank X ≤ min(n, d)), Π = QQᵀ, and ‖·‖ a unitarily invariant
//! norm on R^{k×d}. Then
//!
//! γ(X) = max_{‖W‖ ≤ 1} min_{i, c≠y_i} (w_{y_i} − w_c)ᵀ x_i
//!      = max_{‖W'‖ ≤ 1} min_{i, c≠y_i} (w'_{y_i} − w'_c)ᵀ x'_i = γ(X'),  X' = XQ ∈ R^{n×r},
//!
//! with the maximizers related by W' = WQ and W = W'Qᵀ, and the same dual multipliers λ.
//!
//! **Proof.** (i) Constraints: x_i = Πx_i = Q(Qᵀx_i) = Q x'_i, so for any W,
//! ⟨A_ic, W⟩ = (w_{y_i} − w_c)ᵀ Q x'_i = ⟨A'_ic, WQ⟩, and for any W',
//! ⟨A_ic, W'Qᵀ⟩ = (w'_{y_i} − w'_c)ᵀ QᵀQ x'_i = ⟨A'_ic, W'⟩ since QᵀQ = I_r.
//! (ii) Norms: by von Neumann's theorem (1937) a unitarily invariant norm is a symmetric gauge
//! function g of the singular values, ‖W‖ = g(σ(W)), and g is monotone in each |σ_j| (Bhatia,
//! *Matrix Analysis*, 1997, Ch. IV). Since QQᵀ ⪯ I, WQQᵀWᵀ ⪯ WWᵀ, and by Weyl's monotonicity
//! σ_j(WQ)² = λ_j(WQQᵀWᵀ) ≤ λ_j(WWᵀ) = σ_j(W)² for every j, so ‖WQ‖ ≤ ‖W‖ (this is the
//! inequality ‖WΠ‖ ≤ ‖W‖·‖Π‖_op of unitarily invariant norms, applied singular value by singular
//! value): the map W ↦ WQ keeps every margin and does not increase the norm. Conversely
//! W'Qᵀ(W'Qᵀ)ᵀ = W'W'ᵀ, so W'Qᵀ has the singular values of W' (padded with zeros) and
//! ‖W'Qᵀ‖ = ‖W'‖. Hence a feasible point of either program maps to a feasible point of the other
//! with no larger norm, the optima are equal, and W = W'Qᵀ = WΠ is optimal: the max-margin W lies
//! in the row span of the data.
//! (iii) Duals: Σλ A_ic = (Σλ A'_ic) Qᵀ has the same nonzero singular values as Σλ A'_ic, and the
//! dual of a unitarily invariant norm is unitarily invariant, so the certificate
//! ‖Σλ A‖_* / Σλ is the same number in both spaces. ∎
//!
//! The ℓ2 entry-wise norm is Schatten-2, so Frobenius is covered. Entry-wise ℓp for p ≠ 2 (max,
//! sum, entrywise:P) is **not** unitarily invariant — the ℓ1 max-margin W is sparse, not in the
//! span — so those programs are solved in the original space; their LP / power-cone sizes are
//! linear in k·d (2kd or 3kd epigraph rows plus n(k−1) margin rows of 2d entries each) and the
//! size guard ([`super::check_program_size`]) bounds them.
//!
//! The reduction turns the PSD cone of order k + d of the spectral and nuclear programs into one
//! of order k + r ≤ k + n. It is applied only when r < d (so data with n ≥ d, such as the paper
//! dataset, are solved exactly as before), and the bracket is always certified with the original
//! data and W = W'Qᵀ, so a rank decision that dropped a direction of the data could only widen the
//! certified bracket, never falsify it.

use super::{multiclass, Geometry, Margin, MarginOptions};
use crate::data::Dataset;
use crate::error::Result;
use crate::norms::Norm;
use faer::{Mat, MatRef};
use serde_json::json;
use std::time::Instant;

/// Whether the row-span reduction is exact for this geometry (the norm is unitarily invariant).
pub(super) fn applies(geometry: Geometry) -> bool {
    matches!(geometry, Geometry::Schatten(_) | Geometry::Entrywise(2.0))
}

/// An orthonormal basis Q (d × r) of the row span of `x` (n × d): the first r columns of the
/// thin Q of the column-pivoted QR factorization Xᵀ P = Q R (faer), r the numerical rank
/// #{j : |R_jj| > max(n, d)·ε·|R_00|} (the usual rank tolerance, with |R_00| ≈ σ_max(X) up to a
/// factor √n), at least 1.
pub(super) fn row_span_basis(x: MatRef<'_, f64>) -> Mat<f64> {
    let xt = x.transpose().to_owned();
    let qr = xt.col_piv_qr();
    let r_factor = qr.thin_R();
    let m = r_factor.nrows().min(r_factor.ncols());
    let top = if m > 0 { r_factor[(0, 0)].abs() } else { 0.0 };
    let tol = (x.nrows().max(x.ncols()) as f64) * f64::EPSILON * top;
    let rank = (0..m)
        .filter(|&j| r_factor[(j, j)].abs() > tol)
        .count()
        .max(1);
    let q = qr.compute_thin_Q();
    q.get(.., ..rank).to_owned()
}

/// Solve the max-margin program of `data` in the row span spanned by the orthonormal columns of
/// `q` (d × r): solve on X' = XQ, map W = W'Qᵀ, and certify the bracket with the original data
/// (see the module docs). `q` is a parameter so tests can plant a wrong basis.
pub(super) fn solve_in_span(
    data: &Dataset,
    norm: &str,
    cert: &dyn Norm,
    q: MatRef<'_, f64>,
    opts: &MarginOptions,
    start: Instant,
) -> Result<Margin> {
    let reduced_x = data.x() * q;
    let reduced = Dataset::new(
        data.classes(),
        reduced_x,
        data.y().to_vec(),
        "the data reduced to their row span",
    )?;
    let m = multiclass::max_margin_unscaled(&reduced, norm, opts)?;
    if !m.separable {
        return multiclass::not_separable(data, norm, cert, start);
    }
    let w = m.w.as_ref() * q.transpose();
    let gamma_solver = m
        .info
        .get("gamma_solver")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(m.gamma);
    let mut info = m.info;
    info["row_span_reduction"] = json!({
        "d": data.d(),
        "rank": q.ncols(),
        "basis": "column-pivoted QR of Xᵀ (faer); W = W'Qᵀ, bracket certified on the original data",
        "reduced_lower": crate::io::num(m.lower),
        "reduced_upper": crate::io::num(m.upper),
    });
    multiclass::certify(data, norm, cert, w, m.lambda, gamma_solver, start, info)
}
