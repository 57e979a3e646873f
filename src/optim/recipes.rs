//! Named optimizers as recipes (chains of transforms) and the spec parser
//! `NAME[:key=value,…]` of `../shared/CONTRACT.md`.

use super::adaptive::{FromageRetraction, ScaleByAdam, ScaleByProdigy, ScaleBySign, TrustRatio};
use super::dualize::{
    BlockGeometry, BlockSpec, GaussSouthwell, MuonScale, Orthogonalize, OrthogonalizedSpectral,
    Orthogonalizer, ProductSteepest, ScaleByShape, ShampooPrecond,
};
use super::momentum::{Momentum, MomentumForm, MomentumInit};
use super::momo::Momo;
use super::runner::{GradientTransformation, Optimizer};
use super::schedule::Schedule;
use super::spec::KeyValues;
use super::transform::{
    AddDecayedWeights, Identity, LearningRate, Partition, Role, Scale, Transform,
};
use crate::error::{Error, Result};
use crate::linalg::{NsCoefficients, NsNormalization};
use crate::norms::{parse_norm, Aggregation, Entrywise, Norm};
use std::sync::Arc;

/// Every optimizer name [`parse_optimizer`] accepts.
pub const OPTIMIZERS: &[&str] = &[
    "gd",
    "ngd",
    "nsd",
    "sd",
    "nmd",
    "spectral",
    "muon",
    "sign",
    "signum",
    "adam",
    "adamw",
    "shampoo",
    "prodigy",
    "fromage",
    "nesgd",
    "scion",
    "polargrad",
    "muonadam",
    "muonmax",
    "momo",
    "muonadam-momo",
    "muonmax-momo",
    "muon-adam",
    "muon-signum",
    "cd",
];

/// Parse an optimizer spec `NAME[:key=value,…]` for parameter blocks of the given shapes
/// (rows, cols). See [`crate::optim`] for every name, its keys, defaults and ranges.
pub fn parse_optimizer(spec: &str, shapes: &[(usize, usize)]) -> Result<Box<dyn Optimizer>> {
    parse_optimizer_with_schedule(spec, None, shapes)
}

