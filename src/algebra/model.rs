//! Infinite Descent from a written model (`steepest aion solve --model FILE`, feature `symbolic`;
//! Batley & Saha, "The Method of Infinite Descent", arXiv 2510.05489, 2025).
//!
//! 1. **Infinity Class.** The parsed model f(x; θ) ([`crate::aion::lang`]) is split into atoms —
//!    the parameters themselves, and every elementary function, quotient or power whose argument
//!    depends on θ — assembled by sums and products ([`ModelSpec`]). Each atom gets the C1 test of
//!    [`c1_closure`] (its translates stay in a finite-dimensional span: ∂_θ z / z free of θ for a
//!    diagonal generator, or a linear amplitude); cos u and sin u are tested as e^{ιu}
//!    (span{cos u, sin u} = span{Re e^{ιu}, Im e^{ιu}}), tanh u as 1 − 2/(e^{2u} + 1). A function
//!    applied to an argument that is itself not polynomial in θ breaks C2; the squared-error loss
//!    satisfies C3. The verdict is [`infinity_class`]'s, with its reason per atom.
//! 2. **The update equation.** For a member, Symbolica derives on its worker thread ∂f/∂θ_k and
//!    ∂²f/∂θ_i∂θ_j and turns them into numeric evaluators (Symbolica's `evaluator_multiple`), which
//!    give the exact update equation
//!    F(δ) = ∇L(θ0 + δ) = (1/N) Σ_n (f(x_n; θ0+δ) − y_n) ∇_θ f(x_n; θ0+δ)
//!    and its Jacobian ∂F/∂δ = (1/N) Σ_n [∇f ∇fᵀ + (f − y) ∇²f]. The existing inner solvers of
//!    [`crate::solve`] (Levenberg–Marquardt, trust-region Newton; faer factorisations) solve
//!    F(δ) = 0 in one outer step, calling the evaluators on the worker thread.
//!
//! Honest limits: F is evaluated exactly at θ0 + δ by the evaluators; the resummed form with
//! quantities cached at θ0 (as [`crate::aion::resum`] does for the hand-derived AION model) is not
//! built for written models. The derived gradient is checked against central finite differences of
//! L evaluated directly in f64 by our own evaluator ([`crate::aion::lang::Expr::eval`]), never
//! against Symbolica's own output or the hand-derived path.

use super::{c1_closure, infinity_class, worker, AtomSpec, C1Test, ModelSpec, Verdict};
use crate::aion::lang::{self, Expr, Func, ModelFile};
use crate::aion::model::{Eval, Want};
use crate::error::{Error, Result};
use crate::solve::{self, Inner, System};
use faer::Mat;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::time::Instant;
use symbolica::prelude::*;

/// Symbolica's name of parameter θ_k (internal; reports use the file's names).
fn th(k: usize) -> String {
    format!("th{k}")
}

/// Symbolica's name of column c (internal).
fn xc(c: usize) -> String {
    format!("xc{c}")
}

/// An f64 as an exact rational in Symbolica syntax (a binary fraction m/2^k).
fn exact(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        return format!("{}", v as i64);
    }
    let (mut m, mut k) = (v, 0u32);
    while m.fract() != 0.0 && k < 1100 {
        m *= 2.0;
        k += 1;
    }
    format!("({}/2^{k})", m as i128)
}

/// The expression in Symbolica syntax with internal names; tanh u as 1 − 2/(e^{2u} + 1), √u as u^(1/2).
pub fn symbolica_text(e: &Expr) -> String {
    let s = symbolica_text;
    match e {
        Expr::Num(v) => exact(*v),
        Expr::Param(k) => th(*k),
        Expr::Col(c) => xc(*c),
        Expr::Neg(a) => format!("(-({}))", s(a)),
        Expr::Add(a, b) => format!("({}+{})", s(a), s(b)),
        Expr::Sub(a, b) => format!("({}-({}))", s(a), s(b)),
        Expr::Mul(a, b) => format!("({})*({})", s(a), s(b)),
        Expr::Div(a, b) => format!("({})/({})", s(a), s(b)),
        Expr::Pow(a, b) => format!("({})^({})", s(a), s(b)),
        Expr::Call(Func::Tanh, a) => format!("(1-2/(exp(2*({}))+1))", s(a)),
        Expr::Call(Func::Sqrt, a) => format!("({})^(1/2)", s(a)),
        Expr::Call(g, a) => format!("{}({})", g.name(), s(a)),
    }
}

