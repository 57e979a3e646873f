//! Suite `aion`: the Method of Infinite Descent on AION (Batley & Saha, "The Method of Infinite
//! Descent", arXiv 2510.05489, 2025), validators V1–V5 and the symbolic records ID-*.
//!
//! Every check holds the implementation under test as data (the resummed update equation, the tower
//! routine, the Infinite Descent step, the inner solver), and its negative control is the same check
//! around a version of that implementation with a bug planted in its mathematics (see [`planted`]).
//! The statements, tolerances and derivations are in `theory/V1.md` … `theory/V5.md`.

use crate::aion::model::{assemble, Atoms, Eval, Problem, Want};
use crate::aion::presets::{self, Instance};
use crate::aion::resum::Cache;
use crate::aion::tower::{self, AtomSeries, TanhProblem, TanhSeries};
use crate::error::{Error, Result};
use crate::solve::{self, Baseline, Counts, Inner, Options, Step, System};
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use num_complex::Complex64;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The paper every record of the suite checks.
const PAPER: &str = "Batley & Saha, \"The Method of Infinite Descent\", arXiv 2510.05489 (2025)";

/// The checks of the suite, built from the real implementations.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for preset in ["fig1", "rank2"] {
        v.push(Box::new(ResummationIdentity {
            preset,
            resummed: Box::new(|c: &Cache<'_>, d: &[f64]| c.eval(d, Want::Gradient)),
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

fn finite_or_inf(x: f64) -> f64 {
    if x.is_nan() {
        f64::INFINITY
    } else {
        x
    }
}

/// min, median and max of a list of counts (for the details of the cost distributions).
fn spread(v: &[usize]) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    json!({"min": s[0], "median": s[s.len() / 2], "max": s[s.len() - 1]})
}

/// A direct evaluation of L(θ) from the model formula, independent of [`assemble`] and of any
/// hand-derived derivative: plain loops over samples, ranks, inputs and terms in complex
/// arithmetic, so that ∇L comes from the complex step ∂L/∂θ_c = Im L(θ + ιh e_c)/h (no subtraction,
/// hence no cancellation error: exact to rounding for a real-analytic L).
pub mod direct {
    use super::*;

    /// L(θ) = (1/2N) Σ_k (Σ_j Π_i Σ_p A e^{αx_i} cos(ωx_i + φ) − y_k)² at complex θ.
    pub fn loss(prob: &Problem, th: &[Complex64]) -> Complex64 {
        let sh = prob.shape;
        let n = prob.n_samples();
        let mut l = Complex64::new(0.0, 0.0);
        for k in 0..n {
            let mut f = Complex64::new(0.0, 0.0);
            for j in 0..sh.rank {
                let mut prod = Complex64::new(1.0, 0.0);
                for i in 0..sh.dim {
                    let x = prob.x[k * sh.dim + i];
                    let mut psi = Complex64::new(0.0, 0.0);
                    for p in 0..sh.terms {
                        let t = sh.term(j, i, p);
                        let (a, al, om, ph) =
                            (th[4 * t], th[4 * t + 1], th[4 * t + 2], th[4 * t + 3]);
                        psi += a * (al * x).exp() * (om * x + ph).cos();
                    }
                    prod *= psi;
                }
                f += prod;
            }
            let r = f - prob.y[k];
            l += r * r;
        }
        l / (2.0 * n as f64)
    }

    /// The complex step.
    pub const H: f64 = 1e-60;

    /// (L, ∇L) at real θ: L directly, ∇L by the complex step.
    pub fn gradient(prob: &Problem, theta: &[f64]) -> (f64, Vec<f64>) {
        let mut th: Vec<Complex64> = theta.iter().map(|&v| Complex64::new(v, 0.0)).collect();
        let l = loss(prob, &th).re;
        let g = (0..theta.len())
            .map(|c| {
                th[c].im = H;
                let v = loss(prob, &th).im / H;
                th[c].im = 0.0;
                v
            })
            .collect();
        (l, g)
    }
}

/// The bugs planted in the mathematics of the implementations under test: one definition each,
/// used by the records' negative controls and by the unit tests.
pub mod planted {
    use super::*;

    /// The resummed atoms with the conjugate multiplier μ̄(δ) = e^{(δα − ιδω)x − ιδφ} (a wrong
    /// shift law for the phase).
    pub fn conjugate_multiplier(cache: &Cache<'_>, delta: &[f64]) -> Atoms {
        crate::aion::resum::shifted_atoms(cache, delta, -1.0)
    }

    /// The resummed atoms with the growth factor e^{δα·x} missing from the multiplier:
    /// w = E·e^{ι(δω x + δφ)} (the α-shift of the atoms is lost).
    pub fn no_growth_factor(cache: &Cache<'_>, delta: &[f64]) -> Atoms {
        let zero_alpha: Vec<f64> = delta
            .iter()
            .enumerate()
            .map(|(k, &v)| if k % 4 == 1 { 0.0 } else { v })
            .collect();
        // The amplitude shift A0 + δA and the phase rotation are kept; only e^{δα·x} is dropped.
        cache.atoms(&zero_alpha)
    }

    /// The Jacobian J = ∂F/∂δ of the resummed system with the sign of its Gauss–Newton part
    /// flipped: J = −JᵣᵀJᵣ + Σ_k ρ_k∇²ρ_k instead of JᵣᵀJᵣ + Σ_k ρ_k∇²ρ_k.
    pub struct FlippedGaussNewton<'s> {
        /// The correct system.
        pub inner: &'s dyn System,
    }

    impl System for FlippedGaussNewton<'_> {
        fn dim(&self) -> usize {
            self.inner.dim()
        }
        fn eval(&self, z: &[f64], want: Want) -> Eval {
            let mut e = self.inner.eval(z, want);
            if let (Some(h), Some(j)) = (e.hess.as_mut(), e.jac.as_ref()) {
                let gn = j.transpose() * j;
                *h -= &gn * 2.0;
            }
            e
        }
    }

    /// V1's control: the update equation from the conjugate multiplier.
    pub fn v1_conjugate(preset: &'static str) -> ResummationIdentity {
        ResummationIdentity {
            preset,
            resummed: Box::new(|c: &Cache<'_>, d: &[f64]| {
                assemble(c.prob, &conjugate_multiplier(c, d), Want::Gradient)
            }),
        }
    }

    /// V2[newton-model]'s control: the tower without the amplitude step δA.
    pub fn v2_no_amplitude_step() -> TowerNewtonModel {
        TowerNewtonModel {
            tower: Box::new(|p: &Problem, t: &[f64], d: &[f64], k| {
                tower::aion_tower_with(p, t, d, k, AtomSeries::NoAmplitudeStep)
            }),
        }
    }

    /// V2[super-geometric]'s control: the tower without the 1/n! (a geometric series).
    pub fn v2_no_factorial() -> TowerSuperGeometric {
        TowerSuperGeometric {
            tower: Box::new(|p: &Problem, t: &[f64], d: &[f64], k| {
                tower::aion_tower_with(p, t, d, k, AtomSeries::NoFactorial)
            }),
        }
    }

    /// V3's control: the Infinite Descent step whose resummed system drops e^{δα·x} from μ(δ).
    pub fn v3_no_growth_factor(preset: &'static str) -> OneStepOptimality {
        OneStepOptimality {
            preset,
            step: Box::new(|p: &Problem, t: &[f64], inner: Inner| {
                let opts = Options {
                    inner,
                    ..Options::default()
                };
                // The inner solver is handed the buggy system in place of the exact one (the
                // solver type is 'static, so it owns a copy of the problem and of θ0).
                let (prob, theta0) = (p.clone(), t.to_vec());
                let free = solve::free_coordinates(p.shape, opts.gauge);
                solve::infinite_descent_with(p, t, &opts, &move |_, tol, m| {
                    let cache = Cache::new(&prob, &theta0);
                    let sys = LawSystem {
                        cache: &cache,
                        free: free.clone(),
                        law: no_growth_factor,
                    };
                    solve::inner_solve(&sys, inner, tol, m)
                })
            }),
        }
    }

    /// V4's control: the trust-region inner solve on the system with the Gauss–Newton part of its
    /// Jacobian negated.
    pub fn v4_flipped_gauss_newton() -> CostAccounting {
        CostAccounting {
            solver: Box::new(|s: &dyn System, tol, m| {
                solve::inner_solve(&FlippedGaussNewton { inner: s }, Inner::TrustRegion, tol, m)
            }),
        }
    }

    /// An extra power test of V4's accounting leg: a solver that reports its iteration count as its
    /// evaluation count.
    pub fn v4_under_reported() -> CostAccounting {
        CostAccounting {
            solver: Box::new(|s: &dyn System, tol, m| {
                let (z, mut c, f, ok) = solve::inner_solve(s, Inner::TrustRegion, tol, m)?;
                c.evaluations = c.iterations;
                Ok((z, c, f, ok))
            }),
        }
    }

    /// V5's control: the tanh series without the −y² term of the Riccati recurrence.
    pub fn v5_linearized() -> TanhNegativeControl {
        TanhNegativeControl {
            tower: Box::new(|p: &TanhProblem, t: &[f64], d: &[f64], k| {
                tower::tanh_tower(p, t, d, k, TanhSeries::Linearized)
            }),
        }
    }
}

