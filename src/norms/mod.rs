//! Norm geometry: every norm comes with its dual norm and its dualizer (the linear maximization
//! oracle, LMO).
//!
//! For a norm ‖·‖ on matrices with the trace inner product ⟨A, B⟩ = tr(AᵀB):
//!
//! * `dual_norm(G)` = ‖G‖_* = max_{‖D‖ ≤ 1} ⟨G, D⟩,
//! * `dualize(G)` = argmax_{‖D‖ ≤ 1} ⟨G, D⟩ (the LMO; **0 for G = 0**, never NaN),
//! * `sharp(G)` = ‖G‖_* · dualize(G), the unnormalized steepest-descent direction
//!   (argmax_X ⟨G, X⟩ − ½‖X‖², Bernstein & Newhouse 2024, Prop. 1).
//!
//! Vectors are matrices with one column, so the vector norms ℓp are the entry-wise norms.
//! Names parse from the strings of `../shared/CONTRACT.md` through [`parse_norm`].

use crate::error::{Error, Result};
use faer::{Mat, MatRef};
use std::fmt::Debug;

pub mod entrywise;
pub mod laws;
pub mod operator;
pub mod product;
pub mod schatten;

pub use entrywise::Entrywise;
pub use operator::{OperatorL1ToLp, OperatorLpToLinf};
pub use product::{Aggregation, Block, ProductNorm};
pub use schatten::{RmsToRms, Schatten};

/// The valid norm names, for error messages and `--help`.
pub const NORM_NAMES: &str = "fro, spectral, nuclear, max, sum, entrywise:P, schatten:P, l1, l2, linf, lp:P, op:1->P, op:P->inf, rms-rms (P a real ≥ 1 or inf)";

fn parse_exponent(s: &str, whole: &str) -> Result<f64> {
    let s = s.trim();
    let p = if s == "inf" || s == "∞" {
        f64::INFINITY
    } else {
        s.parse::<f64>().map_err(|_| {
            Error::input(format!(
                "norm '{whole}': exponent '{s}' is not a number; use a real P ≥ 1 or inf. valid names: {NORM_NAMES}"
            ))
        })?
    };
    if p.is_nan() || p < 1.0 {
        return Err(Error::input(format!(
            "norm '{whole}': exponent {s} is not ≥ 1 (p < 1 is not a norm); use a real P ≥ 1 or inf. valid names: {NORM_NAMES}"
        )));
    }
    Ok(p)
}

/// Parse a norm name (CONTRACT "Norm names" plus operator norms).
///
/// Accepted: `fro`, `spectral`, `nuclear`, `max`, `sum`, `entrywise:P`, `schatten:P` (P real ≥ 1 or
/// `inf`), vector names `l1`, `l2`, `linf`, `lp:P` (entry-wise on a one-column matrix, keeping the
/// vector name), `op:1->P` (max column ℓp norm), `op:P->inf` (max row ℓq norm), `rms-rms`
/// (√(d_in/d_out)·‖W‖₂). Special exponents map to canonical norms: `entrywise:2` and `schatten:2`
/// are `fro`, `entrywise:inf` is `max`, `entrywise:1` is `sum`, `schatten:inf` is `spectral`,
/// `schatten:1` is `nuclear`. Anything else (unknown name, P < 1, NaN) is [`Error::Input`].
pub fn parse_norm(name: &str) -> Result<Box<dyn Norm>> {
    let n = name.trim();
    let unknown = || Error::input(format!("unknown norm '{n}'; valid names: {NORM_NAMES}"));
    let schatten = |p: f64| -> Box<dyn Norm> {
        if p == 2.0 {
            Box::new(Entrywise::frobenius())
        } else {
            Box::new(Schatten::new(p))
        }
    };
    Ok(match n {
        "fro" | "frobenius" => Box::new(Entrywise::frobenius()),
        "spectral" => Box::new(Schatten::spectral()),
        "nuclear" => Box::new(Schatten::nuclear()),
        "max" => Box::new(Entrywise::max()),
        "sum" => Box::new(Entrywise::sum()),
        "l1" => Box::new(Entrywise::vector(1.0)),
        "l2" => Box::new(Entrywise::vector(2.0)),
        "linf" => Box::new(Entrywise::vector(f64::INFINITY)),
        "rms-rms" => Box::new(RmsToRms),
        _ => {
            if let Some(p) = n.strip_prefix("entrywise:") {
                Box::new(Entrywise::new(parse_exponent(p, n)?))
            } else if let Some(p) = n.strip_prefix("schatten:") {
                schatten(parse_exponent(p, n)?)
            } else if let Some(p) = n.strip_prefix("lp:") {
                Box::new(Entrywise::vector(parse_exponent(p, n)?))
            } else if let Some(rest) = n.strip_prefix("op:") {
                let (a, b) = rest.split_once("->").ok_or_else(unknown)?;
                let (a, b) = (a.trim(), b.trim());
                if a == "1" {
                    Box::new(OperatorL1ToLp::new(parse_exponent(b, n)?))
                } else if b == "inf" || b == "∞" {
                    Box::new(OperatorLpToLinf::new(parse_exponent(a, n)?))
                } else {
                    return Err(Error::input(format!(
                        "operator norm '{n}' is not supported; use op:1->P or op:P->inf. valid names: {NORM_NAMES}"
                    )));
                }
            } else {
                return Err(unknown());
            }
        }
    })
}

/// A norm on R^{m×n} with its dual norm and dualizer.
///
/// $$ \Vert G\Vert_{\ast} = \max_{\Vert D\Vert\le 1} \langle G, D \rangle, \qquad
/// \operatorname{dualize}(G) \in \argmax_{\Vert D\Vert\le 1} \langle G, D \rangle, \qquad
/// G^\sharp = \Vert G\Vert_{\ast} \operatorname{dualize}(G). $$
///
/// Implementations must satisfy, for every G (checked for every norm by the `geometry` suite):
/// ⟨G, dualize(G)⟩ = dual_norm(G); norm(dualize(G)) = 1 for G ≠ 0; dualize(0) = 0;
/// ⟨X, G⟩ ≤ norm(X)·dual_norm(G) (Hölder); norm(cX) = |c|·norm(X).
pub trait Norm: Debug + Send + Sync {
    /// The canonical name, parseable by [`parse_norm`] (e.g. `"spectral"`, `"schatten:3"`).
    fn name(&self) -> String;
    /// ‖X‖.
    fn norm(&self, x: MatRef<'_, f64>) -> f64;
    /// ‖G‖_* = max_{‖D‖≤1} ⟨G, D⟩.
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64;
    /// argmax_{‖D‖≤1} ⟨G, D⟩, with 0 for G = 0. Ties are broken as documented by each norm.
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64>;
    /// Dual norm and direction together; override when both share a decomposition (e.g. one SVD).
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        (self.dual_norm(g), self.dualize(g))
    }
    /// The sharp operator G^# = ‖G‖_* · dualize(G).
    fn sharp(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        let (d, mut dir) = self.dual_and_dualize(g);
        dir *= faer::Scale(d);
        dir
    }
}

/// The trace inner product ⟨A, B⟩ = Σ_ij A_ij B_ij.
pub fn inner(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    assert_eq!(
        (a.nrows(), a.ncols()),
        (b.nrows(), b.ncols()),
        "inner product of matrices of different shapes"
    );
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += a[(i, j)] * b[(i, j)];
        }
    }
    s
}

#[cfg(test)]
mod tests;
