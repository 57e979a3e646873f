//! The multi-start protocol: every method — Infinite Descent and the four baselines — from the same
//! random starts θ0 = θ_c + σz, z ~ N(0, I) (θ_c = θ* when the problem has a planted optimum, else
//! the documented θ0; z drawn from `ChaCha8Rng::seed_from_u64(seed)`, start by start, coordinate by
//! coordinate), each to the same tolerance ‖∇L‖₂ ≤ tol, with its success rate and the distribution
//! of its cost (Batley & Saha 2025, arXiv 2510.05489: "honest comparison" of the Method of Infinite
//! Descent with Newton–CG and first-order methods, here over a distribution of starts).
//!
//! A run succeeds when it stops at a minimum of the best value found:
//! 1. ‖∇L(θ)‖₂ ≤ tol, evaluated directly at the final θ;
//! 2. the gauge-reduced ∇²L(θ) is positive semidefinite up to round-off ([`super::psd_curvature`]:
//!    not a saddle or a maximum);
//! 3. L(θ) ≤ L_best + `loss_tol`·(1 + |L_best|), where L_best is the lowest loss among the runs of
//!    every method and start that meet 1 and 2. The default 10⁻⁸ is far above the distance to L_best
//!    of a point that meets 1 in the same basin (≤ tol²/(2λ_min) ≈ 10⁻²⁰ for tol = 10⁻¹² and the
//!    λ_min ≥ 10⁻⁴ of the presets) and far below the gap to the next local minimum of a realisable
//!    problem (L_best ≈ 0), so it separates "found the best minimum" from "found another".
//!
//! Costs are reported over all starts, successful or not (the cost of running the method).
//! Quantiles are nearest-rank: q_p = x_(⌈p·n⌉) of the sorted values. Runs are sequential, so that
//! the wall times are not inflated by one another; wall time is the only irreproducible field.

use super::{
    damped_newton, gradient_descent, infinite_descent_with, inner_solve, lbfgs, newton_cg,
    psd_curvature, reduced_curvature, Baseline, Counts, Objective, Options,
};
use crate::aion::model::Problem;
use crate::error::{Error, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

/// The methods compared, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// One Infinite Descent step (its inner solver from [`Options::inner`]).
    InfiniteDescent,
    /// [`gradient_descent`].
    GradientDescent,
    /// [`damped_newton`].
    DampedNewton,
    /// [`newton_cg`].
    NewtonCg,
    /// [`lbfgs`].
    Lbfgs,
}

impl Method {
    /// Every method, in report order.
    pub const ALL: [Method; 5] = [
        Method::InfiniteDescent,
        Method::GradientDescent,
        Method::DampedNewton,
        Method::NewtonCg,
        Method::Lbfgs,
    ];
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::InfiniteDescent => "infinite-descent",
            Method::GradientDescent => "gradient-descent-armijo",
            Method::DampedNewton => "damped-newton",
            Method::NewtonCg => "newton-cg",
            Method::Lbfgs => "l-bfgs",
        }
    }
}

/// Iteration budgets of the baselines.
#[derive(Clone, Copy, Debug)]
pub struct Budgets {
    /// Gradient descent.
    pub gradient_descent: usize,
    /// Damped Newton and Newton–CG.
    pub newton: usize,
    /// L-BFGS.
    pub lbfgs: usize,
}

/// The protocol's settings.
#[derive(Clone, Debug)]
pub struct Protocol {
    /// Number of random starts.
    pub starts: usize,
    /// Standard deviation σ of the perturbation of θ_c.
    pub sigma: f64,
    /// Seed of the ChaCha8 stream of the perturbations.
    pub seed: u64,
    /// Relative loss tolerance of the success test (see the module docs).
    pub loss_tol: f64,
    /// The Infinite Descent options; `id.tol` is the gradient tolerance of every method.
    pub id: Options,
    /// Baseline budgets.
    pub budgets: Budgets,
    /// The methods to run (Infinite Descent alone with `aion solve --no-baselines`).
    pub methods: Vec<Method>,
}

impl Protocol {
    /// Input errors (exit 2) for settings the protocol cannot run: 1 ≤ starts ≤ 10⁴, σ and
    /// `loss_tol` finite and ≥ 0.
    pub fn check(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.starts) {
            return Err(Error::input(format!(
                "--multistart {} must be between 1 and 10000, e.g. --multistart 20",
                self.starts
            )));
        }
        for (flag, v, eg) in [
            ("--sigma", self.sigma, "0.1"),
            ("--loss-tol", self.loss_tol, "1e-8"),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::input(format!(
                    "{flag} {v} must be a finite number ≥ 0, e.g. {flag} {eg}"
                )));
            }
        }
        Ok(())
    }
}

