//! Symbolic checks of the `aion` suite (feature `symbolic`): they run on the Symbolica worker
//! thread and are recorded like every other check.

use super::metric::{self, Group, MetricFormulas};
use super::model::{central_difference, decide_with, derived_gradients, difference_step};
use super::{c1_closure, derive, infinity_class, AtomSpec, C1Test, ModelSpec, Phase};
use crate::aion::lang::{Expr, ModelFile};
use crate::error::{Error, Result};
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use rand_distr::{Distribution, StandardNormal};
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
    let mut v: Vec<Box<dyn Check>> = vec![
        Box::new(SymbolicTower {
            phase: Phase::Exact,
        }),
        Box::new(InfinityClass { c1: c1_closure }),
        Box::new(ModelClass { c1: c1_closure }),
        Box::new(DerivedUpdate {
            update: exact_update,
        }),
    ];
    for group in Group::ALL {
        v.push(Box::new(MetricIdentities {
            group,
            formulas: metric::FORMULAS,
        }));
    }
    v
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

/// The example model files (docs/example), compiled in: (name, JSON text, member of the class?).
pub const EXAMPLES: [(&str, &str, bool); 5] = [
    (
        "fig1",
        include_str!("../../docs/example/fig1.model.json"),
        true,
    ),
    (
        "poly",
        include_str!("../../docs/example/poly.model.json"),
        true,
    ),
    (
        "rank2",
        include_str!("../../docs/example/rank2.model.json"),
        true,
    ),
    (
        "tanh",
        include_str!("../../docs/example/tanh.model.json"),
        false,
    ),
    (
        "rational",
        include_str!("../../docs/example/rational.model.json"),
        false,
    ),
];

fn example(name: &str) -> Result<ModelFile> {
    let (_, text, _) = EXAMPLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| Error::failed(format!("no example model {name}")))?;
    let v: Value = serde_json::from_str(text)
        .map_err(|e| Error::failed(format!("docs/example/{name}.model.json: {e}")))?;
    ModelFile::from_json(&v, &format!("docs/example/{name}.model.json"))
}

/// ID-model-class: the class decisions of the example model files, with their reasons.
pub struct ModelClass {
    /// The C1 test under test.
    pub c1: C1Test,
}

impl Check for ModelClass {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "ID-model-class", None)
    }
    fn claim(&self) -> String {
        "Infinity-Class decisions of the example model files: fig1 (AION atom), poly (polynomial) and rank2 (AION, r = d = P = 2, 32 parameters) are members; tanh (a·tanh(wx + b)) and rational (a/(1 + w x²)) fail C1 (their translates leave every finite linear span)".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}, abstract (\"sufficient conditions for class membership are discussed\"); theory/ID-model-class.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({
            "models": EXAMPLES.iter().map(|(n, _, _)| format!("docs/example/{n}.model.json")).collect::<Vec<_>>(),
            "loss": "(f-y)^2/2",
        })
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        stdout_skip()
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "C1 tests only that the amplitude enters linearly (no constant-generator test of ∂_θ z / z)",
            planted::model_class_amplitude_only(),
        )
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let mut wrong = 0usize;
        let mut figures = serde_json::Map::new();
        let mut details = serde_json::Map::new();
        for (name, _, member) in EXAMPLES {
            let v = decide_with(&example(name)?, self.c1)?;
            // A member must satisfy C1–C3; a non-member must be refused because C1 fails.
            let right = if member {
                v.member
            } else {
                !v.member && v.failing.as_deref() == Some("C1")
            };
            wrong += usize::from(!right);
            figures.insert(format!("{name}_member"), json!(u8::from(v.member)));
            details.insert(
                name.to_string(),
                json!({"expected_member": member, "member": v.member, "failing": v.failing, "reasons": v.lines}),
            );
        }
        Ok(Outcome::new(
            wrong as f64,
            Expectation::at_most(
                0.0,
                "decisions, not measurements: every example must get its stated verdict (members: C1–C3 hold; tanh, rational: C1 fails)",
            ),
        )
        .with_figures(Value::Object(figures))
        .with_details(Value::Object(details)))
    }
}

/// The derived update equation under test: F(δ) = ∇L(θ0 + δ) at each δ.
pub type UpdateEquation = fn(&ModelFile, &[Vec<f64>]) -> Result<Vec<Vec<f64>>>;

