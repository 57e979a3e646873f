//! Suite `aion`: the Method of Infinite Descent on AION (Batley & Saha 2025, arXiv 2510.05489;
//! file 09 §8, validators V1–V5).
//!
//! Every check holds the implementation under test as data (the resummed update equation, the tower
//! routine, the inner solver), so that its tests can plant a bug and see the record fail.

use crate::aion::model::Problem;
use crate::aion::presets::{self, Instance};
use crate::aion::resum::Cache;
use crate::aion::tower::{self, TanhProblem, TanhSeries};
use crate::error::{Error, Result};
use crate::solve::{self, Counts, Inner, Options, Step, System};
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome};
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

const SOURCE: &str = "Batley & Saha 2025 (arXiv 2510.05489), file 09";

/// The checks of the suite, built from the real implementations.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for preset in ["fig1", "rank2"] {
        v.push(Box::new(ResummationIdentity {
            preset,
            resummed: Box::new(|c: &Cache<'_>, d: &[f64]| c.update_equation(d)),
        }));
    }
    v.push(Box::new(TowerNewtonModel {
        tower: Box::new(tower::aion_tower),
    }));
    v.push(Box::new(TowerSuperGeometric {
        tower: Box::new(tower::aion_tower),
    }));
    for preset in ["fig1", "rank2"] {
        v.push(Box::new(OneStepOptimality {
            preset,
            step: Box::new(|p: &Problem, t: &[f64], inner: Inner| {
                let opts = Options {
                    inner,
                    ..Options::default()
                };
                solve::infinite_descent(p, t, &opts)
            }),
        }));
    }
    v.push(Box::new(CostAccounting {
        solver: Box::new(|s: &dyn System, tol, m| {
            solve::inner_solve(s, Inner::TrustRegion, tol, m)
        }),
    }));
    v.push(Box::new(TanhNegativeControl {
        tower: Box::new(|p: &TanhProblem, t: &[f64], d: &[f64], k| {
            tower::tanh_tower(p, t, d, k, TanhSeries::Riccati)
        }),
    }));
    v.extend(symbolic_checks());
    v
}

fn instance(preset: &str) -> Instance {
    presets::preset(preset).expect("known preset")
}

fn norm2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn diff_norm(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

type ResummedFn = dyn Fn(&Cache<'_>, &[f64]) -> Vec<f64> + Send + Sync;

/// The step lengths ‖δ‖ of V1.
const V1_NORMS: [f64; 4] = [0.25, 0.5, 1.0, 1.5];

/// V1: F(δ) from the cache at θ0 equals ∇L(θ0 + δ) evaluated directly.
pub struct ResummationIdentity {
    /// Preset name.
    pub preset: &'static str,
    /// The resummed update equation under test.
    pub resummed: Box<ResummedFn>,
}

impl Check for ResummationIdentity {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V1", Some(self.preset.to_string()))
    }
    fn claim(&self) -> String {
        "Resummation identity: F(δ) = exp(δ·∇)∇L(θ0), built from E = e^{(α+ιω)x+ιφ} and A0 cached at θ0 times μ(δ) = e^{(δα+ιδω)x+ιδφ}, equals ∇L(θ0+δ) for every δ (‖F − ∇L‖/‖∇L‖ ≤ 1e-12 at ‖δ‖ up to 1.5)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §4 (*) and §8 V1; theory/V1.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"preset": self.preset, "delta_norms": V1_NORMS, "directions_per_norm": ctx.profile.pick(3, 10)})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let inst = instance(self.preset);
        let prob = &inst.problem;
        let cache = Cache::new(prob, &inst.theta0);
        let mut rng = ctx.rng(&self.id());
        let reps = ctx.profile.pick(3, 10);
        let mut worst: f64 = 0.0;
        let mut rows = Vec::new();
        for &nrm in &V1_NORMS {
            for _ in 0..reps {
                let mut d: Vec<f64> = (0..prob.shape.n_params())
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect();
                let s = norm2(&d);
                d.iter_mut().for_each(|v| *v *= nrm / s);
                let f = (self.resummed)(&cache, &d);
                let (_, g) = prob.gradient(&add(&inst.theta0, &d));
                let rel = diff_norm(&f, &g) / norm2(&g);
                worst = worst.max(if rel.is_nan() { f64::INFINITY } else { rel });
                rows.push(json!({"delta_norm": nrm, "rel_error": crate::io::num(rel)}));
            }
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1e-12,
                "both sides are the same entire function evaluated in f64 through different exponentials (cached E·μ(δ) vs e^{(α+δα)x…}); rounding is O(ε) per term, amplified by the cancellation in Σ_k r_k∇f_k, far below 1e-12 at N ≤ 400",
            ),
        )
        .with_details(json!({"samples": rows})))
    }
}

