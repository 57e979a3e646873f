//! Suite `multiclass`: Fan, Schmidt & Thrampoulidis, *Implicit Bias of Spectral Descent and Muon on
//! Multiclass Separable Data* (arXiv 2502.04664), checks P1-a … P1-e on
//! [`crate::models::multiclass`], [`crate::train`], the optimizers of [`crate::optim`] and the
//! certified max-margin solver of [`crate::margin`].
//!
//! Every check holds its implementation under test as data (norms, gradient function, bound
//! constants, optimizer builders) so that a bug can be planted in it: each record's negative
//! control ([`Check::control`]) is the same check around one of the broken implementations of
//! [`planted`] (an optimizer, a norm or a constant of a lemma), and the unit tests use the same
//! constructors. The training runs are memoized per (data set, algorithm, schedule), so a control
//! that breaks one optimizer re-runs only that optimizer.

use crate::data::{synthetic, Dataset, SyntheticSpec};
use crate::error::{Error, Result};
use crate::margin::{max_margin, MarginOptions};
use crate::models::multiclass::{Loss, Multiclass};
use crate::models::sigmoid_net::{SigmoidNet, SigmoidTraining};
use crate::norms::{parse_norm, Norm};
use crate::optim::{parse_optimizer_with_schedule, Optimizer, Schedule};
use crate::train::observers::AfterStep;
use crate::train::{fit, log_spaced, run, FitSpec, GradScale, GradientFn, RunSpec, Snapshot};
use crate::validate::stats::{loglog_slope, median};
use crate::validate::sweep::try_par_map;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted, Profile};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const SUITE: &str = "multiclass";
const SOURCE: &str =
    "Fan, Schmidt & Thrampoulidis, Implicit Bias of Spectral Descent and Muon on Multiclass Separable Data (arXiv 2502.04664)";

/// Sizes of the synthetic data: (k, d, per class, σ).
pub type DataSize = (usize, usize, usize, f64);

/// The data sizes of a profile.
fn data_size(p: Profile) -> DataSize {
    p.pick((5, 10, 10, 0.1), (10, 25, 50, 0.1))
}

/// The seed of data set `i` of a run with report seed `seed` (shared by P1-a … P1-d).
fn data_seed(ctx: &Ctx, i: usize) -> u64 {
    ctx.rng(&format!("P1-data-{i}")).random()
}

fn dataset(ctx: &Ctx, i: usize, size: (usize, usize, usize, f64)) -> Result<Dataset> {
    let (k, d, per, sigma) = size;
    synthetic(&SyntheticSpec {
        classes: k,
        dim: d,
        per_class: per,
        sigma,
        seed: data_seed(ctx, i),
    })
}

fn model(data: &Dataset) -> Result<Multiclass> {
    Multiclass::new(
        data.x().clone(),
        data.y().to_vec(),
        data.classes(),
        Loss::CrossEntropy,
    )
}

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize, s: f64) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| {
        let e: f64 = StandardNormal.sample(rng);
        s * e
    })
}

/// γ_N with its certificate: (γ, lower, upper, W*).
struct Gamma {
    gamma: f64,
    lower: f64,
    upper: f64,
    w: Mat<f64>,
}

fn gamma(data: &Dataset, norm: &str) -> Result<Gamma> {
    let m = max_margin(data, norm, &MarginOptions::default())?;
    if !m.separable {
        return Err(Error::failed(format!(
            "the synthetic data set is not separable (norm {norm}); the checks of Fan et al. need separable data (Ass. 1)"
        )));
    }
    Ok(Gamma {
        gamma: m.gamma,
        lower: m.lower,
        upper: m.upper,
        w: m.w,
    })
}

/// A memo of results by key, each computed once per process: a control that re-runs a check with
/// one optimizer broken reuses every other run (same data, same seeds). The slot of a key is
/// filled by the first caller; callers of the same key wait for it. The computations are
/// sequential (no rayon inside), so a rayon thread never re-enters a slot it is filling.
type Slot<T> = Arc<OnceLock<std::result::Result<Arc<T>, String>>>;
type Memo<T> = Mutex<HashMap<String, Slot<T>>>;

fn memo<T>(
    table: &'static OnceLock<Memo<T>>,
    key: String,
    f: impl FnOnce() -> Result<T>,
) -> Result<Arc<T>> {
    let slot = table
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .expect("memo lock")
        .entry(key)
        .or_default()
        .clone();
    slot.get_or_init(|| f().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::failed)
}

/// γ_N of data set `i` (size `size`) of this context, certified, computed once per process.
fn gamma_of(
    ctx: &Ctx,
    i: usize,
    size: DataSize,
    feature_scale: f64,
    data: &Dataset,
    norm: &str,
) -> Result<Arc<Gamma>> {
    static T: OnceLock<Memo<Gamma>> = OnceLock::new();
    let key = format!(
        "{}|{}|{i}|{size:?}|{feature_scale}|{norm}",
        ctx.profile.as_str(),
        ctx.seed
    );
    memo(&T, key, || gamma(data, norm))
}

// =============================================================================================
// P1-a: exact inequalities
// =============================================================================================

/// Which statement of P1-a.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lemma {
    /// ‖A‖_max ≤ N_p(A) ≤ ‖A‖_sum for entry-wise and Schatten p, and for their duals (eq. (7)).
    Ordering,
    /// ‖∇L(W)‖_* ≥ γ_N G(W) (Lemma 1).
    One,
    /// vᵀ(diag(s) − ssᵀ)v ≤ 4(1 − s_c)‖vvᵀ‖_max (Lemma 2).
    Two,
    /// (i) ‖∇L‖_* ≤ 2B G; (ii) 1 ≥ G/L ≥ 1 − nL/2; (iii) L ≤ log2/n or G ≤ 1/(2n) ⇒ L ≤ 2G (Lemma 3).
    Three,
    /// G(W − ψηΔ)/G(W) ≤ e^{2Bηψ‖Δ‖_max} ≤ e^{2Bηψ‖Δ‖} (Lemma 4).
    Four,
    /// L(W) ≤ log 2/n ⇒ W separates the data (Lemma 19).
    Nineteen,
}

impl Lemma {
    fn variant(self) -> &'static str {
        match self {
            Lemma::Ordering => "ordering",
            Lemma::One => "lemma1",
            Lemma::Two => "lemma2",
            Lemma::Three => "lemma3",
            Lemma::Four => "lemma4",
            Lemma::Nineteen => "lemma19",
        }
    }
}

