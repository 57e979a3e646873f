//! A theorem as data: [`Check`], its [`Outcome`] (a measurement and its [`Expectation`]), the run
//! context [`Ctx`], and the wrappers [`Planted`] (a negative control) and [`PaperOnly`].

use super::expectation::{Expectation, Horizons};
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The report schema tag (see `docs/report.schema.json`).
pub const REPORT_SCHEMA: &str = "steepest.report/v1";

/// Problem sizes: `quick` (seconds, the default) or `paper` (the papers' sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Reduced sizes; the whole default suite in seconds to a minute.
    Quick,
    /// The sizes of the papers' experiments.
    Paper,
}

impl Profile {
    /// Parse `quick` or `paper`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "quick" => Ok(Profile::Quick),
            "paper" => Ok(Profile::Paper),
            other => Err(Error::unknown(
                "profile",
                other,
                "use --profile quick or --profile paper",
            )),
        }
    }
    /// The profile's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Paper => "paper",
        }
    }
    /// Pick the value for this profile.
    pub fn pick<T>(self, quick: T, paper: T) -> T {
        match self {
            Profile::Quick => quick,
            Profile::Paper => paper,
        }
    }
}

/// What a check sees of the run: profile and seed.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    /// Problem sizes.
    pub profile: Profile,
    /// The report seed.
    pub seed: u64,
}

impl Ctx {
    /// A ChaCha8 stream determined by the report seed and `stream` (use the check id), and nothing
    /// else: FNV-1a of the name mixed into the seed.
    pub fn rng(&self, stream: &str) -> ChaCha8Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in stream.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&self.seed.to_le_bytes());
        seed[8..16].copy_from_slice(&h.to_le_bytes());
        ChaCha8Rng::from_seed(seed)
    }
}

/// The result of running a check: the measured value, what it is compared with, and any data
/// worth keeping (fitted points, per-size errors, …).
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The measured scalar (e.g. the worst relative error over the sweep).
    pub measured: f64,
    /// The expectation it must meet.
    pub expected: Expectation,
    /// The raw figures the claim names, by name (both basin widths, the worst gap and its bound,
    /// each alignment value, …), written to the record as `figures`; `measured` is derived from
    /// them. `Value::Null` when `measured` is itself the only figure.
    pub figures: Value,
    /// Supporting data, written to the record as `details`.
    pub details: Value,
    /// For limit claims: the measured quantity at several horizons.
    pub horizons: Option<Horizons>,
}

impl Outcome {
    /// An outcome without details.
    pub fn new(measured: f64, expected: Expectation) -> Self {
        Self {
            measured,
            expected,
            figures: Value::Null,
            details: Value::Null,
            horizons: None,
        }
    }
    /// Attach supporting data.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
    /// Attach the raw figures the claim names (a JSON object of numbers or arrays of numbers).
    pub fn with_figures(mut self, figures: Value) -> Self {
        self.figures = figures;
        self
    }
    /// Attach the values of a limit claim at increasing horizons (the last one is `measured`).
    pub fn with_horizons(mut self, t: Vec<f64>, measured: Vec<f64>) -> Self {
        self.horizons = Some(Horizons { t, measured });
        self
    }
}

/// The `params` of a record from a check's typed parameters: each check builds one
/// `#[derive(Serialize)]` struct of what it runs with, reads its sizes from it in
/// [`Check::run`], and writes it with this in [`Check::params`], so the record cannot say one
/// thing while the run does another.
pub fn to_params(params: &impl Serialize) -> Value {
    serde_json::to_value(params).expect("check parameters serialize to JSON")
}

/// Who a check is: its suite, the statement it checks and the instance. The record id is
/// `theory_id` or `theory_id[variant]`, unique within a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckMeta {
    /// The suite this check belongs to (e.g. `"geometry"`).
    pub suite: &'static str,
    /// The id of the statement in `theory/<theory_id>.md` (e.g. `"P8-a"`, `"G-dual-pair"`).
    pub theory_id: &'static str,
    /// A variant label when one statement is checked in several instances (e.g. a norm name).
    pub variant: Option<String>,
}

impl CheckMeta {
    /// `suite`, `theory_id` and an optional `variant`.
    pub fn new(suite: &'static str, theory_id: &'static str, variant: Option<String>) -> Self {
        Self {
            suite,
            theory_id,
            variant,
        }
    }
}