type TowerFn = dyn Fn(&Problem, &[f64], &[f64], usize) -> Vec<Vec<f64>> + Send + Sync;

/// The large step of file 09 §6 used by V2 (fig1).
pub const V2_DELTA: [f64; 4] = [0.5, -0.5, 0.7, 0.5];

/// V2 (order 1): F_1(δ) = ∇L(θ0) + H(θ0)δ, the Newton model.
pub struct TowerNewtonModel {
    /// The tower routine under test.
    pub tower: Box<TowerFn>,
}

impl Check for TowerNewtonModel {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V2", Some("newton-model".into()))
    }
    fn claim(&self) -> String {
        "The order-1 truncation of the Taylor tower of t ↦ ∇L(θ0+tδ) is the Newton model: F_1(δ) = ∇L(θ0) + ∇²L(θ0)δ".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §4 (truncated tower) and §8 V2; theory/V2.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "delta": V2_DELTA, "order": 1})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let inst = instance("fig1");
        let prob = &inst.problem;
        let co = (self.tower)(prob, &inst.theta0, &V2_DELTA, 1);
        let f1 = tower::partial_sum(&co, 1);
        let (_, g, h) = prob.hessian(&inst.theta0);
        let newton: Vec<f64> = (0..g.len())
            .map(|r| g[r] + (0..g.len()).map(|c| h[(r, c)] * V2_DELTA[c]).sum::<f64>())
            .collect();
        let rel = diff_norm(&f1, &newton) / norm2(&newton);
        Ok(Outcome::new(
            rel,
            Expectation::at_most(
                1e-12,
                "an algebraic identity between two f64 evaluations (jet coefficients vs the hand-derived Hessian): rounding only, O(ε·N)",
            ),
        )
        .with_details(json!({"F1": f1, "newton_model": newton})))
    }
}

/// Tower orders of V2 (super-geometric).
const V2_ORDERS: usize = 24;

/// V2 (convergence): ‖F_K(δ) − F(δ)‖ decays super-geometrically even for a large δ.
pub struct TowerSuperGeometric {
    /// The tower routine under test.
    pub tower: Box<TowerFn>,
}

impl Check for TowerSuperGeometric {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V2", Some("super-geometric".into()))
    }
    fn claim(&self) -> String {
        "The truncated tower F_K(δ) converges to the resummed F(δ) super-geometrically (the local rate ρ_K = (e_{K+4}/e_K)^{1/4} of e_K = ‖F_K − F‖ falls with K: ρ_16/ρ_4 ≤ 0.5) at the large step δ = (0.5, −0.5, 0.7, 0.5)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §4 (entire in δ) and §8 V2; theory/V2.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "delta": V2_DELTA, "max_order": V2_ORDERS, "rate_windows": [[4, 8], [16, 20]]})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let inst = instance("fig1");
        let prob = &inst.problem;
        let co = (self.tower)(prob, &inst.theta0, &V2_DELTA, V2_ORDERS);
        let cache = Cache::new(prob, &inst.theta0);
        let f = cache.update_equation(&V2_DELTA);
        let e: Vec<f64> = (0..=V2_ORDERS)
            .map(|k| diff_norm(&tower::partial_sum(&co, k), &f))
            .collect();
        let rate = |k: usize| (e[k + 4] / e[k]).powf(0.25);
        let (r4, r16) = (rate(4), rate(16));
        let ratio = r16 / r4;
        Ok(Outcome::new(
            if ratio.is_nan() { f64::INFINITY } else { ratio },
            Expectation::at_most(
                0.5,
                "a geometric series keeps a constant local rate (ratio 1); the tower of an entire exponential-polynomial decays like |λ|^K/K!, whose local rate falls like 1/K: between K ≈ 6 and K ≈ 18 that is a factor ≈ 1/3 (0.5 leaves slack for prefactors and oscillation); e_20 ≈ 1e-12 stays above the f64 floor at this δ",
            ),
        )
        .with_details(json!({
            "errors": e.iter().map(|v| crate::io::num(*v)).collect::<Vec<_>>(),
            "rate_4_8": crate::io::num(r4),
            "rate_16_20": crate::io::num(r16),
        })))
    }
}

