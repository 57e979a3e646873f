//! Suite `robust`: Tsilivis, Frank, Srebro & Kempe, *The Price of Implicit Bias in Adversarially
//! Robust Generalization* (arXiv 2406.04981), checks P6-a (closed-form robust loss), P6-b
//! (implicit bias of steepest descent under robust ERM) and P6-c (the price of implicit bias), on
//! the library's robust linear model ([`crate::models::loss::RobustLinear`]), its `ngd` and `cd`
//! optimizers and the Clarabel max-margin solver ([`crate::margin::binary_margin`]).
//!
//! Every check's negative control is the same check around a model or an optimizer with a bug
//! planted in its mathematics ([`planted`]): the penalty with the wrong norm or sign, the steepest
//! direction of the wrong norm.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::margin::{binary_margin, MarginOptions};
use crate::models::loss::{MarginLoss, RobustLinear};
use crate::models::OnData;
use crate::norms::inner;
use crate::optim::{parse_optimizer_with_schedule, Factory, Optimizer, Schedule};
use crate::train::observers::AfterStep;
use crate::train::{fit, FitSpec, Stop};
use crate::validate::stats::loglog_slope;
use crate::validate::sweep::try_par_map;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::sync::Arc;

const SUITE: &str = "robust";
const SOURCE: &str = "Tsilivis, Frank, Srebro & Kempe, The Price of Implicit Bias in Adversarially Robust Generalization, arXiv 2406.04981";

/// The checks of the suite, built from the real implementations.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for p in [1.0, 2.0, f64::INFINITY] {
        v.push(Box::new(RobustIdentity {
            p,
            model: Arc::new(move |loss, eps| RobustLinear::lp(loss, eps, p)),
        }));
    }
    v.push(Box::new(RobustBias {
        geometry: BiasGeometry::L2,
        optimizer: normalized("ngd"),
    }));
    v.push(Box::new(RobustBias {
        geometry: BiasGeometry::L1,
        optimizer: normalized("cd"),
    }));
    v.push(Box::new(Price {
        gd: normalized("ngd"),
        cd: normalized("cd"),
    }));
    v
}

/// The optimizer spec `name` (`ngd`, `cd`, `nsd:norm=…`) with the schedule η_t = 0.1/√t.
pub fn normalized(name: &str) -> Factory {
    let name = name.to_string();
    Arc::new(move |shapes: &[(usize, usize)]| {
        let sched = Schedule::parse("power:eta0=0.1,a=0.5")?;
        parse_optimizer_with_schedule(&name, Some(sched), shapes)
    })
}

/// The bugs planted in the mathematics of the robust model and of the optimizers, for the negative
/// controls (one definition each, used by the records and the unit tests).
pub mod planted {
    use super::{normalized, ModelFactory};
    use crate::models::loss::RobustLinear;
    use crate::optim::Factory;
    use std::sync::Arc;

    /// The robust model whose penalty is the perturbation's own norm ε‖w‖_p instead of its dual
    /// ε‖w‖_q (the conjugate exponent forgotten; a no-op for p = 2).
    pub fn primal_norm_penalty(p: f64) -> ModelFactory {
        let q = crate::norms::entrywise::conjugate_exponent(p);
        Arc::new(move |loss, eps| RobustLinear::lp(loss, eps, q))
    }

    /// The robust model with the perturbation's sign flipped, ℓ(y⟨w, x⟩ + ε‖w‖_q): the best case
    /// over the ball in place of the worst.
    pub fn best_case(p: f64) -> ModelFactory {
        Arc::new(move |loss, eps| RobustLinear::lp(loss, -eps, p))
    }

    /// The planted model of P6-a's control at exponent p, with its description: the primal-norm
    /// penalty for p ≠ 2 (where it differs from the dual), the flipped sign for p = 2.
    pub fn identity_bug(p: f64) -> (&'static str, ModelFactory) {
        if p == 2.0 {
            (
                "robust loss with the perturbation's sign flipped: ℓ(y⟨w,x⟩ + ε‖w‖₂)",
                best_case(p),
            )
        } else {
            (
                "robust loss penalized by the primal norm ε‖w‖_p instead of the dual ε‖w‖_q",
                primal_norm_penalty(p),
            )
        }
    }

