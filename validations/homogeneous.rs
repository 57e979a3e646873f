//! Suite `homogeneous`: Gronich & Vardi, *The Implicit Bias of Adam and Muon on Smooth Homogeneous
//! Neural Networks* (arXiv 2602.16340; `../shared/papers/02-homogeneous-adam-muon.md`), checks
//! P2-a (own-norm margin, four norms), P2-b (alignment r_t → 1), P2-c (directional convergence)
//! and P2-d (KKT residual) on the two-layer squared-ReLU network of [`crate::models::two_layer`]
//! and the library's optimizers (held as [`Factory`]s in [`Competitor`]s).
//!
//! Every check sweeps seeds × optimizers with [`crate::validate::sweep::try_par_map`]; run
//! (seed s) of record `id` draws its data and initialization from `ctx.rng("{id}/seed={s}")` only,
//! so a report is bit-identical whatever the thread count.

use crate::error::{Error, Result};
use crate::margin::{best_dual_alignment, nnls, DualBlock, Geometry};
use crate::models::loss::MarginLoss;
use crate::models::two_layer::{Activation, TwoLayer};
use crate::norms::{inner, Aggregation, Block, Entrywise, Norm, ProductNorm, Schatten};
use crate::optim::{parse_optimizer_with_schedule, Factory, Schedule};
use crate::train::CommonScale;
use crate::validate::sweep::try_par_map;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, PaperOnly};
use faer::Mat;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};
use std::sync::Arc;

const SUITE: &str = "homogeneous";
const SOURCE: &str = "Gronich & Vardi 2026 (arXiv 2602.16340), file 02";
/// The schedule shape of the paper's check: η_t = η0 (t + 1)^{−0.8}. The paper's η0 = 0.05 is kept
/// for Signum; NGD and Muon take η0 = 1 and 0.5 so that their steps have comparable length in ℓ2
/// (a sign step over P parameters has ℓ2 length η√P; a polar step η√rank) and CPU-scale runs
/// reach separation.
pub fn schedule(eta0: f64) -> String {
    format!("shifted-power:eta0={eta0},a=0.8")
}

/// The checks of the suite, built from the real implementations.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut out: Vec<Box<dyn Check>> = Vec::new();
    for (judge, rate) in [("l2", 0.8), ("linf", 0.8), ("msp", 0.8), ("hybrid", 0.6)] {
        let check = Box::new(OwnNormMargin {
            judge,
            norm: Arc::new(margin_norm(judge).expect("a listed norm")),
            pass_rate: rate,
            competitors: competitors(),
            stop_loss: STOP_LOSS,
        });
        out.push(if judge == "msp" {
            PaperOnly::boxed(
                check,
                "at quick sizes (m = 16, d = 10) the msp winner is seed-sensitive (rate 0.5 at seed 0, 0.9 with other streams); paper sizes: 0.9, pass (theory/P2-a.md)",
            )
        } else {
            check
        });
    }
    let by = |name: &str| {
        competitors()
            .into_iter()
            .find(|c| c.name == name)
            .expect("a listed competitor")
    };
    for (subject, reported) in [
        ("muon", vec!["muon-adam"]),
        ("signum", vec!["adam"]),
        ("momentum-ngd", vec![]),
    ] {
        let subject = by(subject);
        let name = subject.name;
        let check = Box::new(Alignment {
            norm: Arc::new(margin_norm(subject.norm).expect("a listed norm")),
            subject,
            reported: reported.into_iter().map(by).collect(),
        });
        out.push(if name == "signum" {
            check
        } else {
            PaperOnly::boxed(
                check,
                "r_t → 1 is a limit claim; at quick sizes (5 000 steps) 1 − r_t over the last 10 % reaches 0.99 (Muon) and 0.66 (MomentumNGD, one seed of five) (theory/P2-b.md)",
            )
        });
    }
    for c in competitors() {
        out.push(Box::new(Directional {
            subject: c,
            from: 0.5,
        }));
    }
    for name in ["ngd", "signum", "muon", "muon-adam"] {
        let subject = by(name);
        out.push(PaperOnly::boxed(
            Box::new(Kkt {
                norm: Arc::new(margin_norm(subject.norm).expect("a listed norm")),
                subject,
                slack: 1e-2,
                support: near_support,
                }),
            "convergence to a KKT point is a limit claim; at quick sizes (5 000 steps) the ℓ2 residuals are 0.13–0.23 and the dual-alignment ratios 0.10–0.84, against file 02's 5 % (theory/P2-d.md)",
        ));
    }
    out
}

/// η0^Adam/η0^Muon of Muon-Adam in the paper's check, and the W-scale of the hybrid norm
/// max(0.1·‖W‖₂, ‖a‖_∞).
pub const HYBRID_RATIO: f64 = 0.1;
/// A P2-a run stops when the mean logistic loss is below this (the paper's rule).
pub const STOP_LOSS: f64 = 1e-8;
/// A run on the true gradient (an optimizer that is not scale-invariant: Adam and Muon-Adam with
/// ε > 0) stops when its loss is below this, whatever its protocol: far past [`STOP_LOSS`], but far
/// above the underflow of the gradients (at loss ~1e-300 the exact polar factor of a subnormal
/// momentum fails to converge, measured at the paper's sizes). Scale-invariant optimizers train on
/// a common gradient scale and need no guard.
pub const LOSS_GUARD: f64 = 1e-100;
const MUON: &str = "muon:momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none";
const MUON_ADAM: &str = "muon-adam:adam_ratio=0.1,momentum=0.9,nesterov=false,ns=exact,scale=none,beta1=0.9,beta2=0.99,eps=1e-20,wd=0";

/// An optimizer of the paper's candidate set, with the norm the theory pairs it with.
#[derive(Clone)]
pub struct Competitor {
    /// Short name (`ngd`, `momentum-ngd`, `signum`, `adam`, `muon`, `muon-adam`).
    pub name: &'static str,
    /// The predicted margin norm (`l2`, `linf`, `msp`, `hybrid`).
    pub norm: &'static str,
    /// The optimizer spec (without learning rate).
    pub spec: &'static str,
    /// η0 of the schedule η_t = η0 (t + 1)^{−0.8}.
    pub eta0: f64,
    /// Builds the optimizer (the implementation under test).
    pub factory: Factory,
}

