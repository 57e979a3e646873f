use crate::error::{Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Instant;

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
            other => Err(Error::input(format!(
                "unknown profile '{other}'; use --profile quick or --profile paper"
            ))),
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

/// The comparison a measured value must satisfy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// |measured − value| ≤ abs + rel·|value|.
    Close {
        /// Target.
        value: f64,
        /// Absolute tolerance.
        abs: f64,
        /// Relative tolerance.
        rel: f64,
    },
    /// measured ≤ bound.
    AtMost {
        /// Upper bound.
        bound: f64,
    },
    /// measured ≥ bound.
    AtLeast {
        /// Lower bound.
        bound: f64,
    },
    /// lo ≤ measured ≤ hi.
    Within {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
    /// A log–log slope fitted by least squares (see [`crate::validate::stats::loglog_slope`]):
    /// |measured − exponent| ≤ tol.
    Rate {
        /// Predicted exponent.
        exponent: f64,
        /// Allowed deviation.
        tol: f64,
    },
}

impl Expect {
    /// Whether `measured` satisfies the expectation. NaN never does.
    pub fn holds(&self, measured: f64) -> bool {
        if measured.is_nan() {
            return false;
        }
        match *self {
            Expect::Close { value, abs, rel } => {
                (measured - value).abs() <= abs + rel * value.abs()
            }
            Expect::AtMost { bound } => measured <= bound,
            Expect::AtLeast { bound } => measured >= bound,
            Expect::Within { lo, hi } => lo <= measured && measured <= hi,
            Expect::Rate { exponent, tol } => (measured - exponent).abs() <= tol,
        }
    }

    /// How far `measured` is from satisfying the expectation, in its own units: ≤ 0 exactly when
    /// it holds (∞ for NaN).
    pub fn shortfall(&self, measured: f64) -> f64 {
        if measured.is_nan() {
            return f64::INFINITY;
        }
        match *self {
            Expect::Close { value, abs, rel } => {
                (measured - value).abs() - (abs + rel * value.abs())
            }
            Expect::AtMost { bound } => measured - bound,
            Expect::AtLeast { bound } => bound - measured,
            Expect::Within { lo, hi } => (lo - measured).max(measured - hi),
            Expect::Rate { exponent, tol } => (measured - exponent).abs() - tol,
        }
    }

    /// Whether values measured at increasing horizons move toward the claim: at least
    /// [`MIN_HORIZONS`] finite values, the [`shortfall`](Self::shortfall) strictly smaller at every
    /// horizon than at the one before, and smaller at the last than at the first by at least
    /// [`MIN_PROGRESS`] of the first. A flat or noisy residual is not progress.
    pub fn toward(&self, values: &[f64]) -> bool {
        if values.len() < MIN_HORIZONS || values.iter().any(|v| !v.is_finite()) {
            return false;
        }
        let s: Vec<f64> = values.iter().map(|&v| self.shortfall(v)).collect();
        let monotone = s.windows(2).all(|w| w[1] < w[0]);
        let first = s[0];
        let last = s[s.len() - 1];
        monotone && first > 0.0 && first - last >= MIN_PROGRESS * first
    }
}

/// Horizons a limit claim needs before a failure may be labelled [`Verdict::NotReached`].
pub const MIN_HORIZONS: usize = 3;
/// The fraction of the first horizon's shortfall that must be gone at the last one for
/// [`Verdict::NotReached`] (10 %): less is called flat.
pub const MIN_PROGRESS: f64 = 0.1;

/// An expectation together with the reason for its tolerance (ε·n scaling, statistical slack, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// The comparison.
    #[serde(flatten)]
    pub expect: Expect,
    /// Why this tolerance: stated explicitly for every check.
    pub why: String,
}

