//! Suite `fromage`: Bernstein, Vahdat, Yue & Liu, *On the distance between two neural networks and
//! the stability of learning* (Fromage; arXiv 2002.03432, NeurIPS 2020), checks P7-a and P7-b on
//! the library's `fromage` optimizer (held as a [`Factory`]).
//!
//! Each record's negative control is the same check around a Fromage with a bug planted in its
//! update rule ([`planted`]): without the 1/√(1+η²) norm correction (P7-a), without the trust ratio
//! ‖W‖_F/‖g‖_F (P7-b). The unit tests use the same constructors.

use crate::error::Result;
use crate::models::tanh_mlp::TanhPerceptron;
use crate::models::Evaluated;
use crate::norms::inner;
use crate::optim::{factory, Factory};
use crate::train::{fit, FitSpec, Observer};
use crate::validate::{to_params, Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::Mat;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use serde_json::{json, Value};

const SUITE: &str = "fromage";
const SOURCE: &str = "Bernstein, Vahdat, Yue & Liu, On the distance between two neural networks and the stability of learning, arXiv 2002.03432 (NeurIPS 2020), the Fromage update (Algorithm 1)";

/// Fromage with a bug planted in its update rule: the negative controls of the suite's records
/// (one definition, used by the records and by the unit tests).
pub mod planted {
    use crate::optim::{
        Factory, FromageRetraction, GradientTransformation, Identity, LearningRate, Optimizer,
        Schedule, Transform, TrustRatio,
    };

    /// A [`Factory`] of the composable transform chain `t` at constant learning rate `lr`.
    fn chain<T: Transform + Clone + Send + Sync + 'static>(
        name: &'static str,
        t: T,
        lr: f64,
    ) -> Factory
    where
        T::State: 'static,
    {
        std::sync::Arc::new(move |shapes: &[(usize, usize)]| {
            Ok(Box::new(GradientTransformation::new(
                name,
                t.clone(),
                Schedule::Constant(lr),
                shapes,
            )) as Box<dyn Optimizer>)
        })
    }

    /// What [`without_norm_correction`] plants.
    pub const NO_CORRECTION: &str =
        "Fromage without the 1/√(1+η²) norm correction: W ← W − η(‖W‖_F/‖g‖_F)g";

    /// Fromage without its norm correction: trust ratio and learning rate only.
    pub fn without_norm_correction(lr: f64) -> Factory {
        chain("fromage-without-correction", (TrustRatio, LearningRate), lr)
    }

    /// What [`without_trust_ratio`] plants.
    pub const NO_TRUST_RATIO: &str =
        "Fromage without the trust ratio ‖W‖_F/‖g‖_F: W ← (W − ηg)/√(1+η²)";

    /// Fromage without its trust ratio: a plain gradient step followed by the norm correction.
    pub fn without_trust_ratio(lr: f64) -> Factory {
        chain(
            "fromage-without-trust-ratio",
            (Identity, LearningRate, FromageRetraction::default()),
            lr,
        )
    }
}

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
}

/// Which P7-a identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FromageIdentity {
    /// ⟨W, g⟩ = 0 ⇒ ‖W_new‖_F = ‖W‖_F.
    NormPreserved,
    /// ‖W_new − W/√(1+η²)‖_F = η‖W‖_F/√(1+η²) for any g.
    Displacement,
}

/// P7-a: the exact identities of one Fromage step.
pub struct FromageStep {
    /// `fromage:lr=η` (or a planted bug).
    pub fromage: Factory,
    /// η.
    pub lr: f64,
    /// Which identity.
    pub identity: FromageIdentity,
}

/// The `params` of [`FromageStep`].
#[derive(Serialize)]
struct StepParams {
    lr: f64,
    shapes: [(usize, usize); 3],
    trials: usize,
}

impl FromageStep {
    fn setup(&self, ctx: &Ctx) -> StepParams {
        StepParams {
            lr: self.lr,
            shapes: [(16, 8), (5, 20), (7, 1)],
            trials: ctx.profile.pick(20, 200),
        }
    }
}

