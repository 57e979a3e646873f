//! Unit tests of the validation engine (verdicts, controls, horizons, determinism).

use super::*;
use crate::error::{Error, Result};
use rand::Rng;
use serde_json::{json, Value};

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
    let v = |values: Vec<f64>, control: Option<f64>| run_one(&Limit { values, control }, &ctx(0));
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
