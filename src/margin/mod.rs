//! Exact max-margin classifiers with a certified bracket.
//!
//! **Multiclass** (Fan, Schmidt & Thrampoulidis 2025, eq. (2); `../shared/papers/00` §4): for a
//! dataset with pair matrices A_ic = (e_{y_i} − e_c) h_iᵀ and a norm ‖·‖ on R^{k×d},
//!
//! $$ \gamma = \max_{\Vert W\Vert\le 1} \min_{i,\thinspace c \ne y_i} \langle A_{ic}, W \rangle
//!   = \frac{1}{\min\lbrace \Vert W\Vert: \langle A_{ic}, W \rangle \ge 1 \enspace\forall (i, c)\rbrace }
//!   = \min_{\lambda \in \Delta} \Big\Vert \sum_{i,c} \lambda_{ic} A_{ic} \Big\Vert_{\ast} $$
//!
//! (the last equality is minimax duality).
//!
//! The program min{t : ‖W‖ ≤ t, ⟨A_ic, W⟩ ≥ 1} is handed to the Clarabel interior-point solver
//! (LP, SOCP, power cone or PSD cone: see [`epigraph`]). Every answer carries a **certified
//! bracket** lower ≤ γ ≤ upper, evaluated with the crate's own norms ([`crate::norms`]):
//!
//! * lower = min_ic ⟨A_ic, W⟩ / ‖W‖ for the returned W (any W gives a lower bound);
//! * upper = ‖Σ λ_ic A_ic‖_* / Σ λ_ic for the solver's dual multipliers λ ≥ 0 of the margin
//!   constraints (any λ in the simplex gives an upper bound).
//!
//! Large problems (more pairs than [`MarginOptions::generation_threshold`]: 8000 for the spectral
//! norm, never for the nuclear norm, 20 000 otherwise) are solved by **constraint generation**: solve on a working set of pairs (initially the `init_per_sample` smallest margins
//! of each sample under the class-mean classifier), add every pair the solution violates, repeat.
//! The bracket certifies the result whatever the working set.
//!
//! **Wide data** (n < d) in a unitarily invariant norm (fro, spectral, nuclear, schatten:P) are
//! solved exactly in the row span of the data, d' = rank X ≤ n features (proof in `span`), and
//! the bracket is certified in the original space; every program's memory is estimated from
//! (n, k, d, norm) and refused above the memory limit before it is built ([`check_program_size`]).
//!
//! Schatten-p for p ∉ {1, 2, ∞} has no conic epigraph here; it is solved by accelerated projected
//! gradient on the dual min_{λ∈Δ} |||Σλ A|||_q with the primal candidate W = LMO(Σ λ A) (file 00
//! §4.1), and reports the bracket it reached.
//!
//! **Binary** (`--binary`, Tsilivis et al. 2024; `../shared/papers/06`): labels ±1, w ∈ R^d, and
//! with an ℓ∞ perturbation radius ε ≥ 0 the robust margin
//!
//! γ_ε = max_{‖w‖ ≤ 1} min_i (y_i⟨w, x_i⟩ − ε‖w‖₁) = min_{λ∈Δ} ‖S_ε(Σ λ_i y_i x_i)‖_*,
//!
//! S_ε the soft-threshold (the inner minimum over ‖v‖_∞ ≤ 1 of ‖z − εv‖_* is attained at
//! v = clip(z/ε) for every absolute norm). ε = 0 is the plain binary margin. The data are robustly
//! separable iff ε < ε* = max_{‖w‖₁ ≤ 1} min_i y_i⟨w, x_i⟩.

mod binary;
pub(crate) mod conic;
mod epigraph;
pub mod kkt;
mod multiclass;
mod schatten;
mod size;
mod span;

pub use kkt::{best_dual_alignment, nnls, DualAlignment, DualBlock, Nnls};
pub use size::check_program_size;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::norms::Family;
use faer::Mat;
use serde_json::{json, Value};

/// How the norm's epigraph is represented: entry-wise ℓp or Schatten-p (p ∈ [1, ∞]).
/// Schatten-2 is stored as entry-wise ℓ2 (the same norm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Geometry {
    /// (Σ |W_ij|^p)^{1/p}; p = ∞ is the max-norm, p = 1 the sum-norm.
    Entrywise(f64),
    /// ‖σ(W)‖_p; p = ∞ is the spectral norm, p = 1 the nuclear norm.
    Schatten(f64),
}