/// F(δ) from the Symbolica evaluators of the derived ∇f, at θ0 + δ (the exact translation).
pub fn exact_update(m: &ModelFile, deltas: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let thetas = deltas
        .iter()
        .map(|d| m.theta0.iter().zip(d).map(|(t, x)| t + x).collect())
        .collect();
    derived_gradients(m, thetas)
}

/// The models of ID-derived-update.
pub const UPDATE_MODELS: [&str; 3] = ["fig1", "poly", "rank2"];
/// Random steps per model.
pub const UPDATE_STEPS: usize = 2;
/// σ of the random steps δ ~ N(0, σ² I).
pub const UPDATE_SIGMA: f64 = 0.1;

/// Operations in the evaluation of f (nodes of the expression tree), for the a-priori
/// rounding bound γ_n = nu/(1 − nu), u = ε/2 (Higham, Accuracy and Stability of Numerical
/// Algorithms, 2nd ed., §3.1).
fn operations(e: &Expr) -> usize {
    match e {
        Expr::Num(_) | Expr::Param(_) | Expr::Col(_) => 1,
        Expr::Neg(a) | Expr::Call(_, a) => 1 + operations(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            1 + operations(a) + operations(b)
        }
    }
}

fn gamma(n: usize) -> f64 {
    let u = n as f64 * f64::EPSILON / 2.0;
    u / (1.0 - u)
}

/// A bound on the rounding error of one evaluation of L(θ) = (1/2N) Σ (f_n − y_n)²: each f_n
/// carries relative error ≤ γ_ops, so each squared residual changes by ≤ 2|r_n|·γ_ops·|f_n| (to
/// first order), and the sum of N terms adds γ_{N+2}·L.
fn loss_rounding(m: &ModelFile, theta: &[f64], ops: usize) -> f64 {
    let f = m.predict(theta);
    let n = m.y.len() as f64;
    let term: f64 = f
        .iter()
        .zip(&m.y)
        .map(|(fi, yi)| (fi - yi).abs() * fi.abs())
        .sum::<f64>()
        / n;
    // ops + 1: the subtraction r_n = f_n − y_n.
    2.0 * gamma(ops + 1) * term + gamma(m.y.len() + 2) * m.loss(theta)
}

/// ID-derived-update: the derived F(δ) = ∇L(θ0 + δ) against central differences of L.
pub struct DerivedUpdate {
    /// The update equation under test.
    pub update: UpdateEquation,
}

impl Check for DerivedUpdate {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "ID-derived-update", None)
    }
    fn claim(&self) -> String {
        "The derived update equation F(δ) = ∇L(θ0 + δ) of a written model (Symbolica's ∇f, evaluated by its evaluators) agrees with central differences of L evaluated directly in f64 by our own evaluator, at random δ ~ N(0, 0.1² I), within the finite-difference error bound".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}, abstract (the update equation of the Method of Infinite Descent); central differences: Nocedal & Wright, Numerical Optimization (2nd ed.), §8.1; theory/ID-derived-update.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({
            "models": UPDATE_MODELS,
            "steps_per_model": UPDATE_STEPS,
            "sigma": UPDATE_SIGMA,
            "difference_step": "h_k = eps^(1/3) max(1, |theta_k|)",
        })
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        stdout_skip()
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "the conjugate shift law in the e^{ιu} atoms: parameters inside cos/sin arguments translated by −δ",
            planted::derived_update_conjugate_shift(),
        )
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&self.id());
        let mut worst = 0.0f64;
        let mut figures = serde_json::Map::new();
        let mut details = serde_json::Map::new();
        for name in UPDATE_MODELS {
            let m = example(name)?;
            let ops = operations(&m.expr);
            let deltas: Vec<Vec<f64>> = (0..UPDATE_STEPS)
                .map(|_| {
                    m.theta0
                        .iter()
                        .map(|_| {
                            let z: f64 = StandardNormal.sample(&mut rng);
                            UPDATE_SIGMA * z
                        })
                        .collect()
                })
                .collect();
            let fs = (self.update)(&m, &deltas)?;
            let mut model_worst = 0.0f64;
            let mut max_err = 0.0f64;
            for (d, f) in deltas.iter().zip(&fs) {
                let theta: Vec<f64> = m.theta0.iter().zip(d).map(|(t, x)| t + x).collect();
                let fscale = f.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                for (k, fk) in f.iter().enumerate() {
                    let h = difference_step(theta[k]);
                    let d1 = central_difference(&m, &theta, k, h);
                    let d2 = central_difference(&m, &theta, k, 2.0 * h);
                    // ρ: the rounding bound at the four points the differences evaluate L at.
                    let rho = [-2.0, -1.0, 1.0, 2.0]
                        .iter()
                        .map(|s| {
                            let mut t = theta.clone();
                            t[k] += s * h;
                            loss_rounding(&m, &t, ops)
                        })
                        .fold(0.0f64, f64::max);
                    // Truncation: D_h − D_2h = −3·(h²/6)·∂³L + O(h⁴), so |D_h − D_2h|/3 estimates
                    // it; ×6 covers the O(h⁴) term and the estimate's own rounding. Rounding of
                    // D_h: ≤ 2ρ/(2h); of D_2h (inside the estimate): ≤ ρ/(2h). The derived
                    // evaluator's own rounding: ≤ γ_{4·ops}·max_k |F_k|.
                    let tol = 2.0 * (d1 - d2).abs() + 2.0 * rho / h + gamma(4 * ops) * fscale;
                    let err = (fk - d1).abs();
                    max_err = max_err.max(err);
                    model_worst = model_worst.max(err / tol.max(f64::MIN_POSITIVE));
                }
            }
            worst = worst.max(model_worst);
            figures.insert(
                format!("{name}_error_over_bound"),
                crate::io::num(model_worst),
            );
            details.insert(
                name.to_string(),
                json!({"parameters": m.params.len(), "samples": m.y.len(), "operations": ops, "max_abs_error": crate::io::num(max_err)}),
            );
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "max over models, steps and parameters of |F_k(δ) − D_h,k| / bound_k, bound_k = 2|D_h − D_2h| (6× the estimated h² truncation) + 2ρ/h (rounding of L, a-priori γ_n bound) + γ_{4·ops}·max|F| (evaluator rounding)",
            ),
        )
        .with_figures(Value::Object(figures))
        .with_details(Value::Object(details)))
    }
}

