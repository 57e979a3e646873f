//! What a measurement must satisfy: the comparison [`Expect`], its [`Tolerance`] (a factor times a
//! scale — ε·n, a standard error, or an absolute amount — with its reason), the two together as
//! an [`Expectation`], and the one place where an expectation is written out for a reader
//! ([`std::fmt::Display`] for text and Markdown, [`Expect::tex`] for LaTeX).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::fmt;

/// A number of a report as a reader sees it: 4 decimals in [10⁻³, 10⁵), else 3 significant digits
/// in scientific notation.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-3 && x.abs() < 1e5 {
        format!("{}", (x * 1e4).round() / 1e4)
    } else {
        format!("{x:.3e}")
    }
}

/// An `f64` written by serde_json: a non-finite number is written as `null` and read back as NaN.
fn f64_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// The comparison a measured value must satisfy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// |measured − value| ≤ abs + rel·|value|.
    Close {
        /// Target.
        #[serde(deserialize_with = "f64_or_null")]
        value: f64,
        /// Absolute tolerance.
        #[serde(deserialize_with = "f64_or_null")]
        abs: f64,
        /// Relative tolerance.
        #[serde(deserialize_with = "f64_or_null")]
        rel: f64,
    },
    /// measured ≤ bound.
    AtMost {
        /// Upper bound.
        #[serde(deserialize_with = "f64_or_null")]
        bound: f64,
    },
    /// measured ≥ bound.
    AtLeast {
        /// Lower bound.
        #[serde(deserialize_with = "f64_or_null")]
        bound: f64,
    },
    /// lo ≤ measured ≤ hi.
    Within {
        /// Lower end.
        #[serde(deserialize_with = "f64_or_null")]
        lo: f64,
        /// Upper end.
        #[serde(deserialize_with = "f64_or_null")]
        hi: f64,
    },
    /// A log–log slope fitted by least squares (see [`crate::validate::stats::loglog_slope`]):
    /// |measured − exponent| ≤ tol.
    Rate {
        /// Predicted exponent.
        #[serde(deserialize_with = "f64_or_null")]
        exponent: f64,
        /// Allowed deviation.
        #[serde(deserialize_with = "f64_or_null")]
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

    /// How far `measured` is from failing, relative to the scale of the bound (the bound's size,
    /// the interval's width, the tolerance; 1 when that is 0): negative when failing. The compact
    /// LaTeX table shows, per claim, the record with the least margin.
    pub fn margin(&self, measured: f64) -> f64 {
        let scale = |b: f64| if b.abs() > 0.0 { b.abs() } else { 1.0 };
        match *self {
            Expect::AtMost { bound } => (bound - measured) / scale(bound),
            Expect::AtLeast { bound } => (measured - bound) / scale(bound),
            Expect::Within { lo, hi } => (measured - lo).min(hi - measured) / scale(hi - lo),
            Expect::Close { value, abs, rel } => {
                1.0 - (measured - value).abs() / scale(abs + rel * value.abs())
            }
            Expect::Rate { exponent, tol } => 1.0 - (measured - exponent).abs() / scale(tol),
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

    /// The comparison in LaTeX, numbers set by `num` (math mode), broken into pieces a narrow
    /// column can wrap between: `$\le$ b`, `$\ge$ b`, `$\in$ [lo, hi]`, `v $\pm$ (abs + rel·|v|)`,
    /// `slope e $\pm$ t`.
    pub fn tex(&self, num: impl Fn(f64) -> String) -> String {
        match *self {
            Expect::AtMost { bound } => format!("$\\le$ {}", num(bound)),
            // a strict "> 0" is stored as ≥ the least positive normal f64
            Expect::AtLeast { bound } if bound == f64::MIN_POSITIVE => "$> 0$".to_string(),
            Expect::AtLeast { bound } => format!("$\\ge$ {}", num(bound)),
            Expect::Within { lo, hi } => format!("$\\in$ [{}, {}]", num(lo), num(hi)),
            Expect::Close { value, abs, rel } => {
                format!("{} $\\pm$ {}", num(value), num(abs + rel * value.abs()))
            }
            Expect::Rate { exponent, tol } => {
                format!("slope {} $\\pm$ {}", num(exponent), num(tol))
            }
        }
    }
}

/// The comparison in words: `≤ b`, `≥ b`, `∈ [lo, hi]`, `≈ v (abs a, rel r)`, `slope ≈ e ± t`
/// (numbers by [`fmt_num`]). Every text renderer (Markdown report, the `validate` table) uses it.
impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = fmt_num;
        match *self {
            Expect::AtMost { bound } => write!(f, "≤ {}", n(bound)),
            Expect::AtLeast { bound } if bound == f64::MIN_POSITIVE => write!(f, "> 0"),
            Expect::AtLeast { bound } => write!(f, "≥ {}", n(bound)),
            Expect::Within { lo, hi } => write!(f, "∈ [{}, {}]", n(lo), n(hi)),
            Expect::Rate { exponent, tol } => write!(f, "slope ≈ {} ± {}", n(exponent), n(tol)),
            Expect::Close { value, abs, rel } => {
                write!(f, "≈ {} (abs {}, rel {})", n(value), n(abs), n(rel))
            }
        }
    }
}

