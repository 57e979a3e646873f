//! Validation engine: a theorem is data.
//!
//! A [`Check`] states a claim (with its source and a `theory/<theory_id>.md` file), the parameters
//! needed to rerun it, and a measurement with an explicit [`Expectation`] (value, tolerance and the
//! *reason* for that tolerance). The runner turns checks into [`Record`]s and a versioned
//! [`Report`] (`steepest.report/v1`, keys fixed by `../shared/CONTRACT.md`).
//!
//! **Planted bugs.** A check holds the implementation under test as data (a `Box<dyn Norm>`, an
//! optimizer, a solver, …). The registry builds checks from the real implementations; each check's
//! [`Check::control`] builds the same check around an implementation with a bug planted in its
//! mathematics, and the report runs it beside the check (`control` in every record). A record
//! whose control passes too has the verdict `no-power`: a check that cannot fail is not a check.
//! The unit tests use the same controls (one definition of each planted bug).
//!
//! **Determinism.** Each check draws its randomness from [`Ctx::rng`], a ChaCha8 stream seeded from
//! the report seed and the check id only, so results do not depend on the order or the threads in
//! which checks run. Timing fields (`elapsed_ms`, `wall_ms`) are the only non-reproducible keys.

mod check;
mod engine;
mod expectation;
mod merge;
mod record;
pub mod registry;
pub mod shard;
pub mod stats;
pub mod sweep;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
pub mod theory;

pub use check::{
    to_params, Check, CheckMeta, Ctx, Outcome, PaperOnly, Planted, Profile, REPORT_SCHEMA,
};
pub use engine::{
    environment, run_checks, run_checks_with, run_one, run_one_with, Progress, RunOptions,
};
pub use expectation::{
    fmt_num, Expect, Expectation, Horizons, Scale, Tolerance, MIN_HORIZONS, MIN_PROGRESS,
};
pub use merge::{merge_reports, merge_reports_ordered};
pub use record::{ControlRecord, Record, Report, Summary, Verdict};