impl Check for FromageStep {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P7-a",
            Some(match self.identity {
                FromageIdentity::NormPreserved => "orthogonal".into(),
                FromageIdentity::Displacement => "displacement".into(),
            }),
        )
    }
    fn claim(&self) -> String {
        match self.identity {
            FromageIdentity::NormPreserved => "for g ⊥ W one Fromage step keeps ‖W‖_F",
            FromageIdentity::Displacement => "for any g, ‖W_new − W/√(1+η²)‖_F = η‖W‖_F/√(1+η²)",
        }
        .into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}; theory/P7-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let shapes = setup.shapes;
        let eta = setup.lr;
        let c = (1.0 + eta * eta).sqrt();
        let mut worst: f64 = 0.0;
        for _ in 0..setup.trials {
            let w: Vec<Mat<f64>> = shapes
                .iter()
                .map(|&(m, n)| gaussian(&mut rng, m, n))
                .collect();
            let g: Vec<Mat<f64>> = shapes
                .iter()
                .zip(&w)
                .map(|(&(m, n), wl)| {
                    let g = faer::Scale(10f64.powf(StandardNormal.sample(&mut rng)))
                        * gaussian(&mut rng, m, n);
                    match self.identity {
                        FromageIdentity::NormPreserved => {
                            let a = inner(wl.as_ref(), g.as_ref()) / wl.norm_l2().powi(2);
                            &g - faer::Scale(a) * wl
                        }
                        FromageIdentity::Displacement => g,
                    }
                })
                .collect();
            let mut opt = (self.fromage)(&shapes)?;
            let mut wn = w.clone();
            opt.step(&mut wn, &g, None)?;
            for (old, new) in w.iter().zip(&wn) {
                let err = match self.identity {
                    FromageIdentity::NormPreserved => (new.norm_l2() / old.norm_l2() - 1.0).abs(),
                    FromageIdentity::Displacement => {
                        let d = (new - faer::Scale(1.0 / c) * old).norm_l2();
                        let want = eta * old.norm_l2() / c;
                        (d / want - 1.0).abs()
                    }
                };
                worst = worst.max(err);
            }
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1e-12,
                "exact identities of one step; rounding in a few Frobenius norms is ~1e-15",
            ),
        ))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            planted::NO_CORRECTION,
            FromageStep {
                fromage: planted::without_norm_correction(self.lr),
                lr: self.lr,
                identity: self.identity,
            },
        )
    }
}

/// The per-layer relative steps r = ‖W_t − W_{t−1}‖_F/‖W_{t−1}‖_F of a run: their range, the
/// worst excursion max(lo − r, r − hi, 0)/η outside [lo, hi], and the losses L(W_{t−1}).
struct RelativeSteps {
    bounds: (f64, f64),
    lr: f64,
    before: Vec<Mat<f64>>,
    losses: Vec<f64>,
    worst: f64,
    range: (f64, f64),
}

impl Observer<()> for RelativeSteps {
    fn before_step(&mut self, _: usize, params: &[Mat<f64>], eval: &Evaluated) -> Result<()> {
        self.losses.push(eval.loss);
        self.before = params.to_vec();
        Ok(())
    }
    fn after_step(&mut self, _: usize, params: &[Mat<f64>], _: &[Mat<f64>]) -> Result<()> {
        let (lo, hi) = self.bounds;
        for (old, new) in self.before.iter().zip(params) {
            let r = (new - old).norm_l2() / old.norm_l2();
            self.range = (self.range.0.min(r), self.range.1.max(r));
            self.worst = self.worst.max((lo - r).max(r - hi).max(0.0) / self.lr);
        }
        Ok(())
    }
}

/// P7-b: per-layer relative update sizes while training a 3-layer perceptron.
pub struct FromageRelativeStep {
    /// `fromage:lr=η` (or a planted bug).
    pub fromage: Factory,
    /// η.
    pub lr: f64,
}

/// The `params` of [`FromageRelativeStep`].
#[derive(Serialize)]
struct TrainingParams {
    lr: f64,
    layers: &'static str,
    n: usize,
    init: &'static str,
    targets: &'static str,
    steps: usize,
}

impl FromageRelativeStep {
    fn setup(&self, ctx: &Ctx) -> TrainingParams {
        TrainingParams {
            lr: self.lr,
            layers: "20 → 32 → 32 → 5, tanh",
            n: 64,
            init: "N(0, 1/fan_in)",
            targets: "random tanh teacher",
            steps: ctx.profile.pick(100, 1000),
        }
    }
}

