//! Optimizers as steepest descent, in optax's algebra with Rust types.
//!
//! * [`transform`]: the [`Transform`] trait (explicit `init`/`update` state), sequential
//!   composition by tuples, [`Partition`] by block role, and the one sign flip
//!   [`LearningRate`].
//! * [`schedule`]: learning-rate schedules ([`Schedule::parse`]).
//! * [`runner`]: the [`Optimizer`] trait a training loop calls, and [`GradientTransformation`].
//! * [`recipes`]: named optimizers and [`parse_optimizer`] for the contract's
//!   `NAME[:key=value,…]` specs.
//!
//! Parameters are a list of blocks (`faer::Mat<f64>`, vectors as one column). Conventions:
//! W_{t+1} = W_t + u_t with u_t the chain's output; t is 1-based.
//!
//! ```
//! use faer::Mat;
//! use steepest::optim::parse_optimizer;
//! let mut opt = parse_optimizer("sign:lr=0.1", &[(2, 2)]).unwrap();
//! let mut w = vec![Mat::<f64>::zeros(2, 2)];
//! let g = vec![Mat::from_fn(2, 2, |i, j| i as f64 - j as f64)];
//! opt.step(&mut w, &g, None).unwrap();
//! assert_eq!(w[0][(0, 1)], 0.1); // −0.1·sign(−1)
//! assert_eq!(w[0][(0, 0)], 0.0); // sign(0) = 0
//! ```

pub mod adaptive;
pub mod dualize;
pub mod momentum;
pub mod momo;
pub mod recipes;
pub mod runner;
pub mod schedule;
pub mod spec;
pub mod transform;

pub use adaptive::{FromageRetraction, ScaleByAdam, ScaleByProdigy, ScaleBySign, TrustRatio};
pub use dualize::{
    inverse_root, AdamInfNorm, AdamL2Norm, BlockGeometry, BlockSpec, GaussSouthwell, MuonScale,
    Orthogonalize, OrthogonalizedSpectral, Orthogonalizer, ProductSteepest, ScaleByShape,
    ShampooPrecond, SharedNorm,
};
pub use momentum::{Momentum, MomentumForm, MomentumInit};
pub use momo::Momo;
pub use recipes::{parse_optimizer, parse_optimizer_with_schedule, OPTIMIZERS};
pub use runner::{GradientTransformation, Optimizer};
pub use schedule::Schedule;
pub use transform::{
    AddDecayedWeights, Identity, LearningRate, Partition, Role, Scale, StepCtx, Transform,
};

#[cfg(test)]
mod tests;

/// Builds an optimizer for blocks of the given shapes: how validation checks hold "the
/// implementation under test" as data (a planted-bug test swaps in a broken factory).
pub type Factory =
    std::sync::Arc<dyn Fn(&[(usize, usize)]) -> crate::Result<Box<dyn Optimizer>> + Send + Sync>;

/// The [`Factory`] of a spec: `parse_optimizer(spec, shapes)`.
pub fn factory(spec: &str) -> Factory {
    let spec = spec.to_string();
    std::sync::Arc::new(move |shapes: &[(usize, usize)]| parse_optimizer(&spec, shapes))
}
