//! Learning-rate schedules η_t, t = 1, 2, … (the step counter is 1-based everywhere in
//! [`crate::optim`]).
//!
//! | spec | η_t |
//! |---|---|
//! | `const:LR` (or `const:lr=LR`) | LR |
//! | `power:eta0=η0,a=A` | η0 · t^(−A) (Fan et al., file 01: η0 t^(−1/2)) |
//! | `shifted-power:eta0=η0,a=A` | η0 · (t+1)^(−A) (Gronich & Vardi, file 02: η0 (t+1)^(−0.8)) |
//! | `cosine:eta0=η0,steps=T[,final=ηT]` | ηT + ½(η0 − ηT)(1 + cos(π·min(t−1, T)/T)) |
//!
//! Every kind accepts `warmup=K` (K ≥ 0 steps of linear warm-up): the value is multiplied by
//! min(1, t/K). Example: `cosine:eta0=0.1,steps=1000,warmup=100`.

use super::spec::KeyValues;
use crate::error::{Error, Result};

/// A learning-rate schedule η_t for t ≥ 1.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// η_t = lr.
    Constant(f64),
    /// η_t = η0 · t^(−a).
    Power {
        /// η0 ≥ 0.
        eta0: f64,
        /// a ≥ 0.
        a: f64,
    },
    /// η_t = η0 · (t+1)^(−a).
    ShiftedPower {
        /// η0 ≥ 0.
        eta0: f64,
        /// a ≥ 0.
        a: f64,
    },
    /// Cosine decay from η0 to `final_lr` over `steps` steps, then constant `final_lr`.
    Cosine {
        /// Initial value.
        eta0: f64,
        /// Length of the decay (≥ 1).
        steps: usize,
        /// Value reached at t = steps + 1 and kept afterwards.
        final_lr: f64,
    },
    /// Linear warm-up: η_t = inner(t) · min(1, t/steps).
    Warmup {
        /// Warm-up length K ≥ 1.
        steps: usize,
        /// The schedule being warmed up.
        inner: Box<Schedule>,
    },
}

impl Schedule {
    /// η_t for the 1-based step t (t = 0 is treated as t = 1).
    pub fn at(&self, t: usize) -> f64 {
        let t = t.max(1);
        match self {
            Schedule::Constant(lr) => *lr,
            Schedule::Power { eta0, a } => eta0 * (t as f64).powf(-a),
            Schedule::ShiftedPower { eta0, a } => eta0 * ((t + 1) as f64).powf(-a),
            Schedule::Cosine {
                eta0,
                steps,
                final_lr,
            } => {
                let progress = ((t - 1).min(*steps) as f64) / (*steps as f64);
                final_lr + 0.5 * (eta0 - final_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            Schedule::Warmup { steps, inner } => inner.at(t) * (t as f64 / *steps as f64).min(1.0),
        }
    }

    /// Parse the contract's schedule syntax (see the module docs), e.g. `const:0.1`,
    /// `power:eta0=0.5,a=0.5`, `shifted-power:eta0=0.05,a=0.8`, `cosine:eta0=0.1,steps=1000`.
    pub fn parse(spec: &str) -> Result<Schedule> {
        let spec = spec.trim();
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        let kinds = "const:LR, power:eta0=…,a=…, shifted-power:eta0=…,a=…, cosine:eta0=…,steps=T[,final=…]; each may add warmup=K";
        // `const:0.1` is the contract's short form: a bare number.
        if kind == "const" {
            if let Ok(lr) = rest.trim().parse::<f64>() {
                check_lr("const", lr)?;
                return Ok(Schedule::Constant(lr));
            }
        }
        let mut kv = KeyValues::parse(&format!("schedule '{kind}'"), rest)?;
        let base = match kind {
            "const" | "constant" => {
                Schedule::Constant(kv.f64_in("lr", None, 0.0, f64::MAX, "finite lr ≥ 0")?)
            }
            "power" => Schedule::Power {
                eta0: kv.f64_in("eta0", None, 0.0, f64::MAX, "finite eta0 ≥ 0")?,
                a: kv.f64_in("a", None, 0.0, f64::MAX, "finite a ≥ 0")?,
            },
            "shifted-power" => Schedule::ShiftedPower {
                eta0: kv.f64_in("eta0", None, 0.0, f64::MAX, "finite eta0 ≥ 0")?,
                a: kv.f64_in("a", None, 0.0, f64::MAX, "finite a ≥ 0")?,
            },
            "cosine" => Schedule::Cosine {
                eta0: kv.f64_in("eta0", None, 0.0, f64::MAX, "finite eta0 ≥ 0")?,
                steps: kv.usize_in("steps", None, 1, usize::MAX, "steps ≥ 1")?,
                final_lr: kv.f64_in("final", Some(0.0), 0.0, f64::MAX, "finite final ≥ 0")?,
            },
            other => {
                return Err(Error::input(format!(
                    "unknown schedule '{other}' in '{spec}'; use one of: {kinds}"
                )))
            }
        };
        let warmup = kv.usize_in("warmup", Some(0), 0, usize::MAX, "warmup ≥ 0 steps")?;
        kv.finish()?;
        Ok(if warmup > 0 {
            Schedule::Warmup {
                steps: warmup,
                inner: Box::new(base),
            }
        } else {
            base
        })
    }
}

impl std::fmt::Display for Schedule {
    /// The spec this schedule parses from (`const:0.1`, `power:eta0=0.5,a=0.5`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Constant(lr) => write!(f, "const:{lr}"),
            Schedule::Power { eta0, a } => write!(f, "power:eta0={eta0},a={a}"),
            Schedule::ShiftedPower { eta0, a } => write!(f, "shifted-power:eta0={eta0},a={a}"),
            Schedule::Cosine {
                eta0,
                steps,
                final_lr,
            } => write!(f, "cosine:eta0={eta0},steps={steps},final={final_lr}"),
            // `const:0.1` has no key=value part; spell it `const:lr=0.1` to add the warm-up.
            Schedule::Warmup { steps, inner } => match inner.as_ref() {
                Schedule::Constant(lr) => write!(f, "const:lr={lr},warmup={steps}"),
                other => write!(f, "{other},warmup={steps}"),
            },
        }
    }
}

