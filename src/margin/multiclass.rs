//! The multiclass max-margin program with constraint generation and its certificate.

use super::conic::{Affine, Program};
use super::epigraph::norm_epigraph;
use super::{normalize, settle, Geometry, Margin, MarginOptions};
use crate::data::{separability, Dataset};
use crate::error::{Error, Result};
use crate::norms::parse_norm;
use crate::norms::Norm;
use faer::Mat;
use serde_json::json;
use std::time::Instant;

/// γ for the matrix norm `norm` (contract name) on `data` of ordinary scale, with its certified
/// bracket (the public [`super::max_margin`] normalizes the data's scale first).
///
/// Non-separable data (the conic program is infeasible, confirmed by the LP of [`separability`])
/// give `separable: false`, γ = 0, W = 0, lower = 0 and upper = ‖Σλ A‖_* for the LP's Farkas
/// multipliers (≈ 0).
pub(super) fn max_margin_unscaled(
    data: &Dataset,
    norm: &str,
    opts: &MarginOptions,
) -> Result<Margin> {
    let start = Instant::now();
    let geometry = Geometry::matrix(norm)?;
    let cert = parse_norm(norm)?;
    // Wide data: rank X ≤ n < d, and a unitarily invariant norm's program reduces exactly to the
    // row span of the data (see `span`).
    if super::span::applies(geometry) && data.n() < data.d() {
        let q = super::span::row_span_basis(data.x().as_ref());
        if q.ncols() < data.d() {
            return super::span::solve_in_span(data, norm, cert.as_ref(), q.as_ref(), opts, start);
        }
    }
    let answer = if geometry.is_conic() {
        conic_max_margin(data, norm, geometry, cert.as_ref(), opts, start)?
    } else {
        // Warm start (and separability verdict) from the Frobenius program.
        let fro = max_margin_unscaled(data, "fro", opts)?;
        if fro.separable {
            Some(super::schatten::first_order_max_margin(
                data,
                norm,
                geometry,
                cert.as_ref(),
                &fro.lambda,
                opts,
                start,
            )?)
        } else {
            None
        }
    };
    match answer {
        Some(m) => Ok(m),
        None => not_separable(data, norm, cert.as_ref(), start),
    }
}

/// The answer for data the conic solver found infeasible, certified by the separability LP
/// (its Farkas multipliers λ ∈ Δ give upper = ‖Σλ A‖_* ≈ 0).
pub(super) fn not_separable(
    data: &Dataset,
    norm: &str,
    cert: &dyn Norm,
    start: Instant,
) -> Result<Margin> {
    let sep = separability(data)?;
    if sep.separable {
        return Err(Error::failed(format!(
            "max-margin ({norm}): the conic solver reported infeasibility but the separability LP finds t* = {} > {}; the data are nearly non-separable, rescale them",
            sep.t, sep.tolerance
        )));
    }
    let upper = cert.dual_norm(data.combine_pairs(&sep.lambda).as_ref());
    Ok(Margin {
        norm: norm.to_string(),
        separable: false,
        gamma: 0.0,
        lower: 0.0,
        upper,
        w: Mat::zeros(data.classes(), data.d()),
        lambda: sep.lambda,
        info: json!({
            "method": "conic program infeasible; separability LP (Clarabel) certificate",
            "separability_t": sep.t,
            "separability_tolerance": sep.tolerance,
            "wall_ms": start.elapsed().as_secs_f64() * 1e3,
        }),
    })
}

/// The row of pair (i, c): ⟨A_ic, W⟩ − 1 ≥ 0 with W stored row-major from variable 0.
fn margin_row(data: &Dataset, i: usize, c: usize) -> Affine {
    let d = data.d();
    let yi = data.y()[i];
    let x = data.x();
    let mut e = Affine::constant(-1.0);
    e.terms.reserve(2 * d);
    for j in 0..d {
        e = e.plus(yi * d + j, x[(i, j)]).plus(c * d + j, -x[(i, j)]);
    }
    e
}

/// The initial working set: the `m` smallest-margin pairs of each sample under the class-mean
/// classifier W_c = mean of the class-c samples.
fn initial_working_set(data: &Dataset, m: usize) -> Vec<bool> {
    let (k, d, n) = (data.classes(), data.d(), data.n());
    let mut means = Mat::<f64>::zeros(k, d);
    let mut count = vec![0.0; k];
    for i in 0..n {
        let c = data.y()[i];
        count[c] += 1.0;
        for j in 0..d {
            means[(c, j)] += data.x()[(i, j)];
        }
    }
    for c in 0..k {
        for j in 0..d {
            means[(c, j)] /= count[c];
        }
    }
    let margins = data.pair_margins(means.as_ref());
    let mut active = vec![false; n * (k - 1)];
    for i in 0..n {
        let base = i * (k - 1);
        let mut idx: Vec<(usize, f64)> = (0..k - 1)
            .map(|r| {
                let c = if r < data.y()[i] { r } else { r + 1 };
                (r, margins[(i, c)])
            })
            .collect();
        idx.sort_by(|a, b| a.1.total_cmp(&b.1));
        for &(r, _) in idx.iter().take(m) {
            active[base + r] = true;
        }
    }
    active
}