impl Expectation {
    /// |measured − value| ≤ abs + rel·|value|.
    pub fn close(value: f64, abs: f64, rel: f64, why: impl Into<String>) -> Self {
        Self {
            expect: Expect::Close { value, abs, rel },
            why: why.into(),
        }
    }
    /// measured ≤ bound.
    pub fn at_most(bound: f64, why: impl Into<String>) -> Self {
        Self {
            expect: Expect::AtMost { bound },
            why: why.into(),
        }
    }
    /// measured ≥ bound.
    pub fn at_least(bound: f64, why: impl Into<String>) -> Self {
        Self {
            expect: Expect::AtLeast { bound },
            why: why.into(),
        }
    }
    /// lo ≤ measured ≤ hi.
    pub fn within(lo: f64, hi: f64, why: impl Into<String>) -> Self {
        Self {
            expect: Expect::Within { lo, hi },
            why: why.into(),
        }
    }
    /// |fitted slope − exponent| ≤ tol.
    pub fn rate(exponent: f64, tol: f64, why: impl Into<String>) -> Self {
        Self {
            expect: Expect::Rate { exponent, tol },
            why: why.into(),
        }
    }
}

/// A limit claim (t → ∞) measured at several horizons: the compared quantity at each horizon
/// `t`, in increasing `t`, the last one being the outcome's `measured`. A failed limit check whose
/// values move toward the claim at three or more horizons gets the verdict
/// [`Verdict::NotReached`] (see [`Expect::toward`]); flat or moving away is a failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Horizons {
    /// The horizons (steps, widths, …), increasing.
    pub t: Vec<f64>,
    /// The compared quantity at each horizon.
    pub measured: Vec<f64>,
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

/// The verdict of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The measurement meets its expectation and the negative control does not.
    Pass,
    /// The measurement misses its expectation, or the check errored.
    Fail,
    /// Not run in this build or profile (the record says why).
    Skipped,
    /// A limit claim missed at the last horizon, but measured at three or more horizons whose
    /// values move toward the claim ([`Expect::toward`]).
    NotReached,
    /// The measurement passes, but so does its negative control (or the check has none): the
    /// record does not show that the check can fail. Counts as a failure.
    NoPower,
}

impl Verdict {
    /// All verdicts, in the order reports list them.
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::Skipped,
        Verdict::NotReached,
        Verdict::NoPower,
    ];
    /// The name used in reports (`pass`, `fail`, `skipped`, `not-reached`, `no-power`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skipped => "skipped",
            Verdict::NotReached => "not-reached",
            Verdict::NoPower => "no-power",
        }
    }
    /// Whether a report with this verdict makes `validate` exit 1.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::NoPower)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The negative control of a record: the same check on its planted-bug variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlRecord {
    /// What was planted.
    pub bug: String,
    /// What the check measured on the planted bug (`null` if non-finite or errored).
    pub measured: Value,
    /// Whether the planted bug passed the check (it must not).
    pub pass: bool,
    /// The error, if the check errored on the planted bug (an error is a caught bug).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// One line of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `theory_id` or `theory_id[variant]`.
    pub id: String,
    /// Suite name.
    pub suite: String,
    /// The claim.
    pub claim: String,
    /// The paper (authors, arXiv id, theorem or section) and the theory file.
    pub source: String,
    /// Rerun parameters.
    pub params: Value,
    /// Measured value (`null` if non-finite or if the check errored or was skipped).
    pub measured: Value,
    /// The raw figures the claim names, when `measured` is derived from several.
    #[serde(skip_serializing_if = "Value::is_null", default)]
    pub figures: Value,
    /// The expectation with its tolerance and reason (`null` if the check errored or was skipped).
    pub expected: Value,
    /// True exactly when the verdict is `pass`; `null` when skipped.
    pub pass: Option<bool>,
    /// `pass`, `fail`, `skipped`, `not-reached` or `no-power`.
    pub verdict: Verdict,
    /// The negative control (absent when skipped or run with `--no-controls`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub control: Option<ControlRecord>,
    /// The number of protocol changes made after a result was seen (the `## History` of the
    /// theory file); absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub history: Option<usize>,
    /// Error message if the measurement itself failed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Why the check was skipped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skipped: Option<String>,
    /// Supporting data.
    #[serde(skip_serializing_if = "Value::is_null", default)]
    pub details: Value,
    /// Wall time of the measurement and its control (a timing field, excluded from determinism
    /// comparisons).
    pub elapsed_ms: f64,
}

