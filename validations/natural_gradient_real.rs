//! `P10-real`: the natural-gradient metric of every step of real optimizer trajectories (file 10
//! T3): per step a = W_{t+1} − W_t and b = −∇L at W_t (pointwise) or at the mean-value point
//! W_t + c·a where ∇L(W_t + c a)ᵀa = L(W_{t+1}) − L(W_t) (exists for every loss-decreasing step),
//! and the same for windows of steps (net update). Each metric is checked (SPD, M a = b,
//! κ(M) = κ*), and the distribution of κ* per optimizer is reported: how far from Euclidean each
//! optimizer's geometry is (κ* = 1 exactly for gradient descent at the pointwise gradient).

#![allow(non_snake_case)]

use super::{crate_impl, MetricImpl, PAPER, SUITE};
use crate::error::{Error, Result};
use crate::metric::{self, SecantPair};
use crate::norms::{parse_norm, Norm};
use crate::optim::{parse_optimizer, Optimizer};
use crate::validate::stats::median;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde_json::{json, Map, Value};

/// A smooth convex loss on one k×d parameter block.
#[derive(Clone, Debug)]
pub enum Problem {
    /// Softmax cross-entropy L(W) = −(1/n)Σ log S_{y_i}(W h_i); ∇L = (1/n)Σ (S(W h_i) − e_{y_i}) h_iᵀ.
    Multiclass {
        /// Samples, n×d (row i is h_i).
        x: Mat<f64>,
        /// Labels in 0..k.
        y: Vec<usize>,
        /// Classes.
        k: usize,
    },
    /// Least squares L(W) = (1/2n)‖H Wᵀ − Y‖_F²; ∇L = (1/n)(W Hᵀ − Yᵀ) H.
    Quadratic {
        /// Design, n×d.
        h: Mat<f64>,
        /// Targets, n×k.
        y: Mat<f64>,
        /// A planted-bug knob: the gradient is multiplied by this (1 in the real problem).
        grad_factor: f64,
    },
}

impl Problem {
    /// A Gaussian-cluster multiclass problem: k classes, means 2·N(0, I), unit noise, n samples.
    pub fn multiclass(rng: &mut ChaCha8Rng, n: usize, d: usize, k: usize) -> Self {
        let means = Mat::from_fn(k, d, |_, _| 2.0 * rng.sample::<f64, _>(StandardNormal));
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let x = Mat::from_fn(n, d, |i, j| {
            means[(y[i], j)] + rng.sample::<f64, _>(StandardNormal)
        });
        Problem::Multiclass { x, y, k }
    }

    /// A least-squares problem with a Gaussian design and a noisy linear teacher.
    pub fn quadratic(rng: &mut ChaCha8Rng, n: usize, d: usize, k: usize) -> Self {
        let h = Mat::from_fn(n, d, |_, _| rng.sample::<f64, _>(StandardNormal));
        let w = Mat::from_fn(k, d, |_, _| rng.sample::<f64, _>(StandardNormal));
        let mut y = &h * w.transpose();
        y += Mat::from_fn(n, k, |_, _| 0.1 * rng.sample::<f64, _>(StandardNormal));
        Problem::Quadratic {
            h,
            y,
            grad_factor: 1.0,
        }
    }

