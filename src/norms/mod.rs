//! Norm geometry: every norm comes with its dual norm and its dualizer (the linear maximization
//! oracle, LMO).
//!
//! For a norm ‖·‖ on matrices with the trace inner product ⟨A, B⟩ = tr(AᵀB):
//!
//! * `dual_norm(G)` = ‖G‖_* = max_{‖D‖ ≤ 1} ⟨G, D⟩,
//! * `dualize(G)` = argmax_{‖D‖ ≤ 1} ⟨G, D⟩ (the LMO; **0 for G = 0**, never NaN),
//! * `sharp(G)` = ‖G‖_* · dualize(G), the unnormalized steepest-descent direction
//!   (argmax_X ⟨G, X⟩ − ½‖X‖², Bernstein & Newhouse 2024, Prop. 1).
//!
//! Vectors are matrices with one column, so the vector norms ℓp are the entry-wise norms.
//! Names parse from the strings of `../shared/CONTRACT.md` through the one table [`NORMS`]
//! ([`parse_norm`], [`parse`]); a product of norms over blocks is a [`ProductNorm`].
//!
//! **Adding a norm**: write its type and `impl Norm` in a file of this folder, then add one
//! [`NormEntry`] to [`NORMS`] (grammar, one line, parser, sample names). `parse_norm`, the CLI help
//! of `dualize`, the unit-test law sweep and the `geometry` suite's law records follow from it.

use faer::{Mat, MatRef};
use std::fmt::Debug;

pub mod adam;
pub mod entrywise;
pub mod laws;
pub mod operator;
pub mod orthogonalized;
pub mod planted;
pub mod product;
pub mod registry;
pub mod schatten;

pub use adam::{AdamInfNorm, AdamL2Norm};
pub use entrywise::Entrywise;
pub use operator::{OperatorL1ToLp, OperatorLpToLinf};
pub use orthogonalized::{OrthogonalizedSpectral, Orthogonalizer, SharedNorm};
pub use product::{Aggregation, Block, ProductNorm};
pub use registry::{names, parse, parse_norm, parse_product, Family, NormEntry, Parsed, NORMS};
pub use schatten::{RmsToRms, Schatten};

/// A norm on R^{m×n} with its dual norm and dualizer.
///
/// $$ \Vert G\Vert_{\ast} = \max_{\Vert D\Vert\le 1} \langle G, D \rangle, \qquad
/// \operatorname{dualize}(G) \in \argmax_{\Vert D\Vert\le 1} \langle G, D \rangle, \qquad
/// G^\sharp = \Vert G\Vert_{\ast} \operatorname{dualize}(G). $$
///
/// Implementations must satisfy, for every G (checked for every norm by the `geometry` suite):
/// ⟨G, dualize(G)⟩ = dual_norm(G); norm(dualize(G)) = 1 for G ≠ 0; dualize(0) = 0;
/// ⟨X, G⟩ ≤ norm(X)·dual_norm(G) (Hölder); norm(cX) = |c|·norm(X).
pub trait Norm: Debug + Send + Sync {
    /// The canonical name, parseable by [`parse_norm`] (e.g. `"spectral"`, `"schatten:3"`).
    fn name(&self) -> String;
    /// ‖X‖.
    fn norm(&self, x: MatRef<'_, f64>) -> f64;
    /// ‖G‖_* = max_{‖D‖≤1} ⟨G, D⟩.
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64;
    /// argmax_{‖D‖≤1} ⟨G, D⟩, with 0 for G = 0. Ties are broken as documented by each norm.
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64>;
    /// Dual norm and direction together; override when both share a decomposition (e.g. one SVD).
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        (self.dual_norm(g), self.dualize(g))
    }
    /// The sharp operator G^# = ‖G‖_* · dualize(G).
    fn sharp(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        let (d, mut dir) = self.dual_and_dualize(g);
        dir *= faer::Scale(d);
        dir
    }
    /// The inner product ⟨A, B⟩ of the space the norm lives on: the trace inner product
    /// ([`inner`]); a [`ProductNorm`] sums it block by block.
    fn inner(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
        inner(a, b)
    }
    /// The ℓp or Schatten-p family the norm belongs to, if any (what the max-margin solver's
    /// conic epigraphs need); [`Family::Other`] by default.
    fn family(&self) -> Family {
        Family::Other
    }
}

/// The trace inner product ⟨A, B⟩ = Σ_ij A_ij B_ij.
pub fn inner(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!(
        (a.nrows(), a.ncols()),
        (b.nrows(), b.ncols()),
        "inner product of matrices of different shapes"
    );
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)] * b[(i, j)];
        }
    }
    s
}

#[cfg(test)]
mod tests;