/// Counts of a report: one count per verdict (every record is in exactly one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Records with verdict `pass`.
    pub passed: usize,
    /// Records with verdict `fail` (including errored ones).
    pub failed: usize,
    /// Records that were skipped.
    pub skipped: usize,
    /// Limit claims not reached at the measured horizons (moving toward the claim).
    #[serde(default)]
    pub not_reached: usize,
    /// Records whose negative control passed too (or that have none): failures.
    #[serde(default)]
    pub no_power: usize,
}

impl Summary {
    /// Count the verdicts of `records`.
    pub fn of(records: &[Record]) -> Self {
        let mut s = Summary::default();
        for r in records {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail => s.failed += 1,
                Verdict::Skipped => s.skipped += 1,
                Verdict::NotReached => s.not_reached += 1,
                Verdict::NoPower => s.no_power += 1,
            }
        }
        s
    }
    /// Records that make `validate` exit 1: failures and records without power.
    pub fn failures(&self) -> usize {
        self.failed + self.no_power
    }
}

/// A versioned validation report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// The crate version that wrote it.
    pub version: String,
    /// `quick` or `paper`.
    pub profile: Profile,
    /// The seed every check stream derives from.
    pub seed: u64,
    /// Suites run, in order.
    pub suites: Vec<String>,
    /// Build and machine facts: git revision, rustc, cores, features.
    pub environment: Value,
    /// The records, in registry order.
    pub records: Vec<Record>,
    /// Counts.
    pub summary: Summary,
    /// Total wall time (a timing field).
    pub wall_ms: f64,
}

impl Report {
    /// The report as JSON with the timing fields removed: equal for equal seeds.
    pub fn without_timing(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("report serializes");
        if let Some(obj) = v.as_object_mut() {
            obj.remove("wall_ms");
            if let Some(Value::Array(recs)) = obj.get_mut("records") {
                for r in recs {
                    if let Some(o) = r.as_object_mut() {
                        o.remove("elapsed_ms");
                    }
                }
            }
        }
        v
    }
}

/// Progress callbacks of [`run_checks`] (a progress bar in the CLI, nothing in tests).
///
/// Checks run in parallel, so the callbacks are called from several threads at once and in no
/// particular order: `start` of check `index` always precedes its `finish`, nothing more.
pub trait Progress: Sync {
    /// Called when check `index` (its position in registry order) of `total` starts.
    fn start(&self, _index: usize, _total: usize, _id: &str) {}
    /// Called after a check finished.
    fn finish(&self, _record: &Record) {}
}

impl Progress for () {}

/// How [`run_checks`] and [`run_one_with`] run checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Run each check's negative control beside it (the default; `validate --no-controls` turns
    /// it off for speed, and then no record carries a `control`).
    pub controls: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { controls: true }
    }
}

/// Run `check.run(ctx)`, turning a panic inside it (an internal invariant broken by the
/// measurement) into an error naming the panic, so the other records of the report are still
/// written. Returns the result and the wall time in milliseconds.
fn measure(check: &dyn Check, ctx: &Ctx) -> (Result<Outcome>, f64) {
    let t0 = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check.run(ctx)))
        .unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic payload".into());
            Err(crate::error::Error::failed(format!(
                "the check panicked: {msg} (an internal error: please report it with this record's params and seed)"
            )))
        });
    (result, t0.elapsed().as_secs_f64() * 1e3)
}

