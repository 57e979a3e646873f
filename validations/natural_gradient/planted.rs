use super::*;

/// M_opt = [b bᵀ + ‖b‖²(I + â âᵀ)]/(aᵀb): the rank-2 correction's −β*·â âᵀ with the wrong sign
/// (M a = b breaks).
pub fn optimal_projector_sign_flipped(p: &SecantPair) -> Mat<f64> {
    let (b, h) = (p.b(), p.a_hat());
    let s = p.a_dot_b();
    let beta = p.beta_star();
    Mat::from_fn(p.dim(), p.dim(), |i, k| {
        let delta = if i == k { 1.0 } else { 0.0 };
        b[i] * (b[k] / s) + beta * (delta + h[i] * h[k])
    })
}
/// M(β) at β = ‖b‖/‖a‖ = ρ instead of β* = ρ/cos ψ (in S(a→b), but not the minimiser).
pub fn optimal_beta_without_cos(p: &SecantPair) -> Mat<f64> {
    metric::dense_family(p, p.norm_b() / p.norm_a())
}
/// The matrix-free M_opt with the complement eigenvalue 1.5·β*.
pub fn optimal_wrong_block(p: &SecantPair) -> PlaneMetric {
    p.family(p.beta_star() * 1.5)
        .expect("1.5·β* > 0 for an admitted pair")
}
/// κ* = (‖b‖ + ‖b_⊥‖)/b_∥: the square missing.
pub fn kappa_unsquared(p: &SecantPair) -> f64 {
    (p.norm_b() + p.b_perp_norm()) / p.b_parallel()
}
/// κ* = ((‖b‖ − ‖b_⊥‖)/b_∥)² = 1/κ*: the sign of ‖b_⊥‖ flipped.
pub fn kappa_perp_sign_flipped(p: &SecantPair) -> f64 {
    let r = (p.norm_b() - p.b_perp_norm()) / p.b_parallel();
    r * r
}
/// κ* = (2‖b‖/b_∥)²: ‖b‖ in place of ‖b_⊥‖ (an overestimate).
pub fn kappa_overestimated(p: &SecantPair) -> f64 {
    (2.0 * p.norm_b() / p.b_parallel()).powi(2)
}
/// κ* = (1 + s)/(1 − s) with s = 1 − cos²ψ = sin²ψ: the square root of sin ψ = √(1 − cos²ψ)
/// missing.
pub fn kappa_sin_without_root(p: &SecantPair) -> f64 {
    let c = p.cos_psi();
    let s = 1.0 - c * c;
    (1.0 + s) / (1.0 - s)
}
/// β* = ‖b‖/(aᵀb): ‖b‖ not squared.
pub fn beta_unsquared(p: &SecantPair) -> f64 {
    p.norm_b() / p.a_dot_b()
}
/// A feasibility test aᵀb < 0 instead of aᵀb ≤ 0: an exactly orthogonal pair is admitted
/// (nudged by 1e-9·a so that a `SecantPair` can be built).
pub fn admit_orthogonal(a: &[f64], b: &[f64]) -> Result<SecantPair> {
    let ab: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    if ab == 0.0 {
        let b2: Vec<f64> = b.iter().zip(a).map(|(y, x)| y + 1e-9 * x).collect();
        return SecantPair::metric_tensor(a, &b2);
    }
    SecantPair::metric_tensor(a, b)
}
/// The T2 factorization keeping the D − 1 smallest eigenpairs of M − b bᵀ/(aᵀb) instead of the
/// largest (the kernel direction a is kept, a positive eigenvalue dropped).
pub fn factor_keeps_smallest_eigenpairs(
    p: &SecantPair,
    M: faer::MatRef<'_, f64>,
) -> Result<(Mat<f64>, f64)> {
    let d = p.dim();
    let s = p.a_dot_b();
    let R = Mat::from_fn(d, d, |i, k| M[(i, k)] - p.b()[i] * p.b()[k] / s);
    let (S, V) = crate::linalg::symmetric_eigen(R.as_ref())
        .map_err(|e| Error::failed(format!("EVD failed: {e:?}")))?;
    let U = Mat::from_fn(d, d - 1, |i, j| V[(i, j)] * S[j].max(0.0).sqrt());
    Ok((U, S[d - 1]))
}