    /// Normalized steepest descent (η_t = 0.1/√t) whose direction is the LMO of the norm `norm`
    /// (`l1`, `l2`, `linf`): planted in place of an optimizer of another geometry.
    pub fn steepest_in(norm: &str) -> Factory {
        normalized(&format!("nsd:norm={norm}"))
    }
}

/// Builds the robust linear model under test for a loss and a radius.
pub type ModelFactory = Arc<dyn Fn(MarginLoss, f64) -> RobustLinear + Send + Sync>;

fn p_name(p: f64) -> String {
    if p.is_infinite() {
        "linf".into()
    } else {
        format!("l{p}")
    }
}

/// P6-a: max_{‖δ‖_p ≤ ε} ℓ(y⟨w, x + δ⟩) = ℓ(y⟨w, x⟩ − ε‖w‖_q), against a brute-force maximum over
/// the extreme points of the ball (±εe_j for ℓ1, the 2^d sign vectors ε·s for ℓ∞, the analytic
/// maximizer −εy w/‖w‖₂ for ℓ2).
pub struct RobustIdentity {
    /// The perturbation exponent p.
    pub p: f64,
    /// The model under test (for ℓp perturbations).
    pub model: ModelFactory,
}

const IDENTITY_D: usize = 8;

impl Check for RobustIdentity {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P6-a", Some(p_name(self.p)))
    }
    fn claim(&self) -> String {
        format!(
            "max over ‖δ‖_{} ≤ ε of ℓ(y⟨w, x+δ⟩) equals ℓ(y⟨w,x⟩ − ε‖w‖_q), 1/p + 1/q = 1 (logistic and exponential ℓ)",
            p_name(self.p).trim_start_matches('l')
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} §1 (eq. (1), linear models); theory/P6-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"p": crate::io::num(self.p), "d": IDENTITY_D, "trials": ctx.profile.pick(50, 500),
               "eps": "uniform(0, 1)", "losses": ["logistic", "exponential"]})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&self.id());
        let d = IDENTITY_D;
        let mut worst: f64 = 0.0;
        let (mut worst_closed, mut worst_brute) = (f64::NAN, f64::NAN);
        let (mut pen_max, mut shift_max) = (0.0f64, 0.0f64);
        for t in 0..ctx.profile.pick(50, 500) {
            let loss = if t % 2 == 0 {
                MarginLoss::Logistic
            } else {
                MarginLoss::Exponential
            };
            let eps: f64 = rng.random::<f64>();
            let w = Mat::from_fn(d, 1, |_, _| StandardNormal.sample(&mut rng));
            let x = Mat::from_fn(d, 1, |_, _| StandardNormal.sample(&mut rng));
            let y = if rng.random::<bool>() { 1.0 } else { -1.0 };
            let base = y * inner(w.as_ref(), x.as_ref());
            // ℓ is decreasing, so the worst case minimizes the perturbed margin over the ball.
            let shift = |delta: &Mat<f64>| y * inner(w.as_ref(), delta.as_ref());
            let mut lo = f64::INFINITY;
            if self.p == 1.0 {
                for j in 0..d {
                    for s in [-1.0, 1.0] {
                        let delta = Mat::from_fn(d, 1, |i, _| if i == j { s * eps } else { 0.0 });
                        lo = lo.min(shift(&delta));
                    }
                }
            } else if self.p.is_infinite() {
                for mask in 0u32..(1 << d) {
                    let delta =
                        Mat::from_fn(d, 1, |i, _| if mask >> i & 1 == 1 { eps } else { -eps });
                    lo = lo.min(shift(&delta));
                }
            } else if self.p == 2.0 {
                let nw = w.norm_l2();
                let delta = Mat::from_fn(d, 1, |i, _| -eps * y * w[(i, 0)] / nw);
                lo = shift(&delta);
            } else {
                return Err(Error::input(format!(
                    "P6-a brute force supports p ∈ {{1, 2, ∞}}, got p = {}",
                    self.p
                )));
            }
            let brute = loss.value(base + lo);
            let closed = (self.model)(loss, eps).sample_loss(&w, &x, y);
            let rel = (closed - brute).abs() / brute.abs().max(1e-300);
            let rel = if rel.is_nan() { f64::INFINITY } else { rel };
            if rel > worst || t == 0 {
                worst = worst.max(rel);
                (worst_closed, worst_brute) = (closed, brute);
            }
            pen_max = pen_max.max(-lo);
            shift_max = shift_max.max((brute - loss.value(base)).abs() / loss.value(base));
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1e-12,
                "exact identity; both sides are ℓ of margins equal up to d-term rounding (~1e-15), amplified by |zℓ'(z)/ℓ(z)| ≤ |z| ≲ 20",
            ),
        )
        .with_figures(json!({
            "worst_relative_difference": worst,
            "closed_form_at_worst": worst_closed, "brute_force_at_worst": worst_brute,
            "largest_margin_drop": pen_max, "largest_relative_loss_increase": shift_max,
        }))
        .with_details(json!({"note": "largest_margin_drop = max over trials of −min_δ y⟨w, δ⟩ = ε‖w‖_q (brute force), largest_relative_loss_increase = max (ℓ(worst margin) − ℓ(margin))/ℓ(margin): the perturbation is not negligible, so the identity is tested where it matters"})))
    }
    fn control(&self) -> Option<Planted> {
        let (bug, model) = planted::identity_bug(self.p);
        Planted::new(bug, RobustIdentity { p: self.p, model })
    }
}