/// Whether e is a polynomial in θ (coefficients may be any functions of x).
fn polynomial_in_theta(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Param(_) | Expr::Col(_) => true,
        Expr::Neg(a) => polynomial_in_theta(a),
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
            polynomial_in_theta(a) && polynomial_in_theta(b)
        }
        Expr::Pow(a, b) => match **b {
            Expr::Num(n) if n >= 0.0 && n.fract() == 0.0 => polynomial_in_theta(a),
            _ => !e.has_params(),
        },
        Expr::Div(a, b) => polynomial_in_theta(a) && !b.has_params(),
        Expr::Call(..) => !e.has_params(),
    }
}

/// How an atom is written for the C1 test, and what it is called in reports.
fn atom(m: &ModelFile, e: &Expr, c1_form: String, note: &str) -> ModelSpec {
    let mut ps = Vec::new();
    e.params(&mut ps);
    let name = format!(
        "{}{note}",
        e.print(&|k| m.params[k].clone(), &|c| m.columns[c].clone())
    );
    ModelSpec::Atom(AtomSpec {
        name,
        expr: c1_form,
        amplitude: None,
        params: ps.into_iter().map(th).collect(),
    })
}

/// The atoms of the model assembled by sums and products (see the module docs).
pub fn model_spec(m: &ModelFile) -> ModelSpec {
    spec(m, &m.expr)
}

fn spec(m: &ModelFile, e: &Expr) -> ModelSpec {
    if !e.has_params() {
        return ModelSpec::Sum(vec![]);
    }
    match e {
        Expr::Param(k) => ModelSpec::Atom(AtomSpec {
            name: m.params[*k].clone(),
            expr: th(*k),
            amplitude: Some(th(*k)),
            params: vec![],
        }),
        Expr::Neg(a) => spec(m, a),
        Expr::Add(a, b) | Expr::Sub(a, b) => ModelSpec::Sum(vec![spec(m, a), spec(m, b)]),
        Expr::Mul(a, b) => ModelSpec::Product(vec![spec(m, a), spec(m, b)]),
        Expr::Div(a, b) if !b.has_params() => spec(m, a),
        Expr::Div(a, b) => {
            let inv = if polynomial_in_theta(b) {
                atom(
                    m,
                    b,
                    format!("1/({})", symbolica_text(b)),
                    " (as the reciprocal 1/(·))",
                )
            } else {
                ModelSpec::Compose("the reciprocal 1/(·)".into(), Box::new(spec(m, b)))
            };
            ModelSpec::Product(vec![spec(m, a), inv])
        }
        Expr::Pow(a, b) => match **b {
            Expr::Num(n) if n >= 0.0 && n.fract() == 0.0 => ModelSpec::Product(vec![spec(m, a)]),
            _ if !a.has_params() => atom(
                m,
                e,
                format!("exp(({})*log({}))", symbolica_text(b), symbolica_text(a)),
                "",
            ),
            _ if polynomial_in_theta(a) && !b.has_params() => atom(m, e, symbolica_text(e), ""),
            _ => ModelSpec::Compose("a non-integer power".into(), Box::new(spec(m, a))),
        },
        Expr::Call(g, a) => {
            if !polynomial_in_theta(a) {
                return ModelSpec::Compose(g.name().into(), Box::new(spec(m, a)));
            }
            let u = symbolica_text(a);
            match g {
                Func::Cos => atom(m, e, format!("exp(ii*({u}))"), " (as e^{ιu})"),
                Func::Sin => atom(m, e, format!("exp(ii*({u}))"), " (as e^{ιu})"),
                _ => atom(m, e, symbolica_text(e), ""),
            }
        }
        Expr::Num(_) | Expr::Col(_) => ModelSpec::Sum(vec![]),
    }
}