/// A law of the resummed atoms: (cache at θ0, δ) ↦ atom values at θ0 + δ.
pub type Law = fn(&Cache<'_>, &[f64]) -> Atoms;

/// The resummed system of a given atom law on the free coordinates (the real law is
/// [`Cache::atoms`]; [`planted`] holds wrong ones).
pub struct LawSystem<'c, 'a> {
    /// The cache at θ0.
    pub cache: &'c Cache<'a>,
    /// Free (gauge-fixed) coordinates.
    pub free: Vec<usize>,
    /// The atom law.
    pub law: Law,
}

impl System for LawSystem<'_, '_> {
    fn dim(&self) -> usize {
        self.free.len()
    }
    fn eval(&self, z: &[f64], want: Want) -> Eval {
        let np = self.cache.prob.shape.n_params();
        let mut d = vec![0.0; np];
        for (k, &c) in self.free.iter().enumerate() {
            d[c] = z[k];
        }
        let e = assemble(self.cache.prob, &(self.law)(self.cache, &d), want);
        solve::restrict(e, &self.free, np)
    }
}

type ResummedFn = dyn Fn(&Cache<'_>, &[f64]) -> Eval + Send + Sync;

/// The step lengths ‖δ‖ of V1.
const V1_NORMS: [f64; 4] = [0.25, 0.5, 1.0, 1.5];

/// V1: Λ(δ) and F(δ) from the cache at θ0 equal L(θ0 + δ) and ∇L(θ0 + δ) evaluated directly
/// (complex step on the model formula, [`direct`]).
pub struct ResummationIdentity {
    /// Preset name.
    pub preset: &'static str,
    /// The resummed evaluation (Λ and F) under test.
    pub resummed: Box<ResummedFn>,
}

impl Check for ResummationIdentity {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V1", Some(self.preset.to_string()))
    }
    fn claim(&self) -> String {
        "Resummation identity: F(δ) = exp(δ·∇)∇L(θ0), built from E = e^{(α+ιω)x+ιφ} and A0 cached at θ0 times μ(δ) = e^{(δα+ιδω)x+ιδφ}, equals ∇L(θ0+δ) computed independently (complex step on the model formula), and Λ(δ) = L(θ0+δ): relative error ≤ 1e-12 at ‖δ‖ up to 1.5".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, abstract (\"analytical resummation of its Taylor expansion … an exact, algebraic equation for the update step\"); theory/V1.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"preset": self.preset, "delta_norms": V1_NORMS, "directions_per_norm": ctx.profile.pick(3, 10), "complex_step": direct::H})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "conjugate phase multiplier e^{(δα−ιδω)x−ιδφ} in the resummation",
            planted::v1_conjugate(self.preset),
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let inst = instance(self.preset);
        let prob = &inst.problem;
        let cache = Cache::new(prob, &inst.theta0);
        let mut rng = ctx.rng(&self.id());
        let reps = ctx.profile.pick(3, 10);
        let mut worst_f: f64 = 0.0;
        let mut worst_l: f64 = 0.0;
        let mut per_norm = Vec::new();
        let mut rows = Vec::new();
        for &nrm in &V1_NORMS {
            let mut w = 0.0f64;
            for _ in 0..reps {
                let mut d: Vec<f64> = (0..prob.shape.n_params())
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect();
                let s = norm2(&d);
                d.iter_mut().for_each(|v| *v *= nrm / s);
                let e = (self.resummed)(&cache, &d);
                let (l, g) = direct::gradient(prob, &add(&inst.theta0, &d));
                let rel_f = finite_or_inf(diff_norm(&e.grad, &g) / norm2(&g));
                let rel_l = finite_or_inf((e.loss - l).abs() / l.abs());
                worst_f = worst_f.max(rel_f);
                worst_l = worst_l.max(rel_l);
                w = w.max(rel_f);
                rows.push(json!({"delta_norm": nrm, "rel_error_F": crate::io::num(rel_f), "rel_error_loss": crate::io::num(rel_l), "grad_norm": crate::io::num(norm2(&g))}));
            }
            per_norm.push(crate::io::num(w));
        }
        Ok(Outcome::new(
            worst_f.max(worst_l),
            Expectation::at_most(
                1e-12,
                "both sides are the same entire function evaluated in f64 by independent routes (cached E·μ(δ) through the hand-derived gradient kernel vs the complex step on the model formula); each is exact to rounding, O(ε) per term amplified by the cancellation in Σ_k r_k∇f_k, far below 1e-12 at N ≤ 400; a wrong law errs at O(1)",
            ),
        )
        .with_figures(json!({
            "worst_rel_error_F": crate::io::num(worst_f),
            "worst_rel_error_loss": crate::io::num(worst_l),
            "worst_rel_error_F_per_norm": per_norm,
        }))
        .with_details(json!({"samples": rows})))
    }
}

type TowerFn = dyn Fn(&Problem, &[f64], &[f64], usize) -> Vec<Vec<f64>> + Send + Sync;

/// The large step of the `fig1` tower study used by V2.
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
        format!("{PAPER}, abstract (\"the infinite Taylor tower\"); theory/V2.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "delta": V2_DELTA, "order": 1})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "amplitude step δA dropped from the atom series",
            planted::v2_no_amplitude_step(),
        )
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
            finite_or_inf(rel),
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
        format!(
            "{PAPER}, abstract (\"analytical resummation of its Taylor expansion\"); theory/V2.md"
        )
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "delta": V2_DELTA, "max_order": V2_ORDERS, "rate_windows": [[4, 8], [16, 20]]})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "1/n! dropped from the atom series (a geometric series)",
            planted::v2_no_factorial(),
        )
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
            finite_or_inf(ratio),
            Expectation::at_most(
                0.5,
                "a geometric series keeps a constant local rate (ratio 1); the tower of an entire exponential-polynomial decays like |λ|^K/K!, whose local rate falls like 1/K: between K ≈ 6 and K ≈ 18 that is a factor ≈ 1/3 (0.5 leaves slack for prefactors and oscillation); e_20 ≈ 1e-12 stays above the f64 floor at this δ",
            ),
        )
        .with_figures(json!({
            "rate_4_8": crate::io::num(r4),
            "rate_16_20": crate::io::num(r16),
            "error_K4": crate::io::num(e[4]),
            "error_K20": crate::io::num(e[20]),
        }))
        .with_details(json!({
            "errors": e.iter().map(|v| crate::io::num(*v)).collect::<Vec<_>>(),
        })))
    }
}