    /// The parameter shape (k, d).
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Problem::Multiclass { x, k, .. } => (*k, x.ncols()),
            Problem::Quadratic { h, y, .. } => (y.ncols(), h.ncols()),
        }
    }

    /// L(W).
    pub fn loss(&self, W: &Mat<f64>) -> f64 {
        match self {
            Problem::Multiclass { x, y, .. } => {
                let z = x * W.transpose();
                let n = x.nrows();
                let mut s = 0.0;
                for i in 0..n {
                    let m = (0..z.ncols()).fold(f64::NEG_INFINITY, |a, c| a.max(z[(i, c)]));
                    let lse = m
                        + (0..z.ncols())
                            .map(|c| (z[(i, c)] - m).exp())
                            .sum::<f64>()
                            .ln();
                    s += lse - z[(i, y[i])];
                }
                s / n as f64
            }
            Problem::Quadratic { h, y, .. } => {
                let r = h * W.transpose() - y;
                let f = r.norm_l2(); // Frobenius
                0.5 * f * f / h.nrows() as f64
            }
        }
    }

    /// ∇L(W).
    pub fn grad(&self, W: &Mat<f64>) -> Mat<f64> {
        match self {
            Problem::Multiclass { x, y, k } => {
                let z = x * W.transpose();
                let n = x.nrows();
                let mut r = Mat::<f64>::zeros(n, *k);
                for i in 0..n {
                    let m = (0..*k).fold(f64::NEG_INFINITY, |a, c| a.max(z[(i, c)]));
                    let e: Vec<f64> = (0..*k).map(|c| (z[(i, c)] - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    // the correct-class residual as −Σ_{c≠y} P_c (file 00 gotcha 7.1)
                    let mut off = 0.0;
                    for c in 0..*k {
                        if c != y[i] {
                            r[(i, c)] = e[c] / s;
                            off += e[c] / s;
                        }
                    }
                    r[(i, y[i])] = -off;
                }
                let mut g = r.transpose() * x;
                g *= faer::Scale(1.0 / n as f64);
                g
            }
            Problem::Quadratic { h, y, grad_factor } => {
                let r = h * W.transpose() - y;
                let mut g = r.transpose() * h;
                g *= faer::Scale(grad_factor / h.nrows() as f64);
                g
            }
        }
    }

    fn is_quadratic(&self) -> bool {
        matches!(self, Problem::Quadratic { .. })
    }
}

/// Normalized steepest descent W ← W − η·LMO(∇L) under a norm of `crate::norms` (spectral
/// descent for the spectral norm, sign descent for the max-norm, normalized GD for Frobenius);
/// used when the optimizer registry has no `nsd` recipe.
pub struct LocalNsd {
    norm: Box<dyn Norm>,
    lr: f64,
}

impl Optimizer for LocalNsd {
    fn name(&self) -> String {
        format!(
            "nsd:norm={},lr={} (local, norms dualizer)",
            self.norm.name(),
            self.lr
        )
    }
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        _loss: Option<f64>,
    ) -> Result<()> {
        for (w, g) in params.iter_mut().zip(grads) {
            let mut d = self.norm.dualize(g.as_ref());
            d *= faer::Scale(self.lr);
            *w -= d;
        }
        Ok(())
    }
}

/// The optimizers of the issue, by label and spec. `fallback_norm` names a norm for the local
/// NSD used when the spec does not parse.
pub const OPTIMIZERS: &[(&str, &str, Option<&str>)] = &[
    ("gd", "gd:lr=0.1", None),
    ("sign-descent", "sign:lr=0.01", Some("max")),
    (
        "spectral-descent",
        "nsd:norm=spectral,lr=0.05",
        Some("spectral"),
    ),
    ("muon", "muon:lr=0.05,momentum=0.9", None),
    ("adam", "adam:lr=0.02", None),
    ("fromage", "fromage:lr=0.02", None),
    ("muonmax", "muonmax:lr=0.01", None),
];

/// Builds an optimizer from a spec for the given shapes.
pub type OptimizerFactory = fn(&str, &[(usize, usize)]) -> Result<Box<dyn Optimizer>>;

fn build(
    factory: OptimizerFactory,
    spec: &str,
    fallback: Option<&str>,
    shape: (usize, usize),
) -> std::result::Result<(Box<dyn Optimizer>, String), String> {
    match factory(spec, &[shape]) {
        Ok(o) => {
            let n = o.name();
            Ok((o, n))
        }
        Err(e) => match fallback {
            Some(norm) => {
                let lr: f64 = spec
                    .split("lr=")
                    .nth(1)
                    .and_then(|s| s.split(',').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.01);
                let norm = parse_norm(norm).map_err(|e| e.to_string())?;
                let o = LocalNsd { norm, lr };
                let n = o.name();
                Ok((Box::new(o), n))
            }
            None => Err(format!("not available in this build: {e}")),
        },
    }
}

/// The mean-value point c ∈ [0, 1] with ∇L(W + cΔ)ᵀΔ = L(W + Δ) − L(W), by bisection on the
/// increasing function φ(c) = ∇L(W + cΔ)ᵀΔ − ΔL (convex L). Returns (c, ∇L at that point).
fn mean_value_point(p: &Problem, W: &Mat<f64>, delta: &Mat<f64>, dl: f64) -> (f64, Mat<f64>) {
    let at = |c: f64| {
        let mut x = delta.clone();
        x *= faer::Scale(c);
        x += W;
        p.grad(&x)
    };
    let phi = |g: &Mat<f64>| crate::norms::inner(g.as_ref(), delta.as_ref()) - dl;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if phi(&at(mid)) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let c = 0.5 * (lo + hi);
    (c, at(c))
}

#[derive(Default)]
struct Tally {
    kappas: Vec<f64>,
    no_metric: usize,
    not_descent: usize,
}