/// Replace the internal names th<k> and xc<c> in Symbolica's text by the file's names.
fn rename(m: &ModelFile, s: &str) -> String {
    let mut out = String::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphabetic()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == '_'))
        {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let w: String = b[start..i].iter().collect();
            let idx = |p: &str| w.strip_prefix(p).and_then(|r| r.parse::<usize>().ok());
            match (idx("th"), idx("xc")) {
                (Some(k), _) if k < m.params.len() => out.push_str(&m.params[k]),
                (_, Some(c)) if c < m.columns.len() => out.push_str(&m.columns[c]),
                _ => out.push_str(&w),
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The Infinity-Class verdict of a model file, its reasons in the file's names.
pub fn decide(m: &ModelFile) -> Result<Verdict> {
    decide_with(m, c1_closure)
}

/// [`decide`] with the C1 test `c1` (the records' negative controls plant a wrong one).
pub fn decide_with(m: &ModelFile, c1: C1Test) -> Result<Verdict> {
    let v = infinity_class(&model_spec(m), "(f-y)^2/2", c1)?;
    Ok(Verdict {
        lines: v.lines.iter().map(|l| rename(m, l)).collect(),
        ..v
    })
}

/// The derivation in text: ∂f/∂θ_k in Symbolica's syntax with internal names.
struct Derived {
    grad: Vec<String>,
}

/// Parse Symbolica's text of a derivative back into our tree (for printing with the file's
/// names and LaTeX); `None` if it uses syntax our language lacks.
fn reparse(m: &ModelFile, s: &str) -> Option<(Expr, Vec<usize>)> {
    let col = |w: &str| {
        w.strip_prefix("xc")
            .and_then(|r| r.parse::<usize>().ok())
            .filter(|&c| c < m.columns.len())
    };
    let (e, names) = lang::parse(s, &col).ok()?;
    let map: Option<Vec<usize>> = names
        .iter()
        .map(|n| {
            n.strip_prefix("th")
                .and_then(|r| r.parse::<usize>().ok())
                .filter(|&k| k < m.params.len())
        })
        .collect();
    Some((e, map?))
}

/// The evaluators of f, ∇f (all n) and, for the second, ∇²f over the free pairs (i ≤ j), with
/// inputs (θ, x); they live on the worker thread.
struct Evaluators {
    first: RefCell<ExpressionEvaluator<f64>>,
    second: RefCell<ExpressionEvaluator<f64>>,
}

/// The update equation F(δ) = ∇L(θ0 + δ) from the evaluators, in the free coordinates.
struct DerivedSystem<'m> {
    m: &'m ModelFile,
    ev: Evaluators,
    free: Vec<usize>,
}

impl DerivedSystem<'_> {
    fn theta(&self, z: &[f64]) -> Vec<f64> {
        let mut t = self.m.theta0.clone();
        for (k, &c) in self.free.iter().enumerate() {
            t[c] += z[k];
        }
        t
    }
}

impl System for DerivedSystem<'_> {
    fn dim(&self) -> usize {
        self.free.len()
    }
    fn eval(&self, z: &[f64], want: Want) -> Eval {
        let theta = self.theta(z);
        evaluate(self.m, &self.ev, &self.free, &theta, want)
    }
}

