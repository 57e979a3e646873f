//! The validation suites: one file per suite, each exporting `pub fn checks() -> Vec<Box<dyn
//! Check>>` built from the real implementations (the checks of a theorem, its planted-bug controls
//! and their unit tests). The folder sits at the top level of the repository, beside `theory/` (one
//! statement file per check); the crate includes it as `steepest::validations` (one `#[path]` in
//! `src/lib.rs`), and `validate::registry::SUITES` lists the suites in report order. Add a suite: a
//! file here, a `pub mod` line below, a `Suite` line in the registry.

pub mod acceleration;
pub mod aion;
pub mod anthology;
pub mod fromage;
pub mod geometry;
pub mod homogeneous;
pub mod lr_robustness;
pub mod multiclass;
pub mod muon;
pub mod natural_gradient;
pub mod robust;
pub mod variants;
