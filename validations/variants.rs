//! Suite `variants`: Crawshaw, Modi, Liu & Gower, *An Exploration of Non-Euclidean Gradient
//! Descent: Muon and its Many Variants* (arXiv 2510.09827), checks P3-a (every framework
//! configuration solves its steepest-descent problem) and P3-b (the Momo step minimizes its
//! truncated model), run on the library's `nesgd` / `*-momo` recipes. Every record runs beside a
//! negative control built from [`planted`]: the same check around a recipe with a bug planted in
//! its mathematics.

use crate::error::Result;
use crate::linalg::singular_values;
use crate::norms::inner;
use crate::optim::{factory, Factory};
use crate::validate::{to_params, Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::Mat;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

const SUITE: &str = "variants";
const SOURCE: &str = "Crawshaw, Modi, Liu & Gower, An Exploration of Non-Euclidean Gradient Descent: Muon and its Many Variants (arXiv 2510.09827; GPT-opt code)";

/// The network of P3-a/P3-b: three matrix blocks and two vector blocks.
const SHAPES: [(usize, usize); 5] = [(32, 16), (16, 16), (16, 8), (16, 1), (8, 1)];
const BETA: f64 = 0.9;
const BETA2: f64 = 0.95;
const EPS: f64 = 1e-8;
const S: f64 = 1.7320508075688772; // √3: a non-trivial spectral scale

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
}

fn is_matrix(l: usize) -> bool {
    l < 3
}

fn inner_all(a: &[Mat<f64>], b: &[Mat<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| inner(x.as_ref(), y.as_ref()))
        .sum()
}

/// The explicit primal norm N and its dual N_* of a configuration, written independently of the
/// library's dualizers (Crawshaw et al. §1): spectral blocks (1/s)‖W‖₂ / s|||M|||₁; `linfty` ‖x‖_∞ / ‖M‖₁;
/// `adam_infty` max|x_i|D_i/|m_i| / Σ M²/D; `adam_2` √(Σ D x²) / √(Σ M²/D); aggregated by max/ℓ1,
/// ℓ2/ℓ2, or hybrid √((max_M n)² + Σ_O n²) / √((Σ_M d)² + Σ_O d²).
pub struct ExplicitNorm {
    /// `max`, `l2` or `hybrid`.
    pub agg: String,
    /// `linfty`, `adam_infty` or `adam_2`.
    pub embed: String,
    /// The momentum m (defines the `adam_infty` weights).
    pub m: Vec<Mat<f64>>,
    /// D = ε + √v per block.
    pub d: Vec<Mat<f64>>,
}

impl ExplicitNorm {
    fn block(&self, l: usize, x: &Mat<f64>) -> f64 {
        if is_matrix(l) {
            return singular_values(x.as_ref())[0] / S;
        }
        let (m, d) = (&self.m[l], &self.d[l]);
        let mut acc: f64 = 0.0;
        for i in 0..x.nrows() {
            let xi = x[(i, 0)];
            match self.embed.as_str() {
                "linfty" => acc = acc.max(xi.abs()),
                "adam_infty" => acc = acc.max(xi.abs() * d[(i, 0)] / m[(i, 0)].abs()),
                _ => acc += d[(i, 0)] * xi * xi,
            }
        }
        if self.embed == "adam_2" {
            acc.sqrt()
        } else {
            acc
        }
    }
    fn block_dual(&self, l: usize, g: &Mat<f64>) -> f64 {
        if is_matrix(l) {
            return S * singular_values(g.as_ref()).iter().sum::<f64>();
        }
        let (m, d) = (&self.m[l], &self.d[l]);
        let mut acc = 0.0;
        for i in 0..g.nrows() {
            let gi = g[(i, 0)];
            acc += match self.embed.as_str() {
                "linfty" => gi.abs(),
                "adam_infty" => gi.abs() * m[(i, 0)].abs() / d[(i, 0)],
                _ => gi * gi / d[(i, 0)],
            };
        }
        if self.embed == "adam_2" {
            acc.sqrt()
        } else {
            acc
        }
    }
    /// N(x).
    pub fn norm(&self, x: &[Mat<f64>]) -> f64 {
        let n: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(l, b)| self.block(l, b))
            .collect();
        match self.agg.as_str() {
            "max" => n.iter().fold(0.0, |a, &b| a.max(b)),
            "l2" => n.iter().map(|v| v * v).sum::<f64>().sqrt(),
            _ => {
                let nm = (0..n.len())
                    .filter(|&l| is_matrix(l))
                    .fold(0.0f64, |a, l| a.max(n[l]));
                (nm * nm
                    + (0..n.len())
                        .filter(|&l| !is_matrix(l))
                        .map(|l| n[l] * n[l])
                        .sum::<f64>())
                .sqrt()
            }
        }
    }
    /// N_*(g).
    pub fn dual(&self, g: &[Mat<f64>]) -> f64 {
        let d: Vec<f64> = g
            .iter()
            .enumerate()
            .map(|(l, b)| self.block_dual(l, b))
            .collect();
        match self.agg.as_str() {
            "max" => d.iter().sum(),
            "l2" => d.iter().map(|v| v * v).sum::<f64>().sqrt(),
            _ => {
                let dm: f64 = (0..d.len()).filter(|&l| is_matrix(l)).map(|l| d[l]).sum();
                (dm * dm
                    + (0..d.len())
                        .filter(|&l| !is_matrix(l))
                        .map(|l| d[l] * d[l])
                        .sum::<f64>())
                .sqrt()
            }
        }
    }
}

