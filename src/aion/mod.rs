//! AION (Analytic, Infinitely-Optimisable Network) and the Method of Infinite Descent
//! (Batley & Saha, "The Method of Infinite Descent", arXiv 2510.05489, 2025).
//!
//! * [`model`]: f(x) = Σ_j Π_i ψ_{ji}(x_i), ψ(x) = Σ_p A e^{αx} cos(ωx + φ); L = (1/2N)Σ(f − y)²;
//!   exact gradient and Hessian.
//! * [`resum`]: the resummed update equation F(δ) = exp(δ·∇_θ)∇L(θ0) = ∇L(θ0 + δ) from a cache at θ0.
//! * [`tower`]: the truncated Taylor tower F_K(δ) in f64 jet arithmetic, and the tanh negative control.
//! * [`presets`]: the `fig1` and `rank2` problems and the contract's "AION config".
//!
//! The root solve of F(δ) = 0 and the baselines are in [`crate::solve`].

pub mod lang;
pub mod model;
pub mod presets;
pub mod resum;
pub mod tower;

pub use model::{Problem, Shape};
pub use resum::Cache;