/// ID-metric[group]: the natural-gradient metric identities, proved symbolically.
pub struct MetricIdentities {
    /// Which identities.
    pub group: Group,
    /// The closed forms under proof.
    pub formulas: MetricFormulas,
}

impl Check for MetricIdentities {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new("aion", "ID-metric", Some(self.group.name().into()))
    }
    fn claim(&self) -> String {
        match self.group {
            Group::Canonical => "Symbolic proof (T2): M = bbᵀ/(aᵀb) + UUᵀ with Uᵀa = 0 maps a to b, and every symmetric M with M a = b has M − bbᵀ/(aᵀb) annihilating a (the canonical form), in terms of ‖a‖, aᵀb, ‖b‖",
            Group::Secant => "Symbolic proof: the constructed metric M(β) (2×2 block (b_∥/‖a‖, ‖b_⊥‖/‖a‖, ‖b_⊥‖²/(aᵀb) + β) ⊕ β) equals bbᵀ/(aᵀb) + β(I − ââᵀ), satisfies M·update = −∇L, and has det β b_∥/‖a‖ on the plane",
            Group::Kappa => "Symbolic proof (T5): M_opt = M(β*), β* = ‖b‖²/(aᵀb), has eigenvalues ‖b‖(‖b‖ ± ‖b_⊥‖)/(aᵀb) around β*, so κ(M_opt) = κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)² = (1 + sin ψ)/(1 − sin ψ), where Wielandt's bound 2√κ/(1 + κ) ≤ cos ψ is tight",
            Group::BfgsDfp => "Symbolic proof: the BFGS update of the identity is the family member M(1); the DFP update of the identity has the stated block, maps a to b and is in canonical form (a member of S(a→b))",
        }
        .into()
    }
    fn source(&self) -> String {
        "Shoji, Suzuki & Kozachkov, \"Is All Learning (Natural) Gradient Descent?\", arXiv 2409.16422 (2024), T2 (canonical form), T5 (minimum condition number); BFGS/DFP: Nocedal & Wright, Numerical Optimization (2nd ed.), §6.1; theory/ID-metric.md".into()
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({
            "coordinates": "a = (na, 0, 0), b = (bp, bq, 0); bp = p q, bq = (q^2 - p^2)/2, nb = (p^2 + q^2)/2",
            "formulas": format!("{:?}", self.formulas),
        })
    }
    fn skip_reason(&self, _ctx: &Ctx) -> Option<String> {
        stdout_skip()
    }
    fn control(&self) -> Option<Planted> {
        let (bug, c) = planted::metric_formula(self.group);
        Planted::new(bug, c)
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let ids = metric::prove(self.formulas, self.group)?;
        let bad = ids.iter().filter(|i| !i.proved).count();
        Ok(Outcome::new(
            bad as f64,
            Expectation::at_most(
                0.0,
                "exact symbolic identities: every difference (formula − definition) must expand to 0",
            ),
        )
        .with_figures(json!({"identities": ids.len(), "not_proved": bad}))
        .with_details(json!({
            "identities": ids.iter().map(|i| json!({"claim": i.name, "proved": i.proved})).collect::<Vec<_>>(),
        })))
    }
}

