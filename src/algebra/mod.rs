//! Symbolic derivation of the Method of Infinite Descent for AION with Symbolica (feature
//! `symbolic`; Batley & Saha 2025, arXiv 2510.05489; theory/ID-sym-tower.md, theory/ID-infinity-class.md).
//!
//! * [`derive`]: build f = Σ_j Π_i Σ_p A e^{αx_i}cos(ωx_i + φ) for given (r, d, P) and the per-sample
//!   loss ℓ = ½(f − y)²; derive ∇ℓ; the Taylor tower c_n = (1/n!)(δ·∇)ⁿ∇ℓ, i.e. the coefficients of
//!   t ↦ ∇ℓ(θ + tδ), to order K; the closed-form resummed update equation F(tδ) written with the
//!   atoms cached at θ (EC = e^{αx}cos(ωx+φ), ES = e^{αx}sin(ωx+φ)) and the multipliers
//!   e^{tδα x}, cos/sin(t(δω x + δφ)); and a proof that the order-K series of F in t equals the
//!   order-K tower: the difference of every coefficient, after substituting the cache, expands to 0.
//!   The full-data equation is the sample mean (1/N)Σ_k of the per-sample one (linearity).
//! * [`infinity_class`]: the sufficient conditions C1–C3 (theory/ID-infinity-class.md) for a model assembled from
//!   atoms by sums and products.
//!
//! Every Symbolica call runs on the single worker thread of [`worker`]; results come back as text.
//! Nothing here is used to test the numeric code (which is tested against finite differences, f64
//! jets and identities).

pub mod checks;
pub mod metric;
pub mod model;
pub mod worker;

use crate::error::{Error, Result};
use symbolica::prelude::*;

/// Names of the symbols of term (j, i, p).
struct TermNames {
    a: String,
    al: String,
    om: String,
    ph: String,
    da: String,
    dal: String,
    dom: String,
    dph: String,
    ec: String,
    es: String,
    x: String,
}

fn names(j: usize, i: usize, p: usize) -> TermNames {
    let s = format!("{j}{i}{p}");
    TermNames {
        a: format!("A{s}"),
        al: format!("al{s}"),
        om: format!("om{s}"),
        ph: format!("ph{s}"),
        da: format!("dA{s}"),
        dal: format!("dal{s}"),
        dom: format!("dom{s}"),
        dph: format!("dph{s}"),
        ec: format!("EC{s}"),
        es: format!("ES{s}"),
        x: format!("x{i}"),
    }
}

/// How the resummed multiplier treats the phase (the correct law, or a planted bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// μ = e^{tδα x}(cos + ι sin)(t(δω x + δφ)).
    Exact,
    /// Planted bug: the conjugate multiplier (sign of the phase flipped).
    Conjugate,
}

/// The shape (r, d, P) with indices below 10 (symbol names use one digit per index).
fn check_shape(r: usize, d: usize, p: usize, k: u32) -> Result<()> {
    if r == 0 || d == 0 || p == 0 || r > 9 || d > 9 || p > 9 {
        return Err(Error::input(format!(
            "aion derive: rank {r}, dim {d}, terms {p} must each be between 1 and 9; choose smaller sizes"
        )));
    }
    if k > 12 {
        return Err(Error::input(format!(
            "aion derive: --order {k} is too large for a symbolic proof; use --order ≤ 12"
        )));
    }
    Ok(())
}

fn psi_direct(j: usize, i: usize, pp: usize) -> String {
    let terms: Vec<String> = (0..pp)
        .map(|p| {
            let n = names(j, i, p);
            format!(
                "{}*exp({}*{})*cos({}*{}+{})",
                n.a, n.al, n.x, n.om, n.x, n.ph
            )
        })
        .collect();
    format!("({})", terms.join("+"))
}

fn model_direct(r: usize, d: usize, pp: usize) -> String {
    let ranks: Vec<String> = (0..r)
        .map(|j| {
            let f: Vec<String> = (0..d).map(|i| psi_direct(j, i, pp)).collect();
            f.join("*")
        })
        .collect();
    ranks.join("+")
}

fn params(r: usize, d: usize, pp: usize) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for j in 0..r {
        for i in 0..d {
            for p in 0..pp {
                let n = names(j, i, p);
                v.push((n.a, n.da));
                v.push((n.al, n.dal));
                v.push((n.om, n.dom));
                v.push((n.ph, n.dph));
            }
        }
    }
    v
}

