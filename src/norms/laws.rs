//! The laws every norm/dualizer pair must satisfy, written once and used by the unit tests and by
//! the `geometry` validation suite (one concept, one place).
//!
//! For a norm ‖·‖ with dual ‖·‖_* and LMO D(G) = argmax_{‖D‖≤1}⟨G, D⟩ (file 00 §2):
//! * LMO value: ⟨G, D(G)⟩ = ‖G‖_*;
//! * unit norm: ‖D(G)‖ = 1 for G ≠ 0;
//! * Hölder: ⟨X, G⟩ ≤ ‖X‖·‖G‖_*;
//! * homogeneity: ‖cX‖ = |c|·‖X‖;
//! * zero: D(0) = 0 and ‖0‖_* = 0;
//! * optimality: no feasible D beats the LMO, ⟨G, D⟩ ≤ ‖G‖_* for ‖D‖ ≤ 1.
//!
//! Every law is stated for a [`Norm`] on one matrix; a [`super::ProductNorm`] is checked on its
//! stacked points (its inner product is [`Norm::inner`]).
//!
//! Each function returns a *measured* number (a relative gap or a ratio) so callers choose the
//! tolerance and state why.

use super::Norm;
use faer::Mat;

/// max |x_ij|, NaN if any entry is NaN (`f64::max` would silently skip it).
pub fn max_abs(x: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..x.ncols() {
        for i in 0..x.nrows() {
            let v = x[(i, j)].abs();
            if v.is_nan() {
                return f64::NAN;
            }
            m = m.max(v);
        }
    }
    m
}

/// ⟨A, B⟩ in the norm's space ([`Norm::inner`]).
fn dot<N: Norm + ?Sized>(n: &N, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    n.inner(a.as_ref(), b.as_ref())
}

/// |a − b| / max(|a|, |b|), 0 when both are 0.
pub fn rel(a: f64, b: f64) -> f64 {
    let s = a.abs().max(b.abs());
    if s == 0.0 {
        0.0
    } else {
        (a - b).abs() / s
    }
}

/// |⟨G, D(G)⟩ − ‖G‖_*| / ‖G‖_* (relative gap of the LMO value; also compares the dual norm from
/// `dual_and_dualize` with `dual_norm`, returning the larger gap).
pub fn lmo_value_gap<N: Norm + ?Sized>(n: &N, g: &Mat<f64>) -> f64 {
    let (d, dir) = n.dual_and_dualize(g.as_ref());
    let standalone = n.dual_norm(g.as_ref());
    rel(dot(n, g, &dir), d).max(rel(d, standalone))
}

/// |‖D(G)‖ − 1| for G ≠ 0.
pub fn unit_norm_gap<N: Norm + ?Sized>(n: &N, g: &Mat<f64>) -> f64 {
    let (_, dir) = n.dual_and_dualize(g.as_ref());
    (n.norm(dir.as_ref()) - 1.0).abs()
}

/// ⟨X, G⟩ / (‖X‖·‖G‖_*), which Hölder's inequality bounds by 1.
pub fn holder_ratio<N: Norm + ?Sized>(n: &N, x: &Mat<f64>, g: &Mat<f64>) -> f64 {
    let denom = n.norm(x.as_ref()) * n.dual_norm(g.as_ref());
    if denom == 0.0 {
        0.0
    } else {
        dot(n, x, g) / denom
    }
}

/// Relative homogeneity gap of the norm and of the dual norm and LMO:
/// max(|‖cX‖ − |c|‖X‖|/(|c|‖X‖), |‖cX‖_* − |c|‖X‖_*|/(|c|‖X‖_*), max|D(cX) − sign(c)D(X)|) for c ≠ 0.
/// The LMO part compares directions, so for non-unique LMOs (sum, nuclear with ties) pass inputs
/// without ties (random inputs have none almost surely).
pub fn homogeneity_gap<N: Norm + ?Sized>(n: &N, x: &Mat<f64>, c: f64) -> f64 {
    let cx = x * faer::Scale(c);
    let a = rel(n.norm(cx.as_ref()), c.abs() * n.norm(x.as_ref()));
    let b = rel(n.dual_norm(cx.as_ref()), c.abs() * n.dual_norm(x.as_ref()));
    let (_, d1) = n.dual_and_dualize(cx.as_ref());
    let (_, d0) = n.dual_and_dualize(x.as_ref());
    let d0s = &d0 * faer::Scale(c.signum());
    // max|D(cX) − sign(c)D(X)| / max(1, max|D(X)|)
    let worst = max_abs(&(&d1 - &d0s)) / max_abs(&d0s).max(1.0);
    a.max(b).max(worst)
}