/// Run the planted-bug variant of a check: same context, its own expectation.
fn run_control(planted: Planted, ctx: &Ctx) -> (ControlRecord, f64) {
    let (result, ms) = measure(planted.check.as_ref(), ctx);
    let record = match result {
        Ok(o) => ControlRecord {
            bug: planted.bug,
            measured: crate::io::num(o.measured),
            pass: o.expected.expect.holds(o.measured),
            error: None,
        },
        Err(e) => ControlRecord {
            bug: planted.bug,
            measured: Value::Null,
            pass: false,
            error: Some(e.to_string()),
        },
    };
    (record, ms)
}

/// `details` with the horizons of a limit claim added under `"horizons"`.
fn details_with_horizons(details: Value, h: &Horizons) -> Value {
    let mut obj = match details {
        Value::Object(m) => m,
        Value::Null => serde_json::Map::new(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("data".into(), other);
            m
        }
    };
    obj.insert(
        "horizons".into(),
        json!({ "t": h.t, "measured": h.measured.iter().map(|&x| crate::io::num(x)).collect::<Vec<_>>() }),
    );
    Value::Object(obj)
}

/// Run one check (and its negative control) into a record.
pub fn run_one(check: &dyn Check, ctx: &Ctx) -> Record {
    run_one_with(check, ctx, RunOptions::default())
}

/// Run one check into a record, with or without its negative control.
///
/// The verdict: `skipped` if the check skips; `fail` if it errors or misses its expectation —
/// unless it is a limit claim whose values at three or more horizons move toward the claim
/// (`not-reached`); if it meets its expectation, `pass` when its control fails and `no-power`
/// when the control passes too or the check has none (with controls off: `pass`).
pub fn run_one_with(check: &dyn Check, ctx: &Ctx, options: RunOptions) -> Record {
    let base = Record {
        id: check.id(),
        suite: check.suite().to_string(),
        claim: check.claim(),
        source: check.source(),
        params: check.params(ctx),
        measured: Value::Null,
        figures: Value::Null,
        expected: Value::Null,
        pass: None,
        verdict: Verdict::Skipped,
        control: None,
        history: super::theory::history(check.theory_id()),
        error: None,
        skipped: None,
        details: Value::Null,
        elapsed_ms: 0.0,
    };
    if let Some(reason) = check.skip_reason(ctx) {
        return Record {
            skipped: Some(reason),
            ..base
        };
    }
    let (result, mut elapsed_ms) = measure(check, ctx);
    let planted = if options.controls {
        check.control()
    } else {
        None
    };
    let control = planted.map(|p| {
        let (c, ms) = run_control(p, ctx);
        elapsed_ms += ms;
        c
    });
    match result {
        Ok(o) => {
            let expect = &o.expected.expect;
            let horizons_consistent = o.horizons.as_ref().is_none_or(|h| {
                h.t.len() == h.measured.len()
                    && h.measured.last().map(|x| x.to_bits()) == Some(o.measured.to_bits())
            });
            let verdict = if !horizons_consistent {
                Verdict::Fail
            } else if expect.holds(o.measured) {
                match (&control, options.controls) {
                    (_, false) => Verdict::Pass,
                    (Some(c), true) if !c.pass => Verdict::Pass,
                    _ => Verdict::NoPower,
                }
            } else if o
                .horizons
                .as_ref()
                .is_some_and(|h| expect.toward(&h.measured))
            {
                Verdict::NotReached
            } else {
                Verdict::Fail
            };
            let details = match &o.horizons {
                Some(h) => details_with_horizons(o.details, h),
                None => o.details,
            };
            Record {
                measured: crate::io::num(o.measured),
                figures: o.figures,
                expected: serde_json::to_value(&o.expected).expect("expectation serializes"),
                pass: Some(verdict == Verdict::Pass),
                verdict,
                control,
                error: (!horizons_consistent).then(|| {
                    "internal: the last horizon's value is not the measured value; please report it".to_string()
                }),
                details,
                elapsed_ms,
                ..base
            }
        }
        Err(e) => Record {
            pass: Some(false),
            verdict: Verdict::Fail,
            control,
            error: Some(e.to_string()),
            elapsed_ms,
            ..base
        },
    }
}