/// Default σ of `aion solve --multistart`.
pub const DEFAULT_SIGMA: f64 = 0.1;
/// Default `loss_tol` (see the module docs for why).
pub const DEFAULT_LOSS_TOL: f64 = 1e-8;

/// One method from one start.
#[derive(Clone, Debug)]
pub struct Run {
    /// Iterations (inner iterations for Infinite Descent, whose outer steps are always 1).
    pub iterations: usize,
    /// Evaluations of any kind (of the resummed system for Infinite Descent, of L for the others).
    pub evaluations: usize,
    /// Of those, evaluations that formed second-order information: a Jacobian of the resummed
    /// system (Infinite Descent) or ∇²L (damped Newton, Newton–CG).
    pub second_order_evaluations: usize,
    /// Final L (NaN if the method errored).
    pub loss: f64,
    /// Final ‖∇L‖₂ evaluated directly (NaN if the method errored).
    pub grad_norm: f64,
    /// Conditions 1 and 2 of the success test.
    pub at_minimum: bool,
    /// All three conditions.
    pub success: bool,
    /// Wall time in milliseconds.
    pub wall_ms: f64,
    /// The method's error message, if it returned one (Infinite Descent only).
    pub error: Option<String>,
}

/// The protocol's result.
#[derive(Clone, Debug)]
pub struct MultiStart {
    /// The settings.
    pub protocol: Protocol,
    /// "theta_star" or "theta0": the centre θ_c of the starts.
    pub centre: &'static str,
    /// L_best (NaN if no run stopped at a minimum).
    pub best_loss: f64,
    /// Per method (in `protocol.methods` order), one run per start.
    pub runs: Vec<(Method, Vec<Run>)>,
}

/// The starts θ_c + σz.
pub fn starts(centre: &[f64], n: usize, sigma: f64, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            centre
                .iter()
                .map(|c| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    c + sigma * z
                })
                .collect()
        })
        .collect()
}

fn from_baseline(prob: &Problem, b: Baseline, tol: f64) -> Run {
    Run {
        iterations: b.iterations,
        evaluations: b.evaluations,
        second_order_evaluations: b.hessian_evaluations,
        at_minimum: at_minimum(prob, &b.theta, b.grad_norm, tol),
        loss: b.loss,
        grad_norm: b.grad_norm,
        success: false,
        wall_ms: b.wall_ms,
        error: None,
    }
}

/// Conditions 1 and 2 of the success test at θ with ‖∇L(θ)‖ = `grad_norm`.
fn at_minimum(prob: &Problem, theta: &[f64], grad_norm: f64, tol: f64) -> bool {
    grad_norm <= tol
        && theta.iter().all(|v| v.is_finite())
        && reduced_curvature(prob, theta, true)
            .map(|(lo, hi)| psd_curvature(lo, hi, prob.gauge_free().len()))
            .unwrap_or(false)
}

fn run_one(prob: &Problem, method: Method, t0: &[f64], p: &Protocol) -> Run {
    let tol = p.id.tol;
    let b = &p.budgets;
    match method {
        Method::InfiniteDescent => {
            // The inner counts are kept when the step fails too (its error carries no counts).
            let counts = Rc::new(Cell::new(Counts::default()));
            let seen = Rc::clone(&counts);
            let inner = p.id.inner;
            let start = Instant::now();
            let r = infinite_descent_with(prob, t0, &p.id, &move |s, t, m| {
                let out = inner_solve(s, inner, t, m);
                if let Ok(o) = &out {
                    seen.set(o.1);
                }
                out
            });
            let wall_ms = start.elapsed().as_secs_f64() * 1e3;
            let c = counts.get();
            let (loss, grad_norm, ok, error) = match r {
                // `infinite_descent` has verified ‖∇L(θ1)‖ ≤ tol and PSD curvature directly.
                Ok(s) => (s.loss_after, s.grad_norm_after, true, None),
                Err(e) => (f64::NAN, f64::NAN, false, Some(e.to_string())),
            };
            Run {
                iterations: c.iterations,
                evaluations: c.evaluations,
                second_order_evaluations: c.jacobian_evaluations,
                loss,
                grad_norm,
                at_minimum: ok,
                success: false,
                wall_ms,
                error,
            }
        }
        Method::GradientDescent => from_baseline(
            prob,
            gradient_descent(prob, t0, tol, b.gradient_descent),
            tol,
        ),
        Method::DampedNewton => from_baseline(prob, damped_newton(prob, t0, tol, b.newton), tol),
        Method::NewtonCg => from_baseline(prob, newton_cg(prob, t0, tol, b.newton), tol),
        Method::Lbfgs => from_baseline(prob, lbfgs(prob, t0, tol, b.lbfgs), tol),
    }
}