type StepFn = dyn Fn(&Problem, &[f64], Inner) -> Result<Step> + Send + Sync;

/// V3: one Infinite Descent step from θ0 reaches the optimum of realisable data.
pub struct OneStepOptimality {
    /// Preset name.
    pub preset: &'static str,
    /// The Infinite Descent step under test.
    pub step: Box<StepFn>,
}

impl OneStepOptimality {
    fn inner(&self) -> Inner {
        if self.preset == "fig1" {
            Inner::TrustRegion
        } else {
            Inner::LevenbergMarquardt
        }
    }
}

impl Check for OneStepOptimality {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V3", Some(self.preset.to_string()))
    }
    fn claim(&self) -> String {
        "One Infinite Descent step θ1 = θ0 + δ, F(δ) = 0, on realisable data reaches ‖∇L(θ1)‖ ≤ 1e-10, L(θ1) ≤ 1e-20·L(θ0), with positive curvature modulo gauge".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §5, §6 and §8 V3; theory/V3.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        let o = Options::default();
        json!({"preset": self.preset, "inner": self.inner().name(), "tol": o.tol, "max_inner": o.max_inner, "gauge": o.gauge})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let inst = instance(self.preset);
        let prob = &inst.problem;
        let s = (self.step)(prob, &inst.theta0, self.inner())?;
        let n = prob.shape.gauge_free().len();
        let (lmin, lmax) = solve::reduced_curvature(prob, &s.theta1, true)?;
        let curv_ok = solve::positive_curvature(lmin, lmax, n);
        let l0 = prob.loss(&inst.theta0);
        let (l1, g1) = prob.gradient(&s.theta1);
        let gn = norm2(&g1);
        let worst =
            (gn / 1e-10)
                .max(l1 / (1e-20 * l0))
                .max(if curv_ok { 0.0 } else { f64::INFINITY });
        // The loss along the step's line, θ(s) = θ0 + s·(θ1 − θ0), s ∈ [−0.5, 1.5]: the landscape
        // slice with the one-step jump from s = 0 to s = 1 (drawn by `steepest report`).
        let loss_slice: Vec<Value> = (0..=40)
            .map(|k| {
                let t = (f64::from(k) - 10.0) / 20.0;
                let th: Vec<f64> = inst
                    .theta0
                    .iter()
                    .zip(&s.theta1)
                    .map(|(a, b)| a + t * (b - a))
                    .collect();
                json!({"s": crate::io::num(t), "loss": crate::io::num(prob.loss(&th))})
            })
            .collect();
        let f_err = inst.theta_star.as_ref().map(|ts| {
            let a = prob.predict(ts);
            let b = prob.predict(&s.theta1);
            a.iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max)
        });
        Ok(Outcome::new(
            if worst.is_nan() { f64::INFINITY } else { worst },
            Expectation::at_most(
                1.0,
                "the worst of ‖∇L(θ1)‖/1e-10, L(θ1)/(1e-20·L(θ0)) and (∞ unless λ_min > 100·ε·n·λ_max of the gauge-reduced Hessian): bounds of file 09 §8, reachable because the data are realisable (L* = 0) and the inner solve converges quadratically",
            ),
        )
        .with_details(json!({
            "grad_norm_after": crate::io::num(gn),
            "loss_before": crate::io::num(l0),
            "loss_after": crate::io::num(l1),
            "lambda_min": crate::io::num(lmin),
            "lambda_max": crate::io::num(lmax),
            "inner_iterations": s.counts.iterations,
            "evaluations": s.counts.evaluations,
            "max_abs_f_error_vs_theta_star": f_err.map(crate::io::num),
            "loss_slice": loss_slice,
        })))
    }
}

type InnerSolverFn =
    dyn Fn(&dyn System, f64, usize) -> Result<(Vec<f64>, Counts, f64, bool)> + Send + Sync;

/// A [`System`] that counts its evaluations independently of the solver.
struct Counting<'s> {
    inner: &'s dyn System,
    evals: AtomicUsize,
    jac: AtomicUsize,
}