/// Normalized-gradient geometry judged by P6-b.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BiasGeometry {
    /// Normalized GD → the ℓ2-robust max-margin.
    L2,
    /// Normalized coordinate descent → the ℓ1-robust max-margin.
    L1,
}

impl BiasGeometry {
    fn norm(self) -> &'static str {
        match self {
            BiasGeometry::L2 => "l2",
            BiasGeometry::L1 => "l1",
        }
    }
}

/// Binary Gaussian data with a sparse teacher: x ~ N(0, I_d), w* with `k` entries ±1 on random
/// coordinates, y = sign⟨w*, x⟩. Returns (x: n × d, y ∈ {±1}, w*).
pub fn sparse_teacher_data(
    rng: &mut ChaCha8Rng,
    n: usize,
    d: usize,
    teacher: &Mat<f64>,
) -> (Mat<f64>, Vec<f64>) {
    let x = Mat::from_fn(n, d, |_, _| StandardNormal.sample(rng));
    let f = &x * teacher;
    let y = (0..n)
        .map(|i| if f[(i, 0)] >= 0.0 { 1.0 } else { -1.0 })
        .collect();
    (x, y)
}

/// A k-sparse ±1 teacher in R^d.
pub fn sparse_teacher(rng: &mut ChaCha8Rng, d: usize, k: usize) -> Mat<f64> {
    let mut w = Mat::zeros(d, 1);
    let mut placed = 0;
    while placed < k.min(d) {
        let j = rng.random_range(0..d);
        if w[(j, 0)] == 0.0 {
            w[(j, 0)] = if rng.random::<bool>() { 1.0 } else { -1.0 };
            placed += 1;
        }
    }
    w
}

fn dataset(x: &Mat<f64>, y: &[f64]) -> Result<Dataset> {
    let labels = y.iter().map(|&s| usize::from(s > 0.0)).collect();
    Dataset::new(2, x.clone(), labels, "robust suite data")
}

/// ε* = max_{‖w‖₁ ≤ 1} min_i y_i⟨w, x_i⟩ (the ℓ1 max-margin; 0 if not separable).
fn eps_star(data: &Dataset) -> Result<f64> {
    let m = binary_margin(data, "l1", None, &MarginOptions::default())?;
    Ok(if m.separable { m.gamma } else { 0.0 })
}