/// Run the protocol on `prob` around `centre` (named `centre_name` in the report).
pub fn run(
    prob: &Problem,
    centre: &[f64],
    centre_name: &'static str,
    protocol: &Protocol,
) -> Result<MultiStart> {
    protocol.check()?;
    prob.check_theta(centre, "the multi-start centre")?;
    let t0s = starts(centre, protocol.starts, protocol.sigma, protocol.seed);
    let mut runs: Vec<(Method, Vec<Run>)> = protocol
        .methods
        .iter()
        .map(|&m| {
            let v = t0s
                .iter()
                .map(|t0| run_one(prob, m, t0, protocol))
                .collect();
            (m, v)
        })
        .collect();
    let best_loss = judge(
        runs.iter_mut().flat_map(|(_, v)| v.iter_mut()),
        protocol.loss_tol,
    );
    Ok(MultiStart {
        protocol: protocol.clone(),
        centre: centre_name,
        best_loss,
        runs,
    })
}

/// Condition 3 of the success test: L_best over the runs at a minimum (NaN if none), then
/// `success` = at a minimum and L ≤ L_best + loss_tol·(1 + |L_best|). Returns L_best.
fn judge<'r>(runs: impl Iterator<Item = &'r mut Run>, loss_tol: f64) -> f64 {
    let mut all: Vec<&mut Run> = runs.collect();
    let best = all
        .iter()
        .filter(|r| r.at_minimum)
        .map(|r| r.loss)
        .fold(f64::NAN, f64::min);
    let bound = best + loss_tol * (1.0 + best.abs());
    for r in &mut all {
        r.success = r.at_minimum && r.loss <= bound;
    }
    best
}

/// Nearest-rank quantile q_p = x_(⌈p·n⌉) of `v` (NaN for an empty slice; NaN sorts last).
pub fn quantile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let k = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[k - 1]
}

/// Median and 90th percentile of one column of the runs.
fn spread(v: &[Run], f: impl Fn(&Run) -> f64) -> (f64, f64) {
    let x: Vec<f64> = v.iter().map(f).collect();
    (quantile(&x, 0.5), quantile(&x, 0.9))
}