fn check_lr(what: &str, lr: f64) -> Result<()> {
    if !(lr.is_finite() && lr >= 0.0) {
        return Err(Error::input(format!(
            "schedule '{what}': learning rate {lr} is out of range; allowed: a finite lr ≥ 0"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(Schedule::parse("const:0.1").unwrap().at(7), 0.1);
        assert_eq!(Schedule::parse("const:lr=0.2").unwrap().at(1), 0.2);
        let p = Schedule::parse("power:eta0=0.5,a=0.5").unwrap();
        assert!((p.at(4) - 0.25).abs() < 1e-15);
        let s = Schedule::parse("shifted-power:eta0=1,a=1").unwrap();
        assert!((s.at(1) - 0.5).abs() < 1e-15);
        let c = Schedule::parse("cosine:eta0=1,steps=10,final=0.1").unwrap();
        assert!((c.at(1) - 1.0).abs() < 1e-15);
        assert!((c.at(11) - 0.1).abs() < 1e-15);
        assert!((c.at(6) - 0.55).abs() < 1e-12);
        for spec in [
            "const:0.1",
            "power:eta0=0.5,a=0.5",
            "shifted-power:eta0=1,a=0.8",
            "cosine:eta0=1,steps=10,final=0.1",
            "const:lr=1,warmup=4",
            "cosine:eta0=1,steps=10,final=0,warmup=3",
        ] {
            let s = Schedule::parse(spec).unwrap();
            assert_eq!(Schedule::parse(&s.to_string()).unwrap(), s, "{spec} -> {s}");
        }
        let w = Schedule::parse("const:lr=1,warmup=4").unwrap();
        assert_eq!(w.at(1), 0.25);
        assert_eq!(w.at(4), 1.0);
        assert_eq!(w.at(9), 1.0);
    }

    #[test]
    fn bad_input_names_the_key() {
        for (s, needle) in [
            ("const:-1", "lr"),
            ("power:eta0=1", "'a'"),
            ("power:eta0=1,a=-1", "a ≥ 0"),
            ("power:eta0=1,a=1,b=2", "'b'"),
            ("linear:eta0=1", "unknown schedule"),
            ("cosine:eta0=1,steps=0", "steps"),
        ] {
            let e = Schedule::parse(s).unwrap_err();
            assert!(matches!(e, Error::Input(_)), "{s}");
            assert!(e.to_string().contains(needle), "{s}: {e}");
        }
    }
}
