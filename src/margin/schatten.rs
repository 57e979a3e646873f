//! Schatten-p max-margin for p ∉ {1, 2, ∞} by a first-order method on the dual
//! (`../shared/papers/00` §4.1):
//!
//! γ = min_{λ ∈ Δ} f(λ),  f(λ) = |||M(λ)|||_q,  M(λ) = Σ λ_ic A_ic,  1/p + 1/q = 1.
//!
//! f is convex with gradient ∂f/∂λ_ic = ⟨A_ic, D(λ)⟩, D(λ) = LMO_p(M(λ)) = argmax_{|||D|||_p ≤ 1}
//! ⟨M(λ), D⟩ (the dualizer of the Schatten-p norm). The method is accelerated projected gradient
//! (FISTA with backtracking and adaptive restart; Beck & Teboulle 2009, O'Donoghue & Candès 2015)
//! on the simplex, warm-started at the multipliers of the Frobenius max-margin program. Every
//! iterate gives a certified bracket: D(λ) is a primal candidate,
//!
//! min_ic ⟨A_ic, D⟩ / |||D|||_p ≤ γ ≤ f(λ),
//!
//! whose width is the Frank–Wolfe gap. The method stops when the width is below
//! `first_order_rel_gap`·upper or after `first_order_iters` iterations, and reports the bracket
//! reached (never a tighter one than it has certified).

use super::{Geometry, Margin, MarginOptions};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::norms::Norm;
use faer::Mat;
use serde_json::json;
use std::time::Instant;

/// Euclidean projection onto the probability simplex (Held, Wolfe & Crowder 1974; sort-based).
pub(crate) fn project_simplex(v: &[f64]) -> Vec<f64> {
    let mut u = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut css = 0.0;
    let mut theta = 0.0;
    for (r, &ur) in u.iter().enumerate() {
        css += ur;
        let th = (css - 1.0) / (r as f64 + 1.0);
        if ur - th > 0.0 {
            theta = th;
        }
    }
    v.iter().map(|&x| (x - theta).max(0.0)).collect()
}

struct Eval {
    f: f64,
    grad: Vec<f64>,
    d: Mat<f64>,
}

fn evaluate(data: &Dataset, cert: &dyn Norm, pairs: &[(usize, usize)], lambda: &[f64]) -> Eval {
    let m = data.combine_pairs(lambda);
    let (f, d) = cert.dual_and_dualize(m.as_ref());
    let margins = data.pair_margins(d.as_ref());
    let grad = pairs.iter().map(|&(i, c)| margins[(i, c)]).collect();
    Eval { f, grad, d }
}

/// Run the method from the multipliers `warm` (indexed like [`Dataset::pairs`], in the simplex).
pub(super) fn first_order_max_margin(
    data: &Dataset,
    norm: &str,
    geometry: Geometry,
    cert: &dyn Norm,
    warm: &[f64],
    opts: &MarginOptions,
    start: Instant,
) -> Result<Margin> {
    let pairs = data.pairs();
    let mut lambda = warm.to_vec();
    let mut best_upper = f64::INFINITY;
    let mut best_lambda = lambda.clone();
    let mut best_lower = 0.0;
    let mut best_w = Mat::<f64>::zeros(data.classes(), data.d());
    let mut consider = |e: &Eval, l: &[f64], bu: &mut f64, bl: &mut f64| {
        if e.f < *bu {
            *bu = e.f;
            best_lambda = l.to_vec();
        }
        let nd = cert.norm(e.d.as_ref());
        if nd > 0.0 {
            let lo = e.grad.iter().copied().fold(f64::INFINITY, f64::min) / nd;
            if lo > *bl {
                *bl = lo;
                best_w = Mat::from_fn(e.d.nrows(), e.d.ncols(), |i, j| e.d[(i, j)] / nd);
            }
        }
    };
    let mut cur = evaluate(data, cert, &pairs, &lambda);
    consider(&cur, &lambda, &mut best_upper, &mut best_lower);
    let mut y = lambda.clone();
    let mut ey = evaluate(data, cert, &pairs, &y);
    let mut t = 1.0f64;
    let mut lip = 1.0f64;
    let mut iters = 0usize;
    let mut evaluations = 2usize;
    while iters < opts.first_order_iters
        && best_upper - best_lower > opts.first_order_rel_gap * best_upper
    {
        iters += 1;
        // Backtracking on the quadratic upper model at y.
        let (next, enext) = loop {
            let step: Vec<f64> = y.iter().zip(&ey.grad).map(|(a, g)| a - g / lip).collect();
            let cand = project_simplex(&step);
            let ec = evaluate(data, cert, &pairs, &cand);
            evaluations += 1;
            let diff: Vec<f64> = cand.iter().zip(&y).map(|(a, b)| a - b).collect();
            let lin: f64 = diff.iter().zip(&ey.grad).map(|(a, g)| a * g).sum();
            let sq: f64 = diff.iter().map(|a| a * a).sum();
            if ec.f <= ey.f + lin + 0.5 * lip * sq + 1e-15 * ey.f.abs() || lip > 1e20 {
                break (cand, ec);
            }
            lip *= 2.0;
        };
        consider(&enext, &next, &mut best_upper, &mut best_lower);
        if !enext.f.is_finite() {
            return Err(Error::failed(format!(
                "max-margin ({norm}): non-finite dual objective at first-order iteration {iters}"
            )));
        }
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        if enext.f > cur.f {
            // Adaptive restart: drop the momentum.
            t = 1.0;
            y = next.clone();
            ey = evaluate(data, cert, &pairs, &y);
            evaluations += 1;
        } else {
            let beta = (t - 1.0) / t_next;
            y = next
                .iter()
                .zip(&lambda)
                .map(|(a, b)| a + beta * (a - b))
                .collect();
            y = project_simplex(&y);
            ey = evaluate(data, cert, &pairs, &y);
            evaluations += 1;
            t = t_next;
        }
        lambda = next;
        cur = enext;
        lip *= 0.9;
    }
    let width = best_upper - best_lower;
    let gamma = 0.5 * (best_lower + best_upper);
    Ok(Margin {
        norm: norm.to_string(),
        separable: true,
        gamma,
        lower: best_lower,
        upper: best_upper,
        w: best_w,
        lambda: best_lambda,
        info: json!({
            "method": "accelerated projected gradient on the dual min_{λ∈Δ} |||Σλ A|||_q (FISTA, restarts), primal W = LMO_p(Σλ A)",
            "geometry": format!("{geometry:?}"),
            "pairs": pairs.len(),
            "iterations": iters,
            "evaluations": evaluations,
            "converged": width <= opts.first_order_rel_gap * best_upper,
            "relative_width": width / best_upper,
            "wall_ms": start.elapsed().as_secs_f64() * 1e3,
        }),
    })
}