/// Real and imaginary parts of the shifted atom w(tδ) = E·μ(tδ) in terms of the cache.
fn shifted_parts(n: &TermNames, phase: Phase) -> (String, String) {
    let sgn = if phase == Phase::Exact { "" } else { "-" };
    let arg = format!("{sgn}t*({}*{}+{})", n.dom, n.x, n.dph);
    let m = format!("exp(t*{}*{})", n.dal, n.x);
    (
        format!("{m}*({}*cos({arg})-{}*sin({arg}))", n.ec, n.es),
        format!("{m}*({}*sin({arg})+{}*cos({arg}))", n.ec, n.es),
    )
}

/// The resummed per-sample gradient F(tδ) (one string per parameter), from the cache.
fn resummed_strings(r: usize, d: usize, pp: usize, phase: Phase) -> Vec<String> {
    let psi = |j: usize, i: usize| -> String {
        let t: Vec<String> = (0..pp)
            .map(|p| {
                let n = names(j, i, p);
                let (re, _) = shifted_parts(&n, phase);
                format!("({}+t*{})*{re}", n.a, n.da)
            })
            .collect();
        format!("({})", t.join("+"))
    };
    let f: Vec<String> = (0..r)
        .map(|j| (0..d).map(|i| psi(j, i)).collect::<Vec<_>>().join("*"))
        .collect();
    let resid = format!("({}-y)", f.join("+"));
    let mut out = Vec::new();
    for j in 0..r {
        for i in 0..d {
            let other: Vec<String> = (0..d).filter(|&i2| i2 != i).map(|i2| psi(j, i2)).collect();
            let other = if other.is_empty() {
                "1".to_string()
            } else {
                other.join("*")
            };
            for p in 0..pp {
                let n = names(j, i, p);
                let (re, im) = shifted_parts(&n, phase);
                let amp = format!("({}+t*{})", n.a, n.da);
                out.push(format!("{resid}*{other}*{re}"));
                out.push(format!("{resid}*{other}*{}*{amp}*{re}", n.x));
                out.push(format!("-{resid}*{other}*{}*{amp}*{im}", n.x));
                out.push(format!("-{resid}*{other}*{amp}*{im}"));
            }
        }
    }
    out
}

fn zero_at_t0(e: &Atom) -> Atom {
    let t = parse!("t");
    let mut v = e.replace(t).with(Atom::num(0));
    for (pat, val) in [("cos(0)", 1), ("sin(0)", 0), ("exp(0)", 1)] {
        v = v.replace(parse!(pat)).with(Atom::num(val));
    }
    v.expand()
}

fn substitute_cache(e: &Atom, r: usize, d: usize, pp: usize) -> Atom {
    let mut v = e.clone();
    for j in 0..r {
        for i in 0..d {
            for p in 0..pp {
                let n = names(j, i, p);
                let c = parse!(&format!(
                    "exp({}*{})*cos({}*{}+{})",
                    n.al, n.x, n.om, n.x, n.ph
                ));
                let s = parse!(&format!(
                    "exp({}*{})*sin({}*{}+{})",
                    n.al, n.x, n.om, n.x, n.ph
                ));
                v = v.replace(parse!(&n.ec)).with(c);
                v = v.replace(parse!(&n.es)).with(s);
            }
        }
    }
    v.expand()
}

/// The result of a derivation, as text.
#[derive(Clone, Debug)]
pub struct Derivation {
    /// (r, d, P, K).
    pub shape: (usize, usize, usize, u32),
    /// The model f(x; θ).
    pub model: String,
    /// (parameter, ∂ℓ/∂parameter) per parameter.
    pub gradient: Vec<(String, String)>,
    /// (parameter, F component at t = 1) of the resummed equation, from the cache.
    pub resummed: Vec<(String, String)>,
    /// LaTeX of the resummed components.
    pub resummed_latex: Vec<String>,
    /// For each order n ≤ K, the number of components whose series coefficient differs from the
    /// tower coefficient (0 everywhere = proved).
    pub mismatches: Vec<usize>,
    /// Number of terms of each tower order (all components together), a size indicator.
    pub tower_terms: Vec<usize>,
}

fn count_terms(e: &Atom) -> usize {
    match e.as_view() {
        AtomView::Add(a) => a.iter().count(),
        _ => {
            if e.is_zero() {
                0
            } else {
                1
            }
        }
    }
}