impl Competitor {
    /// The competitor `spec` with schedule η0 (t + 1)^{−0.8}, predicted to maximize the `norm` margin.
    pub fn new(name: &'static str, norm: &'static str, spec: &'static str, eta0: f64) -> Self {
        Self {
            name,
            norm,
            spec,
            eta0,
            factory: scheduled(spec, eta0),
        }
    }
    fn to_json(&self) -> Value {
        json!({"name": self.name, "norm": self.norm, "spec": self.spec, "schedule": schedule(self.eta0)})
    }
}

/// The paper's candidate set (file 02 §4): NGD and MomentumNGD (ℓ2), Signum and Adam (ε = 1e-20,
/// β = (0.9, 0.99); ℓ∞), Muon (exact polar factor; max-spectral) and Muon-Adam (polar for W, Adam
/// for a, η0^A/η0^M = 0.1; the hybrid norm). η0: 1 for the ℓ2-normalized steps, 0.5 for the polar
/// steps, 0.05 (the paper's) for sign-like steps, so that Muon-Adam's Adam block gets 0.05 too.
pub fn competitors() -> Vec<Competitor> {
    vec![
        Competitor::new("ngd", "l2", "ngd", 1.0),
        Competitor::new("momentum-ngd", "l2", "ngd:beta=0.9", 1.0),
        Competitor::new("signum", "linf", "signum:beta=0.9", 0.05),
        Competitor::new("adam", "linf", "adam:beta1=0.9,beta2=0.99,eps=1e-20", 0.05),
        Competitor::new("muon", "msp", MUON, 0.5),
        Competitor::new("muon-adam", "hybrid", MUON_ADAM, 0.5),
    ]
}

/// The margin norms of θ = [W, a] as product norms: `l2` = √(‖W‖_F² + ‖a‖²),
/// `linf` = max(max|W_ij|, max|a_j|), `msp` = max(‖W‖₂, ‖a‖₂) (a as a one-column matrix: its
/// spectral norm is ‖a‖₂), `hybrid` = max(0.1·‖W‖₂, ‖a‖_∞).
pub fn margin_norm(name: &str) -> Result<ProductNorm> {
    let b = |n: Box<dyn Norm>, s: f64| Block::new(n, s, false);
    Ok(match name {
        "l2" => ProductNorm::new(
            Aggregation::L2,
            vec![
                b(Box::new(Entrywise::frobenius()), 1.0),
                b(Box::new(Entrywise::frobenius()), 1.0),
            ],
        ),
        "linf" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Entrywise::max()), 1.0),
                b(Box::new(Entrywise::max()), 1.0),
            ],
        ),
        "msp" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Schatten::spectral()), 1.0),
                b(Box::new(Schatten::spectral()), 1.0),
            ],
        ),
        "hybrid" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Schatten::spectral()), HYBRID_RATIO),
                b(Box::new(Entrywise::max()), 1.0),
            ],
        ),
        other => {
            return Err(Error::input(format!(
                "homogeneous: unknown margin norm '{other}'; use l2, linf, msp or hybrid"
            )))
        }
    })
}

/// The blocks of the dual of a max-aggregated margin norm for [`best_dual_alignment`] (W: h × d,
/// a: h × 1): `linf` → ℓ1 + ℓ1, `msp` → nuclear + ℓ2, `hybrid` → nuclear/0.1 + ℓ1.
pub fn dual_blocks(name: &str, d: usize, h: usize) -> Result<Vec<DualBlock>> {
    let blk = |shape, scale, dual| DualBlock { shape, scale, dual };
    let (w, a) = ((h, d), (h, 1));
    Ok(match name {
        "linf" => vec![
            blk(w, 1.0, Geometry::Entrywise(1.0)),
            blk(a, 1.0, Geometry::Entrywise(1.0)),
        ],
        "msp" => vec![
            blk(w, 1.0, Geometry::Schatten(1.0)),
            blk(a, 1.0, Geometry::Entrywise(2.0)),
        ],
        "hybrid" => vec![
            blk(w, HYBRID_RATIO, Geometry::Schatten(1.0)),
            blk(a, 1.0, Geometry::Entrywise(1.0)),
        ],
        other => {
            return Err(Error::input(format!(
                "homogeneous: no max-aggregated dual for '{other}'; use linf, msp or hybrid (l2 uses NNLS)"
            )))
        }
    })
}

/// `spec` with the learning rate given by [`schedule`]`(eta0)`.
pub fn scheduled(spec: &str, eta0: f64) -> Factory {
    let spec = spec.to_string();
    Arc::new(move |shapes: &[(usize, usize)]| {
        parse_optimizer_with_schedule(&spec, Some(Schedule::parse(&schedule(eta0))?), shapes)
    })
}

/// Data of the paper's check: x ~ N(0, I_d), y = sign of a random width-5 squared-ReLU teacher,
/// points with |teacher(x)| < 0.1 dropped (resampled) so the data are separable with a margin.
pub fn teacher_data(rng: &mut ChaCha8Rng, n: usize, d: usize) -> (Mat<f64>, Vec<f64>) {
    let teacher = TwoLayer {
        activation: Activation::SquaredRelu,
        loss: MarginLoss::Logistic,
    };
    let tp = vec![
        Mat::from_fn(5, d, |_, _| StandardNormal.sample(rng)),
        Mat::from_fn(5, 1, |_, _| StandardNormal.sample(rng)),
    ];
    let mut rows: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    while rows.len() < n {
        let xi = Mat::from_fn(1, d, |_, _| StandardNormal.sample(rng));
        let f = teacher.outputs(&tp, &xi)[0];
        if f.abs() >= 0.1 {
            rows.push((0..d).map(|j| xi[(0, j)]).collect());
            y.push(f.signum());
        }
    }
    (Mat::from_fn(n, d, |i, j| rows[i][j]), y)
}