type StepFn = dyn Fn(&Problem, &[f64], Inner) -> Result<Step> + Send + Sync;

/// Random starts of V3: θ0 = θ* + N(0, V3_SIGMA²).
pub const V3_STARTS: usize = 20;
/// Standard deviation of the V3 starts around θ*.
pub const V3_SIGMA: f64 = 0.15;
/// Fraction of V3's random starts that must succeed.
pub const V3_MIN_SUCCESS: f64 = 0.75;

/// The outcome of one start of V3 for one method.
#[derive(Clone, Debug)]
struct StartResult {
    success: bool,
    grad_norm: f64,
    loss_ratio: f64,
    lambda_min: f64,
    iterations: usize,
    evaluations: usize,
    jacobian_evaluations: usize,
    error: Option<String>,
}

/// The baselines of V3 on one start (shared by a record and its control: they do not depend on the
/// implementation under test).
type BaselinePair = (Baseline, Baseline);

fn baseline_cache() -> &'static Mutex<HashMap<String, Arc<Vec<BaselinePair>>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<BaselinePair>>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// V3: one Infinite Descent step (one outer step, N inner iterations) from θ0 reaches the optimum
/// of realisable data.
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

    /// Gradient descent's iteration budget: it needs ≈ 90 iterations on `fig1` and does not reach
    /// 1e-12 on `rank2` within 2000 (measured), so the quick profile stops it at 300.
    fn gd_budget(ctx: &Ctx) -> usize {
        ctx.profile.pick(300, 20000)
    }

    /// One ID step from `theta0`, judged by direct evaluations at θ1.
    fn attempt(&self, prob: &Problem, theta0: &[f64]) -> StartResult {
        let l0 = prob.loss(theta0);
        match (self.step)(prob, theta0, self.inner()) {
            Ok(s) => {
                let (l1, g1) = prob.gradient(&s.theta1);
                let gn = norm2(&g1);
                let n = prob.shape.gauge_free().len();
                let (lmin, lmax) =
                    solve::reduced_curvature(prob, &s.theta1, true).unwrap_or((f64::NAN, f64::NAN));
                let curv_ok = solve::positive_curvature(lmin, lmax, n);
                let ratio = l1 / l0;
                StartResult {
                    success: gn <= 1e-10 && ratio <= 1e-20 && curv_ok,
                    grad_norm: gn,
                    loss_ratio: ratio,
                    lambda_min: lmin,
                    iterations: s.counts.iterations,
                    evaluations: s.counts.evaluations,
                    jacobian_evaluations: s.counts.jacobian_evaluations,
                    error: None,
                }
            }
            Err(e) => StartResult {
                success: false,
                grad_norm: f64::NAN,
                loss_ratio: f64::NAN,
                lambda_min: f64::NAN,
                iterations: 0,
                evaluations: 0,
                jacobian_evaluations: 0,
                error: Some(e.to_string()),
            },
        }
    }

    fn starts(&self, ctx: &Ctx, theta_star: &[f64]) -> Vec<Vec<f64>> {
        let mut rng = ctx.rng(&self.id());
        (0..V3_STARTS)
            .map(|_| {
                theta_star
                    .iter()
                    .map(|v| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        v + V3_SIGMA * z
                    })
                    .collect()
            })
            .collect()
    }

    fn baselines(&self, ctx: &Ctx, prob: &Problem, starts: &[Vec<f64>]) -> Arc<Vec<BaselinePair>> {
        let key = format!("{}/{}/{}", self.preset, ctx.seed, ctx.profile.as_str());
        if let Some(v) = baseline_cache()
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return v;
        }
        let budget = Self::gd_budget(ctx);
        let v: Vec<BaselinePair> = crate::validate::sweep::par_map(starts, |t0| {
            (
                solve::gradient_descent(prob, t0, V3_TOL, budget),
                solve::damped_newton(prob, t0, V3_TOL, 500),
            )
        });
        let v = Arc::new(v);
        if let Ok(mut m) = baseline_cache().lock() {
            m.insert(key, v.clone());
        }
        v
    }
}