/// Derive the resummed update equation of an AION model with (r, d, P) and prove that its order-K
/// series equals the order-K Taylor tower. Runs on the Symbolica worker thread.
pub fn derive(r: usize, d: usize, pp: usize, k: u32, phase: Phase) -> Result<Derivation> {
    check_shape(r, d, pp, k)?;
    worker::run(move || derive_on_worker(r, d, pp, k, phase))
}

fn derive_on_worker(r: usize, d: usize, pp: usize, k: u32, phase: Phase) -> Derivation {
    let model_s = model_direct(r, d, pp);
    let model = parse!(&model_s);
    let loss = parse!(&format!("({model_s}-y)^2/2"));
    let ps = params(r, d, pp);
    let grad: Vec<Atom> = ps
        .iter()
        .map(|(p, _)| loss.derivative(symbol!(p.as_str())).expand())
        .collect();
    // Taylor tower: c_0 = ∇ℓ, c_n = (1/n) (δ·∇) c_{n−1}.
    let mut tower = vec![grad.clone()];
    for n in 1..=k as usize {
        let prev = &tower[n - 1];
        let next: Vec<Atom> = prev
            .iter()
            .map(|c| {
                let mut acc = Atom::num(0);
                for (p, dp) in &ps {
                    acc += parse!(dp.as_str()) * c.derivative(symbol!(p.as_str()));
                }
                (acc / Atom::num(n as i64)).expand()
            })
            .collect();
        tower.push(next);
    }
    // Resummed F(tδ) and its series in t: coefficient n = (1/n!) dⁿF/dtⁿ at t = 0.
    let res_s = resummed_strings(r, d, pp, phase);
    let t = symbol!("t");
    let mut mismatches = Vec::new();
    let mut current: Vec<Atom> = res_s.iter().map(|s| parse!(s.as_str())).collect();
    let mut fact: i64 = 1;
    for (n, tn) in tower.iter().enumerate() {
        if n > 0 {
            fact *= n as i64;
            current = current.iter().map(|e| e.derivative(t)).collect();
        }
        let mut bad = 0;
        for (c, tw) in current.iter().zip(tn) {
            let coeff = substitute_cache(&(zero_at_t0(c) / Atom::num(fact)), r, d, pp);
            let diff = (coeff - tw).expand();
            if !diff.is_zero() {
                bad += 1;
            }
        }
        mismatches.push(bad);
    }
    let at_one: Vec<Atom> = res_s
        .iter()
        .map(|s| parse!(s.as_str()).replace(parse!("t")).with(Atom::num(1)))
        .collect();
    let resummed = ps
        .iter()
        .zip(&at_one)
        .map(|((p, _), e)| (p.clone(), format!("{e}")))
        .collect();
    let resummed_latex = at_one
        .iter()
        .map(|e| format!("{}", e.printer(PrintOptions::latex())))
        .collect();
    Derivation {
        shape: (r, d, pp, k),
        model: format!("{model}"),
        gradient: ps
            .iter()
            .zip(&grad)
            .map(|((p, _), g)| (p.clone(), format!("{g}")))
            .collect(),
        resummed,
        resummed_latex,
        mismatches,
        tower_terms: tower
            .iter()
            .map(|c| c.iter().map(count_terms).sum())
            .collect(),
    }
}