fn conic_max_margin(
    data: &Dataset,
    norm: &str,
    geometry: Geometry,
    cert: &dyn Norm,
    opts: &MarginOptions,
    start: Instant,
) -> Result<Option<Margin>> {
    let (k, d) = (data.classes(), data.d());
    let pairs = data.pairs();
    let generation = pairs.len() > opts.generation_threshold(geometry);
    let mut active = if generation {
        initial_working_set(data, opts.init_per_sample.max(1))
    } else {
        vec![true; pairs.len()]
    };
    let mut rounds = Vec::new();
    let mut solver_iterations = 0u32;
    let max_rounds = opts.max_rounds.max(1);
    let mut round = 0usize;
    loop {
        let mut prog = Program::new(k * d);
        let t = norm_epigraph(&mut prog, geometry, 0, k, d);
        prog.cost(t, 1.0);
        let working: Vec<usize> = (0..pairs.len()).filter(|&p| active[p]).collect();
        let rows = working
            .iter()
            .map(|&p| margin_row(data, pairs[p].0, pairs[p].1))
            .collect();
        let first = prog.nonneg(rows);
        let sol = prog.solve(opts.tol, opts.max_iter)?;
        solver_iterations += sol.iterations;
        if sol.infeasible() {
            return Ok(None);
        }
        if !sol.solved() {
            return Err(Error::failed(format!(
                "max-margin ({norm}): the conic solver stopped with status {:?} in round {round} on {} pairs",
                sol.status,
                working.len()
            )));
        }
        let w = Mat::from_fn(k, d, |i, j| sol.x[i * d + j]);
        let margins = data.pair_margins(w.as_ref());
        // Add the violated pairs: per sample the `add_per_sample` most violated (0: all).
        let mut added = 0usize;
        let km1 = k - 1;
        for i in 0..data.n() {
            let mut viol: Vec<(usize, f64)> = (i * km1..(i + 1) * km1)
                .filter(|&p| !active[p])
                .map(|p| (p, margins[(i, pairs[p].1)]))
                .filter(|&(_, m)| m < 1.0 - opts.violation)
                .collect();
            viol.sort_by(|a, b| a.1.total_cmp(&b.1));
            let cap = if opts.add_per_sample == 0 {
                viol.len()
            } else {
                opts.add_per_sample
            };
            for &(p, _) in viol.iter().take(cap) {
                active[p] = true;
                added += 1;
            }
        }
        rounds.push(json!({"pairs": working.len(), "iterations": sol.iterations, "status": format!("{:?}", sol.status), "added": added}));
        if added == 0 || round + 1 >= max_rounds {
            let mut lambda = vec![0.0; pairs.len()];
            for (r, &p) in working.iter().enumerate() {
                lambda[p] = sol.z[first + r];
            }
            return certify(
                data,
                norm,
                cert,
                w,
                lambda,
                1.0 / sol.objective,
                start,
                json!({
                    "method": if generation { "Clarabel conic program with constraint generation" } else { "Clarabel conic program" },
                    "geometry": format!("{geometry:?}"),
                    "pairs": pairs.len(),
                    "working_set": working.len(),
                    "rounds": rounds,
                    "solver_iterations": solver_iterations,
                    "converged": added == 0,
                    "objective": sol.objective,
                }),
            )
            .map(Some);
        }
        round += 1;
    }
}

/// Evaluate the bracket of a candidate W and multipliers λ with the crate's norms.
#[allow(clippy::too_many_arguments)]
pub(super) fn certify(
    data: &Dataset,
    norm: &str,
    cert: &dyn Norm,
    w: Mat<f64>,
    lambda: Vec<f64>,
    gamma_solver: f64,
    start: Instant,
    mut info: serde_json::Value,
) -> Result<Margin> {
    let nw = cert.norm(w.as_ref());
    if !(nw > 0.0 && nw.is_finite()) {
        return Err(Error::failed(format!(
            "max-margin ({norm}): the solver returned W with norm {nw}"
        )));
    }
    let lower = (data.min_margin(w.as_ref()) / nw).max(0.0);
    let lambda = normalize(&lambda).ok_or_else(|| {
        Error::failed(format!(
            "max-margin ({norm}): the solver's dual multipliers are all zero; no upper bound"
        ))
    })?;
    let upper = cert.dual_norm(data.combine_pairs(&lambda).as_ref());
    let gamma = settle(gamma_solver, lower, upper, &format!("max-margin ({norm})"))?;
    let w = Mat::from_fn(w.nrows(), w.ncols(), |i, j| w[(i, j)] / nw);
    info["wall_ms"] = json!(start.elapsed().as_secs_f64() * 1e3);
    info["gamma_solver"] = crate::io::num(gamma_solver);
    Ok(Margin {
        norm: norm.to_string(),
        separable: true,
        gamma,
        lower,
        upper,
        w,
        lambda,
        info,
    })
}