impl Tally {
    fn summary(&self) -> Value {
        let k = &self.kappas;
        let mn = k.iter().cloned().fold(f64::INFINITY, f64::min);
        let mx = k.iter().cloned().fold(0.0f64, f64::max);
        json!({
            "n": k.len(),
            "kappa_star_min": crate::io::num(mn),
            "kappa_star_median": crate::io::num(median(k)),
            "kappa_star_max": crate::io::num(mx),
            "no_spd_metric": self.no_metric,
            "loss_not_decreased": self.not_descent,
        })
    }
}

/// P10-real: metrics of real optimizer steps on one problem.
pub struct RealUpdates {
    /// `multiclass` or `quadratic`.
    pub problem: &'static str,
    /// The metric implementation under test.
    pub imp: MetricImpl,
    /// Builds optimizers from specs (the crate's `parse_optimizer`).
    pub factory: OptimizerFactory,
    /// Planted-bug knob for the quadratic's gradient (1 = correct).
    pub grad_factor: f64,
}

impl RealUpdates {
    fn steps(&self, ctx: &Ctx) -> usize {
        ctx.profile.pick(40, 300)
    }
    fn make_problem(&self, ctx: &Ctx) -> Problem {
        let mut rng = ctx.rng(&format!("P10-real/{}", self.problem));
        match self.problem {
            "quadratic" => match Problem::quadratic(&mut rng, 60, 6, 3) {
                Problem::Quadratic { h, y, .. } => Problem::Quadratic {
                    h,
                    y,
                    grad_factor: self.grad_factor,
                },
                other => other,
            },
            _ => Problem::multiclass(&mut rng, 60, 6, 3),
        }
    }
}

/// Windows of this many steps are also checked (net update), plus the whole run.
const WINDOW: usize = 5;