/// max |D(0)| + |‖0‖_*| + |‖0‖|, with non-finite values mapped to ∞ (must be exactly 0).
pub fn zero_gap<N: Norm + ?Sized>(n: &N, like: &Mat<f64>) -> f64 {
    let z = like * faer::Scale(0.0);
    let (d, dir) = n.dual_and_dualize(z.as_ref());
    let v = max_abs(&dir) + d.abs() + n.dual_norm(z.as_ref()).abs() + n.norm(z.as_ref()).abs();
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// max over the candidates D of ⟨G, D/‖D‖⟩ / ‖G‖_*: no feasible point beats the LMO, so this is
/// ≤ 1 (and the LMO itself attains 1).
pub fn best_candidate_ratio<N: Norm + ?Sized>(n: &N, g: &Mat<f64>, candidates: &[Mat<f64>]) -> f64 {
    let dual = n.dual_norm(g.as_ref());
    candidates
        .iter()
        .filter_map(|d| {
            let nd = n.norm(d.as_ref());
            (nd > 0.0).then(|| dot(n, g, d) / nd / dual)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// All the laws at once with one tolerance `tol` (relative); `Err` names the first law broken.
/// Used by unit tests; the validation suite reports each law as its own record.
pub fn check_dual_pair<N: Norm + ?Sized>(
    n: &N,
    g: &Mat<f64>,
    x: &Mat<f64>,
    tol: f64,
) -> Result<(), String> {
    let name = n.name();
    let v = lmo_value_gap(n, g);
    if v > tol {
        return Err(format!("{name}: ⟨G, D⟩ ≠ ‖G‖_* (relative gap {v:e})"));
    }
    let u = unit_norm_gap(n, g);
    if u > tol {
        return Err(format!("{name}: ‖D‖ ≠ 1 (gap {u:e})"));
    }
    let h = holder_ratio(n, x, g);
    if h > 1.0 + tol {
        return Err(format!("{name}: Hölder violated, ⟨X,G⟩/(‖X‖‖G‖_*) = {h}"));
    }
    let c = homogeneity_gap(n, x, -2.5);
    if c > tol {
        return Err(format!("{name}: not homogeneous (gap {c:e})"));
    }
    let z = zero_gap(n, g);
    if z != 0.0 {
        return Err(format!("{name}: dualize(0) ≠ 0 or ‖0‖ ≠ 0 ({z})"));
    }
    Ok(())
}

/// max(a, b), but ∞ if either is NaN (`f64::max` would silently drop a NaN measurement).
pub fn worse(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::INFINITY
    } else {
        a.max(b)
    }
}

/// The laws, one theory id each (the `geometry` suite records each law as its own check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    /// ⟨G, D(G)⟩ = ‖G‖_* (`G-lmo-value`).
    LmoValue,
    /// ‖D(G)‖ = 1 (`G-unit-norm`).
    UnitNorm,
    /// ⟨X, G⟩ ≤ ‖X‖‖G‖_* (`G-holder`).
    Holder,
    /// ‖cX‖ = |c|‖X‖, ‖cX‖_* = |c|‖X‖_*, D(cX) = sign(c)D(X) (`G-homogeneity`).
    Homogeneity,
    /// D(0) = 0 (`G-zero`).
    Zero,
    /// No feasible D beats the LMO: ⟨G, D⟩ ≤ ‖G‖_* for ‖D‖ ≤ 1 (`G-lmo-optimal`).
    LmoOptimal,
}

impl Law {
    /// Every law, in report order.
    pub const ALL: [Law; 6] = [
        Law::LmoValue,
        Law::UnitNorm,
        Law::Holder,
        Law::Homogeneity,
        Law::Zero,
        Law::LmoOptimal,
    ];

    /// The theory id.
    pub fn id(self) -> &'static str {
        match self {
            Law::LmoValue => "G-lmo-value",
            Law::UnitNorm => "G-unit-norm",
            Law::Holder => "G-holder",
            Law::Homogeneity => "G-homogeneity",
            Law::Zero => "G-zero",
            Law::LmoOptimal => "G-lmo-optimal",
        }
    }

    /// The statement.
    pub fn claim(self) -> &'static str {
        match self {
            Law::LmoValue => "the dualizer attains the dual norm: ⟨G, dualize(G)⟩ = ‖G‖_* (and dual_and_dualize agrees with dual_norm)",
            Law::UnitNorm => "the dualizer lies on the unit sphere: ‖dualize(G)‖ = 1 for G ≠ 0",
            Law::Holder => "Hölder: ⟨X, G⟩ ≤ ‖X‖·‖G‖_* for all X, with equality at X = dualize(G)",
            Law::Homogeneity => "positive homogeneity: ‖cX‖ = |c|‖X‖, ‖cX‖_* = |c|‖X‖_*, dualize(cX) = sign(c)·dualize(X)",
            Law::Zero => "dualize(0) = 0 and ‖0‖ = ‖0‖_* = 0 (never NaN)",
            Law::LmoOptimal => "no feasible direction beats the LMO: ⟨G, D⟩ ≤ ‖G‖_* for every ‖D‖ ≤ 1 (random, sign, and perturbed-LMO candidates)",
        }
    }

    /// The constants c of the homogeneity law.
    pub const HOMOGENEITY_C: [f64; 3] = [-2.5, 1e-3, 7e2];

    /// Whether the law's measurement is a ratio bounded by 1 (else a gap bounded by 0 or ε).
    pub fn is_ratio(self) -> bool {
        matches!(self, Law::Holder | Law::LmoOptimal)
    }

    /// The law's measurement at the point `x`: a gap (0 when the law holds exactly) or, for
    /// [`Law::Holder`] and [`Law::LmoOptimal`], a ratio (≤ 1 when it holds). `partner` draws
    /// a random point of the same shape: Hölder pairs `x` with three of them and with
    /// perturbations D(x) + εY of the equality case (ε = 1e-1, 1e-3, 1e-6, so a too-small dual
    /// norm shows up as > 1); LMO optimality tries four of them and D(x) + εY (ε = 1, …, 1e-3).
    pub fn measure<N: Norm + ?Sized>(
        self,
        n: &N,
        x: &Mat<f64>,
        partner: &mut dyn FnMut() -> Mat<f64>,
    ) -> f64 {
        match self {
            Law::LmoValue => lmo_value_gap(n, x),
            Law::UnitNorm => unit_norm_gap(n, x),
            Law::Holder => {
                let (_, d) = n.dual_and_dualize(x.as_ref());
                let mut r = holder_ratio(n, &d, x);
                for eps in [1e-1, 1e-3, 1e-6] {
                    let y = partner();
                    r = worse(r, holder_ratio(n, &y, x));
                    let p = &d + &(&y * faer::Scale(eps));
                    r = worse(r, holder_ratio(n, &p, x));
                }
                r
            }
            Law::Homogeneity => Self::HOMOGENEITY_C
                .iter()
                .map(|&c| homogeneity_gap(n, x, c))
                .fold(0.0, worse),
            Law::Zero => zero_gap(n, x),
            Law::LmoOptimal => {
                let (_, d) = n.dual_and_dualize(x.as_ref());
                let mut cands = Vec::new();
                for eps in [1.0, 1e-1, 1e-2, 1e-3] {
                    let y = partner();
                    cands.push(&d + &(&y * faer::Scale(eps)));
                    cands.push(y);
                }
                best_candidate_ratio(n, x, &cands)
            }
        }
    }
}