/// Horizons a limit claim needs before a failure may be labelled
/// [`Verdict::NotReached`](crate::validate::Verdict::NotReached).
pub const MIN_HORIZONS: usize = 3;
/// The fraction of the first horizon's shortfall that must be gone at the last one for
/// [`Verdict::NotReached`](crate::validate::Verdict::NotReached) (10 %): less is called flat.
pub const MIN_PROGRESS: f64 = 0.1;

/// What a tolerance is a multiple of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scale", rename_all = "snake_case")]
pub enum Scale {
    /// Rounding: machine ε times a size `n` (a sum of n terms, a backward-stable factorization
    /// of an n-sized matrix errs O(ε·n) relative).
    EpsN {
        /// The size.
        n: usize,
    },
    /// Statistical slack: `sigma`, a standard error of the measured quantity.
    Statistical {
        /// The standard error.
        sigma: f64,
    },
    /// An amount fixed by the check's protocol, in the units of the measurement.
    Absolute,
}

/// A tolerance: `factor` times its [`Scale`], and why that much. The record shows factor and
/// scale under `expected.tolerance`; the reason is the expectation's `why`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// The multiple of the scale (C in C·ε·n, the number of standard errors, or the amount).
    pub factor: f64,
    /// What the factor multiplies.
    #[serde(flatten)]
    pub scale: Scale,
    /// Why this tolerance (written to the record as the expectation's `why`).
    #[serde(skip)]
    pub why: String,
}

impl Tolerance {
    /// `factor`·ε·`n`: rounding of an exact identity at size `n`.
    pub fn eps_n(factor: f64, n: usize, why: impl Into<String>) -> Self {
        Self {
            factor,
            scale: Scale::EpsN { n },
            why: why.into(),
        }
    }
    /// `factor`·`sigma`: statistical slack of `factor` standard errors.
    pub fn statistical(factor: f64, sigma: f64, why: impl Into<String>) -> Self {
        Self {
            factor,
            scale: Scale::Statistical { sigma },
            why: why.into(),
        }
    }
    /// `amount`, fixed by the protocol.
    pub fn absolute(amount: f64, why: impl Into<String>) -> Self {
        Self {
            factor: amount,
            scale: Scale::Absolute,
            why: why.into(),
        }
    }
    /// The tolerance as a number: factor·ε·n, factor·σ, or the amount.
    pub fn value(&self) -> f64 {
        match self.scale {
            Scale::EpsN { n } => self.factor * f64::EPSILON * n as f64,
            Scale::Statistical { sigma } => self.factor * sigma,
            Scale::Absolute => self.factor,
        }
    }
}

/// An expectation together with the reason for its tolerance (ε·n scaling, statistical slack, …)
/// and, when the check states it as one, the [`Tolerance`] itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    /// The comparison.
    #[serde(flatten)]
    pub expect: Expect,
    /// Why this tolerance: stated explicitly for every check (a renderer reading an expectation
    /// written without one still shows the comparison).
    #[serde(default)]
    pub why: String,
    /// The tolerance as factor × scale, when the check builds its bound from one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tolerance: Option<Tolerance>,
}