/// Two steps of gradients (g_a, g_b) and the state the recipes reach at step 2:
/// m = βg_a + (1−β)g_b (first-value initialized EMA), v = β2 g_a² + (1−β2) g_b², D = ε + √v.
struct TwoSteps {
    w0: Vec<Mat<f64>>,
    ga: Vec<Mat<f64>>,
    gb: Vec<Mat<f64>>,
    m: Vec<Mat<f64>>,
    d: Vec<Mat<f64>>,
}

fn two_steps(rng: &mut ChaCha8Rng) -> TwoSteps {
    let w0: Vec<Mat<f64>> = SHAPES.iter().map(|&(m, n)| gaussian(rng, m, n)).collect();
    let ga: Vec<Mat<f64>> = SHAPES.iter().map(|&(m, n)| gaussian(rng, m, n)).collect();
    let gb: Vec<Mat<f64>> = SHAPES.iter().map(|&(m, n)| gaussian(rng, m, n)).collect();
    let m = ga
        .iter()
        .zip(&gb)
        .map(|(a, b)| faer::Scale(BETA) * a + faer::Scale(1.0 - BETA) * b)
        .collect();
    let d = ga
        .iter()
        .zip(&gb)
        .map(|(a, b)| {
            Mat::from_fn(a.nrows(), a.ncols(), |i, j| {
                EPS + (BETA2 * a[(i, j)].powi(2) + (1.0 - BETA2) * b[(i, j)].powi(2)).sqrt()
            })
        })
        .collect();
    TwoSteps { w0, ga, gb, m, d }
}

/// A list of parameter blocks.
type Blocks = Vec<Mat<f64>>;

/// Run two steps of `f` from W_0 (losses optional); returns (W_1, W_2 − W_1): the parameters
/// before step 2 and the update of step 2.
fn second_update(
    f: &Factory,
    p: &TwoSteps,
    losses: Option<(f64, f64)>,
) -> Result<(Blocks, Blocks)> {
    let mut opt = f(&SHAPES)?;
    let mut w = p.w0.clone();
    opt.step(&mut w, &p.ga, losses.map(|l| l.0))?;
    let w1 = w.clone();
    opt.step(&mut w, &p.gb, losses.map(|l| l.1))?;
    let u = w.iter().zip(&w1).map(|(a, b)| a - b).collect();
    Ok((w1, u))
}

// ---------------------------------------------------------------------------------------------
// P3-a
// ---------------------------------------------------------------------------------------------

/// P3-a: a configuration (aggregation × embed norm × lmo) solves its steepest-descent problem.
pub struct ConfigurationSolves {
    /// Aggregation.
    pub agg: &'static str,
    /// Embedding norm.
    pub embed: &'static str,
    /// Constrained (true) or regularized (false).
    pub lmo: bool,
    /// The recipe under test (lr = 1, wd = 0).
    pub opt: Factory,
}

/// The `nesgd` spec of a configuration (constrained: `sharp=false`; regularized: `sharp=true`).
pub fn nesgd_spec(agg: &str, embed: &str, lmo: bool) -> String {
    let sharp = !lmo;
    format!("nesgd:lr=1,agg={agg},embed={embed},sharp={sharp},momentum={BETA},beta2={BETA2},eps={EPS},s={S},ns=exact,wd=0")
}

/// The `params` of [`ConfigurationSolves`] (β, β₂, ε and s are those of [`nesgd_spec`]).
#[derive(Serialize)]
struct ConfigurationParams {
    shapes: [(usize, usize); 5],
    agg: &'static str,
    embed: &'static str,
    lmo: bool,
    beta: f64,
    beta2: f64,
    eps: f64,
    s: f64,
    random_v: usize,
}