/// The tolerance every method of V3 runs to (‖∇L‖₂ ≤ 1e-12, the Infinite Descent default).
const V3_TOL: f64 = 1e-12;

impl Check for OneStepOptimality {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V3", Some(self.preset.to_string()))
    }
    fn claim(&self) -> String {
        format!(
            "One Infinite Descent step — one outer step θ1 = θ0 + δ, with F(δ) = 0 solved by N inner iterations — on realisable data reaches ‖∇L(θ1)‖ ≤ 1e-10, L(θ1) ≤ 1e-20·L(θ0), positive curvature modulo gauge, from the documented θ0 and from ≥ {:.0} % of {V3_STARTS} starts θ0 ~ θ* + N(0, {V3_SIGMA}²); inner cost beside gradient descent and damped Newton",
            100.0 * V3_MIN_SUCCESS
        )
    }
    fn source(&self) -> String {
        format!("{PAPER}, abstract (\"AION reaches the optimum in a single descent step\") and Fig. 1 (the d = r = P = 1 test problem); theory/V3.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let o = Options::default();
        json!({"preset": self.preset, "inner": self.inner().name(), "tol": o.tol, "max_inner": o.max_inner, "gauge": o.gauge,
               "starts": V3_STARTS, "sigma": V3_SIGMA, "min_success": V3_MIN_SUCCESS,
               "gd_max_iter": Self::gd_budget(ctx), "newton_max_iter": 500, "baseline_tol": V3_TOL})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "growth factor e^{δα·x} dropped from the multiplier μ(δ) of the resummed system",
            planted::v3_no_growth_factor(self.preset),
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let inst = instance(self.preset);
        let prob = &inst.problem;
        let theta_star = inst
            .theta_star
            .clone()
            .ok_or_else(|| Error::failed("V3 needs a preset with a planted θ*"))?;
        let doc = self.attempt(prob, &inst.theta0);
        let starts = self.starts(ctx, &theta_star);
        let ids: Vec<StartResult> =
            crate::validate::sweep::par_map(&starts, |t0| self.attempt(prob, t0));
        let base = self.baselines(ctx, prob, &starts);
        let base_ok =
            |b: &Baseline, t0: &[f64]| b.grad_norm <= 1e-10 && b.loss <= 1e-20 * prob.loss(t0);
        let id_ok = ids.iter().filter(|r| r.success).count();
        let gd_ok = base
            .iter()
            .zip(&starts)
            .filter(|(b, t)| base_ok(&b.0, t))
            .count();
        let nt_ok = base
            .iter()
            .zip(&starts)
            .filter(|(b, t)| base_ok(&b.1, t))
            .count();
        let rate = id_ok as f64 / V3_STARTS as f64;
        let measured = if doc.success { rate } else { 0.0 };
        // The loss along the documented step's line, θ(s) = θ0 + s·(θ1 − θ0), s ∈ [−0.5, 1.5]
        // (drawn by `steepest report`).
        let loss_slice: Vec<Value> = match (self.step)(prob, &inst.theta0, self.inner()) {
            Ok(s) => (0..=40)
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
                .collect(),
            Err(_) => Vec::new(),
        };
        let col = |f: &dyn Fn(&StartResult) -> usize| ids.iter().map(f).collect::<Vec<usize>>();
        let id_it = col(&|r| r.iterations);
        let id_ev = col(&|r| r.evaluations);
        let id_jev = col(&|r| r.jacobian_evaluations);
        let gd_it: Vec<usize> = base.iter().map(|b| b.0.iterations).collect();
        let gd_ev: Vec<usize> = base.iter().map(|b| b.0.evaluations).collect();
        let nt_it: Vec<usize> = base.iter().map(|b| b.1.iterations).collect();
        let nt_ev: Vec<usize> = base.iter().map(|b| b.1.evaluations).collect();
        let errors: Vec<Value> = ids
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.error.as_ref().map(|e| json!({"start": k, "error": e})))
            .collect();
        Ok(Outcome::new(
            measured,
            Expectation::at_least(
                V3_MIN_SUCCESS,
                "the fraction of the random starts whose single outer step meets all three bounds (0 if the documented θ0 fails). The bounds are those of the claim, reachable because the data are realisable (L* = 0) and the inner solve converges quadratically; a start at σ = 0.15 need not lie in the basin of θ* (the reference reproduction of the rank-2 problem reached 17/20 with Levenberg–Marquardt), so 75 % (15/20) is required, not 100 %; a wrong update equation succeeds from no start",
            ),
        )
        .with_figures(json!({
            "success_rate": rate,
            "documented_start_success": u8::from(doc.success),
            "documented_grad_norm_after": crate::io::num(doc.grad_norm),
            "documented_loss_ratio": crate::io::num(doc.loss_ratio),
            "documented_lambda_min": crate::io::num(doc.lambda_min),
            "documented_inner_iterations": doc.iterations,
            "id_successes": id_ok,
            "gradient_descent_successes": gd_ok,
            "damped_newton_successes": nt_ok,
            "id_outer_steps": 1,
            "id_inner_iterations": id_it,
            "id_evaluations": id_ev,
            "id_jacobian_evaluations": id_jev,
            "gradient_descent_iterations": gd_it,
            "gradient_descent_evaluations": gd_ev,
            "damped_newton_iterations": nt_it,
            "damped_newton_evaluations": nt_ev,
        }))
        .with_details(json!({
            "documented_start": {
                "grad_norm_after": crate::io::num(doc.grad_norm),
                "loss_ratio": crate::io::num(doc.loss_ratio),
                "lambda_min": crate::io::num(doc.lambda_min),
                "inner_iterations": doc.iterations,
                "evaluations": doc.evaluations,
                "error": doc.error,
            },
            "cost_spread": {
                "id_inner_iterations": spread(&id_it),
                "id_evaluations": spread(&id_ev),
                "gradient_descent_iterations": spread(&gd_it),
                "gradient_descent_evaluations": spread(&gd_ev),
                "damped_newton_iterations": spread(&nt_it),
                "damped_newton_evaluations": spread(&nt_ev),
            },
            "id_per_start": ids.iter().map(|r| json!({"success": r.success, "grad_norm": crate::io::num(r.grad_norm), "loss_ratio": crate::io::num(r.loss_ratio), "lambda_min": crate::io::num(r.lambda_min)})).collect::<Vec<_>>(),
            "id_errors": errors,
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
    fn eval(&self, z: &[f64], want: Want) -> Eval {
        self.evals.fetch_add(1, Ordering::Relaxed);
        if want >= Want::Jacobian {
            self.jac.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.eval(z, want)
    }
}

/// The factor by which the inner cost of one Infinite Descent step may exceed damped Newton's.
pub const V4_MAX_COST_RATIO: f64 = 2.0;

/// V4: the inner cost an Infinite Descent step reports equals the cost counted independently, and it
/// is Newton's cost: Jacobian evaluations within a factor 2 of damped Newton's Hessian evaluations
/// on the same problem, start and tolerance (gradient descent beside them).
pub struct CostAccounting {
    /// The inner solver under test.
    pub solver: Box<InnerSolverFn>,
}

impl Check for CostAccounting {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "V4", None)
    }
    fn claim(&self) -> String {
        "Cost accounting: one outer step whose reported inner evaluations and Jacobian evaluations equal an independent count of calls to the resummed system, and whose inner cost is Newton's (F(δ) ≡ ∇L(θ0+δ) with the exact Jacobian): counted Jacobian evaluations ≤ 2 × damped Newton's Hessian evaluations at the same tolerance, gradient descent beside them".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, abstract (\"an exploitative algorithm for the direct solve step\") and Fig. 1 (ID beside steepest descent and Newton-CG); theory/V4.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"preset": "fig1", "inner": "trust-region-newton", "tol": 1e-12, "gd_max_iter": 20000, "newton_max_iter": 500, "max_cost_ratio": V4_MAX_COST_RATIO})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "Gauss–Newton part of the Jacobian J = ∂F/∂δ with the wrong sign (−JᵣᵀJᵣ)",
            planted::v4_flipped_gauss_newton(),
        )
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
                "inner solve did not converge: ‖F‖ = {fnorm:.3e} after {} iterations ({} evaluations)",
                counts.iterations, counts.evaluations
            )));
        }
        let ce = counting.evals.load(Ordering::Relaxed);
        let cj = counting.jac.load(Ordering::Relaxed);
        let mismatch = ce.abs_diff(counts.evaluations) + cj.abs_diff(counts.jacobian_evaluations);
        let theta1 = add(&inst.theta0, &gauged.embed(&z));
        let gn1 = norm2(&prob.gradient(&theta1).1);
        let gd = solve::gradient_descent(prob, &inst.theta0, tol, 20000);
        let nt = solve::damped_newton(prob, &inst.theta0, tol, 500);
        // Damped Newton forms one Hessian per iteration plus the initial one.
        let nt_hessians = nt.iterations + 1;
        let ratio = cj as f64 / nt_hessians as f64;
        let measured = if mismatch > 0 || !nt.converged || gn1 > tol {
            f64::INFINITY
        } else {
            ratio
        };
        Ok(Outcome::new(
            measured,
            Expectation::at_most(
                V4_MAX_COST_RATIO,
                "the counted Jacobian evaluations of the inner solve over damped Newton's Hessian evaluations (∞ if a reported count differs from the independent count — counts are integers, so exactly — or if the step does not reach ‖∇L(θ1)‖ ≤ 1e-12 directly). Newton's method on F from δ = 0 is Newton's method on L from θ0, so the inner cost is Newton's; trust-region and line-search globalizations differ by a few iterations, hence a factor 2; an inexact Jacobian loses quadratic convergence and multiplies the cost",
            ),
        )
        .with_figures(json!({
            "cost_ratio": crate::io::num(ratio),
            "count_mismatch": mismatch,
            "id_outer_steps": 1,
            "id_inner_iterations": counts.iterations,
            "id_evaluations_reported": counts.evaluations,
            "id_evaluations_counted": ce,
            "id_jacobian_evaluations_reported": counts.jacobian_evaluations,
            "id_jacobian_evaluations_counted": cj,
            "id_grad_norm_after": crate::io::num(gn1),
            "damped_newton_iterations": nt.iterations,
            "damped_newton_evaluations": nt.evaluations,
            "damped_newton_hessian_evaluations": nt_hessians,
            "gradient_descent_iterations": gd.iterations,
            "gradient_descent_evaluations": gd.evaluations,
        }))
        .with_details(json!({
            "gradient_descent": {"converged": gd.converged, "grad_norm": crate::io::num(gd.grad_norm)},
            "damped_newton": {"converged": nt.converged, "grad_norm": crate::io::num(nt.grad_norm)},
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
        format!("{PAPER}, abstract (\"the Infinity Class; sufficient conditions for class membership\"); tanh as a non-member derived in theory/V5.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"n_samples": 32, "theta0": [0.5, 0.7, 0.1], "theta_star": [0.8, 1.3, -0.2], "delta_direction": [0.3, 1.0, -0.4], "radius_in_t": V5_RADIUS, "fit_orders": [V5_FIT.0, V5_FIT.1]})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "−y² term dropped from the Riccati recurrence of the tanh series",
            planted::v5_linearized(),
        )
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
            finite_or_inf(ratio),
            Expectation::within(
                0.85,
                1.15,
                "the fitted exponential rate of ‖c_n‖ over n = 30…60 converges to 1/R with an O((pole order)/n) bias from the n^{m−1} prefactor of order-m poles (m ≤ 3 here): ≈ 5–10% at n ≈ 45",
            ),
        )
        .with_figures(json!({
            "radius_analytic": crate::io::num(r_true),
            "radius_estimated": crate::io::num(r_est),
        }))
        .with_details(json!({
            "delta_norm": crate::io::num(nd),
            "tanh_tower_error_at_orders_4_8_16_32_60": tanh_err,
            "aion_tower_error_at_orders_4_8_16_32_60": aion_err,
            "aion_radius_estimated": crate::io::num(tower::radius_estimate(&aco, V5_FIT.0, V5_FIT.1)),
        })))
    }
}

#[cfg(not(feature = "symbolic"))]
fn symbolic_checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = vec![
        Box::new(SymbolicSkipped {
            theory: "ID-sym-tower",
            variant: None,
            claim: "Symbolic proof (Symbolica): the order-K series of the closed-form resummed F equals the order-K Taylor tower of ∇L(θ+tδ), K ≤ 6",
        }),
        Box::new(SymbolicSkipped {
            theory: "ID-infinity-class",
            variant: None,
            claim: "Infinity-Class membership (sufficient conditions C1–C3): AION satisfies C1–C3; a tanh model fails C1 (no finite linear closure)",
        }),
        Box::new(SymbolicSkipped {
            theory: "ID-model-class",
            variant: None,
            claim: "Infinity-Class decisions of the example model files: fig1, poly and rank2 are members; tanh and rational fail C1",
        }),
        Box::new(SymbolicSkipped {
            theory: "ID-derived-update",
            variant: None,
            claim: "The derived update equation F(δ) = ∇L(θ0 + δ) of a written model agrees with central differences of L evaluated directly in f64, at random δ, within the finite-difference error bound",
        }),
    ];
    for (variant, claim) in [
        ("canonical", "Symbolic proof (T2): the canonical form M = bbᵀ/(aᵀb) + UUᵀ, Uᵀa = 0, of every SPD M with M a = b"),
        ("secant", "Symbolic proof: the constructed metric M(β) equals bbᵀ/(aᵀb) + β(I − ââᵀ) and satisfies M·update = −∇L"),
        ("kappa", "Symbolic proof (T5): κ(M_opt) = κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)², attained by M(β*), β* = ‖b‖²/(aᵀb)"),
        ("bfgs-dfp", "Symbolic proof: BFGS(I) = M(1) and DFP(I) ∈ S(a→b) in canonical form"),
    ] {
        v.push(Box::new(SymbolicSkipped {
            theory: "ID-metric",
            variant: Some(variant),
            claim,
        }));
    }
    v
}

