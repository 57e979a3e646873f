//! # steepest — a research workbench for the geometry of optimization
//!
//! Every popular optimizer is steepest descent under some norm, and the norm decides which solution
//! training converges to. This crate makes that statement runnable. Steepest descent under a norm
//! $\Vert \cdot\Vert$ with dual norm $\Vert \cdot\Vert_{\ast}$ takes the step
//!
//! $$ W_{t+1} = W_t - \eta_t \thinspace \Vert G_t\Vert_{\ast} \thinspace \operatorname{dualize}(G_t), \qquad
//! \operatorname{dualize}(G) = \argmax_{\Vert D\Vert\le 1} \langle G, D \rangle, $$
//!
//! and normalized steepest descent drops the factor $\Vert G_t\Vert_{\ast}$.
//!
//! (Formulas render with `cargo doc-katex`; see `docs/katex-header.html`.)
//!
//! * [`norms`]: entry-wise ℓp, Schatten-p, operator and product norms, each with its dual norm and
//!   its dualizer (LMO).
//! * [`linalg`]: exact polar factor (SVD) and Newton–Schulz orthogonalization, on faer.
//! * [`accel`]: HASD, accelerated ℓp steepest descent with an implicit interpolation parameter,
//!   and its baselines.
//! * [`metric`]: natural-gradient metrics of a learning rule: canonical form, minimum-condition-number
//!   metric κ*, BFGS/DFP members, matrix-free.
//! * [`data`]: classification datasets (JSON, CSV, NumPy), the paper's synthetic generator and a
//!   separability LP.
//! * [`margin`]: exact max-margin classifiers in every norm (Clarabel conic programs) with a
//!   certified bracket [lower, upper] on γ; binary and ℓ∞-robust margins.
//! * [`validate`]: theorems as data — checks with parameters, a measured value, an expectation with
//!   an explicit tolerance, and a versioned JSON report.
//! * [`validations`]: the suites of checks, one per paper or topic, run by `steepest validate`.
//!
//! Conventions: matrices are `faer::Mat<f64>`; vectors are one-column matrices; the inner product
//! is the trace inner product ⟨A, B⟩ = tr(AᵀB) ([`norms::inner`]).
#![warn(missing_docs)]

pub mod accel;
pub mod aion;
#[cfg(feature = "symbolic")]
pub mod algebra;
pub mod cli;
pub mod data;
pub mod error;
pub mod io;
pub mod linalg;
pub mod margin;
pub mod metric;
pub mod models;
pub mod norms;
pub mod optim;
pub mod report;
pub mod solve;
pub mod train;
pub mod validate;
// The suites live in the top-level `validations/` folder (part of the repository's layout).
#[path = "../validations/mod.rs"]
pub mod validations;

pub use error::{Error, Result};
