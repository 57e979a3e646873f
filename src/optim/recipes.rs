//! Named optimizers as recipes (chains of transforms) and the spec parser
//! `NAME[:key=value,…]` of `../shared/CONTRACT.md`.

use super::adaptive::{FromageRetraction, ScaleByAdam, ScaleByProdigy, ScaleBySign, TrustRatio};
use super::momentum::{Momentum, MomentumForm, MomentumInit};
use super::momo::Momo;
use super::runner::{GradientTransformation, Optimizer};
use super::schedule::Schedule;
use super::spec::KeyValues;
use super::transform::{AddDecayedWeights, Identity, LearningRate, Transform};
use crate::error::{Error, Result};

/// Every optimizer name [`parse_optimizer`] accepts.
pub const OPTIMIZERS: &[&str] = &[
    "gd", "sign", "signum", "adam", "adamw", "prodigy", "fromage", "momo",
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
    if let Some((l, &(r, c))) = shapes.iter().enumerate().find(|(_, &(r, c))| r == 0 || c == 0) {
        return Err(Error::input(format!(
            "optimizer '{name}': block {l} has shape {r}×{c}; every block needs at least one row and one column"
        )));
    }
    let kv = KeyValues::parse(&format!("optimizer '{name}'"), rest)?;
    let mut b = Build {
        name: name.to_string(),
        kv,
        shapes,
        schedule,
    };
    match name {
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
                (Momentum::ema(beta), ScaleBySign, AddDecayedWeights(wd), LearningRate),
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
                eta0: b.kv.f64_in("d0", Some(1e-6), f64::MIN_POSITIVE, f64::MAX, "finite d0 > 0")?,
            };
            b.finish((p, LearningRate), lr)
        }
        "fromage" => {
            let lr = b.lr(0.01)?;
            let p = b.kv.f64_in("p_bound", Some(0.0), 0.0, f64::MAX, "p_bound ≥ 0 (0 = no bound)")?;
            let ret = FromageRetraction {
                p_bound: (p > 0.0).then_some(p),
            };
            b.finish((TrustRatio, LearningRate, ret), lr)
        }
        "momo" => {
            let lr = b.lr(1.0)?;
            let beta = b.kv.beta("beta", 0.9)?;
            let lb = b.kv.f64_in("lb", Some(0.0), f64::MIN, f64::MAX, "finite lb (a lower bound on the loss)")?;
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
                self.kv.note("schedule", format!("{s:?}"));
                Ok(s)
            }
            None => Ok(Schedule::Constant(self.kv.lr("lr", default)?)),
        }
    }
    fn wd(&mut self, default: f64) -> Result<f64> {
        self.kv.f64_in("wd", Some(default), 0.0, f64::MAX, "finite wd ≥ 0")
    }
    fn eps(&mut self, default: f64) -> Result<f64> {
        self.kv.f64_in("eps", Some(default), 0.0, f64::MAX, "finite eps ≥ 0")
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
        let name = if canonical.is_empty() {
            self.name
        } else {
            format!("{}:{canonical}", self.name)
        };
        Ok(Box::new(GradientTransformation::new(
            name,
            t,
            schedule,
            self.shapes,
        )))
    }
}

#[allow(dead_code)]
fn _forms() -> (MomentumForm,) {
    (MomentumForm::Ema,)
}