impl Check for RealUpdates {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-real", Some(self.problem.to_string()))
    }
    fn claim(&self) -> String {
        "every loss-decreasing optimizer step (and window of steps) is natural-gradient descent: with a = Δθ and b = −∇L at the mean-value point, M_opt is SPD, M_opt a = b, aᵀb = L(θ) − L(θ+Δ) and κ(M_opt) = κ*; the same where b = −∇L(θ_t) gives aᵀb > 0".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T3 (discrete time, mean-value point, time windows); file 10 §3; theory/P10-real.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({
            "problem": self.problem,
            "n": 60, "d": 6, "k": 3,
            "steps": self.steps(ctx),
            "window": WINDOW,
            "optimizers": OPTIMIZERS.iter().map(|(l, s, f)| json!({"label": l, "spec": s, "fallback_norm": f})).collect::<Vec<_>>(),
            "init": "W0 = 0.1·N(0, I)",
        })
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let prob = self.make_problem(ctx);
        let shape = prob.shape();
        let T = self.steps(ctx);
        let mut worst = 0.0f64;
        let mut per_opt = Map::new();
        let mut checked = 0usize;
        let mut ran = 0usize;
        for (label, spec, fallback) in OPTIMIZERS {
            let (mut opt, name) = match build(self.factory, spec, *fallback, shape) {
                Ok(x) => x,
                Err(msg) => {
                    per_opt.insert(label.to_string(), json!({"spec": spec, "unavailable": msg}));
                    continue;
                }
            };
            ran += 1;
            let mut rng = ctx.rng(&format!("P10-real/{}/{label}/init", self.problem));
            let mut W = vec![Mat::from_fn(shape.0, shape.1, |_, _| {
                0.1 * rng.sample::<f64, _>(StandardNormal)
            })];
            let mut traj: Vec<Mat<f64>> = vec![W[0].clone()];
            let mut losses = vec![prob.loss(&W[0])];
            for t in 0..T {
                let g = prob.grad(&W[0]);
                opt.step(&mut W, std::slice::from_ref(&g), Some(losses[t]))
                    .map_err(|e| Error::failed(format!("{label} step {t}: {e}")))?;
                traj.push(W[0].clone());
                losses.push(prob.loss(&W[0]));
            }
            let mut tallies: Vec<(String, Tally)> = Vec::new();
            let mut segments: Vec<(String, usize, usize)> =
                (0..T).map(|t| ("step".to_string(), t, t + 1)).collect();
            segments.extend(
                (0..T / WINDOW).map(|w| (format!("window{WINDOW}"), w * WINDOW, (w + 1) * WINDOW)),
            );
            segments.push(("whole-run".to_string(), 0, T));
            let mut max_c_err = 0.0f64;
            for (kind, s, e) in segments {
                let delta = &traj[e] - &traj[s];
                let a = metric::vec_colmajor(delta.as_ref());
                let g0 = prob.grad(&traj[s]);
                let dl = losses[e] - losses[s];
                // pointwise: b = −∇L(θ_s)
                let b0: Vec<f64> = metric::vec_colmajor(g0.as_ref())
                    .iter()
                    .map(|x| -x)
                    .collect();
                let mut pt = Tally::default();
                let mut mv = Tally::default();
                if a.iter().all(|x| *x == 0.0) {
                    continue;
                }
                match (self.imp.admit)(&a, &b0) {
                    Ok(p) => {
                        worst = worst.max(verify(&self.imp, &p)?);
                        checked += 1;
                        pt.kappas.push((self.imp.kappa_min)(&p));
                    }
                    Err(Error::Input(m)) if m.contains("no SPD metric exists") => pt.no_metric += 1,
                    Err(err) => return Err(err),
                }
                // mean-value point (T3): exists whenever the loss decreased
                if dl < 0.0 {
                    let (c, gc) = mean_value_point(&prob, &traj[s], &delta, dl);
                    let b: Vec<f64> = metric::vec_colmajor(gc.as_ref())
                        .iter()
                        .map(|x| -x)
                        .collect();
                    let ab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
                    let gn = g0.norm_l2() * delta.norm_l2();
                    let curv = (crate::norms::inner(prob.grad(&traj[e]).as_ref(), delta.as_ref())
                        - crate::norms::inner(g0.as_ref(), delta.as_ref()))
                    .abs();
                    let noise = 64.0 * f64::EPSILON * (losses[s].abs() + gn);
                    // aᵀb = −ΔL up to the round-off of ΔL and of the bisection
                    let v_ab = (ab + dl).abs() / (noise + 1e-12 * dl.abs());
                    worst = worst.max(v_ab);
                    if prob.is_quadratic() {
                        // for a quadratic the mean-value point is the midpoint
                        let tol_c = 1e-6 + noise / curv.max(f64::MIN_POSITIVE);
                        max_c_err = max_c_err.max((c - 0.5).abs());
                        worst = worst.max((c - 0.5).abs() / tol_c);
                    }
                    match (self.imp.admit)(&a, &b) {
                        Ok(p) => {
                            worst = worst.max(verify(&self.imp, &p)?);
                            checked += 1;
                            mv.kappas.push((self.imp.kappa_min)(&p));
                        }
                        Err(Error::Input(m)) if m.contains("no SPD metric exists") => {
                            // the theorem says this cannot happen for a decrease beyond round-off
                            if -dl > noise {
                                worst = f64::INFINITY;
                            }
                            mv.no_metric += 1;
                        }
                        Err(err) => return Err(err),
                    }
                } else {
                    mv.not_descent += 1;
                }
                for (suffix, t) in [("pointwise", pt), ("mean-value", mv)] {
                    let key = format!("{kind}/{suffix}");
                    match tallies.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, acc)) => {
                            acc.kappas.extend(t.kappas);
                            acc.no_metric += t.no_metric;
                            acc.not_descent += t.not_descent;
                        }
                        None => tallies.push((key, t)),
                    }
                }
            }
            let mut o = Map::new();
            o.insert("optimizer".into(), json!(name));
            o.insert("loss_first".into(), crate::io::num(losses[0]));
            o.insert("loss_last".into(), crate::io::num(losses[T]));
            if prob.is_quadratic() {
                o.insert(
                    "max_abs_mean_value_c_minus_half".into(),
                    crate::io::num(max_c_err),
                );
            }
            for (k, t) in &tallies {
                o.insert(k.clone(), t.summary());
            }
            per_opt.insert(label.to_string(), Value::Object(o));
        }
        if ran == 0 {
            return Err(Error::failed(
                "no optimizer could be built; the suite needs the optimizer registry",
            ));
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "worst violation normalized by its round-off tolerance: ‖M a − b‖ ≤ 16·D·ε·‖b‖/cos ψ, |κ_EVD − κ*| ≤ max(1e-10, 64·D·ε·κ*)·κ*, non-SPD = ∞; |aᵀb + ΔL| ≤ 64ε(|L| + ‖∇L‖‖Δ‖) + 1e-12|ΔL| at the mean-value point (80 bisections); quadratic: |c − ½| ≤ 1e-6 + noise/curvature",
            ),
        )
        .with_details(json!({"metrics_checked": checked, "per_optimizer": per_opt})))
    }
}

