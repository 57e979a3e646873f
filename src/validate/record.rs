//! What a run writes: [`Record`]s with their [`Verdict`] and [`ControlRecord`], counted in a
//! [`Summary`], inside a versioned [`Report`].

use super::check::Profile;
use super::expectation::Expectation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// values move toward the claim ([`Expect::toward`](super::Expect::toward)).
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
    pub expected: Option<Expectation>,
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