/// L, ρ, ∇L (restricted to `free`, with ‖∇L‖ over all parameters), J_ρ and ∇²L at θ.
fn evaluate(m: &ModelFile, ev: &Evaluators, free: &[usize], theta: &[f64], want: Want) -> Eval {
    let n = m.params.len();
    let nf = free.len();
    let ns = m.y.len();
    let sq = (ns as f64).sqrt();
    let second = matches!(want, Want::Hessian);
    let npairs = nf * (nf + 1) / 2;
    let mut out = vec![0.0; 1 + n + if second { npairs } else { 0 }];
    let mut input = theta.to_vec();
    input.extend(std::iter::repeat_n(0.0, m.columns.len()));
    let (mut f, mut res) = (Vec::with_capacity(ns), Vec::with_capacity(ns));
    let mut grad = vec![0.0; n];
    let mut jac = matches!(want, Want::Jacobian | Want::Hessian).then(|| Mat::<f64>::zeros(ns, nf));
    let mut hess = second.then(|| Mat::<f64>::zeros(nf, nf));
    for (k, row) in m.x.iter().enumerate() {
        input[n..].copy_from_slice(row);
        if second {
            ev.second.borrow_mut().evaluate(&input, &mut out);
        } else {
            ev.first.borrow_mut().evaluate(&input, &mut out[..1 + n]);
        }
        let r = out[0] - m.y[k];
        f.push(out[0]);
        res.push(r / sq);
        if !matches!(want, Want::Residuals) {
            for p in 0..n {
                grad[p] += r * out[1 + p] / ns as f64;
            }
        }
        if let Some(j) = jac.as_mut() {
            for (a, &p) in free.iter().enumerate() {
                j[(k, a)] = out[1 + p] / sq;
            }
        }
        if let Some(h) = hess.as_mut() {
            let mut q = 1 + n;
            for a in 0..nf {
                for b in a..nf {
                    let v = (out[1 + free[a]] * out[1 + free[b]] + r * out[q]) / ns as f64;
                    h[(a, b)] += v;
                    if a != b {
                        h[(b, a)] += v;
                    }
                    q += 1;
                }
            }
        }
    }
    let loss = 0.5 * res.iter().map(|r| r * r).sum::<f64>();
    let (grad_r, grad_norm) = if matches!(want, Want::Residuals) {
        (Vec::new(), f64::NAN)
    } else {
        let gn = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        (free.iter().map(|&p| grad[p]).collect(), gn)
    };
    Eval {
        f,
        residuals: res,
        loss,
        grad: grad_r,
        grad_norm,
        jac,
        hess,
    }
}

/// Everything the solve reports, computed on the worker thread.
struct Outcome {
    derived: Derived,
    theta1: Vec<f64>,
    counts: solve::Counts,
    fnorm: f64,
    converged: bool,
    loss_before: f64,
    loss_after: f64,
    grad_norm_after: f64,
    grad0: Vec<f64>,
    curvature: (f64, f64),
    derive_ms: f64,
    solve_ms: f64,
}

fn build_evaluators(m: &ModelFile, free: &[usize]) -> (Derived, Evaluators) {
    let n = m.params.len();
    let f = parse!(symbolica_text(&m.expr).as_str());
    let grad: Vec<Atom> = (0..n)
        .map(|k| f.derivative(symbol!(th(k).as_str())))
        .collect();
    let mut hess = Vec::new();
    for (a, &i) in free.iter().enumerate() {
        for &j in &free[a..] {
            hess.push(grad[i].derivative(symbol!(th(j).as_str())));
        }
    }
    let inputs: Vec<Atom> = (0..n)
        .map(|k| parse!(th(k).as_str()))
        .chain((0..m.columns.len()).map(|c| parse!(xc(c).as_str())))
        .collect();
    let mut first: Vec<Atom> = vec![f.clone()];
    first.extend(grad.iter().cloned());
    let mut all = first.clone();
    all.extend(hess);
    let make = |exprs: &[Atom]| {
        Atom::evaluator_multiple(exprs, &inputs)
            .optimization_settings(OptimizationSettings::default())
            .build()
            .expect("Symbolica builds an evaluator of the derived expressions")
            .map_coeff(&|c| c.re.to_f64())
    };
    let ev = Evaluators {
        first: RefCell::new(make(&first)),
        second: RefCell::new(make(&all)),
    };
    let derived = Derived {
        grad: grad.iter().map(|g| format!("{g}")).collect(),
    };
    (derived, ev)
}

fn run_on_worker(m: &ModelFile, inner: Inner) -> Result<Outcome> {
    let free = m.free();
    let t = Instant::now();
    let (derived, ev) = build_evaluators(m, &free);
    let derive_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let sys = DerivedSystem {
        m,
        ev,
        free: free.clone(),
    };
    let e0 = evaluate(
        m,
        &sys.ev,
        &(0..m.params.len()).collect::<Vec<_>>(),
        &m.theta0,
        Want::Gradient,
    );
    let (z, counts, fnorm, converged) =
        solve::inner_solve(&sys, inner, 0.5 * m.settings.tol, m.settings.max_inner)?;
    let theta1 = sys.theta(&z);
    let e1 = evaluate(m, &sys.ev, &free, &theta1, Want::Hessian);
    let h = e1.hess.as_ref().expect("Hessian evaluated");
    let curvature = if theta1.iter().all(|v| v.is_finite()) && e1.loss.is_finite() {
        solve::extreme_eigenvalues(h)?
    } else {
        (f64::NAN, f64::NAN)
    };
    let solve_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok(Outcome {
        derived,
        loss_before: m.loss(&m.theta0),
        loss_after: m.loss(&theta1),
        theta1,
        counts,
        fnorm,
        converged,
        grad_norm_after: e1.grad_norm,
        grad0: e0.grad,
        curvature,
        derive_ms,
        solve_ms,
    })
}

