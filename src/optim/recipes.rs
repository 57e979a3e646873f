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
use std::fmt::Write as _;
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
    check_shapes(name, shapes)?;
    let kv = KeyValues::parse(&format!("optimizer '{name}'"), rest)?;
    let roles: Vec<Role> = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
    let mut b = Build {
        name: name.to_string(),
        norm: None,
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
            b.norm = Some("fro".into());
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
            b.norm = Some(norm.name());
            let dir = ProductSteepest::uniform(norm, &roles, agg, name == "sd");
            b.finish((Momentum::ema(beta), dir, LearningRate), lr)
        }
        "spectral" => {
            b.norm = Some("spectral".into());
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
            // the keys in the order of their canonical spelling (MuonConfig::spec)
            let d = MuonConfig::default();
            let schedule = b.schedule_override()?;
            let lr = match schedule {
                Some(_) => d.lr,
                None => b.kv.lr("lr", d.lr)?,
            };
            let momentum = b.kv.beta("momentum", d.momentum)?;
            let nesterov = b.kv.bool("nesterov", d.nesterov)?;
            let momentum_type = match b
                .kv
                .choice("momentum_type", "ema", &["ema", "classical"])?
                .as_str()
            {
                "ema" => MomentumForm::Ema,
                _ => MomentumForm::Classical,
            };
            let bias_correction = b.kv.bool("bias_correction", d.bias_correction)?;
            let ns =
                b.kv.choice("ns", "keller", &["keller", "dion", "cubic", "exact"])?;
            let ns = match ns.as_str() {
                "exact" => None,
                other => Some(NsCoefficients::parse(other)?),
            };
            let ns_steps = match &ns {
                Some(c) => Some(b.kv.usize_in(
                    "ns_steps",
                    Some(c.default_steps()),
                    1,
                    1000,
                    "ns_steps an integer in 1..=1000",
                )?),
                None if b.kv.has("ns_steps") => {
                    return Err(Error::input(
                        "optimizer 'muon': ns_steps has no meaning with ns=exact (the SVD polar factor); drop it or choose ns=keller|dion|cubic",
                    ))
                }
                None => None,
            };
            let eps =
                b.kv.f64_in("eps", Some(d.eps), 0.0, f64::MAX, "finite eps ≥ 0")?;
            let eps_form =
                b.kv.choice("eps_form", d.eps_form.name(), NsNormalization::NAMES)?;
            let eps_form =
                NsNormalization::parse(&eps_form).expect("choice() only returns listed names");
            let wd = b.wd(d.wd)?;
            let scale = b.muon_scale("original")?;
            b.kv.finish()?;
            muon(
                MuonConfig {
                    lr,
                    schedule,
                    momentum,
                    nesterov,
                    momentum_type,
                    bias_correction,
                    ns,
                    ns_steps,
                    eps,
                    eps_form,
                    wd,
                    scale,
                },
                shapes,
            )
        }
        "shampoo" => {
            let lr = b.lr(0.01)?;
            let accumulate = b.kv.bool("accumulate", true)?;
            let eps = b.eps(0.0)?;
            b.finish((ShampooPrecond { accumulate, eps }, LearningRate), lr)
        }
        "cd" => {
            b.norm = Some("sum".into());
            let lr = b.lr(0.01)?;
            let sharp = b.kv.bool("sharp", false)?;
            b.finish((GaussSouthwell { sharp }, LearningRate), lr)
        }
        "nesgd" | "scion" | "polargrad" | "muonadam" | "muonmax" | "muonadam-momo"
        | "muonmax-momo" => {
            let (agg, embed, sharp, s) = match name {
                "scion" => ("max", "linfty", false, 1.0),
                "polargrad" => ("l2", "adam_2", true, 1.0),
                "muonmax" | "muonmax-momo" => ("hybrid", "adam_2", true, 10f64.sqrt()),
                _ => ("max", "adam_infty", false, 1.0),
            };
            let lr = b.lr(if name.ends_with("momo") { 0.1 } else { 1e-3 })?;
            let (agg, embed, sharp) = if name == "nesgd" {
                (
                    b.aggregation(agg)?,
                    b.kv.choice("embed", embed, &["linfty", "adam_infty", "adam_2"])?,
                    b.kv.bool("sharp", sharp)?,
                )
            } else {
                (b.aggregation_fixed(agg), embed.to_string(), sharp)
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
                sharp,
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
            b.norm = Some("max".into());
            let lr = b.lr(0.01)?;
            b.finish((ScaleBySign, LearningRate), lr)
        }
        "signum" => {
            b.norm = Some("max".into());
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
            b.norm = Some("max".into());
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
        _ => Err(Error::unknown(
            "optimizer",
            name,
            format!("valid optimizers: {}", OPTIMIZERS.join(", ")),
        )),
    }
}

