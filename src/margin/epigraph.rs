//! Conic representations of the norm epigraphs ‖W‖ ≤ t used by the max-margin programs
//! (Ben-Tal & Nemirovski, *Lectures on Modern Convex Optimization*, 2001, §2.3 and §4.2):
//!
//! * entry-wise ℓ∞ (max): −t ≤ W_ij ≤ t (linear);
//! * entry-wise ℓ1 (sum): −u_ij ≤ W_ij ≤ u_ij, Σ u_ij ≤ t (linear);
//! * entry-wise ℓ2 (Frobenius, Schatten-2): (t, vec W) in the second-order cone;
//! * entry-wise ℓp, 1 < p < ∞: (r_ij, t, W_ij) in the power cone K_{1/p} = {x^{1/p} y^{1−1/p} ≥ |z|}
//!   and Σ r_ij ≤ t, so that Σ |W_ij|^p ≤ Σ r_ij t^{p−1} ≤ t^p;
//! * spectral (Schatten-∞): [[t I_k, W], [Wᵀ, t I_d]] ⪰ 0;
//! * nuclear (Schatten-1): [[U, W], [Wᵀ, V]] ⪰ 0 and (tr U + tr V)/2 ≤ t (Fazel, Hindi & Boyd 2001).

use super::conic::{psd_block, Affine, Program};
use super::Geometry;
use clarabel::solver::SupportedConeT;

/// Add variables and constraints enforcing ‖W‖ ≤ t for the k × d matrix W whose entry (i, j) is
/// the variable `w0 + i·d + j`; returns the index of t. `geometry` must be conic
/// ([`Geometry::is_conic`]).
pub(crate) fn norm_epigraph(
    prog: &mut Program,
    geometry: Geometry,
    w0: usize,
    k: usize,
    d: usize,
) -> usize {
    let w = |i: usize, j: usize| w0 + i * d + j;
    let t = prog.add_var();
    match geometry {
        Geometry::Entrywise(p) if p.is_infinite() => {
            let mut rows = Vec::with_capacity(2 * k * d);
            for i in 0..k {
                for j in 0..d {
                    rows.push(Affine::var(t, 1.0).plus(w(i, j), -1.0));
                    rows.push(Affine::var(t, 1.0).plus(w(i, j), 1.0));
                }
            }
            prog.nonneg(rows);
        }
        Geometry::Entrywise(1.0) => {
            let u0 = prog.add_vars(k * d);
            let mut rows = Vec::with_capacity(2 * k * d + 1);
            let mut total = Affine::var(t, 1.0);
            for i in 0..k {
                for j in 0..d {
                    let u = u0 + i * d + j;
                    rows.push(Affine::var(u, 1.0).plus(w(i, j), -1.0));
                    rows.push(Affine::var(u, 1.0).plus(w(i, j), 1.0));
                    total = total.plus(u, -1.0);
                }
            }
            rows.push(total);
            prog.nonneg(rows);
        }
        Geometry::Entrywise(2.0) => {
            let mut rows = vec![Affine::var(t, 1.0)];
            for i in 0..k {
                for j in 0..d {
                    rows.push(Affine::var(w(i, j), 1.0));
                }
            }
            prog.block(SupportedConeT::SecondOrderConeT(k * d + 1), rows);
        }
        Geometry::Entrywise(p) => {
            let r0 = prog.add_vars(k * d);
            let mut total = Affine::var(t, 1.0);
            for i in 0..k {
                for j in 0..d {
                    let r = r0 + i * d + j;
                    prog.block(
                        SupportedConeT::PowerConeT(1.0 / p),
                        vec![
                            Affine::var(r, 1.0),
                            Affine::var(t, 1.0),
                            Affine::var(w(i, j), 1.0),
                        ],
                    );
                    total = total.plus(r, -1.0);
                }
            }
            prog.nonneg(vec![total]);
        }
        Geometry::Schatten(p) if p.is_infinite() => {
            psd_block(prog, k + d, |i, j| {
                if i == j {
                    Affine::var(t, 1.0)
                } else if i < k && j >= k {
                    Affine::var(w(i, j - k), 1.0)
                } else {
                    Affine::constant(0.0)
                }
            });
        }
        Geometry::Schatten(1.0) => {
            // U (k × k) and V (d × d) symmetric, stored as upper triangles.
            let u0 = prog.add_vars(k * (k + 1) / 2);
            let v0 = prog.add_vars(d * (d + 1) / 2);
            let tri = |i: usize, j: usize| super::conic::svec_index(i, j);
            psd_block(prog, k + d, |i, j| {
                if j < k {
                    Affine::var(u0 + tri(i, j), 1.0)
                } else if i >= k {
                    Affine::var(v0 + tri(i - k, j - k), 1.0)
                } else {
                    Affine::var(w(i, j - k), 1.0)
                }
            });
            let mut trace = Affine::var(t, 1.0);
            for i in 0..k {
                trace = trace.plus(u0 + tri(i, i), -0.5);
            }
            for i in 0..d {
                trace = trace.plus(v0 + tri(i, i), -0.5);
            }
            prog.nonneg(vec![trace]);
        }
        Geometry::Schatten(p) => unreachable!(
            "Schatten-{p} has no conic epigraph here; callers check Geometry::is_conic"
        ),
    }
    t
}