/// Problem sizes of one profile.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Input dimension d.
    pub d: usize,
    /// Number of samples n.
    pub n: usize,
    /// Width m of the hidden layer.
    pub width: usize,
    /// Seeds of P2-a.
    pub seeds: usize,
    /// Seeds of P2-b, P2-c, P2-d.
    pub trace_seeds: usize,
    /// Step budget of a P2-a run (it stops earlier when the loss is below [`STOP_LOSS`]).
    pub steps: usize,
    /// Step budget of a P2-b/c/d run (no protocol stop: the claims are about t → ∞; see
    /// [`LOSS_GUARD`] for the true-gradient runs).
    pub trace_steps: usize,
}

impl Sizes {
    /// Quick: d = 10, n = 40, m = 16, 10 (5) seeds, ≤ 10⁴ steps; paper: d = 20, n = 100, m = 64,
    /// 10 seeds, ≤ 2·10⁵ steps (file 02 §4).
    pub fn of(ctx: &Ctx) -> Self {
        ctx.profile.pick(
            Sizes {
                d: 10,
                n: 40,
                width: 16,
                seeds: 10,
                trace_seeds: 5,
                steps: 10_000,
                trace_steps: 5_000,
            },
            Sizes {
                d: 20,
                n: 100,
                width: 64,
                seeds: 10,
                trace_seeds: 10,
                steps: 200_000,
                trace_steps: 50_000,
            },
        )
    }
    fn to_json(self, seeds: usize) -> Value {
        json!({"d": self.d, "n": self.n, "width": self.width, "seeds": seeds,
               "max_steps": self.steps, "trace_steps": self.trace_steps,
               "init": "N(0, 0.1²)", "loss": "logistic (mean)", "activation": "squared-relu",
               "degree_L": 3, "teacher_width": 5, "drop_below": 0.1,
               "streams": "ctx.rng(\"{id}/seed={s}\") for data, then init"})
    }
}

/// The model of the checks: f(x) = aᵀ relu(Wx)², logistic loss (L = 3).
pub fn model() -> TwoLayer {
    TwoLayer {
        activation: Activation::SquaredRelu,
        loss: MarginLoss::Logistic,
    }
}

/// The data (x, y) and the initialization θ_0 ~ N(0, 0.1²) of run `seed` of record `id`, from the
/// stream `ctx.rng("{id}/seed={seed}")` only.
pub fn problem(ctx: &Ctx, id: &str, seed: usize, s: &Sizes) -> (Mat<f64>, Vec<f64>, Vec<Mat<f64>>) {
    let mut rng = ctx.rng(&format!("{id}/seed={seed}"));
    let (x, y) = teacher_data(&mut rng, s.n, s.d);
    let init = TwoLayer::shapes(s.d, s.width)
        .iter()
        .map(|&(r, c)| {
            Mat::from_fn(r, c, |_, _| {
                let z: f64 = StandardNormal.sample(&mut rng);
                0.1 * z
            })
        })
        .collect();
    (x, y, init)
}

/// A finished training run.
pub struct Run {
    /// θ_T.
    pub params: Vec<Mat<f64>>,
    /// T, the number of steps taken.
    pub steps: usize,
    /// The loss at θ_T (0 once it underflows; see `final_log_loss`).
    pub final_loss: f64,
    /// log of the loss at θ_T (finite past the underflow for rescaled runs).
    pub final_log_loss: f64,
    /// r_t of every step (when asked for).
    pub alignment: Vec<f64>,
    /// (t, θ_t) every `snapshot_every` steps (when asked for).
    pub snapshots: Vec<(usize, Vec<Mat<f64>>)>,
}

/// Train from `init` until the loss is below `stop_loss` (the protocol's stop; 0 for none) or
/// `max_steps` steps. With `align`,
/// record r_t = [`alignment_ratio`] of every step in that norm; with `snapshot_every > 0`, keep
/// θ_t every that many steps.
///
/// Optimizers whose steps are invariant under a common gradient scale (NGD, MomentumNGD, Signum,
/// Muon with the exact polar factor: [`crate::optim::Optimizer::scale_invariant`]) get the
/// gradient on one common scale ([`crate::train::CommonScale`], from the shifted gradient of
/// [`TwoLayer::log_loss_and_scaled_grad`]): the true-gradient run in exact arithmetic, exact
/// after the loss underflows too. The others (Adam and Muon-Adam with ε > 0) get the true
/// gradient and also stop at [`LOSS_GUARD`].
#[allow(clippy::too_many_arguments)]
pub fn train(
    model: &TwoLayer,
    factory: &Factory,
    init: &[Mat<f64>],
    x: &Mat<f64>,
    y: &[f64],
    max_steps: usize,
    stop_loss: f64,
    align: Option<&ProductNorm>,
    snapshot_every: usize,
) -> Result<Run> {
    let shapes: Vec<(usize, usize)> = init.iter().map(|m| (m.nrows(), m.ncols())).collect();
    let mut opt = factory(&shapes)?;
    let rescaled = opt.scale_invariant();
    let stop = if rescaled {
        stop_loss
    } else {
        stop_loss.max(LOSS_GUARD)
    };
    let log_stop = stop.ln();
    let mut common = CommonScale::default();
    let mut p = init.to_vec();
    let (mut alignment, mut snapshots) = (Vec::new(), Vec::new());
    let mut steps = 0;
    loop {
        let (log_l, mut g, shift) = if rescaled {
            model.log_loss_and_scaled_grad(&p, x, y)
        } else {
            let (l, g) = model.loss_and_grad(&p, x, y);
            (l.ln(), g, 0.0)
        };
        if log_l < log_stop || steps == max_steps {
            return Ok(Run {
                params: p,
                steps,
                final_loss: log_l.exp(),
                final_log_loss: log_l,
                alignment,
                snapshots,
            });
        }
        if rescaled {
            common.apply(opt.as_mut(), &mut g, shift)?;
        }
        let before = align.map(|_| p.clone());
        opt.step(&mut p, &g, Some(log_l.exp()))?;
        steps += 1;
        if let (Some(norm), Some(before)) = (align, before) {
            // r_t is invariant under a positive scale of g: the optimizer's input will do
            let delta: Vec<Mat<f64>> = p.iter().zip(&before).map(|(a, b)| a - b).collect();
            alignment.push(alignment_ratio(&g, &delta, norm));
        }
        if snapshot_every > 0 && steps % snapshot_every == 0 {
            snapshots.push((steps, p.clone()));
        }
    }
}