/// The implementation under test of P1-a: the norms and the constants of the lemmas.
pub struct LemmaCheck {
    lemma: Lemma,
    /// The p-norms (entry-wise and Schatten) the lemmas are checked in.
    norms: Vec<String>,
    /// The max-norm ‖·‖_max of eq. (7) (entry-wise max).
    max_norm: Box<dyn Norm>,
    /// The sum-norm ‖·‖_sum of eq. (7).
    sum_norm: Box<dyn Norm>,
    /// ‖∇L‖_* in norm N (the dual norm).
    dual: fn(&dyn Norm, faer::MatRef<'_, f64>) -> f64,
    /// B = max_i ‖h_i‖_1.
    bound: fn(&Multiclass) -> f64,
    /// The constant 4 of Lemma 2.
    lemma2_factor: f64,
    /// The constant 2 of Lemma 4.
    lemma4_factor: f64,
    /// The loss threshold log 2/n of Lemma 19.
    lemma19_threshold: fn(usize) -> f64,
}

impl LemmaCheck {
    /// The check of `lemma` built from the real implementations.
    pub fn new(lemma: Lemma) -> Self {
        Self {
            lemma,
            norms: [
                "entrywise:1",
                "entrywise:1.5",
                "fro",
                "entrywise:3",
                "max",
                "nuclear",
                "schatten:1.5",
                "schatten:3",
                "spectral",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            max_norm: parse_norm("max").expect("max norm"),
            sum_norm: parse_norm("sum").expect("sum norm"),
            dual: |n, g| n.dual_norm(g),
            bound: Multiclass::data_bound_l1,
            lemma2_factor: 4.0,
            lemma4_factor: 2.0,
            lemma19_threshold: |n| std::f64::consts::LN_2 / n as f64,
        }
    }
}

/// Random W of the check: `count` per scale s ∈ {0.01, 0.1, 1, 10}.
fn random_ws(rng: &mut ChaCha8Rng, k: usize, d: usize, count: usize) -> Vec<Mat<f64>> {
    let mut v = Vec::new();
    for s in [0.01, 0.1, 1.0, 10.0] {
        for _ in 0..count {
            v.push(gaussian(rng, k, d, s));
        }
    }
    v
}

/// ‖∇L(W)‖_*/G(W) through the scaled gradient, so that tiny losses do not underflow.
fn dual_over_proxy(
    m: &Multiclass,
    w: faer::MatRef<'_, f64>,
    norm: &dyn Norm,
    dual: fn(&dyn Norm, faer::MatRef<'_, f64>) -> f64,
) -> f64 {
    let (e, sg) = m.evaluate_with_gradient(w);
    dual(norm, sg.direction.as_ref()) * (sg.log_scale - e.log_proxy).exp()
}

impl Check for LemmaCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-a", Some(self.lemma.variant().into()))
    }
    fn claim(&self) -> String {
        match self.lemma {
            Lemma::Ordering => "‖A‖_max ≤ ‖A‖_p, |||A|||_p ≤ ‖A‖_sum for p ∈ {1, 1.5, 2, 3, ∞} and for the dual norms (eq. (7))".into(),
            Lemma::One => "‖∇L(W)‖_* ≥ γ_N·G(W) for entry-wise and Schatten p-norms (Lemma 1)".into(),
            Lemma::Two => "vᵀ(diag(s) − ssᵀ)v ≤ 4(1 − s_c)‖vvᵀ‖_max for s in the simplex, every c (Lemma 2)".into(),
            Lemma::Three => "‖∇L‖_* ≤ 2B·G; 1 ≥ G/L ≥ 1 − nL/2; L ≤ log2/n or G ≤ 1/(2n) ⇒ L ≤ 2G (Lemma 3)".into(),
            Lemma::Four => "G(W − ψηΔ)/G(W) ≤ e^{2Bηψ‖Δ‖_max} ≤ e^{2Bηψ‖Δ‖}, Δ = LMO(∇L(W)) (Lemma 4)".into(),
            Lemma::Nineteen => "L(W) ≤ log 2/n ⇒ min_{i,c≠y_i} (e_{y_i} − e_c)ᵀW h_i > 0 (Lemma 19)".into(),
        }
    }
    fn source(&self) -> String {
        format!("{SOURCE} §3, eq. (7), Lemmas 1–4 and 19; theory/P1-a.md")
    }
    fn control(&self) -> Option<Planted> {
        let (bug, mut c) = planted::lemma(self.lemma);
        c.norms.clone_from(&self.norms);
        Planted::new(bug, c)
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let (k, d, per, sigma) = data_size(ctx.profile);
        json!({
            "data": {"k": k, "d": d, "per_class": per, "sigma": sigma, "seed": data_seed(ctx, 0)},
            "random_w_per_scale": ctx.profile.pick(10, 50),
            "scales": [0.01, 0.1, 1.0, 10.0],
            "norms": self.norms,
            "loss": "ce",
        })
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&self.id());
        let data = dataset(ctx, 0, data_size(ctx.profile))?;
        let m = model(&data)?;
        let (n, k, d) = (m.n(), m.k(), m.d());
        let ws = random_ws(&mut rng, k, d, ctx.profile.pick(10, 50));
        let norms: Vec<Box<dyn Norm>> = self
            .norms
            .iter()
            .map(|s| parse_norm(s))
            .collect::<Result<_>>()?;
        let tol = 1e-10;
        let why = "an exact inequality checked in f64: 1e-10 relative (round-off of the norms and the log-proxy)";
        let mut worst = f64::NEG_INFINITY;
        let mut detail = serde_json::Map::new();
        let mut note = |name: &str, v: f64, worst: &mut f64| {
            let e = detail
                .entry(name.to_string())
                .or_insert(json!(f64::NEG_INFINITY));
            if v > e.as_f64().unwrap_or(f64::NEG_INFINITY) {
                *e = json!(v);
            }
            *worst = worst.max(v);
        };
        match self.lemma {
            Lemma::Ordering => {
                for w in &ws {
                    let lo = self.max_norm.norm(w.as_ref());
                    let hi = self.sum_norm.norm(w.as_ref());
                    let lo_d = self.max_norm.dual_norm(w.as_ref());
                    let hi_d = self.sum_norm.dual_norm(w.as_ref());
                    for nm in &norms {
                        let v = nm.norm(w.as_ref());
                        note(&nm.name(), (lo - v) / v, &mut worst);
                        note(&nm.name(), (v - hi) / hi, &mut worst);
                        let vd = nm.dual_norm(w.as_ref());
                        // duals: ‖·‖_max ≤ ‖·‖_* ≤ ‖·‖_sum as well (the dual of max is sum)
                        note(
                            &format!("dual {}", nm.name()),
                            (hi_d.min(lo) - vd) / vd,
                            &mut worst,
                        );
                        note(
                            &format!("dual {}", nm.name()),
                            (vd - lo_d.max(hi)) / hi,
                            &mut worst,
                        );
                    }
                }
                Ok(Outcome::new(worst, Expectation::at_most(tol, why))
                    .with_details(Value::Object(detail)))
            }
            Lemma::One | Lemma::Three | Lemma::Four => {
                let b = (self.bound)(&m);
                for nm in &norms {
                    let g = if self.lemma == Lemma::One {
                        Some(gamma_of(
                            ctx,
                            0,
                            data_size(ctx.profile),
                            1.0,
                            &data,
                            &self.norms[norms
                                .iter()
                                .position(|x| x.name() == nm.name())
                                .unwrap_or(0)],
                        )?)
                    } else {
                        None
                    };
                    let mut cands: Vec<Mat<f64>> = ws.clone();
                    if let Some(g) = &g {
                        // near-optimal directions make Lemma 1 tight
                        for s in [1.0, 10.0, 100.0] {
                            cands.push(Mat::from_fn(k, d, |i, j| s * g.w[(i, j)]));
                        }
                    }
                    for w in &cands {
                        match self.lemma {
                            Lemma::One => {
                                let g = g.as_ref().expect("γ for Lemma 1");
                                let r = dual_over_proxy(&m, w.as_ref(), nm.as_ref(), self.dual);
                                // certified: γ ≤ upper; relative slack of the bracket width
                                let slack = (g.upper - g.lower) / g.upper;
                                note(&nm.name(), (g.upper - r) / g.upper - slack, &mut worst);
                            }
                            Lemma::Three => {
                                let r = dual_over_proxy(&m, w.as_ref(), nm.as_ref(), self.dual);
                                note(
                                    &format!("(i) {}", nm.name()),
                                    (r - 2.0 * b) / (2.0 * b),
                                    &mut worst,
                                );
                            }
                            _ => {
                                let (e, sg) = m.evaluate_with_gradient(w.as_ref());
                                let delta = nm.dualize(sg.direction.as_ref());
                                let dmax = self.max_norm.norm(delta.as_ref());
                                let dn = nm.norm(delta.as_ref());
                                // the proof uses only ‖Δ‖, so −Δ (an ascent step) must obey it too
                                for (sgn, eta, psi) in [1.0, -1.0].into_iter().flat_map(|sg| {
                                    [0.01, 0.1, 1.0].into_iter().flat_map(move |e| {
                                        [0.0, 0.5, 1.0].into_iter().map(move |p| (sg, e, p))
                                    })
                                }) {
                                    {
                                        let w2 = Mat::from_fn(k, d, |i, j| {
                                            w[(i, j)] - sgn * psi * eta * delta[(i, j)]
                                        });
                                        let lhs = m.evaluate(w2.as_ref()).log_proxy - e.log_proxy;
                                        let mid = self.lemma4_factor * b * eta * psi * dmax;
                                        let rhs = self.lemma4_factor * b * eta * psi * dn;
                                        let scale = 1.0 + mid.abs() + lhs.abs();
                                        note(&nm.name(), (lhs - mid) / scale, &mut worst);
                                        note(
                                            &format!("max≤{}", nm.name()),
                                            (mid - rhs) / scale,
                                            &mut worst,
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
                if self.lemma == Lemma::Three {
                    // (ii) and (iii): norm-free
                    let nf = n as f64;
                    for w in &ws {
                        let e = m.evaluate(w.as_ref());
                        let ratio = (e.log_proxy - e.log_loss).exp();
                        note("(ii) G/L ≤ 1", ratio - 1.0, &mut worst);
                        note(
                            "(ii) G/L ≥ 1 − nL/2",
                            (1.0 - nf * e.loss / 2.0) - ratio,
                            &mut worst,
                        );
                        if e.loss <= std::f64::consts::LN_2 / nf || e.proxy <= 1.0 / (2.0 * nf) {
                            note(
                                "(iii) L ≤ 2G",
                                (e.log_loss - (2.0f64).ln() - e.log_proxy).exp() - 1.0,
                                &mut worst,
                            );
                        }
                    }
                }
                Ok(Outcome::new(worst, Expectation::at_most(tol, why))
                    .with_details(Value::Object(detail)))
            }
            Lemma::Two => {
                for kk in [2usize, 3, 5, 10] {
                    for _ in 0..ctx.profile.pick(200, 2000) {
                        let e: Vec<f64> = (0..kk)
                            .map(|_| -rng.random::<f64>().max(1e-300).ln())
                            .collect();
                        let tot: f64 = e.iter().sum();
                        let s: Vec<f64> = e.iter().map(|x| x / tot).collect();
                        let v: Vec<f64> =
                            (0..kk).map(|_| StandardNormal.sample(&mut rng)).collect();
                        let mean: f64 = s.iter().zip(&v).map(|(a, b)| a * b).sum();
                        let lhs: f64 =
                            s.iter().zip(&v).map(|(a, b)| a * b * b).sum::<f64>() - mean * mean;
                        let vmax = v.iter().fold(0.0f64, |a, b| a.max(b * b));
                        for &sc in &s {
                            let rhs = self.lemma2_factor * (1.0 - sc) * vmax;
                            note(
                                &format!("k={kk}"),
                                (lhs - rhs) / rhs.max(f64::MIN_POSITIVE),
                                &mut worst,
                            );
                        }
                    }
                }
                Ok(Outcome::new(worst, Expectation::at_most(tol, why))
                    .with_details(Value::Object(detail)))
            }
            Lemma::Nineteen => {
                // iterates of sign descent from 0 cross the threshold, plus random W
                let mut cands = ws.clone();
                let mut opt = parse_optimizer_with_schedule(
                    "sign",
                    Some(Schedule::Power { eta0: 0.1, a: 0.5 }),
                    &[(k, d)],
                )?;
                let spec = FitSpec::new(ctx.profile.pick(300, 1000)).without_loss();
                fit(
                    &m,
                    opt.as_mut(),
                    &spec,
                    &mut AfterStep(|_, w: &[Mat<f64>]| {
                        cands.push(w[0].clone());
                        Ok(())
                    }),
                )?;
                // s·W*_fro pushed so that one pair has margin −δ: not separating, L ≥ log 2/n
                let wstar = gamma_of(ctx, 0, data_size(ctx.profile), 1.0, &data, "fro")?
                    .w
                    .clone();
                let mm = m.pair_margins(wstar.as_ref());
                for i0 in (0..n).step_by((n / 5).max(1)) {
                    let c = (m.labels()[i0] + 1) % k;
                    let a = m.pair_matrix(i0, c);
                    let aa = a.norm_l2().powi(2);
                    for sc in [5.0, 20.0, 100.0] {
                        for delta in [0.01, 0.1] {
                            let f = (sc * mm[(i0, c)] + delta) / aa;
                            cands.push(Mat::from_fn(k, d, |i, j| {
                                sc * wstar[(i, j)] - f * a[(i, j)]
                            }));
                        }
                    }
                }
                let thr = (self.lemma19_threshold)(n);
                let mut below = 0usize;
                let mut violations = 0usize;
                let mut min_margin = f64::INFINITY;
                for w in &cands {
                    let e = m.evaluate(w.as_ref());
                    if e.loss <= thr {
                        below += 1;
                        min_margin = min_margin.min(e.min_margin);
                        if e.min_margin <= 0.0 {
                            violations += 1;
                        }
                    }
                }
                Ok(Outcome::new(
                    violations as f64,
                    Expectation::at_most(0.0, "an implication: no W below the loss threshold may fail to separate"),
                )
                .with_figures(json!({"violations": violations, "smallest_margin_below_threshold": crate::io::num(min_margin)}))
                .with_details(json!({"candidates": cands.len(), "below_threshold": below, "threshold": thr})))
            }
        }
    }
}

// =============================================================================================
// Training studies shared by P1-b, P1-c and P1-d
// =============================================================================================

/// Builds the optimizer of an algorithm from its spec and schedule: the implementation under test
/// ([`from_spec`], the optimizers of [`crate::optim`]) or one of the planted bugs of [`planted`].
pub type Build = fn(&str, Schedule, &[(usize, usize)]) -> Result<Box<dyn Optimizer>>;

/// The implementation under test: `parse_optimizer_with_schedule(spec, schedule, shapes)`.
pub fn from_spec(
    spec: &str,
    schedule: Schedule,
    shapes: &[(usize, usize)],
) -> Result<Box<dyn Optimizer>> {
    parse_optimizer_with_schedule(spec, Some(schedule), shapes)
}

/// An algorithm of Fan et al.'s experiments: optimizer spec, η0 of η_t = η0 t^{−a}, own norm.
#[derive(Clone, Debug)]
pub struct Algorithm {
    /// Short name (record variant).
    pub key: &'static str,
    /// Optimizer spec for [`parse_optimizer_with_schedule`].
    pub spec: &'static str,
    /// η0.
    pub eta0: f64,
    /// The norm whose margin it maximizes (Fan et al. §4).
    pub own: &'static str,
    /// Gradient scaling: shifted for the momentum-free methods (each step scale-invariant),
    /// rescaled for the momentum and Adam methods (one reference scale that their state follows;
    /// the true gradient underflows once the margins pass ~745, which at the paper's size happens
    /// within 10^5 steps and froze Signum's momentum).
    pub scale: GradScale,
    /// EMA momentum β1 (P1-d tracks M_t = β1 M_{t−1} + (1 − β1)∇_t), 0 if none.
    pub beta: f64,
    /// The momentum-free method this one adds momentum to (Signum → SignGD, NMD-GD → NGD, Muon →
    /// Spectral-GD): P1-b asserts that the two runs end at different W_T.
    pub twin: Option<&'static str>,
    /// How the optimizer is built ([`from_spec`], or a planted bug).
    pub build: Build,
    /// The planted bug, if `build` is one (also part of the memo key of its runs).
    pub bug: Option<&'static str>,
}

/// The seven algorithms of P1-b (β1 = 0.9; Adam β2 = 0.99, ε = 0; Muon with the exact
/// polar factor, no Nesterov, no weight decay, no shape scaling).
pub fn algorithms() -> Vec<Algorithm> {
    let a = |key, spec, eta0, own, scale, beta, twin| Algorithm {
        key,
        spec,
        eta0,
        own,
        scale,
        beta,
        twin,
        build: from_spec,
        bug: None,
    };
    vec![
        a("signgd", "sign", 0.1, "max", GradScale::Shifted, 0.0, None),
        a(
            "ngd",
            "nsd:norm=fro",
            0.1,
            "fro",
            GradScale::Shifted,
            0.0,
            None,
        ),
        a(
            "spectral-gd",
            "nsd:norm=spectral",
            0.05,
            "spectral",
            GradScale::Shifted,
            0.0,
            None,
        ),
        a(
            "signum",
            "signum:beta=0.9",
            0.1,
            "max",
            GradScale::Rescaled,
            0.9,
            Some("signgd"),
        ),
        a(
            "nmd-gd",
            "nmd:norm=fro,beta=0.9",
            0.1,
            "fro",
            GradScale::Rescaled,
            0.9,
            Some("ngd"),
        ),
        a(
            "muon",
            "muon:momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none",
            0.05,
            "spectral",
            GradScale::Rescaled,
            0.9,
            Some("spectral-gd"),
        ),
        a(
            "adam",
            "adam:beta1=0.9,beta2=0.99,eps=0",
            0.05,
            "max",
            GradScale::Rescaled,
            0.0,
            None,
        ),
    ]
}

#[cfg(test)]
fn algorithm(key: &str) -> Algorithm {
    algorithms()
        .into_iter()
        .find(|a| a.key == key)
        .expect("a P1-b algorithm")
}

/// The planted bugs of the suite: broken optimizers built from the library's transforms (the same
/// chains as [`crate::optim`]'s recipes with one piece of mathematics wrong), broken constants of
/// the P1-a lemmas, and a broken norm. Each one serves both a record's negative control and the
/// unit tests.
pub mod planted {
    use super::{Algorithm, GradScale, Lemma, LemmaCheck, Schedule};
    use crate::error::Result;
    use crate::norms::{parse_norm, Aggregation, Norm};
    use crate::optim::transform::rescale_buffers;
    use crate::optim::{
        GradientTransformation, Identity, LearningRate, Momentum, Optimizer, Orthogonalize,
        Orthogonalizer, ProductSteepest, Role, Scale, ScaleBySign, StepCtx, Transform,
    };
    use faer::Mat;
    use std::sync::Arc;

    fn boxed<T: Transform + 'static>(
        name: &str,
        t: T,
        schedule: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>>
    where
        T::State: 'static,
    {
        Ok(Box::new(GradientTransformation::new(
            name, t, schedule, shapes,
        )))
    }

    /// The Frobenius LMO g/‖g‖_F per block (NGD's direction).
    fn frobenius_lmo(shapes: &[(usize, usize)]) -> Result<ProductSteepest> {
        let roles: Vec<Role> = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
        let fro: Arc<dyn Norm> = Arc::from(parse_norm("fro")?);
        Ok(ProductSteepest::uniform(
            fro,
            &roles,
            Aggregation::Max,
            false,
        ))
    }

    /// Normalized steepest descent whose LMO is the Frobenius one g/‖g‖_F whatever its norm (SignGD
    /// or Spectral-GD stepping like NGD).
    pub fn frobenius_step(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: g/‖g‖_F step",
            (frobenius_lmo(shapes)?, LearningRate),
            s,
            shapes,
        )
    }

    /// NGD without the normalization: W ← W − η_t ∇L (plain gradient descent).
    pub fn unnormalized(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed("planted: gd", (Identity, LearningRate), s, shapes)
    }

    /// Spectral-GD stepping along sign(∇) (the ℓ∞ LMO) instead of the polar factor.
    pub fn sign_step(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed("planted: sign step", (ScaleBySign, LearningRate), s, shapes)
    }

    /// Signum with the sign of the step flipped: W ← W + η_t sign(M_t) (ascent).
    pub fn signum_ascent(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: signum ascent",
            (Momentum::ema(0.9), ScaleBySign, Scale(-1.0), LearningRate),
            s,
            shapes,
        )
    }

    /// NMD-GD with its momentum dropped (M_t = ∇L(W_t)): NGD.
    pub fn without_momentum(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: nmd without momentum",
            (frobenius_lmo(shapes)?, LearningRate),
            s,
            shapes,
        )
    }

    /// Muon normalized by ‖M_t‖_F (per block) instead of the polar factor of M_t.
    pub fn muon_frobenius(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: muon M/‖M‖_F",
            (Momentum::ema(0.9), frobenius_lmo(shapes)?, LearningRate),
            s,
            shapes,
        )
    }

    /// Muon with the sign of the step flipped: W ← W + η_t polar(M_t) (ascent).
    pub fn muon_ascent(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: muon ascent",
            (
                Momentum::ema(0.9),
                Orthogonalize(Orthogonalizer::Exact),
                Scale(-1.0),
                LearningRate,
            ),
            s,
            shapes,
        )
    }

    /// Adam whose second moment is pooled over the whole block (one scalar v per block, the mean of
    /// the squared entries) instead of kept per coordinate: u = m̂/√v̂ with v̂ a scalar, a
    /// Frobenius-type normalization in place of Adam's ℓ∞ geometry. Bias-corrected, ε = 0.
    #[derive(Clone, Copy, Debug)]
    pub struct PooledAdam {
        /// β1.
        pub beta1: f64,
        /// β2.
        pub beta2: f64,
    }

    impl Transform for PooledAdam {
        type State = (Vec<Mat<f64>>, Vec<Mat<f64>>, usize);
        fn init(&self, params: &[Mat<f64>]) -> Self::State {
            (
                params
                    .iter()
                    .map(|p| Mat::zeros(p.nrows(), p.ncols()))
                    .collect(),
                params.iter().map(|_| Mat::zeros(1, 1)).collect(),
                0,
            )
        }
        fn update(
            &self,
            updates: &mut [Mat<f64>],
            state: &mut Self::State,
            _ctx: &StepCtx<'_>,
        ) -> Result<()> {
            state.2 += 1;
            let t = state.2 as i32;
            let (b1, b2) = (self.beta1, self.beta2);
            for (l, u) in updates.iter_mut().enumerate() {
                let m = &mut state.0[l];
                let mut sq = 0.0;
                for j in 0..u.ncols() {
                    for i in 0..u.nrows() {
                        let g = u[(i, j)];
                        m[(i, j)] = b1 * m[(i, j)] + (1.0 - b1) * g;
                        sq += g * g;
                    }
                }
                let v = &mut state.1[l];
                v[(0, 0)] = b2 * v[(0, 0)] + (1.0 - b2) * sq / (u.nrows() * u.ncols()) as f64;
                let denom = (v[(0, 0)] / (1.0 - b2.powi(t))).sqrt();
                let c = 1.0 / (1.0 - b1.powi(t));
                for j in 0..u.ncols() {
                    for i in 0..u.nrows() {
                        u[(i, j)] = if denom > 0.0 {
                            c * m[(i, j)] / denom
                        } else {
                            0.0
                        };
                    }
                }
            }
            Ok(())
        }
        fn degree(&self, _input: i32) -> Option<i32> {
            Some(0)
        }
        fn rescale_state(&self, state: &mut Self::State, input: i32, log_c: f64) -> Result<()> {
            rescale_buffers(&mut state.0, input, log_c)?;
            rescale_buffers(&mut state.1, 2 * input, log_c)
        }
    }

    /// Adam with the second moment pooled over the block ([`PooledAdam`]).
    pub fn adam_pooled(
        _spec: &str,
        s: Schedule,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        boxed(
            "planted: adam with pooled v",
            (
                PooledAdam {
                    beta1: 0.9,
                    beta2: 0.99,
                },
                LearningRate,
            ),
            s,
            shapes,
        )
    }

    /// The planted variant of P1-b's algorithm `alg` (P1-b and P1-c): its optimizer with one piece of
    /// mathematics wrong.
    pub fn algorithm(alg: &Algorithm) -> Algorithm {
        let (bug, build): (&'static str, super::Build) = match alg.key {
            "signgd" => (
                "SignGD stepping along ∇/‖∇‖_F instead of sign(∇)",
                frobenius_step,
            ),
            "ngd" => (
                "NGD without the normalization (plain GD, W ← W − η_t∇L)",
                unnormalized,
            ),
            "spectral-gd" => (
                "Spectral-GD stepping along sign(∇) instead of polar(∇)",
                sign_step,
            ),
            "signum" => (
                "Signum with a flipped sign (W ← W + η_t sign(M_t))",
                signum_ascent,
            ),
            "nmd-gd" => (
                "NMD-GD with the momentum dropped (M_t = ∇L(W_t))",
                without_momentum,
            ),
            "muon" => (
                "Muon normalized by ‖M_t‖_F instead of the polar factor",
                muon_frobenius,
            ),
            _ => (
                "Adam with the second moment pooled over the block (one scalar v)",
                adam_pooled,
            ),
        };
        Algorithm {
            bug: Some(bug),
            build,
            // plain GD is not scale-invariant: it gets the true gradient
            scale: if alg.key == "ngd" {
                GradScale::True
            } else {
                alg.scale
            },
            ..alg.clone()
        }
    }

    /// The planted variant of a momentum method for P1-d (Lemma 8 holds for every normalized
    /// momentum method, so the bug must change the trajectory's geometry): the step's sign flipped.
    pub fn momentum_algorithm(alg: &Algorithm) -> Algorithm {
        let (bug, build): (&'static str, super::Build) = if alg.key == "muon" {
            (
                "Muon with a flipped sign (W ← W + η_t polar(M_t))",
                muon_ascent,
            )
        } else {
            (
                "Signum with a flipped sign (W ← W + η_t sign(M_t))",
                signum_ascent,
            )
        };
        Algorithm {
            bug: Some(bug),
            build,
            ..alg.clone()
        }
    }

    /// The max row sum ‖A‖_{∞→∞}, mistaken for the entry-wise max ‖A‖_max.
    #[derive(Debug)]
    pub struct RowSum;
    impl Norm for RowSum {
        fn name(&self) -> String {
            "max".into()
        }
        fn norm(&self, x: faer::MatRef<'_, f64>) -> f64 {
            (0..x.nrows())
                .map(|i| (0..x.ncols()).map(|j| x[(i, j)].abs()).sum::<f64>())
                .fold(0.0, f64::max)
        }
        fn dual_norm(&self, g: faer::MatRef<'_, f64>) -> f64 {
            (0..g.nrows())
                .map(|i| (0..g.ncols()).map(|j| g[(i, j)].abs()).fold(0.0, f64::max))
                .sum()
        }
        fn dualize(&self, g: faer::MatRef<'_, f64>) -> Mat<f64> {
            Mat::from_fn(g.nrows(), g.ncols(), |i, j| g[(i, j)].signum())
        }
    }

    /// The P1-a check of `lemma` with its planted bug, and the bug.
    pub fn lemma(lemma: Lemma) -> (&'static str, LemmaCheck) {
        let mut c = LemmaCheck::new(lemma);
        let bug = match lemma {
            Lemma::Ordering => {
                c.max_norm = Box::new(RowSum);
                "‖·‖_max computed as the max row sum ‖·‖_{∞→∞}"
            }
            Lemma::One => {
                c.dual = |n, g| n.norm(g);
                "the primal norm ‖∇L‖ in place of the dual ‖∇L‖_*"
            }
            Lemma::Two => {
                c.lemma2_factor = 1.0;
                "the factor 4 of Lemma 2 dropped"
            }
            Lemma::Three => {
                c.bound = |m| {
                    (0..m.n())
                        .map(|i| {
                            (0..m.d())
                                .map(|j| m.data()[(i, j)].powi(2))
                                .sum::<f64>()
                                .sqrt()
                        })
                        .fold(0.0, f64::max)
                };
                "B = max_i ‖h_i‖_2 instead of max_i ‖h_i‖_1"
            }
            Lemma::Four => {
                c.lemma4_factor = 0.0;
                "the factor 2Bηψ of Lemma 4 dropped (G claimed non-increasing along ±Δ)"
            }
            Lemma::Nineteen => {
                c.lemma19_threshold = |_| std::f64::consts::LN_2;
                "the threshold log 2 instead of log 2/n"
            }
        };
        (bug, c)
    }
}

/// What a study measures and with which implementations (held as data for planted bugs).
#[derive(Clone)]
pub struct StudyConfig {
    /// Distinguishes memoized runs (measurement variants use another label).
    pub label: String,
    /// The gradient implementation.
    pub gradient: GradientFn,
    /// Norm used to measure each own-norm margin and gap, by own-norm name.
    pub measure_norm: fn(&str) -> String,
    /// The norm of the momentum error ‖M_t − ∇_t‖ of P1-d (Lemma 8: sum).
    pub momentum_norm: String,
    /// Whether r_t is divided by G(W_t).
    pub divide_by_proxy: bool,
    /// Size override ((k, d, per class, σ), T, seeds) for fast tests; `None`: the profile's.
    pub size: Option<(DataSize, usize, usize)>,
    /// Features are multiplied by this (1 in the suite; tests use larger values to reach tiny losses fast).
    pub feature_scale: f64,
}

impl Default for StudyConfig {
    fn default() -> Self {
        Self {
            label: "real".into(),
            gradient: Multiclass::evaluate_with_gradient,
            measure_norm: |s| s.to_string(),
            momentum_norm: "sum".into(),
            divide_by_proxy: true,
            size: None,
            feature_scale: 1.0,
        }
    }
}

/// One training run of a study.
pub struct StudyRun {
    key: String,
    seed: usize,
    own: String,
    records: Vec<Snapshot>,
    /// W_T.
    w: Mat<f64>,
    /// (t, r_t/η_t) for t in the P1-d window (momentum methods only).
    momentum_ratio: Vec<(usize, f64)>,
}

/// The runs of a study, with the certified γ per seed and norm.
pub struct Study {
    steps: usize,
    seeds: usize,
    gammas: Vec<HashMap<String, (f64, f64, f64)>>,
    runs: Vec<Arc<StudyRun>>,
}

/// The data of one seed of a study: the model, γ per norm and the max-margin solutions.
struct Problem {
    model: Multiclass,
    gammas: HashMap<String, (f64, f64, f64)>,
    refs: Vec<(String, Mat<f64>)>,
}

fn study_size(p: Profile) -> (usize, usize) {
    // (T, seeds)
    p.pick((50_000, 3), (100_000, 3))
}

const GAP_NORMS: [&str; 3] = ["max", "fro", "spectral"];

fn momentum_window(steps: usize) -> (usize, usize) {
    (steps / 100, steps)
}

fn problem(ctx: &Ctx, cfg: &StudyConfig, s: usize, size: DataSize) -> Result<Arc<Problem>> {
    static T: OnceLock<Memo<Problem>> = OnceLock::new();
    let key = format!(
        "{}|{}|{s}|{size:?}|{}",
        ctx.profile.as_str(),
        ctx.seed,
        cfg.feature_scale
    );
    memo(&T, key, || {
        let data = dataset(ctx, s, size)?;
        let data = if cfg.feature_scale == 1.0 {
            data
        } else {
            let x = data.x();
            let x = Mat::from_fn(x.nrows(), x.ncols(), |i, j| cfg.feature_scale * x[(i, j)]);
            Dataset::new(
                data.classes(),
                x,
                data.y().to_vec(),
                "scaled synthetic data",
            )?
        };
        let model = model(&data)?;
        let mut gammas = HashMap::new();
        let mut refs = Vec::new();
        for nm in GAP_NORMS {
            let g = gamma_of(ctx, s, size, cfg.feature_scale, &data, nm)?;
            gammas.insert(nm.to_string(), (g.gamma, g.lower, g.upper));
            refs.push((nm.to_string(), g.w.clone()));
        }
        Ok(Problem {
            model,
            gammas,
            refs,
        })
    })
}

/// One training run: algorithm `alg` on data set `s`, η_t = η0 t^{−a}, memoized.
fn study_run(
    ctx: &Ctx,
    cfg: &StudyConfig,
    p: &Problem,
    s: usize,
    steps: usize,
    alg: &Algorithm,
    a: f64,
) -> Result<Arc<StudyRun>> {
    static T: OnceLock<Memo<StudyRun>> = OnceLock::new();
    let key = format!(
        "{}|{}|{}|{:?}|{}|{steps}|{a}|{}|{}|{}|{:?}",
        ctx.profile.as_str(),
        ctx.seed,
        cfg.label,
        (cfg.size, cfg.feature_scale),
        s,
        alg.key,
        alg.spec,
        alg.eta0,
        alg.bug
    );
    memo(&T, key, || {
        let m = &p.model;
        let sched = Schedule::Power { eta0: alg.eta0, a };
        let mut opt = (alg.build)(alg.spec, sched, &[m.shape()])?;
        let mut spec = RunSpec::new(steps)
            .record_at(log_spaced(steps, 4))
            .grad_scale(alg.scale)
            .gradient(cfg.gradient);
        for nm in GAP_NORMS {
            let measured = (cfg.measure_norm)(nm);
            spec = spec.norm(parse_norm(&measured)?, Some(p.gammas[nm].0));
        }
        for (n, v) in &p.refs {
            spec = spec.reference(n.clone(), v.clone());
        }
        // P1-d: the EMA M_t of the gradients, kept in the scale of the current gradient.
        let mnorm = parse_norm(&cfg.momentum_norm)?;
        let (w_lo, w_hi) = momentum_window(steps);
        let mut mom = Mat::<f64>::zeros(m.k(), m.d());
        let mut prev_scale = 0.0f64;
        let mut ratio = Vec::new();
        let beta = alg.beta;
        let divide = cfg.divide_by_proxy;
        let traj = run(m, opt.as_mut(), &spec, &mut |v| {
            if beta == 0.0 {
                return Ok(());
            }
            let s = v.log_scale;
            let carry = if v.t == 1 {
                0.0
            } else {
                beta * (prev_scale - s).exp()
            };
            let g = v.direction;
            mom = Mat::from_fn(g.nrows(), g.ncols(), |i, j| {
                carry * mom[(i, j)] + (1.0 - beta) * g[(i, j)]
            });
            prev_scale = s;
            if v.t >= w_lo && v.t <= w_hi {
                let diff = Mat::from_fn(g.nrows(), g.ncols(), |i, j| mom[(i, j)] - g[(i, j)]);
                let r = if divide {
                    mnorm.norm(diff.as_ref()) * (s - v.eval.log_proxy).exp()
                } else {
                    mnorm.norm(diff.as_ref()) * s.exp()
                };
                let eta = alg.eta0 * (v.t as f64).powf(-a);
                ratio.push((v.t, r / eta));
            }
            Ok(())
        })?;
        Ok(StudyRun {
            key: alg.key.to_string(),
            seed: s,
            own: alg.own.to_string(),
            records: traj.records,
            w: traj.w,
            momentum_ratio: ratio,
        })
    })
}

/// The study of P1-b/c/d for this context and configuration: every algorithm of `algs` on every
/// seed (the sweep: one seed), each run memoized ([`study_run`]).
fn study(ctx: &Ctx, cfg: &StudyConfig, algs: &[Algorithm], a: f64, tag: &str) -> Result<Study> {
    let (size, steps, seeds) = cfg.size.unwrap_or_else(|| {
        let (t, s) = study_size(ctx.profile);
        (data_size(ctx.profile), t, s)
    });
    let seeds = if tag == "sweep" { 1 } else { seeds };
    // data and certified γ per seed (Clarabel solves stay serial), then the seeds × algorithms
    // training runs in parallel: each run is deterministic (W_0 = 0, no sampling), results come
    // back in input order, so the study is bit-identical for any thread count.
    let problems: Vec<Arc<Problem>> = (0..seeds)
        .map(|s| problem(ctx, cfg, s, size))
        .collect::<Result<_>>()?;
    let items: Vec<(usize, &Algorithm)> = (0..seeds)
        .flat_map(|s| algs.iter().map(move |alg| (s, alg)))
        .collect();
    let runs = try_par_map(&items, |&(s, alg)| {
        study_run(ctx, cfg, &problems[s], s, steps, alg, a)
    })?;
    Ok(Study {
        steps,
        seeds,
        gammas: problems.iter().map(|p| p.gammas.clone()).collect(),
        runs,
    })
}

fn at_t(records: &[Snapshot], t: usize) -> Option<&Snapshot> {
    records.iter().rfind(|r| r.t <= t)
}

/// The horizons of a limit claim measured on one run's records: the record steps nearest (in
/// log t) to T·10^{−1/2}, T·10^{−1/4} and T.
fn horizons(records: &[Snapshot], steps: usize) -> Vec<usize> {
    [-0.5f64, -0.25, 0.0]
        .iter()
        .map(|e| {
            let target = (steps as f64).ln() + e * std::f64::consts::LN_10;
            records
                .iter()
                .map(|r| r.t)
                .min_by(|x, y| {
                    let dx = ((*x as f64).ln() - target).abs();
                    let dy = ((*y as f64).ln() - target).abs();
                    dx.total_cmp(&dy)
                })
                .unwrap_or(steps)
        })
        .collect()
}

// =============================================================================================
// P1-b: implicit-bias ordering
// =============================================================================================

/// P1-b for one algorithm: at T its own-norm gap is the smallest among the algorithms of other
/// geometries, its highest correlation is with its own V, the own gap shrinks ≥ 3× from T/100 to
/// T, and the own correlation is ≥ 0.95; in every seed. A momentum method also ends at a W_T
/// different from its momentum-free twin's: ‖W_T − W_T^twin‖_F/‖W_T^twin‖_F ≥ 1e-6.
/// Measured: the number of violations.
pub struct BiasCheck {
    alg: Algorithm,
    cfg: StudyConfig,
}

impl BiasCheck {
    /// The check for `alg` with the real implementations.
    pub fn new(alg: Algorithm) -> Self {
        Self {
            alg,
            cfg: StudyConfig::default(),
        }
    }
}

/// The smallest relative distance ‖W_T − W_T^twin‖_F/‖W_T^twin‖_F that counts as a different run:
/// 10^6 times the round-off that separates two runs of the same mathematics (shifted and
/// rescaled gradients, ≈ T·ε·… ≤ 1e-11 at T = 10^5), far below what β1 = 0.9 changes.
const TWIN_MIN_DISTANCE: f64 = 1e-6;

fn study_params(ctx: &Ctx, a: f64) -> Value {
    let (k, d, per, sigma) = data_size(ctx.profile);
    let (steps, seeds) = study_size(ctx.profile);
    json!({
        "data": {"k": k, "d": d, "per_class": per, "sigma": sigma,
                 "seeds": (0..seeds).map(|i| data_seed(ctx, i)).collect::<Vec<_>>()},
        "steps": steps,
        "schedule": format!("eta0 * t^-{a}"),
        "w0": "0",
        "algorithms": algorithms().iter().map(|x| json!({"key": x.key, "spec": x.spec, "eta0": x.eta0, "own": x.own, "grad_scale": x.scale.name()})).collect::<Vec<_>>(),
        "gamma": "certified max-margin (crate::margin, Clarabel) per seed for max, fro, spectral",
    })
}

/// `algorithms()` with the one of the same key replaced by `alg` (a planted variant).
fn with_algorithm(alg: &Algorithm) -> Vec<Algorithm> {
    algorithms()
        .into_iter()
        .map(|a| if a.key == alg.key { alg.clone() } else { a })
        .collect()
}

impl Check for BiasCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-b", Some(self.alg.key.into()))
    }
    fn claim(&self) -> String {
        format!(
            "{} converges in direction to the {}-norm max-margin classifier: smallest {} gap and highest correlation with V_{} among the algorithms (Thms 1–2, Figs. 1–2)",
            self.alg.key, self.alg.own, self.alg.own, self.alg.own
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thms 1–2, App. G, §5 Figs. 1–2; theory/P1-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let mut p = study_params(ctx, 0.5);
        p["algorithm"] = json!(self.alg.spec);
        if let Some(t) = self.alg.twin {
            p["twin"] = json!(t);
            p["twin_min_relative_distance"] = json!(TWIN_MIN_DISTANCE);
        }
        p
    }
    fn control(&self) -> Option<Planted> {
        let alg = planted::algorithm(&self.alg);
        Planted::new(
            alg.bug.unwrap_or("planted"),
            BiasCheck {
                alg,
                cfg: self.cfg.clone(),
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let st = study(ctx, &self.cfg, &with_algorithm(&self.alg), 0.5, "main")?;
        let own = self.alg.own;
        let t0 = st.steps / 100;
        let mut violations = 0usize;
        let mut per_seed = Vec::new();
        let mut fig = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut twin_distances = Vec::new();
        for s in 0..st.seeds {
            let find = |key: &str| {
                st.runs
                    .iter()
                    .find(|r| r.key == key && r.seed == s)
                    .ok_or_else(|| Error::failed(format!("no run of {key} in seed {s}")))
            };
            let mine = find(self.alg.key)?;
            let last = mine.records.last().expect("records");
            let measured = (self.cfg.measure_norm)(own);
            let canon = parse_norm(&measured)?.name();
            let my_gap = last.gap(&canon).unwrap_or(f64::NAN);
            let others: Vec<(String, f64)> = st
                .runs
                .iter()
                .filter(|r| r.seed == s && r.own != own)
                .map(|r| {
                    (
                        r.key.clone(),
                        r.records
                            .last()
                            .and_then(|x| x.gap(&canon))
                            .unwrap_or(f64::NAN),
                    )
                })
                .collect();
            let best_other = others.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
            let gap_ok = my_gap < best_other;
            let corrs: Vec<(String, f64)> = GAP_NORMS
                .iter()
                .map(|n| (n.to_string(), last.correlation(n).unwrap_or(f64::NAN)))
                .collect();
            let my_corr = last.correlation(own).unwrap_or(f64::NAN);
            let other_corr = corrs
                .iter()
                .filter(|(n, _)| n != own)
                .map(|x| x.1)
                .fold(f64::NEG_INFINITY, f64::max);
            let corr_ok = corrs.iter().all(|(n, c)| n == own || *c < my_corr);
            let early = at_t(&mine.records, t0)
                .and_then(|r| r.gap(&canon))
                .unwrap_or(f64::NAN);
            let shrink = early / my_gap;
            let shrink_ok = shrink >= 3.0;
            let corr95 = my_corr >= 0.95;
            // a momentum method must not be its momentum-free twin
            let twin = match self.alg.twin {
                Some(tk) => {
                    let tw = find(tk)?;
                    let diff = (&mine.w - &tw.w).norm_l2() / tw.w.norm_l2();
                    Some(diff)
                }
                None => None,
            };
            let twin_ok = twin.is_none_or(|d| d >= TWIN_MIN_DISTANCE);
            if let Some(d) = twin {
                twin_distances.push(d);
            }
            violations += [gap_ok, corr_ok, shrink_ok, corr95, twin_ok]
                .iter()
                .filter(|x| !**x)
                .count();
            fig.0.push(my_gap);
            fig.1.push(best_other);
            fig.2.push(my_corr);
            fig.3.push(other_corr);
            fig.4.push(shrink);
            per_seed.push(json!({
                "seed": s,
                "gamma": st.gammas[s][own].0,
                "own_gap": my_gap,
                "other_gaps": others.iter().map(|(k, g)| json!({k.clone(): g})).collect::<Vec<_>>(),
                "correlations": corrs.iter().map(|(k, c)| json!({k.clone(): c})).collect::<Vec<_>>(),
                // Fig. 2: ⟨W_t, V_N⟩/(‖W_t‖_F‖V_N‖_F) at the log-spaced record steps
                "t": mine.records.iter().map(|r| r.t).collect::<Vec<_>>(),
                "correlation_curves": GAP_NORMS.iter().map(|n| {
                    let c: Vec<Value> = mine.records.iter()
                        .map(|r| crate::io::num(r.correlation(n).unwrap_or(f64::NAN)))
                        .collect();
                    (n.to_string(), Value::Array(c))
                }).collect::<serde_json::Map<String, Value>>(),
                "gap_at_T_over_100": early,
                "shrink_factor": shrink,
                "twin_relative_distance": twin,
                "smallest_gap": gap_ok, "highest_correlation_own": corr_ok,
                "shrink_ge_3": shrink_ok, "own_correlation_ge_0_95": corr95,
                "differs_from_twin": twin_ok,
            }));
        }
        let mut figures = json!({
            "violations": violations,
            "own_gap": fig.0, "best_other_gap": fig.1,
            "own_correlation": fig.2, "best_other_correlation": fig.3,
            "shrink_factor": fig.4,
        });
        if let Some(t) = self.alg.twin {
            figures["twin"] = json!(t);
            figures["twin_relative_distance"] = json!(twin_distances);
        }
        Ok(Outcome::new(
            violations as f64,
            Expectation::at_most(
                0.0,
                "every condition in every seed: smallest own gap, highest own correlation, gap shrinks ≥ 3× from T/100 to T (Thms 1–2: the gap → 0), own correlation ≥ 0.95 (our threshold), and a momentum method ≥ 1e-6 (relative) away from its momentum-free twin at T (round-off is ≤ 1e-11)",
            ),
        )
        .with_figures(figures)
        .with_details(json!({ "seeds": per_seed })))
    }
}

// =============================================================================================
// P1-c: rate exponents
// =============================================================================================

/// P1-c for one NSD algorithm at a = 1/2: the least-squares slope of log gap_own against log t
/// on the fit window ([T/100, T] paper, [T/10, T] quick: see `fit_window`) is ≤ −0.35, and
/// gap·√t/(log t + 1) grows by at most 2× over the window.
/// Measured: the worst slope over seeds (the growth condition turns a failing seed's slope to +∞),
/// at three horizons (the windows ending at T·10^{−1/2}, T·10^{−1/4}, T) for the label
/// `not-reached`.
pub struct RateCheck {
    alg: Algorithm,
    cfg: StudyConfig,
}

impl RateCheck {
    /// The check for `alg`.
    pub fn new(alg: Algorithm) -> Self {
        Self {
            alg,
            cfg: StudyConfig::default(),
        }
    }
}

/// The P1-c fit window for a run whose last horizon is `steps`. Paper profile: [T/100, T] =
/// [10^3, 10^5], the window of the paper's figures. Quick profile (T = 5·10^4): the last decade
/// [T/10, T]. The quick data (k = 5, d = 10, n = 50) are pre-asymptotic before t ≈ 5·10^3: for
/// Spectral-GD (seed 0) the local slope of log gap is −0.21 at t ≈ 750, −0.31 at 4·10^3, −0.45 at
/// 4·10^4 and −0.51 at 8·10^4, so a fit from T/100 mixes in the transient (−0.296 on
/// [562, 5·10^4]; −0.339 on [10^3, 10^5] even at T = 10^5, which the quick time budget cannot afford
/// for all seven algorithms).
fn fit_window(p: Profile, steps: usize) -> (usize, usize) {
    p.pick((steps / 10, steps), (steps / 100, steps))
}

fn own_gap_series(run: &StudyRun, canon: &str, lo: usize, hi: usize) -> (Vec<f64>, Vec<f64>) {
    run.records
        .iter()
        .filter(|r| r.t >= lo && r.t <= hi)
        .filter_map(|r| r.gap(canon).map(|g| (r.t as f64, g)))
        .unzip()
}

/// The P1-c slope of one run on the window ending at `end`, and gap·√t/(log t+1)'s growth there.
fn rate_fit(run: &StudyRun, canon: &str, p: Profile, end: usize) -> (f64, f64, Vec<f64>, Vec<f64>) {
    let (lo, hi) = fit_window(p, end);
    let (t, g) = own_gap_series(run, canon, lo, hi);
    let slope = loglog_slope(&t, &g);
    let scaled: Vec<f64> = t
        .iter()
        .zip(&g)
        .map(|(t, g)| g * t.sqrt() / (t.ln() + 1.0))
        .collect();
    let growth = scaled.last().copied().unwrap_or(f64::NAN)
        / scaled.iter().copied().fold(f64::INFINITY, f64::min);
    (slope, growth, t, g)
}

impl Check for RateCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-c", Some(self.alg.key.into()))
    }
    fn claim(&self) -> String {
        format!(
            "{}: γ − margin_{}(W_t) = O((log t + n)/√t) for η_t = η0/√t: fitted log–log slope ≤ −0.35 on the fit window (Thms 1–2)",
            self.alg.key, self.alg.own
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thms 1–2, Table 1; theory/P1-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let mut p = study_params(ctx, 0.5);
        p["algorithm"] = json!(self.alg.spec);
        p["fit_window"] = json!(if ctx.profile == Profile::Quick {
            "[T/10, T] (the quick data are pre-asymptotic before t ≈ T/10), 4 points per decade"
        } else {
            "[T/100, T], 4 points per decade"
        });
        p["horizons"] =
            json!("the windows ending at the record steps nearest to T·10^-1/2, T·10^-1/4, T");
        p
    }
    fn control(&self) -> Option<Planted> {
        let alg = planted::algorithm(&self.alg);
        Planted::new(
            alg.bug.unwrap_or("planted"),
            RateCheck {
                alg,
                cfg: self.cfg.clone(),
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let st = study(ctx, &self.cfg, std::slice::from_ref(&self.alg), 0.5, "main")?;
        let canon = parse_norm(&(self.cfg.measure_norm)(self.alg.own))?.name();
        let ends = horizons(&st.runs[0].records, st.steps);
        let mut worst = vec![f64::NEG_INFINITY; ends.len()];
        let mut per_seed = Vec::new();
        let mut slopes = Vec::new();
        let mut growths = Vec::new();
        for run in st.runs.iter().filter(|r| r.key == self.alg.key) {
            let mut row = Vec::new();
            for (h, &end) in ends.iter().enumerate() {
                let (slope, growth, t, g) = rate_fit(run, &canon, ctx.profile, end);
                let s = if growth <= 2.0 { slope } else { f64::INFINITY };
                worst[h] = worst[h].max(if s.is_nan() { f64::INFINITY } else { s });
                if end == st.steps {
                    slopes.push(slope);
                    growths.push(growth);
                    per_seed.push(json!({"seed": run.seed, "slope": slope, "t": t, "gap": g, "scaled_growth": growth}));
                }
                row.push(json!({"end": end, "slope": slope, "scaled_growth": growth}));
            }
            per_seed
                .last_mut()
                .expect("a row per seed")
                .as_object_mut()
                .expect("object")
                .insert("at_horizons".into(), Value::Array(row));
        }
        let measured = *worst.last().expect("three horizons");
        Ok(Outcome::new(
            measured,
            Expectation::at_most(-0.35, "the theorem is an upper bound O((log t + n)/√t), so faster decay is allowed: a fitted slope ≤ −0.35 (−1/2 less 0.15 for the log factor and the fit) and gap·√t/(log t+1) growing ≤ 2× on the window"),
        )
        .with_figures(json!({"slope": slopes, "scaled_growth": growths, "bound": -0.35}))
        .with_horizons(ends.iter().map(|&t| t as f64).collect(), worst)
        .with_details(json!({"seeds": per_seed})))
    }
}

/// P1-c a-sweep: SignGD and NGD with η_t = 0.1·t^{−a}, a ∈ {0.25, 0.5, 0.75, 1}. The rate table
/// derived from Fan et al.'s Lemma 5 — O(t^{−a}), O((log t + n)/√t), O(n/t^{1−a}), O(n/log t) — is
/// an *upper bound* on the gap, so faster decay is allowed; the check asks that every fitted slope
/// reach at least half of the bound's exponent: slope/predicted ≥ 1/2, predicted = −a, −1/2,
/// −(1−a), and at a = 1 the local slope −1/ln t_mid of 1/log t at the window's geometric middle.
/// Measured: min over (a, algorithm) of slope/predicted, at three horizons (windows ending at
/// T·10^{−1/2}, T·10^{−1/4}, T) for the label `not-reached`.
pub struct SweepCheck {
    cfg: StudyConfig,
    /// The two algorithms (SignGD and NGD at η0 = 0.1; a control plants a bug in one).
    algs: Vec<Algorithm>,
}

impl SweepCheck {
    /// The sweep with the real optimizers.
    pub fn new() -> Self {
        Self {
            cfg: StudyConfig::default(),
            algs: sweep_algorithms(),
        }
    }
}

impl Default for SweepCheck {
    fn default() -> Self {
        Self::new()
    }
}

fn sweep_algorithms() -> Vec<Algorithm> {
    algorithms()
        .into_iter()
        .filter(|a| a.key == "signgd" || a.key == "ngd")
        .map(|mut a| {
            a.eta0 = 0.1;
            a
        })
        .collect()
}

/// The exponent of the derived bound for η_t = η0 t^{−a} on the window [lo, hi].
fn predicted_slope(a: f64, lo: usize, hi: usize) -> f64 {
    if a < 0.5 {
        -a
    } else if a == 0.5 {
        -0.5
    } else if a < 1.0 {
        -(1.0 - a)
    } else {
        -1.0 / ((lo as f64) * (hi as f64)).sqrt().ln()
    }
}

const SWEEP_A: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
/// The fraction of the bound's exponent a fitted slope must reach.
const SWEEP_MIN_FRACTION: f64 = 0.5;

impl Check for SweepCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-c", Some("a-sweep".into()))
    }
    fn claim(&self) -> String {
        "for η_t = 0.1·t^{−a}, the margin gap of SignGD and NGD decays at least half as fast (in log–log slope) as the derived upper bound t^{−a}, t^{−1/2}, t^{−(1−a)}, 1/log t for a = 1/4, 1/2, 3/4, 1: slope/predicted ≥ 1/2".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thm 1, Lemma 5 (general-a rates derived from them); theory/P1-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let mut p = study_params(ctx, 0.5);
        p["a"] = json!(SWEEP_A);
        p["algorithms"] = json!(self.algs.iter().map(|a| a.spec).collect::<Vec<_>>());
        p["seeds"] = json!(1);
        p["schedule"] = json!("0.1 * t^-a");
        p["fit_window"] = json!(if ctx.profile == Profile::Quick {
            "[T/10, T], 4 points per decade"
        } else {
            "[T/100, T], 4 points per decade"
        });
        p["criterion"] = json!(
            "slope/predicted ≥ 1/2 for every (a, algorithm); predicted at a = 1: −1/ln(√(lo·hi))"
        );
        p["horizons"] =
            json!("the windows ending at the record steps nearest to T·10^-1/2, T·10^-1/4, T");
        p
    }
    fn control(&self) -> Option<Planted> {
        let algs: Vec<Algorithm> = self
            .algs
            .iter()
            .map(|a| {
                if a.key == "signgd" {
                    planted::algorithm(a)
                } else {
                    a.clone()
                }
            })
            .collect();
        Planted::new(
            "SignGD stepping along ∇/‖∇‖_F instead of sign(∇)",
            SweepCheck {
                cfg: self.cfg.clone(),
                algs,
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut two_sided: f64 = 0.0;
        let mut best_a: HashMap<String, (f64, f64)> = HashMap::new();
        let mut rows = Vec::new();
        let mut worst: Vec<f64> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        let mut fig = serde_json::Map::new();
        for a in SWEEP_A {
            let st = study(ctx, &self.cfg, &self.algs, a, "sweep")?;
            if ends.is_empty() {
                ends = horizons(&st.runs[0].records, st.steps);
                worst = vec![f64::INFINITY; ends.len()];
            }
            for run in &st.runs {
                let canon = parse_norm(&(self.cfg.measure_norm)(&run.own))?.name();
                for (h, &end) in ends.iter().enumerate() {
                    let (lo, hi) = fit_window(ctx.profile, end);
                    let (t, g) = own_gap_series(run, &canon, lo, hi);
                    let slope = loglog_slope(&t, &g);
                    let predicted = predicted_slope(a, lo, hi);
                    let fraction = slope / predicted;
                    worst[h] = worst[h].min(if fraction.is_nan() {
                        f64::NEG_INFINITY
                    } else {
                        fraction
                    });
                    if end != st.steps {
                        continue;
                    }
                    two_sided = two_sided.max((slope - predicted).abs());
                    let last = g.last().copied().unwrap_or(f64::NAN);
                    let e = best_a.entry(run.key.clone()).or_insert((a, last));
                    if last < e.1 {
                        *e = (a, last);
                    }
                    fig.insert(
                        format!("{} a={a}", run.key),
                        json!({"slope": slope, "predicted": predicted, "fraction": fraction}),
                    );
                    rows.push(json!({"a": a, "algorithm": run.key, "slope": slope, "predicted": predicted, "fraction_of_predicted": fraction, "slope_minus_predicted": slope - predicted, "gap_at_T": last}));
                }
            }
        }
        let mut smallest: Vec<(String, f64)> =
            best_a.into_iter().map(|(k, (a, _))| (k, a)).collect();
        smallest.sort_by(|x, y| x.0.cmp(&y.0));
        let half_smallest = smallest.iter().all(|x| x.1 == 0.5);
        let measured = *worst.last().unwrap_or(&f64::NAN);
        Ok(Outcome::new(
            measured,
            Expectation::at_least(SWEEP_MIN_FRACTION, "the table is a derived upper bound on the gap, so faster decay is allowed; a fitted slope must reach half the bound's exponent (at a = 1 the local slope −1/ln t of 1/log t, ≈ −0.1), so a flat or growing gap fails at every a"),
        )
        .with_figures(Value::Object(fig))
        .with_horizons(ends.iter().map(|&t| t as f64).collect(), worst)
        .with_details(json!({
            "fits": rows,
            "two_sided_max_deviation": two_sided,
            "a_with_smallest_gap_at_T": smallest.iter().map(|(k, a)| json!({k.clone(): a})).collect::<Vec<_>>(),
            "a_half_gives_smallest_gap": half_smallest,
        })))
    }
}

// =============================================================================================
// P1-d: momentum error
// =============================================================================================

/// P1-d: for Muon and Signum, r_t = ‖M_t − ∇L(W_t)‖_sum / G(W_t) satisfies r_t/η_t bounded on
/// [T/100, T]: max/median ≤ 10 (Lemma 8). Measured: the worst max/median over seeds.
pub struct MomentumCheck {
    alg: Algorithm,
    cfg: StudyConfig,
}

impl MomentumCheck {
    /// The check for `alg` (a momentum method).
    pub fn new(alg: Algorithm) -> Self {
        Self {
            alg,
            cfg: StudyConfig::default(),
        }
    }
}

impl Check for MomentumCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-d", Some(self.alg.key.into()))
    }
    fn claim(&self) -> String {
        format!(
            "{}: ‖M_t − ∇L(W_t)‖_sum ≤ (2Bβ1^{{t/2}} + 2α_M d η_t)·G(W_t), so r_t/η_t stays bounded after the transient (Lemma 8)",
            self.alg.key
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} §3, Lemmas 6–8; theory/P1-d.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let mut p = study_params(ctx, 0.5);
        p["algorithm"] = json!(self.alg.spec);
        p["window"] = json!("[T/100, T], every step");
        p["momentum"] = json!("M_t = β1 M_{t−1} + (1−β1)∇L(W_{t−1}), M_0 = 0, β1 = 0.9");
        p
    }
    fn control(&self) -> Option<Planted> {
        let alg = planted::momentum_algorithm(&self.alg);
        Planted::new(
            alg.bug.unwrap_or("planted"),
            MomentumCheck {
                alg,
                cfg: self.cfg.clone(),
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let st = study(ctx, &self.cfg, std::slice::from_ref(&self.alg), 0.5, "main")?;
        let mut worst: f64 = 0.0;
        let mut rows = Vec::new();
        let mut fig = (Vec::new(), Vec::new(), Vec::new());
        for run in st.runs.iter().filter(|r| r.key == self.alg.key) {
            let v: Vec<f64> = run.momentum_ratio.iter().map(|x| x.1).collect();
            if v.is_empty() {
                return Err(Error::failed(format!(
                    "{}: no momentum error recorded; is it a momentum method?",
                    run.key
                )));
            }
            let mx = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let med = median(&v);
            let ratio = mx / med;
            worst = worst.max(if ratio.is_nan() { f64::INFINITY } else { ratio });
            fig.0.push(crate::io::num(ratio));
            fig.1.push(crate::io::num(mx));
            fig.2.push(crate::io::num(med));
            rows.push(json!({"seed": run.seed, "max": mx, "median": med, "max_over_median": ratio, "first": v.first(), "last": v.last()}));
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                10.0,
                "r_t/η_t bounded (Lemma 8): max/median ≤ 10 over [T/100, T], every step",
            ),
        )
        .with_figures(json!({"max_over_median": fig.0, "max": fig.1, "median": fig.2}))
        .with_details(json!({ "seeds": rows })))
    }
}

// =============================================================================================
// P1-e: two-layer sigmoid network
// =============================================================================================

/// A method of P1-e: name, optimizer spec, spectral family or not, and how it is built.
#[derive(Clone, Debug)]
pub struct NetMethod {
    /// Short name.
    pub key: &'static str,
    /// Optimizer spec.
    pub spec: &'static str,
    /// Whether it belongs to the spectral family the claim says wins (Spectral-GD, Muon).
    pub spectral: bool,
    /// How the optimizer is built ([`from_spec`], or a planted bug).
    pub build: Build,
    /// The planted bug, if any (part of the memo key of its runs).
    pub bug: Option<&'static str>,
}

/// P1-e in one setting: (a) train V only or (b) train V and W of logits W σ(V h); at T the spectral
/// margin of Spectral-GD and Muon exceeds that of SignGD, NGD, Signum and NMD-GD, and is positive
/// by more than one step at η_T could change it, in ≥ 2 of 3 seeds.
/// Spectral margin: min_{i,c≠y_i}(e_{y_i} − e_c)ᵀWσ(Vh_i) / |||V|||_2 (a) or
/// / max(|||V|||_2, |||W|||_2) (b), |||·|||_2 the largest singular value. Step sizes: η_t = η0/√t, each
/// method scored at its best η0 ∈ {0.03, 0.1, 0.3, 1} per seed (the paper gives none for the network;
/// the same η0 would give SignGD steps of spectral norm up to √(md)·η0 against η0 for Spectral-GD).
/// Measured: the number of seeds where the spectral family wins.
pub struct NetCheck {
    joint: bool,
    /// The methods.
    algs: Vec<NetMethod>,
    /// The η0 grid of the schedule η_t = η0/√t; each method is scored at its best η0 (per seed).
    eta_grid: Vec<f64>,
    /// The norm of the margin (spectral).
    margin_norm: String,
    /// Size override (k, d, per class, σ, hidden, T) for fast tests.
    size: Option<(usize, usize, usize, f64, usize, usize)>,
}

impl NetCheck {
    /// Setting (b) if `joint`, else (a).
    pub fn new(joint: bool) -> Self {
        let m = |key, spec, spectral| NetMethod {
            key,
            spec,
            spectral,
            build: from_spec,
            bug: None,
        };
        Self {
            joint,
            algs: vec![
                m("spectral-gd", "nsd:norm=spectral", true),
                m(
                    "muon",
                    "muon:momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none",
                    true,
                ),
                m("signgd", "sign", false),
                m("ngd", "nsd:norm=fro", false),
                m("signum", "signum:beta=0.9", false),
                m("nmd-gd", "nmd:norm=fro,beta=0.9", false),
            ],
            eta_grid: vec![0.03, 0.1, 0.3, 1.0],
            margin_norm: "spectral".into(),
            size: None,
        }
    }
}

fn net_size(p: Profile) -> (usize, usize, usize, f64, usize, usize) {
    // (k, d, per class, σ, hidden, T)
    p.pick(
        (10, 20, 10, 0.5, 20, 1000),
        (10, 100, 100, 0.5, 100, 10_000),
    )
}

/// The most one step of spectral norm η (per block) can change the normalized spectral margin:
/// |Δ(e_y − e_c)ᵀWσ(Vh)| ≤ √2(|||ΔW|||_2‖σ(Vh)‖_2 + |||W|||_2·¼|||ΔV|||_2‖h‖_2) (σ is ¼-Lipschitz,
/// ‖σ‖_2 ≤ √m), divided by the margin's denominator. A margin below it is not bounded away from 0:
/// the next step could flip its sign.
fn one_step_margin_change(
    joint: bool,
    eta: f64,
    hidden: usize,
    h_max: f64,
    norm_v: f64,
    norm_w: f64,
) -> f64 {
    let s2 = std::f64::consts::SQRT_2;
    if joint {
        s2 * eta * ((hidden as f64).sqrt() + norm_w * h_max / 4.0) / norm_v.max(norm_w)
    } else {
        s2 * eta * norm_w * h_max / (4.0 * norm_v)
    }
}

/// One P1-e run (method `ai` at η0 on seed `s`), memoized: (normalized margin, its row).
#[allow(clippy::too_many_arguments)]
fn net_run(
    check: &NetCheck,
    ctx: &Ctx,
    s: usize,
    net: &SigmoidNet,
    v0: &Mat<f64>,
    w0: &Mat<f64>,
    ai: usize,
    eta0: f64,
) -> Result<Arc<(f64, Value)>> {
    static T: OnceLock<Memo<(f64, Value)>> = OnceLock::new();
    let (_, d, _, _, hidden, steps) = check.size.unwrap_or_else(|| net_size(ctx.profile));
    let alg = &check.algs[ai];
    let key = format!(
        "{}|{}|{}|{:?}|{s}|{}|{}|{:?}|{eta0}|{}",
        ctx.profile.as_str(),
        ctx.seed,
        check.joint,
        check.size,
        alg.key,
        alg.spec,
        alg.bug,
        check.margin_norm
    );
    memo(&T, key, || {
        let k = w0.nrows();
        let blocks: Vec<(usize, usize)> = if check.joint {
            vec![(hidden, d), (k, hidden)]
        } else {
            vec![(hidden, d)]
        };
        let mut opt = (alg.build)(alg.spec, Schedule::Power { eta0, a: 0.5 }, &blocks)?;
        let training = SigmoidTraining {
            net,
            v_shape: (hidden, d),
            fixed_w: (!check.joint).then_some(w0),
        };
        let init = if check.joint {
            vec![v0.clone(), w0.clone()]
        } else {
            vec![v0.clone()]
        };
        let spec = FitSpec::new(steps).without_loss().init(init);
        let params = fit(&training, opt.as_mut(), &spec, &mut ())
            .map_err(|e| Error::failed(format!("P1-e {}: {e}", alg.key)))?
            .params;
        let w_final = if check.joint {
            params[1].clone()
        } else {
            w0.clone()
        };
        let m = net.min_margin(params[0].as_ref(), w_final.as_ref());
        let spec_norm = parse_norm(&check.margin_norm)?;
        let (nv, nw) = (
            spec_norm.norm(params[0].as_ref()),
            spec_norm.norm(w_final.as_ref()),
        );
        let denom = if check.joint { nv.max(nw) } else { nv };
        let normalized = if m.is_nan() {
            f64::NEG_INFINITY
        } else {
            m / denom
        };
        Ok((
            normalized,
            json!({"key": alg.key, "eta0": eta0, "margin": m, "spectral_margin": m / denom,
                   "norm_v": nv, "norm_w": nw}),
        ))
    })
}

impl Check for NetCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P1-e",
            Some(if self.joint { "joint" } else { "first-layer" }.into()),
        )
    }
    fn claim(&self) -> String {
        if self.joint {
            "two-layer sigmoid net, V and W trained: Spectral-GD and Muon reach the largest min margin/max(|||V|||_2, |||W|||_2), a positive one (Fig. 3b)".into()
        } else {
            "two-layer sigmoid net, V trained (W fixed): Spectral-GD and Muon reach the largest min margin/|||V|||_2, a positive one (Fig. 3a)".into()
        }
    }
    fn source(&self) -> String {
        format!(
            "{SOURCE} §5 (two-layer network on MNIST; synthetic data here), Fig. 3; theory/P1-e.md"
        )
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let (k, d, per, sigma, hidden, steps) = self.size.unwrap_or_else(|| net_size(ctx.profile));
        json!({"k": k, "d": d, "per_class": per, "sigma": sigma, "hidden": hidden, "steps": steps,
               "seeds": 3, "schedule": "eta0 * t^-1/2",
               "eta0_grid": self.eta_grid,
               "protocol": "per method and seed, the spectral margin at T is taken at the best eta0 of the grid (each method at its best step size; the paper gives no step sizes for the network)",
               "win": "both spectral methods above every other method's best margin, and above the floor: the most one step at eta_T = eta0/sqrt(T) (spectral norm eta_T per block) can change the normalized margin",
               "init": "V, W ~ N(0, 1/fan_in)",
               "algorithms": self.algs.iter().map(|a| json!({"key": a.key, "spec": a.spec, "spectral_family": a.spectral})).collect::<Vec<_>>()})
    }
    fn control(&self) -> Option<Planted> {
        let algs = self
            .algs
            .iter()
            .map(|a| {
                if a.key == "muon" {
                    NetMethod {
                        build: planted::muon_frobenius,
                        bug: Some("Muon normalized by ‖M_t‖_F instead of the polar factor"),
                        ..a.clone()
                    }
                } else {
                    a.clone()
                }
            })
            .collect();
        Planted::new(
            "Muon normalized by ‖M_t‖_F (per block) instead of the polar factor",
            NetCheck {
                joint: self.joint,
                algs,
                eta_grid: self.eta_grid.clone(),
                margin_norm: self.margin_norm.clone(),
                size: self.size,
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let (k, d, per, sigma, hidden, steps) = self.size.unwrap_or_else(|| net_size(ctx.profile));
        let mut wins = 0usize;
        let mut rows = Vec::new();
        let mut fig = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for s in 0..3 {
            let data = synthetic(&SyntheticSpec {
                classes: k,
                dim: d,
                per_class: per,
                sigma,
                seed: ctx.rng(&format!("P1-e-data-{s}")).random(),
            })?;
            let mut rng = ctx.rng(&format!("P1-e-init-{s}"));
            let v0 = gaussian(&mut rng, hidden, d, 1.0 / (d as f64).sqrt());
            let w0 = gaussian(&mut rng, k, hidden, 1.0 / (hidden as f64).sqrt());
            let x = data.x();
            let h_max = (0..x.nrows())
                .map(|i| {
                    (0..x.ncols())
                        .map(|j| x[(i, j)] * x[(i, j)])
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(0.0, f64::max);
            let net = SigmoidNet::new(x.clone(), data.y().to_vec(), k)?;
            // methods × η0 grid in parallel (deterministic runs from the same V0, W0; results in
            // input order, so the best η0 per method does not depend on the thread count)
            let items: Vec<(usize, f64)> = (0..self.algs.len())
                .flat_map(|a| self.eta_grid.iter().map(move |&eta0| (a, eta0)))
                .collect();
            let results = try_par_map(&items, |&(ai, eta0)| {
                net_run(self, ctx, s, &net, &v0, &w0, ai, eta0)
            })?;
            let mut best_rows = Vec::new();
            let mut raw = Vec::new();
            for (ai, alg) in self.algs.iter().enumerate() {
                let mut best: (f64, Option<&Value>) = (f64::NEG_INFINITY, None);
                for ((_, _), r) in items.iter().zip(&results).filter(|((a, _), _)| *a == ai) {
                    raw.push(r.1.clone());
                    if r.0 > best.0 || best.1.is_none() {
                        best = (r.0, Some(&r.1));
                    }
                }
                best_rows.push((alg, best.0, best.1.cloned().unwrap_or(Value::Null)));
            }
            let spectral_min = best_rows
                .iter()
                .filter(|b| b.0.spectral)
                .map(|b| b.1)
                .fold(f64::INFINITY, f64::min);
            let other_max = best_rows
                .iter()
                .filter(|b| !b.0.spectral)
                .map(|b| b.1)
                .fold(f64::NEG_INFINITY, f64::max);
            // the floor: the most one more step of each spectral method (at its best η0) could
            // change its margin
            let floor = best_rows
                .iter()
                .filter(|b| b.0.spectral)
                .map(|b| {
                    let r = &b.2;
                    let eta_t = r["eta0"].as_f64().unwrap_or(f64::NAN) / (steps as f64).sqrt();
                    one_step_margin_change(
                        self.joint,
                        eta_t,
                        hidden,
                        h_max,
                        r["norm_v"].as_f64().unwrap_or(f64::NAN),
                        r["norm_w"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .fold(0.0, f64::max);
            let ahead = spectral_min > other_max;
            let positive = spectral_min > floor;
            let win = ahead && positive;
            wins += usize::from(win);
            fig.0.push(crate::io::num(spectral_min));
            fig.1.push(crate::io::num(other_max));
            fig.2.push(crate::io::num(floor));
            fig.3.push(json!(best_rows
                .iter()
                .map(|b| (b.0.key.to_string(), crate::io::num(b.1)))
                .collect::<serde_json::Map<String, Value>>()));
            rows.push(json!({"seed": s,
                "best_spectral_margins": best_rows.iter().map(|b| json!({"key": b.0.key, "spectral_margin": b.1, "eta0": b.2["eta0"]})).collect::<Vec<_>>(),
                "all_runs": raw, "h_max": h_max, "floor": floor,
                "spectral_family_ahead": ahead, "spectral_margin_above_floor": positive,
                "spectral_family_wins": win}));
        }
        Ok(Outcome::new(
            wins as f64,
            Expectation::at_least(2.0, "qualitative (Fig. 3, no theorem): at least 2 of 3 seeds, every method at its best η0 of the grid, and the winners' margin above what one more step could change (a margin ≈ 0 or negative ranks nothing)"),
        )
        .with_figures(json!({"wins": wins, "spectral_family_min": fig.0, "best_other": fig.1,
                             "floor": fig.2, "best_margin_per_method": fig.3}))
        .with_details(json!({ "seeds": rows })))
    }
}

/// P1-c, long run: NSD in the spectral norm (η_t = 0.5/√t) on the n = 20 oracle dataset keeps
/// shrinking its spectral gap up to T (quick 10^5, paper 10^6 steps): gap(T)/gap(T/10) ≤ 0.7.
/// Round-off in the gradient (the softmax of margins beyond ~745 underflows) would stall or
/// reverse it.
pub struct LongRunCheck {
    gradient: GradientFn,
    /// The optimizer (spectral NSD, or a planted bug).
    build: Build,
}

impl LongRunCheck {
    /// The check with the real gradient and optimizer.
    pub fn new() -> Self {
        Self {
            gradient: Multiclass::evaluate_with_gradient,
            build: from_spec,
        }
    }
}

impl Default for LongRunCheck {
    fn default() -> Self {
        Self::new()
    }
}

fn long_run_steps(p: Profile) -> usize {
    p.pick(100_000, 1_000_000)
}

impl Check for LongRunCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P1-c", Some("long-run".into()))
    }
    fn claim(&self) -> String {
        "spectral NSD keeps approaching γ_spectral over a long run: gap(T)/gap(T/10) ≤ 0.7 (Thm 1: ~10^{-1/2}·log factor)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thm 1; theory/P1-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"data": "tests/fixtures/dataset.small.json (n=20, d=5, k=3)", "optimizer": "nsd:norm=spectral",
               "schedule": "0.5 t^-1/2", "steps": long_run_steps(ctx.profile), "grad_scale": "shifted"})
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "spectral NSD stepping along ∇/‖∇‖_F instead of polar(∇)",
            LongRunCheck {
                gradient: self.gradient,
                build: planted::frobenius_step,
            },
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let v: Value = serde_json::from_str(include_str!("../tests/fixtures/dataset.small.json"))
            .map_err(|e| Error::failed(format!("embedded small dataset: {e}")))?;
        let data = Dataset::from_json(&v, "dataset.small.json")?;
        let g = gamma(&data, "spectral")?;
        let m = model(&data)?;
        let steps = long_run_steps(ctx.profile);
        let mut opt = (self.build)(
            "nsd:norm=spectral",
            Schedule::Power { eta0: 0.5, a: 0.5 },
            &[m.shape()],
        )?;
        let spec = RunSpec::new(steps)
            .record_at(log_spaced(steps, 1))
            .norm(parse_norm("spectral")?, Some(g.gamma))
            .grad_scale(GradScale::Shifted)
            .gradient(self.gradient);
        let traj = run(&m, opt.as_mut(), &spec, &mut |_| Ok(()))?;
        let gaps: Vec<(usize, f64)> = traj
            .records
            .iter()
            .map(|r| (r.t, r.gap("spectral").unwrap_or(f64::NAN)))
            .collect();
        let last = gaps.last().map(|x| x.1).unwrap_or(f64::NAN);
        let before = at_t(&traj.records, steps / 10)
            .and_then(|r| r.gap("spectral"))
            .unwrap_or(f64::NAN);
        Ok(Outcome::new(
            last / before,
            Expectation::at_most(0.7, "Thm 1 predicts ≈ 10^{-1/2} per decade up to a log factor; 0.7 leaves room for the log factor and catches a stall"),
        )
        .with_figures(json!({"gap_T": last, "gap_T_over_10": before}))
        .with_details(json!({"gamma": g.gamma, "gamma_bracket": [g.lower, g.upper], "gaps": gaps,
                             "final_log_loss": traj.records.last().map(|r| r.log_loss)})))
    }
}

/// The checks of the suite, in report order.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = [
        Lemma::Ordering,
        Lemma::One,
        Lemma::Two,
        Lemma::Three,
        Lemma::Four,
        Lemma::Nineteen,
    ]
    .into_iter()
    .map(|l| Box::new(LemmaCheck::new(l)) as Box<dyn Check>)
    .collect();
    for a in algorithms() {
        v.push(Box::new(BiasCheck::new(a)));
    }
    for a in algorithms()
        .into_iter()
        .filter(|a| a.key == "signgd" || a.key == "ngd" || a.key == "spectral-gd")
    {
        v.push(Box::new(RateCheck::new(a)));
    }
    v.push(Box::new(SweepCheck::new()));
    v.push(Box::new(LongRunCheck::new()));
    for a in algorithms()
        .into_iter()
        .filter(|a| a.key == "signum" || a.key == "muon")
    {
        v.push(Box::new(MomentumCheck::new(a)));
    }
    v.push(Box::new(NetCheck::new(false)));
    v.push(Box::new(NetCheck::new(true)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::run_one;
    use crate::validate::testing::{control_fails, ctx, fails, passes};

    /// The whole quick suite (seed 0), as the report runs it: every record has a negative control
    /// and it fails; every verdict is `pass` except the two labelled in the theory files — the
    /// a-sweep at a = 1 has not reached its rate at T = 5·10^4 (`not-reached`, theory/P1-c.md)
    /// and setting (a) of the network does not separate its data at the quick size (`fail`,
    /// theory/P1-e.md).
    #[test]
    fn quick_suite_verdicts_and_controls() {
        use crate::validate::Verdict;
        for c in checks() {
            let r = run_one(c.as_ref(), &ctx());
            let control = r.control.as_ref().expect("every record has a control");
            assert!(
                !control.pass,
                "{}: planted bug '{}' not caught",
                r.id, control.bug
            );
            let want = match r.id.as_str() {
                "P1-c[a-sweep]" => Verdict::NotReached,
                "P1-e[first-layer]" => Verdict::Fail,
                _ => Verdict::Pass,
            };
            assert_eq!(r.verdict, want, "{}: {r:?}", r.id);
        }
    }

    #[test]
    fn lemma_checks_pass_and_their_controls_fail() {
        for l in [
            Lemma::Ordering,
            Lemma::Two,
            Lemma::Three,
            Lemma::Four,
            Lemma::Nineteen,
            Lemma::One,
        ] {
            passes(&LemmaCheck::new(l));
        }
        // the primal-norm bug also on the two norms where ‖·‖ and ‖·‖_* differ most
        let (_, mut c) = planted::lemma(Lemma::One);
        c.norms = vec!["max".into(), "spectral".into()];
        fails(&c);
    }

    fn tiny(label: &str) -> StudyConfig {
        StudyConfig {
            label: label.into(),
            size: Some(((3, 4, 6, 0.1), 3000, 1)),
            ..StudyConfig::default()
        }
    }

    #[test]
    fn planted_optimizers_are_the_bugs_they_name() {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let shapes = [(4usize, 3usize)];
        let p0 = vec![gaussian(&mut rng, 4, 3, 1.0)];
        let gs: Vec<Vec<Mat<f64>>> = (0..3)
            .map(|_| vec![gaussian(&mut rng, 4, 3, 1.0)])
            .collect();
        let sched = Schedule::Power { eta0: 0.1, a: 0.5 };
        let steps = |build: Build, spec: &str| {
            let mut o = build(spec, sched.clone(), &shapes).unwrap();
            let mut p = p0.clone();
            for g in &gs {
                o.step(&mut p, g, None).unwrap();
            }
            p
        };
        let diff = |a: &[Mat<f64>], b: &[Mat<f64>]| (&a[0] - &b[0]).norm_max();
        let real = |spec: &str| steps(from_spec, spec);
        // Muon normalized by ‖M‖_F is NMD-GD; NMD-GD without momentum is NGD; the Frobenius step is NGD
        let nmd = real("nmd:norm=fro,beta=0.9");
        assert!(diff(&steps(planted::muon_frobenius, ""), &nmd) < 1e-15);
        assert!(diff(&steps(planted::without_momentum, ""), &real("nsd:norm=fro")) < 1e-15);
        assert!(diff(&steps(planted::frobenius_step, ""), &real("nsd:norm=fro")) < 1e-15);
        assert!(diff(&steps(planted::sign_step, ""), &real("sign")) < 1e-15);
        // the ascent bugs: the mirror image of the real step from W_0
        let mirror = |a: &[Mat<f64>], b: &[Mat<f64>]| (&a[0] + &b[0] - &p0[0] * 2.0).norm_max();
        let one = |build: Build, spec: &str| {
            let mut o = build(spec, sched.clone(), &shapes).unwrap();
            let mut p = p0.clone();
            o.step(&mut p, &gs[0], None).unwrap();
            p
        };
        assert!(
            mirror(
                &one(planted::signum_ascent, ""),
                &one(from_spec, "signum:beta=0.9")
            ) < 1e-15
        );
        let muon = "muon:momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none";
        assert!(mirror(&one(planted::muon_ascent, ""), &one(from_spec, muon)) < 1e-12);
        // NGD without normalization is plain GD; pooled Adam steps m̂/√(mean v̂)
        let gd = one(planted::unnormalized, "");
        assert!(diff(&gd, &[&p0[0] - &gs[0][0] * 0.1]) < 1e-15);
        let pooled = one(planted::adam_pooled, "");
        let rms = (gs[0][0].norm_l2().powi(2) / 12.0).sqrt();
        assert!(diff(&pooled, &[&p0[0] - &gs[0][0] * (0.1 / rms)]) < 1e-14);
        // every planted momentum method stays scale-invariant (it runs with rescaled gradients)
        for b in [
            planted::signum_ascent as Build,
            planted::muon_frobenius,
            planted::muon_ascent,
            planted::adam_pooled,
            planted::without_momentum,
        ] {
            assert!(b("", sched.clone(), &shapes).unwrap().scale_invariant());
        }
    }

    #[test]
    fn bias_check_sees_a_gap_in_the_wrong_norm() {
        let mut c = BiasCheck::new(algorithm("signgd"));
        c.cfg = tiny("wrong-norm");
        c.cfg.measure_norm = |s| {
            if s == "max" {
                "fro".into()
            } else {
                s.to_string()
            }
        };
        fails(&c);
    }

    #[test]
    fn bias_controls_fail_on_tiny_data() {
        for key in ["signgd", "nmd-gd", "signum"] {
            let mut c = BiasCheck::new(algorithm(key));
            c.cfg = tiny("bias-tiny");
            control_fails(&c);
        }
    }

    #[test]
    fn rate_check_sees_the_naive_gradient_and_its_control() {
        let a = algorithm("ngd");
        let mut c = RateCheck::new(a.clone());
        c.cfg = tiny("rate-real");
        c.cfg.feature_scale = 30.0;
        let r = run_one(&c, &ctx());
        assert_eq!(r.verdict, crate::validate::Verdict::Pass, "{r:?}");
        control_fails(&c);
        let mut c = RateCheck::new(a);
        c.cfg = tiny("rate-naive");
        c.cfg.feature_scale = 30.0;
        c.cfg.gradient = crate::models::multiclass::tests::naive_softmax_gradient;
        fails(&c);
        let mut s = SweepCheck::new();
        s.cfg = tiny("sweep-naive");
        s.cfg.feature_scale = 30.0;
        s.cfg.gradient = crate::models::multiclass::tests::naive_softmax_gradient;
        fails(&s);
    }

    /// slope/predicted of SignGD at a = 1/4 in a sweep record.
    fn signgd_quarter_fraction(r: &crate::validate::Record) -> f64 {
        r.details["fits"]
            .as_array()
            .expect("fits")
            .iter()
            .find(|f| f["a"] == 0.25 && f["algorithm"] == "signgd")
            .and_then(|f| f["fraction_of_predicted"].as_f64())
            .unwrap_or(f64::NAN)
    }

    #[test]
    fn sweep_check_sees_a_gap_in_the_wrong_norm_and_its_control() {
        // Tiny data (n = 18, T = 3000) are too small for the whole sweep to pass, so compare the row
        // the planted bugs touch: SignGD at a = 1/4, whose max-norm gap decays faster than t^{−1/4}
        // with the real measurement but stalls when the margin is measured in the Frobenius norm,
        // or when SignGD steps like NGD (the record's control).
        let mut s = SweepCheck::new();
        s.cfg = tiny("sweep-real");
        let real = run_one(&s, &ctx());
        assert!(signgd_quarter_fraction(&real) >= 0.5, "{:?}", real.details);
        control_fails(&s);
        let mut s = SweepCheck::new();
        s.cfg = tiny("sweep-wrong-norm");
        s.cfg.measure_norm = |n| {
            if n == "max" {
                "fro".into()
            } else {
                n.to_string()
            }
        };
        let planted = fails(&s);
        assert!(
            signgd_quarter_fraction(&planted) < 0.5,
            "{:?}",
            planted.details
        );
    }

    #[test]
    fn momentum_check_needs_the_division_by_g() {
        for key in ["signum", "muon"] {
            let mut c = MomentumCheck::new(algorithm(key));
            c.cfg = tiny("mom-real");
            let r = run_one(&c, &ctx());
            assert!(r.measured.as_f64().is_some_and(|x| x <= 10.0), "{r:?}");
        }
        let mut c = MomentumCheck::new(algorithm("signum"));
        c.cfg = tiny("mom-undivided");
        c.cfg.divide_by_proxy = false;
        fails(&c);
    }

    #[test]
    fn long_run_check_sees_the_naive_gradient_and_its_control() {
        let c = LongRunCheck {
            gradient: crate::models::multiclass::tests::naive_softmax_gradient,
            build: from_spec,
        };
        fails(&c);
        passes(&LongRunCheck::new());
    }

    /// The P1-e methods on two blocks (setting (b)): Spectral-GD steps −η_t·polar(∇) per block, Muon
    /// −η_t·polar(M_t) of the EMA momentum, SignGD −η_t·sign(∇); the margin's norm is σ_max.
    #[test]
    fn net_methods_step_along_their_dualized_directions() {
        use crate::linalg::{polar, singular_values};
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let shapes = [(5usize, 4usize), (3usize, 5usize)];
        let p0: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(r, c)| gaussian(&mut rng, r, c, 1.0))
            .collect();
        let g1: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(r, c)| gaussian(&mut rng, r, c, 1.0))
            .collect();
        let g2: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(r, c)| gaussian(&mut rng, r, c, 1.0))
            .collect();
        let sched = Schedule::Power { eta0: 0.1, a: 0.5 };
        let (e1, e2) = (0.1, 0.1 / 2f64.sqrt());
        let two_steps = |spec: &str| {
            let mut o = parse_optimizer_with_schedule(spec, Some(sched.clone()), &shapes).unwrap();
            let mut p = p0.clone();
            o.step(&mut p, &g1, None).unwrap();
            o.step(&mut p, &g2, None).unwrap();
            p
        };
        let worst = |got: &[Mat<f64>], want: &dyn Fn(usize) -> Mat<f64>| {
            got.iter()
                .enumerate()
                .map(|(l, g)| (g - want(l)).norm_max())
                .fold(0.0f64, f64::max)
        };
        let sgd = two_steps("nsd:norm=spectral");
        let want = |l: usize| &p0[l] - polar(g1[l].as_ref()) * e1 - polar(g2[l].as_ref()) * e2;
        assert!(worst(&sgd, &want) < 1e-12);
        let muon = two_steps("muon:momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none");
        let want = |l: usize| {
            let m2 = &g1[l] * (0.9 * 0.1) + &g2[l] * 0.1;
            &p0[l] - polar(g1[l].as_ref()) * e1 - polar(m2.as_ref()) * e2
        };
        assert!(worst(&muon, &want) < 1e-12);
        let sign = two_steps("sign");
        let sg = |g: &Mat<f64>| Mat::from_fn(g.nrows(), g.ncols(), |i, j| g[(i, j)].signum());
        let want = |l: usize| &p0[l] - sg(&g1[l]) * e1 - sg(&g2[l]) * e2;
        assert!(worst(&sign, &want) < 1e-12);
        let spec = parse_norm("spectral").unwrap();
        let s = singular_values(p0[0].as_ref());
        assert!((spec.norm(p0[0].as_ref()) - s[0]).abs() < 1e-12);
    }

    #[test]
    fn net_check_sees_a_mislabelled_family_and_its_control() {
        let mut c = NetCheck::new(false);
        c.size = Some((3, 5, 5, 0.5, 4, 200));
        // the record's control: Muon normalized by ‖M‖_F runs exactly as NMD-GD, so the spectral
        // family never wins a seed
        let r = control_fails(&c);
        assert_eq!(r.measured, json!(0.0));
        for a in &mut c.algs {
            a.spectral = a.key == "ngd";
        }
        fails(&c);
    }
}