impl Expectation {
    fn of(expect: Expect, why: impl Into<String>) -> Self {
        Self {
            expect,
            why: why.into(),
            tolerance: None,
        }
    }
    /// |measured − value| ≤ abs + rel·|value|.
    pub fn close(value: f64, abs: f64, rel: f64, why: impl Into<String>) -> Self {
        Self::of(Expect::Close { value, abs, rel }, why)
    }
    /// measured ≤ bound.
    pub fn at_most(bound: f64, why: impl Into<String>) -> Self {
        Self::of(Expect::AtMost { bound }, why)
    }
    /// measured ≥ bound.
    pub fn at_least(bound: f64, why: impl Into<String>) -> Self {
        Self::of(Expect::AtLeast { bound }, why)
    }
    /// lo ≤ measured ≤ hi.
    pub fn within(lo: f64, hi: f64, why: impl Into<String>) -> Self {
        Self::of(Expect::Within { lo, hi }, why)
    }
    /// |fitted slope − exponent| ≤ tol.
    pub fn rate(exponent: f64, tol: f64, why: impl Into<String>) -> Self {
        Self::of(Expect::Rate { exponent, tol }, why)
    }
    /// measured ≤ the tolerance (an error that is exactly 0 in exact arithmetic), with the
    /// tolerance's reason.
    pub fn at_most_tolerance(tol: Tolerance) -> Self {
        Self::at_most(tol.value(), tol.why.clone()).with_tolerance(tol)
    }
    /// Record the [`Tolerance`] the bound was built from (the `why` stays this expectation's).
    pub fn with_tolerance(mut self, tol: Tolerance) -> Self {
        self.tolerance = Some(tol);
        self
    }
    /// The expectation of a record as written in a report (`None` for `null` or an unknown shape).
    pub fn from_record(v: &Value) -> Option<Self> {
        if v.is_null() {
            return None;
        }
        let mut e: Self = serde_json::from_value(v.clone()).ok()?;
        if let Some(t) = e.tolerance.as_mut() {
            t.why.clone_from(&e.why);
        }
        Some(e)
    }
}

/// The comparison in words (see [`Expect`]'s `Display`); the reason is not repeated.
impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expect.fmt(f)
    }
}

/// A limit claim (t → ∞) measured at several horizons: the compared quantity at each horizon
/// `t`, in increasing `t`, the last one being the outcome's `measured`. A failed limit check whose
/// values move toward the claim at three or more horizons gets the verdict
/// [`Verdict::NotReached`](crate::validate::Verdict::NotReached) (see [`Expect::toward`]); flat or
/// moving away is a failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Horizons {
    /// The horizons (steps, widths, …), increasing.
    pub t: Vec<f64>,
    /// The compared quantity at each horizon.
    pub measured: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_tolerance_is_its_factor_times_its_scale_and_round_trips_through_a_record() {
        let t = Tolerance::eps_n(64.0, 64, "rounding");
        assert_eq!(t.value(), 64.0 * f64::EPSILON * 64.0);
        assert_eq!(Tolerance::statistical(3.0, 0.5, "3σ").value(), 1.5);
        assert_eq!(Tolerance::absolute(1e-9, "protocol").value(), 1e-9);
        let e = Expectation::at_most_tolerance(t.clone());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            json!({"at_most": {"bound": t.value()}, "why": "rounding",
                   "tolerance": {"factor": 64.0, "scale": "eps_n", "n": 64}})
        );
        assert_eq!(Expectation::from_record(&v), Some(e));
        let plain = serde_json::to_value(Expectation::at_most(1.0, "w")).unwrap();
        assert_eq!(plain, json!({"at_most": {"bound": 1.0}, "why": "w"}));
    }

    #[test]
    fn an_expectation_is_written_once_for_text_and_tex() {
        assert_eq!(Expectation::at_most(1.0, "w").to_string(), "≤ 1");
        // a strict "> 0" (stored as ≥ the least positive normal) reads as such
        let strict = Expectation::at_least(f64::MIN_POSITIVE, "w");
        assert_eq!(strict.to_string(), "> 0");
        assert_eq!(strict.expect.tex(fmt_num), "$> 0$");
        assert_eq!(Expectation::at_least(0.0, "w").to_string(), "≥ 0");
        assert_eq!(Expectation::within(0.5, 2.0, "w").to_string(), "∈ [0.5, 2]");
        assert_eq!(
            Expectation::close(1.0, 1e-12, 0.0, "w").to_string(),
            "≈ 1 (abs 1.000e-12, rel 0)"
        );
        assert_eq!(
            Expect::Close {
                value: 1.0,
                abs: 0.5,
                rel: 0.5
            }
            .tex(|x| format!("{x}")),
            "1 $\\pm$ 1"
        );
        // A non-finite bound is written as null and read back as NaN, not refused.
        let e = Expectation::from_record(&json!({"at_most": {"bound": null}, "why": "w"})).unwrap();
        assert!(matches!(e.expect, Expect::AtMost { bound } if bound.is_nan()));
    }

    #[test]
    fn the_margin_is_negative_exactly_when_the_expectation_fails() {
        for e in [
            Expect::AtMost { bound: 1.0 },
            Expect::AtLeast { bound: -1.0 },
            Expect::Within { lo: 0.0, hi: 2.0 },
            Expect::Close {
                value: 1.0,
                abs: 0.1,
                rel: 0.1,
            },
            Expect::Rate {
                exponent: -0.5,
                tol: 0.1,
            },
        ] {
            for m in [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.19, 1.21, 2.0, 3.0] {
                assert_eq!(e.margin(m) >= 0.0, e.holds(m), "{e:?} at {m}");
            }
        }
    }
}