/// L, ∇L and ∇²L of a written model from the Symbolica evaluators of the derived ∇f, ∇²f (any
/// model, in the class or not): the objective of the baselines. Lives on the worker thread.
struct DerivedObjective<'m> {
    m: &'m ModelFile,
    ev: Evaluators,
    all: Vec<usize>,
}

impl solve::Objective for DerivedObjective<'_> {
    fn dim(&self) -> usize {
        self.m.params.len()
    }
    fn loss(&self, theta: &[f64]) -> f64 {
        evaluate(self.m, &self.ev, &self.all, theta, Want::Residuals).loss
    }
    fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let e = evaluate(self.m, &self.ev, &self.all, theta, Want::Gradient);
        (e.loss, e.grad)
    }
    fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        let e = evaluate(self.m, &self.ev, &self.all, theta, Want::Hessian);
        let h = e
            .hess
            .unwrap_or_else(|| Mat::zeros(self.all.len(), self.all.len()));
        (e.loss, e.grad, h)
    }
    fn gauge_free(&self) -> Vec<usize> {
        self.m.free()
    }
}

/// Gradient descent, damped Newton, Newton–CG and L-BFGS on a written model from θ0, each to
/// ‖∇L‖₂ ≤ `tol` within `budgets` (the report's `baselines` object), on the worker thread.
pub fn baselines(m: &ModelFile, tol: f64, budgets: solve::multistart::Budgets) -> Result<Value> {
    let mc = m.clone();
    worker::run(move || {
        let all: Vec<usize> = (0..mc.params.len()).collect();
        let (_, ev) = build_evaluators(&mc, &all);
        let o = DerivedObjective { m: &mc, ev, all };
        solve::run_baselines(&o, &mc.theta0, tol, &budgets)
    })
}

/// The step h_k = ε^{1/3}·max(1, |θ_k|) of a central difference (truncation ∝ h² and round-off
/// ∝ ε/h balanced).
pub fn difference_step(theta_k: f64) -> f64 {
    f64::EPSILON.cbrt() * theta_k.abs().max(1.0)
}

/// The central difference (L(θ + h e_k) − L(θ − h e_k))/(2h) of L evaluated directly in f64 by
/// our own evaluator.
pub fn central_difference(m: &ModelFile, theta: &[f64], k: usize, h: f64) -> f64 {
    let mut tp = theta.to_vec();
    let mut tm = theta.to_vec();
    tp[k] += h;
    tm[k] -= h;
    (m.loss(&tp) - m.loss(&tm)) / (2.0 * h)
}

/// Central differences of L at θ, per parameter, with step [`difference_step`].
pub fn finite_difference_gradient(m: &ModelFile, theta: &[f64]) -> Vec<f64> {
    (0..theta.len())
        .map(|k| central_difference(m, theta, k, difference_step(theta[k])))
        .collect()
}

/// ∇L(θ) over all parameters at each θ of `thetas`, from Symbolica evaluators of the derived ∇f
/// (built once, on the worker thread): the update equation F(δ) = ∇L(θ0 + δ) at θ = θ0 + δ.
pub fn derived_gradients(m: &ModelFile, thetas: Vec<Vec<f64>>) -> Result<Vec<Vec<f64>>> {
    let mc = m.clone();
    worker::run(move || {
        let (_, ev) = build_evaluators(&mc, &[]);
        let all: Vec<usize> = (0..mc.params.len()).collect();
        thetas
            .iter()
            .map(|t| evaluate(&mc, &ev, &all, t, Want::Gradient).grad)
            .collect()
    })
}