/// r = ⟨−g, Δ⟩/(‖g‖_*‖Δ‖) in `norm` (0 when g or Δ vanishes: no descent direction).
pub fn alignment_ratio(g: &[Mat<f64>], delta: &[Mat<f64>], norm: &ProductNorm) -> f64 {
    let ip: f64 = g
        .iter()
        .zip(delta)
        .map(|(a, b)| inner(a.as_ref(), b.as_ref()))
        .sum();
    let den = norm.dual_norm(g) * norm.norm(delta);
    if den > 0.0 {
        -ip / den
    } else {
        0.0
    }
}

/// The normalized margins q_i = y_i f(x_i; θ)/N(θ)^L.
pub fn normalized_margins(
    model: &TwoLayer,
    p: &[Mat<f64>],
    x: &Mat<f64>,
    y: &[f64],
    norm: &ProductNorm,
) -> Vec<f64> {
    let scale = norm.norm(p).powi(model.degree() as i32);
    model
        .outputs(p, x)
        .iter()
        .zip(y)
        .map(|(f, yi)| yi * f / scale)
        .collect()
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// The values of the runs that separated the data; no separating run → [`Error::Failed`].
fn separated_only(v: impl Iterator<Item = (f64, bool)>, id: &str) -> Result<Vec<f64>> {
    let kept: Vec<f64> = v.filter(|x| x.1).map(|x| x.0).collect();
    if kept.is_empty() {
        return Err(Error::failed(format!(
            "{id}: no run separated the data (every run kept a point with y f ≤ 0); raise the step budget or the width"
        )));
    }
    Ok(kept)
}

/// The near-support set S = {i : q_i ≤ (1 + slack)·min_j q_j} (for a positive minimum).
pub fn near_support(q: &[f64], slack: f64) -> Vec<usize> {
    let m = min(q);
    (0..q.len())
        .filter(|&i| q[i] <= (1.0 + slack) * m)
        .collect()
}

fn flatten(p: &[Mat<f64>]) -> Vec<f64> {
    let mut v = Vec::new();
    for m in p {
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                v.push(m[(i, j)]);
            }
        }
    }
    v
}

fn unflatten(v: &[f64], like: &[Mat<f64>]) -> Vec<Mat<f64>> {
    let mut k = 0;
    like.iter()
        .map(|m| {
            let out = Mat::from_fn(m.nrows(), m.ncols(), |i, j| v[k + i * m.ncols() + j]);
            k += m.nrows() * m.ncols();
            out
        })
        .collect()
}

/// P2-a: for the judged norm N ∈ {ℓ2, ℓ∞, msp, hybrid}, the optimizers the theory pairs with N
/// attain the largest normalized margin γ_N(θ) = min_i y_i f(x_i; θ)/N(θ)³ among all competitors
/// (ties within 1 % count), in at least `pass_rate` of the seeds.
pub struct OwnNormMargin {
    /// The judged norm's name (`l2`, `linf`, `msp`, `hybrid`); the competitors with this `norm`
    /// are the predicted winners.
    pub judge: &'static str,
    /// The margin norm N actually evaluated (a planted-bug test swaps it).
    pub norm: Arc<ProductNorm>,
    /// The required fraction of seeds (0.8; 0.6 for the hybrid norm, file 02 §4).
    pub pass_rate: f64,
    /// The optimizers.
    pub competitors: Vec<Competitor>,
    /// A run stops when the loss is below this ([`STOP_LOSS`], the paper's rule).
    pub stop_loss: f64,
}