/// The text (or LaTeX) report of `steepest aion derive`.
pub fn derive_report(r: usize, d: usize, pp: usize, k: u32, latex: bool) -> Result<String> {
    let dv = derive(r, d, pp, k, Phase::Exact)?;
    let mut s = String::new();
    let proved = dv.mismatches.iter().all(|&m| m == 0);
    if latex {
        s.push_str(&format!(
            "% AION r={r}, d={d}, P={pp}: resummed update equation F(\\delta) = \\frac{{1}}{{N}}\\sum_k F_k(\\delta) = 0\n% cache: EC = e^{{\\alpha x}}\\cos(\\omega x+\\varphi), ES = e^{{\\alpha x}}\\sin(\\omega x+\\varphi) at \\theta_0\n\\begin{{align}}\n"
        ));
        for ((p, _), l) in dv.resummed.iter().zip(&dv.resummed_latex) {
            s.push_str(&format!("F_{{{p}}} &= {l} \\\\\n"));
        }
        s.push_str("\\end{align}\n");
        s.push_str(&format!(
            "% series of F in t equals the Taylor tower for K <= {k}: {}\n",
            if proved { "proved" } else { "FAILED" }
        ));
        return Ok(s);
    }
    s.push_str(&format!(
        "AION model (r = {r}, d = {d}, P = {pp}), one sample (x, y); loss l = (f - y)^2/2, L = (1/N) sum_k l_k\n"
    ));
    s.push_str(&format!("f = {}\n\n", dv.model));
    s.push_str("Gradient dl/dtheta:\n");
    for (p, g) in &dv.gradient {
        s.push_str(&format!("  d l/d {p} = {g}\n"));
    }
    s.push_str("\nResummed update equation F(delta) = (1/N) sum_k F_k(delta) = 0, per sample, from the cache at theta0\n");
    s.push_str(
        "  (ECjip = exp(al*x)*cos(om*x+ph), ESjip = exp(al*x)*sin(om*x+ph); dX = step in X):\n",
    );
    for (p, e) in &dv.resummed {
        s.push_str(&format!("  F_{p} = {e}\n"));
    }
    s.push_str(&format!(
        "\nProof: order-n coefficient of the series of F(t*delta) in t minus the Taylor tower term (1/n!)(delta.grad)^n grad l, for n = 0..{k}:\n"
    ));
    for (n, (m, terms)) in dv.mismatches.iter().zip(&dv.tower_terms).enumerate() {
        s.push_str(&format!(
            "  n = {n}: {} ({} tower terms)\n",
            if *m == 0 {
                "difference expands to 0".to_string()
            } else {
                format!("{m} components differ")
            },
            terms
        ));
    }
    s.push_str(&format!(
        "Result: {}\n",
        if proved {
            format!("the resummed F equals the Taylor tower through order {k} (exact identity).")
        } else {
            "MISMATCH: the resummed form does not match the tower.".to_string()
        }
    ));
    if !proved {
        return Err(Error::failed(s));
    }
    Ok(s)
}

/// An atom of the model algebra: its expression in x and parameters, the amplitude that enters
/// linearly (if any), and the other parameters.
#[derive(Clone, Debug)]
pub struct AtomSpec {
    /// Name for reports.
    pub name: String,
    /// Expression in `x` and the parameters (Symbolica syntax; `ii` denotes the imaginary unit).
    pub expr: String,
    /// The amplitude parameter (enters linearly), if any.
    pub amplitude: Option<String>,
    /// Non-linear parameters.
    pub params: Vec<String>,
}

impl AtomSpec {
    /// The AION term A·e^{(α+ιω)x + ιφ} (the real model takes its real part; ι written `ii`).
    pub fn aion() -> Self {
        Self {
            name: "aion".into(),
            expr: "A*exp((al+ii*om)*x+ii*ph)".into(),
            amplitude: Some("A".into()),
            params: vec!["al".into(), "om".into(), "ph".into()],
        }
    }
    /// The tanh neuron a·tanh(wx + b), written tanh(u) = 1 − 2/(e^{2u} + 1).
    pub fn tanh() -> Self {
        Self {
            name: "tanh".into(),
            expr: "a*(1-2/(exp(2*(w*x+b))+1))".into(),
            amplitude: Some("a".into()),
            params: vec!["w".into(), "b".into()],
        }
    }
}

/// How a model is assembled from atoms.
#[derive(Clone, Debug)]
pub enum ModelSpec {
    /// An atom.
    Atom(AtomSpec),
    /// A sum of models.
    Sum(Vec<ModelSpec>),
    /// A product of models.
    Product(Vec<ModelSpec>),
    /// A non-polynomial function applied to a model (breaks C2).
    Compose(String, Box<ModelSpec>),
}

impl ModelSpec {
    fn atoms(&self, out: &mut Vec<AtomSpec>) {
        match self {
            ModelSpec::Atom(a) => out.push(a.clone()),
            ModelSpec::Sum(v) | ModelSpec::Product(v) => v.iter().for_each(|m| m.atoms(out)),
            ModelSpec::Compose(_, m) => m.atoms(out),
        }
    }
    fn composes(&self) -> Option<String> {
        match self {
            ModelSpec::Atom(_) => None,
            ModelSpec::Sum(v) | ModelSpec::Product(v) => v.iter().find_map(|m| m.composes()),
            ModelSpec::Compose(f, _) => Some(f.clone()),
        }
    }
}