/// Why Infinite Descent does not apply to a model outside the class (the failing conditions).
fn refusal(verdict: &Verdict) -> String {
    format!(
        "the model is outside the Infinity Class ({} fails), so Infinite Descent does not apply: {}",
        verdict.failing.clone().unwrap_or_default(),
        verdict
            .lines
            .iter()
            .filter(|l| l.contains("fails"))
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    )
}

/// `aion solve --model FILE --baselines-only`: the class verdict, no Infinite Descent step (for a
/// model outside the class the report says it was refused and why), and the four baselines from
/// θ0 to ‖∇L‖₂ ≤ solver.tol (JSON).
pub fn solve_baselines_only(m: &ModelFile, budgets: solve::multistart::Budgets) -> Result<Value> {
    let verdict = decide(m)?;
    let tol = m.settings.tol;
    let base = baselines(m, tol, budgets)?;
    let num = crate::io::num;
    let infinite_descent = if verdict.member {
        json!({"run": false, "refused": false, "reason": "not run: --baselines-only"})
    } else {
        json!({"run": false, "refused": true, "reason": refusal(&verdict)})
    };
    Ok(json!({
        "model": {
            "expr": m.text,
            "parsed": m.expr_text(),
            "parameters": m.params,
            "columns": m.columns,
            "n_samples": m.y.len(),
            "loss": "squared: L = (1/2N) Σ_n (f(x_n; θ) − y_n)²",
            "fixed": m.settings.fixed.iter().map(|&k| m.params[k].clone()).collect::<Vec<_>>(),
        },
        "infinity_class": {
            "member": verdict.member,
            "conditions": verdict.lines,
        },
        "infinite_descent": infinite_descent,
        "baselines": base,
        "tol": tol,
        "loss_before": num(m.loss(&m.theta0)),
        "theta0": Value::Object(
            m.params
                .iter()
                .zip(&m.theta0)
                .map(|(p, x)| (p.clone(), num(*x)))
                .collect(),
        ),
    }))
}