impl Check for OwnNormMargin {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P2-a", Some(self.judge.to_string()))
    }
    fn claim(&self) -> String {
        let names: Vec<&str> = self.competitors.iter().map(|c| c.name).collect();
        let own: Vec<&str> = self
            .competitors
            .iter()
            .filter(|c| c.norm == self.judge)
            .map(|c| c.name)
            .collect();
        format!(
            "on a 3-homogeneous squared-ReLU network, the optimizer(s) paired with N = {} ({}) attain the largest normalized margin min_i y_i f_i/N(θ)³ among {}, within 1 %, in ≥ {:.0} % of the seeds",
            self.judge,
            own.join(", "),
            names.join(", "),
            100.0 * self.pass_rate
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thm 3.2, Cor. 3.4, Thm 3.6, Fig. 2; §4 check P2-a; theory/P2-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let s = Sizes::of(ctx);
        json!({"sizes": s.to_json(s.seeds), "norm": self.norm.name(), "tie": 0.01, "stop_loss": self.stop_loss,
               "competitors": self.competitors.iter().map(Competitor::to_json).collect::<Vec<_>>()})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let s = Sizes::of(ctx);
        let id = self.id();
        let model = model();
        let k = self.competitors.len();
        let names = ["l2", "linf", "msp", "hybrid"];
        let all: Vec<ProductNorm> = names
            .iter()
            .map(|n| margin_norm(n))
            .collect::<Result<_>>()?;
        let items: Vec<(usize, usize)> = (0..s.seeds)
            .flat_map(|seed| (0..k).map(move |c| (seed, c)))
            .collect();
        let results = try_par_map(&items, |&(seed, c)| {
            let (x, y, init) = problem(ctx, &id, seed, &s);
            let run = train(
                &model,
                &self.competitors[c].factory,
                &init,
                &x,
                &y,
                s.steps,
                self.stop_loss,
                None,
                0,
            )?;
            let judged = min(&normalized_margins(&model, &run.params, &x, &y, &self.norm));
            let four: Vec<f64> = all
                .iter()
                .map(|n| min(&normalized_margins(&model, &run.params, &x, &y, n)))
                .collect();
            Ok((judged, four, run.final_loss, run.steps))
        })?;
        let own: Vec<usize> = (0..k)
            .filter(|&c| self.competitors[c].norm == self.judge)
            .collect();
        let primary = own.first().copied();
        let (mut wins, mut primary_wins, mut signum_ge_adam) = (0usize, 0usize, 0usize);
        let pos = |n: &str| self.competitors.iter().position(|c| c.name == n);
        let mut runs = Vec::new();
        for seed in 0..s.seeds {
            let r = &results[seed * k..(seed + 1) * k];
            let best = r.iter().map(|x| x.0).fold(f64::NEG_INFINITY, f64::max);
            let tie = |v: f64| v > 0.0 && v >= best - 0.01 * best.abs();
            let own_best = own
                .iter()
                .map(|&c| r[c].0)
                .fold(f64::NEG_INFINITY, f64::max);
            wins += usize::from(tie(own_best));
            primary_wins += usize::from(primary.is_some_and(|c| tie(r[c].0)));
            if let (Some(a), Some(b)) = (pos("signum"), pos("adam")) {
                signum_ge_adam += usize::from(r[a].1[1] >= r[b].1[1]);
            }
            let winner = (0..k)
                .max_by(|&a, &b| r[a].0.total_cmp(&r[b].0))
                .map(|c| self.competitors[c].name);
            runs.push(json!({"seed": seed, "winner": winner,
                "judged_margin": r.iter().map(|x| x.0).collect::<Vec<_>>(),
                "margins": r.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
                "final_loss": r.iter().map(|x| x.2).collect::<Vec<_>>(),
                "steps": r.iter().map(|x| x.3).collect::<Vec<_>>()}));
        }
        let rate = wins as f64 / s.seeds as f64;
        Ok(Outcome::new(
            rate,
            Expectation::at_least(
                self.pass_rate,
                "the paper's pass rate (≥ 8 of 10 seeds; ≥ 6 of 10 for the hybrid norm) for a statistical claim at finite training time; ties within 1 % count",
            ),
        )
        .with_details(json!({
            "competitors": self.competitors.iter().map(|c| c.name).collect::<Vec<_>>(),
            "margin_norms": names,
            "primary_win_rate": primary_wins as f64 / s.seeds as f64,
            "signum_ge_adam_on_linf": format!("{signum_ge_adam} of {}", s.seeds),
            "runs": runs,
            "note": "judged_margin[c] = γ_N of competitor c; margins[c][b] = γ of margin_norms[b]; signum_ge_adam_on_linf is reported, not required"})))
    }
}

/// P2-b: the update Δ_t of `subject` is aligned with its norm's steepest-descent direction:
/// 1 − r_t ≤ 0.05 over the last 10 % of the steps, r_t = ⟨−g_t, Δ_t⟩/(‖g_t‖_*‖Δ_t‖), in every seed.
pub struct Alignment {
    /// The optimizer under test.
    pub subject: Competitor,
    /// The norm of r_t (the subject's own; a planted-bug test swaps it).
    pub norm: Arc<ProductNorm>,
    /// Optimizers whose r_t (in their own norm) is reported in the details, not required.
    pub reported: Vec<Competitor>,
}

impl Alignment {
    /// max over the last 10 % of steps of 1 − r_t, per seed, T, and whether the run separated.
    fn worst_tail(
        ctx: &Ctx,
        id: &str,
        c: &Competitor,
        norm: &ProductNorm,
        s: &Sizes,
    ) -> Result<Vec<(f64, usize, bool)>> {
        let seeds: Vec<usize> = (0..s.trace_seeds).collect();
        let model = model();
        try_par_map(&seeds, |&seed| {
            let (x, y, init) = problem(ctx, id, seed, s);
            let run = train(
                &model,
                &c.factory,
                &init,
                &x,
                &y,
                s.trace_steps,
                0.0, // no protocol stop (see LOSS_GUARD)
                Some(norm),
                0,
            )?;
            let separated = min(&normalized_margins(&model, &run.params, &x, &y, norm)) > 0.0;
            let t = run.alignment.len();
            let tail = &run.alignment[t - t.div_ceil(10)..];
            let worst = tail
                .iter()
                .map(|r| 1.0 - r)
                .fold(
                    f64::NEG_INFINITY,
                    |a, b| if b.is_nan() { b } else { a.max(b) },
                );
            Ok((worst, t, separated))
        })
    }
}

impl Check for Alignment {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P2-b", Some(self.subject.name.to_string()))
    }
    fn claim(&self) -> String {
        format!(
            "{} is approximate steepest descent in {}: 1 − ⟨−g_t, Δ_t⟩/(‖g_t‖_*‖Δ_t‖) ≤ 0.05 over the last 10 % of the steps under η0 (t+1)^(−0.8), in every seed",
            self.subject.name, self.subject.norm
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} Def. 5.1, Thm C.17, Lemma C.19; §4 check P2-b; theory/P2-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let s = Sizes::of(ctx);
        json!({"sizes": s.to_json(s.trace_seeds), "subject": self.subject.to_json(),
               "norm": self.norm.name(), "tail": 0.1, "stop_loss": "none (whole budget)", "loss_guard_true_gradient": LOSS_GUARD,
               "reported": self.reported.iter().map(Competitor::to_json).collect::<Vec<_>>()})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let s = Sizes::of(ctx);
        let id = self.id();
        let mine = Self::worst_tail(ctx, &id, &self.subject, &self.norm, &s)?;
        let measured = separated_only(mine.iter().map(|x| (x.0, x.2)), &id)?
            .into_iter()
            .fold(
                f64::NEG_INFINITY,
                |a, b| if b.is_nan() { b } else { a.max(b) },
            );
        let mut reported = serde_json::Map::new();
        for c in &self.reported {
            let n = margin_norm(c.norm)?;
            let r = Self::worst_tail(ctx, &id, c, &n, &s)?;
            reported.insert(
                c.name.to_string(),
                json!({"norm": c.norm, "worst_one_minus_r": r.iter().map(|x| x.0).collect::<Vec<_>>(),
                       "steps": r.iter().map(|x| x.1).collect::<Vec<_>>(),
                       "separated": r.iter().map(|x| x.2).collect::<Vec<_>>()}),
            );
        }
        Ok(Outcome::new(
            measured,
            Expectation::at_most(
                0.05,
                "file 02 §4's acceptance (1 − r_t ≤ 0.05 over the last 10 %): r_t → 1 only asymptotically (momentum tracks g_t as η_t decays), so a finite run gets 5 % slack",
            ),
        )
        .with_details(json!({
            "worst_one_minus_r": mine.iter().map(|x| x.0).collect::<Vec<_>>(),
            "steps": mine.iter().map(|x| x.1).collect::<Vec<_>>(),
            "separated": mine.iter().map(|x| x.2).collect::<Vec<_>>(),
            "note": "runs that do not separate the data (a point with f = 0: every hidden unit dead on it) violate the theory's positive-margin hypothesis and are left out of the measured value",
            "reported": reported})))
    }
}