impl System for Counting<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn eval(&self, z: &[f64], want: crate::aion::model::Want) -> crate::aion::model::Eval {
        self.evals.fetch_add(1, Ordering::Relaxed);
        if want >= crate::aion::model::Want::Jacobian {
            self.jac.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.eval(z, want)
    }
}

/// V4: the inner cost an Infinite Descent step reports equals the cost counted independently, next
/// to the baselines' iteration counts on the same problem and tolerance.
pub struct CostAccounting {
    /// The inner solver under test.
    pub solver: Box<InnerSolverFn>,
}

impl Check for CostAccounting {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V4", None)
    }
    fn claim(&self) -> String {
        "Cost accounting: one outer step whose reported inner evaluations and Jacobian evaluations equal an independent count of calls to the resummed system, reported next to gradient-descent and damped-Newton iteration counts at the same tolerance".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §5 (inner iterations) and §8 V4; theory/V4.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "inner": "trust-region-newton", "tol": 1e-12, "gd_max_iter": 20000, "newton_max_iter": 500})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let inst = instance("fig1");
        let prob = &inst.problem;
        let tol = 1e-12;
        let cache = Cache::new(prob, &inst.theta0);
        let gauged = solve::Gauged::new(&cache, prob.shape.gauge_free());
        let counting = Counting {
            inner: &gauged,
            evals: AtomicUsize::new(0),
            jac: AtomicUsize::new(0),
        };
        let (z, counts, fnorm, converged) = (self.solver)(&counting, tol, 500)?;
        if !converged {
            return Err(Error::failed(format!(
                "inner solve did not converge: ‖F‖ = {fnorm:.3e} after {} iterations",
                counts.iterations
            )));
        }
        let ce = counting.evals.load(Ordering::Relaxed);
        let cj = counting.jac.load(Ordering::Relaxed);
        let mismatch = ce.abs_diff(counts.evaluations) + cj.abs_diff(counts.jacobian_evaluations);
        let theta1 = add(&inst.theta0, &gauged.embed(&z));
        let gd = solve::gradient_descent(prob, &inst.theta0, tol, 20000);
        let nt = solve::damped_newton(prob, &inst.theta0, tol, 500);
        Ok(Outcome::new(
            mismatch as f64,
            Expectation::at_most(
                0.0,
                "counts are integers: the reported evaluations and Jacobian evaluations must equal the independent count exactly",
            ),
        )
        .with_details(json!({
            "infinite_descent": {
                "outer_steps": 1,
                "inner_iterations": counts.iterations,
                "evaluations_reported": counts.evaluations,
                "evaluations_counted": ce,
                "jacobian_evaluations_reported": counts.jacobian_evaluations,
                "jacobian_evaluations_counted": cj,
                "grad_norm_after": crate::io::num(norm2(&prob.gradient(&theta1).1)),
            },
            "gradient_descent": {"iterations": gd.iterations, "evaluations": gd.evaluations, "converged": gd.converged, "grad_norm": crate::io::num(gd.grad_norm)},
            "damped_newton": {"iterations": nt.iterations, "evaluations": nt.evaluations, "converged": nt.converged, "grad_norm": crate::io::num(nt.grad_norm)},
        })))
    }
}

type TanhTowerFn = dyn Fn(&TanhProblem, &[f64], &[f64], usize) -> Vec<Vec<f64>> + Send + Sync;

/// The radius (in t) at which V5 places the tanh step: the step δ at t = 1 lies beyond it.
const V5_RADIUS: f64 = 0.5;
/// Tower orders used for the radius fit of V5.
const V5_FIT: (usize, usize) = (30, 60);

/// V5: negative control — the tower of a tanh neuron has a finite radius of convergence, set by the
/// poles of tanh, so F_K(δ) diverges for a step beyond it, while AION's tower converges.
pub struct TanhNegativeControl {
    /// The tanh tower routine under test.
    pub tower: Box<TanhTowerFn>,
}

