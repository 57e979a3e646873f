//! The symmetric eigendecomposition, in one place: every caller in the crate goes through
//! [`symmetric_eigen`] or [`symmetric_eigenvalues`] (faer's self-adjoint solver on the lower
//! triangle, eigenvalues in nondecreasing order). A failure is returned as faer's
//! [`EvdError`] so that each caller names its matrix in its own error message.

use faer::linalg::evd::EvdError;
use faer::{Mat, MatRef, Side};

/// A = V diag(λ) Vᵀ for a symmetric `a` (only its lower triangle is read): the eigenvalues λ in
/// nondecreasing order and the orthonormal eigenvectors V (column k for λ_k).
pub fn symmetric_eigen(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>), EvdError> {
    let evd = a.self_adjoint_eigen(Side::Lower)?;
    let s = evd.S().column_vector();
    let values = (0..a.nrows()).map(|k| s[k]).collect();
    Ok((values, evd.U().to_owned()))
}

/// The eigenvalues of a symmetric `a` (lower triangle read), in nondecreasing order, without the
/// eigenvectors.
pub fn symmetric_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>, EvdError> {
    a.self_adjoint_eigenvalues(Side::Lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decomposition_reconstructs_a_symmetric_matrix_with_ascending_eigenvalues() {
        let a = Mat::from_fn(4, 4, |i, j| {
            1.0 / (1 + i + j) as f64 + if i == j { 2.0 } else { 0.0 }
        });
        let (l, v) = symmetric_eigen(a.as_ref()).unwrap();
        assert!(l.windows(2).all(|w| w[0] <= w[1]));
        let back = &v * Mat::from_fn(4, 4, |i, j| if i == j { l[i] } else { 0.0 }) * v.transpose();
        // Backward-stable EVD of a 4×4 matrix of norm ≈ 3: residual O(ε·n·‖A‖) ≈ 3e-15; 1e-12 is a
        // wide margin that a wrong ordering or a missing transpose would exceed by far.
        assert!((&back - &a).norm_max() < 1e-12);
        let only = symmetric_eigenvalues(a.as_ref()).unwrap();
        assert!(only.iter().zip(&l).all(|(x, y)| (x - y).abs() < 1e-12));
    }
}