/// A recipe under construction: the spec's keys and the run's shapes and schedule.
struct Build<'a> {
    name: String,
    /// The norm the recipe is steepest descent under ([`Optimizer::norm`]), if it has one.
    norm: Option<String>,
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
    /// The schedule override, refused together with the spec's `lr` key.
    fn schedule_override(&mut self) -> Result<Option<Schedule>> {
        if self.schedule.is_some() && self.kv.has("lr") {
            return Err(Error::input(format!(
                "optimizer '{}': lr is given both in the spec and as a schedule; give one of them",
                self.name
            )));
        }
        Ok(self.schedule.take())
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
        let opt = GradientTransformation::new(name, t, schedule, self.shapes);
        Ok(match self.norm {
            Some(norm) => Box::new(opt.under_norm(norm)),
            None => Box::new(opt),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Typed recipes: a config with `Default` giving the spec's defaults, and a constructor the spec
// parser calls. The canonical name is the config's `spec()`.
// ---------------------------------------------------------------------------------------------

/// `muon`: Muon as torch.optim.Muon computes it, in f64 (Jordan et al. 2024, "Muon: an optimizer
/// for hidden layers in neural networks"; Bernstein & Newhouse arXiv 2409.20325 §"Muon" read it
/// as steepest descent under the spectral norm):
///
/// buf ← buf + (1−μ)(g − buf); u = g + μ(buf − g) (Nesterov) or buf;
/// W ← W(1 − η·wd) − η·s·O(u),
///
/// O the polar factor UVᵀ (`ns: None`) or Newton–Schulz, s the [`MuonScale`]. `Default` is the
/// spec `muon` (torch's defaults, wd = 0.1 included).
#[derive(Clone, Debug, PartialEq)]
pub struct MuonConfig {
    /// η (`lr`), unless `schedule` is set.
    pub lr: f64,
    /// A schedule η_t replacing `lr` (the name then ends in ` with schedule …`).
    pub schedule: Option<Schedule>,
    /// μ ∈ [0, 1) (`momentum`).
    pub momentum: f64,
    /// Nesterov look-ahead (`nesterov`).
    pub nesterov: bool,
    /// EMA (torch) or classical accumulation (`momentum_type=ema|classical`).
    pub momentum_type: MomentumForm,
    /// optax's bias-corrected EMA (`bias_correction`; EMA only).
    pub bias_correction: bool,
    /// Newton–Schulz coefficients (`ns=keller|dion|cubic`), or `None` for the exact polar factor
    /// (`ns=exact`). Custom coefficients have no spec name.
    pub ns: Option<NsCoefficients>,
    /// Newton–Schulz steps in 1..=1000 (`ns_steps`); `None` is the coefficients' default, and
    /// the only value with `ns: None`.
    pub ns_steps: Option<usize>,
    /// The Frobenius normalization's ε ≥ 0 (`eps`; recorded with `ns=exact` too).
    pub eps: f64,
    /// X/max(‖X‖_F, ε) (torch, `clamp`) or X/(‖X‖_F + ε) (original Muon, optax, `add`).
    pub eps_form: NsNormalization,
    /// Decoupled weight decay ≥ 0 (`wd`).
    pub wd: f64,
    /// The shape scale s (`scale`).
    pub scale: MuonScale,
}

impl Default for MuonConfig {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            schedule: None,
            momentum: 0.95,
            nesterov: true,
            momentum_type: MomentumForm::Ema,
            bias_correction: false,
            ns: Some(NsCoefficients::Keller),
            ns_steps: None,
            eps: 1e-7,
            eps_form: NsNormalization::ClampEps,
            wd: 0.1,
            scale: MuonScale::Original,
        }
    }
}

impl MuonConfig {
    /// The canonical spec: every key resolved, in the order the parser reads them.
    pub fn spec(&self) -> String {
        let mut s = String::from("muon:");
        if self.schedule.is_none() {
            let _ = write!(s, "lr={:?},", self.lr);
        }
        let form = match self.momentum_type {
            MomentumForm::Ema => "ema",
            MomentumForm::Classical => "classical",
        };
        let _ = write!(
            s,
            "momentum={:?},nesterov={},momentum_type={form},bias_correction={},",
            self.momentum, self.nesterov, self.bias_correction
        );
        match &self.ns {
            None => s.push_str("ns=exact,"),
            Some(c) => {
                let steps = self.ns_steps.unwrap_or(c.default_steps());
                let _ = write!(s, "ns={},ns_steps={steps},", c.name());
            }
        }
        let scale = MuonScale::NAMES
            .iter()
            .find(|n| MuonScale::parse(n) == Some(self.scale))
            .expect("every scale has a name");
        let _ = write!(
            s,
            "eps={:?},eps_form={},wd={:?},scale={scale}",
            self.eps,
            self.eps_form.name(),
            self.wd
        );
        if let Some(sched) = &self.schedule {
            let _ = write!(s, " with schedule {sched}");
        }
        s
    }

    fn check(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::input(format!("optimizer 'muon': {what}")));
        if !(self.lr >= 0.0 && self.lr.is_finite()) {
            return bad(&format!(
                "lr={} is out of range; allowed: finite lr ≥ 0",
                self.lr
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad(&format!(
                "momentum={} is out of range; allowed: momentum ∈ [0, 1)",
                self.momentum
            ));
        }
        if self.bias_correction && self.momentum_type == MomentumForm::Classical {
            return bad(
                "bias_correction=true needs momentum_type=ema (optax's bias-corrected EMA)",
            );
        }
        match (&self.ns, self.ns_steps) {
            (None, Some(_)) => return bad("ns_steps has no meaning with ns=exact (the SVD polar factor); drop it or choose ns=keller|dion|cubic"),
            (Some(_), Some(k)) if !(1..=1000).contains(&k) => {
                return bad(&format!("ns_steps={k} is out of range; allowed: ns_steps an integer in 1..=1000"))
            }
            _ => {}
        }
        if !(self.eps >= 0.0 && self.eps.is_finite()) {
            return bad(&format!(
                "eps={} is out of range; allowed: finite eps ≥ 0",
                self.eps
            ));
        }
        if !(self.wd >= 0.0 && self.wd.is_finite()) {
            return bad(&format!(
                "wd={} is out of range; allowed: finite wd ≥ 0",
                self.wd
            ));
        }
        Ok(())
    }
}

/// Muon for blocks of the given shapes ([`MuonConfig`]); steepest descent under the spectral
/// norm ([`Optimizer::norm`]). Out-of-range settings → [`Error::Input`] naming the key.
///
/// ```
/// use steepest::optim::recipes::{muon, MuonConfig};
/// let opt = muon(MuonConfig { lr: 0.02, wd: 0.0, ns: None, ..MuonConfig::default() }, &[(4, 3)]).unwrap();
/// assert!(opt.name().starts_with("muon:lr=0.02,momentum=0.95,"));
/// assert_eq!(opt.norm().as_deref(), Some("spectral"));
/// ```
pub fn muon(cfg: MuonConfig, shapes: &[(usize, usize)]) -> Result<Box<dyn Optimizer>> {
    cfg.check()?;
    check_shapes("muon", shapes)?;
    let orth = match &cfg.ns {
        None => Orthogonalizer::Exact,
        Some(c) => Orthogonalizer::NewtonSchulz {
            coeffs: c.clone(),
            steps: cfg.ns_steps.unwrap_or(c.default_steps()),
            eps: cfg.eps,
            normalization: cfg.eps_form,
        },
    };
    let momentum = Momentum {
        beta: cfg.momentum,
        nesterov: cfg.nesterov,
        form: cfg.momentum_type,
        init: MomentumInit::Zero,
        bias_correction: cfg.bias_correction,
    };
    let chain = (
        momentum,
        Orthogonalize(orth),
        ScaleByShape(cfg.scale),
        AddDecayedWeights(cfg.wd),
        LearningRate,
    );
    let schedule = cfg.schedule.clone().unwrap_or(Schedule::Constant(cfg.lr));
    Ok(Box::new(
        GradientTransformation::new(cfg.spec(), chain, schedule, shapes).under_norm("spectral"),
    ))
}

/// At least one block, and every block at least 1 × 1.
fn check_shapes(name: &str, shapes: &[(usize, usize)]) -> Result<()> {
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
    Ok(())
}
