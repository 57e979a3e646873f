//! The spectral norm's dualizer as an algorithm: the exact polar factor or a Newton–Schulz
//! iteration ([`Orthogonalizer`]), the spectral "norm" whose dualizer is that algorithm
//! ([`OrthogonalizedSpectral`], Muon's geometry), and [`SharedNorm`], a norm shared between steps.

use super::{inner, Norm, Schatten};
use crate::error::{Error, Result};
use crate::linalg::{
    newton_schulz_generic, numerical_rank, polar_from_svd, try_svd_thin, NsCoefficients,
    NsNormalization,
};
use faer::{Mat, MatRef};
use std::sync::Arc;

/// How a block is orthogonalized.
#[derive(Clone, Debug, PartialEq)]
pub enum Orthogonalizer {
    /// The exact polar factor UVᵀ from the thin SVD ([`crate::linalg::polar`]); the spectral-norm
    /// LMO (file 00 §5).
    Exact,
    /// Newton–Schulz: transpose to wide, X ← X/(‖X‖_F + eps) or X/max(‖X‖_F, eps), per step X ← aX + (bA + cA²)X with
    /// A = XXᵀ ([`crate::linalg::newton_schulz`], file 08 §1.1). Not the polar factor.
    NewtonSchulz {
        /// The per-step (a, b, c) triples.
        coeffs: NsCoefficients,
        /// Number of steps (≥ 1).
        steps: usize,
        /// The Frobenius-normalization eps (torch 1e-7).
        eps: f64,
        /// X/(‖X‖_F + eps) (original Muon, optax) or X/max(‖X‖_F, eps) (torch.optim.Muon).
        normalization: NsNormalization,
    },
}

impl Orthogonalizer {
    /// O(G): UVᵀ or NS(G); 0 for G = 0. A non-finite input or an SVD that fails its accuracy
    /// check is an [`Error::Failed`] (never a panic).
    pub fn try_apply(&self, g: MatRef<'_, f64>) -> Result<Mat<f64>> {
        match self {
            Orthogonalizer::Exact => {
                let finite = (0..g.ncols()).all(|j| (0..g.nrows()).all(|i| g[(i, j)].is_finite()));
                if !finite {
                    return Err(Error::failed(format!(
                        "the input of the polar factor ({}×{}) is not finite (overflow in the momentum?); lower the learning rate or rescale the gradients",
                        g.nrows(),
                        g.ncols()
                    )));
                }
                let svd = try_svd_thin(g)?;
                Ok(polar_from_svd(&svd, numerical_rank(&svd)))
            }
            Orthogonalizer::NewtonSchulz {
                coeffs,
                steps,
                eps,
                normalization,
            } => Ok(newton_schulz_generic(
                g,
                coeffs,
                *steps,
                *eps,
                *normalization,
            )),
        }
    }

    /// [`Orthogonalizer::try_apply`] for inputs known to be finite (panics on a failed SVD).
    pub fn apply(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.try_apply(g).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A short name: `exact`, `keller`, `dion`, `cubic`, `custom`.
    pub fn name(&self) -> String {
        match self {
            Orthogonalizer::Exact => "exact".into(),
            Orthogonalizer::NewtonSchulz { coeffs, .. } => coeffs.name().into(),
        }
    }
}

/// A [`Norm`] shared between steps (delegates to the inner norm).
#[derive(Debug, Clone)]
pub struct SharedNorm(pub Arc<dyn Norm>);

impl Norm for SharedNorm {
    fn name(&self) -> String {
        self.0.name()
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        self.0.norm(x)
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        self.0.dual_norm(g)
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.0.dualize(g)
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        self.0.dual_and_dualize(g)
    }
}

/// The spectral "norm" with a Newton–Schulz dualizer: dualize(G) = NS(G), dual_norm(G) = ⟨G, NS(G)⟩
/// (GPT-opt computes the nuclear norm as tr(Mᵀ·polar(M)) with its approximate polar, file 00 §2).
/// With an exact orthogonalizer this is the spectral norm exactly; with NS it is Muon's
/// approximation (the LMO laws then hold only approximately, file 08 §1.2).
#[derive(Debug, Clone)]
pub struct OrthogonalizedSpectral(pub Orthogonalizer);

impl Norm for OrthogonalizedSpectral {
    fn name(&self) -> String {
        format!("spectral[{}]", self.0.name())
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        Schatten::spectral().norm(x)
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        self.dual_and_dualize(g).0
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.0.apply(g)
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let o = self.0.apply(g);
        (inner(g, o.as_ref()).max(0.0), o)
    }
}
