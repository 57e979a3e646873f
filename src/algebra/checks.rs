//! Symbolic checks of the `aion` suite (feature `symbolic`): they run on the Symbolica worker
//! thread and are recorded like every other check.

use super::{c1_closure, derive, infinity_class, AtomSpec, C1Test, ModelSpec, Phase};
use crate::error::Result;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use serde_json::{json, Value};

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_RESERVED: AtomicBool = AtomicBool::new(false);

/// Declare that stdout carries JSON (`steepest validate` without `--report`): Symbolica prints its
/// licence banner on stdout, so the symbolic checks are then skipped with a reason.
pub fn reserve_stdout(reserved: bool) {
    STDOUT_RESERVED.store(reserved, Ordering::Relaxed);
}

fn stdout_skip() -> Option<String> {
    STDOUT_RESERVED.load(Ordering::Relaxed).then(|| {
        "symbolic checks print Symbolica's banner on stdout; rerun with --report PATH".to_string()
    })
}

const SOURCE: &str = "Batley & Saha, \"The Method of Infinite Descent\", arXiv 2510.05489 (2025)";

/// The symbolic checks, built from the real implementations.
pub fn checks() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(SymbolicTower {
            phase: Phase::Exact,
        }),
        Box::new(InfinityClass { c1: c1_closure }),
    ]
}

/// The order of the symbolic proof.
pub const PROOF_ORDER: u32 = 6;

/// ID-sym-tower: the series of the resummed F equals the Taylor tower through order 6.
pub struct SymbolicTower {
    /// The resummation law under test.
    pub phase: Phase,
}

impl Check for SymbolicTower {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "ID-sym-tower", None)
    }
    fn claim(&self) -> String {
        "Symbolic proof (Symbolica): the order-K series in t of the closed-form resummed F(tδ) (cache × multipliers) equals the Taylor tower Σ_{n≤K} tⁿ(δ·∇)ⁿ∇ℓ/n! for K ≤ 6 (r = d = P = 1)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}, abstract (\"analytical resummation of its Taylor expansion\"); theory/ID-sym-tower.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"rank": 1, "dim": 1, "terms": 1, "order": PROOF_ORDER})
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        stdout_skip()
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "conjugate phase multiplier e^{−ιt(δω x+δφ)} in the resummed form",
            planted::sym_tower_conjugate(),
        )
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let dv = derive(1, 1, 1, PROOF_ORDER, self.phase)?;
        let bad: usize = dv.mismatches.iter().sum();
        Ok(Outcome::new(
            bad as f64,
            Expectation::at_most(
                0.0,
                "an exact symbolic identity: every coefficient difference must expand to 0",
            ),
        )
        .with_figures(json!({"mismatches_per_order": dv.mismatches}))
        .with_details(json!({"tower_terms_per_order": dv.tower_terms})))
    }
}

/// ID-infinity-class: AION is a member (C1–C3 hold); the tanh neuron fails C1.
pub struct InfinityClass {
    /// The C1 test under test.
    pub c1: C1Test,
}

impl Check for InfinityClass {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "ID-infinity-class", None)
    }
    fn claim(&self) -> String {
        "Infinity-Class membership (sufficient conditions C1–C3): a rank-2, d = 2 AION with squared error satisfies C1–C3; a tanh neuron fails C1 (no finite linear closure with constant generators)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}, abstract (\"the Infinity Class; sufficient conditions for class membership are discussed\"); theory/ID-infinity-class.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"aion": "sum_j prod_i atom (r = d = 2)", "control": "a*tanh(w*x+b)", "loss": "(f-y)^2/2"})
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        stdout_skip()
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "C1 tests only that the amplitude enters linearly (no constant-generator test of ∂_θ z / z)",
            planted::infinity_class_amplitude_only(),
        )
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let atom = || ModelSpec::Atom(AtomSpec::aion());
        let aion = ModelSpec::Sum(vec![
            ModelSpec::Product(vec![atom(), atom()]),
            ModelSpec::Product(vec![atom(), atom()]),
        ]);
        let loss = "(f-y)^2/2";
        let va = infinity_class(&aion, loss, self.c1)?;
        let vt = infinity_class(&ModelSpec::Atom(AtomSpec::tanh()), loss, self.c1)?;
        let ok = va.member && !vt.member && vt.failing.as_deref() == Some("C1");
        Ok(Outcome::new(
            if ok { 0.0 } else { 1.0 },
            Expectation::at_most(
                0.0,
                "a decision, not a measurement: AION must be a member and tanh must fail C1",
            ),
        )
        .with_figures(json!({
            "aion_member": u8::from(va.member),
            "tanh_member": u8::from(vt.member),
            "tanh_fails_c1": u8::from(vt.failing.as_deref() == Some("C1")),
        }))
        .with_details(json!({"aion": va.lines, "tanh": vt.lines})))
    }
}

/// The bugs planted in the implementations under test (one definition each, used by the records'
/// negative controls and by the tests).
pub mod planted {
    use super::*;
    use symbolica::prelude::*;

    /// ID-sym-tower's control: the resummed form with the conjugate phase multiplier.
    pub fn sym_tower_conjugate() -> SymbolicTower {
        SymbolicTower {
            phase: Phase::Conjugate,
        }
    }

    /// A C1 test that checks only that the amplitude enters linearly (∂_A² = 0) and omits the
    /// test that every other parameter acts on z = ∂_A atom by a constant generator. Runs on the
    /// Symbolica worker thread (through [`infinity_class`]).
    pub fn c1_amplitude_only(atom: &AtomSpec) -> std::result::Result<String, String> {
        let e = parse!(atom.expr.as_str());
        match &atom.amplitude {
            Some(a) => {
                let sa = symbol!(a.as_str());
                if e.derivative(sa).derivative(sa).expand().is_zero() {
                    Ok(format!("{}: the amplitude {a} enters linearly", atom.name))
                } else {
                    Err(format!(
                        "{}: the amplitude {a} does not enter linearly",
                        atom.name
                    ))
                }
            }
            None => Ok(format!("{}: no amplitude", atom.name)),
        }
    }

    /// ID-infinity-class's control: the C1 test without the constant-generator condition.
    pub fn infinity_class_amplitude_only() -> InfinityClass {
        InfinityClass {
            c1: c1_amplitude_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::{control_fails, passes};

    // One test (the Symbolica worker serializes the jobs; one test keeps the order simple).
    #[test]
    fn symbolic_checks_pass_and_their_controls_fail() {
        for c in checks() {
            let r = passes(c.as_ref());
            assert!(r.control.is_some(), "{} has no control", r.id);
            control_fails(c.as_ref());
        }
    }
}