/// Normalized worst violation of one metric: SPD, secant, κ = κ*.
fn verify(imp: &MetricImpl, p: &SecantPair) -> Result<f64> {
    let M = (imp.optimal_dense)(p);
    let ev = metric::dense_eigenvalues(M.as_ref())?;
    if ev[0].is_nan() || ev[0] <= 0.0 {
        return Ok(f64::INFINITY);
    }
    let sec = metric::secant_residual(M.as_ref(), p.a(), p.b()) / metric::secant_tolerance(p);
    let ks = (imp.kappa_min)(p);
    let k = ev[ev.len() - 1] / ev[0];
    let kv = ((k - ks).abs() / ks) / metric::kappa_tolerance(p);
    let v = sec.max(kv);
    Ok(if v.is_nan() { f64::INFINITY } else { v })
}

/// The real-update checks, on the crate's optimizers.
pub fn checks() -> Vec<Box<dyn Check>> {
    ["multiclass", "quadratic"]
        .into_iter()
        .map(|problem| {
            Box::new(RealUpdates {
                problem,
                imp: crate_impl(),
                factory: parse_optimizer,
                grad_factor: 1.0,
            }) as Box<dyn Check>
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;
    use crate::validate::run_one;

    use crate::validate::testing::ctx;

    #[test]
    fn real_updates_pass_and_report_kappa_per_optimizer() {
        for c in checks() {
            let r = run_one(c.as_ref(), &ctx());
            assert_eq!(
                r.pass,
                Some(true),
                "{}: {:?} {:?} {}",
                r.id,
                r.measured,
                r.error,
                r.details
            );
            let gd = &r.details["per_optimizer"]["gd"]["step/pointwise"];
            // gradient descent is natural-gradient descent with the Euclidean metric: κ* = 1
            assert!(
                (gd["kappa_star_max"].as_f64().unwrap() - 1.0).abs() < 1e-12,
                "{gd}"
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = ctx().rng("fd");
        for p in [
            Problem::multiclass(&mut rng, 20, 4, 3),
            Problem::quadratic(&mut rng, 20, 4, 3),
        ] {
            let (k, d) = p.shape();
            let W = Mat::from_fn(k, d, |i, j| 0.3 * (i as f64 - j as f64).sin());
            let g = p.grad(&W);
            for i in 0..k {
                for j in 0..d {
                    let h = 1e-6;
                    let mut wp = W.clone();
                    wp[(i, j)] += h;
                    let mut wm = W.clone();
                    wm[(i, j)] -= h;
                    let fd = (p.loss(&wp) - p.loss(&wm)) / (2.0 * h);
                    assert!((fd - g[(i, j)]).abs() < 1e-7, "{fd} vs {}", g[(i, j)]);
                }
            }
        }
    }

    fn no_registry(spec: &str, _shapes: &[(usize, usize)]) -> Result<Box<dyn Optimizer>> {
        Err(Error::input(format!("unknown optimizer '{spec}'")))
    }

    #[test]
    fn without_the_registry_sign_and_spectral_descent_fall_back_to_local_nsd() {
        let c = RealUpdates {
            problem: "multiclass",
            imp: crate_impl(),
            factory: no_registry,
            grad_factor: 1.0,
        };
        let r = run_one(&c, &ctx());
        assert_eq!(r.pass, Some(true), "{:?} {}", r.error, r.details);
        let per = &r.details["per_optimizer"];
        assert!(per["spectral-descent"]["optimizer"]
            .as_str()
            .unwrap()
            .contains("local"));
        assert!(per["sign-descent"]["optimizer"]
            .as_str()
            .unwrap()
            .contains("norm=max"));
        assert!(per["adam"]["unavailable"].is_string());
    }

    fn opt_missing_square(p: &SecantPair) -> Mat<f64> {
        metric::dense_family(p, p.norm_b() / p.norm_a())
    }

    #[test]
    fn planted_bugs_fail() {
        let bad_metric = RealUpdates {
            problem: "multiclass",
            imp: MetricImpl {
                optimal_dense: opt_missing_square,
                ..crate_impl()
            },
            factory: parse_optimizer,
            grad_factor: 1.0,
        };
        assert_eq!(run_one(&bad_metric, &ctx()).pass, Some(false));
        // a gradient with a spurious factor 2 moves the quadratic's mean-value point off ½
        let bad_grad = RealUpdates {
            problem: "quadratic",
            imp: crate_impl(),
            factory: parse_optimizer,
            grad_factor: 2.0,
        };
        assert_eq!(run_one(&bad_grad, &ctx()).pass, Some(false));
    }
}