/// A theorem turned into a check that can pass or fail.
pub trait Check: Send + Sync {
    /// Suite, statement and variant (see [`CheckMeta`]).
    fn meta(&self) -> CheckMeta;
    /// The suite this check belongs to (e.g. `"geometry"`).
    fn suite(&self) -> &'static str {
        self.meta().suite
    }
    /// The id of the statement in `theory/<theory_id>.md` (e.g. `"P8-a"`, `"G-dual-pair"`).
    fn theory_id(&self) -> &'static str {
        self.meta().theory_id
    }
    /// The variant label, if one statement is checked in several instances.
    fn variant(&self) -> Option<String> {
        self.meta().variant
    }
    /// The record id: `theory_id` or `theory_id[variant]`. Unique within a report.
    fn id(&self) -> String {
        let m = self.meta();
        match m.variant {
            Some(v) => format!("{}[{}]", m.theory_id, v),
            None => m.theory_id.to_string(),
        }
    }
    /// The claim, in one sentence with its formula.
    fn claim(&self) -> String;
    /// Paper (and section) plus the theory file.
    fn source(&self) -> String;
    /// Everything needed to rerun: sizes, step sizes, counts (the seed and profile are in the report).
    fn params(&self, ctx: &Ctx) -> Value;
    /// Measure. An `Err` is recorded as a failed record carrying the error message.
    fn run(&self, ctx: &Ctx) -> Result<Outcome>;
    /// `Some(reason)` if the check cannot run in this build (e.g. a cargo feature is off) or in
    /// this profile ([`PaperOnly`]); it is then recorded as skipped, with `pass: null` and the
    /// reason.
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        None
    }
    /// The negative control: this same check (same meta, hence the same data and random streams)
    /// built around an implementation with a bug planted in its mathematics. The report runs it
    /// beside the check; a check whose control passes too has no power
    /// ([`Verdict::NoPower`]), and so has a check without a control.
    fn control(&self) -> Option<Planted> {
        None
    }
}

/// A planted bug: what was broken, and the check built around the broken implementation.
pub struct Planted {
    /// What was planted, in a few words ("dualizer without the transpose", "Muon normalized by
    /// ‖·‖_F instead of the polar factor").
    pub bug: String,
    /// The same check (same [`CheckMeta`]) around the broken implementation.
    pub check: Box<dyn Check>,
}

impl Planted {
    /// `check` with `bug` planted in it.
    pub fn new(bug: impl Into<String>, check: impl Check + 'static) -> Option<Self> {
        Some(Self {
            bug: bug.into(),
            check: Box::new(check),
        })
    }
}

/// A check that runs in the paper profile only, recorded as skipped (with the reason) in the quick
/// profile. For claims about a limit (t → ∞, large width) that the quick profile's sizes do not
/// reach: the quick measurement would only restate that the sizes are small, while the paper
/// profile measures the claim and reports a failure as a finding. The reason names the quick
/// value and the theory file, so the skip is visible in every report.
pub struct PaperOnly {
    /// The check.
    pub check: Box<dyn Check>,
    /// Why quick sizes cannot test it (quick value measured, theory file).
    pub why: String,
}

impl PaperOnly {
    /// Wrap `check`.
    pub fn boxed(check: Box<dyn Check>, why: impl Into<String>) -> Box<dyn Check> {
        Box::new(Self {
            check,
            why: why.into(),
        })
    }
}

impl Check for PaperOnly {
    fn meta(&self) -> CheckMeta {
        self.check.meta()
    }
    fn claim(&self) -> String {
        self.check.claim()
    }
    fn source(&self) -> String {
        self.check.source()
    }
    fn params(&self, ctx: &Ctx) -> Value {
        self.check.params(ctx)
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        self.check.run(ctx)
    }
    fn control(&self) -> Option<Planted> {
        self.check.control()
    }
    fn skip_reason(&self, ctx: &Ctx) -> Option<String> {
        self.check.skip_reason(ctx).or_else(|| {
            (ctx.profile == Profile::Quick)
                .then(|| format!("paper profile only (--profile paper): {}", self.why))
        })
    }
}