/// Train the robust logistic model from w = 0 for `steps` steps of `optimizer` (fewer if the
/// gradient vanishes), through the one runner [`fit`].
fn train(
    optimizer: &Factory,
    model: &RobustLinear,
    x: &Mat<f64>,
    y: &[f64],
    steps: usize,
) -> Result<Mat<f64>> {
    let shapes = [(x.ncols(), 1)];
    let mut opt: Box<dyn Optimizer> = optimizer(&shapes)?;
    let spec = FitSpec::new(steps).stop_at_zero_gradient();
    let mut fitted = fit(
        &OnData::new(model, x, y, &shapes),
        opt.as_mut(),
        &spec,
        &mut (),
    )?;
    Ok(fitted.params.pop().expect("one block"))
}

/// min_i (y_i⟨w, x_i⟩ − ε‖w‖₁) / ‖w‖ for the named norm.
fn robust_normalized_margin(
    w: &Mat<f64>,
    x: &Mat<f64>,
    y: &[f64],
    eps: f64,
    norm: &str,
) -> Result<f64> {
    let n = crate::norms::parse_norm(norm)?.norm(w.as_ref());
    let m = RobustLinear::lp(MarginLoss::Logistic, eps, f64::INFINITY).robust_margins(w, x, y);
    Ok(m.into_iter().fold(f64::INFINITY, f64::min) / n)
}

/// P6-b: on ℓ∞-robust logistic ERM (ε = ε*/2), normalized GD reaches ≥ 90 % of the ℓ2-robust
/// max-margin and normalized coordinate descent ≥ 90 % of the ℓ1-robust max-margin.
pub struct RobustBias {
    /// Which geometry.
    pub geometry: BiasGeometry,
    /// The optimizer under test.
    pub optimizer: Factory,
}

impl RobustBias {
    fn sizes(ctx: &Ctx) -> (usize, usize, usize, usize) {
        // (d, m, k, steps)
        ctx.profile
            .pick((60, 20, 3, 20_000), (200, 50, 5, 1_000_000))
    }

    /// Half-decade checkpoints T·10^{−k/2}, k = 4, …, 0, ending at T.
    fn marks(steps: usize) -> Vec<usize> {
        (0..=4)
            .rev()
            .map(|k| (steps as f64 * 10f64.powf(-0.5 * k as f64)).round() as usize)
            .collect()
    }
}