/// The verdict of the Infinity-Class membership check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// All sufficient conditions hold.
    pub member: bool,
    /// The first failing condition ("C1", "C2", "C3"), if any.
    pub failing: Option<String>,
    /// One line per condition.
    pub lines: Vec<String>,
}

/// A C1 test: for an atom, return Ok(description) if it has a finite linear closure with constant
/// commuting generators, else Err(reason).
pub type C1Test = fn(&AtomSpec) -> std::result::Result<String, String>;

/// C1 for an atom A·z(x; θ'): the amplitude enters linearly (∂_A² = 0, ∂_A z = 0 — a nilpotent
/// generator on (A z, z)), and every other parameter acts diagonally with a constant eigenvalue,
/// λ_j = (∂_j z)/z free of all parameters. Then v = (A z, z) is closed with constant generators
/// D_A = [[0,1],[0,0]], D_j = λ_j·I, which commute. Runs on the worker thread (call via
/// [`infinity_class`]).
pub fn c1_closure(atom: &AtomSpec) -> std::result::Result<String, String> {
    let e = parse!(atom.expr.as_str());
    let all: Vec<String> = atom
        .params
        .iter()
        .cloned()
        .chain(atom.amplitude.iter().cloned())
        .collect();
    let z = match &atom.amplitude {
        Some(a) => {
            let sa = symbol!(a.as_str());
            let z = e.derivative(sa).expand();
            if !z.derivative(sa).expand().is_zero() {
                return Err(format!(
                    "{}: the amplitude {a} does not enter linearly",
                    atom.name
                ));
            }
            z
        }
        None => e.clone(),
    };
    let mut eig = Vec::new();
    for p in &atom.params {
        let lam = (z.derivative(symbol!(p.as_str())) / &z).expand();
        for q in &all {
            if !lam.derivative(symbol!(q.as_str())).expand().is_zero() {
                return Err(format!(
                    "{}: ∂_{p} z / z = {lam} depends on {q}; the span of the atom is not closed under ∂_{p} with a constant generator",
                    atom.name
                ));
            }
        }
        eig.push(format!("λ_{p} = {lam}"));
    }
    Ok(format!(
        "{}: v = (A z, z) closed; D_A nilpotent, {} (constant, diagonal, commuting)",
        atom.name,
        eig.join(", ")
    ))
}

/// Decide the sufficient conditions C1–C3 (theory/ID-infinity-class.md) for `model` with loss ℓ(f, y) given as an
/// expression in `f` and `y`, using `c1` as the C1 test.
pub fn infinity_class(model: &ModelSpec, loss: &str, c1: C1Test) -> Result<Verdict> {
    let model = model.clone();
    let loss = loss.to_string();
    worker::run(move || {
        let mut lines = Vec::new();
        let mut failing = None;
        let mut atoms = Vec::new();
        model.atoms(&mut atoms);
        let mut c1_ok = true;
        for a in &atoms {
            match c1(a) {
                Ok(s) => lines.push(format!("C1 holds: {s}")),
                Err(s) => {
                    lines.push(format!("C1 fails: {s}"));
                    c1_ok = false;
                }
            }
        }
        if !c1_ok {
            failing.get_or_insert("C1".to_string());
        }
        match model.composes() {
            None => lines.push("C2 holds: assembled from atoms by sums and products only".into()),
            Some(f) => {
                lines.push(format!(
                    "C2 fails: the non-polynomial function {f} is applied to a model"
                ));
                failing.get_or_insert("C2".to_string());
            }
        }
        let l = parse!(loss.as_str());
        let fs = symbol!("f");
        let mut dl = l.clone();
        let mut degree = None;
        for m in 0..=8usize {
            if dl.expand().is_zero() {
                degree = Some(m);
                break;
            }
            dl = dl.derivative(fs);
        }
        match degree {
            Some(m) => lines.push(format!(
                "C3 holds: the loss {loss} is a polynomial of degree {} in f",
                m.saturating_sub(1)
            )),
            None => {
                lines.push(format!(
                    "C3 fails: the loss {loss} is not a polynomial in f of degree ≤ 8"
                ));
                failing.get_or_insert("C3".to_string());
            }
        }
        Verdict {
            member: failing.is_none(),
            failing,
            lines,
        }
    })
}