impl Geometry {
    /// The geometry of a matrix norm name (`fro`, `spectral`, `nuclear`, `max`, `sum`,
    /// `entrywise:P`, `schatten:P`), parsed by the norm table ([`crate::norms::parse`]); other
    /// names of the table are refused as not supported for margins.
    pub fn matrix(name: &str) -> Result<Self> {
        let names = Self::matrix_names();
        let family = match crate::norms::parse(name)? {
            crate::norms::Parsed::Single(n) => n.family(),
            crate::norms::Parsed::Product(_) => Family::Other,
        };
        let g = match family {
            Family::Entrywise { vector: true, .. } => {
                return Err(Error::input(format!(
                    "norm '{name}' is a vector norm; use it with --binary, or give a matrix norm ({names})"
                )))
            }
            Family::Entrywise { p, .. } => Geometry::Entrywise(p),
            Family::Schatten { p } => Geometry::Schatten(p),
            Family::Other => {
                return Err(Error::input(format!(
                    "norm '{name}' is not supported for margins (the conic solver needs an entry-wise ℓp or a Schatten-p epigraph); use one of {names}"
                )))
            }
        };
        Ok(g.canonical())
    }

    /// The matrix norm names [`Geometry::matrix`] accepts: the ℓp and Schatten-p grammars of the
    /// norm table.
    pub fn matrix_names() -> String {
        crate::norms::registry::grammars(|f| {
            matches!(
                f,
                Family::Entrywise { vector: false, .. } | Family::Schatten { .. }
            )
        })
    }

    /// The vector norm names [`Geometry::vector`] accepts (for `--binary`).
    pub fn vector_names() -> String {
        crate::norms::registry::grammars(|f| matches!(f, Family::Entrywise { vector: true, .. }))
    }

    /// The geometry of a vector norm name (`l1`, `l2`, `linf`, `lp:P`), for `--binary`.
    pub fn vector(name: &str) -> Result<Self> {
        let not_vector = |why: String| {
            Error::input(format!(
                "norm '{name}' is not a vector norm{why}; with --binary use one of {}",
                Self::vector_names()
            ))
        };
        match crate::norms::parse(name) {
            Ok(crate::norms::Parsed::Single(n)) => match n.family() {
                Family::Entrywise { p, vector: true } => Ok(Geometry::Entrywise(p).canonical()),
                _ => Err(not_vector(String::new())),
            },
            Ok(crate::norms::Parsed::Product(_)) => Err(not_vector(String::new())),
            Err(e) => Err(not_vector(format!(" ({e})"))),
        }
    }

    fn canonical(self) -> Self {
        match self {
            Geometry::Schatten(2.0) => Geometry::Entrywise(2.0),
            g => g,
        }
    }

    /// Whether the epigraph ‖W‖ ≤ t is handed to the conic solver (all but Schatten-p with
    /// p ∉ {1, 2, ∞}).
    pub fn is_conic(self) -> bool {
        match self {
            Geometry::Entrywise(_) => true,
            Geometry::Schatten(p) => p == 1.0 || p.is_infinite(),
        }
    }
}

/// Options of the max-margin solvers.
#[derive(Debug, Clone)]
pub struct MarginOptions {
    /// Clarabel's gap and feasibility tolerance.
    pub tol: f64,
    /// Clarabel's iteration limit per solve.
    pub max_iter: u32,
    /// Up to this many pairs the full program is solved in one go; above, constraint generation.
    /// `None` picks by geometry ([`MarginOptions::generation_threshold`]).
    pub full_pairs: Option<usize>,
    /// Initial working set: this many smallest-margin pairs per sample (class-mean classifier).
    pub init_per_sample: usize,
    /// Per round and sample, add at most this many violated pairs (the most violated; 0: all).
    pub add_per_sample: usize,
    /// A pair outside the working set is added when its margin is below 1 − `violation`.
    pub violation: f64,
    /// Maximum rounds of constraint generation.
    pub max_rounds: usize,
    /// Iterations of the first-order method (Schatten-p, p ∉ {1, 2, ∞}).
    pub first_order_iters: usize,
    /// The first-order method stops when (upper − lower) ≤ this · upper.
    pub first_order_rel_gap: f64,
}