/// P2-c: directional convergence, cos(θ_t, θ_T) > 0.99 for every recorded t ≥ `from`·T.
pub struct Directional {
    /// The optimizer under test.
    pub subject: Competitor,
    /// The window start as a fraction of T (0.5; a planted-bug test moves it to 0).
    pub from: f64,
}

impl Check for Directional {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P2-c", Some(self.subject.name.to_string()))
    }
    fn claim(&self) -> String {
        format!(
            "{} converges in direction: cos(θ_t, θ_T) > 0.99 for t ≥ {}·T, in every seed",
            self.subject.name, self.from
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} assumption (T2), Fig. 1b; §4 check P2-c; theory/P2-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let s = Sizes::of(ctx);
        json!({"sizes": s.to_json(s.trace_seeds), "subject": self.subject.to_json(),
               "from": self.from, "snapshot_every": (s.trace_steps / 2000).max(1), "stop_loss": "none (whole budget)", "loss_guard_true_gradient": LOSS_GUARD,
               "cosine": "Euclidean over all parameters"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let s = Sizes::of(ctx);
        let id = self.id();
        let model = model();
        let every = (s.trace_steps / 2000).max(1);
        let l2 = margin_norm("l2")?;
        let seeds: Vec<usize> = (0..s.trace_seeds).collect();
        let per = try_par_map(&seeds, |&seed| {
            let (x, y, init) = problem(ctx, &id, seed, &s);
            let run = train(
                &model,
                &self.subject.factory,
                &init,
                &x,
                &y,
                s.trace_steps,
                0.0, // no protocol stop (see LOSS_GUARD)
                None,
                every,
            )?;
            let last = flatten(&run.params);
            let nl = last.iter().map(|v| v * v).sum::<f64>().sqrt();
            let mut worst: f64 = 1.0;
            let mut count = 0usize;
            for (t, p) in &run.snapshots {
                if (*t as f64) < self.from * run.steps as f64 {
                    continue;
                }
                let v = flatten(p);
                let nv = v.iter().map(|a| a * a).sum::<f64>().sqrt();
                let c = v.iter().zip(&last).map(|(a, b)| a * b).sum::<f64>() / (nv * nl);
                worst = if c.is_nan() { c } else { worst.min(c) };
                count += 1;
            }
            let separated = min(&normalized_margins(&model, &run.params, &x, &y, &l2)) > 0.0;
            Ok((worst, count, run.steps, separated))
        })?;
        let measured = separated_only(per.iter().map(|x| (x.0, x.3)), &id)?
            .into_iter()
            .fold(f64::INFINITY, |a, b| if b.is_nan() { b } else { a.min(b) });
        Ok(Outcome::new(
            measured,
            Expectation::at_least(
                0.99,
                "file 02 §4 / Fig. 1b's threshold: the theory assumes (T2) directional convergence; 0.99 leaves the slack of a finite run",
            ),
        )
        .with_details(json!({
            "min_cos": per.iter().map(|x| x.0).collect::<Vec<_>>(),
            "snapshots_in_window": per.iter().map(|x| x.1).collect::<Vec<_>>(),
            "steps": per.iter().map(|x| x.2).collect::<Vec<_>>(),
            "separated": per.iter().map(|x| x.3).collect::<Vec<_>>(),
            "note": "runs that do not separate the data violate the theory's positive-margin hypothesis and are left out of the measured value"})))
    }
}

/// P2-d: θ̄ = θ_T/N(θ_T) is a KKT point of margin maximization in N, certified on the near-support
/// set S (q_i ≤ (1 + slack)·min q). For ℓ2: min_{λ ≥ 0} ‖θ̄ − Σ_{i∈S} λ_i y_i ∇f(x_i; θ̄)‖₂/‖θ̄‖₂ ≤
/// 0.05 (NNLS). For the other norms: max_{λ ≥ 0} ⟨g_λ, θ̄⟩/(‖g_λ‖_*‖θ̄‖) ≥ 0.95, g_λ = Σ λ_i y_i ∇f_i.
pub struct Kkt {
    /// The optimizer whose limit direction is certified.
    pub subject: Competitor,
    /// Its norm N (`subject.norm`).
    pub norm: Arc<ProductNorm>,
    /// The support slack (1e-2).
    pub slack: f64,
    /// The support rule (a planted-bug test swaps it).
    pub support: fn(&[f64], f64) -> Vec<usize>,
}

impl Kkt {
    fn euclidean(&self) -> bool {
        self.subject.norm == "l2"
    }
}

impl Check for Kkt {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P2-d",
            Some(format!("{}/{}", self.subject.name, self.subject.norm)),
        )
    }
    fn claim(&self) -> String {
        if self.euclidean() {
            format!("the direction reached by {} is an ℓ2 KKT point of margin maximization: min_(λ≥0) ‖θ̄ − Σ_(i∈S) λ_i y_i ∇f(x_i; θ̄)‖₂ ≤ 0.05‖θ̄‖₂ in every seed", self.subject.name)
        } else {
            format!("the direction reached by {} is a KKT point of margin maximization in {}: max_(λ≥0) ⟨g_λ, θ̄⟩/(‖g_λ‖_*‖θ̄‖) ≥ 0.95, g_λ = Σ_(i∈S) λ_i y_i ∇f(x_i; θ̄), in every seed", self.subject.name, self.subject.norm)
        }
    }
    fn source(&self) -> String {
        format!("{SOURCE} Thm 3.2 (KKT conditions of problem (11)); §4 check P2-d; theory/P2-d.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let s = Sizes::of(ctx);
        json!({"sizes": s.to_json(s.trace_seeds), "subject": self.subject.to_json(),
               "norm": self.norm.name(), "support_slack": self.slack, "stop_loss": "none (whole budget)", "loss_guard_true_gradient": LOSS_GUARD,
               "solver": if self.euclidean() { "NNLS as an SOCP (Clarabel, tol 1e-10)" } else { "min ‖g_λ‖_* s.t. ⟨g_λ, θ̄⟩ = 1, λ ≥ 0 (Clarabel, tol 1e-9)" }})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let s = Sizes::of(ctx);
        let id = self.id();
        let model = model();
        let seeds: Vec<usize> = (0..s.trace_seeds).collect();
        let blocks = if self.euclidean() {
            Vec::new()
        } else {
            dual_blocks(self.subject.norm, s.d, s.width)?
        };
        let per = try_par_map(&seeds, |&seed| {
            let (x, y, init) = problem(ctx, &id, seed, &s);
            let run = train(
                &model,
                &self.subject.factory,
                &init,
                &x,
                &y,
                s.trace_steps,
                0.0, // no protocol stop (see LOSS_GUARD)
                None,
                0,
            )?;
            let q = normalized_margins(&model, &run.params, &x, &y, &self.norm);
            if min(&q) <= 0.0 {
                return Ok((f64::NAN, 0, run.steps, false));
            }
            let support = (self.support)(&q, self.slack);
            let nt = self.norm.norm(&run.params);
            let bar: Vec<Mat<f64>> = run
                .params
                .iter()
                .map(|m| m * faer::Scale(1.0 / nt))
                .collect();
            let grads = model.output_gradients(&bar, &x);
            let cols: Vec<Vec<f64>> = support
                .iter()
                .map(|&i| flatten(&grads[i]).into_iter().map(|v| y[i] * v).collect())
                .collect();
            let theta = flatten(&bar);
            let a = Mat::from_fn(theta.len(), cols.len(), |r, c| cols[c][r]);
            let b = Mat::from_fn(theta.len(), 1, |r, _| theta[r]);
            let value = if self.euclidean() {
                let sol = nnls(&a, &b)?;
                sol.residual / theta.iter().map(|v| v * v).sum::<f64>().sqrt()
            } else {
                let sol = best_dual_alignment(&a, &b, &blocks)?;
                let g = unflatten(&sol.g, &bar);
                let ip: f64 = g
                    .iter()
                    .zip(&bar)
                    .map(|(u, v)| inner(u.as_ref(), v.as_ref()))
                    .sum();
                ip / (self.norm.dual_norm(&g) * self.norm.norm(&bar))
            };
            Ok((value, support.len(), run.steps, true))
        })?;
        let values: Vec<f64> = separated_only(per.iter().map(|x| (x.0, x.3)), &id)?;
        let details = json!({"per_seed": values, "support_size": per.iter().map(|x| x.1).collect::<Vec<_>>(),
                             "steps": per.iter().map(|x| x.2).collect::<Vec<_>>(),
                             "separated": per.iter().map(|x| x.3).collect::<Vec<_>>(),
                             "note": "per_seed lists the separating runs only: a run that does not separate the data violates the theory's positive-margin hypothesis"});
        let outcome = if self.euclidean() {
            Outcome::new(
                values.iter().copied().fold(f64::NEG_INFINITY, |a, b| if b.is_nan() { b } else { a.max(b) }),
                Expectation::at_most(0.05, "file 02 §4's tolerance for the relative NNLS residual: θ̄ is a finite-time direction, only asymptotically a KKT point"),
            )
        } else {
            Outcome::new(
                values.iter().copied().fold(f64::INFINITY, |a, b| if b.is_nan() { b } else { a.min(b) }),
                Expectation::at_least(0.95, "file 02 §4's (1 − 0.05) for ⟨g_λ, θ̄⟩ ≥ (1 − 0.05)‖g_λ‖_*‖θ̄‖ at the best λ ≥ 0: θ̄ is a finite-time direction, only asymptotically a KKT point"),
            )
        };
        Ok(outcome.with_details(details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::run_one;

    use crate::validate::testing::ctx;

    fn by(name: &str) -> Competitor {
        competitors().into_iter().find(|c| c.name == name).unwrap()
    }

    /// Records that run in the paper profile only (quick values, which fail file 02's tolerances at
    /// quick sizes, are in theory/P2-a.md, P2-b.md, P2-d.md).
    const PAPER_ONLY: &[&str] = &[
        "P2-a[msp]",
        "P2-b[muon]",
        "P2-b[momentum-ngd]",
        "P2-d[ngd/l2]",
        "P2-d[signum/linf]",
        "P2-d[muon/msp]",
        "P2-d[muon-adam/hybrid]",
    ];

    #[test]
    fn real_checks_pass_in_quick_apart_from_paper_only_ones() {
        for c in checks() {
            let r = run_one(c.as_ref(), &ctx());
            assert!(r.error.is_none(), "{}: {:?}", r.id, r.error);
            if PAPER_ONLY.contains(&r.id.as_str()) {
                assert_eq!(r.pass, None, "{}", r.id);
                assert!(r.skipped.as_deref().unwrap().contains("theory/P2-"));
            } else {
                assert_eq!(r.pass, Some(true), "{}: {:?}", r.id, r.measured);
            }
        }
    }

    /// NGD, MomentumNGD, Signum and Muon (exact polar) train on the common gradient scale (full
    /// budgets, exact past the underflow); Adam and Muon-Adam (ε > 0) on the true gradient.
    #[test]
    fn scale_invariant_competitors_are_the_four_normalized_ones() {
        for c in competitors() {
            let opt = (c.factory)(&[(4, 3), (4, 1)]).unwrap();
            let want = !matches!(c.name, "adam" | "muon-adam");
            assert_eq!(opt.scale_invariant(), want, "{}", c.name);
        }
    }

    /// A rescaled MomentumNGD run (data scaled ×3) drops the guard: it takes its whole budget of
    /// 3000 steps and ends at log L ≈ −334, past the guard's ln 1e-100 ≈ −230 (on the true gradient
    /// it stopped there after 1848 steps, with the same log L as the rescaled run to 1e-13 up to
    /// then); a stop rule above the guard (1e-50) still ends the run early.
    #[test]
    fn rescaled_runs_go_past_the_underflow() {
        let s = Sizes::of(&ctx());
        let (x, y, init) = problem(&ctx(), "underflow-test", 1, &s);
        let x = &x * faer::Scale(3.0);
        let model = model();
        let momentum = by("momentum-ngd");
        let run_to = |stop: f64| {
            train(
                &model,
                &momentum.factory,
                &init,
                &x,
                &y,
                3000,
                stop,
                None,
                0,
            )
            .unwrap()
        };
        let run = run_to(0.0);
        assert_eq!(run.steps, 3000);
        let guard = LOSS_GUARD.ln();
        assert!(
            run.final_log_loss < guard && run.final_log_loss.is_finite(),
            "{}",
            run.final_log_loss
        );
        // a protocol stop above the guard (P2-a's kind) still applies to rescaled runs
        let stopped = run_to(1e-50);
        assert!(
            stopped.steps < 3000 && stopped.final_loss < 1e-50,
            "{}",
            stopped.steps
        );
    }

    #[test]
    fn same_record_for_any_thread_count() {
        let c = Directional {
            subject: by("signum"),
            from: 0.5,
        };
        let with = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| run_one(&c, &ctx()))
        };
        let (one, three) = (with(1), with(3));
        assert_eq!(one.measured, three.measured);
        assert_eq!(one.details, three.details);
    }

    #[test]
    fn margin_norms_and_alignment_by_hand() {
        let w = Mat::from_fn(2, 2, |i, j| if i == j { [3.0, -1.0][i] } else { 0.0 });
        let a = Mat::from_fn(2, 1, |i, _| [0.5, -2.0][i]);
        let p = vec![w, a];
        let want = [
            ("l2", (9.0f64 + 1.0 + 0.25 + 4.0).sqrt()),
            ("linf", 3.0),
            ("msp", 3.0),
            ("hybrid", 2.0),
        ];
        for (name, v) in want {
            let got = margin_norm(name).unwrap().norm(&p);
            assert!((got - v).abs() < 1e-12, "{name}: {got} vs {v}");
        }
        // r = 1 for the steepest-descent step −η·dualize(g), −1 with the gradient's sign flipped.
        for name in ["l2", "linf", "msp", "hybrid"] {
            let n = margin_norm(name).unwrap();
            let step: Vec<Mat<f64>> = n
                .dualize(&p)
                .iter()
                .map(|m| m * faer::Scale(-0.3))
                .collect();
            assert!(
                (alignment_ratio(&p, &step, &n) - 1.0).abs() < 1e-12,
                "{name}"
            );
            let flipped: Vec<Mat<f64>> = p.iter().map(|m| m * faer::Scale(-1.0)).collect();
            assert!(
                (alignment_ratio(&flipped, &step, &n) + 1.0).abs() < 1e-12,
                "{name}"
            );
        }
    }

    #[test]
    fn wrong_margin_norm_fails() {
        // The ℓ∞ judge evaluated in ℓ2: NGD wins, Signum and Adam lose.
        let c = OwnNormMargin {
            judge: "linf",
            norm: Arc::new(margin_norm("l2").unwrap()),
            pass_rate: 0.8,
            competitors: vec![by("ngd"), by("signum"), by("adam")],
            stop_loss: STOP_LOSS,
        };
        assert_eq!(run_one(&c, &ctx()).pass, Some(false));
    }

    #[test]
    fn swapped_optimizers_fail() {
        let mut cs = vec![by("ngd"), by("signum"), by("muon")];
        for c in &mut cs {
            c.norm = match c.norm {
                "l2" => "linf",
                "linf" => "l2",
                other => other,
            };
        }
        let c = OwnNormMargin {
            judge: "l2",
            norm: Arc::new(margin_norm("l2").unwrap()),
            pass_rate: 0.8,
            competitors: cs,
            stop_loss: STOP_LOSS,
        };
        assert_eq!(run_one(&c, &ctx()).pass, Some(false));
    }

    #[test]
    fn alignment_in_the_wrong_norm_fails() {
        // Signum's sign step measured against the ℓ2 steepest direction.
        let c = Alignment {
            subject: by("signum"),
            norm: Arc::new(margin_norm("l2").unwrap()),
            reported: vec![],
        };
        assert_eq!(run_one(&c, &ctx()).pass, Some(false));
    }

    #[test]
    fn directional_window_from_the_start_fails() {
        let c = Directional {
            subject: by("ngd"),
            from: 0.0,
        };
        assert_eq!(run_one(&c, &ctx()).pass, Some(false));
    }

    #[test]
    fn kkt_with_a_wrong_support_fails_and_fits_worse() {
        // The near-support rule swapped for "the point of largest margin": red, and the fit is
        // worse than with the real support (P2-d itself is a recorded finding in quick).
        fn farthest(q: &[f64], _: f64) -> Vec<usize> {
            vec![(0..q.len()).max_by(|&a, &b| q[a].total_cmp(&q[b])).unwrap()]
        }
        for name in ["ngd", "muon"] {
            let subject = by(name);
            let make = |support: fn(&[f64], f64) -> Vec<usize>| Kkt {
                norm: Arc::new(margin_norm(subject.norm).unwrap()),
                subject: subject.clone(),
                slack: 1e-2,
                support,
            };
            let bad = run_one(&make(farthest), &ctx());
            assert_eq!(bad.pass, Some(false), "{name}");
            if name == "ngd" {
                // The NNLS residual with the real support is smaller.
                let good = run_one(&make(near_support), &ctx());
                let (b, g) = (
                    bad.measured.as_f64().unwrap(),
                    good.measured.as_f64().unwrap(),
                );
                assert!(b > g, "wrong support {b} vs real {g}");
            }
        }
    }
}