/// Run `checks` in parallel on rayon's current thread pool and assemble a report with the records
/// in the order of `checks` (registry order). `environment` is recorded as given.
///
/// The report does not depend on the number of threads: every check draws its randomness from its
/// own stream ([`Ctx::rng`]), shares no mutable state with the others, and sweeps inside a check
/// use [`crate::validate::sweep::par_map`] (results in input order). Dense kernels run
/// single-threaded: this sets faer's global parallelism to `Par::Seq` (parallelism is over checks
/// and runs, not inside one matrix product; faer's own threading would also make results depend
/// on the pool).
pub fn run_checks(
    checks: &[Box<dyn Check>],
    ctx: &Ctx,
    suites: Vec<String>,
    environment: Value,
    progress: &dyn Progress,
) -> Report {
    run_checks_with(
        checks,
        ctx,
        suites,
        environment,
        progress,
        RunOptions::default(),
    )
}

/// [`run_checks`] with explicit [`RunOptions`] (e.g. without the negative controls).
pub fn run_checks_with(
    checks: &[Box<dyn Check>],
    ctx: &Ctx,
    suites: Vec<String>,
    environment: Value,
    progress: &dyn Progress,
    options: RunOptions,
) -> Report {
    faer::set_global_parallelism(faer::Par::Seq);
    let t0 = Instant::now();
    let total = checks.len();
    let indexed: Vec<(usize, &dyn Check)> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.as_ref()))
        .collect();
    let records = crate::validate::sweep::par_map(&indexed, |&(i, c)| {
        progress.start(i, total, &c.id());
        let r = run_one_with(c, ctx, options);
        progress.finish(&r);
        r
    });
    let summary = Summary::of(&records);
    Report {
        schema: REPORT_SCHEMA.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        profile: ctx.profile,
        seed: ctx.seed,
        suites,
        environment,
        records,
        summary,
        wall_ms: t0.elapsed().as_secs_f64() * 1e3,
    }
}

