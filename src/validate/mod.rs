//! Validation engine: a theorem is data.
//!
//! A [`Check`] states a claim (with its source and a `theory/<theory_id>.md` file), the parameters
//! needed to rerun it, and a measurement with an explicit [`Expectation`] (value, tolerance and the
//! *reason* for that tolerance). The runner turns checks into [`Record`]s and a versioned
//! [`Report`] (`steepest.report/v1`, keys fixed by `../shared/CONTRACT.md`).
//!
//! **Planted bugs.** A check holds the implementation under test as data (a `Box<dyn Norm>`, an
//! optimizer, a solver, …). The registry builds checks from the real implementations; the tests of
//! each check build the same check from a deliberately broken implementation and assert that it
//! fails. A check that cannot fail is not a check.
//!
//! **Determinism.** Each check draws its randomness from [`Ctx::rng`], a ChaCha8 stream seeded from
//! the report seed and the check id only, so results do not depend on the order or the threads in
//! which checks run. Timing fields (`elapsed_ms`, `wall_ms`) are the only non-reproducible keys.

mod engine;
mod merge;
pub mod registry;
pub mod stats;
pub mod sweep;
#[cfg(test)]
pub(crate) mod testing;

pub use engine::{
    environment, run_checks, run_one, Check, CheckMeta, Ctx, Expect, Expectation, Outcome,
    PaperOnly, Profile, Progress, Record, Report, Summary, REPORT_SCHEMA,
};
pub use merge::{merge_reports, merge_reports_ordered};