impl Check for RobustBias {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P6-b", Some(self.geometry.norm().into()))
    }
    fn claim(&self) -> String {
        match self.geometry {
            BiasGeometry::L2 => "normalized GD on the ℓ∞-robust logistic loss reaches ≥ 90% of max_{‖w‖₂≤1} min_i(y_i⟨w,x_i⟩ − ε‖w‖₁)",
            BiasGeometry::L1 => "normalized coordinate descent on the ℓ∞-robust logistic loss reaches ≥ 90% of max_{‖w‖₁≤1} min_i(y_i⟨w,x_i⟩ − ε‖w‖₁)",
        }
        .into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §1 (implicit bias in robust ERM, after Li et al. 2020), §3 check P6-b; theory/P6-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let (d, m, k, steps) = Self::sizes(ctx);
        json!({"d": d, "m": m, "k_w": k, "steps": steps, "eps": "0.5 ε*", "loss": "logistic",
               "schedule": "power:eta0=0.1,a=0.5", "init": "w = 0", "checkpoints": Self::marks(steps)})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&self.id());
        let (d, m, k, steps) = Self::sizes(ctx);
        let teacher = sparse_teacher(&mut rng, d, k);
        let (x, y) = sparse_teacher_data(&mut rng, m, d, &teacher);
        let data = dataset(&x, &y)?;
        let es = eps_star(&data)?;
        if es <= 0.0 {
            return Err(Error::failed(
                "P6-b: the sampled data are not linearly separable",
            ));
        }
        let eps = 0.5 * es;
        let norm = self.geometry.norm();
        let opt = binary_margin(&data, norm, Some(eps), &MarginOptions::default())?;
        let model = RobustLinear::lp(MarginLoss::Logistic, eps, f64::INFINITY);
        // One run, with the ratio recorded at half-decade checkpoints: direction convergence of
        // normalized steepest descent is slow (the gap 1 − ratio falls like 1/‖w_t‖ ∝ 1/√t with
        // η_t = 0.1/√t), and the trend shows whether a shortfall is a too-short run.
        let marks = Self::marks(steps);
        let shapes = [(d, 1)];
        let mut opt_state: Box<dyn Optimizer> = (self.optimizer)(&shapes)?;
        let mut trend = Vec::new();
        let (mut ts, mut gaps) = (Vec::new(), Vec::new());
        let mut mark = |t: usize, w: &Mat<f64>| -> Result<()> {
            if marks.contains(&t) {
                let r = robust_normalized_margin(w, &x, &y, eps, norm)? / opt.gamma;
                let nnz = (0..d).filter(|&j| w[(j, 0)] != 0.0).count();
                trend.push(json!({"t": t, "ratio": r, "nonzeros": nnz}));
                ts.push(t as f64);
                gaps.push(1.0 - r);
            }
            Ok(())
        };
        let spec = FitSpec::new(steps).stop_at_zero_gradient();
        let fitted = fit(
            &OnData::new(&model, &x, &y, &shapes),
            opt_state.as_mut(),
            &spec,
            &mut AfterStep(|t: usize, p: &[Mat<f64>]| mark(t, &p[0])),
        )?;
        let w = fitted.params[0].clone();
        // a run stopped by a vanishing gradient stays at θ_T: the later marks see it
        for t in fitted.steps + 1..=steps {
            mark(t, &w)?;
        }
        let stopped = (fitted.stop == Stop::ZeroGradient).then_some(fitted.steps);
        let got = robust_normalized_margin(&w, &x, &y, eps, norm)?;
        let ratio = got / opt.gamma;
        Ok(Outcome::new(
            ratio,
            Expectation::at_least(
                0.9,
                "threshold of this check (the paper states the limit, no finite-t figure): direction convergence is slow (O(1/√t)-type with η_t = 0.1/√t), so 90% of the convex optimum after the stated steps",
            ),
        )
        .with_figures(json!({"gamma_trained": got, "gamma_opt": opt.gamma, "ratio": ratio}))
        .with_details(json!({"eps_star": es, "eps": eps,
            "gamma_opt_bracket": [opt.lower, opt.upper],
            "train_loss": model.loss_and_grad(&w, &x, &y).0,
            "trend": trend, "gap_slope": crate::io::num(loglog_slope(&ts, &gaps)),
            "stopped_at": stopped,
            "note": "trend: ratio at half-decade checkpoints; gap_slope: least-squares slope of log(1 − ratio) against log t (≈ −0.5 when ‖w_t‖ ∝ √t sets the rate); stopped_at: the step where the gradient underflowed to 0, if any"})))
    }
    fn control(&self) -> Option<Planted> {
        let (bug, wrong) = match self.geometry {
            BiasGeometry::L2 => (
                "normalized GD with the ℓ1 LMO (a coordinate step) in place of the ℓ2 direction",
                "l1",
            ),
            BiasGeometry::L1 => (
                "normalized CD with the ℓ2 direction (normalized gradient) in place of the ℓ1 LMO",
                "l2",
            ),
        };
        Planted::new(
            bug,
            RobustBias {
                geometry: self.geometry,
                optimizer: planted::steepest_in(wrong),
            },
        )
    }
}

/// P6-c: the price of implicit bias. With a sparse teacher and dense x, the difference of robust
/// generalization gaps D(ε) = gap_GD − gap_CD (gap = robust train accuracy − robust test accuracy),
/// averaged over m and seeds, is small in standard ERM, |D(0)| ≤ 0.05, and appears under robust
/// ERM, D(0.9 ε*) ≥ 0.05: both legs are asserted (see theory/P6-c.md for the finding that the
/// first fails here). The paired growth D(0.9 ε*) − D(0) and D(0.5 ε*) are figures.
pub struct Price {
    /// Normalized GD (ℓ2 geometry).
    pub gd: Factory,
    /// Normalized CD (ℓ1 geometry).
    pub cd: Factory,
}