/// Decide the class, derive the update, solve it in one outer step and report (JSON).
///
/// Errors: [`Error::Input`] (exit 2) for a model outside the Infinity Class, with the reason per
/// atom; [`Error::failed`] (exit 1) if the inner solve does not reach ‖∇L(θ1)‖ ≤ tol or stops
/// at a point of negative curvature.
pub fn solve(m: &ModelFile) -> Result<Value> {
    let inner = Inner::parse(&m.settings.inner)?;
    let verdict = decide(m)?;
    if !verdict.member {
        return Err(Error::input(format!(
            "{}; rewrite the model with exp-polynomial atoms and polynomials, or solve it with the baselines only (--baselines-only)",
            refusal(&verdict)
        )));
    }
    let mc = m.clone();
    let o = worker::run(move || run_on_worker(&mc, inner))??;
    let tol = m.settings.tol;
    let name = inner.name();
    if !o.converged {
        return Err(Error::failed(format!(
            "Infinite Descent inner solve ({name}) on the derived update did not converge: ‖F(δ)‖ = {:.3e} > tol {tol:.1e} after {} inner iterations ({} evaluations); try {}, another theta0, or a larger solver.max_inner",
            o.fnorm,
            o.counts.iterations,
            o.counts.evaluations,
            inner.alternatives()
        )));
    }
    if o.grad_norm_after.is_nan() || o.grad_norm_after > tol {
        return Err(Error::failed(format!(
            "Infinite Descent step ({name}): ‖∇L(θ1)‖ = {:.3e} > tol {tol:.1e} after {} inner iterations",
            o.grad_norm_after, o.counts.iterations
        )));
    }
    let nfree = m.free().len();
    let (lmin, lmax) = o.curvature;
    if !solve::psd_curvature(lmin, lmax, nfree) {
        return Err(Error::failed(format!(
            "Infinite Descent step ({name}) stopped at a stationary point that is not a minimum (negative curvature): λ_min(∇²L) = {lmin:.3e} (λ_max = {lmax:.3e}) after {} inner iterations; use --inner tr or lm, or fix the model's symmetries with solver.fixed",
            o.counts.iterations
        )));
    }
    let fd = finite_difference_gradient(m, &m.theta0);
    let gscale = o
        .grad0
        .iter()
        .fold(0.0f64, |a, g| a.max(g.abs()))
        .max(f64::MIN_POSITIVE);
    let fd_err = fd
        .iter()
        .zip(&o.grad0)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / gscale;
    let num = crate::io::num;
    let names = |k: usize| m.params[k].clone();
    let cols = |c: usize| m.columns[c].clone();
    let lnames = |k: usize| m.param_latex(k);
    let lcols = |c: usize| lang::latex_name(&m.columns[c]);
    let mut gradient = Vec::new();
    let mut latex = format!(
        "% L(\\theta) = \\frac{{1}}{{2N}}\\sum_{{n=1}}^{{N}} (f(x_n;\\theta) - y_n)^2, N = {}\n% update equation: F(\\delta) = \\nabla L(\\theta_0 + \\delta) = \\frac{{1}}{{N}}\\sum_{{n=1}}^{{N}} \\bigl(f(x_n;\\theta_0+\\delta) - y_n\\bigr)\\,\\nabla_\\theta f(x_n;\\theta_0+\\delta) = 0\n\\begin{{align}}\nf &= {} \\\\\n",
        m.y.len(),
        m.expr.latex(&lnames, &lcols)
    );
    for (k, g) in o.derived.grad.iter().enumerate() {
        let back = reparse(m, g);
        let (text, tex) = match &back {
            Some((e, map)) => (
                e.print(&|i| names(map[i]), &cols),
                Some(e.latex(&|i| lnames(map[i]), &lcols)),
            ),
            None => (rename(m, g), None),
        };
        if let Some(t) = &tex {
            latex.push_str(&format!(
                "\\frac{{\\partial f}}{{\\partial {}}} &= {t} \\\\\n",
                lnames(k)
            ));
        }
        gradient.push(json!({"parameter": m.params[k], "df": text, "latex": tex}));
    }
    latex.push_str("\\end{align}\n");
    let sh = |v: &[f64]| -> Value {
        Value::Object(
            m.params
                .iter()
                .zip(v)
                .map(|(p, x)| (p.clone(), num(*x)))
                .collect(),
        )
    };
    Ok(json!({
        "model": {
            "expr": m.text,
            "parsed": m.expr.print(&names, &cols),
            "parameters": m.params,
            "columns": m.columns,
            "n_samples": m.y.len(),
            "loss": "squared: L = (1/2N) Σ_n (f(x_n; θ) − y_n)²",
            "fixed": m.settings.fixed.iter().map(|&k| m.params[k].clone()).collect::<Vec<_>>(),
        },
        "infinity_class": {
            "member": verdict.member,
            "conditions": verdict.lines,
        },
        "equation": {
            "text": "F(δ) = ∇L(θ0 + δ) = (1/N) Σ_n (f(x_n; θ0+δ) − y_n) ∇_θ f(x_n; θ0+δ) = 0, Jacobian ∂F/∂δ = (1/N) Σ_n [∇f ∇fᵀ + (f − y) ∇²f]",
            "gradient_of_f": gradient,
            "latex": latex,
            "form": "exact",
            "note": "F and its Jacobian are evaluated exactly at θ0 + δ by Symbolica evaluators of the derived ∇f, ∇²f; the resummed form with quantities cached at θ0 is built only for the hand-derived AION model (aion solve --preset/--config)",
        },
        "outer_steps": 1,
        "inner_iterations": o.counts.iterations,
        "evaluations": {
            "residual": o.counts.evaluations,
            "jacobian": o.counts.jacobian_evaluations,
        },
        "inner_solver": name,
        "tol": tol,
        "loss_before": num(o.loss_before),
        "loss_after": num(o.loss_after),
        "grad_norm_after": num(o.grad_norm_after),
        "theta0": sh(&m.theta0),
        "theta": sh(&o.theta1),
        "curvature": {
            "lambda_min": num(lmin),
            "lambda_max": num(lmax),
            "positive_definite": solve::positive_curvature(lmin, lmax, nfree),
        },
        "gradient_check": {
            "what": "max_k |∂L/∂θ_k (derived) − central difference of L (direct f64)| / max_k |∂L/∂θ_k| at θ0",
            "relative_error": num(fd_err),
        },
        "wall_ms": {"derive": num(o.derive_ms), "solve": num(o.solve_ms)},
    }))
}