/// Build facts recorded in every report: git revision, rustc version, features, core count.
pub fn environment() -> Value {
    json!({
        "git_revision": option_env!("STEEPEST_GIT_REVISION").unwrap_or("unknown"),
        "rustc": option_env!("STEEPEST_RUSTC_VERSION").unwrap_or("unknown"),
        "features": { "symbolic": cfg!(feature = "symbolic") },
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// A check whose measurement is `value` and which expects 1 ± 1e-12; its control measures
    /// `value + 1` (a planted off-by-one).
    #[derive(Clone)]
    struct Fixed {
        value: f64,
        skip: bool,
        error: bool,
    }

    impl Check for Fixed {
        fn meta(&self) -> CheckMeta {
            CheckMeta::new("test", "T-fixed", Some(format!("{}", self.value)))
        }
        fn claim(&self) -> String {
            "the value is one".into()
        }
        fn source(&self) -> String {
            "tests".into()
        }
        fn params(&self, ctx: &Ctx) -> Value {
            json!({ "profile": ctx.profile.as_str() })
        }
        fn run(&self, ctx: &Ctx) -> Result<Outcome> {
            if self.error {
                return Err(Error::failed("did not converge after 3 iterations"));
            }
            let noise: f64 = ctx.rng(&self.id()).random();
            Ok(
                Outcome::new(self.value, Expectation::close(1.0, 1e-12, 0.0, "exact"))
                    .with_details(json!({ "noise": noise })),
            )
        }
        fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
            self.skip.then(|| "feature off".to_string())
        }
        fn control(&self) -> Option<Planted> {
            Planted::new(
                "off by one",
                Fixed {
                    value: self.value + 1.0,
                    ..self.clone()
                },
            )
        }
    }

    /// A check measuring `last` with optional horizons, `AtMost 1`, and a control that measures
    /// `control` (or none).
    struct Limit {
        values: Vec<f64>,
        control: Option<f64>,
    }

    impl Check for Limit {
        fn meta(&self) -> CheckMeta {
            CheckMeta::new("test", "T-limit", None)
        }
        fn claim(&self) -> String {
            "r_t → 0".into()
        }
        fn source(&self) -> String {
            "tests".into()
        }
        fn params(&self, _ctx: &Ctx) -> Value {
            Value::Null
        }
        fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
            let last = *self.values.last().unwrap();
            let o = Outcome::new(last, Expectation::at_most(1.0, "test"));
            Ok(if self.values.len() > 1 {
                let t = (0..self.values.len())
                    .map(|k| 10f64.powi(k as i32))
                    .collect();
                o.with_horizons(t, self.values.clone())
            } else {
                o
            })
        }
        fn control(&self) -> Option<Planted> {
            self.control.map(|c| Planted {
                bug: "planted".into(),
                check: Box::new(Limit {
                    values: vec![c],
                    control: None,
                }),
            })
        }
    }

    #[test]
    fn verdicts_follow_the_rules() {
        let v =
            |values: Vec<f64>, control: Option<f64>| run_one(&Limit { values, control }, &ctx(0));
        // pass needs a failing control
        let pass = v(vec![0.5], Some(5.0));
        assert_eq!((pass.verdict, pass.pass), (Verdict::Pass, Some(true)));
        assert!(!pass.control.as_ref().unwrap().pass);
        // a control that passes too, or no control at all: no power (not a pass)
        let np = v(vec![0.5], Some(0.7));
        assert_eq!((np.verdict, np.pass), (Verdict::NoPower, Some(false)));
        assert_eq!(v(vec![0.5], None).verdict, Verdict::NoPower);
        // without controls, a passing measurement passes and the record has no control
        let off = run_one_with(
            &Limit {
                values: vec![0.5],
                control: None,
            },
            &ctx(0),
            RunOptions { controls: false },
        );
        assert_eq!((off.verdict, off.control.is_none()), (Verdict::Pass, true));
        // a limit claim moving toward the bound at ≥ 3 horizons: not reached; its horizons kept
        let nr = v(vec![8.0, 4.0, 2.0], Some(9.0));
        assert_eq!((nr.verdict, nr.pass), (Verdict::NotReached, Some(false)));
        assert_eq!(nr.details["horizons"]["measured"][2], 2.0);
        // two horizons, flat, away, non-monotone, or < 10 % progress: fail
        for values in [
            vec![4.0, 2.0],
            vec![2.0, 2.0, 2.0],
            vec![2.0, 3.0, 4.0],
            vec![8.0, 2.0, 3.0, 2.5],
            vec![3.0, 2.99, 2.98],
        ] {
            assert_eq!(
                v(values.clone(), Some(9.0)).verdict,
                Verdict::Fail,
                "{values:?}"
            );
        }
        // the summary counts each verdict once
        let recs = vec![pass, np, nr];
        let s = Summary::of(&recs);
        assert_eq!(
            (s.passed, s.no_power, s.not_reached, s.failures()),
            (1, 1, 1, 1)
        );
    }

    #[test]
    fn shortfall_is_nonpositive_exactly_when_the_expectation_holds() {
        let cases = [
            Expect::Close {
                value: 1.0,
                abs: 0.1,
                rel: 0.0,
            },
            Expect::AtMost { bound: 1.0 },
            Expect::AtLeast { bound: 1.0 },
            Expect::Within { lo: 0.0, hi: 1.0 },
            Expect::Rate {
                exponent: -0.5,
                tol: 0.1,
            },
        ];
        for e in cases {
            for x in [-2.0, -0.55, -0.5, 0.0, 0.5, 0.95, 1.0, 1.05, 1.2, 3.0] {
                assert_eq!(e.holds(x), e.shortfall(x) <= 0.0, "{e:?} at {x}");
            }
            assert_eq!(e.shortfall(f64::NAN), f64::INFINITY);
        }
    }

    fn ctx(seed: u64) -> Ctx {
        Ctx {
            profile: Profile::Quick,
            seed,
        }
    }

    /// A check that panics while measuring.
    struct Panics;

    impl Check for Panics {
        fn meta(&self) -> CheckMeta {
            CheckMeta::new("test", "T-panic", None)
        }
        fn claim(&self) -> String {
            "never measured".into()
        }
        fn source(&self) -> String {
            "tests".into()
        }
        fn params(&self, _ctx: &Ctx) -> Value {
            Value::Null
        }
        fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
            panic!("SVD did not converge")
        }
    }

    #[test]
    fn a_panicking_check_becomes_an_errored_record() {
        let checks: Vec<Box<dyn Check>> = vec![
            Box::new(Panics),
            Box::new(Fixed {
                value: 1.0,
                skip: false,
                error: false,
            }),
        ];
        let report = run_checks(&checks, &ctx(0), vec!["test".into()], Value::Null, &());
        assert_eq!(report.records[0].pass, Some(false));
        assert!(report.records[0]
            .error
            .as_deref()
            .unwrap()
            .contains("SVD did not converge"));
        assert_eq!(report.records[1].pass, Some(true));
        assert_eq!((report.summary.passed, report.summary.failed), (1, 1));
    }

    #[test]
    fn paper_only_checks_skip_in_quick_and_run_in_paper() {
        let wrapped = || {
            PaperOnly::boxed(
                Box::new(Fixed {
                    value: 2.0,
                    skip: false,
                    error: false,
                }),
                "a limit claim (theory/T.md)",
            )
        };
        let quick = run_one(wrapped().as_ref(), &ctx(0));
        assert_eq!(quick.pass, None);
        assert_eq!(quick.id, "T-fixed[2]");
        assert!(quick.skipped.unwrap().contains("theory/T.md"));
        let paper = Ctx {
            profile: Profile::Paper,
            seed: 0,
        };
        // the wrapped check runs (and fails: 2 ≠ 1) in the paper profile
        assert_eq!(run_one(wrapped().as_ref(), &paper).pass, Some(false));
        // a build-level skip of the inner check wins in every profile
        let inner_skip = PaperOnly::boxed(
            Box::new(Fixed {
                value: 1.0,
                skip: true,
                error: false,
            }),
            "why",
        );
        assert_eq!(
            run_one(inner_skip.as_ref(), &paper).skipped.as_deref(),
            Some("feature off")
        );
    }

    #[test]
    fn expectations_compare_as_documented() {
        assert!(Expect::Close {
            value: 1.0,
            abs: 0.0,
            rel: 1e-3
        }
        .holds(1.0009));
        assert!(!Expect::Close {
            value: 1.0,
            abs: 0.0,
            rel: 1e-3
        }
        .holds(1.0011));
        assert!(Expect::AtMost { bound: 2.0 }.holds(2.0));
        assert!(!Expect::AtMost { bound: 2.0 }.holds(2.1));
        assert!(Expect::AtLeast { bound: 2.0 }.holds(2.0));
        assert!(!Expect::AtLeast { bound: 2.0 }.holds(1.9));
        assert!(Expect::Within { lo: 0.0, hi: 1.0 }.holds(0.5));
        assert!(!Expect::Within { lo: 0.0, hi: 1.0 }.holds(1.5));
        assert!(Expect::Rate {
            exponent: -0.5,
            tol: 0.1
        }
        .holds(-0.45));
        assert!(!Expect::Rate {
            exponent: -0.5,
            tol: 0.1
        }
        .holds(-0.3));
        for e in [
            Expect::AtMost { bound: 1.0 },
            Expect::AtLeast { bound: 1.0 },
            Expect::Within { lo: 0.0, hi: 1.0 },
        ] {
            assert!(!e.holds(f64::NAN), "NaN must fail {e:?}");
        }
    }

    #[test]
    fn records_pass_fail_error_and_skip() {
        let pass = run_one(
            &Fixed {
                value: 1.0,
                skip: false,
                error: false,
            },
            &ctx(0),
        );
        assert_eq!(pass.pass, Some(true));
        assert_eq!(pass.id, "T-fixed[1]");
        let fail = run_one(
            &Fixed {
                value: 1.1,
                skip: false,
                error: false,
            },
            &ctx(0),
        );
        assert_eq!(fail.pass, Some(false));
        let err = run_one(
            &Fixed {
                value: 1.0,
                skip: false,
                error: true,
            },
            &ctx(0),
        );
        assert_eq!(err.pass, Some(false));
        assert!(err.error.as_deref().unwrap().contains("did not converge"));
        let skip = run_one(
            &Fixed {
                value: 1.0,
                skip: true,
                error: false,
            },
            &ctx(0),
        );
        assert_eq!(skip.pass, None);
        let nan = run_one(
            &Fixed {
                value: f64::NAN,
                skip: false,
                error: false,
            },
            &ctx(0),
        );
        assert_eq!(nan.pass, Some(false));
        assert!(nan.measured.is_null());
    }

    #[test]
    fn same_seed_same_report_apart_from_timing() {
        let checks: Vec<Box<dyn Check>> = vec![
            Box::new(Fixed {
                value: 1.0,
                skip: false,
                error: false,
            }),
            Box::new(Fixed {
                value: 2.0,
                skip: false,
                error: false,
            }),
            Box::new(Fixed {
                value: 1.0,
                skip: true,
                error: false,
            }),
        ];
        let a = run_checks(&checks, &ctx(7), vec!["test".into()], environment(), &());
        let b = run_checks(&checks, &ctx(7), vec!["test".into()], environment(), &());
        let c = run_checks(&checks, &ctx(8), vec!["test".into()], environment(), &());
        assert_eq!(a.without_timing(), b.without_timing());
        assert_ne!(
            a.without_timing(),
            c.without_timing(),
            "the seed must matter"
        );
        assert_eq!(
            a.summary,
            Summary {
                passed: 1,
                failed: 1,
                skipped: 1,
                not_reached: 0,
                no_power: 0,
            }
        );
        // round trip through JSON
        let text = serde_json::to_string(&a).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back.without_timing(), a.without_timing());
    }

    /// Counts callbacks; called from several worker threads.
    #[derive(Default)]
    struct Count {
        started: std::sync::atomic::AtomicUsize,
        finished: std::sync::atomic::AtomicUsize,
    }

    impl Progress for Count {
        fn start(&self, index: usize, total: usize, _id: &str) {
            assert!(index < total);
            self.started
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        fn finish(&self, _record: &Record) {
            self.finished
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    #[test]
    fn parallel_run_keeps_registry_order_and_reports_progress() {
        let checks: Vec<Box<dyn Check>> = (0..40)
            .map(|k| {
                Box::new(Fixed {
                    value: 1.0 + k as f64,
                    skip: k % 7 == 3,
                    error: k % 11 == 5,
                }) as Box<dyn Check>
            })
            .collect();
        let serial = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| run_checks(&checks, &ctx(3), vec!["test".into()], json!({}), &()));
        let count = Count::default();
        let parallel = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| run_checks(&checks, &ctx(3), vec!["test".into()], json!({}), &count));
        let ids: Vec<String> = checks.iter().map(|c| c.id()).collect();
        let got: Vec<String> = parallel.records.iter().map(|r| r.id.clone()).collect();
        assert_eq!(got, ids, "records in registry order");
        assert_eq!(serial.without_timing(), parallel.without_timing());
        assert_eq!(count.started.into_inner(), 40);
        assert_eq!(count.finished.into_inner(), 40);
    }

    #[test]
    fn rng_streams_depend_on_seed_and_name_only() {
        let x: u64 = ctx(1).rng("a").random();
        let y: u64 = ctx(1).rng("a").random();
        let z: u64 = ctx(1).rng("b").random();
        let w: u64 = ctx(2).rng("a").random();
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(x, w);
    }
}