/// [`parse_optimizer`] with the learning rate given by a schedule instead of the spec's `lr`
/// key (giving both is an input error).
pub fn parse_optimizer_with_schedule(
    spec: &str,
    schedule: Option<Schedule>,
    shapes: &[(usize, usize)],
) -> Result<Box<dyn Optimizer>> {
    let spec = spec.trim();
    let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
    if shapes.is_empty() {
        return Err(Error::input(format!(
            "optimizer '{name}': no parameter blocks; give at least one block"
        )));
    }
    if let Some((l, &(r, c))) = shapes
        .iter()
        .enumerate()
        .find(|(_, &(r, c))| r == 0 || c == 0)
    {
        return Err(Error::input(format!(
            "optimizer '{name}': block {l} has shape {r}×{c}; every block needs at least one row and one column"
        )));
    }
    let kv = KeyValues::parse(&format!("optimizer '{name}'"), rest)?;
    let roles: Vec<Role> = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
    let mut b = Build {
        name: name.to_string(),
        schedule_name: None,
        kv,
        shapes,
        schedule,
    };
    match name {
        "ngd" => {
            let lr = b.lr(0.1)?;
            let beta = b.kv.beta("beta", 0.0)?;
            let fro: Arc<dyn Norm> = Arc::new(Entrywise::frobenius());
            let dir = ProductSteepest::uniform(fro, &roles, Aggregation::L2, false);
            b.finish((Momentum::ema(beta), dir, LearningRate), lr)
        }
        "nsd" | "sd" | "nmd" => {
            let lr = b.lr(0.01)?;
            let norm: Arc<dyn Norm> = Arc::from(parse_norm(&b.kv.string("norm", None)?)?);
            let agg = b.aggregation("max")?;
            let beta = if name == "nmd" {
                b.kv.beta("beta", 0.9)?
            } else {
                0.0
            };
            let dir = ProductSteepest::uniform(norm, &roles, agg, name == "sd");
            b.finish((Momentum::ema(beta), dir, LearningRate), lr)
        }
        "spectral" => {
            let lr = b.lr(0.01)?;
            let beta = b.kv.beta("beta", 0.0)?;
            b.finish(
                (
                    Momentum::ema(beta),
                    Orthogonalize(Orthogonalizer::Exact),
                    LearningRate,
                ),
                lr,
            )
        }
        "muon" => {
            let lr = b.lr(1e-3)?;
            let beta = b.kv.beta("momentum", 0.95)?;
            let nesterov = b.kv.bool("nesterov", true)?;
            let form = match b
                .kv
                .choice("momentum_type", "ema", &["ema", "classical"])?
                .as_str()
            {
                "ema" => MomentumForm::Ema,
                _ => MomentumForm::Classical,
            };
            let bias_correction = b.kv.bool("bias_correction", false)?;
            if bias_correction && form == MomentumForm::Classical {
                return Err(Error::input(
                    "optimizer 'muon': bias_correction=true needs momentum_type=ema (optax's bias-corrected EMA)",
                ));
            }
            let orth = b.orthogonalizer("keller", "eps", NsNormalization::ClampEps)?;
            let wd = b.wd(0.1)?;
            let scale = b.muon_scale("original")?;
            let momentum = Momentum {
                beta,
                nesterov,
                form,
                init: MomentumInit::Zero,
                bias_correction,
            };
            b.finish(
                (
                    momentum,
                    Orthogonalize(orth),
                    ScaleByShape(scale),
                    AddDecayedWeights(wd),
                    LearningRate,
                ),
                lr,
            )
        }
        "shampoo" => {
            let lr = b.lr(0.01)?;
            let accumulate = b.kv.bool("accumulate", true)?;
            let eps = b.eps(0.0)?;
            b.finish((ShampooPrecond { accumulate, eps }, LearningRate), lr)
        }
        "cd" => {
            let lr = b.lr(0.01)?;
            let normalized = b.kv.bool("normalized", true)?;
            b.finish((GaussSouthwell { sharp: !normalized }, LearningRate), lr)
        }
        "nesgd" | "scion" | "polargrad" | "muonadam" | "muonmax" | "muonadam-momo"
        | "muonmax-momo" => {
            let (agg, embed, lmo, s) = match name {
                "scion" => ("max", "linfty", true, 1.0),
                "polargrad" => ("l2", "adam_2", false, 1.0),
                "muonmax" | "muonmax-momo" => ("hybrid", "adam_2", false, 10f64.sqrt()),
                _ => ("max", "adam_infty", true, 1.0),
            };
            let lr = b.lr(if name.ends_with("momo") { 0.1 } else { 1e-3 })?;
            let (agg, embed, lmo) = if name == "nesgd" {
                (
                    b.aggregation(agg)?,
                    b.kv.choice("embed", embed, &["linfty", "adam_infty", "adam_2"])?,
                    b.kv.bool("lmo", lmo)?,
                )
            } else {
                (b.aggregation_fixed(agg), embed.to_string(), lmo)
            };
            let beta = b.kv.beta("momentum", 0.95)?;
            let beta2 = b.kv.beta("beta2", 0.95)?;
            let eps = b.kv.f64_in(
                "eps",
                Some(1e-8),
                f64::MIN_POSITIVE,
                f64::MAX,
                "finite eps > 0",
            )?;
            let s = b.kv.f64_in(
                "s",
                Some(s),
                f64::MIN_POSITIVE,
                f64::MAX,
                "finite spectral scale s > 0",
            )?;
            let orth = b.orthogonalizer("exact", "ns_eps", NsNormalization::AddEps)?;
            let wd = b.wd(0.0)?;
            let spectral: Arc<dyn Norm> = Arc::new(OrthogonalizedSpectral(orth));
            let linf: Arc<dyn Norm> = Arc::new(Entrywise::max());
            let blocks = roles
                .iter()
                .map(|&role| {
                    let (geometry, scale) = match role {
                        // The block norm is (1/s)‖W‖₂: scale 1/s, LMO s·polar.
                        Role::Matrix => (BlockGeometry::Fixed(spectral.clone()), 1.0 / s),
                        Role::Other => (
                            match embed.as_str() {
                                "linfty" => BlockGeometry::Fixed(linf.clone()),
                                "adam_infty" => BlockGeometry::AdamInf { beta2, eps },
                                _ => BlockGeometry::AdamL2 { beta2, eps },
                            },
                            1.0,
                        ),
                    };
                    BlockSpec {
                        geometry,
                        scale,
                        role,
                    }
                })
                .collect();
            let dir = ProductSteepest {
                blocks,
                aggregation: agg,
                sharp: !lmo,
            };
            let momentum = Momentum {
                init: MomentumInit::FirstValue,
                ..Momentum::ema(beta)
            };
            if name.ends_with("momo") {
                let lb = b.lb()?;
                let momo = Momo {
                    inner: dir,
                    beta,
                    lb,
                    bias_correction: false,
                    coupled_wd: 0.0,
                };
                b.finish((momentum, momo, AddDecayedWeights(wd), LearningRate), lr)
            } else {
                b.finish((momentum, dir, AddDecayedWeights(wd), LearningRate), lr)
            }
        }
        "muon-adam" | "muon-signum" => {
            let lr = b.lr(0.05)?;
            let beta = b.kv.beta("momentum", 0.9)?;
            let nesterov = b.kv.bool("nesterov", false)?;
            let orth = b.orthogonalizer("exact", "ns_eps", NsNormalization::AddEps)?;
            let scale = b.muon_scale("none")?;
            let muon_momentum = Momentum {
                nesterov,
                ..Momentum::ema(beta)
            };
            let muon = (muon_momentum, Orthogonalize(orth), ScaleByShape(scale));
            if name == "muon-adam" {
                let ratio = b.kv.f64_in(
                    "adam_ratio",
                    Some(0.1),
                    0.0,
                    f64::MAX,
                    "finite adam_ratio ≥ 0 (η0^Adam/η0^Muon)",
                )?;
                let adam = ScaleByAdam {
                    beta1: b.kv.beta("beta1", 0.9)?,
                    beta2: b.kv.beta("beta2", 0.99)?,
                    eps: b.eps(1e-20)?,
                    bias_correction: b.kv.bool("bias_correction", true)?,
                };
                let wd = b.wd(0.0)?;
                let part = Partition {
                    roles,
                    matrix: muon,
                    other: (adam, Scale(ratio)),
                };
                b.finish((part, AddDecayedWeights(wd), LearningRate), lr)
            } else {
                let wd = b.wd(0.0)?;
                let part = Partition {
                    roles,
                    matrix: muon,
                    other: (Momentum::ema(beta), ScaleBySign),
                };
                b.finish((part, AddDecayedWeights(wd), LearningRate), lr)
            }
        }
        "gd" => {
            let lr = b.lr(0.1)?;
            b.finish((Identity, LearningRate), lr)
        }
        "sign" => {
            let lr = b.lr(0.01)?;
            b.finish((ScaleBySign, LearningRate), lr)
        }
        "signum" => {
            let lr = b.lr(0.01)?;
            let beta = b.kv.beta("beta", 0.9)?;
            let wd = b.wd(0.0)?;
            b.finish(
                (
                    Momentum::ema(beta),
                    ScaleBySign,
                    AddDecayedWeights(wd),
                    LearningRate,
                ),
                lr,
            )
        }
        "adam" | "adamw" => {
            let lr = b.lr(1e-3)?;
            let adam = b.adam("beta1", "beta2", 1e-8, true)?;
            let wd = if name == "adamw" { b.wd(0.01)? } else { 0.0 };
            b.finish((adam, AddDecayedWeights(wd), LearningRate), lr)
        }
        "prodigy" => {
            let lr = b.lr(1.0)?;
            let p = ScaleByProdigy {
                beta1: b.kv.beta("beta1", 0.9)?,
                beta2: b.kv.beta("beta2", 0.999)?,
                eps: b.eps(1e-8)?,
                eta0: b.kv.f64_in(
                    "d0",
                    Some(1e-6),
                    f64::MIN_POSITIVE,
                    f64::MAX,
                    "finite d0 > 0",
                )?,
            };
            b.finish((p, LearningRate), lr)
        }
        "fromage" => {
            let lr = b.lr(0.01)?;
            let p = b.kv.f64_in(
                "p_bound",
                Some(0.0),
                0.0,
                f64::MAX,
                "p_bound ≥ 0 (0 = no bound)",
            )?;
            let ret = FromageRetraction {
                p_bound: (p > 0.0).then_some(p),
            };
            b.finish((TrustRatio, LearningRate, ret), lr)
        }
        "momo" => {
            let lr = b.lr(1.0)?;
            let beta = b.kv.beta("beta", 0.9)?;
            let lb = b.kv.f64_in(
                "lb",
                Some(0.0),
                f64::MIN,
                f64::MAX,
                "finite lb (a lower bound on the loss)",
            )?;
            let bias_correction = b.kv.bool("bias_correction", false)?;
            let wd = b.wd(0.0)?;
            let momentum = Momentum {
                init: if bias_correction {
                    MomentumInit::Zero
                } else {
                    MomentumInit::FirstValue
                },
                ..Momentum::ema(beta)
            };
            let momo = Momo {
                inner: Identity,
                beta,
                lb,
                bias_correction,
                coupled_wd: wd,
            };
            b.finish((momentum, momo, LearningRate), lr)
        }
        _ => Err(Error::input(format!(
            "unknown optimizer '{name}'; valid optimizers: {}",
            OPTIMIZERS.join(", ")
        ))),
    }
}