/// The bugs planted in the implementations under test (one definition each, used by the records'
/// negative controls and by the tests).
pub mod planted {
    // Explicit imports: they take precedence over Symbolica's prelude glob (no ambiguity).
    use super::{
        exact_update, metric, AtomSpec, DerivedUpdate, Group, InfinityClass, MetricIdentities,
        ModelClass, Phase, SymbolicTower,
    };
    use crate::aion::lang::{Expr, ModelFile};
    use crate::error::Result;
    use symbolica::prelude::*;

    /// ID-sym-tower's control: the resummed form with the conjugate phase multiplier.
    pub fn sym_tower_conjugate() -> SymbolicTower {
        SymbolicTower {
            phase: Phase::Conjugate,
        }
    }

    /// A C1 test that checks only that the amplitude enters linearly (∂_A² = 0) and omits the
    /// test that every other parameter acts on z = ∂_A atom by a constant generator. Runs on the
    /// Symbolica worker thread (through [`super::infinity_class`]).
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

    /// ID-model-class's control: the same wrong C1 test on the example files.
    pub fn model_class_amplitude_only() -> ModelClass {
        ModelClass {
            c1: c1_amplitude_only,
        }
    }

    /// The parameters that occur inside the argument of a cos or sin.
    fn trig_argument_params(e: &Expr, inside: bool, out: &mut Vec<usize>) {
        use crate::aion::lang::Func;
        match e {
            Expr::Param(k) => {
                if inside && !out.contains(k) {
                    out.push(*k);
                }
            }
            Expr::Num(_) | Expr::Col(_) => {}
            Expr::Call(g, a) => {
                trig_argument_params(a, inside || matches!(g, Func::Cos | Func::Sin), out)
            }
            Expr::Neg(a) => trig_argument_params(a, inside, out),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => {
                trig_argument_params(a, inside, out);
                trig_argument_params(b, inside, out);
            }
        }
    }

    /// The wrong shift law T_δ e^{ιu(θ)} = e^{ιu(θ)}·e^{−ι(u(θ+δ) − u(θ))} for u linear in the
    /// parameters (the conjugate multiplier): the parameters inside cos/sin arguments are
    /// translated by −δ.
    pub fn conjugate_shift_update(m: &ModelFile, deltas: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let mut trig = Vec::new();
        trig_argument_params(&m.expr, false, &mut trig);
        let flipped: Vec<Vec<f64>> = deltas
            .iter()
            .map(|d| {
                d.iter()
                    .enumerate()
                    .map(|(k, x)| if trig.contains(&k) { -x } else { *x })
                    .collect()
            })
            .collect();
        exact_update(m, &flipped)
    }

    /// ID-derived-update's control: the conjugate shift law.
    pub fn derived_update_conjugate_shift() -> DerivedUpdate {
        DerivedUpdate {
            update: conjugate_shift_update,
        }
    }

    /// ID-metric[group]'s control: one wrong closed form (bug, check).
    pub fn metric_formula(group: Group) -> (&'static str, MetricIdentities) {
        let mut f = metric::FORMULAS;
        let bug = match group {
            Group::Canonical => {
                f.canonical_scale = "nb^2";
                "the rank-one term of the canonical form scaled by ‖b‖² instead of aᵀb"
            }
            Group::Secant => {
                f.family_block[2] = "beta";
                "the (ê, ê) entry of the family block without ‖b_⊥‖²/(aᵀb)"
            }
            Group::Kappa => {
                f.kappa_star = "(nb+bq)/bp";
                "κ* = (‖b‖ + ‖b_⊥‖)/b_∥ (the square dropped)"
            }
            Group::BfgsDfp => {
                f.dfp_block[2] = "1+bq^2/(na*bp)";
                "the (ê, ê) entry of the DFP block without (‖b_⊥‖/b_∥)²"
            }
        };
        (bug, MetricIdentities { group, formulas: f })
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
