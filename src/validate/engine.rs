//! The runner: each check measured, its negative control run beside it, the verdict decided, and
//! the records collected in registry order (in parallel, deterministic for any thread count).

use super::check::*;
use super::expectation::Horizons;
use super::record::*;
use crate::error::Result;
use serde_json::{json, Value};
use std::time::Instant;
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
        expected: None,
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
                expected: Some(o.expected),
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