impl MultiStart {
    /// The JSON of the result: settings, L_best, and per method the success count and rate, the
    /// cost quantiles and every run.
    pub fn to_json(&self) -> Value {
        let p = &self.protocol;
        let num = crate::io::num;
        let q = |v: &[Run], f: &dyn Fn(&Run) -> f64| {
            let (m, p90) = spread(v, f);
            json!({"median": num(m), "p90": num(p90)})
        };
        let methods: Vec<Value> = self
            .runs
            .iter()
            .map(|(m, v)| {
                let ok = v.iter().filter(|r| r.success).count();
                json!({
                    "method": m.name(),
                    "successes": ok,
                    "success_rate": num(ok as f64 / v.len().max(1) as f64),
                    "iterations": q(v, &|r| r.iterations as f64),
                    "evaluations": q(v, &|r| r.evaluations as f64),
                    "second_order_evaluations": q(v, &|r| r.second_order_evaluations as f64),
                    "wall_ms": q(v, &|r| r.wall_ms),
                    "runs": v.iter().map(|r| json!({
                        "success": r.success,
                        "at_minimum": r.at_minimum,
                        "loss": num(r.loss),
                        "grad_norm": num(r.grad_norm),
                        "iterations": r.iterations,
                        "evaluations": r.evaluations,
                        "second_order_evaluations": r.second_order_evaluations,
                        "wall_ms": num(r.wall_ms),
                        "error": r.error,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "starts": p.starts,
            "sigma": p.sigma,
            "seed": p.seed,
            "rng": "ChaCha8Rng::seed_from_u64(seed), z ~ N(0, I) start by start",
            "centre": self.centre,
            "tol": p.id.tol,
            "loss_tol": p.loss_tol,
            "best_loss": num(self.best_loss),
            "inner_solver": p.id.inner.name(),
            "budgets": {
                "gradient_descent": p.budgets.gradient_descent,
                "newton": p.budgets.newton,
                "lbfgs": p.budgets.lbfgs,
                "infinite_descent_inner": p.id.max_inner,
            },
            "methods": methods,
        })
    }

    /// A plain-text table (for stderr): per method, successes and the median / p90 of iterations,
    /// evaluations, second-order evaluations and wall time.
    pub fn table(&self) -> String {
        let p = &self.protocol;
        let mut s = format!(
            "multi-start: {} starts {} + N(0, {}²), ChaCha8 seed {}; success = ‖∇L‖ ≤ {:.0e}, PSD curvature, L ≤ L_best + {:.0e}·(1 + |L_best|), L_best = {:.3e}\n",
            p.starts, self.centre, p.sigma, p.seed, p.id.tol, p.loss_tol, self.best_loss
        );
        s += &format!(
            "{:<24} {:>8} {:>15} {:>15} {:>15} {:>17}\n",
            "method",
            "success",
            "iter med/p90",
            "evals med/p90",
            "2nd-ord med/p90",
            "wall ms med/p90"
        );
        for (m, v) in &self.runs {
            let ok = v.iter().filter(|r| r.success).count();
            let pair = |f: &dyn Fn(&Run) -> f64| {
                let (a, b) = spread(v, f);
                format!("{a:.0}/{b:.0}")
            };
            let (wm, wp) = spread(v, |r| r.wall_ms);
            s += &format!(
                "{:<24} {:>8} {:>15} {:>15} {:>15} {:>17}\n",
                m.name(),
                format!("{ok}/{}", v.len()),
                pair(&|r| r.iterations as f64),
                pair(&|r| r.evaluations as f64),
                pair(&|r| r.second_order_evaluations as f64),
                format!("{wm:.2}/{wp:.2}"),
            );
        }
        s.pop();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aion::presets;

    fn protocol(methods: Vec<Method>) -> Protocol {
        Protocol {
            starts: 4,
            sigma: 0.1,
            seed: 3,
            loss_tol: DEFAULT_LOSS_TOL,
            id: Options {
                inner: super::super::Inner::TrustRegion,
                ..Options::default()
            },
            budgets: Budgets {
                gradient_descent: 300,
                newton: 500,
                lbfgs: 2000,
            },
            methods,
        }
    }

    #[test]
    fn starts_are_seeded_and_centred() {
        let c = [1.0, -2.0, 0.5];
        assert_eq!(starts(&c, 3, 0.1, 7), starts(&c, 3, 0.1, 7));
        assert_ne!(starts(&c, 3, 0.1, 7), starts(&c, 3, 0.1, 8));
        assert_eq!(starts(&c, 2, 0.0, 7), vec![c.to_vec(), c.to_vec()]);
    }

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!((quantile(&v, 0.5), quantile(&v, 0.9)), (10.0, 18.0));
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn fig1_every_second_order_method_finds_the_planted_minimum() {
        let inst = presets::fig1();
        let ts = inst.theta_star.clone().unwrap();
        let p = protocol(vec![
            Method::InfiniteDescent,
            Method::DampedNewton,
            Method::NewtonCg,
            Method::Lbfgs,
        ]);
        let ms = run(&inst.problem, &ts, "theta_star", &p).unwrap();
        assert!(ms.best_loss <= 1e-20, "{}", ms.best_loss);
        for (m, v) in &ms.runs {
            assert_eq!(v.len(), 4);
            let ok = v.iter().filter(|r| r.success).count();
            assert!(ok >= 3, "{}: {ok}/4\n{}", m.name(), ms.table());
        }
        let j = ms.to_json();
        assert_eq!(j["methods"].as_array().unwrap().len(), 4);
        assert_eq!(j["methods"][2]["method"], "newton-cg");
    }

    fn run_at(loss: f64, at_minimum: bool) -> Run {
        Run {
            iterations: 1,
            evaluations: 1,
            second_order_evaluations: 0,
            loss,
            grad_norm: 0.0,
            at_minimum,
            success: false,
            wall_ms: 0.0,
            error: None,
        }
    }

    #[test]
    fn success_needs_a_minimum_of_the_best_value() {
        // A minimum of the best value succeeds; another, higher minimum does not; nor does a point
        // of low loss that is not a minimum (it does not count towards L_best either).
        let mut v = [
            run_at(1e-25, true),
            run_at(0.3, true),
            run_at(1e-30, false),
            run_at(1e-12, true),
        ];
        let best = judge(v.iter_mut(), DEFAULT_LOSS_TOL);
        assert_eq!(best, 1e-25);
        let got: Vec<bool> = v.iter().map(|r| r.success).collect();
        assert_eq!(got, [true, false, false, true]);
        // No run at a minimum: L_best is NaN and nothing succeeds.
        let mut w = [run_at(0.0, false)];
        assert!(judge(w.iter_mut(), DEFAULT_LOSS_TOL).is_nan());
        assert!(!w[0].success);
    }

    #[test]
    fn a_stopped_first_order_run_is_not_at_a_minimum() {
        let inst = presets::fig1();
        let ts = inst.theta_star.clone().unwrap();
        let mut p = protocol(vec![Method::GradientDescent]);
        p.budgets.gradient_descent = 2;
        let gd = run(&inst.problem, &ts, "theta_star", &p).unwrap();
        assert!(gd.runs[0].1.iter().all(|r| !r.success && !r.at_minimum));
    }

    #[test]
    fn bad_settings_are_input_errors() {
        let inst = presets::fig1();
        let mut p = protocol(vec![Method::DampedNewton]);
        p.sigma = f64::NAN;
        let e = run(&inst.problem, &inst.theta0, "theta0", &p).unwrap_err();
        assert!(e.to_string().contains("--sigma"), "{e}");
    }
}