impl MarginOptions {
    /// The number of pairs above which constraint generation is used. Default by geometry, from
    /// CPU times measured on the paper's synthetic data (k = 10, d = 25, σ = 0.1):
    ///
    /// * spectral: 8000 — the spectral program has few active pairs; generation took 0.89 s vs
    ///   1.07 s at 9000 pairs and 1.13 s vs 2.35 s at 18 000 pairs, but lost at 4500 pairs;
    /// * nuclear: never — about half the pairs are active, so generation needs many rounds (10.9 s
    ///   vs 2.7 s at 9000 pairs, 18.4 s vs 4.3 s at 18 000);
    /// * LP, SOCP and power-cone programs: 20 000.
    pub fn generation_threshold(&self, geometry: Geometry) -> usize {
        self.full_pairs.unwrap_or(match geometry {
            Geometry::Schatten(p) if p.is_infinite() => 8000,
            Geometry::Schatten(1.0) => usize::MAX,
            _ => 20_000,
        })
    }
}

impl Default for MarginOptions {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_iter: 400,
            full_pairs: None,
            init_per_sample: 1,
            add_per_sample: 1,
            violation: 1e-9,
            max_rounds: 50,
            first_order_iters: 20_000,
            first_order_rel_gap: 1e-7,
        }
    }
}

/// A max-margin answer with its certificate.
#[derive(Debug, Clone)]
pub struct Margin {
    /// The norm's name as given.
    pub norm: String,
    /// Whether the data are (robustly) separable.
    pub separable: bool,
    /// The reported γ: 1/optimum of the conic program, clipped into [lower, upper]; 0 if not
    /// separable.
    pub gamma: f64,
    /// Certified lower bound on γ (normalized margin of `w`).
    pub lower: f64,
    /// Certified upper bound on γ (dual formula at the normalized multipliers).
    pub upper: f64,
    /// The classifier, normalized to ‖W‖ = 1 (k × d; d × 1 for binary); 0 if not separable.
    pub w: Mat<f64>,
    /// Normalized dual multipliers λ ∈ Δ (pairs or samples), the certificate of `upper`.
    pub lambda: Vec<f64>,
    /// How γ was computed and what it cost (solver, rounds, working-set size, iterations, ...).
    pub info: Value,
}

impl Margin {
    /// The contract's JSON: `norm`, `separable`, `gamma`, `lower`, `upper`, and `W` (multiclass)
    /// or `w` (binary, a flat list), plus `width` and `info`.
    pub fn to_json(&self, binary: bool) -> Value {
        let mut out = json!({
            "norm": self.norm,
            "separable": self.separable,
            "gamma": crate::io::num(self.gamma),
            "lower": crate::io::num(self.lower),
            "upper": crate::io::num(self.upper),
            "width": crate::io::num(self.upper - self.lower),
            "info": self.info,
        });
        if binary {
            out["w"] = Value::Array(
                (0..self.w.nrows())
                    .map(|i| crate::io::num(self.w[(i, 0)]))
                    .collect(),
            );
        } else {
            out["W"] = crate::io::matrix_to_json(self.w.as_ref());
        }
        out
    }
}

/// The data scaled by 2^−e so that max |x_ij| ∈ [1, 2), and e (None, 0 when already there).
fn unit_scale(data: &Dataset) -> Result<(Option<Dataset>, i32)> {
    let amax = crate::linalg::max_abs(data.x().as_ref());
    if amax == 0.0 {
        return Ok((None, 0));
    }
    let e = crate::linalg::exponent_of(amax);
    if e == 0 {
        return Ok((None, 0));
    }
    let x = data.x();
    let xs = Mat::from_fn(x.nrows(), x.ncols(), |i, j| {
        crate::linalg::scale_pow2(x[(i, j)], -e)
    });
    let scaled = Dataset::new(data.classes(), xs, data.y().to_vec(), "the scaled data")?;
    Ok((Some(scaled), e))
}

/// Undo [`unit_scale`] on an answer: γ, the bracket and the scale-dependent info fields are
/// multiplied by 2^e (values beyond f64 become +∞, which the command line refuses); W and λ are
/// scale-free.
fn unscale(mut m: Margin, e: i32) -> Margin {
    if e == 0 {
        return m;
    }
    let up = |x: f64| crate::linalg::scale_pow2(x, e);
    m.gamma = up(m.gamma);
    m.lower = up(m.lower);
    m.upper = up(m.upper);
    if let Some(info) = m.info.as_object_mut() {
        let mut scaled: Vec<(&str, f64)> = Vec::new();
        for key in ["eps", "eps_star", "separability_tolerance", "gamma_solver"] {
            if let Some(x) = info.get(key).and_then(Value::as_f64) {
                scaled.push((key, up(x)));
            }
        }
        if let Some(x) = info.get("objective").and_then(Value::as_f64) {
            scaled.push(("objective", crate::linalg::scale_pow2(x, -e)));
        }
        // A diagnostic whose scaled-back value leaves f64 (the objective 1/γ of subnormal data)
        // is dropped rather than written as null.
        for (key, x) in scaled {
            if x.is_finite() {
                info.insert(key.into(), json!(x));
            } else {
                info.remove(key);
            }
        }
        info.insert("data_scale_exponent".into(), json!(e));
    }
    m
}