impl Price {
    fn sizes(ctx: &Ctx) -> (usize, usize, Vec<usize>, usize, usize, usize) {
        // (d, k, m grid, seeds, test size, steps)
        ctx.profile.pick(
            (100, 3, vec![20, 50, 100], 4, 1000, 1500),
            (200, 5, vec![20, 50, 100, 200, 400], 10, 5000, 20_000),
        )
    }
}

fn robust_accuracy(w: &Mat<f64>, x: &Mat<f64>, y: &[f64], eps: f64) -> f64 {
    let m = RobustLinear::lp(MarginLoss::Logistic, eps, f64::INFINITY).robust_margins(w, x, y);
    m.iter().filter(|&&z| z > 0.0).count() as f64 / m.len() as f64
}

impl Check for Price {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P6-c", None)
    }
    fn claim(&self) -> String {
        "D = gap_GD − gap_CD (robust generalization gaps, mean over m and seeds; sparse teacher, dense x): |D(0)| ≤ 0.05 in standard ERM and D(0.9 ε*) ≥ 0.05 in ℓ∞-robust ERM".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} Fig. 1 (bottom), Fig. 2, §3 check P6-c; theory/P6-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let (d, k, ms, seeds, test, steps) = Self::sizes(ctx);
        json!({"d": d, "k_w": k, "m": ms, "seeds": seeds, "test": test, "steps": steps,
               "eps": [0.0, "0.9 ε*(m)", "0.5 ε*(m) (figure only)"], "loss": "logistic", "streams": "P6-c/m=M/seed=S",
               "schedule": "power:eta0=0.1,a=0.5", "init": "w = 0"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let (d, k, ms, seeds, test, steps) = Self::sizes(ctx);
        // One independent run per (m, seed), each with its own random stream, in parallel; the
        // reductions below go over the results in input order (bit-identical for any thread count).
        let items: Vec<(usize, usize)> = ms
            .iter()
            .flat_map(|&m| (0..seeds).map(move |s| (m, s)))
            .collect();
        let id = self.id();
        let runs = try_par_map(&items, |&(m, seed)| {
            let mut rng = ctx.rng(&format!("{id}/m={m}/seed={seed}"));
            let teacher = sparse_teacher(&mut rng, d, k);
            let (x, y) = sparse_teacher_data(&mut rng, m, d, &teacher);
            let (xt, yt) = sparse_teacher_data(&mut rng, test, d, &teacher);
            let es = eps_star(&dataset(&x, &y)?)?;
            // ε = 0, the asserted 0.9 ε*, and 0.5 ε* (reported: see theory/P6-c.md).
            let mut gaps = [[0.0; 2]; 3];
            for (e, eps) in [0.0, 0.9 * es, 0.5 * es].into_iter().enumerate() {
                let model = RobustLinear::lp(MarginLoss::Logistic, eps, f64::INFINITY);
                for (a, opt) in [&self.gd, &self.cd].into_iter().enumerate() {
                    let w = train(opt, &model, &x, &y, steps)?;
                    gaps[e][a] =
                        robust_accuracy(&w, &x, &y, eps) - robust_accuracy(&w, &xt, &yt, eps);
                }
            }
            Ok((m, seed, es, gaps))
        })?;
        let (mut d0, mut d1, mut price) = (Vec::new(), Vec::new(), Vec::new());
        let (mut dh, mut price_half) = (Vec::new(), Vec::new());
        let mut rows = Vec::new();
        for (m, seed, es, gaps) in runs {
            let diff = [
                gaps[0][0] - gaps[0][1],
                gaps[1][0] - gaps[1][1],
                gaps[2][0] - gaps[2][1],
            ];
            d0.push(diff[0]);
            d1.push(diff[1]);
            dh.push(diff[2]);
            price.push(diff[1] - diff[0]);
            price_half.push(diff[2] - diff[0]);
            rows.push(json!({"m": m, "seed": seed, "eps_star": es,
                "gap_gd": [gaps[0][0], gaps[1][0], gaps[2][0]],
                "gap_cd": [gaps[0][1], gaps[1][1], gaps[2][1]]}));
        }
        let n = price.len() as f64;
        let stat = |v: &[f64]| {
            let (m, s) = crate::validate::stats::mean_sd(v);
            (m, s / n.sqrt())
        };
        let (mean0, se0) = stat(&d0);
        let (mean1, se1) = stat(&d1);
        let (growth, se_growth) = stat(&price);
        let (mean_h, se_h) = stat(&dh);
        let (growth_h, se_growth_h) = stat(&price_half);
        let leg_erm = 0.05 - mean0.abs();
        let leg_robust = mean1 - 0.05;
        let details = json!({
            "runs": rows,
            "note": "gap_gd and gap_cd list [ε = 0, ε = 0.9 ε*, ε = 0.5 ε*]; growth = D(0.9 ε*) − D(0) and growth_half_eps_star = D(0.5 ε*) − D(0), paired on the same data; ± are standard errors over m and seeds",
        });
        Ok(Outcome::new(
            leg_erm.min(leg_robust),
            Expectation::at_least(
                0.0,
                "both legs of the criterion, on means over m and seeds: 0.05 − |D(0)| ≥ 0 (no difference in standard ERM) and D(0.9 ε*) − 0.05 ≥ 0 (a difference in robust ERM); measured = the smaller leg. 0.05 is the criterion's effect size (5 points of accuracy), the stderr of each mean is in the figures",
            ),
        )
        .with_figures(json!({
            "D_eps0": mean0, "D_eps0_stderr": se0,
            "D_eps_star": mean1, "D_eps_star_stderr": se1,
            "leg_erm": leg_erm, "leg_robust": leg_robust,
            "growth": growth, "growth_stderr": se_growth,
            "D_half_eps_star": mean_h, "D_half_eps_star_stderr": se_h,
            "growth_half_eps_star": growth_h, "growth_half_eps_star_stderr": se_growth_h,
        }))
        .with_details(details))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "normalized GD with the ℓ1 LMO (a coordinate step) in place of the ℓ2 direction",
            Price {
                gd: planted::steepest_in("l1"),
                cd: self.cd.clone(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::{assert_all_pass, control_fails, ctx, fails};
    use crate::validate::{run_one, Verdict};

    fn is_price(c: &dyn Check) -> bool {
        c.theory_id() == "P6-c"
    }

    #[test]
    fn real_checks_pass_and_every_control_fails() {
        assert_all_pass(
            checks()
                .into_iter()
                .filter(|c| !is_price(c.as_ref()))
                .collect(),
        );
    }

    #[test]
    fn every_p6a_bug_planted_in_the_model_fails_at_every_exponent() {
        for p in [1.0, 2.0, f64::INFINITY] {
            fails(&RobustIdentity {
                p,
                model: planted::best_case(p),
            });
            if p != 2.0 {
                fails(&RobustIdentity {
                    p,
                    model: planted::primal_norm_penalty(p),
                });
            }
        }
    }

    /// The honest finding of theory/P6-c.md: the robust leg holds at these step counts, the ERM
    /// leg |D(0)| ≤ 0.05 does not (CD's ℓ1 bias also helps standard generalization on a sparse
    /// teacher). The control (no ℓ2 method at all: D ≡ 0) fails the robust leg.
    #[test]
    fn price_fails_on_its_erm_leg_and_its_control_fails_too() {
        let c = checks().into_iter().find(|c| is_price(c.as_ref())).unwrap();
        let r = run_one(c.as_ref(), &ctx());
        eprintln!("{:?} {}", r.measured, r.figures);
        assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
        assert!(r.figures["leg_erm"].as_f64().unwrap() < 0.0);
        assert!(r.figures["leg_robust"].as_f64().unwrap() >= 0.0);
        let ctl = control_fails(c.as_ref());
        assert!(ctl.figures["leg_robust"].as_f64().unwrap() < 0.0);
    }
}
