//! Binary (robust) max-margin: γ_ε = max_{‖w‖ ≤ 1} min_i (y_i⟨w, x_i⟩ − ε‖w‖₁).

use super::conic::{Affine, Program};
use super::epigraph::norm_epigraph;
use super::{normalize, settle, Geometry, Margin, MarginOptions};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::norms::parse_norm;
use faer::Mat;
use serde_json::json;
use std::time::Instant;

/// A solved binary program: w, the multipliers of the margin rows, the optimum, iterations.
struct Solved {
    w: Mat<f64>,
    lambda: Vec<f64>,
    objective: f64,
    iterations: u32,
}

/// Solve min{‖w‖ : y_i⟨w, x_i⟩ − ε Σ u_j ≥ 1, −u ≤ w ≤ u} (u only when ε > 0); returns the
/// solution (w, multipliers of the margin rows, optimum) or None if infeasible.
fn solve(
    data: &Dataset,
    signs: &[f64],
    geometry: Geometry,
    eps: f64,
    opts: &MarginOptions,
) -> Result<Option<Solved>> {
    let (n, d) = (data.n(), data.d());
    let x = data.x();
    let mut prog = Program::new(d);
    let t = norm_epigraph(&mut prog, geometry, 0, 1, d);
    prog.cost(t, 1.0);
    let u0 = if eps > 0.0 {
        Some(prog.add_vars(d))
    } else {
        None
    };
    let rows = (0..n)
        .map(|i| {
            let mut e = Affine::constant(-1.0);
            for j in 0..d {
                e = e.plus(j, signs[i] * x[(i, j)]);
            }
            if let Some(u0) = u0 {
                for j in 0..d {
                    e = e.plus(u0 + j, -eps);
                }
            }
            e
        })
        .collect();
    let first = prog.nonneg(rows);
    if let Some(u0) = u0 {
        let mut abs = Vec::with_capacity(2 * d);
        for j in 0..d {
            abs.push(Affine::var(u0 + j, 1.0).plus(j, -1.0));
            abs.push(Affine::var(u0 + j, 1.0).plus(j, 1.0));
        }
        prog.nonneg(abs);
    }
    let sol = prog.solve(opts.tol, opts.max_iter)?;
    if sol.infeasible() {
        return Ok(None);
    }
    if !sol.solved() {
        return Err(Error::failed(format!(
            "binary max-margin: the conic solver stopped with status {:?}",
            sol.status
        )));
    }
    let w = Mat::from_fn(d, 1, |j, _| sol.x[j]);
    Ok(Some(Solved {
        w,
        lambda: sol.z[first..first + n].to_vec(),
        objective: sol.objective,
        iterations: sol.iterations,
    }))
}

/// γ_ε in the vector norm `norm` (`l1`, `l2`, `linf`, `lp:P`) for the binary view of `data`
/// (label 1 ↦ +1, 0 ↦ −1), with ℓ∞-robustness radius `robust_linf` (None or 0: the plain
/// margin), for data of ordinary scale (the public [`super::binary_margin`] normalizes the scale
/// first). ε < 0 or non-finite is an input error; ε ≥ ε* gives `separable: false`, γ = 0.
pub(super) fn binary_margin_unscaled(
    data: &Dataset,
    norm: &str,
    robust_linf: Option<f64>,
    opts: &MarginOptions,
) -> Result<Margin> {
    let start = Instant::now();
    let geometry = Geometry::vector(norm)?;
    let eps = robust_linf.unwrap_or(0.0);
    if !(eps >= 0.0 && eps.is_finite()) {
        return Err(Error::input(format!(
            "--robust-linf {eps}: the perturbation radius must be a finite number ≥ 0 (e.g. 0.05)"
        )));
    }
    let signs = data.binary_signs()?;
    let cert = parse_norm(norm)?;
    let l1 = parse_norm("l1")?;
    let d = data.d();
    // ε* = max_{‖w‖₁ ≤ 1} min_i y_i⟨w, x_i⟩ (the ℓ1 margin) decides (robust) separability.
    let eps_star = match solve(data, &signs, Geometry::Entrywise(1.0), 0.0, opts)? {
        Some(Solved { w, .. }) => {
            let nw = l1.norm(w.as_ref());
            plain_margin(data, &signs, &w) / nw
        }
        None => 0.0,
    };
    let scale = (0..data.n())
        .map(|i| (0..d).map(|j| data.x()[(i, j)].abs()).fold(0.0, f64::max))
        .fold(0.0, f64::max);
    let tolerance = 1e-9 * scale.max(f64::MIN_POSITIVE);
    let base_info = json!({"eps": eps, "eps_star": eps_star, "separability_tolerance": tolerance});
    let not_separable = |reason: &str| Margin {
        norm: norm.to_string(),
        separable: false,
        gamma: 0.0,
        lower: 0.0,
        upper: 0.0,
        w: Mat::zeros(d, 1),
        lambda: Vec::new(),
        info: {
            let mut i = base_info.clone();
            i["reason"] = json!(reason);
            i["wall_ms"] = json!(start.elapsed().as_secs_f64() * 1e3);
            i
        },
    };
    if eps_star <= tolerance {
        return Ok(not_separable(
            "the data are not linearly separable (ε* ≤ tolerance)",
        ));
    }
    if eps_star - eps <= tolerance {
        return Ok(not_separable("ε ≥ ε*: no w has a positive robust margin"));
    }
    let Some(Solved {
        w,
        lambda,
        objective,
        iterations,
    }) = solve(data, &signs, geometry, eps, opts)?
    else {
        return Ok(not_separable("the conic solver certified infeasibility"));
    };
    // Certificate.
    let nw = cert.norm(w.as_ref());
    if !(nw > 0.0 && nw.is_finite()) {
        return Err(Error::failed(format!(
            "binary max-margin ({norm}): the solver returned w with norm {nw}"
        )));
    }
    let penalty = eps * l1.norm(w.as_ref());
    let lower = ((plain_margin(data, &signs, &w) - penalty) / nw).max(0.0);
    let lambda = normalize(&lambda).ok_or_else(|| {
        Error::failed(format!(
            "binary max-margin ({norm}): the solver's dual multipliers are all zero; no upper bound"
        ))
    })?;
    let z = Mat::from_fn(d, 1, |j, _| {
        let s: f64 = (0..data.n())
            .map(|i| lambda[i] * signs[i] * data.x()[(i, j)])
            .sum();
        s.signum() * (s.abs() - eps).max(0.0)
    });
    let upper = cert.dual_norm(z.as_ref());
    let what = format!("binary max-margin ({norm})");
    let gamma = settle(1.0 / objective, lower, upper, &what)?;
    let mut info = base_info;
    info["method"] = json!("Clarabel conic program");
    info["solver_iterations"] = json!(iterations);
    info["objective"] = json!(objective);
    info["wall_ms"] = json!(start.elapsed().as_secs_f64() * 1e3);
    Ok(Margin {
        norm: norm.to_string(),
        separable: true,
        gamma,
        lower,
        upper,
        w: Mat::from_fn(d, 1, |j, _| w[(j, 0)] / nw),
        lambda,
        info,
    })
}

/// min_i y_i⟨w, x_i⟩.
fn plain_margin(data: &Dataset, signs: &[f64], w: &Mat<f64>) -> f64 {
    let m = data.x() * w;
    (0..data.n())
        .map(|i| signs[i] * m[(i, 0)])
        .fold(f64::INFINITY, f64::min)
}