impl ConfigurationSolves {
    fn setup(&self, ctx: &Ctx) -> ConfigurationParams {
        ConfigurationParams {
            shapes: SHAPES,
            agg: self.agg,
            embed: self.embed,
            lmo: self.lmo,
            beta: BETA,
            beta2: BETA2,
            eps: EPS,
            s: S,
            random_v: ctx.profile.pick(500, 10000),
        }
    }
}

impl Check for ConfigurationSolves {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P3-a",
            Some(format!(
                "{},{},{}",
                self.agg,
                self.embed,
                if self.lmo { "lmo" } else { "reg" }
            )),
        )
    }
    fn claim(&self) -> String {
        "the update u is the steepest-descent step of its product norm N: constrained N(u) = 1, ⟨M,u⟩ = N_*(M); regularized N(u) = N_*(M), ⟨M,u⟩ = N_*(M)²; no v with N(v) = N(u) does better".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §1; theory/P3-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let p = two_steps(&mut rng);
        let (_, step) = second_update(&self.opt, &p, None)?;
        let u: Vec<Mat<f64>> = step.iter().map(|x| faer::Scale(-1.0) * x).collect();
        let n = ExplicitNorm {
            agg: self.agg.into(),
            embed: self.embed.into(),
            m: p.m.clone(),
            d: p.d.clone(),
        };
        let (nu, dual, mu) = (n.norm(&u), n.dual(&p.m), inner_all(&p.m, &u));
        let (e1, e2) = if self.lmo {
            ((nu - 1.0).abs(), (mu - dual).abs() / dual)
        } else {
            (
                (nu - dual).abs() / dual,
                (mu - dual * dual).abs() / (dual * dual),
            )
        };
        let mut excess: f64 = 0.0;
        for _ in 0..setup.random_v {
            let v: Vec<Mat<f64>> = setup
                .shapes
                .iter()
                .map(|&(a, b)| gaussian(&mut rng, a, b))
                .collect();
            let c = nu / n.norm(&v);
            excess = excess.max((c * inner_all(&p.m, &v) - mu) / mu.abs());
        }
        Ok(Outcome::new(
            e1.max(e2).max(excess),
            Expectation::at_most(1e-9, "exact identities (SVD-based, rounding ~1e-14); random competitors may not beat u by more than 1e-9 relative"),
        )
        .with_figures(json!({"N(u)": nu, "N_*(M)": dual, "<M,u>": mu, "norm_identity_err": e1,
                             "value_identity_err": e2, "random_excess": excess})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "one cubic Newton–Schulz step in place of the polar factor of the matrix blocks",
            ConfigurationSolves {
                agg: self.agg,
                embed: self.embed,
                lmo: self.lmo,
                opt: planted::one_cubic_ns_step(self.agg, self.embed, self.lmo),
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P3-b
// ---------------------------------------------------------------------------------------------

/// P3-b: the Momo step minimizes its truncated model along its direction.
pub struct MomoMinimizesModel {
    /// `momo`, `muonadam-momo` or `muonmax-momo`.
    pub label: &'static str,
    /// Builds the Momo recipe for a loss lower bound F_*.
    pub momo: Arc<dyn Fn(f64) -> Factory + Send + Sync>,
    /// The base recipe (same direction, learning rate `lr`, no Momo); `None` for Euclidean Momo,
    /// whose direction is the momentum itself.
    pub base: Option<Factory>,
    /// Constrained (LMO) or regularized.
    pub lmo: bool,
    /// The learning rate (cap) η.
    pub lr: f64,
}

/// The `params` of [`MomoMinimizesModel`].
#[derive(Serialize)]
struct MomoParams {
    recipe: &'static str,
    lr: f64,
    lmo: bool,
    shapes: [(usize, usize); 5],
    beta: f64,
    f1: f64,
    lb: f64,
    #[serde(rename = "regimes (set through f_2)")]
    regimes: [&'static str; 3],
    grid: usize,
}

impl MomoMinimizesModel {
    fn setup(&self, ctx: &Ctx) -> MomoParams {
        MomoParams {
            recipe: self.label,
            lr: self.lr,
            lmo: self.lmo,
            shapes: SHAPES,
            beta: BETA,
            f1: 2.0,
            lb: 0.0,
            regimes: [
                "truncated (τ* = 0.3η)",
                "capped (τ* = η)",
                "clamped (τ* = 0)",
            ],
            grid: ctx.profile.pick(2000, 100000),
        }
    }
}

impl Check for MomoMinimizesModel {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P3-b", Some(self.label.into()))
    }
    fn claim(&self) -> String {
        "the Momo step −η_eff·u minimizes max{F̄ + ⟨m, θ − τu⟩, F_*} + (regularizer or trust region of radius η) over τ ∈ [0, η], with η_eff = min(η, (F̄ − F_* + ⟨θ,m⟩)_+/⟨m,u⟩)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §3 (and Schaipp et al., ICML 2024); theory/P3-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let p = two_steps(&mut rng);
        let f1 = setup.f1;
        // The unit-lr direction u at step 2.
        let u: Vec<Mat<f64>> = match &self.base {
            Some(f) => second_update(f, &p, None)?
                .1
                .iter()
                .map(|x| faer::Scale(-1.0 / self.lr) * x)
                .collect(),
            None => p.m.clone(),
        };
        let d1 = inner_all(&p.m, &u);
        let lb = setup.lb;
        // Step 1 does not depend on f_2: run it once to get θ_2 and F̄_1 = f_1 − ⟨θ_1, g_a⟩.
        let f = (self.momo)(lb);
        let theta2 = {
            let mut opt = f(&SHAPES)?;
            let mut w = p.w0.clone();
            opt.step(&mut w, &p.ga, Some(f1))?;
            w
        };
        let fbar1 = f1 - inner_all(&p.w0, &p.ga);
        let mut worst: f64 = 0.0;
        let mut details = Vec::new();
        let (mut taus, mut stars) = (Vec::new(), Vec::new());
        // The regime is set through f_2: A = F̄_2 + ⟨θ_2, m⟩ with F̄_2 = βF̄_1 + (1−β)(f_2 − ⟨θ_2, g_b⟩),
        // so A − F_* = target for f_2 = (target + F_* − βF̄_1 − ⟨θ_2, m⟩)/(1−β) + ⟨θ_2, g_b⟩.
        for (regime, target) in [0.3 * self.lr * d1, 100.0 * self.lr * d1, -1.0]
            .into_iter()
            .enumerate()
        {
            let f2 = (target + lb - BETA * fbar1 - inner_all(&theta2, &p.m)) / (1.0 - BETA)
                + inner_all(&theta2, &p.gb);
            let a = lb + target;
            let (theta2b, step) = second_update(&f, &p, Some((f1, f2)))?;
            let moved = theta2
                .iter()
                .zip(&theta2b)
                .map(|(x, y)| (x - y).norm_max())
                .fold(0.0, f64::max);
            let tau_code = -inner_all(&step, &u) / inner_all(&u, &u);
            let resid: f64 = step
                .iter()
                .zip(&u)
                .map(|(s, v)| (s + faer::Scale(tau_code) * v).norm_l2().powi(2))
                .sum::<f64>()
                .sqrt()
                / inner_all(&u, &u).sqrt().max(1e-300);
            let phi = |t: f64| {
                let model = (a - t * d1).max(lb);
                if self.lmo {
                    model
                } else {
                    model + t * t * d1 / (2.0 * self.lr)
                }
            };
            let k = setup.grid;
            let (mut best, mut first_best_t) = (phi(0.0), 0.0);
            for i in 1..=k {
                let t = self.lr * (i as f64) / (k as f64);
                let v = phi(t);
                if v < best - 1e-15 * best.abs().max(1.0) {
                    best = v;
                    first_best_t = t;
                }
            }
            let scale = a.abs().max(lb.abs()).max(self.lr * d1).max(1.0);
            let gap = ((phi(tau_code) - best) / scale).max(0.0);
            let tau_star = self.lr.min((a - lb).max(0.0) / d1);
            let tau_err = (tau_code - tau_star).abs() / self.lr;
            // The constrained model is flat past its kink; the closed form is its smallest minimizer.
            let early = if self.lmo {
                ((tau_code - first_best_t) / self.lr - 1.0 / k as f64).max(0.0)
            } else {
                0.0
            };
            let m = gap.max(tau_err).max(resid).max(early).max(moved);
            taus.push(tau_code);
            stars.push(tau_star);
            details.push(json!({"regime": regime, "f2": f2, "tau_err": tau_err, "early": early, "moved": moved, "first_best_t": first_best_t, "tau_code": tau_code, "tau_star": tau_star, "model_gap": gap, "collinearity": resid}));
            worst = worst.max(m);
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(1e-6, "the grid minimum of the 1-D model (spacing ≤ η/2000 quick) is within 1e-6 of the closed form; the step size, its closed form and the model are exact otherwise"),
        )
        .with_figures(json!({"regimes": ["truncated", "capped", "clamped"], "tau_code": taus, "tau_star": stars}))
        .with_details(json!(details)))
    }
    fn control(&self) -> Option<Planted> {
        let momo = match &self.base {
            Some(base) => planted::without_momo_step(base.clone()),
            None => planted::momentum_without_momo_step(self.lr),
        };
        Planted::new(
            "the method without Momo's step size (η_eff = η always)",
            MomoMinimizesModel {
                label: self.label,
                momo,
                base: self.base.clone(),
                lmo: self.lmo,
                lr: self.lr,
            },
        )
    }
}

/// The bugs planted in the mathematics of the recipes: one definition each, used by the records'
/// negative controls and by the tests.
pub mod planted {
    use super::{nesgd_spec, BETA};
    use crate::optim::{
        factory, Factory, GradientTransformation, LearningRate, Momentum, MomentumInit, Optimizer,
        Schedule,
    };
    use std::sync::Arc;

    /// P3-a: the configuration with one cubic Newton–Schulz step, 1.5X − 0.5XXᵀX of
    /// X = M/‖M‖_F, in place of the exact polar factor of each matrix block.
    pub fn one_cubic_ns_step(agg: &str, embed: &str, lmo: bool) -> Factory {
        factory(&nesgd_spec(agg, embed, lmo).replace("ns=exact", "ns=cubic,ns_steps=1"))
    }

    /// P3-b (MuonAdam-Momo, MuonMax-Momo): the base recipe itself, whatever F_* is: the Momo
    /// step size η_eff replaced by the cap η.
    pub fn without_momo_step(base: Factory) -> Arc<dyn Fn(f64) -> Factory + Send + Sync> {
        Arc::new(move |_| base.clone())
    }

    /// P3-b (Euclidean Momo): the same first-value EMA momentum m stepped by −η·m, Momo's step
    /// size η_eff replaced by the cap η.
    pub fn momentum_without_momo_step(lr: f64) -> Arc<dyn Fn(f64) -> Factory + Send + Sync> {
        Arc::new(move |_| {
            Arc::new(move |shapes: &[(usize, usize)]| {
                let momentum = Momentum {
                    init: MomentumInit::FirstValue,
                    ..Momentum::ema(BETA)
                };
                Ok(Box::new(GradientTransformation::new(
                    "momentum[no momo]",
                    (momentum, LearningRate),
                    Schedule::Constant(lr),
                    shapes,
                )) as Box<dyn Optimizer>)
            }) as Factory
        })
    }
}

/// The registered checks.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for agg in ["max", "l2", "hybrid"] {
        for embed in ["linfty", "adam_infty", "adam_2"] {
            for lmo in [true, false] {
                v.push(Box::new(ConfigurationSolves {
                    agg,
                    embed,
                    lmo,
                    opt: factory(&nesgd_spec(agg, embed, lmo)),
                }));
            }
        }
    }
    let lr = 0.05;
    v.push(Box::new(MomoMinimizesModel {
        label: "momo",
        momo: Arc::new(move |lb| factory(&format!("momo:lr={lr},beta={BETA},lb={lb}"))),
        base: None,
        lmo: false,
        lr,
    }));
    let common = format!("lr={lr},momentum={BETA},beta2={BETA2},eps={EPS},s={S},wd=0");
    for (label, base, lmo) in [
        ("muonadam-momo", "muonadam", true),
        ("muonmax-momo", "muonmax", false),
    ] {
        let c = common.clone();
        v.push(Box::new(MomoMinimizesModel {
            label,
            momo: Arc::new(move |lb| factory(&format!("{label}:{c},lb={lb}"))),
            base: Some(factory(&format!("{base}:{common}"))),
            lmo,
            lr,
        }));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::fails;

    crate::validate::testing::suite_tests!();

    #[test]
    fn p3a_catches_a_wrong_aggregation_and_a_wrong_scale() {
        // The l2 configuration run with max aggregation.
        fails(&ConfigurationSolves {
            agg: "l2",
            embed: "adam_2",
            lmo: false,
            opt: factory(&nesgd_spec("max", "adam_2", false)),
        });
        // The spectral scale applied as s² instead of s.
        let wrong = nesgd_spec("hybrid", "linfty", true).replace(&format!("s={S}"), "s=3");
        fails(&ConfigurationSolves {
            agg: "hybrid",
            embed: "linfty",
            lmo: true,
            opt: factory(&wrong),
        });
    }

    #[test]
    fn p3b_catches_bias_corrected_momo_checked_against_the_first_value_model() {
        let lr = 0.05;
        fails(&MomoMinimizesModel {
            label: "momo",
            momo: Arc::new(move |lb| {
                factory(&format!(
                    "momo:lr={lr},beta={BETA},lb={lb},bias_correction=true"
                ))
            }),
            base: None,
            lmo: false,
            lr,
        });
    }
}