impl Check for FromageRelativeStep {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P7-b", None)
    }
    fn claim(&self) -> String {
        "training a 3-layer perceptron with Fromage, every layer's relative step ‖W_{t+1} − W_t‖_F/‖W_t‖_F lies in [η/(1+η), 2η]".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} and its rationale, every layer moves by the same relative step η (deep relative trust); theory/P7-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let (d, h, k, n) = (20, 32, 5, setup.n);
        let shapes = [(h, d), (h, h), (k, h)];
        let init = |rng: &mut ChaCha8Rng, m: usize, fan_in: usize| {
            faer::Scale(1.0 / (fan_in as f64).sqrt()) * gaussian(rng, m, fan_in)
        };
        let x = gaussian(&mut rng, d, n);
        let teacher: Vec<Mat<f64>> = shapes.iter().map(|&(m, f)| init(&mut rng, m, f)).collect();
        // Targets: the teacher's outputs.
        let t = {
            let a1 = &teacher[0] * &x;
            let a1 = Mat::from_fn(a1.nrows(), a1.ncols(), |i, j| a1[(i, j)].tanh());
            let z2 = &teacher[1] * &a1;
            let a2 = Mat::from_fn(z2.nrows(), z2.ncols(), |i, j| z2[(i, j)].tanh());
            &teacher[2] * &a2
        };
        let w0: Vec<Mat<f64>> = shapes.iter().map(|&(m, f)| init(&mut rng, m, f)).collect();
        let mut opt = (self.fromage)(&shapes)?;
        let steps = setup.steps;
        let mut obs = RelativeSteps {
            bounds: (self.lr / (1.0 + self.lr), 2.0 * self.lr),
            lr: self.lr,
            before: Vec::new(),
            losses: Vec::new(),
            worst: 0.0,
            range: (f64::INFINITY, 0.0),
        };
        let net = TanhPerceptron {
            x: &x,
            targets: &t,
            shapes: &shapes,
        };
        fit(&net, opt.as_mut(), &FitSpec::new(steps).init(w0), &mut obs)?;
        let (worst, (rmin, rmax), (lo, hi)) = (obs.worst, obs.range, obs.bounds);
        let (first_loss, last_loss) = (obs.losses[0], obs.losses[steps - 1]);
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                0.0,
                "the band must hold at every step: the exact relative step lies in [|ηc − (1 − c)|, ηc + (1 − c)], c = 1/√(1+η²), inside [η/(1+η), 2η]; any excursion (measured relative to η) fails",
            ),
        )
        .with_figures(json!({
            "min_relative_step": crate::io::num(rmin),
            "max_relative_step": crate::io::num(rmax),
            "band_low": lo,
            "band_high": hi,
        }))
        .with_details(json!({"loss_first": first_loss, "loss_last": last_loss})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            planted::NO_TRUST_RATIO,
            FromageRelativeStep {
                fromage: planted::without_trust_ratio(self.lr),
                lr: self.lr,
            },
        )
    }
}

/// The registered checks.
pub fn checks() -> Vec<Box<dyn Check>> {
    let lr = 0.01;
    vec![
        Box::new(FromageStep {
            fromage: factory("fromage:lr=0.1"),
            lr: 0.1,
            identity: FromageIdentity::NormPreserved,
        }),
        Box::new(FromageStep {
            fromage: factory("fromage:lr=0.1"),
            lr: 0.1,
            identity: FromageIdentity::Displacement,
        }),
        Box::new(FromageRelativeStep {
            fromage: factory(&format!("fromage:lr={lr}")),
            lr,
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::{assert_all_pass, control_fails};

    #[test]
    fn real_checks_pass_and_their_controls_fail() {
        assert_all_pass(checks());
        for c in checks() {
            control_fails(c.as_ref());
        }
    }

    /// Extra power: the missing trust ratio also breaks the P7-a displacement identity (the
    /// record's control is the missing norm correction).
    #[test]
    fn p7a_displacement_catches_a_missing_trust_ratio() {
        let c = FromageStep {
            fromage: planted::without_trust_ratio(0.1),
            lr: 0.1,
            identity: FromageIdentity::Displacement,
        };
        crate::validate::testing::fails(&c);
    }
}