impl Check for TanhNegativeControl {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V5", None)
    }
    fn claim(&self) -> String {
        "Negative control: the Taylor tower of t ↦ ∇L(θ0+tδ) for f = a·tanh(wx+b) has radius of convergence R = min_k √(u0_k² + π²/4)/|v_k| (poles of tanh); the radius measured from the tower coefficients matches it, and F_K(δ) diverges for a step at 2R".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §4 item 4, §7 and §8 V5; theory/V5.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"n_samples": 32, "theta0": [0.5, 0.7, 0.1], "theta_star": [0.8, 1.3, -0.2], "delta_direction": [0.3, 1.0, -0.4], "radius_in_t": V5_RADIUS, "fit_orders": [V5_FIT.0, V5_FIT.1]})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let x: Vec<f64> = (0..32).map(|k| -1.0 + 2.0 * k as f64 / 31.0).collect();
        let y: Vec<f64> = x.iter().map(|x| 0.8 * (1.3 * x - 0.2).tanh()).collect();
        let p = TanhProblem { x, y };
        let th = [0.5, 0.7, 0.1];
        let dir = [0.3, 1.0, -0.4];
        // Scale δ so that the analytic radius in t is V5_RADIUS: the step t = 1 lies beyond it.
        let s = p.radius(&th, &dir) / V5_RADIUS;
        let delta: Vec<f64> = dir.iter().map(|v| v * s).collect();
        let r_true = p.radius(&th, &delta);
        let co = (self.tower)(&p, &th, &delta, V5_FIT.1);
        let r_est = tower::radius_estimate(&co, V5_FIT.0, V5_FIT.1);
        let t1: Vec<f64> = add(&th, &delta);
        let g1 = p.gradient(&t1);
        let tanh_err: Vec<Value> = [4usize, 8, 16, 32, 60]
            .iter()
            .map(|&k| crate::io::num(diff_norm(&tower::partial_sum(&co, k), &g1)))
            .collect();
        // AION at a step of the same length: the tower converges.
        let inst = instance("fig1");
        let nd = norm2(&delta);
        let nv = norm2(&V2_DELTA);
        let ad: Vec<f64> = V2_DELTA.iter().map(|v| v * nd / nv).collect();
        let aco = tower::aion_tower(&inst.problem, &inst.theta0, &ad, V5_FIT.1);
        let af = Cache::new(&inst.problem, &inst.theta0).update_equation(&ad);
        let aion_err: Vec<Value> = [4usize, 8, 16, 32, 60]
            .iter()
            .map(|&k| crate::io::num(diff_norm(&tower::partial_sum(&aco, k), &af)))
            .collect();
        let ratio = r_est / r_true;
        Ok(Outcome::new(
            if ratio.is_nan() { f64::INFINITY } else { ratio },
            Expectation::within(
                0.85,
                1.15,
                "the fitted exponential rate of ‖c_n‖ over n = 30…60 converges to 1/R with an O((pole order)/n) bias from the n^{m−1} prefactor of order-m poles (m ≤ 3 here): ≈ 5–10% at n ≈ 45",
            ),
        )
        .with_details(json!({
            "radius_analytic": crate::io::num(r_true),
            "radius_estimated": crate::io::num(r_est),
            "delta_norm": crate::io::num(nd),
            "tanh_tower_error_at_orders_4_8_16_32_60": tanh_err,
            "aion_tower_error_at_orders_4_8_16_32_60": aion_err,
            "aion_radius_estimated": crate::io::num(tower::radius_estimate(&aco, V5_FIT.0, V5_FIT.1)),
        })))
    }
}

#[cfg(not(feature = "symbolic"))]
fn symbolic_checks() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(SymbolicSkipped {
            theory: "ID-sym-tower",
            claim: "Symbolic proof (Symbolica): the order-K series of the closed-form resummed F equals the order-K Taylor tower of ∇L(θ+tδ), K ≤ 6",
        }),
        Box::new(SymbolicSkipped {
            theory: "ID-infinity-class",
            claim: "Infinity-Class membership (file 09 §7): AION satisfies C1–C3; a tanh model fails C1 (no finite linear closure)",
        }),
    ]
}

#[cfg(feature = "symbolic")]
fn symbolic_checks() -> Vec<Box<dyn Check>> {
    crate::algebra::checks::checks()
}

/// A symbolic check in a build without the `symbolic` feature: recorded as skipped.
#[cfg(not(feature = "symbolic"))]
struct SymbolicSkipped {
    theory: &'static str,
    claim: &'static str,
}