/// A recipe under construction: the spec's keys and the run's shapes and schedule.
struct Build<'a> {
    name: String,
    /// The schedule override's spec, appended to the canonical name.
    schedule_name: Option<String>,
    kv: KeyValues,
    shapes: &'a [(usize, usize)],
    schedule: Option<Schedule>,
}

impl Build<'_> {
    /// The learning-rate schedule: the override, or `const:lr` from the spec (default given).
    fn lr(&mut self, default: f64) -> Result<Schedule> {
        match self.schedule.take() {
            Some(s) => {
                if self.kv.has("lr") {
                    return Err(Error::input(format!(
                        "optimizer '{}': lr is given both in the spec and as a schedule; give one of them",
                        self.name
                    )));
                }
                self.schedule_name = Some(s.to_string());
                Ok(s)
            }
            None => Ok(Schedule::Constant(self.kv.lr("lr", default)?)),
        }
    }
    fn lb(&mut self) -> Result<f64> {
        self.kv.f64_in(
            "lb",
            Some(0.0),
            f64::MIN,
            f64::MAX,
            "finite lb (a lower bound F_* on the loss)",
        )
    }
    fn aggregation(&mut self, default: &str) -> Result<Aggregation> {
        let a = self.kv.choice("agg", default, &["max", "l2", "hybrid"])?;
        Ok(self.aggregation_fixed(&a))
    }
    fn aggregation_fixed(&self, name: &str) -> Aggregation {
        match name {
            "l2" => Aggregation::L2,
            "hybrid" => Aggregation::Hybrid,
            _ => Aggregation::Max,
        }
    }
    fn muon_scale(&mut self, default: &str) -> Result<MuonScale> {
        let s = self.kv.choice("scale", default, MuonScale::NAMES)?;
        Ok(MuonScale::parse(&s).expect("choice() only returns listed names"))
    }
    /// `ns=keller|dion|cubic|exact`, `ns_steps`, the NS eps under `eps_key`, and `eps_form=add|clamp`
    /// (X/(‖X‖_F + eps) or X/max(‖X‖_F, eps); default `default_form`).
    fn orthogonalizer(
        &mut self,
        default: &str,
        eps_key: &'static str,
        default_form: NsNormalization,
    ) -> Result<Orthogonalizer> {
        let ns = self
            .kv
            .choice("ns", default, &["keller", "dion", "cubic", "exact"])?;
        if ns == "exact" {
            if self.kv.has("ns_steps") {
                return Err(Error::input(format!(
                    "optimizer '{}': ns_steps has no meaning with ns=exact (the SVD polar factor); drop it or choose ns=keller|dion|cubic",
                    self.name
                )));
            }
            // eps only affects Newton–Schulz; accepted (and recorded) so that a torch-style spec
            // can switch to ns=exact without editing the rest.
            self.kv.f64_in(
                eps_key,
                Some(1e-7),
                0.0,
                f64::MAX,
                &format!("finite {eps_key} ≥ 0"),
            )?;
            self.kv
                .choice("eps_form", default_form.name(), NsNormalization::NAMES)?;
            return Ok(Orthogonalizer::Exact);
        }
        let coeffs = NsCoefficients::parse(&ns)?;
        let steps = self.kv.usize_in(
            "ns_steps",
            Some(coeffs.default_steps()),
            1,
            1000,
            "ns_steps an integer in 1..=1000",
        )?;
        let eps = self.kv.f64_in(
            eps_key,
            Some(1e-7),
            0.0,
            f64::MAX,
            &format!("finite {eps_key} ≥ 0"),
        )?;
        let form = self
            .kv
            .choice("eps_form", default_form.name(), NsNormalization::NAMES)?;
        Ok(Orthogonalizer::NewtonSchulz {
            coeffs,
            steps,
            eps,
            normalization: NsNormalization::parse(&form)
                .expect("choice() only returns listed names"),
        })
    }
    fn wd(&mut self, default: f64) -> Result<f64> {
        self.kv
            .f64_in("wd", Some(default), 0.0, f64::MAX, "finite wd ≥ 0")
    }
    fn eps(&mut self, default: f64) -> Result<f64> {
        self.kv
            .f64_in("eps", Some(default), 0.0, f64::MAX, "finite eps ≥ 0")
    }
    fn adam(
        &mut self,
        k1: &'static str,
        k2: &'static str,
        eps: f64,
        bias_correction: bool,
    ) -> Result<ScaleByAdam> {
        Ok(ScaleByAdam {
            beta1: self.kv.beta(k1, 0.9)?,
            beta2: self.kv.beta(k2, 0.999)?,
            eps: self.eps(eps)?,
            bias_correction: self.kv.bool("bias_correction", bias_correction)?,
        })
    }
    fn finish<T: Transform + 'static>(self, t: T, schedule: Schedule) -> Result<Box<dyn Optimizer>>
    where
        T::State: 'static,
    {
        let canonical = self.kv.canonical();
        self.kv.finish()?;
        let mut name = if canonical.is_empty() {
            self.name
        } else {
            format!("{}:{canonical}", self.name)
        };
        if let Some(s) = self.schedule_name {
            name = format!("{name} with schedule {s}");
        }
        Ok(Box::new(GradientTransformation::new(
            name,
            t,
            schedule,
            self.shapes,
        )))
    }
}