#[cfg(feature = "symbolic")]
fn symbolic_checks() -> Vec<Box<dyn Check>> {
    crate::algebra::checks::checks()
}

/// A symbolic check in a build without the `symbolic` feature: recorded as skipped.
#[cfg(not(feature = "symbolic"))]
struct SymbolicSkipped {
    theory: &'static str,
    variant: Option<&'static str>,
    claim: &'static str,
}

#[cfg(not(feature = "symbolic"))]
impl Check for SymbolicSkipped {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", self.theory, self.variant.map(str::to_string))
    }
    fn claim(&self) -> String {
        self.claim.into()
    }
    fn source(&self) -> String {
        if self.theory == "ID-metric" {
            return "Shoji, Suzuki & Kozachkov, \"Is All Learning (Natural) Gradient Descent?\", arXiv 2409.16422 (2024), T2, T5; theory/ID-metric.md".into();
        }
        format!("{PAPER}, abstract; theory/{}.md", self.theory)
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
    use crate::validate::run_one;
    use crate::validate::testing::{control_fails, ctx, fails, passes};

    fn numeric() -> Vec<Box<dyn Check>> {
        checks()
            .into_iter()
            .filter(|c| c.skip_reason(&ctx()).is_none() && !c.theory_id().starts_with("ID-"))
            .collect()
    }

    #[test]
    fn every_numeric_record_passes_and_its_control_fails() {
        let cs = numeric();
        assert_eq!(cs.len(), 8);
        for c in cs {
            let r = passes(c.as_ref());
            assert!(r.control.is_some(), "{} has no control", r.id);
        }
    }

    #[test]
    fn controls_fail_on_their_own() {
        for c in numeric() {
            control_fails(c.as_ref());
        }
    }

    #[test]
    fn v1_direct_gradient_matches_the_hand_derived_kernel_at_random_points() {
        // The complex step is exact to rounding: it agrees with the hand-derived gradient.
        let inst = instance("rank2");
        let (_, g) = inst.problem.gradient(&inst.theta0);
        let (_, gc) = direct::gradient(&inst.problem, &inst.theta0);
        assert!(diff_norm(&g, &gc) <= 1e-13 * norm2(&g));
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
        fails(&c);
    }

    #[test]
    fn v4_fails_when_evaluations_are_under_reported() {
        fails(&planted::v4_under_reported());
    }

    #[test]
    fn v1_fails_when_the_growth_factor_is_dropped() {
        let c = ResummationIdentity {
            preset: "rank2",
            resummed: Box::new(|c: &Cache<'_>, d: &[f64]| {
                assemble(c.prob, &planted::no_growth_factor(c, d), Want::Gradient)
            }),
        };
        fails(&c);
    }

    #[test]
    fn reports_are_deterministic() {
        let c = &checks()[0];
        let a = run_one(c.as_ref(), &ctx());
        let b = run_one(c.as_ref(), &ctx());
        assert_eq!(a.measured, b.measured);
        assert_eq!(a.figures, b.figures);
    }
}