#[cfg(not(feature = "symbolic"))]
impl Check for SymbolicSkipped {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", self.theory, None)
    }
    fn claim(&self) -> String {
        self.claim.into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §4, §7; theory/{}.md", self.theory)
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        Value::Null
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        Err(Error::failed("needs --features symbolic"))
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        Some("needs --features symbolic".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aion::resum::shifted_atoms;
    use crate::aion::tower::AtomSeries;
    use crate::validate::run_one;

    use crate::validate::testing::ctx;

    fn pass(c: &dyn Check) -> Option<bool> {
        let r = run_one(c, &ctx());
        eprintln!("{} measured {} details {}", r.id, r.measured, r.details);
        r.pass
    }

    #[test]
    fn registered_numeric_checks_pass() {
        for c in checks() {
            if c.skip_reason(&ctx()).is_none() && !c.theory_id().starts_with("ID-") {
                assert_eq!(pass(c.as_ref()), Some(true), "{}", c.id());
            }
        }
    }

    #[test]
    fn v1_fails_with_conjugated_phase_multiplier() {
        let c = ResummationIdentity {
            preset: "fig1",
            resummed: Box::new(|c: &Cache<'_>, d: &[f64]| {
                let at = shifted_atoms(c, d, -1.0);
                crate::aion::model::assemble(c.prob, &at, crate::aion::model::Want::Gradient).grad
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn v2_fails_without_amplitude_step_or_factorials() {
        let c = TowerNewtonModel {
            tower: Box::new(|p: &Problem, t: &[f64], d: &[f64], k| {
                tower::aion_tower_with(p, t, d, k, AtomSeries::NoAmplitudeStep)
            }),
        };
        assert_eq!(pass(&c), Some(false));
        let c = TowerSuperGeometric {
            tower: Box::new(|p: &Problem, t: &[f64], d: &[f64], k| {
                tower::aion_tower_with(p, t, d, k, AtomSeries::NoFactorial)
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn v3_fails_with_a_truncated_inner_solve() {
        let c = OneStepOptimality {
            preset: "fig1",
            step: Box::new(|p: &Problem, t: &[f64], inner: Inner| {
                let opts = Options {
                    inner,
                    max_inner: 1,
                    ..Options::default()
                };
                // A solver that hides its non-convergence: it returns θ0 + (one inner iteration).
                match solve::infinite_descent(p, t, &opts) {
                    Ok(s) => Ok(s),
                    Err(_) => {
                        let cache = Cache::new(p, t);
                        let g = solve::Gauged::new(&cache, p.shape.gauge_free());
                        let (z, counts, _, _) = solve::inner_solve(&g, inner, 1e-12, 1)?;
                        let theta1 = add(t, &g.embed(&z));
                        Ok(Step {
                            loss_after: p.loss(&theta1),
                            grad_norm_after: 0.0,
                            delta: g.embed(&z),
                            theta1,
                            outer_steps: 1,
                            counts,
                            loss_before: p.loss(t),
                            curvature_min: 1.0,
                            curvature_max: 1.0,
                            strict_minimum: true,
                            inner,
                        })
                    }
                }
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn v3_fails_when_the_undamped_solver_is_used() {
        let c = OneStepOptimality {
            preset: "fig1",
            step: Box::new(|p: &Problem, t: &[f64], _inner: Inner| {
                let opts = Options {
                    inner: Inner::Newton,
                    max_inner: 50,
                    ..Options::default()
                };
                solve::infinite_descent(p, t, &opts)
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn v4_fails_when_evaluations_are_under_reported() {
        let c = CostAccounting {
            solver: Box::new(|s: &dyn System, tol, m| {
                let (z, mut c, f, ok) = solve::inner_solve(s, Inner::TrustRegion, tol, m)?;
                c.evaluations = c.iterations;
                Ok((z, c, f, ok))
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn v5_fails_with_a_linearized_tanh_series() {
        let c = TanhNegativeControl {
            tower: Box::new(|p: &TanhProblem, t: &[f64], d: &[f64], k| {
                tower::tanh_tower(p, t, d, k, TanhSeries::Linearized)
            }),
        };
        assert_eq!(pass(&c), Some(false));
    }

    #[test]
    fn reports_are_deterministic() {
        let c = &checks()[0];
        let a = run_one(c.as_ref(), &ctx());
        let b = run_one(c.as_ref(), &ctx());
        assert_eq!(a.measured, b.measured);
    }
}