/// γ for the matrix norm `norm` (contract name) on `data`, with its certified bracket.
///
/// Max-margin is positively homogeneous in the data (γ(c·X) = c·γ(X), same W): the data are
/// scaled by an exact power of two 2^−e into max |x_ij| ∈ [1, 2), solved, and γ, lower and upper
/// scaled back by 2^e, so the answer and its certificate hold at any scale (1e-12, subnormal, or
/// 1e300 data alike); `info.data_scale_exponent` records e. Non-separable data give
/// `separable: false`, γ = 0, W = 0, lower = 0 and upper = ‖Σλ A‖_* for the separability LP's
/// Farkas multipliers (≈ 0).
///
/// Programs too large for memory are refused first ([`check_program_size`]); for unitarily
/// invariant norms on wide data (n < d) the program is solved in the row span of the data
/// (`span`: an exact reduction to rank X ≤ n features).
pub fn max_margin(data: &Dataset, norm: &str, opts: &MarginOptions) -> Result<Margin> {
    check_program_size(data.n(), data.classes(), data.d(), norm)?;
    let (scaled, e) = unit_scale(data)?;
    let m = multiclass::max_margin_unscaled(scaled.as_ref().unwrap_or(data), norm, opts)?;
    Ok(unscale(m, e))
}

/// γ_ε in the vector norm `norm` (`l1`, `l2`, `linf`, `lp:P`) for the binary view of `data`
/// (label 1 ↦ +1, 0 ↦ −1), with ℓ∞-robustness radius `robust_linf` (None or 0: the plain
/// margin). ε < 0 or non-finite is an input error; ε ≥ ε* gives `separable: false`, γ = 0.
///
/// The robust margin y⟨w, x⟩ − ε‖w‖₁ is positively homogeneous in (x, ε) jointly, so the data
/// and ε are scaled by one power of two as in [`max_margin`] and the answer scaled back.
pub fn binary_margin(
    data: &Dataset,
    norm: &str,
    robust_linf: Option<f64>,
    opts: &MarginOptions,
) -> Result<Margin> {
    if let Some(eps) = robust_linf {
        if !(eps >= 0.0 && eps.is_finite()) {
            return Err(Error::input(format!(
                "--robust-linf {eps}: the perturbation radius must be a finite number ≥ 0 (e.g. 0.05)"
            )));
        }
    }
    let (scaled, e) = unit_scale(data)?;
    // ε·2^−e may overflow for tiny data and a large ε; ε ≫ ε* either way (not separable).
    let eps = robust_linf.map(|x| crate::linalg::scale_pow2(x, -e).min(f64::MAX));
    let mut m = binary::binary_margin_unscaled(scaled.as_ref().unwrap_or(data), norm, eps, opts)?;
    m = unscale(m, e);
    if let (Some(info), Some(eps)) = (m.info.as_object_mut(), robust_linf) {
        info.insert("eps".into(), json!(eps));
    }
    Ok(m)
}

/// Normalize multipliers: clip to ≥ 0 and divide by the sum; None if the sum is not positive.
fn normalize(lambda: &[f64]) -> Option<Vec<f64>> {
    let mut l: Vec<f64> = lambda.iter().map(|&v| v.max(0.0)).collect();
    let s: f64 = l.iter().sum();
    if !(s > 0.0 && s.is_finite()) {
        return None;
    }
    l.iter_mut().for_each(|v| *v /= s);
    Some(l)
}

/// Check the bracket's consistency (lower ≤ upper up to rounding) and clip γ into it.
fn settle(gamma_solver: f64, lower: f64, upper: f64, what: &str) -> Result<f64> {
    if !(lower.is_finite() && upper.is_finite()) {
        return Err(Error::failed(format!(
            "{what}: the certificate is not finite (lower = {lower}, upper = {upper})"
        )));
    }
    if lower > upper * (1.0 + 1e-9) + 1e-14 {
        return Err(Error::failed(format!(
            "{what}: inconsistent certificate lower = {lower} > upper = {upper} (a bug in the norm or its dual)"
        )));
    }
    let g = if gamma_solver.is_finite() {
        gamma_solver
    } else {
        lower
    };
    Ok(g.clamp(lower, upper.max(lower)))
}

#[cfg(test)]
mod tests;
